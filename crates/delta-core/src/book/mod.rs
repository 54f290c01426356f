//! Per-symbol L2 order books: snapshot/update, sequence check, CRC32 checksum, resync signal (REFERENCE 9.7).
//!
//! Feed every [`BookMessage`](crate::parse::book_message::BookMessage) of a symbol to its [`OrderBook`] (or
//! all symbols to a [`BookSet`]). [`ApplyOutcome::Resync`] means the book is invalid and the symbol must be
//! resubscribed; until a snapshot arrives the book serves nothing and drops updates.
//!
//! Decisions beyond REFERENCE 9.7:
//! - `ob_l2` / `l2_orderbook` snapshots carry no `seq`: they replace the book and make it valid, but an update
//!   after one cannot be sequence-checked and is refused ([`BookError::Unsequenced`]).
//! - Snapshot levels are applied like update levels: a zero size is skipped, a repeated price keeps the last.
//! - A level whose price and size text exceed [`TEXT_CAPACITY`] bytes is refused as malformed (levels are
//!   stored inline; Delta's texts are far shorter).
//! - The book does not check that it is uncrossed: REFERENCE 9.7 does not, and the checksum covers consistency.

mod checksum;
mod error;
mod ladder;
mod level;
mod order_book;
mod set;
mod view;

pub use checksum::{checksum, write_checksum_input, CHECKSUM_DEPTH};
pub use error::{BookError, BookSide, LevelFault, MalformedLevel, EXCERPT_CHARS};
pub use level::TEXT_CAPACITY;
pub use order_book::{ApplyOutcome, BookStats, OrderBook};
pub use set::BookSet;
pub use view::{BookLevel, BookSnapshot};
