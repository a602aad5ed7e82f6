//! HTTP/1.1 over the daemon's Unix socket (or plain TCP): one keep-alive pool, timeouts, and the mapping of
//! HTTP failures onto [`Error`].

use std::future::Future;
use std::io;
use std::path::PathBuf;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Incoming;
use hyper::header::{CONTENT_TYPE, HOST, HeaderValue};
use hyper::{Method, Request, Response, StatusCode, Uri};
use hyper_util::client::legacy::Client as HttpClient;
use hyper_util::client::legacy::connect::{Connected, Connection};
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use serde::de::DeserializeOwned;

use crate::error::{BoxError, Error, Result};

/// The largest JSON body read into memory (a list of 10 000 images is ~5 MB).
const MAX_BODY: usize = 256 * 1024 * 1024;
/// The largest error body kept.
const MAX_ERROR_BODY: usize = 64 * 1024;

/// Where the daemon listens.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Endpoint {
    /// A Unix socket path (`unix:///var/run/docker.sock`).
    Unix(PathBuf),
    /// A plain TCP `host:port` (`tcp://127.0.0.1:2375`; no TLS).
    Tcp(String),
}

impl std::fmt::Display for Endpoint {
    /// The `DOCKER_HOST` form.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Endpoint::Unix(path) => write!(f, "unix://{}", path.display()),
            Endpoint::Tcp(address) => write!(f, "tcp://{address}"),
        }
    }
}

/// A connection to either kind of endpoint.
#[derive(Debug)]
enum Conn {
    Unix(hyperlocal::UnixStream),
    Tcp(TokioIo<tokio::net::TcpStream>),
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
        }
    }
}

impl hyper::rt::Write for Conn {
    fn poll_write(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        match self.get_mut() {
            Conn::Unix(s) => Pin::new(s).poll_write(cx, buf),
            Conn::Tcp(s) => Pin::new(s).poll_write(cx, buf),
        }
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Conn::Unix(s) => Pin::new(s).poll_flush(cx),
            Conn::Tcp(s) => Pin::new(s).poll_flush(cx),
        }
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Conn::Unix(s) => Pin::new(s).poll_shutdown(cx),
            Conn::Tcp(s) => Pin::new(s).poll_shutdown(cx),
        }
    }
}

impl Connection for Conn {
    fn connected(&self) -> Connected {
        Connected::new()
    }
}

/// Connects to the endpoint, giving up after `connect_timeout`.
#[derive(Clone, Debug)]
struct Connector {
    endpoint: Endpoint,
    connect_timeout: Option<Duration>,
}

impl tower_service::Service<Uri> for Connector {
    type Response = Conn;
    type Error = io::Error;
    type Future = Pin<Box<dyn Future<Output = io::Result<Conn>> + Send>>;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, uri: Uri) -> Self::Future {
        let limit = self.connect_timeout;
        let connect: Self::Future = match &self.endpoint {
            Endpoint::Unix(_) => {
                let unix = hyperlocal::UnixConnector.call(uri);
                Box::pin(async move { unix.await.map(Conn::Unix) })
            }
            Endpoint::Tcp(address) => {
                let address = address.clone();
                Box::pin(async move {
                    let stream = tokio::net::TcpStream::connect(&address).await?;
                    stream.set_nodelay(true)?;
                    Ok(Conn::Tcp(TokioIo::new(stream)))
                })
            }
        };
        Box::pin(async move {
            match limit {
                Some(limit) => tokio::time::timeout(limit, connect)
                    .await
                    .unwrap_or_else(|_| Err(io::Error::new(io::ErrorKind::TimedOut, "connect timed out"))),
                None => connect.await,
            }
        })
    }
}

/// The request side shared by every clone of a [`crate::Client`].
#[derive(Debug)]
pub(crate) struct Transport {
    http: HttpClient<Connector, Full<Bytes>>,
    /// `unix://<hex path>:0` (the authority hyperlocal decodes back into the socket path) or
    /// `http://host:port`.
    authority: String,
    endpoint: Endpoint,
    timeout: Option<Duration>,
}

