//! The files the recorder writes have exactly the columns, Arrow types, nullability and metadata that
//! nautilus_trader 1.221.0 writes (`tests/golden/catalog_schemas.json`, regenerated from the installed Nautilus
//! and checked by `tests/test_catalog.py`).

use std::sync::Arc;
use std::time::Duration;

use arrow_schema::DataType;
use delta_recorder::catalog::{Columns, DataKind, Row, StreamKey, TimedRow};
use delta_recorder::files::{FilePolicy, StreamWriter};
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use serde_json::Value;

const GOLDEN: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests/golden/catalog_schemas.json");

fn type_name(data_type: &DataType) -> String {
    match data_type {
        DataType::FixedSizeBinary(size) => format!("fixed_size_binary[{size}]"),
        DataType::UInt64 => "uint64".into(),
        DataType::UInt32 => "uint32".into(),
        DataType::UInt8 => "uint8".into(),
        DataType::Utf8 => "string".into(),
        other => format!("{other:?}"),
    }
}

fn sample(kind: DataKind) -> Row {
    match kind {
        DataKind::QuoteTick => Row::Quote { bid: 1, ask: 2, bid_size: 3, ask_size: 4 },
        DataKind::TradeTick => Row::Trade { price: 1, size: 2, aggressor: 1, trade_id: "1-0".into() },
        DataKind::OrderBookDelta => Row::Delta { action: 1, side: 1, price: 1, size: 1, flags: 128, sequence: 1 },
        DataKind::Bar => Row::Bar { open: 1, high: 1, low: 1, close: 1, volume: 1 },
        DataKind::MarkPriceUpdate | DataKind::IndexPriceUpdate => Row::Price { value: 1 },
        DataKind::FundingRateUpdate => Row::Funding { rate: "0.0001".into(), next_funding_ns: None },
    }
}

#[test]
fn written_files_match_what_nautilus_writes() {
    let golden: Value = serde_json::from_str(&std::fs::read_to_string(GOLDEN).expect("golden file")).unwrap();
    let dir = std::env::temp_dir().join(format!("delta-recorder-golden-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let policy = FilePolicy { rotate_interval: Duration::from_secs(60), rotate_bytes: 1 << 30, zstd_level: 3 };
    for kind in DataKind::ALL {
        let expected = &golden[kind.dir()];
        assert!(expected.is_object(), "{} is in the golden file", kind.dir());
        let key = StreamKey {
            kind,
            instrument_id: Arc::from("BTCUSD.DELTA_EXCHANGE"),
            bar_type: (kind == DataKind::Bar).then(|| Arc::from("BTCUSD.DELTA_EXCHANGE-1-MINUTE-LAST-EXTERNAL")),
            price_precision: 1,
            size_precision: 0,
        };
        let columns = Columns::new(&key);
        let mut writer = StreamWriter::new(dir.join(kind.dir()), key.schema(), columns, policy.clone(), true).unwrap();
        let ts = writer.admit(1_750_000_000_000_000_500);
        writer.buffer().push(TimedRow { row: sample(kind), ts_event: ts, ts_init: ts });
        let path = writer.finish().unwrap().unwrap().path;
        let builder = ParquetRecordBatchReaderBuilder::try_new(std::fs::File::open(&path).unwrap()).unwrap();
        let schema = builder.schema();
        let got: Vec<Value> = schema
            .fields()
            .iter()
            .map(|f| serde_json::json!([f.name(), type_name(f.data_type()), f.is_nullable()]))
            .collect();
        let mut wanted = expected["columns"].as_array().unwrap().clone();
        wanted.extend(expected["extra_columns"].as_array().into_iter().flatten().cloned());
        assert_eq!(Value::Array(got), Value::Array(wanted), "{}: columns", kind.dir());
        let metadata: serde_json::Map<String, Value> =
            schema.metadata().iter().map(|(k, v)| (k.clone(), Value::String(v.clone()))).collect();
        assert_eq!(Value::Object(metadata), expected["metadata"], "{}: metadata", kind.dir());
    }
    std::fs::remove_dir_all(&dir).unwrap();
}
