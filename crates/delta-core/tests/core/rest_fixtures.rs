//! Every REST fixture parses into its model type with the values it holds, and re-serializes with the
//! same shape (golden test); plus the documented wire variants the fixtures do not show.

use std::collections::BTreeSet;

use delta_core::decimal::Decimal;
use delta_core::error::{ApiErrorCode, ErrorBody};
use delta_core::model::*;
use delta_core::shape::shape_differences;
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::Value;

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../fixtures/delta-api/");

fn load(name: &str) -> String {
    std::fs::read_to_string(format!("{FIXTURES}{name}")).unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn d(text: &str) -> Decimal {
    Decimal::parse(text).unwrap()
}

fn json_value(text: &str) -> Value {
    serde_json::from_str(text).unwrap()
}

/// Parses `text` as `T`, re-serializes it, and checks that the result has the shape of `text`, holds
/// the same values (`lossless`), and parses back to an equal `T`.
fn round_trip<T>(name: &str, text: &str, lossless: bool) -> T
where
    T: DeserializeOwned + Serialize + PartialEq + std::fmt::Debug,
{
    let parsed: T = serde_json::from_str(text).unwrap_or_else(|e| panic!("{name}: {e}"));
    let written = serde_json::to_string(&parsed).unwrap();
    let (expected, actual) = (json_value(text), json_value(&written));
    let differences = shape_differences(&expected, &actual);
    assert!(differences.is_empty(), "{name}: shape differs: {differences:#?}");
    if lossless {
        assert_eq!(actual, expected, "{name}: values changed on re-serialization");
    }
    let again: T = serde_json::from_str(&written).unwrap_or_else(|e| panic!("{name} (re-read): {e}"));
    assert_eq!(again, parsed, "{name}: re-read differs");
    parsed
}

/// [`round_trip`] of a fixture file, requiring a lossless round trip.
fn golden<T>(name: &str) -> T
where
    T: DeserializeOwned + Serialize + PartialEq + std::fmt::Debug,
{
    round_trip(name, &load(name), true)
}

type Check = fn(&str);

/// Every `rest_*.json` fixture and the check that maps it to its type.
const CHECKS: &[(&str, Check)] = &[
    ("rest_assets.json", assets),
    ("rest_bracket_order_edit_request.json", bracket_edit_request),
    ("rest_bracket_order_request.json", bracket_request),
    ("rest_candles.json", candles),
    ("rest_error_bad_schema.json", error_bad_schema),
    ("rest_error_forbidden_cdn.json", |n| gateway_error(n, ApiErrorCode::Forbidden)),
    ("rest_error_immediate_execution_post_only.json", |n| envelope_error(n, ApiErrorCode::ImmediateExecutionPostOnly)),
    ("rest_error_insufficient_margin.json", error_insufficient_margin),
    ("rest_error_invalid_api_key.json", |n| envelope_error(n, ApiErrorCode::InvalidApiKey)),
    ("rest_error_invalid_api_key_gateway.json", |n| gateway_error(n, ApiErrorCode::InvalidApiKeyGateway)),
    ("rest_error_invalid_signature.json", |n| envelope_error(n, ApiErrorCode::InvalidSignature)),
    ("rest_error_ip_not_whitelisted.json", |n| envelope_error(n, ApiErrorCode::IpNotWhitelisted)),
    ("rest_error_open_order_not_found.json", |n| envelope_error(n, ApiErrorCode::OpenOrderNotFound)),
    ("rest_error_rate_limited.json", |n| envelope_error(n, ApiErrorCode::RateLimitExceeded)),
    ("rest_error_signature_expired.json", |n| gateway_error(n, ApiErrorCode::SignatureExpired)),
    ("rest_error_signature_mismatch.json", |n| envelope_error(n, ApiErrorCode::SignatureMismatch)),
    ("rest_error_unauthorized_api_access.json", |n| gateway_error(n, ApiErrorCode::UnauthorizedApiAccess)),
    ("rest_error_unavailable.json", |n| envelope_error(n, ApiErrorCode::Unavailable)),
    ("rest_fills.json", fills),
    ("rest_heartbeat_ack_request.json", heartbeat_ack_request),
    ("rest_heartbeat_ack_response.json", heartbeat_ack_response),
    ("rest_heartbeat_create_request.json", heartbeat_create_request),
    ("rest_heartbeat_create_response.json", heartbeat_create_response),
    ("rest_indices.json", indices),
    ("rest_mmp_reset_request.json", mmp_reset_request),
    ("rest_mmp_update_request.json", mmp_update_request),
    ("rest_order_batch_cancel_request.json", batch_cancel_request),
    ("rest_order_batch_create_request.json", batch_create_request),
    ("rest_order_batch_create_response.json", batch_create_response),
    ("rest_order_batch_edit_request.json", batch_edit_request),
    ("rest_order_cancel_request.json", cancel_request),
    ("rest_order_cancel_response.json", cancel_response),
    ("rest_order_create_request.json", create_request),
    ("rest_order_create_response.json", create_response),
    ("rest_order_edit_request.json", edit_request),
    ("rest_order_edit_response.json", edit_response),
    ("rest_order_get_response.json", get_order_response),
    ("rest_order_leverage_get.json", leverage_get),
    ("rest_order_leverage_set_request.json", leverage_set_request),
    ("rest_order_leverage_set_response.json", leverage_set_response),
    ("rest_order_stop_request.json", stop_request),
    ("rest_order_stop_response.json", stop_response),
    ("rest_orderbook.json", orderbook),
    ("rest_orders_cancel_all_request.json", cancel_all_request),
    ("rest_orders_history.json", orders_history),
    ("rest_orders_open.json", orders_open),
    ("rest_position.json", position),
    ("rest_position_auto_topup_request.json", auto_topup_request),
    ("rest_position_change_margin_request.json", change_margin_request),
    ("rest_position_change_margin_response.json", change_margin_response),
    ("rest_position_flat.json", position_flat),
    ("rest_positions_close_all_request.json", close_all_request),
    ("rest_positions_margined.json", positions_margined),
    ("rest_product.json", product),
    ("rest_product_option.json", product_option),
    ("rest_products.json", products),
    ("rest_products_expired.json", products_expired),
    ("rest_rate_limit_quota.json", rate_limit_quota),
    ("rest_settings.json", settings),
    ("rest_stats.json", stats),
    ("rest_success_empty.json", success_empty),
    ("rest_ticker.json", ticker),
    ("rest_ticker_option.json", ticker_option),
    ("rest_tickers.json", tickers),
    ("rest_trades.json", trades_observed_form),
    ("rest_trades_docs_form.json", trades_docs_form),
    ("rest_wallet_balances.json", wallet_balances),
    ("rest_wallet_transactions.json", wallet_transactions),
];

#[test]
fn every_rest_fixture_is_mapped_and_passes() {
    let on_disk: BTreeSet<String> = std::fs::read_dir(FIXTURES)
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| name.starts_with("rest_") && name.ends_with(".json"))
        .collect();
    let mapped: BTreeSet<String> = CHECKS.iter().map(|(name, _)| (*name).to_owned()).collect();
    let unmapped: Vec<_> = on_disk.difference(&mapped).collect();
    assert!(unmapped.is_empty(), "fixtures without a check: {unmapped:?}");
    let missing: Vec<_> = mapped.difference(&on_disk).collect();
    assert!(missing.is_empty(), "checks without a fixture: {missing:?}");
    for (name, check) in CHECKS {
        check(name);
    }
}

