//! Frame → events for one connection: decodes with [`crate::parse::decode`], feeds every book message
//! to the connection's verified books ([`crate::book::BookSet`]) before anything is emitted, and turns the
//! rest into owned [`MarketEvent`]s. Control replies (heartbeat, pong, `key-auth`, `subscriptions`) are
//! reported to the connection machinery instead.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use crate::book::{ApplyOutcome, BookError, BookSet};
use crate::decimal::Decimal;
use crate::model::{MarginedPosition, Order};
use crate::parse::{
    self, BookAction, BookMessage, Channel, Endpoint, EventAction, OrdersSnapshot, ParseStats, RawLevel, WsMessage,
};

use super::event::{GapReason, WsEventKind};
use super::market::{
    BookUpdate, CandleEvent, FillEvent, FundingEvent, MarketEvent, MmpEvent, OrderEvent, PositionEvent, PriceEvent,
    SystemStatusEvent, TopOfBook, TradeEvent,
};
use super::sequence::OrderSequences;

/// What a frame means to the connection machinery, beside the events it produced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Signal {
    /// Nothing for the machinery.
    None,
    /// A pong (the text `{"type":"pong"}`).
    Pong,
    /// The `key-auth` reply.
    AuthReply {
        /// Whether Delta accepted the key.
        success: bool,
        /// Delta's `status_code`, when sent.
        status_code: Option<u16>,
        /// Delta's `status`, when sent.
        status: Option<String>,
    },
    /// A book must be resubscribed: at once after a failed check, after the configured delay after
    /// Delta's `action: error`.
    Resubscribe {
        /// The book channel.
        channel: Arc<str>,
        /// The product symbol.
        symbol: Arc<str>,
        /// True when the resubscription waits the configured delay (after Delta's `action: error`).
        delayed: bool,
    },
}

/// Per-connection decoding state: the books, the books waiting for a fresh snapshot, the private `orders`
/// sequence numbers, interned symbols.
///
/// Public so that a frame source other than the socket (a recording, a benchmark) runs the same frame →
/// event path as [`super::WsClient`].
pub struct Dispatcher {
    endpoint: Endpoint,
    books: HashMap<Channel, BookSet>,
    stale: HashSet<(Channel, Arc<str>)>,
    order_sequences: OrderSequences,
    symbols: HashSet<Arc<str>>,
    stats: Arc<ParseStats>,
}

impl Dispatcher {
    /// A dispatcher for frames of `endpoint`, with counters of its own.
    pub fn new(endpoint: Endpoint) -> Self {
        Self::with_stats(endpoint, Arc::default())
    }

    /// A dispatcher for frames of `endpoint` counting what it decodes into `stats` (shared by a client's
    /// connections).
    pub fn with_stats(endpoint: Endpoint, stats: Arc<ParseStats>) -> Self {
        Self {
            endpoint,
            books: HashMap::new(),
            stale: HashSet::new(),
            order_sequences: OrderSequences::default(),
            symbols: HashSet::new(),
            stats,
        }
    }

    /// The shared copy of a symbol or channel name (allocated once per name and connection).
    fn symbol(&mut self, symbol: &str) -> Arc<str> {
        if let Some(found) = self.symbols.get(symbol) {
            return Arc::clone(found);
        }
        let symbol: Arc<str> = Arc::from(symbol);
        self.symbols.insert(Arc::clone(&symbol));
        symbol
    }

    /// The connection was lost: every book is discarded and waits for its fresh snapshot, and the private
    /// `orders` sequences start over from the fresh snapshots. Returns the `(channel, symbol)` of the books
    /// that held state, for `Gap` events.
    pub fn connection_lost(&mut self, subscribed_books: &[(Arc<str>, Arc<str>)]) -> Vec<(Arc<str>, Arc<str>)> {
        for books in self.books.values_mut() {
            books.reset_all();
        }
        self.order_sequences.clear();
        let mut gaps = Vec::new();
        for (channel_name, symbol) in subscribed_books {
            let Some(channel) = Channel::resolve(self.endpoint, channel_name) else { continue };
            if self.stale.insert((channel, Arc::clone(symbol))) {
                gaps.push((Arc::clone(channel_name), Arc::clone(symbol)));
            }
        }
        gaps
    }

