//! Order-book hot paths (DESIGN 9): a 25-level snapshot, a 2-level update with checksum verify on a 25-level
//! book, the verify alone (an update without levels), and the checksum over 20 levels.

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion};
use delta_core::book::{checksum, write_checksum_input, ApplyOutcome, BookSide, OrderBook};
use delta_core::parse::book_message::{BookAction, BookMessage, RawLevel};

const DEPTH: usize = 25;

/// 25 asks from 68453.0 up and 25 bids from 68452.5 down, half-unit ticks.
type Side = Vec<(String, String)>;

fn ladder_text() -> (Side, Side) {
    let level = |tenths: u32, size: usize| (format!("{}.{}", tenths / 10, tenths % 10), format!("{}", 100 + 37 * size));
    let asks = (0..DEPTH).map(|i| level(684_530 + 5 * i as u32, i)).collect();
    let bids = (0..DEPTH).map(|i| level(684_525 - 5 * i as u32, i + 3)).collect();
    (asks, bids)
}

fn raw(levels: &[(String, String)]) -> Vec<RawLevel<'_>> {
    levels.iter().map(|(price, size)| RawLevel { price, size }).collect()
}

fn message<'a>(
    action: BookAction,
    asks: Vec<RawLevel<'a>>,
    bids: Vec<RawLevel<'a>>,
    seq: u64,
    cs: u32,
) -> BookMessage<'a> {
    BookMessage {
        symbol: "BTCUSD",
        action,
        asks,
        bids,
        seq: Some(seq),
        checksum: Some(cs),
        timestamp_us: Some(1_779_962_401_104_442),
        error_message: None,
    }
}

fn book_benches(c: &mut Criterion) {
    let (asks, bids) = ladder_text();
    let cs = checksum(raw(&asks), raw(&bids));
    let snapshot = message(BookAction::Snapshot, raw(&asks), raw(&bids), 1, cs);

    let mut book = OrderBook::new();
    c.bench_function("book_snapshot_apply_25x2_verify", |b| {
        b.iter(|| {
            let outcome = book.apply(black_box(&snapshot));
            debug_assert_eq!(outcome, ApplyOutcome::Applied);
            black_box(outcome)
        })
    });

    // Two updates that toggle the best ask's and the 3rd bid's sizes, each with the checksum of the book it leaves.
    let mut toggled_asks = asks.clone();
    toggled_asks[0].1 = "777".to_owned();
    let mut toggled_bids = bids.clone();
    toggled_bids[2].1 = "5".to_owned();
    let toggled_cs = checksum(raw(&toggled_asks), raw(&toggled_bids));
    let forward = message(BookAction::Update, raw(&toggled_asks[..1]), raw(&toggled_bids[2..3]), 0, toggled_cs);
    let back = message(BookAction::Update, raw(&asks[..1]), raw(&bids[2..3]), 0, cs);
    let mut updates = [forward, back];

    let mut book = OrderBook::new();
    assert_eq!(book.apply(&snapshot), ApplyOutcome::Applied);
    let mut seq = 1;
    c.bench_function("book_update_2_levels_on_25_verify", |b| {
        b.iter(|| {
            seq += 1;
            let update = &mut updates[(seq % 2) as usize];
            update.seq = Some(seq);
            let outcome = book.apply(black_box(update));
            debug_assert_eq!(outcome, ApplyOutcome::Applied);
            black_box(outcome)
        })
    });
    assert!(book.is_valid());

    // An update without levels: sequence check plus checksum verify over 10 + 10 levels, nothing else.
    let mut empty = message(BookAction::Update, Vec::new(), Vec::new(), 0, book.checksum().unwrap_or_default());
    c.bench_function("book_verify_only_20_levels", |b| {
        b.iter(|| {
            seq += 1;
            empty.seq = Some(seq);
            black_box(book.apply(black_box(&empty)))
        })
    });
    assert!(book.is_valid());

    let (top_asks, top_bids) = (raw(&asks[..10]), raw(&bids[..10]));
    let mut buffer = Vec::with_capacity(512);
    c.bench_function("book_checksum_20_levels_reused_buffer", |b| {
        b.iter(|| {
            buffer.clear();
            write_checksum_input(
                black_box(&top_asks).iter().copied(),
                black_box(&top_bids).iter().copied(),
                &mut buffer,
            );
            black_box(crc32fast::hash(&buffer))
        })
    });
    c.bench_function("book_top10_bids_sum_sizes", |b| {
        b.iter(|| {
            black_box(&book).top(BookSide::Bid, 10).map(|levels| {
                levels.fold(delta_core::Decimal::ZERO, |sum, level| sum.checked_add(&level.size).unwrap_or(sum))
            })
        })
    });
}

criterion_group!(benches, book_benches);
criterion_main!(benches);
