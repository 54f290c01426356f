//! Socket events → the tuples of the contract (`KIND_*` first; raws at 10^16; times in ns).
//!
//! Book messages take one of two shapes: `KIND_BOOK` (the incremental channels `ob_updates`/`l2_updates`:
//! snapshot then diffs, with side and action per level) and `KIND_BOOK_DEPTH` (the snapshot-only channels
//! `ob_l2`/`l2_orderbook`: `(KIND_BOOK_DEPTH, symbol, bids, asks, ts_event, ts_init)` with `(price_raw,
//! size_raw)` levels best first, as Delta sends them).
//!
//! A [`Converter`] belongs to one drain task: it owns the closed-bar tracker and the per-symbol trade
//! counters (deterministic trade ids), and reads the shared per-symbol precisions ([`Scaling`]).

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, PoisonError, RwLock};

use delta_core::bars::{BarTracker, ClosedBar};
use delta_core::model::LiquidityRole;
use delta_core::nautilus::{aggressor, event_ns as ns, level_action, TradeIds, BUY, SELL};
use delta_core::parse::{Channel, EventAction};
use delta_core::ws::{
    BookUpdate, FillEvent, GapReason, MarketEvent, OrderEvent, PositionEvent, TopOfBook, WsEvent, WsEventKind,
};
use delta_core::Decimal;
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyString};

use crate::convert::{json_to_py, to_json};
use crate::decode::system_state;
use crate::scale::{to_raw, Raw, FIXED_PRECISION};

/// Kind constants (first element of every tuple).
pub mod kind {
    /// Verified book message of an incremental channel (`ob_updates`, `l2_updates`).
    pub const BOOK: u8 = 0;
    /// Best bid/ask.
    pub const QUOTE: u8 = 1;
    /// Public trade.
    pub const TRADE: u8 = 2;
    /// Mark price.
    pub const MARK_PRICE: u8 = 3;
    /// Index price.
    pub const INDEX_PRICE: u8 = 4;
    /// Funding rate.
    pub const FUNDING: u8 = 5;
    /// Closed bar.
    pub const BAR: u8 = 6;
    /// Exchange status.
    pub const STATUS: u8 = 7;
    /// Connection lifecycle.
    pub const LIFECYCLE: u8 = 8;
    /// Private (account) data.
    pub const PRIVATE: u8 = 9;
    /// Top-of-book snapshot from a snapshot-only channel (`ob_l2`, `l2_orderbook`).
    pub const BOOK_DEPTH: u8 = 10;
}

/// `(price_precision, size_precision)` per symbol; unregistered symbols are scaled exactly.
#[derive(Debug, Default)]
pub struct Scaling {
    precisions: RwLock<HashMap<String, (u8, u8)>>,
    /// Bumped by every `set`, so converters can cache precisions per symbol and re-read them only after a change.
    version: AtomicU64,
}

impl Scaling {
    /// Registers (or replaces) the precisions of `symbol`; `ValueError` beyond Nautilus's 16 digits.
    pub fn set(&self, symbol: &str, price_precision: u8, size_precision: u8) -> PyResult<()> {
        if price_precision > FIXED_PRECISION || size_precision > FIXED_PRECISION {
            return Err(PyValueError::new_err("precisions must be between 0 and 16"));
        }
        self.precisions
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(symbol.to_owned(), (price_precision, size_precision));
        self.version.fetch_add(1, Ordering::Release);
        Ok(())
    }

    /// The number of `set` calls so far.
    fn version(&self) -> u64 {
        self.version.load(Ordering::Acquire)
    }

    /// The precisions of `symbol` (`MARK:X` uses those of `X`); 16 digits when unregistered.
    fn get(&self, symbol: &str) -> (u8, u8) {
        let map = self.precisions.read().unwrap_or_else(PoisonError::into_inner);
        map.get(symbol)
            .or_else(|| symbol.strip_prefix("MARK:").and_then(|s| map.get(s)))
            .copied()
            .unwrap_or((FIXED_PRECISION, FIXED_PRECISION))
    }
}

