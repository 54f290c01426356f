//! Public market-data and platform endpoints (REFERENCE 7.1, 7.2): assets, indices, products, tickers,
//! order book, trades, candles, stats, settings and the rate-limit quota.

use std::fmt;

use crate::error::{DeltaError, DeltaResult};
use crate::http::client::{Call, DeltaHttpClient};
use crate::http::paginate::{Page, PageRequest};
use crate::http::query::{encode_segment, QueryString};
use crate::model::{
    Asset, BareOrWrapped, Candle, ContractType, Index, OrderBook, Product, ProductState, PublicTrade, PublicTrades,
    RateLimitQuota, Settings, Stats, Ticker,
};

/// Most candles Delta returns per request (REFERENCE 7.2).
pub const MAX_CANDLES_PER_REQUEST: i64 = 2000;

/// Query of `GET /v2/products`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProductsQuery {
    /// Contract types (empty = all).
    pub contract_types: Vec<ContractType>,
    /// Product states (empty = Delta's default, presumably `live`).
    pub states: Vec<ProductState>,
    /// Expiry date `YYYY-MM-DD` (India, 2026).
    pub expiry: Option<String>,
    /// Page size (default 100) and cursors.
    pub page: PageRequest,
}

/// Query of `GET /v2/tickers`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TickersQuery {
    /// Contract types (empty = all).
    pub contract_types: Vec<ContractType>,
    /// Underlying assets (`BTC`, `ETH`).
    pub underlying_asset_symbols: Vec<String>,
    /// Expiry date `DD-MM-YYYY` (note: not the products' `YYYY-MM-DD`).
    pub expiry_date: Option<String>,
}

/// Candle resolutions of `GET /v2/history/candles` (`7d`, `2w`, `30d` were removed in October 2025).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CandleResolution {
    /// `1m`.
    Minute1,
    /// `3m`.
    Minute3,
    /// `5m`.
    Minute5,
    /// `15m`.
    Minute15,
    /// `30m`.
    Minute30,
    /// `1h`.
    Hour1,
    /// `2h`.
    Hour2,
    /// `4h`.
    Hour4,
    /// `6h`.
    Hour6,
    /// `1d`.
    Day1,
    /// `1w`.
    Week1,
}

impl CandleResolution {
    /// The value as Delta writes it.
    pub const fn as_str(&self) -> &'static str {
        match self {
            Self::Minute1 => "1m",
            Self::Minute3 => "3m",
            Self::Minute5 => "5m",
            Self::Minute15 => "15m",
            Self::Minute30 => "30m",
            Self::Hour1 => "1h",
            Self::Hour2 => "2h",
            Self::Hour4 => "4h",
            Self::Hour6 => "6h",
            Self::Day1 => "1d",
            Self::Week1 => "1w",
        }
    }

    /// Length of one candle in seconds.
    pub const fn seconds(&self) -> i64 {
        match self {
            Self::Minute1 => 60,
            Self::Minute3 => 180,
            Self::Minute5 => 300,
            Self::Minute15 => 900,
            Self::Minute30 => 1_800,
            Self::Hour1 => 3_600,
            Self::Hour2 => 7_200,
            Self::Hour4 => 14_400,
            Self::Hour6 => 21_600,
            Self::Day1 => 86_400,
            Self::Week1 => 604_800,
        }
    }
}

impl fmt::Display for CandleResolution {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Query of `GET /v2/history/candles`. `symbol` may be a product, `MARK:<sym>`, `FUNDING:<sym>`, `OI:<sym>`
/// or an index symbol; `start` and `end` are Unix **seconds**.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CandlesQuery {
    /// Candle length.
    pub resolution: CandleResolution,
    /// What to chart.
    pub symbol: String,
    /// First second of the range.
    pub start: i64,
    /// Last second of the range.
    pub end: i64,
}

