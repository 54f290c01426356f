#!/usr/bin/env python3
"""
Run a small market maker on the Delta Exchange BTCUSD perpetual against a local delta-sim.

The script starts ``delta-sim`` on a free loopback port and builds a Nautilus ``TradingNode`` with the Delta data
and execution clients (environment ``"local"``) and pre-trade risk limits. The strategy quotes one post-only bid
and one post-only ask inside the spread, re-prices them when the market moves away (an edit while the new price
still rests, a cancel otherwise), stops quoting a side once the position reaches its limit, and lets the sim's
synthetic market trade against its quotes. After ``--seconds`` it cancels its quotes, waits for the last events,
and the script prints each client's health line (``stats()``), then the orders, fills, position and PnL the node
saw, next to what the simulated exchange says (position and wallet balance read over REST)::

    .venv/bin/python examples/node_trade_sim.py --seconds 30

For real Delta, build both configs with ``environment="india-testnet"`` (then ``"india"`` or ``"global"``), no
``base_url_*`` overrides and no ``api_key``/``api_secret``: the execution client reads ``DELTA_TESTNET_API_KEY`` /
``DELTA_TESTNET_API_SECRET`` (``DELTA_API_KEY`` / ``DELTA_API_SECRET`` in production; see
``examples/environments.py``). Size the risk limits for your account, and replace :func:`read_exchange`'s
simulator credentials with the same ones.

Exit status: 0 when the node ran, stopped cleanly and agrees with the exchange; 1 otherwise.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal

from nautilus_trader.config import (
    InstrumentProviderConfig,
    LiveExecEngineConfig,
    LoggingConfig,
    StrategyConfig,
    TradingNodeConfig,
)
from nautilus_trader.live.node import TradingNode
from nautilus_trader.model.currencies import USD
from nautilus_trader.model.data import QuoteTick
from nautilus_trader.model.enums import OrderSide, TimeInForce
from nautilus_trader.model.events import OrderEvent, OrderFilled
from nautilus_trader.model.identifiers import InstrumentId
from nautilus_trader.model.instruments import Instrument
from nautilus_trader.model.objects import Price
from nautilus_trader.model.orders import LimitOrder
from nautilus_trader.trading.strategy import Strategy

from delta_exchange import (
    DELTA_EXCHANGE_VENUE,
    DeltaExchangeDataClientConfig,
    DeltaExchangeExecClientConfig,
    DeltaExchangeLiveDataClientFactory,
    DeltaExchangeLiveExecClientFactory,
    delta_clients,
)
from delta_exchange._native import HttpClient
from delta_exchange.health import summary_line
from delta_exchange.sim import DeltaSim


class QuoterConfig(StrategyConfig, frozen=True):
    """
    Configuration of :class:`Quoter`.

    Parameters
    ----------
    instrument_id : InstrumentId
        The instrument to quote.
    quote_size : int
        Contracts per quote.
    max_position : int
        Stop quoting the side that would grow the absolute position beyond this many contracts.
    quote_seconds : float
        How long to quote before cancelling everything.

    """

    instrument_id: InstrumentId
    quote_size: int = 2
    max_position: int = 20
    quote_seconds: float = 27.0


@dataclass
class Tally:
    """What the strategy saw: order events by type, fills and the filled volume by side."""

    events: Counter[str] = field(default_factory=Counter)
    fills: int = 0
    bought: int = 0
    sold: int = 0
    rejections: list[str] = field(default_factory=list)


class Quoter(Strategy):
    """Quote one post-only bid and ask inside the spread; re-price when the market moves; stop after a while."""

    def __init__(self, config: QuoterConfig) -> None:
        super().__init__(config)
        self._instrument_id = config.instrument_id
        self._size = config.quote_size
        self._max_position = config.max_position
        self._quote_seconds = config.quote_seconds
        self._instrument: Instrument | None = None
        self._quoting = False
        self.tally = Tally()

    def on_start(self) -> None:
        """Subscribe to quotes and schedule the end of quoting."""
        self._instrument = self.cache.instrument(self._instrument_id)
        if self._instrument is None:
            self.log.error(f"instrument {self._instrument_id} not loaded")
            return
        self._quoting = True
        self.subscribe_quote_ticks(self._instrument_id)
        self.clock.set_time_alert_ns(
            "stop-quoting",
            self.clock.timestamp_ns() + int(self._quote_seconds * 1e9),
            self._stop_quoting,
        )

    def _stop_quoting(self, _event: object) -> None:
        self._quoting = False
        self.cancel_all_orders(self._instrument_id)
        self.log.info("quoting stopped: open quotes cancelled")

    def on_quote_tick(self, tick: QuoteTick) -> None:
        """Keep one quote per side inside the spread."""
        if not self._quoting or self._instrument is None:
            return
        tick_size = self._instrument.price_increment
        spread_ticks = int((tick.ask_price - tick.bid_price) / tick_size)
        inside = 1 if spread_ticks > 2 else 0
        bid = Price(tick.bid_price + tick_size * inside, self._instrument.price_precision)
        ask = Price(tick.ask_price - tick_size * inside, self._instrument.price_precision)
        position = self._net_position()
        self._maintain(OrderSide.BUY, bid, wanted=position + self._size <= self._max_position)
        self._maintain(OrderSide.SELL, ask, wanted=position - self._size >= -self._max_position)

    def _net_position(self) -> int:
        return int(self.portfolio.net_position(self._instrument_id))

    def _maintain(self, side: OrderSide, price: Price, wanted: bool) -> None:
        working = [
            order
            for order in self.cache.orders_open(instrument_id=self._instrument_id, strategy_id=self.id)
            if order.side == side
        ]
        inflight = [
            order
            for order in self.cache.orders_inflight(instrument_id=self._instrument_id, strategy_id=self.id)
            if order.side == side
        ]
        if inflight:
            return
        if not wanted:
            for order in working:
                self.cancel_order(order)
            return
        if not working:
            self._submit(side, price)
            return
        order = working[0]
        if isinstance(order, LimitOrder) and order.price != price:
            self.modify_order(order, price=price)

    def _submit(self, side: OrderSide, price: Price) -> None:
        assert self._instrument is not None
        order = self.order_factory.limit(
            instrument_id=self._instrument_id,
            order_side=side,
            quantity=self._instrument.make_qty(self._size),
            price=price,
            time_in_force=TimeInForce.GTC,
            post_only=True,
        )
        self.submit_order(order)

    def on_order_event(self, event: OrderEvent) -> None:
        """Count every order event; tally fills."""
        self.tally.events[type(event).__name__] += 1
        if isinstance(event, OrderFilled):
            self.tally.fills += 1
            if event.order_side == OrderSide.BUY:
                self.tally.bought += int(event.last_qty)
            else:
                self.tally.sold += int(event.last_qty)
        reason = getattr(event, "reason", None)
        if type(event).__name__.endswith("Rejected") and reason:
            self.tally.rejections.append(str(reason))

    def on_stop(self) -> None:
        """Cancel whatever still rests."""
        self.cancel_all_orders(self._instrument_id)


def build_node(sim: DeltaSim, seconds: float, log_level: str) -> tuple[TradingNode, Quoter]:
    """
    Build a node with the Delta data and execution clients pointed at ``sim`` and a :class:`Quoter`.

    Parameters
    ----------
    sim : DeltaSim
        A running simulator.
    seconds : float
        How long the whole run lasts; quoting stops three seconds before.
    log_level : str
        Nautilus's stdout log level.

    Returns
    -------
    tuple[TradingNode, Quoter]

    """
    instrument_id = InstrumentId.from_str("BTCUSD.DELTA_EXCHANGE")
    urls = {
        "environment": "local",
        "base_url_http": sim.rest_url,
        "base_url_ws_public": sim.public_ws_url,
        "base_url_ws_private": sim.ws_url,
        "instrument_provider": InstrumentProviderConfig(load_ids=frozenset([instrument_id])),
    }
    data_config = DeltaExchangeDataClientConfig(**urls, update_instruments_interval_mins=None)
    exec_config = DeltaExchangeExecClientConfig(
        **urls,
        api_key=sim.api_key,
        api_secret=sim.api_secret,
        max_order_size=10,
        max_position=50,
        price_band_pct=Decimal(5),
        max_open_orders=4,
        max_orders_per_second=20,
        daily_loss_limit=Decimal(1000),
        leverage={"BTCUSD": 10},
        stats_log_interval_secs=5.0,  # the one-line health summary in the log (default every 60 s)
    )
    node_config = TradingNodeConfig(
        trader_id="DELTA-MM-001",
        logging=LoggingConfig(log_level=log_level, log_colors=False),
        data_clients={"DELTA_EXCHANGE": data_config},
        exec_clients={"DELTA_EXCHANGE": exec_config},
        exec_engine=LiveExecEngineConfig(reconciliation=True),
        timeout_connection=20.0,
        timeout_reconciliation=10.0,
        timeout_disconnection=10.0,
        timeout_post_stop=2.0,
    )
    node = TradingNode(config=node_config)
    strategy = Quoter(QuoterConfig(instrument_id=instrument_id, quote_seconds=max(seconds - 3.0, 1.0)))
    node.trader.add_strategy(strategy)
    node.add_data_client_factory("DELTA_EXCHANGE", DeltaExchangeLiveDataClientFactory)
    node.add_exec_client_factory("DELTA_EXCHANGE", DeltaExchangeLiveExecClientFactory)
    node.build()
    return node, strategy


@dataclass
class ExchangeTruth:
    """The simulated exchange's own view of the account after the run."""

    position: int
    entry_price: str | None
    balance: Decimal


