#!/usr/bin/env python3
"""
Socket frame -> Nautilus objects handed to ``_handle_data``, per message, by data type (DESIGN 9).

Paths, each fed the same frames and handing every object to the same sink (``list.append``):

- ``native``: ``_native.FrameDecoder`` (the socket client's delta-core path: parse, book check by ``seq``/``cs``,
  closed bars, tuple conversion) -> ``BatchDecoder`` (the data client's decoder, ``from_raw`` constructors).
- ``bare``: the same Nautilus objects built from prepared raw integers in a tight loop (``from_raw`` with
  argument tuples unpacked; ``OrderBookDeltas`` of prebuilt-arg deltas) -- the floor any decoder pays.
- ``naive``: ``json.loads`` + Nautilus constructors with ``Price.from_str`` / ``Quantity.from_str``.
- ``tuned``: ``msgspec.json`` typed structs (tagged union) + decimal text -> raw ints in Python + ``from_raw``.
  Both pure-Python paths check the book ``seq`` but NOT the checksum (the native path does both), so the
  native-vs-Python ratios are lower bounds.

Each figure is the best of ``--repeats`` runs over ``--messages`` messages, at socket-read batch sizes 1 and 32.
Ends with one ``RESULT`` line.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable
from decimal import Decimal
from typing import Any, Union

import msgspec
from nautilus_trader.model.data import (
    Bar,
    BarType,
    BookOrder,
    FundingRateUpdate,
    IndexPriceUpdate,
    MarkPriceUpdate,
    OrderBookDelta,
    OrderBookDeltas,
    QuoteTick,
    TradeTick,
)
from nautilus_trader.model.enums import AggressorSide, BookAction, OrderSide, RecordFlag
from nautilus_trader.model.identifiers import TradeId
from nautilus_trader.model.objects import Price, Quantity

sys.path.insert(0, str(__import__("pathlib").Path(__file__).resolve().parent))

from _common import (
    INDEX_SYMBOL,
    INSTRUMENT,
    INSTRUMENT_ID,
    PRICE_PRECISION,
    SIZE_PRECISION,
    BookStream,
    best_of,
    fixture_frame,
    machine,
    result_line,
)
from delta_exchange import _native
from delta_exchange.parsing import (
    KIND_BAR,
    KIND_BOOK,
    KIND_FUNDING,
    KIND_INDEX_PRICE,
    KIND_MARK_PRICE,
    KIND_QUOTE,
    KIND_TRADE,
    BatchDecoder,
)

TS_INIT = 1_779_962_500_000_000_000
BAR_TYPE = BarType.from_str(f"{INSTRUMENT_ID}-1-MINUTE-LAST-EXTERNAL")
F_LAST = int(RecordFlag.F_LAST)
F_SNAPSHOT = int(RecordFlag.F_SNAPSHOT)
PP, SP = PRICE_PRECISION, SIZE_PRECISION
MINUTE_US = 60_000_000
SCALE = 10**16


# -- frames -------------------------------------------------------------------------------------------------


def frame_sets(messages: int) -> dict[str, tuple[list[str], list[str]]]:
    """Per data type: (untimed warm-up frames, timed frames)."""
    book = BookStream()
    book_snapshot = book.snapshot()
    updates = [book.update() for _ in range(messages)]
    trade_t = json.loads(fixture_frame("ws_trades"))["t"]
    candle_ts = json.loads(fixture_frame("ws_candlestick"))["ts"]
    return {
        "ob_snapshot": ([], [fixture_frame("ws_ob_updates_snapshot")] * messages),
        "ob_update10": ([book_snapshot], updates),
        "quote": ([], [fixture_frame("ws_ob_l1")] * messages),
        "trade": ([], [fixture_frame("ws_trades", t=trade_t + i) for i in range(messages)]),
        "mark_price": ([], [fixture_frame("ws_mark_price")] * messages),
        "funding_rate": ([], [fixture_frame("ws_funding_rate")] * messages),
        "candlestick": (
            [fixture_frame("ws_candlestick")],
            [fixture_frame("ws_candlestick", ts=candle_ts + (i + 1) * MINUTE_US) for i in range(messages)],
        ),
        "spot_price": ([], [fixture_frame("ws_spot_price")] * messages),
    }


def batches(frames: list[Any], size: int) -> list[list[Any]]:
    return [frames[i : i + size] for i in range(0, len(frames), size)]


# -- native path --------------------------------------------------------------------------------------------


def native_pipeline(sink: Callable[[Any], None]) -> tuple[_native.FrameDecoder, BatchDecoder]:
    frames = _native.FrameDecoder("public")
    decoder = BatchDecoder(sink)
    decoder.add_instrument(INSTRUMENT)  # type: ignore[arg-type]
    decoder.set_ws(frames)
    for kind in (KIND_BOOK, KIND_QUOTE, KIND_TRADE, KIND_MARK_PRICE, KIND_FUNDING):
        decoder.enable(kind, INSTRUMENT_ID)
    decoder.enable_index_prices(INSTRUMENT_ID, INDEX_SYMBOL)
    decoder.enable_bars(BAR_TYPE, "1m")
    return frames, decoder


def run_native(warmup: list[str], frames: list[str], size: int, repeats: int) -> tuple[float, int, list[tuple]]:
    """Best ns/message of FrameDecoder -> BatchDecoder -> sink, objects made, the tuples of one run (for ``bare``)."""
    chunks = batches(frames, size)
    out: list[Any] = []

    def timed() -> int:
        out.clear()
        decoder, batch_decoder = native_pipeline(out.append)
        batch_decoder.decode(decoder.decode(warmup, TS_INIT))
        out.clear()
        decode, handle = decoder.decode, batch_decoder.decode
        start = time.perf_counter_ns()
        for chunk in chunks:
            handle(decode(chunk, TS_INIT))
        return time.perf_counter_ns() - start

    best = min(timed() for _ in range(repeats)) / len(frames)
    objects = len(out)
    decoder, _ = native_pipeline(out.append)
    decoder.decode(warmup, TS_INIT)
    tuples = [t for chunk in chunks for t in decoder.decode(chunk, TS_INIT)]
    return best, objects, tuples


# -- bare: the same objects from prepared raw ints ------------------------------------------------------------

new_delta = OrderBookDelta.from_raw


def bare_args(tuples: list[tuple]) -> tuple[Callable[[list, Callable], None], list]:
    """A tight loop building the same objects as BatchDecoder from the tuples' raw ints, and its prepared data."""
    iid = INSTRUMENT_ID
    kind = tuples[0][0]
    if kind == KIND_BOOK:
        prepared = []
        for _, _, snapshot, levels, seq, ts_event, ts_init in tuples:
            args = []
            if snapshot:
                args.append((iid, int(BookAction.CLEAR), 0, 0, 0, 0, 0, 0, F_SNAPSHOT, seq, ts_event, ts_init))
            flags = F_SNAPSHOT if snapshot else 0
            for i, (side, action, price, size) in enumerate(levels):
                last = i == len(levels) - 1
                args.append(
                    (iid, action, side, price, PP, size, SP, 0, F_LAST if last else flags, seq, ts_event, ts_init)
                )
            prepared.append(args)

        def loop(data: list, emit: Callable) -> None:
            for args in data:
                emit(OrderBookDeltas(iid, [new_delta(*a) for a in args]))

        return loop, prepared
    if kind == KIND_QUOTE:
        prepared = [(iid, t[2], t[3], PP, PP, t[4], t[5], SP, SP, t[6], t[7]) for t in tuples]

        def loop(data: list, emit: Callable) -> None:
            from_raw = QuoteTick.from_raw
            for args in data:
                emit(from_raw(*args))

        return loop, prepared
    if kind == KIND_TRADE:
        prepared = [(t[2], t[3], t[4], t[5], t[6], t[7]) for t in tuples]

        def loop(data: list, emit: Callable) -> None:
            from_raw = TradeTick.from_raw
            for price, size, aggressor, trade_id, ts_event, ts_init in data:
                emit(from_raw(iid, price, PP, size, SP, aggressor, TradeId(trade_id), ts_event, ts_init))

        return loop, prepared
    if kind in (KIND_MARK_PRICE, KIND_INDEX_PRICE):
        cls = MarkPriceUpdate if kind == KIND_MARK_PRICE else IndexPriceUpdate
        prepared = [(t[2], t[3], t[4]) for t in tuples]

        def loop(data: list, emit: Callable) -> None:
            price_from_raw = Price.from_raw
            for raw, ts_event, ts_init in data:
                emit(cls(iid, price_from_raw(raw, PP), ts_event, ts_init))

        return loop, prepared
    if kind == KIND_FUNDING:
        prepared = [(t[2], t[3], t[4], t[5]) for t in tuples]

        def loop(data: list, emit: Callable) -> None:
            for rate, next_ns, ts_event, ts_init in data:
                emit(FundingRateUpdate(iid, Decimal(rate), ts_event, ts_init, next_ns))

        return loop, prepared
    if kind == KIND_BAR:
        prepared = [(BAR_TYPE, t[3], t[4], t[5], t[6], PP, t[7], SP, t[9], t[10]) for t in tuples]

        def loop(data: list, emit: Callable) -> None:
            from_raw = Bar.from_raw
            for args in data:
                emit(from_raw(*args))

        return loop, prepared
    raise ValueError(f"no bare loop for kind {kind}")


