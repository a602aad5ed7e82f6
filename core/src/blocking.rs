//! Calling dimg from synchronous code, without an async runtime.
//!
//! [`block_on`] runs a dimg future to completion on the calling thread. While it runs, dimg
//! opens its connections as plain non-blocking sockets and waits for them with `poll(2)` on
//! this thread: a call costs what a hand-written blocking client costs (a write, a read, a
//! wait), with no runtime threads to wake. The Python binding's `dimg.Client` and libdimg (C)
//! make every call this way; see BENCHMARKS.md ("ping") for what it saves compared with
//! `Runtime::block_on` on a multi-thread Tokio runtime.
//!
//! ```no_run
//! let docker = dimg::Client::from_env()?;
//! let ping = dimg::blocking::block_on(docker.ping())?;
//! let images = dimg::blocking::block_on(docker.images().list(&dimg::ListOptions::new()))?;
//! println!("API {:?}, {} images", ping.api_version, images.len());
//! # Ok::<(), dimg::Error>(())
//! ```
//!
//! Only futures made by dimg can be driven this way: a future that needs Tokio (its timers,
//! its sockets, `tokio::spawn`) panics here as it would outside a runtime. A client can be used
//! both ways: connections made under [`block_on`] are pooled apart from those made under a
//! runtime, and a stream started under [`block_on`] (a pull) has to be read under it too; read
//! elsewhere, it ends with an [`Error::Protocol`](crate::Error::Protocol) instead of hanging.

use std::cell::RefCell;
use std::future::Future;
use std::os::fd::RawFd;
use std::sync::atomic::{AtomicBool, Ordering};
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

/// Whether the calling thread is inside [`block_on`] (dimg then uses its own sockets and
/// timers instead of Tokio's).
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
fn take_ready(fd: RawFd, events: libc::c_short) -> bool {
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
    woken: Mutex<bool>,
    changed: Condvar,
}

impl Signal {
    fn woken(&self) -> MutexGuard<'_, bool> {
        self.woken.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Waits until woken or until `until`.
    fn wait(&self, until: Option<Instant>) {
        let mut woken = self.woken();
        while !*woken {
            match until {
                None => woken = self.changed.wait(woken).unwrap_or_else(|p| p.into_inner()),
                Some(until) => {
                    let left = until.saturating_duration_since(Instant::now());
                    if left.is_zero() {
                        return;
                    }
                    woken = self
                        .changed
                        .wait_timeout(woken, left)
                        .unwrap_or_else(|p| p.into_inner())
                        .0;
                }
            }
        }
    }
}

