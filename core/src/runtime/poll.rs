//! The polled driver: runs a future on the calling thread, waiting in `poll(2)` for the
//! sockets it registered (see [`crate::transport::polled`]) and for its timers, with no
//! runtime threads. Used only by [`crate::blocking::Client`], whose clients are built for it.

use std::cell::RefCell;
use std::future::Future;
use std::os::fd::RawFd;
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::task::{Context, Poll, Wake, Waker};
use std::time::{Duration, Instant};

/// The longest single wait in `poll(2)`. Nothing in dimg wakes a blocked call from another
/// thread while it waits on a socket, but if something did (a waker called elsewhere), the
/// call would notice within this time instead of never.
const LONGEST_WAIT: Duration = Duration::from_millis(100);

/// What the future being driven on this thread waits for.
#[derive(Default)]
struct Waits {
    fds: Vec<libc::pollfd>,
    deadline: Option<Instant>,
    /// What the last `poll(2)` found ready, for the poll of the future that follows it.
    ready: Vec<libc::pollfd>,
}

thread_local! {
    /// `Some` while this thread is inside [`block_on`].
    static WAITS: RefCell<Option<Waits>> = const { RefCell::new(None) };
}

/// Whether the calling thread is inside [`block_on`] (a polled connection can only be used
/// there).
pub(crate) fn active() -> bool {
    WAITS.with(|waits| waits.borrow().is_some())
}

/// Registers that the current poll waits until `fd` is readable (`POLLIN`) or writable
/// (`POLLOUT`).
pub(crate) fn wait_for(fd: RawFd, events: libc::c_short) {
    WAITS.with(|waits| {
        if let Some(waits) = waits.borrow_mut().as_mut() {
            match waits.fds.iter_mut().find(|p| p.fd == fd) {
                Some(entry) => entry.events |= events,
                None => waits.fds.push(libc::pollfd { fd, events, revents: 0 }),
            }
        }
    });
}

/// Whether the last `poll(2)` of this thread found `fd` ready for `events` (or closed); the
/// answer is given once, so that a socket found empty again is not tried again.
pub(crate) fn take_ready(fd: RawFd, events: libc::c_short) -> bool {
    let wanted = events | libc::POLLHUP | libc::POLLERR | libc::POLLNVAL;
    WAITS.with(|waits| {
        let mut waits = waits.borrow_mut();
        let Some(entry) = waits
            .as_mut()
            .and_then(|w| w.ready.iter_mut().find(|p| p.fd == fd && p.revents & wanted != 0))
        else {
            return false;
        };
        entry.revents &= !events;
        true
    })
}

/// Registers that the current poll waits until `deadline` (a timer).
pub(crate) fn wake_at(deadline: Instant) {
    WAITS.with(|waits| {
        if let Some(waits) = waits.borrow_mut().as_mut() {
            waits.deadline = Some(waits.deadline.map_or(deadline, |d| d.min(deadline)));
        }
    });
}

/// Wakes the blocked thread when a waker is called from elsewhere. (A condition variable
/// rather than `Thread::unpark`: `thread::current()` would give a C program's main thread a
/// handle that leak checkers report at exit.)
#[derive(Default)]
struct Signal {
    state: Mutex<SignalState>,
    changed: Condvar,
}

#[derive(Default)]
struct SignalState {
    woken: bool,
    /// Whether the thread waits on `changed`: only then does a wake need `notify_one`, a
    /// system call. A future that wakes itself (hyper, rustls) while it is being polled
    /// costs nothing then.
    waiting: bool,
}

impl Signal {
    fn state(&self) -> MutexGuard<'_, SignalState> {
        self.state.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn woken(&self) -> bool {
        self.state().woken
    }

    fn reset(&self) {
        self.state().woken = false;
    }

    /// Waits until woken or until `until`.
    fn wait(&self, until: Option<Instant>) {
        let mut state = self.state();
        while !state.woken {
            state.waiting = true;
            match until {
                None => state = self.changed.wait(state).unwrap_or_else(|p| p.into_inner()),
                Some(until) => {
                    let left = until.saturating_duration_since(Instant::now());
                    if left.is_zero() {
                        break;
                    }
                    state = self
                        .changed
                        .wait_timeout(state, left)
                        .unwrap_or_else(|p| p.into_inner())
                        .0;
                }
            }
        }
        state.waiting = false;
    }
}

impl Wake for Signal {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        let mut state = self.state();
        state.woken = true;
        if state.waiting {
            self.changed.notify_one();
        }
    }
}

