//! Market data in Delta's wire forms (the delta-core models): products, assets, indices, tickers, the
//! L2 snapshot, public trades and candles.

use delta_core::model::LiquidityRole;
use delta_core::model::{
    Asset, AssetStatus, BookLevel, Candle, ConstituentExchange, ContractType, Greeks, IndexType, NotionalType,
    OrderBook, PriceBand, Product, ProductSpecs, ProductState, PublicTrade, Side, SpotIndex, Ticker, TickerQuotes,
    TradingStatus,
};
use delta_core::wire::{IsoTime, Micros};
use delta_core::{Decimal, NumDecimal};

use crate::catalog::{settling_asset, AssetInfo, Catalog, ContractKind, IndexInfo, Instrument, MICROS_PER_SECOND};
use crate::engine::market::{implied_vol, Market};
use crate::series::{mix, PriceSeries};

const ZERO_18: Decimal = Decimal::new(0, 18);

fn dec(text: &str) -> Decimal {
    text.parse().unwrap_or(Decimal::ZERO)
}

fn num(text: &str) -> NumDecimal {
    NumDecimal(dec(text))
}

/// An asset: the full record of `GET /v2/assets`, or the seven keys nested in products.
pub fn asset(info: &AssetInfo, full: bool) -> Asset {
    let status = Some(AssetStatus::Enabled);
    let full_only = |value: Option<Decimal>| if full { value } else { None };
    Asset {
        id: Some(info.id),
        symbol: info.symbol.to_owned(),
        precision: Some(info.precision),
        deposit_status: status.clone(),
        withdrawal_status: status,
        base_withdrawal_fee: Some(ZERO_18),
        min_withdrawal_amount: Some(ZERO_18),
        name: full.then(|| info.name.to_owned()),
        minimum_precision: full.then_some(info.minimum_precision),
        sort_priority: full.then_some(i64::from(info.sort_priority)),
        interest_credit: full.then_some(false),
        interest_slabs: full.then_some(None),
        variable_withdrawal_fee: full_only(Some(ZERO_18)),
        kyc_deposit_limit: full_only(Some(ZERO_18)),
        kyc_withdrawal_limit: full_only(Some(ZERO_18)),
        networks: full.then(Vec::new),
    }
}

/// A spot index.
pub fn index(info: &IndexInfo) -> SpotIndex {
    SpotIndex {
        id: info.id,
        symbol: info.symbol.to_owned(),
        constituent_exchanges: info
            .constituents
            .iter()
            .map(|(name, weight)| ConstituentExchange {
                name: (*name).to_owned(),
                weight: num(weight),
                health_interval: None,
                health_priority: None,
            })
            .collect(),
        underlying_asset_id: Some(info.underlying_asset_id),
        quoting_asset_id: Some(info.quoting_asset_id),
        tick_size: Some(info.tick_size),
        index_type: Some(IndexType::SpotPair),
        description: None,
        impact_size: None,
        is_composite: None,
        price_method: None,
    }
}

/// The `contract_type` of a product.
pub fn contract_type(kind: ContractKind) -> ContractType {
    match kind {
        ContractKind::Perpetual => ContractType::PerpetualFutures,
        ContractKind::Future => ContractType::Futures,
        ContractKind::Call => ContractType::CallOptions,
        ContractKind::Put => ContractType::PutOptions,
    }
}

fn product_specs(instrument: &Instrument) -> ProductSpecs {
    if instrument.kind.is_option() {
        return ProductSpecs {
            max_volatility: Some(num("3")),
            min_volatility: Some(num("0.1")),
            premium_commission_rate: Some(num("0.1")),
            vol_calculation_method: Some("orderbook".to_owned()),
            vol_expiry_time: Some(31_536_000),
            ..ProductSpecs::default()
        };
    }
    let tags = if instrument.underlying.symbol == "ETH" { vec!["layer_1", "smart_contract"] } else { vec!["layer_1"] };
    ProductSpecs {
        funding_clamp_value: Some(num("0.05")),
        only_reduce_only_orders_allowed: Some(false),
        expiry_interval: Some(28_800),
        isolated_liq_penalty_factor: Some(num("0.01")),
        rate_exchange_interval: Some(28_800),
        tags: Some(tags.into_iter().map(str::to_owned).collect()),
        ..ProductSpecs::default()
    }
}

