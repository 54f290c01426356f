//! Replaying a raw capture of `delta-recorder` through the public socket (`--replay`), so a recorded day can
//! be run against a client.
//!
//! What is replayed: the capture's `frame` rows of the `public` endpoint whose channel (the frame's `type`) is a
//! data channel; the control types the sim generates itself ([`CONTROL_TYPES`]) and the lifecycle rows are
//! left out. Each frame's text goes out byte for byte (never re-serialized) to every public connection with a
//! subscription of its channel whose symbol is the frame's symbol, that symbol without its `MARK:` prefix, or
//! `all` ([`subscription_matches`]); a connection gets each frame once however many of its subscriptions match.
//! Sends are counted in `/sim/stats` `sent` under the channel and the frame's symbol, like the live feeds.
//!
//! Timing: the replay starts [`SETTLE_DELAY`] after the first public subscription arrives (so the client's other
//! subscriptions are in place) and runs once through the capture. At speed `s > 0` each frame is due at
//! `start + (recv_ns - first_recv_ns) / s`; at speed 0 frames go out as fast as the connections take them.
//!
//! Back-pressure: the replay writes into each connection's bounded outbox and waits for room, so a slow consumer
//! slows the replay down (for every connection) instead of losing frames; a late replay catches up on its
//! schedule. While replaying, the public socket serves nothing else: the synthetic feeds stay silent there
//! (heartbeats, `pong` and subscription replies still come from the sim; the private socket and REST are
//! unchanged).

use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use delta_recorder::raw::{capture_files, read_capture, CapturedRow, FRAME};
use tokio::sync::watch;
use tokio::task::JoinHandle;
use tokio::time::Instant;

use crate::error::SimError;
use crate::state::AppState;
use crate::ws::feeds::{Feed, Outbox, Outgoing};

/// Wait between the first public subscription and the first replayed frame, so the rest of a client's
/// subscriptions (sent right after the first) are in place when the replay starts.
pub const SETTLE_DELAY: Duration = Duration::from_millis(300);

/// Frame types the sim generates itself on the public socket (replies and keep-alives): never replayed.
pub const CONTROL_TYPES: &[&str] = &["subscriptions", "heartbeat", "pong", "key-auth", "success"];

/// One frame to replay.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReplayFrame {
    /// Receive time relative to the first replayed frame (ns).
    pub offset_ns: u64,
    /// The frame's channel (its `type`).
    pub channel: String,
    /// The symbol the frame names (`""` when none), as the capture wrote it.
    pub symbol: String,
    /// The frame's text, byte for byte.
    pub text: String,
}

/// Reads the capture at `path` (a capture file, a directory of them or a recording's `--out` directory) and
/// keeps the frames to replay, in `seq` order.
pub fn load(path: &Path) -> Result<Vec<ReplayFrame>, SimError> {
    let failed = |source| SimError::Replay { path: path.to_path_buf(), source: Box::new(source) };
    if capture_files(path).map_err(failed)?.is_empty() {
        return Err(SimError::EmptyReplay { path: path.to_path_buf() });
    }
    Ok(replayable(read_capture(path).map_err(failed)?))
}

/// The rows of a capture (in `seq` order) that are replayed, with their offsets from the first of them.
pub fn replayable(rows: Vec<CapturedRow>) -> Vec<ReplayFrame> {
    let mut first_recv_ns = None;
    rows.into_iter()
        .filter(|row| row.kind == FRAME && row.endpoint == "public")
        .filter_map(|row| {
            let channel = row.channel.filter(|channel| !CONTROL_TYPES.contains(&channel.as_str()))?;
            let first = *first_recv_ns.get_or_insert(row.recv_ns);
            Some(ReplayFrame {
                offset_ns: row.recv_ns.saturating_sub(first),
                channel,
                symbol: row.symbol.unwrap_or_default(),
                text: row.payload,
            })
        })
        .collect()
}

/// Whether a subscription to `subscribed` receives a replayed frame of `symbol`: the same symbol, the symbol
/// without its `MARK:` prefix, or `all`.
pub fn subscription_matches(subscribed: &str, symbol: &str) -> bool {
    subscribed == symbol || subscribed == "all" || symbol.strip_prefix("MARK:") == Some(subscribed)
}

/// The replay's due time of a frame `offset_ns` after the first one at `speed` (`None` at speed 0: now).
fn due(offset_ns: u64, speed: f64) -> Option<Duration> {
    (speed > 0.0).then(|| {
        Duration::try_from_secs_f64(Duration::from_nanos(offset_ns).as_secs_f64() / speed).unwrap_or(Duration::MAX)
    })
}

/// One public subscription waiting for replayed frames.
#[derive(Debug)]
struct Subscriber {
    id: u64,
    channel: String,
    symbol: String,
    out: Outbox,
}

/// The public subscriptions the replay serves; present in the state when the sim replays.
#[derive(Debug)]
pub struct Subscribers {
    entries: Mutex<Vec<Subscriber>>,
    next_id: AtomicU64,
    subscribed: watch::Sender<bool>,
}

impl Default for Subscribers {
    fn default() -> Self {
        Self { entries: Mutex::new(Vec::new()), next_id: AtomicU64::new(0), subscribed: watch::channel(false).0 }
    }
}

impl Subscribers {
    fn lock(&self) -> MutexGuard<'_, Vec<Subscriber>> {
        self.entries.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn add(&self, channel: &str, symbol: &str, out: Outbox) -> u64 {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        self.lock().push(Subscriber { id, channel: channel.to_owned(), symbol: symbol.to_owned(), out });
        self.subscribed.send_replace(true);
        id
    }

