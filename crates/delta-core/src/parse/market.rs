//! Compact public channels of the new public socket (REFERENCE 9.5), and the value types they share with
//! their legacy counterparts.

use super::error::ParseErrorKind;
use super::fields::{self, FieldResult, Fields};
use crate::decimal::Decimal;
use crate::model::{Greeks, LiquidityRole, PriceBand, Side, TickerQuotes};

/// Best bid and offer (`ob_l1`, legacy `l1_orderbook`). A side is `None` when the book side is empty.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TopOfBook<'a> {
    /// Product symbol.
    pub symbol: &'a str,
    /// Best bid price.
    pub bid_price: Option<Decimal>,
    /// Size at the best bid.
    pub bid_size: Option<Decimal>,
    /// Best ask price.
    pub ask_price: Option<Decimal>,
    /// Size at the best ask.
    pub ask_size: Option<Decimal>,
    /// Last book change in µs (`lts` / `last_updated_at`).
    pub book_time_us: Option<i64>,
    /// Publish time in µs (`ts` / `timestamp`).
    pub timestamp_us: Option<i64>,
    /// Product id (legacy only).
    pub product_id: Option<u64>,
    /// Book sequence number (legacy `last_sequence_no` only).
    pub last_sequence_no: Option<u64>,
}

/// One public trade of the compact `trades` channel.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Trade<'a> {
    /// Product symbol.
    pub symbol: &'a str,
    /// Trade price.
    pub price: Decimal,
    /// Trade size: sent as a JSON number, possibly a float (`40.0`), or a decimal on spot.
    pub size: Decimal,
    /// Liquidity role of the buyer (`r`: `t` taker, `m` maker).
    pub buyer_role: LiquidityRole,
    /// Trade time in µs (`t`).
    pub trade_time_us: i64,
    /// Publish time in µs (`ts`).
    pub timestamp_us: Option<i64>,
}

impl Trade<'_> {
    /// The aggressor: the buyer when the buyer took liquidity, otherwise the seller.
    pub fn aggressor_side(&self) -> Side {
        aggressor(self.buyer_role)
    }
}

/// The aggressor side given the buyer's liquidity role.
pub(crate) fn aggressor(buyer_role: LiquidityRole) -> Side {
    match buyer_role {
        LiquidityRole::Taker => Side::Buy,
        LiquidityRole::Maker => Side::Sell,
    }
}

/// A compact `ticker` message: one subscribed symbol (or option chain) with one entry per product.
#[derive(Debug, Clone, PartialEq)]
pub struct Ticker<'a> {
    /// The subscribed symbol or option chain (`sy`).
    pub symbol: &'a str,
    /// Spot (index) price (`sp`).
    pub spot_price: Option<Decimal>,
    /// Publish time in µs (`ts`).
    pub timestamp_us: i64,
    /// One entry per product (`d`).
    pub products: Vec<TickerEntry<'a>>,
}

/// One product of a compact `ticker` (`d[]`).
#[derive(Debug, Clone, PartialEq)]
pub struct TickerEntry<'a> {
    /// Product id (`i`).
    pub product_id: u64,
    /// Product symbol (`s`).
    pub symbol: &'a str,
    /// Mark price (`m`).
    pub mark_price: Option<Decimal>,
    /// Mark price change over 24 h in percent (`m24hc`).
    pub mark_change_24h: Option<Decimal>,
    /// `ohlc` = [open, high, low, close]; absent for untraded options.
    pub ohlc: Option<Ohlc>,
    /// Open interest in contracts (`oi[0]`).
    pub oi_contracts: Option<Decimal>,
    /// Open-interest change over 6 h in USD (`oi[1]`).
    pub oi_change_usd_6h: Option<Decimal>,
    /// Price band (`pb` = [lower, upper]).
    pub price_band: Option<PriceBand>,
    /// Quotes from `q` = [best_ask, ask_size, best_bid, bid_size, impact_mid] (ask first) and the IVs of
    /// `qiv` = [ask_iv, bid_iv, mark_iv].
    pub quotes: TickerQuotes,
    /// Greeks from `g` = [delta, gamma, rho, theta, vega]; `None` for non-options (`spot` stays `None`).
    pub greeks: Option<Greeks>,
    /// Turnover in the settling currency (`to[0]`).
    pub turnover: Option<Decimal>,
    /// Turnover in USD (`to[1]`).
    pub turnover_usd: Option<Decimal>,
}