impl Transport {
    pub(crate) fn new(endpoint: Endpoint, connect_timeout: Option<Duration>, timeout: Option<Duration>) -> Transport {
        let http = HttpClient::builder(TokioExecutor::new())
            .pool_timer(TokioTimer::new())
            .pool_idle_timeout(Duration::from_secs(60))
            .set_host(false)
            .build(Connector {
                endpoint: endpoint.clone(),
                connect_timeout,
            });
        let authority = match &endpoint {
            Endpoint::Unix(socket) => {
                let hex: String = socket
                    .as_os_str()
                    .as_encoded_bytes()
                    .iter()
                    .map(|b| format!("{b:02x}"))
                    .collect();
                format!("unix://{hex}:0")
            }
            Endpoint::Tcp(address) => format!("http://{address}"),
        };
        Transport {
            http,
            authority,
            endpoint,
            timeout,
        }
    }

    pub(crate) fn endpoint(&self) -> &Endpoint {
        &self.endpoint
    }

    pub(crate) fn timeout(&self) -> Option<Duration> {
        self.timeout
    }

    /// Runs `fut` under the request timeout.
    pub(crate) async fn timed<T>(&self, fut: impl Future<Output = Result<T>>) -> Result<T> {
        match self.timeout {
            Some(limit) => tokio::time::timeout(limit, fut)
                .await
                .unwrap_or(Err(Error::Timeout(limit))),
            None => fut.await,
        }
    }

