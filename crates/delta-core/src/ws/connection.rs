//! One socket connection, driven by its own tokio task: connect, heartbeat, `key-auth`, (re)subscribe,
//! read, watchdog, ping/pong, reconnect with backoff inside the connection budget.

use std::sync::Arc;
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use tokio::net::TcpStream;
use tokio::sync::{mpsc, watch};
use tokio::time::{sleep, sleep_until, timeout, Instant};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{connect_async_with_config, MaybeTlsStream, WebSocketStream};
use tracing::{debug, warn};

use super::backoff::{Backoff, ConnectBudget};
use super::config::WsConfig;
use super::dispatch::{Dispatcher, Signal};
use super::event::{unix_nanos, GapReason, WsEvent, WsEventKind};
use super::queue::EventSender;
use super::stats::{ConnectionCounters, Counters};
use super::subscriptions::SubscriptionSet;
use crate::auth::{timestamp_seconds, Signer};
use crate::parse::request::{self, ChannelRequest};

type Socket = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// Requests from the client handle to one connection.
#[derive(Debug)]
pub(crate) enum Command {
    /// Add symbols (or a bare channel) and subscribe them now if connected.
    Subscribe { channel: Arc<str>, symbols: Vec<Arc<str>> },
    /// Remove symbols (all of the channel when empty) and unsubscribe them now if connected.
    Unsubscribe { channel: Arc<str>, symbols: Vec<Arc<str>> },
    /// Unsubscribe and subscribe again one symbol, to get a fresh snapshot.
    Resubscribe { channel: Arc<str>, symbol: Arc<str> },
    /// Use a new key pair: `key-auth` again now if connected, and on every later handshake.
    Reauthenticate { signer: Signer },
}

/// Why the connection task must stop altogether.
#[derive(Debug)]
enum Stop {
    /// `close()` was called or the client handle was dropped.
    Shutdown,
    /// The consumer dropped its queue.
    ConsumerGone,
}

/// How a session (one established socket) ended.
enum SessionEnd {
    Stop(Stop),
    Lost(String),
    AuthRefused,
}

impl From<Stop> for SessionEnd {
    fn from(stop: Stop) -> Self {
        Self::Stop(stop)
    }
}

/// Everything one connection task owns.
pub(crate) struct Connection {
    pub index: usize,
    pub config: Arc<WsConfig>,
    pub signer: Option<Signer>,
    pub budget: ConnectBudget,
    pub events: EventSender,
    pub counters: Arc<ConnectionCounters>,
    pub shared: Arc<Counters>,
    pub commands: mpsc::UnboundedReceiver<Command>,
    pub shutdown: watch::Receiver<bool>,
    pub subscriptions: SubscriptionSet,
    /// Decoding and the verified books of this connection.
    pub dispatcher: Dispatcher,
    /// Resubscriptions due at an instant (after `action: error`).
    pub pending_resubscribes: Vec<(Instant, Arc<str>, Arc<str>)>,
}

impl Connection {
    /// Runs until shutdown or until the consumer goes away.
    pub async fn run(mut self) {
        let mut backoff = Backoff::new(self.config.backoff_base, self.config.backoff_cap);
        let mut sessions = 0u64;
        // Every attempt but the very first waits its backoff: a refused first handshake (HTTP 429, nothing
        // listening) must back off too, not retry in a tight loop until the connection budget is spent.
        let mut first_attempt = true;
        let stop = loop {
            if !std::mem::take(&mut first_attempt) {
                let delay = backoff.next_delay();
                let attempt = backoff.failures();
                if let Err(stop) = self.emit(WsEventKind::Reconnecting { attempt, delay }).await {
                    break stop;
                }
                if let Err(stop) = self.pause(delay).await {
                    break stop;
                }
            }
            if let Err(stop) = self.wait_for_budget(backoff.failures()).await {
                break stop;
            }
            let socket = match self.handshake().await {
                Ok(socket) => socket,
                Err(reason) => match self.emit(WsEventKind::Disconnected { reason }).await {
                    Ok(()) => continue,
                    Err(stop) => break stop,
                },
            };
            if sessions > 0 {
                self.counters.reconnected();
            }
            sessions += 1;
            let end = self.session(socket, sessions > 1, &mut backoff).await;
            match end {
                SessionEnd::Stop(stop) => break stop,
                SessionEnd::Lost(reason) => {
                    if let Err(stop) = self.connection_lost(reason).await {
                        break stop;
                    }
                }
                SessionEnd::AuthRefused => {
                    if let Err(stop) = self.pause(self.config.auth_retry_delay).await {
                        break stop;
                    }
                }
            }
        };
        debug!(connection = self.index, ?stop, "socket connection task ends");
    }

