//! Lenient readers for Delta's mixed wire forms: integers that arrive as numbers or strings, and
//! timestamps that arrive as ISO-8601 text, microsecond integers or microsecond strings.

use std::fmt;
use std::str::FromStr;

use serde::de::Error as _;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::value::RawValue;

use crate::decimal::unquote;

/// Reads an integer sent as a JSON number or as a string holding one (`27` or `"27"`).
pub fn int<'de, D, T>(deserializer: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: FromStr,
    T::Err: fmt::Display,
{
    let raw = <&RawValue>::deserialize(deserializer)?;
    parse_int(raw.get()).map_err(D::Error::custom)
}

/// Like [`int`] for optional fields: `null` (or an absent field with `#[serde(default)]`) is `None`.
pub fn opt_int<'de, D, T>(deserializer: D) -> Result<Option<T>, D::Error>
where
    D: Deserializer<'de>,
    T: FromStr,
    T::Err: fmt::Display,
{
    let raw = <Option<&RawValue>>::deserialize(deserializer)?;
    match raw.map(RawValue::get) {
        None | Some("null") => Ok(None),
        Some(text) => parse_int(text).map(Some).map_err(D::Error::custom),
    }
}

fn parse_int<T>(raw: &str) -> Result<T, String>
where
    T: FromStr,
    T::Err: fmt::Display,
{
    let text = unquote(raw).ok_or_else(|| format!("expected an integer, got {}", excerpt(raw)))?;
    text.parse().map_err(|e| format!("expected an integer, got {}: {e}", excerpt(raw)))
}

/// Reads a boolean sent as JSON `true`/`false` or as the strings `"true"`/`"false"`.
pub fn flag<'de, D: Deserializer<'de>>(deserializer: D) -> Result<bool, D::Error> {
    let raw = <&RawValue>::deserialize(deserializer)?;
    parse_flag(raw.get()).map_err(D::Error::custom)
}

/// Like [`flag`] for optional fields.
pub fn opt_flag<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<bool>, D::Error> {
    let raw = <Option<&RawValue>>::deserialize(deserializer)?;
    match raw.map(RawValue::get) {
        None | Some("null") => Ok(None),
        Some(text) => parse_flag(text).map(Some).map_err(D::Error::custom),
    }
}

fn parse_flag(raw: &str) -> Result<bool, String> {
    match raw {
        "true" | "\"true\"" => Ok(true),
        "false" | "\"false\"" => Ok(false),
        other => Err(format!("expected a boolean, got {}", excerpt(other))),
    }
}

fn excerpt(text: &str) -> &str {
    let end = text.char_indices().nth(40).map_or(text.len(), |(i, _)| i);
    &text[..end]
}

/// A point in time as microseconds since the Unix epoch, read from any of Delta's forms.
///
/// Accepts ISO-8601 text (`"2026-05-28T10:00:01.183442Z"`, offsets allowed), a microsecond integer or a
/// microsecond string (`"1725865012000000"`): a string containing `-` or `T` is ISO, otherwise µs (as
/// ccxt does). Serializes as ISO-8601 text, with a six-digit fraction when the value has one.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct IsoTime(pub i64);

/// A point in time as microseconds since the Unix epoch that Delta sends as an integer.
///
/// Accepts the same forms as [`IsoTime`]; serializes as a JSON integer.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Micros(pub i64);

/// Microseconds since the epoch that Delta sends as a decimal string (`"1780048800000000"`).
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct MicrosString(pub i64);

macro_rules! timestamp_common {
    ($name:ident) => {
        impl $name {
            /// Microseconds since the Unix epoch.
            pub const fn micros(&self) -> i64 {
                self.0
            }

            /// Nanoseconds since the Unix epoch.
            pub const fn nanos(&self) -> i64 {
                self.0.saturating_mul(1_000)
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}({})", stringify!($name), format_iso(self.0))
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let raw = <&RawValue>::deserialize(deserializer)?;
                parse_timestamp(raw.get()).map(Self).map_err(D::Error::custom)
            }
        }
    };
}

timestamp_common!(IsoTime);
timestamp_common!(Micros);
timestamp_common!(MicrosString);

impl Serialize for IsoTime {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&format_iso(self.0))
    }
}

impl Serialize for Micros {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_i64(self.0)
    }
}

impl Serialize for MicrosString {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(&self.0)
    }
}

/// Parses one raw JSON value holding a timestamp in any of Delta's forms into microseconds.
pub fn parse_timestamp(raw: &str) -> Result<i64, String> {
    let text = unquote(raw).ok_or_else(|| format!("expected a timestamp, got {}", excerpt(raw)))?;
    if text.contains('-') && text.len() > 10 || text.contains('T') {
        return parse_iso_micros(text).ok_or_else(|| format!("invalid ISO-8601 timestamp {}", excerpt(raw)));
    }
    text.parse::<i64>().map_err(|_| format!("expected a microsecond timestamp, got {}", excerpt(raw)))
}

