//! Every `ws_*.json` fixture decodes on its endpoint to the expected values; requests serialize to the
//! fixtures' exact JSON; same-name channels decode per endpoint.

use std::collections::BTreeSet;

use delta_core::model::{FillType, LiquidityRole, OrderState, Side, TradingStatus};
use delta_core::parse::request::{self, ChannelRequest};
use delta_core::parse::{
    decode, BookAction, Channel, Endpoint, EventAction, ParseErrorKind, ParseStats, RawLevel, SystemState, WsMessage,
};
use delta_core::Decimal;

const DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../fixtures/delta-api/");

fn load(name: &str) -> Vec<u8> {
    std::fs::read(format!("{DIR}{name}")).unwrap()
}

fn dec(text: &str) -> Decimal {
    Decimal::parse(text).unwrap()
}

fn json(text: &str) -> serde_json::Value {
    serde_json::from_str(text).unwrap()
}

/// Client-to-server fixtures, checked by [`requests_serialize_to_the_fixtures`].
const REQUESTS: &[&str] = &[
    "ws_subscribe_request.json",
    "ws_unsubscribe_request.json",
    "ws_key_auth_request.json",
    "ws_auth_legacy_request.json",
    "ws_unauth_request.json",
    "ws_enable_heartbeat.json",
    "ws_disable_heartbeat.json",
    "ws_ping.json",
];

/// Server-to-client fixtures and the endpoint they arrive on.
const MESSAGES: &[(&str, Endpoint)] = &[
    ("ws_all_trades.json", Endpoint::Private),
    ("ws_all_trades_snapshot.json", Endpoint::Private),
    ("ws_announcements.json", Endpoint::Private),
    ("ws_auth_legacy_success.json", Endpoint::Private),
    ("ws_candlestick.json", Endpoint::Public),
    ("ws_candlestick_legacy.json", Endpoint::Private),
    ("ws_funding_rate.json", Endpoint::Public),
    ("ws_funding_rate_legacy.json", Endpoint::Private),
    ("ws_heartbeat.json", Endpoint::Public),
    ("ws_key_auth_error_api_key_not_found.json", Endpoint::Private),
    ("ws_key_auth_error_expired.json", Endpoint::Private),
    ("ws_key_auth_error_incomplete.json", Endpoint::Private),
    ("ws_key_auth_error_invalid_signature.json", Endpoint::Private),
    ("ws_key_auth_error_ip.json", Endpoint::Private),
    ("ws_key_auth_success.json", Endpoint::Private),
    ("ws_l1_orderbook.json", Endpoint::Private),
    ("ws_l2_orderbook.json", Endpoint::Private),
    ("ws_l2_updates_error.json", Endpoint::Private),
    ("ws_l2_updates_snapshot.json", Endpoint::Private),
    ("ws_l2_updates_update.json", Endpoint::Private),
    ("ws_margins.json", Endpoint::Private),
    ("ws_mark_price.json", Endpoint::Public),
    ("ws_mark_price_legacy.json", Endpoint::Private),
    ("ws_mmp_trigger.json", Endpoint::Private),
    ("ws_ob_l1.json", Endpoint::Public),
    ("ws_ob_l2.json", Endpoint::Public),
    ("ws_ob_updates_error.json", Endpoint::Public),
    ("ws_ob_updates_snapshot.json", Endpoint::Public),
    ("ws_ob_updates_update.json", Endpoint::Public),
    ("ws_orders.json", Endpoint::Private),
    ("ws_orders_cancel.json", Endpoint::Private),
    ("ws_orders_create.json", Endpoint::Private),
    ("ws_orders_snapshot.json", Endpoint::Private),
    ("ws_pong.json", Endpoint::Public),
    ("ws_portfolio_margins.json", Endpoint::Private),
    ("ws_positions.json", Endpoint::Private),
    ("ws_positions_snapshot.json", Endpoint::Private),
    ("ws_product_updates.json", Endpoint::Private),
    ("ws_spot_30mtwap_price.json", Endpoint::Private),
    ("ws_spot_price.json", Endpoint::Public),
    ("ws_spot_price_legacy.json", Endpoint::Private),
    ("ws_subscriptions_error.json", Endpoint::Private),
    ("ws_subscriptions_response.json", Endpoint::Private),
    ("ws_system_status.json", Endpoint::Public),
    ("ws_ticker.json", Endpoint::Public),
    ("ws_ticker_option.json", Endpoint::Public),
    ("ws_trades.json", Endpoint::Public),
    ("ws_user_trades.json", Endpoint::Private),
    ("ws_v2_spot_price.json", Endpoint::Private),
    ("ws_v2_ticker.json", Endpoint::Private),
    ("ws_v2_ticker_option.json", Endpoint::Private),
    ("ws_v2_user_trades.json", Endpoint::Private),
];

