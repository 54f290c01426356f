//! The sim's own endpoints (DESIGN section 8): counters, runtime fault switches, the true book.

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::response::Response;
use delta_core::model::Side;
use serde_json::{json, Value};

use crate::config::FaultsUpdate;
use crate::params::json_body;
use crate::reply::{json_response, ApiError, ApiResult};
use crate::state::AppState;

/// `GET /sim/stats`.
pub async fn stats(State(state): State<AppState>) -> Response {
    json_response(axum::http::StatusCode::OK, &state.stats().snapshot())
}

/// `GET /sim/faults`: the current switches.
pub async fn faults(State(state): State<AppState>) -> Response {
    json_response(axum::http::StatusCode::OK, &state.faults())
}

/// `POST /sim/faults` with any of `latency_ms`, `error_rate`, `force_429`; answers the new switches.
pub async fn set_faults(State(state): State<AppState>, body: Bytes) -> ApiResult {
    let update: FaultsUpdate = json_body(&body)?;
    Ok(json_response(axum::http::StatusCode::OK, &state.update_faults(update)))
}

/// Body of `POST /sim/keys` (no `Debug`: it carries a secret).
#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KeyRotation {
    /// A new key for the default account.
    pub api_key: Option<String>,
    /// Its secret (required with `api_key`).
    pub api_secret: Option<String>,
    /// Keys to revoke.
    #[serde(default)]
    pub revoke: Vec<String>,
}

/// `POST /sim/keys` with `{"api_key": "k2", "api_secret": "s2", "revoke": ["k1"]}`: issues a key for the
/// default account and revokes others, for credential-rotation tests. Answers `{"api_keys": [...]}`, the
/// keys now valid (never a secret).
pub async fn keys(State(state): State<AppState>, body: Bytes) -> ApiResult {
    let rotation: KeyRotation = json_body(&body)?;
    let issued = match (&rotation.api_key, &rotation.api_secret) {
        (Some(key), Some(secret)) if !key.is_empty() && !secret.is_empty() => Some((key.as_str(), secret.as_str())),
        (None, None) => None,
        _ => return Err(ApiError::bad_schema("api_key", "api_key and api_secret go together and are non-empty")),
    };
    let valid = state.rotate_keys(issued, &rotation.revoke);
    Ok(json_response(axum::http::StatusCode::OK, &json!({"api_keys": valid})))
}

/// `POST /sim/restart`: drops every socket (public and private) at once; orders, positions, balances and
/// the market stay as they are.
pub async fn restart(State(state): State<AppState>) -> Response {
    state.restart();
    json_response(axum::http::StatusCode::OK, &json!({"success": true}))
}

/// Body of `POST /sim/mmp_trigger`.
#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MmpTrigger {
    /// Asset symbol (`BTC`).
    pub asset: String,
    /// µs until which quoting is frozen; -1 until reset.
    pub frozen_till: i64,
}

/// `POST /sim/mmp_trigger` with `{"asset": "BTC", "frozen_till": µs}`: the sim does not trip MMP on its
/// own; this emits the `mmp_trigger` event to the default account's private sockets.
pub async fn mmp_trigger(State(state): State<AppState>, body: Bytes) -> ApiResult {
    let trigger: MmpTrigger = json_body(&body)?;
    state.venue().trigger_mmp(&trigger.asset, trigger.frozen_till, crate::state::now_micros());
    Ok(json_response(axum::http::StatusCode::OK, &json!({"success": true})))
}

/// Body of `POST /sim/trade`.
#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SyntheticTrade {
    /// Product symbol.
    pub symbol: String,
    /// The synthetic taker's side.
    pub side: Side,
    /// Contracts to take (less when the book runs out).
    pub size: u64,
}

/// `POST /sim/trade` with `{"symbol": "BTCUSD", "side": "sell", "size": 40}`: one synthetic taker trade,
/// exactly as the market generator makes them (price-time priority, resting user orders filled as makers,
/// stops triggered). Answers the levels taken and the user orders filled.
pub async fn trade(State(state): State<AppState>, body: Bytes) -> ApiResult {
    let trade: SyntheticTrade = json_body(&body)?;
    let instrument = state.catalog().by_symbol(&trade.symbol).ok_or_else(ApiError::not_found)?;
    let taken = state.venue().synthetic_trade(instrument.id, trade.side, trade.size, crate::state::now_micros());
    let fills: Vec<Value> =
        taken.fills.iter().map(|level| json!([level.price.to_string(), level.size.to_string()])).collect();
    let maker_fills: Vec<Value> = taken
        .maker_fills
        .iter()
        .map(|fill| json!({"order_id": fill.order_id, "price": fill.price.to_string(), "size": fill.size}))
        .collect();
    Ok(json_response(axum::http::StatusCode::OK, &json!({"fills": fills, "maker_fills": maker_fills})))
}

/// `GET /sim/book/{symbol}`: every level, asks ascending and bids descending, as `[price, size]`
/// strings, with the book's sequence number.
pub async fn book(State(state): State<AppState>, Path(symbol): Path<String>) -> ApiResult {
    let instrument = state.catalog().by_symbol(&symbol).ok_or_else(ApiError::not_found)?;
    let venue = state.venue();
    let book = venue.market().book(instrument.id).ok_or_else(ApiError::not_found)?;
    let levels = |side: Side| -> Vec<Value> {
        book.levels(side, usize::MAX)
            .iter()
            .map(|level| json!([level.price.to_string(), level.size.to_string()]))
            .collect()
    };
    Ok(json_response(
        axum::http::StatusCode::OK,
        &json!({"a": levels(Side::Sell), "b": levels(Side::Buy), "seq": book.seq()}),
    ))
}