    /// Sends an event to the consumer, waiting for room (back-pressure) unless shut down meanwhile.
    async fn emit(&mut self, kind: WsEventKind) -> Result<(), Stop> {
        self.emit_at(unix_nanos(), kind).await
    }

    async fn emit_at(&mut self, received_ns: u64, kind: WsEventKind) -> Result<(), Stop> {
        let event = WsEvent { connection: self.index, received_ns, kind };
        tokio::select! {
            sent = self.events.send(event) => sent.map_err(|_| Stop::ConsumerGone),
            () = stopped(&mut self.shutdown) => Err(Stop::Shutdown),
        }
    }

    /// Sleeps unless shut down meanwhile.
    async fn pause(&mut self, delay: Duration) -> Result<(), Stop> {
        tokio::select! {
            () = sleep(delay) => Ok(()),
            () = stopped(&mut self.shutdown) => Err(Stop::Shutdown),
        }
    }

    /// Waits until the connection budget allows one more handshake, and takes it.
    async fn wait_for_budget(&mut self, failures: u32) -> Result<(), Stop> {
        while let Some(wait) = self.budget.try_acquire() {
            warn!(connection = self.index, ?wait, "connection budget spent; waiting");
            self.emit(WsEventKind::Reconnecting { attempt: failures.max(1), delay: wait }).await?;
            self.pause(wait).await?;
        }
        Ok(())
    }

    async fn handshake(&mut self) -> Result<Socket, String> {
        // TCP_NODELAY: pings, subscriptions and auth go out at once instead of waiting on Nagle's algorithm.
        let connect = connect_async_with_config(self.config.url.as_str(), None, true);
        match timeout(self.config.connect_timeout, connect).await {
            Ok(Ok((socket, _response))) => Ok(socket),
            Ok(Err(error)) => Err(format!("connect failed: {error}")),
            Err(_) => Err(format!("connect timed out after {:?}", self.config.connect_timeout)),
        }
    }

    /// After a lost connection: report it, and mark every incremental book for rebuild.
    async fn connection_lost(&mut self, reason: String) -> Result<(), Stop> {
        self.emit(WsEventKind::Disconnected { reason }).await?;
        self.pending_resubscribes.clear();
        for (channel, symbol) in self.dispatcher.connection_lost(&self.subscriptions.book_symbols()) {
            self.shared.gap();
            self.emit(WsEventKind::Gap { channel, symbol, reason: GapReason::Reconnect }).await?;
        }
        Ok(())
    }

    /// One established socket, from the handshake to its end.
    async fn session(&mut self, mut socket: Socket, reconnected: bool, backoff: &mut Backoff) -> SessionEnd {
        if let Err(stop) = self.emit(WsEventKind::Connected).await {
            return stop.into();
        }
        if self.config.enable_heartbeat {
            if let Err(reason) = send_text(&mut socket, request::enable_heartbeat()).await {
                return SessionEnd::Lost(reason);
            }
        }
        if let Some(end) = self.authenticate(&mut socket).await {
            if let SessionEnd::AuthRefused = end {
                let _ = socket.close(None).await;
            }
            return end;
        }
        self.drain_commands();
        if !self.subscriptions.is_empty() {
            let entries = self.subscriptions.entries();
            let refs: Vec<(&str, &[Arc<str>])> = entries.iter().map(|(c, s)| (&**c, s.as_slice())).collect();
            let text = channels_text(request::subscribe, &refs);
            if let Err(reason) = send_text(&mut socket, text).await {
                return SessionEnd::Lost(reason);
            }
            if reconnected {
                let channels = entries.len();
                if let Err(stop) = self.emit(WsEventKind::Resubscribed { channels }).await {
                    return stop.into();
                }
            }
        }
        backoff.reset();
        match self.read_loop(&mut socket).await {
            SessionEnd::Stop(Stop::Shutdown) => {
                let _ = socket.close(None).await;
                SessionEnd::Stop(Stop::Shutdown)
            }
            end => end,
        }
    }

