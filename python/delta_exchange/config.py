"""
Configuration of the Delta Exchange data and execution clients.

Both configs share the connection, credential and instrument-filter settings (DESIGN sections 5 and 8).
msgspec does not allow two field-carrying bases in one struct (``LiveDataClientConfig`` and
``LiveExecClientConfig`` both carry fields), so the shared fields are declared once in
``_COMMON_FIELDS`` and added to each Nautilus base with ``msgspec.defstruct``; the shared behaviour
(URL and credential resolution, validation, a repr that redacts the secret) lives in a field-less mixin.
"""

from __future__ import annotations

import os
import types
import typing
from decimal import Decimal
from typing import TYPE_CHECKING, Any, ClassVar, Literal, NamedTuple, overload

import msgspec
from nautilus_trader.common.config import NonNegativeInt, PositiveFloat, PositiveInt
from nautilus_trader.config import LiveDataClientConfig, LiveExecClientConfig, NautilusConfig

from delta_exchange import _native
from delta_exchange.constants import PRODUCT_STATES, DeltaEnvironment, parse_contract_type

_REDACTED = "<redacted>"
_TYPE_NAMES: dict[Any, str] = {
    PositiveInt: "PositiveInt",
    PositiveFloat: "PositiveFloat",
    NonNegativeInt: "NonNegativeInt",
    str: "str",
    bool: "bool",
}
_MMP_GROUPS = ("mmp1", "mmp2", "mmp3", "mmp4", "mmp5")


class _Field(NamedTuple):
    name: str
    type: Any
    default: Any
    doc: str


_COMMON_FIELDS: tuple[_Field, ...] = (
    _Field(
        "environment",
        str,
        "india",
        "The deployment: 'india', 'global', 'india-testnet', 'global-testnet' or 'local' (a delta-sim; "
        "needs all three base URLs).",
    ),
    _Field(
        "api_key",
        str | None,
        None,
        "The API key. If None: DELTA_API_KEY (production) or DELTA_TESTNET_API_KEY (testnets); 'local' "
        "reads no environment variable.",
    ),
    _Field(
        "api_secret",
        str | None,
        None,
        "The API secret, redacted in repr/str/json_primitives (json() keeps it so the config round-trips). "
        "If None: DELTA_API_SECRET or DELTA_TESTNET_API_SECRET.",
    ),
    _Field("base_url_http", str | None, None, "Override of the REST base URL (http/https)."),
    _Field("base_url_ws_public", str | None, None, "Override of the public socket URL (ws/wss)."),
    _Field("base_url_ws_private", str | None, None, "Override of the private socket URL (ws/wss)."),
    _Field("http_timeout_secs", PositiveFloat, 10.0, "Timeout of one REST request, seconds."),
    _Field("max_retries", NonNegativeInt, 3, "Retries of a failed GET (timeouts and 5xx)."),
    _Field(
        "rate_limit_quota",
        PositiveInt | None,
        None,
        "REST quota in weight units per window; None keeps Delta's documented 10,000.",
    ),
    _Field(
        "rate_limit_window_secs",
        PositiveFloat | None,
        None,
        "Length of the REST quota window, seconds; None keeps Delta's 300.",
    ),
    _Field(
        "contract_types",
        tuple[str, ...] | None,
        None,
        "Contract types to load ('perpetual_futures', 'futures', 'call_options', 'put_options'); None loads all four.",
    ),
    _Field(
        "underlying_assets",
        tuple[str, ...] | None,
        None,
        "Underlying asset symbols to load (e.g. ('BTC', 'ETH')); None loads all.",
    ),
    _Field(
        "product_states",
        tuple[str, ...],
        ("live",),
        "Product states to load: any of 'live', 'upcoming', 'expired', 'settled'.",
    ),
    _Field(
        "expiry_within_days",
        PositiveInt | None,
        None,
        "Load only dated products expiring within this many days (perpetuals always load); None: no limit.",
    ),
    _Field("heartbeat_timeout_secs", PositiveFloat, 35.0, "A socket silent this long is dead and reconnects."),
    _Field("reconnect_backoff_base_secs", PositiveFloat, 0.25, "First reconnect delay bound (full jitter), s."),
    _Field("reconnect_backoff_cap_secs", PositiveFloat, 30.0, "Largest reconnect delay bound, seconds."),
    _Field("queue_capacity", PositiveInt, 65_536, "Capacity of the bounded event queue between Rust and Python."),
    _Field(
        "update_instruments_interval_mins",
        PositiveInt | None,
        60,
        "Interval between instrument reloads, minutes; None disables reloading.",
    ),
    _Field(
        "stats_log_interval_secs",
        PositiveFloat | None,
        60.0,
        "Interval between the one-line statistics summaries the client logs (socket, REST, orders), seconds; "
        "None disables them (client.stats() still answers).",
    ),
)


