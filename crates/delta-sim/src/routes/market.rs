//! Public market-data endpoints (REFERENCE 7.2) and the quota look-up (4.1).

use std::collections::BTreeMap;
use std::time::Instant;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::Extension;
use delta_core::model::{RateLimitQuota, Settings, Stats};
use delta_core::wire::{format_iso, Micros, MicrosString};
use delta_core::{Decimal, NumDecimal};
use serde_json::{json, Value};

use crate::catalog::{date_parts, Catalog, Instrument, ASSETS, INDICES, MICROS_PER_SECOND};
use crate::engine::market::Market;
use crate::gateway::QuotaCaller;
use crate::pagination::paginate;
use crate::params::Params;
use crate::reply::{json_response, ok, ok_with_meta, ApiError, ApiResult};
use crate::series::PriceSeries;
use crate::state::{now_micros, AppState};
use crate::views;

/// Default `page_size` of `/v2/products` (REFERENCE 5.4).
const PRODUCTS_PAGE_SIZE: usize = 100;
/// Largest `page_size` of `/v2/products` (undocumented; the MCP client uses 500).
const PRODUCTS_MAX_PAGE_SIZE: usize = 1_000;
/// Default and largest `depth` of `/v2/l2orderbook` (undocumented).
const DEFAULT_DEPTH: usize = 20;
const MAX_DEPTH: usize = 1_000;
/// Most candles per answer (REFERENCE 7.2).
const MAX_CANDLES: i64 = 2_000;
/// Most symbols in one ticker request (REFERENCE 3.2).
const MAX_SYMBOLS: usize = 10;

/// A product by symbol, or by id (the 2024 python client passes ids).
fn lookup<'a>(catalog: &'a Catalog, key: &str) -> Result<&'a Instrument, ApiError> {
    catalog.by_symbol(key).or_else(|| key.parse().ok().and_then(|id| catalog.by_id(id))).ok_or_else(ApiError::not_found)
}

/// `GET /v2/assets`.
pub async fn assets() -> Response {
    ok(ASSETS.iter().map(|asset| views::asset(asset, true)).collect::<Vec<_>>())
}

/// `GET /v2/indices`.
pub async fn indices() -> Response {
    ok(INDICES.iter().map(|index| views::index(index)).collect::<Vec<_>>())
}

/// True when `instrument` passes the `contract_types` filter (empty = all).
fn type_matches(instrument: &Instrument, contract_types: &[String]) -> bool {
    contract_types.is_empty()
        || contract_types.iter().any(|kind| kind == views::contract_type(instrument.kind).as_str())
}

/// `GET /v2/products`: `contract_types`, `states` (every product is `live`; the default is assumed
/// to be live, REFERENCE 14.20), `expiry` (`YYYY-MM-DD`), cursor pages by product id.
pub async fn products(State(state): State<AppState>, params: Params) -> ApiResult {
    let contract_types = params.csv("contract_types");
    let states = params.csv("states");
    let expiry = params.get("expiry");
    let page = params.page(PRODUCTS_PAGE_SIZE, PRODUCTS_MAX_PAGE_SIZE)?;
    let live = states.is_empty() || states.iter().any(|state| state == "live");
    let listed: Vec<&Instrument> = state
        .catalog()
        .instruments()
        .iter()
        .filter(|instrument| live && type_matches(instrument, &contract_types))
        .filter(|instrument| {
            expiry.is_none_or(|day| instrument.settlement_time.is_some_and(|time| format_iso(time).starts_with(day)))
        })
        .collect();
    let (page, meta) = paginate(listed, |instrument| instrument.id, false, page);
    Ok(ok_with_meta(page.into_iter().map(views::product).collect::<Vec<_>>(), meta))
}

/// `GET /v2/products/{symbol}`.
pub async fn product(State(state): State<AppState>, Path(key): Path<String>) -> ApiResult {
    Ok(ok(views::product(lookup(state.catalog(), &key)?)))
}

/// `DD-MM-YYYY` of a µs time.
fn dd_mm_yyyy(micros: i64) -> String {
    let (day, month, year) = date_parts(micros);
    format!("{day:02}-{month:02}-{year:04}")
}

