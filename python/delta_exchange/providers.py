"""
Delta Exchange products as Nautilus instruments (DESIGN section 3, research section 2).

``perpetual_futures`` -> ``CryptoPerpetual``, ``futures`` -> ``CryptoFuture``, ``call_options``/``put_options`` ->
``CryptoOption``; other contract types (move options, spreads, spot, ...) are skipped. Products arrive as the
dicts ``_native.HttpClient`` returns (Delta's field names, decimals as strings), which are also the shape of
``fixtures/delta-api/rest_products.json``.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Iterable
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any, NamedTuple

from nautilus_trader.common.component import LiveClock
from nautilus_trader.common.providers import InstrumentProvider
from nautilus_trader.config import InstrumentProviderConfig
from nautilus_trader.model.enums import OptionKind
from nautilus_trader.model.identifiers import InstrumentId, Symbol
from nautilus_trader.model.instruments import CryptoFuture, CryptoOption, CryptoPerpetual, Instrument
from nautilus_trader.model.objects import Currency, Price, Quantity

from delta_exchange import _native
from delta_exchange.constants import (
    DELTA_EXCHANGE_VENUE,
    PRODUCT_STATES,
    SUPPORTED_CONTRACT_TYPES,
    DeltaContractType,
    parse_contract_type,
)

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_NANOS_PER_DAY = 86_400 * 1_000_000_000
_ONE_CONTRACT = Quantity(1, 0)


class ProductFilters(NamedTuple):
    """
    Which Delta products to load; every field None (or the default states) keeps all of that kind.

    Parameters
    ----------
    contract_types : tuple[str, ...], optional
        Supported contract types to keep; None keeps every type (unsupported ones are then skipped and logged).
    underlying_assets : tuple[str, ...], optional
        Underlying asset symbols to keep (case-insensitive).
    product_states : tuple[str, ...]
        Product states to keep.
    expiry_within_days : int, optional
        Keep dated products expiring within this many days of now; products without expiry always pass.

    """

    contract_types: tuple[str, ...] | None = None
    underlying_assets: tuple[str, ...] | None = None
    product_states: tuple[str, ...] = ("live",)
    expiry_within_days: int | None = None

    def validated(self) -> ProductFilters:
        """
        Return these filters with tuples for sequences and upper-case asset symbols.

        Raises
        ------
        ValueError
            For an unknown or unsupported contract type, an unknown state, or a non-positive day count.

        """
        contract_types = None if self.contract_types is None else tuple(self.contract_types)
        for contract_type in contract_types or ():
            parse_contract_type(contract_type)
        states = tuple(self.product_states)
        unknown = [state for state in states if state not in PRODUCT_STATES]
        if not states or unknown:
            raise ValueError(f"product_states {list(states)} invalid: use one or more of {list(PRODUCT_STATES)}")
        if self.expiry_within_days is not None and self.expiry_within_days <= 0:
            raise ValueError(
                f"expiry_within_days must be positive, got {self.expiry_within_days}: use a number of days of 1 or "
                "more, or None for no limit",
            )
        assets = None if self.underlying_assets is None else tuple(a.upper() for a in self.underlying_assets)
        return ProductFilters(contract_types, assets, states, self.expiry_within_days)

    def merged(self, overrides: dict[str, Any] | None) -> ProductFilters:
        """
        Return these filters with the keys of ``overrides`` replacing the same-named fields.

        Raises
        ------
        ValueError
            For a key that is not a filter, or an invalid value.

        """
        if not overrides:
            return self
        unknown = sorted(set(overrides) - set(self._fields))
        if unknown:
            raise ValueError(f"unknown Delta instrument filter(s) {unknown}: use {list(self._fields)}")
        return self._replace(**overrides).validated()

    def accepts(self, product: dict[str, Any], now_ns: int) -> bool:
        """Whether ``product`` passes every filter at time ``now_ns``."""
        if self.contract_types is not None and product.get("contract_type") not in self.contract_types:
            return False
        if product.get("state") not in self.product_states:
            return False
        if self.underlying_assets is not None:
            underlying = (product.get("underlying_asset") or {}).get("symbol", "")
            if underlying.upper() not in self.underlying_assets:
                return False
        if self.expiry_within_days is not None:
            expiry = timestamp_ns(product.get("settlement_time"))
            if expiry is not None and expiry > now_ns + self.expiry_within_days * _NANOS_PER_DAY:
                return False
        return True


class DeltaExchangeInstrumentProvider(InstrumentProvider):
    """
    Provides Nautilus instruments for Delta Exchange products.

    Parameters
    ----------
    client : _native.HttpClient
        The REST client (no credentials needed).
    config : InstrumentProviderConfig, optional
        ``load_all`` / ``load_ids`` for :meth:`initialize`; its ``filters`` dict may override the filters below
        by the same keys (``contract_types``, ``underlying_assets``, ``product_states``, ``expiry_within_days``).
    contract_types : tuple[str, ...], optional
        Contract types to load; None loads every supported type and logs the skipped ones.
    underlying_assets : tuple[str, ...], optional
        Underlying asset symbols to load; None loads all.
    product_states : tuple[str, ...], default ("live",)
        Product states to load.
    expiry_within_days : int, optional
        Load only dated products expiring within this many days.
    clock : LiveClock, optional
        Source of ``ts_init`` and of "now" for the expiry filter.

    """

    def __init__(
        self,
        client: _native.HttpClient,
        config: InstrumentProviderConfig | None = None,
        *,
        contract_types: tuple[str, ...] | None = None,
        underlying_assets: tuple[str, ...] | None = None,
        product_states: tuple[str, ...] = ("live",),
        expiry_within_days: int | None = None,
        clock: LiveClock | None = None,
    ) -> None:
        super().__init__(config=config)
        self._client = client
        self._clock = clock or LiveClock()
        self._default_filters = ProductFilters(
            contract_types,
            underlying_assets,
            product_states,
            expiry_within_days,
        ).validated()
        self._products: dict[InstrumentId, dict[str, Any]] = {}

    @property
    def filters(self) -> ProductFilters:
        """The constructor's product filters (``load_all_async`` may override them per call)."""
        return self._default_filters

    async def load_all_async(self, filters: dict | None = None) -> None:
        """
        Load every product that passes the filters.

        Parameters
        ----------
        filters : dict, optional
            Overrides of the constructor filters, by the same keys.

        Raises
        ------
        ValueError
            For an unknown filter key or an invalid filter value.

        """
        product_filters = self._default_filters.merged(filters)
        self._log.info(f"Loading all instruments ({_describe(product_filters)})")
        products = await self._client.products(
            contract_types=None if product_filters.contract_types is None else list(product_filters.contract_types),
            states=list(product_filters.product_states),
        )
        now_ns = self._clock.timestamp_ns()
        self._add_products(product for product in products if product_filters.accepts(product, now_ns))
        self._log.info(f"Loaded {self.count} instruments")

    async def load_ids_async(self, instrument_ids: list[InstrumentId], filters: dict | None = None) -> None:
        """
        Load the given instruments, each by its symbol, whatever its state.

        Explicitly named instruments are not subject to the product filters. Ids Delta does not know are
        logged in one warning and skipped.

        Raises
        ------
        ValueError
            If an id's venue is not DELTA_EXCHANGE.

        """
        for instrument_id in instrument_ids:
            if instrument_id.venue != DELTA_EXCHANGE_VENUE:
                raise ValueError(
                    f"{instrument_id} is not a {DELTA_EXCHANGE_VENUE} instrument: use ids such as "
                    f"BTCUSD.{DELTA_EXCHANGE_VENUE}",
                )
        if not instrument_ids:
            self._log.warning("No instrument ids given to load")
            return
        symbols = [instrument_id.symbol.value for instrument_id in instrument_ids]
        products = await asyncio.gather(*(self._fetch_product(symbol) for symbol in symbols))
        unknown = [symbol for symbol, product in zip(symbols, products, strict=True) if product is None]
        if unknown:
            self._log.warning(f"Delta has no product for {len(unknown)} requested instrument(s): {', '.join(unknown)}")
        self._add_products(product for product in products if product is not None)

    async def load_async(self, instrument_id: InstrumentId, filters: dict | None = None) -> None:
        """Load one instrument by its symbol (see :meth:`load_ids_async`)."""
        await self.load_ids_async([instrument_id], filters)

    def product(self, instrument_id: InstrumentId) -> dict[str, Any]:
        """
        Return the raw Delta product of a loaded instrument.

        Raises
        ------
        KeyError
            If the instrument is not loaded.

        """
        try:
            return self._products[instrument_id]
        except KeyError:
            raise KeyError(
                f"{instrument_id} is not loaded by the Delta instrument provider: load it first (load_async, "
                "load_ids_async or load_all_async)",
            ) from None

    def index_symbol(self, instrument_id: InstrumentId) -> str | None:
        """Return the spot index symbol of a loaded instrument (e.g. ``.DEXBTUSD``); None if unknown or absent."""
        product = self._products.get(instrument_id)
        if product is None:
            return None
        return (product.get("spot_index") or {}).get("symbol")

    async def _fetch_product(self, symbol: str) -> dict[str, Any] | None:
        try:
            return await self._client.product(symbol)
        except _native.DeltaApiError as e:
            if e.status == 404:
                return None
            raise

    def _add_products(self, products: Iterable[dict[str, Any]]) -> None:
        ts_init = self._clock.timestamp_ns()
        skipped: Counter[str] = Counter()
        for product in products:
            symbol = product.get("symbol")
            try:
                instrument = instrument_from_product(product, ts_init)
            except (KeyError, TypeError, ValueError, InvalidOperation) as e:
                self._log.warning(f"Skipped Delta product {symbol!r}: cannot map it ({type(e).__name__}: {e})")
                continue
            if instrument is None:
                skipped[str(product.get("contract_type"))] += 1
                continue
            self.add(instrument)
            self._products[instrument.id] = product
            for currency in _currencies(instrument):
                self.add_currency(currency)
        if skipped:
            counts = ", ".join(f"{contract_type}={n}" for contract_type, n in sorted(skipped.items()))
            self._log.info(f"Skipped {skipped.total()} products of unsupported contract types: {counts}")


