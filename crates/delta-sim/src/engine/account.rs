//! One trading account: balances, orders, positions, fills, ledger, leverage and safety switches.

use std::collections::{BTreeMap, HashMap};

use delta_core::model::{Fill, HeartbeatCreateRequest, MmpUpdateRequest, Order, StopTriggerMethod, WalletTransaction};
use delta_core::Decimal;

use super::events::EventLog;

/// An order plus what the engine tracks beside its wire form.
#[derive(Debug, Clone)]
pub struct OrderEntry {
    /// The order as REST returns it.
    pub order: Order,
    /// Margin blocked while it rests.
    pub margin: Decimal,
    /// Post-only flag of the request (not echoed in responses, like the fixtures).
    pub post_only: bool,
    /// Bracket orders tied to this one: an entry's legs (created when it fills), or a leg's siblings
    /// (cancelled when it triggers).
    pub links: Vec<u64>,
    /// How an entry's bracket legs trigger (`bracket_stop_trigger_method`).
    pub bracket_trigger: StopTriggerMethod,
}

impl OrderEntry {
    /// A new entry blocking no margin, without brackets links.
    pub fn new(order: Order, post_only: bool) -> Self {
        Self {
            order,
            margin: Decimal::ZERO,
            post_only,
            links: Vec::new(),
            bracket_trigger: StopTriggerMethod::MarkPrice,
        }
    }
}

/// A pending stop order the engine watches as the market moves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StopWatch {
    /// Its product.
    pub product_id: u64,
    /// For a trailing stop: the best trigger-method price since placement (highest for a sell, lowest
    /// for a buy).
    pub extreme: Option<Decimal>,
}

/// Market-maker protection state of one asset.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct MmpState {
    /// Start of the current window (µs; it starts at the first trade).
    pub window_start: Option<i64>,
    /// Notional traded by MMP orders in the window.
    pub traded: Decimal,
    /// Frozen until this time (µs), -1 until `reset_mmp`; `None` when not frozen.
    pub frozen_till: Option<i64>,
    /// Frozen by a fill whose cancels and event are still to be sent.
    pub tripped: bool,
}

impl MmpState {
    /// Whether new MMP orders are refused at `now`.
    pub fn frozen(&self, now: i64) -> bool {
        self.frozen_till.is_some_and(|till| till == -1 || now < till)
    }
}

/// A position in one product.
#[derive(Debug, Clone, PartialEq)]
pub struct PositionEntry {
    /// Signed contracts (long > 0).
    pub size: i64,
    /// Average entry price; `None` when flat.
    pub entry_price: Option<Decimal>,
    /// Isolated margin held.
    pub margin: Decimal,
    /// Realised PnL since opened.
    pub realized_pnl: Decimal,
    /// Auto top-up flag.
    pub auto_topup: bool,
    /// First fill time, µs.
    pub created_at: i64,
    /// Last change, µs.
    pub updated_at: i64,
}

impl PositionEntry {
    /// A flat position created at `now`.
    pub fn flat(now: i64) -> Self {
        Self {
            size: 0,
            entry_price: None,
            margin: Decimal::ZERO,
            realized_pnl: Decimal::ZERO,
            auto_topup: false,
            created_at: now,
            updated_at: now,
        }
    }
}

/// A dead-man switch registered with `POST /v2/heartbeat/create`.
#[derive(Debug, Clone)]
pub struct Heartbeat {
    /// The configuration as sent.
    pub config: HeartbeatCreateRequest,
    /// When it fires (µs), while armed.
    pub deadline: Option<i64>,
}

/// A simulated account.
#[derive(Debug)]
pub struct Account {
    /// User id.
    pub user_id: u64,
    /// Balance per asset id.
    pub balances: BTreeMap<u64, Decimal>,
    /// Every order ever placed, by id.
    pub orders: BTreeMap<u64, OrderEntry>,
    /// Positions by product id.
    pub positions: BTreeMap<u64, PositionEntry>,
    /// Fills, oldest first (the index is the pagination key).
    pub fills: Vec<Fill>,
    /// Ledger entries, oldest first.
    pub transactions: Vec<WalletTransaction>,
    /// Order leverage per product (absent = the default).
    pub leverage: HashMap<u64, Decimal>,
    /// MMP settings per asset.
    pub mmp: BTreeMap<String, MmpUpdateRequest>,
    /// MMP windows and freezes per asset.
    pub mmp_state: BTreeMap<String, MmpState>,
    /// Pending stop orders by id.
    pub stops: BTreeMap<u64, StopWatch>,
    /// Dead-man switches by id.
    pub heartbeats: BTreeMap<String, Heartbeat>,
    /// Deadline of the legacy `cancel_after` switch (µs).
    pub cancel_after: Option<i64>,
    /// Private events.
    pub events: EventLog,
}

impl Account {
    /// An account with empty books.
    pub fn new(user_id: u64) -> Self {
        Self {
            user_id,
            balances: BTreeMap::new(),
            orders: BTreeMap::new(),
            positions: BTreeMap::new(),
            fills: Vec::new(),
            transactions: Vec::new(),
            leverage: HashMap::new(),
            mmp: BTreeMap::new(),
            mmp_state: BTreeMap::new(),
            stops: BTreeMap::new(),
            heartbeats: BTreeMap::new(),
            cancel_after: None,
            events: EventLog::default(),
        }
    }

    /// The balance of an asset (zero when never funded).
    pub fn balance(&self, asset_id: u64) -> Decimal {
        self.balances.get(&asset_id).copied().unwrap_or(Decimal::ZERO)
    }

    /// The active (open or pending) orders.
    pub fn active_orders(&self) -> impl Iterator<Item = &OrderEntry> {
        self.orders.values().filter(|entry| entry.order.is_active())
    }

    /// The active order with this client order id.
    pub fn active_by_client_id(&self, client_order_id: &str) -> Option<&OrderEntry> {
        self.active_orders().find(|entry| entry.order.client_order_id.as_deref() == Some(client_order_id))
    }

    /// The latest order (active or not) with this client order id.
    pub fn latest_by_client_id(&self, client_order_id: &str) -> Option<&OrderEntry> {
        self.orders.values().rev().find(|entry| entry.order.client_order_id.as_deref() == Some(client_order_id))
    }

    /// The signed position size in a product.
    pub fn position_size(&self, product_id: u64) -> i64 {
        self.positions.get(&product_id).map_or(0, |position| position.size)
    }
}
