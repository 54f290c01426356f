//! Public market data: product listing with filters and cursors, tickers, the L2 snapshot against
//! the sim's true book, public trades, candles and the symbols filter.

use crate::common::Sim;
use delta_sim::SimConfig;
use reqwest::StatusCode;
use serde_json::Value;

fn now_seconds() -> i64 {
    i64::try_from(delta_core::auth::unix_seconds()).unwrap()
}

fn symbols(answer: &Value) -> Vec<String> {
    answer["result"].as_array().unwrap().iter().map(|item| item["symbol"].as_str().unwrap().to_owned()).collect()
}

#[tokio::test]
async fn products_are_listed_with_filters_and_cursor_pages() {
    let sim = Sim::default().await;
    let everything = sim.get("/v2/products").await.body;
    let all = symbols(&everything);
    assert_eq!(all.len(), 23);
    assert_eq!(everything["meta"]["after"], Value::Null);
    let kinds: Vec<&str> =
        everything["result"].as_array().unwrap().iter().map(|p| p["contract_type"].as_str().unwrap()).collect();
    for kind in ["perpetual_futures", "futures", "call_options", "put_options"] {
        assert!(kinds.contains(&kind), "{kind}");
    }
    let btc = &everything["result"][0];
    assert_eq!(
        (btc["id"].as_u64(), btc["symbol"].as_str(), btc["tick_size"].as_str()),
        (Some(27), Some("BTCUSD"), Some("0.5"))
    );

    let mut collected = Vec::new();
    let mut cursor: Option<String> = None;
    let mut pages = Vec::new();
    loop {
        let query = cursor.as_ref().map_or("?page_size=10".to_owned(), |after| format!("?page_size=10&after={after}"));
        let page = sim.get(&format!("/v2/products{query}")).await.body;
        collected.extend(symbols(&page));
        pages.push(page.clone());
        match page["meta"]["after"].as_str() {
            Some(next) => cursor = Some(next.to_owned()),
            None => break,
        }
    }
    assert_eq!(collected, all);
    assert_eq!(pages.len(), 3);
    assert_eq!(pages[0]["meta"]["before"], Value::Null);
    let before = pages[1]["meta"]["before"].as_str().unwrap();
    let back = sim.get(&format!("/v2/products?page_size=10&before={before}")).await.body;
    assert_eq!(symbols(&back), symbols(&pages[0]));
    assert_eq!(sim.get("/v2/products?after=garbage").await.status, StatusCode::BAD_REQUEST);

    let options = sim.get("/v2/products?contract_types=call_options,put_options").await.body;
    assert_eq!(symbols(&options).len(), 20);
    assert!(symbols(&options).iter().all(|symbol| symbol.starts_with("C-BTC-") || symbol.starts_with("P-BTC-")));
    assert!(symbols(&sim.get("/v2/products?states=expired").await.body).is_empty());
    assert_eq!(sim.get("/v2/products/27").await.body["result"]["symbol"], "BTCUSD");
    sim.stop().await;
}

#[tokio::test]
async fn the_option_chain_and_tickers() {
    let sim = Sim::default().await;
    let products = sim.get("/v2/products?contract_types=call_options").await.body;
    let first = &products["result"][0];
    let settlement = first["settlement_time"].as_str().unwrap();
    assert!(settlement.ends_with("T12:00:00Z"));
    let expiry = format!("{}-{}-{}", &settlement[8..10], &settlement[5..7], &settlement[0..4]);
    let symbol = first["symbol"].as_str().unwrap();
    assert!(symbol.ends_with(&format!("{}{}{}", &settlement[8..10], &settlement[5..7], &settlement[2..4])), "{symbol}");

    let chain = sim
        .get(&format!(
            "/v2/tickers?contract_types=call_options,put_options&underlying_asset_symbols=BTC&expiry_date={expiry}"
        ))
        .await
        .body;
    let chain = chain["result"].as_array().unwrap();
    assert_eq!(chain.len(), 10);
    for ticker in chain {
        assert!(ticker["greeks"]["delta"].is_string());
        assert!(ticker["quotes"]["bid_iv"].is_string() && ticker["quotes"]["ask_iv"].is_string());
        assert!(ticker["mark_vol"].is_string());
    }
    let perp = sim.get("/v2/tickers/BTCUSD").await.body;
    assert!(perp["result"]["greeks"].is_null());
    assert!(perp["result"]["funding_rate"].is_string());
    assert!(perp["result"]["timestamp"].as_i64().unwrap() > 1_000_000_000_000_000);
    let pair = sim.get("/v2/tickers/BTCUSD,ETHUSD").await.body;
    assert_eq!(symbols(&pair), ["BTCUSD", "ETHUSD"]);
    sim.stop().await;
}

