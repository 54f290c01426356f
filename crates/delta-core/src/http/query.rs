//! The query string, built once and used verbatim for both the URL and the signature (REFERENCE 2.2).

use std::fmt::{self, Write as _};

use crate::error::{DeltaError, DeltaResult};

/// Appends `key=value` pairs in call order, percent-encoding every byte except the unreserved characters
/// (`A-Z a-z 0-9 - . _ ~`) and `,` (Delta takes lists as one comma-separated parameter).
///
/// [`QueryString::as_str`] is `""` when empty and otherwise starts with `?`: exactly the form signed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct QueryString {
    text: String,
    scratch: String,
}

impl QueryString {
    /// An empty query.
    pub fn new() -> Self {
        Self::default()
    }

    /// Appends `key=value`.
    pub fn push(&mut self, key: &str, value: impl fmt::Display) -> &mut Self {
        self.text.push(if self.text.is_empty() { '?' } else { '&' });
        encode_into(&mut self.text, key);
        self.text.push('=');
        self.scratch.clear();
        // Writing into a String cannot fail.
        let _ = write!(self.scratch, "{value}");
        encode_into(&mut self.text, &self.scratch);
        self
    }

    /// Appends `key=value` when `value` is `Some`.
    pub fn push_opt(&mut self, key: &str, value: Option<impl fmt::Display>) -> &mut Self {
        if let Some(value) = value {
            self.push(key, value);
        }
        self
    }

    /// Appends `key=a,b,c` when the list is not empty.
    pub fn push_csv<I>(&mut self, key: &str, values: I) -> &mut Self
    where
        I: IntoIterator,
        I::Item: fmt::Display,
    {
        let mut joined = String::new();
        for value in values {
            if !joined.is_empty() {
                joined.push(',');
            }
            let _ = write!(joined, "{value}");
        }
        if !joined.is_empty() {
            self.push(key, joined);
        }
        self
    }

    /// `""` or `"?k=v&..."`, exactly as sent and signed.
    pub fn as_str(&self) -> &str {
        &self.text
    }
}

impl fmt::Display for QueryString {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

/// Most ids or symbols Delta accepts in one list parameter (`product_ids`, ticker symbols); more is a 4xx
/// (REFERENCE 3.2).
pub const MAX_LIST_ITEMS: usize = 10;

/// Refuses a list parameter longer than [`MAX_LIST_ITEMS`] before it is sent.
pub(crate) fn check_list_len(name: &str, len: usize) -> DeltaResult<()> {
    if len > MAX_LIST_ITEMS {
        return Err(DeltaError::InvalidRequest(format!("{name} takes at most {MAX_LIST_ITEMS} values, got {len}")));
    }
    Ok(())
}

/// Percent-encodes one path segment (a symbol or id) with the same rules as query values, so a
/// segment can never introduce `/`, `?` or `#` into the signed path.
pub fn encode_segment(segment: &str) -> String {
    let mut out = String::with_capacity(segment.len());
    encode_into(&mut out, segment);
    out
}

fn encode_into(out: &mut String, text: &str) {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    for &byte in text.as_bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~' | b',') {
            out.push(byte as char);
        } else {
            out.push('%');
            out.push(HEX[usize::from(byte >> 4)] as char);
            out.push(HEX[usize::from(byte & 0x0f)] as char);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_insertion_order_and_leading_question_mark() {
        let mut query = QueryString::new();
        assert_eq!(query.as_str(), "");
        query.push("state", "open").push("product_id", 1).push_opt("after", None::<&str>).push("page_size", 50);
        assert_eq!(query.as_str(), "?state=open&product_id=1&page_size=50");
    }

    #[test]
    fn encodes_everything_but_unreserved_and_comma() {
        let mut query = QueryString::new();
        query.push("symbol", "MARK:BTCUSD").push("cursor", "a+b/c=d&e f").push("x", "~._-Az09");
        query.push_csv("contract_types", ["call_options", "put_options"]).push_csv("empty", Vec::<u64>::new());
        assert_eq!(
            query.as_str(),
            "?symbol=MARK%3ABTCUSD&cursor=a%2Bb%2Fc%3Dd%26e%20f&x=~._-Az09&contract_types=call_options,put_options"
        );
        assert_eq!(encode_segment("C-BTC-90000-241231"), "C-BTC-90000-241231");
        assert_eq!(encode_segment("a/b?c"), "a%2Fb%3Fc");
        assert_eq!(encode_segment("é"), "%C3%A9");
    }

    #[test]
    fn list_parameters_are_capped_at_ten() {
        check_list_len("product_ids", 10).unwrap();
        let err = check_list_len("product_ids", 11).unwrap_err();
        assert!(matches!(&err, DeltaError::InvalidRequest(m) if m.contains("product_ids")), "{err}");
    }
}