// ---- products, assets, indices ----

fn product(name: &str) {
    let product = golden::<Envelope<Product>>(name).result;
    assert_eq!(product.id, 27);
    assert_eq!(product.tick_size, d("0.5"));
    assert_eq!(product.contract_value, d("0.001"));
    assert_eq!(product.contract_type, ContractType::PerpetualFutures);
    assert_eq!(product.state, ProductState::Live);
    assert_eq!(product.trading_status, Some(TradingStatus::Operational));
    assert_eq!(product.notional_type, Some(NotionalType::Vanilla));
    assert_eq!(product.default_leverage, Some(d("200")));
    assert_eq!(product.settlement_time, None);
    assert_eq!(product.product_specs.rate_exchange_interval, Some(28800));
    assert_eq!(product.product_specs.funding_clamp_value.map(|v| v.0), Some(d("0.05")));
    assert_eq!(product.product_specs.tags.as_deref(), Some(&["layer_1".to_owned()][..]));
    assert_eq!(product.settling_asset.as_ref().map(|a| a.symbol.as_str()), Some("USD"));
    let index = product.spot_index.unwrap();
    assert_eq!(index.symbol, ".DEXBTUSD");
    assert_eq!(index.constituent_exchanges.len(), 4);
    assert_eq!(index.index_type, Some(IndexType::SpotPair));
    assert!(product.created_at.unwrap().micros() < product.updated_at.unwrap().micros());
}

fn product_option(name: &str) {
    let option = golden::<Envelope<Product>>(name).result;
    assert_eq!(option.symbol, "C-BTC-70000-290526");
    assert!(option.is_option() && option.is_tradable());
    assert_eq!(option.strike_price, Some(d("70000")));
    assert_eq!(option.settlement_time.unwrap().micros(), 1_780_056_000_000_000);
    assert_eq!(option.product_specs.vol_calculation_method.as_deref(), Some("orderbook"));
    assert_eq!(option.product_specs.max_volatility.map(|v| v.0), Some(d("3")));
}