def _parameters_doc(fields: tuple[_Field, ...]) -> str:
    lines = []
    for field in fields:
        default = "" if field.default is None else f", default {field.default!r}"
        lines.append(f"    {field.name} : {_type_name(field.type)}{default}")
        lines.append(f"        {field.doc}")
    return "\n".join(lines)


def _type_name(tp: Any) -> str:
    members = typing.get_args(tp) if typing.get_origin(tp) in (typing.Union, types.UnionType) else (tp,)
    names = [_TYPE_NAMES.get(member, str(member)) for member in members if member is not types.NoneType]
    return " | ".join(names) + (", optional" if types.NoneType in members else "")


def _with_common_fields(name: str, base: type) -> type:
    return msgspec.defstruct(
        name,
        [(field.name, field.type, field.default) for field in _COMMON_FIELDS],
        bases=(base,),
        module=__name__,
        kw_only=True,
        frozen=True,
    )


class _DeltaClientConfigMixin:
    """Behaviour shared by both client configs; holds no fields (msgspec allows one field-carrying base)."""

    __slots__ = ()

    _credentials_required: ClassVar[bool] = False

    if TYPE_CHECKING:  # every field of _COMMON_FIELDS, declared by the struct this mixin is mixed into
        __struct_fields__: ClassVar[tuple[str, ...]]
        environment: str
        api_key: str | None
        api_secret: str | None
        base_url_http: str | None
        base_url_ws_public: str | None
        base_url_ws_private: str | None
        http_timeout_secs: float
        max_retries: int
        rate_limit_quota: int | None
        rate_limit_window_secs: float | None
        contract_types: tuple[str, ...] | None
        underlying_assets: tuple[str, ...] | None
        product_states: tuple[str, ...]
        expiry_within_days: int | None
        heartbeat_timeout_secs: float
        reconnect_backoff_base_secs: float
        reconnect_backoff_cap_secs: float
        queue_capacity: int
        update_instruments_interval_mins: int | None
        stats_log_interval_secs: float | None

    def parsed_environment(self) -> DeltaEnvironment:
        """
        Return ``environment`` as a :class:`DeltaEnvironment`.

        Raises
        ------
        ValueError
            If the environment is unknown (the message lists the valid ones).

        """
        return DeltaEnvironment.parse(self.environment)

    def resolved_urls(self) -> dict[str, str]:
        """
        Return the REST, public socket and private socket URLs: ``{"http", "ws_public", "ws_private"}``.

        Overrides replace the environment's documented hosts; ``local`` needs all three.

        Raises
        ------
        ValueError
            For an unknown environment, a URL with a wrong scheme or no host, or ``local`` without overrides.

        """
        environment = self.parsed_environment()
        return _native.resolve_urls(
            environment.value,
            self.base_url_http,
            self.base_url_ws_public,
            self.base_url_ws_private,
        )

    @overload
    def resolved_credentials(self, required: Literal[True]) -> tuple[str, str]: ...
    @overload
    def resolved_credentials(self, required: bool) -> tuple[str, str] | None: ...
    def resolved_credentials(self, required: bool) -> tuple[str, str] | None:
        """
        Return ``(api_key, api_secret)`` from the config, else from the environment's variables.

        Parameters
        ----------
        required : bool
            Whether private features are in use; then missing credentials are an error.

        Returns
        -------
        tuple[str, str] or None
            None when no credentials are configured and none are required.

        Raises
        ------
        ValueError
            When only one of key and secret is set, when credentials are required but absent, or when the key
            is recognisably from the other kind of deployment (testnet key with production, or the reverse).
            The message names the settings and variables to fix; it never contains the secret.

        """
        environment = self.parsed_environment()
        key_var, secret_var = _credential_variables(environment)
        key = self.api_key or _from_env(key_var)
        secret = self.api_secret or _from_env(secret_var)
        if key and secret:
            _check_key_matches_environment(environment, key)
            return key, secret
        sources = _sources(environment, key_var, secret_var)
        if key or secret:
            missing = "api_secret" if key else "api_key"
            raise ValueError(
                f"Delta environment {environment.value!r}: {missing} is missing while the other credential is "
                f"set; set both ({sources})",
            )
        if required:
            raise ValueError(
                f"Delta environment {environment.value!r} needs API credentials for private features "
                f"(execution, account, private socket): set {sources}",
            )
        return None

    def validate(self) -> bool:
        """
        Check every setting and raise ``ValueError`` saying what to fix; return True when all are valid.

        Checks the field types and ranges, the environment, the URLs, the instrument filters, the reconnect
        backoff bounds and the credentials (required for the execution client).

        Raises
        ------
        ValueError
            For the first invalid setting found.

        """
        try:
            super().validate()  # type: ignore[misc]  # NautilusConfig.validate, via the struct mixed into
        except msgspec.ValidationError as e:
            raise ValueError(
                f"invalid {type(self).__name__}: {e}: give that setting a value of the type and range its "
                f"docstring lists (help({type(self).__name__}))",
            ) from None
        self.resolved_urls()
        for contract_type in self.contract_types or ():
            parse_contract_type(contract_type)
        if not self.product_states:
            raise ValueError(f"product_states is empty: use one or more of {list(PRODUCT_STATES)}")
        for state in self.product_states:
            if state not in PRODUCT_STATES:
                raise ValueError(f"unknown Delta product state {state!r}: use one or more of {list(PRODUCT_STATES)}")
        if self.underlying_assets is not None and not all(self.underlying_assets):
            raise ValueError("underlying_assets contains an empty symbol: use symbols such as ('BTC', 'ETH')")
        if self.reconnect_backoff_base_secs > self.reconnect_backoff_cap_secs:
            raise ValueError(
                "reconnect_backoff_base_secs must not exceed reconnect_backoff_cap_secs "
                f"({self.reconnect_backoff_base_secs} > {self.reconnect_backoff_cap_secs}): lower the base or "
                "raise the cap",
            )
        self._validate_own_fields()
        self.resolved_credentials(required=self._credentials_required)
        return True

    def _validate_own_fields(self) -> None:
        """Check the fields only one of the two configs has (overridden by that config)."""

    def json_primitives(self) -> dict[str, Any]:
        """
        Return the config as JSON primitives with ``api_secret`` redacted.

        Nautilus's ``Component`` copies this dict into the ``ComponentStateChanged`` events it publishes, so the
        secret must not be in it; ``json()`` keeps the secret so a config still round-trips through ``parse``.

        """
        # The mixin's super() is the Nautilus struct it is mixed into, which mypy cannot see from the mixin.
        primitives: dict[str, Any] = super().json_primitives()  # type: ignore[misc]
        if primitives.get("api_secret") is not None:
            primitives["api_secret"] = _REDACTED
        return primitives

    def __repr__(self) -> str:
        fields = ", ".join(f"{name}={value!r}" for name, value in self.__rich_repr__())
        return f"{type(self).__name__}({fields})"

    def __rich_repr__(self) -> list[tuple[str, Any]]:
        # A list, like msgspec.Struct.__rich_repr__ which this overrides.
        return [
            (name, _REDACTED if name == "api_secret" and getattr(self, name) is not None else getattr(self, name))
            for name in self.__struct_fields__
        ]


