//! delta-core's REST client against delta-sim: order placement (limit, stop), edits, cancels, look-ups,
//! open orders and history with their pages, and the batch endpoints with the client's `BatchOutcome`
//! and its local refusals.

use std::collections::BTreeSet;

use crate::client_common::{best, d, mul, signed_sim, sub};
use delta_core::http::{
    DeltaHttpClient, OpenOrdersQuery, OrderFilter, OrderHistoryQuery, OrderTypeFilter, PageRequest,
};
use delta_core::model::{
    BatchCancelItem, BatchCancelRequest, BatchCreateItem, BatchCreateRequest, BatchEditItem, BatchEditRequest,
    CancelAllRequest, CancelOrderRequest, CreateOrderRequest, EditOrderRequest, Order, OrderState, Side, StopOrderType,
    MAX_BATCH_ORDERS,
};
use delta_core::{ApiErrorCode, Decimal, DeltaError};

const BTCUSD: u64 = 27;

/// Contracts bid at `price` on BTCUSD (0 when there is no such level), read through the client.
async fn bid_size(client: &DeltaHttpClient, price: Decimal) -> u64 {
    let book = client.orderbook("BTCUSD", Some(1000)).await.unwrap();
    let level = book.buy.iter().find(|level| level.price == price);
    level.map_or(0, |level| level.size.0.to_i64_exact().unwrap().try_into().unwrap())
}

fn ids(orders: &[Order]) -> BTreeSet<u64> {
    orders.iter().map(|order| order.id).collect()
}

#[tokio::test]
async fn client_places_looks_up_edits_and_cancels_limit_and_stop_orders() {
    let (sim, client) = signed_sim().await;
    let (bid, _) = best(&client, "BTCUSD", Side::Buy).await;
    let price = sub(bid, d("100"));
    let new_price = sub(bid, d("150"));
    let (resting_at_price, resting_at_new_price) = (bid_size(&client, price).await, bid_size(&client, new_price).await);

    // The look-up puts the id in the path: percent-encoded, and signed exactly as sent.
    let client_order_id = "rest/1 ü?#&";
    let request = CreateOrderRequest::limit(BTCUSD, Side::Buy, 10, price).with_client_order_id(client_order_id);
    let order = client.place_order(&request).await.unwrap();
    assert_eq!((order.state, order.size, order.unfilled_size), (OrderState::Open, 10, 10));
    assert_eq!((order.limit_price, order.client_order_id.as_deref()), (Some(price), Some(client_order_id)));
    assert_eq!((order.product_id, order.product_symbol.as_deref()), (BTCUSD, Some("BTCUSD")));
    // The taker commission to fill the rest is blocked: 10 × 0.001 × price × 0.0005.
    assert_eq!(order.commission, Some(mul(mul(d("0.01"), price), d("0.0005"))));
    assert_eq!(bid_size(&client, price).await, resting_at_price + 10, "the order rests in the book");

    assert_eq!(client.order(order.id).await.unwrap(), order);
    assert_eq!(client.order_by_client_order_id(client_order_id).await.unwrap(), order);

    let edited = client.edit_order(&EditOrderRequest::new(order.id, BTCUSD, 15, Some(new_price))).await.unwrap();
    assert_eq!((edited.id, edited.size, edited.unfilled_size), (order.id, 15, 15));
    assert_eq!((edited.limit_price, edited.state), (Some(new_price), OrderState::Open));
    assert_eq!(bid_size(&client, price).await, resting_at_price, "the edit moved the order");
    assert_eq!(bid_size(&client, new_price).await, resting_at_new_price + 15);

    let stop_price = sub(bid, d("5000"));
    let stop = CreateOrderRequest::stop_market(BTCUSD, Side::Sell, 5, StopOrderType::StopLoss, stop_price);
    let stop = client.place_order(&stop).await.unwrap();
    assert_eq!(
        (stop.state, stop.stop_order_type, stop.stop_price),
        (OrderState::Pending, Some(StopOrderType::StopLoss), Some(stop_price))
    );
    let by_name = CreateOrderRequest::limit(0, Side::Buy, 1, sub(bid, d("200")))
        .with_product_symbol("BTCUSD")
        .with_client_order_id("rest-2");
    let by_name = client.place_order(&by_name).await.unwrap();
    assert_eq!(by_name.product_id, BTCUSD);

    let open = client.open_orders(&OpenOrdersQuery::default()).await.unwrap();
    assert_eq!(ids(&open.items), BTreeSet::from([order.id, stop.id, by_name.id]));
    assert_eq!(open.meta.after, None);
    let stops = OpenOrdersQuery {
        filter: OrderFilter { order_types: vec![OrderTypeFilter::AllStop], ..OrderFilter::default() },
        ..OpenOrdersQuery::default()
    };
    assert_eq!(ids(&client.open_orders(&stops).await.unwrap().items), BTreeSet::from([stop.id]));
    let pending = OpenOrdersQuery { states: vec![OrderState::Pending], ..OpenOrdersQuery::default() };
    assert_eq!(ids(&client.open_orders(&pending).await.unwrap().items), BTreeSet::from([stop.id]));
    let other_product = OpenOrdersQuery {
        filter: OrderFilter { product_ids: vec![3136], ..OrderFilter::default() },
        ..OpenOrdersQuery::default()
    };
    assert!(client.open_orders(&other_product).await.unwrap().items.is_empty());
    let since_stop = OpenOrdersQuery {
        filter: OrderFilter { start_time: stop.created_at.map(|time| time.0), ..OrderFilter::default() },
        ..OpenOrdersQuery::default()
    };
    assert_eq!(ids(&client.open_orders(&since_stop).await.unwrap().items), BTreeSet::from([stop.id, by_name.id]));

    let cancelled = client.cancel_order(&CancelOrderRequest::by_id(order.id, BTCUSD)).await.unwrap();
    assert_eq!((cancelled.id, cancelled.state), (order.id, OrderState::Cancelled));
    assert_eq!(cancelled.cancellation_reason.as_deref(), Some("cancelled_by_user"));
    let cancelled = client.cancel_order(&CancelOrderRequest::by_client_order_id("rest-2", BTCUSD)).await.unwrap();
    assert_eq!((cancelled.id, cancelled.state), (by_name.id, OrderState::Cancelled));
    assert_eq!(bid_size(&client, new_price).await, resting_at_new_price, "the cancelled order left the book");

    client.cancel_all_orders(&CancelAllRequest::all(Some(BTCUSD))).await.unwrap();
    assert!(client.open_orders(&OpenOrdersQuery::default()).await.unwrap().items.is_empty());
    assert_eq!(client.order(stop.id).await.unwrap().state, OrderState::Cancelled);
    let history = client.order_history(&OrderHistoryQuery::default()).await.unwrap();
    let history_ids: Vec<u64> = history.items.iter().map(|order| order.id).collect();
    assert_eq!(history_ids, vec![by_name.id, stop.id, order.id], "newest first");
    assert!(history.items.iter().all(|order| order.state == OrderState::Cancelled));
    sim.shutdown().await.unwrap();
}