def run_bare(tuples: list[tuple], messages: int, repeats: int) -> tuple[float, int]:
    """Best ns/message of the tight from-raw loop (divided by the frames it stands for), objects made."""
    loop, prepared = bare_args([t for t in tuples if t[0] <= KIND_BAR])
    out: list[Any] = []

    def run() -> int:
        out.clear()
        loop(prepared, out.append)
        return messages

    return best_of(run, repeats), len(out)


# -- pure Python paths ----------------------------------------------------------------------------------------


class PyState:
    """What a pure-Python decoder must keep: last book seq, trade-id counter, forming candle."""

    def __init__(self) -> None:
        self.seq: int | None = None
        self.trade_key = (0, 0)
        self.candle: tuple | None = None

    def check_seq(self, action: str, seq: int) -> bool:
        if action == "snapshot" or (self.seq is not None and seq == self.seq + 1):
            self.seq = seq
            return True
        self.seq = None
        return False

    def trade_id(self, t: int) -> str:
        n = self.trade_key[1] + 1 if self.trade_key[0] == t else 0
        self.trade_key = (t, n)
        return f"{t}-{n}"

    def closed(self, start: int, candle: tuple) -> tuple | None:
        previous = self.candle
        if previous is None or start > previous[0]:
            self.candle = (start, candle)
            return previous
        if start == previous[0]:
            self.candle = (start, candle)
        return None


