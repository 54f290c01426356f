//! Order endpoints (REFERENCE 7.3): place, edit, cancel, look up, list, batches, brackets and leverage.

use std::fmt;

use rand::rngs::SmallRng;
use rand::SeedableRng;

use crate::error::{DeltaError, DeltaResult};
use crate::http::client::{Call, DeltaHttpClient, Failure};
use crate::http::paginate::{Page, PageRequest};
use crate::http::query::{check_list_len, encode_segment, QueryString};
use crate::model::order_request::validate_client_order_id;
use crate::model::{
    BatchCancelItem, BatchCancelRequest, BatchCreateItem, BatchCreateRequest, BatchEditItem, BatchEditRequest,
    BracketEditRequest, BracketOrderRequest, CancelAllRequest, CancelOrderRequest, ContractType, CreateOrderRequest,
    EditOrderRequest, Order, OrderLeverage, OrderState, SetLeverageRequest,
};

/// Values of the `order_types` filter of `GET /v2/orders` and `/v2/orders/history` (REFERENCE 8.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum OrderTypeFilter {
    /// `market`.
    Market,
    /// `limit`.
    Limit,
    /// `stop_market`.
    StopMarket,
    /// `stop_limit`.
    StopLimit,
    /// `all_stop`: every stop order.
    AllStop,
}

impl OrderTypeFilter {
    /// The value as Delta writes it.
    pub const fn as_str(&self) -> &'static str {
        match self {
            Self::Market => "market",
            Self::Limit => "limit",
            Self::StopMarket => "stop_market",
            Self::StopLimit => "stop_limit",
            Self::AllStop => "all_stop",
        }
    }
}

impl fmt::Display for OrderTypeFilter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Filters shared by open orders and order history. Times are microseconds since the epoch (creation time).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OrderFilter {
    /// At most 10 product ids.
    pub product_ids: Vec<u64>,
    /// Contract types.
    pub contract_types: Vec<ContractType>,
    /// Order types.
    pub order_types: Vec<OrderTypeFilter>,
    /// Created at or after (µs).
    pub start_time: Option<i64>,
    /// Created at or before (µs).
    pub end_time: Option<i64>,
}

impl OrderFilter {
    fn validate(&self) -> DeltaResult<()> {
        check_list_len("product_ids", self.product_ids.len())
    }

    fn write(&self, query: &mut QueryString) {
        query.push_csv("product_ids", &self.product_ids);
        query.push_csv("contract_types", &self.contract_types);
        query.push_csv("order_types", &self.order_types);
        query.push_opt("start_time", self.start_time);
        query.push_opt("end_time", self.end_time);
    }
}

/// Query of `GET /v2/orders` (open and pending orders).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OpenOrdersQuery {
    /// Product, type and time filters.
    pub filter: OrderFilter,
    /// `open`, `pending` (empty = Delta's default).
    pub states: Vec<OrderState>,
    /// Page size and cursors.
    pub page: PageRequest,
}

/// Query of `GET /v2/orders/history` (closed and cancelled orders; at most 50 per page).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OrderHistoryQuery {
    /// Product, type and time filters.
    pub filter: OrderFilter,
    /// Page size and cursors.
    pub page: PageRequest,
}

/// The answer to a batch: Delta returns only the orders it processed, without per-item errors, so the
/// items of the request that no returned order accounts for are listed in `missing`.
#[derive(Debug, Clone, PartialEq)]
pub struct BatchOutcome {
    /// The processed orders, as returned.
    pub orders: Vec<Order>,
    /// Indices (into the request's `orders`) of the items without a matching returned order.
    pub missing: Vec<usize>,
}

impl BatchOutcome {
    /// True when every item of the batch was processed.
    pub fn is_complete(&self) -> bool {
        self.missing.is_empty()
    }
}

/// Indices of `items` that no order of `orders` matches; each order accounts for at most one item.
fn unmatched<I>(items: &[I], orders: &[Order], matches: impl Fn(&I, &Order) -> bool) -> Vec<usize> {
    let mut matched = vec![false; items.len()];
    for order in orders {
        if let Some(index) = (0..items.len()).find(|&i| !matched[i] && matches(&items[i], order)) {
            matched[index] = true;
        }
    }
    matched.iter().enumerate().filter(|(_, &m)| !m).map(|(i, _)| i).collect()
}

