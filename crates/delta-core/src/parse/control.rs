//! Control replies: `subscriptions`, `key-auth`, the retired `auth` success (REFERENCE 9.1-9.3).

use std::borrow::Cow;

use serde::Deserialize;

use super::error::ParseErrorKind;
use super::fields::{FieldResult, Fields};

/// The `subscriptions` reply: every current subscription of the connection, plus per-channel refusals.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Subscriptions<'a> {
    /// One entry per channel, in wire order.
    pub channels: Vec<SubscribedChannel<'a>>,
}

/// One channel of a `subscriptions` reply.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct SubscribedChannel<'a> {
    /// Channel name.
    #[serde(borrow)]
    pub name: &'a str,
    /// Subscribed symbols (empty for channels without symbols or on error).
    #[serde(default, borrow)]
    pub symbols: Vec<&'a str>,
    /// Why the subscription was refused (`"subscription forbidden on orders. Unauthorized user"`).
    #[serde(default, borrow)]
    pub error: Option<Cow<'a, str>>,
}

/// The `key-auth` reply, success or failure (REFERENCE 9.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KeyAuthReply<'a> {
    /// True once authenticated.
    pub success: bool,
    /// HTTP-like status (`200`, `401`, `404`, `408`, `400`, `500`).
    pub status_code: Option<u16>,
    /// Machine-readable status (`authenticated`, `invalid_signature`, `request_expired`, ...).
    pub status: Option<&'a str>,
    /// Human-readable message of a failure (escape sequences kept as sent).
    pub message: Option<&'a str>,
}

pub(crate) fn subscriptions<'a>(fields: &Fields<'a>) -> FieldResult<Subscriptions<'a>> {
    let raw = fields.raw("channels").ok_or_else(|| ParseErrorKind::MissingField("channels".into()))?;
    let channels = serde_json::from_str(raw).map_err(|e| ParseErrorKind::from_serde(&e))?;
    Ok(Subscriptions { channels })
}

pub(crate) fn key_auth<'a>(fields: &Fields<'a>) -> FieldResult<KeyAuthReply<'a>> {
    Ok(KeyAuthReply {
        success: fields.opt_bool("success")?.ok_or_else(|| ParseErrorKind::MissingField("success".into()))?,
        status_code: fields.opt_int("status_code")?,
        status: fields.opt_str("status")?,
        message: fields.opt_text("message")?,
    })
}
