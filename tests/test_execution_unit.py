"""
Unit tests of the execution client's pure parts: client order id mapping, order -> Delta request translation
(every supported type and every unsupported feature), reports and commission from fixture dicts, and the order
tracker's de-duplication and ordering of events. Socket-shaped dicts come from the real fixtures through the
native ``FrameDecoder`` (the same conversion the private ``WsClient`` runs).
"""

from __future__ import annotations

import asyncio
import json
import re
from decimal import Decimal
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from nautilus_trader.common.component import TestClock
from nautilus_trader.common.factories import OrderFactory
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
from nautilus_trader.model.identifiers import (
    AccountId,
    ClientOrderId,
    InstrumentId,
    StrategyId,
    TraderId,
)
from nautilus_trader.model.instruments import Instrument
from nautilus_trader.model.objects import Money, Price, Quantity

from delta_exchange import _native
from delta_exchange.account import unrealized_pnl, wallet_balance, wallet_margin
from delta_exchange.client_ids import MAX_LENGTH, ClientOrderIdMap, to_delta_client_order_id
from delta_exchange.constants import DeltaEnvironment
from delta_exchange.dead_man import DeadManSwitch
from delta_exchange.events import MMP_TOPIC, DeltaMmpThawed, DeltaMmpTriggered
from delta_exchange.order_requests import (
    UnsupportedOrderError,
    batch_item,
    batchable,
    bracket_request,
    is_mmp_order,
    is_mmp_request,
    order_params,
    order_request,
    split_bracket,
)
from delta_exchange.order_tracker import (
    Accepted,
    Canceled,
    Filled,
    FillsMissing,
    OrderTracker,
    TrackedOrder,
    Triggered,
    Updated,
)
from delta_exchange.providers import instrument_from_product
from delta_exchange.reports import (
    commission,
    fill_report,
    order_status_report,
    position_status_report,
    venue_order,
)

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "delta-api"
BTCUSD = InstrumentId.from_str("BTCUSD.DELTA_EXCHANGE")
ACCOUNT = AccountId("DELTA_EXCHANGE-52011377")
STRATEGY = StrategyId("S-001")
_SAFE = re.compile(r"[A-Za-z0-9_-]+")


def fixture(name: str) -> Any:
    return json.loads((FIXTURES / name).read_text())


def socket_detail(name: str) -> dict[str, Any]:
    """The private-channel detail dict the native decoder makes of a fixture frame."""
    items = _native.FrameDecoder("private").decode([(FIXTURES / name).read_text()], 1)
    assert len(items) == 1 and items[0][0] == _native.KIND_PRIVATE, items
    return items[0][2]


@pytest.fixture(scope="module")
def instrument() -> Instrument:
    product = fixture("rest_product.json")["result"]
    built = instrument_from_product(product, 1)
    assert built is not None
    return built


@pytest.fixture
def factory() -> OrderFactory:
    return OrderFactory(trader_id=TraderId("TESTER-001"), strategy_id=STRATEGY, clock=TestClock())


def qty(n: int) -> Quantity:
    return Quantity.from_int(n)


def px(text: str) -> Price:
    return Price.from_str(text)


# -- client order ids --------------------------------------------------------------------------------------------


def test_short_safe_ids_pass_through_unchanged() -> None:
    for value in ("O-20261124-030318-001-000-1", "a", "x" * MAX_LENGTH, "under_score-dash"):
        assert to_delta_client_order_id(value) == value


def test_long_or_unsafe_ids_map_to_32_safe_characters_deterministically() -> None:
    long_id = "O-20261124-030318-001-STRATEGY-TAG-123456"
    assert len(long_id) > MAX_LENGTH
    for value in (long_id, "x" * (MAX_LENGTH + 1), "has space", "dot.ted", "h-looks-hashed"):
        mapped = to_delta_client_order_id(value)
        assert len(mapped) == MAX_LENGTH and _SAFE.fullmatch(mapped) and mapped.startswith("h-"), value
        assert to_delta_client_order_id(value) == mapped
    assert to_delta_client_order_id(long_id) != to_delta_client_order_id(long_id + "1")


def test_id_map_round_trip_and_rebuild() -> None:
    long_id = ClientOrderId("O-20261124-030318-001-STRATEGY-TAG-123456")
    short_id = ClientOrderId("O-1")
    ids = ClientOrderIdMap()
    delta_long = ids.add(long_id)
    assert ids.add(short_id) == "O-1"
    assert ids.to_nautilus(delta_long) == long_id
    assert ids.to_nautilus("O-1") == short_id
    assert ids.to_nautilus(None) is None and ids.to_nautilus("") is None
    assert ClientOrderIdMap().to_nautilus(delta_long) is None  # a hashed id of an unknown order
    rebuilt = ClientOrderIdMap()
    rebuilt.rebuild([short_id, long_id])
    assert rebuilt.to_nautilus(delta_long) == long_id and len(rebuilt) == 1


