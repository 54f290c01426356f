//! The raw capture: every frame exactly as received plus the connection's lifecycle, lossless and replayable.
//!
//! Files live in `<out>/raw/` (outside the catalog's `data/`), named like catalog files by their first and last
//! `recv_ns`, zstd-compressed. Columns, in order:
//!
//! | column | type | meaning |
//! |---|---|---|
//! | `seq` | uint64 | capture-wide row number (the recorder's receive order), from 0 |
//! | `recv_ns` | uint64 | local receive time, ns since the Unix epoch |
//! | `endpoint` | utf8 | `public` (the new public socket) or `private` (the private/legacy socket) |
//! | `connection` | uint32 | connection index of the client (more than one when a channel is sharded) |
//! | `kind` | utf8 | `frame`, or a lifecycle row: `connected`, `disconnected`, `reconnecting`, `authenticated`, `auth_failed`, `resubscribed`, `subscription_error`, `gap`, `resynced`, `decode_error` |
//! | `channel` | utf8, nullable | the frame's `type` as sent (`candlestick_1m`), or the channel a lifecycle row concerns |
//! | `format` | utf8, nullable | the decoder format of the frame: the channel's decoder name (`ob_updates`, `mark_price (legacy)`, ...) so a replay or re-normaliser can tell the 2026 compact formats from the legacy ones; null when unknown |
//! | `symbol` | utf8, nullable | the product or index symbol the frame names, when exactly one |
//! | `payload` | utf8 | the frame's text, byte for byte; for lifecycle rows a JSON object with the details |
//!
//! Schema metadata: `delta_recorder_raw_version` (`"1"`).

use std::path::{Path, PathBuf};
use std::sync::Arc;

use arrow_array::{Array, ArrayRef, RecordBatch, StringArray, UInt32Array, UInt64Array};
use arrow_schema::{DataType, Field, Schema, SchemaRef};
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;

use crate::error::{RecorderError, RecorderResult};
use crate::files::RowBuffer;

/// Version of the raw capture layout, in the schema metadata.
pub const RAW_VERSION: &str = "1";

/// Kind of a frame row.
pub const FRAME: &str = "frame";

/// One row of the raw capture.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawRecord {
    /// Capture-wide row number.
    pub seq: u64,
    /// Local receive time (ns).
    pub recv_ns: u64,
    /// `public` or `private`.
    pub endpoint: &'static str,
    /// Connection index.
    pub connection: u32,
    /// `frame` or a lifecycle kind.
    pub kind: &'static str,
    /// The frame's `type` or the lifecycle row's channel.
    pub channel: Option<String>,
    /// The decoder format.
    pub format: Option<&'static str>,
    /// The symbol.
    pub symbol: Option<String>,
    /// Frame text or lifecycle details (JSON).
    pub payload: String,
}

/// The raw capture schema.
pub fn raw_schema() -> SchemaRef {
    let text = |name: &str, nullable: bool| Field::new(name, DataType::Utf8, nullable);
    let fields = vec![
        Field::new("seq", DataType::UInt64, false),
        Field::new("recv_ns", DataType::UInt64, false),
        text("endpoint", false),
        Field::new("connection", DataType::UInt32, false),
        text("kind", false),
        text("channel", true),
        text("format", true),
        text("symbol", true),
        text("payload", false),
    ];
    let metadata: std::collections::HashMap<String, String> =
        [("delta_recorder_raw_version".to_owned(), RAW_VERSION.to_owned())].into_iter().collect();
    Arc::new(Schema::new_with_metadata(fields, metadata))
}

/// Column buffers of pending raw rows.
#[derive(Debug, Default)]
pub struct RawColumns {
    rows: Vec<RawRecord>,
    bytes: usize,
}

impl RawColumns {
    /// Appends a row.
    pub fn push(&mut self, record: RawRecord) {
        self.bytes += 64
            + record.payload.len()
            + record.channel.as_ref().map_or(0, String::len)
            + record.symbol.as_ref().map_or(0, String::len);
        self.rows.push(record);
    }
}

impl RowBuffer for RawColumns {
    fn rows(&self) -> usize {
        self.rows.len()
    }

    fn bytes(&self) -> usize {
        self.bytes
    }

