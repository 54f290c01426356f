//! When to try connecting again: exponential backoff with full jitter, inside Delta's connection budget.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use rand::rngs::SmallRng;
use rand::SeedableRng;
use tokio::time::Instant;

/// Exponential backoff with full jitter: the n-th consecutive failure waits a uniform random time in
/// `[0, min(cap, base * 2^n)]`.
#[derive(Debug)]
pub struct Backoff {
    base: Duration,
    cap: Duration,
    failures: u32,
    rng: SmallRng,
}

impl Backoff {
    /// A backoff starting at `base` and never waiting more than `cap`.
    pub fn new(base: Duration, cap: Duration) -> Self {
        Self { base, cap, failures: 0, rng: SmallRng::from_os_rng() }
    }

    /// The ceiling of the next delay (before jitter).
    pub fn ceiling(&self) -> Duration {
        crate::backoff::ceiling(self.base, self.cap, self.failures)
    }

    /// The delay before the next attempt; each call counts one more consecutive failure.
    pub fn next_delay(&mut self) -> Duration {
        let delay = crate::backoff::full_jitter(self.base, self.cap, self.failures, &mut self.rng);
        self.failures = self.failures.saturating_add(1);
        delay
    }

    /// Consecutive failures so far.
    pub fn failures(&self) -> u32 {
        self.failures
    }

    /// Forgets the failures after a connection that worked.
    pub fn reset(&mut self) {
        self.failures = 0;
    }
}

/// The connection-attempt budget: at most `attempts` handshakes in any sliding `window`
/// (Delta: 150 per 5 minutes per IP, REFERENCE 4.3). Clones share one budget, so every socket of a
/// process that shares an IP can draw from the same one.
#[derive(Debug, Clone)]
pub struct ConnectBudget {
    inner: Arc<Mutex<BudgetWindow>>,
}

impl ConnectBudget {
    /// A budget of `attempts` handshakes per sliding `window` (at least one attempt).
    pub fn new(attempts: usize, window: Duration) -> Self {
        Self { inner: Arc::new(Mutex::new(BudgetWindow::new(attempts, window))) }
    }

    /// Takes one attempt now if the budget allows it (`None`), or says how long to wait before asking again.
    pub fn try_acquire(&self) -> Option<Duration> {
        self.try_acquire_at(Instant::now())
    }

    /// [`ConnectBudget::try_acquire`] at a given instant.
    pub fn try_acquire_at(&self, now: Instant) -> Option<Duration> {
        self.inner.lock().unwrap_or_else(PoisonError::into_inner).try_acquire(now)
    }
}

#[derive(Debug)]
struct BudgetWindow {
    attempts: usize,
    window: Duration,
    taken: VecDeque<Instant>,
}

impl BudgetWindow {
    fn new(attempts: usize, window: Duration) -> Self {
        let attempts = attempts.max(1);
        Self { attempts, window, taken: VecDeque::with_capacity(attempts) }
    }

    fn try_acquire(&mut self, now: Instant) -> Option<Duration> {
        while self.taken.front().is_some_and(|&t| now.saturating_duration_since(t) >= self.window) {
            self.taken.pop_front();
        }
        match self.taken.front() {
            Some(&oldest) if self.taken.len() >= self.attempts => {
                Some((oldest + self.window).saturating_duration_since(now).max(Duration::from_millis(1)))
            }
            _ => {
                self.taken.push_back(now);
                None
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_to_the_cap_and_resets() {
        let mut backoff = Backoff::new(Duration::from_millis(250), Duration::from_secs(30));
        let mut ceilings = Vec::new();
        for _ in 0..10 {
            let ceiling = backoff.ceiling();
            let delay = backoff.next_delay();
            assert!(delay <= ceiling, "{delay:?} > {ceiling:?}");
            ceilings.push(ceiling.as_millis());
        }
        assert_eq!(ceilings, [250, 500, 1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000]);
        assert_eq!(backoff.failures(), 10);
        backoff.reset();
        assert_eq!(backoff.ceiling(), Duration::from_millis(250));
    }

    #[test]
    fn budget_is_never_exceeded_in_any_window() {
        let budget = ConnectBudget::new(3, Duration::from_secs(300));
        let start = Instant::now();
        for _ in 0..3 {
            assert_eq!(budget.try_acquire_at(start), None);
        }
        assert_eq!(budget.try_acquire_at(start), Some(Duration::from_secs(300)));
        let later = start + Duration::from_secs(299);
        assert_eq!(budget.try_acquire_at(later), Some(Duration::from_secs(1)));
        assert_eq!(budget.try_acquire_at(start + Duration::from_secs(300)), None);
        assert!(budget.try_acquire_at(start + Duration::from_secs(300)).is_none());
        assert!(budget.try_acquire_at(start + Duration::from_secs(300)).is_none());
        assert!(budget.try_acquire_at(start + Duration::from_secs(301)).is_some());
    }

    #[test]
    fn clones_share_one_budget() {
        let budget = ConnectBudget::new(1, Duration::from_secs(60));
        let other = budget.clone();
        let now = Instant::now();
        assert_eq!(budget.try_acquire_at(now), None);
        assert!(other.try_acquire_at(now).is_some());
    }
}
