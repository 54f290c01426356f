"""
A TradingNode with the Delta data client starts, streams and stops with no ERROR in its log.

Runs ``examples/node_sim.py`` (its own delta-sim and node) in a subprocess so the node's whole log, written by
Nautilus's Rust logger to stdout, can be captured and searched. Cases: TC-D10, TC-D20, TC-D30, TC-D41, TC-D50,
TC-D51, TC-D52 (every stream the example subscribes to delivers) and TC-D70 (clean unsubscribe and stop).
"""

from __future__ import annotations

import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from delta_exchange.sim import find_sim_binary

pytestmark = pytest.mark.sim

REPO = Path(__file__).resolve().parents[1]
EXAMPLE = REPO / "examples" / "node_sim.py"


def _run_example(*args: str, interrupt_after: str | None = None, timeout: float = 120.0) -> tuple[int, str]:
    """Run the example; when ``interrupt_after`` appears in its output, send it SIGINT. Return (code, output)."""
    find_sim_binary()
    process = subprocess.Popen(
        [sys.executable, str(EXAMPLE), *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        cwd=REPO,
    )
    assert process.stdout is not None
    lines: list[str] = []
    deadline = time.monotonic() + timeout
    interrupted = False
    for line in process.stdout:
        lines.append(line)
        if interrupt_after and not interrupted and interrupt_after in line:
            process.send_signal(signal.SIGINT)
            interrupted = True
        if time.monotonic() > deadline:
            process.kill()
            break
    return process.wait(timeout=30), "".join(lines)


def _counts(output: str) -> dict[str, int]:
    match = re.search(r"^counts: (.*)$", output, re.MULTILINE)
    assert match, output[-2000:]
    return {key: int(value) for key, value in (pair.split("=") for pair in match.group(1).split())}


def test_node_streams_and_stops_without_errors() -> None:
    """TC-D10/D20/D30/D41/D50/D51/D52/D70: every stream delivers; the node stops cleanly with no ERROR logged."""
    code, output = _run_example("--seconds", "8")
    assert code == 0, output[-3000:]
    errors = [line for line in output.splitlines() if "[ERROR]" in line]
    assert errors == []
    counts = _counts(output)
    assert all(counts[key] > 0 for key in counts), counts
    assert "Unsubscribed BTCUSD.DELTA_EXCHANGE quotes" in output
    assert "Public socket closed:" in output
    assert "TradingNode: DISPOSED" in output


def test_sigint_stops_the_node_cleanly() -> None:
    """TC-D70: SIGINT while streaming stops the node, prints the counts and exits 0 with no ERROR."""
    code, output = _run_example("--seconds", "120", interrupt_after="book_deltas #1:")
    assert code == 0, output[-3000:]
    assert "Received SIGINT, shutting down" in output
    assert [line for line in output.splitlines() if "[ERROR]" in line] == []
    assert _counts(output)["book_deltas"] > 0
