//! Reading query strings and JSON bodies the way Delta validates them: a malformed value is a
//! `bad_schema` rejection naming the parameter.

use std::collections::HashMap;
use std::str::FromStr;

use axum::extract::{FromRequestParts, Query};
use axum::http::request::Parts;
use serde::de::DeserializeOwned;

use crate::pagination::PageRequest;
use crate::reply::ApiError;

/// The decoded query parameters of a request (the last value wins for repeated keys).
#[derive(Debug, Clone, Default)]
pub struct Params(HashMap<String, String>);

impl<S: Send + Sync> FromRequestParts<S> for Params {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        Query::<HashMap<String, String>>::from_request_parts(parts, state)
            .await
            .map(|Query(map)| Self(map))
            .map_err(|error| ApiError::bad_schema("", error.body_text()))
    }
}

impl Params {
    /// A parameter's text, when present and not empty.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0.get(name).map(String::as_str).filter(|text| !text.is_empty())
    }

    /// A comma-separated list (empty when absent).
    pub fn csv(&self, name: &str) -> Vec<String> {
        self.get(name)
            .map(|text| text.split(',').map(str::trim).filter(|item| !item.is_empty()).map(str::to_owned).collect())
            .unwrap_or_default()
    }

    /// A number, or `bad_schema` when it does not parse.
    pub fn number<T: FromStr>(&self, name: &str) -> Result<Option<T>, ApiError> {
        self.get(name)
            .map(|text| text.parse().map_err(|_| ApiError::bad_schema(name, format!("{name} must be a number"))))
            .transpose()
    }

    /// A required parameter.
    pub fn required(&self, name: &str) -> Result<&str, ApiError> {
        self.get(name).ok_or_else(|| ApiError::bad_schema(name, format!("{name} is required")))
    }

    /// A comma-separated list of ids.
    pub fn ids(&self, name: &str) -> Result<Vec<u64>, ApiError> {
        self.csv(name)
            .iter()
            .map(|item| item.parse().map_err(|_| ApiError::bad_schema(name, format!("{name} must be integers"))))
            .collect()
    }

    /// `page_size`, `after` and `before`.
    pub fn page(&self, default_size: usize, max_size: usize) -> Result<PageRequest, ApiError> {
        PageRequest::parse(self.get("page_size"), self.get("after"), self.get("before"), default_size, max_size)
    }
}

/// Parameters of a DELETE request: the JSON body Delta documents, or — when the body is empty — the query
/// string, which several ccxt versions send instead (`DELETE /v2/orders?id=1&product_id=27`, signed as a
/// query). Query values arrive as strings; the request models read integers and flags from strings too.
pub fn body_or_query<T: DeserializeOwned>(body: &[u8], params: &Params) -> Result<T, ApiError> {
    if body.iter().all(u8::is_ascii_whitespace) && !params.0.is_empty() {
        let object: serde_json::Map<String, serde_json::Value> =
            params.0.iter().map(|(key, value)| (key.clone(), serde_json::Value::String(value.clone()))).collect();
        let text = serde_json::Value::Object(object).to_string();
        return json_body(text.as_bytes());
    }
    json_body(body)
}

/// Parses a JSON body; an empty body reads as `{}`.
pub fn json_body<T: DeserializeOwned>(body: &[u8]) -> Result<T, ApiError> {
    let body = if body.iter().all(u8::is_ascii_whitespace) { b"{}".as_slice() } else { body };
    serde_json::from_slice(body).map_err(|error| ApiError::bad_schema("", error.to_string()))
}