# -- order translation -------------------------------------------------------------------------------------------


def test_market_and_limit_requests(factory: OrderFactory) -> None:
    market = factory.market(BTCUSD, OrderSide.BUY, qty(10), time_in_force=TimeInForce.IOC)
    assert order_request(market, 27, "cid-1") == {
        "product_id": 27,
        "size": 10,
        "side": "buy",
        "order_type": "market_order",
        "time_in_force": "ioc",
        "client_order_id": "cid-1",
    }
    limit = factory.limit(BTCUSD, OrderSide.SELL, qty(3), px("68010.5"), post_only=True, reduce_only=True)
    request = order_request(limit, 27, "cid-2")
    assert request["order_type"] == "limit_order" and request["limit_price"] == "68010.5"
    assert request["side"] == "sell" and request["time_in_force"] == "gtc"
    assert request["post_only"] == "true" and request["reduce_only"] == "true"
    assert "stop_order_type" not in request and "mmp" not in request


@pytest.mark.parametrize(
    ("kind", "delta_type", "stop_type"),
    [
        (OrderType.STOP_MARKET, "market_order", "stop_loss_order"),
        (OrderType.STOP_LIMIT, "limit_order", "stop_loss_order"),
        (OrderType.MARKET_IF_TOUCHED, "market_order", "take_profit_order"),
        (OrderType.LIMIT_IF_TOUCHED, "limit_order", "take_profit_order"),
    ],
)
def test_conditional_requests(factory: OrderFactory, kind: OrderType, delta_type: str, stop_type: str) -> None:
    trigger, limit = px("69000.0"), px("69010.0")
    common = {"trigger_type": TriggerType.LAST_PRICE}
    if kind == OrderType.STOP_MARKET:
        order = factory.stop_market(BTCUSD, OrderSide.BUY, qty(1), trigger, **common)
    elif kind == OrderType.STOP_LIMIT:
        order = factory.stop_limit(BTCUSD, OrderSide.BUY, qty(1), limit, trigger, **common)
    elif kind == OrderType.MARKET_IF_TOUCHED:
        order = factory.market_if_touched(BTCUSD, OrderSide.BUY, qty(1), trigger, **common)
    else:
        order = factory.limit_if_touched(BTCUSD, OrderSide.BUY, qty(1), limit, trigger, **common)
    request = order_request(order, 27, "cid")
    assert request["order_type"] == delta_type and request["stop_order_type"] == stop_type
    assert request["stop_price"] == "69000.0" and request["stop_trigger_method"] == "last_traded_price"
    assert request.get("limit_price") == ("69010.0" if delta_type == "limit_order" else None)


@pytest.mark.parametrize(
    ("trigger_type", "method"),
    [
        (TriggerType.DEFAULT, "mark_price"),
        (TriggerType.MARK_PRICE, "mark_price"),
        (TriggerType.LAST_PRICE, "last_traded_price"),
        (TriggerType.INDEX_PRICE, "spot_price"),
    ],
)
def test_trigger_methods(factory: OrderFactory, trigger_type: TriggerType, method: str) -> None:
    order = factory.stop_market(BTCUSD, OrderSide.SELL, qty(1), px("60000.0"), trigger_type=trigger_type)
    assert order_request(order, 27, "cid")["stop_trigger_method"] == method


@pytest.mark.parametrize(("side", "amount"), [(OrderSide.BUY, "25.5"), (OrderSide.SELL, "-25.5")])
def test_trailing_stop_sends_signed_trail_amount(factory: OrderFactory, side: OrderSide, amount: str) -> None:
    order = factory.trailing_stop_market(
        BTCUSD,
        side,
        qty(2),
        trailing_offset=Decimal("25.5"),
        trailing_offset_type=TrailingOffsetType.PRICE,
    )
    request = order_request(order, 27, "cid")
    assert request["order_type"] == "market_order" and request["stop_order_type"] == "stop_loss_order"
    assert request["trail_amount"] == amount and "stop_price" not in request


