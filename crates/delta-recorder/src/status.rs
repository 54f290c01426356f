//! Counters of a recording, the periodic status line (stderr) and the final summary line (stdout, DESIGN 8).

use std::time::{Duration, Instant};

use crate::catalog::Skipped;
use crate::sink::OutputStats;

/// What the recorder counted.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Counts {
    /// Socket frames received (every one is in the raw capture when it is written).
    pub messages: u64,
    /// Book gaps and private sequence gaps.
    pub gaps: u64,
    /// Books rebuilt after a gap.
    pub resyncs: u64,
    /// Frames the decoder refused (kept raw; nothing in the catalog).
    pub decode_errors: u64,
    /// Connections lost.
    pub disconnects: u64,
}

/// The final result of a recording.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Summary {
    /// Frames and lifecycle counts.
    pub counts: Counts,
    /// Rows and files written.
    pub outputs: OutputStats,
    /// Market events that produced no catalog row (not recorded symbols, unusable values).
    pub skipped: Skipped,
}

impl Summary {
    /// The rest of the counts, for the log: `details raw_rows=... adjusted=... decode_errors=... resyncs=...
    /// disconnects=... unrouted=... unusable=... peak_rss_mb=...`.
    pub fn details(&self) -> String {
        format!(
            "details raw_rows={} adjusted={} decode_errors={} resyncs={} disconnects={} unrouted={} unusable={} \
             peak_rss_mb={}",
            self.outputs.raw_rows,
            self.outputs.adjusted,
            self.counts.decode_errors,
            self.counts.resyncs,
            self.counts.disconnects,
            self.skipped.unrouted,
            self.skipped.unusable,
            peak_rss_kb().map_or_else(|| "?".to_owned(), |kb| (kb / 1024).to_string()),
        )
    }

    /// `recorded messages=N rows=M files=F gaps=G` (the last stdout line; scripts parse it).
    pub fn line(&self) -> String {
        format!(
            "recorded messages={} rows={} files={} gaps={}",
            self.counts.messages, self.outputs.rows, self.outputs.files, self.counts.gaps
        )
    }
}

/// Builds the status line every interval.
pub struct StatusLine {
    started: Instant,
    last: Instant,
    last_messages: u64,
}

impl Default for StatusLine {
    fn default() -> Self {
        let now = Instant::now();
        Self { started: now, last: now, last_messages: 0 }
    }
}

impl StatusLine {
    /// The status line for now: rates since the previous line.
    pub fn line(&mut self, counts: &Counts, outputs: &OutputStats, queue_depth: usize, lag: Duration) -> String {
        let now = Instant::now();
        let seconds = now.duration_since(self.last).as_secs_f64().max(1e-9);
        let rate = (counts.messages - self.last_messages) as f64 / seconds;
        self.last = now;
        self.last_messages = counts.messages;
        format!(
            "status elapsed={:.0}s msg/s={rate:.0} messages={} rows={} files={} gaps={} decode_errors={} queue={} \
             lag_ms={:.1} buffered_kb={} rss_mb={}",
            now.duration_since(self.started).as_secs_f64(),
            counts.messages,
            outputs.rows,
            outputs.files,
            counts.gaps,
            counts.decode_errors,
            queue_depth,
            lag.as_secs_f64() * 1e3,
            outputs.buffered_bytes / 1024,
            rss_kb().map_or_else(|| "?".to_owned(), |kb| (kb / 1024).to_string()),
        )
    }
}

/// Resident set size of this process (KiB), from `/proc/self/status` (`None` where there is none).
pub fn rss_kb() -> Option<u64> {
    proc_status_kb("VmRSS:")
}

/// Peak resident set size of this process (KiB).
pub fn peak_rss_kb() -> Option<u64> {
    proc_status_kb("VmHWM:")
}

fn proc_status_kb(key: &str) -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|line| line.starts_with(key))?;
    line[key.len()..].trim().trim_end_matches("kB").trim().parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn summary_line_is_the_documented_one() {
        let summary = Summary {
            counts: Counts { messages: 10, gaps: 1, ..Counts::default() },
            outputs: OutputStats { rows: 25, files: 3, ..OutputStats::default() },
            skipped: Skipped::default(),
        };
        assert_eq!(summary.line(), "recorded messages=10 rows=25 files=3 gaps=1");
        assert!(summary.details().starts_with("details raw_rows=0 adjusted=0 decode_errors=0"));
    }

    #[test]
    fn status_line_reports_rates_and_memory() {
        let mut status = StatusLine::default();
        let line = status.line(&Counts::default(), &OutputStats::default(), 3, Duration::from_millis(2));
        assert!(line.starts_with("status elapsed=") && line.contains("queue=3") && line.contains("rss_mb="));
        assert!(rss_kb().is_some_and(|kb| kb > 0));
    }
}
