//! Order handling against the synthetic book: resting, crossing, partial fills, IOC, post-only,
//! reduce-only, stops, edits, cancels, batches, positions and the wallet.

use std::time::Duration;

use crate::common::Sim;
use delta_core::Decimal;
use delta_sim::{EventKind, SimConfig};
use reqwest::StatusCode;
use serde_json::{json, Value};

fn dec(value: &Value) -> Decimal {
    match value {
        Value::String(text) => text.parse().unwrap(),
        other => other.to_string().parse().unwrap(),
    }
}

fn d(text: &str) -> Decimal {
    text.parse().unwrap()
}

/// `(price, size)` of level `index` of side `"a"` or `"b"` of the sim's true book.
async fn level(sim: &Sim, symbol: &str, side: &str, index: usize) -> (Decimal, u64) {
    let book = sim.book(symbol).await;
    let level = &book[side][index];
    (level[0].as_str().unwrap().parse().unwrap(), level[1].as_str().unwrap().parse().unwrap())
}

fn limit(side: &str, size: u64, price: Decimal) -> Value {
    json!({"product_id": 27, "size": size, "side": side, "order_type": "limit_order", "limit_price": price.to_string()})
}

fn market(side: &str, size: u64) -> Value {
    json!({"product_id": 27, "size": size, "side": side, "order_type": "market_order"})
}

async fn usd_wallet(sim: &Sim) -> Value {
    let balances = sim.private_get("/v2/wallet/balances", "").await.body;
    balances["result"].as_array().unwrap().iter().find(|wallet| wallet["asset_symbol"] == "USD").unwrap().clone()
}

#[tokio::test]
async fn a_limit_order_below_the_market_rests_and_blocks_margin() {
    let sim = Sim::default().await;
    let (bid, _) = level(&sim, "BTCUSD", "b", 0).await;
    let price = bid.checked_sub(&d("100")).unwrap();
    let answer = sim.post("/v2/orders", &limit("buy", 10, price)).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    let order = &answer.body["result"];
    assert_eq!((order["state"].as_str(), order["unfilled_size"].as_u64()), (Some("open"), Some(10)));
    // commission blocked = 10 × 0.001 × price × 0.0005; margin = notional / 10.
    let notional = d("0.01").checked_mul(&price).unwrap();
    assert_eq!(dec(&order["commission"]), notional.checked_mul(&d("0.0005")).unwrap());
    let wallet = usd_wallet(&sim).await;
    assert_eq!(dec(&wallet["order_margin"]), notional.checked_div(&d("10"), 8).unwrap());
    assert_eq!(dec(&wallet["balance"]), d("100000"));
    assert!(dec(&wallet["available_balance"]) < d("100000"));

    let book = sim.book("BTCUSD").await;
    assert!(book["b"].as_array().unwrap().iter().any(|level| dec(&level[0]) == price));
    let open = sim.private_get("/v2/orders", "?product_ids=27&states=open").await.body;
    assert_eq!(open["result"][0]["id"], order["id"]);
    assert_eq!(open["meta"]["after"], Value::Null);
    sim.stop().await;
}