fn products(name: &str) {
    let page = golden::<Envelope<Vec<Product>>>(name);
    let types: Vec<_> = page.result.iter().map(|p| p.contract_type.clone()).collect();
    assert_eq!(
        types,
        [
            ContractType::PerpetualFutures,
            ContractType::PerpetualFutures,
            ContractType::CallOptions,
            ContractType::PutOptions,
            ContractType::MoveOptions
        ]
    );
    let meta = page.meta.unwrap();
    assert_eq!(meta.after.as_deref(), Some("g3QAAAACZAAKY3JlYXRlZF9hdHQAAAAN"));
    assert_eq!(meta.before, None);
}

fn products_expired(name: &str) {
    let page = golden::<Envelope<Vec<Product>>>(name);
    let expired = &page.result[0];
    assert_eq!(expired.state, ProductState::Expired);
    assert!(expired.settlement_price.is_some());
    assert!(expired.product_specs.settlement_index_price.is_some());
    assert_eq!(page.meta, Some(PageMeta { after: None, before: None }));
}

fn assets(name: &str) {
    let assets = golden::<Envelope<Vec<Asset>>>(name).result;
    assert_eq!(assets[0].symbol, "BTC");
    assert_eq!(assets[0].name.as_deref(), Some("Bitcoin"));
    assert_eq!(assets[0].precision, Some(8));
    assert_eq!(assets[0].deposit_status, Some(AssetStatus::Enabled));
    assert_eq!(assets[0].interest_slabs, Some(None), "a null key is kept as null");
    assert_eq!(assets[1].minimum_precision, Some(2));
}

fn indices(name: &str) {
    let indices = golden::<Envelope<Vec<Index>>>(name).result;
    assert_eq!(indices[1].symbol, ".DEETHUSD");
    let total = indices[1].constituent_exchanges.iter().try_fold(Decimal::ZERO, |sum, c| sum.checked_add(&c.weight.0));
    assert_eq!(total, Some(d("1")));
}

// ---- market data ----

fn ticker(name: &str) {
    let ticker = golden::<Envelope<Ticker>>(name).result;
    assert_eq!((ticker.symbol.as_str(), ticker.product_id), ("BTCUSD", 27));
    assert_eq!(ticker.timestamp.micros(), 1_779_962_400_482_113);
    assert_eq!(ticker.close.map(|v| v.0), Some(d("68452.5")));
    assert_eq!(ticker.volume.map(|v| v.0), Some(d("1893.412")));
    assert_eq!(ticker.funding_rate, Some(d("0.0034")));
    assert_eq!(ticker.greeks, None);
    let quotes = ticker.quotes.unwrap();
    assert_eq!((quotes.best_bid, quotes.best_ask), (Some(d("68452.5")), Some(d("68453.0"))));
    assert_eq!(quotes.bid_iv, None);
    assert_eq!(quotes.mark_iv, Some(d("-0.04123318")));
    assert_eq!(ticker.price_band.unwrap().upper_limit, d("70163.2329"));
}

fn ticker_option(name: &str) {
    let ticker = golden::<Envelope<Ticker>>(name).result;
    assert_eq!(ticker.contract_type, Some(ContractType::CallOptions));
    assert_eq!(ticker.greeks.unwrap().theta, Some(d("-144.12770133")));
    assert_eq!(ticker.mark_vol, Some(d("0.46120113")));
    assert_eq!(ticker.strike_price, Some(d("70000")));
    assert_eq!(ticker.funding_rate, None);
    assert_eq!(ticker.quotes.unwrap().impact_mid_price, None);
}

fn tickers(name: &str) {
    let tickers = golden::<Envelope<Vec<Ticker>>>(name).result;
    let symbols: Vec<_> = tickers.iter().map(|t| t.symbol.as_str()).collect();
    assert_eq!(symbols, ["BTCUSD", "C-BTC-70000-290526"]);
}

fn orderbook(name: &str) {
    let book = golden::<Envelope<OrderBook>>(name).result;
    assert_eq!(book.symbol.as_deref(), Some("BTCUSD"));
    assert_eq!(book.last_updated_at.unwrap().micros(), 1_779_962_400_455_000);
    assert_eq!((book.buy[0].price, book.buy[0].size.0), (d("68452.5"), d("2210")));
    assert_eq!((book.sell[0].price, book.sell[0].size.0), (d("68453.0"), d("1432")));
    assert!(book.buy.windows(2).all(|w| w[0].price > w[1].price), "bids descend");
    assert!(book.sell.windows(2).all(|w| w[0].price < w[1].price), "asks ascend");
    for side in [&book.buy, &book.sell] {
        let mut cumulative = Decimal::ZERO;
        for level in side {
            cumulative = cumulative.checked_add(&level.size.0).unwrap();
            assert_eq!(level.depth, Some(cumulative), "depth is the cumulative size");
        }
    }
}

