//! delta-core's REST client against delta-sim: every public endpoint (assets, indices, products and
//! their pages and filters, tickers, order book, trades, candles and their paging, stats, settings,
//! quota), asserting the values the sim serves.

use std::time::{SystemTime, UNIX_EPOCH};

use crate::client_common::{client, public_config, signed_config, start};
use delta_core::http::{CandleResolution, CandlesQuery, PageRequest, ProductsQuery, TickersQuery};
use delta_core::model::{Candle, ContractType, ProductState};
use delta_core::wire::format_iso;
use delta_core::Decimal;
use delta_sim::SimConfig;

/// Products the sim lists: two perpetuals, one dated future and 20 BTC options.
const PRODUCT_COUNT: usize = 23;

fn unix_seconds() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs().try_into().unwrap()
}

#[tokio::test]
async fn client_reads_assets_indices_and_products_with_pages_and_filters() {
    let sim = start(SimConfig::default()).await;
    let client = client(public_config(&sim));

    let assets = client.assets().await.unwrap();
    let assets: Vec<_> = assets.iter().map(|asset| (asset.id, asset.symbol.as_str())).collect();
    assert_eq!(assets, vec![(Some(1), "BTC"), (Some(2), "ETH"), (Some(14), "USD")]);
    let indices = client.indices().await.unwrap();
    let indices: Vec<_> = indices.iter().map(|index| (index.id, index.symbol.as_str())).collect();
    assert_eq!(indices, vec![(14, ".DEXBTUSD"), (15, ".DEETHUSD")]);

    let page = client.products(&ProductsQuery::default()).await.unwrap();
    assert_eq!(page.items.len(), PRODUCT_COUNT);
    assert_eq!((page.meta.after, page.meta.before), (None, None), "everything fits Delta's default page of 100");
    let ids: Vec<u64> = page.items.iter().map(|product| product.id).collect();
    assert!(ids.windows(2).all(|pair| pair[0] < pair[1]), "products come by ascending id: {ids:?}");

    let small = ProductsQuery { page: PageRequest::first(5), ..ProductsQuery::default() };
    let first = client.products(&small).await.unwrap();
    assert_eq!(first.items.len(), 5);
    assert!(first.meta.after.is_some());
    let walked = client.products_all(&small).await.unwrap();
    assert_eq!(walked.iter().map(|product| product.id).collect::<Vec<_>>(), ids, "5 pages of at most 5, in order");
    assert_eq!(walked, page.items);

    let of_type = |types: Vec<ContractType>| ProductsQuery {
        contract_types: types,
        states: vec![ProductState::Live],
        page: PageRequest::first(7),
        ..ProductsQuery::default()
    };
    let perpetuals = client.products_all(&of_type(vec![ContractType::PerpetualFutures])).await.unwrap();
    let symbols: Vec<&str> = perpetuals.iter().map(|product| product.symbol.as_str()).collect();
    assert_eq!(symbols, vec!["BTCUSD", "ETHUSD"]);
    let futures = client.products_all(&of_type(vec![ContractType::Futures])).await.unwrap();
    assert_eq!(futures.len(), 1);
    assert_eq!(futures[0].id, 3190);
    assert!(futures[0].settlement_time.is_some());
    let options =
        client.products_all(&of_type(vec![ContractType::CallOptions, ContractType::PutOptions])).await.unwrap();
    assert_eq!(options.len(), 20, "3 pages of 7");
    assert!(options.iter().all(|product| product.is_option() && product.strike_price.is_some()));
    let calls = options.iter().filter(|product| product.contract_type == ContractType::CallOptions).count();
    assert_eq!(calls, 10);

    let expiry = &format_iso(options[0].settlement_time.unwrap().0)[..10];
    let by_expiry = ProductsQuery { expiry: Some(expiry.to_owned()), ..ProductsQuery::default() };
    let same_expiry = client.products_all(&by_expiry).await.unwrap();
    assert_eq!(same_expiry.len(), 10, "5 strikes × call and put on {expiry}");
    assert!(same_expiry.iter().all(|product| product.settlement_time == options[0].settlement_time));

    let btc = client.product("BTCUSD").await.unwrap();
    assert_eq!((btc.id, &btc.contract_type), (27, &ContractType::PerpetualFutures));
    assert_eq!((btc.tick_size, btc.contract_value), ("0.5".parse().unwrap(), "0.001".parse().unwrap()));
    assert_eq!(btc.taker_commission_rate, Some("0.0005".parse().unwrap()));
    assert_eq!(btc, page.items[0]);
    sim.shutdown().await.unwrap();
}

