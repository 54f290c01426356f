//! The socket client's machinery against a minimal in-test WebSocket server on 127.0.0.1: reconnect and
//! resubscribe, watchdog, connection budget, key-auth signing, sharding, `action: error` resubscription,
//! queue back-pressure and counters, clean close. No test measures time; short timings only make the
//! scenarios quick, and every wait has a generous upper bound so a failure cannot hang.

use std::collections::BTreeSet;
use std::future::Future;
use std::time::Duration;

use delta_core::auth::Signer;
use delta_core::ws::{BookUpdate, Endpoint, GapReason, MarketEvent, WsClient, WsConfig, WsEventKind, WsEvents};
use delta_core::Credentials;
use futures_util::{SinkExt, StreamExt};
use serde_json::Value;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{accept_async, WebSocketStream};

type ServerSocket = WebSocketStream<TcpStream>;

const LIMIT: Duration = Duration::from_secs(10);

fn fixture(name: &str) -> String {
    std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../fixtures/delta-api/").to_owned() + name)
        .unwrap()
}

async fn within<T>(what: &str, future: impl Future<Output = T>) -> T {
    tokio::time::timeout(LIMIT, future).await.unwrap_or_else(|_| panic!("gave up waiting for {what}"))
}

/// A WebSocket server handing every accepted connection to the test.
struct Server {
    url: String,
    accepted: mpsc::UnboundedReceiver<ServerSocket>,
}

impl Server {
    async fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("ws://{}", listener.local_addr().unwrap());
        let (tx, accepted) = mpsc::unbounded_channel();
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                if let Ok(socket) = accept_async(stream).await {
                    if tx.send(socket).is_err() {
                        break;
                    }
                }
            }
        });
        Self { url, accepted }
    }

    async fn accept(&mut self) -> ServerSocket {
        within("a connection", self.accepted.recv()).await.unwrap()
    }
}

/// The next JSON text the client sent.
async fn next_json(socket: &mut ServerSocket) -> Value {
    loop {
        match within("a client message", socket.next()).await {
            Some(Ok(Message::Text(text))) => return serde_json::from_str(text.as_str()).unwrap(),
            Some(Ok(_)) => continue,
            other => panic!("client message expected, got {other:?}"),
        }
    }
}

/// Reads client messages until `type` is `kind`, skipping others.
async fn next_of(socket: &mut ServerSocket, kind: &str) -> Value {
    loop {
        let message = next_json(socket).await;
        if message["type"] == kind {
            return message;
        }
    }
}

/// `(channel, symbol)` pairs of a subscribe/unsubscribe request.
fn pairs(request: &Value) -> BTreeSet<(String, String)> {
    let mut out = BTreeSet::new();
    for channel in request["payload"]["channels"].as_array().unwrap() {
        let name = channel["name"].as_str().unwrap().to_owned();
        match channel["symbols"].as_array() {
            Some(symbols) => out.extend(symbols.iter().map(|s| (name.clone(), s.as_str().unwrap().to_owned()))),
            None => {
                out.insert((name, String::new()));
            }
        }
    }
    out
}

/// Reads subscribe requests until they cover `expected`.
async fn subscribed(socket: &mut ServerSocket, expected: &BTreeSet<(String, String)>) -> usize {
    let mut seen = BTreeSet::new();
    let mut requests = 0;
    while !expected.is_subset(&seen) {
        seen.extend(pairs(&next_of(socket, "subscribe").await));
        requests += 1;
    }
    requests
}

async fn send(socket: &mut ServerSocket, text: &str) {
    socket.send(Message::text(text.to_owned())).await.unwrap();
}

/// The next verified book event.
async fn next_book(events: &mut WsEvents) -> BookUpdate {
    wait_for(events, "a book event", |kind| match kind {
        WsEventKind::Market(MarketEvent::Book(book)) => Some(book.clone()),
        _ => None,
    })
    .await
}

