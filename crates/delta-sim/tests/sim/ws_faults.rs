//! Socket fault switches, heartbeats, idle close, the handshake budget and `/sim/stats`: each switch
//! observably does what it says and moves its counter in `faults_injected`.

use std::time::Duration;

use crate::common::Sim;
use crate::ws_common::{Client, TestBook};
use delta_sim::{Faults, FaultsUpdate, SimConfig};
use serde_json::{json, Value};
use tokio_tungstenite::tungstenite::Error as WsError;

/// Most frames read while waiting for a fault to show.
const LOOKAHEAD: usize = 20_000;

/// Frames read after a fault showed, to see it does not repeat.
const AFTER: usize = 200;

fn config() -> SimConfig {
    SimConfig {
        rate: 2_000,
        symbols: vec!["BTCUSD".into(), "ETHUSD".into()],
        heartbeat_period: Duration::from_millis(20),
        ..SimConfig::default()
    }
}

fn set(sim: &Sim, update: FaultsUpdate) {
    sim.handle.faults().update(update);
}

fn injected(sim: &Sim, switch: &str) -> u64 {
    sim.handle.stats().faults_injected.get(switch).copied().unwrap_or(0)
}

/// Subscribes `ob_updates` for BTCUSD on the public socket and returns the client with its snapshot.
async fn follow_book(sim: &Sim) -> (Client, Value) {
    let mut client = Client::connect(&sim.handle.public_ws_url()).await;
    client.subscribe(json!([{"name": "ob_updates", "symbols": ["BTCUSD"]}])).await;
    let snapshot = client.next_of("ob_updates").await;
    assert_eq!(snapshot["action"], "snapshot");
    (client, snapshot)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn drop_every_closes_the_connection_after_n_data_messages() {
    let faults = Faults { drop_every: 5, ..Faults::default() };
    let sim = Sim::start(SimConfig { faults, ..config() }).await;
    let mut client = Client::connect(&sim.handle.public_ws_url()).await;
    client.subscribe(json!([{"name": "ob_updates", "symbols": ["BTCUSD"]}])).await;
    let mut data = 0;
    while let Some(text) = client.next_text().await {
        assert_eq!(serde_json::from_str::<Value>(&text).unwrap()["type"], "ob_updates");
        data += 1;
    }
    assert_eq!(data, 5, "snapshot + 4 updates, then the close");
    assert_eq!(injected(&sim, "drop_every"), 1);
    sim.stop().await;
}

/// Reads frames until one shows `effect`, then [`AFTER`] more; returns how many showed it. Frames queued
/// before a switch was set arrive first, so the effect shows within [`LOOKAHEAD`] frames, not at once.
async fn count_effects(client: &mut Client, mut effect: impl FnMut(&str) -> bool) -> usize {
    let (mut seen, mut read, mut left) = (0, 0, None::<usize>);
    while left != Some(0) {
        assert!(read < LOOKAHEAD, "no effect in {LOOKAHEAD} frames");
        let text = client.next_text().await.expect("connection closed");
        read += 1;
        if effect(&text) {
            seen += 1;
            left = Some(AFTER);
        } else if let Some(left) = left.as_mut() {
            *left -= 1;
        }
    }
    seen
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn skip_seq_leaves_a_gap_of_two() {
    let sim = Sim::start(config()).await;
    let (mut client, snapshot) = follow_book(&sim).await;
    let mut seq = snapshot["seq"].as_u64().unwrap();
    set(&sim, FaultsUpdate { skip_seq: Some(1), ..FaultsUpdate::default() });
    let gaps = count_effects(&mut client, |text| {
        let next = serde_json::from_str::<Value>(text).unwrap()["seq"].as_u64().unwrap();
        let step = next - std::mem::replace(&mut seq, next);
        assert!(step == 1 || step == 2, "step {step}");
        step == 2
    })
    .await;
    assert_eq!(gaps, 1);
    assert_eq!(injected(&sim, "skip_seq"), 1);
    sim.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn corrupt_checksum_sends_one_cs_that_does_not_match() {
    let sim = Sim::start(config()).await;
    let (mut client, snapshot) = follow_book(&sim).await;
    let mut book = TestBook::default();
    book.apply(&snapshot["a"], true);
    book.apply(&snapshot["b"], false);
    assert_eq!(snapshot["cs"], book.checksum());
    set(&sim, FaultsUpdate { corrupt_checksum: Some(1), ..FaultsUpdate::default() });
    let mismatches = count_effects(&mut client, |text| {
        let update: Value = serde_json::from_str(text).unwrap();
        book.apply(&update["a"], true);
        book.apply(&update["b"], false);
        update["cs"] != book.checksum()
    })
    .await;
    assert_eq!(mismatches, 1);
    assert_eq!(injected(&sim, "corrupt_checksum"), 1);
    sim.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_sends_a_frame_that_is_not_json() {
    let sim = Sim::start(config()).await;
    let (mut client, _) = follow_book(&sim).await;
    set(&sim, FaultsUpdate { malformed: Some(1), ..FaultsUpdate::default() });
    let bad = count_effects(&mut client, |text| serde_json::from_str::<Value>(text).is_err()).await;
    assert_eq!(bad, 1);
    assert_eq!(injected(&sim, "malformed"), 1);
    sim.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stall_sends_nothing_while_the_socket_stays_open() {
    let sim = Sim::start(config()).await;
    let (mut client, _) = follow_book(&sim).await;
    client.send(&json!({"type": "enable_heartbeat"})).await;
    client.next_of("heartbeat").await;
    set(&sim, FaultsUpdate { stall: Some(true), ..FaultsUpdate::default() });
    // Frames already on the wire may still arrive; after the first quiet spell nothing comes.
    while tokio::time::timeout(Duration::from_millis(300), client.next_text()).await.is_ok() {}
    client.send(&json!({"type": "ping"})).await;
    assert!(
        tokio::time::timeout(Duration::from_millis(300), client.next_text()).await.is_err(),
        "a frame during the stall"
    );
    assert!(injected(&sim, "stall") > 0);
    set(&sim, FaultsUpdate { stall: Some(false), ..FaultsUpdate::default() });
    client.next_of("heartbeat").await;
    client.send(&json!({"type": "ping"})).await;
    client.next_of("pong").await;
    sim.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn book_error_answers_action_error_and_ends_the_subscription() {
    let sim = Sim::start(config()).await;
    set(&sim, FaultsUpdate { book_error: Some("ETHUSD".into()), ..FaultsUpdate::default() });
    let mut client = Client::connect(&sim.handle.public_ws_url()).await;
    client.subscribe(json!([{"name": "ob_updates", "symbols": ["ETHUSD"]}])).await;
    let error = client.next_of("ob_updates").await;
    assert_eq!((error["action"].as_str(), error["symbol"].as_str()), (Some("error"), Some("ETHUSD")));
    crate::common::assert_shape("ws_ob_updates_error.json", &error);
    assert_eq!(injected(&sim, "book_error"), 1);
    // Nothing follows on the ended subscription: the next frame is the pong.
    client.send(&json!({"type": "ping"})).await;
    assert_eq!(client.next().await["type"], "pong");
    sim.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn handshakes_beyond_the_budget_get_http_429() {
    let sim = Sim::start(SimConfig { ws_connection_budget: 2, ..config() }).await;
    let _first = Client::connect(&sim.handle.public_ws_url()).await;
    let _second = Client::connect(&sim.handle.ws_url()).await;
    match tokio_tungstenite::connect_async(sim.handle.public_ws_url()).await {
        Err(WsError::Http(response)) => assert_eq!(response.status(), 429),
        other => panic!("expected HTTP 429, got {:?}", other.map(|(_, response)| response.status())),
    }
    let stats = sim.handle.stats();
    assert_eq!((stats.ws_connections, stats.ws_refused), (2, 1));
    sim.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn heartbeats_pong_and_idle_close() {
    let sim = Sim::start(SimConfig { idle_timeout: Duration::from_millis(300), ..config() }).await;
    let mut client = Client::connect(&sim.handle.public_ws_url()).await;
    client.send(&json!({"type": "ping"})).await;
    assert_eq!(client.next().await, json!({"type": "pong"}));
    client.send(&json!({"type": "enable_heartbeat"})).await;
    for _ in 0..3 {
        assert_eq!(client.next().await, json!({"type": "heartbeat"}));
    }
    client.send(&json!({"type": "disable_heartbeat"})).await;
    // The client now sends nothing: the sim closes the connection after the idle timeout.
    while client.next_text().await.is_some() {}
    assert!(sim.handle.stats().sent["heartbeat"][""] >= 3);
    sim.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sent_counts_equal_what_the_client_received() {
    let sim = Sim::start(config()).await;
    let (mut client, snapshot) = follow_book(&sim).await;
    let mut received = 1;
    let mut seq = snapshot["seq"].as_u64().unwrap();
    for _ in 0..100 {
        seq = client.next_of("ob_updates").await["seq"].as_u64().unwrap();
        received += 1;
    }
    set(&sim, FaultsUpdate { pause_market: Some(true), ..FaultsUpdate::default() });
    let last = sim.book("BTCUSD").await["seq"].as_u64().unwrap();
    while seq < last {
        seq = client.next_of("ob_updates").await["seq"].as_u64().unwrap();
        received += 1;
    }
    // The pong leaves after every earlier frame was sent and counted.
    client.send(&json!({"type": "ping"})).await;
    client.next_of("pong").await;
    let stats: Value = sim.get("/sim/stats").await.body;
    assert_eq!(stats["sent"]["ob_updates"]["BTCUSD"], received);
    assert_eq!(stats["sent"]["subscriptions"][""], 1);
    assert_eq!(stats["sent"]["pong"][""], 1);
    assert_eq!(stats["ws_connections"], 1);
    sim.stop().await;
}
