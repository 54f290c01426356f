//! Requests exactly as independent Delta clients write them (REFERENCE sources): ccxt's `delta`
//! (sizes as strings, JSON booleans, JSON bodies on DELETE, `close_all` without `user_id`, the
//! ledger's `asset_id`, the signed quota call, the margin mode from `/v2/profile`) and Delta's
//! python client (compact JSON, flags as strings, product look-ups by id).

use crate::common::Sim;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

#[tokio::test]
async fn ccxt_style_requests_work_unchanged() {
    let sim = Sim::default().await;
    let markets = sim.get("/v2/products").await.body;
    assert!(markets["result"].as_array().unwrap().len() > 20);
    let currencies = sim.get("/v2/assets").await.body;
    assert!(currencies["result"].as_array().unwrap().iter().any(|asset| asset["symbol"] == "USD"));
    let time = sim.get("/v2/settings").await.body;
    assert!(time["result"]["server_time"].is_i64());

    // createOrder: size from amountToPrecision is a string, reduce_only a JSON boolean when set.
    let created = sim
        .signed(
            Method::POST,
            "/v2/orders",
            "",
            r#"{"product_id":27,"size":"5","side":"buy","order_type":"limit_order","limit_price":"60000","client_order_id":"ccxt-1"}"#,
        )
        .await;
    assert_eq!(created.status, StatusCode::OK, "{}", created.body);
    let id = created.body["result"]["id"].as_u64().unwrap();
    let open = sim.private_get("/v2/orders", "?product_ids=27&start_time=1700000000000000&page_size=100").await;
    assert_eq!(open.body["result"][0]["id"], id);
    let edit = format!(r#"{{"id":{id},"product_id":27,"size":6,"limit_price":"60000.5"}}"#);
    assert_eq!(sim.signed(Method::PUT, "/v2/orders", "", &edit).await.body["result"]["size"], 6);
    let fetched = sim.private_get("/v2/orders/client_order_id/ccxt-1", "").await;
    assert_eq!(fetched.body["result"]["id"], id);
    let cancel = format!(r#"{{"id":{id},"product_id":27}}"#);
    assert_eq!(sim.signed(Method::DELETE, "/v2/orders", "", &cancel).await.body["result"]["state"], "cancelled");

    let market = r#"{"product_id":27,"size":"3","side":"buy","order_type":"market_order"}"#;
    assert_eq!(sim.signed(Method::POST, "/v2/orders", "", market).await.body["result"]["state"], "closed");
    let reduce = r#"{"product_id":27,"size":"1","side":"sell","order_type":"market_order","reduce_only":true}"#;
    assert_eq!(sim.signed(Method::POST, "/v2/orders", "", reduce).await.body["result"]["state"], "closed");
    assert_eq!(
        sim.private_get("/v2/fills", "?product_ids=27&page_size=10").await.body["result"].as_array().unwrap().len(),
        2
    );
    let ledger = sim.private_get("/v2/wallet/transactions", "?asset_id=14&page_size=5").await.body;
    assert!(ledger["result"].as_array().unwrap().iter().all(|entry| entry["asset_id"] == 14));
    assert_eq!(sim.private_get("/v2/positions/margined", "").await.body["result"][0]["size"], 2);
    assert_eq!(sim.private_get("/v2/profile", "").await.body["result"]["margin_mode"], "isolated");
    assert!(sim.private_get("/v2/rate_limits/quota", "").await.body["current_quota"].is_u64());
    let leverage = sim.signed(Method::POST, "/v2/products/27/orders/leverage", "", r#"{"leverage":"5"}"#).await;
    assert_eq!(leverage.body["result"]["leverage"], "5");
    let add_margin =
        sim.signed(Method::POST, "/v2/positions/change_margin", "", r#"{"product_id":27,"delta_margin":"10"}"#).await;
    assert_eq!(add_margin.status, StatusCode::OK, "{}", add_margin.body);

    let close_all = sim
        .signed(
            Method::POST,
            "/v2/positions/close_all",
            "",
            r#"{"close_all_portfolio":true,"close_all_isolated":true}"#,
        )
        .await;
    assert_eq!(close_all.body, json!({"success": true, "result": {}}));
    assert_eq!(sim.private_get("/v2/positions", "?product_id=27").await.body["result"]["size"], 0);
    sim.stop().await;
}

#[tokio::test]
async fn python_client_style_requests_work_unchanged() {
    let sim = Sim::default().await;
    let product = sim.get("/v2/products/27").await.body;
    assert_eq!(product["result"]["symbol"], "BTCUSD");
    let book = sim.get("/v2/l2orderbook/27").await.body;
    let best_bid: Value = book["result"]["buy"][0]["price"].clone();
    assert!(best_bid.is_string());
    let body = r#"{"product_id":27,"size":3,"side":"buy","order_type":"limit_order","post_only":"false","limit_price":"61000","time_in_force":"gtc"}"#;
    let placed = sim.signed(Method::POST, "/v2/orders", "", body).await;
    assert_eq!(placed.body["result"]["state"], "open", "{}", placed.body);
    let id = placed.body["result"]["id"].as_u64().unwrap();
    let stop = r#"{"product_id":27,"size":3,"side":"sell","order_type":"market_order","stop_order_type":"stop_loss_order","stop_price":"50000"}"#;
    assert_eq!(sim.signed(Method::POST, "/v2/orders", "", stop).await.body["result"]["state"], "pending");
    let batch = r#"{"product_id":27,"orders":[{"product_id":27,"limit_price":"61000.5","size":1,"side":"buy","order_type":"limit_order","post_only":"false"}]}"#;
    assert_eq!(
        sim.signed(Method::POST, "/v2/orders/batch", "", batch).await.body["result"].as_array().unwrap().len(),
        1
    );
    let history = sim.private_get("/v2/orders/history", "?page_size=50").await;
    assert_eq!(history.status, StatusCode::OK);
    let cancel = format!(r#"{{"id":{id},"product_id":27}}"#);
    assert_eq!(sim.signed(Method::DELETE, "/v2/orders", "", &cancel).await.body["result"]["state"], "cancelled");
    let all = r#"{"product_id":27,"cancel_limit_orders":"true","cancel_stop_orders":"true","cancel_reduce_only_orders":"true"}"#;
    assert_eq!(sim.signed(Method::DELETE, "/v2/orders/all", "", all).await.status, StatusCode::OK);
    assert!(sim.private_get("/v2/orders", "").await.body["result"].as_array().unwrap().is_empty());
    sim.stop().await;
}

/// Several ccxt versions sign DELETE parameters as a query string instead of a JSON body.
#[tokio::test]
async fn delete_parameters_on_the_query_string_are_accepted() {
    let sim = Sim::default().await;
    let body = r#"{"product_id":27,"size":2,"side":"buy","order_type":"limit_order","limit_price":"60000"}"#;
    let created = sim.signed(Method::POST, "/v2/orders", "", body).await;
    let id = created.body["result"]["id"].as_u64().unwrap();
    let cancelled = sim.signed(Method::DELETE, "/v2/orders", &format!("?id={id}&product_id=27"), "").await;
    assert_eq!(cancelled.status, StatusCode::OK, "{}", cancelled.body);
    assert_eq!(cancelled.body["result"]["state"], "cancelled");
    assert_eq!(cancelled.body["result"]["cancellation_reason"], "cancelled_by_user");

    sim.signed(Method::POST, "/v2/orders", "", body).await;
    let query = "?product_id=27&cancel_limit_orders=true&cancel_stop_orders=true&cancel_reduce_only_orders=true";
    assert_eq!(sim.signed(Method::DELETE, "/v2/orders/all", query, "").await.status, StatusCode::OK);
    let open = sim.private_get("/v2/orders", "?product_ids=27").await;
    assert_eq!(open.body["result"].as_array().unwrap().len(), 0, "{}", open.body);
    sim.stop().await;
}