    fn remove(&self, id: u64) {
        self.lock().retain(|subscriber| subscriber.id != id);
    }

    /// Resolves once some public subscription arrived (at once if one already did).
    async fn first_subscription(&self) {
        let mut subscribed = self.subscribed.subscribe();
        // The sender lives as long as `self`, so this only ends when a subscription arrived.
        let _ = subscribed.wait_for(|subscribed| *subscribed).await;
    }

    /// The outboxes of the connections subscribed to `channel` for `symbol`, each connection once.
    fn recipients(&self, channel: &str, symbol: &str) -> Vec<Outbox> {
        let mut outboxes: Vec<Outbox> = Vec::new();
        for subscriber in self.lock().iter() {
            let wanted = subscriber.channel == channel && subscription_matches(&subscriber.symbol, symbol);
            if wanted && !outboxes.iter().any(|out| out.same_channel(&subscriber.out)) {
                outboxes.push(subscriber.out.clone());
            }
        }
        outboxes
    }
}

/// Removes its subscription from the replay when the subscription's producer ends (unsubscribe, disconnect).
struct Registration {
    state: AppState,
    id: u64,
}

impl Drop for Registration {
    fn drop(&mut self) {
        if let Some(subscribers) = self.state.replay() {
            subscribers.remove(self.id);
        }
    }
}

/// The producer of a public subscription while replaying: registers it with the replay until its connection
/// ends or the subscription is dropped (the task is aborted).
pub async fn serve(feed: Feed) {
    let Some(subscribers) = feed.state.replay() else { return };
    let id = subscribers.add(&feed.channel, &feed.symbol, feed.out.clone());
    let _registration = Registration { state: feed.state.clone(), id };
    feed.out.closed().await;
}

/// Starts the replay of `frames` at `speed`; it waits for the first public subscription.
pub fn spawn(state: AppState, frames: Vec<ReplayFrame>, speed: f64) -> JoinHandle<()> {
    state.stats().set_replay_total(frames.len() as u64);
    tokio::spawn(run(state, frames, speed))
}

async fn run(state: AppState, frames: Vec<ReplayFrame>, speed: f64) {
    let Some(subscribers) = state.replay() else { return };
    if !frames.is_empty() {
        subscribers.first_subscription().await;
        tokio::time::sleep(SETTLE_DELAY).await;
        tracing::info!(frames = frames.len(), speed, "replay started");
    }
    let start = Instant::now();
    for frame in frames {
        if let Some(due) = due(frame.offset_ns, speed) {
            let elapsed = start.elapsed();
            if due > elapsed {
                tokio::time::sleep(due - elapsed).await;
            }
        }
        let ReplayFrame { channel, symbol, text, .. } = frame;
        for out in subscribers.recipients(&channel, &symbol) {
            let outgoing = Outgoing { channel: channel.clone(), symbol: symbol.clone(), text: text.clone() };
            // Waits for room in the outbox (back-pressure); an error only means that connection has ended.
            let _ = out.send(outgoing).await;
        }
        state.stats().record_replayed();
    }
    state.stats().record_replay_done();
    tracing::info!("replay done");
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(
        seq: u64,
        recv_ns: u64,
        endpoint: &str,
        kind: &str,
        channel: Option<&str>,
        symbol: Option<&str>,
    ) -> CapturedRow {
        CapturedRow {
            seq,
            recv_ns,
            endpoint: endpoint.into(),
            connection: 0,
            kind: kind.into(),
            channel: channel.map(Into::into),
            format: None,
            symbol: symbol.map(Into::into),
            payload: format!("{{\"n\": {seq}}}"),
        }
    }

    #[test]
    fn only_public_data_frames_are_replayed_with_offsets_from_the_first() {
        let rows = vec![
            row(0, 900, "public", "connected", None, None),
            row(1, 1_000, "public", FRAME, Some("subscriptions"), None),
            row(2, 1_500, "public", FRAME, Some("ob_updates"), Some("BTCUSD")),
            row(3, 1_600, "private", FRAME, Some("l2_updates"), Some("BTCUSD")),
            row(4, 1_700, "public", FRAME, Some("heartbeat"), None),
            row(5, 1_800, "public", FRAME, None, None),
            row(6, 2_500, "public", FRAME, Some("system_status"), None),
        ];
        let frames = replayable(rows);
        let summary: Vec<(u64, &str, &str, &str)> =
            frames.iter().map(|f| (f.offset_ns, f.channel.as_str(), f.symbol.as_str(), f.text.as_str())).collect();
        assert_eq!(summary, [(0, "ob_updates", "BTCUSD", "{\"n\": 2}"), (1_000, "system_status", "", "{\"n\": 6}")]);
    }

    #[test]
    fn subscriptions_match_the_symbol_its_mark_form_or_all() {
        assert!(subscription_matches("BTCUSD", "BTCUSD"));
        assert!(subscription_matches("BTCUSD", "MARK:BTCUSD"));
        assert!(subscription_matches("MARK:BTCUSD", "MARK:BTCUSD"));
        assert!(subscription_matches("all", "ETHUSD"));
        assert!(subscription_matches("", ""));
        assert!(!subscription_matches("ETHUSD", "BTCUSD"));
        assert!(!subscription_matches("MARK:BTCUSD", "BTCUSD"));
    }

    #[test]
    fn due_times_scale_with_the_speed() {
        assert_eq!(due(2_000_000_000, 0.0), None);
        assert_eq!(due(2_000_000_000, 1.0), Some(Duration::from_secs(2)));
        assert_eq!(due(2_000_000_000, 10.0), Some(Duration::from_millis(200)));
        assert_eq!(due(u64::MAX, f64::MIN_POSITIVE), Some(Duration::MAX));
    }
}
