//! The risk engine: the state the checks read (instruments, marks, positions, open orders, equity, MMP
//! freezes) and `check`, which accepts or refuses one order before it leaves the process.

use std::collections::HashMap;

use super::daily::DailyLoss;
use super::limits::RiskLimits;
use super::rejection::{NotionalTerms, RiskRejection, RiskResult, Rule, Scope};
use super::state::{InstrumentSpec, OpenOrder, SymbolState};
use super::window::RateWindow;
use crate::decimal::Decimal;
use crate::error::DeltaError;
use crate::model::Side;

/// Digits kept for an inverse instrument's notional (`size × contract_value / price`).
const INVERSE_NOTIONAL_SCALE: u8 = 12;

/// One order as the checks see it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OrderIntent<'a> {
    /// The instrument.
    pub symbol: &'a str,
    /// Buy or sell.
    pub side: Side,
    /// Size in contracts.
    pub size: u64,
    /// Limit (or stop-limit) price; `None` for a market order, which is valued at the mark.
    pub price: Option<Decimal>,
    /// A reduce-only order: it never fails `max_position` or `daily_loss`.
    pub reduce_only: bool,
    /// A quote tagged with an MMP group: it fails `mmp_frozen` while its underlying asset is frozen.
    pub mmp: bool,
}

/// How long an asset's market maker protection stays frozen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MmpFreeze {
    /// Until this time (ns since the epoch).
    Until(u64),
    /// Until [`RiskEngine::thaw_mmp`].
    UntilThawed,
}

/// Counters of the checks.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RiskStats {
    /// Orders checked.
    pub checked: u64,
    /// Orders refused, indexed by [`Rule::index`].
    pub rejected: [u64; Rule::ALL.len()],
}

/// The pre-trade checks of DESIGN 7 and the state they read.
#[derive(Debug, Clone, Default)]
pub struct RiskEngine {
    account: RiskLimits,
    symbols: HashMap<String, SymbolState>,
    orders: HashMap<String, OpenOrder>,
    open_orders: u32,
    rate: RateWindow,
    daily: DailyLoss,
    mmp: HashMap<String, Option<u64>>,
    stats: RiskStats,
}

impl RiskEngine {
    /// An engine with these account limits.
    pub fn new(account: RiskLimits) -> Self {
        let mut rate = RateWindow::default();
        rate.reserve_for(account.max_orders_per_second.unwrap_or(0));
        Self { account, rate, ..Self::default() }
    }

    /// The account limits.
    pub fn account_limits(&self) -> &RiskLimits {
        &self.account
    }

    /// True when the account limits ask for every open order to be cancelled on a daily loss breach.
    pub fn cancel_on_daily_loss(&self) -> bool {
        self.account.cancel_on_daily_loss.unwrap_or(false)
    }

    /// Registers (or re-registers) an instrument with its overrides of the account limits.
    /// `Config` error when `overrides` sets an account-only limit (`daily_loss_limit`, `cancel_on_daily_loss`).
    pub fn set_instrument(
        &mut self,
        symbol: &str,
        contract_value: Decimal,
        inverse: bool,
        underlying: &str,
        overrides: &RiskLimits,
    ) -> Result<(), DeltaError> {
        let account_only = overrides.account_only_keys_set();
        if !account_only.is_empty() {
            return Err(DeltaError::Config(format!(
                "{} cannot be set per instrument ({symbol}): it is an account limit",
                account_only.join(", ")
            )));
        }
        let spec = InstrumentSpec {
            contract_value,
            inverse,
            underlying: underlying.to_owned(),
            limits: self.account.merged(overrides),
            own_max_open_orders: overrides.max_open_orders,
            own_max_orders_per_second: overrides.max_orders_per_second,
        };
        self.update_symbol(symbol, |state| {
            if let Some(limit) = spec.own_max_orders_per_second {
                state.rate.reserve_for(limit);
            }
            state.spec = Some(spec);
        });
        Ok(())
    }

    /// Sets the mark price of `symbol` (the price band's reference and a market order's price).
    pub fn set_mark(&mut self, symbol: &str, price: Decimal) {
        self.update_symbol(symbol, |state| state.mark = Some(price));
    }

    /// Sets the signed position of `symbol` in contracts.
    pub fn set_position(&mut self, symbol: &str, size: i64) {
        self.update_symbol(symbol, |state| state.position = size);
    }

    /// Counts an open order in (or updates it: calling again with the same key replaces its side and size).
    pub fn order_opened(&mut self, key: &str, symbol: &str, side: Side, open_size: u64) {
        if let Some(previous) = self.orders.get_mut(key) {
            let old = std::mem::replace(previous, OpenOrder { symbol: symbol.to_owned(), side, open_size });
            self.update_symbol(&old.symbol, |state| state.remove_open(old.side, old.open_size));
        } else {
            self.orders.insert(key.to_owned(), OpenOrder { symbol: symbol.to_owned(), side, open_size });
            self.open_orders = self.open_orders.saturating_add(1);
        }
        self.update_symbol(symbol, |state| state.add_open(side, open_size));
    }

