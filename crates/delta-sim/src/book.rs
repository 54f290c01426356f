//! One product's L2 order book: price levels with integer contract sizes on the tick grid, a sequence
//! number bumped by every change (for `seq`/`sequence_no` on the sockets), taking liquidity, and the
//! feed of changes the socket book channels follow.

use std::collections::BTreeMap;
use std::fmt::Write;

use delta_core::book::CHECKSUM_DEPTH;
use delta_core::model::Side;
use delta_core::parse::RawLevel;
use delta_core::Decimal;
use rand::Rng;
use tokio::sync::broadcast;

/// Changes kept per book for slow socket subscribers before they see a lag (and get `action: error`).
pub const FEED_BUFFER: usize = 8192;

/// Bytes reserved for the checksum's level texts (prices and sizes of 20 levels, most fit).
const CHECKSUM_TEXT_CAPACITY: usize = 512;

/// Where one level's text sits in the checksum buffer: price `start..middle`, size `middle..end`.
type LevelSpan = (usize, usize, usize);

/// One book change as the sockets publish it: the sequence number it produced, the level and the
/// checksum of the book right after it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BookDelta {
    /// The book's sequence number after the change.
    pub seq: u64,
    /// The changed level.
    pub change: LevelChange,
    /// CRC32 of the best 10 asks and bids after the change (REFERENCE 9.7).
    pub checksum: u32,
}

/// A price level (or a fill at one level).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Level {
    /// Price on the tick grid.
    pub price: Decimal,
    /// Contracts.
    pub size: u64,
}

/// The new total size of one level after a change (0 = level removed), for incremental streams.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LevelChange {
    /// The side of the level.
    pub side: Side,
    /// Price of the level.
    pub price: Decimal,
    /// Size after the change.
    pub size: u64,
}

/// How to lay out a synthetic book.
#[derive(Debug, Clone, Copy)]
pub struct SyntheticLayout {
    /// Levels per side.
    pub levels: usize,
    /// Ticks between best bid and best ask.
    pub spread_ticks: u32,
    /// Typical level size in contracts.
    pub base_size: u64,
}

/// An L2 book. Bids and asks are keyed by exact decimal prices at the tick's scale. Every change bumps
/// `seq` by one and is published to [`Book::subscribe`]rs.
#[derive(Debug, Clone)]
pub struct Book {
    tick: Decimal,
    bids: BTreeMap<Decimal, u64>,
    asks: BTreeMap<Decimal, u64>,
    seq: u64,
    feed: broadcast::Sender<BookDelta>,
}

impl Book {
    /// An empty book with this tick size.
    pub fn new(tick: Decimal) -> Self {
        Self { tick, bids: BTreeMap::new(), asks: BTreeMap::new(), seq: 0, feed: broadcast::channel(FEED_BUFFER).0 }
    }

    /// Every change from now on. Take it under the same lock as a snapshot: the first delta received
    /// then has `seq` = snapshot seq + 1.
    pub fn subscribe(&self) -> broadcast::Receiver<BookDelta> {
        self.feed.subscribe()
    }

    /// The checksum of the current book (REFERENCE 9.7), computed by delta-core's
    /// [`delta_core::book::checksum`] over the price and size text the sockets send, best 10 per side.
    /// The texts of all levels go into one buffer; no per-level allocation.
    pub fn checksum(&self) -> u32 {
        let mut text = String::with_capacity(CHECKSUM_TEXT_CAPACITY);
        let mut asks = [(0, 0, 0); CHECKSUM_DEPTH];
        let mut bids = [(0, 0, 0); CHECKSUM_DEPTH];
        let ask_count = write_levels(&mut text, &mut asks, self.asks.iter());
        let bid_count = write_levels(&mut text, &mut bids, self.bids.iter().rev());
        delta_core::book::checksum(raw_levels(&text, &asks[..ask_count]), raw_levels(&text, &bids[..bid_count]))
    }

    fn publish(&mut self, change: LevelChange) {
        self.seq += 1;
        if self.feed.receiver_count() > 0 {
            // An error only means the last subscriber just left.
            let _ = self.feed.send(BookDelta { seq: self.seq, change, checksum: self.checksum() });
        }
    }

