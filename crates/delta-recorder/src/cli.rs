//! The command line (DESIGN 8 names: `--rest-url`, `--ws-url`, `--private-ws-url`, `--symbols`, `--channels`,
//! `--out`, `--duration`).

use std::path::PathBuf;
use std::time::Duration;

use clap::{Parser, ValueEnum};
use delta_core::model::ContractType;
use delta_core::{Credentials, Environment, ResolvedUrls};

use crate::error::{RecorderError, RecorderResult};
use crate::files::FilePolicy;
use crate::recorder::{RecorderConfig, Selection};
use crate::sink::OutputFormat;

/// Records Delta Exchange feeds to Parquet: a lossless raw capture and a Nautilus catalog.
///
/// Example (delta-sim): delta-recorder --env local --rest-url http://127.0.0.1:PORT --ws-url
/// ws://127.0.0.1:PORT/public/ws --symbols BTCUSD --out recording --duration 60
#[derive(Debug, Parser)]
#[command(name = "delta-recorder", version)]
pub struct Args {
    /// Deployment: india, global, india-testnet, global-testnet, or local (delta-sim: give the URLs).
    #[arg(long = "env", default_value = "india")]
    pub environment: String,
    /// REST base URL (overrides the environment's).
    #[arg(long)]
    pub rest_url: Option<String>,
    /// Public socket URL (overrides the environment's).
    #[arg(long)]
    pub ws_url: Option<String>,
    /// Private (legacy) socket URL: needed for legacy channels (l2_updates, all_trades, ...).
    #[arg(long)]
    pub private_ws_url: Option<String>,
    /// Product symbols, comma-separated (BTCUSD,ETHUSD).
    #[arg(long, value_delimiter = ',')]
    pub symbols: Vec<String>,
    /// Instead of --symbols: every live product of these contract types (perpetual_futures, futures,
    /// call_options, put_options).
    #[arg(long, value_delimiter = ',')]
    pub contract_types: Vec<String>,
    /// With --contract-types: only these underlying assets (BTC,ETH).
    #[arg(long, value_delimiter = ',')]
    pub underlying: Vec<String>,
    /// With --contract-types: only products expiring on this date (YYYY-MM-DD), e.g. one options expiry.
    #[arg(long)]
    pub expiry: Option<String>,
    /// Channels as Delta names them.
    #[arg(
        long,
        value_delimiter = ',',
        default_value = "ob_updates,trades,ob_l1,mark_price,funding_rate,spot_price,candlestick_1m"
    )]
    pub channels: Vec<String>,
    /// Output directory (the catalog root; the raw capture goes to OUT/raw).
    #[arg(long)]
    pub out: PathBuf,
    /// Close each file after this many seconds.
    #[arg(long, default_value_t = 3600)]
    pub rotate_secs: u64,
    /// Close each file once it holds this many MiB.
    #[arg(long, default_value_t = 256)]
    pub rotate_mb: u64,
    /// Stop after this many seconds (default: until SIGINT or SIGTERM).
    #[arg(long)]
    pub duration: Option<f64>,
    /// What to write.
    #[arg(long, value_enum, default_value = "both")]
    pub format: FormatArg,
    /// zstd compression level (1-22).
    #[arg(long, default_value_t = 3)]
    pub zstd_level: i32,
    /// Rows buffered in memory before they are written, MiB in total (row groups are sized to it).
    #[arg(long, default_value_t = 32)]
    pub memory_mb: usize,
    /// Capacity of each socket client's event queue (the reader blocks when it is full; nothing is dropped).
    #[arg(long, default_value_t = 65_536)]
    pub queue_capacity: usize,
    /// Seconds between status lines on stderr (0: none).
    #[arg(long, default_value_t = 5.0)]
    pub status_secs: f64,
    /// Serve the figures in the Prometheus text format at http://HOST:PORT/metrics (port 0 picks a free one).
    #[arg(long)]
    pub metrics_addr: Option<std::net::SocketAddr>,
    /// API key for the private socket (else DELTA_API_KEY; legacy public channels need none).
    #[arg(long)]
    pub api_key: Option<String>,
    /// API secret for the private socket (else DELTA_API_SECRET). Never printed.
    #[arg(long)]
    pub api_secret: Option<String>,
}

/// `--format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FormatArg {
    /// The Nautilus catalog only.
    Nautilus,
    /// The raw capture only.
    Raw,
    /// Both.
    Both,
}

