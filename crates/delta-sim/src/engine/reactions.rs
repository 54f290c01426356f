//! How the account's orders react to the market moving (the market generator's steps, and fills):
//! resting orders filled by synthetic takers (as makers), stop and take-profit orders triggered by the
//! price of their `stop_trigger_method`, trailing stops following the best price since placement, and
//! bracket legs created when their entry order fills and cancelled together when one of them triggers.

use delta_core::model::{
    BracketLeg, LiquidityRole, Order, OrderState, OrderType, Side, StopOrderType, StopTriggerMethod,
};
use delta_core::Decimal;

use super::account::StopWatch;
use super::events::OrderReason;
use super::market::PublicTrade;
use super::Venue;
use crate::book::{MakerFill, Taken};

/// `cancellation_reason` of a bracket leg cancelled because its sibling triggered. Delta documents no
/// value for this; the text is the sim's choice.
pub const CANCELLED_WITH_SIBLING: &str = "bracket_leg_triggered";

/// The prices a stop order can trigger from, for one product at one moment.
#[derive(Debug, Clone, Copy)]
struct TriggerPrices {
    mark: Decimal,
    last: Decimal,
    spot: Decimal,
}

impl TriggerPrices {
    fn of(&self, method: Option<StopTriggerMethod>) -> Decimal {
        match method {
            Some(StopTriggerMethod::LastTradedPrice) => self.last,
            Some(StopTriggerMethod::SpotPrice) => self.spot,
            Some(StopTriggerMethod::MarkPrice) | None => self.mark,
        }
    }
}

/// Whether a stop with a fixed `stop_price` is reached at `price`: a sell stop-loss or a buy take-profit
/// when the price falls to it, a buy stop-loss or a sell take-profit when it rises to it.
fn stop_reached(order: &Order, price: Decimal) -> bool {
    let Some(stop) = order.stop_price else { return false };
    match (order.stop_order_type, order.side) {
        (Some(StopOrderType::StopLoss), Side::Sell) | (Some(StopOrderType::TakeProfit), Side::Buy) => price <= stop,
        (Some(StopOrderType::StopLoss), Side::Buy) | (Some(StopOrderType::TakeProfit), Side::Sell) => price >= stop,
        (None, _) => false,
    }
}

/// Follows a trailing stop: a sell keeps the highest price and triggers `trail` below it, a buy the
/// lowest and triggers `trail` above it. The sign of `trail_amount` is taken from the side (REFERENCE
/// 7.3: positive for buy, negative for sell), so either sign is accepted.
fn trail_reached(extreme: &mut Option<Decimal>, side: Side, trail: Decimal, price: Decimal) -> bool {
    let trail = trail.abs();
    let best = extreme.get_or_insert(price);
    match side {
        Side::Sell => {
            *best = (*best).max(price);
            best.checked_sub(&trail).is_some_and(|trigger| price <= trigger)
        }
        Side::Buy => {
            *best = (*best).min(price);
            best.checked_add(&trail).is_some_and(|trigger| price >= trigger)
        }
    }
}

/// A leg of a bracket (reduce-only, marked `bracket_order`), as opposed to an entry carrying bracket prices.
fn is_leg(order: &Order) -> bool {
    order.bracket_order == Some(true) && order.reduce_only && order.stop_order_type.is_some()
}

/// The legs an entry order's bracket prices ask for (empty when it has none).
fn wanted_legs(order: &Order) -> Vec<(StopOrderType, BracketLeg)> {
    let leg_type = |limit: Option<Decimal>| if limit.is_some() { OrderType::Limit } else { OrderType::Market };
    let mut legs = Vec::new();
    if order.bracket_stop_loss_price.is_some() || order.bracket_trail_amount.is_some() {
        let leg = BracketLeg {
            order_type: leg_type(order.bracket_stop_loss_limit_price),
            stop_price: order.bracket_stop_loss_price,
            trail_amount: order.bracket_stop_loss_price.is_none().then_some(order.bracket_trail_amount).flatten(),
            limit_price: order.bracket_stop_loss_limit_price,
        };
        legs.push((StopOrderType::StopLoss, leg));
    }
    if order.bracket_take_profit_price.is_some() {
        let leg = BracketLeg {
            order_type: leg_type(order.bracket_take_profit_limit_price),
            stop_price: order.bracket_take_profit_price,
            trail_amount: None,
            limit_price: order.bracket_take_profit_limit_price,
        };
        legs.push((StopOrderType::TakeProfit, leg));
    }
    legs
}

