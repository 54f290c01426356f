//! Signed position, fill, wallet and account-switch endpoints (REFERENCE 7.4-7.7).

use axum::body::Bytes;
use axum::extract::State;
use axum::Extension;
use delta_core::model::{
    AutoTopupRequest, ChangeMarginRequest, CloseAllPositionsRequest, Fill, HeartbeatAckRequest, HeartbeatCreateRequest,
    MmpResetRequest, MmpUpdateRequest, Position, WalletTransaction,
};

use delta_core::wire;
use serde::Deserialize;

use crate::gateway::Authed;
use crate::pagination::paginate;
use crate::params::{json_body, Params};
use crate::reply::{ok, ok_empty, ok_with_meta, ApiError, ApiResult};
use crate::state::{now_micros, AppState};
use crate::views::contract_type;

/// Default and largest `page_size` of `/v2/fills` (REFERENCE 5.4: capped at 50).
const FILLS_PAGE_SIZE: usize = 50;
/// Default and largest `page_size` of `/v2/wallet/transactions` (undocumented).
const TRANSACTIONS_PAGE_SIZE: usize = 100;
const TRANSACTIONS_MAX_PAGE_SIZE: usize = 1_000;

/// `GET /v2/positions`: `product_id` gives one object; `underlying_asset_symbol` a list whose items
/// also carry `product_id` and `product_symbol` (item shape unconfirmed, REFERENCE 14.16).
pub async fn positions(State(state): State<AppState>, Extension(auth): Extension<Authed>, params: Params) -> ApiResult {
    let now = now_micros();
    let venue = state.venue();
    venue.account(auth.user_id)?;
    if let Some(product_id) = params.number::<u64>("product_id")? {
        let instrument = venue.instrument(product_id)?;
        return Ok(ok(venue.position(instrument.id, now)));
    }
    let Some(underlying) = params.get("underlying_asset_symbol") else {
        return Err(ApiError::bad_schema("product_id", "product_id or underlying_asset_symbol is required"));
    };
    let list: Vec<Position> = state
        .catalog()
        .instruments()
        .iter()
        .filter(|instrument| instrument.underlying.symbol == underlying)
        .map(|instrument| Position {
            product_id: Some(instrument.id),
            product_symbol: Some(instrument.symbol.clone()),
            ..venue.position(instrument.id, now)
        })
        .filter(|position| position.size != 0)
        .collect();
    Ok(ok(list))
}

/// `GET /v2/positions/margined`: open positions (`product_ids`, `contract_types`).
pub async fn margined(State(state): State<AppState>, Extension(auth): Extension<Authed>, params: Params) -> ApiResult {
    let product_ids = params.ids("product_ids")?;
    let contract_types = params.csv("contract_types");
    let now = now_micros();
    let venue = state.venue();
    let account = venue.account(auth.user_id)?;
    let list: Vec<_> = account
        .positions
        .iter()
        .filter(|(_, position)| position.size != 0)
        .filter_map(|(product_id, _)| state.catalog().by_id(*product_id))
        .filter(|instrument| product_ids.is_empty() || product_ids.contains(&instrument.id))
        .filter(|instrument| {
            contract_types.is_empty()
                || contract_types.iter().any(|kind| kind == contract_type(instrument.kind).as_str())
        })
        .map(|instrument| venue.margined_position(instrument, now))
        .collect();
    Ok(ok(list))
}

/// `POST /v2/positions/change_margin`.
pub async fn change_margin(
    State(state): State<AppState>,
    Extension(auth): Extension<Authed>,
    body: Bytes,
) -> ApiResult {
    let request: ChangeMarginRequest = json_body(&body)?;
    Ok(ok(state.venue().change_margin(auth.user_id, request, now_micros())?))
}

/// `PUT /v2/positions/auto_topup`.
pub async fn auto_topup(State(state): State<AppState>, Extension(auth): Extension<Authed>, body: Bytes) -> ApiResult {
    let request: AutoTopupRequest = json_body(&body)?;
    Ok(ok(state.venue().set_auto_topup(auth.user_id, request, now_micros())?))
}

/// Body of `POST /v2/positions/close_all` as clients send it. The docs require `user_id`, but ccxt
/// sends only the two flags, so a missing `user_id` means the signing account (the model type
/// `CloseAllPositionsRequest` requires it, hence this local reader).
#[derive(Deserialize)]
struct CloseAllBody {
    #[serde(deserialize_with = "wire::flag")]
    close_all_portfolio: bool,
    #[serde(deserialize_with = "wire::flag")]
    close_all_isolated: bool,
    #[serde(default, deserialize_with = "wire::opt_int")]
    user_id: Option<u64>,
}

/// `POST /v2/positions/close_all`.
pub async fn close_all(State(state): State<AppState>, Extension(auth): Extension<Authed>, body: Bytes) -> ApiResult {
    let body: CloseAllBody = json_body(&body)?;
    let request = CloseAllPositionsRequest {
        close_all_portfolio: body.close_all_portfolio,
        close_all_isolated: body.close_all_isolated,
        user_id: body.user_id.unwrap_or(auth.user_id),
    };
    state.venue().close_all(auth.user_id, request, now_micros())?;
    Ok(ok_empty())
}

