//! Behaviour of the risk engine, one rule at a time: passes at the limit, fails just beyond it.

use super::*;
use crate::decimal::Decimal;
use crate::model::Side;

const SECOND: u64 = 1_000_000_000;
const DAY: u64 = 86_400 * SECOND;
/// 2026-11-24T10:00:00Z in ns.
const NOW: u64 = 1_795_514_400 * SECOND;

fn dec(text: &str) -> Decimal {
    Decimal::parse(text).unwrap()
}

fn engine(limits: RiskLimits) -> RiskEngine {
    let mut engine = RiskEngine::new(limits);
    engine.set_instrument("BTCUSD", dec("0.001"), false, "BTC", &RiskLimits::default()).unwrap();
    engine
}

fn limit(side: Side, size: u64, price: &str) -> OrderIntent<'static> {
    OrderIntent { symbol: "BTCUSD", side, size, price: Some(dec(price)), reduce_only: false, mmp: false }
}

fn market(side: Side, size: u64) -> OrderIntent<'static> {
    OrderIntent { price: None, ..limit(side, size, "0") }
}

fn rule_of(result: RiskResult) -> &'static str {
    result.err().map(|rejection| rejection.rule()).unwrap_or("accepted")
}

#[test]
fn max_order_size_passes_at_the_limit_and_names_the_numbers_beyond_it() {
    let mut engine = engine(RiskLimits { max_order_size: Some(100), ..RiskLimits::default() });
    assert_eq!(engine.check(&limit(Side::Buy, 100, "50000"), NOW), Ok(()));
    let rejection = engine.check(&limit(Side::Buy, 101, "50000"), NOW).unwrap_err();
    assert_eq!(rejection.rule(), "max_order_size");
    assert_eq!(rejection.to_string(), "max_order_size: order size 101 contracts exceeds the limit of 100");
}

#[test]
fn vanilla_notional_is_size_times_contract_value_times_price() {
    let mut engine = engine(RiskLimits { max_order_notional: Some(dec("500")), ..RiskLimits::default() });
    assert_eq!(engine.check(&limit(Side::Buy, 10, "50000"), NOW), Ok(()));
    let rejection = engine.check(&limit(Side::Sell, 11, "50000"), NOW).unwrap_err();
    assert_eq!(
        rejection.to_string(),
        "max_order_notional: order notional 550 on BTCUSD (11 contracts * 0.001 * 50000) exceeds the limit of 500"
    );
}

#[test]
fn inverse_notional_is_size_times_contract_value_over_price() {
    let mut engine = RiskEngine::new(RiskLimits { max_order_notional: Some(dec("0.001")), ..RiskLimits::default() });
    engine.set_instrument("BTCUSD", dec("1"), true, "BTC", &RiskLimits::default()).unwrap();
    assert_eq!(engine.check(&limit(Side::Buy, 50, "50000"), NOW), Ok(()));
    let rejection = engine.check(&limit(Side::Buy, 51, "50000"), NOW).unwrap_err();
    assert_eq!(
        rejection.to_string(),
        "max_order_notional: order notional 0.00102 on BTCUSD (51 contracts * 1 / 50000) exceeds the limit of 0.001"
    );
}

#[test]
fn a_market_order_is_valued_at_the_mark_and_refused_without_one() {
    let mut engine = engine(RiskLimits { max_order_notional: Some(dec("500")), ..RiskLimits::default() });
    let rejection = engine.check(&market(Side::Buy, 1), NOW).unwrap_err();
    assert_eq!(rejection.rule(), "max_order_notional");
    assert_eq!(rejection.to_string(), "max_order_notional: no mark price known for BTCUSD yet");
    engine.set_mark("BTCUSD", dec("50000"));
    assert_eq!(engine.check(&market(Side::Buy, 10), NOW), Ok(()));
    let rejection = engine.check(&market(Side::Buy, 11), NOW).unwrap_err();
    assert_eq!(
        rejection.to_string(),
        "max_order_notional: order notional 550 on BTCUSD (11 contracts * 0.001 * mark 50000) exceeds the limit of 500"
    );
}

