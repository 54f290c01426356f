//! The client handle: owns the connections (sharding capped channels over several), routes
//! subscription requests to them, reads counters and shuts everything down.

use std::sync::{Arc, Mutex, PoisonError};

use tokio::sync::{mpsc, watch};
use tokio::task::JoinHandle;

use super::backoff::ConnectBudget;
use super::config::WsConfig;
use super::connection::{Command, Connection};
use super::dispatch::Dispatcher;
use super::queue::{self, EventSender, WsEvents};
use super::stats::{Counters, WsStats};
use super::subscriptions::SubscriptionSet;
use crate::auth::Signer;
use crate::config::Credentials;
use crate::error::{DeltaError, DeltaResult};

/// One connection as the handle sees it.
struct ConnectionHandle {
    commands: mpsc::UnboundedSender<Command>,
    subscriptions: SubscriptionSet,
    task: JoinHandle<()>,
}

/// A socket client: one or more connections to one Delta socket, each driven by a tokio task, feeding
/// one bounded event queue ([`WsEvents`]).
///
/// Connection 0 is opened at once (so the private socket authenticates before any subscription); more
/// are opened when a channel's symbols exceed its per-connection cap ([`crate::ws::SymbolCaps`]).
/// Dropping the handle ends every task as well; [`WsClient::close`] also waits for them.
pub struct WsClient {
    config: Arc<WsConfig>,
    signer: Mutex<Option<Signer>>,
    budget: ConnectBudget,
    counters: Arc<Counters>,
    events: EventSender,
    shutdown: watch::Sender<bool>,
    connections: Mutex<Vec<ConnectionHandle>>,
}

impl std::fmt::Debug for WsClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WsClient").field("url", &self.config.url).field("endpoint", &self.config.endpoint).finish()
    }
}

impl WsClient {
    /// Starts a client with its own connection budget. Must be called inside a tokio runtime.
    pub fn connect(config: WsConfig) -> DeltaResult<(Self, WsEvents)> {
        let budget = ConnectBudget::new(config.connect_budget_attempts, config.connect_budget_window);
        Self::connect_with_budget(config, budget)
    }