/// `GET /v2/fills`: `product_ids`, `contract_types`, `start_time`/`end_time` (µs); newest first, at
/// most 50 per page.
pub async fn fills(State(state): State<AppState>, Extension(auth): Extension<Authed>, params: Params) -> ApiResult {
    let product_ids = params.ids("product_ids")?;
    let contract_types = params.csv("contract_types");
    let start = params.number::<i64>("start_time")?;
    let end = params.number::<i64>("end_time")?;
    let page = params.page(FILLS_PAGE_SIZE, FILLS_PAGE_SIZE)?;
    let venue = state.venue();
    let account = venue.account(auth.user_id)?;
    let fills: Vec<(u64, Fill)> = account
        .fills
        .iter()
        .enumerate()
        .rev()
        .filter(|(_, fill)| product_ids.is_empty() || product_ids.contains(&fill.product_id))
        .filter(|(_, fill)| {
            contract_types.is_empty()
                || state.catalog().by_id(fill.product_id).is_some_and(|instrument| {
                    contract_types.iter().any(|kind| kind == contract_type(instrument.kind).as_str())
                })
        })
        .filter(|(_, fill)| {
            let at = fill.created_at.micros();
            start.is_none_or(|start| at >= start) && end.is_none_or(|end| at <= end)
        })
        .map(|(index, fill)| (index as u64 + 1, fill.clone()))
        .collect();
    let (page, meta) = paginate(fills, |(key, _)| *key, true, page);
    Ok(ok_with_meta(page.into_iter().map(|(_, fill)| fill).collect::<Vec<_>>(), meta))
}

/// `GET /v2/wallet/balances`, with `meta.net_equity`.
pub async fn balances(State(state): State<AppState>, Extension(auth): Extension<Authed>) -> ApiResult {
    let (wallets, meta) = state.venue().wallet_balances(auth.user_id, now_micros())?;
    Ok(ok_with_meta(wallets, meta))
}

/// `GET /v2/wallet/transactions`: `asset_ids`, `transaction_types`, `start_time`/`end_time` (µs);
/// newest first.
pub async fn transactions(
    State(state): State<AppState>,
    Extension(auth): Extension<Authed>,
    params: Params,
) -> ApiResult {
    let asset_ids = params.ids("asset_ids")?;
    let kinds = params.csv("transaction_types");
    let start = params.number::<i64>("start_time")?;
    let end = params.number::<i64>("end_time")?;
    let page = params.page(TRANSACTIONS_PAGE_SIZE, TRANSACTIONS_MAX_PAGE_SIZE)?;
    let venue = state.venue();
    let account = venue.account(auth.user_id)?;
    let entries: Vec<WalletTransaction> = account
        .transactions
        .iter()
        .rev()
        .filter(|entry| asset_ids.is_empty() || asset_ids.contains(&entry.asset_id))
        .filter(|entry| kinds.is_empty() || kinds.iter().any(|kind| kind == entry.transaction_type.as_str()))
        .filter(|entry| {
            let at = entry.created_at.micros();
            start.is_none_or(|start| at >= start) && end.is_none_or(|end| at <= end)
        })
        .cloned()
        .collect();
    let (page, meta) = paginate(entries, |entry| entry.id, true, page);
    Ok(ok_with_meta(page, meta))
}

/// `PUT /v2/users/update_mmp`.
pub async fn update_mmp(State(state): State<AppState>, Extension(auth): Extension<Authed>, body: Bytes) -> ApiResult {
    let request: MmpUpdateRequest = json_body(&body)?;
    Ok(ok(state.venue().update_mmp(auth.user_id, request)?))
}

/// `PUT /v2/users/reset_mmp`.
pub async fn reset_mmp(State(state): State<AppState>, Extension(auth): Extension<Authed>, body: Bytes) -> ApiResult {
    let request: MmpResetRequest = json_body(&body)?;
    state.venue().reset_mmp(auth.user_id, &request)?;
    Ok(ok_empty())
}

/// `GET /v2/profile`: the account (REFERENCE 7.5; no fixture, documented keys only).
pub async fn profile(State(state): State<AppState>, Extension(auth): Extension<Authed>) -> ApiResult {
    Ok(ok(state.venue().profile(auth.user_id)?))
}

/// `GET /v2/users/trading_preferences`.
pub async fn trading_preferences(State(state): State<AppState>, Extension(auth): Extension<Authed>) -> ApiResult {
    Ok(ok(state.venue().trading_preferences(auth.user_id)?))
}

/// `POST /v2/heartbeat/create`.
pub async fn heartbeat_create(
    State(state): State<AppState>,
    Extension(auth): Extension<Authed>,
    body: Bytes,
) -> ApiResult {
    let request: HeartbeatCreateRequest = json_body(&body)?;
    Ok(ok(state.venue().create_heartbeat(auth.user_id, request)?))
}

/// `POST /v2/heartbeat`.
pub async fn heartbeat_ack(
    State(state): State<AppState>,
    Extension(auth): Extension<Authed>,
    body: Bytes,
) -> ApiResult {
    let request: HeartbeatAckRequest = json_body(&body)?;
    Ok(ok(state.venue().ack_heartbeat(auth.user_id, &request, now_micros())?))
}

/// `GET /v2/heartbeat[?heartbeat_id=]`.
pub async fn heartbeat_list(
    State(state): State<AppState>,
    Extension(auth): Extension<Authed>,
    params: Params,
) -> ApiResult {
    Ok(ok(state.venue().heartbeats(auth.user_id, params.get("heartbeat_id"))?))
}
