//! delta-core's socket client on the sim's private socket (`/ws`): `key-auth`, the private channels'
//! typed events for a REST market order in REFERENCE 10's order (`orders` fill update, `v2/user_trades`,
//! `positions`, `margins`), re-authentication and resubscription after a dropped connection, a refused
//! key without a tight retry loop, and the legacy `l2_updates` book recovering after drops.
//!
//! The generator is off (`rate: 0`): everything moves through REST orders, so values are exact.

use std::time::Duration;

use crate::common::Sim;
use crate::ws_client_common::{market_order, Followed, LIMIT, SYMBOL};
use delta_core::config::Credentials;
use delta_core::model::{LiquidityRole, OrderState, Side};
use delta_core::parse::EventAction;
use delta_core::ws::{Endpoint, GapReason, MarketEvent, WsClient, WsConfig, WsEventKind, WsEvents};
use delta_core::Decimal;
use delta_sim::{FaultsUpdate, SimConfig};
use serde_json::{json, Value};

/// A quiet sim with only [`SYMBOL`].
async fn quiet_sim() -> Sim {
    Sim::start(SimConfig { rate: 0, symbols: vec![SYMBOL.into()], ..SimConfig::default() }).await
}

/// A private-socket client with `secret` and fast backoff.
fn private_config(sim: &Sim, secret: &str) -> WsConfig {
    WsConfig {
        credentials: Some(Credentials::new(sim.handle.api_key(), secret).unwrap()),
        backoff_base: Duration::from_millis(5),
        backoff_cap: Duration::from_millis(50),
        resubscribe_delay: Duration::from_millis(50),
        ..WsConfig::new(sim.handle.ws_url(), Endpoint::Private)
    }
}

fn set_drop_every(sim: &Sim, every: u32) {
    sim.handle.faults().update(FaultsUpdate { drop_every: Some(every), ..FaultsUpdate::default() });
}

async fn next_kind(events: &mut WsEvents) -> WsEventKind {
    tokio::time::timeout(LIMIT, events.recv()).await.expect("an event in time").expect("queue open").kind
}

/// Reads events until `done` holds for the ones read so far; returns them.
async fn read_until(events: &mut WsEvents, what: &str, done: impl Fn(&[WsEventKind]) -> bool) -> Vec<WsEventKind> {
    let mut read = Vec::new();
    tokio::time::timeout(LIMIT, async {
        while !done(&read) {
            read.push(next_kind(events).await);
        }
    })
    .await
    .unwrap_or_else(|_| panic!("gave up waiting for {what}: {read:?}"));
    read
}

/// Whether a connection delivered the `orders` snapshot and then the `positions` snapshot without being
/// lost in between (with `drop_every` 1 a connection would be dropped right after the first).
fn snapshots_on_one_connection(read: &[WsEventKind]) -> bool {
    let mut orders_snapshot = false;
    for kind in read {
        match kind {
            WsEventKind::Market(MarketEvent::SnapshotEnd { channel: "orders", .. }) => orders_snapshot = true,
            WsEventKind::Market(MarketEvent::SnapshotEnd { channel: "positions", .. }) if orders_snapshot => {
                return true
            }
            WsEventKind::Disconnected { .. } => orders_snapshot = false,
            _ => {}
        }
    }
    false
}

fn count(read: &[WsEventKind], wanted: impl Fn(&WsEventKind) -> bool) -> usize {
    read.iter().filter(|kind| wanted(kind)).count()
}

fn decimal(value: &Value) -> Decimal {
    value.as_str().expect("a decimal string").parse().expect("a decimal")
}