def naive_decoder(emit: Callable, state: PyState) -> Callable[[str], None]:
    """``json.loads`` + constructors from text."""
    iid = INSTRUMENT_ID
    loads = json.loads
    price, qty = Price.from_str, Quantity.from_str

    def decode(frame: str) -> None:
        d = loads(frame)
        channel = d["type"]
        ts_init = TS_INIT
        if channel == "ob_updates":
            if not state.check_seq(d["action"], d["seq"]):
                return
            ts, seq = d["ts"] * 1000, d["seq"]
            snapshot = d["action"] == "snapshot"
            deltas = [OrderBookDelta.clear(iid, seq, ts, ts_init)] if snapshot else []
            levels = [(OrderSide.BUY, lvl) for lvl in d["b"]] + [(OrderSide.SELL, lvl) for lvl in d["a"]]
            for i, (side, (p, s)) in enumerate(levels):
                action = BookAction.ADD if snapshot else (BookAction.DELETE if s == "0" else BookAction.UPDATE)
                flags = F_LAST if i == len(levels) - 1 else (F_SNAPSHOT if snapshot else 0)
                order = BookOrder(side, price(p), qty(s), 0)
                deltas.append(OrderBookDelta(iid, action, order, flags, seq, ts, ts_init))
            emit(OrderBookDeltas(iid, deltas))
        elif channel == "ob_l1":
            emit(QuoteTick(iid, price(d["bp"]), price(d["ap"]), qty(d["bs"]), qty(d["as"]), d["ts"] * 1000, ts_init))
        elif channel == "trades":
            side = AggressorSide.BUYER if d["r"] == "t" else AggressorSide.SELLER
            trade_id = TradeId(state.trade_id(d["t"]))
            emit(TradeTick(iid, price(d["p"]), Quantity(d["s"], SP), side, trade_id, d["t"] * 1000, ts_init))
        elif channel == "mark_price":
            emit(MarkPriceUpdate(iid, price(d["p"]), d["ts"] * 1000, ts_init))
        elif channel == "spot_price":
            emit(IndexPriceUpdate(iid, price(d["p"]), d["ts"] * 1000, ts_init))
        elif channel == "funding_rate":
            emit(FundingRateUpdate(iid, Decimal(str(d["fr"])), d["ts"] * 1000, ts_init, d["nfr"] * 1000))
        elif channel.startswith("candlestick_"):
            start = d["ts"] - d["ts"] % MINUTE_US
            closed = state.closed(start, (d["o"], d["h"], d["l"], d["c"], d["v"]))
            if closed is not None:
                (s, (o, h, low, c, v)) = closed
                end = (s + MINUTE_US) * 1000
                emit(
                    Bar(
                        BAR_TYPE,
                        Price(o, PP),
                        Price(h, PP),
                        Price(low, PP),
                        Price(c, PP),
                        Quantity(v, SP),
                        end,
                        ts_init,
                    )
                )

    return decode


