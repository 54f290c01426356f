//! The producers behind public subscriptions: one task per (channel, symbol) that writes finished
//! frames to its connection's outbox. Book channels follow the book's change feed; trade channels the
//! market's trade feed; the rest are periodic at Delta's documented cadence, with a first message
//! right after subscribing. While the sim replays a capture, the public socket's subscriptions are
//! served by [`crate::replay`] instead.

use std::time::Duration;

use serde_json::{json, Value};
use tokio::sync::broadcast::error::RecvError;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use tokio::time::Instant;

use super::messages;
use super::protocol::{candle_seconds, Endpoint, CATEGORIES};
use crate::book::BookDelta;
use crate::catalog::{IndexInfo, Instrument};
use crate::state::{now_micros, AppState};

/// One frame for a connection, with the channel and symbol it is counted under in `/sim/stats`.
#[derive(Debug, Clone)]
pub struct Outgoing {
    /// Channel the frame belongs to.
    pub channel: String,
    /// Symbol it is counted under.
    pub symbol: String,
    /// The JSON text.
    pub text: String,
}

/// Where a subscription's producer writes.
pub type Outbox = mpsc::Sender<Outgoing>;

/// What a producer serves.
#[derive(Debug, Clone)]
pub struct Feed {
    /// The sim.
    pub state: AppState,
    /// The connection's outbox.
    pub out: Outbox,
    /// Which socket.
    pub endpoint: Endpoint,
    /// Channel name.
    pub channel: String,
    /// The subscribed symbol (or `all`, a category, an index symbol, `MARK:...`).
    pub symbol: String,
}

/// What a periodic channel needs to be rebuilt: a product or an index.
#[derive(Debug, Clone)]
enum Target {
    Product(Box<Instrument>),
    Index(&'static IndexInfo),
}

impl Feed {
    async fn send(&self, symbol: &str, value: &Value) -> bool {
        let outgoing = Outgoing { channel: self.channel.clone(), symbol: symbol.to_owned(), text: value.to_string() };
        self.out.send(outgoing).await.is_ok()
    }

    /// The products a symbol stands for: itself, `MARK:` stripped, `all` or a category.
    fn products(&self) -> Vec<Instrument> {
        let catalog = self.state.catalog();
        let symbol = self.symbol.strip_prefix("MARK:").unwrap_or(&self.symbol);
        if symbol == "all" || CATEGORIES.contains(&symbol) {
            return catalog
                .instruments()
                .iter()
                .filter(|instrument| symbol == "all" || instrument.kind.contract_type() == symbol)
                .cloned()
                .collect();
        }
        catalog.by_symbol(symbol).cloned().into_iter().collect()
    }

