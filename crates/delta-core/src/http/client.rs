//! [`DeltaHttpClient`] and the one transport function every endpoint goes through.

use std::fmt;
use std::sync::{Arc, PoisonError, RwLock};
use std::time::{Duration, Instant};

use rand::rngs::SmallRng;
use rand::SeedableRng;
use reqwest::header::{HeaderMap, HeaderName, HeaderValue, ACCEPT, CONTENT_TYPE, USER_AGENT};
use reqwest::Method;
use serde::de::{DeserializeOwned, IgnoredAny};
use serde::Serialize;

use crate::auth::{timestamp_seconds, Signer};
use crate::config::{Credentials, Environment, ResolvedUrls};
use crate::error::{DeltaError, DeltaResult};
use crate::http::config::HttpClientConfig;
use crate::http::query::QueryString;
use crate::http::rate_limit::{endpoint_weight, QuotaStatus, RateLimiter};
use crate::http::response::{decode_body, decode_envelope, error_from_status, RATE_LIMIT_RESET_HEADER};
use crate::http::retry::{RetryDecision, RetryPolicy};
use crate::http::stats::{Outcome, RestCounters, RestStats};
use crate::model::{EmptyResult, Envelope};

const API_KEY: HeaderName = HeaderName::from_static("api-key");
const TIMESTAMP: HeaderName = HeaderName::from_static("timestamp");
const SIGNATURE: HeaderName = HeaderName::from_static("signature");
const JSON: HeaderValue = HeaderValue::from_static("application/json");

/// The REST client for every endpoint of Delta's API v2 (REFERENCE 7).
///
/// Cheap to clone (an [`Arc`] inside): clones share the connection pool, the signer, the rate limiter and
/// the statistics. Endpoint methods live in the `market`, `orders`, `positions`, `wallet` and `account`
/// modules. [`Self::rotate_credentials`] swaps the key pair of a running client.
#[derive(Clone)]
pub struct DeltaHttpClient {
    inner: Arc<Inner>,
}

struct Inner {
    http: reqwest::Client,
    base_url: String,
    keys: RwLock<Option<Arc<SigningKeys>>>,
    user_agent: HeaderValue,
    limiter: RateLimiter,
    retry: RetryPolicy,
    default_rate_limit_reset: Duration,
    order_lookup_attempts: u32,
    max_pages: usize,
    counters: RestCounters,
}

/// The signer of private requests and its `api-key` header value (marked sensitive).
#[derive(Debug, Clone)]
struct SigningKeys {
    signer: Signer,
    api_key: HeaderValue,
}

impl SigningKeys {
    fn new(credentials: &Credentials) -> DeltaResult<Self> {
        let mut api_key = HeaderValue::from_str(&credentials.api_key)
            .map_err(|_| DeltaError::Config("the API key contains characters not allowed in an HTTP header".into()))?;
        api_key.set_sensitive(true);
        Ok(Self { signer: Signer::new(credentials), api_key })
    }
}

impl fmt::Debug for DeltaHttpClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DeltaHttpClient")
            .field("base_url", &self.inner.base_url)
            .field("signer", &self.keys().as_ref().map(|keys| &keys.signer))
            .finish_non_exhaustive()
    }
}

/// Who may call an endpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Access {
    /// Never signed.
    Public,
    /// Signed when credentials are configured (the quota then reflects the user, not the IP).
    Optional,
    /// Must be signed; refused locally without credentials.
    Private,
}

/// One request, fully serialized before the first attempt: the query string and body bytes are built
/// once and reused verbatim for the URL, the signature and every retry.
#[derive(Debug, Clone)]
pub(crate) struct Call {
    method: Method,
    path: String,
    query: QueryString,
    body: Option<Vec<u8>>,
    access: Access,
    product: Option<(u64, u32)>,
    template: Option<&'static str>,
}

impl Call {
    /// A public `GET` of `path` (which starts with `/v2/`).
    pub fn get(path: impl Into<String>) -> Self {
        Self::new(Method::GET, path.into(), None)
    }

    /// A `POST` with a JSON body.
    pub fn post(path: impl Into<String>, body: &impl Serialize) -> DeltaResult<Self> {
        Ok(Self::new(Method::POST, path.into(), Some(to_body(body)?)))
    }

