"""Delta <-> Nautilus value mappings in ``delta_exchange.constants``, each checked both ways."""

from __future__ import annotations

import pytest
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

from delta_exchange.constants import (
    DELTA_CANDLE_RESOLUTIONS,
    DELTA_EXCHANGE,
    DELTA_EXCHANGE_CLIENT_ID,
    DELTA_EXCHANGE_VENUE,
    SUPPORTED_CONTRACT_TYPES,
    DeltaContractType,
    DeltaEnvironment,
    bar_spec_from_resolution,
    liquidity_side_to_delta,
    order_side_to_delta,
    order_status_to_delta,
    order_type_to_delta,
    parse_contract_type,
    parse_liquidity_side,
    parse_order_side,
    parse_order_status,
    parse_order_type,
    parse_system_status,
    parse_time_in_force,
    resolution_from_bar_spec,
    resolution_seconds,
    time_in_force_to_delta,
)


def test_identifiers() -> None:
    assert DELTA_EXCHANGE == "DELTA_EXCHANGE"
    assert Venue("DELTA_EXCHANGE") == DELTA_EXCHANGE_VENUE
    assert ClientId("DELTA_EXCHANGE") == DELTA_EXCHANGE_CLIENT_ID


@pytest.mark.parametrize(
    ("name", "member", "testnet", "production"),
    [
        ("india", DeltaEnvironment.INDIA, False, True),
        ("global", DeltaEnvironment.GLOBAL, False, True),
        ("india-testnet", DeltaEnvironment.INDIA_TESTNET, True, False),
        ("global-testnet", DeltaEnvironment.GLOBAL_TESTNET, True, False),
        ("local", DeltaEnvironment.LOCAL, False, False),
    ],
)
def test_environment_both_ways(name: str, member: DeltaEnvironment, testnet: bool, production: bool) -> None:
    assert DeltaEnvironment.parse(name) is member
    assert member.value == name
    assert member == name
    assert member.is_testnet is testnet
    assert member.is_production is production


def test_unknown_environment_lists_the_valid_names() -> None:
    with pytest.raises(ValueError, match="unknown Delta environment 'testnet'") as info:
        DeltaEnvironment.parse("testnet")
    for name in ("'india'", "'global'", "'india-testnet'", "'global-testnet'", "'local'"):
        assert name in str(info.value)


@pytest.mark.parametrize("name", ["perpetual_futures", "futures", "call_options", "put_options"])
def test_supported_contract_types_parse(name: str) -> None:
    parsed = parse_contract_type(name)
    assert parsed.value == name
    assert parsed in SUPPORTED_CONTRACT_TYPES


@pytest.mark.parametrize("name", ["move_options", "spreads", "interest_rate_swaps", "spot", "options_combos"])
def test_unsupported_contract_types_are_refused_by_name(name: str) -> None:
    assert DeltaContractType(name) not in SUPPORTED_CONTRACT_TYPES
    with pytest.raises(ValueError, match=f"'{name}' is not supported by this adapter"):
        parse_contract_type(name)


def test_unknown_contract_type_is_refused() -> None:
    with pytest.raises(ValueError, match=r"unknown Delta contract type 'perpetual'.*'perpetual_futures'"):
        parse_contract_type("perpetual")


@pytest.mark.parametrize(("delta", "nautilus"), [("buy", OrderSide.BUY), ("sell", OrderSide.SELL)])
def test_order_side_both_ways(delta: str, nautilus: OrderSide) -> None:
    assert parse_order_side(delta) == nautilus
    assert order_side_to_delta(nautilus) == delta


def test_order_side_unmapped() -> None:
    with pytest.raises(ValueError, match="unmapped Delta order side 'BUY'"):
        parse_order_side("BUY")
    with pytest.raises(ValueError, match="unmapped Delta order side NO_ORDER_SIDE: expected one of \\[BUY, SELL\\]"):
        order_side_to_delta(OrderSide.NO_ORDER_SIDE)


