//! The JSON of every public socket message, compact (public socket, REFERENCE 9.5) and legacy
//! (private socket, REFERENCE 9.4), built from the sim's market at a given time.

use delta_core::model::Side;
use delta_core::{Decimal, NumDecimal};
use serde_json::{json, Value};

use crate::book::{Book, Level};
use crate::catalog::{Catalog, ContractKind, IndexInfo, Instrument, MICROS_PER_SECOND};
use crate::engine::market::{implied_vol, Market, PublicTrade};
use crate::state::SystemStatus;
use crate::views;

/// Levels of `ob_l2` (REFERENCE 9.5).
pub const OB_L2_DEPTH: usize = 15;

/// Trades in the `all_trades_snapshot` (REFERENCE 9.4).
pub const ALL_TRADES_SNAPSHOT: usize = 50;

/// Funding interval of perpetuals in seconds.
const FUNDING_INTERVAL: i64 = 28_800;

/// The sim's funding rate in percent (as in the REST ticker).
const FUNDING_RATE: f64 = 0.0034;

/// The predicted next funding rate in percent.
const PREDICTED_FUNDING_RATE: f64 = 0.0041;

/// The error text Delta sends with `action: "error"` on book channels (fixtures).
pub const BOOK_ERROR_TEXT: &str = "Snapshot load failed. Verify if product is live and resubscribe after a few secs.";

/// A decimal as a JSON number with its exact digits.
pub fn num(value: Decimal) -> Value {
    serde_json::to_value(NumDecimal(value)).unwrap_or(Value::Null)
}

/// `[[price, size], ...]` strings.
pub fn level_pairs(levels: &[Level]) -> Value {
    Value::Array(levels.iter().map(|level| json!([level.price.to_string(), level.size.to_string()])).collect())
}

/// Every level of a book: (asks ascending, bids descending).
pub fn full_book(book: &Book) -> (Vec<Level>, Vec<Level>) {
    (book.levels(Side::Sell, usize::MAX), book.levels(Side::Buy, usize::MAX))
}

fn price_text(level: Option<Level>) -> Value {
    level.map_or(Value::Null, |level| Value::String(level.price.to_string()))
}

fn size_text(level: Option<Level>) -> Value {
    level.map_or(Value::Null, |level| Value::String(level.size.to_string()))
}

/// The start of the funding interval after `now` (µs).
fn next_funding(now: i64) -> i64 {
    let interval = FUNDING_INTERVAL * MICROS_PER_SECOND;
    (now / interval + 1) * interval
}

/// `ob_l1`.
pub fn ob_l1(book: &Book, symbol: &str, now: i64) -> Value {
    let (ask, bid) = (book.best_ask(), book.best_bid());
    json!({"ap": price_text(ask), "as": size_text(ask), "bp": price_text(bid), "bs": size_text(bid),
           "lts": now, "sy": symbol, "ts": now, "type": "ob_l1"})
}

/// `l1_orderbook` (legacy).
pub fn l1_orderbook(book: &Book, instrument: &Instrument, now: i64) -> Value {
    let (ask, bid) = (book.best_ask(), book.best_bid());
    json!({"ask_qty": size_text(ask), "best_ask": price_text(ask), "best_bid": price_text(bid), "bid_qty": size_text(bid),
           "last_sequence_no": book.seq(), "last_updated_at": now, "product_id": instrument.id,
           "symbol": instrument.symbol, "timestamp": now, "type": "l1_orderbook"})
}

/// `ob_l2`: the best 15 levels per side.
pub fn ob_l2(book: &Book, symbol: &str, now: i64) -> Value {
    json!({"a": level_pairs(&book.levels(Side::Sell, OB_L2_DEPTH)), "b": level_pairs(&book.levels(Side::Buy, OB_L2_DEPTH)),
           "lts": now, "sy": symbol, "ts": now, "type": "ob_l2"})
}

/// `l2_orderbook` (legacy): every level with cumulative depth.
pub fn l2_orderbook(book: &Book, instrument: &Instrument, now: i64) -> Value {
    let side = |side: Side| {
        let mut depth = 0u64;
        let levels = book.levels(side, usize::MAX).into_iter().map(|level| {
            depth = depth.saturating_add(level.size);
            json!({"limit_price": level.price.to_string(), "size": level.size, "depth": depth.to_string()})
        });
        Value::Array(levels.collect())
    };
    json!({"type": "l2_orderbook", "symbol": instrument.symbol, "product_id": instrument.id, "buy": side(Side::Buy),
           "sell": side(Side::Sell), "last_sequence_no": book.seq(), "last_updated_at": now, "timestamp": now})
}

