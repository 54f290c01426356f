//! Private channels (REFERENCE 9.6): snapshots on subscribe with explicit symbols, and the account's
//! event stream turned into `orders`, `user_trades`, `v2/user_trades`, `positions`, `margins` and
//! `mmp_trigger` frames in the engine's order (order update, fill, position, margin; REFERENCE 10).
//! One pump per connection keeps that order across channels; `seq_no` counts +1 per symbol on the connection,
//! `se` +1 per symbol over the account's fills (the same on every connection and across reconnects).

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use delta_core::model::Order;
use serde_json::{json, Map, Value};
use tokio::sync::broadcast::error::RecvError;
use tokio::task::JoinHandle;

use super::feeds::{Outbox, Outgoing};
use super::protocol::is_group;
use crate::catalog::Instrument;
use crate::engine::events::{EventKind, OrderReason, SimEvent};
use crate::state::{now_micros, AppState};

/// Keys of an order in the `orders` snapshot (fixture `ws_orders_snapshot.json`).
const SNAPSHOT_ORDER_KEYS: [&str; 15] = [
    "id",
    "limit_price",
    "order_type",
    "product_id",
    "reduce_only",
    "side",
    "size",
    "state",
    "stop_order_type",
    "stop_price",
    "time_in_force",
    "trail_amount",
    "unfilled_size",
    "average_fill_price",
    "client_order_id",
];

/// Keys of a position in the `positions` snapshot (fixture `ws_positions_snapshot.json`).
const SNAPSHOT_POSITION_KEYS: [&str; 15] = [
    "adl_level",
    "auto_topup",
    "bankruptcy_price",
    "commission",
    "created_at",
    "entry_price",
    "liquidation_price",
    "margin",
    "product_id",
    "product_symbol",
    "realized_funding",
    "realized_pnl",
    "size",
    "updated_at",
    "user_id",
];

/// A connection's private subscriptions and per-(channel, symbol) sequence numbers, shared between
/// the connection (which changes them) and its pump (which reads them).
#[derive(Debug, Default)]
pub struct PrivateSubscriptions {
    channels: BTreeMap<String, BTreeSet<String>>,
    seq: HashMap<(String, String), u64>,
}

/// Shared handle on [`PrivateSubscriptions`].
pub type SharedSubscriptions = Arc<Mutex<PrivateSubscriptions>>;

impl PrivateSubscriptions {
    /// Replaces the symbols of a private channel (empty = unsubscribed).
    pub fn set(&mut self, channel: &str, symbols: BTreeSet<String>) {
        if symbols.is_empty() {
            self.channels.remove(channel);
        } else {
            self.channels.insert(channel.to_owned(), symbols);
        }
    }

    /// Drops every private subscription (`unauth`).
    pub fn clear(&mut self) {
        self.channels.clear();
    }

    fn wants(&self, channel: &str, instrument: Option<&Instrument>) -> bool {
        let Some(symbols) = self.channels.get(channel) else { return false };
        let Some(instrument) = instrument else { return true };
        symbols
            .iter()
            .any(|symbol| symbol == "all" || *symbol == instrument.symbol || symbol == instrument.kind.contract_type())
    }

    fn next_seq(&mut self, channel: &str, symbol: &str) -> u64 {
        let seq = self.seq.entry((channel.to_owned(), symbol.to_owned())).or_default();
        *seq += 1;
        *seq
    }
}

fn lock(subscriptions: &SharedSubscriptions) -> std::sync::MutexGuard<'_, PrivateSubscriptions> {
    subscriptions.lock().unwrap_or_else(PoisonError::into_inner)
}

fn pick(value: Value, keys: &[&str]) -> Map<String, Value> {
    let Value::Object(map) = value else { return Map::new() };
    keys.iter().map(|key| ((*key).to_owned(), map.get(*key).cloned().unwrap_or(Value::Null))).collect()
}

