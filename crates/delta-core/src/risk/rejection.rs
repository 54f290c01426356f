//! Why the risk checks refused an order: one variant per rule, carrying the numbers that broke it.

use std::fmt;

use crate::decimal::Decimal;
use crate::model::Side;
use crate::wire::format_iso;

/// The rules of the pre-trade checks, named as the contract spells them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Rule {
    /// Order size above `max_order_size`.
    MaxOrderSize,
    /// Order notional above `max_order_notional` (or no mark for a market order's notional).
    MaxOrderNotional,
    /// Limit price too far from the mark (or no mark known).
    PriceBand,
    /// One more open order than `max_open_orders`.
    MaxOpenOrders,
    /// Worst-case position after fills above `max_position`.
    MaxPosition,
    /// Reduce-only mode after the daily loss limit was reached.
    DailyLoss,
    /// More accepted orders within one second than `max_orders_per_second`.
    OrderRate,
    /// An MMP quote while its underlying asset is frozen.
    MmpFrozen,
    /// The symbol is not a registered instrument.
    UnknownInstrument,
}

impl Rule {
    /// Every rule, in the order of [`Rule::index`].
    pub const ALL: [Rule; 9] = [
        Rule::MaxOrderSize,
        Rule::MaxOrderNotional,
        Rule::PriceBand,
        Rule::MaxOpenOrders,
        Rule::MaxPosition,
        Rule::DailyLoss,
        Rule::OrderRate,
        Rule::MmpFrozen,
        Rule::UnknownInstrument,
    ];

    /// The rule's name (`"max_order_size"`, ...).
    pub const fn as_str(&self) -> &'static str {
        match self {
            Rule::MaxOrderSize => "max_order_size",
            Rule::MaxOrderNotional => "max_order_notional",
            Rule::PriceBand => "price_band",
            Rule::MaxOpenOrders => "max_open_orders",
            Rule::MaxPosition => "max_position",
            Rule::DailyLoss => "daily_loss",
            Rule::OrderRate => "order_rate",
            Rule::MmpFrozen => "mmp_frozen",
            Rule::UnknownInstrument => "unknown_instrument",
        }
    }

    /// The rule's position in [`Rule::ALL`].
    pub const fn index(&self) -> usize {
        *self as usize
    }
}

impl fmt::Display for Rule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What a counting rule counted: the whole account or one instrument.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    /// Every instrument of the account.
    Account,
    /// One instrument.
    Instrument(String),
}

impl fmt::Display for Scope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Scope::Account => f.write_str("in the account"),
            Scope::Instrument(symbol) => write!(f, "on {symbol}"),
        }
    }
}

/// How an order's notional was computed, for the message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotionalTerms {
    /// Order size in contracts.
    pub size: u64,
    /// The instrument's contract value.
    pub contract_value: Decimal,
    /// The price used: the limit price, or the mark for a market order.
    pub price: Decimal,
    /// True for an inverse instrument (`size × contract_value / price`).
    pub inverse: bool,
    /// True when `price` is the mark (a market order).
    pub at_mark: bool,
}

impl fmt::Display for NotionalTerms {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let operator = if self.inverse { "/" } else { "*" };
        let source = if self.at_mark { "mark " } else { "" };
        write!(f, "{} contracts * {} {operator} {source}{}", self.size, self.contract_value, self.price)
    }
}

/// The outcome of a check: the rejection is boxed, so the accept path moves only a pointer-sized result.
pub type RiskResult = Result<(), Box<RiskRejection>>;

