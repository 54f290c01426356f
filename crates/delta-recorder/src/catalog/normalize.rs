//! Socket events → catalog rows, the same values the Python adapter builds for a live node (both use
//! `delta_core::nautilus`): books as `OrderBookDelta` batches (a snapshot is CLEAR then ADDs, every delta
//! `F_SNAPSHOT` but the last, which is exactly `F_LAST`; an update's last delta is `F_LAST`), quotes from
//! `ob_l1`/`l1_orderbook`/`ticker`, trades with deterministic ids, closed candles as bars, mark prices, index
//! prices for every recorded product on that index, and funding rates as fractions.

use std::collections::HashMap;
use std::sync::Arc;

use delta_core::bars::{BarTracker, ClosedBar};
use delta_core::nautilus::{
    action, aggressor, bar_step, event_ns, flags, level_action, to_raw, TradeIds, BUY, NO_SIDE, SELL,
};
use delta_core::parse::Channel;
use delta_core::ws::{BookUpdate, MarketEvent, TopOfBook};
use delta_core::Decimal;

use super::rows::{Row, TimedRow};
use super::schema::{DataKind, StreamKey};

/// Nautilus venue of every instrument id.
pub const VENUE: &str = "DELTA_EXCHANGE";

/// A product as the catalog names and scales it (the precisions the Python provider gives the instrument).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Instrument {
    /// Delta product symbol.
    pub symbol: Arc<str>,
    /// Price precision: the decimals of the tick size.
    pub price_precision: u8,
    /// Size precision (0: whole contracts).
    pub size_precision: u8,
    /// The product's spot index symbol (`.DEXBTUSD`), whose prices are its index prices.
    pub index_symbol: Option<Arc<str>>,
}

impl Instrument {
    /// `{symbol}.DELTA_EXCHANGE`.
    pub fn instrument_id(&self) -> String {
        format!("{}.{VENUE}", self.symbol)
    }
}

/// Why an event produced no row.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Skipped {
    /// Data of a symbol that is not being recorded (or a mark candle).
    pub unrouted: u64,
    /// A quote missing a side, or a value beyond an i128 raw.
    pub unusable: u64,
}

struct Route {
    instrument: Instrument,
    keys: HashMap<DataKind, StreamKey>,
}

impl Route {
    fn key(&mut self, kind: DataKind) -> StreamKey {
        let instrument = &self.instrument;
        self.keys
            .entry(kind)
            .or_insert_with(|| StreamKey {
                kind,
                instrument_id: Arc::from(instrument.instrument_id()),
                bar_type: None,
                price_precision: instrument.price_precision,
                size_precision: instrument.size_precision,
            })
            .clone()
    }
}

/// Turns the market events of one recording into keyed rows.
pub struct Normalizer {
    routes: HashMap<Arc<str>, Route>,
    index_targets: HashMap<Arc<str>, Vec<Arc<str>>>,
    bar_keys: HashMap<(Arc<str>, Arc<str>), StreamKey>,
    trade_ids: TradeIds,
    bars: BarTracker,
    skipped: Skipped,
}

/// Where rows go.
pub type RowSink = Vec<(StreamKey, TimedRow)>;

impl Normalizer {
    /// A normalizer for `instruments`.
    pub fn new(instruments: impl IntoIterator<Item = Instrument>) -> Self {
        let mut routes = HashMap::new();
        let mut index_targets: HashMap<Arc<str>, Vec<Arc<str>>> = HashMap::new();
        for instrument in instruments {
            if let Some(index) = &instrument.index_symbol {
                index_targets.entry(Arc::clone(index)).or_default().push(Arc::clone(&instrument.symbol));
            }
            routes.insert(Arc::clone(&instrument.symbol), Route { instrument, keys: HashMap::new() });
        }
        Self {
            routes,
            index_targets,
            bar_keys: HashMap::new(),
            trade_ids: TradeIds::default(),
            bars: BarTracker::new(),
            skipped: Skipped::default(),
        }
    }

    /// Events that produced no row, by reason.
    pub fn skipped(&self) -> Skipped {
        self.skipped
    }

