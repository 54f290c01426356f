//! Gap detection on the private `orders` channel: `seq_no` grows by 1 per symbol across the snapshot
//! (`meta.seq_no`) and the events after it (REFERENCE 9.6); a jump means events were missed.

use std::collections::HashMap;
use std::sync::Arc;

/// The next expected `seq_no` of each symbol's `orders` stream on one connection.
#[derive(Debug, Default)]
pub(crate) struct OrderSequences {
    expected: HashMap<Arc<str>, u64>,
}

impl OrderSequences {
    /// A snapshot of `symbol` arrived: the next event must carry `seq_no + 1`. A snapshot without a
    /// sequence number leaves nothing to check against until the next event.
    pub fn snapshot(&mut self, symbol: &Arc<str>, seq_no: Option<u64>) {
        match seq_no {
            Some(seq_no) => {
                self.expected.insert(Arc::clone(symbol), seq_no.saturating_add(1));
            }
            None => {
                self.expected.remove(symbol);
            }
        }
    }

    /// An event of `symbol` with `seq_no`: `Some((expected, received))` when it does not follow the previous
    /// message of the symbol. Either way it becomes the reference for the next one, so one jump is reported
    /// once. The first event of a symbol without a snapshot only sets the reference.
    pub fn event(&mut self, symbol: &Arc<str>, seq_no: u64) -> Option<(u64, u64)> {
        let next = seq_no.saturating_add(1);
        match self.expected.get_mut(symbol) {
            Some(expected) => {
                let previous = std::mem::replace(expected, next);
                (previous != seq_no).then_some((previous, seq_no))
            }
            None => {
                self.expected.insert(Arc::clone(symbol), next);
                None
            }
        }
    }

    /// Forgets every symbol (the connection was lost: the resubscription brings fresh snapshots).
    pub fn clear(&mut self) {
        self.expected.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_snapshot_sets_the_reference_and_one_jump_is_one_gap() {
        let btc: Arc<str> = Arc::from("BTCUSD");
        let eth: Arc<str> = Arc::from("ETHUSD");
        let mut sequences = OrderSequences::default();
        sequences.snapshot(&btc, Some(7));
        assert_eq!(sequences.event(&btc, 8), None);
        assert_eq!(sequences.event(&btc, 9), None);
        assert_eq!(sequences.event(&btc, 12), Some((10, 12)), "a jump");
        assert_eq!(sequences.event(&btc, 13), None, "counting goes on from the received seq_no");
        assert_eq!(sequences.event(&btc, 13), Some((14, 13)), "a repeat is reported too");
        assert_eq!(sequences.event(&eth, 40), None, "symbols are independent; no snapshot: reference only");
        assert_eq!(sequences.event(&eth, 41), None);
        sequences.snapshot(&btc, Some(30));
        assert_eq!(sequences.event(&btc, 31), None, "a snapshot resets the expected seq_no");
        sequences.snapshot(&btc, None);
        assert_eq!(sequences.event(&btc, 99), None);
        sequences.clear();
        assert_eq!(sequences.event(&eth, 5), None, "after clear, nothing to compare with");
    }
}