/// `fixture` with top-level keys replaced.
fn edited(name: &str, changes: &[(&str, Value)]) -> String {
    let mut value: Value = serde_json::from_str(&fixture(name)).unwrap();
    for (key, new) in changes {
        value[*key] = new.clone();
    }
    value.to_string()
}

/// The next event matching `pick`, skipping the others.
async fn wait_for<T>(events: &mut WsEvents, what: &str, mut pick: impl FnMut(&WsEventKind) -> Option<T>) -> T {
    within(what, async {
        loop {
            let event = events.recv().await.unwrap_or_else(|| panic!("queue ended before {what}"));
            if let Some(found) = pick(&event.kind) {
                return found;
            }
        }
    })
    .await
}

fn config(url: &str) -> WsConfig {
    WsConfig {
        backoff_base: Duration::from_millis(1),
        backoff_cap: Duration::from_millis(5),
        resubscribe_delay: Duration::from_millis(20),
        ..WsConfig::new(url, Endpoint::Public)
    }
}

fn set(items: &[(&str, &str)]) -> BTreeSet<(String, String)> {
    items.iter().map(|&(c, s)| (c.to_owned(), s.to_owned())).collect()
}

#[tokio::test]
async fn reconnects_after_close_resubscribes_and_rebuilds_books() {
    let mut server = Server::start().await;
    let (client, mut events) = WsClient::connect(config(&server.url)).unwrap();
    client.subscribe("ob_updates", &["BTCUSD", "ETHUSD"]).unwrap();
    client.subscribe("trades", &["BTCUSD"]).unwrap();
    let all = set(&[("ob_updates", "BTCUSD"), ("ob_updates", "ETHUSD"), ("trades", "BTCUSD")]);

    let mut first = server.accept().await;
    assert_eq!(next_json(&mut first).await, serde_json::json!({"type": "enable_heartbeat"}));
    subscribed(&mut first, &all).await;
    send(&mut first, &fixture("ws_ob_updates_snapshot.json")).await;
    let book = next_book(&mut events).await;
    assert!(book.snapshot);
    assert_eq!((&*book.symbol, book.seq), ("BTCUSD", Some(1210339)));
    assert_eq!(book.asks[0], ("68453.0".parse().unwrap(), "1432".parse().unwrap()));
    first.close(None).await.unwrap();

    wait_for(&mut events, "Disconnected", |k| matches!(k, WsEventKind::Disconnected { .. }).then_some(())).await;
    let mut gaps = BTreeSet::new();
    while gaps.len() < 2 {
        let gap = wait_for(&mut events, "Gap", |kind| match kind {
            WsEventKind::Gap { channel, symbol, reason: GapReason::Reconnect } => {
                Some((channel.to_string(), symbol.to_string()))
            }
            _ => None,
        })
        .await;
        gaps.insert(gap);
    }
    assert_eq!(gaps, set(&[("ob_updates", "BTCUSD"), ("ob_updates", "ETHUSD")]));

    let mut second = server.accept().await;
    assert_eq!(next_json(&mut second).await["type"], "enable_heartbeat");
    let resubscribe = next_of(&mut second, "subscribe").await;
    assert_eq!(pairs(&resubscribe), all, "one request resubscribes everything");
    let channels = wait_for(&mut events, "Resubscribed", |kind| match kind {
        WsEventKind::Resubscribed { channels } => Some(*channels),
        _ => None,
    })
    .await;
    assert_eq!(channels, 2);
    send(&mut second, &fixture("ws_ob_updates_snapshot.json")).await;
    let resynced = wait_for(&mut events, "Resynced", |kind| match kind {
        WsEventKind::Resynced { channel, symbol } => Some((channel.to_string(), symbol.to_string())),
        _ => None,
    })
    .await;
    assert_eq!(resynced, ("ob_updates".to_owned(), "BTCUSD".to_owned()));

    let stats = client.stats();
    assert_eq!(stats.reconnects(), 1);
    assert_eq!((stats.gaps, stats.resyncs), (2, 1));
    client.close().await;
}