fn create_item_matches(item: &BatchCreateItem, order: &Order) -> bool {
    match &item.client_order_id {
        Some(id) => order.client_order_id.as_deref() == Some(id.as_str()),
        None => {
            order.client_order_id.is_none()
                && order.side == item.side
                && order.size == item.size
                && order.limit_price == item.limit_price
        }
    }
}

fn edit_item_matches(item: &BatchEditItem, order: &Order) -> bool {
    order.id == item.id
}

fn cancel_item_matches(item: &BatchCancelItem, order: &Order) -> bool {
    match (item.id, &item.client_order_id) {
        (Some(id), _) => order.id == id,
        (None, Some(client_id)) => order.client_order_id.as_deref() == Some(client_id.as_str()),
        (None, None) => false,
    }
}

fn operations(count: usize) -> u32 {
    u32::try_from(count).unwrap_or(u32::MAX)
}

impl DeltaHttpClient {
    /// Places an order: `POST /v2/orders` (weight 5, one product operation).
    ///
    /// Validated locally first (product reference, size > 0, limit price exactly for limit orders,
    /// `client_order_id` ≤ 32 characters, stop fields). Never retried: when the outcome is unknown (timeout
    /// or transport error after the request may have been sent) and a `client_order_id` was given, the order
    /// is looked up by that id; see the [module docs](crate::http) for the exact policy.
    pub async fn place_order(&self, request: &CreateOrderRequest) -> DeltaResult<Order> {
        request.validate()?;
        let call = Call::post("/v2/orders", request)?.private().product_operations(request.product_id, 1);
        match self.result_or_failure(call).await {
            Ok(order) => Ok(order),
            Err(Failure { error, outcome_unknown: true }) => match &request.client_order_id {
                Some(client_order_id) => self.settle_placement(client_order_id, error).await,
                None => Err(error),
            },
            Err(failure) => Err(failure.error),
        }
    }

    /// Looks an order of unknown outcome up by client order id, with backoff between attempts.
    async fn settle_placement(&self, client_order_id: &str, cause: DeltaError) -> DeltaResult<Order> {
        let attempts = self.order_lookup_attempts().max(1);
        let policy = self.retry_policy();
        let mut rng = SmallRng::from_os_rng();
        tracing::warn!(client_order_id, error = %cause, "order placement outcome unknown; looking the order up");
        let mut last_error = None;
        for attempt in 0..attempts {
            tokio::time::sleep(policy.backoff(attempt, &mut rng)).await;
            match self.order_by_client_order_id(client_order_id).await {
                Ok(order) => {
                    tracing::info!(client_order_id, order_id = order.id, "order placement settled by look-up");
                    return Ok(order);
                }
                Err(error) => last_error = Some(error),
            }
        }
        let last = last_error.map_or_else(String::new, |e| e.to_string());
        Err(DeltaError::OrderStateUnknown {
            client_order_id: client_order_id.to_owned(),
            reason: format!(
                "{cause}; {attempts} look-up(s) by client_order_id did not find it (last: {last}); \
                 resubmitting with the same client_order_id is safe while the order is not open"
            ),
        })
    }

    /// Edits an open order (`size` is the new total): `PUT /v2/orders` (weight 5, one product operation).
    /// Never retried.
    pub async fn edit_order(&self, request: &EditOrderRequest) -> DeltaResult<Order> {
        request.validate()?;
        self.result(Call::put("/v2/orders", request)?.private().product_operations(request.product_id, 1)).await
    }

    /// Cancels one order by id or client order id: `DELETE /v2/orders` with a JSON body (weight 5).
    /// Returns the cancelled order. Never retried.
    pub async fn cancel_order(&self, request: &CancelOrderRequest) -> DeltaResult<Order> {
        request.validate()?;
        self.result(Call::delete("/v2/orders", request)?.private()).await
    }

    /// Cancels every matching order: `DELETE /v2/orders/all`. Use [`CancelAllRequest::all`] to cancel limit,
    /// stop and reduce-only orders (the server defaults each flag to false).
    pub async fn cancel_all_orders(&self, request: &CancelAllRequest) -> DeltaResult<()> {
        self.acknowledge(Call::delete("/v2/orders/all", request)?.private()).await
    }

