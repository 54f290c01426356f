"""
Order lifecycles through a ``TradingNode`` with the Delta execution client against delta-sim, one test per
applicable case of Nautilus's execution testing spec (each docstring names its case).

One sim and one node serve the whole module; each test gets its own recording strategy (an ``ExecTester``) and
leaves the account flat. The sim's market generator is paused, so books move only through the tests' own
orders and every price, size, fill and commission is known before the order is sent.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from decimal import Decimal
from typing import Any

import pandas as pd
import pytest
from nautilus_trader.model.enums import (
    LiquiditySide,
    OrderSide,
    OrderStatus,
    OrderType,
    PositionSide,
    TimeInForce,
    TrailingOffsetType,
    TriggerType,
)
from nautilus_trader.model.events import OrderDenied, OrderFilled, OrderRejected, OrderUpdated
from nautilus_trader.model.objects import Price
from nautilus_trader.model.orders import Order

from delta_exchange.sim import DeltaSim
from exec_harness import (
    BTCUSD,
    SIM_ARGS,
    ExecNode,
    Recorder,
    commission,
    first_option,
    px,
    qty,
    recorder_config,
    ticks,
)

pytestmark = pytest.mark.sim

ACCEPTED = ["OrderInitialized", "OrderSubmitted", "OrderAccepted"]
FILLED = [*ACCEPTED, "OrderFilled"]
DENIED = ["OrderInitialized", "OrderDenied"]
REJECTED = ["OrderInitialized", "OrderSubmitted", "OrderRejected"]
FAR = ticks(500)  # ExecTester's default tob_offset_ticks: far from the market


@pytest.fixture(scope="module")
def node() -> Iterator[ExecNode]:
    """One node on one sim whose market stands still, with BTCUSD and the first call option loaded."""
    with DeltaSim(rate=50, seed=11, extra_args=list(SIM_ARGS)) as sim:
        sim.set_faults(pause_market=True)
        option = first_option(sim)
        running = ExecNode(sim, instruments=(BTCUSD, option)).start()
        try:
            yield running
        finally:
            running.stop()


@pytest.fixture
def tester(node: ExecNode) -> Iterator[Callable[..., Recorder]]:
    """Make recording strategies; afterwards stop them (cancel, close) and check the account is flat on the sim."""
    made: list[Recorder] = []

    def make(**overrides: Any) -> Recorder:
        strategy = node.add(Recorder(recorder_config(**overrides)))
        made.append(strategy)
        return strategy

    yield make
    for strategy in made:
        if strategy.is_running:
            node.stop_strategy(strategy)
        node.remove(strategy)
    leftovers = (node.truth.open_orders(None), node.truth.open_positions())
    if leftovers != ([], {}):
        node.truth.flatten()
        node.wait_sim(lambda t: t.open_orders() == [] and t.position_size() == 0, "sim flattened")
        pytest.fail(f"test left orders or a position on the sim: {leftovers}")
    node.assert_matches_sim()


def submit(strategy: Recorder, order: Order, **kwargs: Any) -> Order:
    strategy.submit_order(order, **kwargs)
    return order


def only_fill(strategy: Recorder, order: Order) -> OrderFilled:
    fills = strategy.fills(order.client_order_id)
    assert len(fills) == 1, fills
    return fills[0]


def assert_taker_fill(node: ExecNode, fill: OrderFilled, size: int, price: Decimal) -> None:
    """One taker fill of ``size`` at ``price``: commission, trade id and liquidity as the sim booked it."""
    assert fill.last_qty == qty(size)
    assert fill.last_px == px(price)
    assert fill.liquidity_side == LiquiditySide.TAKER
    assert fill.commission == commission(size, price, LiquiditySide.TAKER)
    venue_fills = node.truth.fills(fill.venue_order_id.value)
    assert [str(f["id"]) for f in venue_fills] == [fill.trade_id.value]
    assert Decimal(venue_fills[0]["price"]) == price and int(venue_fills[0]["size"]) == size
    assert venue_fills[0]["role"] == "taker"


def venue_order(node: ExecNode, order: Order) -> dict[str, Any]:
    cached = node.order(order.client_order_id)
    assert cached.venue_order_id is not None
    return node.truth.order(cached.venue_order_id.value)


def test_smoke_exec_tester(node: ExecNode, tester: Callable[..., Recorder]) -> None:
    """The spec's basic smoke test with ExecTester's own flow: a market order opens a position on start, two
    post-only limits quote 500 ticks off the touch, and the stop cancels them and closes the position."""
    strategy = tester(
        open_position_on_start_qty=Decimal(1),
        enable_buys=True,
        enable_sells=True,
        use_post_only=True,
        subscribe_quotes=True,
    )
    node.wait(lambda: strategy.buy_order is not None and strategy.sell_order is not None, "both limit orders")
    for order in (strategy.buy_order, strategy.sell_order):
        node.wait_events(strategy, order, ACCEPTED)
        assert order.is_post_only
    (opening,) = [o for o in node.cache.orders(strategy_id=strategy.id) if o.order_type == OrderType.MARKET]
    node.wait_events(strategy, opening, FILLED)
    node.assert_matches_sim()
    node.stop_strategy(strategy)
    assert [o for o in node.cache.orders(strategy_id=strategy.id) if o.is_open] == []
    assert node.truth.open_orders() == [] and node.truth.position_size() == 0
    assert [e for e in strategy.events if isinstance(e, OrderRejected | OrderDenied)] == []


# -- group 1: market orders ------------------------------------------------------------------------------------------


def test_tc_e01_market_buy_opens_long(node: ExecNode, tester: Callable[..., Recorder]) -> None:
    """TC-E01 (and TC-E80): market BUY on start fills at the best ask; LONG position; account state updated."""
    top = node.truth.top()
    accounts_before = len(node.account().events)
    strategy = tester(order_qty=Decimal(10), open_position_on_start_qty=Decimal(10))
    node.wait(lambda: len(strategy.fills()) == 1, "the opening fill")
    (order,) = node.cache.orders(strategy_id=strategy.id)
    node.wait_events(strategy, order, FILLED)
    assert order.order_type == OrderType.MARKET and order.side == OrderSide.BUY
    assert_taker_fill(node, only_fill(strategy, order), 10, top.ask)
    (position,) = node.cache.positions_open(strategy_id=strategy.id)
    assert position.side == PositionSide.LONG and position.quantity == qty(10)
    assert position.avg_px_open == float(top.ask)
    assert node.truth.position_size() == 10
    node.assert_matches_sim()
    assert len(node.account().events) > accounts_before


def test_tc_e02_market_sell_opens_short(node: ExecNode, tester: Callable[..., Recorder]) -> None:
    """TC-E02: market SELL on start fills at the best bid; SHORT position."""
    top = node.truth.top()
    strategy = tester(order_qty=Decimal(10), open_position_on_start_qty=Decimal(-10))
    node.wait(lambda: len(strategy.fills()) == 1, "the opening fill")
    (order,) = node.cache.orders(strategy_id=strategy.id)
    node.wait_events(strategy, order, FILLED)
    assert_taker_fill(node, only_fill(strategy, order), 10, top.bid)
    (position,) = node.cache.positions_open(strategy_id=strategy.id)
    assert position.side == PositionSide.SHORT and position.quantity == qty(10)
    assert node.truth.position_size() == -10
    node.assert_matches_sim()


def test_tc_e03_market_ioc(node: ExecNode, tester: Callable[..., Recorder]) -> None:
    """TC-E03: a market order with IOC time in force fills like TC-E01."""
    top = node.truth.top()
    strategy = tester(
        order_qty=Decimal(3),
        open_position_on_start_qty=Decimal(3),
        open_position_time_in_force=TimeInForce.IOC,
    )
    node.wait(lambda: len(strategy.fills()) == 1, "the opening fill")
    (order,) = node.cache.orders(strategy_id=strategy.id)
    node.wait_events(strategy, order, FILLED)
    assert order.time_in_force == TimeInForce.IOC
    assert_taker_fill(node, only_fill(strategy, order), 3, top.ask)
    assert venue_order(node, order)["time_in_force"] == "ioc"


def test_tc_e04_market_fok_denied(node: ExecNode, tester: Callable[..., Recorder]) -> None:
    """TC-E04: FOK is not supported by Delta (removed): OrderDenied before anything is sent, saying what to use."""
    received = node.sim.stats()["orders_received"]
    strategy = tester(open_position_on_start_qty=Decimal(1), open_position_time_in_force=TimeInForce.FOK)
    node.wait(lambda: any(isinstance(e, OrderDenied) for e in strategy.events), "OrderDenied")
    (order,) = node.cache.orders(strategy_id=strategy.id)
    node.wait_events(strategy, order, DENIED)
    reason = strategy.order_events(order.client_order_id)[-1].reason
    assert "FOK" in reason and "GTC" in reason and "IOC" in reason
    assert node.sim.stats()["orders_received"] == received


def test_tc_e05_quote_quantity_denied(node: ExecNode, tester: Callable[..., Recorder]) -> None:
    """TC-E05: quote-currency quantities are not supported (Delta sizes are contracts): OrderDenied."""
    received = node.sim.stats()["orders_received"]
    strategy = tester(
        order_qty=Decimal(100),
        open_position_on_start_qty=Decimal(100),
        use_quote_quantity=True,
    )
    node.wait(lambda: any(isinstance(e, OrderDenied) for e in strategy.events), "OrderDenied")
    (order,) = node.cache.orders(strategy_id=strategy.id)
    node.wait_events(strategy, order, DENIED)
    assert "quote" in strategy.order_events(order.client_order_id)[-1].reason.lower()
    assert node.sim.stats()["orders_received"] == received


def test_tc_e06_e61_e82_close_position_on_stop_reduce_only(node: ExecNode, tester: Callable[..., Recorder]) -> None:
    """TC-E06/TC-E61/TC-E82: on stop the position closes with a reduce-only market SELL; net position 0."""
    strategy = tester(order_qty=Decimal(4), open_position_on_start_qty=Decimal(4))
    node.wait(lambda: len(strategy.fills()) == 1, "the opening fill")
    top = node.truth.top()
    node.stop_strategy(strategy)
    orders = node.cache.orders(strategy_id=strategy.id)
    closing = next(o for o in orders if o.side == OrderSide.SELL)
    assert closing.order_type == OrderType.MARKET and closing.is_reduce_only
    assert node.cached_names(closing) == FILLED
    assert closing.avg_px == float(top.bid) and closing.filled_qty == qty(4)
    assert venue_order(node, closing)["reduce_only"] in (True, "true")
    assert node.cache.positions_open(strategy_id=strategy.id) == []
    assert node.truth.position_size() == 0
    node.assert_matches_sim()


def test_maker_partial_fills_with_maker_commission(node: ExecNode, tester: Callable[..., Recorder]) -> None:
    """A resting BUY 5 is hit by synthetic sellers (`/sim/trade`) for 3 then 2: two MAKER fills at its price,
    PARTIALLY_FILLED then FILLED, maker commission on each, trade ids as the venue booked them."""
    strategy = tester()
    top = node.truth.top()
    inside = top.ask - top.bid > ticks(1)
    price = top.bid + ticks(1) if inside else top.bid
    ahead = 0 if inside else top.bid_size
    order = submit(strategy, strategy.limit(OrderSide.BUY, 5, price, post_only=True))
    node.wait_events(strategy, order, ACCEPTED)
    node.sim.trade("BTCUSD", "sell", ahead + 3)
    node.wait_status(order, OrderStatus.PARTIALLY_FILLED)
    node.sim.trade("BTCUSD", "sell", 2)
    node.wait_events(strategy, order, [*ACCEPTED, "OrderFilled", "OrderFilled"])
    fills = strategy.fills(order.client_order_id)
    assert [int(f.last_qty) for f in fills] == [3, 2]
    assert all(f.last_px == px(price) and f.liquidity_side == LiquiditySide.MAKER for f in fills)
    assert [f.commission for f in fills] == [commission(n, price, LiquiditySide.MAKER) for n in (3, 2)]
    venue_fills = node.truth.fills(fills[0].venue_order_id.value)
    assert [str(f["id"]) for f in venue_fills] == [f.trade_id.value for f in fills]
    assert all(f["role"] == "maker" for f in venue_fills)
    assert node.truth.position_size() == 5
    node.assert_matches_sim()


# -- group 2: limit orders -------------------------------------------------------------------------------------------


def assert_resting(node: ExecNode, order: Order, side: str, size: int, price: Decimal) -> dict[str, Any]:
    """The order rests on the sim with these fields and is ACCEPTED in the cache."""
    assert node.order(order.client_order_id).status == OrderStatus.ACCEPTED
    record = venue_order(node, order)
    assert (record["side"], int(record["size"]), int(record["unfilled_size"]), record["state"]) == (
        side,
        size,
        size,
        "open",
    )
    assert Decimal(record["limit_price"]) == price
    return record


def test_tc_e10_limit_buy_gtc(node: ExecNode, tester: Callable[..., Recorder]) -> None:
    """TC-E10: Limit BUY GTC below the bid is accepted and rests on the venue."""
    strategy = tester()
    price = node.truth.top().bid - FAR
    order = submit(strategy, strategy.limit(OrderSide.BUY, 2, price))
    node.wait_events(strategy, order, ACCEPTED)
    record = assert_resting(node, order, "buy", 2, price)
    assert record["time_in_force"] == "gtc"
    assert node.order(order.client_order_id).venue_order_id.value == str(record["id"])
    node.assert_matches_sim()


def test_tc_e11_limit_sell_gtc(node: ExecNode, tester: Callable[..., Recorder]) -> None:
    """TC-E11: Limit SELL GTC above the ask is accepted and rests on the venue."""
    strategy = tester()
    price = node.truth.top().ask + FAR
    order = submit(strategy, strategy.limit(OrderSide.SELL, 2, price))
    node.wait_events(strategy, order, ACCEPTED)
    assert_resting(node, order, "sell", 2, price)
    node.assert_matches_sim()


def test_tc_e12_e41_e81_limit_pair_then_cancel_all_on_stop(node: ExecNode, tester: Callable[..., Recorder]) -> None:
    """TC-E12 then TC-E41/TC-E81: ExecTester quotes both sides from the market; its stop cancels both."""
    top = node.truth.top()
    strategy = tester(enable_buys=True, enable_sells=True, subscribe_quotes=True)
    node.wait(lambda: strategy.buy_order is not None and strategy.sell_order is not None, "both limit orders")
    buy, sell = strategy.buy_order, strategy.sell_order
    node.wait_events(strategy, buy, ACCEPTED)
    node.wait_events(strategy, sell, ACCEPTED)
    assert buy.price == px(top.bid - FAR) and sell.price == px(top.ask + FAR)
    assert len(node.truth.open_orders()) == 2
    node.assert_matches_sim()
    node.stop_strategy(strategy)
    for order in (buy, sell):
        assert node.cached_names(order) == [*ACCEPTED, "OrderPendingCancel", "OrderCanceled"]
        assert venue_order(node, order)["state"] == "cancelled"
    assert node.truth.open_orders() == []


def test_tc_e13_limit_ioc_aggressive_fills(node: ExecNode, tester: Callable[..., Recorder]) -> None:
    """TC-E13: Limit IOC BUY above the ask fills at the ask at once."""
    strategy = tester()
    top = node.truth.top()
    order = submit(strategy, strategy.limit(OrderSide.BUY, 5, top.ask + ticks(2), time_in_force=TimeInForce.IOC))
    node.wait_events(strategy, order, FILLED)
    assert_taker_fill(node, only_fill(strategy, order), 5, top.ask)
    node.assert_matches_sim()


def test_tc_e14_limit_ioc_passive_cancels(node: ExecNode, tester: Callable[..., Recorder]) -> None:
    """TC-E14: Limit IOC BUY far below the market is cancelled with no fill (OrderCanceled, not expired).

    Delta answers an IOC that cannot fill at all with the error `order_size_exceed_available` and keeps no order
    (REFERENCE 8), so there is no venue order id to accept: the sequence is Submitted -> Canceled, without the
    spec's OrderAccepted, and the venue holds nothing.
    """
    strategy = tester()
    received = node.sim.stats()["orders_received"]
    order = submit(
        strategy, strategy.limit(OrderSide.BUY, 5, node.truth.top().bid - FAR, time_in_force=TimeInForce.IOC)
    )
    node.wait_events(strategy, order, ["OrderInitialized", "OrderSubmitted", "OrderCanceled"])
    assert strategy.fills(order.client_order_id) == []
    assert node.sim.stats()["orders_received"] == received + 1
    assert node.truth.open_orders() == []


@pytest.mark.parametrize(
    ("case", "time_in_force", "word"),
    [
        ("TC-E15/TC-E16 FOK", TimeInForce.FOK, "FOK"),
        ("TC-E17/TC-E18 GTD", TimeInForce.GTD, "GTD"),
        ("TC-E19 DAY", TimeInForce.DAY, "DAY"),
    ],
)
def test_tc_e15_e17_e19_unsupported_limit_tif_denied(
    node: ExecNode,
    tester: Callable[..., Recorder],
    case: str,
    time_in_force: TimeInForce,
    word: str,
) -> None:
    """TC-E15..E19 (and TC-E73): Delta takes GTC and IOC only; FOK, GTD and DAY limits are denied locally."""
    received = node.sim.stats()["orders_received"]
    strategy = tester()
    extra: dict[str, Any] = {}
    if time_in_force == TimeInForce.GTD:
        extra["expire_time"] = node.node.kernel.clock.utc_now() + pd.Timedelta(minutes=60)
    order = submit(
        strategy, strategy.limit(OrderSide.BUY, 1, node.truth.top().bid - FAR, time_in_force=time_in_force, **extra)
    )
    node.wait_events(strategy, order, DENIED)
    reason = strategy.order_events(order.client_order_id)[-1].reason
    assert word in reason and "GTC" in reason, (case, reason)
    assert node.sim.stats()["orders_received"] == received


# -- group 3: stop and conditional orders ----------------------------------------------------------------------------


def conditional(strategy: Recorder, kind: OrderType, side: OrderSide, trigger: Decimal, limit: Decimal | None) -> Order:
    factory = strategy.order_factory
    common = {"trigger_type": TriggerType.LAST_PRICE}
    if kind == OrderType.STOP_MARKET:
        return factory.stop_market(BTCUSD, side, qty(1), px(trigger), **common)
    if kind == OrderType.STOP_LIMIT:
        return factory.stop_limit(BTCUSD, side, qty(1), px(limit), px(trigger), **common)
    if kind == OrderType.MARKET_IF_TOUCHED:
        return factory.market_if_touched(BTCUSD, side, qty(1), px(trigger), **common)
    return factory.limit_if_touched(BTCUSD, side, qty(1), px(limit), px(trigger), **common)


STOP_CASES = [
    # case, type, side, trigger offset from the touch (ticks, + = above), limit offset from the trigger, Delta type
    ("TC-E20", OrderType.STOP_MARKET, OrderSide.BUY, 100, None, "stop_loss_order"),
    ("TC-E21", OrderType.STOP_MARKET, OrderSide.SELL, -100, None, "stop_loss_order"),
    ("TC-E22", OrderType.STOP_LIMIT, OrderSide.BUY, 100, 50, "stop_loss_order"),
    ("TC-E23", OrderType.STOP_LIMIT, OrderSide.SELL, -100, -50, "stop_loss_order"),
    ("TC-E24", OrderType.MARKET_IF_TOUCHED, OrderSide.BUY, -100, None, "take_profit_order"),
    ("TC-E25", OrderType.MARKET_IF_TOUCHED, OrderSide.SELL, 100, None, "take_profit_order"),
    ("TC-E26", OrderType.LIMIT_IF_TOUCHED, OrderSide.BUY, -100, -50, "take_profit_order"),
    ("TC-E27", OrderType.LIMIT_IF_TOUCHED, OrderSide.SELL, 100, 50, "take_profit_order"),
]


@pytest.mark.parametrize("case", STOP_CASES, ids=[c[0] for c in STOP_CASES])
def test_tc_e20_e27_conditional_orders_accepted(
    node: ExecNode,
    tester: Callable[..., Recorder],
    case: tuple[str, OrderType, OrderSide, int, int | None, str],
) -> None:
    """TC-E20..TC-E27: stop-market, stop-limit, MIT and LIT on both sides are accepted and wait untriggered."""
    name, kind, side, offset, limit_offset, stop_type = case
    strategy = tester()
    top = node.truth.top()
    touch = top.ask if offset > 0 else top.bid
    trigger = touch + ticks(offset)
    limit = None if limit_offset is None else trigger + ticks(limit_offset)
    order = submit(strategy, conditional(strategy, kind, side, trigger, limit))
    node.wait_events(strategy, order, ACCEPTED)
    record = venue_order(node, order)
    assert record["stop_order_type"] == stop_type, name
    assert Decimal(record["stop_price"]) == trigger
    assert record["side"] == ("buy" if side == OrderSide.BUY else "sell")
    assert record["order_type"] == ("limit_order" if limit is not None else "market_order")
    if limit is not None:
        assert Decimal(record["limit_price"]) == limit
    assert record["stop_trigger_method"] == "last_traded_price"
    assert record["state"] in ("pending", "open")
    node.assert_matches_sim()


def test_tc_e22_stop_limit_triggers_and_fills(node: ExecNode, tester: Callable[..., Recorder]) -> None:
    """TC-E22 triggered: a stop-limit BUY at the second ask triggers when our own buy trades there, then fills."""
    strategy = tester()
    book = node.sim.book("BTCUSD")
    (ask1, size1), (ask2, _) = [(Decimal(p), int(s)) for p, s in book["a"][:2]]
    stop = submit(strategy, conditional(strategy, OrderType.STOP_LIMIT, OrderSide.BUY, ask2, ask2 + ticks(4)))
    node.wait_events(strategy, stop, ACCEPTED)
    sweep = submit(strategy, strategy.market(OrderSide.BUY, size1 + 1))
    node.wait_events(
        strategy, sweep, ["OrderInitialized", "OrderSubmitted", "OrderAccepted", "OrderFilled", "OrderFilled"]
    )
    node.wait_events(strategy, stop, [*ACCEPTED, "OrderTriggered", "OrderFilled"])
    fill = only_fill(strategy, stop)
    assert fill.last_qty == qty(1) and fill.last_px.as_decimal() <= ask2 + ticks(4)
    node.assert_matches_sim()
    assert ask1 < ask2


def test_trailing_stop_accepted_and_triggered(node: ExecNode, tester: Callable[..., Recorder]) -> None:
    """Trailing stop (trail_amount): after a buy at the ask sets the last price, a SELL trailing 1 tick is accepted
    (untriggered), then our sell through the first bid level drops the last price more than the trail: it
    triggers and fills once."""
    strategy = tester()
    lift = submit(strategy, strategy.market(OrderSide.BUY, 1))
    node.wait_events(strategy, lift, FILLED)
    trail = strategy.order_factory.trailing_stop_market(
        BTCUSD,
        OrderSide.SELL,
        qty(1),
        trailing_offset=ticks(1),
        trailing_offset_type=TrailingOffsetType.PRICE,
        trigger_type=TriggerType.LAST_PRICE,
    )
    submit(strategy, trail)
    node.wait_events(strategy, trail, ACCEPTED)
    record = venue_order(node, trail)
    assert Decimal(record["trail_amount"]).copy_abs() == ticks(1)
    assert record["state"] == "pending"
    (bid1, size1), (bid2, _) = [(Decimal(p), int(s)) for p, s in node.sim.book("BTCUSD")["b"][:2]]
    sweep = submit(strategy, strategy.market(OrderSide.SELL, size1 + 1))
    node.wait_events(strategy, sweep, [*FILLED, "OrderFilled"])
    node.wait_status(trail, OrderStatus.FILLED)
    assert node.cached_names(trail)[:3] == ACCEPTED and node.cached_names(trail)[-1] == "OrderFilled"
    assert node.cached_names(trail).count("OrderFilled") == 1
    fill = only_fill(strategy, trail)
    assert fill.last_px.as_decimal() <= bid2 < bid1
    node.assert_matches_sim()


# -- group 4: modification -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("case", "side"), [("TC-E30", OrderSide.BUY), ("TC-E31", OrderSide.SELL)])
def test_tc_e30_e31_modify_limit_price(
    node: ExecNode, tester: Callable[..., Recorder], case: str, side: OrderSide
) -> None:
    """TC-E30/TC-E31: modify an open limit's price: OrderPendingUpdate -> OrderUpdated; same Delta order, new
    price on the venue."""
    strategy = tester()
    top = node.truth.top()
    price = top.bid - FAR if side == OrderSide.BUY else top.ask + FAR
    new_price = price + ticks(10) if side == OrderSide.BUY else price - ticks(10)
    order = submit(strategy, strategy.limit(side, 2, price))
    node.wait_events(strategy, order, ACCEPTED)
    venue_id = node.order(order.client_order_id).venue_order_id
    strategy.modify_order(order, price=px(new_price))
    node.wait_events(strategy, order, [*ACCEPTED, "OrderPendingUpdate", "OrderUpdated"])
    updated = strategy.order_events(order.client_order_id)[-1]
    assert isinstance(updated, OrderUpdated) and updated.price == px(new_price), case
    assert node.order(order.client_order_id).venue_order_id == venue_id
    assert Decimal(venue_order(node, order)["limit_price"]) == new_price
    node.assert_matches_sim()


@pytest.mark.parametrize(("case", "side"), [("TC-E32", OrderSide.BUY), ("TC-E33", OrderSide.SELL)])
def test_tc_e32_e33_cancel_replace_limit(
    node: ExecNode, tester: Callable[..., Recorder], case: str, side: OrderSide
) -> None:
    """TC-E32/TC-E33: cancel an open limit and submit its replacement: two orders, the first CANCELED."""
    strategy = tester()
    top = node.truth.top()
    price = top.bid - FAR if side == OrderSide.BUY else top.ask + FAR
    first = submit(strategy, strategy.limit(side, 2, price))
    node.wait_events(strategy, first, ACCEPTED)
    strategy.cancel_order(first)
    second = submit(strategy, strategy.limit(side, 2, price + (ticks(4) if side == OrderSide.BUY else -ticks(4))))
    node.wait_events(strategy, first, [*ACCEPTED, "OrderPendingCancel", "OrderCanceled"])
    node.wait_events(strategy, second, ACCEPTED)
    assert [str(o["id"]) for o in node.truth.open_orders()] == [node.order(second.client_order_id).venue_order_id.value]
    node.assert_matches_sim()


def test_tc_e34_modify_stop_trigger(node: ExecNode, tester: Callable[..., Recorder]) -> None:
    """TC-E34: modify a stop-market's trigger price: OrderPendingUpdate -> OrderUpdated with the new trigger."""
    strategy = tester()
    trigger = node.truth.top().ask + ticks(100)
    order = submit(strategy, conditional(strategy, OrderType.STOP_MARKET, OrderSide.BUY, trigger, None))
    node.wait_events(strategy, order, ACCEPTED)
    strategy.modify_order(order, trigger_price=px(trigger + ticks(20)))
    node.wait_events(strategy, order, [*ACCEPTED, "OrderPendingUpdate", "OrderUpdated"])
    assert strategy.order_events(order.client_order_id)[-1].trigger_price == px(trigger + ticks(20))
    assert Decimal(venue_order(node, order)["stop_price"]) == trigger + ticks(20)
    node.assert_matches_sim()


