//! delta-core's REST client against delta-sim: what a fill changes (order, position, fill, commission,
//! wallet, ledger), the position endpoints, leverage, brackets, close-all, the fills and ledger pages,
//! and the account switches (MMP, heartbeats, cancel-after).

use std::collections::BTreeSet;

use crate::client_common::{add, best, d, mul, signed_sim, sub};
use delta_core::http::{
    DeltaHttpClient, FillsQuery, MarginedPositionsQuery, OpenOrdersQuery, OrderFilter, OrderTypeFilter, PageRequest,
    WalletTransactionsQuery,
};
use delta_core::model::{
    AutoTopupRequest, BracketEditRequest, BracketLeg, BracketOrderRequest, CancelAfterRequest, CancelAllRequest,
    ChangeMarginRequest, CloseAllPositionsRequest, ContractType, CreateOrderRequest, HeartbeatAckRequest,
    HeartbeatAction, HeartbeatConfig, HeartbeatCreateRequest, HeartbeatImpact, LiquidityRole, MarginMode, MmpGroup,
    MmpResetRequest, MmpUpdateRequest, OrderState, OrderType, SetLeverageRequest, Side, TransactionType, WalletBalance,
};
use delta_core::{ApiErrorCode, Decimal};

const BTCUSD: u64 = 27;

/// BTCUSD's contract value and taker fee rate (the sim's product, as Delta lists it).
fn contract_value() -> Decimal {
    d("0.001")
}

fn taker_rate() -> Decimal {
    d("0.0005")
}

async fn usd(client: &DeltaHttpClient) -> WalletBalance {
    let wallets = client.wallet_balances().await.unwrap();
    wallets.balances.into_iter().find(|wallet| wallet.asset_symbol == "USD").unwrap()
}

fn int(value: u64) -> Decimal {
    Decimal::from_int(value.try_into().unwrap())
}

#[tokio::test]
async fn client_market_buy_books_the_position_the_fills_the_commission_and_the_wallet() {
    let (sim, client) = signed_sim().await;
    let start = client.wallet_balances().await.unwrap();
    assert_eq!(start.meta.net_equity, Some(d("100000")));
    let symbols: Vec<&str> = start.balances.iter().map(|wallet| wallet.asset_symbol.as_str()).collect();
    assert_eq!(symbols, vec!["BTC", "ETH", "USD"]);
    let start = usd(&client).await;
    assert_eq!((start.balance, start.available_balance), (d("100000"), d("100000")));

    // Buy through the first ask level and two contracts into the second.
    let book = client.orderbook("BTCUSD", Some(2)).await.unwrap();
    let first: u64 = book.sell[0].size.0.to_i64_exact().unwrap().try_into().unwrap();
    let second: u64 = book.sell[1].size.0.to_i64_exact().unwrap().try_into().unwrap();
    assert!(second >= 2);
    let size = first + 2;
    let expected = [(book.sell[0].price, first), (book.sell[1].price, 2)];

    let order = client.place_order(&CreateOrderRequest::market(BTCUSD, Side::Buy, size)).await.unwrap();
    assert_eq!(
        (order.state, order.size, order.unfilled_size, order.order_type),
        (OrderState::Closed, size, 0, OrderType::Market)
    );
    let paid: Decimal =
        expected.iter().fold(Decimal::ZERO, |sum, (price, contracts)| add(sum, mul(int(*contracts), *price)));
    let average = paid.checked_div(&int(size), 8).unwrap().normalize();
    assert_eq!(order.average_fill_price, Some(average));

    let fills = client.fills(&FillsQuery { product_ids: vec![BTCUSD], ..FillsQuery::default() }).await.unwrap();
    let mut fills = fills.items;
    fills.reverse();
    assert_eq!(fills.len(), 2, "one fill per level taken");
    let mut commission = Decimal::ZERO;
    for (fill, (price, contracts)) in fills.iter().zip(expected) {
        assert_eq!((fill.price, fill.size, fill.side, fill.role), (price, contracts, Side::Buy, LiquidityRole::Taker));
        assert_eq!(fill.order_id, order.id.to_string());
        let fee = mul(mul(mul(int(contracts), contract_value()), price), taker_rate());
        assert_eq!(fill.commission, fee, "commission = size × contract_value × price × taker rate");
        commission = add(commission, fee);
    }
    assert_eq!(order.paid_commission, Some(commission));

    let position = client.position(BTCUSD).await.unwrap();
    assert_eq!((position.size, position.entry_price), (i64::try_from(size).unwrap(), Some(average)));
    let flat = client.position(3136).await.unwrap();
    assert_eq!((flat.size, flat.entry_price), (0, None));
    let by_underlying = client.positions_by_underlying("BTC").await.unwrap();
    assert_eq!(by_underlying.len(), 1);
    assert_eq!((by_underlying[0].product_id, by_underlying[0].size), (Some(BTCUSD), position.size));
    assert!(client.positions_by_underlying("ETH").await.unwrap().is_empty());

    let wallet = usd(&client).await;
    assert_eq!(wallet.balance, sub(d("100000"), commission), "the balance dropped by the commission");
    let ledger = client.wallet_transactions(&WalletTransactionsQuery::default()).await.unwrap().items;
    let kinds: Vec<_> = ledger.iter().map(|entry| (entry.transaction_type.clone(), entry.amount)).collect();
    assert_eq!(
        kinds,
        vec![
            (TransactionType::Commission, fills[1].commission.negate()),
            (TransactionType::Commission, fills[0].commission.negate()),
            (TransactionType::Deposit, d("100000")),
        ]
    );
    assert_eq!(ledger[0].balance, wallet.balance);

    let margined = client.margined_positions(&MarginedPositionsQuery::default()).await.unwrap();
    assert_eq!(margined.len(), 1);
    let held = &margined[0];
    assert_eq!((held.product_id, held.size, held.entry_price), (BTCUSD, position.size, Some(average)));
    // Isolated margin at the default order leverage of 10: the entry notional / 10.
    let margin = mul(mul(paid, contract_value()), d("0.1"));
    assert_eq!((held.margin, held.margin_mode.clone()), (Some(margin), Some(MarginMode::Isolated)));
    assert_eq!(wallet.position_margin, Some(margin));
    let options = MarginedPositionsQuery { contract_types: vec![ContractType::CallOptions], ..Default::default() };
    assert!(client.margined_positions(&options).await.unwrap().is_empty());

    let topped = client
        .change_position_margin(&ChangeMarginRequest { product_id: BTCUSD, delta_margin: d("10") })
        .await
        .unwrap();
    assert_eq!(topped.margin, Some(add(margin, d("10"))));
    let auto =
        client.set_position_auto_topup(&AutoTopupRequest { product_id: BTCUSD, auto_topup: true }).await.unwrap();
    assert_eq!((auto.auto_topup, auto.margin), (Some(true), Some(add(margin, d("10")))));
    sim.shutdown().await.unwrap();
}