def _credential_variables(environment: DeltaEnvironment) -> tuple[str | None, str | None]:
    if environment.is_testnet:
        return "DELTA_TESTNET_API_KEY", "DELTA_TESTNET_API_SECRET"
    if environment.is_production:
        return "DELTA_API_KEY", "DELTA_API_SECRET"
    # A local exchange never receives keys from the environment: production keys must not leak to it.
    return None, None


def _from_env(variable: str | None) -> str | None:
    return (os.environ.get(variable) or None) if variable else None


def _sources(environment: DeltaEnvironment, key_var: str | None, secret_var: str | None) -> str:
    if key_var is None:
        return f"api_key and api_secret in the config (environment {environment.value!r} reads no variables)"
    return f"api_key and api_secret in the config, or the {key_var} / {secret_var} environment variables"


def _check_key_matches_environment(environment: DeltaEnvironment, key: str) -> None:
    if environment.is_production:
        own, other, hint = "DELTA_API_KEY", "DELTA_TESTNET_API_KEY", "a testnet key with a production environment"
        fix = "use environment='india-testnet' or 'global-testnet', or a production key"
    elif environment.is_testnet:
        own, other, hint = "DELTA_TESTNET_API_KEY", "DELTA_API_KEY", "a production key with a testnet environment"
        fix = "use environment='india' or 'global', or a testnet key"
    else:
        return
    if key == os.environ.get(other) and key != os.environ.get(own):
        raise ValueError(
            f"Delta environment {environment.value!r} is configured with the key from {other}: {hint} is "
            f"rejected by Delta (invalid_api_key); {fix}",
        )