class ObUpdates(msgspec.Struct, tag_field="type", tag="ob_updates"):
    action: str
    a: list[tuple[str, str]]
    b: list[tuple[str, str]]
    seq: int
    sy: str
    ts: int
    cs: int = 0


class ObL1(msgspec.Struct, tag_field="type", tag="ob_l1"):
    ap: str
    bp: str
    bs: str
    sy: str
    ts: int
    as_: str = msgspec.field(name="as")


class Trades(msgspec.Struct, tag_field="type", tag="trades"):
    p: str
    r: str
    s: float
    sy: str
    t: int


class MarkPrice(msgspec.Struct, tag_field="type", tag="mark_price"):
    p: str
    sy: str
    ts: int


class SpotPrice(msgspec.Struct, tag_field="type", tag="spot_price"):
    p: str
    sy: str
    ts: int


class FundingRate(msgspec.Struct, tag_field="type", tag="funding_rate"):
    fr: float
    nfr: int
    sy: str
    ts: int


class Candle1m(msgspec.Struct, tag_field="type", tag="candlestick_1m"):
    o: float
    h: float
    low: float = msgspec.field(name="l")
    c: float = 0.0
    v: float = 0.0
    ts: int = 0


Message = Union[ObUpdates, ObL1, Trades, MarkPrice, SpotPrice, FundingRate, Candle1m]  # noqa: UP007


def text_raw(text: str) -> int:
    """Exact decimal text (no exponent) -> raw at 10**16."""
    whole, _, fraction = text.partition(".")
    return int(whole + fraction) * 10 ** (16 - len(fraction))


def float_raw(value: float, precision: int) -> int:
    return round(value * 10**precision) * 10 ** (16 - precision)


def tuned_decoder(emit: Callable, state: PyState) -> Callable[[str], None]:
    """``msgspec`` typed decode + raw ints + ``from_raw``."""
    iid = INSTRUMENT_ID
    decode_json = msgspec.json.Decoder(Message).decode
    buy, sell, add, update, delete = int(OrderSide.BUY), int(OrderSide.SELL), 1, 2, 3
    clear = int(BookAction.CLEAR)

    def decode(frame: str) -> None:
        m = decode_json(frame)
        ts_init = TS_INIT
        cls = type(m)
        if cls is ObUpdates:
            if not state.check_seq(m.action, m.seq):
                return
            ts, seq = m.ts * 1000, m.seq
            snapshot = m.action == "snapshot"
            deltas = [new_delta(iid, clear, 0, 0, 0, 0, 0, 0, F_SNAPSHOT, seq, ts, ts_init)] if snapshot else []
            flags = F_SNAPSHOT if snapshot else 0
            levels = [(buy, lvl) for lvl in m.b] + [(sell, lvl) for lvl in m.a]
            last = len(levels) - 1
            for i, (side, (p, s)) in enumerate(levels):
                action = add if snapshot else (delete if s == "0" else update)
                raw_p, raw_s = text_raw(p), text_raw(s)
                deltas.append(
                    new_delta(
                        iid, action, side, raw_p, PP, raw_s, SP, 0, F_LAST if i == last else flags, seq, ts, ts_init
                    )
                )
            emit(OrderBookDeltas(iid, deltas))
        elif cls is ObL1:
            emit(
                QuoteTick.from_raw(
                    iid,
                    text_raw(m.bp),
                    text_raw(m.ap),
                    PP,
                    PP,
                    text_raw(m.bs),
                    text_raw(m.as_),
                    SP,
                    SP,
                    m.ts * 1000,
                    ts_init,
                )
            )
        elif cls is Trades:
            side = 1 if m.r == "t" else 2
            trade_id = TradeId(state.trade_id(m.t))
            emit(
                TradeTick.from_raw(iid, text_raw(m.p), PP, float_raw(m.s, SP), SP, side, trade_id, m.t * 1000, ts_init)
            )
        elif cls is MarkPrice:
            emit(MarkPriceUpdate(iid, Price.from_raw(round_to(text_raw(m.p), PP), PP), m.ts * 1000, ts_init))
        elif cls is SpotPrice:
            emit(IndexPriceUpdate(iid, Price.from_raw(round_to(text_raw(m.p), PP), PP), m.ts * 1000, ts_init))
        elif cls is FundingRate:
            emit(FundingRateUpdate(iid, Decimal(repr(m.fr)), m.ts * 1000, ts_init, m.nfr * 1000))
        elif cls is Candle1m:
            start = m.ts - m.ts % MINUTE_US
            closed = state.closed(start, (m.o, m.h, m.low, m.c, m.v))
            if closed is not None:
                (s, (o, h, low, c, v)) = closed
                end = (s + MINUTE_US) * 1000
                emit(
                    Bar.from_raw(
                        BAR_TYPE,
                        float_raw(o, PP),
                        float_raw(h, PP),
                        float_raw(low, PP),
                        float_raw(c, PP),
                        PP,
                        float_raw(v, SP),
                        SP,
                        end,
                        ts_init,
                    )
                )

    return decode


