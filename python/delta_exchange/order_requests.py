"""
Nautilus orders -> Delta order request dicts (REFERENCE 7.3), and what Delta cannot do.

Delta's orders are limit or market, optionally a stop (``stop_loss_order``) or take-profit
(``take_profit_order``) with a trigger price or a trailing amount, GTC or IOC, post-only and reduce-only.
Nautilus orders map as follows; everything else raises :class:`UnsupportedOrderError`, whose message says what
is unsupported and what to use instead (the client turns it into ``OrderDenied`` before anything is sent):

=====================  ================================================================================
MARKET                 ``market_order``
LIMIT                  ``limit_order`` + ``limit_price``
STOP_MARKET            ``market_order`` + ``stop_loss_order`` + ``stop_price``
STOP_LIMIT             ``limit_order`` + ``stop_loss_order`` + ``stop_price`` + ``limit_price``
MARKET_IF_TOUCHED      ``market_order`` + ``take_profit_order`` + ``stop_price``
LIMIT_IF_TOUCHED       ``limit_order`` + ``take_profit_order`` + ``stop_price`` + ``limit_price``
TRAILING_STOP_MARKET   ``market_order`` + ``stop_loss_order`` + ``trail_amount`` (offset type PRICE only;
                       positive for a buy, negative for a sell, as Delta's official client sends it)
=====================  ================================================================================

Trigger types: DEFAULT and MARK_PRICE -> ``mark_price``, LAST_PRICE -> ``last_traded_price``, INDEX_PRICE ->
``spot_price``. Sizes are whole contracts; prices are the exact text of the Nautilus ``Price``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Final, NamedTuple

from nautilus_trader.model.enums import (
    ContingencyType,
    OrderType,
    TimeInForce,
    TrailingOffsetType,
    TriggerType,
    order_type_to_str,
    time_in_force_to_str,
    trailing_offset_type_to_str,
    trigger_type_to_str,
)
from nautilus_trader.model.objects import Price, Quantity
from nautilus_trader.model.orders import Order

from delta_exchange.constants import order_side_to_delta, order_type_to_delta, time_in_force_to_delta

MAX_BATCH: Final[int] = 50
"""Most orders in one Delta batch request (create, edit or cancel)."""

SUPPORTED_ORDER_TYPES: Final[tuple[OrderType, ...]] = (
    OrderType.MARKET,
    OrderType.LIMIT,
    OrderType.STOP_MARKET,
    OrderType.STOP_LIMIT,
    OrderType.MARKET_IF_TOUCHED,
    OrderType.LIMIT_IF_TOUCHED,
    OrderType.TRAILING_STOP_MARKET,
)

TRIGGER_METHODS: Final[dict[TriggerType, str]] = {
    TriggerType.DEFAULT: "mark_price",
    TriggerType.MARK_PRICE: "mark_price",
    TriggerType.LAST_PRICE: "last_traded_price",
    TriggerType.INDEX_PRICE: "spot_price",
}

_STOP_LOSS_TYPES: Final = (OrderType.STOP_MARKET, OrderType.STOP_LIMIT, OrderType.TRAILING_STOP_MARKET)
_TAKE_PROFIT_TYPES: Final = (OrderType.LIMIT, OrderType.MARKET_IF_TOUCHED, OrderType.LIMIT_IF_TOUCHED)
_LIMIT_TYPES: Final = (OrderType.LIMIT, OrderType.STOP_LIMIT, OrderType.LIMIT_IF_TOUCHED)
_TRIGGER_TYPES: Final = (
    OrderType.STOP_MARKET,
    OrderType.STOP_LIMIT,
    OrderType.MARKET_IF_TOUCHED,
    OrderType.LIMIT_IF_TOUCHED,
)


class UnsupportedOrderError(ValueError):
    """An order Delta cannot take; the message says what is unsupported and what to use."""


class Bracket(NamedTuple):
    """An entry order with its stop-loss and/or take-profit children (an ``order_factory.bracket`` list)."""

    entry: Order
    stop_loss: Order | None
    take_profit: Order | None


def size_of(quantity: Quantity) -> int:
    """
    Return a quantity as whole contracts.

    Raises
    ------
    UnsupportedOrderError
        If the quantity is not a positive whole number.

    """
    value = quantity.as_decimal()
    if value <= 0 or value != value.to_integral_value():
        raise UnsupportedOrderError(
            f"unsupported quantity {quantity}: Delta sizes are whole contracts; use a positive integer quantity",
        )
    return int(value)


def price_text(price: Price) -> str:
    """Return the exact decimal text of a price (``Price("65000.5")`` -> ``"65000.5"``)."""
    return str(price)


def trigger_method(trigger_type: TriggerType) -> str:
    """
    Return Delta's ``stop_trigger_method`` for a Nautilus trigger type.

    Raises
    ------
    UnsupportedOrderError
        For trigger types Delta has no price for (BID_ASK, DOUBLE_LAST, ...).

    """
    method = TRIGGER_METHODS.get(trigger_type)
    if method is None:
        raise UnsupportedOrderError(
            f"unsupported trigger_type {trigger_type_to_str(trigger_type)}: Delta triggers from the mark, last "
            "or index price; use DEFAULT/MARK_PRICE, LAST_PRICE or INDEX_PRICE",
        )
    return method


def is_mmp_order(order: Order, mmp_group: str | None) -> bool:
    """
    Tell whether ``order`` is tagged with the MMP group.

    With a group configured, every plain LIMIT order that is not reduce-only is (quotes and other
    liquidity-providing or -taking limits; reduce-only exits stay untagged so a freeze never blocks closing a
    position).
    """
    return mmp_group is not None and order.order_type == OrderType.LIMIT and not order.is_reduce_only


def check_supported(order: Order) -> None:
    """
    Raise :class:`UnsupportedOrderError` when Delta cannot take ``order`` as it is.

    Checks the order type, time in force, quote quantity, display quantity, trailing offset type, trigger type
    and that the size is whole contracts.
    """
    if order.order_type not in SUPPORTED_ORDER_TYPES:
        supported = ", ".join(order_type_to_str(t) for t in SUPPORTED_ORDER_TYPES)
        raise UnsupportedOrderError(
            f"unsupported order type {order_type_to_str(order.order_type)}: Delta supports {supported}",
        )
    if order.time_in_force not in (TimeInForce.GTC, TimeInForce.IOC):
        raise UnsupportedOrderError(
            f"unsupported time_in_force {time_in_force_to_str(order.time_in_force)}: Delta supports GTC and IOC",
        )
    if order.is_quote_quantity:
        raise UnsupportedOrderError(
            "unsupported quote quantity: Delta sizes orders in whole contracts; give the quantity in contracts",
        )
    if getattr(order, "display_qty", None) is not None:
        raise UnsupportedOrderError(
            "unsupported display_qty (iceberg order): Delta shows the full size; omit display_qty",
        )
    if order.order_type == OrderType.TRAILING_STOP_MARKET:
        if order.trailing_offset_type != TrailingOffsetType.PRICE:
            raise UnsupportedOrderError(
                f"unsupported trailing_offset_type {trailing_offset_type_to_str(order.trailing_offset_type)}: "
                "Delta trails by a price amount; use TrailingOffsetType.PRICE",
            )
        if order.trigger_price is not None or getattr(order, "activation_price", None) is not None:
            raise UnsupportedOrderError(
                "unsupported activation price (trigger_price) on a trailing stop: Delta trails from placement; "
                "omit trigger_price",
            )
    if order.order_type in _TRIGGER_TYPES or order.order_type == OrderType.TRAILING_STOP_MARKET:
        trigger_method(order.trigger_type)
    size_of(order.quantity)


def order_request(
    order: Order,
    product_id: int,
    client_order_id: str,
    mmp_group: str | None = None,
) -> dict[str, Any]:
    """
    Return the ``POST /v2/orders`` request of ``order``.

    Parameters
    ----------
    order : Order
        The Nautilus order.
    product_id : int
        Delta's product id of the order's instrument.
    client_order_id : str
        Delta's ``client_order_id`` (from :func:`~delta_exchange.client_ids.to_delta_client_order_id`).
    mmp_group : str, optional
        The MMP group to tag (see :func:`is_mmp_order`).

    Raises
    ------
    UnsupportedOrderError
        If Delta cannot take the order.

    """
    check_supported(order)
    delta_type, stop_order_type = order_type_to_delta(order.order_type)
    request: dict[str, Any] = {
        "product_id": product_id,
        "size": size_of(order.quantity),
        "side": order_side_to_delta(order.side),
        "order_type": delta_type,
        "time_in_force": time_in_force_to_delta(order.time_in_force),
        "client_order_id": client_order_id,
    }
    if order.order_type in _LIMIT_TYPES:
        request["limit_price"] = price_text(order.price)
    if stop_order_type is not None:
        request["stop_order_type"] = stop_order_type
        request["stop_trigger_method"] = trigger_method(order.trigger_type)
    if order.order_type in _TRIGGER_TYPES:
        request["stop_price"] = price_text(order.trigger_price)
    if order.order_type == OrderType.TRAILING_STOP_MARKET:
        request["trail_amount"] = trail_amount(order)
    if order.is_post_only:
        request["post_only"] = "true"
    if order.is_reduce_only:
        request["reduce_only"] = "true"
    if is_mmp_order(order, mmp_group):
        request["mmp"] = mmp_group
    return request


MMP_GROUPS: Final[tuple[str, ...]] = ("disabled", "mmp1", "mmp2", "mmp3", "mmp4", "mmp5")
"""Values of Delta's per-order ``mmp`` field: no protection, or one of the five MMP groups."""

