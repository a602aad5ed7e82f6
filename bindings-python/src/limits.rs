//! How long calls may take (`dimg.Timeouts`) and how they are retried (`dimg.RetryPolicy`):
//! small frozen values, checked when made, turned into the core's `Timeouts` / `RetryPolicy`.

use std::hash::{Hash, Hasher};
use std::time::Duration;

use pyo3::prelude::*;
use pyo3::types::PyBool;

use crate::errors::invalid_argument;

/// A number of seconds from Python (int or float, not bool), `None` as None; `what` names the
/// argument. Anything else (a str, NaN, infinity, a negative number, or zero unless
/// `zero_allowed`) is an InvalidArgument: a limit or a wait must mean something before a
/// request is sent.
fn seconds(what: &str, value: &Bound<'_, PyAny>, zero_allowed: bool) -> PyResult<Option<Duration>> {
    if value.is_none() {
        return Ok(None);
    }
    let number = match value.is_instance_of::<PyBool>() {
        true => None,
        false => value.extract::<f64>().ok(),
    };
    let Some(number) = number else {
        return Err(invalid_argument(format!(
            "{what} must be a number of seconds or None, not {}",
            value.get_type().name()?
        )));
    };
    let least = if zero_allowed { "non-negative" } else { "positive" };
    if !number.is_finite() || number < 0.0 || (number == 0.0 && !zero_allowed) {
        return Err(invalid_argument(format!(
            "{what} must be a {least} number of seconds or None, not {number}"
        )));
    }
    Duration::try_from_secs_f64(number)
        .map(Some)
        .map_err(|_| invalid_argument(format!("{what} is too large: {number}")))
}

/// A keyword argument that may be left out, told apart from one given as None (which, for a
/// limit, means no limit): pyo3 reads None as a missing `Option`.
pub struct Given<'py>(Option<Bound<'py, PyAny>>);

impl<'a, 'py> FromPyObject<'a, 'py> for Given<'py> {
    type Error = PyErr;

    fn extract(obj: Borrowed<'a, 'py, PyAny>) -> PyResult<Given<'py>> {
        Ok(Given(Some(obj.to_owned())))
    }
}

/// A limit as Python shows it: seconds, or None.
fn shown(limit: Option<Duration>) -> String {
    limit.map_or_else(|| "None".to_string(), |d| format!("{:?}", d.as_secs_f64()))
}

/// The three limits every call runs under, in seconds; None is no limit. A `Client` has one
/// set (`timeouts=`, `client.timeouts`), `client.with_timeouts(...)` gives a client with
/// others on the same connections, and every image method takes `timeouts=` for one call.
///
/// Args:
///     connect: opening a connection to the daemon (for ssh:// the first answer through it).
///     total: a whole call that does not stream (list, get, search, remove, tag, prune, and
///         what a pull asks before its progress starts), from the request to the last byte.
///     idle: while a pull streams progress, the longest silence between two messages; a pull
///         may take hours, a daemon quiet for this long is taken as stuck.
///
/// Past a limit the call raises DockerTimeoutError (and a pull is cancelled in the daemon).
///
/// Raises:
///     InvalidArgument: a value that is not None or a positive number of seconds.
///
/// Example:
///     >>> dimg.Timeouts()
///     Timeouts(connect=5.0, total=120.0, idle=120.0)
///     >>> slow_registry = dimg.Timeouts(total=30, idle=600)    # connect keeps its 5 s
///     >>> client = dimg.Client(timeouts=slow_registry)
///     >>> client.images.get("alpine:3.19", timeouts=dimg.Timeouts(total=2))
#[pyclass(frozen, eq, hash, module = "dimg", name = "Timeouts")]
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct PyTimeouts {
    pub inner: dimg::Timeouts,
}

impl Hash for PyTimeouts {
    fn hash<H: Hasher>(&self, state: &mut H) {
        (self.inner.connect, self.inner.total, self.inner.idle).hash(state);
    }
}