impl CandlesQuery {
    fn validate(&self) -> DeltaResult<()> {
        if self.symbol.is_empty() {
            return Err(DeltaError::InvalidRequest("candles need a symbol".into()));
        }
        if self.start > self.end {
            return Err(DeltaError::InvalidRequest(format!(
                "candle range start {} is after end {}",
                self.start, self.end
            )));
        }
        Ok(())
    }

    /// The sub-ranges of at most [`MAX_CANDLES_PER_REQUEST`] candles covering `start..=end`.
    fn chunks(&self) -> impl Iterator<Item = (i64, i64)> + '_ {
        let span = self.resolution.seconds().saturating_mul(MAX_CANDLES_PER_REQUEST);
        let mut next = Some(self.start);
        std::iter::from_fn(move || {
            let start = next?;
            let end = start.saturating_add(span - 1).min(self.end);
            next = end.checked_add(1).filter(|n| *n <= self.end);
            Some((start, end))
        })
    }
}

impl DeltaHttpClient {
    /// Every asset: `GET /v2/assets`.
    pub async fn assets(&self) -> DeltaResult<Vec<Asset>> {
        self.result(Call::get("/v2/assets")).await
    }

    /// Every spot index: `GET /v2/indices`.
    pub async fn indices(&self) -> DeltaResult<Vec<Index>> {
        self.result(Call::get("/v2/indices")).await
    }

    /// One page of products: `GET /v2/products` (weight 3).
    pub async fn products(&self, query: &ProductsQuery) -> DeltaResult<Page<Product>> {
        self.page(products_call(query, &query.page)).await
    }

    /// Every product matching `query`, walking the cursors (expired products with `settlement_price`:
    /// `states = [Expired]`).
    pub async fn products_all(&self, query: &ProductsQuery) -> DeltaResult<Vec<Product>> {
        self.collect_pages(|cursor| products_call(query, &query.page.at(cursor))).await
    }

    /// One product by symbol: `GET /v2/products/{symbol}` (weight 3; there is no by-id form).
    pub async fn product(&self, symbol: &str) -> DeltaResult<Product> {
        self.result(Call::get(format!("/v2/products/{}", segment(symbol)?)).template("/v2/products/{symbol}")).await
    }

    /// Tickers: `GET /v2/tickers` (weight 3). An option chain is `contract_types = [CallOptions,
    /// PutOptions]`, one underlying and an expiry date.
    pub async fn tickers(&self, query: &TickersQuery) -> DeltaResult<Vec<Ticker>> {
        let mut params = QueryString::new();
        params.push_csv("contract_types", &query.contract_types);
        params.push_csv("underlying_asset_symbols", &query.underlying_asset_symbols);
        params.push_opt("expiry_date", query.expiry_date.as_deref());
        self.result(Call::get("/v2/tickers").query(params)).await
    }

    /// One ticker: `GET /v2/tickers/{symbol}` (weight 3).
    pub async fn ticker(&self, symbol: &str) -> DeltaResult<Ticker> {
        self.result(Call::get(format!("/v2/tickers/{}", segment(symbol)?)).template("/v2/tickers/{symbol}")).await
    }

    /// L2 snapshot: `GET /v2/l2orderbook/{symbol}?depth=N` (weight 3; Delta's default depth when `None`).
    pub async fn orderbook(&self, symbol: &str, depth: Option<u32>) -> DeltaResult<OrderBook> {
        let mut params = QueryString::new();
        params.push_opt("depth", depth);
        self.result(
            Call::get(format!("/v2/l2orderbook/{}", segment(symbol)?))
                .template("/v2/l2orderbook/{symbol}")
                .query(params),
        )
        .await
    }

