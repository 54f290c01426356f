//! Native calls still running, so the interpreter can let them finish before it finalizes.
//!
//! An awaitable's result is handed to its event loop from a tokio thread, which must take the GIL to do so. A
//! call still running when the interpreter finalizes (an `asyncio.run` that ended while a request was in its
//! retry backoff) would take the GIL during finalization, which CPython answers by ending the thread from
//! under Rust: the process aborts. `delta_exchange` registers [`wait_idle`] with `atexit`, which runs before
//! finalization: it waits, without the GIL, until no call is running.

use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use pyo3::prelude::*;

static IN_FLIGHT: AtomicUsize = AtomicUsize::new(0);

/// When the last call ended, in µs since [`epoch`].
static LAST_END_US: AtomicU64 = AtomicU64::new(0);

/// After a call ends, how long its result may still be on its way to the event loop (one `call_soon_threadsafe`,
/// which releases and re-takes the GIL around a socket write).
const DELIVERY_GRACE: Duration = Duration::from_millis(50);

fn epoch() -> Instant {
    static EPOCH: OnceLock<Instant> = OnceLock::new();
    *EPOCH.get_or_init(Instant::now)
}

fn since_epoch_us() -> u64 {
    u64::try_from(epoch().elapsed().as_micros()).unwrap_or(u64::MAX)
}

/// Counts one running call for as long as it lives.
pub struct InFlight(());

impl InFlight {
    /// Starts counting a call.
    pub fn start() -> Self {
        epoch();
        IN_FLIGHT.fetch_add(1, Ordering::SeqCst);
        Self(())
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        LAST_END_US.store(since_epoch_us(), Ordering::SeqCst);
        IN_FLIGHT.fetch_sub(1, Ordering::SeqCst);
    }
}

/// Waits (without holding the GIL) until no native call is running and the last one ended at least
/// [`DELIVERY_GRACE`] ago, at most `timeout_secs`; returns whether that was reached. Called by `atexit`;
/// harmless at any time (it returns at once when no call ran lately).
#[pyfunction]
#[pyo3(signature = (timeout_secs = 5.0))]
pub fn wait_idle(py: Python<'_>, timeout_secs: f64) -> bool {
    let deadline = Instant::now() + Duration::try_from_secs_f64(timeout_secs.max(0.0)).unwrap_or(Duration::ZERO);
    let grace_us = u64::try_from(DELIVERY_GRACE.as_micros()).unwrap_or(u64::MAX);
    py.detach(|| loop {
        let running = IN_FLIGHT.load(Ordering::SeqCst) > 0;
        let last_end = LAST_END_US.load(Ordering::SeqCst);
        let settled = last_end == 0 || since_epoch_us().saturating_sub(last_end) >= grace_us;
        if !running && settled {
            return true;
        }
        if Instant::now() >= deadline {
            return false;
        }
        std::thread::sleep(Duration::from_millis(2));
    })
}
