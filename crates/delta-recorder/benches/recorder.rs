//! Recorder throughput (DESIGN 9: ingest to Parquet with zstd >= 1,000,000 rows/s on one core): socket frame ->
//! raw capture row and catalog rows, and Arrow batch -> zstd Parquet.

use std::hint::black_box;
use std::sync::Arc;

use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use delta_core::parse::{frame_route, Endpoint};
use delta_core::ws::{BookUpdate, Dispatcher, MarketEvent, WsEventKind};
use delta_core::Decimal;
use delta_recorder::catalog::{Columns, DataKind, Instrument, Normalizer, RowSink, StreamKey};
use delta_recorder::files::RowBuffer;
use delta_recorder::raw::{raw_schema, RawColumns, RawRecord};
use parquet::arrow::ArrowWriter;
use parquet::basic::{Compression, ZstdLevel};
use parquet::file::properties::WriterProperties;

const TRADE: &str =
    r#"{"p":"68453.5","r":"t","s":40,"sy":"BTCUSD","t":1779962402331207,"ts":1779962402603029,"type":"trades"}"#;
const ROWS: usize = 100_000;

fn normalizer() -> Normalizer {
    Normalizer::new([Instrument {
        symbol: Arc::from("BTCUSD"),
        price_precision: 1,
        size_precision: 0,
        index_symbol: Some(Arc::from(".DEXBTUSD")),
    }])
}

fn key(kind: DataKind) -> StreamKey {
    StreamKey {
        kind,
        instrument_id: Arc::from("BTCUSD.DELTA_EXCHANGE"),
        bar_type: None,
        price_precision: 1,
        size_precision: 0,
    }
}

/// A 10-level-per-side book update as the verified book hands it over.
fn book_update(seq: u64) -> BookUpdate {
    let level = |base: i64, i: i64| (Decimal::new(i128::from(base + i * 5), 1), Decimal::from_int(100 + i * 37));
    BookUpdate {
        channel: "ob_updates",
        symbol: Arc::from("BTCUSD"),
        snapshot: false,
        asks: (0..10).map(|i| level(684_530, i)).collect(),
        bids: (0..10).map(|i| level(684_525, -i)).collect(),
        seq: Some(seq),
        timestamp_us: Some(1_779_962_401_204_911),
    }
}

fn raw_record(seq: u64, payload: &str) -> RawRecord {
    RawRecord {
        seq,
        recv_ns: 1_779_962_402_603_029_000 + seq,
        endpoint: "public",
        connection: 0,
        kind: "frame",
        channel: Some("trades".into()),
        format: Some("trades"),
        symbol: Some("BTCUSD".into()),
        payload: payload.to_owned(),
    }
}

fn ingest(c: &mut Criterion) {
    let mut group = c.benchmark_group("recorder_ingest");
    let mut dispatcher = Dispatcher::new(Endpoint::Public);
    let mut normalizer = normalizer();
    let trade_key = key(DataKind::TradeTick);
    let mut columns = Columns::new(&trade_key);
    let mut raw = RawColumns::default();
    let (mut events, mut rows): (Vec<WsEventKind>, RowSink) = (Vec::new(), Vec::new());
    let mut seq = 0;
    group.throughput(Throughput::Elements(1));
    group.bench_function("trades_frame_to_raw_and_catalog_rows", |b| {
        b.iter(|| {
            let route = frame_route(Endpoint::Public, black_box(TRADE).as_bytes()).expect("routes");
            raw.push(RawRecord {
                channel: Some(route.message_type.to_owned()),
                symbol: route.symbol.map(str::to_owned),
                ..raw_record(seq, TRADE)
            });
            seq += 1;
            dispatcher.dispatch(black_box(TRADE), &mut events);
            for event in events.drain(..) {
                if let WsEventKind::Market(market) = event {
                    normalizer.rows(&market, seq, &mut rows);
                }
            }
            for (_, row) in rows.drain(..) {
                columns.push(row);
            }
            if columns.len() >= ROWS {
                columns = Columns::new(&trade_key);
                raw = RawColumns::default();
            }
        });
    });
    let book = MarketEvent::Book(book_update(1));
    let delta_key = key(DataKind::OrderBookDelta);
    let mut deltas = Columns::new(&delta_key);
    group.throughput(Throughput::Elements(20));
    group.bench_function("ob_updates_10_levels_to_delta_rows", |b| {
        b.iter(|| {
            normalizer.rows(black_box(&book), 1, &mut rows);
            for (_, row) in rows.drain(..) {
                deltas.push(row);
            }
            if deltas.len() >= ROWS {
                deltas = Columns::new(&delta_key);
            }
        });
    });
    group.finish();
}

fn write_parquet<B: RowBuffer>(mut buffer: B, schema: &arrow_schema::SchemaRef) -> usize {
    let properties = WriterProperties::builder()
        .set_compression(Compression::ZSTD(ZstdLevel::try_new(3).expect("level")))
        .set_max_row_group_row_count(None)
        .build();
    let batch = buffer.take_batch(schema).expect("batch");
    let mut writer = ArrowWriter::try_new(Vec::new(), Arc::clone(schema), Some(properties)).expect("writer");
    writer.write(&batch).expect("write");
    writer.into_inner().expect("close").len()
}

fn parquet(c: &mut Criterion) {
    let mut group = c.benchmark_group("recorder_parquet_zstd3");
    group.sample_size(10);
    group.throughput(Throughput::Elements(ROWS as u64));
    let delta_key = key(DataKind::OrderBookDelta);
    let delta_schema = delta_key.schema();
    let mut normalizer = normalizer();
    let mut deltas = || {
        let mut columns = Columns::new(&delta_key);
        let mut rows = Vec::new();
        for seq in 0..(ROWS / 20) as u64 {
            normalizer.rows(&MarketEvent::Book(book_update(seq)), 1_779_962_402_603_029_000 + seq * 1000, &mut rows);
            for (_, row) in rows.drain(..) {
                columns.push(row);
            }
        }
        columns
    };
    group.bench_function("order_book_delta_rows", |b| {
        b.iter_batched(&mut deltas, |columns| write_parquet(columns, &delta_schema), BatchSize::LargeInput);
    });
    let frames = || {
        let mut raw = RawColumns::default();
        for seq in 0..ROWS as u64 {
            raw.push(raw_record(seq, TRADE));
        }
        raw
    };
    let schema = raw_schema();
    group.bench_function("raw_capture_rows", |b| {
        b.iter_batched(frames, |raw| write_parquet(raw, &schema), BatchSize::LargeInput);
    });
    group.finish();
}

criterion_group!(benches, ingest, parquet);
criterion_main!(benches);
