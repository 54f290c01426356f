"""Factories, the shared REST client / provider caches, and the package root (exports, version self-check)."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from nautilus_trader.cache.cache import Cache
from nautilus_trader.common.component import LiveClock, MessageBus
from nautilus_trader.config import InstrumentProviderConfig
from nautilus_trader.model.identifiers import ClientId, InstrumentId, TraderId

import delta_exchange
from delta_exchange import _native
from delta_exchange.config import DeltaExchangeDataClientConfig, DeltaExchangeExecClientConfig
from delta_exchange.factories import (
    DeltaExchangeLiveDataClientFactory,
    DeltaExchangeLiveExecClientFactory,
    _cached_instrument_provider,
    _shared_components,
    get_cached_delta_http_client,
    get_cached_delta_instrument_provider,
)
from delta_exchange.providers import DeltaExchangeInstrumentProvider

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "delta-api"
SECRET = "factory-secret-never-shown"
LOCAL = {
    "environment": "local",
    "base_url_http": "http://127.0.0.1:9",
    "base_url_ws_public": "ws://127.0.0.1:9/public",
    "base_url_ws_private": "ws://127.0.0.1:9/private",
}


@pytest.fixture(autouse=True)
def _fresh_caches(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    for name in ("DELTA_API_KEY", "DELTA_API_SECRET", "DELTA_TESTNET_API_KEY", "DELTA_TESTNET_API_SECRET"):
        monkeypatch.delenv(name, raising=False)
    get_cached_delta_http_client.cache_clear()
    _cached_instrument_provider.cache_clear()
    yield
    get_cached_delta_http_client.cache_clear()
    _cached_instrument_provider.cache_clear()


def node_components() -> tuple[asyncio.AbstractEventLoop, MessageBus, Cache, LiveClock]:
    clock = LiveClock()
    return asyncio.new_event_loop(), MessageBus(TraderId("TESTER-001"), clock), Cache(), clock


# -- package root -------------------------------------------------------------------------------------------------


def test_package_exports_exactly_the_design_names() -> None:
    """DESIGN 8's names, the clients, risk limits, events, catalog helpers and the operations helpers."""
    assert sorted(delta_exchange.__all__) == sorted(
        [
            "CIRCUIT_TOPIC",
            "DELTA_EXCHANGE_VENUE",
            "MMP_TOPIC",
            "DeltaCircuitClosed",
            "DeltaCircuitOpened",
            "DeltaExchangeDataClient",
            "DeltaExchangeDataClientConfig",
            "DeltaExchangeExecClientConfig",
            "DeltaExchangeExecutionClient",
            "DeltaExchangeLiveDataClientFactory",
            "DeltaExchangeLiveExecClientFactory",
            "DeltaExchangeInstrumentProvider",
            "DeltaInstrumentRiskLimits",
            "DeltaMmpThawed",
            "DeltaMmpTriggered",
            "decode_message",
            "delta_clients",
            "register_catalog_types",
            "rotate_credentials",
            "summary_line",
            "write_instruments",
            "__version__",
        ],
    )
    for name in delta_exchange.__all__:
        assert hasattr(delta_exchange, name), name
    assert delta_exchange.DELTA_EXCHANGE_VENUE.value == "DELTA_EXCHANGE"
    assert delta_exchange.DeltaExchangeInstrumentProvider is DeltaExchangeInstrumentProvider
    assert isinstance(delta_exchange.__version__, str)
    assert delta_exchange.__version__


def test_decode_message_is_the_native_parser() -> None:
    assert delta_exchange.decode_message is _native.decode_message
    frame = (FIXTURES / "ws_system_status.json").read_text()
    decoded = delta_exchange.decode_message(frame)
    assert decoded["channel"] == "system_status"
    assert decoded["kind"] == "system_status"
    assert decoded["status"] == "live"


def test_import_refuses_another_nautilus_version() -> None:
    code = "import nautilus_trader; nautilus_trader.__version__ = '1.222.0'; import delta_exchange"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False, timeout=120)
    assert result.returncode != 0
    assert "ImportError: delta_exchange requires nautilus_trader==1.221.0, but 1.222.0 is installed" in result.stderr