#[test]
fn every_ws_fixture_is_mapped_and_decodes() {
    let on_disk: BTreeSet<String> = std::fs::read_dir(DIR)
        .unwrap()
        .map(|entry| entry.unwrap().file_name().into_string().unwrap())
        .filter(|name| name.starts_with("ws_") && name.ends_with(".json"))
        .collect();
    let mapped: BTreeSet<String> =
        REQUESTS.iter().copied().chain(MESSAGES.iter().map(|(name, _)| *name)).map(str::to_owned).collect();
    assert_eq!(on_disk, mapped, "every ws_*.json fixture must be mapped");
    let stats = ParseStats::new();
    for (name, endpoint) in MESSAGES {
        let frame = load(name);
        let outcome = decode(*endpoint, &frame);
        stats.record(&outcome);
        if let Err(error) = outcome {
            panic!("{name}: {error}");
        }
    }
    assert_eq!(stats.total_errors(), 0);
    assert_eq!(stats.decoded(Channel::Orders), 4);
    assert_eq!(stats.decoded(Channel::KeyAuth), 6);
    assert_eq!(stats.decoded(Channel::Ticker), 2);
}

fn decoded(endpoint: Endpoint, frame: &[u8]) -> WsMessage<'_> {
    decode(endpoint, frame).unwrap()
}

#[test]
fn ob_updates_snapshot_update_and_error() {
    let frame = load("ws_ob_updates_update.json");
    let WsMessage::ObUpdates(book) = decoded(Endpoint::Public, &frame) else { panic!() };
    assert_eq!(book.action, BookAction::Update);
    assert_eq!((book.seq, book.checksum, book.symbol), (Some(1_210_340), Some(2_840_975_927), "BTCUSD"));
    assert_eq!(book.asks[0], RawLevel { price: "68453.0", size: "0" });
    assert_eq!(book.asks[1], RawLevel { price: "68453.5", size: "1250" });
    assert_eq!(
        book.bids,
        vec![RawLevel { price: "68452.5", size: "2310" }, RawLevel { price: "68449.0", size: "700" }]
    );
    assert_eq!(book.timestamp_us, Some(1_779_962_401_204_911));

    let frame = load("ws_ob_updates_snapshot.json");
    let WsMessage::ObUpdates(book) = decoded(Endpoint::Public, &frame) else { panic!() };
    assert_eq!((book.action, book.seq, book.checksum), (BookAction::Snapshot, Some(1_210_339), Some(596_940_953)));
    assert_eq!((book.asks.len(), book.bids.len()), (11, 11));
    assert_eq!(book.bids[10], RawLevel { price: "68441.0", size: "3050" });

    let frame = load("ws_ob_updates_error.json");
    let WsMessage::ObUpdates(book) = decoded(Endpoint::Public, &frame) else { panic!() };
    assert_eq!((book.action, book.symbol, book.seq), (BookAction::Error, "BTCUSD", None));
    assert!(book.error_message.unwrap().starts_with("Snapshot load failed"));
}

#[test]
fn legacy_books_match_the_compact_ones() {
    for (legacy, compact) in [
        ("ws_l2_updates_snapshot.json", "ws_ob_updates_snapshot.json"),
        ("ws_l2_updates_update.json", "ws_ob_updates_update.json"),
        ("ws_l2_updates_error.json", "ws_ob_updates_error.json"),
    ] {
        let (legacy_frame, compact_frame) = (load(legacy), load(compact));
        let WsMessage::L2Updates(old) = decoded(Endpoint::Private, &legacy_frame) else { panic!("{legacy}") };
        let new = decoded(Endpoint::Public, &compact_frame);
        assert_eq!(Some(&old), new.book(), "{legacy}");
    }
    let frame = load("ws_l2_orderbook.json");
    let WsMessage::L2Orderbook(book) = decoded(Endpoint::Private, &frame) else { panic!() };
    assert_eq!((book.action, book.seq, book.checksum), (BookAction::Snapshot, None, None));
    assert_eq!(book.asks[0], RawLevel { price: "68453.0", size: "1432" });
    assert_eq!(book.bids[3], RawLevel { price: "68450.0", size: "10000" });
    let frame = load("ws_ob_l2.json");
    let WsMessage::ObL2(l2) = decoded(Endpoint::Public, &frame) else { panic!() };
    assert_eq!((l2.asks, l2.bids), (book.asks, book.bids));
    assert_eq!(l2.timestamp_us, Some(1_779_962_400_955_092));
}