    /// Counts an open order out; unknown keys are ignored.
    pub fn order_closed(&mut self, key: &str) {
        if let Some(order) = self.orders.remove(key) {
            self.open_orders = self.open_orders.saturating_sub(1);
            self.update_symbol(&order.symbol, |state| state.remove_open(order.side, order.open_size));
        }
    }

    /// Records the account equity at `now_ns`; true exactly on the call whose loss since the UTC day start
    /// reaches `daily_loss_limit` (reduce-only mode begins and lasts until the next UTC day).
    pub fn set_equity(&mut self, equity: Decimal, now_ns: u64) -> bool {
        self.daily.update(equity, now_ns, self.account.daily_loss_limit)
    }

    /// True while reduce-only mode lasts (it ends on the first call after the next UTC day begins).
    pub fn reduce_only_mode(&self) -> bool {
        self.daily.reduce_only()
    }

    /// Freezes MMP quotes on `asset` until `until_ns`, or until [`RiskEngine::thaw_mmp`] when `None`.
    pub fn freeze_mmp(&mut self, asset: &str, until_ns: Option<u64>) {
        self.mmp.insert(asset.to_owned(), until_ns);
    }

    /// Ends the MMP freeze of `asset`.
    pub fn thaw_mmp(&mut self, asset: &str) {
        self.mmp.remove(asset);
    }

    /// The MMP freeze of `asset` in force at `now_ns`, if any.
    pub fn mmp_frozen_until(&self, asset: &str, now_ns: u64) -> Option<MmpFreeze> {
        match self.mmp.get(asset)? {
            None => Some(MmpFreeze::UntilThawed),
            Some(until) if now_ns < *until => Some(MmpFreeze::Until(*until)),
            Some(_) => None,
        }
    }

    /// The counters of the checks so far.
    pub fn stats(&self) -> &RiskStats {
        &self.stats
    }

    /// Accepts or refuses `order` at `now_ns`; an accepted order counts against the order rate.
    pub fn check(&mut self, order: &OrderIntent<'_>, now_ns: u64) -> RiskResult {
        self.stats.checked += 1;
        let result = self.evaluate(order, now_ns);
        if let Err(rejection) = &result {
            self.stats.rejected[rejection.kind().index()] += 1;
        }
        result
    }

    fn evaluate(&mut self, order: &OrderIntent<'_>, now_ns: u64) -> RiskResult {
        let unknown = || Box::new(RiskRejection::UnknownInstrument { symbol: order.symbol.to_owned() });
        let state = self.symbols.get_mut(order.symbol).ok_or_else(unknown)?;
        let spec = state.spec.as_ref().ok_or_else(unknown)?;
        if order.mmp {
            if let Some(until) = self.mmp.get(&spec.underlying).filter(|until| until.is_none_or(|t| now_ns < t)) {
                return Err(RiskRejection::MmpFrozen { asset: spec.underlying.clone(), until_ns: *until }.into());
            }
        }
        let reducing = order.reduce_only || state.reduces(order.side, order.size);
        if !reducing {
            if let Some(breach) = self.daily.active(now_ns) {
                return Err(RiskRejection::DailyLoss {
                    baseline: breach.baseline,
                    equity: breach.equity,
                    loss: breach.loss,
                    limit: breach.limit,
                }
                .into());
            }
        }
        let limits = &spec.limits;
        if let Some(limit) = limits.max_order_size {
            if order.size > limit {
                return Err(RiskRejection::MaxOrderSize { size: order.size, limit }.into());
            }
        }
        if let Some(limit) = limits.max_order_notional {
            check_notional(order, state, spec, limit)?;
        }
        if let Some(band_pct) = limits.price_band_pct {
            check_price_band(order, state, band_pct)?;
        }
        if let Some(limit) = limits.max_position.filter(|_| !reducing) {
            check_position(order, state, limit)?;
        }
        check_open_orders(self.open_orders, self.account.max_open_orders, || Scope::Account)?;
        check_open_orders(state.open_orders, spec.own_max_open_orders, || Scope::Instrument(order.symbol.to_owned()))?;
        let account_rate = self.account.max_orders_per_second;
        check_rate(&mut self.rate, account_rate, now_ns, || Scope::Account)?;
        let own_rate = spec.own_max_orders_per_second;
        check_rate(&mut state.rate, own_rate, now_ns, || Scope::Instrument(order.symbol.to_owned()))?;
        if account_rate.is_some() {
            self.rate.record(now_ns);
        }
        if own_rate.is_some() {
            state.rate.record(now_ns);
        }
        Ok(())
    }

