//! Positions (REFERENCE 7.4): the real-time position, the margined position list and the position
//! request bodies.

use serde::{Deserialize, Serialize};

use super::leverage::MarginMode;
use super::product::ProductSummary;
use crate::decimal::Decimal;
use crate::wire::{self, IsoTime, Micros};

/// `GET /v2/positions?product_id=..`: the real-time position of one product.
///
/// With `underlying_asset_symbol=..` Delta returns a list of these; whether its items carry
/// `product_id`/`product_symbol` is unconfirmed, so both are optional and skipped when absent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Position {
    /// Average entry price; `null` when flat.
    #[serde(default)]
    pub entry_price: Option<Decimal>,
    /// Signed size in contracts: long > 0, short < 0.
    #[serde(deserialize_with = "wire::int")]
    pub size: i64,
    /// Time of the position state.
    pub timestamp: Micros,
    /// Product id (list form, unconfirmed).
    #[serde(default, skip_serializing_if = "Option::is_none", deserialize_with = "wire::opt_int")]
    pub product_id: Option<u64>,
    /// Product symbol (list form, unconfirmed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub product_symbol: Option<String>,
}

/// An item of `GET /v2/positions/margined` (also the answer of change-margin and auto-top-up).
/// Margin fields may lag fills by up to about 10 s.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MarginedPosition {
    /// Auto-deleveraging rank (an integer in the docs, a decimal or `null` live).
    #[serde(default)]
    pub adl_level: Option<Decimal>,
    /// Automatic margin top-up.
    #[serde(default, deserialize_with = "wire::opt_flag")]
    pub auto_topup: Option<bool>,
    /// Bankruptcy price.
    #[serde(default)]
    pub bankruptcy_price: Option<Decimal>,
    /// Commission blocked for closing.
    #[serde(default)]
    pub commission: Option<Decimal>,
    /// Opening time.
    #[serde(default)]
    pub created_at: Option<IsoTime>,
    /// Average entry price.
    #[serde(default)]
    pub entry_price: Option<Decimal>,
    /// Liquidation price.
    #[serde(default)]
    pub liquidation_price: Option<Decimal>,
    /// Position margin.
    #[serde(default)]
    pub margin: Option<Decimal>,
    /// Margin mode.
    #[serde(default)]
    pub margin_mode: Option<MarginMode>,
    /// Mark price.
    #[serde(default)]
    pub mark_price: Option<Decimal>,
    /// The product (trimmed; live responses nest the full product).
    #[serde(default)]
    pub product: Option<ProductSummary>,
    /// Product id.
    #[serde(deserialize_with = "wire::int")]
    pub product_id: u64,
    /// Product symbol.
    #[serde(default)]
    pub product_symbol: Option<String>,
    /// Realised cash flow.
    #[serde(default)]
    pub realized_cashflow: Option<Decimal>,
    /// Realised funding.
    #[serde(default)]
    pub realized_funding: Option<Decimal>,
    /// Realised holding cost.
    #[serde(default)]
    pub realized_holding_cost: Option<Decimal>,
    /// Realised PnL.
    #[serde(default)]
    pub realized_pnl: Option<Decimal>,
    /// Signed size in contracts.
    #[serde(deserialize_with = "wire::int")]
    pub size: i64,
    /// Unrealised PnL.
    #[serde(default)]
    pub unrealized_pnl: Option<Decimal>,
    /// Last update.
    #[serde(default)]
    pub updated_at: Option<IsoTime>,
    /// Owner.
    #[serde(default, deserialize_with = "wire::opt_int")]
    pub user_id: Option<u64>,
}

/// Body of `POST /v2/positions/change_margin`: positive adds margin, negative removes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChangeMarginRequest {
    /// Product id.
    #[serde(deserialize_with = "wire::int")]
    pub product_id: u64,
    /// Margin to add (or remove when negative).
    pub delta_margin: Decimal,
}

/// Body of `PUT /v2/positions/auto_topup` (a JSON boolean; strings accepted).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct AutoTopupRequest {
    /// Product id.
    #[serde(deserialize_with = "wire::int")]
    pub product_id: u64,
    /// Enable automatic top-up.
    #[serde(deserialize_with = "wire::flag")]
    pub auto_topup: bool,
}

/// Body of `POST /v2/positions/close_all` (all three keys required by the docs).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct CloseAllPositionsRequest {
    /// Close portfolio-margined positions.
    #[serde(deserialize_with = "wire::flag")]
    pub close_all_portfolio: bool,
    /// Close isolated positions.
    #[serde(deserialize_with = "wire::flag")]
    pub close_all_isolated: bool,
    /// The account (`/v2/profile` id).
    #[serde(deserialize_with = "wire::int")]
    pub user_id: u64,
}

impl CloseAllPositionsRequest {
    /// Close every position of `user_id`.
    pub const fn all(user_id: u64) -> Self {
        Self { close_all_portfolio: true, close_all_isolated: true, user_id }
    }
}
