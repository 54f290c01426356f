#!/usr/bin/env python3
"""
Record Delta market data with ``delta-recorder``, then backtest a strategy over the recording with Nautilus.

The whole path from a live feed to a backtest, against a local delta-sim started on a free loopback port:

1. the instruments: ``delta_exchange.catalog.load_instruments`` loads them over REST with the adapter's
   ``DeltaExchangeInstrumentProvider`` and ``write_instruments`` writes them into the catalog, so their
   precisions match the data files (the command-line form is ``python -m delta_exchange.catalog instruments``);
2. the market data: ``delta-recorder`` (run through ``delta_exchange.recording.Recorder``) records book
   updates, quotes, trades, mark and index prices, funding rates and one-minute candles for ``--seconds`` into
   the same directory, a Nautilus ``ParquetDataCatalog`` (plus a raw capture under ``raw/``);
3. the backtest: a ``BacktestEngine`` with a simulated ``DELTA_EXCHANGE`` venue (L2 book from the recorded
   deltas) replays everything the catalog holds to a small strategy that counts what it receives and, every
   ``--trade-every`` quotes, sends a one-contract market order, alternating buy and sell.

Run it (the catalog goes to a temporary directory unless ``--out`` names one to keep)::

    .venv/bin/python examples/record_and_backtest.py --seconds 20
    .venv/bin/python examples/record_and_backtest.py --seconds 60 --out recording   # keep the catalog

It prints the recorder's summary, what the catalog holds, where the backtest account ended and, last, what the
strategy received and did::

    recorded messages=N rows=M files=F gaps=G
    catalog: quotes=N trades=M deltas=K bars=B mark_prices=P index_prices=I funding_rates=R
    account: position=P realized_pnl=X USD
    backtest: quotes=N trades=M deltas=K bars=B mark_prices=P index_prices=I funding_rates=R orders=X fills=Y

The backtest counts equal the catalog's: the strategy sees every recorded item once, in ``ts_init`` order.
Bars are closed one-minute candles, so a recording shorter than a minute often has none.

For real Delta, record with ``delta-recorder --env india --symbols BTCUSD --out DIR`` (no API key needed for
public data; see ``docs/recorder.md``), write the instruments with ``python -m delta_exchange.catalog
instruments --out DIR --environment india --symbols BTCUSD``, and point this script's backtest half
(:func:`run_backtest`) at ``DIR``; ``BacktestNode`` with ``BacktestDataConfig(catalog_path=DIR, ...)`` reads the
same catalog.

Exit status: 0 when the recording reached the catalog, the backtest replayed all of it and the strategy got at
least one fill; 1 otherwise.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
from collections import Counter
from decimal import Decimal
from pathlib import Path
from typing import NamedTuple

from nautilus_trader.backtest.engine import BacktestEngine, BacktestEngineConfig
from nautilus_trader.config import LoggingConfig, StrategyConfig
from nautilus_trader.model.data import (
    Bar,
    BarType,
    FundingRateUpdate,
    IndexPriceUpdate,
    MarkPriceUpdate,
    OrderBookDeltas,
    QuoteTick,
    TradeTick,
)
from nautilus_trader.model.enums import AccountType, BookType, OmsType, OrderSide
from nautilus_trader.model.events import OrderFilled
from nautilus_trader.model.identifiers import InstrumentId, Venue
from nautilus_trader.model.instruments import Instrument
from nautilus_trader.model.objects import Money
from nautilus_trader.persistence.catalog import ParquetDataCatalog
from nautilus_trader.trading.strategy import Strategy

# `import delta_exchange` registers the catalog decoders of funding rates and index prices.
from delta_exchange.catalog import load_instruments, write_instruments
from delta_exchange.recording import Recorder, RecordingSummary
from delta_exchange.sim import DeltaSim

CHANNELS = ("ob_updates", "trades", "ob_l1", "mark_price", "funding_rate", "spot_price", "candlestick_1m")
"""What the recorder subscribes to (its default set, spelled out)."""

COUNTED = ("quotes", "trades", "deltas", "bars", "mark_prices", "index_prices", "funding_rates")
"""The data kinds counted in the catalog and by the strategy, in the order the summary lines print them."""


class CountingTraderConfig(StrategyConfig, frozen=True):
    """
    Configuration of :class:`CountingTrader`.

    Parameters
    ----------
    instrument_id : InstrumentId
        The instrument to subscribe to and trade.
    bar_type : BarType
        The recorded bars to subscribe to.
    trade_every : int
        Send one market order every this many quotes (alternating buy and sell, so the position stays small).

    """

    instrument_id: InstrumentId
    bar_type: BarType
    trade_every: int = 25


class CountingTrader(Strategy):
    """Count every data item the backtest replays; trade one contract every ``trade_every`` quotes."""

    def __init__(self, config: CountingTraderConfig) -> None:
        super().__init__(config)
        self.counts: Counter[str] = Counter()
        self._instrument_id = config.instrument_id
        self._bar_type = config.bar_type
        self._trade_every = config.trade_every
        self._next_side = OrderSide.BUY

    def on_start(self) -> None:
        """Subscribe to every recorded stream of the instrument."""
        iid = self._instrument_id
        self.subscribe_order_book_deltas(iid, BookType.L2_MBP)
        self.subscribe_quote_ticks(iid)
        self.subscribe_trade_ticks(iid)
        self.subscribe_bars(self._bar_type)
        self.subscribe_mark_prices(iid)
        self.subscribe_index_prices(iid)
        self.subscribe_funding_rates(iid)

    def on_stop(self) -> None:
        """Leave every stream (the backtest calls this when the recorded data ends)."""
        iid = self._instrument_id
        self.unsubscribe_order_book_deltas(iid)
        self.unsubscribe_quote_ticks(iid)
        self.unsubscribe_trade_ticks(iid)
        self.unsubscribe_bars(self._bar_type)
        self.unsubscribe_mark_prices(iid)
        self.unsubscribe_index_prices(iid)
        self.unsubscribe_funding_rates(iid)

    def on_order_book_deltas(self, deltas: OrderBookDeltas) -> None:
        """Count book deltas (one batch per recorded venue message)."""
        self.counts["deltas"] += len(deltas.deltas)

    def on_quote_tick(self, tick: QuoteTick) -> None:
        """Count quotes; every ``trade_every``-th, trade once the venue's book has both sides."""
        self.counts["quotes"] += 1
        if self.counts["quotes"] % self._trade_every == 0:
            self._trade()

    def _trade(self) -> None:
        book = self.cache.order_book(self._instrument_id)
        if book is None or book.best_bid_price() is None or book.best_ask_price() is None:
            return
        instrument = self.cache.instrument(self._instrument_id)
        order = self.order_factory.market(self._instrument_id, self._next_side, instrument.make_qty(1))
        self.submit_order(order)
        self.counts["orders"] += 1
        self._next_side = OrderSide.SELL if self._next_side == OrderSide.BUY else OrderSide.BUY

    def on_trade_tick(self, tick: TradeTick) -> None:
        """Count trades."""
        self.counts["trades"] += 1

    def on_bar(self, bar: Bar) -> None:
        """Count closed one-minute bars."""
        self.counts["bars"] += 1

    def on_mark_price(self, update: MarkPriceUpdate) -> None:
        """Count mark prices."""
        self.counts["mark_prices"] += 1

    def on_index_price(self, update: IndexPriceUpdate) -> None:
        """Count index prices."""
        self.counts["index_prices"] += 1

    def on_funding_rate(self, update: FundingRateUpdate) -> None:
        """Count funding rates."""
        self.counts["funding_rates"] += 1

    def on_order_filled(self, event: OrderFilled) -> None:
        """Count fills."""
        self.counts["fills"] += 1