def test_tc_e35_cancel_replace_stop(node: ExecNode, tester: Callable[..., Recorder]) -> None:
    """TC-E35: cancel a stop and submit it again at a new trigger: exactly one stop remains on the venue."""
    strategy = tester()
    trigger = node.truth.top().bid - ticks(100)
    first = submit(strategy, conditional(strategy, OrderType.STOP_MARKET, OrderSide.SELL, trigger, None))
    node.wait_events(strategy, first, ACCEPTED)
    strategy.cancel_order(first)
    second = submit(strategy, conditional(strategy, OrderType.STOP_MARKET, OrderSide.SELL, trigger - ticks(10), None))
    node.wait_events(strategy, first, [*ACCEPTED, "OrderPendingCancel", "OrderCanceled"])
    node.wait_events(strategy, second, ACCEPTED)
    (remaining,) = node.truth.open_orders()
    assert Decimal(remaining["stop_price"]) == trigger - ticks(10)
    node.assert_matches_sim()


# -- group 5: cancellation -------------------------------------------------------------------------------------------


def test_tc_e40_cancel_single_limit(node: ExecNode, tester: Callable[..., Recorder]) -> None:
    """TC-E40: cancel one open limit: OrderPendingCancel -> OrderCanceled with its venue order id."""
    strategy = tester()
    order = submit(strategy, strategy.limit(OrderSide.BUY, 1, node.truth.top().bid - FAR))
    node.wait_events(strategy, order, ACCEPTED)
    venue_id = node.order(order.client_order_id).venue_order_id
    strategy.cancel_order(order)
    node.wait_events(strategy, order, [*ACCEPTED, "OrderPendingCancel", "OrderCanceled"])
    assert strategy.order_events(order.client_order_id)[-1].venue_order_id == venue_id
    assert node.truth.open_orders() == []


