//! Frame decoding for both sockets, keyed by (endpoint, channel) (REFERENCE 9.4-9.6).
//!
//! [`decode`] scans a text frame once, validating it, into its top-level `(key, raw value)` pairs (book level
//! arrays are read into borrowed levels in the same pass), finds `type` wherever it is, and converts only the
//! values the channel's decoder needs: numbers straight from their text into exact
//! [`Decimal`](crate::Decimal)s, strings and book levels borrowed from the frame. Requests the client sends
//! are built by [`request`].

pub mod book_message;
mod books;
mod channel;
mod control;
mod error;
mod fields;
mod legacy;
mod market;
mod message;
mod private;
pub mod request;
mod route;
mod scan;
mod stats;

pub use book_message::{BookAction, BookMessage, RawLevel};
pub use channel::{Channel, Endpoint};
pub use control::{KeyAuthReply, SubscribedChannel, Subscriptions};
pub use error::{ErrorClass, ParseError, ParseErrorKind};
pub use legacy::{
    AllTrade, AllTradesSnapshot, Announcement, LegacyFundingRate, LegacyMarkPrice, ProductUpdate, PublicTrade,
};
pub use market::{
    Candle, FundingRate, Ohlc, PriceTick, SystemState, SystemStatus, Ticker, TickerEntry, TopOfBook, Trade,
};
pub use message::WsMessage;
pub use private::{
    EventAction, MarginUpdate, MmpTrigger, OrderUpdate, OrdersSnapshot, PortfolioMargins, PositionUpdate,
    PositionsSnapshot, UserTrade, V2UserTrade,
};
pub use route::{frame_route, FrameRoute};
pub use stats::ParseStats;

use error::ParseErrorKind as Kind;
use fields::{FieldResult, Fields};
use market::{PriceKeys, COMPACT_CANDLE, COMPACT_PRICE, LEGACY_CANDLE};

/// Decodes one text frame received on `endpoint`.
///
/// Unknown fields are ignored; an unknown `type`, an unknown enum value, a missing required field, a bad
/// number or malformed JSON is a [`ParseError`] naming the channel and the start of the frame. Never panics.
pub fn decode(endpoint: Endpoint, frame: &[u8]) -> Result<WsMessage<'_>, ParseError> {
    let mut fields = Fields::from_frame(frame).map_err(|kind| ParseError::new(kind, None, frame))?;
    let message_type = match fields.opt_str("type") {
        Ok(Some(message_type)) => message_type,
        // `mmp_trigger` is documented without a `type` (REFERENCE 9.6): route it by its keys.
        Ok(None) if endpoint == Endpoint::Private && fields.has("frozen_till") => "mmp_trigger",
        Ok(None) => return Err(ParseError::new(Kind::MissingField("type".into()), None, frame)),
        Err(kind) => return Err(ParseError::new(kind, None, frame)),
    };
    let channel = Channel::resolve(endpoint, message_type)
        .ok_or_else(|| ParseError::new(Kind::UnknownChannel(message_type.to_owned()), None, frame))?;
    decode_channel(channel, message_type, &mut fields, frame)
        .map_err(|kind| ParseError::new(kind, Some(channel.name()), frame))
}

