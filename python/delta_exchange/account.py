"""
Delta wallets -> Nautilus account balances, and the unrealised PnL the daily loss limit counts.

A Delta wallet (REST ``/v2/wallet/balances`` item or private ``margins`` message, REFERENCE 7.5) gives
``balance`` (total), ``available_balance`` (free) and the blocked ``order_margin`` / ``position_margin``.
Amounts are rounded half-even to the currency's precision, the most a Nautilus ``Money`` holds.
"""

from __future__ import annotations

from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any

from nautilus_trader.model.instruments import Instrument
from nautilus_trader.model.objects import AccountBalance, Currency, MarginBalance, Money


def _amount(wallet: dict[str, Any], field: str, currency: Currency) -> Decimal:
    value = wallet.get(field)
    number = Decimal(str(value)) if value not in (None, "") else Decimal(0)
    return number.quantize(Decimal(1).scaleb(-currency.precision), ROUND_HALF_EVEN)


def wallet_balance(wallet: dict[str, Any], currency: Currency) -> AccountBalance:
    """
    Return the account balance of one wallet: total ``balance``, free ``available_balance``, locked the difference.

    A free amount above the total (never expected) is capped at the total so the balance stays consistent.
    """
    total = _amount(wallet, "balance", currency)
    free = min(_amount(wallet, "available_balance", currency), total)
    return AccountBalance(Money(total, currency), Money(total - free, currency), Money(free, currency))


def wallet_margin(wallet: dict[str, Any], currency: Currency) -> MarginBalance | None:
    """Return the blocked margins (initial ``order_margin``, maintenance ``position_margin``); None if both 0."""
    initial = _amount(wallet, "order_margin", currency)
    maintenance = _amount(wallet, "position_margin", currency)
    if not initial and not maintenance:
        return None
    return MarginBalance(Money(initial, currency), Money(maintenance, currency))


def unrealized_pnl(instrument: Instrument, size: int, entry_price: Decimal, mark_price: Decimal) -> Decimal:
    """
    Unrealised PnL of a signed position in the settlement currency (REFERENCE 6.4).

    Vanilla: ``size x contract_value x (mark - entry)``; inverse: ``size x contract_value x (1/entry - 1/mark)``.
    """
    contracts: Decimal = Decimal(size) * instrument.multiplier.as_decimal()
    if instrument.is_inverse:
        return contracts * (1 / entry_price - 1 / mark_price)
    return contracts * (mark_price - entry_price)
