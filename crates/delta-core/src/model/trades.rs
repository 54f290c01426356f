//! Public trades (`GET /v2/trades/{symbol}`, REFERENCE 7.2). Two shapes exist: the observed array
//! with `buyer_role`/`seller_role`, and the documented `{"trades": [{"side": ..}]}`; both are read and
//! written back in the shape they came in.

use serde::de::Error as _;
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::value::RawValue;

use super::fill::LiquidityRole;
use super::order::Side;
use crate::decimal::{Decimal, NumDecimal};
use crate::wire::Micros;

/// One public trade. The array form carries `buyer_role`, `seller_role` and `symbol`; the documented
/// form carries `side`; absent keys are skipped when writing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PublicTrade {
    /// Taker side (documented form).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub side: Option<Side>,
    /// Role of the buyer (observed form).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub buyer_role: Option<LiquidityRole>,
    /// Role of the seller (observed form).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seller_role: Option<LiquidityRole>,
    /// Price.
    pub price: Decimal,
    /// Size: contracts as a JSON integer, or a decimal string on Global spot; written as a number.
    pub size: NumDecimal,
    /// Symbol (observed form).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub symbol: Option<String>,
    /// Trade time.
    pub timestamp: Micros,
}

impl PublicTrade {
    /// The aggressor's side: `side` when given, else buy when the buyer took liquidity and sell when
    /// the buyer made it (or the seller's role says so); `None` when neither form is present.
    pub fn taker_side(&self) -> Option<Side> {
        if let Some(side) = self.side {
            return Some(side);
        }
        match (self.buyer_role, self.seller_role) {
            (Some(LiquidityRole::Taker), _) | (None, Some(LiquidityRole::Maker)) => Some(Side::Buy),
            (Some(LiquidityRole::Maker), _) | (None, Some(LiquidityRole::Taker)) => Some(Side::Sell),
            (None, None) => None,
        }
    }
}

/// The `result` of `GET /v2/trades/{symbol}` in either shape.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum PublicTrades {
    /// `[{buyer_role, seller_role, price, size, symbol, timestamp}, ...]` (observed live, 2024).
    List(Vec<PublicTrade>),
    /// `{"trades": [{side, size, price, timestamp}, ...]}` (docs/swagger).
    Wrapped {
        /// The trades.
        trades: Vec<PublicTrade>,
    },
}

impl PublicTrades {
    /// The trades, whichever the shape.
    pub fn trades(&self) -> &[PublicTrade] {
        match self {
            Self::List(trades) | Self::Wrapped { trades } => trades,
        }
    }

    /// The trades, whichever the shape, by value.
    pub fn into_trades(self) -> Vec<PublicTrade> {
        match self {
            Self::List(trades) | Self::Wrapped { trades } => trades,
        }
    }
}

impl<'de> Deserialize<'de> for PublicTrades {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        struct Wrapped {
            trades: Vec<PublicTrade>,
        }
        let raw = <&RawValue>::deserialize(deserializer)?;
        let text = raw.get();
        if text.starts_with('[') {
            serde_json::from_str(text).map(Self::List).map_err(D::Error::custom)
        } else {
            let wrapped: Wrapped = serde_json::from_str(text).map_err(D::Error::custom)?;
            Ok(Self::Wrapped { trades: wrapped.trades })
        }
    }
}
