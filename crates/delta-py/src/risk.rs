//! `RiskEngine`: the delta-core pre-trade risk checks (DESIGN 7) for Python. Prices, notionals and equity
//! cross as exact decimal strings; a refused order raises `DeltaRiskError` with `.rule`.

use delta_core::model::Side;
use delta_core::risk::{MmpFreeze, OrderIntent, RiskEngine as CoreEngine, RiskLimits, Rule};
use delta_core::Decimal;
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyDict, PyString};

use crate::errors::{guard, risk_error, to_py};

/// The pre-trade risk checks and the state they read (marks, positions, open orders, equity, MMP freezes).
#[pyclass(module = "delta_exchange._native")]
pub struct RiskEngine {
    engine: CoreEngine,
}

#[pymethods]
impl RiskEngine {
    /// An engine with these account limits (`None` or a missing key = that rule is off).
    #[new]
    #[pyo3(signature = (limits = None))]
    fn new(limits: Option<&Bound<'_, PyDict>>) -> PyResult<Self> {
        guard(|| Ok(Self { engine: CoreEngine::new(parse_limits("limits", limits)?) }))
    }

    /// Registers an instrument: its contract value, whether it is inverse, its underlying asset (MMP freezes
    /// are per asset) and its overrides of the account limits.
    #[pyo3(signature = (symbol, contract_value, inverse, underlying, limits = None))]
    fn set_instrument(
        &mut self,
        symbol: &str,
        contract_value: &str,
        inverse: bool,
        underlying: &str,
        limits: Option<&Bound<'_, PyDict>>,
    ) -> PyResult<()> {
        guard(|| {
            let contract_value = decimal_arg("contract_value", contract_value)?;
            let overrides = parse_limits("limits", limits)?;
            self.engine.set_instrument(symbol, contract_value, inverse, underlying, &overrides).map_err(to_py)
        })
    }

    /// Sets the mark price of `symbol`.
    fn set_mark(&mut self, symbol: &str, price: &str) -> PyResult<()> {
        guard(|| {
            self.engine.set_mark(symbol, decimal_arg("price", price)?);
            Ok(())
        })
    }

    /// Sets the signed position of `symbol` in contracts.
    fn set_position(&mut self, symbol: &str, size: i64) -> PyResult<()> {
        guard(|| {
            self.engine.set_position(symbol, size);
            Ok(())
        })
    }

    /// Counts an open order in; the same key again replaces its side and open size.
    fn order_opened(&mut self, key: &str, symbol: &str, side: &str, open_size: u64) -> PyResult<()> {
        guard(|| {
            self.engine.order_opened(key, symbol, side_arg(side)?, open_size);
            Ok(())
        })
    }

    /// Counts an open order out; unknown keys are ignored.
    fn order_closed(&mut self, key: &str) -> PyResult<()> {
        guard(|| {
            self.engine.order_closed(key);
            Ok(())
        })
    }

    /// Records the account equity at `now_ns`; True exactly on the call that breaches the daily loss limit.
    fn set_equity(&mut self, equity: &str, now_ns: u64) -> PyResult<bool> {
        guard(|| Ok(self.engine.set_equity(decimal_arg("equity", equity)?, now_ns)))
    }

    /// Freezes MMP quotes on `asset` until `until_ns` (`None` = until `thaw_mmp`).
    #[pyo3(signature = (asset, until_ns = None))]
    fn freeze_mmp(&mut self, asset: &str, until_ns: Option<u64>) -> PyResult<()> {
        guard(|| {
            self.engine.freeze_mmp(asset, until_ns);
            Ok(())
        })
    }

    /// Ends the MMP freeze of `asset`.
    fn thaw_mmp(&mut self, asset: &str) -> PyResult<()> {
        guard(|| {
            self.engine.thaw_mmp(asset);
            Ok(())
        })
    }

    /// The end (ns) of the MMP freeze of `asset` in force at `now_ns`, -1 until a manual reset, None if none.
    fn mmp_frozen_until(&self, asset: &str, now_ns: u64) -> PyResult<Option<i64>> {
        guard(|| {
            Ok(self.engine.mmp_frozen_until(asset, now_ns).map(|freeze| match freeze {
                MmpFreeze::Until(until) => i64::try_from(until).unwrap_or(i64::MAX),
                MmpFreeze::UntilThawed => -1,
            }))
        })
    }