#[test]
fn trades_carry_the_buyer_role_and_exact_values() {
    let frame = load("ws_trades.json");
    let WsMessage::Trade(trade) = decoded(Endpoint::Public, &frame) else { panic!() };
    assert_eq!(trade.price.to_string(), "68453.5");
    assert_eq!(trade.size, dec("40"));
    assert_eq!(trade.buyer_role, LiquidityRole::Taker);
    assert_eq!(trade.aggressor_side(), Side::Buy);
    assert_eq!((trade.trade_time_us, trade.timestamp_us), (1_779_962_402_331_207, Some(1_779_962_402_603_029)));

    let frame = load("ws_all_trades.json");
    let WsMessage::AllTrades(all) = decoded(Endpoint::Private, &frame) else { panic!() };
    assert_eq!((all.symbol, all.product_id), ("BTCUSD", Some(27)));
    assert_eq!((all.trade.price, all.trade.size), (trade.price, trade.size));
    assert_eq!(all.trade.timestamp_us, trade.trade_time_us);
    assert_eq!(all.trade.seller_role, Some(LiquidityRole::Maker));

    let frame = load("ws_all_trades_snapshot.json");
    let WsMessage::AllTradesSnapshot(snapshot) = decoded(Endpoint::Private, &frame) else { panic!() };
    assert_eq!(snapshot.trades.len(), 2);
    assert_eq!(snapshot.trades[1].aggressor_side(), Side::Sell);
    assert_eq!(snapshot.trades[1].price, dec("68452.5"));
}

#[test]
fn top_of_book_channels() {
    let frame = load("ws_ob_l1.json");
    let WsMessage::ObL1(l1) = decoded(Endpoint::Public, &frame) else { panic!() };
    assert_eq!((l1.ask_price, l1.ask_size), (Some(dec("68453.0")), Some(dec("1432"))));
    assert_eq!((l1.bid_price, l1.bid_size), (Some(dec("68452.5")), Some(dec("2210"))));
    assert_eq!(l1.book_time_us, Some(1_779_962_400_455_000));
    let frame = load("ws_l1_orderbook.json");
    let WsMessage::L1Orderbook(legacy) = decoded(Endpoint::Private, &frame) else { panic!() };
    assert_eq!((legacy.ask_price, legacy.bid_size), (l1.ask_price, l1.bid_size));
    assert_eq!((legacy.product_id, legacy.last_sequence_no), (Some(27), Some(1_779_962_400_455_001)));
}