/// Parses `YYYY-MM-DDTHH:MM:SS[.fraction](Z|±HH:MM)` into microseconds since the epoch.
pub fn parse_iso_micros(text: &str) -> Option<i64> {
    let b = text.as_bytes();
    if b.len() < 20 || b[4] != b'-' || b[7] != b'-' || !matches!(b[10], b'T' | b' ') || b[13] != b':' || b[16] != b':' {
        return None;
    }
    let num = |range: std::ops::Range<usize>| -> Option<i64> {
        let part = text.get(range)?;
        part.bytes().all(|c| c.is_ascii_digit()).then(|| part.parse().ok())?
    };
    let (year, month, day) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let (hour, minute, second) = (num(11..13)?, num(14..16)?, num(17..19)?);
    if !(1..=12).contains(&month) || !(1..=31).contains(&day) || hour > 23 || minute > 59 || second > 60 {
        return None;
    }
    let mut index = 19;
    let mut micros = 0i64;
    if b.get(index) == Some(&b'.') {
        index += 1;
        let start = index;
        while index < b.len() && b[index].is_ascii_digit() {
            if index - start < 6 {
                micros = micros * 10 + (b[index] - b'0') as i64;
            }
            index += 1;
        }
        let digits = index - start;
        if digits == 0 {
            return None;
        }
        for _ in digits..6 {
            micros *= 10;
        }
    }
    let offset_seconds = match &text[index..] {
        "Z" | "z" | "+00:00" => 0,
        tz if tz.len() == 6 && matches!(tz.as_bytes()[0], b'+' | b'-') && tz.as_bytes()[3] == b':' => {
            let sign = if tz.starts_with('-') { -1 } else { 1 };
            sign * (num(index + 1..index + 3)? * 3600 + num(index + 4..index + 6)? * 60)
        }
        _ => return None,
    };
    let seconds = days_from_civil(year, month, day) * 86_400 + hour * 3600 + minute * 60 + second - offset_seconds;
    Some(seconds * 1_000_000 + micros)
}

/// Formats microseconds since the epoch as `YYYY-MM-DDTHH:MM:SS[.ffffff]Z`.
pub fn format_iso(micros: i64) -> String {
    let seconds = micros.div_euclid(1_000_000);
    let fraction = micros.rem_euclid(1_000_000);
    let (year, month, day) = civil_from_days(seconds.div_euclid(86_400));
    let second_of_day = seconds.rem_euclid(86_400);
    let (hour, minute, second) = (second_of_day / 3600, second_of_day % 3600 / 60, second_of_day % 60);
    if fraction == 0 {
        format!("{year:04}-{month:02}-{day:02}T{hour:02}:{minute:02}:{second:02}Z")
    } else {
        format!("{year:04}-{month:02}-{day:02}T{hour:02}:{minute:02}:{second:02}.{fraction:06}Z")
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let year_of_era = year - era * 400;
    let day_of_year = (153 * (month + if month > 2 { -3 } else { 9 }) + 2) / 5 + day - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

/// The date of a day count since 1970-01-01 (inverse of [`days_from_civil`]).
fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let day_of_era = z - era * 146_097;
    let year_of_era = (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let mp = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = year_of_era + era * 400 + if month <= 2 { 1 } else { 0 };
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iso_and_micro_forms_agree() {
        let iso: IsoTime = serde_json::from_str("\"2026-05-28T10:00:00Z\"").unwrap();
        assert_eq!(iso.micros(), 1_779_962_400_000_000);
        let frac: IsoTime = serde_json::from_str("\"2026-05-28T10:00:01.183442Z\"").unwrap();
        assert_eq!(frac.micros(), 1_779_962_401_183_442);
        let string: IsoTime = serde_json::from_str("\"1779962401183442\"").unwrap();
        let number: Micros = serde_json::from_str("1779962401183442").unwrap();
        assert_eq!(string.micros(), number.micros());
        let offset: IsoTime = serde_json::from_str("\"2026-05-28T15:30:00+05:30\"").unwrap();
        assert_eq!(offset.micros(), 1_779_962_400_000_000);
        let millis: IsoTime = serde_json::from_str("\"2026-05-28T10:00:00.5Z\"").unwrap();
        assert_eq!(millis.micros(), 1_779_962_400_500_000);
    }

    #[test]
    fn serializes_in_the_declared_form() {
        assert_eq!(serde_json::to_string(&IsoTime(1_779_962_401_183_442)).unwrap(), "\"2026-05-28T10:00:01.183442Z\"");
        assert_eq!(serde_json::to_string(&IsoTime(1_779_962_400_000_000)).unwrap(), "\"2026-05-28T10:00:00Z\"");
        assert_eq!(serde_json::to_string(&Micros(5)).unwrap(), "5");
        assert_eq!(serde_json::to_string(&MicrosString(5)).unwrap(), "\"5\"");
    }

    #[test]
    fn civil_round_trip() {
        for days in [-719_468, -1, 0, 1, 11_016, 20_601, 2_932_896] {
            let (y, m, d) = civil_from_days(days);
            assert_eq!(days_from_civil(y, m, d), days);
        }
    }

    #[test]
    fn rejects_garbage() {
        for bad in [
            "\"2026-13-01T00:00:00Z\"",
            "\"2026-05-28T10:00:00\"",
            "\"yesterday\"",
            "true",
            "\"2026-05-28T10:00:00.Z\"",
        ] {
            assert!(serde_json::from_str::<IsoTime>(bad).is_err(), "{bad}");
        }
    }

    #[derive(Deserialize)]
    struct Ints {
        #[serde(deserialize_with = "int")]
        a: u64,
        #[serde(default, deserialize_with = "opt_int")]
        b: Option<i64>,
        #[serde(default, deserialize_with = "opt_int")]
        c: Option<i64>,
        #[serde(deserialize_with = "flag")]
        d: bool,
    }

    #[test]
    fn lenient_ints_and_flags() {
        let v: Ints = serde_json::from_str(r#"{"a":"27","b":-5,"c":null,"d":"true"}"#).unwrap();
        assert_eq!((v.a, v.b, v.c, v.d), (27, Some(-5), None, true));
        let v: Ints = serde_json::from_str(r#"{"a":27,"d":false}"#).unwrap();
        assert_eq!((v.a, v.b, v.d), (27, None, false));
        assert!(serde_json::from_str::<Ints>(r#"{"a":"x","d":false}"#).is_err());
        assert!(serde_json::from_str::<Ints>(r#"{"a":1.5,"d":false}"#).is_err());
    }
}