#[pymethods]
impl PyTimeouts {
    #[new]
    #[pyo3(signature = (connect=Given(None), total=Given(None), idle=Given(None)), text_signature = "(connect=5.0, total=120.0, idle=120.0)")]
    fn new(connect: Given<'_>, total: Given<'_>, idle: Given<'_>) -> PyResult<PyTimeouts> {
        // An argument left out is the core's default; one given as None is no limit.
        let defaults = dimg::Timeouts::default();
        let limit = |what: &str, value: Given<'_>, default: Option<Duration>| match value.0 {
            None => Ok(default),
            Some(value) => seconds(what, &value, false),
        };
        Ok(PyTimeouts {
            inner: dimg::Timeouts {
                connect: limit("connect", connect, defaults.connect)?,
                total: limit("total", total, defaults.total)?,
                idle: limit("idle", idle, defaults.idle)?,
            },
        })
    }

    /// Seconds to open a connection; None: no limit.
    #[getter]
    fn connect(&self) -> Option<f64> {
        self.inner.connect.map(|d| d.as_secs_f64())
    }

    /// Seconds for a whole call that does not stream; None: no limit.
    #[getter]
    fn total(&self) -> Option<f64> {
        self.inner.total.map(|d| d.as_secs_f64())
    }

    /// Seconds of silence allowed between two messages of a pull's progress; None: no limit.
    #[getter]
    fn idle(&self) -> Option<f64> {
        self.inner.idle.map(|d| d.as_secs_f64())
    }

    fn __repr__(&self) -> String {
        format!(
            "Timeouts(connect={}, total={}, idle={})",
            shown(self.inner.connect),
            shown(self.inner.total),
            shown(self.inner.idle)
        )
    }
}

impl From<dimg::Timeouts> for PyTimeouts {
    fn from(inner: dimg::Timeouts) -> PyTimeouts {
        PyTimeouts { inner }
    }
}

/// When and how often a pull, search or get is tried again after a transient failure (a reset
/// connection, a 502/503/504, the registry's `unexpected EOF`, a timeout). Rate limits
/// (RateLimited), refused credentials, missing images and errors found before a request are
/// never retried, and neither are remove, tag and prune (made twice, they do not mean the
/// same as once). Give it as `retry=` to a client, or to one call.
///
/// The wait before retry n (n = 1, 2, ...) is `initial_backoff * multiplier ** (n - 1)`, at
/// most `max_backoff`, spread at random by `jitter` (a factor from 1 - jitter to 1 + jitter);
/// a retry whose wait would end later than `max_elapsed` after the first attempt began is not
/// made. A pull's progress shows each retry as a PullProgress whose phase is "retry" (status
/// "Attempt 2 of 3 in 0.5s after: ..."). A call that still fails raises the last attempt's
/// exception class, its message starting "gave up after N attempts: ", and its `attempts`
/// attribute says how many were made (1 when there was no retry).
///
/// Args:
///     attempts: the most attempts in all, at least 1 (1: no retry).
///     initial_backoff: seconds before the first retry (0 or more).
///     multiplier: how much longer each next wait is (at least 1).
///     max_backoff: the longest wait, in seconds (0 or more).
///     max_elapsed: seconds after which no retry starts; None: no overall limit.
///     jitter: the random spread, 0 (exact waits) to 1.
///
/// Raises:
///     InvalidArgument: a value out of these ranges, or not a number.
///
/// Example:
///     >>> patient = dimg.RetryPolicy(4, initial_backoff=0.2, max_elapsed=30)
///     >>> client = dimg.Client(retry=patient)
///     >>> client.images.pull("registry.example.com/app", tag="1.4", retry=dimg.RetryPolicy(1))  # this one: no retry
#[pyclass(frozen, eq, hash, module = "dimg", name = "RetryPolicy")]
#[derive(Clone, PartialEq)]
pub struct PyRetryPolicy {
    attempts: u32,
    initial_backoff: Duration,
    multiplier: f64,
    max_backoff: Duration,
    max_elapsed: Option<Duration>,
    jitter: f64,
}

// Every f64 here is finite (checked when made), so equal values hash alike.
impl Eq for PyRetryPolicy {}

impl Hash for PyRetryPolicy {
    fn hash<H: Hasher>(&self, state: &mut H) {
        (self.attempts, self.initial_backoff, self.max_backoff, self.max_elapsed).hash(state);
        (self.multiplier.to_bits(), self.jitter.to_bits()).hash(state);
    }
}

/// A finite number in `low..=high` (`range` in words), not bool; `what` names the argument.
fn number_in(what: &str, value: &Bound<'_, PyAny>, low: f64, high: f64, range: &str) -> PyResult<f64> {
    let number = match value.is_instance_of::<PyBool>() {
        true => None,
        false => value.extract::<f64>().ok(),
    };
    match number {
        Some(n) if n.is_finite() && (low..=high).contains(&n) => Ok(n),
        Some(n) => Err(invalid_argument(format!("{what} must be {range}, not {n}"))),
        None => Err(invalid_argument(format!(
            "{what} must be a number, not {}",
            value.get_type().name()?
        ))),
    }
}

