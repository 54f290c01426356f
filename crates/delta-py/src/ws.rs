//! `WsClient`: one delta-core socket client whose events reach Python in batches on the event loop.
//!
//! `connect` starts the delta-core client on the shared tokio runtime plus one drain task. After each wake
//! the drain task moves every event already queued into an [`Inbox`] (at most `max_batch` waiting) and, when
//! no delivery is scheduled yet, schedules one with ONE `loop.call_soon_threadsafe`. The delivery ([`Deliver`])
//! runs on the loop thread: it takes everything in the inbox, converts it to tuples and calls
//! `callback(batch)`. So the drain thread needs the GIL only to schedule; while the loop is busy, events
//! arriving meanwhile join the scheduled delivery without a GIL handoff or another wake-up of the loop.
//! An exception from the callback is counted and reported to the loop's exception handler without ending
//! the stream. Nothing here ever calls Nautilus.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use delta_core::ws::{WsClient as CoreClient, WsConfig, WsEvent, WsEvents, WsStats};
use delta_core::Credentials;
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList};
use tokio::sync::Notify;
use tokio::task::JoinHandle;

use crate::decode::parse_endpoint;
use crate::errors::{guard, guard_async, to_py, DeltaError};
use crate::events::{Converter, Scaling};
use crate::http::{credentials, seconds};

/// Counters of the Python side of the stream.
#[derive(Debug, Default)]
struct Counters {
    batches: AtomicU64,
    events_delivered: AtomicU64,
    max_batch_size: AtomicU64,
    callback_errors: AtomicU64,
}

/// What exists once `connect` ran.
struct Running {
    client: Arc<CoreClient>,
    drain: JoinHandle<()>,
}

/// Lifecycle of the handle.
enum State {
    /// Not connected yet; subscriptions asked for so far.
    Idle(Vec<(String, Vec<String>)>),
    /// Connected.
    Running(Running),
    /// Closed (terminal), with the counters of the client as it ended.
    Closed(WsStats),
}

/// A Delta socket client (public or private) delivering batches of tuples to a callback on an asyncio loop.
#[pyclass(module = "delta_exchange._native", frozen)]
pub struct WsClient {
    config: WsConfig,
    max_batch: usize,
    scaling: Arc<Scaling>,
    counters: Arc<Counters>,
    state: Arc<Mutex<State>>,
    /// Credentials rotated before `connect`: they replace the configured pair when it runs.
    rotated: Mutex<Option<Credentials>>,
}

impl WsClient {
    fn lock(&self) -> MutexGuard<'_, State> {
        lock(&self.state)
    }

    fn running(&self) -> PyResult<Option<Arc<CoreClient>>> {
        match &*self.lock() {
            State::Running(running) => Ok(Some(Arc::clone(&running.client))),
            State::Idle(_) => Ok(None),
            State::Closed(_) => Err(DeltaError::new_err("the socket client is closed")),
        }
    }
}

