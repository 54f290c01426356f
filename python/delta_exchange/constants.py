"""
Delta Exchange identifiers, environments and the value mappings between Delta and Nautilus.

Every ``parse_*`` function turns a Delta wire value into its Nautilus counterpart and every ``*_to_delta``
function goes the other way. Both raise ``ValueError`` naming the value and the accepted ones when a value
has no mapping, so an unknown venue value is a clear error rather than a silent default.
Wire values follow ``REFERENCE.md`` sections 6.1, 8.2, 7.2 (candle resolutions) and 9.5 (``system_status``).
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum
from typing import Final, TypeVar

from nautilus_trader.model.data import BarSpecification
from nautilus_trader.model.enums import (
    BarAggregation,
    LiquiditySide,
    MarketStatusAction,
    OrderSide,
    OrderStatus,
    OrderType,
    PriceType,
    TimeInForce,
)
from nautilus_trader.model.identifiers import ClientId, Venue

_K = TypeVar("_K")
_V = TypeVar("_V")

DELTA_EXCHANGE: Final[str] = "DELTA_EXCHANGE"
DELTA_EXCHANGE_VENUE: Final[Venue] = Venue(DELTA_EXCHANGE)
DELTA_EXCHANGE_CLIENT_ID: Final[ClientId] = ClientId(DELTA_EXCHANGE)


class DeltaEnvironment(StrEnum):
    """A Delta Exchange deployment (DESIGN section 5; hosts in REFERENCE section 1)."""

    INDIA = "india"
    GLOBAL = "global"
    INDIA_TESTNET = "india-testnet"
    GLOBAL_TESTNET = "global-testnet"
    LOCAL = "local"

    @classmethod
    def parse(cls, value: str) -> DeltaEnvironment:
        """
        Return the environment named ``value``.

        Raises
        ------
        ValueError
            If ``value`` names no environment; the message lists the valid names.

        """
        try:
            return cls(value)
        except ValueError:
            raise ValueError(f"unknown Delta environment {value!r}: use one of {_names(cls)}") from None

    @property
    def is_testnet(self) -> bool:
        """Whether this is one of the two testnets."""
        return self in (DeltaEnvironment.INDIA_TESTNET, DeltaEnvironment.GLOBAL_TESTNET)

    @property
    def is_production(self) -> bool:
        """Whether this is a production deployment (India or Global)."""
        return self in (DeltaEnvironment.INDIA, DeltaEnvironment.GLOBAL)


class DeltaContractType(StrEnum):
    """Delta ``contract_type`` values (REFERENCE section 6.1)."""

    PERPETUAL_FUTURES = "perpetual_futures"
    FUTURES = "futures"
    CALL_OPTIONS = "call_options"
    PUT_OPTIONS = "put_options"
    MOVE_OPTIONS = "move_options"
    SPOT = "spot"
    SPREADS = "spreads"
    INTEREST_RATE_SWAPS = "interest_rate_swaps"
    TURBO_CALL_OPTIONS = "turbo_call_options"
    TURBO_PUT_OPTIONS = "turbo_put_options"
    OPTIONS_COMBOS = "options_combos"


SUPPORTED_CONTRACT_TYPES: Final[tuple[DeltaContractType, ...]] = (
    DeltaContractType.PERPETUAL_FUTURES,
    DeltaContractType.FUTURES,
    DeltaContractType.CALL_OPTIONS,
    DeltaContractType.PUT_OPTIONS,
)
"""The contract types the adapter maps to Nautilus instruments; the others are skipped."""

PRODUCT_STATES: Final[tuple[str, ...]] = ("live", "upcoming", "expired", "settled")
"""Values accepted by Delta's ``states`` product filter (REFERENCE section 7.2)."""


