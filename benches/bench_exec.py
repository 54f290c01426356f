#!/usr/bin/env python3
"""
Order round trips through a live ``TradingNode`` against delta-sim: submit -> ``OrderAccepted`` and
cancel -> ``OrderCanceled``, as the strategy sees them.

A strategy submits one post-only limit buy far below the market, waits for its ``on_order_accepted``, cancels
it, waits for ``on_order_canceled``, and repeats ``--rounds`` times, one order at a time. Each latency is
``perf_counter_ns`` at the strategy callback minus ``perf_counter_ns`` just before ``submit_order`` /
``cancel_order`` (the same process and clock): it covers Nautilus's risk and execution engines, the adapter's
pre-trade risk check and request building, the signed REST call over loopback, the sim, and the event back
to the strategy. The sim's market is paused so nothing else competes. Run it with the release sim::

    .venv/bin/python benches/bench_exec.py --rounds 300

Ends with one ``RESULT`` line.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from decimal import Decimal
from pathlib import Path

from nautilus_trader.config import (
    InstrumentProviderConfig,
    LiveExecEngineConfig,
    LiveRiskEngineConfig,
    LoggingConfig,
    StrategyConfig,
    TradingNodeConfig,
)
from nautilus_trader.live.node import TradingNode
from nautilus_trader.model.enums import OrderSide, TimeInForce
from nautilus_trader.model.events import OrderAccepted, OrderCanceled, OrderDenied, OrderRejected
from nautilus_trader.model.identifiers import InstrumentId
from nautilus_trader.model.objects import Price
from nautilus_trader.trading.strategy import Strategy

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import INSTRUMENT_ID, machine, result_line
from delta_exchange import DeltaExchangeExecClientConfig, DeltaExchangeLiveExecClientFactory
from delta_exchange.sim import DeltaSim


class RoundTripConfig(StrategyConfig, frozen=True):
    """Configuration of :class:`RoundTrips`: the instrument, how many rounds and the resting price."""

    instrument_id: InstrumentId
    rounds: int
    price: Decimal


class RoundTrips(Strategy):
    """Submit, await accepted, cancel, await canceled; ``rounds`` times; then stop the node."""

    def __init__(self, config: RoundTripConfig) -> None:
        super().__init__(config)
        self.submit_ns: list[int] = []
        self.cancel_ns: list[int] = []
        self.rejected: list[str] = []
        self._sent_at = 0
        self._rounds = config.rounds
        self._price = config.price

    def on_start(self) -> None:
        """Start the first round."""
        self._submit()

    def _submit(self) -> None:
        instrument = self.cache.instrument(self.config.instrument_id)
        order = self.order_factory.limit(
            instrument_id=self.config.instrument_id,
            order_side=OrderSide.BUY,
            quantity=instrument.make_qty(1),
            price=Price(self._price, instrument.price_precision),
            time_in_force=TimeInForce.GTC,
            post_only=True,
        )
        self._sent_at = time.perf_counter_ns()
        self.submit_order(order)

    def on_order_accepted(self, event: OrderAccepted) -> None:
        """Record the submit latency and cancel."""
        self.submit_ns.append(time.perf_counter_ns() - self._sent_at)
        order = self.cache.order(event.client_order_id)
        self._sent_at = time.perf_counter_ns()
        self.cancel_order(order)

    def on_order_canceled(self, event: OrderCanceled) -> None:
        """Record the cancel latency; next round or stop."""
        self.cancel_ns.append(time.perf_counter_ns() - self._sent_at)
        if len(self.cancel_ns) < self._rounds:
            self._submit()
        else:
            self.stop()

    def on_order_rejected(self, event: OrderRejected) -> None:
        """A rejection ends the benchmark."""
        self.rejected.append(str(event.reason))
        self.stop()

    def on_order_denied(self, event: OrderDenied) -> None:
        """A local denial ends the benchmark."""
        self.rejected.append(str(event.reason))
        self.stop()


def percentile(values: list[int], share: float) -> float:
    """The ``share`` quantile of ``values`` (nearest rank)."""
    ordered = sorted(values)
    return float(ordered[min(len(ordered) - 1, int(share * len(ordered)))])


def run(rounds: int, warmup: int) -> tuple[list[int], list[int]]:
    """Run ``warmup + rounds`` round trips on a fresh sim; return the measured submit and cancel latencies (ns)."""
    with DeltaSim(rate=0) as sim:
        config = DeltaExchangeExecClientConfig(
            environment="local",
            base_url_http=sim.rest_url,
            base_url_ws_public=sim.public_ws_url,
            base_url_ws_private=sim.ws_url,
            api_key=sim.api_key,
            api_secret=sim.api_secret,
            instrument_provider=InstrumentProviderConfig(load_ids=frozenset([INSTRUMENT_ID])),
        )
        node = TradingNode(
            config=TradingNodeConfig(
                trader_id="DELTA-BENCH-001",
                logging=LoggingConfig(log_level="WARNING", log_colors=False),
                exec_clients={"DELTA_EXCHANGE": config},
                exec_engine=LiveExecEngineConfig(reconciliation=False),
                # Nautilus throttles submits to 100/s by default; one order at a time goes faster than that.
                risk_engine=LiveRiskEngineConfig(max_order_submit_rate="10000/00:00:01"),
                timeout_connection=20.0,
                timeout_disconnection=5.0,
                timeout_post_stop=0.5,
            ),
        )
        book = sim.book("BTCUSD")
        far_below = Decimal(book["b"][0][0]) * Decimal("0.97")
        strategy = RoundTrips(
            RoundTripConfig(instrument_id=INSTRUMENT_ID, rounds=warmup + rounds, price=far_below.quantize(Decimal(1))),
        )
        node.trader.add_strategy(strategy)
        node.add_exec_client_factory("DELTA_EXCHANGE", DeltaExchangeLiveExecClientFactory)
        node.build()
        loop = node.get_event_loop()
        assert loop is not None
        deadline = loop.call_later(60 + rounds * 0.5, node.stop)

        def stop_when_done() -> None:
            if strategy.is_stopped:
                deadline.cancel()
                node.stop()
            else:
                loop.call_later(0.1, stop_when_done)

        loop.call_later(0.5, stop_when_done)
        try:
            node.run()
        finally:
            node.dispose()
        if strategy.rejected:
            raise SystemExit(f"bench_exec: order rejected: {strategy.rejected[0]}")
        if len(strategy.cancel_ns) < warmup + rounds:
            raise SystemExit(f"bench_exec: only {len(strategy.cancel_ns)} of {warmup + rounds} rounds completed")
        return strategy.submit_ns[warmup:], strategy.cancel_ns[warmup:]


def main(argv: list[str] | None = None) -> int:
    """Run the round trips, print the table and the RESULT line."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=300, help="measured round trips (default 300)")
    parser.add_argument("--warmup", type=int, default=20, help="round trips run first and not measured")
    args = parser.parse_args(argv)
    submit, cancel = run(args.rounds, args.warmup)
    print(f"machine: {machine()}")
    print(f"rounds: {len(submit)} (after {args.warmup} warm-up)")
    print("| path | p50 µs | p99 µs | mean µs |")
    print("|---|---|---|---|")
    figures: dict[str, float | int | str] = {"rounds": len(submit)}
    for name, values in (("submit_to_accepted", submit), ("cancel_to_canceled", cancel)):
        p50 = percentile(values, 0.50) / 1000
        p99 = percentile(values, 0.99) / 1000
        mean = statistics.fmean(values) / 1000
        print(f"| {name} | {p50:.0f} | {p99:.0f} | {mean:.0f} |")
        figures[f"{name}_p50_us"] = p50
        figures[f"{name}_p99_us"] = p99
    print(result_line(figures))
    return 0


if __name__ == "__main__":
    sys.exit(main())
