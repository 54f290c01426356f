#!/usr/bin/env python3
"""
Run a Nautilus ``TradingNode`` streaming Delta Exchange market data from a local delta-sim.

The script starts ``delta-sim`` on a free loopback port, builds a node whose data client talks to it
(environment ``"local"``), and runs a small actor that subscribes to BTCUSD book deltas, quotes, trades,
one-minute bars, mark prices, index prices and funding rates, logging what arrives. After ``--seconds`` (or on
Ctrl-C) the node stops and the script prints one count per data type::

    .venv/bin/python examples/node_sim.py --seconds 20

One-minute bars are closed bars: the first live bar arrives only when the minute that was forming at
subscription ends, which a 20-second run sees about one time in three. The actor therefore also requests the
last 30 minutes of one-minute bars from REST history, and the ``bars`` count is history plus live bars
(``bars_live`` shows the live ones alone).

For real Delta, build the data config with ``environment="india"`` (or ``"global"``, or a testnet) and no
``base_url_*`` overrides, and drop the simulator: public market data needs no API key
(``examples/environments.py`` shows every environment's configuration).

Exit status: 0 when the node ran and stopped cleanly, 1 when it could not start.
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from datetime import timedelta

from nautilus_trader.common.actor import Actor
from nautilus_trader.common.config import ActorConfig
from nautilus_trader.config import InstrumentProviderConfig, LiveExecEngineConfig, LoggingConfig, TradingNodeConfig
from nautilus_trader.live.node import TradingNode
from nautilus_trader.model.data import (
    Bar,
    BarType,
    FundingRateUpdate,
    IndexPriceUpdate,
    MarkPriceUpdate,
    OrderBookDeltas,
    QuoteTick,
    TradeTick,
)
from nautilus_trader.model.enums import BookType
from nautilus_trader.model.identifiers import InstrumentId

from delta_exchange import DeltaExchangeDataClientConfig, DeltaExchangeLiveDataClientFactory
from delta_exchange.sim import DeltaSim

COUNTED = ("book_deltas", "quotes", "trades", "bars", "mark_prices", "index_prices", "funding_rates")


class StreamLoggerConfig(ActorConfig, frozen=True):
    """
    Configuration of :class:`StreamLogger`.

    Parameters
    ----------
    instrument_id : InstrumentId
        The instrument to stream.
    bar_type : BarType
        The bars to subscribe to and request history of.
    history_minutes : int
        How much bar history to request on start.
    log_every : int
        Log one in every ``log_every`` book deltas, quotes and trades (the rest are only counted).

    """

    instrument_id: InstrumentId
    bar_type: BarType
    history_minutes: int = 30
    log_every: int = 50


class StreamLogger(Actor):
    """Subscribe to every market data stream of one instrument, log samples and count what arrives."""

    def __init__(self, config: StreamLoggerConfig) -> None:
        super().__init__(config)
        self.counts: Counter[str] = Counter()
        self._config = config

    def on_start(self) -> None:
        """Subscribe to the streams and request bar history."""
        iid = self._config.instrument_id
        self.subscribe_order_book_deltas(iid, BookType.L2_MBP)
        self.subscribe_quote_ticks(iid)
        self.subscribe_trade_ticks(iid)
        self.subscribe_bars(self._config.bar_type)
        self.subscribe_mark_prices(iid)
        self.subscribe_index_prices(iid)
        self.subscribe_funding_rates(iid)
        start = self.clock.utc_now() - timedelta(minutes=self._config.history_minutes)
        self.request_bars(self._config.bar_type, start=start)

    def on_stop(self) -> None:
        """Leave every stream."""
        iid = self._config.instrument_id
        self.unsubscribe_order_book_deltas(iid)
        self.unsubscribe_quote_ticks(iid)
        self.unsubscribe_trade_ticks(iid)
        self.unsubscribe_bars(self._config.bar_type)
        self.unsubscribe_mark_prices(iid)
        self.unsubscribe_index_prices(iid)
        self.unsubscribe_funding_rates(iid)

    def _sample(self, key: str, item: object) -> None:
        self.counts[key] += 1
        if self.counts[key] % self._config.log_every == 1:
            self.log.info(f"{key} #{self.counts[key]}: {item!r}")

    def on_order_book_deltas(self, deltas: OrderBookDeltas) -> None:
        """Count and sample book deltas."""
        self._sample("book_deltas", deltas)

    def on_quote_tick(self, tick: QuoteTick) -> None:
        """Count and sample quotes."""
        self._sample("quotes", tick)

    def on_trade_tick(self, tick: TradeTick) -> None:
        """Count and sample trades."""
        self._sample("trades", tick)

    def on_bar(self, bar: Bar) -> None:
        """Count and log live bars."""
        self.counts["bars_live"] += 1
        self.counts["bars"] += 1
        self.log.info(f"bar: {bar!r}")

    def on_historical_data(self, data: object) -> None:
        """Count bars from the history request."""
        if isinstance(data, Bar):
            self.counts["bars_history"] += 1
            self.counts["bars"] += 1

    def on_mark_price(self, update: MarkPriceUpdate) -> None:
        """Count and log mark prices."""
        self.counts["mark_prices"] += 1
        self.log.info(f"mark price: {update!r}")

    def on_index_price(self, update: IndexPriceUpdate) -> None:
        """Count and log index prices."""
        self.counts["index_prices"] += 1
        self.log.info(f"index price: {update!r}")

    def on_funding_rate(self, update: FundingRateUpdate) -> None:
        """Count and log funding rates."""
        self.counts["funding_rates"] += 1
        self.log.info(f"funding rate: {update!r}")


def build_node(
    sim: DeltaSim,
    symbol: str = "BTCUSD",
    log_level: str = "INFO",
) -> tuple[TradingNode, StreamLogger]:
    """
    Build a trading node with the Delta data client pointed at ``sim`` and a :class:`StreamLogger`.

    Parameters
    ----------
    sim : DeltaSim
        A running simulator.
    symbol : str, default "BTCUSD"
        The product to stream.
    log_level : str, default "INFO"
        Nautilus's stdout log level.

    Returns
    -------
    tuple[TradingNode, StreamLogger]

    """
    instrument_id = InstrumentId.from_str(f"{symbol}.DELTA_EXCHANGE")
    data_config = DeltaExchangeDataClientConfig(
        environment="local",
        base_url_http=sim.rest_url,
        base_url_ws_public=sim.public_ws_url,
        base_url_ws_private=sim.ws_url,
        instrument_provider=InstrumentProviderConfig(load_ids=frozenset([instrument_id])),
        update_instruments_interval_mins=None,
    )
    logging = LoggingConfig(log_level=log_level, log_colors=False)
    node_config = TradingNodeConfig(
        trader_id="DELTA-DEMO-001",
        logging=logging,
        data_clients={"DELTA_EXCHANGE": data_config},
        exec_engine=LiveExecEngineConfig(reconciliation=False),
        timeout_connection=20.0,
        timeout_disconnection=10.0,
        timeout_post_stop=1.0,
    )
    node = TradingNode(config=node_config)
    actor = StreamLogger(
        StreamLoggerConfig(
            instrument_id=instrument_id, bar_type=BarType.from_str(f"{instrument_id}-1-MINUTE-LAST-EXTERNAL")
        ),
    )
    node.trader.add_actor(actor)
    node.add_data_client_factory("DELTA_EXCHANGE", DeltaExchangeLiveDataClientFactory)
    node.build()
    return node, actor


def run(seconds: float, rate: int, log_level: str) -> Counter[str]:
    """
    Start a simulator and a node, stream for ``seconds`` (or until SIGINT), stop both and return the counts.

    Parameters
    ----------
    seconds : float
        How long to stream.
    rate : int
        The simulator's market messages per second.
    log_level : str
        Nautilus's stdout log level.

    Returns
    -------
    Counter[str]

    """
    with DeltaSim(rate=rate) as sim:
        node, actor = build_node(sim, log_level=log_level)
        loop = node.get_event_loop()
        assert loop is not None
        loop.call_later(seconds, node.stop)
        try:
            node.run()
        finally:
            node.dispose()
        return actor.counts


def main(argv: list[str] | None = None) -> int:
    """Parse the command line, run the demo and print the counts."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=20.0, help="how long to stream (default 20)")
    parser.add_argument("--rate", type=int, default=100, help="sim market messages per second (default 100)")
    parser.add_argument("--log-level", default="INFO", help="Nautilus log level on stdout (default INFO)")
    args = parser.parse_args(argv)

    counts = run(args.seconds, args.rate, args.log_level)
    print("counts:", " ".join(f"{key}={counts[key]}" for key in COUNTED))
    print(f"bars: history={counts['bars_history']} live={counts['bars_live']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
