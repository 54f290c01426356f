//! Decode counters: messages decoded per channel and errors per class.
//!
//! Relaxed atomics, so one `ParseStats` (typically owned by the socket client, shared by `Arc` with whoever
//! reports) can be updated from the reader task and read from anywhere without a lock.

use std::sync::atomic::{AtomicU64, Ordering};

use super::channel::Channel;
use super::error::{ErrorClass, ParseError};
use super::message::WsMessage;

/// Counters of one socket's decoding.
#[derive(Debug)]
pub struct ParseStats {
    decoded: Vec<AtomicU64>,
    errors: [AtomicU64; ErrorClass::ALL.len()],
}

impl Default for ParseStats {
    fn default() -> Self {
        Self {
            decoded: Channel::ALL.iter().map(|_| AtomicU64::new(0)).collect(),
            errors: std::array::from_fn(|_| AtomicU64::new(0)),
        }
    }
}

impl ParseStats {
    /// All counters at zero.
    pub fn new() -> Self {
        Self::default()
    }

    /// Counts the outcome of one [`decode`](super::decode).
    pub fn record(&self, outcome: &Result<WsMessage<'_>, ParseError>) {
        let counter = match outcome {
            Ok(message) => self.decoded.get(message.channel().index()),
            Err(error) => self.errors.get(error.class().index()),
        };
        if let Some(counter) = counter {
            counter.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// Messages decoded on `channel`.
    pub fn decoded(&self, channel: Channel) -> u64 {
        self.decoded.get(channel.index()).map_or(0, |c| c.load(Ordering::Relaxed))
    }

    /// Errors of `class`.
    pub fn errors(&self, class: ErrorClass) -> u64 {
        self.errors[class.index()].load(Ordering::Relaxed)
    }

    /// Errors of every class.
    pub fn total_errors(&self) -> u64 {
        self.errors.iter().map(|c| c.load(Ordering::Relaxed)).sum()
    }
}
