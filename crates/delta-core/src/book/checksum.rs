//! The order-book checksum of REFERENCE 9.7: CRC32 (IEEE, as zlib) of
//! `"p0:s0,p1:s1,...|p0:s0,..."` over the best 10 asks (ascending) and best 10 bids (descending),
//! using the price and size text exactly as received.

use crate::parse::book_message::RawLevel;

/// Levels per side that enter the checksum; a side with fewer levels contributes those it has.
pub const CHECKSUM_DEPTH: usize = 10;

/// Appends the checksum input text to `out`: the first [`CHECKSUM_DEPTH`] `asks` as `price:size` joined by
/// `,`, then `|`, then the first [`CHECKSUM_DEPTH`] `bids` likewise.
///
/// Pass each side best-first (asks ascending, bids descending); the text of each level is used verbatim.
pub fn write_checksum_input<'a>(
    asks: impl IntoIterator<Item = RawLevel<'a>>,
    bids: impl IntoIterator<Item = RawLevel<'a>>,
    out: &mut Vec<u8>,
) {
    let text = |level: RawLevel<'a>| (level.price.as_bytes(), level.size.as_bytes());
    write_input(asks.into_iter().map(text), bids.into_iter().map(text), out);
}

/// The REFERENCE 9.7 checksum (`cs`) of a book whose sides are given best-first (asks ascending, bids
/// descending); only the first [`CHECKSUM_DEPTH`] levels of each side are read.
pub fn checksum<'a>(asks: impl IntoIterator<Item = RawLevel<'a>>, bids: impl IntoIterator<Item = RawLevel<'a>>) -> u32 {
    let mut text = Vec::with_capacity(512);
    write_checksum_input(asks, bids, &mut text);
    crc32fast::hash(&text)
}

/// The one writer of the checksum text, over `(price, size)` byte pairs given best-first.
pub(super) fn write_input<'a>(
    asks: impl Iterator<Item = (&'a [u8], &'a [u8])>,
    bids: impl Iterator<Item = (&'a [u8], &'a [u8])>,
    out: &mut Vec<u8>,
) {
    write_side(asks, out);
    out.push(b'|');
    write_side(bids, out);
}

fn write_side<'a>(levels: impl Iterator<Item = (&'a [u8], &'a [u8])>, out: &mut Vec<u8>) {
    for (index, (price, size)) in levels.take(CHECKSUM_DEPTH).enumerate() {
        if index > 0 {
            out.push(b',');
        }
        out.extend_from_slice(price);
        out.push(b':');
        out.extend_from_slice(size);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn levels<'a>(pairs: &[(&'a str, &'a str)]) -> Vec<RawLevel<'a>> {
        pairs.iter().map(|&(price, size)| RawLevel { price, size }).collect()
    }

    #[test]
    fn docs_snapshot_vector() {
        let asks = levels(&[("16919.0", "1087"), ("16919.5", "1193"), ("16920.0", "510")]);
        let bids = levels(&[("16918.0", "602"), ("16917.5", "1792"), ("16917.0", "2039")]);
        let mut text = Vec::new();
        write_checksum_input(asks.iter().copied(), bids.iter().copied(), &mut text);
        assert_eq!(text, b"16919.0:1087,16919.5:1193,16920.0:510|16918.0:602,16917.5:1792,16917.0:2039");
        assert_eq!(checksum(asks, bids), 2_178_756_498);
    }

    #[test]
    fn only_the_best_ten_per_side_count() {
        let prices: Vec<String> = (0..15).map(|i| format!("{}.5", 100 + i)).collect();
        let asks: Vec<RawLevel<'_>> = prices.iter().map(|p| RawLevel { price: p, size: "1" }).collect();
        let mut text = Vec::new();
        write_checksum_input(asks.iter().copied(), [], &mut text);
        let expected = (0..10).map(|i| format!("{}.5:1", 100 + i)).collect::<Vec<_>>().join(",") + "|";
        assert_eq!(String::from_utf8(text).unwrap(), expected);
        assert_eq!(checksum(asks, []), crc32fast::hash(expected.as_bytes()));
    }

    #[test]
    fn empty_book_is_the_crc_of_the_separator() {
        assert_eq!(checksum([], []), crc32fast::hash(b"|"));
    }
}
