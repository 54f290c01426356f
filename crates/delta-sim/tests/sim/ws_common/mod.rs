//! Socket test helpers: a tokio-tungstenite client that sends JSON and reads JSON frames, key-auth, and
//! the golden check of one received frame (fixture shape + delta-core decoding). Tests using this module
//! also declare `mod common;`.

#![allow(dead_code)]

use std::collections::BTreeMap;
use std::time::Duration;

use delta_core::auth::{timestamp_seconds, Signer};
use delta_core::parse::{decode, Endpoint};
use delta_core::Decimal;
use futures_util::{SinkExt, StreamExt};
use serde_json::{json, Value};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{connect_async, MaybeTlsStream, WebSocketStream};

/// How long a test waits for one expected frame before failing.
pub const WAIT: Duration = Duration::from_secs(10);

/// A connected socket client.
pub struct Client {
    pub socket: WebSocketStream<MaybeTlsStream<TcpStream>>,
}

impl Client {
    /// Connects to `url`.
    pub async fn connect(url: &str) -> Self {
        let (socket, _) = connect_async(url).await.unwrap();
        Self { socket }
    }

    /// Sends a JSON text frame.
    pub async fn send(&mut self, value: &Value) {
        self.socket.send(Message::Text(value.to_string().into())).await.unwrap();
    }

    /// The next text frame as text; `None` when the connection closed.
    pub async fn next_text(&mut self) -> Option<String> {
        loop {
            match tokio::time::timeout(WAIT, self.socket.next()).await.expect("no frame in time")? {
                Ok(Message::Text(text)) => return Some(text.to_string()),
                Ok(Message::Close(_)) | Err(_) => return None,
                Ok(_) => {}
            }
        }
    }

    /// The next text frame as JSON.
    pub async fn next(&mut self) -> Value {
        let text = self.next_text().await.expect("connection closed");
        serde_json::from_str(&text).unwrap()
    }

    /// The next frame whose `type` is `kind`, as text.
    pub async fn next_text_of(&mut self, kind: &str) -> String {
        loop {
            let text = self.next_text().await.expect("connection closed");
            let value: Value = serde_json::from_str(&text).unwrap();
            if value["type"] == kind {
                return text;
            }
        }
    }

    /// The next frame whose `type` is `kind`.
    pub async fn next_of(&mut self, kind: &str) -> Value {
        serde_json::from_str(&self.next_text_of(kind).await).unwrap()
    }

    /// Subscribes and returns the `subscriptions` reply.
    pub async fn subscribe(&mut self, channels: Value) -> Value {
        self.send(&json!({"type": "subscribe", "payload": {"channels": channels}})).await;
        self.next_of("subscriptions").await
    }
}

impl Client {
    /// Sends `key-auth` signed by `signer` at `timestamp` and returns the `key-auth` reply.
    pub async fn key_auth_at(&mut self, signer: &Signer, timestamp: &str) -> Value {
        let signature = signer.sign_ws(timestamp);
        let payload = json!({"api-key": signer.api_key(), "signature": signature.as_str(), "timestamp": timestamp});
        self.send(&json!({"type": "key-auth", "payload": payload})).await;
        self.next_of("key-auth").await
    }

    /// Sends a correctly signed `key-auth` and asserts it succeeded.
    pub async fn key_auth(&mut self, signer: &Signer) {
        let reply = self.key_auth_at(signer, &timestamp_seconds()).await;
        assert_eq!(reply["success"], true, "key-auth refused: {reply}");
    }
}

/// Asserts that the frame `text` received on `endpoint` has the shape of fixture `name` and that
/// delta-core decodes it; returns it as JSON.
pub fn check_frame(name: &str, endpoint: Endpoint, text: &str) -> Value {
    let value: Value = serde_json::from_str(text).unwrap();
    crate::common::assert_shape(name, &value);
    if let Err(error) = decode(endpoint, text.as_bytes()) {
        panic!("{name}: delta-core cannot decode {text}: {error:?}");
    }
    value
}

/// A tiny test-side book keyed by exact decimals, keeping the wire strings.
#[derive(Default)]
pub struct TestBook {
    asks: BTreeMap<Decimal, (String, String)>,
    bids: BTreeMap<Decimal, (String, String)>,
}

impl TestBook {
    /// Applies `[[price, size], ...]` to the asks (`asks`) or bids; size `"0"` deletes.
    pub fn apply(&mut self, levels: &Value, asks: bool) {
        for level in levels.as_array().unwrap() {
            let (price, size) = (level[0].as_str().unwrap(), level[1].as_str().unwrap());
            let key: Decimal = price.parse().unwrap();
            let side = if asks { &mut self.asks } else { &mut self.bids };
            if size == "0" {
                side.remove(&key);
            } else {
                side.insert(key, (price.to_owned(), size.to_owned()));
            }
        }
    }

    /// Asks, ascending.
    pub fn asks(&self) -> Vec<(String, String)> {
        self.asks.values().cloned().collect()
    }

    /// Bids, descending.
    pub fn bids(&self) -> Vec<(String, String)> {
        self.bids.values().rev().cloned().collect()
    }

    /// REFERENCE 9.7, written independently of the sim.
    pub fn checksum(&self) -> u32 {
        let join = |levels: Vec<(String, String)>| {
            levels.iter().take(10).map(|(p, s)| format!("{p}:{s}")).collect::<Vec<_>>().join(",")
        };
        crc32fast::hash(format!("{}|{}", join(self.asks()), join(self.bids())).as_bytes())
    }
}

/// `[[price, size], ...]` as text pairs.
pub fn pairs(value: &Value) -> Vec<(String, String)> {
    value
        .as_array()
        .unwrap()
        .iter()
        .map(|level| (level[0].as_str().unwrap().to_owned(), level[1].as_str().unwrap().to_owned()))
        .collect()
}

/// Applies one update that must carry `seq + 1`, and checks its checksum.
pub fn apply_update(
    book: &mut TestBook,
    seq: &mut u64,
    update: &Value,
    (ask_key, bid_key, seq_key): (&str, &str, &str),
) {
    assert_eq!(update[seq_key].as_u64().unwrap(), *seq + 1, "sequence gap");
    *seq += 1;
    book.apply(&update[ask_key], true);
    book.apply(&update[bid_key], false);
    assert_eq!(update["cs"], book.checksum(), "checksum after seq {seq}");
}
