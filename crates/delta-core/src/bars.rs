//! Closed bars from Delta's candle stream (REFERENCE 9.4, 9.5).
//!
//! `candlestick_<res>` repeats the forming candle (inferred: every update of one candle carries the same
//! start). A [`BarTracker`] keeps the latest candle per `(symbol, resolution)` and hands it out as a
//! [`ClosedBar`] once a candle with a later start arrives. The legacy format carries `candle_start_time`;
//! the compact one carries no start, so the start is `ts` floored to the resolution (inferred, REFERENCE
//! 9.5; delta-sim does the same; weekly candles are floored from the Unix epoch, their alignment on Delta is
//! unconfirmed).

use std::collections::HashMap;
use std::sync::Arc;

use crate::decimal::Decimal;
use crate::ws::CandleEvent;

/// Candle resolutions of the socket's `candlestick_<res>` channels with their length in seconds.
pub const RESOLUTIONS: [(&str, i64); 12] = [
    ("1m", 60),
    ("3m", 180),
    ("5m", 300),
    ("15m", 900),
    ("30m", 1_800),
    ("1h", 3_600),
    ("2h", 7_200),
    ("4h", 14_400),
    ("6h", 21_600),
    ("12h", 43_200),
    ("1d", 86_400),
    ("1w", 604_800),
];

const MICROS_PER_SECOND: i64 = 1_000_000;

/// The length of a resolution (`"1m"`, `"4h"`, ...) in microseconds; `None` for an unknown one.
pub fn resolution_micros(resolution: &str) -> Option<i64> {
    RESOLUTIONS.iter().find(|(name, _)| *name == resolution).map(|(_, seconds)| seconds * MICROS_PER_SECOND)
}

/// Why a candle could not be placed in time.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BarError {
    /// The resolution is not one of [`RESOLUTIONS`].
    #[error("unknown candle resolution {0:?}")]
    UnknownResolution(String),
    /// The candle has neither a start nor a timestamp to derive it from.
    #[error("candle of {0} has neither a start nor a timestamp")]
    NoStart(String),
}

/// A finished candle.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClosedBar {
    /// Symbol as sent (`BTCUSD`, `MARK:BTCUSD`).
    pub symbol: Arc<str>,
    /// Resolution (`1m`, ...).
    pub resolution: Arc<str>,
    /// Start of the candle (µs).
    pub start_us: i64,
    /// End of the candle: start + resolution length (µs).
    pub end_us: i64,
    /// Open.
    pub open: Decimal,
    /// High.
    pub high: Decimal,
    /// Low.
    pub low: Decimal,
    /// Close.
    pub close: Decimal,
    /// Volume (absent for mark candles).
    pub volume: Option<Decimal>,
}

/// Turns repeated forming-candle updates into closed bars, per `(symbol, resolution)`.
#[derive(Debug, Default)]
pub struct BarTracker {
    forming: HashMap<(Arc<str>, Arc<str>), ClosedBar>,
}

impl BarTracker {
    /// An empty tracker.
    pub fn new() -> Self {
        Self::default()
    }

    /// Records a candle update. Returns the previous candle of the same `(symbol, resolution)` when this
    /// one starts later (that candle is closed); an update of the current candle replaces its values; an
    /// update of an older candle (late or replayed) is ignored.
    pub fn update(&mut self, candle: &CandleEvent) -> Result<Option<ClosedBar>, BarError> {
        let length = resolution_micros(&candle.resolution)
            .ok_or_else(|| BarError::UnknownResolution(candle.resolution.to_string()))?;
        let start = match (candle.candle_start_us, candle.timestamp_us) {
            (Some(start), _) => start,
            (None, Some(ts)) => ts - ts.rem_euclid(length),
            (None, None) => return Err(BarError::NoStart(candle.symbol.to_string())),
        };
        let bar = ClosedBar {
            symbol: Arc::clone(&candle.symbol),
            resolution: Arc::clone(&candle.resolution),
            start_us: start,
            end_us: start.saturating_add(length),
            open: candle.open,
            high: candle.high,
            low: candle.low,
            close: candle.close,
            volume: candle.volume,
        };
        let key = (Arc::clone(&candle.symbol), Arc::clone(&candle.resolution));
        match self.forming.get_mut(&key) {
            None => {
                self.forming.insert(key, bar);
                Ok(None)
            }
            Some(current) if start > current.start_us => Ok(Some(std::mem::replace(current, bar))),
            Some(current) if start == current.start_us => {
                *current = bar;
                Ok(None)
            }
            Some(_) => Ok(None),
        }
    }

    /// Number of `(symbol, resolution)` pairs with a forming candle.
    pub fn len(&self) -> usize {
        self.forming.len()
    }

