//! The normalised form of every order-book message, whatever its channel: `ob_updates` and legacy
//! `l2_updates` (snapshot, update, error), `ob_l2` and legacy `l2_orderbook` (periodic full snapshots).
//!
//! Levels keep the exact price and size text received, borrowed from the frame, because the checksum of
//! REFERENCE 9.7 is computed over those strings; `RawLevel::price`/`size` give the exact decimals.

use crate::decimal::{Decimal, DecimalError};

/// One `[price, size]` level as received; size `"0"` deletes the level in an update.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RawLevel<'a> {
    /// Price text exactly as sent (`"68453.0"`).
    pub price: &'a str,
    /// Size text exactly as sent (`"1250"`, or `"0.092"` for Global spot).
    pub size: &'a str,
}

impl RawLevel<'_> {
    /// The price as an exact decimal.
    pub fn price(&self) -> Result<Decimal, DecimalError> {
        Decimal::parse(self.price)
    }

    /// The size as an exact decimal.
    pub fn size(&self) -> Result<Decimal, DecimalError> {
        Decimal::parse(self.size)
    }
}

/// What a book message asks the book to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BookAction {
    /// Replace the whole book (`action: snapshot`, or any `ob_l2` / `l2_orderbook` message).
    Snapshot,
    /// Apply level changes; `seq` must be the previous one + 1.
    Update,
    /// Delta could not serve the book (`action: error`): invalidate it and resubscribe after a few seconds.
    Error,
}

/// One order-book message, normalised across channels.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BookMessage<'a> {
    /// Product symbol (`sy` or `symbol`).
    pub symbol: &'a str,
    /// Snapshot, update or error.
    pub action: BookAction,
    /// Ask levels, ascending by price as Delta sends them.
    pub asks: Vec<RawLevel<'a>>,
    /// Bid levels, descending by price as Delta sends them.
    pub bids: Vec<RawLevel<'a>>,
    /// Sequence number (`seq` / `sequence_no`); `None` on channels without one (`ob_l2`, `l2_orderbook`).
    pub seq: Option<u64>,
    /// CRC32 of the top 10 levels after applying this message (`cs`); `None` where the channel has none.
    pub checksum: Option<u32>,
    /// Exchange timestamp in µs (`ts` / `timestamp`), when present.
    pub timestamp_us: Option<i64>,
    /// The error text of an `action: error` message.
    pub error_message: Option<&'a str>,
}
