//! Owned data events for the consumer.

use std::sync::Arc;

/// Market or account data received on a socket.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MarketEvent {
    /// A data frame, owned, before typed decoding; the seam where `crate::parse` plugs in.
    Frame {
        /// The message `type` (its channel), `None` when the message has none (`mmp_trigger`).
        channel: Option<Arc<str>>,
        /// The frame's text.
        text: Box<str>,
    },
}
