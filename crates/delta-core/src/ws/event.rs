//! What the client hands to its consumer: lifecycle events and owned market/account data.

use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use super::market::MarketEvent;

/// The local wall-clock time in nanoseconds since the Unix epoch.
pub fn unix_nanos() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| u64::try_from(d.as_nanos()).unwrap_or(u64::MAX))
}

/// One event from the client.
#[derive(Debug, Clone, PartialEq)]
pub struct WsEvent {
    /// Index of the connection that produced it (0 for the first; more exist when a channel is sharded).
    pub connection: usize,
    /// Local receive time of the frame (or time of the lifecycle change), ns since the Unix epoch.
    pub received_ns: u64,
    /// What happened.
    pub kind: WsEventKind,
}

/// Why a book (or a private channel's sequence) is no longer trusted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GapReason {
    /// The connection was lost; every book of that connection is rebuilt from fresh snapshots.
    Reconnect,
    /// Delta answered `action: error` for the book; it is resubscribed after the configured delay.
    ExchangeError(String),
    /// The book check failed (sequence gap, checksum mismatch, update before snapshot, ...).
    Book(String),
    /// A private `orders` event skipped sequence numbers (or repeated one): events were missed, so the
    /// symbol's orders must be reconciled (REST, or a fresh snapshot by resubscribing).
    Sequence {
        /// The `seq_no` expected (previous + 1).
        expected: u64,
        /// The `seq_no` received.
        received: u64,
    },
}

/// The kinds of [`WsEvent`].
#[derive(Debug, Clone, PartialEq)]
pub enum WsEventKind {
    /// The socket handshake succeeded.
    Connected,
    /// The socket was lost or closed.
    Disconnected {
        /// What ended it (server close, read error, watchdog, missing pong, ...).
        reason: String,
    },
    /// The next connection attempt waits `delay` (backoff, or the connection budget when spent).
    Reconnecting {
        /// Consecutive failed attempts so far (1 for the first retry).
        attempt: u32,
        /// How long the client waits before the attempt.
        delay: Duration,
    },
    /// `key-auth` succeeded.
    Authenticated,
    /// `key-auth` was refused or not answered in time; retried only after the configured delay.
    AuthFailed {
        /// Delta's `status_code` (400, 401, 404, 408, 500), when it answered.
        status_code: Option<u16>,
        /// Delta's `status` (`invalid_signature`, ...) or `"timeout"`.
        status: String,
    },
    /// Every subscription of the connection was sent again after a reconnect.
    Resubscribed {
        /// Channels resubscribed.
        channels: usize,
    },
    /// Delta refused a channel in its `subscriptions` reply.
    SubscriptionError {
        /// The channel.
        channel: String,
        /// Delta's text.
        message: String,
    },
    /// A book of `symbol` became invalid (nothing is emitted for it until its snapshot arrives), or private
    /// `orders` events of `symbol` were missed ([`GapReason::Sequence`]; the events go on).
    Gap {
        /// The book channel.
        channel: Arc<str>,
        /// The product symbol.
        symbol: Arc<str>,
        /// Why.
        reason: GapReason,
    },
    /// The book of `symbol` was rebuilt from a fresh snapshot after a gap.
    Resynced {
        /// The book channel.
        channel: Arc<str>,
        /// The product symbol.
        symbol: Arc<str>,
    },
    /// A frame could not be decoded; the stream goes on.
    DecodeError {
        /// The channel, when it could be read (`"?"` otherwise).
        channel: String,
        /// The decoder's message.
        message: String,
        /// The start of the frame.
        excerpt: String,
    },
    /// Market or account data.
    Market(MarketEvent),
    /// A text frame exactly as received (only with [`crate::ws::WsConfig::capture_frames`]); the events decoded
    /// from it follow.
    Frame {
        /// The frame's text.
        text: Box<str>,
    },
}
