//! Catalog rows and the column buffers that collect them into Arrow record batches.

use std::sync::Arc;

use arrow_array::{ArrayRef, FixedSizeBinaryArray, RecordBatch, StringArray, UInt64Array, UInt8Array};
use arrow_buffer::Buffer;
use arrow_schema::{ArrowError, SchemaRef};

use super::schema::{DataKind, StreamKey, RAW_BYTES};

/// One row of a catalog stream. Prices and sizes are raws at 10^16 already rounded to the stream's precision.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Row {
    /// A `QuoteTick`.
    Quote {
        /// Best bid.
        bid: i128,
        /// Best ask.
        ask: i128,
        /// Bid size.
        bid_size: i128,
        /// Ask size.
        ask_size: i128,
    },
    /// A `TradeTick`.
    Trade {
        /// Price.
        price: i128,
        /// Size.
        size: i128,
        /// Nautilus `AggressorSide`.
        aggressor: u8,
        /// Trade id.
        trade_id: String,
    },
    /// An `OrderBookDelta`.
    Delta {
        /// Nautilus `BookAction`.
        action: u8,
        /// Nautilus `OrderSide`.
        side: u8,
        /// Level price.
        price: i128,
        /// Level size.
        size: i128,
        /// Nautilus `RecordFlag` bits.
        flags: u8,
        /// Delta's book sequence number (0 when the channel has none).
        sequence: u64,
    },
    /// A `Bar`.
    Bar {
        /// Open.
        open: i128,
        /// High.
        high: i128,
        /// Low.
        low: i128,
        /// Close.
        close: i128,
        /// Volume.
        volume: i128,
    },
    /// A `MarkPriceUpdate` or `IndexPriceUpdate`.
    Price {
        /// The price.
        value: i128,
    },
    /// A `FundingRateUpdate`.
    Funding {
        /// The rate as a fraction, exact decimal text.
        rate: String,
        /// The next funding time (ns).
        next_funding_ns: Option<u64>,
    },
}

/// A row with its times.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TimedRow {
    /// The row.
    pub row: Row,
    /// Exchange time (ns).
    pub ts_event: u64,
    /// Local receive time (ns).
    pub ts_init: u64,
}

/// Column buffers of one stream's pending rows.
#[derive(Debug)]
pub struct Columns {
    kind: DataKind,
    instrument_id: Arc<str>,
    price_precision: u8,
    raws: Vec<Vec<u8>>,
    small: Vec<Vec<u8>>,
    longs: Vec<Vec<u64>>,
    text: Vec<String>,
    optional: Vec<Option<u64>>,
    ts_event: Vec<u64>,
    ts_init: Vec<u64>,
    bytes: usize,
}

/// Raw (16-byte), u8 and u64 column counts per kind, besides the two time columns.
const fn shape(kind: DataKind) -> (usize, usize, usize) {
    match kind {
        DataKind::QuoteTick => (4, 0, 0),
        DataKind::TradeTick => (2, 1, 0),
        DataKind::OrderBookDelta => (2, 3, 2),
        DataKind::Bar => (5, 0, 0),
        DataKind::MarkPriceUpdate | DataKind::IndexPriceUpdate => (1, 0, 0),
        DataKind::FundingRateUpdate => (0, 0, 0),
    }
}

impl Columns {
    /// Empty buffers for the stream `key` (its instrument and precision fill the per-row `instrument_id` and
    /// `price_precision` columns of the funding and index schemas).
    pub fn new(key: &StreamKey) -> Self {
        let kind = key.kind;
        let (raws, small, longs) = shape(kind);
        Self {
            kind,
            instrument_id: Arc::clone(&key.instrument_id),
            price_precision: key.price_precision,
            raws: vec![Vec::new(); raws],
            small: vec![Vec::new(); small],
            longs: vec![Vec::new(); longs],
            text: Vec::new(),
            optional: Vec::new(),
            ts_event: Vec::new(),
            ts_init: Vec::new(),
            bytes: 0,
        }
    }

