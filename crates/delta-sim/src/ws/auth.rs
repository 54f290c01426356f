//! `key-auth` on the private socket (REFERENCE 9.3): payload checks, the 5 s window, the signature of
//! `"GET" + timestamp + "/live"`, and every documented reply.

use serde_json::{json, Value};

use crate::state::Shared;

/// The outcome of an authentication request: the account on success, and the reply to send.
#[derive(Debug, Clone, PartialEq)]
pub struct AuthOutcome {
    /// The authenticated account, if any.
    pub user_id: Option<u64>,
    /// The reply frame.
    pub reply: Value,
}

fn failure(status_code: u16, status: &str, message: &str) -> AuthOutcome {
    let reply =
        json!({"type": "key-auth", "success": false, "status_code": status_code, "status": status, "message": message});
    AuthOutcome { user_id: None, reply }
}

/// The timestamp as text: Delta's docs say "a number" while every sample sends a string, so both are
/// accepted (REFERENCE 9.3, unconfirmed).
fn timestamp_text(value: Option<&Value>) -> Option<String> {
    match value? {
        Value::String(text) if !text.is_empty() => Some(text.clone()),
        Value::Number(number) => number.as_u64().map(|seconds| seconds.to_string()),
        _ => None,
    }
}

/// Checks a `key-auth` (or legacy `auth`) payload at `now_seconds`.
pub fn authenticate(state: &Shared, payload: &Value, legacy: bool, now_seconds: u64) -> AuthOutcome {
    let text = |key: &str| payload.get(key).and_then(Value::as_str).filter(|text| !text.is_empty());
    let (Some(api_key), Some(signature), Some(timestamp)) =
        (text("api-key"), text("signature"), timestamp_text(payload.get("timestamp")))
    else {
        return failure(400, "incomplete_payload", "Incomplete payload");
    };
    let Some((user_id, signer)) = state.account_for_key(api_key) else {
        return failure(404, "api_key_not_found", "ApiKey not found");
    };
    let fresh = timestamp
        .parse::<u64>()
        .is_ok_and(|seconds| seconds.abs_diff(now_seconds) <= state.signature_window().as_secs());
    if !fresh {
        return failure(408, "request_expired", "Timestamp header outside of allowed time window");
    }
    if !signer.verify("GET", &timestamp, "/live", "", b"", signature) {
        state.stats().record_auth_failure();
        return failure(401, "invalid_signature", "Invalid Signature");
    }
    let reply = if legacy {
        json!({"type": "success", "message": "Authenticated"})
    } else {
        json!({"type": "key-auth", "success": true, "status_code": 200, "status": "authenticated"})
    };
    AuthOutcome { user_id: Some(user_id), reply }
}
