//! `dimg_result`, the one mapping from `dimg::Error` onto it, and the thread-local last error.

use std::cell::RefCell;
use std::ffi::{CStr, c_char};

use crate::buf::write_str_to_buf;

/// What a fallible dimg function did. `DIMG_RESULT_OK` is 0; every other value is a failure
/// whose details (`dimg_last_error_message`, `dimg_last_error_http_status`) are kept for the
/// calling thread. The numbers are stable: never renumbered, never reused.
#[repr(C)]
#[allow(non_camel_case_types)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum dimg_result {
    /// Success.
    Ok = 0,
    /// An argument was refused before anything was sent: a NULL pointer, invalid UTF-8, a
    /// malformed filter, an out-of-range limit, an unsupported DOCKER_HOST, an invalid platform,
    /// a tag together with all_tags, ...
    InvalidArgument = 1,
    /// An image reference does not follow the distribution/reference grammar (for example an
    /// upper-case name). Nothing was sent.
    InvalidReference = 2,
    /// The daemon's socket could not be reached: missing, refused, or not permitted.
    Connect = 3,
    /// The daemon did not answer (or stopped sending) within the client's timeouts: connecting
    /// (`connect_ms`), a whole call (`total_ms`) or, while a pull streams, between two of its
    /// messages (`idle_ms`); see `dimg_timeouts`.
    Timeout = 4,
    /// HTTP 404: no such image, tag or manifest.
    NotFound = 5,
    /// HTTP 409: for example the image is used by a container, or is referenced in several
    /// repositories and was removed by id without force.
    Conflict = 6,
    /// Any other error status from the daemon (see `dimg_last_error_http_status`).
    Api = 7,
    /// The daemon reported an error inside a pull that had started (its `errorDetail`).
    PullFailed = 8,
    /// The daemon answered something dimg cannot understand (bad JSON, broken framing, a
    /// connection closed mid-answer).
    Protocol = 9,
    /// A progress callback returned non-zero; the pull (for `dimg_client_pull_many`, every
    /// pull) was stopped.
    Cancelled = 10,
    /// A dimg_client_* function was called from inside a dimg callback (or from inside an async
    /// runtime), where it cannot block. Nothing was done.
    Reentrant = 11,
    /// An option needs a newer Engine API version than the daemon's, or the daemon (Podman)
    /// does not offer it at all. Nothing was sent.
    UnsupportedOption = 12,
    /// The registry wanted credentials, or refused the ones given.
    Unauthorized = 13,
    /// Registry credentials could not be looked up: the docker `config.json` cannot be read
    /// or parsed, or a credential helper failed. The message names the file or helper, never
    /// a secret. Nothing was sent.
    Credentials = 14,
    /// The TLS connection to a `tcp://` daemon failed (unknown CA, name mismatch, missing or
    /// refused client certificate, a plain-HTTP port), or its TLS files cannot be used. The
    /// message says which.
    Tls = 15,
    /// The `ssh` process of an `ssh://` daemon failed or ended: connection refused,
    /// authentication failed, unknown host key, no docker on the remote host. The message
    /// holds the command, its exit status and the first lines of its standard error.
    Ssh = 16,
    /// The registry's rate limit refused the request (Docker Hub's `toomanyrequests`), as the
    /// daemon's HTTP 429 answer (`dimg_last_error_http_status` is then 429) or inside a pull
    /// stream (0). The message is the registry's. Asking again at once only uses up more of
    /// the limit.
    RateLimited = 17,
    /// A bug inside libdimg (a Rust panic), stopped at the boundary.
    Panic = 99,
}

