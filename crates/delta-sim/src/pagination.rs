//! Cursor pagination (REFERENCE 5.4): `page_size`, opaque `after`/`before` cursors, `meta.after`
//! `null` on the last page and `meta.before` `null` on the first.
//!
//! A cursor names the key of the item at a page boundary (order id, fill sequence, product id), so
//! pages stay stable when newer items arrive. The text is opaque to clients, as Delta's is.

use delta_core::model::PageMeta;

use crate::reply::ApiError;

const CURSOR_PREFIX: &str = "g3QAAAACZAAKY3";

/// Which page to return.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageRequest {
    /// Items per page.
    pub page_size: usize,
    /// Return the items after this key (the next page).
    pub after: Option<u64>,
    /// Return the items before this key (the previous page).
    pub before: Option<u64>,
}

impl PageRequest {
    /// Reads `page_size` (default `default_size`, capped at `max_size`; 0 is refused), `after` and
    /// `before` from their query values.
    pub fn parse(
        page_size: Option<&str>,
        after: Option<&str>,
        before: Option<&str>,
        default_size: usize,
        max_size: usize,
    ) -> Result<Self, ApiError> {
        let page_size = match page_size {
            None => default_size,
            Some(text) => match text.parse::<usize>() {
                Ok(size) if size > 0 => size.min(max_size),
                _ => return Err(ApiError::bad_schema("page_size", "page_size must be a positive integer")),
            },
        };
        let after = after.filter(|text| !text.is_empty()).map(|text| decode_cursor(text, "after")).transpose()?;
        let before = before.filter(|text| !text.is_empty()).map(|text| decode_cursor(text, "before")).transpose()?;
        Ok(Self { page_size, after, before })
    }
}

/// The opaque text of a cursor for `key`.
pub fn encode_cursor(key: u64) -> String {
    format!("{CURSOR_PREFIX}{:016x}", key ^ 0x5bd1_e995_5bd1_e995)
}

fn decode_cursor(text: &str, param: &str) -> Result<u64, ApiError> {
    text.strip_prefix(CURSOR_PREFIX)
        .filter(|hex| hex.len() == 16)
        .and_then(|hex| u64::from_str_radix(hex, 16).ok())
        .map(|value| value ^ 0x5bd1_e995_5bd1_e995)
        .ok_or_else(|| ApiError::bad_schema(param, format!("{param} is not a valid cursor")))
}

/// Cuts one page out of `items`, which are in display order with keys strictly monotonic in
/// `descending` (or ascending) order.
pub fn paginate<T>(
    items: Vec<T>,
    key: impl Fn(&T) -> u64,
    descending: bool,
    request: PageRequest,
) -> (Vec<T>, PageMeta) {
    let past = |item_key: u64, cursor: u64| if descending { item_key < cursor } else { item_key > cursor };
    let keys: Vec<u64> = items.iter().map(&key).collect();
    let (start, end) = match (request.after, request.before) {
        (Some(cursor), _) => {
            let start = keys.iter().position(|k| past(*k, cursor)).unwrap_or(keys.len());
            (start, (start + request.page_size).min(keys.len()))
        }
        (None, Some(cursor)) => {
            let end = keys.iter().position(|k| !past(cursor, *k)).unwrap_or(keys.len());
            (end.saturating_sub(request.page_size), end)
        }
        (None, None) => (0, request.page_size.min(keys.len())),
    };
    let meta = PageMeta {
        after: (end < keys.len() && end > start).then(|| encode_cursor(keys[end - 1])),
        before: (start > 0 && start < keys.len()).then(|| encode_cursor(keys[start])),
    };
    let page = items.into_iter().skip(start).take(end - start).collect();
    (page, meta)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(page_size: usize, after: Option<u64>, before: Option<u64>) -> PageRequest {
        PageRequest { page_size, after, before }
    }

    fn cursor(text: &Option<String>) -> Option<u64> {
        text.as_deref().map(|text| decode_cursor(text, "after").unwrap())
    }

    #[test]
    fn walks_forward_and_back() {
        let items: Vec<u64> = (1..=5).rev().collect(); // newest first: 5 4 3 2 1
        let (first, meta) = paginate(items.clone(), |k| *k, true, request(2, None, None));
        assert_eq!(first, vec![5, 4]);
        assert_eq!(meta.before, None);
        let (second, meta) = paginate(items.clone(), |k| *k, true, request(2, cursor(&meta.after), None));
        assert_eq!(second, vec![3, 2]);
        let (third, last_meta) = paginate(items.clone(), |k| *k, true, request(2, cursor(&meta.after), None));
        assert_eq!(third, vec![1]);
        assert_eq!(last_meta.after, None);
        let (back, _) = paginate(items, |k| *k, true, request(2, None, cursor(&meta.before)));
        assert_eq!(back, vec![5, 4]);
    }

    #[test]
    fn ascending_lists_and_bad_cursors() {
        let (page, meta) = paginate(vec![27u64, 3136, 140001], |k| *k, false, request(2, None, None));
        assert_eq!(page, vec![27, 3136]);
        let (rest, meta) = paginate(vec![27u64, 3136, 140001], |k| *k, false, request(2, cursor(&meta.after), None));
        assert_eq!((rest, meta.after), (vec![140001], None));
        assert!(PageRequest::parse(None, Some("nope"), None, 100, 100).is_err());
        assert!(PageRequest::parse(Some("0"), None, None, 100, 100).is_err());
        assert_eq!(PageRequest::parse(Some("500"), None, None, 50, 50).unwrap().page_size, 50);
    }
}
