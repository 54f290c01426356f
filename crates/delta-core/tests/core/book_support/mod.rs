//! Shared helpers of the `book_*` tests: build `BookMessage`s by hand.

#![allow(dead_code)]

use delta_core::parse::book_message::{BookAction, BookMessage, RawLevel};

/// Levels from `(price, size)` pairs.
pub fn levels<'a>(pairs: &[(&'a str, &'a str)]) -> Vec<RawLevel<'a>> {
    pairs.iter().map(|&(price, size)| RawLevel { price, size }).collect()
}

/// A BTCUSD message with the given parts.
pub fn message<'a>(
    action: BookAction,
    asks: &[(&'a str, &'a str)],
    bids: &[(&'a str, &'a str)],
    seq: Option<u64>,
    checksum: Option<u32>,
) -> BookMessage<'a> {
    BookMessage {
        symbol: "BTCUSD",
        action,
        asks: levels(asks),
        bids: levels(bids),
        seq,
        checksum,
        timestamp_us: None,
        error_message: None,
    }
}

/// A snapshot without checksum.
pub fn snapshot<'a>(asks: &[(&'a str, &'a str)], bids: &[(&'a str, &'a str)], seq: u64) -> BookMessage<'a> {
    message(BookAction::Snapshot, asks, bids, Some(seq), None)
}

/// An update without checksum.
pub fn update<'a>(asks: &[(&'a str, &'a str)], bids: &[(&'a str, &'a str)], seq: u64) -> BookMessage<'a> {
    message(BookAction::Update, asks, bids, Some(seq), None)
}
