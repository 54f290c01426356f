//! A strict single-pass JSON scanner over text that is already valid UTF-8: it accepts exactly what
//! serde_json accepts (RFC 8259 grammar, any nesting depth, strings checked for control characters and
//! escape syntax) and hands back borrowed slices of the input instead of building values. Nothing is
//! allocated on the happy path except the level vectors of [`Scanner::try_levels`]; a failure is a
//! zero-size [`Stop`] and its message is only formatted, once, by [`Scanner::error`].

use super::book_message::RawLevel;
use super::error::ParseErrorKind;

/// A scan failed; the scanner remembers where and what it expected.
#[derive(Debug)]
pub(crate) struct Stop;

/// Result of a scan step.
pub(crate) type ScanResult<T> = Result<T, Stop>;

/// Levels reserved up front per book side, at most: 32 levels are 1 KiB, still served by the allocator's
/// per-thread cache; a longer side grows by doubling.
const LEVELS_RESERVE_MAX: usize = 32;

/// Typical compact text of one level (`["68453.5","1250"],`): sizes the reservation from the bytes left.
const LEVEL_BYTES: usize = 16;

const ONES: u64 = 0x0101_0101_0101_0101;
const HIGHS: u64 = ONES * 0x80;

/// Marks (high bit) every byte of `word` that is zero; the lowest marked byte is exact, higher ones may be
/// false positives, which is all a search for the first match needs.
#[inline]
const fn zero_bytes(word: u64) -> u64 {
    word.wrapping_sub(ONES) & !word & HIGHS
}

/// Index of the first quote, backslash or control byte at or after `index`, or the length of `bytes`:
/// eight bytes per step.
#[inline(always)]
fn string_stop(bytes: &[u8], mut index: usize) -> usize {
    while let Some(chunk) = bytes.get(index..).and_then(<[u8]>::first_chunk::<8>) {
        let word = u64::from_le_bytes(*chunk);
        let stops = zero_bytes(word ^ (ONES * b'"' as u64))
            | zero_bytes(word ^ (ONES * b'\\' as u64))
            | (word.wrapping_sub(ONES * 0x20) & !word & HIGHS);
        if stops != 0 {
            return index + (stops.trailing_zeros() / 8) as usize;
        }
        index += 8;
    }
    while let Some(&byte) = bytes.get(index) {
        if byte == b'"' || byte == b'\\' || byte < 0x20 {
            break;
        }
        index += 1;
    }
    index
}

/// Index after the run of ASCII digits starting at `index`: eight bytes per step.
#[inline(always)]
fn skip_digits(bytes: &[u8], mut index: usize) -> usize {
    while let Some(chunk) = bytes.get(index..).and_then(<[u8]>::first_chunk::<8>) {
        let word = u64::from_le_bytes(*chunk);
        // A byte is a digit when its high nibble is 3 and adding 6 keeps it there.
        let not_digits = ((word & (ONES * 0xF0)) ^ (ONES * 0x30))
            | ((word.wrapping_add(ONES * 0x06) & (ONES * 0xF0)) ^ (ONES * 0x30));
        if not_digits != 0 {
            return index + (not_digits.trailing_zeros() / 8) as usize;
        }
        index += 8;
    }
    while let Some(b'0'..=b'9') = bytes.get(index) {
        index += 1;
    }
    index
}

/// Index of the first byte at or after `index` that is not JSON whitespace.
#[inline(always)]
fn skip_ws(bytes: &[u8], mut index: usize) -> usize {
    while let Some(b' ' | b'\n' | b'\r' | b'\t') = bytes.get(index) {
        index += 1;
    }
    index
}

/// For a string whose content starts at `start`: the index of its closing quote when it has no escape
/// sequence or control character before it.
#[inline(always)]
fn plain_string_end(bytes: &[u8], start: usize) -> Option<usize> {
    let end = string_stop(bytes, start);
    (bytes.get(end) == Some(&b'"')).then_some(end)
}

/// For a number of the JSON grammar starting at `index`: the index after it, or the index of the first
/// byte that breaks the grammar.
#[inline(always)]
fn number_end(bytes: &[u8], mut index: usize) -> Result<usize, usize> {
    if bytes.get(index) == Some(&b'-') {
        index += 1;
    }
    match bytes.get(index) {
        Some(b'0') => index += 1,
        Some(b'1'..=b'9') => index = skip_digits(bytes, index + 1),
        _ => return Err(index),
    }
    if bytes.get(index) == Some(&b'.') {
        index = digits_end(bytes, index + 1)?;
    }
    if let Some(b'e' | b'E') = bytes.get(index) {
        index += 1;
        if let Some(b'+' | b'-') = bytes.get(index) {
            index += 1;
        }
        index = digits_end(bytes, index)?;
    }
    Ok(index)
}

