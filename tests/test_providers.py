"""Product -> instrument mapping (fixtures) and the instrument provider (fake client and delta-sim)."""

from __future__ import annotations

import asyncio
import copy
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from nautilus_trader.common.component import TestClock
from nautilus_trader.config import InstrumentProviderConfig
from nautilus_trader.model.enums import OptionKind
from nautilus_trader.model.identifiers import InstrumentId
from nautilus_trader.model.instruments import CryptoFuture, CryptoOption, CryptoPerpetual
from nautilus_trader.model.objects import Currency, Price, Quantity

from delta_exchange import _native
from delta_exchange.providers import (
    DeltaExchangeInstrumentProvider,
    ProductFilters,
    instrument_from_product,
    timestamp_ns,
)
from delta_exchange.sim import DeltaSim

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "delta-api"
TS_INIT = 1_780_000_000_000_000_000
NANOS_PER_DAY = 86_400 * 1_000_000_000


def fixture_result(name: str) -> Any:
    return json.loads((FIXTURES / name).read_text())["result"]


def products_by_symbol() -> dict[str, dict[str, Any]]:
    return {product["symbol"]: product for product in fixture_result("rest_products.json")}


def iso_ns(text: str) -> int:
    value = timestamp_ns(text)
    assert value is not None
    return value


class RecordingLog:
    """Stands in for the provider's Nautilus logger so tests can read what it logged."""

    def __init__(self) -> None:
        self.lines: list[tuple[str, str]] = []

    def info(self, message: str, *_: Any) -> None:
        self.lines.append(("info", message))

    def warning(self, message: str, *_: Any) -> None:
        self.lines.append(("warning", message))

    def debug(self, message: str, *_: Any) -> None:
        self.lines.append(("debug", message))

    def error(self, message: str, *_: Any) -> None:
        self.lines.append(("error", message))


class FixtureClient:
    """A stand-in for ``_native.HttpClient`` serving the fixture products (no server-side filtering)."""

    def __init__(self, products: list[dict[str, Any]]) -> None:
        self._products = products
        self.calls: list[tuple[str, Any]] = []

    async def products(
        self,
        contract_types: list[str] | None = None,
        states: list[str] | None = None,
    ) -> list[dict[str, Any]]:
        self.calls.append(("products", (contract_types, states)))
        return copy.deepcopy(self._products)


def provider_with_log(client: Any, **kwargs: Any) -> tuple[DeltaExchangeInstrumentProvider, RecordingLog]:
    provider = DeltaExchangeInstrumentProvider(client, **kwargs)
    log = RecordingLog()
    provider._log = log  # type: ignore[assignment]
    return provider, log


# -- mapping from fixtures -------------------------------------------------------------------------------------


def test_perpetual_from_fixture() -> None:
    product = products_by_symbol()["BTCUSD"]
    instrument = instrument_from_product(product, TS_INIT)
    assert isinstance(instrument, CryptoPerpetual)
    assert instrument.id == InstrumentId.from_str("BTCUSD.DELTA_EXCHANGE")
    assert instrument.raw_symbol.value == "BTCUSD"
    assert instrument.base_currency == Currency.from_str("BTC")
    assert instrument.quote_currency == Currency.from_str("USD")
    assert instrument.settlement_currency == Currency.from_str("USD")
    assert instrument.is_inverse is False
    assert instrument.price_precision == 1
    assert instrument.price_increment == Price.from_str("0.5")
    assert instrument.size_precision == 0
    assert instrument.size_increment == Quantity.from_int(1)
    assert instrument.multiplier == Quantity.from_str("0.001")
    assert instrument.lot_size == Quantity.from_int(1)
    assert instrument.min_quantity == Quantity.from_int(1)
    assert instrument.max_quantity == Quantity.from_int(229_167)
    # Percent on the wire ("0.5", "0.25") -> fractions of notional.
    assert instrument.margin_init == Decimal("0.005")
    assert instrument.margin_maint == Decimal("0.0025")
    assert instrument.maker_fee == Decimal("0.0002")
    assert instrument.taker_fee == Decimal("0.0005")
    assert instrument.ts_event == iso_ns("2026-05-20T08:12:44Z")
    assert instrument.ts_init == TS_INIT
    assert instrument.info == {
        "product_id": 27,
        "contract_type": "perpetual_futures",
        "is_quanto": False,
        "notional_type": "vanilla",
        "contract_value": "0.001",
        "contract_unit_currency": "BTC",
        "spot_index_symbol": ".DEXBTUSD",
        "state": "live",
        "trading_status": "operational",
    }


