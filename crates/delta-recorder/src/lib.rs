//! `delta-recorder`: records Delta Exchange feeds to Parquet (DESIGN section 4).
//!
//! Two outputs side by side under `--out`: a lossless raw capture ([`raw`]: every frame as received with its
//! local receive time, plus connection lifecycle rows) and a Nautilus catalog ([`catalog`]:
//! `data/<type>/<instrument>/<start>_<end>.parquet` in the exact layout nautilus_trader 1.221.0 reads).
//! Files are written under temporary names and renamed when complete ([`files`]); [`recorder`] runs a
//! recording; [`raw::read_capture`] reads a capture back (delta-sim replays it).

pub mod catalog;
pub mod cli;
pub mod error;
pub mod files;
pub mod metrics;
pub mod raw;
pub mod recorder;
pub mod sink;
pub mod stamp;
pub mod status;

pub use error::{RecorderError, RecorderResult};
pub use recorder::{record, RecorderConfig, Selection};
pub use sink::OutputFormat;
pub use status::Summary;
