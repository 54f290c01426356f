//! Order handling: validation, matching against the synthetic book, resting, edits, cancels,
//! batches, brackets, stop triggers and the dead-man switches.
//!
//! A crossing order takes liquidity level by level at the book's prices (the account is the taker), a
//! GTC limit remainder rests in the book's queue at its price (the market generator's synthetic takers
//! fill it in price-time priority, see [`crate::book`] and [`super::reactions`]), market and IOC
//! remainders are cancelled.

use delta_core::error::DeltaError;
use delta_core::model::{
    BatchCancelRequest, BatchCreateRequest, BatchEditRequest, BracketEditRequest, BracketLeg, BracketOrderRequest,
    CancelAllRequest, CancelOrderRequest, CloseAllPositionsRequest, CreateOrderRequest, EditOrderRequest,
    HeartbeatAction, HeartbeatImpact, LiquidityRole, Order, OrderMetaData, OrderState, OrderType, Side, StopOrderType,
    StopTriggerMethod, TimeInForce,
};
use delta_core::wire::IsoTime;
use delta_core::Decimal;
use serde_json::json;

use super::account::{OrderEntry, StopWatch};
use super::events::OrderReason;
use super::ledger::{fee, margin_for, notional};
use super::Venue;
use crate::book::{on_tick, QueuePlace};
use crate::catalog::Instrument;
use crate::reply::ApiError;
use crate::views::contract_type;

/// `cancellation_reason` of a user cancel (the only documented value).
pub const CANCELLED_BY_USER: &str = "cancelled_by_user";

/// `cancellation_reason` when a dead-man switch fires. Delta documents no value for this
/// (REFERENCE 14.7); the text is the sim's choice.
pub const CANCELLED_BY_DEAD_MAN_SWITCH: &str = "dead_man_switch";

/// Turns a model validation failure into `bad_schema`; the parameter is the message's first word
/// when it names a field.
pub fn schema_error(error: DeltaError) -> ApiError {
    let message = match error {
        DeltaError::InvalidRequest(message) => message,
        other => other.to_string(),
    };
    let first = message.split_whitespace().next().unwrap_or("");
    let param = if first.contains('_') { first } else { "" };
    ApiError::bad_schema(param, message.as_str())
}

/// Largest accepted price: far above any real one, and small enough that notionals cannot overflow.
const MAX_PRICE: Decimal = Decimal::from_int(1_000_000_000_000);

fn check_tick(field: &str, price: Option<Decimal>, instrument: &Instrument) -> Result<(), ApiError> {
    match price {
        Some(price) if price >= MAX_PRICE => {
            Err(ApiError::bad_schema(field, format!("{field} must be below {MAX_PRICE}")))
        }
        Some(price) if !on_tick(price, instrument.tick_size) => Err(ApiError::bad_schema(
            field,
            format!("{field} must be a multiple of the tick size {}", instrument.tick_size),
        )),
        _ => Ok(()),
    }
}

/// Contracts of a `side` order that reduce a position of `position` contracts.
fn closable(position: i64, side: Side) -> u64 {
    match side {
        Side::Buy if position < 0 => position.unsigned_abs(),
        Side::Sell if position > 0 => position.unsigned_abs(),
        _ => 0,
    }
}