impl Venue {
    /// A synthetic taker trade of up to `size` contracts on `taker_side` (the market generator's trades,
    /// and `POST /sim/trade`): takes the book in price-time priority, records one public trade at the first
    /// level's price for the whole size, then books the user orders it reached ([`Venue::market_moved`]).
    pub fn synthetic_trade(&mut self, product_id: u64, taker_side: Side, size: u64, now: i64) -> Taken {
        let Some(book) = self.market.book_mut(product_id) else { return Taken::default() };
        let taken = book.take(taker_side, size, None);
        if let Some(first) = taken.fills.first() {
            let trade = PublicTrade { price: first.price, size: taken.size(), taker_side, timestamp: now };
            self.market.record_trade(product_id, trade);
        }
        self.market_moved(&taken.maker_fills, now);
        taken
    }

    /// After a market generator change: books the fills of the user orders a synthetic
    /// taker reached (as makers), enforces MMP, then triggers the stops the new prices reach (on any
    /// product: the spot follows the perpetual's book). Without maker fills or pending stops it costs one
    /// emptiness check.
    pub fn market_moved(&mut self, maker_fills: &[MakerFill], now: i64) {
        for fill in maker_fills {
            if let Err(error) = self.apply_fill(fill.order_id, fill.price, fill.size, LiquidityRole::Maker, now) {
                tracing::warn!(order_id = fill.order_id, code = error.code(), "maker fill of an unknown order");
            }
        }
        if !maker_fills.is_empty() {
            self.enforce_mmp(now);
        }
        if !self.account.stops.is_empty() {
            self.trigger_all_stops(now);
        }
    }

    /// Triggers the due stops of every product (a move of one product's book also moves the spot price of
    /// its index, and option marks follow the spot and the clock).
    pub(crate) fn trigger_all_stops(&mut self, now: i64) {
        let mut next = self.account.stops.values().map(|watch| watch.product_id).min();
        while let Some(product_id) = next {
            self.trigger_stops(product_id, now);
            next = self.account.stops.values().map(|watch| watch.product_id).filter(|id| *id > product_id).min();
        }
    }

    fn trigger_prices(&self, product_id: u64, now: i64) -> Option<TriggerPrices> {
        let instrument = self.catalog.by_id(product_id)?;
        let mark = self.market.mark_price(&self.catalog, instrument, now);
        let last = self.market.last_price(product_id).unwrap_or(mark);
        let spot = self.market.spot(&self.catalog, instrument.index);
        Some(TriggerPrices { mark, last, spot })
    }

    /// The current price an order's `stop_trigger_method` watches.
    pub(crate) fn trigger_price(&self, order: &Order, now: i64) -> Decimal {
        self.trigger_prices(order.product_id, now)
            .map_or(order.stop_price.unwrap_or(Decimal::ZERO), |prices| prices.of(order.stop_trigger_method))
    }

    /// Triggers the pending stops of a product whose trigger price has been reached, one at a time (each
    /// execution moves the prices the next one sees): an `orders` update with reason `stop_trigger`, then
    /// its fills. A triggered bracket leg cancels its siblings first.
    fn trigger_stops(&mut self, product_id: u64, now: i64) {
        while let Some(id) = self.due_stop(product_id, now) {
            self.account.stops.remove(&id);
            let Some(entry) = self.account.orders.get(&id).cloned() else { continue };
            if is_leg(&entry.order) {
                for sibling in &entry.links {
                    if self.account.orders.get(sibling).is_some_and(|other| other.order.is_active()) {
                        self.close_remainder(*sibling, Some(CANCELLED_WITH_SIBLING), now);
                    }
                }
            }
            if let Err(error) = self.execute(entry, OrderReason::StopTrigger, now) {
                tracing::debug!(order_id = id, code = error.code(), "triggered stop order could not execute");
                self.close_remainder(id, Some(error.code()), now);
                self.emit_margin(now);
            }
        }
    }

