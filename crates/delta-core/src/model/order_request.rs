//! Request bodies of the single-order endpoints (REFERENCE 7.3): place, edit, cancel, cancel all.
//!
//! Optional keys are skipped when `None`. Flags are written as the strings `"true"`/`"false"` (the
//! swagger form the official client sends) and read from strings or JSON booleans (ccxt and the docs'
//! examples send booleans; REFERENCE 5.1 says the server accepts both, which is inferred).

use serde::{Deserialize, Serialize};

use super::codec;
use super::order::{MmpGroup, OrderType, Side, StopOrderType, StopTriggerMethod, TimeInForce};
use crate::decimal::Decimal;
use crate::error::{DeltaError, DeltaResult};
use crate::wire;

/// Longest `client_order_id` Delta accepts (since October 2025).
pub const MAX_CLIENT_ORDER_ID_LEN: usize = 32;

/// Body of `POST /v2/orders`. Build with [`limit`](Self::limit), [`market`](Self::market),
/// [`stop_market`](Self::stop_market) or [`stop_limit`](Self::stop_limit) and the `with_*` methods;
/// check with [`validate`](Self::validate) before sending.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CreateOrderRequest {
    /// Product id; send exactly one of `product_id` and `product_symbol`.
    #[serde(default, skip_serializing_if = "Option::is_none", deserialize_with = "wire::opt_int")]
    pub product_id: Option<u64>,
    /// Product symbol; send exactly one of `product_id` and `product_symbol`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub product_symbol: Option<String>,
    /// Contracts (> 0).
    #[serde(deserialize_with = "wire::int")]
    pub size: u64,
    /// Side.
    pub side: Side,
    /// Limit or market.
    pub order_type: OrderType,
    /// Limit price (> 0); required for limit orders, absent for market orders.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit_price: Option<Decimal>,
    /// Time in force (Delta defaults to `gtc`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time_in_force: Option<TimeInForce>,
    /// Reject if the order would take liquidity.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "wire::opt_flag",
        serialize_with = "codec::opt_flag_text"
    )]
    pub post_only: Option<bool>,
    /// Only reduce the position.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "wire::opt_flag",
        serialize_with = "codec::opt_flag_text"
    )]
    pub reduce_only: Option<bool>,
    /// Client order id (at most [`MAX_CLIENT_ORDER_ID_LEN`] characters).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_order_id: Option<String>,
    /// Makes the order a stop (trigger) order.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stop_order_type: Option<StopOrderType>,
    /// Trigger price.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stop_price: Option<Decimal>,
    /// Trailing amount, instead of `stop_price` (sign convention unconfirmed, REFERENCE 14.18).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trail_amount: Option<Decimal>,
    /// Trigger price source (Delta defaults to mark price).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stop_trigger_method: Option<StopTriggerMethod>,
    /// Bracket stop-loss trigger price (exclusive with `bracket_trail_amount`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bracket_stop_loss_price: Option<Decimal>,
    /// Bracket stop-loss limit price.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bracket_stop_loss_limit_price: Option<Decimal>,
    /// Bracket take-profit trigger price.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bracket_take_profit_price: Option<Decimal>,
    /// Bracket take-profit limit price.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bracket_take_profit_limit_price: Option<Decimal>,
    /// Bracket trailing stop-loss amount.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bracket_trail_amount: Option<Decimal>,
    /// Bracket trigger price source.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bracket_stop_trigger_method: Option<StopTriggerMethod>,
    /// Market-maker protection group.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mmp: Option<MmpGroup>,
    /// Allow cancelling existing orders of the product to free margin.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "wire::opt_flag",
        serialize_with = "codec::opt_flag_text"
    )]
    pub cancel_orders_accepted: Option<bool>,
}

impl CreateOrderRequest {
    const fn base(product_id: u64, side: Side, size: u64, order_type: OrderType) -> Self {
        Self {
            product_id: Some(product_id),
            product_symbol: None,
            size,
            side,
            order_type,
            limit_price: None,
            time_in_force: None,
            post_only: None,
            reduce_only: None,
            client_order_id: None,
            stop_order_type: None,
            stop_price: None,
            trail_amount: None,
            stop_trigger_method: None,
            bracket_stop_loss_price: None,
            bracket_stop_loss_limit_price: None,
            bracket_take_profit_price: None,
            bracket_take_profit_limit_price: None,
            bracket_trail_amount: None,
            bracket_stop_trigger_method: None,
            mmp: None,
            cancel_orders_accepted: None,
        }
    }

    /// A limit order.
    pub const fn limit(product_id: u64, side: Side, size: u64, limit_price: Decimal) -> Self {
        let mut order = Self::base(product_id, side, size, OrderType::Limit);
        order.limit_price = Some(limit_price);
        order
    }

    /// A market order.
    pub const fn market(product_id: u64, side: Side, size: u64) -> Self {
        Self::base(product_id, side, size, OrderType::Market)
    }

