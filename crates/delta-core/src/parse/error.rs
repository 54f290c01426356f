//! The one error type of frame decoding: what went wrong, on which channel, and the start of the frame.

use std::fmt;

/// The class of a [`ParseErrorKind`], without its data: the key of the error counters in
/// [`ParseStats`](super::ParseStats).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorClass {
    /// Not JSON, not an object, or a value of the wrong JSON type.
    Malformed,
    /// A `type` no decoder knows on this endpoint.
    UnknownChannel,
    /// A required field is absent or `null`.
    MissingField,
    /// A value outside the documented set (side, action, state, role, ...).
    UnknownEnumValue,
    /// A number that is not a valid decimal or integer.
    InvalidNumber,
}

impl ErrorClass {
    /// Every class, in counter order.
    pub const ALL: [ErrorClass; 5] = [
        ErrorClass::Malformed,
        ErrorClass::UnknownChannel,
        ErrorClass::MissingField,
        ErrorClass::UnknownEnumValue,
        ErrorClass::InvalidNumber,
    ];

    /// Position in [`ErrorClass::ALL`].
    pub const fn index(self) -> usize {
        self as usize
    }
}

/// What exactly could not be decoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ParseErrorKind {
    /// The frame (or a part of it) is not well-formed JSON of the expected JSON type.
    Malformed(String),
    /// The message `type` is not a channel of this endpoint.
    UnknownChannel(String),
    /// A required field is absent or `null`.
    MissingField(String),
    /// A field holds a value outside the documented set.
    UnknownEnumValue {
        /// The field name.
        field: &'static str,
        /// The value received.
        value: String,
    },
    /// A numeric field holds something that is not a valid number of the expected kind.
    InvalidNumber {
        /// The field name.
        field: &'static str,
        /// The raw JSON text received.
        value: String,
    },
}

impl ParseErrorKind {
    /// The class of this error, for counting.
    pub const fn class(&self) -> ErrorClass {
        match self {
            ParseErrorKind::Malformed(_) => ErrorClass::Malformed,
            ParseErrorKind::UnknownChannel(_) => ErrorClass::UnknownChannel,
            ParseErrorKind::MissingField(_) => ErrorClass::MissingField,
            ParseErrorKind::UnknownEnumValue { .. } => ErrorClass::UnknownEnumValue,
            ParseErrorKind::InvalidNumber { .. } => ErrorClass::InvalidNumber,
        }
    }

    /// Maps a serde_json error of a typed (model) decode to a kind: missing fields and unknown variants
    /// keep their class, everything else is malformed.
    pub(crate) fn from_serde(error: &serde_json::Error) -> Self {
        let text = error.to_string();
        if let Some(rest) = text.strip_prefix("missing field `") {
            let field = rest.split('`').next().unwrap_or_default();
            return ParseErrorKind::MissingField(field.to_owned());
        }
        if let Some(rest) = text.strip_prefix("unknown variant `") {
            let value = rest.split('`').next().unwrap_or_default();
            return ParseErrorKind::UnknownEnumValue { field: "enum", value: value.to_owned() };
        }
        ParseErrorKind::Malformed(text)
    }
}

impl fmt::Display for ParseErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ParseErrorKind::Malformed(message) => write!(f, "malformed frame: {message}"),
            ParseErrorKind::UnknownChannel(name) => write!(f, "unknown channel {name:?}"),
            ParseErrorKind::MissingField(field) => write!(f, "missing field `{field}`"),
            ParseErrorKind::UnknownEnumValue { field, value } => write!(f, "unknown value {value:?} for `{field}`"),
            ParseErrorKind::InvalidNumber { field, value } => write!(f, "invalid number {value} for `{field}`"),
        }
    }
}

/// A frame that could not be decoded. `Display` names the channel and the start of the frame.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("cannot decode {} frame: {kind}; frame starts {excerpt:?}", channel.unwrap_or("socket"))]
pub struct ParseError {
    /// What went wrong.
    pub kind: ParseErrorKind,
    /// The channel, when the frame's `type` was recognised.
    pub channel: Option<&'static str>,
    /// The first [`EXCERPT_CHARS`](crate::error::EXCERPT_CHARS) characters of the frame.
    pub excerpt: String,
}

impl ParseError {
    /// Builds the error for `frame`, keeping only its start.
    pub fn new(kind: ParseErrorKind, channel: Option<&'static str>, frame: &[u8]) -> Self {
        Self { kind, channel, excerpt: crate::error::excerpt(frame) }
    }

    /// The class of the error, for counting.
    pub const fn class(&self) -> ErrorClass {
        self.kind.class()
    }
}

impl From<ParseError> for crate::error::DeltaError {
    fn from(error: ParseError) -> Self {
        crate::error::DeltaError::Decode {
            what: error.channel.unwrap_or("socket frame").to_owned(),
            message: error.kind.to_string(),
            excerpt: error.excerpt,
        }
    }
}
