//! L2 snapshot (`GET /v2/l2orderbook/{symbol}`, REFERENCE 7.2).

use serde::{Deserialize, Serialize};

use crate::decimal::{Decimal, NumDecimal};
use crate::wire::Micros;

/// An order-book snapshot: `buy` best-first descending, `sell` best-first ascending.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OrderBook {
    /// Bids.
    pub buy: Vec<BookLevel>,
    /// Asks.
    pub sell: Vec<BookLevel>,
    /// Time of the snapshot (absent in older captures).
    #[serde(default)]
    pub last_updated_at: Option<Micros>,
    /// Symbol.
    #[serde(default)]
    pub symbol: Option<String>,
}

/// One price level.
///
/// `size` is a [`NumDecimal`]: derivatives send whole contracts as a JSON integer, Global spot sends a
/// decimal string; the decimal holds both exactly and is written back as a JSON number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct BookLevel {
    /// Cumulative size up to this level, as a string (absent in older captures).
    #[serde(default)]
    pub depth: Option<Decimal>,
    /// Price.
    pub price: Decimal,
    /// Size at this price.
    pub size: NumDecimal,
}
