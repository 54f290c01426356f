//! Hands typed delta-core values to Python as plain dicts and lists in Delta's field names.
//!
//! A model is serialized to JSON by its own `Serialize` (decimals as strings, wire names) and read back with
//! Python's `json.loads(text, parse_float=str)`, so a number written with a fraction or an exponent arrives as
//! its exact text, never as a float.

use pyo3::prelude::*;
use pyo3::types::PyDict;
use serde::Serialize;

use crate::errors::decode_error;

/// JSON text → Python objects, non-integer numbers as their exact text.
pub fn json_to_py<'py>(py: Python<'py>, text: &str) -> PyResult<Bound<'py, PyAny>> {
    let json = py.import("json")?;
    let kwargs = PyDict::new(py);
    kwargs.set_item("parse_float", py.get_type::<pyo3::types::PyString>())?;
    json.call_method("loads", (text,), Some(&kwargs))
}

/// A serializable value as JSON text; failing only on a model bug, reported as a decode error.
pub fn to_json<T: Serialize>(value: &T) -> PyResult<String> {
    serde_json::to_string(value).map_err(|e| decode_error(format!("cannot serialize the result: {e}")))
}

/// A serializable value as a Python object (acquires the GIL).
pub fn model_to_py<T: Serialize>(value: &T) -> PyResult<Py<PyAny>> {
    let text = to_json(value)?;
    Python::attach(|py| json_to_py(py, &text).map(Bound::unbind))
}
