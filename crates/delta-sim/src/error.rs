//! Errors of starting and stopping the simulator.

use std::io;
use std::net::SocketAddr;

/// Why the sim could not start or stopped abnormally.
#[derive(Debug, thiserror::Error)]
pub enum SimError {
    /// The listening socket could not be opened.
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        /// The address asked for.
        addr: SocketAddr,
        /// What the OS said.
        source: io::Error,
    },
    /// The HTTP server failed while running.
    #[error("server error: {0}")]
    Serve(#[from] io::Error),
    /// The configuration cannot work (for example a symbols filter that matches nothing).
    #[error("invalid configuration: {0}")]
    Config(String),
    /// The server task panicked or was cancelled.
    #[error("server task ended abnormally: {0}")]
    Task(String),
}
