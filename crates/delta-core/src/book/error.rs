//! Why a book is invalid: the typed reason behind every resync request.

use std::fmt;

/// One side of an order book.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BookSide {
    /// Sell orders, best (lowest) price first.
    Ask,
    /// Buy orders, best (highest) price first.
    Bid,
}

impl fmt::Display for BookSide {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            BookSide::Ask => "ask",
            BookSide::Bid => "bid",
        })
    }
}

/// Why a book is not (or no longer) served; each one means "resubscribe this symbol".
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BookError {
    /// No snapshot has been applied yet (or the book was reset), so an update has nothing to apply to.
    #[error("book not initialised: no snapshot received")]
    NotInitialised,
    /// An update's sequence number is not the previous one + 1.
    #[error("sequence gap: expected {expected}, got {got}")]
    Gap {
        /// The sequence number the book expected (previous + 1).
        expected: u64,
        /// The sequence number the update carried.
        got: u64,
    },
    /// An update cannot be sequence-checked: it, or the snapshot the book was built from, has no sequence number.
    #[error("update cannot be sequence-checked: no sequence number on the update or its base snapshot")]
    Unsequenced,
    /// The checksum the exchange sent differs from the one computed over the book after applying the message.
    #[error("checksum mismatch: exchange sent {expected}, book computes {computed}")]
    ChecksumMismatch {
        /// The `cs` the exchange sent.
        expected: u32,
        /// The checksum of the local book.
        computed: u32,
    },
    /// The exchange sent `action: error` for this book.
    #[error("exchange reported a book error: {0}")]
    ExchangeError(String),
    /// A level of the message could not be read; nothing of the message was applied.
    #[error(transparent)]
    Malformed(#[from] MalformedLevel),
}

/// A `[price, size]` level that cannot enter the book.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("malformed {side} level [{price:?}, {size:?}]: {fault}")]
pub struct MalformedLevel {
    /// The side the level was sent on.
    pub side: BookSide,
    /// The price text (at most [`EXCERPT_CHARS`] characters of it).
    pub price: String,
    /// The size text (at most [`EXCERPT_CHARS`] characters of it).
    pub size: String,
    /// What is wrong with it.
    pub fault: LevelFault,
}

/// Longest excerpt of a level's text kept in a [`MalformedLevel`].
pub const EXCERPT_CHARS: usize = 48;

impl MalformedLevel {
    pub(super) fn new(side: BookSide, price: &str, size: &str, fault: LevelFault) -> Self {
        let excerpt = |text: &str| text.chars().take(EXCERPT_CHARS).collect();
        Self { side, price: excerpt(price), size: excerpt(size), fault }
    }
}

/// What makes a level unusable.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum LevelFault {
    /// The price is not a decimal number.
    #[error("price is not a decimal")]
    Price,
    /// The size is not a decimal number.
    #[error("size is not a decimal")]
    Size,
    /// The size is below zero.
    #[error("size is negative")]
    NegativeSize,
    /// Price and size text together exceed the inline storage of a level.
    #[error("level text longer than {} bytes", super::level::TEXT_CAPACITY)]
    TooLong,
}