def test_perpetual_notional_uses_the_contract_value() -> None:
    instrument = instrument_from_product(products_by_symbol()["BTCUSD"], TS_INIT)
    assert instrument is not None
    notional = instrument.notional_value(Quantity.from_int(10), Price.from_str("100000.0"))
    assert notional.as_decimal() == Decimal("1000.00")


def test_second_perpetual_precision_from_tick_size() -> None:
    instrument = instrument_from_product(products_by_symbol()["ETHUSD"], TS_INIT)
    assert isinstance(instrument, CryptoPerpetual)
    assert instrument.price_precision == 2
    assert instrument.price_increment == Price.from_str("0.05")
    assert instrument.multiplier == Quantity.from_str("0.01")
    assert instrument.base_currency == Currency.from_str("ETH")
    assert instrument.info["product_id"] == 3136
    assert instrument.info["spot_index_symbol"] == ".DEETHUSD"


def test_call_option_from_fixture() -> None:
    product = fixture_result("rest_product_option.json")
    instrument = instrument_from_product(product, TS_INIT)
    assert isinstance(instrument, CryptoOption)
    assert instrument.id.value == "C-BTC-70000-290526.DELTA_EXCHANGE"
    assert instrument.option_kind == OptionKind.CALL
    assert instrument.strike_price == Price.from_str("70000.0")
    assert instrument.underlying == Currency.from_str("BTC")
    assert instrument.quote_currency == Currency.from_str("USD")
    assert instrument.settlement_currency == Currency.from_str("USD")
    assert instrument.is_inverse is False
    assert instrument.expiration_ns == iso_ns("2026-05-29T12:00:00Z")
    assert instrument.activation_ns == iso_ns("2026-05-27T12:00:03Z")
    assert instrument.price_increment == Price.from_str("0.1")
    assert instrument.multiplier == Quantity.from_str("0.001")
    assert instrument.max_quantity == Quantity.from_int(255_633)
    assert instrument.maker_fee == Decimal("0.0003")
    assert instrument.taker_fee == Decimal("0.0003")
    assert instrument.margin_init == Decimal("0.005")
    assert instrument.info["product_id"] == 140021
    assert instrument.info["spot_index_symbol"] == ".DEXBTUSD"


def test_put_option_from_fixture() -> None:
    instrument = instrument_from_product(products_by_symbol()["P-BTC-66000-290526"], TS_INIT)
    assert isinstance(instrument, CryptoOption)
    assert instrument.option_kind == OptionKind.PUT
    assert instrument.strike_price == Price.from_str("66000.0")
    assert instrument.expiration_ns == iso_ns("2026-05-29T12:00:00Z")


def test_move_option_is_not_mapped() -> None:
    assert instrument_from_product(products_by_symbol()["MV-BTC-68400-290526"], TS_INIT) is None


@pytest.mark.parametrize("contract_type", ["spot", "spreads", "interest_rate_swaps", "something_new"])
def test_other_contract_types_are_not_mapped(contract_type: str) -> None:
    product = {**products_by_symbol()["BTCUSD"], "contract_type": contract_type}
    assert instrument_from_product(product, TS_INIT) is None


