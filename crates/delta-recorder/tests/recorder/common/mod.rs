//! Shared by the recorder's integration tests: an in-process delta-sim, a recording against it, and readers of
//! what was written.

#![allow(dead_code)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use arrow_array::{Array, FixedSizeBinaryArray, RecordBatch, UInt64Array, UInt8Array};
use delta_recorder::files::FilePolicy;
use delta_recorder::{record, OutputFormat, RecorderConfig, Selection, Summary};
use delta_sim::{spawn, FaultsUpdate, SimConfig, SimHandle};
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use tokio::sync::oneshot;

/// Every public channel the catalog maps.
pub const CHANNELS: &[&str] =
    &["ob_updates", "trades", "ob_l1", "mark_price", "funding_rate", "spot_price", "candlestick_1m", "ticker"];

/// A sim with a steady public stream.
pub async fn sim(rate: u32) -> SimHandle {
    spawn(SimConfig { port: 0, rate, ..SimConfig::default() }).await.unwrap()
}

/// A recording configuration against `sim` into `out`.
pub fn config(sim: &SimHandle, out: &Path, symbols: &[&str]) -> RecorderConfig {
    RecorderConfig {
        rest_url: sim.rest_url(),
        public_ws_url: Some(sim.public_ws_url()),
        private_ws_url: Some(sim.ws_url()),
        credentials: None,
        selection: Selection { symbols: symbols.iter().map(|s| (*s).to_owned()).collect(), ..Selection::default() },
        channels: CHANNELS.iter().map(|c| (*c).to_owned()).collect(),
        out: out.to_path_buf(),
        format: OutputFormat::Both,
        files: FilePolicy { rotate_interval: Duration::from_secs(3600), rotate_bytes: 1 << 30, zstd_level: 3 },
        memory_budget: 8 << 20,
        queue_capacity: 4096,
        duration: None,
        status_interval: None,
        metrics_addr: None,
    }
}

/// Records for `seconds`, then pauses the sim's market and stalls its sockets (nothing more is sent, so its
/// counts and book are final), lets the last frames arrive and stops the recording.
pub async fn record_then_stall(sim: &SimHandle, config: RecorderConfig, seconds: f64) -> Summary {
    let (stop, stopped) = oneshot::channel::<()>();
    let recording = tokio::spawn(record(config, async move {
        let _ = stopped.await;
    }));
    tokio::time::sleep(Duration::from_secs_f64(seconds)).await;
    // The market stops changing first (so the true book is final), then nothing at all is sent.
    sim.faults().update(FaultsUpdate { pause_market: Some(true), ..FaultsUpdate::default() });
    tokio::time::sleep(Duration::from_millis(300)).await;
    sim.faults().update(FaultsUpdate { stall: Some(true), ..FaultsUpdate::default() });
    tokio::time::sleep(Duration::from_millis(300)).await;
    stop.send(()).unwrap();
    recording.await.unwrap().unwrap()
}

/// Finished Parquet files under `dir` (recursively), sorted.
pub fn parquet_files(dir: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(dir) = pending.pop() {
        for entry in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
            let path = entry.path();
            if path.is_dir() {
                pending.push(path);
            } else if path.extension().is_some_and(|e| e == "parquet") {
                found.push(path);
            }
        }
    }
    found.sort();
    found
}

/// Every batch of a file, and its schema metadata.
pub fn read(path: &Path) -> (Vec<RecordBatch>, BTreeMap<String, String>) {
    let builder = ParquetRecordBatchReaderBuilder::try_new(std::fs::File::open(path).unwrap()).unwrap();
    let metadata = builder.schema().metadata().clone().into_iter().collect();
    let batches = builder.build().unwrap().map(Result::unwrap).collect();
    (batches, metadata)
}

/// A u64 column of a batch.
pub fn u64s(batch: &RecordBatch, name: &str) -> Vec<u64> {
    batch.column_by_name(name).unwrap().as_any().downcast_ref::<UInt64Array>().unwrap().values().to_vec()
}

/// A u8 column of a batch.
pub fn u8s(batch: &RecordBatch, name: &str) -> Vec<u8> {
    batch.column_by_name(name).unwrap().as_any().downcast_ref::<UInt8Array>().unwrap().values().to_vec()
}

/// A raw (16-byte little-endian) column of a batch as i128.
pub fn raws(batch: &RecordBatch, name: &str) -> Vec<i128> {
    let array = batch.column_by_name(name).unwrap().as_any().downcast_ref::<FixedSizeBinaryArray>().unwrap();
    (0..array.len()).map(|i| i128::from_le_bytes(array.value(i).try_into().unwrap())).collect()
}