/// `GET /v2/tickers`: `contract_types`, `underlying_asset_symbols`, `expiry_date` (`DD-MM-YYYY`).
pub async fn tickers(State(state): State<AppState>, params: Params) -> ApiResult {
    let contract_types = params.csv("contract_types");
    let underlyings = params.csv("underlying_asset_symbols");
    let expiry = params.get("expiry_date");
    let now = now_micros();
    let venue = state.venue();
    let tickers: Vec<_> = state
        .catalog()
        .instruments()
        .iter()
        .filter(|instrument| type_matches(instrument, &contract_types))
        .filter(|instrument| underlyings.is_empty() || underlyings.iter().any(|u| u == instrument.underlying.symbol))
        .filter(|instrument| expiry.is_none_or(|day| instrument.settlement_time.is_some_and(|t| dd_mm_yyyy(t) == day)))
        .map(|instrument| views::ticker(state.catalog(), venue.market(), instrument, now))
        .collect();
    Ok(ok(tickers))
}

/// `GET /v2/tickers/{symbol}`; a comma-separated list (at most 10) answers with a list.
pub async fn ticker(State(state): State<AppState>, Path(key): Path<String>) -> ApiResult {
    let now = now_micros();
    let venue = state.venue();
    let catalog = state.catalog();
    if key.contains(',') {
        let symbols: Vec<&str> = key.split(',').filter(|symbol| !symbol.is_empty()).collect();
        if symbols.len() > MAX_SYMBOLS {
            return Err(ApiError::bad_schema("symbol", format!("at most {MAX_SYMBOLS} symbols")));
        }
        let tickers = symbols
            .into_iter()
            .map(|symbol| {
                lookup(catalog, symbol).map(|instrument| views::ticker(catalog, venue.market(), instrument, now))
            })
            .collect::<Result<Vec<_>, _>>()?;
        return Ok(ok(tickers));
    }
    Ok(ok(views::ticker(catalog, venue.market(), lookup(catalog, &key)?, now)))
}

/// `GET /v2/l2orderbook/{symbol}?depth=N`.
pub async fn orderbook(State(state): State<AppState>, Path(key): Path<String>, params: Params) -> ApiResult {
    let depth = params.number::<usize>("depth")?.unwrap_or(DEFAULT_DEPTH).clamp(1, MAX_DEPTH);
    let instrument = lookup(state.catalog(), &key)?;
    let venue = state.venue();
    Ok(ok(views::order_book(venue.market(), instrument, depth, now_micros())))
}

/// `GET /v2/trades/{symbol}`, in the observed array form (REFERENCE 7.2).
pub async fn trades(State(state): State<AppState>, Path(key): Path<String>) -> ApiResult {
    let instrument = lookup(state.catalog(), &key)?;
    let venue = state.venue();
    Ok(ok(views::public_trades(venue.market(), instrument)))
}

fn resolution_seconds(resolution: &str) -> Option<i64> {
    Some(match resolution {
        "1m" => 60,
        "3m" => 180,
        "5m" => 300,
        "15m" => 900,
        "30m" => 1_800,
        "1h" => 3_600,
        "2h" => 7_200,
        "4h" => 14_400,
        "6h" => 21_600,
        "1d" => 86_400,
        "1w" => 604_800,
        _ => return None,
    })
}

/// The price history behind a candle symbol: a product, `MARK:<product>` or an index. Mark and index
/// candles carry no volume.
fn series_for(catalog: &Catalog, market: &Market, symbol: &str) -> Option<(PriceSeries, bool)> {
    let (name, is_mark) = symbol.strip_prefix("MARK:").map_or((symbol, false), |rest| (rest, true));
    if let Some(instrument) = catalog.by_symbol(name) {
        return market.series(instrument.id).cloned().map(|series| (series, !is_mark));
    }
    catalog.index_by_symbol(name).and_then(|index| market.index_series(index.symbol)).cloned().map(|s| (s, false))
}