    /// A synthetic book around `mid`: best bid at or below `mid` on the grid, the ask `spread_ticks`
    /// above, then levels 1-3 ticks apart with sizes drawn from `rng`. Non-positive bid prices are skipped.
    pub fn synthetic(tick: Decimal, mid: Decimal, layout: SyntheticLayout, rng: &mut impl Rng) -> Self {
        let mut book = Self::new(tick);
        let best_bid = floor_to_tick(mid, tick);
        let spread = multiple(tick, i64::from(layout.spread_ticks.max(1)));
        let best_ask = best_bid.checked_add(&spread).unwrap_or(best_bid);
        let base = layout.base_size.max(4);
        for (side, start) in [(Side::Buy, best_bid), (Side::Sell, best_ask)] {
            let mut price = start;
            for _ in 0..layout.levels {
                if price.is_negative() || price.is_zero() {
                    break;
                }
                let size = rng.random_range(base / 4..=base * 2);
                book.side_mut(side).insert(price.round_to(tick.scale()), size);
                let step = multiple(tick, rng.random_range(1..=3));
                price = match side {
                    Side::Buy => price.checked_sub(&step),
                    Side::Sell => price.checked_add(&step),
                }
                .unwrap_or(Decimal::ZERO);
            }
        }
        book
    }

    /// The tick size.
    pub fn tick(&self) -> Decimal {
        self.tick
    }

    /// The sequence number: the count of changes since the book was built.
    pub fn seq(&self) -> u64 {
        self.seq
    }

    /// The highest bid.
    pub fn best_bid(&self) -> Option<Level> {
        self.bids.iter().next_back().map(|(price, size)| Level { price: *price, size: *size })
    }

    /// The lowest ask.
    pub fn best_ask(&self) -> Option<Level> {
        self.asks.iter().next().map(|(price, size)| Level { price: *price, size: *size })
    }

    /// The best `depth` levels of `side`, best first (bids descending, asks ascending).
    pub fn levels(&self, side: Side, depth: usize) -> Vec<Level> {
        let to_level = |(price, size): (&Decimal, &u64)| Level { price: *price, size: *size };
        match side {
            Side::Buy => self.bids.iter().rev().take(depth).map(to_level).collect(),
            Side::Sell => self.asks.iter().take(depth).map(to_level).collect(),
        }
    }

    /// Adds `size` contracts at `price` on `side`.
    pub fn add(&mut self, side: Side, price: Decimal, size: u64) -> LevelChange {
        let price = price.round_to(self.tick.scale());
        let level = self.side_mut(side).entry(price).or_insert(0);
        *level = level.saturating_add(size);
        let change = LevelChange { side, price, size: *level };
        self.publish(change);
        change
    }

    /// Removes up to `size` contracts at `price` on `side`; the level disappears at zero.
    pub fn reduce(&mut self, side: Side, price: Decimal, size: u64) -> LevelChange {
        let price = price.round_to(self.tick.scale());
        let levels = self.side_mut(side);
        let left = levels.get(&price).map_or(0, |current| current.saturating_sub(size));
        if left == 0 {
            levels.remove(&price);
        } else {
            levels.insert(price, left);
        }
        let change = LevelChange { side, price, size: left };
        self.publish(change);
        change
    }

    /// The fills a taker on `taker_side` would get for `size` contracts, best price first, without
    /// crossing `limit` (any price when `None`). The sum of the fills may be below `size`.
    pub fn preview_take(&self, taker_side: Side, size: u64, limit: Option<Decimal>) -> Vec<Level> {
        let within = |price: &Decimal| match (taker_side, limit) {
            (_, None) => true,
            (Side::Buy, Some(limit)) => *price <= limit,
            (Side::Sell, Some(limit)) => *price >= limit,
        };
        let mut left = size;
        let mut fills = Vec::new();
        for level in self.levels(taker_side.opposite(), usize::MAX) {
            if left == 0 || !within(&level.price) {
                break;
            }
            let take = left.min(level.size);
            fills.push(Level { price: level.price, size: take });
            left -= take;
        }
        fills
    }

    /// Takes liquidity like [`Book::preview_take`] and removes it from the book. Returns the fills and
    /// the changed levels.
    pub fn take(&mut self, taker_side: Side, size: u64, limit: Option<Decimal>) -> (Vec<Level>, Vec<LevelChange>) {
        let fills = self.preview_take(taker_side, size, limit);
        let changes = fills.iter().map(|fill| self.reduce(taker_side.opposite(), fill.price, fill.size)).collect();
        (fills, changes)
    }

    fn side_mut(&mut self, side: Side) -> &mut BTreeMap<Decimal, u64> {
        match side {
            Side::Buy => &mut self.bids,
            Side::Sell => &mut self.asks,
        }
    }
}

/// `tick × count`.
/// Writes the price and size text of up to `spans.len()` levels into `text`, recording where each sits;
/// returns how many levels were written.
fn write_levels<'a>(
    text: &mut String,
    spans: &mut [LevelSpan],
    levels: impl Iterator<Item = (&'a Decimal, &'a u64)>,
) -> usize {
    let mut count = 0;
    for (span, (price, size)) in spans.iter_mut().zip(levels) {
        let start = text.len();
        // Writing into a String cannot fail.
        let _ = write!(text, "{price}");
        let middle = text.len();
        let _ = write!(text, "{size}");
        *span = (start, middle, text.len());
        count += 1;
    }
    count
}

