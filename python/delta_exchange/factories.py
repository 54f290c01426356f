"""
Factories the ``TradingNode`` calls to build Delta Exchange clients (register them under ``"DELTA_EXCHANGE"``).

The HTTP client and the instrument provider are cached by every setting that changes their behaviour, so a
data client and an execution client built from the same settings share one REST client (one rate limiter)
and one provider (one instrument load).
"""

from __future__ import annotations

import asyncio
from functools import lru_cache
from typing import TYPE_CHECKING, Any

import msgspec
from nautilus_trader.cache.cache import Cache
from nautilus_trader.common.component import LiveClock, MessageBus
from nautilus_trader.config import InstrumentProviderConfig
from nautilus_trader.live.factories import LiveDataClientFactory, LiveExecClientFactory

from delta_exchange import _native
from delta_exchange.config import DeltaExchangeDataClientConfig, DeltaExchangeExecClientConfig
from delta_exchange.providers import DeltaExchangeInstrumentProvider

if TYPE_CHECKING:
    from delta_exchange.data import DeltaExchangeDataClient
    from delta_exchange.execution import DeltaExchangeExecutionClient

_CACHE_SIZE = 16


@lru_cache(maxsize=_CACHE_SIZE)
def get_cached_delta_http_client(
    base_url: str,
    *,
    api_key: str | None = None,
    api_secret: str | None = None,
    timeout_secs: float = 10.0,
    max_retries: int = 3,
    rate_limit_quota: int | None = None,
    rate_limit_window_secs: float | None = None,
) -> _native.HttpClient:
    """
    Return the shared REST client for these settings, creating it on first use.

    Parameters
    ----------
    base_url : str
        The REST base URL (``resolved_urls()["http"]``).
    api_key, api_secret : str, optional
        Credentials for signed endpoints; both or neither.
    timeout_secs : float, default 10.0
        Timeout of one request.
    max_retries : int, default 3
        Retries of a failed GET.
    rate_limit_quota : int, optional
        Weight units per window; None keeps delta-core's default (Delta's documented quota).
    rate_limit_window_secs : float, optional
        Quota window length; None keeps delta-core's default.

    Returns
    -------
    _native.HttpClient

    """
    return _native.HttpClient(
        base_url,
        api_key,
        api_secret,
        timeout_secs=timeout_secs,
        max_retries=max_retries,
        rate_limit_quota=rate_limit_quota,
        rate_limit_window_secs=rate_limit_window_secs,
    )


def get_cached_delta_instrument_provider(
    client: _native.HttpClient,
    config: InstrumentProviderConfig,
    *,
    contract_types: tuple[str, ...] | None = None,
    underlying_assets: tuple[str, ...] | None = None,
    product_states: tuple[str, ...] = ("live",),
    expiry_within_days: int | None = None,
) -> DeltaExchangeInstrumentProvider:
    """
    Return the shared instrument provider for this client and these filters, creating it on first use.

    Parameters
    ----------
    client : _native.HttpClient
        The REST client (from :func:`get_cached_delta_http_client`).
    config : InstrumentProviderConfig
        What to load on ``initialize`` and filter overrides.
    contract_types, underlying_assets, product_states, expiry_within_days
        The product filters (see :class:`DeltaExchangeInstrumentProvider`).

    Returns
    -------
    DeltaExchangeInstrumentProvider

    """
    # Keyed by the config's canonical JSON: InstrumentProviderConfig cannot be hashed when its `filters`
    # hold lists, which is what JSON/YAML node configs produce. `load_ids` is a set: its JSON list follows the
    # set's iteration order, which depends on how the set was built, so it is sorted.
    primitives: dict[str, Any] = config.json_primitives()
    if primitives.get("load_ids"):
        primitives["load_ids"] = sorted(primitives["load_ids"])
    return _cached_instrument_provider(
        client,
        msgspec.json.encode(primitives, order="deterministic"),
        None if contract_types is None else tuple(contract_types),
        None if underlying_assets is None else tuple(underlying_assets),
        tuple(product_states),
        expiry_within_days,
    )


@lru_cache(maxsize=_CACHE_SIZE)
def _cached_instrument_provider(  # noqa: PLR0917 (a cache key: every argument positional)
    client: _native.HttpClient,
    config_json: bytes,
    contract_types: tuple[str, ...] | None,
    underlying_assets: tuple[str, ...] | None,
    product_states: tuple[str, ...],
    expiry_within_days: int | None,
) -> DeltaExchangeInstrumentProvider:
    return DeltaExchangeInstrumentProvider(
        client,
        InstrumentProviderConfig.parse(config_json),
        contract_types=contract_types,
        underlying_assets=underlying_assets,
        product_states=product_states,
        expiry_within_days=expiry_within_days,
    )