#[tokio::test]
async fn client_walks_the_pages_of_open_orders_and_history() {
    let (sim, client) = signed_sim().await;
    let (bid, _) = best(&client, "BTCUSD", Side::Buy).await;
    let mut placed = BTreeSet::new();
    for batch in 0..2 {
        let items = (0..30)
            .map(|i| {
                let mut item = BatchCreateItem::limit(Side::Buy, 1, sub(bid, d("1000")));
                item.client_order_id = Some(format!("page-{batch}-{i}"));
                item
            })
            .collect();
        let outcome = client.batch_create_orders(&BatchCreateRequest::new(BTCUSD, items)).await.unwrap();
        assert!(outcome.is_complete());
        placed.extend(ids(&outcome.orders));
    }
    assert_eq!(placed.len(), 60);

    let by_25 = OpenOrdersQuery { page: PageRequest::first(25), ..OpenOrdersQuery::default() };
    let first = client.open_orders(&by_25).await.unwrap();
    assert_eq!(first.items.len(), 25);
    assert!(first.meta.after.is_some());
    let open = client.open_orders_all(&by_25).await.unwrap();
    assert_eq!(open.len(), 60, "three pages: 25 + 25 + 10, no duplicates");
    assert_eq!(ids(&open), placed);

    client.cancel_all_orders(&CancelAllRequest::all(None)).await.unwrap();
    assert!(client.open_orders_all(&by_25).await.unwrap().is_empty());
    let asked_100 = OrderHistoryQuery { page: PageRequest::first(100), ..OrderHistoryQuery::default() };
    let page = client.order_history(&asked_100).await.unwrap();
    assert_eq!(page.items.len(), 50, "history pages hold at most 50 whatever is asked");
    assert!(page.meta.after.is_some());
    let by_50 = OrderHistoryQuery { page: PageRequest::first(50), ..OrderHistoryQuery::default() };
    let history = client.order_history_all(&by_50).await.unwrap();
    assert_eq!(history.len(), 60);
    assert_eq!(ids(&history), placed);
    assert!(history.windows(2).all(|pair| pair[0].id > pair[1].id), "newest first across pages");
    assert!(history.iter().all(|order| order.state == OrderState::Cancelled));
    sim.shutdown().await.unwrap();
}