/// A product in the form of `GET /v2/products[/{symbol}]`.
pub fn product(instrument: &Instrument) -> Product {
    Product {
        id: instrument.id,
        symbol: instrument.symbol.clone(),
        description: Some(instrument.description.clone()),
        short_description: Some(instrument.short_description.clone()),
        created_at: Some(IsoTime(instrument.launch_time)),
        updated_at: Some(IsoTime(instrument.updated_at)),
        launch_time: Some(IsoTime(instrument.launch_time)),
        settlement_time: instrument.settlement_time.map(IsoTime),
        auction_start_time: None,
        auction_finish_time: None,
        notional_type: Some(NotionalType::Vanilla),
        impact_size: Some(instrument.impact_size),
        initial_margin: Some(instrument.initial_margin),
        maintenance_margin: Some(instrument.maintenance_margin),
        contract_value: instrument.contract_value,
        contract_unit_currency: Some(instrument.underlying.symbol.to_owned()),
        tick_size: instrument.tick_size,
        product_specs: product_specs(instrument),
        state: ProductState::Live,
        trading_status: Some(TradingStatus::Operational),
        disruption_reason: None,
        max_leverage_notional: Some(dec(if instrument.kind.is_option() { "200000" } else { "100000" })),
        default_leverage: Some(instrument.default_leverage.rescale(18).unwrap_or(instrument.default_leverage)),
        initial_margin_scaling_factor: Some(dec("0.0000025")),
        maintenance_margin_scaling_factor: Some(dec("0.00000125")),
        taker_commission_rate: Some(instrument.taker_commission_rate),
        maker_commission_rate: Some(instrument.maker_commission_rate),
        liquidation_penalty_factor: Some(dec("0.5")),
        insurance_fund_margin_contribution: Some(dec("1")),
        contract_type: contract_type(instrument.kind),
        position_size_limit: Some(instrument.position_size_limit),
        basis_factor_max_limit: Some(dec("10.95")),
        is_quanto: Some(false),
        funding_method: Some("mark_price".to_owned()),
        annualized_funding: Some(dec("10.95")),
        price_band: Some(instrument.price_band),
        strike_price: instrument.strike,
        barrier_price: None,
        settlement_price: None,
        underlying_asset: Some(asset(instrument.underlying, false)),
        quoting_asset: Some(asset(instrument.quoting, false)),
        settling_asset: Some(asset(settling_asset(), false)),
        spot_index: Some(index(instrument.index)),
        ui_config: None,
    }
}

fn percent_change(from: Decimal, to: Decimal) -> Option<Decimal> {
    to.checked_sub(&from)?.checked_mul(&Decimal::from_int(100))?.checked_div(&from, 4)
}

/// 24-hour statistics of a series: open, high, low (hourly samples plus `close`).
fn day_range(series: &PriceSeries, now_seconds: i64, close: Decimal) -> (Decimal, Decimal, Decimal) {
    let open = series.price_at(now_seconds - 86_400);
    let samples = (0..24).map(|hour| series.price_at(now_seconds - 86_400 + hour * 3_600)).chain([close]);
    let (high, low) = samples.fold((open, open), |(high, low), price| (high.max(price), low.min(price)));
    (open, high, low)
}