    fn take_batch(&mut self, schema: &SchemaRef) -> Result<RecordBatch, arrow_schema::ArrowError> {
        let rows = std::mem::take(&mut self.rows);
        self.bytes = 0;
        let columns: Vec<ArrayRef> = vec![
            Arc::new(rows.iter().map(|r| r.seq).collect::<UInt64Array>()),
            Arc::new(rows.iter().map(|r| r.recv_ns).collect::<UInt64Array>()),
            Arc::new(rows.iter().map(|r| Some(r.endpoint)).collect::<StringArray>()),
            Arc::new(rows.iter().map(|r| r.connection).collect::<UInt32Array>()),
            Arc::new(rows.iter().map(|r| Some(r.kind)).collect::<StringArray>()),
            Arc::new(rows.iter().map(|r| r.channel.as_deref()).collect::<StringArray>()),
            Arc::new(rows.iter().map(|r| r.format).collect::<StringArray>()),
            Arc::new(rows.iter().map(|r| r.symbol.as_deref()).collect::<StringArray>()),
            Arc::new(rows.iter().map(|r| Some(r.payload.as_str())).collect::<StringArray>()),
        ];
        RecordBatch::try_new(Arc::clone(schema), columns)
    }
}

/// A row read back from a capture (strings owned; `endpoint`, `kind` and `format` as written).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CapturedRow {
    /// Capture-wide row number.
    pub seq: u64,
    /// Local receive time (ns).
    pub recv_ns: u64,
    /// `public` or `private`.
    pub endpoint: String,
    /// Connection index.
    pub connection: u32,
    /// `frame` or a lifecycle kind.
    pub kind: String,
    /// The frame's `type` or the lifecycle row's channel.
    pub channel: Option<String>,
    /// The decoder format.
    pub format: Option<String>,
    /// The symbol.
    pub symbol: Option<String>,
    /// Frame text or lifecycle details.
    pub payload: String,
}

/// The finished capture files at `path` (a file, or a recording's `--out` / `raw` directory), by name (=
/// time) order; temporary files of an unfinished recording are skipped.
pub fn capture_files(path: &Path) -> RecorderResult<Vec<PathBuf>> {
    if path.is_file() {
        return Ok(vec![path.to_path_buf()]);
    }
    let dir = if path.join("raw").is_dir() { path.join("raw") } else { path.to_path_buf() };
    let entries = std::fs::read_dir(&dir).map_err(RecorderError::io("read directory", &dir))?;
    let mut files: Vec<PathBuf> = entries
        .flatten()
        .map(|entry| entry.path())
        .filter(|p| p.extension().is_some_and(|ext| ext == "parquet"))
        .collect();
    files.sort();
    Ok(files)
}

/// Every row of the capture at `path` in `seq` order.
pub fn read_capture(path: &Path) -> RecorderResult<Vec<CapturedRow>> {
    let mut rows = Vec::new();
    for file in capture_files(path)? {
        read_file(&file, &mut rows)?;
    }
    rows.sort_by_key(|row| row.seq);
    Ok(rows)
}

fn read_file(path: &Path, out: &mut Vec<CapturedRow>) -> RecorderResult<()> {
    let handle = std::fs::File::open(path).map_err(RecorderError::io("open", path))?;
    let reader = ParquetRecordBatchReaderBuilder::try_new(handle)
        .and_then(|builder| builder.build())
        .map_err(RecorderError::parquet(path))?;
    let bad = |message: String| RecorderError::Capture { path: path.to_path_buf(), message };
    for batch in reader {
        let batch = batch?;
        let column = |name: &str| batch.column_by_name(name).ok_or_else(|| bad(format!("no column {name}")));
        let u64s = |name: &str| -> RecorderResult<UInt64Array> {
            column(name)?
                .as_any()
                .downcast_ref::<UInt64Array>()
                .cloned()
                .ok_or_else(|| bad(format!("{name} is not uint64")))
        };
        let texts = |name: &str| -> RecorderResult<StringArray> {
            column(name)?
                .as_any()
                .downcast_ref::<StringArray>()
                .cloned()
                .ok_or_else(|| bad(format!("{name} is not utf8")))
        };
        let connection = column("connection")?
            .as_any()
            .downcast_ref::<UInt32Array>()
            .cloned()
            .ok_or_else(|| bad("connection is not uint32".into()))?;
        let (seq, recv_ns) = (u64s("seq")?, u64s("recv_ns")?);
        let (endpoint, kind, channel) = (texts("endpoint")?, texts("kind")?, texts("channel")?);
        let (format, symbol, payload) = (texts("format")?, texts("symbol")?, texts("payload")?);
        let optional = |array: &StringArray, i: usize| (!array.is_null(i)).then(|| array.value(i).to_owned());
        for i in 0..batch.num_rows() {
            out.push(CapturedRow {
                seq: seq.value(i),
                recv_ns: recv_ns.value(i),
                endpoint: endpoint.value(i).to_owned(),
                connection: connection.value(i),
                kind: kind.value(i).to_owned(),
                channel: optional(&channel, i),
                format: optional(&format, i),
                symbol: optional(&symbol, i),
                payload: payload.value(i).to_owned(),
            });
        }
    }
    Ok(())
}