    /// The first pending stop of a product that the current prices reach; moves every trailing stop of
    /// the product along on the way.
    fn due_stop(&mut self, product_id: u64, now: i64) -> Option<u64> {
        if !self.account.stops.values().any(|watch| watch.product_id == product_id) {
            return None;
        }
        let prices = self.trigger_prices(product_id, now)?;
        let account = &mut self.account;
        let mut due = None;
        for (id, watch) in account.stops.iter_mut().filter(|(_, watch)| watch.product_id == product_id) {
            let Some(entry) = account.orders.get_mut(id) else { continue };
            let order = &mut entry.order;
            let price = prices.of(order.stop_trigger_method);
            let reached = match order.trail_amount {
                Some(trail) => {
                    let StopWatch { extreme, .. } = watch;
                    let reached = trail_reached(extreme, order.side, trail, price);
                    order.trigger_price_max_or_min = *extreme;
                    reached
                }
                None => stop_reached(order, price),
            };
            if reached && due.is_none() && order.state == OrderState::Pending {
                due = Some(*id);
            }
        }
        due
    }

    /// Makes each of `ids` the siblings of the others (one triggers, the others are cancelled).
    pub(crate) fn link_siblings(&mut self, ids: &[u64]) {
        for id in ids {
            if let Some(entry) = self.account.orders.get_mut(id) {
                entry.links = ids.iter().copied().filter(|other| other != id).collect();
            }
        }
    }

    /// After a fill (or a bracket edit) of an entry order with bracket prices: its first fill creates the
    /// legs (reduce-only, pending, closing the filled size); later fills and edits bring the still-pending
    /// legs to the filled size and the entry's current bracket prices.
    pub(crate) fn sync_bracket_legs(&mut self, entry_id: u64, now: i64) {
        let Some(entry) = self.account.orders.get(&entry_id) else { return };
        if is_leg(&entry.order) {
            return;
        }
        let legs = wanted_legs(&entry.order);
        if legs.is_empty() {
            return;
        }
        let filled = entry.order.size - entry.order.unfilled_size;
        let method = Some(entry.bracket_trigger);
        if !entry.links.is_empty() {
            for leg_id in entry.links.clone() {
                let Some(leg) = self.account.orders.get_mut(&leg_id) else { continue };
                let Some((_, wanted)) = legs.iter().find(|(kind, _)| leg.order.stop_order_type == Some(*kind)) else {
                    continue;
                };
                let order = &mut leg.order;
                let target = (wanted.order_type, wanted.stop_price, wanted.trail_amount, wanted.limit_price, method);
                let current = (
                    order.order_type,
                    order.stop_price,
                    order.trail_amount,
                    order.limit_price,
                    order.stop_trigger_method,
                );
                if order.state == OrderState::Pending && (current != target || order.size != filled) {
                    (
                        order.order_type,
                        order.stop_price,
                        order.trail_amount,
                        order.limit_price,
                        order.stop_trigger_method,
                    ) = target;
                    (order.size, order.unfilled_size) = (filled, filled);
                    self.emit_order(leg_id, OrderReason::Update, now);
                }
            }
            return;
        }
        if filled == 0 {
            // An edit before any fill only changes the entry's bracket fields: Delta places the legs when the
            // entry fills (inferred; a leg of size 0 would have nothing to close).
            return;
        }
        let (side, method, product_id) = (entry.order.side.opposite(), entry.bracket_trigger, entry.order.product_id);
        let Ok(instrument) = self.instrument(product_id) else { return };
        let ids: Vec<u64> = legs
            .iter()
            .map(|(stop_type, leg)| self.place_bracket_leg(&instrument, side, filled, *stop_type, leg, method, now))
            .collect();
        self.link_siblings(&ids);
        if let Some(entry) = self.account.orders.get_mut(&entry_id) {
            entry.links = ids;
        }
    }
}

#[cfg(test)]
mod tests {
    use delta_core::model::{BracketEditRequest, CreateOrderRequest, MmpGroup};

    use super::*;
    use crate::engine::events::{EventKind, SimEvent};
    use crate::engine::testing::{d, venue, START};
    use crate::engine::DEFAULT_USER_ID;