impl Venue {
    /// `POST /v2/orders`.
    pub fn place_order(&mut self, user_id: u64, request: CreateOrderRequest, now: i64) -> Result<Order, ApiError> {
        self.account(user_id)?;
        request.validate().map_err(schema_error)?;
        let instrument = self.resolve_product(request.product_id, request.product_symbol.as_deref())?;
        check_tick("limit_price", request.limit_price, &instrument)?;
        check_tick("stop_price", request.stop_price, &instrument)?;
        if request.size > instrument.position_size_limit {
            return Err(ApiError::rejected("order_max_size_exceeded"));
        }
        if let Some(client_order_id) = &request.client_order_id {
            // Uniqueness among open orders is documented, the error code is not (REFERENCE 14.6):
            // the sim answers `bad_schema` naming the field.
            if self.account.active_by_client_id(client_order_id).is_some() {
                return Err(ApiError::bad_schema(
                    "client_order_id",
                    "client_order_id must be unique among open orders",
                ));
            }
        }
        self.check_mmp_frozen(&instrument, request.mmp, now)?;
        let reduce_only = request.reduce_only.unwrap_or(false);
        let position = self.account.position_size(instrument.id);
        let mut size = request.size;
        if reduce_only {
            let reducible = closable(position, request.side);
            if reducible == 0 {
                return Err(ApiError::rejected("no_position_for_reduce_only"));
            }
            // A reduce-only order never increases a position: its size is cut to the position
            // (Delta's `offset_by_reduce_only` behaviour).
            size = size.min(reducible);
        }
        let order = Order {
            id: self.take_order_id(),
            user_id: Some(user_id),
            size,
            unfilled_size: size,
            side: request.side,
            order_type: request.order_type,
            limit_price: request.limit_price,
            stop_order_type: request.stop_order_type,
            stop_price: request.stop_price,
            stop_trigger_method: Some(request.stop_trigger_method.unwrap_or(StopTriggerMethod::MarkPrice)),
            trail_amount: request.trail_amount,
            trigger_price_max_or_min: None,
            paid_commission: Some(Decimal::ZERO),
            commission: Some(Decimal::ZERO),
            reduce_only,
            client_order_id: request.client_order_id,
            state: OrderState::Open,
            time_in_force: request.time_in_force.unwrap_or_default(),
            cancellation_reason: None,
            average_fill_price: None,
            close_on_trigger: Some(false),
            bracket_order: None,
            bracket_stop_loss_limit_price: request.bracket_stop_loss_limit_price,
            bracket_stop_loss_price: request.bracket_stop_loss_price,
            bracket_take_profit_limit_price: request.bracket_take_profit_limit_price,
            bracket_take_profit_price: request.bracket_take_profit_price,
            bracket_trail_amount: request.bracket_trail_amount,
            meta_data: OrderMetaData { source: Some("api".to_owned()) },
            created_at: Some(IsoTime(now)),
            product_id: instrument.id,
            product_symbol: Some(instrument.symbol.clone()),
            post_only: None,
            mmp: request.mmp,
            updated_at: None,
        };
        let mut entry = OrderEntry::new(order, request.post_only.unwrap_or(false));
        entry.bracket_trigger = request.bracket_stop_trigger_method.unwrap_or(StopTriggerMethod::MarkPrice);
        if entry.order.stop_order_type.is_some() {
            return Ok(self.rest_pending(entry, now));
        }
        self.execute(entry, OrderReason::Create, now)
    }

    /// Stores a new stop order as `pending` and starts watching it.
    fn rest_pending(&mut self, mut entry: OrderEntry, now: i64) -> Order {
        entry.order.state = OrderState::Pending;
        let id = entry.order.id;
        let extreme = entry.order.trail_amount.map(|_| self.trigger_price(&entry.order, now));
        entry.order.trigger_price_max_or_min = extreme;
        self.account.stops.insert(id, StopWatch { product_id: entry.order.product_id, extreme });
        let order = entry.order.clone();
        self.account.orders.insert(id, entry);
        self.emit_order(id, OrderReason::Create, now);
        order
    }

