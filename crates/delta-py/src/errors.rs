//! The Python exception hierarchy (DESIGN 6), the mapping from [`delta_core::DeltaError`], and the panic guard
//! every entry point runs under.

use std::any::Any;
use std::future::Future;
use std::panic::{catch_unwind, AssertUnwindSafe};

use delta_core::error::DeltaError as CoreError;
use pyo3::exceptions::{PyException, PyValueError};
use pyo3::prelude::*;
use pyo3::{create_exception, PyErr};

create_exception!(_native, DeltaError, PyException, "Base of every failure raised by the native client.");
create_exception!(_native, DeltaApiError, DeltaError, "Delta answered with an error body (`code`, `status`, ...).");
create_exception!(_native, DeltaRateLimitError, DeltaApiError, "HTTP 429: the rate limit is exhausted.");
create_exception!(_native, DeltaAuthError, DeltaApiError, "Authentication or permission failure (401/403).");
create_exception!(_native, DeltaRiskError, DeltaError, "A local risk rule refused an order.");
create_exception!(_native, DeltaDecodeError, DeltaError, "A malformed reply or socket frame.");
create_exception!(
    _native,
    DeltaOrderStateUnknownError,
    DeltaError,
    "An order placement's outcome is unknown: the look-ups by `client_order_id` did not find it."
);

/// Registers the exception classes on the module.
pub fn register(module: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = module.py();
    module.add("DeltaError", py.get_type::<DeltaError>())?;
    module.add("DeltaApiError", py.get_type::<DeltaApiError>())?;
    module.add("DeltaRateLimitError", py.get_type::<DeltaRateLimitError>())?;
    module.add("DeltaAuthError", py.get_type::<DeltaAuthError>())?;
    module.add("DeltaRiskError", py.get_type::<DeltaRiskError>())?;
    module.add("DeltaDecodeError", py.get_type::<DeltaDecodeError>())?;
    module.add("DeltaOrderStateUnknownError", py.get_type::<DeltaOrderStateUnknownError>())?;
    Ok(())
}

/// The attributes of a [`DeltaApiError`] (and its subclasses).
struct ApiFields<'a> {
    code: &'a str,
    context: Option<&'a str>,
    status: Option<u16>,
    endpoint: Option<&'a str>,
}

/// Converts a core error to the Python exception of the contract. Configuration problems are `ValueError`;
/// every other failure is a [`DeltaError`] subclass. Core errors never carry secrets.
pub fn to_py(error: CoreError) -> PyErr {
    let message = error.to_string();
    match &error {
        CoreError::Config(_) => PyValueError::new_err(message),
        CoreError::Decode { .. } => DeltaDecodeError::new_err(message),
        CoreError::OrderStateUnknown { client_order_id, .. } => {
            let err = DeltaOrderStateUnknownError::new_err(message);
            Python::attach(|py| set_attr(py, &err, "client_order_id", client_order_id.as_str()));
            err
        }
        CoreError::RateLimited { endpoint, reset_after } => {
            let err = DeltaRateLimitError::new_err(message);
            let fields = ApiFields { code: "rate_limited", context: None, status: Some(429), endpoint: Some(endpoint) };
            Python::attach(|py| {
                set_api_fields(py, &err, &fields);
                set_attr(py, &err, "retry_after_secs", reset_after.as_secs_f64());
            });
            err
        }
        CoreError::Api { endpoint, status, code, context, .. } => {
            let err = if *status == 429 || code.as_str() == "rate_limited" {
                DeltaRateLimitError::new_err(message)
            } else if error.is_auth() || matches!(status, 401 | 403) {
                DeltaAuthError::new_err(message)
            } else {
                DeltaApiError::new_err(message)
            };
            let fields = ApiFields {
                code: code.as_str(),
                context: context.as_deref(),
                status: Some(*status),
                endpoint: Some(endpoint),
            };
            Python::attach(|py| {
                set_api_fields(py, &err, &fields);
                if *status == 429 || code.as_str() == "rate_limited" {
                    set_attr(py, &err, "retry_after_secs", 0.0);
                }
            });
            err
        }
        CoreError::Http { endpoint, status, .. } if matches!(status, 401 | 403) => {
            let err = DeltaAuthError::new_err(message);
            let code = if *status == 401 { "unauthorized" } else { "forbidden" };
            let fields = ApiFields { code, context: None, status: Some(*status), endpoint: Some(endpoint) };
            Python::attach(|py| set_api_fields(py, &err, &fields));
            err
        }
        _ => DeltaError::new_err(message),
    }
}

fn set_api_fields(py: Python<'_>, err: &PyErr, fields: &ApiFields<'_>) {
    set_attr(py, err, "code", fields.code);
    set_attr(py, err, "context", fields.context);
    set_attr(py, err, "status", fields.status);
    set_attr(py, err, "endpoint", fields.endpoint);
}

fn set_attr<'py, V: IntoPyObject<'py>>(py: Python<'py>, err: &PyErr, name: &str, value: V) {
    // Exception instances always accept attributes; a failure here could only lose detail, not the error.
    let _ = err.value(py).setattr(name, value);
}

/// A [`DeltaDecodeError`] with `message`.
pub fn decode_error(message: impl Into<String>) -> PyErr {
    DeltaDecodeError::new_err(message.into())
}

/// A [`DeltaRiskError`] with `message`; `.rule` names the risk rule that refused the order.
pub fn risk_error(rule: &str, message: String) -> PyErr {
    let err = DeltaRiskError::new_err(message);
    Python::attach(|py| set_attr(py, &err, "rule", rule));
    err
}

/// The error raised in place of a Rust panic.
pub fn internal_error(payload: &(dyn Any + Send)) -> PyErr {
    let text = payload
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "panic".to_owned());
    DeltaError::new_err(format!("internal error: {text}"))
}

/// Runs a synchronous entry point, turning a panic into `DeltaError("internal error: ...")`.
pub fn guard<T>(body: impl FnOnce() -> PyResult<T>) -> PyResult<T> {
    catch_unwind(AssertUnwindSafe(body)).unwrap_or_else(|payload| Err(internal_error(payload.as_ref())))
}

/// Runs the future of an async entry point as its own tokio task, so a panic inside it becomes
/// `DeltaError("internal error: ...")` instead of a `PanicException`; counted as running
/// ([`crate::in_flight`]) until it ends.
pub async fn guard_async<T, F>(future: F) -> PyResult<T>
where
    T: Send + 'static,
    F: Future<Output = PyResult<T>> + Send + 'static,
{
    let _running = crate::in_flight::InFlight::start();
    match tokio::spawn(future).await {
        Ok(result) => result,
        Err(join) if join.is_panic() => Err(internal_error(join.into_panic().as_ref())),
        Err(_) => Err(DeltaError::new_err("the operation was cancelled")),
    }
}