    /// Recent public trades: `GET /v2/trades/{symbol}`. Both documented shapes are accepted (a list, or
    /// `{"trades": [...]}`; REFERENCE 14.2 leaves open which one production sends).
    pub async fn public_trades(&self, symbol: &str) -> DeltaResult<Vec<PublicTrade>> {
        let trades: PublicTrades =
            self.result(Call::get(format!("/v2/trades/{}", segment(symbol)?)).template("/v2/trades/{symbol}")).await?;
        Ok(trades.into_trades())
    }

    /// Candles of one request: `GET /v2/history/candles` (weight 3). Delta returns at most
    /// [`MAX_CANDLES_PER_REQUEST`] candles; use [`Self::candles_range`] for longer ranges.
    pub async fn candles(&self, query: &CandlesQuery) -> DeltaResult<Vec<Candle>> {
        query.validate()?;
        self.result(candles_call(query, query.start, query.end)).await
    }

    /// Candles over any range, fetched in sub-ranges of at most [`MAX_CANDLES_PER_REQUEST`] candles, returned
    /// ascending by time without duplicates. Refused when it would take more than `max_pages` requests.
    pub async fn candles_range(&self, query: &CandlesQuery) -> DeltaResult<Vec<Candle>> {
        query.validate()?;
        let requests = query.chunks().count();
        if requests > self.max_pages() {
            return Err(DeltaError::InvalidRequest(format!(
                "the candle range needs {requests} requests, more than max_pages = {}",
                self.max_pages()
            )));
        }
        let mut candles: Vec<Candle> = Vec::new();
        for (start, end) in query.chunks() {
            let chunk: Vec<Candle> = self.result(candles_call(query, start, end)).await?;
            merge_candles(&mut candles, chunk, query.start, query.end);
        }
        Ok(candles)
    }

    /// Exchange volumes: `GET /v2/stats`.
    pub async fn stats(&self) -> DeltaResult<Stats> {
        self.result(Call::get("/v2/stats")).await
    }

    /// Server time and maintenance state: `GET /v2/settings`.
    pub async fn settings(&self) -> DeltaResult<Settings> {
        self.result(Call::get("/v2/settings")).await
    }

    /// Delta's view of the REST quota: `GET /v2/rate_limits/quota`. Signed when credentials are configured
    /// (the quota is then the user's, otherwise the IP's); the answer is accepted bare or in the envelope.
    pub async fn rate_limit_quota(&self) -> DeltaResult<RateLimitQuota> {
        let quota: BareOrWrapped<RateLimitQuota> =
            self.body(Call::get("/v2/rate_limits/quota").optionally_signed()).await?;
        Ok(quota.into_inner())
    }
}

fn segment(symbol: &str) -> DeltaResult<String> {
    if symbol.is_empty() {
        return Err(DeltaError::InvalidRequest("the symbol is empty".into()));
    }
    Ok(encode_segment(symbol))
}

fn products_call(query: &ProductsQuery, page: &PageRequest) -> Call {
    let mut params = QueryString::new();
    params.push_csv("contract_types", &query.contract_types);
    params.push_csv("states", &query.states);
    params.push_opt("expiry", query.expiry.as_deref());
    page.write(&mut params);
    Call::get("/v2/products").query(params)
}

fn candles_call(query: &CandlesQuery, start: i64, end: i64) -> Call {
    let mut params = QueryString::new();
    params.push("resolution", query.resolution).push("symbol", &query.symbol).push("start", start).push("end", end);
    Call::get("/v2/history/candles").query(params)
}

