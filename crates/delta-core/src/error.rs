//! One error type for the whole client, with Delta's error codes as variants.

use std::fmt;
use std::time::Duration;

use serde::Deserialize;
use serde_json::value::RawValue;

/// Longest excerpt of a payload kept in an error (characters).
pub const EXCERPT_CHARS: usize = 200;

/// Everything that can go wrong talking to Delta.
#[derive(Debug, thiserror::Error)]
pub enum DeltaError {
    /// The request never produced an HTTP response (connect, TLS, reset, DNS).
    #[error("transport error on {endpoint}: {message}")]
    Transport {
        /// `METHOD /path` of the request.
        endpoint: String,
        /// What the transport reported.
        message: String,
    },
    /// No response within the configured timeout. For a mutation the outcome is unknown.
    #[error("timeout on {endpoint} after {elapsed:?}")]
    Timeout {
        /// `METHOD /path` of the request.
        endpoint: String,
        /// How long the client waited.
        elapsed: Duration,
    },
    /// Delta answered with an error code, in either of its two body shapes.
    #[error("Delta API error {code} (HTTP {status}) on {endpoint}{}", fmt_detail(message, context))]
    Api {
        /// `METHOD /path` of the request.
        endpoint: String,
        /// HTTP status of the answer.
        status: u16,
        /// The error code (`error.code` of the envelope or the string `error` of the gateway shape).
        code: ApiErrorCode,
        /// The gateway shape's `message`, when present.
        message: Option<String>,
        /// The envelope's `error.context` as JSON text, when present.
        context: Option<String>,
    },
    /// HTTP 429: the weighted quota or the per-product limit is exhausted.
    #[error("rate limited on {endpoint}: retry after {reset_after:?}")]
    RateLimited {
        /// `METHOD /path` of the request.
        endpoint: String,
        /// Time until the window resets, from `X-RATE-LIMIT-RESET`.
        reset_after: Duration,
    },
    /// A non-success HTTP status whose body is not one of Delta's error shapes.
    #[error("HTTP {status} on {endpoint}: {excerpt}")]
    Http {
        /// `METHOD /path` of the request.
        endpoint: String,
        /// HTTP status.
        status: u16,
        /// The start of the body.
        excerpt: String,
    },
    /// A payload that does not match the expected shape.
    #[error("cannot decode {what}: {message}; payload starts {excerpt:?}")]
    Decode {
        /// What was being decoded (endpoint or channel).
        what: String,
        /// The decoder's message.
        message: String,
        /// The start of the payload.
        excerpt: String,
    },
    /// A request refused before it left the process (bad argument, batch too large, ...).
    #[error("invalid request: {0}")]
    InvalidRequest(String),
    /// Missing or inconsistent configuration (credentials, URLs).
    #[error("configuration error: {0}")]
    Config(String),
    /// An order placement timed out and a look-up by `client_order_id` could not settle its fate.
    #[error("order {client_order_id} outcome unknown after timeout: {reason}")]
    OrderStateUnknown {
        /// The client order id that was sent.
        client_order_id: String,
        /// Why the look-up did not settle it.
        reason: String,
    },
}

fn fmt_detail(message: &Option<String>, context: &Option<String>) -> String {
    let mut out = String::new();
    if let Some(message) = message {
        out.push_str(": ");
        out.push_str(message);
    }
    if let Some(context) = context {
        out.push_str(" context=");
        out.push_str(context);
    }
    out
}

/// Result alias for the crate.
pub type DeltaResult<T> = Result<T, DeltaError>;

impl DeltaError {
    /// Builds a decode error with a short excerpt of the payload.
    pub fn decode(what: impl Into<String>, message: impl fmt::Display, payload: &[u8]) -> Self {
        Self::Decode { what: what.into(), message: message.to_string(), excerpt: excerpt(payload) }
    }

    /// The API error code, when this is an API error.
    pub fn api_code(&self) -> Option<&ApiErrorCode> {
        match self {
            Self::Api { code, .. } => Some(code),
            _ => None,
        }
    }

    /// True for failures worth retrying on an idempotent request (timeouts, transport, 5xx).
    pub fn is_retryable(&self) -> bool {
        match self {
            Self::Timeout { .. } | Self::Transport { .. } => true,
            Self::Http { status, .. } | Self::Api { status, .. } => *status >= 500,
            _ => false,
        }
    }

    /// True for authentication and permission failures.
    pub fn is_auth(&self) -> bool {
        matches!(self.api_code(), Some(code) if code.is_auth())
    }
}

/// The first [`EXCERPT_CHARS`] characters of a payload, lossily decoded.
pub fn excerpt(payload: &[u8]) -> String {
    let head = &payload[..payload.len().min(EXCERPT_CHARS * 4)];
    String::from_utf8_lossy(head).chars().take(EXCERPT_CHARS).collect()
}

