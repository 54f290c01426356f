//! The verified L2 book of one symbol (REFERENCE 9.7): snapshots replace it, updates must follow their
//! predecessor's sequence number by exactly one, every `cs` is verified, and any inconsistency makes the book
//! invalid — it serves nothing until a fresh snapshot rebuilds it.

use crate::parse::book_message::{BookAction, BookMessage};

use super::checksum::write_input;
use super::error::{BookError, BookSide};
use super::ladder::Ladder;
use super::level::{Change, Level};
use super::view::{BookLevel, BookSnapshot};

/// What the caller must do after handing a message to a book.
#[derive(Debug, Clone, PartialEq, Eq)]
#[must_use]
pub enum ApplyOutcome {
    /// The message was applied (and its checksum, if any, matched); the book is valid.
    Applied,
    /// The book just became invalid for this reason: resubscribe this symbol to get a fresh snapshot
    /// (after a few seconds for [`BookError::ExchangeError`]).
    Resync(BookError),
    /// The book was already invalid and a resync was already requested: the update was dropped.
    AwaitingSnapshot,
}

/// Counters of one book's life.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct BookStats {
    /// Snapshots applied successfully.
    pub snapshots: u64,
    /// Updates applied successfully.
    pub updates: u64,
    /// Sequence gaps seen (including updates that could not be sequence-checked).
    pub gaps: u64,
    /// Checksum mismatches seen.
    pub checksum_failures: u64,
    /// Times the book became invalid and asked for a resubscription.
    pub resyncs: u64,
    /// Updates dropped because the book was waiting for a snapshot.
    pub dropped: u64,
}

enum State {
    /// No snapshot yet (new or reset book).
    Empty,
    /// Consistent with the exchange as far as sequence and checksum can tell.
    Valid,
    /// Inconsistent; waiting for a snapshot.
    Invalid(BookError),
}

/// One symbol's order book.
pub struct OrderBook {
    asks: Ladder,
    bids: Ladder,
    state: State,
    seq: Option<u64>,
    timestamp_us: Option<i64>,
    stats: BookStats,
    /// The changes of the message being applied, validated before any is applied (reused, no allocation
    /// once warm).
    staged: Vec<(BookSide, Change)>,
    /// The checksum input text (reused).
    scratch: Vec<u8>,
}

impl Default for OrderBook {
    fn default() -> Self {
        Self::new()
    }
}

impl OrderBook {
    /// An empty book waiting for its first snapshot.
    pub fn new() -> Self {
        Self {
            asks: Ladder::new(BookSide::Ask),
            bids: Ladder::new(BookSide::Bid),
            state: State::Empty,
            seq: None,
            timestamp_us: None,
            stats: BookStats::default(),
            staged: Vec::new(),
            scratch: Vec::with_capacity(512),
        }
    }

    /// Applies one message (its symbol is not checked: route messages with [`super::BookSet`] or by hand).
    ///
    /// A message is applied whole or not at all. Snapshots always replace the book; updates need a valid book
    /// and the next sequence number; an `error` action invalidates the book.
    pub fn apply(&mut self, message: &BookMessage<'_>) -> ApplyOutcome {
        match message.action {
            BookAction::Error => {
                self.invalidate(BookError::ExchangeError(message.error_message.unwrap_or_default().to_owned()))
            }
            BookAction::Snapshot => self.apply_snapshot(message),
            BookAction::Update => self.apply_update(message),
        }
    }

    /// Forgets every level and the sequence: the book is empty and waits for a snapshot, as after a reconnect.
    pub fn reset(&mut self) {
        self.asks.clear();
        self.bids.clear();
        self.seq = None;
        self.timestamp_us = None;
        self.state = State::Empty;
    }

    /// `Ok` while the book is valid, else why it is not.
    pub fn status(&self) -> Result<(), BookError> {
        match &self.state {
            State::Valid => Ok(()),
            State::Empty => Err(BookError::NotInitialised),
            State::Invalid(reason) => Err(reason.clone()),
        }
    }

    /// True while the book is valid (built from a snapshot, no gap or mismatch since).
    pub fn is_valid(&self) -> bool {
        matches!(self.state, State::Valid)
    }