#[tokio::test]
async fn watchdog_declares_a_silent_connection_dead() {
    let mut server = Server::start().await;
    let config = WsConfig { heartbeat_timeout: Duration::from_millis(200), ..config(&server.url) };
    let (client, mut events) = WsClient::connect(config).unwrap();
    let _silent = server.accept().await;
    let reason = wait_for(&mut events, "Disconnected", |kind| match kind {
        WsEventKind::Disconnected { reason } => Some(reason.clone()),
        _ => None,
    })
    .await;
    assert!(reason.contains("watchdog"), "{reason}");
    let _second = server.accept().await;
    wait_for(&mut events, "Connected again", |k| matches!(k, WsEventKind::Connected).then_some(())).await;
    assert_eq!(client.stats().reconnects(), 1);
    client.close().await;
}

#[tokio::test]
async fn a_spent_connection_budget_is_waited_for() {
    let mut server = Server::start().await;
    let config =
        WsConfig { connect_budget_attempts: 2, connect_budget_window: Duration::from_secs(600), ..config(&server.url) };
    let (client, mut events) = WsClient::connect(config).unwrap();
    for _ in 0..2 {
        let mut socket = server.accept().await;
        socket.close(None).await.unwrap();
    }
    let delay = wait_for(&mut events, "a budget wait", |kind| match kind {
        WsEventKind::Reconnecting { delay, .. } if *delay > Duration::from_secs(60) => Some(*delay),
        _ => None,
    })
    .await;
    assert!(delay <= Duration::from_secs(600), "{delay:?}");
    client.close().await;
    assert!(server.accepted.try_recv().is_err(), "no third handshake inside the window");
}

#[tokio::test]
async fn key_auth_is_signed_and_success_reported() {
    let mut server = Server::start().await;
    let credentials = Credentials::new("test-key", "test-secret-value").unwrap();
    let config =
        WsConfig { endpoint: Endpoint::Private, credentials: Some(credentials.clone()), ..config(&server.url) };
    let (client, mut events) = WsClient::connect(config).unwrap();
    client.subscribe("orders", &["BTCUSD"]).unwrap();
    let mut socket = server.accept().await;
    let auth = next_of(&mut socket, "key-auth").await;
    let payload = &auth["payload"];
    assert_eq!(payload["api-key"], "test-key");
    let timestamp = payload["timestamp"].as_str().unwrap();
    let signature = payload["signature"].as_str().unwrap();
    assert!(Signer::new(&credentials).verify("GET", timestamp, "/live", "", b"", signature));
    assert!(!auth.to_string().contains("test-secret-value"));
    send(&mut socket, &fixture("ws_key_auth_success.json")).await;
    wait_for(&mut events, "Authenticated", |k| matches!(k, WsEventKind::Authenticated).then_some(())).await;
    subscribed(&mut socket, &set(&[("orders", "BTCUSD")])).await;
    client.close().await;
}

