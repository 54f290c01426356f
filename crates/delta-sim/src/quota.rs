//! Fixed-window counters: Delta's REST quota (units per 5-minute window per caller) and the
//! matching engine's operations per second per product (REFERENCE 4.1, 4.2).
//!
//! Windows are aligned to the simulator's start: window `k` covers `[start + k·W, start + (k+1)·W)`,
//! and every caller gets its full capacity back at each boundary, as Delta's fixed window does.

use std::collections::HashMap;
use std::hash::Hash;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Who a REST quota is charged to: the account for signed requests, the IP otherwise.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Caller {
    /// A known account (user id).
    Account(u64),
    /// An unauthenticated caller.
    Ip(IpAddr),
}

/// The state of one caller's window after a charge or a look-up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WindowState {
    /// Units left in the current window.
    pub remaining: u32,
    /// Milliseconds until the window resets (at least 1).
    pub reset_after_ms: u64,
}

/// A fixed-window counter with `capacity` units per `window` for each key.
#[derive(Debug)]
pub struct FixedWindow<K> {
    capacity: u32,
    window: Duration,
    origin: Instant,
    used: Mutex<HashMap<K, (u64, u32)>>,
}

impl<K: Eq + Hash> FixedWindow<K> {
    /// A counter whose windows start at `origin`. A zero window is treated as one millisecond.
    pub fn new(capacity: u32, window: Duration, origin: Instant) -> Self {
        Self { capacity, window: window.max(Duration::from_millis(1)), origin, used: Mutex::new(HashMap::new()) }
    }

    /// Takes `amount` units for `key` at `now`, or reports the state without taking anything when
    /// fewer than `amount` units are left.
    pub fn try_take(&self, key: K, amount: u32, now: Instant) -> Result<WindowState, WindowState> {
        let (index, reset_after_ms) = self.position(now);
        let mut used = self.used.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let entry = used.entry(key).or_insert((index, 0));
        if entry.0 != index {
            *entry = (index, 0);
        }
        let remaining = self.capacity.saturating_sub(entry.1);
        if amount > remaining {
            return Err(WindowState { remaining, reset_after_ms });
        }
        entry.1 += amount;
        Ok(WindowState { remaining: remaining - amount, reset_after_ms })
    }

    /// The state of `key`'s window at `now`, without taking anything.
    pub fn state(&self, key: &K, now: Instant) -> WindowState {
        let (index, reset_after_ms) = self.position(now);
        let used = self.used.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let spent = used.get(key).filter(|(window, _)| *window == index).map_or(0, |(_, spent)| *spent);
        WindowState { remaining: self.capacity.saturating_sub(spent), reset_after_ms }
    }

    /// The index of the window containing `now` and the milliseconds until it ends.
    fn position(&self, now: Instant) -> (u64, u64) {
        let elapsed = now.saturating_duration_since(self.origin).as_micros();
        let window = self.window.as_micros().max(1);
        let index = elapsed / window;
        let left_micros = window - elapsed % window;
        (u64::try_from(index).unwrap_or(u64::MAX), u64::try_from(left_micros.div_ceil(1000)).unwrap_or(u64::MAX))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_past_capacity_and_refills_at_the_boundary() {
        let origin = Instant::now();
        let meter = FixedWindow::new(10, Duration::from_secs(300), origin);
        let at = |secs| origin + Duration::from_secs(secs);
        assert_eq!(meter.try_take("a", 6, at(1)).unwrap().remaining, 4);
        let refused = meter.try_take("a", 5, at(2)).unwrap_err();
        assert_eq!(refused, WindowState { remaining: 4, reset_after_ms: 298_000 });
        assert_eq!(meter.try_take("b", 10, at(2)).unwrap().remaining, 0);
        assert_eq!(meter.state(&"a", at(299)).remaining, 4);
        assert_eq!(meter.try_take("a", 10, at(300)).unwrap(), WindowState { remaining: 0, reset_after_ms: 300_000 });
    }
}