# -- caches --------------------------------------------------------------------------------------------------------


def test_http_client_is_shared_per_settings() -> None:
    first = get_cached_delta_http_client("http://127.0.0.1:9", api_key="k", api_secret=SECRET)
    assert get_cached_delta_http_client("http://127.0.0.1:9", api_key="k", api_secret=SECRET) is first
    assert first.has_credentials
    assert first.base_url.startswith("http://127.0.0.1:9")
    others = [
        get_cached_delta_http_client("http://127.0.0.1:8", api_key="k", api_secret=SECRET),
        get_cached_delta_http_client("http://127.0.0.1:9"),
        get_cached_delta_http_client("http://127.0.0.1:9", api_key="k", api_secret=SECRET, timeout_secs=5.0),
        get_cached_delta_http_client("http://127.0.0.1:9", api_key="k", api_secret=SECRET, max_retries=0),
        get_cached_delta_http_client("http://127.0.0.1:9", api_key="k", api_secret=SECRET, rate_limit_quota=100),
    ]
    assert all(other is not first for other in others)
    assert not others[1].has_credentials


def test_provider_is_shared_per_client_and_filters() -> None:
    client = get_cached_delta_http_client("http://127.0.0.1:9")
    config = InstrumentProviderConfig(load_all=True)
    provider = get_cached_delta_instrument_provider(client, config, contract_types=("futures",))
    assert get_cached_delta_instrument_provider(client, config, contract_types=("futures",)) is provider
    assert provider.filters.contract_types == ("futures",)
    assert get_cached_delta_instrument_provider(client, config) is not provider
    assert get_cached_delta_instrument_provider(client, InstrumentProviderConfig(load_all=False)) is not provider


def test_provider_cache_accepts_configs_with_list_filters_and_load_ids() -> None:
    """JSON/YAML node configs give lists in `filters`, which make InstrumentProviderConfig unhashable."""
    client = get_cached_delta_http_client("http://127.0.0.1:9")
    ids = [InstrumentId.from_str(f"{symbol}.DELTA_EXCHANGE") for symbol in ("BTCUSD", "ETHUSD", "BTCUSD_25Dec")]
    config = InstrumentProviderConfig(load_ids=frozenset(ids), filters={"contract_types": ["futures"]})
    same = InstrumentProviderConfig(load_ids=frozenset(reversed(ids)), filters={"contract_types": ["futures"]})
    provider = get_cached_delta_instrument_provider(client, config, contract_types=["perpetual_futures"])  # type: ignore[arg-type]
    assert get_cached_delta_instrument_provider(client, same, contract_types=("perpetual_futures",)) is provider
    assert provider.filters.contract_types == ("perpetual_futures",)


def test_data_and_exec_configs_with_the_same_settings_share_client_and_provider() -> None:
    settings = {**LOCAL, "api_key": "k", "api_secret": SECRET, "underlying_assets": ("BTC",)}
    data = DeltaExchangeDataClientConfig(**settings)
    execution = DeltaExchangeExecClientConfig(**settings)
    data_client, data_provider = _shared_components(data, data.resolved_credentials(required=True))
    exec_client, exec_provider = _shared_components(execution, execution.resolved_credentials(required=True))
    assert exec_client is data_client
    assert exec_provider is data_provider
    assert data_provider.filters.underlying_assets == ("BTC",)


# -- data factory -------------------------------------------------------------------------------------------------


def test_data_factory_builds_a_client_on_the_shared_components() -> None:
    from delta_exchange.data import DeltaExchangeDataClient  # noqa: PLC0415 (as the factory does)

    loop, msgbus, cache, clock = node_components()
    config = DeltaExchangeDataClientConfig(**LOCAL, contract_types=("perpetual_futures",))
    try:
        client = DeltaExchangeLiveDataClientFactory.create(loop, "DELTA_EXCHANGE", config, msgbus, cache, clock)
        again = DeltaExchangeLiveDataClientFactory.create(loop, "DELTA_EXCHANGE-2", config, msgbus, cache, clock)
    finally:
        loop.close()
    assert isinstance(client, DeltaExchangeDataClient)
    assert client.id == ClientId("DELTA_EXCHANGE")
    assert again.id == ClientId("DELTA_EXCHANGE-2")
    assert client.venue.value == "DELTA_EXCHANGE"
    assert again.instrument_provider is client.instrument_provider
    assert client.instrument_provider.filters.contract_types == ("perpetual_futures",)
    assert get_cached_delta_http_client.cache_info().currsize == 1


