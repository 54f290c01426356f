//! The ordered stream of private account events (order updates, fills, positions, margins), for the
//! private socket to forward. For one fill the order is: order update, fill, position, margin
//! (REFERENCE 10, inferred).

use delta_core::model::{Fill, Order, Position, WalletBalance};
use tokio::sync::broadcast;

/// Events kept for slow subscribers before they see a lag error.
pub const EVENT_BUFFER: usize = 4096;

/// Why an order changed (the `reason` of Delta's `orders` channel; `None` for creation).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OrderReason {
    /// Created (new order, or an edit answered by the REST call).
    Create,
    /// Edited.
    Update,
    /// Filled (partly or fully).
    Fill,
    /// Cancelled.
    Cancel,
    /// A stop order triggered.
    StopTrigger,
}

impl OrderReason {
    /// The wire `action`/`reason` word.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Create => "create",
            Self::Update => "update",
            Self::Fill => "fill",
            Self::Cancel => "cancel",
            Self::StopTrigger => "stop_trigger",
        }
    }
}

/// What happened.
#[derive(Debug, Clone, PartialEq)]
pub enum EventKind {
    /// An order changed; `order` is its state afterwards.
    Order {
        /// The order after the change.
        order: Order,
        /// Why.
        reason: OrderReason,
    },
    /// A fill.
    Fill(Fill),
    /// A position changed (with `product_id` and `product_symbol` set).
    Position(Position),
    /// The settling wallet changed.
    Margin(WalletBalance),
    /// Market-maker protection froze quoting on an asset.
    MmpTrigger {
        /// Underlying asset symbol (`BTC`).
        asset: String,
        /// µs until which quoting is frozen; -1 until reset.
        frozen_till: i64,
    },
}

/// One private event, numbered in emission order per account.
#[derive(Debug, Clone, PartialEq)]
pub struct SimEvent {
    /// 1, 2, 3, ... per account.
    pub seq: u64,
    /// The account.
    pub user_id: u64,
    /// Product concerned, if any.
    pub product_id: Option<u64>,
    /// Time in µs.
    pub timestamp: i64,
    /// The event.
    pub kind: EventKind,
}

/// Numbers events and broadcasts them; sending without subscribers is fine.
#[derive(Debug)]
pub struct EventLog {
    sender: broadcast::Sender<SimEvent>,
    seq: u64,
}

impl Default for EventLog {
    fn default() -> Self {
        Self { sender: broadcast::channel(EVENT_BUFFER).0, seq: 0 }
    }
}

impl EventLog {
    /// A receiver of every event emitted from now on.
    pub fn subscribe(&self) -> broadcast::Receiver<SimEvent> {
        self.sender.subscribe()
    }

    /// Numbers and sends one event.
    pub fn emit(&mut self, user_id: u64, product_id: Option<u64>, timestamp: i64, kind: EventKind) {
        self.seq += 1;
        // An error only means nobody listens.
        let _ = self.sender.send(SimEvent { seq: self.seq, user_id, product_id, timestamp, kind });
    }
}
