//! Socket test helpers: a tokio-tungstenite client that sends JSON and reads JSON frames.

#![allow(dead_code)]

use std::time::Duration;

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

    /// The next frame whose `type` is `kind`.
    pub async fn next_of(&mut self, kind: &str) -> Value {
        loop {
            let value = self.next().await;
            if value["type"] == kind {
                return value;
            }
        }
    }

    /// Subscribes and returns the `subscriptions` reply.
    pub async fn subscribe(&mut self, channels: Value) -> Value {
        self.send(&json!({"type": "subscribe", "payload": {"channels": channels}})).await;
        self.next_of("subscriptions").await
    }
}
