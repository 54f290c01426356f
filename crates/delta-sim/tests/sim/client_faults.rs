//! delta-core's REST client against delta-sim's fault switches: forced 429s, injected 5xx and added
//! latency, checking the retry policy of the module docs of `delta_core::http` (GETs retried, mutations
//! never, an order placement of unknown outcome settled by `client_order_id`).

use std::time::Duration;

use crate::client_common::{best, client, d, signed_config, signed_sim, start, sub};
use delta_core::http::OpenOrdersQuery;
use delta_core::model::{CreateOrderRequest, Side};
use delta_core::{ApiErrorCode, DeltaError};
use delta_sim::gateway::FORCED_429_RESET_MS;
use delta_sim::{Faults, FaultsUpdate, SimConfig};

const BTCUSD: u64 = 27;

#[tokio::test]
async fn client_waits_out_forced_429s_on_gets_and_returns_them_on_mutations() {
    let (sim, client) = signed_sim().await;
    let (bid, _) = best(&client, "BTCUSD", Side::Buy).await;
    let order = CreateOrderRequest::limit(BTCUSD, Side::Buy, 1, sub(bid, d("1000")));

    sim.faults().update(FaultsUpdate { force_429: Some(1), ..FaultsUpdate::default() });
    assert_eq!(client.assets().await.unwrap().len(), 3, "the GET waited out the reset and was answered");
    let stats = sim.stats();
    assert_eq!((stats.rate_limited, stats.requests), (1, 3), "book, refused assets, retried assets");
    assert_eq!(client.rate_limit_status().rate_limited, 1);

    sim.faults().update(FaultsUpdate { force_429: Some(1), ..FaultsUpdate::default() });
    let err = client.place_order(&order).await.unwrap_err();
    let DeltaError::RateLimited { endpoint, reset_after } = err else { panic!("{err:?}") };
    assert_eq!((endpoint.as_str(), reset_after), ("POST /v2/orders", Duration::from_millis(FORCED_429_RESET_MS)));
    let stats = sim.stats();
    assert_eq!((stats.rate_limited, stats.requests, stats.orders_received), (2, 4, 0), "not retried, not placed");
    assert_eq!(sim.faults().get().force_429, 0);

    client.place_order(&order).await.unwrap();
    assert_eq!(sim.stats().orders_received, 1);
    sim.shutdown().await.unwrap();
}

#[tokio::test]
async fn client_retries_injected_5xx_on_gets_and_never_on_mutations() {
    // The sim draws its 5xx from a generator seeded by `seed`: the same sequence on every run.
    let faults = Faults { error_rate: 0.5, ..Faults::default() };
    let sim = start(SimConfig { seed: 7, faults, ..SimConfig::default() }).await;
    let mut config = signed_config(&sim);
    config.max_retries = 10;
    let client = client(config);

    for _ in 0..20 {
        assert_eq!(client.ticker("BTCUSD").await.unwrap().product_id, BTCUSD);
    }
    let stats = sim.stats();
    assert!(stats.injected_errors > 0, "{stats:?}");
    assert_eq!(stats.requests, 20 + stats.injected_errors, "every injected 5xx was followed by one retry");

    sim.faults().update(FaultsUpdate { error_rate: Some(1.0), ..FaultsUpdate::default() });
    let before = sim.stats();
    let err = client.place_order(&CreateOrderRequest::market(BTCUSD, Side::Buy, 1)).await.unwrap_err();
    assert!(err.is_retryable(), "a 5xx, which a GET would retry: {err}");
    let DeltaError::Api { status, code, .. } = err else { panic!("{err:?}") };
    assert!(status == 500 || status == 503, "{status}");
    assert_eq!(code, ApiErrorCode::Unavailable);
    let after = sim.stats();
    assert_eq!(after.requests, before.requests + 1, "the placement was sent exactly once");
    assert_eq!(after.injected_errors, before.injected_errors + 1);
    // The sim injects its 5xx at the gateway, before the order handler: nothing reached the engine.
    assert_eq!(after.orders_received, before.orders_received);

    sim.faults().update(FaultsUpdate { error_rate: Some(0.0), ..FaultsUpdate::default() });
    assert_eq!(client.position(BTCUSD).await.unwrap().size, 0);
    sim.shutdown().await.unwrap();
}

#[tokio::test]
async fn client_settles_a_timed_out_placement_by_client_order_id_without_duplicates() {
    let sim = start(SimConfig::default()).await;
    let mut config = signed_config(&sim);
    config.timeout = Duration::from_millis(150);
    config.max_retries = 0;
    config.order_lookup_attempts = 2;
    let client = client(config);
    let (bid, _) = best(&client, "BTCUSD", Side::Buy).await;
    let order = CreateOrderRequest::limit(BTCUSD, Side::Buy, 1, sub(bid, d("1000")));
    let with_id = order.clone().with_client_order_id("slow-1");

    sim.faults().update(FaultsUpdate { latency_ms: Some(500), ..FaultsUpdate::default() });
    let before = sim.stats();
    let err = client.place_order(&with_id).await.unwrap_err();
    // The sim delays a request before handling it and stops handling it when the client hangs up (hyper
    // drops the handler of a closed connection), so the timed-out placement was never made and the
    // look-ups (which time out as well here) cannot find it.
    let DeltaError::OrderStateUnknown { client_order_id, reason } = err else { panic!("{err:?}") };
    assert_eq!(client_order_id, "slow-1");
    assert!(reason.contains("timeout on POST /v2/orders") && reason.contains("2 look-up(s)"), "{reason}");
    let stats = sim.stats();
    assert_eq!(stats.requests, before.requests + 3, "one placement, two look-ups by client_order_id");
    assert_eq!(stats.orders_received, 0);

    // Without a client_order_id nothing can settle the outcome: the timeout itself is returned.
    let err = client.place_order(&order).await.unwrap_err();
    assert!(matches!(err, DeltaError::Timeout { ref endpoint, .. } if endpoint == "POST /v2/orders"), "{err:?}");
    assert_eq!(sim.stats().requests, stats.requests + 1, "no look-up without a client_order_id");

    sim.faults().update(FaultsUpdate { latency_ms: Some(0), ..FaultsUpdate::default() });
    let err = client.order_by_client_order_id("slow-1").await.unwrap_err();
    assert!(matches!(err, DeltaError::Api { status: 404, .. }), "{err:?}");
    // Resubmitting with the same client_order_id is safe: one order, and a second copy is refused.
    let placed = client.place_order(&with_id).await.unwrap();
    let duplicate = client.place_order(&with_id).await.unwrap_err();
    assert_eq!(duplicate.api_code(), Some(&ApiErrorCode::BadSchema), "{duplicate}");
    let open = client.open_orders(&OpenOrdersQuery::default()).await.unwrap().items;
    assert_eq!(open.iter().map(|order| order.id).collect::<Vec<_>>(), vec![placed.id]);
    assert_eq!(client.order_by_client_order_id("slow-1").await.unwrap().id, placed.id);
    sim.shutdown().await.unwrap();
}
