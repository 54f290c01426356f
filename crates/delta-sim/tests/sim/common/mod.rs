//! Shared test helpers: start a sim on a free port, a tiny signed-request client, fixtures.

#![allow(dead_code)]

use delta_core::auth::{timestamp_seconds, Signer};
use delta_sim::{spawn, SimConfig, SimHandle};
use reqwest::header::HeaderMap;
use reqwest::{Method, StatusCode};
use serde_json::Value;

/// An answer: status, headers and the JSON body (`Value::Null` when the body is not JSON).
pub struct Answer {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Value,
}

/// A sim and a client for it.
pub struct Sim {
    pub handle: SimHandle,
    pub http: reqwest::Client,
    pub signer: Signer,
}

impl Sim {
    /// Starts a sim with `config` on 127.0.0.1 and any free port.
    pub async fn start(config: SimConfig) -> Self {
        let handle = spawn(SimConfig { port: 0, ..config }).await.unwrap();
        let signer = Signer::from_parts(handle.api_key(), handle.api_secret());
        Self { handle, http: reqwest::Client::new(), signer }
    }

    /// Starts a sim with the default configuration.
    pub async fn default() -> Self {
        Self::start(SimConfig::default()).await
    }

    /// Stops the sim.
    pub async fn stop(self) {
        self.handle.shutdown().await.unwrap();
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.handle.rest_url(), path)
    }

    async fn send(&self, request: reqwest::RequestBuilder) -> Answer {
        let response = request.send().await.unwrap();
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = response.bytes().await.unwrap();
        let body = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        Answer { status, headers, body }
    }

    /// An unsigned GET with a User-Agent (`path` may carry a query).
    pub async fn get(&self, path: &str) -> Answer {
        self.send(self.http.get(self.url(path)).header("User-Agent", "delta-sim-tests")).await
    }

    /// A request with arbitrary headers and body, sent as given.
    pub async fn raw(&self, method: Method, path: &str, headers: &[(&str, &str)], body: &str) -> Answer {
        let mut request = self.http.request(method, self.url(path)).body(body.to_owned());
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        self.send(request).await
    }

    /// A correctly signed request: `query` is `""` or starts with `?`; `body` is sent and signed as is.
    pub async fn signed(&self, method: Method, path: &str, query: &str, body: &str) -> Answer {
        self.signed_with(&self.signer, method, path, query, body).await
    }

    /// Like [`Sim::signed`] with another signer (wrong secret, unknown key).
    pub async fn signed_with(&self, signer: &Signer, method: Method, path: &str, query: &str, body: &str) -> Answer {
        let timestamp = timestamp_seconds();
        let signature = signer.sign(method.as_str(), &timestamp, path, query, body.as_bytes());
        let headers = [
            ("User-Agent", "delta-sim-tests"),
            ("api-key", signer.api_key()),
            ("timestamp", timestamp.as_str()),
            ("signature", signature.as_str()),
            ("Content-Type", "application/json"),
        ];
        self.raw(method, &format!("{path}{query}"), &headers, body).await
    }

    /// Signed GET.
    pub async fn private_get(&self, path: &str, query: &str) -> Answer {
        self.signed(Method::GET, path, query, "").await
    }

    /// Signed POST of a JSON value.
    pub async fn post(&self, path: &str, body: &Value) -> Answer {
        self.signed(Method::POST, path, "", &body.to_string()).await
    }

    /// Signed PUT of a JSON value.
    pub async fn put(&self, path: &str, body: &Value) -> Answer {
        self.signed(Method::PUT, path, "", &body.to_string()).await
    }

    /// Signed DELETE of a JSON value.
    pub async fn delete(&self, path: &str, body: &Value) -> Answer {
        self.signed(Method::DELETE, path, "", &body.to_string()).await
    }

    /// The sim's true book: `(asks, bids)` as `(price, size)` text pairs.
    pub async fn book(&self, symbol: &str) -> Value {
        self.get(&format!("/sim/book/{symbol}")).await.body
    }
}

/// A fixture of `fixtures/delta-api`.
pub fn fixture(name: &str) -> Value {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../fixtures/delta-api/").to_owned() + name;
    serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap()
}

/// Asserts that `actual` has the shape of fixture `name`.
pub fn assert_shape(name: &str, actual: &Value) {
    let differences = delta_core::shape::shape_differences(&fixture(name), actual);
    let shown: String = actual.to_string().chars().take(1_500).collect();
    assert!(differences.is_empty(), "{name}: {differences:#?}\nactual: {shown}");
}
