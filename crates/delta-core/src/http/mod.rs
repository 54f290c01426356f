//! The REST client: signed requests, retries, pagination and the weighted rate limiter.
//!
//! [`DeltaHttpClient`] wraps one reqwest connection pool, the request [`Signer`](crate::auth::Signer) and the
//! client-side [`RateLimiter`](rate_limit::RateLimiter). Every endpoint (grouped by resource in
//! [`market`], [`orders`], [`positions`], [`wallet`] and [`account`]) goes through one transport function
//! that builds the query string and body bytes once, signs
//! `METHOD + timestamp + /v2/path + ?query + body` for private calls, always sends `User-Agent` and
//! `Accept: application/json` (plus `Content-Type` with a body; `DELETE` requests carry and sign their JSON
//! body), charges the rate limiter with the endpoint's weight (and the per-product operations of
//! placements, edits and batches), and maps the answer:
//!
//! | answer | result |
//! |---|---|
//! | 2xx `{"success":true,"result":..}` | the typed result |
//! | 2xx `{"success":false,"error":..}` | [`DeltaError::Api`](crate::DeltaError::Api) |
//! | 2xx body that does not decode | [`DeltaError::Decode`](crate::DeltaError::Decode) with endpoint and excerpt |
//! | 429 | [`DeltaError::RateLimited`](crate::DeltaError::RateLimited) with `X-RATE-LIMIT-RESET` (or [`HttpClientConfig::default_rate_limit_reset`]); the limiter pauses for that long |
//! | other status, Delta error body (either shape) | [`DeltaError::Api`](crate::DeltaError::Api) |
//! | other status, foreign body (HTML, empty) | [`DeltaError::Http`](crate::DeltaError::Http) with an excerpt |
//! | no answer within [`HttpClientConfig::timeout`] | [`DeltaError::Timeout`](crate::DeltaError::Timeout) |
//! | connect/TLS/reset failure | [`DeltaError::Transport`](crate::DeltaError::Transport) |
//!
//! A private endpoint called without credentials fails with [`DeltaError::Config`](crate::DeltaError::Config)
//! before anything is sent. Invalid arguments Delta would reject (empty or oversized batches, more than 10
//! `product_ids`, `client_order_id` over 32 characters, `limit_price` on a market order, size ≤ 0) fail
//! with [`DeltaError::InvalidRequest`](crate::DeltaError::InvalidRequest) locally.
//!
//! # Retry and timeout policy
//!
//! * **GETs** are idempotent: after a timeout, a transport error or a 5xx they are retried up to
//!   [`HttpClientConfig::max_retries`] times, waiting an exponential backoff with full jitter (uniformly
//!   random in `[0, min(retry_max_delay, retry_base_delay × 2^n)]`). A 429 on a GET waits out the announced
//!   reset and retries, unless the reset exceeds [`HttpClientConfig::max_rate_limit_wait`] (then the
//!   `RateLimited` error is returned). 4xx and decode errors are never retried. Each attempt is signed
//!   afresh (Delta's signatures expire after 5 s).
//! * **Mutations** (POST/PUT/DELETE) are **never retried**: a 429, 4xx or 5xx is returned as the error.
//! * **Order placement with a `client_order_id`** whose outcome is unknown (a timeout, or a transport error
//!   after the connection was up, so the order may have reached Delta) is settled by looking the order up
//!   with `GET /v2/orders/client_order_id/{client_order_id}`, up to
//!   [`HttpClientConfig::order_lookup_attempts`] times with backoff. Found → the order is returned as the
//!   placement's result. Not found after every look-up (or the look-ups fail) →
//!   [`DeltaError::OrderStateUnknown`](crate::DeltaError::OrderStateUnknown) with the reason; the caller
//!   may resubmit with the same `client_order_id` (Delta refuses duplicates among open orders). Without a
//!   `client_order_id` the timeout error itself is returned: nothing can settle the outcome but the private
//!   socket or a later open-orders reconciliation.
//!
//! # Statistics
//!
//! Every attempt is counted by endpoint template and outcome with its latency ([`DeltaHttpClient::rest_stats`],
//! [`stats`]); the rate limiter's own view is [`DeltaHttpClient::rate_limit_status`].
//!
//! # Pagination
//!
//! Paginated endpoints return one page plus [`PageMeta`](crate::model::PageMeta); the `*_all` methods walk
//! `meta.after` until it is `null`, failing on a repeated cursor and after [`HttpClientConfig::max_pages`].

pub mod account;
mod client;
mod config;
pub mod market;
pub mod orders;
mod paginate;
pub mod positions;
mod query;
pub mod rate_limit;
mod response;
mod retry;
pub mod stats;
#[cfg(test)]
mod tests;
pub mod wallet;

pub use client::DeltaHttpClient;
pub use config::HttpClientConfig;
pub use market::{CandleResolution, CandlesQuery, ProductsQuery, TickersQuery, MAX_CANDLES_PER_REQUEST};
pub use orders::{BatchOutcome, OpenOrdersQuery, OrderFilter, OrderHistoryQuery, OrderTypeFilter};
pub use paginate::{Page, PageRequest};
pub use positions::MarginedPositionsQuery;
pub use query::MAX_LIST_ITEMS;
pub use stats::{EndpointStats, OutcomeCounts, RestStats};
pub use wallet::{FillsQuery, WalletBalances, WalletTransactionsQuery};
