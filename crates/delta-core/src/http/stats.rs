//! Counters of the REST client: every attempt by endpoint, its outcome and its latency.
//!
//! An endpoint is labelled `METHOD /v2/path` with path parameters kept as their template
//! (`GET /v2/tickers/{symbol}`), so the number of labels stays bounded. Each HTTP exchange is one attempt:
//! a GET retried twice counts three. Latency percentiles are exact over the most recent
//! [`LATENCY_WINDOW`] attempts of an endpoint; `max` is over the client's lifetime.

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use crate::error::DeltaError;

/// Attempts per endpoint whose latencies the percentiles are computed over.
pub const LATENCY_WINDOW: usize = 1024;

/// Endpoints that place orders; their outcomes make up [`RestStats::orders`].
const ORDER_ENDPOINTS: [&str; 3] = ["POST /v2/orders", "POST /v2/orders/batch", "POST /v2/orders/bracket"];

/// How one attempt ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Outcome {
    /// A 2xx answer with `success: true`.
    Ok,
    /// Delta answered a 4xx/2xx with an API error (a business rejection or a refused request).
    ApiError,
    /// HTTP 429.
    RateLimited,
    /// A 5xx answer (maintenance, overload), in Delta's error shape or not.
    ServerError,
    /// No answer within the timeout.
    Timeout,
    /// Connection, TLS or reset failure.
    Transport,
    /// Anything else (a body that does not decode, a foreign 4xx page).
    Other,
}

impl Outcome {
    /// The outcome of a failed attempt.
    pub fn of_error(error: &DeltaError) -> Self {
        match error {
            DeltaError::Api { status, .. } | DeltaError::Http { status, .. } if *status >= 500 => Self::ServerError,
            DeltaError::Api { .. } => Self::ApiError,
            DeltaError::RateLimited { .. } => Self::RateLimited,
            DeltaError::Timeout { .. } => Self::Timeout,
            DeltaError::Transport { .. } => Self::Transport,
            _ => Self::Other,
        }
    }
}

/// The running counters of one endpoint.
#[derive(Debug, Default)]
struct EndpointCounters {
    outcomes: OutcomeCounts,
    recent_us: Vec<u64>,
    next: usize,
    max_us: u64,
}

impl EndpointCounters {
    fn record(&mut self, outcome: Outcome, latency: Duration) {
        self.outcomes.add(outcome);
        let micros = u64::try_from(latency.as_micros()).unwrap_or(u64::MAX);
        self.max_us = self.max_us.max(micros);
        if self.recent_us.len() < LATENCY_WINDOW {
            self.recent_us.push(micros);
        } else {
            self.recent_us[self.next] = micros;
        }
        self.next = (self.next + 1) % LATENCY_WINDOW;
    }

    fn snapshot(&self) -> EndpointStats {
        let mut sorted = self.recent_us.clone();
        sorted.sort_unstable();
        let percentile = |p: usize| -> Duration {
            match sorted.len() {
                0 => Duration::ZERO,
                n => Duration::from_micros(sorted[((n * p).div_ceil(100)).clamp(1, n) - 1]),
            }
        };
        EndpointStats {
            outcomes: self.outcomes,
            latency_p50: percentile(50),
            latency_p90: percentile(90),
            latency_p99: percentile(99),
            latency_max: Duration::from_micros(self.max_us),
        }
    }
}

/// Attempts of one endpoint by outcome.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct OutcomeCounts {
    /// Answered with `success: true`.
    pub ok: u64,
    /// Answered with a Delta API error below 500 (a rejection).
    pub api_errors: u64,
    /// Answered with HTTP 429.
    pub rate_limited: u64,
    /// Answered with a 5xx (maintenance, overload).
    pub server_errors: u64,
    /// No answer within the timeout.
    pub timeouts: u64,
    /// Connection, TLS or reset failures.
    pub transport_errors: u64,
    /// Other failures (undecodable bodies, foreign 4xx pages).
    pub other_errors: u64,
}

impl OutcomeCounts {
    fn add(&mut self, outcome: Outcome) {
        let field = match outcome {
            Outcome::Ok => &mut self.ok,
            Outcome::ApiError => &mut self.api_errors,
            Outcome::RateLimited => &mut self.rate_limited,
            Outcome::ServerError => &mut self.server_errors,
            Outcome::Timeout => &mut self.timeouts,
            Outcome::Transport => &mut self.transport_errors,
            Outcome::Other => &mut self.other_errors,
        };
        *field += 1;
    }

    fn merge(&mut self, other: &Self) {
        self.ok += other.ok;
        self.api_errors += other.api_errors;
        self.rate_limited += other.rate_limited;
        self.server_errors += other.server_errors;
        self.timeouts += other.timeouts;
        self.transport_errors += other.transport_errors;
        self.other_errors += other.other_errors;
    }

    /// Every attempt.
    pub fn calls(&self) -> u64 {
        self.ok + self.errors()
    }

    /// Every attempt that did not end in `success: true`.
    pub fn errors(&self) -> u64 {
        self.api_errors
            + self.rate_limited
            + self.server_errors
            + self.timeouts
            + self.transport_errors
            + self.other_errors
    }
}

/// A copy of one endpoint's counters.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct EndpointStats {
    /// Attempts by outcome.
    pub outcomes: OutcomeCounts,
    /// Median latency over the recent window.
    pub latency_p50: Duration,
    /// 90th percentile latency over the recent window.
    pub latency_p90: Duration,
    /// 99th percentile latency over the recent window.
    pub latency_p99: Duration,
    /// Highest latency seen.
    pub latency_max: Duration,
}

