"""Tests of ``_native.RiskEngine`` (delta-core ``risk``, DESIGN 7): each rule through the Python API."""

from __future__ import annotations

import re
from typing import Any

import pytest

from delta_exchange import _native

SECOND = 10**9
DAY = 86_400 * SECOND
NOW = 1_795_514_400 * SECOND  # 2026-11-24T10:00:00Z
RULES = {
    "max_order_size",
    "max_order_notional",
    "price_band",
    "max_open_orders",
    "max_position",
    "daily_loss",
    "order_rate",
    "mmp_frozen",
    "unknown_instrument",
}


def starts_with(text: str) -> str:
    """A ``match=`` pattern for a message starting with ``text`` exactly."""
    return "^" + re.escape(text)


def engine(**limits: Any) -> _native.RiskEngine:
    """An engine with these account limits and BTCUSD (vanilla, 0.001 BTC per contract) registered."""
    risk = _native.RiskEngine(limits)
    risk.set_instrument("BTCUSD", "0.001", False, "BTC")
    return risk


def buy(risk: _native.RiskEngine, size: int, price: str | None = "50000", now: int = NOW, **flags: bool) -> None:
    """Check a BTCUSD buy."""
    risk.check("BTCUSD", "buy", size, price, flags.get("reduce_only", False), flags.get("mmp", False), now)


def refused(risk: _native.RiskEngine, symbol: str, side: str, size: int, price: str | None, **flags: Any) -> Any:
    """Check an order that must be refused; return the ``DeltaRiskError``."""
    with pytest.raises(_native.DeltaRiskError) as caught:
        risk.check(
            symbol,
            side,
            size,
            price,
            flags.get("reduce_only", False),
            flags.get("mmp", False),
            flags.get("now", NOW),
        )
    assert isinstance(caught.value, _native.DeltaError)
    assert str(caught.value).startswith(f"{caught.value.rule}: ")
    return caught.value


def test_max_order_size_passes_at_the_limit_and_names_the_numbers() -> None:
    risk = engine(max_order_size=100)
    buy(risk, 100)
    error = refused(risk, "BTCUSD", "buy", 120, "50000")
    assert error.rule == "max_order_size"
    assert str(error) == "max_order_size: order size 120 contracts exceeds the limit of 100"


def test_max_order_notional_vanilla_and_inverse() -> None:
    risk = engine(max_order_notional="500")
    buy(risk, 10)
    error = refused(risk, "BTCUSD", "sell", 11, "50000")
    assert error.rule == "max_order_notional"
    assert str(error) == (
        "max_order_notional: order notional 550 on BTCUSD (11 contracts * 0.001 * 50000) exceeds the limit of 500"
    )
    risk.set_instrument("BTCUSDINV", "1", True, "BTC", {"max_order_notional": "0.001"})
    risk.check("BTCUSDINV", "buy", 50, "50000", False, False, NOW)
    error = refused(risk, "BTCUSDINV", "buy", 51, "50000")
    assert "order notional 0.00102 on BTCUSDINV (51 contracts * 1 / 50000)" in str(error)


def test_market_orders_are_valued_at_the_mark_and_refused_without_one() -> None:
    risk = engine(max_order_notional="500")
    error = refused(risk, "BTCUSD", "buy", 1, None)
    assert error.rule == "max_order_notional"
    assert str(error) == "max_order_notional: no mark price known for BTCUSD yet"
    risk.set_mark("BTCUSD", "50000")
    buy(risk, 10, None)
    assert "(11 contracts * 0.001 * mark 50000)" in str(refused(risk, "BTCUSD", "buy", 11, None))


def test_price_band_is_a_percentage_of_the_mark() -> None:
    risk = engine(price_band_pct="2")
    assert str(refused(risk, "BTCUSD", "buy", 1, "50000")) == "price_band: no mark price known for BTCUSD yet"
    risk.set_mark("BTCUSD", "50000")
    buy(risk, 1, "51000")
    risk.check("BTCUSD", "sell", 1, "49000", False, False, NOW)
    error = refused(risk, "BTCUSD", "buy", 1, "51000.5")
    assert error.rule == "price_band"
    assert str(error) == (
        "price_band: price 51000.5 is 1000.5 from the BTCUSD mark 50000, outside the band of 2% (at most 1000 away)"
    )


