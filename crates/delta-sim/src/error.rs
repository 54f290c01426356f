//! Errors of starting and stopping the simulator.

use std::io;
use std::net::SocketAddr;
use std::path::PathBuf;

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
    /// The `--replay` capture cannot be read.
    #[error("cannot replay {}: {source}", path.display())]
    Replay {
        /// The path given.
        path: PathBuf,
        /// What the capture reader said.
        source: Box<delta_recorder::RecorderError>,
    },
    /// The `--replay` path holds no capture file.
    #[error("cannot replay {}: no raw capture file (*.parquet) there", path.display())]
    EmptyReplay {
        /// The path given.
        path: PathBuf,
    },
    /// The server task panicked or was cancelled.
    #[error("server task ended abnormally: {0}")]
    Task(String),
}