/// A value that cannot become a raw (beyond i128 at 10^16).
struct OutOfRange(String);

type Converted<T> = Result<T, OutOfRange>;

fn raw(value: &Decimal, precision: u8) -> Converted<Raw> {
    to_raw(value, precision).map(Raw).ok_or_else(|| OutOfRange(format!("{value} is out of range for a raw value")))
}

/// Delta's funding rate (percent per interval) as the fraction Nautilus's `FundingRateUpdate.rate` holds.
fn funding_fraction(percent: &Decimal) -> Converted<String> {
    percent
        .percent_to_fraction()
        .map(|rate| rate.to_string())
        .ok_or_else(|| OutOfRange(format!("funding rate {percent} % cannot be made a fraction")))
}

fn opt_raw(value: Option<&Decimal>, precision: u8) -> Converted<Option<Raw>> {
    value.map(|v| raw(v, precision)).transpose()
}

/// What a tuple needs of its symbol: the Python `str` and the precisions, as of `Scaling` version `version`.
struct SymbolEntry {
    text: Py<PyString>,
    precisions: (u8, u8),
    version: u64,
}

/// One Python `str` per symbol, reused by every tuple of that symbol: no string to allocate per tuple, and the
/// string's hash is computed once, so the Python side's dict lookups by symbol stay cheap. The symbol's
/// precisions are cached beside it and re-read from `Scaling` (a lock) only after `set_instrument` changed them.
#[derive(Default)]
struct Symbols {
    /// The symbol of the previous lookup (delta-core shares one `Arc` per symbol and connection, so a run of
    /// messages of one symbol costs a pointer comparison, not a hash); it is not in `others` meanwhile.
    last: Option<(Arc<str>, SymbolEntry)>,
    others: HashMap<Arc<str>, SymbolEntry>,
}

impl Symbols {
    fn get<'py>(&mut self, py: Python<'py>, symbol: &Arc<str>, scaling: &Scaling) -> (Bound<'py, PyString>, (u8, u8)) {
        let version = scaling.version();
        let entry = match &mut self.last {
            Some((last, entry)) if Arc::ptr_eq(last, symbol) => entry,
            last => {
                let entry = self.others.remove(symbol).unwrap_or_else(|| SymbolEntry {
                    text: PyString::new(py, symbol).unbind(),
                    precisions: scaling.get(symbol),
                    version,
                });
                if let Some((previous, previous_entry)) = last.take() {
                    self.others.insert(previous, previous_entry);
                }
                &mut last.insert((Arc::clone(symbol), entry)).1
            }
        };
        if entry.version != version {
            entry.precisions = scaling.get(symbol);
            entry.version = version;
        }
        (entry.text.bind(py).clone(), entry.precisions)
    }
}

/// Converts the events of one client into tuples, keeping the state the conversion needs.
pub struct Converter {
    scaling: Arc<Scaling>,
    bars: BarTracker,
    trade_ids: TradeIds,
    symbols: Symbols,
}

impl Converter {
    /// A converter reading precisions from `scaling`.
    pub fn new(scaling: Arc<Scaling>) -> Self {
        Self { scaling, bars: BarTracker::new(), trade_ids: TradeIds::default(), symbols: Symbols::default() }
    }

