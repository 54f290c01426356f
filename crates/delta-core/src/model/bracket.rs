//! Bracket bodies (REFERENCE 7.3 "Brackets"): `POST /v2/orders/bracket` attaches take-profit and
//! stop-loss legs to a position (answer `{"success": true}`, i.e. `Envelope<EmptyResult>`);
//! `PUT /v2/orders/bracket` edits the bracket prices of an entry order.

use serde::{Deserialize, Serialize};

use super::order::{OrderType, StopTriggerMethod};
use super::order_request::validate_product_ref;
use crate::decimal::Decimal;
use crate::error::{DeltaError, DeltaResult};
use crate::wire;

/// Body of `POST /v2/orders/bracket`. The size is implicit: the legs close the whole position.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BracketOrderRequest {
    /// Product id (or `product_symbol`).
    #[serde(default, skip_serializing_if = "Option::is_none", deserialize_with = "wire::opt_int")]
    pub product_id: Option<u64>,
    /// Product symbol (or `product_id`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub product_symbol: Option<String>,
    /// Stop-loss leg.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stop_loss_order: Option<BracketLeg>,
    /// Take-profit leg.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub take_profit_order: Option<BracketLeg>,
    /// Trigger price source of both legs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bracket_stop_trigger_method: Option<StopTriggerMethod>,
}

impl BracketOrderRequest {
    /// Checks the product reference, that at least one leg is given and each leg is consistent.
    pub fn validate(&self) -> DeltaResult<()> {
        validate_product_ref(self.product_id, self.product_symbol.as_deref())?;
        if self.stop_loss_order.is_none() && self.take_profit_order.is_none() {
            return Err(DeltaError::InvalidRequest("a bracket needs a stop-loss or a take-profit leg".into()));
        }
        self.stop_loss_order.iter().chain(&self.take_profit_order).try_for_each(BracketLeg::validate)
    }
}

/// One leg of a position bracket.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BracketLeg {
    /// Market or limit once triggered.
    pub order_type: OrderType,
    /// Trigger price (exclusive with `trail_amount`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stop_price: Option<Decimal>,
    /// Trailing amount (stop-loss only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trail_amount: Option<Decimal>,
    /// Limit price of a limit leg.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit_price: Option<Decimal>,
}

impl BracketLeg {
    fn validate(&self) -> DeltaResult<()> {
        if self.stop_price.is_some() == self.trail_amount.is_some() {
            return Err(DeltaError::InvalidRequest(
                "a bracket leg needs exactly one of stop_price and trail_amount".into(),
            ));
        }
        if (self.order_type == OrderType::Limit) != self.limit_price.is_some() {
            return Err(DeltaError::InvalidRequest("limit_price goes with a limit_order leg, and only there".into()));
        }
        Ok(())
    }
}

/// Body of `PUT /v2/orders/bracket`: new bracket prices of an entry order created with `bracket_*`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BracketEditRequest {
    /// Entry order id.
    #[serde(deserialize_with = "wire::int")]
    pub id: u64,
    /// Product id (or `product_symbol`).
    #[serde(default, skip_serializing_if = "Option::is_none", deserialize_with = "wire::opt_int")]
    pub product_id: Option<u64>,
    /// Product symbol (or `product_id`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub product_symbol: Option<String>,
    /// Stop-loss trigger price.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bracket_stop_loss_price: Option<Decimal>,
    /// Stop-loss limit price.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bracket_stop_loss_limit_price: Option<Decimal>,
    /// Take-profit trigger price.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bracket_take_profit_price: Option<Decimal>,
    /// Take-profit limit price.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bracket_take_profit_limit_price: Option<Decimal>,
    /// Trailing stop-loss amount.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bracket_trail_amount: Option<Decimal>,
    /// Trigger price source.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bracket_stop_trigger_method: Option<StopTriggerMethod>,
}

impl BracketEditRequest {
    /// Checks the product reference and that the stop-loss price and trailing amount are not both set.
    pub fn validate(&self) -> DeltaResult<()> {
        validate_product_ref(self.product_id, self.product_symbol.as_deref())?;
        if self.bracket_stop_loss_price.is_some() && self.bracket_trail_amount.is_some() {
            return Err(DeltaError::InvalidRequest(
                "bracket_stop_loss_price and bracket_trail_amount are mutually exclusive".into(),
            ));
        }
        Ok(())
    }
}
