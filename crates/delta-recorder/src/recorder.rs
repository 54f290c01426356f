//! One recording: resolve the products over REST, subscribe the sockets with frame capture, and turn every
//! event into raw capture rows and catalog rows until the duration ends or shutdown is asked for; then flush
//! everything.
//!
//! Back-pressure policy: the socket client's bounded queue blocks its reader when the recorder falls behind
//! (TCP flow control slows the exchange's sends), so nothing is dropped; the status line shows the queue depth
//! and lag. Row groups are cut at each stream's share of the memory budget, so memory stays bounded whatever
//! the number of streams.

use std::collections::{BTreeMap, BTreeSet};
use std::future::Future;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::pin::pin;
use std::sync::Arc;
use std::time::{Duration, Instant};

use delta_core::http::{DeltaHttpClient, HttpClientConfig, ProductsQuery};
use delta_core::model::{ContractType, Product};
use delta_core::parse::{frame_route, Endpoint};
use delta_core::ws::{unix_nanos, GapReason, WsClient, WsConfig, WsEvent, WsEventKind, WsEvents, WsStats};
use delta_core::Credentials;
use serde_json::{json, Value};
use tracing::{info, warn};

use crate::catalog::{Instrument, Normalizer, RowSink};
use crate::error::{RecorderError, RecorderResult};
use crate::files::{leftover_temp_files, FilePolicy};
use crate::metrics::{Metrics, MetricsSnapshot};
use crate::raw::{RawRecord, FRAME};
use crate::sink::{OutputFormat, Outputs};
use crate::status::{rss_kb, Counts, StatusLine, Summary};

/// Channels served only by the private (legacy) socket.
pub const LEGACY_CHANNELS: &[&str] = &[
    "l2_updates",
    "l2_orderbook",
    "l1_orderbook",
    "all_trades",
    "v2/ticker",
    "v2/spot_price",
    "spot_30mtwap_price",
    "product_updates",
    "announcements",
];

/// Channels subscribed with index symbols (`.DEXBTUSD`) instead of product symbols.
const INDEX_CHANNELS: &[&str] = &["spot_price", "v2/spot_price", "spot_30mtwap_price"];

/// Channels that take no symbols.
const UNSYMBOLED_CHANNELS: &[&str] = &["product_updates", "announcements", "system_status"];

/// Which products to record.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Selection {
    /// Product symbols; when empty, every live product of `contract_types`.
    pub symbols: Vec<String>,
    /// Contract types of "all products" (ignored with `symbols`).
    pub contract_types: Vec<ContractType>,
    /// Only products of these underlying assets (`BTC`), with `contract_types`.
    pub underlyings: Vec<String>,
    /// Only products expiring on this date (`YYYY-MM-DD`; options by expiry), with `contract_types`.
    pub expiry: Option<String>,
}

/// Everything a recording needs.
#[derive(Debug, Clone)]
pub struct RecorderConfig {
    /// REST base URL (products).
    pub rest_url: String,
    /// The public socket.
    pub public_ws_url: Option<String>,
    /// The private (legacy) socket, for legacy channels.
    pub private_ws_url: Option<String>,
    /// Credentials for the private socket's `key-auth` (legacy public channels need none).
    pub credentials: Option<Credentials>,
    /// Products.
    pub selection: Selection,
    /// Channel names as Delta spells them (`ob_updates`, `candlestick_1m`, ...).
    pub channels: Vec<String>,
    /// Output directory (the catalog root).
    pub out: PathBuf,
    /// What to write.
    pub format: OutputFormat,
    /// Rotation and compression.
    pub files: FilePolicy,
    /// Bytes of rows buffered in memory at most (about).
    pub memory_budget: usize,
    /// Capacity of each socket client's event queue.
    pub queue_capacity: usize,
    /// Stop after this long.
    pub duration: Option<Duration>,
    /// Interval of the status line on stderr (`None`: none).
    pub status_interval: Option<Duration>,
    /// Serve the figures in the Prometheus text format at `http://ADDR/metrics` (`None`: no server).
    pub metrics_addr: Option<SocketAddr>,
}

