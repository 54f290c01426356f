//! Durable Parquet files: each is written under a temporary name that no catalog reader globs
//! (`*.parquet.tmp`), closed, synced and only then renamed to `<first ts_init>_<last ts_init>.parquet`, so a
//! reader never meets a half-written file. A crash loses at most the file being written (bounded by rotation).

use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use arrow_array::RecordBatch;
use arrow_schema::SchemaRef;
use parquet::arrow::ArrowWriter;
use parquet::basic::{Compression, ZstdLevel};
use parquet::file::properties::WriterProperties;

use crate::error::{RecorderError, RecorderResult};
use crate::stamp::file_name;

/// Suffix of files being written.
pub const TEMP_SUFFIX: &str = ".parquet.tmp";

/// Row buffers a [`StreamWriter`] turns into row groups.
pub trait RowBuffer {
    /// Rows buffered.
    fn rows(&self) -> usize;
    /// Approximate bytes buffered.
    fn bytes(&self) -> usize;
    /// Moves the buffered rows into a batch of `schema`.
    fn take_batch(&mut self, schema: &SchemaRef) -> Result<RecordBatch, arrow_schema::ArrowError>;
}

/// When files end and how they are encoded.
#[derive(Debug, Clone)]
pub struct FilePolicy {
    /// A file is closed after this long (also when idle, so data becomes readable).
    pub rotate_interval: Duration,
    /// A file is closed once this many bytes are written.
    pub rotate_bytes: u64,
    /// zstd level (1-22).
    pub zstd_level: i32,
}

impl FilePolicy {
    fn properties(&self) -> RecorderResult<WriterProperties> {
        let level = ZstdLevel::try_new(self.zstd_level)
            .map_err(|e| RecorderError::Config(format!("zstd level {}: {e}", self.zstd_level)))?;
        Ok(WriterProperties::builder()
            .set_compression(Compression::ZSTD(level))
            // Row groups are cut by the recorder's memory budget (one per flush), never by the writer.
            .set_max_row_group_row_count(None)
            .build())
    }
}

/// One open file.
struct OpenFile {
    temp_path: PathBuf,
    writer: ArrowWriter<File>,
    first_ts: u64,
    last_ts: u64,
}

/// A finished file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FinishedFile {
    /// Its final path.
    pub path: PathBuf,
    /// Rows in it.
    pub rows: u64,
}

static TEMP_COUNTER: AtomicU64 = AtomicU64::new(0);

/// Writes one stream's rows into a directory as a sequence of files with disjoint `[first, last]` intervals of
/// a non-decreasing time column.
pub struct StreamWriter<B> {
    dir: PathBuf,
    schema: SchemaRef,
    buffer: B,
    buffer_first_ts: u64,
    buffer_last_ts: u64,
    file: Option<OpenFile>,
    file_rows: u64,
    period_start: Option<Instant>,
    floor_ts: u64,
    adjusted: u64,
    ordered: bool,
    policy: FilePolicy,
    properties: WriterProperties,
}

impl<B: RowBuffer> StreamWriter<B> {
    /// A writer of `schema` files in `dir` (created on the first file). With `ordered`, [`Self::admit`] keeps
    /// the time column non-decreasing and the files disjoint (catalog data); without, times are kept as given
    /// and only name the files (the raw capture, whose receive times must stay exact).
    pub fn new(dir: PathBuf, schema: SchemaRef, buffer: B, policy: FilePolicy, ordered: bool) -> RecorderResult<Self> {
        let properties = policy.properties()?;
        Ok(Self {
            dir,
            schema,
            buffer,
            buffer_first_ts: 0,
            buffer_last_ts: 0,
            file: None,
            file_rows: 0,
            period_start: None,
            floor_ts: 1,
            adjusted: 0,
            ordered,
            policy,
            properties,
        })
    }

    /// The time a row stamped `ts` takes: never below the previous row's, and after the last finished file's
    /// end (files of one directory must not overlap); `ts_init` is also never 0. Call before [`Self::buffer`]
    /// and append the row with the returned time.
    pub fn admit(&mut self, ts: u64) -> u64 {
        let admitted = if self.ordered { ts.max(self.floor_ts) } else { ts };
        if admitted != ts {
            self.adjusted += 1;
        }
        self.floor_ts = self.floor_ts.max(admitted);
        self.period_start.get_or_insert_with(Instant::now);
        if self.buffer.rows() == 0 {
            self.buffer_first_ts = admitted;
        }
        self.buffer_last_ts = self.buffer_last_ts.max(admitted);
        admitted
    }

    /// The row buffer, to append the admitted row to.
    pub fn buffer(&mut self) -> &mut B {
        &mut self.buffer
    }

    /// Rows whose time had to be raised to keep the stream ordered and the files disjoint.
    pub fn adjusted(&self) -> u64 {
        self.adjusted
    }

    /// Buffered bytes.
    pub fn buffered_bytes(&self) -> usize {
        self.buffer.bytes()
    }

    /// Writes the buffered rows as one row group (opening a file if none is open).
    pub fn flush(&mut self) -> RecorderResult<()> {
        if self.buffer.rows() == 0 {
            return Ok(());
        }
        let rows = self.buffer.rows() as u64;
        let batch = self.buffer.take_batch(&self.schema)?;
        let (first, last) = (self.buffer_first_ts, self.buffer_last_ts);
        let file = match &mut self.file {
            Some(file) => file,
            None => self.file.insert(self.open(first)?),
        };
        file.writer.write(&batch).map_err(RecorderError::parquet(&file.temp_path))?;
        file.writer.flush().map_err(RecorderError::parquet(&file.temp_path))?;
        file.last_ts = file.last_ts.max(last);
        self.file_rows += rows;
        self.buffer_last_ts = 0;
        Ok(())
    }

