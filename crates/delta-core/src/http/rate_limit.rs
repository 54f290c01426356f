//! Client-side metering that mirrors Delta's REST quota and per-product limit (REFERENCE 4).
//!
//! Delta meters REST calls in a **fixed** window (5 minutes, 10 000 weighted units by default) and separately
//! limits each product to 500 operations per second. The client does not know where Delta's windows start.
//!
//! # Design: a split GCRA, safe for every window alignment
//!
//! The limiter is governor's GCRA (lock-free, one compare-and-swap per decision) sized so that its burst `B`
//! plus what it refills during one window never exceeds the quota `Q`:
//!
//! * emission interval `T = ceil(W / (Q - B))`, i.e. refill `r = 1/T <= (Q - B) / W`;
//! * default `B = Q / 2`: a full quota inside a window that starts idle, half the quota per window sustained.
//!
//! **Proof.** GCRA admits `n` units at time `t` only if `tat - t <= (B - n)·T` and then sets
//! `tat := max(tat, t) + n·T`, so right after every admission `tat - t <= B·T`. For admissions at
//! `t_1 <= … <= t_k` totalling `U` units, each one advances `tat` by its `n·T` from at least `t_1`, so
//! `tat_k >= t_1 + U·T`. Together: `U <= B + (t_k - t_1)/T`. Any window of length `W` — whatever its
//! alignment, open or closed — has `t_k - t_1 <= W`, hence `U <= B + W/T <= B + (Q - B) = Q`. The tests drive
//! greedy clients on a fake clock and check every window starting at every admission (where the maximum over
//! all alignments is reached) plus a sweep of fixed offsets, and show that an unsplit GCRA (`B = Q`,
//! `r = Q/W`) admits close to `2Q` in one window.
//!
//! **Why not a fixed-window counter aligned to Delta's resets?** Its safety rests on knowing the alignment
//! exactly. Before the first 429 or quota query the alignment is unknown; afterwards it is known only up to
//! network latency and drift, and any misalignment `δ` lets up to `2Q` through the window it straddles —
//! the very trap this module exists to avoid. It would also need a counter reset racing with every boundary
//! (a lock or a double CAS on the hot path). The split GCRA holds by construction for every alignment and
//! keeps governor's single-CAS path; its cost is sustained throughput (`Q - B` per window), which
//! [`RateLimitConfig::burst`] trades against burst size (a smaller `B` raises the sustained rate; the bound
//! `B + r·W <= Q` holds for every `B`).
//!
//! After a 429 ([`RateLimiter::on_rate_limited`]) nothing passes until Delta's reset, and the bucket is
//! emptied, so the window that starts at the reset begins with a fresh budget of `B` and the bound above holds
//! again from there on.
//!
//! The per-product limit uses the same split over a one-second window (default burst 250 of 500 operations):
//! whether Delta's per-second window is fixed or sliding is undocumented, and the split is safe for both.
//! A request that takes product operations is admitted only if both the product bucket and the weighted
//! bucket admit it; a refusal by either consumes nothing from the other.

use std::collections::HashMap;
use std::fmt;
use std::num::{NonZeroU32, NonZeroU64};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use governor::clock::{Clock, DefaultClock, ReasonablyRealtime, Reference};
use governor::middleware::NoOpMiddleware;
use governor::nanos::Nanos;
use governor::state::{NotKeyed, StateStore};
use governor::Quota;

/// Delta's default weighted quota per window (REFERENCE 4.1). India is reported as 20 000 by one source
/// (unconfirmed): set [`RateLimitConfig::quota`] accordingly.
pub const DEFAULT_QUOTA: u32 = 10_000;

/// Length of Delta's fixed quota window (REFERENCE 4.1).
pub const DEFAULT_WINDOW: Duration = Duration::from_secs(300);

/// Delta's matching-engine limit per product, in operations per second (REFERENCE 4.2).
pub const DEFAULT_PRODUCT_OPS_PER_SECOND: u32 = 500;

/// The window of the per-product limit.
const PRODUCT_WINDOW: Duration = Duration::from_secs(1);

/// Longest window accepted; longer ones are shortened (keeps governor's nanosecond arithmetic in range).
const MAX_WINDOW: Duration = Duration::from_secs(86_400);

/// Largest GCRA tolerance `(B - 1)·T` in nanoseconds; the burst is lowered to stay under it.
const MAX_TOLERANCE_NS: u64 = 1 << 62;

/// How the limiter meters requests. [`RateLimiter::new`] normalises out-of-range values (see
/// [`RateLimiter::config`] for the values in effect).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimitConfig {
    /// Weighted units Delta allows per window (at least 2).
    pub quota: u32,
    /// Length of Delta's fixed window (1 ns to 1 day).
    pub window: Duration,
    /// Units that may pass at once from idle (`B`, 1 to `quota - 1`); the other `quota - burst` units refill
    /// evenly over one window, so no window of any alignment ever sees more than `quota`.
    pub burst: u32,
    /// Delta's per-product limit in operations per second (at least 2).
    pub product_ops_per_second: u32,
    /// Operations per product that may pass at once (1 to `product_ops_per_second - 1`); the rest refill over
    /// one second. It must cover the largest batch (50 orders).
    pub product_burst: u32,
}