def _unsupported(factory: OrderFactory) -> list[tuple[Any, str]]:
    limit = {"instrument_id": BTCUSD, "order_side": OrderSide.BUY, "quantity": qty(1), "price": px("60000.0")}
    return [
        (factory.limit(**limit, time_in_force=TimeInForce.FOK), "time_in_force FOK: Delta supports GTC and IOC"),
        (factory.limit(**limit, time_in_force=TimeInForce.DAY), "time_in_force DAY"),
        (factory.limit(**limit, time_in_force=TimeInForce.AT_THE_OPEN), "time_in_force AT_THE_OPEN"),
        (factory.limit(**limit, time_in_force=TimeInForce.AT_THE_CLOSE), "time_in_force AT_THE_CLOSE"),
        (
            factory.limit(**limit, time_in_force=TimeInForce.GTD, expire_time=pd.Timestamp("2040-01-01", tz="UTC")),
            "time_in_force GTD",
        ),
        (factory.limit(**limit, display_qty=qty(0)), "display_qty"),
        (factory.market(BTCUSD, OrderSide.BUY, qty(1), quote_quantity=True), "quote quantity"),
        (factory.market_to_limit(BTCUSD, OrderSide.BUY, qty(1)), "order type MARKET_TO_LIMIT"),
        (
            factory.trailing_stop_limit(
                BTCUSD,
                OrderSide.SELL,
                qty(1),
                limit_offset=Decimal(1),
                trailing_offset=Decimal(1),
                trailing_offset_type=TrailingOffsetType.PRICE,
            ),
            "order type TRAILING_STOP_LIMIT",
        ),
        (
            factory.trailing_stop_market(
                BTCUSD,
                OrderSide.SELL,
                qty(1),
                trailing_offset=Decimal(10),
                trailing_offset_type=TrailingOffsetType.BASIS_POINTS,
            ),
            "trailing_offset_type BASIS_POINTS",
        ),
        (
            factory.trailing_stop_market(
                BTCUSD,
                OrderSide.SELL,
                qty(1),
                trailing_offset=Decimal(10),
                trailing_offset_type=TrailingOffsetType.TICKS,
            ),
            "trailing_offset_type TICKS",
        ),
        (
            factory.stop_market(BTCUSD, OrderSide.SELL, qty(1), px("60000.0"), trigger_type=TriggerType.BID_ASK),
            "trigger_type BID_ASK",
        ),
    ]


def test_unsupported_orders_raise_a_reason_with_the_alternative(factory: OrderFactory) -> None:
    for order, expected in _unsupported(factory):
        with pytest.raises(UnsupportedOrderError) as info:
            order_request(order, 27, "cid")
        reason = str(info.value)
        assert reason.startswith("unsupported") and expected in reason, (expected, reason)
        assert ":" in reason  # what is unsupported: what to use


def test_mmp_tags_non_reduce_only_limits_only(factory: OrderFactory) -> None:
    quote = factory.limit(BTCUSD, OrderSide.BUY, qty(1), px("60000.0"), post_only=True)
    taker = factory.limit(BTCUSD, OrderSide.BUY, qty(1), px("60000.0"))
    exit_ = factory.limit(BTCUSD, OrderSide.SELL, qty(1), px("70000.0"), reduce_only=True)
    market = factory.market(BTCUSD, OrderSide.BUY, qty(1))
    assert order_request(quote, 27, "c", "mmp1")["mmp"] == "mmp1"
    assert order_request(taker, 27, "c", "mmp1")["mmp"] == "mmp1"
    assert "mmp" not in order_request(exit_, 27, "c", "mmp1")
    assert "mmp" not in order_request(market, 27, "c", "mmp1")
    assert not is_mmp_order(quote, None)


def test_order_params_map_to_delta_fields_and_refuse_anything_else() -> None:
    """TC-E63: ``submit_order(params=...)`` passes Delta's ``mmp`` and ``cancel_orders_accepted`` through."""
    assert order_params(None) == {}
    assert order_params({"mmp": "mmp3", "cancel_orders_accepted": True}) == {
        "mmp": "mmp3",
        "cancel_orders_accepted": "true",
    }
    assert order_params({"cancel_orders_accepted": False}) == {"cancel_orders_accepted": "false"}
    with pytest.raises(UnsupportedOrderError, match=r"unsupported order param 'leverage'.*mmp, cancel_orders_accepted"):
        order_params({"leverage": 10})
    with pytest.raises(UnsupportedOrderError, match=r"'mmp'.*disabled, mmp1"):
        order_params({"mmp": "mmp9"})
    with pytest.raises(UnsupportedOrderError, match="'cancel_orders_accepted': expected a bool"):
        order_params({"cancel_orders_accepted": "yes"})
    assert is_mmp_request({"mmp": "mmp1"})
    assert not is_mmp_request({"mmp": "disabled"})
    assert not is_mmp_request({})


def test_batch_items_and_batchable(factory: OrderFactory) -> None:
    limit = factory.limit(BTCUSD, OrderSide.BUY, qty(2), px("60000.5"), post_only=True)
    assert batch_item(limit, "cid", "mmp2") == {
        "size": 2,
        "side": "buy",
        "order_type": "limit_order",
        "time_in_force": "gtc",
        "client_order_id": "cid",
        "limit_price": "60000.5",
        "post_only": "true",
        "mmp": "mmp2",
    }
    assert batchable(limit)
    assert not batchable(factory.limit(BTCUSD, OrderSide.BUY, qty(1), px("1.0"), time_in_force=TimeInForce.IOC))
    assert not batchable(factory.market(BTCUSD, OrderSide.BUY, qty(1)))
    assert not batchable(factory.limit(BTCUSD, OrderSide.BUY, qty(1), px("1.0"), reduce_only=True))