fn trades_observed_form(name: &str) {
    let trades = golden::<Envelope<PublicTrades>>(name).result;
    assert!(matches!(trades, PublicTrades::List(_)));
    let sides: Vec<_> = trades.trades().iter().map(PublicTrade::taker_side).collect();
    assert_eq!(sides, [Some(Side::Buy), Some(Side::Sell)]);
    assert_eq!(trades.trades()[0].size.0, d("120"));
    assert_eq!(trades.trades()[0].timestamp.micros(), 1_779_962_399_912_331);
}

fn trades_docs_form(name: &str) {
    let trades = golden::<Envelope<PublicTrades>>(name).result;
    assert!(matches!(trades, PublicTrades::Wrapped { .. }));
    let sides: Vec<_> = trades.trades().iter().map(PublicTrade::taker_side).collect();
    assert_eq!(sides, [Some(Side::Buy), Some(Side::Sell)]);
    assert_eq!(trades.into_trades()[1].price, d("68452.5"));
}

fn candles(name: &str) {
    let candles = golden::<Envelope<Vec<Candle>>>(name).result;
    assert_eq!(candles.len(), 3);
    assert_eq!(candles[0].time, 1_779_962_100);
    assert_eq!(candles[0].open.0, d("68410"));
    assert_eq!(candles[0].volume.map(|v| v.0), Some(d("18230")));
    assert!(candles.windows(2).all(|w| w[1].time - w[0].time == 60));
}

fn stats(name: &str) {
    let stats = golden::<Envelope<Stats>>(name).result;
    assert_eq!(stats.last_30_days_volume.0, d("31812440912"));
}

fn settings(name: &str) {
    let settings = golden::<Envelope<Settings>>(name).result;
    assert_eq!(settings.server_time.micros(), 1_779_962_400_120_331);
    assert_eq!(settings.under_maintenance, Some(false));
    assert_eq!(settings.maintenance_start_time.unwrap().micros(), 1_780_048_800_000_000);
}