def _shared_components(
    config: DeltaExchangeDataClientConfig | DeltaExchangeExecClientConfig,
    credentials: tuple[str, str] | None,
) -> tuple[_native.HttpClient, DeltaExchangeInstrumentProvider]:
    api_key, api_secret = credentials or (None, None)
    http_client = get_cached_delta_http_client(
        config.resolved_urls()["http"],
        api_key=api_key,
        api_secret=api_secret,
        timeout_secs=config.http_timeout_secs,
        max_retries=config.max_retries,
        rate_limit_quota=config.rate_limit_quota,
        rate_limit_window_secs=config.rate_limit_window_secs,
    )
    provider = get_cached_delta_instrument_provider(
        http_client,
        config.instrument_provider,
        contract_types=config.contract_types,
        underlying_assets=config.underlying_assets,
        product_states=config.product_states,
        expiry_within_days=config.expiry_within_days,
    )
    return http_client, provider


class DeltaExchangeLiveDataClientFactory(LiveDataClientFactory):
    """Builds ``DeltaExchangeDataClient`` instances for a ``TradingNode``."""

    @staticmethod
    def create(  # type: ignore[override]  # narrows config, as Nautilus's adapters do  # noqa: PLR0917 (its signature)
        loop: asyncio.AbstractEventLoop,
        name: str,
        config: DeltaExchangeDataClientConfig,
        msgbus: MessageBus,
        cache: Cache,
        clock: LiveClock,
    ) -> DeltaExchangeDataClient:
        """
        Validate ``config`` and return a new data client sharing the cached REST client and provider.

        Parameters
        ----------
        loop : asyncio.AbstractEventLoop
            The node's event loop.
        name : str
            The client name (the node's ``data_clients`` key).
        config : DeltaExchangeDataClientConfig
            The client configuration.
        msgbus : MessageBus
            The node's message bus.
        cache : Cache
            The node's cache.
        clock : LiveClock
            The node's clock.

        Returns
        -------
        DeltaExchangeDataClient

        Raises
        ------
        ValueError
            If the configuration is invalid (the message says what to fix).

        """
        from delta_exchange.data import DeltaExchangeDataClient  # noqa: PLC0415 (data imports this package)

        config.validate()
        http_client, provider = _shared_components(config, config.resolved_credentials(required=False))
        return DeltaExchangeDataClient(
            loop=loop,
            client=http_client,
            msgbus=msgbus,
            cache=cache,
            clock=clock,
            instrument_provider=provider,
            config=config,
            name=name,
        )


class DeltaExchangeLiveExecClientFactory(LiveExecClientFactory):
    """Builds ``DeltaExchangeExecutionClient`` instances for a ``TradingNode``."""

    @staticmethod
    def create(  # type: ignore[override]  # narrows config, as Nautilus's adapters do  # noqa: PLR0917 (its signature)
        loop: asyncio.AbstractEventLoop,
        name: str,
        config: DeltaExchangeExecClientConfig,
        msgbus: MessageBus,
        cache: Cache,
        clock: LiveClock,
    ) -> DeltaExchangeExecutionClient:
        """
        Validate ``config`` (credentials included) and return a new execution client.

        The signed REST client and the instrument provider are shared with a data client built from the same
        settings and credentials.

        Parameters
        ----------
        loop : asyncio.AbstractEventLoop
            The node's event loop.
        name : str
            The client name (the node's ``exec_clients`` key).
        config : DeltaExchangeExecClientConfig
            The client configuration.
        msgbus : MessageBus
            The node's message bus.
        cache : Cache
            The node's cache.
        clock : LiveClock
            The node's clock.

        Returns
        -------
        DeltaExchangeExecutionClient

        Raises
        ------
        ValueError
            If the configuration is invalid or credentials are missing (the message says what to fix).

        """
        from delta_exchange.execution import DeltaExchangeExecutionClient  # noqa: PLC0415 (imports this package)

        config.validate()
        http_client, provider = _shared_components(config, config.resolved_credentials(required=True))
        return DeltaExchangeExecutionClient(
            loop=loop,
            client=http_client,
            msgbus=msgbus,
            cache=cache,
            clock=clock,
            instrument_provider=provider,
            config=config,
            name=name,
        )