    /// The tuple of `event` as a batch carries it: a value that cannot become a raw is reported as a
    /// `decode_error` lifecycle tuple instead of failing the batch. `None` when the event produces nothing.
    pub fn batch_item<'py>(&mut self, py: Python<'py>, event: WsEvent) -> PyResult<Option<Bound<'py, PyAny>>> {
        let ts = event.received_ns;
        match self.convert(py, event) {
            Ok(item) => Ok(item),
            Err(error) => unconvertible(py, &error.to_string(), ts).map(Some),
        }
    }

    /// The tuple of `event`, `None` when it produces nothing (a candle update that closes no bar).
    pub fn convert<'py>(&mut self, py: Python<'py>, event: WsEvent) -> PyResult<Option<Bound<'py, PyAny>>> {
        let ts_init = event.received_ns;
        let result = match event.kind {
            WsEventKind::Market(market) => match self.market(py, market, ts_init) {
                Ok(tuple) => return tuple,
                Err(OutOfRange(message)) => unconvertible(py, &message, ts_init),
            },
            other => lifecycle_event(py, event.connection, other, ts_init),
        };
        result.map(Some)
    }

    fn market<'py>(
        &mut self,
        py: Python<'py>,
        event: MarketEvent,
        ts_init: u64,
    ) -> Result<PyResult<Option<Bound<'py, PyAny>>>, OutOfRange> {
        let tuple = match event {
            MarketEvent::Book(book) => self.book(py, &book, ts_init)?,
            MarketEvent::TopOfBook(top) | MarketEvent::TickerQuote(top) => self.quote(py, &top, ts_init)?,
            MarketEvent::Trade(trade) => {
                let (symbol, (price_precision, size_precision)) = self.symbols.get(py, &trade.symbol, &self.scaling);
                let aggressor = aggressor(trade.aggressor);
                let trade_id = self.trade_ids.next(&trade.symbol, trade.trade_time_us);
                (
                    kind::TRADE,
                    symbol,
                    raw(&trade.price, price_precision)?,
                    raw(&trade.size, size_precision)?,
                    aggressor,
                    trade_id,
                    ns(Some(trade.trade_time_us), ts_init),
                    ts_init,
                )
                    .into_pyobject(py)
                    .map(Bound::into_any)
            }
            MarketEvent::MarkPrice(price) => {
                let symbol = price.symbol.strip_prefix("MARK:").unwrap_or(&price.symbol);
                let (price_precision, _) = self.scaling.get(symbol);
                (
                    kind::MARK_PRICE,
                    symbol,
                    raw(&price.price, price_precision)?,
                    ns(price.timestamp_us, ts_init),
                    ts_init,
                )
                    .into_pyobject(py)
                    .map(Bound::into_any)
            }
            MarketEvent::IndexPrice(price) => {
                let (price_precision, _) = self.scaling.get(&price.symbol);
                (
                    kind::INDEX_PRICE,
                    &*price.symbol,
                    raw(&price.price, price_precision)?,
                    ns(price.timestamp_us, ts_init),
                    ts_init,
                )
                    .into_pyobject(py)
                    .map(Bound::into_any)
            }
            MarketEvent::Funding(funding) => (
                kind::FUNDING,
                &*funding.symbol,
                funding_fraction(&funding.rate)?,
                funding.next_funding_us.map(|us| ns(Some(us), 0)),
                ns(funding.timestamp_us, ts_init),
                ts_init,
            )
                .into_pyobject(py)
                .map(Bound::into_any),
            MarketEvent::Candle(candle) => match self.bars.update(&candle) {
                Ok(Some(bar)) => self.bar(py, &bar, ts_init)?,
                Ok(None) => return Ok(Ok(None)),
                Err(error) => return Err(OutOfRange(error.to_string())),
            },
            MarketEvent::SystemStatus(status) => (
                kind::STATUS,
                system_state(status.status),
                status.event.as_deref(),
                ns(status.timestamp_us, ts_init),
                ts_init,
            )
                .into_pyobject(py)
                .map(Bound::into_any),
            MarketEvent::Order(order) => private(py, "orders", order_dict(py, &order), ts_init),
            MarketEvent::SnapshotEnd { channel, symbol, seq_no, count } => {
                if channel != Channel::Orders.name() {
                    // Only the `orders` snapshot has an end marker in the Python contract.
                    return Ok(Ok(None));
                }
                let detail = PyDict::new(py);
                let filled = detail
                    .set_item("action", "snapshot_end")
                    .and_then(|()| detail.set_item("symbol", symbol.as_deref()))
                    .and_then(|()| detail.set_item("seq_no", seq_no))
                    .and_then(|()| detail.set_item("count", count))
                    .map(|()| detail);
                private(py, channel, filled, ts_init)
            }
            MarketEvent::Fill(fill) => private(py, fill.channel, fill_dict(py, &fill), ts_init),
            MarketEvent::Position(position) => private(py, "positions", position_dict(py, &position), ts_init),
            MarketEvent::Margin(margin) => {
                let detail = to_json(&margin.balance).and_then(|text| json_to_py(py, &text)).and_then(|balance| {
                    let dict = balance.cast_into::<PyDict>()?;
                    dict.set_item("robo_trading_equity", margin.robo_trading_equity.map(|d| d.to_string()))?;
                    dict.set_item("timestamp_us", margin.timestamp_us)?;
                    Ok(dict)
                });
                private(py, "margins", detail, ts_init)
            }
            MarketEvent::MmpTrigger(mmp) => {
                let detail = PyDict::new(py);
                let filled = detail
                    .set_item("asset", &*mmp.asset)
                    .and_then(|()| detail.set_item("frozen_till_us", mmp.frozen_till_us))
                    .map(|()| detail);
                private(py, "mmp_trigger", filled, ts_init)
            }
            MarketEvent::Other { channel, text } => {
                let detail = json_to_py(py, &text).and_then(|v| v.cast_into::<PyDict>().map_err(PyErr::from));
                private(py, channel, detail, ts_init)
            }
        };
        Ok(tuple.map(Some))
    }

    fn book<'py>(
        &mut self,
        py: Python<'py>,
        book: &BookUpdate,
        ts_init: u64,
    ) -> Converted<PyResult<Bound<'py, PyAny>>> {
        let (symbol, (price_precision, size_precision)) = self.symbols.get(py, &book.symbol, &self.scaling);
        if is_depth_snapshot(book.channel) {
            let side = |levels: &[(Decimal, Decimal)]| {
                levels
                    .iter()
                    .map(|(price, size)| Ok((raw(price, price_precision)?, raw(size, size_precision)?)))
                    .collect::<Converted<Vec<_>>>()
            };
            return Ok((
                kind::BOOK_DEPTH,
                symbol,
                side(&book.bids)?,
                side(&book.asks)?,
                ns(book.timestamp_us, ts_init),
                ts_init,
            )
                .into_pyobject(py)
                .map(Bound::into_any));
        }
        let mut levels = Vec::with_capacity(book.bids.len() + book.asks.len());
        for (side, side_levels) in [(BUY, &book.bids), (SELL, &book.asks)] {
            for (price, size) in side_levels {
                let action = level_action(book.snapshot, size);
                levels.push((side, action, raw(price, price_precision)?, raw(size, size_precision)?));
            }
        }
        Ok((kind::BOOK, symbol, book.snapshot, levels, book.seq.unwrap_or(0), ns(book.timestamp_us, ts_init), ts_init)
            .into_pyobject(py)
            .map(Bound::into_any))
    }

    fn quote<'py>(&mut self, py: Python<'py>, top: &TopOfBook, ts_init: u64) -> Converted<PyResult<Bound<'py, PyAny>>> {
        let (symbol, (price_precision, size_precision)) = self.symbols.get(py, &top.symbol, &self.scaling);
        Ok((
            kind::QUOTE,
            symbol,
            opt_raw(top.bid_price.as_ref(), price_precision)?,
            opt_raw(top.ask_price.as_ref(), price_precision)?,
            opt_raw(top.bid_size.as_ref(), size_precision)?,
            opt_raw(top.ask_size.as_ref(), size_precision)?,
            ns(top.timestamp_us, ts_init),
            ts_init,
        )
            .into_pyobject(py)
            .map(Bound::into_any))
    }

    fn bar<'py>(&self, py: Python<'py>, bar: &ClosedBar, ts_init: u64) -> Converted<PyResult<Bound<'py, PyAny>>> {
        let (price_precision, size_precision) = self.scaling.get(&bar.symbol);
        Ok((
            kind::BAR,
            &*bar.symbol,
            &*bar.resolution,
            raw(&bar.open, price_precision)?,
            raw(&bar.high, price_precision)?,
            raw(&bar.low, price_precision)?,
            raw(&bar.close, price_precision)?,
            raw(&bar.volume.unwrap_or(Decimal::ZERO), size_precision)?,
            ns(Some(bar.start_us), 0),
            ns(Some(bar.end_us), 0),
            ts_init,
        )
            .into_pyobject(py)
            .map(Bound::into_any))
    }
}