    /// One page of open and pending orders: `GET /v2/orders` (weight 3).
    pub async fn open_orders(&self, query: &OpenOrdersQuery) -> DeltaResult<Page<Order>> {
        query.filter.validate()?;
        self.page(open_orders_call(query, &query.page)).await
    }

    /// Every open and pending order, walking the cursors from `query.page.page_size`.
    pub async fn open_orders_all(&self, query: &OpenOrdersQuery) -> DeltaResult<Vec<Order>> {
        query.filter.validate()?;
        self.collect_pages(|cursor| open_orders_call(query, &query.page.at(cursor))).await
    }

    /// One order by id: `GET /v2/orders/{order_id}`.
    pub async fn order(&self, order_id: u64) -> DeltaResult<Order> {
        self.result(Call::get(format!("/v2/orders/{order_id}")).template("/v2/orders/{id}").private()).await
    }

    /// One order by client order id: `GET /v2/orders/client_order_id/{client_order_id}`.
    pub async fn order_by_client_order_id(&self, client_order_id: &str) -> DeltaResult<Order> {
        validate_client_order_id(client_order_id)?;
        let path = format!("/v2/orders/client_order_id/{}", encode_segment(client_order_id));
        self.result(Call::get(path).template("/v2/orders/client_order_id/{client_order_id}").private()).await
    }

    /// One page of closed and cancelled orders: `GET /v2/orders/history` (weight 10).
    pub async fn order_history(&self, query: &OrderHistoryQuery) -> DeltaResult<Page<Order>> {
        query.filter.validate()?;
        self.page(order_history_call(query, &query.page)).await
    }

    /// The whole order history matching `query`, walking the cursors.
    pub async fn order_history_all(&self, query: &OrderHistoryQuery) -> DeltaResult<Vec<Order>> {
        query.filter.validate()?;
        self.collect_pages(|cursor| order_history_call(query, &query.page.at(cursor))).await
    }

    /// Places up to 50 limit orders on one product: `POST /v2/orders/batch` (weight 25, one product
    /// operation per order). Never retried. Items Delta did not process are reported in
    /// [`BatchOutcome::missing`] (matched by `client_order_id`, else by side, size and price).
    pub async fn batch_create_orders(&self, request: &BatchCreateRequest) -> DeltaResult<BatchOutcome> {
        request.validate()?;
        let call = Call::post("/v2/orders/batch", request)?
            .private()
            .product_operations(request.product_id, operations(request.orders.len()));
        let orders: Vec<Order> = self.result(call).await?;
        Ok(batch_outcome("POST /v2/orders/batch", unmatched(&request.orders, &orders, create_item_matches), orders))
    }

    /// Edits up to 50 orders of one product: `PUT /v2/orders/batch` (weight 25, one product operation per
    /// order). Never retried. Unprocessed items (matched by id) are reported in [`BatchOutcome::missing`].
    pub async fn batch_edit_orders(&self, request: &BatchEditRequest) -> DeltaResult<BatchOutcome> {
        request.validate()?;
        let call = Call::put("/v2/orders/batch", request)?
            .private()
            .product_operations(request.product_id, operations(request.orders.len()));
        let orders: Vec<Order> = self.result(call).await?;
        Ok(batch_outcome("PUT /v2/orders/batch", unmatched(&request.orders, &orders, edit_item_matches), orders))
    }

    /// Cancels up to 50 orders of one product: `DELETE /v2/orders/batch` (weight 25). Never retried.
    /// Unprocessed items (matched by id or client order id) are reported in [`BatchOutcome::missing`].
    pub async fn batch_cancel_orders(&self, request: &BatchCancelRequest) -> DeltaResult<BatchOutcome> {
        request.validate()?;
        let orders: Vec<Order> = self.result(Call::delete("/v2/orders/batch", request)?.private()).await?;
        Ok(batch_outcome("DELETE /v2/orders/batch", unmatched(&request.orders, &orders, cancel_item_matches), orders))
    }

    /// Attaches a take-profit / stop-loss bracket to an open position: `POST /v2/orders/bracket`.
    pub async fn create_bracket(&self, request: &BracketOrderRequest) -> DeltaResult<()> {
        request.validate()?;
        self.acknowledge(Call::post("/v2/orders/bracket", request)?.private()).await
    }