    /// Rows buffered.
    pub fn len(&self) -> usize {
        self.ts_init.len()
    }

    /// Whether no row is buffered.
    pub fn is_empty(&self) -> bool {
        self.ts_init.is_empty()
    }

    /// Approximate bytes buffered (what a row group of these rows holds in memory before encoding).
    pub fn bytes(&self) -> usize {
        self.bytes
    }

    /// Appends a row; a row of another kind is a programming error reported as `false` (nothing appended).
    pub fn push(&mut self, timed: TimedRow) -> bool {
        match (timed.row, self.kind) {
            (Row::Quote { bid, ask, bid_size, ask_size }, DataKind::QuoteTick) => {
                self.raw_values(&[bid, ask, bid_size, ask_size]);
            }
            (Row::Trade { price, size, aggressor, trade_id }, DataKind::TradeTick) => {
                self.raw_values(&[price, size]);
                self.small[0].push(aggressor);
                self.bytes += trade_id.len() + 5;
                self.text.push(trade_id);
            }
            (Row::Delta { action, side, price, size, flags, sequence }, DataKind::OrderBookDelta) => {
                self.small[0].push(action);
                self.small[1].push(side);
                self.raw_values(&[price, size]);
                self.longs[0].push(0);
                self.small[2].push(flags);
                self.longs[1].push(sequence);
                self.bytes += 19;
            }
            (Row::Bar { open, high, low, close, volume }, DataKind::Bar) => {
                self.raw_values(&[open, high, low, close, volume]);
            }
            (Row::Price { value }, DataKind::MarkPriceUpdate | DataKind::IndexPriceUpdate) => self.raw_values(&[value]),
            (Row::Funding { rate, next_funding_ns }, DataKind::FundingRateUpdate) => {
                self.bytes += rate.len() + self.instrument_id.len() + 17;
                self.text.push(rate);
                self.optional.push(next_funding_ns);
            }
            _ => return false,
        }
        self.ts_event.push(timed.ts_event);
        self.ts_init.push(timed.ts_init);
        self.bytes += 16;
        true
    }

    fn raw_values(&mut self, values: &[i128]) {
        for (column, value) in self.raws.iter_mut().zip(values) {
            column.extend_from_slice(&value.to_le_bytes());
        }
        self.bytes += values.len() * 16;
    }

