//! The order object and its enums (REFERENCE 8.1, 8.2). Order enums are strict: an unknown side, type,
//! state or time in force is a decode error, since guessing would misstate an order.

use serde::{Deserialize, Serialize};

use super::codec;
use super::wire_enum::wire_enum;
use crate::decimal::Decimal;
use crate::wire::{self, IsoTime};

wire_enum! {
    /// Order or trade side.
    pub enum Side {
        /// Buy.
        Buy = "buy",
        /// Sell.
        Sell = "sell",
    }
}

impl Side {
    /// The other side.
    pub const fn opposite(&self) -> Side {
        match self {
            Side::Buy => Side::Sell,
            Side::Sell => Side::Buy,
        }
    }
}

wire_enum! {
    /// `order_type`. Stop orders are limit or market orders with a `stop_order_type`.
    pub enum OrderType {
        /// Limit order.
        Limit = "limit_order",
        /// Market order.
        Market = "market_order",
    }
}

wire_enum! {
    /// Order `state`.
    pub enum OrderState {
        /// Resting on the book.
        Open = "open",
        /// Untriggered stop order.
        Pending = "pending",
        /// Fully filled.
        Closed = "closed",
        /// Cancelled (possibly after partial fills).
        Cancelled = "cancelled",
    }
}

wire_enum! {
    /// `time_in_force`. `fok` was removed by Delta in 2024 and is rejected.
    #[derive(Default)]
    pub enum TimeInForce {
        /// Good till cancelled (Delta's default).
        #[default]
        Gtc = "gtc",
        /// Immediate or cancel.
        Ioc = "ioc",
    }
}

wire_enum! {
    /// `stop_order_type`: makes an order a trigger order.
    pub enum StopOrderType {
        /// Stop loss.
        StopLoss = "stop_loss_order",
        /// Take profit.
        TakeProfit = "take_profit_order",
    }
}

wire_enum! {
    /// `stop_trigger_method` / `bracket_stop_trigger_method`.
    pub enum StopTriggerMethod {
        /// Mark price (Delta's default).
        MarkPrice = "mark_price",
        /// Last traded price.
        LastTradedPrice = "last_traded_price",
        /// Spot (index) price.
        SpotPrice = "spot_price",
    }
}

wire_enum! {
    /// Market-maker protection group of an order (`mmp`).
    pub enum MmpGroup {
        /// Not protected.
        Disabled = "disabled",
        /// Group 1.
        Mmp1 = "mmp1",
        /// Group 2.
        Mmp2 = "mmp2",
        /// Group 3.
        Mmp3 = "mmp3",
        /// Group 4.
        Mmp4 = "mmp4",
        /// Group 5.
        Mmp5 = "mmp5",
    }
}

/// An order as REST returns it (REFERENCE 8.1).
///
/// Identity, side, type, sizes and state are required; the rest varies by endpoint and version and is
/// optional. Keys shown by the fixtures are written as `null` when `None`; `post_only`, `mmp` and
/// `updated_at`, which they do not show, are skipped when absent.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Order {
    /// Order id.
    #[serde(deserialize_with = "wire::int")]
    pub id: u64,
    /// Owner.
    #[serde(default, deserialize_with = "wire::opt_int")]
    pub user_id: Option<u64>,
    /// Total size in contracts.
    #[serde(deserialize_with = "wire::int")]
    pub size: u64,
    /// Remaining size; filled = `size - unfilled_size`.
    #[serde(deserialize_with = "wire::int")]
    pub unfilled_size: u64,
    /// Side.
    pub side: Side,
    /// Limit or market.
    pub order_type: OrderType,
    /// Limit price.
    #[serde(default)]
    pub limit_price: Option<Decimal>,
    /// Stop type, for trigger orders.
    #[serde(default)]
    pub stop_order_type: Option<StopOrderType>,
    /// Trigger price.
    #[serde(default)]
    pub stop_price: Option<Decimal>,
    /// Trigger price source.
    #[serde(default)]
    pub stop_trigger_method: Option<StopTriggerMethod>,
    /// Trailing amount of a trailing stop.
    #[serde(default)]
    pub trail_amount: Option<Decimal>,
    /// Best trigger reference reached by a trailing stop (live field; meaning inferred).
    #[serde(default)]
    pub trigger_price_max_or_min: Option<Decimal>,
    /// Commission paid on fills.
    #[serde(default)]
    pub paid_commission: Option<Decimal>,
    /// Commission currently blocked for the order.
    #[serde(default)]
    pub commission: Option<Decimal>,
    /// Reduce-only (a JSON boolean in responses; strings accepted).
    #[serde(default, deserialize_with = "wire::flag")]
    pub reduce_only: bool,
    /// Client order id (at most 32 characters).
    #[serde(default)]
    pub client_order_id: Option<String>,
    /// State.
    pub state: OrderState,
    /// Time in force.
    #[serde(default)]
    pub time_in_force: TimeInForce,
    /// Why it was cancelled (`cancelled_by_user`; other values undocumented, kept as text).
    #[serde(default)]
    pub cancellation_reason: Option<String>,
    /// Average fill price; `null` until filled.
    #[serde(default)]
    pub average_fill_price: Option<Decimal>,
    /// Close on trigger; Delta writes the string `"true"`/`"false"`.
    #[serde(default, deserialize_with = "wire::opt_flag", serialize_with = "codec::opt_flag_text")]
    pub close_on_trigger: Option<bool>,
    /// Part of a bracket.
    #[serde(default, deserialize_with = "wire::opt_flag")]
    pub bracket_order: Option<bool>,
    /// Bracket stop-loss limit price.
    #[serde(default)]
    pub bracket_stop_loss_limit_price: Option<Decimal>,
    /// Bracket stop-loss trigger price.
    #[serde(default)]
    pub bracket_stop_loss_price: Option<Decimal>,
    /// Bracket take-profit limit price.
    #[serde(default)]
    pub bracket_take_profit_limit_price: Option<Decimal>,
    /// Bracket take-profit trigger price.
    #[serde(default)]
    pub bracket_take_profit_price: Option<Decimal>,
    /// Bracket trailing amount.
    #[serde(default)]
    pub bracket_trail_amount: Option<Decimal>,
    /// Extra data (`{"source": "api"}`).
    #[serde(default)]
    pub meta_data: OrderMetaData,
    /// Creation time: ISO-8601 (live captures) or a microsecond string (current docs); both accepted.
    #[serde(default)]
    pub created_at: Option<IsoTime>,
    /// Product id.
    #[serde(deserialize_with = "wire::int")]
    pub product_id: u64,
    /// Product symbol (newer responses).
    #[serde(default)]
    pub product_symbol: Option<String>,
    /// Post-only; presence in responses unconfirmed (boolean or string accepted).
    #[serde(default, skip_serializing_if = "Option::is_none", deserialize_with = "wire::opt_flag")]
    pub post_only: Option<bool>,
    /// MMP group; presence in responses unconfirmed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mmp: Option<MmpGroup>,
    /// Last update time; presence in responses unconfirmed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub updated_at: Option<IsoTime>,
}

impl Order {
    /// Contracts filled so far (`size - unfilled_size`, never negative).
    pub fn filled_size(&self) -> u64 {
        self.size.saturating_sub(self.unfilled_size)
    }

    /// True while the order can still trade (`open` or `pending`).
    pub fn is_active(&self) -> bool {
        matches!(self.state, OrderState::Open | OrderState::Pending)
    }
}

/// `meta_data` of an order. Only `source` is documented; other keys are ignored.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderMetaData {
    /// Where the order came from (`api`, `web`, ...).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
}