    const BTCUSD: u64 = 27;

    fn best(venue: &Venue, side: Side) -> (Decimal, u64) {
        let book = venue.market().book(BTCUSD).unwrap();
        let level = match side {
            Side::Buy => book.best_bid(),
            Side::Sell => book.best_ask(),
        };
        level.map(|level| (level.price, level.size)).unwrap()
    }

    fn place(venue: &mut Venue, request: CreateOrderRequest) -> Order {
        venue.place_order(DEFAULT_USER_ID, request, START).unwrap()
    }

    fn state(venue: &Venue, id: u64) -> Order {
        venue.account(DEFAULT_USER_ID).unwrap().orders[&id].order.clone()
    }

    fn drain(events: &mut tokio::sync::broadcast::Receiver<SimEvent>) -> Vec<EventKind> {
        std::iter::from_fn(|| events.try_recv().ok()).map(|event| event.kind).collect()
    }

    /// The order events of `id` among `events`, as `(reason, state)`.
    fn order_events(events: &[EventKind], id: u64) -> Vec<(OrderReason, OrderState)> {
        events
            .iter()
            .filter_map(|kind| match kind {
                EventKind::Order { order, reason } if order.id == id => Some((*reason, order.state)),
                _ => None,
            })
            .collect()
    }

    /// Takes the whole best level of `side` with a synthetic taker.
    fn clear_best(venue: &mut Venue, side: Side) {
        let (_, size) = best(venue, side);
        venue.synthetic_trade(BTCUSD, side.opposite(), size, START);
    }

    fn mark(venue: &Venue) -> Decimal {
        let instrument = venue.catalog().by_id(BTCUSD).unwrap().clone();
        venue.market().mark_price(venue.catalog(), &instrument, START)
    }

    #[test]
    fn a_stop_triggers_when_the_market_moves_the_mark_through_it() {
        let mut venue = venue();
        let (bid, _) = best(&venue, Side::Buy);
        let stop = CreateOrderRequest::stop_market(BTCUSD, Side::Sell, 2, StopOrderType::StopLoss, bid);
        let id = place(&mut venue, stop).id;
        let mut events = venue.subscribe();
        // Synthetic size added or trades that leave the mid above the stop change nothing.
        venue.market_mut().book_mut(BTCUSD).unwrap().add(Side::Buy, bid, 100);
        venue.market_moved(&[], START);
        assert_eq!(state(&venue, id).state, OrderState::Pending);
        clear_best(&mut venue, Side::Buy);
        assert!(mark(&venue) <= bid);
        let order = state(&venue, id);
        assert_eq!((order.state, order.unfilled_size), (OrderState::Closed, 0));
        let events = drain(&mut events);
        assert_eq!(
            order_events(&events, id),
            [(OrderReason::StopTrigger, OrderState::Open), (OrderReason::Fill, OrderState::Closed)]
        );
        assert!(matches!(events.last(), Some(EventKind::Margin(_))));
        assert_eq!(venue.account(DEFAULT_USER_ID).unwrap().position_size(BTCUSD), -2);
        assert!(venue.account(DEFAULT_USER_ID).unwrap().stops.is_empty());
    }

    #[test]
    fn last_price_stops_follow_trades_and_mark_stops_the_mid() {
        let mut venue = venue();
        let (ask, _) = best(&venue, Side::Sell);
        venue.synthetic_trade(BTCUSD, Side::Sell, 1, START);
        let by_last = CreateOrderRequest::stop_market(BTCUSD, Side::Buy, 1, StopOrderType::StopLoss, ask)
            .with_stop_trigger_method(StopTriggerMethod::LastTradedPrice);
        let by_last = place(&mut venue, by_last).id;
        let by_mark = CreateOrderRequest::stop_market(BTCUSD, Side::Buy, 1, StopOrderType::StopLoss, ask);
        let by_mark = place(&mut venue, by_mark).id;
        let by_spot = CreateOrderRequest::stop_market(BTCUSD, Side::Buy, 1, StopOrderType::StopLoss, ask)
            .with_stop_trigger_method(StopTriggerMethod::SpotPrice);
        let by_spot = place(&mut venue, by_spot).id;
        assert_eq!(state(&venue, by_last).state, OrderState::Pending);
        // One contract bought at the ask: the last price reaches the stop, the mid does not move.
        venue.synthetic_trade(BTCUSD, Side::Buy, 1, START);
        assert_eq!(state(&venue, by_last).state, OrderState::Closed);
        assert_eq!(state(&venue, by_mark).state, OrderState::Pending);
        assert!(mark(&venue) < ask);
        // Clearing the asks lifts the mid (and the spot derived from it) through the stop.
        while state(&venue, by_mark).state == OrderState::Pending {
            clear_best(&mut venue, Side::Sell);
        }
        assert_eq!(state(&venue, by_mark).state, OrderState::Closed);
        while state(&venue, by_spot).state == OrderState::Pending {
            clear_best(&mut venue, Side::Sell);
        }
        assert_eq!(state(&venue, by_spot).state, OrderState::Closed);
    }

