"""
Turn batches from the native socket client into Nautilus data objects.

The native ``WsClient`` delivers one list of plain tuples per drain of its event queue, on the event-loop
thread (contract in ``_native.pyi``). :class:`BatchDecoder` walks such a batch once and hands each Nautilus
object to an ``emit`` callable (the data client's ``_handle_data``). Prices and sizes arrive as raw integers at
``10**16`` already rounded to the registered precision, so every object is built with the ``from_raw``
constructors and no decimal text is parsed on the hot path.

Routing is by symbol: one dict per tuple kind holds only the symbols something is subscribed to, so the same
lookup that maps a Delta symbol to its ``InstrumentId`` and precisions also drops data that is no longer
wanted (frames already queued when an unsubscribe went out).

Delta's books come in two forms. ``KIND_BOOK`` tuples (``ob_updates``: a snapshot, then sequenced diffs) become
``OrderBookDeltas`` as they are. ``KIND_BOOK_DEPTH`` tuples (``ob_l2``: the best 15 levels per side every
500 ms) become, per instrument, an ``OrderBookDepth10`` and/or a snapshot ``OrderBookDeltas`` cut to a
subscribed depth (:meth:`BatchDecoder.enable_depth10`, :meth:`BatchDecoder.enable_depth_snapshots`).
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from itertools import islice
from typing import Any, NamedTuple

from nautilus_trader.core.data import Data
from nautilus_trader.model.data import (
    NULL_ORDER,
    Bar,
    BarType,
    BookOrder,
    FundingRateUpdate,
    IndexPriceUpdate,
    InstrumentStatus,
    MarkPriceUpdate,
    OrderBookDelta,
    OrderBookDeltas,
    OrderBookDepth10,
    QuoteTick,
    TradeTick,
)
from nautilus_trader.model.enums import BookAction, MarketStatusAction, OrderSide, RecordFlag
from nautilus_trader.model.identifiers import InstrumentId, TradeId
from nautilus_trader.model.instruments import Instrument
from nautilus_trader.model.objects import Price

from delta_exchange import _native
from delta_exchange.constants import parse_system_status

KIND_BOOK: int = _native.KIND_BOOK
KIND_QUOTE: int = _native.KIND_QUOTE
KIND_TRADE: int = _native.KIND_TRADE
KIND_MARK_PRICE: int = _native.KIND_MARK_PRICE
KIND_INDEX_PRICE: int = _native.KIND_INDEX_PRICE
KIND_FUNDING: int = _native.KIND_FUNDING
KIND_BAR: int = _native.KIND_BAR
KIND_STATUS: int = _native.KIND_STATUS
KIND_LIFECYCLE: int = _native.KIND_LIFECYCLE
KIND_PRIVATE: int = _native.KIND_PRIVATE
KIND_BOOK_DEPTH: int = _native.KIND_BOOK_DEPTH

# The kinds routed by product symbol through `BatchDecoder.enable` / `disable`.
SYMBOL_KINDS: frozenset[int] = frozenset((KIND_BOOK, KIND_QUOTE, KIND_TRADE, KIND_MARK_PRICE, KIND_FUNDING))

_F_LAST = int(RecordFlag.F_LAST)
_F_SNAPSHOT = int(RecordFlag.F_SNAPSHOT)
_CLEAR = int(BookAction.CLEAR)
_NO_SIDE = int(OrderSide.NO_ORDER_SIDE)
_BUY = int(OrderSide.BUY)
_SELL = int(OrderSide.SELL)
_ADD = int(BookAction.ADD)
_DEPTH10 = 10
_FIXED_PRECISION: int = _native.FIXED_PRECISION
_MARK_PREFIX = "MARK:"
_new_delta = OrderBookDelta.from_raw
_quote_from_raw = QuoteTick.from_raw
_trade_from_raw = TradeTick.from_raw

LifecycleHandler = Callable[[str, dict[str, Any], int], None]


class _Route(NamedTuple):
    """Where one symbol's data goes: its instrument and the precisions its raws are rounded to."""

    instrument_id: InstrumentId
    price_precision: int
    size_precision: int


