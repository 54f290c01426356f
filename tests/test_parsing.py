"""
`BatchDecoder`: native batch tuples -> Nautilus objects.

Handcrafted tuples (in the shapes of the native contract) pin flags, actions, precisions, trade ids,
aggressors, bar timestamps, Decimal funding rates and the skipped-quote counter; the last tests decode real
batches from a ``WsClient`` connected to delta-sim. Spec cases are named per test (TC-D10 books, TC-D12 book
depth, TC-D20 quotes, TC-D30 trades, TC-D40 bars, TC-D50/D51/D52 derivatives data, TC-D60 status).
"""

from __future__ import annotations

import asyncio
from decimal import Decimal
from typing import Any

import pytest
from nautilus_trader.model.currencies import BTC, USD
from nautilus_trader.model.data import (
    NULL_ORDER,
    Bar,
    BarSpecification,
    BarType,
    FundingRateUpdate,
    IndexPriceUpdate,
    InstrumentStatus,
    MarkPriceUpdate,
    OrderBookDeltas,
    OrderBookDepth10,
    QuoteTick,
    TradeTick,
)
from nautilus_trader.model.enums import (
    AggregationSource,
    AggressorSide,
    BarAggregation,
    BookAction,
    MarketStatusAction,
    OrderSide,
    PriceType,
    RecordFlag,
)
from nautilus_trader.model.identifiers import InstrumentId, Symbol
from nautilus_trader.model.instruments import CryptoPerpetual
from nautilus_trader.model.objects import Price, Quantity

from delta_exchange import _native
from delta_exchange.parsing import (
    KIND_BAR,
    KIND_BOOK,
    KIND_BOOK_DEPTH,
    KIND_FUNDING,
    KIND_INDEX_PRICE,
    KIND_LIFECYCLE,
    KIND_MARK_PRICE,
    KIND_PRIVATE,
    KIND_QUOTE,
    KIND_STATUS,
    KIND_TRADE,
    BatchDecoder,
    round_raw,
)
from delta_exchange.sim import DeltaSim

S = 10**16
VENUE = "DELTA_EXCHANGE"
BTCUSD = InstrumentId.from_str(f"BTCUSD.{VENUE}")
BTC_FUT = InstrumentId.from_str(f"BTCUSD_FUT.{VENUE}")


def perpetual(
    instrument_id: InstrumentId = BTCUSD, price_precision: int = 1, size_precision: int = 0
) -> CryptoPerpetual:
    """A BTCUSD-like inverse perpetual with the given precisions."""
    return CryptoPerpetual(
        instrument_id=instrument_id,
        raw_symbol=Symbol(instrument_id.symbol.value),
        base_currency=BTC,
        quote_currency=USD,
        settlement_currency=BTC,
        is_inverse=True,
        price_precision=price_precision,
        size_precision=size_precision,
        price_increment=Price(10**-price_precision, price_precision),
        size_increment=Quantity(10**-size_precision, size_precision),
        ts_event=0,
        ts_init=0,
    )


class FakeWs:
    """Records `set_instrument` calls like the native `WsClient`."""

    def __init__(self) -> None:
        self.registered: dict[str, tuple[int, int]] = {}

    def set_instrument(self, symbol: str, price_precision: int, size_precision: int) -> None:
        self.registered[symbol] = (price_precision, size_precision)


@pytest.fixture
def out() -> list[Any]:
    return []


@pytest.fixture
def decoder(out: list[Any]) -> BatchDecoder:
    decoder = BatchDecoder(out.append)
    decoder.add_instrument(perpetual())
    return decoder


def book(is_snapshot: bool, levels: list[tuple[int, int, int, int]], seq: int = 7) -> tuple:
    return (KIND_BOOK, "BTCUSD", is_snapshot, levels, seq, 1_000, 2_000)


