//! Private channels of the private socket after key-auth (REFERENCE 9.6). Snapshots reuse the REST models
//! (`Order`, `MarginedPosition`, `WalletBalance`) because they carry the REST objects.

use super::error::ParseErrorKind;
use super::fields::{scalar, FieldResult, Fields};
use crate::decimal::Decimal;
use crate::model::{FillType, LiquidityRole, MarginedPosition, Order, OrderState, Side, StopOrderType, WalletBalance};

/// What an `orders` or `positions` event did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EventAction {
    /// A new order or position.
    Create,
    /// A change (fill, edit, trigger).
    Update,
    /// Gone (cancelled, filled, closed).
    Delete,
    /// An entry of a snapshot (`action: "snapshot"`): the state at subscription time.
    Snapshot,
}

impl EventAction {
    /// Parses the wire text.
    pub fn parse(text: &str) -> Option<Self> {
        Some(match text {
            "create" => EventAction::Create,
            "update" => EventAction::Update,
            "delete" => EventAction::Delete,
            "snapshot" => EventAction::Snapshot,
            _ => return None,
        })
    }
}

/// `orders` snapshot: the open and pending orders of one subscribed symbol.
#[derive(Debug, Clone, PartialEq)]
pub struct OrdersSnapshot<'a> {
    /// The subscribed symbol.
    pub symbol: Option<&'a str>,
    /// Per-symbol sequence number (`meta.seq_no`); the next event carries `seq_no + 1`.
    pub seq_no: Option<u64>,
    /// Snapshot time in µs (`meta.timestamp`).
    pub timestamp_us: Option<i64>,
    /// The orders, as REST returns them (`id`, not `order_id`).
    pub orders: Vec<Order>,
}

/// One `orders` event (create, update, delete).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OrderUpdate<'a> {
    /// Create, update or delete.
    pub action: EventAction,
    /// Why (`fill`, `stop_update`, `stop_trigger`, `stop_cancel`, `liquidation`, `self_trade`); informative,
    /// kept as text so a new reason never drops an order event.
    pub reason: Option<&'a str>,
    /// Product symbol.
    pub symbol: &'a str,
    /// Product id.
    pub product_id: Option<u64>,
    /// Exchange order id.
    pub order_id: u64,
    /// Client order id.
    pub client_order_id: Option<&'a str>,
    /// Order size in contracts.
    pub size: u64,
    /// Size not yet filled.
    pub unfilled_size: u64,
    /// Average fill price, once filled.
    pub average_fill_price: Option<Decimal>,
    /// Limit price (absent for market orders).
    pub limit_price: Option<Decimal>,
    /// Side.
    pub side: Side,
    /// State after this event.
    pub state: OrderState,
    /// Why the order was cancelled (`cancelled_by_user`, ...).
    pub cancellation_reason: Option<&'a str>,
    /// Stop order type, for trigger orders.
    pub stop_order_type: Option<StopOrderType>,
    /// Stop price, for trigger orders.
    pub stop_price: Option<Decimal>,
    /// Trailing amount of a trailing stop (not in the documented event keys; read when sent).
    pub trail_amount: Option<Decimal>,
    /// True for a bracket order.
    pub bracket_order: Option<bool>,
    /// Per-symbol sequence number: previous + 1, else a message was missed.
    pub seq_no: u64,
    /// Event time in µs.
    pub timestamp_us: i64,
}

/// `positions` snapshot.
#[derive(Debug, Clone, PartialEq)]
pub struct PositionsSnapshot {
    /// The positions, as `/v2/positions/margined` returns them.
    pub positions: Vec<MarginedPosition>,
}

/// One `positions` event (no timestamp is documented).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PositionUpdate<'a> {
    /// Create, update or delete.
    pub action: EventAction,
    /// Why (`auto_topup`), if anything.
    pub reason: Option<&'a str>,
    /// Product symbol.
    pub symbol: &'a str,
    /// Product id.
    pub product_id: Option<u64>,
    /// Signed size in contracts (negative = short).
    pub size: i64,
    /// Position margin.
    pub margin: Option<Decimal>,
    /// Average entry price.
    pub entry_price: Option<Decimal>,
    /// Liquidation price.
    pub liquidation_price: Option<Decimal>,
    /// Bankruptcy price.
    pub bankruptcy_price: Option<Decimal>,
    /// Commission blocked for closing.
    pub commission: Option<Decimal>,
}