/// Places a market buy of `size` and checks the typed events it produces, in order: the `orders` fill
/// update, the fill, the position, the margin; all consistent with the REST answer and the wallet.
/// Returns the fill's sequence number.
async fn market_buy_streams_in_order(sim: &Sim, events: &mut WsEvents, size: u64, position: i64) -> Option<u64> {
    let placed = market_order(sim, "buy", size).await;
    let read = read_until(events, "the margin update", |read| {
        read.last().is_some_and(|kind| matches!(kind, WsEventKind::Market(MarketEvent::Margin(_))))
    })
    .await;
    // The market order's own `create` may come first; it is not part of the fill sequence.
    let sequence: Vec<&MarketEvent> = read
        .iter()
        .filter_map(|kind| match kind {
            WsEventKind::Market(MarketEvent::Order(order)) if order.action == EventAction::Create => None,
            WsEventKind::Market(market) => Some(market),
            other => panic!("unexpected event {other:?}"),
        })
        .collect();
    let [MarketEvent::Order(order), MarketEvent::Fill(fill), MarketEvent::Position(held), MarketEvent::Margin(margin)] =
        sequence.as_slice()
    else {
        panic!("expected order, fill, position, margin: {sequence:?}");
    };
    let order_id = placed["id"].as_u64().unwrap();
    let average = decimal(&placed["average_fill_price"]);
    assert_eq!((order.action, order.reason.as_deref()), (EventAction::Update, Some("fill")));
    assert_eq!(
        (&*order.symbol, order.order_id, order.side, order.state),
        (SYMBOL, order_id, Side::Buy, OrderState::Closed)
    );
    assert_eq!((order.size, order.unfilled_size, order.average_fill_price), (size, 0, Some(average)));
    assert_eq!(
        (&*fill.symbol, &*fill.order_id, fill.side, fill.size),
        (SYMBOL, &*order_id.to_string(), Side::Buy, size)
    );
    assert_eq!((fill.price, fill.role), (average, LiquidityRole::Taker), "one fill at the best ask");
    assert_eq!((held.action, &*held.symbol, held.size), (EventAction::Update, SYMBOL, position));
    let wallet = sim.private_get("/v2/wallet/balances", "").await.body;
    let asset = wallet["result"]
        .as_array()
        .unwrap()
        .iter()
        .find(|balance| balance["asset_symbol"] == margin.balance.asset_symbol.as_str())
        .unwrap_or_else(|| panic!("{} in {wallet}", margin.balance.asset_symbol));
    assert_eq!(margin.balance.balance, decimal(&asset["balance"]), "the margin event carries the wallet's balance");
    assert_eq!(margin.balance.available_balance, decimal(&asset["available_balance"]));
    fill.sequence
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn private_events_survive_a_dropped_connection() {
    let sim = quiet_sim().await;
    let (client, mut events) = WsClient::connect(private_config(&sim, sim.handle.api_secret())).unwrap();
    for (channel, symbols) in
        [("orders", &[SYMBOL][..]), ("v2/user_trades", &[SYMBOL]), ("positions", &[SYMBOL]), ("margins", &[])]
    {
        client.subscribe(channel, symbols).unwrap();
    }
    let read = read_until(&mut events, "key-auth and both snapshots", snapshots_on_one_connection).await;
    assert_eq!(read[..2], [WsEventKind::Connected, WsEventKind::Authenticated]);
    assert_eq!(market_buy_streams_in_order(&sim, &mut events, 10, 10).await, Some(1));

    // Drop the connection on the next data frame: the `orders` create of a resting limit order.
    set_drop_every(&sim, 1);
    let best_bid = sim.book(SYMBOL).await["b"][0][0].clone();
    let resting = json!({"product_symbol": SYMBOL, "size": 1, "side": "buy", "order_type": "limit_order",
                         "limit_price": best_bid});
    assert_eq!(sim.post("/v2/orders", &resting).await.status, reqwest::StatusCode::OK);
    let lost = read_until(&mut events, "the drop", |read| {
        read.iter().any(|kind| matches!(kind, WsEventKind::Disconnected { .. }))
    })
    .await;
    assert!(
        matches!(&lost[0], WsEventKind::Market(MarketEvent::Order(order)) if order.action == EventAction::Create),
        "{lost:?}"
    );
    set_drop_every(&sim, 0);
    let again = read_until(&mut events, "the re-authenticated snapshots", snapshots_on_one_connection).await;
    assert!(count(&again, |kind| *kind == WsEventKind::Authenticated) >= 1, "{again:?}");
    assert!(count(&again, |kind| matches!(kind, WsEventKind::Resubscribed { channels: 4 })) >= 1, "{again:?}");
    assert!(!again.iter().any(|kind| matches!(kind, WsEventKind::AuthFailed { .. })));

    // `se` goes on from the first fill: the sim did not restart.
    assert_eq!(market_buy_streams_in_order(&sim, &mut events, 5, 15).await, Some(2));
    client.close().await;
    sim.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_secret_is_refused_without_a_tight_loop() {
    let sim = quiet_sim().await;
    let retry = Duration::from_millis(200);
    let config = WsConfig { auth_retry_delay: retry, ..private_config(&sim, "not-the-secret") };
    let (client, mut events) = WsClient::connect(config).unwrap();
    let mut refusals = Vec::new();
    tokio::time::timeout(LIMIT, async {
        while refusals.len() < 3 {
            let event = events.recv().await.expect("queue open");
            match event.kind {
                WsEventKind::AuthFailed { status_code, status } => {
                    assert_eq!((status_code, status.as_str()), (Some(401), "invalid_signature"));
                    refusals.push(event.received_ns);
                }
                WsEventKind::Authenticated => panic!("a wrong secret was accepted"),
                _ => {}
            }
        }
    })
    .await
    .expect("three refusals");
    // Each retry waits at least `auth_retry_delay` after a refusal (a lower bound the client guarantees).
    for pair in refusals.windows(2) {
        assert!(pair[1] - pair[0] >= retry.as_nanos() as u64, "retried after {} ns", pair[1] - pair[0]);
    }
    client.close().await;
    let mut rest = Vec::new();
    while let Some(event) = events.try_recv() {
        rest.push(event.kind);
    }
    let refused = refusals.len() + count(&rest, |kind| matches!(kind, WsEventKind::AuthFailed { .. }));
    let stats = sim.handle.stats();
    assert_eq!(stats.auth_failures, refused as u64, "one key-auth per refusal");
    assert!(stats.ws_connections as usize <= refused + 1, "one handshake per refusal: {}", stats.ws_connections);
    sim.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn legacy_l2_updates_recover_on_the_private_socket() {
    let sim = quiet_sim().await;
    let (client, mut events) = WsClient::connect(private_config(&sim, sim.handle.api_secret())).unwrap();
    client.subscribe("l2_updates", &[SYMBOL]).unwrap();
    let mut followed = Followed::default();
    followed.until(&mut events, "the first snapshot", |f| f.seq.is_some()).await;
    assert_eq!(followed.authenticated, 1);

    // The snapshot was data frame 1: the next update is frame 2 and drops the connection; after the
    // reconnect the fresh snapshot is frame 1 of the new connection.
    set_drop_every(&sim, 2);
    followed.trade_until(&sim, &mut events, |f| !(f.disconnects.is_empty() || f.resyncs == 0 || f.invalid)).await;
    set_drop_every(&sim, 0);
    followed.converge(&sim, &mut events).await;
    assert!(followed.gaps.iter().all(|gap| *gap == GapReason::Reconnect), "{:?}", followed.gaps);
    assert_eq!(followed.authenticated, followed.connected, "every connection authenticated again");
    assert!(followed.resubscribed >= 1);
    client.close().await;
    sim.stop().await;
}