    /// Changes the bracket parameters of an entry order: `PUT /v2/orders/bracket`.
    pub async fn edit_bracket(&self, request: &BracketEditRequest) -> DeltaResult<()> {
        request.validate()?;
        self.acknowledge(Call::put("/v2/orders/bracket", request)?.private()).await
    }

    /// The order leverage of a product: `GET /v2/products/{product_id}/orders/leverage`.
    pub async fn order_leverage(&self, product_id: u64) -> DeltaResult<OrderLeverage> {
        self.result(
            Call::get(format!("/v2/products/{product_id}/orders/leverage"))
                .template("/v2/products/{product_id}/orders/leverage")
                .private(),
        )
        .await
    }

    /// Sets the order leverage of a product: `POST /v2/products/{product_id}/orders/leverage`.
    pub async fn set_order_leverage(
        &self,
        product_id: u64,
        request: &SetLeverageRequest,
    ) -> DeltaResult<OrderLeverage> {
        if request.leverage.is_negative() || request.leverage.is_zero() {
            return Err(DeltaError::InvalidRequest(format!("leverage must be positive, got {}", request.leverage)));
        }
        let path = format!("/v2/products/{product_id}/orders/leverage");
        self.result(Call::post(path, request)?.template("/v2/products/{product_id}/orders/leverage").private()).await
    }
}

fn open_orders_call(query: &OpenOrdersQuery, page: &PageRequest) -> Call {
    let mut params = QueryString::new();
    query.filter.write(&mut params);
    params.push_csv("states", &query.states);
    page.write(&mut params);
    Call::get("/v2/orders").query(params).private()
}

fn order_history_call(query: &OrderHistoryQuery, page: &PageRequest) -> Call {
    let mut params = QueryString::new();
    query.filter.write(&mut params);
    page.write(&mut params);
    Call::get("/v2/orders/history").query(params).private()
}

