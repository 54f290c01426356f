//! Fills and what they change: positions (signed size, average entry, realised PnL), the wallet
//! (commission and PnL booked to the ledger, margins blocked) and the views REST serves of them.
//!
//! Margin model (isolated, inferred from REFERENCE 6.4 and the wallet fixture): a resting order blocks
//! `notional / leverage` plus its taker commission; a position holds `entry notional / leverage` and
//! blocks the commission to close it; `available = balance - order margin - position margin -
//! commission`.

use delta_core::model::{
    Fill, FillMetaData, FillType, LiquidityRole, MarginMode, MarginedPosition, OrderState, OrderType, Position,
    ProductSummary, Side, TransactionType, WalletBalance, WalletBalancesMeta,
};
use delta_core::wire::{IsoTime, Micros};
use delta_core::Decimal;
use serde_json::Map;

use super::account::PositionEntry;
use super::events::{EventKind, OrderReason};
use super::market::PublicTrade;
use super::Venue;
use crate::catalog::{settling_asset, Instrument, ASSETS};
use crate::reply::ApiError;
use crate::views;

/// Order leverage of a product nobody set it for (the fixture's `GET` leverage answer).
pub const DEFAULT_LEVERAGE: Decimal = Decimal::from_int(10);

/// Digits kept for money amounts derived by division.
pub const MONEY_SCALE: u8 = 8;

/// Wallet ids per asset id, as in the fixtures.
fn wallet_id(asset_id: u64) -> u64 {
    8_801_100 + asset_id + 9
}

/// `size × contract_value × price`.
pub fn notional(instrument: &Instrument, size: u64, price: Decimal) -> Decimal {
    Decimal::from_int(i64::try_from(size).unwrap_or(i64::MAX))
        .checked_mul(&instrument.contract_value)
        .and_then(|value| value.checked_mul(&price))
        .unwrap_or(Decimal::ZERO)
}

/// `amount × rate`, exact.
pub fn fee(amount: Decimal, rate: Decimal) -> Decimal {
    amount.checked_mul(&rate).map(|value| value.normalize()).unwrap_or(Decimal::ZERO)
}

/// `amount / leverage`, rounded to [`MONEY_SCALE`].
pub fn margin_for(amount: Decimal, leverage: Decimal) -> Decimal {
    amount.checked_div(&leverage, MONEY_SCALE).map(|value| value.normalize()).unwrap_or(amount)
}

fn add(a: Decimal, b: Decimal) -> Decimal {
    a.checked_add(&b).unwrap_or(a)
}

fn sub(a: Decimal, b: Decimal) -> Decimal {
    a.checked_sub(&b).unwrap_or(a)
}

/// `value × part / whole` rounded to [`MONEY_SCALE`] (`value` when `whole` is zero).
fn pro_rata(value: Decimal, part: u64, whole: u64) -> Decimal {
    if whole == 0 {
        return value;
    }
    value
        .checked_mul(&Decimal::from(i64::try_from(part).unwrap_or(i64::MAX)))
        .and_then(|scaled| scaled.checked_div(&Decimal::from(i64::try_from(whole).unwrap_or(i64::MAX)), MONEY_SCALE))
        .map(|value| value.normalize())
        .unwrap_or(value)
}

fn to_i64(size: u64) -> i64 {
    i64::try_from(size).unwrap_or(i64::MAX)
}

/// Margin totals of the settling wallet.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Blocked {
    /// Held by resting orders.
    pub order_margin: Decimal,
    /// Held by positions.
    pub position_margin: Decimal,
    /// Commission blocked for resting orders and for closing positions.
    pub commission: Decimal,
}

impl Blocked {
    /// The sum.
    pub fn total(&self) -> Decimal {
        add(add(self.order_margin, self.position_margin), self.commission)
    }
}

impl Venue {
    /// The order leverage of a product.
    pub fn leverage_of(&self, product_id: u64) -> Decimal {
        self.account.leverage.get(&product_id).copied().unwrap_or(DEFAULT_LEVERAGE)
    }

