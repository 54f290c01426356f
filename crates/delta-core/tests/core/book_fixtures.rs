//! The book against the REFERENCE 9.7 checksum vectors and the `ob_updates` / `l2_updates` / `ob_l2` /
//! `l2_orderbook` fixtures (parsed here with serde, independently of `crate::parse`).

use std::fs;

use delta_core::book::{checksum, write_checksum_input, ApplyOutcome, BookSide, OrderBook};
use delta_core::parse::book_message::{BookAction, BookMessage, RawLevel};
use delta_core::Decimal;
use serde::Deserialize;
use serde_json::value::RawValue;

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../fixtures/delta-api/");

fn fixture(name: &str) -> String {
    fs::read_to_string(format!("{FIXTURES}{name}")).unwrap()
}

#[derive(Deserialize)]
struct Vectors {
    cases: Vec<Case>,
}

#[derive(Deserialize)]
struct Case {
    source: String,
    #[serde(default)]
    asks: Option<Vec<(String, String)>>,
    #[serde(default)]
    bids: Option<Vec<(String, String)>>,
    checksum_string: String,
    cs: u32,
}

fn raw(pairs: &[(String, String)]) -> Vec<RawLevel<'_>> {
    pairs.iter().map(|(price, size)| RawLevel { price, size }).collect()
}

#[test]
fn every_checksum_vector() {
    let vectors: Vectors = serde_json::from_str(&fixture("orderbook_checksum_vectors.json")).unwrap();
    assert_eq!(vectors.cases.len(), 5);
    for case in &vectors.cases {
        assert_eq!(crc32fast::hash(case.checksum_string.as_bytes()), case.cs, "{}", case.source);
        if let (Some(asks), Some(bids)) = (&case.asks, &case.bids) {
            let mut text = Vec::new();
            write_checksum_input(raw(asks), raw(bids), &mut text);
            assert_eq!(String::from_utf8(text).unwrap(), case.checksum_string, "{}", case.source);
            assert_eq!(checksum(raw(asks), raw(bids)), case.cs, "{}", case.source);
            // The same levels as a snapshot: the book computes the same value and accepts the message.
            let mut book = OrderBook::new();
            let message = BookMessage { asks: raw(asks), bids: raw(bids), ..frame_message(Some(1), Some(case.cs)) };
            assert_eq!(book.apply(&message), ApplyOutcome::Applied, "{}", case.source);
            assert_eq!(book.checksum().unwrap(), case.cs);
        }
    }
}

fn frame_message<'a>(seq: Option<u64>, checksum: Option<u32>) -> BookMessage<'a> {
    crate::book_support::message(BookAction::Snapshot, &[], &[], seq, checksum)
}

/// An `ob_updates` or `l2_updates` frame, whichever key style.
#[derive(Deserialize)]
struct Frame<'a> {
    action: &'a str,
    #[serde(borrow, default, alias = "a")]
    asks: Vec<(&'a str, &'a str)>,
    #[serde(borrow, default, alias = "b")]
    bids: Vec<(&'a str, &'a str)>,
    #[serde(default, alias = "sequence_no")]
    seq: Option<u64>,
    #[serde(default)]
    cs: Option<u32>,
    #[serde(alias = "sy")]
    symbol: &'a str,
    #[serde(default, alias = "ts")]
    timestamp: Option<i64>,
    #[serde(default)]
    msg: Option<&'a str>,
}

impl<'a> Frame<'a> {
    fn message(&self) -> BookMessage<'a> {
        BookMessage {
            symbol: self.symbol,
            action: match self.action {
                "snapshot" => BookAction::Snapshot,
                "update" => BookAction::Update,
                _ => BookAction::Error,
            },
            asks: self.asks.iter().map(|&(price, size)| RawLevel { price, size }).collect(),
            bids: self.bids.iter().map(|&(price, size)| RawLevel { price, size }).collect(),
            seq: self.seq,
            checksum: self.cs,
            timestamp_us: self.timestamp,
            error_message: self.msg,
        }
    }
}

fn follow_fixture_sequence(channel: &str) {
    let (snapshot_text, update_text) =
        (fixture(&format!("ws_{channel}_snapshot.json")), fixture(&format!("ws_{channel}_update.json")));
    let snapshot: Frame<'_> = serde_json::from_str(&snapshot_text).unwrap();
    let update: Frame<'_> = serde_json::from_str(&update_text).unwrap();
    let mut book = OrderBook::new();

    assert_eq!(book.apply(&snapshot.message()), ApplyOutcome::Applied);
    assert_eq!(book.checksum().unwrap(), 596_940_953);
    assert_eq!(book.seq(), Some(1_210_339));
    assert_eq!(book.timestamp_us(), Some(1_779_962_401_104_442));

    assert_eq!(book.apply(&update.message()), ApplyOutcome::Applied);
    assert_eq!(book.checksum().unwrap(), 2_840_975_927);
    assert_eq!(book.seq(), Some(1_210_340));
    assert_eq!(book.timestamp_us(), Some(1_779_962_401_204_911));

    let ask = book.best_ask().unwrap().unwrap();
    assert_eq!((ask.price, ask.size), (Decimal::parse("68453.5").unwrap(), Decimal::from_int(1250)));
    assert_eq!(ask.raw, RawLevel { price: "68453.5", size: "1250" });
    let bid = book.best_bid().unwrap().unwrap();
    assert_eq!((bid.raw.price, bid.raw.size), ("68452.5", "2310"));
    let bids: Vec<&str> = book.top(BookSide::Bid, usize::MAX).unwrap().map(|level| level.raw.price).collect();
    assert_eq!(bids[3..6], ["68450.0", "68449.0", "68448.5"]);
    assert_eq!(bids.len(), 12);
    assert_eq!(book.top(BookSide::Ask, usize::MAX).unwrap().len(), 10);

    let export = book.export().unwrap();
    assert_eq!(export.seq, Some(1_210_340));
    assert_eq!(export.a[0], ("68453.5".to_owned(), "1250".to_owned()));
    assert_eq!(export.b.last().unwrap(), &("68441.0".to_owned(), "3050".to_owned()));
    let stats = book.stats();
    assert_eq!((stats.snapshots, stats.updates, stats.resyncs), (1, 1, 0));
}

