//! A sliding one-second window of accepted orders, kept as a ring of timestamps.

use std::collections::VecDeque;

/// Length of the window in nanoseconds.
pub const WINDOW_NS: u64 = 1_000_000_000;

/// Most timestamps reserved up front: a window never grows past its limit, so a limit up to this size never
/// allocates once the window exists.
const MAX_RESERVED: usize = 4_096;

/// Timestamps (ns) of the orders accepted within the last second, oldest first.
#[derive(Debug, Clone, Default)]
pub struct RateWindow {
    stamps: VecDeque<u64>,
}

impl RateWindow {
    /// Makes room for `limit` timestamps, so a window kept at or below its limit never allocates again.
    pub fn reserve_for(&mut self, limit: u32) {
        let wanted = (limit as usize).min(MAX_RESERVED);
        self.stamps.reserve(wanted.saturating_sub(self.stamps.len()));
    }

    /// Drops the timestamps that left the window ending at `now_ns` and returns how many remain: an order
    /// accepted at `t` counts while `now_ns − t < 1 s`.
    pub fn count(&mut self, now_ns: u64) -> u32 {
        while self.stamps.front().is_some_and(|t| now_ns.saturating_sub(*t) >= WINDOW_NS) {
            self.stamps.pop_front();
        }
        u32::try_from(self.stamps.len()).unwrap_or(u32::MAX)
    }

    /// Records an order accepted at `now_ns`.
    pub fn record(&mut self, now_ns: u64) {
        self.stamps.push_back(now_ns);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_order_counts_for_exactly_one_second() {
        let mut window = RateWindow::default();
        window.reserve_for(4);
        window.record(100);
        window.record(500_000_100);
        assert_eq!(window.count(100 + WINDOW_NS - 1), 2);
        assert_eq!(window.count(100 + WINDOW_NS), 1);
        assert_eq!(window.count(500_000_100 + WINDOW_NS), 0);
    }
}
