//! `ssh://` endpoints: the system's `ssh` runs `docker system dial-stdio` on the remote host
//! and HTTP goes over its standard input and output, as the docker CLI does it (so
//! `~/.ssh/config`, agents, `ProxyJump` and `known_hosts` all apply). One `ssh` process per
//! pooled connection; dropping the connection kills and reaps it.

use std::io::{self, Read};
use std::os::fd::AsRawFd;
use std::os::unix::net::UnixStream;
use std::pin::Pin;
use std::process::{Child, Command, Stdio};
use std::task::{Context, Poll, ready};
use std::time::{Duration, Instant};

use crate::transport::endpoint::SshAddress;

/// How much of `ssh`'s standard error an error keeps: its first lines say why.
const STDERR_LINES: usize = 5;
const STDERR_BYTES: usize = 1000;

/// How long an `ssh` whose output ended gets to exit, so that its exit status can be told.
const EXIT_GRACE: Duration = Duration::from_millis(500);

/// The `ssh` program: the one on `PATH`, as the docker CLI runs it.
const SSH: &str = "ssh";

/// A connection through an `ssh` child process. Its standard input and output are one end of
/// a socket pair whose other end `io` reads and writes.
#[derive(Debug)]
pub(crate) struct SshConn<IO> {
    io: IO,
    process: SshProcess,
    /// How `ssh` ended, once seen: a read and a write may both notice, and the second must
    /// say the same (its standard error has been read by then).
    ended: Option<SshFailure>,
}

/// The `ssh` child, killed and reaped on drop.
#[derive(Debug)]
pub(crate) struct SshProcess {
    child: Child,
    /// `ssh`'s standard error, non-blocking, read when the connection fails.
    stderr: std::process::ChildStderr,
    address: String,
    command: String,
}

impl Drop for SshProcess {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
        }
        // Reaped here, so that no zombie is left behind.
        let _ = self.child.wait();
    }
}

/// Why an `ssh` connection ended, carried inside I/O and hyper errors up to
/// [`crate::Error::Ssh`].
#[derive(Debug, Clone)]
pub(crate) struct SshFailure {
    pub(crate) address: String,
    pub(crate) command: String,
    /// The exit status, or `None` when `ssh` was killed by a signal or is still running.
    pub(crate) status: Option<i32>,
    pub(crate) signal: Option<i32>,
    pub(crate) stderr: String,
}

impl std::fmt::Display for SshFailure {
    /// The docker CLI's wording (its `commandconn`), so that the same failure reads the same.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match (self.status, self.signal) {
            (Some(status), _) => write!(f, "command [{}] has exited with exit status {status}", self.command)?,
            (None, Some(signal)) => write!(
                f,
                "command [{}] has exited with signal: {}",
                self.command,
                signal_name(signal)
            )?,
            (None, None) => write!(f, "command [{}] closed its output", self.command)?,
        }
        if self.status.is_some() || self.signal.is_some() {
            f.write_str(", make sure the URL is valid, and Docker 18.09 or later is installed on the remote host")?;
        }
        write!(f, ": stderr={}", self.stderr)
    }
}

impl std::error::Error for SshFailure {}

/// A signal as Go's `os.ProcessState` names it (what the docker CLI prints).
fn signal_name(signal: i32) -> String {
    match signal {
        libc::SIGHUP => "hangup".into(),
        libc::SIGINT => "interrupt".into(),
        libc::SIGKILL => "killed".into(),
        libc::SIGPIPE => "broken pipe".into(),
        libc::SIGTERM => "terminated".into(),
        other => other.to_string(),
    }
}

/// Starts `ssh` for `address`: the process, and our end of the socket pair that is its
/// standard input and output. Nothing is known about the remote end until the first answer.
pub(crate) fn spawn(address: &SshAddress) -> io::Result<(SshProcess, UnixStream)> {
    let (ours, theirs) = UnixStream::pair()?;
    let args = address.ssh_args();
    let command = format!("{SSH} {}", args.join(" "));
    let stdin = theirs.try_clone()?;
    let mut child = Command::new(SSH)
        .args(&args)
        .stdin(Stdio::from(std::os::fd::OwnedFd::from(stdin)))
        .stdout(Stdio::from(std::os::fd::OwnedFd::from(theirs)))
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| {
            let reason = if e.kind() == io::ErrorKind::NotFound {
                "ssh is not installed (no `ssh` on PATH)".to_string()
            } else {
                format!("cannot start ssh: {e}")
            };
            io::Error::new(
                e.kind(),
                SshFailure {
                    address: address.to_string(),
                    command: command.clone(),
                    status: None,
                    signal: None,
                    stderr: reason,
                },
            )
        })?;
    let stderr = child.stderr.take().expect("stderr is piped");
    set_nonblocking(stderr.as_raw_fd());
    let process = SshProcess {
        child,
        stderr,
        address: address.to_string(),
        command,
    };
    Ok((process, ours))
}

