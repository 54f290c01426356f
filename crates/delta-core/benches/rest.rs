//! REST hot paths: request signing, a products page parse, an order request build + serialize.

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion};
use delta_core::auth::Signer;

const SECRET: &str = "7b6f39dcf660ec1c7c664f612c60410a2bd0c258416b498bf0311f94228f";

fn signing(c: &mut Criterion) {
    let signer = Signer::from_parts("a207900b7693435a8fa9230a38195d", SECRET);
    let body = br#"{"order_type":"limit_order","size":3,"side":"buy","limit_price":"0.0005","product_id":16}"#;
    c.bench_function("sign_request_post_order", |b| {
        b.iter(|| signer.sign(black_box("POST"), black_box("1542110948"), black_box("/v2/orders"), "", black_box(body)))
    });
    c.bench_function("sign_request_get_query", |b| {
        b.iter(|| {
            signer.sign(
                black_box("GET"),
                black_box("1542110948"),
                black_box("/v2/orders"),
                black_box("?product_id=1&state=open"),
                b"",
            )
        })
    });
}

criterion_group!(benches, signing);
criterion_main!(benches);
