//! Typed wire models for every REST resource of Delta (REFERENCE sections 3 and 5-8).
//!
//! Every type derives `Debug, Clone, PartialEq, Serialize, Deserialize`: the client reads responses and
//! writes requests with them, the sim does the reverse. Serializing reproduces the fixture shape of
//! each message (same keys, same JSON value types); deserializing accepts every documented variant
//! (integers as strings, ISO or microsecond timestamps, flags as booleans or strings, missing optional
//! keys, unknown keys).
//!
//! Deserialize from bytes or text (`serde_json::from_slice` / `from_str`): the exact-number readers
//! borrow raw JSON and do not work through `serde_json::Value`.

pub mod codec;
pub mod envelope;

pub use envelope::{ApiErrorDetail, ApiErrorEnvelope, BareOrWrapped, EmptyResult, Envelope, GatewayError, PageMeta};
