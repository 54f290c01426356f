//! Python request dicts → delta-core request structs.
//!
//! A dict is written as JSON text by a small writer (so delta-core's exact-number readers see the text:
//! `serde_json::from_str`, never `from_value`), its keys are checked against the struct's serde field names
//! (read from the derived `Deserialize` itself), and the struct's local validation runs before anything is
//! sent. Every refusal is a `ValueError` naming the field. Numbers are exact: decimal fields take `str` or
//! `int`; a `float` anywhere is refused.

use delta_core::model::{
    BatchCancelItem, BatchCancelRequest, BatchCreateItem, BatchCreateRequest, BatchEditItem, BatchEditRequest,
    BracketEditRequest, BracketLeg, BracketOrderRequest, CancelAfterRequest, CancelAllRequest, CancelOrderRequest,
    CreateOrderRequest, EditOrderRequest, HeartbeatAckRequest, HeartbeatConfig, HeartbeatCreateRequest,
    MmpResetRequest, MmpUpdateRequest,
};
use delta_core::{Decimal, DeltaError, DeltaResult};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyDict, PyFloat, PyInt, PyList, PyString, PyTuple};
use serde::de::{self, DeserializeOwned, Visitor};
use serde::forward_to_deserialize_any;

/// The serde field names of a struct: its derived `Deserialize` hands them to `deserialize_struct`.
fn field_names<T: DeserializeOwned>() -> &'static [&'static str] {
    let mut probe = FieldProbe(&[]);
    // The probe always fails after recording the names; the error carries nothing.
    let _ = T::deserialize(&mut probe);
    probe.0
}

/// A deserializer that only records the field list of the struct asked for.
struct FieldProbe(&'static [&'static str]);

impl<'de> de::Deserializer<'de> for &mut FieldProbe {
    type Error = de::value::Error;

    fn deserialize_any<V: Visitor<'de>>(self, _visitor: V) -> Result<V::Value, Self::Error> {
        Err(de::Error::custom("not a struct"))
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        fields: &'static [&'static str],
        _visitor: V,
    ) -> Result<V::Value, Self::Error> {
        self.0 = fields;
        Err(de::Error::custom("field names recorded"))
    }

    forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf option unit
        unit_struct newtype_struct seq tuple tuple_struct map enum identifier ignored_any
    }
}

/// A request type accepted from Python: its struct, the structs nested under some of its keys (a dict or a
/// list of dicts), and its local validation.
pub trait Request: DeserializeOwned {
    /// The name used in messages (the Python method).
    const NAME: &'static str;

