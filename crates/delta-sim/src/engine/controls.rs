//! Account settings and switches: order leverage, position margin and auto top-up, market-maker
//! protection and the dead-man switches.

use delta_core::model::{
    AutoTopupRequest, CancelAfterRequest, CancelAfterResponse, ChangeMarginRequest, HeartbeatAckRequest,
    HeartbeatAckResponse, HeartbeatCreateRequest, HeartbeatCreateResponse, MarginMode, MarginedPosition,
    MmpUpdateRequest, OrderLeverage,
};
use delta_core::Decimal;
use serde_json::{json, Value};

use super::account::{Heartbeat, PositionEntry};
use super::ledger::{margin_for, notional, MONEY_SCALE};
use super::Venue;
use crate::reply::ApiError;

const MICROS_PER_MILLI: i64 = 1_000;

fn millis(micros: i64) -> u64 {
    u64::try_from(micros / MICROS_PER_MILLI).unwrap_or(0)
}

impl Venue {
    /// `GET /v2/products/{id}/orders/leverage` (`with_owner`) or the `POST` answer (without).
    pub fn order_leverage(&self, user_id: u64, product_id: u64, with_owner: bool) -> Result<OrderLeverage, ApiError> {
        self.account(user_id)?;
        let instrument = self.instrument(product_id)?;
        let order_margin = self
            .account
            .active_orders()
            .filter(|entry| entry.order.product_id == instrument.id)
            .fold(Decimal::ZERO, |sum, entry| sum.checked_add(&entry.margin).unwrap_or(sum));
        Ok(OrderLeverage {
            index_symbol: with_owner.then_some(None),
            leverage: self.leverage_of(instrument.id),
            margin_mode: MarginMode::Isolated,
            order_margin,
            product_id: instrument.id,
            user_id: with_owner.then_some(user_id),
        })
    }

    /// `POST /v2/products/{id}/orders/leverage`: between 1 and the product's default leverage; the
    /// product's resting orders are re-margined and the change is refused if that needs more than is
    /// available.
    pub fn set_order_leverage(
        &mut self,
        user_id: u64,
        product_id: u64,
        leverage: Decimal,
    ) -> Result<OrderLeverage, ApiError> {
        self.account(user_id)?;
        let instrument = self.instrument(product_id)?;
        if leverage < Decimal::from_int(1) {
            return Err(ApiError::rejected("min_leverage_exceeded"));
        }
        if leverage > instrument.default_leverage {
            return Err(ApiError::rejected("max_leverage_exceeded"));
        }
        let previous = self.account.leverage.insert(instrument.id, leverage.normalize());
        let before: Vec<(u64, Decimal)> = self
            .account
            .orders
            .iter()
            .filter(|(_, entry)| entry.order.product_id == instrument.id && entry.margin > Decimal::ZERO)
            .map(|(id, entry)| (*id, entry.margin))
            .collect();
        for (id, _) in &before {
            if let Some(entry) = self.account.orders.get_mut(id) {
                let price = entry.order.limit_price.unwrap_or(Decimal::ZERO);
                entry.margin = margin_for(notional(&instrument, entry.order.unfilled_size, price), leverage);
            }
        }
        if self.available_balance().is_negative() {
            for (id, margin) in before {
                if let Some(entry) = self.account.orders.get_mut(&id) {
                    entry.margin = margin;
                }
            }
            match previous {
                Some(previous) => self.account.leverage.insert(instrument.id, previous),
                None => self.account.leverage.remove(&instrument.id),
            };
            return Err(ApiError::rejected("insufficient_margin"));
        }
        self.order_leverage(user_id, product_id, false)
    }

    /// `POST /v2/positions/change_margin`: adds (positive) or removes (negative) isolated margin; the
    /// margin may not fall below the maintenance margin.
    pub fn change_margin(
        &mut self,
        user_id: u64,
        request: ChangeMarginRequest,
        now: i64,
    ) -> Result<MarginedPosition, ApiError> {
        self.account(user_id)?;
        let instrument = self.instrument(request.product_id)?;
        let position = self.account.positions.get(&instrument.id).cloned().filter(|position| position.size != 0);
        let Some(position) = position else { return Err(ApiError::rejected("no_open_position")) };
        let delta = request.delta_margin;
        let new_margin = position.margin.checked_add(&delta).unwrap_or(position.margin);
        let available = self.available_balance();
        if delta > available {
            return Err(ApiError::rejected("insufficient_margin").with_context(json!({
                "available_balance": available.round_to(MONEY_SCALE).to_string(),
                "required_additional_balance": delta.checked_sub(&available).unwrap_or(delta).to_string(),
            })));
        }
        let entry = position.entry_price.unwrap_or(Decimal::ZERO);
        let floor = notional(&instrument, position.size.unsigned_abs(), entry)
            .checked_mul(&instrument.maintenance_margin)
            .and_then(|value| value.checked_div(&Decimal::from_int(100), MONEY_SCALE))
            .unwrap_or(Decimal::ZERO);
        if new_margin < floor {
            return Err(ApiError::rejected("insufficient_margin"));
        }
        if let Some(stored) = self.account.positions.get_mut(&instrument.id) {
            stored.margin = new_margin.normalize();
            stored.updated_at = now;
        }
        self.emit_position(&instrument, now);
        Ok(self.margined_position(&instrument, now))
    }

