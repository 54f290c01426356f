//! The simulator's configuration: where it listens, the account it serves, limits and fault switches.

use std::net::{IpAddr, Ipv4Addr};
use std::time::Duration;

use delta_core::Decimal;
use serde::{Deserialize, Serialize};

/// API key of the default account when none is configured.
pub const DEFAULT_API_KEY: &str = "delta-sim-key";

/// API secret of the default account when none is configured (a test value, never a real secret).
pub const DEFAULT_API_SECRET: &str = "delta-sim-secret-not-for-production";

/// Default seed of the synthetic market.
pub const DEFAULT_SEED: u64 = 42;

/// Delta's REST quota per window (REFERENCE 4.1).
pub const DEFAULT_QUOTA: u32 = 10_000;

/// Delta's quota window (REFERENCE 4.1).
pub const DEFAULT_QUOTA_WINDOW: Duration = Duration::from_secs(300);

/// Delta's matching-engine limit per product (REFERENCE 4.2).
pub const DEFAULT_PRODUCT_OPS_PER_SECOND: u32 = 500;

/// Delta's signature validity window (REFERENCE 2.2).
pub const DEFAULT_SIGNATURE_WINDOW: Duration = Duration::from_secs(5);

/// Default public socket rate (messages per second in total), used by the socket side.
pub const DEFAULT_RATE: u32 = 50;

/// Default number of synthetic price levels on each side of every book.
pub const DEFAULT_BOOK_LEVELS: usize = 25;

/// Default USD balance of the default account.
pub const DEFAULT_USD_BALANCE: Decimal = Decimal::from_int(100_000);

/// Runtime fault switches; also the JSON body of `POST /sim/faults` (absent fields keep their value).
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize)]
pub struct Faults {
    /// Delay added before every `/v2` request is handled, in milliseconds.
    pub latency_ms: u64,
    /// Fraction (0..=1) of `/v2` requests answered with an injected 500/503.
    pub error_rate: f64,
    /// Number of upcoming `/v2` requests answered with HTTP 429.
    pub force_429: u32,
}

/// A partial update of [`Faults`], as posted to `/sim/faults`.
#[derive(Debug, Clone, Copy, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FaultsUpdate {
    /// New latency, if given.
    pub latency_ms: Option<u64>,
    /// New error rate, if given.
    pub error_rate: Option<f64>,
    /// New count of forced 429 answers, if given.
    pub force_429: Option<u32>,
}

impl Faults {
    /// Applies an update; the error rate is clamped to `0..=1`.
    pub fn apply(&mut self, update: FaultsUpdate) {
        if let Some(latency_ms) = update.latency_ms {
            self.latency_ms = latency_ms;
        }
        if let Some(error_rate) = update.error_rate {
            self.error_rate = if error_rate.is_finite() { error_rate.clamp(0.0, 1.0) } else { 0.0 };
        }
        if let Some(force_429) = update.force_429 {
            self.force_429 = force_429;
        }
    }
}

/// Everything [`crate::spawn`] needs. `Default` gives Delta's limits on 127.0.0.1 with any free port.
#[derive(Clone)]
pub struct SimConfig {
    /// Address to listen on (default 127.0.0.1).
    pub host: IpAddr,
    /// Port to listen on; 0 picks any free port (default 0).
    pub port: u16,
    /// API key of the default account (default [`DEFAULT_API_KEY`]).
    pub api_key: String,
    /// API secret of the default account (default [`DEFAULT_API_SECRET`]).
    pub api_secret: String,
    /// Seed of the synthetic books, trades and candles (default [`DEFAULT_SEED`]).
    pub seed: u64,
    /// Only list these product symbols (empty = all).
    pub symbols: Vec<String>,
    /// Public socket messages per second in total (used by the socket side).
    pub rate: u32,
    /// Quota units per window and caller (default 10 000).
    pub quota: u32,
    /// Length of the fixed quota window (default 300 s).
    pub quota_window: Duration,
    /// Order operations per second and product (default 500; cancels are exempt).
    pub product_ops_per_second: u32,
    /// Largest accepted `|now - timestamp|` of a signed request (default 5 s).
    pub signature_window: Duration,
    /// Synthetic price levels per book side (default 25).
    pub book_levels: usize,
    /// Starting USD balance of the default account (default 100 000).
    pub usd_balance: Decimal,
    /// Fault switches at start.
    pub faults: Faults,
}

impl Default for SimConfig {
    fn default() -> Self {
        Self {
            host: IpAddr::V4(Ipv4Addr::LOCALHOST),
            port: 0,
            api_key: DEFAULT_API_KEY.to_owned(),
            api_secret: DEFAULT_API_SECRET.to_owned(),
            seed: DEFAULT_SEED,
            symbols: Vec::new(),
            rate: DEFAULT_RATE,
            quota: DEFAULT_QUOTA,
            quota_window: DEFAULT_QUOTA_WINDOW,
            product_ops_per_second: DEFAULT_PRODUCT_OPS_PER_SECOND,
            signature_window: DEFAULT_SIGNATURE_WINDOW,
            book_levels: DEFAULT_BOOK_LEVELS,
            usd_balance: DEFAULT_USD_BALANCE,
            faults: Faults::default(),
        }
    }
}

impl std::fmt::Debug for SimConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SimConfig")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("api_key", &self.api_key)
            .field("api_secret", &"<redacted>")
            .field("seed", &self.seed)
            .field("symbols", &self.symbols)
            .field("rate", &self.rate)
            .field("quota", &self.quota)
            .field("quota_window", &self.quota_window)
            .field("product_ops_per_second", &self.product_ops_per_second)
            .field("signature_window", &self.signature_window)
            .field("book_levels", &self.book_levels)
            .field("usd_balance", &self.usd_balance)
            .field("faults", &self.faults)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_redacts_the_secret() {
        let config = SimConfig { api_secret: "very-secret-value".into(), ..SimConfig::default() };
        assert!(!format!("{config:?}").contains("very-secret-value"));
    }

    #[test]
    fn fault_updates_keep_absent_fields_and_clamp_the_rate() {
        let mut faults = Faults { latency_ms: 5, error_rate: 0.0, force_429: 2 };
        faults.apply(serde_json::from_str(r#"{"error_rate": 3.5}"#).unwrap());
        assert_eq!(faults, Faults { latency_ms: 5, error_rate: 1.0, force_429: 2 });
        assert!(serde_json::from_str::<FaultsUpdate>(r#"{"latency": 1}"#).is_err());
    }
}