#[test]
fn compact_ticker_quotes_are_ask_first_and_greeks_positional() {
    let frame = load("ws_ticker.json");
    let WsMessage::Ticker(ticker) = decoded(Endpoint::Public, &frame) else { panic!() };
    assert_eq!((ticker.symbol, ticker.timestamp_us), ("BTCUSD", 1_779_962_405_453_559));
    assert_eq!(ticker.spot_price, Some(dec("68458.91322481")));
    let entry = &ticker.products[0];
    assert_eq!((entry.product_id, entry.symbol), (27, "BTCUSD"));
    assert_eq!(entry.quotes.best_ask, Some(dec("68453.0")));
    assert_eq!(entry.quotes.ask_size, Some(dec("1432")));
    assert_eq!(entry.quotes.best_bid, Some(dec("68452.5")));
    assert_eq!(entry.quotes.bid_size, Some(dec("2210")));
    assert_eq!(entry.quotes.impact_mid_price, Some(dec("68452.9")));
    assert_eq!(entry.greeks, None);
    assert_eq!(entry.quotes.mark_iv, None);
    let ohlc = entry.ohlc.unwrap();
    assert_eq!((ohlc.open, ohlc.close), (Some(dec("67895")), Some(dec("68452.5"))));
    assert_eq!(entry.price_band.unwrap().upper_limit, dec("70163.2329"));
    assert_eq!((entry.oi_contracts, entry.oi_change_usd_6h), (Some(dec("612487")), Some(dec("1812440.12"))));
    assert_eq!(entry.turnover_usd, Some(dec("129544512.6105")));

    let frame = load("ws_ticker_option.json");
    let WsMessage::Ticker(option) = decoded(Endpoint::Public, &frame) else { panic!() };
    let entry = &option.products[0];
    let greeks = entry.greeks.clone().unwrap();
    assert_eq!(greeks.delta, Some(dec("0.18213417")));
    assert_eq!(greeks.gamma, Some(dec("0.00009121")));
    assert_eq!(greeks.rho, Some(dec("0.66210914")));
    assert_eq!(greeks.theta, Some(dec("-144.12770133")));
    assert_eq!(greeks.vega, Some(dec("9.61442701")));
    assert_eq!(entry.quotes.impact_mid_price, None);
    assert_eq!((entry.quotes.ask_iv, entry.quotes.bid_iv), (Some(dec("0.47010221")), Some(dec("0.45401112"))));
    assert_eq!(entry.quotes.mark_iv, Some(dec("0.46120113")));
    assert_eq!(entry.oi_change_usd_6h, Some(dec("-20431.55")));

    // The legacy v2/ticker of the same option carries the same values under long names.
    let frame = load("ws_v2_ticker_option.json");
    let WsMessage::V2Ticker(legacy) = decoded(Endpoint::Private, &frame) else { panic!() };
    let quotes = legacy.quotes.clone().unwrap();
    assert_eq!((quotes.best_ask, quotes.ask_size), (entry.quotes.best_ask, entry.quotes.ask_size));
    assert_eq!(legacy.greeks.clone().unwrap().theta, greeks.theta);
    let frame = load("ws_v2_ticker.json");
    let WsMessage::V2Ticker(perp) = decoded(Endpoint::Private, &frame) else { panic!() };
    assert_eq!((perp.symbol.as_str(), perp.product_id, perp.funding_rate), ("BTCUSD", 27, Some(dec("0.0034"))));
}

#[test]
fn price_feeds_per_endpoint() {
    let frame = load("ws_mark_price.json");
    let WsMessage::MarkPrice(mark) = decoded(Endpoint::Public, &frame) else { panic!() };
    assert_eq!((mark.symbol, mark.price), ("MARK:BTCUSD", dec("68451.83214521")));
    let frame = load("ws_mark_price_legacy.json");
    let WsMessage::LegacyMarkPrice(legacy) = decoded(Endpoint::Private, &frame) else { panic!() };
    assert_eq!((legacy.symbol, legacy.product_id), ("MARK:C-BTC-70000-290526", Some(140_021)));
    assert_eq!(legacy.greeks.clone().unwrap().vega, Some(dec("9.61442701")));
    assert_eq!(legacy.price_band.unwrap().lower_limit, dec("488.4611"));
    assert_eq!(legacy.implied_volatility, Some(dec("0.46120113")));

    let frame = load("ws_spot_price.json");
    let WsMessage::SpotPrice(spot) = decoded(Endpoint::Public, &frame) else { panic!() };
    assert_eq!((spot.price, spot.timestamp_us), (dec("68458.91322481"), Some(1_779_962_402_952_018)));
    let frame = load("ws_spot_price_legacy.json");
    let WsMessage::LegacySpotPrice(old) = decoded(Endpoint::Private, &frame) else { panic!() };
    assert_eq!((old.symbol, old.price, old.timestamp_us), (".DEXBTUSD", spot.price, None));
    let frame = load("ws_v2_spot_price.json");
    let WsMessage::V2SpotPrice(v2) = decoded(Endpoint::Private, &frame) else { panic!() };
    assert_eq!((v2.symbol, v2.price.to_string()), (".DEXBTUSD", "68458.91322481".to_owned()));
    let frame = load("ws_spot_30mtwap_price.json");
    let WsMessage::Spot30mTwapPrice(twap) = decoded(Endpoint::Private, &frame) else { panic!() };
    assert_eq!((twap.price, twap.timestamp_us), (dec("68402.11029912"), Some(1_779_962_403_001_021)));

    let frame = load("ws_funding_rate.json");
    let WsMessage::FundingRate(rate) = decoded(Endpoint::Public, &frame) else { panic!() };
    assert_eq!(
        (rate.rate, rate.interval_s, rate.next_funding_us),
        (dec("0.0034"), Some(28_800), Some(1_779_984_000_000_000))
    );
    let frame = load("ws_funding_rate_legacy.json");
    let WsMessage::LegacyFundingRate(old) = decoded(Endpoint::Private, &frame) else { panic!() };
    assert_eq!(
        (old.rate, old.predicted_rate, old.next_funding_us),
        (rate.rate, Some(dec("0.0041")), rate.next_funding_us)
    );

    let frame = load("ws_candlestick.json");
    let WsMessage::Candlestick(candle) = decoded(Endpoint::Public, &frame) else { panic!() };
    assert_eq!((candle.symbol, candle.resolution, candle.candle_start_us), ("BTCUSD", "1m", None));
    assert_eq!(
        (candle.open, candle.high, candle.low, candle.close),
        (dec("68430"), dec("68461"), dec("68425.5"), dec("68452.5"))
    );
    assert_eq!(candle.volume, Some(dec("11004")));
    let frame = load("ws_candlestick_legacy.json");
    let WsMessage::LegacyCandlestick(old) = decoded(Endpoint::Private, &frame) else { panic!() };
    assert_eq!((old.open, old.close, old.volume), (candle.open, candle.close, candle.volume));
    assert_eq!((old.candle_start_us, old.last_updated_us), (Some(1_779_962_400_000_000), Some(1_779_962_402_010_012)));
}