/// A copy of the REST client's counters.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RestStats {
    /// Per endpoint label (`"GET /v2/orders"`).
    pub endpoints: BTreeMap<String, EndpointStats>,
    /// Requests refused by the client-side rate limiter before anything was sent.
    pub refused_locally: u64,
}

impl RestStats {
    /// Outcomes of the order-placing endpoints (single, batch and bracket placements) together.
    pub fn orders(&self) -> OutcomeCounts {
        let mut total = OutcomeCounts::default();
        for (label, stats) in &self.endpoints {
            if ORDER_ENDPOINTS.contains(&label.as_str()) {
                total.merge(&stats.outcomes);
            }
        }
        total
    }

    /// Attempts over every endpoint.
    pub fn calls(&self) -> u64 {
        self.endpoints.values().map(|e| e.outcomes.calls()).sum()
    }

    /// HTTP 429 answers over every endpoint.
    pub fn rate_limited(&self) -> u64 {
        self.endpoints.values().map(|e| e.outcomes.rate_limited).sum()
    }
}

/// The collector the transport writes into (one per client; REST calls are not a hot path, a mutex is
/// cheaper than the request it counts).
#[derive(Debug, Default)]
pub(crate) struct RestCounters {
    endpoints: Mutex<HashMap<String, EndpointCounters>>,
    refused_locally: AtomicU64,
}

impl RestCounters {
    /// Counts one attempt of `label`.
    pub fn record(&self, label: &str, outcome: Outcome, latency: Duration) {
        let mut endpoints = self.endpoints.lock().unwrap_or_else(PoisonError::into_inner);
        match endpoints.get_mut(label) {
            Some(counters) => counters.record(outcome, latency),
            None => {
                let mut counters = EndpointCounters::default();
                counters.record(outcome, latency);
                endpoints.insert(label.to_owned(), counters);
            }
        }
    }

    /// Counts a request the client-side limiter refused.
    pub fn refused_locally(&self) {
        self.refused_locally.fetch_add(1, Ordering::Relaxed);
    }

    /// A copy of every counter.
    pub fn snapshot(&self) -> RestStats {
        let endpoints = self.endpoints.lock().unwrap_or_else(PoisonError::into_inner);
        RestStats {
            endpoints: endpoints.iter().map(|(label, counters)| (label.clone(), counters.snapshot())).collect(),
            refused_locally: self.refused_locally.load(Ordering::Relaxed),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(value: u64) -> Duration {
        Duration::from_millis(value)
    }

    #[test]
    fn percentiles_are_exact_over_the_recent_window() {
        let counters = RestCounters::default();
        for latency in 1..=100 {
            counters.record("GET /v2/tickers", Outcome::Ok, ms(latency));
        }
        let stats = counters.snapshot().endpoints["GET /v2/tickers"];
        assert_eq!(stats.outcomes.ok, 100);
        assert_eq!((stats.latency_p50, stats.latency_p90, stats.latency_p99), (ms(50), ms(90), ms(99)));
        assert_eq!(stats.latency_max, ms(100));
    }

    #[test]
    fn the_window_forgets_old_latencies_but_not_the_maximum() {
        let counters = RestCounters::default();
        counters.record("GET /v2/orders", Outcome::Ok, ms(5_000));
        for _ in 0..LATENCY_WINDOW {
            counters.record("GET /v2/orders", Outcome::Ok, ms(2));
        }
        let stats = counters.snapshot().endpoints["GET /v2/orders"];
        assert_eq!((stats.latency_p50, stats.latency_p99), (ms(2), ms(2)));
        assert_eq!(stats.latency_max, ms(5_000));
        assert_eq!(stats.outcomes.calls(), LATENCY_WINDOW as u64 + 1);
    }

    #[test]
    fn outcomes_are_counted_by_kind_and_orders_sum_the_placing_endpoints() {
        let counters = RestCounters::default();
        let outcomes = [Outcome::Ok, Outcome::ApiError, Outcome::RateLimited, Outcome::ServerError, Outcome::Timeout];
        for outcome in outcomes {
            counters.record("POST /v2/orders", outcome, ms(1));
        }
        counters.record("POST /v2/orders/batch", Outcome::Transport, ms(1));
        counters.record("DELETE /v2/orders", Outcome::Ok, ms(1));
        counters.refused_locally();
        let stats = counters.snapshot();
        let orders = stats.orders();
        assert_eq!(orders.calls(), 6);
        assert_eq!((orders.ok, orders.api_errors, orders.rate_limited), (1, 1, 1));
        assert_eq!((orders.server_errors, orders.timeouts, orders.transport_errors), (1, 1, 1));
        assert_eq!(orders.errors(), 5);
        assert_eq!(stats.calls(), 7);
        assert_eq!(stats.rate_limited(), 1);
        assert_eq!(stats.refused_locally, 1);
    }

    #[test]
    fn errors_map_to_outcomes() {
        let endpoint = "GET /v2/orders".to_owned();
        let timeout = DeltaError::Timeout { endpoint: endpoint.clone(), elapsed: ms(10) };
        assert_eq!(Outcome::of_error(&timeout), Outcome::Timeout);
        let transport = DeltaError::Transport { endpoint, message: "reset".into() };
        assert_eq!(Outcome::of_error(&transport), Outcome::Transport);
        assert_eq!(Outcome::of_error(&DeltaError::Config("x".into())), Outcome::Other);
    }
}