    /// Matches an order that is not in the book (new, edited or triggered), books the fills and rests
    /// or cancels the remainder. Nothing changes when it is rejected.
    pub(crate) fn execute(&mut self, mut entry: OrderEntry, reason: OrderReason, now: i64) -> Result<Order, ApiError> {
        let (order, post_only) = (&mut entry.order, entry.post_only);
        let instrument = self.instrument(order.product_id)?;
        let limit = if order.order_type == OrderType::Limit { order.limit_price } else { None };
        if order.reduce_only {
            let reducible = closable(self.account.position_size(instrument.id), order.side);
            if reducible == 0 {
                return Err(ApiError::rejected("no_position_for_reduce_only"));
            }
            let excess = order.unfilled_size.saturating_sub(reducible);
            order.size -= excess;
            order.unfilled_size -= excess;
        }
        let book = self.market.book(instrument.id).ok_or_else(|| ApiError::rejected("invalid_contract"))?;
        let preview = book.preview_take(order.side, order.unfilled_size, limit);
        let fill_size: u64 = preview.iter().map(|level| level.size).sum();
        if post_only && fill_size > 0 {
            return Err(ApiError::rejected("immediate_execution_post_only"));
        }
        if fill_size == 0 && order.order_type == OrderType::Market {
            return Err(ApiError::rejected("no_liquidity_for_market_order"));
        }
        if fill_size == 0 && order.time_in_force == TimeInForce::Ioc {
            return Err(ApiError::rejected("order_size_exceed_available"));
        }
        if let Some(worst) = preview.last().map(|level| level.price) {
            self.check_self_trade(order, worst)?;
        }
        let rests = order.order_type == OrderType::Limit && order.time_in_force == TimeInForce::Gtc;
        let rest_size = if rests { order.unfilled_size - fill_size } else { 0 };
        self.check_margin(&instrument, order, &preview, rest_size)?;

        let id = order.id;
        order.state = OrderState::Open;
        let (side, unfilled) = (order.side, order.unfilled_size);
        let order = order.clone();
        entry.margin = Decimal::ZERO;
        self.account.orders.insert(id, entry);
        self.emit_order(id, reason, now);
        // The account's own resting orders are never reached (`check_self_trade`), so the taken levels are
        // all synthetic liquidity.
        let taken = match self.market.book_mut(instrument.id) {
            Some(book) => book.take(side, unfilled, limit),
            None => crate::book::Taken::default(),
        };
        for level in taken.fills {
            self.apply_fill(id, level.price, level.size, LiquidityRole::Taker, now)?;
        }
        let remaining = self.account.orders.get(&id).map_or(0, |entry| entry.order.unfilled_size);
        if remaining > 0 {
            match (rests, limit) {
                (true, Some(price)) => self.rest_in_book(&instrument, id, price, remaining),
                _ => self.close_remainder(id, None, now),
            }
            self.emit_margin(now);
        }
        self.enforce_mmp(now);
        let result = self.account.orders.get(&id).map(|entry| entry.order.clone()).unwrap_or(order);
        if result.size > result.unfilled_size {
            self.trigger_all_stops(now);
        }
        Ok(result)
    }

    /// Refuses an order that would trade against one of the account's own resting orders.
    fn check_self_trade(&self, order: &Order, worst: Decimal) -> Result<(), ApiError> {
        let crosses = self.account.active_orders().any(|entry| {
            let own = &entry.order;
            own.product_id == order.product_id
                && own.state == OrderState::Open
                && own.side == order.side.opposite()
                && own.limit_price.is_some_and(|price| match order.side {
                    Side::Buy => price <= worst,
                    Side::Sell => price >= worst,
                })
        });
        if crosses {
            return Err(ApiError::rejected("overlapping_buy_sell_orders"));
        }
        Ok(())
    }

    /// Refuses an order whose opening part and commission need more than the available balance.
    fn check_margin(
        &self,
        instrument: &Instrument,
        order: &Order,
        preview: &[crate::book::Level],
        rest_size: u64,
    ) -> Result<(), ApiError> {
        let leverage = self.leverage_of(instrument.id);
        let mut reducible = closable(self.account.position_size(instrument.id), order.side);
        let mut required = Decimal::ZERO;
        let mut charge = |size: u64, price: Decimal, reducible: &mut u64| {
            let opening = size - size.min(*reducible);
            *reducible -= size.min(*reducible);
            let margin = margin_for(notional(instrument, opening, price), leverage);
            let commission = fee(notional(instrument, size, price), instrument.taker_commission_rate);
            required = required.checked_add(&margin).and_then(|r| r.checked_add(&commission)).unwrap_or(required);
        };
        for level in preview {
            charge(level.size, level.price, &mut reducible);
        }
        if let (Some(price), true) = (order.limit_price, rest_size > 0) {
            charge(rest_size, price, &mut reducible);
        }
        let available = self.available_balance();
        if required > available {
            let missing = required.checked_sub(&available).unwrap_or(required);
            return Err(ApiError::rejected("insufficient_margin").with_context(json!({
                "available_balance": available.to_string(),
                "required_additional_balance": missing.to_string(),
            })));
        }
        Ok(())
    }