#[tokio::test]
async fn client_batches_create_edit_cancel_and_report_what_was_not_processed() {
    let (sim, client) = signed_sim().await;
    let (bid, _) = best(&client, "BTCUSD", Side::Buy).await;
    let (ask, _) = best(&client, "BTCUSD", Side::Sell).await;

    let items: Vec<BatchCreateItem> = (0..3u64)
        .map(|i| {
            let mut item = BatchCreateItem::limit(Side::Buy, i + 1, sub(bid, d("100")));
            item.client_order_id = Some(format!("batch-{i}"));
            item
        })
        .collect();
    let created = client.batch_create_orders(&BatchCreateRequest::new(BTCUSD, items)).await.unwrap();
    assert!(created.is_complete(), "{:?}", created.missing);
    let sizes: Vec<(u64, Option<&str>, OrderState)> =
        created.orders.iter().map(|order| (order.size, order.client_order_id.as_deref(), order.state)).collect();
    assert_eq!(
        sizes,
        vec![
            (1, Some("batch-0"), OrderState::Open),
            (2, Some("batch-1"), OrderState::Open),
            (3, Some("batch-2"), OrderState::Open)
        ]
    );
    assert_eq!(sim.stats().orders_received, 3, "each batch item counts as one order");

    let edits: Vec<BatchEditItem> = created
        .orders
        .iter()
        .map(|order| BatchEditItem {
            id: order.id,
            size: order.size + 10,
            limit_price: Some(sub(bid, d("200"))),
            post_only: None,
            mmp: None,
        })
        .collect();
    let edited = client.batch_edit_orders(&BatchEditRequest::new(BTCUSD, edits)).await.unwrap();
    assert!(edited.is_complete());
    assert_eq!(edited.orders.iter().map(|order| order.size).collect::<Vec<_>>(), vec![11, 12, 13]);
    assert!(edited.orders.iter().all(|order| order.limit_price == Some(sub(bid, d("200")))));

    // The sim (like Delta) returns only what it processed: an unknown id is reported as missing.
    let mut cancels: Vec<BatchCancelItem> =
        created.orders.iter().map(|order| BatchCancelItem::by_id(order.id)).collect();
    cancels.insert(1, BatchCancelItem::by_id(1));
    let cancelled = client.batch_cancel_orders(&BatchCancelRequest::new(BTCUSD, cancels)).await.unwrap();
    assert_eq!(cancelled.missing, vec![1]);
    assert_eq!(ids(&cancelled.orders), ids(&created.orders));
    assert!(cancelled.orders.iter().all(|order| order.state == OrderState::Cancelled));

    // A post-only item that would cross is refused by the sim: the outcome names it.
    let mut crossing = BatchCreateItem::limit(Side::Buy, 1, ask);
    crossing.post_only = Some(true);
    crossing.client_order_id = Some("crossing".into());
    let resting = BatchCreateItem::limit(Side::Buy, 1, sub(bid, d("300")));
    let partial = client.batch_create_orders(&BatchCreateRequest::new(BTCUSD, vec![resting, crossing])).await.unwrap();
    assert_eq!((partial.orders.len(), partial.missing.clone()), (1, vec![1]));
    assert!(!partial.is_complete());

    let before = sim.stats();
    let too_many = vec![BatchCreateItem::limit(Side::Buy, 1, sub(bid, d("100"))); MAX_BATCH_ORDERS + 1];
    let err = client.batch_create_orders(&BatchCreateRequest::new(BTCUSD, too_many)).await.unwrap_err();
    assert!(matches!(&err, DeltaError::InvalidRequest(message) if message.contains("51")), "{err}");
    let err = client.batch_create_orders(&BatchCreateRequest::new(BTCUSD, Vec::new())).await.unwrap_err();
    assert!(matches!(err, DeltaError::InvalidRequest(_)), "{err}");
    let err = client.batch_cancel_orders(&BatchCancelRequest::new(BTCUSD, Vec::new())).await.unwrap_err();
    assert!(matches!(err, DeltaError::InvalidRequest(_)), "{err}");
    let err = client.batch_edit_orders(&BatchEditRequest::new(BTCUSD, Vec::new())).await.unwrap_err();
    assert!(matches!(err, DeltaError::InvalidRequest(_)), "{err}");
    let after = sim.stats();
    assert_eq!((after.requests, after.orders_received), (before.requests, before.orders_received), "nothing was sent");

    let unknown = client.cancel_order(&CancelOrderRequest::by_id(1, BTCUSD)).await.unwrap_err();
    assert_eq!(unknown.api_code(), Some(&ApiErrorCode::OpenOrderNotFound));
    sim.shutdown().await.unwrap();
}