    /// Appends the rows of `event`, received at `ts_init`, to `out`.
    pub fn rows(&mut self, event: &MarketEvent, ts_init: u64, out: &mut RowSink) {
        let before = out.len();
        let usable = match event {
            MarketEvent::Book(book) => self.book(book, ts_init, out),
            MarketEvent::TopOfBook(top) | MarketEvent::TickerQuote(top) => self.quote(top, ts_init, out),
            MarketEvent::Trade(trade) => self.routes.get_mut(&*trade.symbol).map(|route| {
                let (pp, sp) = (route.instrument.price_precision, route.instrument.size_precision);
                let key = route.key(DataKind::TradeTick);
                let row = Row::Trade {
                    price: to_raw(&trade.price, pp)?,
                    size: to_raw(&trade.size, sp)?,
                    aggressor: aggressor(trade.aggressor),
                    trade_id: self.trade_ids.next(&trade.symbol, trade.trade_time_us),
                };
                out.push((key, timed(row, event_ns(Some(trade.trade_time_us), ts_init), ts_init)));
                Some(())
            }),
            MarketEvent::MarkPrice(price) => {
                let symbol = price.symbol.strip_prefix("MARK:").unwrap_or(&price.symbol);
                self.routes.get_mut(symbol).map(|route| {
                    let key = route.key(DataKind::MarkPriceUpdate);
                    let value = to_raw(&price.price, route.instrument.price_precision)?;
                    out.push((key, timed(Row::Price { value }, event_ns(price.timestamp_us, ts_init), ts_init)));
                    Some(())
                })
            }
            MarketEvent::IndexPrice(price) => self.index_targets.get(&price.symbol).cloned().map(|targets| {
                for target in targets {
                    let route = self.routes.get_mut(&target)?;
                    let key = route.key(DataKind::IndexPriceUpdate);
                    let value = to_raw(&price.price, route.instrument.price_precision)?;
                    out.push((key, timed(Row::Price { value }, event_ns(price.timestamp_us, ts_init), ts_init)));
                }
                Some(())
            }),
            MarketEvent::Funding(funding) => self.routes.get_mut(&*funding.symbol).map(|route| {
                let key = route.key(DataKind::FundingRateUpdate);
                let row = Row::Funding {
                    rate: funding.rate.percent_to_fraction()?.to_string(),
                    next_funding_ns: funding.next_funding_us.map(|us| event_ns(Some(us), 0)),
                };
                out.push((key, timed(row, event_ns(funding.timestamp_us, ts_init), ts_init)));
                Some(())
            }),
            MarketEvent::Candle(candle) => match self.bars.update(candle) {
                Ok(Some(bar)) => self.bar(&bar, ts_init, out),
                Ok(None) => Some(Some(())),
                Err(_) => Some(None),
            },
            _ => Some(Some(())),
        };
        match usable {
            None => self.skipped.unrouted += 1,
            Some(None) => {
                out.truncate(before);
                self.skipped.unusable += 1;
            }
            Some(Some(())) => {}
        }
    }

    /// One message's deltas, in the live adapter's order: bids then asks, as sent.
    fn book(&mut self, book: &BookUpdate, ts_init: u64, out: &mut RowSink) -> Option<Option<()>> {
        let route = self.routes.get_mut(&book.symbol)?;
        let depth_only = book.channel == Channel::ObL2.name() || book.channel == Channel::L2Orderbook.name();
        let snapshot = book.snapshot || depth_only;
        let sequence = if depth_only { 0 } else { book.seq.unwrap_or(0) };
        let count = book.bids.len() + book.asks.len();
        if !snapshot && count == 0 {
            return Some(Some(()));
        }
        let key = route.key(DataKind::OrderBookDelta);
        let (pp, sp) = (route.instrument.price_precision, route.instrument.size_precision);
        let ts_event = event_ns(book.timestamp_us, ts_init);
        let base_flags = if snapshot { flags::F_SNAPSHOT } else { 0 };
        if snapshot {
            let clear_flags = if count == 0 { flags::F_LAST } else { base_flags };
            let clear =
                Row::Delta { action: action::CLEAR, side: NO_SIDE, price: 0, size: 0, flags: clear_flags, sequence };
            out.push((key.clone(), timed(clear, ts_event, ts_init)));
        }
        let levels = book.bids.iter().map(|level| (BUY, level)).chain(book.asks.iter().map(|level| (SELL, level)));
        Some((|| {
            for (i, (side, (price, size))) in levels.enumerate() {
                let row = Row::Delta {
                    action: level_action(snapshot, size),
                    side,
                    price: to_raw(price, pp)?,
                    size: to_raw(size, sp)?,
                    flags: if i + 1 == count { flags::F_LAST } else { base_flags },
                    sequence,
                };
                out.push((key.clone(), timed(row, ts_event, ts_init)));
            }
            Some(())
        })())
    }