    /// Puts an order's remainder at the back of its level's queue and blocks its margin and commission.
    fn rest_in_book(&mut self, instrument: &Instrument, id: u64, price: Decimal, remaining: u64) {
        let leverage = self.leverage_of(instrument.id);
        let position = self.account.position_size(instrument.id);
        let Some(entry) = self.account.orders.get_mut(&id) else { return };
        let opening = remaining - remaining.min(closable(position, entry.order.side));
        entry.margin = margin_for(notional(instrument, opening, price), leverage);
        entry.order.commission = Some(fee(notional(instrument, remaining, price), instrument.taker_commission_rate));
        entry.order.state = OrderState::Open;
        let side = entry.order.side;
        if let Some(book) = self.market.book_mut(instrument.id) {
            book.rest_user(side, price, id, remaining);
        }
    }

    /// Cancels what is left of an order: out of the book (or no longer watched, for a stop), margins released.
    pub(crate) fn close_remainder(&mut self, id: u64, reason: Option<&str>, now: i64) {
        self.account.stops.remove(&id);
        let Some(entry) = self.account.orders.get_mut(&id) else { return };
        let resting = entry.order.state == OrderState::Open && entry.order.order_type == OrderType::Limit;
        let (side, price) = (entry.order.side, entry.order.limit_price);
        entry.margin = Decimal::ZERO;
        entry.order.commission = Some(Decimal::ZERO);
        entry.order.state = OrderState::Cancelled;
        entry.order.cancellation_reason = reason.map(str::to_owned);
        let product_id = entry.order.product_id;
        if let (true, Some(price)) = (resting, price) {
            if let Some(book) = self.market.book_mut(product_id) {
                book.remove_user(side, price, id);
            }
        }
        self.emit_order(id, OrderReason::Cancel, now);
    }

    /// The active order of a product with this id or client order id, or `open_order_not_found`.
    fn find_active(&self, product_id: u64, id: Option<u64>, client_order_id: Option<&str>) -> Result<u64, ApiError> {
        let found = match (id, client_order_id) {
            (Some(id), _) => self.account.orders.get(&id).filter(|entry| entry.order.is_active()),
            (None, Some(client_order_id)) => self.account.active_by_client_id(client_order_id),
            (None, None) => None,
        };
        found
            .filter(|entry| entry.order.product_id == product_id)
            .map(|entry| entry.order.id)
            .ok_or_else(|| ApiError::rejected("open_order_not_found"))
    }

    /// `PUT /v2/orders`: new total size and prices; side and type stay.
    pub fn edit_order(&mut self, user_id: u64, request: EditOrderRequest, now: i64) -> Result<Order, ApiError> {
        self.account(user_id)?;
        request.validate().map_err(schema_error)?;
        let instrument = self.resolve_product(request.product_id, request.product_symbol.as_deref())?;
        check_tick("limit_price", request.limit_price, &instrument)?;
        check_tick("stop_price", request.stop_price, &instrument)?;
        let id = self.find_active(instrument.id, Some(request.id), None)?;
        let Some(entry) = self.account.orders.get(&id).cloned() else {
            return Err(ApiError::rejected("open_order_not_found"));
        };
        let filled = entry.order.size - entry.order.unfilled_size;
        if request.size <= filled {
            return Err(ApiError::bad_schema("size", "size must be above the filled size"));
        }
        if request.size > instrument.position_size_limit {
            return Err(ApiError::rejected("order_max_size_exceeded"));
        }
        let mut order = entry.order.clone();
        order.size = request.size;
        order.unfilled_size = request.size - filled;
        order.mmp = request.mmp.or(order.mmp);
        self.check_mmp_frozen(&instrument, order.mmp, now)?;
        if order.order_type == OrderType::Limit {
            order.limit_price = request.limit_price.or(order.limit_price);
        }
        if order.state == OrderState::Pending {
            order.stop_price = request.stop_price.or(order.stop_price);
            order.trail_amount = request.trail_amount.or(order.trail_amount);
            if let Some(stored) = self.account.orders.get_mut(&id) {
                stored.order = order.clone();
            }
            self.emit_order(id, OrderReason::Update, now);
            return Ok(order);
        }
        let edited = OrderEntry { order, post_only: request.post_only.unwrap_or(entry.post_only), ..entry.clone() };
        // An edited order loses its queue place (it re-rests at the back), unless the edit is refused.
        let place = self.unrest(&entry);
        match self.execute(edited, OrderReason::Update, now) {
            Ok(order) => Ok(order),
            Err(error) => {
                self.rerest(entry, place);
                Err(error)
            }
        }
    }

