"""
Type stubs of ``delta_exchange._native``, the Rust core (crates/delta-py) of the Delta Exchange adapter.

Raw values are Nautilus fixed-point integers at scale ``10**16``; ``ts_*`` values are nanoseconds since the
Unix epoch. Every failure is a :class:`DeltaError` (configuration problems are ``ValueError``); a Rust panic
surfaces as ``DeltaError("internal error: ...")``. Secrets never appear in any message or repr.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any, Literal, Self, TypeAlias, final

__all__ = [
    "FIXED_PRECISION",
    "FIXED_SCALAR",
    "KIND_BAR",
    "KIND_BOOK",
    "KIND_BOOK_DEPTH",
    "KIND_FUNDING",
    "KIND_INDEX_PRICE",
    "KIND_LIFECYCLE",
    "KIND_MARK_PRICE",
    "KIND_PRIVATE",
    "KIND_QUOTE",
    "KIND_STATUS",
    "KIND_TRADE",
    "DeltaApiError",
    "DeltaAuthError",
    "DeltaDecodeError",
    "DeltaError",
    "DeltaOrderStateUnknownError",
    "DeltaRateLimitError",
    "DeltaRiskError",
    "FrameDecoder",
    "HttpClient",
    "RiskEngine",
    "WsClient",
    "decimal_to_raw",
    "decode_message",
    "resolve_urls",
    "wait_idle",
]

FIXED_SCALAR: int
FIXED_PRECISION: int

KIND_BOOK: int
KIND_QUOTE: int
KIND_TRADE: int
KIND_MARK_PRICE: int
KIND_INDEX_PRICE: int
KIND_FUNDING: int
KIND_BAR: int
KIND_STATUS: int
KIND_LIFECYCLE: int
KIND_PRIVATE: int
KIND_BOOK_DEPTH: int

_Endpoint: TypeAlias = Literal["public", "private"]

# One element of a socket batch (see native_api.md for each shape):
# (KIND_BOOK, symbol, is_snapshot, [(side, action, price_raw, size_raw), ...], sequence, ts_event, ts_init)
#     incremental channels (ob_updates, l2_updates)
# (KIND_BOOK_DEPTH, symbol, [(price_raw, size_raw), ...] bids, [(price_raw, size_raw), ...] asks, ts_event, ts_init)
#     snapshot-only channels (ob_l2, l2_orderbook): the whole top of book, each side best first
# (KIND_QUOTE, symbol, bid_price_raw|None, ask_price_raw|None, bid_size_raw|None, ask_size_raw|None, ts_event, ts_init)
# (KIND_TRADE, symbol, price_raw, size_raw, aggressor, trade_id, ts_event, ts_init)
# (KIND_MARK_PRICE, symbol, price_raw, ts_event, ts_init)          symbol without the "MARK:" prefix
# (KIND_INDEX_PRICE, index_symbol, price_raw, ts_event, ts_init)
# (KIND_FUNDING, symbol, rate_text, next_funding_ns|None, ts_event, ts_init)
# (KIND_BAR, symbol, resolution, open_raw, high_raw, low_raw, close_raw, volume_raw, start_ns, close_ns, ts_init)
# (KIND_STATUS, status, event|None, ts_event, ts_init)
# (KIND_LIFECYCLE, name, detail, ts)
#     name: "connected", "disconnected", "reconnecting", "authenticated", "auth_failed", "resubscribed",
#     "subscription_error", "gap", "resynced", "decode_error"; detail always has "connection".
#     A private `orders` seq_no gap (per symbol; the previous seq_no + 1 is expected, a snapshot resets it; the
#     events go on, reconcile the symbol's orders): ("gap", {"channel": "orders", "symbol", "reason": "sequence",
#     "expected", "received", "connection"}); counted in stats()["gaps"]. Book gaps: {"channel", "symbol", "reason"}.
# (KIND_PRIVATE, channel, detail, ts_init)            channel = the wire channel name; detail keys always present
#     (None when absent on the wire), decimals as exact str, sizes int, times µs int:
#   "orders": {"action": "create"|"update"|"delete"|"snapshot", "reason", "symbol", "product_id", "order_id",
#       "client_order_id", "side", "order_type" (snapshot entries only; None on events), "state", "size",
#       "unfilled_size", "limit_price", "stop_price", "stop_order_type", "trail_amount", "average_fill_price",
#       "cancellation_reason", "bracket_order", "seq_no", "timestamp_us"}
#     a snapshot arrives as one "snapshot" tuple per order (fields of the REST order, "order_id" = its id, the
#     snapshot's seq_no and time), then {"action": "snapshot_end", "symbol", "seq_no", "count"} (also when empty)
#   "v2/user_trades" / "user_trades": {"symbol", "fill_id", "order_id" (str), "client_order_id", "side", "size",
#       "price", "role": "maker"|"taker", "fill_type", "position_size" (signed, v2 only), "commission" (legacy
#       channel only, when sent), "timestamp_us", "sequence"}
#   "positions": {"action": "create"|"update"|"delete"|"snapshot", "symbol", "product_id", "size" (signed),
#       "entry_price", "margin", "liquidation_price"}; a snapshot arrives as one "snapshot" tuple per position
#   "margins": the wallet dict (REST /v2/wallet/balances field names) + "robo_trading_equity", "timestamp_us"
#   "mmp_trigger": {"asset", "frozen_till_us"} (-1 = frozen until reset_mmp)
#   other private channels: the frame's own keys
_BatchItem: TypeAlias = tuple[Any, ...]

class DeltaError(Exception):
    """Base of every failure raised by the native client."""

class DeltaApiError(DeltaError):
    """Delta answered with an error body."""

    code: str
    context: str | None
    status: int | None
    endpoint: str | None

class DeltaRateLimitError(DeltaApiError):
    """HTTP 429 (``code == "rate_limited"``)."""

    retry_after_secs: float

class DeltaAuthError(DeltaApiError):
    """Authentication or permission failure (401/403 and auth-type codes)."""

class DeltaRiskError(DeltaError):
    """A local risk rule refused an order; the message names the rule and the numbers."""

    rule: _RiskRule

class DeltaDecodeError(DeltaError):
    """A malformed reply or socket frame."""

class DeltaOrderStateUnknownError(DeltaError):
    """
    An order placement's outcome is unknown: it timed out and the look-ups by ``client_order_id`` did not find it.

    Resubmitting with the same ``client_order_id`` is safe while the order is not open (Delta refuses duplicates).
    """

    client_order_id: str

def decode_message(text: str | bytes, endpoint: _Endpoint = "public") -> dict[str, Any]:
    """
    Decode one raw socket frame with the Rust parser.

    Returns a dict with ``channel`` (the frame's ``type``), ``kind`` ("book", "quote", "trade", "ticker",
    "mark_price", "funding_rate", "candle", "spot_price", "system_status", "subscriptions", "heartbeat",
    "pong", "auth", "order", "fill", "position", "margin", "mmp_trigger", "error", "other"), ``symbol`` when
    there is one, and the fields. Typed kinds use readable names (``price``, ``size``, ``timestamp_us``;
    books: ``action``, ``bids``/``asks`` as ``[[price, size], ...]``, ``seq``, ``cs``); other kinds carry the
    frame's own keys. Decimals are exact strings.

    Raises
    ------
    DeltaDecodeError
        Malformed frame (the message names the channel and quotes the start of the frame).
    ValueError
        Unknown ``endpoint``.

    """

def wait_idle(timeout_secs: float = 5.0) -> bool:
    """
    Wait, without the GIL, until no native call is running (at most ``timeout_secs``); whether none is.

    ``import delta_exchange`` registers it with ``atexit``: a call still running when the interpreter finalizes
    would abort the process when it hands over its result.
    """

def resolve_urls(
    environment: str,
    base_url_http: str | None = None,
    base_url_ws_public: str | None = None,
    base_url_ws_private: str | None = None,
) -> dict[str, str]:
    """
    Return ``{"http": ..., "ws_public": ..., "ws_private": ...}`` of an environment with overrides applied.

    Raises
    ------
    ValueError
        Unknown environment, bad URL, or ``"local"`` without ``base_url_http``.

    """

def decimal_to_raw(text: str, precision: int) -> int:
    """
    Convert exact decimal text to a raw at ``10**16``, rounded half away from zero to ``precision`` digits.

    Raises
    ------
    ValueError
        Text that is not a decimal, a precision above 16, or a value out of range.

    """

@final
class HttpClient:
    """The Delta REST client: every request method returns an awaitable; the GIL is free while Rust works."""

    def __new__(
        cls,
        base_url: str,
        api_key: str | None = None,
        api_secret: str | None = None,
        *,
        timeout_secs: float = 10.0,
        max_retries: int = 3,
        rate_limit_quota: int | None = None,
        rate_limit_window_secs: float | None = None,
    ) -> Self: ...
    @property
    def base_url(self) -> str: ...
    @property
    def has_credentials(self) -> bool: ...
    def rate_limit_status(self) -> dict[str, Any]:
        """``remaining``, ``quota``, ``burst``, ``reset_in_secs``, ``backing_off``, ``rate_limited``, ``units_used``."""
    def rotate_credentials(self, api_key: str, api_secret: str) -> None:
        """
        Sign every request from the next one on with the new key pair.

        Requests already signed go out with the old pair. ``ValueError`` for an empty key or secret, or a key
        that cannot be an HTTP header value (the old pair is kept).
        """
    def stats(self) -> dict[str, Any]:
        """
        Return the REST counters since the client was built.

        ``endpoints`` ({``"GET /v2/orders"``: {``calls``, ``ok``, ``api_errors``, ``rate_limited``,
        ``server_errors``, ``timeouts``, ``transport_errors``, ``other_errors``, ``latency_ms_p50``,
        ``latency_ms_p90``, ``latency_ms_p99``, ``latency_ms_max``}}; paths with parameters under their
        template, e.g. ``"GET /v2/tickers/{symbol}"``), ``orders`` (the outcome counts over the order-placing
        endpoints), ``calls``, ``rate_limited``, ``refused_locally`` and ``rate_limit``
        (:meth:`rate_limit_status`). Percentiles are exact over each endpoint's last 1,024 attempts.
        """
    async def settings(self) -> dict[str, Any]:
        """
        Server time and maintenance state (``GET /v2/settings``).

        ``server_time`` (µs), ``under_maintenance`` (bool or None) and ``maintenance_start_time`` (µs string or
        None), among others.
        """
    async def products(
        self, contract_types: list[str] | None = None, states: list[str] | None = None
    ) -> list[dict[str, Any]]: ...
    async def product(self, symbol: str) -> dict[str, Any]: ...
    async def tickers(self, contract_types: list[str] | None = None) -> list[dict[str, Any]]: ...
    async def ticker(self, symbol: str) -> dict[str, Any]: ...
    async def orderbook(self, symbol: str, depth: int | None = None) -> dict[str, Any]: ...
    async def public_trades(self, symbol: str) -> list[dict[str, Any]]: ...
    async def candles(self, symbol: str, resolution: str, start: int, end: int) -> list[dict[str, Any]]:
        """Candles from ``start`` to ``end`` (Unix seconds), paged past Delta's 2,000 cap, ascending by time."""
    async def wallet_balances(self) -> dict[str, Any]:
        """``{"balances": [...], "meta": {...}}``."""
    async def open_orders(self, product_ids: list[int] | None = None) -> list[dict[str, Any]]: ...
    async def positions(self) -> list[dict[str, Any]]: ...
    async def fills(
        self, product_ids: list[int] | None = None, start_us: int | None = None
    ) -> list[dict[str, Any]]: ...

    # Trading. Requests are dicts with Delta's REST field names (REFERENCE 7.3-7.7); unknown keys, floats
    # (decimals are exact: str or int), values of the wrong shape and requests Delta's rules refuse raise
    # ValueError naming the field, before anything is sent. Results are Delta's dicts (decimals as str, sizes
    # and ids as int). Venue refusals raise DeltaApiError with Delta's ``code``.
    async def place_order(self, request: dict[str, Any]) -> dict[str, Any]:
        """
        ``POST /v2/orders``; the order. Never retried.

        After a timeout or a transport error the order is looked up by ``client_order_id`` and returned when
        found; else :class:`DeltaOrderStateUnknownError` (without ``client_order_id``: the timeout's DeltaError).
        """
    async def edit_order(self, request: dict[str, Any]) -> dict[str, Any]:
        """``PUT /v2/orders`` (``{"id", "product_id", "size" (new total), "limit_price", ...}``); the order."""
    async def cancel_order(self, request: dict[str, Any]) -> dict[str, Any]:
        """``DELETE /v2/orders`` (``{"id" | "client_order_id", "product_id"}``); the cancelled order."""
    async def cancel_all_orders(self, request: dict[str, Any]) -> None:
        """``DELETE /v2/orders/all``; set the three ``cancel_*_orders`` flags (Delta defaults: false)."""
    async def batch_create_orders(self, request: dict[str, Any]) -> list[dict[str, Any]]:
        """``POST /v2/orders/batch`` (``{"product_id", "orders": [...]}``, 1-50 limit orders): the processed orders."""
    async def batch_edit_orders(self, request: dict[str, Any]) -> list[dict[str, Any]]:
        """``PUT /v2/orders/batch``: the processed orders (an item without a returned order was not edited)."""
    async def batch_cancel_orders(self, request: dict[str, Any]) -> list[dict[str, Any]]:
        """``DELETE /v2/orders/batch`` (items ``{"id"}`` or ``{"client_order_id"}``): the processed orders."""
    async def order(self, order_id: int) -> dict[str, Any]: ...
    async def order_by_client_order_id(self, client_order_id: str) -> dict[str, Any]: ...
    async def order_history(
        self, product_ids: list[int] | None = None, start_us: int | None = None, end_us: int | None = None
    ) -> list[dict[str, Any]]:
        """Return the closed and cancelled orders, every page (``GET /v2/orders/history``)."""
    async def position(self, product_id: int) -> dict[str, Any]:
        """``GET /v2/positions?product_id=``: ``{"size" (signed), "entry_price" (None when flat), "timestamp"}``."""
    async def set_order_leverage(self, product_id: int, leverage: str | int) -> dict[str, Any]: ...
    async def order_leverage(self, product_id: int) -> dict[str, Any]: ...
    async def update_mmp(self, request: dict[str, Any]) -> dict[str, Any]:
        """``PUT /v2/users/update_mmp``: the trading preferences (with ``mmp_config``)."""
    async def reset_mmp(self, request: dict[str, Any]) -> None:
        """``PUT /v2/users/reset_mmp`` (``{"asset", "mmp"}``)."""
    async def create_heartbeat(self, request: dict[str, Any]) -> dict[str, Any]:
        """``POST /v2/heartbeat/create``: ``{"heartbeat_id"}``."""
    async def ack_heartbeat(self, request: dict[str, Any]) -> dict[str, Any]:
        """``POST /v2/heartbeat`` (``{"heartbeat_id", "ttl"}``, ms): ``{"heartbeat_timestamp", "process_enabled"}``."""
    async def cancel_after(self, request: dict[str, Any]) -> dict[str, Any]:
        """``POST /v2/orders/cancel_after`` (ms): ``{"cancel_after_enabled", "cancel_after_timestamp"}`` (str)."""
    async def create_bracket(self, request: dict[str, Any]) -> None:
        """``POST /v2/orders/bracket``: stop-loss / take-profit legs on a position."""
    async def edit_bracket(self, request: dict[str, Any]) -> None:
        """``PUT /v2/orders/bracket``: new bracket prices of an entry order."""