#[test]
fn price_band_is_a_percentage_of_the_mark_on_both_sides() {
    let mut engine = engine(RiskLimits { price_band_pct: Some(dec("2")), ..RiskLimits::default() });
    assert_eq!(
        engine.check(&limit(Side::Buy, 1, "51000"), NOW).unwrap_err().to_string(),
        "price_band: no mark price known for BTCUSD yet"
    );
    engine.set_mark("BTCUSD", dec("50000"));
    assert_eq!(engine.check(&limit(Side::Buy, 1, "51000"), NOW), Ok(()));
    assert_eq!(engine.check(&limit(Side::Sell, 1, "49000.0"), NOW), Ok(()));
    assert_eq!(engine.check(&market(Side::Sell, 1), NOW), Ok(()));
    let rejection = engine.check(&limit(Side::Buy, 1, "51000.5"), NOW).unwrap_err();
    assert_eq!(rejection.rule(), "price_band");
    assert_eq!(
        rejection.to_string(),
        "price_band: price 51000.5 is 1000.5 from the BTCUSD mark 50000, outside the band of 2% (at most 1000 away)"
    );
    assert_eq!(rule_of(engine.check(&limit(Side::Sell, 1, "48999.9"), NOW)), "price_band");
}

#[test]
fn max_open_orders_counts_the_account_and_an_instruments_own_limit_its_orders() {
    let mut engine = engine(RiskLimits { max_open_orders: Some(3), ..RiskLimits::default() });
    let overrides = RiskLimits { max_open_orders: Some(1), ..RiskLimits::default() };
    engine.set_instrument("ETHUSD", dec("0.01"), false, "ETH", &overrides).unwrap();
    engine.order_opened("a", "BTCUSD", Side::Buy, 1);
    engine.order_opened("b", "BTCUSD", Side::Sell, 1);
    assert_eq!(engine.check(&limit(Side::Buy, 1, "50000"), NOW), Ok(()));
    let eth = OrderIntent { symbol: "ETHUSD", ..limit(Side::Buy, 1, "3000") };
    assert_eq!(engine.check(&eth, NOW), Ok(()));
    engine.order_opened("c", "ETHUSD", Side::Buy, 1);
    assert_eq!(
        engine.check(&limit(Side::Buy, 1, "50000"), NOW).unwrap_err().to_string(),
        "max_open_orders: 3 open orders in the account plus this one exceed the limit of 3"
    );
    engine.order_closed("a");
    assert_eq!(
        engine.check(&eth, NOW).unwrap_err().to_string(),
        "max_open_orders: 1 open orders on ETHUSD plus this one exceed the limit of 1"
    );
    assert_eq!(engine.check(&limit(Side::Buy, 1, "50000"), NOW), Ok(()));
}

#[test]
fn max_position_is_the_worst_case_after_the_same_side_fills() {
    let mut engine = engine(RiskLimits { max_position: Some(10), ..RiskLimits::default() });
    engine.set_position("BTCUSD", 5);
    engine.order_opened("open-buy", "BTCUSD", Side::Buy, 3);
    engine.order_opened("open-sell", "BTCUSD", Side::Sell, 4);
    assert_eq!(engine.check(&limit(Side::Buy, 2, "50000"), NOW), Ok(()));
    assert_eq!(
        engine.check(&limit(Side::Buy, 3, "50000"), NOW).unwrap_err().to_string(),
        "max_position: BTCUSD position after fills would be 11 contracts (position 5, open buys 3, this buy 3); \
         |11| exceeds the limit of 10"
    );
    // 5 - 4 - 11 = -10: at the limit on the short side; one more is beyond it.
    assert_eq!(engine.check(&limit(Side::Sell, 11, "50000"), NOW), Ok(()));
    assert_eq!(rule_of(engine.check(&limit(Side::Sell, 12, "50000"), NOW)), "max_position");
}