/// A refused order: the rule that fired and its numbers. `Display` is
/// `"<rule>: <what> <numbers> exceeds <limit>"`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RiskRejection {
    /// The order is larger than `max_order_size`.
    #[error("max_order_size: order size {size} contracts exceeds the limit of {limit}")]
    MaxOrderSize {
        /// Order size in contracts.
        size: u64,
        /// The limit in contracts.
        limit: u64,
    },
    /// The order's notional is larger than `max_order_notional`.
    #[error("max_order_notional: order notional {notional} on {symbol} ({terms}) exceeds the limit of {limit}")]
    MaxOrderNotional {
        /// The instrument.
        symbol: String,
        /// The notional in the settlement currency.
        notional: Decimal,
        /// How it was computed.
        terms: NotionalTerms,
        /// The limit.
        limit: Decimal,
    },
    /// A limit needing the mark price (`price_band` or a market order's notional) has no mark yet.
    #[error("{rule}: no mark price known for {symbol} yet")]
    NoMarkPrice {
        /// The rule that needed it.
        rule: Rule,
        /// The instrument.
        symbol: String,
    },
    /// The price is further from the mark than `price_band_pct` allows.
    #[error(
        "price_band: price {price} is {distance} from the {symbol} mark {mark}, outside the band of \
         {band_pct}% (at most {allowed} away)"
    )]
    PriceBand {
        /// The instrument.
        symbol: String,
        /// The order's price.
        price: Decimal,
        /// The mark price.
        mark: Decimal,
        /// `|price − mark|`.
        distance: Decimal,
        /// The band in percent of the mark.
        band_pct: Decimal,
        /// The band as a price distance: `mark × band_pct / 100`.
        allowed: Decimal,
    },
    /// One more open order would pass `max_open_orders`.
    #[error("max_open_orders: {open} open orders {scope} plus this one exceed the limit of {limit}")]
    MaxOpenOrders {
        /// What was counted.
        scope: Scope,
        /// Open orders before this one.
        open: u32,
        /// The limit.
        limit: u32,
    },
    /// The position after this order and the open orders of its side fill is larger than `max_position`.
    #[error(
        "max_position: {symbol} position after fills would be {after} contracts (position {position}, open \
         {side}s {open_same_side}, this {side} {size}); |{after}| exceeds the limit of {limit}"
    )]
    MaxPosition {
        /// The instrument.
        symbol: String,
        /// The order's side.
        side: Side,
        /// Order size in contracts.
        size: u64,
        /// The signed position now.
        position: i64,
        /// Open size of the same side's open orders.
        open_same_side: u64,
        /// The signed worst-case position.
        after: i128,
        /// The limit in contracts.
        limit: u64,
    },
    /// Reduce-only mode: the daily loss limit was reached and this order does not reduce the position.
    #[error(
        "daily_loss: loss {loss} since the UTC day start (equity {baseline} at the start, {equity} at the breach) reached the limit of \
         {limit}; only orders that reduce the position pass until the next UTC day"
    )]
    DailyLoss {
        /// Equity at the start of the UTC day.
        baseline: Decimal,
        /// Equity at the breach.
        equity: Decimal,
        /// `baseline − equity`.
        loss: Decimal,
        /// The limit.
        limit: Decimal,
    },
    /// More orders within one second than `max_orders_per_second`.
    #[error("order_rate: {accepted} orders accepted {scope} in the last second plus this one exceed the limit of {limit} per second")]
    OrderRate {
        /// What was counted.
        scope: Scope,
        /// Orders accepted within the last second.
        accepted: u32,
        /// The limit.
        limit: u32,
    },
    /// An MMP quote while the underlying asset's market maker protection is frozen.
    #[error("mmp_frozen: MMP quotes on {asset} are frozen {}", frozen_text(*until_ns))]
    MmpFrozen {
        /// The underlying asset.
        asset: String,
        /// End of the freeze in ns since the epoch; `None` until it is thawed.
        until_ns: Option<u64>,
    },
    /// The rule's numbers cannot be computed exactly (a zero inverse price, or decimals too large or too
    /// precise for the exact arithmetic); the order is refused rather than let through unchecked.
    #[error("{rule}: cannot compute {terms} for {symbol} exactly")]
    Uncomputable {
        /// The rule that needed the numbers.
        rule: Rule,
        /// The instrument.
        symbol: String,
        /// What was being computed.
        terms: String,
    },
    /// The symbol is not a registered instrument.
    #[error("unknown_instrument: {symbol} is not a registered instrument")]
    UnknownInstrument {
        /// The symbol of the order.
        symbol: String,
    },
}

fn frozen_text(until_ns: Option<u64>) -> String {
    match until_ns {
        Some(ns) => format!("until {} ({ns} ns)", format_iso(i64::try_from(ns / 1_000).unwrap_or(i64::MAX))),
        None => "until the protection is reset".to_owned(),
    }
}

impl RiskRejection {
    /// The rule that fired.
    pub fn kind(&self) -> Rule {
        match self {
            RiskRejection::MaxOrderSize { .. } => Rule::MaxOrderSize,
            RiskRejection::MaxOrderNotional { .. } => Rule::MaxOrderNotional,
            RiskRejection::NoMarkPrice { rule, .. } | RiskRejection::Uncomputable { rule, .. } => *rule,
            RiskRejection::PriceBand { .. } => Rule::PriceBand,
            RiskRejection::MaxOpenOrders { .. } => Rule::MaxOpenOrders,
            RiskRejection::MaxPosition { .. } => Rule::MaxPosition,
            RiskRejection::DailyLoss { .. } => Rule::DailyLoss,
            RiskRejection::OrderRate { .. } => Rule::OrderRate,
            RiskRejection::MmpFrozen { .. } => Rule::MmpFrozen,
            RiskRejection::UnknownInstrument { .. } => Rule::UnknownInstrument,
        }
    }

    /// The name of the rule that fired (`"max_order_size"`, ...).
    pub fn rule(&self) -> &'static str {
        self.kind().as_str()
    }
}
