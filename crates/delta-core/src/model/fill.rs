//! Own fills (`GET /v2/fills`, REFERENCE 7.5) and the liquidity role shared with public trades.

use serde::{Deserialize, Serialize};

use super::codec;
use super::order::{OrderType, Side};
use super::wire_enum::wire_enum;
use crate::decimal::Decimal;
use crate::wire::{self, IsoTime};

wire_enum! {
    /// Taker or maker (`role` of a fill, `buyer_role`/`seller_role` of a public trade).
    pub enum LiquidityRole {
        /// Took liquidity.
        Taker = "taker",
        /// Provided liquidity.
        Maker = "maker",
    }
}

wire_enum! {
    /// `fill_type`. Open so that a new kind of fill never hides the others from reconciliation.
    pub enum FillType open {
        /// Ordinary match.
        Normal = "normal",
        /// Auto-deleveraging.
        Adl = "adl",
        /// Liquidation.
        Liquidation = "liquidation",
        /// Expiry settlement (its `order_id` is a UUID).
        Settlement = "settlement",
        /// Over-the-counter.
        Otc = "otc",
    }
}

/// One own fill.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Fill {
    /// Fill id: a 32-hex UUID live, an integer in the docs schema; read from either, kept as text.
    #[serde(deserialize_with = "codec::id_text")]
    pub id: String,
    /// Contracts filled.
    #[serde(deserialize_with = "wire::int")]
    pub size: u64,
    /// Kind of fill.
    pub fill_type: FillType,
    /// Side of the own order.
    pub side: Side,
    /// Fill price.
    pub price: Decimal,
    /// Taker or maker.
    pub role: LiquidityRole,
    /// Commission; negative is a maker rebate.
    pub commission: Decimal,
    /// Fill time.
    pub created_at: IsoTime,
    /// Product id.
    #[serde(deserialize_with = "wire::int")]
    pub product_id: u64,
    /// Product symbol.
    #[serde(default)]
    pub product_symbol: Option<String>,
    /// Order id: normally a stringified integer, a UUID for settlement fills (numbers accepted).
    #[serde(deserialize_with = "codec::id_text")]
    pub order_id: String,
    /// Settling asset id.
    #[serde(default, deserialize_with = "wire::opt_int")]
    pub settling_asset_id: Option<u64>,
    /// Settling asset symbol.
    #[serde(default)]
    pub settling_asset_symbol: Option<String>,
    /// Fee and order details.
    #[serde(default)]
    pub meta_data: FillMetaData,
}

/// `meta_data` of a fill. Its keys changed over time, so every key is optional and skipped when
/// absent; unknown keys are ignored.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct FillMetaData {
    /// Commission paid with DETO.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub commission_deto: Option<Decimal>,
    /// Commission paid with DETO, in the settling asset.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub commission_deto_in_settling_asset: Option<Decimal>,
    /// Commission rate applied.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub effective_commission_rate: Option<Decimal>,
    /// Liquidation fee paid with DETO.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub liquidation_fee_deto: Option<Decimal>,
    /// Liquidation fee paid with DETO, in the settling asset.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub liquidation_fee_deto_in_settling_asset: Option<Decimal>,
    /// Limit price of the order (or its reference price).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub order_price: Option<Decimal>,
    /// Size of the order.
    #[serde(default, skip_serializing_if = "Option::is_none", deserialize_with = "wire::opt_int")]
    pub order_size: Option<u64>,
    /// Type of the order.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub order_type: Option<OrderType>,
    /// Unfilled size of the order after this fill.
    #[serde(default, skip_serializing_if = "Option::is_none", deserialize_with = "wire::opt_int")]
    pub order_unfilled_size: Option<u64>,
    /// Trading-fee credits used for the commission.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tfc_used_for_commission: Option<Decimal>,
    /// Trading-fee credits used for the liquidation fee.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tfc_used_for_liquidation_fee: Option<Decimal>,
    /// Total commission in the settling asset.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub total_commission_in_settling_asset: Option<Decimal>,
    /// Total liquidation fee in the settling asset.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub total_liquidation_fee_in_settling_asset: Option<Decimal>,
    /// Older responses: trading-fee credits used.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trading_fee_credits_used: Option<Decimal>,
}
