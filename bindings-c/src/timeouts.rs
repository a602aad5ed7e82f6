//! `dimg_timeouts` and `DIMG_NO_TIMEOUT`: the limits of a client's calls in milliseconds, as
//! the C API takes and gives them (the core's `dimg::Timeouts`).

use std::time::Duration;

/// A `*_ms` limit meaning "no limit": wait as long as it takes (`dimg_timeouts`,
/// `dimg_client_options_set_timeout_ms`, `dimg_client_options_set_connect_timeout_ms`,
/// `dimg_retry_policy_set_max_elapsed_ms`). 0 means the default there.
pub const DIMG_NO_TIMEOUT: u32 = u32::MAX;

/// A limit as the C API takes it: 0 is `default`, `DIMG_NO_TIMEOUT` none, else milliseconds.
pub(crate) fn limit_from_ms(ms: u32, default: Duration) -> Option<Duration> {
    match ms {
        0 => Some(default),
        DIMG_NO_TIMEOUT => None,
        ms => Some(Duration::from_millis(u64::from(ms))),
    }
}

/// A limit as the C API gives it back: `DIMG_NO_TIMEOUT` for none, else milliseconds (at
/// least 1, so that it never reads as "default"; at most `DIMG_NO_TIMEOUT - 1`).
fn limit_to_ms(limit: Option<Duration>) -> u32 {
    limit.map_or(DIMG_NO_TIMEOUT, |limit| {
        u32::try_from(limit.as_millis())
            .unwrap_or(u32::MAX)
            .clamp(1, DIMG_NO_TIMEOUT - 1)
    })
}

/// The three limits every call runs under, in milliseconds (the core's `dimg::Timeouts`). In
/// each field 0 means the default and `DIMG_NO_TIMEOUT` no limit.
///
/// - `connect_ms`: opening a connection (for TLS, and again the handshake; for ssh, the first
///   answer through it); default 5 000.
/// - `total_ms`: a whole call that does not stream (list, search, inspect, remove, tag, prune,
///   ping, and the requests a pull makes before its stream starts); default 120 000.
/// - `idle_ms`: while a pull streams, the longest silence between two of its messages (a pull
///   may take hours; a daemon that says nothing for this long is taken as stuck); default
///   120 000.
///
/// Past a limit the call fails with `DIMG_RESULT_TIMEOUT` and its connection is closed (for a
/// pull, which cancels it in the daemon). Set on client options
/// (`dimg_client_options_set_timeouts`), read back with `dimg_client_timeouts`, and changed for
/// one call or a few with `dimg_client_with_timeouts`.
///
/// ```c
/// dimg_timeouts limits = {.connect_ms = 2000, .total_ms = 0, .idle_ms = DIMG_NO_TIMEOUT};
/// dimg_client_options_set_timeouts(options, &limits);
/// ```
#[repr(C)]
#[allow(non_camel_case_types)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct dimg_timeouts {
    /// Opening a connection, in milliseconds (0: 5 000; `DIMG_NO_TIMEOUT`: no limit).
    pub connect_ms: u32,
    /// A whole call that does not stream, in milliseconds (0: 120 000; `DIMG_NO_TIMEOUT`: no
    /// limit).
    pub total_ms: u32,
    /// Between two messages of a pull's stream, in milliseconds (0: 120 000;
    /// `DIMG_NO_TIMEOUT`: no limit).
    pub idle_ms: u32,
}

impl dimg_timeouts {
    pub(crate) fn to_core(self) -> dimg::Timeouts {
        dimg::Timeouts {
            connect: limit_from_ms(self.connect_ms, dimg::DEFAULT_CONNECT_TIMEOUT),
            total: limit_from_ms(self.total_ms, dimg::DEFAULT_TIMEOUT),
            idle: limit_from_ms(self.idle_ms, dimg::DEFAULT_TIMEOUT),
        }
    }

    pub(crate) fn from_core(timeouts: dimg::Timeouts) -> dimg_timeouts {
        dimg_timeouts {
            connect_ms: limit_to_ms(timeouts.connect),
            total_ms: limit_to_ms(timeouts.total),
            idle_ms: limit_to_ms(timeouts.idle),
        }
    }
}