def instrument_from_product(product: dict[str, Any], ts_init: int) -> Instrument | None:
    """
    Return the Nautilus instrument of a Delta product, or None for a contract type the adapter does not map.

    Parameters
    ----------
    product : dict
        A Delta product (REFERENCE 6.3) as ``HttpClient.products`` returns it.
    ts_init : int
        The instrument's ``ts_init`` (ns); also its ``ts_event`` when the product has no ``updated_at``.

    Raises
    ------
    KeyError, ValueError
        When a field the mapping needs is missing or malformed.

    """
    try:
        contract_type = DeltaContractType(product["contract_type"])
    except ValueError:
        return None
    if contract_type not in SUPPORTED_CONTRACT_TYPES:
        return None
    symbol = product["symbol"]
    price_increment = _increment_price(product["tick_size"])
    underlying = _asset_currency(product, "underlying_asset")
    settlement = _asset_currency(product, "settling_asset")
    position_limit = product.get("position_size_limit")
    common: dict[str, Any] = {
        "instrument_id": InstrumentId(Symbol(symbol), DELTA_EXCHANGE_VENUE),
        "raw_symbol": Symbol(symbol),
        "quote_currency": _asset_currency(product, "quoting_asset"),
        "settlement_currency": settlement,
        # Inverse when settled in the underlying (e.g. a BTC-settled BTCUSD): notional = qty * multiplier / price.
        "is_inverse": settlement == underlying,
        "price_precision": price_increment.precision,
        "size_precision": 0,
        "price_increment": price_increment,
        # Derivative sizes are whole contracts; one contract is `contract_value` of `contract_unit_currency`.
        "size_increment": _ONE_CONTRACT,
        "multiplier": _quantity(product["contract_value"]),
        "lot_size": _ONE_CONTRACT,
        "min_quantity": _ONE_CONTRACT,
        "max_quantity": Quantity(int(position_limit), 0) if position_limit else None,
        # Delta gives initial/maintenance margin in PERCENT ("0.5" = 0.5 % = 200x; REFERENCE 6.3, inferred from
        # default_leverage "200" with initial_margin "0.5"); Nautilus wants a fraction of notional.
        "margin_init": _optional_decimal(product.get("initial_margin"), scale=Decimal(100)),
        "margin_maint": _optional_decimal(product.get("maintenance_margin"), scale=Decimal(100)),
        # Commission rates are already fractions of notional ("0.0005" = 5 bp; REFERENCE 6.3).
        "maker_fee": _optional_decimal(product.get("maker_commission_rate")),
        "taker_fee": _optional_decimal(product.get("taker_commission_rate")),
        "ts_event": timestamp_ns(product.get("updated_at")) or ts_init,
        "ts_init": ts_init,
        "info": _info(product),
    }
    if contract_type == DeltaContractType.PERPETUAL_FUTURES:
        return CryptoPerpetual(base_currency=underlying, **common)
    expiration_ns = timestamp_ns(product.get("settlement_time"))
    if expiration_ns is None:
        raise ValueError(f"dated product {symbol} has no settlement_time")
    activation_ns = timestamp_ns(product.get("launch_time")) or timestamp_ns(product.get("created_at")) or 0
    if contract_type == DeltaContractType.FUTURES:
        return CryptoFuture(underlying=underlying, activation_ns=activation_ns, expiration_ns=expiration_ns, **common)
    strike = _decimal(product["strike_price"])
    return CryptoOption(
        underlying=underlying,
        option_kind=OptionKind.CALL if contract_type == DeltaContractType.CALL_OPTIONS else OptionKind.PUT,
        strike_price=Price.from_str(_fixed(strike, max(price_increment.precision, _precision(strike)))),
        activation_ns=activation_ns,
        expiration_ns=expiration_ns,
        **common,
    )