    /// Margins blocked in the settling wallet.
    pub fn blocked(&self) -> Blocked {
        let mut blocked = Blocked::default();
        for entry in self.account.active_orders() {
            blocked.order_margin = add(blocked.order_margin, entry.margin);
            blocked.commission = add(blocked.commission, entry.order.commission.unwrap_or(Decimal::ZERO));
        }
        for (product_id, position) in &self.account.positions {
            blocked.position_margin = add(blocked.position_margin, position.margin);
            blocked.commission = add(blocked.commission, self.closing_commission(*product_id, position));
        }
        blocked
    }

    /// The settling balance not blocked by margins.
    pub fn available_balance(&self) -> Decimal {
        sub(self.account.balance(settling_asset().id), self.blocked().total())
    }

    fn closing_commission(&self, product_id: u64, position: &PositionEntry) -> Decimal {
        let (Some(instrument), Some(entry)) = (self.catalog.by_id(product_id), position.entry_price) else {
            return Decimal::ZERO;
        };
        fee(notional(instrument, position.size.unsigned_abs(), entry), instrument.taker_commission_rate)
    }

    /// One wallet per asset, and the balances meta (`net_equity` includes unrealised PnL).
    pub fn wallet_balances(
        &self,
        user_id: u64,
        now: i64,
    ) -> Result<(Vec<WalletBalance>, WalletBalancesMeta), ApiError> {
        let account = self.account(user_id)?;
        let wallets = ASSETS.iter().map(|asset| self.wallet(asset.id)).collect();
        let usd = account.balance(settling_asset().id);
        let unrealized = account
            .positions
            .keys()
            .filter_map(|product_id| self.unrealized_pnl(*product_id, now))
            .fold(Decimal::ZERO, add);
        let meta = WalletBalancesMeta {
            net_equity: Some(add(usd, unrealized).round_to(MONEY_SCALE)),
            robo_trading_equity: Some(Decimal::ZERO),
        };
        Ok((wallets, meta))
    }

    /// The wallet of one asset; only the settling asset carries margins.
    pub fn wallet(&self, asset_id: u64) -> WalletBalance {
        let zero = Decimal::ZERO;
        let balance = self.account.balance(asset_id).round_to(MONEY_SCALE);
        let blocked = if asset_id == settling_asset().id { self.blocked() } else { Blocked::default() };
        let available = sub(balance, blocked.total()).round_to(MONEY_SCALE);
        WalletBalance {
            asset_id,
            asset_symbol: ASSETS
                .iter()
                .find(|asset| asset.id == asset_id)
                .map_or("USD", |asset| asset.symbol)
                .to_owned(),
            available_balance: available,
            available_balance_for_robo: Some(available),
            balance,
            blocked_margin: Some(blocked.total()),
            commission: Some(blocked.commission),
            cross_asset_liability: Some(zero),
            cross_commission: Some(zero),
            cross_locked_collateral: Some(zero),
            cross_order_margin: Some(zero),
            cross_position_margin: Some(zero),
            id: Some(wallet_id(asset_id)),
            interest_credit: Some(zero),
            order_margin: Some(blocked.order_margin),
            pending_referral_bonus: Some(zero),
            pending_trading_fee_credit: Some(zero),
            portfolio_margin: Some(zero),
            position_margin: Some(blocked.position_margin),
            trading_fee_credit: Some(zero),
            unvested_amount: Some(zero),
            user_id: Some(self.account.user_id),
        }
    }

    /// `size × contract_value × (mark - entry)` of a product's position.
    pub fn unrealized_pnl(&self, product_id: u64, now: i64) -> Option<Decimal> {
        let position = self.account.positions.get(&product_id)?;
        let entry = position.entry_price?;
        let instrument = self.catalog.by_id(product_id)?;
        let mark = self.market.mark_price(&self.catalog, instrument, now);
        let move_per_contract = mark.checked_sub(&entry)?.checked_mul(&instrument.contract_value)?;
        move_per_contract.checked_mul(&Decimal::from_int(position.size)).map(|pnl| pnl.round_to(MONEY_SCALE))
    }

    /// The real-time position of a product (`GET /v2/positions?product_id=`); flat when never traded.
    pub fn position(&self, product_id: u64, now: i64) -> Position {
        let entry = self.account.positions.get(&product_id);
        Position {
            entry_price: entry.and_then(|position| position.entry_price),
            size: entry.map_or(0, |position| position.size),
            timestamp: Micros(now),
            product_id: None,
            product_symbol: None,
        }
    }

