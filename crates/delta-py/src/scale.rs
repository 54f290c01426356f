//! Exact decimal → Nautilus fixed-point raw values (i128 at scale 10^16).

use std::convert::Infallible;

use delta_core::Decimal;
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::PyInt;

use crate::errors::guard;

pub use delta_core::nautilus::{to_raw, FIXED_PRECISION, FIXED_SCALAR};

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
