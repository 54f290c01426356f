//! Market-maker protection (REFERENCE 7.6): fills of MMP-tagged orders (`mmp: mmp1..mmp5`) add their
//! traded notional (settling currency, direction-agnostic) to the asset's window, which starts at the
//! first trade and lasts `window_interval` seconds. Reaching `trade_limit` cancels the asset's open MMP
//! orders, freezes new MMP orders of the asset for `freeze_interval` seconds (0 = until `reset_mmp`) and
//! emits `mmp_trigger`. One configuration per asset applies to every MMP group (the docs do not say how
//! groups combine); `delta_limit` and `vega_limit` are stored but not enforced.

use delta_core::model::{MmpGroup, MmpResetRequest};
use delta_core::Decimal;

use super::Venue;
use crate::catalog::{Instrument, MICROS_PER_SECOND};
use crate::reply::ApiError;

/// Error code of an MMP order placed while its asset is frozen. Delta's code is not documented (neither
/// its docs nor ccxt list one): this name is the sim's choice, unconfirmed.
pub const MMP_FROZEN: &str = "mmp_frozen";

/// `cancellation_reason` of the orders MMP cancels. Not documented by Delta (unconfirmed); the text is
/// the sim's choice.
pub const CANCELLED_BY_MMP: &str = "mmp_trigger";

fn tagged(group: Option<MmpGroup>) -> bool {
    group.is_some_and(|group| group != MmpGroup::Disabled)
}

impl Venue {
    /// Refuses an MMP-tagged order while its asset is frozen.
    pub(crate) fn check_mmp_frozen(
        &self,
        instrument: &Instrument,
        group: Option<MmpGroup>,
        now: i64,
    ) -> Result<(), ApiError> {
        let frozen = self.account.mmp_state.get(instrument.underlying.symbol).is_some_and(|state| state.frozen(now));
        if tagged(group) && frozen {
            return Err(ApiError::rejected(MMP_FROZEN));
        }
        Ok(())
    }

    /// Adds the notional of a fill of an order in MMP `group` (if tagged) to its asset's window; reaching
    /// the trade limit freezes the asset (the cancels and the event follow in [`Venue::enforce_mmp`], once
    /// the fills being booked are done).
    pub(crate) fn count_mmp_trade(
        &mut self,
        instrument: &Instrument,
        group: Option<MmpGroup>,
        notional: Decimal,
        now: i64,
    ) {
        if !tagged(group) {
            return;
        }
        let asset = instrument.underlying.symbol;
        let Some(config) = self.account.mmp.get(asset) else { return };
        let Some(limit) = config.trade_limit else { return };
        let window = i64::try_from(config.window_interval).unwrap_or(i64::MAX).saturating_mul(MICROS_PER_SECOND);
        let freeze = i64::try_from(config.freeze_interval).unwrap_or(i64::MAX).saturating_mul(MICROS_PER_SECOND);
        let state = self.account.mmp_state.entry(asset.to_owned()).or_default();
        if state.window_start.is_none_or(|start| now.saturating_sub(start) > window) {
            state.window_start = Some(now);
            state.traded = Decimal::ZERO;
        }
        state.traded = state.traded.checked_add(&notional.abs()).unwrap_or(state.traded);
        if state.traded >= limit && !state.frozen(now) {
            state.frozen_till = Some(if freeze == 0 { -1 } else { now.saturating_add(freeze) });
            state.window_start = None;
            state.traded = Decimal::ZERO;
            state.tripped = true;
        }
    }

    /// For every asset MMP just froze: emits `mmp_trigger`, then cancels the asset's open MMP orders.
    pub(crate) fn enforce_mmp(&mut self, now: i64) {
        let tripped: Vec<(String, i64)> = self
            .account
            .mmp_state
            .iter_mut()
            .filter(|(_, state)| state.tripped)
            .map(|(asset, state)| {
                state.tripped = false;
                (asset.clone(), state.frozen_till.unwrap_or(-1))
            })
            .collect();
        for (asset, frozen_till) in tripped {
            tracing::info!(asset, frozen_till, "MMP triggered");
            self.trigger_mmp(&asset, frozen_till, now);
            let ids: Vec<u64> = self
                .account
                .active_orders()
                .filter(|entry| tagged(entry.order.mmp))
                .filter(|entry| {
                    self.catalog
                        .by_id(entry.order.product_id)
                        .is_some_and(|instrument| instrument.underlying.symbol == asset)
                })
                .map(|entry| entry.order.id)
                .collect();
            for id in &ids {
                self.close_remainder(*id, Some(CANCELLED_BY_MMP), now);
            }
            if !ids.is_empty() {
                self.emit_margin(now);
            }
        }
    }

