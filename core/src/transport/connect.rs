//! Connectors: how a connection to an [`Endpoint`] is opened for a client's driver. Every
//! connection is a [`Conn`], which the pool and hyper drive the same way whatever it runs on.

use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use hyper::Uri;
use hyper_util::rt::TokioIo;
use tower_service::Service;

use crate::runtime::{self, Driver};
use crate::transport::endpoint::Endpoint;
use crate::transport::polled::PolledStream;

/// An open connection to the daemon.
#[derive(Debug)]
pub(crate) enum Conn {
    /// A Unix socket on Tokio's reactor.
    Unix(hyperlocal::UnixStream),
    /// A TCP connection on Tokio's reactor.
    Tcp(TokioIo<tokio::net::TcpStream>),
    /// A socket of either kind waited for with `poll(2)` by [`crate::blocking::Client`].
    Polled(PolledStream),
}

/// Opens a connection to `endpoint` for `driver`, giving up after `limit`.
pub(crate) async fn connect(endpoint: &Endpoint, driver: Driver, limit: Option<Duration>) -> io::Result<Conn> {
    if driver == Driver::Polled {
        // A blocking connect: the calling thread is the one meant to wait.
        return match endpoint {
            Endpoint::Unix(path) => PolledStream::connect_unix(path, limit),
            Endpoint::Tcp(address) => PolledStream::connect_tcp(address, limit),
        }
        .map(Conn::Polled);
    }
    let connect = async {
        match endpoint {
            Endpoint::Unix(path) => {
                let uri: Uri = hyperlocal::Uri::new(path, "/").into();
                hyperlocal::UnixConnector.call(uri).await.map(Conn::Unix)
            }
            Endpoint::Tcp(address) => {
                let stream = tokio::net::TcpStream::connect(address).await?;
                stream.set_nodelay(true)?;
                Ok(Conn::Tcp(TokioIo::new(stream)))
            }
        }
    };
    match limit {
        Some(limit) => runtime::timeout(driver, limit, connect)
            .await
            .unwrap_or_else(|| Err(io::Error::new(io::ErrorKind::TimedOut, "connect timed out"))),
        None => connect.await,
    }
}

impl hyper::rt::Read for Conn {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: hyper::rt::ReadBufCursor<'_>,
    ) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Conn::Unix(s) => Pin::new(s).poll_read(cx, buf),
            Conn::Tcp(s) => Pin::new(s).poll_read(cx, buf),
            Conn::Polled(s) => Pin::new(s).poll_read(cx, buf),
        }
    }
}

impl hyper::rt::Write for Conn {
    fn poll_write(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        match self.get_mut() {
            Conn::Unix(s) => Pin::new(s).poll_write(cx, buf),
            Conn::Tcp(s) => Pin::new(s).poll_write(cx, buf),
            Conn::Polled(s) => Pin::new(s).poll_write(cx, buf),
        }
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Conn::Unix(s) => Pin::new(s).poll_flush(cx),
            Conn::Tcp(s) => Pin::new(s).poll_flush(cx),
            Conn::Polled(s) => Pin::new(s).poll_flush(cx),
        }
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Conn::Unix(s) => Pin::new(s).poll_shutdown(cx),
            Conn::Tcp(s) => Pin::new(s).poll_shutdown(cx),
            Conn::Polled(s) => Pin::new(s).poll_shutdown(cx),
        }
    }
}