#[tokio::test]
async fn a_crossing_limit_order_takes_liquidity_at_level_prices() {
    let sim = Sim::default().await;
    let (ask, ask_size) = level(&sim, "BTCUSD", "a", 0).await;
    let seq = sim.book("BTCUSD").await["seq"].as_u64().unwrap();
    let answer = sim.post("/v2/orders", &limit("buy", 3, ask)).await;
    let order = &answer.body["result"];
    assert_eq!(order["state"], "closed", "{}", answer.body);
    assert_eq!(dec(&order["average_fill_price"]), ask);
    let commission =
        d("3").checked_mul(&d("0.001")).unwrap().checked_mul(&ask).unwrap().checked_mul(&d("0.0005")).unwrap();
    assert_eq!(dec(&order["paid_commission"]), commission);
    let book = sim.book("BTCUSD").await;
    assert_eq!(level(&sim, "BTCUSD", "a", 0).await, (ask, ask_size - 3));
    assert!(book["seq"].as_u64().unwrap() > seq);

    let fills = sim.private_get("/v2/fills", "?product_ids=27").await.body;
    let fill = &fills["result"][0];
    assert_eq!((fill["role"].as_str(), fill["size"].as_u64()), (Some("taker"), Some(3)));
    assert_eq!(fill["order_id"], order["id"].to_string());
    assert_eq!(fill["id"].as_str().unwrap().len(), 32);
    assert_eq!(dec(&fill["commission"]), commission);
    assert_eq!(dec(&fill["meta_data"]["effective_commission_rate"]), d("0.0005"));
    let trades = sim.get("/v2/trades/BTCUSD").await.body;
    assert_eq!(
        (trades["result"][0]["buyer_role"].as_str(), trades["result"][0]["size"].as_u64()),
        (Some("taker"), Some(3))
    );
    sim.stop().await;
}

#[tokio::test]
async fn a_limit_order_larger_than_the_level_fills_partly_and_rests() {
    let sim = Sim::default().await;
    let (ask, ask_size) = level(&sim, "BTCUSD", "a", 0).await;
    let answer = sim.post("/v2/orders", &limit("buy", ask_size + 7, ask)).await;
    let order = &answer.body["result"];
    assert_eq!((order["state"].as_str(), order["unfilled_size"].as_u64()), (Some("open"), Some(7)), "{}", answer.body);
    assert_eq!(level(&sim, "BTCUSD", "b", 0).await, (ask, 7));
    assert_ne!(level(&sim, "BTCUSD", "a", 0).await.0, ask);
    let position = sim.private_get("/v2/positions", "?product_id=27").await.body;
    assert_eq!(position["result"]["size"].as_i64(), Some(i64::try_from(ask_size).unwrap()));
    sim.stop().await;
}

#[tokio::test]
async fn ioc_orders_cancel_their_remainder_or_are_refused() {
    let sim = Sim::default().await;
    let (ask, ask_size) = level(&sim, "BTCUSD", "a", 0).await;
    let mut ioc = limit("buy", ask_size + 5, ask);
    ioc["time_in_force"] = json!("ioc");
    let order = sim.post("/v2/orders", &ioc).await.body["result"].clone();
    assert_eq!((order["state"].as_str(), order["unfilled_size"].as_u64()), (Some("cancelled"), Some(5)));
    let (bid, _) = level(&sim, "BTCUSD", "b", 0).await;
    let mut far = limit("buy", 1, bid.checked_sub(&d("50")).unwrap());
    far["time_in_force"] = json!("ioc");
    let refused = sim.post("/v2/orders", &far).await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST);
    assert_eq!(refused.body["error"]["code"], "order_size_exceed_available");
    sim.stop().await;
}

#[tokio::test]
async fn post_only_orders_never_take() {
    let sim = Sim::default().await;
    let (ask, _) = level(&sim, "BTCUSD", "a", 0).await;
    let mut crossing = limit("buy", 1, ask);
    crossing["post_only"] = json!("true");
    let refused = sim.post("/v2/orders", &crossing).await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST);
    assert_eq!(refused.body, json!({"success": false, "error": {"code": "immediate_execution_post_only"}}));
    let mut resting = limit("sell", 1, ask);
    resting["post_only"] = json!(true);
    assert_eq!(sim.post("/v2/orders", &resting).await.body["result"]["state"], "open");
    sim.stop().await;
}