/// The snapshot frames for subscribing `channel` to `symbols` (only `orders` and `positions` have
/// them, and only for explicitly named symbols).
pub fn snapshots(
    state: &AppState,
    subscriptions: &SharedSubscriptions,
    user_id: u64,
    channel: &str,
    symbols: &[String],
) -> Vec<Outgoing> {
    if channel != "orders" && channel != "positions" {
        return Vec::new();
    }
    let now = now_micros();
    let venue = state.venue();
    let Ok(account) = venue.account(user_id) else { return Vec::new() };
    let mut frames = Vec::new();
    for symbol in symbols.iter().filter(|symbol| !is_group(symbol)) {
        let Some(instrument) = state.catalog().by_symbol(symbol) else { continue };
        let message = if channel == "orders" {
            let result: Vec<Value> = account
                .active_orders()
                .filter(|entry| entry.order.product_id == instrument.id)
                .map(|entry| {
                    let mut order =
                        pick(serde_json::to_value(&entry.order).unwrap_or(Value::Null), &SNAPSHOT_ORDER_KEYS);
                    order.insert("user_id".into(), json!(user_id));
                    Value::Object(order)
                })
                .collect();
            let seq_no = lock(subscriptions).next_seq("orders", symbol);
            json!({"meta": {"seq_no": seq_no, "timestamp": now}, "result": result, "success": true, "symbol": symbol,
                   "type": "orders", "action": "snapshot"})
        } else {
            let position = venue.margined_position(instrument, now);
            let result: Vec<Value> = if position.size == 0 {
                Vec::new()
            } else {
                let mut map = pick(serde_json::to_value(&position).unwrap_or(Value::Null), &SNAPSHOT_POSITION_KEYS);
                map.insert("user_id".into(), json!(user_id));
                map.insert("symbol".into(), json!(instrument.symbol));
                vec![Value::Object(map)]
            };
            json!({"result": result, "success": true, "type": "positions", "action": "snapshot"})
        };
        frames.push(Outgoing { channel: channel.to_owned(), symbol: symbol.clone(), text: message.to_string() });
    }
    frames
}

/// Starts the pump forwarding `user_id`'s events to `out` per `subscriptions`.
pub fn spawn_pump(state: AppState, out: Outbox, subscriptions: SharedSubscriptions, user_id: u64) -> JoinHandle<()> {
    let mut events = state.venue().subscribe();
    tokio::spawn(async move {
        let mut client_ids: HashMap<u64, Option<String>> = HashMap::new();
        loop {
            let event = match events.recv().await {
                Ok(event) => event,
                Err(RecvError::Lagged(_)) => continue,
                Err(RecvError::Closed) => return,
            };
            if event.user_id != user_id {
                continue;
            }
            if let EventKind::Order { order, .. } = &event.kind {
                client_ids.insert(order.id, order.client_order_id.clone());
            }
            let frames = frames(&state, &subscriptions, &client_ids, &event);
            delay(&state, &event, frames.len()).await;
            for frame in frames {
                if out.send(frame).await.is_err() {
                    return;
                }
            }
        }
    })
}

/// With the `private_delay_ms` fault, waits until that long after the event happened before its `count`
/// frames go out (events wait in order, so the order is kept).
async fn delay(state: &AppState, event: &SimEvent, count: usize) {
    let delay_ms = state.with_faults(|faults| faults.private_delay_ms);
    if delay_ms == 0 || count == 0 {
        return;
    }
    for _ in 0..count {
        state.stats().record_fault("private_delay_ms");
    }
    let due = event.timestamp.saturating_add(i64::try_from(delay_ms).unwrap_or(i64::MAX).saturating_mul(1_000));
    let wait = u64::try_from(due.saturating_sub(now_micros())).unwrap_or(0);
    if wait > 0 {
        tokio::time::sleep(Duration::from_micros(wait)).await;
    }
}

fn frame(channel: &str, symbol: &str, message: &Value) -> Outgoing {
    Outgoing { channel: channel.to_owned(), symbol: symbol.to_owned(), text: message.to_string() }
}

fn order_message(order: &Order, reason: OrderReason, symbol: &str, seq_no: u64, timestamp: i64) -> Value {
    let (action, reason) = match reason {
        OrderReason::Create => ("create", Value::Null),
        OrderReason::Update => ("update", Value::Null),
        OrderReason::Fill => ("update", json!("fill")),
        OrderReason::StopTrigger => ("update", json!("stop_trigger")),
        OrderReason::Cancel => ("delete", Value::Null),
    };
    let text = |value: Option<delta_core::Decimal>| value.map_or(Value::Null, |value| json!(value.to_string()));
    json!({"type": "orders", "action": action, "reason": reason, "symbol": symbol, "product_id": order.product_id,
           "order_id": order.id, "client_order_id": order.client_order_id, "size": order.size,
           "unfilled_size": order.unfilled_size, "average_fill_price": text(order.average_fill_price),
           "limit_price": text(order.limit_price), "side": order.side, "cancellation_reason": order.cancellation_reason,
           "stop_order_type": order.stop_order_type, "bracket_order": order.bracket_order.unwrap_or(false),
           "state": order.state, "seq_no": seq_no, "timestamp": timestamp, "stop_price": text(order.stop_price),
           "trigger_price_max_or_min": text(order.trigger_price_max_or_min),
           "bracket_stop_loss_price": text(order.bracket_stop_loss_price),
           "bracket_stop_loss_limit_price": text(order.bracket_stop_loss_limit_price),
           "bracket_take_profit_price": text(order.bracket_take_profit_price),
           "bracket_take_profit_limit_price": text(order.bracket_take_profit_limit_price),
           "bracket_trail_amount": text(order.bracket_trail_amount)})
}