def test_max_open_orders_counts_open_orders_and_closing_is_idempotent() -> None:
    risk = engine(max_open_orders=2)
    risk.order_opened("a", "BTCUSD", "buy", 1)
    risk.order_opened("a", "BTCUSD", "buy", 1)
    buy(risk, 1)
    risk.order_opened("b", "BTCUSD", "sell", 1)
    error = refused(risk, "BTCUSD", "buy", 1, "50000")
    assert error.rule == "max_open_orders"
    assert str(error) == "max_open_orders: 2 open orders in the account plus this one exceed the limit of 2"
    risk.order_closed("b")
    risk.order_closed("b")
    risk.order_closed("unknown")
    buy(risk, 1)


def test_max_position_is_the_worst_case_after_fills_and_reducing_orders_pass() -> None:
    risk = engine(max_position=10)
    risk.set_position("BTCUSD", 5)
    risk.order_opened("bid", "BTCUSD", "buy", 3)
    buy(risk, 2)
    error = refused(risk, "BTCUSD", "buy", 3, "50000")
    assert error.rule == "max_position"
    assert str(error) == (
        "max_position: BTCUSD position after fills would be 11 contracts (position 5, open buys 3, this buy 3); "
        "|11| exceeds the limit of 10"
    )
    risk.set_position("BTCUSD", 20)
    risk.check("BTCUSD", "sell", 20, "50000", False, False, NOW)
    buy(risk, 1, reduce_only=True)


def test_an_instrument_override_beats_the_account_default() -> None:
    risk = engine(max_order_size=100)
    risk.set_instrument("ETHUSD", "0.01", False, "ETH", {"max_order_size": 250, "price_band_pct": None})
    risk.check("ETHUSD", "buy", 250, "3000", False, False, NOW)
    assert refused(risk, "ETHUSD", "buy", 251, "3000").rule == "max_order_size"
    assert refused(risk, "BTCUSD", "buy", 101, "50000").rule == "max_order_size"


