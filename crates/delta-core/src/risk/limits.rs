//! The configurable limits of the risk checks: every limit is optional (`None` = the rule is off), set as
//! account defaults and overridden per instrument.

use crate::decimal::Decimal;

/// The optional limits of the pre-trade checks (DESIGN 7).
///
/// Scopes: the order rules (`max_order_size`, `max_order_notional`, `price_band_pct`, `max_position`) apply
/// per instrument with the instrument's override beating the account default. The counting rules
/// (`max_open_orders`, `max_orders_per_second`) count the whole account with the account value and only the
/// instrument with an instrument's own value; both apply when both are set. `daily_loss_limit` and
/// `cancel_on_daily_loss` are account limits only ([`RiskLimits::ACCOUNT_ONLY_KEYS`]).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RiskLimits {
    /// Largest order size in contracts.
    pub max_order_size: Option<u64>,
    /// Largest order notional in the settlement currency.
    pub max_order_notional: Option<Decimal>,
    /// Largest distance of a limit price from the mark, in percent of the mark.
    pub price_band_pct: Option<Decimal>,
    /// Most open orders (the order being checked would be one more).
    pub max_open_orders: Option<u32>,
    /// Largest absolute position in contracts once the open orders of the same side and this order fill.
    pub max_position: Option<u64>,
    /// Largest loss of equity since the start of the UTC day before only reducing orders pass.
    pub daily_loss_limit: Option<Decimal>,
    /// Whether the caller should cancel every open order when the daily loss limit is breached.
    pub cancel_on_daily_loss: Option<bool>,
    /// Most accepted orders within any one second.
    pub max_orders_per_second: Option<u32>,
}

impl RiskLimits {
    /// Every limit's name, as configuration keys spell it.
    pub const KEYS: [&'static str; 8] = [
        "max_order_size",
        "max_order_notional",
        "price_band_pct",
        "max_open_orders",
        "max_position",
        "daily_loss_limit",
        "cancel_on_daily_loss",
        "max_orders_per_second",
    ];

    /// The keys that only the account limits may set.
    pub const ACCOUNT_ONLY_KEYS: [&'static str; 2] = ["daily_loss_limit", "cancel_on_daily_loss"];

    /// These limits with every limit `overrides` sets taking its place.
    pub fn merged(&self, overrides: &RiskLimits) -> RiskLimits {
        RiskLimits {
            max_order_size: overrides.max_order_size.or(self.max_order_size),
            max_order_notional: overrides.max_order_notional.or(self.max_order_notional),
            price_band_pct: overrides.price_band_pct.or(self.price_band_pct),
            max_open_orders: overrides.max_open_orders.or(self.max_open_orders),
            max_position: overrides.max_position.or(self.max_position),
            daily_loss_limit: overrides.daily_loss_limit.or(self.daily_loss_limit),
            cancel_on_daily_loss: overrides.cancel_on_daily_loss.or(self.cancel_on_daily_loss),
            max_orders_per_second: overrides.max_orders_per_second.or(self.max_orders_per_second),
        }
    }

    /// The names of the account-only limits these limits set (empty for valid instrument overrides).
    pub fn account_only_keys_set(&self) -> Vec<&'static str> {
        let set = [self.daily_loss_limit.is_some(), self.cancel_on_daily_loss.is_some()];
        Self::ACCOUNT_ONLY_KEYS.iter().zip(set).filter(|(_, on)| *on).map(|(key, _)| *key).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn overrides_beat_defaults_and_unset_overrides_keep_them() {
        let defaults = RiskLimits {
            max_order_size: Some(100),
            price_band_pct: Some(Decimal::from_int(5)),
            max_open_orders: Some(10),
            ..RiskLimits::default()
        };
        let overrides = RiskLimits { max_order_size: Some(250), max_position: Some(40), ..RiskLimits::default() };
        let merged = defaults.merged(&overrides);
        assert_eq!(merged.max_order_size, Some(250));
        assert_eq!(merged.max_position, Some(40));
        assert_eq!(merged.price_band_pct, Some(Decimal::from_int(5)));
        assert_eq!(merged.max_open_orders, Some(10));
        assert_eq!(merged.max_order_notional, None);
    }

    #[test]
    fn account_only_keys_are_reported() {
        assert!(RiskLimits { max_order_size: Some(1), ..RiskLimits::default() }.account_only_keys_set().is_empty());
        let limits = RiskLimits { cancel_on_daily_loss: Some(true), ..RiskLimits::default() };
        assert_eq!(limits.account_only_keys_set(), vec!["cancel_on_daily_loss"]);
    }
}
