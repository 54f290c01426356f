//! Counters of the socket client: queue depth and lag, frames and bytes per connection, reconnects,
//! heartbeat age, messages and decode errors per channel, gaps and resyncs. Updated lock-free on the hot
//! path; read as a [`WsStats`].

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use crate::parse::{Channel, ParseStats};

/// Counters of one connection.
#[derive(Debug, Default)]
pub(crate) struct ConnectionCounters {
    frames: AtomicU64,
    bytes: AtomicU64,
    reconnects: AtomicU64,
    last_frame_unix_ns: AtomicU64,
}

impl ConnectionCounters {
    /// Counts one received frame of `len` bytes.
    pub fn frame(&self, len: usize) {
        self.frames.fetch_add(1, Ordering::Relaxed);
        self.bytes.fetch_add(len as u64, Ordering::Relaxed);
    }

    /// Notes the receive time (Unix ns) of the latest frame: the heartbeat age is measured from it.
    pub fn seen_at(&self, unix_ns: u64) {
        self.last_frame_unix_ns.store(unix_ns, Ordering::Relaxed);
    }

    /// Counts one reconnection (a connection established after an earlier one was lost).
    pub fn reconnected(&self) {
        self.reconnects.fetch_add(1, Ordering::Relaxed);
    }
}

/// Counters shared by the connection tasks, the event queue and the client handle.
#[derive(Debug, Default)]
pub(crate) struct Counters {
    depth: AtomicUsize,
    max_depth: AtomicUsize,
    last_lag_ns: AtomicU64,
    max_lag_ns: AtomicU64,
    full_waits: AtomicU64,
    gaps: AtomicU64,
    resyncs: AtomicU64,
    decode_errors: Mutex<BTreeMap<String, u64>>,
    connections: Mutex<Vec<Arc<ConnectionCounters>>>,
    parse: Arc<ParseStats>,
}

impl Counters {
    /// Registers a new connection and returns its counters.
    pub fn add_connection(&self) -> Arc<ConnectionCounters> {
        let counters = Arc::new(ConnectionCounters::default());
        self.connections.lock().unwrap_or_else(PoisonError::into_inner).push(Arc::clone(&counters));
        counters
    }

    /// The decode counters every connection's dispatcher writes into.
    pub fn parse_stats(&self) -> Arc<ParseStats> {
        Arc::clone(&self.parse)
    }

    /// An event is about to enter the queue.
    pub fn enqueued(&self) {
        let depth = self.depth.fetch_add(1, Ordering::Relaxed) + 1;
        self.max_depth.fetch_max(depth, Ordering::Relaxed);
    }

    /// An event left the queue (delivered, or could not be queued) after `lag_ns` since its receipt.
    pub fn dequeued(&self, lag_ns: Option<u64>) {
        self.depth.fetch_sub(1, Ordering::Relaxed);
        if let Some(lag) = lag_ns {
            self.last_lag_ns.store(lag, Ordering::Relaxed);
            self.max_lag_ns.fetch_max(lag, Ordering::Relaxed);
        }
    }

    /// A producer found the queue full and waited.
    pub fn full_wait(&self) {
        self.full_waits.fetch_add(1, Ordering::Relaxed);
    }

    /// A book gap (sequence, checksum, `action: error` or reconnect) was detected.
    pub fn gap(&self) {
        self.gaps.fetch_add(1, Ordering::Relaxed);
    }

    /// A book was rebuilt from a fresh snapshot after a gap.
    pub fn resync(&self) {
        self.resyncs.fetch_add(1, Ordering::Relaxed);
    }

    /// A frame of `channel` could not be decoded.
    pub fn decode_error(&self, channel: &str) {
        let mut map = self.decode_errors.lock().unwrap_or_else(PoisonError::into_inner);
        match map.get_mut(channel) {
            Some(count) => *count += 1,
            None => {
                map.insert(channel.to_owned(), 1);
            }
        }
    }

