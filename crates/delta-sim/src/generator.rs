//! The market generator: `--rate` book changes and trades per second in total, spread over the
//! products some public socket subscription watches, drawn from a generator seeded by `--seed`. It
//! changes the sim's own books (the ones REST serves and orders match against), so every change
//! reaches `ob_updates`/`l2_updates` through the book feed and every trade the trade feed; tickers and
//! mark prices are computed from the same books. The `pause_market` switch holds it still.
//!
//! Resting user orders take part: a synthetic trade consumes each level in price-time priority and fills
//! the user orders it reaches (as makers, with their private events), synthetic cancellations never take
//! user size, and after every change the stops the new prices reach trigger ([`Venue::market_moved`]).
//!
//! Pacing: a tokio interval cannot tick faster than every [`MIN_TICK`], so each tick runs every step due
//! since the start ([`Pacer`]): rates above 20,000/s run several steps per tick. Steps fall due only while
//! something is watched and the market is not paused, and a stall never leaves more than one second of
//! steps to catch up. The sequence of steps drawn from the seed is the same at any pacing.

use std::time::{Duration, Instant};

use delta_core::model::Side;
use delta_core::Decimal;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use tokio::task::JoinHandle;

use crate::book::Book;
use crate::engine::Venue;
use crate::series::mix;
use crate::state::{now_micros, AppState};

/// Levels near the top the generator changes.
const ACTIVE_DEPTH: usize = 10;

/// Percent of steps that are trades.
const TRADE_PERCENT: u32 = 10;

/// The shortest tick of the generator's interval.
const MIN_TICK: Duration = Duration::from_micros(50);

/// Counts the steps due at `rate` per second since a start, so ticks of any length keep the rate.
#[derive(Debug, Clone)]
pub struct Pacer {
    rate: u64,
    /// Steps run or skipped so far.
    done: u64,
}

impl Pacer {
    /// A pacer for `rate` steps per second.
    pub fn new(rate: u32) -> Self {
        Self { rate: u64::from(rate), done: 0 }
    }

    /// The steps to run now, `elapsed` after the start: those due and not yet done, at most one second's
    /// worth (older ones are dropped, so a stall does not turn into a burst).
    pub fn due(&mut self, elapsed: Duration) -> u64 {
        let total = self.total(elapsed);
        let behind = total.saturating_sub(self.done);
        let run = behind.min(self.rate);
        self.done = total;
        run
    }

    /// Marks every step due by `elapsed` as done without running it (nothing watched, market paused).
    pub fn skip(&mut self, elapsed: Duration) {
        self.done = self.done.max(self.total(elapsed));
    }

    fn total(&self, elapsed: Duration) -> u64 {
        u64::try_from(elapsed.as_micros().saturating_mul(u128::from(self.rate)) / 1_000_000).unwrap_or(u64::MAX)
    }
}

/// Starts the generator; `rate` 0 starts nothing.
pub fn spawn(state: AppState, rate: u32, seed: u64) -> Option<JoinHandle<()>> {
    if rate == 0 {
        return None;
    }
    let period = Duration::from_secs(1) / rate;
    Some(tokio::spawn(async move {
        let mut rng = StdRng::seed_from_u64(mix(seed ^ 0x6E4E_7A70));
        let mut ticks = tokio::time::interval(period.max(MIN_TICK));
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let start = Instant::now();
        let mut pacer = Pacer::new(rate);
        loop {
            ticks.tick().await;
            let watched = state.watched();
            if watched.is_empty() {
                pacer.skip(start.elapsed());
                continue;
            }
            let mut venue = state.venue();
            // Checked under the venue lock: once the switch is set, no further change is made.
            if state.with_faults(|faults| faults.pause_market) {
                pacer.skip(start.elapsed());
                continue;
            }
            for _ in 0..pacer.due(start.elapsed()) {
                let product_id = watched[rng.random_range(0..watched.len())];
                step(&mut venue, product_id, &mut rng, now_micros());
            }
        }
    }))
}

/// One change of `product_id`'s market: a trade against the book (filling the user orders it reaches) or
/// synthetic size added or reduced; then the account reacts ([`Venue::market_moved`]).
pub fn step(venue: &mut Venue, product_id: u64, rng: &mut StdRng, now: i64) {
    let Some(book) = venue.market_mut().book_mut(product_id) else { return };
    let side = if rng.random_bool(0.5) { Side::Buy } else { Side::Sell };
    if rng.random_range(0..100) < TRADE_PERCENT && book.levels(side.opposite(), 2).len() > 1 {
        venue.synthetic_trade(product_id, side, rng.random_range(1..=50), now);
        return;
    }
    let levels = book.levels(side, ACTIVE_DEPTH);
    if levels.len() > 2 && rng.random_bool(0.45) {
        let level = levels[rng.random_range(0..levels.len())];
        book.reduce_synthetic(side, level.price, rng.random_range(1..=level.size));
    } else if let Some(price) = new_level_price(book, side, rng) {
        book.add(side, price, rng.random_range(1..=500));
    }
    venue.market_moved(&[], now);
}