impl dimg_result {
    /// The C name of the code, `DIMG_RESULT_NOT_FOUND`.
    pub(crate) fn c_name(self) -> &'static CStr {
        match self {
            dimg_result::Ok => c"DIMG_RESULT_OK",
            dimg_result::InvalidArgument => c"DIMG_RESULT_INVALID_ARGUMENT",
            dimg_result::InvalidReference => c"DIMG_RESULT_INVALID_REFERENCE",
            dimg_result::Connect => c"DIMG_RESULT_CONNECT",
            dimg_result::Timeout => c"DIMG_RESULT_TIMEOUT",
            dimg_result::NotFound => c"DIMG_RESULT_NOT_FOUND",
            dimg_result::Conflict => c"DIMG_RESULT_CONFLICT",
            dimg_result::Api => c"DIMG_RESULT_API",
            dimg_result::PullFailed => c"DIMG_RESULT_PULL_FAILED",
            dimg_result::Protocol => c"DIMG_RESULT_PROTOCOL",
            dimg_result::Cancelled => c"DIMG_RESULT_CANCELLED",
            dimg_result::Reentrant => c"DIMG_RESULT_REENTRANT",
            dimg_result::UnsupportedOption => c"DIMG_RESULT_UNSUPPORTED_OPTION",
            dimg_result::Unauthorized => c"DIMG_RESULT_UNAUTHORIZED",
            dimg_result::Credentials => c"DIMG_RESULT_CREDENTIALS",
            dimg_result::Tls => c"DIMG_RESULT_TLS",
            dimg_result::Ssh => c"DIMG_RESULT_SSH",
            dimg_result::RateLimited => c"DIMG_RESULT_RATE_LIMITED",
            dimg_result::Panic => c"DIMG_RESULT_PANIC",
        }
    }

    const ALL: [dimg_result; 19] = [
        dimg_result::Ok,
        dimg_result::InvalidArgument,
        dimg_result::InvalidReference,
        dimg_result::Connect,
        dimg_result::Timeout,
        dimg_result::NotFound,
        dimg_result::Conflict,
        dimg_result::Api,
        dimg_result::PullFailed,
        dimg_result::Protocol,
        dimg_result::Cancelled,
        dimg_result::Reentrant,
        dimg_result::UnsupportedOption,
        dimg_result::Unauthorized,
        dimg_result::Credentials,
        dimg_result::Tls,
        dimg_result::Ssh,
        dimg_result::RateLimited,
        dimg_result::Panic,
    ];
}

impl From<&dimg::Error> for dimg_result {
    /// The one mapping from the core's error enum onto result codes. A call its retry policy
    /// retried until it gave up has the code of its last attempt's failure (the message keeps
    /// "gave up after N attempts").
    fn from(error: &dimg::Error) -> dimg_result {
        match error.last_attempt() {
            dimg::Error::Connect { .. } => dimg_result::Connect,
            dimg::Error::Tls { .. } => dimg_result::Tls,
            dimg::Error::Ssh { .. } => dimg_result::Ssh,
            dimg::Error::Timeout(_) => dimg_result::Timeout,
            dimg::Error::InvalidReference { .. } => dimg_result::InvalidReference,
            dimg::Error::InvalidArgument(_) => dimg_result::InvalidArgument,
            dimg::Error::UnsupportedOption { .. } | dimg::Error::Unsupported(_) => dimg_result::UnsupportedOption,
            dimg::Error::Unauthorized { .. } => dimg_result::Unauthorized,
            dimg::Error::RateLimited { .. } => dimg_result::RateLimited,
            dimg::Error::NotFound(_) => dimg_result::NotFound,
            dimg::Error::Conflict(_) => dimg_result::Conflict,
            dimg::Error::Api { .. } => dimg_result::Api,
            dimg::Error::Pull { .. } => dimg_result::PullFailed,
            dimg::Error::Protocol { .. } => dimg_result::Protocol,
            dimg::Error::Credentials { .. } => dimg_result::Credentials,
            dimg::Error::Interrupted(_) => dimg_result::Cancelled,
            dimg::Error::Reentrant(_) => dimg_result::Reentrant,
            // A kind added to the core later: a failure reported by (or about) the daemon.
            _ => dimg_result::Api,
        }
    }
}

