"""
``delta-recorder`` end to end: record delta-sim, then read the recording back with Nautilus.

One recording (module fixture) of BTCUSD from a delta-sim subprocess, long enough to close a one-minute bar.
Nothing the sim reports sending may be missing from the raw capture; every catalog type is read back by
``ParquetDataCatalog`` in a child process (a bad file aborts the reader instead of raising) with the values the
frames carried; recorded book deltas regroup into exactly the batches the live adapter builds from the same
frames; and a ``BacktestEngine`` runs a strategy over the recording.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
import time
from collections import Counter
from collections.abc import Iterator
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any, NamedTuple

import pyarrow.parquet as pq
import pytest
from nautilus_trader.model.identifiers import InstrumentId

from delta_exchange import _native
from delta_exchange.parsing import KIND_BOOK, BatchDecoder
from delta_exchange.recording import Recorder, RecordingSummary
from delta_exchange.sim import DeltaSim

CHANNELS = ["ob_updates", "trades", "ob_l1", "mark_price", "funding_rate", "spot_price", "candlestick_1m"]
INSTRUMENT_ID = "BTCUSD.DELTA_EXCHANGE"
MINUTE_NS = 60_000_000_000
CATALOG_CLI = [sys.executable, "-m", "delta_exchange.catalog"]


class Routed(NamedTuple):
    """What `BatchDecoder.add_instrument` reads of an instrument."""

    id: InstrumentId
    price_precision: int
    size_precision: int


class Recording(NamedTuple):
    out: Path
    summary: RecordingSummary
    sent: dict[str, dict[str, int]]
    frames: list[dict[str, Any]]


def raw_rows(out: Path) -> list[dict[str, Any]]:
    """Every raw capture row, in ``seq`` order."""
    rows = [row for path in sorted((out / "raw").glob("*.parquet")) for row in pq.read_table(path).to_pylist()]
    return sorted(rows, key=lambda row: row["seq"])


def stop_stream(sim: DeltaSim) -> None:
    """Freeze the sim's market, then stop every send, so its counts are final."""
    sim.set_faults(pause_market=True)
    time.sleep(0.4)
    sim.set_faults(stall=True)
    time.sleep(0.6)


@pytest.fixture(scope="module")
def recording(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Recording]:
    out = tmp_path_factory.mktemp("recording")
    with DeltaSim(rate=300, symbols=["BTCUSD", "ETHUSD"]) as sim:
        subprocess.run(
            [*CATALOG_CLI, "instruments", "--out", str(out), "--base-url-http", sim.rest_url, "--symbols", "BTCUSD"],
            check=True,
            capture_output=True,
        )
        recorder = Recorder(
            out,
            rest_url=sim.rest_url,
            ws_url=sim.public_ws_url,
            symbols=["BTCUSD"],
            channels=CHANNELS,
            extra_args=["--status-secs", "1"],
        ).start()
        # Past the next minute boundary, so a one-minute candle closes (its bar is written when the next minute's
        # candle comes); the candle of the minute the recording starts in only closes at that boundary.
        seconds_to_minute = (MINUTE_NS - time.time_ns() % MINUTE_NS) / 1e9
        time.sleep(seconds_to_minute + 3.0)
        stop_stream(sim)
        summary = recorder.stop()
        sent = sim.stats()["sent"]
    frames = [row for row in raw_rows(out) if row["kind"] == "frame"]
    yield Recording(out, summary, sent, frames)


def payloads(recording: Recording, channel: str) -> list[dict[str, Any]]:
    """The JSON of every captured frame of ``channel``, numbers as exact ``Decimal``."""
    return [
        json.loads(row["payload"], parse_float=Decimal)
        for row in recording.frames
        if row["channel"] == channel and (row["symbol"] or "").endswith("BTCUSD")
    ]


def test_nothing_the_sim_sent_is_missing(recording: Recording) -> None:
    """Every frame the sim counts as sent (`/sim/stats`), per channel, is a frame row of the raw capture."""
    captured = Counter(row["channel"] for row in recording.frames)
    sent = {channel: sum(by_symbol.values()) for channel, by_symbol in recording.sent.items()}
    assert dict(captured) == sent
    assert recording.summary.messages == sum(sent.values())
    assert recording.summary.gaps == 0 and recording.summary.rows > 100
    assert all(row["recv_ns"] > 0 and row["payload"].startswith("{") for row in recording.frames)


