//! Exact fixed-point decimals for prices, sizes and balances.
//!
//! Delta sends big decimals as JSON strings (`"68452.5"`) and some values as JSON numbers (`68452.5`,
//! `1.5e-05`). Both are parsed from their text straight into an integer mantissa with a decimal scale,
//! never through `f64`, so `"0.1"` is exactly `1 / 10`.

use std::cmp::Ordering;
use std::fmt;
use std::hash::{Hash, Hasher};
use std::str::FromStr;

use serde::de::Error as _;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::value::RawValue;

/// Largest supported scale (digits after the decimal point).
pub const MAX_SCALE: u8 = 38;

const POW10: [i128; 39] = {
    let mut table = [1i128; 39];
    let mut i = 1;
    while i < 39 {
        table[i] = table[i - 1] * 10;
        i += 1;
    }
    table
};

/// Why a decimal could not be parsed or converted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecimalError {
    /// The text is not a decimal number.
    #[error("not a decimal number: {0:?}")]
    Invalid(String),
    /// The value has more digits than an `i128` mantissa or [`MAX_SCALE`] allow.
    #[error("decimal out of range: {0:?}")]
    Overflow(String),
    /// Converting to a coarser scale would drop non-zero digits.
    #[error("{value} cannot be represented with {scale} decimal places without rounding")]
    Inexact {
        /// The value as text.
        value: String,
        /// The requested scale.
        scale: u8,
    },
}

/// A decimal number `mantissa × 10^-scale`.
///
/// Equality, ordering and hashing compare values, so `68000` equals `68000.0`. `Display` and
/// `Serialize` keep the scale it was written with (`"68453.0"` stays `"68453.0"`).
#[derive(Clone, Copy, Default)]
pub struct Decimal {
    mantissa: i128,
    scale: u8,
}

impl Decimal {
    /// Zero with scale 0.
    pub const ZERO: Decimal = Decimal { mantissa: 0, scale: 0 };

    /// Builds `mantissa × 10^-scale`. Panics in const context only if `scale > MAX_SCALE`.
    pub const fn new(mantissa: i128, scale: u8) -> Self {
        assert!(scale <= MAX_SCALE, "decimal scale above MAX_SCALE");
        Self { mantissa, scale }
    }

    /// An integer value with scale 0.
    pub const fn from_int(value: i64) -> Self {
        Self { mantissa: value as i128, scale: 0 }
    }

    /// The integer mantissa.
    pub const fn mantissa(&self) -> i128 {
        self.mantissa
    }

    /// The number of digits after the decimal point.
    pub const fn scale(&self) -> u8 {
        self.scale
    }

    /// True when the value is zero.
    pub const fn is_zero(&self) -> bool {
        self.mantissa == 0
    }

    /// True when the value is below zero.
    pub const fn is_negative(&self) -> bool {
        self.mantissa < 0
    }

    /// The absolute value.
    pub const fn abs(&self) -> Self {
        Self { mantissa: self.mantissa.abs(), scale: self.scale }
    }

    /// Parses decimal text: an optional sign, digits with an optional fraction, an optional exponent
    /// (`1.5e-05`, as JSON numbers may carry). Leading `+` and surrounding whitespace are rejected.
    pub fn parse(text: &str) -> Result<Self, DecimalError> {
        parse_bytes(text.as_bytes()).ok_or_else(|| classify_failure(text))
    }

    /// The mantissa at `scale` digits, exact: fails if non-zero digits would be dropped.
    pub fn to_scale(&self, scale: u8) -> Result<i128, DecimalError> {
        self.rescale(scale).map(|d| d.mantissa)
    }

    /// The same value at another scale, exact: fails if non-zero digits would be dropped.
    pub fn rescale(&self, scale: u8) -> Result<Self, DecimalError> {
        if scale > MAX_SCALE {
            return Err(DecimalError::Overflow(self.to_string()));
        }
        match scale.cmp(&self.scale) {
            Ordering::Equal => Ok(*self),
            Ordering::Greater => POW10[(scale - self.scale) as usize]
                .checked_mul(self.mantissa)
                .map(|mantissa| Self { mantissa, scale })
                .ok_or_else(|| DecimalError::Overflow(self.to_string())),
            Ordering::Less => {
                let div = POW10[(self.scale - scale) as usize];
                if self.mantissa % div != 0 {
                    return Err(DecimalError::Inexact { value: self.to_string(), scale });
                }
                Ok(Self { mantissa: self.mantissa / div, scale })
            }
        }
    }