    /// Marks one book stale (a resubscription was asked for); true when it was not already. Channels
    /// other than books are left alone: their consumer reconciles them (REST for private `seq_no` gaps).
    pub fn mark_stale(&mut self, channel_name: &str, symbol: &Arc<str>) -> bool {
        match Channel::resolve(self.endpoint, channel_name) {
            Some(channel @ (Channel::ObUpdates | Channel::L2Updates | Channel::ObL2 | Channel::L2Orderbook)) => {
                if let Some(books) = self.books.get_mut(&channel) {
                    books.remove(symbol);
                }
                self.stale.insert((channel, Arc::clone(symbol)))
            }
            _ => false,
        }
    }

    /// Forgets a book after an unsubscribe.
    pub fn forget(&mut self, channel_name: &str, symbol: &str) {
        if let Some(channel) = Channel::resolve(self.endpoint, channel_name) {
            if let Some(books) = self.books.get_mut(&channel) {
                books.remove(symbol);
            }
            self.stale.retain(|(c, s)| !(*c == channel && &**s == symbol));
        }
    }

    /// Decodes one text frame, pushing the events it produced into `out`.
    pub fn dispatch(&mut self, frame: &str, out: &mut Vec<WsEventKind>) -> Signal {
        let decoded = parse::decode(self.endpoint, frame.as_bytes());
        self.stats.record(&decoded);
        let message = match decoded {
            Ok(message) => message,
            Err(error) => {
                out.push(WsEventKind::DecodeError {
                    channel: error.channel.unwrap_or("?").to_owned(),
                    message: error.kind.to_string(),
                    excerpt: error.excerpt,
                });
                return Signal::None;
            }
        };
        let channel = message.channel();
        let event = match message {
            WsMessage::Heartbeat | WsMessage::LegacyAuthSuccess(_) => return Signal::None,
            WsMessage::Pong => return Signal::Pong,
            WsMessage::KeyAuth(reply) => {
                return Signal::AuthReply {
                    success: reply.success,
                    status_code: reply.status_code,
                    status: reply.status.map(str::to_owned),
                }
            }
            WsMessage::Subscriptions(subscriptions) => {
                for refused in subscriptions.channels {
                    if let Some(error) = refused.error {
                        let (channel, message) = (refused.name.to_owned(), error.into_owned());
                        out.push(WsEventKind::SubscriptionError { channel, message });
                    }
                }
                return Signal::None;
            }
            WsMessage::ObUpdates(book)
            | WsMessage::ObL2(book)
            | WsMessage::L2Updates(book)
            | WsMessage::L2Orderbook(book) => return self.book(channel, &book, out),
            WsMessage::ObL1(top) | WsMessage::L1Orderbook(top) => MarketEvent::TopOfBook(TopOfBook {
                symbol: self.symbol(top.symbol),
                bid_price: top.bid_price,
                bid_size: top.bid_size,
                ask_price: top.ask_price,
                ask_size: top.ask_size,
                timestamp_us: top.timestamp_us,
            }),
            WsMessage::Trade(trade) => MarketEvent::Trade(TradeEvent {
                symbol: self.symbol(trade.symbol),
                price: trade.price,
                size: trade.size,
                aggressor: trade.aggressor_side(),
                trade_time_us: trade.trade_time_us,
            }),
            WsMessage::AllTrades(trade) => MarketEvent::Trade(TradeEvent {
                symbol: self.symbol(trade.symbol),
                price: trade.trade.price,
                size: trade.trade.size,
                aggressor: trade.trade.aggressor_side(),
                trade_time_us: trade.trade.timestamp_us,
            }),
            WsMessage::Ticker(ticker) => {
                for entry in &ticker.products {
                    let quote = TopOfBook {
                        symbol: self.symbol(entry.symbol),
                        bid_price: entry.quotes.best_bid,
                        bid_size: entry.quotes.bid_size,
                        ask_price: entry.quotes.best_ask,
                        ask_size: entry.quotes.ask_size,
                        timestamp_us: Some(ticker.timestamp_us),
                    };
                    out.push(WsEventKind::Market(MarketEvent::TickerQuote(quote)));
                }
                return Signal::None;
            }
            WsMessage::MarkPrice(tick) => {
                MarketEvent::MarkPrice(self.price(tick.symbol, tick.price, tick.timestamp_us))
            }
            WsMessage::LegacyMarkPrice(tick) => {
                MarketEvent::MarkPrice(self.price(tick.symbol, tick.price, tick.timestamp_us))
            }
            WsMessage::SpotPrice(tick)
            | WsMessage::LegacySpotPrice(tick)
            | WsMessage::V2SpotPrice(tick)
            | WsMessage::Spot30mTwapPrice(tick) => {
                MarketEvent::IndexPrice(self.price(tick.symbol, tick.price, tick.timestamp_us))
            }
            WsMessage::FundingRate(rate) => MarketEvent::Funding(FundingEvent {
                symbol: self.symbol(rate.symbol),
                rate: rate.rate,
                next_funding_us: rate.next_funding_us,
                timestamp_us: rate.timestamp_us,
            }),
            WsMessage::LegacyFundingRate(rate) => MarketEvent::Funding(FundingEvent {
                symbol: self.symbol(rate.symbol),
                rate: rate.rate,
                next_funding_us: rate.next_funding_us,
                timestamp_us: rate.timestamp_us,
            }),
            WsMessage::Candlestick(candle) | WsMessage::LegacyCandlestick(candle) => MarketEvent::Candle(CandleEvent {
                symbol: self.symbol(candle.symbol),
                resolution: self.symbol(candle.resolution),
                open: candle.open,
                high: candle.high,
                low: candle.low,
                close: candle.close,
                volume: candle.volume,
                candle_start_us: candle.candle_start_us,
                timestamp_us: candle.timestamp_us,
            }),
            WsMessage::SystemStatus(status) => MarketEvent::SystemStatus(SystemStatusEvent {
                status: status.status,
                event: status.event.map(Box::from),
                maintenance_start_us: status.maintenance_start_us,
                maintenance_finish_us: status.maintenance_finish_us,
                timestamp_us: status.timestamp_us,
            }),
            WsMessage::OrdersSnapshot(snapshot) => {
                self.orders_snapshot(snapshot, out);
                return Signal::None;
            }
            WsMessage::PositionsSnapshot(snapshot) => {
                self.positions_snapshot(snapshot.positions, out);
                return Signal::None;
            }
            WsMessage::OrderUpdate(order) => {
                let symbol = self.symbol(order.symbol);
                if let Some((expected, received)) = self.order_sequences.event(&symbol, order.seq_no) {
                    out.push(WsEventKind::Gap {
                        channel: self.symbol(channel.name()),
                        symbol: Arc::clone(&symbol),
                        reason: GapReason::Sequence { expected, received },
                    });
                }
                MarketEvent::Order(Box::new(OrderEvent {
                    action: order.action,
                    symbol,
                    product_id: order.product_id,
                    order_id: order.order_id,
                    client_order_id: order.client_order_id.map(Box::from),
                    side: order.side,
                    order_type: None,
                    state: order.state,
                    size: order.size,
                    unfilled_size: order.unfilled_size,
                    limit_price: order.limit_price,
                    stop_price: order.stop_price,
                    stop_order_type: order.stop_order_type,
                    trail_amount: order.trail_amount,
                    average_fill_price: order.average_fill_price,
                    cancellation_reason: order.cancellation_reason.map(Box::from),
                    bracket_order: order.bracket_order,
                    reason: order.reason.map(Box::from),
                    seq_no: Some(order.seq_no),
                    timestamp_us: Some(order.timestamp_us),
                }))
            }
            WsMessage::UserTrade(fill) => MarketEvent::Fill(Box::new(FillEvent {
                channel: channel.name(),
                symbol: self.symbol(fill.symbol),
                fill_id: fill.fill_id.into(),
                order_id: fill.order_id.into(),
                client_order_id: fill.client_order_id.map(Box::from),
                side: fill.side,
                size: fill.size,
                price: fill.price,
                role: fill.role,
                fill_type: fill.reason,
                position_size: None,
                commission: fill.commission,
                timestamp_us: fill.timestamp_us,
                sequence: fill.seq_no,
            })),
            WsMessage::V2UserTrade(fill) => MarketEvent::Fill(Box::new(FillEvent {
                channel: channel.name(),
                symbol: self.symbol(fill.symbol),
                fill_id: fill.fill_id.into(),
                order_id: fill.order_id.into(),
                client_order_id: fill.client_order_id.map(Box::from),
                side: fill.side,
                size: fill.size,
                price: fill.price,
                role: fill.role,
                fill_type: fill.reason,
                position_size: fill.position_size,
                commission: None,
                timestamp_us: fill.fill_time_us,
                sequence: Some(fill.sequence),
            })),
            WsMessage::PositionUpdate(position) => MarketEvent::Position(Box::new(PositionEvent {
                action: position.action,
                symbol: self.symbol(position.symbol),
                product_id: position.product_id,
                size: position.size,
                entry_price: position.entry_price,
                margin: position.margin,
                liquidation_price: position.liquidation_price,
            })),
            WsMessage::Margins(margin) => MarketEvent::Margin(margin),
            WsMessage::MmpTrigger(mmp) => {
                MarketEvent::MmpTrigger(MmpEvent { asset: self.symbol(mmp.asset), frozen_till_us: mmp.frozen_till_us })
            }
            WsMessage::AllTradesSnapshot(_)
            | WsMessage::V2Ticker(_)
            | WsMessage::PortfolioMargins(_)
            | WsMessage::ProductUpdate(_)
            | WsMessage::Announcement(_) => MarketEvent::Other { channel: channel.name(), text: frame.into() },
        };
        out.push(WsEventKind::Market(event));
        Signal::None
    }