def test_bracket_maps_to_one_entry_with_bracket_fields(factory: OrderFactory) -> None:
    order_list = factory.bracket(
        instrument_id=BTCUSD,
        order_side=OrderSide.BUY,
        quantity=qty(2),
        entry_order_type=OrderType.LIMIT,
        entry_price=px("68000.0"),
        tp_price=px("69000.0"),
        sl_trigger_price=px("67000.0"),
        sl_trigger_type=TriggerType.LAST_PRICE,
    )
    bracket = split_bracket(order_list.orders)
    assert bracket is not None
    assert bracket.entry is order_list.first
    assert bracket.stop_loss is not None and bracket.stop_loss.order_type == OrderType.STOP_MARKET
    assert bracket.take_profit is not None and bracket.take_profit.order_type == OrderType.LIMIT
    request = bracket_request(bracket, 27, "cid")
    assert request["limit_price"] == "68000.0" and request["side"] == "buy" and request["size"] == 2
    assert request["bracket_stop_loss_price"] == "67000.0"
    assert request["bracket_take_profit_price"] == "69000.0"
    assert request["bracket_take_profit_limit_price"] == "69000.0"
    # nautilus_trader 1.221's bracket() builds its STOP_MARKET stop-loss with TriggerType.DEFAULT whatever
    # sl_trigger_type says, so Delta's default (mark price) is what the order carries.
    assert request["bracket_stop_trigger_method"] == "mark_price"
    assert "bracket_stop_loss_limit_price" not in request


def test_bracket_with_trailing_stop_and_lit_legs(factory: OrderFactory) -> None:
    order_list = factory.bracket(
        instrument_id=BTCUSD,
        order_side=OrderSide.SELL,
        quantity=qty(1),
        entry_order_type=OrderType.MARKET,
        tp_order_type=OrderType.LIMIT_IF_TOUCHED,
        tp_price=px("60000.0"),
        tp_trigger_price=px("60100.0"),
        tp_trigger_type=TriggerType.LAST_PRICE,
        sl_order_type=OrderType.TRAILING_STOP_MARKET,
        sl_trailing_offset=Decimal("150.5"),
        sl_trailing_offset_type=TrailingOffsetType.PRICE,
    )
    request = bracket_request(split_bracket(order_list.orders), 27, "cid")
    assert request["order_type"] == "market_order" and request["side"] == "sell"
    assert request["bracket_trail_amount"] == "150.5" and "bracket_stop_loss_price" not in request
    assert request["bracket_take_profit_price"] == "60100.0"
    assert request["bracket_take_profit_limit_price"] == "60000.0"
    assert request["bracket_stop_trigger_method"] == "last_traded_price"


def test_bracket_legs_with_different_trigger_types_are_unsupported(factory: OrderFactory) -> None:
    order_list = factory.bracket(
        instrument_id=BTCUSD,
        order_side=OrderSide.BUY,
        quantity=qty(1),
        tp_order_type=OrderType.MARKET_IF_TOUCHED,
        tp_trigger_price=px("70000.0"),
        tp_trigger_type=TriggerType.LAST_PRICE,
        sl_order_type=OrderType.TRAILING_STOP_MARKET,
        sl_trailing_offset=Decimal(100),
        sl_trigger_type=TriggerType.INDEX_PRICE,
    )
    with pytest.raises(UnsupportedOrderError, match="one bracket_stop_trigger_method"):
        bracket_request(split_bracket(order_list.orders), 27, "cid")


def test_plain_lists_are_not_brackets(factory: OrderFactory) -> None:
    orders = [factory.limit(BTCUSD, OrderSide.BUY, qty(1), px(f"6000{i}.0")) for i in range(3)]
    assert split_bracket(factory.create_list(orders).orders) is None


# -- reports and commission ----------------------------------------------------------------------------------------


def test_venue_order_reads_rest_and_socket_shapes() -> None:
    rest = venue_order(fixture("rest_order_create_response.json")["result"])
    assert (rest.order_id, rest.client_order_id, rest.product_id, rest.symbol) == (
        "884213557",
        "strat1-000042",
        27,
        "BTCUSD",
    )
    assert (rest.state, rest.size, rest.unfilled_size, rest.limit_price) == ("open", 10, 10, "68000")
    assert rest.order_type == "limit_order" and rest.time_in_force == "gtc" and rest.ts_created is not None
    event = venue_order(socket_detail("ws_orders.json"))
    assert (event.order_id, event.state, event.filled_size, event.reason) == ("884213557", "open", 6, "fill")
    assert event.order_type is None and event.ts_event == 1779962407112233 * 1000


