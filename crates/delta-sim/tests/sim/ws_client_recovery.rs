//! delta-core's socket client against the sim's public socket when the connection itself fails: a
//! stalled socket (the watchdog declares it dead), and the handshake budget (HTTP 429 from the sim, and
//! the client's own budget keeping it below the sim's). Every test ends with the client's verified book
//! equal to the sim's true book.
//!
//! Timings are milliseconds through `WsConfig` and `SimConfig`; the generator is off (`rate: 0`), so the
//! book moves only through REST market orders and the final comparison is exact.

use std::time::Duration;

use crate::common::Sim;
use crate::ws_client_common::{handshakes, market_order, Followed, SYMBOL};
use delta_core::ws::{ConnectBudget, Endpoint, GapReason, WsClient, WsConfig, WsEventKind, WsEvents};
use delta_sim::{Faults, FaultsUpdate, SimConfig};

const BACKOFF_BASE: Duration = Duration::from_millis(20);
const BACKOFF_CAP: Duration = Duration::from_millis(200);

/// A quiet sim with only [`SYMBOL`].
async fn quiet_sim(config: SimConfig) -> Sim {
    Sim::start(SimConfig { rate: 0, symbols: vec![SYMBOL.into()], ..config }).await
}

/// A public-socket client with fast backoff.
fn fast_config(sim: &Sim) -> WsConfig {
    WsConfig {
        backoff_base: BACKOFF_BASE,
        backoff_cap: BACKOFF_CAP,
        resubscribe_delay: Duration::from_millis(50),
        ..WsConfig::new(sim.handle.public_ws_url(), Endpoint::Public)
    }
}

/// Connects, subscribes `ob_updates` for [`SYMBOL`] and waits for its first snapshot.
async fn follow(config: WsConfig) -> (WsClient, WsEvents, Followed) {
    follow_with(config, None).await
}

async fn follow_with(config: WsConfig, budget: Option<ConnectBudget>) -> (WsClient, WsEvents, Followed) {
    let (client, mut events) = match budget {
        Some(budget) => WsClient::connect_with_budget(config, budget),
        None => WsClient::connect(config),
    }
    .unwrap();
    client.subscribe("ob_updates", &[SYMBOL]).unwrap();
    let mut followed = Followed::default();
    followed.until(&mut events, "the first snapshot", |f| f.seq.is_some()).await;
    (client, events, followed)
}

fn clear_drops(sim: &Sim) {
    sim.handle.faults().update(FaultsUpdate { drop_every: Some(0), ..FaultsUpdate::default() });
}

