//! The control side of the socket protocol the connection machinery needs (REFERENCE 9.1-9.3): the
//! requests it sends and the replies it must recognise (`key-auth`, `subscriptions`, heartbeat, pong,
//! book `action: error`). Data frames are handed on untouched.
//!
//! This is the seam to `crate::parse`: once its decoder and message builders land, this module delegates
//! to them.

use std::borrow::Cow;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::wire;

/// `{"type":"enable_heartbeat"}`.
pub const ENABLE_HEARTBEAT: &str = r#"{"type":"enable_heartbeat"}"#;
/// `{"type":"ping"}`.
pub const PING: &str = r#"{"type":"ping"}"#;

/// One channel of a subscribe/unsubscribe request; `symbols: None` leaves/joins the channel without symbols.
#[derive(Debug, Serialize)]
struct ChannelRequest<'a> {
    name: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    symbols: Option<Vec<&'a str>>,
}

#[derive(Debug, Serialize)]
struct ChannelsPayload<'a> {
    channels: Vec<ChannelRequest<'a>>,
}

#[derive(Debug, Serialize)]
struct Request<'a, P> {
    #[serde(rename = "type")]
    kind: &'a str,
    payload: P,
}

#[derive(Debug, Serialize)]
struct KeyAuthPayload<'a> {
    #[serde(rename = "api-key")]
    api_key: &'a str,
    signature: &'a str,
    timestamp: &'a str,
}

/// Which request a channel list goes into.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SubscribeKind {
    /// `{"type":"subscribe", ...}`.
    Subscribe,
    /// `{"type":"unsubscribe", ...}`.
    Unsubscribe,
}

/// A subscribe or unsubscribe request for `(channel, symbols)` pairs; an empty symbol list is sent
/// without `symbols` (symbol-less channels such as `margins`, or leaving a whole channel).
pub fn channels_request(kind: SubscribeKind, channels: &[(&str, &[Arc<str>])]) -> String {
    let kind = match kind {
        SubscribeKind::Subscribe => "subscribe",
        SubscribeKind::Unsubscribe => "unsubscribe",
    };
    let channels = channels
        .iter()
        .map(|&(name, symbols)| ChannelRequest {
            name,
            symbols: (!symbols.is_empty()).then(|| symbols.iter().map(|s| &**s).collect()),
        })
        .collect();
    serialize(&Request { kind, payload: ChannelsPayload { channels } })
}

/// The `key-auth` request (REFERENCE 9.3); the timestamp is sent as a string like every sample.
pub fn key_auth_request(api_key: &str, signature: &str, timestamp: &str) -> String {
    serialize(&Request { kind: "key-auth", payload: KeyAuthPayload { api_key, signature, timestamp } })
}

fn serialize(value: &impl Serialize) -> String {
    // Plain structs of strings always serialize.
    serde_json::to_string(value).unwrap_or_default()
}

/// What a received text frame means to the connection machinery.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Control<'a> {
    /// `{"type":"heartbeat"}`.
    Heartbeat,
    /// `{"type":"pong"}`.
    Pong,
    /// The `key-auth` reply.
    AuthReply {
        /// `success`.
        success: bool,
        /// `status_code`, when sent.
        status_code: Option<u16>,
        /// `status`, when sent.
        status: Option<Cow<'a, str>>,
    },
    /// The `subscriptions` reply; lists the channels Delta refused with its text.
    Subscriptions {
        /// `(channel, error)` for each refused channel.
        errors: Vec<(String, String)>,
    },
    /// A book channel's `action: error` (resubscribe after a few seconds).
    BookError {
        /// The channel (`l2_updates` / `ob_updates`).
        channel: Cow<'a, str>,
        /// The symbol.
        symbol: Cow<'a, str>,
        /// Delta's text.
        message: Option<Cow<'a, str>>,
    },
    /// Any other message: data for the consumer.
    Data {
        /// The `type` key, when present (`mmp_trigger` messages may have none).
        channel: Option<Cow<'a, str>>,
        /// The `symbol` / `sy` key, when present.
        symbol: Option<Cow<'a, str>>,
        /// True for `action: snapshot` (books, `orders`, `positions`).
        snapshot: bool,
    },
}

#[derive(Debug, Deserialize)]
struct Head<'a> {
    #[serde(rename = "type", borrow, default)]
    kind: Option<Cow<'a, str>>,
    #[serde(default, deserialize_with = "wire::opt_flag")]
    success: Option<bool>,
    #[serde(default, deserialize_with = "wire::opt_int")]
    status_code: Option<u16>,
    #[serde(borrow, default)]
    status: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    action: Option<Cow<'a, str>>,
    #[serde(borrow, default, alias = "sy")]
    symbol: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    msg: Option<Cow<'a, str>>,
    #[serde(default)]
    channels: Option<Vec<ChannelAck>>,
}

#[derive(Debug, Deserialize)]
struct ChannelAck {
    name: String,
    #[serde(default)]
    error: Option<String>,
}