def parse_contract_type(value: str) -> DeltaContractType:
    """
    Return the supported contract type named ``value``.

    Raises
    ------
    ValueError
        If ``value`` is not a Delta contract type, or one the adapter does not map.

    """
    try:
        contract_type = DeltaContractType(value)
    except ValueError:
        raise ValueError(
            f"unknown Delta contract type {value!r}: use one of {_names(SUPPORTED_CONTRACT_TYPES)}",
        ) from None
    if contract_type not in SUPPORTED_CONTRACT_TYPES:
        raise ValueError(
            f"Delta contract type {value!r} is not supported by this adapter: use one of "
            f"{_names(SUPPORTED_CONTRACT_TYPES)}",
        )
    return contract_type


# -- order side -----------------------------------------------------------------------------------------------

_ORDER_SIDES: Final[dict[str, OrderSide]] = {"buy": OrderSide.BUY, "sell": OrderSide.SELL}
_ORDER_SIDES_TO_DELTA: Final[dict[OrderSide, str]] = {v: k for k, v in _ORDER_SIDES.items()}


def parse_order_side(value: str) -> OrderSide:
    """Return the Nautilus side of Delta's ``side`` (``buy``/``sell``)."""
    return _lookup(_ORDER_SIDES, value, "order side")


def order_side_to_delta(side: OrderSide) -> str:
    """Return Delta's ``side`` for a Nautilus order side (``NO_ORDER_SIDE`` has none)."""
    return _lookup(_ORDER_SIDES_TO_DELTA, side, "order side")


# -- order type -----------------------------------------------------------------------------------------------

_ORDER_TYPES: Final[dict[tuple[str, str | None, bool], OrderType]] = {
    ("market_order", None, False): OrderType.MARKET,
    ("limit_order", None, False): OrderType.LIMIT,
    ("market_order", "stop_loss_order", False): OrderType.STOP_MARKET,
    ("limit_order", "stop_loss_order", False): OrderType.STOP_LIMIT,
    ("market_order", "take_profit_order", False): OrderType.MARKET_IF_TOUCHED,
    ("limit_order", "take_profit_order", False): OrderType.LIMIT_IF_TOUCHED,
    ("market_order", "stop_loss_order", True): OrderType.TRAILING_STOP_MARKET,
}
_ORDER_TYPES_TO_DELTA: Final[dict[OrderType, tuple[str, str | None]]] = {
    v: (order_type, stop_type) for (order_type, stop_type, _), v in _ORDER_TYPES.items()
}


def parse_order_type(order_type: str, stop_order_type: str | None = None, *, trailing: bool = False) -> OrderType:
    """
    Return the Nautilus order type of a Delta order.

    Parameters
    ----------
    order_type : str
        Delta's ``order_type`` (``limit_order`` or ``market_order``).
    stop_order_type : str, optional
        Delta's ``stop_order_type`` (``stop_loss_order`` or ``take_profit_order``); ``None`` for plain orders.
    trailing : bool, default False
        Whether the order carries a ``trail_amount`` (a trailing stop).

    Raises
    ------
    ValueError
        If the combination has no Nautilus order type.

    """
    key = (order_type, stop_order_type, trailing)
    if key not in _ORDER_TYPES:
        raise ValueError(
            f"unsupported Delta order type order_type={order_type!r} stop_order_type={stop_order_type!r} "
            f"trailing={trailing}: order_type must be 'limit_order' or 'market_order', stop_order_type None, "
            "'stop_loss_order' or 'take_profit_order', and only a market stop-loss can trail",
        )
    return _ORDER_TYPES[key]


def order_type_to_delta(order_type: OrderType) -> tuple[str, str | None]:
    """
    Return Delta's ``(order_type, stop_order_type)`` for a Nautilus order type.

    ``TRAILING_STOP_MARKET`` maps to a market stop-loss; the caller sends its ``trail_amount``.

    Raises
    ------
    ValueError
        If Delta has no such order type (``MARKET_TO_LIMIT``, ``TRAILING_STOP_LIMIT``).

    """
    return _lookup(_ORDER_TYPES_TO_DELTA, order_type, "order type")


# -- time in force ----------------------------------------------------------------------------------------------

