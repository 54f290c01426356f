//! Golden shapes: every kind of answer the sim gives that has a fixture has exactly the fixture's
//! keys and JSON value types (`delta_core::shape::shape_differences` is empty).

use crate::common::{assert_shape, fixture, Sim};
use delta_core::auth::Signer;
use delta_sim::{FaultsUpdate, SimConfig};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

fn now_seconds() -> i64 {
    i64::try_from(delta_core::auth::unix_seconds()).unwrap()
}

fn first_symbol_of(products: &Value, contract_type: &str) -> String {
    products["result"]
        .as_array()
        .unwrap()
        .iter()
        .find(|product| product["contract_type"] == contract_type)
        .map(|product| product["symbol"].as_str().unwrap().to_owned())
        .unwrap()
}

#[tokio::test]
async fn market_data_answers_have_the_fixture_shapes() {
    let sim = Sim::default().await;
    let products = sim.get("/v2/products").await;
    assert_eq!(products.status, StatusCode::OK);
    assert_shape("rest_products.json", &products.body);
    assert_shape("rest_product.json", &sim.get("/v2/products/BTCUSD").await.body);
    let call = first_symbol_of(&products.body, "call_options");
    let put = first_symbol_of(&products.body, "put_options");
    assert_shape("rest_product_option.json", &sim.get(&format!("/v2/products/{put}")).await.body);
    assert_shape("rest_assets.json", &sim.get("/v2/assets").await.body);
    assert_shape("rest_indices.json", &sim.get("/v2/indices").await.body);
    assert_shape("rest_tickers.json", &sim.get("/v2/tickers").await.body);
    assert_shape("rest_ticker.json", &sim.get("/v2/tickers/BTCUSD").await.body);
    assert_shape("rest_ticker.json", &sim.get("/v2/tickers/ETHUSD").await.body);
    assert_shape("rest_ticker_option.json", &sim.get(&format!("/v2/tickers/{call}")).await.body);
    assert_shape("rest_orderbook.json", &sim.get("/v2/l2orderbook/BTCUSD?depth=5").await.body);
    assert_shape("rest_trades.json", &sim.get("/v2/trades/BTCUSD").await.body);
    let end = now_seconds();
    let candles =
        sim.get(&format!("/v2/history/candles?resolution=1m&symbol=BTCUSD&start={}&end={end}", end - 600)).await;
    assert_eq!(candles.body["result"].as_array().unwrap().len(), 10);
    assert_shape("rest_candles.json", &candles.body);
    let mark = format!("/v2/history/candles?resolution=1h&symbol=MARK:BTCUSD&start={}&end={end}", end - 86_400);
    assert_shape("rest_candles.json", &sim.get(&mark).await.body);
    assert_shape("rest_stats.json", &sim.get("/v2/stats").await.body);
    assert_shape("rest_settings.json", &sim.get("/v2/settings").await.body);
    assert_shape("rest_rate_limit_quota.json", &sim.get("/v2/rate_limits/quota").await.body);
    sim.stop().await;
}

