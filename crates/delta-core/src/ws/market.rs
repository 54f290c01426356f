//! Owned data events for the consumer: fixed-point values, symbols shared as `Arc<str>` (interned per
//! connection, so a message costs no symbol allocation), book levels only after the book verified them.

use std::sync::Arc;

use crate::decimal::Decimal;
use crate::model::{FillType, LiquidityRole, OrderState, OrderType, Side, StopOrderType};
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
    /// An own order event (`orders` create/update/delete), or one order of an `orders` snapshot.
    Order(Box<OrderEvent>),
    /// An own fill (`user_trades`, `v2/user_trades`).
    Fill(Box<FillEvent>),
    /// An own position change (`positions` create/update/delete), or one position of a `positions` snapshot.
    Position(Box<PositionEvent>),
    /// The end of an `orders` or `positions` snapshot, after its entries (also for an empty snapshot), so the
    /// consumer knows the snapshot is complete.
    SnapshotEnd {
        /// `orders` or `positions`.
        channel: &'static str,
        /// The subscribed symbol, when the snapshot names one.
        symbol: Option<Arc<str>>,
        /// The snapshot's sequence number (`meta.seq_no` of `orders`); the next event carries `seq_no + 1`.
        seq_no: Option<u64>,
        /// Entries delivered before this marker.
        count: usize,
    },
    /// A wallet change of one asset (`margins`).
    Margin(Box<MarginUpdate>),
    /// Market-maker protection fired (`mmp_trigger`).
    MmpTrigger(MmpEvent),
    /// A message of a channel without a typed event here yet (legacy `v2/ticker`, `all_trades_snapshot`,
    /// `portfolio_margins`, `product_updates`, `announcements`): the frame is kept, nothing is lost.
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

/// An own order event, or one order of a snapshot (`action` [`EventAction::Snapshot`], fields from the REST
/// order the snapshot carries).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderEvent {
    /// Create, update, delete or snapshot.
    pub action: EventAction,
    /// Product symbol.
    pub symbol: Arc<str>,
    /// Product id.
    pub product_id: Option<u64>,
    /// Order id.
    pub order_id: u64,
    /// Client order id, when set.
    pub client_order_id: Option<Box<str>>,
    /// Side.
    pub side: Side,
    /// Limit or market: known for snapshot entries only (the wire events carry no order type).
    pub order_type: Option<OrderType>,
    /// State.
    pub state: OrderState,
    /// Size (contracts).
    pub size: u64,
    /// Unfilled size (contracts).
    pub unfilled_size: u64,
    /// Limit price.
    pub limit_price: Option<Decimal>,
    /// Trigger price of a stop order.
    pub stop_price: Option<Decimal>,
    /// Stop order type, for trigger orders.
    pub stop_order_type: Option<StopOrderType>,
    /// Trailing amount of a trailing stop.
    pub trail_amount: Option<Decimal>,
    /// Average fill price.
    pub average_fill_price: Option<Decimal>,
    /// Why the order was cancelled (`cancelled_by_user`, ...).
    pub cancellation_reason: Option<Box<str>>,
    /// True for a bracket order.
    pub bracket_order: Option<bool>,
    /// Event reason (`fill`, `stop_trigger`, ...).
    pub reason: Option<Box<str>>,
    /// Per-symbol sequence number (a snapshot entry carries the snapshot's, when sent).
    pub seq_no: Option<u64>,
    /// Exchange timestamp (µs); a snapshot entry carries the snapshot's, else the order's update or creation
    /// time.
    pub timestamp_us: Option<i64>,
}

/// An own fill.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FillEvent {
    /// The channel it came on (`v2/user_trades` or the legacy `user_trades`).
    pub channel: &'static str,
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
    /// Why the fill happened (`normal`, `adl`, `liquidation`, ...), when sent.
    pub fill_type: Option<FillType>,
    /// Signed position size after the fill (`v2/user_trades` only).
    pub position_size: Option<i64>,
    /// Commission (legacy `user_trades` only, when it carries one).
    pub commission: Option<Decimal>,
    /// Fill time (µs).
    pub timestamp_us: i64,
    /// Per-symbol sequence (`seq_no` / `se`); `se` restarts at 1 after an exchange restart.
    pub sequence: Option<u64>,
}

/// An own position change, or one position of a snapshot (`action` [`EventAction::Snapshot`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PositionEvent {
    /// Create, update, delete or snapshot.
    pub action: EventAction,
    /// Product symbol.
    pub symbol: Arc<str>,
    /// Product id.
    pub product_id: Option<u64>,
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