    /// Rounds half away from zero to `scale` digits (or pads with zeros when `scale` is larger).
    pub fn round_to(&self, scale: u8) -> Self {
        if scale >= self.scale {
            return self.rescale(scale).unwrap_or(*self);
        }
        let div = POW10[(self.scale - scale) as usize];
        let quotient = self.mantissa / div;
        let remainder = self.mantissa % div;
        let adjust = if remainder.abs() * 2 >= div { self.mantissa.signum() } else { 0 };
        Self { mantissa: quotient + adjust, scale }
    }

    /// Drops trailing zeros of the fraction (`68453.50` becomes `68453.5`).
    pub fn normalize(&self) -> Self {
        let mut out = *self;
        while out.scale > 0 && out.mantissa % 10 == 0 {
            out.mantissa /= 10;
            out.scale -= 1;
        }
        out
    }

    /// Exact sum, `None` on overflow.
    pub fn checked_add(&self, other: &Self) -> Option<Self> {
        let scale = self.scale.max(other.scale);
        let a = self.rescale(scale).ok()?;
        let b = other.rescale(scale).ok()?;
        Some(Self { mantissa: a.mantissa.checked_add(b.mantissa)?, scale })
    }

    /// Exact difference, `None` on overflow.
    pub fn checked_sub(&self, other: &Self) -> Option<Self> {
        self.checked_add(&other.negate())
    }

    /// Exact product, `None` on overflow or when the scale would pass [`MAX_SCALE`].
    pub fn checked_mul(&self, other: &Self) -> Option<Self> {
        let scale = self.scale.checked_add(other.scale).filter(|s| *s <= MAX_SCALE)?;
        Some(Self { mantissa: self.mantissa.checked_mul(other.mantissa)?, scale })
    }

    /// Quotient rounded half away from zero to `scale` digits; `None` on division by zero or overflow.
    pub fn checked_div(&self, other: &Self, scale: u8) -> Option<Self> {
        if other.mantissa == 0 || scale > MAX_SCALE {
            return None;
        }
        // self / other = (m1 / m2) * 10^(s2 - s1); we want the result * 10^scale.
        let shift = scale as i32 + other.scale as i32 - self.scale as i32;
        let (numerator, denominator) = if shift >= 0 {
            (self.mantissa.checked_mul(*POW10.get(shift as usize)?)?, other.mantissa)
        } else {
            (self.mantissa, other.mantissa.checked_mul(*POW10.get((-shift) as usize)?)?)
        };
        let quotient = numerator / denominator;
        let remainder = numerator % denominator;
        let adjust = if remainder.abs().checked_mul(2)? >= denominator.abs() {
            numerator.signum() * denominator.signum()
        } else {
            0
        };
        Some(Self { mantissa: quotient + adjust, scale })
    }

    /// `self / 100` (a percentage as a fraction): exact while the scale stays within [`MAX_SCALE`], else rounded
    /// half away from zero to it; `None` on overflow.
    pub fn percent_to_fraction(&self) -> Option<Self> {
        if self.scale + 2 <= MAX_SCALE {
            Some(Self { mantissa: self.mantissa, scale: self.scale + 2 })
        } else {
            self.checked_div(&Self::from_int(100), MAX_SCALE)
        }
    }

    /// The value with its sign flipped.
    pub const fn negate(&self) -> Self {
        Self { mantissa: -self.mantissa, scale: self.scale }
    }

    /// The integer part when the value is a whole number that fits an `i64`.
    pub fn to_i64_exact(&self) -> Option<i64> {
        self.to_scale(0).ok().and_then(|m| i64::try_from(m).ok())
    }