/// One own fill of `user_trades` (legacy, slower, documented to carry commission under an unknown name).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserTrade<'a> {
    /// Product symbol.
    pub symbol: &'a str,
    /// Fill id (string).
    pub fill_id: &'a str,
    /// Fill reason (`normal`, `adl`, ...).
    pub reason: Option<FillType>,
    /// Product id.
    pub product_id: Option<u64>,
    /// User id.
    pub user_id: Option<u64>,
    /// Order id as sent (an integer, or a UUID for settlement fills).
    pub order_id: &'a str,
    /// Side of the own order.
    pub side: Side,
    /// Filled size in contracts.
    pub size: u64,
    /// Fill price.
    pub price: Decimal,
    /// Own liquidity role.
    pub role: LiquidityRole,
    /// Client order id.
    pub client_order_id: Option<&'a str>,
    /// Fill time in µs.
    pub timestamp_us: i64,
    /// Per-symbol sequence number.
    pub seq_no: Option<u64>,
    /// Commission of the fill. Delta documents that this channel carries the commission but not under
    /// which key (REFERENCE 14.9); `commission`, the REST fill's name, is read when present.
    pub commission: Option<Decimal>,
}

/// One own fill of `v2/user_trades` (compact keys, no commission).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct V2UserTrade<'a> {
    /// Product symbol (`sy`).
    pub symbol: &'a str,
    /// Fill id (`f`).
    pub fill_id: &'a str,
    /// Fill reason (`R`: `normal`, `adl`, `liquidation`).
    pub reason: Option<FillType>,
    /// User id (`u`).
    pub user_id: Option<u64>,
    /// Order id as sent (`o`).
    pub order_id: &'a str,
    /// Side of the own order (`S`).
    pub side: Side,
    /// Filled size in contracts (`s`).
    pub size: u64,
    /// Fill price (`p`).
    pub price: Decimal,
    /// Signed position size after the fill (`po`).
    pub position_size: Option<i64>,
    /// Own liquidity role (`r`).
    pub role: LiquidityRole,
    /// Client order id (`c`).
    pub client_order_id: Option<&'a str>,
    /// Fill time in µs (`t`).
    pub fill_time_us: i64,
    /// Per-symbol sequence (`se`); resets to 1 after a Delta restart — a new epoch, not a gap.
    pub sequence: u64,
}

/// `margins`: one asset's wallet after a change.
#[derive(Debug, Clone, PartialEq)]
pub struct MarginUpdate {
    /// The wallet fields, as REST returns them.
    pub balance: WalletBalance,
    /// Equity available to robo trading.
    pub robo_trading_equity: Option<Decimal>,
    /// User id.
    pub user_id: Option<u64>,
    /// Change time in µs.
    pub timestamp_us: Option<i64>,
}

/// `portfolio_margins`: the portfolio-margin state of one index.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PortfolioMargins<'a> {
    /// Index symbol (`.DEXBTUSD`).
    pub index_symbol: &'a str,
    /// User id.
    pub user_id: Option<u64>,
    /// Asset id.
    pub asset_id: Option<u64>,
    /// True when the account risks liquidation.
    pub liquidation_risk: Option<bool>,
    /// True while under liquidation.
    pub under_liquidation: Option<bool>,
    /// Blocked margin.
    pub blocked_margin: Option<Decimal>,
    /// Initial margin with unrealised cashflows.
    pub im_w_ucf: Option<Decimal>,
    /// Initial margin without unrealised cashflows.
    pub im_wo_ucf: Option<Decimal>,
    /// Maintenance margin with unrealised cashflows.
    pub mm_w_ucf: Option<Decimal>,
    /// Maintenance margin without unrealised cashflows.
    pub mm_wo_ucf: Option<Decimal>,
    /// Unrealised PnL of the positions.
    pub positions_upl: Option<Decimal>,
    /// Risk margin.
    pub risk_margin: Option<Decimal>,
    /// Margin floor.
    pub margin_floor: Option<Decimal>,
    /// Commission.
    pub commission: Option<Decimal>,
    /// Shortfall, only sent with `liquidation_risk`.
    pub margin_shortfall: Option<Decimal>,
    /// The risk matrix (`{down, unchanged, up: [{is_worst, pnl, price_shock}]}`) as raw JSON text.
    pub risk_matrix: Option<&'a str>,
    /// Publish time in µs.
    pub timestamp_us: Option<i64>,
}

