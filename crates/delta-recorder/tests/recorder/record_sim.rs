//! Recording delta-sim: nothing the sim sent is missing from the raw capture, the catalog holds the matching
//! rows in Nautilus's layout, the recorded book equals the sim's true book, and files rotate by time and size.

use std::collections::BTreeMap;
use std::time::Duration;

use crate::common::{config, parquet_files, raws, read, record_then_stall, sim, u64s, u8s};
use delta_core::nautilus::{action, flags, to_raw};
use delta_core::Decimal;
use delta_recorder::catalog::DataKind;
use delta_recorder::raw::{read_capture, FRAME};
use delta_recorder::stamp::file_name;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_sent_frame_is_captured_and_the_catalog_matches() {
    let sim = sim(300).await;
    let out = tempdir("lossless");
    let summary = record_then_stall(&sim, config(&sim, &out, &["BTCUSD", "ETHUSD"]), 3.0).await;

    // Nothing lost: every frame the sim counted as sent, per channel, is a frame row of the capture.
    let capture = read_capture(&out).unwrap();
    let mut captured: BTreeMap<String, u64> = BTreeMap::new();
    for row in capture.iter().filter(|r| r.kind == FRAME) {
        *captured.entry(row.channel.clone().unwrap_or_default()).or_default() += 1;
    }
    let sent: BTreeMap<String, u64> =
        sim.stats().sent.iter().map(|(channel, by_symbol)| (channel.clone(), by_symbol.values().sum())).collect();
    assert_eq!(captured, sent, "frames captured per channel = frames the sim sent");
    assert_eq!(summary.counts.messages, sent.values().sum::<u64>());
    assert!(sent["ob_updates"] > 20 && sent["trades"] > 5, "a real stream: {sent:?}");
    assert!(capture.windows(2).all(|w| w[1].seq == w[0].seq + 1), "seq numbers every row once");
    assert!(capture.iter().any(|r| r.kind == "connected"), "lifecycle rows are kept");
    let frame = capture.iter().find(|r| r.channel.as_deref() == Some("ob_updates")).unwrap();
    assert_eq!((frame.endpoint.as_str(), frame.format.as_deref()), ("public", Some("ob_updates")));
    assert!(frame.payload.starts_with('{') && frame.symbol.is_some());

    // The catalog: every kind of the sim's stream, in Nautilus's layout and naming.
    for kind in [
        DataKind::OrderBookDelta,
        DataKind::QuoteTick,
        DataKind::TradeTick,
        DataKind::MarkPriceUpdate,
        DataKind::IndexPriceUpdate,
        DataKind::FundingRateUpdate,
    ] {
        let dir = out.join("data").join(kind.dir()).join("BTCUSD.DELTA_EXCHANGE");
        let files = parquet_files(&dir);
        assert_eq!(files.len(), 1, "{kind:?}: one file (no rotation due)");
        let (batches, metadata) = read(&files[0]);
        assert_eq!(metadata["instrument_id"], "BTCUSD.DELTA_EXCHANGE");
        let ts_init: Vec<u64> = batches.iter().flat_map(|b| u64s(b, "ts_init")).collect();
        assert!(!ts_init.is_empty() && ts_init[0] > 0 && ts_init.windows(2).all(|w| w[0] <= w[1]), "{kind:?}");
        let name = files[0].file_name().unwrap().to_string_lossy().into_owned();
        assert_eq!(name, file_name(ts_init[0], *ts_init.last().unwrap()), "{kind:?}: named by its interval");
    }
    assert_eq!(summary.outputs.adjusted, 0, "receive times were already ordered");
    assert_eq!(summary.counts.gaps, 0);

    // The recorded book, replayed delta by delta, equals the sim's true book (the stream is stalled).
    let files = parquet_files(&out.join("data/order_book_delta/BTCUSD.DELTA_EXCHANGE"));
    let (batches, metadata) = read(&files[0]);
    let precision: u8 = metadata["price_precision"].parse().unwrap();
    let mut book: [BTreeMap<i128, i128>; 2] = Default::default();
    let mut batch_ends = 0;
    for batch in &batches {
        let (actions, sides, row_flags) = (u8s(batch, "action"), u8s(batch, "side"), u8s(batch, "flags"));
        let (prices, sizes) = (raws(batch, "price"), raws(batch, "size"));
        for i in 0..batch.num_rows() {
            match actions[i] {
                action::CLEAR => book.iter_mut().for_each(BTreeMap::clear),
                action::DELETE => {
                    book[usize::from(sides[i] - 1)].remove(&prices[i]);
                }
                _ => {
                    book[usize::from(sides[i] - 1)].insert(prices[i], sizes[i]);
                }
            }
            batch_ends += usize::from(row_flags[i] & flags::F_LAST != 0);
        }
    }
    assert!(batch_ends > 20);
    let body = reqwest::get(format!("{}/sim/book/BTCUSD", sim.rest_url())).await.unwrap().text().await.unwrap();
    let truth: serde_json::Value = serde_json::from_str(&body).unwrap();
    let side = |key: &str, p: u8| -> BTreeMap<i128, i128> {
        truth[key]
            .as_array()
            .unwrap()
            .iter()
            .map(|level| {
                let value = |i: usize| Decimal::parse(level[i].as_str().unwrap()).unwrap();
                (to_raw(&value(0), p).unwrap(), to_raw(&value(1), 0).unwrap())
            })
            .collect()
    };
    assert_eq!(book[0], side("b", precision), "bids");
    assert_eq!(book[1], side("a", precision), "asks");
    sim.shutdown().await.unwrap();
    std::fs::remove_dir_all(&out).unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn files_rotate_by_time_and_by_size_with_disjoint_intervals() {
    let sim = sim(800).await;
    let out = tempdir("rotate");
    let mut by_time = config(&sim, &out.join("time"), &["BTCUSD"]);
    by_time.files.rotate_interval = Duration::from_millis(700);
    let mut by_size = config(&sim, &out.join("size"), &["BTCUSD"]);
    by_size.files.rotate_bytes = 1;
    by_size.memory_budget = 0;
    let (time_summary, size_summary) = tokio::join!(crate::common::record_then_stall(&sim, by_time, 3.0), async {
        // The second recording runs alongside (the sim serves both); it stops with the first's stall.
        crate::common::record_then_stall(&sim, by_size, 3.0).await
    });
    for (name, summary) in [("time", time_summary), ("size", size_summary)] {
        let dir = out.join(name).join("data/order_book_delta/BTCUSD.DELTA_EXCHANGE");
        let files = parquet_files(&dir);
        assert!(files.len() >= 3, "{name}: rotated into {} files", files.len());
        let mut previous_end = 0;
        let mut rows = 0;
        for file in &files {
            let (batches, _) = read(file);
            let ts: Vec<u64> = batches.iter().flat_map(|b| u64s(b, "ts_init")).collect();
            assert!(ts[0] > previous_end, "{name}: intervals are disjoint");
            previous_end = *ts.last().unwrap();
            rows += ts.len();
            let last_flags = batches.last().map(|b| *u8s(b, "flags").last().unwrap()).unwrap();
            assert_ne!(last_flags & flags::F_LAST, 0, "{name}: a file never ends inside a book batch");
        }
        assert!(rows > 0 && summary.outputs.files >= files.len() as u64);
        assert!(parquet_files(&out.join(name).join("raw")).len() >= 2, "{name}: the raw capture rotates too");
    }
    sim.shutdown().await.unwrap();
    std::fs::remove_dir_all(&out).unwrap();
}

fn tempdir(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("delta-recorder-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}
