//! The synthetic market: one book per product (deterministic from the seed), the tape of public
//! trades, price histories, and the index, mark and option values derived from them.

use std::collections::{HashMap, VecDeque};

use delta_core::model::Side;
use delta_core::Decimal;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use crate::book::{floor_to_tick, Book, SyntheticLayout};
use crate::catalog::{Catalog, ContractKind, IndexInfo, Instrument, INDICES, MICROS_PER_SECOND};
use crate::pricing::{value_option, OptionKind, OptionValue};
use crate::series::{fnv1a, mix, PriceSeries};

/// Trades kept per product for `GET /v2/trades/{symbol}`.
pub const TAPE_LENGTH: usize = 200;

/// Digits of derived prices (mark, spot), as Delta's `"68451.83214521"`.
const DERIVED_SCALE: u8 = 8;

/// One public trade.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PublicTrade {
    /// Price.
    pub price: Decimal,
    /// Contracts.
    pub size: u64,
    /// The aggressor's side (`buyer_role` is `taker` for a buy).
    pub taker_side: Side,
    /// Time in µs.
    pub timestamp: i64,
}

/// Public trades kept for slow socket subscribers.
const TRADE_FEED_BUFFER: usize = 4096;

/// Books, tapes and price series of every product; new trades are also published to
/// [`Market::subscribe_trades`].
#[derive(Debug)]
pub struct Market {
    books: HashMap<u64, Book>,
    trade_feed: tokio::sync::broadcast::Sender<(u64, PublicTrade)>,
    tapes: HashMap<u64, VecDeque<PublicTrade>>,
    series: HashMap<u64, PriceSeries>,
    index_series: HashMap<&'static str, PriceSeries>,
    index_start: HashMap<&'static str, Decimal>,
    spot_basis_ppm: i64,
}

impl Market {
    /// Builds the market at `start_micros`: index prices near their references (offset by the seed),
    /// books around each product's fair value, and a few minutes of synthetic tape.
    pub fn new(catalog: &Catalog, seed: u64, start_micros: i64, book_levels: usize) -> Self {
        let start_seconds = start_micros / MICROS_PER_SECOND;
        let mut index_start = HashMap::new();
        let mut index_series = HashMap::new();
        for index in INDICES {
            let spot = start_spot(seed, index);
            index_start.insert(index.symbol, spot);
            let series = PriceSeries::new(seed, index.symbol, spot, start_seconds, index.tick_size, 0);
            index_series.insert(index.symbol, series);
        }
        let mut market = Self {
            books: HashMap::new(),
            trade_feed: tokio::sync::broadcast::channel(TRADE_FEED_BUFFER).0,
            tapes: HashMap::new(),
            series: HashMap::new(),
            index_series,
            index_start,
            spot_basis_ppm: (mix(seed) % 401) as i64 - 200,
        };
        for instrument in catalog.instruments() {
            let mut rng = StdRng::seed_from_u64(mix(seed ^ instrument.id));
            let spot =
                market.index_start.get(instrument.index.symbol).copied().unwrap_or(instrument.index.reference_price);
            let fair = fair_value(instrument, spot, start_micros);
            let layout = layout_for(instrument, fair, book_levels);
            let book = Book::synthetic(instrument.tick_size, fair, layout, &mut rng);
            let tape = synthetic_tape(&book, layout.base_size, start_micros, &mut rng);
            let reference = tape.front().map_or(fair, |trade| trade.price);
            let series = PriceSeries::new(
                seed,
                &instrument.symbol,
                reference,
                start_seconds,
                instrument.tick_size,
                layout.base_size / 4,
            );
            market.books.insert(instrument.id, book);
            market.tapes.insert(instrument.id, tape);
            market.series.insert(instrument.id, series);
        }
        market
    }

    /// The book of a product.
    pub fn book(&self, product_id: u64) -> Option<&Book> {
        self.books.get(&product_id)
    }

    /// The book of a product, for changes.
    pub fn book_mut(&mut self, product_id: u64) -> Option<&mut Book> {
        self.books.get_mut(&product_id)
    }

    /// Recent public trades of a product, newest first.
    pub fn trades(&self, product_id: u64) -> impl Iterator<Item = &PublicTrade> {
        self.tapes.get(&product_id).into_iter().flatten()
    }

    /// Appends a trade to a product's tape and publishes it.
    pub fn record_trade(&mut self, product_id: u64, trade: PublicTrade) {
        let tape = self.tapes.entry(product_id).or_default();
        tape.push_front(trade);
        tape.truncate(TAPE_LENGTH);
        // An error only means nobody listens.
        let _ = self.trade_feed.send((product_id, trade));
    }

    /// Every public trade (with its product id) from now on.
    pub fn subscribe_trades(&self) -> tokio::sync::broadcast::Receiver<(u64, PublicTrade)> {
        self.trade_feed.subscribe()
    }