/// A failed call, as it is kept in the last error (and in removal outcomes).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Failure {
    pub code: dimg_result,
    /// The whole chain, "this: cause: root cause".
    pub message: String,
    /// The docker CLI's wording.
    pub cli_message: String,
    /// The daemon's HTTP status, 0 when the failure did not come from one.
    pub http_status: u16,
    /// How many attempts the call made: 1 unless its retry policy tried again.
    pub attempts: u32,
}

impl Failure {
    pub fn new(code: dimg_result, message: impl Into<String>) -> Failure {
        let message = message.into();
        Failure {
            code,
            cli_message: message.clone(),
            message,
            http_status: 0,
            attempts: 1,
        }
    }

    pub fn invalid_argument(message: impl Into<String>) -> Failure {
        Failure::new(dimg_result::InvalidArgument, message)
    }
}

impl From<&dimg::Error> for Failure {
    fn from(error: &dimg::Error) -> Failure {
        Failure {
            code: error.into(),
            message: error.chain(),
            cli_message: dimg_render::cli_message(error),
            http_status: error.http_status().unwrap_or(0),
            attempts: error.attempts(),
        }
    }
}

impl From<dimg::Error> for Failure {
    fn from(error: dimg::Error) -> Failure {
        Failure::from(&error)
    }
}

thread_local! {
    static LAST_ERROR: RefCell<Option<Failure>> = const { RefCell::new(None) };
}

/// Forgets this thread's last error.
pub(crate) fn clear_last_error() {
    LAST_ERROR.with(|e| e.borrow_mut().take());
}

/// Records `failure` as this thread's last error and returns its code.
pub(crate) fn set_last_error(failure: Failure) -> dimg_result {
    let code = failure.code;
    LAST_ERROR.with(|e| *e.borrow_mut() = Some(failure));
    code
}

fn with_last_error<T>(f: impl FnOnce(Option<&Failure>) -> T) -> T {
    LAST_ERROR.with(|e| f(e.borrow().as_ref()))
}

/// Runs the body of a fallible function: clears the last error, and records the failure, if
/// any, as the new one.
pub(crate) fn fallible(body: impl FnOnce() -> Result<(), Failure>) -> dimg_result {
    clear_last_error();
    match body() {
        Ok(()) => {
            // A callback may have failed a nested call in between; this call succeeded.
            clear_last_error();
            dimg_result::Ok
        }
        Err(failure) => set_last_error(failure),
    }
}

/// Copies the message of this thread's last error into `buf` (at most `len` bytes, always
/// NUL-terminated when `len` > 0, cut at a UTF-8 character boundary) and returns its full
/// length in bytes without the NUL, like snprintf: a return value >= `len` means the message
/// was cut. With no last error the message is "" and 0 is returned. `buf` may be NULL when
/// `len` is 0, to ask for the length. The message is the whole cause chain, "this: cause: root
/// cause"; its wording is not API.
#[unsafe(no_mangle)]
pub extern "C" fn dimg_last_error_message(buf: *mut c_char, len: usize) -> usize {
    ffi_boundary! {
        with_last_error(|e| write_str_to_buf(e.map_or("", |e| e.message.as_str()), buf, len))
    }
}

/// Like `dimg_last_error_message`, with the docker CLI's wording instead of the cause chain
/// ("Error response from daemon: No such image: x:latest", "Cannot connect to the Docker
/// daemon at unix:///var/run/docker.sock. Is the docker daemon running?"), for tools that print
/// what docker prints.
#[unsafe(no_mangle)]
pub extern "C" fn dimg_last_error_cli_message(buf: *mut c_char, len: usize) -> usize {
    ffi_boundary! {
        with_last_error(|e| write_str_to_buf(e.map_or("", |e| e.cli_message.as_str()), buf, len))
    }
}

/// The code of this thread's last error; `DIMG_RESULT_OK` when the last fallible call
/// succeeded (or there was none).
#[unsafe(no_mangle)]
pub extern "C" fn dimg_last_error_code() -> dimg_result {
    ffi_boundary! {
        with_last_error(|e| e.map_or(dimg_result::Ok, |e| e.code))
    }
}

