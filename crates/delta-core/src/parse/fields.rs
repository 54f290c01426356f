//! Zero-copy access to the members of one JSON object: one pass collects `(key, raw value)` pairs borrowed
//! from the frame, then typed accessors convert only the values a decoder asks for, each failure naming
//! its field. `null` counts as absent everywhere.

use std::fmt;
use std::str::FromStr;

use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;
use serde_json::value::RawValue;

use super::book_message::RawLevel;
use super::error::ParseErrorKind;
use crate::decimal::{parse_json_number_text, unquote, Decimal};
use crate::wire::parse_timestamp;

/// Result of a field conversion.
pub(crate) type FieldResult<T> = Result<T, ParseErrorKind>;

/// The members of one JSON object, in wire order.
pub(crate) struct Fields<'a> {
    entries: Vec<(&'a str, &'a RawValue)>,
}

impl<'a> Fields<'a> {
    /// Reads a whole frame, which must be one JSON object.
    pub(crate) fn from_frame(frame: &'a [u8]) -> FieldResult<Self> {
        serde_json::from_slice(frame).map_err(|e| ParseErrorKind::Malformed(e.to_string()))
    }

    /// Reads a nested value, which must be an object.
    pub(crate) fn from_raw(raw: &'a RawValue, field: &'static str) -> FieldResult<Self> {
        serde_json::from_str(raw.get()).map_err(|e| ParseErrorKind::Malformed(format!("`{field}`: {e}")))
    }