def test_dated_future() -> None:
    product = {
        **products_by_symbol()["BTCUSD"],
        "symbol": "BTCUSD_25Dec",
        "contract_type": "futures",
        "settlement_time": "2026-12-25T12:00:00Z",
        "launch_time": "2026-11-17T05:56:08.663713Z",
        "initial_margin": "1",
        "maintenance_margin": "0.5",
    }
    instrument = instrument_from_product(product, TS_INIT)
    assert isinstance(instrument, CryptoFuture)
    assert instrument.id.value == "BTCUSD_25Dec.DELTA_EXCHANGE"
    assert instrument.underlying == Currency.from_str("BTC")
    assert instrument.expiration_ns == iso_ns("2026-12-25T12:00:00Z")
    assert instrument.activation_ns == 1_794_894_968_663_713_000
    assert instrument.margin_init == Decimal("0.01")
    assert instrument.margin_maint == Decimal("0.005")


def test_dated_product_without_expiry_is_an_error() -> None:
    product = {**products_by_symbol()["BTCUSD"], "contract_type": "futures", "settlement_time": None}
    with pytest.raises(ValueError, match="dated product BTCUSD has no settlement_time"):
        instrument_from_product(product, TS_INIT)


def test_inverse_when_settled_in_the_underlying() -> None:
    product = copy.deepcopy(products_by_symbol()["BTCUSD"])
    product["settling_asset"] = copy.deepcopy(product["underlying_asset"])
    product["contract_value"] = "1"
    product["notional_type"] = "inverse"
    instrument = instrument_from_product(product, TS_INIT)
    assert instrument is not None
    assert instrument.is_inverse is True
    assert instrument.settlement_currency == Currency.from_str("BTC")
    assert instrument.multiplier == Quantity.from_int(1)
    notional = instrument.notional_value(Quantity.from_int(100), Price.from_str("100000.0"))
    assert notional.as_decimal() == Decimal("0.00100000")
    assert notional.currency == Currency.from_str("BTC")


def test_unknown_currency_codes_become_crypto_currencies() -> None:
    product = copy.deepcopy(products_by_symbol()["BTCUSD"])
    product["underlying_asset"]["symbol"] = "ZQXW"
    instrument = instrument_from_product(product, TS_INIT)
    assert instrument is not None
    assert instrument.base_currency.code == "ZQXW"
    assert instrument.base_currency.precision == 8


def test_quanto_flag_is_recorded() -> None:
    product = {**products_by_symbol()["BTCUSD"], "is_quanto": True}
    instrument = instrument_from_product(product, TS_INIT)
    assert instrument is not None
    assert instrument.info["is_quanto"] is True


@pytest.mark.parametrize(
    ("tick_size", "precision", "increment"),
    [("0.50", 1, "0.5"), ("10", 0, "10"), ("0.0001", 4, "0.0001"), ("1", 0, "1"), (0.5, 1, "0.5")],
)
def test_tick_size_forms(tick_size: Any, precision: int, increment: str) -> None:
    product = {**products_by_symbol()["BTCUSD"], "tick_size": tick_size}
    instrument = instrument_from_product(product, TS_INIT)
    assert instrument is not None
    assert instrument.price_precision == precision
    assert instrument.price_increment == Price.from_str(increment)


def test_malformed_products_raise() -> None:
    btc = products_by_symbol()["BTCUSD"]
    with pytest.raises(ValueError, match="tick_size must be positive"):
        instrument_from_product({**btc, "tick_size": "0"}, TS_INIT)
    with pytest.raises(ValueError, match="contract_value must be positive"):
        instrument_from_product({**btc, "contract_value": "-1"}, TS_INIT)
    with pytest.raises(ValueError, match="has no settling_asset"):
        instrument_from_product({**btc, "settling_asset": None}, TS_INIT)
    with pytest.raises(KeyError):
        instrument_from_product({k: v for k, v in btc.items() if k != "tick_size"}, TS_INIT)