    fn targets(&self) -> Vec<Target> {
        let index_channel = matches!(self.channel.as_str(), "spot_price" | "v2/spot_price" | "spot_30mtwap_price");
        if index_channel {
            // No updates for `all` (REFERENCE 9.4/9.5): only index symbols yield data.
            return self.state.catalog().index_by_symbol(&self.symbol).map(Target::Index).into_iter().collect();
        }
        self.products().into_iter().map(|product| Target::Product(Box::new(product))).collect()
    }
}

/// Starts the producer of `feed`; while the sim replays a capture, public subscriptions are served by the
/// replay instead ([`crate::replay::serve`]).
pub fn spawn(feed: Feed) -> JoinHandle<()> {
    tokio::spawn(async move {
        if feed.endpoint == Endpoint::Public && feed.state.replay().is_some() {
            return crate::replay::serve(feed).await;
        }
        let _watch = feed.state.watch(feed.products().iter().map(|product| product.id).collect());
        match feed.channel.as_str() {
            "ob_updates" | "l2_updates" => book_stream(feed).await,
            "trades" | "all_trades" => trade_stream(feed).await,
            "system_status" => status_stream(feed).await,
            // Event channels the sim never raises on its own.
            "product_updates" | "announcements" => {}
            _ => periodic(feed).await,
        }
    })
}

/// `system_status`: a snapshot of the current status, then one message per maintenance switch
/// (`maintenance_started` / `maintenance_finished`).
async fn status_stream(feed: Feed) {
    let (current, mut changes) = feed.state.subscribe_system_status();
    if !feed.send("", &messages::system_status(&current, "app_status_update", now_micros())).await {
        return;
    }
    loop {
        let status = match changes.recv().await {
            Ok(status) => status,
            // Too slow to see every change: the latest status is what matters.
            Err(RecvError::Lagged(_)) => feed.state.system_status(),
            Err(RecvError::Closed) => return,
        };
        let event = if status.maintenance { "maintenance_started" } else { "maintenance_finished" };
        if !feed.send("", &messages::system_status(&status, event, now_micros())).await {
            return;
        }
    }
}

/// Takes one pending `book_error` for `symbol`.
fn take_book_error(state: &AppState, symbol: &str) -> bool {
    let taken = state.with_faults(|faults| {
        let position = faults.book_error.iter().position(|pending| pending == symbol);
        position.map(|index| faults.book_error.remove(index)).is_some()
    });
    if taken {
        state.stats().record_fault("book_error");
    }
    taken
}

/// Whether the `count`-th update of a subscription is left out (`skip_seq` / `skip_seq_every`).
fn take_skip(state: &AppState, count: u64) -> bool {
    let skip = state.with_faults(|faults| {
        if faults.skip_seq > 0 {
            faults.skip_seq -= 1;
            return true;
        }
        faults.skip_seq_every > 0 && count % u64::from(faults.skip_seq_every) == 0
    });
    if skip {
        state.stats().record_fault("skip_seq");
    }
    skip
}

/// Whether this update gets a wrong checksum.
fn take_corruption(state: &AppState) -> bool {
    state.take_fault("corrupt_checksum", |faults| &mut faults.corrupt_checksum)
}

fn book_error(feed: &Feed) -> Value {
    json!({"action": "error", "symbol": feed.symbol, "type": feed.channel, "msg": messages::BOOK_ERROR_TEXT})
}

/// `ob_updates` / `l2_updates`: snapshot, then one update per book change with `seq` +1 and its `cs`.
async fn book_stream(feed: Feed) {
    let compact = feed.endpoint == Endpoint::Public;
    let now = now_micros();
    let snapshot = {
        let venue = feed.state.venue();
        let book = feed.state.catalog().by_symbol(&feed.symbol).and_then(|product| venue.market().book(product.id));
        book.map(|book| {
            let (asks, bids) = messages::full_book(book);
            let (asks, bids) = (messages::level_pairs(&asks), messages::level_pairs(&bids));
            let message = if compact {
                json!({"action": "snapshot", "a": asks, "b": bids, "ts": now, "seq": book.seq(), "sy": feed.symbol,
                       "type": feed.channel, "cs": book.checksum()})
            } else {
                json!({"action": "snapshot", "asks": asks, "bids": bids, "cs": book.checksum(),
                       "sequence_no": book.seq(), "symbol": feed.symbol, "timestamp": now, "type": feed.channel})
            };
            (message, book.subscribe())
        })
    };
    let Some((snapshot, mut changes)) = snapshot else {
        feed.send(&feed.symbol, &book_error(&feed)).await;
        return;
    };
    if take_book_error(&feed.state, &feed.symbol) {
        feed.send(&feed.symbol, &book_error(&feed)).await;
        return;
    }
    if !feed.send(&feed.symbol, &snapshot).await {
        return;
    }
    let mut count = 0u64;
    loop {
        let delta = match changes.recv().await {
            Ok(delta) => delta,
            Err(RecvError::Lagged(_)) => {
                feed.send(&feed.symbol, &book_error(&feed)).await;
                return;
            }
            Err(RecvError::Closed) => return,
        };
        count += 1;
        if take_book_error(&feed.state, &feed.symbol) {
            feed.send(&feed.symbol, &book_error(&feed)).await;
            return;
        }
        if take_skip(&feed.state, count) {
            continue;
        }
        let checksum = if take_corruption(&feed.state) { !delta.checksum } else { delta.checksum };
        if !feed.send(&feed.symbol, &book_update(&feed, compact, &delta, checksum)).await {
            return;
        }
    }
}

fn book_update(feed: &Feed, compact: bool, delta: &BookDelta, checksum: u32) -> Value {
    let level = json!([[delta.change.price.to_string(), delta.change.size.to_string()]]);
    let (asks, bids) = match delta.change.side {
        delta_core::model::Side::Sell => (level, json!([])),
        delta_core::model::Side::Buy => (json!([]), level),
    };
    let now = now_micros();
    if compact {
        json!({"action": "update", "a": asks, "b": bids, "seq": delta.seq, "sy": feed.symbol, "type": feed.channel,
               "ts": now, "cs": checksum})
    } else {
        json!({"action": "update", "asks": asks, "bids": bids, "cs": checksum, "sequence_no": delta.seq,
               "symbol": feed.symbol, "timestamp": now, "type": feed.channel})
    }
}

/// `trades` / `all_trades` (the latter starts with `all_trades_snapshot` per product).
async fn trade_stream(feed: Feed) {
    let products = feed.products();
    let (snapshots, mut trades) = {
        let venue = feed.state.venue();
        let snapshots: Vec<Value> = if feed.channel == "all_trades" {
            products.iter().map(|product| messages::all_trades_snapshot(venue.market(), product)).collect()
        } else {
            Vec::new()
        };
        (snapshots, venue.market().subscribe_trades())
    };
    for (product, snapshot) in products.iter().zip(&snapshots) {
        if !feed.send(&product.symbol, snapshot).await {
            return;
        }
    }
    loop {
        let (product_id, trade) = match trades.recv().await {
            Ok(item) => item,
            Err(RecvError::Lagged(_)) => continue,
            Err(RecvError::Closed) => return,
        };
        let Some(product) = products.iter().find(|product| product.id == product_id) else {
            continue;
        };
        let message = if feed.channel == "all_trades" {
            messages::all_trade(product, &trade)
        } else {
            messages::trade(product, &trade, now_micros())
        };
        if !feed.send(&product.symbol, &message).await {
            return;
        }
    }
}

/// Cadence of a periodic channel and, for book views, the longest silence while unchanged.
fn cadence(channel: &str) -> (Duration, Option<Duration>) {
    match channel {
        "ob_l1" | "l1_orderbook" => (Duration::from_millis(100), Some(Duration::from_secs(5))),
        "ob_l2" => (Duration::from_millis(500), Some(Duration::from_secs(10))),
        "l2_orderbook" => (Duration::from_secs(1), Some(Duration::from_secs(10))),
        "ticker" | "v2/ticker" => (Duration::from_secs(5), None),
        "mark_price" => (Duration::from_secs(2), None),
        "v2/spot_price" | "spot_price" => (Duration::from_secs(1), None),
        // Not documented: one message per second for candles, five seconds for funding and TWAP.
        _ if candle_seconds(channel).is_some() => (Duration::from_secs(1), None),
        _ => (Duration::from_secs(5), None),
    }
}

/// Builds one message of a periodic channel for `target`, with the symbol it counts under; `None` when
/// the channel has nothing for it (funding of a non-perpetual, unchanged book view).
fn build(feed: &Feed, target: &Target, last_seq: &mut Option<u64>, force: bool) -> Option<(String, Value)> {
    let now = now_micros();
    let venue = feed.state.venue();
    let (catalog, market) = (feed.state.catalog(), venue.market());
    let legacy = feed.endpoint == Endpoint::Private;
    let product = match target {
        Target::Index(index) => {
            let message = messages::spot(catalog, market, index, &feed.channel, legacy, now);
            return Some((index.symbol.to_owned(), message));
        }
        Target::Product(product) => product,
    };
    let symbol = product.symbol.clone();
    let book_view = matches!(feed.channel.as_str(), "ob_l1" | "l1_orderbook" | "ob_l2" | "l2_orderbook");
    if book_view {
        let book = market.book(product.id)?;
        if !force && *last_seq == Some(book.seq()) {
            return None;
        }
        *last_seq = Some(book.seq());
        let message = match feed.channel.as_str() {
            "ob_l1" => messages::ob_l1(book, &symbol, now),
            "l1_orderbook" => messages::l1_orderbook(book, product, now),
            "ob_l2" => messages::ob_l2(book, &symbol, now),
            _ => messages::l2_orderbook(book, product, now),
        };
        return Some((symbol, message));
    }
    let message = match feed.channel.as_str() {
        "ticker" => messages::ticker(catalog, market, product, now),
        "v2/ticker" => messages::v2_ticker(catalog, market, product, now),
        "mark_price" if legacy => messages::mark_price_legacy(catalog, market, product, now),
        "mark_price" => messages::mark_price(catalog, market, product, now),
        "funding_rate" if legacy => messages::funding_rate_legacy(product, now)?,
        "funding_rate" => messages::funding_rate(product, now)?,
        channel => messages::candlestick(market, product, channel, legacy, now)?,
    };
    let symbol = if feed.channel == "mark_price" { format!("MARK:{symbol}") } else { symbol };
    Some((symbol, message))
}

async fn periodic(feed: Feed) {
    let targets = feed.targets();
    let (period, max_silence) = cadence(&feed.channel);
    let mut last_seq: Vec<Option<u64>> = vec![None; targets.len()];
    let mut last_sent: Vec<Instant> = vec![Instant::now(); targets.len()];
    let mut ticks = tokio::time::interval(period);
    loop {
        ticks.tick().await;
        for (index, target) in targets.iter().enumerate() {
            let force = max_silence.is_some_and(|silence| last_sent[index].elapsed() >= silence);
            let Some((symbol, message)) = build(&feed, target, &mut last_seq[index], force) else { continue };
            last_sent[index] = Instant::now();
            if !feed.send(&symbol, &message).await {
                return;
            }
        }
    }
}
