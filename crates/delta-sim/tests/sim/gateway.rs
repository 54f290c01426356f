//! The gateway in front of `/v2`: the CDN's User-Agent check, authentication bodies and statuses,
//! signatures over the raw request, unknown paths and methods, fault switches and counters.

use crate::common::Sim;
use delta_core::auth::Signer;
use delta_sim::{FaultsUpdate, SimConfig};
use reqwest::{Method, StatusCode};
use serde_json::json;

fn seconds_from_now(offset: i64) -> String {
    (i64::try_from(delta_core::auth::unix_seconds()).unwrap() + offset).to_string()
}

#[tokio::test]
async fn requests_without_user_agent_are_blocked_by_the_cdn() {
    let sim = Sim::default().await;
    let answer = sim.raw(Method::GET, "/v2/products", &[], "").await;
    assert_eq!(answer.status, StatusCode::FORBIDDEN);
    assert_eq!(answer.body, json!({"error": "Forbidden", "message": "Request blocked by CDN"}));
    assert_eq!(sim.get("/v2/products").await.status, StatusCode::OK);
    sim.stop().await;
}

#[tokio::test]
async fn authentication_failures_answer_like_delta() {
    let sim = Sim::default().await;
    let missing = sim.raw(Method::GET, "/v2/wallet/balances", &[("User-Agent", "t"), ("api-key", "k")], "").await;
    assert_eq!(missing.status, StatusCode::UNAUTHORIZED);
    assert_eq!(missing.body, json!({"success": false, "error": {"code": "invalid_api_key"}}));

    let unknown = Signer::from_parts("no-such-key", "secret");
    let answer = sim.signed_with(&unknown, Method::GET, "/v2/wallet/balances", "", "").await;
    assert_eq!(answer.status, StatusCode::UNAUTHORIZED);
    assert_eq!(answer.body, json!({"error": "InvalidApiKey", "message": "Api Key not found"}));

    let wrong_secret = Signer::from_parts(sim.handle.api_key(), "not-the-secret");
    let answer = sim.signed_with(&wrong_secret, Method::GET, "/v2/wallet/balances", "", "").await;
    assert_eq!(answer.status, StatusCode::UNAUTHORIZED);
    assert_eq!(answer.body, json!({"success": false, "error": {"code": "Signature Mismatch"}}));

    for offset in [-6, 6] {
        let timestamp = seconds_from_now(offset);
        let signature = sim.signer.sign("GET", &timestamp, "/v2/wallet/balances", "", b"");
        let headers = [
            ("User-Agent", "t"),
            ("api-key", sim.handle.api_key()),
            ("timestamp", timestamp.as_str()),
            ("signature", signature.as_str()),
        ];
        let answer = sim.raw(Method::GET, "/v2/wallet/balances", &headers, "").await;
        assert_eq!(answer.status, StatusCode::UNAUTHORIZED, "offset {offset}");
        assert_eq!(answer.body, json!({"error": "SignatureExpired", "message": "your signature has expired"}));
    }
    assert_eq!(sim.handle.stats().auth_failures, 5);
    assert_eq!(sim.private_get("/v2/wallet/balances", "").await.status, StatusCode::OK);
    sim.stop().await;
}

