//! The client: where the daemon is, how long to wait, which API version to speak.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use hyper::Method;
use hyper::http::HeaderMap;
use tokio::sync::OnceCell;

use crate::error::{Error, Result};
use crate::images::Images;
use crate::model::{Info, Ping, Version};
use crate::transport::{Endpoint, Transport};
use crate::version::{ApiVersion, FALLBACK_API_VERSION, MAX_API_VERSION, MIN_API_VERSION};

/// The socket used when `DOCKER_HOST` is not set.
pub const DEFAULT_SOCKET: &str = "/var/run/docker.sock";

/// How long to wait for a connection when nothing else is configured.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// How long to wait for an answer (and, while streaming, for each next chunk) by default.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(120);

/// A connection to one Docker Engine (or Podman) API socket.
///
/// Cheap to clone: clones share one keep-alive connection pool and one negotiated API
/// version, and may be used from many tasks and threads at once. Every call needs a Tokio
/// runtime with I/O and time enabled. Nothing is sent until the first call; that call (or
/// [`Client::ping`]) negotiates the API version through `GET /_ping`.
///
/// # Examples
/// ```no_run
/// # async fn demo() -> dimg::Result<()> {
/// let docker = dimg::Client::from_env()?;            // DOCKER_HOST or /var/run/docker.sock
/// for image in docker.images().list(&Default::default()).await? {
///     println!("{} {:?}", image.id, image.repo_tags);
/// }
/// # Ok(()) }
/// ```
#[derive(Clone, Debug)]
pub struct Client {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    transport: Transport,
    pinned: Option<ApiVersion>,
    /// The first `_ping` answer: the daemon's version and kind, learned once.
    daemon: OnceCell<Ping>,
}

/// Configures a [`Client`].
///
/// # Examples
/// ```
/// use std::time::Duration;
/// let client = dimg::Client::builder()
///     .socket_path("/run/user/1000/podman/podman.sock")
///     .timeout(Duration::from_secs(30))
///     .api_version("1.41".parse().unwrap())
///     .build()
///     .unwrap();
/// assert_eq!(client.socket_path().to_str(), Some("/run/user/1000/podman/podman.sock"));
/// ```
#[derive(Debug, Clone)]
pub struct ClientBuilder {
    endpoint: Endpoint,
    connect_timeout: Option<Duration>,
    timeout: Option<Duration>,
    api_version: Option<ApiVersion>,
    error: Option<String>,
}

impl Default for ClientBuilder {
    fn default() -> ClientBuilder {
        ClientBuilder {
            endpoint: Endpoint::Unix(PathBuf::from(DEFAULT_SOCKET)),
            connect_timeout: Some(DEFAULT_CONNECT_TIMEOUT),
            timeout: Some(DEFAULT_TIMEOUT),
            api_version: None,
            error: None,
        }
    }
}

impl ClientBuilder {
    /// A builder for the default socket, default timeouts and a negotiated API version.
    pub fn new() -> ClientBuilder {
        ClientBuilder::default()
    }

    /// A builder set from the environment the docker CLI reads: `DOCKER_HOST`
    /// (`unix:///path`; unset or empty means [`DEFAULT_SOCKET`]) and `DOCKER_API_VERSION`
    /// (pins the version, no negotiation). Invalid values surface from [`ClientBuilder::build`].
    pub fn from_env() -> ClientBuilder {
        let mut builder = ClientBuilder::new();
        if let Some(host) = std::env::var_os("DOCKER_HOST").filter(|h| !h.is_empty()) {
            builder = builder.host(&host.to_string_lossy());
        }
        if let Some(version) = std::env::var_os("DOCKER_API_VERSION").filter(|v| !v.is_empty()) {
            match version.to_string_lossy().parse() {
                Ok(v) => builder.api_version = Some(v),
                Err(e) => builder.error = Some(format!("DOCKER_API_VERSION: {e}")),
            }
        }
        builder
    }

    /// The daemon's address in `DOCKER_HOST` form: `unix:///path/to/docker.sock`, or
    /// `tcp://host:port` (plain HTTP, no TLS). Other schemes are refused by
    /// [`ClientBuilder::build`].
    ///
    /// ```
    /// let tcp = dimg::Client::builder().host("tcp://127.0.0.1:2375").build().unwrap();
    /// assert_eq!(tcp.host(), "tcp://127.0.0.1:2375");
    /// let err = dimg::Client::builder().host("ssh://me@server").build().unwrap_err();
    /// assert!(err.to_string().contains("ssh://"));
    /// ```
    pub fn host(mut self, host: &str) -> ClientBuilder {
        match host.split_once("://") {
            Some(("unix", path)) if !path.is_empty() => self.endpoint = Endpoint::Unix(PathBuf::from(path)),
            Some(("unix", _)) => self.error = Some(format!("invalid DOCKER_HOST {host:?}: the socket path is empty")),
            Some(("tcp" | "http", address)) => match tcp_address(address) {
                Some(address) => self.endpoint = Endpoint::Tcp(address),
                None => self.error = Some(format!("invalid DOCKER_HOST {host:?}: expected tcp://host:port")),
            },
            Some((scheme, _)) => {
                self.error = Some(format!(
                    "unsupported DOCKER_HOST {host:?}: the {scheme}:// scheme is not supported by dimg; \
                     use unix:///path/to/docker.sock or tcp://host:port"
                ))
            }
            None => {
                self.error = Some(format!(
                    "invalid DOCKER_HOST {host:?}: expected unix:///path/to/docker.sock"
                ))
            }
        }
        self
    }

