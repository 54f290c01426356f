//! The Nautilus catalog side of a recording: data types and schemas, rows, and the normalizer.

pub mod normalize;
pub mod rows;
pub mod schema;

use arrow_array::RecordBatch;
use arrow_schema::SchemaRef;

use crate::files::RowBuffer;

pub use normalize::{Instrument, Normalizer, RowSink, Skipped, VENUE};
pub use rows::{Columns, Row, TimedRow};
pub use schema::{DataKind, StreamKey};

impl RowBuffer for Columns {
    fn rows(&self) -> usize {
        self.len()
    }

    fn bytes(&self) -> usize {
        Columns::bytes(self)
    }

    fn take_batch(&mut self, schema: &SchemaRef) -> Result<RecordBatch, arrow_schema::ArrowError> {
        Columns::take_batch(self, schema)
    }
}
