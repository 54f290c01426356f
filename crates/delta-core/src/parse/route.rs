//! Where a frame belongs, read without decoding it: for recorders and routers that keep frames as sent.

use super::channel::{Channel, Endpoint};
use super::error::{ParseError, ParseErrorKind};
use super::fields::Fields;

/// The `type`, channel and product symbol of one frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FrameRoute<'a> {
    /// The frame's `type` as sent (`candlestick_1m`, `ob_updates`, ...); `mmp_trigger` for Delta's untyped MMP
    /// frame.
    pub message_type: &'a str,
    /// The decoder's channel (its name tells the compact and legacy formats apart); `None` for an unknown `type`.
    pub channel: Option<Channel>,
    /// The product (or index) symbol, when the frame names exactly one (`sy`, `symbol`, or `s` of
    /// `v2/spot_price`); `None` for control frames and multi-product frames such as the compact `ticker`.
    pub symbol: Option<&'a str>,
}

/// Reads the route of one text frame received on `endpoint` in a single validating scan.
///
/// Fails only on malformed JSON or a frame without `type` (other than `mmp_trigger`); an unknown `type` is a
/// route with no channel, so recorders keep frames the decoder does not know yet.
pub fn frame_route(endpoint: Endpoint, frame: &[u8]) -> Result<FrameRoute<'_>, ParseError> {
    let fields = Fields::from_frame(frame).map_err(|kind| ParseError::new(kind, None, frame))?;
    let read = || -> Result<FrameRoute<'_>, ParseErrorKind> {
        let message_type = match fields.opt_str("type")? {
            Some(message_type) => message_type,
            None if endpoint == Endpoint::Private && fields.has("frozen_till") => "mmp_trigger",
            None => return Err(ParseErrorKind::MissingField("type".into())),
        };
        let symbol_key = if message_type == "v2/spot_price" { "s" } else { "sy" };
        let symbol = match fields.opt_str(symbol_key)? {
            Some(symbol) => Some(symbol),
            None => fields.opt_str("symbol")?,
        };
        Ok(FrameRoute { message_type, channel: Channel::resolve(endpoint, message_type), symbol })
    };
    read().map_err(|kind| ParseError::new(kind, None, frame))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn route(endpoint: Endpoint, frame: &str) -> (String, Option<&'static str>, Option<String>) {
        let route = frame_route(endpoint, frame.as_bytes()).unwrap();
        (route.message_type.to_owned(), route.channel.map(Channel::name), route.symbol.map(str::to_owned))
    }

    #[test]
    fn reads_type_channel_and_symbol_of_each_format() {
        let public = Endpoint::Public;
        let compact = r#"{"type":"ob_updates","sy":"BTCUSD","a":[],"b":[],"seq":1}"#;
        assert_eq!(route(public, compact), ("ob_updates".into(), Some("ob_updates"), Some("BTCUSD".into())));
        let candle = r#"{"type":"candlestick_1m","sy":"ETHUSD","o":1}"#;
        assert_eq!(route(public, candle), ("candlestick_1m".into(), Some("candlestick_*"), Some("ETHUSD".into())));
        let legacy = r#"{"type":"mark_price","symbol":"MARK:BTCUSD","price":"1"}"#;
        let expected = ("mark_price".into(), Some("mark_price (legacy)"), Some("MARK:BTCUSD".into()));
        assert_eq!(route(Endpoint::Private, legacy), expected);
        let v2_spot = r#"{"type":"v2/spot_price","s":".DEXBTUSD","p":1.5}"#;
        assert_eq!(route(Endpoint::Private, v2_spot).2.as_deref(), Some(".DEXBTUSD"));
        let mmp = r#"{"asset":"BTC","frozen_till":-1}"#;
        assert_eq!(route(Endpoint::Private, mmp), ("mmp_trigger".into(), Some("mmp_trigger"), None));
        assert_eq!(route(public, r#"{"type":"heartbeat"}"#), ("heartbeat".into(), Some("heartbeat"), None));
        assert_eq!(route(public, r#"{"type":"brand_new","sy":"X"}"#), ("brand_new".into(), None, Some("X".into())));
    }

    #[test]
    fn malformed_or_untyped_frames_are_errors() {
        assert!(frame_route(Endpoint::Public, b"{\"type\":").is_err());
        assert!(frame_route(Endpoint::Public, br#"{"sy":"BTCUSD"}"#).is_err());
        assert!(frame_route(Endpoint::Public, br#"{"asset":"BTC","frozen_till":-1}"#).is_err());
    }
}