#[tokio::test]
async fn client_reads_tickers_books_and_trades() {
    let sim = start(SimConfig::default()).await;
    let client = client(public_config(&sim));

    let all = client.tickers(&TickersQuery::default()).await.unwrap();
    assert_eq!(all.len(), PRODUCT_COUNT);
    let perpetuals = TickersQuery { contract_types: vec![ContractType::PerpetualFutures], ..TickersQuery::default() };
    let perpetuals = client.tickers(&perpetuals).await.unwrap();
    assert_eq!(perpetuals.iter().map(|ticker| ticker.symbol.as_str()).collect::<Vec<_>>(), vec!["BTCUSD", "ETHUSD"]);

    let btc = client.ticker("BTCUSD").await.unwrap();
    assert_eq!((btc.product_id, btc.contract_type), (27, Some(ContractType::PerpetualFutures)));
    assert!(btc.funding_rate.is_some() && btc.greeks.is_none() && btc.strike_price.is_none());
    let quotes = btc.quotes.clone().unwrap();
    let (bid, ask) = (quotes.best_bid.unwrap(), quotes.best_ask.unwrap());
    assert!(bid < ask, "{bid} < {ask}");
    let band = btc.price_band.unwrap();
    let mark = btc.mark_price.unwrap();
    assert!(band.lower_limit < mark && mark < band.upper_limit);

    let book = client.orderbook("BTCUSD", Some(5)).await.unwrap();
    assert_eq!((book.buy.len(), book.sell.len()), (5, 5));
    assert_eq!(book.symbol.as_deref(), Some("BTCUSD"));
    assert_eq!((book.buy[0].price, book.sell[0].price), (bid, ask), "the ticker quotes the top of the book");
    assert!(book.buy.windows(2).all(|pair| pair[0].price > pair[1].price), "bids descend");
    assert!(book.sell.windows(2).all(|pair| pair[0].price < pair[1].price), "asks ascend");
    let mut cumulative = Decimal::ZERO;
    for level in &book.sell {
        cumulative = cumulative.checked_add(&level.size.0).unwrap();
        assert_eq!(level.depth, Some(cumulative), "depth is the cumulative size");
    }
    assert_eq!(client.orderbook("BTCUSD", None).await.unwrap().buy.len(), 20, "the sim's default depth");

    let trades = client.public_trades("BTCUSD").await.unwrap();
    assert!(!trades.is_empty());
    assert!(trades.iter().all(|trade| trade.symbol.as_deref() == Some("BTCUSD") && trade.taker_side().is_some()));

    let options = TickersQuery {
        contract_types: vec![ContractType::CallOptions, ContractType::PutOptions],
        underlying_asset_symbols: vec!["BTC".into()],
        ..TickersQuery::default()
    };
    let chain = client.tickers(&options).await.unwrap();
    assert_eq!(chain.len(), 20);
    let call = chain.iter().find(|ticker| ticker.contract_type == Some(ContractType::CallOptions)).unwrap();
    let expiry = call.symbol.rsplit('-').next().unwrap();
    let expiry_date = format!("{}-{}-20{}", &expiry[..2], &expiry[2..4], &expiry[4..]);
    let one_expiry = TickersQuery { expiry_date: Some(expiry_date), ..options };
    let one_expiry = client.tickers(&one_expiry).await.unwrap();
    assert_eq!(one_expiry.len(), 10);
    assert!(one_expiry.iter().all(|ticker| ticker.symbol.ends_with(expiry)));

    let call = client.ticker(&call.symbol).await.unwrap();
    let greeks = call.greeks.unwrap();
    assert!(greeks.delta.unwrap() > Decimal::ZERO, "a call's delta is positive");
    assert!(greeks.spot.is_some() && greeks.gamma.is_some() && greeks.vega.is_some());
    assert!(call.strike_price.is_some() && call.funding_rate.is_none());
    let put = chain.iter().find(|ticker| ticker.contract_type == Some(ContractType::PutOptions)).unwrap();
    let put = client.ticker(&put.symbol).await.unwrap();
    assert!(put.greeks.unwrap().delta.unwrap() < Decimal::ZERO, "a put's delta is negative");
    sim.shutdown().await.unwrap();
}