def read_catalog(out: Path, script: str, args: list[str] | None = None) -> dict[str, Any]:
    """Run ``script`` against ``ParquetDataCatalog(out)`` in a child process, which prints one JSON report."""
    prelude = textwrap.dedent(
        f"""
        import json, sys
        sys.path.insert(0, {str(Path(__file__).parent)!r})
        import delta_exchange
        from test_recorder import delta_row
        from nautilus_trader.model.data import FundingRateUpdate, IndexPriceUpdate, MarkPriceUpdate
        from nautilus_trader.persistence.catalog import ParquetDataCatalog
        catalog = ParquetDataCatalog({str(out)!r})
        ids = [{INSTRUMENT_ID!r}]
        """,
    )
    child = subprocess.run(
        [sys.executable, "-c", prelude + textwrap.dedent(script), *(args or [])],
        capture_output=True,
        check=False,
        text=True,
        timeout=300,
    )
    assert child.returncode == 0, f"the catalog reader failed ({child.returncode}): {child.stderr[-2000:]}"
    # Nautilus may log to stdout too: the report is the last JSON object line.
    return json.loads(next(line for line in reversed(child.stdout.splitlines()) if line.startswith("{")))


def delta_row(delta: Any) -> list[int]:
    """An `OrderBookDelta` as comparable numbers (everything but `ts_init`, the local receive time)."""
    order = delta.order
    return [
        delta.action.value,
        order.side.value,
        order.price.raw,
        order.size.raw,
        delta.flags,
        delta.sequence,
        delta.ts_event,
    ]


def rounded(value: Decimal, places: int) -> str:
    """``value`` rounded half away from zero (positive prices) to ``places``, as Nautilus prints it."""
    return str(value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP))


def test_catalog_reads_every_type_with_the_values_sent(recording: Recording) -> None:
    """`ParquetDataCatalog` reads each type the recorder wrote; values equal the frames' (DESIGN 4)."""
    got = read_catalog(
        recording.out,
        """
        instrument = catalog.instruments(instrument_ids=ids)[0]
        trades = catalog.trade_ticks(instrument_ids=ids)
        quotes = catalog.quote_ticks(instrument_ids=ids)
        deltas = catalog.order_book_deltas(instrument_ids=ids)
        bars = catalog.bars()
        marks = catalog.query(MarkPriceUpdate, identifiers=ids)
        index = catalog.query(IndexPriceUpdate, identifiers=ids)
        funding = catalog.query(FundingRateUpdate, identifiers=ids)
        print(json.dumps({
            "precision": instrument.price_precision,
            "trades": [
                [str(t.price), str(t.size), t.aggressor_side.value, t.trade_id.value, t.ts_event] for t in trades
            ],
            "quotes": [
                [str(q.bid_price), str(q.ask_price), str(q.bid_size), str(q.ask_size), q.ts_event] for q in quotes
            ],
            "deltas": len(deltas),
            "bars": [[str(b.bar_type), str(b.open), str(b.close), b.ts_event] for b in bars],
            "marks": [[str(m.value), m.ts_event] for m in marks],
            "index": [[str(i.value), str(i.instrument_id), i.ts_event] for i in index],
            "funding": [[str(f.rate), f.next_funding_ns, f.ts_event] for f in funding],
            "ts_init_sorted": all(a.ts_init <= b.ts_init for a, b in zip(trades, trades[1:])),
        }))
        """,
    )
    places = got["precision"]
    trades = payloads(recording, "trades")
    counts: Counter[int] = Counter()
    expected_trades = []
    for t in trades:
        n = counts[t["t"]]
        counts[t["t"]] += 1
        aggressor = 1 if t["r"] == "t" else 2
        expected_trades.append(
            [rounded(Decimal(t["p"]), places), str(int(t["s"])), aggressor, f"{t['t']}-{n}", t["t"] * 1000]
        )
    assert got["trades"] == expected_trades and expected_trades
    quotes = payloads(recording, "ob_l1")
    assert got["quotes"] == [
        [
            rounded(Decimal(q["bp"]), places),
            rounded(Decimal(q["ap"]), places),
            str(int(q["bs"])),
            str(int(q["as"])),
            q["ts"] * 1000,
        ]
        for q in quotes
    ]
    marks = payloads(recording, "mark_price")
    assert got["marks"] == [[rounded(Decimal(m["p"]), places), m["ts"] * 1000] for m in marks] and marks
    index = [row for row in recording.frames if row["channel"] == "spot_price"]
    assert len(got["index"]) == len(index) > 0
    assert {i[1] for i in got["index"]} == {INSTRUMENT_ID}
    funding = payloads(recording, "funding_rate")
    assert got["funding"] == [[str(Decimal(f["fr"]) / 100), f["nfr"] * 1000, f["ts"] * 1000] for f in funding]
    assert got["deltas"] > 0 and got["ts_init_sorted"]
    assert got["bars"], "a one-minute bar closed during the recording"
    bar_type, _open, _close, ts_event = got["bars"][0]
    assert bar_type == f"{INSTRUMENT_ID}-1-MINUTE-LAST-EXTERNAL" and ts_event % MINUTE_NS == 0


