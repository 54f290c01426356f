//! Exact decimal → Nautilus fixed-point raw values (i128 at scale 10^16).

use delta_core::Decimal;
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;

use crate::errors::guard;

/// Digits after the point of a Nautilus raw value (`raw = value × 10^16`).
pub const FIXED_PRECISION: u8 = 16;

/// `10^16`.
pub const FIXED_SCALAR: i128 = 10_000_000_000_000_000;

/// `value` rounded half away from zero to `precision` digits (at most 16), as a raw at 10^16;
/// `None` when it does not fit an i128.
pub fn to_raw(value: &Decimal, precision: u8) -> Option<i128> {
    value.round_to(precision.min(FIXED_PRECISION)).to_scale(FIXED_PRECISION).ok()
}

/// Exact decimal text → raw at 10^16, rounded half away from zero to `precision` digits.
/// Raises `ValueError` on text that is not a decimal, a precision above 16, or a value out of range.
#[pyfunction]
pub fn decimal_to_raw(text: &str, precision: u8) -> PyResult<i128> {
    guard(|| {
        if precision > FIXED_PRECISION {
            return Err(PyValueError::new_err(format!("precision {precision} is above the maximum of 16")));
        }
        let value = Decimal::parse(text).map_err(|e| PyValueError::new_err(e.to_string()))?;
        to_raw(&value, precision)
            .ok_or_else(|| PyValueError::new_err(format!("{text:?} is out of range for a raw value at 1e16")))
    })
}