    fn quote(&mut self, top: &TopOfBook, ts_init: u64, out: &mut RowSink) -> Option<Option<()>> {
        let route = self.routes.get_mut(&top.symbol)?;
        let (pp, sp) = (route.instrument.price_precision, route.instrument.size_precision);
        let key = route.key(DataKind::QuoteTick);
        let raw = |value: &Option<Decimal>, precision| value.as_ref().and_then(|v| to_raw(v, precision));
        Some((|| {
            let row = Row::Quote {
                bid: raw(&top.bid_price, pp)?,
                ask: raw(&top.ask_price, pp)?,
                bid_size: raw(&top.bid_size, sp)?,
                ask_size: raw(&top.ask_size, sp)?,
            };
            out.push((key, timed(row, event_ns(top.timestamp_us, ts_init), ts_init)));
            Some(())
        })())
    }

    fn bar(&mut self, bar: &ClosedBar, ts_init: u64, out: &mut RowSink) -> Option<Option<()>> {
        let route = self.routes.get(&bar.symbol)?;
        let (pp, sp) = (route.instrument.price_precision, route.instrument.size_precision);
        let bar_key = (Arc::clone(&bar.symbol), Arc::clone(&bar.resolution));
        let key = match self.bar_keys.get(&bar_key) {
            Some(key) => key.clone(),
            None => {
                let (step, aggregation) = bar_step(&bar.resolution)?;
                let instrument_id = route.instrument.instrument_id();
                let key = StreamKey {
                    kind: DataKind::Bar,
                    bar_type: Some(Arc::from(format!("{instrument_id}-{step}-{aggregation}-LAST-EXTERNAL"))),
                    instrument_id: Arc::from(instrument_id),
                    price_precision: pp,
                    size_precision: sp,
                };
                self.bar_keys.insert(bar_key, key.clone());
                key
            }
        };
        Some((|| {
            let row = Row::Bar {
                open: to_raw(&bar.open, pp)?,
                high: to_raw(&bar.high, pp)?,
                low: to_raw(&bar.low, pp)?,
                close: to_raw(&bar.close, pp)?,
                volume: to_raw(&bar.volume.unwrap_or(Decimal::ZERO), sp)?,
            };
            out.push((key, timed(row, event_ns(Some(bar.end_us), 0), ts_init)));
            Some(())
        })())
    }
}

fn timed(row: Row, ts_event: u64, ts_init: u64) -> TimedRow {
    TimedRow { row, ts_event, ts_init }
}

#[cfg(test)]
mod tests {
    use delta_core::model::Side;
    use delta_core::ws::{CandleEvent, FundingEvent, PriceEvent, TradeEvent};

    use super::*;

    const NS: u64 = 1_000;

    fn d(text: &str) -> Decimal {
        Decimal::parse(text).unwrap()
    }

    fn normalizer() -> Normalizer {
        let instrument = |symbol: &str, precision| Instrument {
            symbol: Arc::from(symbol),
            price_precision: precision,
            size_precision: 0,
            index_symbol: Some(Arc::from(".DEXBTUSD")),
        };
        Normalizer::new([instrument("BTCUSD", 1), instrument("BTC_FUT", 0)])
    }

    fn rows(normalizer: &mut Normalizer, event: MarketEvent) -> RowSink {
        let mut out = Vec::new();
        normalizer.rows(&event, NS, &mut out);
        out
    }

    fn book(snapshot: bool, bids: &[(&str, &str)], asks: &[(&str, &str)]) -> MarketEvent {
        let levels = |side: &[(&str, &str)]| side.iter().map(|(p, s)| (d(p), d(s))).collect();
        MarketEvent::Book(BookUpdate {
            channel: "ob_updates",
            symbol: Arc::from("BTCUSD"),
            snapshot,
            asks: levels(asks),
            bids: levels(bids),
            seq: Some(7),
            timestamp_us: Some(5),
        })
    }

    fn deltas(rows: &RowSink) -> Vec<(u8, u8, u8)> {
        rows.iter()
            .map(|(_, timed)| match &timed.row {
                Row::Delta { action, side, flags, .. } => (*action, *side, *flags),
                other => panic!("not a delta: {other:?}"),
            })
            .collect()
    }

    #[test]
    fn books_become_batches_flagged_like_the_live_adapter() {
        let mut normalizer = normalizer();
        let snapshot = rows(&mut normalizer, book(true, &[("100.5", "3")], &[("101", "2")]));
        let snap = flags::F_SNAPSHOT;
        assert_eq!(
            deltas(&snapshot),
            [(action::CLEAR, NO_SIDE, snap), (action::ADD, BUY, snap), (action::ADD, SELL, flags::F_LAST)]
        );
        assert!(snapshot.iter().all(|(key, t)| key.kind == DataKind::OrderBookDelta && t.ts_event == 5_000));
        let update = rows(&mut normalizer, book(false, &[("100.5", "0")], &[("101", "4")]));
        assert_eq!(deltas(&update), [(action::DELETE, BUY, 0), (action::UPDATE, SELL, flags::F_LAST)]);
        assert!(rows(&mut normalizer, book(false, &[], &[])).is_empty(), "an empty update is no batch");
        let empty = rows(&mut normalizer, book(true, &[], &[]));
        assert_eq!(deltas(&empty), [(action::CLEAR, NO_SIDE, flags::F_LAST)], "an empty snapshot clears");
    }