#[test]
fn status_channels() {
    let frame = load("ws_system_status.json");
    let WsMessage::SystemStatus(status) = decoded(Endpoint::Public, &frame) else { panic!() };
    assert_eq!((status.status, status.event), (SystemState::Live, Some("maintenance_scheduled")));
    assert_eq!(status.maintenance_finish_us, Some(1_780_050_600_000_000));
    let frame = load("ws_product_updates.json");
    let WsMessage::ProductUpdate(update) = decoded(Endpoint::Private, &frame) else { panic!() };
    assert_eq!((update.product_id, update.symbol), (27, "BTCUSD"));
    assert_eq!(update.trading_status, TradingStatus::DisruptedCancelOnly);
    let frame = load("ws_announcements.json");
    let WsMessage::Announcement(note) = decoded(Endpoint::Private, &frame) else { panic!() };
    assert_eq!((note.event, note.maintenance_start_us), ("maintenance_scheduled", Some(1_780_048_800_000_000)));
}

#[test]
fn control_replies() {
    let frame = load("ws_subscriptions_error.json");
    let WsMessage::Subscriptions(subs) = decoded(Endpoint::Private, &frame) else { panic!() };
    assert_eq!((subs.channels[0].name, subs.channels[0].symbols.as_slice()), ("l2_updates", ["BTCUSD"].as_slice()));
    assert_eq!(subs.channels[1].name, "orders");
    assert!(subs.channels[1].error.as_deref().unwrap().contains("Unauthorized user"));
    let frame = load("ws_subscriptions_response.json");
    let WsMessage::Subscriptions(subs) = decoded(Endpoint::Public, &frame) else { panic!() };
    assert_eq!(subs.channels[1].symbols, ["BTCUSD", "ETHUSD"]);
    assert!(subs.channels.iter().all(|c| c.error.is_none()));

    assert_eq!(decoded(Endpoint::Public, &load("ws_heartbeat.json")), WsMessage::Heartbeat);
    assert_eq!(decoded(Endpoint::Private, &load("ws_pong.json")), WsMessage::Pong);
    let frame = load("ws_auth_legacy_success.json");
    assert_eq!(decoded(Endpoint::Private, &frame), WsMessage::LegacyAuthSuccess(Some("Authenticated")));

    let frame = load("ws_key_auth_success.json");
    let WsMessage::KeyAuth(ok) = decoded(Endpoint::Private, &frame) else { panic!() };
    assert_eq!((ok.success, ok.status_code, ok.status, ok.message), (true, Some(200), Some("authenticated"), None));
    for (name, code, status) in [
        ("ws_key_auth_error_api_key_not_found.json", 404, "api_key_not_found"),
        ("ws_key_auth_error_expired.json", 408, "request_expired"),
        ("ws_key_auth_error_incomplete.json", 400, "incomplete_payload"),
        ("ws_key_auth_error_invalid_signature.json", 401, "invalid_signature"),
        ("ws_key_auth_error_ip.json", 401, "ip_not_whitelisted"),
    ] {
        let frame = load(name);
        let WsMessage::KeyAuth(reply) = decoded(Endpoint::Private, &frame) else { panic!("{name}") };
        assert_eq!((reply.success, reply.status_code, reply.status), (false, Some(code), Some(status)), "{name}");
        assert!(reply.message.is_some(), "{name}");
    }
}