    /// A `PUT` with a JSON body.
    pub fn put(path: impl Into<String>, body: &impl Serialize) -> DeltaResult<Self> {
        Ok(Self::new(Method::PUT, path.into(), Some(to_body(body)?)))
    }

    /// A `DELETE` with a JSON body (Delta's cancels carry and sign one).
    pub fn delete(path: impl Into<String>, body: &impl Serialize) -> DeltaResult<Self> {
        Ok(Self::new(Method::DELETE, path.into(), Some(to_body(body)?)))
    }

    fn new(method: Method, path: String, body: Option<Vec<u8>>) -> Self {
        Self { method, path, query: QueryString::new(), body, access: Access::Public, product: None, template: None }
    }

    /// Sets the query string.
    pub fn query(mut self, query: QueryString) -> Self {
        self.query = query;
        self
    }

    /// Requires credentials and signs the request.
    pub fn private(mut self) -> Self {
        self.access = Access::Private;
        self
    }

    /// Signs the request when credentials are configured.
    pub fn optionally_signed(mut self) -> Self {
        self.access = Access::Optional;
        self
    }

    /// Charges `operations` against the per-product matching-engine limit (placement, edit, batch).
    pub fn product_operations(mut self, product_id: Option<u64>, operations: u32) -> Self {
        self.product = product_id.map(|id| (id, operations));
        self
    }

    /// The query string as it will be sent and signed.
    #[cfg(test)]
    pub fn query_text(&self) -> &str {
        self.query.as_str()
    }

    /// Names the path's template (`/v2/tickers/{symbol}`) for the statistics, when the path carries a
    /// parameter.
    pub fn template(mut self, template: &'static str) -> Self {
        self.template = Some(template);
        self
    }

    /// `METHOD /path`, the label used in errors and logs.
    pub fn endpoint(&self) -> String {
        format!("{} {}", self.method, self.path)
    }

    /// `METHOD /template`, the label the statistics count under (bounded: no ids or symbols).
    fn stats_label(&self) -> String {
        format!("{} {}", self.method, self.template.unwrap_or(&self.path))
    }
}

fn to_body(body: &impl Serialize) -> DeltaResult<Vec<u8>> {
    serde_json::to_vec(body).map_err(|e| DeltaError::InvalidRequest(format!("cannot serialize the request body: {e}")))
}

/// A failed call, with whether the request may have reached Delta (decides what a mutation may assume).
#[derive(Debug)]
pub(crate) struct Failure {
    /// The error returned to the caller.
    pub error: DeltaError,
    /// True after a timeout or transport error once the connection was up: the request may have been
    /// processed although no answer arrived.
    pub outcome_unknown: bool,
}

impl From<DeltaError> for Failure {
    fn from(error: DeltaError) -> Self {
        Self { error, outcome_unknown: false }
    }
}

/// The body and status of a successful (2xx) answer.
pub(crate) struct Answer {
    /// HTTP status.
    pub status: u16,
    /// Body bytes.
    pub body: Vec<u8>,
    /// Time from sending the request to the whole body.
    pub latency: Duration,
}

impl DeltaHttpClient {
    /// Builds the client (one connection pool). Fails on an invalid URL, user agent or API key.
    pub fn new(config: HttpClientConfig) -> DeltaResult<Self> {
        let urls = ResolvedUrls::resolve(Environment::Local, Some(&config.base_url), None, None)?;
        let user_agent = HeaderValue::from_str(&config.user_agent)
            .ok()
            .filter(|_| !config.user_agent.trim().is_empty())
            .ok_or_else(|| DeltaError::Config(format!("invalid user agent {:?}", config.user_agent)))?;
        let keys = config.credentials.as_ref().map(SigningKeys::new).transpose()?.map(Arc::new);
        let http = reqwest::Client::builder()
            .timeout(config.timeout)
            .connect_timeout(config.connect_timeout)
            .build()
            .map_err(|e| DeltaError::Config(format!("cannot build the HTTP client: {e}")))?;
        let inner = Inner {
            http,
            base_url: urls.rest,
            keys: RwLock::new(keys),
            user_agent,
            limiter: RateLimiter::new(config.rate_limit),
            retry: RetryPolicy {
                max_retries: config.max_retries,
                base_delay: config.retry_base_delay,
                max_delay: config.retry_max_delay,
                max_rate_limit_wait: config.max_rate_limit_wait,
            },
            default_rate_limit_reset: config.default_rate_limit_reset,
            order_lookup_attempts: config.order_lookup_attempts,
            max_pages: config.max_pages,
            counters: RestCounters::default(),
        };
        Ok(Self { inner: Arc::new(inner) })
    }

