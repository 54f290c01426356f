//! The order-book checksum of REFERENCE 9.7, the one place the sim computes it.
//!
//! delta-core's verified book (`delta_core::book`) will expose the same function; until it lands this
//! is the single call site (used by [`crate::book::Book::checksum`]).

use std::fmt::Write;

use crate::book::Level;

/// CRC32 (IEEE) of `"p0:s0,p1:s1,...|p0:s0,..."`: `asks` best first (ascending), then `bids` best
/// first (descending), with the price and size text the sockets send.
pub fn book_checksum(asks: &[Level], bids: &[Level]) -> u32 {
    let mut text = String::with_capacity(512);
    push_levels(&mut text, asks);
    text.push('|');
    push_levels(&mut text, bids);
    crc32fast::hash(text.as_bytes())
}

fn push_levels(text: &mut String, levels: &[Level]) {
    for (index, level) in levels.iter().enumerate() {
        if index > 0 {
            text.push(',');
        }
        // Writing into a String cannot fail.
        let _ = write!(text, "{}:{}", level.price, level.size);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn levels(pairs: &[(&str, u64)]) -> Vec<Level> {
        pairs.iter().map(|(price, size)| Level { price: price.parse().unwrap(), size: *size }).collect()
    }

    #[test]
    fn reproduces_the_documented_vectors() {
        let asks = levels(&[("16919.0", 1087), ("16919.5", 1193), ("16920.0", 510)]);
        let bids = levels(&[("16918.0", 602), ("16917.5", 1792), ("16917.0", 2039)]);
        assert_eq!(book_checksum(&asks, &bids), 2_178_756_498);
        let asks = levels(&[("100.00", 23), ("100.05", 34)]);
        let bids = levels(&[("99.04", 87), ("98.65", 102), ("98.30", 16)]);
        assert_eq!(book_checksum(&asks, &bids), 3_599_895_312);
    }
}