async def read_exchange(sim: DeltaSim, product_id: int) -> ExchangeTruth:
    """Read the position and the USD wallet balance from the simulator over signed REST."""
    client = HttpClient(sim.rest_url, api_key=sim.api_key, api_secret=sim.api_secret)
    position = await client.position(product_id)
    wallet = await client.wallet_balances()
    usd = next(item for item in wallet["balances"] if item["asset_symbol"] == "USD")
    return ExchangeTruth(int(position["size"]), position.get("entry_price"), Decimal(usd["balance"]))


def report(node: TradingNode, strategy: Quoter, truth: ExchangeTruth) -> bool:
    """Print what the node saw and what the exchange says; return whether they agree."""
    instrument_id = strategy.config.instrument_id
    cache = node.kernel.cache
    orders = cache.orders(instrument_id=instrument_id)
    statuses = Counter(order.status_string() for order in orders)
    tally = strategy.tally
    print("orders:", len(orders), " ".join(f"{status.lower()}={count}" for status, count in sorted(statuses.items())))
    print("events:", " ".join(f"{name}={count}" for name, count in sorted(tally.events.items())))
    print(f"fills: {tally.fills} bought={tally.bought} sold={tally.sold}")
    if tally.rejections:
        print("rejections:", "; ".join(tally.rejections[:5]))
    net = int(node.portfolio.net_position(instrument_id))
    realized = node.portfolio.realized_pnl(instrument_id)
    unrealized = node.portfolio.unrealized_pnl(instrument_id)
    account = cache.account_for_venue(DELTA_EXCHANGE_VENUE)
    balance = account.balance_total(USD) if account is not None else None
    print(f"position: node={net} exchange={truth.position} entry_price={truth.entry_price}")
    print(f"pnl: realized={realized} unrealized={unrealized}")
    node_balance = balance.as_decimal() if balance is not None else None
    print(f"balance: node={node_balance} exchange={truth.balance}")
    # Delta reports 8 decimals, Nautilus holds USD to the cent: agree means equal once rounded to the cent.
    cent = Decimal("0.01")
    consistent = net == truth.position and node_balance is not None and abs(node_balance - truth.balance) < cent
    print(f"account consistent: {'yes' if consistent else 'NO'}")
    return consistent and tally.fills > 0