    /// Checks one order; raises `DeltaRiskError` (`.rule`, the message with the numbers) when refused. An
    /// accepted order counts against `max_orders_per_second`.
    #[allow(clippy::too_many_arguments, reason = "the Python signature of the contract: one order's fields")]
    fn check(
        &mut self,
        symbol: &str,
        side: &str,
        size: u64,
        price: Option<&str>,
        reduce_only: bool,
        mmp: bool,
        now_ns: u64,
    ) -> PyResult<()> {
        guard(|| {
            let price = price.map(|text| decimal_arg("price", text)).transpose()?;
            let order = OrderIntent { symbol, side: side_arg(side)?, size, price, reduce_only, mmp };
            self.engine.check(&order, now_ns).map_err(|rejection| risk_error(rejection.rule(), rejection.to_string()))
        })
    }

    /// True while only reducing orders pass (after a daily loss breach, until the next UTC day).
    #[getter]
    fn reduce_only_mode(&self) -> PyResult<bool> {
        guard(|| Ok(self.engine.reduce_only_mode()))
    }

    /// `{"checked": N, "rejected": {rule: N, ...}}` with every rule present.
    fn stats<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        guard(|| {
            let stats = self.engine.stats();
            let rejected = PyDict::new(py);
            for rule in Rule::ALL {
                rejected.set_item(rule.as_str(), stats.rejected[rule.index()])?;
            }
            let out = PyDict::new(py);
            out.set_item("checked", stats.checked)?;
            out.set_item("rejected", rejected)?;
            Ok(out)
        })
    }
}

/// Exact decimal text; `ValueError` naming `name` otherwise.
fn decimal_arg(name: &str, text: &str) -> PyResult<Decimal> {
    Decimal::parse(text).map_err(|error| PyValueError::new_err(format!("{name}: {error}")))
}

fn side_arg(side: &str) -> PyResult<Side> {
    Side::parse(side).ok_or_else(|| PyValueError::new_err(format!("side: expected 'buy' or 'sell', got '{side}'")))
}

/// The limits of a Python dict (keys of [`RiskLimits::KEYS`]; a `None` value leaves that rule off).
fn parse_limits(argument: &str, dict: Option<&Bound<'_, PyDict>>) -> PyResult<RiskLimits> {
    let mut limits = RiskLimits::default();
    let Some(dict) = dict else {
        return Ok(limits);
    };
    for (key, value) in dict.iter() {
        let key = key.cast::<PyString>().map_err(|_| PyValueError::new_err(format!("{argument}: keys must be str")))?;
        let key = key.to_str()?;
        if !RiskLimits::KEYS.contains(&key) {
            return Err(PyValueError::new_err(format!(
                "{argument}: unknown key '{key}'; valid keys: {}",
                RiskLimits::KEYS.join(", ")
            )));
        }
        if value.is_none() {
            continue;
        }
        let name = format!("{argument}['{key}']");
        match key {
            "max_order_size" => limits.max_order_size = Some(count(&name, &value)?),
            "max_position" => limits.max_position = Some(count(&name, &value)?),
            "max_open_orders" => limits.max_open_orders = Some(count(&name, &value)?),
            "max_orders_per_second" => limits.max_orders_per_second = Some(count(&name, &value)?),
            "max_order_notional" => limits.max_order_notional = Some(amount(&name, &value)?),
            "price_band_pct" => limits.price_band_pct = Some(amount(&name, &value)?),
            "daily_loss_limit" => limits.daily_loss_limit = Some(amount(&name, &value)?),
            _ => {
                let flag =
                    value.cast::<PyBool>().map_err(|_| PyValueError::new_err(format!("{name}: expected a bool")))?;
                limits.cancel_on_daily_loss = Some(flag.is_true());
            }
        }
    }
    Ok(limits)
}

/// A non-negative int limit that fits `T` (bools refused).
fn count<T: TryFrom<u64>>(name: &str, value: &Bound<'_, PyAny>) -> PyResult<T> {
    let number = if value.is_instance_of::<PyBool>() { None } else { value.extract::<u64>().ok() };
    number
        .and_then(|number| T::try_from(number).ok())
        .ok_or_else(|| PyValueError::new_err(format!("{name}: expected a non-negative int in range, got {value}")))
}

/// A non-negative decimal limit given as a string.
fn amount(name: &str, value: &Bound<'_, PyAny>) -> PyResult<Decimal> {
    let text = value
        .cast::<PyString>()
        .map_err(|_| PyValueError::new_err(format!("{name}: expected a decimal string, got {value}")))?;
    let decimal = decimal_arg(name, text.to_str()?)?;
    if decimal.is_negative() {
        return Err(PyValueError::new_err(format!("{name}: must not be negative, got {decimal}")));
    }
    Ok(decimal)
}
