//! Golden shapes of every message the sim emits on both sockets: each frame of a tracked kind must
//! have the shape of its fixture (`delta_core::shape::shape_differences`) and decode with
//! `delta_core::parse::decode` on its endpoint. Control replies (subscriptions, pong, heartbeat) are
//! checked the same way.

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use crate::common::Sim;
use crate::ws_common::{check_frame, Client};
use delta_core::parse::Endpoint;
use delta_sim::{FaultsUpdate, SimConfig};
use serde_json::{json, Value};

/// Longest a test reads frames while waiting for every tracked kind.
const LIMIT: Duration = Duration::from_secs(30);

fn config() -> SimConfig {
    SimConfig { rate: 2_000, heartbeat_period: Duration::from_millis(50), ..SimConfig::default() }
}

async fn first_call_option(sim: &Sim) -> String {
    let products = sim.get("/v2/products?contract_types=call_options").await.body;
    products["result"][0]["symbol"].as_str().unwrap().to_owned()
}

/// True for an option symbol (`C-BTC-...`, `MARK:C-BTC-...`).
fn is_option(frame: &Value) -> bool {
    ["sy", "symbol", "s"].iter().any(|key| frame[*key].as_str().is_some_and(|symbol| symbol.contains("-BTC-")))
}

/// The fixture a public-socket frame must match, if the test tracks its kind.
fn public_fixture(frame: &Value) -> Option<&'static str> {
    Some(match (frame["type"].as_str()?, frame["action"].as_str()) {
        ("ob_updates", Some("snapshot")) => "ws_ob_updates_snapshot.json",
        ("ob_updates", Some("update")) => "ws_ob_updates_update.json",
        ("ob_updates", Some("error")) => "ws_ob_updates_error.json",
        ("ob_l1", _) => "ws_ob_l1.json",
        ("ob_l2", _) => "ws_ob_l2.json",
        ("trades", _) => "ws_trades.json",
        ("ticker", _) if is_option(frame) => "ws_ticker_option.json",
        ("ticker", _) => "ws_ticker.json",
        ("mark_price", _) => "ws_mark_price.json",
        ("funding_rate", _) => "ws_funding_rate.json",
        ("candlestick_1m", _) => "ws_candlestick.json",
        ("spot_price", _) => "ws_spot_price.json",
        ("system_status", _) => "ws_system_status.json",
        ("pong", _) => "ws_pong.json",
        ("heartbeat", _) => "ws_heartbeat.json",
        _ => return None,
    })
}

/// The fixture a private-socket (legacy public) frame must match, if the test tracks its kind.
fn legacy_fixture(frame: &Value) -> Option<&'static str> {
    Some(match (frame["type"].as_str()?, frame["action"].as_str()) {
        ("l2_updates", Some("snapshot")) => "ws_l2_updates_snapshot.json",
        ("l2_updates", Some("update")) => "ws_l2_updates_update.json",
        ("l2_updates", Some("error")) => "ws_l2_updates_error.json",
        ("l2_orderbook", _) => "ws_l2_orderbook.json",
        ("l1_orderbook", _) => "ws_l1_orderbook.json",
        ("all_trades_snapshot", _) => "ws_all_trades_snapshot.json",
        ("all_trades", _) => "ws_all_trades.json",
        ("v2/ticker", _) if is_option(frame) => "ws_v2_ticker_option.json",
        ("v2/ticker", _) => "ws_v2_ticker.json",
        ("mark_price", _) => "ws_mark_price_legacy.json",
        ("candlestick_1m", _) => "ws_candlestick_legacy.json",
        ("spot_price", _) => "ws_spot_price_legacy.json",
        ("v2/spot_price", _) => "ws_v2_spot_price.json",
        ("funding_rate", _) => "ws_funding_rate_legacy.json",
        ("pong", _) => "ws_pong.json",
        ("heartbeat", _) => "ws_heartbeat.json",
        _ => return None,
    })
}

/// Reads frames, checking every tracked one, until each fixture of `wanted` was matched at least once.
async fn read_until_seen(
    client: &mut Client,
    endpoint: Endpoint,
    fixture_of: fn(&Value) -> Option<&'static str>,
    wanted: &[&str],
) {
    let mut missing: BTreeSet<&str> = wanted.iter().copied().collect();
    let start = Instant::now();
    while !missing.is_empty() {
        assert!(start.elapsed() < LIMIT, "never received {missing:?}");
        let text = client.next_text().await.expect("connection closed");
        let frame: Value = serde_json::from_str(&text).unwrap();
        if let Some(name) = fixture_of(&frame) {
            check_frame(name, endpoint, &text);
            missing.remove(name);
        }
    }
}