    /// `(key, field names of the struct under it)` for nested structs.
    fn nested() -> Vec<(&'static str, &'static [&'static str])> {
        Vec::new()
    }

    /// Delta's rules checked before sending.
    fn validate(&self) -> DeltaResult<()>;
}

macro_rules! request {
    ($type:ty, $name:literal, validate) => {
        request!($type, $name, |r: &$type| r.validate(), []);
    };
    ($type:ty, $name:literal, validate, [$(($key:literal, $item:ty)),*]) => {
        request!($type, $name, |r: &$type| r.validate(), [$(($key, $item)),*]);
    };
    ($type:ty, $name:literal, $validate:expr, [$(($key:literal, $item:ty)),*]) => {
        impl Request for $type {
            const NAME: &'static str = $name;

            fn nested() -> Vec<(&'static str, &'static [&'static str])> {
                vec![$(($key, field_names::<$item>())),*]
            }

            fn validate(&self) -> DeltaResult<()> {
                ($validate)(self)
            }
        }
    };
}

request!(CreateOrderRequest, "place_order", validate);
request!(EditOrderRequest, "edit_order", validate);
request!(CancelOrderRequest, "cancel_order", validate);
request!(CancelAllRequest, "cancel_all_orders", |_: &CancelAllRequest| Ok(()), []);
request!(BatchCreateRequest, "batch_create_orders", validate, [("orders", BatchCreateItem)]);
request!(BatchEditRequest, "batch_edit_orders", validate, [("orders", BatchEditItem)]);
request!(BatchCancelRequest, "batch_cancel_orders", validate, [("orders", BatchCancelItem)]);
request!(
    BracketOrderRequest,
    "create_bracket",
    validate,
    [("stop_loss_order", BracketLeg), ("take_profit_order", BracketLeg)]
);
request!(BracketEditRequest, "edit_bracket", validate);
request!(MmpUpdateRequest, "update_mmp", validate);
request!(MmpResetRequest, "reset_mmp", validate);
request!(HeartbeatCreateRequest, "create_heartbeat", validate, [("config", HeartbeatConfig)]);
request!(HeartbeatAckRequest, "ack_heartbeat", validate);
request!(CancelAfterRequest, "cancel_after", |_: &CancelAfterRequest| Ok(()), []);

/// Converts a request dict into `T`, refusing unknown keys, floats, values of the wrong shape and requests
/// Delta's rules refuse, each with a `ValueError` naming the field.
pub fn from_dict<T: Request>(request: &Bound<'_, PyAny>) -> PyResult<T> {
    let dict = request
        .cast::<PyDict>()
        .map_err(|_| PyValueError::new_err(format!("the {} request must be a dict", T::NAME)))?;
    let mut unknown = Vec::new();
    unknown_keys(dict, field_names::<T>(), "", &mut unknown)?;
    for (key, fields) in T::nested() {
        let Some(value) = dict.get_item(key)? else { continue };
        if let Ok(inner) = value.cast::<PyDict>() {
            unknown_keys(inner, fields, key, &mut unknown)?;
        } else if let Ok(items) = value.cast::<PyList>() {
            for (index, item) in items.iter().enumerate() {
                if let Ok(inner) = item.cast::<PyDict>() {
                    unknown_keys(inner, fields, &format!("{key}[{index}]"), &mut unknown)?;
                }
            }
        }
    }
    if !unknown.is_empty() {
        return Err(PyValueError::new_err(format!(
            "unknown key(s) in the {} request: {}",
            T::NAME,
            unknown.join("; ")
        )));
    }
    let mut json = Json::default();
    json.value(request, "")?;
    let parsed: T = serde_json::from_str(&json.text).map_err(|error| json.refusal(T::NAME, &error))?;
    parsed.validate().map_err(|error| invalid(T::NAME, error))?;
    Ok(parsed)
}

/// A decimal argument given as `str` or `int` (a `float` is refused: it is not exact).
pub fn decimal_arg(name: &str, value: &Bound<'_, PyAny>) -> PyResult<Decimal> {
    let text = if value.is_instance_of::<PyString>() || (value.is_instance_of::<PyInt>() && !is_bool(value)) {
        value.str()?.to_string()
    } else {
        return Err(PyValueError::new_err(format!(
            "{name} must be a str or an int (exact decimal text such as \"20\"), not {}",
            value.get_type().name()?
        )));
    };
    text.parse().map_err(|error| PyValueError::new_err(format!("{name}: {text:?} is not a decimal: {error}")))
}

/// The `ValueError` of a request refused by Delta's local rules (other errors keep their mapping).
fn invalid(name: &str, error: DeltaError) -> PyErr {
    match error {
        DeltaError::InvalidRequest(message) => PyValueError::new_err(format!("invalid {name} request: {message}")),
        other => crate::errors::to_py(other),
    }
}

fn is_bool(value: &Bound<'_, PyAny>) -> bool {
    value.is_instance_of::<PyBool>()
}

/// Appends `"<where>'a', 'b' (known keys: ...)"` when `dict` has keys outside `fields`.
fn unknown_keys(dict: &Bound<'_, PyDict>, fields: &[&str], prefix: &str, unknown: &mut Vec<String>) -> PyResult<()> {
    let mut names = Vec::new();
    for key in dict.keys() {
        let name = key.str()?.to_string();
        if !fields.contains(&name.as_str()) {
            names.push(format!("'{name}'"));
        }
    }
    if !names.is_empty() {
        let at = if prefix.is_empty() { String::new() } else { format!("{prefix}: ") };
        unknown.push(format!("{at}{} (known keys: {})", names.join(", "), fields.join(", ")));
    }
    Ok(())
}

/// JSON text of a request plus the byte range of each field's value, so a decode error's column can be traced
/// back to its field.
#[derive(Default)]
struct Json {
    text: String,
    fields: Vec<Span>,
}

/// Where the value of `path` is in the text: `start..end` (bytes).
struct Span {
    start: usize,
    end: usize,
    path: String,
}

impl Json {
    fn value(&mut self, value: &Bound<'_, PyAny>, path: &str) -> PyResult<()> {
        if value.is_none() {
            self.text.push_str("null");
        } else if is_bool(value) {
            self.text.push_str(if value.is_truthy()? { "true" } else { "false" });
        } else if value.is_instance_of::<PyInt>() {
            self.text.push_str(&value.str()?.to_string());
        } else if value.is_instance_of::<PyFloat>() {
            return Err(PyValueError::new_err(format!(
                "{}: floats are refused (not exact); pass the number as a str, e.g. \"{}\"",
                display_path(path),
                value.str()?
            )));
        } else if let Ok(text) = value.cast::<PyString>() {
            self.string(text.to_str()?);
        } else if let Ok(dict) = value.cast::<PyDict>() {
            self.text.push('{');
            for (index, (key, item)) in dict.iter().enumerate() {
                let key = key
                    .cast_into::<PyString>()
                    .map_err(|_| PyValueError::new_err(format!("{}: dict keys must be str", display_path(path))))?;
                let key = key.to_str()?;
                if index > 0 {
                    self.text.push(',');
                }
                self.string(key);
                self.text.push(':');
                let child = if path.is_empty() { key.to_owned() } else { format!("{path}.{key}") };
                self.child(&item, child)?;
            }
            self.text.push('}');
        } else if value.is_instance_of::<PyList>() || value.is_instance_of::<PyTuple>() {
            self.text.push('[');
            for (index, item) in value.try_iter()?.enumerate() {
                if index > 0 {
                    self.text.push(',');
                }
                self.child(&item?, format!("{path}[{index}]"))?;
            }
            self.text.push(']');
        } else {
            return Err(PyValueError::new_err(format!(
                "{}: unsupported value of type {} (use str, int, bool, None, list or dict)",
                display_path(path),
                value.get_type().name()?
            )));
        }
        Ok(())
    }

    fn child(&mut self, value: &Bound<'_, PyAny>, path: String) -> PyResult<()> {
        let start = self.text.len();
        self.value(value, &path)?;
        self.fields.push(Span { start, end: self.text.len(), path });
        Ok(())
    }

    fn string(&mut self, text: &str) {
        // Serializing a str to JSON cannot fail.
        self.text.push_str(&serde_json::to_string(text).unwrap_or_default());
    }

    /// The `ValueError` of a request that does not decode, naming the innermost field whose value holds the
    /// error's position. serde_json reports the column of the last character it read: the one before a value it
    /// refuses on sight, the value's last character, or the one after it (for the exact-number readers, which
    /// take the raw value first). A missing field is named by serde_json itself at the closing brace of the
    /// object that lacks it, so the object (not its last field) is named.
    fn refusal(&self, name: &str, error: &serde_json::Error) -> PyErr {
        let message = error.to_string();
        let message = message.rsplit_once(" at line ").map_or(message.as_str(), |(head, _)| head);
        let position = error.column().saturating_sub(1);
        let past_end = usize::from(!message.starts_with("missing field"));
        let field = self
            .fields
            .iter()
            .filter(|span| span.start <= position + 1 && position < span.end + past_end)
            .max_by_key(|span| span.start)
            .map(|span| span.path.as_str());
        match field {
            Some(field) if error.classify() == serde_json::error::Category::Data => {
                PyValueError::new_err(format!("invalid {name} request: field {field:?}: {message}"))
            }
            _ => PyValueError::new_err(format!("invalid {name} request: {message}")),
        }
    }
}

fn display_path(path: &str) -> String {
    if path.is_empty() {
        "the request".to_owned()
    } else {
        format!("field {path:?}")
    }
}
