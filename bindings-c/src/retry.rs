//! `dimg_retry_policy`: when a pull, search or inspect is tried again after a transient
//! failure (the core's `RetryPolicy`), for `dimg_client_options_set_retry` and
//! `dimg_client_with_retry`.

use std::time::Duration;

use crate::error::{dimg_result, fallible};
use crate::ffi::{arg_mut, free_box, into_raw};
use crate::timeouts::DIMG_NO_TIMEOUT;

/// How often, and after which waits, a pull, search or inspect is tried again when it failed
/// in a way that asking again can cure: a connection reset or closed mid-answer, the daemon's
/// or the registry's 502/503/504, the registry's `unexpected EOF`, a timeout. Rate limits
/// (`DIMG_RESULT_RATE_LIMITED`), refused credentials, missing images and every error found
/// before a request are never retried; removals, tags and prunes never are either.
///
/// The wait before retry n (1, 2, ...) is `initial_backoff * multiplier^(n-1)`, at most
/// `max_backoff`, spread at random by `jitter`; a retry whose wait would end past
/// `max_elapsed` (from the first attempt) is not made. Each retry of a pull is a progress
/// message of phase `DIMG_PULL_PHASE_RETRY` (`Attempt 2 of 3 in 0.5s after: ...`). When the
/// last attempt fails too, the call returns the code of that failure, the message starts with
/// "gave up after N attempts" and `dimg_last_error_attempts` is N.
///
/// Made by `dimg_retry_policy_new`, released by `dimg_retry_policy_free`. The core's
/// `dimg::RetryPolicy`: each setter is its setter of the same name. A client copies it
/// (`dimg_client_options_set_retry`, `dimg_client_with_retry`): it may be changed or freed
/// right after. Change it from one thread at a time.
#[allow(non_camel_case_types)]
#[derive(Debug, Clone)]
pub struct dimg_retry_policy {
    policy: dimg::RetryPolicy,
    /// Set by `dimg_retry_policy_set_max_elapsed_ms`, given to the policy when it is used (the
    /// core's policy has no setter for "no limit" once a limit was set).
    max_elapsed: Option<Duration>,
}

impl dimg_retry_policy {
    /// The core's policy this one describes.
    pub(crate) fn to_core(&self) -> dimg::RetryPolicy {
        match self.max_elapsed {
            Some(limit) => self.policy.clone().max_elapsed(limit),
            None => self.policy.clone(),
        }
    }

    /// Applies one of the core policy's (by-value) setters.
    fn update(&mut self, set: impl FnOnce(dimg::RetryPolicy) -> dimg::RetryPolicy) {
        let policy = std::mem::replace(&mut self.policy, dimg::RetryPolicy::new(1));
        self.policy = set(policy);
    }
}

/// A new retry policy of at most `attempts` attempts in all (1: no retry; 0 counts as 1),
/// waiting 500 ms before the first retry and twice as long before each next one, at most
/// 30 s, spread by ±20 %, with no overall limit (as in Rust and Python). Release with
/// `dimg_retry_policy_free`. Never NULL (except on an internal error).
///
/// ```c
/// dimg_retry_policy *policy = dimg_retry_policy_new(4);
/// dimg_retry_policy_set_initial_backoff_ms(policy, 200);
/// dimg_retry_policy_set_max_elapsed_ms(policy, 30000);
/// dimg_client *patient = NULL;
/// dimg_result rc = dimg_client_with_retry(client, policy, &patient);
/// dimg_retry_policy_free(policy);
/// ```
#[unsafe(no_mangle)]
pub extern "C" fn dimg_retry_policy_new(attempts: u32) -> *mut dimg_retry_policy {
    ffi_boundary! {
        into_raw(dimg_retry_policy {
            policy: dimg::RetryPolicy::new(attempts),
            max_elapsed: None,
        })
    }
}

/// Releases a retry policy. NULL does nothing. Clients it was given to keep their copy.
#[unsafe(no_mangle)]
pub extern "C" fn dimg_retry_policy_free(policy: *mut dimg_retry_policy) {
    ffi_boundary! { free_box(policy) }
}

/// The wait before the first retry, in milliseconds (0: none; default 500).
///
/// ```c
/// dimg_retry_policy_set_initial_backoff_ms(policy, 250);
/// ```
///
/// Errors: `DIMG_RESULT_INVALID_ARGUMENT` for NULL `policy`.
#[unsafe(no_mangle)]
pub extern "C" fn dimg_retry_policy_set_initial_backoff_ms(
    policy: *mut dimg_retry_policy,
    wait_ms: u32,
) -> dimg_result {
    ffi_boundary! {
        fallible(|| {
            let wait = Duration::from_millis(u64::from(wait_ms));
            arg_mut(policy, "policy")?.update(|p| p.initial_backoff(wait));
            Ok(())
        })
    }
}