/// Asks the sim to answer one `action: "error"` on the book channels of `symbol`.
fn book_error(sim: &Sim, symbol: &str) {
    sim.handle.faults().update(FaultsUpdate { book_error: Some(symbol.into()), ..FaultsUpdate::default() });
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn public_socket_messages_have_the_fixture_shapes() {
    let sim = Sim::start(config()).await;
    let option = first_call_option(&sim).await;
    let endpoint = Endpoint::Public;
    let mut client = Client::connect(&sim.handle.public_ws_url()).await;
    book_error(&sim, "ETHUSD");
    let channels = json!([
        {"name": "ob_updates", "symbols": ["BTCUSD", "ETHUSD"]},
        {"name": "ob_l1", "symbols": ["BTCUSD"]},
        {"name": "ob_l2", "symbols": ["BTCUSD"]},
        {"name": "trades", "symbols": ["BTCUSD"]},
        {"name": "ticker", "symbols": ["BTCUSD", option]},
        {"name": "mark_price", "symbols": ["MARK:BTCUSD"]},
        {"name": "funding_rate", "symbols": ["BTCUSD"]},
        {"name": "candlestick_1m", "symbols": ["BTCUSD"]},
        {"name": "spot_price", "symbols": [".DEXBTUSD"]},
    ]);
    client.send(&json!({"type": "subscribe", "payload": {"channels": channels}})).await;
    let reply = client.next_text().await.unwrap();
    check_frame("ws_subscriptions_response.json", endpoint, &reply);
    // Not awaited: its reply (no symbols) is not the fixture's shape, and reading up to it would skip frames.
    client.send(&json!({"type": "subscribe", "payload": {"channels": [{"name": "system_status"}]}})).await;
    client.send(&json!({"type": "ping"})).await;
    client.send(&json!({"type": "enable_heartbeat"})).await;
    let wanted = [
        "ws_ob_updates_snapshot.json",
        "ws_ob_updates_update.json",
        "ws_ob_updates_error.json",
        "ws_ob_l1.json",
        "ws_ob_l2.json",
        "ws_trades.json",
        "ws_ticker.json",
        "ws_ticker_option.json",
        "ws_mark_price.json",
        "ws_funding_rate.json",
        "ws_candlestick.json",
        "ws_spot_price.json",
        "ws_system_status.json",
        "ws_pong.json",
        "ws_heartbeat.json",
    ];
    read_until_seen(&mut client, endpoint, public_fixture, &wanted).await;
    sim.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn private_socket_public_messages_have_the_legacy_fixture_shapes() {
    let sim = Sim::start(config()).await;
    let option = first_call_option(&sim).await;
    let endpoint = Endpoint::Private;
    let mut client = Client::connect(&sim.handle.ws_url()).await;
    // Before key-auth a private channel is refused with Delta's text, the rest is subscribed.
    client
        .send(&json!({"type": "subscribe", "payload": {"channels": [
            {"name": "l1_orderbook", "symbols": ["BTCUSD"]}, {"name": "orders", "symbols": ["BTCUSD"]}]}}))
        .await;
    let refused = check_frame("ws_subscriptions_error.json", endpoint, &client.next_text().await.unwrap());
    assert_eq!(refused["channels"][1]["error"], "subscription forbidden on orders. Unauthorized user");
    book_error(&sim, "ETHUSD");
    let channels = json!([
        {"name": "l2_updates", "symbols": ["BTCUSD", "ETHUSD"]},
        {"name": "l2_orderbook", "symbols": ["BTCUSD"]},
        {"name": "l1_orderbook", "symbols": ["BTCUSD"]},
        {"name": "all_trades", "symbols": ["BTCUSD"]},
        {"name": "v2/ticker", "symbols": ["BTCUSD", option]},
        {"name": "mark_price", "symbols": [format!("MARK:{option}")]},
        {"name": "candlestick_1m", "symbols": ["BTCUSD"]},
        {"name": "spot_price", "symbols": [".DEXBTUSD"]},
        {"name": "v2/spot_price", "symbols": [".DEXBTUSD"]},
        {"name": "funding_rate", "symbols": ["BTCUSD"]},
    ]);
    client.send(&json!({"type": "subscribe", "payload": {"channels": channels}})).await;
    // Frames of the earlier `l1_orderbook` subscription may come first; they recur, so skipping is harmless.
    check_frame("ws_subscriptions_response.json", endpoint, &client.next_text_of("subscriptions").await);
    client.send(&json!({"type": "ping"})).await;
    client.send(&json!({"type": "enable_heartbeat"})).await;
    let wanted = [
        "ws_l2_updates_snapshot.json",
        "ws_l2_updates_update.json",
        "ws_l2_updates_error.json",
        "ws_l2_orderbook.json",
        "ws_l1_orderbook.json",
        "ws_all_trades_snapshot.json",
        "ws_all_trades.json",
        "ws_v2_ticker.json",
        "ws_v2_ticker_option.json",
        "ws_mark_price_legacy.json",
        "ws_candlestick_legacy.json",
        "ws_spot_price_legacy.json",
        "ws_v2_spot_price.json",
        "ws_funding_rate_legacy.json",
        "ws_pong.json",
        "ws_heartbeat.json",
    ];
    read_until_seen(&mut client, endpoint, legacy_fixture, &wanted).await;
    sim.stop().await;
}
