//! The REST client: signed requests, retries, pagination and the weighted rate limiter.

pub mod rate_limit;