    fn open(&self, first_ts: u64) -> RecorderResult<OpenFile> {
        std::fs::create_dir_all(&self.dir).map_err(RecorderError::io("create directory", &self.dir))?;
        let unique = TEMP_COUNTER.fetch_add(1, Ordering::Relaxed);
        let temp_path = self.dir.join(format!("part-{}-{unique}-{first_ts}{TEMP_SUFFIX}", std::process::id()));
        let handle = File::create(&temp_path).map_err(RecorderError::io("create", &temp_path))?;
        let writer = ArrowWriter::try_new(handle, self.schema.clone(), Some(self.properties.clone()))
            .map_err(RecorderError::parquet(&temp_path))?;
        Ok(OpenFile { temp_path, writer, first_ts, last_ts: first_ts })
    }

    /// Whether the current file is due to end now: its first row came `rotate_interval` ago (rows still only
    /// buffered count too, so an idle stream's data becomes readable), or it holds `rotate_bytes`.
    pub fn rotation_due(&self, now: Instant) -> bool {
        let aged = self.period_start.is_some_and(|start| now.duration_since(start) >= self.policy.rotate_interval);
        let full = self.file.as_ref().is_some_and(|file| {
            file.writer.bytes_written() as u64 + file.writer.in_progress_size() as u64 >= self.policy.rotate_bytes
        });
        aged || full
    }

    /// Flushes the buffer and closes the open file under its final name; `None` when nothing was written.
    pub fn finish(&mut self) -> RecorderResult<Option<FinishedFile>> {
        self.flush()?;
        self.period_start = None;
        let Some(file) = self.file.take() else { return Ok(None) };
        let handle = file.writer.into_inner().map_err(RecorderError::parquet(&file.temp_path))?;
        handle.sync_all().map_err(RecorderError::io("sync", &file.temp_path))?;
        let path = self.dir.join(file_name(file.first_ts, file.last_ts));
        std::fs::rename(&file.temp_path, &path).map_err(RecorderError::io("rename", &file.temp_path))?;
        sync_dir(&self.dir);
        self.floor_ts = self.floor_ts.max(file.last_ts.saturating_add(1));
        let rows = std::mem::take(&mut self.file_rows);
        Ok(Some(FinishedFile { path, rows }))
    }
}

/// Makes a rename durable (best effort: not every platform can open a directory).
fn sync_dir(dir: &Path) {
    if let Ok(handle) = File::open(dir) {
        let _ = handle.sync_all();
    }
}

/// Temporary files a previous run left behind under `root` (a crash or SIGKILL): never readable, never globbed
/// by the catalog; reported so the operator can delete them.
pub fn leftover_temp_files(root: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let mut pending = vec![root.to_path_buf()];
    while let Some(dir) = pending.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else { continue };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                pending.push(path);
            } else if path.to_string_lossy().ends_with(TEMP_SUFFIX) {
                found.push(path);
            }
        }
    }
    found.sort();
    found
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::raw::{raw_schema, RawColumns, RawRecord};

    fn record(seq: u64, recv_ns: u64) -> RawRecord {
        RawRecord {
            seq,
            recv_ns,
            endpoint: "public",
            connection: 0,
            kind: "frame",
            channel: Some("trades".into()),
            format: Some("trades"),
            symbol: Some("BTCUSD".into()),
            payload: "{}".into(),
        }
    }

    #[test]
    fn files_are_temporary_until_finished_then_named_by_their_interval() {
        let dir = std::env::temp_dir().join(format!("delta-recorder-files-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let policy = FilePolicy { rotate_interval: Duration::from_secs(60), rotate_bytes: 1 << 30, zstd_level: 1 };
        let mut writer = StreamWriter::new(dir.clone(), raw_schema(), RawColumns::default(), policy, false).unwrap();
        for (seq, ts) in [(0, 1_000), (1, 900), (2, 2_000)] {
            let admitted = writer.admit(ts);
            assert_eq!(admitted, ts, "raw receive times are kept as received");
            writer.buffer().push(record(seq, ts));
        }
        writer.flush().unwrap();
        assert_eq!(leftover_temp_files(&dir).len(), 1, "a file being written is a .parquet.tmp");
        assert!(!writer.rotation_due(Instant::now()));
        let finished = writer.finish().unwrap().unwrap();
        assert_eq!(finished.rows, 3);
        assert_eq!(finished.path, dir.join(file_name(1_000, 2_000)));
        assert!(leftover_temp_files(&dir).is_empty());
        assert_eq!(writer.finish().unwrap(), None, "nothing more to finish");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn ordered_streams_never_go_back_in_time_nor_overlap_a_finished_file() {
        let dir = std::env::temp_dir().join(format!("delta-recorder-ordered-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let policy = FilePolicy { rotate_interval: Duration::from_secs(60), rotate_bytes: 1 << 30, zstd_level: 1 };
        let mut writer = StreamWriter::new(dir.clone(), raw_schema(), RawColumns::default(), policy, true).unwrap();
        assert_eq!(writer.admit(500), 500);
        writer.buffer().push(record(0, 500));
        assert_eq!(writer.admit(400), 500, "raised to the previous row's time");
        writer.buffer().push(record(1, 500));
        writer.finish().unwrap();
        assert_eq!(writer.admit(500), 501, "after the finished file's end");
        assert_eq!(writer.adjusted(), 2);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
