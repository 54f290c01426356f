#!/usr/bin/env python3
"""
A live ``TradingNode`` with the Delta data client fed by delta-sim, against Nautilus's own engine ceiling.

Live runs: ``DeltaSim(rate=R)`` (release binary) at increasing rates; a strategy subscribed to BTCUSD book
deltas (``ob_updates``), quotes (``ob_l1``) and trades records, per callback, ``time.time_ns() - ts_event``. The
sim stamps ``ts`` when it builds the frame (book updates, ``ob_l1``); a trade's ``ts_event`` is its trade time
``t``, set by the generator just before the frame is built. Delivered msg/s and p50/p99 latency are taken over
the window after a warm-up.

Ceiling run: the same node and strategy, the sim idle, and prebuilt objects (1-level ``OrderBookDeltas`` and
trades in the live mix) pushed through the data client's ``_handle_data`` from the loop as fast as the engine
drains them. Delivered / ceiling is the share of Nautilus's own throughput the adapter keeps.

CPU: each run also takes the node process's own CPU time (user + system over all its threads, tokio's included;
``getrusage(RUSAGE_SELF)``) over the window, per delivered message, and the sim process's CPU (from
``/proc/<pid>/stat``). The CPU-normalised ceiling share = ceiling CPU ns per object / live CPU ns per message: the
fraction of Nautilus's own engine throughput the adapter leaves when the node's CPU is the limit, whatever rate
the sim can offer on the same cores.

Each run is a child process (one ``TradingNode`` per process). Ends with one ``RESULT`` line.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, ClassVar

from nautilus_trader.common.actor import Actor
from nautilus_trader.common.config import ActorConfig
from nautilus_trader.config import InstrumentProviderConfig, LiveExecEngineConfig, LoggingConfig, TradingNodeConfig
from nautilus_trader.live.node import TradingNode
from nautilus_trader.model.data import OrderBookDelta, OrderBookDeltas, QuoteTick, TradeTick
from nautilus_trader.model.enums import BookType
from nautilus_trader.model.identifiers import InstrumentId, TradeId

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import machine, result_line
from delta_exchange import DeltaExchangeDataClientConfig, DeltaExchangeLiveDataClientFactory
from delta_exchange.sim import DeltaSim

INSTRUMENT_ID = InstrumentId.from_str("BTCUSD.DELTA_EXCHANGE")
CLIENT = "DELTA_EXCHANGE"
RELEASE_SIM = Path(__file__).resolve().parents[1] / "target" / "release" / "delta-sim"
# DeltaSim takes the newest of the debug and release builds; a debug sim would be the bottleneck here.
if RELEASE_SIM.is_file():
    os.environ.setdefault("DELTA_SIM_BIN", str(RELEASE_SIM))


class LatencyStrategyConfig(ActorConfig, frozen=True):
    """Configuration of :class:`LatencyRecorder`."""

    instrument_id: InstrumentId


class LatencyRecorder(Actor):
    """Subscribes to deltas, quotes and trades; records callback time minus ``ts_event`` (ns) for each."""

    def __init__(self, config: LatencyStrategyConfig) -> None:
        super().__init__(config)
        self.instrument_id = config.instrument_id
        self.recording = False
        self.latencies: list[int] = []
        self.count = 0

    def on_start(self) -> None:
        """Subscribe to the three streams."""
        self.subscribe_order_book_deltas(self.instrument_id, BookType.L2_MBP)
        self.subscribe_quote_ticks(self.instrument_id)
        self.subscribe_trade_ticks(self.instrument_id)

    def _record(self, ts_event: int) -> None:
        self.count += 1
        if self.recording:
            self.latencies.append(time.time_ns() - ts_event)

    def on_order_book_deltas(self, deltas: OrderBookDeltas) -> None:
        """Record a book message."""
        self._record(deltas.ts_event)

    def on_quote_tick(self, tick: QuoteTick) -> None:
        """Record a quote."""
        self._record(tick.ts_event)

    def on_trade_tick(self, tick: TradeTick) -> None:
        """Record a trade."""
        self._record(tick.ts_event)


class RecordingFactory(DeltaExchangeLiveDataClientFactory):
    """The adapter's data client factory, keeping the clients it made (the ceiling run feeds one)."""

    created: ClassVar[list[Any]] = []

    @staticmethod
    def create(*args: Any, **kwargs: Any) -> Any:  # type: ignore[override]
        """Create the client and remember it."""
        client = DeltaExchangeLiveDataClientFactory.create(*args, **kwargs)
        RecordingFactory.created.append(client)
        return client


