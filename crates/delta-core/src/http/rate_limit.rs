//! Client-side metering that mirrors Delta's REST quota and per-product limit (REFERENCE 4).
