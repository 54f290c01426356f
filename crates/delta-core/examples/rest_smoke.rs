//! Smoke run of the REST client against any Delta deployment or a local delta-sim.
//!
//! ```text
//! cargo run -p delta-core --example rest_smoke -- http://127.0.0.1:PORT [SYMBOL]
//! ```
//!
//! Public calls always run; with `DELTA_API_KEY`/`DELTA_API_SECRET` set, a few private reads follow.

use delta_core::http::{DeltaHttpClient, HttpClientConfig, OpenOrdersQuery, PageRequest, ProductsQuery};
use delta_core::{Credentials, DeltaResult, Environment};

#[tokio::main]
async fn main() -> DeltaResult<()> {
    let mut args = std::env::args().skip(1);
    let url = args.next().unwrap_or_else(|| "http://127.0.0.1:8080".to_owned());
    let symbol = args.next().unwrap_or_else(|| "BTCUSD".to_owned());
    let credentials = Credentials::resolve(Environment::Local, None, None)?;
    let client = DeltaHttpClient::new(HttpClientConfig::new(url).with_credentials(credentials))?;

    let settings = client.settings().await?;
    println!("server_time_us={}", settings.server_time.micros());
    let products = client.products(&ProductsQuery { page: PageRequest::first(10), ..ProductsQuery::default() }).await?;
    println!("products_on_first_page={} next_cursor={:?}", products.items.len(), products.meta.after);
    let ticker = client.ticker(&symbol).await?;
    println!("ticker symbol={} mark_price={:?}", ticker.symbol, ticker.mark_price.map(|p| p.to_string()));
    let book = client.orderbook(&symbol, Some(5)).await?;
    println!("book bids={} asks={}", book.buy.len(), book.sell.len());

    if client.credentials_configured() {
        let orders = client.open_orders_all(&OpenOrdersQuery::default()).await?;
        println!("open_orders={}", orders.len());
        let wallets = client.wallet_balances().await?;
        println!("wallets={} net_equity={:?}", wallets.balances.len(), wallets.meta.net_equity.map(|e| e.to_string()));
    }
    println!("limiter={:?}", client.rate_limit_status());
    Ok(())
}
