//! The sim's instruments: assets, spot indices and a realistic product set (BTC and ETH perpetuals, a
//! dated BTC future, BTC calls and puts over two expiries), built relative to the start time.

use delta_core::wire::format_iso;
use delta_core::Decimal;

/// Microseconds per second.
pub const MICROS_PER_SECOND: i64 = 1_000_000;
const DAY_MICROS: i64 = 86_400 * MICROS_PER_SECOND;
const HOUR_MICROS: i64 = 3_600 * MICROS_PER_SECOND;

/// An asset (`GET /v2/assets`).
#[derive(Debug, Clone, PartialEq)]
pub struct AssetInfo {
    /// Asset id (India ids from the fixtures).
    pub id: u64,
    /// Symbol (`BTC`).
    pub symbol: &'static str,
    /// Full name.
    pub name: &'static str,
    /// Decimal places.
    pub precision: u32,
    /// Display decimal places.
    pub minimum_precision: u32,
    /// Listing order.
    pub sort_priority: u32,
}

/// A spot index (`GET /v2/indices`).
#[derive(Debug, Clone, PartialEq)]
pub struct IndexInfo {
    /// Index id.
    pub id: u64,
    /// Symbol (`.DEXBTUSD`).
    pub symbol: &'static str,
    /// Constituent exchanges and weights.
    pub constituents: &'static [(&'static str, &'static str)],
    /// Underlying asset id.
    pub underlying_asset_id: u64,
    /// Quoting asset id.
    pub quoting_asset_id: u64,
    /// Index tick.
    pub tick_size: Decimal,
    /// Reference price of the index at start, before the seed's offset.
    pub reference_price: Decimal,
}

/// What kind of contract a product is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ContractKind {
    /// `perpetual_futures`.
    Perpetual,
    /// `futures` (dated).
    Future,
    /// `call_options`.
    Call,
    /// `put_options`.
    Put,
}

impl ContractKind {
    /// The `contract_type` string.
    pub fn contract_type(self) -> &'static str {
        match self {
            Self::Perpetual => "perpetual_futures",
            Self::Future => "futures",
            Self::Call => "call_options",
            Self::Put => "put_options",
        }
    }

    /// True for calls and puts.
    pub fn is_option(self) -> bool {
        matches!(self, Self::Call | Self::Put)
    }
}

/// One tradable product with everything the engine and the wire forms need.
#[derive(Debug, Clone, PartialEq)]
pub struct Instrument {
    /// Product id.
    pub id: u64,
    /// Symbol (`BTCUSD`, `C-BTC-70000-290526`).
    pub symbol: String,
    /// Contract kind.
    pub kind: ContractKind,
    /// Long description.
    pub description: String,
    /// Short description.
    pub short_description: String,
    /// Underlying asset.
    pub underlying: &'static AssetInfo,
    /// Quoting and settling asset (USD).
    pub quoting: &'static AssetInfo,
    /// The underlying's spot index.
    pub index: &'static IndexInfo,
    /// Price increment.
    pub tick_size: Decimal,
    /// Underlying units per contract.
    pub contract_value: Decimal,
    /// Strike (options).
    pub strike: Option<Decimal>,
    /// Expiry in µs (dated products).
    pub settlement_time: Option<i64>,
    /// Listing time in µs.
    pub launch_time: i64,
    /// Last update of the product record in µs.
    pub updated_at: i64,
    /// Taker fee fraction.
    pub taker_commission_rate: Decimal,
    /// Maker fee fraction.
    pub maker_commission_rate: Decimal,
    /// Largest leverage.
    pub default_leverage: Decimal,
    /// Initial margin in percent.
    pub initial_margin: Decimal,
    /// Maintenance margin in percent.
    pub maintenance_margin: Decimal,
    /// Contracts for the impact price.
    pub impact_size: u64,
    /// Largest position or order in contracts.
    pub position_size_limit: u64,
    /// Allowed band around mark, in percent.
    pub price_band: Decimal,
}