/// A price for new liquidity that never crosses: from inside the spread to ten ticks behind the best.
fn new_level_price(book: &Book, side: Side, rng: &mut StdRng) -> Option<Decimal> {
    let tick = book.tick();
    let offset = tick.checked_mul(&Decimal::from_int(rng.random_range(-1..ACTIVE_DEPTH as i64)))?;
    let (best, opposite) = match side {
        Side::Buy => (book.best_bid().map(|level| level.price), book.best_ask().map(|level| level.price)),
        Side::Sell => (book.best_ask().map(|level| level.price), book.best_bid().map(|level| level.price)),
    };
    let best = match (best, opposite) {
        (Some(best), _) => best,
        (None, Some(opposite)) => match side {
            Side::Buy => opposite.checked_sub(&tick)?,
            Side::Sell => opposite.checked_add(&tick)?,
        },
        (None, None) => return None,
    };
    let price = match side {
        Side::Buy => best.checked_sub(&offset)?,
        Side::Sell => best.checked_add(&offset)?,
    };
    let crosses = opposite.is_some_and(|opposite| match side {
        Side::Buy => price >= opposite,
        Side::Sell => price <= opposite,
    });
    (!crosses && price > Decimal::ZERO).then_some(price)
}

#[cfg(test)]
mod tests {
    use super::*;

    const MS: Duration = Duration::from_millis(1);

    #[test]
    fn pacer_runs_every_step_due_at_any_tick_length() {
        let mut pacer = Pacer::new(100_000);
        assert_eq!(pacer.due(Duration::ZERO), 0);
        assert_eq!(pacer.due(MS), 100, "one 1 ms tick at 100k/s");
        assert_eq!(pacer.due(MS + Duration::from_micros(50)), 5);
        assert_eq!(pacer.due(MS + Duration::from_micros(50)), 0, "nothing twice");
        let total: u64 = (2..=1000).map(|ms| pacer.due(MS * ms)).sum();
        assert_eq!(total + 105, 100_000, "one second of ticks runs the rate exactly");
    }

    #[test]
    fn pacer_below_the_tick_rate_runs_one_step_per_period() {
        let mut pacer = Pacer::new(1_000);
        assert_eq!(pacer.due(Duration::from_micros(999)), 0);
        assert_eq!(pacer.due(MS), 1);
        assert_eq!(pacer.due(MS * 2), 1);
    }

    #[test]
    fn pacer_caps_a_stall_at_one_second_of_steps() {
        let mut pacer = Pacer::new(50_000);
        assert_eq!(pacer.due(Duration::from_secs(5)), 50_000, "five seconds behind: one second runs");
        assert_eq!(pacer.due(Duration::from_secs(5) + MS), 50, "then the rate again, no leftover burst");
    }

    #[test]
    fn pacer_skips_steps_due_while_idle() {
        let mut pacer = Pacer::new(10_000);
        pacer.skip(Duration::from_secs(3));
        assert_eq!(pacer.due(Duration::from_secs(3) + MS), 10, "paused or unwatched time is not made up");
    }

    #[test]
    fn same_seed_same_books_whatever_the_grouping() {
        // Steps run one per tick (rates up to 20k/s) or several per tick (above) change the books alike.
        const START: i64 = 1_779_962_400_000_000;
        let run = |groups: &[u64]| {
            let catalog = std::sync::Arc::new(crate::catalog::Catalog::build(START, Decimal::from_int(68_458), &[]));
            let mut venue = Venue::new(catalog, 7, START, 25, Decimal::from_int(100_000));
            let mut rng = StdRng::seed_from_u64(mix(7 ^ 0x6E4E_7A70));
            for (tick, &steps) in groups.iter().enumerate() {
                for _ in 0..steps {
                    step(&mut venue, 27, &mut rng, START + tick as i64);
                }
            }
            let book = venue.market().book(27).unwrap();
            (book.levels(Side::Buy, 50), book.levels(Side::Sell, 50))
        };
        let one_per_tick = run(&[1; 600]);
        let grouped = run(&[5, 0, 95, 300, 200]);
        assert_eq!(one_per_tick, grouped);
        assert_ne!(one_per_tick, run(&[1; 599]), "the comparison sees a single step");
    }
}