#[test]
fn reducing_orders_never_fail_max_position() {
    let mut engine = engine(RiskLimits { max_position: Some(10), ..RiskLimits::default() });
    engine.set_position("BTCUSD", 20);
    assert_eq!(engine.check(&limit(Side::Sell, 20, "50000"), NOW), Ok(()));
    assert_eq!(rule_of(engine.check(&limit(Side::Buy, 1, "50000"), NOW)), "max_position");
    // A sell larger than the position flips it: not reducing, so the worst case is checked (20 - 31 = -11).
    assert_eq!(rule_of(engine.check(&limit(Side::Sell, 31, "50000"), NOW)), "max_position");
    let reduce_only = OrderIntent { reduce_only: true, ..limit(Side::Buy, 1, "50000") };
    assert_eq!(engine.check(&reduce_only, NOW), Ok(()));
}

#[test]
fn an_instrument_override_beats_the_account_default() {
    let mut engine = engine(RiskLimits { max_order_size: Some(100), max_position: Some(5), ..RiskLimits::default() });
    let overrides = RiskLimits { max_order_size: Some(250), ..RiskLimits::default() };
    engine.set_instrument("ETHUSD", dec("0.01"), false, "ETH", &overrides).unwrap();
    let eth = |size| OrderIntent { symbol: "ETHUSD", reduce_only: true, ..limit(Side::Buy, size, "3000") };
    assert_eq!(engine.check(&eth(250), NOW), Ok(()));
    assert_eq!(rule_of(engine.check(&eth(251), NOW)), "max_order_size");
    assert_eq!(rule_of(engine.check(&limit(Side::Buy, 101, "50000"), NOW)), "max_order_size");
    // Unset overrides keep the account default.
    let eth_open = OrderIntent { symbol: "ETHUSD", ..limit(Side::Buy, 6, "3000") };
    assert_eq!(rule_of(engine.check(&eth_open, NOW)), "max_position");
}

#[test]
fn account_only_limits_cannot_be_overridden_per_instrument() {
    let mut engine = engine(RiskLimits::default());
    let overrides = RiskLimits { daily_loss_limit: Some(dec("1")), ..RiskLimits::default() };
    let error = engine.set_instrument("ETHUSD", dec("0.01"), false, "ETH", &overrides).unwrap_err();
    assert!(error.to_string().contains("daily_loss_limit cannot be set per instrument (ETHUSD)"), "{error}");
}

#[test]
fn daily_loss_starts_reduce_only_mode_until_the_next_utc_day() {
    let mut engine = engine(RiskLimits { daily_loss_limit: Some(dec("1000")), ..RiskLimits::default() });
    engine.set_position("BTCUSD", 4);
    assert!(!engine.set_equity(dec("10000"), NOW));
    assert!(!engine.set_equity(dec("9000.01"), NOW + SECOND));
    assert!(!engine.reduce_only_mode());
    assert_eq!(engine.check(&limit(Side::Buy, 1, "50000"), NOW + SECOND), Ok(()));
    assert!(engine.set_equity(dec("9000"), NOW + 2 * SECOND));
    assert!(!engine.set_equity(dec("8000"), NOW + 3 * SECOND));
    assert!(engine.reduce_only_mode());
    let rejection = engine.check(&limit(Side::Buy, 1, "50000"), NOW + 3 * SECOND).unwrap_err();
    assert_eq!(
        rejection.to_string(),
        "daily_loss: loss 1000 since the UTC day start (equity 10000 at the start, 9000 at the breach) reached the limit of 1000; only \
         orders that reduce the position pass until the next UTC day"
    );
    assert_eq!(rule_of(engine.check(&limit(Side::Sell, 5, "50000"), NOW + 3 * SECOND)), "daily_loss");
    assert_eq!(engine.check(&limit(Side::Sell, 4, "50000"), NOW + 3 * SECOND), Ok(()));
    let reduce_only = OrderIntent { reduce_only: true, ..limit(Side::Buy, 1, "50000") };
    assert_eq!(engine.check(&reduce_only, NOW + 3 * SECOND), Ok(()));
    // Midnight UTC ends it; the day's first equity is the new baseline.
    let midnight = (NOW / DAY + 1) * DAY;
    assert_eq!(rule_of(engine.check(&limit(Side::Buy, 1, "50000"), midnight - 1)), "daily_loss");
    assert_eq!(engine.check(&limit(Side::Buy, 1, "50000"), midnight), Ok(()));
    assert!(!engine.reduce_only_mode());
    assert!(!engine.set_equity(dec("8000"), midnight + 1));
    assert!(engine.set_equity(dec("7000"), midnight + 2));
}

