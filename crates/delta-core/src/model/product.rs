//! Products (instruments), their assets and spot indices (REFERENCE 6; `GET /v2/products`,
//! `/v2/products/{symbol}`, `/v2/assets`, `/v2/indices`).
//!
//! A products page must never fail because Delta added a contract type, state, trading status,
//! notional type or index type: those enums are open (`Other(String)` keeps the text) and the adapter
//! decides what to skip. Fields beyond the identity of a product are optional, since live responses
//! differ between deployments and versions.

use serde::{Deserialize, Serialize};

use super::wire_enum::wire_enum;
use crate::decimal::{Decimal, NumDecimal};
use crate::wire::{self, IsoTime};

wire_enum! {
    /// `contract_type` (REFERENCE 6.1). Open: an unknown type is kept, not fatal.
    pub enum ContractType open {
        /// Perpetual swap with funding.
        PerpetualFutures = "perpetual_futures",
        /// Dated future.
        Futures = "futures",
        /// European call option.
        CallOptions = "call_options",
        /// European put option.
        PutOptions = "put_options",
        /// Straddle ("MOVE") option.
        MoveOptions = "move_options",
        /// Spot pair (Global).
        Spot = "spot",
        /// Interest-rate swap (Global, legacy).
        InterestRateSwaps = "interest_rate_swaps",
        /// Spread (Global, legacy).
        Spreads = "spreads",
        /// Turbo call option (Global, legacy).
        TurboCallOptions = "turbo_call_options",
        /// Turbo put option (Global, legacy).
        TurboPutOptions = "turbo_put_options",
        /// Option combo (Global).
        OptionsCombos = "options_combos",
    }
}

wire_enum! {
    /// Product `state`. Open so that a new lifecycle state does not break listing.
    pub enum ProductState open {
        /// Trading.
        Live = "live",
        /// Past expiry.
        Expired = "expired",
        /// Listed, not yet trading.
        Upcoming = "upcoming",
        /// Settled (accepted by the `states` filter).
        Settled = "settled",
    }
}

wire_enum! {
    /// Product `trading_status` (REFERENCE 8.2). Open: an unknown status is kept; callers should treat
    /// anything but `Operational` as restricted.
    pub enum TradingStatus open {
        /// Normal trading.
        Operational = "operational",
        /// Only cancels are accepted.
        DisruptedCancelOnly = "disrupted_cancel_only",
        /// Auction: only post-only orders and cancels, no matching.
        DisruptedPostOnly = "disrupted_post_only",
    }
}

wire_enum! {
    /// Product `notional_type`. Open: an unknown kind is kept and the adapter decides.
    pub enum NotionalType open {
        /// Linear: quoted, settled and margined in the quote/settling currency.
        Vanilla = "vanilla",
        /// Inverse: quoted in the quote currency, settled and margined in the base.
        Inverse = "inverse",
    }
}

wire_enum! {
    /// `index_type` of a spot index.
    pub enum IndexType open {
        /// Spot pair index.
        SpotPair = "spot_pair",
        /// Fixed interest-rate index.
        FixedInterestRate = "fixed_interest_rate",
        /// Floating interest-rate index.
        FloatingInterestRate = "floating_interest_rate",
    }
}

wire_enum! {
    /// Asset `deposit_status` / `withdrawal_status`.
    pub enum AssetStatus open {
        /// Allowed.
        Enabled = "enabled",
        /// Not allowed.
        Disabled = "disabled",
    }
}

