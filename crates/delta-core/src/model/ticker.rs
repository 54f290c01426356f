//! Tickers (`GET /v2/tickers[/{symbol}]`, REFERENCE 7.2).

use serde::{Deserialize, Serialize};

use super::codec;
use super::product::ContractType;
use crate::decimal::{Decimal, NumDecimal};
use crate::wire::{self, Micros};

/// One ticker.
///
/// OHLC, `size`, `volume` and turnovers are JSON numbers ([`NumDecimal`]); prices and open interest are
/// decimal strings. `size` is a decimal rather than an integer because Global spot sizes are
/// fractional. Keys that exist only for some contract types (`funding_rate`, `mark_basis` for perps;
/// `mark_vol`, `strike_price` for options) and the OHLC numbers (absent on untraded options) are
/// skipped when `None`; the other keys are written as `null`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Ticker {
    /// 24 h close (last trade).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub close: Option<NumDecimal>,
    /// Contract type.
    #[serde(default)]
    pub contract_type: Option<ContractType>,
    /// Funding rate in percent per interval (perpetuals).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub funding_rate: Option<Decimal>,
    /// Option greeks; `null` for non-options.
    #[serde(default)]
    pub greeks: Option<Greeks>,
    /// 24 h high.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub high: Option<NumDecimal>,
    /// 24 h low.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub low: Option<NumDecimal>,
    /// Last-price change over 24 h, percent.
    #[serde(default)]
    pub ltp_change_24h: Option<Decimal>,
    /// Mark basis (perpetuals).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mark_basis: Option<Decimal>,
    /// Mark-price change over 24 h, percent.
    #[serde(default)]
    pub mark_change_24h: Option<Decimal>,
    /// Mark price.
    #[serde(default)]
    pub mark_price: Option<Decimal>,
    /// Mark implied volatility (options).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mark_vol: Option<Decimal>,
    /// Open interest in underlying units.
    #[serde(default)]
    pub oi: Option<Decimal>,
    /// Open-interest change over 6 h, USD.
    #[serde(default)]
    pub oi_change_usd_6h: Option<Decimal>,
    /// Open interest in contracts.
    #[serde(default)]
    pub oi_contracts: Option<Decimal>,
    /// Open-interest value.
    #[serde(default)]
    pub oi_value: Option<Decimal>,
    /// Unit of `oi_value`.
    #[serde(default)]
    pub oi_value_symbol: Option<String>,
    /// Open-interest value, USD.
    #[serde(default)]
    pub oi_value_usd: Option<Decimal>,
    /// 24 h open.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub open: Option<NumDecimal>,
    /// Allowed price band.
    #[serde(default)]
    pub price_band: Option<PriceBand>,
    /// Product id.
    #[serde(deserialize_with = "wire::int")]
    pub product_id: u64,
    /// Best quotes; Delta sends `{}` when there are none (read as `None`, written back as `{}`).
    #[serde(default, deserialize_with = "codec::empty_object_as_none", serialize_with = "codec::none_as_empty_object")]
    pub quotes: Option<TickerQuotes>,
    /// Contracts traded over 24 h (fractional on Global spot).
    #[serde(default)]
    pub size: Option<NumDecimal>,
    /// Index price.
    #[serde(default)]
    pub spot_price: Option<Decimal>,
    /// Strike (options).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub strike_price: Option<Decimal>,
    /// Symbol.
    pub symbol: String,
    /// Time of the ticker.
    pub timestamp: Micros,
    /// 24 h turnover in `turnover_symbol`.
    #[serde(default)]
    pub turnover: Option<NumDecimal>,
    /// Unit of `turnover`.
    #[serde(default)]
    pub turnover_symbol: Option<String>,
    /// 24 h turnover, USD.
    #[serde(default)]
    pub turnover_usd: Option<NumDecimal>,
    /// Underlying asset symbol.
    #[serde(default)]
    pub underlying_asset_symbol: Option<String>,
    /// 24 h volume (size × contract value).
    #[serde(default)]
    pub volume: Option<NumDecimal>,
}

/// `quotes` of a ticker: top of book and implied volatilities, each nullable.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct TickerQuotes {
    /// Ask implied volatility (options).
    #[serde(default)]
    pub ask_iv: Option<Decimal>,
    /// Size at the best ask.
    #[serde(default)]
    pub ask_size: Option<Decimal>,
    /// Best ask.
    #[serde(default)]
    pub best_ask: Option<Decimal>,
    /// Best bid.
    #[serde(default)]
    pub best_bid: Option<Decimal>,
    /// Bid implied volatility (options).
    #[serde(default)]
    pub bid_iv: Option<Decimal>,
    /// Size at the best bid.
    #[serde(default)]
    pub bid_size: Option<Decimal>,
    /// Impact mid price.
    #[serde(default)]
    pub impact_mid_price: Option<Decimal>,
    /// Mark implied volatility.
    #[serde(default)]
    pub mark_iv: Option<Decimal>,
}

/// Option greeks of a ticker.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Greeks {
    /// Delta.
    #[serde(default)]
    pub delta: Option<Decimal>,
    /// Gamma.
    #[serde(default)]
    pub gamma: Option<Decimal>,
    /// Rho.
    #[serde(default)]
    pub rho: Option<Decimal>,
    /// Spot used for the greeks.
    #[serde(default)]
    pub spot: Option<Decimal>,
    /// Theta.
    #[serde(default)]
    pub theta: Option<Decimal>,
    /// Vega.
    #[serde(default)]
    pub vega: Option<Decimal>,
}

/// Allowed price band of a product.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct PriceBand {
    /// Lowest accepted price.
    pub lower_limit: Decimal,
    /// Highest accepted price.
    pub upper_limit: Decimal,
}