#[tokio::test]
async fn reduce_only_orders_need_a_position_and_never_grow_it() {
    let sim = Sim::default().await;
    let mut reduce = market("sell", 1);
    reduce["reduce_only"] = json!("true");
    let refused = sim.post("/v2/orders", &reduce).await;
    assert_eq!(refused.body["error"]["code"], "no_position_for_reduce_only");

    assert_eq!(sim.post("/v2/orders", &market("buy", 4)).await.body["result"]["state"], "closed");
    let mut grow = market("buy", 1);
    grow["reduce_only"] = json!(true);
    assert_eq!(sim.post("/v2/orders", &grow).await.body["error"]["code"], "no_position_for_reduce_only");
    let mut close = market("sell", 10);
    close["reduce_only"] = json!(true);
    let closed = sim.post("/v2/orders", &close).await.body["result"].clone();
    assert_eq!((closed["size"].as_u64(), closed["state"].as_str()), (Some(4), Some("closed")));
    let flat = sim.private_get("/v2/positions", "?product_id=27").await.body;
    assert_eq!(flat["result"], json!({"entry_price": null, "size": 0, "timestamp": flat["result"]["timestamp"]}));
    sim.stop().await;
}

#[tokio::test]
async fn stop_orders_wait_in_pending_and_trigger_when_the_mark_crosses() {
    let sim = Sim::default().await;
    let stop = json!({"product_id": 27, "size": 2, "side": "buy", "order_type": "market_order",
        "stop_order_type": "stop_loss_order", "stop_price": "90000"});
    let pending = sim.post("/v2/orders", &stop).await.body["result"].clone();
    assert_eq!(pending["state"], "pending");
    let listed = sim.private_get("/v2/orders", "?states=pending&order_types=stop_market").await.body;
    assert_eq!(listed["result"][0]["id"], pending["id"]);
    assert!(sim.private_get("/v2/orders", "?order_types=limit").await.body["result"].as_array().unwrap().is_empty());

    // A buy stop just above the mid triggers once a market buy lifts the asks.
    let (ask, ask_size) = level(&sim, "BTCUSD", "a", 0).await;
    let (ask2, ask2_size) = level(&sim, "BTCUSD", "a", 1).await;
    let trigger = json!({"product_id": 27, "size": 1, "side": "buy", "order_type": "market_order",
        "stop_order_type": "stop_loss_order", "stop_price": ask.to_string()});
    let armed = sim.post("/v2/orders", &trigger).await.body["result"].clone();
    assert_eq!(armed["state"], "pending");
    sim.post("/v2/orders", &market("buy", ask_size + ask2_size)).await;
    assert!(level(&sim, "BTCUSD", "a", 0).await.0 > ask2);
    let fired = sim.private_get(&format!("/v2/orders/{}", armed["id"]), "").await.body;
    assert_eq!(fired["result"]["state"], "closed", "{}", fired);
    assert_eq!(sim.private_get(&format!("/v2/orders/{}", pending["id"]), "").await.body["result"]["state"], "pending");
    sim.stop().await;
}

