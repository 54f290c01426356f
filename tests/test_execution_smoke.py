"""
The execution client in a ``TradingNode`` (data + execution clients) against delta-sim: the basic lifecycles the
client owns end to end, checked against the sim's own records (orders, fills, positions).

The node's loop runs on the test's thread (``Node.wait`` runs it until a condition holds), so Nautilus is only
called from the loop thread. The sim's market generator is paused: prices move only through the tests' orders.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import time
import urllib.request
from collections.abc import Callable, Iterator
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any

import pytest
from nautilus_trader.config import (
    InstrumentProviderConfig,
    LiveExecEngineConfig,
    LiveRiskEngineConfig,
    LoggingConfig,
    StrategyConfig,
    TradingNodeConfig,
)
from nautilus_trader.live.node import TradingNode
from nautilus_trader.model.currencies import USD
from nautilus_trader.model.enums import LiquiditySide, OrderSide, OrderStatus, OrderType, PositionSide, TimeInForce
from nautilus_trader.model.events import OrderEvent, OrderFilled, OrderRejected
from nautilus_trader.model.identifiers import ClientOrderId, InstrumentId, Venue, VenueOrderId
from nautilus_trader.model.objects import Money, Price, Quantity
from nautilus_trader.model.orders import Order
from nautilus_trader.trading.strategy import Strategy

from delta_exchange.config import DeltaExchangeDataClientConfig, DeltaExchangeExecClientConfig
from delta_exchange.factories import DeltaExchangeLiveDataClientFactory, DeltaExchangeLiveExecClientFactory
from delta_exchange.sim import DeltaSim

pytestmark = pytest.mark.sim

BTCUSD = InstrumentId.from_str("BTCUSD.DELTA_EXCHANGE")
PRODUCT_ID = 27
TICK = Decimal("0.5")
CONTRACT_VALUE = Decimal("0.001")
TAKER_FEE = Decimal("0.0005")
FAR = TICK * 500
ACCEPTED = ["OrderInitialized", "OrderSubmitted", "OrderAccepted"]


class Recording(Strategy):
    """A strategy that places nothing by itself and records every event it receives."""

    def __init__(self) -> None:
        super().__init__(StrategyConfig(strategy_id="SMOKE-001", order_id_tag="001"))
        self.events: list[Any] = []

    def on_event(self, event: Any) -> None:
        self.events.append(event)

    def names(self, client_order_id: ClientOrderId) -> list[str]:
        return [
            type(e).__name__ for e in self.events if isinstance(e, OrderEvent) and e.client_order_id == client_order_id
        ]

    def fills(self, client_order_id: ClientOrderId) -> list[OrderFilled]:
        return [e for e in self.events if isinstance(e, OrderFilled) and e.client_order_id == client_order_id]


def signed(sim: DeltaSim, method: str, path: str, query: str = "", body: dict[str, Any] | None = None) -> Any:
    """One signed REST call straight to the sim (independent of the node); the reply's ``result``."""
    payload = b"" if body is None else json.dumps(body).encode()
    timestamp = str(int(time.time()))
    signature = hmac.new(
        sim.api_secret.encode(),
        f"{method}{timestamp}{path}{query}".encode() + payload,
        hashlib.sha256,
    ).hexdigest()
    request = urllib.request.Request(
        sim.rest_url + path + query,
        data=payload or None,
        method=method,
        headers={
            "api-key": sim.api_key,
            "timestamp": timestamp,
            "signature": signature,
            "User-Agent": "smoke",
            "Content-Type": "application/json",
        },
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        reply = json.loads(response.read())
    return reply.get("result", reply) if isinstance(reply, dict) else reply


class Node:
    """A running ``TradingNode`` with the Delta clients on ``sim`` and one recording strategy."""

    def __init__(self, sim: DeltaSim) -> None:
        self.sim = sim
        self.loop = asyncio.new_event_loop()
        asyncio.set_event_loop(self.loop)
        common = {
            "environment": "local",
            "base_url_http": sim.rest_url,
            "base_url_ws_public": sim.public_ws_url,
            "base_url_ws_private": sim.ws_url,
            "api_key": sim.api_key,
            "api_secret": sim.api_secret,
            "instrument_provider": InstrumentProviderConfig(load_ids=frozenset([BTCUSD])),
            "update_instruments_interval_mins": None,
        }
        self.node = TradingNode(
            loop=self.loop,
            config=TradingNodeConfig(
                trader_id="SMOKE-001",
                logging=LoggingConfig(log_level="WARNING", log_colors=False),
                data_clients={"DELTA_EXCHANGE": DeltaExchangeDataClientConfig(**common)},
                exec_clients={"DELTA_EXCHANGE": DeltaExchangeExecClientConfig(**common)},
                risk_engine=LiveRiskEngineConfig(bypass=True),
                exec_engine=LiveExecEngineConfig(reconciliation=True),
                timeout_connection=30.0,
                timeout_reconciliation=30.0,
                timeout_disconnection=10.0,
                timeout_post_stop=1.0,
            ),
        )
        self.node.add_data_client_factory("DELTA_EXCHANGE", DeltaExchangeLiveDataClientFactory)
        self.node.add_exec_client_factory("DELTA_EXCHANGE", DeltaExchangeLiveExecClientFactory)
        self.node.build()
        self.strategy = Recording()
        self.node.trader.add_strategy(self.strategy)
        self.task = self.loop.create_task(self.node.run_async())
        self.wait(lambda: self.strategy.is_running and self.cache.account_for_venue(Venue("DELTA_EXCHANGE")), "start")

    @property
    def cache(self) -> Any:
        return self.node.kernel.cache

    def wait(self, condition: Callable[[], Any], what: str, timeout: float = 20.0) -> None:
        async def poll() -> None:
            deadline = self.loop.time() + timeout
            while not condition():
                if self.task.done():
                    raise AssertionError(f"node stopped while waiting for {what}: {self.task}")
                if self.loop.time() > deadline:
                    raise AssertionError(f"timed out after {timeout} s waiting for {what}")
                await asyncio.sleep(0.02)

        self.loop.run_until_complete(poll())

    def status(self, order: Order) -> OrderStatus:
        return self.cache.order(order.client_order_id).status

    def top(self) -> tuple[Decimal, Decimal]:
        book = self.sim.book("BTCUSD")
        return Decimal(book["b"][0][0]), Decimal(book["a"][0][0])

    def open_orders(self) -> list[dict[str, Any]]:
        return signed(self.sim, "GET", "/v2/orders", f"?product_ids={PRODUCT_ID}")

    def stop(self) -> None:
        async def shutdown() -> None:
            await self.node.stop_async()
            await asyncio.wait_for(self.task, 30)

        try:
            self.loop.run_until_complete(shutdown())
        finally:
            self.node.dispose()


@pytest.fixture
def node() -> Iterator[Node]:
    with DeltaSim(rate=50, seed=7) as sim:
        sim.set_faults(pause_market=True)
        running = Node(sim)
        try:
            yield running
        finally:
            running.stop()


def price(value: Decimal) -> Price:
    return Price.from_str(f"{value:.1f}")


def test_limit_accepted_then_canceled(node: Node) -> None:
    strategy = node.strategy
    bid, _ = node.top()
    order = strategy.order_factory.limit(BTCUSD, OrderSide.BUY, Quantity.from_int(2), price(bid - FAR))
    strategy.submit_order(order)
    node.wait(lambda: node.status(order) == OrderStatus.ACCEPTED, "accepted")
    venue = node.open_orders()
    assert [str(o["id"]) for o in venue] == [node.cache.order(order.client_order_id).venue_order_id.value]
    assert venue[0]["client_order_id"] == order.client_order_id.value and int(venue[0]["size"]) == 2
    strategy.cancel_order(order)
    node.wait(lambda: node.status(order) == OrderStatus.CANCELED, "canceled")
    assert strategy.names(order.client_order_id) == [*ACCEPTED, "OrderPendingCancel", "OrderCanceled"]
    assert node.open_orders() == []


def test_marketable_ioc_fills_with_commission_and_opens_a_position(node: Node) -> None:
    strategy = node.strategy
    _, ask = node.top()
    order = strategy.order_factory.limit(
        BTCUSD,
        OrderSide.BUY,
        Quantity.from_int(3),
        price(ask + TICK * 2),
        time_in_force=TimeInForce.IOC,
    )
    strategy.submit_order(order)
    node.wait(lambda: node.status(order) in (OrderStatus.FILLED, OrderStatus.CANCELED), "IOC done")
    node.wait(lambda: node.cache.positions_open(instrument_id=BTCUSD), "position")
    fills = strategy.fills(order.client_order_id)
    venue_fills = signed(node.sim, "GET", "/v2/fills", f"?product_ids={PRODUCT_ID}")
    assert sorted(f.trade_id.value for f in fills) == sorted(str(f["id"]) for f in venue_fills)
    for fill in fills:
        venue = next(f for f in venue_fills if str(f["id"]) == fill.trade_id.value)
        size, fill_price = int(venue["size"]), Decimal(venue["price"])
        assert fill.last_qty == Quantity.from_int(size) and fill.last_px == price(fill_price)
        assert fill.liquidity_side == LiquiditySide.TAKER
        fee = (size * CONTRACT_VALUE * fill_price * TAKER_FEE).quantize(Decimal("0.01"), ROUND_HALF_EVEN)
        assert fill.commission == Money(fee, USD)
    filled = sum(int(f.last_qty) for f in fills)
    names = strategy.names(order.client_order_id)
    assert names[:3] == ACCEPTED and names.count("OrderAccepted") == 1 and names.count("OrderFilled") == len(fills)
    (position,) = node.cache.positions_open(instrument_id=BTCUSD)
    assert position.side == PositionSide.LONG and position.quantity == Quantity.from_int(filled)
    venue_positions = signed(node.sim, "GET", "/v2/positions/margined")
    assert [int(p["size"]) for p in venue_positions if int(p["product_id"]) == PRODUCT_ID] == [filled]


def test_batch_rejects_only_the_order_delta_did_not_process(node: Node) -> None:
    strategy = node.strategy
    bid, ask = node.top()
    factory = strategy.order_factory
    good = [factory.limit(BTCUSD, OrderSide.BUY, Quantity.from_int(1), price(bid - FAR - TICK * i)) for i in range(2)]
    crossing = factory.limit(BTCUSD, OrderSide.BUY, Quantity.from_int(1), price(ask + TICK * 2), post_only=True)
    strategy.submit_order_list(factory.create_list([good[0], crossing, good[1]]))
    for order in good:
        node.wait(lambda order=order: node.status(order) == OrderStatus.ACCEPTED, "batch order accepted")
    node.wait(lambda: node.status(crossing) == OrderStatus.REJECTED, "crossing post-only rejected")
    rejected = [e for e in strategy.events if isinstance(e, OrderRejected)]
    assert len(rejected) == 1 and rejected[0].due_post_only and "post_only" in rejected[0].reason
    assert len(node.open_orders()) == 2


def test_bracket_legs_take_delta_leg_ids_after_the_entry_fills(node: Node) -> None:
    strategy = node.strategy
    _, ask = node.top()
    order_list = strategy.order_factory.bracket(
        instrument_id=BTCUSD,
        order_side=OrderSide.BUY,
        quantity=Quantity.from_int(2),
        entry_order_type=OrderType.LIMIT,
        entry_price=price(ask + TICK * 2),
        tp_price=price(ask + FAR),
        sl_trigger_price=price(ask - FAR),
    )
    entry, stop_loss, take_profit = order_list.orders
    strategy.submit_order_list(order_list)
    node.wait(lambda: node.status(entry) == OrderStatus.FILLED, "entry filled")
    node.wait(lambda: len(node.open_orders()) == 2, "both legs live on the venue")
    legs = {o["stop_order_type"]: str(o["id"]) for o in node.open_orders()}

    def venue_id(order: Order) -> str:
        return node.cache.order(order.client_order_id).venue_order_id.value

    node.wait(lambda: venue_id(stop_loss) == legs["stop_loss_order"], "stop-loss linked to its leg")
    node.wait(lambda: venue_id(take_profit) == legs["take_profit_order"], "take-profit linked to its leg")
    for child in (stop_loss, take_profit):
        assert strategy.names(child.client_order_id) == [*ACCEPTED, "OrderUpdated"]
    strategy.cancel_all_orders(BTCUSD)
    for child in (stop_loss, take_profit):
        node.wait(lambda child=child: node.status(child) == OrderStatus.CANCELED, "leg canceled")
    assert node.open_orders() == []


def exec_client(node: Node) -> Any:
    return next(iter(node.node.kernel.exec_engine._clients.values()))


def test_fill_during_a_socket_restart_is_emitted_exactly_once(node: Node) -> None:
    strategy = node.strategy
    book = node.sim.book("BTCUSD")
    ask, ask_size = Decimal(book["a"][0][0]), int(book["a"][0][1])
    order = strategy.order_factory.limit(BTCUSD, OrderSide.SELL, Quantity.from_int(2), price(ask))
    strategy.submit_order(order)
    node.wait(lambda: node.status(order) == OrderStatus.ACCEPTED, "accepted")
    client = exec_client(node)
    before = client.reconciliations
    node.sim.restart()
    node.sim.trade("BTCUSD", "buy", ask_size + 2)
    node.wait(lambda: node.status(order) == OrderStatus.FILLED, "filled")
    node.wait(lambda: client.reconciliations > before, "reconciliation after the reconnect")
    venue_fills = signed(node.sim, "GET", "/v2/fills", f"?product_ids={PRODUCT_ID}")
    fills = strategy.fills(order.client_order_id)
    assert sorted(f.trade_id.value for f in fills) == sorted(str(f["id"]) for f in venue_fills)
    assert strategy.names(order.client_order_id) == [*ACCEPTED] + ["OrderFilled"] * len(venue_fills)
    assert all(f.liquidity_side == LiquiditySide.MAKER for f in fills)
    (position,) = node.cache.positions_open(instrument_id=BTCUSD)
    assert position.side == PositionSide.SHORT and position.quantity == Quantity.from_int(2)


def test_private_sequence_gap_reconciles_without_duplicates(node: Node) -> None:
    strategy = node.strategy
    bid, _ = node.top()
    client = exec_client(node)
    before = client.reconciliations
    node.sim.set_faults(skip_private_seq=1)
    first = strategy.order_factory.limit(BTCUSD, OrderSide.BUY, Quantity.from_int(1), price(bid - FAR))
    strategy.submit_order(first)
    node.wait(lambda: node.status(first) == OrderStatus.ACCEPTED, "accepted from the REST reply")
    second = strategy.order_factory.limit(BTCUSD, OrderSide.BUY, Quantity.from_int(1), price(bid - FAR - TICK))
    strategy.submit_order(second)
    node.wait(lambda: node.status(second) == OrderStatus.ACCEPTED, "second accepted")
    node.wait(lambda: client.reconciliations > before, "reconciliation after the gap")
    strategy.cancel_all_orders(BTCUSD)
    for order in (first, second):
        node.wait(lambda order=order: node.status(order) == OrderStatus.CANCELED, "canceled")
        names = strategy.names(order.client_order_id)
        assert names[:3] == ACCEPTED and names[-1] == "OrderCanceled"
        assert names.count("OrderAccepted") == 1 and names.count("OrderCanceled") == 1
    assert node.open_orders() == []


def test_external_order_is_adopted_and_filled_exactly_once(node: Node) -> None:
    book = node.sim.book("BTCUSD")
    ask, ask_size = Decimal(book["a"][0][0]), int(book["a"][0][1])
    placed = signed(
        node.sim,
        "POST",
        "/v2/orders",
        body={
            "product_id": PRODUCT_ID,
            "size": 2,
            "side": "sell",
            "order_type": "limit_order",
            "limit_price": str(ask),
        },
    )
    venue_id = str(placed["id"])

    def cached() -> Any:
        client_order_id = node.cache.client_order_id(VenueOrderId(venue_id))
        return node.cache.order(client_order_id) if client_order_id is not None else None

    node.wait(lambda: cached() is not None and cached().status == OrderStatus.ACCEPTED, "external order adopted")
    node.sim.trade("BTCUSD", "buy", ask_size + 2)
    node.wait(lambda: cached().status == OrderStatus.FILLED, "external order filled")
    venue_fills = signed(node.sim, "GET", "/v2/fills", f"?product_ids={PRODUCT_ID}")
    assert sorted(t.value for t in cached().trade_ids) == sorted(str(f["id"]) for f in venue_fills)
    assert cached().filled_qty == Quantity.from_int(2)


def test_bracket_before_the_entry_fills_edits_delta_bracket_and_cancels_with_the_entry(node: Node) -> None:
    strategy = node.strategy
    bid, _ = node.top()
    order_list = strategy.order_factory.bracket(
        instrument_id=BTCUSD,
        order_side=OrderSide.BUY,
        quantity=Quantity.from_int(1),
        entry_order_type=OrderType.LIMIT,
        entry_price=price(bid - FAR),
        tp_price=price(bid),
        sl_trigger_price=price(bid - FAR * 2),
    )
    entry, stop_loss, take_profit = order_list.orders
    strategy.submit_order_list(order_list)
    for order in order_list.orders:
        node.wait(lambda order=order: node.status(order) == OrderStatus.ACCEPTED, "bracket order accepted")
    entry_id = node.cache.order(entry.client_order_id).venue_order_id.value
    assert node.cache.order(stop_loss.client_order_id).venue_order_id.value == f"{entry_id}-SL"
    new_trigger = price(bid - FAR * 2 + TICK * 10)
    strategy.modify_order(stop_loss, trigger_price=new_trigger)
    node.wait(lambda: node.cache.order(stop_loss.client_order_id).trigger_price == new_trigger, "stop-loss moved")
    venue_entry = signed(node.sim, "GET", f"/v2/orders/{entry_id}")
    assert Decimal(venue_entry["bracket_stop_loss_price"]) == new_trigger.as_decimal()
    strategy.cancel_order(entry)
    for order in order_list.orders:
        node.wait(lambda order=order: node.status(order) == OrderStatus.CANCELED, "bracket canceled")
    # Delta places the legs when the entry fills: before that the children live only in the entry's bracket.
    assert strategy.names(take_profit.client_order_id) == [*ACCEPTED, "OrderCanceled"]
    assert node.open_orders() == []
