//! The WebSocket client: connect, heartbeat, key-auth, subscriptions, reconnect, lifecycle events
//! (REFERENCE 4.3, 9.1-9.3, 9.7; DESIGN 2, 5, 6).
//!
//! A [`WsClient`] owns one or more connections to one socket. Each connection is a tokio task that
//! connects (inside a [`ConnectBudget`] of handshakes per sliding window, with exponential backoff and
//! full jitter between failures), sends `enable_heartbeat`, authenticates with `key-auth` on the private
//! socket (a refused key waits `auth_retry_delay` before the next try), subscribes everything it holds,
//! reads frames, and declares the connection dead when no frame arrives for `heartbeat_timeout` or no
//! pong for `pong_timeout`. After a reconnect it re-authenticates, resubscribes and marks every
//! incremental book of the connection stale ([`WsEventKind::Gap`]) until its fresh snapshot arrives
//! ([`WsEventKind::Resynced`]).
//!
//! Frames are decoded by [`crate::parse::decode`]; every book message goes through the connection's verified
//! books ([`crate::book::BookSet`]) first and is emitted as a [`BookUpdate`] only when the book accepted it. A
//! failed check emits [`WsEventKind::Gap`] and resubscribes the symbol at once (Delta's `action: error` after
//! `resubscribe_delay`); nothing is emitted for that book until its fresh snapshot. Other data becomes owned
//! [`MarketEvent`]s with exact [`crate::Decimal`]s and the local receive time.
//!
//! Events reach the consumer through one bounded queue, [`WsEvents`]. Back-pressure policy: block the
//! reader. A connection whose event does not fit waits for room, so a slow consumer slows the socket
//! down through TCP flow control; nothing is ever dropped. [`WsStats`] exposes the queue depth, its
//! maximum, the receive-to-dequeue lag, how often a connection had to wait, frames and bytes per
//! connection, reconnects, decode errors per channel, gaps and resyncs.

mod backoff;
mod client;
mod config;
mod connection;
mod dispatch;
mod event;
mod market;
mod queue;
mod sequence;
mod stats;
mod subscriptions;

pub use crate::parse::Endpoint;
pub use backoff::{Backoff, ConnectBudget};
pub use client::WsClient;
pub use config::{SymbolCaps, WsConfig};
pub use dispatch::{Dispatcher, Signal};
pub use event::{unix_nanos, GapReason, WsEvent, WsEventKind};
pub use market::{
    BookUpdate, CandleEvent, FillEvent, FundingEvent, MarketEvent, MmpEvent, OrderEvent, PositionEvent, PriceEvent,
    SystemStatusEvent, TopOfBook, TradeEvent,
};
pub use queue::WsEvents;
pub use stats::{ConnectionStats, WsStats};
pub use subscriptions::{SubscriptionSet, INCREMENTAL_BOOK_CHANNELS};
