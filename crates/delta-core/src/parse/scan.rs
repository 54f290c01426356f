//! A strict single-pass JSON scanner over text that is already valid UTF-8: it accepts exactly what
//! serde_json accepts (RFC 8259 grammar, any nesting depth, strings checked for control characters and
//! escape syntax) and hands back borrowed slices of the input instead of building values. Nothing is
//! allocated on the happy path except the level vectors of [`Scanner::try_levels`]; an error message is
//! only formatted once something is wrong.

use super::book_message::RawLevel;
use super::error::ParseErrorKind;

/// Result of a scan step.
pub(crate) type ScanResult<T> = Result<T, ParseErrorKind>;

/// Bytes that end the fast run of a string's content: the quote, the backslash and control characters.
const STRING_STOP: [bool; 256] = {
    let mut table = [false; 256];
    let mut byte = 0;
    while byte < 0x20 {
        table[byte] = true;
        byte += 1;
    }
    table[b'"' as usize] = true;
    table[b'\\' as usize] = true;
    table
};

/// Levels reserved up front per book side, at most: enough for Delta's usual updates and snapshots in one
/// allocation, without reserving a large frame's worth for a small side.
const LEVELS_RESERVE_MAX: usize = 64;

/// Shortest text of one level, `["1","2"],`: bounds how many levels the rest of a frame can hold.
const MIN_LEVEL_BYTES: usize = 10;

/// A cursor over JSON text.
pub(crate) struct Scanner<'a> {
    text: &'a str,
    bytes: &'a [u8],
    pos: usize,
}

impl<'a> Scanner<'a> {
    /// A scanner at the start of `text`.
    pub(crate) fn new(text: &'a str) -> Self {
        Self { text, bytes: text.as_bytes(), pos: 0 }
    }

    #[inline]
    fn skip_ws(&mut self) {
        while let Some(b' ' | b'\n' | b'\r' | b'\t') = self.bytes.get(self.pos) {
            self.pos += 1;
        }
    }