def test_daily_loss_starts_reduce_only_mode_until_the_next_utc_day() -> None:
    risk = engine(daily_loss_limit="1000", cancel_on_daily_loss=True)
    risk.set_position("BTCUSD", 4)
    assert risk.set_equity("10000", NOW) is False
    assert risk.set_equity("9000.01", NOW + 1) is False
    assert risk.reduce_only_mode is False
    assert risk.set_equity("9000", NOW + 2) is True
    assert risk.set_equity("8500", NOW + 3) is False
    assert risk.reduce_only_mode is True
    error = refused(risk, "BTCUSD", "buy", 1, "50000", now=NOW + 4)
    assert error.rule == "daily_loss"
    assert str(error) == (
        "daily_loss: loss 1000 since the UTC day start (equity 10000 at the start, 9000 at the breach) reached the "
        "limit of 1000; only orders that reduce the position pass until the next UTC day"
    )
    risk.check("BTCUSD", "sell", 4, "50000", False, False, NOW + 4)
    midnight = (NOW // DAY + 1) * DAY
    buy(risk, 1, now=midnight)
    assert risk.reduce_only_mode is False


def test_order_rate_counts_accepted_orders_in_a_sliding_second() -> None:
    risk = engine(max_orders_per_second=2, max_order_size=5)
    buy(risk, 1, now=NOW)
    with pytest.raises(_native.DeltaRiskError):
        buy(risk, 6, now=NOW + 1)
    buy(risk, 1, now=NOW + SECOND // 2)
    error = refused(risk, "BTCUSD", "buy", 1, "50000", now=NOW + SECOND - 1)
    assert error.rule == "order_rate"
    assert str(error) == (
        "order_rate: 2 orders accepted in the account in the last second plus this one exceed the limit of 2 per second"
    )
    buy(risk, 1, now=NOW + SECOND)


def test_mmp_freeze_and_thaw() -> None:
    risk = engine()
    assert risk.mmp_frozen_until("BTC", NOW) is None
    risk.freeze_mmp("BTC", NOW + 5 * SECOND)
    assert risk.mmp_frozen_until("BTC", NOW) == NOW + 5 * SECOND
    error = refused(risk, "BTCUSD", "buy", 1, "50000", mmp=True)
    assert error.rule == "mmp_frozen"
    assert "MMP quotes on BTC are frozen until 2026-11-24T10:00:05Z" in str(error)
    buy(risk, 1)
    buy(risk, 1, mmp=True, now=NOW + 5 * SECOND)
    assert risk.mmp_frozen_until("BTC", NOW + 5 * SECOND) is None
    risk.freeze_mmp("BTC", None)
    assert risk.mmp_frozen_until("BTC", NOW + DAY) == -1
    assert str(refused(risk, "BTCUSD", "buy", 1, "50000", mmp=True, now=NOW + DAY)) == (
        "mmp_frozen: MMP quotes on BTC are frozen until the protection is reset"
    )
    risk.thaw_mmp("BTC")
    buy(risk, 1, mmp=True, now=NOW + DAY)


def test_unknown_instrument() -> None:
    risk = engine()
    risk.set_mark("XRPUSD", "0.5")
    error = refused(risk, "XRPUSD", "buy", 1, "0.5")
    assert error.rule == "unknown_instrument"
    assert str(error) == "unknown_instrument: XRPUSD is not a registered instrument"


def test_stats_count_checks_and_rejections_per_rule() -> None:
    risk = engine(max_order_size=1)
    assert risk.stats() == {"checked": 0, "rejected": dict.fromkeys(RULES, 0)}
    buy(risk, 1)
    refused(risk, "BTCUSD", "buy", 2, "50000")
    refused(risk, "NOPE", "buy", 1, "1")
    stats = risk.stats()
    assert stats["checked"] == 3
    assert stats["rejected"] == {**dict.fromkeys(RULES, 0), "max_order_size": 1, "unknown_instrument": 1}


@pytest.mark.parametrize(
    ("limits", "message"),
    [
        ({"max_size": 1}, "limits: unknown key 'max_size'; valid keys: max_order_size, max_order_notional"),
        ({"max_order_size": -1}, "limits['max_order_size']: expected a non-negative int in range, got -1"),
        ({"max_order_size": True}, "limits['max_order_size']: expected a non-negative int in range, got True"),
        ({"max_open_orders": 2**40}, "limits['max_open_orders']: expected a non-negative int in range"),
        ({"max_order_notional": 500}, "limits['max_order_notional']: expected a decimal string, got 500"),
        ({"max_order_notional": "5o0"}, "limits['max_order_notional']: not a decimal number: \"5o0\""),
        ({"price_band_pct": "-1"}, "limits['price_band_pct']: must not be negative, got -1"),
        ({"cancel_on_daily_loss": 1}, "limits['cancel_on_daily_loss']: expected a bool"),
    ],
)
def test_bad_limits_raise_value_error_naming_the_key(limits: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=starts_with(message)):
        _native.RiskEngine(limits)


def test_bad_arguments_raise_value_error_naming_them() -> None:
    risk = engine()
    with pytest.raises(ValueError, match=starts_with("price: not a decimal number")):
        buy(risk, 1, "abc")
    with pytest.raises(ValueError, match=starts_with("side: expected 'buy' or 'sell', got 'short'")):
        risk.check("BTCUSD", "short", 1, "1", False, False, NOW)
    with pytest.raises(ValueError, match=starts_with("equity: not a decimal number")):
        risk.set_equity("", NOW)
    with pytest.raises(ValueError, match=starts_with("contract_value: not a decimal number")):
        risk.set_instrument("ETHUSD", "x", False, "ETH")
    with pytest.raises(ValueError, match=starts_with("price: not a decimal number")):
        risk.set_mark("BTCUSD", "1,5")
    with pytest.raises(
        ValueError, match=starts_with("configuration error: daily_loss_limit cannot be set per instrument (ETHUSD)")
    ):
        risk.set_instrument("ETHUSD", "0.01", False, "ETH", {"daily_loss_limit": "1"})
    with pytest.raises(ValueError, match=starts_with("limits: unknown key 'nope'; valid keys: max_order_size, ")):
        risk.set_instrument("ETHUSD", "0.01", False, "ETH", {"nope": 1})
