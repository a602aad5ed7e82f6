//! The only place that blocks: every `dimg_client_*` call runs its request on the calling
//! thread in `dimg::blocking` (the socket waited for with `poll(2)`), so libdimg starts no
//! threads of its own.

use std::cell::Cell;
use std::future::Future;

use crate::error::{Failure, dimg_result, fallible};

thread_local! {
    /// Set while this thread blocks in a dimg call, so that a callback calling dimg again gets
    /// `REENTRANT`.
    static IN_CALL: Cell<bool> = const { Cell::new(false) };
}

struct InCall;

impl Drop for InCall {
    fn drop(&mut self) {
        IN_CALL.with(|flag| flag.set(false));
    }
}

/// Runs `fut` to completion on the calling thread. Refused with `REENTRANT` from inside a dimg
/// callback, or from a thread that is running an async runtime (which blocking would stall).
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
    Ok(dimg::blocking::block_on(fut))
}

/// Kept so that programs written for earlier libdimg versions (which ran their I/O on two
/// background threads, stopped here) still build and link: libdimg now starts no threads and
/// holds nothing global, so there is nothing to stop.
///
/// Errors: `DIMG_RESULT_REENTRANT` from inside a dimg callback, as before.
#[unsafe(no_mangle)]
pub extern "C" fn dimg_shutdown() -> dimg_result {
    ffi_boundary! {
        fallible(|| {
            if IN_CALL.with(Cell::get) {
                return Err(Failure::new(
                    dimg_result::Reentrant,
                    "dimg_shutdown cannot be called from inside a dimg callback",
                ));
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
    fn shutdown_is_refused_inside_a_call_and_harmless_outside() {
        let inside = block_on(async { dimg_shutdown() }).unwrap();
        assert_eq!(inside, dimg_result::Reentrant);
        assert_eq!(dimg_shutdown(), dimg_result::Ok);
        assert_eq!(dimg_shutdown(), dimg_result::Ok, "twice is fine");
        assert_eq!(block_on(async { 3 }).unwrap(), 3);
    }
}