def timestamp_ns(value: str | int | None) -> int | None:
    """
    Return a Delta timestamp in ns since the epoch: ISO-8601 text, or microseconds as an int or digit string.

    Products carry ISO-8601 (REFERENCE 5.2); the microsecond forms are accepted because Delta uses them for
    other timestamps and sometimes sends numbers as strings.

    Raises
    ------
    ValueError
        If ``value`` is neither form.

    """
    if value is None or value == "":
        return None
    if isinstance(value, int) or value.isdigit():
        return int(value) * 1_000
    moment = datetime.fromisoformat(value)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    elapsed = moment - _EPOCH
    return (elapsed.days * 86_400 + elapsed.seconds) * 1_000_000_000 + elapsed.microseconds * 1_000


def _asset_currency(product: dict[str, Any], field: str) -> Currency:
    asset = product.get(field)
    if not asset or not asset.get("symbol"):
        raise ValueError(f"product {product.get('symbol')} has no {field}")
    return Currency.from_str(asset["symbol"], strict=False)


def _info(product: dict[str, Any]) -> dict[str, Any]:
    return {
        "product_id": product["id"],
        "contract_type": product["contract_type"],
        "is_quanto": bool(product.get("is_quanto") or False),
        "notional_type": product.get("notional_type"),
        "contract_value": str(product["contract_value"]),
        "contract_unit_currency": product.get("contract_unit_currency"),
        "spot_index_symbol": (product.get("spot_index") or {}).get("symbol"),
        "state": product.get("state"),
        "trading_status": product.get("trading_status"),
    }


