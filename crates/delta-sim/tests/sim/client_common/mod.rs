//! Shared helpers of the `client_*` tests: a sim on a free port and a `DeltaHttpClient` pointed at it.

#![allow(dead_code)]

use std::time::Duration;

use delta_core::config::Credentials;
use delta_core::http::{DeltaHttpClient, HttpClientConfig};
use delta_core::model::Side;
use delta_core::Decimal;
use delta_sim::{spawn, SimConfig, SimHandle};

/// Starts a sim with `config` on 127.0.0.1 and any free port.
pub async fn start(config: SimConfig) -> SimHandle {
    spawn(SimConfig { port: 0, ..config }).await.unwrap()
}

/// Client settings for `sim` with its default account's credentials and short retry delays (the
/// defaults wait 250 ms and more between retries, which only slows the tests down).
pub fn signed_config(sim: &SimHandle) -> HttpClientConfig {
    let credentials = Credentials::new(sim.api_key(), sim.api_secret()).unwrap();
    let mut config = HttpClientConfig::new(sim.rest_url()).with_credentials(Some(credentials));
    config.retry_base_delay = Duration::from_millis(5);
    config.retry_max_delay = Duration::from_millis(50);
    config
}

/// Like [`signed_config`] without credentials (public endpoints only).
pub fn public_config(sim: &SimHandle) -> HttpClientConfig {
    signed_config(sim).with_credentials(None)
}

/// A client built from `config`.
pub fn client(config: HttpClientConfig) -> DeltaHttpClient {
    DeltaHttpClient::new(config).unwrap()
}

/// A sim with the default configuration and a signed client for it.
pub async fn signed_sim() -> (SimHandle, DeltaHttpClient) {
    let sim = start(SimConfig::default()).await;
    let client = client(signed_config(&sim));
    (sim, client)
}

/// Parses a decimal literal.
pub fn d(text: &str) -> Decimal {
    text.parse().unwrap()
}

/// `a - b`.
pub fn sub(a: Decimal, b: Decimal) -> Decimal {
    a.checked_sub(&b).unwrap()
}

/// `a + b`.
pub fn add(a: Decimal, b: Decimal) -> Decimal {
    a.checked_add(&b).unwrap()
}

/// `a × b`.
pub fn mul(a: Decimal, b: Decimal) -> Decimal {
    a.checked_mul(&b).unwrap()
}

/// The best `(price, contracts)` of one side of `symbol`'s book, read through the client.
pub async fn best(client: &DeltaHttpClient, symbol: &str, side: Side) -> (Decimal, u64) {
    let book = client.orderbook(symbol, Some(1)).await.unwrap();
    let levels = if side == Side::Buy { &book.buy } else { &book.sell };
    let level = levels.first().unwrap();
    (level.price, level.size.0.to_i64_exact().unwrap().try_into().unwrap())
}
