//! The one runtime all clients share, and the only place that blocks on it.

use std::cell::Cell;
use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::runtime::Runtime;

use crate::error::{Failure, dimg_result, fallible};

/// The runtime of this process (and the process it was made in), created on first use. A child
/// created by fork() finds the parent's runtime without its threads and gets a new one.
static RUNTIME: Mutex<Option<(u32, Arc<Runtime>)>> = Mutex::new(None);

/// Runtimes inherited through fork(): never dropped (that would wait for threads that do not
/// exist in this process), kept reachable.
static INHERITED: Mutex<Vec<Arc<Runtime>>> = Mutex::new(Vec::new());

fn keep_inherited(rt: Arc<Runtime>) {
    INHERITED
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
        .push(rt);
}

thread_local! {
    /// Set while this thread blocks in a dimg call, so that a callback calling dimg again gets
    /// `REENTRANT` instead of a runtime panic.
    static IN_CALL: Cell<bool> = const { Cell::new(false) };
}

fn runtime() -> Arc<Runtime> {
    let pid = std::process::id();
    let mut slot = RUNTIME.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    if let Some((owner, rt)) = &*slot {
        if *owner == pid {
            return rt.clone();
        }
    }
    if let Some((_, inherited)) = slot.take() {
        keep_inherited(inherited);
    }
    let rt = Arc::new(
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("dimg")
            .enable_all()
            .build()
            .expect("cannot start the libdimg runtime"),
    );
    *slot = Some((pid, rt.clone()));
    rt
}

struct InCall;

impl Drop for InCall {
    fn drop(&mut self) {
        IN_CALL.with(|flag| flag.set(false));
    }
}

/// Runs `fut` to completion on the calling thread. Refused with `REENTRANT` from inside a dimg
/// callback, or from a thread that is already running an async runtime.
pub(crate) fn block_on<F: Future>(fut: F) -> Result<F::Output, Failure> {
    if IN_CALL.with(|flag| flag.replace(true)) {
        return Err(Failure::new(
            dimg_result::Reentrant,
            "dimg_client functions cannot be called from inside a dimg progress callback",
        ));
    }
    let _guard = InCall;
    if tokio::runtime::Handle::try_current().is_ok() {
        return Err(Failure::new(
            dimg_result::Reentrant,
            "dimg_client functions block and cannot be called from inside an async runtime",
        ));
    }
    Ok(runtime().block_on(fut))
}

/// Stops libdimg's internal runtime and joins its threads (libdimg runs its I/O on two
/// background threads, started by the first call that talks to a daemon).
///
/// Optional: call it at the end of the program, or before unloading the library with dlclose(),
/// once every client is freed and no dimg call is running on any thread. Leak checkers such as
/// valgrind then find nothing of libdimg's. A later call starts a new runtime.
///
/// Errors: `DIMG_RESULT_REENTRANT` from inside a dimg callback (nothing is stopped).
#[unsafe(no_mangle)]
pub extern "C" fn dimg_shutdown() -> dimg_result {
    ffi_boundary! {
        fallible(|| {
            if IN_CALL.with(Cell::get) || tokio::runtime::Handle::try_current().is_ok() {
                return Err(Failure::new(
                    dimg_result::Reentrant,
                    "dimg_shutdown cannot be called from inside a dimg callback",
                ));
            }
            let taken = RUNTIME.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).take();
            match taken {
                Some((owner, rt)) if owner == std::process::id() => {
                    // Another thread still in a call keeps its own reference; the runtime then
                    // stops when that call returns.
                    if let Ok(rt) = Arc::try_unwrap(rt) {
                        rt.shutdown_timeout(Duration::from_secs(5));
                    }
                }
                Some((_, inherited)) => keep_inherited(inherited),
                None => {}
            }
            Ok(())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nested_calls_are_refused() {
        let inner = block_on(async { block_on(async { 1 }).map_err(|f| f.code) }).unwrap();
        assert_eq!(inner, Err(dimg_result::Reentrant));
        assert_eq!(block_on(async { 2 }).unwrap(), 2, "the flag is reset afterwards");
    }

    #[test]
    fn shutdown_is_refused_inside_a_call_and_restartable() {
        let inside = block_on(async { dimg_shutdown() }).unwrap();
        assert_eq!(inside, dimg_result::Reentrant);
        assert_eq!(dimg_shutdown(), dimg_result::Ok);
        assert_eq!(dimg_shutdown(), dimg_result::Ok, "twice is fine");
        assert_eq!(block_on(async { 3 }).unwrap(), 3, "a new runtime starts");
    }
}