fn decode_channel<'a>(
    channel: Channel,
    message_type: &'a str,
    fields: &mut Fields<'a>,
    frame: &'a [u8],
) -> FieldResult<WsMessage<'a>> {
    const SYMBOL_PRICE: PriceKeys = PriceKeys { symbol: "symbol", price: "price", timestamp: Some("timestamp") };
    const V2_SPOT: PriceKeys = PriceKeys { symbol: "s", price: "p", timestamp: None };
    Ok(match channel {
        Channel::Subscriptions => WsMessage::Subscriptions(control::subscriptions(fields)?),
        Channel::Heartbeat => WsMessage::Heartbeat,
        Channel::Pong => WsMessage::Pong,
        Channel::KeyAuth => WsMessage::KeyAuth(control::key_auth(fields)?),
        Channel::LegacyAuth => WsMessage::LegacyAuthSuccess(fields.opt_text("message")?),
        Channel::SystemStatus => WsMessage::SystemStatus(market::system_status(fields)?),
        Channel::ObUpdates => WsMessage::ObUpdates(books::ob_updates(fields)?),
        Channel::ObL2 => WsMessage::ObL2(books::ob_l2(fields)?),
        Channel::ObL1 => WsMessage::ObL1(market::ob_l1(fields)?),
        Channel::Trades => WsMessage::Trade(market::trade(fields)?),
        Channel::Ticker => WsMessage::Ticker(market::ticker(fields)?),
        Channel::MarkPrice => WsMessage::MarkPrice(market::price_tick(fields, &COMPACT_PRICE)?),
        Channel::FundingRate => WsMessage::FundingRate(market::funding_rate(fields)?),
        Channel::Candlestick => WsMessage::Candlestick(market::candle(fields, message_type, &COMPACT_CANDLE)?),
        Channel::SpotPrice => WsMessage::SpotPrice(market::price_tick(fields, &COMPACT_PRICE)?),
        Channel::L2Updates => WsMessage::L2Updates(books::l2_updates(fields)?),
        Channel::L2Orderbook => WsMessage::L2Orderbook(books::l2_orderbook(fields)?),
        Channel::L1Orderbook => WsMessage::L1Orderbook(legacy::l1_orderbook(fields)?),
        Channel::AllTrades if message_type == "all_trades_snapshot" => {
            WsMessage::AllTradesSnapshot(legacy::all_trades_snapshot(fields)?)
        }
        Channel::AllTrades => WsMessage::AllTrades(legacy::all_trade(fields)?),
        Channel::V2Ticker => {
            WsMessage::V2Ticker(Box::new(serde_json::from_slice(frame).map_err(|e| Kind::from_serde(&e))?))
        }
        Channel::LegacyMarkPrice => WsMessage::LegacyMarkPrice(Box::new(legacy::mark_price(fields)?)),
        Channel::LegacyCandlestick => {
            WsMessage::LegacyCandlestick(market::candle(fields, message_type, &LEGACY_CANDLE)?)
        }
        Channel::LegacySpotPrice => WsMessage::LegacySpotPrice(market::price_tick(fields, &SYMBOL_PRICE)?),
        Channel::V2SpotPrice => WsMessage::V2SpotPrice(market::price_tick(fields, &V2_SPOT)?),
        Channel::Spot30mTwapPrice => WsMessage::Spot30mTwapPrice(market::price_tick(fields, &SYMBOL_PRICE)?),
        Channel::LegacyFundingRate => WsMessage::LegacyFundingRate(legacy::funding_rate(fields)?),
        Channel::ProductUpdates => WsMessage::ProductUpdate(legacy::product_update(fields)?),
        Channel::Announcements => WsMessage::Announcement(legacy::announcement(fields)?),
        Channel::Orders if is_snapshot(fields)? => WsMessage::OrdersSnapshot(private::orders_snapshot(fields)?),
        Channel::Orders => WsMessage::OrderUpdate(private::order_update(fields)?),
        Channel::Positions if is_snapshot(fields)? => {
            WsMessage::PositionsSnapshot(private::positions_snapshot(fields)?)
        }
        Channel::Positions => WsMessage::PositionUpdate(private::position_update(fields)?),
        Channel::UserTrades => WsMessage::UserTrade(private::user_trade(fields)?),
        Channel::V2UserTrades => WsMessage::V2UserTrade(private::v2_user_trade(fields)?),
        Channel::Margins => WsMessage::Margins(Box::new(private::margins(fields, frame)?)),
        Channel::PortfolioMargins => WsMessage::PortfolioMargins(Box::new(private::portfolio_margins(fields)?)),
        Channel::MmpTrigger => WsMessage::MmpTrigger(private::mmp_trigger(fields)?),
    })
}

fn is_snapshot(fields: &Fields<'_>) -> FieldResult<bool> {
    Ok(fields.opt_str("action")? == Some("snapshot"))
}

/// A deterministic xorshift generator for the crate's randomized tests: each call `next(n)` is in `0..n`.
#[cfg(test)]
pub(crate) fn test_rng(seed: u64) -> impl FnMut(usize) -> usize {
    let mut state = seed;
    move |n| {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state % n as u64) as usize
    }
}