/// One product (`GET /v2/products[/{symbol}]`, REFERENCE 6.3).
///
/// Keys the fixtures always show are written even when `None` (as `null`); `ui_config`, which they do
/// not show, is skipped when absent.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Product {
    /// Product id (used by orders and positions; differs between environments).
    #[serde(deserialize_with = "wire::int")]
    pub id: u64,
    /// Symbol (REFERENCE 6.2).
    pub symbol: String,
    /// Long description.
    #[serde(default)]
    pub description: Option<String>,
    /// Short description.
    #[serde(default)]
    pub short_description: Option<String>,
    /// Creation time.
    #[serde(default)]
    pub created_at: Option<IsoTime>,
    /// Last update time.
    #[serde(default)]
    pub updated_at: Option<IsoTime>,
    /// Launch time.
    #[serde(default)]
    pub launch_time: Option<IsoTime>,
    /// Expiry; `null` for perpetuals.
    #[serde(default)]
    pub settlement_time: Option<IsoTime>,
    /// Start of the opening auction.
    #[serde(default)]
    pub auction_start_time: Option<IsoTime>,
    /// End of the opening auction.
    #[serde(default)]
    pub auction_finish_time: Option<IsoTime>,
    /// Linear or inverse.
    #[serde(default)]
    pub notional_type: Option<NotionalType>,
    /// Contracts used for the impact price.
    #[serde(default, deserialize_with = "wire::opt_int")]
    pub impact_size: Option<u64>,
    /// Base initial margin, in percent.
    #[serde(default)]
    pub initial_margin: Option<Decimal>,
    /// Base maintenance margin, in percent.
    #[serde(default)]
    pub maintenance_margin: Option<Decimal>,
    /// Size of one contract in `contract_unit_currency`.
    pub contract_value: Decimal,
    /// Unit of `contract_value`.
    #[serde(default)]
    pub contract_unit_currency: Option<String>,
    /// Price increment.
    pub tick_size: Decimal,
    /// Type-specific settings.
    #[serde(default)]
    pub product_specs: ProductSpecs,
    /// Lifecycle state.
    pub state: ProductState,
    /// Trading status; `None` when Delta omits it.
    #[serde(default)]
    pub trading_status: Option<TradingStatus>,
    /// Why trading is disrupted.
    #[serde(default)]
    pub disruption_reason: Option<String>,
    /// Maximum notional at the highest leverage.
    #[serde(default)]
    pub max_leverage_notional: Option<Decimal>,
    /// Default leverage (`"200"` or `"200.000000000000000000"`).
    #[serde(default)]
    pub default_leverage: Option<Decimal>,
    /// Initial-margin increase per contract.
    #[serde(default)]
    pub initial_margin_scaling_factor: Option<Decimal>,
    /// Maintenance-margin increase per contract.
    #[serde(default)]
    pub maintenance_margin_scaling_factor: Option<Decimal>,
    /// Taker fee as a fraction of notional.
    #[serde(default)]
    pub taker_commission_rate: Option<Decimal>,
    /// Maker fee as a fraction of notional.
    #[serde(default)]
    pub maker_commission_rate: Option<Decimal>,
    /// Liquidation penalty factor.
    #[serde(default)]
    pub liquidation_penalty_factor: Option<Decimal>,
    /// Insurance-fund contribution.
    #[serde(default)]
    pub insurance_fund_margin_contribution: Option<Decimal>,
    /// Contract type (open enum).
    pub contract_type: ContractType,
    /// Maximum position size in contracts.
    #[serde(default, deserialize_with = "wire::opt_int")]
    pub position_size_limit: Option<u64>,
    /// Maximum annualised basis.
    #[serde(default)]
    pub basis_factor_max_limit: Option<Decimal>,
    /// Quanto contract.
    #[serde(default, deserialize_with = "wire::opt_flag")]
    pub is_quanto: Option<bool>,
    /// Funding method (`mark_price`).
    #[serde(default)]
    pub funding_method: Option<String>,
    /// Maximum annualised funding rate.
    #[serde(default)]
    pub annualized_funding: Option<Decimal>,
    /// Allowed band around mark, percent.
    #[serde(default)]
    pub price_band: Option<Decimal>,
    /// Strike (options).
    #[serde(default)]
    pub strike_price: Option<Decimal>,
    /// Barrier price.
    #[serde(default)]
    pub barrier_price: Option<Decimal>,
    /// Settlement price, once expired.
    #[serde(default)]
    pub settlement_price: Option<Decimal>,
    /// Underlying asset.
    #[serde(default)]
    pub underlying_asset: Option<Asset>,
    /// Quoting asset.
    #[serde(default)]
    pub quoting_asset: Option<Asset>,
    /// Settling asset (`null` for some spot products).
    #[serde(default)]
    pub settling_asset: Option<Asset>,
    /// Underlying index.
    #[serde(default)]
    pub spot_index: Option<SpotIndex>,
    /// Free-form UI hints (`leverage_slider_values`, ...); not interpreted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ui_config: Option<serde_json::Value>,
}

