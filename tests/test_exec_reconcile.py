"""
Reconciliation after restarting the node (spec group 9: TC-E84..TC-E87, and the open trigger orders of group 3).

Node 1 trades on a sim and stops without cancelling or closing: it leaves resting limits, an untriggered stop, a
partially filled limit, a filled market order and a long position. Node 2 starts on the same sim with
reconciliation on and must rebuild all of it exactly (orders, fills, commissions, position); it then turns the
position short and stops without closing, and node 3 must find the short. The sim's market stands still.
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
from nautilus_trader.model.enums import (
    LiquiditySide,
    OrderSide,
    OrderStatus,
    OrderType,
    PositionSide,
    TimeInForce,
    TriggerType,
)
from nautilus_trader.model.identifiers import InstrumentId, VenueOrderId
from nautilus_trader.model.objects import Price

from delta_exchange.sim import DeltaSim
from exec_harness import (
    BTCUSD,
    SIM_ARGS,
    ExecNode,
    Recorder,
    SimTruth,
    commission,
    first_option,
    px,
    qty,
    recorder_config,
    sim_request,
    ticks,
)

pytestmark = pytest.mark.sim

FAR = ticks(500)
KEEP = {"cancel_orders_on_stop": False, "close_positions_on_stop": False}


@pytest.fixture(scope="module")
def sim() -> Iterator[DeltaSim]:
    with DeltaSim(rate=50, seed=23, extra_args=list(SIM_ARGS)) as running:
        running.set_faults(pause_market=True)
        yield running


@pytest.fixture(scope="module")
def session_one(sim: DeltaSim) -> dict[str, Any]:
    """Node 1: leaves two resting limits, a stop, a partially filled limit, a filled market order and a long."""
    option = first_option(sim)
    node = ExecNode(sim, instruments=(BTCUSD, option)).start()
    try:
        strategy = node.add(Recorder(recorder_config(**KEEP)))
        top = node.truth.top()
        option_ask = node.truth.top(option.symbol.value).ask
        option_buy = strategy.order_factory.limit(
            option, OrderSide.BUY, qty(2), Price.from_str(f"{option_ask:.1f}"), time_in_force=TimeInForce.IOC
        )
        buy = strategy.limit(OrderSide.BUY, 3, top.bid - FAR)
        sell = strategy.limit(OrderSide.SELL, 4, top.ask + FAR)
        stop = strategy.order_factory.stop_market(
            BTCUSD, OrderSide.SELL, qty(2), px(top.bid - ticks(100)), trigger_type=TriggerType.LAST_PRICE
        )
        market = strategy.market(OrderSide.BUY, 7)
        for order in (buy, sell, stop, market):
            strategy.submit_order(order)
        node.wait(lambda: node.order(market.client_order_id).status == OrderStatus.FILLED, "market filled")
        # A BUY limit at the best ask for 5 more than the ask holds: fills that level, rests the 5.
        after = node.truth.top()
        partial = strategy.limit(OrderSide.BUY, after.ask_size + 5, after.ask)
        strategy.submit_order(partial)
        node.wait(
            lambda: node.order(partial.client_order_id).status == OrderStatus.PARTIALLY_FILLED,
            "partial fill",
        )
        node.wait(lambda: all(node.order(o.client_order_id).is_open for o in (buy, sell, stop)), "resting orders")
        strategy.submit_order(option_buy)
        node.wait(lambda: node.order(option_buy.client_order_id).status == OrderStatus.FILLED, "option bought")
        node.assert_matches_sim()
        before = {
            "orders": {
                o.client_order_id: snapshot(node.order(o.client_order_id)) for o in (buy, sell, stop, market, partial)
            },
            "fills": {f.trade_id.value: f for f in strategy.fills() if f.instrument_id == BTCUSD},
            "position": 7 + after.ask_size,
            "partial": partial.client_order_id,
            "option": option,
            "option_ask": option_ask,
            "market": market.client_order_id,
        }
    finally:
        node.stop()
    return before


def snapshot(order: Any) -> dict[str, Any]:
    """The fields reconciliation must restore."""
    return {
        "venue_order_id": order.venue_order_id,
        "status": order.status,
        "side": order.side,
        "order_type": order.order_type,
        "quantity": order.quantity,
        "filled_qty": order.filled_qty,
        "price": getattr(order, "price", None),
        "trigger_price": getattr(order, "trigger_price", None),
        "avg_px": order.avg_px,
    }


@pytest.fixture(scope="module")
def session_two(sim: DeltaSim, session_one: dict[str, Any]) -> Iterator[tuple[ExecNode, Recorder]]:
    """Node 2 with a strategy claiming BTCUSD and the option (spec: `external_order_claims`)."""
    claimer = claiming_strategy(session_one["option"])
    node = ExecNode(sim, instruments=(BTCUSD, session_one["option"]), strategies=[claimer]).start()
    try:
        yield node, claimer
    finally:
        node.stop()


def claiming_strategy(*instruments: InstrumentId) -> Recorder:
    """A strategy that keeps its orders and positions on stop and claims BTCUSD (and ``instruments``)."""
    return Recorder(recorder_config(external_order_claims=[BTCUSD, *instruments], **KEEP))


def reconciled(node: ExecNode, venue_order_id: VenueOrderId) -> Any:
    orders = [o for o in node.cache.orders(instrument_id=BTCUSD) if o.venue_order_id == venue_order_id]
    assert len(orders) == 1, f"{venue_order_id}: {orders}"
    return orders[0]


Session = tuple[ExecNode, Recorder]


def test_tc_e84_open_orders_reconciled(session_one: dict[str, Any], session_two: Session) -> None:
    """TC-E84 (and TC-E20's restart check): every open order, the untriggered stop included, is rebuilt with its
    venue order id, status, price, trigger price, quantity, side and type, claimed by the strategy that claims
    BTCUSD; the count equals the venue's."""
    node, claimer = session_two
    open_before = {k: v for k, v in session_one["orders"].items() if v["status"] == OrderStatus.ACCEPTED}
    assert len(open_before) == 3
    for before in open_before.values():
        order = reconciled(node, before["venue_order_id"])
        assert snapshot(order) == before
        assert order.strategy_id == claimer.id
    assert len(node.truth.open_orders()) == 4  # three resting + the partially filled remainder
    assert len(node.cache.orders_open(instrument_id=BTCUSD)) == 4
    node.assert_matches_sim()


def test_tc_e85_filled_and_partial_orders_reconciled(session_one: dict[str, Any], session_two: Session) -> None:
    """TC-E85: the filled market order and the partially filled limit come back with status, filled quantity,
    average price, and every fill with its venue trade id, price, quantity and commission."""
    node, _ = session_two
    for key in ("market", "partial"):
        before = session_one["orders"][session_one[key]]
        order = reconciled(node, before["venue_order_id"])
        assert snapshot(order) == before, key
    assert session_one["orders"][session_one["market"]]["order_type"] == OrderType.MARKET
    venue_fills = {str(f["id"]): f for f in SimTruth(node.sim).fills()}
    for trade_id, fill in session_one["fills"].items():
        venue = venue_fills[trade_id]
        assert fill.commission == commission(int(venue["size"]), Decimal(venue["price"]), LiquiditySide.TAKER)
    reconciled_fills = {
        trade_id.value for order in node.cache.orders(instrument_id=BTCUSD) for trade_id in order.trade_ids
    }
    assert reconciled_fills == set(session_one["fills"])


def test_tc_e86_long_position_reconciled(session_one: dict[str, Any], session_two: Session) -> None:
    """TC-E86: the LONG position is rebuilt with the venue's size and entry price."""
    node, claimer = session_two
    venue = node.truth.position()
    assert venue is not None
    size = int(venue["size"])
    assert size == session_one["position"]
    (position,) = node.cache.positions_open(instrument_id=BTCUSD)
    assert position.side == PositionSide.LONG and position.quantity == qty(size)
    assert position.strategy_id == claimer.id
    assert position.avg_px_open == pytest.approx(float(Decimal(venue["entry_price"])), rel=1e-12)
    node.assert_matches_sim()


def test_tc_e101_option_position_reconciled(session_one: dict[str, Any], session_two: Session) -> None:
    """TC-E101: the option position of session one is rebuilt: instrument, LONG 2 and the venue's entry price."""
    node, _ = session_two
    option = session_one["option"]
    venue = next(
        p for p in sim_request(node.sim, "GET", "/v2/positions/margined") if p["product_symbol"] == option.symbol.value
    )
    (position,) = node.cache.positions_open(instrument_id=option)
    assert position.side == PositionSide.LONG and position.quantity == qty(2) == qty(int(venue["size"]))
    assert position.avg_px_open == pytest.approx(float(Decimal(venue["entry_price"])), rel=1e-12)
    assert Decimal(venue["entry_price"]) == session_one["option_ask"]


def test_tc_e87_short_position_reconciled(sim: DeltaSim, session_two: Session) -> None:
    """TC-E87: the claiming strategy of node 2 cancels everything and sells into a SHORT, and its node stops
    without closing; node 3 rebuilds the short with the venue's size and entry price, and its claiming
    strategy closes it."""
    node, claimer = session_two
    long_size = node.truth.position_size()
    claimer.cancel_all_orders(BTCUSD)
    node.wait_sim(lambda t: t.open_orders() == [], "orders cancelled")
    sell = claimer.market(OrderSide.SELL, long_size + 6)
    claimer.submit_order(sell)
    node.wait(lambda: node.order(sell.client_order_id).status == OrderStatus.FILLED, "short opened")
    node.assert_matches_sim()
    node.stop()

    closer = claiming_strategy()
    third = ExecNode(sim, strategies=[closer]).start()
    try:
        venue = third.truth.position()
        assert venue is not None and int(venue["size"]) == -6
        (position,) = third.cache.positions_open(instrument_id=BTCUSD)
        assert position.side == PositionSide.SHORT and position.quantity == qty(6)
        assert position.strategy_id == closer.id
        assert position.avg_px_open == pytest.approx(float(Decimal(venue["entry_price"])), rel=1e-12)
        assert third.cache.orders_open(instrument_id=BTCUSD) == []
        third.assert_matches_sim()
        closer.close_all_positions(BTCUSD)
        third.wait_sim(lambda t: t.position_size() == 0, "position closed by the new session")
        assert third.cache.positions_open(instrument_id=BTCUSD) == []
        third.assert_matches_sim()
    finally:
        third.stop()