/// How often due rotations are checked.
const ROTATION_CHECK: Duration = Duration::from_millis(200);

/// Longest wait for events still queued when the recording ends.
const DRAIN_LIMIT: Duration = Duration::from_secs(5);

/// A socket of the recording.
struct Socket {
    endpoint: Endpoint,
    client: WsClient,
    events: WsEvents,
}

/// Seconds since the stalest connection of either socket last received a frame; `None` until all have.
fn heartbeat_age(first: &WsStats, second: Option<&WsStats>) -> Option<f64> {
    let now = unix_nanos();
    let first = first.heartbeat_age(now)?;
    let age = match second {
        Some(second) => first.max(second.heartbeat_age(now)?),
        None => first,
    };
    Some(age.as_secs_f64())
}

/// The products of `selection`, checked: an unknown symbol is an error naming it.
pub async fn resolve_products(rest_url: &str, selection: &Selection) -> RecorderResult<Vec<Product>> {
    let http = DeltaHttpClient::new(HttpClientConfig::new(rest_url))?;
    let query = ProductsQuery {
        contract_types: if selection.symbols.is_empty() { selection.contract_types.clone() } else { Vec::new() },
        expiry: selection.expiry.clone().filter(|_| selection.symbols.is_empty()),
        ..ProductsQuery::default()
    };
    let products = http.products_all(&query).await?;
    if !selection.symbols.is_empty() {
        let chosen: Vec<Product> = products.into_iter().filter(|p| selection.symbols.contains(&p.symbol)).collect();
        let known: BTreeSet<&str> = chosen.iter().map(|p| p.symbol.as_str()).collect();
        let unknown: Vec<&str> = selection.symbols.iter().map(String::as_str).filter(|s| !known.contains(s)).collect();
        if !unknown.is_empty() {
            return Err(RecorderError::Config(format!(
                "unknown symbols {unknown:?} at {rest_url}: check the spelling (Delta symbols such as BTCUSD)"
            )));
        }
        return Ok(chosen);
    }
    let chosen: Vec<Product> = products
        .into_iter()
        .filter(|p| p.is_tradable())
        .filter(|p| {
            selection.underlyings.is_empty()
                || p.underlying_asset.as_ref().is_some_and(|a| selection.underlyings.contains(&a.symbol))
        })
        .collect();
    if chosen.is_empty() {
        return Err(RecorderError::Config(format!(
            "no live product matches {selection:?} at {rest_url}: widen --contract-types, --underlying or --expiry"
        )));
    }
    Ok(chosen)
}

/// The catalog naming and scaling of `product` (the precisions the Python provider gives it).
pub fn instrument_of(product: &Product) -> Instrument {
    Instrument {
        symbol: Arc::from(product.symbol.as_str()),
        price_precision: product.tick_size.normalize().scale(),
        size_precision: 0,
        index_symbol: product.spot_index.as_ref().map(|index| Arc::from(index.symbol.as_str())),
    }
}