/// The levels recorded by [`write_levels`] as delta-core's raw levels.
fn raw_levels<'a>(text: &'a str, spans: &'a [LevelSpan]) -> impl Iterator<Item = RawLevel<'a>> + 'a {
    spans.iter().map(move |&(start, middle, end)| RawLevel { price: &text[start..middle], size: &text[middle..end] })
}

fn multiple(tick: Decimal, count: i64) -> Decimal {
    tick.checked_mul(&Decimal::from_int(count)).unwrap_or(tick)
}

/// The largest multiple of `tick` not above `value`.
pub fn floor_to_tick(value: Decimal, tick: Decimal) -> Decimal {
    let Some(ratio) = value.checked_div(&tick, 0) else { return value };
    let mut floor = ratio.checked_mul(&tick).unwrap_or(value);
    if floor > value {
        floor = floor.checked_sub(&tick).unwrap_or(floor);
    }
    floor.round_to(tick.scale())
}

/// True when `value` is a whole multiple of `tick`.
pub fn on_tick(value: Decimal, tick: Decimal) -> bool {
    floor_to_tick(value, tick) == value
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::rngs::StdRng;
    use rand::SeedableRng;

    fn d(text: &str) -> Decimal {
        text.parse().unwrap()
    }

    fn layout() -> SyntheticLayout {
        SyntheticLayout { levels: 10, spread_ticks: 1, base_size: 1000 }
    }

    #[test]
    fn checksum_uses_the_socket_text_of_the_best_ten_levels() {
        // REFERENCE 9.7's second vector: prices keep the tick's scale ("100.00"), sizes are integers.
        let mut book = Book::new(d("0.01"));
        for (price, size) in [("100.00", 23), ("100.05", 34)] {
            book.add(Side::Sell, d(price), size);
        }
        for (price, size) in [("99.04", 87), ("98.65", 102), ("98.30", 16)] {
            book.add(Side::Buy, d(price), size);
        }
        assert_eq!(book.checksum(), 3_599_895_312);
        // Levels beyond the best ten do not count.
        let before = book.checksum();
        for cents in 0..10 {
            book.add(Side::Sell, d(&format!("101.{cents}0")), 1);
        }
        let top_ten = book.checksum();
        book.add(Side::Sell, d("105.00"), 7);
        assert_ne!(before, top_ten);
        assert_eq!(book.checksum(), top_ten);
    }

    #[test]
    fn synthetic_books_are_deterministic_and_on_the_grid() {
        let a = Book::synthetic(d("0.5"), d("68452.8"), layout(), &mut StdRng::seed_from_u64(7));
        let b = Book::synthetic(d("0.5"), d("68452.8"), layout(), &mut StdRng::seed_from_u64(7));
        assert_eq!(a.levels(Side::Buy, 10), b.levels(Side::Buy, 10));
        assert_eq!(a.best_bid().unwrap().price.to_string(), "68452.5");
        assert_eq!(a.best_ask().unwrap().price.to_string(), "68453.0");
        let bids = a.levels(Side::Buy, 10);
        assert_eq!(bids.len(), 10);
        assert!(bids.windows(2).all(|w| w[0].price > w[1].price));
        assert!(a.levels(Side::Sell, 10).windows(2).all(|w| w[0].price < w[1].price));
        assert!(bids.iter().all(|level| on_tick(level.price, d("0.5")) && level.size >= 250));
    }

    #[test]
    fn take_walks_levels_up_to_the_limit_and_bumps_seq() {
        let mut book = Book::new(d("0.5"));
        book.add(Side::Sell, d("100.0"), 5);
        book.add(Side::Sell, d("100.5"), 5);
        book.add(Side::Sell, d("101.0"), 5);
        let seq = book.seq();
        let (fills, changes) = book.take(Side::Buy, 12, Some(d("100.5")));
        assert_eq!(fills, vec![Level { price: d("100.0"), size: 5 }, Level { price: d("100.5"), size: 5 }]);
        assert_eq!(changes.len(), 2);
        assert_eq!(changes[0].size, 0);
        assert_eq!(book.seq(), seq + 2);
        assert_eq!(book.best_ask().unwrap(), Level { price: d("101.0"), size: 5 });
        assert_eq!(book.preview_take(Side::Buy, 100, None), vec![Level { price: d("101.0"), size: 5 }]);
    }

    #[test]
    fn tick_grid_helpers() {
        assert_eq!(floor_to_tick(d("1215.07"), d("0.1")).to_string(), "1215.0");
        assert_eq!(floor_to_tick(d("3500.05"), d("0.05")).to_string(), "3500.05");
        assert!(on_tick(d("68000"), d("0.5")));
        assert!(!on_tick(d("68000.2"), d("0.5")));
    }
}