    /// The REST host this client talks to (without `/v2`).
    pub fn base_url(&self) -> &str {
        &self.inner.base_url
    }

    /// True when an API key and secret are configured (private endpoints available).
    pub fn credentials_configured(&self) -> bool {
        self.keys().is_some()
    }

    /// Signs every request from the next one on with `credentials` (key rotation without a restart).
    /// Requests already signed go out with the old pair. Fails, keeping the old pair, on a key that
    /// cannot be an HTTP header value.
    pub fn rotate_credentials(&self, credentials: &Credentials) -> DeltaResult<()> {
        let keys = SigningKeys::new(credentials)?;
        *self.inner.keys.write().unwrap_or_else(PoisonError::into_inner) = Some(Arc::new(keys));
        tracing::info!(base_url = %self.inner.base_url, "REST client credentials rotated");
        Ok(())
    }

    /// The current signing keys (a shared handle: signing never holds the lock, and nothing is copied).
    fn keys(&self) -> Option<Arc<SigningKeys>> {
        self.inner.keys.read().unwrap_or_else(PoisonError::into_inner).clone()
    }

    /// Attempts by endpoint, outcome and latency since the client was built.
    pub fn rest_stats(&self) -> RestStats {
        self.inner.counters.snapshot()
    }

    /// The client-side view of the REST quota.
    pub fn rate_limit_status(&self) -> QuotaStatus {
        self.inner.limiter.status()
    }

    pub(crate) fn max_pages(&self) -> usize {
        self.inner.max_pages
    }

    pub(crate) fn order_lookup_attempts(&self) -> u32 {
        self.inner.order_lookup_attempts
    }

    pub(crate) fn retry_policy(&self) -> RetryPolicy {
        self.inner.retry
    }

    /// Sends `call` and decodes the envelope (with meta of type `M`).
    pub(crate) async fn execute<T, M>(&self, call: Call) -> DeltaResult<Envelope<T, M>>
    where
        T: DeserializeOwned,
        M: DeserializeOwned,
    {
        let answer = self.send(&call).await.map_err(|f| f.error)?;
        self.counted(&call, &answer, decode_envelope(&call.endpoint(), answer.status, &answer.body))
    }

    /// Sends `call` and returns its `result`.
    pub(crate) async fn result<T: DeserializeOwned>(&self, call: Call) -> DeltaResult<T> {
        self.result_or_failure(call).await.map_err(|f| f.error)
    }

    /// Like [`Self::result`], keeping whether a failed request may have reached Delta.
    pub(crate) async fn result_or_failure<T: DeserializeOwned>(&self, call: Call) -> Result<T, Failure> {
        let answer = self.send(&call).await?;
        let decoded = decode_envelope(&call.endpoint(), answer.status, &answer.body);
        let envelope: Envelope<T, IgnoredAny> = self.counted(&call, &answer, decoded)?;
        Ok(envelope.result)
    }

    /// Sends `call`, whose answer carries nothing but `success: true` (`result` absent or `{}`).
    pub(crate) async fn acknowledge(&self, call: Call) -> DeltaResult<()> {
        self.result::<EmptyResult>(call).await.map(|_| ())
    }

    /// Sends `call` and decodes the whole body as `T` (for answers that may come without the envelope).
    pub(crate) async fn body<T: DeserializeOwned>(&self, call: Call) -> DeltaResult<T> {
        let answer = self.send(&call).await.map_err(|f| f.error)?;
        self.counted(&call, &answer, decode_body(&call.endpoint(), answer.status, &answer.body))
    }