    /// Starts a client drawing on a shared connection budget (Delta counts attempts per IP, so clients
    /// of one process should share one). Must be called inside a tokio runtime.
    pub fn connect_with_budget(config: WsConfig, budget: ConnectBudget) -> DeltaResult<(Self, WsEvents)> {
        config.validate()?;
        tokio::runtime::Handle::try_current()
            .map_err(|_| DeltaError::Config("the socket client must be started inside a tokio runtime".into()))?;
        let counters = Arc::new(Counters::default());
        let (events, receiver) = queue::channel(config.queue_capacity, Arc::clone(&counters));
        let (shutdown, _) = watch::channel(false);
        let client = Self {
            signer: Mutex::new(config.credentials.as_ref().map(Signer::new)),
            config: Arc::new(config),
            budget,
            counters,
            events,
            shutdown,
            connections: Mutex::new(Vec::new()),
        };
        client.lock().push(client.spawn(0));
        Ok((client, receiver))
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<ConnectionHandle>> {
        self.connections.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn spawn(&self, index: usize) -> ConnectionHandle {
        let (commands, receiver) = mpsc::unbounded_channel();
        let connection = Connection {
            index,
            config: Arc::clone(&self.config),
            signer: self.signer.lock().unwrap_or_else(PoisonError::into_inner).clone(),
            budget: self.budget.clone(),
            events: self.events.clone(),
            counters: self.counters.add_connection(),
            shared: Arc::clone(&self.counters),
            commands: receiver,
            shutdown: self.shutdown.subscribe(),
            subscriptions: SubscriptionSet::default(),
            dispatcher: Dispatcher::with_stats(self.config.endpoint, self.counters.parse_stats()),
            pending_resubscribes: Vec::new(),
        };
        ConnectionHandle { commands, subscriptions: SubscriptionSet::default(), task: tokio::spawn(connection.run()) }
    }

    /// Subscribes symbols of a channel (an empty list subscribes a channel without symbols, such as
    /// `margins`). Symbols already subscribed are skipped; symbols over the channel's per-connection cap
    /// go to the next connection with room, opening one when needed.
    pub fn subscribe(&self, channel: &str, symbols: &[&str]) -> DeltaResult<()> {
        let channel: Arc<str> = Arc::from(channel);
        let cap = self.config.symbol_caps.cap(&channel);
        let mut connections = self.lock();
        if symbols.is_empty() {
            return send(&mut connections[0], Command::Subscribe { channel, symbols: Vec::new() });
        }
        let mut plan: Vec<Vec<Arc<str>>> = Vec::new();
        for &symbol in symbols {
            if connections.iter().any(|c| c.subscriptions.contains(&channel, symbol)) {
                continue;
            }
            let symbol: Arc<str> = Arc::from(symbol);
            let index = match connections.iter().position(|c| c.subscriptions.count(&channel) < cap) {
                Some(index) => index,
                None => {
                    let index = connections.len();
                    connections.push(self.spawn(index));
                    index
                }
            };
            connections[index].subscriptions.add(&channel, std::slice::from_ref(&symbol));
            plan.resize_with(plan.len().max(index + 1), Vec::new);
            plan[index].push(symbol);
        }
        for (index, symbols) in plan.into_iter().enumerate().filter(|(_, s)| !s.is_empty()) {
            send(&mut connections[index], Command::Subscribe { channel: Arc::clone(&channel), symbols })?;
        }
        Ok(())
    }

    /// Unsubscribes symbols of a channel; an empty list leaves the whole channel.
    pub fn unsubscribe(&self, channel: &str, symbols: &[&str]) -> DeltaResult<()> {
        let channel: Arc<str> = Arc::from(channel);
        let symbols: Vec<Arc<str>> = symbols.iter().map(|&s| Arc::from(s)).collect();
        let mut connections = self.lock();
        for connection in connections.iter_mut() {
            let mine: Vec<Arc<str>> =
                symbols.iter().filter(|s| connection.subscriptions.contains(&channel, s)).cloned().collect();
            let whole_channel =
                symbols.is_empty() && connection.subscriptions.entries().iter().any(|(c, _)| *c == channel);
            if mine.is_empty() && !whole_channel {
                continue;
            }
            connection.subscriptions.remove(&channel, &mine);
            send(connection, Command::Unsubscribe { channel: Arc::clone(&channel), symbols: mine })?;
        }
        Ok(())
    }

    /// Unsubscribes and subscribes one symbol again to get a fresh snapshot (after a gap, a checksum
    /// failure, `action: error` or a private `seq_no` gap). A symbol not subscribed is ignored.
    pub fn resubscribe(&self, channel: &str, symbol: &str) -> DeltaResult<()> {
        let mut connections = self.lock();
        let Some(connection) = connections.iter_mut().find(|c| c.subscriptions.contains(channel, symbol)) else {
            return Ok(());
        };
        send(connection, Command::Resubscribe { channel: Arc::from(channel), symbol: Arc::from(symbol) })
    }

    /// Authenticates every connection with `credentials` from now on (key rotation without a restart):
    /// a connected one sends `key-auth` with the new pair on its live socket, keeping its subscriptions
    /// (an [`Authenticated`](super::WsEventKind::Authenticated) or
    /// [`AuthFailed`](super::WsEventKind::AuthFailed) event follows; a refusal reconnects after
    /// `auth_retry_delay`, still with the new pair); one that is reconnecting uses the new pair on its
    /// next handshake. Only for a client started with credentials (a public socket has nothing to rotate).
    pub fn rotate_credentials(&self, credentials: &Credentials) -> DeltaResult<()> {
        let signer = Signer::new(credentials);
        {
            let mut current = self.signer.lock().unwrap_or_else(PoisonError::into_inner);
            if current.is_none() {
                return Err(DeltaError::Config(
                    "this socket client was started without credentials: there is no key to rotate".into(),
                ));
            }
            *current = Some(signer.clone());
        }
        let mut connections = self.lock();
        for connection in connections.iter_mut() {
            send(connection, Command::Reauthenticate { signer: signer.clone() })?;
        }
        tracing::info!(url = %self.config.url, connections = connections.len(), "socket credentials rotated");
        Ok(())
    }

    /// Number of connections opened so far.
    pub fn connection_count(&self) -> usize {
        self.lock().len()
    }

    /// The client's counters.
    pub fn stats(&self) -> WsStats {
        self.counters.snapshot()
    }

    /// Closes every connection cleanly (WebSocket close frame) and waits for their tasks to end. Events
    /// already queued stay readable; the queue then ends.
    pub async fn close(self) {
        self.shutdown.send_replace(true);
        let tasks: Vec<JoinHandle<()>> = self.lock().drain(..).map(|c| c.task).collect();
        for task in tasks {
            if let Err(error) = task.await {
                tracing::warn!(%error, "socket connection task failed");
            }
        }
    }
}

impl Drop for WsClient {
    fn drop(&mut self) {
        self.shutdown.send_replace(true);
    }
}

fn send(connection: &mut ConnectionHandle, command: Command) -> DeltaResult<()> {
    connection
        .commands
        .send(command)
        .map_err(|_| DeltaError::InvalidRequest("the socket connection has stopped (closed or consumer gone)".into()))
}