/// The `decode_error` lifecycle tuple of an event that could not become a tuple (its channel is no longer known).
fn unconvertible<'py>(py: Python<'py>, message: &str, ts: u64) -> PyResult<Bound<'py, PyAny>> {
    lifecycle(py, "decode_error", &[("channel", "?"), ("message", message), ("excerpt", "")], ts)
}

/// Whether `channel` sends only whole top-of-book snapshots (no sequence, never increments): those book
/// messages become `KIND_BOOK_DEPTH` tuples so Python can route them apart from the incremental books.
fn is_depth_snapshot(channel: &str) -> bool {
    channel == Channel::ObL2.name() || channel == Channel::L2Orderbook.name()
}

fn private<'py>(
    py: Python<'py>,
    channel: &str,
    detail: PyResult<Bound<'py, PyDict>>,
    ts_init: u64,
) -> PyResult<Bound<'py, PyAny>> {
    (kind::PRIVATE, channel, detail?, ts_init).into_pyobject(py).map(Bound::into_any)
}

fn action_text(action: EventAction) -> &'static str {
    match action {
        EventAction::Create => "create",
        EventAction::Update => "update",
        EventAction::Delete => "delete",
        EventAction::Snapshot => "snapshot",
    }
}

fn text(value: Option<&Decimal>) -> Option<String> {
    value.map(Decimal::to_string)
}