    /// Counts a 2xx answer by what its body said (`success: false` is an API error, a body that does not
    /// decode is another error) and passes the decoded value on.
    fn counted<T>(&self, call: &Call, answer: &Answer, decoded: DeltaResult<T>) -> DeltaResult<T> {
        let outcome = decoded.as_ref().map_or_else(Outcome::of_error, |_| Outcome::Ok);
        self.inner.counters.record(&call.stats_label(), outcome, answer.latency);
        decoded
    }

    /// The transport: credentials check, rate limiter, signing, sending, status mapping, and retries of
    /// idempotent requests (see the module docs of [`crate::http`]).
    pub(crate) async fn send(&self, call: &Call) -> Result<Answer, Failure> {
        if call.access == Access::Private && !self.credentials_configured() {
            return Err(DeltaError::Config(format!(
                "{} is a private endpoint: configure an API key and secret",
                call.endpoint()
            ))
            .into());
        }
        let idempotent = call.method == Method::GET;
        let mut retries_done = 0;
        let mut rng: Option<SmallRng> = None;
        loop {
            let failure = match self.attempt(call).await {
                Ok(answer) => return Ok(answer),
                Err(failure) => failure,
            };
            let rng = rng.get_or_insert_with(SmallRng::from_os_rng);
            match self.inner.retry.decide(idempotent, &failure.error, retries_done, rng) {
                RetryDecision::GiveUp => return Err(failure),
                RetryDecision::Retry(delay) => {
                    tracing::warn!(
                        endpoint = %call.endpoint(),
                        error = %failure.error,
                        retry = retries_done + 1,
                        delay_ms = delay.as_millis() as u64,
                        "retrying Delta REST request"
                    );
                    tokio::time::sleep(delay).await;
                    retries_done += 1;
                }
            }
        }
    }

    async fn attempt(&self, call: &Call) -> Result<Answer, Failure> {
        let inner = &*self.inner;
        let weight = endpoint_weight(call.method.as_str(), &call.path);
        inner.limiter.acquire(weight, call.product).await.map_err(|e| {
            inner.counters.refused_locally();
            DeltaError::InvalidRequest(format!("{} refused by the client-side rate limiter: {e}", call.endpoint()))
        })?;
        let keys = match call.access {
            Access::Public => None,
            Access::Optional | Access::Private => self.keys(),
        };
        let headers = self.headers(call, keys.as_deref(), &timestamp_seconds())?;
        let url = format!("{}{}{}", inner.base_url, call.path, call.query.as_str());
        let mut request = inner.http.request(call.method.clone(), url).headers(headers);
        if let Some(body) = &call.body {
            request = request.body(body.clone());
        }
        let started = Instant::now();
        let outcome = async {
            let response = request.send().await?;
            let status = response.status().as_u16();
            let reset = response.headers().get(RATE_LIMIT_RESET_HEADER).map(|v| v.as_bytes().to_vec());
            let body = response.bytes().await?;
            Ok::<_, reqwest::Error>((status, reset, body))
        }
        .await;
        let latency = started.elapsed();
        let latency_ms = latency.as_secs_f64() * 1e3;
        let (status, reset, body) = match outcome {
            Ok(answer) => answer,
            Err(e) => {
                tracing::debug!(method = %call.method, path = %call.path, latency_ms, error = %e, "Delta REST request failed");
                let failure = transport_failure(call.endpoint(), e, latency);
                inner.counters.record(&call.stats_label(), Outcome::of_error(&failure.error), latency);
                return Err(failure);
            }
        };
        tracing::debug!(method = %call.method, path = %call.path, status, latency_ms, "Delta REST request");
        if (200..300).contains(&status) {
            // Counted once decoded: a 2xx may still carry `success: false`.
            return Ok(Answer { status, body: body.to_vec(), latency });
        }
        let error =
            error_from_status(&call.endpoint(), status, reset.as_deref(), &body, inner.default_rate_limit_reset);
        inner.counters.record(&call.stats_label(), Outcome::of_error(&error), latency);
        if let DeltaError::RateLimited { reset_after, .. } = &error {
            inner.limiter.on_rate_limited(*reset_after);
        }
        Err(error.into())
    }

