//! Field-level serde helpers for Delta's wire quirks that `wire` does not cover: flags and integers
//! written as JSON strings, ids that arrive as strings or numbers, keys whose absence differs from
//! `null`, and objects sent as `{}` when empty.

use std::fmt;

use serde::de::{DeserializeOwned, Error as _};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::value::RawValue;

/// Serializes a flag as the JSON string `"true"` / `"false"` (request flags, `close_on_trigger`).
/// Pair with `wire::flag`, which also reads JSON booleans.
pub fn flag_text<S: Serializer>(value: &bool, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(if *value { "true" } else { "false" })
}

/// Like [`flag_text`] for optional flags; `None` is written as `null` unless the field is skipped.
pub fn opt_flag_text<S: Serializer>(value: &Option<bool>, serializer: S) -> Result<S::Ok, S::Error> {
    match value {
        Some(flag) => flag_text(flag, serializer),
        None => serializer.serialize_none(),
    }
}

/// Serializes an integer as a JSON string of digits (`"5000"`). Pair with `wire::int`.
pub fn int_text<S: Serializer, T: fmt::Display>(value: &T, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.collect_str(value)
}

/// Reads an identifier sent as a JSON string or a JSON number (`"884201111"` or `884201111`) into text.
pub fn id_text<'de, D: Deserializer<'de>>(deserializer: D) -> Result<String, D::Error> {
    let raw = <&RawValue>::deserialize(deserializer)?;
    raw_id_text(raw.get()).map_err(D::Error::custom)
}

fn raw_id_text(raw: &str) -> Result<String, String> {
    let is_number = raw.bytes().all(|b| b.is_ascii_digit() || b == b'-');
    if is_number && !raw.is_empty() {
        return Ok(raw.to_owned());
    }
    if raw.starts_with('"') {
        return serde_json::from_str::<String>(raw).map_err(|e| e.to_string());
    }
    Err(format!("expected an id (string or integer), got {}", raw.chars().take(40).collect::<String>()))
}

/// Reads a key that may be absent or `null`: absent stays `None` (with `#[serde(default)]`), `null`
/// becomes `Some(None)`, so serializing with `skip_serializing_if = "Option::is_none"` restores
/// exactly the keys that were sent.
pub fn present<'de, D, T>(deserializer: D) -> Result<Option<Option<T>>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(deserializer).map(Some)
}

/// Reads an object that Delta sends as `{}` (or `null`) when it has no content: both become `None`.
pub fn empty_object_as_none<'de, D, T>(deserializer: D) -> Result<Option<T>, D::Error>
where
    D: Deserializer<'de>,
    T: DeserializeOwned,
{
    let raw = <Option<&RawValue>>::deserialize(deserializer)?;
    match raw.map(RawValue::get) {
        None | Some("null") => Ok(None),
        Some(text) if is_empty_object(text) => Ok(None),
        Some(text) => serde_json::from_str(text).map(Some).map_err(D::Error::custom),
    }
}

/// Writes `None` as `{}` (the counterpart of [`empty_object_as_none`]).
pub fn none_as_empty_object<S, T>(value: &Option<T>, serializer: S) -> Result<S::Ok, S::Error>
where
    S: Serializer,
    T: Serialize,
{
    match value {
        Some(inner) => inner.serialize(serializer),
        None => serde::ser::SerializeMap::end(serializer.serialize_map(Some(0))?),
    }
}

fn is_empty_object(text: &str) -> bool {
    text.strip_prefix('{').and_then(|rest| rest.strip_suffix('}')).is_some_and(|inner| inner.trim().is_empty())
}

#[cfg(test)]
mod tests {
    use serde::{Deserialize, Serialize};

    use super::*;

    #[derive(Debug, PartialEq, Serialize, Deserialize)]
    struct Fields {
        #[serde(serialize_with = "flag_text", deserialize_with = "crate::wire::flag")]
        flag: bool,
        #[serde(default, serialize_with = "opt_flag_text", deserialize_with = "crate::wire::opt_flag")]
        maybe: Option<bool>,
        #[serde(serialize_with = "int_text", deserialize_with = "crate::wire::int")]
        millis: u64,
        #[serde(deserialize_with = "id_text")]
        id: String,
        #[serde(default, skip_serializing_if = "Option::is_none", deserialize_with = "present")]
        nullable: Option<Option<u32>>,
        #[serde(default, deserialize_with = "empty_object_as_none", serialize_with = "none_as_empty_object")]
        inner: Option<Inner>,
    }

    #[derive(Debug, PartialEq, Serialize, Deserialize)]
    struct Inner {
        x: u32,
    }

    #[test]
    fn text_forms_round_trip() {
        let text = r#"{"flag":true,"maybe":null,"millis":5000,"id":42,"nullable":null,"inner":{ }}"#;
        let fields: Fields = serde_json::from_str(text).unwrap();
        assert_eq!(
            fields,
            Fields { flag: true, maybe: None, millis: 5000, id: "42".into(), nullable: Some(None), inner: None }
        );
        assert_eq!(
            serde_json::to_string(&fields).unwrap(),
            r#"{"flag":"true","maybe":null,"millis":"5000","id":"42","nullable":null,"inner":{}}"#
        );
    }

    #[test]
    fn absent_and_present_values() {
        let text = r#"{"flag":"false","maybe":"true","millis":"7","id":"e7ff05c2","inner":{"x":1},"nullable":3}"#;
        let fields: Fields = serde_json::from_str(text).unwrap();
        assert_eq!((fields.maybe, fields.nullable, fields.inner), (Some(true), Some(Some(3)), Some(Inner { x: 1 })));
        let absent: Fields = serde_json::from_str(r#"{"flag":false,"millis":1,"id":"a"}"#).unwrap();
        assert_eq!((&absent.nullable, &absent.inner), (&None, &None));
        assert!(!serde_json::to_string(&absent).unwrap().contains("nullable"));
    }

    #[test]
    fn ids_reject_other_types() {
        for bad in [r#"{"flag":true,"millis":1,"id":1.5}"#, r#"{"flag":true,"millis":1,"id":[1]}"#] {
            assert!(serde_json::from_str::<Fields>(bad).is_err(), "{bad}");
        }
    }
}
