//! `delta-sim`: runs a local Delta Exchange until SIGINT or SIGTERM.
//!
//! The first three lines on stdout are `rest_url=...`, `ws_url=...` and `public_ws_url=...`; logs go
//! to stderr (`RUST_LOG` filters them, default `info`). A start that fails (a port in use, a `--replay`
//! capture that cannot be read) prints nothing on stdout and exits with code 1.

use std::io::Write;
use std::net::IpAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::Parser;
use delta_core::Decimal;
use delta_sim::config::{
    DEFAULT_API_KEY, DEFAULT_API_SECRET, DEFAULT_BOOK_LEVELS, DEFAULT_PRODUCT_OPS_PER_SECOND, DEFAULT_QUOTA,
    DEFAULT_RATE, DEFAULT_SEED, DEFAULT_WS_CONNECTION_BUDGET,
};
use delta_sim::{spawn, Faults, SimConfig};
use tracing_subscriber::EnvFilter;

/// A local Delta Exchange (REST v2 and both sockets) for tests and demos.
#[derive(Parser)]
#[command(name = "delta-sim", version, about)]
struct Cli {
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1")]
    host: IpAddr,
    /// Port to listen on; 0 picks any free port.
    #[arg(long, default_value_t = 0)]
    port: u16,
    /// Only list these product symbols (comma-separated; default: all).
    #[arg(long, value_delimiter = ',')]
    symbols: Vec<String>,
    /// Seed of the synthetic books, trades and candles.
    #[arg(long, default_value_t = DEFAULT_SEED)]
    seed: u64,
    /// Public socket messages per second in total (used by the socket endpoints).
    #[arg(long, default_value_t = DEFAULT_RATE)]
    rate: u32,
    /// API key of the default account.
    #[arg(long, default_value = DEFAULT_API_KEY)]
    api_key: String,
    /// API secret of the default account (a test value; never use a real secret).
    #[arg(long, default_value = DEFAULT_API_SECRET)]
    api_secret: String,
    /// REST quota units per window and caller.
    #[arg(long, default_value_t = DEFAULT_QUOTA)]
    quota: u32,
    /// Length of the fixed quota window in seconds.
    #[arg(long, default_value_t = 300)]
    quota_window_secs: u64,
    /// Order operations per second and product (cancels are exempt).
    #[arg(long, default_value_t = DEFAULT_PRODUCT_OPS_PER_SECOND)]
    product_ops_per_second: u32,
    /// Synthetic price levels per book side.
    #[arg(long, default_value_t = DEFAULT_BOOK_LEVELS)]
    book_levels: usize,
    /// Starting USD balance of the default account.
    #[arg(long, default_value = "100000")]
    usd_balance: Decimal,
    /// Fault: delay added to every /v2 request, in milliseconds.
    #[arg(long, default_value_t = 0)]
    latency_ms: u64,
    /// Fault: fraction (0..=1) of /v2 requests answered with HTTP 500/503.
    #[arg(long, default_value_t = 0.0)]
    error_rate: f64,
    /// Fault: answer the next N /v2 requests with HTTP 429.
    #[arg(long = "force-429", default_value_t = 0)]
    force_429: u32,
    /// Socket heartbeat period in milliseconds (after enable_heartbeat).
    #[arg(long, default_value_t = 30_000)]
    heartbeat_ms: u64,
    /// Close sockets that sent nothing for this many milliseconds.
    #[arg(long, default_value_t = 60_000)]
    idle_timeout_ms: u64,
    /// Socket handshakes per window and IP before HTTP 429.
    #[arg(long, default_value_t = DEFAULT_WS_CONNECTION_BUDGET)]
    ws_connection_budget: u32,
    /// Length of the socket handshake window in seconds.
    #[arg(long, default_value_t = 300)]
    ws_connection_window_secs: u64,
    /// Fault: close each socket after every N data messages (0 = off).
    #[arg(long, default_value_t = 0)]
    drop_every: u32,
    /// Fault: leave out the next N book updates (one sequence number each).
    #[arg(long, default_value_t = 0)]
    skip_seq: u32,
    /// Fault: leave out every N-th book update of each subscription (0 = off).
    #[arg(long, default_value_t = 0)]
    skip_seq_every: u32,
    /// Fault: send the next N book updates with a wrong checksum.
    #[arg(long, default_value_t = 0)]
    corrupt_checksum: u32,
    /// Fault: replace the next N socket data messages with a malformed frame.
    #[arg(long, default_value_t = 0)]
    malformed: u32,
    /// Fault: sockets stop sending anything (data, heartbeats, replies) but stay open.
    #[arg(long)]
    stall: bool,
    /// Fault: this symbol's book channels answer `action: "error"` once.
    #[arg(long)]
    book_error: Option<String>,
    /// Fault: process the next N `POST /v2/orders` but never answer them (the timeout case).
    #[arg(long, default_value_t = 0)]
    drop_order_reply: u32,
    /// Fault: send every private event frame this many milliseconds late (order kept).
    #[arg(long, default_value_t = 0)]
    private_delay_ms: u64,
    /// Fault: leave out the next N private `orders` event frames (a `seq_no` gap).
    #[arg(long, default_value_t = 0)]
    skip_private_seq: u32,
    /// Fault: start under exchange maintenance (order placement and edits answer HTTP 503,
    /// `system_status` says `maintenance`); switch it off with `POST /sim/faults {"maintenance": false}`.
    #[arg(long)]
    maintenance: bool,
    /// Replay this delta-recorder raw capture (a capture file, a directory of them or a recording's --out
    /// directory) on the public socket instead of the synthetic public feeds, once, from the first subscription.
    #[arg(long, value_name = "PATH")]
    replay: Option<PathBuf>,
    /// Replay pace: 1 = as recorded, 0 = as fast as possible, 10 = ten times faster.
    #[arg(long, default_value_t = 1.0, value_name = "X")]
    replay_speed: f64,
}

