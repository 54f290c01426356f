//! A REST round trip against Delta or a local delta-sim: products, a book, a ticker, an order placed, edited and
//! cancelled, then a market order and the fills and position it leaves.
//!
//! ```text
//! DELTA_API_KEY=... DELTA_API_SECRET=... \
//!   cargo run -p delta-core --example rest_round_trip -- --rest-url http://127.0.0.1:PORT [--symbol BTCUSD]
//! ```
//!
//! `make demo` starts delta-sim and runs this. Against the real exchange it places real orders: use a testnet.

use delta_core::auth::unix_seconds;
use delta_core::http::{DeltaHttpClient, FillsQuery, HttpClientConfig, PageRequest, ProductsQuery};
use delta_core::model::{CancelOrderRequest, CreateOrderRequest, EditOrderRequest, Product, Side};
use delta_core::{Credentials, Decimal, DeltaError, DeltaResult, Environment};

struct Args {
    rest_url: String,
    symbol: String,
}

fn parse_args() -> DeltaResult<Args> {
    let mut args = Args { rest_url: String::new(), symbol: "BTCUSD".to_owned() };
    let mut iter = std::env::args().skip(1);
    while let Some(flag) = iter.next() {
        let value = iter.next().ok_or_else(|| DeltaError::Config(format!("{flag} needs a value")))?;
        match flag.as_str() {
            "--rest-url" => args.rest_url = value,
            "--symbol" => args.symbol = value,
            other => {
                return Err(DeltaError::Config(format!("unknown option {other}; use --rest-url URL [--symbol S]")))
            }
        }
    }
    if args.rest_url.is_empty() {
        return Err(DeltaError::Config("--rest-url is required (delta-sim prints it as rest_url=...)".into()));
    }
    Ok(args)
}

#[tokio::main]
async fn main() {
    if let Err(error) = run().await {
        eprintln!("demo failed: {error}");
        std::process::exit(1);
    }
}

async fn run() -> DeltaResult<()> {
    let args = parse_args()?;
    let credentials = Credentials::resolve(Environment::Local, None, None)?
        .ok_or_else(|| DeltaError::Config("set DELTA_API_KEY and DELTA_API_SECRET".into()))?;
    let client =
        DeltaHttpClient::new(HttpClientConfig::new(args.rest_url.as_str()).with_credentials(Some(credentials)))?;

    println!("== products");
    let products = client.products_all(&ProductsQuery::default()).await?;
    for product in &products {
        println!(
            "  {:<22} id={:<6} {:<18} tick={:<6} contract_value={}",
            product.symbol, product.id, product.contract_type, product.tick_size, product.contract_value
        );
    }
    let product = products
        .iter()
        .find(|p| p.symbol == args.symbol)
        .ok_or_else(|| DeltaError::InvalidRequest(format!("no product {}", args.symbol)))?;

    println!("== order book {} (top 5)", product.symbol);
    let book = client.orderbook(&product.symbol, Some(5)).await?;
    for level in book.sell.iter().rev() {
        println!("  ask {:>12} x {}", level.price, level.size.0);
    }
    for level in &book.buy {
        println!("  bid {:>12} x {}", level.price, level.size.0);
    }

    println!("== ticker {}", product.symbol);
    let ticker = client.ticker(&product.symbol).await?;
    println!(
        "  mark={} spot={} best_bid={} best_ask={}",
        show(ticker.mark_price),
        show(ticker.spot_price),
        show(ticker.quotes.as_ref().and_then(|q| q.best_bid)),
        show(ticker.quotes.as_ref().and_then(|q| q.best_ask)),
    );

    let best_bid = book.buy.first().map(|l| l.price).ok_or_else(|| DeltaError::InvalidRequest("empty bid".into()))?;
    round_trip_limit_order(&client, product, best_bid).await?;
    market_order_and_position(&client, product).await
}

/// Places a passive limit order well below the bid, edits its price and size, then cancels it.
async fn round_trip_limit_order(client: &DeltaHttpClient, product: &Product, best_bid: Decimal) -> DeltaResult<()> {
    println!("== limit order: place, edit, cancel");
    let ticks_below = product.tick_size.checked_mul(&Decimal::from_int(200)).unwrap_or(product.tick_size);
    let price = best_bid.checked_sub(&ticks_below).unwrap_or(best_bid);
    let client_order_id = format!("demo-{}", unix_seconds());
    let request = CreateOrderRequest::limit(product.id, Side::Buy, 3, price).with_client_order_id(&client_order_id);
    let placed = client.place_order(&request).await?;
    println!(
        "  placed   id={} client_order_id={} state={} size={} price={}",
        placed.id,
        client_order_id,
        placed.state,
        placed.size,
        show(placed.limit_price)
    );
    let new_price = price.checked_sub(&product.tick_size).unwrap_or(price);
    let edited = client.edit_order(&EditOrderRequest::new(placed.id, product.id, 5, Some(new_price))).await?;
    println!(
        "  edited   id={} state={} size={} price={}",
        edited.id,
        edited.state,
        edited.size,
        show(edited.limit_price)
    );
    let cancelled = client.cancel_order(&CancelOrderRequest::by_id(placed.id, product.id)).await?;
    println!(
        "  canceled id={} state={} reason={}",
        cancelled.id,
        cancelled.state,
        cancelled.cancellation_reason.as_deref().unwrap_or("-")
    );
    Ok(())
}

/// Buys at market, then prints the fills and the resulting position.
async fn market_order_and_position(client: &DeltaHttpClient, product: &Product) -> DeltaResult<()> {
    println!("== market order");
    let order = client.place_order(&CreateOrderRequest::market(product.id, Side::Buy, 7)).await?;
    println!(
        "  market   id={} state={} size={} filled={} avg_price={}",
        order.id,
        order.state,
        order.size,
        order.filled_size(),
        show(order.average_fill_price)
    );
    let fills = client
        .fills(&FillsQuery { product_ids: vec![product.id], page: PageRequest::first(10), ..FillsQuery::default() })
        .await?;
    println!("== fills");
    for fill in fills.items.iter().filter(|f| f.order_id == order.id.to_string()) {
        println!(
            "  fill id={} {} {} @ {} role={} commission={}",
            fill.id, fill.side, fill.size, fill.price, fill.role, fill.commission
        );
    }
    let position = client.position(product.id).await?;
    println!("== position {}", product.symbol);
    println!("  size={} entry_price={}", position.size, show(position.entry_price));
    let wallets = client.wallet_balances().await?;
    for wallet in &wallets.balances {
        println!("  wallet {} balance={} available={}", wallet.asset_symbol, wallet.balance, wallet.available_balance);
    }
    Ok(())
}

fn show(value: Option<Decimal>) -> String {
    value.map_or_else(|| "-".to_owned(), |v| v.to_string())
}