class _DepthRoute(NamedTuple):
    """What one symbol's top-of-book snapshots become: a Depth10 and/or snapshot deltas of ``deltas_depth``."""

    instrument_id: InstrumentId
    price_precision: int
    size_precision: int
    depth10: bool
    deltas_depth: int  # 0: no snapshot deltas


class _BarRoute(NamedTuple):
    bar_type: BarType
    price_precision: int
    size_precision: int


def round_raw(raw: int, precision: int) -> int:
    """
    Round a raw value at ``10**16`` to ``precision`` decimal digits, half away from zero.

    Parameters
    ----------
    raw : int
        The raw value.
    precision : int
        Decimal digits to keep (0 to 16).

    Returns
    -------
    int

    """
    step: int = 10 ** (_FIXED_PRECISION - precision)
    quotient, remainder = divmod(abs(raw), step)
    if remainder * 2 >= step:
        quotient += 1
    return quotient * step if raw >= 0 else -quotient * step


class BatchDecoder:
    """
    Decode native socket batches into Nautilus objects and hand each one to ``emit``.

    Parameters
    ----------
    emit : Callable[[Data], None]
        Receives every object built, in batch order (the data client's ``_handle_data``).
    on_lifecycle : Callable[[str, dict, int], None], optional
        Receives ``(name, detail, ts)`` of each lifecycle tuple (connected, gap, resynced, ...).

    Notes
    -----
    Register instruments with :meth:`add_instrument` and subscriptions with :meth:`enable` (and
    :meth:`enable_index_prices`, :meth:`enable_bars`, :meth:`enable_status`); data for anything not enabled
    is dropped and counted in :attr:`stats`.

    """

    def __init__(self, emit: Callable[[Data], None], on_lifecycle: LifecycleHandler | None = None) -> None:
        self._emit = emit
        self._on_lifecycle = on_lifecycle
        self._ws: Any = None
        self._instruments: dict[str, _Route] = {}
        self._routes: dict[int, dict[str, _Route]] = {kind: {} for kind in SYMBOL_KINDS}
        self._depth: dict[str, _DepthRoute] = {}
        self._index: dict[str, list[_Route]] = {}
        self._index_precision: dict[str, int] = {}
        self._bars: dict[tuple[str, str], _BarRoute] = {}
        self._status: dict[InstrumentId, None] = {}
        self._handlers: dict[int, Callable[[tuple], None]] = {
            KIND_MARK_PRICE: self._mark_price,
            KIND_INDEX_PRICE: self._index_price,
            KIND_FUNDING: self._funding,
            KIND_BAR: self._bar,
            KIND_STATUS: self._instrument_status,
            KIND_LIFECYCLE: self._lifecycle,
            KIND_PRIVATE: self._private,
            KIND_BOOK_DEPTH: self._book_depth,
        }
        # What `decode` needs per batch, bound once (the route dicts are only ever mutated, never replaced).
        self._hot = (
            emit,
            self._routes[KIND_BOOK].get,
            self._routes[KIND_QUOTE].get,
            self._routes[KIND_TRADE].get,
            self._handlers.get,
        )
        self.batches = 0
        self.tuples = 0
        self.quotes_skipped = 0
        self.unrouted = 0
        self.private_ignored = 0
        self.unknown_kinds = 0

    # -- registration ---------------------------------------------------------------------------------------

    def set_ws(self, ws: Any) -> None:
        """
        Attach the native ``WsClient`` and register every known symbol's precisions with it.

        Parameters
        ----------
        ws : _native.WsClient
            The socket client whose raws this decoder reads.

        """
        self._ws = ws
        for symbol, route in self._instruments.items():
            ws.set_instrument(symbol, route.price_precision, route.size_precision)
        for index_symbol, precision in self._index_precision.items():
            ws.set_instrument(index_symbol, precision, 0)

    def add_instrument(self, instrument: Instrument) -> None:
        """
        Register ``instrument``: its Delta symbol, ``InstrumentId`` and precisions.

        Re-registering an instrument whose precisions changed updates every enabled route and the native
        client's rounding.

        Parameters
        ----------
        instrument : Instrument
            A Delta Exchange instrument (its symbol is the Delta product symbol).

        """
        symbol = instrument.id.symbol.value
        route = _Route(instrument.id, instrument.price_precision, instrument.size_precision)
        self._instruments[symbol] = route
        for routes in self._routes.values():
            if symbol in routes:
                routes[symbol] = route
                if _MARK_PREFIX + symbol in routes:
                    routes[_MARK_PREFIX + symbol] = route
        depth = self._depth.get(symbol)
        if depth is not None:
            self._depth[symbol] = depth._replace(
                price_precision=route.price_precision,
                size_precision=route.size_precision,
            )
        if self._ws is not None:
            self._ws.set_instrument(symbol, route.price_precision, route.size_precision)

    def route(self, instrument_id: InstrumentId) -> _Route:
        """
        Return the registered route of ``instrument_id``.

        Raises
        ------
        KeyError
            When the instrument was never added.

        """
        return self._instruments[instrument_id.symbol.value]

    def enable(self, kind: int, instrument_id: InstrumentId) -> None:
        """
        Start emitting data of ``kind`` (one of :data:`SYMBOL_KINDS`) for ``instrument_id``.

        Raises
        ------
        KeyError
            When the instrument was never added.

        """
        symbol = instrument_id.symbol.value
        route = self._instruments[symbol]
        routes = self._routes[kind]
        routes[symbol] = route
        if kind == KIND_MARK_PRICE:
            # Delta names the mark price stream `MARK:<symbol>`; accept both forms of the tuple's symbol.
            routes[_MARK_PREFIX + symbol] = route

    def disable(self, kind: int, instrument_id: InstrumentId) -> None:
        """Stop emitting data of ``kind`` for ``instrument_id`` (no-op when not enabled)."""
        symbol = instrument_id.symbol.value
        routes = self._routes[kind]
        routes.pop(symbol, None)
        routes.pop(_MARK_PREFIX + symbol, None)

    def enabled(self, kind: int, instrument_id: InstrumentId) -> bool:
        """Whether data of ``kind`` is emitted for ``instrument_id``."""
        return instrument_id.symbol.value in self._routes[kind]

    def enable_depth10(self, instrument_id: InstrumentId) -> None:
        """
        Emit an ``OrderBookDepth10`` for ``instrument_id`` on each top-of-book snapshot (``KIND_BOOK_DEPTH``).

        Raises
        ------
        KeyError
            When the instrument was never added.

        """
        self._set_depth(instrument_id, depth10=True)

    def disable_depth10(self, instrument_id: InstrumentId) -> None:
        """Stop ``OrderBookDepth10`` for ``instrument_id`` (no-op when not enabled)."""
        self._set_depth(instrument_id, depth10=False)

    def enable_depth_snapshots(self, instrument_id: InstrumentId, depth: int) -> None:
        """
        Emit each top-of-book snapshot of ``instrument_id`` as snapshot ``OrderBookDeltas`` of ``depth`` levels.

        Each one is CLEAR then ADDs (the best ``depth`` bids, then the best ``depth`` asks), every delta
        flagged ``F_SNAPSHOT`` but the last, which is exactly ``F_LAST``.

        Raises
        ------
        KeyError
            When the instrument was never added.
        ValueError
            When ``depth`` is not positive.

        """
        if depth <= 0:
            raise ValueError(f"depth must be positive, was {depth}: use a depth of 1 or more")
        self._set_depth(instrument_id, deltas_depth=depth)

    def disable_depth_snapshots(self, instrument_id: InstrumentId) -> None:
        """Stop snapshot deltas from top-of-book snapshots for ``instrument_id`` (no-op when not enabled)."""
        self._set_depth(instrument_id, deltas_depth=0)

    def depth_routing(self, instrument_id: InstrumentId) -> tuple[bool, int]:
        """``(depth10 enabled, snapshot deltas depth or 0)`` of ``instrument_id``'s top-of-book snapshots."""
        route = self._depth.get(instrument_id.symbol.value)
        return (False, 0) if route is None else (route.depth10, route.deltas_depth)

    def _set_depth(self, instrument_id: InstrumentId, **change: Any) -> None:
        symbol = instrument_id.symbol.value
        current = self._depth.get(symbol)
        if current is None:
            if not any(change.values()):
                return
            iid, pp, sp = self._instruments[symbol]
            current = _DepthRoute(iid, pp, sp, depth10=False, deltas_depth=0)
        updated = current._replace(**change)
        if updated.depth10 or updated.deltas_depth:
            self._depth[symbol] = updated
        else:
            del self._depth[symbol]

    def enable_index_prices(self, instrument_id: InstrumentId, index_symbol: str) -> None:
        """
        Emit an ``IndexPriceUpdate`` for ``instrument_id`` on each ``spot_price`` of ``index_symbol``.

        Raises
        ------
        KeyError
            When the instrument was never added.

        """
        route = self._instruments[instrument_id.symbol.value]
        targets = self._index.setdefault(index_symbol, [])
        if all(target.instrument_id != instrument_id for target in targets):
            targets.append(route)
        if index_symbol not in self._index_precision:
            self._index_precision[index_symbol] = route.price_precision
            if self._ws is not None:
                self._ws.set_instrument(index_symbol, route.price_precision, 0)

    def disable_index_prices(self, instrument_id: InstrumentId, index_symbol: str) -> bool:
        """
        Stop index prices of ``index_symbol`` for ``instrument_id``.

        Returns
        -------
        bool
            Whether no instrument needs ``index_symbol`` any more.

        """
        targets = [t for t in self._index.get(index_symbol, ()) if t.instrument_id != instrument_id]
        if targets:
            self._index[index_symbol] = targets
            return False
        self._index.pop(index_symbol, None)
        return True

    def enable_bars(self, bar_type: BarType, resolution: str) -> None:
        """
        Emit closed bars of Delta ``resolution`` (``"1m"``, ...) for ``bar_type``'s instrument as ``bar_type``.

        Raises
        ------
        KeyError
            When the instrument was never added.

        """
        route = self._instruments[bar_type.instrument_id.symbol.value]
        key = (bar_type.instrument_id.symbol.value, resolution)
        self._bars[key] = _BarRoute(bar_type, route.price_precision, route.size_precision)

    def disable_bars(self, bar_type: BarType, resolution: str) -> None:
        """Stop bars of ``resolution`` for ``bar_type``'s instrument."""
        self._bars.pop((bar_type.instrument_id.symbol.value, resolution), None)

    def enable_status(self, instrument_id: InstrumentId) -> None:
        """Emit an ``InstrumentStatus`` for ``instrument_id`` on every ``system_status`` message."""
        self._status[instrument_id] = None

    def disable_status(self, instrument_id: InstrumentId) -> None:
        """Stop instrument status for ``instrument_id``."""
        self._status.pop(instrument_id, None)

    def status_instruments(self) -> list[InstrumentId]:
        """Return the instruments that receive ``system_status``, in subscription order."""
        return list(self._status)

    @property
    def stats(self) -> dict[str, int]:
        """Counters: batches and tuples seen, quotes skipped for a missing side, unrouted and ignored tuples."""
        return {
            "batches": self.batches,
            "tuples": self.tuples,
            "quotes_skipped": self.quotes_skipped,
            "unrouted": self.unrouted,
            "private_ignored": self.private_ignored,
            "unknown_kinds": self.unknown_kinds,
        }

    # -- decoding -------------------------------------------------------------------------------------------

    def decode(self, batch: list[tuple]) -> None:
        """
        Decode one native batch, calling ``emit`` for each object in order.

        The hot kinds (book, quote, trade) are decoded inline; the others go through their handlers.
        An ``emit`` failure propagates (the caller decides how to log it).

        Parameters
        ----------
        batch : list[tuple]
            The tuples of one native delivery.

        """
        self.batches += 1
        self.tuples += len(batch)
        emit, book_route, quote_route, trade_route, handler_of = self._hot
        new_delta = _new_delta
        for item in batch:
            kind = item[0]
            if kind == KIND_BOOK:
                route = book_route(item[1])
                if route is None:
                    self.unrouted += 1
                    continue
                _, _, is_snapshot, levels, sequence, ts_event, ts_init = item
                iid, pp, sp = route
                count = len(levels)
                if is_snapshot:
                    flags = _F_SNAPSHOT
                    clear_flags = flags if count else _F_LAST
                    deltas = [new_delta(iid, _CLEAR, _NO_SIDE, 0, 0, 0, 0, 0, clear_flags, sequence, ts_event, ts_init)]
                elif count:
                    flags = 0
                    deltas = []
                else:
                    continue
                if count:
                    append = deltas.append
                    last = count - 1
                    for side, action, price, size in islice(levels, last):
                        append(new_delta(iid, action, side, price, pp, size, sp, 0, flags, sequence, ts_event, ts_init))
                    side, action, price, size = levels[last]
                    append(new_delta(iid, action, side, price, pp, size, sp, 0, _F_LAST, sequence, ts_event, ts_init))
                emit(OrderBookDeltas(iid, deltas))
            elif kind == KIND_QUOTE:
                route = quote_route(item[1])
                if route is None:
                    self.unrouted += 1
                    continue
                _, _, bid, ask, bid_size, ask_size, ts_event, ts_init = item
                if bid is None or ask is None or bid_size is None or ask_size is None:
                    self.quotes_skipped += 1
                    continue
                iid, pp, sp = route
                emit(_quote_from_raw(iid, bid, ask, pp, pp, bid_size, ask_size, sp, sp, ts_event, ts_init))
            elif kind == KIND_TRADE:
                route = trade_route(item[1])
                if route is None:
                    self.unrouted += 1
                    continue
                _, _, price, size, aggressor, trade_id, ts_event, ts_init = item
                iid, pp, sp = route
                emit(_trade_from_raw(iid, price, pp, size, sp, aggressor, TradeId(trade_id), ts_event, ts_init))
            else:
                handler = handler_of(kind)
                if handler is None:
                    self.unknown_kinds += 1
                    continue
                handler(item)

    def _book_depth(self, item: tuple) -> None:
        _, symbol, bids, asks, ts_event, ts_init = item
        route = self._depth.get(symbol)
        if route is None:
            self.unrouted += 1
            return
        if route.depth10:
            self._emit(_depth10(route, bids, asks, ts_event, ts_init))
        depth = route.deltas_depth
        if depth:
            self._emit(_snapshot_deltas(route, bids[:depth], asks[:depth], ts_event, ts_init))

    def _mark_price(self, item: tuple) -> None:
        _, symbol, price, ts_event, ts_init = item
        route = self._routes[KIND_MARK_PRICE].get(symbol)
        if route is None:
            self.unrouted += 1
            return
        self._emit(
            MarkPriceUpdate(route.instrument_id, Price.from_raw(price, route.price_precision), ts_event, ts_init)
        )

    def _index_price(self, item: tuple) -> None:
        _, index_symbol, price, ts_event, ts_init = item
        targets = self._index.get(index_symbol)
        if not targets:
            self.unrouted += 1
            return
        registered = self._index_precision.get(index_symbol)
        emit = self._emit
        for iid, pp, _ in targets:
            raw = price if pp == registered else round_raw(price, pp)
            emit(IndexPriceUpdate(iid, Price.from_raw(raw, pp), ts_event, ts_init))

    def _funding(self, item: tuple) -> None:
        _, symbol, rate, next_funding_ns, ts_event, ts_init = item
        route = self._routes[KIND_FUNDING].get(symbol)
        if route is None:
            self.unrouted += 1
            return
        self._emit(FundingRateUpdate(route.instrument_id, Decimal(rate), ts_event, ts_init, next_funding_ns))

    def _bar(self, item: tuple) -> None:
        _, symbol, resolution, open_, high, low, close, volume, _start_ns, close_ns, ts_init = item
        route = self._bars.get((symbol, resolution))
        if route is None:
            self.unrouted += 1
            return
        bar_type, pp, sp = route
        self._emit(Bar.from_raw(bar_type, open_, high, low, close, pp, volume, sp, close_ns, ts_init))

    def _instrument_status(self, item: tuple) -> None:
        _, status, event, ts_event, ts_init = item
        if not self._status:
            self.unrouted += 1
            return
        try:
            action = parse_system_status(status)
        except ValueError as exc:
            self.unrouted += 1
            if self._on_lifecycle is not None:
                detail = {"channel": "system_status", "message": str(exc), "excerpt": status}
                self._on_lifecycle("decode_error", detail, ts_init)
            return
        is_trading = action == MarketStatusAction.TRADING
        emit = self._emit
        for iid in self._status:
            emit(
                InstrumentStatus(
                    iid,
                    action,
                    ts_event,
                    ts_init,
                    reason=status,
                    trading_event=event,
                    is_trading=is_trading,
                ),
            )

    def _lifecycle(self, item: tuple) -> None:
        if self._on_lifecycle is not None:
            _, name, detail, ts = item
            self._on_lifecycle(name, detail, ts)

    def _private(self, item: tuple) -> None:
        self.private_ignored += 1


