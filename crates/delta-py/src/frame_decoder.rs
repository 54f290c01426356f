//! `FrameDecoder`: raw socket frames → the tuples a `WsClient` batch carries, without a socket.
//!
//! The frames go through the same delta-core [`Dispatcher`] a socket connection runs (parse, book
//! verification by `seq`/`cs`, stale books until their snapshot) and the same [`Converter`] as the
//! `WsClient` drain (raw scaling, closed-bar tracking, trade ids). Recordings and benchmarks use it to run
//! the socket path in-process. There is no socket, so a book that fails its check is not resubscribed: it
//! stays stale (nothing emitted for it) until the next snapshot frame of that symbol.

use std::collections::HashMap;
use std::sync::Arc;

use delta_core::ws::{Dispatcher, WsEvent, WsEventKind};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict, PyList, PyString};

use crate::decode::parse_endpoint;
use crate::errors::guard;
use crate::events::{Converter, Scaling};

/// Counters of a decoder.
#[derive(Debug, Default)]
struct Counters {
    frames: u64,
    bytes: u64,
    decode_errors: HashMap<String, u64>,
    gaps: u64,
    resyncs: u64,
    events: u64,
}

/// Decodes raw socket frames of one endpoint into the tuples of a `WsClient` batch.
#[pyclass(module = "delta_exchange._native")]
pub struct FrameDecoder {
    dispatcher: Dispatcher,
    converter: Converter,
    scaling: Arc<Scaling>,
    counters: Counters,
    events: Vec<WsEventKind>,
}

#[pymethods]
impl FrameDecoder {
    /// A decoder of frames received on `endpoint` ("public" or "private").
    #[new]
    #[pyo3(signature = (endpoint = "public"))]
    fn new(endpoint: &str) -> PyResult<Self> {
        guard(|| {
            let scaling = Arc::<Scaling>::default();
            Ok(Self {
                dispatcher: Dispatcher::new(parse_endpoint(endpoint)?),
                converter: Converter::new(Arc::clone(&scaling)),
                scaling,
                counters: Counters::default(),
                events: Vec::new(),
            })
        })
    }

    /// Registers the precisions used for `symbol`'s raws (rounded half away from zero to them).
    fn set_instrument(&self, symbol: &str, price_precision: u8, size_precision: u8) -> PyResult<()> {
        guard(|| self.scaling.set(symbol, price_precision, size_precision))
    }

    /// Decodes `frames` (each `str` or UTF-8 `bytes`) in order, all stamped `ts_init` (ns), into one list of
    /// tuples. A malformed frame becomes a `decode_error` lifecycle tuple and is counted; the rest go on.
    fn decode<'py>(
        &mut self,
        py: Python<'py>,
        frames: &Bound<'py, PyList>,
        ts_init: u64,
    ) -> PyResult<Bound<'py, PyList>> {
        guard(|| {
            let out = PyList::empty(py);
            for frame in frames.iter() {
                let bytes;
                let text = if let Ok(text) = frame.cast::<PyString>() {
                    text.to_str()?
                } else if let Ok(raw) = frame.cast::<PyBytes>() {
                    bytes = raw;
                    match std::str::from_utf8(bytes.as_bytes()) {
                        Ok(text) => text,
                        Err(error) => {
                            self.counters.frames += 1;
                            self.counters.bytes += bytes.as_bytes().len() as u64;
                            let message = format!("frame is not UTF-8: {error}");
                            self.push(
                                py,
                                &out,
                                WsEventKind::DecodeError { channel: "?".to_owned(), message, excerpt: String::new() },
                                ts_init,
                            )?;
                            continue;
                        }
                    }
                } else {
                    return Err(PyValueError::new_err("frames must be str or bytes"));
                };
                self.counters.frames += 1;
                self.counters.bytes += text.len() as u64;
                let mut events = std::mem::take(&mut self.events);
                // A resubscription request has no socket to go to: the book stays stale until its snapshot.
                let _signal = self.dispatcher.dispatch(text, &mut events);
                for kind in events.drain(..) {
                    self.push(py, &out, kind, ts_init)?;
                }
                self.events = events;
            }
            Ok(out)
        })
    }

    /// Counters: `frames`, `bytes`, `decode_errors` ({channel: n}), `gaps`, `resyncs`, `events` (tuples made).
    fn stats<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        guard(|| {
            let counters = &self.counters;
            let out = PyDict::new(py);
            out.set_item("frames", counters.frames)?;
            out.set_item("bytes", counters.bytes)?;
            out.set_item("decode_errors", counters.decode_errors.clone())?;
            out.set_item("gaps", counters.gaps)?;
            out.set_item("resyncs", counters.resyncs)?;
            out.set_item("events", counters.events)?;
            Ok(out)
        })
    }
}

impl FrameDecoder {
    /// Counts `kind` and appends its tuple (when it makes one) to `out`.
    fn push(&mut self, py: Python<'_>, out: &Bound<'_, PyList>, kind: WsEventKind, ts_init: u64) -> PyResult<()> {
        match &kind {
            WsEventKind::DecodeError { channel, .. } => {
                *self.counters.decode_errors.entry(channel.clone()).or_default() += 1;
            }
            WsEventKind::Gap { .. } => self.counters.gaps += 1,
            WsEventKind::Resynced { .. } => self.counters.resyncs += 1,
            _ => {}
        }
        let event = WsEvent { connection: 0, received_ns: ts_init, kind };
        if let Some(item) = self.converter.batch_item(py, event)? {
            self.counters.events += 1;
            out.append(item)?;
        }
        Ok(())
    }
}