@pytest.mark.parametrize(
    ("case", "switch"),
    [("TC-E42", "use_individual_cancels_on_stop"), ("TC-E43", "use_batch_cancel_on_stop")],
)
def test_tc_e42_e43_cancels_on_stop(node: ExecNode, tester: Callable[..., Recorder], case: str, switch: str) -> None:
    """TC-E42/TC-E43: on stop, individual cancels (or one batch cancel) cancel every open order."""
    strategy = tester(**{switch: True})
    top = node.truth.top()
    orders = [submit(strategy, strategy.limit(OrderSide.BUY, 1, top.bid - FAR - ticks(i))) for i in range(2)] + [
        submit(strategy, strategy.limit(OrderSide.SELL, 1, top.ask + FAR))
    ]
    for order in orders:
        node.wait_events(strategy, order, ACCEPTED)
    assert len(node.truth.open_orders()) == 3
    node.stop_strategy(strategy)
    for order in orders:
        assert node.cached_names(order) == [*ACCEPTED, "OrderPendingCancel", "OrderCanceled"], case
    assert node.truth.open_orders() == []


def test_tc_e44_cancel_already_canceled(node: ExecNode, tester: Callable[..., Recorder]) -> None:
    """TC-E44: cancelling an order the venue already cancelled: OrderCancelRejected with Delta's reason."""
    strategy = tester()
    order = submit(strategy, strategy.limit(OrderSide.BUY, 1, node.truth.top().bid - FAR))
    node.wait_events(strategy, order, ACCEPTED)
    strategy.cancel_order(order)
    node.wait_events(strategy, order, [*ACCEPTED, "OrderPendingCancel", "OrderCanceled"])
    command = _cancel_command(node, strategy, order)
    node.client.cancel_order(command)
    node.wait(lambda: "OrderCancelRejected" in strategy.names(order.client_order_id), "OrderCancelRejected")
    rejected = strategy.order_events(order.client_order_id)[-1]
    words = ("open_order_not_found", "not open", "closed", "canceled", "cancelled")
    assert any(word in rejected.reason.lower() for word in words), rejected.reason
    assert node.order(order.client_order_id).status == OrderStatus.CANCELED


