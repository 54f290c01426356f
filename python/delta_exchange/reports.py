"""
Delta order, fill and position dicts -> Nautilus execution reports, and the commission of a fill.

Orders arrive in two shapes: REST orders (REFERENCE 8.1, ``id``) and private-socket ``orders`` details
(``order_id``; ``order_type`` is None on events). :func:`venue_order` reads both into one :class:`VenueOrder`
so the client's state machine and the report builders see a single shape.
"""

from __future__ import annotations

from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any, Final, NamedTuple

from nautilus_trader.core.uuid import UUID4
from nautilus_trader.execution.reports import FillReport, OrderStatusReport, PositionStatusReport
from nautilus_trader.model.enums import (
    LiquiditySide,
    OrderStatus,
    OrderType,
    PositionSide,
    TrailingOffsetType,
    TriggerType,
)
from nautilus_trader.model.identifiers import AccountId, ClientOrderId, TradeId, VenueOrderId
from nautilus_trader.model.instruments import Instrument
from nautilus_trader.model.objects import Money, Price, Quantity

from delta_exchange.constants import (
    parse_liquidity_side,
    parse_order_side,
    parse_order_status,
    parse_order_type,
    parse_time_in_force,
)
from delta_exchange.providers import timestamp_ns

TRIGGER_TYPES: Final[dict[str, TriggerType]] = {
    "mark_price": TriggerType.MARK_PRICE,
    "last_traded_price": TriggerType.LAST_PRICE,
    "spot_price": TriggerType.INDEX_PRICE,
}

_NANOS_PER_MICRO = 1_000


class VenueOrder(NamedTuple):
    """One Delta order as the REST API or the private socket reported it (None: not in the message)."""

    order_id: str
    client_order_id: str | None
    product_id: int | None
    symbol: str | None
    side: str | None
    order_type: str | None
    state: str | None
    size: int | None
    unfilled_size: int | None
    limit_price: str | None
    stop_price: str | None
    stop_order_type: str | None
    trail_amount: str | None
    stop_trigger_method: str | None
    average_fill_price: str | None
    time_in_force: str | None
    post_only: bool
    reduce_only: bool
    bracket_order: bool
    reason: str | None
    cancellation_reason: str | None
    ts_created: int | None
    ts_event: int | None

    @property
    def filled_size(self) -> int | None:
        """Contracts filled so far (``size - unfilled_size``), None when either is missing."""
        if self.size is None or self.unfilled_size is None:
            return None
        return self.size - self.unfilled_size


def _flag(value: Any) -> bool:
    return value is True or value == "true"


def _text(value: Any) -> str | None:
    return None if value is None or value == "" else str(value)


def _int(value: Any) -> int | None:
    return None if value is None or value == "" else int(value)


def _micros_ns(value: Any) -> int | None:
    return None if value is None else int(value) * _NANOS_PER_MICRO


def venue_order(order: dict[str, Any]) -> VenueOrder:
    """
    Read a REST order (``id``) or a private-socket ``orders`` detail (``order_id``) into a :class:`VenueOrder`.

    Raises
    ------
    KeyError
        If the dict has neither ``order_id`` nor ``id``.

    """
    order_id = order.get("order_id")
    if order_id is None:
        order_id = order["id"]
    ts_event = _micros_ns(order.get("timestamp_us"))
    if ts_event is None:
        ts_event = timestamp_ns(order.get("updated_at")) or timestamp_ns(order.get("created_at"))
    return VenueOrder(
        order_id=str(order_id),
        client_order_id=_text(order.get("client_order_id")),
        product_id=_int(order.get("product_id")),
        symbol=_text(order.get("product_symbol") or order.get("symbol")),
        side=_text(order.get("side")),
        order_type=_text(order.get("order_type")),
        state=_text(order.get("state")),
        size=_int(order.get("size")),
        unfilled_size=_int(order.get("unfilled_size")),
        limit_price=_text(order.get("limit_price")),
        stop_price=_text(order.get("stop_price")),
        stop_order_type=_text(order.get("stop_order_type")),
        trail_amount=_text(order.get("trail_amount")),
        stop_trigger_method=_text(order.get("stop_trigger_method")),
        average_fill_price=_text(order.get("average_fill_price")),
        time_in_force=_text(order.get("time_in_force")),
        post_only=_flag(order.get("post_only")),
        reduce_only=_flag(order.get("reduce_only")),
        bracket_order=_flag(order.get("bracket_order")),
        reason=_text(order.get("reason")),
        cancellation_reason=_text(order.get("cancellation_reason")),
        ts_created=timestamp_ns(order.get("created_at")),
        ts_event=ts_event,
    )


def order_type_of(order: VenueOrder) -> OrderType:
    """
    Return the Nautilus order type of a venue order.

    Socket events carry no ``order_type``: a limit price then means a limit order.
    """
    delta_type = order.order_type or ("limit_order" if order.limit_price is not None else "market_order")
    return parse_order_type(delta_type, order.stop_order_type, trailing=order.trail_amount is not None)


def commission(
    instrument: Instrument,
    size: int,
    price: Decimal,
    liquidity_side: LiquiditySide,
) -> Money:
    """
    Delta's commission of a fill: notional x the product's maker or taker rate, in the settlement currency.

    Notional is ``size x contract_value x price`` (vanilla) or ``size x contract_value / price`` (inverse;
    REFERENCE 6.4). The exact amount is rounded half-even to the currency's precision, the most ``Money`` holds.
    A negative maker rate (rebate) gives a negative commission.
    """
    rate = instrument.maker_fee if liquidity_side == LiquiditySide.MAKER else instrument.taker_fee
    contracts = Decimal(size) * instrument.multiplier.as_decimal()
    notional = contracts / price if instrument.is_inverse else contracts * price
    return money(notional * Decimal(rate), instrument)