    fn cmp_value(&self, other: &Self) -> Ordering {
        if self.scale == other.scale {
            return self.mantissa.cmp(&other.mantissa);
        }
        // Compare integer parts, then the fractions aligned to the larger scale; this never overflows
        // because each aligned fraction stays below 10^MAX_SCALE.
        let split = |d: &Self| {
            let unit = POW10[d.scale as usize];
            (d.mantissa / unit, d.mantissa % unit)
        };
        let ((a_int, a_frac), (b_int, b_frac)) = (split(self), split(other));
        let scale = self.scale.max(other.scale);
        a_int.cmp(&b_int).then_with(|| {
            let a_frac = a_frac * POW10[(scale - self.scale) as usize];
            let b_frac = b_frac * POW10[(scale - other.scale) as usize];
            a_frac.cmp(&b_frac)
        })
    }
}

fn classify_failure(text: &str) -> DecimalError {
    let looks_numeric =
        !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit() || matches!(b, b'-' | b'.' | b'e' | b'E' | b'+'));
    if looks_numeric && text.bytes().filter(u8::is_ascii_digit).count() > 38 {
        DecimalError::Overflow(text.to_owned())
    } else {
        DecimalError::Invalid(text.to_owned())
    }
}

/// Parses `-?digits(.digits)?([eE][+-]?digits)?` into a decimal; `None` on any malformation or overflow.
#[inline]
fn parse_bytes(bytes: &[u8]) -> Option<Decimal> {
    parse_plain(bytes).or_else(|| parse_general(bytes))
}

/// The wire's common case, `-?digits(.digits)?` with at most 19 digits in all, in one pass per digit run
/// without overflow checks (19 nines fit a `u64`); `None` sends anything else (exponents, longer numbers,
/// malformed text) to [`parse_general`], which gives the same result for everything this accepts.
#[inline(always)]
fn parse_plain(bytes: &[u8]) -> Option<Decimal> {
    /// Accumulates the digit run starting at `index`: the index after it and the value, which is exact while
    /// the run and `value`'s digits stay within 19.
    #[inline(always)]
    fn run(bytes: &[u8], mut index: usize, mut value: u64) -> (usize, u64) {
        while let Some(digit) = bytes.get(index).map(|byte| byte.wrapping_sub(b'0')).filter(|digit| *digit < 10) {
            value = value.wrapping_mul(10).wrapping_add(u64::from(digit));
            index += 1;
        }
        (index, value)
    }
    let (negative, rest) = match bytes.split_first()? {
        (b'-', rest) => (true, rest),
        _ => (false, bytes),
    };
    let (int_end, value) = run(rest, 0, 0);
    let (end, value, scale) = match rest.get(int_end) {
        None => (int_end, value, 0),
        Some(b'.') => {
            let (end, value) = run(rest, int_end + 1, value);
            (end, value, end - int_end - 1)
        }
        Some(_) => return None,
    };
    if int_end == 0 || end != rest.len() || end == int_end + 1 || int_end + scale > 19 {
        return None;
    }
    let mantissa = i128::from(value);
    Some(Decimal { mantissa: if negative { -mantissa } else { mantissa }, scale: scale as u8 })
}