/// How much longer each next wait is than the one before (default 2; below 1 or not a number
/// counts as 1, every wait the same).
///
/// ```c
/// dimg_retry_policy_set_multiplier(policy, 3.0);
/// ```
///
/// Errors: `DIMG_RESULT_INVALID_ARGUMENT` for NULL `policy`.
#[unsafe(no_mangle)]
pub extern "C" fn dimg_retry_policy_set_multiplier(policy: *mut dimg_retry_policy, factor: f64) -> dimg_result {
    ffi_boundary! {
        fallible(|| {
            arg_mut(policy, "policy")?.update(|p| p.multiplier(factor));
            Ok(())
        })
    }
}

/// The longest wait between two attempts, in milliseconds (default 30 000).
///
/// ```c
/// dimg_retry_policy_set_max_backoff_ms(policy, 5000);
/// ```
///
/// Errors: `DIMG_RESULT_INVALID_ARGUMENT` for NULL `policy`.
#[unsafe(no_mangle)]
pub extern "C" fn dimg_retry_policy_set_max_backoff_ms(policy: *mut dimg_retry_policy, cap_ms: u32) -> dimg_result {
    ffi_boundary! {
        fallible(|| {
            let cap = Duration::from_millis(u64::from(cap_ms));
            arg_mut(policy, "policy")?.update(|p| p.max_backoff(cap));
            Ok(())
        })
    }
}

/// No retry starts later than this many milliseconds after the first attempt began;
/// `DIMG_NO_TIMEOUT` (the default) is no such limit.
///
/// ```c
/// dimg_retry_policy_set_max_elapsed_ms(policy, 60000);
/// ```
///
/// Errors: `DIMG_RESULT_INVALID_ARGUMENT` for NULL `policy`.
#[unsafe(no_mangle)]
pub extern "C" fn dimg_retry_policy_set_max_elapsed_ms(policy: *mut dimg_retry_policy, limit_ms: u32) -> dimg_result {
    ffi_boundary! {
        fallible(|| {
            let limit = (limit_ms != DIMG_NO_TIMEOUT).then(|| Duration::from_millis(u64::from(limit_ms)));
            arg_mut(policy, "policy")?.max_elapsed = limit;
            Ok(())
        })
    }
}

/// How much each wait is spread at random, so that many clients failing together do not come
/// back together: 0 (exact waits) to 1 (anything from no wait to twice the wait); default 0.2.
/// Outside that range, the nearest end; not a number counts as 0.
///
/// ```c
/// dimg_retry_policy_set_jitter(policy, 0.0);
/// ```
///
/// Errors: `DIMG_RESULT_INVALID_ARGUMENT` for NULL `policy`.
#[unsafe(no_mangle)]
pub extern "C" fn dimg_retry_policy_set_jitter(policy: *mut dimg_retry_policy, fraction: f64) -> dimg_result {
    ffi_boundary! {
        fallible(|| {
            arg_mut(policy, "policy")?.update(|p| p.jitter(fraction));
            Ok(())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn core(policy: *mut dimg_retry_policy) -> dimg::RetryPolicy {
        unsafe { &*policy }.to_core()
    }

    #[test]
    fn setters_are_the_core_setters() {
        let policy = dimg_retry_policy_new(0);
        assert_eq!(core(policy).attempts(), 1, "0 counts as 1");
        dimg_retry_policy_free(policy);

        let policy = dimg_retry_policy_new(4);
        assert_eq!(core(policy).attempts(), 4);
        assert_eq!(
            core(policy).backoff(1),
            Duration::from_millis(500),
            "the core's default"
        );
        assert_eq!(dimg_retry_policy_set_initial_backoff_ms(policy, 200), dimg_result::Ok);
        assert_eq!(dimg_retry_policy_set_multiplier(policy, 3.0), dimg_result::Ok);
        assert_eq!(dimg_retry_policy_set_max_backoff_ms(policy, 1000), dimg_result::Ok);
        assert_eq!(dimg_retry_policy_set_jitter(policy, 0.0), dimg_result::Ok);
        let p = core(policy);
        assert_eq!(
            [p.backoff(1), p.backoff(2), p.backoff(3)],
            [
                Duration::from_millis(200),
                Duration::from_millis(600),
                Duration::from_secs(1)
            ]
        );
        assert_eq!(dimg_retry_policy_set_multiplier(policy, f64::NAN), dimg_result::Ok);
        assert_eq!(core(policy).backoff(3), Duration::from_millis(200), "NaN counts as 1");

        assert_eq!(dimg_retry_policy_set_max_elapsed_ms(policy, 1500), dimg_result::Ok);
        assert!(format!("{:?}", core(policy)).contains("max_elapsed: Some(1.5s)"));
        assert_eq!(
            dimg_retry_policy_set_max_elapsed_ms(policy, DIMG_NO_TIMEOUT),
            dimg_result::Ok
        );
        assert!(format!("{:?}", core(policy)).contains("max_elapsed: None"));
        dimg_retry_policy_free(policy);
    }
}
