//! `decode_message`: one raw socket frame through the Rust parser, returned as a plain dict.
//!
//! Typed kinds (book, quote, trade, prices, funding, candle, status, subscriptions, auth) are written from
//! the decoded message with readable field names and decimals as exact strings; every other kind (ticker,
//! private and legacy channels) carries the frame's own fields, with non-integer numbers as exact text.

use delta_core::parse::{self, BookAction, BookMessage, Endpoint, RawLevel, WsMessage};
use delta_core::Decimal;
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList};

use crate::convert::json_to_py;
use crate::errors::{decode_error, guard};

/// Parses the `endpoint` argument of the module (`"public"` or `"private"`).
pub fn parse_endpoint(endpoint: &str) -> PyResult<Endpoint> {
    match endpoint {
        "public" => Ok(Endpoint::Public),
        "private" => Ok(Endpoint::Private),
        other => Err(PyValueError::new_err(format!(
            "endpoint must be \"public\" (the public socket) or \"private\" (the private/legacy socket), not {other:?}"
        ))),
    }
}

/// Decodes one socket frame (text or bytes) received on `endpoint` into a dict with `channel`, `kind`,
/// `symbol` (when there is one) and the message's fields. A malformed frame raises `DeltaDecodeError`
/// naming the channel with an excerpt of the frame.
#[pyfunction]
#[pyo3(signature = (text, endpoint = "public"))]
pub fn decode_message<'py>(py: Python<'py>, text: &Bound<'py, PyAny>, endpoint: &str) -> PyResult<Bound<'py, PyDict>> {
    guard(|| {
        let endpoint = parse_endpoint(endpoint)?;
        let frame: Vec<u8> = match text.extract::<String>() {
            Ok(text) => text.into_bytes(),
            Err(_) => text.extract::<Vec<u8>>().map_err(|_| PyValueError::new_err("text must be str or bytes"))?,
        };
        let message = parse::decode(endpoint, &frame).map_err(|e| decode_error(e.to_string()))?;
        let frame_text = std::str::from_utf8(&frame).map_err(|e| decode_error(format!("frame is not UTF-8: {e}")))?;
        let raw = json_to_py(py, frame_text)?;
        let raw = raw.cast_into::<PyDict>().map_err(|_| decode_error("frame is not a JSON object"))?;
        let out = PyDict::new(py);
        let channel_name = match raw.get_item("type")? {
            Some(name) => name.extract::<String>().unwrap_or_else(|_| message.channel().name().to_owned()),
            None => message.channel().name().to_owned(),
        };
        out.set_item("channel", channel_name)?;
        if !typed_fields(&out, &message, &frame)? {
            out.set_item("kind", raw_kind(&message))?;
            for (key, value) in raw.iter() {
                if key.extract::<&str>().is_ok_and(|k| k != "type") {
                    out.set_item(key, value)?;
                }
            }
            if let Some(symbol) = raw_symbol(&raw)? {
                out.set_item("symbol", symbol)?;
            }
        }
        Ok(out)
    })
}

/// The kind of a message written from its raw fields.
fn raw_kind(message: &WsMessage<'_>) -> &'static str {
    match message {
        WsMessage::Ticker(_) | WsMessage::V2Ticker(_) => "ticker",
        WsMessage::AllTrades(_) | WsMessage::AllTradesSnapshot(_) => "trade",
        WsMessage::OrdersSnapshot(_) | WsMessage::OrderUpdate(_) => "order",
        WsMessage::PositionsSnapshot(_) | WsMessage::PositionUpdate(_) => "position",
        WsMessage::UserTrade(_) | WsMessage::V2UserTrade(_) => "fill",
        WsMessage::Margins(_) | WsMessage::PortfolioMargins(_) => "margin",
        WsMessage::MmpTrigger(_) => "mmp_trigger",
        WsMessage::LegacyMarkPrice(_) => "mark_price",
        WsMessage::LegacyFundingRate(_) => "funding_rate",
        _ => "other",
    }
}

/// `symbol` of a raw frame: `symbol`, or the compact `sy`.
fn raw_symbol<'py>(raw: &Bound<'py, PyDict>) -> PyResult<Option<Bound<'py, PyAny>>> {
    match raw.get_item("symbol")? {
        Some(symbol) => Ok(Some(symbol)),
        None => raw.get_item("sy"),
    }
}

fn dec(value: &Decimal) -> String {
    value.to_string()
}

fn opt_dec(value: Option<&Decimal>) -> Option<String> {
    value.map(Decimal::to_string)
}