impl Instrument {
    /// Seconds until expiry at `now_micros` (`None` for perpetuals).
    pub fn seconds_to_expiry(&self, now_micros: i64) -> Option<i64> {
        self.settlement_time.map(|expiry| (expiry - now_micros) / MICROS_PER_SECOND)
    }
}

static BTC: AssetInfo =
    AssetInfo { id: 1, symbol: "BTC", name: "Bitcoin", precision: 8, minimum_precision: 4, sort_priority: 1 };
static ETH: AssetInfo =
    AssetInfo { id: 2, symbol: "ETH", name: "Ethereum", precision: 8, minimum_precision: 4, sort_priority: 3 };
static USD: AssetInfo =
    AssetInfo { id: 14, symbol: "USD", name: "US Dollar", precision: 8, minimum_precision: 2, sort_priority: 2 };

static BTC_INDEX: IndexInfo = IndexInfo {
    id: 14,
    symbol: ".DEXBTUSD",
    constituents: &[("binance", "0.25"), ("bybit", "0.25"), ("okx", "0.25"), ("coinbase", "0.25")],
    underlying_asset_id: 1,
    quoting_asset_id: 14,
    tick_size: Decimal::new(1, 2),
    reference_price: Decimal::new(6_845_891, 2),
};
static ETH_INDEX: IndexInfo = IndexInfo {
    id: 15,
    symbol: ".DEETHUSD",
    constituents: &[("binance", "0.5"), ("okx", "0.5")],
    underlying_asset_id: 2,
    quoting_asset_id: 14,
    tick_size: Decimal::new(1, 2),
    reference_price: Decimal::new(341_237, 2),
};

/// Every asset, in id order.
pub static ASSETS: [&AssetInfo; 3] = [&BTC, &ETH, &USD];

/// Every spot index, in id order.
pub static INDICES: [&IndexInfo; 2] = [&BTC_INDEX, &ETH_INDEX];

/// The settling asset of every product.
pub fn settling_asset() -> &'static AssetInfo {
    &USD
}

/// Id of the perpetual BTCUSD, as in the fixtures.
pub const BTCUSD_ID: u64 = 27;
/// Id of the perpetual ETHUSD, as in the fixtures.
pub const ETHUSD_ID: u64 = 3136;
/// Id of the dated BTC future.
pub const BTC_FUTURE_ID: u64 = 3190;
/// First id of the BTC options.
pub const FIRST_OPTION_ID: u64 = 140_001;

/// The product list, sorted by id.
#[derive(Debug, Clone)]
pub struct Catalog {
    instruments: Vec<Instrument>,
}

impl Catalog {
    /// Builds the product set for a sim started at `start_micros` with BTC spot near `btc_spot`;
    /// keeps only `symbols` when the filter is not empty.
    pub fn build(start_micros: i64, btc_spot: Decimal, symbols: &[String]) -> Self {
        let mut instruments = vec![perpetual(BTCUSD_ID, &BTC, &BTC_INDEX, "0.5", "0.001", 229_167, 10_000)];
        instruments.push(perpetual(ETHUSD_ID, &ETH, &ETH_INDEX, "0.05", "0.01", 300_000, 5_000));
        instruments.push(future(start_micros));
        let first_expiry = next_noon(start_micros + 12 * HOUR_MICROS);
        let second_expiry = next_weekday_noon(first_expiry + 3 * DAY_MICROS, 5);
        let center = btc_spot.checked_div(&Decimal::from_int(1000), 0).unwrap_or(Decimal::from_int(68)).mantissa();
        let mut id = FIRST_OPTION_ID;
        for expiry in [first_expiry, second_expiry] {
            for offset in -2..=2i128 {
                let strike = Decimal::new((center + offset) * 1000, 0);
                for kind in [ContractKind::Call, ContractKind::Put] {
                    instruments.push(option(id, kind, strike, expiry, start_micros));
                    id += 1;
                }
            }
        }
        if !symbols.is_empty() {
            instruments.retain(|instrument| symbols.iter().any(|symbol| symbol == &instrument.symbol));
        }
        instruments.sort_by_key(|instrument| instrument.id);
        Self { instruments }
    }

