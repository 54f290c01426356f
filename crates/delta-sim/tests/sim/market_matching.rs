//! Resting user orders against the synthetic market: a synthetic taker (`POST /sim/trade`, the same path
//! as the market generator's trades) fills the user orders it reaches in price-time priority, as makers,
//! with the private events in REFERENCE 10's order, maker commission, position and wallet, while the
//! public trade feed and `/sim/book` agree; synthetic size queued ahead fills first, fills can be partial.

use crate::common::Sim;
use crate::ws_common::Client;
use delta_core::Decimal;
use delta_sim::SimConfig;
use serde_json::{json, Value};

fn d(text: &str) -> Decimal {
    text.parse().unwrap()
}

fn dec(value: &Value) -> Decimal {
    match value {
        Value::String(text) => text.parse().unwrap(),
        other => other.to_string().parse().unwrap(),
    }
}

/// A sim whose books move only through orders and `/sim/trade`.
async fn quiet_sim() -> Sim {
    Sim::start(SimConfig { rate: 0, ..SimConfig::default() }).await
}

/// `(price, size)` of level `index` of side `"a"` or `"b"` of the true book.
async fn level(sim: &Sim, side: &str, index: usize) -> (Decimal, u64) {
    let book = sim.book("BTCUSD").await;
    let level = &book[side][index];
    (level[0].as_str().unwrap().parse().unwrap(), level[1].as_str().unwrap().parse().unwrap())
}

async fn rest_bid(sim: &Sim, size: u64, price: Decimal, client_order_id: &str) -> u64 {
    let body = json!({"product_symbol": "BTCUSD", "size": size, "side": "buy", "order_type": "limit_order",
                      "limit_price": price.to_string(), "client_order_id": client_order_id});
    let answer = sim.post("/v2/orders", &body).await;
    assert_eq!(answer.status, reqwest::StatusCode::OK, "{}", answer.body);
    assert_eq!(answer.body["result"]["state"], "open");
    answer.body["result"]["id"].as_u64().unwrap()
}

async fn synthetic_trade(sim: &Sim, side: &str, size: u64) -> Value {
    let body = json!({"symbol": "BTCUSD", "side": side, "size": size});
    let headers = [("User-Agent", "delta-sim-tests"), ("Content-Type", "application/json")];
    let answer = sim.raw(reqwest::Method::POST, "/sim/trade", &headers, &body.to_string()).await;
    assert_eq!(answer.status, reqwest::StatusCode::OK, "{}", answer.body);
    answer.body
}

async fn order(sim: &Sim, id: u64) -> Value {
    sim.private_get(&format!("/v2/orders/{id}"), "").await.body["result"].clone()
}

/// A private client subscribed to every account channel of BTCUSD, past the snapshots.
async fn private_client(sim: &Sim) -> Client {
    let mut client = Client::connect(&sim.handle.ws_url()).await;
    client.key_auth(&sim.signer).await;
    let channels = json!([
        {"name": "orders", "symbols": ["BTCUSD"]},
        {"name": "user_trades", "symbols": ["BTCUSD"]},
        {"name": "v2/user_trades", "symbols": ["BTCUSD"]},
        {"name": "positions", "symbols": ["BTCUSD"]},
        {"name": "margins"},
    ]);
    client.subscribe(channels).await;
    client.next_of("orders").await;
    client.next_of("positions").await;
    client
}

