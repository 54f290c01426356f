//! One socket connection: reads client requests, keeps its subscriptions (one producer task per
//! public (channel, symbol), one pump for private events), sends heartbeats, closes idle connections,
//! and is the single place outgoing frames pass, where `/sim/stats` counts them and the connection
//! faults (drop, malformed, stall) apply.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex, PoisonError};

use axum::extract::ws::{Message, WebSocket};
use delta_core::auth::unix_seconds;
use serde_json::{json, Value};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use tokio::time::{Instant, Interval};

use super::auth::authenticate;
use super::feeds::{self, Feed, Outgoing};
use super::private::{self, SharedSubscriptions};
use super::protocol::{channel_rules, decode_request, is_group, ChannelRequest, Endpoint, Request};
use crate::state::AppState;

/// Frames queued per connection before producers wait.
const OUTBOX_CAPACITY: usize = 1024;

/// A malformed frame: JSON cut short.
const MALFORMED_FRAME: &str = r#"{"type":"ob_updates","action":"upd"#;

/// One subscribed channel: its symbols with their producers (private channels have none).
type Symbols = BTreeMap<String, Option<JoinHandle<()>>>;

struct Connection {
    state: AppState,
    endpoint: Endpoint,
    socket: WebSocket,
    outbox: mpsc::Sender<Outgoing>,
    channels: BTreeMap<String, Symbols>,
    private: SharedSubscriptions,
    pump: Option<JoinHandle<()>>,
    user_id: Option<u64>,
    heartbeat: Option<Interval>,
    data_sent: u64,
}

/// Serves one accepted socket until the client leaves, goes idle or a fault drops it.
pub async fn run(socket: WebSocket, state: AppState, endpoint: Endpoint) {
    let (outbox, mut inbox) = mpsc::channel(OUTBOX_CAPACITY);
    let idle_timeout = state.idle_timeout();
    let mut connection = Connection {
        state,
        endpoint,
        socket,
        outbox,
        channels: BTreeMap::new(),
        private: Arc::new(Mutex::new(private::PrivateSubscriptions::default())),
        pump: None,
        user_id: None,
        heartbeat: None,
        data_sent: 0,
    };
    let mut last_activity = Instant::now();
    let mut restarts = connection.state.restarts();
    loop {
        let open = tokio::select! {
            _ = restarts.changed() => false,
            frame = connection.socket.recv() => match frame {
                Some(Ok(message)) => {
                    last_activity = Instant::now();
                    connection.on_frame(message).await
                }
                _ => false,
            },
            Some(outgoing) = inbox.recv() => connection.send_data(outgoing).await,
            () = heartbeat_tick(&mut connection.heartbeat) => connection.send_control(&json!({"type": "heartbeat"})).await,
            () = tokio::time::sleep_until(last_activity + idle_timeout) => false,
        };
        if !open {
            break;
        }
    }
    connection.stop_everything();
    // The peer may already be gone.
    let _ = connection.socket.send(Message::Close(None)).await;
}

async fn heartbeat_tick(heartbeat: &mut Option<Interval>) {
    match heartbeat {
        Some(interval) => {
            interval.tick().await;
        }
        None => std::future::pending().await,
    }
}

fn subscription_entry(name: &str, symbols: &Symbols) -> Value {
    if symbols.contains_key("") {
        json!({"name": name})
    } else {
        json!({"name": name, "symbols": symbols.keys().collect::<Vec<_>>()})
    }
}

impl Connection {
    fn stalled(&self) -> bool {
        let stalled = self.state.faults().stall;
        if stalled {
            self.state.stats().record_fault("stall");
        }
        stalled
    }

    /// Sends a control frame (replies, heartbeats); counted under its `type` with no symbol.
    async fn send_control(&mut self, message: &Value) -> bool {
        if self.stalled() {
            return true;
        }
        let kind = message.get("type").and_then(Value::as_str).unwrap_or("control").to_owned();
        self.state.stats().record_sent(&kind, "");
        self.socket.send(Message::Text(message.to_string().into())).await.is_ok()
    }

    /// Sends a data frame through the connection faults; false when the connection must close. Like a control
    /// frame it is counted before it is written, so a peer that has read it always finds it in `/sim/stats`.
    async fn send_data(&mut self, outgoing: Outgoing) -> bool {
        if self.stalled() {
            return true;
        }
        let text = if self.state.take_fault("malformed", |faults| &mut faults.malformed) {
            MALFORMED_FRAME.to_owned()
        } else {
            outgoing.text
        };
        self.state.stats().record_sent(&outgoing.channel, &outgoing.symbol);
        if self.socket.send(Message::Text(text.into())).await.is_err() {
            return false;
        }
        self.data_sent += 1;
        let drop_every = u64::from(self.state.faults().drop_every);
        if drop_every > 0 && self.data_sent % drop_every == 0 {
            self.state.stats().record_fault("drop_every");
            return false;
        }
        true
    }

    async fn on_frame(&mut self, message: Message) -> bool {
        let text = match message {
            Message::Text(text) => text,
            Message::Close(_) => return false,
            // WS ping frames are answered by the socket layer itself.
            _ => return true,
        };
        match decode_request(text.as_str()) {
            Request::Subscribe(channels) => self.subscribe(channels).await,
            Request::Unsubscribe(channels) => self.unsubscribe(channels).await,
            Request::Auth { legacy, payload } => self.authenticate(&payload, legacy).await,
            Request::Unauth => {
                self.unauth();
                true
            }
            Request::Ping => self.send_control(&json!({"type": "pong"})).await,
            Request::EnableHeartbeat => {
                let period = self.state.heartbeat_period();
                self.heartbeat = Some(tokio::time::interval_at(Instant::now() + period, period));
                true
            }
            Request::DisableHeartbeat => {
                self.heartbeat = None;
                true
            }
            Request::Unknown => true,
        }
    }