def build_node(sim: DeltaSim) -> tuple[TradingNode, LatencyRecorder]:
    """A node with the Delta data client on ``sim`` and a :class:`LatencyRecorder`."""
    data_config = DeltaExchangeDataClientConfig(
        environment="local",
        base_url_http=sim.rest_url,
        base_url_ws_public=sim.public_ws_url,
        base_url_ws_private=sim.ws_url,
        instrument_provider=InstrumentProviderConfig(load_ids=frozenset([INSTRUMENT_ID])),
        update_instruments_interval_mins=None,
    )
    node = TradingNode(
        config=TradingNodeConfig(
            trader_id="DELTA-BENCH-001",
            logging=LoggingConfig(log_level="ERROR", log_colors=False),
            data_clients={CLIENT: data_config},
            exec_engine=LiveExecEngineConfig(reconciliation=False),
            timeout_connection=20.0,
            timeout_disconnection=10.0,
            timeout_post_stop=1.0,
        ),
    )
    recorder = LatencyRecorder(LatencyStrategyConfig(instrument_id=INSTRUMENT_ID))
    node.trader.add_actor(recorder)
    node.add_data_client_factory(CLIENT, RecordingFactory)
    node.build()
    return node, recorder


def cpu_seconds() -> float:
    """User + system CPU seconds of this process so far (all threads)."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def process_cpu_seconds(pid: int | None) -> float:
    """User + system CPU seconds of process ``pid`` (all threads) from ``/proc``; NaN when unreadable."""
    if pid is None:
        return float("nan")
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return float("nan")
    # After the command name: state is field 3, utime and stime are fields 14 and 15 (proc(5)).
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def percentile(values: list[int], share: float) -> float:
    """The ``share`` quantile (nearest rank) of ``values``; NaN when empty."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    return float(ordered[min(len(ordered) - 1, int(share * len(ordered)))])


def live_run(rate: int, warmup: float, window: float) -> dict[str, Any]:
    """One live run at sim ``rate``: delivered msg/s and latency percentiles over the window."""
    with DeltaSim(rate=rate, symbols=["BTCUSD"]) as sim:
        node, recorder = build_node(sim)
        loop = node.get_event_loop()
        assert loop is not None
        marks: dict[str, Any] = {}
        pid = sim.pid

        def ws_counts() -> tuple[int, int]:
            ws = getattr(RecordingFactory.created[-1], "_ws", None)
            stats = ws.stats() if ws is not None else {}
            return stats.get("batches", 0), stats.get("events_delivered", 0)

        def start_window() -> None:
            recorder.recording = True
            marks["sent0"] = _total(sim.stats().get("sent", 0))
            marks["batches0"], marks["events0"] = ws_counts()
            marks["count"], marks["t0"], marks["cpu0"], marks["sim_cpu0"] = (
                recorder.count,
                time.monotonic(),
                cpu_seconds(),
                process_cpu_seconds(pid),
            )

        def end_window() -> None:
            recorder.recording = False
            marks["delivered"] = recorder.count - marks["count"]
            marks["elapsed"] = time.monotonic() - marks["t0"]
            marks["cpu"] = cpu_seconds() - marks["cpu0"]
            marks["sim_cpu"] = process_cpu_seconds(pid) - marks["sim_cpu0"]
            marks["sent"] = _total(sim.stats().get("sent", 0)) - marks["sent0"]
            batches, events = ws_counts()
            marks["batches"], marks["events"] = batches - marks["batches0"], events - marks["events0"]
            node.stop()

        loop.call_later(warmup, start_window)
        loop.call_later(warmup + window, end_window)
        try:
            node.run()
        finally:
            node.dispose()
        lat = recorder.latencies
    elapsed = marks.get("elapsed") or window
    delivered = marks.get("delivered", 0)
    cpu = marks.get("cpu", float("nan"))
    return {
        "rate": rate,
        "delivered_per_s": delivered / elapsed,
        "cpu_ns_per_msg": cpu * 1e9 / delivered if delivered else float("nan"),
        "node_cores": cpu / elapsed,
        "sim_cores": marks.get("sim_cpu", float("nan")) / elapsed,
        "events_per_batch": marks.get("events", 0) / marks["batches"] if marks.get("batches") else float("nan"),
        "sim_sent_per_s": marks.get("sent", 0) / elapsed,
        "p50_us": percentile(lat, 0.50) / 1000,
        "p99_us": percentile(lat, 0.99) / 1000,
        "max_us": (max(lat) / 1000) if lat else float("nan"),
        "samples": len(lat),
    }