    /// Takes a resting order out of the book and releases its margins (before an edit).
    fn unrest(&mut self, entry: &OrderEntry) -> Option<QueuePlace> {
        let place = match (entry.order.state, entry.order.limit_price) {
            (OrderState::Open, Some(price)) => self
                .market
                .book_mut(entry.order.product_id)
                .and_then(|book| book.remove_user(entry.order.side, price, entry.order.id)),
            _ => None,
        };
        if let Some(stored) = self.account.orders.get_mut(&entry.order.id) {
            stored.margin = Decimal::ZERO;
            stored.order.commission = Some(Decimal::ZERO);
        }
        place
    }

    /// Undoes [`Venue::unrest`] after a refused edit: same queue place, same margins.
    fn rerest(&mut self, entry: OrderEntry, place: Option<QueuePlace>) {
        if let (Some(place), Some(price)) = (place, entry.order.limit_price) {
            if let Some(book) = self.market.book_mut(entry.order.product_id) {
                book.restore_user(entry.order.side, price, entry.order.id, entry.order.unfilled_size, place);
            }
        }
        self.account.orders.insert(entry.order.id, entry);
    }

    /// `DELETE /v2/orders`.
    pub fn cancel_order(&mut self, user_id: u64, request: CancelOrderRequest, now: i64) -> Result<Order, ApiError> {
        self.account(user_id)?;
        request.validate().map_err(schema_error)?;
        let instrument = self.instrument(request.product_id)?;
        let id = self.find_active(instrument.id, request.id, request.client_order_id.as_deref())?;
        self.close_remainder(id, Some(CANCELLED_BY_USER), now);
        self.emit_margin(now);
        self.account
            .orders
            .get(&id)
            .map(|entry| entry.order.clone())
            .ok_or_else(|| ApiError::rejected("open_order_not_found"))
    }

    /// `DELETE /v2/orders/all`. The three flags default to false, as Delta's server does (REFERENCE
    /// 7.3), so a bare call cancels nothing.
    pub fn cancel_all(&mut self, user_id: u64, request: CancelAllRequest, now: i64) -> Result<(), ApiError> {
        self.account(user_id)?;
        let contract_types: Vec<String> = request
            .contract_types
            .as_deref()
            .map(|text| text.split(',').map(|item| item.trim().to_owned()).filter(|item| !item.is_empty()).collect())
            .unwrap_or_default();
        let wanted = |order: &Order| {
            let kind_flag = if order.stop_order_type.is_some() {
                request.cancel_stop_orders
            } else if order.reduce_only {
                request.cancel_reduce_only_orders
            } else {
                request.cancel_limit_orders
            };
            kind_flag.unwrap_or(false)
        };
        let ids: Vec<u64> = self
            .account
            .active_orders()
            .map(|entry| &entry.order)
            .filter(|order| wanted(order))
            .filter(|order| match request.product_id {
                Some(product_id) => order.product_id == product_id,
                None => {
                    contract_types.is_empty()
                        || self.catalog.by_id(order.product_id).is_some_and(|instrument| {
                            contract_types.iter().any(|kind| kind == contract_type(instrument.kind).as_str())
                        })
                }
            })
            .map(|order| order.id)
            .collect();
        for id in &ids {
            self.close_remainder(*id, Some(CANCELLED_BY_USER), now);
        }
        if !ids.is_empty() {
            self.emit_margin(now);
        }
        Ok(())
    }