def test_recorded_deltas_regroup_into_the_live_batches(recording: Recording) -> None:
    """`order_book_deltas(batched=True)` over the recording equals what the live adapter built from its frames."""
    got = read_catalog(
        recording.out,
        """
        instrument = catalog.instruments(instrument_ids=ids)[0]
        batches = catalog.order_book_deltas(instrument_ids=ids, batched=True)
        print(json.dumps({
            "precision": instrument.price_precision,
            "batches": [[delta_row(d) for d in batch.deltas] for batch in batches],
        }))
        """,
    )
    frames = [
        row["payload"] for row in recording.frames if row["channel"] == "ob_updates" and row["symbol"] == "BTCUSD"
    ]
    frame_decoder = _native.FrameDecoder("public")
    frame_decoder.set_instrument("BTCUSD", got["precision"], 0)
    tuples = [item for item in frame_decoder.decode(frames, 1) if item[0] == KIND_BOOK]
    live: list[Any] = []
    decoder = BatchDecoder(live.append)
    instrument_id = InstrumentId.from_str(INSTRUMENT_ID)
    decoder.add_instrument(Routed(instrument_id, got["precision"], 0))
    decoder.enable(KIND_BOOK, instrument_id)
    decoder.decode(tuples)
    expected = [
        [
            [d.action.value, d.order.side.value, d.order.price.raw, d.order.size.raw, d.flags, d.sequence, d.ts_event]
            for d in batch.deltas
        ]
        for batch in live
    ]
    assert len(expected) > 10
    assert got["batches"] == expected


def test_a_backtest_runs_over_the_recording(recording: Recording) -> None:
    """A `BacktestEngine` with the recorded instrument and data runs a strategy that sees every trade and quote."""
    got = read_catalog(
        recording.out,
        """
        from nautilus_trader.backtest.engine import BacktestEngine, BacktestEngineConfig
        from nautilus_trader.config import StrategyConfig
        from nautilus_trader.model.currencies import USD
        from nautilus_trader.model.enums import AccountType, OmsType
        from nautilus_trader.model.identifiers import Venue
        from nautilus_trader.model.objects import Money
        from nautilus_trader.trading.strategy import Strategy

        class Counter(Strategy):
            def __init__(self, instrument_id):
                super().__init__(StrategyConfig(strategy_id="COUNTER-001"))
                self.instrument_id = instrument_id
                self.trades = self.quotes = self.books = 0

            def on_start(self):
                self.subscribe_trade_ticks(self.instrument_id)
                self.subscribe_quote_ticks(self.instrument_id)
                self.subscribe_order_book_deltas(self.instrument_id)

            def on_trade_tick(self, tick):
                self.trades += 1

            def on_quote_tick(self, tick):
                self.quotes += 1

            def on_order_book_deltas(self, deltas):
                self.books += 1

        instrument = catalog.instruments(instrument_ids=ids)[0]
        engine = BacktestEngine(BacktestEngineConfig(logging=None))
        engine.add_venue(
            Venue("DELTA_EXCHANGE"), oms_type=OmsType.NETTING, account_type=AccountType.MARGIN,
            starting_balances=[Money(100_000, USD)], base_currency=USD,
        )
        engine.add_instrument(instrument)
        trades = catalog.trade_ticks(instrument_ids=ids)
        quotes = catalog.quote_ticks(instrument_ids=ids)
        deltas = catalog.order_book_deltas(instrument_ids=ids, batched=True)
        engine.add_data(trades)
        engine.add_data(quotes)
        engine.add_data(deltas)
        strategy = Counter(instrument.id)
        engine.add_strategy(strategy)
        engine.run()
        print(json.dumps({"seen": [strategy.trades, strategy.quotes, strategy.books],
                          "stored": [len(trades), len(quotes), len(deltas)]}))
        engine.dispose()
        """,
    )
    assert got["seen"] == got["stored"] and min(got["stored"]) > 0


