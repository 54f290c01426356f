//! Walks cursor-paginated endpoints (`meta.after` until `null`, REFERENCE 5.4).

use std::collections::HashSet;

use serde::de::DeserializeOwned;

use crate::error::{DeltaError, DeltaResult};
use crate::http::client::{Call, DeltaHttpClient};
use crate::http::query::QueryString;
use crate::model::{Envelope, PageMeta};

/// The page parameters shared by every paginated endpoint: `page_size`, `after`, `before`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PageRequest {
    /// Items per page (Delta's default when `None`; history and fills return at most 50).
    pub page_size: Option<u32>,
    /// Cursor of the next page (`meta.after` of the previous answer).
    pub after: Option<String>,
    /// Cursor of the previous page (`meta.before`).
    pub before: Option<String>,
}

impl PageRequest {
    /// The first page with `page_size` items.
    pub fn first(page_size: u32) -> Self {
        Self { page_size: Some(page_size), after: None, before: None }
    }

    /// The same page size at cursor `after` (the form `*_all` walks use).
    pub(crate) fn at(&self, after: Option<&str>) -> Self {
        Self { page_size: self.page_size, after: after.map(str::to_owned), before: None }
    }

    /// Appends `page_size`, `after`, `before` (when set).
    pub(crate) fn write(&self, query: &mut QueryString) {
        query.push_opt("page_size", self.page_size);
        query.push_opt("after", self.after.as_deref());
        query.push_opt("before", self.before.as_deref());
    }
}

/// One page of a paginated endpoint.
#[derive(Debug, Clone, PartialEq)]
pub struct Page<T> {
    /// The items of this page.
    pub items: Vec<T>,
    /// The cursors (`after` is `None` on the last page).
    pub meta: PageMeta,
}

/// Tracks the cursors of one walk: refuses a cursor seen before (a server bug would otherwise loop
/// forever) and more than `max_pages` pages.
#[derive(Debug)]
pub(crate) struct CursorWalk {
    endpoint: String,
    seen: HashSet<String>,
    pages: usize,
    max_pages: usize,
}

impl CursorWalk {
    /// A walk of `endpoint` allowing `max_pages` pages.
    pub fn new(endpoint: String, max_pages: usize) -> Self {
        Self { endpoint, seen: HashSet::new(), pages: 0, max_pages }
    }

    /// Records one received page whose `meta.after` is `after`; returns the cursor of the next page, or
    /// `None` when this was the last one (a `null`, absent or empty cursor).
    pub fn next(&mut self, after: Option<String>) -> DeltaResult<Option<String>> {
        self.pages += 1;
        let Some(after) = after.filter(|cursor| !cursor.is_empty()) else { return Ok(None) };
        if !self.seen.insert(after.clone()) {
            return Err(DeltaError::decode(
                &self.endpoint,
                format!("pagination cursor repeated after {} pages", self.pages),
                after.as_bytes(),
            ));
        }
        if self.pages >= self.max_pages {
            return Err(DeltaError::InvalidRequest(format!(
                "{} has more than {} pages; narrow the filters or raise max_pages",
                self.endpoint, self.max_pages
            )));
        }
        Ok(Some(after))
    }
}

impl DeltaHttpClient {
    /// Fetches one page.
    pub(crate) async fn page<T: DeserializeOwned>(&self, call: Call) -> DeltaResult<Page<T>> {
        let envelope: Envelope<Vec<T>, PageMeta> = self.execute(call).await?;
        Ok(Page { items: envelope.result, meta: envelope.meta.unwrap_or_default() })
    }

    /// Fetches every page: `page(cursor)` builds the call for one page (`None` = the first), and the
    /// results are concatenated in the order received.
    pub(crate) async fn collect_pages<T, F>(&self, mut page: F) -> DeltaResult<Vec<T>>
    where
        T: DeserializeOwned,
        F: FnMut(Option<&str>) -> Call,
    {
        let first = page(None);
        let mut walk = CursorWalk::new(first.endpoint(), self.max_pages());
        let mut call = first;
        let mut items = Vec::new();
        loop {
            let envelope: Envelope<Vec<T>, PageMeta> = self.execute(call).await?;
            items.extend(envelope.result);
            match walk.next(envelope.meta.and_then(|meta| meta.after))? {
                Some(cursor) => call = page(Some(&cursor)),
                None => return Ok(items),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn walks_until_the_cursor_is_null_or_empty() {
        let mut walk = CursorWalk::new("GET /v2/fills".into(), 10);
        assert_eq!(walk.next(Some("a".into())).unwrap().as_deref(), Some("a"));
        assert_eq!(walk.next(Some("b".into())).unwrap().as_deref(), Some("b"));
        assert_eq!(walk.next(None).unwrap(), None);
        let mut walk = CursorWalk::new("GET /v2/fills".into(), 10);
        assert_eq!(walk.next(Some(String::new())).unwrap(), None);
    }

    #[test]
    fn a_repeated_cursor_is_an_error_not_a_loop() {
        let mut walk = CursorWalk::new("GET /v2/orders/history".into(), 100);
        walk.next(Some("a".into())).unwrap();
        walk.next(Some("b".into())).unwrap();
        let err = walk.next(Some("a".into())).unwrap_err();
        let DeltaError::Decode { what, message, .. } = err else { panic!("{err:?}") };
        assert_eq!(what, "GET /v2/orders/history");
        assert!(message.contains("repeated"), "{message}");
    }

    #[test]
    fn the_page_cap_stops_the_walk() {
        let mut walk = CursorWalk::new("GET /v2/products".into(), 3);
        walk.next(Some("1".into())).unwrap();
        walk.next(Some("2".into())).unwrap();
        assert!(matches!(walk.next(Some("3".into())), Err(DeltaError::InvalidRequest(_))));
        let mut walk = CursorWalk::new("GET /v2/products".into(), 3);
        walk.next(Some("1".into())).unwrap();
        walk.next(Some("2".into())).unwrap();
        assert_eq!(walk.next(None).unwrap(), None, "the last allowed page may end the walk");
    }
}