/// Writes the typed fields of `message` into `out`; false when the message has no typed form here.
fn typed_fields(out: &Bound<'_, PyDict>, message: &WsMessage<'_>, frame: &[u8]) -> PyResult<bool> {
    match message {
        WsMessage::ObUpdates(book)
        | WsMessage::ObL2(book)
        | WsMessage::L2Updates(book)
        | WsMessage::L2Orderbook(book) => book_fields(out, book, message.channel().name(), frame)?,
        WsMessage::ObL1(top) | WsMessage::L1Orderbook(top) => {
            out.set_item("kind", "quote")?;
            out.set_item("symbol", top.symbol)?;
            out.set_item("bid_price", opt_dec(top.bid_price.as_ref()))?;
            out.set_item("bid_size", opt_dec(top.bid_size.as_ref()))?;
            out.set_item("ask_price", opt_dec(top.ask_price.as_ref()))?;
            out.set_item("ask_size", opt_dec(top.ask_size.as_ref()))?;
            out.set_item("book_time_us", top.book_time_us)?;
            out.set_item("timestamp_us", top.timestamp_us)?;
            out.set_item("product_id", top.product_id)?;
            out.set_item("last_sequence_no", top.last_sequence_no)?;
        }
        WsMessage::Trade(trade) => {
            out.set_item("kind", "trade")?;
            out.set_item("symbol", trade.symbol)?;
            out.set_item("price", dec(&trade.price))?;
            out.set_item("size", dec(&trade.size))?;
            out.set_item("buyer_role", trade.buyer_role.as_str())?;
            out.set_item("trade_time_us", trade.trade_time_us)?;
            out.set_item("timestamp_us", trade.timestamp_us)?;
        }
        WsMessage::MarkPrice(tick)
        | WsMessage::SpotPrice(tick)
        | WsMessage::LegacySpotPrice(tick)
        | WsMessage::V2SpotPrice(tick)
        | WsMessage::Spot30mTwapPrice(tick) => {
            let kind = if matches!(message, WsMessage::MarkPrice(_)) { "mark_price" } else { "spot_price" };
            out.set_item("kind", kind)?;
            out.set_item("symbol", tick.symbol)?;
            out.set_item("price", dec(&tick.price))?;
            out.set_item("timestamp_us", tick.timestamp_us)?;
        }
        WsMessage::FundingRate(funding) => {
            out.set_item("kind", "funding_rate")?;
            out.set_item("symbol", funding.symbol)?;
            out.set_item("rate", dec(&funding.rate))?;
            out.set_item("interval_s", funding.interval_s)?;
            out.set_item("next_funding_us", funding.next_funding_us)?;
            out.set_item("timestamp_us", funding.timestamp_us)?;
        }
        WsMessage::Candlestick(candle) | WsMessage::LegacyCandlestick(candle) => {
            out.set_item("kind", "candle")?;
            out.set_item("symbol", candle.symbol)?;
            out.set_item("resolution", candle.resolution)?;
            out.set_item("open", dec(&candle.open))?;
            out.set_item("high", dec(&candle.high))?;
            out.set_item("low", dec(&candle.low))?;
            out.set_item("close", dec(&candle.close))?;
            out.set_item("volume", opt_dec(candle.volume.as_ref()))?;
            out.set_item("candle_start_us", candle.candle_start_us)?;
            out.set_item("last_updated_us", candle.last_updated_us)?;
            out.set_item("timestamp_us", candle.timestamp_us)?;
        }
        WsMessage::SystemStatus(status) => {
            out.set_item("kind", "system_status")?;
            out.set_item("status", system_state(status.status))?;
            out.set_item("event", status.event)?;
            out.set_item("maintenance_start_us", status.maintenance_start_us)?;
            out.set_item("maintenance_announcement_us", status.maintenance_announcement_us)?;
            out.set_item("maintenance_finish_us", status.maintenance_finish_us)?;
            out.set_item("timestamp_us", status.timestamp_us)?;
        }
        WsMessage::Subscriptions(subscriptions) => {
            out.set_item("kind", "subscriptions")?;
            let channels = PyList::empty(out.py());
            for channel in &subscriptions.channels {
                let entry = PyDict::new(out.py());
                entry.set_item("name", channel.name)?;
                entry.set_item("symbols", channel.symbols.clone())?;
                entry.set_item("error", channel.error.as_deref())?;
                channels.append(entry)?;
            }
            out.set_item("channels", channels)?;
        }
        WsMessage::KeyAuth(reply) => {
            out.set_item("kind", "auth")?;
            out.set_item("success", reply.success)?;
            out.set_item("status_code", reply.status_code)?;
            out.set_item("status", reply.status)?;
            out.set_item("message", reply.message)?;
        }
        WsMessage::LegacyAuthSuccess(text) => {
            out.set_item("kind", "auth")?;
            out.set_item("success", true)?;
            out.set_item("message", *text)?;
        }
        WsMessage::Heartbeat => out.set_item("kind", "heartbeat")?,
        WsMessage::Pong => out.set_item("kind", "pong")?,
        _ => return Ok(false),
    }
    Ok(true)
}

/// The wire text of a system state.
pub fn system_state(state: parse::SystemState) -> &'static str {
    match state {
        parse::SystemState::Live => "live",
        parse::SystemState::Maintenance => "maintenance",
        parse::SystemState::ApiFallback => "api_fallback",
        parse::SystemState::DegradedMode => "degraded_mode",
    }
}

fn book_fields(out: &Bound<'_, PyDict>, book: &BookMessage<'_>, channel: &str, frame: &[u8]) -> PyResult<()> {
    let levels = |side: &[RawLevel<'_>]| {
        levels(side).map_err(|message| {
            let excerpt = delta_core::error::excerpt(frame);
            decode_error(format!("cannot decode {channel} frame: {message}; frame starts {excerpt:?}"))
        })
    };
    let (kind, action) = match book.action {
        BookAction::Snapshot => ("book", "snapshot"),
        BookAction::Update => ("book", "update"),
        BookAction::Error => ("error", "error"),
    };
    out.set_item("kind", kind)?;
    out.set_item("action", action)?;
    out.set_item("symbol", book.symbol)?;
    out.set_item("bids", levels(&book.bids)?)?;
    out.set_item("asks", levels(&book.asks)?)?;
    out.set_item("seq", book.seq)?;
    out.set_item("cs", book.checksum)?;
    out.set_item("timestamp_us", book.timestamp_us)?;
    out.set_item("message", book.error_message)?;
    Ok(())
}

/// Book levels as `[[price, size], ...]` exact decimal strings (validated as decimals).
fn levels(levels: &[RawLevel<'_>]) -> Result<Vec<[String; 2]>, String> {
    levels
        .iter()
        .map(|level| {
            let price = level.price().map_err(|e| format!("book level price: {e}"))?;
            let size = level.size().map_err(|e| format!("book level size: {e}"))?;
            Ok([price.to_string(), size.to_string()])
        })
        .collect()
}