/// Records until `shutdown` resolves or the duration ends; returns the summary after every file is finished.
pub async fn record(config: RecorderConfig, shutdown: impl Future<Output = ()>) -> RecorderResult<Summary> {
    let leftovers = leftover_temp_files(&config.out);
    if !leftovers.is_empty() {
        warn!(count = leftovers.len(), first = %leftovers[0].display(), "unfinished files of an earlier run (a crash): unreadable, safe to delete");
    }
    let products = resolve_products(&config.rest_url, &config.selection).await?;
    let instruments: Vec<Instrument> = products.iter().map(instrument_of).collect();
    let sockets = subscribe(&config, &instruments)?;
    let outputs = Outputs::new(&config.out, config.format, config.files.clone(), config.memory_budget)?;
    let metrics = config.metrics_addr.map(|addr| (Metrics::default(), addr));
    let server = match &metrics {
        Some((metrics, addr)) => Some(crate::metrics::serve(*addr, metrics.clone()).await?.1),
        None => None,
    };
    info!(products = instruments.len(), channels = ?config.channels, out = %config.out.display(), "recording");
    let mut session = Session {
        normalizer: Normalizer::new(instruments),
        outputs,
        counts: Counts::default(),
        by_channel: BTreeMap::new(),
        metrics: metrics.map(|(metrics, _)| metrics),
        seq: 0,
        rows: Vec::new(),
    };
    let result = session.run(&config, sockets, shutdown).await;
    let closed = session.outputs.close();
    if let Some(server) = server {
        server.abort();
    }
    result?;
    closed?;
    Ok(Summary { counts: session.counts, outputs: session.outputs.stats(), skipped: session.normalizer.skipped() })
}

fn subscribe(config: &RecorderConfig, instruments: &[Instrument]) -> RecorderResult<Vec<Socket>> {
    let symbols: Vec<&str> = instruments.iter().map(|i| &*i.symbol).collect();
    let indices: BTreeSet<&str> = instruments.iter().filter_map(|i| i.index_symbol.as_deref()).collect();
    let (legacy, public): (Vec<&String>, Vec<&String>) =
        config.channels.iter().partition(|channel| LEGACY_CHANNELS.contains(&channel.as_str()));
    let mut sockets = Vec::new();
    for (endpoint, url, channels) in
        [(Endpoint::Public, &config.public_ws_url, public), (Endpoint::Private, &config.private_ws_url, legacy)]
    {
        if channels.is_empty() {
            continue;
        }
        let Some(url) = url else {
            let flag = if endpoint == Endpoint::Public { "--ws-url" } else { "--private-ws-url" };
            return Err(RecorderError::Config(format!("channels {channels:?} need {flag}")));
        };
        let mut ws = WsConfig::new(url.clone(), endpoint);
        // Frames are always captured: they are the messages counted (per channel) even without a raw capture.
        ws.capture_frames = true;
        ws.queue_capacity = config.queue_capacity;
        if endpoint == Endpoint::Private {
            ws.credentials = config.credentials.clone();
        }
        let (client, events) = WsClient::connect(ws)?;
        for channel in channels {
            let names: Vec<&str> = if UNSYMBOLED_CHANNELS.contains(&channel.as_str()) {
                Vec::new()
            } else if INDEX_CHANNELS.contains(&channel.as_str()) {
                indices.iter().copied().collect()
            } else {
                symbols.clone()
            };
            client.subscribe(channel, &names)?;
        }
        sockets.push(Socket { endpoint, client, events });
    }
    if sockets.is_empty() {
        return Err(RecorderError::Config("no channel to record: pass --channels".into()));
    }
    Ok(sockets)
}

struct Session {
    normalizer: Normalizer,
    outputs: Outputs,
    counts: Counts,
    by_channel: BTreeMap<String, u64>,
    metrics: Option<Metrics>,
    seq: u64,
    rows: RowSink,
}

