"""
Harness of the end-to-end execution tests: a ``TradingNode`` with the Delta data and execution clients on a
delta-sim, a recording strategy, and the sim's own truth (orders, position, wallet) read over signed REST.

The node's event loop runs on the test's thread: the test builds orders and calls strategy methods between
``ExecNode.wait`` calls, and ``wait`` runs the loop until a condition holds (with a deadline). Nautilus is
therefore only ever called from the loop's thread, and nothing happens between two steps of a test.

Strategies are added to a running node through a Nautilus ``Controller`` (the trader refuses new strategies
while running otherwise), so one node serves many tests, each with its own strategy, order id tag and events.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import itertools
import json
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal
from pathlib import Path
from typing import Any, ClassVar

from nautilus_trader.config import (
    ImportableControllerConfig,
    InstrumentProviderConfig,
    LiveExecEngineConfig,
    LiveRiskEngineConfig,
    LoggingConfig,
    TradingNodeConfig,
)
from nautilus_trader.live.node import TradingNode
from nautilus_trader.model.currencies import USD
from nautilus_trader.model.enums import LiquiditySide, OrderSide, OrderType
from nautilus_trader.model.events import OrderEvent, OrderFilled
from nautilus_trader.model.identifiers import ClientOrderId, InstrumentId, Venue
from nautilus_trader.model.objects import Money, Price, Quantity
from nautilus_trader.model.orders import Order
from nautilus_trader.test_kit.strategies.tester_exec import ExecTester, ExecTesterConfig
from nautilus_trader.trading.controller import Controller

from delta_exchange.config import DeltaExchangeDataClientConfig, DeltaExchangeExecClientConfig
from delta_exchange.events import CIRCUIT_TOPIC
from delta_exchange.factories import DeltaExchangeLiveDataClientFactory, DeltaExchangeLiveExecClientFactory
from delta_exchange.sim import DeltaSim

VENUE = Venue("DELTA_EXCHANGE")
BTCUSD = InstrumentId.from_str("BTCUSD.DELTA_EXCHANGE")
SYMBOL = "BTCUSD"
PRODUCT_ID = 27
TICK = Decimal("0.5")
CONTRACT_VALUE = Decimal("0.001")
TAKER_FEE = Decimal("0.0005")
MAKER_FEE = Decimal("0.0002")
TRADER_ID = "TESTER-001"
SIM_POLL_SECS = 0.1  # between two checks that read the sim
# The sims of these tests take a large REST quota: the tests' own reads of the sim's truth count against the
# account's quota too, and the quota is not what they test.
SIM_ARGS = ("--quota", "1000000")
MMP_TOPIC = "delta_exchange.mmp"  # the contract's topic of DeltaMmpTriggered / DeltaMmpThawed

_tags = itertools.count(1)


# -- the sim's truth -----------------------------------------------------------------------------------------------


def first_option(sim: DeltaSim) -> InstrumentId:
    """The instrument id of the sim's first listed call option (option symbols follow the date)."""
    products = sim_request(sim, "GET", "/v2/products", "?contract_types=call_options&page_size=100")
    first = min(products, key=lambda p: int(p["id"]))
    return InstrumentId.from_str(f"{first['symbol']}.DELTA_EXCHANGE")