/// At least one digit at `index`: the index after the run, or `index` as the failure.
#[inline(always)]
fn digits_end(bytes: &[u8], index: usize) -> Result<usize, usize> {
    match bytes.get(index) {
        Some(b'0'..=b'9') => Ok(skip_digits(bytes, index + 1)),
        _ => Err(index),
    }
}

/// A level's price or size starting at or after `index` (whitespace first): a string's content (no
/// escapes) or a number's text, and the index after it.
#[inline(always)]
fn level_scalar<'a>(text: &'a str, bytes: &[u8], index: usize) -> Option<(&'a str, usize)> {
    let index = skip_ws(bytes, index);
    match bytes.get(index)? {
        b'"' => {
            let end = plain_string_end(bytes, index + 1)?;
            Some((text.get(index + 1..end)?, end + 1))
        }
        b'-' | b'0'..=b'9' => {
            let end = number_end(bytes, index).ok()?;
            Some((text.get(index..end)?, end))
        }
        _ => None,
    }
}

/// One `[price, size]` level starting at or after `index` (whitespace first): the level and the index after
/// its `]`.
#[inline(always)]
fn level<'a>(text: &'a str, bytes: &[u8], index: usize) -> Option<(RawLevel<'a>, usize)> {
    let index = token(bytes, index, b'[')?;
    let (price, after_price) = level_scalar(text, bytes, index)?;
    let index = token(bytes, after_price, b',')?;
    let (size, after_size) = level_scalar(text, bytes, index)?;
    Some((RawLevel { price, size }, token(bytes, after_size, b']')?))
}

/// `byte` at or after `index` (whitespace first): the index after it.
#[inline(always)]
fn token(bytes: &[u8], index: usize, byte: u8) -> Option<usize> {
    let index = skip_ws(bytes, index);
    (bytes.get(index) == Some(&byte)).then_some(index + 1)
}

