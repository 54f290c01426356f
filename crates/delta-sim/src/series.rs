//! A deterministic synthetic price history: the same seed, symbol and time always give the same
//! price, so candles and 24-hour ticker statistics agree with each other across requests.
//!
//! The path is a sum of value-noise octaves (knots hashed from seed, symbol and knot index, linearly
//! interpolated) at 1-minute, 1-hour, 1-day and 1-week spacing, scaled so the path passes through the
//! reference price at the sim's start. All arithmetic is integer (parts per million).

use delta_core::Decimal;

use crate::book::floor_to_tick;

const PPM: i64 = 1_000_000;

/// (knot spacing in seconds, amplitude in ppm of the price).
const OCTAVES: [(i64, i64); 4] = [(60, 300), (3_600, 2_500), (86_400, 10_000), (604_800, 30_000)];

/// One OHLCV bar.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Candle {
    /// Start of the bar, Unix seconds.
    pub time: i64,
    /// First price.
    pub open: Decimal,
    /// Highest price.
    pub high: Decimal,
    /// Lowest price.
    pub low: Decimal,
    /// Last price.
    pub close: Decimal,
    /// Contracts traded (0 for mark and index series).
    pub volume: u64,
}

/// The price history of one series (a product, its mark, or an index).
#[derive(Debug, Clone)]
pub struct PriceSeries {
    key: u64,
    reference: Decimal,
    reference_time: i64,
    tick: Decimal,
    volume_per_minute: u64,
}

impl PriceSeries {
    /// A series named `name` that is worth `reference` at `reference_time` (Unix seconds), on the
    /// `tick` grid, trading about `volume_per_minute` contracts a minute.
    pub fn new(
        seed: u64,
        name: &str,
        reference: Decimal,
        reference_time: i64,
        tick: Decimal,
        volume_per_minute: u64,
    ) -> Self {
        Self { key: mix(seed ^ fnv1a(name.as_bytes())), reference, reference_time, tick, volume_per_minute }
    }

    /// The price at `time` (Unix seconds), on the tick grid and at least one tick.
    pub fn price_at(&self, time: i64) -> Decimal {
        let factor = PPM + self.offset_ppm(time) - self.offset_ppm(self.reference_time);
        let scaled = self
            .reference
            .checked_mul(&Decimal::from_int(factor))
            .and_then(|value| value.checked_div(&Decimal::from_int(PPM), self.reference.scale().max(8)))
            .unwrap_or(self.reference);
        floor_to_tick(scaled, self.tick).max(self.tick)
    }

    /// The bar starting at `time` and lasting `seconds`, cut at `now` (Unix seconds) when still open.
    pub fn candle(&self, time: i64, seconds: i64, now: i64) -> Candle {
        let end = (time + seconds).min(now.max(time));
        let samples: Vec<Decimal> = (0..=4).map(|i| self.price_at(time + (end - time) * i / 4)).collect();
        let open = samples[0];
        let close = samples[4];
        let high = samples.iter().copied().max().unwrap_or(open);
        let low = samples.iter().copied().min().unwrap_or(open);
        let minutes = u64::try_from((end - time).max(0) / 60).unwrap_or(0).max(1);
        let volume = if self.volume_per_minute == 0 {
            0
        } else {
            let noise = mix(self.key ^ time as u64) % (self.volume_per_minute * 2);
            noise.saturating_mul(minutes) / 2 + minutes
        };
        Candle { time, open, high, low, close, volume }
    }

    /// Sum of the octaves at `time`, in ppm.
    fn offset_ppm(&self, time: i64) -> i64 {
        OCTAVES
            .iter()
            .enumerate()
            .map(|(octave, (spacing, amplitude))| {
                let knot = time.div_euclid(*spacing);
                let into = time.rem_euclid(*spacing);
                let a = self.knot(octave as u64, knot);
                let b = self.knot(octave as u64, knot + 1);
                let interpolated = a + (b - a) * into / spacing;
                interpolated * amplitude / PPM
            })
            .sum()
    }

    /// A knot value in `[-PPM, PPM]`.
    fn knot(&self, octave: u64, index: i64) -> i64 {
        let hashed = mix(self.key ^ mix(octave.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ index as u64));
        (hashed % (2 * PPM as u64 + 1)) as i64 - PPM
    }
}

/// SplitMix64 finalizer: a fast, well-mixed 64-bit hash.
pub fn mix(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^ (x >> 31)
}

/// FNV-1a of a byte string (stable across runs and platforms).
pub fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |hash, byte| (hash ^ u64::from(*byte)).wrapping_mul(0x0100_0000_01b3))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn series() -> PriceSeries {
        PriceSeries::new(42, "BTCUSD", "68452.5".parse().unwrap(), 1_779_962_400, "0.5".parse().unwrap(), 300)
    }

    #[test]
    fn passes_through_the_reference_and_is_deterministic() {
        let s = series();
        assert_eq!(s.price_at(1_779_962_400).to_string(), "68452.5");
        assert_eq!(s.price_at(1_779_900_000), series().price_at(1_779_900_000));
        let other =
            PriceSeries::new(43, "BTCUSD", "68452.5".parse().unwrap(), 1_779_962_400, "0.5".parse().unwrap(), 1);
        assert_ne!(s.price_at(1_779_900_000), other.price_at(1_779_900_000));
    }

    #[test]
    fn candles_are_consistent_and_near_the_reference() {
        let s = series();
        let now = 1_779_962_400;
        let first = s.candle(now - 120, 60, now);
        let second = s.candle(now - 60, 60, now);
        assert_eq!(first.close, second.open);
        assert!(first.low <= first.open && first.open <= first.high && first.low <= first.close);
        assert!(first.volume > 0);
        let week_ago = s.price_at(now - 604_800);
        let (lo, hi) = ("60000".parse::<Decimal>().unwrap(), "77000".parse::<Decimal>().unwrap());
        assert!(week_ago > lo && week_ago < hi, "{week_ago}");
    }
}
