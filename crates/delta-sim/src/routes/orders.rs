//! Signed order endpoints (REFERENCE 7.3).

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::Extension;
use delta_core::model::{
    BatchCancelRequest, BatchCreateRequest, BatchEditRequest, BracketEditRequest, BracketOrderRequest,
    CancelAfterRequest, CancelAllRequest, CancelOrderRequest, CreateOrderRequest, EditOrderRequest, Order, OrderState,
    OrderType, SetLeverageRequest,
};
use delta_core::wire::IsoTime;

use crate::gateway::Authed;
use crate::pagination::paginate;
use crate::params::{body_or_query, json_body, Params};
use crate::reply::{ok, ok_empty, ok_with_meta, ApiError, ApiResult};
use crate::state::{now_micros, AppState};
use crate::views::contract_type;

/// Default and largest `page_size` of `GET /v2/orders` (undocumented).
const OPEN_PAGE_SIZE: usize = 100;
const OPEN_MAX_PAGE_SIZE: usize = 1_000;
/// Default and largest `page_size` of the history (REFERENCE 5.4: capped at 50).
const HISTORY_PAGE_SIZE: usize = 50;

/// Resolves the product a request names and charges `operations` to its per-second limit.
fn charge(state: &AppState, product_id: Option<u64>, symbol: Option<&str>, operations: usize) -> Result<(), ApiError> {
    let product = match (product_id, symbol) {
        (Some(id), _) => state.catalog().by_id(id),
        (None, Some(symbol)) => state.catalog().by_symbol(symbol),
        (None, None) => None,
    };
    match product {
        Some(instrument) => state.charge_product(instrument.id, u32::try_from(operations).unwrap_or(u32::MAX)),
        None => Ok(()),
    }
}

/// `POST /v2/orders`. With the `drop_order_reply` fault the order is processed but the answer never
/// comes: the request is held until the client closes the connection (or the sim stops).
pub async fn create(State(state): State<AppState>, Extension(auth): Extension<Authed>, body: Bytes) -> ApiResult {
    let request: CreateOrderRequest = json_body(&body)?;
    state.stats().record_orders(1);
    charge(&state, request.product_id, request.product_symbol.as_deref(), 1)?;
    let placed = state.venue().place_order(auth.user_id, request, now_micros());
    if state.take_fault("drop_order_reply", |faults| &mut faults.drop_order_reply) {
        state.until_stopping().await;
        return Err(ApiError::envelope(axum::http::StatusCode::SERVICE_UNAVAILABLE, "unavailable"));
    }
    Ok(ok(placed?))
}

/// `PUT /v2/orders`.
pub async fn edit(State(state): State<AppState>, Extension(auth): Extension<Authed>, body: Bytes) -> ApiResult {
    let request: EditOrderRequest = json_body(&body)?;
    charge(&state, request.product_id, request.product_symbol.as_deref(), 1)?;
    Ok(ok(state.venue().edit_order(auth.user_id, request, now_micros())?))
}

/// `DELETE /v2/orders` (cancels are exempt from the per-product limit).
pub async fn cancel(
    State(state): State<AppState>,
    Extension(auth): Extension<Authed>,
    params: Params,
    body: Bytes,
) -> ApiResult {
    let request: CancelOrderRequest = body_or_query(&body, &params)?;
    Ok(ok(state.venue().cancel_order(auth.user_id, request, now_micros())?))
}

/// `DELETE /v2/orders/all`.
pub async fn cancel_all(
    State(state): State<AppState>,
    Extension(auth): Extension<Authed>,
    params: Params,
    body: Bytes,
) -> ApiResult {
    let request: CancelAllRequest = body_or_query(&body, &params)?;
    state.venue().cancel_all(auth.user_id, request, now_micros())?;
    Ok(ok_empty())
}

/// True when an order passes the `order_types` filter (`market`, `limit`, `stop_market`,
/// `stop_limit`, `all_stop`; empty = all).
fn order_type_matches(order: &Order, order_types: &[String]) -> bool {
    let is_stop = order.stop_order_type.is_some();
    order_types.is_empty()
        || order_types.iter().any(|kind| match kind.as_str() {
            "market" => !is_stop && order.order_type == OrderType::Market,
            "limit" => !is_stop && order.order_type == OrderType::Limit,
            "stop_market" => is_stop && order.order_type == OrderType::Market,
            "stop_limit" => is_stop && order.order_type == OrderType::Limit,
            "all_stop" => is_stop,
            _ => false,
        })
}

/// Orders of the account matching the common filters (`product_ids`, `contract_types`,
/// `order_types`, `start_time`/`end_time` in µs), newest first.
fn filtered_orders(
    state: &AppState,
    user_id: u64,
    params: &Params,
    wanted: impl Fn(&Order) -> bool,
) -> Result<Vec<Order>, ApiError> {
    let product_ids = params.ids("product_ids")?;
    let contract_types = params.csv("contract_types");
    let order_types = params.csv("order_types");
    let start = params.number::<i64>("start_time")?;
    let end = params.number::<i64>("end_time")?;
    let venue = state.venue();
    let account = venue.account(user_id)?;
    let created = |order: &Order| order.created_at.unwrap_or(IsoTime(0)).micros();
    Ok(account
        .orders
        .values()
        .rev()
        .map(|entry| &entry.order)
        .filter(|order| wanted(order))
        .filter(|order| product_ids.is_empty() || product_ids.contains(&order.product_id))
        .filter(|order| {
            contract_types.is_empty()
                || state.catalog().by_id(order.product_id).is_some_and(|instrument| {
                    contract_types.iter().any(|kind| kind == contract_type(instrument.kind).as_str())
                })
        })
        .filter(|order| order_type_matches(order, &order_types))
        .filter(|order| {
            start.is_none_or(|start| created(order) >= start) && end.is_none_or(|end| created(order) <= end)
        })
        .cloned()
        .collect())
}