/// REFERENCE 12: order 884213557 (10 @ 68000) fills 6 as maker; position 15 @ 68402.5 becomes 21 @ 68287.5.
#[test]
fn private_fixtures_are_consistent() {
    let frame = load("ws_orders_snapshot.json");
    let WsMessage::OrdersSnapshot(snapshot) = decoded(Endpoint::Private, &frame) else { panic!() };
    assert_eq!((snapshot.symbol, snapshot.seq_no), (Some("BTCUSD"), Some(7)));
    let open = &snapshot.orders[0];
    assert_eq!((open.id, open.size, open.unfilled_size, open.side), (884_213_557, 10, 10, Side::Buy));
    assert_eq!(open.limit_price, Some(dec("68000")));

    let frame = load("ws_orders.json");
    let WsMessage::OrderUpdate(fill) = decoded(Endpoint::Private, &frame) else { panic!() };
    assert_eq!((fill.action, fill.reason, fill.order_id), (EventAction::Update, Some("fill"), open.id));
    assert_eq!((fill.size, fill.unfilled_size, fill.state, fill.seq_no), (10, 4, OrderState::Open, 8));
    assert_eq!((fill.average_fill_price, fill.client_order_id), (Some(dec("68000")), Some("strat1-000042")));

    let frame = load("ws_orders_create.json");
    let WsMessage::OrderUpdate(create) = decoded(Endpoint::Private, &frame) else { panic!() };
    assert_eq!(
        (create.action, create.side, create.seq_no, create.average_fill_price),
        (EventAction::Create, Side::Sell, 9, None)
    );
    let frame = load("ws_orders_cancel.json");
    let WsMessage::OrderUpdate(cancel) = decoded(Endpoint::Private, &frame) else { panic!() };
    assert_eq!((cancel.action, cancel.state, cancel.seq_no), (EventAction::Delete, OrderState::Cancelled, 10));
    assert_eq!((cancel.order_id, cancel.cancellation_reason), (create.order_id, Some("cancelled_by_user")));

    let frame = load("ws_user_trades.json");
    let WsMessage::UserTrade(user) = decoded(Endpoint::Private, &frame) else { panic!() };
    let frame = load("ws_v2_user_trades.json");
    let WsMessage::V2UserTrade(v2) = decoded(Endpoint::Private, &frame) else { panic!() };
    assert_eq!((user.fill_id, v2.fill_id), ("0b7f3e4a9c1d4e2f8a6b5c4d3e2f1a0b", "0b7f3e4a9c1d4e2f8a6b5c4d3e2f1a0b"));
    assert_eq!((user.order_id, v2.order_id), ("884213557", "884213557"));
    assert_eq!((user.size, v2.size), (6, 6));
    assert_eq!(fill.size - fill.unfilled_size, v2.size);
    assert_eq!((user.price, v2.price), (dec("68000"), dec("68000")));
    assert_eq!((user.role, v2.role, v2.side), (LiquidityRole::Maker, LiquidityRole::Maker, Side::Buy));
    assert_eq!((user.reason.clone(), v2.reason.clone()), (Some(FillType::Normal), Some(FillType::Normal)));
    assert_eq!((user.timestamp_us, v2.fill_time_us), (1_779_962_407_112_120, 1_779_962_407_112_120));
    assert_eq!((v2.client_order_id, v2.sequence, user.seq_no), (Some("strat1-000042"), 4, Some(3)));

    let frame = load("ws_positions_snapshot.json");
    let WsMessage::PositionsSnapshot(positions) = decoded(Endpoint::Private, &frame) else { panic!() };
    let before = &positions.positions[0];
    assert_eq!((before.size, before.entry_price), (15, Some(dec("68402.5"))));
    let frame = load("ws_positions.json");
    let WsMessage::PositionUpdate(after) = decoded(Endpoint::Private, &frame) else { panic!() };
    assert_eq!((after.action, after.size), (EventAction::Update, 21));
    assert_eq!(v2.position_size, Some(after.size));
    assert_eq!(before.size + v2.size as i64, after.size);
    // entry = (15 × 68402.5 + 6 × 68000) / 21
    let notional = dec("68402.5").checked_mul(&dec("15")).unwrap().checked_add(&dec("408000")).unwrap();
    assert_eq!(notional.checked_div(&dec("21"), 1), after.entry_price);
}