    /// A position with margins, as `/v2/positions/margined` and `change_margin` answer.
    pub fn margined_position(&self, instrument: &Instrument, now: i64) -> MarginedPosition {
        let flat = PositionEntry::flat(now);
        let position = self.account.positions.get(&instrument.id).unwrap_or(&flat);
        let mark = self.market.mark_price(&self.catalog, instrument, now);
        let (liquidation, bankruptcy) = liquidation_prices(instrument, position);
        MarginedPosition {
            adl_level: Some(Decimal::from_int(1)),
            auto_topup: Some(position.auto_topup),
            bankruptcy_price: bankruptcy,
            commission: Some(self.closing_commission(instrument.id, position)),
            created_at: Some(IsoTime(position.created_at)),
            entry_price: position.entry_price,
            liquidation_price: liquidation,
            margin: Some(position.margin),
            margin_mode: Some(MarginMode::Isolated),
            mark_price: Some(mark),
            product: Some(product_summary(instrument)),
            product_id: instrument.id,
            product_symbol: Some(instrument.symbol.clone()),
            realized_cashflow: Some(Decimal::ZERO),
            realized_funding: Some(Decimal::ZERO),
            realized_holding_cost: Some(Decimal::ZERO),
            realized_pnl: Some(position.realized_pnl),
            size: position.size,
            unrealized_pnl: Some(self.unrealized_pnl(instrument.id, now).unwrap_or(Decimal::ZERO)),
            updated_at: Some(IsoTime(position.updated_at)),
            user_id: Some(self.account.user_id),
        }
    }

    /// Books one fill of `size` at `price` for an order: the order, the position, the wallet, the
    /// ledger, the private events, the tape (for a taker; a maker's public trade is its taker's), the
    /// MMP window and the bracket legs of an entry order.
    pub(crate) fn apply_fill(
        &mut self,
        order_id: u64,
        price: Decimal,
        size: u64,
        role: LiquidityRole,
        now: i64,
    ) -> Result<Fill, ApiError> {
        let entry =
            self.account.orders.get(&order_id).cloned().ok_or_else(|| ApiError::rejected("open_order_not_found"))?;
        let instrument = self.instrument(entry.order.product_id)?;
        let order = &entry.order;
        let rate = match role {
            LiquidityRole::Maker => instrument.maker_commission_rate,
            LiquidityRole::Taker => instrument.taker_commission_rate,
        };
        let commission = fee(notional(&instrument, size, price), rate);
        self.update_position(&instrument, order.side, size, price, now);
        let usd = settling_asset().id;
        self.post_transaction(
            TransactionType::Commission,
            usd,
            commission.negate(),
            Some(instrument.id),
            Map::new(),
            now,
        );

        let unfilled_before = order.unfilled_size;
        let filled_before = order.size.saturating_sub(unfilled_before);
        let unfilled = unfilled_before.saturating_sub(size);
        let average = weighted_average(order.average_fill_price, filled_before, price, size);
        let fill = Fill {
            id: self.uuid(),
            size,
            fill_type: FillType::Normal,
            side: order.side,
            price,
            role,
            commission,
            created_at: IsoTime(now),
            product_id: instrument.id,
            product_symbol: Some(instrument.symbol.clone()),
            order_id: order.id.to_string(),
            settling_asset_id: Some(usd),
            settling_asset_symbol: Some(settling_asset().symbol.to_owned()),
            meta_data: fill_meta(
                order.order_type,
                order.limit_price.unwrap_or(price),
                order.size,
                unfilled,
                rate,
                commission,
            ),
        };
        if let Some(stored) = self.account.orders.get_mut(&order_id) {
            let released_margin = pro_rata(stored.margin, size, unfilled_before);
            let blocked_commission = stored.order.commission.unwrap_or(Decimal::ZERO);
            let released_commission = pro_rata(blocked_commission, size, unfilled_before);
            stored.margin = sub(stored.margin, released_margin);
            stored.order.commission = Some(sub(blocked_commission, released_commission));
            stored.order.unfilled_size = unfilled;
            stored.order.average_fill_price = Some(average);
            stored.order.paid_commission = Some(add(stored.order.paid_commission.unwrap_or(Decimal::ZERO), commission));
            if unfilled == 0 {
                stored.order.state = OrderState::Closed;
            }
        }
        self.account.fills.push(fill.clone());
        if role == LiquidityRole::Taker {
            let trade = PublicTrade { price, size, taker_side: order.side, timestamp: now };
            self.market.record_trade(instrument.id, trade);
        }
        self.emit_order(order_id, OrderReason::Fill, now);
        self.account.events.emit(self.account.user_id, Some(instrument.id), now, EventKind::Fill(fill.clone()));
        self.emit_position(&instrument, now);
        self.count_mmp_trade(&instrument, order.mmp, notional(&instrument, size, price), now);
        self.sync_bracket_legs(order_id, now);
        Ok(fill)
    }