impl Default for RateLimitConfig {
    /// Delta's defaults: 10 000 units per 5 minutes with a burst of 5 000; 500 operations per second per
    /// product with a burst of 250.
    fn default() -> Self {
        Self {
            quota: DEFAULT_QUOTA,
            window: DEFAULT_WINDOW,
            burst: DEFAULT_QUOTA / 2,
            product_ops_per_second: DEFAULT_PRODUCT_OPS_PER_SECOND,
            product_burst: DEFAULT_PRODUCT_OPS_PER_SECOND / 2,
        }
    }
}

impl RateLimitConfig {
    /// A quota of `quota` units per `window` with the default split (burst = `quota / 2`) and the default
    /// per-product limit.
    pub fn with_quota(quota: u32, window: Duration) -> Self {
        Self { quota, window, burst: quota / 2, ..Self::default() }
    }
}

/// Why a request can never pass the limiter (retrying will not help).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum RateLimitError {
    /// The request weighs more than the limiter's burst.
    #[error("request weight {weight} exceeds the rate limiter's burst of {burst} units")]
    WeightExceedsBurst {
        /// The request's weight.
        weight: u32,
        /// The configured burst.
        burst: u32,
    },
    /// The request carries more product operations than the per-product burst.
    #[error("{operations} product operations exceed the per-product burst of {burst}")]
    OperationsExceedBurst {
        /// The request's operations.
        operations: u32,
        /// The configured per-product burst.
        burst: u32,
    },
    /// A weight of zero: every request costs at least one unit.
    #[error("a request must weigh at least one unit")]
    ZeroWeight,
    /// Product operations of zero: a product-limited request carries at least one operation.
    #[error("a product-limited request must carry at least one operation")]
    ZeroOperations,
}

/// Why [`RateLimiter::try_acquire`] did not admit a request now.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum RateLimitWait {
    /// Not now: the request would be admitted after this long (nothing was consumed).
    #[error("over the client-side rate limit; allowed in {0:?}")]
    Wait(Duration),
    /// Never: the request cannot pass whatever the wait.
    #[error(transparent)]
    Rejected(#[from] RateLimitError),
}

/// What the limiter believes about the quota, from [`RateLimiter::status`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QuotaStatus {
    /// Units that would be admitted at once right now (at most `burst`; 0 while backing off after a 429).
    pub remaining: u32,
    /// The burst in effect (`B`).
    pub burst: u32,
    /// The quota per window in effect.
    pub quota: u32,
    /// While backing off: time until Delta's reset. Otherwise: time until the bucket is full again.
    pub reset_in: Duration,
    /// True while a 429's reset time has not elapsed.
    pub backing_off: bool,
    /// 429 answers reported through [`RateLimiter::on_rate_limited`].
    pub rate_limited: u64,
    /// Weighted units admitted since the limiter was created.
    pub units_used: u64,
}

/// The weight Delta charges for an endpoint (REFERENCE 4.1), from the method and the path as sent
/// (`"/v2/orders/batch"`, `"/v2/products/BTCUSD"`; a query string and a trailing `/` are ignored).
///
/// Documented: 3 for `GET` products, one product, `l2orderbook`, tickers, open orders, positions (both forms),
/// wallet balances and candles; 5 for `POST`/`PUT`/`DELETE /v2/orders` and `POST /v2/positions/change_margin`;
/// 10 for `GET` order history, fills and wallet transactions; 25 for every method of `/v2/orders/batch`.
/// Inferred (Delta documents no weight): every other mutation (cancel-all, brackets, leverage `POST`,
/// `close_all`, auto top-up, MMP, heartbeat, ...) costs 5 like the documented ones; every other `GET` costs 1.
/// No allocation.
pub fn endpoint_weight(method: &str, path: &str) -> u32 {
    let path = path.split_once('?').map_or(path, |(path, _)| path);
    let path = path.strip_suffix('/').unwrap_or(path);
    let is_get = method.eq_ignore_ascii_case("GET");
    let Some(rest) = path.strip_prefix("/v2/") else {
        return if is_get { 1 } else { 5 };
    };
    let mut segments = rest.split('/');
    let segments = [segments.next(), segments.next(), segments.next(), segments.next()];
    if !is_get {
        return match segments {
            [Some("orders"), Some("batch"), None, _] => 25,
            _ => 5,
        };
    }
    match segments {
        [Some("products" | "tickers" | "orders" | "positions"), None, ..]
        | [Some("products" | "tickers" | "l2orderbook"), Some(_), None, _]
        | [Some("positions"), Some("margined"), None, _]
        | [Some("wallet"), Some("balances"), None, _]
        | [Some("history"), Some("candles"), None, _] => 3,
        [Some("fills"), None, ..]
        | [Some("orders"), Some("history"), None, _]
        | [Some("wallet"), Some("transactions"), None, _] => 10,
        _ => 1,
    }
}

/// A capacity per window split into a burst and an even refill whose sum over one window never exceeds the
/// capacity.
#[derive(Debug, Clone, Copy)]
struct Split {
    /// Capacity per window after normalisation.
    capacity: u32,
    /// Window after normalisation.
    window: Duration,
    /// Burst `B` after normalisation.
    burst: NonZeroU32,
    /// Emission interval `T` in nanoseconds: `ceil(window / (capacity - burst))`, at least 1.
    period_ns: u64,
}

