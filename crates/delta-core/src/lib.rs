//! `delta-core`: the Delta Exchange client in Rust — configuration, request signing, exact decimals,
//! typed wire models, the REST client and its rate limiter. No Python, no Nautilus.

pub mod auth;
pub mod backoff;
pub mod bars;
pub mod book;
pub mod config;
pub mod decimal;
pub mod error;
pub mod http;
pub mod model;
pub mod nautilus;
pub mod parse;
pub mod risk;
pub mod shape;
pub mod wire;
pub mod ws;

pub use config::{ApiSecret, Credentials, Environment, ResolvedUrls};
pub use decimal::{Decimal, DecimalError, NumDecimal};
pub use error::{ApiErrorCode, DeltaError, DeltaResult};