#[tokio::test]
async fn client_reads_candles_in_one_request_and_pages_over_2000() {
    let sim = start(SimConfig::default()).await;
    let client = client(public_config(&sim));
    // Whole minutes in the past, so every candle is complete and the same in every answer.
    let end = (unix_seconds() / 60 - 2) * 60;

    let hundred =
        CandlesQuery { resolution: CandleResolution::Minute1, symbol: "BTCUSD".into(), start: end - 99 * 60, end };
    let candles = client.candles(&hundred).await.unwrap();
    assert_eq!(
        candles.iter().map(|candle| candle.time).collect::<Vec<_>>(),
        (0..100).map(|i| hundred.start + i * 60).collect::<Vec<_>>()
    );
    assert!(candles.iter().all(|candle| candle.low.0 <= candle.open.0 && candle.open.0 <= candle.high.0));

    let long = CandlesQuery { start: end - 4_999 * 60, ..hundred.clone() };
    let capped = client.candles(&long).await.unwrap();
    assert_eq!(capped.len(), 2000, "one request returns at most 2000 candles (the latest)");
    let all: Vec<Candle> = client.candles_range(&long).await.unwrap();
    assert_eq!(all.len(), 5000, "three requests: 2000 + 2000 + 1000");
    assert!(all.windows(2).all(|pair| pair[1].time - pair[0].time == 60), "ascending, contiguous, no duplicates");
    assert_eq!((all[0].time, all[4_999].time), (long.start, end));
    assert_eq!(capped[..], all[3_000..], "the paged range ends with what one request returns");
    assert_eq!(candles[..], all[4_900..]);
    let unaligned = CandlesQuery { start: long.start + 30, ..long.clone() };
    let from_next_minute = client.candles_range(&unaligned).await.unwrap();
    assert_eq!(from_next_minute[..], all[1..], "a range starting mid-minute begins with the next whole minute");

    let mark = CandlesQuery { symbol: "MARK:BTCUSD".into(), ..hundred.clone() };
    let mark = client.candles(&mark).await.unwrap();
    assert_eq!(mark.len(), 100);
    assert!(
        mark.iter().all(|candle| candle.volume.is_none_or(|volume| volume.0.is_zero())),
        "mark candles carry no volume"
    );
    sim.shutdown().await.unwrap();
}

#[tokio::test]
async fn client_reads_stats_settings_and_the_quota_of_ip_and_account() {
    let sim = start(SimConfig::default()).await;
    let public = client(public_config(&sim));

    let stats = public.stats().await.unwrap();
    assert_eq!(stats.total_volume.0, Decimal::from_int(1_102_399_811_000));
    assert_eq!(stats.last_7_days_volume.0, Decimal::from_int(7_214_003_120));
    let settings = public.settings().await.unwrap();
    assert_eq!(settings.under_maintenance, Some(false));
    let drift = settings.server_time.0 / 1_000_000 - unix_seconds();
    assert!(drift.abs() < 60, "server_time is µs since the epoch, near the local clock ({drift} s apart)");
    assert!(settings.maintenance_start_time.unwrap().0 > settings.server_time.0);

    // stats and settings weigh 1 each, like the quota look-up itself: 10 000 - 3 left for this IP.
    let ip = public.rate_limit_quota().await.unwrap();
    assert_eq!(ip.current_quota, 9_997);
    assert!((1..=300_000).contains(&ip.remaining_time_in_milliseconds));
    // Signed, the look-up reports the account's own (untouched) quota.
    let signed = client(signed_config(&sim));
    assert_eq!(signed.rate_limit_quota().await.unwrap().current_quota, 9_999);
    assert_eq!(public.rate_limit_status().units_used, 3, "the client charged its own meter the same weights");
    sim.shutdown().await.unwrap();
}
