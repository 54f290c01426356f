//! What clients may ask on each socket: the channel catalogue with its symbol rules (REFERENCE 9.2,
//! 4.3) and the decoding of client requests.

use serde::Deserialize;
use serde_json::Value;

/// Which socket a connection is on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Endpoint {
    /// `/ws`: key-auth, private channels and the legacy public channels.
    Private,
    /// `/public/ws`: the compact public channels.
    Public,
}

/// Category names accepted in place of symbols by some channels (REFERENCE 9.2).
pub const CATEGORIES: [&str; 6] =
    ["perpetual_futures", "call_options", "put_options", "futures", "move_options", "spot"];

pub use delta_core::bars::RESOLUTIONS;

/// How a channel treats its symbol list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChannelRules {
    /// Needs `key-auth` first.
    pub private: bool,
    /// Takes no symbols (`margins`, `system_status`, ...).
    pub symbol_less: bool,
    /// Accepts `all` and category names.
    pub accepts_all: bool,
    /// Most symbols per connection, if capped.
    pub max_symbols: Option<usize>,
}

const fn rules(private: bool, symbol_less: bool, accepts_all: bool, max_symbols: Option<usize>) -> ChannelRules {
    ChannelRules { private, symbol_less, accepts_all, max_symbols }
}

/// The candle length of a `candlestick_<res>` channel name.
pub fn candle_seconds(channel: &str) -> Option<i64> {
    let res = channel.strip_prefix("candlestick_")?;
    RESOLUTIONS.iter().find(|(name, _)| *name == res).map(|(_, seconds)| *seconds)
}

/// The rules of `channel` on `endpoint`, or `None` when the endpoint has no such channel.
pub fn channel_rules(endpoint: Endpoint, channel: &str) -> Option<ChannelRules> {
    let shared = match channel {
        "mark_price" | "funding_rate" | "spot_price" => Some(rules(false, false, true, None)),
        _ if candle_seconds(channel).is_some() => Some(rules(false, false, true, None)),
        _ => None,
    };
    if shared.is_some() {
        return shared;
    }
    match (endpoint, channel) {
        (Endpoint::Public, "ob_updates" | "ob_l2") => Some(rules(false, false, false, Some(100))),
        (Endpoint::Public, "ob_l1" | "ticker") => Some(rules(false, false, false, None)),
        (Endpoint::Public, "trades") => Some(rules(false, false, true, None)),
        (Endpoint::Public, "system_status") => Some(rules(false, true, false, None)),
        (Endpoint::Private, "l2_updates") => Some(rules(false, false, false, Some(100))),
        (Endpoint::Private, "l2_orderbook") => Some(rules(false, false, false, Some(20))),
        (Endpoint::Private, "l1_orderbook" | "all_trades" | "v2/ticker" | "v2/spot_price" | "spot_30mtwap_price") => {
            Some(rules(false, false, true, None))
        }
        (Endpoint::Private, "product_updates" | "announcements") => Some(rules(false, true, false, None)),
        (Endpoint::Private, "orders" | "positions" | "user_trades" | "v2/user_trades" | "portfolio_margins") => {
            Some(rules(true, false, true, None))
        }
        (Endpoint::Private, "margins" | "mmp_trigger") => Some(rules(true, true, false, None)),
        _ => None,
    }
}

/// True for `all` and the category names.
pub fn is_group(symbol: &str) -> bool {
    symbol == "all" || CATEGORIES.contains(&symbol)
}

/// One channel of a subscribe/unsubscribe request.
#[derive(Debug, Clone, Deserialize)]
pub struct ChannelRequest {
    /// Channel name.
    pub name: String,
    /// Symbols; absent = none (subscribe) or the whole channel (unsubscribe).
    #[serde(default)]
    pub symbols: Option<Vec<String>>,
}

/// A decoded client message.
#[derive(Debug, Clone)]
pub enum Request {
    /// `{"type":"subscribe"}`.
    Subscribe(Vec<ChannelRequest>),
    /// `{"type":"unsubscribe"}`.
    Unsubscribe(Vec<ChannelRequest>),
    /// `key-auth` (or the legacy `auth`) with its raw payload.
    Auth {
        /// True for the legacy `auth` type.
        legacy: bool,
        /// The payload object (checked by [`super::auth`]).
        payload: Value,
    },
    /// `unauth`.
    Unauth,
    /// `{"type":"ping"}`.
    Ping,
    /// `enable_heartbeat`.
    EnableHeartbeat,
    /// `disable_heartbeat`.
    DisableHeartbeat,
    /// Anything else: ignored (Delta does not document an answer).
    Unknown,
}

#[derive(Deserialize)]
struct Envelope {
    #[serde(rename = "type")]
    kind: String,
    #[serde(default)]
    payload: Value,
}

#[derive(Deserialize)]
struct ChannelsPayload {
    channels: Vec<ChannelRequest>,
}

/// Decodes one text frame; unparseable frames are [`Request::Unknown`].
pub fn decode_request(text: &str) -> Request {
    let Ok(envelope) = serde_json::from_str::<Envelope>(text) else { return Request::Unknown };
    let channels = |payload: Value| {
        serde_json::from_value::<ChannelsPayload>(payload).map(|payload| payload.channels).unwrap_or_default()
    };
    match envelope.kind.as_str() {
        "subscribe" => Request::Subscribe(channels(envelope.payload)),
        "unsubscribe" => Request::Unsubscribe(channels(envelope.payload)),
        "key-auth" => Request::Auth { legacy: false, payload: envelope.payload },
        "auth" => Request::Auth { legacy: true, payload: envelope.payload },
        "unauth" => Request::Unauth,
        "ping" => Request::Ping,
        "enable_heartbeat" => Request::EnableHeartbeat,
        "disable_heartbeat" => Request::DisableHeartbeat,
        _ => Request::Unknown,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn channel_rules_follow_the_reference() {
        assert_eq!(channel_rules(Endpoint::Public, "ob_updates").unwrap().max_symbols, Some(100));
        assert_eq!(channel_rules(Endpoint::Private, "l2_orderbook").unwrap().max_symbols, Some(20));
        assert!(channel_rules(Endpoint::Public, "orders").is_none());
        assert!(channel_rules(Endpoint::Public, "l2_updates").is_none());
        assert!(channel_rules(Endpoint::Private, "orders").unwrap().private);
        assert!(channel_rules(Endpoint::Public, "candlestick_5m").unwrap().accepts_all);
        assert!(channel_rules(Endpoint::Public, "candlestick_7m").is_none());
        assert!(!channel_rules(Endpoint::Public, "ob_l2").unwrap().accepts_all);
    }

    #[test]
    fn decodes_the_fixture_requests() {
        let text = include_str!("../../../../fixtures/delta-api/ws_subscribe_request.json");
        let Request::Subscribe(channels) = decode_request(text) else { panic!("not a subscribe") };
        assert_eq!(channels.len(), 3);
        let text = include_str!("../../../../fixtures/delta-api/ws_unsubscribe_request.json");
        let Request::Unsubscribe(channels) = decode_request(text) else { panic!("not an unsubscribe") };
        assert!(channels[1].symbols.is_none());
        assert!(matches!(decode_request(r#"{"type":"ping"}"#), Request::Ping));
        assert!(matches!(decode_request("{"), Request::Unknown));
    }
}