def sim_request(
    sim: DeltaSim,
    method: str,
    path: str,
    query: str = "",
    body: dict[str, Any] | None = None,
    *,
    whole: bool = False,
) -> Any:
    """
    One signed REST call to the sim, independent of the node (plain urllib, HMAC signature as Delta's).

    Returns the ``result`` of the reply (the whole reply with ``whole`` or when it has no ``result``).
    """
    payload = b"" if body is None else json.dumps(body).encode()
    timestamp = str(int(time.time()))
    prehash = f"{method}{timestamp}{path}{query}".encode() + payload
    signature = hmac.new(sim.api_secret.encode(), prehash, hashlib.sha256).hexdigest()
    request = urllib.request.Request(
        sim.rest_url + path + query,
        data=payload or None,
        method=method,
        headers={
            "api-key": sim.api_key,
            "timestamp": timestamp,
            "signature": signature,
            "User-Agent": "exec-harness",
            "Content-Type": "application/json",
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            reply = json.loads(response.read())
    except urllib.error.HTTPError as error:
        raise AssertionError(f"{method} {path}{query} -> {error.code}: {error.read()[:500]!r}") from None
    return reply if whole or not isinstance(reply, dict) else reply.get("result", reply)


@dataclass(frozen=True)
class Top:
    """The sim's best levels of one product (prices and sizes exact)."""

    bid: Decimal
    bid_size: int
    ask: Decimal
    ask_size: int


class SimTruth:
    """What the sim says the account holds: open orders, the BTCUSD position, the USD wallet, fills."""

    def __init__(self, sim: DeltaSim) -> None:
        self.sim = sim

    def open_orders(self, product_id: int | None = PRODUCT_ID) -> list[dict[str, Any]]:
        """Open and pending (untriggered stop) orders on one product (BTCUSD; None: every product)."""
        products = "" if product_id is None else f"&product_ids={product_id}"
        return sim_request(self.sim, "GET", "/v2/orders", f"?page_size=1000{products}")

    def open_positions(self) -> dict[int, int]:
        """Every non-zero position: product id -> signed size."""
        positions = sim_request(self.sim, "GET", "/v2/positions/margined")
        return {int(p["product_id"]): int(p["size"]) for p in positions if int(p["size"]) != 0}

    def order(self, order_id: int | str) -> dict[str, Any]:
        """One order by Delta id."""
        return sim_request(self.sim, "GET", f"/v2/orders/{order_id}")

    def orders_by_client_id(self, client_order_id: str) -> dict[str, Any]:
        """The latest order with this ``client_order_id``."""
        return sim_request(self.sim, "GET", f"/v2/orders/client_order_id/{client_order_id}")

    def position_size(self) -> int:
        """The signed BTCUSD position, contracts."""
        return self.open_positions().get(PRODUCT_ID, 0)

    def position(self) -> dict[str, Any] | None:
        """The BTCUSD margined position record, or None when flat."""
        for position in sim_request(self.sim, "GET", "/v2/positions/margined"):
            if int(position["product_id"]) == PRODUCT_ID and int(position["size"]) != 0:
                return position
        return None

    def wallet(self, asset: str = "USD") -> dict[str, Any]:
        """The wallet balance record of ``asset``."""
        reply = sim_request(self.sim, "GET", "/v2/wallet/balances")
        balances = reply["balances"] if isinstance(reply, dict) and "balances" in reply else reply
        return next(b for b in balances if b["asset_symbol"] == asset)

    def fills(self, order_id: int | str | None = None) -> list[dict[str, Any]]:
        """The account's BTCUSD fills (of one Delta order id), every page, oldest first."""
        fills: list[dict[str, Any]] = []
        after = ""
        while True:
            reply = sim_request(
                self.sim, "GET", "/v2/fills", f"?product_ids={PRODUCT_ID}&page_size=50{after}", whole=True
            )
            fills.extend(reply["result"])
            cursor = (reply.get("meta") or {}).get("after")
            if not cursor:
                break
            after = f"&after={cursor}"
        wanted = [f for f in fills if order_id is None or str(f["order_id"]) == str(order_id)]
        return sorted(wanted, key=lambda f: (f["created_at"], str(f["id"])))

    def top(self, symbol: str = SYMBOL) -> Top:
        """Best bid and ask of ``symbol`` (BTCUSD) from ``/sim/book``."""
        book = self.sim.book(symbol)
        (bid, bid_size), (ask, ask_size) = book["b"][0], book["a"][0]
        return Top(Decimal(bid), int(bid_size), Decimal(ask), int(ask_size))

    def flatten(self) -> None:
        """Cancel every order and close every position straight on the sim (cleanup, bypassing the node)."""
        every_kind = {"cancel_limit_orders": "true", "cancel_stop_orders": "true", "cancel_reduce_only_orders": "true"}
        sim_request(self.sim, "DELETE", "/v2/orders/all", body=every_kind)
        for product_id, size in self.open_positions().items():
            sim_request(
                self.sim,
                "POST",
                "/v2/orders",
                body={
                    "product_id": product_id,
                    "size": abs(size),
                    "side": "sell" if size > 0 else "buy",
                    "order_type": "market_order",
                    "reduce_only": "true",
                },
            )


# -- prices and money ----------------------------------------------------------------------------------------------


def px(value: Decimal | str) -> Price:
    """A BTCUSD price (precision 1)."""
    return Price.from_str(f"{Decimal(value):.1f}")


def qty(value: int) -> Quantity:
    """A BTCUSD quantity in contracts."""
    return Quantity.from_int(value)


def ticks(n: int) -> Decimal:
    """``n`` BTCUSD ticks."""
    return TICK * n


def commission(size: int, price: Decimal, liquidity: LiquiditySide) -> Money:
    """Delta's fee of a fill: ``size * contract_value * price * rate``, in USD at Nautilus's 2 decimals."""
    rate = MAKER_FEE if liquidity == LiquiditySide.MAKER else TAKER_FEE
    amount = (Decimal(size) * CONTRACT_VALUE * price * rate).quantize(Decimal("0.01"), ROUND_HALF_EVEN)
    return Money(amount, USD)


# -- the recording strategy ----------------------------------------------------------------------------------------


class Recorder(ExecTester):
    """
    Nautilus's ``ExecTester`` that also records every event it receives, in order, the MMP notifications
    (``mmp``) and the circuit breaker's (``circuit``).

    With :func:`recorder_config`'s defaults it places nothing by itself: tests drive it (``submit_order``,
    ``modify_order``, ``cancel_order``, ...) and its ``on_stop`` is ExecTester's (cancel, close on stop).
    """

    def __init__(self, config: ExecTesterConfig) -> None:
        super().__init__(config)
        self.events: list[Any] = []
        self.mmp: list[Any] = []
        self.circuit: list[Any] = []
        self._topics = ((MMP_TOPIC, self.mmp.append), (CIRCUIT_TOPIC, self.circuit.append))

    def on_start(self) -> None:
        super().on_start()
        for topic, handler in self._topics:
            self.msgbus.subscribe(topic=topic, handler=handler)

    def on_stop(self) -> None:
        super().on_stop()
        for topic, handler in self._topics:
            self.msgbus.unsubscribe(topic=topic, handler=handler)

    def on_event(self, event: Any) -> None:
        self.events.append(event)

    def order_events(self, client_order_id: ClientOrderId) -> list[OrderEvent]:
        """Every event this strategy received for one order, in order."""
        return [e for e in self.events if isinstance(e, OrderEvent) and e.client_order_id == client_order_id]

    def names(self, client_order_id: ClientOrderId) -> list[str]:
        """The class names of :meth:`order_events`."""
        return [type(e).__name__ for e in self.order_events(client_order_id)]

    def fills(self, client_order_id: ClientOrderId | None = None) -> list[OrderFilled]:
        """Fills received (of one order, or all)."""
        return [
            e
            for e in self.events
            if isinstance(e, OrderFilled) and (client_order_id is None or e.client_order_id == client_order_id)
        ]

    def limit(self, side: OrderSide, size: int, price: Decimal, **kwargs: Any) -> Order:
        """Build a BTCUSD limit order (not submitted)."""
        return self.order_factory.limit(BTCUSD, side, qty(size), px(price), **kwargs)

    def market(self, side: OrderSide, size: int, **kwargs: Any) -> Order:
        """Build a BTCUSD market order (not submitted)."""
        return self.order_factory.market(BTCUSD, side, qty(size), **kwargs)


def recorder_config(**overrides: Any) -> ExecTesterConfig:
    """
    An ``ExecTesterConfig`` for BTCUSD that places nothing by itself, with a fresh strategy id and order id tag.

    Overrides are ExecTester's own settings (``open_position_on_start_qty``, ``enable_buys``, ...).
    """
    tag = f"{next(_tags):03d}"
    settings: dict[str, Any] = {
        "strategy_id": f"RECORDER-{tag}",
        "order_id_tag": tag,
        "instrument_id": BTCUSD,
        "order_qty": Decimal(1),
        "subscribe_quotes": False,
        "subscribe_trades": False,
        "enable_buys": False,
        "enable_sells": False,
        "log_data": False,
        "can_unsubscribe": False,
    }
    settings.update(overrides)
    return ExecTesterConfig(**settings)


# -- the node ------------------------------------------------------------------------------------------------------


class CapturingDataFactory(DeltaExchangeLiveDataClientFactory):
    """The real data client factory, keeping the clients it built."""

    clients: ClassVar[list[Any]] = []

    @staticmethod
    def create(*args: Any, **kwargs: Any) -> Any:  # type: ignore[override]
        client = DeltaExchangeLiveDataClientFactory.create(*args, **kwargs)
        CapturingDataFactory.clients.append(client)
        return client


class CapturingExecFactory(DeltaExchangeLiveExecClientFactory):
    """The real execution client factory, keeping the clients it built (tests read their state)."""

    clients: ClassVar[list[Any]] = []

    @staticmethod
    def create(*args: Any, **kwargs: Any) -> Any:  # type: ignore[override]
        client = DeltaExchangeLiveExecClientFactory.create(*args, **kwargs)
        CapturingExecFactory.clients.append(client)
        return client


def provider_config(instruments: Iterable[InstrumentId] = (BTCUSD,)) -> InstrumentProviderConfig:
    """Load these instruments (BTCUSD by default)."""
    return InstrumentProviderConfig(load_ids=frozenset(instruments))


def exec_config(sim: DeltaSim, **overrides: Any) -> DeltaExchangeExecClientConfig:
    """The execution client config on ``sim`` (BTCUSD loaded), with ``overrides``."""
    settings: dict[str, Any] = {
        "environment": "local",
        "base_url_http": sim.rest_url,
        "base_url_ws_public": sim.public_ws_url,
        "base_url_ws_private": sim.ws_url,
        "api_key": sim.api_key,
        "api_secret": sim.api_secret,
        "instrument_provider": provider_config(),
        "update_instruments_interval_mins": None,
    }
    settings.update(overrides)
    return DeltaExchangeExecClientConfig(**settings)


def data_config(sim: DeltaSim, instruments: InstrumentProviderConfig) -> DeltaExchangeDataClientConfig:
    """The data client config on ``sim``, loading ``instruments``."""
    return DeltaExchangeDataClientConfig(
        environment="local",
        base_url_http=sim.rest_url,
        base_url_ws_public=sim.public_ws_url,
        base_url_ws_private=sim.ws_url,
        api_key=sim.api_key,
        api_secret=sim.api_secret,
        instrument_provider=instruments,
        update_instruments_interval_mins=None,
    )


class ExecNode:
    """
    A ``TradingNode`` with the Delta data and execution clients on ``sim``, driven step by step.

    Parameters
    ----------
    sim : DeltaSim
        The simulator.
    bypass_risk : bool
        ``LiveRiskEngineConfig(bypass=True)`` (the spec's setting); False keeps Nautilus's risk engine on.
    reconciliation : bool
        Startup reconciliation (the spec's setting: on).
    log_directory : Path, optional
        Also write the node's log there.
    exec_engine : dict, optional
        Further ``LiveExecEngineConfig`` settings.
    instruments : Iterable[InstrumentId]
        Instruments both clients load (BTCUSD by default).
    strategies : Iterable[Recorder]
        Strategies registered before the node starts (they see startup reconciliation, e.g. with
        ``external_order_claims``); others join later through :meth:`add`.
    **exec_overrides
        Settings of ``DeltaExchangeExecClientConfig`` (risk limits, MMP, timeouts, ...).

    """

    def __init__(
        self,
        sim: DeltaSim,
        *,
        bypass_risk: bool = True,
        reconciliation: bool = True,
        log_directory: Path | None = None,
        exec_engine: dict[str, Any] | None = None,
        instruments: Iterable[InstrumentId] = (BTCUSD,),
        strategies: Iterable[Recorder] = (),
        **exec_overrides: Any,
    ) -> None:
        self.sim = sim
        self.truth = SimTruth(sim)
        self.instruments = tuple(instruments)
        loaded = provider_config(self.instruments)
        self.exec_config = exec_config(sim, instrument_provider=loaded, **exec_overrides)
        self.loop = asyncio.new_event_loop()
        asyncio.set_event_loop(self.loop)
        engine = {"reconciliation": reconciliation, "convert_quote_qty_to_base": False, **(exec_engine or {})}
        logging = LoggingConfig(log_level="INFO", log_colors=False)
        if log_directory is not None:
            logging = LoggingConfig(
                log_level="INFO",
                log_colors=False,
                log_level_file="DEBUG",
                log_directory=str(log_directory),
            )
        self.node = TradingNode(
            loop=self.loop,
            config=TradingNodeConfig(
                trader_id=TRADER_ID,
                logging=logging,
                data_clients={"DELTA_EXCHANGE": data_config(sim, loaded)},
                exec_clients={"DELTA_EXCHANGE": self.exec_config},
                risk_engine=LiveRiskEngineConfig(bypass=bypass_risk),
                exec_engine=LiveExecEngineConfig(**engine),
                controller=ImportableControllerConfig(
                    controller_path="nautilus_trader.trading.controller:Controller",
                    config_path="nautilus_trader.common.config:ActorConfig",
                    config={},
                ),
                timeout_connection=30.0,
                timeout_reconciliation=30.0,
                timeout_disconnection=10.0,
                timeout_post_stop=1.0,
            ),
        )
        self.node.add_data_client_factory("DELTA_EXCHANGE", CapturingDataFactory)
        self.node.add_exec_client_factory("DELTA_EXCHANGE", CapturingExecFactory)
        self.node.build()
        self.data_client = CapturingDataFactory.clients[-1]
        self.client = CapturingExecFactory.clients[-1]
        self._task: asyncio.Task | None = None
        self._stopped = False
        self.strategies: list[Recorder] = list(strategies)
        for strategy in self.strategies:
            self.node.trader.add_strategy(strategy)

    @property
    def cache(self) -> Any:
        """The node's cache."""
        return self.node.kernel.cache

    @property
    def controller(self) -> Controller:
        """The node's strategy controller."""
        return next(a for a in self.node.trader.actors() if isinstance(a, Controller))

    def start(self) -> ExecNode:
        """Run the node until the trader runs and the account is registered."""
        self._task = self.loop.create_task(self.node.run_async())
        self.wait(
            lambda: self.node.trader.is_running and self.account() is not None and self.client.is_connected,
            "node running with the Delta account registered",
            timeout=60,
        )
        return self

    def account(self) -> Any:
        """The Delta account in the node's cache (None before registration)."""
        return self.cache.account_for_venue(VENUE)

    def wait(
        self,
        condition: Callable[[], bool],
        what: str | Callable[[], str],
        timeout: float = 20.0,
        interval: float = 0.02,
    ) -> None:
        """
        Run the node's loop until ``condition()`` holds; fail naming ``what`` after ``timeout`` seconds.

        ``what`` may be a callable, evaluated at the failure (to show the state then). ``interval`` is the pause
        between two checks (longer for checks that call the sim).
        """

        def describe() -> str:
            return what() if callable(what) else what

        async def poll() -> None:
            deadline = self.loop.time() + timeout
            while not condition():
                if self._task is not None and self._task.done():
                    raise AssertionError(f"node stopped while waiting for {describe()}: {self._task}")
                if self.loop.time() > deadline:
                    raise AssertionError(f"timed out after {timeout} s waiting for {describe()}")
                await asyncio.sleep(interval)

        self.loop.run_until_complete(poll())

    def run_for(self, seconds: float) -> None:
        """Let the loop run ``seconds`` (only to give a wrong event the chance to arrive; never the check)."""
        self.loop.run_until_complete(asyncio.sleep(seconds))

    def add(self, strategy: Recorder) -> Recorder:
        """Add ``strategy`` to the running node and start it."""
        self.controller.create_strategy(strategy, start=True)
        self.strategies.append(strategy)
        self.wait(lambda: strategy.is_running, f"{strategy.id} running")
        return strategy

    def stop_strategy(self, strategy: Recorder) -> None:
        """Stop ``strategy`` (its ``on_stop`` runs) and wait until none of its orders is open or in flight."""
        self.controller.stop_strategy(strategy)
        self.wait(
            lambda: (
                not self.cache.orders_open(strategy_id=strategy.id)
                and not self.cache.orders_inflight(strategy_id=strategy.id)
                and not self.cache.positions_open(strategy_id=strategy.id)
            ),
            f"{strategy.id} stopped with no open order or position",
        )

    def remove(self, strategy: Recorder) -> None:
        """Remove a stopped strategy from the node."""
        self.controller.remove_strategy(strategy)
        self.strategies.remove(strategy)

    def order(self, client_order_id: ClientOrderId) -> Order:
        """The order in the node's cache."""
        order = self.cache.order(client_order_id)
        assert order is not None, f"{client_order_id} not in the cache"
        return order

    def cached_names(self, order: Order) -> list[str]:
        """Class names of the events applied to the cached order, ``OrderInitialized`` first."""
        return names_of(self.order(order.client_order_id).events)

    def wait_events(self, strategy: Recorder, order: Order, names: list[str], timeout: float = 20.0) -> None:
        """
        Wait until ``order`` has at least ``names`` applied; then they must equal ``names`` exactly, and the
        strategy must have received the same events (all but ``OrderInitialized`` when it built the order in
        ``on_start``: Nautilus hands a strategy no events before it runs).
        """
        client_order_id = order.client_order_id
        self.wait(
            lambda: len(self.order(client_order_id).events) >= len(names),
            lambda: f"{names} for {client_order_id} (got {self.cached_names(order)})",
            timeout,
        )
        applied, received = self.cached_names(order), strategy.names(client_order_id)
        assert applied == names, f"{client_order_id}: applied {applied}, expected {names}"
        assert received in (names, names[1:]), f"{client_order_id}: strategy received {received}"

    def wait_status(self, order: Order, status: Any, timeout: float = 20.0) -> None:
        """Wait until the cached order's status is ``status``."""
        self.wait(
            lambda: self.order(order.client_order_id).status == status,
            f"{order.client_order_id} {status!r} (is {self.order(order.client_order_id).status_string()})",
            timeout,
        )

    def wait_sim(self, condition: Callable[[SimTruth], bool], what: str, timeout: float = 20.0) -> None:
        """Wait (running the node) until ``condition(truth)`` holds on the sim (checked every 0.1 s)."""
        self.wait(lambda: condition(self.truth), what, timeout, interval=SIM_POLL_SECS)

    def stop(self) -> None:
        """Stop and dispose of the node (once; later calls do nothing)."""
        if self._stopped:
            return
        self._stopped = True

        async def shutdown() -> None:
            await self.node.stop_async()
            if self._task is not None:
                await asyncio.wait_for(self._task, 30)

        try:
            if not self.loop.is_closed():
                self.loop.run_until_complete(shutdown())
        finally:
            self.node.dispose()

    # -- the node against the sim ----------------------------------------------------------------------------------

    def node_position(self) -> int:
        """The node's signed BTCUSD position over every strategy, contracts."""
        total = Decimal(0)
        for position in self.cache.positions_open(instrument_id=BTCUSD):
            total += position.signed_decimal_qty()
        return int(total)

    def assert_matches_sim(self) -> None:
        """
        The node's open orders, BTCUSD position and USD balance equal the sim's (waiting for events in flight).

        Open orders are compared by Delta order id, side, size, unfilled size, limit and stop price.
        """

        def node_orders() -> dict[str, tuple[Any, ...]]:
            return {
                o.venue_order_id.value: (
                    "buy" if o.side == OrderSide.BUY else "sell",
                    int(o.quantity),
                    int(o.leaves_qty),
                    _price_of(o, "price"),
                    None if o.order_type in _TRAILING else _price_of(o, "trigger_price"),
                )
                for o in self.cache.orders_open(instrument_id=BTCUSD)
                if o.venue_order_id is not None
            }

        def sim_orders() -> dict[str, tuple[Any, ...]]:
            # A Nautilus LIMIT take-profit (bracket leg) is Delta's take-profit limit with a stop price equal to
            # its limit price; the node's LIMIT has no trigger price to compare.
            limits = {
                o.venue_order_id.value
                for o in self.cache.orders_open(instrument_id=BTCUSD)
                if o.venue_order_id is not None and o.order_type == OrderType.LIMIT
            }
            return {
                str(o["id"]): (
                    o["side"],
                    int(o["size"]),
                    int(o["unfilled_size"]),
                    _dec(o.get("limit_price")) if o.get("order_type") == "limit_order" else None,
                    None if o.get("trail_amount") or str(o["id"]) in limits else _dec(o.get("stop_price")),
                )
                for o in self.truth.open_orders()
            }

        def balance() -> tuple[Decimal, Decimal] | None:
            account = self.account()
            value = account.balance(USD) if account is not None else None
            return None if value is None else (value.total.as_decimal(), value.free.as_decimal())

        def wallet() -> tuple[Decimal, Decimal]:
            record = self.truth.wallet("USD")
            return _usd(record["balance"]), _usd(record["available_balance"])

        def views() -> tuple[tuple[Any, ...], tuple[Any, ...]]:
            node_view = (node_orders(), self.node_position(), balance())
            return node_view, (sim_orders(), self.truth.position_size(), wallet())

        def differences() -> str:
            node_view, sim_view = views()
            labels = ("open orders", "position", "USD balance (total, free)")
            return "; ".join(
                f"{label}: node {mine} != sim {theirs}"
                for label, mine, theirs in zip(labels, node_view, sim_view, strict=True)
                if mine != theirs
            )

        def agree() -> bool:
            (orders, position, node_balance), (venue_orders, venue_position, venue_balance) = views()
            if node_balance is None or (orders, position) != (venue_orders, venue_position):
                return False
            # Delta's balances have 8 decimals, USD Money 2: the total rounds the same way, but Nautilus needs
            # total = locked + free, so the client may round free one cent the other way.
            return node_balance[0] == venue_balance[0] and abs(node_balance[1] - venue_balance[1]) <= CENT

        self.wait(agree, lambda: f"node and sim to agree ({differences()})", interval=SIM_POLL_SECS)


_TRAILING = (OrderType.TRAILING_STOP_MARKET, OrderType.TRAILING_STOP_LIMIT)


CENT = Decimal("0.01")


def _dec(value: Any) -> Decimal | None:
    return None if value in (None, "") else Decimal(str(value))


def _usd(value: Any) -> Decimal:
    return Decimal(str(value)).quantize(Decimal("0.01"), ROUND_HALF_EVEN)


def _price_of(order: Order, attribute: str) -> Decimal | None:
    value = getattr(order, attribute, None)
    return None if value is None else value.as_decimal()


def names_of(events: Iterable[Any]) -> list[str]:
    """Class names of events."""
    return [type(e).__name__ for e in events]


# -- a whole run for the secret check ------------------------------------------------------------------------------


def secret_scenario(api_secret: str, log_directory: str) -> None:
    """
    Trade through every path that touches credentials, logging at DEBUG to ``log_directory``; print the sim's log.

    Run in a subprocess by the secret test (its stdout and stderr are searched for ``api_secret``): signed REST
    orders, modify, cancel, fills, MMP and dead-man configuration, a socket restart (re-authentication and
    reconciliation), and a second node reconciling at start.
    """
    with DeltaSim(rate=50, api_secret=api_secret, extra_args=list(SIM_ARGS)) as sim:
        sim.set_faults(pause_market=True)
        settings = {
            "mmp_group": "mmp1",
            "mmp_window_secs": 10,
            "mmp_freeze_secs": 5,
            "mmp_trade_limit": Decimal(1_000_000),
            "dead_man_ttl_ms": 30_000,
        }
        node = ExecNode(sim, log_directory=Path(log_directory), **settings).start()
        try:
            strategy = node.add(Recorder(recorder_config(cancel_orders_on_stop=False, close_positions_on_stop=False)))
            market = strategy.market(OrderSide.BUY, 2)
            limit = strategy.limit(OrderSide.BUY, 1, node.truth.top().bid - ticks(500))
            strategy.submit_order(market)
            strategy.submit_order(limit)
            node.wait(lambda: node.order(market.client_order_id).is_closed, "market filled")
            node.wait(lambda: node.order(limit.client_order_id).is_open, "limit accepted")
            strategy.modify_order(limit, price=px(node.truth.top().bid - ticks(490)))
            node.wait(lambda: node.order(limit.client_order_id).price == px(node.truth.top().bid - ticks(490)), "mod")
            sim.restart()
            again = strategy.limit(OrderSide.SELL, 1, node.truth.top().ask + ticks(500))
            strategy.submit_order(again)
            node.wait(lambda: node.order(again.client_order_id).is_open, "order after the restart")
        finally:
            node.stop()
        second = ExecNode(sim, log_directory=Path(log_directory)).start()
        try:
            second.wait(lambda: len(second.cache.orders_open()) == 2, "both orders reconciled")
            second.truth.flatten()
            second.wait_sim(lambda t: t.open_orders() == [] and t.position_size() == 0, "flat")
            second.wait(lambda: second.cache.orders_open() == [], "cancels reached the node")
        finally:
            second.stop()
        print("\n".join(sim.stderr_lines))
    print("SCENARIO OK")
