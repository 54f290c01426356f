//! Legacy public channels of the private socket (REFERENCE 9.4) that have no compact twin in
//! [`market`](super::market): trades, the legacy `mark_price` and `funding_rate`, status events.

use super::fields::{FieldResult, Fields};
use super::market::{aggressor, role, TopOfBook};
use crate::decimal::Decimal;
use crate::model::{Greeks, LiquidityRole, PriceBand, Side, TradingStatus};

/// One public trade of the legacy `all_trades` channel (no trade id is sent).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PublicTrade {
    /// Trade price.
    pub price: Decimal,
    /// Trade size: integer contracts, or a decimal string on spot.
    pub size: Decimal,
    /// Liquidity role of the buyer.
    pub buyer_role: LiquidityRole,
    /// Liquidity role of the seller, when sent.
    pub seller_role: Option<LiquidityRole>,
    /// Trade time in µs.
    pub timestamp_us: i64,
}

impl PublicTrade {
    /// The aggressor: the buyer when the buyer took liquidity, otherwise the seller.
    pub fn aggressor_side(&self) -> Side {
        aggressor(self.buyer_role)
    }
}

/// An `all_trades` message: one trade.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AllTrade<'a> {
    /// Product symbol.
    pub symbol: &'a str,
    /// Product id.
    pub product_id: Option<u64>,
    /// The trade.
    pub trade: PublicTrade,
}

/// An `all_trades_snapshot`: the last trades on subscribe (order undocumented).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AllTradesSnapshot<'a> {
    /// Product symbol.
    pub symbol: &'a str,
    /// The trades, in wire order.
    pub trades: Vec<PublicTrade>,
}

/// Legacy `mark_price`: the price, plus quotes, IVs and greeks for options.
#[derive(Debug, Clone, PartialEq)]
pub struct LegacyMarkPrice<'a> {
    /// `MARK:` symbol.
    pub symbol: &'a str,
    /// Product id.
    pub product_id: Option<u64>,
    /// Mark price.
    pub price: Decimal,
    /// Publish time in µs.
    pub timestamp_us: Option<i64>,
    /// Best bid (options).
    pub best_bid: Option<Decimal>,
    /// Best ask (options).
    pub best_ask: Option<Decimal>,
    /// Size at the best bid (options).
    pub bid_qty: Option<Decimal>,
    /// Size at the best ask (options).
    pub ask_qty: Option<Decimal>,
    /// Bid implied volatility (options).
    pub bid_iv: Option<Decimal>,
    /// Ask implied volatility (options).
    pub ask_iv: Option<Decimal>,
    /// Mark implied volatility (options).
    pub implied_volatility: Option<Decimal>,
    /// `delta`, `gamma`, `vega`, `rho` (options; `theta` and `spot` are not sent).
    pub greeks: Option<Greeks>,
    /// Price band (options).
    pub price_band: Option<PriceBand>,
}

/// Legacy `funding_rate` (rates in percent).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LegacyFundingRate<'a> {
    /// Product symbol.
    pub symbol: &'a str,
    /// Product id.
    pub product_id: Option<u64>,
    /// Current funding rate.
    pub rate: Decimal,
    /// Rate normalised to 8 h.
    pub rate_8h: Option<Decimal>,
    /// Predicted next rate.
    pub predicted_rate: Option<Decimal>,
    /// Next funding time in µs.
    pub next_funding_us: Option<i64>,
    /// Publish time in µs.
    pub timestamp_us: Option<i64>,
}

/// `product_updates`: a product's trading status changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProductUpdate<'a> {
    /// Event (`market_disruption`, `start_auction`, `finish_auction`).
    pub event: &'a str,
    /// Product id.
    pub product_id: u64,
    /// Product symbol.
    pub symbol: &'a str,
    /// New trading status.
    pub trading_status: TradingStatus,
    /// Publish time in µs.
    pub timestamp_us: Option<i64>,
}

/// `announcements` (deprecated): maintenance events.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Announcement<'a> {
    /// Event (`maintenance_scheduled`, `maintenance_started`, `maintenance_finished`).
    pub event: &'a str,
    /// Maintenance start in µs.
    pub maintenance_start_us: Option<i64>,
    /// Maintenance end in µs.
    pub maintenance_finish_us: Option<i64>,
    /// Publish time in µs.
    pub timestamp_us: Option<i64>,
}

