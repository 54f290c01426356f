//! The market generator: `--rate` book changes and trades per second in total, spread over the
//! products some public socket subscription watches, drawn from a generator seeded by `--seed`. It
//! changes the sim's own books (the ones REST serves and orders match against), so every change
//! reaches `ob_updates`/`l2_updates` through the book feed and every trade the trade feed; tickers and
//! mark prices are computed from the same books. The `pause_market` switch holds it still.

use std::time::Duration;

use delta_core::model::Side;
use delta_core::Decimal;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use tokio::task::JoinHandle;

use crate::book::Book;
use crate::engine::market::{Market, PublicTrade};
use crate::series::mix;
use crate::state::{now_micros, AppState};

/// Levels near the top the generator changes.
const ACTIVE_DEPTH: usize = 10;

/// Percent of steps that are trades.
const TRADE_PERCENT: u32 = 10;

/// Starts the generator; `rate` 0 starts nothing.
pub fn spawn(state: AppState, rate: u32, seed: u64) -> Option<JoinHandle<()>> {
    if rate == 0 {
        return None;
    }
    let period = Duration::from_secs(1) / rate;
    Some(tokio::spawn(async move {
        let mut rng = StdRng::seed_from_u64(mix(seed ^ 0x6E4E_7A70));
        let mut ticks = tokio::time::interval(period.max(Duration::from_micros(50)));
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            ticks.tick().await;
            let watched = state.watched();
            if watched.is_empty() {
                continue;
            }
            let mut venue = state.venue();
            // Checked under the venue lock: once the switch is set, no further change is made.
            if state.with_faults(|faults| faults.pause_market) {
                continue;
            }
            let product_id = watched[rng.random_range(0..watched.len())];
            step(venue.market_mut(), product_id, &mut rng, now_micros());
        }
    }))
}

/// One change of `product_id`'s market: a trade against the book or a level added or reduced.
pub fn step(market: &mut Market, product_id: u64, rng: &mut StdRng, now: i64) {
    let Some(book) = market.book_mut(product_id) else { return };
    let side = if rng.random_bool(0.5) { Side::Buy } else { Side::Sell };
    if rng.random_range(0..100) < TRADE_PERCENT && book.levels(side.opposite(), 2).len() > 1 {
        let (fills, _) = book.take(side, rng.random_range(1..=50), None);
        let size: u64 = fills.iter().map(|fill| fill.size).sum();
        if let Some(first) = fills.first() {
            market.record_trade(product_id, PublicTrade { price: first.price, size, taker_side: side, timestamp: now });
        }
        return;
    }
    let levels = book.levels(side, ACTIVE_DEPTH);
    if levels.len() > 2 && rng.random_bool(0.45) {
        let level = levels[rng.random_range(0..levels.len())];
        book.reduce(side, level.price, rng.random_range(1..=level.size));
        return;
    }
    if let Some(price) = new_level_price(book, side, rng) {
        book.add(side, price, rng.random_range(1..=500));
    }
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