/// `product_specs`: type-specific settings, each key in its wire type (numbers stay numbers, strings
/// stay strings). Keys vary by contract type, so absent keys are skipped; unknown keys are ignored.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ProductSpecs {
    /// Perpetuals: funding clamp.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub funding_clamp_value: Option<NumDecimal>,
    /// Perpetuals: only reduce-only orders are accepted.
    #[serde(default, skip_serializing_if = "Option::is_none", deserialize_with = "wire::opt_flag")]
    pub only_reduce_only_orders_allowed: Option<bool>,
    /// Perpetuals: expiry interval, seconds.
    #[serde(default, skip_serializing_if = "Option::is_none", deserialize_with = "wire::opt_int")]
    pub expiry_interval: Option<u64>,
    /// Perpetuals: isolated-margin liquidation penalty.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub isolated_liq_penalty_factor: Option<NumDecimal>,
    /// Perpetuals: funding interval, seconds.
    #[serde(default, skip_serializing_if = "Option::is_none", deserialize_with = "wire::opt_int")]
    pub rate_exchange_interval: Option<u64>,
    /// Perpetuals: tags (`layer_1`, ...).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tags: Option<Vec<String>>,
    /// Options: maximum volatility.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_volatility: Option<NumDecimal>,
    /// Options: minimum volatility.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_volatility: Option<NumDecimal>,
    /// Options: commission cap as a fraction of premium.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub premium_commission_rate: Option<NumDecimal>,
    /// Options: how volatility is computed (`orderbook`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vol_calculation_method: Option<String>,
    /// Options: volatility expiry time, seconds.
    #[serde(default, skip_serializing_if = "Option::is_none", deserialize_with = "wire::opt_int")]
    pub vol_expiry_time: Option<u64>,
    /// Expired options: index price at settlement.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub settlement_index_price: Option<Decimal>,
    /// Spot: minimum order size (wire type unconfirmed: number or string accepted, written as string).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_order_size: Option<Decimal>,
    /// Spot: maximum order size (wire type unconfirmed: number or string accepted, written as string).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_order_size: Option<Decimal>,
    /// Spot: decimal places of the base asset.
    #[serde(default, skip_serializing_if = "Option::is_none", deserialize_with = "wire::opt_int")]
    pub underlying_precision: Option<u32>,
    /// Spot: decimal places of the quote asset.
    #[serde(default, skip_serializing_if = "Option::is_none", deserialize_with = "wire::opt_int")]
    pub quoting_precision: Option<u32>,
    /// Spot: KYC needed to trade.
    #[serde(default, skip_serializing_if = "Option::is_none", deserialize_with = "wire::opt_flag")]
    pub kyc_required: Option<bool>,
}

/// An asset (`GET /v2/assets`, and nested in products).
///
/// Nested assets are abbreviated (products show seven keys, fills three), so everything but `symbol`
/// is optional and skipped when absent; `interest_slabs` distinguishes absent from `null`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Asset {
    /// Asset id.
    #[serde(default, skip_serializing_if = "Option::is_none", deserialize_with = "wire::opt_int")]
    pub id: Option<u64>,
    /// Symbol (`BTC`, `USD`).
    pub symbol: String,
    /// Decimal places.
    #[serde(default, skip_serializing_if = "Option::is_none", deserialize_with = "wire::opt_int")]
    pub precision: Option<u32>,
    /// Deposits allowed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deposit_status: Option<AssetStatus>,
    /// Withdrawals allowed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub withdrawal_status: Option<AssetStatus>,
    /// Fixed withdrawal fee.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub base_withdrawal_fee: Option<Decimal>,
    /// Minimum withdrawal.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_withdrawal_amount: Option<Decimal>,
    /// Full name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Decimal places shown.
    #[serde(default, skip_serializing_if = "Option::is_none", deserialize_with = "wire::opt_int")]
    pub minimum_precision: Option<u32>,
    /// Display order.
    #[serde(default, skip_serializing_if = "Option::is_none", deserialize_with = "wire::opt_int")]
    pub sort_priority: Option<i64>,
    /// Interest is credited.
    #[serde(default, skip_serializing_if = "Option::is_none", deserialize_with = "wire::opt_flag")]
    pub interest_credit: Option<bool>,
    /// Interest slabs; shape undocumented, kept as JSON. Absent: `None`; `null`: `Some(None)`.
    #[serde(default, skip_serializing_if = "Option::is_none", deserialize_with = "super::codec::present")]
    pub interest_slabs: Option<Option<serde_json::Value>>,
    /// Variable withdrawal fee.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub variable_withdrawal_fee: Option<Decimal>,
    /// KYC deposit limit.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kyc_deposit_limit: Option<Decimal>,
    /// KYC withdrawal limit.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kyc_withdrawal_limit: Option<Decimal>,
    /// Deposit/withdrawal networks; shape undocumented, kept as JSON.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub networks: Option<Vec<serde_json::Value>>,
}