impl Session {
    async fn run(
        &mut self,
        config: &RecorderConfig,
        mut sockets: Vec<Socket>,
        shutdown: impl Future<Output = ()>,
    ) -> RecorderResult<()> {
        let mut shutdown = pin!(shutdown);
        let deadline = config.duration.map(|d| tokio::time::Instant::now() + d);
        let mut rotation = tokio::time::interval(ROTATION_CHECK);
        let mut status_tick = tokio::time::interval(config.status_interval.unwrap_or(Duration::from_secs(3600)));
        status_tick.reset();
        let mut status = StatusLine::default();
        let (mut first, mut second) = match sockets.len() {
            1 => (sockets.remove(0), None),
            _ => {
                let second = sockets.remove(1);
                (sockets.remove(0), Some(second))
            }
        };
        let result = loop {
            let ended = async {
                match deadline {
                    Some(deadline) => tokio::time::sleep_until(deadline).await,
                    None => std::future::pending().await,
                }
            };
            tokio::select! {
                () = &mut shutdown => break Ok(()),
                () = ended => break Ok(()),
                event = first.events.recv() => match event {
                    Some(event) => self.event(first.endpoint, event)?,
                    None => break Err(RecorderError::Config("the public socket client stopped".into())),
                },
                event = recv_optional(&mut second) => match event {
                    Some((endpoint, event)) => self.event(endpoint, event)?,
                    None => break Err(RecorderError::Config("the private socket client stopped".into())),
                },
                _ = rotation.tick() => {
                    self.outputs.rotate_due(Instant::now())?;
                    self.publish(&first.client, second.as_ref().map(|s| &s.client));
                }
                _ = status_tick.tick(), if config.status_interval.is_some() => {
                    let stats = first.client.stats();
                    let line = status.line(&self.counts, &self.outputs.stats(), stats.queue_depth, stats.last_lag);
                    eprintln!("{line}");
                }
            }
        };
        for socket in std::iter::once(first).chain(second) {
            self.drain(socket).await?;
        }
        result
    }

    /// Publishes the figures for `--metrics-addr`.
    fn publish(&self, first: &WsClient, second: Option<&WsClient>) {
        let Some(metrics) = &self.metrics else { return };
        let stats = first.stats();
        let second = second.map(WsClient::stats);
        metrics.publish(MetricsSnapshot {
            messages_by_channel: self.by_channel.clone(),
            counts: self.counts,
            outputs: self.outputs.stats(),
            queue_depth: stats.queue_depth + second.as_ref().map_or(0, |s| s.queue_depth),
            lag_seconds: stats.last_lag.as_secs_f64(),
            max_lag_seconds: stats.max_lag.max(second.as_ref().map_or(Duration::ZERO, |s| s.max_lag)).as_secs_f64(),
            heartbeat_age_seconds: heartbeat_age(&stats, second.as_ref()),
            reconnects: stats.reconnects() + second.as_ref().map_or(0, |s| s.reconnects()),
            rss_bytes: rss_kb().map(|kb| kb * 1024),
        });
    }

    /// Closes a socket and records what it had already queued.
    async fn drain(&mut self, socket: Socket) -> RecorderResult<()> {
        let Socket { endpoint, client, mut events } = socket;
        client.close().await;
        let limit = tokio::time::Instant::now() + DRAIN_LIMIT;
        while let Ok(Some(event)) = tokio::time::timeout_at(limit, events.recv()).await {
            self.event(endpoint, event)?;
        }
        Ok(())
    }

    fn event(&mut self, endpoint: Endpoint, event: WsEvent) -> RecorderResult<()> {
        let WsEvent { connection, received_ns, kind } = event;
        let (name, channel, detail) = match kind {
            WsEventKind::Frame { text } => {
                self.counts.messages += 1;
                return self.frame(endpoint, connection, received_ns, text);
            }
            WsEventKind::Market(market) => {
                if self.outputs.wants_catalog() {
                    self.normalizer.rows(&market, received_ns, &mut self.rows);
                    for (key, row) in self.rows.drain(..) {
                        self.outputs.row(&key, row)?;
                    }
                }
                return Ok(());
            }
            WsEventKind::Connected => ("connected", None, json!({})),
            WsEventKind::Disconnected { reason } => {
                self.counts.disconnects += 1;
                ("disconnected", None, json!({ "reason": reason }))
            }
            WsEventKind::Reconnecting { attempt, delay } => {
                ("reconnecting", None, json!({ "attempt": attempt, "delay_ms": delay.as_millis() as u64 }))
            }
            WsEventKind::Authenticated => ("authenticated", None, json!({})),
            WsEventKind::AuthFailed { status_code, status } => {
                ("auth_failed", None, json!({ "status_code": status_code, "status": status }))
            }
            WsEventKind::Resubscribed { channels } => ("resubscribed", None, json!({ "channels": channels })),
            WsEventKind::SubscriptionError { channel, message } => {
                warn!(%channel, %message, "subscription refused");
                ("subscription_error", Some((channel, None)), json!({ "message": message }))
            }
            WsEventKind::Gap { channel, symbol, reason } => {
                self.counts.gaps += 1;
                warn!(%channel, %symbol, ?reason, "gap: the book resyncs from a fresh snapshot");
                ("gap", Some((channel.to_string(), Some(symbol.to_string()))), gap_detail(&reason))
            }
            WsEventKind::Resynced { channel, symbol } => {
                self.counts.resyncs += 1;
                ("resynced", Some((channel.to_string(), Some(symbol.to_string()))), json!({}))
            }
            WsEventKind::DecodeError { channel, message, excerpt } => {
                self.counts.decode_errors += 1;
                warn!(%channel, %message, %excerpt, "undecodable frame (kept in the raw capture)");
                ("decode_error", Some((channel, None)), json!({ "message": message, "excerpt": excerpt }))
            }
        };
        let (channel, symbol) = channel.map_or((None, None), |(c, s)| (Some(c), s));
        self.raw(endpoint, connection, received_ns, name, channel, None, symbol, detail.to_string())
    }

