//! REFERENCE 9.7 maintenance rules: gaps, checksum mismatches, error actions, updates before a snapshot,
//! deletes, exact-decimal price keys, all-or-nothing application, resync counters and `BookSet` routing.

use crate::book_support::{message, snapshot, update};
use delta_core::book::{
    checksum, ApplyOutcome, BookError, BookSet, BookSide, BookSnapshot, LevelFault, MalformedLevel, OrderBook,
};
use delta_core::parse::book_message::{BookAction, BookMessage, RawLevel};
use delta_core::Decimal;

const ASKS: &[(&str, &str)] = &[("100.5", "10"), ("101.0", "20")];
const BIDS: &[(&str, &str)] = &[("100.0", "5"), ("99.5", "7")];

fn valid_book() -> OrderBook {
    let mut book = OrderBook::new();
    assert_eq!(book.apply(&snapshot(ASKS, BIDS, 10)), ApplyOutcome::Applied);
    book
}

fn export(asks: &[(&str, &str)], bids: &[(&str, &str)], seq: u64) -> BookSnapshot {
    let side = |levels: &[(&str, &str)]| levels.iter().map(|&(p, s)| (p.to_owned(), s.to_owned())).collect();
    BookSnapshot { a: side(asks), b: side(bids), seq: Some(seq) }
}

fn assert_serves_nothing(book: &OrderBook, reason: &BookError) {
    assert!(!book.is_valid());
    assert_eq!(book.status().unwrap_err(), *reason);
    assert_eq!(book.best_bid().unwrap_err(), *reason);
    assert_eq!(book.best_ask().unwrap_err(), *reason);
    assert!(book.top(BookSide::Ask, 5).is_err());
    assert!(book.export().is_err());
    assert!(book.checksum().is_err());
}

#[test]
fn first_update_after_snapshot_is_seq_plus_one() {
    let mut book = valid_book();
    assert_eq!(book.apply(&update(&[("100.5", "11")], &[], 11)), ApplyOutcome::Applied);
    assert_eq!(book.apply(&update(&[], &[("100.0", "6")], 12)), ApplyOutcome::Applied);
    assert_eq!(
        book.export().unwrap(),
        export(&[("100.5", "11"), ("101.0", "20")], &[("100.0", "6"), ("99.5", "7")], 12)
    );
}

#[test]
fn gap_invalidates_until_a_snapshot() {
    let mut book = valid_book();
    let gap = BookError::Gap { expected: 11, got: 12 };
    assert_eq!(book.apply(&update(&[("100.5", "1")], &[], 12)), ApplyOutcome::Resync(gap.clone()));
    assert_serves_nothing(&book, &gap);
    // Later updates, even the "right" next one, are dropped without asking again.
    assert_eq!(book.apply(&update(&[("100.5", "2")], &[], 13)), ApplyOutcome::AwaitingSnapshot);
    assert_eq!(book.apply(&update(&[("100.5", "3")], &[], 11)), ApplyOutcome::AwaitingSnapshot);
    assert_serves_nothing(&book, &gap);

    assert_eq!(book.apply(&snapshot(&[("102.0", "1")], BIDS, 40)), ApplyOutcome::Applied);
    assert_eq!(book.export().unwrap(), export(&[("102.0", "1")], BIDS, 40));
    assert_eq!(book.apply(&update(&[("102.0", "0")], &[], 41)), ApplyOutcome::Applied);
    let stats = book.stats();
    assert_eq!((stats.gaps, stats.resyncs, stats.dropped, stats.snapshots, stats.updates), (1, 1, 2, 2, 1));
}

#[test]
fn repeated_or_older_sequence_is_a_gap() {
    let mut book = valid_book();
    assert_eq!(book.apply(&update(&[], &[], 10)), ApplyOutcome::Resync(BookError::Gap { expected: 11, got: 10 }));
}

#[test]
fn checksum_mismatch_on_update_and_snapshot() {
    let mut book = valid_book();
    let good = checksum(
        [RawLevel { price: "100.5", size: "12" }, RawLevel { price: "101.0", size: "20" }],
        BIDS.iter().map(|&(price, size)| RawLevel { price, size }),
    );
    let next = message(BookAction::Update, &[("100.5", "12")], &[], Some(11), Some(good));
    assert_eq!(book.apply(&next), ApplyOutcome::Applied);

    let bad = message(BookAction::Update, &[("100.5", "13")], &[], Some(12), Some(good));
    let outcome = book.apply(&bad);
    let ApplyOutcome::Resync(BookError::ChecksumMismatch { expected, computed }) = outcome else {
        panic!("{outcome:?}")
    };
    assert_eq!(expected, good);
    assert_ne!(computed, good);
    assert_eq!(book.stats().checksum_failures, 1);
    assert!(!book.is_valid());

    let bad_snapshot = message(BookAction::Snapshot, ASKS, BIDS, Some(20), Some(good));
    assert!(matches!(book.apply(&bad_snapshot), ApplyOutcome::Resync(BookError::ChecksumMismatch { .. })));
    assert_eq!(book.stats().checksum_failures, 2);
    assert_eq!(book.stats().resyncs, 2);
    assert!(!book.is_valid());
}

