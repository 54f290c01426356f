"""
Shared pieces of the end-to-end benchmarks: machine description, best-of-N timing, the ``RESULT`` line,
fixture frames and a generator of valid 10-level ``ob_updates`` streams (correct ``seq`` and ``cs``).
"""

from __future__ import annotations

import json
import os
import platform
import random
import time
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import NamedTuple

from nautilus_trader.model.identifiers import InstrumentId

REPO = Path(__file__).resolve().parents[1]
FIXTURES = REPO / "fixtures" / "delta-api"
INSTRUMENT_ID = InstrumentId.from_str("BTCUSD.DELTA_EXCHANGE")
PRICE_PRECISION = 1  # BTCUSD ticks at 0.5
SIZE_PRECISION = 0  # contracts
INDEX_SYMBOL = ".DEXBTUSD"


class BenchInstrument(NamedTuple):
    """The three attributes ``BatchDecoder.add_instrument`` reads from an instrument."""

    id: InstrumentId
    price_precision: int
    size_precision: int


INSTRUMENT = BenchInstrument(INSTRUMENT_ID, PRICE_PRECISION, SIZE_PRECISION)


def machine() -> str:
    """One line naming the machine, CPU count and Python."""
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{cpu}, {os.cpu_count()} CPUs, CPython {platform.python_version()}, {time.strftime('%Y-%m-%d')}"


def best_of(run: Callable[[], int], repeats: int) -> float:
    """
    The lowest ns per item over ``repeats`` calls of ``run`` (which returns how many items it processed).

    Each call is timed on its own with ``perf_counter_ns``; the best is the least disturbed run, as ``timeit``
    recommends.
    """
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter_ns()
        items = run()
        elapsed = time.perf_counter_ns() - start
        best = min(best, elapsed / max(items, 1))
    return best


def result_line(figures: dict[str, float | int | str]) -> str:
    """``RESULT key=value ...`` with floats rounded to 3 significant places past the point."""
    parts = []
    for key, value in figures.items():
        text = (
            f"{value:.3g}"
            if isinstance(value, float) and abs(value) < 10
            else (f"{value:.0f}" if isinstance(value, float) else str(value))
        )
        parts.append(f"{key}={text}")
    return "RESULT " + " ".join(parts)


def fixture_frame(name: str, **changes: object) -> str:
    """A fixture frame as compact JSON text with top-level fields replaced by ``changes``."""
    message = json.loads((FIXTURES / f"{name}.json").read_text())
    message.update(changes)
    return json.dumps(message, separators=(",", ":"))


def _price(tick: int) -> str:
    return f"{tick // 2}.{5 if tick % 2 else 0}"


class BookStream:
    """
    A BTCUSD book that emits valid ``ob_updates`` frames: one snapshot, then updates changing ``levels``
    levels each (half bids, half asks; size changes, adds and deletes), ``seq`` +1 and the REFERENCE 9.7
    checksum of the book after the change. Bids and asks live in disjoint tick ranges, so it never crosses.
    """

    def __init__(self, seed: int = 7, depth: int = 40, levels: int = 10, symbol: str = "BTCUSD") -> None:
        self._rng = random.Random(seed)
        self._symbol = symbol
        self._levels = levels
        top = 136_900  # 68450.0
        self._bid_ticks = list(range(top - depth + 1, top + 1))
        self._ask_ticks = list(range(top + 1, top + depth + 1))
        self.bids = {tick: self._rng.randint(1, 5000) for tick in self._bid_ticks}
        self.asks = {tick: self._rng.randint(1, 5000) for tick in self._ask_ticks}
        self.seq = 1_000_000
        self.ts_us = 1_779_962_400_000_000

    def _checksum(self) -> int:
        asks = ",".join(f"{_price(t)}:{self.asks[t]}" for t in sorted(self.asks)[:10])
        bids = ",".join(f"{_price(t)}:{self.bids[t]}" for t in sorted(self.bids, reverse=True)[:10])
        return zlib.crc32(f"{asks}|{bids}".encode())

    def _frame(self, action: str, asks: list[list[str]], bids: list[list[str]]) -> str:
        message = {
            "action": action,
            "a": asks,
            "b": bids,
            "seq": self.seq,
            "sy": self._symbol,
            "type": "ob_updates",
            "ts": self.ts_us,
            "cs": self._checksum(),
        }
        return json.dumps(message, separators=(",", ":"))

    def snapshot(self) -> str:
        """The full book as a snapshot frame."""
        asks = [[_price(t), str(self.asks[t])] for t in sorted(self.asks)]
        bids = [[_price(t), str(self.bids[t])] for t in sorted(self.bids, reverse=True)]
        return self._frame("snapshot", asks, bids)

    def _change(self, book: dict[int, int], ticks: list[int], count: int, descending: bool) -> list[list[str]]:
        window = ticks[-15:] if descending else ticks[:15]
        changed = []
        for tick in sorted(self._rng.sample(window, count), reverse=descending):
            if tick in book and len(book) > 12 and self._rng.random() < 0.2:
                del book[tick]
                changed.append([_price(tick), "0"])
            else:
                book[tick] = self._rng.randint(1, 5000)
                changed.append([_price(tick), str(book[tick])])
        return changed

    def update(self) -> str:
        """The next update frame."""
        self.seq += 1
        self.ts_us += 100
        half = self._levels // 2
        bids = self._change(self.bids, self._bid_ticks, half, descending=True)
        asks = self._change(self.asks, self._ask_ticks, self._levels - half, descending=False)
        return self._frame("update", asks, bids)