#[test]
fn ob_updates_snapshot_then_update() {
    follow_fixture_sequence("ob_updates");
}

#[test]
fn l2_updates_snapshot_then_update() {
    follow_fixture_sequence("l2_updates");
}

#[test]
fn error_fixtures_invalidate() {
    for channel in ["ob_updates", "l2_updates"] {
        let (snapshot_text, error_text) =
            (fixture(&format!("ws_{channel}_snapshot.json")), fixture(&format!("ws_{channel}_error.json")));
        let snapshot: Frame<'_> = serde_json::from_str(&snapshot_text).unwrap();
        let error: Frame<'_> = serde_json::from_str(&error_text).unwrap();
        let mut book = OrderBook::new();
        assert_eq!(book.apply(&snapshot.message()), ApplyOutcome::Applied);
        match book.apply(&error.message()) {
            ApplyOutcome::Resync(delta_core::book::BookError::ExchangeError(text)) => {
                assert!(text.starts_with("Snapshot load failed"))
            }
            other => panic!("{other:?}"),
        }
        assert!(book.best_bid().is_err());
    }
}

#[test]
fn ob_l2_snapshot_replaces_and_validates_without_seq() {
    let text = fixture("ws_ob_l2.json");
    #[derive(Deserialize)]
    struct ObL2<'a> {
        #[serde(borrow)]
        a: Vec<(&'a str, &'a str)>,
        #[serde(borrow)]
        b: Vec<(&'a str, &'a str)>,
        ts: i64,
    }
    let frame: ObL2<'_> = serde_json::from_str(&text).unwrap();
    let mut book = OrderBook::new();
    let mut first = crate::book_support::message(BookAction::Snapshot, &[("1.0", "1"), ("2.0", "1")], &[], None, None);
    assert_eq!(book.apply(&first), ApplyOutcome::Applied);
    first.asks = crate::book_support::levels(&frame.a);
    first.bids = crate::book_support::levels(&frame.b);
    first.timestamp_us = Some(frame.ts);
    assert_eq!(book.apply(&first), ApplyOutcome::Applied);
    assert!(book.is_valid());
    assert_eq!(book.seq(), None);
    assert_eq!(book.timestamp_us(), Some(1_779_962_400_955_092));
    let asks: Vec<_> = book.top(BookSide::Ask, 10).unwrap().map(|level| level.raw).collect();
    assert_eq!(asks, crate::book_support::levels(&frame.a));
    assert_eq!(book.export().unwrap().b.len(), 5);
}

#[test]
fn l2_orderbook_snapshot_with_numeric_sizes_and_sequence() {
    // `l2_orderbook` sizes are JSON numbers; the parser hands their token text over as the size text.
    #[derive(Deserialize)]
    struct Level<'a> {
        limit_price: &'a str,
        #[serde(borrow)]
        size: &'a RawValue,
    }
    #[derive(Deserialize)]
    struct L2Orderbook<'a> {
        #[serde(borrow)]
        buy: Vec<Level<'a>>,
        #[serde(borrow)]
        sell: Vec<Level<'a>>,
        last_sequence_no: u64,
    }
    let text = fixture("ws_l2_orderbook.json");
    let frame: L2Orderbook<'_> = serde_json::from_str(&text).unwrap();
    let side = |levels: &[Level<'_>]| -> Vec<(String, String)> {
        levels.iter().map(|level| (level.limit_price.to_owned(), level.size.get().to_owned())).collect()
    };
    let (asks, bids) = (side(&frame.sell), side(&frame.buy));
    // Whether the parser maps `last_sequence_no` to `seq` is its choice; with a seq the book keeps it as its base.
    let message =
        BookMessage { asks: raw(&asks), bids: raw(&bids), ..frame_message(Some(frame.last_sequence_no), None) };
    let mut book = OrderBook::new();
    assert_eq!(book.apply(&message), ApplyOutcome::Applied);
    assert_eq!(book.seq(), Some(6_435_634));
    assert_eq!(book.best_bid().unwrap().unwrap().size, Decimal::from_int(2210));
    let export = book.export().unwrap();
    assert_eq!((export.a, export.b), (asks, bids));
    let next = crate::book_support::update(&[("68453.0", "0")], &[], 6_435_635);
    assert_eq!(book.apply(&next), ApplyOutcome::Applied);
    assert_eq!(book.best_ask().unwrap().unwrap().raw.price, "68453.5");
}
