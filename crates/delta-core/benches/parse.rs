//! Socket frame decoding (DESIGN 9): compact frames as the socket sends them -> typed `WsMessage`.

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use delta_core::parse::{decode, Endpoint, WsMessage};

const DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../fixtures/delta-api/");

/// A fixture re-serialized without whitespace, the way the socket sends it.
fn compact(name: &str) -> Vec<u8> {
    let bytes = std::fs::read(format!("{DIR}{name}")).expect("fixture");
    let value: serde_json::Value = serde_json::from_slice(&bytes).expect("fixture is JSON");
    serde_json::to_vec(&value).expect("serializes")
}

/// An `ob_updates` update with 10 levels per side, keys in Delta's order (`type` near the end).
fn ob_updates_10() -> Vec<u8> {
    let side = |base: f64, step: f64| {
        (0..10)
            .map(|i| format!("[\"{:.1}\",\"{}\"]", base + step * i as f64, 100 + i * 37))
            .collect::<Vec<_>>()
            .join(",")
    };
    format!(
        "{{\"action\":\"update\",\"a\":[{}],\"b\":[{}],\"seq\":1210340,\"sy\":\"BTCUSD\",\"type\":\"ob_updates\",\"ts\":1779962401204911,\"cs\":2840975927}}",
        side(68453.0, 0.5),
        side(68452.5, -0.5)
    )
    .into_bytes()
}

fn bench_frame(c: &mut Criterion, name: &str, endpoint: Endpoint, frame: &[u8]) {
    assert!(decode(endpoint, frame).is_ok(), "{name} decodes");
    let mut group = c.benchmark_group("ws_decode");
    group.throughput(Throughput::Bytes(frame.len() as u64));
    group.bench_function(name, |b| b.iter(|| decode(endpoint, black_box(frame)).map(|m| m.channel())));
    group.finish();
}

fn frames(c: &mut Criterion) {
    let book = ob_updates_10();
    let mut group = c.benchmark_group("ws_decode");
    group.throughput(Throughput::Bytes(book.len() as u64));
    group.bench_function("ob_updates_10_levels_seq_check", |b| {
        b.iter(|| match decode(Endpoint::Public, black_box(&book)) {
            Ok(WsMessage::ObUpdates(message)) => {
                black_box((message.seq == Some(black_box(1_210_339) + 1), message.asks.len(), message.bids.len()))
            }
            _ => unreachable!(),
        })
    });
    // Floor for comparison: serde_json validating and skipping the same frame, building nothing.
    group.bench_function("ob_updates_10_levels_serde_json_skip_floor", |b| {
        b.iter(|| serde_json::from_slice::<serde::de::IgnoredAny>(black_box(&book)).is_ok())
    });
    group.finish();
    bench_frame(c, "trades", Endpoint::Public, &compact("ws_trades.json"));
    bench_frame(c, "ticker_option_greeks", Endpoint::Public, &compact("ws_ticker_option.json"));
    bench_frame(c, "ob_l1", Endpoint::Public, &compact("ws_ob_l1.json"));
    bench_frame(c, "mark_price", Endpoint::Public, &compact("ws_mark_price.json"));
    bench_frame(c, "orders_update", Endpoint::Private, &compact("ws_orders.json"));
    bench_frame(c, "v2_user_trades", Endpoint::Private, &compact("ws_v2_user_trades.json"));
    bench_frame(c, "l2_updates_snapshot_11_levels", Endpoint::Private, &compact("ws_l2_updates_snapshot.json"));
}

criterion_group!(benches, frames);
criterion_main!(benches);
