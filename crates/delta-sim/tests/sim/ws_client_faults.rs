//! delta-core's socket client against the sim's public socket under each fault switch: the client's
//! verified book ends equal to the sim's true book (`GET /sim/book/{symbol}`), and between a gap and
//! its resync no book update of that symbol reaches the consumer.
//!
//! The generator is off (`rate: 0`), so the book moves only through REST market orders and the final
//! comparison is exact.

use std::time::Duration;

use crate::common::Sim;
use crate::ws_client_common::{Followed, SYMBOL};
use delta_core::ws::{Endpoint, GapReason, WsClient, WsConfig};
use delta_sim::{FaultsUpdate, SimConfig};

/// Follows BTCUSD `ob_updates` through `fault`, checks the expected recovery, and ends equal to the sim.
async fn survive(fault: FaultsUpdate, recovered: impl Fn(&Followed) -> bool) -> Followed {
    let sim = Sim::start(SimConfig { rate: 0, symbols: vec![SYMBOL.into()], ..SimConfig::default() }).await;
    let config = WsConfig {
        backoff_base: Duration::from_millis(5),
        backoff_cap: Duration::from_millis(50),
        resubscribe_delay: Duration::from_millis(50),
        ..WsConfig::new(sim.handle.public_ws_url(), Endpoint::Public)
    };
    let (client, mut events) = WsClient::connect(config).unwrap();
    client.subscribe("ob_updates", &[SYMBOL]).unwrap();
    let mut followed = Followed::default();
    followed.until(&mut events, "the first snapshot", |f| f.seq.is_some()).await;

    sim.handle.faults().update(fault);
    followed.trade_until(&sim, &mut events, recovered).await;

    sim.handle.faults().update(FaultsUpdate { drop_every: Some(0), ..FaultsUpdate::default() });
    followed.converge(&sim, &mut events).await;
    client.close().await;
    sim.stop().await;
    followed
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn skipped_sequence_is_a_gap_then_a_resync() {
    let fault = FaultsUpdate { skip_seq: Some(1), ..FaultsUpdate::default() };
    let followed = survive(fault, |f| f.resynced_after(1)).await;
    assert!(matches!(followed.gaps[0], GapReason::Book(_)), "{:?}", followed.gaps);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn corrupt_checksum_is_a_gap_then_a_resync() {
    let fault = FaultsUpdate { corrupt_checksum: Some(1), ..FaultsUpdate::default() };
    let followed = survive(fault, |f| f.resynced_after(1)).await;
    assert!(matches!(&followed.gaps[0], GapReason::Book(text) if text.contains("checksum")), "{:?}", followed.gaps);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_frame_is_counted_and_the_book_recovers() {
    let fault = FaultsUpdate { malformed: Some(1), ..FaultsUpdate::default() };
    let followed = survive(fault, |f| f.decode_errors() >= 1 && f.resynced_after(1)).await;
    assert_eq!(followed.decode_errors(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn book_error_resubscribes_after_the_delay() {
    let fault = FaultsUpdate { book_error: Some("BTCUSD".into()), ..FaultsUpdate::default() };
    let followed = survive(fault, |f| f.resynced_after(1)).await;
    assert!(matches!(followed.gaps[0], GapReason::ExchangeError(_)), "{:?}", followed.gaps);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dropped_connections_reconnect_and_rebuild() {
    let fault = FaultsUpdate { drop_every: Some(2), ..FaultsUpdate::default() };
    let followed = survive(fault, |f| !f.disconnects.is_empty() && f.resynced_after(1)).await;
    assert!(followed.gaps.contains(&GapReason::Reconnect), "{:?}", followed.gaps);
}
