//! Settings of the socket client. Every timing is configurable so tests can run in milliseconds.

use std::collections::BTreeMap;
use std::time::Duration;

use crate::config::{Credentials, ResolvedUrls};
use crate::error::{DeltaError, DeltaResult};
use crate::parse::Endpoint;

/// Symbols-per-connection limits by channel (REFERENCE 4.3). Channels not listed are not capped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SymbolCaps {
    caps: BTreeMap<String, usize>,
}

impl Default for SymbolCaps {
    /// Delta's documented limits: 20 for `l2_orderbook`, 100 for `l2_updates`, `ob_l2` and `ob_updates`.
    fn default() -> Self {
        let caps = [("l2_orderbook", 20), ("l2_updates", 100), ("ob_l2", 100), ("ob_updates", 100)];
        Self { caps: caps.into_iter().map(|(channel, cap)| (channel.to_owned(), cap)).collect() }
    }
}

impl SymbolCaps {
    /// Sets (or replaces) the cap of a channel; a cap of 0 is taken as 1.
    pub fn with(mut self, channel: &str, cap: usize) -> Self {
        self.caps.insert(channel.to_owned(), cap.max(1));
        self
    }

    /// The cap of a channel (`usize::MAX` when uncapped).
    pub fn cap(&self, channel: &str) -> usize {
        self.caps.get(channel).copied().unwrap_or(usize::MAX)
    }
}

/// Settings of a [`crate::ws::WsClient`].
#[derive(Debug, Clone)]
pub struct WsConfig {
    /// Socket URL (`wss://...` or `ws://127.0.0.1:P/...`).
    pub url: String,
    /// Which socket the URL is.
    pub endpoint: Endpoint,
    /// Credentials for `key-auth` (private socket only; `None` for public data).
    pub credentials: Option<Credentials>,
    /// Send `{"type":"enable_heartbeat"}` after connecting (Delta then sends a heartbeat every 30 s).
    pub enable_heartbeat: bool,
    /// No frame at all for this long means the connection is dead (Delta: 35 s).
    pub heartbeat_timeout: Duration,
    /// Interval of the client's `{"type":"ping"}` (Delta suggests ~30 s).
    pub ping_interval: Duration,
    /// No pong within this long after a ping means the connection is dead (Delta: 5 s).
    pub pong_timeout: Duration,
    /// Limit of one handshake (TCP + TLS + upgrade).
    pub connect_timeout: Duration,
    /// How long to wait for the `key-auth` reply.
    pub auth_timeout: Duration,
    /// Wait before trying again after `key-auth` was refused (a refused key is never retried in a tight loop).
    pub auth_retry_delay: Duration,
    /// First reconnect backoff ceiling (full jitter; doubles per consecutive failure).
    pub backoff_base: Duration,
    /// Largest reconnect backoff ceiling.
    pub backoff_cap: Duration,
    /// Connection attempts allowed per `connect_budget_window` (Delta: 150 per 5 minutes per IP).
    pub connect_budget_attempts: usize,
    /// The sliding window of the connection budget.
    pub connect_budget_window: Duration,
    /// Symbols per connection by channel; a channel over its cap is sharded over more connections.
    pub symbol_caps: SymbolCaps,
    /// Capacity of the bounded event queue to the consumer.
    pub queue_capacity: usize,
    /// Wait before resubscribing a book after Delta's `action: error` ("resubscribe after a few secs").
    pub resubscribe_delay: Duration,
    /// Also hand every text frame to the consumer as received ([`crate::ws::WsEventKind::Frame`], before the
    /// events decoded from it), for lossless recording. Off by default.
    pub capture_frames: bool,
}