/// The ticker of a product at `now` (µs).
pub fn ticker(catalog: &Catalog, market: &Market, instrument: &Instrument, now: i64) -> Ticker {
    let now_seconds = now / MICROS_PER_SECOND;
    let mark = market.mark_price(catalog, instrument, now);
    let spot = market.spot(catalog, instrument.index);
    let close = market.last_price(instrument.id).unwrap_or(mark);
    let (open, high, low) =
        market.series(instrument.id).map_or((close, close, close), |series| day_range(series, now_seconds, close));
    let day_volume = market
        .series(instrument.id)
        .map_or(0, |series| series.candle(now_seconds - 86_400, 86_400, now_seconds).volume);
    let contracts = Decimal::from_int(i64::try_from(day_volume).unwrap_or(i64::MAX));
    let volume = contracts.checked_mul(&instrument.contract_value).unwrap_or(Decimal::ZERO);
    let turnover = volume.checked_mul(&close).map(|value| value.round_to(4)).unwrap_or(Decimal::ZERO);
    let oi_contracts = Decimal::from_int(i64::try_from(mix(instrument.id) % 500_000 + 1_000).unwrap_or(1_000));
    let oi = oi_contracts.checked_mul(&instrument.contract_value).unwrap_or(Decimal::ZERO);
    let band = instrument.price_band.checked_div(&Decimal::from_int(100), 6).unwrap_or(Decimal::ZERO);
    let band_of = |sign: i64| {
        let factor = Decimal::from_int(1).checked_add(&band.checked_mul(&Decimal::from_int(sign))?)?;
        mark.checked_mul(&factor).map(|price| price.round_to(4))
    };
    let book = market.book(instrument.id);
    let (bid, ask) = (book.and_then(|b| b.best_bid()), book.and_then(|b| b.best_ask()));
    let size_text = |size: u64| Decimal::from_int(i64::try_from(size).unwrap_or(i64::MAX));
    let option_value = market.option_value(catalog, instrument, now);
    let iv = instrument.kind.is_option().then(|| implied_vol(instrument, spot));
    let spread_iv = |offset: &str| iv.and_then(|iv| iv.checked_add(&dec(offset)));
    let quotes = TickerQuotes {
        ask_iv: spread_iv("0.01"),
        ask_size: ask.map(|level| size_text(level.size)),
        best_ask: ask.map(|level| level.price),
        best_bid: bid.map(|level| level.price),
        bid_iv: spread_iv("-0.01"),
        bid_size: bid.map(|level| size_text(level.size)),
        impact_mid_price: if instrument.kind.is_option() {
            None
        } else {
            market.mid(instrument.id).map(|mid| mid.round_to(2))
        },
        mark_iv: Some(iv.unwrap_or_else(|| dec("-0.04123318"))),
    };
    let greeks = option_value.map(|value| Greeks {
        delta: Some(value.delta.round_to(8)),
        gamma: Some(value.gamma.round_to(8)),
        rho: Some(value.rho.round_to(8)),
        spot: Some(spot),
        theta: Some(value.theta.round_to(8)),
        vega: Some(value.vega.round_to(8)),
    });
    // Futures carry the perpetual's keys (a zero funding rate) so every ticker has one of the two
    // documented shapes.
    let is_future = matches!(instrument.kind, ContractKind::Perpetual | ContractKind::Future);
    let funding = if instrument.kind == ContractKind::Perpetual { "0.0034" } else { "0" };
    Ticker {
        close: Some(NumDecimal(close)),
        contract_type: Some(contract_type(instrument.kind)),
        funding_rate: is_future.then(|| dec(funding)),
        greeks,
        high: Some(NumDecimal(high)),
        low: Some(NumDecimal(low)),
        ltp_change_24h: percent_change(open, close),
        mark_basis: is_future.then(|| mark.checked_sub(&spot).and_then(|basis| basis.checked_div(&spot, 8))).flatten(),
        mark_change_24h: percent_change(open, mark),
        mark_price: Some(mark),
        mark_vol: iv,
        oi: Some(oi),
        oi_change_usd_6h: Some(dec("0")),
        oi_contracts: Some(oi_contracts),
        oi_value: Some(oi),
        oi_value_symbol: Some(instrument.underlying.symbol.to_owned()),
        oi_value_usd: oi.checked_mul(&spot).map(|value| value.round_to(4)),
        open: Some(NumDecimal(open)),
        price_band: match (band_of(-1), band_of(1)) {
            (Some(lower_limit), Some(upper_limit)) => Some(PriceBand { lower_limit, upper_limit }),
            _ => None,
        },
        product_id: instrument.id,
        quotes: Some(quotes),
        size: Some(NumDecimal(contracts)),
        spot_price: Some(spot),
        strike_price: instrument.strike,
        symbol: instrument.symbol.clone(),
        timestamp: Micros(now),
        turnover: Some(NumDecimal(turnover)),
        turnover_symbol: Some(settling_asset().symbol.to_owned()),
        turnover_usd: Some(NumDecimal(turnover)),
        underlying_asset_symbol: Some(instrument.underlying.symbol.to_owned()),
        volume: Some(NumDecimal(volume)),
    }
}

