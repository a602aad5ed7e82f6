//! The one request/response path of every client: HTTP/1.1 to an [`Endpoint`] over a pool of
//! kept-alive connections, timeouts, and the mapping of HTTP failures onto [`Error`].
//!
//! - [`endpoint`]: where the daemon is (`DOCKER_HOST` forms, TLS settings, the context).
//! - [`resolve`]: which endpoint, decided as the docker CLI decides it (flags, environment,
//!   context store).
//! - [`connect`]: connectors, one per kind of endpoint, for either driver: [`tls`] (rustls)
//!   and [`ssh`] (the system `ssh` running `docker system dial-stdio`) over the plain ones.
//! - [`pool`]: kept-alive connections driven by the caller.
//! - [`timeouts`]: the limits of a call, and the transport as one call sees it.
//! - [`polled`]: the sockets of [`crate::blocking::Client`], waited for with `poll(2)`.

pub(crate) mod connect;
pub(crate) mod endpoint;
pub(crate) mod polled;
pub(crate) mod pool;
pub(crate) mod resolve;
pub(crate) mod ssh;
pub(crate) mod timeouts;
pub(crate) mod tls;

use std::io;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper::header::{CONTENT_TYPE, HOST, HeaderValue};
use hyper::{Method, Request, Response, StatusCode, Uri};
use serde::de::DeserializeOwned;

use self::connect::Connector;
pub use self::endpoint::{Address, Endpoint, EndpointKind, SshAddress, TlsConfig};
pub(crate) use self::pool::ResponseBody;
use self::pool::{Pool, SendError};
pub use self::resolve::{ConnectOptions, DEFAULT_CONTEXT};
use self::ssh::SshFailure;
pub(crate) use self::timeouts::Timed;
pub use self::timeouts::{DEFAULT_CONNECT_TIMEOUT, DEFAULT_TIMEOUT, Timeouts};
use self::tls::TlsFailure;
use crate::error::{BoxError, Error, Result};
use crate::runtime::Driver;

/// The largest JSON body read into memory (a list of 10 000 images is ~5 MB).
const MAX_BODY: usize = 256 * 1024 * 1024;
/// The largest error body kept.
const MAX_ERROR_BODY: usize = 64 * 1024;

/// The request side shared by every clone of a [`crate::Client`]; its calls go through
/// [`Timed`], which adds the limits of the client making them.
#[derive(Debug)]
pub(crate) struct Transport {
    pool: Arc<Pool>,
    endpoint: Endpoint,
    connector: Connector,
    driver: Driver,
}

impl Transport {
    pub(crate) fn new(endpoint: Endpoint, driver: Driver) -> Result<Transport> {
        Ok(Transport {
            pool: Arc::default(),
            connector: Connector::new(&endpoint)?,
            endpoint,
            driver,
        })
    }

    pub(crate) fn endpoint(&self) -> &Endpoint {
        &self.endpoint
    }

    /// Who waits for this client's sockets and timers.
    pub(crate) fn driver(&self) -> Driver {
        self.driver
    }