    /// `PUT /v2/users/reset_mmp`: thaws the asset and starts a new window.
    pub fn reset_mmp(&mut self, user_id: u64, request: &MmpResetRequest) -> Result<(), ApiError> {
        self.account(user_id)?;
        if !self.account.mmp.contains_key(&request.asset) {
            tracing::debug!(asset = request.asset, "MMP reset for an asset without MMP settings");
        }
        self.account.mmp_state.remove(&request.asset);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use delta_core::model::{CreateOrderRequest, EditOrderRequest, MmpUpdateRequest, OrderState, Side};

    use super::*;
    use crate::engine::events::EventKind;
    use crate::engine::testing::{d, venue, START};
    use crate::engine::DEFAULT_USER_ID;

    const BTCUSD: u64 = 27;
    const SECOND: i64 = MICROS_PER_SECOND;

    fn configure(venue: &mut Venue, freeze_interval: u64) {
        let config = MmpUpdateRequest {
            asset: "BTC".into(),
            window_interval: 10,
            freeze_interval,
            trade_limit: Some(d("500")),
            delta_limit: None,
            vega_limit: None,
            mmp: MmpGroup::Mmp1,
        };
        venue.update_mmp(DEFAULT_USER_ID, config).unwrap();
    }

    /// A bid of `size` at the best bid, MMP-tagged or not.
    fn bid(venue: &mut Venue, size: u64, mmp: bool, now: i64) -> Result<u64, ApiError> {
        let price = venue.market().book(BTCUSD).unwrap().best_bid().unwrap().price;
        let mut request = CreateOrderRequest::limit(BTCUSD, Side::Buy, size, price);
        if mmp {
            request = request.with_mmp(MmpGroup::Mmp1);
        }
        venue.place_order(DEFAULT_USER_ID, request, now).map(|order| order.id)
    }

    /// Sells into the bids until `size` contracts of the account's orders were filled.
    fn fill_user(venue: &mut Venue, size: u64, now: i64) {
        let mut left = size;
        while left > 0 {
            let taken = venue.synthetic_trade(BTCUSD, Side::Sell, 1, now);
            left -= taken.maker_fills.iter().map(|fill| fill.size).sum::<u64>();
        }
    }

    fn order_state(venue: &Venue, id: u64) -> (OrderState, Option<String>) {
        let order = &venue.account(DEFAULT_USER_ID).unwrap().orders[&id].order;
        (order.state, order.cancellation_reason.clone())
    }

    #[test]
    fn the_trade_limit_cancels_mmp_orders_and_freezes_until_the_interval_ends() {
        let mut venue = venue();
        configure(&mut venue, 30);
        // 8 contracts × 0.001 BTC × ~68 000 USD ≈ 545 USD ≥ 500.
        let quoted = bid(&mut venue, 10, true, START).unwrap();
        let plain = bid(&mut venue, 10, false, START).unwrap();
        let mut events = venue.subscribe();
        fill_user(&mut venue, 8, START + SECOND);
        let events: Vec<EventKind> = std::iter::from_fn(|| events.try_recv().ok()).map(|event| event.kind).collect();
        let frozen_till = START + SECOND + 30 * SECOND;
        let trigger = events.iter().position(|kind| matches!(kind, EventKind::MmpTrigger { .. })).unwrap();
        assert_eq!(events[trigger], EventKind::MmpTrigger { asset: "BTC".into(), frozen_till });
        assert!(events[trigger..]
            .iter()
            .any(|kind| matches!(kind, EventKind::Order { order, .. } if order.id == quoted)));
        assert_eq!(order_state(&venue, quoted), (OrderState::Cancelled, Some(CANCELLED_BY_MMP.into())));
        assert_eq!(order_state(&venue, plain).0, OrderState::Open);
        let refused = bid(&mut venue, 1, true, START + 2 * SECOND).unwrap_err();
        assert_eq!(refused.code(), MMP_FROZEN);
        assert!(bid(&mut venue, 1, false, START + 2 * SECOND).is_ok(), "orders without MMP are not frozen");
        let mut tag = EditOrderRequest::new(plain, BTCUSD, 10, None);
        tag.mmp = Some(MmpGroup::Mmp1);
        assert_eq!(venue.edit_order(DEFAULT_USER_ID, tag, START + 2 * SECOND).unwrap_err().code(), MMP_FROZEN);
        assert!(bid(&mut venue, 1, true, frozen_till).is_ok(), "thawed when the freeze interval ends");
    }

    #[test]
    fn trades_outside_the_window_do_not_add_up() {
        let mut venue = venue();
        configure(&mut venue, 30);
        let quoted = bid(&mut venue, 10, true, START).unwrap();
        fill_user(&mut venue, 4, START);
        fill_user(&mut venue, 4, START + 11 * SECOND);
        assert_eq!(order_state(&venue, quoted).0, OrderState::Open);
        fill_user(&mut venue, 2, START + 12 * SECOND);
        assert_eq!(order_state(&venue, quoted).0, OrderState::Closed);
        assert!(bid(&mut venue, 1, true, START + 13 * SECOND).is_ok());
    }

    #[test]
    fn a_zero_freeze_interval_holds_until_reset() {
        let mut venue = venue();
        configure(&mut venue, 0);
        bid(&mut venue, 10, true, START).unwrap();
        let mut events = venue.subscribe();
        fill_user(&mut venue, 8, START);
        let frozen = std::iter::from_fn(|| events.try_recv().ok()).find_map(|event| match event.kind {
            EventKind::MmpTrigger { frozen_till, .. } => Some(frozen_till),
            _ => None,
        });
        assert_eq!(frozen, Some(-1));
        assert_eq!(bid(&mut venue, 1, true, START + 3_600 * SECOND).unwrap_err().code(), MMP_FROZEN);
        let reset = MmpResetRequest { asset: "BTC".into(), mmp: MmpGroup::Mmp1 };
        venue.reset_mmp(DEFAULT_USER_ID, &reset).unwrap();
        assert!(bid(&mut venue, 1, true, START + 3_600 * SECOND).is_ok());
    }
}
