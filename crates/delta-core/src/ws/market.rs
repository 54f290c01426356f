//! Owned data events for the consumer: fixed-point values, symbols shared as `Arc<str>` (interned per
//! connection, so a message costs no symbol allocation), book levels only after the book verified them.

use std::sync::Arc;

use crate::decimal::Decimal;
use crate::model::{LiquidityRole, OrderState, Side};
use crate::parse::{EventAction, MarginUpdate, SystemState};

/// Market or account data received on a socket.
#[derive(Debug, Clone, PartialEq)]
pub enum MarketEvent {
    /// A verified book message (`ob_updates`, `l2_updates`, `ob_l2`, `l2_orderbook`).
    Book(BookUpdate),
    /// Best bid and ask (`ob_l1`, `l1_orderbook`).
    TopOfBook(TopOfBook),
    /// A public trade (`trades`, `all_trades`).
    Trade(TradeEvent),
    /// The compact `ticker`'s best quote per product (`q` array; ask first on the wire).
    TickerQuote(TopOfBook),
    /// A mark price (`mark_price`, both formats).
    MarkPrice(PriceEvent),
    /// An index price (`spot_price`, `v2/spot_price`, `spot_30mtwap_price`).
    IndexPrice(PriceEvent),
    /// A funding rate in percent (`funding_rate`, both formats).
    Funding(FundingEvent),
    /// A candle update (`candlestick_*`, both formats).
    Candle(CandleEvent),
    /// Exchange status (`system_status`).
    SystemStatus(SystemStatusEvent),
    /// An own order event (`orders` create/update/delete).
    Order(OrderEvent),
    /// An own fill (`user_trades`, `v2/user_trades`).
    Fill(FillEvent),
    /// An own position change (`positions` create/update/delete).
    Position(PositionEvent),
    /// A wallet change of one asset (`margins`).
    Margin(Box<MarginUpdate>),
    /// Market-maker protection fired (`mmp_trigger`).
    MmpTrigger(MmpEvent),
    /// A message of a channel without a typed event here yet (legacy `v2/ticker`, snapshots of `orders` and
    /// `positions`, `all_trades_snapshot`, `portfolio_margins`, `product_updates`, `announcements`): the
    /// frame is kept, nothing is lost.
    Other {
        /// The channel name.
        channel: &'static str,
        /// The frame's text.
        text: Box<str>,
    },
}

/// A book message after the book accepted it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BookUpdate {
    /// The book channel.
    pub channel: &'static str,
    /// Product symbol.
    pub symbol: Arc<str>,
    /// True when the levels replace the book; false for incremental changes (size 0 deletes).
    pub snapshot: bool,
    /// `(price, size)` asks as sent (ascending).
    pub asks: Vec<(Decimal, Decimal)>,
    /// `(price, size)` bids as sent (descending).
    pub bids: Vec<(Decimal, Decimal)>,
    /// Sequence number, where the channel has one.
    pub seq: Option<u64>,
    /// Exchange timestamp (µs).
    pub timestamp_us: Option<i64>,
}

/// Best bid and ask.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TopOfBook {
    /// Product symbol.
    pub symbol: Arc<str>,
    /// Best bid price.
    pub bid_price: Option<Decimal>,
    /// Best bid size.
    pub bid_size: Option<Decimal>,
    /// Best ask price.
    pub ask_price: Option<Decimal>,
    /// Best ask size.
    pub ask_size: Option<Decimal>,
    /// Exchange timestamp (µs).
    pub timestamp_us: Option<i64>,
}

/// A public trade.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TradeEvent {
    /// Product symbol.
    pub symbol: Arc<str>,
    /// Price.
    pub price: Decimal,
    /// Size (contracts, or coins for spot).
    pub size: Decimal,
    /// The aggressor (the buyer when the buyer was the taker).
    pub aggressor: Side,
    /// Trade time (µs).
    pub trade_time_us: i64,
}

