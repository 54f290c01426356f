"""
The Delta Exchange market data client for Nautilus Trader.

Streaming data comes from Delta's public socket through the native ``WsClient``: it checks book sequences and
checksums, resubscribes a book after a gap or a reconnect and delivers batches of plain tuples on the event
loop thread, which :class:`~delta_exchange.parsing.BatchDecoder` turns into Nautilus objects. History and
one-off requests go through the native ``HttpClient``.

Order books: ``OrderBookDeltas`` of the full book come from the incremental ``ob_updates``; a book subscription
with a depth of 1 to 15 (``command.depth`` or the config's ``book_depth``) instead takes Delta's ``ob_l2``
(the best 15 levels every 500 ms) as snapshot deltas cut to that depth, and ``OrderBookDepth10`` comes from
``ob_l2`` too. One instrument's ``OrderBookDeltas`` always come from one of the two streams (the first book
subscription chooses), while its ``OrderBookDepth10`` may stream alongside.

Channel subscriptions are reference counted per ``(channel, symbol)``: book deltas and book snapshots share their
book channel, depth-limited deltas and ``OrderBookDepth10`` share ``ob_l2``, instruments on the same index share
``spot_price``, and every instrument status subscription shares ``system_status``, so each socket subscription is
sent once and removed only with its last user.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from datetime import datetime
from typing import Any

import pandas as pd
from nautilus_trader.cache.cache import Cache
from nautilus_trader.common.component import LiveClock, MessageBus
from nautilus_trader.common.enums import LogColor
from nautilus_trader.core.datetime import dt_to_unix_nanos
from nautilus_trader.data.messages import (
    RequestBars,
    RequestInstrument,
    RequestInstruments,
    RequestOrderBookSnapshot,
    RequestQuoteTicks,
    RequestTradeTicks,
    SubscribeBars,
    SubscribeFundingRates,
    SubscribeIndexPrices,
    SubscribeInstrument,
    SubscribeInstruments,
    SubscribeInstrumentStatus,
    SubscribeMarkPrices,
    SubscribeOrderBook,
    SubscribeQuoteTicks,
    SubscribeTradeTicks,
    UnsubscribeBars,
    UnsubscribeFundingRates,
    UnsubscribeIndexPrices,
    UnsubscribeInstrument,
    UnsubscribeInstruments,
    UnsubscribeInstrumentStatus,
    UnsubscribeMarkPrices,
    UnsubscribeOrderBook,
    UnsubscribeQuoteTicks,
    UnsubscribeTradeTicks,
)
from nautilus_trader.live.data_client import LiveMarketDataClient
from nautilus_trader.model.data import Bar, BarType, DataType, OrderBookDelta, OrderBookDeltas, TradeTick
from nautilus_trader.model.enums import AggressorSide, BookAction, BookType, OrderSide, RecordFlag
from nautilus_trader.model.identifiers import ClientId, InstrumentId, TradeId
from nautilus_trader.model.instruments import CryptoPerpetual, Instrument

from delta_exchange import _native
from delta_exchange.config import DeltaExchangeDataClientConfig
from delta_exchange.constants import DELTA_EXCHANGE, DELTA_EXCHANGE_VENUE, resolution_from_bar_spec, resolution_seconds
from delta_exchange.health import log_stats_periodically
from delta_exchange.parsing import KIND_BOOK, KIND_FUNDING, KIND_MARK_PRICE, KIND_QUOTE, KIND_TRADE, BatchDecoder
from delta_exchange.providers import DeltaExchangeInstrumentProvider

CH_BOOK = "ob_updates"
CH_BOOK_DEPTH = "ob_l2"
OB_L2_LEVELS = 15  # levels per side of each `ob_l2` snapshot
CH_QUOTES = "ob_l1"
CH_TRADES = "trades"
CH_MARK_PRICE = "mark_price"
CH_INDEX_PRICE = "spot_price"
CH_FUNDING = "funding_rate"
CH_STATUS = "system_status"
CANDLE_CHANNEL_PREFIX = "candlestick_"
_NO_SYMBOL = ""
_NANOS_PER_SECOND = 1_000_000_000
_NANOS_PER_MICRO = 1_000
_DEFAULT_BARS = 1_000


class DeltaExchangeDataClient(LiveMarketDataClient):
    """
    Provides a market data client for Delta Exchange (India and Global: perpetuals, futures, options).

    Parameters
    ----------
    loop : asyncio.AbstractEventLoop
        The event loop for the client.
    client : _native.HttpClient
        The Delta REST client (shared with the instrument provider).
    msgbus : MessageBus
        The message bus for the client.
    cache : Cache
        The cache for the client.
    clock : LiveClock
        The clock for the client.
    instrument_provider : DeltaExchangeInstrumentProvider
        The instrument provider.
    config : DeltaExchangeDataClientConfig
        The configuration for the client.
    name : str, optional
        The client id (``DELTA_EXCHANGE`` when ``None``).

    """

    def __init__(  # noqa: PLR0917 (the constructor signature every Nautilus data client factory uses)
        self,
        loop: asyncio.AbstractEventLoop,
        client: _native.HttpClient,
        msgbus: MessageBus,
        cache: Cache,
        clock: LiveClock,
        instrument_provider: DeltaExchangeInstrumentProvider,
        config: DeltaExchangeDataClientConfig,
        name: str | None = None,
    ) -> None:
        super().__init__(
            loop=loop,
            client_id=ClientId(name or DELTA_EXCHANGE),
            venue=DELTA_EXCHANGE_VENUE,
            msgbus=msgbus,
            cache=cache,
            clock=clock,
            instrument_provider=instrument_provider,
            config=config,
        )
        self._delta_config = config
        self._http = client
        self._provider = instrument_provider
        self._ws_url = config.resolved_urls()["ws_public"]
        self._ws: _native.WsClient | None = None
        self._decoder = BatchDecoder(self._handle_data, self._on_lifecycle)
        self._channel_refs: dict[tuple[str, str], int] = {}
        self._book_users: dict[InstrumentId, set[str]] = {}
        self._book_depths: dict[InstrumentId, int] = {}
        self._depth10: set[InstrumentId] = set()
        self._index_symbols: dict[InstrumentId, str] = {}
        self._bar_resolutions: dict[BarType, str] = {}
        self._gap_reasons: dict[str, str] = {}
        self._batch_errors = 0
        self._update_instruments_task: asyncio.Task | None = None
        self._stats_task: asyncio.Task | None = None
        self._log.info(f"environment={config.environment}, ws_public={self._ws_url}", LogColor.BLUE)

    @property
    def instrument_provider(self) -> DeltaExchangeInstrumentProvider:
        """The instrument provider of the client."""
        return self._provider

    @property
    def decoder(self) -> BatchDecoder:
        """The batch decoder (its ``stats`` count batches, skipped quotes and unrouted data)."""
        return self._decoder

    # -- connection -------------------------------------------------------------------------------------------

    async def _connect(self) -> None:
        await self._provider.initialize()
        for currency in self._provider.currencies().values():
            self._cache.add_currency(currency)
        for instrument in self._provider.get_all().values():
            self._decoder.add_instrument(instrument)
            self._handle_data(instrument)

        self._ws = _native.WsClient(
            self._ws_url,
            "public",
            heartbeat_timeout_secs=self._delta_config.heartbeat_timeout_secs,
            backoff_base_secs=self._delta_config.reconnect_backoff_base_secs,
            backoff_cap_secs=self._delta_config.reconnect_backoff_cap_secs,
            queue_capacity=self._delta_config.queue_capacity,
        )
        self._decoder.set_ws(self._ws)
        self._ws.connect(self._loop, self._on_batch)
        self._log.info(f"Public socket started ({self._ws_url})", LogColor.BLUE)

        interval = self._delta_config.update_instruments_interval_mins
        if interval:
            self._update_instruments_task = self.create_task(self._update_instruments(interval))
        stats_interval = self._delta_config.stats_log_interval_secs
        if stats_interval:
            self._stats_task = self.create_task(log_stats_periodically(stats_interval, self.stats, self._log))

    async def _disconnect(self) -> None:
        for task in (self._update_instruments_task, self._stats_task):
            if task is not None:
                task.cancel()
        self._update_instruments_task = None
        self._stats_task = None
        ws = self._ws
        if ws is None:
            return
        self._ws = None
        stats = ws.stats()
        await ws.close()
        self._log.info(
            f"Public socket closed: frames={stats.get('frames')} reconnects={stats.get('reconnects')} "
            f"gaps={stats.get('gaps')} resyncs={stats.get('resyncs')} decode_errors={stats.get('decode_errors')} "
            f"batches={stats.get('batches')} events={stats.get('events_delivered')} "
            f"queue_max_depth={stats.get('queue_max_depth')} lag_ns_max={stats.get('lag_ns_max')}; "
            f"decoder={self._decoder.stats} batch_errors={self._batch_errors}",
            LogColor.BLUE,
        )
        self._channel_refs.clear()
        self._book_users.clear()
        self._book_depths.clear()
        self._depth10.clear()

    def _on_batch(self, batch: list[tuple]) -> None:
        try:
            self._decoder.decode(batch)
        except Exception as exc:
            self._batch_errors += 1
            self._log.exception("Error decoding a socket batch", exc)

    def _on_lifecycle(self, name: str, detail: dict[str, Any], ts: int) -> None:
        log = self._log
        if name == "gap":
            symbol = str(detail.get("symbol"))
            reason = str(detail.get("reason"))
            self._gap_reasons[symbol] = reason
            log.warning(f"Book {symbol} gap on {detail.get('channel')}: {reason}; waiting for a fresh snapshot")
        elif name == "resynced":
            symbol = str(detail.get("symbol"))
            reason = self._gap_reasons.pop(symbol, "resubscribe")
            log.info(f"Book {symbol} rebuilt from snapshot (after {reason})", LogColor.GREEN)
        elif name == "disconnected":
            if self._ws is not None:
                log.warning(f"Public socket disconnected: {detail}")
        elif name == "reconnecting":
            log.info(f"Public socket reconnecting: {detail}")
        elif name in ("connected", "resubscribed"):
            log.info(f"Public socket {name}: {detail}")
        elif name == "decode_error":
            log.warning(f"Undecodable frame on {detail.get('channel')}: {detail.get('message')}")
        elif name in ("subscription_error", "auth_failed"):
            log.error(f"Public socket {name}: {detail}")
        else:
            log.debug(f"Public socket {name}: {detail}")

    # -- channel reference counting -----------------------------------------------------------------------------

    def _acquire(self, channel: str, symbol: str) -> None:
        key = (channel, symbol)
        count = self._channel_refs.get(key, 0)
        self._channel_refs[key] = count + 1
        if count == 0 and self._ws is not None:
            self._ws.subscribe(channel, [symbol] if symbol else [])

    def _release(self, channel: str, symbol: str) -> None:
        key = (channel, symbol)
        count = self._channel_refs.get(key, 0)
        if count <= 1:
            self._channel_refs.pop(key, None)
            if count == 1 and self._ws is not None:
                self._ws.unsubscribe(channel, [symbol] if symbol else [])
        else:
            self._channel_refs[key] = count - 1

    def ws_stats(self) -> dict[str, Any]:
        """Return the public socket's counters (frames, reconnects, gaps, resyncs, ...); empty when not connected."""
        return self._ws.stats() if self._ws is not None else {}

    def stats(self) -> dict[str, Any]:
        """
        Return the client's health figures as a plain dict.

        Returns
        -------
        dict[str, Any]
            ``ws``: the public socket's counters (frames, reconnects, decode errors by channel, gaps, resyncs,
            queue depth and lag, heartbeat age; empty when not connected); ``rest``: REST attempts by endpoint with
            outcome counts and latency percentiles, 429s and the rate-limit view; ``decoder``: batches, skipped
            quotes and unrouted data of the batch decoder; ``batch_errors``: batches that failed to decode.

        """
        return {
            "ws": self.ws_stats(),
            "rest": self._http.stats(),
            "decoder": dict(self._decoder.stats),
            "batch_errors": self._batch_errors,
        }

    def rotate_credentials(self, api_key: str, api_secret: str) -> None:
        """
        Sign REST requests with a new API key pair from the next one on, without a restart.

        The public socket needs no key, so market data is not interrupted. Call it on the node's event loop.

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
        self._log.info("API credentials rotated: REST signs with the new key")

    def channel_refs(self) -> dict[tuple[str, str], int]:
        """Return the socket subscriptions in use: ``(channel, symbol) -> number of users``."""
        return dict(self._channel_refs)

    async def _instrument(self, instrument_id: InstrumentId, what: str) -> Instrument | None:
        """Return the loaded instrument, loading it on demand (into the cache and the decoder) when missing."""
        instrument = self._provider.find(instrument_id)
        if instrument is None:
            await self._provider.load_async(instrument_id)
            instrument = self._provider.find(instrument_id)
            if instrument is None:
                self._log.error(f"Cannot serve {what} for {instrument_id}: Delta has no such product")
                return None
            for currency in self._provider.currencies().values():
                self._cache.add_currency(currency)
            self._decoder.add_instrument(instrument)
            self._handle_data(instrument)
        return instrument

    # -- instruments ------------------------------------------------------------------------------------------------

    async def _subscribe_instruments(self, command: SubscribeInstruments) -> None:
        for instrument in self._provider.get_all().values():
            self._handle_data(instrument)

    async def _subscribe_instrument(self, command: SubscribeInstrument) -> None:
        instrument = await self._instrument(command.instrument_id, "instrument updates")
        if instrument is not None:
            self._handle_data(instrument)

    async def _unsubscribe_instruments(self, command: UnsubscribeInstruments) -> None:
        """Instrument updates come from the periodic provider refresh, which keeps running."""

    async def _unsubscribe_instrument(self, command: UnsubscribeInstrument) -> None:
        """Instrument updates come from the periodic provider refresh, which keeps running."""

    async def _update_instruments(self, interval_mins: int) -> None:
        while True:
            await asyncio.sleep(interval_mins * 60)
            try:
                await self._refresh_instruments()
            except Exception as exc:
                self._log.warning(f"Instrument refresh failed: {exc!r}")

    async def _refresh_instruments(self) -> list[Instrument]:
        """Reload the provider and emit every instrument that is new or changed; return those."""
        before = {iid: _comparable(i) for iid, i in self._provider.get_all().items()}
        await self._provider.load_all_async()
        changed = [
            instrument
            for iid, instrument in self._provider.get_all().items()
            if before.get(iid) != _comparable(instrument)
        ]
        for currency in self._provider.currencies().values():
            self._cache.add_currency(currency)
        for instrument in changed:
            self._decoder.add_instrument(instrument)
            self._handle_data(instrument)
        if changed:
            self._log.info(f"Instrument refresh: {len(changed)} new or changed")
        return changed

    # -- order book ---------------------------------------------------------------------------------------------------

    async def _subscribe_order_book_deltas(self, command: SubscribeOrderBook) -> None:
        await self._subscribe_book(command, "deltas")

    async def _subscribe_order_book_snapshots(self, command: SubscribeOrderBook) -> None:
        await self._subscribe_book(command, "snapshots")

    async def _unsubscribe_order_book_deltas(self, command: UnsubscribeOrderBook) -> None:
        self._unsubscribe_book(command.instrument_id, "deltas")

    async def _unsubscribe_order_book_snapshots(self, command: UnsubscribeOrderBook) -> None:
        self._unsubscribe_book(command.instrument_id, "snapshots")

    def subscribe_order_book_depth(self, command: SubscribeOrderBook) -> None:
        """
        Subscribe to ``OrderBookDepth10`` for ``command.instrument_id`` (Delta's ``ob_l2``, every 500 ms).

        Nautilus 1.221's data engine calls this synchronously and checks ``subscribed_order_book_snapshots()``
        to avoid subscribing twice, so the subscription is recorded there, as the base class records its others.

        Parameters
        ----------
        command : SubscribeOrderBook
            The subscription (``book_data_type`` ``OrderBookDepth10``).

        """
        self._add_subscription_order_book_snapshots(command.instrument_id)
        self.create_task(
            self._subscribe_order_book_depth(command),
            log_msg=f"subscribe: order_book_depth {command.instrument_id}",
            success_msg=f"Subscribed {command.instrument_id} order book depth10",
            success_color=LogColor.BLUE,
        )

    def unsubscribe_order_book_depth(self, command: UnsubscribeOrderBook) -> None:
        """
        Unsubscribe from ``OrderBookDepth10`` for ``command.instrument_id``.

        Parameters
        ----------
        command : UnsubscribeOrderBook
            The unsubscription.

        """
        self._remove_subscription_order_book_snapshots(command.instrument_id)
        self.create_task(
            self._unsubscribe_order_book_depth(command),
            log_msg=f"unsubscribe: order_book_depth {command.instrument_id}",
            success_msg=f"Unsubscribed {command.instrument_id} order book depth10",
            success_color=LogColor.BLUE,
        )

    async def _subscribe_order_book_depth(self, command: SubscribeOrderBook) -> None:
        instrument_id = command.instrument_id
        if not self._is_l2(command, "depth10"):
            return
        if await self._instrument(instrument_id, "order book depth10") is None or instrument_id in self._depth10:
            return
        if command.depth and command.depth != 10:
            self._log.info(f"OrderBookDepth10 of {instrument_id} always carries 10 levels; depth={command.depth}")
        self._depth10.add(instrument_id)
        self._decoder.enable_depth10(instrument_id)
        self._acquire(CH_BOOK_DEPTH, instrument_id.symbol.value)

    async def _unsubscribe_order_book_depth(self, command: UnsubscribeOrderBook) -> None:
        instrument_id = command.instrument_id
        if instrument_id not in self._depth10:
            return
        self._depth10.discard(instrument_id)
        self._decoder.disable_depth10(instrument_id)
        self._release(CH_BOOK_DEPTH, instrument_id.symbol.value)

    def _is_l2(self, command: SubscribeOrderBook, what: str) -> bool:
        if command.book_type == BookType.L2_MBP:
            return True
        self._log.error(
            f"Cannot subscribe order book {what} for {command.instrument_id}: Delta publishes L2_MBP books "
            f"only, was {command.book_type.name}",
        )
        return False

    def _book_depth(self, instrument_id: InstrumentId, requested: int | None) -> int:
        """Return the depth of the instrument's deltas: 1..15 from ``ob_l2`` snapshots, 0 for full ``ob_updates``."""
        depth = requested or self._delta_config.book_depth or 0
        if 0 < depth <= OB_L2_LEVELS:
            self._log.info(
                f"Order book of {instrument_id} at depth {depth}: snapshots of the best {depth} levels every 500 ms "
                f"from Delta's `{CH_BOOK_DEPTH}` (no incremental updates)",
            )
            return depth
        if depth > OB_L2_LEVELS:
            self._log.info(
                f"Delta streams the full book for {instrument_id}: depth={depth} is beyond `{CH_BOOK_DEPTH}`'s "
                f"{OB_L2_LEVELS} levels, so `{CH_BOOK}` keeps every level",
            )
        return 0

    async def _subscribe_book(self, command: SubscribeOrderBook, user: str) -> None:
        instrument_id = command.instrument_id
        if not self._is_l2(command, user):
            return
        if await self._instrument(instrument_id, f"order book {user}") is None:
            return
        users = self._book_users.setdefault(instrument_id, set())
        if user in users:
            return
        depth = self._book_depth(instrument_id, command.depth)
        source = self._book_depths.setdefault(instrument_id, depth)
        if source != depth:
            self._log.warning(
                f"Order book {user} of {instrument_id} share the book already streaming at "
                f"{_describe_depth(source)} (requested {_describe_depth(depth)})",
            )
        users.add(user)
        if source:
            self._decoder.enable_depth_snapshots(instrument_id, source)
        else:
            self._decoder.enable(KIND_BOOK, instrument_id)
        self._acquire(CH_BOOK_DEPTH if source else CH_BOOK, instrument_id.symbol.value)

    def _unsubscribe_book(self, instrument_id: InstrumentId, user: str) -> None:
        users = self._book_users.get(instrument_id)
        if not users or user not in users:
            return
        users.discard(user)
        source = self._book_depths[instrument_id]
        if not users:
            del self._book_users[instrument_id]
            del self._book_depths[instrument_id]
            if source:
                self._decoder.disable_depth_snapshots(instrument_id)
            else:
                self._decoder.disable(KIND_BOOK, instrument_id)
        self._release(CH_BOOK_DEPTH if source else CH_BOOK, instrument_id.symbol.value)

    # -- symbol channels ----------------------------------------------------------------------------------------------

    async def _subscribe_symbol(self, kind: int, channel: str, instrument_id: InstrumentId, what: str) -> None:
        if await self._instrument(instrument_id, what) is None:
            return
        if self._decoder.enabled(kind, instrument_id):
            return
        self._decoder.enable(kind, instrument_id)
        self._acquire(channel, instrument_id.symbol.value)

    def _unsubscribe_symbol(self, kind: int, channel: str, instrument_id: InstrumentId) -> None:
        if not self._decoder.enabled(kind, instrument_id):
            return
        self._decoder.disable(kind, instrument_id)
        self._release(channel, instrument_id.symbol.value)

    async def _subscribe_quote_ticks(self, command: SubscribeQuoteTicks) -> None:
        await self._subscribe_symbol(KIND_QUOTE, CH_QUOTES, command.instrument_id, "quotes")

    async def _unsubscribe_quote_ticks(self, command: UnsubscribeQuoteTicks) -> None:
        self._unsubscribe_symbol(KIND_QUOTE, CH_QUOTES, command.instrument_id)

    async def _subscribe_trade_ticks(self, command: SubscribeTradeTicks) -> None:
        await self._subscribe_symbol(KIND_TRADE, CH_TRADES, command.instrument_id, "trades")

    async def _unsubscribe_trade_ticks(self, command: UnsubscribeTradeTicks) -> None:
        self._unsubscribe_symbol(KIND_TRADE, CH_TRADES, command.instrument_id)

    async def _subscribe_mark_prices(self, command: SubscribeMarkPrices) -> None:
        await self._subscribe_symbol(KIND_MARK_PRICE, CH_MARK_PRICE, command.instrument_id, "mark prices")

    async def _unsubscribe_mark_prices(self, command: UnsubscribeMarkPrices) -> None:
        self._unsubscribe_symbol(KIND_MARK_PRICE, CH_MARK_PRICE, command.instrument_id)

    async def _subscribe_funding_rates(self, command: SubscribeFundingRates) -> None:
        instrument = await self._instrument(command.instrument_id, "funding rates")
        if instrument is None:
            return
        if not isinstance(instrument, CryptoPerpetual):
            self._log.error(
                f"Cannot subscribe funding rates for {command.instrument_id}: only perpetuals have funding "
                f"({type(instrument).__name__})",
            )
            return
        await self._subscribe_symbol(KIND_FUNDING, CH_FUNDING, command.instrument_id, "funding rates")

    async def _unsubscribe_funding_rates(self, command: UnsubscribeFundingRates) -> None:
        self._unsubscribe_symbol(KIND_FUNDING, CH_FUNDING, command.instrument_id)

    async def _subscribe_index_prices(self, command: SubscribeIndexPrices) -> None:
        instrument_id = command.instrument_id
        if await self._instrument(instrument_id, "index prices") is None or instrument_id in self._index_symbols:
            return
        index_symbol = self._provider.index_symbol(instrument_id)
        if not index_symbol:
            self._log.error(f"Cannot subscribe index prices for {instrument_id}: the product names no spot index")
            return
        self._index_symbols[instrument_id] = index_symbol
        self._decoder.enable_index_prices(instrument_id, index_symbol)
        self._acquire(CH_INDEX_PRICE, index_symbol)

    async def _unsubscribe_index_prices(self, command: UnsubscribeIndexPrices) -> None:
        index_symbol = self._index_symbols.pop(command.instrument_id, None)
        if index_symbol is None:
            return
        self._decoder.disable_index_prices(command.instrument_id, index_symbol)
        self._release(CH_INDEX_PRICE, index_symbol)

    async def _subscribe_instrument_status(self, command: SubscribeInstrumentStatus) -> None:
        if await self._instrument(command.instrument_id, "instrument status") is None:
            return
        if command.instrument_id in self._decoder.status_instruments():
            return
        self._decoder.enable_status(command.instrument_id)
        self._acquire(CH_STATUS, _NO_SYMBOL)

    async def _unsubscribe_instrument_status(self, command: UnsubscribeInstrumentStatus) -> None:
        if command.instrument_id not in self._decoder.status_instruments():
            return
        self._decoder.disable_status(command.instrument_id)
        self._release(CH_STATUS, _NO_SYMBOL)

    # -- bars ---------------------------------------------------------------------------------------------------------

    def _resolution(self, bar_type: BarType, action: str) -> str | None:
        if not bar_type.is_externally_aggregated():
            self._log.error(f"Cannot {action} {bar_type}: Delta only serves EXTERNAL bars (use ...-EXTERNAL)")
            return None
        try:
            return resolution_from_bar_spec(bar_type.spec)
        except ValueError as exc:
            self._log.error(f"Cannot {action} {bar_type}: {exc}")
            return None

    async def _subscribe_bars(self, command: SubscribeBars) -> None:
        bar_type = command.bar_type
        resolution = self._resolution(bar_type, "subscribe bars")
        if resolution is None or bar_type in self._bar_resolutions:
            return
        if await self._instrument(bar_type.instrument_id, "bars") is None:
            return
        self._bar_resolutions[bar_type] = resolution
        self._decoder.enable_bars(bar_type, resolution)
        self._acquire(CANDLE_CHANNEL_PREFIX + resolution, bar_type.instrument_id.symbol.value)

    async def _unsubscribe_bars(self, command: UnsubscribeBars) -> None:
        resolution = self._bar_resolutions.pop(command.bar_type, None)
        if resolution is None:
            return
        self._decoder.disable_bars(command.bar_type, resolution)
        self._release(CANDLE_CHANNEL_PREFIX + resolution, command.bar_type.instrument_id.symbol.value)

    # -- requests -----------------------------------------------------------------------------------------------------

    async def _request_instruments(self, request: RequestInstruments) -> None:
        if request.start is not None or request.end is not None:
            self._log.warning(f"Requesting instruments for {request.venue}: `start`/`end` have no effect")
        self._handle_instruments(
            request.venue,
            list(self._provider.get_all().values()),
            request.id,
            request.start,
            request.end,
            request.params,
        )

    async def _request_instrument(self, request: RequestInstrument) -> None:
        if request.start is not None or request.end is not None:
            self._log.warning(f"Requesting instrument {request.instrument_id}: `start`/`end` have no effect")
        instrument = await self._instrument(request.instrument_id, "the instrument")
        if instrument is None:
            return
        self._handle_instrument(instrument, request.id, request.start, request.end, request.params)

    async def _request_quote_ticks(self, request: RequestQuoteTicks) -> None:
        self._log.error(
            f"Cannot request historical quotes for {request.instrument_id}: Delta publishes none; "
            "subscribe to quotes instead",
        )

    async def _request_trade_ticks(self, request: RequestTradeTicks) -> None:
        instrument = await self._instrument(request.instrument_id, "trades")
        if instrument is None:
            return
        rows = await self._http.public_trades(instrument.id.symbol.value)
        trades = trades_from_rest(instrument, rows, self._clock.timestamp_ns())
        start_ns = _nanos(request.start)
        end_ns = _nanos(request.end)
        trades = [
            t
            for t in trades
            if (start_ns is None or t.ts_event >= start_ns) and (end_ns is None or t.ts_event <= end_ns)
        ]
        if request.limit:
            trades = trades[-request.limit :]
        self._handle_trade_ticks(request.instrument_id, trades, request.id, request.start, request.end, request.params)

    async def _request_bars(self, request: RequestBars) -> None:
        bar_type = request.bar_type
        resolution = self._resolution(bar_type, "request bars")
        if resolution is None:
            return
        instrument = await self._instrument(bar_type.instrument_id, "bars")
        if instrument is None:
            return
        seconds = resolution_seconds(resolution)
        now_ns = self._clock.timestamp_ns()
        end_ns = min(_nanos(request.end) or now_ns, now_ns)
        start_ns = _nanos(request.start)
        if start_ns is None:
            start_ns = end_ns - (request.limit or _DEFAULT_BARS) * seconds * _NANOS_PER_SECOND
        if start_ns >= end_ns:
            self._handle_bars(bar_type, [], request.id, request.start, request.end, request.params)
            return
        start_s = start_ns // _NANOS_PER_SECOND
        end_s = -(-end_ns // _NANOS_PER_SECOND)
        candles = await self._http.candles(instrument.id.symbol.value, resolution, start_s, end_s)
        bars = bars_from_candles(
            bar_type, instrument, candles, resolution_secs=seconds, start_ns=start_ns, end_ns=end_ns, now_ns=now_ns
        )
        if request.limit:
            bars = bars[-request.limit :]
        self._handle_bars(bar_type, bars, request.id, request.start, request.end, request.params)

    async def _request_order_book_snapshot(self, request: RequestOrderBookSnapshot) -> None:
        instrument = await self._instrument(request.instrument_id, "a book snapshot")
        if instrument is None:
            return
        book = await self._http.orderbook(instrument.id.symbol.value, request.limit or None)
        deltas = deltas_from_rest_book(instrument, book, self._clock.timestamp_ns())
        data_type = DataType(OrderBookDeltas, metadata={"instrument_id": request.instrument_id})
        self._handle_data_response(data_type, [deltas], request.id, None, None, request.params)


# -- REST conversions (module functions so tests can check them on fixtures) ---------------------------------------


def _describe_depth(depth: int) -> str:
    return f"depth {depth} (`{CH_BOOK_DEPTH}` snapshots)" if depth else f"full depth (`{CH_BOOK}`)"


def _nanos(value: datetime | pd.Timestamp | None) -> int | None:
    return None if value is None else dt_to_unix_nanos(value)


def _raw(value: Any, precision: int) -> int:
    return _native.decimal_to_raw(str(value), precision)


def _comparable(instrument: Instrument) -> dict[str, Any]:
    values: dict[str, Any] = type(instrument).to_dict(instrument)
    values.pop("ts_event", None)
    values.pop("ts_init", None)
    return values


def bars_from_candles(
    bar_type: BarType,
    instrument: Instrument,
    candles: Iterable[dict[str, Any]],
    *,
    resolution_secs: int,
    start_ns: int,
    end_ns: int,
    now_ns: int,
) -> list[Bar]:
    """
    Turn Delta REST candles into closed Nautilus bars, ascending and de-duplicated.

    A candle starting at ``time`` closes at ``time + resolution``; that is the bar's ``ts_event`` and ``ts_init``.
    Candles still forming at ``now_ns`` and bars closing outside ``[start_ns, end_ns]`` are left out.

    Parameters
    ----------
    bar_type : BarType
        The bar type of the result.
    instrument : Instrument
        Gives the price and size precisions.
    candles : Iterable[dict]
        Delta's ``{"time", "open", "high", "low", "close", "volume"}`` rows (time in seconds).
    resolution_secs : int
        The candle length in seconds.
    start_ns, end_ns, now_ns : int
        The requested window and the current time (ns).

    Returns
    -------
    list[Bar]

    """
    pp = instrument.price_precision
    sp = instrument.size_precision
    length_ns = resolution_secs * _NANOS_PER_SECOND
    by_close: dict[int, Bar] = {}
    for candle in candles:
        close_ns = int(candle["time"]) * _NANOS_PER_SECOND + length_ns
        if close_ns > now_ns or close_ns < start_ns or close_ns > end_ns:
            continue
        by_close[close_ns] = Bar.from_raw(
            bar_type,
            _raw(candle["open"], pp),
            _raw(candle["high"], pp),
            _raw(candle["low"], pp),
            _raw(candle["close"], pp),
            pp,
            _raw(candle.get("volume") or 0, sp),
            sp,
            close_ns,
            close_ns,
        )
    return [by_close[ts] for ts in sorted(by_close)]


def trades_from_rest(instrument: Instrument, rows: Iterable[dict[str, Any]], ts_init: int) -> list[TradeTick]:
    """
    Turn Delta REST public trades into trade ticks, ascending by time.

    Delta's REST trades carry no id, so ids follow the socket rule: ``f"{timestamp_us}-{n}"`` with ``n``
    counting trades of the same microsecond from 0 in time order. The aggressor is the taker: ``side``
    (docs form) or ``buyer_role == "taker"`` (live form) means the buyer aggressed.

    Parameters
    ----------
    instrument : Instrument
        The traded instrument.
    rows : Iterable[dict]
        Delta's trades (either documented shape).
    ts_init : int
        The local time (ns).

    Returns
    -------
    list[TradeTick]

    """
    pp = instrument.price_precision
    sp = instrument.size_precision
    ordered = sorted(rows, key=lambda row: int(row["timestamp"]))
    seen: dict[int, int] = {}
    trades = []
    for row in ordered:
        ts_us = int(row["timestamp"])
        n = seen.get(ts_us, 0)
        seen[ts_us] = n + 1
        side = row.get("side")
        buyer_aggressed = side == "buy" if side is not None else row.get("buyer_role") == "taker"
        trades.append(
            TradeTick.from_raw(
                instrument.id,
                _raw(row["price"], pp),
                pp,
                _raw(row["size"], sp),
                sp,
                AggressorSide.BUYER if buyer_aggressed else AggressorSide.SELLER,
                TradeId(f"{ts_us}-{n}"),
                ts_us * _NANOS_PER_MICRO,
                max(ts_init, ts_us * _NANOS_PER_MICRO),
            ),
        )
    return trades


def deltas_from_rest_book(instrument: Instrument, book: dict[str, Any], ts_init: int) -> OrderBookDeltas:
    """
    Turn a Delta REST L2 book (``GET /v2/l2orderbook``) into a snapshot: CLEAR, then ADDs bids first.

    Every delta but the last is flagged ``F_SNAPSHOT``; the last is exactly ``F_LAST``.

    Parameters
    ----------
    instrument : Instrument
        The book's instrument.
    book : dict
        ``{"buy": [{"price", "size"}, ...], "sell": [...], "last_updated_at": µs}``.
    ts_init : int
        The local time (ns), also ``ts_event`` when the book has no ``last_updated_at``.

    Returns
    -------
    OrderBookDeltas

    """
    iid = instrument.id
    pp = instrument.price_precision
    sp = instrument.size_precision
    updated = book.get("last_updated_at")
    ts_event = int(updated) * _NANOS_PER_MICRO if updated else ts_init
    levels = [(OrderSide.BUY, level) for level in book.get("buy") or ()]
    levels += [(OrderSide.SELL, level) for level in book.get("sell") or ()]
    snapshot = int(RecordFlag.F_SNAPSHOT)
    clear_flags = snapshot if levels else int(RecordFlag.F_LAST)
    deltas = [
        OrderBookDelta.from_raw(
            iid,
            BookAction.CLEAR,
            OrderSide.NO_ORDER_SIDE,
            0,
            0,
            0,
            0,
            0,
            clear_flags,
            0,
            ts_event,
            ts_init,
        ),
    ]
    last = len(levels) - 1
    for i, (side, level) in enumerate(levels):
        flags = int(RecordFlag.F_LAST) if i == last else snapshot
        deltas.append(
            OrderBookDelta.from_raw(
                iid,
                BookAction.ADD,
                side,
                _raw(level["price"], pp),
                pp,
                _raw(level["size"], sp),
                sp,
                0,
                flags,
                0,
                ts_event,
                ts_init,
            ),
        )
    return OrderBookDeltas(iid, deltas)