    /// The raw value of `key`; `None` when absent or `null`.
    #[inline]
    pub(crate) fn raw(&self, key: &str) -> Option<&'a RawValue> {
        self.entries.iter().find(|(k, _)| *k == key).map(|(_, v)| *v).filter(|v| v.get() != "null")
    }

    /// True when `key` is present with a non-null value.
    pub(crate) fn has(&self, key: &str) -> bool {
        self.raw(key).is_some()
    }

    fn required(&self, key: &'static str) -> FieldResult<&'a RawValue> {
        self.raw(key).ok_or_else(|| ParseErrorKind::MissingField(key.to_owned()))
    }

    /// A required string without escapes (symbols, ids, enum text).
    pub(crate) fn str(&self, key: &'static str) -> FieldResult<&'a str> {
        string(self.required(key)?, key)
    }

    /// An optional string without escapes.
    pub(crate) fn opt_str(&self, key: &'static str) -> FieldResult<Option<&'a str>> {
        self.raw(key).map(|raw| string(raw, key)).transpose()
    }

    /// Free text (messages): the string content as sent; escape sequences are kept as written.
    pub(crate) fn opt_text(&self, key: &'static str) -> FieldResult<Option<&'a str>> {
        self.raw(key).map(|raw| text(raw, key)).transpose()
    }

    /// A required exact decimal, sent as a JSON string or number.
    pub(crate) fn decimal(&self, key: &'static str) -> FieldResult<Decimal> {
        decimal(self.required(key)?, key)
    }

    /// An optional exact decimal.
    pub(crate) fn opt_decimal(&self, key: &'static str) -> FieldResult<Option<Decimal>> {
        self.raw(key).map(|raw| decimal(raw, key)).transpose()
    }

    /// A required integer, sent as a JSON number or a string holding one.
    pub(crate) fn int<T: FromStr>(&self, key: &'static str) -> FieldResult<T> {
        int(self.required(key)?, key)
    }

    /// An optional integer.
    pub(crate) fn opt_int<T: FromStr>(&self, key: &'static str) -> FieldResult<Option<T>> {
        self.raw(key).map(|raw| int(raw, key)).transpose()
    }

    /// A required timestamp in µs (number, µs string or ISO-8601 text).
    pub(crate) fn micros(&self, key: &'static str) -> FieldResult<i64> {
        micros(self.required(key)?, key)
    }

    /// An optional timestamp in µs.
    pub(crate) fn opt_micros(&self, key: &'static str) -> FieldResult<Option<i64>> {
        self.raw(key).map(|raw| micros(raw, key)).transpose()
    }

    /// An optional boolean (`true` or `"true"`).
    pub(crate) fn opt_bool(&self, key: &'static str) -> FieldResult<Option<bool>> {
        self.raw(key).map(|raw| boolean(raw, key)).transpose()
    }

    /// A required enumerated string, mapped by `parse`; unknown text is a typed error.
    pub(crate) fn enumerated<T>(&self, key: &'static str, parse: impl Fn(&str) -> Option<T>) -> FieldResult<T> {
        enumerated(self.required(key)?, key, parse)
    }

    /// An optional enumerated string.
    pub(crate) fn opt_enumerated<T>(
        &self,
        key: &'static str,
        parse: impl Fn(&str) -> Option<T>,
    ) -> FieldResult<Option<T>> {
        self.raw(key).map(|raw| enumerated(raw, key, parse)).transpose()
    }

    /// A required nested object.
    pub(crate) fn object(&self, key: &'static str) -> FieldResult<Fields<'a>> {
        Fields::from_raw(self.required(key)?, key)
    }

    /// The elements of a required array.
    pub(crate) fn array(&self, key: &'static str) -> FieldResult<Vec<&'a RawValue>> {
        serde_json::from_str(self.required(key)?.get()).map_err(|e| ParseErrorKind::Malformed(format!("`{key}`: {e}")))
    }

    /// The first `N` elements of an optional positional array (`[ask, ask_size, ...]`); missing or `null`
    /// elements are `None`, extra elements are ignored.
    pub(crate) fn positional<const N: usize>(
        &self,
        key: &'static str,
    ) -> FieldResult<Option<[Option<&'a RawValue>; N]>> {
        let Some(raw) = self.raw(key) else { return Ok(None) };
        let mut deserializer = serde_json::Deserializer::from_str(raw.get());
        Positional::<N>
            .deserialize(&mut deserializer)
            .map(Some)
            .map_err(|e| ParseErrorKind::Malformed(format!("`{key}`: {e}")))
    }

    /// Order-book levels `[[price, size], ...]` of a required field, borrowed from the frame.
    pub(crate) fn levels(&self, key: &'static str) -> FieldResult<Vec<RawLevel<'a>>> {
        levels(self.required(key)?.get(), key)
    }
}

/// A string value without escapes.
pub(crate) fn string<'a>(raw: &'a RawValue, field: &'static str) -> FieldResult<&'a str> {
    let text = raw.get();
    text.strip_prefix('"')
        .and_then(|t| t.strip_suffix('"'))
        .filter(|t| !t.contains('\\'))
        .ok_or_else(|| ParseErrorKind::Malformed(format!("`{field}`: expected a plain string, got {}", clip(text))))
}

/// A scalar token's text: a string's content (no escapes) or a number's digits, as sent.
pub(crate) fn scalar<'a>(raw: &'a RawValue, field: &'static str) -> FieldResult<&'a str> {
    match raw.get().as_bytes().first() {
        Some(b'-' | b'0'..=b'9') => Ok(raw.get()),
        _ => string(raw, field),
    }
}

/// A string value's content as written (escape sequences kept).
fn text<'a>(raw: &'a RawValue, field: &'static str) -> FieldResult<&'a str> {
    let text = raw.get();
    text.strip_prefix('"')
        .and_then(|t| t.strip_suffix('"'))
        .ok_or_else(|| ParseErrorKind::Malformed(format!("`{field}`: expected a string, got {}", clip(text))))
}

/// An exact decimal from a JSON number or string.
pub(crate) fn decimal(raw: &RawValue, field: &'static str) -> FieldResult<Decimal> {
    parse_json_number_text(raw.get()).map_err(|_| invalid_number(raw, field))
}

/// An optional positional element as a decimal.
pub(crate) fn opt_decimal(raw: Option<&RawValue>, field: &'static str) -> FieldResult<Option<Decimal>> {
    raw.filter(|r| r.get() != "null").map(|r| decimal(r, field)).transpose()
}

/// An integer from a JSON number or string.
pub(crate) fn int<T: FromStr>(raw: &RawValue, field: &'static str) -> FieldResult<T> {
    unquote(raw.get()).and_then(|t| t.parse().ok()).ok_or_else(|| invalid_number(raw, field))
}

/// A µs timestamp in any of Delta's forms.
pub(crate) fn micros(raw: &RawValue, field: &'static str) -> FieldResult<i64> {
    parse_timestamp(raw.get()).map_err(|_| invalid_number(raw, field))
}

fn boolean(raw: &RawValue, field: &'static str) -> FieldResult<bool> {
    match raw.get() {
        "true" | "\"true\"" => Ok(true),
        "false" | "\"false\"" => Ok(false),
        other => Err(ParseErrorKind::UnknownEnumValue { field, value: clip(other).to_owned() }),
    }
}

/// An enumerated string mapped by `parse`.
pub(crate) fn enumerated<T>(raw: &RawValue, field: &'static str, parse: impl Fn(&str) -> Option<T>) -> FieldResult<T> {
    let value = string(raw, field)?;
    parse(value).ok_or_else(|| ParseErrorKind::UnknownEnumValue { field, value: clip(value).to_owned() })
}

fn invalid_number(raw: &RawValue, field: &'static str) -> ParseErrorKind {
    ParseErrorKind::InvalidNumber { field, value: clip(raw.get()).to_owned() }
}

/// The first 40 characters of a value, for error messages.
fn clip(text: &str) -> &str {
    let end = text.char_indices().nth(40).map_or(text.len(), |(i, _)| i);
    &text[..end]
}

/// Parses `[[price, size], ...]` (whitespace allowed; prices and sizes as strings or numbers) straight
/// from the already validated JSON text, without allocating per level.
fn levels<'a>(text: &'a str, field: &'static str) -> FieldResult<Vec<RawLevel<'a>>> {
    let mut cursor = Cursor { bytes: text.as_bytes(), text, pos: 0, field };
    let mut out = Vec::with_capacity(text.len() / 16 + 1);
    cursor.expect(b'[')?;
    if cursor.peek() == Some(b']') {
        return Ok(out);
    }
    loop {
        cursor.expect(b'[')?;
        let price = cursor.scalar()?;
        cursor.expect(b',')?;
        let size = cursor.scalar()?;
        cursor.expect(b']')?;
        out.push(RawLevel { price, size });
        match cursor.next_byte() {
            Some(b',') => continue,
            Some(b']') => return Ok(out),
            _ => return Err(cursor.error()),
        }
    }
}

/// A byte cursor over validated JSON text.
struct Cursor<'a> {
    bytes: &'a [u8],
    text: &'a str,
    pos: usize,
    field: &'static str,
}

impl<'a> Cursor<'a> {
    fn skip_ws(&mut self) {
        while matches!(self.bytes.get(self.pos), Some(b' ' | b'\n' | b'\r' | b'\t')) {
            self.pos += 1;
        }
    }

    fn peek(&mut self) -> Option<u8> {
        self.skip_ws();
        self.bytes.get(self.pos).copied()
    }

    fn next_byte(&mut self) -> Option<u8> {
        let byte = self.peek()?;
        self.pos += 1;
        Some(byte)
    }

    fn expect(&mut self, byte: u8) -> FieldResult<()> {
        if self.next_byte() == Some(byte) {
            Ok(())
        } else {
            Err(self.error())
        }
    }

    /// A string without escapes (its content) or a number (its text).
    fn scalar(&mut self) -> FieldResult<&'a str> {
        let start = match self.peek() {
            Some(b'"') => self.pos + 1,
            Some(b'-' | b'0'..=b'9') => {
                let start = self.pos;
                while matches!(self.bytes.get(self.pos), Some(b'-' | b'+' | b'.' | b'e' | b'E' | b'0'..=b'9')) {
                    self.pos += 1;
                }
                return self.text.get(start..self.pos).ok_or_else(|| self.error());
            }
            _ => return Err(self.error()),
        };
        let length = self.bytes[start..].iter().position(|b| *b == b'"' || *b == b'\\').ok_or_else(|| self.error())?;
        if self.bytes[start + length] != b'"' {
            return Err(self.error());
        }
        self.pos = start + length + 1;
        self.text.get(start..start + length).ok_or_else(|| self.error())
    }

    fn error(&self) -> ParseErrorKind {
        ParseErrorKind::Malformed(format!(
            "`{}`: expected [[price, size], ...] at byte {}: {}",
            self.field,
            self.pos,
            clip(self.text.get(self.pos.min(self.text.len())..).unwrap_or_default())
        ))
    }
}

impl<'de> Deserialize<'de> for Fields<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_map(FieldsVisitor)
    }
}

struct FieldsVisitor;

impl<'de> Visitor<'de> for FieldsVisitor {
    type Value = Fields<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON object")
    }

    fn visit_map<M: MapAccess<'de>>(self, mut map: M) -> Result<Self::Value, M::Error> {
        let mut entries = Vec::with_capacity(map.size_hint().unwrap_or(16));
        while let Some(key) = map.next_key_seed(KeySeed)? {
            let value: &'de RawValue = map.next_value()?;
            if let Some(key) = key {
                entries.push((key, value));
            }
        }
        Ok(Fields { entries })
    }
}