    /// Every product, by id.
    pub fn instruments(&self) -> &[Instrument] {
        &self.instruments
    }

    /// The product with this id.
    pub fn by_id(&self, id: u64) -> Option<&Instrument> {
        self.instruments.iter().find(|instrument| instrument.id == id)
    }

    /// The product with this symbol.
    pub fn by_symbol(&self, symbol: &str) -> Option<&Instrument> {
        self.instruments.iter().find(|instrument| instrument.symbol == symbol)
    }

    /// The index with this symbol.
    pub fn index_by_symbol(&self, symbol: &str) -> Option<&'static IndexInfo> {
        INDICES.iter().copied().find(|index| index.symbol == symbol)
    }
}

fn dec(text: &str) -> Decimal {
    text.parse().unwrap_or(Decimal::ZERO)
}

/// A launch date well before any start: 2023-12-18T13:10:39Z, as the fixtures show.
const LISTED_AT: i64 = 1_702_905_039 * MICROS_PER_SECOND;

fn perpetual(
    id: u64,
    underlying: &'static AssetInfo,
    index: &'static IndexInfo,
    tick: &str,
    contract_value: &str,
    position_size_limit: u64,
    impact_size: u64,
) -> Instrument {
    let name = underlying.name;
    Instrument {
        id,
        symbol: format!("{}USD", underlying.symbol),
        kind: ContractKind::Perpetual,
        description: format!("{name} Perpetual futures, quoted, settled & margined in USD"),
        short_description: format!("{} Perpetual", underlying.symbol),
        underlying,
        quoting: &USD,
        index,
        tick_size: dec(tick),
        contract_value: dec(contract_value),
        strike: None,
        settlement_time: None,
        launch_time: LISTED_AT,
        updated_at: LISTED_AT,
        taker_commission_rate: dec("0.0005"),
        maker_commission_rate: dec("0.0002"),
        default_leverage: dec("200"),
        initial_margin: dec("0.5"),
        maintenance_margin: dec("0.25"),
        impact_size,
        position_size_limit,
        price_band: dec("2.5"),
    }
}

fn future(start_micros: i64) -> Instrument {
    let expiry = next_weekday_noon(start_micros + 28 * DAY_MICROS, 5);
    let (day, month, _) = date_parts(expiry);
    let month_name = MONTHS.get(month.saturating_sub(1)).copied().unwrap_or("Jan");
    Instrument {
        id: BTC_FUTURE_ID,
        symbol: format!("BTCUSD_{day:02}{month_name}"),
        kind: ContractKind::Future,
        description: format!("Bitcoin futures expiring on {}", &format_iso(expiry)[..10]),
        short_description: "BTC Futures".to_owned(),
        launch_time: start_micros - 7 * DAY_MICROS,
        updated_at: start_micros - DAY_MICROS,
        settlement_time: Some(expiry),
        default_leverage: dec("100"),
        initial_margin: dec("1"),
        maintenance_margin: dec("0.5"),
        ..perpetual(BTC_FUTURE_ID, &BTC, &BTC_INDEX, "0.5", "0.001", 100_000, 5_000)
    }
}