fn rate_limit_quota(name: &str) {
    let quota = golden::<BareOrWrapped<RateLimitQuota>>(name).into_inner();
    assert_eq!(quota, RateLimitQuota { current_quota: 9410, remaining_time_in_milliseconds: 120_632 });
    let wrapped = format!(r#"{{"success":true,"result":{}}}"#, load(name));
    assert_eq!(serde_json::from_str::<BareOrWrapped<RateLimitQuota>>(&wrapped).unwrap().0, quota);
}

// ---- orders ----

fn expect_order(name: &str) -> Order {
    golden::<Envelope<Order>>(name).result
}

fn create_request(name: &str) {
    let request = golden::<CreateOrderRequest>(name);
    let built = CreateOrderRequest::limit(27, Side::Buy, 10, d("68000"))
        .with_time_in_force(TimeInForce::Gtc)
        .with_post_only(false)
        .with_reduce_only(false)
        .with_client_order_id("strat1-000042");
    assert_eq!(request, built);
    assert_eq!(json_value(&serde_json::to_string(&built).unwrap()), json_value(&load(name)));
    request.validate().unwrap();
}

fn stop_request(name: &str) {
    let request = golden::<CreateOrderRequest>(name);
    let built = CreateOrderRequest::stop_market(27, Side::Sell, 10, StopOrderType::StopLoss, d("67000"))
        .with_stop_trigger_method(StopTriggerMethod::MarkPrice)
        .with_reduce_only(true)
        .with_client_order_id("strat1-sl-000043");
    assert_eq!(request, built);
    request.validate().unwrap();
}

fn create_response(name: &str) {
    let order = expect_order(name);
    assert_eq!((order.id, order.product_id, order.user_id), (884_213_557, 27, Some(52_011_377)));
    assert_eq!(order.created_at.unwrap().micros(), 1_779_962_401_183_442);
    assert_eq!((order.side, order.order_type, order.state), (Side::Buy, OrderType::Limit, OrderState::Open));
    assert_eq!((order.size, order.unfilled_size, order.filled_size()), (10, 10, 0));
    assert_eq!(order.limit_price, Some(d("68000")));
    assert_eq!(order.commission, Some(d("0.34")));
    assert_eq!(order.close_on_trigger, Some(false));
    assert_eq!(order.meta_data.source.as_deref(), Some("api"));
    assert!(!order.reduce_only && order.is_active());
}

fn stop_response(name: &str) {
    let order = expect_order(name);
    assert_eq!(order.state, OrderState::Pending);
    assert_eq!(order.stop_order_type, Some(StopOrderType::StopLoss));
    assert_eq!(order.stop_price, Some(d("67000")));
    assert_eq!(order.limit_price, None);
    assert!(order.reduce_only);
}

fn edit_request(name: &str) {
    let request = golden::<EditOrderRequest>(name);
    assert_eq!(request, EditOrderRequest::new(884_213_557, 27, 12, Some(d("68100"))));
    request.validate().unwrap();
}

fn edit_response(name: &str) {
    let order = expect_order(name);
    assert_eq!((order.size, order.limit_price), (12, Some(d("68100"))));
}

fn cancel_request(name: &str) {
    let request = golden::<CancelOrderRequest>(name);
    assert_eq!(request, CancelOrderRequest::by_id(884_213_557, 27));
    request.validate().unwrap();
}

fn cancel_response(name: &str) {
    let order = expect_order(name);
    assert_eq!(order.state, OrderState::Cancelled);
    assert_eq!(order.cancellation_reason.as_deref(), Some("cancelled_by_user"));
    assert!(!order.is_active());
}

fn get_order_response(name: &str) {
    assert_eq!(expect_order(name).client_order_id.as_deref(), Some("strat1-000042"));
}

fn cancel_all_request(name: &str) {
    assert_eq!(golden::<CancelAllRequest>(name), CancelAllRequest::all(Some(27)));
}

fn orders_open(name: &str) {
    let page = golden::<Envelope<Vec<Order>>>(name);
    let states: Vec<_> = page.result.iter().map(|o| o.state).collect();
    assert_eq!(states, [OrderState::Open, OrderState::Pending]);
    assert!(page.meta.unwrap().after.is_some());
}

fn orders_history(name: &str) {
    let page = golden::<Envelope<Vec<Order>>>(name);
    let filled = &page.result[1];
    assert_eq!(filled.state, OrderState::Closed);
    assert_eq!(filled.client_order_id, None);
    assert_eq!((filled.filled_size(), filled.average_fill_price), (5, Some(d("68440.5"))));
}

fn batch_create_request(name: &str) {
    let request = golden::<BatchCreateRequest>(name);
    assert_eq!(request.product_id, Some(27));
    assert_eq!(request.orders[0].post_only, Some(true));
    assert_eq!(request.orders[1].client_order_id.as_deref(), Some("mm-a-1"));
    request.validate().unwrap();
}

fn batch_create_response(name: &str) {
    let orders = golden::<Envelope<Vec<Order>>>(name).result;
    let ids: Vec<_> = orders.iter().map(|o| o.id).collect();
    assert_eq!(ids, [884_213_700, 884_213_701]);
}

fn batch_edit_request(name: &str) {
    let request = golden::<BatchEditRequest>(name);
    assert_eq!(request.orders[1].limit_price, Some(d("68850")));
    request.validate().unwrap();
}

fn batch_cancel_request(name: &str) {
    let request = golden::<BatchCancelRequest>(name);
    assert_eq!(
        request,
        BatchCancelRequest::new(
            27,
            vec![BatchCancelItem::by_id(884_213_700), BatchCancelItem::by_client_order_id("mm-a-1")]
        )
    );
    request.validate().unwrap();
}

fn bracket_request(name: &str) {
    let request = golden::<BracketOrderRequest>(name);
    let take_profit = request.take_profit_order.as_ref().unwrap();
    assert_eq!((take_profit.order_type, take_profit.limit_price), (OrderType::Limit, Some(d("70900"))));
    assert_eq!(request.bracket_stop_trigger_method, Some(StopTriggerMethod::MarkPrice));
    request.validate().unwrap();
}

fn bracket_edit_request(name: &str) {
    let request = golden::<BracketEditRequest>(name);
    assert_eq!(request.id, 884_213_557);
    assert_eq!(request.bracket_stop_trigger_method, Some(StopTriggerMethod::LastTradedPrice));
}

fn leverage_get(name: &str) {
    let leverage = golden::<Envelope<OrderLeverage>>(name).result;
    assert_eq!(leverage.leverage, d("10"));
    assert_eq!(leverage.margin_mode, MarginMode::Isolated);
    assert_eq!(leverage.index_symbol, Some(None));
    assert_eq!(leverage.user_id, Some(52_011_377));
}

fn leverage_set_request(name: &str) {
    assert_eq!(golden::<SetLeverageRequest>(name).leverage, d("20"));
    let number: SetLeverageRequest = serde_json::from_str(r#"{"leverage": 20}"#).unwrap();
    assert_eq!(number.leverage, d("20"));
}

fn leverage_set_response(name: &str) {
    let leverage = golden::<Envelope<OrderLeverage>>(name).result;
    assert_eq!((leverage.index_symbol, leverage.user_id), (None, None), "absent keys stay absent");
    assert_eq!(leverage.order_margin, d("0.68"));
}

// ---- positions ----

fn position(name: &str) {
    let position = golden::<Envelope<Position>>(name).result;
    assert_eq!((position.size, position.entry_price), (15, Some(d("68402.5"))));
    assert_eq!(position.timestamp.micros(), 1_779_962_400_601_223);
}

fn position_flat(name: &str) {
    let position = golden::<Envelope<Position>>(name).result;
    assert_eq!((position.size, position.entry_price), (0, None));
}

fn positions_margined(name: &str) {
    let positions = golden::<Envelope<Vec<MarginedPosition>>>(name).result;
    let position = &positions[0];
    assert_eq!((position.product_id, position.size), (27, 15));
    assert_eq!(position.margin_mode, Some(MarginMode::Isolated));
    assert_eq!(position.product.as_ref().unwrap().tick_size, d("0.5"));
    assert_eq!(position.updated_at.unwrap().micros(), 1_779_962_400_601_223);
}

fn change_margin_request(name: &str) {
    assert_eq!(golden::<ChangeMarginRequest>(name), ChangeMarginRequest { product_id: 27, delta_margin: d("2.5") });
}

fn change_margin_response(name: &str) {
    let position = golden::<Envelope<MarginedPosition>>(name).result;
    assert_eq!(position.margin, Some(d("7.6301875")));
}

fn auto_topup_request(name: &str) {
    assert_eq!(golden::<AutoTopupRequest>(name), AutoTopupRequest { product_id: 27, auto_topup: true });
}

fn close_all_request(name: &str) {
    assert_eq!(golden::<CloseAllPositionsRequest>(name), CloseAllPositionsRequest::all(52_011_377));
}

// ---- fills, wallet, account ----

fn fills(name: &str) {
    let page = golden::<Envelope<Vec<Fill>>>(name);
    let fill = &page.result[0];
    assert_eq!(fill.id, "f6a41c2be05e4a1fa64a5d1c7f3b8e21");
    assert_eq!(fill.order_id, "884201111");
    assert_eq!((fill.fill_type.clone(), fill.role, fill.side), (FillType::Normal, LiquidityRole::Taker, Side::Sell));
    assert_eq!(fill.created_at.micros(), 1_779_962_140_004_913);
    let notional = d("5").checked_mul(&d("0.001")).unwrap().checked_mul(&fill.price).unwrap();
    let rate = fill.meta_data.effective_commission_rate.unwrap();
    assert_eq!(notional.checked_mul(&rate), Some(fill.commission), "commission = notional x rate");
    assert_eq!(fill.meta_data.order_unfilled_size, Some(0));
}

fn wallet_balances(name: &str) {
    let answer = golden::<Envelope<Vec<WalletBalance>, WalletBalancesMeta>>(name);
    let usd = &answer.result[1];
    assert_eq!(usd.asset_symbol, "USD");
    let blocked = usd.blocked_margin.unwrap();
    assert_eq!(usd.balance.checked_sub(&blocked), Some(usd.available_balance), "available = balance - blocked");
    assert_eq!(answer.meta.unwrap().net_equity, Some(d("1000.73996718")));
}

fn wallet_transactions(name: &str) {
    let entries = golden::<Envelope<Vec<WalletTransaction>>>(name).result;
    assert_eq!(entries[0].transaction_type, TransactionType::Deposit);
    assert_eq!(entries[0].meta_data.as_ref().unwrap()["deposit_id"], 38841);
    assert_eq!((entries[1].transaction_type.clone(), entries[1].product_id), (TransactionType::Funding, Some(27)));
    assert_eq!(entries[1].amount, d("-0.0121"));
}

fn mmp_update_request(name: &str) {
    let request = golden::<MmpUpdateRequest>(name);
    assert_eq!((request.window_interval, request.freeze_interval, request.mmp), (10, 30, MmpGroup::Mmp1));
    assert_eq!(request.vega_limit, Some(d("2000")));
}

fn mmp_reset_request(name: &str) {
    assert_eq!(golden::<MmpResetRequest>(name), MmpResetRequest { asset: "BTC".into(), mmp: MmpGroup::Mmp1 });
}

fn heartbeat_create_request(name: &str) {
    let request = golden::<HeartbeatCreateRequest>(name);
    assert_eq!(request.impact, HeartbeatImpact::Contracts);
    assert_eq!(request.contract_types.len(), 3);
    assert_eq!(request.config[0].action, HeartbeatAction::CancelOrders);
    assert!(request.product_symbols.is_empty());
}

fn heartbeat_create_response(name: &str) {
    assert_eq!(golden::<Envelope<HeartbeatCreateResponse>>(name).result.heartbeat_id, "mm_bot_001");
}

fn heartbeat_ack_request(name: &str) {
    assert_eq!(golden::<HeartbeatAckRequest>(name).ttl, 30_000);
}

fn heartbeat_ack_response(name: &str) {
    let ack = golden::<Envelope<HeartbeatAckResponse>>(name).result;
    assert_eq!(ack, HeartbeatAckResponse { heartbeat_timestamp: 1_779_962_430_000, process_enabled: true });
}

fn success_empty(name: &str) {
    assert!(golden::<Envelope<EmptyResult>>(name).success);
}

// ---- errors ----

fn envelope_error(name: &str, code: ApiErrorCode) {
    parse_envelope_error(name, code);
}

fn parse_envelope_error(name: &str, code: ApiErrorCode) -> ApiErrorEnvelope {
    let text = load(name);
    assert_eq!(ErrorBody::parse(text.as_bytes()).unwrap().code, code, "{name}");
    let body = golden::<ApiErrorEnvelope>(name);
    assert!(!body.success);
    assert_eq!(body.error.code, code.as_str());
    body
}

fn gateway_error(name: &str, code: ApiErrorCode) {
    let text = load(name);
    let parsed = ErrorBody::parse(text.as_bytes()).unwrap();
    assert_eq!(parsed.code, code, "{name}");
    let body = golden::<GatewayError>(name);
    assert_eq!(body.error, code.as_str());
    assert_eq!(parsed.message.as_deref(), Some(body.message.as_str()));
}

fn error_bad_schema(name: &str) {
    let body = parse_envelope_error(name, ApiErrorCode::BadSchema);
    assert_eq!(body.error.context.unwrap()["schema_errors"][0]["message"], "id is required");
}

fn error_insufficient_margin(name: &str) {
    let body = parse_envelope_error(name, ApiErrorCode::InsufficientMargin);
    let context = body.error.context.unwrap();
    assert_eq!(context["required_additional_balance"], "1.618626000000000000000000000");
}

// ---- variants the fixtures do not show ----

#[test]
fn order_created_at_as_microsecond_string() {
    let text = load("rest_order_get_response.json").replace("\"2026-05-28T10:00:01.183442Z\"", "\"1779962401183442\"");
    let order = serde_json::from_str::<Envelope<Order>>(&text).unwrap().result;
    assert_eq!(order.created_at.unwrap().micros(), 1_779_962_401_183_442);
}

#[test]
fn integers_sent_as_strings() {
    let text = load("rest_order_get_response.json")
        .replace("\"id\": 884213557", "\"id\": \"884213557\"")
        .replace("\"size\": 10", "\"size\": \"10\"")
        .replace("\"product_id\": 27", "\"product_id\": \"27\"");
    assert!(text.contains("\"884213557\"") && text.contains("\"27\""));
    let order = serde_json::from_str::<Envelope<Order>>(&text).unwrap().result;
    assert_eq!((order.id, order.size, order.product_id), (884_213_557, 10, 27));

    let text = load("rest_product.json").replace("\"id\": 27", "\"id\": \"27\"");
    assert_eq!(serde_json::from_str::<Envelope<Product>>(&text).unwrap().result.id, 27);

    let position: Position =
        serde_json::from_str(r#"{"entry_price":"1","size":"-3","timestamp":"1779962400601223"}"#).unwrap();
    assert_eq!((position.size, position.timestamp.micros()), (-3, 1_779_962_400_601_223));
}

#[test]
fn request_flags_as_json_booleans() {
    let text = load("rest_order_create_request.json").replace("\"false\"", "false");
    let request: CreateOrderRequest = serde_json::from_str(&text).unwrap();
    assert_eq!((request.post_only, request.reduce_only), (Some(false), Some(false)));
    let written = json_value(&serde_json::to_string(&request).unwrap());
    assert_eq!(written["post_only"], "false", "flags are written as strings");

    let text = load("rest_orders_cancel_all_request.json").replace("\"true\"", "true");
    assert_eq!(serde_json::from_str::<CancelAllRequest>(&text).unwrap(), CancelAllRequest::all(Some(27)));
    let topup: AutoTopupRequest = serde_json::from_str(r#"{"product_id":27,"auto_topup":"false"}"#).unwrap();
    assert!(!topup.auto_topup);
}

#[test]
fn unknown_contract_type_in_a_products_page_is_kept() {
    let text = load("rest_products.json").replacen("\"move_options\"", "\"quantum_options\"", 1);
    let page: Envelope<Vec<Product>> = serde_json::from_str(&text).unwrap();
    let unknown = &page.result[4].contract_type;
    assert_eq!(unknown, &ContractType::Other("quantum_options".into()));
    assert!(unknown.is_other());
    let written = serde_json::to_string(&page).unwrap();
    assert!(written.contains("\"contract_type\":\"quantum_options\""));
    let text = load("rest_products.json").replacen("\"operational\"", "\"halted_for_lunch\"", 1);
    let page: Envelope<Vec<Product>> = serde_json::from_str(&text).unwrap();
    assert!(!page.result[0].is_tradable());
}

#[test]
fn success_without_result() {
    let ack: Envelope<EmptyResult> = serde_json::from_str(r#"{"success":true}"#).unwrap();
    assert!(ack.success);
    assert_eq!(serde_json::to_string(&ack).unwrap(), r#"{"success":true,"result":{}}"#);
}

#[test]
fn empty_quotes_and_untraded_option_ticker() {
    let text = r#"{"contract_type":"put_options","greeks":null,"mark_price":"1.5","product_id":140022,
        "quotes":{},"symbol":"P-BTC-66000-290526","timestamp":"1779962400511877","price_band":null}"#;
    let ticker: Ticker = serde_json::from_str(text).unwrap();
    assert_eq!((ticker.quotes.clone(), ticker.close, ticker.size), (None, None, None));
    let written = json_value(&serde_json::to_string(&ticker).unwrap());
    assert_eq!(written["quotes"], serde_json::json!({}));
    assert!(written.get("close").is_none(), "OHLC stays absent");
    assert_eq!(written["timestamp"], 1_779_962_400_511_877_i64);
}

#[test]
fn strict_order_enums_reject_unknown_values() {
    let text = load("rest_order_get_response.json").replace("\"gtc\"", "\"fok\"");
    let error = serde_json::from_str::<Envelope<Order>>(&text).unwrap_err().to_string();
    assert!(error.contains("unknown variant `fok`"), "{error}");
}

#[test]
fn spot_sizes_are_exact_decimals() {
    let level: BookLevel = serde_json::from_str(r#"{"depth":"0.3","price":"68452.5","size":"0.09200"}"#).unwrap();
    assert_eq!(level.size.0, d("0.092"));
    assert_eq!(serde_json::to_string(&level.size).unwrap(), "0.09200");
    let trade: PublicTrade = serde_json::from_str(
        r#"{"buyer_role":"maker","seller_role":"taker","price":"73260.5","size":"0.5","symbol":"BTC_USDT","timestamp":"1708508731638004"}"#,
    )
    .unwrap();
    assert_eq!((trade.taker_side(), trade.size.0), (Some(Side::Sell), d("0.5")));
}

#[test]
fn fill_ids_as_numbers() {
    let text = load("rest_fills.json")
        .replace("\"f6a41c2be05e4a1fa64a5d1c7f3b8e21\"", "991")
        .replace("\"884201111\"", "884201111");
    let fill = &serde_json::from_str::<Envelope<Vec<Fill>>>(&text).unwrap().result[0];
    assert_eq!((fill.id.as_str(), fill.order_id.as_str()), ("991", "884201111"));
}

#[test]
fn order_requests_are_validated() {
    let price = d("68000");
    let invalid = [
        CreateOrderRequest::limit(27, Side::Buy, 0, price),
        CreateOrderRequest::limit(27, Side::Buy, 1, d("0")),
        CreateOrderRequest::limit(27, Side::Buy, 1, price).with_client_order_id("x".repeat(33)),
        CreateOrderRequest::limit(27, Side::Buy, 1, price).with_product_symbol("BTCUSD").with_client_order_id(""),
        {
            let mut both = CreateOrderRequest::market(27, Side::Buy, 1);
            both.product_symbol = Some("BTCUSD".into());
            both
        },
        {
            let mut market = CreateOrderRequest::market(27, Side::Buy, 1);
            market.limit_price = Some(price);
            market
        },
        {
            let mut stop = CreateOrderRequest::market(27, Side::Sell, 1);
            stop.stop_order_type = Some(StopOrderType::StopLoss);
            stop
        },
    ];
    for request in &invalid {
        assert!(request.validate().is_err(), "{request:?}");
    }
    let by_symbol = CreateOrderRequest::market(27, Side::Buy, 1).with_product_symbol("BTCUSD");
    by_symbol.validate().unwrap();
    let written = json_value(&serde_json::to_string(&by_symbol).unwrap());
    assert_eq!(
        written,
        serde_json::json!({"product_symbol": "BTCUSD", "size": 1, "side": "buy", "order_type": "market_order"})
    );
    CreateOrderRequest::stop_limit(27, Side::Sell, 1, StopOrderType::TakeProfit, d("70000"), d("69900"))
        .with_client_order_id("x".repeat(32))
        .validate()
        .unwrap();

    assert!(CancelOrderRequest { id: None, client_order_id: None, product_id: 27 }.validate().is_err());
    let oversized =
        BatchCreateRequest::new(27, vec![BatchCreateItem::limit(Side::Buy, 1, price); MAX_BATCH_ORDERS + 1]);
    assert!(oversized.validate().is_err());
    let duplicate_id =
        BatchCreateItem { client_order_id: Some("a".into()), ..BatchCreateItem::limit(Side::Buy, 1, price) };
    assert!(BatchCreateRequest::new(27, vec![duplicate_id.clone(), duplicate_id]).validate().is_err());
    let ioc = BatchCreateItem { time_in_force: Some(TimeInForce::Ioc), ..BatchCreateItem::limit(Side::Buy, 1, price) };
    assert!(BatchCreateRequest::new(27, vec![ioc]).validate().is_err());
    assert!(BatchCancelRequest::new(27, vec![]).validate().is_err());
}