/// Borrows a key; a key with escape sequences cannot be one a decoder asks for and is skipped (`None`).
struct KeySeed;

impl<'de> DeserializeSeed<'de> for KeySeed {
    type Value = Option<&'de str>;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_str(self)
    }
}

impl<'de> Visitor<'de> for KeySeed {
    type Value = Option<&'de str>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an object key")
    }

    fn visit_borrowed_str<E: de::Error>(self, key: &'de str) -> Result<Self::Value, E> {
        Ok(Some(key))
    }

    fn visit_str<E: de::Error>(self, _key: &str) -> Result<Self::Value, E> {
        Ok(None)
    }
}

/// Collects the first `N` elements of an array as raw values.
struct Positional<const N: usize>;

impl<'de, const N: usize> DeserializeSeed<'de> for Positional<N> {
    type Value = [Option<&'de RawValue>; N];

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_seq(self)
    }
}

impl<'de, const N: usize> Visitor<'de> for Positional<N> {
    type Value = [Option<&'de RawValue>; N];

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON array")
    }

    fn visit_seq<S: SeqAccess<'de>>(self, mut seq: S) -> Result<Self::Value, S::Error> {
        let mut out = [None; N];
        let mut index = 0;
        while let Some(value) = seq.next_element::<&'de RawValue>()? {
            if let Some(slot) = out.get_mut(index) {
                *slot = Some(value).filter(|v| v.get() != "null");
            }
            index += 1;
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levels_accept_strings_numbers_and_whitespace() {
        let parsed = levels(r#"[ ["1.5", "10"] , [2, 3.25e1] ]"#, "a").unwrap();
        assert_eq!(parsed, vec![RawLevel { price: "1.5", size: "10" }, RawLevel { price: "2", size: "3.25e1" }]);
        assert!(levels("[]", "a").unwrap().is_empty());
        for bad in [
            r#"[["1"]]"#,
            r#"[["1","2","3"]]"#,
            r#"[["1\"","2"]]"#,
            r#"{"a":1}"#,
            r#"[[true,"1"]]"#,
            "[",
            r#"[["1","2"]"#,
        ] {
            assert!(matches!(levels(bad, "a"), Err(ParseErrorKind::Malformed(_))), "{bad}");
        }
    }

    #[test]
    fn accessors_name_the_field() {
        let frame = br#"{"p":"1.5","n":null,"i":"27","x":"abc","s":"a\"b","e":"zz","arr":[1,null]}"#;
        let fields = Fields::from_frame(frame).unwrap();
        assert_eq!(fields.decimal("p").unwrap(), Decimal::parse("1.5").unwrap());
        assert_eq!(fields.opt_decimal("n").unwrap(), None);
        assert_eq!(fields.decimal("n"), Err(ParseErrorKind::MissingField("n".into())));
        assert_eq!(fields.int::<u64>("i").unwrap(), 27);
        assert!(matches!(fields.int::<u64>("x"), Err(ParseErrorKind::InvalidNumber { field: "x", .. })));
        assert!(matches!(fields.decimal("x"), Err(ParseErrorKind::InvalidNumber { field: "x", .. })));
        assert!(matches!(fields.str("s"), Err(ParseErrorKind::Malformed(_))));
        assert_eq!(fields.opt_text("s").unwrap(), Some(r#"a\"b"#));
        let unknown = fields.enumerated("e", |t| (t == "ok").then_some(())).unwrap_err();
        assert_eq!(unknown, ParseErrorKind::UnknownEnumValue { field: "e", value: "zz".into() });
        let [a, b, c] = fields.positional::<3>("arr").unwrap().unwrap();
        assert_eq!((a.map(RawValue::get), b.is_none(), c.is_none()), (Some("1"), true, true));
        assert!(Fields::from_frame(b"[1]").is_err());
        assert!(Fields::from_frame(b"{\"a\":").is_err());
    }
}
