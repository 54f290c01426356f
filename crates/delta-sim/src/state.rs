//! What every request handler shares: the exchange behind its lock, the accounts' keys, the quota
//! meters, the fault switches and the counters.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use delta_core::auth::Signer;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use tokio::sync::{broadcast, watch};

use crate::catalog::Catalog;
use crate::config::{Faults, FaultsUpdate, SimConfig};
use crate::engine::Venue;
use crate::quota::{Caller, FixedWindow};
use crate::replay::Subscribers;
use crate::series::mix;
use crate::stats::Stats;

/// The current time in µs since the Unix epoch.
pub fn now_micros() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| i64::try_from(d.as_micros()).unwrap_or(i64::MAX))
}

/// Status changes kept for slow `system_status` subscribers.
const SYSTEM_STATUS_CAPACITY: usize = 16;

/// The exchange's status as the `system_status` channel and `GET /v2/settings` report it, driven by the
/// `maintenance` fault switch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SystemStatus {
    /// True while under maintenance.
    pub maintenance: bool,
    /// When the current (or last) maintenance started, in µs.
    pub maintenance_start_time: Option<i64>,
    /// When the last maintenance finished, in µs (`None` while one is under way).
    pub maintenance_finish_time: Option<i64>,
}

impl SystemStatus {
    /// The status at start: under maintenance since `now` when `maintenance`, else live.
    fn initial(maintenance: bool, now: i64) -> Self {
        Self { maintenance, maintenance_start_time: maintenance.then_some(now), maintenance_finish_time: None }
    }

    /// The status after switching maintenance on or off at `now`.
    fn switched(self, maintenance: bool, now: i64) -> Self {
        if maintenance {
            Self { maintenance, maintenance_start_time: Some(now), maintenance_finish_time: None }
        } else {
            Self {
                maintenance,
                maintenance_start_time: self.maintenance_start_time,
                maintenance_finish_time: Some(now),
            }
        }
    }
}

/// The state shared by all handlers.
#[derive(Debug)]
pub struct Shared {
    venue: Mutex<Venue>,
    catalog: Arc<Catalog>,
    keys: Mutex<HashMap<String, (u64, Signer)>>,
    default_user_id: u64,
    quota: FixedWindow<Caller>,
    product_ops: FixedWindow<u64>,
    faults: Mutex<Faults>,
    fault_rng: Mutex<StdRng>,
    stats: Stats,
    signature_window: Duration,
    handshakes: FixedWindow<IpAddr>,
    heartbeat_period: Duration,
    idle_timeout: Duration,
    watched: Mutex<HashMap<u64, usize>>,
    restarts: watch::Sender<u64>,
    stopping: watch::Sender<bool>,
    replay: Option<Subscribers>,
    system_status: Mutex<SystemStatus>,
    status_changes: broadcast::Sender<SystemStatus>,
}

/// Marks products as watched by a public socket subscription while it lives (the market generator
/// only moves watched products).
#[derive(Debug)]
pub struct WatchGuard {
    state: AppState,
    product_ids: Vec<u64>,
}

impl Drop for WatchGuard {
    fn drop(&mut self) {
        let mut watched = lock(&self.state.watched);
        for id in &self.product_ids {
            if let Some(count) = watched.get_mut(id) {
                *count -= 1;
                if *count == 0 {
                    watched.remove(id);
                }
            }
        }
    }
}

/// Cheap handle on [`Shared`].
pub type AppState = Arc<Shared>;