    /// Sends one request (connecting under `connect_timeout` if no kept-alive connection is
    /// free) and returns a 2xx response; no overall limit, which [`Timed`] puts around it.
    async fn exchange(
        &self,
        method: Method,
        target: &str,
        headers: &[(&'static str, HeaderValue)],
        body: Option<Bytes>,
        connect_timeout: Option<Duration>,
    ) -> Result<Response<ResponseBody>> {
        let uri: Uri = target
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
            .pool
            .send(request, || {
                connect::connect(&self.connector, self.driver, connect_timeout)
            })
            .await
            .map_err(|e| self.request_error(e))?;
        if response.status().is_success() {
            Ok(response)
        } else {
            Err(self.plain_to_tls(status_error(response).await))
        }
    }

    /// [`Transport::exchange`], then the whole 2xx body.
    async fn exchange_read(
        &self,
        method: Method,
        target: &str,
        headers: &[(&'static str, HeaderValue)],
        connect_timeout: Option<Duration>,
    ) -> Result<(hyper::http::response::Parts, Bytes)> {
        let response = self.exchange(method, target, headers, None, connect_timeout).await?;
        let (parts, body) = response.into_parts();
        let bytes = read_body(body, MAX_BODY).await?;
        Ok((parts, bytes))
    }

    /// A Go daemon's answer to plain HTTP on its TLS port, told as the TLS problem it is.
    fn plain_to_tls(&self, error: Error) -> Error {
        match error {
            Error::Api { status: 400, message }
                if message.contains("Client sent an HTTP request to an HTTPS server") =>
            {
                Error::Tls {
                    address: self.endpoint.to_string(),
                    reason: "the daemon expects TLS on this port and was sent plain HTTP (use --tlsverify or \
                             DOCKER_TLS_VERIFY=1, or TLS settings)"
                        .to_string(),
                }
            }
            other => other,
        }
    }

    /// Maps a failed exchange: connection problems name the address, ssh and TLS failures say
    /// what failed, the rest is protocol.
    fn request_error(&self, err: SendError) -> Error {
        let io_error = match err {
            SendError::Connect(io_error) => io_error,
            SendError::Http(e) => return read_error("sending the request", e),
        };
        if let Some(error) = transport_failure(&io_error) {
            return error;
        }
        let reason = match io_error.kind() {
            io::ErrorKind::NotFound => "no such socket (is the daemon running?)".to_string(),
            io::ErrorKind::ConnectionRefused => "connection refused (nothing is listening)".to_string(),
            io::ErrorKind::PermissionDenied => "permission denied".to_string(),
            io::ErrorKind::TimedOut => "connect timed out".to_string(),
            io::ErrorKind::NotConnected | io::ErrorKind::AddrNotAvailable => "cannot reach the address".to_string(),
            _ => io_error.to_string(),
        };
        Error::Connect {
            address: self.endpoint.to_string(),
            reason,
            source: io_error,
        }
    }
}

/// Reads a whole body, refusing more than `limit` bytes.
pub(crate) async fn read_body(body: ResponseBody, limit: usize) -> Result<Bytes> {
    Limited::new(body, limit)
        .collect()
        .await
        .map(|collected| collected.to_bytes())
        .map_err(|e: BoxError| read_error("reading the response body", e))
}

/// Decodes JSON, naming the request in the error.
pub(crate) fn decode<T: DeserializeOwned>(target: &str, body: &[u8]) -> Result<T> {
    let context = || {
        let path = target.split('?').next().unwrap_or(target);
        format!("decoding the answer to {path}")
    };
    // One UTF-8 check of the whole body, after which serde reads every string without
    // checking it again (a fifth faster on a long image list than `from_slice`).
    let text = std::str::from_utf8(body).map_err(|e| Error::protocol(context(), e))?;
    serde_json::from_str(text).map_err(|e| Error::protocol(context(), e))
}

/// Turns a non-2xx response into the matching error, with the daemon's own message.
async fn status_error(response: Response<ResponseBody>) -> Error {
    let status = response.status();
    let body = read_body(response.into_body(), MAX_ERROR_BODY)
        .await
        .unwrap_or_default();
    error_for_status(status, &body)
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
    // A rate limit is told by its message whatever the status (and a 429 by its status).
    if let Some(error) = Error::from_message(status.as_u16(), &message) {
        return error;
    }
    match status {
        StatusCode::NOT_FOUND => Error::NotFound(message),
        StatusCode::CONFLICT => Error::Conflict(message),
        // Podman answers "unable to delete image ... by ID with more than one tag (...): please
        // force removal" with 500 where Docker answers the same refusal with 409.
        StatusCode::INTERNAL_SERVER_ERROR if message.ends_with("please force removal") => Error::Conflict(message),
        // Podman's 500 for a `before`/`since` filter naming a missing image, Docker's 404.
        StatusCode::INTERNAL_SERVER_ERROR if message.starts_with("could not find local image for filter") => {
            Error::NotFound(message)
        }
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

/// A failed exchange or body read: an `ssh` process that ended or a TLS session that failed,
/// wherever in the chain, is told as such ([`Error::Ssh`], [`Error::Tls`]); anything else is
/// [`Error::Protocol`].
pub(crate) fn read_error(context: &str, source: impl Into<BoxError>) -> Error {
    let source = source.into();
    transport_failure(&*source).unwrap_or_else(|| Error::protocol(context, source))
}

/// The [`Error::Ssh`] or [`Error::Tls`] an error chain carries, if any.
fn transport_failure(error: &(dyn std::error::Error + 'static)) -> Option<Error> {
    let mut cause: Option<&(dyn std::error::Error + 'static)> = Some(error);
    while let Some(error) = cause {
        if let Some(ssh) = error.downcast_ref::<SshFailure>() {
            return Some(Error::Ssh {
                address: ssh.address.clone(),
                message: ssh.to_string(),
                status: ssh.status,
                stderr: ssh.stderr.clone(),
            });
        }
        if let Some(tls) = error.downcast_ref::<TlsFailure>() {
            return Some(Error::Tls {
                address: tls.address.clone(),
                reason: tls.reason.clone(),
            });
        }
        // An io::Error's custom payload is not its source: look inside it too.
        if let Some(io) = error.downcast_ref::<std::io::Error>()
            && let Some(inner) = io.get_ref()
        {
            cause = Some(inner);
            continue;
        }
        cause = error.source();
    }
    None
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
        let podman = br#"{"cause":"image is in use by a container","message":"unable to delete image \"9c3f\" by ID with more than one tag ([a:1 b:1]): please force removal","response":500}"#;
        assert!(matches!(
            error_for_status(StatusCode::INTERNAL_SERVER_ERROR, podman),
            Error::Conflict(_)
        ));
        let podman = br#"{"message":"could not find local image for filter filter \"before\"=\"x:1\": x:1: image not known","response":500}"#;
        let e = error_for_status(StatusCode::INTERNAL_SERVER_ERROR, podman);
        assert!(matches!(e, Error::NotFound(_)));
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