/// The HTTP status the daemon answered with for this thread's last error (404, 409, 500, ...),
/// or 0 when it did not come from an HTTP answer (or there is no last error).
#[unsafe(no_mangle)]
pub extern "C" fn dimg_last_error_http_status() -> u16 {
    ffi_boundary! {
        with_last_error(|e| e.map_or(0, |e| e.http_status))
    }
}

/// How many attempts the call that failed last on this thread made: 1 unless a retry policy
/// (`dimg_client_options_set_retry`, `dimg_client_with_retry`) tried it again, in which case
/// the message starts with "gave up after N attempts" and the code is the last attempt's; 0
/// when there is no last error.
///
/// ```c
/// if (dimg_client_pull(patient, "registry.example/app:1.4", NULL, NULL, NULL, NULL) != DIMG_RESULT_OK)
///     fprintf(stderr, "%s after %u attempt(s)\n", dimg_result_name(dimg_last_error_code()),
///             dimg_last_error_attempts());
/// ```
#[unsafe(no_mangle)]
pub extern "C" fn dimg_last_error_attempts() -> u32 {
    ffi_boundary! {
        with_last_error(|e| e.map_or(0, |e| e.attempts))
    }
}

/// The C name of a result code (`"DIMG_RESULT_NOT_FOUND"`), or `"DIMG_RESULT_UNKNOWN"` for a
/// number that is not one. Static storage: never freed.
#[unsafe(no_mangle)]
pub extern "C" fn dimg_result_name(code: i32) -> *const c_char {
    ffi_boundary! {
        dimg_result::ALL
            .iter()
            .find(|r| **r as i32 == code)
            .map_or(c"DIMG_RESULT_UNKNOWN", |r| r.c_name())
            .as_ptr()
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    fn message() -> String {
        let n = dimg_last_error_message(std::ptr::null_mut(), 0);
        let mut buf = vec![0u8; n + 1];
        assert_eq!(dimg_last_error_message(buf.as_mut_ptr().cast(), buf.len()), n);
        String::from_utf8(buf[..n].to_vec()).unwrap()
    }

    #[test]
    fn every_core_error_kind_lands_on_its_code() {
        let absent = dimg::blocking::Client::with_socket("/nonexistent/dimg-c-test.sock");
        let connect = absent.ping().unwrap_err();
        let cases: Vec<(dimg::Error, dimg_result, u16)> = vec![
            (connect, dimg_result::Connect, 0),
            (dimg::Error::Timeout(Duration::from_secs(1)), dimg_result::Timeout, 0),
            (
                dimg::ImageRef::parse("Tiny").unwrap_err(),
                dimg_result::InvalidReference,
                0,
            ),
            (
                dimg::Error::InvalidArgument("x".into()),
                dimg_result::InvalidArgument,
                0,
            ),
            (
                "colour=blue".parse::<dimg::ImageFilter>().unwrap_err(),
                dimg_result::InvalidArgument,
                0,
            ),
            (
                dimg::Error::NotFound("No such image".into()),
                dimg_result::NotFound,
                404,
            ),
            (dimg::Error::Conflict("in use".into()), dimg_result::Conflict, 409),
            (
                dimg::Error::Api {
                    status: 500,
                    message: "boom".into(),
                },
                dimg_result::Api,
                500,
            ),
            (
                dimg::Error::Pull {
                    message: "gone".into(),
                    code: None,
                },
                dimg_result::PullFailed,
                0,
            ),
            (
                dimg::PullEvent::from_json(b"not json").unwrap_err(),
                dimg_result::Protocol,
                0,
            ),
            (
                dimg::Error::Unauthorized {
                    message: "no basic auth credentials".into(),
                    status: Some(500),
                },
                dimg_result::Unauthorized,
                500,
            ),
            (
                dimg::Error::Unsupported("not on Podman".into()),
                dimg_result::UnsupportedOption,
                0,
            ),
            (
                dimg::Error::RateLimited {
                    message: "toomanyrequests: slow down".into(),
                    status: Some(429),
                },
                dimg_result::RateLimited,
                429,
            ),
            (
                dimg::Error::RateLimited {
                    message: "toomanyrequests: slow down".into(),
                    status: None,
                },
                dimg_result::RateLimited,
                0,
            ),
            // Retried until the policy gave up: the last attempt's kind, the whole message.
            (
                dimg::Error::Retried {
                    attempts: 3,
                    last: Box::new(dimg::Error::Api {
                        status: 503,
                        message: "Service Unavailable".into(),
                    }),
                },
                dimg_result::Api,
                503,
            ),
            (
                dimg::Error::Retried {
                    attempts: 2,
                    last: Box::new(dimg::Error::Timeout(Duration::from_secs(1))),
                },
                dimg_result::Timeout,
                0,
            ),
        ];
        for (error, code, status) in cases {
            let failure = Failure::from(&error);
            assert_eq!((failure.code, failure.http_status), (code, status), "{error:?}");
            assert_eq!(failure.attempts, error.attempts());
            assert_eq!(failure.message, error.chain());
            assert_eq!(fallible(|| Err(failure)), code);
            assert_eq!(dimg_last_error_code(), code);
            assert_eq!(dimg_last_error_http_status(), status);
            assert_eq!(message(), error.chain());
            assert_eq!(dimg_last_error_attempts(), error.attempts());
        }
        assert!(
            message().starts_with("gave up after 2 attempts: no response"),
            "{}",
            message()
        );
        clear_last_error();
        assert_eq!(dimg_last_error_attempts(), 0, "no last error");
    }

    #[test]
    fn the_last_error_is_cleared_by_the_next_fallible_call() {
        assert_eq!(
            fallible(|| Err(Failure::invalid_argument("bad"))),
            dimg_result::InvalidArgument
        );
        assert_eq!(message(), "bad");
        assert_eq!(fallible(|| Ok(())), dimg_result::Ok);
        assert_eq!(dimg_last_error_code(), dimg_result::Ok);
        assert_eq!(dimg_last_error_http_status(), 0);
        assert_eq!(message(), "");
    }

    #[test]
    fn messages_are_copied_like_snprintf() {
        set_last_error(Failure::invalid_argument("héllo"));
        let mut buf = [0x55u8; 4];
        assert_eq!(dimg_last_error_message(buf.as_mut_ptr().cast(), buf.len()), 6);
        assert_eq!(&buf, b"h\xc3\xa9\0", "cut at a character boundary, NUL-terminated");
        assert_eq!(dimg_last_error_message(buf.as_mut_ptr().cast(), 1), 6);
        assert_eq!(buf[0], 0);
        assert_eq!(dimg_last_error_message(std::ptr::null_mut(), 10), 6);
        assert_eq!(dimg_last_error_cli_message(std::ptr::null_mut(), 0), 6);
        clear_last_error();
    }

    #[test]
    fn the_last_error_is_per_thread() {
        set_last_error(Failure::invalid_argument("mine"));
        std::thread::spawn(|| assert_eq!(dimg_last_error_code(), dimg_result::Ok))
            .join()
            .unwrap();
        assert_eq!(dimg_last_error_code(), dimg_result::InvalidArgument);
        clear_last_error();
    }

    #[test]
    fn result_names() {
        for code in dimg_result::ALL {
            let name = unsafe { std::ffi::CStr::from_ptr(dimg_result_name(code as i32)) };
            assert_eq!(name, code.c_name());
        }
        let unknown = unsafe { std::ffi::CStr::from_ptr(dimg_result_name(-1)) };
        assert_eq!(unknown.to_str().unwrap(), "DIMG_RESULT_UNKNOWN");
        assert_eq!(dimg_result::NotFound as i32, 5);
        assert_eq!(dimg_result::RateLimited as i32, 17);
        assert_eq!(dimg_result::Panic as i32, 99);
    }
}