def test_data_factory_validates_before_building() -> None:
    loop, msgbus, cache, clock = node_components()
    try:
        with pytest.raises(ValueError, match=r"needs the REST URL \(base_url_http\)"):
            DeltaExchangeLiveDataClientFactory.create(
                loop,
                "DELTA_EXCHANGE",
                DeltaExchangeDataClientConfig(environment="local"),
                msgbus,
                cache,
                clock,
            )
        with pytest.raises(ValueError, match="'spot' is not supported"):
            config = DeltaExchangeDataClientConfig(**LOCAL, contract_types=("spot",))
            DeltaExchangeLiveDataClientFactory.create(loop, "DELTA_EXCHANGE", config, msgbus, cache, clock)
    finally:
        loop.close()
    assert get_cached_delta_http_client.cache_info().currsize == 0


NODE_SCRIPT = """
import asyncio
from nautilus_trader.config import LoggingConfig, TradingNodeConfig
from nautilus_trader.live.node import TradingNode
from nautilus_trader.model.identifiers import TraderId
from delta_exchange import DeltaExchangeDataClientConfig, DeltaExchangeLiveDataClientFactory

config = TradingNodeConfig(
    trader_id=TraderId("TESTER-001"),
    logging=LoggingConfig(log_level="ERROR"),
    data_clients={"DELTA_EXCHANGE": DeltaExchangeDataClientConfig(**%r)},
)
loop = asyncio.new_event_loop()
node = TradingNode(config=config, loop=loop)
node.add_data_client_factory("DELTA_EXCHANGE", DeltaExchangeLiveDataClientFactory)
node.build()
print("registered", sorted(c.value for c in node.kernel.data_engine.registered_clients))
node.dispose()
"""


def test_node_builds_the_data_client_from_the_registered_factory() -> None:
    # A subprocess: a TradingNode initialises Nautilus logging once per process, which other test modules configure.
    script = NODE_SCRIPT % (LOCAL,)
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=False, timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]
    assert "registered ['DELTA_EXCHANGE']" in result.stdout


# -- exec factory ---------------------------------------------------------------------------------------------------


def test_exec_factory_requires_credentials() -> None:
    loop, msgbus, cache, clock = node_components()
    try:
        with pytest.raises(ValueError, match="DELTA_API_KEY / DELTA_API_SECRET"):
            DeltaExchangeLiveExecClientFactory.create(
                loop,
                "DELTA_EXCHANGE",
                DeltaExchangeExecClientConfig(),
                msgbus,
                cache,
                clock,
            )
    finally:
        loop.close()


def test_exec_factory_builds_the_execution_client() -> None:
    from delta_exchange.execution import DeltaExchangeExecutionClient  # noqa: PLC0415

    loop, msgbus, cache, clock = node_components()
    config = DeltaExchangeExecClientConfig(**LOCAL, api_key="k", api_secret=SECRET)
    try:
        client = DeltaExchangeLiveExecClientFactory.create(loop, "DELTA_EXCHANGE", config, msgbus, cache, clock)
    finally:
        loop.close()
    assert isinstance(client, DeltaExchangeExecutionClient)
    assert client.id == ClientId("DELTA_EXCHANGE")
    assert client.account_id.get_issuer() == "DELTA_EXCHANGE"
    assert client.oms_type.name == "NETTING" and client.account_type.name == "MARGIN"
    assert SECRET not in repr(client)


def test_secret_is_not_in_any_repr_of_built_objects() -> None:
    client = get_cached_delta_http_client("http://127.0.0.1:9", api_key="k", api_secret=SECRET)
    assert SECRET not in repr(client)
    config = DeltaExchangeDataClientConfig(**LOCAL, api_key="k", api_secret=SECRET)
    assert SECRET not in repr(config)
    assert SECRET not in json.dumps({"config": repr(config)})