_TIME_IN_FORCE: Final[dict[str, TimeInForce]] = {"gtc": TimeInForce.GTC, "ioc": TimeInForce.IOC}
_TIME_IN_FORCE_TO_DELTA: Final[dict[TimeInForce, str]] = {v: k for k, v in _TIME_IN_FORCE.items()}


def parse_time_in_force(value: str) -> TimeInForce:
    """Return the Nautilus time in force of Delta's ``time_in_force`` (``gtc``/``ioc``)."""
    return _lookup(_TIME_IN_FORCE, value, "time in force")


def time_in_force_to_delta(time_in_force: TimeInForce) -> str:
    """
    Return Delta's ``time_in_force`` for a Nautilus one.

    Raises
    ------
    ValueError
        For anything but GTC and IOC (Delta removed ``fok`` on 2024-05-01 and has no GTD/DAY/AT_THE_*).

    """
    return _lookup(_TIME_IN_FORCE_TO_DELTA, time_in_force, "time in force")


# -- order status ------------------------------------------------------------------------------------------------

_ORDER_STATUS_TO_DELTA: Final[dict[OrderStatus, tuple[str, ...]]] = {
    OrderStatus.ACCEPTED: ("open", "pending"),
    OrderStatus.PARTIALLY_FILLED: ("open",),
    OrderStatus.TRIGGERED: ("open",),
    OrderStatus.FILLED: ("closed",),
    OrderStatus.CANCELED: ("cancelled",),
}


def parse_order_status(state: str, *, filled: bool = False) -> OrderStatus:
    """
    Return the Nautilus status of Delta's order ``state``.

    ``pending`` is an untriggered stop order, which is working at the venue: ACCEPTED. ``open`` is ACCEPTED,
    or PARTIALLY_FILLED when ``filled`` (some of its size has traded). ``closed`` means fully filled and
    ``cancelled`` covers cancelled orders whether or not they were partly filled (REFERENCE 8.1; the
    partial-fill case is inferred).

    Raises
    ------
    ValueError
        If ``state`` is not one of ``open``, ``pending``, ``closed``, ``cancelled``.

    """
    if state == "open":
        return OrderStatus.PARTIALLY_FILLED if filled else OrderStatus.ACCEPTED
    if state == "pending":
        return OrderStatus.ACCEPTED
    if state == "closed":
        return OrderStatus.FILLED
    if state == "cancelled":
        return OrderStatus.CANCELED
    raise ValueError(f"unknown Delta order state {state!r}: expected one of ['open', 'pending', 'closed', 'cancelled']")


def order_status_to_delta(status: OrderStatus) -> tuple[str, ...]:
    """
    Return the Delta order states a Nautilus status can correspond to (for filtering queries).

    Raises
    ------
    ValueError
        For statuses that exist only locally (INITIALIZED, SUBMITTED, DENIED, PENDING_*, ...).

    """
    return _lookup(_ORDER_STATUS_TO_DELTA, status, "order status")


# -- liquidity side --------------------------------------------------------------------------------------------

_LIQUIDITY_SIDES: Final[dict[str, LiquiditySide]] = {"maker": LiquiditySide.MAKER, "taker": LiquiditySide.TAKER}
_LIQUIDITY_SIDES_TO_DELTA: Final[dict[LiquiditySide, str]] = {v: k for k, v in _LIQUIDITY_SIDES.items()}


def parse_liquidity_side(role: str) -> LiquiditySide:
    """Return the Nautilus liquidity side of a Delta fill ``role`` (``maker``/``taker``)."""
    return _lookup(_LIQUIDITY_SIDES, role, "fill role")


def liquidity_side_to_delta(side: LiquiditySide) -> str:
    """Return Delta's fill ``role`` for a Nautilus liquidity side."""
    return _lookup(_LIQUIDITY_SIDES_TO_DELTA, side, "liquidity side")


# -- candle resolutions ------------------------------------------------------------------------------------------

