//! Watches a Delta socket (or a local delta-sim): prints top of book, trades and gaps as they happen and
//! keeps going through disconnects.
//!
//! ```text
//! cargo run -p delta-core --example watch -- --env local --ws-url ws://127.0.0.1:PORT/public/ws --symbols BTCUSD
//! cargo run -p delta-core --example watch -- --env india --symbols BTCUSD,ETHUSD
//! ```
//!
//! Options: `--env` (india, global, india-testnet, global-testnet, local; default india), `--ws-url` (the
//! public socket; required for local), `--symbols` (comma-separated, default BTCUSD). Subscribes `ob_updates`
//! (the verified book feeds the top of book) and `trades`. Ctrl-C closes the client cleanly.

use std::collections::HashMap;
use std::sync::Arc;

use delta_core::ws::{MarketEvent, WsClient, WsConfig, WsEvent, WsEventKind};
use delta_core::{Decimal, DeltaError, DeltaResult, Environment, ResolvedUrls};

struct Args {
    environment: Environment,
    ws_url: Option<String>,
    symbols: Vec<String>,
}

fn parse_args() -> DeltaResult<Args> {
    let mut args = Args { environment: Environment::India, ws_url: None, symbols: vec!["BTCUSD".to_owned()] };
    let mut iter = std::env::args().skip(1);
    while let Some(flag) = iter.next() {
        let value = iter.next().ok_or_else(|| DeltaError::Config(format!("{flag} needs a value")))?;
        match flag.as_str() {
            "--env" => args.environment = value.parse()?,
            "--ws-url" => args.ws_url = Some(value),
            "--symbols" => args.symbols = value.split(',').filter(|s| !s.is_empty()).map(str::to_owned).collect(),
            other => {
                return Err(DeltaError::Config(format!(
                    "unknown option {other}; use [--env E] [--ws-url URL] [--symbols A,B]"
                )))
            }
        }
    }
    Ok(args)
}

fn socket_url(args: &Args) -> DeltaResult<String> {
    match (&args.ws_url, args.environment) {
        (Some(url), _) => Ok(url.clone()),
        (None, Environment::Local) => {
            Err(DeltaError::Config("--env local needs --ws-url (delta-sim prints it as public_ws_url=...)".into()))
        }
        (None, environment) => Ok(ResolvedUrls::resolve(environment, None, None, None)?.public_ws),
    }
}

#[tokio::main]
async fn main() {
    if let Err(error) = run().await {
        eprintln!("watch failed: {error}");
        std::process::exit(1);
    }
}

async fn run() -> DeltaResult<()> {
    let args = parse_args()?;
    let config = WsConfig::new(socket_url(&args)?, delta_core::ws::Endpoint::Public);
    let (client, mut events) = WsClient::connect(config)?;
    let symbols: Vec<&str> = args.symbols.iter().map(String::as_str).collect();
    client.subscribe("ob_updates", &symbols)?;
    client.subscribe("trades", &symbols)?;
    let mut tops: HashMap<Arc<str>, Top> = HashMap::new();
    loop {
        tokio::select! {
            event = events.recv() => match event {
                Some(event) => show(&event, &mut tops),
                None => break,
            },
            _ = tokio::signal::ctrl_c() => break,
        }
    }
    let stats = client.stats();
    client.close().await;
    println!(
        "closed: frames={} reconnects={} gaps={} resyncs={} decode_errors={} max_lag={:?}",
        stats.frames(),
        stats.reconnects(),
        stats.gaps,
        stats.resyncs,
        stats.decode_errors.values().sum::<u64>(),
        stats.max_lag
    );
    Ok(())
}

/// The best bid and ask of one symbol, kept from its verified book events.
#[derive(Default)]
struct Top {
    bids: std::collections::BTreeMap<Decimal, Decimal>,
    asks: std::collections::BTreeMap<Decimal, Decimal>,
}

impl Top {
    fn apply(&mut self, snapshot: bool, bids: &[(Decimal, Decimal)], asks: &[(Decimal, Decimal)]) {
        if snapshot {
            self.bids.clear();
            self.asks.clear();
        }
        for (side, levels) in [(&mut self.bids, bids), (&mut self.asks, asks)] {
            for (price, size) in levels {
                if size.is_zero() {
                    side.remove(price);
                } else {
                    side.insert(*price, *size);
                }
            }
        }
    }
}

fn show(event: &WsEvent, tops: &mut HashMap<Arc<str>, Top>) {
    match &event.kind {
        WsEventKind::Market(MarketEvent::Book(book)) => {
            let top = tops.entry(Arc::clone(&book.symbol)).or_default();
            top.apply(book.snapshot, &book.bids, &book.asks);
            let bid = top.bids.iter().next_back();
            let ask = top.asks.iter().next();
            if let (Some((bp, bs)), Some((ap, asz))) = (bid, ask) {
                println!("{:<10} top  {bs} @ {bp}  |  {ap} x {asz}   seq={:?}", book.symbol, book.seq);
            }
        }
        WsEventKind::Market(MarketEvent::Trade(trade)) => {
            println!("{:<10} trade {:?} {} @ {}", trade.symbol, trade.aggressor, trade.size, trade.price);
        }
        WsEventKind::Market(_) | WsEventKind::Frame { .. } => {}
        WsEventKind::Gap { channel, symbol, reason } => println!("{symbol:<10} GAP on {channel}: {reason:?}"),
        WsEventKind::Resynced { channel, symbol } => println!("{symbol:<10} resynced on {channel}"),
        other => println!("[connection {}] {other:?}", event.connection),
    }
}