    /// The daemon's Unix socket path.
    pub fn socket_path(mut self, path: impl Into<PathBuf>) -> ClientBuilder {
        self.endpoint = Endpoint::Unix(path.into());
        self
    }

    /// How long to wait for the socket to accept a connection.
    pub fn connect_timeout(mut self, limit: Duration) -> ClientBuilder {
        self.connect_timeout = Some(limit);
        self
    }

    /// How long to wait for an answer; while a pull streams, how long to wait for each next
    /// chunk. A slower daemon yields [`Error::Timeout`].
    pub fn timeout(mut self, limit: Duration) -> ClientBuilder {
        self.timeout = Some(limit);
        self
    }

    /// Waits for answers as long as they take.
    pub fn no_timeout(mut self) -> ClientBuilder {
        self.timeout = None;
        self
    }

    /// Pins the API version instead of negotiating it (like `DOCKER_API_VERSION`).
    pub fn api_version(mut self, version: ApiVersion) -> ClientBuilder {
        self.api_version = Some(version);
        self
    }

    /// The client. Nothing is sent yet.
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] for an unsupported `DOCKER_HOST` or a bad `DOCKER_API_VERSION`.
    pub fn build(self) -> Result<Client> {
        if let Some(message) = self.error {
            return Err(Error::InvalidArgument(message));
        }
        Ok(Client {
            inner: Arc::new(Inner {
                transport: Transport::new(self.endpoint, self.connect_timeout, self.timeout),
                pinned: self.api_version,
                daemon: OnceCell::new(),
            }),
        })
    }
}

impl Client {
    /// A client configured from `DOCKER_HOST` / `DOCKER_API_VERSION`, as the docker CLI is.
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] when those variables hold something unsupported.
    pub fn from_env() -> Result<Client> {
        ClientBuilder::from_env().build()
    }

    /// A client for the given socket path, with default timeouts.
    ///
    /// ```
    /// let c = dimg::Client::with_socket("/tmp/docker.sock");
    /// assert_eq!(c.socket_path(), std::path::Path::new("/tmp/docker.sock"));
    /// ```
    pub fn with_socket(path: impl Into<PathBuf>) -> Client {
        ClientBuilder::new()
            .socket_path(path)
            .build()
            .expect("a builder without host or version errors always builds")
    }

    /// A builder, to set the socket, timeouts or a pinned API version.
    pub fn builder() -> ClientBuilder {
        ClientBuilder::new()
    }

    /// The Unix socket this client talks to; empty for a `tcp://` client (see [`Client::host`]).
    pub fn socket_path(&self) -> &Path {
        match self.inner.transport.endpoint() {
            Endpoint::Unix(path) => path,
            Endpoint::Tcp(_) => Path::new(""),
        }
    }

    /// The daemon's address in `DOCKER_HOST` form (`unix:///var/run/docker.sock`,
    /// `tcp://127.0.0.1:2375`).
    pub fn host(&self) -> String {
        self.inner.transport.endpoint().to_string()
    }

    /// Image operations: list, search, pull, remove, inspect, tag.
    pub fn images(&self) -> Images<'_> {
        Images::new(self)
    }

    pub(crate) fn transport(&self) -> &Transport {
        &self.inner.transport
    }

    /// The API version used for requests: the pinned one, or min(dimg's newest, the daemon's
    /// newest) learned from `GET /_ping` on first use.
    ///
    /// # Errors
    /// Connection errors, or [`Error::UnsupportedOption`] when the daemon is older than
    /// [`MIN_API_VERSION`].
    pub async fn api_version(&self) -> Result<ApiVersion> {
        if let Some(pinned) = self.inner.pinned {
            return Ok(pinned);
        }
        negotiate(self.daemon().await?.api_version)
    }

    /// What the first `_ping` said about the daemon (pinging once if needed).
    async fn daemon(&self) -> Result<&Ping> {
        self.inner.daemon.get_or_try_init(|| self.ping_unversioned()).await
    }

    /// `true` when the daemon is Podman's Docker-compatible service.
    pub(crate) async fn is_podman(&self) -> Result<bool> {
        Ok(self.daemon().await?.is_podman())
    }

    /// `GET /_ping`: is the daemon there, and what does it offer. Also completes version
    /// negotiation when it has not happened yet.
    ///
    /// ```no_run
    /// # async fn demo(docker: dimg::Client) -> dimg::Result<()> {
    /// let ping = docker.ping().await?;
    /// println!("API {:?}, podman: {}", ping.api_version, ping.is_podman());
    /// # Ok(()) }
    /// ```
    pub async fn ping(&self) -> Result<Ping> {
        let ping = self.ping_unversioned().await?;
        if self.inner.pinned.is_none() {
            negotiate(ping.api_version)?;
        }
        let _ = self.inner.daemon.set(ping.clone());
        Ok(ping)
    }

    async fn ping_unversioned(&self) -> Result<Ping> {
        let (parts, _) = self.transport().send_read(Method::GET, "/_ping", &[]).await?;
        Ok(ping_from_headers(&parts.headers))
    }

    /// `GET /version`: the daemon's versions (slower than ping: the daemon asks its components).
    pub async fn version(&self) -> Result<Version> {
        let target = self.versioned("/version").await?;
        self.transport().json(Method::GET, &target).await
    }

    /// `GET /info`: storage driver, root directory, registry mirrors and insecure registries.
    ///
    /// ```no_run
    /// # async fn demo(docker: dimg::Client) -> dimg::Result<()> {
    /// let info = docker.info().await?;
    /// println!("{} at {}, mirrors {:?}", info.driver, info.docker_root_dir, info.registry_mirrors());
    /// # Ok(()) }
    /// ```
    pub async fn info(&self) -> Result<Info> {
        let target = self.versioned("/info").await?;
        self.transport().json(Method::GET, &target).await
    }

    /// `/vX.Y` + `path`, with X.Y the negotiated version.
    pub(crate) async fn versioned(&self, path: &str) -> Result<String> {
        Ok(format!("/v{}{}", self.api_version().await?, path))
    }
}