    /// Sends `key-auth` with the current signer, if any; false when there is none.
    async fn send_key_auth(&self, socket: &mut Socket) -> Result<bool, String> {
        let Some(signer) = self.signer.as_ref() else { return Ok(false) };
        let timestamp = timestamp_seconds();
        let signature = signer.sign_ws(&timestamp);
        send_text(socket, request::key_auth(signer.api_key(), signature.as_str(), &timestamp)).await?;
        Ok(true)
    }

    /// Sends `key-auth` and waits for its reply; `None` when authenticated or not needed.
    async fn authenticate(&mut self, socket: &mut Socket) -> Option<SessionEnd> {
        match self.send_key_auth(socket).await {
            Ok(true) => {}
            Ok(false) => return None,
            Err(reason) => return Some(SessionEnd::Lost(reason)),
        }
        let deadline = Instant::now() + self.config.auth_timeout;
        let mut shutdown = self.shutdown.clone();
        loop {
            let frame = tokio::select! {
                frame = socket.next() => frame,
                () = sleep_until(deadline) => {
                    let failed = WsEventKind::AuthFailed { status_code: None, status: "timeout".into() };
                    return Some(self.emit(failed).await.map_or_else(SessionEnd::Stop, |()| SessionEnd::AuthRefused));
                }
                () = stopped(&mut shutdown) => return Some(Stop::Shutdown.into()),
            };
            let text = match frame {
                Some(Ok(Message::Text(text))) => text,
                Some(Ok(message)) => {
                    self.counters.frame(message.len());
                    continue;
                }
                Some(Err(error)) => return Some(SessionEnd::Lost(format!("read failed: {error}"))),
                None => return Some(SessionEnd::Lost("closed by the server during key-auth".into())),
            };
            let received_ns = unix_nanos();
            self.counters.seen_at(received_ns);
            match self.on_text(text.as_str(), received_ns).await {
                Ok(Signal::AuthReply { success, status_code, status }) => {
                    let (kind, end) = if success {
                        (WsEventKind::Authenticated, None)
                    } else {
                        let status = status.unwrap_or_else(|| "refused".to_owned());
                        warn!(connection = self.index, ?status_code, %status, "key-auth refused");
                        (WsEventKind::AuthFailed { status_code, status }, Some(SessionEnd::AuthRefused))
                    };
                    return match self.emit(kind).await {
                        Ok(()) => end,
                        Err(stop) => Some(stop.into()),
                    };
                }
                Ok(_) => {}
                Err(stop) => return Some(stop.into()),
            }
        }
    }

    /// Applies queued subscription commands to the set without sending (used right before subscribing all).
    fn drain_commands(&mut self) {
        while let Ok(command) = self.commands.try_recv() {
            match command {
                Command::Subscribe { channel, symbols } => self.subscriptions.add(&channel, &symbols),
                Command::Unsubscribe { channel, symbols } => self.subscriptions.remove(&channel, &symbols),
                Command::Resubscribe { .. } => {}
                Command::Reauthenticate { signer } => self.signer = Some(signer),
            }
        }
    }