impl Split {
    fn new(capacity: u32, window: Duration, burst: u32) -> Self {
        let capacity = capacity.max(2);
        let window = window.clamp(Duration::from_nanos(1), MAX_WINDOW);
        let requested = burst.clamp(1, capacity - 1);
        let refill = u128::from(capacity - requested);
        // Rounding T up keeps W / T <= capacity - burst; W <= 1 day keeps T within u64.
        let period_ns = u64::try_from(window.as_nanos().div_ceil(refill)).unwrap_or(u64::MAX);
        let tolerance_cap = u32::try_from(MAX_TOLERANCE_NS / period_ns + 1).unwrap_or(u32::MAX);
        let burst = NonZeroU32::new(requested.min(tolerance_cap)).unwrap_or(NonZeroU32::MIN);
        Self { capacity, window, burst, period_ns }
    }

    fn quota(&self) -> Quota {
        // `period_ns >= 1`, so `with_period` always returns a quota; the fallback only satisfies the type.
        Quota::with_period(Duration::from_nanos(self.period_ns))
            .unwrap_or_else(|| Quota::per_hour(NonZeroU32::MIN))
            .allow_burst(self.burst)
    }

    /// Units admissible at once when the bucket's theoretical arrival time is `level_ns` ahead of now.
    fn available(&self, level_ns: u64) -> u32 {
        let used = level_ns.div_ceil(self.period_ns);
        u32::try_from(u64::from(self.burst.get()).saturating_sub(used)).unwrap_or(0)
    }
}

/// Governor's GCRA state (the theoretical arrival time, ns since the bucket's start; 0 = empty bucket) in a
/// shared cell, so the limiter can read it, empty the bucket after a 429 and undo an admission.
#[derive(Debug, Clone, Default)]
struct SharedTat(Arc<AtomicU64>);

impl SharedTat {
    fn get(&self) -> u64 {
        self.0.load(Ordering::Acquire)
    }

    fn set(&self, tat: u64) {
        self.0.store(tat, Ordering::Release);
    }
}

impl StateStore for SharedTat {
    type Key = NotKeyed;

    fn measure_and_replace<T, F, E>(&self, _key: &NotKeyed, f: F) -> Result<T, E>
    where
        F: Fn(Option<Nanos>) -> Result<(T, Nanos), E>,
    {
        let mut prev = self.0.load(Ordering::Acquire);
        loop {
            let (outcome, next) = f(NonZeroU64::new(prev).map(|tat| Nanos::from(tat.get())))?;
            match self.0.compare_exchange_weak(prev, next.as_u64(), Ordering::AcqRel, Ordering::Acquire) {
                Ok(_) => return Ok(outcome),
                Err(current) => prev = current,
            }
        }
    }
}

/// Why a bucket refused units.
enum Refusal {
    /// Try again after this long.
    Wait(Duration),
    /// More units than the burst.
    TooLarge,
}

/// One GCRA bucket: a governor limiter over a [`SharedTat`].
struct Bucket<C: Clock> {
    gcra: governor::RateLimiter<NotKeyed, SharedTat, C, NoOpMiddleware<C::Instant>>,
    tat: SharedTat,
}

impl<C: Clock> Bucket<C> {
    fn new(split: &Split, clock: C) -> Self {
        let tat = SharedTat::default();
        Self { gcra: governor::RateLimiter::new(split.quota(), tat.clone(), clock), tat }
    }

    fn take(&self, units: NonZeroU32) -> Result<(), Refusal> {
        match self.gcra.check_n(units) {
            Ok(Ok(())) => Ok(()),
            Ok(Err(not_until)) => {
                let wait = not_until.wait_time_from(self.gcra.clock().now());
                Err(Refusal::Wait(wait.max(Duration::from_nanos(1))))
            }
            Err(_) => Err(Refusal::TooLarge),
        }
    }
}

/// The weighted limiter plus the per-product limiters and the 429 backoff. `Send + Sync`; share it through
/// an `Arc`. Generic over governor's clock so tests can drive it with `FakeRelativeClock`.
pub struct RateLimiter<C: Clock + Clone = DefaultClock> {
    config: RateLimitConfig,
    unit_split: Split,
    units: Bucket<C>,
    product_split: Split,
    /// Per-product buckets, touched only by requests that carry product operations.
    products: Mutex<HashMap<u64, Bucket<C>>>,
    clock: C,
    start: C::Instant,
    /// End of the 429 backoff, ns since `start`; 0 = none.
    blocked_until: AtomicU64,
    rate_limited: AtomicU64,
    units_used: AtomicU64,
}

impl RateLimiter {
    /// A limiter on the process's monotonic clock.
    pub fn new(config: RateLimitConfig) -> Self {
        Self::with_clock(config, DefaultClock::default())
    }
}

impl<C: Clock + Clone> RateLimiter<C> {
    /// A limiter on the given clock (governor's `FakeRelativeClock` in tests).
    pub fn with_clock(config: RateLimitConfig, clock: C) -> Self {
        let units = Split::new(config.quota, config.window, config.burst);
        let products = Split::new(config.product_ops_per_second, PRODUCT_WINDOW, config.product_burst);
        let bucket = Bucket::new(&units, clock.clone());
        // Taken after governor's own start, so `status` can only overstate the bucket's fill.
        let start = clock.now();
        Self {
            config: RateLimitConfig {
                quota: units.capacity,
                window: units.window,
                burst: units.burst.get(),
                product_ops_per_second: products.capacity,
                product_burst: products.burst.get(),
            },
            unit_split: units,
            units: bucket,
            product_split: products,
            products: Mutex::new(HashMap::new()),
            clock,
            start,
            blocked_until: AtomicU64::new(0),
            rate_limited: AtomicU64::new(0),
            units_used: AtomicU64::new(0),
        }
    }

