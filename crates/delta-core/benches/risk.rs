//! Risk check hot path: a limit order checked with every rule on, accepted and refused.

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion};
use delta_core::model::Side;
use delta_core::risk::{OrderIntent, RiskEngine, RiskLimits};
use delta_core::Decimal;

const NOW: u64 = 1_795_514_400_000_000_000;

fn dec(text: &str) -> Decimal {
    Decimal::parse(text).unwrap()
}

/// An engine with every limit set, three instruments, a mark, a position and open orders on both sides.
fn engine() -> RiskEngine {
    let limits = RiskLimits {
        max_order_size: Some(1_000),
        max_order_notional: Some(dec("100000")),
        price_band_pct: Some(dec("5")),
        max_open_orders: Some(200),
        max_position: Some(5_000),
        daily_loss_limit: Some(dec("10000")),
        cancel_on_daily_loss: Some(true),
        max_orders_per_second: Some(100),
    };
    let mut engine = RiskEngine::new(limits);
    let overrides = RiskLimits { max_open_orders: Some(100), ..RiskLimits::default() };
    for (symbol, underlying) in [("BTCUSD", "BTC"), ("ETHUSD", "ETH"), ("SOLUSD", "SOL")] {
        engine.set_instrument(symbol, dec("0.001"), false, underlying, &overrides).unwrap();
    }
    engine.set_mark("BTCUSD", dec("68452.5"));
    engine.set_position("BTCUSD", 120);
    engine.order_opened("bid-1", "BTCUSD", Side::Buy, 10);
    engine.order_opened("ask-1", "BTCUSD", Side::Sell, 10);
    assert!(!engine.set_equity(dec("250000"), NOW));
    engine
}

fn check(c: &mut Criterion) {
    let mut engine = engine();
    let accepted = OrderIntent {
        symbol: "BTCUSD",
        side: Side::Buy,
        size: 25,
        price: Some(dec("68400.5")),
        reduce_only: false,
        mmp: true,
    };
    let refused = OrderIntent { price: Some(dec("75000")), ..accepted };
    assert_eq!(engine.check(&accepted, NOW), Ok(()));
    assert_eq!(engine.check(&refused, NOW).unwrap_err().rule(), "price_band");
    // The clock advances just over 10 ms per check: the rate window stays full at 99 of its 100 (one timestamp
    // in, one out per check, as at the limit live) and never refuses.
    let mut now = NOW;
    c.bench_function("risk_check_limit_all_rules_accept", |b| {
        b.iter(|| {
            now += 10_000_001;
            engine.check(black_box(&accepted), black_box(now))
        })
    });
    c.bench_function("risk_check_limit_price_band_reject", |b| {
        b.iter(|| engine.check(black_box(&refused), black_box(now)))
    });
}

criterion_group!(benches, check);
criterion_main!(benches);