macro_rules! api_error_codes {
    ($($(#[$doc:meta])* $variant:ident = $text:literal,)*) => {
        /// Every error code REFERENCE section 3.3 lists; unknown codes are kept as text.
        #[derive(Debug, Clone, PartialEq, Eq, Hash)]
        pub enum ApiErrorCode {
            $($(#[$doc])* $variant,)*
            /// A code this client does not know, kept verbatim.
            Other(String),
        }

        impl ApiErrorCode {
            /// The code as Delta writes it.
            pub fn as_str(&self) -> &str {
                match self {
                    $(Self::$variant => $text,)*
                    Self::Other(text) => text,
                }
            }

            /// Maps Delta's text to a variant; unknown text becomes [`ApiErrorCode::Other`].
            pub fn from_code(text: &str) -> Self {
                match text {
                    $($text => Self::$variant,)*
                    other => Self::Other(other.to_owned()),
                }
            }
        }
    };
}

api_error_codes! {
    /// Gateway: timestamp older than 5 s.
    SignatureExpired = "SignatureExpired",
    /// Gateway: unknown key or wrong environment.
    InvalidApiKeyGateway = "InvalidApiKey",
    /// Envelope: unknown key.
    InvalidApiKey = "invalid_api_key",
    /// Envelope: bad signature (ccxt's form).
    InvalidSignature = "invalid_signature",
    /// Envelope: bad signature (docs' form, with a space).
    SignatureMismatch = "Signature Mismatch",
    /// Gateway: the key lacks a permission.
    UnauthorizedApiAccess = "UnauthorizedApiAccess",
    /// The request IP is not whitelisted for the key.
    IpNotWhitelisted = "ip_not_whitelisted_for_api_key",
    /// Gateway, HTTP 403: no `User-Agent` or blocked IP.
    Forbidden = "Forbidden",
    /// Heartbeat API: unauthorized.
    Unauthorized = "unauthorized",
    /// Quota exhausted.
    RateLimitExceeded = "rate_limit_exceeded",
    /// The request does not match the schema.
    BadSchema = "bad_schema",
    /// Edit or cancel of an order that is not open.
    OpenOrderNotFound = "open_order_not_found",
    /// Service unavailable.
    Unavailable = "unavailable",
    /// Product unknown or expired.
    InvalidContract = "invalid_contract",
    /// Not enough margin.
    InsufficientMargin = "insufficient_margin",
    /// Not enough margin to close or reduce.
    ClosePositionInsufficientMargin = "close_position_insufficient_margin",
    /// Balance cannot cover the commission.
    InsufficientCommission = "insufficient_commission",
    /// The book lacks liquidity for the size.
    OrderSizeExceedAvailable = "order_size_exceed_available",
    /// Requested size not available at the price.
    OrderSizeNotAvailableInOrderbook = "order_size_not_available_in_orderbook",
    /// Market order on an empty book.
    NoLiquidityForMarketOrder = "no_liquidity_for_market_order",
    /// Risk limits breached.
    RiskLimitsBreached = "risk_limits_breached",
    /// Portfolio risk limits breached.
    PortfolioRiskLimitsBreached = "portfolio_risk_limits_breached",
    /// Account risk limits breached.
    AccountRiskLimitsBreached = "account_risk_limits_breached",
    /// Liquidation risk limits breached.
    LiquidationRiskLimitsBreached = "liquidation_risk_limits_breached",
    /// Greeks limits breached.
    GreeksLimitsBreached = "greeks_limits_breached",
    /// The order would liquidate the position immediately.
    ImmediateLiquidation = "immediate_liquidation",
    /// Price outside the position's bankruptcy limits.
    OutOfBankruptcy = "out_of_bankruptcy",
    /// Self match during an auction.
    SelfMatchingDisruptedPostOnly = "self_matching_disrupted_post_only",
    /// Would trade against an own resting order.
    OverlappingBuySellOrders = "overlapping_buy_sell_orders",
    /// A post-only order would take liquidity.
    ImmediateExecutionPostOnly = "immediate_execution_post_only",
    /// Naked short beyond the limit.
    NakedShortRestricted = "naked_short_restricted",
    /// Reduce-only order without a position.
    NoPositionForReduceOnly = "no_position_for_reduce_only",
    /// Reduce-only order with nothing left to reduce.
    NoPositionLeftForReduceOnly = "no_position_left_for_reduce_only",
    /// Leverage above the maximum.
    MaxLeverageExceeded = "max_leverage_exceeded",
    /// Leverage below the minimum.
    MinLeverageExceeded = "min_leverage_exceeded",
    /// Leverage limit exceeded.
    LeverageLimitExceeded = "leverage_limit_exceeded",
    /// Edit of a filled order.
    OrderAlreadyFilled = "order_already_filled",
    /// Size below the minimum.
    LessThanOrderMinSize = "less_than_order_min_size",
    /// Size above the maximum.
    OrderMaxSizeExceeded = "order_max_size_exceeded",
    /// Only reduce-only orders are allowed.
    ReduceOnlyOrdersAllowed = "reduce_only_orders_allowed",
    /// Only reduce-only sell orders are allowed.
    ReduceOnlyOrdersAllowedSellSide = "reduce_only_orders_allowed_sell_side",
    /// Trading blocked for the account.
    TradingBlocked = "trading_blocked",
    /// Derivatives trading blocked.
    DerivativesTradingBlocked = "derivatives_trading_blocked",
    /// Spot trading blocked.
    SpotTradingBlocked = "spot_trading_blocked",
    /// Spot blocked in the user's country.
    SpotBlockedCountry = "spot_blocked_country",
    /// KYC pending.
    KycPending = "kyc_pending",
    /// Trading credits breached.
    TradingCreditsBreached = "trading_credits_breached",
    /// Not allowed in the current margin mode.
    TradingNotAllowedOnCurrentMarginMode = "trading_not_allowed_on_current_margin_mode",
    /// Position under liquidation.
    PositionUnderLiquidation = "position_under_liquidation",
    /// Bracket conflict.
    PositionBracketExistOrInvalidData = "position_bracket_exist_or_invalid_data",
    /// No position for the requested action.
    NoOpenPosition = "no_open_position",
    /// Rejected as stale.
    StaleOrder = "stale_order",
    /// Size reduced by a reduce-only offset.
    OffsetByReduceOnly = "offset_by_reduce_only",
    /// Price-impact check impossible.
    Unsupported = "unsupported",
    /// Empty batch.
    NoOrders = "no_orders",
    /// Linked-accounts position limit exceeded.
    FamilyPositionLimitExceeded = "family_position_limit_exceeded",
    /// Too many open orders.
    MaxOrdersCountExceeded = "max_orders_count_exceeded",
}

impl ApiErrorCode {
    /// True for codes that mean the key, signature, timestamp or permissions are wrong.
    pub fn is_auth(&self) -> bool {
        matches!(
            self,
            Self::SignatureExpired
                | Self::InvalidApiKeyGateway
                | Self::InvalidApiKey
                | Self::InvalidSignature
                | Self::SignatureMismatch
                | Self::UnauthorizedApiAccess
                | Self::IpNotWhitelisted
                | Self::Forbidden
                | Self::Unauthorized
        )
    }
}

impl fmt::Display for ApiErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An error body in either of Delta's shapes, as parsed from the wire.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ErrorBody {
    /// The code.
    pub code: ApiErrorCode,
    /// The gateway shape's `message`.
    pub message: Option<String>,
    /// The envelope's `error.context` as JSON text.
    pub context: Option<String>,
}

#[derive(Deserialize)]
struct RawErrorBody<'a> {
    #[serde(borrow)]
    error: Option<&'a RawValue>,
    message: Option<String>,
}

#[derive(Deserialize)]
struct RawErrorObject<'a> {
    code: String,
    #[serde(borrow)]
    context: Option<&'a RawValue>,
    message: Option<String>,
}

impl ErrorBody {
    /// Parses `{"success":false,"error":{"code":..,"context":..}}` or `{"error":"Code","message":".."}`.
    /// Returns `None` when the body is neither.
    pub fn parse(body: &[u8]) -> Option<Self> {
        let raw: RawErrorBody = serde_json::from_slice(body).ok()?;
        let error = raw.error?;
        if let Ok(code) = serde_json::from_str::<String>(error.get()) {
            return Some(Self { code: ApiErrorCode::from_code(&code), message: raw.message, context: None });
        }
        let object: RawErrorObject = serde_json::from_str(error.get()).ok()?;
        Some(Self {
            code: ApiErrorCode::from_code(&object.code),
            message: object.message.or(raw.message),
            context: object.context.map(|c| c.get().to_owned()).filter(|c| c != "null"),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_both_error_shapes() {
        let envelope =
            br#"{"success":false,"error":{"code":"insufficient_margin","context":{"available_balance":"0"}}}"#;
        let body = ErrorBody::parse(envelope).unwrap();
        assert_eq!(body.code, ApiErrorCode::InsufficientMargin);
        assert_eq!(body.context.as_deref(), Some(r#"{"available_balance":"0"}"#));

        let gateway = br#"{"error":"SignatureExpired","message":"your signature has expired"}"#;
        let body = ErrorBody::parse(gateway).unwrap();
        assert_eq!(body.code, ApiErrorCode::SignatureExpired);
        assert_eq!(body.message.as_deref(), Some("your signature has expired"));

        let unknown = br#"{"success":false,"error":{"code":"brand_new_code"}}"#;
        assert_eq!(ErrorBody::parse(unknown).unwrap().code, ApiErrorCode::Other("brand_new_code".into()));
        assert!(ErrorBody::parse(b"<html>").is_none());
        assert!(ErrorBody::parse(br#"{"success":true,"result":{}}"#).is_none());
    }

    #[test]
    fn codes_round_trip() {
        for text in ["Signature Mismatch", "ip_not_whitelisted_for_api_key", "max_orders_count_exceeded"] {
            assert_eq!(ApiErrorCode::from_code(text).as_str(), text);
            assert!(!matches!(ApiErrorCode::from_code(text), ApiErrorCode::Other(_)));
        }
    }

    #[test]
    fn excerpt_is_bounded() {
        let long = vec![b'x'; 10_000];
        assert_eq!(excerpt(&long).len(), EXCERPT_CHARS);
    }
}