    /// Applies `update` to the state of `symbol`, creating it on first use (no allocation once it exists).
    fn update_symbol(&mut self, symbol: &str, update: impl FnOnce(&mut SymbolState)) {
        if let Some(state) = self.symbols.get_mut(symbol) {
            update(state);
            return;
        }
        let mut state = SymbolState::default();
        update(&mut state);
        self.symbols.insert(symbol.to_owned(), state);
    }
}

/// The price an order is valued at: its own, or the mark for a market order (`None` without a mark).
fn order_price(order: &OrderIntent<'_>, state: &SymbolState) -> Option<(Decimal, bool)> {
    match order.price {
        Some(price) => Some((price, false)),
        None => state.mark.map(|mark| (mark, true)),
    }
}

/// `size × contract_value × price` (vanilla) or `size × contract_value / price` (inverse, REFERENCE 6.4).
fn notional(terms: &NotionalTerms) -> Option<Decimal> {
    let contracts = Decimal::from_int(i64::try_from(terms.size).ok()?).checked_mul(&terms.contract_value)?;
    if terms.inverse {
        contracts.checked_div(&terms.price, INVERSE_NOTIONAL_SCALE)
    } else {
        contracts.checked_mul(&terms.price)
    }
}

fn check_notional(order: &OrderIntent<'_>, state: &SymbolState, spec: &InstrumentSpec, limit: Decimal) -> RiskResult {
    let no_mark =
        || Box::new(RiskRejection::NoMarkPrice { rule: Rule::MaxOrderNotional, symbol: order.symbol.to_owned() });
    let (price, at_mark) = order_price(order, state).ok_or_else(no_mark)?;
    let terms =
        NotionalTerms { size: order.size, contract_value: spec.contract_value, price, inverse: spec.inverse, at_mark };
    let Some(value) = notional(&terms) else {
        return Err(RiskRejection::Uncomputable {
            rule: Rule::MaxOrderNotional,
            symbol: order.symbol.to_owned(),
            terms: terms.to_string(),
        }
        .into());
    };
    if value > limit {
        return Err(RiskRejection::MaxOrderNotional {
            symbol: order.symbol.to_owned(),
            notional: value.normalize(),
            terms,
            limit,
        }
        .into());
    }
    Ok(())
}

/// `|price − mark| ≤ mark × band_pct / 100`, compared exactly.
fn check_price_band(order: &OrderIntent<'_>, state: &SymbolState, band_pct: Decimal) -> RiskResult {
    let Some(mark) = state.mark else {
        return Err(RiskRejection::NoMarkPrice { rule: Rule::PriceBand, symbol: order.symbol.to_owned() }.into());
    };
    let price = order.price.unwrap_or(mark);
    let distance = price.checked_sub(&mark).map(|d| d.abs());
    let allowed = mark.checked_mul(&band_pct).and_then(|value| value.percent_to_fraction());
    match (distance, allowed) {
        (Some(distance), Some(allowed)) if distance <= allowed => Ok(()),
        (Some(distance), Some(allowed)) => Err(RiskRejection::PriceBand {
            symbol: order.symbol.to_owned(),
            price,
            mark,
            distance,
            band_pct,
            allowed: allowed.normalize(),
        }
        .into()),
        _ => Err(RiskRejection::Uncomputable {
            rule: Rule::PriceBand,
            symbol: order.symbol.to_owned(),
            terms: format!("|{price} - mark {mark}| against {band_pct}% of the mark"),
        }
        .into()),
    }
}

/// `|position ± same-side open size ± size| ≤ limit` (the worst case once everything on this side fills).
fn check_position(order: &OrderIntent<'_>, state: &SymbolState, limit: u64) -> RiskResult {
    let open_same_side = state.open_side(order.side);
    let added = i128::from(open_same_side) + i128::from(order.size);
    let after = match order.side {
        Side::Buy => i128::from(state.position) + added,
        Side::Sell => i128::from(state.position) - added,
    };
    if after.unsigned_abs() > u128::from(limit) {
        return Err(RiskRejection::MaxPosition {
            symbol: order.symbol.to_owned(),
            side: order.side,
            size: order.size,
            position: state.position,
            open_same_side,
            after,
            limit,
        }
        .into());
    }
    Ok(())
}

fn check_open_orders(open: u32, limit: Option<u32>, scope: impl FnOnce() -> Scope) -> RiskResult {
    match limit {
        Some(limit) if open >= limit => Err(RiskRejection::MaxOpenOrders { scope: scope(), open, limit }.into()),
        _ => Ok(()),
    }
}

fn check_rate(window: &mut RateWindow, limit: Option<u32>, now_ns: u64, scope: impl FnOnce() -> Scope) -> RiskResult {
    let Some(limit) = limit else {
        return Ok(());
    };
    let accepted = window.count(now_ns);
    if accepted >= limit {
        return Err(RiskRejection::OrderRate { scope: scope(), accepted, limit }.into());
    }
    Ok(())
}