fn order_dict<'py>(py: Python<'py>, order: &OrderEvent) -> PyResult<Bound<'py, PyDict>> {
    let d = PyDict::new(py);
    d.set_item("action", action_text(order.action))?;
    d.set_item("reason", order.reason.as_deref())?;
    d.set_item("symbol", &*order.symbol)?;
    d.set_item("product_id", order.product_id)?;
    d.set_item("order_id", order.order_id)?;
    d.set_item("client_order_id", order.client_order_id.as_deref())?;
    d.set_item("side", order.side.as_str())?;
    d.set_item("order_type", order.order_type.as_ref().map(|t| t.as_str()))?;
    d.set_item("state", order.state.as_str())?;
    d.set_item("size", order.size)?;
    d.set_item("unfilled_size", order.unfilled_size)?;
    d.set_item("limit_price", text(order.limit_price.as_ref()))?;
    d.set_item("stop_price", text(order.stop_price.as_ref()))?;
    d.set_item("stop_order_type", order.stop_order_type.as_ref().map(|t| t.as_str()))?;
    d.set_item("trail_amount", text(order.trail_amount.as_ref()))?;
    d.set_item("average_fill_price", text(order.average_fill_price.as_ref()))?;
    d.set_item("cancellation_reason", order.cancellation_reason.as_deref())?;
    d.set_item("bracket_order", order.bracket_order)?;
    d.set_item("seq_no", order.seq_no)?;
    d.set_item("timestamp_us", order.timestamp_us)?;
    Ok(d)
}

fn fill_dict<'py>(py: Python<'py>, fill: &FillEvent) -> PyResult<Bound<'py, PyDict>> {
    let d = PyDict::new(py);
    d.set_item("symbol", &*fill.symbol)?;
    d.set_item("fill_id", &*fill.fill_id)?;
    d.set_item("order_id", &*fill.order_id)?;
    d.set_item("client_order_id", fill.client_order_id.as_deref())?;
    d.set_item("side", fill.side.as_str())?;
    d.set_item("size", fill.size)?;
    d.set_item("price", fill.price.to_string())?;
    d.set_item("role", if fill.role == LiquidityRole::Maker { "maker" } else { "taker" })?;
    d.set_item("fill_type", fill.fill_type.as_ref().map(|t| t.as_str()))?;
    d.set_item("position_size", fill.position_size)?;
    d.set_item("commission", text(fill.commission.as_ref()))?;
    d.set_item("timestamp_us", fill.timestamp_us)?;
    d.set_item("sequence", fill.sequence)?;
    Ok(d)
}