/// Appends the candles of one sub-range that fall inside `start..=end` and after the last one kept.
fn merge_candles(candles: &mut Vec<Candle>, mut chunk: Vec<Candle>, start: i64, end: i64) {
    chunk.sort_by_key(|candle| candle.time);
    for candle in chunk {
        let after_last = candles.last().is_none_or(|last| candle.time > last.time);
        if after_last && (start..=end).contains(&candle.time) {
            candles.push(candle);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http::HttpClientConfig;
    use crate::model::Envelope;

    const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../fixtures/delta-api/");

    fn fixture_candles() -> Vec<Candle> {
        let bytes = std::fs::read(format!("{FIXTURES}rest_candles.json")).unwrap();
        serde_json::from_slice::<Envelope<Vec<Candle>>>(&bytes).unwrap().result
    }

    fn query(resolution: CandleResolution, start: i64, end: i64) -> CandlesQuery {
        CandlesQuery { resolution, symbol: "BTCUSD".into(), start, end }
    }

    #[test]
    fn candle_ranges_split_at_the_2000_cap() {
        let day = query(CandleResolution::Minute1, 1_779_926_400, 1_779_926_400 + 86_400 - 1);
        let chunks: Vec<_> = day.chunks().collect();
        assert_eq!(chunks.len(), 1440usize.div_ceil(2000));
        let week = query(CandleResolution::Minute1, 0, 7 * 86_400 - 1);
        let chunks: Vec<_> = week.chunks().collect();
        assert_eq!(chunks.len(), (7 * 1440usize).div_ceil(2000));
        assert_eq!(chunks[0], (0, 2000 * 60 - 1));
        assert_eq!(chunks[1].0, 2000 * 60);
        assert_eq!(chunks.last().unwrap().1, 7 * 86_400 - 1);
        assert!(chunks.windows(2).all(|w| w[0].1 + 1 == w[1].0), "contiguous, no overlap");
        assert_eq!(query(CandleResolution::Hour1, 5, 5).chunks().collect::<Vec<_>>(), vec![(5, 5)]);
        let edge = query(CandleResolution::Week1, i64::MAX - 10, i64::MAX);
        assert_eq!(edge.chunks().collect::<Vec<_>>(), vec![(i64::MAX - 10, i64::MAX)]);
    }

    #[test]
    fn merged_candles_are_ascending_unique_and_in_range() {
        let candles = fixture_candles();
        assert!(candles.len() >= 2);
        let (first, last) = (candles[0].time, candles[candles.len() - 1].time);
        let mut merged = Vec::new();
        let mut reversed = candles.clone();
        reversed.reverse();
        merge_candles(&mut merged, reversed, first, last);
        merge_candles(&mut merged, candles.clone(), first, last);
        assert_eq!(merged, candles);
        let mut clipped = Vec::new();
        merge_candles(&mut clipped, candles.clone(), first + 1, last);
        assert_eq!(clipped, candles[1..]);
    }

    #[tokio::test]
    async fn bad_arguments_are_refused_before_sending() {
        let client = DeltaHttpClient::new(HttpClientConfig::new("http://127.0.0.1:9")).unwrap();
        let backwards = query(CandleResolution::Minute1, 10, 5);
        assert!(matches!(client.candles(&backwards).await, Err(DeltaError::InvalidRequest(_))));
        let huge = query(CandleResolution::Minute1, 0, 10 * 365 * 86_400);
        assert!(matches!(client.candles_range(&huge).await, Err(DeltaError::InvalidRequest(_))));
        assert!(matches!(client.product("").await, Err(DeltaError::InvalidRequest(_))));
    }

    #[test]
    fn market_queries_are_encoded_in_order() {
        let query = ProductsQuery {
            contract_types: vec![ContractType::CallOptions, ContractType::PutOptions],
            states: vec![ProductState::Live],
            expiry: Some("2026-05-29".into()),
            page: PageRequest::first(100),
        };
        assert_eq!(
            products_call(&query, &query.page.at(Some("c/1"))).query_text(),
            "?contract_types=call_options,put_options&states=live&expiry=2026-05-29&page_size=100&after=c%2F1"
        );
        let candles =
            CandlesQuery { resolution: CandleResolution::Hour4, symbol: "MARK:BTCUSD".into(), start: 1, end: 2 };
        assert_eq!(candles_call(&candles, 1, 2).query_text(), "?resolution=4h&symbol=MARK%3ABTCUSD&start=1&end=2");
    }
}
