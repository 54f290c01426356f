//! What the checks know about each symbol and open order: the instrument, its mark, the signed position and
//! the open size per side.

use super::limits::RiskLimits;
use super::window::RateWindow;
use crate::decimal::Decimal;
use crate::model::Side;

/// A registered instrument and the limits that apply to it.
#[derive(Debug, Clone)]
pub struct InstrumentSpec {
    /// Size of one contract (underlying units for vanilla, quote units for inverse).
    pub contract_value: Decimal,
    /// True for an inverse instrument.
    pub inverse: bool,
    /// The underlying asset (MMP freezes are per asset).
    pub underlying: String,
    /// Account defaults merged with the instrument's overrides (the order rules read these).
    pub limits: RiskLimits,
    /// The instrument's own `max_open_orders`, counted over this instrument only.
    pub own_max_open_orders: Option<u32>,
    /// The instrument's own `max_orders_per_second`, counted over this instrument only.
    pub own_max_orders_per_second: Option<u32>,
}

/// One symbol's state. Marks, positions and open orders may arrive before the instrument is registered.
#[derive(Debug, Clone, Default)]
pub struct SymbolState {
    /// The instrument, once registered.
    pub spec: Option<InstrumentSpec>,
    /// The latest mark price.
    pub mark: Option<Decimal>,
    /// Signed position in contracts.
    pub position: i64,
    /// Open orders.
    pub open_orders: u32,
    /// Open size of the buy orders.
    pub open_buy: u64,
    /// Open size of the sell orders.
    pub open_sell: u64,
    /// Orders accepted within the last second (used with the instrument's own rate limit).
    pub rate: RateWindow,
}

impl SymbolState {
    /// Counts an open order in.
    pub fn add_open(&mut self, side: Side, open_size: u64) {
        self.open_orders = self.open_orders.saturating_add(1);
        let total = self.open_side_mut(side);
        *total = total.saturating_add(open_size);
    }

    /// Counts an open order out.
    pub fn remove_open(&mut self, side: Side, open_size: u64) {
        self.open_orders = self.open_orders.saturating_sub(1);
        let total = self.open_side_mut(side);
        *total = total.saturating_sub(open_size);
    }

    /// Open size of the orders on `side`.
    pub fn open_side(&self, side: Side) -> u64 {
        match side {
            Side::Buy => self.open_buy,
            Side::Sell => self.open_sell,
        }
    }

    /// True when an order on `side` of `size` contracts reduces the absolute position without flipping it.
    pub fn reduces(&self, side: Side, size: u64) -> bool {
        let against = match side {
            Side::Buy => self.position < 0,
            Side::Sell => self.position > 0,
        };
        against && size <= self.position.unsigned_abs()
    }

    fn open_side_mut(&mut self, side: Side) -> &mut u64 {
        match side {
            Side::Buy => &mut self.open_buy,
            Side::Sell => &mut self.open_sell,
        }
    }
}

/// An open order as the checks count it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenOrder {
    /// Its instrument.
    pub symbol: String,
    /// Its side.
    pub side: Side,
    /// Its unfilled size in contracts.
    pub open_size: u64,
}