    /// The headers of one attempt: `User-Agent` and `Accept` always, `Content-Type` with a body, and
    /// `api-key`/`timestamp`/`signature` when signed with `keys`.
    fn headers(&self, call: &Call, keys: Option<&SigningKeys>, timestamp: &str) -> DeltaResult<HeaderMap> {
        let inner = &*self.inner;
        let mut headers = HeaderMap::with_capacity(6);
        headers.insert(USER_AGENT, inner.user_agent.clone());
        headers.insert(ACCEPT, JSON);
        if call.body.is_some() {
            headers.insert(CONTENT_TYPE, JSON);
        }
        if let Some(SigningKeys { signer, api_key }) = keys {
            let body = call.body.as_deref().unwrap_or_default();
            let signature = signer.sign(call.method.as_str(), timestamp, &call.path, call.query.as_str(), body);
            let mut signature = HeaderValue::from_str(signature.as_str())
                .map_err(|e| DeltaError::InvalidRequest(format!("signature is not a header value: {e}")))?;
            signature.set_sensitive(true);
            let timestamp = HeaderValue::from_str(timestamp)
                .map_err(|e| DeltaError::InvalidRequest(format!("timestamp is not a header value: {e}")))?;
            headers.insert(API_KEY, api_key.clone());
            headers.insert(TIMESTAMP, timestamp);
            headers.insert(SIGNATURE, signature);
        }
        Ok(headers)
    }
}

/// Maps a reqwest failure: timeouts → [`DeltaError::Timeout`], the rest → [`DeltaError::Transport`]. The
/// outcome is unknown unless the connection was never established.
fn transport_failure(endpoint: String, error: reqwest::Error, elapsed: Duration) -> Failure {
    let outcome_unknown = !error.is_connect() && !error.is_builder();
    let error = if error.is_timeout() {
        DeltaError::Timeout { endpoint, elapsed }
    } else {
        DeltaError::Transport { endpoint, message: transport_message(error) }
    };
    Failure { error, outcome_unknown }
}