def _depth10_side(side: int, levels: list[tuple[int, int]], pp: int, sp: int) -> tuple[list[BookOrder], list[int]]:
    """Return the best 10 ``levels`` as book orders with count 1, padded with ``NULL_ORDER`` and count 0."""
    new_order = BookOrder.from_raw
    orders = [new_order(side, price, pp, size, sp, 0) for price, size in levels[:_DEPTH10]]
    real = len(orders)
    padding = _DEPTH10 - real
    return orders + [NULL_ORDER] * padding, [1] * real + [0] * padding


def _depth10(
    route: _DepthRoute,
    bids: list[tuple[int, int]],
    asks: list[tuple[int, int]],
    ts_event: int,
    ts_init: int,
) -> OrderBookDepth10:
    """
    Build an ``OrderBookDepth10`` of a top-of-book snapshot, Nautilus's own adapters' convention.

    Real levels have count 1 (Delta sends no order counts); missing levels are ``NULL_ORDER``
    (``NO_ORDER_SIDE``, price 0, size 0) with count 0; flags ``F_SNAPSHOT``; sequence 0 (``ob_l2`` has none).
    """
    iid, pp, sp, _, _ = route
    bid_orders, bid_counts = _depth10_side(_BUY, bids, pp, sp)
    ask_orders, ask_counts = _depth10_side(_SELL, asks, pp, sp)
    return OrderBookDepth10(iid, bid_orders, ask_orders, bid_counts, ask_counts, _F_SNAPSHOT, 0, ts_event, ts_init)


def _snapshot_deltas(
    route: _DepthRoute,
    bids: list[tuple[int, int]],
    asks: list[tuple[int, int]],
    ts_event: int,
    ts_init: int,
) -> OrderBookDeltas:
    """CLEAR then ADDs (bids, then asks): ``F_SNAPSHOT`` on every delta but the last, which is exactly ``F_LAST``."""
    iid, pp, sp, _, _ = route
    new_delta = OrderBookDelta.from_raw
    levels = [(_BUY, price, size) for price, size in bids] + [(_SELL, price, size) for price, size in asks]
    clear_flags = _F_SNAPSHOT if levels else _F_LAST
    deltas = [new_delta(iid, _CLEAR, _NO_SIDE, 0, 0, 0, 0, 0, clear_flags, 0, ts_event, ts_init)]
    last = len(levels) - 1
    for i, (side, price, size) in enumerate(levels):
        flags = _F_LAST if i == last else _F_SNAPSHOT
        deltas.append(new_delta(iid, _ADD, side, price, pp, size, sp, 0, flags, 0, ts_event, ts_init))
    return OrderBookDeltas(iid, deltas)