    /// An `orders` snapshot: one [`EventAction::Snapshot`] order event per order, then the
    /// [`MarketEvent::SnapshotEnd`] marker; the symbol's sequence restarts from the snapshot's `seq_no`.
    fn orders_snapshot(&mut self, snapshot: OrdersSnapshot<'_>, out: &mut Vec<WsEventKind>) {
        let channel = Channel::Orders.name();
        let symbol = snapshot.symbol.map(|s| self.symbol(s));
        if let Some(symbol) = &symbol {
            self.order_sequences.snapshot(symbol, snapshot.seq_no);
        }
        let mut count = 0;
        for order in snapshot.orders {
            let Some(order_symbol) = order.product_symbol.as_deref().map(|s| self.symbol(s)).or_else(|| symbol.clone())
            else {
                out.push(nameless(channel, format!("order {}", order.id)));
                continue;
            };
            out.push(WsEventKind::Market(MarketEvent::Order(Box::new(snapshot_order(
                order,
                order_symbol,
                snapshot.seq_no,
                snapshot.timestamp_us,
            )))));
            count += 1;
        }
        out.push(WsEventKind::Market(MarketEvent::SnapshotEnd { channel, symbol, seq_no: snapshot.seq_no, count }));
    }

    /// A `positions` snapshot: one [`EventAction::Snapshot`] position event per position, then the
    /// [`MarketEvent::SnapshotEnd`] marker.
    fn positions_snapshot(&mut self, positions: Vec<MarginedPosition>, out: &mut Vec<WsEventKind>) {
        let channel = Channel::Positions.name();
        let mut count = 0;
        for position in positions {
            let name = position.product_symbol.as_deref().or(position.product.as_ref().map(|p| p.symbol.as_str()));
            let Some(symbol) = name.map(|s| self.symbol(s)) else {
                out.push(nameless(channel, format!("the position of product {}", position.product_id)));
                continue;
            };
            out.push(WsEventKind::Market(MarketEvent::Position(Box::new(PositionEvent {
                action: EventAction::Snapshot,
                symbol,
                product_id: Some(position.product_id),
                size: position.size,
                entry_price: position.entry_price,
                margin: position.margin,
                liquidation_price: position.liquidation_price,
            }))));
            count += 1;
        }
        out.push(WsEventKind::Market(MarketEvent::SnapshotEnd { channel, symbol: None, seq_no: None, count }));
    }