#[pymethods]
impl PyRetryPolicy {
    #[new]
    #[pyo3(
        signature = (attempts, initial_backoff=Given(None), multiplier=Given(None), max_backoff=Given(None), max_elapsed=None, jitter=Given(None)),
        text_signature = "(attempts, initial_backoff=0.5, multiplier=2.0, max_backoff=30.0, max_elapsed=None, jitter=0.2)"
    )]
    fn new(
        attempts: &Bound<'_, PyAny>,
        initial_backoff: Given<'_>,
        multiplier: Given<'_>,
        max_backoff: Given<'_>,
        max_elapsed: Option<&Bound<'_, PyAny>>,
        jitter: Given<'_>,
    ) -> PyResult<PyRetryPolicy> {
        let count = match attempts.is_instance_of::<PyBool>() {
            true => None,
            false => attempts.extract::<i64>().ok(),
        };
        let attempts = match count {
            Some(n) if n >= 1 => u32::try_from(n).unwrap_or(u32::MAX),
            Some(n) => return Err(invalid_argument(format!("attempts must be at least 1, not {n}"))),
            None => {
                return Err(invalid_argument(format!(
                    "attempts must be an int, not {}",
                    attempts.get_type().name()?
                )));
            }
        };
        // A wait is a number; only the overall limit may be None.
        let wait = |what: &str, value: Given<'_>, default: Duration| match value.0 {
            None => Ok(default),
            Some(value) => seconds(what, &value, true)?
                .ok_or_else(|| invalid_argument(format!("{what} must be a non-negative number of seconds, not None"))),
        };
        let number = |what: &str, value: Given<'_>, default: f64, (low, high): (f64, f64), range: &str| match value.0 {
            None => Ok(default),
            Some(value) => number_in(what, &value, low, high, range),
        };
        let max_elapsed = match max_elapsed {
            None => None,
            Some(value) => seconds("max_elapsed", value, false)?,
        };
        Ok(PyRetryPolicy {
            attempts,
            initial_backoff: wait("initial_backoff", initial_backoff, DEFAULT_INITIAL_BACKOFF)?,
            multiplier: number(
                "multiplier",
                multiplier,
                DEFAULT_MULTIPLIER,
                (1.0, f64::MAX),
                "at least 1",
            )?,
            max_backoff: wait("max_backoff", max_backoff, DEFAULT_MAX_BACKOFF)?,
            max_elapsed,
            jitter: number("jitter", jitter, DEFAULT_JITTER, (0.0, 1.0), "from 0 to 1")?,
        })
    }

    /// The most attempts in all.
    #[getter]
    fn attempts(&self) -> u32 {
        self.attempts
    }

    /// Seconds before the first retry.
    #[getter]
    fn initial_backoff(&self) -> f64 {
        self.initial_backoff.as_secs_f64()
    }

    /// How much longer each next wait is.
    #[getter]
    fn multiplier(&self) -> f64 {
        self.multiplier
    }

    /// The longest wait, in seconds.
    #[getter]
    fn max_backoff(&self) -> f64 {
        self.max_backoff.as_secs_f64()
    }

    /// Seconds after the first attempt past which no retry starts; None: no limit.
    #[getter]
    fn max_elapsed(&self) -> Option<f64> {
        self.max_elapsed.map(|d| d.as_secs_f64())
    }

    /// The random spread of each wait, 0 to 1.
    #[getter]
    fn jitter(&self) -> f64 {
        self.jitter
    }

    fn __repr__(&self) -> String {
        format!(
            "RetryPolicy(attempts={}, initial_backoff={:?}, multiplier={:?}, max_backoff={:?}, max_elapsed={}, jitter={:?})",
            self.attempts,
            self.initial_backoff.as_secs_f64(),
            self.multiplier,
            self.max_backoff.as_secs_f64(),
            shown(self.max_elapsed),
            self.jitter
        )
    }
}

/// `dimg::RetryPolicy::new`'s defaults (it has no getters for them), which the signature shows.
const DEFAULT_INITIAL_BACKOFF: Duration = Duration::from_millis(500);
const DEFAULT_MULTIPLIER: f64 = 2.0;
const DEFAULT_MAX_BACKOFF: Duration = Duration::from_secs(30);
const DEFAULT_JITTER: f64 = 0.2;

impl PyRetryPolicy {
    /// The core's policy.
    pub fn core(&self) -> dimg::RetryPolicy {
        let policy = dimg::RetryPolicy::new(self.attempts)
            .initial_backoff(self.initial_backoff)
            .multiplier(self.multiplier)
            .max_backoff(self.max_backoff)
            .jitter(self.jitter);
        match self.max_elapsed {
            Some(limit) => policy.max_elapsed(limit),
            None => policy,
        }
    }
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<PyTimeouts>()?;
    m.add_class::<PyRetryPolicy>()?;
    Ok(())
}