/// Open, high, low, close of a ticker; each may be `null`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Ohlc {
    /// Open.
    pub open: Option<Decimal>,
    /// High.
    pub high: Option<Decimal>,
    /// Low.
    pub low: Option<Decimal>,
    /// Close.
    pub close: Option<Decimal>,
}

/// A symbol's price at a time: compact `mark_price`/`spot_price`, legacy `spot_price`, `v2/spot_price`,
/// `spot_30mtwap_price`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PriceTick<'a> {
    /// Symbol (`MARK:BTCUSD`, `.DEXBTUSD`).
    pub symbol: &'a str,
    /// The price.
    pub price: Decimal,
    /// Publish time in µs, when the channel sends one.
    pub timestamp_us: Option<i64>,
}

/// Compact `funding_rate`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FundingRate<'a> {
    /// Product symbol.
    pub symbol: &'a str,
    /// Funding rate in percent (`fr`; `0.0034` = 0.0034 %).
    pub rate: Decimal,
    /// Funding interval in seconds (`fi`).
    pub interval_s: Option<u32>,
    /// Next funding time in µs (`nfr`).
    pub next_funding_us: Option<i64>,
    /// Publish time in µs (`ts`).
    pub timestamp_us: Option<i64>,
}

/// A candle update, compact or legacy `candlestick_<res>`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Candle<'a> {
    /// Symbol (`BTCUSD` or `MARK:BTCUSD`).
    pub symbol: &'a str,
    /// Resolution (`1m`, `1h`, ...): `res`/`resolution`, else the suffix of the message type.
    pub resolution: &'a str,
    /// Open.
    pub open: Decimal,
    /// High.
    pub high: Decimal,
    /// Low.
    pub low: Decimal,
    /// Close.
    pub close: Decimal,
    /// Volume; absent for `MARK:` candles.
    pub volume: Option<Decimal>,
    /// Candle start in µs (legacy only; the compact format has none — derive it from `ts`, inferred).
    pub candle_start_us: Option<i64>,
    /// Last update of the candle in µs (legacy `last_updated`, seen by ccxt).
    pub last_updated_us: Option<i64>,
    /// Publish time in µs.
    pub timestamp_us: Option<i64>,
}

/// Exchange state of `system_status`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SystemState {
    /// Normal operation.
    Live,
    /// Under maintenance.
    Maintenance,
    /// Fallback mode (treat as live).
    ApiFallback,
    /// Degraded mode (treat as live).
    DegradedMode,
}

impl SystemState {
    /// Parses the wire text.
    pub fn parse(text: &str) -> Option<Self> {
        Some(match text {
            "live" => SystemState::Live,
            "maintenance" => SystemState::Maintenance,
            "api_fallback" => SystemState::ApiFallback,
            "degraded_mode" => SystemState::DegradedMode,
            _ => return None,
        })
    }

    /// True when trading is possible (REFERENCE 9.5: `api_fallback` and `degraded_mode` count as live).
    pub const fn is_live(self) -> bool {
        !matches!(self, SystemState::Maintenance)
    }
}

/// `system_status`: a snapshot on subscribe, then maintenance events.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SystemStatus<'a> {
    /// Exchange state.
    pub status: SystemState,
    /// Event (`maintenance_scheduled`, `maintenance_started`, `app_status_update`, ...); kept as text so a
    /// new event name never hides the status.
    pub event: Option<&'a str>,
    /// Maintenance start in µs.
    pub maintenance_start_us: Option<i64>,
    /// Maintenance announcement in µs.
    pub maintenance_announcement_us: Option<i64>,
    /// Maintenance end in µs.
    pub maintenance_finish_us: Option<i64>,
    /// Publish time in µs.
    pub timestamp_us: Option<i64>,
}

/// Parses a liquidity role; the compact `trades.r` is documented as `m`/`t`, the long forms are accepted too.
pub(crate) fn role(text: &str) -> Option<LiquidityRole> {
    match text {
        "t" => Some(LiquidityRole::Taker),
        "m" => Some(LiquidityRole::Maker),
        other => LiquidityRole::parse(other),
    }
}