    fn price(&mut self, symbol: &str, price: Decimal, timestamp_us: Option<i64>) -> PriceEvent {
        PriceEvent { symbol: self.symbol(symbol), price, timestamp_us }
    }

    /// Applies a book message; emits it only when the book accepted it.
    fn book(&mut self, channel: Channel, book: &BookMessage<'_>, out: &mut Vec<WsEventKind>) -> Signal {
        let symbol = self.symbol(book.symbol);
        let channel_name = self.symbol(channel.name());
        let outcome = self.books.entry(channel).or_default().apply(book);
        match outcome {
            ApplyOutcome::Applied => {
                let snapshot = book.action == BookAction::Snapshot;
                if snapshot && self.stale.remove(&(channel, Arc::clone(&symbol))) {
                    out.push(WsEventKind::Resynced { channel: Arc::clone(&channel_name), symbol: Arc::clone(&symbol) });
                }
                out.push(WsEventKind::Market(MarketEvent::Book(BookUpdate {
                    channel: channel.name(),
                    symbol,
                    snapshot,
                    asks: levels(&book.asks),
                    bids: levels(&book.bids),
                    seq: book.seq,
                    timestamp_us: book.timestamp_us,
                })));
                Signal::None
            }
            ApplyOutcome::AwaitingSnapshot => Signal::None,
            ApplyOutcome::Resync(error) => {
                let delayed = matches!(error, BookError::ExchangeError(_));
                let reason = match error {
                    BookError::ExchangeError(text) => GapReason::ExchangeError(text),
                    other => GapReason::Book(other.to_string()),
                };
                if self.stale.insert((channel, Arc::clone(&symbol))) {
                    out.push(WsEventKind::Gap {
                        channel: Arc::clone(&channel_name),
                        symbol: Arc::clone(&symbol),
                        reason,
                    });
                }
                Signal::Resubscribe { channel: channel_name, symbol, delayed }
            }
        }
    }
}