    #[test]
    fn a_trailing_stop_follows_the_best_mark_and_triggers_on_the_retrace() {
        let mut venue = venue();
        let mut trailing = CreateOrderRequest::market(BTCUSD, Side::Sell, 1);
        trailing.stop_order_type = Some(StopOrderType::StopLoss);
        trailing.trail_amount = Some(d("-2"));
        let start = mark(&venue);
        let placed = place(&mut venue, trailing);
        assert_eq!((placed.state, placed.trigger_price_max_or_min), (OrderState::Pending, Some(start)));
        // The mark rises: the trailing level follows it.
        for _ in 0..3 {
            clear_best(&mut venue, Side::Sell);
        }
        let high = mark(&venue);
        assert!(high > start);
        let order = state(&venue, placed.id);
        assert_eq!((order.state, order.trigger_price_max_or_min), (OrderState::Pending, Some(high)));
        // It falls back: the stop triggers once the mark is 2 below the high, not before.
        let trigger = high.checked_sub(&d("2")).unwrap();
        while state(&venue, placed.id).state == OrderState::Pending {
            assert!(mark(&venue) > trigger);
            clear_best(&mut venue, Side::Buy);
        }
        assert!(mark(&venue) <= trigger);
        assert_eq!(state(&venue, placed.id).trigger_price_max_or_min, Some(high));
        assert_eq!(venue.account(DEFAULT_USER_ID).unwrap().position_size(BTCUSD), -1);
    }

    /// Places a buy limit entry of `size` at the best bid with a bracket `stop_below` the bid and `profit_above`
    /// the best ask: its id, the bid, the ask and the size queued ahead of it.
    fn bracket_entry(
        venue: &mut Venue,
        size: u64,
        stop_below: &str,
        profit_above: &str,
    ) -> (u64, Decimal, Decimal, u64) {
        let (bid, ahead) = best(venue, Side::Buy);
        let (ask, _) = best(venue, Side::Sell);
        let mut entry = CreateOrderRequest::limit(BTCUSD, Side::Buy, size, bid);
        entry.bracket_stop_loss_price = Some(bid.checked_sub(&d(stop_below)).unwrap());
        entry.bracket_take_profit_price = Some(ask.checked_add(&d(profit_above)).unwrap());
        (place(venue, entry).id, bid, ask, ahead)
    }

    /// A bracket edit of `entry` that changes nothing until fields are set.
    fn bracket_edit(entry: u64) -> BracketEditRequest {
        BracketEditRequest {
            id: entry,
            product_id: Some(BTCUSD),
            product_symbol: None,
            bracket_stop_loss_price: None,
            bracket_stop_loss_limit_price: None,
            bracket_take_profit_price: None,
            bracket_take_profit_limit_price: None,
            bracket_trail_amount: None,
            bracket_stop_trigger_method: None,
        }
    }