def _total(sent: Any) -> int:
    """The sim's ``sent`` counter as one number (it may be a per-channel dict)."""
    if isinstance(sent, dict):
        return sum(_total(value) for value in sent.values())
    return int(sent)


def prebuilt(count: int) -> list[Any]:
    """``count`` objects in the live mix: nine 1-level book updates per trade."""
    now = time.time_ns()
    delta = OrderBookDelta.from_raw(INSTRUMENT_ID, 2, 1, 684_500 * 10**15, 1, 100 * 10**16, 0, 0, 128, 1, now, now)
    book = OrderBookDeltas(INSTRUMENT_ID, [delta])
    trade = TradeTick.from_raw(INSTRUMENT_ID, 684_500 * 10**15, 1, 10 * 10**16, 0, 1, TradeId("1-0"), now, now)
    return [trade if i % 10 == 9 else book for i in range(count)]


def ceiling_run(count: int) -> dict[str, Any]:
    """Prebuilt objects through ``_handle_data`` as fast as the engine drains them: msg/s at the strategy."""
    with DeltaSim(rate=0, symbols=["BTCUSD"]) as sim:
        node, recorder = build_node(sim)
        loop = node.get_event_loop()
        assert loop is not None
        objects = prebuilt(count)
        result: dict[str, Any] = {}

        async def feed() -> None:
            client = RecordingFactory.created[-1]
            while not client.is_connected or not recorder.is_running:
                await asyncio.sleep(0.05)
            await asyncio.sleep(1.0)
            handle = client._handle_data
            start_count = recorder.count
            start, cpu_start = time.perf_counter(), cpu_seconds()
            for offset in range(0, count, 256):
                for obj in objects[offset : offset + 256]:
                    handle(obj)
                await asyncio.sleep(0)
            while recorder.count - start_count < count and time.perf_counter() - start < 60:
                await asyncio.sleep(0)
            result["delivered"] = recorder.count - start_count
            result["elapsed"] = time.perf_counter() - start
            result["cpu"] = cpu_seconds() - cpu_start
            node.stop()

        loop.create_task(feed())
        try:
            node.run()
        finally:
            node.dispose()
    delivered = result.get("delivered", 0)
    cpu_ns = result.get("cpu", float("nan")) * 1e9 / delivered if delivered else float("nan")
    return {"ceiling_per_s": delivered / (result.get("elapsed") or 1), "ceiling_cpu_ns": cpu_ns, **result}


def child(args: list[str]) -> dict[str, Any]:
    """Run this script in a child process for one run and read its JSON line."""
    done = subprocess.run([sys.executable, __file__, *args], capture_output=True, text=True, timeout=180, check=False)
    for line in reversed(done.stdout.splitlines()):
        if line.startswith("{"):
            return json.loads(line)
    raise SystemExit(f"child {args} failed ({done.returncode}): {done.stderr[-2000:]}")