    /// Moves the buffered rows into a record batch of `schema` and empties the buffers.
    pub fn take_batch(&mut self, schema: &SchemaRef) -> Result<RecordBatch, ArrowError> {
        let rows = self.ts_init.len();
        let mut columns: Vec<ArrayRef> = Vec::with_capacity(schema.fields().len());
        let raw = |bytes: Vec<u8>| -> Result<ArrayRef, ArrowError> {
            Ok(Arc::new(FixedSizeBinaryArray::try_new(RAW_BYTES, Buffer::from_vec(bytes), None)?))
        };
        let mut raws = std::mem::take(&mut self.raws).into_iter();
        let mut small = std::mem::take(&mut self.small).into_iter();
        let mut longs = std::mem::take(&mut self.longs).into_iter();
        let mut next_raw = || raws.next().map_or_else(|| raw(Vec::new()), raw);
        let mut next_small = || -> ArrayRef { Arc::new(UInt8Array::from(small.next().unwrap_or_default())) };
        let mut next_long = || -> ArrayRef { Arc::new(UInt64Array::from(longs.next().unwrap_or_default())) };
        match self.kind {
            DataKind::QuoteTick | DataKind::Bar | DataKind::MarkPriceUpdate | DataKind::IndexPriceUpdate => {
                for _ in 0..shape(self.kind).0 {
                    columns.push(next_raw()?);
                }
            }
            DataKind::TradeTick => {
                columns.push(next_raw()?);
                columns.push(next_raw()?);
                columns.push(next_small());
                columns.push(Arc::new(StringArray::from(std::mem::take(&mut self.text))));
            }
            DataKind::OrderBookDelta => {
                columns.push(next_small());
                columns.push(next_small());
                columns.push(next_raw()?);
                columns.push(next_raw()?);
                columns.push(next_long());
                columns.push(next_small());
                columns.push(next_long());
            }
            DataKind::FundingRateUpdate => {
                columns.push(Arc::new(StringArray::from(vec![&*self.instrument_id; rows])));
                columns.push(Arc::new(StringArray::from(std::mem::take(&mut self.text))));
                columns.push(Arc::new(UInt64Array::from(std::mem::take(&mut self.optional))));
            }
        }
        columns.push(Arc::new(UInt64Array::from(std::mem::take(&mut self.ts_event))));
        columns.push(Arc::new(UInt64Array::from(std::mem::take(&mut self.ts_init))));
        if self.kind == DataKind::IndexPriceUpdate {
            columns.push(Arc::new(StringArray::from(vec![&*self.instrument_id; rows])));
            columns.push(Arc::new(UInt8Array::from(vec![self.price_precision; rows])));
        }
        let (raws, small, longs) = shape(self.kind);
        self.raws = vec![Vec::new(); raws];
        self.small = vec![Vec::new(); small];
        self.longs = vec![Vec::new(); longs];
        self.bytes = 0;
        RecordBatch::try_new(Arc::clone(schema), columns)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow_array::Array;

    fn key(kind: DataKind) -> StreamKey {
        StreamKey {
            kind,
            instrument_id: Arc::from("BTCUSD.DELTA_EXCHANGE"),
            bar_type: None,
            price_precision: 1,
            size_precision: 0,
        }
    }

    #[test]
    fn batches_hold_the_rows_in_schema_order() {
        let key = key(DataKind::OrderBookDelta);
        let mut columns = Columns::new(&key);
        let delta = |action, ts| TimedRow {
            row: Row::Delta { action, side: 1, price: 684_525 * 10i128.pow(15), size: 7, flags: 128, sequence: 9 },
            ts_event: ts,
            ts_init: ts + 1,
        };
        assert!(columns.push(delta(1, 10)) && columns.push(delta(2, 20)));
        assert!(!columns.push(TimedRow { row: Row::Price { value: 1 }, ts_event: 1, ts_init: 1 }));
        assert_eq!(columns.len(), 2);
        let batch = columns.take_batch(&key.schema()).unwrap();
        assert!(columns.is_empty() && columns.bytes() == 0);
        assert_eq!(batch.num_rows(), 2);
        let price = batch.column(2).as_any().downcast_ref::<FixedSizeBinaryArray>().unwrap();
        assert_eq!(price.value(0), (684_525 * 10i128.pow(15)).to_le_bytes());
        let ts_init = batch.column(8).as_any().downcast_ref::<UInt64Array>().unwrap();
        assert_eq!(ts_init.values().to_vec(), [11, 21]);
        // The buffers start over for the next row group.
        assert!(columns.push(delta(3, 30)));
        assert_eq!(columns.take_batch(&key.schema()).unwrap().num_rows(), 1);
    }

    #[test]
    fn funding_rows_carry_their_instrument_and_optional_next_time() {
        let key = key(DataKind::FundingRateUpdate);
        let mut columns = Columns::new(&key);
        let rate = |next| Row::Funding { rate: "0.000034".into(), next_funding_ns: next };
        columns.push(TimedRow { row: rate(Some(5)), ts_event: 1, ts_init: 2 });
        columns.push(TimedRow { row: rate(None), ts_event: 3, ts_init: 4 });
        let batch = columns.take_batch(&key.schema()).unwrap();
        let ids = batch.column(0).as_any().downcast_ref::<StringArray>().unwrap();
        assert_eq!(ids.value(1), "BTCUSD.DELTA_EXCHANGE");
        assert!(batch.column(2).is_null(1) && !batch.column(2).is_null(0));
    }
}