ORDER_TYPES = [
    ("market_order", None, False, OrderType.MARKET),
    ("limit_order", None, False, OrderType.LIMIT),
    ("market_order", "stop_loss_order", False, OrderType.STOP_MARKET),
    ("limit_order", "stop_loss_order", False, OrderType.STOP_LIMIT),
    ("market_order", "take_profit_order", False, OrderType.MARKET_IF_TOUCHED),
    ("limit_order", "take_profit_order", False, OrderType.LIMIT_IF_TOUCHED),
    ("market_order", "stop_loss_order", True, OrderType.TRAILING_STOP_MARKET),
]


@pytest.mark.parametrize(("order_type", "stop_type", "trailing", "nautilus"), ORDER_TYPES)
def test_order_type_both_ways(order_type: str, stop_type: str | None, trailing: bool, nautilus: OrderType) -> None:
    assert parse_order_type(order_type, stop_type, trailing=trailing) == nautilus
    assert order_type_to_delta(nautilus) == (order_type, stop_type)


@pytest.mark.parametrize("nautilus", [OrderType.MARKET_TO_LIMIT, OrderType.TRAILING_STOP_LIMIT])
def test_order_type_without_delta_equivalent(nautilus: OrderType) -> None:
    with pytest.raises(ValueError, match=f"unmapped Delta order type {nautilus.name}"):
        order_type_to_delta(nautilus)


@pytest.mark.parametrize(
    ("order_type", "stop_type", "trailing"),
    [
        ("stop_market", None, False),
        ("limit_order", "trailing_stop", False),
        ("limit_order", None, True),
        ("limit_order", "stop_loss_order", True),
        ("market_order", "take_profit_order", True),
    ],
)
def test_order_type_unmapped_combination(order_type: str, stop_type: str | None, trailing: bool) -> None:
    with pytest.raises(ValueError, match="unsupported Delta order type"):
        parse_order_type(order_type, stop_type, trailing=trailing)


@pytest.mark.parametrize(("delta", "nautilus"), [("gtc", TimeInForce.GTC), ("ioc", TimeInForce.IOC)])
def test_time_in_force_both_ways(delta: str, nautilus: TimeInForce) -> None:
    assert parse_time_in_force(delta) == nautilus
    assert time_in_force_to_delta(nautilus) == delta


@pytest.mark.parametrize(
    "nautilus",
    [TimeInForce.FOK, TimeInForce.GTD, TimeInForce.DAY, TimeInForce.AT_THE_OPEN, TimeInForce.AT_THE_CLOSE],
)
def test_time_in_force_unsupported(nautilus: TimeInForce) -> None:
    with pytest.raises(
        ValueError, match=f"unmapped Delta time in force {nautilus.name}: expected one of \\[GTC, IOC\\]"
    ):
        time_in_force_to_delta(nautilus)


def test_time_in_force_fok_from_delta_is_unmapped() -> None:
    with pytest.raises(ValueError, match="unmapped Delta time in force 'fok'"):
        parse_time_in_force("fok")


@pytest.mark.parametrize(
    ("state", "filled", "nautilus"),
    [
        ("open", False, OrderStatus.ACCEPTED),
        ("open", True, OrderStatus.PARTIALLY_FILLED),
        ("pending", False, OrderStatus.ACCEPTED),
        ("closed", True, OrderStatus.FILLED),
        ("cancelled", False, OrderStatus.CANCELED),
        ("cancelled", True, OrderStatus.CANCELED),
    ],
)
def test_order_status_both_ways(state: str, filled: bool, nautilus: OrderStatus) -> None:
    assert parse_order_status(state, filled=filled) == nautilus
    assert state in order_status_to_delta(nautilus)


def test_order_status_reverse_values() -> None:
    assert order_status_to_delta(OrderStatus.ACCEPTED) == ("open", "pending")
    assert order_status_to_delta(OrderStatus.TRIGGERED) == ("open",)
    assert order_status_to_delta(OrderStatus.FILLED) == ("closed",)
    assert order_status_to_delta(OrderStatus.CANCELED) == ("cancelled",)