pub(crate) fn ob_l1<'a>(fields: &Fields<'a>) -> FieldResult<TopOfBook<'a>> {
    Ok(TopOfBook {
        symbol: fields.str("sy")?,
        bid_price: fields.opt_decimal("bp")?,
        bid_size: fields.opt_decimal("bs")?,
        ask_price: fields.opt_decimal("ap")?,
        ask_size: fields.opt_decimal("as")?,
        book_time_us: fields.opt_micros("lts")?,
        timestamp_us: fields.opt_micros("ts")?,
        product_id: None,
        last_sequence_no: None,
    })
}

pub(crate) fn trade<'a>(fields: &Fields<'a>) -> FieldResult<Trade<'a>> {
    Ok(Trade {
        symbol: fields.str("sy")?,
        price: fields.decimal("p")?,
        size: fields.decimal("s")?,
        buyer_role: fields.enumerated("r", role)?,
        trade_time_us: fields.micros("t")?,
        timestamp_us: fields.opt_micros("ts")?,
    })
}

pub(crate) fn ticker<'a>(fields: &Fields<'a>) -> FieldResult<Ticker<'a>> {
    let mut products = Vec::new();
    fields.each_object("d", |entry| {
        products.push(ticker_entry(entry)?);
        Ok(())
    })?;
    Ok(Ticker {
        symbol: fields.str("sy")?,
        spot_price: fields.opt_decimal("sp")?,
        timestamp_us: fields.micros("ts")?,
        products,
    })
}

fn ticker_entry<'a>(entry: &Fields<'a>) -> FieldResult<TickerEntry<'a>> {
    let ohlc = entry.positional::<4>("ohlc")?.map(|[o, h, l, c]| -> FieldResult<Ohlc> {
        Ok(Ohlc {
            open: fields::opt_decimal(o, "ohlc")?,
            high: fields::opt_decimal(h, "ohlc")?,
            low: fields::opt_decimal(l, "ohlc")?,
            close: fields::opt_decimal(c, "ohlc")?,
        })
    });
    let [oi_contracts, oi_change] = entry.positional::<2>("oi")?.unwrap_or_default();
    let price_band = match entry.positional::<2>("pb")? {
        Some([Some(lower), Some(upper)]) => {
            Some(PriceBand { lower_limit: fields::decimal(lower, "pb")?, upper_limit: fields::decimal(upper, "pb")? })
        }
        _ => None,
    };
    let [best_ask, ask_size, best_bid, bid_size, impact_mid] = entry.positional::<5>("q")?.unwrap_or_default();
    let [ask_iv, bid_iv, mark_iv] = entry.positional::<3>("qiv")?.unwrap_or_default();
    let quotes = TickerQuotes {
        best_ask: fields::opt_decimal(best_ask, "q")?,
        ask_size: fields::opt_decimal(ask_size, "q")?,
        best_bid: fields::opt_decimal(best_bid, "q")?,
        bid_size: fields::opt_decimal(bid_size, "q")?,
        impact_mid_price: fields::opt_decimal(impact_mid, "q")?,
        ask_iv: fields::opt_decimal(ask_iv, "qiv")?,
        bid_iv: fields::opt_decimal(bid_iv, "qiv")?,
        mark_iv: fields::opt_decimal(mark_iv, "qiv")?,
    };
    let greeks = entry.positional::<5>("g")?.map(|[delta, gamma, rho, theta, vega]| -> FieldResult<Greeks> {
        Ok(Greeks {
            delta: fields::opt_decimal(delta, "g")?,
            gamma: fields::opt_decimal(gamma, "g")?,
            rho: fields::opt_decimal(rho, "g")?,
            theta: fields::opt_decimal(theta, "g")?,
            vega: fields::opt_decimal(vega, "g")?,
            spot: None,
        })
    });
    let [turnover, turnover_usd] = entry.positional::<2>("to")?.unwrap_or_default();
    Ok(TickerEntry {
        product_id: entry.int("i")?,
        symbol: entry.str("s")?,
        mark_price: entry.opt_decimal("m")?,
        mark_change_24h: entry.opt_decimal("m24hc")?,
        ohlc: ohlc.transpose()?,
        oi_contracts: fields::opt_decimal(oi_contracts, "oi")?,
        oi_change_usd_6h: fields::opt_decimal(oi_change, "oi")?,
        price_band,
        quotes,
        greeks: greeks.transpose()?,
        turnover: fields::opt_decimal(turnover, "to")?,
        turnover_usd: fields::opt_decimal(turnover_usd, "to")?,
    })
}