    fn frame(&mut self, endpoint: Endpoint, connection: usize, received_ns: u64, text: Box<str>) -> RecorderResult<()> {
        let route = frame_route(endpoint, text.as_bytes());
        let channel_name = route.as_ref().map_or("?", |route| route.message_type);
        match self.by_channel.get_mut(channel_name) {
            Some(count) => *count += 1,
            None => {
                self.by_channel.insert(channel_name.to_owned(), 1);
            }
        }
        if !self.outputs.wants_raw() {
            return Ok(());
        }
        let (channel, format, symbol) = match route {
            Ok(route) => {
                (Some(route.message_type.to_owned()), route.channel.map(|c| c.name()), route.symbol.map(str::to_owned))
            }
            Err(_) => (None, None, None),
        };
        self.raw(endpoint, connection, received_ns, FRAME, channel, format, symbol, text.into_string())
    }

    #[allow(clippy::too_many_arguments)]
    fn raw(
        &mut self,
        endpoint: Endpoint,
        connection: usize,
        recv_ns: u64,
        kind: &'static str,
        channel: Option<String>,
        format: Option<&'static str>,
        symbol: Option<String>,
        payload: String,
    ) -> RecorderResult<()> {
        if !self.outputs.wants_raw() {
            return Ok(());
        }
        let record = RawRecord {
            seq: self.seq,
            recv_ns: if recv_ns == 0 { unix_nanos() } else { recv_ns },
            endpoint: endpoint_name(endpoint),
            connection: u32::try_from(connection).unwrap_or(u32::MAX),
            kind,
            channel,
            format,
            symbol,
            payload,
        };
        self.seq += 1;
        self.outputs.raw(record)
    }
}

async fn recv_optional(socket: &mut Option<Socket>) -> Option<(Endpoint, WsEvent)> {
    match socket {
        Some(socket) => socket.events.recv().await.map(|event| (socket.endpoint, event)),
        None => std::future::pending().await,
    }
}

/// `public` or `private`, as the raw capture writes it.
pub const fn endpoint_name(endpoint: Endpoint) -> &'static str {
    match endpoint {
        Endpoint::Public => "public",
        Endpoint::Private => "private",
    }
}

fn gap_detail(reason: &GapReason) -> Value {
    match reason {
        GapReason::Reconnect => json!({ "reason": "reconnect" }),
        GapReason::ExchangeError(message) => json!({ "reason": "exchange_error", "message": message }),
        GapReason::Book(message) => json!({ "reason": "book", "message": message }),
        GapReason::Sequence { expected, received } => {
            json!({ "reason": "sequence", "expected": expected, "received": received })
        }
    }
}