def record(out: Path, seconds: float, rate: int, symbol: str) -> RecordingSummary:
    """
    Start delta-sim, write its instruments into the catalog at ``out`` and record ``seconds`` of its feed there.

    Parameters
    ----------
    out : Path
        The catalog root.
    seconds : float
        How long to record.
    rate : int
        The simulator's public messages per second.
    symbol : str
        The product to record.

    Returns
    -------
    RecordingSummary
        The recorder's last line: messages, rows, files, gaps.

    """
    with DeltaSim(rate=rate, symbols=[symbol]) as sim:
        instruments = asyncio.run(load_instruments(sim.rest_url, [symbol]))
        written = write_instruments(out, instruments)
        print(f"instruments written={written} out={out}")
        recorder = Recorder(
            out,
            rest_url=sim.rest_url,
            ws_url=sim.public_ws_url,
            symbols=[symbol],
            channels=CHANNELS,
            extra_args=["--duration", f"{seconds:g}"],
        ).start()
        try:
            # `--duration` makes the recorder stop by itself; SIGTERM (what `stop()` sends) flushes the same way.
            return recorder.wait(timeout=seconds + 60)
        except KeyboardInterrupt:
            return recorder.stop()


def load_catalog(out: Path, instrument_id: InstrumentId) -> tuple[Instrument, dict[str, list]]:
    """Return the instrument and every recorded data list for it, keyed like :data:`COUNTED`."""
    catalog = ParquetDataCatalog(str(out))
    ids = [instrument_id.value]
    instrument = catalog.instruments(instrument_ids=ids)[0]
    data: dict[str, list] = {
        "quotes": catalog.quote_ticks(instrument_ids=ids),
        "trades": catalog.trade_ticks(instrument_ids=ids),
        # batched=True regroups the deltas into one OrderBookDeltas per venue message, as the live feed has them.
        "deltas": catalog.order_book_deltas(instrument_ids=ids, batched=True),
        "bars": catalog.bars(instrument_ids=ids),
        "mark_prices": catalog.query(MarkPriceUpdate, identifiers=ids),
        "index_prices": catalog.query(IndexPriceUpdate, identifiers=ids),
        "funding_rates": catalog.query(FundingRateUpdate, identifiers=ids),
    }
    return instrument, data