    /// Moves a position by one fill, realising PnL on the reduced part.
    fn update_position(&mut self, instrument: &Instrument, side: Side, size: u64, price: Decimal, now: i64) {
        let leverage = self.leverage_of(instrument.id);
        let position = self.account.positions.entry(instrument.id).or_insert_with(|| PositionEntry::flat(now));
        if position.size == 0 {
            position.created_at = now;
        }
        position.updated_at = now;
        let signed = if side == Side::Buy { to_i64(size) } else { -to_i64(size) };
        let current = position.size;
        let mut realized = Decimal::ZERO;
        if current == 0 || current.signum() == signed.signum() {
            let held = current.unsigned_abs();
            position.entry_price = Some(weighted_average(position.entry_price, held, price, size));
            position.margin = add(position.margin, margin_for(notional(instrument, size, price), leverage));
            position.size = current + signed;
        } else {
            let closed = current.unsigned_abs().min(size);
            let entry = position.entry_price.unwrap_or(price);
            let direction = Decimal::from_int(current.signum());
            realized = price
                .checked_sub(&entry)
                .and_then(|diff| diff.checked_mul(&notional(instrument, closed, Decimal::from_int(1))))
                .and_then(|pnl| pnl.checked_mul(&direction))
                .map(|pnl| pnl.normalize())
                .unwrap_or(Decimal::ZERO);
            position.realized_pnl = add(position.realized_pnl, realized);
            position.margin = sub(position.margin, pro_rata(position.margin, closed, current.unsigned_abs()));
            position.size = current + signed;
            let opened = size - closed;
            if position.size == 0 {
                position.entry_price = None;
                position.margin = Decimal::ZERO;
            } else if opened > 0 {
                position.entry_price = Some(price);
                position.margin = margin_for(notional(instrument, opened, price), leverage);
            }
        }
        if !realized.is_zero() {
            let usd = settling_asset().id;
            self.post_transaction(TransactionType::Cashflow, usd, realized, Some(instrument.id), Map::new(), now);
        }
    }

    /// Emits the current state of an order.
    pub(crate) fn emit_order(&mut self, order_id: u64, reason: OrderReason, now: i64) {
        if let Some(entry) = self.account.orders.get(&order_id) {
            let kind = EventKind::Order { order: entry.order.clone(), reason };
            let product_id = entry.order.product_id;
            self.account.events.emit(self.account.user_id, Some(product_id), now, kind);
        }
    }

    /// Emits a product's position, then the settling wallet.
    pub(crate) fn emit_position(&mut self, instrument: &Instrument, now: i64) {
        let position = Position {
            product_id: Some(instrument.id),
            product_symbol: Some(instrument.symbol.clone()),
            ..self.position(instrument.id, now)
        };
        let user_id = self.account.user_id;
        self.account.events.emit(user_id, Some(instrument.id), now, EventKind::Position(position));
        self.emit_margin(now);
    }

    /// Emits the settling wallet.
    pub(crate) fn emit_margin(&mut self, now: i64) {
        let wallet = self.wallet(settling_asset().id);
        let user_id = self.account.user_id;
        self.account.events.emit(user_id, None, now, EventKind::Margin(wallet));
    }
}

/// `(old × held + price × added) / (held + added)`, normalised; `price` when nothing was held.
fn weighted_average(old: Option<Decimal>, held: u64, price: Decimal, added: u64) -> Decimal {
    let Some(old) = old.filter(|_| held > 0) else { return price };
    let total = Decimal::from_int(to_i64(held.saturating_add(added)));
    old.checked_mul(&Decimal::from_int(to_i64(held)))
        .and_then(|a| a.checked_add(&price.checked_mul(&Decimal::from_int(to_i64(added)))?))
        .and_then(|sum| sum.checked_div(&total, MONEY_SCALE))
        .map(|average| average.normalize())
        .unwrap_or(price)
}