/// The order event of one order of an `orders` snapshot.
fn snapshot_order(order: Order, symbol: Arc<str>, seq_no: Option<u64>, timestamp_us: Option<i64>) -> OrderEvent {
    let order_time = order.updated_at.or(order.created_at).map(|time| time.0);
    OrderEvent {
        action: EventAction::Snapshot,
        symbol,
        product_id: Some(order.product_id),
        order_id: order.id,
        client_order_id: order.client_order_id.map(String::into_boxed_str),
        side: order.side,
        order_type: Some(order.order_type),
        state: order.state,
        size: order.size,
        unfilled_size: order.unfilled_size,
        limit_price: order.limit_price,
        stop_price: order.stop_price,
        stop_order_type: order.stop_order_type,
        trail_amount: order.trail_amount,
        average_fill_price: order.average_fill_price,
        cancellation_reason: order.cancellation_reason.map(String::into_boxed_str),
        bracket_order: order.bracket_order,
        reason: None,
        seq_no,
        timestamp_us: timestamp_us.or(order_time),
    }
}

/// The decode error of a snapshot entry that names no symbol (it cannot be routed).
fn nameless(channel: &str, what: String) -> WsEventKind {
    WsEventKind::DecodeError {
        channel: channel.to_owned(),
        message: format!("the snapshot entry of {what} names no symbol"),
        excerpt: String::new(),
    }
}

