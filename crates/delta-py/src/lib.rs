//! `delta_exchange._native`: the Python face of delta-core (the contract is docs `native_api.md`).
//!
//! Errors ([`errors`]), one-frame decoding ([`decode`]), exact decimal → raw scaling ([`scale`]), URL
//! resolution, the REST client ([`http`]), the socket client ([`ws`], tuples built by [`events`]) and the
//! socket-less frame decoder ([`frame_decoder`]). Every entry point runs under a panic guard, so a Rust panic
//! reaches Python as `DeltaError("internal error: ...")`.

mod convert;
mod decode;
mod errors;
mod events;
mod frame_decoder;
mod http;
mod in_flight;
mod request;
mod risk;
mod scale;
mod ws;

use delta_core::{Environment, ResolvedUrls};
use pyo3::prelude::*;

use crate::errors::{guard, to_py};
use crate::events::kind;

/// Kinds: the first element of every tuple a socket batch delivers.
const KINDS: [(&str, u8); 11] = [
    ("KIND_BOOK", kind::BOOK),
    ("KIND_QUOTE", kind::QUOTE),
    ("KIND_TRADE", kind::TRADE),
    ("KIND_MARK_PRICE", kind::MARK_PRICE),
    ("KIND_INDEX_PRICE", kind::INDEX_PRICE),
    ("KIND_FUNDING", kind::FUNDING),
    ("KIND_BAR", kind::BAR),
    ("KIND_STATUS", kind::STATUS),
    ("KIND_LIFECYCLE", kind::LIFECYCLE),
    ("KIND_PRIVATE", kind::PRIVATE),
    ("KIND_BOOK_DEPTH", kind::BOOK_DEPTH),
];

/// The REST and socket URLs of `environment` with any override applied:
/// `{"http": ..., "ws_public": ..., "ws_private": ...}`. `ValueError` for an unknown environment, a bad
/// URL, or `"local"` without `base_url_http`.
#[pyfunction]
#[pyo3(signature = (environment, base_url_http = None, base_url_ws_public = None, base_url_ws_private = None))]
fn resolve_urls(
    environment: &str,
    base_url_http: Option<&str>,
    base_url_ws_public: Option<&str>,
    base_url_ws_private: Option<&str>,
) -> PyResult<std::collections::HashMap<&'static str, String>> {
    guard(|| {
        let environment: Environment = environment.parse().map_err(to_py)?;
        let urls = ResolvedUrls::resolve(environment, base_url_http, base_url_ws_private, base_url_ws_public)
            .map_err(to_py)?;
        Ok([("http", urls.rest), ("ws_public", urls.public_ws), ("ws_private", urls.private_ws)].into_iter().collect())
    })
}

#[pymodule]
fn _native(module: &Bound<'_, PyModule>) -> PyResult<()> {
    errors::register(module)?;
    module.add("FIXED_SCALAR", scale::FIXED_SCALAR)?;
    module.add("FIXED_PRECISION", scale::FIXED_PRECISION)?;
    for (name, value) in KINDS {
        module.add(name, value)?;
    }
    module.add_function(wrap_pyfunction!(decode::decode_message, module)?)?;
    module.add_function(wrap_pyfunction!(resolve_urls, module)?)?;
    module.add_function(wrap_pyfunction!(in_flight::wait_idle, module)?)?;
    module.add_function(wrap_pyfunction!(scale::decimal_to_raw, module)?)?;
    module.add_class::<http::HttpClient>()?;
    module.add_class::<ws::WsClient>()?;
    module.add_class::<frame_decoder::FrameDecoder>()?;
    module.add_class::<risk::RiskEngine>()?;
    Ok(())
}
