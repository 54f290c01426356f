//! Per-symbol L2 order books: snapshot/update, sequence check, CRC32 checksum, resync signal (REFERENCE 9.7).

mod checksum;

pub use checksum::{checksum, write_checksum_input, CHECKSUM_DEPTH};