def money(amount: Decimal, instrument: Instrument) -> Money:
    """``amount`` in the instrument's settlement currency, rounded half-even to that currency's precision."""
    currency = instrument.get_settlement_currency()
    return Money(amount.quantize(Decimal(1).scaleb(-currency.precision), ROUND_HALF_EVEN), currency)


def make_price(instrument: Instrument, text: str) -> Price:
    """Return the instrument's price of Delta's decimal text (at the instrument's precision)."""
    return instrument.make_price(Decimal(text))


def order_status_report(
    order: VenueOrder,
    instrument: Instrument,
    account_id: AccountId,
    client_order_id: ClientOrderId | None,
    ts_init: int,
) -> OrderStatusReport:
    """
    Return the ``OrderStatusReport`` of a venue order.

    Raises
    ------
    ValueError
        For an order state, side or type with no Nautilus mapping, or a missing size.

    """
    if order.size is None or order.state is None or order.side is None:
        raise ValueError(f"Delta order {order.order_id} lacks size, state or side")
    order_type = order_type_of(order)
    filled = order.filled_size or 0
    status = parse_order_status(order.state, filled=filled > 0)
    if status == OrderStatus.ACCEPTED and order.state == "open" and order_type in _TRIGGERED_REPORTABLE:
        status = OrderStatus.TRIGGERED
    ts_last = order.ts_event or ts_init
    trailing = order.trail_amount is not None
    return OrderStatusReport(
        account_id=account_id,
        instrument_id=instrument.id,
        venue_order_id=VenueOrderId(order.order_id),
        order_side=parse_order_side(order.side),
        order_type=order_type,
        time_in_force=parse_time_in_force(order.time_in_force or "gtc"),
        order_status=status,
        quantity=instrument.make_qty(order.size),
        filled_qty=instrument.make_qty(filled),
        report_id=UUID4(),
        ts_accepted=order.ts_created or ts_last,
        ts_last=ts_last,
        ts_init=ts_init,
        client_order_id=client_order_id,
        price=make_price(instrument, order.limit_price) if order.limit_price is not None else None,
        trigger_price=(
            make_price(instrument, order.stop_price) if order.stop_price is not None and not trailing else None
        ),
        trigger_type=(
            TRIGGER_TYPES.get(order.stop_trigger_method or "mark_price", TriggerType.DEFAULT)
            if order.stop_order_type is not None
            else TriggerType.NO_TRIGGER
        ),
        trailing_offset=abs(Decimal(order.trail_amount)) if order.trail_amount is not None else None,
        trailing_offset_type=TrailingOffsetType.PRICE if trailing else TrailingOffsetType.NO_TRAILING_OFFSET,
        avg_px=Decimal(order.average_fill_price) if order.average_fill_price else None,
        post_only=order.post_only,
        reduce_only=order.reduce_only,
        cancel_reason=order.cancellation_reason,
    )


_TRIGGERED_REPORTABLE: Final = (OrderType.STOP_LIMIT, OrderType.LIMIT_IF_TOUCHED)


def fill_report(
    fill: dict[str, Any],
    instrument: Instrument,
    account_id: AccountId,
    client_order_id: ClientOrderId | None,
    ts_init: int,
) -> FillReport:
    """
    Return the ``FillReport`` of a REST fill (``GET /v2/fills``, REFERENCE 7.5).

    The commission is the fill's own ``commission`` (settlement currency); when absent it is computed from
    the product's rate (:func:`commission`).
    """
    size = int(fill["size"])
    price = Decimal(str(fill["price"]))
    liquidity_side = parse_liquidity_side(fill["role"])
    fee = fill.get("commission")
    return FillReport(
        account_id=account_id,
        instrument_id=instrument.id,
        venue_order_id=VenueOrderId(str(fill["order_id"])),
        trade_id=TradeId(str(fill["id"])),
        order_side=parse_order_side(fill["side"]),
        last_qty=instrument.make_qty(size),
        last_px=instrument.make_price(price),
        commission=(
            money(Decimal(str(fee)), instrument)
            if fee not in (None, "")
            else commission(instrument, size, price, liquidity_side)
        ),
        liquidity_side=liquidity_side,
        report_id=UUID4(),
        ts_event=timestamp_ns(fill.get("created_at")) or ts_init,
        ts_init=ts_init,
        client_order_id=client_order_id,
    )


def position_status_report(
    size: int,
    entry_price: str | None,
    *,
    instrument: Instrument,
    account_id: AccountId,
    ts_last: int,
    ts_init: int,
) -> PositionStatusReport:
    """Return the ``PositionStatusReport`` of a signed Delta position (FLAT when ``size`` is 0)."""
    side = PositionSide.LONG if size > 0 else PositionSide.SHORT if size < 0 else PositionSide.FLAT
    return PositionStatusReport(
        account_id=account_id,
        instrument_id=instrument.id,
        position_side=side,
        quantity=Quantity(abs(size), instrument.size_precision),
        report_id=UUID4(),
        ts_last=ts_last,
        ts_init=ts_init,
        avg_px_open=Decimal(entry_price) if entry_price and size else None,
    )
