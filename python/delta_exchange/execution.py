"""
The Delta Exchange execution client for Nautilus Trader (DESIGN sections 2, 6, 7).

Commands go out over signed REST through the native ``HttpClient``; the REST reply is the acknowledgement and
the private socket (``orders``, ``v2/user_trades``, ``positions``, ``margins``, ``mmp_trigger``) streams every
later state change. Both paths, and the REST look-ups of reconciliation, feed one de-duplicating state machine
(:mod:`delta_exchange.order_tracker`), so each Nautilus order event is emitted exactly once and in order.

Design choices (documented here because they are visible to users):

- Client order ids: :mod:`delta_exchange.client_ids` (ids up to 32 safe characters pass through; longer ones
  map to ``"h-"`` + 30 hex digits of their SHA-256; the map is rebuilt from the cache on connect).
- Brackets: an ``order_factory.bracket`` list is ONE Delta order with ``bracket_*`` fields. The children are
  accepted together with the entry under placeholder venue ids ``<entry id>-SL`` / ``<entry id>-TP``. Delta's
  legs (held at size 0 while the entry works, or created when it fills) are matched on the socket: an order
  with ``bracket_order`` set, no ``client_order_id``, the entry's product, the opposite side and the leg's
  ``stop_order_type``, preferring the child whose stop price equals the leg's. The child then takes the leg's
  id, reported to Nautilus with its next ``OrderUpdated`` (``venue_order_id_modified``): the leg's resize when
  the entry fills, or an edit. Children of a working entry are edited through the entry's bracket
  (``edit_bracket``); an entry canceled before any fill cancels its children.
- Batches: a list of 2-50 GTC limit orders on one product goes as one batch; Delta returns only the processed
  orders. Each missing order is looked up by its ``client_order_id``: found -> its state is applied; Delta
  answers that no such order exists -> ``OrderRejected`` (Delta gives no per-order reason); any other failure
  -> the order stays in flight (reconciliation resolves it).
- Risk marks: the node cache's latest mark price, else its latest quote's mid, else Delta's ticker mark over
  REST (kept for one second), fetched only when a configured limit needs a mark.
- Commission: ``v2/user_trades`` carries none, so a fill's commission is its notional times the product's maker
  or taker rate (``maker_fee``/``taker_fee`` of the instrument), rounded half-even to the settlement currency; a
  legacy ``user_trades`` commission wins when present, and REST fills carry their own.
- Ambiguous failures (timeouts, transport errors, an unknown placement outcome) never emit a rejection: the
  order stays in flight and a look-up by ``client_order_id`` is scheduled.
- MMP: with ``mmp_group`` set, every non-reduce-only LIMIT order carries the group (``mmp``) and counts as a
  quote for the risk engine's freeze; ``mmp_trigger`` freezes those until ``frozen_till`` and publishes
  :class:`~delta_exchange.events.DeltaMmpTriggered` / ``DeltaMmpThawed`` on ``MMP_TOPIC``.
- External orders (placed outside this node) are handed to the engine as working and unfilled when first seen
  on the socket, then tracked like our own, so their fills arrive once with Delta's trade ids.
- Reconciliation: at start the engine's mass status (open orders, order history and fills since the engine's
  lookback, else the last 3 days; margined positions); after a private reconnect or ``orders`` sequence gap our
  own pass (fills since the last one seen, open orders, each tracked order missing from them, positions,
  wallet). A failed REST call raises (mass status) or is logged as an error: never an empty account.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import re
from collections import Counter, defaultdict
from collections.abc import Coroutine, Iterable
from decimal import Decimal
from typing import Any, Final, NamedTuple

import pandas as pd
from nautilus_trader.cache.cache import Cache
from nautilus_trader.common.component import LiveClock, MessageBus
from nautilus_trader.common.enums import LogColor
from nautilus_trader.core.datetime import dt_to_unix_nanos
from nautilus_trader.core.uuid import UUID4
from nautilus_trader.execution.messages import (
    BatchCancelOrders,
    CancelAllOrders,
    CancelOrder,
    GenerateFillReports,
    GenerateOrderStatusReport,
    GenerateOrderStatusReports,
    GeneratePositionStatusReports,
    ModifyOrder,
    QueryAccount,
    SubmitOrder,
    SubmitOrderList,
)
from nautilus_trader.execution.reports import FillReport, OrderStatusReport, PositionStatusReport
from nautilus_trader.live.execution_client import LiveExecutionClient
from nautilus_trader.model.enums import (
    AccountType,
    LiquiditySide,
    OmsType,
    OrderSide,
    OrderStatus,
    OrderType,
    TimeInForce,
)
from nautilus_trader.model.identifiers import (
    AccountId,
    ClientId,
    ClientOrderId,
    InstrumentId,
    TradeId,
    VenueOrderId,
)
from nautilus_trader.model.instruments import Instrument
from nautilus_trader.model.objects import AccountBalance, Currency, MarginBalance, Money
from nautilus_trader.model.orders import Order

from delta_exchange import _native
from delta_exchange.account import unrealized_pnl, wallet_balance, wallet_margin
from delta_exchange.circuit_breaker import CircuitBreaker, CircuitState
from delta_exchange.client_ids import ClientOrderIdMap
from delta_exchange.config import DeltaExchangeExecClientConfig, DeltaInstrumentRiskLimits
from delta_exchange.constants import DELTA_EXCHANGE, DELTA_EXCHANGE_VENUE, parse_liquidity_side
from delta_exchange.dead_man import DeadManSwitch
from delta_exchange.events import (
    CIRCUIT_TOPIC,
    MMP_TOPIC,
    DeltaCircuitClosed,
    DeltaCircuitOpened,
    DeltaMmpThawed,
    DeltaMmpTriggered,
)
from delta_exchange.health import log_stats_periodically
from delta_exchange.order_requests import (
    MAX_BATCH,
    Bracket,
    UnsupportedOrderError,
    batch_item,
    batchable,
    bracket_request,
    is_mmp_request,
    order_params,
    order_request,
    price_text,
    size_of,
    split_bracket,
)
from delta_exchange.order_tracker import (
    Accepted,
    Canceled,
    Filled,
    FillsMissing,
    OrderTracker,
    Step,
    TrackedOrder,
    Triggered,
    Updated,
)
from delta_exchange.providers import DeltaExchangeInstrumentProvider, timestamp_ns
from delta_exchange.reports import (
    VenueOrder,
    commission,
    fill_report,
    make_price,
    money,
    order_status_report,
    position_status_report,
    venue_order,
)

_NANOS_PER_MICRO: Final = 1_000
_NANOS_PER_SECOND: Final = 1_000_000_000
_LOOKUP_DELAY_SECS: Final = 1.0
_LOOKUP_ATTEMPTS: Final = 5
_FILL_RECOVERY_DELAY_SECS: Final = 1.5
_POSITION_CHECK_DELAY_SECS: Final = 2.0
_MARK_TTL_NS: Final = _NANOS_PER_SECOND
_DEFAULT_LOOKBACK_DAYS: Final = 3
_ACCOUNT_REFRESH_SECS: Final = 10.0
_ACCOUNT_GUARD_SECS: Final = 0.25
_EXPLICIT_SUBSCRIPTION_LIMIT: Final = 100  # above this many symbols, private channels subscribe "all"
_NOT_FOUND_CODES: Final = ("not_found", "record_not_found", "open_order_not_found", "order_not_found")
_IOC_NOTHING_FILLABLE: Final = "order_size_exceed_available"
_POST_ONLY_CODES: Final = ("immediate_execution_post_only", "post_only_order_will_take_liquidity")
_RISK_LIMIT_KEYS: Final = (
    ("max_order_size", int),
    ("max_order_notional", str),
    ("price_band_pct", str),
    ("max_open_orders", int),
    ("max_position", int),
    ("daily_loss_limit", str),
    ("cancel_on_daily_loss", bool),
    ("max_orders_per_second", int),
)
_MARK_LIMITS: Final = ("max_order_notional", "price_band_pct", "daily_loss_limit")
_CANCEL_ALL_FLAGS: Final = {
    "cancel_limit_orders": "true",
    "cancel_stop_orders": "true",
    "cancel_reduce_only_orders": "true",
}
_LEG_SUFFIX: Final = {"stop_loss_order": "SL", "take_profit_order": "TP"}


@functools.cache
def _outcome_name(event_class: str) -> str:
    """``OrderModifyRejected`` -> ``modify_rejected``: the key an order event is counted under."""
    return re.sub(r"(?<!^)(?=[A-Z])", "_", event_class.removeprefix("Order")).lower()


class _Fill(NamedTuple):
    """One fill of a tracked order, from the socket or from REST."""

    fill_id: str
    venue_order_id: str
    size: int
    price: str
    liquidity_side: LiquiditySide
    commission: Money
    ts_event: int


def _venue_reason(error: Exception) -> str:
    code = getattr(error, "code", None)
    return f"{code}: {error}" if code else str(error)


def _is_not_found(error: Exception) -> bool:
    return isinstance(error, _native.DeltaApiError) and (
        getattr(error, "status", None) == 404 or getattr(error, "code", None) in _NOT_FOUND_CODES
    )


def _is_explicit_rejection(error: Exception) -> bool:
    """Tell whether ``error`` is a Delta refusal with a code: the request was not executed (HTTP 4xx, error body)."""
    status = getattr(error, "status", None)
    return isinstance(error, _native.DeltaApiError) and (status is None or status < 500)


class DeltaExchangeExecutionClient(LiveExecutionClient):
    """
    Provides an execution client for Delta Exchange (India and Global derivatives): a NETTING margin account.

    Parameters
    ----------
    loop : asyncio.AbstractEventLoop
        The event loop for the client.
    client : _native.HttpClient
        The signed Delta REST client (shared with the instrument provider).
    msgbus : MessageBus
        The message bus for the client.
    cache : Cache
        The cache for the client.
    clock : LiveClock
        The clock for the client.
    instrument_provider : DeltaExchangeInstrumentProvider
        The instrument provider.
    config : DeltaExchangeExecClientConfig
        The configuration (credentials required).
    name : str, optional
        The client id (``DELTA_EXCHANGE`` when ``None``).

    """

    def __init__(  # noqa: PLR0917 (the constructor signature every Nautilus exec client factory uses)
        self,
        loop: asyncio.AbstractEventLoop,
        client: _native.HttpClient,
        msgbus: MessageBus,
        cache: Cache,
        clock: LiveClock,
        instrument_provider: DeltaExchangeInstrumentProvider,
        config: DeltaExchangeExecClientConfig,
        name: str | None = None,
    ) -> None:
        super().__init__(
            loop=loop,
            client_id=ClientId(name or DELTA_EXCHANGE),
            venue=DELTA_EXCHANGE_VENUE,
            oms_type=OmsType.NETTING,
            account_type=AccountType.MARGIN,
            base_currency=None,
            instrument_provider=instrument_provider,
            msgbus=msgbus,
            cache=cache,
            clock=clock,
            config=config,
        )
        self._delta_config = config
        self._http = client
        self._provider = instrument_provider
        self._ws_url = config.resolved_urls()["ws_private"]
        self._credentials = config.resolved_credentials(required=True)
        self._ws: _native.WsClient | None = None
        self._ids = ClientOrderIdMap()
        self._tracker = OrderTracker()
        self._risk = _native.RiskEngine(_risk_limits_of(config))
        self._needs_mark = any(
            getattr(limits, name, None) is not None
            for limits in (config, *(config.instrument_risk_limits or {}).values())
            for name in _MARK_LIMITS
        )
        self._marks: dict[str, tuple[int, str]] = {}
        self._mark_fetches: dict[str, asyncio.Task] = {}
        self._wallets: dict[str, dict[str, Any]] = {}
        self._wallet_versions: dict[str, int] = {}
        self._equity_asset: str | None = None
        self._venue_positions: dict[InstrumentId, tuple[int, str | None]] = {}
        self._product_ids: dict[InstrumentId, int] = {}
        self._by_product: dict[int, Instrument] = {}
        self._by_symbol: dict[str, Instrument] = {}
        self._private_symbols: set[str] = set()
        self._subscribed_all = False
        self._wallet_refresh_due = False
        self._reconciliations = 0
        self._background: set[asyncio.Task] = set()
        self._last_fill_us: int | None = None
        self._fill_recovery: set[ClientOrderId] = set()
        self._position_checks: set[InstrumentId] = set()
        self._thaw_tasks: dict[str, asyncio.Task] = {}
        self._heartbeat_task: asyncio.Task | None = None
        self._reconcile_task: asyncio.Task | None = None
        self._circuit = CircuitBreaker(
            config.circuit_breaker_failures,
            config.circuit_breaker_cooldown_secs,
            self._clock.timestamp_ns,
        )
        self._circuit_task: asyncio.Task | None = None
        self._circuit_wake = asyncio.Event()
        self._status_ws: _native.WsClient | None = None
        self._order_outcomes: Counter[str] = Counter()
        self._dead_man = (
            DeadManSwitch(
                client,
                config.parsed_environment(),
                config.dead_man_ttl_ms,
                f"nautilus-{self.trader_id.value}"[:64],
            )
            if config.dead_man_ttl_ms
            else None
        )
        self._set_account_id(AccountId(f"{DELTA_EXCHANGE}-master"))
        self._log.info(f"environment={config.environment}, ws_private={self._ws_url}", LogColor.BLUE)

    @property
    def instrument_provider(self) -> DeltaExchangeInstrumentProvider:
        """The instrument provider of the client."""
        return self._provider

    @property
    def risk_engine(self) -> _native.RiskEngine:
        """The pre-trade risk engine (its ``stats()`` count checks and rejections by rule)."""
        return self._risk

    def _spawn(self, coro: Coroutine[Any, Any, Any], name: str | None = None) -> asyncio.Task:
        """
        Run a background coroutine of the client (look-ups, recovery, timers).

        Its failure is logged, and ``_disconnect`` cancels and awaits whatever is still running.
        """
        task = self._loop.create_task(coro, name=name)
        self._background.add(task)
        task.add_done_callback(self._background_done)
        return task

    def _background_done(self, task: asyncio.Task) -> None:
        self._background.discard(task)
        if not task.cancelled() and task.exception() is not None:
            self._log.exception(f"Error in background task '{task.get_name()}'", task.exception())

    @property
    def reconciliations(self) -> int:
        """How many REST reconciliations (after a reconnect or a private sequence gap) have completed."""
        return self._reconciliations

    def ws_stats(self) -> dict[str, Any]:
        """Return the private socket's counters; empty when not connected."""
        return self._ws.stats() if self._ws is not None else {}

    def stats(self) -> dict[str, Any]:
        """
        Return the client's health figures as a plain dict.

        Returns
        -------
        dict[str, Any]
            ``ws``: the private socket's counters (frames, reconnects, decode errors by channel, gaps, queue depth
            and lag, heartbeat age; empty when not connected); ``rest``: REST attempts by endpoint with outcome
            counts and latency percentiles, order placements by outcome, 429s and the rate-limit view (units used
            and remaining); ``orders``: the order events this client emitted by kind (``submitted``,
            ``accepted``, ``rejected``, ``denied``, ``canceled``, ``filled``, ``updated``, ``modify_rejected``,
            ...); ``risk``: pre-trade checks and rejections by rule; ``circuit_breaker``: its state, consecutive
            failures and openings (:meth:`circuit_breaker_stats`); ``reconciliations``.

        """
        return {
            "ws": self.ws_stats(),
            "rest": self._http.stats(),
            "orders": dict(self._order_outcomes),
            "risk": self._risk.stats(),
            "circuit_breaker": self.circuit_breaker_stats(),
            "reconciliations": self._reconciliations,
        }

    def rotate_credentials(self, api_key: str, api_secret: str) -> None:
        """
        Switch to a new API key pair without a restart.

        REST requests are signed with the new pair from the next one on; the private socket sends ``key-auth``
        with it on its live connection, keeping its subscriptions (a refusal is logged as ``auth_failed`` and the
        socket reconnects with the new pair). Market data clients are not affected. Call it on the node's event
        loop (from a strategy or actor, or through ``loop.call_soon_threadsafe``).

        Parameters
        ----------
        api_key : str
            The new API key.
        api_secret : str
            The new API secret (never logged).

        Raises
        ------
        ValueError
            If the key or the secret is empty, or the key cannot be sent as an HTTP header; nothing changes.

        """
        self._http.rotate_credentials(api_key, api_secret)
        self._credentials = (api_key, api_secret)
        if self._ws is not None:
            self._ws.rotate_credentials(api_key, api_secret)
        self._log.info("API credentials rotated: REST signs with the new key, the private socket re-authenticates")

    def _send_order_event(self, event: Any) -> None:
        # Every order event this client generates passes here: count it by kind for `stats()["orders"]`.
        self._order_outcomes[_outcome_name(type(event).__name__)] += 1
        super()._send_order_event(event)

    # -- connection ------------------------------------------------------------------------------------------------

    async def _connect(self) -> None:
        await self._provider.initialize()
        for currency in self._provider.currencies().values():
            self._cache.add_currency(currency)
        for instrument in self._provider.get_all().values():
            self._add_instrument(instrument)
        self._ids.rebuild(order.client_order_id for order in self._cache.orders(venue=self.venue))
        self._check_risk_override_symbols()
        await self._apply_leverage()
        await self._configure_mmp()
        await self._load_positions()
        await self._update_account_state()
        await self._await_account_registered()
        self._start_private_socket()
        if self._delta_config.watch_system_status:
            self._start_status_socket()
        self._ensure_circuit_probe()  # still open from before a reconnect: keep probing
        if self._delta_config.stats_log_interval_secs:
            interval = self._delta_config.stats_log_interval_secs
            self._spawn(log_stats_periodically(interval, self.stats, self._log), name="stats log")
        self._spawn(self._refresh_account_periodically(), name="account refresh")
        self._spawn(self._guard_reported_balances(), name="account guard")
        if self._dead_man is not None:
            self._heartbeat_task = self._spawn(self._dead_man_switch(self._dead_man), name="dead-man switch")

    async def _disconnect(self) -> None:
        pending = list(self._background)
        for task in pending:
            task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)
        self._heartbeat_task = None
        self._reconcile_task = None
        self._thaw_tasks.clear()
        self._circuit_task = None
        await self._close_status_socket()
        if self._dead_man is not None:
            try:
                await self._dead_man.disable()
            except _native.DeltaError as e:
                self._log.warning(f"Could not disable the dead-man switch: {e!r}")
        ws = self._ws
        if ws is None:
            return
        self._ws = None
        stats = ws.stats()
        await ws.close()
        self._log.info(
            f"Private socket closed: frames={stats.get('frames')} reconnects={stats.get('reconnects')} "
            f"gaps={stats.get('gaps')} decode_errors={stats.get('decode_errors')}; risk={self._risk.stats()}",
            LogColor.BLUE,
        )

    def _add_instrument(self, instrument: Instrument) -> None:
        if self._cache.instrument(instrument.id) is None:
            self._cache.add_instrument(instrument)
        product = self._provider.product(instrument.id)
        product_id = int(product["id"])
        self._product_ids[instrument.id] = product_id
        self._by_product[product_id] = instrument
        self._by_symbol[instrument.id.symbol.value] = instrument
        underlying = (product.get("underlying_asset") or {}).get("symbol") or ""
        symbol = instrument.id.symbol.value
        overrides = (self._delta_config.instrument_risk_limits or {}).get(symbol)
        self._risk.set_instrument(
            symbol,
            str(instrument.multiplier),
            instrument.is_inverse,
            underlying,
            _risk_limits_of(overrides) if overrides is not None else None,
        )
        if self._equity_asset is None:
            self._equity_asset = instrument.get_settlement_currency().code

    def _check_risk_override_symbols(self) -> None:
        for symbol in self._delta_config.instrument_risk_limits or {}:
            if symbol not in self._by_symbol:
                raise ValueError(
                    f"instrument_risk_limits names {symbol!r}, which is not a loaded Delta instrument: load it "
                    "through instrument_provider or remove its overrides",
                )

    async def _load_positions(self) -> None:
        """Give the risk engine the venue's positions before any order (max position, daily loss equity)."""
        for position in await self._http.positions():
            self._on_position({**position, "symbol": position.get("product_symbol")}, check=False)

    async def _apply_leverage(self) -> None:
        for symbol, leverage in (self._delta_config.leverage or {}).items():
            instrument = self._by_symbol.get(symbol)
            if instrument is None:
                raise ValueError(
                    f"leverage names {symbol!r}, which is not a loaded Delta instrument: load it through "
                    "instrument_provider or remove it from leverage",
                )
            await self._http.set_order_leverage(self._product_ids[instrument.id], str(leverage))
            self._log.info(f"Leverage of {symbol} set to {leverage}", LogColor.BLUE)

    def _mmp_assets(self) -> list[str]:
        assets = {
            (self._provider.product(iid).get("underlying_asset") or {}).get("symbol") for iid in self._product_ids
        }
        return sorted(asset for asset in assets if asset)

    async def _configure_mmp(self) -> None:
        config = self._delta_config
        if config.mmp_group is None or config.mmp_window_secs is None or config.mmp_freeze_secs is None:
            return
        limits = {
            "trade_limit": config.mmp_trade_limit,
            "delta_limit": config.mmp_delta_limit,
            "vega_limit": config.mmp_vega_limit,
        }
        for asset in self._mmp_assets():
            request: dict[str, Any] = {
                "asset": asset,
                "window_interval": config.mmp_window_secs,
                "freeze_interval": config.mmp_freeze_secs,
                "mmp": config.mmp_group,
            }
            request.update({key: str(value) for key, value in limits.items() if value is not None})
            await self._http.update_mmp(request)
            self._log.info(f"MMP {config.mmp_group} configured for {asset}", LogColor.BLUE)

    def _start_private_socket(self) -> None:
        api_key, api_secret = self._credentials
        config = self._delta_config
        self._ws = _native.WsClient(
            self._ws_url,
            "private",
            api_key=api_key,
            api_secret=api_secret,
            heartbeat_timeout_secs=config.heartbeat_timeout_secs,
            backoff_base_secs=config.reconnect_backoff_base_secs,
            backoff_cap_secs=config.reconnect_backoff_cap_secs,
            queue_capacity=config.queue_capacity,
        )
        for instrument in self._by_symbol.values():
            self._ws.set_instrument(instrument.id.symbol.value, instrument.price_precision, 0)
        symbols = sorted(self._by_symbol)
        if len(symbols) > _EXPLICIT_SUBSCRIPTION_LIMIT:
            self._subscribed_all = True
            symbols = ["all"]
        else:
            self._private_symbols.update(symbols)
        for channel in ("orders", "positions", "v2/user_trades"):
            self._ws.subscribe(channel, symbols)
        for channel in ("margins", "mmp_trigger"):
            self._ws.subscribe(channel, [])
        self._ws.connect(self._loop, self._on_private_batch)
        self._log.info(f"Private socket started ({self._ws_url})", LogColor.BLUE)

    def _ensure_private_symbol(self, instrument: Instrument) -> None:
        symbol = instrument.id.symbol.value
        if self._ws is None or self._subscribed_all or symbol in self._private_symbols:
            return
        self._private_symbols.add(symbol)
        for channel in ("orders", "positions", "v2/user_trades"):
            self._ws.subscribe(channel, [symbol])

    # -- circuit breaker -------------------------------------------------------------------------------------------

    def circuit_breaker_stats(self) -> dict[str, Any]:
        """
        Return the circuit breaker's state and counters as a plain dict.

        Returns
        -------
        dict[str, Any]
            ``state`` (``"closed"``, ``"open"``, ``"half_open"``), ``consecutive_failures``, ``failures_total``,
            ``times_opened``, ``probes``, ``probe_failures``, ``under_maintenance``, ``last_reason``,
            ``open_reason``, ``open_since_ns``, ``resume_probe_after_ns``, ``failure_threshold``,
            ``cooldown_secs`` (see :meth:`delta_exchange.circuit_breaker.CircuitBreaker.stats`).

        """
        return self._circuit.stats()

    def _deny_if_circuit_open(self, orders: list[Order]) -> bool:
        """Deny ``orders`` (``OrderDenied``, reason ``CIRCUIT_OPEN: ...``) when the breaker is open; True if so."""
        if self._circuit.allow_new_orders():
            return False
        reason = self._circuit.denial_reason()
        for order in orders:
            self._deny(order, reason)
        return True

    def _record_order_request(self, request: str, error: Exception | None = None) -> None:
        """
        Count the outcome of one order request (place, batch, bracket, edit) for the circuit breaker.

        Delta's answer, a business rejection included, is a success; a timeout, transport error, HTTP 5xx, 429 or
        an unknown outcome is a failure; a request that never left the process (invalid) is neither.
        """
        if error is None or _answered_by_delta(error):
            self._circuit.record_success()
            return
        reason = _circuit_failure(error)
        if reason is not None and self._circuit.record_failure(f"{request}: {reason}"):
            self._on_circuit_opened()

    def _on_circuit_opened(self) -> None:
        """Tell the strategies (``DeltaCircuitOpened`` on ``CIRCUIT_TOPIC``, one warning) and start probing."""
        now = self._clock.timestamp_ns()
        opened = self._circuit.open_since_ns or now
        reason = self._circuit.open_reason or ""
        resume = self._circuit.resume_probe_after_ns
        cooldown = self._delta_config.circuit_breaker_cooldown_secs
        when = "when Delta's maintenance ends" if resume is None else f"in {cooldown:g} s"
        self._log.warning(
            f"Circuit breaker OPEN: {reason}; new orders are denied (cancels still go out); Delta is probed {when}",
        )
        self._msgbus.publish(CIRCUIT_TOPIC, DeltaCircuitOpened(reason, resume, opened, now))
        self._ensure_circuit_probe()

    def _ensure_circuit_probe(self) -> None:
        """Run the probe loop while the breaker is open (once; again after a reconnect)."""
        if self._circuit.allow_new_orders():
            return
        if self._circuit_task is None or self._circuit_task.done():
            self._circuit_task = self._spawn(self._probe_until_closed(), name="circuit breaker probe")

    async def _probe_until_closed(self) -> None:
        """
        Probe Delta with ``GET /v2/settings`` until a probe closes the breaker.

        A probe is sent whenever the breaker is due (after its cooldown, or as soon as maintenance ends); it closes
        the breaker when the call succeeds and Delta is not under maintenance.
        """
        breaker = self._circuit
        while breaker.state != CircuitState.CLOSED:
            if not breaker.due_for_probe():
                self._circuit_wake.clear()
                resume = breaker.resume_probe_after_ns
                timeout = None if resume is None else max(resume - self._clock.timestamp_ns(), 0) / _NANOS_PER_SECOND
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._circuit_wake.wait(), timeout)
                continue
            breaker.begin_probe()
            try:
                settings = await self._http.settings()
            except asyncio.CancelledError:
                breaker.probe_failed("probe cancelled (client disconnecting)")
                raise
            except Exception as e:
                breaker.probe_failed(f"GET /v2/settings failed: {_short(e)}")
                self._log.info(f"Circuit breaker probe failed: {_short(e)}; next probe in a cooldown")
                continue
            if _is_true(settings.get("under_maintenance")):
                breaker.probe_failed("GET /v2/settings reports under_maintenance")
                self._log.info("Circuit breaker probe: Delta reports under_maintenance; next probe in a cooldown")
                continue
            if breaker.probe_succeeded():
                now = self._clock.timestamp_ns()
                self._log.warning("Circuit breaker CLOSED: Delta answered the probe; new orders are sent again")
                self._msgbus.publish(CIRCUIT_TOPIC, DeltaCircuitClosed(now, now))

    def _start_status_socket(self) -> None:
        """Open a public socket subscribed to ``system_status`` only: Delta's maintenance drives the breaker."""
        config = self._delta_config
        url = config.resolved_urls()["ws_public"]
        self._status_ws = _native.WsClient(
            url,
            "public",
            heartbeat_timeout_secs=config.heartbeat_timeout_secs,
            backoff_base_secs=config.reconnect_backoff_base_secs,
            backoff_cap_secs=config.reconnect_backoff_cap_secs,
            queue_capacity=config.queue_capacity,
        )
        self._status_ws.subscribe("system_status", [])
        self._status_ws.connect(self._loop, self._on_status_batch)
        self._log.info(f"System status socket started ({url})", LogColor.BLUE)

    async def _close_status_socket(self) -> None:
        ws, self._status_ws = self._status_ws, None
        if ws is not None:
            await ws.close()

    def _on_status_batch(self, batch: list[tuple]) -> None:
        for item in batch:
            try:
                if item[0] == _native.KIND_STATUS:
                    self._on_system_status(str(item[1]), item[2])
                elif item[0] == _native.KIND_LIFECYCLE and item[1] in ("subscription_error", "decode_error"):
                    self._log.warning(f"System status socket {item[1]}: {item[2]}")
            except Exception as e:
                self._log.exception(f"Error handling system status event {item[:2]!r}", e)

    def _on_system_status(self, status: str, event: str | None) -> None:
        """``maintenance`` opens the breaker and holds it; any other status (live, ...) lets the probe close it."""
        if status == "maintenance":
            if self._circuit.set_maintenance(True, f"Delta system_status: maintenance ({event or 'status'})"):
                self._on_circuit_opened()
            return
        if self._circuit.under_maintenance:
            self._log.info(f"Delta system_status: {status} ({event or 'status'}): maintenance over, probing Delta")
            self._circuit.set_maintenance(False)
            self._circuit_wake.set()

    # -- dead-man switch -------------------------------------------------------------------------------------------

    async def _dead_man_switch(self, switch: DeadManSwitch) -> None:
        """Arm Delta's dead-man switch and renew it until the client disconnects."""
        await switch.arm()
        form = "heartbeat" if switch.uses_heartbeat else "cancel_after"
        self._log.info(
            f"Dead-man switch armed ({form}): ttl={self._delta_config.dead_man_ttl_ms} ms, renewed every "
            f"{switch.period_secs:.1f} s",
            LogColor.BLUE,
        )
        while True:
            try:
                await switch.renew()
            except _native.DeltaError as e:
                self._log.warning(f"Dead-man switch renewal failed: {e!r}")
            await asyncio.sleep(switch.period_secs)

    # -- account ---------------------------------------------------------------------------------------------------

    async def _update_account_state(self, *, only_if_changed: bool = False) -> None:
        """
        Fetch the wallet balances and emit the account state (with ``only_if_changed``: when any figure changed).

        An asset whose ``margins`` event arrived while the request was in flight keeps the event's (newer) data.
        """
        before = self._account_figures()
        versions = dict(self._wallet_versions)
        reply = await self._http.wallet_balances()
        wallets = reply.get("balances", reply) if isinstance(reply, dict) else reply
        for wallet in wallets:
            asset = wallet.get("asset_symbol")
            if asset and self._wallet_versions.get(asset) == versions.get(asset):
                self._wallets[asset] = wallet
        user_id = next((w.get("user_id") for w in wallets if w.get("user_id") is not None), None)
        if user_id is not None and not self._cache.account_for_venue(self.venue):
            self._set_account_id(AccountId(f"{DELTA_EXCHANGE}-{user_id}"))
        if only_if_changed and self._account_figures() == before:
            return
        self._emit_account_state()
        if self._delta_config.daily_loss_limit is not None:
            await self._refresh_equity()

    async def _refresh_account_periodically(self) -> None:
        """
        Re-read the wallet every ``_ACCOUNT_REFRESH_SECS``.

        A safety net under the ``margins`` channel, whose updates drive the account state (a wallet change the
        channel does not report is corrected here).
        """
        while True:
            await asyncio.sleep(_ACCOUNT_REFRESH_SECS)
            try:
                await self._update_account_state(only_if_changed=True)
            except Exception as e:  # keep refreshing whatever one attempt ran into
                self._log.warning(f"Periodic wallet refresh failed: {e!r}")

    async def _guard_reported_balances(self) -> None:
        """
        Keep the cached account's balances at Delta's figures.

        Nautilus 1.221's ``Portfolio.initialize_orders/positions`` (run after reconciliation, before the trader
        starts) apply its own margin model to the reconciled orders and positions even for a venue-reported
        account, and recompute the cached free balance from it. Every account state applied later sets the
        balances as reported, so when the cached balances differ from the wallets on two checks in a row (not an
        update still queued in the engine) one more state with Delta's figures puts them back.
        """
        mismatched: dict[str, tuple[Any, ...]] | None = None
        while True:
            await asyncio.sleep(_ACCOUNT_GUARD_SECS)
            figures = self._account_figures()
            if not self._cached_balances_differ():
                mismatched = None
            elif mismatched != figures:
                mismatched = figures
            else:
                self._log.info("Cached balances differ from Delta's wallet; re-applying the reported account state")
                self._emit_account_state()
                mismatched = None

    def _cached_balances_differ(self) -> bool:
        account = self._cache.account_for_venue(self.venue)
        if account is None:
            return False
        for asset, wallet in self._wallets.items():
            currency = self._currency(asset)
            cached = account.balance(currency) if currency is not None else None
            if cached is None:
                continue
            reported = wallet_balance(wallet, currency)
            if (cached.total, cached.free) != (reported.total, reported.free):
                return True
        return False

    def _account_figures(self) -> dict[str, tuple[Any, ...]]:
        fields = ("balance", "available_balance", "order_margin", "position_margin")
        return {asset: tuple(wallet.get(name) for name in fields) for asset, wallet in self._wallets.items()}

    def _emit_account_state(self) -> None:
        balances: list[AccountBalance] = []
        margins: list[MarginBalance] = []
        for asset, wallet in sorted(self._wallets.items()):
            currency = self._currency(asset)
            if currency is None:
                continue
            balances.append(wallet_balance(wallet, currency))
            margin = wallet_margin(wallet, currency)
            if margin is not None:
                margins.append(margin)
        self.generate_account_state(
            balances=balances,
            margins=margins,
            reported=True,
            ts_event=self._clock.timestamp_ns(),
        )

    def _currency(self, code: str) -> Currency | None:
        currency = self._provider.currencies().get(code)
        if currency is None:
            try:
                currency = Currency.from_str(code, strict=False)
            except ValueError:
                return None
        return currency

    async def _query_account(self, command: QueryAccount) -> None:
        await self._update_account_state()

    def _update_equity(self) -> None:
        asset = self._equity_asset
        wallet = self._wallets.get(asset or "")
        if wallet is None or wallet.get("balance") is None:
            return
        equity = Decimal(str(wallet["balance"]))
        for instrument_id, (size, entry) in self._venue_positions.items():
            instrument = self._cache.instrument(instrument_id)
            if not size or entry is None or instrument is None:
                continue
            mark = self._cached_mark(instrument)
            if mark is not None and instrument.get_settlement_currency().code == asset:
                equity += unrealized_pnl(instrument, size, Decimal(entry), Decimal(mark))
        breached = self._risk.set_equity(str(equity), self._clock.timestamp_ns())
        if breached:
            self._log.warning(
                f"Daily loss limit {self._delta_config.daily_loss_limit} breached (equity {equity} {asset}): "
                "only reducing orders pass until the next UTC day",
            )
            if self._delta_config.cancel_on_daily_loss:
                self._spawn(self._cancel_everything(), name="cancel all after the daily loss limit")

    async def _cancel_everything(self) -> None:
        product_ids = sorted({self._product_ids[t.instrument_id] for t in self._tracker.open_orders()})
        for product_id in product_ids:
            try:
                await self._http.cancel_all_orders({"product_id": product_id, **_CANCEL_ALL_FLAGS})
            except _native.DeltaError as e:
                self._log.error(f"Cancel all on product {product_id} after the daily loss limit failed: {e!r}")

    # -- marks for the risk checks ---------------------------------------------------------------------------------

    def _cached_mark(self, instrument: Instrument) -> str | None:
        mark = self._cache.mark_price(instrument.id)
        if mark is not None:
            return str(mark.value)
        quote = self._cache.quote_tick(instrument.id)
        if quote is not None:
            mid = (quote.bid_price.as_decimal() + quote.ask_price.as_decimal()) / 2
            return str(mid)
        symbol = instrument.id.symbol.value
        fetched = self._marks.get(symbol)
        return fetched[1] if fetched is not None else None

    async def _refresh_mark(self, instrument: Instrument) -> None:
        """
        Give the risk engine a current mark for ``instrument``.

        Concurrent submissions share one REST fetch and resume in the order they asked (an asyncio task's
        waiters run first-in first-out), so the checks run in submission order.
        """
        symbol = instrument.id.symbol.value
        mark = None
        pending = self._mark_fetches.get(symbol)
        if pending is not None and not pending.done():
            mark = await pending
        elif self._cache.mark_price(instrument.id) is not None or self._cache.quote_tick(instrument.id) is not None:
            mark = self._cached_mark(instrument)
        else:
            fetched = self._marks.get(symbol)
            if fetched is not None and self._clock.timestamp_ns() - fetched[0] < _MARK_TTL_NS:
                mark = fetched[1]
            else:
                task = self._loop.create_task(self._fetch_mark(symbol))
                self._mark_fetches[symbol] = task
                mark = await task
        if mark is not None:
            self._risk.set_mark(symbol, mark)

    async def _fetch_mark(self, symbol: str) -> str | None:
        ticker = await self._http.ticker(symbol)
        value = ticker.get("mark_price") or ticker.get("close")
        if value is None:
            return None
        self._marks[symbol] = (self._clock.timestamp_ns(), str(value))
        return str(value)

    # -- instruments -----------------------------------------------------------------------------------------------

    async def _instrument(self, instrument_id: InstrumentId) -> Instrument | None:
        instrument = self._by_symbol.get(instrument_id.symbol.value)
        if instrument is not None and instrument.id == instrument_id:
            return instrument
        try:
            await self._provider.load_async(instrument_id)
        except (_native.DeltaError, ValueError) as e:
            self._log.error(f"Cannot load {instrument_id} from Delta: {e!r}")
            return None
        instrument = self._provider.find(instrument_id)
        if instrument is None:
            return None
        for currency in self._provider.currencies().values():
            self._cache.add_currency(currency)
        self._add_instrument(instrument)
        if self._ws is not None:
            self._ws.set_instrument(instrument.id.symbol.value, instrument.price_precision, 0)
        return instrument

    def _instrument_of(self, order: VenueOrder) -> Instrument | None:
        if order.product_id is not None and order.product_id in self._by_product:
            return self._by_product[order.product_id]
        return self._by_symbol.get(order.symbol or "")

    # -- submission ------------------------------------------------------------------------------------------------

    def _track(self, order: Order, delta_client_order_id: str | None) -> TrackedOrder:
        return self._tracker.add(
            TrackedOrder(
                client_order_id=order.client_order_id,
                strategy_id=order.strategy_id,
                instrument_id=order.instrument_id,
                side=order.side,
                order_type=order.order_type,
                quantity=int(order.quantity.as_decimal()),
                price=price_text(order.price) if order.has_price else None,
                trigger_price=(
                    price_text(order.trigger_price)
                    if order.has_trigger_price and order.trigger_price is not None
                    else None
                ),
                delta_client_order_id=delta_client_order_id,
            ),
        )

    def _deny(self, order: Order, reason: str) -> None:
        self._log.warning(f"Denied {order.client_order_id!r}: {reason}")
        self.generate_order_denied(
            order.strategy_id,
            order.instrument_id,
            order.client_order_id,
            reason,
            self._clock.timestamp_ns(),
        )

    def _reject(self, tracked: TrackedOrder, reason: str, *, due_post_only: bool = False) -> None:
        if tracked.closed:
            return
        self._tracker.close(tracked)
        self._risk.order_closed(tracked.client_order_id.value)
        self.generate_order_rejected(
            tracked.strategy_id,
            tracked.instrument_id,
            tracked.client_order_id,
            reason,
            self._clock.timestamp_ns(),
            due_post_only,
        )
        for child_id in tracked.children:
            child = self._tracker.get(child_id)
            if child is not None:
                self._reject(child, f"bracket entry {tracked.client_order_id} rejected: {reason}")

    async def _risk_check(self, order: Order, instrument: Instrument, mmp: bool) -> str | None:
        """Run the pre-trade checks; the rejection reason, or None when the order passes."""
        if self._needs_mark:
            try:
                await self._refresh_mark(instrument)
            except _native.DeltaError as e:
                self._log.warning(f"Could not fetch the mark of {instrument.id} for the risk checks: {e!r}")
        limit_price = price_text(order.price) if order.has_price and order.price is not None else None
        try:
            self._risk.check(
                instrument.id.symbol.value,
                "buy" if order.side == OrderSide.BUY else "sell",
                size_of(order.quantity),
                limit_price,
                order.is_reduce_only,
                mmp,
                self._clock.timestamp_ns(),
            )
        except _native.DeltaRiskError as e:
            message = str(e)
            prefix = f"{e.rule}: "
            return f"risk {e.rule}: {message[len(prefix) :] if message.startswith(prefix) else message}"
        return None

    async def _submit_order(self, command: SubmitOrder) -> None:
        order = command.order
        if order.is_closed:
            self._log.warning(f"Cannot submit already closed order {order}")
            return
        if self._deny_if_circuit_open([order]):
            return
        instrument = await self._instrument(order.instrument_id)
        if instrument is None:
            self._deny(
                order,
                _not_loaded(order.instrument_id),
            )
            return
        delta_cid = self._ids.add(order.client_order_id)
        try:
            request = order_request(order, self._product_ids[instrument.id], delta_cid, self._delta_config.mmp_group)
            request.update(order_params(command.params))
        except UnsupportedOrderError as e:
            self._deny(order, str(e))
            return
        await self._submit_checked(order, instrument, request, [order])

    async def _submit_checked(
        self,
        order: Order,
        instrument: Instrument,
        request: dict[str, Any],
        orders: list[Order],
    ) -> None:
        """Risk-check ``order``, mark ``orders`` submitted, place ``request``; ``orders[1:]`` are bracket children."""
        reason = await self._risk_check(order, instrument, is_mmp_request(request))
        tracked = self._track(order, request["client_order_id"])
        for child in orders[1:]:
            self._track_child(child, tracked)
        ts = self._clock.timestamp_ns()
        for each in orders:
            self.generate_order_submitted(each.strategy_id, each.instrument_id, each.client_order_id, ts)
        if reason is not None:
            self._log.warning(f"{order.client_order_id!r} refused by the risk checks: {reason}")
            self._reject(tracked, reason)
            return
        self._ensure_private_symbol(instrument)
        try:
            reply = await self._http.place_order(request)
        except Exception as e:  # classified below: a rejection only when Delta refused explicitly
            self._record_order_request("POST /v2/orders", e)
            self._on_place_failure(tracked, e)
            return
        self._record_order_request("POST /v2/orders")
        self._apply_order(venue_order(reply))

    def _track_child(self, child: Order, parent: TrackedOrder) -> TrackedOrder:
        tracked = self._track(child, None)
        tracked.placeholder = True
        tracked.parent = parent.client_order_id
        parent.children.append(child.client_order_id)
        if child.order_type in (OrderType.STOP_MARKET, OrderType.STOP_LIMIT, OrderType.TRAILING_STOP_MARKET):
            tracked.leg_type = "stop_loss_order"
            tracked.leg_stop_price = tracked.trigger_price
        else:
            tracked.leg_type = "take_profit_order"
            tracked.leg_stop_price = tracked.trigger_price if child.order_type != OrderType.LIMIT else tracked.price
        return tracked

    def _on_place_failure(self, tracked: TrackedOrder, error: Exception) -> None:
        if isinstance(error, ValueError):
            self._reject(tracked, f"invalid request (nothing sent to Delta): {error}")
        elif _is_explicit_rejection(error):
            code = getattr(error, "code", None)
            order = self._cache.order(tracked.client_order_id)
            if code == _IOC_NOTHING_FILLABLE and order is not None and order.time_in_force == TimeInForce.IOC:
                # Delta refuses an IOC that can fill nothing; Nautilus models that IOC as canceled unfilled.
                self._log.info(f"{tracked.client_order_id!r}: IOC found no liquidity at its price ({code}): canceled")
                self._tracker.close(tracked)
                self.generate_order_canceled(
                    tracked.strategy_id,
                    tracked.instrument_id,
                    tracked.client_order_id,
                    None,
                    self._clock.timestamp_ns(),
                )
                return
            self._reject(tracked, _venue_reason(error), due_post_only=code in _POST_ONLY_CODES)
        else:
            self._log.warning(
                f"Placement of {tracked.client_order_id!r} has an unknown outcome ({error!r}): the order stays "
                "in flight; looking it up by client_order_id",
            )
            self._schedule_lookup(tracked)

    async def _submit_order_list(self, command: SubmitOrderList) -> None:
        orders = list(command.order_list.orders)
        if self._deny_if_circuit_open(orders):
            return
        try:
            bracket = split_bracket(orders)
        except UnsupportedOrderError as e:
            for order in orders:
                self._deny(order, str(e))
            return
        if bracket is not None:
            await self._submit_bracket(bracket, orders, command.params)
            return
        same_product = len({o.instrument_id for o in orders}) == 1
        if 1 < len(orders) <= MAX_BATCH and same_product and all(batchable(o) for o in orders) and not command.params:
            await self._submit_batch(orders)
            return
        for order in orders:
            await self._submit_order(
                SubmitOrder(
                    trader_id=command.trader_id,
                    strategy_id=command.strategy_id,
                    order=order,
                    command_id=command.id,
                    ts_init=command.ts_init,
                    position_id=command.position_id,
                    client_id=command.client_id,
                    params=command.params,
                ),
            )

    async def _submit_bracket(self, bracket: Bracket, orders: list[Order], params: dict[str, Any]) -> None:
        entry = bracket.entry
        instrument = await self._instrument(entry.instrument_id)
        if instrument is None:
            for order in orders:
                self._deny(
                    order,
                    _not_loaded(entry.instrument_id),
                )
            return
        delta_cid = self._ids.add(entry.client_order_id)
        try:
            request = bracket_request(
                bracket, self._product_ids[instrument.id], delta_cid, self._delta_config.mmp_group
            )
            request.update(order_params(params))
        except UnsupportedOrderError as e:
            for order in orders:
                self._deny(order, str(e))
            return
        children = [child for child in (bracket.stop_loss, bracket.take_profit) if child is not None]
        await self._submit_checked(entry, instrument, request, [entry, *children])

    async def _submit_batch(self, orders: list[Order]) -> None:
        instrument = await self._instrument(orders[0].instrument_id)
        if instrument is None:
            for order in orders:
                self._deny(
                    order,
                    _not_loaded(orders[0].instrument_id),
                )
            return
        items: list[tuple[TrackedOrder, dict[str, Any]]] = []
        for order in orders:
            delta_cid = self._ids.add(order.client_order_id)
            try:
                item = batch_item(order, delta_cid, self._delta_config.mmp_group)
            except UnsupportedOrderError as e:
                self._deny(order, str(e))
                continue
            reason = await self._risk_check(order, instrument, is_mmp_request(item))
            tracked = self._track(order, delta_cid)
            self.generate_order_submitted(
                order.strategy_id,
                order.instrument_id,
                order.client_order_id,
                self._clock.timestamp_ns(),
            )
            if reason is not None:
                self._reject(tracked, reason)
                continue
            items.append((tracked, item))
        if not items:
            return
        self._ensure_private_symbol(instrument)
        request = {"product_id": self._product_ids[instrument.id], "orders": [item for _, item in items]}
        try:
            replies = await self._http.batch_create_orders(request)
        except Exception as e:
            self._record_order_request("POST /v2/orders/batch", e)
            for tracked, _ in items:
                self._on_place_failure(tracked, e)
            return
        self._record_order_request("POST /v2/orders/batch")
        processed = set()
        for reply in replies:
            order = venue_order(reply)
            processed.add(order.client_order_id)
            self._apply_order(order)
        missing = [tracked for tracked, _ in items if tracked.delta_client_order_id not in processed]
        for tracked in missing:
            self._log.warning(
                f"Delta's batch did not return {tracked.client_order_id!r} (no per-order reason): looking it up",
            )
            self._spawn(self._resolve_missing(tracked, from_batch=True))

    def _schedule_lookup(self, tracked: TrackedOrder) -> None:
        self._spawn(self._resolve_missing(tracked, from_batch=False), name=f"lookup {tracked.client_order_id}")

    async def _resolve_missing(self, tracked: TrackedOrder, *, from_batch: bool) -> None:
        """
        Look an order of unknown outcome up by its Delta client order id until its state is known.

        A batch item Delta did not return and cannot find was never created: ``OrderRejected``. After a
        timeout, "not found" is not proof (the request may still be on its way), so the order stays in flight
        for the socket, the in-flight checks or reconciliation.
        """
        delay = 0.0 if from_batch else _LOOKUP_DELAY_SECS
        for attempt in range(_LOOKUP_ATTEMPTS):
            await asyncio.sleep(delay)
            delay = _LOOKUP_DELAY_SECS * (attempt + 1)
            if tracked.accepted or tracked.closed:
                return
            try:
                found = await self._http.order_by_client_order_id(tracked.delta_client_order_id or "")
            except Exception as e:
                if _is_not_found(e):
                    if from_batch:
                        order = self._cache.order(tracked.client_order_id)
                        hint = " (post_only: it would have crossed the book)" if order and order.is_post_only else ""
                        self._reject(
                            tracked,
                            f"not processed by Delta's batch create: no order with client_order_id "
                            f"{tracked.delta_client_order_id} exists{hint}",
                            due_post_only=bool(hint),
                        )
                        return
                    continue
                self._log.warning(f"Look-up of {tracked.client_order_id!r} failed: {e!r}")
                continue
            self._apply_order(venue_order(found))
            return
        self._log.warning(
            f"{tracked.client_order_id!r} still unknown at Delta after {_LOOKUP_ATTEMPTS} look-ups: left in flight "
            "for reconciliation",
        )

    # -- modify / cancel -------------------------------------------------------------------------------------------

    def _tracked_of_command(self, client_order_id: ClientOrderId) -> TrackedOrder | None:
        tracked = self._tracker.get(client_order_id)
        if tracked is None:
            order = self._cache.order(client_order_id)
            if order is not None:
                tracked = self._track_cached(order)
        return tracked

    async def _modify_order(self, command: ModifyOrder) -> None:
        tracked = self._tracked_of_command(command.client_order_id)
        order = self._cache.order(command.client_order_id)
        if tracked is None or order is None:
            self._log.error(f"Cannot modify {command.client_order_id!r}: order not found")
            return
        if not self._circuit.allow_new_orders():
            reason = self._circuit.denial_reason()
            self._log.warning(f"Modify of {command.client_order_id!r} refused: {reason}")
            self.generate_order_modify_rejected(
                tracked.strategy_id,
                tracked.instrument_id,
                tracked.client_order_id,
                command.venue_order_id,
                reason,
                self._clock.timestamp_ns(),
            )
            return
        instrument = await self._instrument(command.instrument_id)
        if instrument is None:
            return
        parent = self._tracker.get(tracked.parent) if tracked.parent is not None else None
        if tracked.placeholder or (parent is not None and not parent.closed):
            # The entry is still working: its bracket fields are the legs' source (Delta resizes the legs to
            # the entry's fills), so the leg's prices change through the entry's bracket.
            await self._modify_bracket_leg(tracked, command, instrument)
            return
        venue_id = tracked.venue_order_id
        venue_order_id = VenueOrderId(venue_id) if venue_id else command.venue_order_id
        if not venue_id or not venue_id.isdigit():
            self.generate_order_modify_rejected(
                tracked.strategy_id,
                tracked.instrument_id,
                tracked.client_order_id,
                venue_order_id,
                "Delta has not acknowledged the order yet (no order id to edit): modify after OrderAccepted",
                self._clock.timestamp_ns(),
            )
            return
        request: dict[str, Any] = {
            "id": int(venue_id),
            "product_id": self._product_ids[instrument.id],
            "size": int((command.quantity or order.quantity).as_decimal()),
        }
        if command.price is not None:
            request["limit_price"] = price_text(command.price)
        if command.trigger_price is not None:
            request["stop_price"] = price_text(command.trigger_price)
        tracked.awaiting_update = True
        try:
            reply = await self._http.edit_order(request)
        except Exception as e:
            self._record_order_request("PUT /v2/orders", e)
            if not self._reject_edit(tracked, venue_order_id, e, self._clock.timestamp_ns()):
                self._log.warning(f"Edit of {tracked.client_order_id!r} has an unknown outcome ({e!r}): looking it up")
                self._spawn(self._refresh_order(tracked))
            return
        self._record_order_request("PUT /v2/orders")
        self._apply_order(venue_order(reply), force_update=True)

    def _reject_edit(
        self,
        tracked: TrackedOrder,
        venue_order_id: VenueOrderId | None,
        error: Exception,
        ts: int,
    ) -> bool:
        """
        End a failed edit; whether it ended.

        ``OrderModifyRejected`` when Delta refused it explicitly (or the request was invalid) and True; False
        when the outcome is unknown (the caller looks the order up or waits for the socket).
        """
        tracked.awaiting_update = False
        if not (_is_explicit_rejection(error) or isinstance(error, ValueError)):
            return False
        self.generate_order_modify_rejected(
            tracked.strategy_id,
            tracked.instrument_id,
            tracked.client_order_id,
            venue_order_id,
            _venue_reason(error),
            ts,
        )
        return True

    async def _modify_bracket_leg(self, tracked: TrackedOrder, command: ModifyOrder, instrument: Instrument) -> None:
        parent = self._tracker.get(tracked.parent) if tracked.parent is not None else None
        request: dict[str, Any] = {
            "id": int(parent.venue_order_id) if parent is not None and parent.venue_order_id else 0,
            "product_id": self._product_ids[instrument.id],
        }
        if tracked.leg_type == "stop_loss_order":
            if command.trigger_price is not None:
                request["bracket_stop_loss_price"] = price_text(command.trigger_price)
            if command.price is not None:
                request["bracket_stop_loss_limit_price"] = price_text(command.price)
        elif tracked.order_type == OrderType.LIMIT and command.price is not None:
            request["bracket_take_profit_price"] = price_text(command.price)
            request["bracket_take_profit_limit_price"] = price_text(command.price)
        else:
            if command.trigger_price is not None:
                request["bracket_take_profit_price"] = price_text(command.trigger_price)
            if command.price is not None:
                request["bracket_take_profit_limit_price"] = price_text(command.price)
        ts = self._clock.timestamp_ns()
        venue_order_id = _reported(tracked) if tracked.reported_id or tracked.venue_order_id else None
        resized = command.quantity is not None and int(command.quantity.as_decimal()) != tracked.quantity
        if resized or len(request) == 2:
            self.generate_order_modify_rejected(
                tracked.strategy_id,
                tracked.instrument_id,
                tracked.client_order_id,
                venue_order_id,
                "a bracket leg whose entry is still working can only change its prices (Delta sizes it to the "
                "entry's fills)",
                ts,
            )
            return
        tracked.awaiting_update = True
        try:
            await self._http.edit_bracket(request)
        except Exception as e:
            self._record_order_request("PUT /v2/orders/bracket", e)
            if not self._reject_edit(tracked, venue_order_id, e, ts):
                self._log.warning(f"Bracket edit for {tracked.client_order_id!r} has an unknown outcome ({e!r})")
            return
        self._record_order_request("PUT /v2/orders/bracket")
        if not tracked.awaiting_update:
            return  # the leg's socket update already reported the new prices
        tracked.awaiting_update = False
        if command.price is not None:
            tracked.price = price_text(command.price)
        if command.trigger_price is not None:
            tracked.trigger_price = price_text(command.trigger_price)
        tracked.leg_stop_price = tracked.price if tracked.order_type == OrderType.LIMIT else tracked.trigger_price
        self._emit(tracked, [Updated(tracked.quantity, tracked.price, tracked.trigger_price, False)], ts)

    def _cancel_request(self, tracked: TrackedOrder, venue_order_id: VenueOrderId | None) -> dict[str, Any]:
        """Build the cancel of one order: by Delta id when known (the tracked id is the latest), else by client id."""
        request: dict[str, Any] = {"product_id": self._product_ids[tracked.instrument_id]}
        venue_id = tracked.venue_order_id or (venue_order_id.value if venue_order_id is not None else None)
        if venue_id is not None and venue_id.isdigit() and not tracked.placeholder:
            request["id"] = int(venue_id)
        else:
            request["client_order_id"] = tracked.delta_client_order_id or self._ids.add(tracked.client_order_id)
        return request

    async def _cancel_order(self, command: CancelOrder) -> None:
        tracked = self._tracked_of_command(command.client_order_id)
        if tracked is None:
            self._log.error(f"Cannot cancel {command.client_order_id!r}: order not found")
            return
        if await self._instrument(command.instrument_id) is None:
            return
        if tracked.placeholder:
            self.generate_order_cancel_rejected(
                tracked.strategy_id,
                tracked.instrument_id,
                tracked.client_order_id,
                command.venue_order_id,
                "a bracket leg is not live at Delta until its entry fills: cancel the entry order instead",
                self._clock.timestamp_ns(),
            )
            return
        try:
            reply = await self._http.cancel_order(self._cancel_request(tracked, command.venue_order_id))
        except Exception as e:
            if _is_explicit_rejection(e) or isinstance(e, ValueError):
                self.generate_order_cancel_rejected(
                    tracked.strategy_id,
                    tracked.instrument_id,
                    tracked.client_order_id,
                    command.venue_order_id,
                    _venue_reason(e),
                    self._clock.timestamp_ns(),
                )
            else:
                self._log.warning(f"Cancel of {tracked.client_order_id!r} has an unknown outcome ({e!r}): looking up")
                self._spawn(self._refresh_order(tracked))
            return
        self._apply_order(venue_order(reply))

    async def _cancel_all_orders(self, command: CancelAllOrders) -> None:
        """
        Cancel the strategy's open orders on one instrument (of one side, or both).

        Both sides and no other strategy (or external order) working on the product: Delta's cancel-all for the
        product with its three flags set (limit, stop and reduce-only orders). Otherwise the strategy's own orders
        are cancelled by batch, so other strategies' orders stay.
        """
        instrument = await self._instrument(command.instrument_id)
        if instrument is None:
            return
        side = command.order_side
        open_orders = self._cache.orders_open(instrument_id=instrument.id)
        mine = [
            o for o in open_orders if o.strategy_id == command.strategy_id and side in (OrderSide.NO_ORDER_SIDE, o.side)
        ]
        if side == OrderSide.NO_ORDER_SIDE and all(o.strategy_id == command.strategy_id for o in open_orders):
            product_id = self._product_ids[instrument.id]
            try:
                await self._http.cancel_all_orders({"product_id": product_id, **_CANCEL_ALL_FLAGS})
            except Exception as e:
                self._log.error(f"Cancel all on {instrument.id} failed: {_venue_reason(e)}")
                return
            self._spawn(self._confirm_cancelled(instrument.id))
            return
        await self._cancel_batch(instrument, [o.client_order_id for o in mine])

    async def _confirm_cancelled(self, instrument_id: InstrumentId) -> None:
        """After a cancel-all, look up the orders whose cancellation the socket has not reported."""
        await asyncio.sleep(_LOOKUP_DELAY_SECS * 2)
        for tracked in self._tracker.open_orders(instrument_id):
            if not tracked.placeholder and tracked.accepted:
                await self._refresh_order(tracked)

    async def _batch_cancel_orders(self, command: BatchCancelOrders) -> None:
        by_instrument: dict[InstrumentId, list[ClientOrderId]] = defaultdict(list)
        for cancel in command.cancels:
            by_instrument[cancel.instrument_id].append(cancel.client_order_id)
        for instrument_id, client_order_ids in by_instrument.items():
            instrument = await self._instrument(instrument_id)
            if instrument is not None:
                await self._cancel_batch(instrument, client_order_ids)

    async def _cancel_batch(self, instrument: Instrument, client_order_ids: list[ClientOrderId]) -> None:
        tracked_orders = []
        for client_order_id in client_order_ids:
            tracked = self._tracked_of_command(client_order_id)
            if tracked is None or tracked.closed:
                continue
            if tracked.placeholder:
                self.generate_order_cancel_rejected(
                    tracked.strategy_id,
                    tracked.instrument_id,
                    tracked.client_order_id,
                    None,
                    "a bracket leg is not live at Delta until its entry fills: cancel the entry order instead",
                    self._clock.timestamp_ns(),
                )
                continue
            tracked_orders.append(tracked)
        product_id = self._product_ids[instrument.id]
        for start in range(0, len(tracked_orders), MAX_BATCH):
            chunk = tracked_orders[start : start + MAX_BATCH]
            items = []
            for tracked in chunk:
                item = self._cancel_request(tracked, None)
                item.pop("product_id")
                items.append(item)
            try:
                replies = await self._http.batch_cancel_orders({"product_id": product_id, "orders": items})
            except Exception as e:
                self._log.warning(f"Batch cancel on {instrument.id} failed ({_venue_reason(e)}): looking orders up")
                explicit = _is_explicit_rejection(e)
                for tracked in chunk:
                    self._spawn(self._refresh_order(tracked, cancel_rejected=explicit))
                continue
            returned = set()
            for reply in replies:
                order = venue_order(reply)
                returned.add(order.order_id)
                self._apply_order(order)
            for tracked in chunk:
                if tracked.venue_order_id not in returned:
                    self._spawn(self._refresh_order(tracked, cancel_rejected=True))

    async def _refresh_order(self, tracked: TrackedOrder, *, cancel_rejected: bool = False) -> None:
        """Fetch one order's state from REST and apply it (a cancel still open -> OrderCancelRejected)."""
        try:
            if tracked.venue_order_id is not None and not tracked.placeholder:
                found = await self._http.order(int(tracked.venue_order_id))
            else:
                found = await self._http.order_by_client_order_id(tracked.delta_client_order_id or "")
        except Exception as e:
            self._log.warning(f"Look-up of {tracked.client_order_id!r} failed: {e!r}")
            return
        order = venue_order(found)
        self._apply_order(order)
        if cancel_rejected and order.state in ("open", "pending") and not tracked.closed:
            self.generate_order_cancel_rejected(
                tracked.strategy_id,
                tracked.instrument_id,
                tracked.client_order_id,
                VenueOrderId(order.order_id),
                "not cancelled by Delta's batch cancel (no reason given); the order is still open",
                self._clock.timestamp_ns(),
            )

    # -- venue state -> events -------------------------------------------------------------------------------------

    def _track_cached(self, order: Order) -> TrackedOrder:
        """Track an order the cache knows but this session has not tracked (restart, reconciliation)."""
        tracked = self._track(order, self._ids.add(order.client_order_id))
        tracked.accepted = order.status not in (OrderStatus.INITIALIZED, OrderStatus.SUBMITTED)
        tracked.triggered = order.status == OrderStatus.TRIGGERED
        tracked.closed = order.is_closed
        tracked.filled = int(order.filled_qty.as_decimal())
        tracked.venue_filled = tracked.filled
        tracked.fill_ids.update(trade_id.value for trade_id in order.trade_ids)
        if order.venue_order_id is not None:
            tracked.venue_order_id = order.venue_order_id.value
            tracked.reported_id = tracked.venue_order_id
            if "-" in order.venue_order_id.value:  # a bracket placeholder id
                tracked.placeholder = True
            self._tracker.add(tracked)
        return tracked

    def _tracked_for(self, venue_order_id: str | None, delta_cid: str | None) -> TrackedOrder | None:
        tracked = self._tracker.find(venue_order_id, delta_cid)
        if tracked is not None:
            return tracked
        client_order_id = self._ids.to_nautilus(delta_cid)
        order = self._cache.order(client_order_id) if client_order_id is not None else None
        if order is None and venue_order_id is not None:
            cached_id = self._cache.client_order_id(VenueOrderId(venue_order_id))
            order = self._cache.order(cached_id) if cached_id is not None else None
        return self._track_cached(order) if order is not None else None

    def _apply_order(self, order: VenueOrder, *, force_update: bool = False, snapshot: bool = False) -> None:
        """
        Apply one venue report of an order (REST reply, socket event, look-up).

        An order neither tracked nor in the cache is a bracket leg of a tracked entry, or an external order
        (placed outside this node). Snapshot entries of external orders are left to REST reconciliation (the
        engine's at start, ours after a reconnect), which reports them with their fills.
        """
        instrument = self._instrument_of(order)
        tracked = self._tracked_for(order.order_id, order.client_order_id)
        if tracked is None:
            leg = self._tracker.match_leg(order, instrument.id) if instrument is not None else None
            if leg is not None:
                self._log.info(f"Bracket leg {order.order_id} ({order.stop_order_type}) is {leg.client_order_id!r}")
                self._emit(leg, self._tracker.link_leg(leg, order), order.ts_event)
                return
            if snapshot or instrument is None:
                return
            tracked = self._adopt_external(order, instrument)
            if tracked is None:
                return
        if tracked.closed and order.state in ("open", "pending"):
            return
        self._emit(tracked, self._tracker.apply(tracked, order, force_update=force_update), order.ts_event)

    def _adopt_external(self, order: VenueOrder, instrument: Instrument) -> TrackedOrder | None:
        """
        Hand an external order to the engine as working and unfilled, then track it like our own.

        Reporting it unfilled keeps its fills for the fill path (real trade ids and commissions, exactly once):
        the engine would otherwise infer fills from the report's filled quantity and the real fills would then
        count twice.
        """
        if order.state is None or order.size is None:
            return None
        working = order._replace(
            state="pending" if order.state == "pending" else "open",
            unfilled_size=order.size,
            average_fill_price=None,
        )
        try:
            report = order_status_report(
                working,
                instrument,
                self.account_id,
                self._ids.to_nautilus(order.client_order_id),
                self._clock.timestamp_ns(),
            )
        except ValueError as e:
            self._log.warning(f"Cannot report external Delta order {order.order_id}: {e}")
            return None
        self._log.info(f"External Delta order {order.order_id} ({order.state}) reported to the engine")
        self._send_order_status_report(report)
        cached_id = self._cache.client_order_id(VenueOrderId(order.order_id))
        cached = self._cache.order(cached_id) if cached_id is not None else None
        return self._track_cached(cached) if cached is not None else None

    def _emit(self, tracked: TrackedOrder, steps: list[Step], ts_event: int | None) -> None:
        ts = ts_event or self._clock.timestamp_ns()
        instrument = self._cache.instrument(tracked.instrument_id)
        key = tracked.client_order_id.value
        cached = self._cache.order(tracked.client_order_id)
        if cached is not None and cached.is_closed:
            # Closed by the engine itself (startup reconciliation of an order this client also tracks): only
            # fills may still apply to it.
            tracked.closed = True
            steps = [step for step in steps if isinstance(step, FillsMissing)]
        for step in steps:
            if isinstance(step, Accepted):
                self.generate_order_accepted(
                    tracked.strategy_id,
                    tracked.instrument_id,
                    tracked.client_order_id,
                    VenueOrderId(step.venue_order_id),
                    ts,
                )
                tracked.reported_id = step.venue_order_id
                self._accept_children(tracked, step.venue_order_id, ts)
            elif isinstance(step, Triggered):
                self.generate_order_triggered(
                    tracked.strategy_id,
                    tracked.instrument_id,
                    tracked.client_order_id,
                    _reported(tracked),
                    ts,
                )
            elif isinstance(step, Updated):
                venue_id = tracked.venue_order_id or tracked.reported_id or ""
                self.generate_order_updated(
                    tracked.strategy_id,
                    tracked.instrument_id,
                    tracked.client_order_id,
                    VenueOrderId(venue_id),
                    instrument.make_qty(step.quantity),
                    make_price(instrument, step.price) if step.price is not None else None,
                    make_price(instrument, step.trigger_price) if step.trigger_price is not None else None,
                    ts,
                    step.venue_order_id_modified or venue_id != tracked.reported_id,
                )
                tracked.reported_id = venue_id
                tracked.id_unreported = False
            elif isinstance(step, Canceled):
                self.generate_order_canceled(
                    tracked.strategy_id,
                    tracked.instrument_id,
                    tracked.client_order_id,
                    _reported(tracked),
                    ts,
                )
                self._cancel_placeholder_children(tracked, ts)
            elif isinstance(step, FillsMissing):
                self._schedule_fill_recovery(tracked)
        if tracked.closed:
            self._risk.order_closed(key)
        elif tracked.accepted and not tracked.placeholder:
            self._risk.order_opened(
                key,
                tracked.instrument_id.symbol.value,
                "buy" if tracked.side == OrderSide.BUY else "sell",
                tracked.open_size,
            )

    def _accept_children(self, parent: TrackedOrder, venue_order_id: str, ts: int) -> None:
        for child_id in parent.children:
            child = self._tracker.get(child_id)
            if child is None or child.accepted or not child.placeholder:
                continue
            child.accepted = True
            child.venue_order_id = f"{venue_order_id}-{_LEG_SUFFIX.get(child.leg_type or '', 'LEG')}"
            child.reported_id = child.venue_order_id
            self.generate_order_accepted(
                child.strategy_id,
                child.instrument_id,
                child.client_order_id,
                VenueOrderId(child.venue_order_id),
                ts,
            )

    def _cancel_placeholder_children(self, parent: TrackedOrder, ts: int) -> None:
        if parent.filled:
            return
        for child_id in parent.children:
            child = self._tracker.get(child_id)
            if child is None or child.closed or not child.placeholder:
                continue
            self._tracker.close(child)
            self.generate_order_canceled(
                child.strategy_id,
                child.instrument_id,
                child.client_order_id,
                _reported(child),
                ts,
            )

    # -- fills -----------------------------------------------------------------------------------------------------

    def _apply_fill(self, tracked: TrackedOrder, instrument: Instrument, fill: _Fill) -> None:
        fill_id, venue_order_id, size, price, liquidity_side, fee, ts_event = fill
        cached = self._cache.order(tracked.client_order_id)
        if cached is not None and fill_id not in tracked.fill_ids and TradeId(fill_id) in cached.trade_ids:
            # Applied by the engine's reconciliation (a mass status fill report): count it, emit nothing.
            tracked.fill_ids.add(fill_id)
            tracked.filled += size
            tracked.venue_filled = max(tracked.venue_filled, tracked.filled)
            return
        if tracked.reported_id is not None and tracked.reported_id != venue_order_id:
            # A leg filled before its id was reported: report it first (fills carry the real id).
            tracked.venue_order_id = venue_order_id
            self._emit(tracked, [Updated(tracked.quantity, tracked.price, tracked.trigger_price, True)], ts_event)
        steps = self._tracker.fill(tracked, fill_id, size, venue_order_id)
        for step in steps:
            if isinstance(step, Filled):
                self.generate_order_filled(
                    tracked.strategy_id,
                    tracked.instrument_id,
                    tracked.client_order_id,
                    VenueOrderId(venue_order_id),
                    None,
                    TradeId(fill_id),
                    tracked.side,
                    tracked.order_type,
                    instrument.make_qty(size),
                    make_price(instrument, price),
                    instrument.quote_currency,
                    fee,
                    liquidity_side,
                    ts_event,
                )
            else:
                self._emit(tracked, [step], ts_event)
        if steps:
            self._emit(tracked, [], ts_event)

    def _on_trade(self, detail: dict[str, Any], ts_init: int) -> None:
        instrument = self._by_symbol.get(detail.get("symbol") or "")
        if instrument is None:
            return
        fill_id = str(detail["fill_id"])
        venue_order_id = str(detail["order_id"])
        size = int(detail["size"])
        price = str(detail["price"])
        liquidity_side = parse_liquidity_side(detail["role"])
        ts_us = detail.get("timestamp_us")
        ts_event = int(ts_us) * _NANOS_PER_MICRO if ts_us is not None else ts_init
        if ts_us is not None:
            self._last_fill_us = max(self._last_fill_us or 0, int(ts_us))
        legacy_fee = detail.get("commission")
        fee = (
            money(Decimal(str(legacy_fee)), instrument)
            if legacy_fee not in (None, "")
            else commission(instrument, size, Decimal(price), liquidity_side)
        )
        if detail.get("position_size") is not None:
            self._risk.set_position(instrument.id.symbol.value, int(detail["position_size"]))
        tracked = self._tracked_for(venue_order_id, detail.get("client_order_id"))
        if tracked is None:
            self._send_fill_report(
                FillReport(
                    account_id=self.account_id,
                    instrument_id=instrument.id,
                    venue_order_id=VenueOrderId(venue_order_id),
                    trade_id=TradeId(fill_id),
                    order_side=OrderSide.BUY if detail.get("side") == "buy" else OrderSide.SELL,
                    last_qty=instrument.make_qty(size),
                    last_px=make_price(instrument, price),
                    commission=fee,
                    liquidity_side=liquidity_side,
                    report_id=UUID4(),
                    ts_event=ts_event,
                    ts_init=ts_init,
                    client_order_id=self._ids.to_nautilus(detail.get("client_order_id")),
                ),
            )
            return
        self._apply_fill(
            tracked, instrument, _Fill(fill_id, venue_order_id, size, price, liquidity_side, fee, ts_event)
        )

    def _apply_rest_fill(self, fill: dict[str, Any]) -> None:
        product_id = fill.get("product_id")
        instrument = self._by_product.get(int(product_id)) if product_id is not None else None
        if instrument is None:
            instrument = self._by_symbol.get(fill.get("product_symbol") or "")
        if instrument is None:
            return
        venue_order_id = str(fill["order_id"])
        ts_event = timestamp_ns(fill.get("created_at")) or self._clock.timestamp_ns()
        self._last_fill_us = max(self._last_fill_us or 0, ts_event // _NANOS_PER_MICRO)
        tracked = self._tracked_for(venue_order_id, fill.get("client_order_id"))
        if tracked is None:
            # An order neither tracked nor in the cache (an earlier session's): the engine's reconciliation
            # reports it with its fills; a fill without its order would only be refused.
            self._log.debug(f"Fill {fill.get('id')} of unknown Delta order {venue_order_id} skipped")
            return
        report = fill_report(fill, instrument, self.account_id, None, self._clock.timestamp_ns())
        applied = _Fill(
            report.trade_id.value,
            venue_order_id,
            int(fill["size"]),
            str(fill["price"]),
            report.liquidity_side,
            report.commission,
            ts_event,
        )
        self._apply_fill(tracked, instrument, applied)

    def _schedule_fill_recovery(self, tracked: TrackedOrder) -> None:
        if tracked.client_order_id in self._fill_recovery:
            return
        self._fill_recovery.add(tracked.client_order_id)
        self._spawn(self._recover_fills(tracked), name=f"recover fills of {tracked.client_order_id}")

    async def _recover_fills(self, tracked: TrackedOrder) -> None:
        """When fills the venue counted have not arrived on the socket in time, fetch them from REST."""
        try:
            await asyncio.sleep(_FILL_RECOVERY_DELAY_SECS)
            if tracked.filled >= tracked.venue_filled or tracked.venue_order_id is None:
                return
            self._log.warning(
                f"{tracked.client_order_id!r}: Delta counts {tracked.venue_filled} filled, {tracked.filled} seen: "
                "fetching its fills",
            )
            fills = await self._http.fills([self._product_ids[tracked.instrument_id]], None)
            for fill in sorted(fills, key=lambda f: timestamp_ns(f.get("created_at")) or 0):
                if str(fill.get("order_id")) == tracked.venue_order_id:
                    self._apply_rest_fill(fill)
        finally:
            self._fill_recovery.discard(tracked.client_order_id)

    # -- private socket --------------------------------------------------------------------------------------------

    def _on_private_batch(self, batch: list[tuple]) -> None:
        for item in batch:
            try:
                kind = item[0]
                if kind == _native.KIND_PRIVATE:
                    self._on_private(item[1], item[2], item[3])
                elif kind == _native.KIND_LIFECYCLE:
                    self._on_lifecycle(item[1], item[2])
            except Exception as e:
                self._log.exception(f"Error handling private event {item[:2]!r}", e)

    def _on_private(self, channel: str, detail: dict[str, Any], ts_init: int) -> None:
        if channel == "orders":
            if detail.get("action") == "snapshot_end":
                if self._wallet_refresh_due:
                    # Subscriptions are live now: a wallet change from here on arrives on `margins`; one
                    # fetch closes the window between the connect-time fetch (or a reconnect) and this point.
                    self._wallet_refresh_due = False
                    self._spawn(self._update_account_state(), name="wallet after subscribing")
                return
            self._apply_order(venue_order(detail), snapshot=detail.get("action") == "snapshot")
        elif channel in ("v2/user_trades", "user_trades"):
            self._on_trade(detail, ts_init)
        elif channel == "positions":
            self._on_position(detail)
        elif channel == "margins":
            self._on_margins(detail)
        elif channel == "mmp_trigger":
            self._on_mmp_trigger(detail)

    def _on_lifecycle(self, name: str, detail: dict[str, Any]) -> None:
        if name == "connected":
            self._wallet_refresh_due = True
            self._log.info(f"Private socket connected: {detail}")
        elif name == "gap":
            self._log.warning(f"Private {detail.get('channel')} sequence gap {detail}: reconciling from REST")
            self._schedule_reconcile(f"gap on {detail.get('channel')} {detail.get('symbol')}")
        elif name in ("reconnected", "resubscribed"):
            self._log.info(f"Private socket {name}: reconciling from REST")
            self._schedule_reconcile(name)
        elif name in ("subscription_error", "auth_failed"):
            self._log.error(f"Private socket {name}: {detail}")
        elif name == "disconnected":
            if self._ws is not None:
                self._log.warning(f"Private socket disconnected: {detail}")
        elif name == "decode_error":
            self._log.warning(f"Undecodable private frame on {detail.get('channel')}: {detail.get('message')}")
        else:
            self._log.debug(f"Private socket {name}: {detail}")

    def _on_position(self, detail: dict[str, Any], *, check: bool = True) -> None:
        instrument = self._by_symbol.get(detail.get("symbol") or "")
        if instrument is None and detail.get("product_id") is not None:
            instrument = self._by_product.get(int(detail["product_id"]))
        if instrument is None or detail.get("size") is None:
            return
        size = int(detail["size"])
        entry = detail.get("entry_price")
        self._venue_positions[instrument.id] = (size, str(entry) if entry not in (None, "") else None)
        self._risk.set_position(instrument.id.symbol.value, size)
        if check and instrument.id not in self._position_checks:
            self._position_checks.add(instrument.id)
            self._spawn(self._check_position(instrument.id), name=f"position check {instrument.id}")

    async def _check_position(self, instrument_id: InstrumentId) -> None:
        """Compare Nautilus's net position with Delta's a moment after a position event; warn on a mismatch."""
        try:
            await asyncio.sleep(_POSITION_CHECK_DELAY_SECS)
        finally:
            self._position_checks.discard(instrument_id)
        venue = self._venue_positions.get(instrument_id, (0, None))[0]
        node = sum(
            p.signed_decimal_qty() for p in self._cache.positions_open(venue=self.venue, instrument_id=instrument_id)
        )
        if Decimal(venue) != node:
            self._log.warning(f"Position mismatch on {instrument_id}: Delta {venue}, Nautilus {node}")

    def _on_margins(self, detail: dict[str, Any]) -> None:
        asset = detail.get("asset_symbol")
        if not asset:
            return
        self._wallets[asset] = detail
        self._wallet_versions[asset] = self._wallet_versions.get(asset, 0) + 1
        self._emit_account_state()
        if self._delta_config.daily_loss_limit is not None:
            self._spawn(self._refresh_equity(), name="equity for the daily loss limit")

    async def _refresh_equity(self) -> None:
        """Refresh the marks of the open positions (one fetch per second at most), then the risk engine's equity."""
        for instrument_id, (size, _) in list(self._venue_positions.items()):
            instrument = self._cache.instrument(instrument_id)
            if size and instrument is not None:
                try:
                    await self._refresh_mark(instrument)
                except _native.DeltaError as e:
                    self._log.warning(f"Could not fetch the mark of {instrument_id} for the equity: {e!r}")
        self._update_equity()

    def _on_mmp_trigger(self, detail: dict[str, Any]) -> None:
        asset = str(detail.get("asset"))
        frozen_till_us = detail.get("frozen_till_us")
        until_ns = None if frozen_till_us is None or int(frozen_till_us) < 0 else int(frozen_till_us) * _NANOS_PER_MICRO
        now = self._clock.timestamp_ns()
        self._risk.freeze_mmp(asset, until_ns)
        self._log.warning(f"MMP triggered on {asset}: quotes frozen until {until_ns or 'a manual reset'}")
        self._msgbus.publish(MMP_TOPIC, DeltaMmpTriggered(asset, until_ns, now, now))
        previous = self._thaw_tasks.pop(asset, None)
        if previous is not None:
            previous.cancel()
        if until_ns is not None:
            self._thaw_tasks[asset] = self._spawn(self._thaw_at(asset, until_ns), name=f"MMP thaw {asset}")

    async def _thaw_at(self, asset: str, until_ns: int) -> None:
        await asyncio.sleep(max(until_ns - self._clock.timestamp_ns(), 0) / _NANOS_PER_SECOND)
        self._thaw_tasks.pop(asset, None)
        self._thaw(asset)

    def _thaw(self, asset: str) -> None:
        self._risk.thaw_mmp(asset)
        self._log.info(f"MMP freeze on {asset} ended", LogColor.GREEN)
        self._msgbus.publish(MMP_TOPIC, DeltaMmpThawed(asset, self._clock.timestamp_ns()))

    async def reset_mmp(self, asset: str) -> None:
        """
        Reset Delta's MMP freeze on ``asset`` (``PUT /v2/users/reset_mmp``) and resume quoting.

        Raises
        ------
        ValueError
            If no ``mmp_group`` is configured.
        DeltaError
            If Delta refuses the reset.

        """
        group = self._delta_config.mmp_group
        if group is None:
            raise ValueError(
                "reset_mmp needs an MMP group: set mmp_group ('mmp1' .. 'mmp5') in DeltaExchangeExecClientConfig",
            )
        await self._http.reset_mmp({"asset": asset, "mmp": group})
        task = self._thaw_tasks.pop(asset, None)
        if task is not None:
            task.cancel()
        self._thaw(asset)

    # -- reconciliation --------------------------------------------------------------------------------------------

    def _schedule_reconcile(self, why: str) -> None:
        if self._reconcile_task is not None and not self._reconcile_task.done():
            return
        self._reconcile_task = self._spawn(self._reconcile(why), name=f"reconcile ({why})")

    async def _reconcile(self, why: str) -> None:
        """
        Bring the orders, fills and positions up to date from REST after a reconnect or a sequence gap.

        Everything goes through the same de-duplicating path as socket events, so a fill or cancel the socket
        missed is emitted exactly once. A failed REST call is logged as an error (the account is not treated
        as flat).
        """
        product_ids = sorted(set(self._product_ids.values()))
        try:
            # One second of overlap: fills already applied are dropped by their ids.
            last = self._last_fill_us
            start_us = last - 1_000_000 if last is not None else self._history_start_us(None)
            fills = await self._fetch_fills(product_ids, start_us)
            for fill in sorted(fills, key=lambda f: timestamp_ns(f.get("created_at")) or 0):
                self._apply_rest_fill(fill)
            open_orders = await self._fetch_open_orders(product_ids)
            open_ids = set()
            for order in open_orders:
                view = venue_order(order)
                open_ids.add(view.order_id)
                self._apply_order(view)
            for tracked in self._tracker.open_orders():
                if tracked.accepted and not tracked.placeholder and tracked.venue_order_id not in open_ids:
                    await self._refresh_order(tracked)
            positions = await self._http.positions()
            for position in positions:
                self._on_position({**position, "symbol": position.get("product_symbol")})
            await self._update_account_state()
        except Exception as e:
            self._log.error(f"Reconciliation after {why} failed: {e!r}; state may be stale until the next one")
            return
        self._reconciliations += 1
        self._log.info(
            f"Reconciled after {why}: {len(fills)} fills, {len(open_orders)} open orders, {len(positions)} positions",
            LogColor.GREEN,
        )

    async def _fetch_open_orders(self, product_ids: list[int]) -> list[dict[str, Any]]:
        orders: list[dict[str, Any]] = []
        for chunk in _chunks(product_ids, 10):
            orders.extend(await self._http.open_orders(chunk))
        return orders

    async def _fetch_fills(self, product_ids: list[int], start_us: int | None) -> list[dict[str, Any]]:
        fills: list[dict[str, Any]] = []
        for chunk in _chunks(product_ids, 10):
            fills.extend(await self._http.fills(chunk, start_us))
        return fills

    # -- reports ---------------------------------------------------------------------------------------------------

    def _client_order_id_of(self, order: VenueOrder) -> ClientOrderId | None:
        tracked = self._tracker.find(order.order_id, order.client_order_id)
        if tracked is not None:
            return tracked.client_order_id
        client_order_id = self._ids.to_nautilus(order.client_order_id)
        if client_order_id is None:
            client_order_id = self._cache.client_order_id(VenueOrderId(order.order_id))
        return client_order_id

    def _report_of(self, raw: dict[str, Any]) -> OrderStatusReport | None:
        order = venue_order(raw)
        instrument = self._instrument_of(order)
        if instrument is None:
            return None
        return order_status_report(
            order,
            instrument,
            self.account_id,
            self._client_order_id_of(order),
            self._clock.timestamp_ns(),
        )

    async def generate_order_status_report(self, command: GenerateOrderStatusReport) -> OrderStatusReport | None:
        """Look one order up by Delta order id, else by client order id; None when Delta has no such order."""
        tracked = self._tracker.get(command.client_order_id) if command.client_order_id is not None else None
        if tracked is not None and tracked.placeholder:
            return None  # a bracket leg Delta has not created yet: nothing to look up
        try:
            if command.venue_order_id is not None and command.venue_order_id.value.isdigit():
                raw = await self._http.order(int(command.venue_order_id.value))
            elif command.client_order_id is not None:
                raw = await self._http.order_by_client_order_id(self._ids.add(command.client_order_id))
            else:
                self._log.error("Cannot generate an order status report without a client or venue order id")
                return None
        except Exception as e:
            if _is_not_found(e):
                self._log.warning(f"Delta has no order {command.venue_order_id or command.client_order_id}")
                return None
            raise
        report = self._report_of(raw)
        if report is not None and report.client_order_id is None and command.client_order_id is not None:
            report.client_order_id = command.client_order_id
        return report

    async def generate_order_status_reports(self, command: GenerateOrderStatusReports) -> list[OrderStatusReport]:
        """Open orders, plus (``open_only`` False) the order history in ``[start, end]``; REST failures raise."""
        product_ids = self._report_product_ids(command.instrument_id)
        raws = await self._fetch_open_orders(product_ids)
        if not command.open_only:
            start_us = self._history_start_us(command.start)
            end_us = _micros(command.end)
            for chunk in _chunks(product_ids, 10):
                raws.extend(await self._http.order_history(chunk, start_us, end_us))
        reports = []
        seen = set()
        for raw in raws:
            report = self._report_of(raw)
            if report is not None and report.venue_order_id not in seen:
                seen.add(report.venue_order_id)
                reports.append(report)
        self._log.info(f"Generated {len(reports)} order status reports")
        return reports

    async def generate_fill_reports(self, command: GenerateFillReports) -> list[FillReport]:
        """Return the fills since ``start`` (of one instrument / Delta order); REST failures raise."""
        product_ids = self._report_product_ids(command.instrument_id)
        fills = await self._fetch_fills(product_ids, self._history_start_us(command.start))
        end_ns = dt_to_unix_nanos(command.end) if command.end is not None else None
        reports = []
        ts_init = self._clock.timestamp_ns()
        for fill in fills:
            if command.venue_order_id is not None and str(fill["order_id"]) != command.venue_order_id.value:
                continue
            product_id = fill.get("product_id")
            instrument = self._by_product.get(int(product_id)) if product_id is not None else None
            if instrument is None:
                continue
            report = fill_report(fill, instrument, self.account_id, None, ts_init)
            if end_ns is not None and report.ts_event > end_ns:
                continue
            tracked = self._tracker.find(report.venue_order_id.value, None)
            report.client_order_id = (
                tracked.client_order_id if tracked else self._cache.client_order_id(report.venue_order_id)
            )
            ts_us = report.ts_event // _NANOS_PER_MICRO
            self._last_fill_us = max(self._last_fill_us or 0, ts_us)
            reports.append(report)
        self._log.info(f"Generated {len(reports)} fill reports")
        return reports

    async def generate_position_status_reports(
        self,
        command: GeneratePositionStatusReports,
    ) -> list[PositionStatusReport]:
        """Margined positions (a FLAT report for a requested instrument Delta lists none for); failures raise."""
        ts = self._clock.timestamp_ns()
        if command.instrument_id is not None:
            instrument = await self._instrument(command.instrument_id)
            if instrument is None:
                return []
            position = await self._http.position(self._product_ids[instrument.id])
            size = int(position.get("size") or 0)
            entry = position.get("entry_price")
            return [
                position_status_report(
                    size, entry, instrument=instrument, account_id=self.account_id, ts_last=ts, ts_init=ts
                )
            ]
        reports = []
        for position in await self._http.positions():
            product_id = position.get("product_id")
            instrument = self._by_product.get(int(product_id)) if product_id is not None else None
            if instrument is None:
                continue
            size = int(position.get("size") or 0)
            entry = position.get("entry_price")
            self._venue_positions[instrument.id] = (size, str(entry) if entry else None)
            self._risk.set_position(instrument.id.symbol.value, size)
            reports.append(
                position_status_report(
                    size, entry, instrument=instrument, account_id=self.account_id, ts_last=ts, ts_init=ts
                )
            )
        self._log.info(f"Generated {len(reports)} position status reports")
        return reports

    def _history_start_us(self, start: pd.Timestamp | None) -> int:
        """
        Start of an order-history or fill query: ``start``, else ``_DEFAULT_LOOKBACK_DAYS`` ago.

        Without a bound a first start on a long-lived account would page through its whole history (50 rows per
        request) against the REST quota; set ``reconciliation_lookback_mins`` on the exec engine to choose.
        """
        if start is not None:
            return int(dt_to_unix_nanos(start)) // _NANOS_PER_MICRO
        now_ns: int = self._clock.timestamp_ns()
        return (now_ns - _DEFAULT_LOOKBACK_DAYS * 86_400 * _NANOS_PER_SECOND) // _NANOS_PER_MICRO

    def _report_product_ids(self, instrument_id: InstrumentId | None) -> list[int]:
        if instrument_id is not None:
            product_id = self._product_ids.get(instrument_id)
            if product_id is None:
                raise ValueError(
                    f"{instrument_id} is not a loaded Delta instrument: load it through instrument_provider "
                    "(load_ids or load_all) or ask for reports of all instruments",
                )
            return [product_id]
        return sorted(set(self._product_ids.values()))


def _answered_by_delta(error: Exception) -> bool:
    """Whether ``error`` is Delta's own answer to an order request: an explicit rejection other than a 429."""
    return _is_explicit_rejection(error) and not isinstance(error, _native.DeltaRateLimitError)


def _circuit_failure(error: Exception) -> str | None:
    """
    Say why a failed order request counts against the circuit breaker; None when it does not (nothing was sent).

    Failures: HTTP 429 or 5xx (Delta's maintenance 503 included), an unknown outcome, a timeout or transport error.
    """
    if isinstance(error, _native.DeltaApiError):
        return f"HTTP {getattr(error, 'status', None)} {getattr(error, 'code', None)}"
    if isinstance(error, _native.DeltaOrderStateUnknownError):
        return f"outcome unknown ({_short(error)})"
    if isinstance(error, _native.DeltaRiskError):
        return None
    if isinstance(error, _native.DeltaError):
        return _short(error)
    return None


def _short(error: Exception, limit: int = 200) -> str:
    """``error`` as one short line."""
    text = " ".join(str(error).split()) or type(error).__name__
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _is_true(value: Any) -> bool:
    """Delta's flag (``"true"``/``"false"`` strings, or booleans)."""
    return value is True or str(value).strip().lower() == "true"


def _reported(tracked: TrackedOrder) -> VenueOrderId:
    """Return the venue order id Nautilus knows for ``tracked`` (a bracket placeholder until its leg's is known)."""
    return VenueOrderId(tracked.reported_id or tracked.venue_order_id or "")


def _risk_limits_of(config: DeltaExchangeExecClientConfig | DeltaInstrumentRiskLimits) -> dict[str, Any]:
    """Return the native risk engine's limits dict of the account config or of one instrument's overrides."""
    limits: dict[str, Any] = {}
    for name, kind in _RISK_LIMIT_KEYS:
        value = getattr(config, name, None)
        if value is not None:
            limits[name] = kind(value)
    return limits


def _not_loaded(instrument_id: InstrumentId) -> str:
    return f"instrument {instrument_id} is not loaded and Delta has no such product (or could not be reached)"


def _micros(value: pd.Timestamp | None) -> int | None:
    return None if value is None else dt_to_unix_nanos(value) // _NANOS_PER_MICRO


def _chunks(values: list[int], size: int) -> Iterable[list[int] | None]:
    """``values`` in lists of at most ``size`` (Delta's ``product_ids`` limit); ``[None]`` (no filter) when empty."""
    if not values:
        return [None]
    return [values[start : start + size] for start in range(0, len(values), size)]