fn frames(
    state: &AppState,
    subscriptions: &SharedSubscriptions,
    client_ids: &HashMap<u64, Option<String>>,
    event: &SimEvent,
) -> Vec<Outgoing> {
    let instrument = event.product_id.and_then(|id| state.catalog().by_id(id)).cloned();
    let symbol = instrument.as_ref().map_or(String::new(), |instrument| instrument.symbol.clone());
    // Read the venue before taking the subscriptions lock: snapshots take them in the other order.
    let (position_size, margined, fill_sequence) = match (&event.kind, &instrument) {
        (EventKind::Fill(_) | EventKind::Position(_), Some(instrument)) => {
            let venue = state.venue();
            let account = venue.account(event.user_id).ok();
            let size = account.map_or(0, |account| account.position_size(instrument.id));
            // `se` counts the account's fills of the product (REFERENCE 9.6: it restarts at 1 only when
            // Delta restarts), so it goes on across reconnects and is the same on every connection.
            let fill_sequence = match (&event.kind, account) {
                (EventKind::Fill(fill), Some(account)) => {
                    let mut fills = account.fills.iter().filter(|known| known.product_id == instrument.id);
                    fills.position(|known| known.id == fill.id).map(|index| index as u64 + 1)
                }
                _ => None,
            };
            (size, Some(venue.margined_position(instrument, event.timestamp)), fill_sequence)
        }
        _ => (0, None, None),
    };
    let mut subs = lock(subscriptions);
    let mut out = Vec::new();
    match &event.kind {
        EventKind::Order { order, reason } if subs.wants("orders", instrument.as_ref()) => {
            let seq_no = subs.next_seq("orders", &symbol);
            // `skip_private_seq`: the frame is left out but its `seq_no` is used up.
            if !state.take_fault("skip_private_seq", |faults| &mut faults.skip_private_seq) {
                out.push(frame("orders", &symbol, &order_message(order, *reason, &symbol, seq_no, event.timestamp)));
            }
        }
        EventKind::Fill(fill) => {
            let order_id: u64 = fill.order_id.parse().unwrap_or_default();
            let client_order_id = client_ids.get(&order_id).cloned().flatten();
            if subs.wants("user_trades", instrument.as_ref()) {
                let seq_no = subs.next_seq("user_trades", &symbol);
                let message = json!({"symbol": symbol, "fill_id": fill.id, "reason": fill.fill_type,
                    "product_id": fill.product_id, "type": "user_trades", "user_id": event.user_id, "order_id": order_id,
                    "side": fill.side, "size": fill.size, "price": fill.price.to_string(), "role": fill.role,
                    "client_order_id": client_order_id, "timestamp": event.timestamp, "seq_no": seq_no});
                out.push(frame("user_trades", &symbol, &message));
            }
            if subs.wants("v2/user_trades", instrument.as_ref()) {
                let se = fill_sequence.unwrap_or_else(|| subs.next_seq("v2/user_trades", &symbol));
                let message = json!({"type": "v2/user_trades", "sy": symbol, "f": fill.id, "R": fill.fill_type,
                    "u": event.user_id, "o": order_id, "S": fill.side, "s": fill.size, "p": fill.price.to_string(),
                    "po": position_size, "r": fill.role, "c": client_order_id, "t": event.timestamp, "se": se});
                out.push(frame("v2/user_trades", &symbol, &message));
            }
        }
        EventKind::Position(_) if subs.wants("positions", instrument.as_ref()) => {
            if let (Some(instrument), Some(position)) = (&instrument, margined) {
                let text =
                    |value: Option<delta_core::Decimal>| value.map_or(Value::Null, |value| json!(value.to_string()));
                let action = if position.size == 0 { "delete" } else { "update" };
                let message = json!({"type": "positions", "action": action, "reason": null, "symbol": symbol,
                    "product_id": instrument.id, "size": position.size, "margin": text(position.margin),
                    "entry_price": text(position.entry_price), "liquidation_price": text(position.liquidation_price),
                    "bankruptcy_price": text(position.bankruptcy_price), "commission": text(position.commission)});
                out.push(frame("positions", &symbol, &message));
            }
        }
        EventKind::Margin(wallet) if subs.wants("margins", None) => {
            let mut map = match serde_json::to_value(wallet) {
                Ok(Value::Object(map)) => map,
                _ => Map::new(),
            };
            map.insert("action".into(), json!("update"));
            map.insert("robo_trading_equity".into(), json!("0"));
            map.insert("timestamp".into(), json!(event.timestamp));
            map.insert("type".into(), json!("margins"));
            map.insert("user_id".into(), json!(event.user_id));
            out.push(frame("margins", &wallet.asset_symbol, &Value::Object(map)));
        }
        EventKind::MmpTrigger { asset, frozen_till } if subs.wants("mmp_trigger", None) => {
            let message = json!({"user_id": event.user_id, "asset": asset, "frozen_till": frozen_till});
            out.push(frame("mmp_trigger", asset, &message));
        }
        _ => {}
    }
    out
}