/// A mark or index price.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PriceEvent {
    /// Symbol as sent (`MARK:BTCUSD`, `.DEXBTUSD`).
    pub symbol: Arc<str>,
    /// Price.
    pub price: Decimal,
    /// Exchange timestamp (µs).
    pub timestamp_us: Option<i64>,
}

/// A funding rate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FundingEvent {
    /// Product symbol.
    pub symbol: Arc<str>,
    /// Rate in percent (0.0034 = 0.0034 %).
    pub rate: Decimal,
    /// Next funding time (µs).
    pub next_funding_us: Option<i64>,
    /// Exchange timestamp (µs).
    pub timestamp_us: Option<i64>,
}

/// A candle update.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CandleEvent {
    /// Symbol (`BTCUSD` or `MARK:BTCUSD`).
    pub symbol: Arc<str>,
    /// Resolution (`1m`, `1h`, ...).
    pub resolution: Arc<str>,
    /// Open.
    pub open: Decimal,
    /// High.
    pub high: Decimal,
    /// Low.
    pub low: Decimal,
    /// Close.
    pub close: Decimal,
    /// Volume (absent for mark candles).
    pub volume: Option<Decimal>,
    /// Candle start (µs), when sent (legacy format only).
    pub candle_start_us: Option<i64>,
    /// Exchange timestamp (µs).
    pub timestamp_us: Option<i64>,
}

/// Exchange status.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SystemStatusEvent {
    /// Status.
    pub status: SystemState,
    /// Event name (`maintenance_scheduled`, ...), when sent.
    pub event: Option<Box<str>>,
    /// Maintenance start (µs).
    pub maintenance_start_us: Option<i64>,
    /// Maintenance end (µs).
    pub maintenance_finish_us: Option<i64>,
    /// Exchange timestamp (µs).
    pub timestamp_us: Option<i64>,
}

/// An own order event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderEvent {
    /// Create, update or delete.
    pub action: EventAction,
    /// Product symbol.
    pub symbol: Arc<str>,
    /// Order id.
    pub order_id: u64,
    /// Client order id, when set.
    pub client_order_id: Option<Box<str>>,
    /// Side.
    pub side: Side,
    /// State.
    pub state: OrderState,
    /// Size (contracts).
    pub size: u64,
    /// Unfilled size (contracts).
    pub unfilled_size: u64,
    /// Limit price.
    pub limit_price: Option<Decimal>,
    /// Average fill price.
    pub average_fill_price: Option<Decimal>,
    /// Event reason (`fill`, `stop_trigger`, ...).
    pub reason: Option<Box<str>>,
    /// Per-symbol sequence number.
    pub seq_no: u64,
    /// Exchange timestamp (µs).
    pub timestamp_us: i64,
}

/// An own fill.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FillEvent {
    /// Product symbol.
    pub symbol: Arc<str>,
    /// Fill id.
    pub fill_id: Box<str>,
    /// Order id.
    pub order_id: Box<str>,
    /// Client order id, when set.
    pub client_order_id: Option<Box<str>>,
    /// Side.
    pub side: Side,
    /// Size (contracts).
    pub size: u64,
    /// Price.
    pub price: Decimal,
    /// Maker or taker.
    pub role: LiquidityRole,
    /// Fill time (µs).
    pub timestamp_us: i64,
    /// Per-symbol sequence (`seq_no` / `se`); `se` restarts at 1 after an exchange restart.
    pub sequence: Option<u64>,
}

/// An own position change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PositionEvent {
    /// Create, update or delete.
    pub action: EventAction,
    /// Product symbol.
    pub symbol: Arc<str>,
    /// Signed size (contracts).
    pub size: i64,
    /// Entry price.
    pub entry_price: Option<Decimal>,
    /// Margin.
    pub margin: Option<Decimal>,
    /// Liquidation price.
    pub liquidation_price: Option<Decimal>,
}

/// Market-maker protection fired.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MmpEvent {
    /// Frozen asset.
    pub asset: Arc<str>,
    /// Frozen until (µs); `-1` when no end is set.
    pub frozen_till_us: i64,
}