    #[test]
    fn prices_trades_funding_and_index_fan_out() {
        let mut normalizer = normalizer();
        let price = |symbol: &str, value: &str| PriceEvent {
            symbol: Arc::from(symbol),
            price: d(value),
            timestamp_us: Some(9),
        };
        let mark = rows(&mut normalizer, MarketEvent::MarkPrice(price("MARK:BTCUSD", "68452.46")));
        assert_eq!(mark[0].1.row, Row::Price { value: to_raw(&d("68452.5"), 1).unwrap() }, "rounded to the tick");
        let index = rows(&mut normalizer, MarketEvent::IndexPrice(price(".DEXBTUSD", "68452.46")));
        let ids: Vec<&str> = index.iter().map(|(key, _)| &*key.instrument_id).collect();
        assert_eq!(ids, ["BTCUSD.DELTA_EXCHANGE", "BTC_FUT.DELTA_EXCHANGE"], "every product on that index");
        assert_eq!(index[1].1.row, Row::Price { value: to_raw(&d("68452"), 0).unwrap() }, "at each product's tick");
        let trade = |time_us| {
            MarketEvent::Trade(TradeEvent {
                symbol: Arc::from("BTCUSD"),
                price: d("68453.5"),
                size: d("40"),
                aggressor: Side::Sell,
                trade_time_us: time_us,
            })
        };
        let ids: Vec<String> = [trade(3), trade(3), trade(4)]
            .into_iter()
            .flat_map(|event| rows(&mut normalizer, event))
            .map(|(_, timed)| match timed.row {
                Row::Trade { trade_id, aggressor, .. } => format!("{trade_id}/{aggressor}"),
                other => panic!("{other:?}"),
            })
            .collect();
        assert_eq!(ids, ["3-0/2", "3-1/2", "4-0/2"]);
        let funding = FundingEvent {
            symbol: Arc::from("BTCUSD"),
            rate: d("0.0034"),
            next_funding_us: Some(10),
            timestamp_us: None,
        };
        let funding = rows(&mut normalizer, MarketEvent::Funding(funding));
        assert_eq!(funding[0].1.row, Row::Funding { rate: "0.000034".into(), next_funding_ns: Some(10_000) });
        assert_eq!(funding[0].1.ts_event, NS, "no exchange time: the receive time");
        let unknown = rows(&mut normalizer, MarketEvent::MarkPrice(price("ETHUSD", "1")));
        assert!(unknown.is_empty());
        assert_eq!(normalizer.skipped(), Skipped { unrouted: 1, unusable: 0 });
    }

    #[test]
    fn a_closed_candle_is_a_bar_of_its_bar_type_and_half_quotes_are_skipped() {
        let mut normalizer = normalizer();
        let candle = |start_us: i64, close: &str| {
            MarketEvent::Candle(CandleEvent {
                symbol: Arc::from("BTCUSD"),
                resolution: Arc::from("1m"),
                open: d("100"),
                high: d("102"),
                low: d("99"),
                close: d(close),
                volume: Some(d("12")),
                candle_start_us: Some(start_us),
                timestamp_us: Some(start_us + 1),
            })
        };
        assert!(rows(&mut normalizer, candle(60_000_000, "101")).is_empty(), "still forming");
        let closed = rows(&mut normalizer, candle(120_000_000, "100"));
        let (key, timed) = &closed[0];
        assert_eq!(key.bar_type.as_deref(), Some("BTCUSD.DELTA_EXCHANGE-1-MINUTE-LAST-EXTERNAL"));
        assert_eq!(timed.ts_event, 120_000_000_000, "a bar is stamped with its close");
        assert!(matches!(timed.row, Row::Bar { close, .. } if close == to_raw(&d("101"), 1).unwrap()));
        let half = TopOfBook {
            symbol: Arc::from("BTCUSD"),
            bid_price: Some(d("1")),
            bid_size: None,
            ask_price: Some(d("2")),
            ask_size: Some(d("3")),
            timestamp_us: None,
        };
        assert!(rows(&mut normalizer, MarketEvent::TopOfBook(half)).is_empty());
        assert_eq!(normalizer.skipped().unusable, 1);
    }
}