#[test]
fn the_order_rate_window_slides_and_counts_accepted_orders_only() {
    let mut engine =
        engine(RiskLimits { max_orders_per_second: Some(3), max_order_size: Some(10), ..RiskLimits::default() });
    for offset in 0..3 {
        assert_eq!(engine.check(&limit(Side::Buy, 1, "50000"), NOW + offset * 100_000_000), Ok(()));
    }
    assert_eq!(rule_of(engine.check(&limit(Side::Buy, 11, "50000"), NOW + 300_000_000)), "max_order_size");
    let rejection = engine.check(&limit(Side::Buy, 1, "50000"), NOW + 999_999_999).unwrap_err();
    assert_eq!(
        rejection.to_string(),
        "order_rate: 3 orders accepted in the account in the last second plus this one exceed the limit of 3 per second"
    );
    // The first order leaves the window one second after it was accepted.
    assert_eq!(engine.check(&limit(Side::Buy, 1, "50000"), NOW + SECOND), Ok(()));
    assert_eq!(rule_of(engine.check(&limit(Side::Buy, 1, "50000"), NOW + SECOND + 1)), "order_rate");
    assert_eq!(engine.check(&limit(Side::Buy, 1, "50000"), NOW + SECOND + 100_000_000), Ok(()));
}

#[test]
fn an_instruments_own_order_rate_counts_only_its_orders() {
    let mut engine = engine(RiskLimits::default());
    let overrides = RiskLimits { max_orders_per_second: Some(1), ..RiskLimits::default() };
    engine.set_instrument("ETHUSD", dec("0.01"), false, "ETH", &overrides).unwrap();
    let eth = OrderIntent { symbol: "ETHUSD", ..limit(Side::Buy, 1, "3000") };
    assert_eq!(engine.check(&eth, NOW), Ok(()));
    assert_eq!(engine.check(&limit(Side::Buy, 1, "50000"), NOW), Ok(()));
    assert_eq!(
        engine.check(&eth, NOW + 1).unwrap_err().to_string(),
        "order_rate: 1 orders accepted on ETHUSD in the last second plus this one exceed the limit of 1 per second"
    );
}

#[test]
fn mmp_quotes_fail_while_their_underlying_is_frozen() {
    let mut engine = engine(RiskLimits::default());
    engine.set_instrument("ETHUSD", dec("0.01"), false, "ETH", &RiskLimits::default()).unwrap();
    let quote = OrderIntent { mmp: true, ..limit(Side::Buy, 1, "50000") };
    engine.freeze_mmp("BTC", Some(NOW + 5 * SECOND));
    assert_eq!(engine.mmp_frozen_until("BTC", NOW), Some(MmpFreeze::Until(NOW + 5 * SECOND)));
    assert_eq!(
        engine.check(&quote, NOW).unwrap_err().to_string(),
        format!("mmp_frozen: MMP quotes on BTC are frozen until 2026-11-24T10:00:05Z ({} ns)", NOW + 5 * SECOND)
    );
    assert_eq!(engine.check(&limit(Side::Buy, 1, "50000"), NOW), Ok(()));
    assert_eq!(engine.check(&OrderIntent { symbol: "ETHUSD", ..quote }, NOW), Ok(()));
    assert_eq!(engine.check(&quote, NOW + 5 * SECOND), Ok(()));
    assert_eq!(engine.mmp_frozen_until("BTC", NOW + 5 * SECOND), None);

    engine.freeze_mmp("BTC", None);
    assert_eq!(engine.mmp_frozen_until("BTC", NOW + DAY), Some(MmpFreeze::UntilThawed));
    assert_eq!(
        engine.check(&quote, NOW + DAY).unwrap_err().to_string(),
        "mmp_frozen: MMP quotes on BTC are frozen until the protection is reset"
    );
    engine.thaw_mmp("BTC");
    assert_eq!(engine.mmp_frozen_until("BTC", NOW + DAY), None);
    assert_eq!(engine.check(&quote, NOW + DAY), Ok(()));
}

