//! Private channels on `/ws`: key-auth and each documented refusal, snapshots for explicitly named
//! symbols only, and the frames a REST order produces: `orders` create/delete, then for a market order
//! `orders` (reason `fill`), `user_trades`, `v2/user_trades`, `positions`, `margins` in that order, with
//! consistent values and `seq_no` +1 per symbol; `mmp_trigger` from `POST /sim/mmp_trigger`. Every frame
//! is checked against its fixture and decoded by delta-core.

use crate::common::Sim;
use crate::ws_common::{check_frame, Client};
use delta_core::auth::{timestamp_seconds, unix_seconds, Signer};
use delta_core::parse::Endpoint;
use delta_sim::SimConfig;
use serde_json::{json, Value};

const PRIVATE: Endpoint = Endpoint::Private;

/// A sim whose books move only through REST orders.
async fn quiet_sim() -> Sim {
    Sim::start(SimConfig { rate: 0, ..SimConfig::default() }).await
}

/// The next frame of `kind`, checked against `fixture`.
async fn expect(client: &mut Client, kind: &str, fixture: &str) -> Value {
    check_frame(fixture, PRIVATE, &client.next_text_of(kind).await)
}

/// Sends `ping` and asserts the very next frame is `pong`: nothing else was queued before it.
async fn assert_nothing_pending(client: &mut Client) {
    client.send(&json!({"type": "ping"})).await;
    let next = client.next().await;
    assert_eq!(next["type"], "pong", "unexpected frame {next}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn orders_and_a_market_fill_stream_in_order_with_consistent_values() {
    let sim = quiet_sim().await;
    let mut client = Client::connect(&sim.handle.ws_url()).await;
    client.key_auth(&sim.signer).await;
    let channels = json!([
        {"name": "orders", "symbols": ["BTCUSD"]},
        {"name": "v2/user_trades", "symbols": ["BTCUSD"]},
        {"name": "user_trades", "symbols": ["BTCUSD"]},
        {"name": "positions", "symbols": ["BTCUSD"]},
        {"name": "margins"},
    ]);
    let reply = client.subscribe(channels).await;
    assert!(reply["channels"].as_array().unwrap().iter().all(|channel| channel.get("error").is_none()), "{reply}");
    let snapshot = expect(&mut client, "orders", "ws_orders_snapshot.json").await;
    assert_eq!(snapshot["action"], "snapshot");
    let mut orders_seq = snapshot["meta"]["seq_no"].as_u64().unwrap();
    let positions = expect(&mut client, "positions", "ws_positions_snapshot.json").await;
    assert_eq!((positions["action"].as_str(), positions["result"].as_array().unwrap().len()), (Some("snapshot"), 0));
    assert_nothing_pending(&mut client).await;

    // A resting limit order, then its cancellation.
    let best_ask = sim.book("BTCUSD").await["a"][0][0].as_str().unwrap().to_owned();
    let limit = json!({"product_symbol": "BTCUSD", "size": 3, "side": "sell", "order_type": "limit_order",
                       "limit_price": best_ask, "client_order_id": "ws-limit-1"});
    assert_eq!(sim.post("/v2/orders", &limit).await.status, reqwest::StatusCode::OK);
    let created = expect(&mut client, "orders", "ws_orders_create.json").await;
    assert_eq!((created["action"].as_str(), created["client_order_id"].as_str()), (Some("create"), Some("ws-limit-1")));
    assert_eq!(created["seq_no"].as_u64().unwrap(), orders_seq + 1);
    orders_seq += 1;
    let cancel = json!({"id": created["order_id"], "product_id": created["product_id"]});
    assert_eq!(sim.delete("/v2/orders", &cancel).await.status, reqwest::StatusCode::OK);
    let deleted = expect(&mut client, "orders", "ws_orders_cancel.json").await;
    assert_eq!((deleted["action"].as_str(), deleted["state"].as_str()), (Some("delete"), Some("cancelled")));
    assert_eq!(deleted["seq_no"].as_u64().unwrap(), orders_seq + 1);
    orders_seq += 1;
    expect(&mut client, "margins", "ws_margins.json").await;
    assert_nothing_pending(&mut client).await;

    // A market order: one fill against the best ask level.
    let market = json!({"product_symbol": "BTCUSD", "size": 10, "side": "buy", "order_type": "market_order"});
    assert_eq!(sim.post("/v2/orders", &market).await.status, reqwest::StatusCode::OK);
    let mut frames = Vec::new();
    loop {
        let text = client.next_text().await.expect("connection closed");
        let frame: Value = serde_json::from_str(&text).unwrap();
        let done = frame["type"] == "margins";
        frames.push((text, frame));
        if done {
            break;
        }
    }
    // The market order's own `create` may come first; it is not part of the fill sequence.
    let created: Vec<&Value> =
        frames.iter().map(|(_, frame)| frame).filter(|frame| frame["action"] == "create").collect();
    for frame in &created {
        assert_eq!(frame["seq_no"].as_u64().unwrap(), orders_seq + 1);
        orders_seq += 1;
    }
    let sequence: Vec<(&str, &Value)> = frames
        .iter()
        .filter(|(_, frame)| frame["action"] != "create")
        .map(|(text, frame)| (text.as_str(), frame))
        .collect();
    let kinds: Vec<&str> = sequence.iter().map(|(_, frame)| frame["type"].as_str().unwrap()).collect();
    assert_eq!(kinds, ["orders", "user_trades", "v2/user_trades", "positions", "margins"]);
    let fixtures =
        ["ws_orders.json", "ws_user_trades.json", "ws_v2_user_trades.json", "ws_positions.json", "ws_margins.json"];
    for ((text, _), fixture) in sequence.iter().zip(fixtures) {
        check_frame(fixture, PRIVATE, text);
    }
    let (order, trade, v2_trade, position) = (sequence[0].1, sequence[1].1, sequence[2].1, sequence[3].1);
    assert_eq!((order["action"].as_str(), order["reason"].as_str()), (Some("update"), Some("fill")));
    assert_eq!((order["size"].as_u64(), order["unfilled_size"].as_u64()), (Some(10), Some(0)));
    assert_eq!(order["seq_no"].as_u64().unwrap(), orders_seq + 1);
    let price = trade["price"].as_str().unwrap();
    assert_eq!(
        order["average_fill_price"].as_str().unwrap().parse::<delta_core::Decimal>().unwrap(),
        price.parse().unwrap()
    );
    assert_eq!(
        (trade["size"].as_u64(), trade["side"].as_str(), trade["seq_no"].as_u64()),
        (Some(10), Some("buy"), Some(1))
    );
    assert_eq!(trade["order_id"], order["order_id"]);
    assert_eq!(
        (v2_trade["s"].as_u64(), v2_trade["p"].as_str(), v2_trade["se"].as_u64()),
        (Some(10), Some(price), Some(1))
    );
    assert_eq!(
        (v2_trade["o"].clone(), v2_trade["f"].clone(), v2_trade["po"].as_i64()),
        (trade["order_id"].clone(), trade["fill_id"].clone(), Some(10))
    );
    assert_eq!((position["action"].as_str(), position["size"].as_i64()), (Some("update"), Some(10)));
    assert_eq!(
        position["entry_price"].as_str().unwrap().parse::<delta_core::Decimal>().unwrap(),
        price.parse().unwrap()
    );
    sim.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn snapshots_only_for_named_symbols_and_mmp_trigger() {
    let sim = quiet_sim().await;
    let mut client = Client::connect(&sim.handle.ws_url()).await;
    client.key_auth(&sim.signer).await;
    // `all` and a category: subscribed, but no snapshot.
    let reply = client
        .subscribe(
            json!([{"name": "orders", "symbols": ["all"]}, {"name": "positions", "symbols": ["perpetual_futures"]},
                          {"name": "mmp_trigger"}]),
        )
        .await;
    assert!(reply["channels"].as_array().unwrap().iter().all(|channel| channel.get("error").is_none()), "{reply}");
    assert_nothing_pending(&mut client).await;
    let trigger = json!({"asset": "BTC", "frozen_till": 1_779_962_438_751_430_i64});
    let answer = sim
        .raw(reqwest::Method::POST, "/sim/mmp_trigger", &[("Content-Type", "application/json")], &trigger.to_string())
        .await;
    assert_eq!(answer.status, reqwest::StatusCode::OK);
    let frame = check_frame("ws_mmp_trigger.json", PRIVATE, &client.next_text().await.unwrap());
    assert_eq!((frame["asset"].as_str(), frame["frozen_till"].as_i64()), (Some("BTC"), Some(1_779_962_438_751_430)));
    sim.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn private_subscribe_before_auth_is_refused() {
    let sim = quiet_sim().await;
    let mut client = Client::connect(&sim.handle.ws_url()).await;
    client
        .send(&json!({"type": "subscribe", "payload": {"channels": [{"name": "positions", "symbols": ["BTCUSD"]}]}}))
        .await;
    let reply = check_frame("ws_subscriptions_error.json", PRIVATE, &client.next_text_of("subscriptions").await);
    assert_eq!(
        reply["channels"],
        json!([{"name": "positions", "error": "subscription forbidden on positions. Unauthorized user"}])
    );
    assert_nothing_pending(&mut client).await;
    sim.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_key_auth_reply_has_its_fixture_shape() {
    let sim = quiet_sim().await;
    let mut client = Client::connect(&sim.handle.ws_url()).await;
    let wrong_secret = Signer::from_parts(sim.handle.api_key(), "not-the-secret");
    let reply = client.key_auth_at(&wrong_secret, &timestamp_seconds()).await;
    check_frame("ws_key_auth_error_invalid_signature.json", PRIVATE, &reply.to_string());
    let unknown = Signer::from_parts("unknown-key", sim.handle.api_secret());
    let reply = client.key_auth_at(&unknown, &timestamp_seconds()).await;
    check_frame("ws_key_auth_error_api_key_not_found.json", PRIVATE, &reply.to_string());
    let reply = client.key_auth_at(&sim.signer, &(unix_seconds() - 60).to_string()).await;
    check_frame("ws_key_auth_error_expired.json", PRIVATE, &reply.to_string());
    client.send(&json!({"type": "key-auth", "payload": {"api-key": sim.handle.api_key()}})).await;
    check_frame("ws_key_auth_error_incomplete.json", PRIVATE, &client.next_text_of("key-auth").await);
    // Still refused after the failures.
    client.send(&json!({"type": "subscribe", "payload": {"channels": [{"name": "margins"}]}})).await;
    assert!(client.next_of("subscriptions").await["channels"][0]["error"].is_string());
    let reply = client.key_auth_at(&sim.signer, &timestamp_seconds()).await;
    check_frame("ws_key_auth_success.json", PRIVATE, &reply.to_string());
    // The legacy `auth` type answers `{"type":"success"}`.
    let mut legacy = Client::connect(&sim.handle.ws_url()).await;
    let timestamp = timestamp_seconds();
    let signature = sim.signer.sign_ws(&timestamp);
    let payload = json!({"api-key": sim.handle.api_key(), "signature": signature.as_str(), "timestamp": timestamp});
    legacy.send(&json!({"type": "auth", "payload": payload})).await;
    check_frame("ws_auth_legacy_success.json", PRIVATE, &legacy.next_text_of("success").await);
    sim.stop().await;
}