#[test]
fn checksum_uses_the_text_as_received() {
    let mut book = OrderBook::new();
    let text_cs = checksum([RawLevel { price: "100.00", size: "5.0" }], []);
    let numeric_cs = checksum([RawLevel { price: "100", size: "5" }], []);
    assert_ne!(text_cs, numeric_cs);
    let snap = message(BookAction::Snapshot, &[("100.00", "5.0")], &[], Some(1), Some(text_cs));
    assert_eq!(book.apply(&snap), ApplyOutcome::Applied);
    // Another spelling of the same price replaces the level (still one level) and its text is what the next
    // checksum covers.
    let next = message(
        BookAction::Update,
        &[("100.0", "5")],
        &[],
        Some(2),
        Some(checksum([RawLevel { price: "100.0", size: "5" }], [])),
    );
    assert_eq!(book.apply(&next), ApplyOutcome::Applied);
    assert_eq!(book.top(BookSide::Ask, 10).unwrap().len(), 1);
    let stale = message(BookAction::Update, &[], &[], Some(3), Some(text_cs));
    assert!(matches!(book.apply(&stale), ApplyOutcome::Resync(BookError::ChecksumMismatch { .. })));
}

#[test]
fn equal_prices_in_different_text_are_one_level() {
    let mut book = OrderBook::new();
    assert_eq!(book.apply(&snapshot(&[("100.0", "3")], &[("99.50", "1")], 1)), ApplyOutcome::Applied);
    assert_eq!(book.apply(&update(&[("100.00", "4")], &[], 2)), ApplyOutcome::Applied);
    let ask = book.best_ask().unwrap().unwrap();
    assert_eq!(ask.raw, RawLevel { price: "100.00", size: "4" });
    assert_eq!(ask.price, Decimal::parse("100").unwrap());
    assert_eq!(book.top(BookSide::Ask, 10).unwrap().len(), 1);
    // A delete written with another scale removes it too.
    assert_eq!(book.apply(&update(&[("100", "0")], &[("99.5", "0.0")], 3)), ApplyOutcome::Applied);
    assert_eq!(book.best_ask().unwrap(), None);
    assert_eq!(book.best_bid().unwrap(), None);
}

#[test]
fn zero_deletes_in_any_form_and_absent_deletes_are_ignored() {
    let mut book = valid_book();
    let deletes = update(&[("100.5", "0"), ("100.5", "0"), ("150.0", "0.000")], &[("1.0", "0"), ("100.0", "0.0")], 11);
    assert_eq!(book.apply(&deletes), ApplyOutcome::Applied);
    assert_eq!(book.export().unwrap(), export(&[("101.0", "20")], &[("99.5", "7")], 11));
}

#[test]
fn update_before_any_snapshot_asks_for_a_resync_once() {
    let mut book = OrderBook::new();
    assert_eq!(book.status(), Err(BookError::NotInitialised));
    assert_eq!(book.apply(&update(ASKS, BIDS, 1)), ApplyOutcome::Resync(BookError::NotInitialised));
    assert_eq!(book.apply(&update(ASKS, BIDS, 2)), ApplyOutcome::AwaitingSnapshot);
    assert_serves_nothing(&book, &BookError::NotInitialised);
    assert_eq!(book.apply(&snapshot(ASKS, BIDS, 3)), ApplyOutcome::Applied);
    assert!(book.is_valid());
}

#[test]
fn error_action_invalidates_even_an_invalid_book() {
    let mut book = valid_book();
    let error = BookMessage {
        error_message: Some("Snapshot load failed."),
        ..message(BookAction::Error, &[], &[], None, None)
    };
    let reason = BookError::ExchangeError("Snapshot load failed.".to_owned());
    assert_eq!(book.apply(&error), ApplyOutcome::Resync(reason.clone()));
    assert_serves_nothing(&book, &reason);
    // A failed resubscription reports again: the caller must retry.
    assert_eq!(book.apply(&error), ApplyOutcome::Resync(reason));
    assert_eq!(book.stats().resyncs, 2);
}