/// The L2 snapshot of a product's book, `depth` levels per side with cumulative depth.
pub fn order_book(market: &Market, instrument: &Instrument, depth: usize, now: i64) -> OrderBook {
    let side_levels = |side: Side| {
        let mut cumulative = 0u64;
        market
            .book(instrument.id)
            .map(|book| book.levels(side, depth))
            .unwrap_or_default()
            .into_iter()
            .map(|level| {
                cumulative = cumulative.saturating_add(level.size);
                BookLevel {
                    depth: Some(Decimal::from_int(i64::try_from(cumulative).unwrap_or(i64::MAX))),
                    price: level.price,
                    size: NumDecimal(Decimal::from_int(i64::try_from(level.size).unwrap_or(i64::MAX))),
                }
            })
            .collect()
    };
    OrderBook {
        buy: side_levels(Side::Buy),
        sell: side_levels(Side::Sell),
        last_updated_at: Some(Micros(now)),
        symbol: Some(instrument.symbol.clone()),
    }
}

/// Recent public trades of a product, newest first, in the observed array form.
pub fn public_trades(market: &Market, instrument: &Instrument) -> Vec<PublicTrade> {
    market
        .trades(instrument.id)
        .map(|trade| {
            let (buyer, seller) = match trade.taker_side {
                Side::Buy => (LiquidityRole::Taker, LiquidityRole::Maker),
                Side::Sell => (LiquidityRole::Maker, LiquidityRole::Taker),
            };
            PublicTrade {
                side: None,
                buyer_role: Some(buyer),
                seller_role: Some(seller),
                price: trade.price,
                size: NumDecimal(Decimal::from_int(i64::try_from(trade.size).unwrap_or(i64::MAX))),
                symbol: Some(instrument.symbol.clone()),
                timestamp: Micros(trade.timestamp),
            }
        })
        .collect()
}

/// One candle in the wire form.
pub fn candle(bar: &crate::series::Candle) -> Candle {
    Candle {
        time: bar.time,
        open: NumDecimal(bar.open),
        high: NumDecimal(bar.high),
        low: NumDecimal(bar.low),
        close: NumDecimal(bar.close),
        volume: Some(NumDecimal(Decimal::from_int(i64::try_from(bar.volume).unwrap_or(i64::MAX)))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::testing::{venue, START};

    #[test]
    fn product_serializes_like_the_fixture() {
        let venue = venue();
        let json = serde_json::to_value(product(venue.catalog().by_id(27).unwrap())).unwrap();
        assert_eq!(json["tick_size"], "0.5");
        assert_eq!(json["contract_value"], "0.001");
        assert_eq!(json["default_leverage"], "200.000000000000000000");
        assert_eq!(json["settlement_time"], serde_json::Value::Null);
        assert_eq!(json["product_specs"]["funding_clamp_value"], 0.05);
        assert_eq!(json["underlying_asset"].as_object().unwrap().len(), 7);
    }

    #[test]
    fn book_levels_are_cumulative_and_ordered() {
        let venue = venue();
        let btc = venue.catalog().by_id(27).unwrap();
        let book = order_book(venue.market(), btc, 3, START);
        assert_eq!(book.buy.len(), 3);
        assert!(book.buy[0].price > book.buy[1].price && book.sell[0].price < book.sell[1].price);
        let first = book.buy[0].size.0;
        let second = book.buy[1].size.0;
        assert_eq!(book.buy[1].depth, first.checked_add(&second));
    }

    #[test]
    fn option_tickers_carry_greeks_and_ivs() {
        let venue = venue();
        let call = venue.catalog().by_symbol("C-BTC-70000-290526").unwrap();
        let ticker = ticker(venue.catalog(), venue.market(), call, START);
        let greeks = ticker.greeks.unwrap();
        assert!(greeks.delta.unwrap() > Decimal::ZERO);
        assert!(ticker.quotes.unwrap().bid_iv.is_some());
        assert!(ticker.funding_rate.is_none());
        assert_eq!(ticker.strike_price, Some(dec("70000")));
    }
}