    /// Price history of a product's last traded price.
    pub fn series(&self, product_id: u64) -> Option<&PriceSeries> {
        self.series.get(&product_id)
    }

    /// Price history of an index.
    pub fn index_series(&self, symbol: &str) -> Option<&PriceSeries> {
        self.index_series.get(symbol)
    }

    /// The last traded price of a product (its book mid before any trade).
    pub fn last_price(&self, product_id: u64) -> Option<Decimal> {
        self.trades(product_id).next().map(|trade| trade.price).or_else(|| self.mid(product_id))
    }

    /// The mid of a product's book, or its only side.
    pub fn mid(&self, product_id: u64) -> Option<Decimal> {
        let book = self.books.get(&product_id)?;
        match (book.best_bid(), book.best_ask()) {
            (Some(bid), Some(ask)) => {
                bid.price.checked_add(&ask.price)?.checked_div(&Decimal::from_int(2), DERIVED_SCALE)
            }
            (Some(level), None) | (None, Some(level)) => Some(level.price),
            (None, None) => None,
        }
    }

    /// The spot index price: the perpetual's mid shifted by a small seeded basis, or the index's start
    /// price when the perpetual is not listed.
    pub fn spot(&self, catalog: &Catalog, index: &IndexInfo) -> Decimal {
        let perpetual = catalog
            .instruments()
            .iter()
            .find(|instrument| instrument.kind == ContractKind::Perpetual && instrument.index.symbol == index.symbol);
        let from_perp = perpetual.and_then(|perp| self.mid(perp.id)).and_then(|mid| {
            mid.checked_mul(&Decimal::from_int(1_000_000 + self.spot_basis_ppm))?
                .checked_div(&Decimal::from_int(1_000_000), DERIVED_SCALE)
        });
        from_perp.or_else(|| self.index_start.get(index.symbol).copied()).unwrap_or(index.reference_price)
    }

    /// The mark price: the book mid for futures, the model value at the current spot for options.
    pub fn mark_price(&self, catalog: &Catalog, instrument: &Instrument, now_micros: i64) -> Decimal {
        if instrument.kind.is_option() {
            let spot = self.spot(catalog, instrument.index);
            return fair_value(instrument, spot, now_micros).round_to(DERIVED_SCALE);
        }
        self.mid(instrument.id)
            .or_else(|| self.last_price(instrument.id))
            .unwrap_or_else(|| fair_value(instrument, self.spot(catalog, instrument.index), now_micros))
    }

    /// Model value and greeks of an option at the current spot.
    pub fn option_value(&self, catalog: &Catalog, instrument: &Instrument, now_micros: i64) -> Option<OptionValue> {
        let spot = self.spot(catalog, instrument.index);
        option_model(instrument, spot, now_micros)
    }
}

/// The implied volatility the sim assumes for an option: a smile around spot, higher further out.
pub fn implied_vol(instrument: &Instrument, spot: Decimal) -> Decimal {
    let base = Decimal::new(45, 2);
    let Some(strike) = instrument.strike else { return base };
    let distance = strike.checked_sub(&spot).unwrap_or(Decimal::ZERO).abs();
    let smile = distance
        .checked_mul(&Decimal::new(3, 1))
        .and_then(|scaled| scaled.checked_div(&spot, DERIVED_SCALE))
        .unwrap_or(Decimal::ZERO);
    base.checked_add(&smile).unwrap_or(base).round_to(DERIVED_SCALE)
}

fn option_model(instrument: &Instrument, spot: Decimal, now_micros: i64) -> Option<OptionValue> {
    let kind = match instrument.kind {
        ContractKind::Call => OptionKind::Call,
        ContractKind::Put => OptionKind::Put,
        ContractKind::Perpetual | ContractKind::Future => return None,
    };
    let strike = instrument.strike?;
    let seconds = instrument.seconds_to_expiry(now_micros)?;
    value_option(kind, spot, strike, implied_vol(instrument, spot), seconds)
}

/// What a product is worth at `spot`: spot for perpetuals, spot with an 8 % annual basis for
/// futures, the model premium (at least one tick) for options.
fn fair_value(instrument: &Instrument, spot: Decimal, now_micros: i64) -> Decimal {
    match instrument.kind {
        ContractKind::Perpetual => spot,
        ContractKind::Future => {
            let seconds = instrument.seconds_to_expiry(now_micros).unwrap_or(0).max(0);
            let basis = Decimal::new(8, 2)
                .checked_mul(&Decimal::from_int(seconds))
                .and_then(|value| value.checked_div(&Decimal::from_int(31_536_000), DERIVED_SCALE))
                .unwrap_or(Decimal::ZERO);
            spot.checked_mul(&Decimal::from_int(1).checked_add(&basis).unwrap_or(Decimal::from_int(1)))
                .map(|value| value.round_to(DERIVED_SCALE))
                .unwrap_or(spot)
        }
        ContractKind::Call | ContractKind::Put => option_model(instrument, spot, now_micros)
            .map(|value| value.premium)
            .unwrap_or(instrument.tick_size)
            .max(instrument.tick_size),
    }
}