    /// `PUT /v2/positions/auto_topup`.
    pub fn set_auto_topup(
        &mut self,
        user_id: u64,
        request: AutoTopupRequest,
        now: i64,
    ) -> Result<MarginedPosition, ApiError> {
        self.account(user_id)?;
        let instrument = self.instrument(request.product_id)?;
        let position = self.account.positions.entry(instrument.id).or_insert_with(|| PositionEntry::flat(now));
        position.auto_topup = request.auto_topup;
        position.updated_at = now;
        Ok(self.margined_position(&instrument, now))
    }

    /// `PUT /v2/users/update_mmp`: stores the settings and answers with the trading preferences.
    pub fn update_mmp(&mut self, user_id: u64, request: MmpUpdateRequest) -> Result<Value, ApiError> {
        self.account(user_id)?;
        self.account.mmp.insert(request.asset.clone(), request);
        self.trading_preferences(user_id)
    }

    /// The trading preferences object (REFERENCE 7.5; no fixture, so only the documented keys).
    pub fn trading_preferences(&self, user_id: u64) -> Result<Value, ApiError> {
        self.account(user_id)?;
        let mmp_config: serde_json::Map<String, Value> = self
            .account
            .mmp
            .iter()
            .map(|(asset, settings)| (asset.clone(), serde_json::to_value(settings).unwrap_or(Value::Null)))
            .collect();
        Ok(json!({
            "user_id": self.account.user_id,
            "default_auto_topup": false,
            "mmp_config": mmp_config,
            "deto_for_commission": false,
            "vip_level": 0,
            "vip_discount_factor": "0",
            "volume_30d": "0",
            "email_preferences": {},
            "notification_preferences": {},
            "price_alert_assets": [],
            "enabled_portfolios": {},
            "interest_credit": false,
        }))
    }

    /// The user profile (REFERENCE 7.5; no fixture, so only the documented keys).
    pub fn profile(&self, user_id: u64) -> Result<Value, ApiError> {
        self.account(user_id)?;
        Ok(json!({
            "id": self.account.user_id,
            "email": "trader@delta-sim.invalid",
            "account_name": "Main",
            "margin_mode": "isolated",
            "pf_index_symbol": null,
            "is_sub_account": false,
        }))
    }

    /// `POST /v2/heartbeat/create`: registers (or replaces) a dead-man switch, unarmed until acked.
    pub fn create_heartbeat(
        &mut self,
        user_id: u64,
        request: HeartbeatCreateRequest,
    ) -> Result<HeartbeatCreateResponse, ApiError> {
        self.account(user_id)?;
        if request.heartbeat_id.is_empty() || request.config.is_empty() {
            return Err(ApiError::bad_schema("heartbeat_id", "heartbeat_id and config are required"));
        }
        let heartbeat_id = request.heartbeat_id.clone();
        self.account.heartbeats.insert(heartbeat_id.clone(), Heartbeat { config: request, deadline: None });
        Ok(HeartbeatCreateResponse { heartbeat_id })
    }

    /// `POST /v2/heartbeat`: arms the switch for `ttl` ms (0 disarms).
    pub fn ack_heartbeat(
        &mut self,
        user_id: u64,
        request: &HeartbeatAckRequest,
        now: i64,
    ) -> Result<HeartbeatAckResponse, ApiError> {
        self.account(user_id)?;
        let Some(heartbeat) = self.account.heartbeats.get_mut(&request.heartbeat_id) else {
            return Err(ApiError::bad_schema("heartbeat_id", "heartbeat_id not found"));
        };
        let ttl = i64::try_from(request.ttl).unwrap_or(i64::MAX / MICROS_PER_MILLI);
        heartbeat.deadline = (ttl > 0).then(|| now.saturating_add(ttl.saturating_mul(MICROS_PER_MILLI)));
        // The unit of `heartbeat_timestamp` is undocumented (REFERENCE 14.15); the fixture's value is
        // milliseconds, so the sim answers with the current time in ms.
        Ok(HeartbeatAckResponse { heartbeat_timestamp: millis(now), process_enabled: true })
    }

    /// `GET /v2/heartbeat[?heartbeat_id=]`: the registered configurations.
    pub fn heartbeats(
        &self,
        user_id: u64,
        heartbeat_id: Option<&str>,
    ) -> Result<Vec<HeartbeatCreateRequest>, ApiError> {
        let account = self.account(user_id)?;
        Ok(account
            .heartbeats
            .values()
            .filter(|heartbeat| heartbeat_id.is_none_or(|id| heartbeat.config.heartbeat_id == id))
            .map(|heartbeat| heartbeat.config.clone())
            .collect())
    }

    /// `POST /v2/orders/cancel_after`: cancels every order after `cancel_after` ms (0 disables).
    pub fn cancel_after(
        &mut self,
        user_id: u64,
        request: CancelAfterRequest,
        now: i64,
    ) -> Result<CancelAfterResponse, ApiError> {
        self.account(user_id)?;
        let after = i64::try_from(request.cancel_after).unwrap_or(i64::MAX / MICROS_PER_MILLI);
        let deadline = (after > 0).then(|| now.saturating_add(after.saturating_mul(MICROS_PER_MILLI)));
        self.account.cancel_after = deadline;
        Ok(CancelAfterResponse {
            cancel_after_enabled: deadline.is_some(),
            cancel_after_timestamp: deadline.map_or(0, millis),
        })
    }
}