#[tokio::test]
async fn trading_answers_have_the_fixture_shapes() {
    let sim = Sim::default().await;
    // A long position first, so the reduce-only stop of the fixture is accepted.
    let market = json!({"product_id": 27, "size": 15, "side": "buy", "order_type": "market_order"});
    assert_eq!(sim.post("/v2/orders", &market).await.status, StatusCode::OK);

    let created = sim.post("/v2/orders", &fixture("rest_order_create_request.json")).await;
    assert_eq!(created.status, StatusCode::OK, "{}", created.body);
    assert_eq!(created.body["result"]["state"], "open");
    assert_shape("rest_order_create_response.json", &created.body);
    let id = created.body["result"]["id"].as_u64().unwrap();

    let stop = sim.post("/v2/orders", &fixture("rest_order_stop_request.json")).await;
    assert_eq!(stop.body["result"]["state"], "pending", "{}", stop.body);
    assert_shape("rest_order_stop_response.json", &stop.body);

    let edit = sim.put("/v2/orders", &json!({"id": id, "product_id": 27, "limit_price": "68100", "size": 12})).await;
    assert_eq!(edit.body["result"]["size"], 12, "{}", edit.body);
    assert_shape("rest_order_edit_response.json", &edit.body);
    assert_shape("rest_order_get_response.json", &sim.private_get(&format!("/v2/orders/{id}"), "").await.body);
    let by_client = sim.private_get("/v2/orders/client_order_id/strat1-000042", "").await;
    assert_eq!(by_client.body["result"]["id"], id);
    assert_shape("rest_order_get_response.json", &by_client.body);
    assert_shape("rest_orders_open.json", &sim.private_get("/v2/orders", "").await.body);

    let cancel = sim.delete("/v2/orders", &json!({"id": id, "product_id": 27})).await;
    assert_eq!(cancel.body["result"]["cancellation_reason"], "cancelled_by_user");
    assert_shape("rest_order_cancel_response.json", &cancel.body);
    assert_shape("rest_orders_history.json", &sim.private_get("/v2/orders/history", "").await.body);

    let batch = sim.post("/v2/orders/batch", &fixture("rest_order_batch_create_request.json")).await;
    assert_eq!(batch.body["result"].as_array().unwrap().len(), 2, "{}", batch.body);
    assert_shape("rest_order_batch_create_response.json", &batch.body);

    assert_shape("rest_order_leverage_get.json", &sim.private_get("/v2/products/27/orders/leverage", "").await.body);
    let leverage = sim.post("/v2/products/27/orders/leverage", &fixture("rest_order_leverage_set_request.json")).await;
    assert_eq!(leverage.body["result"]["leverage"], "20");
    assert_shape("rest_order_leverage_set_response.json", &leverage.body);

    assert_shape("rest_position.json", &sim.private_get("/v2/positions", "?product_id=27").await.body);
    assert_shape("rest_position_flat.json", &sim.private_get("/v2/positions", "?product_id=3136").await.body);
    assert_shape("rest_positions_margined.json", &sim.private_get("/v2/positions/margined", "").await.body);
    let margin = sim.post("/v2/positions/change_margin", &fixture("rest_position_change_margin_request.json")).await;
    assert_eq!(margin.status, StatusCode::OK, "{}", margin.body);
    assert_shape("rest_position_change_margin_response.json", &margin.body);
    let topup = sim.put("/v2/positions/auto_topup", &fixture("rest_position_auto_topup_request.json")).await;
    assert_eq!(topup.body["result"]["auto_topup"], true);
    assert_shape("rest_position_change_margin_response.json", &topup.body);

    assert_shape("rest_fills.json", &sim.private_get("/v2/fills", "").await.body);
    assert_shape("rest_wallet_balances.json", &sim.private_get("/v2/wallet/balances", "").await.body);
    let ledger = sim.private_get("/v2/wallet/transactions", "").await;
    let kinds: Vec<&str> = ledger.body["result"]
        .as_array()
        .unwrap()
        .iter()
        .map(|entry| entry["transaction_type"].as_str().unwrap())
        .collect();
    assert!(kinds.contains(&"commission") && kinds.contains(&"deposit"), "{kinds:?}");
    assert_shape("rest_wallet_transactions.json", &ledger.body);

    let heartbeat = sim.post("/v2/heartbeat/create", &fixture("rest_heartbeat_create_request.json")).await;
    assert_shape("rest_heartbeat_create_response.json", &heartbeat.body);
    assert_shape(
        "rest_heartbeat_ack_response.json",
        &sim.post("/v2/heartbeat", &fixture("rest_heartbeat_ack_request.json")).await.body,
    );

    assert_shape(
        "rest_success_empty.json",
        &sim.delete("/v2/orders/all", &fixture("rest_orders_cancel_all_request.json")).await.body,
    );
    assert_shape(
        "rest_success_empty.json",
        &sim.put("/v2/users/reset_mmp", &fixture("rest_mmp_reset_request.json")).await.body,
    );
    sim.stop().await;
}

