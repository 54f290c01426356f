//! The WebSocket client: connect, heartbeat, key-auth, subscriptions, reconnect, lifecycle events.