#[test]
fn margin_channels() {
    let frame = load("ws_margins.json");
    let WsMessage::Margins(margins) = decoded(Endpoint::Private, &frame) else { panic!() };
    assert_eq!((margins.balance.asset_symbol.as_str(), margins.balance.balance), ("USD", dec("1000")));
    assert_eq!(margins.balance.position_margin, Some(dec("7.17019")));
    assert_eq!((margins.user_id, margins.timestamp_us), (Some(52_011_377), Some(1_779_962_407_113_901)));
    let frame = load("ws_portfolio_margins.json");
    let WsMessage::PortfolioMargins(pm) = decoded(Endpoint::Private, &frame) else { panic!() };
    assert_eq!((pm.index_symbol, pm.liquidation_risk, pm.margin_floor), (".DEXBTUSD", Some(false), Some(dec("60"))));
    assert!(pm.risk_matrix.unwrap().contains("price_shock"));
    let frame = load("ws_mmp_trigger.json");
    let WsMessage::MmpTrigger(mmp) = decoded(Endpoint::Private, &frame) else { panic!() };
    assert_eq!((mmp.user_id, mmp.asset, mmp.frozen_till_us), (52_011_377, "BTC", 1_779_962_438_751_430));
    // Tolerated with a `type` too; never routed on the public socket.
    let typed = br#"{"type":"mmp_trigger","user_id":1,"asset":"ETH","frozen_till":-1}"#;
    assert!(matches!(decoded(Endpoint::Private, typed), WsMessage::MmpTrigger(m) if m.frozen_till_us == -1));
    assert!(decode(Endpoint::Public, &frame).is_err());
}

#[test]
fn compact_frames_on_the_private_endpoint_are_typed_errors() {
    for (name, missing) in [
        ("ws_mark_price.json", "symbol"),
        ("ws_spot_price.json", "symbol"),
        ("ws_funding_rate.json", "symbol"),
        ("ws_candlestick.json", "symbol"),
    ] {
        let error = decode(Endpoint::Private, &load(name)).unwrap_err();
        assert_eq!(error.kind, ParseErrorKind::MissingField(missing.into()), "{name}");
        assert!(error.channel.unwrap().ends_with("(legacy)"), "{name}");
        let text = error.to_string();
        assert!(text.contains("(legacy)") && text.contains("MARK:BTCUSD") == name.contains("mark"), "{text}");
    }
    for (name, missing) in [("ws_mark_price_legacy.json", "sy"), ("ws_funding_rate_legacy.json", "sy")] {
        let error = decode(Endpoint::Public, &load(name)).unwrap_err();
        assert_eq!(error.kind, ParseErrorKind::MissingField(missing.into()), "{name}");
    }
    let error = decode(Endpoint::Private, &load("ws_ob_updates_update.json")).unwrap_err();
    assert_eq!((error.kind, error.channel), (ParseErrorKind::UnknownChannel("ob_updates".into()), None));
    let error = decode(Endpoint::Public, &load("ws_orders.json")).unwrap_err();
    assert_eq!(error.kind, ParseErrorKind::UnknownChannel("orders".into()));
}

