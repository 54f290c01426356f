//! DESIGN section 6's proof, run against delta-sim: a client whose limiter mirrors the sim's small,
//! short fixed-window quota sends a concurrent weighted burst spanning several windows and draws no
//! 429; a client without that headroom does draw 429s, and recovers (GETs wait out
//! `X-RATE-LIMIT-RESET`, a mutation reports `RateLimited`); a GET does not wait out a reset longer than
//! `max_rate_limit_wait`.

use std::time::Duration;

use crate::client_common::{best, client, d, public_config, signed_config, start, sub};
use delta_core::http::rate_limit::{endpoint_weight, RateLimitConfig};
use delta_core::http::{DeltaHttpClient, OpenOrdersQuery, TickersQuery};
use delta_core::model::{ContractType, CreateOrderRequest, Side};
use delta_core::{DeltaError, DeltaResult};
use delta_sim::SimConfig;

/// The sim's quota and the client's mirror of it: 500 units per 1 s fixed window.
const QUOTA: u32 = 500;
const WINDOW: Duration = Duration::from_secs(1);
/// The client's burst `B`; its refill is then `r = (QUOTA - B) / WINDOW` = 400 units/s, so
/// `B + r·W = QUOTA` for every window alignment.
const BURST: u32 = 100;
const TASKS: usize = 8;
const CALLS_PER_TASK: usize = 125;

/// Call `n` of the burst: four weight-1 and four weight-3 public GETs in turn. Returns the weight.
async fn weighted_call(client: &DeltaHttpClient, n: usize) -> DeltaResult<u32> {
    let path = match n % 8 {
        0 => client.assets().await.map(|_| "/v2/assets")?,
        1 => client.indices().await.map(|_| "/v2/indices")?,
        2 => client.stats().await.map(|_| "/v2/stats")?,
        3 => client.settings().await.map(|_| "/v2/settings")?,
        4 => client.product("BTCUSD").await.map(|_| "/v2/products/BTCUSD")?,
        5 => client.ticker("ETHUSD").await.map(|_| "/v2/tickers/ETHUSD")?,
        6 => client.orderbook("BTCUSD", Some(5)).await.map(|_| "/v2/l2orderbook/BTCUSD")?,
        _ => {
            let perpetuals =
                TickersQuery { contract_types: vec![ContractType::PerpetualFutures], ..TickersQuery::default() };
            client.tickers(&perpetuals).await.map(|_| "/v2/tickers")?
        }
    };
    Ok(endpoint_weight("GET", path))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn client_mirroring_the_quota_never_draws_a_429_over_several_windows() {
    let sim = start(SimConfig { quota: QUOTA, quota_window: WINDOW, ..SimConfig::default() }).await;
    let mut config = public_config(&sim);
    config.rate_limit = RateLimitConfig { quota: QUOTA, window: WINDOW, burst: BURST, ..RateLimitConfig::default() };
    // Unsigned, every call is charged to the sim's one per-IP bucket: the strictest setting.
    let client = client(config);

    let tasks: Vec<_> = (0..TASKS)
        .map(|task| {
            let client = client.clone();
            tokio::spawn(async move {
                let mut units = 0;
                for call in 0..CALLS_PER_TASK {
                    units += weighted_call(&client, task * CALLS_PER_TASK + call).await.unwrap();
                }
                units
            })
        })
        .collect();
    let mut units = 0u64;
    for task in tasks {
        units += u64::from(task.await.unwrap());
    }

    let calls = TASKS * CALLS_PER_TASK;
    assert_eq!(units, 2_000, "500 calls of weight 1 and 500 of weight 3");
    // More than three quotas passed a fixed-window meter of QUOTA units without one refusal, so the
    // burst spanned at least four of its windows.
    assert!(units > 3 * u64::from(QUOTA));
    let stats = sim.stats();
    assert_eq!((stats.requests, stats.rate_limited), (u64::try_from(calls).unwrap(), 0), "{stats:?}");
    let status = client.rate_limit_status();
    assert_eq!((status.rate_limited, status.units_used, status.quota, status.burst), (0, units, QUOTA, BURST));
    assert!(!status.backing_off);
    sim.shutdown().await.unwrap();
}

#[tokio::test]
async fn client_without_headroom_draws_429s_and_recovers() {
    // The sim allows 30 units per second; the client believes in Delta's 10 000 per 5 minutes.
    let sim = start(SimConfig { quota: 30, quota_window: WINDOW, ..SimConfig::default() }).await;
    let client = client(signed_config(&sim));

    // 20 product look-ups of weight 3 need 60 units: the eleventh does not fit the first window.
    for _ in 0..20 {
        assert_eq!(client.product("BTCUSD").await.unwrap().id, 27);
    }
    let stats = sim.stats();
    assert!(stats.rate_limited >= 1, "{stats:?}");
    assert_eq!(stats.requests, 20 + stats.rate_limited, "each 429 was answered by one retry after the reset");
    let status = client.rate_limit_status();
    assert_eq!(status.rate_limited, stats.rate_limited, "the client saw every 429");
    assert_eq!(status.units_used, 3 * stats.requests, "every attempt was charged");

    // Placements (weight 5, charged to the account) are never retried: the 429 comes back typed.
    let (bid, _) = best(&client, "BTCUSD", Side::Buy).await;
    let order = CreateOrderRequest::limit(27, Side::Buy, 1, sub(bid, d("1000")));
    let mut placed = 0u64;
    let refused = loop {
        match client.place_order(&order).await {
            Ok(_) => placed += 1,
            Err(error) => break error,
        }
        assert!(placed < 100, "the sim never refused a placement");
    };
    let DeltaError::RateLimited { endpoint, reset_after } = refused else { panic!("{refused:?}") };
    assert_eq!(endpoint, "POST /v2/orders");
    assert!(reset_after > Duration::ZERO && reset_after <= WINDOW, "{reset_after:?}");
    assert_eq!(sim.stats().orders_received, placed, "the refused placement never reached the engine");
    assert_eq!(client.rate_limit_status().rate_limited, sim.stats().rate_limited);

    // The client pauses until the announced reset, then the new window serves it again.
    let open = client.open_orders(&OpenOrdersQuery::default()).await.unwrap();
    assert_eq!(u64::try_from(open.items.len()).unwrap(), placed);
    client.place_order(&order).await.unwrap();
    assert_eq!(sim.stats().orders_received, placed + 1);
    sim.shutdown().await.unwrap();
}

#[tokio::test]
async fn client_returns_a_get_429_whose_reset_is_too_long_to_wait() {
    // Delta's 5-minute window with room for one weight-3 call: the second waits ~300 s for its reset,
    // more than the client's `max_rate_limit_wait`, so the GET gives up at once.
    let sim = start(SimConfig { quota: 3, ..SimConfig::default() }).await;
    let client = client(public_config(&sim));
    client.product("BTCUSD").await.unwrap();
    let err = client.product("BTCUSD").await.unwrap_err();
    let DeltaError::RateLimited { endpoint, reset_after } = err else { panic!("{err:?}") };
    assert_eq!(endpoint, "GET /v2/products/BTCUSD");
    assert!(reset_after > Duration::from_secs(10), "{reset_after:?}");
    assert_eq!((sim.stats().requests, sim.stats().rate_limited), (2, 1), "not retried");
    let status = client.rate_limit_status();
    assert!(status.backing_off && status.remaining == 0, "{status:?}");
    assert_eq!(status.rate_limited, 1);
    sim.shutdown().await.unwrap();
}