def test_no_updated_at_uses_ts_init() -> None:
    product = {**products_by_symbol()["BTCUSD"], "updated_at": None}
    instrument = instrument_from_product(product, TS_INIT)
    assert instrument is not None
    assert instrument.ts_event == TS_INIT


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2026-05-29T12:00:00Z", 1_780_056_000_000_000_000),
        ("2026-01-14T11:24:35.801586Z", 1_768_389_875_801_586_000),
        (1_780_056_000_000_000, 1_780_056_000_000_000_000),
        ("1780056000000001", 1_780_056_000_000_001_000),
        (None, None),
        ("", None),
    ],
)
def test_timestamp_forms(value: Any, expected: int | None) -> None:
    assert timestamp_ns(value) == expected


# -- filters ---------------------------------------------------------------------------------------------------------


def test_filters_validate_and_merge() -> None:
    filters = ProductFilters(underlying_assets=("btc",)).validated()
    assert filters.underlying_assets == ("BTC",)
    merged = filters.merged({"contract_types": ["call_options"], "expiry_within_days": 3})
    assert merged == ProductFilters(("call_options",), ("BTC",), ("live",), 3)
    assert filters.merged(None) is filters
    with pytest.raises(ValueError, match=r"unknown Delta instrument filter\(s\) \['instrument_types'\]"):
        filters.merged({"instrument_types": ["SWAP"]})
    with pytest.raises(ValueError, match="'spot' is not supported"):
        filters.merged({"contract_types": ["spot"]})
    with pytest.raises(ValueError, match="product_states"):
        filters.merged({"product_states": ["gone"]})
    with pytest.raises(ValueError, match="expiry_within_days must be positive"):
        filters.merged({"expiry_within_days": 0})


def test_provider_constructor_validates_filters() -> None:
    with pytest.raises(ValueError, match="'move_options' is not supported"):
        DeltaExchangeInstrumentProvider(FixtureClient([]), contract_types=("move_options",))


# -- provider with a fixture-serving client ---------------------------------------------------------------------


def test_load_all_maps_supported_products_and_logs_skipped_types_in_one_line() -> None:
    client = FixtureClient(fixture_result("rest_products.json"))
    provider, log = provider_with_log(client)
    asyncio.run(provider.load_all_async())
    assert sorted(i.id.symbol.value for i in provider.list_all()) == [
        "BTCUSD",
        "C-BTC-70000-290526",
        "ETHUSD",
        "P-BTC-66000-290526",
    ]
    assert client.calls == [("products", (None, ["live"]))]
    skipped = [message for _, message in log.lines if message.startswith("Skipped")]
    assert skipped == ["Skipped 1 products of unsupported contract types: move_options=1"]
    assert {code for code in provider.currencies()} == {"BTC", "ETH", "USD"}


def test_load_all_filter_overrides() -> None:
    client = FixtureClient(fixture_result("rest_products.json"))
    provider, log = provider_with_log(client, contract_types=("perpetual_futures",))
    asyncio.run(provider.load_all_async({"contract_types": ("call_options", "put_options")}))
    assert sorted(i.id.symbol.value for i in provider.list_all()) == ["C-BTC-70000-290526", "P-BTC-66000-290526"]
    assert client.calls == [("products", (["call_options", "put_options"], ["live"]))]
    assert not [message for _, message in log.lines if message.startswith("Skipped")]


def test_load_all_underlying_filter_is_case_insensitive() -> None:
    provider, _ = provider_with_log(FixtureClient(fixture_result("rest_products.json")), underlying_assets=("eth",))
    asyncio.run(provider.load_all_async())
    assert [i.id.symbol.value for i in provider.list_all()] == ["ETHUSD"]


def test_load_all_state_filter_applies_client_side() -> None:
    products = fixture_result("rest_products.json") + fixture_result("rest_products_expired.json")
    provider, _ = provider_with_log(FixtureClient(products))
    asyncio.run(provider.load_all_async())
    assert "C-BTC-69000-270526" not in {i.id.symbol.value for i in provider.list_all()}
    asyncio.run(provider.load_all_async({"product_states": ("expired",)}))
    assert "C-BTC-69000-270526" in {i.id.symbol.value for i in provider.list_all()}