/// Where a scan failed, and what it expected there.
type Fault = (usize, &'static str);

/// For a string whose content starts at `start`: the index of its closing quote, with escape sequences
/// checked and control characters rejected.
#[inline(always)]
fn string_end(bytes: &[u8], start: usize) -> Result<usize, Fault> {
    match plain_string_end(bytes, start) {
        Some(end) => Ok(end),
        None => escaped_string_end(bytes, start),
    }
}

#[cold]
fn escaped_string_end(bytes: &[u8], start: usize) -> Result<usize, Fault> {
    let mut index = start;
    loop {
        index = string_stop(bytes, index);
        match bytes.get(index) {
            Some(b'"') => return Ok(index),
            Some(b'\\') => index = escape_end(bytes, index + 1)?,
            Some(_) => return Err((index, "a string without control characters")),
            None => return Err((index, "the closing quote of a string")),
        }
    }
}

/// The escape sequence whose character is at `index`: the index after it.
fn escape_end(bytes: &[u8], index: usize) -> Result<usize, Fault> {
    match bytes.get(index) {
        Some(b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't') => Ok(index + 1),
        Some(b'u') => match bytes.get(index + 1..index + 5) {
            Some(hex) if hex.iter().all(u8::is_ascii_hexdigit) => Ok(index + 5),
            _ => Err((index, "four hex digits after `\\u`")),
        },
        _ => Err((index, "an escape sequence")),
    }
}

/// `word` (`true`, `false`, `null`) at `index`: the index after it.
fn literal_end(bytes: &[u8], index: usize, word: &'static str) -> Result<usize, Fault> {
    match bytes.get(index..index + word.len()) {
        Some(found) if found == word.as_bytes() => Ok(index + word.len()),
        _ => Err((index, word)),
    }
}

/// A key and its colon inside a skipped object, from `index` (whitespace first): the key is checked as any
/// string, as serde_json skips it. Returns the index after the colon.
#[inline(always)]
fn member_key_end(bytes: &[u8], index: usize) -> Result<usize, Fault> {
    let index = skip_ws(bytes, index);
    if bytes.get(index) != Some(&b'"') {
        return Err((index, "a string key"));
    }
    let end = string_end(bytes, index + 1)? + 1;
    token(bytes, end, b':').ok_or_else(|| (skip_ws(bytes, end), "`:`"))
}

/// One value of any kind starting at `start` (no whitespace first), validated: the index after it. Strings
/// and numbers, most of a frame's values, take the inlined path.
#[inline(always)]
fn value_end(bytes: &[u8], start: usize) -> Result<usize, Fault> {
    match bytes.get(start) {
        Some(b'"') => Ok(string_end(bytes, start + 1)? + 1),
        Some(b'-' | b'0'..=b'9') => number_end(bytes, start).map_err(|at| (at, "a digit")),
        _ => any_value_end(bytes, start),
    }
}

/// One value of any kind starting at `start`, validated: the index after it. Containers are walked
/// iteratively, so depth costs no stack, and the index stays in a register.
fn any_value_end(bytes: &[u8], start: usize) -> Result<usize, Fault> {
    let mut index = start;
    let mut nesting = Nesting::default();
    loop {
        index = skip_ws(bytes, index);
        match bytes.get(index) {
            Some(b'"') => index = string_end(bytes, index + 1)? + 1,
            Some(b'-' | b'0'..=b'9') => index = number_end(bytes, index).map_err(|at| (at, "a digit"))?,
            Some(b't') => index = literal_end(bytes, index, "true")?,
            Some(b'f') => index = literal_end(bytes, index, "false")?,
            Some(b'n') => index = literal_end(bytes, index, "null")?,
            Some(&open @ (b'[' | b'{')) => {
                let is_object = open == b'{';
                let close = if is_object { b'}' } else { b']' };
                if let Some(after) = token(bytes, index + 1, close) {
                    index = after;
                } else {
                    nesting.push(is_object);
                    index = if is_object { member_key_end(bytes, index + 1)? } else { index + 1 };
                    continue;
                }
            }
            _ => return Err((index, "a value")),
        }
        // After a complete value: close finished containers until one expects another element.
        loop {
            let Some(is_object) = nesting.top() else { return Ok(index) };
            index = skip_ws(bytes, index);
            match bytes.get(index) {
                Some(b',') if is_object => {
                    index = member_key_end(bytes, index + 1)?;
                    break;
                }
                Some(b',') => {
                    index += 1;
                    break;
                }
                Some(b'}') if is_object => {
                    index += 1;
                    nesting.pop();
                }
                Some(b']') if !is_object => {
                    index += 1;
                    nesting.pop();
                }
                _ => return Err((index, if is_object { "`,` or `}`" } else { "`,` or `]`" })),
            }
        }
    }
}

/// A cursor over JSON text.
pub(crate) struct Scanner<'a> {
    text: &'a str,
    bytes: &'a [u8],
    pos: usize,
    expected: &'static str,
}

impl<'a> Scanner<'a> {
    /// A scanner at the start of `text`.
    pub(crate) fn new(text: &'a str) -> Self {
        Self { text, bytes: text.as_bytes(), pos: 0, expected: "a value" }
    }

    #[inline(always)]
    fn skip_ws(&mut self) {
        self.pos = skip_ws(self.bytes, self.pos);
    }

    /// The next byte after whitespace, not consumed.
    #[inline(always)]
    pub(crate) fn peek(&mut self) -> Option<u8> {
        self.skip_ws();
        self.bytes.get(self.pos).copied()
    }

    /// Consumes `byte` after whitespace, or fails.
    #[inline]
    fn expect(&mut self, byte: u8, what: &'static str) -> ScanResult<()> {
        if self.peek() == Some(byte) {
            self.pos += 1;
            Ok(())
        } else {
            Err(self.fail(self.pos, what))
        }
    }

    /// Succeeds when only whitespace is left.
    pub(crate) fn end(&mut self) -> ScanResult<()> {
        match self.peek() {
            None => Ok(()),
            Some(_) => Err(self.fail(self.pos, "the end of the text")),
        }
    }

