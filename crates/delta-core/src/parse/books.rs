//! Book channels into [`BookMessage`]: `ob_updates`/`l2_updates` (snapshot, update, error) and the periodic
//! full snapshots `ob_l2`/`l2_orderbook` (REFERENCE 9.4, 9.5, 9.7).

use serde::Deserialize;
use serde_json::value::RawValue;

use super::book_message::{BookAction, BookMessage, RawLevel};
use super::error::ParseErrorKind;
use super::fields::{scalar, FieldResult, Fields};

/// The key names of one incremental book channel.
struct IncrementalKeys {
    asks: &'static str,
    bids: &'static str,
    seq: &'static str,
    symbol: &'static str,
    timestamp: &'static str,
}

/// `ob_updates` (compact keys).
pub(crate) fn ob_updates<'a>(fields: &mut Fields<'a>) -> FieldResult<BookMessage<'a>> {
    incremental(fields, &IncrementalKeys { asks: "a", bids: "b", seq: "seq", symbol: "sy", timestamp: "ts" })
}

/// Legacy `l2_updates`.
pub(crate) fn l2_updates<'a>(fields: &mut Fields<'a>) -> FieldResult<BookMessage<'a>> {
    incremental(
        fields,
        &IncrementalKeys { asks: "asks", bids: "bids", seq: "sequence_no", symbol: "symbol", timestamp: "timestamp" },
    )
}

fn book_action(text: &str) -> Option<BookAction> {
    match text {
        "snapshot" => Some(BookAction::Snapshot),
        "update" => Some(BookAction::Update),
        "error" => Some(BookAction::Error),
        _ => None,
    }
}

fn incremental<'a>(fields: &mut Fields<'a>, keys: &IncrementalKeys) -> FieldResult<BookMessage<'a>> {
    let action = fields.enumerated("action", book_action)?;
    // The error message uses `symbol` on both channels (REFERENCE 9.5); accept either key everywhere.
    let symbol = match fields.opt_str(keys.symbol)? {
        Some(symbol) => symbol,
        None => fields.str("symbol")?,
    };
    if action == BookAction::Error {
        return Ok(BookMessage {
            symbol,
            action,
            asks: Vec::new(),
            bids: Vec::new(),
            seq: None,
            checksum: None,
            timestamp_us: fields.opt_micros(keys.timestamp)?,
            error_message: fields.opt_text("msg")?,
        });
    }
    Ok(BookMessage {
        symbol,
        action,
        // A side without changes may be sent empty or, presumably, left out (inferred): both read as empty.
        asks: side(fields, keys.asks)?,
        bids: side(fields, keys.bids)?,
        seq: Some(fields.int(keys.seq)?),
        checksum: fields.opt_int("cs")?,
        timestamp_us: fields.opt_micros(keys.timestamp)?,
        error_message: None,
    })
}

fn side<'a>(fields: &mut Fields<'a>, key: &'static str) -> FieldResult<Vec<RawLevel<'a>>> {
    if fields.has(key) {
        fields.levels(key)
    } else {
        Ok(Vec::new())
    }
}

/// `ob_l2`: top levels every 500 ms, a full replacement each time.
pub(crate) fn ob_l2<'a>(fields: &mut Fields<'a>) -> FieldResult<BookMessage<'a>> {
    Ok(BookMessage {
        symbol: fields.str("sy")?,
        action: BookAction::Snapshot,
        asks: fields.levels("a")?,
        bids: fields.levels("b")?,
        seq: None,
        checksum: None,
        timestamp_us: fields.opt_micros("ts")?,
        error_message: None,
    })
}

/// Legacy `l2_orderbook`: levels are `{limit_price, size, depth}` objects; `size` is a number for
/// contracts and a string on spot, and the level keeps whichever token text was sent.
pub(crate) fn l2_orderbook<'a>(fields: &Fields<'a>) -> FieldResult<BookMessage<'a>> {
    Ok(BookMessage {
        symbol: fields.str("symbol")?,
        action: BookAction::Snapshot,
        asks: object_levels(fields, "sell")?,
        bids: object_levels(fields, "buy")?,
        seq: None,
        checksum: None,
        timestamp_us: fields.opt_micros("timestamp")?,
        error_message: None,
    })
}

#[derive(Deserialize)]
struct ObjectLevel<'a> {
    #[serde(borrow)]
    limit_price: &'a RawValue,
    #[serde(borrow)]
    size: &'a RawValue,
}

fn object_levels<'a>(fields: &Fields<'a>, key: &'static str) -> FieldResult<Vec<RawLevel<'a>>> {
    let raw = fields.raw(key).ok_or_else(|| ParseErrorKind::MissingField(key.to_owned()))?;
    let levels: Vec<ObjectLevel<'a>> = serde_json::from_str(raw).map_err(|e| ParseErrorKind::from_serde(&e))?;
    levels
        .into_iter()
        .map(|level| {
            Ok(RawLevel {
                price: scalar(level.limit_price.get(), "limit_price")?,
                size: scalar(level.size.get(), "size")?,
            })
        })
        .collect()
}
