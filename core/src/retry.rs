//! Retries of transient failures: [`RetryPolicy`], and the loop that applies it to pull,
//! search and inspect (which the operations in `api` run their requests in).

use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::error::{Error, Result};
use crate::runtime::Driver;

/// Called before each retry with what failed and how long dimg waits before trying again.
pub type RetryObserver = Arc<dyn Fn(&RetryAttempt<'_>) + Send + Sync>;

/// When and how often a pull, search or inspect is tried again after a transient failure
/// ([`Error::is_transient`]: a reset connection, a 5xx, the registry's `unexpected EOF`, a
/// timeout). Rate limits, refused credentials, missing images and every error found before a
/// request are never retried. Off unless set ([`crate::ClientBuilder::retry`],
/// [`crate::Client::with_retry`]).
///
/// The wait before retry *n* (n = 1, 2, ...) is `initial_backoff * multiplier^(n-1)`, at most
/// `max_backoff`, then spread by `jitter` (a factor drawn from `1 - jitter ..= 1 + jitter`, so
/// that many clients failing together do not come back together). A retry whose wait would end
/// past `max_elapsed` (counted from the first attempt) is not made.
///
/// Every retry is visible: a pull's stream has an event for it ([`crate::PullPhase::Retry`]),
/// and [`RetryPolicy::on_retry`] observes retries of every call. When the last attempt fails
/// too, the error is [`Error::Retried`], which says how many attempts were made and carries
/// the last failure (whose kind [`Error::last_attempt`] gives).
///
/// # Examples
/// ```
/// use std::time::Duration;
/// let policy = dimg::RetryPolicy::new(4)
///     .initial_backoff(Duration::from_millis(200))
///     .multiplier(3.0)
///     .max_backoff(Duration::from_secs(2))
///     .max_elapsed(Duration::from_secs(30))
///     .jitter(0.0);
/// assert_eq!(policy.backoff(1), Duration::from_millis(200));
/// assert_eq!(policy.backoff(2), Duration::from_millis(600));
/// assert_eq!(policy.backoff(3), Duration::from_millis(1800));
/// assert_eq!(policy.backoff(4), Duration::from_secs(2)); // 5.4 s, but the cap is 2 s
/// let docker = dimg::Client::builder().retry(policy).build()?;
/// # Ok::<(), dimg::Error>(())
/// ```
#[derive(Clone)]
#[must_use]
pub struct RetryPolicy {
    attempts: u32,
    initial_backoff: Duration,
    multiplier: f64,
    max_backoff: Duration,
    max_elapsed: Option<Duration>,
    jitter: f64,
    observer: Option<RetryObserver>,
}

impl std::fmt::Debug for RetryPolicy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RetryPolicy")
            .field("attempts", &self.attempts)
            .field("initial_backoff", &self.initial_backoff)
            .field("multiplier", &self.multiplier)
            .field("max_backoff", &self.max_backoff)
            .field("max_elapsed", &self.max_elapsed)
            .field("jitter", &self.jitter)
            .field("observed", &self.observer.is_some())
            .finish()
    }
}

/// One retry about to be made, as [`RetryPolicy::on_retry`] sees it.
#[derive(Debug)]
#[non_exhaustive]
pub struct RetryAttempt<'a> {
    /// The attempt about to start (2 for the first retry).
    pub attempt: u32,
    /// The most attempts the policy allows.
    pub attempts: u32,
    /// How long dimg waits before it.
    pub delay: Duration,
    /// What the attempt before failed with.
    pub error: &'a Error,
}

impl RetryAttempt<'_> {
    /// The retry in words, as a pull's [`crate::PullPhase::Retry`] event says it:
    /// `Attempt 2 of 3 in 0.5s after: <error>`.
    ///
    /// ```
    /// let error = dimg::Error::Api { status: 503, message: "Service Unavailable".into() };
    /// let attempt = dimg::RetryAttempt::new(2, 3, std::time::Duration::from_millis(500), &error);
    /// assert_eq!(attempt.describe(), "Attempt 2 of 3 in 0.5s after: Service Unavailable");
    /// ```
    pub fn describe(&self) -> String {
        format!(
            "Attempt {} of {} in {:.1}s after: {}",
            self.attempt,
            self.attempts,
            self.delay.as_secs_f64(),
            self.error
        )
    }

    /// A retry description (for renderers' and bindings' tests).
    pub fn new(attempt: u32, attempts: u32, delay: Duration, error: &Error) -> RetryAttempt<'_> {
        RetryAttempt {
            attempt,
            attempts,
            delay,
            error,
        }
    }
}