#[tokio::test]
async fn a_market_order_updates_the_position_and_the_wallet() {
    let sim = Sim::default().await;
    let (a0, s0) = level(&sim, "BTCUSD", "a", 0).await;
    let (a1, _) = level(&sim, "BTCUSD", "a", 1).await;
    let size = s0 + 10;
    let order = sim.post("/v2/orders", &market("buy", size)).await.body["result"].clone();
    assert_eq!(order["state"], "closed");
    let cost = |price: Decimal, contracts: u64| {
        d("0.001").checked_mul(&price).unwrap().checked_mul(&Decimal::from(i64::try_from(contracts).unwrap())).unwrap()
    };
    let notional = cost(a0, s0).checked_add(&cost(a1, 10)).unwrap();
    let commission = notional.checked_mul(&d("0.0005")).unwrap();
    let vwap = notional
        .checked_div(&d("0.001").checked_mul(&Decimal::from(i64::try_from(size).unwrap())).unwrap(), 8)
        .unwrap();
    assert_eq!(dec(&order["average_fill_price"]), vwap);

    let position = sim.private_get("/v2/positions", "?product_id=27").await.body["result"].clone();
    assert_eq!(position["size"].as_u64(), Some(size));
    assert_eq!(dec(&position["entry_price"]), vwap);
    let wallet = usd_wallet(&sim).await;
    assert_eq!(dec(&wallet["balance"]), d("100000").checked_sub(&commission).unwrap());
    assert_eq!(
        dec(&wallet["position_margin"]),
        cost(a0, s0)
            .checked_div(&d("10"), 8)
            .unwrap()
            .checked_add(&cost(a1, 10).checked_div(&d("10"), 8).unwrap())
            .unwrap()
    );
    let margined = sim.private_get("/v2/positions/margined", "").await.body;
    assert_eq!(margined["result"][0]["size"].as_u64(), Some(size));
    assert_eq!(margined["result"][0]["product_symbol"], "BTCUSD");

    // Closing realises PnL into the balance and the ledger.
    let (bid, _) = level(&sim, "BTCUSD", "b", 0).await;
    sim.post("/v2/orders", &market("sell", size)).await;
    let flat = sim.private_get("/v2/positions", "?product_id=27").await.body["result"].clone();
    assert_eq!((flat["size"].as_i64(), flat["entry_price"].is_null()), (Some(0), true));
    let wallet = usd_wallet(&sim).await;
    assert!(dec(&wallet["balance"]) < d("100000"), "bought at the ask, sold at or below the bid {bid}");
    assert_eq!(dec(&wallet["position_margin"]), Decimal::ZERO);
    let ledger = sim.private_get("/v2/wallet/transactions", "?transaction_types=cashflow").await.body;
    assert!(dec(&ledger["result"][0]["amount"]).is_negative());
    assert!(sim.private_get("/v2/positions/margined", "").await.body["result"].as_array().unwrap().is_empty());
    sim.stop().await;
}

#[tokio::test]
async fn market_orders_on_an_empty_side_are_refused() {
    let sim = Sim::start(SimConfig { book_levels: 1, ..SimConfig::default() }).await;
    let (_, size) = level(&sim, "BTCUSD", "a", 0).await;
    let partial = sim.post("/v2/orders", &market("buy", size + 5)).await.body["result"].clone();
    assert_eq!((partial["state"].as_str(), partial["unfilled_size"].as_u64()), (Some("cancelled"), Some(5)));
    let refused = sim.post("/v2/orders", &market("buy", 1)).await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST);
    assert_eq!(refused.body["error"]["code"], "no_liquidity_for_market_order");
    sim.stop().await;
}

#[tokio::test]
async fn edits_and_cancels() {
    let sim = Sim::default().await;
    let (bid, _) = level(&sim, "BTCUSD", "b", 0).await;
    let low = bid.checked_sub(&d("200")).unwrap();
    let id = sim.post("/v2/orders", &limit("buy", 5, low)).await.body["result"]["id"].as_u64().unwrap();
    let lower = low.checked_sub(&d("0.5")).unwrap();
    let edited =
        sim.put("/v2/orders", &json!({"id": id, "product_id": 27, "size": 8, "limit_price": lower.to_string()})).await;
    assert_eq!((edited.body["result"]["size"].as_u64(), dec(&edited.body["result"]["limit_price"])), (Some(8), lower));
    let book = sim.book("BTCUSD").await;
    assert!(!book["b"].as_array().unwrap().iter().any(|level| dec(&level[0]) == low));

    let off_tick = sim.put("/v2/orders", &json!({"id": id, "product_id": 27, "size": 8, "limit_price": "100.2"})).await;
    assert_eq!(off_tick.body["error"]["code"], "bad_schema");
    let unknown = sim.put("/v2/orders", &json!({"id": 1, "product_id": 27, "size": 8, "limit_price": "100"})).await;
    assert_eq!(unknown.body["error"]["code"], "open_order_not_found");

    let cancelled = sim.delete("/v2/orders", &json!({"id": id, "product_id": 27})).await.body["result"].clone();
    assert_eq!(
        (cancelled["state"].as_str(), cancelled["cancellation_reason"].as_str()),
        (Some("cancelled"), Some("cancelled_by_user"))
    );
    let again = sim.delete("/v2/orders", &json!({"id": id, "product_id": 27})).await;
    assert_eq!(
        (again.status, again.body["error"]["code"].as_str()),
        (StatusCode::BAD_REQUEST, Some("open_order_not_found"))
    );
    let reedit = sim.put("/v2/orders", &json!({"id": id, "product_id": 27, "size": 8, "limit_price": "100"})).await;
    assert_eq!(reedit.body["error"]["code"], "open_order_not_found");
    let history = sim.private_get("/v2/orders/history", "").await.body;
    assert_eq!(history["result"][0]["id"], id);
    assert_eq!(dec(&usd_wallet(&sim).await["order_margin"]), Decimal::ZERO);
    sim.stop().await;
}