impl Cli {
    fn into_config(self) -> SimConfig {
        let mut faults = Faults::default();
        faults.apply(delta_sim::FaultsUpdate {
            latency_ms: Some(self.latency_ms),
            error_rate: Some(self.error_rate),
            force_429: Some(self.force_429),
            drop_every: Some(self.drop_every),
            skip_seq: Some(self.skip_seq),
            skip_seq_every: Some(self.skip_seq_every),
            corrupt_checksum: Some(self.corrupt_checksum),
            malformed: Some(self.malformed),
            stall: Some(self.stall),
            book_error: self.book_error,
            // `--rate 0` starts the market still; pausing is a runtime switch only.
            pause_market: None,
            drop_order_reply: Some(self.drop_order_reply),
            private_delay_ms: Some(self.private_delay_ms),
            skip_private_seq: Some(self.skip_private_seq),
            maintenance: Some(self.maintenance),
        });
        SimConfig {
            host: self.host,
            port: self.port,
            api_key: self.api_key,
            api_secret: self.api_secret,
            seed: self.seed,
            symbols: self.symbols,
            rate: self.rate,
            quota: self.quota,
            quota_window: Duration::from_secs(self.quota_window_secs),
            product_ops_per_second: self.product_ops_per_second,
            book_levels: self.book_levels,
            usd_balance: self.usd_balance,
            faults,
            heartbeat_period: Duration::from_millis(self.heartbeat_ms),
            idle_timeout: Duration::from_millis(self.idle_timeout_ms),
            ws_connection_budget: self.ws_connection_budget,
            ws_connection_window: Duration::from_secs(self.ws_connection_window_secs),
            replay: self.replay,
            replay_speed: self.replay_speed,
            ..SimConfig::default()
        }
    }
}

/// Resolves when SIGINT or (on Unix) SIGTERM arrives.
async fn termination() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        match signal(SignalKind::terminate()) {
            Ok(mut terminate) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = terminate.recv() => {}
                }
            }
            Err(error) => {
                tracing::warn!(%error, "cannot listen for SIGTERM; waiting for SIGINT only");
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_env_filter(EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info")))
        .init();
    let handle = match spawn(cli.into_config()).await {
        Ok(handle) => handle,
        Err(error) => {
            eprintln!("delta-sim: {error}");
            return ExitCode::FAILURE;
        }
    };
    let mut stdout = std::io::stdout().lock();
    let printed = writeln!(stdout, "rest_url={}", handle.rest_url())
        .and_then(|()| writeln!(stdout, "ws_url={}", handle.ws_url()))
        .and_then(|()| writeln!(stdout, "public_ws_url={}", handle.public_ws_url()))
        .and_then(|()| stdout.flush());
    drop(stdout);
    if let Err(error) = printed {
        eprintln!("delta-sim: cannot write to stdout: {error}");
    }
    termination().await;
    tracing::info!("shutting down");
    match handle.shutdown().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("delta-sim: {error}");
            ExitCode::FAILURE
        }
    }
}