if TYPE_CHECKING:
    # mypy cannot see through `msgspec.defstruct`: it checks the configs against the Nautilus bases, and the
    # common fields are declared on the mixin.
    _DataClientBase = LiveDataClientConfig
    _ExecClientBase = LiveExecClientConfig
else:
    _DataClientBase = _with_common_fields("_DataClientBase", LiveDataClientConfig)
    _ExecClientBase = _with_common_fields("_ExecClientBase", LiveExecClientConfig)


class DeltaExchangeDataClientConfig(_DeltaClientConfigMixin, _DataClientBase, frozen=True, kw_only=True):
    """
    Configuration for ``DeltaExchangeDataClient`` instances.

    Parameters
    ----------
    book_depth : PositiveInt, optional
        Depth of order book deltas when a subscription names none (its own ``depth`` wins). 1 to 15: each
        ``OrderBookDeltas`` is a snapshot of the best ``book_depth`` levels per side, every 500 ms, from Delta's
        ``ob_l2`` (no incremental updates). None, or above 15 (``ob_l2`` carries 15 levels): the full
        incremental ``ob_updates`` book. ``OrderBookDepth10`` always comes from ``ob_l2``.
    """

    book_depth: PositiveInt | None = None


class DeltaInstrumentRiskLimits(NautilusConfig, frozen=True, kw_only=True):
    """
    One instrument's overrides of the account's risk limits (``None`` = the account's limit applies).

    The daily loss limit is an account limit only. Used in
    ``DeltaExchangeExecClientConfig.instrument_risk_limits``, keyed by Delta product symbol.

    Parameters
    ----------
    max_order_size : PositiveInt, optional
        Largest order, contracts.
    max_order_notional : Decimal, optional
        Largest order notional, settlement currency.
    price_band_pct : Decimal, optional
        Limit prices must lie within this percentage of the mark price.
    max_open_orders : PositiveInt, optional
        Most open orders of this instrument at once (the account's limit still counts them too).
    max_position : PositiveInt, optional
        Largest absolute position after a fill, contracts.
    max_orders_per_second : PositiveInt, optional
        Order rate limit of this instrument (the account's rate still counts its orders too).
    """

    max_order_size: PositiveInt | None = None
    max_order_notional: Decimal | None = None
    price_band_pct: Decimal | None = None
    max_open_orders: PositiveInt | None = None
    max_position: PositiveInt | None = None
    max_orders_per_second: PositiveInt | None = None

    def __post_init__(self) -> None:
        _check_positive_decimals(self, ("max_order_notional", "price_band_pct"))


def _check_positive_decimals(config: Any, names: tuple[str, ...]) -> None:
    for name in names:
        value = getattr(config, name)
        if value is not None and not value > 0:
            raise ValueError(
                f"{name} must be a positive decimal, got {value}: use a value above 0 such as Decimal('5'), or "
                "None to leave it unset",
            )


