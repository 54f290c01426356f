//! Random snapshot/update sequences against a reference model (a `BTreeMap` of exact decimals per side),
//! with injected gaps, corrupt checksums, malformed levels and error actions.

use std::collections::BTreeMap;

use crate::book_support::message;
use delta_core::book::{ApplyOutcome, BookError, BookSide, BookSnapshot, OrderBook};
use delta_core::parse::book_message::{BookAction, BookMessage, RawLevel};
use delta_core::Decimal;
use proptest::prelude::*;

/// One generated level: a price tick, how to write it, a size and how to write that.
#[derive(Debug, Clone)]
struct Lvl {
    tick: u32,
    price_style: u8,
    size: u32,
    size_style: u8,
}

/// What an update does besides its levels.
#[derive(Debug, Clone)]
enum Fault {
    None,
    /// Send without a checksum.
    NoChecksum,
    /// Skip ahead (or back) in sequence by this amount instead of +1.
    Gap(i64),
    /// XOR the right checksum with this non-zero mask.
    Checksum(u32),
    /// Insert a malformed level at this position.
    Malformed(usize, bool),
    /// Send `action: error` instead.
    Error,
}

#[derive(Debug, Clone)]
enum Step {
    Snapshot(Vec<Lvl>, Vec<Lvl>),
    Update(Vec<Lvl>, Vec<Lvl>, Fault),
}

fn level() -> impl Strategy<Value = Lvl> {
    (0u32..30, 0u8..4, 0u32..6, 0u8..3).prop_map(|(tick, price_style, size, size_style)| Lvl {
        tick,
        price_style,
        size,
        size_style,
    })
}

fn fault() -> impl Strategy<Value = Fault> {
    prop_oneof![
        12 => Just(Fault::None),
        2 => Just(Fault::NoChecksum),
        1 => prop_oneof![(2i64..5), (-3i64..=0)].prop_map(Fault::Gap),
        1 => (1u32..).prop_map(Fault::Checksum),
        1 => (0usize..8, any::<bool>()).prop_map(|(at, ask)| Fault::Malformed(at, ask)),
        1 => Just(Fault::Error),
    ]
}

fn step() -> impl Strategy<Value = Step> {
    let side = || prop::collection::vec(level(), 0..25);
    prop_oneof![
        1 => (side(), side()).prop_map(|(asks, bids)| Step::Snapshot(asks, bids)),
        6 => (prop::collection::vec(level(), 0..6), prop::collection::vec(level(), 0..6), fault())
            .prop_map(|(asks, bids, fault)| Step::Update(asks, bids, fault)),
    ]
}

/// Asks from 1000.0 up, bids from 999.5 down, in half-unit ticks, written in several equivalent forms.
fn text(side: BookSide, lvl: &Lvl) -> (String, String) {
    let tenths = match side {
        BookSide::Ask => 10_000 + 5 * lvl.tick,
        BookSide::Bid => 9_995 - 5 * lvl.tick,
    };
    let (whole, fraction) = (tenths / 10, tenths % 10);
    let price = match lvl.price_style {
        0 => format!("{whole}.{fraction}"),
        1 => format!("{whole}.{fraction}0"),
        2 => format!("{whole}.{fraction}00"),
        _ if fraction == 0 => format!("{whole}"),
        _ => format!("{whole}.{fraction}"),
    };
    let size = match (lvl.size, lvl.size_style) {
        (0, 0) => "0".to_owned(),
        (0, 1) => "0.0".to_owned(),
        (0, _) => "0.00".to_owned(),
        (n, 0) => format!("{n}"),
        (n, _) => format!("{n}.0"),
    };
    (price, size)
}

/// The reference: exact price → (price text, size text) as last received.
#[derive(Default)]
struct Model {
    asks: BTreeMap<Decimal, (String, String)>,
    bids: BTreeMap<Decimal, (String, String)>,
}

impl Model {
    fn apply(&mut self, side: BookSide, (price, size): &(String, String)) {
        let map = match side {
            BookSide::Ask => &mut self.asks,
            BookSide::Bid => &mut self.bids,
        };
        let key = Decimal::parse(price).unwrap();
        if Decimal::parse(size).unwrap().is_zero() {
            map.remove(&key);
        } else {
            map.insert(key, (price.clone(), size.clone()));
        }
    }

    fn export(&self, seq: u64) -> BookSnapshot {
        BookSnapshot {
            a: self.asks.values().cloned().collect(),
            b: self.bids.values().rev().cloned().collect(),
            seq: Some(seq),
        }
    }

    /// The REFERENCE 9.7 checksum string, written independently of the library.
    fn checksum_string(&self) -> String {
        let join = |levels: Vec<&(String, String)>| {
            levels.iter().take(10).map(|(price, size)| format!("{price}:{size}")).collect::<Vec<_>>().join(",")
        };
        format!("{}|{}", join(self.asks.values().collect()), join(self.bids.values().rev().collect()))
    }
}

fn raw(levels: &[(String, String)]) -> Vec<RawLevel<'_>> {
    levels.iter().map(|(price, size)| RawLevel { price, size }).collect()
}

fn assert_serves_nothing(book: &OrderBook) {
    assert!(!book.is_valid());
    assert!(book.best_bid().is_err());
    assert!(book.best_ask().is_err());
    assert!(book.top(BookSide::Bid, 10).is_err());
    assert!(book.export().is_err());
}