impl RetryPolicy {
    /// At most `attempts` attempts in all (1: no retry; 0 counts as 1), waiting 0.5 s before the
    /// first retry and twice as long before each next one, at most 30 s, spread by ±20 %, with
    /// no overall limit.
    pub fn new(attempts: u32) -> RetryPolicy {
        RetryPolicy {
            attempts: attempts.max(1),
            initial_backoff: Duration::from_millis(500),
            multiplier: 2.0,
            max_backoff: Duration::from_secs(30),
            max_elapsed: None,
            jitter: 0.2,
            observer: None,
        }
    }

    /// The wait before the first retry.
    pub fn initial_backoff(mut self, wait: Duration) -> RetryPolicy {
        self.initial_backoff = wait;
        self
    }

    /// How much longer each next wait is (at least 1; not a number counts as 1).
    pub fn multiplier(mut self, factor: f64) -> RetryPolicy {
        self.multiplier = if factor.is_nan() { 1.0 } else { factor.max(1.0) };
        self
    }

    /// The longest wait between two attempts.
    pub fn max_backoff(mut self, cap: Duration) -> RetryPolicy {
        self.max_backoff = cap;
        self
    }

    /// No retry starts later than this after the first attempt began.
    pub fn max_elapsed(mut self, limit: Duration) -> RetryPolicy {
        self.max_elapsed = Some(limit);
        self
    }

    /// How much each wait is spread at random: 0 (exact waits) to 1 (anything from none to
    /// twice the wait); outside that range, the nearest end.
    pub fn jitter(mut self, fraction: f64) -> RetryPolicy {
        self.jitter = if fraction.is_nan() {
            0.0
        } else {
            fraction.clamp(0.0, 1.0)
        };
        self
    }

    /// Calls `observer` before each retry (from the thread running the call; keep it short).
    ///
    /// ```
    /// let policy = dimg::RetryPolicy::new(3).on_retry(|retry| eprintln!("{}", retry.describe()));
    /// # let _ = policy;
    /// ```
    pub fn on_retry(mut self, observer: impl Fn(&RetryAttempt<'_>) + Send + Sync + 'static) -> RetryPolicy {
        self.observer = Some(Arc::new(observer));
        self
    }

    /// The most attempts this policy makes.
    pub fn attempts(&self) -> u32 {
        self.attempts
    }

    /// The wait before retry `retry` (1 for the first), before jitter.
    pub fn backoff(&self, retry: u32) -> Duration {
        let exponent = i32::try_from(retry.saturating_sub(1)).unwrap_or(i32::MAX);
        let wait = self.initial_backoff.as_secs_f64() * self.multiplier.powi(exponent);
        // A float too large for a Duration is past any cap.
        Duration::try_from_secs_f64(wait).map_or(self.max_backoff, |wait| wait.min(self.max_backoff))
    }

    /// Calls the observer, if any.
    fn observe(&self, attempt: &RetryAttempt<'_>) {
        if let Some(observer) = &self.observer {
            observer(attempt);
        }
    }
}

/// Where one call is in its retries: created when the call starts.
pub(crate) struct Retries {
    policy: Option<RetryPolicy>,
    started: Instant,
    /// Attempts made so far.
    made: u32,
    random: u64,
}

impl Retries {
    pub(crate) fn new(policy: Option<RetryPolicy>) -> Retries {
        let started = Instant::now();
        // A seed that differs between calls and processes; the spread needs no better.
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos());
        let random = u64::from(nanos) ^ (u64::from(std::process::id()) << 32) ^ (&started as *const _ as u64) | 1;
        Retries {
            policy,
            started,
            made: 1,
            random,
        }
    }

    /// After the latest attempt failed with `error`: how long to wait before the next one and
    /// the retry in words ([`RetryAttempt::describe`]), having told the observer; `Err` (the
    /// error to return) when no retry is made.
    pub(crate) fn next(&mut self, error: Error) -> std::result::Result<(Duration, String), Error> {
        let Some(policy) = &self.policy else {
            return Err(error);
        };
        let give_up = |error: Error, made: u32| match made {
            1 => error,
            attempts => Error::Retried {
                attempts,
                last: Box::new(error),
            },
        };
        if !error.is_transient() || self.made >= policy.attempts {
            return Err(give_up(error, self.made));
        }
        let delay = spread(&mut self.random, policy.backoff(self.made), policy.jitter);
        if let Some(limit) = policy.max_elapsed
            && self.started.elapsed() + delay > limit
        {
            return Err(give_up(error, self.made));
        }
        self.made += 1;
        let attempt = RetryAttempt::new(self.made, policy.attempts, delay, &error);
        policy.observe(&attempt);
        Ok((delay, attempt.describe()))
    }
}

/// `wait` times a factor in `1 - jitter ..= 1 + jitter`, drawn with xorshift64 from `random`.
fn spread(random: &mut u64, wait: Duration, jitter: f64) -> Duration {
    if jitter == 0.0 {
        return wait;
    }
    *random ^= *random << 13;
    *random ^= *random >> 7;
    *random ^= *random << 17;
    let unit = (*random >> 11) as f64 / (1u64 << 53) as f64;
    wait.mul_f64(1.0 - jitter + 2.0 * jitter * unit)
}