class DeltaExchangeExecClientConfig(_DeltaClientConfigMixin, _ExecClientBase, frozen=True, kw_only=True):
    """
    Configuration for the Delta Exchange execution client (issue 5 uses the risk fields; all None = off).

    Parameters
    ----------
    max_order_size : PositiveInt, optional
        Largest order, contracts.
    max_order_notional : Decimal, optional
        Largest order notional, settlement currency.
    price_band_pct : Decimal, optional
        Limit prices must lie within this percentage of the mark price.
    max_open_orders : PositiveInt, optional
        Most open orders at once.
    max_position : PositiveInt, optional
        Largest absolute position per instrument after a fill, contracts.
    daily_loss_limit : Decimal, optional
        Loss since the UTC day start after which only reducing orders pass.
    cancel_on_daily_loss : bool, default False
        Whether breaching the daily loss limit also cancels open orders.
    max_orders_per_second : PositiveInt, optional
        Order rate limit.
    instrument_risk_limits : dict[str, DeltaInstrumentRiskLimits], optional
        Per-instrument overrides of the limits above, keyed by Delta product symbol (e.g. ``"BTCUSD"``); every
        symbol must be a loaded instrument, else the client fails to connect.
    leverage : dict[str, PositiveInt], optional
        Leverage to set per product symbol at start.
    mmp_group : str, optional
        Market-maker protection group ('mmp1' .. 'mmp5') tagged on every LIMIT order that is not reduce-only;
        those orders are refused locally (risk rule ``mmp_frozen``) while Delta's MMP freezes their asset.
    mmp_window_secs, mmp_freeze_secs : int, optional
        MMP window and freeze intervals, seconds (freeze 0 = manual reset).
    mmp_trade_limit, mmp_delta_limit, mmp_vega_limit : Decimal, optional
        MMP limits.
    dead_man_ttl_ms : PositiveInt, optional
        Dead-man switch: Delta cancels all orders when the client sends no heartbeat within this many
        milliseconds (India and 'local': a named heartbeat; Global: ``cancel_after``). Disabled on disconnect.
    circuit_breaker_failures : PositiveInt, optional, default 5
        Consecutive failed order requests (timeout, transport error, HTTP 5xx or 429, unknown outcome) that open
        the circuit breaker: new orders are then denied (``CIRCUIT_OPEN: ...``) while cancels still go out, until
        a probe (``GET /v2/settings``) finds Delta healthy. A Delta business rejection counts as an answer and
        restarts the count. None disables the failure count (maintenance still opens the breaker).
    circuit_breaker_cooldown_secs : PositiveFloat, default 30.0
        Time from the breaker opening (or a failed probe) to the next probe, seconds.
    watch_system_status : bool, default True
        Whether the execution client watches Delta's ``system_status`` channel (its own public socket): a
        ``maintenance`` status opens the circuit breaker, and ``live`` again lets the probe close it.
    """

    _credentials_required: ClassVar[bool] = True

    max_order_size: PositiveInt | None = None
    max_order_notional: Decimal | None = None
    price_band_pct: Decimal | None = None
    max_open_orders: PositiveInt | None = None
    max_position: PositiveInt | None = None
    daily_loss_limit: Decimal | None = None
    cancel_on_daily_loss: bool = False
    max_orders_per_second: PositiveInt | None = None
    instrument_risk_limits: dict[str, DeltaInstrumentRiskLimits] | None = None
    leverage: dict[str, PositiveInt] | None = None
    mmp_group: str | None = None
    mmp_window_secs: PositiveInt | None = None
    mmp_freeze_secs: NonNegativeInt | None = None
    mmp_trade_limit: Decimal | None = None
    mmp_delta_limit: Decimal | None = None
    mmp_vega_limit: Decimal | None = None
    dead_man_ttl_ms: PositiveInt | None = None
    circuit_breaker_failures: PositiveInt | None = 5
    circuit_breaker_cooldown_secs: PositiveFloat = 30.0
    watch_system_status: bool = True

    def _validate_own_fields(self) -> None:
        _check_positive_decimals(
            self,
            ("max_order_notional", "price_band_pct", "daily_loss_limit", "mmp_trade_limit", "mmp_vega_limit"),
        )
        if self.instrument_risk_limits is not None and not all(self.instrument_risk_limits):
            raise ValueError("instrument_risk_limits has an empty product symbol: key the overrides by e.g. 'BTCUSD'")
        if self.mmp_group is not None and self.mmp_group not in _MMP_GROUPS:
            raise ValueError(f"unknown mmp_group {self.mmp_group!r}: use one of {list(_MMP_GROUPS)}")
        if self.leverage is not None and not all(self.leverage):
            raise ValueError("leverage has an empty product symbol: map symbols such as 'BTCUSD' to a leverage")


_COMMON_DOC = _parameters_doc(_COMMON_FIELDS)
for _config in (DeltaExchangeDataClientConfig, DeltaExchangeExecClientConfig):
    _config.__doc__ = f"{(_config.__doc__ or '').rstrip()}\n{_COMMON_DOC}\n"