def print_health(node: TradingNode) -> None:
    """Print each Delta client's statistics summary (socket, REST latency and quota, orders, circuit breaker)."""
    for client in delta_clients(node):
        print(f"health {type(client).__name__}: {summary_line(client.stats())}")


def run(seconds: float, rate: int, log_level: str) -> bool:
    """Start a simulator and a node, trade for ``seconds``, stop, print the account; return whether it agrees."""
    with DeltaSim(rate=rate) as sim:
        node, strategy = build_node(sim, seconds, log_level)
        loop = node.get_event_loop()
        assert loop is not None
        # The clients' health one moment before the stop (sockets still open): `stats()` is also logged as one
        # line every `stats_log_interval_secs` (60 s by default).
        loop.call_later(max(seconds - 0.5, 0.1), print_health, node)
        loop.call_later(seconds, node.stop)
        try:
            node.run()
            product_id = int(node.kernel.cache.instrument(strategy.config.instrument_id).info["product_id"])
            truth = asyncio.run(read_exchange(sim, product_id))
            return report(node, strategy, truth)
        finally:
            node.dispose()


def main(argv: list[str] | None = None) -> int:
    """Parse the command line and run the market maker."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=30.0, help="how long to run (default 30)")
    parser.add_argument("--rate", type=int, default=100, help="sim market messages per second (default 100)")
    parser.add_argument("--log-level", default="INFO", help="Nautilus log level on stdout (default INFO)")
    args = parser.parse_args(argv)
    return 0 if run(args.seconds, args.rate, args.log_level) else 1


if __name__ == "__main__":
    sys.exit(main())
