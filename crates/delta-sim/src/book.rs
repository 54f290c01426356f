//! One product's L2 order book: price levels with integer contract sizes on the tick grid, a sequence
//! number bumped by every change (for `seq`/`sequence_no` on the sockets), taking liquidity, and the
//! feed of changes the socket book channels follow.
//!
//! Levels hold synthetic size (the market generator's) and the size of resting user orders. Only levels
//! holding user orders keep a queue, in time order: each user order records the synthetic size queued
//! ahead of it (after the previous user order), and synthetic size added later queues behind everything.
//! A taker consumes a level front to back (price-time priority), so user orders fill when the market
//! trades through them; synthetic cancellations ([`Book::reduce_synthetic`]) never take user size and come
//! off the back of the queue first. Levels without user orders cost nothing extra.

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

/// A resting user order in its level's queue: `ahead` synthetic contracts queue before it, after the
/// previous user order of the level.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Slot {
    order_id: u64,
    ahead: u64,
    size: u64,
}

/// A fill of a resting user order by a taker.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MakerFill {
    /// The user order.
    pub order_id: u64,
    /// The level's price.
    pub price: Decimal,
    /// Contracts filled.
    pub size: u64,
}

/// Where a removed user order sat in its queue, to put it back with the same priority.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QueuePlace {
    index: usize,
    ahead: u64,
}

/// What a taker got: the fills per level (best first) and, among them, the resting user orders filled.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Taken {
    /// Contracts taken per level, best price first.
    pub fills: Vec<Level>,
    /// User orders filled, in queue order.
    pub maker_fills: Vec<MakerFill>,
}

impl Taken {
    /// Contracts taken in total.
    pub fn size(&self) -> u64 {
        self.fills.iter().map(|fill| fill.size).sum()
    }
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
    bid_queues: BTreeMap<Decimal, Vec<Slot>>,
    ask_queues: BTreeMap<Decimal, Vec<Slot>>,
    seq: u64,
    feed: broadcast::Sender<BookDelta>,
}