@final
class WsClient:
    """One Delta socket (public or private) delivering batches of tuples to a callback on an asyncio loop."""

    def __new__(
        cls,
        url: str,
        endpoint: _Endpoint = "public",
        api_key: str | None = None,
        api_secret: str | None = None,
        *,
        heartbeat_timeout_secs: float = 35.0,
        backoff_base_secs: float = 0.25,
        backoff_cap_secs: float = 30.0,
        queue_capacity: int = 65536,
        max_batch: int = 4096,
    ) -> Self: ...
    def set_instrument(self, symbol: str, price_precision: int, size_precision: int) -> None:
        """Round ``symbol``'s raws to these precisions (unregistered symbols are scaled exactly)."""
    def connect(self, loop: asyncio.AbstractEventLoop, callback: Callable[[list[_BatchItem]], None]) -> None:
        """
        Start the connection; batches arrive as ``callback(batch)`` on the loop thread.

        One ``loop.call_soon_threadsafe`` schedules a delivery; events arriving before it runs join the same batch
        (at most ``max_batch`` waiting), which is converted to tuples on the loop thread when it runs.
        """
    def subscribe(self, channel: str, symbols: list[str]) -> None:
        """Subscribe (before ``connect`` the request is kept and sent on connect)."""
    def unsubscribe(self, channel: str, symbols: list[str]) -> None: ...
    def resubscribe(self, channel: str, symbol: str) -> None: ...
    def rotate_credentials(self, api_key: str, api_secret: str) -> None:
        """
        Authenticate with a new key pair from now on.

        A connected private socket sends ``key-auth`` with it on its live connection (subscriptions stay; an
        ``authenticated`` or ``auth_failed`` lifecycle event follows); a reconnecting one uses it on its next
        handshake. ``ValueError`` for an empty key or secret; ``DeltaError`` for a client started without
        credentials or closed.
        """
    async def close(self) -> None:
        """Close every connection and wait for the tasks; idempotent."""
    def stats(self) -> dict[str, Any]:
        """
        Return the socket's counters.

        ``frames``, ``bytes``, ``reconnects``, ``connections``, ``messages`` ({channel: n} decoded),
        ``decode_errors`` ({channel: n}), ``gaps``,
        ``resyncs``, ``queue_depth``, ``queue_max_depth``, ``lag_ns_last``, ``lag_ns_max``, ``full_waits``,
        ``heartbeat_age_secs`` (since the stalest connection's last frame; None before one), ``batches``,
        ``events_delivered``, ``max_batch_size``, ``callback_errors``.
        """