/// `mmp_trigger`: market-maker protection froze an asset.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MmpTrigger<'a> {
    /// User id.
    pub user_id: u64,
    /// Frozen asset (`BTC`).
    pub asset: &'a str,
    /// Frozen until (µs); `-1` as sent when no end is set.
    pub frozen_till_us: i64,
}

fn serde_kind(error: serde_json::Error) -> ParseErrorKind {
    ParseErrorKind::from_serde(&error)
}

pub(crate) fn orders_snapshot<'a>(fields: &Fields<'a>) -> FieldResult<OrdersSnapshot<'a>> {
    let result = fields.raw("result").ok_or_else(|| ParseErrorKind::MissingField("result".into()))?;
    let meta = fields.raw("meta").map(|raw| Fields::from_raw(raw, "meta")).transpose()?;
    Ok(OrdersSnapshot {
        symbol: fields.opt_str("symbol")?,
        seq_no: meta.as_ref().map(|m| m.opt_int("seq_no")).transpose()?.flatten(),
        timestamp_us: meta.as_ref().map(|m| m.opt_micros("timestamp")).transpose()?.flatten(),
        orders: serde_json::from_str(result).map_err(serde_kind)?,
    })
}

pub(crate) fn order_update<'a>(fields: &Fields<'a>) -> FieldResult<OrderUpdate<'a>> {
    Ok(OrderUpdate {
        action: fields.enumerated("action", EventAction::parse)?,
        reason: fields.opt_str("reason")?,
        symbol: fields.str("symbol")?,
        product_id: fields.opt_int("product_id")?,
        order_id: fields.int("order_id")?,
        client_order_id: fields.opt_str("client_order_id")?,
        size: fields.int("size")?,
        unfilled_size: fields.int("unfilled_size")?,
        average_fill_price: fields.opt_decimal("average_fill_price")?,
        limit_price: fields.opt_decimal("limit_price")?,
        side: fields.enumerated("side", Side::parse)?,
        state: fields.enumerated("state", OrderState::parse)?,
        cancellation_reason: fields.opt_str("cancellation_reason")?,
        stop_order_type: fields.opt_enumerated("stop_order_type", StopOrderType::parse)?,
        stop_price: fields.opt_decimal("stop_price")?,
        trail_amount: fields.opt_decimal("trail_amount")?,
        bracket_order: fields.opt_bool("bracket_order")?,
        seq_no: fields.int("seq_no")?,
        timestamp_us: fields.micros("timestamp")?,
    })
}

pub(crate) fn positions_snapshot(fields: &Fields<'_>) -> FieldResult<PositionsSnapshot> {
    let result = fields.raw("result").ok_or_else(|| ParseErrorKind::MissingField("result".into()))?;
    Ok(PositionsSnapshot { positions: serde_json::from_str(result).map_err(serde_kind)? })
}

pub(crate) fn position_update<'a>(fields: &Fields<'a>) -> FieldResult<PositionUpdate<'a>> {
    Ok(PositionUpdate {
        action: fields.enumerated("action", EventAction::parse)?,
        reason: fields.opt_str("reason")?,
        symbol: fields.str("symbol")?,
        product_id: fields.opt_int("product_id")?,
        size: fields.int("size")?,
        margin: fields.opt_decimal("margin")?,
        entry_price: fields.opt_decimal("entry_price")?,
        liquidation_price: fields.opt_decimal("liquidation_price")?,
        bankruptcy_price: fields.opt_decimal("bankruptcy_price")?,
        commission: fields.opt_decimal("commission")?,
    })
}

