//! How calls run. `Client` blocks the calling thread in `dimg::blocking` (the socket waited
//! for with `poll(2)` on that thread, no runtime threads to wake), with the GIL released,
//! watching for Ctrl-C, refusing re-entry and use after `fork()`. `AsyncClient` runs on one
//! Tokio runtime per process.

use std::cell::Cell;
use std::future::Future;
use std::sync::OnceLock;
use std::time::Duration;

use pyo3::exceptions::PyRuntimeError;
use pyo3::prelude::*;
use tokio::runtime::Runtime;

use crate::errors::{BindingError, reentrant};

static RUNTIME: OnceLock<(u32, Runtime)> = OnceLock::new();

/// The process the first blocking call ran in.
static FIRST_CALL_IN: OnceLock<u32> = OnceLock::new();

/// How often a blocking call checks for signals (Ctrl-C) while it waits.
const SIGNAL_POLL: Duration = Duration::from_millis(50);

thread_local! {
    /// Set while this thread is inside a dimg call, so a progress callback that calls dimg
    /// again gets an exception instead of a Tokio panic.
    static IN_CALL: Cell<bool> = const { Cell::new(false) };
}

/// The process's runtime; an error in a child created by `fork()` after it started, where
/// its threads no longer exist and using it would hang.
pub fn runtime() -> PyResult<&'static Runtime> {
    let (pid, rt) = RUNTIME.get_or_init(|| {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("dimg")
            .enable_all()
            .build()
            .expect("cannot start the dimg runtime");
        (std::process::id(), rt)
    });
    not_forked(*pid)?;
    Ok(rt)
}

/// An error in a child created by `fork()` after dimg started in `started_in`: the child
/// shares the parent's kept-alive connections (and, for `AsyncClient`, finds the runtime
/// without its threads).
fn not_forked(started_in: u32) -> PyResult<()> {
    if started_in == std::process::id() {
        return Ok(());
    }
    Err(PyRuntimeError::new_err(format!(
        "dimg was started in process {started_in} and cannot be used in a child created by fork(); \
         use the 'spawn' or 'forkserver' multiprocessing start method, or use dimg only after forking"
    )))
}

struct InCall;

impl InCall {
    fn enter() -> PyResult<InCall> {
        if IN_CALL.with(|f| f.replace(true)) {
            return Err(reentrant());
        }
        Ok(InCall)
    }
}

impl Drop for InCall {
    fn drop(&mut self) {
        IN_CALL.with(|f| f.set(false));
    }
}

/// Runs `fut` to completion with the GIL released. Every `SIGNAL_POLL` it briefly takes the
/// GIL to run Python's signal handlers; an exception from them (KeyboardInterrupt) drops the
/// future, which cancels the request, and propagates.
pub fn block_on_detached<T, F>(py: Python<'_>, fut: F) -> PyResult<T>
where
    T: Send,
    F: Future<Output = Result<T, BindingError>> + Send,
{
    let _guard = InCall::enter()?;
    if tokio::runtime::Handle::try_current().is_ok() {
        return Err(PyRuntimeError::new_err(
            "a blocking dimg.Client call cannot run inside dimg's event loop thread; use dimg.AsyncClient there",
        ));
    }
    not_forked(*FIRST_CALL_IN.get_or_init(std::process::id))?;
    if let Some((started_in, _)) = RUNTIME.get() {
        not_forked(*started_in)?;
    }
    py.detach(|| {
        dimg::blocking::block_on_checked(fut, SIGNAL_POLL, || Python::attach(|py| py.check_signals()))?
            .map_err(PyErr::from)
    })
}

/// Shares the runtime with pyo3-async-runtimes, so `AsyncClient` coroutines run on it.
pub fn init_async() -> PyResult<()> {
    let rt = runtime()?;
    let _ = pyo3_async_runtimes::tokio::init_with_runtime(rt);
    Ok(())
}
