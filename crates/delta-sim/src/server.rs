//! Starting and stopping the simulator in-process: [`spawn`] binds, serves and returns a
//! [`SimHandle`] with the URLs, credentials, counters and fault switches.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::serve::ListenerExt;
use tokio::sync::{broadcast, oneshot};
use tokio::task::JoinHandle;

use crate::catalog::{Catalog, INDICES};
use crate::config::{Faults, FaultsUpdate, SimConfig};
use crate::engine::events::SimEvent;
use crate::engine::{Venue, DEFAULT_USER_ID};
use crate::error::SimError;
use crate::routes::router;
use crate::state::{now_micros, AppState, Shared};
use crate::stats::StatsSnapshot;

/// How often the dead-man switches are checked between requests.
const SWEEP_INTERVAL: Duration = Duration::from_millis(50);

/// A running simulator.
#[derive(Debug)]
pub struct SimHandle {
    address: SocketAddr,
    api_key: String,
    api_secret: String,
    state: AppState,
    stop: oneshot::Sender<()>,
    server: JoinHandle<std::io::Result<()>>,
    sweeper: JoinHandle<()>,
    generator: Option<JoinHandle<()>>,
    replay: Option<JoinHandle<()>>,
}

/// Runtime access to the fault switches of a running sim.
#[derive(Debug, Clone)]
pub struct FaultSwitch {
    state: AppState,
}

impl FaultSwitch {
    /// The current switches.
    pub fn get(&self) -> Faults {
        self.state.faults()
    }

    /// Changes the given switches; returns the new values.
    pub fn update(&self, update: FaultsUpdate) -> Faults {
        self.state.update_faults(update)
    }
}

/// Binds `config.host:config.port` (port 0 = any free port), builds the market and the default
/// account, and serves until [`SimHandle::shutdown`]. With `config.replay`, the capture is read first
/// (an unreadable one is an error naming the path) and replayed on the public socket. Must be called
/// inside a tokio runtime.
pub async fn spawn(config: SimConfig) -> Result<SimHandle, SimError> {
    if !(config.replay_speed.is_finite() && config.replay_speed >= 0.0) {
        return Err(SimError::Config(format!(
            "--replay-speed must be a number >= 0 (0 = as fast as possible), not {}",
            config.replay_speed
        )));
    }
    let replay_frames = config.replay.as_deref().map(crate::replay::load).transpose()?;
    if let (Some(path), Some(frames)) = (&config.replay, &replay_frames) {
        if frames.is_empty() {
            tracing::warn!(path = %path.display(), "the capture holds no public data frame: nothing to replay");
        } else {
            tracing::info!(path = %path.display(), frames = frames.len(), speed = config.replay_speed,
                           "replaying on the public socket from the first subscription");
        }
    }
    let start = now_micros();
    let btc_reference = INDICES[0].reference_price;
    let catalog = Arc::new(Catalog::build(start, btc_reference, &config.symbols));
    if catalog.instruments().is_empty() {
        return Err(SimError::Config(format!("no product matches --symbols {}", config.symbols.join(","))));
    }
    let venue = Venue::new(catalog.clone(), config.seed, start, config.book_levels, config.usd_balance);
    let state: AppState = Arc::new(Shared::new(&config, catalog, venue, DEFAULT_USER_ID, Instant::now()));

    let requested = SocketAddr::new(config.host, config.port);
    let listener =
        tokio::net::TcpListener::bind(requested).await.map_err(|source| SimError::Bind { addr: requested, source })?;
    let bound = listener.local_addr()?;
    // Like Delta's edge (and any latency-sensitive feed), send every frame at once: with Nagle's algorithm a
    // small frame waits for the ACK of the previous one, which held book updates back by ~10 ms under load.
    let listener = listener.tap_io(|stream| {
        if let Err(error) = stream.set_nodelay(true) {
            tracing::warn!(%error, "cannot set TCP_NODELAY on an accepted connection");
        }
    });
    let app = router(state.clone()).into_make_service_with_connect_info::<SocketAddr>();
    let (stop, stopped) = oneshot::channel::<()>();
    let server = tokio::spawn(async move {
        axum::serve(listener, app)
            .with_graceful_shutdown(async move {
                // A dropped handle stops the server as well.
                let _ = stopped.await;
            })
            .await
    });
    let sweeper_state = state.clone();
    let sweeper = tokio::spawn(async move {
        let mut ticks = tokio::time::interval(SWEEP_INTERVAL);
        loop {
            ticks.tick().await;
            sweeper_state.venue().sweep_deadlines(now_micros());
        }
    });
    let generator = crate::generator::spawn(state.clone(), config.rate, config.seed);
    let replay = replay_frames.map(|frames| crate::replay::spawn(state.clone(), frames, config.replay_speed));
    let address = SocketAddr::new(display_host(bound.ip()), bound.port());
    tracing::info!(%address, products = state.catalog().instruments().len(), "delta-sim listening");
    Ok(SimHandle {
        address,
        api_key: config.api_key,
        api_secret: config.api_secret,
        state,
        stop,
        server,
        sweeper,
        generator,
        replay,
    })
}

/// The host clients should dial: loopback when bound to every interface.
fn display_host(ip: IpAddr) -> IpAddr {
    if ip.is_unspecified() {
        IpAddr::V4(Ipv4Addr::LOCALHOST)
    } else {
        ip
    }
}

impl SimHandle {
    /// The address the sim listens on.
    pub fn local_addr(&self) -> SocketAddr {
        self.address
    }

    /// `http://host:port`: append `/v2/...`.
    pub fn rest_url(&self) -> String {
        format!("http://{}", self.address)
    }

    /// The private (legacy) socket: `ws://host:port/ws`.
    pub fn ws_url(&self) -> String {
        format!("ws://{}/ws", self.address)
    }

    /// The public socket: `ws://host:port/public/ws`.
    pub fn public_ws_url(&self) -> String {
        format!("ws://{}/public/ws", self.address)
    }

    /// The default account's API key.
    pub fn api_key(&self) -> &str {
        &self.api_key
    }

    /// The default account's API secret.
    pub fn api_secret(&self) -> &str {
        &self.api_secret
    }

    /// A copy of the counters.
    pub fn stats(&self) -> StatsSnapshot {
        self.state.stats().snapshot()
    }

    /// The fault switches.
    pub fn faults(&self) -> FaultSwitch {
        FaultSwitch { state: self.state.clone() }
    }

    /// The default account's private events from now on (orders, fills, positions, margins).
    pub fn events(&self) -> broadcast::Receiver<SimEvent> {
        self.state.venue().subscribe()
    }

    /// Drops every socket connection at once, keeping all state (as `POST /sim/restart`).
    pub fn restart(&self) {
        self.state.restart();
    }

    /// Stops accepting connections, ends held requests, lets in-flight requests finish and waits for
    /// the server.
    pub async fn shutdown(self) -> Result<(), SimError> {
        self.sweeper.abort();
        self.state.stop();
        for task in self.generator.iter().chain(&self.replay) {
            task.abort();
        }
        let _ = self.stop.send(());
        match self.server.await {
            Ok(result) => result.map_err(SimError::Serve),
            Err(error) => Err(SimError::Task(error.to_string())),
        }
    }
}