    async fn authenticate(&mut self, payload: &Value, legacy: bool) -> bool {
        if self.endpoint == Endpoint::Public {
            // The public socket has no authentication (REFERENCE 1.2); answer as an unknown key.
            return self
                .send_control(&json!({"type": "key-auth", "success": false, "status_code": 404,
                                             "status": "api_key_not_found", "message": "ApiKey not found"}))
                .await;
        }
        let outcome = authenticate(&self.state, payload, legacy, unix_seconds());
        if let Some(user_id) = outcome.user_id {
            self.user_id = Some(user_id);
            if self.pump.is_none() {
                let pump = private::spawn_pump(self.state.clone(), self.outbox.clone(), self.private.clone(), user_id);
                self.pump = Some(pump);
            }
        }
        self.send_control(&outcome.reply).await
    }

    fn unauth(&mut self) {
        self.user_id = None;
        if let Some(pump) = self.pump.take() {
            pump.abort();
        }
        self.private.lock().unwrap_or_else(PoisonError::into_inner).clear();
        let endpoint = self.endpoint;
        self.channels.retain(|name, _| channel_rules(endpoint, name).is_some_and(|rules| !rules.private));
    }

    /// Checks one requested channel; `Err` carries the per-channel error text.
    fn admit(&self, request: &ChannelRequest) -> Result<(bool, Vec<String>), String> {
        let name = &request.name;
        // Delta's texts for unknown channels, refused groups and symbol caps are not documented
        // (unconfirmed); only the unauthorized text is.
        let rules = channel_rules(self.endpoint, name).ok_or_else(|| format!("{name} is not a valid channel"))?;
        if rules.private && self.user_id.is_none() {
            return Err(format!("subscription forbidden on {name}. Unauthorized user"));
        }
        if rules.symbol_less {
            return Ok((rules.private, vec![String::new()]));
        }
        let symbols = request.symbols.clone().unwrap_or_default();
        if !rules.accepts_all && symbols.iter().any(|symbol| is_group(symbol)) {
            return Err(format!("subscription failed on {name}. \"all\" and category names are not supported"));
        }
        if let Some(cap) = rules.max_symbols {
            let current = self.channels.get(name);
            let total: BTreeSet<&String> =
                current.into_iter().flat_map(|symbols| symbols.keys()).chain(&symbols).collect();
            if total.len() > cap {
                return Err(format!("subscription failed on {name}. Symbol limit of {cap} per connection exceeded"));
            }
        }
        Ok((rules.private, symbols))
    }

    async fn subscribe(&mut self, requests: Vec<ChannelRequest>) -> bool {
        let mut errors = Vec::new();
        let mut snapshots = Vec::new();
        for request in requests {
            let (private, symbols) = match self.admit(&request) {
                Ok(admitted) => admitted,
                Err(error) => {
                    errors.push(json!({"name": request.name, "error": error}));
                    continue;
                }
            };
            let entry = self.channels.entry(request.name.clone()).or_default();
            let mut added = Vec::new();
            for symbol in symbols {
                if entry.contains_key(&symbol) {
                    continue;
                }
                let producer = (!private).then(|| {
                    feeds::spawn(Feed {
                        state: self.state.clone(),
                        out: self.outbox.clone(),
                        endpoint: self.endpoint,
                        channel: request.name.clone(),
                        symbol: symbol.clone(),
                    })
                });
                entry.insert(symbol.clone(), producer);
                added.push(symbol);
            }
            if private {
                let symbols: BTreeSet<String> = entry.keys().cloned().collect();
                self.private.lock().unwrap_or_else(PoisonError::into_inner).set(&request.name, symbols);
                if let Some(user_id) = self.user_id {
                    snapshots.extend(private::snapshots(&self.state, &self.private, user_id, &request.name, &added));
                }
            }
        }
        if !self.reply_subscriptions(errors).await {
            return false;
        }
        for snapshot in snapshots {
            if !self.send_data(snapshot).await {
                return false;
            }
        }
        true
    }

    async fn unsubscribe(&mut self, requests: Vec<ChannelRequest>) -> bool {
        for request in requests {
            let Some(symbols) = self.channels.get_mut(&request.name) else { continue };
            let removed: Vec<String> = match &request.symbols {
                Some(listed) => listed.iter().filter(|symbol| symbols.contains_key(*symbol)).cloned().collect(),
                None => symbols.keys().cloned().collect(),
            };
            for symbol in removed {
                if let Some(Some(producer)) = symbols.remove(&symbol) {
                    producer.abort();
                }
            }
            let left: BTreeSet<String> = symbols.keys().cloned().collect();
            if left.is_empty() {
                self.channels.remove(&request.name);
            }
            if channel_rules(self.endpoint, &request.name).is_some_and(|rules| rules.private) {
                self.private.lock().unwrap_or_else(PoisonError::into_inner).set(&request.name, left);
            }
        }
        // The reply to unsubscribe is not documented; Delta is assumed to answer the current list
        // (REFERENCE 9.2, inferred).
        self.reply_subscriptions(Vec::new()).await
    }

    async fn reply_subscriptions(&mut self, errors: Vec<Value>) -> bool {
        let mut channels: Vec<Value> =
            self.channels.iter().map(|(name, symbols)| subscription_entry(name, symbols)).collect();
        channels.extend(errors);
        self.send_control(&json!({"type": "subscriptions", "channels": channels})).await
    }

    fn stop_everything(&mut self) {
        for symbols in self.channels.values() {
            for producer in symbols.values().flatten() {
                producer.abort();
            }
        }
        if let Some(pump) = self.pump.take() {
            pump.abort();
        }
    }
}