def _cancel_command(node: ExecNode, strategy: Recorder, order: Order) -> Any:
    """A ``CancelOrder`` for ``order`` sent straight to the client (the strategy refuses to cancel closed orders)."""
    from nautilus_trader.core.uuid import UUID4  # noqa: PLC0415
    from nautilus_trader.execution.messages import CancelOrder  # noqa: PLC0415

    cached = node.order(order.client_order_id)
    return CancelOrder(
        trader_id=strategy.trader_id,
        strategy_id=strategy.id,
        instrument_id=BTCUSD,
        client_order_id=order.client_order_id,
        venue_order_id=cached.venue_order_id,
        command_id=UUID4(),
        ts_init=node.node.kernel.clock.timestamp_ns(),
    )


# -- group 6: brackets -----------------------------------------------------------------------------------------------


def bracket(strategy: Recorder, side: OrderSide, entry: Decimal, *, post_only: bool = False) -> Any:
    offset = ticks(500)
    sign = 1 if side == OrderSide.BUY else -1
    return strategy.order_factory.bracket(
        instrument_id=BTCUSD,
        order_side=side,
        quantity=qty(2),
        entry_order_type=OrderType.LIMIT,
        entry_price=px(entry),
        entry_post_only=post_only,
        tp_price=px(entry + sign * offset),
        tp_post_only=post_only,
        sl_trigger_price=px(entry - sign * offset),
        sl_trigger_type=TriggerType.LAST_PRICE,
    )


