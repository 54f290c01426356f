//! Frame → events for one connection: decodes with [`crate::parse::decode`], feeds every book message
//! to the connection's verified books ([`crate::book::BookSet`]) before anything is emitted, and turns the
//! rest into owned [`MarketEvent`]s. Control replies (heartbeat, pong, `key-auth`, `subscriptions`) are
//! reported to the connection machinery instead.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use crate::book::{ApplyOutcome, BookError, BookSet};
use crate::decimal::Decimal;
use crate::parse::{self, BookAction, BookMessage, Channel, Endpoint, RawLevel, WsMessage};

use super::event::{GapReason, WsEventKind};
use super::market::{
    BookUpdate, CandleEvent, FillEvent, FundingEvent, MarketEvent, MmpEvent, OrderEvent, PositionEvent, PriceEvent,
    SystemStatusEvent, TopOfBook, TradeEvent,
};

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

/// Per-connection decoding state: the books, the books waiting for a fresh snapshot, interned symbols.
///
/// Public so that a frame source other than the socket (a recording, a benchmark) runs the same frame →
/// event path as [`super::WsClient`].
pub struct Dispatcher {
    endpoint: Endpoint,
    books: HashMap<Channel, BookSet>,
    stale: HashSet<(Channel, Arc<str>)>,
    symbols: HashSet<Arc<str>>,
}

impl Dispatcher {
    /// A dispatcher for frames of `endpoint`.
    pub fn new(endpoint: Endpoint) -> Self {
        Self { endpoint, books: HashMap::new(), stale: HashSet::new(), symbols: HashSet::new() }
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

    /// The connection was lost: every book is discarded and waits for its fresh snapshot. Returns the
    /// `(channel, symbol)` of the books that held state, for `Gap` events.
    pub fn connection_lost(&mut self, subscribed_books: &[(Arc<str>, Arc<str>)]) -> Vec<(Arc<str>, Arc<str>)> {
        for books in self.books.values_mut() {
            books.reset_all();
        }
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
        let message = match parse::decode(self.endpoint, frame.as_bytes()) {
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
            WsMessage::OrderUpdate(order) => MarketEvent::Order(OrderEvent {
                action: order.action,
                symbol: self.symbol(order.symbol),
                order_id: order.order_id,
                client_order_id: order.client_order_id.map(Box::from),
                side: order.side,
                state: order.state,
                size: order.size,
                unfilled_size: order.unfilled_size,
                limit_price: order.limit_price,
                average_fill_price: order.average_fill_price,
                reason: order.reason.map(Box::from),
                seq_no: order.seq_no,
                timestamp_us: order.timestamp_us,
            }),
            WsMessage::UserTrade(fill) => MarketEvent::Fill(FillEvent {
                symbol: self.symbol(fill.symbol),
                fill_id: fill.fill_id.into(),
                order_id: fill.order_id.into(),
                client_order_id: fill.client_order_id.map(Box::from),
                side: fill.side,
                size: fill.size,
                price: fill.price,
                role: fill.role,
                timestamp_us: fill.timestamp_us,
                sequence: fill.seq_no,
            }),
            WsMessage::V2UserTrade(fill) => MarketEvent::Fill(FillEvent {
                symbol: self.symbol(fill.symbol),
                fill_id: fill.fill_id.into(),
                order_id: fill.order_id.into(),
                client_order_id: fill.client_order_id.map(Box::from),
                side: fill.side,
                size: fill.size,
                price: fill.price,
                role: fill.role,
                timestamp_us: fill.fill_time_us,
                sequence: Some(fill.sequence),
            }),
            WsMessage::PositionUpdate(position) => MarketEvent::Position(PositionEvent {
                action: position.action,
                symbol: self.symbol(position.symbol),
                size: position.size,
                entry_price: position.entry_price,
                margin: position.margin,
                liquidation_price: position.liquidation_price,
            }),
            WsMessage::Margins(margin) => MarketEvent::Margin(margin),
            WsMessage::MmpTrigger(mmp) => {
                MarketEvent::MmpTrigger(MmpEvent { asset: self.symbol(mmp.asset), frozen_till_us: mmp.frozen_till_us })
            }
            WsMessage::OrdersSnapshot(_)
            | WsMessage::PositionsSnapshot(_)
            | WsMessage::AllTradesSnapshot(_)
            | WsMessage::V2Ticker(_)
            | WsMessage::PortfolioMargins(_)
            | WsMessage::ProductUpdate(_)
            | WsMessage::Announcement(_) => MarketEvent::Other { channel: channel.name(), text: frame.into() },
        };
        out.push(WsEventKind::Market(event));
        Signal::None
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

/// The exact decimals of levels the book already validated.
fn levels(raw: &[RawLevel<'_>]) -> Vec<(Decimal, Decimal)> {
    raw.iter().filter_map(|level| Some((level.price().ok()?, level.size().ok()?))).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

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
        assert!(matches!(
            market(&mut private, "ws_orders_snapshot.json"),
            MarketEvent::Other { channel: "orders", .. }
        ));
        let (_, bad) = events(&mut private, "ws_ob_l1.json");
        assert!(
            matches!(bad.as_slice(), [WsEventKind::DecodeError { .. }]),
            "compact channels are not on the private socket"
        );
    }
}