fn option(id: u64, kind: ContractKind, strike: Decimal, expiry: i64, start_micros: i64) -> Instrument {
    let (day, month, year) = date_parts(expiry);
    let (letter, word) = if kind == ContractKind::Call { ("C", "call") } else { ("P", "put") };
    Instrument {
        id,
        symbol: format!("{letter}-BTC-{strike}-{day:02}{month:02}{:02}", year % 100),
        kind,
        description: format!("BTC {word} option expiring on {day}-{month}-{year}"),
        short_description: format!("BTC  {}", if kind == ContractKind::Call { "Call" } else { "Put" }),
        underlying: &BTC,
        quoting: &USD,
        index: &BTC_INDEX,
        tick_size: dec("0.1"),
        contract_value: dec("0.001"),
        strike: Some(strike),
        settlement_time: Some(expiry),
        launch_time: start_micros - 2 * HOUR_MICROS,
        updated_at: start_micros - HOUR_MICROS,
        taker_commission_rate: dec("0.0003"),
        maker_commission_rate: dec("0.0003"),
        default_leverage: dec("200"),
        initial_margin: dec("0.5"),
        maintenance_margin: dec("0.25"),
        impact_size: 200,
        position_size_limit: 255_633,
        price_band: dec("2"),
    }
}

const MONTHS: [&str; 12] = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/// Day, month and year of a µs timestamp (UTC).
pub fn date_parts(micros: i64) -> (usize, usize, usize) {
    let iso = format_iso(micros);
    let field = |range: std::ops::Range<usize>| iso.get(range).and_then(|text| text.parse().ok()).unwrap_or(0);
    (field(8..10), field(5..7), field(0..4))
}

/// The first 12:00 UTC at or after `micros`.
fn next_noon(micros: i64) -> i64 {
    let noon = micros.div_euclid(DAY_MICROS) * DAY_MICROS + 12 * HOUR_MICROS;
    if noon >= micros {
        noon
    } else {
        noon + DAY_MICROS
    }
}

/// The first 12:00 UTC at or after `micros` that falls on `weekday` (0 = Sunday, 5 = Friday).
fn next_weekday_noon(micros: i64, weekday: i64) -> i64 {
    let mut noon = next_noon(micros);
    // 1970-01-01 was a Thursday (4).
    while (noon.div_euclid(DAY_MICROS) + 4).rem_euclid(7) != weekday {
        noon += DAY_MICROS;
    }
    noon
}

#[cfg(test)]
mod tests {
    use super::*;

    const START: i64 = 1_779_962_400 * MICROS_PER_SECOND; // 2026-05-28T10:00:00Z, a Thursday

    #[test]
    fn builds_the_documented_product_set() {
        let catalog = Catalog::build(START, dec("68458.91"), &[]);
        let btc = catalog.by_id(27).unwrap();
        assert_eq!((btc.symbol.as_str(), btc.tick_size, btc.contract_value), ("BTCUSD", dec("0.5"), dec("0.001")));
        let eth = catalog.by_symbol("ETHUSD").unwrap();
        assert_eq!((eth.tick_size, eth.contract_value), (dec("0.05"), dec("0.01")));
        assert_eq!(catalog.by_id(BTC_FUTURE_ID).unwrap().symbol, "BTCUSD_26Jun");
        let call = catalog.by_symbol("C-BTC-70000-290526").unwrap();
        assert_eq!(format_iso(call.settlement_time.unwrap()), "2026-05-29T12:00:00Z");
        assert!(catalog.by_symbol("P-BTC-66000-050626").is_some());
        assert_eq!(catalog.instruments().iter().filter(|i| i.kind.is_option()).count(), 20);
        assert!(catalog.instruments().windows(2).all(|w| w[0].id < w[1].id));
    }

    #[test]
    fn symbols_filter_keeps_only_the_named_products() {
        let catalog = Catalog::build(START, dec("68458.91"), &["ETHUSD".to_owned()]);
        assert_eq!(catalog.instruments().len(), 1);
        assert_eq!(catalog.instruments()[0].id, ETHUSD_ID);
    }

    #[test]
    fn expiry_helpers() {
        assert_eq!(format_iso(next_noon(START)), "2026-05-28T12:00:00Z");
        assert_eq!(format_iso(next_noon(START + 3 * HOUR_MICROS)), "2026-05-29T12:00:00Z");
        assert_eq!(format_iso(next_weekday_noon(START, 5)), "2026-05-29T12:00:00Z");
        assert_eq!(date_parts(START), (28, 5, 2026));
    }
}
