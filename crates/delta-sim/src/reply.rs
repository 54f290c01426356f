//! HTTP answers in Delta's shapes: the success envelope and both error shapes (REFERENCE 3).

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use delta_core::model::{ApiErrorEnvelope, EmptyResult, Envelope, GatewayError};
use serde::Serialize;
use serde_json::{json, Value};

/// Header carrying the milliseconds until the quota window resets (REFERENCE 4.1).
pub const RATE_LIMIT_RESET_HEADER: &str = "x-rate-limit-reset";

/// Serializes `body` as a JSON response with `status`.
pub fn json_response(status: StatusCode, body: &impl Serialize) -> Response {
    match serde_json::to_vec(body) {
        Ok(bytes) => {
            (status, [(header::CONTENT_TYPE, HeaderValue::from_static("application/json"))], bytes).into_response()
        }
        Err(error) => {
            tracing::error!(%error, "cannot serialize a response");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}

/// `{"success": true, "result": ...}`.
pub fn ok<T: Serialize>(result: T) -> Response {
    json_response(StatusCode::OK, &Envelope::ok(result))
}

/// `{"success": true, "result": ..., "meta": ...}`.
pub fn ok_with_meta<T: Serialize, M: Serialize>(result: T, meta: M) -> Response {
    json_response(StatusCode::OK, &Envelope::with_meta(result, meta))
}

/// `{"success": true, "result": {}}`, Delta's answer to actions without a result (ccxt live form).
pub fn ok_empty() -> Response {
    ok(EmptyResult)
}

/// The body of an error answer, in one of Delta's two shapes.
#[derive(Debug, Clone, PartialEq)]
enum ErrorBody {
    /// `{"success": false, "error": {"code": ..., "context": ...}}`.
    Envelope(ApiErrorEnvelope),
    /// `{"error": "...", "message": "..."}`.
    Gateway(GatewayError),
}

/// An error answer: status, body in one of Delta's two shapes and, for 429, the reset header.
#[derive(Debug, Clone, PartialEq)]
pub struct ApiError {
    status: StatusCode,
    body: ErrorBody,
    reset_after_ms: Option<u64>,
}

impl ApiError {
    /// An envelope error with `status` and `code`.
    pub fn envelope(status: StatusCode, code: impl Into<String>) -> Self {
        Self { status, body: ErrorBody::Envelope(ApiErrorEnvelope::new(code)), reset_after_ms: None }
    }

    /// A business rejection: HTTP 400 with the envelope (REFERENCE 3.2).
    pub fn rejected(code: impl Into<String>) -> Self {
        Self::envelope(StatusCode::BAD_REQUEST, code)
    }

    /// HTTP 400 `bad_schema` with one schema error, shaped like ccxt's capture.
    pub fn bad_schema(param: &str, message: impl Into<String>) -> Self {
        Self::rejected("bad_schema").with_context(json!({
            "schema_errors": [{"code": "validation_error", "message": message.into(), "param": param}]
        }))
    }

    /// HTTP 404 with the envelope code `not_found`.
    pub fn not_found() -> Self {
        Self::envelope(StatusCode::NOT_FOUND, "not_found")
    }

    /// A gateway-shaped error (`{"error": ..., "message": ...}`).
    pub fn gateway(status: StatusCode, error: &'static str, message: &'static str) -> Self {
        let body = GatewayError { error: error.to_owned(), message: message.to_owned() };
        Self { status, body: ErrorBody::Gateway(body), reset_after_ms: None }
    }

    /// HTTP 429 `rate_limit_exceeded` with `X-RATE-LIMIT-RESET` (body shape inferred, REFERENCE 4.1).
    pub fn rate_limited(reset_after_ms: u64) -> Self {
        Self {
            reset_after_ms: Some(reset_after_ms),
            ..Self::envelope(StatusCode::TOO_MANY_REQUESTS, "rate_limit_exceeded")
        }
    }

    /// Adds `error.context` to an envelope error (no effect on a gateway error).
    pub fn with_context(mut self, value: Value) -> Self {
        if let ErrorBody::Envelope(envelope) = self.body {
            self.body = ErrorBody::Envelope(envelope.with_context(value));
        }
        self
    }

    /// The HTTP status.
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// The error code (`error.code` or the gateway `error` string).
    pub fn code(&self) -> &str {
        match &self.body {
            ErrorBody::Envelope(envelope) => &envelope.error.code,
            ErrorBody::Gateway(gateway) => &gateway.error,
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut response = match &self.body {
            ErrorBody::Envelope(envelope) => json_response(self.status, envelope),
            ErrorBody::Gateway(gateway) => json_response(self.status, gateway),
        };
        if let Some(ms) = self.reset_after_ms {
            response.headers_mut().insert(RATE_LIMIT_RESET_HEADER, HeaderValue::from(ms));
        }
        response
    }
}

/// Result of a handler: a response or an API error.
pub type ApiResult = Result<Response, ApiError>;

#[cfg(test)]
mod tests {
    use super::*;

    fn body_of(error: ApiError) -> Value {
        let response = error.into_response();
        let bytes = response_bytes(response);
        serde_json::from_slice(&bytes).unwrap()
    }

    fn response_bytes(response: Response) -> Vec<u8> {
        let runtime = tokio::runtime::Builder::new_current_thread().build().unwrap();
        runtime.block_on(axum::body::to_bytes(response.into_body(), usize::MAX)).unwrap().to_vec()
    }

    #[test]
    fn both_error_shapes() {
        let envelope = body_of(ApiError::rejected("open_order_not_found"));
        assert_eq!(envelope, json!({"success": false, "error": {"code": "open_order_not_found"}}));
        let gateway =
            body_of(ApiError::gateway(StatusCode::UNAUTHORIZED, "SignatureExpired", "your signature has expired"));
        assert_eq!(gateway, json!({"error": "SignatureExpired", "message": "your signature has expired"}));
        let schema = ApiError::bad_schema("", "id is required");
        assert_eq!(schema.code(), "bad_schema");
        assert_eq!(body_of(schema)["error"]["context"]["schema_errors"][0]["message"], "id is required");
    }

    #[test]
    fn rate_limited_carries_the_reset_header() {
        let response = ApiError::rate_limited(1234).into_response();
        assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(response.headers()[RATE_LIMIT_RESET_HEADER], "1234");
    }
}