/// `GET /v2/orders`: open and pending orders (`states` narrows to `open` or `pending`).
pub async fn open(State(state): State<AppState>, Extension(auth): Extension<Authed>, params: Params) -> ApiResult {
    let states = params.csv("states");
    let page = params.page(OPEN_PAGE_SIZE, OPEN_MAX_PAGE_SIZE)?;
    let orders = filtered_orders(&state, auth.user_id, &params, |order| {
        order.is_active() && (states.is_empty() || states.iter().any(|state| state == order.state.as_str()))
    })?;
    let (page, meta) = paginate(orders, |order| order.id, true, page);
    Ok(ok_with_meta(page, meta))
}

/// `GET /v2/orders/history`: closed and cancelled orders, newest first, at most 50 per page.
pub async fn history(State(state): State<AppState>, Extension(auth): Extension<Authed>, params: Params) -> ApiResult {
    let page = params.page(HISTORY_PAGE_SIZE, HISTORY_PAGE_SIZE)?;
    let orders = filtered_orders(&state, auth.user_id, &params, |order| {
        matches!(order.state, OrderState::Closed | OrderState::Cancelled)
    })?;
    let (page, meta) = paginate(orders, |order| order.id, true, page);
    Ok(ok_with_meta(page, meta))
}

/// `GET /v2/orders/{order_id}`.
pub async fn by_id(
    State(state): State<AppState>,
    Extension(auth): Extension<Authed>,
    Path(id): Path<String>,
) -> ApiResult {
    let id: u64 = id.parse().map_err(|_| ApiError::bad_schema("order_id", "order_id must be an integer"))?;
    let venue = state.venue();
    let order = venue.account(auth.user_id)?.orders.get(&id).map(|entry| entry.order.clone());
    Ok(ok(order.ok_or_else(ApiError::not_found)?))
}

/// `GET /v2/orders/client_order_id/{client_oid}`: the latest order with that client id.
pub async fn by_client_id(
    State(state): State<AppState>,
    Extension(auth): Extension<Authed>,
    Path(client_order_id): Path<String>,
) -> ApiResult {
    let venue = state.venue();
    let order = venue.account(auth.user_id)?.latest_by_client_id(&client_order_id).map(|entry| entry.order.clone());
    Ok(ok(order.ok_or_else(ApiError::not_found)?))
}

/// `POST /v2/orders/batch`.
pub async fn batch_create(State(state): State<AppState>, Extension(auth): Extension<Authed>, body: Bytes) -> ApiResult {
    let request: BatchCreateRequest = json_body(&body)?;
    state.stats().record_orders(request.orders.len() as u64);
    charge(&state, request.product_id, request.product_symbol.as_deref(), request.orders.len())?;
    Ok(ok(state.venue().batch_create(auth.user_id, request, now_micros())?))
}

/// `PUT /v2/orders/batch`.
pub async fn batch_edit(State(state): State<AppState>, Extension(auth): Extension<Authed>, body: Bytes) -> ApiResult {
    let request: BatchEditRequest = json_body(&body)?;
    charge(&state, request.product_id, request.product_symbol.as_deref(), request.orders.len())?;
    Ok(ok(state.venue().batch_edit(auth.user_id, request, now_micros())?))
}

/// `DELETE /v2/orders/batch`.
pub async fn batch_cancel(State(state): State<AppState>, Extension(auth): Extension<Authed>, body: Bytes) -> ApiResult {
    let request: BatchCancelRequest = json_body(&body)?;
    Ok(ok(state.venue().batch_cancel(auth.user_id, request, now_micros())?))
}

/// `POST /v2/orders/bracket`.
pub async fn bracket_create(
    State(state): State<AppState>,
    Extension(auth): Extension<Authed>,
    body: Bytes,
) -> ApiResult {
    let request: BracketOrderRequest = json_body(&body)?;
    state.venue().create_bracket(auth.user_id, request, now_micros())?;
    Ok(ok_empty())
}

/// `PUT /v2/orders/bracket` (the answer's shape is undocumented; the sim acknowledges like `POST`).
pub async fn bracket_edit(State(state): State<AppState>, Extension(auth): Extension<Authed>, body: Bytes) -> ApiResult {
    let request: BracketEditRequest = json_body(&body)?;
    state.venue().edit_bracket(auth.user_id, request, now_micros())?;
    Ok(ok_empty())
}

/// `POST /v2/orders/cancel_after` (Global's legacy dead-man switch).
pub async fn cancel_after(State(state): State<AppState>, Extension(auth): Extension<Authed>, body: Bytes) -> ApiResult {
    let request: CancelAfterRequest = json_body(&body)?;
    Ok(ok(state.venue().cancel_after(auth.user_id, request, now_micros())?))
}

fn product_id(text: &str) -> Result<u64, ApiError> {
    text.parse().map_err(|_| ApiError::rejected("invalid_contract"))
}

/// `GET /v2/products/{product_id}/orders/leverage`.
pub async fn leverage(
    State(state): State<AppState>,
    Extension(auth): Extension<Authed>,
    Path(id): Path<String>,
) -> ApiResult {
    Ok(ok(state.venue().order_leverage(auth.user_id, product_id(&id)?, true)?))
}

/// `POST /v2/products/{product_id}/orders/leverage`.
pub async fn set_leverage(
    State(state): State<AppState>,
    Extension(auth): Extension<Authed>,
    Path(id): Path<String>,
    body: Bytes,
) -> ApiResult {
    let request: SetLeverageRequest = json_body(&body)?;
    Ok(ok(state.venue().set_order_leverage(auth.user_id, product_id(&id)?, request.leverage)?))
}