/// Leaves the thread's wait state as it was before, even on a panic.
struct Restore(Option<Waits>);

impl Drop for Restore {
    fn drop(&mut self) {
        let previous = self.0.take();
        WAITS.with(|waits| *waits.borrow_mut() = previous);
    }
}

/// Runs a future of a polled client to completion on the calling thread. Calls may nest.
pub(crate) fn block_on<F: Future>(future: F) -> F::Output {
    match block_on_checked(future, Duration::MAX, || Ok::<(), std::convert::Infallible>(())) {
        Ok(output) => output,
        Err(never) => match never {},
    }
}

/// [`block_on`] that also calls `check` about every `every` while it waits, and gives up (drops
/// the future, which cancels the request) when `check` fails.
pub(crate) fn block_on_checked<F: Future, E>(
    future: F,
    every: Duration,
    mut check: impl FnMut() -> Result<(), E>,
) -> Result<F::Output, E> {
    let _restore = Restore(WAITS.with(|waits| waits.borrow_mut().replace(Waits::default())));
    let signal = Arc::new(Signal::default());
    let waker = Waker::from(signal.clone());
    let mut cx = Context::from_waker(&waker);
    let mut future = std::pin::pin!(future);
    let mut next_check = Instant::now().checked_add(every);
    loop {
        signal.reset();
        if let Poll::Ready(output) = future.as_mut().poll(&mut cx) {
            return Ok(output);
        }
        let mut waits = WAITS.with(|waits| std::mem::take(waits.borrow_mut().as_mut().expect("set above")));
        if !signal.woken() {
            let until = [waits.deadline, next_check].into_iter().flatten().min();
            if waits.fds.is_empty() {
                // Waiting on a timer or on another thread (a version negotiation in progress there).
                signal.wait(until);
            } else {
                wait(&mut waits.fds, until);
            }
            waits.fds.retain(|p| p.revents != 0);
            let ready = waits.fds;
            WAITS.with(|w| w.borrow_mut().as_mut().expect("set above").ready = ready);
        }
        if let Some(at) = next_check
            && Instant::now() >= at
        {
            check()?;
            next_check = Instant::now().checked_add(every);
        }
    }
}

/// Blocks until one of `fds` is ready or `until` passes.
fn wait(fds: &mut [libc::pollfd], until: Option<Instant>) {
    let left = until.map(|at| at.saturating_duration_since(Instant::now()));
    let left = left.map_or(LONGEST_WAIT, |left| left.min(LONGEST_WAIT));
    // Rounded up: a timer must not fire early, or the loop spins until it is due.
    let millis = left.as_micros().div_ceil(1000) as libc::c_int;
    // SAFETY: `fds` is a valid, exclusively borrowed array of `fds.len()` pollfd entries.
    // Errors (EINTR) only end the wait early; the caller polls the future again.
    unsafe { libc::poll(fds.as_mut_ptr(), fds.len() as libc::nfds_t, millis) };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runs_ready_futures_and_restores_the_thread_state() {
        assert!(!active());
        assert_eq!(block_on(async { 7 }), 7);
        let nested = block_on(async {
            let inner = block_on(async { active() });
            (inner, active())
        });
        assert_eq!(nested, (true, true));
        assert!(!active(), "left as it was");
    }

    #[test]
    fn a_waker_called_from_another_thread_wakes_the_call() {
        let (tx, rx) = std::sync::mpsc::channel::<Waker>();
        let wakes = std::thread::spawn(move || {
            let waker = rx.recv().unwrap();
            std::thread::sleep(Duration::from_millis(20));
            waker.wake();
        });
        let mut sent = Some(tx);
        let mut polls = 0;
        block_on(std::future::poll_fn(|cx| {
            polls += 1;
            match sent.take() {
                Some(tx) => {
                    tx.send(cx.waker().clone()).unwrap();
                    Poll::Pending
                }
                None => Poll::Ready(()),
            }
        }));
        wakes.join().unwrap();
        assert_eq!(polls, 2);
    }

    #[test]
    fn checks_run_while_waiting_and_stop_the_call() {
        let mut checks = 0;
        let never = std::future::pending::<()>();
        let result = block_on_checked(never, Duration::from_millis(5), || {
            checks += 1;
            if checks == 3 { Err("stop") } else { Ok(()) }
        });
        assert_eq!(result, Err("stop"));
        assert_eq!(checks, 3);
    }
}