/// `host:port` from the part after `tcp://` (a trailing `/` allowed); the port is required.
fn tcp_address(text: &str) -> Option<String> {
    let address = text.trim_end_matches('/');
    let (host, port) = address.rsplit_once(':')?;
    let valid_host = !host.is_empty()
        && host
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'[' | b']' | b':'));
    (valid_host && port.parse::<u16>().is_ok()).then(|| address.to_string())
}

fn negotiate(daemon: Option<ApiVersion>) -> Result<ApiVersion> {
    let daemon = daemon.unwrap_or(FALLBACK_API_VERSION);
    if daemon < MIN_API_VERSION {
        return Err(Error::UnsupportedOption {
            option: "dimg",
            required: MIN_API_VERSION,
            negotiated: daemon,
        });
    }
    Ok(daemon.min(MAX_API_VERSION))
}

fn ping_from_headers(headers: &HeaderMap) -> Ping {
    let text = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
            .filter(|v| !v.is_empty())
    };
    Ping {
        api_version: text("api-version").and_then(|v| v.parse().ok()),
        os_type: text("ostype"),
        server: text("server"),
        experimental: text("docker-experimental").is_some_and(|v| v.eq_ignore_ascii_case("true")),
        builder_version: text("builder-version"),
        libpod_api_version: text("libpod-api-version"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn negotiation_takes_the_lower_version_and_refuses_ancient_daemons() {
        assert_eq!(negotiate(Some(ApiVersion::new(1, 41))).unwrap(), ApiVersion::new(1, 41));
        assert_eq!(negotiate(Some(ApiVersion::new(1, 99))).unwrap(), MAX_API_VERSION);
        assert_eq!(negotiate(None).unwrap(), ApiVersion::new(1, 24));
        assert!(matches!(
            negotiate(Some(ApiVersion::new(1, 12))),
            Err(Error::UnsupportedOption { .. })
        ));
    }

    #[test]
    fn ping_headers_from_the_docker_sample() {
        let sample = include_str!(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../tests/samples/docker-20.10/ping.txt"
        ));
        let mut headers = HeaderMap::new();
        for line in sample.lines().skip(1).take_while(|l| !l.is_empty()) {
            let (k, v) = line.split_once(": ").unwrap();
            headers.insert(
                hyper::header::HeaderName::from_bytes(k.as_bytes()).unwrap(),
                v.parse().unwrap(),
            );
        }
        let ping = ping_from_headers(&headers);
        assert_eq!(ping.api_version, Some(ApiVersion::new(1, 41)));
        assert_eq!(ping.os_type.as_deref(), Some("linux"));
        assert!(!ping.experimental && !ping.is_podman());
    }

    #[test]
    fn docker_host_forms() {
        let ok = ClientBuilder::new().host("unix:///run/x.sock").build().unwrap();
        assert_eq!(ok.socket_path(), Path::new("/run/x.sock"));
        let tcp = ClientBuilder::new().host("tcp://127.0.0.1:2375/").build().unwrap();
        assert_eq!(tcp.host(), "tcp://127.0.0.1:2375");
        for bad in [
            "ssh://me@host",
            "npipe:////./pipe/x",
            "/var/run/docker.sock",
            "unix://",
            "tcp://nohost",
            "tcp://h:99999",
            "tcp://a b:1",
        ] {
            let err = ClientBuilder::new().host(bad).build().unwrap_err();
            assert!(matches!(err, Error::InvalidArgument(_)), "{bad}");
        }
    }
}
