//! What drives a client's calls, fixed when the client is built: Tokio for [`crate::Client`],
//! or the calling thread waiting in `poll(2)` for [`crate::blocking::Client`] ([`poll`]). The
//! timers and the blocking work (credential helpers) of a call follow its client's driver, so
//! the same request/response code serves both.

pub(crate) mod poll;

use std::future::{Future, poll_fn};
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use crate::error::BoxError;

/// Who waits for a client's sockets and timers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Driver {
    /// Tokio's reactor and timers: the async [`crate::Client`], awaited on any Tokio runtime.
    Tokio,
    /// The calling thread, in `poll(2)` inside [`poll::block_on`]: [`crate::blocking::Client`].
    Polled,
}

/// A timer that fires at a deadline.
pub(crate) enum Sleep {
    Tokio(Pin<Box<tokio::time::Sleep>>),
    Polled(Instant),
    /// No deadline, or one too far away to represent; for the driver named, should it be reset.
    Never(Driver),
}

/// A timer of `driver` firing at `deadline`.
pub(crate) fn sleep_until(driver: Driver, deadline: Option<Instant>) -> Sleep {
    match (deadline, driver) {
        (None, driver) => Sleep::Never(driver),
        (Some(deadline), Driver::Polled) => Sleep::Polled(deadline),
        (Some(deadline), Driver::Tokio) => Sleep::Tokio(Box::pin(tokio::time::sleep_until(deadline.into()))),
    }
}

/// A timer of `driver` firing after `limit`.
pub(crate) fn sleep(driver: Driver, limit: Duration) -> Sleep {
    sleep_until(driver, Instant::now().checked_add(limit))
}

impl Sleep {
    /// Moves the deadline.
    pub(crate) fn reset(&mut self, deadline: Option<Instant>) {
        match (self, deadline) {
            (Sleep::Tokio(sleep), Some(deadline)) => sleep.as_mut().reset(deadline.into()),
            (this, deadline) => *this = sleep_until(this.driver(), deadline),
        }
    }

    fn driver(&self) -> Driver {
        match self {
            Sleep::Tokio(_) => Driver::Tokio,
            Sleep::Polled(_) => Driver::Polled,
            Sleep::Never(driver) => *driver,
        }
    }
}

impl Future for Sleep {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        match self.get_mut() {
            Sleep::Tokio(sleep) => sleep.as_mut().poll(cx),
            Sleep::Polled(deadline) => {
                if Instant::now() >= *deadline {
                    Poll::Ready(())
                } else {
                    poll::wake_at(*deadline);
                    Poll::Pending
                }
            }
            Sleep::Never(_) => Poll::Pending,
        }
    }
}

/// Runs `future`, giving up after `limit` (`None` then). Like Tokio's, the future is polled
/// before the timer, so a ready answer wins over an expired deadline.
pub(crate) async fn timeout<F: Future>(driver: Driver, limit: Duration, future: F) -> Option<F::Output> {
    let mut future = std::pin::pin!(future);
    let mut timer = sleep(driver, limit);
    poll_fn(|cx| {
        if let Poll::Ready(output) = future.as_mut().poll(cx) {
            return Poll::Ready(Some(output));
        }
        Pin::new(&mut timer).poll(cx).map(|()| None)
    })
    .await
}

/// Runs blocking work (a credential helper) on another thread, so that the caller can give up
/// on it: Tokio's blocking pool for the Tokio driver; for the polled driver a thread of its
/// own, while the calling thread goes on running its client's interrupt check. Dropping the
/// returned future does not stop `work`: it must watch for that itself (see
/// [`crate::auth::HelperLimits::new`]).
///
/// `Err` when the thread cannot be started or `work` panicked.
pub(crate) async fn run_blocking<T: Send + 'static>(
    driver: Driver,
    work: impl FnOnce() -> T + Send + 'static,
) -> Result<T, BoxError> {
    match driver {
        Driver::Tokio => Ok(tokio::task::spawn_blocking(work).await?),
        Driver::Polled => {
            let (done, result) = tokio::sync::oneshot::channel();
            let thread = std::thread::Builder::new()
                .name("dimg-blocking".to_string())
                .spawn(move || {
                    let _ = done.send(work());
                })?;
            // A closed channel means `work` panicked (the sender was dropped unwinding).
            let output = result.await.map_err(|_| "the blocking work panicked")?;
            // It has sent its result, so it is ending: joined, no thread is left behind.
            let _ = thread.join();
            Ok(output)
        }
    }
}