#[tokio::test]
async fn rotated_credentials_re_authenticate_the_live_connection() {
    let mut server = Server::start().await;
    let old = Credentials::new("old-key", "old-secret-value").unwrap();
    let config = WsConfig {
        endpoint: Endpoint::Private,
        credentials: Some(old),
        auth_retry_delay: Duration::from_millis(10),
        ..config(&server.url)
    };
    let (client, mut events) = WsClient::connect(config).unwrap();
    client.subscribe("orders", &["BTCUSD"]).unwrap();
    let mut socket = server.accept().await;
    assert_eq!(next_of(&mut socket, "key-auth").await["payload"]["api-key"], "old-key");
    send(&mut socket, &fixture("ws_key_auth_success.json")).await;
    wait_for(&mut events, "Authenticated", |k| matches!(k, WsEventKind::Authenticated).then_some(())).await;
    subscribed(&mut socket, &set(&[("orders", "BTCUSD")])).await;

    let new = Credentials::new("new-key", "new-secret-value").unwrap();
    client.rotate_credentials(&new).unwrap();
    let auth = next_of(&mut socket, "key-auth").await;
    let payload = &auth["payload"];
    assert_eq!(payload["api-key"], "new-key");
    let (timestamp, signature) = (payload["timestamp"].as_str().unwrap(), payload["signature"].as_str().unwrap());
    assert!(Signer::new(&new).verify("GET", timestamp, "/live", "", b"", signature));
    send(&mut socket, &fixture("ws_key_auth_success.json")).await;
    wait_for(&mut events, "Authenticated again", |k| matches!(k, WsEventKind::Authenticated).then_some(())).await;
    // Same connection, same subscriptions: the private stream keeps flowing.
    send(&mut socket, &fixture("ws_orders.json")).await;
    wait_for(&mut events, "an order event", |k| matches!(k, WsEventKind::Market(MarketEvent::Order(_))).then_some(()))
        .await;
    assert!(server.accepted.try_recv().is_err(), "rotation did not reconnect");
    assert_eq!(client.stats().reconnects(), 0);

    // A refused new key ends the session; the reconnect authenticates with the new pair again.
    client.rotate_credentials(&Credentials::new("newer-key", "newer-secret").unwrap()).unwrap();
    next_of(&mut socket, "key-auth").await;
    send(&mut socket, &fixture("ws_key_auth_error_invalid_signature.json")).await;
    wait_for(&mut events, "AuthFailed", |k| matches!(k, WsEventKind::AuthFailed { .. }).then_some(())).await;
    let mut again = server.accept().await;
    assert_eq!(next_of(&mut again, "key-auth").await["payload"]["api-key"], "newer-key");
    client.close().await;
}

#[tokio::test]
async fn a_public_client_has_no_credentials_to_rotate() {
    let server = Server::start().await;
    let (client, _events) = WsClient::connect(config(&server.url)).unwrap();
    let error = client.rotate_credentials(&Credentials::new("k", "s").unwrap()).unwrap_err();
    assert!(error.to_string().contains("without credentials"), "{error}");
    client.close().await;
}

#[tokio::test]
async fn a_refused_key_is_reported_and_not_retried_at_once() {
    let mut server = Server::start().await;
    let config = WsConfig {
        endpoint: Endpoint::Private,
        credentials: Some(Credentials::new("bad-key", "bad-secret").unwrap()),
        auth_retry_delay: Duration::from_secs(600),
        ..config(&server.url)
    };
    let (client, mut events) = WsClient::connect(config).unwrap();
    let mut socket = server.accept().await;
    next_of(&mut socket, "key-auth").await;
    send(&mut socket, &fixture("ws_key_auth_error_invalid_signature.json")).await;
    let failure = wait_for(&mut events, "AuthFailed", |kind| match kind {
        WsEventKind::AuthFailed { status_code, status } => Some((*status_code, status.clone())),
        _ => None,
    })
    .await;
    assert_eq!(failure, (Some(401), "invalid_signature".to_owned()));
    client.close().await;
    assert!(server.accepted.try_recv().is_err(), "the refused key was not retried");
}

#[tokio::test]
async fn capped_channels_are_sharded_over_connections() {
    let mut server = Server::start().await;
    let config =
        WsConfig { symbol_caps: delta_core::ws::SymbolCaps::default().with("ob_updates", 2), ..config(&server.url) };
    let (client, _events) = WsClient::connect(config).unwrap();
    let symbols = ["A", "B", "C", "D", "E"];
    client.subscribe("ob_updates", &symbols).unwrap();
    client.subscribe("ob_updates", &["A"]).unwrap();
    assert_eq!(client.connection_count(), 3);
    let mut union = BTreeSet::new();
    for _ in 0..3 {
        let mut socket = server.accept().await;
        let request = next_of(&mut socket, "subscribe").await;
        let mine = pairs(&request);
        assert!(mine.len() <= 2, "{mine:?}");
        union.extend(mine);
    }
    assert_eq!(union, symbols.iter().map(|s| ("ob_updates".to_owned(), s.to_string())).collect());
    client.close().await;
}

