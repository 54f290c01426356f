//! `--metrics-addr`: the recording's figures in the Prometheus text format (version 0.0.4) at `GET /metrics`.
//!
//! The recorder publishes a [`MetricsSnapshot`] a few times a second; a small HTTP/1.1 server on its own task
//! answers each scrape from the latest one, so a slow or stuck scraper never slows the recording.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tracing::{info, warn};

use crate::error::{RecorderError, RecorderResult};
use crate::sink::OutputStats;
use crate::status::Counts;

/// Longest wait for a scraper's request.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(5);
/// Largest request accepted.
const MAX_REQUEST_BYTES: usize = 8 * 1024;

/// The figures one scrape shows.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct MetricsSnapshot {
    /// Frames received per channel (the wire `type`).
    pub messages_by_channel: BTreeMap<String, u64>,
    /// Lifecycle counts.
    pub counts: Counts,
    /// Rows and files written.
    pub outputs: OutputStats,
    /// Events waiting in the socket client's queue.
    pub queue_depth: usize,
    /// Receive-to-dequeue lag of the last event (seconds).
    pub lag_seconds: f64,
    /// Highest receive-to-dequeue lag seen (seconds).
    pub max_lag_seconds: f64,
    /// Seconds since the stalest socket connection last received a frame, once every one has.
    pub heartbeat_age_seconds: Option<f64>,
    /// Reconnections of the socket connections.
    pub reconnects: u64,
    /// Resident set size (bytes), when known.
    pub rss_bytes: Option<u64>,
}

/// The latest snapshot, shared between the recording and the server.
#[derive(Debug, Clone, Default)]
pub struct Metrics(Arc<Mutex<MetricsSnapshot>>);

impl Metrics {
    /// Replaces the published snapshot.
    pub fn publish(&self, snapshot: MetricsSnapshot) {
        *self.0.lock().unwrap_or_else(PoisonError::into_inner) = snapshot;
    }

    /// The published snapshot in the Prometheus text format.
    pub fn render(&self) -> String {
        render(&self.0.lock().unwrap_or_else(PoisonError::into_inner))
    }
}

fn family(out: &mut String, name: &str, kind: &str, help: &str, samples: &[(String, String)]) {
    let _ = writeln!(out, "# HELP delta_recorder_{name} {help}");
    let _ = writeln!(out, "# TYPE delta_recorder_{name} {kind}");
    for (labels, value) in samples {
        let _ = writeln!(out, "delta_recorder_{name}{labels} {value}");
    }
}

fn single(value: impl ToString) -> Vec<(String, String)> {
    vec![(String::new(), value.to_string())]
}

/// Label values escaped as the text format requires (`\`, `"` and newlines).
fn label(value: &str) -> String {
    value.replace('\\', "\\\\").replace('"', "\\\"").replace('\n', "\\n")
}

/// The Prometheus text of `snapshot`.
pub fn render(snapshot: &MetricsSnapshot) -> String {
    let mut out = String::new();
    let by_channel: Vec<(String, String)> = snapshot
        .messages_by_channel
        .iter()
        .map(|(channel, count)| (format!("{{channel=\"{}\"}}", label(channel)), count.to_string()))
        .collect();
    family(&mut out, "messages_total", "counter", "Socket frames received, by channel.", &by_channel);
    let (counts, outputs) = (&snapshot.counts, &snapshot.outputs);
    let counters = [
        ("rows_total", "Catalog rows written.", outputs.rows),
        ("raw_rows_total", "Raw capture rows written (frames and lifecycle rows).", outputs.raw_rows),
        ("files_total", "Files finished (renamed to their final names).", outputs.files),
        ("gaps_total", "Book and sequence gaps (each resynced from a fresh snapshot).", counts.gaps),
        ("resyncs_total", "Books rebuilt after a gap.", counts.resyncs),
        ("decode_errors_total", "Frames the decoder refused (kept in the raw capture).", counts.decode_errors),
        ("disconnects_total", "Socket connections lost.", counts.disconnects),
        ("reconnects_total", "Socket connections re-established.", snapshot.reconnects),
        ("ts_adjusted_total", "Rows whose ts_init was raised to keep files ordered and disjoint.", outputs.adjusted),
    ];
    for (name, help, value) in counters {
        family(&mut out, name, "counter", help, &single(value));
    }
    family(
        &mut out,
        "queue_depth",
        "gauge",
        "Events waiting in the socket client's queue.",
        &single(snapshot.queue_depth),
    );
    family(
        &mut out,
        "lag_seconds",
        "gauge",
        "Receive-to-dequeue lag of the last event.",
        &single(snapshot.lag_seconds),
    );
    family(
        &mut out,
        "lag_max_seconds",
        "gauge",
        "Highest receive-to-dequeue lag seen.",
        &single(snapshot.max_lag_seconds),
    );
    if let Some(age) = snapshot.heartbeat_age_seconds {
        family(
            &mut out,
            "heartbeat_age_seconds",
            "gauge",
            "Seconds since the stalest socket connection last received a frame.",
            &single(age),
        );
    }
    family(&mut out, "buffered_bytes", "gauge", "Rows buffered in memory, bytes.", &single(outputs.buffered_bytes));
    if let Some(rss) = snapshot.rss_bytes {
        family(&mut out, "resident_memory_bytes", "gauge", "Resident set size of the recorder.", &single(rss));
    }
    out
}