#[tokio::test]
async fn client_sets_leverage_brackets_reduce_only_and_closes_all() {
    let (sim, client) = signed_sim().await;
    let leverage = client.order_leverage(BTCUSD).await.unwrap();
    assert_eq!(
        (leverage.leverage, leverage.product_id, leverage.margin_mode.clone()),
        (d("10"), BTCUSD, MarginMode::Isolated)
    );
    let set = client.set_order_leverage(BTCUSD, &SetLeverageRequest { leverage: d("20") }).await.unwrap();
    assert_eq!(set.leverage, d("20"));
    assert_eq!(client.order_leverage(BTCUSD).await.unwrap().leverage, d("20"));
    let too_high = client.set_order_leverage(BTCUSD, &SetLeverageRequest { leverage: d("500") }).await.unwrap_err();
    assert_eq!(too_high.api_code(), Some(&ApiErrorCode::MaxLeverageExceeded));

    let (ask, _) = best(&client, "BTCUSD", Side::Sell).await;
    let (bid, _) = best(&client, "BTCUSD", Side::Buy).await;
    let bought = client.place_order(&CreateOrderRequest::market(BTCUSD, Side::Buy, 4)).await.unwrap();
    let held = client.margined_positions(&MarginedPositionsQuery::default()).await.unwrap();
    let notional = mul(mul(int(4), contract_value()), bought.average_fill_price.unwrap());
    assert_eq!(held[0].margin, Some(notional.checked_div(&d("20"), 8).unwrap()), "margined at the new leverage");

    let stop_loss = sub(ask, d("2000"));
    let take_profit = add(ask, d("2000"));
    let bracket = BracketOrderRequest {
        product_id: Some(BTCUSD),
        product_symbol: None,
        stop_loss_order: Some(BracketLeg {
            order_type: OrderType::Market,
            stop_price: Some(stop_loss),
            trail_amount: None,
            limit_price: None,
        }),
        take_profit_order: Some(BracketLeg {
            order_type: OrderType::Limit,
            stop_price: Some(take_profit),
            trail_amount: None,
            limit_price: Some(take_profit),
        }),
        bracket_stop_trigger_method: None,
    };
    client.create_bracket(&bracket).await.unwrap();
    let stops = OpenOrdersQuery {
        filter: OrderFilter { order_types: vec![OrderTypeFilter::AllStop], ..OrderFilter::default() },
        ..OpenOrdersQuery::default()
    };
    let legs = client.open_orders(&stops).await.unwrap().items;
    assert_eq!(legs.len(), 2);
    assert!(legs
        .iter()
        .all(|leg| leg.reduce_only && leg.bracket_order == Some(true) && leg.side == Side::Sell && leg.size == 4));
    let triggers: BTreeSet<Decimal> = legs.iter().filter_map(|leg| leg.stop_price).collect();
    assert_eq!(triggers, BTreeSet::from([stop_loss, take_profit]));
    let again = client.create_bracket(&bracket).await.unwrap_err();
    assert_eq!(again.api_code(), Some(&ApiErrorCode::PositionBracketExistOrInvalidData));

    let entry = client.place_order(&CreateOrderRequest::limit(BTCUSD, Side::Buy, 1, sub(bid, d("500")))).await.unwrap();
    let edit = BracketEditRequest {
        id: entry.id,
        product_id: Some(BTCUSD),
        product_symbol: None,
        bracket_stop_loss_price: Some(sub(bid, d("1500"))),
        bracket_stop_loss_limit_price: None,
        bracket_take_profit_price: Some(add(bid, d("1500"))),
        bracket_take_profit_limit_price: None,
        bracket_trail_amount: None,
        bracket_stop_trigger_method: None,
    };
    client.edit_bracket(&edit).await.unwrap();
    let entry = client.order(entry.id).await.unwrap();
    assert_eq!(
        (entry.bracket_stop_loss_price, entry.bracket_take_profit_price),
        (edit.bracket_stop_loss_price, edit.bracket_take_profit_price)
    );
    assert_eq!(entry.bracket_order, Some(true));

    let reduce = CreateOrderRequest::market(BTCUSD, Side::Sell, 1).with_reduce_only(true);
    let reduced = client.place_order(&reduce).await.unwrap();
    assert_eq!((reduced.state, reduced.reduce_only), (OrderState::Closed, true));
    assert_eq!(client.position(BTCUSD).await.unwrap().size, 3);

    client.close_all_positions(&CloseAllPositionsRequest::all(bought.user_id.unwrap())).await.unwrap();
    let position = client.position(BTCUSD).await.unwrap();
    assert_eq!((position.size, position.entry_price), (0, None));
    assert!(client.margined_positions(&MarginedPositionsQuery::default()).await.unwrap().is_empty());
    client.cancel_all_orders(&CancelAllRequest::all(None)).await.unwrap();
    assert!(client.open_orders(&OpenOrdersQuery::default()).await.unwrap().items.is_empty());
    // Closing realised the spread: the ledger and the balance agree to the last digit.
    let ledger = client.wallet_transactions_all(&WalletTransactionsQuery::default()).await.unwrap();
    let total = ledger.iter().fold(Decimal::ZERO, |sum, entry| add(sum, entry.amount));
    assert_eq!(usd(&client).await.balance, total);
    assert!(ledger.iter().any(|entry| entry.transaction_type == TransactionType::Cashflow));
    sim.shutdown().await.unwrap();
}