_RESOLUTIONS: Final[dict[str, tuple[int, BarAggregation]]] = {
    "1m": (1, BarAggregation.MINUTE),
    "3m": (3, BarAggregation.MINUTE),
    "5m": (5, BarAggregation.MINUTE),
    "15m": (15, BarAggregation.MINUTE),
    "30m": (30, BarAggregation.MINUTE),
    "1h": (1, BarAggregation.HOUR),
    "2h": (2, BarAggregation.HOUR),
    "4h": (4, BarAggregation.HOUR),
    "6h": (6, BarAggregation.HOUR),
    "12h": (12, BarAggregation.HOUR),
    "1d": (1, BarAggregation.DAY),
    "1w": (1, BarAggregation.WEEK),
}
_RESOLUTIONS_BY_STEP: Final[dict[tuple[int, BarAggregation], str]] = {v: k for k, v in _RESOLUTIONS.items()}

DELTA_CANDLE_RESOLUTIONS: Final[tuple[str, ...]] = tuple(_RESOLUTIONS)
"""Delta's candle resolutions, shortest first (REST history and ``candlestick_<resolution>`` channels)."""


def bar_spec_from_resolution(resolution: str) -> BarSpecification:
    """
    Return the Nautilus bar specification of a Delta candle resolution (``1m`` -> ``1-MINUTE-LAST``).

    Raises
    ------
    ValueError
        If ``resolution`` is not one of :data:`DELTA_CANDLE_RESOLUTIONS`.

    """
    step, aggregation = _lookup(_RESOLUTIONS, resolution, "candle resolution")
    return BarSpecification(step, aggregation, PriceType.LAST)


def resolution_from_bar_spec(spec: BarSpecification) -> str:
    """
    Return Delta's candle resolution for a bar specification (``1-MINUTE-LAST`` -> ``1m``).

    Raises
    ------
    ValueError
        If Delta has no candles of that step and aggregation, or the price type is not LAST
        (Delta's candles are trade candles; mark candles are a different symbol, not a price type).

    """
    if spec.price_type != PriceType.LAST:
        raise ValueError(
            f"Delta candles are LAST-price bars: {spec} has price type {spec.price_type.name}: request a LAST "
            "bar type such as 1-MINUTE-LAST",
        )
    key = (spec.step, spec.aggregation)
    if key not in _RESOLUTIONS_BY_STEP:
        supported = ", ".join(str(bar_spec_from_resolution(r)) for r in _RESOLUTIONS)
        raise ValueError(f"Delta has no candles for bar specification {spec}: supported are {supported}")
    return _RESOLUTIONS_BY_STEP[key]


def resolution_seconds(resolution: str) -> int:
    """Return the length of a Delta candle resolution in seconds (``1h`` -> 3600)."""
    return int(bar_spec_from_resolution(resolution).timedelta.total_seconds())


# -- system status --------------------------------------------------------------------------------------------

_SYSTEM_STATUS: Final[dict[str, MarketStatusAction]] = {
    "live": MarketStatusAction.TRADING,
    # REFERENCE 9.5: treat api_fallback and degraded_mode as live.
    "api_fallback": MarketStatusAction.TRADING,
    "degraded_mode": MarketStatusAction.TRADING,
    "maintenance": MarketStatusAction.HALT,
}


def parse_system_status(status: str) -> MarketStatusAction:
    """
    Return the market status action of a ``system_status`` message's ``status``.

    ``live``, ``api_fallback`` and ``degraded_mode`` are TRADING; ``maintenance`` is HALT.

    Raises
    ------
    ValueError
        For any other status.

    """
    return _lookup(_SYSTEM_STATUS, status, "system status")


# -- helpers -------------------------------------------------------------------------------------------------------


def _lookup(table: dict[_K, _V], key: _K, what: str) -> _V:
    try:
        return table[key]
    except KeyError:
        raise ValueError(f"unmapped Delta {what} {_show(key)}: expected one of {_names(table)}") from None


def _show(value: object) -> str:
    if isinstance(value, str):
        return repr(str(value))
    name = getattr(value, "name", None)
    return name if isinstance(name, str) else repr(value)


def _names(values: Iterable[object]) -> str:
    return "[" + ", ".join(_show(v) for v in values) + "]"