    /// A stop-market order: triggers at `stop_price`, then trades at market.
    pub const fn stop_market(
        product_id: u64,
        side: Side,
        size: u64,
        stop_order_type: StopOrderType,
        stop_price: Decimal,
    ) -> Self {
        let mut order = Self::base(product_id, side, size, OrderType::Market);
        order.stop_order_type = Some(stop_order_type);
        order.stop_price = Some(stop_price);
        order
    }

    /// A stop-limit order: triggers at `stop_price`, then rests at `limit_price`.
    pub const fn stop_limit(
        product_id: u64,
        side: Side,
        size: u64,
        stop_order_type: StopOrderType,
        stop_price: Decimal,
        limit_price: Decimal,
    ) -> Self {
        let mut order = Self::stop_market(product_id, side, size, stop_order_type, stop_price);
        order.order_type = OrderType::Limit;
        order.limit_price = Some(limit_price);
        order
    }

    /// Addresses the product by symbol instead of id.
    pub fn with_product_symbol(mut self, symbol: impl Into<String>) -> Self {
        self.product_id = None;
        self.product_symbol = Some(symbol.into());
        self
    }

    /// Sets the client order id.
    pub fn with_client_order_id(mut self, client_order_id: impl Into<String>) -> Self {
        self.client_order_id = Some(client_order_id.into());
        self
    }

    /// Sets the time in force.
    pub const fn with_time_in_force(mut self, time_in_force: TimeInForce) -> Self {
        self.time_in_force = Some(time_in_force);
        self
    }

    /// Sets the post-only flag.
    pub const fn with_post_only(mut self, post_only: bool) -> Self {
        self.post_only = Some(post_only);
        self
    }

    /// Sets the reduce-only flag.
    pub const fn with_reduce_only(mut self, reduce_only: bool) -> Self {
        self.reduce_only = Some(reduce_only);
        self
    }

    /// Sets the trigger price source of a stop order.
    pub const fn with_stop_trigger_method(mut self, method: StopTriggerMethod) -> Self {
        self.stop_trigger_method = Some(method);
        self
    }

    /// Tags the order with a market-maker protection group.
    pub const fn with_mmp(mut self, group: MmpGroup) -> Self {
        self.mmp = Some(group);
        self
    }

    /// Checks the rules of REFERENCE 7.3 that Delta would reject with `bad_schema` or a rejection:
    /// exactly one product reference, size > 0, a positive limit price exactly for limit orders, a
    /// client order id of 1 to 32 characters, a trigger for stop orders, and `stop_price` /
    /// `trail_amount` (and their bracket counterparts) not both set.
    pub fn validate(&self) -> DeltaResult<()> {
        validate_product_ref(self.product_id, self.product_symbol.as_deref())?;
        validate_size(self.size)?;
        match (self.order_type, self.limit_price) {
            (OrderType::Limit, None) => return Err(invalid("a limit order needs limit_price")),
            (OrderType::Market, Some(_)) => return Err(invalid("a market order must not carry limit_price")),
            _ => {}
        }
        validate_positive("limit_price", self.limit_price)?;
        validate_positive("stop_price", self.stop_price)?;
        if let Some(id) = &self.client_order_id {
            validate_client_order_id(id)?;
        }
        if self.stop_price.is_some() && self.trail_amount.is_some() {
            return Err(invalid("stop_price and trail_amount are mutually exclusive"));
        }
        if self.stop_order_type.is_some() && self.stop_price.is_none() && self.trail_amount.is_none() {
            return Err(invalid("a stop order needs stop_price or trail_amount"));
        }
        if self.bracket_stop_loss_price.is_some() && self.bracket_trail_amount.is_some() {
            return Err(invalid("bracket_stop_loss_price and bracket_trail_amount are mutually exclusive"));
        }
        Ok(())
    }
}

/// Body of `PUT /v2/orders`. Side and type cannot change; `size` is the total size after the edit.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EditOrderRequest {
    /// Order id.
    #[serde(deserialize_with = "wire::int")]
    pub id: u64,
    /// Product id (or `product_symbol`).
    #[serde(default, skip_serializing_if = "Option::is_none", deserialize_with = "wire::opt_int")]
    pub product_id: Option<u64>,
    /// Product symbol (or `product_id`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub product_symbol: Option<String>,
    /// New limit price.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit_price: Option<Decimal>,
    /// Total size after the edit.
    #[serde(deserialize_with = "wire::int")]
    pub size: u64,
    /// New trigger price.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stop_price: Option<Decimal>,
    /// New trailing amount.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trail_amount: Option<Decimal>,
    /// Post-only flag.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "wire::opt_flag",
        serialize_with = "codec::opt_flag_text"
    )]
    pub post_only: Option<bool>,
    /// Market-maker protection group.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mmp: Option<MmpGroup>,
    /// Allow cancelling other orders to free margin.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "wire::opt_flag",
        serialize_with = "codec::opt_flag_text"
    )]
    pub cancel_orders_accepted: Option<bool>,
}

impl EditOrderRequest {
    /// An edit of order `id` to a new total `size` and limit price.
    pub const fn new(id: u64, product_id: u64, size: u64, limit_price: Option<Decimal>) -> Self {
        Self {
            id,
            product_id: Some(product_id),
            product_symbol: None,
            limit_price,
            size,
            stop_price: None,
            trail_amount: None,
            post_only: None,
            mmp: None,
            cancel_orders_accepted: None,
        }
    }

