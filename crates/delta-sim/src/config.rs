//! The simulator's configuration: where it listens, the account it serves, limits and fault switches.

use std::net::{IpAddr, Ipv4Addr};
use std::path::PathBuf;
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

/// Delta's socket heartbeat period (REFERENCE 9.1).
pub const DEFAULT_HEARTBEAT_PERIOD: Duration = Duration::from_secs(30);

/// Delta's idle-connection timeout (REFERENCE 4.3).
pub const DEFAULT_IDLE_TIMEOUT: Duration = Duration::from_secs(60);

/// Delta's socket handshake budget per window and IP (REFERENCE 4.3).
pub const DEFAULT_WS_CONNECTION_BUDGET: u32 = 150;

/// Delta's socket handshake window (REFERENCE 4.3).
pub const DEFAULT_WS_CONNECTION_WINDOW: Duration = Duration::from_secs(300);

/// Default number of synthetic price levels on each side of every book.
pub const DEFAULT_BOOK_LEVELS: usize = 25;

/// Default USD balance of the default account.
pub const DEFAULT_USD_BALANCE: Decimal = Decimal::from_int(100_000);

/// Runtime fault switches; also the JSON body of `POST /sim/faults` (absent fields keep their value).
/// Counters (`force_429`, `skip_seq`, `corrupt_checksum`, `malformed`, `drop_order_reply`,
/// `skip_private_seq`) are one-shot budgets consumed as the faults are injected; `*_every` switches and
/// `private_delay_ms` stay until set back to 0; `maintenance` stays until set back to false.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct Faults {
    /// Delay added before every `/v2` request is handled, in milliseconds.
    pub latency_ms: u64,
    /// Fraction (0..=1) of `/v2` requests answered with an injected 500/503.
    pub error_rate: f64,
    /// Number of upcoming `/v2` requests answered with HTTP 429.
    pub force_429: u32,
    /// Close every socket connection after each N data messages it was sent (0 = off).
    pub drop_every: u32,
    /// Number of upcoming book updates (`ob_updates`/`l2_updates`) to leave out, one sequence number each.
    pub skip_seq: u32,
    /// Leave out every N-th book update of each subscription (0 = off).
    pub skip_seq_every: u32,
    /// Number of upcoming book updates sent with a wrong `cs`.
    pub corrupt_checksum: u32,
    /// Number of upcoming socket data messages replaced by a malformed (truncated JSON) frame.
    pub malformed: u32,
    /// When true, sockets send nothing (no data, heartbeats or pongs) but stay open.
    pub stall: bool,
    /// Symbols whose book channels answer `action: "error"` once (and end that subscription).
    pub book_error: Vec<String>,
    /// When true, the market generator makes no changes (books rest until unpaused; orders still trade).
    pub pause_market: bool,
    /// Number of upcoming `POST /v2/orders` that are processed but never answered: the request is held
    /// open until the client gives up and closes the connection (the timeout case).
    pub drop_order_reply: u32,
    /// Every private event frame is sent this many milliseconds after the event (order kept; 0 = off).
    pub private_delay_ms: u64,
    /// Number of upcoming private `orders` event frames left out (their `seq_no` is used up: a gap).
    pub skip_private_seq: u32,
    /// Exchange maintenance: `system_status` subscribers are told (`maintenance_started`, then
    /// `maintenance_finished` when switched off), `GET /v2/settings` reports `under_maintenance: "true"`,
    /// and order placement and edits (`POST`/`PUT` on `/v2/orders`, `/v2/orders/batch`,
    /// `/v2/orders/bracket`) answer HTTP 503; cancels and reads still work.
    pub maintenance: bool,
}