/// A spot index (`GET /v2/indices`, and `spot_index` of a product).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SpotIndex {
    /// Index id.
    #[serde(deserialize_with = "wire::int")]
    pub id: u64,
    /// Symbol (`.DEXBTUSD`).
    pub symbol: String,
    /// Source exchanges and weights.
    #[serde(default)]
    pub constituent_exchanges: Vec<ConstituentExchange>,
    /// Underlying asset id.
    #[serde(default, deserialize_with = "wire::opt_int")]
    pub underlying_asset_id: Option<u64>,
    /// Quoting asset id.
    #[serde(default, deserialize_with = "wire::opt_int")]
    pub quoting_asset_id: Option<u64>,
    /// Price increment.
    #[serde(default)]
    pub tick_size: Option<Decimal>,
    /// Kind of index.
    #[serde(default)]
    pub index_type: Option<IndexType>,
    /// Live extra: description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Live extra: impact size.
    #[serde(default, skip_serializing_if = "Option::is_none", deserialize_with = "wire::opt_int")]
    pub impact_size: Option<u64>,
    /// Live extra: composite index.
    #[serde(default, skip_serializing_if = "Option::is_none", deserialize_with = "wire::opt_flag")]
    pub is_composite: Option<bool>,
    /// Live extra: pricing method.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub price_method: Option<String>,
}

/// One source of a spot index. Delta names the exchange `name` (or `exchange` in some docs).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ConstituentExchange {
    /// Exchange name.
    #[serde(alias = "exchange")]
    pub name: String,
    /// Weight in the index (a JSON number).
    pub weight: NumDecimal,
    /// Health check interval (unit undocumented).
    #[serde(default, skip_serializing_if = "Option::is_none", deserialize_with = "wire::opt_int")]
    pub health_interval: Option<u64>,
    /// Priority when healthy sources are chosen.
    #[serde(default, skip_serializing_if = "Option::is_none", deserialize_with = "wire::opt_int")]
    pub health_priority: Option<i64>,
}

/// A product as nested in margined positions: the identifying and sizing fields only. Live responses
/// nest the full product; its other keys are ignored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProductSummary {
    /// Product id.
    #[serde(deserialize_with = "wire::int")]
    pub id: u64,
    /// Symbol.
    pub symbol: String,
    /// Contract type.
    pub contract_type: ContractType,
    /// Size of one contract.
    pub contract_value: Decimal,
    /// Unit of `contract_value`.
    #[serde(default)]
    pub contract_unit_currency: Option<String>,
    /// Price increment.
    pub tick_size: Decimal,
    /// Linear or inverse.
    #[serde(default)]
    pub notional_type: Option<NotionalType>,
    /// Lifecycle state.
    #[serde(default)]
    pub state: Option<ProductState>,
    /// Trading status.
    #[serde(default)]
    pub trading_status: Option<TradingStatus>,
    /// Quanto contract.
    #[serde(default, deserialize_with = "wire::opt_flag")]
    pub is_quanto: Option<bool>,
    /// Underlying asset.
    #[serde(default)]
    pub underlying_asset: Option<Asset>,
    /// Quoting asset.
    #[serde(default)]
    pub quoting_asset: Option<Asset>,
    /// Settling asset.
    #[serde(default)]
    pub settling_asset: Option<Asset>,
}

impl Product {
    /// True for call, put and move options (including Global's turbo options).
    pub fn is_option(&self) -> bool {
        matches!(
            self.contract_type,
            ContractType::CallOptions
                | ContractType::PutOptions
                | ContractType::MoveOptions
                | ContractType::TurboCallOptions
                | ContractType::TurboPutOptions
        )
    }

    /// True when the product is live and its trading status is operational (or not reported).
    pub fn is_tradable(&self) -> bool {
        self.state == ProductState::Live
            && self.trading_status.as_ref().is_none_or(|status| *status == TradingStatus::Operational)
    }
}
