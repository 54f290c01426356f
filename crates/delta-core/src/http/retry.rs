//! Which failures are retried, and how long to wait before the next attempt.

use std::time::Duration;

use rand::Rng;

use crate::error::DeltaError;

/// Retry settings, taken from [`crate::http::HttpClientConfig`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct RetryPolicy {
    /// Retries after the first attempt.
    pub max_retries: u32,
    /// Base of the exponential backoff.
    pub base_delay: Duration,
    /// Cap of one backoff delay.
    pub max_delay: Duration,
    /// Longest rate-limit reset waited out before retrying.
    pub max_rate_limit_wait: Duration,
}

/// What to do after a failed attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum RetryDecision {
    /// Wait this long, then send again.
    Retry(Duration),
    /// Return the error to the caller.
    GiveUp,
}

impl RetryPolicy {
    /// Decides after a failure. Only idempotent requests (GETs) are retried: on timeouts, transport errors
    /// and 5xx with backoff, and on 429 after the announced reset when it is short enough. `retries_done`
    /// counts the retries already made.
    pub fn decide(&self, idempotent: bool, error: &DeltaError, retries_done: u32, rng: &mut impl Rng) -> RetryDecision {
        if !idempotent || retries_done >= self.max_retries {
            return RetryDecision::GiveUp;
        }
        match error {
            DeltaError::RateLimited { reset_after, .. } if *reset_after <= self.max_rate_limit_wait => {
                RetryDecision::Retry(*reset_after)
            }
            error if error.is_retryable() => RetryDecision::Retry(self.backoff(retries_done, rng)),
            _ => RetryDecision::GiveUp,
        }
    }

    /// Exponential backoff with full jitter: uniform in `[0, min(max_delay, base_delay * 2^retries_done)]`.
    pub fn backoff(&self, retries_done: u32, rng: &mut impl Rng) -> Duration {
        crate::backoff::full_jitter(self.base_delay, self.max_delay, retries_done, rng)
    }
}

#[cfg(test)]
mod tests {
    use rand::rngs::SmallRng;
    use rand::SeedableRng;

    use super::*;
    use crate::error::ApiErrorCode;

    fn policy() -> RetryPolicy {
        RetryPolicy {
            max_retries: 3,
            base_delay: Duration::from_millis(250),
            max_delay: Duration::from_secs(2),
            max_rate_limit_wait: Duration::from_secs(5),
        }
    }

    fn endpoint() -> String {
        "GET /v2/orders".into()
    }

    #[test]
    fn classifies_failures() {
        let mut rng = SmallRng::seed_from_u64(7);
        let policy = policy();
        let timeout = DeltaError::Timeout { endpoint: endpoint(), elapsed: Duration::from_secs(10) };
        let transport = DeltaError::Transport { endpoint: endpoint(), message: "reset".into() };
        let bad_gateway = DeltaError::Http { endpoint: endpoint(), status: 502, excerpt: "<html>".into() };
        let unavailable = DeltaError::Api {
            endpoint: endpoint(),
            status: 503,
            code: ApiErrorCode::Unavailable,
            message: None,
            context: None,
        };
        for error in [&timeout, &transport, &bad_gateway, &unavailable] {
            assert!(matches!(policy.decide(true, error, 0, &mut rng), RetryDecision::Retry(_)), "{error}");
            assert_eq!(policy.decide(false, error, 0, &mut rng), RetryDecision::GiveUp, "{error}");
            assert_eq!(policy.decide(true, error, 3, &mut rng), RetryDecision::GiveUp, "{error}");
        }
        let rejected = DeltaError::Api {
            endpoint: endpoint(),
            status: 400,
            code: ApiErrorCode::BadSchema,
            message: None,
            context: None,
        };
        let not_found = DeltaError::Http { endpoint: endpoint(), status: 404, excerpt: String::new() };
        let decode = DeltaError::decode("GET /v2/orders", "eof", b"{");
        for error in [&rejected, &not_found, &decode, &DeltaError::Config("no key".into())] {
            assert_eq!(policy.decide(true, error, 0, &mut rng), RetryDecision::GiveUp, "{error}");
        }
    }

    #[test]
    fn rate_limit_waits_out_a_short_reset_only_on_gets() {
        let mut rng = SmallRng::seed_from_u64(7);
        let policy = policy();
        let short = DeltaError::RateLimited { endpoint: endpoint(), reset_after: Duration::from_millis(1200) };
        assert_eq!(policy.decide(true, &short, 0, &mut rng), RetryDecision::Retry(Duration::from_millis(1200)));
        assert_eq!(policy.decide(false, &short, 0, &mut rng), RetryDecision::GiveUp);
        let long = DeltaError::RateLimited { endpoint: endpoint(), reset_after: Duration::from_secs(120) };
        assert_eq!(policy.decide(true, &long, 0, &mut rng), RetryDecision::GiveUp);
    }

    #[test]
    fn backoff_is_jittered_below_an_exponential_cap() {
        let mut rng = SmallRng::seed_from_u64(42);
        let policy = policy();
        for retries_done in 0..40 {
            let cap = Duration::from_millis(250).saturating_mul(1 << retries_done.min(20)).min(Duration::from_secs(2));
            for _ in 0..50 {
                assert!(policy.backoff(retries_done, &mut rng) <= cap);
            }
        }
        let spread: std::collections::HashSet<_> = (0..50).map(|_| policy.backoff(3, &mut rng)).collect();
        assert!(spread.len() > 10, "full jitter should spread delays: {spread:?}");
    }
}
