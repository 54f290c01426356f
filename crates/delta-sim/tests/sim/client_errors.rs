//! delta-core's REST client against delta-sim: Delta's refusals arrive as typed errors (post-only,
//! unknown order, reduce-only, margin), local refusals send nothing, and authentication fails the way
//! Delta's gateway answers (wrong secret, unknown key, expired signature, missing User-Agent, no
//! credentials).

use std::time::Duration;

use crate::client_common::{best, client, d, public_config, signed_config, signed_sim, start, sub};
use delta_core::auth::{unix_seconds, Signer};
use delta_core::config::Credentials;
use delta_core::error::ErrorBody;
use delta_core::model::{CancelOrderRequest, CreateOrderRequest, Side, MAX_CLIENT_ORDER_ID_LEN};
use delta_core::{ApiErrorCode, DeltaError};
use delta_sim::{Faults, SimConfig};
use serde_json::Value;

const BTCUSD: u64 = 27;

/// The status and code of an API error (panics on any other error).
fn status_and_code(error: DeltaError) -> (u16, ApiErrorCode) {
    match error {
        DeltaError::Api { status, code, .. } => (status, code),
        other => panic!("expected an API error, got {other:?}"),
    }
}

#[tokio::test]
async fn client_types_exchange_refusals_as_api_errors() {
    let (sim, client) = signed_sim().await;
    let (ask, _) = best(&client, "BTCUSD", Side::Sell).await;
    let (bid, _) = best(&client, "BTCUSD", Side::Buy).await;

    let post_only = CreateOrderRequest::limit(BTCUSD, Side::Buy, 1, ask).with_post_only(true);
    let err = client.place_order(&post_only).await.unwrap_err();
    assert_eq!(status_and_code(err), (400, ApiErrorCode::ImmediateExecutionPostOnly));

    let err = client.cancel_order(&CancelOrderRequest::by_id(884_000_000, BTCUSD)).await.unwrap_err();
    assert_eq!(status_and_code(err), (400, ApiErrorCode::OpenOrderNotFound));
    let err = client.cancel_order(&CancelOrderRequest::by_client_order_id("never-sent", BTCUSD)).await.unwrap_err();
    assert_eq!(status_and_code(err), (400, ApiErrorCode::OpenOrderNotFound));

    let reduce_only = CreateOrderRequest::market(BTCUSD, Side::Sell, 1).with_reduce_only(true);
    let err = client.place_order(&reduce_only).await.unwrap_err();
    assert_eq!(status_and_code(err), (400, ApiErrorCode::NoPositionForReduceOnly));

    // 200 000 contracts of 0.001 BTC at ~68 000 USD need ~1.36 M USD of margin at leverage 10.
    let huge = CreateOrderRequest::limit(BTCUSD, Side::Buy, 200_000, sub(bid, d("100")));
    let err = client.place_order(&huge).await.unwrap_err();
    assert!(err.to_string().contains("insufficient_margin"), "{err}");
    let DeltaError::Api { status, code, context, endpoint, .. } = err else { panic!("{err:?}") };
    assert_eq!((status, code, endpoint.as_str()), (400, ApiErrorCode::InsufficientMargin, "POST /v2/orders"));
    let context: Value = serde_json::from_str(&context.unwrap()).unwrap();
    assert_eq!(context["available_balance"].as_str().and_then(|text| text.parse().ok()), Some(d("100000")));
    let missing: delta_core::Decimal = context["required_additional_balance"].as_str().unwrap().parse().unwrap();
    assert!(missing > d("1000000"), "{missing}");

    let err = client.order(1).await.unwrap_err();
    assert_eq!(status_and_code(err), (404, ApiErrorCode::Other("not_found".into())));
    assert!(client.open_orders(&Default::default()).await.unwrap().items.is_empty(), "nothing was placed");
    sim.shutdown().await.unwrap();
}

#[tokio::test]
async fn client_refuses_a_client_order_id_over_32_characters_before_sending() {
    let (sim, client) = signed_sim().await;
    let (bid, _) = best(&client, "BTCUSD", Side::Buy).await;
    let before = sim.stats();
    let too_long = "x".repeat(MAX_CLIENT_ORDER_ID_LEN + 1);
    let request = CreateOrderRequest::limit(BTCUSD, Side::Buy, 1, sub(bid, d("100"))).with_client_order_id(&too_long);
    let err = client.place_order(&request).await.unwrap_err();
    assert!(matches!(&err, DeltaError::InvalidRequest(message) if message.contains("client_order_id")), "{err}");
    assert!(matches!(client.order_by_client_order_id(&too_long).await, Err(DeltaError::InvalidRequest(_))));
    let zero = CreateOrderRequest::limit(BTCUSD, Side::Buy, 0, bid);
    assert!(matches!(client.place_order(&zero).await, Err(DeltaError::InvalidRequest(_))));
    let after = sim.stats();
    assert_eq!((after.requests, after.orders_received), (before.requests, before.orders_received));

    let exactly_32 = "y".repeat(MAX_CLIENT_ORDER_ID_LEN);
    let request = request.with_client_order_id(&exactly_32);
    assert_eq!(client.place_order(&request).await.unwrap().client_order_id, Some(exactly_32));
    assert_eq!(sim.stats().orders_received, before.orders_received + 1);
    sim.shutdown().await.unwrap();
}

