"""
Every example in ``examples/`` runs against delta-sim and keeps its output contract.

Each example is run as a subprocess with this interpreter (the venv's) and short durations; a test asserts exit
status 0, no ``[ERROR]`` log line, and the lines the example promises in its docstring (and that
``scripts/demo.sh`` greps). :func:`test_every_example_has_a_test` fails when a new ``examples/*.py`` has no test
here: add one decorated with ``@covers("name.py")``.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import pytest

from delta_exchange import DeltaExchangeDataClientConfig

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
TIMEOUT_SECS = 240.0
"""Only a hang guard: an example that exceeds it has stopped making progress."""

COVERED: dict[str, str] = {}
"""Example file name -> the test that runs it (filled by :func:`covers`)."""

_Test = TypeVar("_Test", bound=Callable[..., None])


def covers(example: str) -> Callable[[_Test], _Test]:
    """Record that the decorated test runs ``examples/<example>``."""

    def mark(test: _Test) -> _Test:
        COVERED[example] = test.__name__
        return test

    return mark


def run_example(name: str, *args: str, env: dict[str, str] | None = None) -> str:
    """Run ``examples/<name>`` with this interpreter; assert exit 0 and no ``[ERROR]`` line; return stdout + stderr."""
    child = subprocess.run(
        [sys.executable, str(EXAMPLES / name), *args],
        capture_output=True,
        text=True,
        timeout=TIMEOUT_SECS,
        env=env if env is not None else dict(os.environ),
        check=False,
        cwd=EXAMPLES.parent,
    )
    output = child.stdout + child.stderr
    assert child.returncode == 0, f"{name} exited with {child.returncode}:\n{output[-4000:]}"
    errors = [line for line in output.splitlines() if "[ERROR]" in line]
    assert not errors, f"{name} logged errors:\n" + "\n".join(errors[:20])
    return output


def line_starting(stdout: str, prefix: str) -> str:
    """The one stdout line starting with ``prefix`` (asserts it exists)."""
    lines = [line for line in stdout.splitlines() if line.startswith(prefix)]
    assert len(lines) == 1, f"expected one line starting with {prefix!r}, got {lines}:\n{stdout[-3000:]}"
    return lines[0]


def key_values(line: str) -> dict[str, int]:
    """``key=N`` pairs of a summary line as integers."""
    return {key: int(value) for key, value in re.findall(r"(\w+)=(-?\d+)\b", line)}


def test_every_example_has_a_test() -> None:
    """Each ``examples/*.py`` is run by a test of this module, and each covered name still exists."""
    present = {path.name for path in EXAMPLES.glob("*.py")}
    assert present == set(COVERED), (
        f"examples without a test: {sorted(present - set(COVERED))}; "
        f"tests of missing examples: {sorted(set(COVERED) - present)}"
    )


def test_examples_readme_lists_every_example() -> None:
    """``examples/README.md`` mentions every example by file name."""
    readme = (EXAMPLES / "README.md").read_text()
    missing = [path.name for path in EXAMPLES.glob("*.py") if path.name not in readme]
    assert not missing, f"examples/README.md does not list {missing}"


@pytest.mark.sim
@covers("environments.py")
def test_environments() -> None:
    """Every environment's URLs are printed, credentials come from the right variables, no secret is printed."""
    secrets = {
        "DELTA_API_KEY": "prod-key-for-examples-0001",
        "DELTA_API_SECRET": "prod-secret-must-never-print-4242",
    }
    env = {name: value for name, value in os.environ.items() if not name.startswith("DELTA_") or "_BIN" in name}
    env.update(secrets)  # production credentials only: the testnets must say what is missing
    stdout = run_example("environments.py", env=env)

    for environment in ("india", "global", "india-testnet", "global-testnet"):
        urls = DeltaExchangeDataClientConfig(environment=environment).resolved_urls()
        line = line_starting(stdout, f"environment={environment} ")
        assert f"rest={urls['http']} ws_public={urls['ws_public']} ws_private={urls['ws_private']}" in line
    # The documented REST hosts (README, "Environments and credentials").
    for host in (
        "https://api.india.delta.exchange",
        "https://api.delta.exchange",
        "https://cdn-ind.testnet.deltaex.org",
        "https://testnet-api.delta.exchange",
    ):
        assert f"rest={host} " in stdout
    assert stdout.count("credentials from DELTA_API_KEY / DELTA_API_SECRET") == 2
    assert stdout.count("DELTA_TESTNET_API_KEY") >= 2, "the testnets say which variables to set"
    local = line_starting(stdout, "environment=local ")
    assert re.search(r"rest=http://127\.0\.0\.1:\d+ ws_public=ws://127\.0\.0\.1:\d+/\S+ ws_private=ws://", local)
    assert "secret hidden from repr/str: yes" in stdout
    loaded = line_starting(stdout, "local: ")
    assert key_values(loaded)["instruments"] > 0 and "first=" in loaded and "wallet_usd=None" not in loaded
    assert line_starting(stdout, "environments: ") == "environments: ok"
    assert secrets["DELTA_API_SECRET"] not in stdout
    assert "delta-sim-secret" not in stdout  # the sim's secret, passed explicitly in the local config


@pytest.mark.sim
@covers("node_sim.py")
def test_node_sim() -> None:
    """The data node prints a ``counts:`` line (what ``scripts/demo.sh`` greps) with every data type > 0."""
    stdout = run_example("node_sim.py", "--seconds", "8")
    counts = key_values(line_starting(stdout, "counts:"))
    expected = {"book_deltas", "quotes", "trades", "bars", "mark_prices", "index_prices", "funding_rates"}
    assert set(counts) == expected
    assert all(count > 0 for count in counts.values()), counts


@pytest.mark.sim
@covers("node_trade_sim.py")
def test_node_trade_sim() -> None:
    """The market maker fills and ends with ``account consistent: yes`` (node and exchange agree)."""
    stdout = run_example("node_trade_sim.py", "--seconds", "10")
    assert "account consistent: yes" in stdout.splitlines()
    fills = key_values(line_starting(stdout, "fills:"))
    assert fills["bought"] + fills["sold"] > 0
    position = line_starting(stdout, "position:")
    node, exchange = re.search(r"node=(-?\d+) exchange=(-?\d+)", position).groups()  # type: ignore[union-attr]
    assert node == exchange
    health = {line.split(":", 1)[0]: line for line in stdout.splitlines() if line.startswith("health ")}
    assert set(health) == {"health DeltaExchangeDataClient", "health DeltaExchangeExecutionClient"}, health
    execution = health["health DeltaExchangeExecutionClient"]
    assert re.search(r"orders: .*submitted=[1-9]", execution) and "circuit: closed" in execution, execution
    assert re.search(r"rest: calls=[1-9]\d* ", execution) and "reconnects=0" in execution, execution
    logged = [line for line in stdout.splitlines() if "ExecClient-DELTA_EXCHANGE: Stats ws: frames=" in line]
    assert logged, "the execution client logs its statistics line every stats_log_interval_secs (5 s here)"


@pytest.mark.sim
@covers("record_and_backtest.py")
def test_record_and_backtest() -> None:
    """The recording reaches the catalog and the backtest replays all of it to a strategy that trades."""
    stdout = run_example("record_and_backtest.py", "--seconds", "6", "--trade-every", "20")
    recorded = key_values(line_starting(stdout, "recorded "))
    assert recorded["rows"] > 0 and recorded["files"] > 0 and recorded["gaps"] == 0
    stored = key_values(line_starting(stdout, "catalog:"))
    seen = key_values(line_starting(stdout, "backtest:"))
    assert {kind: seen[kind] for kind in stored} == stored, "the strategy saw everything the catalog holds"
    # What delta-sim sends within seconds (bars need a minute boundary, so they may be absent).
    for kind in ("quotes", "trades", "deltas", "mark_prices", "index_prices", "funding_rates"):
        assert seen[kind] > 0, (kind, seen)
    assert seen["orders"] > 0 and seen["fills"] > 0, seen
    assert "backtest saw every recorded item: yes" in stdout.splitlines()