    #[inline]
    fn slice(&mut self, start: usize, end: usize) -> ScanResult<&'a str> {
        match self.text.get(start..end) {
            Some(text) => Ok(text),
            None => Err(self.fail(start, "a value")),
        }
    }

    /// Records a failure at `at`.
    #[cold]
    fn fail(&mut self, at: usize, expected: &'static str) -> Stop {
        self.pos = at;
        self.expected = expected;
        Stop
    }

    /// The message of the last failure: what was expected, where, and the text there.
    #[cold]
    pub(crate) fn error(&self) -> ParseErrorKind {
        let rest = self.text.get(self.pos..).unwrap_or_default();
        let shown = rest.char_indices().nth(40).map_or(rest, |(i, _)| &rest[..i]);
        let found = if rest.is_empty() { "the end" } else { shown };
        ParseErrorKind::Malformed(format!("expected {} at byte {}, found {found}", self.expected, self.pos))
    }

    /// Reads an object, calling `member` with each key (`None` for a key written with escape sequences,
    /// which no decoder asks for) and the scanner positioned before the value, which `member` must consume.
    pub(crate) fn object(
        &mut self,
        mut member: impl FnMut(&mut Self, Option<&'a str>) -> ScanResult<()>,
    ) -> ScanResult<()> {
        self.expect(b'{', "an object")?;
        if self.peek() == Some(b'}') {
            self.pos += 1;
            return Ok(());
        }
        loop {
            let key = self.key()?;
            self.expect(b':', "`:`")?;
            member(self, key)?;
            match self.peek() {
                Some(b',') => self.pos += 1,
                Some(b'}') => {
                    self.pos += 1;
                    return Ok(());
                }
                _ => return Err(self.fail(self.pos, "`,` or `}`")),
            }
        }
    }

    /// Reads an array, calling `element` with the scanner positioned before each element, which it must
    /// consume.
    pub(crate) fn array(&mut self, mut element: impl FnMut(&mut Self) -> ScanResult<()>) -> ScanResult<()> {
        self.expect(b'[', "an array")?;
        if self.peek() == Some(b']') {
            self.pos += 1;
            return Ok(());
        }
        loop {
            element(self)?;
            match self.peek() {
                Some(b',') => self.pos += 1,
                Some(b']') => {
                    self.pos += 1;
                    return Ok(());
                }
                _ => return Err(self.fail(self.pos, "`,` or `]`")),
            }
        }
    }

    /// An object key of a read object; `None` when it has escape sequences, which are validated the way
    /// serde_json validates the keys it reads (surrogate pairs included).
    #[inline]
    fn key(&mut self) -> ScanResult<Option<&'a str>> {
        if self.peek() != Some(b'"') {
            return Err(self.fail(self.pos, "a string key"));
        }
        if let Some(key) = self.plain_string() {
            return Ok(Some(key));
        }
        self.escaped_key().map(|()| None)
    }

    #[cold]
    fn escaped_key(&mut self) -> ScanResult<()> {
        let start = self.pos;
        self.string()?;
        let quoted = self.slice(start, self.pos)?;
        match serde_json::from_str::<String>(quoted) {
            Ok(_) => Ok(()),
            Err(_) => Err(self.fail(start, "a key with valid escape sequences")),
        }
    }

    /// At an opening quote: a string without escape sequences (its content), moving past it; `None`, with
    /// the position unchanged, for any other string.
    #[inline(always)]
    fn plain_string(&mut self) -> Option<&'a str> {
        let start = self.pos + 1;
        let end = plain_string_end(self.bytes, start)?;
        self.pos = end + 1;
        self.text.get(start..end)
    }

    /// At an opening quote: moves past the string, validating escape sequences and rejecting control
    /// characters; returns its content as written.
    fn string(&mut self) -> ScanResult<&'a str> {
        let start = self.pos + 1;
        match string_end(self.bytes, start) {
            Ok(end) => {
                self.pos = end + 1;
                self.slice(start, end)
            }
            Err((at, expected)) => Err(self.fail(at, expected)),
        }
    }

    /// Moves past one value of any kind, validating it, and returns its text (without surrounding
    /// whitespace).
    pub(crate) fn value(&mut self) -> ScanResult<&'a str> {
        let start = skip_ws(self.bytes, self.pos);
        match value_end(self.bytes, start) {
            Ok(end) => {
                self.pos = end;
                self.slice(start, end)
            }
            Err((at, expected)) => Err(self.fail(at, expected)),
        }
    }

    /// Moves past one value like [`value`](Self::value); an array shaped like book levels is read into
    /// [`RawLevel`]s in the same pass (tried first for every array).
    pub(crate) fn value_or_levels(&mut self) -> ScanResult<(&'a str, Option<Vec<RawLevel<'a>>>)> {
        if self.peek() == Some(b'[') {
            let start = self.pos;
            if let Some(levels) = self.try_levels() {
                return Ok((self.slice(start, self.pos)?, Some(levels)));
            }
        }
        Ok((self.value()?, None))
    }

    /// Reads `[[price, size], ...]` (strings without escapes or numbers, whitespace allowed) starting at
    /// the current position, validating as it goes. `None` when the value does not have that shape
    /// (it may still be valid JSON); the position is then unchanged. The index lives in a register for
    /// the whole array: this loop is the book hot path.
    pub(crate) fn try_levels(&mut self) -> Option<Vec<RawLevel<'a>>> {
        let (text, bytes) = (self.text, self.bytes);
        let index = token(bytes, self.pos, b'[')?;
        if let Some(end) = token(bytes, index, b']') {
            self.pos = end;
            return Some(Vec::new());
        }
        // The first level decides the shape: arrays of anything else (most arrays of other channels) are
        // left before anything is allocated.
        let (first, mut index) = level(text, bytes, index)?;
        let reserve = (bytes.len().saturating_sub(index) / LEVEL_BYTES + 1).clamp(1, LEVELS_RESERVE_MAX);
        let mut levels = Vec::with_capacity(reserve);
        levels.push(first);
        loop {
            index = skip_ws(bytes, index);
            match bytes.get(index) {
                Some(b',') => {
                    let (next, after) = level(text, bytes, index + 1)?;
                    levels.push(next);
                    index = after;
                }
                Some(b']') => {
                    self.pos = index + 1;
                    return Some(levels);
                }
                _ => return None,
            }
        }
    }
}