fn fill_meta(
    order_type: OrderType,
    order_price: Decimal,
    order_size: u64,
    unfilled: u64,
    rate: Decimal,
    commission: Decimal,
) -> FillMetaData {
    let zero = Some(Decimal::ZERO);
    FillMetaData {
        commission_deto: zero,
        commission_deto_in_settling_asset: zero,
        effective_commission_rate: Some(rate),
        liquidation_fee_deto: zero,
        liquidation_fee_deto_in_settling_asset: zero,
        order_price: Some(order_price),
        order_size: Some(order_size),
        order_type: Some(order_type),
        order_unfilled_size: Some(unfilled),
        tfc_used_for_commission: zero,
        tfc_used_for_liquidation_fee: zero,
        total_commission_in_settling_asset: Some(commission),
        total_liquidation_fee_in_settling_asset: zero,
        trading_fee_credits_used: None,
    }
}

/// Liquidation and bankruptcy prices of an isolated position: the entry moved by the margin (less
/// the maintenance margin, for liquidation) per unit of underlying.
fn liquidation_prices(instrument: &Instrument, position: &PositionEntry) -> (Option<Decimal>, Option<Decimal>) {
    let Some(entry) = position.entry_price else { return (None, None) };
    let units = notional(instrument, position.size.unsigned_abs(), Decimal::from_int(1));
    let maintenance = notional(instrument, position.size.unsigned_abs(), entry)
        .checked_mul(&instrument.maintenance_margin)
        .and_then(|value| value.checked_div(&Decimal::from_int(100), MONEY_SCALE))
        .unwrap_or(Decimal::ZERO);
    let distance = |cushion: Decimal| cushion.checked_div(&units, MONEY_SCALE);
    let shift = |cushion: Decimal| {
        let distance = distance(cushion)?;
        let price = if position.size > 0 { entry.checked_sub(&distance)? } else { entry.checked_add(&distance)? };
        Some(price.max(Decimal::ZERO))
    };
    let liquidation =
        shift(sub(position.margin, maintenance)).map(|price| price.round_to(instrument.tick_size.scale()));
    let bankruptcy = shift(position.margin).map(|price| price.round_to(2));
    (liquidation, bankruptcy)
}

/// The trimmed product nested in margined positions.
fn product_summary(instrument: &Instrument) -> ProductSummary {
    let product = views::product(instrument);
    ProductSummary {
        id: product.id,
        symbol: product.symbol,
        contract_type: product.contract_type,
        contract_value: product.contract_value,
        contract_unit_currency: product.contract_unit_currency,
        tick_size: product.tick_size,
        notional_type: product.notional_type,
        state: Some(product.state),
        trading_status: product.trading_status,
        is_quanto: product.is_quanto,
        underlying_asset: product.underlying_asset,
        quoting_asset: product.quoting_asset,
        settling_asset: product.settling_asset,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::testing::{d, venue, START};

    #[test]
    fn fresh_account_has_the_deposit_and_no_margin() {
        let venue = venue();
        let (wallets, meta) = venue.wallet_balances(super::super::DEFAULT_USER_ID, START).unwrap();
        let usd = wallets.iter().find(|wallet| wallet.asset_symbol == "USD").unwrap();
        assert_eq!(usd.balance, d("100000"));
        assert_eq!(usd.available_balance, d("100000"));
        assert_eq!(meta.net_equity, Some(d("100000")));
        assert_eq!(venue.account.transactions.len(), 1);
    }

    #[test]
    fn averages_and_liquidation_prices() {
        assert_eq!(weighted_average(Some(d("68402.5")), 15, d("68000"), 6), d("68287.5"));
        assert_eq!(weighted_average(None, 0, d("100"), 3), d("100"));
        let venue = venue();
        let btc = venue.catalog().by_id(27).unwrap().clone();
        let long = PositionEntry { size: 10, entry_price: Some(d("68000")), margin: d("68"), ..PositionEntry::flat(0) };
        let (liquidation, bankruptcy) = liquidation_prices(&btc, &long);
        assert_eq!(bankruptcy, Some(d("61200")));
        assert_eq!(liquidation, Some(d("61370")));
    }
}
