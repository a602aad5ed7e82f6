//! libdimg runs every call on the calling thread through `dimg::blocking` (its sockets waited
//! for with `poll(2)`), so it starts no threads of its own and has nothing global to stop.

use crate::error::{Failure, dimg_result, fallible};

/// Kept so that programs written for earlier libdimg versions (which ran their I/O on two
/// background threads, stopped here) still build and link: libdimg now starts no threads and
/// holds nothing global, so there is nothing to stop.
///
/// Errors: `DIMG_RESULT_REENTRANT` from inside a dimg callback, as before.
#[unsafe(no_mangle)]
pub extern "C" fn dimg_shutdown() -> dimg_result {
    ffi_boundary! {
        fallible(|| {
            if dimg::blocking::inside_call() {
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
    fn shutdown_is_harmless_outside_a_call() {
        assert_eq!(dimg_shutdown(), dimg_result::Ok);
        assert_eq!(dimg_shutdown(), dimg_result::Ok, "twice is fine");
    }
}
