//! Settings of the REST client.

use std::time::Duration;

use crate::auth::USER_AGENT;
use crate::config::{Credentials, Environment, ResolvedUrls};
use crate::error::DeltaResult;
use crate::http::rate_limit::RateLimitConfig;

/// Everything [`crate::http::DeltaHttpClient`] needs. Build it with [`HttpClientConfig::new`] (any URL, e.g.
/// a delta-sim at `http://127.0.0.1:PORT`) or [`HttpClientConfig::for_environment`], then adjust fields.
#[derive(Debug, Clone)]
pub struct HttpClientConfig {
    /// REST host without `/v2` (`https://api.india.delta.exchange`); a trailing `/` is ignored.
    pub base_url: String,
    /// Key and secret; `None` allows public endpoints only.
    pub credentials: Option<Credentials>,
    /// Whole-request timeout (connect, send, read the body).
    pub timeout: Duration,
    /// Connect timeout.
    pub connect_timeout: Duration,
    /// Retries of an idempotent request after the first attempt (mutations are never retried).
    pub max_retries: u32,
    /// Base of the exponential backoff between retries (full jitter).
    pub retry_base_delay: Duration,
    /// Cap of one backoff delay.
    pub retry_max_delay: Duration,
    /// Longest `X-RATE-LIMIT-RESET` a GET waits out before retrying; a longer reset is returned as
    /// [`crate::DeltaError::RateLimited`].
    pub max_rate_limit_wait: Duration,
    /// Reset assumed when a 429 carries no readable `X-RATE-LIMIT-RESET` header.
    pub default_rate_limit_reset: Duration,
    /// Look-ups by `client_order_id` after an order placement whose outcome is unknown.
    pub order_lookup_attempts: u32,
    /// Most pages a `*_all` method walks before giving up with an error.
    pub max_pages: usize,
    /// The client-side quota mirror.
    pub rate_limit: RateLimitConfig,
    /// `User-Agent` sent on every request (Delta's CDN answers 403 without one).
    pub user_agent: String,
}

impl HttpClientConfig {
    /// Defaults for the REST host `base_url`: 10 s timeout, 3 retries from 250 ms, no credentials.
    pub fn new(base_url: impl Into<String>) -> Self {
        Self {
            base_url: base_url.into(),
            credentials: None,
            timeout: Duration::from_secs(10),
            connect_timeout: Duration::from_secs(5),
            max_retries: 3,
            retry_base_delay: Duration::from_millis(250),
            retry_max_delay: Duration::from_secs(5),
            max_rate_limit_wait: Duration::from_secs(10),
            default_rate_limit_reset: Duration::from_secs(10),
            order_lookup_attempts: 3,
            max_pages: 1_000,
            rate_limit: RateLimitConfig::default(),
            user_agent: USER_AGENT.to_owned(),
        }
    }

    /// Defaults for an environment's REST host, or `base_url` when given (required for
    /// [`Environment::Local`]), with optional credentials.
    pub fn for_environment(
        environment: Environment,
        base_url: Option<&str>,
        credentials: Option<Credentials>,
    ) -> DeltaResult<Self> {
        let urls = ResolvedUrls::resolve(environment, base_url, None, None)?;
        Ok(Self::new(urls.rest).with_credentials(credentials))
    }

    /// Replaces the credentials.
    pub fn with_credentials(mut self, credentials: Option<Credentials>) -> Self {
        self.credentials = credentials;
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn environment_defaults_and_local_override() {
        let india = HttpClientConfig::for_environment(Environment::India, None, None).unwrap();
        assert_eq!(india.base_url, "https://api.india.delta.exchange");
        assert_eq!(india.timeout, Duration::from_secs(10));
        assert_eq!(india.max_retries, 3);
        assert_eq!(india.user_agent, USER_AGENT);
        assert!(HttpClientConfig::for_environment(Environment::Local, None, None).is_err());
        let creds = Credentials::new("k", "s").unwrap();
        let local =
            HttpClientConfig::for_environment(Environment::Local, Some("http://127.0.0.1:9/"), Some(creds)).unwrap();
        assert_eq!(local.base_url, "http://127.0.0.1:9");
        assert!(local.credentials.is_some());
    }
}