ORDER_PARAMS: Final[tuple[str, ...]] = ("mmp", "cancel_orders_accepted")
"""Keys a strategy may pass in ``submit_order(..., params=...)`` (TC-E63), sent to Delta as they are named."""


def order_params(params: Mapping[str, Any] | None) -> dict[str, Any]:
    """
    Return the Delta request fields of a command's ``params``.

    ``mmp`` (one of :data:`MMP_GROUPS`, overriding the configured group) and ``cancel_orders_accepted`` (bool:
    let Delta cancel the product's open orders to free margin for this one).

    Raises
    ------
    UnsupportedOrderError
        On an unknown key or a value of the wrong kind, naming what is accepted.

    """
    fields: dict[str, Any] = {}
    for key, value in (params or {}).items():
        if key == "mmp" and value in MMP_GROUPS:
            fields["mmp"] = value
        elif key == "cancel_orders_accepted" and isinstance(value, bool):
            fields["cancel_orders_accepted"] = "true" if value else "false"
        elif key in ORDER_PARAMS:
            expected = "one of " + ", ".join(MMP_GROUPS) if key == "mmp" else "a bool"
            raise UnsupportedOrderError(f"unsupported value {value!r} of order param {key!r}: expected {expected}")
        else:
            raise UnsupportedOrderError(
                f"unsupported order param {key!r}: Delta orders take {', '.join(ORDER_PARAMS)}",
            )
    return fields