fn layout_for(instrument: &Instrument, fair: Decimal, levels: usize) -> SyntheticLayout {
    match instrument.kind {
        ContractKind::Perpetual => SyntheticLayout { levels, spread_ticks: 1, base_size: 2_000 },
        ContractKind::Future => SyntheticLayout { levels, spread_ticks: 4, base_size: 500 },
        ContractKind::Call | ContractKind::Put => {
            let spread = fair
                .checked_div(&Decimal::from_int(50), instrument.tick_size.scale())
                .and_then(|width| width.checked_div(&instrument.tick_size, 0))
                .and_then(|ticks| ticks.to_i64_exact())
                .unwrap_or(1);
            SyntheticLayout {
                levels,
                spread_ticks: u32::try_from(spread.clamp(1, 10_000)).unwrap_or(1),
                base_size: 400,
            }
        }
    }
}

fn start_spot(seed: u64, index: &IndexInfo) -> Decimal {
    let offset_ppm = (mix(seed ^ fnv1a(index.symbol.as_bytes())) % 6_001) as i64 - 3_000;
    index
        .reference_price
        .checked_mul(&Decimal::from_int(1_000_000 + offset_ppm))
        .and_then(|value| value.checked_div(&Decimal::from_int(1_000_000), DERIVED_SCALE))
        .map(|value| floor_to_tick(value, index.tick_size))
        .unwrap_or(index.reference_price)
}

/// Twenty trades over the ten minutes before `start_micros`, at the best bid or ask, newest first.
fn synthetic_tape(book: &Book, base_size: u64, start_micros: i64, rng: &mut StdRng) -> VecDeque<PublicTrade> {
    let mut tape = VecDeque::new();
    let mut timestamp = start_micros - rng.random_range(1_000_000..5_000_000);
    for _ in 0..20 {
        let taker_side = if rng.random_bool(0.5) { Side::Buy } else { Side::Sell };
        let level = match taker_side {
            Side::Buy => book.best_ask(),
            Side::Sell => book.best_bid(),
        };
        if let Some(level) = level {
            let size = rng.random_range(1..=(base_size / 10).max(1));
            tape.push_back(PublicTrade { price: level.price, size, taker_side, timestamp });
        }
        timestamp -= rng.random_range(5_000_000..60_000_000);
    }
    tape
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::BTCUSD_ID;

    const START: i64 = 1_779_962_400 * MICROS_PER_SECOND;

    fn market() -> (Catalog, Market) {
        let catalog = Catalog::build(START, "68458.91".parse().unwrap(), &[]);
        let market = Market::new(&catalog, 42, START, 10);
        (catalog, market)
    }

    #[test]
    fn every_product_has_a_two_sided_book_and_a_tape() {
        let (catalog, market) = market();
        for instrument in catalog.instruments() {
            let book = market.book(instrument.id).unwrap();
            let (bid, ask) = (book.best_bid().unwrap(), book.best_ask().unwrap());
            assert!(bid.price < ask.price, "{}", instrument.symbol);
            assert!(bid.price > Decimal::ZERO);
            let trades: Vec<_> = market.trades(instrument.id).collect();
            assert_eq!(trades.len(), 20);
            assert!(trades.windows(2).all(|pair| pair[0].timestamp > pair[1].timestamp));
        }
    }

    #[test]
    fn derived_prices_are_near_each_other() {
        let (catalog, market) = market();
        let btc = catalog.by_id(BTCUSD_ID).unwrap();
        let mark = market.mark_price(&catalog, btc, START);
        let spot = market.spot(&catalog, btc.index);
        let diff = mark.checked_sub(&spot).unwrap().abs();
        assert!(diff < "100".parse().unwrap(), "{mark} vs {spot}");
        let call = catalog.by_symbol("C-BTC-70000-290526").unwrap();
        let premium = market.mark_price(&catalog, call, START);
        assert!(premium > "50".parse().unwrap() && premium < "2000".parse().unwrap(), "{premium}");
        let value = market.option_value(&catalog, call, START).unwrap();
        assert!(value.delta > Decimal::ZERO && value.delta < "0.5".parse().unwrap());
    }

    #[test]
    fn the_same_seed_builds_the_same_market() {
        let (_, a) = market();
        let (_, b) = market();
        assert_eq!(a.book(BTCUSD_ID).unwrap().levels(Side::Buy, 10), b.book(BTCUSD_ID).unwrap().levels(Side::Buy, 10));
    }
}