pub(crate) fn l1_orderbook<'a>(fields: &Fields<'a>) -> FieldResult<TopOfBook<'a>> {
    Ok(TopOfBook {
        symbol: fields.str("symbol")?,
        bid_price: fields.opt_decimal("best_bid")?,
        bid_size: fields.opt_decimal("bid_qty")?,
        ask_price: fields.opt_decimal("best_ask")?,
        ask_size: fields.opt_decimal("ask_qty")?,
        book_time_us: fields.opt_micros("last_updated_at")?,
        timestamp_us: fields.opt_micros("timestamp")?,
        product_id: fields.opt_int("product_id")?,
        last_sequence_no: fields.opt_int("last_sequence_no")?,
    })
}

fn public_trade(fields: &Fields<'_>) -> FieldResult<PublicTrade> {
    Ok(PublicTrade {
        price: fields.decimal("price")?,
        size: fields.decimal("size")?,
        buyer_role: fields.enumerated("buyer_role", role)?,
        seller_role: fields.opt_enumerated("seller_role", role)?,
        timestamp_us: fields.micros("timestamp")?,
    })
}

pub(crate) fn all_trade<'a>(fields: &Fields<'a>) -> FieldResult<AllTrade<'a>> {
    Ok(AllTrade {
        symbol: fields.str("symbol")?,
        product_id: fields.opt_int("product_id")?,
        trade: public_trade(fields)?,
    })
}

pub(crate) fn all_trades_snapshot<'a>(fields: &Fields<'a>) -> FieldResult<AllTradesSnapshot<'a>> {
    let trades = fields
        .array("trades")?
        .into_iter()
        .map(|raw| public_trade(&Fields::from_raw(raw, "trades")?))
        .collect::<FieldResult<_>>()?;
    Ok(AllTradesSnapshot { symbol: fields.str("symbol")?, trades })
}

pub(crate) fn mark_price<'a>(fields: &Fields<'a>) -> FieldResult<LegacyMarkPrice<'a>> {
    let greeks = Greeks {
        delta: fields.opt_decimal("delta")?,
        gamma: fields.opt_decimal("gamma")?,
        rho: fields.opt_decimal("rho")?,
        theta: fields.opt_decimal("theta")?,
        vega: fields.opt_decimal("vega")?,
        spot: None,
    };
    let price_band = match fields.raw("price_band") {
        Some(_) => {
            let band = fields.object("price_band")?;
            Some(PriceBand { lower_limit: band.decimal("lower_limit")?, upper_limit: band.decimal("upper_limit")? })
        }
        None => None,
    };
    Ok(LegacyMarkPrice {
        symbol: fields.str("symbol")?,
        product_id: fields.opt_int("product_id")?,
        price: fields.decimal("price")?,
        timestamp_us: fields.opt_micros("timestamp")?,
        best_bid: fields.opt_decimal("best_bid")?,
        best_ask: fields.opt_decimal("best_ask")?,
        bid_qty: fields.opt_decimal("bid_qty")?,
        ask_qty: fields.opt_decimal("ask_qty")?,
        bid_iv: fields.opt_decimal("bid_iv")?,
        ask_iv: fields.opt_decimal("ask_iv")?,
        implied_volatility: fields.opt_decimal("implied_volatility")?,
        greeks: (greeks != Greeks::default()).then_some(greeks),
        price_band,
    })
}

pub(crate) fn funding_rate<'a>(fields: &Fields<'a>) -> FieldResult<LegacyFundingRate<'a>> {
    Ok(LegacyFundingRate {
        symbol: fields.str("symbol")?,
        product_id: fields.opt_int("product_id")?,
        rate: fields.decimal("funding_rate")?,
        rate_8h: fields.opt_decimal("funding_rate_8h")?,
        predicted_rate: fields.opt_decimal("predicted_funding_rate")?,
        next_funding_us: fields.opt_micros("next_funding_realization")?,
        timestamp_us: fields.opt_micros("timestamp")?,
    })
}

pub(crate) fn product_update<'a>(fields: &Fields<'a>) -> FieldResult<ProductUpdate<'a>> {
    let product = fields.object("product")?;
    Ok(ProductUpdate {
        event: fields.str("event")?,
        product_id: product.int("id")?,
        symbol: product.str("symbol")?,
        trading_status: TradingStatus::from_wire(product.str("trading_status")?),
        timestamp_us: fields.opt_micros("timestamp")?,
    })
}

pub(crate) fn announcement<'a>(fields: &Fields<'a>) -> FieldResult<Announcement<'a>> {
    Ok(Announcement {
        event: fields.str("event")?,
        maintenance_start_us: fields.opt_micros("maintenance_start_time")?,
        maintenance_finish_us: fields.opt_micros("maintenance_finish_time")?,
        timestamp_us: fields.opt_micros("timestamp")?,
    })
}