/// Classifies a text frame; an error when it is not a JSON object.
pub fn classify(frame: &[u8]) -> Result<Control<'_>, serde_json::Error> {
    let head: Head<'_> = serde_json::from_slice(frame)?;
    Ok(match head.kind.as_deref() {
        Some("heartbeat") => Control::Heartbeat,
        Some("pong") => Control::Pong,
        Some("key-auth") => Control::AuthReply {
            success: head.success.unwrap_or(false),
            status_code: head.status_code,
            status: head.status,
        },
        Some("subscriptions") => Control::Subscriptions {
            errors: head
                .channels
                .unwrap_or_default()
                .into_iter()
                .filter_map(|ack| ack.error.map(|error| (ack.name, error)))
                .collect(),
        },
        _ => match (head.action.as_deref(), head.kind, head.symbol) {
            (Some("error"), Some(channel), Some(symbol)) => Control::BookError { channel, symbol, message: head.msg },
            (action, channel, symbol) => Control::Data { channel, symbol, snapshot: action == Some("snapshot") },
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixture(name: &str) -> Vec<u8> {
        std::fs::read(format!("{}/../../fixtures/delta-api/{name}", env!("CARGO_MANIFEST_DIR"))).unwrap()
    }

    fn json(text: &str) -> serde_json::Value {
        serde_json::from_str(text).unwrap()
    }

    #[test]
    fn requests_match_the_fixtures() {
        let symbols: Vec<Arc<str>> = vec!["BTCUSD".into(), "ETHUSD".into()];
        let text = channels_request(SubscribeKind::Subscribe, &[("v2/ticker", &symbols), ("margins", &[])]);
        assert_eq!(
            json(&text),
            json(
                r#"{"type":"subscribe","payload":{"channels":[{"name":"v2/ticker","symbols":["BTCUSD","ETHUSD"]},{"name":"margins"}]}}"#
            )
        );
        let auth: serde_json::Value = serde_json::from_slice(&fixture("ws_key_auth_request.json")).unwrap();
        let payload = &auth["payload"];
        let text = key_auth_request(
            payload["api-key"].as_str().unwrap(),
            payload["signature"].as_str().unwrap(),
            payload["timestamp"].as_str().unwrap(),
        );
        assert_eq!(json(&text), auth);
        assert_eq!(
            json(ENABLE_HEARTBEAT),
            serde_json::from_slice::<serde_json::Value>(&fixture("ws_enable_heartbeat.json")).unwrap()
        );
        assert_eq!(json(PING), serde_json::from_slice::<serde_json::Value>(&fixture("ws_ping.json")).unwrap());
    }

    #[test]
    fn classifies_control_replies() {
        let frames = [
            fixture("ws_heartbeat.json"),
            fixture("ws_pong.json"),
            fixture("ws_subscriptions_error.json"),
            fixture("ws_subscriptions_response.json"),
            fixture("ws_ob_updates_update.json"),
            fixture("ws_l2_updates_snapshot.json"),
            fixture("ws_mmp_trigger.json"),
        ];
        assert_eq!(classify(&frames[0]).unwrap(), Control::Heartbeat);
        assert_eq!(classify(&frames[1]).unwrap(), Control::Pong);
        let success = fixture("ws_key_auth_success.json");
        assert!(matches!(classify(&success).unwrap(), Control::AuthReply { success: true, .. }));
        let refused = fixture("ws_key_auth_error_invalid_signature.json");
        let Control::AuthReply { success, status_code, status } = classify(&refused).unwrap() else { panic!() };
        assert_eq!((success, status_code, status.as_deref()), (false, Some(401), Some("invalid_signature")));
        let Control::Subscriptions { errors } = classify(&frames[2]).unwrap() else { panic!() };
        assert!(!errors.is_empty());
        let subs = classify(&frames[3]).unwrap();
        assert_eq!(subs, Control::Subscriptions { errors: vec![] });
        let fixture_frames = [fixture("ws_ob_updates_error.json"), fixture("ws_l2_updates_error.json")];
        for (i, name) in ["ws_ob_updates_error.json", "ws_l2_updates_error.json"].iter().enumerate() {
            let Control::BookError { symbol, .. } = classify(&fixture_frames[i]).unwrap() else { panic!("{name}") };
            assert_eq!(symbol, "BTCUSD");
        }
        let data = classify(&frames[4]).unwrap();
        assert_eq!(
            data,
            Control::Data { channel: Some("ob_updates".into()), symbol: Some("BTCUSD".into()), snapshot: false }
        );
        let snapshot = classify(&frames[5]).unwrap();
        assert!(matches!(snapshot, Control::Data { snapshot: true, .. }));
        let mmp = classify(&frames[6]).unwrap();
        assert_eq!(mmp, Control::Data { channel: None, symbol: None, snapshot: false });
        assert!(classify(b"[1,2]").is_err());
    }
}