@pytest.mark.parametrize(("case", "side"), [("TC-E50", OrderSide.BUY), ("TC-E51", OrderSide.SELL)])
def test_tc_e50_e51_bracket(node: ExecNode, tester: Callable[..., Recorder], case: str, side: OrderSide) -> None:
    """TC-E50/TC-E51: a bracket (limit entry + TP limit + SL stop) is accepted: all three orders; the venue holds
    the entry with Delta's bracket take-profit and stop-loss fields."""
    strategy = tester()
    top = node.truth.top()
    entry = top.bid - FAR if side == OrderSide.BUY else top.ask + FAR
    order_list = bracket(strategy, side, entry)
    strategy.submit_order_list(order_list)
    entry_order, *legs = order_list.orders
    for order in order_list.orders:
        node.wait_events(strategy, order, ACCEPTED)
    record = venue_order(node, entry_order)
    sign = 1 if side == OrderSide.BUY else -1
    take_profit = record.get("bracket_take_profit_limit_price") or record.get("bracket_take_profit_price")
    assert Decimal(take_profit) == entry + sign * FAR
    assert Decimal(record["bracket_stop_loss_price"]) == entry - sign * FAR, case
    assert len(legs) == 2
    strategy.cancel_order(entry_order)
    node.wait_status(entry_order, OrderStatus.CANCELED)