/// The error and its sources, without the URL (which carries no secret, but is already in `endpoint`).
fn transport_message(error: reqwest::Error) -> String {
    let error = error.without_url();
    let mut message = error.to_string();
    let mut source = std::error::Error::source(&error);
    while let Some(cause) = source {
        message.push_str(": ");
        message.push_str(&cause.to_string());
        source = cause.source();
    }
    message
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::{self, USER_AGENT as DEFAULT_USER_AGENT};
    use crate::config::Credentials;

    const SECRET: &str = "7b6f39dcf660ec1c7c664f612c60410a2bd0c258416b498bf0311f94228f";

    fn client(credentials: Option<Credentials>) -> DeltaHttpClient {
        DeltaHttpClient::new(HttpClientConfig::new("http://127.0.0.1:9").with_credentials(credentials)).unwrap()
    }

    fn credentials() -> Credentials {
        Credentials::new("sample-key", SECRET).unwrap()
    }

    #[test]
    fn public_calls_carry_user_agent_and_no_auth_headers() {
        for client in [client(None), client(Some(credentials()))] {
            let call = Call::get("/v2/tickers");
            let headers = client.headers(&call, None, "1542110948").unwrap();
            assert_eq!(headers[USER_AGENT], DEFAULT_USER_AGENT);
            assert_eq!(headers[ACCEPT], "application/json");
            for name in [API_KEY, TIMESTAMP, SIGNATURE, CONTENT_TYPE] {
                assert!(!headers.contains_key(&name), "{name}");
            }
        }
    }

    #[test]
    fn signed_get_signs_the_query_exactly_as_sent() {
        let client = client(Some(credentials()));
        let mut query = QueryString::new();
        query.push("product_id", 1).push("state", "open");
        let call = Call::get("/v2/orders").query(query).private();
        let headers = client.headers(&call, client.keys().as_deref(), "1542110948").unwrap();
        assert_eq!(headers[USER_AGENT], DEFAULT_USER_AGENT);
        assert_eq!(headers[API_KEY], "sample-key");
        assert_eq!(headers[TIMESTAMP], "1542110948");
        // REFERENCE 2.2 test vector: GET1542110948/v2/orders?product_id=1&state=open.
        assert_eq!(headers[SIGNATURE], "4e38dda3e6477092f360ba70399266d8145630b22bcc34c0ec7f804d5746877a");
        assert!(headers[SIGNATURE].is_sensitive());
        assert!(!headers.contains_key(CONTENT_TYPE));
    }

    #[test]
    fn bodies_are_signed_byte_for_byte_with_content_type() {
        let client = client(Some(credentials()));
        let body = serde_json::json!({"id": 884213557u64, "product_id": 27});
        let call = Call::delete("/v2/orders", &body).unwrap().private();
        let headers = client.headers(&call, client.keys().as_deref(), "1779962400").unwrap();
        assert_eq!(headers[CONTENT_TYPE], "application/json");
        let sent = call.body.as_deref().unwrap();
        assert_eq!(sent, br#"{"id":884213557,"product_id":27}"#);
        let expected = auth::sign(SECRET, "DELETE", "1779962400", "/v2/orders", "", sent);
        assert_eq!(headers[SIGNATURE], expected.as_str());
    }

    #[test]
    fn construction_validates_and_debug_hides_the_secret() {
        let signed = client(Some(credentials()));
        assert!(signed.credentials_configured());
        assert!(!format!("{signed:?}").contains(SECRET));
        assert!(!client(None).credentials_configured());
        assert!(DeltaHttpClient::new(HttpClientConfig::new("127.0.0.1:9")).is_err());
        let mut bad_agent = HttpClientConfig::new("http://127.0.0.1:9");
        bad_agent.user_agent = " ".into();
        assert!(matches!(DeltaHttpClient::new(bad_agent), Err(DeltaError::Config(_))));
        let bad_key = HttpClientConfig::new("http://127.0.0.1:9")
            .with_credentials(Some(Credentials::new("key\nwith newline", "s").unwrap()));
        assert!(matches!(DeltaHttpClient::new(bad_key), Err(DeltaError::Config(_))));
    }

    #[test]
    fn rotation_signs_with_the_new_pair_from_the_next_request() {
        let client = client(Some(credentials()));
        let call = Call::get("/v2/orders").private();
        let before = client.headers(&call, client.keys().as_deref(), "1542110948").unwrap();
        let rotated = Credentials::new("rotated-key", "rotated-secret").unwrap();
        client.rotate_credentials(&rotated).unwrap();
        let after = client.headers(&call, client.keys().as_deref(), "1542110948").unwrap();
        assert_eq!(after[API_KEY], "rotated-key");
        let expected = auth::sign("rotated-secret", "GET", "1542110948", "/v2/orders", "", b"");
        assert_eq!(after[SIGNATURE], expected.as_str());
        assert_ne!(before[SIGNATURE], after[SIGNATURE]);
        assert!(!format!("{client:?}").contains("rotated-secret"));
        let bad = Credentials::new("bad\nkey", "s").unwrap();
        assert!(matches!(client.rotate_credentials(&bad), Err(DeltaError::Config(_))));
        assert_eq!(client.keys().unwrap().signer.api_key(), "rotated-key", "a refused pair keeps the old one");
        let unsigned = DeltaHttpClient::new(HttpClientConfig::new("http://127.0.0.1:9")).unwrap();
        unsigned.rotate_credentials(&rotated).unwrap();
        assert!(unsigned.credentials_configured());
    }

    #[test]
    fn stats_labels_use_the_template_not_the_symbol() {
        let call = Call::get("/v2/tickers/BTCUSD").template("/v2/tickers/{symbol}");
        assert_eq!(call.stats_label(), "GET /v2/tickers/{symbol}");
        assert_eq!(call.endpoint(), "GET /v2/tickers/BTCUSD");
        assert_eq!(Call::get("/v2/tickers").stats_label(), "GET /v2/tickers");
    }

    #[tokio::test]
    async fn private_calls_without_credentials_fail_before_sending() {
        let failure = client(None).send(&Call::get("/v2/orders").private()).await.err().unwrap();
        let DeltaError::Config(message) = failure.error else { panic!("{:?}", failure.error) };
        assert!(message.contains("GET /v2/orders"), "{message}");
        assert!(!failure.outcome_unknown);
    }
}