#[test]
fn opening_and_closing_orders_is_idempotent_per_key() {
    let mut engine = engine(RiskLimits { max_open_orders: Some(2), max_position: Some(10), ..RiskLimits::default() });
    engine.order_opened("a", "BTCUSD", Side::Buy, 6);
    engine.order_opened("a", "BTCUSD", Side::Buy, 6);
    assert_eq!(engine.check(&limit(Side::Buy, 4, "50000"), NOW), Ok(()));
    // Re-reporting the key with a smaller open size (a partial fill) replaces it.
    engine.order_opened("a", "BTCUSD", Side::Buy, 2);
    assert_eq!(engine.check(&limit(Side::Buy, 8, "50000"), NOW), Ok(()));
    assert_eq!(rule_of(engine.check(&limit(Side::Buy, 9, "50000"), NOW)), "max_position");
    engine.order_opened("b", "BTCUSD", Side::Sell, 1);
    assert_eq!(rule_of(engine.check(&limit(Side::Buy, 1, "50000"), NOW)), "max_open_orders");
    engine.order_closed("b");
    engine.order_closed("b");
    engine.order_closed("never-opened");
    assert_eq!(engine.check(&limit(Side::Buy, 8, "50000"), NOW), Ok(()));
    engine.order_closed("a");
    assert_eq!(engine.check(&limit(Side::Buy, 10, "50000"), NOW), Ok(()));
}

#[test]
fn unknown_symbols_are_refused_even_with_a_mark() {
    let mut engine = engine(RiskLimits::default());
    engine.set_mark("XRPUSD", dec("0.5"));
    for symbol in ["XRPUSD", "NOPE"] {
        let rejection = engine.check(&OrderIntent { symbol, ..limit(Side::Buy, 1, "1") }, NOW).unwrap_err();
        assert_eq!(rejection.rule(), "unknown_instrument");
        assert_eq!(rejection.to_string(), format!("unknown_instrument: {symbol} is not a registered instrument"));
    }
}

#[test]
fn a_zero_inverse_price_is_refused_not_let_through() {
    let mut engine = RiskEngine::new(RiskLimits { max_order_notional: Some(dec("1")), ..RiskLimits::default() });
    engine.set_instrument("BTCUSD", dec("1"), true, "BTC", &RiskLimits::default()).unwrap();
    let rejection = engine.check(&limit(Side::Buy, 1, "0"), NOW).unwrap_err();
    assert_eq!(rejection.rule(), "max_order_notional");
    assert_eq!(rejection.to_string(), "max_order_notional: cannot compute 1 contracts * 1 / 0 for BTCUSD exactly");
}

#[test]
fn stats_count_checks_and_rejections_per_rule() {
    let mut engine = engine(RiskLimits { max_order_size: Some(1), ..RiskLimits::default() });
    engine.check(&limit(Side::Buy, 1, "50000"), NOW).unwrap();
    engine.check(&limit(Side::Buy, 2, "50000"), NOW).unwrap_err();
    engine.check(&OrderIntent { symbol: "X", ..limit(Side::Buy, 1, "1") }, NOW).unwrap_err();
    let stats = engine.stats();
    assert_eq!(stats.checked, 3);
    assert_eq!(stats.rejected[Rule::MaxOrderSize.index()], 1);
    assert_eq!(stats.rejected[Rule::UnknownInstrument.index()], 1);
    assert_eq!(stats.rejected.iter().sum::<u64>(), 2);
    assert!(Rule::ALL.iter().enumerate().all(|(index, rule)| rule.index() == index));
}