/// Any decimal of the JSON number grammar, exponents and up to 38 digits included.
fn parse_general(bytes: &[u8]) -> Option<Decimal> {
    let (negative, rest) = match bytes.first()? {
        b'-' => (true, &bytes[1..]),
        _ => (false, bytes),
    };
    // Digits accumulate in a u64 (no overflow check needed for the first 19) and only numbers longer than
    // that take the checked 128-bit path: prices and sizes on the wire are short.
    let mut small: u64 = 0;
    let mut mantissa: i128 = 0;
    let mut wide = false;
    let mut scale: i32 = 0;
    let mut digits = 0usize;
    let mut seen_point = false;
    let mut index = 0;
    while index < rest.len() {
        let byte = rest[index];
        match byte {
            b'0'..=b'9' => {
                let digit = byte - b'0';
                if digits < 19 {
                    small = small * 10 + digit as u64;
                } else {
                    if !wide {
                        mantissa = small as i128;
                        wide = true;
                    }
                    mantissa = mantissa.checked_mul(10)?.checked_add(digit as i128)?;
                }
                digits += 1;
                if seen_point {
                    scale += 1;
                }
            }
            b'.' if !seen_point => seen_point = true,
            b'e' | b'E' => break,
            _ => return None,
        }
        index += 1;
    }
    if !wide {
        mantissa = small as i128;
    }
    if digits == 0 || !rest[0].is_ascii_digit() || (seen_point && rest[index - 1] == b'.') {
        return None;
    }
    if index < rest.len() {
        let exponent_text = std::str::from_utf8(&rest[index + 1..]).ok()?;
        let exponent: i32 = exponent_text.strip_prefix('+').unwrap_or(exponent_text).parse().ok()?;
        if exponent_text.is_empty() {
            return None;
        }
        scale -= exponent;
    }
    if scale < 0 {
        mantissa = mantissa.checked_mul(*POW10.get((-scale) as usize)?)?;
        scale = 0;
    }
    if scale > MAX_SCALE as i32 {
        return None;
    }
    Some(Decimal { mantissa: if negative { -mantissa } else { mantissa }, scale: scale as u8 })
}

impl PartialEq for Decimal {
    fn eq(&self, other: &Self) -> bool {
        self.cmp_value(other) == Ordering::Equal
    }
}

impl Eq for Decimal {}

impl PartialOrd for Decimal {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Decimal {
    fn cmp(&self, other: &Self) -> Ordering {
        self.cmp_value(other)
    }
}

impl Hash for Decimal {
    fn hash<H: Hasher>(&self, state: &mut H) {
        let normal = self.normalize();
        normal.mantissa.hash(state);
        normal.scale.hash(state);
    }
}

/// Room for the text of any decimal: 39 digits of an `i128`, a sign, a point and a leading zero.
const TEXT_CAPACITY: usize = 48;

impl Decimal {
    /// Writes the value with exactly `scale` fraction digits into `buf` and returns the text: no allocation
    /// and no formatter machinery, because this runs for every price serialized into a request.
    fn write_text<'a>(&self, buf: &'a mut [u8; TEXT_CAPACITY]) -> &'a str {
        let mut pos = buf.len();
        let mut magnitude = self.mantissa.unsigned_abs();
        let mut written = 0u8;
        while magnitude > 0 || written <= self.scale {
            if written == self.scale && self.scale > 0 {
                pos -= 1;
                buf[pos] = b'.';
            }
            pos -= 1;
            buf[pos] = b'0' + digit_and_shift(&mut magnitude);
            written += 1;
        }
        if self.mantissa < 0 {
            pos -= 1;
            buf[pos] = b'-';
        }
        // Only ASCII digits, '.' and '-' were written, so this never fails.
        std::str::from_utf8(&buf[pos..]).unwrap_or_default()
    }
}

impl fmt::Display for Decimal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.write_text(&mut [0u8; TEXT_CAPACITY]))
    }
}

/// The lowest decimal digit of `value`, removing it; divides in 64 bits when the value fits.
#[inline]
fn digit_and_shift(value: &mut u128) -> u8 {
    if let Ok(small) = u64::try_from(*value) {
        *value = (small / 10) as u128;
        (small % 10) as u8
    } else {
        let digit = (*value % 10) as u8;
        *value /= 10;
        digit
    }
}

impl fmt::Debug for Decimal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Decimal({self})")
    }
}