/// `GET /v2/history/candles`: `resolution`, `symbol`, `start`, `end` (seconds); at most 2000 candles
/// (the latest ones), ascending.
pub async fn candles(State(state): State<AppState>, params: Params) -> ApiResult {
    let resolution = params.required("resolution")?;
    let seconds = resolution_seconds(resolution)
        .ok_or_else(|| ApiError::bad_schema("resolution", format!("unsupported resolution {resolution}")))?;
    let symbol = params.required("symbol")?;
    let start = params.number::<i64>("start")?.ok_or_else(|| ApiError::bad_schema("start", "start is required"))?;
    let end = params.number::<i64>("end")?.ok_or_else(|| ApiError::bad_schema("end", "end is required"))?;
    let now = now_micros() / MICROS_PER_SECOND;
    let (start, end) = (start.clamp(0, now), end.clamp(0, now));
    let venue = state.venue();
    let (series, with_volume) = series_for(state.catalog(), venue.market(), symbol)
        .ok_or_else(|| ApiError::bad_schema("symbol", format!("unknown symbol {symbol}")))?;
    drop(venue);
    let first = start.div_euclid(seconds) * seconds + if start.rem_euclid(seconds) == 0 { 0 } else { seconds };
    let last = end.div_euclid(seconds) * seconds;
    let first = first.max(last - (MAX_CANDLES - 1) * seconds);
    let candles: Vec<_> = (0..)
        .map(|i| first + i * seconds)
        .take_while(|time| *time <= last)
        .map(|time| {
            let mut bar = series.candle(time, seconds, now);
            if !with_volume {
                bar.volume = 0;
            }
            views::candle(&bar)
        })
        .collect();
    Ok(ok(candles))
}

/// `GET /v2/history/sparklines?symbols=A,B`: hourly closes of the last day.
pub async fn sparklines(State(state): State<AppState>, params: Params) -> ApiResult {
    let now = now_micros() / MICROS_PER_SECOND;
    let venue = state.venue();
    let mut result = BTreeMap::new();
    for symbol in params.csv("symbols") {
        let (series, _) = series_for(state.catalog(), venue.market(), &symbol)
            .ok_or_else(|| ApiError::bad_schema("symbols", format!("unknown symbol {symbol}")))?;
        let hour = now - now.rem_euclid(3_600);
        let points: Vec<Value> = (0..24)
            .rev()
            .map(|back| hour - back * 3_600)
            .map(|time| json!([time, NumDecimal(series.price_at(time))]))
            .collect();
        result.insert(symbol, points);
    }
    Ok(ok(result))
}

/// `GET /v2/stats`: made-up exchange volumes in USD.
pub async fn stats() -> Response {
    let volume = |value: i64| NumDecimal(Decimal::from_int(value));
    ok(Stats {
        last_30_days_volume: volume(31_812_440_912),
        last_7_days_volume: volume(7_214_003_120),
        total_volume: volume(1_102_399_811_000),
    })
}

/// `GET /v2/settings`: server time in µs and the maintenance flag (`"true"` while the `maintenance` fault
/// switch is on, with the time it started; otherwise a maintenance one day ahead).
pub async fn settings(State(state): State<AppState>) -> Response {
    let now = now_micros();
    let status = state.system_status();
    let next_start = if status.maintenance { status.maintenance_start_time } else { None };
    ok(Settings {
        server_time: Micros(now),
        under_maintenance: Some(status.maintenance),
        maintenance_start_time: Some(MicrosString(next_start.unwrap_or(now + 86_400 * MICROS_PER_SECOND))),
        kyc_deposit_limit: Some(Decimal::from_int(20)),
        kyc_withdrawal_limit: Some(Decimal::from_int(10_000)),
    })
}

/// `GET /v2/rate_limits/quota`, bare like the docs' example. `current_quota` is reported as the units
/// left in the caller's window: whether Delta means used or remaining is not documented
/// (REFERENCE 14.4). Signed-looking requests report the account's quota, others the IP's.
pub async fn quota(State(state): State<AppState>, caller: Option<Extension<QuotaCaller>>) -> ApiResult {
    let Some(Extension(QuotaCaller(caller))) = caller else {
        return Err(ApiError::envelope(StatusCode::INTERNAL_SERVER_ERROR, "unavailable"));
    };
    let window = state.quota().state(&caller, Instant::now());
    Ok(json_response(
        StatusCode::OK,
        &RateLimitQuota {
            current_quota: u64::from(window.remaining),
            remaining_time_in_milliseconds: window.reset_after_ms,
        },
    ))
}
