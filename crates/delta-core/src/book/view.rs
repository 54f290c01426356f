//! What a valid book serves: levels with exact decimals and their wire text, and a full export.

use serde::{Deserialize, Serialize};

use crate::decimal::Decimal;
use crate::parse::book_message::RawLevel;

use super::level::Level;

/// One level of a valid book.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BookLevel<'a> {
    /// The price as an exact decimal.
    pub price: Decimal,
    /// The size as an exact decimal (never zero: zero-size levels are deleted).
    pub size: Decimal,
    /// The price and size text exactly as last received (what the checksum is computed over).
    pub raw: RawLevel<'a>,
}

impl<'a> From<&'a Level> for BookLevel<'a> {
    fn from(level: &'a Level) -> Self {
        Self { price: level.price, size: level.size, raw: level.raw() }
    }
}

/// A whole book as `{"a": [[price, size], ...], "b": [...], "seq": N}` with the text as received: asks
/// ascending, bids descending. The same shape as delta-sim's `GET /sim/book/{symbol}`, so the two compare
/// with `==` after deserializing the sim's reply.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BookSnapshot {
    /// Ask levels `(price, size)`, ascending.
    pub a: Vec<(String, String)>,
    /// Bid levels `(price, size)`, descending.
    pub b: Vec<(String, String)>,
    /// The sequence number of the last applied message (`null` for books from unsequenced channels).
    pub seq: Option<u64>,
}

impl BookSnapshot {
    pub(super) fn side(levels: &[Level]) -> Vec<(String, String)> {
        levels
            .iter()
            .map(|level| {
                let raw = level.raw();
                (raw.price.to_owned(), raw.size.to_owned())
            })
            .collect()
    }
}