def test_bracket_legs_modified_before_entry_fills(node: ExecNode, tester: Callable[..., Recorder]) -> None:
    """Bracket legs of a resting entry are modified through Delta's bracket edit: one OrderUpdated each, and the
    entry on the venue carries the new take-profit and stop-loss prices."""
    strategy = tester()
    entry = node.truth.top().bid - FAR
    order_list = bracket(strategy, OrderSide.BUY, entry)
    strategy.submit_order_list(order_list)
    entry_order, sl, tp = order_list.orders  # Nautilus lists entry, stop-loss, take-profit
    for order in order_list.orders:
        node.wait_events(strategy, order, ACCEPTED)
    strategy.modify_order(tp, price=px(entry + FAR + ticks(10)))
    node.wait_events(strategy, tp, [*ACCEPTED, "OrderPendingUpdate", "OrderUpdated"])
    strategy.modify_order(sl, trigger_price=px(entry - FAR - ticks(10)))
    node.wait_events(strategy, sl, [*ACCEPTED, "OrderPendingUpdate", "OrderUpdated"])
    record = venue_order(node, entry_order)
    assert Decimal(record["bracket_take_profit_limit_price"] or record["bracket_take_profit_price"]) == (
        entry + FAR + ticks(10)
    )
    assert Decimal(record["bracket_stop_loss_price"]) == entry - FAR - ticks(10)
    strategy.cancel_order(entry_order)
    node.wait_status(entry_order, OrderStatus.CANCELED)


def test_tc_e52_bracket_entry_fill_activates_tp_sl(node: ExecNode, tester: Callable[..., Recorder]) -> None:
    """TC-E52: the entry crosses and fills; TP (limit SELL) and SL (stop SELL) become live orders on the venue."""
    strategy = tester()
    top = node.truth.top()
    order_list = bracket(strategy, OrderSide.BUY, top.ask + ticks(2))
    strategy.submit_order_list(order_list)
    entry_order, sl, tp = order_list.orders  # Nautilus lists entry, stop-loss, take-profit
    node.wait_events(strategy, entry_order, FILLED)
    assert_taker_fill(node, only_fill(strategy, entry_order), 2, top.ask)
    node.wait_sim(lambda t: len(t.open_orders()) == 2, "TP and SL live on the venue")
    live = {o["stop_order_type"]: o for o in node.truth.open_orders()}
    assert Decimal(live["take_profit_order"]["stop_price"] or live["take_profit_order"]["limit_price"]) > top.ask
    assert Decimal(live["stop_loss_order"]["stop_price"]) == top.ask + ticks(2) - FAR
    for leg in (tp, sl):
        node.wait(lambda leg=leg: node.order(leg.client_order_id).is_open, f"{leg.client_order_id} open")
    node.assert_matches_sim()