impl FromStr for Decimal {
    type Err = DecimalError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl From<i64> for Decimal {
    fn from(value: i64) -> Self {
        Self::from_int(value)
    }
}

/// Parses the text of one JSON value that must be a number or a string holding a number.
///
/// Used by every lenient numeric deserializer of the crate, so numbers keep their exact text.
pub fn parse_json_number_text(raw: &str) -> Result<Decimal, DecimalError> {
    // A string's content goes to the parser as is: an escape sequence is not a digit, so it fails there.
    let text = match raw.strip_prefix('"') {
        Some(inner) => inner.strip_suffix('"').ok_or_else(|| DecimalError::Invalid(raw.to_owned()))?,
        None => raw,
    };
    Decimal::parse(text)
}

/// The content of a JSON string without its quotes, or the text itself for a bare number.
/// Strings with escapes are not numbers and yield `None`.
pub(crate) fn unquote(raw: &str) -> Option<&str> {
    match raw.strip_prefix('"') {
        Some(inner) => inner.strip_suffix('"').filter(|s| !s.contains('\\')),
        None => Some(raw),
    }
}

impl Serialize for Decimal {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.write_text(&mut [0u8; TEXT_CAPACITY]))
    }
}

impl<'de> Deserialize<'de> for Decimal {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let raw = <&RawValue>::deserialize(deserializer)?;
        parse_json_number_text(raw.get()).map_err(D::Error::custom)
    }
}

/// A decimal that Delta sends as a JSON number (ticker OHLC, candles, compact floats).
///
/// Deserializes from a number or a string like [`Decimal`]; serializes as a JSON number with the exact
/// digits, so a mock can answer in the same shape the exchange does.
#[derive(Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct NumDecimal(pub Decimal);

impl fmt::Debug for NumDecimal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "NumDecimal({})", self.0)
    }
}

impl From<Decimal> for NumDecimal {
    fn from(value: Decimal) -> Self {
        Self(value)
    }
}

