//! Credential rotation end to end against the sim: a key issued and the old one revoked at runtime
//! (`POST /sim/keys`); delta-core's REST client signs with the new pair from the next request and its private
//! socket re-authenticates on the live connection, keeping its subscriptions.

use std::time::Duration;

use crate::client_common::{signed_config, start};
use delta_core::config::Credentials;
use delta_core::http::DeltaHttpClient;
use delta_core::model::{CreateOrderRequest, Side};
use delta_core::ws::{Endpoint, MarketEvent, WsClient, WsConfig, WsEventKind, WsEvents};
use delta_sim::{SimConfig, SimHandle};
use serde_json::{json, Value};

const BTCUSD: u64 = 27;
const LIMIT: Duration = Duration::from_secs(10);
const NEW_KEY: &str = "rotated-key";
const NEW_SECRET: &str = "rotated-secret-not-for-production";

async fn post_keys(sim: &SimHandle, body: Value) -> (u16, Value) {
    let url = format!("{}/sim/keys", sim.rest_url());
    let response = reqwest::Client::new().post(url).body(body.to_string()).send().await.unwrap();
    let status = response.status().as_u16();
    (status, serde_json::from_slice(&response.bytes().await.unwrap()).unwrap())
}

/// Reads events until one matches `pick`.
async fn wait_for<T>(events: &mut WsEvents, what: &str, mut pick: impl FnMut(&WsEventKind) -> Option<T>) -> T {
    tokio::time::timeout(LIMIT, async {
        loop {
            let event = events.recv().await.expect("queue open");
            if let Some(found) = pick(&event.kind) {
                return found;
            }
        }
    })
    .await
    .unwrap_or_else(|_| panic!("gave up waiting for {what}"))
}

#[tokio::test]
async fn rest_and_private_socket_move_to_the_new_key_without_reconnecting() {
    let sim = start(SimConfig { rate: 0, symbols: vec!["BTCUSD".into()], ..SimConfig::default() }).await;
    let rest = DeltaHttpClient::new(signed_config(&sim)).unwrap();
    rest.wallet_balances().await.unwrap();
    let old = Credentials::new(sim.api_key(), sim.api_secret()).unwrap();
    let config = WsConfig {
        credentials: Some(old),
        backoff_base: Duration::from_millis(5),
        backoff_cap: Duration::from_millis(50),
        ..WsConfig::new(sim.ws_url(), Endpoint::Private)
    };
    let (socket, mut events) = WsClient::connect(config).unwrap();
    socket.subscribe("margins", &[]).unwrap();
    wait_for(&mut events, "authenticated", |k| matches!(k, WsEventKind::Authenticated).then_some(())).await;

    // The user issues a new key and revokes the old one: the old pair is refused from now on.
    let (status, answer) =
        post_keys(&sim, json!({"api_key": NEW_KEY, "api_secret": NEW_SECRET, "revoke": [sim.api_key()]})).await;
    assert_eq!((status, answer), (200, json!({"api_keys": [NEW_KEY]})));
    let refused = rest.wallet_balances().await.unwrap_err();
    assert!(refused.is_auth(), "{refused:?}");

    let new = Credentials::new(NEW_KEY, NEW_SECRET).unwrap();
    rest.rotate_credentials(&new).unwrap();
    rest.wallet_balances().await.unwrap();
    socket.rotate_credentials(&new).unwrap();
    wait_for(&mut events, "re-authenticated", |k| matches!(k, WsEventKind::Authenticated).then_some(())).await;
    // Still the same connection with its subscription: a REST order moves the margin stream.
    rest.place_order(&CreateOrderRequest::market(BTCUSD, Side::Buy, 1)).await.unwrap();
    wait_for(&mut events, "a margin update", |k| {
        matches!(k, WsEventKind::Market(MarketEvent::Margin(_))).then_some(())
    })
    .await;
    assert_eq!(socket.stats().reconnects(), 0, "rotation kept the connection");
    assert_eq!(socket.connection_count(), 1);
    socket.close().await;
}

#[tokio::test]
async fn a_key_without_its_secret_is_refused() {
    let sim = start(SimConfig { rate: 0, symbols: vec!["BTCUSD".into()], ..SimConfig::default() }).await;
    let (status, answer) = post_keys(&sim, json!({"api_key": NEW_KEY})).await;
    assert_eq!(status, 400, "{answer}");
    let (status, answer) = post_keys(&sim, json!({"revoke": []})).await;
    assert_eq!((status, answer), (200, json!({"api_keys": [sim.api_key()]})));
}