#[tokio::test]
async fn order_validation() {
    let sim = Sim::default().await;
    let mut named = limit("buy", 1, d("50000"));
    named["client_order_id"] = json!("dup-1");
    assert_eq!(sim.post("/v2/orders", &named).await.status, StatusCode::OK);
    let duplicate = sim.post("/v2/orders", &named).await;
    assert_eq!(duplicate.body["error"]["code"], "bad_schema");
    assert_eq!(duplicate.body["error"]["context"]["schema_errors"][0]["param"], "client_order_id");
    named["client_order_id"] = json!("c".repeat(33));
    let long = sim.post("/v2/orders", &named).await;
    assert_eq!(long.body["error"]["context"]["schema_errors"][0]["code"], "validation_error");
    assert_eq!(sim.post("/v2/orders", &limit("buy", 1, d("0"))).await.body["error"]["code"], "bad_schema");
    assert_eq!(sim.post("/v2/orders", &limit("buy", 1, d("-5"))).await.body["error"]["code"], "bad_schema");
    assert_eq!(sim.post("/v2/orders", &limit("sell", 1, d("1e15"))).await.body["error"]["code"], "bad_schema");
    let mut priced_market = market("buy", 1);
    priced_market["limit_price"] = json!("68000");
    assert_eq!(sim.post("/v2/orders", &priced_market).await.body["error"]["code"], "bad_schema");
    let unknown = json!({"product_id": 999, "size": 1, "side": "buy", "order_type": "market_order"});
    assert_eq!(sim.post("/v2/orders", &unknown).await.body["error"]["code"], "invalid_contract");
    let by_symbol = json!({"product_symbol": "ETHUSD", "size": 1, "side": "buy", "order_type": "limit_order", "limit_price": "1000.05"});
    assert_eq!(sim.post("/v2/orders", &by_symbol).await.body["result"]["product_id"], 3136);
    let garbage = sim.signed(reqwest::Method::POST, "/v2/orders", "", "{not json").await;
    assert_eq!((garbage.status, garbage.body["error"]["code"].as_str()), (StatusCode::BAD_REQUEST, Some("bad_schema")));
    sim.stop().await;
}

#[tokio::test]
async fn insufficient_margin_reports_the_shortfall() {
    let sim = Sim::start(SimConfig { usd_balance: d("100"), ..SimConfig::default() }).await;
    let refused = sim.post("/v2/orders", &market("buy", 100)).await;
    assert_eq!(refused.body["error"]["code"], "insufficient_margin");
    let context = &refused.body["error"]["context"];
    assert_eq!(dec(&context["available_balance"]), d("100"));
    assert!(dec(&context["required_additional_balance"]) > Decimal::ZERO);
    sim.stop().await;
}

