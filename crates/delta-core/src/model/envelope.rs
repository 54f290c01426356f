//! The success envelope around every REST result (REFERENCE 3.1), its pagination meta, the
//! success-only acknowledgement and the quota answer that may come bare or wrapped.

use serde::de::{DeserializeOwned, Error as _, IgnoredAny};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::value::RawValue;

/// `{"success": true, "result": <T>, "meta": <M>}`.
///
/// `meta` is absent on most endpoints (then skipped when serializing); paginated endpoints carry
/// [`PageMeta`], wallet balances carry [`WalletBalancesMeta`](crate::model::WalletBalancesMeta).
/// Unknown keys are ignored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Envelope<T, M = PageMeta> {
    /// `true` on success; a `false` here means the body is an error (see [`ApiErrorEnvelope`]).
    pub success: bool,
    /// The payload.
    pub result: T,
    /// Pagination cursors or endpoint-specific extras.
    #[serde(default = "none", skip_serializing_if = "Option::is_none")]
    pub meta: Option<M>,
}

fn none<M>() -> Option<M> {
    None
}

impl<T> Envelope<T> {
    /// A successful envelope without meta (what the sim answers for non-paginated endpoints).
    pub fn ok(result: T) -> Self {
        Self { success: true, result, meta: None }
    }
}

impl<T, M> Envelope<T, M> {
    /// A successful envelope with meta.
    pub fn with_meta(result: T, meta: M) -> Self {
        Self { success: true, result, meta: Some(meta) }
    }
}

/// Pagination cursors: opaque strings, `null` when there is no further page (REFERENCE 5.4).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PageMeta {
    /// Cursor of the next page.
    #[serde(default)]
    pub after: Option<String>,
    /// Cursor of the previous page.
    #[serde(default)]
    pub before: Option<String>,
}

/// The `result` of endpoints that only acknowledge (cancel-all, close-all, bracket, reset MMP).
///
/// Reads `{}`, any other value, `null`, or a missing `result` key (so `Envelope<EmptyResult>` accepts
/// both `{"success":true,"result":{}}` and `{"success":true}`); serializes as `{}`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct EmptyResult;

impl Serialize for EmptyResult {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serde::ser::SerializeMap::end(serializer.serialize_map(Some(0))?)
    }
}

impl<'de> Deserialize<'de> for EmptyResult {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        // Going through `Option` lets serde's missing-field path (which asks for an option) succeed.
        Option::<IgnoredAny>::deserialize(deserializer).map(|_| EmptyResult)
    }
}

/// A payload that may come bare (`{"current_quota": ..}`, the docs' quota example) or inside the
/// envelope (`{"success": true, "result": {..}}`); REFERENCE 3.1 says to accept both. Serializes bare.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BareOrWrapped<T>(pub T);

impl<T> BareOrWrapped<T> {
    /// The payload.
    pub fn into_inner(self) -> T {
        self.0
    }
}

impl<T: Serialize> Serialize for BareOrWrapped<T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.0.serialize(serializer)
    }
}

impl<'de, T: DeserializeOwned> Deserialize<'de> for BareOrWrapped<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        struct Probe<'a> {
            #[serde(borrow, default)]
            result: Option<&'a RawValue>,
        }
        let raw = <&RawValue>::deserialize(deserializer)?;
        let probe: Probe = serde_json::from_str(raw.get()).map_err(D::Error::custom)?;
        let payload = probe.result.unwrap_or(raw);
        serde_json::from_str(payload.get()).map(Self).map_err(D::Error::custom)
    }
}

/// The application-level error body `{"success": false, "error": {"code": .., "context": ..}}`.
///
/// For reading, [`ErrorBody::parse`](crate::error::ErrorBody::parse) handles both error shapes; this
/// type (and [`GatewayError`]) exist so a server can write them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ApiErrorEnvelope {
    /// Always `false`.
    pub success: bool,
    /// The code and its context.
    pub error: ApiErrorDetail,
}

impl ApiErrorEnvelope {
    /// An error body with a code and no context.
    pub fn new(code: impl Into<String>) -> Self {
        Self { success: false, error: ApiErrorDetail { code: code.into(), context: None } }
    }

    /// The same body with a context object.
    pub fn with_context(mut self, context: serde_json::Value) -> Self {
        self.error.context = Some(context);
        self
    }
}

/// `error` of an [`ApiErrorEnvelope`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ApiErrorDetail {
    /// The code as Delta writes it (see [`ApiErrorCode`](crate::error::ApiErrorCode)).
    pub code: String,
    /// Code-specific details (`available_balance`, `schema_errors`, ...); free-form by nature.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub context: Option<serde_json::Value>,
}

/// The gateway-level error body `{"error": "SignatureExpired", "message": "..."}` (no `success`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GatewayError {
    /// The code (`SignatureExpired`, `InvalidApiKey`, `UnauthorizedApiAccess`, `Forbidden`).
    pub error: String,
    /// Human-readable text.
    pub message: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn success_only_bodies() {
        let bare: Envelope<EmptyResult> = serde_json::from_str(r#"{"success":true}"#).unwrap();
        assert!(bare.success);
        let wrapped: Envelope<EmptyResult> = serde_json::from_str(r#"{"success":true,"result":{}}"#).unwrap();
        assert_eq!(bare, wrapped);
        assert_eq!(serde_json::to_string(&wrapped).unwrap(), r#"{"success":true,"result":{}}"#);
        assert!(serde_json::from_str::<Envelope<EmptyResult>>(r#"{"result":{}}"#).is_err());
    }

    #[test]
    fn meta_is_optional_and_skipped() {
        let page: Envelope<Vec<u32>> =
            serde_json::from_str(r#"{"success":true,"result":[1],"meta":{"after":"x","before":null,"limit":5}}"#)
                .unwrap();
        assert_eq!(page.meta.unwrap().after.as_deref(), Some("x"));
        let plain: Envelope<Vec<u32>> = serde_json::from_str(r#"{"success":true,"result":[]}"#).unwrap();
        assert_eq!(plain.meta, None);
        assert_eq!(serde_json::to_string(&Envelope::ok(1)).unwrap(), r#"{"success":true,"result":1}"#);
    }

    #[test]
    fn bare_or_wrapped() {
        #[derive(Debug, PartialEq, Serialize, Deserialize)]
        struct Q {
            n: u32,
        }
        let bare: BareOrWrapped<Q> = serde_json::from_str(r#"{"n":1}"#).unwrap();
        let wrapped: BareOrWrapped<Q> = serde_json::from_str(r#"{"success":true,"result":{"n":1}}"#).unwrap();
        assert_eq!(bare, wrapped);
        assert_eq!(serde_json::to_string(&wrapped).unwrap(), r#"{"n":1}"#);
        assert!(serde_json::from_str::<BareOrWrapped<Q>>("[1]").is_err());
    }

    #[test]
    fn error_bodies_serialize_in_both_shapes() {
        let body = ApiErrorEnvelope::new("bad_schema").with_context(serde_json::json!({"schema_errors": []}));
        assert_eq!(
            serde_json::to_string(&body).unwrap(),
            r#"{"success":false,"error":{"code":"bad_schema","context":{"schema_errors":[]}}}"#
        );
        let gateway = GatewayError { error: "Forbidden".into(), message: "Request blocked by CDN".into() };
        assert_eq!(
            serde_json::to_string(&gateway).unwrap(),
            r#"{"error":"Forbidden","message":"Request blocked by CDN"}"#
        );
    }
}