/// Private frames up to and including the next `margins` one.
async fn frames_until_margins(client: &mut Client) -> Vec<Value> {
    let mut frames = Vec::new();
    loop {
        let frame = client.next().await;
        let done = frame["type"] == "margins";
        frames.push(frame);
        if done {
            return frames;
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_resting_bid_fills_as_maker_when_synthetic_selling_trades_through_it() {
    let sim = quiet_sim().await;
    let mut private = private_client(&sim).await;
    let mut public = Client::connect(&sim.handle.public_ws_url()).await;
    public.subscribe(json!([{"name": "trades", "symbols": ["BTCUSD"]}])).await;
    let (bid, ahead) = level(&sim, "b", 0).await;
    let id = rest_bid(&sim, 5, bid, "maker-1").await;
    let created = frames_until_margins(&mut private).await;
    assert_eq!(created.iter().map(|f| f["type"].as_str().unwrap()).collect::<Vec<_>>(), ["orders", "margins"]);

    let answer = synthetic_trade(&sim, "sell", ahead + 3).await;
    assert_eq!(answer["maker_fills"], json!([{"order_id": id, "price": bid.to_string(), "size": 3}]));
    assert_eq!(answer["fills"], json!([[bid.to_string(), (ahead + 3).to_string()]]));

    let frames = frames_until_margins(&mut private).await;
    let kinds: Vec<&str> = frames.iter().map(|frame| frame["type"].as_str().unwrap()).collect();
    assert_eq!(kinds, ["orders", "user_trades", "v2/user_trades", "positions", "margins"]);
    let (update, trade, v2, position, margins) = (&frames[0], &frames[1], &frames[2], &frames[3], &frames[4]);
    assert_eq!((update["action"].as_str(), update["reason"].as_str()), (Some("update"), Some("fill")));
    assert_eq!((update["unfilled_size"].as_u64(), update["state"].as_str()), (Some(2), Some("open")));
    assert_eq!((trade["role"].as_str(), trade["size"].as_u64()), (Some("maker"), Some(3)));
    assert_eq!((trade["client_order_id"].as_str(), dec(&trade["price"])), (Some("maker-1"), bid));
    assert_eq!((v2["r"].as_str(), v2["po"].as_i64(), v2["s"].as_u64()), (Some("maker"), Some(3), Some(3)));
    assert_eq!((position["size"].as_i64(), dec(&position["entry_price"])), (Some(3), bid));

    // Maker commission: 3 × 0.001 BTC × price × 0.0002.
    let commission = d("0.003").checked_mul(&bid).unwrap().checked_mul(&d("0.0002")).unwrap();
    let fills = sim.private_get("/v2/fills", "").await.body;
    let fill = &fills["result"][0];
    assert_eq!((fill["role"].as_str(), fill["size"].as_u64()), (Some("maker"), Some(3)));
    assert_eq!(dec(&fill["commission"]), commission);
    let balance = d("100000").checked_sub(&commission).unwrap();
    assert_eq!(dec(&margins["balance"]), balance);
    let resting = order(&sim, id).await;
    assert_eq!((resting["unfilled_size"].as_u64(), dec(&resting["paid_commission"])), (Some(2), commission));
    let held = sim.private_get("/v2/positions", "?product_id=27").await.body;
    assert_eq!((held["result"]["size"].as_i64(), dec(&held["result"]["entry_price"])), (Some(3), bid));

    // The true book keeps the user remainder at the level; the public tape shows one synthetic sell.
    let book = sim.book("BTCUSD").await;
    assert_eq!(book["b"][0], json!([bid.to_string(), "2"]));
    let tape = public.next_of("trades").await;
    assert_eq!((dec(&tape["p"]), tape["s"].as_u64(), tape["r"].as_str()), (bid, Some(ahead + 3), Some("m")));
    sim.stop().await;
}

#[tokio::test]
async fn synthetic_size_ahead_fills_first_and_fills_can_be_partial() {
    let sim = quiet_sim().await;
    let (bid, ahead) = level(&sim, "b", 0).await;
    let (next_bid, next_size) = level(&sim, "b", 1).await;
    let id = rest_bid(&sim, 5, bid, "queued-1").await;
    assert_eq!(level(&sim, "b", 0).await, (bid, ahead + 5));

    // Everything ahead but one contract: the user order is not reached.
    assert_eq!(synthetic_trade(&sim, "sell", ahead - 1).await["maker_fills"], json!([]));
    assert_eq!(order(&sim, id).await["unfilled_size"], 5);
    // The last contract ahead, then 2 of the user order.
    let answer = synthetic_trade(&sim, "sell", 3).await;
    assert_eq!(answer["maker_fills"], json!([{"order_id": id, "price": bid.to_string(), "size": 2}]));
    let partial = order(&sim, id).await;
    assert_eq!((partial["state"].as_str(), partial["unfilled_size"].as_u64()), (Some("open"), Some(3)));
    assert_eq!(level(&sim, "b", 0).await, (bid, 3));
    // The rest of the order, then the next level.
    let answer = synthetic_trade(&sim, "sell", 10).await;
    assert_eq!(answer["maker_fills"], json!([{"order_id": id, "price": bid.to_string(), "size": 3}]));
    assert_eq!(answer["fills"], json!([[bid.to_string(), "3"], [next_bid.to_string(), "7"]]));
    let filled = order(&sim, id).await;
    assert_eq!((filled["state"].as_str(), filled["unfilled_size"].as_u64()), (Some("closed"), Some(0)));
    assert_eq!(dec(&filled["average_fill_price"]), bid);
    assert_eq!(level(&sim, "b", 0).await, (next_bid, next_size - 7));
    let held = sim.private_get("/v2/positions", "?product_id=27").await.body;
    assert_eq!(held["result"]["size"], 5);
    sim.stop().await;
}

#[tokio::test]
async fn a_cancelled_order_leaves_the_synthetic_queue_as_it_was() {
    let sim = quiet_sim().await;
    let (ask, ahead) = level(&sim, "a", 0).await;
    let body = json!({"product_symbol": "BTCUSD", "size": 4, "side": "sell", "order_type": "limit_order",
                      "limit_price": ask.to_string()});
    let id = sim.post("/v2/orders", &body).await.body["result"]["id"].as_u64().unwrap();
    assert_eq!(level(&sim, "a", 0).await, (ask, ahead + 4));
    let cancelled = sim.delete("/v2/orders", &json!({"id": id, "product_id": 27})).await;
    assert_eq!(cancelled.body["result"]["state"], "cancelled");
    assert_eq!(level(&sim, "a", 0).await, (ask, ahead));
    assert_eq!(synthetic_trade(&sim, "buy", ahead).await["maker_fills"], json!([]));
    sim.stop().await;
}
