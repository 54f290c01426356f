//! The trading fault switches and the restart: `drop_order_reply` (the order is placed, the answer never
//! comes; delta-core's client times out, finds it by `client_order_id`, and it exists exactly once),
//! `private_delay_ms` (frames late, order kept), `skip_private_seq` (a `seq_no` gap on `orders`, the state
//! changes anyway), `maintenance` (order entry answers 503, cancels work, `system_status` and
//! `/v2/settings` say so) and `POST /sim/restart` (every socket dropped, orders and positions kept).

use std::time::Duration;

use crate::common::Sim;
use crate::ws_common::Client;
use delta_core::http::DeltaHttpClient;
use delta_core::model::{CreateOrderRequest, OrderState, Side};
use delta_sim::{FaultsUpdate, SimConfig};
use reqwest::StatusCode;
use serde_json::{json, Value};

async fn quiet_sim() -> Sim {
    Sim::start(SimConfig { rate: 0, ..SimConfig::default() }).await
}

fn set(sim: &Sim, update: FaultsUpdate) {
    sim.handle.faults().update(update);
}

/// A limit bid 100 below the best bid (it rests).
async fn resting_bid(sim: &Sim, client_order_id: &str) -> Value {
    let bid: delta_core::Decimal = sim.book("BTCUSD").await["b"][0][0].as_str().unwrap().parse().unwrap();
    let price = bid.checked_sub(&"100".parse().unwrap()).unwrap();
    json!({"product_symbol": "BTCUSD", "size": 2, "side": "buy", "order_type": "limit_order",
           "limit_price": price.to_string(), "client_order_id": client_order_id})
}

/// A private client subscribed to `channels`, past the snapshots of `orders`/`positions` (one each).
async fn private_client(sim: &Sim, channels: Value) -> (Client, u64) {
    let mut client = Client::connect(&sim.handle.ws_url()).await;
    client.key_auth(&sim.signer).await;
    let snapshots = channels
        .as_array()
        .unwrap()
        .iter()
        .filter(|channel| channel["name"] == "orders" || channel["name"] == "positions")
        .count();
    client.subscribe(channels).await;
    let mut seq = 0;
    for _ in 0..snapshots {
        let snapshot = client.next().await;
        if snapshot["type"] == "orders" {
            seq = snapshot["meta"]["seq_no"].as_u64().unwrap();
        }
    }
    (client, seq)
}

#[tokio::test]
async fn a_dropped_order_reply_times_out_and_the_order_exists_exactly_once() {
    let sim = quiet_sim().await;
    set(&sim, FaultsUpdate { drop_order_reply: Some(1), ..FaultsUpdate::default() });
    let mut config = crate::client_common::signed_config(&sim.handle);
    config.timeout = Duration::from_millis(300);
    let client = DeltaHttpClient::new(config).unwrap();
    let bid = crate::client_common::best(&client, "BTCUSD", Side::Buy).await.0;
    let price = crate::client_common::sub(bid, crate::client_common::d("100"));
    let request = CreateOrderRequest::limit(27, Side::Buy, 2, price).with_client_order_id("timed-out-1");
    // The answer never comes; the client looks the order up by its client order id and finds it.
    let found = client.place_order(&request).await.unwrap();
    assert_eq!((found.client_order_id.as_deref(), found.state), (Some("timed-out-1"), OrderState::Open));

    let open = sim.private_get("/v2/orders", "").await.body;
    let matching: Vec<&Value> =
        open["result"].as_array().unwrap().iter().filter(|order| order["client_order_id"] == "timed-out-1").collect();
    assert_eq!(matching.len(), 1, "{open}");
    assert_eq!(matching[0]["id"].as_u64(), Some(found.id));
    let stats = sim.handle.stats();
    assert_eq!((stats.orders_received, stats.faults_injected.get("drop_order_reply")), (1, Some(&1)));
    // The budget is spent: the next placement is answered.
    let answered = sim.post("/v2/orders", &resting_bid(&sim, "answered-1").await).await;
    assert_eq!(answered.status, StatusCode::OK);
    sim.stop().await;
}

