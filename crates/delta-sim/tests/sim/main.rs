//! delta-sim integration tests, one binary (one link instead of one per file): the sim alone over HTTP and
//! sockets, and delta-core's clients against it. Each module is one area; the `*common` modules are shared helpers.

mod client_common;
mod common;
mod ws_client_common;
mod ws_common;

mod client_errors;
mod client_faults;
mod client_market;
mod client_orders;
mod client_portfolio;
mod client_rate_limit;
mod credential_rotation;
mod foreign_clients;
mod gateway;
mod golden_shapes;
mod market_data;
mod market_matching;
mod matching;
mod mmp;
mod quota;
mod replay;
mod sim_faults;
mod ws_book;
mod ws_client_faults;
mod ws_client_private;
mod ws_client_recovery;
mod ws_faults;
mod ws_private;
mod ws_shapes;
