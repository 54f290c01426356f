//! Delta's two sockets on the sim's port: the private/legacy socket at `/ws` and the public socket at
//! `/public/ws` (REFERENCE 9), with Delta's handshake budget (HTTP 429 beyond it, REFERENCE 4.3).

pub mod auth;
pub mod connection;
pub mod feeds;
pub mod messages;
pub mod private;
pub mod protocol;

use std::net::SocketAddr;

use axum::extract::ws::WebSocketUpgrade;
use axum::extract::{ConnectInfo, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use self::protocol::Endpoint;
use crate::state::AppState;

/// `GET /ws`: the private (legacy) socket.
pub async fn private_socket(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    upgrade: WebSocketUpgrade,
) -> Response {
    accept(state, peer, upgrade, Endpoint::Private)
}

/// `GET /public/ws`: the public socket.
pub async fn public_socket(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    upgrade: WebSocketUpgrade,
) -> Response {
    accept(state, peer, upgrade, Endpoint::Public)
}

fn accept(state: AppState, peer: SocketAddr, upgrade: WebSocketUpgrade, endpoint: Endpoint) -> Response {
    if !state.take_handshake(peer.ip()) {
        state.stats().record_handshake(false);
        return (StatusCode::TOO_MANY_REQUESTS, "Too Many Requests").into_response();
    }
    state.stats().record_handshake(true);
    upgrade.on_upgrade(move |socket| connection::run(socket, state, endpoint))
}