/// A partial update of [`Faults`], as posted to `/sim/faults`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FaultsUpdate {
    /// New latency, if given.
    pub latency_ms: Option<u64>,
    /// New error rate, if given.
    pub error_rate: Option<f64>,
    /// New count of forced 429 answers, if given.
    pub force_429: Option<u32>,
    /// New connection drop period, if given.
    pub drop_every: Option<u32>,
    /// New count of skipped book sequence numbers, if given.
    pub skip_seq: Option<u32>,
    /// New skip period, if given.
    pub skip_seq_every: Option<u32>,
    /// New count of corrupted checksums, if given.
    pub corrupt_checksum: Option<u32>,
    /// New count of malformed frames, if given.
    pub malformed: Option<u32>,
    /// New stall switch, if given.
    pub stall: Option<bool>,
    /// A symbol whose book channels answer one `action: "error"`, if given (added to the list).
    pub book_error: Option<String>,
    /// New generator pause switch, if given.
    pub pause_market: Option<bool>,
    /// New count of unanswered order placements, if given.
    pub drop_order_reply: Option<u32>,
    /// New private event delay, if given.
    pub private_delay_ms: Option<u64>,
    /// New count of left-out private `orders` frames, if given.
    pub skip_private_seq: Option<u32>,
    /// New maintenance switch, if given.
    pub maintenance: Option<bool>,
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
        let counters = [
            (&mut self.drop_every, update.drop_every),
            (&mut self.skip_seq, update.skip_seq),
            (&mut self.skip_seq_every, update.skip_seq_every),
            (&mut self.corrupt_checksum, update.corrupt_checksum),
            (&mut self.malformed, update.malformed),
            (&mut self.drop_order_reply, update.drop_order_reply),
            (&mut self.skip_private_seq, update.skip_private_seq),
        ];
        for (field, value) in counters {
            if let Some(value) = value {
                *field = value;
            }
        }
        if let Some(private_delay_ms) = update.private_delay_ms {
            self.private_delay_ms = private_delay_ms;
        }
        if let Some(stall) = update.stall {
            self.stall = stall;
        }
        if let Some(pause_market) = update.pause_market {
            self.pause_market = pause_market;
        }
        if let Some(maintenance) = update.maintenance {
            self.maintenance = maintenance;
        }
        if let Some(symbol) = update.book_error {
            self.book_error.push(symbol);
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
    /// Period of `{"type":"heartbeat"}` after `enable_heartbeat` (default 30 s).
    pub heartbeat_period: Duration,
    /// Sockets that sent nothing for this long are closed (default 60 s).
    pub idle_timeout: Duration,
    /// Socket handshakes accepted per window and IP before HTTP 429 (default 150).
    pub ws_connection_budget: u32,
    /// The handshake budget's fixed window (default 300 s).
    pub ws_connection_window: Duration,
    /// A `delta-recorder` raw capture to replay through the public socket instead of the synthetic public
    /// feeds: a capture file, a directory of them or a recording's `--out` directory (default none; see
    /// [`crate::replay`]).
    pub replay: Option<PathBuf>,
    /// Replay pace: 1.0 = the recorded pace (default), 0 = as fast as possible, 10 = ten times faster.
    pub replay_speed: f64,
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
            heartbeat_period: DEFAULT_HEARTBEAT_PERIOD,
            idle_timeout: DEFAULT_IDLE_TIMEOUT,
            ws_connection_budget: DEFAULT_WS_CONNECTION_BUDGET,
            ws_connection_window: DEFAULT_WS_CONNECTION_WINDOW,
            replay: None,
            replay_speed: 1.0,
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
            .field("heartbeat_period", &self.heartbeat_period)
            .field("idle_timeout", &self.idle_timeout)
            .field("ws_connection_budget", &self.ws_connection_budget)
            .field("ws_connection_window", &self.ws_connection_window)
            .field("replay", &self.replay)
            .field("replay_speed", &self.replay_speed)
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
        let mut faults = Faults { latency_ms: 5, error_rate: 0.0, force_429: 2, ..Faults::default() };
        let update = r#"{"error_rate": 3.5, "skip_seq": 1, "book_error": "BTCUSD", "drop_order_reply": 2,
                         "private_delay_ms": 40, "skip_private_seq": 3, "maintenance": true}"#;
        faults.apply(serde_json::from_str(update).unwrap());
        let expected = Faults {
            latency_ms: 5,
            error_rate: 1.0,
            force_429: 2,
            skip_seq: 1,
            book_error: vec!["BTCUSD".into()],
            drop_order_reply: 2,
            private_delay_ms: 40,
            skip_private_seq: 3,
            maintenance: true,
            ..Faults::default()
        };
        assert_eq!(faults, expected);
        faults.apply(serde_json::from_str(r#"{"maintenance": false}"#).unwrap());
        assert_eq!(faults, Faults { maintenance: false, ..expected });
        assert!(serde_json::from_str::<FaultsUpdate>(r#"{"latency": 1}"#).is_err());
    }
}