#[test]
fn malformed_level_applies_nothing() {
    let cases = [
        (("abc", "1"), LevelFault::Price),
        (("100.5", "x"), LevelFault::Size),
        (("100.5", "-1"), LevelFault::NegativeSize),
        (("", "1"), LevelFault::Price),
    ];
    for ((price, size), fault) in cases {
        let mut book = valid_book();
        let before = book.export().unwrap();
        let bad = update(&[("100.5", "99"), (price, size)], &[("100.0", "1")], 11);
        let expected = BookError::Malformed(MalformedLevel {
            side: BookSide::Ask,
            price: price.to_owned(),
            size: size.to_owned(),
            fault,
        });
        assert_eq!(book.apply(&bad), ApplyOutcome::Resync(expected.clone()));
        assert_serves_nothing(&book, &expected);
        // Invalid until a snapshot; the identical snapshot restores exactly the original book.
        assert_eq!(book.apply(&snapshot(ASKS, BIDS, 10)), ApplyOutcome::Applied);
        assert_eq!(book.export().unwrap(), before);
    }
}

#[test]
fn overlong_level_text_is_malformed() {
    // Both are valid decimals; together they exceed the inline level storage.
    let long_price = format!("1{}", "0".repeat(30));
    let long_size = format!("1.{}", "0".repeat(31));
    assert!(long_price.len() + long_size.len() > delta_core::book::TEXT_CAPACITY);
    let mut book = OrderBook::new();
    let outcome = book.apply(&snapshot(&[(&long_price, &long_size)], &[], 1));
    assert!(matches!(
        outcome,
        ApplyOutcome::Resync(BookError::Malformed(MalformedLevel { fault: LevelFault::TooLong, .. }))
    ));
}

#[test]
fn snapshot_without_seq_cannot_be_followed_by_updates() {
    let mut book = OrderBook::new();
    assert_eq!(book.apply(&message(BookAction::Snapshot, ASKS, BIDS, None, None)), ApplyOutcome::Applied);
    assert!(book.is_valid());
    assert_eq!(book.apply(&update(&[], &[], 1)), ApplyOutcome::Resync(BookError::Unsequenced));
    let mut book = valid_book();
    assert_eq!(
        book.apply(&message(BookAction::Update, &[], &[], None, None)),
        ApplyOutcome::Resync(BookError::Unsequenced)
    );
    assert_eq!(book.stats().gaps, 1);
}

#[test]
fn snapshot_sorts_zero_sizes_and_repeats() {
    let mut book = OrderBook::new();
    let snap =
        snapshot(&[("101.0", "2"), ("100.5", "1"), ("100.50", "3"), ("102", "0")], &[("99", "1"), ("99.5", "2")], 5);
    assert_eq!(book.apply(&snap), ApplyOutcome::Applied);
    assert_eq!(book.export().unwrap(), export(&[("100.50", "3"), ("101.0", "2")], &[("99.5", "2"), ("99", "1")], 5));
}

#[test]
fn reset_waits_for_a_snapshot() {
    let mut book = valid_book();
    book.reset();
    assert_eq!(book.seq(), None);
    assert_eq!(book.apply(&update(&[], &[], 11)), ApplyOutcome::Resync(BookError::NotInitialised));
    assert_eq!(book.apply(&snapshot(ASKS, BIDS, 3)), ApplyOutcome::Applied);
}

#[test]
fn book_set_routes_by_symbol() {
    let mut set = BookSet::new();
    let eth = BookMessage { symbol: "ETHUSD", ..snapshot(&[("2000.5", "1")], &[("2000.0", "2")], 7) };
    assert_eq!(set.apply(&snapshot(ASKS, BIDS, 10)), ApplyOutcome::Applied);
    assert_eq!(set.apply(&eth), ApplyOutcome::Applied);
    assert_eq!(set.len(), 2);
    let gap = BookMessage { symbol: "ETHUSD", ..update(&[], &[], 9) };
    assert_eq!(set.apply(&gap), ApplyOutcome::Resync(BookError::Gap { expected: 8, got: 9 }));
    assert!(set.get("BTCUSD").unwrap().is_valid());
    assert!(!set.get("ETHUSD").unwrap().is_valid());
    let mut symbols: Vec<&str> = set.symbols().collect();
    symbols.sort_unstable();
    assert_eq!(symbols, ["BTCUSD", "ETHUSD"]);
    set.reset_all();
    assert_eq!(set.get("BTCUSD").unwrap().status(), Err(BookError::NotInitialised));
    assert!(set.remove("ETHUSD").is_some());
    assert_eq!(set.len(), 1);
}

#[test]
fn export_serializes_in_the_sim_shape() {
    let book = valid_book();
    let json = serde_json::to_string(&book.export().unwrap()).unwrap();
    assert_eq!(json, r#"{"a":[["100.5","10"],["101.0","20"]],"b":[["100.0","5"],["99.5","7"]],"seq":10}"#);
    let back: BookSnapshot = serde_json::from_str(&json).unwrap();
    assert_eq!(back, book.export().unwrap());
}