def test_a_killed_recorder_leaves_only_readable_files(tmp_path: Path) -> None:
    """SIGKILL mid-run: every `*.parquet` reads in the catalog; unfinished files are `.parquet.tmp` only."""
    with DeltaSim(rate=400, symbols=["BTCUSD"]) as sim:
        recorder = Recorder(
            tmp_path,
            rest_url=sim.rest_url,
            ws_url=sim.public_ws_url,
            symbols=["BTCUSD"],
            channels=["ob_updates", "trades", "ob_l1", "mark_price"],
            extra_args=["--rotate-secs", "1", "--memory-mb", "1"],
        ).start()
        time.sleep(3.5)
        recorder.kill()
    assert list(tmp_path.rglob("*.parquet")), "files rotated before the kill"
    assert all(p.name.endswith((".parquet", ".parquet.tmp")) for p in tmp_path.rglob("*") if p.is_file())
    got = read_catalog(
        tmp_path,
        """
        print(json.dumps({"trades": len(catalog.trade_ticks()), "quotes": len(catalog.quote_ticks()),
                          "deltas": len(catalog.order_book_deltas()),
                          "marks": len(catalog.query(MarkPriceUpdate))}))
        """,
    )
    assert got["deltas"] > 0 and got["quotes"] > 0


def test_replaying_the_capture_reproduces_the_catalog(recording: Recording, tmp_path: Path) -> None:
    """`delta-sim --replay` plays the raw capture back; re-recording it gives the same catalog but for `ts_init`."""
    replayed = tmp_path / "replayed"
    with DeltaSim(extra_args=["--replay", str(recording.out), "--replay-speed", "0"]) as sim:
        recorder = Recorder(
            replayed, rest_url=sim.rest_url, ws_url=sim.public_ws_url, symbols=["BTCUSD"], channels=CHANNELS
        ).start()
        deadline = time.monotonic() + 120
        while not sim.stats()["replay_done"] and time.monotonic() < deadline:
            time.sleep(0.2)
        assert sim.stats()["replay_done"], "the replay finished"
        time.sleep(0.5)
        stop_stream(sim)
        summary = recorder.stop()
    assert summary.gaps == 0
    script = """
        def rows(path):
            catalog = ParquetDataCatalog(path)
            return {
                "trades": [[t.price.raw, t.size.raw, t.aggressor_side.value, t.trade_id.value, t.ts_event]
                           for t in catalog.trade_ticks(instrument_ids=ids)],
                "quotes": [[q.bid_price.raw, q.ask_price.raw, q.bid_size.raw, q.ask_size.raw, q.ts_event]
                           for q in catalog.quote_ticks(instrument_ids=ids)],
                "deltas": [delta_row(d) for d in catalog.order_book_deltas(instrument_ids=ids)],
                "bars": [[str(b), b.ts_event] for b in catalog.bars()],
                "marks": [[m.value.raw, m.ts_event] for m in catalog.query(MarkPriceUpdate, identifiers=ids)],
                "index": [[i.value.raw, i.ts_event] for i in catalog.query(IndexPriceUpdate, identifiers=ids)],
                "funding": [[str(f.rate), f.ts_event] for f in catalog.query(FundingRateUpdate, identifiers=ids)],
            }
        print(json.dumps({"original": rows(sys.argv[1]), "replayed": rows(sys.argv[2])}))
        """
    got = read_catalog(recording.out, script, args=[str(recording.out), str(replayed)])
    assert got["replayed"] == got["original"]
    assert all(got["original"][kind] for kind in ("trades", "quotes", "deltas", "marks", "funding"))