    async fn read_loop(&mut self, socket: &mut Socket) -> SessionEnd {
        let mut last_frame = Instant::now();
        let mut next_ping = Instant::now() + self.config.ping_interval;
        let mut pong_deadline: Option<Instant> = None;
        let mut shutdown = self.shutdown.clone();
        loop {
            let watchdog = last_frame + self.config.heartbeat_timeout;
            let next_resubscribe = self.pending_resubscribes.iter().map(|(due, _, _)| *due).min();
            tokio::select! {
                () = stopped(&mut shutdown) => return Stop::Shutdown.into(),
                frame = socket.next() => {
                    let received_ns = unix_nanos();
                    self.counters.seen_at(received_ns);
                    last_frame = Instant::now();
                    let text = match frame {
                        Some(Ok(Message::Text(text))) => text,
                        Some(Ok(Message::Pong(payload))) => {
                            self.counters.frame(payload.len());
                            pong_deadline = None;
                            continue;
                        }
                        Some(Ok(Message::Close(frame))) => {
                            let reason = frame.map_or_else(String::new, |f| format!(" ({} {})", f.code, f.reason));
                            return SessionEnd::Lost(format!("closed by the server{reason}"));
                        }
                        Some(Ok(message)) => {
                            self.counters.frame(message.len());
                            continue;
                        }
                        Some(Err(error)) => return SessionEnd::Lost(format!("read failed: {error}")),
                        None => return SessionEnd::Lost("connection closed".into()),
                    };
                    match self.on_text(text.as_str(), received_ns).await {
                        Ok(Signal::Pong) => pong_deadline = None,
                        Ok(Signal::Resubscribe { channel, symbol, delayed: false }) => {
                            if let Err(reason) = self.resubscribe(socket, channel, symbol).await {
                                return SessionEnd::Lost(reason);
                            }
                        }
                        Ok(Signal::Resubscribe { channel, symbol, delayed: true }) => {
                            let due = Instant::now() + self.config.resubscribe_delay;
                            self.pending_resubscribes.push((due, channel, symbol));
                        }
                        Ok(Signal::AuthReply { success, status_code, status }) => {
                            if let Some(end) = self.on_reauth_reply(success, status_code, status).await {
                                return end;
                            }
                        }
                        Ok(Signal::None) => {}
                        Err(stop) => return stop.into(),
                    }
                }
                command = self.commands.recv() => {
                    let Some(command) = command else { return Stop::Shutdown.into() };
                    if let Err(reason) = self.apply(socket, command).await {
                        return SessionEnd::Lost(reason);
                    }
                }
                () = sleep_until(watchdog) => {
                    return SessionEnd::Lost(format!("no frame for {:?} (watchdog)", self.config.heartbeat_timeout));
                }
                () = sleep_until(next_ping) => {
                    next_ping = Instant::now() + self.config.ping_interval;
                    if pong_deadline.is_none() {
                        pong_deadline = Some(Instant::now() + self.config.pong_timeout);
                    }
                    if let Err(reason) = send_text(socket, request::ping()).await {
                        return SessionEnd::Lost(reason);
                    }
                }
                () = sleep_until(pong_deadline.unwrap_or(watchdog)), if pong_deadline.is_some() => {
                    return SessionEnd::Lost(format!("no pong within {:?}", self.config.pong_timeout));
                }
                () = sleep_until(next_resubscribe.unwrap_or(watchdog)), if next_resubscribe.is_some() => {
                    if let Err(reason) = self.resubscribe_due(socket).await {
                        return SessionEnd::Lost(reason);
                    }
                }
            }
        }
    }

    /// Decodes one text frame, emits its events and returns what it means to the machinery.
    async fn on_text(&mut self, text: &str, received_ns: u64) -> Result<Signal, Stop> {
        self.counters.frame(text.len());
        if self.config.capture_frames {
            self.emit_at(received_ns, WsEventKind::Frame { text: text.into() }).await?;
        }
        let mut out = Vec::new();
        let signal = self.dispatcher.dispatch(text, &mut out);
        for kind in out {
            match &kind {
                WsEventKind::DecodeError { channel, .. } => self.shared.decode_error(channel),
                WsEventKind::Gap { .. } => self.shared.gap(),
                WsEventKind::Resynced { .. } => self.shared.resync(),
                WsEventKind::SubscriptionError { channel, message } => {
                    warn!(connection = self.index, %channel, %message, "subscription refused");
                }
                _ => {}
            }
            self.emit_at(received_ns, kind).await?;
        }
        Ok(signal)
    }

