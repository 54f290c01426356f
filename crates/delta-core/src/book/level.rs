//! One stored level: exact decimal price and size for ordering and accessors, plus the text exactly as
//! received, kept inline (no heap) so the checksum input is built with a few copies.

use crate::decimal::Decimal;
use crate::parse::book_message::RawLevel;

use super::error::{BookSide, LevelFault, MalformedLevel};

/// Bytes available for a level's price and size text together.
pub const TEXT_CAPACITY: usize = 62;

/// Price text followed by size text in one inline buffer.
#[derive(Clone, Copy)]
struct LevelText {
    bytes: [u8; TEXT_CAPACITY],
    price_len: u8,
    len: u8,
}

impl LevelText {
    fn new(price: &str, size: &str) -> Option<Self> {
        let len = price.len() + size.len();
        if len > TEXT_CAPACITY {
            return None;
        }
        let mut bytes = [0u8; TEXT_CAPACITY];
        bytes[..price.len()].copy_from_slice(price.as_bytes());
        bytes[price.len()..len].copy_from_slice(size.as_bytes());
        // Both lengths fit a u8 because their sum is at most TEXT_CAPACITY.
        Some(Self { bytes, price_len: price.len() as u8, len: len as u8 })
    }

    fn price(&self) -> &[u8] {
        &self.bytes[..self.price_len as usize]
    }

    fn size(&self) -> &[u8] {
        &self.bytes[self.price_len as usize..self.len as usize]
    }
}

/// A level held by a book.
#[derive(Clone, Copy)]
pub(super) struct Level {
    pub(super) price: Decimal,
    pub(super) size: Decimal,
    text: LevelText,
}

/// What one received level does to its side.
#[derive(Clone, Copy)]
pub(super) enum Change {
    /// Insert the level or replace the one at the same price.
    Set(Level),
    /// Remove the level at this price, if any (size zero in any form).
    Delete(Decimal),
}

impl Change {
    /// Reads a received level; its text must be valid decimals with a non-negative size.
    pub(super) fn read(side: BookSide, raw: &RawLevel<'_>) -> Result<Self, MalformedLevel> {
        let fault = |fault| MalformedLevel::new(side, raw.price, raw.size, fault);
        let price = raw.price().map_err(|_| fault(LevelFault::Price))?;
        let size = raw.size().map_err(|_| fault(LevelFault::Size))?;
        if size.is_negative() {
            return Err(fault(LevelFault::NegativeSize));
        }
        if size.is_zero() {
            return Ok(Change::Delete(price));
        }
        let text = LevelText::new(raw.price, raw.size).ok_or_else(|| fault(LevelFault::TooLong))?;
        Ok(Change::Set(Level { price, size, text }))
    }
}

impl Level {
    /// The price and size text exactly as received, as bytes.
    pub(super) fn text(&self) -> (&[u8], &[u8]) {
        (self.text.price(), self.text.size())
    }

    /// The price and size text exactly as received.
    pub(super) fn raw(&self) -> RawLevel<'_> {
        // The text was copied whole from two `&str`s, so each part is valid UTF-8 and this never falls back.
        let text = |bytes| std::str::from_utf8(bytes).unwrap_or_default();
        RawLevel { price: text(self.text.price()), size: text(self.text.size()) }
    }
}
