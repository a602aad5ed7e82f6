//! Timers and blocking work from whatever drives the call: Tokio, or the calling thread under
//! [`crate::blocking::block_on`].

use std::future::{Future, poll_fn};
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use crate::blocking;

/// A timer that fires at a deadline.
pub(crate) enum Sleep {
    Tokio(Pin<Box<tokio::time::Sleep>>),
    Polled(Instant),
    /// A deadline too far away to represent.
    Never,
}

/// A timer firing at `deadline`.
pub(crate) fn sleep_until(deadline: Option<Instant>) -> Sleep {
    match deadline {
        None => Sleep::Never,
        Some(deadline) if blocking::active() => Sleep::Polled(deadline),
        Some(deadline) => Sleep::Tokio(Box::pin(tokio::time::sleep_until(deadline.into()))),
    }
}

/// A timer firing after `limit`.
pub(crate) fn sleep(limit: Duration) -> Sleep {
    sleep_until(Instant::now().checked_add(limit))
}

impl Sleep {
    /// Moves the deadline.
    pub(crate) fn reset(&mut self, deadline: Option<Instant>) {
        match (self, deadline) {
            (Sleep::Tokio(sleep), Some(deadline)) => sleep.as_mut().reset(deadline.into()),
            (this, deadline) => *this = sleep_until(deadline),
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
                    blocking::wake_at(*deadline);
                    Poll::Pending
                }
            }
            Sleep::Never => Poll::Pending,
        }
    }
}

/// Runs `future`, giving up after `limit` (`None` then). Like Tokio's, the future is polled
/// before the timer, so a ready answer wins over an expired deadline.
pub(crate) async fn timeout<F: Future>(limit: Duration, future: F) -> Option<F::Output> {
    let mut future = std::pin::pin!(future);
    let mut timer = sleep(limit);
    poll_fn(|cx| {
        if let Poll::Ready(output) = future.as_mut().poll(cx) {
            return Poll::Ready(Some(output));
        }
        Pin::new(&mut timer).poll(cx).map(|()| None)
    })
    .await
}

/// Runs blocking work (a credential helper) off the runtime's threads; under
/// [`blocking::block_on`], the calling thread is the one meant to block, so it runs there.
pub(crate) async fn run_blocking<T: Send + 'static>(
    work: impl FnOnce() -> T + Send + 'static,
) -> Result<T, tokio::task::JoinError> {
    if blocking::active() {
        Ok(work())
    } else {
        tokio::task::spawn_blocking(work).await
    }
}