#[tokio::test]
async fn a_held_order_reply_does_not_keep_the_sim_from_stopping() {
    let sim = quiet_sim().await;
    set(&sim, FaultsUpdate { drop_order_reply: Some(1), ..FaultsUpdate::default() });
    let body = resting_bid(&sim, "held-1").await;
    let url = sim.url("/v2/orders");
    let held = tokio::spawn({
        let sim_signer = delta_core::auth::Signer::from_parts(sim.handle.api_key(), sim.handle.api_secret());
        async move {
            let timestamp = delta_core::auth::timestamp_seconds();
            let text = body.to_string();
            let signature = sim_signer.sign("POST", &timestamp, "/v2/orders", "", text.as_bytes());
            reqwest::Client::new()
                .post(url)
                .header("User-Agent", "delta-sim-tests")
                .header("api-key", sim_signer.api_key())
                .header("timestamp", timestamp)
                .header("signature", signature.as_str())
                .header("Content-Type", "application/json")
                .body(text)
                .send()
                .await
        }
    });
    // Wait until the order exists (the request is being held), then stop the sim.
    while sim.private_get("/v2/orders/client_order_id/held-1", "").await.status != StatusCode::OK {
        tokio::task::yield_now().await;
    }
    sim.stop().await;
    assert!(held.await.unwrap().map_or(true, |answer| answer.status() != StatusCode::OK));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn delayed_private_frames_keep_their_order() {
    let sim = quiet_sim().await;
    let channels = json!([{"name": "orders", "symbols": ["BTCUSD"]}, {"name": "v2/user_trades", "symbols": ["BTCUSD"]},
                          {"name": "positions", "symbols": ["BTCUSD"]}, {"name": "margins"}]);
    let (mut client, seq) = private_client(&sim, channels).await;
    set(&sim, FaultsUpdate { private_delay_ms: Some(150), ..FaultsUpdate::default() });
    let market = json!({"product_symbol": "BTCUSD", "size": 3, "side": "buy", "order_type": "market_order"});
    assert_eq!(sim.post("/v2/orders", &market).await.status, StatusCode::OK);
    let mut frames = Vec::new();
    while frames.last().is_none_or(|frame: &Value| frame["type"] != "margins") {
        frames.push(client.next().await);
    }
    let kinds: Vec<&str> = frames.iter().map(|frame| frame["type"].as_str().unwrap()).collect();
    assert_eq!(kinds, ["orders", "orders", "v2/user_trades", "positions", "margins"]);
    let seqs: Vec<u64> = frames[..2].iter().map(|frame| frame["seq_no"].as_u64().unwrap()).collect();
    assert_eq!(seqs, [seq + 1, seq + 2]);
    assert_eq!(sim.handle.stats().faults_injected.get("private_delay_ms"), Some(&5));
    sim.stop().await;
}

#[tokio::test]
async fn skipped_private_orders_frames_leave_a_seq_no_gap() {
    let sim = quiet_sim().await;
    let (mut client, seq) = private_client(&sim, json!([{"name": "orders", "symbols": ["BTCUSD"]}])).await;
    set(&sim, FaultsUpdate { skip_private_seq: Some(1), ..FaultsUpdate::default() });
    let placed = sim.post("/v2/orders", &resting_bid(&sim, "gap-1").await).await.body["result"].clone();
    let cancel = json!({"id": placed["id"], "product_id": 27});
    assert_eq!(sim.delete("/v2/orders", &cancel).await.body["result"]["state"], "cancelled");
    // The `create` frame (seq + 1) was left out: the next one is the `delete` with seq + 2.
    let next = client.next_of("orders").await;
    assert_eq!((next["action"].as_str(), next["seq_no"].as_u64()), (Some("delete"), Some(seq + 2)));
    assert_eq!(next["order_id"], placed["id"]);
    assert_eq!(sim.handle.stats().faults_injected.get("skip_private_seq"), Some(&1));
    sim.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn restart_drops_every_socket_and_keeps_orders_and_positions() {
    let sim = quiet_sim().await;
    let resting = sim.post("/v2/orders", &resting_bid(&sim, "kept-1").await).await.body["result"].clone();
    let market = json!({"product_symbol": "BTCUSD", "size": 4, "side": "buy", "order_type": "market_order"});
    assert_eq!(sim.post("/v2/orders", &market).await.status, StatusCode::OK);
    let (mut private, _) = private_client(&sim, json!([{"name": "orders", "symbols": ["BTCUSD"]}])).await;
    let mut public = Client::connect(&sim.handle.public_ws_url()).await;
    public.subscribe(json!([{"name": "ob_updates", "symbols": ["BTCUSD"]}])).await;
    public.next_of("ob_updates").await;

    let headers = [("User-Agent", "delta-sim-tests")];
    assert_eq!(sim.raw(reqwest::Method::POST, "/sim/restart", &headers, "").await.status, StatusCode::OK);
    assert_eq!(private.next_text().await, None, "the private socket is dropped");
    assert_eq!(public.next_text().await, None, "the public socket is dropped");
    assert_eq!(sim.handle.stats().restarts, 1);

    let channels = json!([{"name": "orders", "symbols": ["BTCUSD"]}, {"name": "positions", "symbols": ["BTCUSD"]}]);
    let mut again = Client::connect(&sim.handle.ws_url()).await;
    again.key_auth(&sim.signer).await;
    again.subscribe(channels).await;
    let orders = again.next_of("orders").await;
    let ids: Vec<&Value> = orders["result"].as_array().unwrap().iter().map(|order| &order["id"]).collect();
    assert_eq!(ids, [&resting["id"]]);
    let positions = again.next_of("positions").await;
    assert_eq!(positions["result"][0]["size"], 4);
    sim.stop().await;
}

/// Switches the `maintenance` fault on or off.
fn maintenance(sim: &Sim, on: bool) {
    set(sim, FaultsUpdate { maintenance: Some(on), ..FaultsUpdate::default() });
}

#[tokio::test]
async fn maintenance_refuses_order_entry_with_503_and_still_cancels() {
    let sim = quiet_sim().await;
    let resting = sim.post("/v2/orders", &resting_bid(&sim, "before-1").await).await.body["result"].clone();
    maintenance(&sim, true);
    assert!(sim.handle.faults().get().maintenance);
    let unavailable = json!({"success": false, "error": {"code": "unavailable"}});

    let bid = resting_bid(&sim, "during-1").await;
    let price = bid["limit_price"].clone();
    let refused = [
        sim.post("/v2/orders", &bid).await,
        sim.put("/v2/orders", &json!({"id": resting["id"], "product_id": 27, "limit_price": price, "size": 3})).await,
        sim.post("/v2/orders/batch", &json!({"product_id": 27, "orders": [bid.clone()]})).await,
        sim.put("/v2/orders/batch", &json!({"product_id": 27, "orders": [{"id": resting["id"], "size": 3}]})).await,
        sim.post(
            "/v2/orders/bracket",
            &json!({"product_id": 27, "stop_loss_order": {"order_type": "market_order",
                                                 "stop_price": "1000"}, "bracket_stop_trigger_method": "mark_price"}),
        )
        .await,
    ];
    for answer in &refused {
        assert_eq!((answer.status, &answer.body), (StatusCode::SERVICE_UNAVAILABLE, &unavailable));
    }
    crate::common::assert_shape("rest_error_unavailable.json", &refused[0].body);
    // Nothing reached the engine: no new order, the resting one unchanged.
    assert_eq!(sim.private_get("/v2/orders/client_order_id/during-1", "").await.status, StatusCode::NOT_FOUND);
    let open = sim.private_get("/v2/orders", "").await;
    assert_eq!(open.status, StatusCode::OK);
    assert_eq!(open.body["result"][0]["size"], resting["size"]);
    let stats = sim.handle.stats();
    assert_eq!((stats.orders_received, stats.faults_injected.get("maintenance")), (1, Some(&5)));

    // Cancels still go through.
    let cancel = json!({"id": resting["id"], "product_id": 27});
    let cancelled = sim.delete("/v2/orders", &cancel).await;
    assert_eq!((cancelled.status, &cancelled.body["result"]["state"]), (StatusCode::OK, &json!("cancelled")));

    // Switched off, order entry is answered again.
    maintenance(&sim, false);
    let after = sim.post("/v2/orders", &resting_bid(&sim, "after-1").await).await;
    assert_eq!((after.status, &after.body["result"]["state"]), (StatusCode::OK, &json!("open")));
    assert_eq!(sim.handle.stats().faults_injected.get("maintenance"), Some(&5));
    sim.stop().await;
}

#[tokio::test]
async fn settings_report_maintenance_while_it_is_on() {
    let sim = quiet_sim().await;
    let live = sim.get("/v2/settings").await.body;
    assert_eq!(live["result"]["under_maintenance"], "false");
    maintenance(&sim, true);
    let under = sim.get("/v2/settings").await.body;
    assert_eq!(under["result"]["under_maintenance"], "true");
    let started: i64 = under["result"]["maintenance_start_time"].as_str().unwrap().parse().unwrap();
    assert!(started <= under["result"]["server_time"].as_i64().unwrap());
    maintenance(&sim, false);
    assert_eq!(sim.get("/v2/settings").await.body["result"]["under_maintenance"], "false");
    sim.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn system_status_broadcasts_maintenance_started_and_finished() {
    let sim = quiet_sim().await;
    let mut client = Client::connect(&sim.handle.public_ws_url()).await;
    client.subscribe(json!([{"name": "system_status"}])).await;
    let snapshot = client.next_of("system_status").await;
    assert_eq!((&snapshot["status"], &snapshot["event"]), (&json!("live"), &json!("app_status_update")));

    maintenance(&sim, true);
    let started = client.next_of("system_status").await;
    assert_eq!((&started["status"], &started["event"]), (&json!("maintenance"), &json!("maintenance_started")));
    assert!(started["maintenance_start_time"].as_i64().is_some(), "{started}");
    crate::common::assert_shape("ws_system_status.json", &started);

    // A subscriber arriving during maintenance gets the current status in its snapshot.
    let mut late = Client::connect(&sim.handle.public_ws_url()).await;
    late.subscribe(json!([{"name": "system_status"}])).await;
    let late_snapshot = late.next_of("system_status").await;
    assert_eq!(late_snapshot["status"], "maintenance");
    assert_eq!(late_snapshot["maintenance_start_time"], started["maintenance_start_time"]);

    // Setting the same value again is no change: nothing is sent for it.
    maintenance(&sim, true);
    maintenance(&sim, false);
    for client in [&mut client, &mut late] {
        let finished = client.next_of("system_status").await;
        assert_eq!((&finished["status"], &finished["event"]), (&json!("live"), &json!("maintenance_finished")));
        assert!(finished["maintenance_finish_time"].as_i64() >= finished["maintenance_start_time"].as_i64());
    }
    assert_eq!(sim.handle.stats().sent["system_status"][""], 5);
    sim.stop().await;
}