impl Args {
    /// The recording these arguments describe; errors say which flag to fix.
    pub fn config(&self) -> RecorderResult<RecorderConfig> {
        let environment: Environment = self.environment.parse()?;
        let urls = ResolvedUrls::resolve(
            environment,
            self.rest_url.as_deref(),
            self.private_ws_url.as_deref(),
            self.ws_url.as_deref(),
        )
        .map_err(|e| RecorderError::Config(format!("{e} (pass --rest-url and --ws-url)")))?;
        let credentials = Credentials::resolve(environment, self.api_key.as_deref(), self.api_secret.as_deref())?;
        if self.symbols.is_empty() && self.contract_types.is_empty() {
            return Err(RecorderError::Config("pass --symbols or --contract-types".into()));
        }
        let contract_types = self
            .contract_types
            .iter()
            .map(|name| {
                let contract_type = ContractType::from_wire(name);
                if contract_type.is_other() {
                    return Err(RecorderError::Config(format!(
                        "unknown contract type {name:?}: use one of {:?}",
                        ContractType::WIRE_VALUES
                    )));
                }
                Ok(contract_type)
            })
            .collect::<RecorderResult<Vec<_>>>()?;
        if !(1..=22).contains(&self.zstd_level) {
            return Err(RecorderError::Config(format!("--zstd-level {} is outside 1-22", self.zstd_level)));
        }
        if self.rotate_secs == 0 || self.rotate_mb == 0 || self.memory_mb == 0 {
            return Err(RecorderError::Config("--rotate-secs, --rotate-mb and --memory-mb must be positive".into()));
        }
        let duration = match self.duration {
            Some(seconds) if seconds.is_finite() && seconds > 0.0 => Some(Duration::from_secs_f64(seconds)),
            Some(seconds) => return Err(RecorderError::Config(format!("--duration {seconds} must be positive"))),
            None => None,
        };
        Ok(RecorderConfig {
            rest_url: urls.rest,
            public_ws_url: Some(urls.public_ws),
            private_ws_url: Some(urls.private_ws),
            credentials,
            selection: Selection {
                symbols: self.symbols.clone(),
                contract_types,
                underlyings: self.underlying.clone(),
                expiry: self.expiry.clone(),
            },
            channels: self.channels.clone(),
            out: self.out.clone(),
            format: match self.format {
                FormatArg::Nautilus => OutputFormat::Nautilus,
                FormatArg::Raw => OutputFormat::Raw,
                FormatArg::Both => OutputFormat::Both,
            },
            files: FilePolicy {
                rotate_interval: Duration::from_secs(self.rotate_secs),
                rotate_bytes: self.rotate_mb * 1024 * 1024,
                zstd_level: self.zstd_level,
            },
            memory_budget: self.memory_mb * 1024 * 1024,
            queue_capacity: self.queue_capacity,
            duration,
            status_interval: (self.status_secs > 0.0).then(|| Duration::from_secs_f64(self.status_secs)),
            metrics_addr: self.metrics_addr,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> RecorderResult<RecorderConfig> {
        Args::try_parse_from(std::iter::once("delta-recorder").chain(args.iter().copied())).unwrap().config()
    }

    #[test]
    fn local_needs_urls_and_flags_are_checked() {
        let local = ["--env", "local", "--rest-url", "http://127.0.0.1:1", "--ws-url", "ws://127.0.0.1:1/public/ws"];
        let config =
            parse(&[&local[..], &["--symbols", "BTCUSD,ETHUSD", "--out", "x", "--duration", "2"]].concat()).unwrap();
        assert_eq!(config.selection.symbols, ["BTCUSD", "ETHUSD"]);
        assert_eq!(config.format, OutputFormat::Both);
        assert_eq!(config.duration, Some(Duration::from_secs(2)));
        assert!(config.channels.contains(&"ob_updates".to_owned()));
        let error = |args: &[&str]| parse(args).unwrap_err().to_string();
        assert!(error(&["--env", "local", "--symbols", "BTCUSD", "--out", "x"]).contains("--rest-url"));
        assert!(error(&[&local[..], &["--out", "x"]].concat()).contains("--symbols"));
        assert!(error(&[&local[..], &["--contract-types", "swaps", "--out", "x"]].concat()).contains("swaps"));
        assert!(error(&[&local[..], &["--symbols", "A", "--out", "x", "--zstd-level", "30"]].concat()).contains("1-22"));
    }

    #[test]
    fn production_environments_need_no_urls() {
        let config =
            parse(&["--env", "global", "--contract-types", "call_options", "--expiry", "2026-12-25", "--out", "o"])
                .unwrap();
        assert_eq!(config.rest_url, "https://api.delta.exchange");
        assert_eq!(config.selection.contract_types, [ContractType::CallOptions]);
    }
}