    #[test]
    fn bracket_legs_appear_when_the_entry_fills_and_one_cancels_the_other() {
        let mut venue = venue();
        let (entry, _, ask, ahead) = bracket_entry(&mut venue, 4, "500", "1");
        assert_eq!(venue.account(DEFAULT_USER_ID).unwrap().orders.len(), 1, "no legs before a fill");
        venue.synthetic_trade(BTCUSD, Side::Sell, ahead + 2, START);
        let legs = venue.account(DEFAULT_USER_ID).unwrap().orders[&entry].links.clone();
        assert_eq!(legs.len(), 2);
        for leg in &legs {
            let order = state(&venue, *leg);
            assert_eq!(
                (order.side, order.size, order.state, order.reduce_only),
                (Side::Sell, 2, OrderState::Pending, true)
            );
            assert_eq!(order.bracket_order, Some(true));
        }
        // A bracket edit reaches the pending legs.
        let take_profit_price = ask.checked_add(&d("2")).unwrap();
        let edit = BracketEditRequest {
            bracket_take_profit_price: Some(take_profit_price),
            bracket_stop_trigger_method: Some(StopTriggerMethod::LastTradedPrice),
            ..bracket_edit(entry)
        };
        venue.edit_bracket(DEFAULT_USER_ID, edit, START).unwrap();
        let leg = state(&venue, legs[1]);
        assert_eq!(leg.stop_price, Some(take_profit_price));
        assert_eq!(leg.stop_trigger_method, Some(StopTriggerMethod::LastTradedPrice));
        venue.synthetic_trade(BTCUSD, Side::Sell, 2, START);
        assert_eq!(state(&venue, entry).state, OrderState::Closed);
        assert!(legs.iter().all(|leg| state(&venue, *leg).size == 4), "legs grow with the entry's fills");
        // The mark rises through the take-profit: it closes the position, the stop-loss is cancelled.
        let (stop_loss, take_profit) = (legs[0], legs[1]);
        while state(&venue, take_profit).state == OrderState::Pending {
            clear_best(&mut venue, Side::Sell);
        }
        assert_eq!(state(&venue, take_profit).state, OrderState::Closed);
        let cancelled = state(&venue, stop_loss);
        assert_eq!(
            (cancelled.state, cancelled.cancellation_reason.as_deref()),
            (OrderState::Cancelled, Some(CANCELLED_WITH_SIBLING))
        );
        assert_eq!(venue.account(DEFAULT_USER_ID).unwrap().position_size(BTCUSD), 0);
    }

    #[test]
    fn a_bracket_edit_before_any_fill_places_no_legs() {
        let mut venue = venue();
        let (entry, bid, _, ahead) = bracket_entry(&mut venue, 2, "1000", "1000");
        let stop_loss_price = bid.checked_sub(&d("990")).unwrap();
        let edit = BracketEditRequest { bracket_stop_loss_price: Some(stop_loss_price), ..bracket_edit(entry) };
        venue.edit_bracket(DEFAULT_USER_ID, edit, START).unwrap();
        assert_eq!(venue.account(DEFAULT_USER_ID).unwrap().orders.len(), 1, "no legs before a fill");
        assert_eq!(state(&venue, entry).bracket_stop_loss_price, Some(stop_loss_price));
        assert_eq!(state(&venue, entry).state, OrderState::Open);
        // The first fill places the legs with the edited prices.
        venue.synthetic_trade(BTCUSD, Side::Sell, ahead + 1, START);
        let legs = venue.account(DEFAULT_USER_ID).unwrap().orders[&entry].links.clone();
        assert_eq!(legs.len(), 2);
        let stop_loss = state(&venue, legs[0]);
        assert_eq!(
            (stop_loss.state, stop_loss.size, stop_loss.stop_price),
            (OrderState::Pending, 1, Some(stop_loss_price))
        );
    }

    #[test]
    fn user_size_survives_synthetic_reductions_and_mmp_tags_are_kept() {
        let mut venue = venue();
        let (bid, ahead) = best(&venue, Side::Buy);
        let id = place(&mut venue, CreateOrderRequest::limit(BTCUSD, Side::Buy, 3, bid).with_mmp(MmpGroup::Mmp2)).id;
        assert_eq!(state(&venue, id).mmp, Some(MmpGroup::Mmp2));
        let book = venue.market_mut().book_mut(BTCUSD).unwrap();
        assert_eq!(book.reduce_synthetic(Side::Buy, bid, u64::MAX).map(|change| change.size), Some(3));
        assert_eq!(book.queue(Side::Buy, bid), vec![(id, 0, 3)]);
        assert!(ahead > 0);
    }
}
