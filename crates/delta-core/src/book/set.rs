//! Many books, one per symbol, fed from one message stream.

use std::collections::HashMap;

use crate::parse::book_message::BookMessage;

use super::order_book::{ApplyOutcome, OrderBook};

/// Symbol → book; a book is created the first time a message names its symbol.
#[derive(Default)]
pub struct BookSet {
    books: HashMap<String, OrderBook>,
}

impl BookSet {
    /// No books yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Routes the message to its symbol's book (creating it) and applies it.
    pub fn apply(&mut self, message: &BookMessage<'_>) -> ApplyOutcome {
        match self.books.get_mut(message.symbol) {
            Some(book) => book.apply(message),
            None => self.books.entry(message.symbol.to_owned()).or_default().apply(message),
        }
    }

    /// The book of `symbol`, if any message named it.
    pub fn get(&self, symbol: &str) -> Option<&OrderBook> {
        self.books.get(symbol)
    }

    /// Drops the book of `symbol` (after an unsubscribe).
    pub fn remove(&mut self, symbol: &str) -> Option<OrderBook> {
        self.books.remove(symbol)
    }

    /// Empties every book so each waits for a fresh snapshot (after a reconnect).
    pub fn reset_all(&mut self) {
        self.books.values_mut().for_each(OrderBook::reset);
    }

    /// The symbols with a book.
    pub fn symbols(&self) -> impl Iterator<Item = &str> {
        self.books.keys().map(String::as_str)
    }

    /// Number of books.
    pub fn len(&self) -> usize {
        self.books.len()
    }

    /// True when there is no book.
    pub fn is_empty(&self) -> bool {
        self.books.is_empty()
    }
}