fn set_nonblocking(fd: std::os::fd::RawFd) {
    // SAFETY: fcntl on a descriptor this process owns.
    unsafe {
        let flags = libc::fcntl(fd, libc::F_GETFL);
        if flags >= 0 {
            libc::fcntl(fd, libc::F_SETFL, flags | libc::O_NONBLOCK);
        }
    }
}

impl<IO: hyper::rt::Read + hyper::rt::Write + Unpin> SshConn<IO> {
    /// HTTP over `io`, our end of `process`'s socket pair.
    pub(crate) fn new(io: IO, process: SshProcess) -> SshConn<IO> {
        SshConn {
            io,
            process,
            ended: None,
        }
    }

    /// The connection to `ssh` (for the pool's polled-socket flag).
    pub(crate) fn inner(&self) -> &IO {
        &self.io
    }

    /// The output ended: `ssh` exited (or is about to). Says how, with its first lines of
    /// standard error.
    fn failure(&mut self) -> io::Error {
        let failure = match &self.ended {
            Some(failure) => failure.clone(),
            None => {
                let failure = self.process.ended();
                self.ended = Some(failure.clone());
                failure
            }
        };
        io::Error::new(io::ErrorKind::ConnectionAborted, failure)
    }
}

impl SshProcess {
    /// How the process ended (waiting a moment for its exit), with its first lines of
    /// standard error.
    fn ended(&mut self) -> SshFailure {
        use std::os::unix::process::ExitStatusExt;
        let deadline = Instant::now() + EXIT_GRACE;
        let status = loop {
            match self.child.try_wait() {
                Ok(Some(status)) => break Some(status),
                Ok(None) if Instant::now() < deadline => std::thread::sleep(Duration::from_millis(5)),
                _ => break None,
            }
        };
        let mut bytes = Vec::new();
        let mut chunk = [0u8; 1024];
        while bytes.len() < 64 * 1024 {
            match self.stderr.read(&mut chunk) {
                Ok(0) | Err(_) => break,
                Ok(n) => bytes.extend_from_slice(&chunk[..n]),
            }
        }
        let text = String::from_utf8_lossy(&bytes);
        let mut stderr = text
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .take(STDERR_LINES)
            .collect::<Vec<_>>()
            .join("\n");
        if stderr.len() > STDERR_BYTES {
            let mut end = STDERR_BYTES;
            while !stderr.is_char_boundary(end) {
                end -= 1;
            }
            stderr.truncate(end);
            stderr.push_str("...");
        }
        SshFailure {
            address: self.address.clone(),
            command: self.command.clone(),
            status: status.and_then(|s| s.code()),
            signal: status.and_then(|s| s.signal()),
            stderr,
        }
    }
}

/// Whether an I/O error means that `ssh` closed its end: a write after it exited, or a read
/// after it exited without reading what was sent (a socket pair then reports a reset).
fn ended(error: &io::Error) -> bool {
    matches!(error.kind(), io::ErrorKind::BrokenPipe | io::ErrorKind::ConnectionReset)
}

impl<IO: hyper::rt::Read + hyper::rt::Write + Unpin> hyper::rt::Read for SshConn<IO> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        mut buf: hyper::rt::ReadBufCursor<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        // SAFETY: the inner read only writes initialised bytes into the unfilled part, and
        // exactly the `n` it filled are marked filled here.
        let unfilled = unsafe { buf.as_mut() };
        let wanted = unfilled.len();
        let n = {
            let mut inner = hyper::rt::ReadBuf::uninit(unfilled);
            match ready!(Pin::new(&mut this.io).poll_read(cx, inner.unfilled())) {
                Err(e) if ended(&e) => return Poll::Ready(Err(this.failure())),
                result => result?,
            }
            inner.filled().len()
        };
        if n == 0 && wanted > 0 {
            // The end of ssh's output is never a clean end of a daemon connection.
            return Poll::Ready(Err(this.failure()));
        }
        unsafe { buf.advance(n) };
        Poll::Ready(Ok(()))
    }
}

impl<IO: hyper::rt::Read + hyper::rt::Write + Unpin> hyper::rt::Write for SshConn<IO> {
    fn poll_write(self: Pin<&mut Self>, cx: &mut Context<'_>, data: &[u8]) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        match ready!(Pin::new(&mut this.io).poll_write(cx, data)) {
            Err(e) if ended(&e) => Poll::Ready(Err(this.failure())),
            other => Poll::Ready(other),
        }
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().io).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().io).poll_shutdown(cx)
    }
}