/// Binds `addr` and serves `metrics` until the task is dropped; returns the bound address (port 0 picks one).
pub async fn serve(addr: SocketAddr, metrics: Metrics) -> RecorderResult<(SocketAddr, tokio::task::JoinHandle<()>)> {
    let listener = TcpListener::bind(addr)
        .await
        .map_err(|e| RecorderError::Config(format!("--metrics-addr {addr}: cannot listen: {e}")))?;
    let bound = listener.local_addr().map_err(|e| RecorderError::Config(format!("--metrics-addr {addr}: {e}")))?;
    info!(url = %format!("http://{bound}/metrics"), "serving metrics");
    let task = tokio::spawn(async move {
        loop {
            match listener.accept().await {
                Ok((stream, _)) => {
                    let metrics = metrics.clone();
                    tokio::spawn(async move {
                        if let Err(error) = answer(stream, &metrics).await {
                            warn!(%error, "a metrics scrape failed");
                        }
                    });
                }
                Err(error) => warn!(%error, "accepting a metrics connection failed"),
            }
        }
    });
    Ok((bound, task))
}

async fn answer(mut stream: TcpStream, metrics: &Metrics) -> std::io::Result<()> {
    let mut request = Vec::with_capacity(512);
    let mut buffer = [0u8; 1024];
    let complete = tokio::time::timeout(REQUEST_TIMEOUT, async {
        while !request.windows(4).any(|w| w == b"\r\n\r\n") && request.len() < MAX_REQUEST_BYTES {
            let read = stream.read(&mut buffer).await?;
            if read == 0 {
                break;
            }
            request.extend_from_slice(&buffer[..read]);
        }
        Ok::<_, std::io::Error>(())
    })
    .await;
    if !matches!(complete, Ok(Ok(()))) {
        return Ok(());
    }
    let line = request.split(|b| *b == b'\n').next().unwrap_or_default();
    let line = String::from_utf8_lossy(line);
    let mut parts = line.split_whitespace();
    let (status, content_type, body) = match (parts.next(), parts.next()) {
        (Some("GET"), Some("/metrics")) => ("200 OK", "text/plain; version=0.0.4; charset=utf-8", metrics.render()),
        (Some("GET"), _) => ("404 Not Found", "text/plain; charset=utf-8", "only /metrics is served\n".to_owned()),
        _ => ("405 Method Not Allowed", "text/plain; charset=utf-8", "use GET /metrics\n".to_owned()),
    };
    let head = format!(
        "HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    stream.write_all(head.as_bytes()).await?;
    stream.write_all(body.as_bytes()).await?;
    stream.shutdown().await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_counters_gauges_and_escaped_labels() {
        let snapshot = MetricsSnapshot {
            messages_by_channel: [("ob_updates".to_owned(), 7), ("we\"ird".to_owned(), 1)].into_iter().collect(),
            counts: Counts { gaps: 2, ..Counts::default() },
            outputs: OutputStats { rows: 9, ..OutputStats::default() },
            queue_depth: 3,
            lag_seconds: 0.25,
            max_lag_seconds: 0.5,
            heartbeat_age_seconds: Some(1.5),
            reconnects: 1,
            rss_bytes: Some(1024),
        };
        let text = render(&snapshot);
        assert!(text.contains("# TYPE delta_recorder_messages_total counter\n"));
        assert!(text.contains("delta_recorder_messages_total{channel=\"ob_updates\"} 7\n"));
        assert!(text.contains("delta_recorder_messages_total{channel=\"we\\\"ird\"} 1\n"));
        assert!(text.contains("delta_recorder_gaps_total 2\n") && text.contains("delta_recorder_rows_total 9\n"));
        assert!(text.contains("delta_recorder_queue_depth 3\n") && text.contains("delta_recorder_lag_seconds 0.25\n"));
        assert!(text.contains("delta_recorder_resident_memory_bytes 1024\n"));
        assert!(text.contains("delta_recorder_lag_max_seconds 0.5\n"));
        assert!(text.contains("delta_recorder_heartbeat_age_seconds 1.5\n"));
        let before_first_frame = render(&MetricsSnapshot::default());
        assert!(!before_first_frame.contains("heartbeat_age"), "no age before every connection saw a frame");
        assert!(text.lines().all(|line| line.starts_with('#') || line.starts_with("delta_recorder_")));
    }
}