#[tokio::test]
async fn book_error_resubscribes_after_the_delay() {
    let mut server = Server::start().await;
    let (client, mut events) = WsClient::connect(config(&server.url)).unwrap();
    client.subscribe("ob_updates", &["BTCUSD"]).unwrap();
    let mut socket = server.accept().await;
    subscribed(&mut socket, &set(&[("ob_updates", "BTCUSD")])).await;
    send(&mut socket, &fixture("ws_ob_updates_error.json")).await;
    let reason = wait_for(&mut events, "Gap", |kind| match kind {
        WsEventKind::Gap { reason, .. } => Some(reason.clone()),
        _ => None,
    })
    .await;
    assert!(matches!(reason, GapReason::ExchangeError(ref text) if text.contains("Snapshot load failed")));
    assert_eq!(pairs(&next_of(&mut socket, "unsubscribe").await), set(&[("ob_updates", "BTCUSD")]));
    assert_eq!(pairs(&next_of(&mut socket, "subscribe").await), set(&[("ob_updates", "BTCUSD")]));
    client.resubscribe("ob_updates", "BTCUSD").unwrap();
    assert_eq!(next_json(&mut socket).await["type"], "unsubscribe");
    client.unsubscribe("ob_updates", &[]).unwrap();
    let leave = next_of(&mut socket, "unsubscribe").await;
    assert_eq!(pairs(&leave), set(&[("ob_updates", "")]), "leaving a whole channel omits its symbols");
    client.close().await;
}

