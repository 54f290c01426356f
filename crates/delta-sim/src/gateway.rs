//! What Delta's edge does before an endpoint sees a `/v2` request, in this order: fault latency, the
//! CDN's `User-Agent` check, maintenance (order entry refused), injected 5xx, forced 429s, the weighted
//! quota, and (private endpoints) signature checks over the raw request (REFERENCE 2, 3.2, 4.1, 10).

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use axum::body::{to_bytes, Body};
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{header, HeaderMap, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use delta_core::auth::unix_seconds;
use delta_core::http::rate_limit::endpoint_weight;

use crate::quota::Caller;
use crate::reply::ApiError;
use crate::state::{now_micros, AppState};

/// Largest accepted request body.
pub const MAX_BODY_BYTES: usize = 1 << 20;

/// `X-RATE-LIMIT-RESET` of a forced 429 (milliseconds).
pub const FORCED_429_RESET_MS: u64 = 1_000;

/// Who the quota was charged to; handlers read it for `GET /v2/rate_limits/quota`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QuotaCaller(pub Caller);

/// The account a private request was signed for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Authed {
    /// User id of the signing account.
    pub user_id: u64,
}

/// Whether a request places or edits orders: `POST`/`PUT` on `/v2/orders`, `/v2/orders/batch` and
/// `/v2/orders/bracket`. Cancels (`DELETE`) and reads are not order entry.
pub fn is_order_entry(method: &Method, path: &str) -> bool {
    let path = path.strip_suffix('/').unwrap_or(path);
    (method == Method::POST || method == Method::PUT)
        && matches!(path, "/v2/orders" | "/v2/orders/batch" | "/v2/orders/bracket")
}

/// The answer to order entry during maintenance: HTTP 503 (REFERENCE 3.2: "503 maintenance") with the
/// envelope `{"success": false, "error": {"code": "unavailable"}}`. Delta does not document the body of its
/// maintenance 503; `unavailable` is the code ccxt captured from Delta and maps to "exchange not
/// available" (fixture `rest_error_unavailable.json`), so it is the most likely real shape.
pub fn maintenance_refusal() -> ApiError {
    ApiError::envelope(StatusCode::SERVICE_UNAVAILABLE, "unavailable")
}

fn header_text<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|value| value.to_str().ok()).filter(|text| !text.is_empty())
}

/// The outer layer for every request: `/v2` requests go through the gateway steps, others pass.
pub async fn gateway(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    mut request: Request,
    next: Next,
) -> Response {
    if !request.uri().path().starts_with("/v2/") {
        return next.run(request).await;
    }
    state.stats().record_request();
    let faults = state.faults();
    if faults.latency_ms > 0 {
        tokio::time::sleep(Duration::from_millis(faults.latency_ms)).await;
    }
    if header_text(request.headers(), header::USER_AGENT.as_str()).is_none() {
        return ApiError::gateway(StatusCode::FORBIDDEN, "Forbidden", "Request blocked by CDN").into_response();
    }
    if faults.maintenance && is_order_entry(request.method(), request.uri().path()) {
        state.stats().record_fault("maintenance");
        return maintenance_refusal().into_response();
    }
    if let Some(status) = state.draw_injected_error(faults.error_rate) {
        state.stats().record_injected_error();
        let status = StatusCode::from_u16(status).unwrap_or(StatusCode::SERVICE_UNAVAILABLE);
        return ApiError::envelope(status, "unavailable").into_response();
    }
    if state.take_forced_429() {
        state.stats().record_rate_limited();
        return ApiError::rate_limited(FORCED_429_RESET_MS).into_response();
    }
    // Delta meters signed requests per user and unsigned ones per IP (REFERENCE 4.1). The gateway
    // runs before authentication, so a request naming a known key is charged to that account.
    let caller = header_text(request.headers(), "api-key")
        .and_then(|key| state.account_for_key(key))
        .map_or(Caller::Ip(peer.ip()), |(user_id, _)| Caller::Account(user_id));
    let weight = endpoint_weight(request.method().as_str(), request.uri().path());
    if let Err(window) = state.quota().try_take(caller.clone(), weight, Instant::now()) {
        state.stats().record_rate_limited();
        return ApiError::rate_limited(window.reset_after_ms).into_response();
    }
    request.extensions_mut().insert(QuotaCaller(caller));
    next.run(request).await
}

/// The signature check of private endpoints: `api-key`, `timestamp` (seconds, within the window) and
/// `signature` = HMAC over method + timestamp + raw path + `?` raw query + raw body.
pub async fn authenticate(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let (mut parts, body) = request.into_parts();
    let Ok(bytes) = to_bytes(body, MAX_BODY_BYTES).await else {
        return ApiError::bad_schema("", "request body too large or unreadable").into_response();
    };
    let refuse = |error: ApiError| {
        state.stats().record_auth_failure();
        error.into_response()
    };
    let (Some(api_key), Some(timestamp), Some(signature)) = (
        header_text(&parts.headers, "api-key"),
        header_text(&parts.headers, "timestamp"),
        header_text(&parts.headers, "signature"),
    ) else {
        return refuse(ApiError::envelope(StatusCode::UNAUTHORIZED, "invalid_api_key"));
    };
    let Some((user_id, signer)) = state.account_for_key(api_key) else {
        return refuse(ApiError::gateway(StatusCode::UNAUTHORIZED, "InvalidApiKey", "Api Key not found"));
    };
    let window = state.signature_window().as_secs();
    let fresh = timestamp.parse::<u64>().is_ok_and(|sent| sent.abs_diff(unix_seconds()) <= window);
    if !fresh {
        return refuse(ApiError::gateway(StatusCode::UNAUTHORIZED, "SignatureExpired", "your signature has expired"));
    }
    let query = parts.uri.query().map(|query| format!("?{query}")).unwrap_or_default();
    let method = parts.method.as_str();
    if !signer.verify(method, timestamp, parts.uri.path(), &query, &bytes, signature) {
        return refuse(ApiError::envelope(StatusCode::UNAUTHORIZED, "Signature Mismatch"));
    }
    parts.extensions.insert(Authed { user_id });
    state.venue().sweep_deadlines(now_micros());
    next.run(Request::from_parts(parts, Body::from(bytes))).await
}

/// 404 for paths the sim does not serve, in the envelope shape.
pub async fn not_found() -> ApiError {
    ApiError::not_found()
}

/// 405 for a known path with the wrong method, in the envelope shape.
pub async fn method_not_allowed() -> ApiError {
    ApiError::envelope(StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed")
}
