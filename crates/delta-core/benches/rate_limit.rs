//! Rate limiter hot path: `try_acquire` on a limiter whose quota never runs out, with and without a product.

use std::hint::black_box;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion};
use delta_core::http::rate_limit::{RateLimitConfig, RateLimiter};

fn try_acquire(c: &mut Criterion) {
    // One unit refills every nanosecond, far faster than a call: the limiter always admits.
    let config = RateLimitConfig {
        product_ops_per_second: u32::MAX,
        product_burst: u32::MAX / 2,
        ..RateLimitConfig::with_quota(u32::MAX, Duration::from_secs(1))
    };
    let limiter = RateLimiter::new(config);
    assert_eq!(limiter.try_acquire(1, None), Ok(()));
    assert_eq!(limiter.try_acquire(1, Some((27, 1))), Ok(()));
    c.bench_function("rate_limit_try_acquire_weight_1", |b| {
        b.iter(|| limiter.try_acquire(black_box(1), black_box(None)))
    });
    c.bench_function("rate_limit_try_acquire_with_product", |b| {
        b.iter(|| limiter.try_acquire(black_box(5), black_box(Some((27, 1)))))
    });
}

criterion_group!(benches, try_acquire);
criterion_main!(benches);
