//! The subscriptions of one connection, kept to replay them after a reconnect.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

/// The incremental book channels: after a reconnect or a gap their books are rebuilt from a fresh snapshot.
pub const INCREMENTAL_BOOK_CHANNELS: [&str; 2] = ["ob_updates", "l2_updates"];

/// Channels and their symbols; a channel with no symbols is subscribed as a whole (`margins`, ...).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SubscriptionSet {
    channels: BTreeMap<Arc<str>, BTreeSet<Arc<str>>>,
}

impl SubscriptionSet {
    /// Adds symbols (or the bare channel when `symbols` is empty).
    pub fn add(&mut self, channel: &Arc<str>, symbols: &[Arc<str>]) {
        self.channels.entry(Arc::clone(channel)).or_default().extend(symbols.iter().cloned());
    }

    /// Removes symbols; an empty `symbols` removes the whole channel, as does removing its last symbol.
    pub fn remove(&mut self, channel: &str, symbols: &[Arc<str>]) {
        if symbols.is_empty() {
            self.channels.remove(channel);
            return;
        }
        if let Some(set) = self.channels.get_mut(channel) {
            for symbol in symbols {
                set.remove(symbol);
            }
            if set.is_empty() {
                self.channels.remove(channel);
            }
        }
    }

    /// True when the channel is subscribed with `symbol`.
    pub fn contains(&self, channel: &str, symbol: &str) -> bool {
        self.channels.get(channel).is_some_and(|set| set.contains(symbol))
    }

    /// Symbols subscribed on a channel.
    pub fn count(&self, channel: &str) -> usize {
        self.channels.get(channel).map_or(0, BTreeSet::len)
    }

    /// True when nothing is subscribed.
    pub fn is_empty(&self) -> bool {
        self.channels.is_empty()
    }

    /// Number of channels.
    pub fn channel_count(&self) -> usize {
        self.channels.len()
    }

    /// Every `(channel, symbols)` pair, symbols sorted.
    pub fn entries(&self) -> Vec<(Arc<str>, Vec<Arc<str>>)> {
        self.channels.iter().map(|(channel, set)| (Arc::clone(channel), set.iter().cloned().collect())).collect()
    }

    /// Every `(channel, symbol)` of the incremental book channels.
    pub fn book_symbols(&self) -> Vec<(Arc<str>, Arc<str>)> {
        INCREMENTAL_BOOK_CHANNELS
            .iter()
            .filter_map(|&channel| self.channels.get_key_value(channel))
            .flat_map(|(channel, set)| set.iter().map(move |symbol| (Arc::clone(channel), Arc::clone(symbol))))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn adds_removes_and_lists_books() {
        let mut subs = SubscriptionSet::default();
        let book: Arc<str> = "ob_updates".into();
        let symbols: Vec<Arc<str>> = vec!["BTCUSD".into(), "ETHUSD".into()];
        subs.add(&book, &symbols);
        subs.add(&"margins".into(), &[]);
        subs.add(&"trades".into(), &symbols[..1]);
        assert_eq!(subs.count("ob_updates"), 2);
        assert_eq!(subs.channel_count(), 3);
        assert_eq!(subs.book_symbols().len(), 2);
        assert!(subs.contains("trades", "BTCUSD"));
        subs.remove("ob_updates", &symbols[..1]);
        assert_eq!(subs.book_symbols(), vec![(book.clone(), symbols[1].clone())]);
        subs.remove("ob_updates", &symbols[1..]);
        subs.remove("margins", &[]);
        subs.remove("trades", &[]);
        assert!(subs.is_empty());
    }
}
