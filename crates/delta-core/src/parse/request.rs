//! Client-to-server messages (REFERENCE 9.1-9.3): typed builders that serialize to Delta's exact JSON.

use serde::Serialize;

/// One channel of a subscribe or unsubscribe request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct ChannelRequest<'a> {
    /// Channel name (`v2/ticker`, `ob_updates`, `candlestick_1m`, ...).
    pub name: &'a str,
    /// Symbols, categories or `["all"]`; `None` leaves the `symbols` key out (whole channel on unsubscribe,
    /// channels without symbols on subscribe).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub symbols: Option<&'a [&'a str]>,
}

impl<'a> ChannelRequest<'a> {
    /// A channel with symbols.
    pub const fn new(name: &'a str, symbols: &'a [&'a str]) -> Self {
        Self { name, symbols: Some(symbols) }
    }

    /// A channel without a `symbols` key.
    pub const fn whole(name: &'a str) -> Self {
        Self { name, symbols: None }
    }
}

#[derive(Serialize)]
struct Request<'a, P: Serialize> {
    #[serde(rename = "type")]
    kind: &'a str,
    payload: P,
}

#[derive(Serialize)]
struct Channels<'a> {
    channels: &'a [ChannelRequest<'a>],
}

#[derive(Serialize)]
struct KeyAuth<'a> {
    #[serde(rename = "api-key")]
    api_key: &'a str,
    signature: &'a str,
    timestamp: &'a str,
}

#[derive(Serialize)]
struct Empty {}

#[derive(Serialize)]
struct Bare<'a> {
    #[serde(rename = "type")]
    kind: &'a str,
}

fn to_text(value: &impl Serialize) -> String {
    // Serializing these plain structs of strings cannot fail; an empty string would be refused by Delta.
    serde_json::to_string(value).unwrap_or_default()
}

/// `{"type":"subscribe","payload":{"channels":[...]}}`.
pub fn subscribe(channels: &[ChannelRequest<'_>]) -> String {
    to_text(&Request { kind: "subscribe", payload: Channels { channels } })
}

/// `{"type":"unsubscribe","payload":{"channels":[...]}}`.
pub fn unsubscribe(channels: &[ChannelRequest<'_>]) -> String {
    to_text(&Request { kind: "unsubscribe", payload: Channels { channels } })
}

/// `{"type":"key-auth","payload":{"api-key","signature","timestamp"}}`; `timestamp` is the Unix seconds
/// that were signed, sent as a string as in every sample, `signature` the hex of
/// [`Signer::sign_ws`](crate::auth::Signer::sign_ws).
pub fn key_auth(api_key: &str, signature: &str, timestamp: &str) -> String {
    to_text(&Request { kind: "key-auth", payload: KeyAuth { api_key, signature, timestamp } })
}

/// `{"type":"unauth","payload":{}}`: drops all private subscriptions.
pub fn unauth() -> String {
    to_text(&Request { kind: "unauth", payload: Empty {} })
}

/// `{"type":"enable_heartbeat"}`.
pub fn enable_heartbeat() -> String {
    to_text(&Bare { kind: "enable_heartbeat" })
}

/// `{"type":"disable_heartbeat"}`.
pub fn disable_heartbeat() -> String {
    to_text(&Bare { kind: "disable_heartbeat" })
}

/// `{"type":"ping"}` (text ping; the server answers `pong`).
pub fn ping() -> String {
    to_text(&Bare { kind: "ping" })
}