def is_mmp_request(request: Mapping[str, Any]) -> bool:
    """Whether an order or batch-item request is tagged with an MMP group (``mmp`` set and not ``disabled``)."""
    return request.get("mmp") not in (None, "disabled")


def trail_amount(order: Order) -> str:
    """Delta's ``trail_amount`` of a trailing stop: the offset, positive for a buy and negative for a sell."""
    offset = abs(order.trailing_offset)
    return str(offset if order_side_to_delta(order.side) == "buy" else -offset)


def batch_item(order: Order, client_order_id: str, mmp_group: str | None = None) -> dict[str, Any]:
    """
    Return the item of ``order`` in a ``POST /v2/orders/batch`` request (limit orders only, GTC, no stops).

    Raises
    ------
    UnsupportedOrderError
        If Delta cannot take the order at all; use :func:`batchable` to decide whether it may join a batch.

    """
    request = order_request(order, 0, client_order_id, mmp_group)
    return {key: value for key, value in request.items() if key not in ("product_id", "reduce_only")}


def batchable(order: Order) -> bool:
    """Whether ``order`` may go in a Delta batch: a GTC limit order that is not reduce-only (REFERENCE 7.3)."""
    return order.order_type == OrderType.LIMIT and order.time_in_force == TimeInForce.GTC and not order.is_reduce_only