def test_order_status_unmapped() -> None:
    with pytest.raises(ValueError, match="unknown Delta order state 'filled'"):
        parse_order_status("filled")
    for status in (OrderStatus.INITIALIZED, OrderStatus.SUBMITTED, OrderStatus.DENIED, OrderStatus.PENDING_CANCEL):
        with pytest.raises(ValueError, match=f"unmapped Delta order status {status.name}"):
            order_status_to_delta(status)


@pytest.mark.parametrize(("delta", "nautilus"), [("maker", LiquiditySide.MAKER), ("taker", LiquiditySide.TAKER)])
def test_liquidity_side_both_ways(delta: str, nautilus: LiquiditySide) -> None:
    assert parse_liquidity_side(delta) == nautilus
    assert liquidity_side_to_delta(nautilus) == delta


def test_liquidity_side_unmapped() -> None:
    with pytest.raises(ValueError, match="unmapped Delta fill role 'adl'"):
        parse_liquidity_side("adl")
    with pytest.raises(ValueError, match="unmapped Delta liquidity side NO_LIQUIDITY_SIDE"):
        liquidity_side_to_delta(LiquiditySide.NO_LIQUIDITY_SIDE)


RESOLUTIONS = [
    ("1m", "1-MINUTE-LAST", 60),
    ("3m", "3-MINUTE-LAST", 180),
    ("5m", "5-MINUTE-LAST", 300),
    ("15m", "15-MINUTE-LAST", 900),
    ("30m", "30-MINUTE-LAST", 1_800),
    ("1h", "1-HOUR-LAST", 3_600),
    ("2h", "2-HOUR-LAST", 7_200),
    ("4h", "4-HOUR-LAST", 14_400),
    ("6h", "6-HOUR-LAST", 21_600),
    ("12h", "12-HOUR-LAST", 43_200),
    ("1d", "1-DAY-LAST", 86_400),
    ("1w", "1-WEEK-LAST", 604_800),
]


def test_resolution_list_is_deltas_in_order() -> None:
    assert tuple(r for r, _, _ in RESOLUTIONS) == DELTA_CANDLE_RESOLUTIONS


@pytest.mark.parametrize(("resolution", "spec", "seconds"), RESOLUTIONS)
def test_resolution_both_ways(resolution: str, spec: str, seconds: int) -> None:
    parsed = bar_spec_from_resolution(resolution)
    assert str(parsed) == spec
    assert parsed.price_type == PriceType.LAST
    assert resolution_from_bar_spec(BarSpecification.from_str(spec)) == resolution
    assert resolution_seconds(resolution) == seconds


def test_resolution_unmapped() -> None:
    with pytest.raises(ValueError, match="unmapped Delta candle resolution '7d'"):
        bar_spec_from_resolution("7d")
    with pytest.raises(ValueError, match="no candles for bar specification 2-MINUTE-LAST: supported are 1-MINUTE-LAST"):
        resolution_from_bar_spec(BarSpecification(2, BarAggregation.MINUTE, PriceType.LAST))
    with pytest.raises(ValueError, match="no candles for bar specification 100-TICK-LAST"):
        resolution_from_bar_spec(BarSpecification(100, BarAggregation.TICK, PriceType.LAST))
    with pytest.raises(ValueError, match="LAST-price bars: 1-MINUTE-MID has price type MID"):
        resolution_from_bar_spec(BarSpecification(1, BarAggregation.MINUTE, PriceType.MID))


@pytest.mark.parametrize(
    ("status", "action"),
    [
        ("live", MarketStatusAction.TRADING),
        ("api_fallback", MarketStatusAction.TRADING),
        ("degraded_mode", MarketStatusAction.TRADING),
        ("maintenance", MarketStatusAction.HALT),
    ],
)
def test_system_status(status: str, action: MarketStatusAction) -> None:
    assert parse_system_status(status) == action


def test_system_status_unmapped() -> None:
    with pytest.raises(ValueError, match=r"unmapped Delta system status 'closed'.*'maintenance'"):
        parse_system_status("closed")
