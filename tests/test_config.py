"""Client configs: shared fields, URL and credential resolution, every validation path, secret redaction."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from nautilus_trader.config import InstrumentProviderConfig, LiveDataClientConfig, LiveExecClientConfig

from delta_exchange.config import (
    DeltaExchangeDataClientConfig,
    DeltaExchangeExecClientConfig,
    DeltaInstrumentRiskLimits,
)

SECRET = "s3cr3t-value-that-must-never-show"
LOCAL_URLS = {
    "base_url_http": "http://127.0.0.1:9000",
    "base_url_ws_public": "ws://127.0.0.1:9000/public",
    "base_url_ws_private": "ws://127.0.0.1:9000/private",
}
CONFIGS = [DeltaExchangeDataClientConfig, DeltaExchangeExecClientConfig]
ENV_VARS = ("DELTA_API_KEY", "DELTA_API_SECRET", "DELTA_TESTNET_API_KEY", "DELTA_TESTNET_API_SECRET")


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ENV_VARS:
        monkeypatch.delenv(name, raising=False)


def data_config(**kwargs: Any) -> DeltaExchangeDataClientConfig:
    return DeltaExchangeDataClientConfig(**kwargs)


def test_subclass_the_nautilus_bases() -> None:
    assert issubclass(DeltaExchangeDataClientConfig, LiveDataClientConfig)
    assert issubclass(DeltaExchangeExecClientConfig, LiveExecClientConfig)


def test_both_configs_share_the_common_fields_with_the_same_defaults() -> None:
    data, execution = DeltaExchangeDataClientConfig(), DeltaExchangeExecClientConfig()
    common = set(data.__struct_fields__) & set(execution.__struct_fields__)
    expected = {
        "environment",
        "api_key",
        "api_secret",
        "base_url_http",
        "base_url_ws_public",
        "base_url_ws_private",
        "http_timeout_secs",
        "max_retries",
        "rate_limit_quota",
        "rate_limit_window_secs",
        "contract_types",
        "underlying_assets",
        "product_states",
        "expiry_within_days",
        "heartbeat_timeout_secs",
        "reconnect_backoff_base_secs",
        "reconnect_backoff_cap_secs",
        "queue_capacity",
        "update_instruments_interval_mins",
        "stats_log_interval_secs",
        "instrument_provider",
        "routing",
    }
    assert common == expected
    for name in expected:
        assert getattr(data, name) == getattr(execution, name), name
    assert "book_depth" in data.__struct_fields__
    assert "book_depth" not in execution.__struct_fields__
    assert "max_order_size" in execution.__struct_fields__


def test_defaults() -> None:
    config = DeltaExchangeDataClientConfig()
    assert config.environment == "india"
    assert config.api_key is None
    assert config.api_secret is None
    assert config.product_states == ("live",)
    assert config.contract_types is None
    assert config.heartbeat_timeout_secs == 35.0
    assert config.reconnect_backoff_base_secs == 0.25
    assert config.reconnect_backoff_cap_secs == 30.0
    assert config.book_depth is None
    assert config.http_timeout_secs == 10.0
    assert config.max_retries == 3
    assert config.queue_capacity == 65_536
    assert config.update_instruments_interval_mins == 60
    execution = DeltaExchangeExecClientConfig()
    assert execution.max_order_size is None
    assert execution.leverage is None
    assert execution.cancel_on_daily_loss is False


def test_docstrings_document_the_common_fields() -> None:
    for cls in CONFIGS:
        doc = cls.__doc__ or ""
        for field in ("environment : str, default 'india'", "api_secret : str, optional", "product_states"):
            assert field in doc, (cls.__name__, field)
    assert "book_depth : PositiveInt, optional" in (DeltaExchangeDataClientConfig.__doc__ or "")


@pytest.mark.parametrize("cls", CONFIGS)
def test_secret_is_redacted_in_repr_and_str(cls: type) -> None:
    config = cls(api_key="key-1", api_secret=SECRET)
    for text in (repr(config), str(config), f"{config}", f"{config!r}"):
        assert SECRET not in text
        assert "api_secret='<redacted>'" in text
        assert "api_key='key-1'" in text
    rich = dict(config.__rich_repr__())
    assert rich["api_secret"] == "<redacted>"
    assert config.api_secret == SECRET
    assert "api_secret=None" in repr(cls())


@pytest.mark.parametrize("cls", CONFIGS)
def test_secret_is_redacted_in_json_primitives_but_kept_by_json(cls: type) -> None:
    """Nautilus components publish `json_primitives()` in ComponentStateChanged events."""
    config = cls(api_key="key-1", api_secret=SECRET)
    primitives = config.json_primitives()
    assert primitives["api_secret"] == "<redacted>"
    assert primitives["api_key"] == "key-1"
    assert SECRET not in str(primitives)
    assert cls.parse(config.json()).api_secret == SECRET
    assert cls().json_primitives()["api_secret"] is None


@pytest.mark.parametrize("cls", CONFIGS)
def test_json_round_trip(cls: type) -> None:
    config = cls(environment="local", contract_types=("futures",), **LOCAL_URLS)
    assert cls.parse(config.json()) == config


def test_exec_decimal_and_dict_fields_round_trip() -> None:
    config = DeltaExchangeExecClientConfig(
        max_order_notional=Decimal("12500.50"),
        leverage={"BTCUSD": 20},
        mmp_group="mmp2",
        instrument_risk_limits={"BTCUSD": DeltaInstrumentRiskLimits(max_order_size=5, price_band_pct=Decimal("1.5"))},
    )
    parsed = DeltaExchangeExecClientConfig.parse(config.json())
    assert parsed.max_order_notional == Decimal("12500.50")
    assert parsed.leverage == {"BTCUSD": 20}
    assert parsed.mmp_group == "mmp2"
    assert parsed.instrument_risk_limits == {
        "BTCUSD": DeltaInstrumentRiskLimits(max_order_size=5, price_band_pct=Decimal("1.5")),
    }


# -- URLs -----------------------------------------------------------------------------------------------------


def test_resolved_urls_for_india() -> None:
    assert data_config().resolved_urls() == {
        "http": "https://api.india.delta.exchange",
        "ws_public": "wss://public-socket.india.delta.exchange",
        "ws_private": "wss://socket.india.delta.exchange",
    }


def test_resolved_urls_for_each_environment_use_https_and_wss() -> None:
    for environment in ("india", "global", "india-testnet", "global-testnet"):
        urls = data_config(environment=environment).resolved_urls()
        assert urls["http"].startswith("https://"), environment
        assert urls["ws_public"].startswith("wss://"), environment
        assert urls["ws_private"].startswith("wss://"), environment
    assert "testnet" in data_config(environment="global-testnet").resolved_urls()["http"]


def test_resolved_urls_with_overrides() -> None:
    urls = data_config(environment="local", **LOCAL_URLS).resolved_urls()
    assert urls == {
        "http": "http://127.0.0.1:9000",
        "ws_public": "ws://127.0.0.1:9000/public",
        "ws_private": "ws://127.0.0.1:9000/private",
    }
    override = data_config(base_url_http="https://proxy.example.com").resolved_urls()
    assert override["http"] == "https://proxy.example.com"
    assert override["ws_public"] == "wss://public-socket.india.delta.exchange"


def test_unknown_environment_lists_valid_ones() -> None:
    with pytest.raises(ValueError, match="unknown Delta environment 'prod'") as info:
        data_config(environment="prod").validate()
    assert "'india-testnet'" in str(info.value)
    assert "'local'" in str(info.value)


def test_local_without_urls_is_refused() -> None:
    with pytest.raises(ValueError, match="base_url_http"):
        data_config(environment="local").validate()


@pytest.mark.parametrize(
    ("field", "url", "what"),
    [
        ("base_url_http", "ftp://127.0.0.1:9000", "REST URL"),
        ("base_url_http", "http://", "REST URL"),
        ("base_url_ws_public", "http://127.0.0.1:9000/public", "public socket URL"),
        ("base_url_ws_private", "127.0.0.1:9000", "private socket URL"),
    ],
)
def test_bad_url_is_refused(field: str, url: str, what: str) -> None:
    urls = {**LOCAL_URLS, field: url}
    with pytest.raises(ValueError, match=what):
        data_config(environment="local", **urls).validate()


# -- credentials ------------------------------------------------------------------------------------------------


def test_credentials_from_config() -> None:
    config = data_config(api_key="key-1", api_secret=SECRET)
    assert config.resolved_credentials(required=True) == ("key-1", SECRET)


def test_no_credentials_are_fine_when_not_required() -> None:
    assert data_config().resolved_credentials(required=False) is None
    assert data_config().validate() is True


def test_missing_credentials_name_the_production_variables() -> None:
    with pytest.raises(ValueError, match="needs API credentials") as info:
        data_config(environment="global").resolved_credentials(required=True)
    assert "DELTA_API_KEY / DELTA_API_SECRET" in str(info.value)


def test_missing_credentials_name_the_testnet_variables() -> None:
    with pytest.raises(ValueError, match="DELTA_TESTNET_API_KEY / DELTA_TESTNET_API_SECRET"):
        data_config(environment="india-testnet").resolved_credentials(required=True)


def test_credentials_from_production_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DELTA_API_KEY", "env-key")
    monkeypatch.setenv("DELTA_API_SECRET", SECRET)
    monkeypatch.setenv("DELTA_TESTNET_API_KEY", "test-key")
    monkeypatch.setenv("DELTA_TESTNET_API_SECRET", "test-secret")
    assert data_config().resolved_credentials(required=True) == ("env-key", SECRET)
    assert data_config(environment="global").resolved_credentials(required=True) == ("env-key", SECRET)
    testnet = data_config(environment="global-testnet")
    assert testnet.resolved_credentials(required=True) == ("test-key", "test-secret")


def test_config_values_win_over_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DELTA_API_KEY", "env-key")
    monkeypatch.setenv("DELTA_API_SECRET", "env-secret")
    assert data_config(api_key="cfg", api_secret=SECRET).resolved_credentials(required=True) == ("cfg", SECRET)


def test_local_reads_no_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DELTA_API_KEY", "production-key")
    monkeypatch.setenv("DELTA_API_SECRET", "production-secret")
    config = data_config(environment="local", **LOCAL_URLS)
    assert config.resolved_credentials(required=False) is None
    with pytest.raises(ValueError, match="environment 'local' reads no variables"):
        config.resolved_credentials(required=True)
    local = data_config(environment="local", api_key="sim-key", api_secret="sim-secret", **LOCAL_URLS)
    assert local.resolved_credentials(required=True) == ("sim-key", "sim-secret")


def test_half_set_credentials_are_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(ValueError, match="api_secret is missing") as info:
        data_config(api_key="key-only").validate()
    assert "DELTA_API_SECRET" in str(info.value)
    monkeypatch.setenv("DELTA_TESTNET_API_SECRET", SECRET)
    with pytest.raises(ValueError, match="api_key is missing") as info:
        data_config(environment="india-testnet").validate()
    assert SECRET not in str(info.value)


def test_empty_strings_count_as_missing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DELTA_API_KEY", "")
    monkeypatch.setenv("DELTA_API_SECRET", "")
    assert data_config(api_key="", api_secret="").resolved_credentials(required=False) is None


def test_testnet_key_with_production_environment_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DELTA_TESTNET_API_KEY", "testnet-key")
    config = data_config(environment="india", api_key="testnet-key", api_secret=SECRET)
    with pytest.raises(ValueError, match="key from DELTA_TESTNET_API_KEY: a testnet key with a production") as info:
        config.validate()
    assert "environment='india-testnet'" in str(info.value)
    assert SECRET not in str(info.value)
    assert "testnet-key" not in str(info.value)


def test_production_key_with_testnet_environment_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DELTA_API_KEY", "prod-key")
    config = data_config(environment="global-testnet", api_key="prod-key", api_secret=SECRET)
    with pytest.raises(ValueError, match="a production key with a testnet environment"):
        config.resolved_credentials(required=True)


def test_same_key_in_both_variables_is_not_flagged(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DELTA_API_KEY", "shared")
    monkeypatch.setenv("DELTA_TESTNET_API_KEY", "shared")
    config = data_config(api_key="shared", api_secret=SECRET)
    assert config.resolved_credentials(required=True) == ("shared", SECRET)


def test_exec_config_requires_credentials() -> None:
    with pytest.raises(ValueError, match="needs API credentials for private features"):
        DeltaExchangeExecClientConfig().validate()
    assert DeltaExchangeExecClientConfig(api_key="k", api_secret=SECRET).validate() is True


# -- other validation paths ----------------------------------------------------------------------------------------


def test_unknown_contract_type_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown Delta contract type 'perps'"):
        data_config(contract_types=("perps",)).validate()


def test_unsupported_contract_type_is_refused() -> None:
    with pytest.raises(ValueError, match="'move_options' is not supported"):
        data_config(contract_types=("perpetual_futures", "move_options")).validate()


def test_supported_filters_pass() -> None:
    config = data_config(
        contract_types=("perpetual_futures", "call_options"),
        underlying_assets=("BTC",),
        product_states=("live", "upcoming"),
        expiry_within_days=7,
    )
    assert config.validate() is True


def test_unknown_product_state_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown Delta product state 'active'"):
        data_config(product_states=("active",)).validate()


def test_empty_product_states_are_refused() -> None:
    with pytest.raises(ValueError, match="product_states is empty"):
        data_config(product_states=()).validate()


def test_empty_underlying_symbol_is_refused() -> None:
    with pytest.raises(ValueError, match="underlying_assets contains an empty symbol"):
        data_config(underlying_assets=("BTC", "")).validate()


def test_backoff_base_above_cap_is_refused() -> None:
    with pytest.raises(ValueError, match="reconnect_backoff_base_secs must not exceed reconnect_backoff_cap_secs"):
        data_config(reconnect_backoff_base_secs=5.0, reconnect_backoff_cap_secs=1.0).validate()


@pytest.mark.parametrize(
    ("field", "value", "path"),
    [
        ("http_timeout_secs", -1.0, "http_timeout_secs"),
        ("heartbeat_timeout_secs", 0.0, "heartbeat_timeout_secs"),
        ("max_retries", -1, "max_retries"),
        ("queue_capacity", 0, "queue_capacity"),
        ("expiry_within_days", 0, "expiry_within_days"),
        ("book_depth", 0, "book_depth"),
        ("environment", 3, "environment"),
    ],
)
def test_out_of_range_numbers_are_refused(field: str, value: Any, path: str) -> None:
    with pytest.raises(ValueError, match=f"invalid DeltaExchangeDataClientConfig: .* at `\\$.{path}`"):
        data_config(**{field: value}).validate()


def test_secret_never_appears_in_validation_errors() -> None:
    with pytest.raises(ValueError) as info:
        data_config(api_secret=SECRET, http_timeout_secs=-1.0).validate()
    assert SECRET not in str(info.value)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"max_order_notional": Decimal("-1")}, "max_order_notional must be a positive decimal"),
        ({"price_band_pct": Decimal(0)}, "price_band_pct must be a positive decimal"),
        ({"daily_loss_limit": Decimal("-5")}, "daily_loss_limit must be a positive decimal"),
        ({"mmp_group": "mmp9"}, "unknown mmp_group 'mmp9'"),
        ({"leverage": {"": 10}}, "leverage has an empty product symbol"),
        ({"leverage": {"BTCUSD": 0}}, "leverage"),
        ({"max_order_size": 0}, "max_order_size"),
        ({"instrument_risk_limits": {"": DeltaInstrumentRiskLimits()}}, "instrument_risk_limits has an empty"),
        ({"instrument_risk_limits": {"BTCUSD": DeltaInstrumentRiskLimits(max_position=0)}}, "max_position"),
    ],
)
def test_exec_risk_settings_are_checked(kwargs: dict[str, Any], message: str) -> None:
    config = DeltaExchangeExecClientConfig(api_key="k", api_secret=SECRET, **kwargs)
    with pytest.raises(ValueError, match=message):
        config.validate()


def test_instrument_risk_limits_refuse_a_non_positive_decimal() -> None:
    with pytest.raises(ValueError, match="price_band_pct must be a positive decimal"):
        DeltaInstrumentRiskLimits(price_band_pct=Decimal(0))


def test_instrument_provider_config_is_kept() -> None:
    provider = InstrumentProviderConfig(load_all=True)
    assert data_config(instrument_provider=provider).instrument_provider == provider


def test_circuit_breaker_defaults_and_docstring() -> None:
    config = DeltaExchangeExecClientConfig(api_key="k", api_secret=SECRET)
    assert (config.circuit_breaker_failures, config.circuit_breaker_cooldown_secs) == (5, 30.0)
    assert config.watch_system_status is True
    assert config.validate()
    doc = DeltaExchangeExecClientConfig.__doc__ or ""
    for field in ("circuit_breaker_failures :", "circuit_breaker_cooldown_secs :", "watch_system_status :"):
        assert field in doc
    assert "circuit_breaker_failures" not in DeltaExchangeDataClientConfig.__struct_fields__


def test_circuit_breaker_settings_round_trip_and_none_disables_the_count() -> None:
    config = DeltaExchangeExecClientConfig(
        api_key="k",
        api_secret=SECRET,
        circuit_breaker_failures=None,
        circuit_breaker_cooldown_secs=1.5,
        watch_system_status=False,
    )
    assert config.validate()
    again = DeltaExchangeExecClientConfig.parse(config.json())
    assert (again.circuit_breaker_failures, again.circuit_breaker_cooldown_secs, again.watch_system_status) == (
        None,
        1.5,
        False,
    )


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"circuit_breaker_failures": 0}, r"at `\$.circuit_breaker_failures`"),
        ({"circuit_breaker_cooldown_secs": 0.0}, r"at `\$.circuit_breaker_cooldown_secs`"),
        ({"circuit_breaker_cooldown_secs": -2.0}, r"at `\$.circuit_breaker_cooldown_secs`"),
        ({"circuit_breaker_cooldown_secs": float("inf")}, r"at `\$.circuit_breaker_cooldown_secs`"),
        ({"watch_system_status": "yes"}, r"at `\$.watch_system_status`"),
    ],
)
def test_circuit_breaker_settings_are_checked(kwargs: dict[str, Any], message: str) -> None:
    config = DeltaExchangeExecClientConfig(api_key="k", api_secret=SECRET, **kwargs)
    with pytest.raises(ValueError, match=message):
        config.validate()


@pytest.mark.parametrize("config_class", [DeltaExchangeDataClientConfig, DeltaExchangeExecClientConfig])
def test_stats_log_interval_is_positive_or_none(config_class: type) -> None:
    credentials = {"api_key": "k", "api_secret": "s"}
    assert config_class(**credentials).stats_log_interval_secs == 60.0
    assert config_class(stats_log_interval_secs=None, **credentials).validate()
    with pytest.raises(ValueError, match="stats_log_interval_secs"):
        config_class(stats_log_interval_secs=0.0, **credentials).validate()