def test_tc_e53_bracket_post_only_entry(node: ExecNode, tester: Callable[..., Recorder]) -> None:
    """TC-E53: bracket with a post-only entry and TP: all three accepted, the entry rests on the venue as
    post-only (an edit across the book is refused), the TP is post-only and the SL is not."""
    strategy = tester()
    order_list = bracket(strategy, OrderSide.BUY, node.truth.top().bid - FAR, post_only=True)
    strategy.submit_order_list(order_list)
    entry_order, sl, tp = order_list.orders  # Nautilus lists entry, stop-loss, take-profit
    for order in order_list.orders:
        node.wait_events(strategy, order, ACCEPTED)
    assert (entry_order.is_post_only, tp.is_post_only, sl.is_post_only) == (True, True, False)
    assert_post_only_on_venue(node, strategy, entry_order, ACCEPTED)
    strategy.cancel_order(entry_order)
    node.wait_status(entry_order, OrderStatus.CANCELED)


def assert_post_only_on_venue(node: ExecNode, strategy: Recorder, order: Order, before: list[str]) -> None:
    """Delta's order replies carry no post_only flag; the venue shows it by refusing an edit of the resting BUY
    to the ask (`immediate_execution_post_only`): OrderModifyRejected, the venue price unchanged."""
    price = venue_order(node, order)["limit_price"]
    strategy.modify_order(order, price=px(node.truth.top().ask))
    node.wait_events(strategy, order, [*before, "OrderPendingUpdate", "OrderModifyRejected"])
    assert "post_only" in strategy.order_events(order.client_order_id)[-1].reason
    assert venue_order(node, order)["limit_price"] == price
    assert node.order(order.client_order_id).status == OrderStatus.ACCEPTED


# -- groups 7 and 8: flags and rejections ----------------------------------------------------------------------------


def test_tc_e60_post_only_accepted(node: ExecNode, tester: Callable[..., Recorder]) -> None:
    """TC-E60: a post-only limit away from the touch is accepted as a maker order; the venue holds it post-only."""
    strategy = tester()
    order = submit(strategy, strategy.limit(OrderSide.BUY, 1, node.truth.top().bid - FAR, post_only=True))
    node.wait_events(strategy, order, ACCEPTED)
    assert order.is_post_only
    assert_post_only_on_venue(node, strategy, order, ACCEPTED)


def test_tc_e62_display_quantity_denied(node: ExecNode, tester: Callable[..., Recorder]) -> None:
    """TC-E62: Delta has no iceberg orders: a display quantity is denied locally."""
    strategy = tester()
    order = submit(strategy, strategy.limit(OrderSide.BUY, 10, node.truth.top().bid - FAR, display_qty=qty(1)))
    node.wait_events(strategy, order, DENIED)
    assert "display" in strategy.order_events(order.client_order_id)[-1].reason.lower()


def test_tc_e63_order_params_pass_through(node: ExecNode, tester: Callable[..., Recorder]) -> None:
    """TC-E63: ``params`` of the submit command reach Delta (``mmp`` group, ``cancel_orders_accepted``); an unknown
    param is denied locally with the accepted keys."""
    strategy = tester()
    order = strategy.limit(OrderSide.BUY, 1, node.truth.top().bid - FAR)
    submit(strategy, order, params={"mmp": "mmp2", "cancel_orders_accepted": True})
    node.wait_events(strategy, order, ACCEPTED)
    assert venue_order(node, order)["mmp"] == "mmp2"
    unknown = submit(strategy, strategy.limit(OrderSide.BUY, 1, node.truth.top().bid - FAR), params={"iceberg": 1})
    node.wait_events(strategy, unknown, DENIED)
    reason = strategy.order_events(unknown.client_order_id)[-1].reason
    assert "unsupported order param 'iceberg'" in reason and "cancel_orders_accepted" in reason


def test_tc_e70_post_only_rejected(node: ExecNode, tester: Callable[..., Recorder]) -> None:
    """TC-E70: a post-only BUY at the ask would take liquidity: OrderRejected(due_post_only) with Delta's code."""
    strategy = tester()
    order = submit(strategy, strategy.limit(OrderSide.BUY, 1, node.truth.top().ask, post_only=True))
    node.wait_events(strategy, order, REJECTED)
    rejected = strategy.order_events(order.client_order_id)[-1]
    assert isinstance(rejected, OrderRejected) and rejected.due_post_only
    assert "post_only" in rejected.reason
    assert node.truth.open_orders() == []


def test_tc_e71_reduce_only_rejected(node: ExecNode, tester: Callable[..., Recorder]) -> None:
    """TC-E71: a reduce-only market order with no position: OrderRejected naming no_position_for_reduce_only."""
    strategy = tester()
    assert node.truth.position_size() == 0
    order = submit(strategy, strategy.market(OrderSide.BUY, 1, reduce_only=True))
    node.wait_events(strategy, order, REJECTED)
    assert "no_position_for_reduce_only" in strategy.order_events(order.client_order_id)[-1].reason
    assert node.truth.position_size() == 0


def test_tc_e72_unsupported_order_type_denied(node: ExecNode, tester: Callable[..., Recorder]) -> None:
    """TC-E72: order types Delta lacks (market-to-limit, trailing stop-limit) are denied before submission."""
    strategy = tester()
    received = node.sim.stats()["orders_received"]
    market_to_limit = strategy.order_factory.market_to_limit(BTCUSD, OrderSide.BUY, qty(1))
    trailing_limit = strategy.order_factory.trailing_stop_limit(
        BTCUSD,
        OrderSide.SELL,
        qty(1),
        limit_offset=Decimal(1),
        trailing_offset=Decimal(1),
        trailing_offset_type=TrailingOffsetType.PRICE,
    )
    for order in (market_to_limit, trailing_limit):
        submit(strategy, order)
        node.wait_events(strategy, order, DENIED)
        assert "unsupported" in strategy.order_events(order.client_order_id)[-1].reason.lower()
    assert node.sim.stats()["orders_received"] == received


