//! Account safety switches: market-maker protection (REFERENCE 7.6) and the dead-man switch (7.7).

use serde::{Deserialize, Serialize};

use super::codec;
use super::order::MmpGroup;
use super::product::ContractType;
use super::wire_enum::wire_enum;
use crate::decimal::{Decimal, NumDecimal};
use crate::error::{DeltaError, DeltaResult};
use crate::wire;

/// Body of `PUT /v2/users/update_mmp`. Whether the limits are in underlying units or USD is
/// unconfirmed (REFERENCE 14.14).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MmpUpdateRequest {
    /// Underlying asset (`BTC`).
    pub asset: String,
    /// Window length, seconds (starts at the first trade).
    #[serde(deserialize_with = "wire::int")]
    pub window_interval: u64,
    /// Freeze after a trigger, seconds; 0 means a manual reset is needed.
    #[serde(deserialize_with = "wire::int")]
    pub freeze_interval: u64,
    /// Direction-agnostic traded notional limit.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trade_limit: Option<Decimal>,
    /// Signed delta-adjusted notional limit.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delta_limit: Option<Decimal>,
    /// Vega limit.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vega_limit: Option<Decimal>,
    /// Protection group the limits apply to.
    pub mmp: MmpGroup,
}

impl MmpUpdateRequest {
    /// Checks that an asset is named.
    pub fn validate(&self) -> DeltaResult<()> {
        validate_asset("update_mmp", &self.asset)
    }
}

/// Body of `PUT /v2/users/reset_mmp`; answered with `Envelope<EmptyResult>`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MmpResetRequest {
    /// Underlying asset.
    pub asset: String,
    /// Protection group.
    pub mmp: MmpGroup,
}

impl MmpResetRequest {
    /// Checks that an asset is named.
    pub fn validate(&self) -> DeltaResult<()> {
        validate_asset("reset_mmp", &self.asset)
    }
}

fn validate_asset(endpoint: &str, asset: &str) -> DeltaResult<()> {
    if asset.is_empty() {
        return Err(DeltaError::InvalidRequest(format!("{endpoint} needs an asset")));
    }
    Ok(())
}

wire_enum! {
    /// What a heartbeat covers.
    pub enum HeartbeatImpact {
        /// Contract types (and underlying assets).
        Contracts = "contracts",
        /// Named products.
        Products = "products",
    }
}

wire_enum! {
    /// What Delta does when a heartbeat is missed.
    pub enum HeartbeatAction {
        /// Cancel the covered orders.
        CancelOrders = "cancel_orders",
        /// Widen spreads by `value`.
        Spreads = "spreads",
    }
}

/// Body of `POST /v2/heartbeat/create` (India).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HeartbeatCreateRequest {
    /// Client-chosen id of the heartbeat.
    pub heartbeat_id: String,
    /// What it covers.
    pub impact: HeartbeatImpact,
    /// Covered contract types (with `impact: contracts`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub contract_types: Vec<ContractType>,
    /// Covered underlying assets.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub underlying_assets: Vec<String>,
    /// Covered products (with `impact: products`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub product_symbols: Vec<String>,
    /// Actions by number of missed heartbeats.
    pub config: Vec<HeartbeatConfig>,
}

impl HeartbeatCreateRequest {
    /// Checks that the heartbeat has an id and at least one action.
    pub fn validate(&self) -> DeltaResult<()> {
        if self.heartbeat_id.is_empty() || self.config.is_empty() {
            return Err(DeltaError::InvalidRequest("a heartbeat needs a heartbeat_id and at least one config".into()));
        }
        Ok(())
    }
}

/// One action of a heartbeat.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HeartbeatConfig {
    /// The action.
    pub action: HeartbeatAction,
    /// Missed heartbeats before it fires.
    #[serde(deserialize_with = "wire::int")]
    pub unhealthy_count: u32,
    /// Parameter of the action (a JSON number, e.g. the spread for `spreads`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<NumDecimal>,
}

/// `result` of `POST /v2/heartbeat/create`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HeartbeatCreateResponse {
    /// The heartbeat id.
    pub heartbeat_id: String,
}

/// Body of `POST /v2/heartbeat`: keep the heartbeat alive for `ttl` ms (0 disables it).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HeartbeatAckRequest {
    /// The heartbeat id.
    pub heartbeat_id: String,
    /// Time to live, milliseconds.
    #[serde(deserialize_with = "wire::int")]
    pub ttl: u64,
}

impl HeartbeatAckRequest {
    /// Checks that the heartbeat id is not empty.
    pub fn validate(&self) -> DeltaResult<()> {
        if self.heartbeat_id.is_empty() {
            return Err(DeltaError::InvalidRequest("the heartbeat_id is empty".into()));
        }
        Ok(())
    }
}

/// `result` of `POST /v2/heartbeat`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HeartbeatAckResponse {
    /// Server timestamp of the acknowledgement, sent as a string of digits. Its unit is undocumented
    /// (REFERENCE 14.15; the fixture's value is in milliseconds), so it is kept as the raw integer.
    #[serde(deserialize_with = "wire::int", serialize_with = "codec::int_text")]
    pub heartbeat_timestamp: u64,
    /// Whether the switch is armed; Delta writes `"true"`/`"false"`.
    #[serde(deserialize_with = "wire::flag", serialize_with = "codec::flag_text")]
    pub process_enabled: bool,
}

/// Body of `POST /v2/orders/cancel_after` (Global's legacy dead-man switch): milliseconds as a string.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct CancelAfterRequest {
    /// Cancel all orders after this many milliseconds without renewal; 0 disables.
    #[serde(deserialize_with = "wire::int", serialize_with = "codec::int_text")]
    pub cancel_after: u64,
}

/// `result` of `POST /v2/orders/cancel_after`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct CancelAfterResponse {
    /// Whether the switch is armed; written `"true"`/`"false"`.
    #[serde(deserialize_with = "wire::flag", serialize_with = "codec::flag_text")]
    pub cancel_after_enabled: bool,
    /// When orders will be cancelled, milliseconds since the epoch as a string.
    #[serde(deserialize_with = "wire::int", serialize_with = "codec::int_text")]
    pub cancel_after_timestamp: u64,
}
