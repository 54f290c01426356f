//! Turns an HTTP answer (status, `X-RATE-LIMIT-RESET`, body bytes) into a result (REFERENCE 3 and 4.1).

use std::time::Duration;

use serde::de::DeserializeOwned;

use crate::error::{excerpt, DeltaError, DeltaResult, ErrorBody};
use crate::model::Envelope;

/// The header carrying the milliseconds until the quota window resets.
pub(crate) const RATE_LIMIT_RESET_HEADER: &str = "x-rate-limit-reset";

/// The error for a non-2xx answer: 429 → [`DeltaError::RateLimited`] (reset from the header, or
/// `default_reset` when it is missing or garbled); a body in one of Delta's error shapes →
/// [`DeltaError::Api`]; anything else → [`DeltaError::Http`] with an excerpt.
pub(crate) fn error_from_status(
    endpoint: &str,
    status: u16,
    reset_header: Option<&[u8]>,
    body: &[u8],
    default_reset: Duration,
) -> DeltaError {
    if status == 429 {
        let reset_after = reset_header.and_then(parse_reset_millis).unwrap_or_else(|| {
            tracing::warn!(
                endpoint,
                header = ?reset_header.map(String::from_utf8_lossy),
                default_ms = default_reset.as_millis() as u64,
                "HTTP 429 without a readable X-RATE-LIMIT-RESET; assuming the default reset"
            );
            default_reset
        });
        return DeltaError::RateLimited { endpoint: endpoint.to_owned(), reset_after };
    }
    match ErrorBody::parse(body) {
        Some(error) => api_error(endpoint, status, error),
        None => DeltaError::Http { endpoint: endpoint.to_owned(), status, excerpt: excerpt(body) },
    }
}

/// Decodes a 2xx body into the envelope. `{"success":false,...}` is an API error even on HTTP 200.
pub(crate) fn decode_envelope<T, M>(endpoint: &str, status: u16, body: &[u8]) -> DeltaResult<Envelope<T, M>>
where
    T: DeserializeOwned,
    M: DeserializeOwned,
{
    match serde_json::from_slice::<Envelope<T, M>>(body) {
        Ok(envelope) if envelope.success => Ok(envelope),
        Ok(_) => Err(failure_on_success_status(endpoint, status, body, "success is false")),
        Err(e) => Err(failure_on_success_status(endpoint, status, body, e)),
    }
}

/// Decodes a 2xx body that is not (necessarily) an envelope, such as the quota answer. A body in one of
/// Delta's error shapes is an API error even when `T` would accept it.
pub(crate) fn decode_body<T: DeserializeOwned>(endpoint: &str, status: u16, body: &[u8]) -> DeltaResult<T> {
    if let Some(error) = ErrorBody::parse(body) {
        return Err(api_error(endpoint, status, error));
    }
    serde_json::from_slice(body).map_err(|e| DeltaError::decode(endpoint, e, body))
}

/// An error envelope sent with a 2xx status is an API error; any other undecodable body a decode error.
pub(crate) fn failure_on_success_status(
    endpoint: &str,
    status: u16,
    body: &[u8],
    reason: impl std::fmt::Display,
) -> DeltaError {
    match ErrorBody::parse(body) {
        Some(error) => api_error(endpoint, status, error),
        None => DeltaError::decode(endpoint, reason, body),
    }
}

fn api_error(endpoint: &str, status: u16, error: ErrorBody) -> DeltaError {
    DeltaError::Api {
        endpoint: endpoint.to_owned(),
        status,
        code: error.code,
        message: error.message,
        context: error.context,
    }
}