fn position_dict<'py>(py: Python<'py>, position: &PositionEvent) -> PyResult<Bound<'py, PyDict>> {
    let d = PyDict::new(py);
    d.set_item("action", action_text(position.action))?;
    d.set_item("symbol", &*position.symbol)?;
    d.set_item("product_id", position.product_id)?;
    d.set_item("size", position.size)?;
    d.set_item("entry_price", text(position.entry_price.as_ref()))?;
    d.set_item("margin", text(position.margin.as_ref()))?;
    d.set_item("liquidation_price", text(position.liquidation_price.as_ref()))?;
    Ok(d)
}

/// `(KIND_LIFECYCLE, name, detail, ts)` with string details.
pub fn lifecycle<'py>(py: Python<'py>, name: &str, detail: &[(&str, &str)], ts: u64) -> PyResult<Bound<'py, PyAny>> {
    let d = PyDict::new(py);
    for (key, value) in detail {
        d.set_item(key, value)?;
    }
    (kind::LIFECYCLE, name, d, ts).into_pyobject(py).map(Bound::into_any)
}

fn gap_reason(reason: &GapReason) -> String {
    match reason {
        GapReason::Reconnect => "reconnect".to_owned(),
        GapReason::ExchangeError(message) => format!("exchange error: {message}"),
        GapReason::Book(message) => format!("book check failed: {message}"),
        GapReason::Sequence { .. } => "sequence".to_owned(),
    }
}

fn lifecycle_event<'py>(py: Python<'py>, connection: usize, kind: WsEventKind, ts: u64) -> PyResult<Bound<'py, PyAny>> {
    let d = PyDict::new(py);
    d.set_item("connection", connection)?;
    let name = match kind {
        WsEventKind::Connected => "connected",
        WsEventKind::Disconnected { reason } => {
            d.set_item("reason", reason)?;
            "disconnected"
        }
        WsEventKind::Reconnecting { attempt, delay } => {
            d.set_item("attempt", attempt)?;
            d.set_item("delay_secs", delay.as_secs_f64())?;
            "reconnecting"
        }
        WsEventKind::Authenticated => "authenticated",
        WsEventKind::AuthFailed { status_code, status } => {
            d.set_item("status_code", status_code)?;
            d.set_item("status", status)?;
            "auth_failed"
        }
        WsEventKind::Resubscribed { channels } => {
            d.set_item("channels", channels)?;
            "resubscribed"
        }
        WsEventKind::SubscriptionError { channel, message } => {
            d.set_item("channel", channel)?;
            d.set_item("message", message)?;
            "subscription_error"
        }
        WsEventKind::Gap { channel, symbol, reason } => {
            d.set_item("channel", &*channel)?;
            d.set_item("symbol", &*symbol)?;
            d.set_item("reason", gap_reason(&reason))?;
            if let GapReason::Sequence { expected, received } = reason {
                d.set_item("expected", expected)?;
                d.set_item("received", received)?;
            }
            "gap"
        }
        WsEventKind::Resynced { channel, symbol } => {
            d.set_item("channel", &*channel)?;
            d.set_item("symbol", &*symbol)?;
            "resynced"
        }
        WsEventKind::DecodeError { channel, message, excerpt } => {
            d.set_item("channel", channel)?;
            d.set_item("message", message)?;
            d.set_item("excerpt", excerpt)?;
            "decode_error"
        }
        WsEventKind::Market(_) => "market",
        WsEventKind::Frame { text } => {
            d.set_item("text", &*text)?;
            "frame"
        }
    };
    (kind::LIFECYCLE, name, d, ts).into_pyobject(py).map(Bound::into_any)
}