    /// A consistent-enough copy of every counter.
    pub fn snapshot(&self) -> WsStats {
        let connections = self.connections.lock().unwrap_or_else(PoisonError::into_inner);
        WsStats {
            queue_depth: self.depth.load(Ordering::Relaxed),
            queue_max_depth: self.max_depth.load(Ordering::Relaxed),
            last_lag: Duration::from_nanos(self.last_lag_ns.load(Ordering::Relaxed)),
            max_lag: Duration::from_nanos(self.max_lag_ns.load(Ordering::Relaxed)),
            queue_full_waits: self.full_waits.load(Ordering::Relaxed),
            gaps: self.gaps.load(Ordering::Relaxed),
            resyncs: self.resyncs.load(Ordering::Relaxed),
            decode_errors: self.decode_errors.lock().unwrap_or_else(PoisonError::into_inner).clone(),
            messages: messages_by_channel(&self.parse),
            connections: connections
                .iter()
                .map(|c| ConnectionStats {
                    frames: c.frames.load(Ordering::Relaxed),
                    bytes: c.bytes.load(Ordering::Relaxed),
                    reconnects: c.reconnects.load(Ordering::Relaxed),
                    last_frame_unix_ns: c.last_frame_unix_ns.load(Ordering::Relaxed),
                })
                .collect(),
        }
    }
}

/// Messages decoded per channel name (channels with none left out).
fn messages_by_channel(parse: &ParseStats) -> BTreeMap<&'static str, u64> {
    let mut messages = BTreeMap::new();
    for &channel in Channel::ALL {
        let count = parse.decoded(channel);
        if count > 0 {
            *messages.entry(channel.name()).or_insert(0) += count;
        }
    }
    messages
}

/// Counters of one connection, as read by [`WsStats`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ConnectionStats {
    /// Frames received (text, binary, ping, pong).
    pub frames: u64,
    /// Payload bytes received.
    pub bytes: u64,
    /// Times the connection was re-established after being lost.
    pub reconnects: u64,
    /// Receive time (Unix ns) of the latest frame; 0 before the first.
    pub last_frame_unix_ns: u64,
}

/// A copy of the client's counters.
///
/// The queue never drops an event (see [`crate::ws`] on back-pressure), so there is no drop counter:
/// `queue_full_waits` counts the times a connection had to wait for the consumer instead.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WsStats {
    /// Events in the queue, plus any a connection is waiting to put in.
    pub queue_depth: usize,
    /// Highest `queue_depth` seen.
    pub queue_max_depth: usize,
    /// Receive-to-dequeue time of the last event taken from the queue.
    pub last_lag: Duration,
    /// Highest receive-to-dequeue time seen.
    pub max_lag: Duration,
    /// Times a connection found the queue full and waited (back-pressure on its socket).
    pub queue_full_waits: u64,
    /// Book gaps detected (sequence, checksum, `action: error`).
    pub gaps: u64,
    /// Books rebuilt from a fresh snapshot after a gap.
    pub resyncs: u64,
    /// Frames that could not be decoded, by channel (`"?"` when the channel itself is unknown).
    pub decode_errors: BTreeMap<String, u64>,
    /// Messages decoded, by channel name (`candlestick_*` for every resolution; control messages such as
    /// heartbeats and subscription replies under their own names).
    pub messages: BTreeMap<&'static str, u64>,
    /// Per-connection counters, in the order the connections were opened.
    pub connections: Vec<ConnectionStats>,
}

impl WsStats {
    /// Reconnections over all connections.
    pub fn reconnects(&self) -> u64 {
        self.connections.iter().map(|c| c.reconnects).sum()
    }

    /// Frames received over all connections.
    pub fn frames(&self) -> u64 {
        self.connections.iter().map(|c| c.frames).sum()
    }

    /// Time since the stalest connection last received a frame (heartbeats and pongs included), at
    /// `now_unix_ns`; `None` until every connection has received one. The watchdog declares a connection
    /// dead when this passes `heartbeat_timeout`.
    pub fn heartbeat_age(&self, now_unix_ns: u64) -> Option<Duration> {
        let stalest = self.connections.iter().map(|c| c.last_frame_unix_ns).min()?;
        (stalest > 0).then(|| Duration::from_nanos(now_unix_ns.saturating_sub(stalest)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn heartbeat_age_is_that_of_the_stalest_connection() {
        let counters = Counters::default();
        let first = counters.add_connection();
        assert_eq!(counters.snapshot().heartbeat_age(5_000), None, "no frame yet");
        first.seen_at(1_000);
        assert_eq!(counters.snapshot().heartbeat_age(5_000), Some(Duration::from_nanos(4_000)));
        let second = counters.add_connection();
        assert_eq!(counters.snapshot().heartbeat_age(5_000), None, "the new connection has seen nothing");
        second.seen_at(4_500);
        first.seen_at(3_000);
        assert_eq!(counters.snapshot().heartbeat_age(5_000), Some(Duration::from_nanos(2_000)));
        assert_eq!(WsStats::default().heartbeat_age(5_000), None);
    }
}
