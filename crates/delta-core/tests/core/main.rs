//! delta-core integration tests, one binary (one link instead of one per file): parsing of the fixtures, signing
//! vectors, the order book, and the socket client against scripted servers.

mod book_support;

mod book_behaviour;
mod book_fixtures;
mod book_proptest;
mod parse_fuzz;
mod rest_fixtures;
mod signing_vectors;
mod ws_client;
mod ws_fixtures;
