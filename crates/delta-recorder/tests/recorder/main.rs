//! delta-recorder integration tests, one binary: the recorder against delta-sim, the built binary (flags,
//! metrics, exit codes) and the catalog schemas against Nautilus's own.

mod common;

mod binary;
mod golden_schemas;
mod record_sim;