#[tokio::test]
async fn a_signed_delete_with_a_body_passes() {
    let sim = Sim::default().await;
    let order =
        json!({"product_id": 27, "size": 2, "side": "buy", "order_type": "limit_order", "limit_price": "50000"});
    let id = sim.post("/v2/orders", &order).await.body["result"]["id"].as_u64().unwrap();
    let body = format!(r#"{{"id":{id},"product_id":27}}"#);
    let answer = sim.signed(Method::DELETE, "/v2/orders", "", &body).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    assert_eq!(answer.body["result"]["state"], "cancelled");
    // The body is part of the signature: the same headers with another body fail.
    let timestamp = seconds_from_now(0);
    let signature = sim.signer.sign("DELETE", &timestamp, "/v2/orders", "", body.as_bytes());
    let headers = [
        ("User-Agent", "t"),
        ("api-key", sim.handle.api_key()),
        ("timestamp", timestamp.as_str()),
        ("signature", signature.as_str()),
    ];
    let tampered = sim.raw(Method::DELETE, "/v2/orders", &headers, r#"{"id":1,"product_id":27}"#).await;
    assert_eq!(tampered.status, StatusCode::UNAUTHORIZED);
    sim.stop().await;
}

#[tokio::test]
async fn the_query_is_verified_exactly_as_sent() {
    let sim = Sim::default().await;
    let sent = "?product_ids=27&states=open";
    assert_eq!(sim.private_get("/v2/orders", sent).await.status, StatusCode::OK);
    let encoded = "?product_ids=27%2C3136&states=open%2Cpending";
    assert_eq!(sim.private_get("/v2/orders", encoded).await.status, StatusCode::OK);

    let timestamp = seconds_from_now(0);
    let reordered = sim.signer.sign("GET", &timestamp, "/v2/orders", "?states=open&product_ids=27", b"");
    let headers = [
        ("User-Agent", "t"),
        ("api-key", sim.handle.api_key()),
        ("timestamp", timestamp.as_str()),
        ("signature", reordered.as_str()),
    ];
    let answer = sim.raw(Method::GET, &format!("/v2/orders{sent}"), &headers, "").await;
    assert_eq!(answer.status, StatusCode::UNAUTHORIZED);
    assert_eq!(answer.body["error"]["code"], "Signature Mismatch");

    // Signing the path without /v2 (the docs' old example) fails too.
    let short = sim.signer.sign("GET", &timestamp, "/orders", sent, b"");
    let headers = [
        ("User-Agent", "t"),
        ("api-key", sim.handle.api_key()),
        ("timestamp", timestamp.as_str()),
        ("signature", short.as_str()),
    ];
    assert_eq!(sim.raw(Method::GET, &format!("/v2/orders{sent}"), &headers, "").await.status, StatusCode::UNAUTHORIZED);
    sim.stop().await;
}

#[tokio::test]
async fn unknown_paths_and_methods() {
    let sim = Sim::default().await;
    let missing = sim.get("/v2/no/such/endpoint").await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    assert_eq!(missing.body, json!({"success": false, "error": {"code": "not_found"}}));
    let wrong = sim.raw(Method::POST, "/v2/products", &[("User-Agent", "t")], "").await;
    assert_eq!(wrong.status, StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(wrong.body["success"], false);
    assert_eq!(sim.get("/v2/products/NOPE").await.status, StatusCode::NOT_FOUND);
    sim.stop().await;
}

#[tokio::test]
async fn fault_switches_inject_errors_and_429s_and_are_counted() {
    let sim = Sim::start(SimConfig { seed: 7, ..SimConfig::default() }).await;
    let switched = sim.http.post(sim.url("/sim/faults")).body(r#"{"error_rate": 1.0}"#).send().await.unwrap();
    assert_eq!(switched.status(), StatusCode::OK);
    for _ in 0..4 {
        let answer = sim.get("/v2/settings").await;
        assert!(matches!(answer.status.as_u16(), 500 | 503), "{}", answer.status);
        assert_eq!(answer.body, json!({"success": false, "error": {"code": "unavailable"}}));
    }
    sim.handle.faults().update(FaultsUpdate {
        error_rate: Some(0.0),
        force_429: Some(2),
        latency_ms: Some(5),
        ..FaultsUpdate::default()
    });
    for _ in 0..2 {
        let answer = sim.get("/v2/settings").await;
        assert_eq!(answer.status, StatusCode::TOO_MANY_REQUESTS);
        assert!(answer.headers.contains_key("x-rate-limit-reset"));
    }
    assert_eq!(sim.get("/v2/settings").await.status, StatusCode::OK);
    let stats = sim.get("/sim/stats").await.body;
    assert_eq!(stats["injected_errors"], 4);
    assert_eq!(stats["rate_limited"], 2);
    assert_eq!(stats["requests"], 7);
    assert!(stats["sent"].is_object());
    let faults = sim.get("/sim/faults").await.body;
    assert_eq!(faults["latency_ms"], 5);
    assert_eq!(faults["error_rate"], 0.0);
    assert_eq!(faults["force_429"], 0);
    assert_eq!(faults["stall"], false);
    sim.stop().await;
}