#[tokio::test]
async fn client_with_a_wrong_secret_or_an_unknown_key_fails_as_delta_answers() {
    let sim = start(SimConfig::default()).await;

    let wrong_secret = Credentials::new(sim.api_key(), "not-the-secret").unwrap();
    let wrong = client(public_config(&sim).with_credentials(Some(wrong_secret)));
    let err = wrong.wallet_balances().await.unwrap_err();
    assert!(err.is_auth(), "{err}");
    assert_eq!(status_and_code(err), (401, ApiErrorCode::SignatureMismatch));

    let unknown_key = Credentials::new("no-such-key", sim.api_secret()).unwrap();
    let unknown = client(public_config(&sim).with_credentials(Some(unknown_key)));
    let err = unknown.place_order(&CreateOrderRequest::market(BTCUSD, Side::Buy, 1)).await.unwrap_err();
    let DeltaError::Api { status, code, message, .. } = err else { panic!("{err:?}") };
    assert_eq!((status, code), (401, ApiErrorCode::InvalidApiKeyGateway));
    assert_eq!(message.as_deref(), Some("Api Key not found"), "the gateway shape carries a message");

    let stats = sim.stats();
    assert_eq!((stats.auth_failures, stats.orders_received), (2, 0));
    // Public endpoints need no valid signature: they are never signed.
    assert_eq!(unknown.assets().await.unwrap().len(), 3);
    sim.shutdown().await.unwrap();
}

#[tokio::test]
async fn client_sees_an_expired_signature_refused_raw_and_through_the_client() {
    let sim = start(SimConfig::default()).await;
    let signer = Signer::from_parts(sim.api_key(), sim.api_secret());
    let old = (unix_seconds() - 60).to_string();
    let signature = signer.sign("GET", &old, "/v2/wallet/balances", "", b"");
    let response = reqwest::Client::new()
        .get(format!("{}/v2/wallet/balances", sim.rest_url()))
        .header("User-Agent", "client-tests")
        .header("api-key", sim.api_key())
        .header("timestamp", &old)
        .header("signature", signature.as_str())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 401);
    let body = ErrorBody::parse(&response.bytes().await.unwrap()).unwrap();
    assert_eq!(body.code, ApiErrorCode::SignatureExpired);
    assert_eq!(body.message.as_deref(), Some("your signature has expired"));
    sim.shutdown().await.unwrap();

    // Through the client: a sim that accepts no clock difference at all and delays every request by
    // more than a second, so the whole-second timestamp is always stale when it is checked.
    let faults = Faults { latency_ms: 1_100, ..Faults::default() };
    let sim = start(SimConfig { signature_window: Duration::ZERO, faults, ..SimConfig::default() }).await;
    let client = client(signed_config(&sim));
    let err = client.wallet_balances().await.unwrap_err();
    assert_eq!(status_and_code(err), (401, ApiErrorCode::SignatureExpired));
    assert_eq!(sim.stats().requests, 1, "a 401 is not retried");
    sim.shutdown().await.unwrap();
}

#[tokio::test]
async fn client_without_credentials_sends_nothing_and_no_user_agent_is_blocked() {
    let sim = start(SimConfig::default()).await;
    // reqwest sends no User-Agent unless told to.
    let response = reqwest::Client::new().get(format!("{}/v2/assets", sim.rest_url())).send().await.unwrap();
    assert_eq!(response.status().as_u16(), 403);
    let body = ErrorBody::parse(&response.bytes().await.unwrap()).unwrap();
    assert_eq!((body.code, body.message.as_deref()), (ApiErrorCode::Forbidden, Some("Request blocked by CDN")));

    let client = client(public_config(&sim));
    assert!(!client.credentials_configured());
    assert_eq!(client.ticker("BTCUSD").await.unwrap().product_id, BTCUSD);
    let before = sim.stats().requests;
    let err = client.wallet_balances().await.unwrap_err();
    assert!(matches!(&err, DeltaError::Config(message) if message.contains("GET /v2/wallet/balances")), "{err}");
    let err = client.place_order(&CreateOrderRequest::market(BTCUSD, Side::Buy, 1)).await.unwrap_err();
    assert!(matches!(err, DeltaError::Config(_)), "{err}");
    assert_eq!(sim.stats().requests, before, "private calls without credentials never leave the process");
    sim.shutdown().await.unwrap();
}