    /// True when no candle is forming.
    pub fn is_empty(&self) -> bool {
        self.forming.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MINUTE: i64 = 60 * MICROS_PER_SECOND;

    fn candle(symbol: &str, resolution: &str, start: Option<i64>, ts: Option<i64>, close: &str) -> CandleEvent {
        let d = |s: &str| Decimal::parse(s).unwrap();
        CandleEvent {
            symbol: Arc::from(symbol),
            resolution: Arc::from(resolution),
            open: d("100.5"),
            high: d("101"),
            low: d("99.5"),
            close: d(close),
            volume: Some(d("12")),
            candle_start_us: start,
            timestamp_us: ts,
        }
    }

    #[test]
    fn compact_candle_closes_when_a_later_start_arrives() {
        let mut tracker = BarTracker::new();
        let base = 1_779_962_400 * MICROS_PER_SECOND; // a minute boundary
        assert_eq!(tracker.update(&candle("BTCUSD", "1m", None, Some(base + 1_000), "100")).unwrap(), None);
        assert_eq!(tracker.update(&candle("BTCUSD", "1m", None, Some(base + 59_999_999), "100.25")).unwrap(), None);
        let closed = tracker.update(&candle("BTCUSD", "1m", None, Some(base + MINUTE + 5), "102")).unwrap().unwrap();
        assert_eq!(closed.start_us, base);
        assert_eq!(closed.end_us, base + MINUTE);
        assert_eq!(closed.close, Decimal::parse("100.25").unwrap(), "the last update of the candle wins");
        assert_eq!(closed.close.to_string(), "100.25");
        assert_eq!(closed.volume, Some(Decimal::from_int(12)));
        assert_eq!(&*closed.symbol, "BTCUSD");
        assert_eq!(&*closed.resolution, "1m");
        assert_eq!(tracker.len(), 1);
    }

    #[test]
    fn legacy_start_is_used_and_keys_are_independent() {
        let mut tracker = BarTracker::new();
        let start = 1_779_962_400 * MICROS_PER_SECOND;
        tracker.update(&candle("BTCUSD", "5m", Some(start), Some(start + 7), "1")).unwrap();
        tracker.update(&candle("ETHUSD", "5m", Some(start), Some(start + 7), "2")).unwrap();
        tracker.update(&candle("BTCUSD", "1m", Some(start), Some(start + 7), "3")).unwrap();
        assert_eq!(tracker.len(), 3);
        // A new 1m candle of BTCUSD closes only the BTCUSD 1m candle.
        let closed = tracker.update(&candle("BTCUSD", "1m", Some(start + MINUTE), None, "4")).unwrap().unwrap();
        assert_eq!((&*closed.symbol, &*closed.resolution, closed.start_us), ("BTCUSD", "1m", start));
        assert_eq!(closed.close, Decimal::from_int(3));
        let closed = tracker.update(&candle("BTCUSD", "5m", Some(start + 5 * MINUTE), None, "5")).unwrap().unwrap();
        assert_eq!(closed.end_us, start + 5 * MINUTE);
        assert_eq!(closed.close, Decimal::from_int(1));
    }

    #[test]
    fn older_candles_are_ignored_and_bad_input_is_an_error() {
        let mut tracker = BarTracker::new();
        let start = 1_779_962_400 * MICROS_PER_SECOND;
        tracker.update(&candle("BTCUSD", "1m", Some(start + MINUTE), None, "1")).unwrap();
        assert_eq!(tracker.update(&candle("BTCUSD", "1m", Some(start), None, "2")).unwrap(), None);
        let closed = tracker.update(&candle("BTCUSD", "1m", Some(start + 2 * MINUTE), None, "3")).unwrap().unwrap();
        assert_eq!(closed.close, Decimal::from_int(1), "the late candle did not overwrite the current one");
        assert_eq!(
            tracker.update(&candle("BTCUSD", "7m", None, Some(start), "1")),
            Err(BarError::UnknownResolution("7m".into()))
        );
        assert_eq!(tracker.update(&candle("BTCUSD", "1m", None, None, "1")), Err(BarError::NoStart("BTCUSD".into())));
    }

    #[test]
    fn every_resolution_floors_to_its_length() {
        let ts = 1_779_962_403_666_383_i64;
        for (name, seconds) in RESOLUTIONS {
            let length = seconds * MICROS_PER_SECOND;
            assert_eq!(resolution_micros(name), Some(length));
            let mut tracker = BarTracker::new();
            tracker.update(&candle("X", name, None, Some(ts), "1")).unwrap();
            let closed = tracker.update(&candle("X", name, None, Some(ts + length), "2")).unwrap().unwrap();
            assert_eq!(closed.start_us % length, 0, "{name}");
            assert!(closed.start_us <= ts && ts < closed.end_us, "{name}");
        }
        assert_eq!(resolution_micros("2w"), None);
    }
}
