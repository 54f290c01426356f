//! `delta-recorder`: see `delta-recorder --help` and `docs/recorder.md`.

use clap::Parser;
use delta_recorder::record;
use tracing_subscriber::EnvFilter;

#[tokio::main]
async fn main() {
    tracing_subscriber::fmt()
        .with_env_filter(EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info")))
        .with_writer(std::io::stderr)
        .init();
    let args = delta_recorder::cli::Args::parse();
    let config = match args.config() {
        Ok(config) => config,
        Err(error) => {
            eprintln!("delta-recorder: {error}");
            std::process::exit(2);
        }
    };
    match record(config, shutdown_signal()).await {
        Ok(summary) => {
            eprintln!("{}", summary.details());
            println!("{}", summary.line());
        }
        Err(error) => {
            eprintln!("delta-recorder: {error}");
            std::process::exit(1);
        }
    }
}

/// Resolves on SIGINT or SIGTERM; the recording then flushes every file and the process exits 0.
async fn shutdown_signal() {
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(error) => {
                tracing::warn!(%error, "cannot watch SIGTERM; SIGINT still stops the recording");
                std::future::pending::<()>().await;
            }
        }
    };
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        () = terminate => {}
    }
    tracing::info!("stopping: flushing every file");
}
