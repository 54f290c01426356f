//! Pre-trade risk checks (DESIGN 7): every order is checked against the configured limits before it leaves
//! the process, and a refusal names the rule and the numbers.
//!
//! [`RiskEngine`] holds what the checks read — instruments with their limits ([`RiskLimits`]: account
//! defaults, per-instrument overrides), marks, signed positions, open orders, the equity baseline of the UTC
//! day, MMP freezes per underlying asset, a sliding one-second window of accepted orders — and
//! [`RiskEngine::check`] accepts an [`OrderIntent`] or refuses it with a [`RiskRejection`].

mod daily;
mod engine;
mod limits;
mod rejection;
mod state;
mod window;

pub use engine::{MmpFreeze, OrderIntent, RiskEngine, RiskStats};
pub use limits::RiskLimits;
pub use rejection::{NotionalTerms, RiskRejection, RiskResult, Rule, Scope};

#[cfg(test)]
mod tests;
