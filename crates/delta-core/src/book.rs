//! Per-symbol L2 order books: snapshot/update, sequence check, CRC32 checksum, resync signal (REFERENCE 9.7).