impl WsConfig {
    /// A configuration with Delta's documented limits and timings for `url`.
    pub fn new(url: impl Into<String>, endpoint: Endpoint) -> Self {
        Self {
            url: url.into(),
            endpoint,
            credentials: None,
            enable_heartbeat: true,
            heartbeat_timeout: Duration::from_secs(35),
            ping_interval: Duration::from_secs(30),
            pong_timeout: Duration::from_secs(5),
            connect_timeout: Duration::from_secs(10),
            auth_timeout: Duration::from_secs(10),
            auth_retry_delay: Duration::from_secs(60),
            backoff_base: Duration::from_millis(250),
            backoff_cap: Duration::from_secs(30),
            connect_budget_attempts: 150,
            connect_budget_window: Duration::from_secs(300),
            symbol_caps: SymbolCaps::default(),
            queue_capacity: 65_536,
            resubscribe_delay: Duration::from_secs(3),
            capture_frames: false,
        }
    }

    /// The public (compact channels) socket of a deployment.
    pub fn public(urls: &ResolvedUrls) -> Self {
        Self::new(urls.public_ws.clone(), Endpoint::Public)
    }

    /// The private socket of a deployment, authenticated with `credentials`.
    pub fn private(urls: &ResolvedUrls, credentials: Credentials) -> Self {
        Self { credentials: Some(credentials), ..Self::new(urls.private_ws.clone(), Endpoint::Private) }
    }

    /// Checks the settings: a socket URL, credentials only where `key-auth` exists, non-zero timings.
    pub fn validate(&self) -> DeltaResult<()> {
        if !(self.url.starts_with("ws://") || self.url.starts_with("wss://")) {
            return Err(DeltaError::Config(format!("socket URL {:?} must start with ws:// or wss://", self.url)));
        }
        if self.credentials.is_some() && self.endpoint == Endpoint::Public {
            return Err(DeltaError::Config("key-auth exists only on the private socket".into()));
        }
        let timings = [
            ("heartbeat_timeout", self.heartbeat_timeout),
            ("ping_interval", self.ping_interval),
            ("pong_timeout", self.pong_timeout),
            ("connect_timeout", self.connect_timeout),
            ("auth_timeout", self.auth_timeout),
            ("connect_budget_window", self.connect_budget_window),
        ];
        if let Some((name, _)) = timings.iter().find(|(_, d)| d.is_zero()) {
            return Err(DeltaError::Config(format!("socket setting {name} must be above zero")));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Environment;

    #[test]
    fn defaults_follow_delta_limits() {
        let urls = ResolvedUrls::resolve(Environment::India, None, None, None).unwrap();
        let config = WsConfig::public(&urls);
        assert_eq!(config.url, "wss://public-socket.india.delta.exchange");
        assert_eq!(config.heartbeat_timeout, Duration::from_secs(35));
        assert_eq!((config.connect_budget_attempts, config.connect_budget_window.as_secs()), (150, 300));
        assert_eq!(config.symbol_caps.cap("l2_orderbook"), 20);
        assert_eq!(config.symbol_caps.cap("ob_updates"), 100);
        assert_eq!(config.symbol_caps.cap("trades"), usize::MAX);
        assert_eq!(config.symbol_caps.clone().with("trades", 0).cap("trades"), 1);
        config.validate().unwrap();
    }

    #[test]
    fn validation_rejects_misuse() {
        let urls = ResolvedUrls::resolve(Environment::India, None, None, None).unwrap();
        let creds = Credentials::new("k", "s").unwrap();
        let private = WsConfig::private(&urls, creds.clone());
        assert_eq!(private.url, "wss://socket.india.delta.exchange");
        private.validate().unwrap();
        assert!(WsConfig { credentials: Some(creds), ..WsConfig::public(&urls) }.validate().is_err());
        assert!(WsConfig::new("http://x", Endpoint::Public).validate().is_err());
        let zero = WsConfig { heartbeat_timeout: Duration::ZERO, ..WsConfig::public(&urls) };
        assert!(zero.validate().unwrap_err().to_string().contains("heartbeat_timeout"));
    }
}
