//! How long a call may take, and the transport as one call sees it ([`Timed`]).

use std::future::Future;
use std::time::Duration;

use bytes::Bytes;
use hyper::header::HeaderValue;
use hyper::{Method, Response};
use serde::de::DeserializeOwned;

use super::pool::ResponseBody;
use super::{Transport, decode};
use crate::error::{Error, Result};
use crate::runtime::{self, Driver};

/// How long to wait for a connection to the daemon, when nothing else is configured.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// How long to wait for an answer (and, while streaming, for each next chunk) when nothing
/// else is configured (every binding too).
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(120);

/// The three limits every call runs under; `None` is no limit. A client has one set (see
/// [`crate::ClientBuilder::timeouts`]) and [`crate::Client::with_timeouts`] gives a client
/// that shares its connections with other limits, for one call or a few.
///
/// - `connect`: opening a connection (the socket's accept; for TLS again the handshake; for
///   ssh, the first answer through it).
/// - `total`: a whole non-streaming call (list, search, inspect, remove, tag, prune, ping, and
///   the requests a pull makes before its stream starts), from the request until the last byte
///   of the answer. A credential helper has this limit too unless
///   [`crate::ClientBuilder::credential_helper_timeout`] says otherwise.
/// - `idle`: while a pull streams, the longest silence between two chunks of the stream (a
///   pull may take hours; a daemon that says nothing for this long is taken as stuck).
///
/// Past the total or idle limit the call fails with [`Error::Timeout`] and its connection is
/// closed (which, for a pull, cancels it in the daemon); past the connect limit with
/// [`Error::Connect`] (`connect timed out`), as for any daemon that cannot be reached.
///
/// # Examples
/// ```
/// use std::time::Duration;
/// use dimg::Timeouts;
/// let docker = dimg::Client::builder()
///     .timeouts(Timeouts { connect: Some(Duration::from_secs(2)), ..Timeouts::default() })
///     .build()?;
/// // One call that may take at most five seconds, on the same connections:
/// let quick = docker.with_timeouts(Timeouts { total: Some(Duration::from_secs(5)), ..docker.timeouts() });
/// assert_eq!(quick.timeouts().total, Some(Duration::from_secs(5)));
/// assert_eq!(quick.timeouts().connect, Some(Duration::from_secs(2)));
/// # Ok::<(), dimg::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timeouts {
    /// Opening a connection; default [`DEFAULT_CONNECT_TIMEOUT`].
    pub connect: Option<Duration>,
    /// A whole non-streaming call; default [`DEFAULT_TIMEOUT`].
    pub total: Option<Duration>,
    /// Between two chunks of a pull's stream; default [`DEFAULT_TIMEOUT`].
    pub idle: Option<Duration>,
}

impl Timeouts {
    /// No limit at all: every call waits as long as it takes.
    ///
    /// ```
    /// assert_eq!(dimg::Timeouts::NONE.total, None);
    /// ```
    pub const NONE: Timeouts = Timeouts {
        connect: None,
        total: None,
        idle: None,
    };
}

impl Default for Timeouts {
    /// [`DEFAULT_CONNECT_TIMEOUT`] to connect, [`DEFAULT_TIMEOUT`] for a call and between
    /// stream chunks.
    fn default() -> Timeouts {
        Timeouts {
            connect: Some(DEFAULT_CONNECT_TIMEOUT),
            total: Some(DEFAULT_TIMEOUT),
            idle: Some(DEFAULT_TIMEOUT),
        }
    }
}

/// The transport under one client's [`Timeouts`]: what every operation sends requests with.
#[derive(Clone, Copy)]
pub(crate) struct Timed<'a> {
    pub(crate) transport: &'a Transport,
    pub(crate) timeouts: Timeouts,
}

impl Timed<'_> {
    /// Who waits for this client's sockets and timers.
    pub(crate) fn driver(&self) -> Driver {
        self.transport.driver()
    }

    /// The limit between two chunks of a stream.
    pub(crate) fn idle(&self) -> Option<Duration> {
        self.timeouts.idle
    }

    /// Runs `fut` under the total limit.
    pub(crate) async fn timed<T>(&self, fut: impl Future<Output = Result<T>>) -> Result<T> {
        match self.timeouts.total {
            Some(limit) => runtime::timeout(self.driver(), limit, fut)
                .await
                .unwrap_or(Err(Error::Timeout(limit))),
            None => fut.await,
        }
    }

    /// Sends a request and returns the response once its headers arrived with a 2xx status,
    /// under the total limit; any other status becomes an [`Error`] carrying the daemon's
    /// message.
    pub(crate) async fn send(
        &self,
        method: Method,
        target: &str,
        headers: &[(&'static str, HeaderValue)],
        body: Option<Bytes>,
    ) -> Result<Response<ResponseBody>> {
        self.timed(
            self.transport
                .exchange(method, target, headers, body, self.timeouts.connect),
        )
        .await
    }

    /// Sends a request and reads the whole 2xx body, all under the total limit.
    pub(crate) async fn send_read(
        &self,
        method: Method,
        target: &str,
        headers: &[(&'static str, HeaderValue)],
    ) -> Result<(hyper::http::response::Parts, Bytes)> {
        self.timed(
            self.transport
                .exchange_read(method, target, headers, self.timeouts.connect),
        )
        .await
    }

    /// Sends a request and decodes the 2xx body as JSON.
    pub(crate) async fn json<T: DeserializeOwned>(&self, method: Method, target: &str) -> Result<T> {
        let (_, body) = self.send_read(method, target, &[]).await?;
        decode(target, &body)
    }
}