#[tokio::test]
async fn full_queue_applies_back_pressure_without_loss() {
    let mut server = Server::start().await;
    let config = WsConfig { queue_capacity: 2, ..config(&server.url) };
    let (client, mut events) = WsClient::connect(config).unwrap();
    let mut socket = server.accept().await;
    let frames: Vec<String> =
        (0..20).map(|i| edited("ws_trades.json", &[("t", serde_json::json!(1_779_962_402_331_207_i64 + i))])).collect();
    for frame in &frames {
        send(&mut socket, frame).await;
    }
    within("the queue to fill", async {
        while client.stats().queue_full_waits == 0 {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    })
    .await;
    let mut received = Vec::new();
    while received.len() < frames.len() {
        let time = wait_for(&mut events, "a trade", |kind| match kind {
            WsEventKind::Market(MarketEvent::Trade(trade)) => Some(trade.trade_time_us),
            _ => None,
        })
        .await;
        received.push(time);
    }
    let expected: Vec<i64> = (0..20).map(|i| 1_779_962_402_331_207 + i).collect();
    assert_eq!(received, expected, "every trade, in order");
    let stats = client.stats();
    assert!(stats.queue_max_depth >= 2 && stats.queue_max_depth <= 3, "{stats:?}");
    assert_eq!(stats.queue_depth, 0);
    assert_eq!(stats.connections.len(), 1);
    assert_eq!(stats.connections[0].frames, 20);
    assert_eq!(stats.connections[0].bytes, frames.iter().map(|f| f.len() as u64).sum::<u64>());
    assert!(stats.max_lag >= stats.last_lag);
    client.close().await;
}

#[tokio::test]
async fn decode_errors_are_counted_and_the_stream_goes_on() {
    let mut server = Server::start().await;
    let (client, mut events) = WsClient::connect(config(&server.url)).unwrap();
    let mut socket = server.accept().await;
    send(&mut socket, "not json at all").await;
    send(&mut socket, r#"{"type":"trades","sy":"BTCUSD"}"#).await;
    send(&mut socket, &fixture("ws_trades.json")).await;
    let excerpt = wait_for(&mut events, "DecodeError", |kind| match kind {
        WsEventKind::DecodeError { excerpt, .. } => Some(excerpt.clone()),
        _ => None,
    })
    .await;
    assert_eq!(excerpt, "not json at all");
    let channel = wait_for(&mut events, "a DecodeError of trades", |kind| match kind {
        WsEventKind::DecodeError { channel, .. } => Some(channel.clone()),
        _ => None,
    })
    .await;
    assert_eq!(channel, "trades");
    let trade = wait_for(&mut events, "the next trade", |kind| match kind {
        WsEventKind::Market(MarketEvent::Trade(trade)) => Some(trade.clone()),
        _ => None,
    })
    .await;
    assert_eq!((&*trade.symbol, trade.price), ("BTCUSD", "68453.5".parse().unwrap()));
    assert_eq!(client.stats().decode_errors.values().sum::<u64>(), 2);
    assert_eq!(client.stats().decode_errors.get("trades"), Some(&1));
    send(&mut socket, &fixture("ws_mark_price.json")).await;
    wait_for(&mut events, "the mark price", |k| {
        matches!(k, WsEventKind::Market(MarketEvent::MarkPrice(_))).then_some(())
    })
    .await;
    let messages = client.stats().messages;
    assert_eq!(messages.get("trades"), Some(&1), "only decoded messages count: {messages:?}");
    assert_eq!(messages.get("mark_price"), Some(&1), "{messages:?}");
    client.close().await;
}

#[tokio::test]
async fn close_sends_a_close_frame_ends_tasks_and_the_queue() {
    let mut server = Server::start().await;
    let (client, mut events) = WsClient::connect(config(&server.url)).unwrap();
    let mut socket = server.accept().await;
    wait_for(&mut events, "Connected", |k| matches!(k, WsEventKind::Connected).then_some(())).await;
    client.close().await;
    let closing = within("the close frame", async {
        loop {
            match socket.next().await {
                Some(Ok(Message::Close(_))) | None => return true,
                Some(Ok(_)) => continue,
                Some(Err(_)) => return false,
            }
        }
    })
    .await;
    assert!(closing, "the client closed with a close frame");
    within("the queue to end", async { while events.recv().await.is_some() {} }).await;
}

#[tokio::test]
async fn a_book_gap_resubscribes_at_once_and_emits_nothing_until_the_snapshot() {
    let mut server = Server::start().await;
    let (client, mut events) = WsClient::connect(config(&server.url)).unwrap();
    client.subscribe("ob_updates", &["BTCUSD"]).unwrap();
    let mut socket = server.accept().await;
    subscribed(&mut socket, &set(&[("ob_updates", "BTCUSD")])).await;
    send(&mut socket, &fixture("ws_ob_updates_snapshot.json")).await;
    assert!(next_book(&mut events).await.snapshot);
    send(&mut socket, &edited("ws_ob_updates_update.json", &[("seq", serde_json::json!(1_210_345))])).await;
    let reason = wait_for(&mut events, "Gap", |kind| match kind {
        WsEventKind::Gap { reason, .. } => Some(reason.clone()),
        _ => None,
    })
    .await;
    assert!(matches!(reason, GapReason::Book(_)), "{reason:?}");
    assert_eq!(pairs(&next_of(&mut socket, "unsubscribe").await), set(&[("ob_updates", "BTCUSD")]));
    assert_eq!(pairs(&next_of(&mut socket, "subscribe").await), set(&[("ob_updates", "BTCUSD")]));
    send(&mut socket, &fixture("ws_ob_updates_update.json")).await;
    send(&mut socket, &fixture("ws_ob_updates_snapshot.json")).await;
    let mut after_gap = Vec::new();
    within("the resync", async {
        loop {
            let kind = events.recv().await.unwrap().kind;
            let done = matches!(kind, WsEventKind::Market(MarketEvent::Book(_)));
            after_gap.push(kind);
            if done {
                break;
            }
        }
    })
    .await;
    assert!(matches!(after_gap.first(), Some(WsEventKind::Resynced { .. })), "{after_gap:?}");
    assert!(
        matches!(after_gap.as_slice(), [_, WsEventKind::Market(MarketEvent::Book(b))] if b.snapshot),
        "the update on the invalid book was not emitted: {after_gap:?}"
    );
    let stats = client.stats();
    assert_eq!((stats.gaps, stats.resyncs), (1, 1));
    client.close().await;
}