/// Runs `call` under `policy` (none: once): again after each transient failure, waiting as
/// the policy says on `driver`'s timers, until it succeeds or gives up.
pub(crate) async fn retrying<T, F, Fut>(policy: Option<RetryPolicy>, driver: Driver, mut call: F) -> Result<T>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T>>,
{
    let mut retries = Retries::new(policy);
    loop {
        match call().await {
            Ok(value) => return Ok(value),
            Err(error) => {
                let (delay, _) = retries.next(error)?;
                crate::runtime::sleep(driver, delay).await;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unavailable() -> Error {
        Error::Api {
            status: 503,
            message: "Service Unavailable".into(),
        }
    }

    #[test]
    fn backoff_grows_by_the_multiplier_up_to_the_cap() {
        let policy = RetryPolicy::new(10)
            .initial_backoff(Duration::from_millis(100))
            .multiplier(2.0)
            .max_backoff(Duration::from_millis(700));
        let waits: Vec<u128> = (1..=5).map(|n| policy.backoff(n).as_millis()).collect();
        assert_eq!(waits, [100, 200, 400, 700, 700]);
        assert_eq!(policy.backoff(u32::MAX), Duration::from_millis(700));
        assert_eq!(RetryPolicy::new(0).attempts(), 1);
        assert_eq!(
            RetryPolicy::new(2).multiplier(0.5).backoff(3),
            Duration::from_millis(500)
        );
    }

    #[test]
    fn only_transient_failures_are_retried_and_the_last_error_counts_attempts() {
        let mut retries = Retries::new(Some(RetryPolicy::new(3).jitter(0.0)));
        let (wait, said) = retries.next(unavailable()).unwrap();
        assert_eq!(wait, Duration::from_millis(500));
        assert_eq!(said, "Attempt 2 of 3 in 0.5s after: Service Unavailable");
        assert_eq!(retries.next(unavailable()).unwrap().0, Duration::from_secs(1));
        let last = retries.next(unavailable()).unwrap_err();
        assert!(matches!(&last, Error::Retried { attempts: 3, .. }), "{last:?}");
        assert_eq!(last.to_string(), "gave up after 3 attempts: Service Unavailable");
        assert_eq!(last.attempts(), 3);
        assert!(last.last_attempt().is_transient());

        // A rate limit on the first attempt is that error, unwrapped.
        let mut retries = Retries::new(Some(RetryPolicy::new(3)));
        let limited = Error::RateLimited {
            message: "toomanyrequests: slow down".into(),
            status: Some(429),
        };
        let error = retries.next(limited).unwrap_err();
        assert!(error.is_rate_limited() && error.attempts() == 1, "{error:?}");

        // After a retry, a not-found still says how many attempts there were.
        let mut retries = Retries::new(Some(RetryPolicy::new(5)));
        retries.next(unavailable()).unwrap();
        let error = retries.next(Error::NotFound("No such image: x:1".into())).unwrap_err();
        assert!(error.is_not_found() && error.attempts() == 2, "{error:?}");

        // No policy: the error as it is.
        let error = Retries::new(None).next(unavailable()).unwrap_err();
        assert!(matches!(error, Error::Api { status: 503, .. }));
    }

    #[test]
    fn the_overall_limit_stops_retries_whose_wait_would_pass_it() {
        let policy = RetryPolicy::new(10)
            .initial_backoff(Duration::from_secs(2))
            .max_elapsed(Duration::from_secs(1))
            .jitter(0.0);
        let error = Retries::new(Some(policy)).next(unavailable()).unwrap_err();
        assert!(matches!(error, Error::Api { status: 503, .. }), "{error:?}");
    }

    #[test]
    fn jitter_spreads_waits_within_its_fraction_and_the_observer_sees_each_retry() {
        let seen = Arc::new(std::sync::Mutex::new(Vec::new()));
        let log = seen.clone();
        let policy = RetryPolicy::new(50)
            .initial_backoff(Duration::from_millis(1000))
            .multiplier(1.0)
            .jitter(0.5)
            .on_retry(move |retry| log.lock().unwrap().push((retry.attempt, retry.delay)));
        let mut retries = Retries::new(Some(policy));
        let waits: Vec<Duration> = (0..49).map(|_| retries.next(unavailable()).unwrap().0).collect();
        assert!(waits.iter().all(|w| (500..=1500).contains(&w.as_millis())), "{waits:?}");
        assert!(
            waits.iter().any(|w| *w != waits[0]),
            "jitter changed nothing: {waits:?}"
        );
        let seen = seen.lock().unwrap();
        assert_eq!(seen.len(), 49);
        assert_eq!(seen[0].0, 2);
        assert_eq!(seen[48], (50, waits[48]));
    }
}
