//! Book consistency: a client following `ob_updates` / `l2_updates` from the snapshot, checking every
//! `seq` and `cs`, ends with exactly the sim's true book (`GET /sim/book/{symbol}`) once the market
//! generator is paused and the client has read up to the true book's `seq`.

use crate::common::Sim;
use crate::ws_common::{apply_update, pairs, Client, TestBook};
use delta_sim::{FaultsUpdate, SimConfig};
use serde_json::json;

async fn follow(url: &str, sim: &Sim, channel: &str, keys: (&str, &str, &str), updates: usize) {
    let (ask_key, bid_key, seq_key) = keys;
    let mut client = Client::connect(url).await;
    let reply = client.subscribe(json!([{"name": channel, "symbols": ["BTCUSD"]}])).await;
    assert_eq!(reply["channels"][0]["symbols"], json!(["BTCUSD"]));
    let snapshot = client.next_of(channel).await;
    assert_eq!(snapshot["action"], "snapshot");
    let mut book = TestBook::default();
    book.apply(&snapshot[ask_key], true);
    book.apply(&snapshot[bid_key], false);
    assert_eq!(snapshot["cs"], book.checksum());
    let mut seq = snapshot[seq_key].as_u64().unwrap();
    for _ in 0..updates {
        let update = client.next_of(channel).await;
        assert_eq!(update["action"], "update");
        apply_update(&mut book, &mut seq, &update, keys);
    }
    // Hold the market still, then read on until the client has every change up to the true book's seq.
    sim.handle.faults().update(FaultsUpdate { pause_market: Some(true), ..FaultsUpdate::default() });
    let truth = sim.book("BTCUSD").await;
    let last = truth["seq"].as_u64().unwrap();
    while seq < last {
        apply_update(&mut book, &mut seq, &client.next_of(channel).await, keys);
    }
    assert_eq!(seq, last);
    assert_eq!(pairs(&truth["a"]), book.asks());
    assert_eq!(pairs(&truth["b"]), book.bids());
}

fn config() -> SimConfig {
    SimConfig { rate: 2_000, symbols: vec!["BTCUSD".into(), "ETHUSD".into()], ..SimConfig::default() }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ob_updates_rebuild_the_true_book_with_every_checksum() {
    let sim = Sim::start(config()).await;
    follow(&sim.handle.public_ws_url(), &sim, "ob_updates", ("a", "b", "seq"), 300).await;
    sim.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn l2_updates_rebuild_the_true_book_with_every_checksum() {
    let sim = Sim::start(config()).await;
    follow(&sim.handle.ws_url(), &sim, "l2_updates", ("asks", "bids", "sequence_no"), 300).await;
    sim.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_quiet_book_equals_the_sim_book_exactly() {
    // No generator: the book moves only through REST orders, so the comparison is exact.
    let sim = Sim::start(SimConfig { rate: 0, ..config() }).await;
    let mut client = Client::connect(&sim.handle.public_ws_url()).await;
    client.subscribe(json!([{"name": "ob_updates", "symbols": ["BTCUSD"]}])).await;
    let snapshot = client.next_of("ob_updates").await;
    let mut book = TestBook::default();
    book.apply(&snapshot["a"], true);
    book.apply(&snapshot["b"], false);
    let order = json!({"product_symbol": "BTCUSD", "size": 3000, "side": "buy", "order_type": "market_order"});
    assert_eq!(sim.post("/v2/orders", &order).await.status, reqwest::StatusCode::OK);
    let truth = sim.book("BTCUSD").await;
    let mut seq = snapshot["seq"].as_u64().unwrap();
    while seq < truth["seq"].as_u64().unwrap() {
        apply_update(&mut book, &mut seq, &client.next_of("ob_updates").await, ("a", "b", "seq"));
    }
    assert_eq!(pairs(&truth["a"]), book.asks());
    assert_eq!(pairs(&truth["b"]), book.bids());
    assert_eq!(truth["seq"], snapshot["seq"].as_u64().unwrap() + (seq - snapshot["seq"].as_u64().unwrap()));
    sim.stop().await;
}
