//! [`WsMessage`]: one variant per message kind of either socket, borrowing from the frame.

use super::book_message::BookMessage;
use super::channel::Channel;
use super::control::{KeyAuthReply, Subscriptions};
use super::legacy::{AllTrade, AllTradesSnapshot, Announcement, LegacyFundingRate, LegacyMarkPrice, ProductUpdate};
use super::market::{Candle, FundingRate, PriceTick, SystemStatus, Ticker, TopOfBook, Trade};
use super::private::{
    MarginUpdate, MmpTrigger, OrderUpdate, OrdersSnapshot, PortfolioMargins, PositionUpdate, PositionsSnapshot,
    UserTrade, V2UserTrade,
};
use crate::model::Ticker as RestTicker;

/// One decoded socket message.
#[derive(Debug, Clone, PartialEq)]
pub enum WsMessage<'a> {
    /// `subscriptions` reply (with per-channel errors).
    Subscriptions(Subscriptions<'a>),
    /// `heartbeat`.
    Heartbeat,
    /// `pong` (reply to the text ping).
    Pong,
    /// `key-auth` reply.
    KeyAuth(KeyAuthReply<'a>),
    /// `{"type":"success","message":"Authenticated"}` of the retired `auth` method; holds the message.
    LegacyAuthSuccess(Option<&'a str>),
    /// `system_status`.
    SystemStatus(SystemStatus<'a>),
    /// Compact `ob_updates`: snapshot, update or error.
    ObUpdates(BookMessage<'a>),
    /// Compact `ob_l2`: a full top-of-book snapshot.
    ObL2(BookMessage<'a>),
    /// Compact `ob_l1`.
    ObL1(TopOfBook<'a>),
    /// Compact `trades`.
    Trade(Trade<'a>),
    /// Compact `ticker`.
    Ticker(Ticker<'a>),
    /// Compact `mark_price`.
    MarkPrice(PriceTick<'a>),
    /// Compact `funding_rate`.
    FundingRate(FundingRate<'a>),
    /// Compact `candlestick_<res>`.
    Candlestick(Candle<'a>),
    /// Compact `spot_price`.
    SpotPrice(PriceTick<'a>),
    /// Legacy `l2_updates`: snapshot, update or error.
    L2Updates(BookMessage<'a>),
    /// Legacy `l2_orderbook`: a full snapshot.
    L2Orderbook(BookMessage<'a>),
    /// Legacy `l1_orderbook`.
    L1Orderbook(TopOfBook<'a>),
    /// Legacy `all_trades`.
    AllTrades(AllTrade<'a>),
    /// Legacy `all_trades_snapshot`.
    AllTradesSnapshot(AllTradesSnapshot<'a>),
    /// Legacy `v2/ticker` (the REST ticker object).
    V2Ticker(Box<RestTicker>),
    /// Legacy `mark_price`.
    LegacyMarkPrice(Box<LegacyMarkPrice<'a>>),
    /// Legacy `candlestick_<res>`.
    LegacyCandlestick(Candle<'a>),
    /// Legacy `spot_price` (no timestamp).
    LegacySpotPrice(PriceTick<'a>),
    /// Legacy `v2/spot_price` (no timestamp; price as a JSON number).
    V2SpotPrice(PriceTick<'a>),
    /// Legacy `spot_30mtwap_price`.
    Spot30mTwapPrice(PriceTick<'a>),
    /// Legacy `funding_rate`.
    LegacyFundingRate(LegacyFundingRate<'a>),
    /// `product_updates`.
    ProductUpdate(ProductUpdate<'a>),
    /// `announcements`.
    Announcement(Announcement<'a>),
    /// `orders` snapshot.
    OrdersSnapshot(OrdersSnapshot<'a>),
    /// `orders` create/update/delete.
    OrderUpdate(OrderUpdate<'a>),
    /// `positions` snapshot.
    PositionsSnapshot(PositionsSnapshot),
    /// `positions` create/update/delete.
    PositionUpdate(PositionUpdate<'a>),
    /// `user_trades`.
    UserTrade(UserTrade<'a>),
    /// `v2/user_trades`.
    V2UserTrade(V2UserTrade<'a>),
    /// `margins`.
    Margins(Box<MarginUpdate>),
    /// `portfolio_margins`.
    PortfolioMargins(Box<PortfolioMargins<'a>>),
    /// `mmp_trigger`.
    MmpTrigger(MmpTrigger<'a>),
}

impl<'a> WsMessage<'a> {
    /// The channel the message came from.
    pub fn channel(&self) -> Channel {
        match self {
            WsMessage::Subscriptions(_) => Channel::Subscriptions,
            WsMessage::Heartbeat => Channel::Heartbeat,
            WsMessage::Pong => Channel::Pong,
            WsMessage::KeyAuth(_) => Channel::KeyAuth,
            WsMessage::LegacyAuthSuccess(_) => Channel::LegacyAuth,
            WsMessage::SystemStatus(_) => Channel::SystemStatus,
            WsMessage::ObUpdates(_) => Channel::ObUpdates,
            WsMessage::ObL2(_) => Channel::ObL2,
            WsMessage::ObL1(_) => Channel::ObL1,
            WsMessage::Trade(_) => Channel::Trades,
            WsMessage::Ticker(_) => Channel::Ticker,
            WsMessage::MarkPrice(_) => Channel::MarkPrice,
            WsMessage::FundingRate(_) => Channel::FundingRate,
            WsMessage::Candlestick(_) => Channel::Candlestick,
            WsMessage::SpotPrice(_) => Channel::SpotPrice,
            WsMessage::L2Updates(_) => Channel::L2Updates,
            WsMessage::L2Orderbook(_) => Channel::L2Orderbook,
            WsMessage::L1Orderbook(_) => Channel::L1Orderbook,
            WsMessage::AllTrades(_) | WsMessage::AllTradesSnapshot(_) => Channel::AllTrades,
            WsMessage::V2Ticker(_) => Channel::V2Ticker,
            WsMessage::LegacyMarkPrice(_) => Channel::LegacyMarkPrice,
            WsMessage::LegacyCandlestick(_) => Channel::LegacyCandlestick,
            WsMessage::LegacySpotPrice(_) => Channel::LegacySpotPrice,
            WsMessage::V2SpotPrice(_) => Channel::V2SpotPrice,
            WsMessage::Spot30mTwapPrice(_) => Channel::Spot30mTwapPrice,
            WsMessage::LegacyFundingRate(_) => Channel::LegacyFundingRate,
            WsMessage::ProductUpdate(_) => Channel::ProductUpdates,
            WsMessage::Announcement(_) => Channel::Announcements,
            WsMessage::OrdersSnapshot(_) | WsMessage::OrderUpdate(_) => Channel::Orders,
            WsMessage::PositionsSnapshot(_) | WsMessage::PositionUpdate(_) => Channel::Positions,
            WsMessage::UserTrade(_) => Channel::UserTrades,
            WsMessage::V2UserTrade(_) => Channel::V2UserTrades,
            WsMessage::Margins(_) => Channel::Margins,
            WsMessage::PortfolioMargins(_) => Channel::PortfolioMargins,
            WsMessage::MmpTrigger(_) => Channel::MmpTrigger,
        }
    }

    /// The book message of any book channel (`ob_updates`, `ob_l2`, `l2_updates`, `l2_orderbook`).
    pub fn book(&self) -> Option<&BookMessage<'a>> {
        match self {
            WsMessage::ObUpdates(book)
            | WsMessage::ObL2(book)
            | WsMessage::L2Updates(book)
            | WsMessage::L2Orderbook(book) => Some(book),
            _ => None,
        }
    }
}