#[pymethods]
impl WsClient {
    /// A client of the socket at `url` (`endpoint` "public" or "private"; credentials for the private one).
    #[new]
    #[pyo3(signature = (url, endpoint = "public", api_key = None, api_secret = None, *, heartbeat_timeout_secs = 35.0,
                        backoff_base_secs = 0.25, backoff_cap_secs = 30.0, queue_capacity = 65536, max_batch = 4096))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        url: &str,
        endpoint: &str,
        api_key: Option<&str>,
        api_secret: Option<&str>,
        heartbeat_timeout_secs: f64,
        backoff_base_secs: f64,
        backoff_cap_secs: f64,
        queue_capacity: usize,
        max_batch: usize,
    ) -> PyResult<Self> {
        guard(|| {
            let mut config = WsConfig::new(url, parse_endpoint(endpoint)?);
            config.credentials = credentials(api_key, api_secret)?;
            config.heartbeat_timeout = seconds("heartbeat_timeout_secs", heartbeat_timeout_secs)?;
            config.backoff_base = seconds("backoff_base_secs", backoff_base_secs)?;
            config.backoff_cap = seconds("backoff_cap_secs", backoff_cap_secs)?;
            if queue_capacity == 0 || max_batch == 0 {
                return Err(PyValueError::new_err("queue_capacity and max_batch must be at least 1"));
            }
            config.queue_capacity = queue_capacity;
            config.validate().map_err(to_py)?;
            Ok(Self {
                config,
                max_batch,
                scaling: Arc::default(),
                counters: Arc::default(),
                state: Arc::new(Mutex::new(State::Idle(Vec::new()))),
                rotated: Mutex::new(None),
            })
        })
    }

    fn __repr__(&self) -> String {
        let endpoint = match self.config.endpoint {
            delta_core::ws::Endpoint::Public => "public",
            delta_core::ws::Endpoint::Private => "private",
        };
        let auth = if self.config.credentials.is_some() { "True" } else { "False" };
        format!("WsClient(url={:?}, endpoint={endpoint:?}, has_credentials={auth})", self.config.url)
    }

    /// Registers the precisions used for `symbol`'s raws (rounded half away from zero to them).
    fn set_instrument(&self, symbol: &str, price_precision: u8, size_precision: u8) -> PyResult<()> {
        guard(|| self.scaling.set(symbol, price_precision, size_precision))
    }

    /// Starts the connection task(s) and the drain task delivering `callback(batch)` on `loop`.
    #[pyo3(name = "connect")]
    fn connect_py(&self, py: Python<'_>, r#loop: Py<PyAny>, callback: Py<PyAny>) -> PyResult<()> {
        guard(|| {
            let mut state = self.lock();
            let pending = match &mut *state {
                State::Idle(pending) => std::mem::take(pending),
                State::Running(_) => return Err(DeltaError::new_err("the socket client is already connected")),
                State::Closed(_) => return Err(DeltaError::new_err("the socket client is closed")),
            };
            let runtime = pyo3_async_runtimes::tokio::get_runtime();
            let mut config = self.config.clone();
            if let Some(rotated) = self.rotated.lock().unwrap_or_else(PoisonError::into_inner).take() {
                config.credentials = Some(rotated);
            }
            let (client, events) = py
                .detach(|| {
                    let _entered = runtime.enter();
                    CoreClient::connect(config)
                })
                .map_err(to_py)?;
            for (channel, symbols) in &pending {
                let symbols: Vec<&str> = symbols.iter().map(String::as_str).collect();
                client.subscribe(channel, &symbols).map_err(to_py)?;
            }
            let inbox = Arc::new(Inbox::default());
            let deliver = Py::new(
                py,
                Deliver {
                    callback,
                    r#loop: r#loop.clone_ref(py),
                    inbox: Arc::clone(&inbox),
                    converter: Mutex::new(Converter::new(Arc::clone(&self.scaling))),
                    counters: Arc::clone(&self.counters),
                },
            )?;
            let drain = runtime.spawn(drain(events, inbox, r#loop, deliver, self.max_batch));
            *state = State::Running(Running { client: Arc::new(client), drain });
            Ok(())
        })
    }

    /// Subscribes symbols of a channel (an empty list for channels without symbols, such as `margins`).
    fn subscribe(&self, py: Python<'_>, channel: String, symbols: Vec<String>) -> PyResult<()> {
        guard(|| {
            let client = {
                let mut state = self.lock();
                if let State::Idle(pending) = &mut *state {
                    pending.push((channel, symbols));
                    return Ok(());
                }
                drop(state);
                self.running()?
            };
            let Some(client) = client else { return Ok(()) };
            py.detach(|| {
                let symbols: Vec<&str> = symbols.iter().map(String::as_str).collect();
                client.subscribe(&channel, &symbols)
            })
            .map_err(to_py)
        })
    }

    /// Unsubscribes symbols of a channel; an empty list leaves the whole channel.
    fn unsubscribe(&self, py: Python<'_>, channel: String, symbols: Vec<String>) -> PyResult<()> {
        guard(|| {
            {
                let mut state = self.lock();
                if let State::Idle(pending) = &mut *state {
                    pending.retain_mut(|(c, s)| {
                        if *c == channel {
                            s.retain(|symbol| !symbols.is_empty() && !symbols.contains(symbol));
                            !s.is_empty()
                        } else {
                            true
                        }
                    });
                    return Ok(());
                }
            }
            let Some(client) = self.running()? else { return Ok(()) };
            py.detach(|| {
                let symbols: Vec<&str> = symbols.iter().map(String::as_str).collect();
                client.unsubscribe(&channel, &symbols)
            })
            .map_err(to_py)
        })
    }

    /// Authenticates with a new key pair from now on: a connected private socket sends `key-auth` with it
    /// on its live connection (subscriptions stay; an `authenticated` or `auth_failed` lifecycle event
    /// follows), a reconnecting one uses it on its next handshake. `ValueError` for an empty key or
    /// secret; `DeltaError` for a client started without credentials or closed.
    fn rotate_credentials(&self, py: Python<'_>, api_key: &str, api_secret: &str) -> PyResult<()> {
        guard(|| {
            let credentials = Credentials::new(api_key, api_secret).map_err(to_py)?;
            if self.config.credentials.is_none() {
                return Err(DeltaError::new_err(
                    "this socket client was started without credentials: there is no key to rotate",
                ));
            }
            let client = {
                let state = self.lock();
                if let State::Idle(_) = &*state {
                    *self.rotated.lock().unwrap_or_else(PoisonError::into_inner) = Some(credentials);
                    return Ok(());
                }
                drop(state);
                self.running()?
            };
            let Some(client) = client else { return Ok(()) };
            py.detach(|| client.rotate_credentials(&credentials)).map_err(to_py)
        })
    }

    /// Unsubscribes and subscribes one symbol again for a fresh snapshot.
    fn resubscribe(&self, py: Python<'_>, channel: String, symbol: String) -> PyResult<()> {
        guard(|| {
            let Some(client) = self.running()? else { return Ok(()) };
            py.detach(|| client.resubscribe(&channel, &symbol)).map_err(to_py)
        })
    }

    /// Closes every connection and waits for the tasks to end; events already queued are still delivered.
    /// Idempotent.
    fn close<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        guard(|| {
            let previous = {
                let mut state = self.lock();
                let stats = match &*state {
                    State::Running(running) => running.client.stats(),
                    State::Closed(stats) => stats.clone(),
                    State::Idle(_) => WsStats::default(),
                };
                std::mem::replace(&mut *state, State::Closed(stats))
            };
            let state = Arc::clone(&self.state);
            pyo3_async_runtimes::tokio::future_into_py(
                py,
                guard_async(async move {
                    if let State::Running(Running { client, drain }) = previous {
                        let stats = match Arc::try_unwrap(client) {
                            Ok(client) => {
                                let stats = client.stats();
                                client.close().await;
                                stats
                            }
                            Err(shared) => shared.stats(),
                        };
                        // The drain ends once the queue has ended; a panic in it was already reported.
                        let _ = drain.await;
                        *lock(&state) = State::Closed(stats);
                    }
                    Ok(())
                }),
            )
        })
    }

    /// Counters: the delta-core client's (frames, reconnects, messages and decode errors by channel, gaps,
    /// resyncs, queue depth and lag, heartbeat age: seconds since the stalest connection's last frame, None
    /// before one) plus batches, events delivered, largest batch and callback errors.
    fn stats<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        guard(|| {
            let core = match &*self.lock() {
                State::Running(running) => running.client.stats(),
                State::Closed(stats) => stats.clone(),
                State::Idle(_) => WsStats::default(),
            };
            let out = PyDict::new(py);
            out.set_item("frames", core.frames())?;
            out.set_item("bytes", core.connections.iter().map(|c| c.bytes).sum::<u64>())?;
            out.set_item("reconnects", core.reconnects())?;
            out.set_item("connections", core.connections.len())?;
            out.set_item("decode_errors", core.decode_errors.clone())?;
            out.set_item("messages", core.messages.clone())?;
            out.set_item("gaps", core.gaps)?;
            out.set_item("resyncs", core.resyncs)?;
            out.set_item("queue_depth", core.queue_depth)?;
            out.set_item("queue_max_depth", core.queue_max_depth)?;
            out.set_item("lag_ns_last", u64::try_from(core.last_lag.as_nanos()).unwrap_or(u64::MAX))?;
            out.set_item("lag_ns_max", u64::try_from(core.max_lag.as_nanos()).unwrap_or(u64::MAX))?;
            out.set_item("full_waits", core.queue_full_waits)?;
            let age = core.heartbeat_age(delta_core::ws::unix_nanos());
            out.set_item("heartbeat_age_secs", age.map(|age| age.as_secs_f64()))?;
            let counters = &self.counters;
            out.set_item("batches", counters.batches.load(Ordering::Relaxed))?;
            out.set_item("events_delivered", counters.events_delivered.load(Ordering::Relaxed))?;
            out.set_item("max_batch_size", counters.max_batch_size.load(Ordering::Relaxed))?;
            out.set_item("callback_errors", counters.callback_errors.load(Ordering::Relaxed))?;
            Ok(out)
        })
    }
}

