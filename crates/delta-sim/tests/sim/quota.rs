//! Delta's fixed-window quota (weighted, per account when signed, per IP otherwise) and the
//! per-product operations limit.

use std::time::Duration;

use crate::common::Sim;
use delta_sim::SimConfig;
use reqwest::StatusCode;
use serde_json::json;

fn small_quota(window: Duration) -> SimConfig {
    SimConfig { quota: 10, quota_window: window, ..SimConfig::default() }
}

#[tokio::test]
async fn exhausting_the_quota_answers_429_until_the_window_resets() {
    let sim = Sim::start(small_quota(Duration::from_millis(1_500))).await;
    // GET /v2/products weighs 3: three pass (9 units), the fourth does not fit in 10.
    let mut refused = None;
    for _ in 0..4 {
        let answer = sim.get("/v2/products").await;
        if answer.status == StatusCode::TOO_MANY_REQUESTS {
            refused = Some(answer);
            break;
        }
        assert_eq!(answer.status, StatusCode::OK);
    }
    let refused = refused.expect("the quota was never exhausted");
    assert_eq!(refused.body, json!({"success": false, "error": {"code": "rate_limit_exceeded"}}));
    let reset: u64 = refused.headers["x-rate-limit-reset"].to_str().unwrap().parse().unwrap();
    assert!((1..=1_500).contains(&reset), "{reset}");
    assert!(sim.handle.stats().rate_limited >= 1);

    tokio::time::sleep(Duration::from_millis(reset + 50)).await;
    assert_eq!(sim.get("/v2/products").await.status, StatusCode::OK);
    sim.stop().await;
}

#[tokio::test]
async fn signed_requests_use_the_account_quota_and_the_quota_endpoint_reports_it() {
    let sim = Sim::start(small_quota(Duration::from_secs(300))).await;
    let first = sim.get("/v2/rate_limits/quota").await.body;
    assert_eq!(first["current_quota"], 9);
    assert!(first["remaining_time_in_milliseconds"].as_u64().unwrap() <= 300_000);
    for _ in 0..3 {
        sim.get("/v2/products").await;
    }
    assert_eq!(sim.get("/v2/products").await.status, StatusCode::TOO_MANY_REQUESTS);
    // The IP bucket is empty; the account's is not.
    let balances = sim.private_get("/v2/wallet/balances", "").await;
    assert_eq!(balances.status, StatusCode::OK);
    let signed_quota = sim.private_get("/v2/rate_limits/quota", "").await;
    assert_eq!(signed_quota.body["current_quota"], 6);
    sim.stop().await;
}

#[tokio::test]
async fn the_per_product_limit_counts_batch_items_and_exempts_cancels() {
    let sim = Sim::start(SimConfig { product_ops_per_second: 2, ..SimConfig::default() }).await;
    let item = json!({"size": 1, "side": "buy", "order_type": "limit_order", "limit_price": "50000"});
    let batch = json!({"product_id": 27, "orders": [item, item, item]});
    let refused = sim.post("/v2/orders/batch", &batch).await;
    assert_eq!(refused.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(refused.body["error"]["code"], "rate_limit_exceeded");
    assert!(refused.headers.contains_key("x-rate-limit-reset"));
    sim.stop().await;

    let sim = Sim::start(SimConfig { product_ops_per_second: 0, ..SimConfig::default() }).await;
    let order =
        json!({"product_id": 27, "size": 1, "side": "buy", "order_type": "limit_order", "limit_price": "50000"});
    assert_eq!(sim.post("/v2/orders", &order).await.status, StatusCode::TOO_MANY_REQUESTS);
    // A cancel is never limited: it reaches the order book and finds nothing to cancel.
    let cancel = sim.delete("/v2/orders", &json!({"id": 1, "product_id": 27})).await;
    assert_eq!(cancel.status, StatusCode::BAD_REQUEST);
    assert_eq!(cancel.body["error"]["code"], "open_order_not_found");
    sim.stop().await;
}