#[tokio::test]
async fn error_answers_have_the_fixture_shapes() {
    let sim = Sim::start(SimConfig { usd_balance: "1000".parse().unwrap(), ..SimConfig::default() }).await;
    let huge =
        json!({"product_id": 27, "size": 5000, "side": "buy", "order_type": "limit_order", "limit_price": "60000"});
    let margin = sim.post("/v2/orders", &huge).await;
    assert_eq!(
        (margin.status, margin.body["error"]["code"].as_str()),
        (StatusCode::BAD_REQUEST, Some("insufficient_margin"))
    );
    assert_shape("rest_error_insufficient_margin.json", &margin.body);

    let long_id = json!({"product_id": 27, "size": 1, "side": "buy", "order_type": "limit_order", "limit_price": "60000",
        "client_order_id": "x".repeat(33)});
    let schema = sim.post("/v2/orders", &long_id).await;
    assert_eq!(schema.status, StatusCode::BAD_REQUEST);
    assert_shape("rest_error_bad_schema.json", &schema.body);

    let missing = sim.delete("/v2/orders", &json!({"id": 1, "product_id": 27})).await;
    assert_shape("rest_error_open_order_not_found.json", &missing.body);

    let best_ask = sim.book("BTCUSD").await["a"][0][0].as_str().unwrap().to_owned();
    let crossing = json!({"product_id": 27, "size": 1, "side": "buy", "order_type": "limit_order",
        "limit_price": best_ask, "post_only": true});
    assert_shape("rest_error_immediate_execution_post_only.json", &sim.post("/v2/orders", &crossing).await.body);

    let unsigned = sim.raw(Method::GET, "/v2/orders", &[("User-Agent", "t")], "").await;
    assert_shape("rest_error_invalid_api_key.json", &unsigned.body);
    let stranger = Signer::from_parts("unknown-key", "whatever");
    let unknown = sim.signed_with(&stranger, Method::GET, "/v2/orders", "", "").await;
    assert_shape("rest_error_invalid_api_key_gateway.json", &unknown.body);
    let wrong_secret = Signer::from_parts(sim.handle.api_key(), "wrong-secret");
    let mismatch = sim.signed_with(&wrong_secret, Method::GET, "/v2/orders", "", "").await;
    assert_shape("rest_error_signature_mismatch.json", &mismatch.body);
    let old = (now_seconds() - 60).to_string();
    let signature = sim.signer.sign("GET", &old, "/v2/orders", "", b"");
    let headers = [
        ("User-Agent", "t"),
        ("api-key", sim.handle.api_key()),
        ("timestamp", &old),
        ("signature", signature.as_str()),
    ];
    assert_shape("rest_error_signature_expired.json", &sim.raw(Method::GET, "/v2/orders", &headers, "").await.body);
    assert_shape("rest_error_forbidden_cdn.json", &sim.raw(Method::GET, "/v2/products", &[], "").await.body);

    // Every other rejection the sim emits uses the same envelope shape.
    let other_rejections = [
        sim.get("/v2/no/such/path").await,
        sim.raw(Method::DELETE, "/v2/products", &[("User-Agent", "t")], "").await,
        sim.post("/v2/orders", &json!({"product_id": 999, "size": 1, "side": "buy", "order_type": "market_order"}))
            .await,
        sim.post(
            "/v2/orders",
            &json!({"product_id": 27, "size": 1, "side": "sell", "order_type": "market_order",
            "reduce_only": true}),
        )
        .await,
        sim.post(
            "/v2/orders",
            &json!({"product_id": 27, "size": 1, "side": "buy", "order_type": "limit_order",
            "limit_price": "1000", "time_in_force": "ioc"}),
        )
        .await,
        sim.post("/v2/orders/batch", &json!({"product_id": 27, "orders": []})).await,
        sim.post("/v2/positions/change_margin", &json!({"product_id": 27, "delta_margin": "1"})).await,
        sim.post("/v2/products/27/orders/leverage", &json!({"leverage": "0.5"})).await,
    ];
    let codes: Vec<&str> =
        other_rejections.iter().map(|answer| answer.body["error"]["code"].as_str().unwrap()).collect();
    assert_eq!(
        codes,
        [
            "not_found",
            "method_not_allowed",
            "invalid_contract",
            "no_position_for_reduce_only",
            "order_size_exceed_available",
            "no_orders",
            "no_open_position",
            "min_leverage_exceeded"
        ]
    );
    for answer in &other_rejections {
        assert_shape("rest_error_open_order_not_found.json", &answer.body);
    }

    sim.handle.faults().update(FaultsUpdate { force_429: Some(1), ..FaultsUpdate::default() });
    assert_shape("rest_error_rate_limited.json", &sim.get("/v2/products").await.body);
    sim.handle.faults().update(FaultsUpdate { error_rate: Some(1.0), ..FaultsUpdate::default() });
    assert_shape("rest_error_unavailable.json", &sim.get("/v2/products").await.body);
    sim.stop().await;
}