#[tokio::test]
async fn batches_return_only_processed_orders() {
    let sim = Sim::default().await;
    let (ask, _) = level(&sim, "BTCUSD", "a", 0).await;
    let (bid, _) = level(&sim, "BTCUSD", "b", 0).await;
    let crossing = json!({"size": 1, "side": "buy", "order_type": "limit_order", "limit_price": ask.to_string(), "post_only": "true"});
    let resting = json!({"size": 2, "side": "buy", "order_type": "limit_order", "limit_price": bid.to_string(), "client_order_id": "b-2"});
    let created = sim.post("/v2/orders/batch", &json!({"product_id": 27, "orders": [crossing, resting]})).await.body;
    let created = created["result"].as_array().unwrap().clone();
    assert_eq!(created.len(), 1);
    assert_eq!(created[0]["client_order_id"], "b-2");
    let id = created[0]["id"].as_u64().unwrap();

    let ioc =
        json!({"size": 1, "side": "buy", "order_type": "limit_order", "limit_price": "50000", "time_in_force": "ioc"});
    assert_eq!(
        sim.post("/v2/orders/batch", &json!({"product_id": 27, "orders": [ioc]})).await.body["error"]["code"],
        "bad_schema"
    );
    let too_many: Vec<Value> = (0..51)
        .map(|_| json!({"size": 1, "side": "buy", "order_type": "limit_order", "limit_price": "50000"}))
        .collect();
    assert_eq!(
        sim.post("/v2/orders/batch", &json!({"product_id": 27, "orders": too_many})).await.body["error"]["code"],
        "bad_schema"
    );

    let edits = json!({"product_id": 27, "orders": [{"id": id, "size": 3, "limit_price": "50000"}, {"id": 1, "size": 1, "limit_price": "50000"}]});
    let edited = sim.put("/v2/orders/batch", &edits).await.body;
    assert_eq!(edited["result"].as_array().unwrap().len(), 1);
    assert_eq!(edited["result"][0]["size"], 3);
    let cancels = json!({"product_id": 27, "orders": [{"client_order_id": "b-2"}, {"id": 1}]});
    let cancelled = sim.delete("/v2/orders/batch", &cancels).await.body;
    assert_eq!(cancelled["result"].as_array().unwrap().len(), 1);
    assert_eq!(cancelled["result"][0]["state"], "cancelled");
    sim.stop().await;
}

#[tokio::test]
async fn cancel_all_honours_its_flags() {
    let sim = Sim::default().await;
    sim.post("/v2/orders", &limit("buy", 1, d("50000"))).await;
    sim.post(
        "/v2/orders",
        &json!({"product_id": 27, "size": 1, "side": "buy", "order_type": "market_order",
        "stop_order_type": "stop_loss_order", "stop_price": "90000"}),
    )
    .await;
    assert_eq!(sim.delete("/v2/orders/all", &json!({})).await.body, json!({"success": true, "result": {}}));
    assert_eq!(sim.private_get("/v2/orders", "").await.body["result"].as_array().unwrap().len(), 2);
    sim.delete("/v2/orders/all", &json!({"product_id": 27, "cancel_limit_orders": "true"})).await;
    let left = sim.private_get("/v2/orders", "").await.body;
    assert_eq!(left["result"].as_array().unwrap().len(), 1);
    assert_eq!(left["result"][0]["state"], "pending");
    sim.delete("/v2/orders/all", &json!({"contract_types": "perpetual_futures", "cancel_stop_orders": true})).await;
    assert!(sim.private_get("/v2/orders", "").await.body["result"].as_array().unwrap().is_empty());
    sim.stop().await;
}

#[tokio::test]
async fn private_events_follow_each_fill_in_order() {
    let sim = Sim::default().await;
    let mut events = sim.handle.events();
    sim.post("/v2/orders", &market("buy", 2)).await;
    let mut kinds = Vec::new();
    while let Ok(event) = events.try_recv() {
        kinds.push(match event.kind {
            EventKind::Order { reason, .. } => format!("order:{}", reason.as_str()),
            EventKind::Fill(_) => "fill".to_owned(),
            EventKind::Position(position) => format!("position:{}", position.size),
            EventKind::Margin(_) => "margin".to_owned(),
            EventKind::MmpTrigger { .. } => "mmp".to_owned(),
        });
    }
    assert_eq!(kinds, ["order:create", "order:fill", "fill", "position:2", "margin"]);
    sim.stop().await;
}

