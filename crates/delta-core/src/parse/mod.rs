//! Frame decoding for both sockets, keyed by (endpoint, channel) (REFERENCE 9.4-9.6).

pub mod book_message;