    /// Checks the product reference, the size and the prices.
    pub fn validate(&self) -> DeltaResult<()> {
        validate_product_ref(self.product_id, self.product_symbol.as_deref())?;
        validate_size(self.size)?;
        validate_positive("limit_price", self.limit_price)?;
        validate_positive("stop_price", self.stop_price)
    }
}

/// Body of `DELETE /v2/orders`: `id` or `client_order_id`, plus `product_id`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CancelOrderRequest {
    /// Order id (exclusive with `client_order_id`).
    #[serde(default, skip_serializing_if = "Option::is_none", deserialize_with = "wire::opt_int")]
    pub id: Option<u64>,
    /// Client order id (exclusive with `id`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_order_id: Option<String>,
    /// Product id.
    #[serde(deserialize_with = "wire::int")]
    pub product_id: u64,
}

impl CancelOrderRequest {
    /// Cancel by order id.
    pub const fn by_id(id: u64, product_id: u64) -> Self {
        Self { id: Some(id), client_order_id: None, product_id }
    }

    /// Cancel by client order id.
    pub fn by_client_order_id(client_order_id: impl Into<String>, product_id: u64) -> Self {
        Self { id: None, client_order_id: Some(client_order_id.into()), product_id }
    }

    /// Checks that exactly one of `id` and `client_order_id` is set.
    pub fn validate(&self) -> DeltaResult<()> {
        validate_order_ref(self.id, self.client_order_id.as_deref())
    }
}

/// Body of `DELETE /v2/orders/all`. The server defaults the three flags to false, so a bare body may
/// cancel nothing: [`CancelAllRequest::all`] sets them.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CancelAllRequest {
    /// Only this product.
    #[serde(default, skip_serializing_if = "Option::is_none", deserialize_with = "wire::opt_int")]
    pub product_id: Option<u64>,
    /// Only these contract types, comma-separated (ignored when `product_id` is set).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contract_types: Option<String>,
    /// Cancel limit orders.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "wire::opt_flag",
        serialize_with = "codec::opt_flag_text"
    )]
    pub cancel_limit_orders: Option<bool>,
    /// Cancel stop orders.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "wire::opt_flag",
        serialize_with = "codec::opt_flag_text"
    )]
    pub cancel_stop_orders: Option<bool>,
    /// Cancel reduce-only orders.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "wire::opt_flag",
        serialize_with = "codec::opt_flag_text"
    )]
    pub cancel_reduce_only_orders: Option<bool>,
}

impl CancelAllRequest {
    /// Cancel every limit, stop and reduce-only order, of one product or of all products.
    pub const fn all(product_id: Option<u64>) -> Self {
        Self {
            product_id,
            contract_types: None,
            cancel_limit_orders: Some(true),
            cancel_stop_orders: Some(true),
            cancel_reduce_only_orders: Some(true),
        }
    }
}

fn invalid(message: impl Into<String>) -> DeltaError {
    DeltaError::InvalidRequest(message.into())
}

/// Exactly one of `product_id` / `product_symbol` must be set.
pub(crate) fn validate_product_ref(product_id: Option<u64>, product_symbol: Option<&str>) -> DeltaResult<()> {
    match (product_id, product_symbol) {
        (Some(_), None) | (None, Some(_)) => Ok(()),
        (Some(_), Some(_)) => Err(invalid("send exactly one of product_id and product_symbol, not both")),
        (None, None) => Err(invalid("product_id or product_symbol is required")),
    }
}

/// Exactly one of `id` / `client_order_id` must be set.
pub(crate) fn validate_order_ref(id: Option<u64>, client_order_id: Option<&str>) -> DeltaResult<()> {
    match (id, client_order_id) {
        (Some(_), None) => Ok(()),
        (None, Some(client_order_id)) => validate_client_order_id(client_order_id),
        (Some(_), Some(_)) => Err(invalid("send exactly one of id and client_order_id, not both")),
        (None, None) => Err(invalid("id or client_order_id is required")),
    }
}

/// A client order id has 1 to [`MAX_CLIENT_ORDER_ID_LEN`] characters.
pub fn validate_client_order_id(client_order_id: &str) -> DeltaResult<()> {
    let length = client_order_id.chars().count();
    if length == 0 || length > MAX_CLIENT_ORDER_ID_LEN {
        return Err(invalid(format!(
            "client_order_id must have 1 to {MAX_CLIENT_ORDER_ID_LEN} characters, got {length}"
        )));
    }
    Ok(())
}

/// Sizes are whole contracts above zero.
pub(crate) fn validate_size(size: u64) -> DeltaResult<()> {
    if size == 0 {
        return Err(invalid("size must be above 0"));
    }
    Ok(())
}

/// A price, when present, is above zero.
pub(crate) fn validate_positive(field: &str, value: Option<Decimal>) -> DeltaResult<()> {
    match value {
        Some(price) if price.is_negative() || price.is_zero() => Err(invalid(format!("{field} must be above 0"))),
        _ => Ok(()),
    }
}