impl Wake for Signal {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        *self.woken() = true;
        self.changed.notify_one();
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

/// Runs a dimg future to completion on the calling thread, without an async runtime.
///
/// The client's timeouts apply as they do under Tokio. Calls may nest (a progress callback
/// may call dimg again through `block_on`). It blocks the thread, so async code should
/// `.await` dimg's futures instead.
///
/// ```no_run
/// let docker = dimg::Client::from_env()?;
/// let summary = dimg::blocking::block_on(
///     docker.images().pull("alpine:3.19", &dimg::PullOptions::new()).finish(),
/// )?;
/// println!("{:?} {:?}", summary.outcome, summary.digest);
/// # Ok::<(), dimg::Error>(())
/// ```
///
/// # Panics
/// When the future needs a Tokio runtime (it was not made by dimg).
pub fn block_on<F: Future>(future: F) -> F::Output {
    match block_on_checked(future, Duration::MAX, || Ok::<(), std::convert::Infallible>(())) {
        Ok(output) => output,
        Err(never) => match never {},
    }
}

/// [`block_on`] that also calls `check` about every `every` while it waits, and gives up (drops
/// the future, which cancels the request) when `check` fails. A binding uses it to let Ctrl-C
/// interrupt a long call.
///
/// ```no_run
/// use std::sync::atomic::{AtomicBool, Ordering};
/// static INTERRUPTED: AtomicBool = AtomicBool::new(false);
///
/// let docker = dimg::Client::from_env()?;
/// let pull = docker.images().pull("alpine:3.19", &dimg::PullOptions::new()).finish();
/// let every = std::time::Duration::from_millis(50);
/// match dimg::blocking::block_on_checked(pull, every, || {
///     if INTERRUPTED.load(Ordering::Relaxed) { Err("interrupted") } else { Ok(()) }
/// }) {
///     Ok(summary) => println!("{:?}", summary?.digest),
///     Err(why) => eprintln!("{why}"),
/// }
/// # Ok::<(), dimg::Error>(())
/// ```
///
/// # Errors
/// The first error `check` returns.
pub fn block_on_checked<F: Future, E>(
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
        *signal.woken() = false;
        if let Poll::Ready(output) = future.as_mut().poll(&mut cx) {
            return Ok(output);
        }
        let mut waits = WAITS.with(|waits| std::mem::take(waits.borrow_mut().as_mut().expect("set above")));
        let woken = *signal.woken();
        if !woken {
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

/// A connection made under [`block_on`]: a non-blocking socket whose reads and writes, when
/// they would block, register the socket with the thread's `poll(2)`.
///
/// Like Tokio, it remembers when the socket was last found empty (a read that would block, or
/// one that returned less than asked, which on a stream socket means it drained what had
/// arrived) and does not try it again before `poll(2)` says it is ready: hyper polls its
/// connection several times per request (and once more after each answer, to notice a closed
/// keep-alive connection), and each of those would otherwise be a read that finds nothing.
#[derive(Debug)]
pub(crate) struct PolledStream {
    socket: Socket,
    readable: bool,
    writable: bool,
    /// Set by the pool: read for real next time, whatever `readable` says.
    recheck: Arc<AtomicBool>,
}

#[derive(Debug)]
enum Socket {
    Unix(std::os::unix::net::UnixStream),
    Tcp(std::net::TcpStream),
}

impl PolledStream {
    fn new(socket: Socket) -> PolledStream {
        PolledStream {
            socket,
            readable: true,
            writable: true,
            recheck: Arc::default(),
        }
    }

    /// A flag that makes the next read a real one, even when the socket was last found empty.
    /// Nothing watches an idle connection between two calls, so a daemon that closed it is
    /// only seen by reading; the pool sets it before a request that must not be sent on a
    /// closed connection.
    pub(crate) fn recheck(&self) -> Arc<AtomicBool> {
        self.recheck.clone()
    }

    /// Connects to a Unix socket, giving up after `limit`.
    pub(crate) fn connect_unix(path: &std::path::Path, limit: Option<Duration>) -> std::io::Result<PolledStream> {
        let stream = connect_unix(path, limit)?;
        stream.set_nonblocking(true)?;
        Ok(PolledStream::new(Socket::Unix(stream)))
    }

    /// Connects to `host:port`, trying each address it resolves to, each for up to `limit`.
    pub(crate) fn connect_tcp(address: &str, limit: Option<Duration>) -> std::io::Result<PolledStream> {
        use std::net::ToSocketAddrs;
        let mut last = None;
        for addr in address.to_socket_addrs()? {
            let attempt = match limit {
                // std refuses a zero timeout; Tokio's zero timeout expires at once.
                Some(limit) => std::net::TcpStream::connect_timeout(&addr, limit.max(Duration::from_millis(1))),
                None => std::net::TcpStream::connect(addr),
            };
            match attempt {
                Ok(stream) => {
                    stream.set_nodelay(true)?;
                    stream.set_nonblocking(true)?;
                    return Ok(PolledStream::new(Socket::Tcp(stream)));
                }
                Err(e) => last = Some(e),
            }
        }
        Err(last.unwrap_or_else(|| std::io::Error::new(std::io::ErrorKind::NotFound, "no address")))
    }

    fn fd(&self) -> RawFd {
        use std::os::fd::AsRawFd;
        match &self.socket {
            Socket::Unix(s) => s.as_raw_fd(),
            Socket::Tcp(s) => s.as_raw_fd(),
        }
    }

    /// The flag that says whether the socket may be tried for `events` (`POLLIN` or `POLLOUT`).
    fn ready_flag(&mut self, events: libc::c_short) -> &mut bool {
        if events == libc::POLLIN {
            &mut self.readable
        } else {
            &mut self.writable
        }
    }

    /// Whether the socket may be tried for `events`; when not, waits for them.
    fn may_try(&mut self, events: libc::c_short) -> Result<bool, std::io::Error> {
        if !active() {
            return Err(std::io::Error::other(
                "a connection made under dimg::blocking::block_on was used outside it",
            ));
        }
        let fd = self.fd();
        if events == libc::POLLIN && self.recheck.swap(false, Ordering::Relaxed) {
            self.readable = true;
        }
        let flag = self.ready_flag(events);
        if !*flag && take_ready(fd, events) {
            *flag = true;
        }
        if !*flag {
            wait_for(fd, events);
        }
        Ok(*flag)
    }

    /// Runs one non-blocking system call; when it would block, waits for `events`.
    fn attempt<T>(
        &mut self,
        events: libc::c_short,
        mut op: impl FnMut(&Socket) -> std::io::Result<T>,
    ) -> Poll<std::io::Result<T>> {
        match self.may_try(events) {
            Err(e) => return Poll::Ready(Err(e)),
            Ok(false) => return Poll::Pending,
            Ok(true) => {}
        }
        loop {
            match op(&self.socket) {
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {
                    *self.ready_flag(events) = false;
                    wait_for(self.fd(), events);
                    return Poll::Pending;
                }
                other => return Poll::Ready(other),
            }
        }
    }
}

impl hyper::rt::Read for PolledStream {
    fn poll_read(
        self: std::pin::Pin<&mut Self>,
        _: &mut Context<'_>,
        mut buf: hyper::rt::ReadBufCursor<'_>,
    ) -> Poll<std::io::Result<()>> {
        let this = self.get_mut();
        let fd = this.fd();
        // SAFETY: read(2) only writes initialised bytes into the unfilled part of the buffer,
        // and exactly `n` of them are marked filled afterwards.
        let unfilled = unsafe { buf.as_mut() };
        let wanted = unfilled.len();
        let read = std::task::ready!(this.attempt(libc::POLLIN, |_| {
            let n = unsafe { libc::read(fd, unfilled.as_mut_ptr().cast(), unfilled.len()) };
            if n < 0 {
                Err(std::io::Error::last_os_error())
            } else {
                Ok(n as usize)
            }
        }));
        if let Ok(n) = read
            && 0 < n
            && n < wanted
        {
            this.readable = false;
        }
        Poll::Ready(read.map(|n| unsafe { buf.advance(n) }))
    }
}

impl hyper::rt::Write for PolledStream {
    fn poll_write(self: std::pin::Pin<&mut Self>, _: &mut Context<'_>, data: &[u8]) -> Poll<std::io::Result<usize>> {
        use std::io::Write;
        self.get_mut().attempt(libc::POLLOUT, |socket| match socket {
            Socket::Unix(s) => (&*s).write(data),
            Socket::Tcp(s) => (&*s).write(data),
        })
    }

    fn poll_flush(self: std::pin::Pin<&mut Self>, _: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn poll_shutdown(self: std::pin::Pin<&mut Self>, _: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        let result = match &self.socket {
            Socket::Unix(s) => s.shutdown(std::net::Shutdown::Write),
            Socket::Tcp(s) => s.shutdown(std::net::Shutdown::Write),
        };
        Poll::Ready(result)
    }
}

/// A stream socket closed on exec, as std makes them.
#[cfg(any(target_os = "linux", target_os = "android", target_os = "freebsd"))]
const SOCKET_TYPE: libc::c_int = libc::SOCK_STREAM | libc::SOCK_CLOEXEC;
#[cfg(not(any(target_os = "linux", target_os = "android", target_os = "freebsd")))]
const SOCKET_TYPE: libc::c_int = libc::SOCK_STREAM;

/// A blocking connect to a Unix socket that gives up after `limit`. std has none: the kernel
/// queues a connect while the listener's backlog is full (a stopped daemon), and honours the
/// socket's send timeout while it waits.
fn connect_unix(path: &std::path::Path, limit: Option<Duration>) -> std::io::Result<std::os::unix::net::UnixStream> {
    use std::os::fd::FromRawFd;
    use std::os::unix::ffi::OsStrExt;
    let Some(limit) = limit else {
        return std::os::unix::net::UnixStream::connect(path);
    };
    let bytes = path.as_os_str().as_bytes();
    // SAFETY: plain socket calls on a descriptor owned by `stream` from the moment it exists;
    // the address is zeroed, then filled within its bounds (checked below).
    unsafe {
        let fd = libc::socket(libc::AF_UNIX, SOCKET_TYPE, 0);
        if fd < 0 {
            return Err(std::io::Error::last_os_error());
        }
        let stream = std::os::unix::net::UnixStream::from_raw_fd(fd);
        let mut address: libc::sockaddr_un = std::mem::zeroed();
        if bytes.len() >= address.sun_path.len() || bytes.contains(&0) {
            return Err(std::io::Error::new(
                std::io::ErrorKind::InvalidInput,
                "socket path too long or contains a NUL byte",
            ));
        }
        address.sun_family = libc::AF_UNIX as libc::sa_family_t;
        for (slot, byte) in address.sun_path.iter_mut().zip(bytes) {
            *slot = *byte as libc::c_char;
        }
        stream.set_write_timeout(Some(limit.max(Duration::from_millis(1))))?;
        let length = (std::mem::size_of::<libc::sa_family_t>() + bytes.len() + 1) as libc::socklen_t;
        if libc::connect(fd, (&raw const address).cast(), length) != 0 {
            let error = std::io::Error::last_os_error();
            return Err(match error.raw_os_error() {
                Some(libc::EAGAIN | libc::EINPROGRESS) => {
                    std::io::Error::new(std::io::ErrorKind::TimedOut, "connect timed out")
                }
                _ => error,
            });
        }
        stream.set_write_timeout(None)?;
        Ok(stream)
    }
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
