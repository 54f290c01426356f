//! Nautilus-shaped values shared by the Python adapter and the recorder, so both turn the same socket event
//! into the same data: fixed-point raws at 10^16, Nautilus enum and flag values, event times and trade ids.
//! No Nautilus dependency: only the numbers its `from_raw` constructors and Parquet schemas take.

use std::collections::HashMap;
use std::sync::Arc;

use crate::decimal::Decimal;
use crate::model::Side;

/// Digits after the point of a Nautilus raw value (`raw = value × 10^16`, the high-precision build).
pub const FIXED_PRECISION: u8 = 16;

/// `10^16`.
pub const FIXED_SCALAR: i128 = 10_000_000_000_000_000;

/// `10^k` for `k` in `0..=16`.
const POW10: [i128; 17] = {
    let mut table = [1i128; 17];
    let mut k = 1;
    while k < table.len() {
        table[k] = table[k - 1] * 10;
        k += 1;
    }
    table
};

/// `value` rounded half away from zero to `precision` digits (at most 16), as a raw at 10^16;
/// `None` when it does not fit an i128.
pub fn to_raw(value: &Decimal, precision: u8) -> Option<i128> {
    let precision = precision.min(FIXED_PRECISION);
    if value.scale() <= precision {
        // Nothing to round (the usual case: the wire carries no more digits than the instrument): one multiply.
        return value.mantissa().checked_mul(POW10[usize::from(FIXED_PRECISION - value.scale())]);
    }
    value.round_to(precision).to_scale(FIXED_PRECISION).ok()
}

/// Nautilus `OrderSide` / `AggressorSide`: BUY (BUYER).
pub const BUY: u8 = 1;
/// Nautilus `OrderSide` / `AggressorSide`: SELL (SELLER).
pub const SELL: u8 = 2;
/// Nautilus `OrderSide::NoOrderSide` (the side of a CLEAR delta).
pub const NO_SIDE: u8 = 0;

/// Nautilus `BookAction` values.
pub mod action {
    /// A level appears (every level of a snapshot).
    pub const ADD: u8 = 1;
    /// A level's size changes.
    pub const UPDATE: u8 = 2;
    /// A level goes (size 0 on the wire).
    pub const DELETE: u8 = 3;
    /// The book is emptied (first delta of a snapshot).
    pub const CLEAR: u8 = 4;
}

/// Nautilus `RecordFlag` values.
pub mod flags {
    /// The last delta of an event: consumers apply the batch here.
    pub const F_LAST: u8 = 1 << 7;
    /// Part of a snapshot.
    pub const F_SNAPSHOT: u8 = 1 << 5;
}

/// The Nautilus side of a trade's aggressor.
pub const fn aggressor(side: Side) -> u8 {
    match side {
        Side::Buy => BUY,
        Side::Sell => SELL,
    }
}

/// The `BookAction` of one level of a book message: every snapshot level is an ADD; an update is an UPDATE, or
/// a DELETE when its size is 0.
pub fn level_action(snapshot: bool, size: &Decimal) -> u8 {
    match (snapshot, size.is_zero()) {
        (true, _) => action::ADD,
        (false, false) => action::UPDATE,
        (false, true) => action::DELETE,
    }
}

/// An exchange time in µs as ns, `fallback_ns` (the receive time) when absent or negative.
pub fn event_ns(us: Option<i64>, fallback_ns: u64) -> u64 {
    us.and_then(|us| u64::try_from(us).ok()).map_or(fallback_ns, |us| us.saturating_mul(1_000))
}

/// Deterministic trade ids for feeds without one (Delta's compact `trades`): `"{trade time µs}-{n}"`, `n`
/// counting the symbol's trades at the same µs from 0, so a replay of the same stream yields the same ids.
#[derive(Debug, Default)]
pub struct TradeIds {
    last: HashMap<Arc<str>, (i64, u32)>,
}

impl TradeIds {
    /// The id of the next trade of `symbol` at `time_us`.
    pub fn next(&mut self, symbol: &Arc<str>, time_us: i64) -> String {
        let entry = self.last.entry(Arc::clone(symbol)).or_insert((time_us, 0));
        if entry.0 == time_us {
            entry.1 += 1;
        } else {
            *entry = (time_us, 1);
        }
        format!("{time_us}-{}", entry.1 - 1)
    }
}

/// Nautilus's bar step and aggregation (`BarAggregation` name) of a Delta candle resolution (`"1m"` is
/// `(1, "MINUTE")`); `None` for an unknown resolution.
pub fn bar_step(resolution: &str) -> Option<(u32, &'static str)> {
    let (digits, unit) = resolution.split_at(resolution.len().checked_sub(1)?);
    let aggregation = match unit {
        "m" => "MINUTE",
        "h" => "HOUR",
        "d" => "DAY",
        "w" => "WEEK",
        _ => return None,
    };
    crate::bars::resolution_micros(resolution)?;
    Some((digits.parse().ok()?, aggregation))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(text: &str) -> Decimal {
        Decimal::parse(text).unwrap()
    }

    #[test]
    fn raws_round_half_away_from_zero_to_the_precision() {
        assert_eq!(to_raw(&d("68452.5"), 1), Some(684_525 * 10i128.pow(15)));
        assert_eq!(to_raw(&d("0.05"), 1), Some(FIXED_SCALAR / 10));
        assert_eq!(to_raw(&d("-0.05"), 1), Some(-FIXED_SCALAR / 10));
        assert_eq!(to_raw(&d("12"), 0), Some(12 * FIXED_SCALAR));
        assert_eq!(to_raw(&d("99999999999999999999999"), 0), None);
    }

    #[test]
    fn trade_ids_count_per_symbol_and_microsecond() {
        let (btc, eth): (Arc<str>, Arc<str>) = (Arc::from("BTCUSD"), Arc::from("ETHUSD"));
        let mut ids = TradeIds::default();
        let got = [ids.next(&btc, 5), ids.next(&btc, 5), ids.next(&eth, 5), ids.next(&btc, 6), ids.next(&btc, 5)];
        assert_eq!(got, ["5-0", "5-1", "5-0", "6-0", "5-0"]);
    }

    #[test]
    fn levels_events_and_resolutions_map_to_nautilus_values() {
        assert_eq!(level_action(true, &d("0")), action::ADD);
        assert_eq!(level_action(false, &d("3")), action::UPDATE);
        assert_eq!(level_action(false, &d("0")), action::DELETE);
        assert_eq!(event_ns(Some(7), 1), 7_000);
        assert_eq!(event_ns(None, 1), 1);
        assert_eq!(event_ns(Some(-1), 1), 1);
        assert_eq!(aggressor(Side::Sell), SELL);
        assert_eq!(bar_step("1m"), Some((1, "MINUTE")));
        assert_eq!(bar_step("12h"), Some((12, "HOUR")));
        assert_eq!(bar_step("1w"), Some((1, "WEEK")));
        assert_eq!(bar_step("7m"), None);
        assert_eq!(bar_step(""), None);
    }
}