def test_load_all_expiry_filter_uses_the_clock() -> None:
    clock = TestClock()
    clock.set_time(iso_ns("2026-05-28T11:59:59Z"))  # options expire 2026-05-29T12:00:00Z
    provider, _ = provider_with_log(FixtureClient(fixture_result("rest_products.json")), clock=clock)
    asyncio.run(provider.load_all_async({"expiry_within_days": 1}))
    assert sorted(i.id.symbol.value for i in provider.list_all()) == ["BTCUSD", "ETHUSD"]
    asyncio.run(provider.load_all_async({"expiry_within_days": 2}))
    assert provider.count == 4


def test_malformed_product_is_skipped_with_a_warning() -> None:
    products = fixture_result("rest_products.json")
    products[1]["tick_size"] = "abc"
    provider, log = provider_with_log(FixtureClient(products))
    asyncio.run(provider.load_all_async())
    assert provider.count == 3
    warnings = [message for level, message in log.lines if level == "warning"]
    assert len(warnings) == 1
    assert "Skipped Delta product 'ETHUSD'" in warnings[0]


def test_product_and_index_symbol_lookups() -> None:
    provider, _ = provider_with_log(FixtureClient(fixture_result("rest_products.json")))
    asyncio.run(provider.load_all_async())
    btc = InstrumentId.from_str("BTCUSD.DELTA_EXCHANGE")
    assert provider.product(btc)["id"] == 27
    assert provider.product(btc)["tick_size"] == "0.5"
    assert provider.index_symbol(btc) == ".DEXBTUSD"
    assert provider.index_symbol(InstrumentId.from_str("ETHUSD.DELTA_EXCHANGE")) == ".DEETHUSD"
    unknown = InstrumentId.from_str("XRPUSD.DELTA_EXCHANGE")
    assert provider.index_symbol(unknown) is None
    with pytest.raises(KeyError, match=r"XRPUSD\.DELTA_EXCHANGE is not loaded"):
        provider.product(unknown)


def test_initialize_with_config_filters() -> None:
    config = InstrumentProviderConfig(load_all=True, filters={"contract_types": ["perpetual_futures"]})
    provider, _ = provider_with_log(FixtureClient(fixture_result("rest_products.json")), config=config)
    asyncio.run(provider.initialize())
    assert sorted(i.id.symbol.value for i in provider.list_all()) == ["BTCUSD", "ETHUSD"]


# -- provider against delta-sim ----------------------------------------------------------------------------------------


async def sim_products(sim: DeltaSim) -> list[dict[str, Any]]:
    return await _native.HttpClient(sim.rest_url).products()


def sim_provider(sim: DeltaSim, **kwargs: Any) -> tuple[DeltaExchangeInstrumentProvider, RecordingLog]:
    return provider_with_log(_native.HttpClient(sim.rest_url), **kwargs)


@pytest.mark.sim
def test_sim_load_all(sim: DeltaSim) -> None:
    provider, log = sim_provider(sim)
    asyncio.run(provider.load_all_async())
    instruments = {i.id.symbol.value: i for i in provider.list_all()}
    assert len(instruments) == 23
    assert isinstance(instruments["BTCUSD"], CryptoPerpetual)
    assert isinstance(instruments["ETHUSD"], CryptoPerpetual)
    assert instruments["BTCUSD"].info["product_id"] == 27
    assert instruments["ETHUSD"].info["product_id"] == 3136
    futures = [i for i in instruments.values() if isinstance(i, CryptoFuture)]
    options = [i for i in instruments.values() if isinstance(i, CryptoOption)]
    assert len(futures) == 1
    assert len(options) == 20
    assert {o.option_kind for o in options} == {OptionKind.CALL, OptionKind.PUT}
    assert not [message for _, message in log.lines if message.startswith("Skipped")]


