//! delta-core's socket client against the sim's public socket under each fault switch: the client's
//! verified book ends equal to the sim's true book (`GET /sim/book/{symbol}`), and between a gap and
//! its resync no book update of that symbol reaches the consumer.
//!
//! The generator is off (`rate: 0`), so the book moves only through REST market orders and the final
//! comparison is exact.

mod common;

use std::collections::BTreeMap;
use std::time::Duration;

use common::Sim;
use delta_core::ws::{BookUpdate, Endpoint, GapReason, MarketEvent, WsClient, WsConfig, WsEventKind, WsEvents};
use delta_core::Decimal;
use delta_sim::{FaultsUpdate, SimConfig};
use serde_json::{json, Value};

const LIMIT: Duration = Duration::from_secs(20);

/// The consumer's book, built only from the client's verified book events.
#[derive(Default)]
struct Followed {
    asks: BTreeMap<Decimal, Decimal>,
    bids: BTreeMap<Decimal, Decimal>,
    seq: Option<u64>,
    /// True between a `Gap` and the next `Resynced`.
    invalid: bool,
    gaps: Vec<GapReason>,
    resyncs: usize,
    disconnects: usize,
    decode_errors: usize,
}

impl Followed {
    fn apply(&mut self, book: &BookUpdate) {
        assert!(!self.invalid || book.snapshot, "an update reached the consumer while the book was invalid");
        if book.snapshot {
            self.asks.clear();
            self.bids.clear();
        }
        for (side, levels) in [(&mut self.asks, &book.asks), (&mut self.bids, &book.bids)] {
            for (price, size) in levels {
                if size.is_zero() {
                    side.remove(price);
                } else {
                    side.insert(*price, *size);
                }
            }
        }
        self.seq = book.seq;
    }

    /// Takes one event; true when it was a book event.
    fn take(&mut self, kind: WsEventKind) -> bool {
        match kind {
            WsEventKind::Market(MarketEvent::Book(book)) if &*book.symbol == "BTCUSD" => {
                self.apply(&book);
                return true;
            }
            WsEventKind::Gap { reason, .. } => {
                self.invalid = true;
                self.gaps.push(reason);
            }
            WsEventKind::Resynced { .. } => {
                self.invalid = false;
                self.resyncs += 1;
            }
            WsEventKind::Disconnected { .. } => self.disconnects += 1,
            WsEventKind::DecodeError { .. } => self.decode_errors += 1,
            _ => {}
        }
        false
    }

    async fn next(&mut self, events: &mut WsEvents) {
        let event = tokio::time::timeout(LIMIT, events.recv()).await.expect("an event in time").expect("queue open");
        self.take(event.kind);
    }

    /// Reads events until `done` holds.
    async fn until(&mut self, events: &mut WsEvents, what: &str, done: impl Fn(&Self) -> bool) {
        tokio::time::timeout(LIMIT, async {
            while !done(self) {
                self.next(events).await;
            }
        })
        .await
        .unwrap_or_else(|_| panic!("gave up waiting for {what}"));
    }
}

fn levels(value: &Value) -> BTreeMap<Decimal, Decimal> {
    value
        .as_array()
        .unwrap()
        .iter()
        .map(|l| (l[0].as_str().unwrap().parse().unwrap(), l[1].as_str().unwrap().parse().unwrap()))
        .collect()
}

async fn market_order(sim: &Sim, side: &str) {
    let order = json!({"product_symbol": "BTCUSD", "size": 500, "side": side, "order_type": "market_order"});
    assert_eq!(sim.post("/v2/orders", &order).await.status, reqwest::StatusCode::OK);
}

/// Follows BTCUSD `ob_updates` through `fault`, checks the expected recovery, and ends equal to the sim.
async fn survive(fault: FaultsUpdate, recovered: impl Fn(&Followed) -> bool) -> Followed {
    let sim = Sim::start(SimConfig { rate: 0, symbols: vec!["BTCUSD".into()], ..SimConfig::default() }).await;
    let config = WsConfig {
        backoff_base: Duration::from_millis(5),
        backoff_cap: Duration::from_millis(50),
        resubscribe_delay: Duration::from_millis(50),
        ..WsConfig::new(sim.handle.public_ws_url(), Endpoint::Public)
    };
    let (client, mut events) = WsClient::connect(config).unwrap();
    client.subscribe("ob_updates", &["BTCUSD"]).unwrap();
    let mut followed = Followed::default();
    followed.until(&mut events, "the first snapshot", |f| f.seq.is_some()).await;

    sim.handle.faults().update(fault);
    let mut round = 0;
    tokio::time::timeout(LIMIT, async {
        while !recovered(&followed) {
            market_order(&sim, if round % 2 == 0 { "buy" } else { "sell" }).await;
            round += 1;
            // Take what the order produced (a skipped update produces nothing), then check again.
            while let Ok(Some(event)) = tokio::time::timeout(Duration::from_millis(100), events.recv()).await {
                followed.take(event.kind);
            }
        }
    })
    .await
    .expect("recovery in time");

    sim.handle.faults().update(FaultsUpdate { drop_every: Some(0), ..FaultsUpdate::default() });
    followed.until(&mut events, "a valid book", |f| !f.invalid).await;
    market_order(&sim, "buy").await;
    let truth = sim.book("BTCUSD").await;
    let target = truth["seq"].as_u64().unwrap();
    followed.until(&mut events, "the sim's sequence", |f| !f.invalid && f.seq >= Some(target)).await;
    assert_eq!(followed.seq, Some(target));
    assert_eq!(followed.asks, levels(&truth["a"]), "asks equal the sim's book");
    assert_eq!(followed.bids, levels(&truth["b"]), "bids equal the sim's book");
    client.close().await;
    sim.stop().await;
    followed
}

fn resynced_after(f: &Followed, gaps: usize) -> bool {
    f.gaps.len() >= gaps && f.resyncs >= gaps && !f.invalid
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn skipped_sequence_is_a_gap_then_a_resync() {
    let fault = FaultsUpdate { skip_seq: Some(1), ..FaultsUpdate::default() };
    let followed = survive(fault, |f| resynced_after(f, 1)).await;
    assert!(matches!(followed.gaps[0], GapReason::Book(_)), "{:?}", followed.gaps);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn corrupt_checksum_is_a_gap_then_a_resync() {
    let fault = FaultsUpdate { corrupt_checksum: Some(1), ..FaultsUpdate::default() };
    let followed = survive(fault, |f| resynced_after(f, 1)).await;
    assert!(matches!(&followed.gaps[0], GapReason::Book(text) if text.contains("checksum")), "{:?}", followed.gaps);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_frame_is_counted_and_the_book_recovers() {
    let fault = FaultsUpdate { malformed: Some(1), ..FaultsUpdate::default() };
    let followed = survive(fault, |f| f.decode_errors >= 1 && resynced_after(f, 1)).await;
    assert_eq!(followed.decode_errors, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn book_error_resubscribes_after_the_delay() {
    let fault = FaultsUpdate { book_error: Some("BTCUSD".into()), ..FaultsUpdate::default() };
    let followed = survive(fault, |f| resynced_after(f, 1)).await;
    assert!(matches!(followed.gaps[0], GapReason::ExchangeError(_)), "{:?}", followed.gaps);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dropped_connections_reconnect_and_rebuild() {
    let fault = FaultsUpdate { drop_every: Some(2), ..FaultsUpdate::default() };
    let followed = survive(fault, |f| f.disconnects >= 1 && resynced_after(f, 1)).await;
    assert!(followed.gaps.contains(&GapReason::Reconnect), "{:?}", followed.gaps);
}