    /// Sends a request and returns the response once its headers arrived with a 2xx status;
    /// any other status becomes an [`Error`] carrying the daemon's message.
    pub(crate) async fn send(
        &self,
        method: Method,
        target: &str,
        headers: &[(&'static str, HeaderValue)],
        body: Option<Bytes>,
    ) -> Result<Response<Incoming>> {
        let uri: Uri = format!("{}{}", self.authority, target)
            .parse()
            .map_err(|e| Error::InvalidArgument(format!("cannot build a request for {target:?}: {e}")))?;
        let mut request = Request::builder()
            .method(method)
            .uri(uri)
            .header(HOST, HeaderValue::from_static("docker"));
        for (name, value) in headers {
            request = request.header(*name, value.clone());
        }
        if body.is_some() {
            request = request.header(CONTENT_TYPE, HeaderValue::from_static("application/json"));
        }
        let request = request
            .body(Full::new(body.unwrap_or_default()))
            .map_err(|e| Error::InvalidArgument(format!("cannot build a request for {target:?}: {e}")))?;
        let response = self
            .timed(async { self.http.request(request).await.map_err(|e| self.request_error(e)) })
            .await?;
        if response.status().is_success() {
            Ok(response)
        } else {
            Err(self.timed(status_error(response)).await.unwrap_or_else(|e| e))
        }
    }

    /// Sends a request and reads the whole 2xx body, all under the request timeout.
    pub(crate) async fn send_read(
        &self,
        method: Method,
        target: &str,
        headers: &[(&'static str, HeaderValue)],
    ) -> Result<(hyper::http::response::Parts, Bytes)> {
        self.timed(async {
            let response = self.send(method, target, headers, None).await?;
            let (parts, body) = response.into_parts();
            let bytes = read_body(body, MAX_BODY).await?;
            Ok((parts, bytes))
        })
        .await
    }

    /// Sends a request and decodes the 2xx body as JSON.
    pub(crate) async fn json<T: DeserializeOwned>(&self, method: Method, target: &str) -> Result<T> {
        let (_, body) = self.send_read(method, target, &[]).await?;
        decode(target, &body)
    }

    /// Maps a hyper-util failure: connection problems name the socket, the rest is protocol.
    fn request_error(&self, err: hyper_util::client::legacy::Error) -> Error {
        if err.is_connect() {
            let io_error = find_io_error(&err)
                .map(|e| io::Error::new(e.kind(), e.to_string()))
                .unwrap_or_else(|| io::Error::other(err.to_string()));
            let reason = match io_error.kind() {
                io::ErrorKind::NotFound => "no such socket (is the daemon running?)".to_string(),
                io::ErrorKind::NotConnected | io::ErrorKind::AddrNotAvailable => "cannot reach the address".to_string(),
                io::ErrorKind::ConnectionRefused => "connection refused (nothing is listening)".to_string(),
                io::ErrorKind::PermissionDenied => "permission denied".to_string(),
                io::ErrorKind::TimedOut => "connect timed out".to_string(),
                _ => io_error.to_string(),
            };
            return Error::Connect {
                address: self.endpoint.to_string(),
                reason,
                source: io_error,
            };
        }
        Error::protocol("sending the request", err)
    }
}

fn find_io_error<'a>(err: &'a (dyn std::error::Error + 'static)) -> Option<&'a io::Error> {
    let mut current: Option<&(dyn std::error::Error + 'static)> = Some(err);
    while let Some(e) = current {
        if let Some(io_error) = e.downcast_ref::<io::Error>() {
            return Some(io_error);
        }
        current = e.source();
    }
    None
}

/// Reads a whole body, refusing more than `limit` bytes.
pub(crate) async fn read_body(body: Incoming, limit: usize) -> Result<Bytes> {
    Limited::new(body, limit)
        .collect()
        .await
        .map(|collected| collected.to_bytes())
        .map_err(|e: BoxError| Error::protocol("reading the response body", e))
}

/// Decodes JSON, naming the request in the error.
pub(crate) fn decode<T: DeserializeOwned>(target: &str, body: &[u8]) -> Result<T> {
    serde_json::from_slice(body).map_err(|e| {
        let path = target.split('?').next().unwrap_or(target);
        Error::protocol(format!("decoding the answer to {path}"), e)
    })
}

/// Turns a non-2xx response into the matching error, with the daemon's own message.
async fn status_error(response: Response<Incoming>) -> Result<Error> {
    let status = response.status();
    let body = read_body(response.into_body(), MAX_ERROR_BODY)
        .await
        .unwrap_or_default();
    Ok(error_for_status(status, &body))
}

pub(crate) fn error_for_status(status: StatusCode, body: &[u8]) -> Error {
    #[derive(serde::Deserialize)]
    struct Message {
        message: Option<String>,
    }
    let message = serde_json::from_slice::<Message>(body)
        .ok()
        .and_then(|m| m.message)
        .unwrap_or_else(|| String::from_utf8_lossy(body).trim().to_string());
    let message = if message.is_empty() {
        status.canonical_reason().unwrap_or("error").to_string()
    } else {
        message
    };
    match status {
        StatusCode::NOT_FOUND => Error::NotFound(message),
        StatusCode::CONFLICT => Error::Conflict(message),
        StatusCode::UNAUTHORIZED | StatusCode::INTERNAL_SERVER_ERROR if Error::is_auth_message(&message) => {
            Error::Unauthorized {
                message,
                status: Some(status.as_u16()),
            }
        }
        _ => Error::Api {
            status: status.as_u16(),
            message,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_errors_keep_the_daemons_message() {
        let e = error_for_status(StatusCode::NOT_FOUND, br#"{"message":"No such image: x:latest"}"#);
        assert!(matches!(&e, Error::NotFound(m) if m == "No such image: x:latest"));
        let e = error_for_status(StatusCode::CONFLICT, br#"{"message":"conflict: unable to delete"}"#);
        assert!(matches!(e, Error::Conflict(_)));
        let e = error_for_status(
            StatusCode::BAD_REQUEST,
            b"client version 1.11 is too old. Minimum supported API version is 1.12\n",
        );
        assert!(matches!(&e, Error::Api { status: 400, message } if message.ends_with("is 1.12")));
        let podman = br#"{"cause":"image not known","message":"failed to find image nosuch:1","response":404}"#;
        assert!(
            matches!(error_for_status(StatusCode::NOT_FOUND, podman), Error::NotFound(m) if m == "failed to find image nosuch:1")
        );
        let e = error_for_status(
            StatusCode::INTERNAL_SERVER_ERROR,
            br#"{"message":"Head \"http://127.0.0.1:41503/v2/t/p40/manifests/1.0\": no basic auth credentials"}"#,
        );
        assert!(matches!(e, Error::Unauthorized { status: Some(500), .. }), "{e:?}");
        let e = error_for_status(
            StatusCode::INTERNAL_SERVER_ERROR,
            br#"{"message":"unauthorized: authentication required"}"#,
        );
        assert!(matches!(e, Error::Unauthorized { .. }));
        let e = error_for_status(StatusCode::INTERNAL_SERVER_ERROR, b"");
        assert!(matches!(&e, Error::Api { status: 500, message } if message == "Internal Server Error"));
    }
}