/// Compact `ticker` for one product.
pub fn ticker(catalog: &Catalog, market: &Market, instrument: &Instrument, now: i64) -> Value {
    let t = views::ticker(catalog, market, instrument, now);
    let text = |value: Option<Decimal>| value.map_or(Value::Null, |value| Value::String(value.to_string()));
    let number = |value: Option<NumDecimal>| value.map_or(Value::Null, |value| num(value.0));
    let quotes = t.quotes.clone().unwrap_or_default();
    let greeks = t
        .greeks
        .as_ref()
        .map_or(Value::Null, |g| json!([text(g.delta), text(g.gamma), text(g.rho), text(g.theta), text(g.vega)]));
    let qiv = if instrument.kind.is_option() {
        json!([text(quotes.ask_iv), text(quotes.bid_iv), text(quotes.mark_iv)])
    } else {
        Value::Null
    };
    let band = t.price_band.as_ref();
    let entry = json!({
        "g": greeks, "i": t.product_id, "m": text(t.mark_price), "m24hc": text(t.mark_change_24h),
        "ohlc": [number(t.open), number(t.high), number(t.low), number(t.close)],
        "oi": [text(t.oi_contracts), text(t.oi_change_usd_6h)],
        "pb": [text(band.map(|b| b.lower_limit)), text(band.map(|b| b.upper_limit))],
        "q": [text(quotes.best_ask), text(quotes.ask_size), text(quotes.best_bid), text(quotes.bid_size),
              text(quotes.impact_mid_price)],
        "qiv": qiv, "s": t.symbol, "to": [number(t.turnover), number(t.turnover_usd)],
    });
    json!({"d": [entry], "sp": text(t.spot_price), "sy": instrument.symbol, "ts": now, "type": "ticker"})
}

/// `v2/ticker` (legacy): the REST ticker plus `type`.
pub fn v2_ticker(catalog: &Catalog, market: &Market, instrument: &Instrument, now: i64) -> Value {
    let mut value = serde_json::to_value(views::ticker(catalog, market, instrument, now)).unwrap_or(Value::Null);
    if let Value::Object(map) = &mut value {
        map.insert("type".into(), json!("v2/ticker"));
    }
    value
}

/// Compact `mark_price`.
pub fn mark_price(catalog: &Catalog, market: &Market, instrument: &Instrument, now: i64) -> Value {
    let mark = market.mark_price(catalog, instrument, now);
    json!({"p": mark.to_string(), "sy": format!("MARK:{}", instrument.symbol), "ts": now, "type": "mark_price"})
}

/// Legacy `mark_price` (options carry quotes, IVs, greeks and the price band).
pub fn mark_price_legacy(catalog: &Catalog, market: &Market, instrument: &Instrument, now: i64) -> Value {
    let mark = market.mark_price(catalog, instrument, now);
    let mut value = json!({"symbol": format!("MARK:{}", instrument.symbol), "product_id": instrument.id,
                           "price": mark.to_string(), "timestamp": now, "type": "mark_price"});
    if let (Some(option), Value::Object(map)) = (market.option_value(catalog, instrument, now), &mut value) {
        let t = views::ticker(catalog, market, instrument, now);
        let quotes = t.quotes.unwrap_or_default();
        let text = |value: Option<Decimal>| value.map_or(Value::Null, |value| Value::String(value.to_string()));
        let iv = implied_vol(instrument, market.spot(catalog, instrument.index));
        let extra = json!({
            "ask_iv": text(quotes.ask_iv), "ask_qty": text(quotes.ask_size), "best_ask": text(quotes.best_ask),
            "best_bid": text(quotes.best_bid), "bid_iv": text(quotes.bid_iv), "bid_qty": text(quotes.bid_size),
            "delta": option.delta.round_to(8).to_string(), "gamma": option.gamma.round_to(8).to_string(),
            "implied_volatility": iv.to_string(), "rho": option.rho.round_to(8).to_string(),
            "vega": option.vega.round_to(8).to_string(),
            "price_band": t.price_band.map_or(Value::Null, |band| json!({"lower_limit": band.lower_limit.to_string(),
                                                                        "upper_limit": band.upper_limit.to_string()})),
        });
        if let Value::Object(extra) = extra {
            map.extend(extra);
        }
    }
    value
}

/// Compact `funding_rate` (perpetuals only; `None` otherwise).
pub fn funding_rate(instrument: &Instrument, now: i64) -> Option<Value> {
    (instrument.kind == ContractKind::Perpetual).then(|| {
        json!({"fi": FUNDING_INTERVAL, "fr": FUNDING_RATE, "nfr": next_funding(now), "sy": instrument.symbol,
               "ts": now, "type": "funding_rate"})
    })
}