impl Book {
    /// An empty book with this tick size.
    pub fn new(tick: Decimal) -> Self {
        Self {
            tick,
            bids: BTreeMap::new(),
            asks: BTreeMap::new(),
            bid_queues: BTreeMap::new(),
            ask_queues: BTreeMap::new(),
            seq: 0,
            feed: broadcast::channel(FEED_BUFFER).0,
        }
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

    /// Adds `size` synthetic contracts at `price` on `side`, behind everything already queued there.
    pub fn add(&mut self, side: Side, price: Decimal, size: u64) -> LevelChange {
        let price = price.round_to(self.tick.scale());
        let level = self.side_mut(side).entry(price).or_insert(0);
        *level = level.saturating_add(size);
        let change = LevelChange { side, price, size: *level };
        self.publish(change);
        change
    }

    /// Removes `size` contracts from a level (the level disappears at zero) without looking at queues.
    fn reduce_level(&mut self, side: Side, price: Decimal, size: u64) -> LevelChange {
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

    /// Removes up to `size` synthetic contracts at `price` on `side`: never a user order's size, the newest
    /// synthetic size (the back of the queue) first. `None` when the level has no synthetic size.
    pub fn reduce_synthetic(&mut self, side: Side, price: Decimal, size: u64) -> Option<LevelChange> {
        let price = price.round_to(self.tick.scale());
        let total = self.side_ref(side).get(&price).copied()?;
        let size = match self.queues_mut(side).get_mut(&price) {
            None => size.min(total),
            Some(queue) => {
                let users: u64 = queue.iter().map(|slot| slot.size).sum();
                let queued: u64 = queue.iter().map(|slot| slot.ahead + slot.size).sum();
                let removed = size.min(total - users);
                let mut left = removed.saturating_sub(total - queued);
                for slot in queue.iter_mut().rev() {
                    let cut = left.min(slot.ahead);
                    slot.ahead -= cut;
                    left -= cut;
                }
                removed
            }
        };
        (size > 0).then(|| self.reduce_level(side, price, size))
    }

    /// Rests a user order of `size` contracts at `price`: it queues behind everything already there.
    pub fn rest_user(&mut self, side: Side, price: Decimal, order_id: u64, size: u64) -> LevelChange {
        let price = price.round_to(self.tick.scale());
        let total = self.side_ref(side).get(&price).copied().unwrap_or(0);
        let queue = self.queues_mut(side).entry(price).or_default();
        let queued: u64 = queue.iter().map(|slot| slot.ahead + slot.size).sum();
        queue.push(Slot { order_id, ahead: total.saturating_sub(queued), size });
        self.add(side, price, size)
    }

    /// Takes a user order out of its level; the synthetic size that queued ahead of it stays ahead of the
    /// next one. Returns where it sat ([`Book::restore_user`] puts it back there); `None` if not resting.
    pub fn remove_user(&mut self, side: Side, price: Decimal, order_id: u64) -> Option<QueuePlace> {
        let price = price.round_to(self.tick.scale());
        let queues = self.queues_mut(side);
        let queue = queues.get_mut(&price)?;
        let index = queue.iter().position(|slot| slot.order_id == order_id)?;
        let slot = queue.remove(index);
        if let Some(next) = queue.get_mut(index) {
            next.ahead += slot.ahead;
        }
        if queue.is_empty() {
            queues.remove(&price);
        }
        self.reduce_level(side, price, slot.size);
        Some(QueuePlace { index, ahead: slot.ahead })
    }

    /// Puts a user order removed by [`Book::remove_user`] back at its place in the queue.
    pub fn restore_user(&mut self, side: Side, price: Decimal, order_id: u64, size: u64, place: QueuePlace) {
        let price = price.round_to(self.tick.scale());
        let queue = self.queues_mut(side).entry(price).or_default();
        let index = place.index.min(queue.len());
        if let Some(next) = queue.get_mut(index) {
            next.ahead = next.ahead.saturating_sub(place.ahead);
        }
        queue.insert(index, Slot { order_id, ahead: place.ahead, size });
        self.add(side, price, size);
    }

    /// The user orders resting at a level, in queue order, as `(order_id, synthetic size ahead, size)`.
    pub fn queue(&self, side: Side, price: Decimal) -> Vec<(u64, u64, u64)> {
        let queues = match side {
            Side::Buy => &self.bid_queues,
            Side::Sell => &self.ask_queues,
        };
        queues
            .get(&price.round_to(self.tick.scale()))
            .map(|queue| queue.iter().map(|slot| (slot.order_id, slot.ahead, slot.size)).collect())
            .unwrap_or_default()
    }

    /// The fills a taker on `taker_side` would get for `size` contracts, best price first, without
    /// crossing `limit` (any price when `None`). The sum of the fills may be below `size`.
    pub fn preview_take(&self, taker_side: Side, size: u64, limit: Option<Decimal>) -> Vec<Level> {
        match taker_side.opposite() {
            Side::Buy => preview(self.bids.iter().rev(), taker_side, size, limit),
            Side::Sell => preview(self.asks.iter(), taker_side, size, limit),
        }
    }

    /// Takes liquidity like [`Book::preview_take`], level by level in price-time priority: at a level
    /// holding user orders, the synthetic size ahead of each is taken before it, and the user orders
    /// reached are filled (partly or fully).
    pub fn take(&mut self, taker_side: Side, size: u64, limit: Option<Decimal>) -> Taken {
        let side = taker_side.opposite();
        let mut left = size;
        let mut taken = Taken::default();
        while left > 0 {
            let best = match side {
                Side::Buy => self.best_bid(),
                Side::Sell => self.best_ask(),
            };
            let Some(level) = best.filter(|level| within(taker_side, limit, level.price)) else { break };
            let take = left.min(level.size);
            if let Some(queue) = self.queues_mut(side).get_mut(&level.price) {
                fill_queue(queue, level.price, take, &mut taken.maker_fills);
                if queue.is_empty() {
                    self.queues_mut(side).remove(&level.price);
                }
            }
            self.reduce_level(side, level.price, take);
            taken.fills.push(Level { price: level.price, size: take });
            left -= take;
        }
        taken
    }

    fn side_ref(&self, side: Side) -> &BTreeMap<Decimal, u64> {
        match side {
            Side::Buy => &self.bids,
            Side::Sell => &self.asks,
        }
    }

    fn queues_mut(&mut self, side: Side) -> &mut BTreeMap<Decimal, Vec<Slot>> {
        match side {
            Side::Buy => &mut self.bid_queues,
            Side::Sell => &mut self.ask_queues,
        }
    }

    fn side_mut(&mut self, side: Side) -> &mut BTreeMap<Decimal, u64> {
        match side {
            Side::Buy => &mut self.bids,
            Side::Sell => &mut self.asks,
        }
    }
}

/// Whether a taker on `taker_side` limited to `limit` may trade at `price`.
fn within(taker_side: Side, limit: Option<Decimal>, price: Decimal) -> bool {
    match (taker_side, limit) {
        (_, None) => true,
        (Side::Buy, Some(limit)) => price <= limit,
        (Side::Sell, Some(limit)) => price >= limit,
    }
}

/// The fills of [`Book::preview_take`] over `levels`, best first.
fn preview<'a>(
    levels: impl Iterator<Item = (&'a Decimal, &'a u64)>,
    taker_side: Side,
    size: u64,
    limit: Option<Decimal>,
) -> Vec<Level> {
    let mut left = size;
    let mut fills = Vec::new();
    for (price, level) in levels {
        if left == 0 || !within(taker_side, limit, *price) {
            break;
        }
        let take = left.min(*level);
        fills.push(Level { price: *price, size: take });
        left -= take;
    }
    fills
}

/// Consumes `size` contracts from the front of a level's queue: synthetic size ahead first, then each
/// user order reached (recorded in `fills`); what is left comes from the synthetic size behind them all.
fn fill_queue(queue: &mut Vec<Slot>, price: Decimal, size: u64, fills: &mut Vec<MakerFill>) {
    let mut left = size;
    while left > 0 {
        let Some(slot) = queue.first_mut() else { return };
        let cut = left.min(slot.ahead);
        slot.ahead -= cut;
        left -= cut;
        if left == 0 {
            return;
        }
        let filled = left.min(slot.size);
        slot.size -= filled;
        left -= filled;
        fills.push(MakerFill { order_id: slot.order_id, price, size: filled });
        if slot.size == 0 {
            queue.remove(0);
        }
    }
}

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

/// `tick × count`.
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
        let taken = book.take(Side::Buy, 12, Some(d("100.5")));
        assert_eq!(taken.fills, vec![Level { price: d("100.0"), size: 5 }, Level { price: d("100.5"), size: 5 }]);
        assert!(taken.maker_fills.is_empty());
        assert_eq!(book.seq(), seq + 2);
        assert_eq!(book.best_ask().unwrap(), Level { price: d("101.0"), size: 5 });
        assert_eq!(book.preview_take(Side::Buy, 100, None), vec![Level { price: d("101.0"), size: 5 }]);
    }

    #[test]
    fn user_orders_fill_in_price_time_priority() {
        let mut book = Book::new(d("0.5"));
        book.add(Side::Buy, d("100.0"), 10);
        book.rest_user(Side::Buy, d("100.0"), 1, 4);
        book.add(Side::Buy, d("100.0"), 7);
        book.rest_user(Side::Buy, d("100.0"), 2, 3);
        book.add(Side::Buy, d("99.5"), 50);
        assert_eq!(book.queue(Side::Buy, d("100.0")), vec![(1, 10, 4), (2, 7, 3)]);
        // Synthetic size ahead goes first; no user fill.
        let taken = book.take(Side::Sell, 8, None);
        assert!(taken.maker_fills.is_empty());
        assert_eq!(book.queue(Side::Buy, d("100.0")), vec![(1, 2, 4), (2, 7, 3)]);
        // The rest of the synthetic size ahead, then order 1 partly.
        let taken = book.take(Side::Sell, 5, None);
        assert_eq!(taken.maker_fills, vec![MakerFill { order_id: 1, price: d("100.0"), size: 3 }]);
        // Order 1's last contract, the 7 between, order 2 fully, the size behind (none), then the next level.
        let taken = book.take(Side::Sell, 15, None);
        assert_eq!(
            taken.maker_fills,
            vec![
                MakerFill { order_id: 1, price: d("100.0"), size: 1 },
                MakerFill { order_id: 2, price: d("100.0"), size: 3 }
            ]
        );
        assert_eq!(taken.fills, vec![Level { price: d("100.0"), size: 11 }, Level { price: d("99.5"), size: 4 }]);
        assert!(book.queue(Side::Buy, d("100.0")).is_empty());
        assert_eq!(book.best_bid().unwrap(), Level { price: d("99.5"), size: 46 });
    }

    #[test]
    fn synthetic_reductions_never_take_user_size() {
        let mut book = Book::new(d("0.5"));
        book.add(Side::Sell, d("101.0"), 6);
        book.rest_user(Side::Sell, d("101.0"), 9, 5);
        book.add(Side::Sell, d("101.0"), 2);
        // The 2 behind go first, then size ahead of the user order.
        assert_eq!(book.reduce_synthetic(Side::Sell, d("101.0"), 4).unwrap().size, 9);
        assert_eq!(book.queue(Side::Sell, d("101.0")), vec![(9, 4, 5)]);
        // Clamped to the synthetic size; a user-only level is left alone.
        assert_eq!(book.reduce_synthetic(Side::Sell, d("101.0"), 100).unwrap().size, 5);
        assert_eq!(book.reduce_synthetic(Side::Sell, d("101.0"), 1), None);
        assert_eq!(book.queue(Side::Sell, d("101.0")), vec![(9, 0, 5)]);
    }

    #[test]
    fn removing_a_user_order_keeps_the_queue_and_restoring_puts_it_back() {
        let mut book = Book::new(d("0.5"));
        book.add(Side::Buy, d("100.0"), 3);
        book.rest_user(Side::Buy, d("100.0"), 1, 4);
        book.add(Side::Buy, d("100.0"), 2);
        book.rest_user(Side::Buy, d("100.0"), 2, 5);
        let place = book.remove_user(Side::Buy, d("100.0"), 1).unwrap();
        assert_eq!(book.queue(Side::Buy, d("100.0")), vec![(2, 5, 5)]);
        assert_eq!(book.best_bid().unwrap().size, 10);
        book.restore_user(Side::Buy, d("100.0"), 1, 4, place);
        assert_eq!(book.queue(Side::Buy, d("100.0")), vec![(1, 3, 4), (2, 2, 5)]);
        assert_eq!(book.best_bid().unwrap().size, 14);
        assert_eq!(book.remove_user(Side::Buy, d("100.0"), 7), None);
    }

    #[test]
    fn tick_grid_helpers() {
        assert_eq!(floor_to_tick(d("1215.07"), d("0.1")).to_string(), "1215.0");
        assert_eq!(floor_to_tick(d("3500.05"), d("0.05")).to_string(), "3500.05");
        assert!(on_tick(d("68000"), d("0.5")));
        assert!(!on_tick(d("68000.2"), d("0.5")));
    }
}