    /// `POST /v2/orders/batch`: limit orders on one product; returns only the orders that were accepted.
    pub fn batch_create(
        &mut self,
        user_id: u64,
        request: BatchCreateRequest,
        now: i64,
    ) -> Result<Vec<Order>, ApiError> {
        if request.orders.is_empty() {
            return Err(ApiError::rejected("no_orders"));
        }
        request.validate().map_err(schema_error)?;
        let instrument = self.resolve_product(request.product_id, request.product_symbol.as_deref())?;
        let mut placed = Vec::new();
        for item in request.orders {
            let mut single = CreateOrderRequest::limit(instrument.id, item.side, item.size, Decimal::ZERO);
            single.limit_price = item.limit_price;
            single.order_type = item.order_type;
            single.time_in_force = item.time_in_force;
            single.post_only = item.post_only;
            single.mmp = item.mmp;
            single.client_order_id = item.client_order_id;
            match self.place_order(user_id, single, now) {
                Ok(order) => placed.push(order),
                Err(error) => tracing::debug!(code = error.code(), "batch create item refused"),
            }
        }
        Ok(placed)
    }

    /// `PUT /v2/orders/batch`: returns only the orders that were edited.
    pub fn batch_edit(&mut self, user_id: u64, request: BatchEditRequest, now: i64) -> Result<Vec<Order>, ApiError> {
        if request.orders.is_empty() {
            return Err(ApiError::rejected("no_orders"));
        }
        request.validate().map_err(schema_error)?;
        let instrument = self.resolve_product(request.product_id, request.product_symbol.as_deref())?;
        let mut edited = Vec::new();
        for item in request.orders {
            let mut single = EditOrderRequest::new(item.id, instrument.id, item.size, item.limit_price);
            single.post_only = item.post_only;
            single.mmp = item.mmp;
            match self.edit_order(user_id, single, now) {
                Ok(order) => edited.push(order),
                Err(error) => tracing::debug!(code = error.code(), "batch edit item refused"),
            }
        }
        Ok(edited)
    }

    /// `DELETE /v2/orders/batch`: returns only the orders that were cancelled.
    pub fn batch_cancel(
        &mut self,
        user_id: u64,
        request: BatchCancelRequest,
        now: i64,
    ) -> Result<Vec<Order>, ApiError> {
        if request.orders.is_empty() {
            return Err(ApiError::rejected("no_orders"));
        }
        request.validate().map_err(schema_error)?;
        let instrument = self.resolve_product(request.product_id, request.product_symbol.as_deref())?;
        let mut cancelled = Vec::new();
        for item in request.orders {
            let single =
                CancelOrderRequest { id: item.id, client_order_id: item.client_order_id, product_id: instrument.id };
            match self.cancel_order(user_id, single, now) {
                Ok(order) => cancelled.push(order),
                Err(error) => tracing::debug!(code = error.code(), "batch cancel item refused"),
            }
        }
        Ok(cancelled)
    }

