//! Where a recording goes: the raw capture and one catalog stream per (type, instrument, precision), with the
//! memory budget and rotation applied to all of them.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::Instant;

use crate::catalog::{Columns, StreamKey, TimedRow};
use crate::error::RecorderResult;
use crate::files::{FilePolicy, FinishedFile, StreamWriter};
use crate::raw::{raw_schema, RawColumns, RawRecord};

/// What a recording writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OutputFormat {
    /// The Nautilus catalog only.
    Nautilus,
    /// The raw capture only.
    Raw,
    /// Both (the default).
    Both,
}

impl OutputFormat {
    /// Whether the raw capture is written.
    pub const fn raw(self) -> bool {
        matches!(self, OutputFormat::Raw | OutputFormat::Both)
    }

    /// Whether the catalog is written.
    pub const fn catalog(self) -> bool {
        matches!(self, OutputFormat::Nautilus | OutputFormat::Both)
    }
}

/// Running totals of the outputs.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct OutputStats {
    /// Raw capture rows (frames and lifecycle rows).
    pub raw_rows: u64,
    /// Catalog rows.
    pub rows: u64,
    /// Files finished (renamed to their final names).
    pub files: u64,
    /// Catalog rows whose `ts_init` was raised to keep a stream ordered and its files disjoint.
    pub adjusted: u64,
    /// Bytes buffered in memory now.
    pub buffered_bytes: usize,
}

/// Smallest and largest row group a stream cuts, whatever the budget and stream count.
const MIN_GROUP_BYTES: usize = 16 * 1024;
const MAX_GROUP_BYTES: usize = 32 * 1024 * 1024;

/// The raw capture and catalog writers of one recording.
pub struct Outputs {
    root: PathBuf,
    policy: FilePolicy,
    memory_budget: usize,
    raw: Option<StreamWriter<RawColumns>>,
    catalog: Option<HashMap<StreamKey, StreamWriter<Columns>>>,
    finished: Vec<FinishedFile>,
    stats: OutputStats,
}

impl Outputs {
    /// Writers under `root` for `format`; buffered rows of all streams stay within about `memory_budget`
    /// bytes (each stream cuts a row group at its share of the budget).
    pub fn new(root: &Path, format: OutputFormat, policy: FilePolicy, memory_budget: usize) -> RecorderResult<Self> {
        let raw = if format.raw() {
            let dir = root.join("raw");
            Some(StreamWriter::new(dir, raw_schema(), RawColumns::default(), policy.clone(), false)?)
        } else {
            None
        };
        Ok(Self {
            root: root.to_path_buf(),
            policy,
            memory_budget,
            raw,
            catalog: format.catalog().then(HashMap::new),
            finished: Vec::new(),
            stats: OutputStats::default(),
        })
    }

    /// Whether catalog rows are wanted.
    pub fn wants_catalog(&self) -> bool {
        self.catalog.is_some()
    }

    /// Whether raw rows are wanted.
    pub fn wants_raw(&self) -> bool {
        self.raw.is_some()
    }

    fn group_bytes(&self) -> usize {
        let streams = 1 + self.catalog.as_ref().map_or(0, HashMap::len);
        (self.memory_budget / streams).clamp(MIN_GROUP_BYTES, MAX_GROUP_BYTES)
    }

    /// Appends a raw capture row.
    pub fn raw(&mut self, record: RawRecord) -> RecorderResult<()> {
        let group = self.group_bytes();
        let Some(writer) = &mut self.raw else { return Ok(()) };
        writer.admit(record.recv_ns);
        writer.buffer().push(record);
        self.stats.raw_rows += 1;
        if writer.buffered_bytes() >= group {
            writer.flush()?;
        }
        Ok(())
    }

    /// Appends a catalog row to its stream (created on its first row).
    pub fn row(&mut self, key: &StreamKey, mut timed: TimedRow) -> RecorderResult<()> {
        let group = self.group_bytes();
        let Some(catalog) = &mut self.catalog else { return Ok(()) };
        let writer = match catalog.get_mut(key) {
            Some(writer) => writer,
            None => {
                let dir = self.root.join("data").join(key.kind.dir()).join(key.identifier());
                let columns = Columns::new(key);
                let writer = StreamWriter::new(dir, key.schema(), columns, self.policy.clone(), true)?;
                catalog.entry(key.clone()).or_insert(writer)
            }
        };
        timed.ts_init = writer.admit(timed.ts_init);
        if !writer.buffer().push(timed) {
            tracing::error!(kind = ?key.kind, "a row of another data type reached this stream: dropped");
            return Ok(());
        }
        self.stats.rows += 1;
        if writer.buffered_bytes() >= group {
            writer.flush()?;
        }
        Ok(())
    }

    /// Ends every file whose rotation is due. Call between events only, so a file never splits the rows of one
    /// socket message (a book batch stays in one file).
    pub fn rotate_due(&mut self, now: Instant) -> RecorderResult<()> {
        if let Some(writer) = &mut self.raw {
            if writer.rotation_due(now) {
                self.finished.extend(writer.finish()?);
            }
        }
        for writer in self.catalog.iter_mut().flat_map(HashMap::values_mut) {
            if writer.rotation_due(now) {
                self.finished.extend(writer.finish()?);
            }
        }
        self.stats.files = self.finished.len() as u64;
        Ok(())
    }

    /// Flushes and finishes every file; returns all files of the recording.
    pub fn close(&mut self) -> RecorderResult<Vec<FinishedFile>> {
        let mut first_error = None;
        let writers = self.raw.iter_mut().map(|w| w.finish()).collect::<Vec<_>>();
        let catalog = self.catalog.iter_mut().flat_map(HashMap::values_mut).map(|w| w.finish()).collect::<Vec<_>>();
        for result in writers.into_iter().chain(catalog) {
            match result {
                Ok(file) => self.finished.extend(file),
                Err(error) => {
                    tracing::error!(%error, "a file could not be finished");
                    first_error.get_or_insert(error);
                }
            }
        }
        self.stats.files = self.finished.len() as u64;
        match first_error {
            Some(error) => Err(error),
            None => Ok(self.finished.clone()),
        }
    }

    /// Running totals.
    pub fn stats(&self) -> OutputStats {
        let catalog = self.catalog.iter().flat_map(HashMap::values);
        OutputStats {
            adjusted: catalog.clone().map(StreamWriter::adjusted).sum(),
            buffered_bytes: self.raw.iter().map(StreamWriter::buffered_bytes).sum::<usize>()
                + catalog.map(StreamWriter::buffered_bytes).sum::<usize>(),
            ..self.stats
        }
    }
}