    /// The next byte after whitespace, not consumed.
    #[inline]
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
            Err(self.error(what))
        }
    }

    /// Succeeds when only whitespace is left.
    pub(crate) fn end(&mut self) -> ScanResult<()> {
        match self.peek() {
            None => Ok(()),
            Some(_) => Err(self.error("the end of the text")),
        }
    }

    #[inline]
    fn slice(&self, start: usize, end: usize) -> ScanResult<&'a str> {
        self.text.get(start..end).ok_or_else(|| self.error("a value"))
    }

    #[cold]
    fn error(&self, expected: &str) -> ParseErrorKind {
        let rest = self.text.get(self.pos..).unwrap_or_default();
        let shown = rest.char_indices().nth(40).map_or(rest, |(i, _)| &rest[..i]);
        if self.pos >= self.bytes.len() {
            ParseErrorKind::Malformed(format!("expected {expected} at byte {}, found the end", self.pos))
        } else {
            ParseErrorKind::Malformed(format!("expected {expected} at byte {}: {shown}", self.pos))
        }
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
                _ => return Err(self.error("`,` or `}`")),
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
                _ => return Err(self.error("`,` or `]`")),
            }
        }
    }

    /// An object key; `None` when it has escape sequences (they are validated the way serde_json
    /// validates keys, surrogate pairs included).
    fn key(&mut self) -> ScanResult<Option<&'a str>> {
        if self.peek() != Some(b'"') {
            return Err(self.error("a string key"));
        }
        let start = self.pos;
        let (content, escaped) = self.string()?;
        if !escaped {
            return Ok(Some(content));
        }
        let quoted = self.slice(start, self.pos)?;
        serde_json::from_str::<String>(quoted).map_err(|e| ParseErrorKind::Malformed(format!("key: {e}")))?;
        Ok(None)
    }

    /// At an opening quote: moves past the string and returns its content as written and whether it
    /// holds escape sequences.
    #[inline]
    fn string(&mut self) -> ScanResult<(&'a str, bool)> {
        let start = self.pos + 1;
        let mut index = start;
        let mut escaped = false;
        loop {
            match self.bytes.get(index) {
                Some(&byte) if !STRING_STOP[byte as usize] => index += 1,
                Some(b'"') => break,
                Some(b'\\') => {
                    escaped = true;
                    index = self.escape(index + 1)?;
                }
                Some(_) => {
                    self.pos = index;
                    return Err(self.error("a string without control characters"));
                }
                None => {
                    self.pos = index;
                    return Err(self.error("the closing quote of a string"));
                }
            }
        }
        self.pos = index + 1;
        Ok((self.slice(start, index)?, escaped))
    }

    /// Checks the escape sequence whose character is at `index`; returns the index after it.
    #[cold]
    fn escape(&mut self, index: usize) -> ScanResult<usize> {
        match self.bytes.get(index) {
            Some(b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't') => Ok(index + 1),
            Some(b'u') => match self.bytes.get(index + 1..index + 5) {
                Some(hex) if hex.iter().all(u8::is_ascii_hexdigit) => Ok(index + 5),
                _ => {
                    self.pos = index;
                    Err(self.error("four hex digits after `\\u`"))
                }
            },
            _ => {
                self.pos = index;
                Err(self.error("an escape sequence"))
            }
        }
    }

    /// At `-` or a digit: moves past a number of the JSON grammar.
    #[inline]
    fn number(&mut self) -> ScanResult<()> {
        let bytes = self.bytes;
        let mut index = self.pos;
        if bytes.get(index) == Some(&b'-') {
            index += 1;
        }
        match bytes.get(index) {
            Some(b'0') => index += 1,
            Some(b'1'..=b'9') => index = skip_digits(bytes, index + 1),
            _ => return Err(self.fail_at(index, "a digit")),
        }
        if bytes.get(index) == Some(&b'.') {
            index = self.digits(index + 1)?;
        }
        if let Some(b'e' | b'E') = bytes.get(index) {
            index += 1;
            if let Some(b'+' | b'-') = bytes.get(index) {
                index += 1;
            }
            index = self.digits(index)?;
        }
        self.pos = index;
        Ok(())
    }

    /// At least one digit at `index`; returns the index after the run.
    #[inline]
    fn digits(&mut self, index: usize) -> ScanResult<usize> {
        match self.bytes.get(index) {
            Some(b'0'..=b'9') => Ok(skip_digits(self.bytes, index + 1)),
            _ => Err(self.fail_at(index, "a digit")),
        }
    }

    #[cold]
    fn fail_at(&mut self, index: usize, expected: &str) -> ParseErrorKind {
        self.pos = index;
        self.error(expected)
    }

    /// Consumes `word` (`true`, `false`, `null`) at the current position.
    fn literal(&mut self, word: &'static str) -> ScanResult<()> {
        if self.bytes.get(self.pos..self.pos + word.len()) == Some(word.as_bytes()) {
            self.pos += word.len();
            Ok(())
        } else {
            Err(self.error(word))
        }
    }

    /// A scalar at the current position (after whitespace); `Ok(false)` when the next byte opens a container.
    #[inline]
    fn scalar(&mut self) -> ScanResult<bool> {
        match self.peek() {
            Some(b'"') => self.string().map(|_| true),
            Some(b'-' | b'0'..=b'9') => self.number().map(|()| true),
            Some(b't') => self.literal("true").map(|()| true),
            Some(b'f') => self.literal("false").map(|()| true),
            Some(b'n') => self.literal("null").map(|()| true),
            Some(b'[' | b'{') => Ok(false),
            _ => Err(self.error("a value")),
        }
    }

    /// Moves past one value of any kind, validating it, and returns its text (without surrounding
    /// whitespace). Containers are walked iteratively, so depth costs no stack.
    pub(crate) fn value(&mut self) -> ScanResult<&'a str> {
        self.skip_ws();
        let start = self.pos;
        let mut nesting = Nesting::default();
        loop {
            if !self.scalar()? {
                let is_object = self.bytes.get(self.pos) == Some(&b'{');
                self.pos += 1;
                let close = if is_object { b'}' } else { b']' };
                if self.peek() == Some(close) {
                    self.pos += 1;
                } else {
                    nesting.push(is_object);
                    if is_object {
                        self.member_key()?;
                    }
                    continue;
                }
            }
            // After a complete value: close finished containers until one expects another element.
            loop {
                let Some(is_object) = nesting.top() else { return self.slice(start, self.pos) };
                match self.peek() {
                    Some(b',') => {
                        self.pos += 1;
                        if is_object {
                            self.member_key()?;
                        }
                        break;
                    }
                    Some(b'}') if is_object => {
                        self.pos += 1;
                        nesting.pop();
                    }
                    Some(b']') if !is_object => {
                        self.pos += 1;
                        nesting.pop();
                    }
                    _ => return Err(self.error(if is_object { "`,` or `}`" } else { "`,` or `]`" })),
                }
            }
        }
    }

    /// A key and its colon inside a skipped object: checked as any string, as serde_json skips it.
    fn member_key(&mut self) -> ScanResult<()> {
        if self.peek() != Some(b'"') {
            return Err(self.error("a string key"));
        }
        self.string()?;
        self.expect(b':', "`:`")
    }

    /// Moves past one value like [`value`](Self::value); an array shaped like book levels is read into
    /// [`RawLevel`]s in the same pass (tried first for every array).
    pub(crate) fn value_or_levels(&mut self) -> ScanResult<(&'a str, Option<Vec<RawLevel<'a>>>)> {
        if self.peek() == Some(b'[') {
            let start = self.pos;
            if let Some(levels) = self.try_levels() {
                return Ok((self.slice(start, self.pos)?, Some(levels)));
            }
            self.pos = start;
        }
        Ok((self.value()?, None))
    }

    /// Reads `[[price, size], ...]` (strings without escapes or numbers, whitespace allowed) starting at
    /// the current position, validating as it goes. `None` when the value does not have that shape
    /// (it may still be valid JSON); the position is then unspecified.
    pub(crate) fn try_levels(&mut self) -> Option<Vec<RawLevel<'a>>> {
        if self.peek()? != b'[' {
            return None;
        }
        self.pos += 1;
        if self.peek()? == b']' {
            self.pos += 1;
            return Some(Vec::new());
        }
        let reserve = ((self.bytes.len() - self.pos) / MIN_LEVEL_BYTES).clamp(1, LEVELS_RESERVE_MAX);
        let mut levels = Vec::with_capacity(reserve);
        loop {
            if self.peek()? != b'[' {
                return None;
            }
            self.pos += 1;
            let price = self.level_scalar()?;
            if self.peek()? != b',' {
                return None;
            }
            self.pos += 1;
            let size = self.level_scalar()?;
            if self.peek()? != b']' {
                return None;
            }
            self.pos += 1;
            levels.push(RawLevel { price, size });
            match self.peek()? {
                b',' => self.pos += 1,
                b']' => {
                    self.pos += 1;
                    return Some(levels);
                }
                _ => return None,
            }
        }
    }

    /// A level's price or size: a string's content (no escapes) or a number's text.
    #[inline]
    fn level_scalar(&mut self) -> Option<&'a str> {
        match self.peek()? {
            b'"' => match self.string() {
                Ok((content, false)) => Some(content),
                _ => None,
            },
            b'-' | b'0'..=b'9' => {
                let start = self.pos;
                self.number().ok()?;
                self.text.get(start..self.pos)
            }
            _ => None,
        }
    }
}

#[inline]
fn skip_digits(bytes: &[u8], mut index: usize) -> usize {
    while let Some(b'0'..=b'9') = bytes.get(index) {
        index += 1;
    }
    index
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

    fn skip(text: &str) -> ScanResult<&str> {
        let mut scanner = Scanner::new(text);
        let value = scanner.value()?;
        scanner.end()?;
        Ok(value)
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