@final
class FrameDecoder:
    """
    Raw socket frames -> the tuples a :class:`WsClient` batch carries, in-process and without a socket.

    Runs the same delta-core path as the socket client (parse, book verification by ``seq``/``cs``, closed-bar
    tracking, the same tuple conversion). A book that fails its check stays stale (nothing emitted for it)
    until its next snapshot frame; there is no socket to resubscribe on.
    """

    def __new__(cls, endpoint: _Endpoint = "public") -> Self: ...
    def set_instrument(self, symbol: str, price_precision: int, size_precision: int) -> None:
        """Round ``symbol``'s raws to these precisions (unregistered symbols are scaled exactly)."""
    def decode(self, frames: list[bytes | str], ts_init: int) -> list[_BatchItem]:
        """Decode ``frames`` in order, all stamped ``ts_init``; a malformed frame becomes a ``decode_error`` tuple."""
    def stats(self) -> dict[str, Any]:
        """Counters: ``frames``, ``bytes``, ``decode_errors`` ({channel: n}), ``gaps``, ``resyncs``, ``events``."""

_RiskRule: TypeAlias = Literal[
    "max_order_size",
    "max_order_notional",
    "price_band",
    "max_open_orders",
    "max_position",
    "daily_loss",
    "order_rate",
    "mmp_frozen",
    "unknown_instrument",
]

