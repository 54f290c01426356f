//! Exact decimal → Nautilus fixed-point raw values (i128 at scale 10^16).

use std::convert::Infallible;

use delta_core::Decimal;
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::PyInt;

use crate::errors::guard;

/// Digits after the point of a Nautilus raw value (`raw = value × 10^16`).
pub const FIXED_PRECISION: u8 = 16;

/// `10^16`.
pub const FIXED_SCALAR: i128 = 10_000_000_000_000_000;

/// `10^k` for `k` in `0..=16`.
const POW10: [i128; 17] = {
    let mut table = [1i128; 17];
    let mut k = 1;
    while k < table.len() {
        table[k] = table[k - 1] * 10;
        k += 1;
    }
    table
};

/// `value` rounded half away from zero to `precision` digits (at most 16), as a raw at 10^16;
/// `None` when it does not fit an i128.
pub fn to_raw(value: &Decimal, precision: u8) -> Option<i128> {
    let precision = precision.min(FIXED_PRECISION);
    if value.scale() <= precision {
        // Nothing to round (the usual case: the wire carries no more digits than the instrument): one multiply.
        return value.mantissa().checked_mul(POW10[usize::from(FIXED_PRECISION - value.scale())]);
    }
    value.round_to(precision).to_scale(FIXED_PRECISION).ok()
}

/// A raw value on its way to Python: an `int` made in one call when it fits an `i64` (every size of whole
/// contracts, prices below ~922), otherwise through pyo3's 128-bit conversion.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Raw(pub i128);

impl<'py> IntoPyObject<'py> for Raw {
    type Target = PyInt;
    type Output = Bound<'py, PyInt>;
    type Error = Infallible;

    #[inline]
    fn into_pyobject(self, py: Python<'py>) -> Result<Self::Output, Self::Error> {
        match i64::try_from(self.0) {
            Ok(small) => small.into_pyobject(py),
            Err(_) => self.0.into_pyobject(py),
        }
    }
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