    /// The best bid; `Ok(None)` when the valid book has no bids.
    pub fn best_bid(&self) -> Result<Option<BookLevel<'_>>, BookError> {
        self.top(BookSide::Bid, 1).map(|mut levels| levels.next())
    }

    /// The best ask; `Ok(None)` when the valid book has no asks.
    pub fn best_ask(&self) -> Result<Option<BookLevel<'_>>, BookError> {
        self.top(BookSide::Ask, 1).map(|mut levels| levels.next())
    }

    /// Up to `depth` levels of `side`, best first (`usize::MAX` for all of them).
    pub fn top(&self, side: BookSide, depth: usize) -> Result<impl ExactSizeIterator<Item = BookLevel<'_>>, BookError> {
        self.status()?;
        let levels = self.ladder(side).levels();
        Ok(levels[..depth.min(levels.len())].iter().map(BookLevel::from))
    }

    /// The sequence number of the last applied message (`None` before a snapshot or for unsequenced channels).
    pub fn seq(&self) -> Option<u64> {
        self.seq
    }

    /// The exchange timestamp (µs) of the last applied message that carried one.
    pub fn timestamp_us(&self) -> Option<i64> {
        self.timestamp_us
    }

    /// This book's counters.
    pub fn stats(&self) -> BookStats {
        self.stats
    }

    /// The whole valid book with its text as received.
    pub fn export(&self) -> Result<BookSnapshot, BookError> {
        self.status()?;
        Ok(BookSnapshot {
            a: BookSnapshot::side(self.asks.levels()),
            b: BookSnapshot::side(self.bids.levels()),
            seq: self.seq,
        })
    }

    /// The REFERENCE 9.7 checksum of the valid book.
    pub fn checksum(&self) -> Result<u32, BookError> {
        self.status()?;
        let mut text = Vec::with_capacity(512);
        self.write_checksum_text(&mut text);
        Ok(crc32fast::hash(&text))
    }

    fn apply_snapshot(&mut self, message: &BookMessage<'_>) -> ApplyOutcome {
        if let Err(reason) = self.stage(message) {
            return self.invalidate(reason);
        }
        self.asks.clear();
        self.bids.clear();
        self.commit(message);
        if let Err(reason) = self.verify(message.checksum) {
            return self.invalidate(reason);
        }
        self.seq = message.seq;
        self.state = State::Valid;
        self.stats.snapshots += 1;
        ApplyOutcome::Applied
    }

    fn apply_update(&mut self, message: &BookMessage<'_>) -> ApplyOutcome {
        match self.state {
            State::Valid => {}
            State::Empty => return self.invalidate(BookError::NotInitialised),
            State::Invalid(_) => {
                self.stats.dropped += 1;
                return ApplyOutcome::AwaitingSnapshot;
            }
        }
        let checked = match (self.seq, message.seq) {
            (Some(previous), Some(got)) if got == previous.wrapping_add(1) => Ok(()),
            (Some(previous), Some(got)) => Err(BookError::Gap { expected: previous.wrapping_add(1), got }),
            _ => Err(BookError::Unsequenced),
        };
        if let Err(reason) = checked.and_then(|()| self.stage(message)) {
            return self.invalidate(reason);
        }
        self.commit(message);
        if let Err(reason) = self.verify(message.checksum) {
            return self.invalidate(reason);
        }
        self.seq = message.seq;
        self.stats.updates += 1;
        ApplyOutcome::Applied
    }

    /// Reads every level of the message into `staged`; nothing touches the book yet.
    fn stage(&mut self, message: &BookMessage<'_>) -> Result<(), BookError> {
        self.staged.clear();
        let asks = message.asks.iter().map(|raw| (BookSide::Ask, raw));
        let bids = message.bids.iter().map(|raw| (BookSide::Bid, raw));
        for (side, raw) in asks.chain(bids) {
            self.staged.push((side, Change::read(side, raw)?));
        }
        Ok(())
    }

    /// Applies the staged changes and takes the message's timestamp.
    fn commit(&mut self, message: &BookMessage<'_>) {
        for (side, change) in &self.staged {
            match side {
                BookSide::Ask => self.asks.apply(change),
                BookSide::Bid => self.bids.apply(change),
            }
        }
        if message.timestamp_us.is_some() {
            self.timestamp_us = message.timestamp_us;
        }
    }

    fn verify(&mut self, expected: Option<u32>) -> Result<(), BookError> {
        let Some(expected) = expected else { return Ok(()) };
        let mut text = std::mem::take(&mut self.scratch);
        text.clear();
        self.write_checksum_text(&mut text);
        let computed = crc32fast::hash(&text);
        self.scratch = text;
        if computed == expected {
            Ok(())
        } else {
            Err(BookError::ChecksumMismatch { expected, computed })
        }
    }

    fn write_checksum_text(&self, out: &mut Vec<u8>) {
        write_input(self.asks.levels().iter().map(Level::text), self.bids.levels().iter().map(Level::text), out);
    }

    fn invalidate(&mut self, reason: BookError) -> ApplyOutcome {
        match reason {
            BookError::Gap { .. } | BookError::Unsequenced => self.stats.gaps += 1,
            BookError::ChecksumMismatch { .. } => self.stats.checksum_failures += 1,
            _ => {}
        }
        self.stats.resyncs += 1;
        self.state = State::Invalid(reason.clone());
        ApplyOutcome::Resync(reason)
    }

    fn ladder(&self, side: BookSide) -> &Ladder {
        match side {
            BookSide::Ask => &self.asks,
            BookSide::Bid => &self.bids,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::book_message::RawLevel;

    fn message<'a>(
        action: BookAction,
        asks: &[(&'a str, &'a str)],
        bids: &[(&'a str, &'a str)],
        seq: u64,
    ) -> BookMessage<'a> {
        let levels =
            |pairs: &[(&'a str, &'a str)]| pairs.iter().map(|&(price, size)| RawLevel { price, size }).collect();
        BookMessage {
            symbol: "BTCUSD",
            action,
            asks: levels(asks),
            bids: levels(bids),
            seq: Some(seq),
            checksum: None,
            timestamp_us: None,
            error_message: None,
        }
    }

    fn texts(book: &OrderBook, side: BookSide) -> Vec<(String, String)> {
        book.ladder(side).levels().iter().map(|level| (level.raw().price.into(), level.raw().size.into())).collect()
    }

    #[test]
    fn malformed_update_leaves_the_levels_untouched() {
        let mut book = OrderBook::new();
        let snapshot = message(BookAction::Snapshot, &[("100.5", "1")], &[("100.0", "2")], 1);
        assert_eq!(book.apply(&snapshot), ApplyOutcome::Applied);
        let (asks, bids) = (texts(&book, BookSide::Ask), texts(&book, BookSide::Bid));
        let bad = message(BookAction::Update, &[("100.5", "0"), ("100.7", "3")], &[("99.0", "1"), ("99.x", "1")], 2);
        assert!(matches!(book.apply(&bad), ApplyOutcome::Resync(BookError::Malformed(_))));
        assert_eq!((texts(&book, BookSide::Ask), texts(&book, BookSide::Bid)), (asks, bids));
        assert_eq!(book.seq(), Some(1));
    }
}