def main(argv: list[str] | None = None) -> int:
    """Run the ceiling and each rate in its own process; print the table and the RESULT line."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--rates", default="1000,5000,10000,20000,50000,100000,200000", help="sim --rate values (comma-separated)"
    )
    parser.add_argument("--warmup", type=float, default=2.0, help="seconds before the window (default 2)")
    parser.add_argument("--window", type=float, default=6.0, help="measured seconds per rate (default 6)")
    parser.add_argument("--ceiling-objects", type=int, default=200_000, help="objects in the ceiling run")
    parser.add_argument("--one-rate", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--ceiling", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.one_rate is not None:
        print(json.dumps(live_run(args.one_rate, args.warmup, args.window)))
        return 0
    if args.ceiling:
        print(json.dumps(ceiling_run(args.ceiling_objects)))
        return 0

    print(f"bench_node: {machine()}; warm-up {args.warmup:g} s, window {args.window:g} s per rate")
    ceiling_run_figures = child(["--ceiling", "--ceiling-objects", str(args.ceiling_objects)])
    ceiling, ceiling_cpu = ceiling_run_figures["ceiling_per_s"], ceiling_run_figures["ceiling_cpu_ns"]
    print(
        f"engine ceiling (prebuilt objects via _handle_data -> strategy): {ceiling:,.0f} msg/s, "
        f"{ceiling_cpu:,.0f} CPU ns per object"
    )
    print(
        f"{'sim rate':>9}{'sim sent/s':>12}{'delivered/s':>13}{'% ceiling':>11}{'p50 us':>9}{'p99 us':>9}"
        f"{'max us':>9}{'CPU ns/msg':>12}{'CPU share':>11}{'node cores':>12}{'sim cores':>11}{'ev/batch':>10}"
    )
    figures: dict[str, float | int | str] = {"ceiling_msg_s": ceiling, "ceiling_cpu_ns": ceiling_cpu}
    best, best_cpu_share = 0.0, 0.0
    for rate in (int(r) for r in args.rates.split(",")):
        run = child(["--one-rate", str(rate), "--warmup", str(args.warmup), "--window", str(args.window)])
        share = 100 * run["delivered_per_s"] / ceiling
        cpu_share = 100 * ceiling_cpu / run["cpu_ns_per_msg"]
        best = max(best, run["delivered_per_s"])
        best_cpu_share = max(best_cpu_share, cpu_share)
        print(
            f"{rate:>9}{run['sim_sent_per_s']:>12,.0f}{run['delivered_per_s']:>13,.0f}{share:>10.1f}%"
            f"{run['p50_us']:>9.0f}{run['p99_us']:>9.0f}{run['max_us']:>9.0f}"
            f"{run['cpu_ns_per_msg']:>12,.0f}{cpu_share:>10.1f}%{run['node_cores']:>12.2f}{run['sim_cores']:>11.2f}"
            f"{run['events_per_batch']:>10.1f}"
        )
        figures[f"r{rate}_msg_s"] = run["delivered_per_s"]
        figures[f"r{rate}_p50_us"] = run["p50_us"]
        figures[f"r{rate}_p99_us"] = run["p99_us"]
        figures[f"r{rate}_cpu_ns"] = run["cpu_ns_per_msg"]
        figures[f"r{rate}_cpu_share_pct"] = cpu_share
        figures[f"r{rate}_node_cores"] = run["node_cores"]
        figures[f"r{rate}_sim_cores"] = run["sim_cores"]
        figures[f"r{rate}_events_per_batch"] = run["events_per_batch"]
    figures["max_delivered_msg_s"] = best
    figures["max_pct_ceiling"] = 100 * best / ceiling
    figures["max_cpu_share_pct"] = best_cpu_share
    print(
        "targets: delivered >= 85% of the ceiling (CPU share: ceiling CPU ns/object / live CPU ns/msg); "
        "p99 <= 500 us at 10,000 msg/s"
    )
    print(result_line(figures))
    return 0


if __name__ == "__main__":
    sys.exit(main())