def stored_counts(data: dict[str, list]) -> Counter[str]:
    """How many items of each kind the catalog holds (book deltas counted one by one, not per batch)."""
    counts = Counter({kind: len(items) for kind, items in data.items()})
    counts["deltas"] = sum(len(batch.deltas) for batch in data["deltas"])
    return counts


class BacktestResult(NamedTuple):
    """What the catalog holds, what the strategy received and did, and where the account ended."""

    stored: Counter[str]
    seen: Counter[str]
    position: Decimal
    realized_pnl: Money | None


def run_backtest(out: Path, symbol: str, trade_every: int, log_level: str) -> BacktestResult:
    """
    Backtest :class:`CountingTrader` over the catalog at ``out``.

    Parameters
    ----------
    out : Path
        The catalog root (instruments and recorded data).
    symbol : str
        The recorded product.
    trade_every : int
        The strategy trades every this many quotes.
    log_level : str
        Nautilus's stdout log level.

    Returns
    -------
    BacktestResult
        What the catalog holds, what the strategy received and did (``orders``, ``fills``), and the net
        position and realized PnL at the end.

    """
    instrument_id = InstrumentId.from_str(f"{symbol}.DELTA_EXCHANGE")
    instrument, data = load_catalog(out, instrument_id)
    engine = BacktestEngine(
        BacktestEngineConfig(trader_id="BACKTESTER-001", logging=LoggingConfig(log_level=log_level, log_colors=False)),
    )
    currency = instrument.settlement_currency
    engine.add_venue(
        Venue("DELTA_EXCHANGE"),
        oms_type=OmsType.NETTING,
        account_type=AccountType.MARGIN,
        starting_balances=[Money(1_000_000, currency)],
        base_currency=currency,
        default_leverage=Decimal(10),
        book_type=BookType.L2_MBP,  # the venue's book is rebuilt from the recorded deltas
    )
    engine.add_instrument(instrument)
    for items in data.values():
        if items:  # add_data refuses an empty list (bars, for a recording shorter than a minute)
            engine.add_data(items)
    strategy = CountingTrader(
        CountingTraderConfig(
            instrument_id=instrument_id,
            bar_type=BarType.from_str(f"{instrument_id}-1-MINUTE-LAST-EXTERNAL"),
            trade_every=trade_every,
        ),
    )
    engine.add_strategy(strategy)
    try:
        engine.run()
        return BacktestResult(
            stored_counts(data),
            strategy.counts,
            engine.portfolio.net_position(instrument_id),
            engine.portfolio.realized_pnl(instrument_id),
        )
    finally:
        engine.dispose()


def main(argv: list[str] | None = None) -> int:
    """Parse the command line, record, backtest and print the summaries."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=20.0, help="how long to record (default 20)")
    parser.add_argument("--rate", type=int, default=300, help="sim market messages per second (default 300)")
    parser.add_argument("--symbol", default="BTCUSD", help="the product to record (default BTCUSD)")
    parser.add_argument("--out", type=Path, help="catalog directory to keep (default: a temporary directory)")
    parser.add_argument("--trade-every", type=int, default=25, help="quotes between orders (default 25)")
    parser.add_argument("--log-level", default="WARNING", help="Nautilus log level on stdout (default WARNING)")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="delta-recording-") as scratch:
        out = args.out or Path(scratch)
        summary = record(out, args.seconds, args.rate, args.symbol)
        print(f"recorded messages={summary.messages} rows={summary.rows} files={summary.files} gaps={summary.gaps}")
        result = run_backtest(out, args.symbol, args.trade_every, args.log_level)
    stored, seen = result.stored, result.seen
    print("catalog:", " ".join(f"{kind}={stored[kind]}" for kind in COUNTED))
    print(f"account: position={result.position} realized_pnl={result.realized_pnl}")
    print("backtest:", " ".join(f"{kind}={seen[kind]}" for kind in (*COUNTED, "orders", "fills")))
    complete = all(seen[kind] == stored[kind] for kind in COUNTED)
    print(f"backtest saw every recorded item: {'yes' if complete else 'NO'}")
    return 0 if complete and summary.rows > 0 and seen["fills"] > 0 else 1


if __name__ == "__main__":
    sys.exit(main())