@pytest.mark.sim
@pytest.mark.parametrize(
    ("contract_type", "count", "cls"),
    [
        ("perpetual_futures", 2, CryptoPerpetual),
        ("futures", 1, CryptoFuture),
        ("call_options", 10, CryptoOption),
        ("put_options", 10, CryptoOption),
    ],
)
def test_sim_load_all_by_contract_type(sim: DeltaSim, contract_type: str, count: int, cls: type) -> None:
    provider, _ = sim_provider(sim)
    asyncio.run(provider.load_all_async({"contract_types": (contract_type,)}))
    instruments = provider.list_all()
    assert len(instruments) == count
    assert all(isinstance(i, cls) and i.info["contract_type"] == contract_type for i in instruments)


@pytest.mark.sim
def test_sim_load_all_by_underlying(sim: DeltaSim) -> None:
    provider, _ = sim_provider(sim, underlying_assets=("ETH",))
    asyncio.run(provider.load_all_async())
    assert [i.id.symbol.value for i in provider.list_all()] == ["ETHUSD"]


@pytest.mark.sim
def test_sim_load_all_by_state(sim: DeltaSim) -> None:
    products = asyncio.run(sim_products(sim))
    provider, _ = sim_provider(sim, product_states=("upcoming",))
    asyncio.run(provider.load_all_async())
    assert provider.count == sum(1 for p in products if p["state"] == "upcoming")
    assert all(i.info["state"] == "upcoming" for i in provider.list_all())


@pytest.mark.sim
def test_sim_load_all_by_expiry(sim: DeltaSim) -> None:
    products = asyncio.run(sim_products(sim))
    clock = TestClock()
    expiries = sorted({iso_ns(p["settlement_time"]) for p in products if p["settlement_time"]})
    assert len(expiries) >= 2
    clock.set_time(expiries[0] - NANOS_PER_DAY // 2)  # half a day before the first expiry
    provider, _ = sim_provider(sim, clock=clock, expiry_within_days=1)
    asyncio.run(provider.load_all_async())
    expected = {
        p["symbol"] for p in products if not p["settlement_time"] or iso_ns(p["settlement_time"]) == expiries[0]
    }
    assert {i.id.symbol.value for i in provider.list_all()} == expected
    assert {"BTCUSD", "ETHUSD"} <= expected
    assert len(expected) < len(products)


@pytest.mark.sim
def test_sim_load_ids_and_lookups(sim: DeltaSim) -> None:
    products = asyncio.run(sim_products(sim))
    option = next(p["symbol"] for p in products if p["contract_type"] == "put_options")
    ids = [InstrumentId.from_str("BTCUSD.DELTA_EXCHANGE"), InstrumentId.from_str(f"{option}.DELTA_EXCHANGE")]
    provider, log = sim_provider(sim)
    asyncio.run(provider.load_ids_async(ids))
    assert sorted(i.id for i in provider.list_all()) == sorted(ids)
    assert provider.product(ids[0])["id"] == 27
    assert provider.index_symbol(ids[0]) == ".DEXBTUSD"
    assert provider.find(ids[1]).option_kind == OptionKind.PUT
    assert not [line for line in log.lines if line[0] == "warning"]


@pytest.mark.sim
def test_sim_load_unknown_id_is_logged_and_skipped(sim: DeltaSim) -> None:
    provider, log = sim_provider(sim)
    unknown = InstrumentId.from_str("NOPEUSD.DELTA_EXCHANGE")
    asyncio.run(provider.load_ids_async([unknown, InstrumentId.from_str("ETHUSD.DELTA_EXCHANGE")]))
    assert [i.id.symbol.value for i in provider.list_all()] == ["ETHUSD"]
    assert ("warning", "Delta has no product for 1 requested instrument(s): NOPEUSD") in log.lines
    asyncio.run(provider.load_async(unknown))
    assert provider.find(unknown) is None


@pytest.mark.sim
def test_sim_load_ids_rejects_other_venues(sim: DeltaSim) -> None:
    provider, _ = sim_provider(sim)
    with pytest.raises(ValueError, match=r"BTCUSDT\.BINANCE is not a DELTA_EXCHANGE instrument"):
        asyncio.run(provider.load_ids_async([InstrumentId.from_str("BTCUSDT.BINANCE")]))
