//! One side of a book: levels kept sorted best-first in a vector (books are shallow, so a binary search and
//! a short move beat a tree, and the best levels are contiguous for the checksum).

use std::cmp::Ordering;

use crate::decimal::Decimal;

use super::error::BookSide;
use super::level::{Change, Level};

/// The levels of one side, best first: asks ascending, bids descending, one level per exact price.
pub(super) struct Ladder {
    side: BookSide,
    levels: Vec<Level>,
}

impl Ladder {
    pub(super) fn new(side: BookSide) -> Self {
        Self { side, levels: Vec::new() }
    }

    /// Applies one change: set inserts or replaces, delete removes the level if present.
    pub(super) fn apply(&mut self, change: &Change) {
        match change {
            Change::Set(level) => match self.position(&level.price) {
                Ok(index) => self.levels[index] = *level,
                Err(index) => self.levels.insert(index, *level),
            },
            Change::Delete(price) => {
                if let Ok(index) = self.position(price) {
                    self.levels.remove(index);
                }
            }
        }
    }

    /// Removes every level.
    pub(super) fn clear(&mut self) {
        self.levels.clear();
    }

    /// The levels, best first.
    pub(super) fn levels(&self) -> &[Level] {
        &self.levels
    }

    fn position(&self, price: &Decimal) -> Result<usize, usize> {
        let side = self.side;
        self.levels.binary_search_by(|level| rank(side, &level.price, price))
    }
}

/// Orders two prices best-first for `side`.
fn rank(side: BookSide, a: &Decimal, b: &Decimal) -> Ordering {
    match side {
        BookSide::Ask => a.cmp(b),
        BookSide::Bid => b.cmp(a),
    }
}
