//! The HTTP surface: Delta's `/v2` REST API (public and signed) and the sim's `/sim` endpoints.

pub mod market;
pub mod orders;
pub mod portfolio;
pub mod sim;

use axum::middleware::from_fn_with_state;
use axum::routing::{delete, get, post, put};
use axum::Router;

use crate::gateway::{authenticate, gateway, method_not_allowed, not_found};
use crate::state::AppState;

/// Every route, behind the gateway layer; signed routes also behind the signature check.
pub fn router(state: AppState) -> Router {
    let public = Router::new()
        .route("/v2/assets", get(market::assets))
        .route("/v2/indices", get(market::indices))
        .route("/v2/products", get(market::products))
        .route("/v2/products/{product}", get(market::product))
        .route("/v2/tickers", get(market::tickers))
        .route("/v2/tickers/{symbol}", get(market::ticker))
        .route("/v2/l2orderbook/{symbol}", get(market::orderbook))
        .route("/v2/trades/{symbol}", get(market::trades))
        .route("/v2/history/candles", get(market::candles))
        .route("/v2/history/sparklines", get(market::sparklines))
        .route("/v2/stats", get(market::stats))
        .route("/v2/settings", get(market::settings))
        .route("/v2/rate_limits/quota", get(market::quota));
    let signed = Router::new()
        .route("/v2/orders", get(orders::open).post(orders::create).put(orders::edit).delete(orders::cancel))
        .route("/v2/orders/{order_id}", get(orders::by_id))
        .route("/v2/orders/client_order_id/{client_oid}", get(orders::by_client_id))
        .route("/v2/orders/history", get(orders::history))
        .route("/v2/orders/all", delete(orders::cancel_all))
        .route("/v2/orders/batch", post(orders::batch_create).put(orders::batch_edit).delete(orders::batch_cancel))
        .route("/v2/orders/bracket", post(orders::bracket_create).put(orders::bracket_edit))
        .route("/v2/orders/cancel_after", post(orders::cancel_after))
        .route("/v2/products/{product}/orders/leverage", get(orders::leverage).post(orders::set_leverage))
        .route("/v2/positions", get(portfolio::positions))
        .route("/v2/positions/margined", get(portfolio::margined))
        .route("/v2/positions/change_margin", post(portfolio::change_margin))
        .route("/v2/positions/auto_topup", put(portfolio::auto_topup))
        .route("/v2/positions/close_all", post(portfolio::close_all))
        .route("/v2/fills", get(portfolio::fills))
        .route("/v2/wallet/balances", get(portfolio::balances))
        .route("/v2/wallet/transactions", get(portfolio::transactions))
        .route("/v2/profile", get(portfolio::profile))
        .route("/v2/users/trading_preferences", get(portfolio::trading_preferences))
        .route("/v2/users/update_mmp", put(portfolio::update_mmp))
        .route("/v2/users/reset_mmp", put(portfolio::reset_mmp))
        .route("/v2/heartbeat/create", post(portfolio::heartbeat_create))
        .route("/v2/heartbeat", get(portfolio::heartbeat_list).post(portfolio::heartbeat_ack))
        .route_layer(from_fn_with_state(state.clone(), authenticate));
    let sim = Router::new()
        .route("/sim/stats", get(sim::stats))
        .route("/sim/faults", get(sim::faults).post(sim::set_faults))
        .route("/sim/book/{symbol}", get(sim::book))
        .route("/sim/mmp_trigger", post(sim::mmp_trigger))
        .route("/sim/trade", post(sim::trade))
        .route("/sim/restart", post(sim::restart))
        .route("/sim/keys", post(sim::keys))
        .route("/ws", get(crate::ws::private_socket))
        .route("/public/ws", get(crate::ws::public_socket));
    public
        .merge(signed)
        .merge(sim)
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(from_fn_with_state(state.clone(), gateway))
        .with_state(state)
}