def _currencies(instrument: Instrument) -> list[Currency]:
    base = instrument.get_base_currency()
    underlying = getattr(instrument, "underlying", None)
    candidates = [base, underlying, instrument.quote_currency, instrument.get_settlement_currency()]
    return [c for c in candidates if isinstance(c, Currency)]


def _decimal(value: str | int | float) -> Decimal:
    # `str` first: a JSON float such as 0.1 must read as 0.1, not its binary expansion.
    number = Decimal(str(value))
    if not number.is_finite():
        raise ValueError(f"{value!r} is not a finite decimal")
    return number


def _optional_decimal(value: str | int | float | None, scale: Decimal = Decimal(1)) -> Decimal | None:
    return None if value is None or value == "" else _decimal(value) / scale


def _precision(number: Decimal) -> int:
    exponent = number.normalize().as_tuple().exponent
    return max(0, -exponent) if isinstance(exponent, int) else 0


def _fixed(number: Decimal, precision: int) -> str:
    return f"{number:.{precision}f}"


def _increment_price(tick_size: str | int | float) -> Price:
    tick = _decimal(tick_size)
    if tick <= 0:
        raise ValueError(f"tick_size must be positive, got {tick_size!r}")
    return Price.from_str(_fixed(tick, _precision(tick)))


def _quantity(value: str | int | float) -> Quantity:
    number = _decimal(value)
    if number <= 0:
        raise ValueError(f"contract_value must be positive, got {value!r}")
    return Quantity.from_str(_fixed(number, _precision(number)))


def _describe(filters: ProductFilters) -> str:
    return ", ".join(f"{name}={value}" for name, value in filters._asdict().items() if value is not None)