def test_order_status_report_from_rest(instrument: Instrument) -> None:
    order = venue_order(fixture("rest_order_create_response.json")["result"])
    report = order_status_report(order, instrument, ACCOUNT, ClientOrderId("strat1-000042"), 5)
    assert report.venue_order_id.value == "884213557" and report.client_order_id == ClientOrderId("strat1-000042")
    assert report.order_side == OrderSide.BUY and report.order_type == OrderType.LIMIT
    assert report.order_status == OrderStatus.ACCEPTED and report.time_in_force == TimeInForce.GTC
    assert report.quantity == qty(10) and report.filled_qty == qty(0) and report.price == px("68000.0")
    stop = venue_order(fixture("rest_order_stop_response.json")["result"])
    stop_report = order_status_report(stop, instrument, ACCOUNT, None, 5)
    assert stop_report.order_type in (OrderType.STOP_MARKET, OrderType.STOP_LIMIT)
    assert stop_report.trigger_price is not None and stop_report.trigger_type != TriggerType.NO_TRIGGER


def test_order_status_report_partially_filled_from_socket(instrument: Instrument) -> None:
    report = order_status_report(venue_order(socket_detail("ws_orders.json")), instrument, ACCOUNT, None, 5)
    assert report.order_status == OrderStatus.PARTIALLY_FILLED
    assert report.filled_qty == qty(6) and report.avg_px == Decimal(68000)


def test_fill_report_uses_the_rest_commission(instrument: Instrument) -> None:
    fill = fixture("rest_fills.json")["result"][0]
    report = fill_report(fill, instrument, ACCOUNT, None, 5)
    assert report.trade_id.value == "f6a41c2be05e4a1fa64a5d1c7f3b8e21" and report.venue_order_id.value == "884201111"
    assert report.last_qty == qty(5) and report.last_px == px("68440.5")
    assert report.liquidity_side == LiquiditySide.TAKER and report.order_side == OrderSide.SELL
    assert report.commission == Money(Decimal("0.17"), instrument.get_settlement_currency())


def test_commission_from_rates(instrument: Instrument) -> None:
    usd = instrument.get_settlement_currency()
    # 5 x 0.001 x 68440.5 x 0.0005 = 0.17110125 (the fixture fill's own commission), rounded half-even to cents.
    assert commission(instrument, 5, Decimal("68440.5"), LiquiditySide.TAKER) == Money(Decimal("0.17"), usd)
    # 6 x 0.001 x 68000 x 0.0002 = 0.0816
    assert commission(instrument, 6, Decimal(68000), LiquiditySide.MAKER) == Money(Decimal("0.08"), usd)
    # 25 x 0.001 x 50000 x 0.0005 = 0.625 -> 0.62 (half-even)
    assert commission(instrument, 25, Decimal(50000), LiquiditySide.TAKER) == Money(Decimal("0.62"), usd)


def test_commission_of_an_inverse_product() -> None:
    product = fixture("rest_product.json")["result"]
    product = {
        **product,
        "symbol": "BTCUSD_INV",
        "contract_value": "1",
        "settling_asset": product["underlying_asset"],
        "notional_type": "inverse",
    }
    inverse = instrument_from_product(product, 1)
    assert inverse is not None and inverse.is_inverse
    # 100 contracts x 1 USD / 50000 = 0.002 BTC notional x 0.0005 = 0.000001 BTC
    fee = commission(inverse, 100, Decimal(50000), LiquiditySide.TAKER)
    assert fee.as_decimal() == Decimal("0.00000100") and fee.currency.code == "BTC"


def test_position_reports(instrument: Instrument) -> None:
    long = position_status_report(21, "68287.5", instrument=instrument, account_id=ACCOUNT, ts_last=1, ts_init=2)
    assert long.position_side == PositionSide.LONG and long.quantity == qty(21)
    assert long.avg_px_open == Decimal("68287.5")
    short = position_status_report(-3, "1", instrument=instrument, account_id=ACCOUNT, ts_last=1, ts_init=2)
    assert short.position_side == PositionSide.SHORT and short.quantity == qty(3)
    flat = position_status_report(0, None, instrument=instrument, account_id=ACCOUNT, ts_last=1, ts_init=2)
    assert flat.position_side == PositionSide.FLAT and flat.quantity == qty(0) and flat.avg_px_open is None


# -- order tracker ---------------------------------------------------------------------------------------------


def tracked(order_type: OrderType = OrderType.LIMIT, quantity: int = 10, **kwargs: Any) -> TrackedOrder:
    return TrackedOrder(
        client_order_id=ClientOrderId(kwargs.pop("client_order_id", "O-1")),
        strategy_id=STRATEGY,
        instrument_id=BTCUSD,
        side=kwargs.pop("side", OrderSide.BUY),
        order_type=order_type,
        quantity=quantity,
        price=kwargs.pop("price", "68000"),
        delta_client_order_id=kwargs.pop("delta_client_order_id", "O-1"),
        **kwargs,
    )


def report(state: str, filled: int = 0, size: int = 10, **fields: Any) -> Any:
    base = {
        "order_id": 884213557,
        "client_order_id": "O-1",
        "product_id": 27,
        "symbol": "BTCUSD",
        "side": "buy",
        "state": state,
        "size": size,
        "unfilled_size": size - filled,
        "limit_price": "68000",
    }
    base.update(fields)
    return venue_order(base)


