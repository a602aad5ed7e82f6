//! Connections for the polled driver: non-blocking sockets that, when a read or write would
//! block, register with the `poll(2)` of the [`crate::runtime::poll::block_on`] running on this
//! thread.

use std::os::fd::RawFd;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::{Context, Poll};
use std::time::Duration;

use crate::runtime::poll::{active, take_ready, wait_for};
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

    /// A connected, non-blocking Unix socket (our end of an `ssh` child's socket pair).
    pub(crate) fn from_unix(stream: std::os::unix::net::UnixStream) -> PolledStream {
        PolledStream::new(Socket::Unix(stream))
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
