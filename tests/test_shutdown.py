"""
Leaving the interpreter while native calls still run does not abort the process.

A request in its retry backoff when ``asyncio.run`` ends hands its result to the event loop from a tokio thread;
if the interpreter were finalizing by then, CPython would end that thread from under Rust and the process would
abort (exit 134, seen in about one run in twelve before ``import delta_exchange`` registered
``_native.wait_idle`` with ``atexit``).
"""

from __future__ import annotations

import subprocess
import sys
import time

from delta_exchange import _native

SCRIPT = """
import asyncio
from delta_exchange import _native

async def main():
    client = _native.HttpClient("http://127.0.0.1:1", timeout_secs=1.0, max_retries=3)
    calls = [asyncio.ensure_future(client.products()) for _ in range(4)]
    try:
        await calls[0]
    except Exception as error:
        print(type(error).__name__)

asyncio.run(main())
"""


def test_exit_with_calls_in_flight_is_clean() -> None:
    """Fifteen runs that leave while refused requests retry all exit 0 after printing the first failure."""
    for _ in range(15):
        child = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True, timeout=60, check=False)
        assert child.returncode == 0, child.stderr[-1000:]
        assert child.stdout.strip().endswith("Error")


def test_wait_idle_returns_at_once_when_nothing_runs() -> None:
    """`wait_idle` is harmless when called any time."""
    started = time.monotonic()
    assert _native.wait_idle(1.0)
    assert time.monotonic() - started < 0.5