/// The exact decimals of levels the book already validated.
fn levels(raw: &[RawLevel<'_>]) -> Vec<(Decimal, Decimal)> {
    raw.iter().filter_map(|level| Some((level.price().ok()?, level.size().ok()?))).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{FillType, LiquidityRole, OrderState, OrderType, StopOrderType};

    fn fixture(name: &str) -> String {
        std::fs::read_to_string(format!("{}/../../fixtures/delta-api/{name}", env!("CARGO_MANIFEST_DIR"))).unwrap()
    }

    fn events(dispatcher: &mut Dispatcher, name: &str) -> (Signal, Vec<WsEventKind>) {
        let mut out = Vec::new();
        let signal = dispatcher.dispatch(&fixture(name), &mut out);
        (signal, out)
    }

    fn market(dispatcher: &mut Dispatcher, name: &str) -> MarketEvent {
        match events(dispatcher, name).1.as_slice() {
            [WsEventKind::Market(event)] => event.clone(),
            other => panic!("{name}: {other:?}"),
        }
    }

    #[test]
    fn public_fixtures_become_owned_typed_events() {
        let mut public = Dispatcher::new(Endpoint::Public);
        let MarketEvent::Trade(trade) = market(&mut public, "ws_trades.json") else { panic!() };
        assert_eq!((&*trade.symbol, trade.price.to_string().as_str()), ("BTCUSD", "68453.5"));
        assert!(matches!(market(&mut public, "ws_ob_l1.json"), MarketEvent::TopOfBook(_)));
        assert!(matches!(market(&mut public, "ws_mark_price.json"), MarketEvent::MarkPrice(_)));
        assert!(matches!(market(&mut public, "ws_spot_price.json"), MarketEvent::IndexPrice(_)));
        assert!(matches!(market(&mut public, "ws_funding_rate.json"), MarketEvent::Funding(_)));
        assert!(matches!(market(&mut public, "ws_candlestick.json"), MarketEvent::Candle(_)));
        assert!(matches!(market(&mut public, "ws_system_status.json"), MarketEvent::SystemStatus(_)));
        let (_, ticker) = events(&mut public, "ws_ticker.json");
        assert!(
            matches!(ticker.as_slice(), [WsEventKind::Market(MarketEvent::TickerQuote(q))] if q.ask_price.is_some())
        );
        assert_eq!(events(&mut public, "ws_heartbeat.json"), (Signal::None, vec![]));
        assert_eq!(events(&mut public, "ws_pong.json").0, Signal::Pong);
    }

    #[test]
    fn books_are_emitted_only_when_verified() {
        let mut public = Dispatcher::new(Endpoint::Public);
        let (signal, out) = events(&mut public, "ws_ob_updates_update.json");
        assert!(matches!(signal, Signal::Resubscribe { delayed: false, .. }), "an update before any snapshot");
        assert!(matches!(out.as_slice(), [WsEventKind::Gap { .. }]), "{out:?}");
        assert_eq!(events(&mut public, "ws_ob_updates_update.json"), (Signal::None, vec![]), "awaiting the snapshot");
        let (_, out) = events(&mut public, "ws_ob_updates_snapshot.json");
        let [WsEventKind::Resynced { .. }, WsEventKind::Market(MarketEvent::Book(snapshot))] = out.as_slice() else {
            panic!("{out:?}")
        };
        assert!(snapshot.snapshot && snapshot.seq == Some(1_210_339));
        let MarketEvent::Book(update) = market(&mut public, "ws_ob_updates_update.json") else { panic!() };
        assert!(!update.snapshot && update.asks[0].1.is_zero());
        let (signal, out) = events(&mut public, "ws_ob_updates_update.json");
        assert!(matches!(signal, Signal::Resubscribe { delayed: false, .. }), "a repeated seq is a gap");
        assert!(matches!(out.as_slice(), [WsEventKind::Gap { reason: GapReason::Book(_), .. }]));
        let (_, out) = events(&mut public, "ws_ob_updates_snapshot.json");
        assert!(matches!(out.as_slice(), [WsEventKind::Resynced { .. }, WsEventKind::Market(MarketEvent::Book(_))]));
        let (signal, _) = events(&mut public, "ws_ob_updates_error.json");
        assert!(matches!(signal, Signal::Resubscribe { delayed: true, .. }));
    }

    #[test]
    fn private_fixtures_and_control_replies() {
        let mut private = Dispatcher::new(Endpoint::Private);
        let (signal, _) = events(&mut private, "ws_key_auth_error_invalid_signature.json");
        let expected =
            Signal::AuthReply { success: false, status_code: Some(401), status: Some("invalid_signature".to_owned()) };
        assert_eq!(signal, expected);
        assert!(matches!(events(&mut private, "ws_key_auth_success.json").0, Signal::AuthReply { success: true, .. }));
        let (_, refused) = events(&mut private, "ws_subscriptions_error.json");
        assert!(matches!(refused.as_slice(), [WsEventKind::SubscriptionError { channel, .. }] if channel == "orders"));
        assert!(matches!(market(&mut private, "ws_orders.json"), MarketEvent::Order(_)));
        assert!(matches!(market(&mut private, "ws_v2_user_trades.json"), MarketEvent::Fill(_)));
        assert!(matches!(market(&mut private, "ws_user_trades.json"), MarketEvent::Fill(_)));
        assert!(matches!(market(&mut private, "ws_positions.json"), MarketEvent::Position(_)));
        assert!(matches!(market(&mut private, "ws_margins.json"), MarketEvent::Margin(_)));
        assert!(matches!(market(&mut private, "ws_mmp_trigger.json"), MarketEvent::MmpTrigger(_)));
        assert!(matches!(market(&mut private, "ws_all_trades.json"), MarketEvent::Trade(_)));
        let (_, bad) = events(&mut private, "ws_ob_l1.json");
        assert!(
            matches!(bad.as_slice(), [WsEventKind::DecodeError { .. }]),
            "compact channels are not on the private socket"
        );
    }

    fn price(text: &str) -> Decimal {
        text.parse().unwrap()
    }

    #[test]
    fn orders_snapshots_become_entries_and_an_end_marker() {
        let mut private = Dispatcher::new(Endpoint::Private);
        let (_, out) = events(&mut private, "ws_orders_snapshot.json");
        let [WsEventKind::Market(MarketEvent::Order(order)), WsEventKind::Market(MarketEvent::SnapshotEnd { channel, symbol, seq_no, count })] =
            out.as_slice()
        else {
            panic!("{out:?}")
        };
        assert_eq!((order.action, &*order.symbol, order.order_id), (EventAction::Snapshot, "BTCUSD", 884213557));
        assert_eq!(
            (order.product_id, order.order_type, order.state),
            (Some(27), Some(OrderType::Limit), OrderState::Open)
        );
        assert_eq!((order.size, order.unfilled_size, order.limit_price), (10, 10, Some(price("68000"))));
        assert_eq!(order.client_order_id.as_deref(), Some("strat1-000042"));
        assert_eq!((order.seq_no, order.timestamp_us), (Some(7), Some(1_779_962_406_554_045)));
        assert_eq!((*channel, symbol.as_deref(), *seq_no, *count), ("orders", Some("BTCUSD"), Some(7), 1));

        let empty = r#"{"type":"orders","action":"snapshot","symbol":"BTCUSD","success":true,
            "meta":{"seq_no":7,"timestamp":1779962406554045},"result":[]}"#;
        let mut out = Vec::new();
        private.dispatch(empty, &mut out);
        assert!(
            matches!(out.as_slice(), [WsEventKind::Market(MarketEvent::SnapshotEnd { count: 0, seq_no: Some(7), .. })]),
            "an empty snapshot still ends: {out:?}"
        );
    }

    #[test]
    fn order_events_carry_the_trigger_and_bracket_fields() {
        let mut private = Dispatcher::new(Endpoint::Private);
        let MarketEvent::Order(fill) = market(&mut private, "ws_orders.json") else { panic!() };
        assert_eq!(
            (fill.action, fill.reason.as_deref(), fill.product_id),
            (EventAction::Update, Some("fill"), Some(27))
        );
        assert_eq!((fill.order_type, fill.bracket_order, fill.stop_order_type), (None, Some(false), None));
        assert_eq!((fill.average_fill_price, fill.seq_no), (Some(price("68000")), Some(8)));
        assert_eq!(fill.timestamp_us, Some(1_779_962_407_112_233));
        let mut fresh = Dispatcher::new(Endpoint::Private);
        let MarketEvent::Order(cancel) = market(&mut fresh, "ws_orders_cancel.json") else { panic!() };
        assert_eq!(cancel.cancellation_reason.as_deref(), Some("cancelled_by_user"));
        let stop = fixture("ws_orders_create.json")
            .replace(r#""stop_order_type": null"#, r#""stop_order_type": "stop_loss_order""#)
            .replace(r#""stop_price": null"#, r#""stop_price": "67000.5""#)
            .replace(r#""seq_no": 9"#, r#""seq_no": 9, "trail_amount": "25""#);
        let mut out = Vec::new();
        Dispatcher::new(Endpoint::Private).dispatch(&stop, &mut out);
        let [WsEventKind::Market(MarketEvent::Order(stop))] = out.as_slice() else { panic!("{out:?}") };
        assert_eq!(
            (stop.stop_order_type, stop.stop_price, stop.trail_amount),
            (Some(StopOrderType::StopLoss), Some(price("67000.5")), Some(price("25")))
        );
    }

    fn gaps(out: &[WsEventKind]) -> Vec<(String, u64, u64)> {
        out.iter()
            .filter_map(|kind| match kind {
                WsEventKind::Gap { channel, symbol, reason: GapReason::Sequence { expected, received } } => {
                    assert_eq!(&**channel, "orders");
                    Some((symbol.to_string(), *expected, *received))
                }
                _ => None,
            })
            .collect()
    }

    #[test]
    fn private_orders_seq_no_gaps_are_reported_once_per_jump() {
        let mut private = Dispatcher::new(Endpoint::Private);
        let mut seen = Vec::new();
        for name in ["ws_orders_snapshot.json", "ws_orders.json", "ws_orders_create.json", "ws_orders_cancel.json"] {
            seen.extend(events(&mut private, name).1);
        }
        assert!(gaps(&seen).is_empty(), "7 (snapshot), 8, 9, 10 follow each other: {seen:?}");

        let (_, out) = events(&mut private, "ws_orders_create.json");
        assert_eq!(gaps(&out), [("BTCUSD".to_owned(), 11, 9)], "9 after 10");
        assert!(matches!(out.last(), Some(WsEventKind::Market(MarketEvent::Order(_)))), "the event is still delivered");
        assert!(gaps(&events(&mut private, "ws_orders_cancel.json").1).is_empty(), "10 follows 9");

        events(&mut private, "ws_orders_snapshot.json");
        let (_, out) = events(&mut private, "ws_orders_create.json");
        assert_eq!(gaps(&out), [("BTCUSD".to_owned(), 8, 9)], "the snapshot reset the expected seq_no to 8");

        private.connection_lost(&[]);
        assert!(gaps(&events(&mut private, "ws_orders_cancel.json").1).is_empty(), "a new connection starts over");
    }

    #[test]
    fn fills_positions_and_snapshots_are_enriched() {
        let mut private = Dispatcher::new(Endpoint::Private);
        let MarketEvent::Fill(v2) = market(&mut private, "ws_v2_user_trades.json") else { panic!() };
        assert_eq!(
            (v2.channel, v2.fill_type, v2.position_size, v2.commission),
            ("v2/user_trades", Some(FillType::Normal), Some(21), None)
        );
        assert_eq!((&*v2.order_id, v2.sequence, v2.role), ("884213557", Some(4), LiquidityRole::Maker));
        let MarketEvent::Fill(legacy) = market(&mut private, "ws_user_trades.json") else { panic!() };
        assert_eq!(
            (legacy.channel, legacy.fill_type, legacy.position_size),
            ("user_trades", Some(FillType::Normal), None)
        );
        assert_eq!(legacy.commission, None, "the fixture carries none");
        let with_commission =
            fixture("ws_user_trades.json").replace(r#""seq_no": 3"#, r#""seq_no": 3, "commission": "0.204""#);
        let mut out = Vec::new();
        private.dispatch(&with_commission, &mut out);
        assert!(
            matches!(out.as_slice(), [WsEventKind::Market(MarketEvent::Fill(f))] if f.commission == Some(price("0.204")))
        );

        let MarketEvent::Position(position) = market(&mut private, "ws_positions.json") else { panic!() };
        assert_eq!((position.action, position.product_id, position.size), (EventAction::Update, Some(27), 21));
        let (_, out) = events(&mut private, "ws_positions_snapshot.json");
        let [WsEventKind::Market(MarketEvent::Position(held)), WsEventKind::Market(MarketEvent::SnapshotEnd { channel: "positions", count: 1, .. })] =
            out.as_slice()
        else {
            panic!("{out:?}")
        };
        assert_eq!(
            (held.action, &*held.symbol, held.product_id, held.size),
            (EventAction::Snapshot, "BTCUSD", Some(27), 15)
        );
        assert_eq!((held.entry_price, held.margin), (Some(price("68402.5")), Some(price("5.1301875"))));

        let MarketEvent::Margin(margin) = market(&mut private, "ws_margins.json") else { panic!() };
        assert_eq!((margin.balance.asset_symbol.as_str(), margin.timestamp_us), ("USD", Some(1_779_962_407_113_901)));
        let MarketEvent::MmpTrigger(mmp) = market(&mut private, "ws_mmp_trigger.json") else { panic!() };
        assert_eq!((&*mmp.asset, mmp.frozen_till_us), ("BTC", 1_779_962_438_751_430));
    }
}