def test_rest_reply_and_socket_create_accept_once() -> None:
    tracker = OrderTracker()
    order = tracker.add(tracked())
    assert tracker.apply(order, report("open")) == [Accepted("884213557")]
    assert tracker.apply(order, report("open")) == []
    assert tracker.find("884213557", None) is order and tracker.find(None, "O-1") is order


def test_socket_fill_before_rest_reply_emits_accepted_first() -> None:
    tracker = OrderTracker()
    order = tracker.add(tracked(quantity=3))
    assert tracker.fill(order, "F1", 3, "884213557") == [Accepted("884213557"), Filled()]
    assert order.closed and order.venue_order_id == "884213557"
    assert tracker.apply(order, report("closed", filled=3, size=3)) == []
    assert tracker.fill(order, "F1", 3, "884213557") == []


def test_duplicate_fills_are_dropped_and_fills_close_the_order() -> None:
    tracker = OrderTracker()
    order = tracker.add(tracked(quantity=5))
    tracker.apply(order, report("open", size=5))
    assert tracker.fill(order, "F1", 2, "884213557") == [Filled()]
    assert tracker.fill(order, "F1", 2, "884213557") == []
    assert not order.closed and order.open_size == 3
    assert tracker.fill(order, "F2", 3, "884213557") == [Filled()]
    assert order.closed and order.open_size == 0


def test_ioc_cancel_waits_for_the_fills_the_venue_counted() -> None:
    tracker = OrderTracker()
    order = tracker.add(tracked(quantity=3))
    steps = tracker.apply(order, report("cancelled", filled=1, size=3))
    assert steps == [Accepted("884213557"), FillsMissing(1)]
    assert not order.closed
    assert tracker.fill(order, "F1", 1, "884213557") == [Filled(), Canceled()]
    assert order.closed
    assert tracker.apply(order, report("cancelled", filled=1, size=3)) == []


def test_cancel_without_fills_is_immediate_and_final() -> None:
    tracker = OrderTracker()
    order = tracker.add(tracked())
    assert tracker.apply(order, report("open")) == [Accepted("884213557")]
    assert tracker.apply(order, report("cancelled")) == [Canceled()]
    assert tracker.apply(order, report("open")) == []
    assert tracker.apply(order, report("cancelled")) == []


def test_closed_state_before_fills_asks_for_them_without_terminal_step() -> None:
    tracker = OrderTracker()
    order = tracker.add(tracked(OrderType.MARKET, quantity=4, price=None))
    assert tracker.apply(order, report("closed", filled=4, size=4, limit_price=None)) == [
        Accepted("884213557"),
        FillsMissing(4),
    ]
    assert tracker.fill(order, "F1", 4, "884213557") == [Filled()]
    assert order.closed


def test_stop_limit_trigger_is_emitted_once() -> None:
    tracker = OrderTracker()
    order = tracker.add(tracked(OrderType.STOP_LIMIT, trigger_price="69000"))
    pending = {"stop_order_type": "stop_loss_order", "stop_price": "69000"}
    assert tracker.apply(order, report("pending", **pending)) == [Accepted("884213557")]
    assert tracker.apply(order, report("open", reason="stop_trigger", **pending)) == [Triggered()]
    assert tracker.apply(order, report("open", **pending)) == []


def test_stop_market_trigger_is_recorded_but_not_emitted() -> None:
    tracker = OrderTracker()
    order = tracker.add(tracked(OrderType.STOP_MARKET, price=None, trigger_price="69000"))
    pending = {"stop_order_type": "stop_loss_order", "stop_price": "69000", "limit_price": None}
    tracker.apply(order, report("pending", **pending))
    assert tracker.apply(order, report("open", reason="stop_trigger", **pending)) == []
    assert order.triggered


def test_edits_update_once_and_forced_update_ends_pending_update() -> None:
    tracker = OrderTracker()
    order = tracker.add(tracked())
    tracker.apply(order, report("open"))
    assert tracker.apply(order, report("open", limit_price="68100.0")) == [Updated(10, "68100.0", None, False)]
    assert tracker.apply(order, report("open", limit_price="68100")) == []  # same price, other text
    assert tracker.apply(order, report("open", size=12, limit_price="68100")) == [Updated(12, "68100.0", None, False)]
    assert tracker.apply(order, report("open", size=12, limit_price="68100"), force_update=True) == []
    order.awaiting_update = True  # an edit to the same values was sent: its reply must end PENDING_UPDATE
    assert tracker.apply(order, report("open", size=12, limit_price="68100"), force_update=True) == [
        Updated(12, "68100.0", None, False),
    ]
    assert not order.awaiting_update


def test_socket_update_before_the_edit_reply_is_not_repeated() -> None:
    tracker = OrderTracker()
    order = tracker.add(tracked())
    tracker.apply(order, report("open"))
    order.awaiting_update = True
    assert tracker.apply(order, report("open", limit_price="67900")) == [Updated(10, "67900", None, False)]
    assert tracker.apply(order, report("open", limit_price="67900"), force_update=True) == []


