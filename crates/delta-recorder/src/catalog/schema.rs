//! The catalog's data types: directory names, Arrow schemas and metadata exactly as nautilus_trader 1.221.0
//! writes and reads them (research `nautilus-1.221.md` section 6; checked against Nautilus's own output by
//! `tests/golden/catalog_schemas.json`).

use std::collections::HashMap;
use std::sync::Arc;

use arrow_schema::{DataType, Field, Schema, SchemaRef};

/// Bytes of one price or size: an `i128`/`u128` raw at 10^16, little-endian.
pub const RAW_BYTES: i32 = 16;

/// A Nautilus data type the recorder writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum DataKind {
    /// `QuoteTick` (from `ob_l1`, `l1_orderbook` and the compact `ticker`).
    QuoteTick,
    /// `TradeTick` (from `trades`, `all_trades`).
    TradeTick,
    /// `OrderBookDelta` (from the verified books of `ob_updates`, `l2_updates`, `ob_l2`, `l2_orderbook`).
    OrderBookDelta,
    /// `Bar` (closed candles of `candlestick_*`).
    Bar,
    /// `MarkPriceUpdate` (`mark_price`).
    MarkPriceUpdate,
    /// `IndexPriceUpdate` (`spot_price`): Nautilus's layout plus per-row `instrument_id` and `price_precision`;
    /// `delta_exchange` registers its decoder.
    IndexPriceUpdate,
    /// `FundingRateUpdate` (`funding_rate`), in a schema of our own; `delta_exchange` registers its decoder.
    FundingRateUpdate,
}

impl DataKind {
    /// Every kind.
    pub const ALL: [DataKind; 7] = [
        DataKind::QuoteTick,
        DataKind::TradeTick,
        DataKind::OrderBookDelta,
        DataKind::Bar,
        DataKind::MarkPriceUpdate,
        DataKind::IndexPriceUpdate,
        DataKind::FundingRateUpdate,
    ];

    /// The folder under `data/` (Nautilus's snake-case class name).
    pub const fn dir(self) -> &'static str {
        match self {
            DataKind::QuoteTick => "quote_tick",
            DataKind::TradeTick => "trade_tick",
            DataKind::OrderBookDelta => "order_book_delta",
            DataKind::Bar => "bar",
            DataKind::MarkPriceUpdate => "mark_price_update",
            DataKind::IndexPriceUpdate => "index_price_update",
            DataKind::FundingRateUpdate => "funding_rate_update",
        }
    }

    /// The columns, in the order the reader decodes them.
    pub fn fields(self) -> Vec<Field> {
        let raw = |name: &str| Field::new(name, DataType::FixedSizeBinary(RAW_BYTES), false);
        let uint64 = |name: &str| Field::new(name, DataType::UInt64, false);
        let uint8 = |name: &str| Field::new(name, DataType::UInt8, false);
        let times = || [uint64("ts_event"), uint64("ts_init")];
        let mut fields = match self {
            DataKind::QuoteTick => vec![raw("bid_price"), raw("ask_price"), raw("bid_size"), raw("ask_size")],
            DataKind::TradeTick => {
                vec![raw("price"), raw("size"), uint8("aggressor_side"), Field::new("trade_id", DataType::Utf8, false)]
            }
            DataKind::OrderBookDelta => vec![
                uint8("action"),
                uint8("side"),
                raw("price"),
                raw("size"),
                uint64("order_id"),
                uint8("flags"),
                uint64("sequence"),
            ],
            DataKind::Bar => vec![raw("open"), raw("high"), raw("low"), raw("close"), raw("volume")],
            DataKind::MarkPriceUpdate | DataKind::IndexPriceUpdate => vec![raw("value")],
            DataKind::FundingRateUpdate => vec![
                Field::new("instrument_id", DataType::Utf8, false),
                Field::new("rate", DataType::Utf8, false),
                Field::new("next_funding_ns", DataType::UInt64, true),
            ],
        };
        fields.extend(times());
        if self == DataKind::IndexPriceUpdate {
            // Per-row instrument and precision after Nautilus's three columns: a catalog query reads all index
            // files into one dataset that keeps only the first file's metadata (`delta_exchange.catalog`).
            fields.push(Field::new("instrument_id", DataType::Utf8, false));
            fields.push(Field::new("price_precision", DataType::UInt8, false));
        }
        fields
    }

    /// Whether the schema metadata carries `size_precision`.
    const fn has_sizes(self) -> bool {
        matches!(self, DataKind::QuoteTick | DataKind::TradeTick | DataKind::OrderBookDelta | DataKind::Bar)
    }

    /// Whether the schema metadata carries `price_precision`.
    const fn has_prices(self) -> bool {
        !matches!(self, DataKind::FundingRateUpdate)
    }
}