@final
class RiskEngine:
    """
    Pre-trade risk checks (DESIGN 7) and the state they read.

    ``limits`` keys, all optional (missing or ``None`` = the rule is off): ``max_order_size`` (int contracts),
    ``max_order_notional`` (str, settlement currency), ``price_band_pct`` (str, percent of mark),
    ``max_open_orders`` (int), ``max_position`` (int contracts, absolute, after fill), ``daily_loss_limit`` (str),
    ``cancel_on_daily_loss`` (bool), ``max_orders_per_second`` (int). Per-instrument limits override the account
    values; ``max_open_orders`` and ``max_orders_per_second`` count the whole account with the account value and
    only the instrument with the instrument's own value (both apply). ``daily_loss_limit`` and
    ``cancel_on_daily_loss`` are account limits only. Notional: ``size * contract_value * price`` (vanilla) or
    ``size * contract_value / price`` (inverse); market orders are valued at the mark.

    Raises
    ------
    ValueError
        An unknown ``limits`` key (the message lists the valid ones), a value of the wrong type or negative, a
        string that is not a decimal (the message names the argument), a side other than ``"buy"``/``"sell"``.

    """

    def __new__(cls, limits: dict[str, Any] | None = None) -> Self: ...
    def set_instrument(
        self,
        symbol: str,
        contract_value: str,
        inverse: bool,
        underlying: str,
        limits: dict[str, Any] | None = None,
    ) -> None:
        """Register an instrument with its overrides of the account limits (re-registering replaces them)."""
    def set_mark(self, symbol: str, price: str) -> None:
        """Set the mark: the price band's reference and a market order's price."""
    def set_position(self, symbol: str, size: int) -> None:
        """Set the signed position in contracts."""
    def order_opened(self, key: str, symbol: str, side: Literal["buy", "sell"], open_size: int) -> None:
        """Count an open order in; the same key again replaces its side and open size (idempotent)."""
    def order_closed(self, key: str) -> None:
        """Count an open order out (idempotent; unknown keys are ignored)."""
    def set_equity(self, equity: str, now_ns: int) -> bool:
        """
        Record the equity; the first of each UTC day is the baseline.

        True exactly on the call whose loss since the baseline reaches ``daily_loss_limit``: reduce-only mode
        begins and lasts until the next UTC day. Only reducing orders pass then: ``reduce_only=True``, or the side
        opposite the position with a size of at most the position's (no flip); these never fail ``max_position``.
        """
    def freeze_mmp(self, asset: str, until_ns: int | None = None) -> None:
        """Freeze MMP quotes on ``asset`` until ``until_ns`` (``None`` = until :meth:`thaw_mmp`)."""
    def thaw_mmp(self, asset: str) -> None: ...
    def mmp_frozen_until(self, asset: str, now_ns: int) -> int | None:
        """End (ns) of the freeze in force at ``now_ns``; ``-1`` until a manual reset; ``None`` when not frozen."""
    def check(
        self,
        symbol: str,
        side: Literal["buy", "sell"],
        size: int,
        price: str | None,
        reduce_only: bool,
        mmp: bool,
        now_ns: int,
    ) -> None:
        """
        Check one order (``price=None``: a market order). An accepted order counts against the order rate.

        Raises
        ------
        DeltaRiskError
            The order is refused: ``.rule`` names the rule, the message the numbers, e.g.
            ``"max_order_size: order size 120 contracts exceeds the limit of 100"``.

        """
    @property
    def reduce_only_mode(self) -> bool:
        """True while only reducing orders pass (after a daily loss breach, until the next UTC day)."""
    def stats(self) -> dict[str, Any]:
        """Return ``{"checked": n, "rejected": {rule: n}}`` with every rule present."""
