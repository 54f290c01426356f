//! The bounded queue between the connection tasks and the consumer.
//!
//! Back-pressure policy: a connection whose event does not fit waits for room, so the consumer's pace is
//! pushed back onto the socket (the task stops reading, the kernel buffers fill, TCP flow control slows
//! Delta down). Nothing is dropped and no book can silently miss an update. If the consumer stalls long
//! enough, Delta may close the connection; the client then reconnects and rebuilds its books from fresh
//! snapshots, which shows up as `Disconnected` / `Gap` / `Resynced` events, never as a silent hole.

use std::sync::Arc;

use tokio::sync::mpsc;

use super::event::{unix_nanos, WsEvent};
use super::stats::Counters;

/// The producing side, one clone per connection task.
#[derive(Debug, Clone)]
pub(crate) struct EventSender {
    tx: mpsc::Sender<WsEvent>,
    counters: Arc<Counters>,
}

/// The consumer went away; the connection should stop.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct ConsumerGone;

impl EventSender {
    /// Queues an event, waiting for room when the queue is full.
    pub async fn send(&self, event: WsEvent) -> Result<(), ConsumerGone> {
        self.counters.enqueued();
        let result = match self.tx.try_send(event) {
            Ok(()) => Ok(()),
            Err(mpsc::error::TrySendError::Full(event)) => {
                self.counters.full_wait();
                self.tx.send(event).await.map_err(|_| ConsumerGone)
            }
            Err(mpsc::error::TrySendError::Closed(_)) => Err(ConsumerGone),
        };
        if result.is_err() {
            self.counters.dequeued(None);
        }
        result
    }
}

/// The consumer's side of the queue: events in the order each connection produced them.
#[derive(Debug)]
pub struct WsEvents {
    rx: mpsc::Receiver<WsEvent>,
    counters: Arc<Counters>,
}

impl WsEvents {
    /// The next event; `None` once the client is closed and every event has been taken.
    pub async fn recv(&mut self) -> Option<WsEvent> {
        let event = self.rx.recv().await?;
        self.taken(&event);
        Some(event)
    }

    /// The next event if one is waiting.
    pub fn try_recv(&mut self) -> Option<WsEvent> {
        let event = self.rx.try_recv().ok()?;
        self.taken(&event);
        Some(event)
    }

    fn taken(&self, event: &WsEvent) {
        self.counters.dequeued(Some(unix_nanos().saturating_sub(event.received_ns)));
    }
}

/// A bounded queue of `capacity` events (at least 1) feeding `counters`.
pub(crate) fn channel(capacity: usize, counters: Arc<Counters>) -> (EventSender, WsEvents) {
    let (tx, rx) = mpsc::channel(capacity.max(1));
    (EventSender { tx, counters: Arc::clone(&counters) }, WsEvents { rx, counters })
}
