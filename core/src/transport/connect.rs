//! Connectors: how a connection to an [`Endpoint`] is opened for a client's driver. Every
//! connection is a [`Conn`], which the pool and hyper drive the same way whatever it runs on.

use std::io;
use std::path::PathBuf;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use std::task::{Context, Poll};
use std::time::Duration;

use hyper::Uri;
use hyper_util::rt::TokioIo;
use tower_service::Service;

use crate::error::Result;
use crate::runtime::{self, Driver};
use crate::transport::endpoint::{Address, Endpoint, SshAddress};
use crate::transport::polled::PolledStream;
use crate::transport::ssh::{self, SshConn};
use crate::transport::tls::{TlsConn, TlsConnector};

/// An open connection to the daemon.
#[derive(Debug)]
pub(crate) enum Conn {
    /// A Unix socket on Tokio's reactor.
    Unix(hyperlocal::UnixStream),
    /// A TCP connection on Tokio's reactor.
    Tcp(TokioIo<tokio::net::TcpStream>),
    /// One end of a socket pair on Tokio's reactor (the other end is an `ssh` child's).
    Pair(TokioIo<tokio::net::UnixStream>),
    /// A socket of any kind waited for with `poll(2)` by [`crate::blocking::Client`].
    Polled(PolledStream),
    /// TLS over a TCP connection.
    Tls(Box<TlsConn<Conn>>),
    /// HTTP through an `ssh` child process.
    Ssh(Box<SshConn<Conn>>),
}

/// How connections to one endpoint are opened: the endpoint's address with what was prepared
/// for it when the client was built (a TLS configuration read from its files).
#[derive(Debug)]
pub(crate) enum Connector {
    Unix(PathBuf),
    Tcp(String),
    Tls(String, TlsConnector),
    Ssh(SshAddress),
}

impl Connector {
    /// Prepares connections to `endpoint`, reading its TLS files now.
    pub(crate) fn new(endpoint: &Endpoint) -> Result<Connector> {
        Ok(match (endpoint.address(), endpoint.tls()) {
            (Address::Unix(path), _) => Connector::Unix(path.clone()),
            (Address::Tcp(address), None) => Connector::Tcp(address.clone()),
            (Address::Tcp(address), Some(tls)) => Connector::Tls(address.clone(), TlsConnector::new(address, tls)?),
            (Address::Ssh(address), _) => Connector::Ssh(address.clone()),
        })
    }
}

impl Conn {
    /// The polled socket's recheck flag ([`PolledStream::recheck`]), under any layers.
    pub(crate) fn recheck(&self) -> Option<Arc<AtomicBool>> {
        match self {
            Conn::Polled(stream) => Some(stream.recheck()),
            Conn::Tls(tls) => tls.inner().recheck(),
            Conn::Ssh(ssh) => ssh.inner().recheck(),
            Conn::Unix(_) | Conn::Tcp(_) | Conn::Pair(_) => None,
        }
    }
}

/// Opens a connection with `connector` for `driver`, giving up after `limit` (the TCP connect
/// and the TLS handshake each get `limit`).
pub(crate) async fn connect(connector: &Connector, driver: Driver, limit: Option<Duration>) -> io::Result<Conn> {
    match connector {
        Connector::Unix(path) => plain(driver, limit, Target::Unix(path)).await,
        Connector::Tcp(address) => plain(driver, limit, Target::Tcp(address)).await,
        Connector::Tls(address, tls) => {
            let tcp = plain(driver, limit, Target::Tcp(address)).await?;
            let handshake = tls.handshake(tcp);
            let tls = match limit {
                Some(limit) => runtime::timeout(driver, limit, handshake)
                    .await
                    .unwrap_or_else(|| Err(io::Error::new(io::ErrorKind::TimedOut, "TLS handshake timed out")))?,
                None => handshake.await?,
            };
            Ok(Conn::Tls(Box::new(tls)))
        }
        Connector::Ssh(address) => {
            let (process, ours) = ssh::spawn(address)?;
            Ok(Conn::Ssh(Box::new(SshConn::new(over_socket(ours, driver)?, process))))
        }
    }
}

/// Our end of the socket pair an `ssh` child talks through, for `driver`.
fn over_socket(stream: std::os::unix::net::UnixStream, driver: Driver) -> io::Result<Conn> {
    stream.set_nonblocking(true)?;
    match driver {
        Driver::Polled => Ok(Conn::Polled(PolledStream::from_unix(stream))),
        Driver::Tokio => Ok(Conn::Pair(TokioIo::new(tokio::net::UnixStream::from_std(stream)?))),
    }
}

enum Target<'a> {
    Unix(&'a std::path::Path),
    Tcp(&'a str),
}

/// A Unix or TCP connection.
async fn plain(driver: Driver, limit: Option<Duration>, target: Target<'_>) -> io::Result<Conn> {
    if driver == Driver::Polled {
        // A blocking connect: the calling thread is the one meant to wait.
        return match target {
            Target::Unix(path) => PolledStream::connect_unix(path, limit),
            Target::Tcp(address) => PolledStream::connect_tcp(address, limit),
        }
        .map(Conn::Polled);
    }
    let connect = async {
        match target {
            Target::Unix(path) => {
                let uri: Uri = hyperlocal::Uri::new(path, "/").into();
                hyperlocal::UnixConnector.call(uri).await.map(Conn::Unix)
            }
            Target::Tcp(address) => {
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
            Conn::Pair(s) => Pin::new(s).poll_read(cx, buf),
            Conn::Polled(s) => Pin::new(s).poll_read(cx, buf),
            Conn::Tls(s) => Pin::new(&mut **s).poll_read(cx, buf),
            Conn::Ssh(s) => Pin::new(&mut **s).poll_read(cx, buf),
        }
    }
}

impl hyper::rt::Write for Conn {
    fn poll_write(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        match self.get_mut() {
            Conn::Unix(s) => Pin::new(s).poll_write(cx, buf),
            Conn::Tcp(s) => Pin::new(s).poll_write(cx, buf),
            Conn::Pair(s) => Pin::new(s).poll_write(cx, buf),
            Conn::Polled(s) => Pin::new(s).poll_write(cx, buf),
            Conn::Tls(s) => Pin::new(&mut **s).poll_write(cx, buf),
            Conn::Ssh(s) => Pin::new(&mut **s).poll_write(cx, buf),
        }
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Conn::Unix(s) => Pin::new(s).poll_flush(cx),
            Conn::Tcp(s) => Pin::new(s).poll_flush(cx),
            Conn::Pair(s) => Pin::new(s).poll_flush(cx),
            Conn::Polled(s) => Pin::new(s).poll_flush(cx),
            Conn::Tls(s) => Pin::new(&mut **s).poll_flush(cx),
            Conn::Ssh(s) => Pin::new(&mut **s).poll_flush(cx),
        }
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Conn::Unix(s) => Pin::new(s).poll_shutdown(cx),
            Conn::Tcp(s) => Pin::new(s).poll_shutdown(cx),
            Conn::Pair(s) => Pin::new(s).poll_shutdown(cx),
            Conn::Polled(s) => Pin::new(s).poll_shutdown(cx),
            Conn::Tls(s) => Pin::new(&mut **s).poll_shutdown(cx),
            Conn::Ssh(s) => Pin::new(&mut **s).poll_shutdown(cx),
        }
    }
}