    /// `POST /v2/orders/bracket`: reduce-only stop legs closing the whole position.
    pub fn create_bracket(&mut self, user_id: u64, request: BracketOrderRequest, now: i64) -> Result<(), ApiError> {
        self.account(user_id)?;
        request.validate().map_err(schema_error)?;
        let instrument = self.resolve_product(request.product_id, request.product_symbol.as_deref())?;
        let position = self.account.position_size(instrument.id);
        if position == 0 {
            return Err(ApiError::rejected("no_open_position"));
        }
        let exists = self.account.active_orders().any(|entry| {
            entry.order.product_id == instrument.id
                && entry.order.bracket_order == Some(true)
                && entry.order.reduce_only
        });
        if exists {
            return Err(ApiError::rejected("position_bracket_exist_or_invalid_data"));
        }
        let legs = [
            (StopOrderType::StopLoss, &request.stop_loss_order),
            (StopOrderType::TakeProfit, &request.take_profit_order),
        ];
        for (_, leg) in &legs {
            if let Some(leg) = leg {
                check_tick("stop_price", leg.stop_price, &instrument)?;
                check_tick("limit_price", leg.limit_price, &instrument)?;
            }
        }
        let side = if position > 0 { Side::Sell } else { Side::Buy };
        let method = request.bracket_stop_trigger_method.unwrap_or(StopTriggerMethod::MarkPrice);
        let ids: Vec<u64> = legs
            .into_iter()
            .filter_map(|(stop_type, leg)| leg.as_ref().map(|leg| (stop_type, leg)))
            .map(|(stop_type, leg)| {
                self.place_bracket_leg(&instrument, side, position.unsigned_abs(), stop_type, leg, method, now)
            })
            .collect();
        self.link_siblings(&ids);
        Ok(())
    }