/// One output stream: a data kind of one instrument (or bar type) at one precision pair. A precision change
/// starts a new stream, so a file never mixes precisions.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct StreamKey {
    /// The data type.
    pub kind: DataKind,
    /// The instrument id (`BTCUSD.DELTA_EXCHANGE`).
    pub instrument_id: Arc<str>,
    /// The bar type (`BTCUSD.DELTA_EXCHANGE-1-MINUTE-LAST-EXTERNAL`) of a bar stream.
    pub bar_type: Option<Arc<str>>,
    /// Price precision of the instrument.
    pub price_precision: u8,
    /// Size precision of the instrument.
    pub size_precision: u8,
}

impl StreamKey {
    /// The folder under `data/<kind>/`: the instrument id without `/`, or the bar type for bars.
    pub fn identifier(&self) -> String {
        self.bar_type.as_deref().unwrap_or(&self.instrument_id).replace('/', "")
    }

    /// The schema metadata Nautilus's decoders require (all values are strings).
    pub fn metadata(&self) -> HashMap<String, String> {
        let mut metadata = HashMap::from([("instrument_id".to_owned(), self.instrument_id.to_string())]);
        if let Some(bar_type) = &self.bar_type {
            metadata.insert("bar_type".to_owned(), bar_type.to_string());
        }
        if self.kind.has_prices() {
            metadata.insert("price_precision".to_owned(), self.price_precision.to_string());
        }
        if self.kind.has_sizes() {
            metadata.insert("size_precision".to_owned(), self.size_precision.to_string());
        }
        metadata
    }

    /// The Arrow schema of the stream's files.
    pub fn schema(&self) -> SchemaRef {
        Arc::new(Schema::new_with_metadata(self.kind.fields(), self.metadata()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(kind: DataKind) -> StreamKey {
        StreamKey {
            kind,
            instrument_id: Arc::from("BTCUSD.DELTA_EXCHANGE"),
            bar_type: (kind == DataKind::Bar).then(|| Arc::from("BTCUSD.DELTA_EXCHANGE-1-MINUTE-LAST-EXTERNAL")),
            price_precision: 1,
            size_precision: 0,
        }
    }

    #[test]
    fn metadata_holds_exactly_the_keys_each_decoder_needs() {
        let keys = |kind| {
            let mut keys: Vec<String> = key(kind).metadata().into_keys().collect();
            keys.sort();
            keys
        };
        assert_eq!(keys(DataKind::QuoteTick), ["instrument_id", "price_precision", "size_precision"]);
        assert_eq!(keys(DataKind::Bar), ["bar_type", "instrument_id", "price_precision", "size_precision"]);
        assert_eq!(keys(DataKind::MarkPriceUpdate), ["instrument_id", "price_precision"]);
        assert_eq!(keys(DataKind::FundingRateUpdate), ["instrument_id"]);
        assert_eq!(key(DataKind::Bar).identifier(), "BTCUSD.DELTA_EXCHANGE-1-MINUTE-LAST-EXTERNAL");
        assert_eq!(key(DataKind::TradeTick).identifier(), "BTCUSD.DELTA_EXCHANGE");
    }
}
