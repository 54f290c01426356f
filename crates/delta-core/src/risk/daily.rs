//! The daily loss tracker: the first equity of each UTC day is the baseline; a loss reaching the limit starts
//! reduce-only mode until the next UTC day.

use crate::decimal::Decimal;

/// Nanoseconds in a day.
const DAY_NS: u64 = 86_400_000_000_000;

/// The UTC day number (days since the epoch) of `now_ns`.
pub const fn utc_day(now_ns: u64) -> u64 {
    now_ns / DAY_NS
}

/// The numbers of a breach of the daily loss limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Breach {
    /// The UTC day it happened on.
    pub day: u64,
    /// Equity at the day's start.
    pub baseline: Decimal,
    /// Equity at the breach.
    pub equity: Decimal,
    /// `baseline − equity`.
    pub loss: Decimal,
    /// The limit it reached.
    pub limit: Decimal,
}

/// Equity baseline of the current UTC day and the breach, if any.
#[derive(Debug, Clone, Default)]
pub struct DailyLoss {
    baseline: Option<(u64, Decimal)>,
    breach: Option<Breach>,
}

impl DailyLoss {
    /// Records `equity` at `now_ns` against `limit`; true exactly on the call that starts reduce-only mode.
    pub fn update(&mut self, equity: Decimal, now_ns: u64, limit: Option<Decimal>) -> bool {
        let day = utc_day(now_ns);
        self.expire(day);
        let baseline = match self.baseline {
            Some((baseline_day, baseline)) if baseline_day == day => baseline,
            _ => {
                self.baseline = Some((day, equity));
                equity
            }
        };
        let (Some(limit), None) = (limit, self.breach) else {
            return false;
        };
        let Some(loss) = baseline.checked_sub(&equity) else {
            return false;
        };
        if loss < limit {
            return false;
        }
        self.breach = Some(Breach { day, baseline, equity, loss, limit });
        true
    }

    /// The breach in force at `now_ns`, ending reduce-only mode once a new UTC day has begun.
    pub fn active(&mut self, now_ns: u64) -> Option<&Breach> {
        self.expire(utc_day(now_ns));
        self.breach.as_ref()
    }

    /// True while reduce-only mode lasts (as of the last call that knew the time).
    pub fn reduce_only(&self) -> bool {
        self.breach.is_some()
    }

    fn expire(&mut self, day: u64) {
        if self.breach.is_some_and(|breach| breach.day != day) {
            self.breach = None;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dec(text: &str) -> Decimal {
        Decimal::parse(text).unwrap()
    }

    #[test]
    fn the_first_equity_of_a_day_is_the_baseline() {
        let mut daily = DailyLoss::default();
        let limit = Some(dec("100"));
        assert!(!daily.update(dec("1000"), 5, limit));
        assert!(!daily.update(dec("1200"), 6, limit));
        // Baseline stays 1000: a loss of 99.99 from it is below the limit.
        assert!(!daily.update(dec("900.01"), 7, limit));
        assert!(daily.update(dec("900"), 8, limit));
        assert!(!daily.update(dec("800"), 9, limit));
        assert_eq!(daily.active(9).map(|b| b.loss), Some(dec("100")));
        // Next day: the breach ends and the first equity is the new baseline.
        assert!(daily.active(DAY_NS).is_none());
        assert!(!daily.update(dec("800"), DAY_NS + 1, limit));
        assert!(daily.update(dec("700"), DAY_NS + 2, limit));
    }

    #[test]
    fn without_a_limit_nothing_breaches() {
        let mut daily = DailyLoss::default();
        assert!(!daily.update(dec("1000"), 0, None));
        assert!(!daily.update(dec("1"), 1, None));
        assert!(!daily.reduce_only());
    }
}
