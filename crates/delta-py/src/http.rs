//! `HttpClient`: the delta-core REST client behind awaitables. Each method runs on the shared tokio runtime
//! (the GIL is not held while Rust works) and resolves to the typed model handed over as plain dicts/lists
//! in Delta's field names, decimals as exact strings.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use delta_core::http::{
    CandleResolution, CandlesQuery, DeltaHttpClient, FillsQuery, HttpClientConfig, MarginedPositionsQuery,
    OpenOrdersQuery, OrderFilter, OrderHistoryQuery, OutcomeCounts, ProductsQuery, TickersQuery,
};
use delta_core::model::{
    BatchCancelRequest, BatchCreateRequest, BatchEditRequest, BracketEditRequest, BracketOrderRequest,
    CancelAfterRequest, CancelAllRequest, CancelOrderRequest, ContractType, CreateOrderRequest, EditOrderRequest,
    HeartbeatAckRequest, HeartbeatCreateRequest, MmpResetRequest, MmpUpdateRequest, ProductState, SetLeverageRequest,
};
use delta_core::{Credentials, DeltaResult};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::PyDict;
use serde::Serialize;

use crate::convert::model_to_py;
use crate::errors::{guard, guard_async, to_py};
use crate::request::{decimal_arg, from_dict};

/// Every candle resolution of the REST history endpoint.
const CANDLE_RESOLUTIONS: [CandleResolution; 11] = [
    CandleResolution::Minute1,
    CandleResolution::Minute3,
    CandleResolution::Minute5,
    CandleResolution::Minute15,
    CandleResolution::Minute30,
    CandleResolution::Hour1,
    CandleResolution::Hour2,
    CandleResolution::Hour4,
    CandleResolution::Hour6,
    CandleResolution::Day1,
    CandleResolution::Week1,
];

/// Builds credentials from the optional key and secret; both or neither.
pub fn credentials(api_key: Option<&str>, api_secret: Option<&str>) -> PyResult<Option<Credentials>> {
    match (api_key, api_secret) {
        (None, None) => Ok(None),
        (Some(key), Some(secret)) => Credentials::new(key, secret).map(Some).map_err(to_py),
        _ => Err(PyValueError::new_err("pass both api_key and api_secret, or neither")),
    }
}

/// Outcome counts as a dict, with their total as `calls`.
fn outcome_dict<'py>(py: Python<'py>, outcomes: &OutcomeCounts) -> PyResult<Bound<'py, PyDict>> {
    let out = PyDict::new(py);
    out.set_item("calls", outcomes.calls())?;
    out.set_item("ok", outcomes.ok)?;
    out.set_item("api_errors", outcomes.api_errors)?;
    out.set_item("rate_limited", outcomes.rate_limited)?;
    out.set_item("server_errors", outcomes.server_errors)?;
    out.set_item("timeouts", outcomes.timeouts)?;
    out.set_item("transport_errors", outcomes.transport_errors)?;
    out.set_item("other_errors", outcomes.other_errors)?;
    Ok(out)
}

/// A seconds argument as a positive `Duration`.
pub fn seconds(name: &str, value: f64) -> PyResult<Duration> {
    if value.is_finite() && value > 0.0 {
        Duration::try_from_secs_f64(value).map_err(|_| PyValueError::new_err(format!("{name} is out of range")))
    } else {
        Err(PyValueError::new_err(format!("{name} must be a positive number of seconds, not {value}")))
    }
}

/// The Delta REST client (one connection pool, one client-side rate limiter).
#[pyclass(module = "delta_exchange._native", frozen)]
pub struct HttpClient {
    inner: Arc<DeltaHttpClient>,
}