#[tokio::test]
async fn client_walks_the_pages_of_fills_and_the_ledger() {
    let (sim, client) = signed_sim().await;
    let mut order_ids = BTreeSet::new();
    for i in 0..55 {
        let side = if i % 2 == 0 { Side::Buy } else { Side::Sell };
        let order = client.place_order(&CreateOrderRequest::market(BTCUSD, side, 1)).await.unwrap();
        order_ids.insert(order.id.to_string());
    }

    let first = client.fills(&FillsQuery::default()).await.unwrap();
    assert_eq!(first.items.len(), 50, "fills come at most 50 per page");
    assert!(first.meta.after.is_some());
    let by_20 = FillsQuery { page: PageRequest::first(20), ..FillsQuery::default() };
    let fills = client.fills_all(&by_20).await.unwrap();
    assert_eq!(fills.len(), 55);
    assert_eq!(fills.iter().map(|fill| fill.order_id.clone()).collect::<BTreeSet<_>>(), order_ids);
    assert_eq!(fills.iter().map(|fill| fill.id.as_str()).collect::<BTreeSet<_>>().len(), 55, "no fill twice");
    assert_eq!(fills[..50], first.items[..], "the walk starts with the first page");

    let by_20 = WalletTransactionsQuery { page: PageRequest::first(20), ..WalletTransactionsQuery::default() };
    let ledger = client.wallet_transactions_all(&by_20).await.unwrap();
    let one_page = WalletTransactionsQuery { page: PageRequest::first(1000), ..WalletTransactionsQuery::default() };
    let single = client.wallet_transactions(&one_page).await.unwrap();
    assert_eq!(single.meta.after, None);
    assert_eq!(ledger, single.items, "pages of 20 add up to the whole ledger");
    let count = |kind: TransactionType| ledger.iter().filter(|entry| entry.transaction_type == kind).count();
    assert_eq!((count(TransactionType::Commission), count(TransactionType::Deposit)), (55, 1));
    let fees = fills.iter().fold(Decimal::ZERO, |sum, fill| add(sum, fill.commission));
    let charged = ledger
        .iter()
        .filter(|entry| entry.transaction_type == TransactionType::Commission)
        .fold(Decimal::ZERO, |sum, entry| sub(sum, entry.amount));
    assert_eq!(charged, fees);
    let total = ledger.iter().fold(Decimal::ZERO, |sum, entry| add(sum, entry.amount));
    assert_eq!((ledger[0].balance, usd(&client).await.balance), (total, total));

    let commissions = WalletTransactionsQuery {
        transaction_types: vec![TransactionType::Commission],
        page: PageRequest::first(7),
        ..WalletTransactionsQuery::default()
    };
    assert_eq!(client.wallet_transactions_all(&commissions).await.unwrap().len(), 55);
    sim.shutdown().await.unwrap();
}