def split_bracket(orders: Sequence[Order]) -> Bracket | None:
    """
    Return the bracket an order list forms, or None when it is not one.

    A bracket is an OTO entry whose other orders are all its children (``parent_order_id``): at most one
    stop-loss (STOP_MARKET, STOP_LIMIT or TRAILING_STOP_MARKET) and at most one take-profit (LIMIT,
    MARKET_IF_TOUCHED or LIMIT_IF_TOUCHED), as ``order_factory.bracket`` builds them.

    Raises
    ------
    UnsupportedOrderError
        For an OTO list Delta's bracket fields cannot express (other child types, two of a kind, child sizes
        different from the entry, children on another instrument).

    """
    if len(orders) < 2 or orders[0].contingency_type != ContingencyType.OTO:
        return None
    entry, children = orders[0], orders[1:]
    if any(child.parent_order_id != entry.client_order_id for child in children):
        return None
    stop_loss = [child for child in children if child.order_type in _STOP_LOSS_TYPES]
    take_profit = [child for child in children if child.order_type in _TAKE_PROFIT_TYPES]
    if len(stop_loss) > 1 or len(take_profit) > 1 or len(stop_loss) + len(take_profit) != len(children):
        raise UnsupportedOrderError(
            "unsupported bracket: Delta attaches at most one stop-loss (STOP_MARKET, STOP_LIMIT, "
            "TRAILING_STOP_MARKET) and one take-profit (LIMIT, MARKET_IF_TOUCHED, LIMIT_IF_TOUCHED) to an entry",
        )
    for child in children:
        if child.quantity != entry.quantity or child.instrument_id != entry.instrument_id:
            raise UnsupportedOrderError(
                "unsupported bracket: Delta sizes bracket legs to the entry's fills; children must have the "
                "entry's quantity and instrument",
            )
        if child.side == entry.side:
            raise UnsupportedOrderError("unsupported bracket: children must be on the side opposite the entry")
    return Bracket(entry, stop_loss[0] if stop_loss else None, take_profit[0] if take_profit else None)


def bracket_request(
    bracket: Bracket,
    product_id: int,
    client_order_id: str,
    mmp_group: str | None = None,
) -> dict[str, Any]:
    """
    Return the one ``POST /v2/orders`` request of a bracket: the entry with Delta's ``bracket_*`` fields.

    Stop-loss: ``bracket_stop_loss_price`` (+ ``bracket_stop_loss_limit_price`` for a STOP_LIMIT) or
    ``bracket_trail_amount`` (TRAILING_STOP_MARKET, unsigned); its trigger type gives
    ``bracket_stop_trigger_method``. Take-profit: ``bracket_take_profit_price`` (the trigger of an
    MIT/LIT, the price of a LIMIT) and ``bracket_take_profit_limit_price`` for LIMIT and LIT children.

    Raises
    ------
    UnsupportedOrderError
        If Delta cannot take the entry or a child.

    """
    request = order_request(bracket.entry, product_id, client_order_id, mmp_group)
    stop_loss, take_profit = bracket.stop_loss, bracket.take_profit
    trigger_types: list[TriggerType] = []
    if stop_loss is not None:
        check_supported(stop_loss)
        trigger_types.append(stop_loss.trigger_type)
        if stop_loss.order_type == OrderType.TRAILING_STOP_MARKET:
            request["bracket_trail_amount"] = str(abs(stop_loss.trailing_offset))
        else:
            request["bracket_stop_loss_price"] = price_text(stop_loss.trigger_price)
        if stop_loss.order_type == OrderType.STOP_LIMIT:
            request["bracket_stop_loss_limit_price"] = price_text(stop_loss.price)
    if take_profit is not None:
        check_supported(take_profit)
        if take_profit.order_type == OrderType.LIMIT:
            request["bracket_take_profit_price"] = price_text(take_profit.price)
            request["bracket_take_profit_limit_price"] = price_text(take_profit.price)
        else:
            trigger_types.append(take_profit.trigger_type)
            request["bracket_take_profit_price"] = price_text(take_profit.trigger_price)
            if take_profit.order_type == OrderType.LIMIT_IF_TOUCHED:
                request["bracket_take_profit_limit_price"] = price_text(take_profit.price)
    # A DEFAULT trigger type (mark price) defers to an explicit one on the other leg.
    explicit = [trigger_type for trigger_type in trigger_types if trigger_type != TriggerType.DEFAULT]
    methods = {trigger_method(trigger_type) for trigger_type in explicit or trigger_types}
    if len(methods) > 1:
        raise UnsupportedOrderError(
            "unsupported bracket: Delta has one bracket_stop_trigger_method for both legs; give the stop-loss "
            "and take-profit the same trigger_type",
        )
    if methods:
        request["bracket_stop_trigger_method"] = methods.pop()
    return request
