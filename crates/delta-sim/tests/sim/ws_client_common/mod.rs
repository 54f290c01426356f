//! Shared by the client-vs-sim socket recovery tests: a consumer that follows one symbol's verified book
//! from the client's events and records the connection lifecycle, and the exact comparison with the
//! sim's true book (`GET /sim/book/{symbol}`).

#![allow(dead_code)]

use std::collections::BTreeMap;
use std::time::Duration;

use delta_core::ws::{BookUpdate, GapReason, MarketEvent, WsEvent, WsEventKind, WsEvents};
use delta_core::Decimal;
use serde_json::{json, Value};

use crate::common::Sim;

/// Longest wait for anything in these tests.
pub const LIMIT: Duration = Duration::from_secs(20);

/// The product every test follows.
pub const SYMBOL: &str = "BTCUSD";

/// The consumer's book of [`SYMBOL`], built only from the client's verified book events, and what
/// happened to the connection.
#[derive(Default)]
pub struct Followed {
    pub asks: BTreeMap<Decimal, Decimal>,
    pub bids: BTreeMap<Decimal, Decimal>,
    pub seq: Option<u64>,
    /// True between a `Gap` and the next `Resynced`.
    pub invalid: bool,
    pub gaps: Vec<GapReason>,
    pub resyncs: usize,
    pub connected: usize,
    pub disconnects: Vec<String>,
    pub authenticated: usize,
    pub resubscribed: usize,
    /// Every lifecycle event (everything but market data), in order.
    pub lifecycle: Vec<WsEventKind>,
    /// Every market event other than books, in order.
    pub market: Vec<MarketEvent>,
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

    /// Takes one event.
    pub fn take(&mut self, event: WsEvent) {
        match event.kind {
            WsEventKind::Market(MarketEvent::Book(book)) if &*book.symbol == SYMBOL => self.apply(&book),
            WsEventKind::Market(market) => self.market.push(market),
            kind => {
                match &kind {
                    WsEventKind::Gap { reason, .. } => {
                        self.invalid = true;
                        self.gaps.push(reason.clone());
                    }
                    WsEventKind::Resynced { .. } => {
                        self.invalid = false;
                        self.resyncs += 1;
                    }
                    WsEventKind::Connected => self.connected += 1,
                    WsEventKind::Disconnected { reason } => self.disconnects.push(reason.clone()),
                    WsEventKind::Authenticated => self.authenticated += 1,
                    WsEventKind::Resubscribed { .. } => self.resubscribed += 1,
                    _ => {}
                }
                self.lifecycle.push(kind);
            }
        }
    }

    /// Waits for the next event and takes it.
    pub async fn next(&mut self, events: &mut WsEvents) {
        let event = tokio::time::timeout(LIMIT, events.recv()).await.expect("an event in time").expect("queue open");
        self.take(event);
    }

    /// Reads events until `done` holds.
    pub async fn until(&mut self, events: &mut WsEvents, what: &str, done: impl Fn(&Self) -> bool) {
        tokio::time::timeout(LIMIT, async {
            while !done(self) {
                self.next(events).await;
            }
        })
        .await
        .unwrap_or_else(|_| panic!("gave up waiting for {what}"));
    }

    /// Moves the book with alternating market orders, taking what each produced (a skipped update produces
    /// nothing), until `done` holds.
    pub async fn trade_until(&mut self, sim: &Sim, events: &mut WsEvents, done: impl Fn(&Self) -> bool) {
        let mut round = 0;
        tokio::time::timeout(LIMIT, async {
            while !done(self) {
                market_order(sim, if round % 2 == 0 { "buy" } else { "sell" }, 500).await;
                round += 1;
                while let Ok(Some(event)) = tokio::time::timeout(Duration::from_millis(100), events.recv()).await {
                    self.take(event);
                }
            }
        })
        .await
        .expect("recovery in time");
    }

    /// Decode errors the client reported.
    pub fn decode_errors(&self) -> usize {
        self.lifecycle.iter().filter(|kind| matches!(kind, WsEventKind::DecodeError { .. })).count()
    }

    /// True once `gaps` gaps happened and as many resyncs rebuilt a valid book.
    pub fn resynced_after(&self, gaps: usize) -> bool {
        self.gaps.len() >= gaps && self.resyncs >= gaps && !self.invalid
    }

    /// Disconnects whose reason contains `text`.
    pub fn disconnects_with(&self, text: &str) -> usize {
        self.disconnects.iter().filter(|reason| reason.contains(text)).count()
    }

    /// Moves the book with a market order and reads events until the followed book is valid at the sim's
    /// sequence; then asserts it equals the sim's true book level for level.
    pub async fn converge(&mut self, sim: &Sim, events: &mut WsEvents) {
        self.until(events, "a valid book", |f| !f.invalid && f.seq.is_some()).await;
        market_order(sim, "buy", 500).await;
        let truth = sim.book(SYMBOL).await;
        let target = truth["seq"].as_u64().expect("the sim's seq");
        self.until(events, "the sim's sequence", |f| !f.invalid && f.seq >= Some(target)).await;
        assert_eq!(self.seq, Some(target));
        assert_eq!(self.asks, levels(&truth["a"]), "asks equal the sim's book");
        assert_eq!(self.bids, levels(&truth["b"]), "bids equal the sim's book");
    }
}

/// `[[price, size], ...]` text pairs as exact decimals.
pub fn levels(value: &Value) -> BTreeMap<Decimal, Decimal> {
    value
        .as_array()
        .unwrap()
        .iter()
        .map(|l| (l[0].as_str().unwrap().parse().unwrap(), l[1].as_str().unwrap().parse().unwrap()))
        .collect()
}

/// A signed REST market order on [`SYMBOL`]; answers the placed order.
pub async fn market_order(sim: &Sim, side: &str, size: u64) -> Value {
    let order = json!({"product_symbol": SYMBOL, "size": size, "side": side, "order_type": "market_order"});
    let answer = sim.post("/v2/orders", &order).await;
    assert_eq!(answer.status, reqwest::StatusCode::OK, "{}", answer.body);
    answer.body["result"].clone()
}

/// `(ws_connections, ws_refused)` from `GET /sim/stats`.
pub async fn handshakes(sim: &Sim) -> (u64, u64) {
    let stats = sim.get("/sim/stats").await.body;
    (stats["ws_connections"].as_u64().unwrap(), stats["ws_refused"].as_u64().unwrap())
}
