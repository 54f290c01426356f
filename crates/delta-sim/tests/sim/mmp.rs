//! Market-maker protection through REST and the private socket: after `update_mmp`, maker fills of an
//! MMP-tagged quote reaching the trade limit emit `mmp_trigger` (fixture shape) and cancel the asset's MMP
//! orders; new MMP orders are refused with `mmp_frozen` (the sim's code, Delta's is undocumented) while
//! orders without MMP go through; `reset_mmp` thaws.

use crate::common::Sim;
use crate::ws_common::{check_frame, Client};
use delta_core::parse::Endpoint;
use delta_sim::SimConfig;
use reqwest::StatusCode;
use serde_json::{json, Value};

async fn quote(sim: &Sim, size: u64, mmp: Option<&str>) -> crate::common::Answer {
    let bid = sim.book("BTCUSD").await["b"][0][0].clone();
    let mut body = json!({"product_symbol": "BTCUSD", "size": size, "side": "buy", "order_type": "limit_order",
                          "limit_price": bid});
    if let Some(group) = mmp {
        body["mmp"] = json!(group);
    }
    sim.post("/v2/orders", &body).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_trade_limit_trips_mmp_over_rest_and_the_socket_and_reset_thaws() {
    let sim = Sim::start(SimConfig { rate: 0, ..SimConfig::default() }).await;
    let mut client = Client::connect(&sim.handle.ws_url()).await;
    client.key_auth(&sim.signer).await;
    client.subscribe(json!([{"name": "mmp_trigger"}, {"name": "orders", "symbols": ["BTCUSD"]}])).await;
    client.next_of("orders").await;
    let config = json!({"asset": "BTC", "window_interval": 10, "freeze_interval": 0, "trade_limit": "500",
                        "mmp": "mmp1"});
    assert_eq!(sim.put("/v2/users/update_mmp", &config).await.status, StatusCode::OK);
    let quoted = quote(&sim, 10, Some("mmp1")).await.body["result"].clone();
    assert_eq!(quoted["mmp"], "mmp1");
    let plain = quote(&sim, 10, None).await.body["result"].clone();

    // 8 contracts of the quote filled: 8 × 0.001 × ~68 000 USD ≥ 500.
    let ahead: u64 = sim.book("BTCUSD").await["b"][0][1].as_str().unwrap().parse::<u64>().unwrap() - 20;
    let trade = json!({"symbol": "BTCUSD", "side": "sell", "size": ahead + 8});
    let headers = [("User-Agent", "delta-sim-tests"), ("Content-Type", "application/json")];
    let answer = sim.raw(reqwest::Method::POST, "/sim/trade", &headers, &trade.to_string()).await;
    assert_eq!(answer.body["maker_fills"][0]["size"], 8, "{}", answer.body);

    // `mmp_trigger` frames carry no `type` (fixture): found by their keys.
    let text = loop {
        let text = client.next_text().await.expect("connection open");
        if serde_json::from_str::<Value>(&text).unwrap().get("frozen_till").is_some() {
            break text;
        }
    };
    let trigger = check_frame("ws_mmp_trigger.json", Endpoint::Private, &text);
    assert_eq!((trigger["asset"].as_str(), trigger["frozen_till"].as_i64()), (Some("BTC"), Some(-1)));
    let cancelled: Value = loop {
        let frame = client.next_of("orders").await;
        if frame["action"] == "delete" {
            break frame;
        }
    };
    assert_eq!(
        (&cancelled["order_id"], cancelled["cancellation_reason"].as_str()),
        (&quoted["id"], Some("mmp_trigger"))
    );
    let plain_now = sim.private_get(&format!("/v2/orders/{}", plain["id"]), "").await.body;
    assert_eq!(plain_now["result"]["state"], "open");

    let refused = quote(&sim, 1, Some("mmp1")).await;
    assert_eq!((refused.status, &refused.body["error"]["code"]), (StatusCode::BAD_REQUEST, &json!("mmp_frozen")));
    assert_eq!(quote(&sim, 1, None).await.status, StatusCode::OK);
    let reset = json!({"asset": "BTC", "mmp": "mmp1"});
    assert_eq!(sim.put("/v2/users/reset_mmp", &reset).await.status, StatusCode::OK);
    assert_eq!(quote(&sim, 1, Some("mmp1")).await.status, StatusCode::OK);
    sim.stop().await;
}