#[tokio::test]
async fn leverage_positions_and_close_all() {
    let sim = Sim::default().await;
    assert_eq!(
        sim.post("/v2/products/27/orders/leverage", &json!({"leverage": 500})).await.body["error"]["code"],
        "max_leverage_exceeded"
    );
    assert_eq!(
        sim.post("/v2/products/27/orders/leverage", &json!({"leverage": "25"})).await.body["result"]["leverage"],
        "25"
    );
    assert_eq!(sim.private_get("/v2/products/27/orders/leverage", "").await.body["result"]["leverage"], "25");
    sim.post("/v2/orders", &market("sell", 3)).await;
    let eth = json!({"product_id": 3136, "size": 2, "side": "buy", "order_type": "market_order"});
    sim.post("/v2/orders", &eth).await;
    let btc = sim.private_get("/v2/positions", "?underlying_asset_symbol=BTC").await.body;
    assert_eq!((btc["result"][0]["size"].as_i64(), btc["result"][0]["product_id"].as_u64()), (Some(-3), Some(27)));
    assert_eq!(
        sim.post("/v2/positions/change_margin", &json!({"product_id": 3136, "delta_margin": "-1000"})).await.body
            ["error"]["code"],
        "insufficient_margin"
    );
    assert_eq!(
        sim.post("/v2/positions/change_margin", &json!({"product_id": 139, "delta_margin": "1"})).await.body["error"]
            ["code"],
        "invalid_contract"
    );

    let close = json!({"close_all_portfolio": true, "close_all_isolated": true, "user_id": 52011377});
    assert_eq!(sim.post("/v2/positions/close_all", &close).await.status, StatusCode::OK);
    assert!(sim.private_get("/v2/positions/margined", "").await.body["result"].as_array().unwrap().is_empty());
    sim.stop().await;
}

#[tokio::test]
async fn dead_man_switches_cancel_orders_when_they_expire() {
    let sim = Sim::default().await;
    let id = sim.post("/v2/orders", &limit("buy", 1, d("50000"))).await.body["result"]["id"].clone();
    let armed = sim.post("/v2/orders/cancel_after", &json!({"cancel_after": "1"})).await.body;
    assert_eq!(armed["result"]["cancel_after_enabled"], "true");
    tokio::time::sleep(Duration::from_millis(20)).await;
    let order = sim.private_get(&format!("/v2/orders/{id}"), "").await.body;
    assert_eq!(order["result"]["state"], "cancelled");

    let eth = json!({"product_id": 3136, "size": 1, "side": "buy", "order_type": "limit_order", "limit_price": "1000"});
    let eth_id = sim.post("/v2/orders", &eth).await.body["result"]["id"].clone();
    let btc_id = sim.post("/v2/orders", &limit("buy", 1, d("50000"))).await.body["result"]["id"].clone();
    let create = json!({"heartbeat_id": "hb", "impact": "products", "product_symbols": ["ETHUSD"],
        "config": [{"action": "cancel_orders", "unhealthy_count": 1}]});
    assert_eq!(sim.post("/v2/heartbeat/create", &create).await.body["result"]["heartbeat_id"], "hb");
    assert_eq!(
        sim.post("/v2/heartbeat", &json!({"heartbeat_id": "hb", "ttl": 1})).await.body["result"]["process_enabled"],
        "true"
    );
    tokio::time::sleep(Duration::from_millis(20)).await;
    let open = sim.private_get("/v2/orders", "").await.body;
    let ids: Vec<&Value> = open["result"].as_array().unwrap().iter().map(|order| &order["id"]).collect();
    assert_eq!(ids, [&btc_id]);
    let eth_order = sim.private_get(&format!("/v2/orders/{eth_id}"), "").await.body;
    assert_eq!(eth_order["result"]["state"], "cancelled");
    assert_eq!(sim.private_get("/v2/heartbeat", "?heartbeat_id=hb").await.body["result"][0]["heartbeat_id"], "hb");
    sim.stop().await;
}