def round_to(raw: int, precision: int) -> int:
    step = 10 ** (16 - precision)
    quotient, remainder = divmod(raw, step)
    return (quotient + (remainder * 2 >= step)) * step


def run_python(make: Callable, warmup: list[str], frames: list[str], repeats: int) -> tuple[float, int]:
    """Best ns/message of a pure-Python decoder, objects made."""
    out: list[Any] = []

    def run() -> int:
        out.clear()
        decode = make(out.append, PyState())
        for frame in warmup:
            decode(frame)
        out.clear()
        start = time.perf_counter_ns()
        for frame in frames:
            decode(frame)
        return time.perf_counter_ns() - start

    return min(run() for _ in range(repeats)) / len(frames), len(out)


def main(argv: list[str] | None = None) -> int:
    """Run every data type through every path, print the table and the RESULT line."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--messages", type=int, default=2000, help="messages per data type (default 2000)")
    parser.add_argument("--repeats", type=int, default=5, help="best of N runs (default 5)")
    args = parser.parse_args(argv)
    n, repeats = args.messages, args.repeats

    print(f"bench_decode: {machine()}; {n} messages per type, best of {repeats}; ns per message")
    header = ("type", "native b1", "native b32", "bare", "x bare", "naive", "tuned", "naive/nat", "tuned/nat")
    print("{:<13}{:>10}{:>11}{:>8}{:>8}{:>9}{:>8}{:>10}{:>10}".format(*header))
    figures: dict[str, float | int | str] = {}
    ratios_bare, ratios_tuned = [], []
    for name, (warmup, frames) in frame_sets(n).items():
        native_1, _, _ = run_native(warmup, frames, 1, repeats)
        native_32, made, tuples = run_native(warmup, frames, 32, repeats)
        bare, bare_made = run_bare(tuples, n, repeats)
        naive, naive_made = run_python(naive_decoder, warmup, frames, repeats)
        tuned, tuned_made = run_python(tuned_decoder, warmup, frames, repeats)
        if not made == bare_made == naive_made == tuned_made:
            raise SystemExit(f"{name}: paths made different object counts {made} {bare_made} {naive_made} {tuned_made}")
        ratio_bare, ratio_tuned = native_32 / bare, tuned / native_32
        ratios_bare.append(ratio_bare)
        ratios_tuned.append(ratio_tuned)
        print(
            f"{name:<13}{native_1:>10.0f}{native_32:>11.0f}{bare:>8.0f}{ratio_bare:>8.2f}"
            f"{naive:>9.0f}{tuned:>8.0f}{naive / native_32:>10.1f}{ratio_tuned:>10.1f}"
        )
        figures[f"{name}_ns"] = native_32
        figures[f"{name}_b1_ns"] = native_1
        figures[f"{name}_ratio_bare"] = ratio_bare
        figures[f"{name}_ratio_tuned"] = ratio_tuned
    figures["ratio_bare_max"] = max(ratios_bare)
    figures["ratio_tuned_min"] = min(ratios_tuned)
    print("targets: x bare <= 1.3 (native b32 / bare), tuned/native >= 3")
    print(result_line(figures))
    return 0


if __name__ == "__main__":
    sys.exit(main())