#[tokio::test]
async fn the_l2_snapshot_matches_the_true_book() {
    let sim = Sim::default().await;
    let snapshot = sim.get("/v2/l2orderbook/BTCUSD?depth=4").await.body["result"].clone();
    let book = sim.book("BTCUSD").await;
    let (buy, sell) = (snapshot["buy"].as_array().unwrap(), snapshot["sell"].as_array().unwrap());
    assert_eq!((buy.len(), sell.len()), (4, 4));
    let mut depth = 0u64;
    for (index, level) in buy.iter().enumerate() {
        assert_eq!(level["price"], book["b"][index][0]);
        assert_eq!(level["size"].to_string(), book["b"][index][1].as_str().unwrap());
        depth += level["size"].as_u64().unwrap();
        assert_eq!(level["depth"], depth.to_string());
    }
    assert_eq!(sell[0]["price"], book["a"][0][0]);
    let best_bid: f64 = buy[0]["price"].as_str().unwrap().parse().unwrap();
    let best_ask: f64 = sell[0]["price"].as_str().unwrap().parse().unwrap();
    assert!(best_bid < best_ask);
    assert!(book["seq"].is_u64());
    assert_eq!(sim.get("/v2/l2orderbook/27").await.body["result"]["symbol"], "BTCUSD");
    sim.stop().await;
}

#[tokio::test]
async fn trades_and_candles() {
    let sim = Sim::default().await;
    let trades = sim.get("/v2/trades/ETHUSD").await.body;
    let trades = trades["result"].as_array().unwrap();
    assert!(!trades.is_empty());
    assert!(trades.windows(2).all(|pair| pair[0]["timestamp"].as_i64() >= pair[1]["timestamp"].as_i64()));
    assert!(trades.iter().all(|trade| trade["buyer_role"] != trade["seller_role"]));

    let end = now_seconds();
    let long = sim
        .get(&format!("/v2/history/candles?resolution=1m&symbol=BTCUSD&start={}&end={end}", end - 10 * 86_400))
        .await;
    let candles = long.body["result"].as_array().unwrap();
    assert_eq!(candles.len(), 2_000);
    assert!(candles.windows(2).all(|pair| pair[1]["time"].as_i64().unwrap() - pair[0]["time"].as_i64().unwrap() == 60));
    assert!(candles.last().unwrap()["time"].as_i64().unwrap() > end - 120);
    let index = sim
        .get(&format!("/v2/history/candles?resolution=1d&symbol=.DEXBTUSD&start={}&end={end}", end - 5 * 86_400))
        .await;
    assert!(index.body["result"].as_array().unwrap().iter().all(|candle| candle["volume"] == 0));
    let huge =
        sim.get(&format!("/v2/history/candles?resolution=1m&symbol=BTCUSD&start={}&end={}", i64::MAX, i64::MAX)).await;
    assert_eq!(huge.status, StatusCode::OK);
    assert!(huge.body["result"].as_array().unwrap().len() <= 1);
    let bad = sim.get(&format!("/v2/history/candles?resolution=7d&symbol=BTCUSD&start=0&end={end}")).await;
    assert_eq!((bad.status, bad.body["error"]["code"].as_str()), (StatusCode::BAD_REQUEST, Some("bad_schema")));
    let settings = sim.get("/v2/settings").await.body;
    assert!((settings["result"]["server_time"].as_i64().unwrap() / 1_000_000 - end).abs() <= 5);
    assert_eq!(settings["result"]["under_maintenance"], "false");
    sim.stop().await;
}

#[tokio::test]
async fn the_symbols_filter_limits_the_products() {
    let sim = Sim::start(SimConfig { symbols: vec!["ETHUSD".to_owned()], ..SimConfig::default() }).await;
    assert_eq!(symbols(&sim.get("/v2/products").await.body), ["ETHUSD"]);
    assert_eq!(sim.get("/v2/tickers/BTCUSD").await.status, StatusCode::NOT_FOUND);
    sim.stop().await;
    let refused = delta_sim::spawn(SimConfig { symbols: vec!["NOPE".to_owned()], ..SimConfig::default() }).await;
    assert!(matches!(refused, Err(delta_sim::SimError::Config(_))));
}