fn run(steps: &[Step]) {
    let mut book = OrderBook::new();
    let mut model = Model::default();
    // `None` until the first snapshot; `Some(valid)` afterwards.
    let mut valid: Option<bool> = None;
    let mut seq = 1_000u64;
    for step in steps {
        match step {
            Step::Snapshot(asks, bids) => {
                let asks: Vec<_> = asks.iter().map(|lvl| text(BookSide::Ask, lvl)).collect();
                let bids: Vec<_> = bids.iter().map(|lvl| text(BookSide::Bid, lvl)).collect();
                model = Model::default();
                asks.iter().for_each(|level| model.apply(BookSide::Ask, level));
                bids.iter().for_each(|level| model.apply(BookSide::Bid, level));
                seq += 7;
                let cs = crc32fast::hash(model.checksum_string().as_bytes());
                let message = BookMessage {
                    asks: raw(&asks),
                    bids: raw(&bids),
                    ..message(BookAction::Snapshot, &[], &[], Some(seq), Some(cs))
                };
                assert_eq!(book.apply(&message), ApplyOutcome::Applied);
                valid = Some(true);
            }
            Step::Update(asks, bids, fault) => {
                let mut asks: Vec<_> = asks.iter().map(|lvl| text(BookSide::Ask, lvl)).collect();
                let mut bids: Vec<_> = bids.iter().map(|lvl| text(BookSide::Bid, lvl)).collect();
                let mut candidate = Model { asks: model.asks.clone(), bids: model.bids.clone() };
                asks.iter().for_each(|level| candidate.apply(BookSide::Ask, level));
                bids.iter().for_each(|level| candidate.apply(BookSide::Bid, level));
                let right_cs = crc32fast::hash(candidate.checksum_string().as_bytes());
                let mut next_seq = seq + 1;
                let mut cs = Some(right_cs);
                let mut action = BookAction::Update;
                match fault {
                    Fault::None => {}
                    Fault::NoChecksum => cs = None,
                    Fault::Gap(offset) => next_seq = seq.checked_add_signed(*offset).unwrap(),
                    Fault::Checksum(mask) => cs = Some(right_cs ^ mask),
                    Fault::Malformed(at, on_asks) => {
                        let side = if *on_asks { &mut asks } else { &mut bids };
                        side.insert((*at).min(side.len()), ("1000.x".to_owned(), "1".to_owned()));
                    }
                    Fault::Error => action = BookAction::Error,
                }
                let message = BookMessage {
                    asks: raw(&asks),
                    bids: raw(&bids),
                    error_message: Some("Snapshot load failed."),
                    ..message(action, &[], &[], Some(next_seq), cs)
                };
                let outcome = book.apply(&message);
                let faulty = matches!(fault, Fault::Gap(_) | Fault::Checksum(_) | Fault::Malformed(..));
                match (valid, fault) {
                    (_, Fault::Error) => {
                        assert!(matches!(outcome, ApplyOutcome::Resync(BookError::ExchangeError(_))), "{outcome:?}");
                        if valid.is_some() {
                            valid = Some(false);
                        }
                    }
                    (None, _) => {
                        assert!(
                            matches!(
                                outcome,
                                ApplyOutcome::Resync(BookError::NotInitialised) | ApplyOutcome::AwaitingSnapshot
                            ),
                            "{outcome:?}"
                        );
                    }
                    (Some(false), _) => assert_eq!(outcome, ApplyOutcome::AwaitingSnapshot),
                    (Some(true), _) if faulty => {
                        let expected_kind = match (fault, &outcome) {
                            (Fault::Gap(_), ApplyOutcome::Resync(BookError::Gap { expected, got })) => {
                                *expected == seq + 1 && *got == next_seq
                            }
                            (
                                Fault::Checksum(_),
                                ApplyOutcome::Resync(BookError::ChecksumMismatch { expected, computed }),
                            ) => Some(*expected) == cs && *computed == right_cs,
                            (Fault::Malformed(..), ApplyOutcome::Resync(BookError::Malformed(_))) => true,
                            _ => false,
                        };
                        assert!(expected_kind, "{fault:?} -> {outcome:?}");
                        valid = Some(false);
                    }
                    (Some(true), _) => {
                        assert_eq!(outcome, ApplyOutcome::Applied);
                        model = candidate;
                        seq = next_seq;
                    }
                }
            }
        }
        if valid == Some(true) {
            assert_eq!(book.export().unwrap(), model.export(seq));
            assert_eq!(book.checksum().unwrap(), crc32fast::hash(model.checksum_string().as_bytes()));
            assert_eq!(book.seq(), Some(seq));
            let best = |map: Option<(&Decimal, &(String, String))>| map.map(|(_, (p, s))| (p.clone(), s.clone()));
            let served = |level: Option<delta_core::book::BookLevel<'_>>| {
                level.map(|level| (level.raw.price.to_owned(), level.raw.size.to_owned()))
            };
            assert_eq!(served(book.best_ask().unwrap()), best(model.asks.iter().next()));
            assert_eq!(served(book.best_bid().unwrap()), best(model.bids.iter().next_back()));
        } else {
            assert_serves_nothing(&book);
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn book_follows_the_reference_model(steps in prop::collection::vec(step(), 1..60)) {
        run(&steps);
    }
}
