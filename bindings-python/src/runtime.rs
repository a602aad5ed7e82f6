//! How calls run. `Client` calls go through `dimg::blocking::Client` on the calling thread
//! (the socket waited for with `poll(2)`, no runtime threads to wake) with the GIL released,
//! watching for Ctrl-C, refusing use after `fork()` and inside dimg's own event loop thread.
//! Re-entry from a progress callback is refused by the core (`Error::Reentrant`). `AsyncClient`
//! calls run on one Tokio runtime per process.

use std::sync::{Arc, OnceLock};
use std::time::Duration;

use pyo3::exceptions::PyRuntimeError;
use pyo3::prelude::*;
use tokio::runtime::Runtime;

use crate::errors::interrupted;

static RUNTIME: OnceLock<(u32, Runtime)> = OnceLock::new();

/// The process the first blocking call ran in.
static FIRST_CALL_IN: OnceLock<u32> = OnceLock::new();

/// How often a blocking call checks for signals (Ctrl-C) while it waits.
const SIGNAL_POLL: Duration = Duration::from_millis(50);

/// The process's runtime; an error in a child created by `fork()` after it started, where
/// its threads no longer exist and using it would hang.
fn runtime() -> PyResult<&'static Runtime> {
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

/// Whether a blocking call may start on this thread: not on one of dimg's event loop threads
/// (an `AsyncClient` progress callback runs there, and blocking it would stall every
/// coroutine), and not in a forked child.
pub fn check_blocking_allowed() -> PyResult<()> {
    if tokio::runtime::Handle::try_current().is_ok() {
        return Err(PyRuntimeError::new_err(
            "a blocking dimg.Client call cannot run inside dimg's event loop thread; use dimg.AsyncClient there",
        ));
    }
    not_forked(*FIRST_CALL_IN.get_or_init(std::process::id))?;
    if let Some((started_in, _)) = RUNTIME.get() {
        not_forked(*started_in)?;
    }
    Ok(())
}

/// Makes every call of `client` run Python's signal handlers every `SIGNAL_POLL` (briefly
/// taking the GIL): an exception from them (KeyboardInterrupt) cancels the request and comes
/// back through `Error::Interrupted`, to be re-raised unchanged.
pub fn interruptible(client: dimg::blocking::Client) -> dimg::blocking::Client {
    client.interrupt_check(
        SIGNAL_POLL,
        Arc::new(|| Python::attach(|py| py.check_signals()).map_err(interrupted)),
    )
}

/// Shares the runtime with pyo3-async-runtimes, so `AsyncClient` coroutines run on it.
pub fn init_async() -> PyResult<()> {
    let rt = runtime()?;
    let _ = pyo3_async_runtimes::tokio::init_with_runtime(rt);
    Ok(())
}
