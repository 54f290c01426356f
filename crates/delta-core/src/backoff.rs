//! Exponential backoff with full jitter, shared by REST retries and socket reconnects.

use std::time::Duration;

use rand::Rng;

/// The ceiling of the `attempt`-th consecutive wait (0-based): `min(cap, base × 2^attempt)`.
pub fn ceiling(base: Duration, cap: Duration, attempt: u32) -> Duration {
    let factor = 1u32.checked_shl(attempt.min(31)).unwrap_or(u32::MAX);
    base.saturating_mul(factor).min(cap)
}

/// A wait drawn uniformly from `[0, ceiling(base, cap, attempt)]` (microsecond resolution), so that many
/// clients failing together do not retry together.
pub fn full_jitter(base: Duration, cap: Duration, attempt: u32, rng: &mut impl Rng) -> Duration {
    let ceiling_us = u64::try_from(ceiling(base, cap, attempt).as_micros()).unwrap_or(u64::MAX);
    Duration::from_micros(rng.random_range(0..=ceiling_us))
}

#[cfg(test)]
mod tests {
    use rand::rngs::SmallRng;
    use rand::SeedableRng;

    use super::*;

    #[test]
    fn ceilings_double_up_to_the_cap() {
        let (base, cap) = (Duration::from_millis(250), Duration::from_secs(30));
        assert_eq!(ceiling(base, cap, 0), base);
        assert_eq!(ceiling(base, cap, 3), Duration::from_secs(2));
        assert_eq!(ceiling(base, cap, 40), cap);
    }

    #[test]
    fn waits_stay_below_the_ceiling_and_spread() {
        let mut rng = SmallRng::seed_from_u64(7);
        let (base, cap) = (Duration::from_millis(250), Duration::from_secs(2));
        for attempt in 0..40 {
            for _ in 0..20 {
                assert!(full_jitter(base, cap, attempt, &mut rng) <= ceiling(base, cap, attempt));
            }
        }
        let spread: std::collections::HashSet<_> = (0..50).map(|_| full_jitter(base, cap, 3, &mut rng)).collect();
        assert!(spread.len() > 10);
    }
}