fn batch_outcome(endpoint: &str, missing: Vec<usize>, orders: Vec<Order>) -> BatchOutcome {
    if !missing.is_empty() {
        tracing::warn!(endpoint, processed = orders.len(), ?missing, "Delta processed only part of a batch");
    }
    BatchOutcome { orders, missing }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Credentials;
    use crate::decimal::Decimal;
    use crate::http::HttpClientConfig;
    use crate::model::{Envelope, OrderType, Side};

    const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../fixtures/delta-api/");

    fn fixture(name: &str) -> Vec<u8> {
        std::fs::read(format!("{FIXTURES}{name}")).unwrap()
    }

    fn batch_orders() -> Vec<Order> {
        serde_json::from_slice::<Envelope<Vec<Order>>>(&fixture("rest_order_batch_create_response.json"))
            .unwrap()
            .result
    }

    /// A client pointing at a closed port: any request that passes validation fails with a transport error,
    /// so a validation error proves nothing was sent.
    fn offline_client() -> DeltaHttpClient {
        let config = HttpClientConfig::new("http://127.0.0.1:9")
            .with_credentials(Some(Credentials::new("key", "secret").unwrap()));
        DeltaHttpClient::new(config).unwrap()
    }

    fn price(text: &str) -> Decimal {
        text.parse().unwrap()
    }

    #[test]
    fn batch_create_outcome_names_the_missing_items() {
        let request: BatchCreateRequest =
            serde_json::from_slice(&fixture("rest_order_batch_create_request.json")).unwrap();
        let orders = batch_orders();
        assert!(unmatched(&request.orders, &orders, create_item_matches).is_empty());
        assert!(unmatched(&request.orders, &orders[1..], create_item_matches) == vec![0]);
        let mut without_ids = request.orders.clone();
        for item in &mut without_ids {
            item.client_order_id = None;
        }
        let mut anonymous = orders.clone();
        for order in &mut anonymous {
            order.client_order_id = None;
        }
        assert_eq!(unmatched(&without_ids, &anonymous[..1], create_item_matches), vec![1]);
    }

    #[test]
    fn batch_edit_and_cancel_match_by_id_or_client_id() {
        let orders = batch_orders();
        let edits = vec![
            BatchEditItem { id: orders[0].id, size: 5, limit_price: None, post_only: None, mmp: None },
            BatchEditItem { id: 1, size: 5, limit_price: None, post_only: None, mmp: None },
        ];
        assert_eq!(unmatched(&edits, &orders, edit_item_matches), vec![1]);
        let request: BatchCancelRequest =
            serde_json::from_slice(&fixture("rest_order_batch_cancel_request.json")).unwrap();
        let cancels = &request.orders;
        assert!(unmatched(cancels, &orders, cancel_item_matches).is_empty());
        assert_eq!(unmatched(cancels, &orders[..1], cancel_item_matches), vec![1]);
        assert_eq!(unmatched(cancels, &[], cancel_item_matches), vec![0, 1]);
    }

    #[tokio::test]
    async fn invalid_orders_are_refused_before_sending() {
        let client = offline_client();
        let long_id = "x".repeat(33);
        let cases = [
            CreateOrderRequest::limit(27, Side::Buy, 10, price("68000")).with_client_order_id(long_id),
            CreateOrderRequest::limit(27, Side::Buy, 0, price("68000")),
            {
                let mut market = CreateOrderRequest::market(27, Side::Sell, 1);
                market.limit_price = Some(price("68000"));
                market
            },
            CreateOrderRequest::limit(27, Side::Buy, 1, price("-1")),
        ];
        for request in cases {
            let err = client.place_order(&request).await.unwrap_err();
            assert!(matches!(err, DeltaError::InvalidRequest(_)), "{request:?}: {err}");
        }
        assert_eq!(CreateOrderRequest::market(27, Side::Sell, 1).order_type, OrderType::Market);
    }

    #[tokio::test]
    async fn invalid_batches_and_queries_are_refused_before_sending() {
        let client = offline_client();
        let empty = BatchCreateRequest::new(27, Vec::new());
        assert!(matches!(client.batch_create_orders(&empty).await, Err(DeltaError::InvalidRequest(_))));
        let item = BatchCreateItem::limit(Side::Buy, 1, price("68000"));
        let too_many = BatchCreateRequest::new(27, vec![item; 51]);
        assert!(matches!(client.batch_create_orders(&too_many).await, Err(DeltaError::InvalidRequest(_))));
        let cancels = BatchCancelRequest::new(27, Vec::new());
        assert!(matches!(client.batch_cancel_orders(&cancels).await, Err(DeltaError::InvalidRequest(_))));
        let edits = BatchEditRequest::new(
            27,
            vec![BatchEditItem { id: 1, size: 0, limit_price: None, post_only: None, mmp: None }],
        );
        assert!(matches!(client.batch_edit_orders(&edits).await, Err(DeltaError::InvalidRequest(_))));

        let query = OpenOrdersQuery {
            filter: OrderFilter { product_ids: (1..=11).collect(), ..OrderFilter::default() },
            ..OpenOrdersQuery::default()
        };
        assert!(matches!(client.open_orders(&query).await, Err(DeltaError::InvalidRequest(_))));
        assert!(matches!(client.open_orders_all(&query).await, Err(DeltaError::InvalidRequest(_))));
        let long_id = "y".repeat(33);
        assert!(matches!(client.order_by_client_order_id(&long_id).await, Err(DeltaError::InvalidRequest(_))));
        let leverage = SetLeverageRequest { leverage: Decimal::ZERO };
        assert!(matches!(client.set_order_leverage(27, &leverage).await, Err(DeltaError::InvalidRequest(_))));
    }

    #[test]
    fn open_orders_query_is_written_in_order() {
        let query = OpenOrdersQuery {
            filter: OrderFilter {
                product_ids: vec![27, 3136],
                contract_types: vec![ContractType::PerpetualFutures],
                order_types: vec![OrderTypeFilter::Limit, OrderTypeFilter::AllStop],
                start_time: Some(1_779_962_400_000_000),
                end_time: None,
            },
            states: vec![OrderState::Open, OrderState::Pending],
            page: PageRequest::first(50),
        };
        let call = open_orders_call(&query, &query.page.at(Some("g3Q=")));
        assert_eq!(call.endpoint(), "GET /v2/orders");
        assert_eq!(
            call.query_text(),
            "?product_ids=27,3136&contract_types=perpetual_futures&order_types=limit,all_stop\
             &start_time=1779962400000000&states=open,pending&page_size=50&after=g3Q%3D"
        );
    }
}