    /// Places one reduce-only bracket leg (pending until triggered) and returns its id.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn place_bracket_leg(
        &mut self,
        instrument: &Instrument,
        side: Side,
        size: u64,
        stop_type: StopOrderType,
        leg: &BracketLeg,
        method: StopTriggerMethod,
        now: i64,
    ) -> u64 {
        let order = Order {
            id: self.take_order_id(),
            user_id: Some(self.account.user_id),
            size,
            unfilled_size: size,
            side,
            order_type: leg.order_type,
            limit_price: leg.limit_price,
            stop_order_type: Some(stop_type),
            stop_price: leg.stop_price,
            stop_trigger_method: Some(method),
            trail_amount: leg.trail_amount,
            trigger_price_max_or_min: None,
            paid_commission: Some(Decimal::ZERO),
            commission: Some(Decimal::ZERO),
            reduce_only: true,
            client_order_id: None,
            state: OrderState::Pending,
            time_in_force: TimeInForce::Gtc,
            cancellation_reason: None,
            average_fill_price: None,
            close_on_trigger: Some(true),
            bracket_order: Some(true),
            bracket_stop_loss_limit_price: None,
            bracket_stop_loss_price: None,
            bracket_take_profit_limit_price: None,
            bracket_take_profit_price: None,
            bracket_trail_amount: None,
            meta_data: OrderMetaData { source: Some("api".to_owned()) },
            created_at: Some(IsoTime(now)),
            product_id: instrument.id,
            product_symbol: Some(instrument.symbol.clone()),
            post_only: None,
            mmp: None,
            updated_at: None,
        };
        self.rest_pending(OrderEntry::new(order, false), now).id
    }

    /// `PUT /v2/orders/bracket`: changes the bracket prices of an active entry order.
    pub fn edit_bracket(&mut self, user_id: u64, request: BracketEditRequest, now: i64) -> Result<(), ApiError> {
        self.account(user_id)?;
        let instrument = self.resolve_product(request.product_id, request.product_symbol.as_deref())?;
        for (field, price) in [
            ("bracket_stop_loss_price", request.bracket_stop_loss_price),
            ("bracket_stop_loss_limit_price", request.bracket_stop_loss_limit_price),
            ("bracket_take_profit_price", request.bracket_take_profit_price),
            ("bracket_take_profit_limit_price", request.bracket_take_profit_limit_price),
        ] {
            check_tick(field, price, &instrument)?;
        }
        if request.bracket_stop_loss_price.is_some() && request.bracket_trail_amount.is_some() {
            return Err(ApiError::bad_schema(
                "",
                "bracket_stop_loss_price and bracket_trail_amount are mutually exclusive",
            ));
        }
        let id = self.find_active(instrument.id, Some(request.id), None)?;
        if let Some(entry) = self.account.orders.get_mut(&id) {
            let order = &mut entry.order;
            order.bracket_order = Some(true);
            order.bracket_stop_loss_price = request.bracket_stop_loss_price.or(order.bracket_stop_loss_price);
            order.bracket_stop_loss_limit_price =
                request.bracket_stop_loss_limit_price.or(order.bracket_stop_loss_limit_price);
            order.bracket_take_profit_price = request.bracket_take_profit_price.or(order.bracket_take_profit_price);
            order.bracket_take_profit_limit_price =
                request.bracket_take_profit_limit_price.or(order.bracket_take_profit_limit_price);
            order.bracket_trail_amount = request.bracket_trail_amount.or(order.bracket_trail_amount);
            entry.bracket_trigger = request.bracket_stop_trigger_method.unwrap_or(entry.bracket_trigger);
        }
        self.emit_order(id, OrderReason::Update, now);
        self.sync_bracket_legs(id, now);
        Ok(())
    }

    /// `POST /v2/positions/close_all`: closes every position with reduce-only market orders.
    pub fn close_all(&mut self, user_id: u64, request: CloseAllPositionsRequest, now: i64) -> Result<(), ApiError> {
        self.account(user_id)?;
        if request.user_id != user_id {
            return Err(ApiError::rejected("unauthorized"));
        }
        if !request.close_all_isolated && !request.close_all_portfolio {
            return Ok(());
        }
        let open: Vec<(u64, i64)> =
            self.account.positions.iter().filter(|(_, p)| p.size != 0).map(|(id, p)| (*id, p.size)).collect();
        for (product_id, size) in open {
            let side = if size > 0 { Side::Sell } else { Side::Buy };
            let request = CreateOrderRequest::market(product_id, side, size.unsigned_abs()).with_reduce_only(true);
            if let Err(error) = self.place_order(user_id, request, now) {
                tracing::debug!(product_id, code = error.code(), "close_all could not close a position");
            }
        }
        Ok(())
    }

    /// Fires the dead-man switches whose deadline has passed, then triggers the stops the clock made due.
    pub fn sweep_deadlines(&mut self, now: i64) {
        let due: Vec<String> = self
            .account
            .heartbeats
            .iter()
            .filter(|(_, heartbeat)| heartbeat.deadline.is_some_and(|deadline| deadline <= now))
            .map(|(id, _)| id.clone())
            .collect();
        for heartbeat_id in due {
            let Some(heartbeat) = self.account.heartbeats.get_mut(&heartbeat_id) else { continue };
            heartbeat.deadline = None;
            let config = heartbeat.config.clone();
            if !config.config.iter().any(|action| action.action == HeartbeatAction::CancelOrders) {
                continue;
            }
            let ids: Vec<u64> = self
                .account
                .active_orders()
                .filter(|entry| {
                    let Some(instrument) = self.catalog.by_id(entry.order.product_id) else { return false };
                    match config.impact {
                        HeartbeatImpact::Products => config.product_symbols.contains(&instrument.symbol),
                        HeartbeatImpact::Contracts => {
                            (config.contract_types.is_empty()
                                || config.contract_types.contains(&contract_type(instrument.kind)))
                                && (config.underlying_assets.is_empty()
                                    || config
                                        .underlying_assets
                                        .iter()
                                        .any(|asset| asset == instrument.underlying.symbol))
                        }
                    }
                })
                .map(|entry| entry.order.id)
                .collect();
            self.cancel_for_deadline(&ids, now);
        }
        if self.account.cancel_after.is_some_and(|deadline| deadline <= now) {
            self.account.cancel_after = None;
            let ids: Vec<u64> = self.account.active_orders().map(|entry| entry.order.id).collect();
            self.cancel_for_deadline(&ids, now);
        }
        // Marks also move with the clock (options), not only with the books.
        self.trigger_all_stops(now);
    }

    fn cancel_for_deadline(&mut self, ids: &[u64], now: i64) {
        for id in ids {
            self.close_remainder(*id, Some(CANCELLED_BY_DEAD_MAN_SWITCH), now);
        }
        if !ids.is_empty() {
            tracing::info!(count = ids.len(), "dead-man switch cancelled orders");
            self.emit_margin(now);
        }
    }
}