fn lock(state: &Mutex<State>) -> MutexGuard<'_, State> {
    state.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Events handed from the drain task to the loop, and whether a delivery is scheduled to take them.
#[derive(Default)]
struct Inbox {
    waiting: Mutex<Waiting>,
    /// Signalled when a delivery took the waiting events (room for more).
    room: Notify,
}

#[derive(Default)]
struct Waiting {
    events: Vec<WsEvent>,
    scheduled: bool,
}

impl Inbox {
    fn lock(&self) -> MutexGuard<'_, Waiting> {
        self.waiting.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// The callable scheduled on the loop: takes the waiting events, converts them and calls the user's
/// callback with the batch; an exception is counted and handed to the loop's exception handler, and the
/// stream goes on.
#[pyclass(module = "delta_exchange._native", frozen)]
struct Deliver {
    callback: Py<PyAny>,
    r#loop: Py<PyAny>,
    inbox: Arc<Inbox>,
    /// Used on the loop thread only (the lock is never contended).
    converter: Mutex<Converter>,
    counters: Arc<Counters>,
}

#[pymethods]
impl Deliver {
    fn __call__(&self, py: Python<'_>) -> PyResult<()> {
        let events = {
            let mut waiting = self.inbox.lock();
            waiting.scheduled = false;
            std::mem::take(&mut waiting.events)
        };
        self.inbox.room.notify_one();
        let batch = PyList::empty(py);
        {
            let mut converter = self.converter.lock().unwrap_or_else(PoisonError::into_inner);
            for event in events {
                if let Some(tuple) = converter.batch_item(py, event)? {
                    batch.append(tuple)?;
                }
            }
        }
        if batch.is_empty() {
            return Ok(());
        }
        let size = batch.len() as u64;
        self.counters.batches.fetch_add(1, Ordering::Relaxed);
        self.counters.events_delivered.fetch_add(size, Ordering::Relaxed);
        self.counters.max_batch_size.fetch_max(size, Ordering::Relaxed);
        if let Err(error) = self.callback.call1(py, (batch,)) {
            self.counters.callback_errors.fetch_add(1, Ordering::Relaxed);
            let context = PyDict::new(py);
            let reported = context
                .set_item("message", "delta_exchange WsClient callback raised")
                .and_then(|()| context.set_item("exception", error.value(py)))
                .and_then(|()| self.r#loop.call_method1(py, "call_exception_handler", (context,)));
            if reported.is_err() {
                error.print(py);
            }
        }
        Ok(())
    }
}

/// Moves events off the queue into the inbox (at most `max_batch` waiting: beyond that it waits for a
/// delivery, so a slow loop backs up into the client's bounded queue) and schedules a delivery on the loop
/// when none is pending, until the queue ends or the loop closes.
async fn drain(mut events: WsEvents, inbox: Arc<Inbox>, event_loop: Py<PyAny>, deliver: Py<Deliver>, max_batch: usize) {
    let mut pending = Vec::with_capacity(max_batch.min(4096));
    while let Some(first) = events.recv().await {
        pending.push(first);
        while pending.len() < max_batch {
            match events.try_recv() {
                Some(event) => pending.push(event),
                None => break,
            }
        }
        while !pending.is_empty() {
            let schedule = {
                let mut waiting = inbox.lock();
                let room = max_batch.saturating_sub(waiting.events.len()).min(pending.len());
                waiting.events.extend(pending.drain(..room));
                let schedule = room > 0 && !waiting.scheduled;
                waiting.scheduled |= schedule;
                schedule
            };
            if schedule {
                let scheduled = Python::attach(|py| {
                    event_loop.call_method1(py, "call_soon_threadsafe", (deliver.clone_ref(py),)).map(drop)
                });
                if let Err(error) = scheduled {
                    // The loop is closed: nobody can receive events any more.
                    Python::attach(|py| error.print(py));
                    return;
                }
            }
            if !pending.is_empty() {
                inbox.room.notified().await;
            }
        }
    }
}