    /// Applies a command to the set and sends the matching request.
    async fn apply(&mut self, socket: &mut Socket, command: Command) -> Result<(), String> {
        match command {
            Command::Subscribe { channel, symbols } => {
                self.subscriptions.add(&channel, &symbols);
                send_text(socket, channels_text(request::subscribe, &[(&channel, &symbols)])).await
            }
            Command::Unsubscribe { channel, symbols } => {
                let leaving = if symbols.is_empty() {
                    self.subscriptions.entries().into_iter().find(|(c, _)| *c == channel).map_or_else(Vec::new, |e| e.1)
                } else {
                    symbols.clone()
                };
                for symbol in &leaving {
                    self.dispatcher.forget(&channel, symbol);
                }
                self.subscriptions.remove(&channel, &symbols);
                self.pending_resubscribes.retain(|(_, c, s)| !(*c == channel && leaving.contains(s)));
                send_text(socket, channels_text(request::unsubscribe, &[(&channel, &symbols)])).await
            }
            Command::Resubscribe { channel, symbol } => self.resubscribe(socket, channel, symbol).await,
            Command::Reauthenticate { signer } => {
                self.signer = Some(signer);
                self.send_key_auth(socket).await.map(|_| ())
            }
        }
    }

    /// The reply to a `key-auth` sent on a live session (a key rotation): reported as an event; a refusal
    /// ends the session, which reconnects after `auth_retry_delay` and authenticates afresh.
    async fn on_reauth_reply(
        &mut self,
        success: bool,
        status_code: Option<u16>,
        status: Option<String>,
    ) -> Option<SessionEnd> {
        let (kind, end) = if success {
            debug!(connection = self.index, "re-authenticated with rotated credentials");
            (WsEventKind::Authenticated, None)
        } else {
            let status = status.unwrap_or_else(|| "refused".to_owned());
            warn!(connection = self.index, ?status_code, %status, "key-auth with rotated credentials refused");
            (WsEventKind::AuthFailed { status_code, status }, Some(SessionEnd::AuthRefused))
        };
        match self.emit(kind).await {
            Ok(()) => end,
            Err(stop) => Some(stop.into()),
        }
    }

    /// Unsubscribes and subscribes one symbol again; its book waits for the fresh snapshot.
    async fn resubscribe(&mut self, socket: &mut Socket, channel: Arc<str>, symbol: Arc<str>) -> Result<(), String> {
        if !self.subscriptions.contains(&channel, &symbol) {
            return Ok(());
        }
        self.dispatcher.mark_stale(&channel, &symbol);
        let symbols = [symbol];
        for build in [request::unsubscribe, request::subscribe] {
            send_text(socket, channels_text(build, &[(&channel, &symbols)])).await?;
        }
        Ok(())
    }

    async fn resubscribe_due(&mut self, socket: &mut Socket) -> Result<(), String> {
        let now = Instant::now();
        let (due, later): (Vec<_>, Vec<_>) =
            std::mem::take(&mut self.pending_resubscribes).into_iter().partition(|(at, _, _)| *at <= now);
        self.pending_resubscribes = later;
        for (_, channel, symbol) in due {
            self.resubscribe(socket, channel, symbol).await?;
        }
        Ok(())
    }
}

/// A subscribe or unsubscribe request; an empty symbol list names the bare channel (symbol-less channels,
/// or leaving a whole channel).
fn channels_text(build: fn(&[ChannelRequest<'_>]) -> String, channels: &[(&str, &[Arc<str>])]) -> String {
    let symbols: Vec<Vec<&str>> = channels.iter().map(|(_, s)| s.iter().map(|s| &**s).collect()).collect();
    let requests: Vec<ChannelRequest<'_>> = channels
        .iter()
        .zip(&symbols)
        .map(
            |(&(name, _), symbols)| {
                if symbols.is_empty() {
                    ChannelRequest::whole(name)
                } else {
                    ChannelRequest::new(name, symbols)
                }
            },
        )
        .collect();
    build(&requests)
}

/// Resolves once shutdown is requested (or the client handle is gone).
async fn stopped(shutdown: &mut watch::Receiver<bool>) {
    // An error means the sender (the client handle) was dropped, which is a shutdown too.
    let _ = shutdown.wait_for(|&stop| stop).await;
}

async fn send_text(socket: &mut Socket, text: String) -> Result<(), String> {
    socket.send(Message::text(text)).await.map_err(|error| format!("send failed: {error}"))
}
