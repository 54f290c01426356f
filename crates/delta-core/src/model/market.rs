//! Small market-data and platform answers (REFERENCE 4.1, 7.2): candles, exchange stats, settings
//! (server time), the rate-limit quota and the index list.

use serde::{Deserialize, Serialize};

use super::codec;
use super::product::SpotIndex;
use crate::decimal::{Decimal, NumDecimal};
use crate::wire::{self, Micros, MicrosString};

/// An entry of `GET /v2/indices`: the same object as a product's `spot_index`.
pub type Index = SpotIndex;

/// One OHLC candle (`GET /v2/history/candles`); values are JSON numbers, ascending by time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Candle {
    /// Start of the candle, Unix **seconds**.
    #[serde(deserialize_with = "wire::int")]
    pub time: i64,
    /// Open.
    pub open: NumDecimal,
    /// High.
    pub high: NumDecimal,
    /// Low.
    pub low: NumDecimal,
    /// Close.
    pub close: NumDecimal,
    /// Volume (not meaningful for mark or index candles).
    #[serde(default)]
    pub volume: Option<NumDecimal>,
}

/// `GET /v2/stats`: exchange volumes in USD (JSON numbers).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Stats {
    /// Volume over 30 days.
    pub last_30_days_volume: NumDecimal,
    /// Volume over 7 days.
    pub last_7_days_volume: NumDecimal,
    /// Total volume as Delta reports it.
    pub total_volume: NumDecimal,
}

/// `GET /v2/settings` (trimmed to what a client needs: server time and maintenance).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Settings {
    /// Server time.
    pub server_time: Micros,
    /// Maintenance in progress; Delta writes the string `"true"`/`"false"`.
    #[serde(default, deserialize_with = "wire::opt_flag", serialize_with = "codec::opt_flag_text")]
    pub under_maintenance: Option<bool>,
    /// Start of the next maintenance, as a microsecond string.
    #[serde(default)]
    pub maintenance_start_time: Option<MicrosString>,
    /// KYC deposit limit.
    #[serde(default)]
    pub kyc_deposit_limit: Option<Decimal>,
    /// KYC withdrawal limit.
    #[serde(default)]
    pub kyc_withdrawal_limit: Option<Decimal>,
}

/// `GET /v2/rate_limits/quota`; bare in the docs, so read it through
/// [`BareOrWrapped`](crate::model::BareOrWrapped). Whether `current_quota` counts used or remaining
/// units is undocumented.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct RateLimitQuota {
    /// Quota units (used or remaining: unconfirmed).
    #[serde(deserialize_with = "wire::int")]
    pub current_quota: u64,
    /// Milliseconds until the window resets.
    #[serde(deserialize_with = "wire::int")]
    pub remaining_time_in_milliseconds: u64,
}