def test_fills_do_not_look_like_edits() -> None:
    tracker = OrderTracker()
    order = tracker.add(tracked())
    tracker.apply(order, report("open"))
    assert tracker.apply(order, venue_order(socket_detail("ws_orders.json") | {"client_order_id": "O-1"})) == []


def test_bracket_leg_matches_its_placeholder_child() -> None:
    tracker = OrderTracker()
    entry = tracker.add(tracked(quantity=2))
    stop = tracker.add(
        tracked(
            OrderType.STOP_MARKET,
            quantity=2,
            client_order_id="O-2",
            delta_client_order_id=None,
            side=OrderSide.SELL,
            price=None,
            trigger_price="67000",
            placeholder=True,
            parent=entry.client_order_id,
            leg_type="stop_loss_order",
            leg_stop_price="67000",
        ),
    )
    take = tracker.add(
        tracked(
            OrderType.LIMIT,
            quantity=2,
            client_order_id="O-3",
            delta_client_order_id=None,
            side=OrderSide.SELL,
            price="69000",
            placeholder=True,
            parent=entry.client_order_id,
            leg_type="take_profit_order",
            leg_stop_price="69000",
        ),
    )
    leg = {
        "order_id": 900,
        "client_order_id": None,
        "product_id": 27,
        "side": "sell",
        "state": "pending",
        "size": 2,
        "unfilled_size": 2,
        "stop_order_type": "take_profit_order",
        "stop_price": "69000",
        "limit_price": "69000",
        "bracket_order": True,
    }
    assert tracker.match_leg(venue_order(leg), BTCUSD) is take  # a leg may come before its entry's reply
    tracker.close(entry)
    assert tracker.match_leg(venue_order(leg), BTCUSD) is None  # a closed, never accepted entry has no legs
    entry.closed = False
    tracker.apply(entry, report("open", size=2))
    assert tracker.match_leg(venue_order(leg), BTCUSD) is take
    assert tracker.match_leg(venue_order(leg | {"side": "buy"}), BTCUSD) is None
    assert tracker.match_leg(venue_order(leg | {"bracket_order": False}), BTCUSD) is None
    steps = tracker.link_leg(take, venue_order(leg))
    assert steps[0] == Updated(2, "69000", None, True)
    assert take.venue_order_id == "900" and not take.placeholder and tracker.find("900", None) is take
    sl_leg = leg | {"order_id": 901, "stop_order_type": "stop_loss_order", "stop_price": "67000", "limit_price": None}
    assert tracker.match_leg(venue_order(sl_leg), BTCUSD) is stop


# -- MMP events ----------------------------------------------------------------------------------------------------


def test_mmp_events() -> None:
    assert MMP_TOPIC == "delta_exchange.mmp"
    triggered = DeltaMmpTriggered("BTC", 5_000, 1, 2)
    assert (triggered.asset, triggered.frozen_till_ns, triggered.ts_event, triggered.ts_init) == ("BTC", 5_000, 1, 2)
    assert DeltaMmpThawed("BTC", 9).ts == 9


def test_a_leg_held_at_size_zero_keeps_the_child_quantity_until_resized() -> None:
    tracker = OrderTracker()
    entry = tracker.add(tracked(quantity=2))
    child = tracker.add(
        tracked(
            OrderType.STOP_MARKET,
            quantity=2,
            client_order_id="O-2",
            delta_client_order_id=None,
            side=OrderSide.SELL,
            price=None,
            trigger_price="67000",
            placeholder=True,
            parent=entry.client_order_id,
            leg_type="stop_loss_order",
            leg_stop_price="67000",
        ),
    )
    tracker.apply(entry, report("open", size=2))
    child.accepted = True  # the client accepts the children with their entry (placeholder ids)
    leg = {
        "order_id": 901,
        "product_id": 27,
        "side": "sell",
        "state": "pending",
        "size": 0,
        "unfilled_size": 0,
        "stop_order_type": "stop_loss_order",
        "stop_price": "67000",
        "limit_price": None,
        "bracket_order": True,
    }
    assert tracker.match_leg(venue_order(leg), BTCUSD) is child
    # Linked silently: the id is reported with the next update (here the resize when the entry fills).
    assert tracker.link_leg(child, venue_order(leg)) == []
    assert child.venue_order_id == "901" and child.id_unreported and tracker.find("901", None) is child
    assert tracker.apply(child, venue_order(leg | {"size": 2, "unfilled_size": 2})) == [
        Updated(2, None, "67000", True),
    ]
    assert not child.id_unreported
    assert tracker.apply(child, venue_order(leg | {"size": 2, "unfilled_size": 2})) == []


# -- account ------------------------------------------------------------------------------------------------------