/// The kinds of the open containers of a skipped value (`true` = object): 64 levels in a word, deeper
/// ones spilled to the heap.
#[derive(Default)]
struct Nesting {
    depth: usize,
    top: u64,
    spilled: Vec<u64>,
}

impl Nesting {
    #[inline]
    fn push(&mut self, is_object: bool) {
        if self.depth > 0 && self.depth % 64 == 0 {
            self.spilled.push(self.top);
            self.top = 0;
        }
        self.top = (self.top << 1) | u64::from(is_object);
        self.depth += 1;
    }

    #[inline]
    fn pop(&mut self) {
        self.top >>= 1;
        self.depth -= 1;
        if self.depth > 0 && self.depth % 64 == 0 {
            self.top = self.spilled.pop().unwrap_or_default();
        }
    }

    /// Whether the innermost open container is an object; `None` when none is open.
    #[inline]
    fn top(&self) -> Option<bool> {
        (self.depth > 0).then_some(self.top & 1 == 1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn skip(text: &str) -> Result<&str, ParseErrorKind> {
        let mut scanner = Scanner::new(text);
        scanner.value().and_then(|value| scanner.end().map(|()| value)).map_err(|Stop| scanner.error())
    }

    #[test]
    fn accepts_what_serde_json_accepts() {
        let deep = format!("{}{}", "[{\"a\":".repeat(200), "}]".repeat(200)).replace(":}", ":1}");
        for text in [
            " 0 ",
            "-0.5e+10",
            "1E-2",
            "\"a\\u00e9\\n\\\"é\"",
            "true",
            "null",
            "[]",
            "{}",
            "[ 1 , [ ] , { } , {\"k\" : [null,false]} ]",
            "{\"a\":{\"b\":[1,{\"c\":\"d\"}]},\"e\":-1}",
            deep.as_str(),
        ] {
            assert!(serde_json::from_str::<serde::de::IgnoredAny>(text).is_ok(), "{text}");
            assert_eq!(skip(text).unwrap(), text.trim(), "{text}");
        }
    }

    #[test]
    fn rejects_what_serde_json_rejects() {
        for text in [
            "",
            "01",
            "-",
            "1.",
            ".5",
            "1e",
            "+1",
            "tru",
            "nul",
            "\"abc",
            "\"a\\x\"",
            "\"\\u12g4\"",
            "\"a\u{1}\"",
            "[1,]",
            "[1 2]",
            "{\"a\"}",
            "{\"a\":1,}",
            "{a:1}",
            "{\"a\":1]",
            "[}",
            "[[1]",
            "{\"a\":{}",
            "1 2",
        ] {
            assert!(serde_json::from_str::<serde::de::IgnoredAny>(text).is_err(), "{text}");
            assert!(matches!(skip(text), Err(ParseErrorKind::Malformed(_))), "{text}");
        }
    }

    #[test]
    fn word_at_a_time_runs_match_byte_at_a_time() {
        let alphabet = b"a0\"\\\x01\x1f \x7f\xc3\x809.";
        let mut state = 0x9E37_79B9_7F4A_7C15u64;
        for _ in 0..20_000 {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            let len = (state % 24) as usize;
            let bytes: Vec<u8> =
                (0..len).map(|i| alphabet[((state >> (i * 2)) % alphabet.len() as u64) as usize]).collect();
            let start = (state >> 50) as usize % (len + 1);
            let naive_stop = (start..len).find(|&i| matches!(bytes[i], b'"' | b'\\' | 0..=0x1f)).unwrap_or(len);
            assert_eq!(string_stop(&bytes, start), naive_stop, "{bytes:?} from {start}");
            let naive_digits = (start..len).find(|&i| !bytes[i].is_ascii_digit()).unwrap_or(len);
            assert_eq!(skip_digits(&bytes, start), naive_digits, "{bytes:?} from {start}");
        }
    }

    /// What `try_levels` must return for a whole text, by serde_json: an array of `[price, size]` pairs of
    /// escape-free strings (their content) or numbers (their text); `None` for any other value or invalid JSON.
    fn reference_levels(text: &str) -> Option<Vec<(String, String)>> {
        let scalar = |raw: &serde_json::value::RawValue| -> Option<String> {
            let raw = raw.get();
            match raw.as_bytes()[0] {
                b'"' if !raw.contains('\\') => Some(raw[1..raw.len() - 1].to_owned()),
                b'-' | b'0'..=b'9' => Some(raw.to_owned()),
                _ => None,
            }
        };
        let levels: Vec<Vec<&serde_json::value::RawValue>> = serde_json::from_str(text).ok()?;
        levels
            .iter()
            .map(|level| match level.as_slice() {
                [price, size] => Some((scalar(price)?, scalar(size)?)),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn levels_match_serde_json_in_compact_and_general_forms() {
        let mut next = crate::parse::test_rng(0x1EE7_0000_0000_0005u64);
        let alphabet: &[&str] = &["0", "7", ".", "-", "e", "\"", "\\", "\u{1}", "\u{1f}", "é", " ", ",", "]", "["];
        let (mut checked, mut levels_found) = (0, 0);
        for _ in 0..40_000 {
            let mut text = String::from("[");
            for level in 0..=next(4) {
                if level > 0 {
                    text.push_str(if next(8) == 0 { " , " } else { "," });
                }
                let scalars: Vec<String> = (0..2)
                    .map(|_| {
                        let mut value: String = (0..next(14)).map(|_| ["1", "5", "0", "."][next(4)]).collect();
                        if next(6) == 0 {
                            value.insert_str(next(value.len() + 1), alphabet[next(alphabet.len())]);
                        }
                        if next(5) == 0 && !value.is_empty() {
                            value
                        } else {
                            format!("\"{value}\"")
                        }
                    })
                    .collect();
                let gap = if next(10) == 0 { " " } else { "" };
                text.push_str(&format!("[{gap}{}{gap},{}]", scalars[0], scalars[1]));
            }
            text.push(']');
            if next(10) == 0 {
                let at = next(text.len() + 1);
                if text.is_char_boundary(at) {
                    text.insert_str(at, alphabet[next(alphabet.len())]);
                }
            }
            let mut scanner = Scanner::new(&text);
            let found = scanner.try_levels().filter(|_| scanner.end().is_ok()).map(|levels| {
                levels.iter().map(|level| (level.price.to_owned(), level.size.to_owned())).collect::<Vec<_>>()
            });
            assert_eq!(found, reference_levels(&text), "{text}");
            checked += 1;
            levels_found += usize::from(found.is_some());
        }
        assert!(levels_found > checked / 4 && levels_found < checked, "{levels_found} of {checked}");
    }

    #[test]
    fn levels_only_for_the_level_shape() {
        let mut scanner = Scanner::new(r#"[["1.5", "2"], [3, -4e1] ] ,"#);
        let levels = scanner.try_levels().unwrap();
        assert_eq!(levels, [RawLevel { price: "1.5", size: "2" }, RawLevel { price: "3", size: "-4e1" }]);
        assert_eq!(scanner.peek(), Some(b','));
        for text in [r#"[["1"]]"#, r#"[["1","2","3"]]"#, r#"[["a\"","2"]]"#, "[[01,2]]", "[{}]", "[[1,2],]", "[[1,2]"] {
            assert!(Scanner::new(text).try_levels().is_none(), "{text}");
        }
        assert_eq!(Scanner::new("[ ]").try_levels(), Some(Vec::new()));
    }
}