impl HttpClient {
    /// Runs `call` on the client as an awaitable resolving to the model as Python objects.
    fn spawn<'py, T, F, Fut>(&self, py: Python<'py>, call: F) -> PyResult<Bound<'py, PyAny>>
    where
        T: Serialize + Send + 'static,
        F: FnOnce(Arc<DeltaHttpClient>) -> Fut,
        Fut: Future<Output = DeltaResult<T>> + Send + 'static,
    {
        let future = call(Arc::clone(&self.inner));
        pyo3_async_runtimes::tokio::future_into_py(
            py,
            guard_async(async move {
                let value = future.await.map_err(to_py)?;
                model_to_py(&value)
            }),
        )
    }
}

#[pymethods]
impl HttpClient {
    /// Builds the client for the REST host `base_url` (no `/v2`), with optional credentials.
    #[new]
    #[pyo3(signature = (base_url, api_key = None, api_secret = None, *, timeout_secs = 10.0, max_retries = 3,
                        rate_limit_quota = None, rate_limit_window_secs = None))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        base_url: &str,
        api_key: Option<&str>,
        api_secret: Option<&str>,
        timeout_secs: f64,
        max_retries: u32,
        rate_limit_quota: Option<u32>,
        rate_limit_window_secs: Option<f64>,
    ) -> PyResult<Self> {
        guard(|| {
            let mut config = HttpClientConfig::new(base_url).with_credentials(credentials(api_key, api_secret)?);
            config.timeout = seconds("timeout_secs", timeout_secs)?;
            config.max_retries = max_retries;
            if let Some(quota) = rate_limit_quota {
                if quota < 2 {
                    return Err(PyValueError::new_err("rate_limit_quota must be at least 2"));
                }
                config.rate_limit.quota = quota;
                config.rate_limit.burst = quota / 2;
            }
            if let Some(window) = rate_limit_window_secs {
                config.rate_limit.window = seconds("rate_limit_window_secs", window)?;
            }
            let client = DeltaHttpClient::new(config).map_err(to_py)?;
            Ok(Self { inner: Arc::new(client) })
        })
    }

    fn __repr__(&self) -> String {
        format!(
            "HttpClient(base_url={:?}, has_credentials={})",
            self.inner.base_url(),
            if self.has_credentials() { "True" } else { "False" }
        )
    }

    /// The REST host (without `/v2`).
    #[getter]
    fn base_url(&self) -> String {
        self.inner.base_url().to_owned()
    }

    /// True when an API key and secret are configured.
    #[getter]
    fn has_credentials(&self) -> bool {
        self.inner.credentials_configured()
    }

    /// Signs every request from the next one on with the new key pair (requests already signed go out with
    /// the old one). `ValueError` for an empty key or secret, or a key that cannot be an HTTP header.
    fn rotate_credentials(&self, api_key: &str, api_secret: &str) -> PyResult<()> {
        guard(|| {
            let credentials = Credentials::new(api_key, api_secret).map_err(to_py)?;
            self.inner.rotate_credentials(&credentials).map_err(to_py)
        })
    }

    /// Attempts since the client was built: `{"endpoints": {"GET /v2/orders": {"calls", "ok", "api_errors",
    /// "rate_limited", "server_errors", "timeouts", "transport_errors", "other_errors", "latency_ms_p50",
    /// "latency_ms_p90", "latency_ms_p99", "latency_ms_max"}, ...}, "orders": {the same outcome counts over
    /// the order-placing endpoints}, "calls", "rate_limited", "refused_locally", "rate_limit": {...}}`.
    /// Latency percentiles are exact over each endpoint's last 1,024 attempts.
    fn stats<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        guard(|| {
            let stats = self.inner.rest_stats();
            let endpoints = PyDict::new(py);
            for (label, endpoint) in &stats.endpoints {
                let entry = outcome_dict(py, &endpoint.outcomes)?;
                for (key, value) in [
                    ("latency_ms_p50", endpoint.latency_p50),
                    ("latency_ms_p90", endpoint.latency_p90),
                    ("latency_ms_p99", endpoint.latency_p99),
                    ("latency_ms_max", endpoint.latency_max),
                ] {
                    entry.set_item(key, value.as_secs_f64() * 1e3)?;
                }
                endpoints.set_item(label, entry)?;
            }
            let out = PyDict::new(py);
            out.set_item("endpoints", endpoints)?;
            out.set_item("orders", outcome_dict(py, &stats.orders())?)?;
            out.set_item("calls", stats.calls())?;
            out.set_item("rate_limited", stats.rate_limited())?;
            out.set_item("refused_locally", stats.refused_locally)?;
            out.set_item("rate_limit", self.rate_limit_status(py)?)?;
            Ok(out)
        })
    }

    /// The client-side view of the REST quota.
    fn rate_limit_status<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        guard(|| {
            let status = self.inner.rate_limit_status();
            let out = PyDict::new(py);
            out.set_item("remaining", status.remaining)?;
            out.set_item("quota", status.quota)?;
            out.set_item("burst", status.burst)?;
            out.set_item("reset_in_secs", status.reset_in.as_secs_f64())?;
            out.set_item("backing_off", status.backing_off)?;
            out.set_item("rate_limited", status.rate_limited)?;
            out.set_item("units_used", status.units_used)?;
            Ok(out)
        })
    }

    /// Server time and maintenance state (`GET /v2/settings`): `server_time` (µs), `under_maintenance`
    /// (bool or None) and `maintenance_start_time` (µs string or None), among others.
    fn settings<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        self.spawn(py, |client| async move { client.settings().await })
    }

    /// Every product (walking the pages), optionally filtered by contract types and states.
    #[pyo3(signature = (contract_types = None, states = None))]
    fn products<'py>(
        &self,
        py: Python<'py>,
        contract_types: Option<Vec<String>>,
        states: Option<Vec<String>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        guard(|| {
            let query = ProductsQuery {
                contract_types: contract_types.unwrap_or_default().iter().map(|c| ContractType::from_wire(c)).collect(),
                states: states.unwrap_or_default().iter().map(|s| ProductState::from_wire(s)).collect(),
                ..ProductsQuery::default()
            };
            self.spawn(py, move |client| async move { client.products_all(&query).await })
        })
    }

    /// One product by symbol.
    fn product<'py>(&self, py: Python<'py>, symbol: String) -> PyResult<Bound<'py, PyAny>> {
        guard(|| self.spawn(py, move |client| async move { client.product(&symbol).await }))
    }

    /// Tickers of every product, optionally of some contract types.
    #[pyo3(signature = (contract_types = None))]
    fn tickers<'py>(&self, py: Python<'py>, contract_types: Option<Vec<String>>) -> PyResult<Bound<'py, PyAny>> {
        guard(|| {
            let query = TickersQuery {
                contract_types: contract_types.unwrap_or_default().iter().map(|c| ContractType::from_wire(c)).collect(),
                ..TickersQuery::default()
            };
            self.spawn(py, move |client| async move { client.tickers(&query).await })
        })
    }

    /// The ticker of one product.
    fn ticker<'py>(&self, py: Python<'py>, symbol: String) -> PyResult<Bound<'py, PyAny>> {
        guard(|| self.spawn(py, move |client| async move { client.ticker(&symbol).await }))
    }

    /// The L2 order book (`{"buy": [...], "sell": [...], ...}`), optionally limited to `depth` levels.
    #[pyo3(signature = (symbol, depth = None))]
    fn orderbook<'py>(&self, py: Python<'py>, symbol: String, depth: Option<u32>) -> PyResult<Bound<'py, PyAny>> {
        guard(|| self.spawn(py, move |client| async move { client.orderbook(&symbol, depth).await }))
    }

    /// Recent public trades of a product.
    fn public_trades<'py>(&self, py: Python<'py>, symbol: String) -> PyResult<Bound<'py, PyAny>> {
        guard(|| self.spawn(py, move |client| async move { client.public_trades(&symbol).await }))
    }

    /// Candles of `symbol` from `start` to `end` (Unix SECONDS), paging through Delta's 2,000-candle cap;
    /// ascending by time.
    fn candles<'py>(
        &self,
        py: Python<'py>,
        symbol: String,
        resolution: &str,
        start: i64,
        end: i64,
    ) -> PyResult<Bound<'py, PyAny>> {
        guard(|| {
            let resolution = CANDLE_RESOLUTIONS.into_iter().find(|r| r.as_str() == resolution).ok_or_else(|| {
                let known: Vec<&str> = CANDLE_RESOLUTIONS.iter().map(CandleResolution::as_str).collect();
                PyValueError::new_err(format!(
                    "unknown candle resolution {resolution:?}; use one of {}",
                    known.join(", ")
                ))
            })?;
            let query = CandlesQuery { resolution, symbol, start, end };
            self.spawn(py, move |client| async move {
                let mut candles = client.candles_range(&query).await?;
                candles.sort_by_key(|candle| candle.time);
                Ok(candles)
            })
        })
    }

    /// Balances of every asset plus the account totals: `{"balances": [...], "meta": {...}}`.
    fn wallet_balances<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        guard(|| {
            self.spawn(py, move |client| async move {
                let wallet = client.wallet_balances().await?;
                Ok(WalletBalancesOut { balances: wallet.balances, meta: wallet.meta })
            })
        })
    }

    /// Every open order, optionally of some products (at most 10 ids).
    #[pyo3(signature = (product_ids = None))]
    fn open_orders<'py>(&self, py: Python<'py>, product_ids: Option<Vec<u64>>) -> PyResult<Bound<'py, PyAny>> {
        guard(|| {
            let query = OpenOrdersQuery {
                filter: OrderFilter { product_ids: product_ids.unwrap_or_default(), ..OrderFilter::default() },
                ..OpenOrdersQuery::default()
            };
            self.spawn(py, move |client| async move { client.open_orders_all(&query).await })
        })
    }

    /// Open positions with margin fields (`GET /v2/positions/margined`).
    fn positions<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        guard(|| {
            self.spawn(
                py,
                move |client| async move { client.margined_positions(&MarginedPositionsQuery::default()).await },
            )
        })
    }

    /// Own fills (walking the pages), optionally of some products and since `start_us` (µs).
    #[pyo3(signature = (product_ids = None, start_us = None))]
    fn fills<'py>(
        &self,
        py: Python<'py>,
        product_ids: Option<Vec<u64>>,
        start_us: Option<i64>,
    ) -> PyResult<Bound<'py, PyAny>> {
        guard(|| {
            let query = FillsQuery {
                product_ids: product_ids.unwrap_or_default(),
                start_time: start_us,
                ..FillsQuery::default()
            };
            self.spawn(py, move |client| async move { client.fills_all(&query).await })
        })
    }

    /// Places an order (`POST /v2/orders`); the order as Delta returns it. After a timeout the order is
    /// looked up by `client_order_id` and returned when found, else `DeltaOrderStateUnknownError`.
    fn place_order<'py>(&self, py: Python<'py>, request: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
        guard(|| {
            let request: CreateOrderRequest = from_dict(request)?;
            self.spawn(py, move |client| async move { client.place_order(&request).await })
        })
    }

    /// Edits an open order (`PUT /v2/orders`; `size` is the new total); the edited order.
    fn edit_order<'py>(&self, py: Python<'py>, request: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
        guard(|| {
            let request: EditOrderRequest = from_dict(request)?;
            self.spawn(py, move |client| async move { client.edit_order(&request).await })
        })
    }

    /// Cancels one order by `id` or `client_order_id` (`DELETE /v2/orders`); the cancelled order.
    fn cancel_order<'py>(&self, py: Python<'py>, request: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
        guard(|| {
            let request: CancelOrderRequest = from_dict(request)?;
            self.spawn(py, move |client| async move { client.cancel_order(&request).await })
        })
    }

    /// Cancels every matching order (`DELETE /v2/orders/all`); `None`. Delta defaults the three
    /// `cancel_*_orders` flags to false, so set the ones wanted.
    fn cancel_all_orders<'py>(&self, py: Python<'py>, request: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
        guard(|| {
            let request: CancelAllRequest = from_dict(request)?;
            self.spawn(py, move |client| async move { client.cancel_all_orders(&request).await })
        })
    }

    /// Places up to 50 limit orders on one product (`POST /v2/orders/batch`); the orders Delta processed
    /// (Delta reports no per-item errors: an item without a returned order was not placed).
    fn batch_create_orders<'py>(&self, py: Python<'py>, request: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
        guard(|| {
            let request: BatchCreateRequest = from_dict(request)?;
            self.spawn(py, move |client| async move { Ok(client.batch_create_orders(&request).await?.orders) })
        })
    }

    /// Edits up to 50 orders of one product (`PUT /v2/orders/batch`); the orders Delta processed.
    fn batch_edit_orders<'py>(&self, py: Python<'py>, request: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
        guard(|| {
            let request: BatchEditRequest = from_dict(request)?;
            self.spawn(py, move |client| async move { Ok(client.batch_edit_orders(&request).await?.orders) })
        })
    }

    /// Cancels up to 50 orders of one product (`DELETE /v2/orders/batch`); the orders Delta processed.
    fn batch_cancel_orders<'py>(&self, py: Python<'py>, request: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
        guard(|| {
            let request: BatchCancelRequest = from_dict(request)?;
            self.spawn(py, move |client| async move { Ok(client.batch_cancel_orders(&request).await?.orders) })
        })
    }

    /// One order by id (`GET /v2/orders/{id}`).
    fn order<'py>(&self, py: Python<'py>, order_id: u64) -> PyResult<Bound<'py, PyAny>> {
        guard(|| self.spawn(py, move |client| async move { client.order(order_id).await }))
    }

    /// One order by client order id (`GET /v2/orders/client_order_id/{id}`).
    fn order_by_client_order_id<'py>(&self, py: Python<'py>, client_order_id: String) -> PyResult<Bound<'py, PyAny>> {
        guard(|| {
            delta_core::model::order_request::validate_client_order_id(&client_order_id)
                .map_err(|e| PyValueError::new_err(format!("client_order_id: {e}")))?;
            self.spawn(py, move |client| async move { client.order_by_client_order_id(&client_order_id).await })
        })
    }

    /// Closed and cancelled orders (walking the pages), optionally of some products (at most 10) and created
    /// between `start_us` and `end_us` (µs).
    #[pyo3(signature = (product_ids = None, start_us = None, end_us = None))]
    fn order_history<'py>(
        &self,
        py: Python<'py>,
        product_ids: Option<Vec<u64>>,
        start_us: Option<i64>,
        end_us: Option<i64>,
    ) -> PyResult<Bound<'py, PyAny>> {
        guard(|| {
            let query = OrderHistoryQuery {
                filter: OrderFilter {
                    product_ids: product_ids.unwrap_or_default(),
                    start_time: start_us,
                    end_time: end_us,
                    ..OrderFilter::default()
                },
                ..OrderHistoryQuery::default()
            };
            self.spawn(py, move |client| async move { client.order_history_all(&query).await })
        })
    }

    /// The real-time position of one product (`GET /v2/positions?product_id=`): `size` signed,
    /// `entry_price` None when flat.
    fn position<'py>(&self, py: Python<'py>, product_id: u64) -> PyResult<Bound<'py, PyAny>> {
        guard(|| self.spawn(py, move |client| async move { client.position(product_id).await }))
    }

    /// Sets the order leverage of a product (`POST /v2/products/{id}/orders/leverage`; `leverage` as str or
    /// int); the leverage dict.
    fn set_order_leverage<'py>(
        &self,
        py: Python<'py>,
        product_id: u64,
        leverage: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyAny>> {
        guard(|| {
            let request = SetLeverageRequest { leverage: decimal_arg("leverage", leverage)? };
            if request.leverage.is_negative() || request.leverage.is_zero() {
                return Err(PyValueError::new_err(format!("leverage must be positive, got {}", request.leverage)));
            }
            self.spawn(py, move |client| async move { client.set_order_leverage(product_id, &request).await })
        })
    }

    /// The order leverage of a product (`GET /v2/products/{id}/orders/leverage`).
    fn order_leverage<'py>(&self, py: Python<'py>, product_id: u64) -> PyResult<Bound<'py, PyAny>> {
        guard(|| self.spawn(py, move |client| async move { client.order_leverage(product_id).await }))
    }

    /// Configures market-maker protection (`PUT /v2/users/update_mmp`); the trading preferences dict.
    fn update_mmp<'py>(&self, py: Python<'py>, request: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
        guard(|| {
            let request: MmpUpdateRequest = from_dict(request)?;
            self.spawn(py, move |client| async move { client.update_mmp(&request).await })
        })
    }

    /// Unfreezes MMP orders after a trigger (`PUT /v2/users/reset_mmp`); `None`.
    fn reset_mmp<'py>(&self, py: Python<'py>, request: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
        guard(|| {
            let request: MmpResetRequest = from_dict(request)?;
            self.spawn(py, move |client| async move { client.reset_mmp(&request).await })
        })
    }

    /// Creates a dead-man heartbeat (`POST /v2/heartbeat/create`); `{"heartbeat_id": ...}`.
    fn create_heartbeat<'py>(&self, py: Python<'py>, request: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
        guard(|| {
            let request: HeartbeatCreateRequest = from_dict(request)?;
            self.spawn(py, move |client| async move { client.create_heartbeat(&request).await })
        })
    }

    /// Keeps a heartbeat alive for `ttl` ms (`POST /v2/heartbeat`); `{"heartbeat_timestamp", "process_enabled"}`
    /// as Delta writes them (strings).
    fn ack_heartbeat<'py>(&self, py: Python<'py>, request: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
        guard(|| {
            let request: HeartbeatAckRequest = from_dict(request)?;
            self.spawn(py, move |client| async move { client.ack_heartbeat(&request).await })
        })
    }

    /// Global's legacy dead-man switch (`POST /v2/orders/cancel_after`, ms; 0 disables);
    /// `{"cancel_after_enabled", "cancel_after_timestamp"}` as Delta writes them (strings).
    fn cancel_after<'py>(&self, py: Python<'py>, request: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
        guard(|| {
            let request: CancelAfterRequest = from_dict(request)?;
            self.spawn(py, move |client| async move { client.cancel_after(&request).await })
        })
    }

    /// Attaches a take-profit / stop-loss bracket to a position (`POST /v2/orders/bracket`); `None`.
    fn create_bracket<'py>(&self, py: Python<'py>, request: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
        guard(|| {
            let request: BracketOrderRequest = from_dict(request)?;
            self.spawn(py, move |client| async move { client.create_bracket(&request).await })
        })
    }

    /// Changes the bracket prices of an entry order (`PUT /v2/orders/bracket`); `None`.
    fn edit_bracket<'py>(&self, py: Python<'py>, request: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
        guard(|| {
            let request: BracketEditRequest = from_dict(request)?;
            self.spawn(py, move |client| async move { client.edit_bracket(&request).await })
        })
    }
}

/// `wallet_balances` as handed to Python.
#[derive(Serialize)]
struct WalletBalancesOut {
    balances: Vec<delta_core::model::WalletBalance>,
    meta: delta_core::model::WalletBalancesMeta,
}
