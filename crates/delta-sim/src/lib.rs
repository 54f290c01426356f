//! `delta-sim`: a local Delta Exchange for tests and demos — Delta's REST API (public and signed)
//! with the CDN, quota and signature checks of Delta's gateway, a synthetic market per product,
//! order matching against it, accounts with positions and wallets, Delta's public and private
//! sockets fed by a seeded market generator (or by the replay of a recorded capture, [`replay`]), and
//! fault injection.
//!
//! Start one in-process with [`spawn`] (port 0 picks a free port) and stop it with
//! [`SimHandle::shutdown`]; the `delta-sim` binary does the same from the command line.

pub mod book;
pub mod catalog;
pub mod config;
pub mod engine;
pub mod error;
pub mod gateway;
pub mod generator;
pub mod pagination;
pub mod params;
pub mod pricing;
pub mod quota;
pub mod replay;
pub mod reply;
pub mod routes;
pub mod series;
pub mod server;
pub mod state;
pub mod stats;
pub mod views;
pub mod ws;

pub use config::{Faults, FaultsUpdate, SimConfig};
pub use engine::events::{EventKind, SimEvent};
pub use error::SimError;
pub use server::{spawn, FaultSwitch, SimHandle};
pub use stats::StatsSnapshot;