def test_wallet_balance_and_margin_from_a_margins_message() -> None:
    from nautilus_trader.model.currencies import USD  # noqa: PLC0415

    wallet = socket_detail("ws_margins.json")  # balance 1000.00000000, available 990.61681
    balance = wallet_balance(wallet, USD)
    assert balance.total == Money(Decimal("1000.00"), USD) and balance.free == Money(Decimal("990.62"), USD)
    assert balance.locked == Money(Decimal("9.38"), USD)
    margin = wallet_margin(wallet, USD)  # order_margin 1.36, position_margin 7.17019
    assert margin is not None
    assert margin.initial == Money(Decimal("1.36"), USD) and margin.maintenance == Money(Decimal("7.17"), USD)
    assert wallet_margin({"order_margin": "0", "position_margin": None}, USD) is None


def test_wallet_balance_from_rest_and_a_free_amount_above_the_total() -> None:
    from nautilus_trader.model.currencies import USD  # noqa: PLC0415

    wallets = fixture("rest_wallet_balances.json")["result"]
    usd = next(w for w in wallets if w["asset_symbol"] == "USD")
    balance = wallet_balance(usd, USD)
    assert balance.total.as_decimal() == Decimal(usd["balance"]).quantize(Decimal("0.01"))
    odd = wallet_balance({"balance": "10", "available_balance": "12"}, USD)
    assert odd.free == odd.total == Money(10, USD) and odd.locked == Money(0, USD)


def test_unrealized_pnl_vanilla_and_inverse(instrument: Instrument) -> None:
    # long 10 x 0.001 BTC from 68000 to 68500: +5 USD; short the same: -5 USD
    assert unrealized_pnl(instrument, 10, Decimal(68000), Decimal(68500)) == Decimal("5.000")
    assert unrealized_pnl(instrument, -10, Decimal(68000), Decimal(68500)) == Decimal("-5.000")
    product = fixture("rest_product.json")["result"]
    inverse = instrument_from_product(
        {**product, "symbol": "BTCUSD_INV", "contract_value": "1", "settling_asset": product["underlying_asset"]},
        1,
    )
    # long 100 USD contracts from 50000 to 40000: 100 x (1/50000 - 1/40000) = -0.0005 BTC
    assert unrealized_pnl(inverse, 100, Decimal(50000), Decimal(40000)) == Decimal("-0.0005")


# -- dead-man switch ------------------------------------------------------------------------------------------------


class _FakeHeartbeatApi:
    def __init__(self) -> None:
        self.calls: list[tuple[str, dict[str, Any]]] = []

    async def create_heartbeat(self, request: dict[str, Any]) -> dict[str, Any]:
        self.calls.append(("create_heartbeat", request))
        return {"heartbeat_id": request["heartbeat_id"]}

    async def ack_heartbeat(self, request: dict[str, Any]) -> dict[str, Any]:
        self.calls.append(("ack_heartbeat", request))
        return {}

    async def cancel_after(self, request: dict[str, Any]) -> dict[str, Any]:
        self.calls.append(("cancel_after", request))
        return {}


def _drive(switch: DeadManSwitch) -> None:
    async def run() -> None:
        await switch.arm()
        await switch.renew()
        await switch.disable()

    asyncio.run(run())


@pytest.mark.parametrize(
    "environment", [DeltaEnvironment.INDIA, DeltaEnvironment.INDIA_TESTNET, DeltaEnvironment.LOCAL]
)
def test_dead_man_switch_india_heartbeat(environment: DeltaEnvironment) -> None:
    api = _FakeHeartbeatApi()
    switch = DeadManSwitch(api, environment, 30_000, "nautilus-T-001")
    assert switch.uses_heartbeat and switch.period_secs == 10.0
    _drive(switch)
    assert [name for name, _ in api.calls] == ["create_heartbeat", "ack_heartbeat", "ack_heartbeat"]
    create = api.calls[0][1]
    assert create["heartbeat_id"] == "nautilus-T-001" and create["impact"] == "contracts"
    assert create["config"] == [{"action": "cancel_orders", "unhealthy_count": 1}]
    assert api.calls[1][1] == {"heartbeat_id": "nautilus-T-001", "ttl": 30_000}
    assert api.calls[2][1] == {"heartbeat_id": "nautilus-T-001", "ttl": 0}


@pytest.mark.parametrize("environment", [DeltaEnvironment.GLOBAL, DeltaEnvironment.GLOBAL_TESTNET])
def test_dead_man_switch_global_cancel_after(environment: DeltaEnvironment) -> None:
    api = _FakeHeartbeatApi()
    switch = DeadManSwitch(api, environment, 600, "unused")
    assert not switch.uses_heartbeat and switch.period_secs == 0.5
    _drive(switch)
    assert api.calls == [("cancel_after", {"cancel_after": "600"}), ("cancel_after", {"cancel_after": "0"})]
    assert DeadManSwitch(api, environment, 600_000, "x").period_secs == 30.0