/// Locks a mutex, recovering the data if a holder panicked.
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Shared {
    /// Builds the shared state for `config`; windows start at `origin`.
    pub fn new(config: &SimConfig, catalog: Arc<Catalog>, venue: Venue, user_id: u64, origin: Instant) -> Self {
        let signer = Signer::from_parts(&config.api_key, &config.api_secret);
        Self {
            venue: Mutex::new(venue),
            catalog,
            keys: Mutex::new(HashMap::from([(config.api_key.clone(), (user_id, signer))])),
            default_user_id: user_id,
            quota: FixedWindow::new(config.quota, config.quota_window, origin),
            product_ops: FixedWindow::new(config.product_ops_per_second, Duration::from_secs(1), origin),
            faults: Mutex::new(config.faults.clone()),
            fault_rng: Mutex::new(StdRng::seed_from_u64(mix(config.seed ^ 0xFA17))),
            stats: Stats::default(),
            signature_window: config.signature_window,
            handshakes: FixedWindow::new(config.ws_connection_budget, config.ws_connection_window, origin),
            heartbeat_period: config.heartbeat_period,
            idle_timeout: config.idle_timeout,
            watched: Mutex::new(HashMap::new()),
            restarts: watch::channel(0).0,
            stopping: watch::channel(false).0,
            replay: config.replay.is_some().then(Subscribers::default),
            system_status: Mutex::new(SystemStatus::initial(config.faults.maintenance, now_micros())),
            status_changes: broadcast::channel(SYSTEM_STATUS_CAPACITY).0,
        }
    }

    /// The exchange, locked.
    pub fn venue(&self) -> MutexGuard<'_, Venue> {
        lock(&self.venue)
    }

    /// The product list.
    pub fn catalog(&self) -> &Catalog {
        &self.catalog
    }

    /// The account and signer of an API key.
    pub fn account_for_key(&self, api_key: &str) -> Option<(u64, Signer)> {
        lock(&self.keys).get(api_key).cloned()
    }

    /// Issues `api_key` with `api_secret` for the default account (as a user creating a new key on Delta's
    /// site) and revokes the keys in `revoke`; answers the keys now valid. Sockets already authenticated stay
    /// so (Delta's behaviour on revocation is not documented).
    pub fn rotate_keys(&self, api_key: Option<(&str, &str)>, revoke: &[String]) -> Vec<String> {
        let mut keys = lock(&self.keys);
        for key in revoke {
            keys.remove(key);
        }
        if let Some((key, secret)) = api_key {
            keys.insert(key.to_owned(), (self.default_user_id, Signer::from_parts(key, secret)));
        }
        let mut valid: Vec<String> = keys.keys().cloned().collect();
        valid.sort();
        valid
    }

    /// The REST quota meter.
    pub fn quota(&self) -> &FixedWindow<Caller> {
        &self.quota
    }

    /// Charges `operations` to a product's per-second limit (REFERENCE 4.2), or answers 429.
    pub fn charge_product(&self, product_id: u64, operations: u32) -> Result<(), crate::reply::ApiError> {
        self.product_ops.try_take(product_id, operations, Instant::now()).map(|_| ()).map_err(|window| {
            self.stats.record_rate_limited();
            crate::reply::ApiError::rate_limited(window.reset_after_ms)
        })
    }

    /// The counters.
    pub fn stats(&self) -> &Stats {
        &self.stats
    }

    /// The largest accepted `|now - timestamp|` of a signature.
    pub fn signature_window(&self) -> Duration {
        self.signature_window
    }

    /// Takes one socket handshake from `ip`'s budget; false when it is spent.
    pub fn take_handshake(&self, ip: IpAddr) -> bool {
        self.handshakes.try_take(ip, 1, Instant::now()).is_ok()
    }

    /// Period of socket heartbeats.
    pub fn heartbeat_period(&self) -> Duration {
        self.heartbeat_period
    }

    /// How long a silent socket stays open.
    pub fn idle_timeout(&self) -> Duration {
        self.idle_timeout
    }

    /// Marks `product_ids` as watched until the guard is dropped.
    pub fn watch(self: &Arc<Self>, product_ids: Vec<u64>) -> WatchGuard {
        let mut watched = lock(&self.watched);
        for id in &product_ids {
            *watched.entry(*id).or_default() += 1;
        }
        WatchGuard { state: self.clone(), product_ids }
    }

    /// The products some public subscription watches, ascending.
    pub fn watched(&self) -> Vec<u64> {
        let mut ids: Vec<u64> = lock(&self.watched).keys().copied().collect();
        ids.sort_unstable();
        ids
    }

    /// The public subscriptions of the replay, when the sim replays a capture (`--replay`).
    pub fn replay(&self) -> Option<&Subscribers> {
        self.replay.as_ref()
    }

    /// The current fault switches.
    pub fn faults(&self) -> Faults {
        lock(&self.faults).clone()
    }

    /// Changes the fault switches and returns the new values. Switching `maintenance` on or off changes the
    /// system status and tells every `system_status` subscriber.
    pub fn update_faults(&self, update: FaultsUpdate) -> Faults {
        let mut faults = lock(&self.faults);
        let was_under_maintenance = faults.maintenance;
        faults.apply(update);
        if faults.maintenance != was_under_maintenance {
            let mut status = lock(&self.system_status);
            *status = status.switched(faults.maintenance, now_micros());
            // No receiver is not an error: nobody subscribed to `system_status`.
            let _ = self.status_changes.send(*status);
            tracing::info!(maintenance = faults.maintenance, "system status changed");
        }
        faults.clone()
    }

    /// The current system status.
    pub fn system_status(&self) -> SystemStatus {
        *lock(&self.system_status)
    }

    /// The current system status and every change after it (no change is missed or seen twice).
    pub fn subscribe_system_status(&self) -> (SystemStatus, broadcast::Receiver<SystemStatus>) {
        let status = lock(&self.system_status);
        (*status, self.status_changes.subscribe())
    }

    /// Runs `take` on the locked switches: the one place one-shot socket faults are consumed.
    pub fn with_faults<T>(&self, take: impl FnOnce(&mut Faults) -> T) -> T {
        take(&mut lock(&self.faults))
    }

    /// Drops every socket connection (public and private) at once; orders, positions and balances stay.
    pub fn restart(&self) {
        self.restarts.send_modify(|generation| *generation += 1);
        self.stats.record_restart();
        tracing::info!("restart: every socket dropped");
    }

    /// Changes when [`Shared::restart`] is called: a connection ends when it sees a change.
    pub fn restarts(&self) -> watch::Receiver<u64> {
        self.restarts.subscribe()
    }

    /// Marks the sim as stopping: held requests ([`Shared::until_stopping`]) end.
    pub fn stop(&self) {
        self.stopping.send_replace(true);
    }

    /// Resolves when the sim stops (never before).
    pub async fn until_stopping(&self) {
        let mut stopping = self.stopping.subscribe();
        // An error only means the state is being dropped: stopping as well.
        let _ = stopping.wait_for(|stopping| *stopping).await;
    }

    /// Consumes one budget unit of a one-shot counter switch, counting the fault under `name`.
    pub fn take_fault(&self, name: &str, counter: impl FnOnce(&mut Faults) -> &mut u32) -> bool {
        let taken = {
            let mut faults = lock(&self.faults);
            let budget = counter(&mut faults);
            let taken = *budget > 0;
            *budget = budget.saturating_sub(1);
            taken
        };
        if taken {
            self.stats.record_fault(name);
        }
        taken
    }

    /// Consumes one forced 429 if any is left.
    pub fn take_forced_429(&self) -> bool {
        let mut faults = lock(&self.faults);
        if faults.force_429 == 0 {
            return false;
        }
        faults.force_429 -= 1;
        true
    }

    /// Draws whether this request gets an injected 5xx, and which status (500 or 503).
    pub fn draw_injected_error(&self, error_rate: f64) -> Option<u16> {
        if error_rate <= 0.0 {
            return None;
        }
        let mut rng = lock(&self.fault_rng);
        rng.random_bool(error_rate.min(1.0)).then(|| if rng.random_bool(0.5) { 503 } else { 500 })
    }
}
