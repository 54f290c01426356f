//! Zero-copy access to the members of one JSON object: one validating pass of the [`Scanner`] collects
//! `(key, raw value)` pairs borrowed from the frame (and reads arrays shaped like book levels into
//! [`RawLevel`]s on the way), then typed accessors convert only the values a decoder asks for, each failure
//! naming its field. `null` counts as absent everywhere.

use std::str::FromStr;

use super::book_message::RawLevel;
use super::error::ParseErrorKind;
use super::scan::{ScanResult, Scanner, Stop};
use crate::decimal::{parse_json_number_text, unquote, Decimal};
use crate::wire::parse_timestamp;

/// Result of a field conversion.
pub(crate) type FieldResult<T> = Result<T, ParseErrorKind>;

/// One member of an object.
struct Entry<'a> {
    key: &'a str,
    /// The value's JSON text, without surrounding whitespace.
    raw: &'a str,
    /// The value read as book levels during the scan, when it has that shape (taken by [`Fields::levels`]).
    levels: Option<Vec<RawLevel<'a>>>,
}

/// The members of one JSON object, in wire order.
pub(crate) struct Fields<'a> {
    entries: Vec<Entry<'a>>,
}

/// Members reserved up front: enough for every compact channel.
const ENTRIES_RESERVE: usize = 16;

impl<'a> Fields<'a> {
    /// Reads a whole frame, which must be one JSON object.
    pub(crate) fn from_frame(frame: &'a [u8]) -> FieldResult<Self> {
        let text = std::str::from_utf8(frame).map_err(|e| ParseErrorKind::Malformed(e.to_string()))?;
        let mut scanner = Scanner::new(text);
        Self::read(&mut scanner).and_then(|fields| scanner.end().map(|()| fields)).map_err(|Stop| scanner.error())
    }

    /// Reads a nested value, which must be an object.
    pub(crate) fn from_raw(raw: &'a str, field: &'static str) -> FieldResult<Self> {
        let mut scanner = Scanner::new(raw);
        Self::read(&mut scanner)
            .and_then(|fields| scanner.end().map(|()| fields))
            .map_err(|Stop| in_field(scanner.error(), field))
    }

    /// Reads the object at the scanner's position.
    fn read(scanner: &mut Scanner<'a>) -> ScanResult<Self> {
        let mut entries = Vec::with_capacity(ENTRIES_RESERVE);
        scanner.object(|scanner, key| {
            let (raw, levels) = scanner.value_or_levels()?;
            if let Some(key) = key {
                entries.push(Entry { key, raw, levels });
            }
            Ok(())
        })?;
        Ok(Fields { entries })
    }