/// The keys of one price-tick format.
pub(crate) struct PriceKeys {
    /// Symbol key.
    pub symbol: &'static str,
    /// Price key.
    pub price: &'static str,
    /// Timestamp key, if the format has one.
    pub timestamp: Option<&'static str>,
}

/// Compact keys: `sy`, `p`, `ts` (`mark_price`, `spot_price`).
pub(crate) const COMPACT_PRICE: PriceKeys = PriceKeys { symbol: "sy", price: "p", timestamp: Some("ts") };

pub(crate) fn price_tick<'a>(fields: &Fields<'a>, keys: &PriceKeys) -> FieldResult<PriceTick<'a>> {
    Ok(PriceTick {
        symbol: fields.str(keys.symbol)?,
        price: fields.decimal(keys.price)?,
        timestamp_us: keys.timestamp.map(|key| fields.opt_micros(key)).transpose()?.flatten(),
    })
}

pub(crate) fn funding_rate<'a>(fields: &Fields<'a>) -> FieldResult<FundingRate<'a>> {
    Ok(FundingRate {
        symbol: fields.str("sy")?,
        rate: fields.decimal("fr")?,
        interval_s: fields.opt_int("fi")?,
        next_funding_us: fields.opt_micros("nfr")?,
        timestamp_us: fields.opt_micros("ts")?,
    })
}

/// The keys of one candle format.
pub(crate) struct CandleKeys {
    symbol: &'static str,
    resolution: &'static str,
    open: &'static str,
    high: &'static str,
    low: &'static str,
    close: &'static str,
    volume: &'static str,
    timestamp: &'static str,
}

/// Compact candle keys.
pub(crate) const COMPACT_CANDLE: CandleKeys = CandleKeys {
    symbol: "sy",
    resolution: "res",
    open: "o",
    high: "h",
    low: "l",
    close: "c",
    volume: "v",
    timestamp: "ts",
};

/// Legacy candle keys.
pub(crate) const LEGACY_CANDLE: CandleKeys = CandleKeys {
    symbol: "symbol",
    resolution: "resolution",
    open: "open",
    high: "high",
    low: "low",
    close: "close",
    volume: "volume",
    timestamp: "timestamp",
};

pub(crate) fn candle<'a>(fields: &Fields<'a>, message_type: &'a str, keys: &CandleKeys) -> FieldResult<Candle<'a>> {
    let resolution = match fields.opt_str(keys.resolution)? {
        Some(resolution) => resolution,
        None => message_type
            .strip_prefix("candlestick_")
            .ok_or_else(|| ParseErrorKind::MissingField(keys.resolution.to_owned()))?,
    };
    Ok(Candle {
        symbol: fields.str(keys.symbol)?,
        resolution,
        open: fields.decimal(keys.open)?,
        high: fields.decimal(keys.high)?,
        low: fields.decimal(keys.low)?,
        close: fields.decimal(keys.close)?,
        volume: fields.opt_decimal(keys.volume)?,
        candle_start_us: fields.opt_micros("candle_start_time")?,
        last_updated_us: fields.opt_micros("last_updated")?,
        timestamp_us: fields.opt_micros(keys.timestamp)?,
    })
}

pub(crate) fn system_status<'a>(fields: &Fields<'a>) -> FieldResult<SystemStatus<'a>> {
    Ok(SystemStatus {
        status: fields.enumerated("status", SystemState::parse)?,
        event: fields.opt_str("event")?,
        maintenance_start_us: fields.opt_micros("maintenance_start_time")?,
        maintenance_announcement_us: fields.opt_micros("maintenance_announcement_time")?,
        maintenance_finish_us: fields.opt_micros("maintenance_finish_time")?,
        timestamp_us: fields.opt_micros("timestamp")?,
    })
}
