//! Counters served at `GET /sim/stats` (DESIGN section 8).

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Mutex;

use serde::{Deserialize, Serialize};

/// Live counters, shared by the REST gateway and (later) the sockets.
#[derive(Debug, Default)]
pub struct Stats {
    sent: Mutex<BTreeMap<String, BTreeMap<String, u64>>>,
    orders_received: AtomicU64,
    rate_limited: AtomicU64,
    requests: AtomicU64,
    auth_failures: AtomicU64,
    injected_errors: AtomicU64,
    faults_injected: Mutex<BTreeMap<String, u64>>,
    ws_connections: AtomicU64,
    ws_refused: AtomicU64,
    restarts: AtomicU64,
    replay_total: AtomicU64,
    replay_sent: AtomicU64,
    replay_done: AtomicBool,
}

/// A copy of the counters, in the JSON form of `GET /sim/stats`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatsSnapshot {
    /// Socket messages sent, by channel and symbol.
    pub sent: BTreeMap<String, BTreeMap<String, u64>>,
    /// Orders received for placement (batch items count one each).
    pub orders_received: u64,
    /// Requests answered with HTTP 429 (quota, per-product limit or forced).
    pub rate_limited: u64,
    /// `/v2` requests received.
    pub requests: u64,
    /// Requests refused by authentication.
    pub auth_failures: u64,
    /// Requests answered with an injected 5xx.
    pub injected_errors: u64,
    /// Faults injected, by switch name (`drop_every`, `skip_seq`, `corrupt_checksum`, `malformed`,
    /// `stall`, `book_error`, `drop_order_reply`, `private_delay_ms` (frames delayed), `skip_private_seq`,
    /// `maintenance` (order placements and edits refused with HTTP 503)).
    #[serde(default)]
    pub faults_injected: BTreeMap<String, u64>,
    /// Socket handshakes accepted.
    #[serde(default)]
    pub ws_connections: u64,
    /// Socket handshakes refused with HTTP 429.
    #[serde(default)]
    pub ws_refused: u64,
    /// `POST /sim/restart` calls (every socket dropped, state kept).
    #[serde(default)]
    pub restarts: u64,
    /// Frames of the `--replay` capture to replay (0 without a replay).
    #[serde(default)]
    pub replay_total: u64,
    /// Frames replayed so far, each once however many connections it went to (or none).
    #[serde(default)]
    pub replay_sent: u64,
    /// True once the replay went through the whole capture.
    #[serde(default)]
    pub replay_done: bool,
}

impl Stats {
    /// Counts one socket message on `channel` for `symbol`.
    pub fn record_sent(&self, channel: &str, symbol: &str) {
        let mut sent = self.sent.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        *sent.entry(channel.to_owned()).or_default().entry(symbol.to_owned()).or_default() += 1;
    }

    /// Counts `count` orders received.
    pub fn record_orders(&self, count: u64) {
        self.orders_received.fetch_add(count, Ordering::Relaxed);
    }

    /// Counts a 429 answer.
    pub fn record_rate_limited(&self) {
        self.rate_limited.fetch_add(1, Ordering::Relaxed);
    }

    /// Counts a `/v2` request.
    pub fn record_request(&self) {
        self.requests.fetch_add(1, Ordering::Relaxed);
    }

    /// Counts an authentication failure.
    pub fn record_auth_failure(&self) {
        self.auth_failures.fetch_add(1, Ordering::Relaxed);
    }

    /// Counts an injected 5xx.
    pub fn record_injected_error(&self) {
        self.injected_errors.fetch_add(1, Ordering::Relaxed);
    }

    /// Counts one injected socket fault.
    pub fn record_fault(&self, switch: &str) {
        let mut faults = self.faults_injected.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        *faults.entry(switch.to_owned()).or_default() += 1;
    }

    /// Counts an accepted (`true`) or refused socket handshake.
    pub fn record_handshake(&self, accepted: bool) {
        let counter = if accepted { &self.ws_connections } else { &self.ws_refused };
        counter.fetch_add(1, Ordering::Relaxed);
    }

    /// Counts a restart.
    pub fn record_restart(&self) {
        self.restarts.fetch_add(1, Ordering::Relaxed);
    }

    /// Sets the number of frames the replay will send.
    pub fn set_replay_total(&self, total: u64) {
        self.replay_total.store(total, Ordering::Relaxed);
    }

    /// Counts one replayed frame.
    pub fn record_replayed(&self) {
        self.replay_sent.fetch_add(1, Ordering::Relaxed);
    }

    /// Marks the replay as finished.
    pub fn record_replay_done(&self) {
        self.replay_done.store(true, Ordering::Relaxed);
    }

    /// A consistent-enough copy of every counter.
    pub fn snapshot(&self) -> StatsSnapshot {
        StatsSnapshot {
            sent: self.sent.lock().unwrap_or_else(std::sync::PoisonError::into_inner).clone(),
            orders_received: self.orders_received.load(Ordering::Relaxed),
            rate_limited: self.rate_limited.load(Ordering::Relaxed),
            requests: self.requests.load(Ordering::Relaxed),
            auth_failures: self.auth_failures.load(Ordering::Relaxed),
            injected_errors: self.injected_errors.load(Ordering::Relaxed),
            faults_injected: self.faults_injected.lock().unwrap_or_else(std::sync::PoisonError::into_inner).clone(),
            ws_connections: self.ws_connections.load(Ordering::Relaxed),
            ws_refused: self.ws_refused.load(Ordering::Relaxed),
            restarts: self.restarts.load(Ordering::Relaxed),
            replay_total: self.replay_total.load(Ordering::Relaxed),
            replay_sent: self.replay_sent.load(Ordering::Relaxed),
            replay_done: self.replay_done.load(Ordering::Relaxed),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snapshot_serializes_in_the_documented_form() {
        let stats = Stats::default();
        stats.record_sent("ob_updates", "BTCUSD");
        stats.record_sent("ob_updates", "BTCUSD");
        stats.record_orders(3);
        stats.record_rate_limited();
        let json = serde_json::to_value(stats.snapshot()).unwrap();
        assert_eq!(json["sent"]["ob_updates"]["BTCUSD"], 2);
        assert_eq!(json["orders_received"], 3);
        assert_eq!(json["rate_limited"], 1);
        assert_eq!(json["requests"], 0);
    }
}