    fn entry(&self, key: &str) -> Option<&Entry<'a>> {
        self.entries.iter().find(|entry| same_key(entry.key, key)).filter(|entry| entry.raw != "null")
    }

    /// The raw JSON text of `key`; `None` when absent or `null`.
    #[inline]
    pub(crate) fn raw(&self, key: &str) -> Option<&'a str> {
        self.entry(key).map(|entry| entry.raw)
    }

    /// True when `key` is present with a non-null value.
    pub(crate) fn has(&self, key: &str) -> bool {
        self.raw(key).is_some()
    }

    fn required(&self, key: &'static str) -> FieldResult<&'a str> {
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
    pub(crate) fn int<T: FromStr + TryFrom<u64>>(&self, key: &'static str) -> FieldResult<T> {
        int(self.required(key)?, key)
    }

    /// An optional integer.
    pub(crate) fn opt_int<T: FromStr + TryFrom<u64>>(&self, key: &'static str) -> FieldResult<Option<T>> {
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

    /// The elements of a required array, as raw JSON text.
    pub(crate) fn array(&self, key: &'static str) -> FieldResult<Vec<&'a str>> {
        let mut scanner = Scanner::new(self.required(key)?);
        let mut elements = Vec::new();
        scanner
            .array(|scanner| scanner.value().map(|element| elements.push(element)))
            .and_then(|()| scanner.end())
            .map_err(|Stop| in_field(scanner.error(), key))?;
        Ok(elements)
    }

    /// Calls `element` with each element of a required array of objects, read straight from the array text,
    /// in order; the first error stops the walk.
    pub(crate) fn each_object(
        &self,
        key: &'static str,
        mut element: impl FnMut(&Fields<'a>) -> FieldResult<()>,
    ) -> FieldResult<()> {
        let mut scanner = Scanner::new(self.required(key)?);
        let mut failure = None;
        let scanned = scanner
            .array(|scanner| {
                let fields = Fields::read(scanner)?;
                element(&fields).map_err(|kind| {
                    failure = Some(kind);
                    Stop
                })
            })
            .and_then(|()| scanner.end());
        match (scanned, failure) {
            (Ok(()), _) => Ok(()),
            (Err(Stop), Some(kind)) => Err(kind),
            (Err(Stop), None) => Err(in_field(scanner.error(), key)),
        }
    }

    /// The first `N` elements of an optional positional array (`[ask, ask_size, ...]`); missing or `null`
    /// elements are `None`, extra elements are ignored.
    pub(crate) fn positional<const N: usize>(&self, key: &'static str) -> FieldResult<Option<[Option<&'a str>; N]>> {
        let Some(raw) = self.raw(key) else { return Ok(None) };
        let mut scanner = Scanner::new(raw);
        let mut out = [None; N];
        let mut index = 0;
        scanner
            .array(|scanner| {
                let element = scanner.value()?;
                if let Some(slot) = out.get_mut(index) {
                    *slot = Some(element).filter(|e| *e != "null");
                }
                index += 1;
                Ok(())
            })
            .and_then(|()| scanner.end())
            .map_err(|Stop| in_field(scanner.error(), key))?;
        Ok(Some(out))
    }

    /// Order-book levels `[[price, size], ...]` of a required field, borrowed from the frame; the levels
    /// read during the scan are handed over without a second pass.
    pub(crate) fn levels(&mut self, key: &'static str) -> FieldResult<Vec<RawLevel<'a>>> {
        let entry = self
            .entries
            .iter_mut()
            .find(|entry| same_key(entry.key, key))
            .filter(|entry| entry.raw != "null")
            .ok_or_else(|| ParseErrorKind::MissingField(key.to_owned()))?;
        match entry.levels.take() {
            Some(levels) => Ok(levels),
            None => levels(entry.raw, key),
        }
    }
}

/// Key equality without a library call: keys are a few bytes, and most differ in length or first byte.
#[inline(always)]
fn same_key(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.bytes().zip(b.bytes()).all(|(x, y)| x == y)
}

/// Prefixes a nested value's error with its field.
fn in_field(kind: ParseErrorKind, field: &'static str) -> ParseErrorKind {
    match kind {
        ParseErrorKind::Malformed(message) => ParseErrorKind::Malformed(format!("`{field}`: {message}")),
        other => other,
    }
}

/// A string value without escapes.
pub(crate) fn string<'a>(raw: &'a str, field: &'static str) -> FieldResult<&'a str> {
    raw.strip_prefix('"')
        .and_then(|t| t.strip_suffix('"'))
        .filter(|t| !t.contains('\\'))
        .ok_or_else(|| ParseErrorKind::Malformed(format!("`{field}`: expected a plain string, got {}", clip(raw))))
}

/// A scalar token's text: a string's content (no escapes) or a number's digits, as sent.
pub(crate) fn scalar<'a>(raw: &'a str, field: &'static str) -> FieldResult<&'a str> {
    match raw.as_bytes().first() {
        Some(b'-' | b'0'..=b'9') => Ok(raw),
        _ => string(raw, field),
    }
}

/// A string value's content as written (escape sequences kept).
fn text<'a>(raw: &'a str, field: &'static str) -> FieldResult<&'a str> {
    raw.strip_prefix('"')
        .and_then(|t| t.strip_suffix('"'))
        .ok_or_else(|| ParseErrorKind::Malformed(format!("`{field}`: expected a string, got {}", clip(raw))))
}

/// An exact decimal from a JSON number or string.
pub(crate) fn decimal(raw: &str, field: &'static str) -> FieldResult<Decimal> {
    parse_json_number_text(raw).map_err(|_| invalid_number(raw, field))
}

/// An optional positional element as a decimal.
pub(crate) fn opt_decimal(raw: Option<&str>, field: &'static str) -> FieldResult<Option<Decimal>> {
    raw.filter(|r| *r != "null").map(|r| decimal(r, field)).transpose()
}

/// An integer from a JSON number or string.
pub(crate) fn int<T: FromStr + TryFrom<u64>>(raw: &str, field: &'static str) -> FieldResult<T> {
    let text = unquote(raw);
    if let Some(value) = text.and_then(plain_u64).and_then(|v| T::try_from(v).ok()) {
        return Ok(value);
    }
    text.and_then(|t| t.parse().ok()).ok_or_else(|| invalid_number(raw, field))
}

/// A µs timestamp in any of Delta's forms.
pub(crate) fn micros(raw: &str, field: &'static str) -> FieldResult<i64> {
    if let Some(value) = unquote(raw).and_then(plain_u64).and_then(|v| i64::try_from(v).ok()) {
        return Ok(value);
    }
    parse_timestamp(raw).map_err(|_| invalid_number(raw, field))
}

/// The fast path of integer fields: 1 to 19 ASCII digits and nothing else (no sign, no `+`); anything else
/// goes to the general parser, which gives the same value or the same error.
#[inline]
fn plain_u64(text: &str) -> Option<u64> {
    let bytes = text.as_bytes();
    if bytes.is_empty() || bytes.len() > 19 {
        return None;
    }
    bytes.iter().try_fold(0u64, |value, byte| byte.is_ascii_digit().then(|| value * 10 + u64::from(byte - b'0')))
}

fn boolean(raw: &str, field: &'static str) -> FieldResult<bool> {
    match raw {
        "true" | "\"true\"" => Ok(true),
        "false" | "\"false\"" => Ok(false),
        other => Err(ParseErrorKind::UnknownEnumValue { field, value: clip(other).to_owned() }),
    }
}

/// An enumerated string mapped by `parse`.
pub(crate) fn enumerated<T>(raw: &str, field: &'static str, parse: impl Fn(&str) -> Option<T>) -> FieldResult<T> {
    let value = string(raw, field)?;
    parse(value).ok_or_else(|| ParseErrorKind::UnknownEnumValue { field, value: clip(value).to_owned() })
}

#[cold]
fn invalid_number(raw: &str, field: &'static str) -> ParseErrorKind {
    ParseErrorKind::InvalidNumber { field, value: clip(raw).to_owned() }
}

/// The first 40 characters of a value, for error messages.
fn clip(text: &str) -> &str {
    let end = text.char_indices().nth(40).map_or(text.len(), |(i, _)| i);
    &text[..end]
}

/// Parses `[[price, size], ...]` (whitespace allowed; prices and sizes as strings or numbers) from JSON text.
fn levels<'a>(text: &'a str, field: &'static str) -> FieldResult<Vec<RawLevel<'a>>> {
    let mut scanner = Scanner::new(text);
    match scanner.try_levels() {
        Some(levels) if scanner.end().is_ok() => Ok(levels),
        _ => Err(ParseErrorKind::Malformed(format!("`{field}`: expected [[price, size], ...], got {}", clip(text)))),
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
        assert_eq!((a, b.is_none(), c.is_none()), (Some("1"), true, true));
        assert!(Fields::from_frame(b"[1]").is_err());
        assert!(Fields::from_frame(b"{\"a\":").is_err());
    }

    /// What the previous serde_json reading accepted: an object of borrowed raw values.
    fn serde_accepts(frame: &[u8]) -> bool {
        serde_json::from_slice::<std::collections::BTreeMap<String, &serde_json::value::RawValue>>(frame).is_ok()
    }

    #[test]
    fn scanner_accepts_exactly_what_serde_json_accepted() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../fixtures/delta-api/");
        let mut frames: Vec<Vec<u8>> = std::fs::read_dir(dir)
            .unwrap()
            .map(|entry| entry.unwrap().path())
            .filter(|path| path.file_name().unwrap().to_string_lossy().starts_with("ws_"))
            .map(|path| std::fs::read(path).unwrap())
            .collect();
        frames.extend(
            frames
                .clone()
                .iter()
                .map(|f| serde_json::to_vec(&serde_json::from_slice::<serde_json::Value>(f).unwrap()).unwrap()),
        );
        let mut next = crate::parse::test_rng(0x5EED_0000_0000_0003u64);
        let tokens: &[&[u8]] = &[
            b"\"",
            b"\\",
            b"\\u12",
            b"\\ud800",
            b"\\x",
            b"\x01",
            b"\xff",
            b"\xc3\xa9",
            b"{",
            b"}",
            b"[",
            b"]",
            b",",
            b":",
            b" ",
            b"-",
            b"0",
            b"01",
            b".",
            b"e",
            b"E+",
            b"true",
            b"nul",
            b"[[",
            b"]]",
        ];
        let (mut checked, mut accepted) = (0, 0);
        for frame in &frames {
            for _ in 0..400 {
                let mut mutated = frame.clone();
                for _ in 0..=next(3) {
                    let at = next(mutated.len() + 1);
                    match next(3) {
                        0 => mutated.truncate(at),
                        1 => drop(mutated.splice(at..at, tokens[next(tokens.len())].iter().copied())),
                        _ if at < mutated.len() => drop(mutated.remove(at)),
                        _ => {}
                    }
                }
                let expected = serde_accepts(&mutated);
                assert_eq!(Fields::from_frame(&mutated).is_ok(), expected, "{}", String::from_utf8_lossy(&mutated));
                checked += 1;
                accepted += usize::from(expected);
            }
        }
        assert!(accepted > checked / 20 && accepted < checked, "{accepted} of {checked}");
    }
}