impl Serialize for NumDecimal {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let raw = RawValue::from_string(self.0.to_string()).map_err(serde::ser::Error::custom)?;
        // RawValue is the only way to make serde_json write a number from its exact digits.
        raw.serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for NumDecimal {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Decimal::deserialize(deserializer).map(Self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(text: &str) -> Decimal {
        Decimal::parse(text).unwrap()
    }

    #[test]
    fn percent_to_fraction_shifts_the_scale_exactly() {
        assert_eq!(d("0.0034").percent_to_fraction().unwrap().to_string(), "0.000034");
        assert_eq!(d("-12.5").percent_to_fraction().unwrap().to_string(), "-0.125");
        assert_eq!(d("2").percent_to_fraction().unwrap().to_string(), "0.02");
        let finest = Decimal::new(1, MAX_SCALE);
        assert_eq!(finest.percent_to_fraction().unwrap(), Decimal::new(0, MAX_SCALE), "rounded at MAX_SCALE");
    }

    #[test]
    fn parses_exactly_without_floats() {
        assert_eq!((d("68452.5").mantissa(), d("68452.5").scale()), (684525, 1));
        assert_eq!((d("0.0005").mantissa(), d("0.0005").scale()), (5, 4));
        assert_eq!((d("-0.04123318").mantissa(), d("-0.04123318").scale()), (-4123318, 8));
        assert_eq!(d("0.1").checked_add(&d("0.2")).unwrap(), d("0.3"));
        assert_eq!(d("1.618626000000000000000000000").scale(), 27);
        for long in ["9999999999999999999", "12345678901234567890.123", "-0.00000000000000000000000012345"] {
            assert_eq!(d(long).to_string(), long, "digits past the 64-bit fast path");
        }
        assert_eq!(d("12345678901234567890.123").mantissa(), 12_345_678_901_234_567_890_123);
    }

    #[test]
    fn the_plain_path_agrees_with_the_general_parser() {
        let mut next = crate::parse::test_rng(0xDEC1_0000_0000_0007);
        let alphabet = b"0123456789999.-e+ x";
        let mut plain = 0;
        for _ in 0..200_000 {
            let len = next(24);
            let bytes: Vec<u8> = (0..len)
                .map(|_| if next(4) == 0 { alphabet[next(alphabet.len())] } else { b'0' + next(10) as u8 })
                .collect();
            if let Some(found) = parse_plain(&bytes) {
                plain += 1;
                assert_eq!(exact_parts(Some(found)), exact_parts(parse_general(&bytes)), "{bytes:?}");
            }
        }
        assert!(plain > 20_000, "{plain}");
        for text in ["9999999999999999999", "999999999.9999999999", "-0.000000000000000001", "0", "-0", "01.50"] {
            assert_eq!(
                exact_parts(parse_plain(text.as_bytes())),
                exact_parts(parse_general(text.as_bytes())),
                "{text}"
            );
            assert!(parse_plain(text.as_bytes()).is_some(), "{text}");
        }
        for text in ["99999999999999999999", "-0.0000000000000000001", "1.", "-", ".5", "1e5", "1.2.3", "", "-.5", "1-"]
        {
            assert!(parse_plain(text.as_bytes()).is_none(), "{text}");
        }
    }

    fn exact_parts(found: Option<Decimal>) -> Option<(i128, u8)> {
        found.map(|d| (d.mantissa, d.scale))
    }

    #[test]
    fn parses_exponents_from_json_numbers() {
        assert_eq!(d("1.5e-05"), d("0.000015"));
        assert_eq!(d("2E3"), d("2000"));
        assert_eq!(d("2e+3"), d("2000"));
    }

    #[test]
    fn rejects_malformed_text() {
        for bad in ["", "-", ".", "1.", ".5", "1.2.3", "+1", " 1", "1e", "abc", "1_000", "NaN"] {
            assert!(Decimal::parse(bad).is_err(), "{bad:?} should be rejected");
        }
        assert!(matches!(Decimal::parse("123456789012345678901234567890123456789012"), Err(DecimalError::Overflow(_))));
    }

    #[test]
    fn display_keeps_the_wire_scale() {
        for text in ["68453.0", "0.000000000000000000", "-0.5", "200", "0.0005", "0", "-12.340", "0.1"] {
            assert_eq!(d(text).to_string(), text);
        }
    }

    #[test]
    fn display_handles_extremes() {
        assert_eq!(Decimal::new(i128::MAX, 0).to_string(), i128::MAX.to_string());
        assert_eq!(Decimal::new(i128::MIN + 1, 38).to_string(), format!("-1.{}", &(i128::MAX).to_string()[1..]));
        assert_eq!(Decimal::new(-5, 3).to_string(), "-0.005");
        assert_eq!(Decimal::ZERO.to_string(), "0");
    }

    #[test]
    fn equality_is_by_value() {
        assert_eq!(d("68000"), d("68000.000"));
        assert!(d("0.5") < d("0.50001"));
        assert!(d("-1") < d("0"));
    }

    #[test]
    fn rescale_is_exact_or_fails() {
        assert_eq!(d("68452.5").to_scale(16).unwrap(), 684_525_000_000_000_000_000);
        assert!(matches!(d("0.125").to_scale(2), Err(DecimalError::Inexact { .. })));
        assert_eq!(d("0.125").round_to(2), d("0.13"));
        assert_eq!(d("-0.125").round_to(2), d("-0.13"));
    }

    #[test]
    fn arithmetic() {
        assert_eq!(d("5").checked_mul(&d("0.001")).unwrap().checked_mul(&d("68440.5")).unwrap(), d("342.2025"));
        assert_eq!(d("1").checked_div(&d("3"), 4).unwrap(), d("0.3333"));
        assert_eq!(d("2").checked_div(&d("3"), 2).unwrap(), d("0.67"));
        assert_eq!(d("-2").checked_div(&d("3"), 2).unwrap(), d("-0.67"));
        assert!(d("1").checked_div(&Decimal::ZERO, 2).is_none());
    }

    #[test]
    fn serde_accepts_strings_and_numbers() {
        let from_string: Decimal = serde_json::from_str("\"68452.5\"").unwrap();
        let from_number: Decimal = serde_json::from_str("68452.5").unwrap();
        assert_eq!(from_string, from_number);
        assert_eq!(serde_json::to_string(&from_number).unwrap(), "\"68452.5\"");
        let number: NumDecimal = serde_json::from_str("\"69120.0\"").unwrap();
        assert_eq!(serde_json::to_string(&number).unwrap(), "69120.0");
        assert!(serde_json::from_str::<Decimal>("true").is_err());
        assert!(serde_json::from_str::<Decimal>("\"12\\u0030\"").is_err());
    }
}