def test_contract_constants_match_nautilus() -> None:
    """TC-D10: the native enum values are Nautilus's (side BUY=1/SELL=2, actions ADD/UPDATE/DELETE)."""
    assert (KIND_BOOK, KIND_QUOTE, KIND_TRADE, KIND_MARK_PRICE, KIND_INDEX_PRICE) == (0, 1, 2, 3, 4)
    assert (KIND_FUNDING, KIND_BAR, KIND_STATUS, KIND_LIFECYCLE, KIND_PRIVATE) == (5, 6, 7, 8, 9)
    assert KIND_BOOK_DEPTH == 10
    assert _native.FIXED_SCALAR == S
    assert (int(OrderSide.BUY), int(OrderSide.SELL)) == (1, 2)
    assert (int(BookAction.ADD), int(BookAction.UPDATE), int(BookAction.DELETE)) == (1, 2, 3)


def test_snapshot_is_clear_then_adds_flagged_snapshot_and_last_exactly_f_last(
    decoder: BatchDecoder,
    out: list[Any],
) -> None:
    """TC-D10: a snapshot becomes CLEAR + ADDs; F_SNAPSHOT on all but the last, which is exactly F_LAST."""
    decoder.enable(KIND_BOOK, BTCUSD)
    levels = [(1, 1, 1000005 * S // 10, 12 * S), (1, 1, 1000000 * S // 10, 3 * S), (2, 1, 1000010 * S // 10, 5 * S)]
    decoder.decode([book(True, levels, seq=41)])

    assert len(out) == 1
    deltas = out[0]
    assert isinstance(deltas, OrderBookDeltas)
    assert deltas.instrument_id == BTCUSD
    assert deltas.is_snapshot
    items = deltas.deltas
    assert [d.action for d in items] == [BookAction.CLEAR, BookAction.ADD, BookAction.ADD, BookAction.ADD]
    assert [d.flags for d in items] == [RecordFlag.F_SNAPSHOT] * 3 + [RecordFlag.F_LAST]
    assert items[-1].flags == 128
    assert [d.order.side for d in items[1:]] == [OrderSide.BUY, OrderSide.BUY, OrderSide.SELL]
    assert [str(d.order.price) for d in items[1:]] == ["100000.5", "100000.0", "100001.0"]
    assert [str(d.order.size) for d in items[1:]] == ["12", "3", "5"]
    assert all(d.order.price.precision == 1 and d.order.size.precision == 0 for d in items[1:])
    assert {d.sequence for d in items} == {41}
    assert {(d.ts_event, d.ts_init) for d in items} == {(1_000, 2_000)}


def test_empty_snapshot_is_a_single_clear_flagged_last(decoder: BatchDecoder, out: list[Any]) -> None:
    """TC-D10: an empty book snapshot still clears the local book and closes the batch."""
    decoder.enable(KIND_BOOK, BTCUSD)
    decoder.decode([book(True, [])])
    (deltas,) = out
    assert [(d.action, d.flags) for d in deltas.deltas] == [(BookAction.CLEAR, RecordFlag.F_LAST)]


def test_update_keeps_actions_and_flags_only_the_last(decoder: BatchDecoder, out: list[Any]) -> None:
    """TC-D10: updates carry UPDATE/DELETE as sent; only the last delta is flagged, exactly F_LAST."""
    decoder.enable(KIND_BOOK, BTCUSD)
    levels = [(2, 2, 1000010 * S // 10, 9 * S), (1, 3, 1000000 * S // 10, 0), (1, 2, 999995 * S // 10, 1 * S)]
    decoder.decode([book(False, levels, seq=42)])
    (deltas,) = out
    assert not deltas.is_snapshot
    assert [d.action for d in deltas.deltas] == [BookAction.UPDATE, BookAction.DELETE, BookAction.UPDATE]
    assert [d.flags for d in deltas.deltas] == [0, 0, RecordFlag.F_LAST]
    assert str(deltas.deltas[1].order.size) == "0"


def test_empty_update_emits_nothing(decoder: BatchDecoder, out: list[Any]) -> None:
    """TC-D10: an update with no levels has nothing to apply."""
    decoder.enable(KIND_BOOK, BTCUSD)
    decoder.decode([book(False, [])])
    assert out == []


def depth_tuple(bids: int, asks: int, best_bid: int = 1000000, best_ask: int = 1000005) -> tuple:
    """A KIND_BOOK_DEPTH tuple: ``bids``/``asks`` levels 0.5 apart from the best (tenths), sizes 1, 2, 3, ..."""
    bid_levels = [((best_bid - 5 * i) * S // 10, (i + 1) * S) for i in range(bids)]
    ask_levels = [((best_ask + 5 * i) * S // 10, (i + 1) * S) for i in range(asks)]
    return (KIND_BOOK_DEPTH, "BTCUSD", bid_levels, ask_levels, 3_000, 4_000)


def test_depth10_pads_missing_levels_with_null_orders(decoder: BatchDecoder, out: list[Any]) -> None:
    """TC-D12: real levels best first with count 1; the rest NULL_ORDER with count 0; F_SNAPSHOT, sequence 0."""
    decoder.enable_depth10(BTCUSD)
    decoder.decode([depth_tuple(3, 2)])
    (depth,) = out
    assert isinstance(depth, OrderBookDepth10)
    assert depth.instrument_id == BTCUSD
    assert [str(o.price) for o in depth.bids[:3]] == ["100000.0", "99999.5", "99999.0"]
    assert [str(o.size) for o in depth.bids[:3]] == ["1", "2", "3"]
    assert [str(o.price) for o in depth.asks[:2]] == ["100000.5", "100001.0"]
    assert {o.side for o in depth.bids[:3]} == {OrderSide.BUY} and {o.side for o in depth.asks[:2]} == {OrderSide.SELL}
    assert all(o.price.precision == 1 and o.size.precision == 0 for o in depth.bids[:3] + depth.asks[:2])
    assert depth.bids[3:] == [NULL_ORDER] * 7 and depth.asks[2:] == [NULL_ORDER] * 8
    assert NULL_ORDER.side == OrderSide.NO_ORDER_SIDE and NULL_ORDER.price.raw == 0 and NULL_ORDER.size.raw == 0
    assert depth.bid_counts == [1] * 3 + [0] * 7 and depth.ask_counts == [1] * 2 + [0] * 8
    assert (depth.flags, depth.sequence, depth.ts_event, depth.ts_init) == (RecordFlag.F_SNAPSHOT, 0, 3_000, 4_000)


def test_depth10_keeps_the_best_ten_of_fifteen(decoder: BatchDecoder, out: list[Any]) -> None:
    """TC-D12: `ob_l2` sends 15 levels; Depth10 keeps the best 10 per side, bids descending, asks ascending."""
    decoder.enable_depth10(BTCUSD)
    decoder.decode([depth_tuple(15, 15)])
    (depth,) = out
    bids = [o.price for o in depth.bids]
    asks = [o.price for o in depth.asks]
    assert len(bids) == len(asks) == 10
    assert bids == sorted(bids, reverse=True) and asks == sorted(asks)
    assert str(bids[-1]) == "99995.5" and str(asks[-1]) == "100005.0"
    assert depth.bid_counts == depth.ask_counts == [1] * 10


def test_depth_snapshots_are_cut_to_the_depth_and_flagged(decoder: BatchDecoder, out: list[Any]) -> None:
    """TC-D10 at a depth: CLEAR + the best `depth` bids then asks; F_SNAPSHOT on all but the last (exactly F_LAST)."""
    decoder.enable_depth_snapshots(BTCUSD, 2)
    decoder.decode([depth_tuple(15, 15), depth_tuple(1, 0), depth_tuple(0, 0)])
    full, one_sided, empty = out
    assert isinstance(full, OrderBookDeltas) and full.is_snapshot
    items = full.deltas
    assert [d.action for d in items] == [BookAction.CLEAR] + [BookAction.ADD] * 4
    assert [d.flags for d in items] == [RecordFlag.F_SNAPSHOT] * 4 + [RecordFlag.F_LAST]
    assert [(d.order.side, str(d.order.price), str(d.order.size)) for d in items[1:]] == [
        (OrderSide.BUY, "100000.0", "1"),
        (OrderSide.BUY, "99999.5", "2"),
        (OrderSide.SELL, "100000.5", "1"),
        (OrderSide.SELL, "100001.0", "2"),
    ]
    assert {(d.sequence, d.ts_event, d.ts_init) for d in items} == {(0, 3_000, 4_000)}
    assert [(d.action, d.flags) for d in one_sided.deltas] == [
        (BookAction.CLEAR, RecordFlag.F_SNAPSHOT),
        (BookAction.ADD, RecordFlag.F_LAST),
    ]
    assert [(d.action, d.flags) for d in empty.deltas] == [(BookAction.CLEAR, RecordFlag.F_LAST)]


def test_depth10_and_depth_snapshots_from_one_tuple(decoder: BatchDecoder, out: list[Any]) -> None:
    """TC-D12 with depth-limited deltas: one `ob_l2` snapshot feeds both, Depth10 first."""
    decoder.enable_depth10(BTCUSD)
    decoder.enable_depth_snapshots(BTCUSD, 5)
    decoder.decode([depth_tuple(12, 12)])
    depth, deltas = out
    assert isinstance(depth, OrderBookDepth10) and depth.bid_counts == [1] * 10
    assert isinstance(deltas, OrderBookDeltas) and len(deltas.deltas) == 11
    assert decoder.depth_routing(BTCUSD) == (True, 5)


def test_book_kinds_never_mix(decoder: BatchDecoder, out: list[Any]) -> None:
    """Incremental books feed only KIND_BOOK routes and top-of-book snapshots only the depth routes."""
    decoder.enable(KIND_BOOK, BTCUSD)
    decoder.decode([depth_tuple(3, 3)])
    assert out == [] and decoder.unrouted == 1
    decoder.disable(KIND_BOOK, BTCUSD)
    decoder.enable_depth10(BTCUSD)
    decoder.decode([book(True, [(1, 1, 1000000 * S // 10, S)])])
    assert out == [] and decoder.unrouted == 2


def test_depth_routes_disable_independently(decoder: BatchDecoder, out: list[Any]) -> None:
    """Unsubscribing Depth10 keeps the depth-limited deltas, and the other way round; both off is unrouted."""
    decoder.enable_depth10(BTCUSD)
    decoder.enable_depth_snapshots(BTCUSD, 3)
    decoder.disable_depth10(BTCUSD)
    decoder.decode([depth_tuple(4, 4)])
    assert [type(o) for o in out] == [OrderBookDeltas]
    decoder.enable_depth10(BTCUSD)
    decoder.disable_depth_snapshots(BTCUSD)
    decoder.decode([depth_tuple(4, 4)])
    assert [type(o) for o in out] == [OrderBookDeltas, OrderBookDepth10]
    decoder.disable_depth10(BTCUSD)
    decoder.disable_depth10(BTCUSD)
    decoder.decode([depth_tuple(4, 4)])
    assert len(out) == 2 and decoder.unrouted == 1
    assert decoder.depth_routing(BTCUSD) == (False, 0)


def test_depth_route_errors_and_precision_updates(decoder: BatchDecoder, out: list[Any]) -> None:
    """Unknown instruments and non-positive depths are refused; a re-registered precision reaches the route."""
    with pytest.raises(KeyError):
        decoder.enable_depth10(BTC_FUT)
    with pytest.raises(ValueError, match="positive"):
        decoder.enable_depth_snapshots(BTCUSD, 0)
    decoder.enable_depth10(BTCUSD)
    decoder.add_instrument(perpetual(price_precision=2))
    decoder.decode([depth_tuple(1, 1)])
    assert out[0].bids[0].price.precision == 2


def test_quote_from_raws_and_missing_sides_skipped_and_counted(decoder: BatchDecoder, out: list[Any]) -> None:
    """TC-D20: quotes carry the instrument precisions; a quote with an empty side is skipped and counted."""
    decoder.enable(KIND_QUOTE, BTCUSD)
    decoder.decode(
        [
            (KIND_QUOTE, "BTCUSD", 684525 * S // 10, 684530 * S // 10, 2210 * S, 1432 * S, 10, 20),
            (KIND_QUOTE, "BTCUSD", None, 684530 * S // 10, None, 1432 * S, 11, 21),
            (KIND_QUOTE, "BTCUSD", 684525 * S // 10, None, 2210 * S, None, 12, 22),
        ],
    )
    (quote,) = out
    assert isinstance(quote, QuoteTick)
    assert (str(quote.bid_price), str(quote.ask_price)) == ("68452.5", "68453.0")
    assert (str(quote.bid_size), str(quote.ask_size)) == ("2210", "1432")
    assert (quote.ts_event, quote.ts_init) == (10, 20)
    assert decoder.quotes_skipped == 2
    assert decoder.stats["quotes_skipped"] == 2


def test_trade_ids_and_aggressor(decoder: BatchDecoder, out: list[Any]) -> None:
    """TC-D30: trade id, aggressor side (BUYER=1 / SELLER=2), price and size are kept."""
    decoder.enable(KIND_TRADE, BTCUSD)
    decoder.decode(
        [
            (KIND_TRADE, "BTCUSD", 684525 * S // 10, 150 * S, 1, "1779962405453559-0", 5, 6),
            (KIND_TRADE, "BTCUSD", 684520 * S // 10, 3 * S, 2, "1779962405453559-1", 5, 6),
        ],
    )
    first, second = out
    assert isinstance(first, TradeTick)
    assert (first.aggressor_side, second.aggressor_side) == (AggressorSide.BUYER, AggressorSide.SELLER)
    assert (first.trade_id.value, second.trade_id.value) == ("1779962405453559-0", "1779962405453559-1")
    assert (str(first.price), str(first.size)) == ("68452.5", "150")


def test_unsubscribed_and_unknown_symbols_are_dropped_and_counted(decoder: BatchDecoder, out: list[Any]) -> None:
    """TC-D70: data for a kind that is not enabled (or was disabled) never reaches the engine."""
    decoder.decode([(KIND_TRADE, "BTCUSD", 1 * S, 1 * S, 1, "t-0", 1, 1)])
    decoder.enable(KIND_TRADE, BTCUSD)
    decoder.disable(KIND_TRADE, BTCUSD)
    decoder.decode(
        [
            (KIND_TRADE, "BTCUSD", 1 * S, 1 * S, 1, "t-1", 1, 1),
            (KIND_QUOTE, "ETHUSD", 1 * S, 2 * S, 1 * S, 1 * S, 1, 1),
            book(False, [(1, 2, S, S)]),
        ],
    )
    assert out == []
    assert decoder.unrouted == 4
    assert decoder.stats["batches"] == 2
    assert decoder.stats["tuples"] == 4


def test_enable_needs_a_registered_instrument(decoder: BatchDecoder) -> None:
    """TC-D03: subscribing an instrument that was never loaded is an error, not silence."""
    with pytest.raises(KeyError):
        decoder.enable(KIND_QUOTE, InstrumentId.from_str(f"NOPE.{VENUE}"))


def test_mark_price_accepts_product_and_mark_symbols(decoder: BatchDecoder, out: list[Any]) -> None:
    """TC-D50: mark prices map to the product whether the tuple names `BTCUSD` or `MARK:BTCUSD`."""
    decoder.enable(KIND_MARK_PRICE, BTCUSD)
    decoder.decode(
        [
            (KIND_MARK_PRICE, "BTCUSD", 684518 * S // 10, 1, 2),
            (KIND_MARK_PRICE, "MARK:BTCUSD", 684519 * S // 10, 3, 4),
        ],
    )
    assert all(isinstance(update, MarkPriceUpdate) for update in out)
    assert [(u.instrument_id, str(u.value), u.ts_event) for u in out] == [
        (BTCUSD, "68451.8", 1),
        (BTCUSD, "68451.9", 3),
    ]
    decoder.disable(KIND_MARK_PRICE, BTCUSD)
    decoder.decode([(KIND_MARK_PRICE, "MARK:BTCUSD", S, 5, 6)])
    assert len(out) == 2


def test_index_price_fans_out_to_every_subscribed_instrument(out: list[Any]) -> None:
    """TC-D51: one `spot_price` of `.DEXBTUSD` becomes an IndexPriceUpdate per subscribed instrument."""
    decoder = BatchDecoder(out.append)
    ws = FakeWs()
    decoder.set_ws(ws)
    decoder.add_instrument(perpetual())
    decoder.add_instrument(perpetual(BTC_FUT, price_precision=0))
    decoder.enable_index_prices(BTCUSD, ".DEXBTUSD")
    decoder.enable_index_prices(BTC_FUT, ".DEXBTUSD")
    assert ws.registered[".DEXBTUSD"] == (1, 0)

    decoder.decode([(KIND_INDEX_PRICE, ".DEXBTUSD", 684589 * S // 10, 7, 8)])
    assert all(isinstance(update, IndexPriceUpdate) for update in out)
    assert [(u.instrument_id, str(u.value)) for u in out] == [(BTCUSD, "68458.9"), (BTC_FUT, "68459")]

    assert not decoder.disable_index_prices(BTCUSD, ".DEXBTUSD")
    assert decoder.disable_index_prices(BTC_FUT, ".DEXBTUSD")
    decoder.decode([(KIND_INDEX_PRICE, ".DEXBTUSD", S, 9, 9)])
    assert len(out) == 2


def test_funding_rate_is_an_exact_decimal(decoder: BatchDecoder, out: list[Any]) -> None:
    """TC-D52: the rate text becomes `decimal.Decimal` exactly; next funding time is kept (or None)."""
    decoder.enable(KIND_FUNDING, BTCUSD)
    decoder.decode(
        [
            (KIND_FUNDING, "BTCUSD", "0.0012345678901234567", 1_780_000_000_000_000_000, 1, 2),
            (KIND_FUNDING, "BTCUSD", "-0.01", None, 3, 4),
        ],
    )
    first, second = out
    assert isinstance(first, FundingRateUpdate)
    assert first.rate == Decimal("0.0012345678901234567")
    assert isinstance(first.rate, Decimal)
    assert first.next_funding_ns == 1_780_000_000_000_000_000
    assert (second.rate, second.next_funding_ns) == (Decimal("-0.01"), None)


def test_bars_use_their_bar_type_and_close_time(decoder: BatchDecoder, out: list[Any]) -> None:
    """TC-D40: a closed candle becomes a Bar of the subscribed BarType with ts_event = candle close."""
    spec = BarSpecification(1, BarAggregation.MINUTE, PriceType.LAST)
    bar_type = BarType(BTCUSD, spec, AggregationSource.EXTERNAL)
    decoder.enable_bars(bar_type, "1m")
    start_ns = 1_779_962_400 * 10**9
    close_ns = start_ns + 60 * 10**9
    decoder.decode(
        [
            (
                KIND_BAR,
                "BTCUSD",
                "1m",
                678950 * S // 10,
                691200 * S // 10,
                676055 * S // 10,
                684525 * S // 10,
                42 * S,
                start_ns,
                close_ns,
                close_ns + 5,
            ),
            (KIND_BAR, "BTCUSD", "5m", S, S, S, S, S, start_ns, start_ns + 300 * 10**9, 1),
        ],
    )
    (bar,) = out
    assert isinstance(bar, Bar)
    assert bar.bar_type == bar_type
    assert (str(bar.open), str(bar.high), str(bar.low), str(bar.close), str(bar.volume)) == (
        "67895.0",
        "69120.0",
        "67605.5",
        "68452.5",
        "42",
    )
    assert (bar.ts_event, bar.ts_init) == (close_ns, close_ns + 5)
    assert decoder.unrouted == 1
    decoder.disable_bars(bar_type, "1m")
    decoder.decode([(KIND_BAR, "BTCUSD", "1m", S, S, S, S, S, start_ns, close_ns, 1)])
    assert len(out) == 1


def test_system_status_reaches_every_subscribed_instrument(out: list[Any]) -> None:
    """TC-D60: `system_status` maps to a MarketStatusAction for each instrument subscribed to status."""
    decoder = BatchDecoder(out.append)
    decoder.add_instrument(perpetual())
    decoder.add_instrument(perpetual(BTC_FUT))
    decoder.decode([(KIND_STATUS, "live", None, 1, 2)])
    assert out == []
    decoder.enable_status(BTCUSD)
    decoder.enable_status(BTC_FUT)
    decoder.decode([(KIND_STATUS, "live", None, 1, 2), (KIND_STATUS, "maintenance", "maintenance_started", 3, 4)])
    assert all(isinstance(status, InstrumentStatus) for status in out)
    assert [(s.instrument_id, s.action) for s in out] == [
        (BTCUSD, MarketStatusAction.TRADING),
        (BTC_FUT, MarketStatusAction.TRADING),
        (BTCUSD, MarketStatusAction.HALT),
        (BTC_FUT, MarketStatusAction.HALT),
    ]
    assert out[0].is_trading is True
    assert out[2].is_trading is False
    assert out[2].trading_event == "maintenance_started"
    assert decoder.status_instruments() == [BTCUSD, BTC_FUT]


def test_unknown_system_status_is_reported_not_emitted() -> None:
    """TC-D60: a status value with no mapping is reported as a decode error and emits nothing."""
    out: list[Any] = []
    events: list[tuple[str, dict[str, Any], int]] = []
    decoder = BatchDecoder(out.append, lambda name, detail, ts: events.append((name, detail, ts)))
    decoder.add_instrument(perpetual())
    decoder.enable_status(BTCUSD)
    decoder.decode([(KIND_STATUS, "on_fire", None, 1, 2)])
    assert out == []
    ((name, detail, ts),) = events
    assert (name, detail["channel"], detail["excerpt"], ts) == ("decode_error", "system_status", "on_fire", 2)


def test_lifecycle_goes_to_the_handler_and_private_is_ignored() -> None:
    """TC-D10: gaps and resyncs surface through the lifecycle handler; private tuples are counted, not emitted."""
    out: list[Any] = []
    events: list[tuple[str, dict[str, Any], int]] = []
    decoder = BatchDecoder(out.append, lambda name, detail, ts: events.append((name, detail, ts)))
    gap = {"channel": "ob_updates", "symbol": "BTCUSD", "reason": "sequence gap"}
    decoder.decode(
        [
            (KIND_LIFECYCLE, "gap", gap, 5),
            (KIND_PRIVATE, "orders", {}, 6),
            (KIND_LIFECYCLE, "resynced", {"channel": "ob_updates", "symbol": "BTCUSD"}, 7),
            (99, "future kind"),
        ],
    )
    assert out == []
    assert [name for name, _, _ in events] == ["gap", "resynced"]
    assert events[0][1] == gap
    assert decoder.private_ignored == 1
    assert decoder.unknown_kinds == 1


def test_set_ws_registers_known_and_later_instruments() -> None:
    """TC-D03: every instrument's precisions reach the native client, whenever it is attached."""
    decoder = BatchDecoder(lambda _: None)
    decoder.add_instrument(perpetual())
    ws = FakeWs()
    decoder.set_ws(ws)
    decoder.add_instrument(perpetual(BTC_FUT, price_precision=0))
    assert ws.registered == {"BTCUSD": (1, 0), "BTCUSD_FUT": (0, 0)}


def test_reregistered_precision_updates_enabled_routes(decoder: BatchDecoder, out: list[Any]) -> None:
    """TC-D02: an instrument update that changes precision is used by the next message."""
    decoder.enable(KIND_MARK_PRICE, BTCUSD)
    decoder.add_instrument(perpetual(price_precision=2))
    decoder.decode([(KIND_MARK_PRICE, "MARK:BTCUSD", 12345 * S // 100, 1, 1)])
    assert out[0].value.precision == 2


@pytest.mark.parametrize(
    ("raw", "precision", "expected"),
    [(12345 * S // 100, 1, 1235 * S // 10), (-12345 * S // 100, 1, -1235 * S // 10), (12344 * S // 100, 0, 123 * S)],
)
def test_round_raw_half_away_from_zero(raw: int, precision: int, expected: int) -> None:
    """TC-D51: index prices shared by instruments of another precision are rounded like the native side."""
    assert round_raw(raw, precision) == expected


# -- real batches from the native client against delta-sim ----------------------------------------------------


async def _collect(sim: DeltaSim, channels: list[tuple[str, list[str]]], until: Any, timeout: float = 30.0) -> list:
    loop = asyncio.get_running_loop()
    batches: list[list[tuple]] = []
    ws = _native.WsClient(sim.public_ws_url, "public")
    ws.set_instrument("BTCUSD", 1, 0)
    ws.connect(loop, batches.append)
    for channel, symbols in channels:
        ws.subscribe(channel, symbols)
    deadline = loop.time() + timeout
    try:
        while not until([item for batch in batches for item in batch]):
            if loop.time() > deadline:
                raise AssertionError(f"condition not met; got kinds {sorted({i[0] for b in batches for i in b})}")
            await asyncio.sleep(0.05)
    finally:
        await ws.close()
    return batches


def test_real_batches_decode_into_consistent_objects(busy_sim: DeltaSim) -> None:
    """TC-D10/TC-D20/TC-D30/TC-D50: sim batches decode; the first book is a snapshot; precisions hold."""
    channels = [("ob_updates", ["BTCUSD"]), ("ob_l1", ["BTCUSD"]), ("trades", ["BTCUSD"]), ("mark_price", ["BTCUSD"])]

    def enough(items: list[tuple]) -> bool:
        kinds = [i[0] for i in items]
        return kinds.count(KIND_BOOK) >= 3 and KIND_QUOTE in kinds and KIND_TRADE in kinds and KIND_MARK_PRICE in kinds

    batches = asyncio.run(_collect(busy_sim, channels, enough))
    out: list[Any] = []
    decoder = BatchDecoder(out.append)
    decoder.add_instrument(perpetual())
    for kind in (KIND_BOOK, KIND_QUOTE, KIND_TRADE, KIND_MARK_PRICE):
        decoder.enable(kind, BTCUSD)
    for batch in batches:
        decoder.decode(batch)

    books = [o for o in out if isinstance(o, OrderBookDeltas)]
    assert books[0].is_snapshot
    assert all(b.deltas[-1].flags == RecordFlag.F_LAST for b in books)
    assert all(d.flags in (0, RecordFlag.F_SNAPSHOT) for b in books for d in b.deltas[:-1])
    for b in books:
        for d in b.deltas:
            if d.action != BookAction.CLEAR:
                assert d.order.price.precision == 1
                assert d.order.size.precision == 0
    quotes = [o for o in out if isinstance(o, QuoteTick)]
    assert quotes and all(q.bid_price < q.ask_price for q in quotes)
    trades = [o for o in out if isinstance(o, TradeTick)]
    assert trades and all(t.aggressor_side in (AggressorSide.BUYER, AggressorSide.SELLER) for t in trades)
    assert len({t.trade_id for t in trades}) == len(trades)
    marks = [o for o in out if isinstance(o, MarkPriceUpdate)]
    assert marks and all(m.instrument_id == BTCUSD for m in marks)
    assert decoder.unrouted == 0


def test_real_ob_l2_batches_decode_next_to_ob_updates(sim: DeltaSim) -> None:
    """TC-D12: sim `ob_l2` batches become Depth10 (ordered, padded) while `ob_updates` stays incremental deltas."""
    channels = [("ob_updates", ["BTCUSD"]), ("ob_l2", ["BTCUSD"])]

    def enough(items: list[tuple]) -> bool:
        kinds = [i[0] for i in items]
        return kinds.count(KIND_BOOK_DEPTH) >= 2 and kinds.count(KIND_BOOK) >= 3

    batches = asyncio.run(_collect(sim, channels, enough))
    out: list[Any] = []
    decoder = BatchDecoder(out.append)
    decoder.add_instrument(perpetual())
    decoder.enable(KIND_BOOK, BTCUSD)
    decoder.enable_depth10(BTCUSD)
    for batch in batches:
        decoder.decode(batch)

    depths = [o for o in out if isinstance(o, OrderBookDepth10)]
    deltas = [o for o in out if isinstance(o, OrderBookDeltas)]
    assert len(depths) >= 2 and len(deltas) >= 3
    for depth in depths:
        real_bids = [o.price for o, n in zip(depth.bids, depth.bid_counts, strict=True) if n]
        real_asks = [o.price for o, n in zip(depth.asks, depth.ask_counts, strict=True) if n]
        assert real_bids and real_asks
        assert real_bids == sorted(real_bids, reverse=True) and real_asks == sorted(real_asks)
        assert real_bids[0] < real_asks[0]
    assert deltas[0].is_snapshot and not any(d.is_snapshot for d in deltas[1:])
    sequences = [d.sequence for d in deltas]
    assert sequences == list(range(sequences[0], sequences[0] + len(deltas)))
    assert decoder.unrouted == 0