fn id_text<'a>(fields: &Fields<'a>, key: &'static str) -> FieldResult<&'a str> {
    scalar(fields.raw(key).ok_or_else(|| ParseErrorKind::MissingField(key.to_owned()))?, key)
}

pub(crate) fn user_trade<'a>(fields: &Fields<'a>) -> FieldResult<UserTrade<'a>> {
    Ok(UserTrade {
        symbol: fields.str("symbol")?,
        fill_id: id_text(fields, "fill_id")?,
        reason: fields.opt_str("reason")?.map(FillType::from_wire),
        product_id: fields.opt_int("product_id")?,
        user_id: fields.opt_int("user_id")?,
        order_id: id_text(fields, "order_id")?,
        side: fields.enumerated("side", Side::parse)?,
        size: fields.int("size")?,
        price: fields.decimal("price")?,
        role: fields.enumerated("role", LiquidityRole::parse)?,
        client_order_id: fields.opt_str("client_order_id")?,
        timestamp_us: fields.micros("timestamp")?,
        seq_no: fields.opt_int("seq_no")?,
        commission: fields.opt_decimal("commission")?,
    })
}

pub(crate) fn v2_user_trade<'a>(fields: &Fields<'a>) -> FieldResult<V2UserTrade<'a>> {
    Ok(V2UserTrade {
        symbol: fields.str("sy")?,
        fill_id: id_text(fields, "f")?,
        reason: fields.opt_str("R")?.map(FillType::from_wire),
        user_id: fields.opt_int("u")?,
        order_id: id_text(fields, "o")?,
        side: fields.enumerated("S", Side::parse)?,
        size: fields.int("s")?,
        price: fields.decimal("p")?,
        position_size: fields.opt_int("po")?,
        role: fields.enumerated("r", LiquidityRole::parse)?,
        client_order_id: fields.opt_str("c")?,
        fill_time_us: fields.micros("t")?,
        sequence: fields.int("se")?,
    })
}

pub(crate) fn margins(fields: &Fields<'_>, frame: &[u8]) -> FieldResult<MarginUpdate> {
    Ok(MarginUpdate {
        balance: serde_json::from_slice(frame).map_err(serde_kind)?,
        robo_trading_equity: fields.opt_decimal("robo_trading_equity")?,
        user_id: fields.opt_int("user_id")?,
        timestamp_us: fields.opt_micros("timestamp")?,
    })
}

pub(crate) fn portfolio_margins<'a>(fields: &Fields<'a>) -> FieldResult<PortfolioMargins<'a>> {
    Ok(PortfolioMargins {
        index_symbol: fields.str("index_symbol")?,
        user_id: fields.opt_int("user_id")?,
        asset_id: fields.opt_int("asset_id")?,
        liquidation_risk: fields.opt_bool("liquidation_risk")?,
        under_liquidation: fields.opt_bool("under_liquidation")?,
        blocked_margin: fields.opt_decimal("blocked_margin")?,
        im_w_ucf: fields.opt_decimal("im_w_ucf")?,
        im_wo_ucf: fields.opt_decimal("im_wo_ucf")?,
        mm_w_ucf: fields.opt_decimal("mm_w_ucf")?,
        mm_wo_ucf: fields.opt_decimal("mm_wo_ucf")?,
        positions_upl: fields.opt_decimal("positions_upl")?,
        risk_margin: fields.opt_decimal("risk_margin")?,
        margin_floor: fields.opt_decimal("margin_floor")?,
        commission: fields.opt_decimal("commission")?,
        margin_shortfall: fields.opt_decimal("margin_shortfall")?,
        risk_matrix: fields.raw("risk_matrix"),
        timestamp_us: fields.opt_micros("timestamp")?,
    })
}

pub(crate) fn mmp_trigger<'a>(fields: &Fields<'a>) -> FieldResult<MmpTrigger<'a>> {
    Ok(MmpTrigger {
        user_id: fields.int("user_id")?,
        asset: fields.str("asset")?,
        frozen_till_us: fields.micros("frozen_till")?,
    })
}
