//! The recorder's errors.

use std::path::PathBuf;

/// What can stop a recording or fail a file.
#[derive(Debug, thiserror::Error)]
pub enum RecorderError {
    /// A command-line or configuration problem; the message says what to change.
    #[error("configuration: {0}")]
    Config(String),
    /// A file or directory operation failed.
    #[error("{action} {path}: {source}")]
    Io {
        /// What was being done (`create`, `rename`, ...).
        action: &'static str,
        /// The path.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// Parquet encoding or decoding failed.
    #[error("parquet {path}: {source}")]
    Parquet {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: parquet::errors::ParquetError,
    },
    /// An Arrow batch could not be built (a schema and its columns disagree).
    #[error("arrow: {0}")]
    Arrow(#[from] arrow_schema::ArrowError),
    /// Delta (REST or socket) failed.
    #[error("delta: {0}")]
    Delta(#[from] delta_core::DeltaError),
    /// A raw capture holds something the replay cannot use.
    #[error("raw capture {path}: {message}")]
    Capture {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
}

/// Result of recorder operations.
pub type RecorderResult<T> = Result<T, RecorderError>;

impl RecorderError {
    /// An I/O error with its action and path.
    pub fn io(action: &'static str, path: impl Into<PathBuf>) -> impl FnOnce(std::io::Error) -> Self {
        let path = path.into();
        move |source| RecorderError::Io { action, path, source }
    }

    /// A Parquet error with its file.
    pub fn parquet(path: impl Into<PathBuf>) -> impl FnOnce(parquet::errors::ParquetError) -> Self {
        let path = path.into();
        move |source| RecorderError::Parquet { path, source }
    }
}