#[tokio::test]
async fn client_sets_market_maker_protection_heartbeats_and_cancel_after() {
    let (sim, client) = signed_sim().await;
    let mmp = MmpUpdateRequest {
        asset: "BTC".into(),
        window_interval: 5_000,
        freeze_interval: 10_000,
        trade_limit: Some(d("100000")),
        delta_limit: None,
        vega_limit: None,
        mmp: MmpGroup::Mmp1,
    };
    client.update_mmp(&mmp).await.unwrap();
    client.reset_mmp(&MmpResetRequest { asset: "BTC".into(), mmp: MmpGroup::Mmp1 }).await.unwrap();

    let heartbeat = HeartbeatCreateRequest {
        heartbeat_id: "bot-1".into(),
        impact: HeartbeatImpact::Contracts,
        contract_types: vec![ContractType::PerpetualFutures],
        underlying_assets: vec!["BTC".into()],
        product_symbols: Vec::new(),
        config: vec![HeartbeatConfig { action: HeartbeatAction::CancelOrders, unhealthy_count: 1, value: None }],
    };
    assert_eq!(client.create_heartbeat(&heartbeat).await.unwrap().heartbeat_id, "bot-1");
    assert_eq!(client.heartbeats(None).await.unwrap(), vec![heartbeat.clone()]);
    assert_eq!(client.heartbeats(Some("bot-1")).await.unwrap(), vec![heartbeat]);
    assert!(client.heartbeats(Some("other")).await.unwrap().is_empty());
    let settings = client.settings().await.unwrap();
    let acked = client.ack_heartbeat(&HeartbeatAckRequest { heartbeat_id: "bot-1".into(), ttl: 60_000 }).await.unwrap();
    assert!(acked.process_enabled);
    let server_ms = u64::try_from(settings.server_time.0 / 1_000).unwrap();
    assert!(acked.heartbeat_timestamp >= server_ms, "heartbeat_timestamp is the server time in ms");
    client.ack_heartbeat(&HeartbeatAckRequest { heartbeat_id: "bot-1".into(), ttl: 0 }).await.unwrap();
    let unknown = client.ack_heartbeat(&HeartbeatAckRequest { heartbeat_id: "nope".into(), ttl: 1 }).await.unwrap_err();
    assert_eq!(unknown.api_code(), Some(&ApiErrorCode::BadSchema));

    let armed = client.cancel_after(&CancelAfterRequest { cancel_after: 60_000 }).await.unwrap();
    assert!(armed.cancel_after_enabled);
    assert!(armed.cancel_after_timestamp >= server_ms + 60_000, "the deadline is 60 s after the call, in ms");
    let disarmed = client.cancel_after(&CancelAfterRequest { cancel_after: 0 }).await.unwrap();
    assert_eq!((disarmed.cancel_after_enabled, disarmed.cancel_after_timestamp), (false, 0));
    sim.shutdown().await.unwrap();
}