/// Legacy `funding_rate` (perpetuals only).
pub fn funding_rate_legacy(instrument: &Instrument, now: i64) -> Option<Value> {
    (instrument.kind == ContractKind::Perpetual).then(|| {
        json!({"symbol": instrument.symbol, "product_id": instrument.id, "type": "funding_rate",
               "funding_rate": FUNDING_RATE, "funding_rate_8h": FUNDING_RATE,
               "next_funding_realization": next_funding(now), "predicted_funding_rate": PREDICTED_FUNDING_RATE,
               "timestamp": now})
    })
}

/// The current candle of `channel` (`candlestick_<res>`), compact or legacy.
pub fn candlestick(market: &Market, instrument: &Instrument, channel: &str, legacy: bool, now: i64) -> Option<Value> {
    let seconds = super::protocol::candle_seconds(channel)?;
    let res = channel.strip_prefix("candlestick_")?;
    let now_seconds = now / MICROS_PER_SECOND;
    let start = now_seconds - now_seconds.rem_euclid(seconds);
    let candle = market.series(instrument.id)?.candle(start, seconds, now_seconds);
    Some(if legacy {
        json!({"candle_start_time": start * MICROS_PER_SECOND, "close": num(candle.close), "high": num(candle.high),
               "last_updated": now, "low": num(candle.low), "open": num(candle.open), "resolution": res,
               "symbol": instrument.symbol, "timestamp": now, "type": channel, "volume": candle.volume})
    } else {
        json!({"c": num(candle.close), "h": num(candle.high), "l": num(candle.low), "o": num(candle.open), "res": res,
               "sy": instrument.symbol, "ts": now, "type": channel, "v": candle.volume})
    })
}

/// The spot index messages: compact `spot_price`, legacy `spot_price`, `v2/spot_price`,
/// `spot_30mtwap_price` (the sim's TWAP is the current spot).
pub fn spot(catalog: &Catalog, market: &Market, index: &IndexInfo, channel: &str, legacy: bool, now: i64) -> Value {
    let price = market.spot(catalog, index);
    match (channel, legacy) {
        ("v2/spot_price", _) => json!({"s": index.symbol, "p": num(price), "type": "v2/spot_price"}),
        ("spot_30mtwap_price", _) => {
            json!({"symbol": index.symbol, "price": price.to_string(), "type": channel, "timestamp": now})
        }
        (_, true) => json!({"symbol": index.symbol, "price": price.to_string(), "type": "spot_price"}),
        (_, false) => json!({"p": price.to_string(), "sy": index.symbol, "ts": now, "type": "spot_price"}),
    }
}

/// A `system_status` message (REFERENCE 9.5): `status` is `maintenance` or `live`; `event` is
/// `app_status_update` for the snapshot on subscribe, `maintenance_started` / `maintenance_finished` for
/// changes. The sim never announces maintenance ahead, so `maintenance_announcement_time` is null.
pub fn system_status(status: &SystemStatus, event: &str, now: i64) -> Value {
    let state = if status.maintenance { "maintenance" } else { "live" };
    json!({"type": "system_status", "status": state, "event": event,
           "maintenance_start_time": status.maintenance_start_time, "maintenance_announcement_time": null,
           "maintenance_finish_time": status.maintenance_finish_time, "timestamp": now})
}

fn buyer_role(trade: &PublicTrade) -> &'static str {
    if trade.taker_side == Side::Buy {
        "taker"
    } else {
        "maker"
    }
}

fn seller_role(trade: &PublicTrade) -> &'static str {
    if trade.taker_side == Side::Sell {
        "taker"
    } else {
        "maker"
    }
}

/// Compact `trades` (`r` is the buyer's role).
pub fn trade(instrument: &Instrument, trade: &PublicTrade, now: i64) -> Value {
    let role = if trade.taker_side == Side::Buy { "t" } else { "m" };
    json!({"p": trade.price.to_string(), "r": role, "s": trade.size, "sy": instrument.symbol, "t": trade.timestamp,
           "ts": now, "type": "trades"})
}

/// Legacy `all_trades`.
pub fn all_trade(instrument: &Instrument, trade: &PublicTrade) -> Value {
    json!({"symbol": instrument.symbol, "product_id": instrument.id, "price": trade.price.to_string(),
           "size": trade.size, "type": "all_trades", "buyer_role": buyer_role(trade),
           "seller_role": seller_role(trade), "timestamp": trade.timestamp})
}

/// Legacy `all_trades_snapshot`: the last 50 trades, newest first.
pub fn all_trades_snapshot(market: &Market, instrument: &Instrument) -> Value {
    let trades: Vec<Value> = market
        .trades(instrument.id)
        .take(ALL_TRADES_SNAPSHOT)
        .map(|trade| {
            json!({"buyer_role": buyer_role(trade), "seller_role": seller_role(trade), "size": trade.size,
                   "price": trade.price.to_string(), "timestamp": trade.timestamp})
        })
        .collect();
    json!({"symbol": instrument.symbol, "type": "all_trades_snapshot", "trades": trades})
}
