//! Order leverage (`GET`/`POST /v2/products/{product_id}/orders/leverage`, REFERENCE 7.3) and the
//! margin mode it reports.

use serde::{Deserialize, Serialize};

use super::wire_enum::wire_enum;
use crate::decimal::Decimal;
use crate::wire;

wire_enum! {
    /// Account or position margin mode. Open: Delta has added modes before.
    pub enum MarginMode open {
        /// Isolated margin per position.
        Isolated = "isolated",
        /// Portfolio margin.
        Portfolio = "portfolio",
        /// Cross margin.
        Cross = "cross",
    }
}

/// The leverage of a product's orders. `GET` answers with `index_symbol` and `user_id`, `POST` without
/// them; both forms round-trip (absent keys stay absent, `null` stays `null`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderLeverage {
    /// Portfolio index symbol: absent (`None`), `null` (`Some(None)`) or a symbol.
    #[serde(default, skip_serializing_if = "Option::is_none", deserialize_with = "super::codec::present")]
    pub index_symbol: Option<Option<String>>,
    /// Leverage (a string live, a number in the docs; both accepted).
    pub leverage: Decimal,
    /// Margin mode.
    pub margin_mode: MarginMode,
    /// Margin blocked by the product's open orders.
    pub order_margin: Decimal,
    /// Product id.
    #[serde(deserialize_with = "wire::int")]
    pub product_id: u64,
    /// Owner (GET only).
    #[serde(default, skip_serializing_if = "Option::is_none", deserialize_with = "wire::opt_int")]
    pub user_id: Option<u64>,
}

/// Body of `POST /v2/products/{product_id}/orders/leverage`: `{"leverage": "20"}` (numbers accepted).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct SetLeverageRequest {
    /// The new leverage.
    pub leverage: Decimal,
}