def test_long_client_order_ids_mapped_to_delta(node: ExecNode, tester: Callable[..., Recorder]) -> None:
    """Client order ids longer than Delta's 32 characters go out as a deterministic 32-character id; the venue's
    events (REST and socket) still find the order: a limit is accepted, a market order fills."""
    strategy = tester(order_id_tag="LONGORDERIDTAGFORMAPPING")
    limit = submit(strategy, strategy.limit(OrderSide.BUY, 1, node.truth.top().bid - FAR))
    market = submit(strategy, strategy.market(OrderSide.BUY, 2))
    assert len(limit.client_order_id.value) > 32
    node.wait_events(strategy, limit, ACCEPTED)
    node.wait_events(strategy, market, FILLED)
    for order in (limit, market):
        record = venue_order(node, order)
        assert len(record["client_order_id"]) == 32 and record["client_order_id"] != order.client_order_id.value
        assert node.truth.orders_by_client_id(record["client_order_id"])["id"] == record["id"]
    node.assert_matches_sim()


# -- batches ---------------------------------------------------------------------------------------------------------


def test_batch_submit_fifty_orders_one_product(node: ExecNode, tester: Callable[..., Recorder]) -> None:
    """Batch submit: an order list of 50 limits on BTCUSD is accepted in full (one batch on the venue), then a
    batch cancel on stop (TC-E43 path) cancels all 50."""
    strategy = tester(use_batch_cancel_on_stop=True)
    bid = node.truth.top().bid
    orders = [strategy.limit(OrderSide.BUY, 1, bid - FAR - ticks(i)) for i in range(50)]
    order_list = strategy.order_factory.create_list(orders)
    strategy.submit_order_list(order_list)
    for order in orders:
        node.wait_events(strategy, order, ACCEPTED)
    assert len(node.truth.open_orders()) == 50
    node.assert_matches_sim()
    node.stop_strategy(strategy)
    assert all(node.order(o.client_order_id).status == OrderStatus.CANCELED for o in orders)


def test_tc_e78_batch_with_per_order_rejection(node: ExecNode, tester: Callable[..., Recorder]) -> None:
    """TC-E78: a batch where Delta processes only part: the crossing post-only order is rejected with the venue
    reason, the others are accepted."""
    strategy = tester()
    top = node.truth.top()
    good = [strategy.limit(OrderSide.BUY, 1, top.bid - FAR - ticks(i)) for i in range(2)]
    bad = strategy.limit(OrderSide.BUY, 1, top.ask + ticks(2), post_only=True)
    strategy.submit_order_list(strategy.order_factory.create_list([good[0], bad, good[1]]))
    for order in good:
        node.wait_events(strategy, order, ACCEPTED)
    node.wait_events(strategy, bad, REJECTED)
    assert "post_only" in strategy.order_events(bad.client_order_id)[-1].reason
    assert len(node.truth.open_orders()) == 2
    node.assert_matches_sim()


# -- group 9: lifecycle ----------------------------------------------------------------------------------------------


def test_tc_e83_unsubscribe_on_stop(node: ExecNode, tester: Callable[..., Recorder]) -> None:
    """TC-E83: ExecTester's stop unsubscribes its quotes and trades; the data client holds no channel after."""
    data_client = node.data_client
    before = dict(data_client.channel_refs())
    strategy = tester(subscribe_quotes=True, subscribe_trades=True, can_unsubscribe=True)
    node.wait(lambda: len(data_client.channel_refs()) > len(before), "the tester's subscriptions")
    node.stop_strategy(strategy)
    node.wait(lambda: data_client.channel_refs() == before, "subscriptions released")


# -- group 10: options -----------------------------------------------------------------------------------------------


def option_order(node: ExecNode, strategy: Recorder, side: OrderSide, **kwargs: Any) -> Order:
    """A limit on the option 500 of its ticks (0.1) away from its touch."""
    top = node.truth.top(node.instruments[1].symbol.value)
    offset = Decimal("0.1") * 500
    price = top.bid - offset if side == OrderSide.BUY else top.ask + offset
    return strategy.order_factory.limit(
        node.instruments[1],
        side,
        qty(1),
        Price.from_str(f"{price:.1f}"),
        **kwargs,
    )


@pytest.mark.parametrize(("case", "side"), [("TC-E90", OrderSide.BUY), ("TC-E91", OrderSide.SELL)])
def test_tc_e90_e91_e100_option_limit_and_cancel(
    node: ExecNode, tester: Callable[..., Recorder], case: str, side: OrderSide
) -> None:
    """TC-E90/TC-E91 then TC-E100: a limit on a call option is accepted with its side, price and quantity, then
    cancelled; the venue has no open order left."""
    strategy = tester(instrument_id=node.instruments[1])
    order = submit(strategy, option_order(node, strategy, side))
    node.wait_events(strategy, order, ACCEPTED)
    record = venue_order(node, order)
    assert record["product_symbol"] == node.instruments[1].symbol.value, case
    assert Decimal(record["limit_price"]) == order.price.as_decimal() and int(record["size"]) == 1
    assert record["side"] == ("buy" if side == OrderSide.BUY else "sell")
    strategy.cancel_order(order)
    node.wait_events(strategy, order, [*ACCEPTED, "OrderPendingCancel", "OrderCanceled"])
    assert node.truth.open_orders(None) == []


def test_tc_e99_option_fok_denied(node: ExecNode, tester: Callable[..., Recorder]) -> None:
    """TC-E99: FOK on an option is denied like every FOK (Delta has none)."""
    strategy = tester(instrument_id=node.instruments[1])
    order = submit(strategy, option_order(node, strategy, OrderSide.BUY, time_in_force=TimeInForce.FOK))
    node.wait_events(strategy, order, DENIED)