    /// The configuration in effect (after normalisation).
    pub fn config(&self) -> &RateLimitConfig {
        &self.config
    }

    /// Non-blocking: `Ok(())` and consumes when allowed now; `Err(Wait(d))` = allowed after `d` (consumes
    /// nothing). `product` = `Some((product_id, operations))` for order operations subject to the per-product
    /// limit. A weight above the burst (or operations above the product burst, or zero of either) is
    /// `Err(Rejected(..))`, never a wait.
    pub fn try_acquire(&self, weight: u32, product: Option<(u64, u32)>) -> Result<(), RateLimitWait> {
        let units = self.checked_weight(weight)?;
        let product = match product {
            Some((product_id, operations)) => Some((product_id, self.checked_operations(operations)?)),
            None => None,
        };
        if let Some(wait) = self.backoff_remaining() {
            return Err(RateLimitWait::Wait(wait));
        }
        match product {
            None => self.take_units(units)?,
            Some((product_id, operations)) => self.take_with_product(units, product_id, operations)?,
        }
        self.units_used.fetch_add(u64::from(weight), Ordering::Relaxed);
        Ok(())
    }

    /// After a 429: nothing passes until `reset_after` has elapsed, then the budget restarts full (Delta's
    /// window reset). A shorter reset never cuts an earlier, longer one short. Counted in
    /// [`QuotaStatus::rate_limited`].
    pub fn on_rate_limited(&self, reset_after: Duration) {
        let until = self.now_ns().saturating_add(u64::try_from(reset_after.as_nanos()).unwrap_or(u64::MAX));
        self.blocked_until.fetch_max(until, Ordering::AcqRel);
        self.units.tat.set(0);
        self.rate_limited.fetch_add(1, Ordering::Relaxed);
    }

    /// What the client believes is left, without consuming anything.
    pub fn status(&self) -> QuotaStatus {
        let now = self.now_ns();
        let backoff = self.blocked_until.load(Ordering::Acquire).saturating_sub(now);
        let level = self.units.tat.get().saturating_sub(now);
        let backing_off = backoff > 0;
        QuotaStatus {
            remaining: if backing_off { 0 } else { self.unit_split.available(level) },
            burst: self.config.burst,
            quota: self.config.quota,
            reset_in: Duration::from_nanos(if backing_off { backoff } else { level }),
            backing_off,
            rate_limited: self.rate_limited.load(Ordering::Relaxed),
            units_used: self.units_used.load(Ordering::Relaxed),
        }
    }

    fn checked_weight(&self, weight: u32) -> Result<NonZeroU32, RateLimitError> {
        let units = NonZeroU32::new(weight).ok_or(RateLimitError::ZeroWeight)?;
        if weight > self.config.burst {
            return Err(self.weight_too_large(weight));
        }
        Ok(units)
    }

    fn checked_operations(&self, operations: u32) -> Result<NonZeroU32, RateLimitError> {
        let ops = NonZeroU32::new(operations).ok_or(RateLimitError::ZeroOperations)?;
        if operations > self.config.product_burst {
            return Err(self.operations_too_large(operations));
        }
        Ok(ops)
    }

    fn weight_too_large(&self, weight: u32) -> RateLimitError {
        RateLimitError::WeightExceedsBurst { weight, burst: self.config.burst }
    }

    fn operations_too_large(&self, operations: u32) -> RateLimitError {
        RateLimitError::OperationsExceedBurst { operations, burst: self.config.product_burst }
    }

    fn now_ns(&self) -> u64 {
        self.clock.now().duration_since(self.start).as_u64()
    }

    /// Time left of the 429 backoff, if any; clears an expired one so the common path reads one atomic.
    fn backoff_remaining(&self) -> Option<Duration> {
        let until = self.blocked_until.load(Ordering::Acquire);
        if until == 0 {
            return None;
        }
        let now = self.now_ns();
        if now < until {
            return Some(Duration::from_nanos(until - now));
        }
        // A failed exchange means a new backoff was set meanwhile; it is read on the next call.
        let _ = self.blocked_until.compare_exchange(until, 0, Ordering::AcqRel, Ordering::Relaxed);
        None
    }

    fn take_units(&self, units: NonZeroU32) -> Result<(), RateLimitWait> {
        self.units.take(units).map_err(|refusal| match refusal {
            Refusal::Wait(wait) => RateLimitWait::Wait(wait),
            Refusal::TooLarge => self.weight_too_large(units.get()).into(),
        })
    }

    /// Takes the product's operations, then the weighted units; if the units are refused, the product bucket
    /// is restored exactly (the lock keeps every other request off that bucket meanwhile).
    fn take_with_product(&self, units: NonZeroU32, product_id: u64, ops: NonZeroU32) -> Result<(), RateLimitWait> {
        let mut products = self.products.lock().unwrap_or_else(PoisonError::into_inner);
        let bucket = products.entry(product_id).or_insert_with(|| Bucket::new(&self.product_split, self.clock.clone()));
        let before = bucket.tat.get();
        bucket.take(ops).map_err(|refusal| match refusal {
            Refusal::Wait(wait) => RateLimitWait::Wait(wait),
            Refusal::TooLarge => self.operations_too_large(ops.get()).into(),
        })?;
        self.take_units(units).inspect_err(|_| bucket.tat.set(before))
    }
}

