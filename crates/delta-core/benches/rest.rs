//! REST hot paths: request signing, a products page parse, an order request build + serialize.

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use delta_core::auth::Signer;
use delta_core::model::{CreateOrderRequest, Envelope, PageMeta, Product, Side};
use delta_core::Decimal;

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

fn products_page_parse(c: &mut Criterion) {
    let page = std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/../../fixtures/delta-api/rest_products.json"))
        .expect("fixture rest_products.json");
    let mut group = c.benchmark_group("products_page_parse");
    group.throughput(Throughput::Bytes(page.len() as u64));
    group.bench_function("rest_products_fixture", |b| {
        b.iter(|| {
            let envelope: Envelope<Vec<Product>, PageMeta> =
                serde_json::from_slice(black_box(&page)).expect("products page parses");
            envelope
        })
    });
    group.finish();
}

fn order_request_build_and_serialize(c: &mut Criterion) {
    let price = Decimal::parse("68000.5").expect("price");
    let mut body = Vec::with_capacity(256);
    c.bench_function("order_request_build_serialize_limit", |b| {
        b.iter(|| {
            body.clear();
            let request = CreateOrderRequest::limit(black_box(27), Side::Buy, black_box(10), black_box(price))
                .with_client_order_id(black_box("strat1-000042"));
            serde_json::to_writer(&mut body, &request).expect("serializes");
            black_box(&body);
        })
    });
}

criterion_group!(benches, signing, products_page_parse, order_request_build_and_serialize);
criterion_main!(benches);