/// Checks that every refused handshake was followed by a `Reconnecting` before the next attempt, that
/// consecutive refusals count up the backoff (`attempt` +1 each, delay within its ceiling), and returns
/// the number of refusals.
fn assert_refusals_back_off(followed: &Followed) -> usize {
    let mut refusals = 0;
    let mut last_attempt = 0;
    let mut after_refusal = false;
    for kind in &followed.lifecycle {
        match kind {
            WsEventKind::Disconnected { reason } if reason.contains("429") => {
                assert!(!after_refusal, "a handshake without a backoff after a refusal: {:?}", followed.lifecycle);
                refusals += 1;
                after_refusal = true;
            }
            WsEventKind::Reconnecting { attempt, delay } => {
                if after_refusal {
                    assert_eq!(*attempt, last_attempt + 1, "each refusal adds one failure");
                }
                let ceiling = delta_core::backoff::ceiling(BACKOFF_BASE, BACKOFF_CAP, attempt - 1);
                assert!(*delay <= ceiling, "{delay:?} above the ceiling of attempt {attempt}");
                last_attempt = *attempt;
                after_refusal = false;
            }
            WsEventKind::Connected => after_refusal = false,
            _ => {}
        }
    }
    refusals
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stalled_socket_is_declared_dead_and_the_book_rebuilt() {
    let sim = quiet_sim(SimConfig { heartbeat_period: Duration::from_millis(100), ..SimConfig::default() }).await;
    // A watchdog of ten heartbeat periods: a loaded CI machine must not trip it before the stall.
    let config = WsConfig { heartbeat_timeout: Duration::from_millis(1000), ..fast_config(&sim) };
    let (client, mut events, mut followed) = follow(config).await;

    // Heartbeats keep the quiet connection alive well past the watchdog.
    tokio::time::timeout(crate::ws_client_common::LIMIT, async {
        while sim.handle.stats().sent.get("heartbeat").and_then(|by_symbol| by_symbol.get("")) < Some(&5) {
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    })
    .await
    .expect("heartbeats");
    while let Some(event) = events.try_recv() {
        followed.take(event);
    }
    assert!(followed.disconnects.is_empty(), "{:?}", followed.disconnects);

    sim.handle.faults().update(FaultsUpdate { stall: Some(true), ..FaultsUpdate::default() });
    // The book moves while the client sees nothing.
    market_order(&sim, "sell", 500).await;
    followed.until(&mut events, "the watchdog and its gap", |f| !f.gaps.is_empty()).await;
    assert!(followed.disconnects[0].contains("watchdog"), "{:?}", followed.disconnects);
    assert_eq!(followed.disconnects.len(), 1);
    assert!(followed.invalid && followed.gaps == [GapReason::Reconnect], "{:?}", followed.gaps);

    sim.handle.faults().update(FaultsUpdate { stall: Some(false), ..FaultsUpdate::default() });
    followed.until(&mut events, "the resync", |f| f.resyncs >= 1).await;
    assert!(followed.resubscribed >= 1 && followed.connected >= 2);
    assert!(followed.gaps.iter().all(|gap| *gap == GapReason::Reconnect), "{:?}", followed.gaps);
    followed.converge(&sim, &mut events).await;
    assert!(sim.handle.stats().faults_injected.get("stall").copied().unwrap_or(0) >= 1);
    client.close().await;
    sim.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refused_handshakes_back_off_until_the_window_passes() {
    let sim = quiet_sim(SimConfig {
        ws_connection_budget: 3,
        ws_connection_window: Duration::from_secs(2),
        faults: Faults { drop_every: 1, ..Faults::default() },
        ..SimConfig::default()
    })
    .await;
    // Every connection is dropped after its snapshot: the client spends the sim's budget reconnecting.
    let (client, mut events, mut followed) = follow(fast_config(&sim)).await;
    followed.until(&mut events, "three refused handshakes", |f| f.disconnects_with("429") >= 3).await;
    clear_drops(&sim);
    followed.until(&mut events, "a connection after the window", |f| f.resyncs >= 1 && !f.invalid).await;
    followed.converge(&sim, &mut events).await;

    let (accepted, refused) = handshakes(&sim).await;
    assert!(accepted >= 4, "the budget of 3 was spent and the next window admitted more: {accepted}");
    assert_eq!(accepted, followed.connected as u64, "every accepted handshake is a Connected");
    assert_eq!(refused, followed.disconnects_with("429") as u64, "every refused handshake is reported");
    assert_eq!(assert_refusals_back_off(&followed), refused as usize);
    // A 2 s window at backoff ceilings up to 200 ms: a tight loop would make thousands of attempts.
    assert!(refused < 60, "{refused} refused handshakes");
    client.close().await;
    sim.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_first_handshake_backs_off_too() {
    let sim = quiet_sim(SimConfig {
        ws_connection_budget: 1,
        ws_connection_window: Duration::from_secs(1),
        ..SimConfig::default()
    })
    .await;
    // Someone else on this IP spends the budget before the client ever connects.
    let (other, _) = tokio_tungstenite::connect_async(sim.handle.public_ws_url()).await.unwrap();
    let (client, mut events) = WsClient::connect(fast_config(&sim)).unwrap();
    client.subscribe("ob_updates", &[SYMBOL]).unwrap();
    let mut followed = Followed::default();
    followed.until(&mut events, "a refusal", |f| f.disconnects_with("429") >= 1).await;
    followed.until(&mut events, "the first snapshot", |f| f.seq.is_some()).await;
    followed.converge(&sim, &mut events).await;

    let (accepted, refused) = handshakes(&sim).await;
    assert_eq!(accepted, 2, "the other socket and the client");
    assert_eq!(assert_refusals_back_off(&followed), refused as usize);
    assert!(refused < 60, "{refused} refused handshakes");
    drop(other);
    client.close().await;
    sim.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_clients_own_budget_keeps_it_below_the_sims() {
    let window = Duration::from_secs(1);
    let sim = quiet_sim(SimConfig {
        ws_connection_budget: 4,
        ws_connection_window: window,
        faults: Faults { drop_every: 1, ..Faults::default() },
        ..SimConfig::default()
    })
    .await;
    // Two attempts per sliding window on the client against four per fixed window on the sim: any
    // fixed window holds at most two client handshakes, and the spare two absorb the delay between the
    // client taking an attempt and the sim counting it.
    let budget = ConnectBudget::new(2, window);
    let (client, mut events, mut followed) = follow_with(fast_config(&sim), Some(budget)).await;
    followed.until(&mut events, "five connections", |f| f.connected >= 5).await;
    clear_drops(&sim);
    followed.converge(&sim, &mut events).await;

    let (accepted, refused) = handshakes(&sim).await;
    assert_eq!(refused, 0, "the sim never answered 429");
    assert_eq!(accepted, followed.connected as u64);
    assert_eq!(followed.disconnects_with("429"), 0);
    let budget_waits = followed
        .lifecycle
        .iter()
        .filter(|kind| matches!(kind, WsEventKind::Reconnecting { delay, .. } if *delay > BACKOFF_CAP))
        .count();
    assert!(budget_waits >= 1, "the client waited for its own budget: {:?}", followed.lifecycle);
    client.close().await;
    sim.stop().await;
}