/// Milliseconds as an integer (a fractional part is dropped). `None` when not a number.
fn parse_reset_millis(raw: &[u8]) -> Option<Duration> {
    let text = std::str::from_utf8(raw).ok()?.trim();
    let whole = text.split_once('.').map_or(text, |(whole, _)| whole);
    whole.parse::<u64>().ok().map(Duration::from_millis)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ApiErrorCode;
    use crate::model::{BareOrWrapped, EmptyResult, PageMeta};

    const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../fixtures/delta-api/");
    const ENDPOINT: &str = "POST /v2/orders";
    const DEFAULT_RESET: Duration = Duration::from_secs(10);

    fn fixture(name: &str) -> Vec<u8> {
        std::fs::read(format!("{FIXTURES}{name}")).unwrap()
    }

    fn map(status: u16, reset: Option<&str>, body: &[u8]) -> DeltaError {
        error_from_status(ENDPOINT, status, reset.map(str::as_bytes), body, DEFAULT_RESET)
    }

    #[test]
    fn envelope_errors_become_api_errors_with_context() {
        let err = map(400, None, &fixture("rest_error_insufficient_margin.json"));
        let DeltaError::Api { endpoint, status, code, message, context } = err else { panic!("{err:?}") };
        assert_eq!((endpoint.as_str(), status, code), (ENDPOINT, 400, ApiErrorCode::InsufficientMargin));
        assert_eq!(message, None);
        assert!(context.unwrap().contains("available_balance"));

        let err = map(401, None, &fixture("rest_error_signature_mismatch.json"));
        assert_eq!(err.api_code(), Some(&ApiErrorCode::SignatureMismatch));
        assert!(err.is_auth());
        let err = map(400, None, &fixture("rest_error_bad_schema.json"));
        assert_eq!(err.api_code(), Some(&ApiErrorCode::BadSchema));
    }

    #[test]
    fn gateway_errors_become_api_errors_with_message() {
        let err = map(401, None, &fixture("rest_error_signature_expired.json"));
        let DeltaError::Api { code, message, status, .. } = err else { panic!("{err:?}") };
        assert_eq!((code, status), (ApiErrorCode::SignatureExpired, 401));
        assert_eq!(message.as_deref(), Some("your signature has expired"));
        let err = map(403, None, &fixture("rest_error_forbidden_cdn.json"));
        assert_eq!(err.api_code(), Some(&ApiErrorCode::Forbidden));
    }

    #[test]
    fn rate_limit_reads_the_reset_header_or_falls_back() {
        let body = fixture("rest_error_rate_limited.json");
        for (header, expected) in [
            (Some("1500"), Duration::from_millis(1500)),
            (Some(" 120632 "), Duration::from_millis(120_632)),
            (Some("250.7"), Duration::from_millis(250)),
            (None, DEFAULT_RESET),
            (Some("soon"), DEFAULT_RESET),
            (Some("-5"), DEFAULT_RESET),
        ] {
            let err = map(429, header, &body);
            let DeltaError::RateLimited { reset_after, endpoint } = err else { panic!("{err:?}") };
            assert_eq!((reset_after, endpoint.as_str()), (expected, ENDPOINT), "{header:?}");
        }
        assert!(matches!(map(429, None, b""), DeltaError::RateLimited { .. }));
    }

    #[test]
    fn server_errors_and_foreign_bodies() {
        let err = map(503, None, &fixture("rest_error_unavailable.json"));
        assert_eq!(err.api_code(), Some(&ApiErrorCode::Unavailable));
        assert!(err.is_retryable());

        let html = b"<html><body><h1>502 Bad Gateway</h1></body></html>";
        let err = map(502, None, html);
        let DeltaError::Http { status, excerpt, .. } = &err else { panic!("{err:?}") };
        assert_eq!(*status, 502);
        assert!(excerpt.starts_with("<html>"));
        assert!(err.is_retryable());

        let err = map(404, None, b"");
        assert!(matches!(err, DeltaError::Http { status: 404, .. }));
        assert!(!err.is_retryable());
    }

    #[test]
    fn success_false_on_200_is_an_api_error() {
        let body = fixture("rest_error_open_order_not_found.json");
        let err = decode_envelope::<serde_json::Value, PageMeta>("DELETE /v2/orders", 200, &body).unwrap_err();
        let DeltaError::Api { status, code, .. } = err else { panic!("{err:?}") };
        assert_eq!((status, code), (200, ApiErrorCode::OpenOrderNotFound));
        let err = decode_envelope::<EmptyResult, PageMeta>("DELETE /v2/orders/all", 200, &body).unwrap_err();
        assert_eq!(err.api_code(), Some(&ApiErrorCode::OpenOrderNotFound));
        let err = decode_envelope::<EmptyResult, PageMeta>("DELETE /v2/orders/all", 200, br#"{"success":false}"#);
        assert!(matches!(err, Err(DeltaError::Decode { .. })), "{err:?}");
        let err = decode_body::<BareOrWrapped<PageMeta>>("GET /v2/rate_limits/quota", 200, &body).unwrap_err();
        assert_eq!(err.api_code(), Some(&ApiErrorCode::OpenOrderNotFound));
    }

    #[test]
    fn undecodable_success_bodies_are_decode_errors() {
        let err =
            decode_envelope::<Vec<u64>, PageMeta>("GET /v2/assets", 200, b"<html>maintenance</html>").unwrap_err();
        let DeltaError::Decode { what, excerpt, .. } = err else { panic!("{err:?}") };
        assert_eq!(what, "GET /v2/assets");
        assert!(excerpt.starts_with("<html>"));
        let err = decode_envelope::<Vec<u64>, PageMeta>("GET /v2/assets", 200, br#"{"success":true,"result":{"a":1}}"#);
        assert!(matches!(err, Err(DeltaError::Decode { .. })));
    }

    #[test]
    fn acks_accept_both_success_forms() {
        for body in [br#"{"success":true}"#.to_vec(), fixture("rest_success_empty.json")] {
            decode_envelope::<EmptyResult, PageMeta>("DELETE /v2/orders/all", 200, &body).unwrap();
        }
    }
}