impl<C: ReasonablyRealtime + Clone> RateLimiter<C> {
    /// Waits (`tokio::time::sleep`) until allowed, then consumes. Errors only for requests that can never
    /// pass (see [`RateLimitError`]).
    pub async fn acquire(&self, weight: u32, product: Option<(u64, u32)>) -> Result<(), RateLimitError> {
        loop {
            match self.try_acquire(weight, product) {
                Ok(()) => return Ok(()),
                Err(RateLimitWait::Wait(wait)) => tokio::time::sleep(wait).await,
                Err(RateLimitWait::Rejected(error)) => return Err(error),
            }
        }
    }
}

impl<C: Clock + Clone> fmt::Debug for RateLimiter<C> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RateLimiter").field("config", &self.config).field("status", &self.status()).finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use governor::clock::FakeRelativeClock;
    use rand::rngs::SmallRng;
    use rand::{Rng, SeedableRng};

    const WEIGHTS: [u32; 5] = [1, 3, 5, 10, 25];

    /// Admissions as (ns on the fake clock, units).
    type Admissions = Vec<(u64, u32)>;

    fn fake(config: RateLimitConfig) -> (FakeRelativeClock, RateLimiter<FakeRelativeClock>) {
        let clock = FakeRelativeClock::default();
        (clock.clone(), RateLimiter::with_clock(config, clock))
    }

    fn now(clock: &FakeRelativeClock) -> u64 {
        clock.now().as_u64()
    }

    /// A greedy client: picks a random allowed weight and sends it, sleeping exactly the wait it is told;
    /// with `idle_one_in > 0` it also idles up to a window now and then (to recharge and burst again).
    fn drive(
        clock: &FakeRelativeClock,
        rng: &mut SmallRng,
        weights: &[u32],
        window: Duration,
        windows: u32,
        idle_one_in: u32,
        mut try_take: impl FnMut(u32) -> Result<(), Duration>,
    ) -> Admissions {
        let horizon = window.as_nanos() as u64 * u64::from(windows);
        let mut admitted = Admissions::new();
        while now(clock) < horizon {
            if idle_one_in > 0 && rng.random_range(0..idle_one_in) == 0 {
                clock.advance(Duration::from_nanos(rng.random_range(0..window.as_nanos() as u64)));
            }
            let weight = weights[rng.random_range(0..weights.len())];
            match try_take(weight) {
                Ok(()) => admitted.push((now(clock), weight)),
                Err(wait) => clock.advance(wait),
            }
        }
        admitted
    }

    fn limiter_take(
        limiter: &RateLimiter<FakeRelativeClock>,
        product: Option<u64>,
    ) -> impl FnMut(u32) -> Result<(), Duration> + '_ {
        move |n| match limiter.try_acquire(if product.is_some() { 1 } else { n }, product.map(|id| (id, n))) {
            Ok(()) => Ok(()),
            Err(RateLimitWait::Wait(wait)) => Err(wait),
            Err(RateLimitWait::Rejected(e)) => panic!("rejected: {e}"),
        }
    }

    /// The most units inside any closed window `[a, a + W]`; the maximum over all alignments is reached with
    /// `a` at an admission time, so this checks every alignment.
    fn max_in_any_window(admitted: &[(u64, u32)], window: Duration) -> u64 {
        let window = window.as_nanos() as u64;
        let (mut end, mut sum, mut max) = (0, 0u64, 0u64);
        for (start, &(t, _)) in admitted.iter().enumerate() {
            while end < admitted.len() && admitted[end].0 <= t + window {
                sum += u64::from(admitted[end].1);
                end += 1;
            }
            max = max.max(sum);
            sum -= u64::from(admitted[start].1);
        }
        max
    }

    /// Units per fixed window `[offset + k·W, offset + (k+1)·W)`, for windows wholly before `horizon`.
    fn per_fixed_window(admitted: &[(u64, u32)], window: Duration, offset: u64, horizon: u64) -> Vec<u64> {
        let window = window.as_nanos() as u64;
        let count = (horizon.saturating_sub(offset) / window) as usize;
        let mut sums = vec![0u64; count];
        for &(t, units) in admitted.iter().filter(|(t, _)| *t >= offset) {
            if let Some(sum) = sums.get_mut(((t - offset) / window) as usize) {
                *sum += u64::from(units);
            }
        }
        sums
    }

    #[test]
    fn documented_weights() {
        let cases = [
            ("GET", "/v2/products", 3),
            ("GET", "/v2/products/BTCUSD", 3),
            ("GET", "/v2/l2orderbook/ETHUSD", 3),
            ("GET", "/v2/tickers", 3),
            ("GET", "/v2/tickers/BTCUSD", 3),
            ("GET", "/v2/orders", 3),
            ("GET", "/v2/positions", 3),
            ("GET", "/v2/positions/margined", 3),
            ("GET", "/v2/wallet/balances", 3),
            ("GET", "/v2/history/candles", 3),
            ("POST", "/v2/orders", 5),
            ("PUT", "/v2/orders", 5),
            ("DELETE", "/v2/orders", 5),
            ("POST", "/v2/positions/change_margin", 5),
            ("GET", "/v2/orders/history", 10),
            ("GET", "/v2/fills", 10),
            ("GET", "/v2/wallet/transactions", 10),
            ("POST", "/v2/orders/batch", 25),
            ("PUT", "/v2/orders/batch", 25),
            ("DELETE", "/v2/orders/batch", 25),
        ];
        for (method, path, weight) in cases {
            assert_eq!(endpoint_weight(method, path), weight, "{method} {path}");
        }
    }

    #[test]
    fn inferred_and_default_weights() {
        let cases = [
            // Undocumented mutations: 5 (inferred).
            ("DELETE", "/v2/orders/all", 5),
            ("POST", "/v2/orders/bracket", 5),
            ("PUT", "/v2/orders/bracket", 5),
            ("POST", "/v2/products/27/orders/leverage", 5),
            ("POST", "/v2/positions/close_all", 5),
            ("PUT", "/v2/positions/auto_topup", 5),
            ("PUT", "/v2/users/update_mmp", 5),
            ("PUT", "/v2/users/reset_mmp", 5),
            ("POST", "/v2/heartbeat", 5),
            ("POST", "/v2/orders/cancel_after", 5),
            // Everything else: 1.
            ("GET", "/v2/products/27/orders/leverage", 1),
            ("GET", "/v2/orders/884213557", 1),
            ("GET", "/v2/orders/client_order_id/my-order-1", 1),
            ("GET", "/v2/assets", 1),
            ("GET", "/v2/indices", 1),
            ("GET", "/v2/trades/BTCUSD", 1),
            ("GET", "/v2/history/sparklines", 1),
            ("GET", "/v2/stats", 1),
            ("GET", "/v2/settings", 1),
            ("GET", "/v2/rate_limits/quota", 1),
            ("GET", "/v2/profile", 1),
            ("GET", "/v2/heartbeat", 1),
            ("GET", "/v2/fills/history/download/csv", 1),
            ("GET", "/v2/wallet/transactions/download", 1),
            ("GET", "/v2/orders/batch", 1),
            // Query strings, trailing slashes and method case do not matter.
            ("GET", "/v2/orders/history?product_ids=27&page_size=50", 10),
            ("GET", "/v2/products/", 3),
            ("get", "/v2/l2orderbook/BTCUSD?depth=20", 3),
            ("post", "/v2/orders/batch", 25),
            // Outside /v2.
            ("GET", "/health", 1),
            ("POST", "/other", 5),
        ];
        for (method, path, weight) in cases {
            assert_eq!(endpoint_weight(method, path), weight, "{method} {path}");
        }
    }

    #[test]
    fn config_defaults_and_normalisation() {
        let config = RateLimitConfig::default();
        assert_eq!((config.quota, config.window, config.burst), (10_000, Duration::from_secs(300), 5_000));
        assert_eq!((config.product_ops_per_second, config.product_burst), (500, 250));
        let india = RateLimitConfig::with_quota(20_000, Duration::from_secs(300));
        assert_eq!((india.quota, india.burst, india.product_ops_per_second), (20_000, 10_000, 500));

        let odd =
            RateLimitConfig { quota: 0, window: Duration::ZERO, burst: 0, product_ops_per_second: 1, product_burst: 9 };
        let effective = *RateLimiter::new(odd).config();
        assert_eq!((effective.quota, effective.burst, effective.window), (2, 1, Duration::from_nanos(1)));
        assert_eq!((effective.product_ops_per_second, effective.product_burst), (2, 1));
        let full_burst = RateLimitConfig { burst: 100, ..RateLimitConfig::with_quota(100, Duration::from_secs(10)) };
        assert_eq!(RateLimiter::new(full_burst).config().burst, 99);
    }

    #[test]
    fn no_window_of_any_alignment_exceeds_the_quota() {
        // (quota, window, burst): the default split and lopsided ones, with and without exact division.
        let setups = [
            (100, Duration::from_secs(10), 50),
            (100, Duration::from_secs(10), 90),
            (100, Duration::from_secs(10), 25),
            (1_000, Duration::from_secs(7), 500),
            (1_000, Duration::from_secs(7), 975),
            (333, Duration::from_secs(3), 111),
        ];
        for (quota, window, burst) in setups {
            let weights: Vec<u32> = WEIGHTS.into_iter().filter(|w| *w <= burst).collect();
            for seed in 0..12u64 {
                for idle_one_in in [0, 3, 12] {
                    let config = RateLimitConfig { burst, ..RateLimitConfig::with_quota(quota, window) };
                    let (clock, limiter) = fake(config);
                    let mut rng = SmallRng::seed_from_u64(seed);
                    let admitted =
                        drive(&clock, &mut rng, &weights, window, 8, idle_one_in, limiter_take(&limiter, None));
                    let case = format!("quota {quota} window {window:?} burst {burst} seed {seed} idle {idle_one_in}");

                    assert!(max_in_any_window(&admitted, window) <= u64::from(quota), "{case}");
                    let horizon = now(&clock);
                    let step = window.as_nanos() as u64 / 97;
                    for offset in (0..97).map(|k| k * step + k % 7) {
                        let sums = per_fixed_window(&admitted, window, offset, horizon);
                        assert!(sums.len() >= 6, "{case}");
                        assert!(sums.iter().all(|&sum| sum <= u64::from(quota)), "{case} offset {offset}: {sums:?}");
                    }
                    let total: u64 = admitted.iter().map(|&(_, units)| u64::from(units)).sum();
                    assert_eq!(limiter.status().units_used, total, "{case}");
                }
            }
        }
    }

    #[test]
    fn greedy_client_sustains_at_least_half_the_quota() {
        let window = Duration::from_secs(10);
        for seed in 0..12u64 {
            let (clock, limiter) = fake(RateLimitConfig::with_quota(100, window));
            let mut rng = SmallRng::seed_from_u64(seed);
            let admitted = drive(&clock, &mut rng, &WEIGHTS, window, 8, 0, limiter_take(&limiter, None));
            let sums = per_fixed_window(&admitted, window, 0, 8 * window.as_nanos() as u64);
            assert_eq!(sums.len(), 8);
            // The first window starts idle: burst + refill = the full quota, less one request's rounding.
            assert!(sums[0] > 100 - 25, "seed {seed}: {sums:?}");
            // Afterwards the refill, half the quota, less at most one request's worth of rounding.
            assert!(sums.iter().all(|&sum| sum > 50 - 25), "seed {seed}: {sums:?}");
            assert!(sums.iter().sum::<u64>() >= 8 * 50, "seed {seed}: {sums:?}");
        }
    }

    #[test]
    fn an_unsplit_gcra_would_pass_nearly_twice_the_quota() {
        // The trap this module avoids, driven by the same client and checker: B = quota, r = quota / W.
        let window = Duration::from_secs(10);
        let clock = FakeRelativeClock::default();
        let quota = Quota::with_period(window / 100).map(|q| q.allow_burst(NonZeroU32::new(100).unwrap())).unwrap();
        let naive = governor::RateLimiter::direct_with_clock(quota, clock.clone());
        let mut rng = SmallRng::seed_from_u64(7);
        let admitted =
            drive(&clock, &mut rng, &WEIGHTS, window, 8, 0, |n| match naive.check_n(NonZeroU32::new(n).unwrap()) {
                Ok(Ok(())) => Ok(()),
                Ok(Err(not_until)) => Err(not_until.wait_time_from(clock.now())),
                Err(e) => panic!("{e}"),
            });
        assert!(max_in_any_window(&admitted, window) >= 175);
    }

    #[test]
    fn per_product_limit_is_separate_per_product_and_consumes_nothing_when_refused() {
        let (clock, limiter) = fake(RateLimitConfig::default());
        for _ in 0..5 {
            assert_eq!(limiter.try_acquire(25, Some((27, 50))), Ok(()));
        }
        // 250 operations at once is the product burst; the next batch of 50 fits after 50 × 4 ms.
        assert_eq!(limiter.try_acquire(25, Some((27, 50))), Err(RateLimitWait::Wait(Duration::from_millis(200))));
        assert_eq!(limiter.try_acquire(25, Some((28, 50))), Ok(()));
        assert_eq!(limiter.status().units_used, 6 * 25);
        assert_eq!(limiter.status().remaining, 5_000 - 6 * 25);
        // Cancels are exempt from the per-product limit: no product, only the weight.
        assert_eq!(limiter.try_acquire(5, None), Ok(()));
        clock.advance(Duration::from_millis(200));
        assert_eq!(limiter.try_acquire(25, Some((27, 50))), Ok(()));
    }

    #[test]
    fn per_product_ops_stay_under_the_limit_in_every_second() {
        let second = Duration::from_secs(1);
        for seed in 0..8u64 {
            let (clock, limiter) = fake(RateLimitConfig::with_quota(u32::MAX, Duration::from_secs(1)));
            let mut rng = SmallRng::seed_from_u64(seed);
            let batch_sizes: Vec<u32> = (1..=50).collect();
            let admitted = drive(&clock, &mut rng, &batch_sizes, second, 6, 0, limiter_take(&limiter, Some(27)));
            assert!(max_in_any_window(&admitted, second) <= 500, "seed {seed}");
            let sums = per_fixed_window(&admitted, second, 0, 6 * second.as_nanos() as u64);
            assert!(sums.iter().all(|&ops| ops > 250 - 50), "seed {seed}: {sums:?}");
        }
    }

    #[test]
    fn a_weight_refusal_leaves_the_product_budget_untouched() {
        // Product: 1 operation at once, refilled once a second. Units: 50 at once, 1 per 200 ms.
        let config = RateLimitConfig {
            product_ops_per_second: 2,
            product_burst: 1,
            ..RateLimitConfig::with_quota(100, Duration::from_secs(10))
        };
        let (clock, limiter) = fake(config);
        assert_eq!(limiter.try_acquire(50, Some((27, 1))), Ok(()));
        clock.advance(Duration::from_secs(1));
        // The product would admit, the weighted bucket (5 units back) refuses 25: wait for 20 more units.
        assert_eq!(limiter.try_acquire(25, Some((27, 1))), Err(RateLimitWait::Wait(Duration::from_secs(4))));
        // Had the refused request kept its product operation, this would wait a second.
        assert_eq!(limiter.try_acquire(5, Some((27, 1))), Ok(()));
        assert_eq!(limiter.status().units_used, 55);
    }

    #[test]
    fn a_429_blocks_until_the_reset_then_the_budget_is_full() {
        let (clock, limiter) = fake(RateLimitConfig::with_quota(100, Duration::from_secs(10)));
        assert_eq!(limiter.try_acquire(30, None), Ok(()));
        limiter.on_rate_limited(Duration::from_secs(3));
        assert_eq!(limiter.try_acquire(1, None), Err(RateLimitWait::Wait(Duration::from_secs(3))));
        assert_eq!(limiter.try_acquire(1, Some((27, 1))), Err(RateLimitWait::Wait(Duration::from_secs(3))));
        let status = limiter.status();
        assert!(status.backing_off);
        assert_eq!((status.remaining, status.reset_in, status.rate_limited), (0, Duration::from_secs(3), 1));

        clock.advance(Duration::from_millis(2_999));
        assert_eq!(limiter.try_acquire(1, None), Err(RateLimitWait::Wait(Duration::from_millis(1))));
        clock.advance(Duration::from_millis(1));
        assert!(!limiter.status().backing_off);
        assert_eq!(limiter.status().remaining, 50);
        assert_eq!(limiter.try_acquire(50, None), Ok(()));
        assert!(matches!(limiter.try_acquire(1, None), Err(RateLimitWait::Wait(_))));

        // A later, shorter reset does not cut a longer one short.
        limiter.on_rate_limited(Duration::from_secs(5));
        limiter.on_rate_limited(Duration::from_secs(1));
        assert_eq!(limiter.try_acquire(1, None), Err(RateLimitWait::Wait(Duration::from_secs(5))));
        assert_eq!(limiter.status().rate_limited, 3);
        assert_eq!(limiter.status().units_used, 80);
    }

    #[test]
    fn oversized_or_empty_requests_are_errors_not_waits() {
        let config = RateLimitConfig {
            burst: 20,
            product_burst: 50,
            ..RateLimitConfig::with_quota(40, Duration::from_secs(10))
        };
        let (_clock, limiter) = fake(config);
        let too_heavy = RateLimitError::WeightExceedsBurst { weight: 25, burst: 20 };
        assert_eq!(limiter.try_acquire(25, None), Err(RateLimitWait::Rejected(too_heavy)));
        let too_many = RateLimitError::OperationsExceedBurst { operations: 51, burst: 50 };
        assert_eq!(limiter.try_acquire(5, Some((27, 51))), Err(RateLimitWait::Rejected(too_many)));
        assert_eq!(limiter.try_acquire(0, None), Err(RateLimitWait::Rejected(RateLimitError::ZeroWeight)));
        assert_eq!(limiter.try_acquire(5, Some((27, 0))), Err(RateLimitWait::Rejected(RateLimitError::ZeroOperations)));
        // Still an error (not a wait) during a backoff, and nothing was consumed.
        limiter.on_rate_limited(Duration::from_secs(1));
        assert_eq!(limiter.try_acquire(25, None), Err(RateLimitWait::Rejected(too_heavy)));
        assert_eq!(limiter.status().units_used, 0);
        assert_eq!(too_heavy.to_string(), "request weight 25 exceeds the rate limiter's burst of 20 units");
    }

    #[test]
    fn status_reflects_use_and_refill() {
        let (clock, limiter) = fake(RateLimitConfig::with_quota(100, Duration::from_secs(10)));
        let fresh = limiter.status();
        assert_eq!(
            fresh,
            QuotaStatus {
                remaining: 50,
                burst: 50,
                quota: 100,
                reset_in: Duration::ZERO,
                backing_off: false,
                rate_limited: 0,
                units_used: 0
            }
        );
        assert_eq!(limiter.try_acquire(25, None), Ok(()));
        assert_eq!(limiter.try_acquire(5, None), Ok(()));
        let used = limiter.status();
        assert_eq!((used.remaining, used.units_used, used.reset_in), (20, 30, Duration::from_secs(6)));
        // One unit refills every 200 ms; a partly refilled unit does not count.
        clock.advance(Duration::from_millis(2_100));
        let later = limiter.status();
        assert_eq!((later.remaining, later.units_used, later.reset_in), (30, 30, Duration::from_millis(3_900)));
        assert!(format!("{limiter:?}").contains("remaining: 30"));
    }

    #[test]
    fn concurrent_callers_never_share_more_than_the_burst() {
        let (_clock, limiter) = fake(RateLimitConfig::with_quota(100, Duration::from_secs(10)));
        let limiter = Arc::new(limiter);
        let threads: Vec<_> = (0..4)
            .map(|i| {
                let limiter = Arc::clone(&limiter);
                std::thread::spawn(move || {
                    let product = (i % 2 == 0).then_some((27, 1));
                    (0..100).filter(|_| limiter.try_acquire(1, product).is_ok()).count()
                })
            })
            .collect();
        let admitted: usize = threads.into_iter().map(|t| t.join().unwrap()).sum();
        assert_eq!(admitted, 50);
        assert_eq!(limiter.status().units_used, 50);
    }

    #[test]
    fn the_limiter_is_send_and_sync() {
        fn shareable<T: Send + Sync>() {}
        shareable::<RateLimiter>();
        shareable::<RateLimiter<FakeRelativeClock>>();
    }

    #[tokio::test]
    async fn acquire_waits_then_consumes() {
        // 2 units at once, one more every 20 ms (real clock; nothing here measures time).
        let limiter = RateLimiter::new(RateLimitConfig::with_quota(4, Duration::from_millis(40)));
        assert_eq!(limiter.acquire(2, None).await, Ok(()));
        assert_eq!(limiter.acquire(2, None).await, Ok(()));
        limiter.on_rate_limited(Duration::from_millis(10));
        assert_eq!(limiter.acquire(1, Some((27, 1))).await, Ok(()));
        let status = limiter.status();
        assert_eq!((status.units_used, status.rate_limited), (5, 1));
        let too_heavy = RateLimitError::WeightExceedsBurst { weight: 3, burst: 2 };
        assert_eq!(limiter.acquire(3, None).await, Err(too_heavy));
    }
}