#[test]
fn requests_serialize_to_the_fixtures() {
    let load_json = |name: &str| json(&String::from_utf8(load(name)).unwrap());
    let subscribe = request::subscribe(&[
        ChannelRequest::new("v2/ticker", &["BTCUSD", "ETHUSD"]),
        ChannelRequest::new("l2_updates", &["BTCUSD"]),
        ChannelRequest::new("funding_rate", &["all"]),
    ]);
    assert_eq!(json(&subscribe), load_json("ws_subscribe_request.json"));
    assert!(subscribe.starts_with(r#"{"type":"subscribe","payload":{"channels":[{"name":"v2/ticker","symbols":["#));
    let unsubscribe =
        request::unsubscribe(&[ChannelRequest::new("v2/ticker", &["ETHUSD"]), ChannelRequest::whole("l2_updates")]);
    assert_eq!(json(&unsubscribe), load_json("ws_unsubscribe_request.json"));
    let (key, signature, timestamp) = (
        "a207900b7693435a8fa9230a38195d",
        "66aaeff99efb95644d742cde2f9a29e4a32b0142427d8ddd141bf7aa6bf8cd40",
        "1779962400",
    );
    let key_auth = request::key_auth(key, signature, timestamp);
    assert_eq!(json(&key_auth), load_json("ws_key_auth_request.json"));
    // The retired `auth` method had the same payload under `"type": "auth"`; no builder is provided.
    let legacy = key_auth.replacen("\"key-auth\"", "\"auth\"", 1);
    assert_eq!(json(&legacy), load_json("ws_auth_legacy_request.json"));
    assert_eq!(json(&request::unauth()), load_json("ws_unauth_request.json"));
    assert_eq!(json(&request::enable_heartbeat()), load_json("ws_enable_heartbeat.json"));
    assert_eq!(json(&request::disable_heartbeat()), load_json("ws_disable_heartbeat.json"));
    assert_eq!(json(&request::ping()), load_json("ws_ping.json"));
}

#[test]
fn number_forms_missing_fields_and_unknown_values() {
    // Float and string sizes, string timestamps, extra fields.
    let frame = br#"{"extra":{"x":[1]},"p":68453.5,"r":"m","s":"0.092","sy":"BTC_USDT","t":"1779962402331207","type":"trades"}"#;
    let WsMessage::Trade(trade) = decoded(Endpoint::Public, frame) else { panic!() };
    assert_eq!((trade.price, trade.size, trade.trade_time_us), (dec("68453.5"), dec("0.092"), 1_779_962_402_331_207));
    assert_eq!((trade.aggressor_side(), trade.timestamp_us), (Side::Sell, None));
    // String integers in a book update.
    let frame = br#"{"type":"ob_updates","action":"update","sy":"X","seq":"5","cs":"7","a":[],"b":[["1","2"]]}"#;
    let WsMessage::ObUpdates(book) = decoded(Endpoint::Public, frame) else { panic!() };
    assert_eq!((book.seq, book.checksum, book.asks.len()), (Some(5), Some(7), 0));

    let cases: &[(&[u8], ParseErrorKind)] = &[
        (br#"{"type":"trades","p":"1","s":1,"sy":"X","t":1}"#, ParseErrorKind::MissingField("r".into())),
        (
            br#"{"type":"trades","p":"1","s":1,"sy":"X","t":1,"r":"x"}"#,
            ParseErrorKind::UnknownEnumValue { field: "r", value: "x".into() },
        ),
        (
            br#"{"type":"trades","p":"1..","s":1,"sy":"X","t":1,"r":"t"}"#,
            ParseErrorKind::InvalidNumber { field: "p", value: "\"1..\"".into() },
        ),
        (
            br#"{"type":"ob_updates","action":"replace","sy":"X","seq":1,"a":[],"b":[]}"#,
            ParseErrorKind::UnknownEnumValue { field: "action", value: "replace".into() },
        ),
        (
            br#"{"type":"ob_updates","action":"update","sy":"X","a":[],"b":[]}"#,
            ParseErrorKind::MissingField("seq".into()),
        ),
        (
            br#"{"type":"ob_updates","action":"update","sy":"X","seq":1.5,"a":[],"b":[]}"#,
            ParseErrorKind::InvalidNumber { field: "seq", value: "1.5".into() },
        ),
        (br#"{"type":"nope"}"#, ParseErrorKind::UnknownChannel("nope".into())),
        (br#"{"p":"1"}"#, ParseErrorKind::MissingField("type".into())),
    ];
    for (frame, kind) in cases {
        let error = decode(Endpoint::Public, frame).unwrap_err();
        assert_eq!(&error.kind, kind, "{}", String::from_utf8_lossy(frame));
    }
    let mut order = String::from_utf8(load("ws_orders.json")).unwrap();
    order = order.replace("\"side\": \"buy\"", "\"side\": \"short\"");
    let error = decode(Endpoint::Private, order.as_bytes()).unwrap_err();
    assert_eq!(error.kind, ParseErrorKind::UnknownEnumValue { field: "side", value: "short".into() });
    assert_eq!(error.channel, Some("orders"));
    let state = String::from_utf8(load("ws_orders.json")).unwrap().replace("\"open\"", "\"parked\"");
    assert!(matches!(
        decode(Endpoint::Private, state.as_bytes()).unwrap_err().kind,
        ParseErrorKind::UnknownEnumValue { field: "state", .. }
    ));
    for bad in [&b"not json"[..], b"[1,2]", b"{\"type\":", b"", b"{\"type\":1}"] {
        assert!(matches!(decode(Endpoint::Public, bad).unwrap_err().kind, ParseErrorKind::Malformed(_)));
    }
    let long = format!("{{\"type\":\"nope\",\"pad\":\"{}\"}}", "x".repeat(500));
    assert_eq!(decode(Endpoint::Public, long.as_bytes()).unwrap_err().excerpt.chars().count(), 200);
}
