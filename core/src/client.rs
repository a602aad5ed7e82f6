//! The client: where the daemon is, how long to wait, which API version to speak, and what
//! drives its calls. The operations themselves live in [`crate::api`].

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use hyper::Method;
use hyper::http::HeaderMap;
use tokio::sync::OnceCell;

use crate::error::{Error, Result};
use crate::model::Ping;
use crate::retry::RetryPolicy;
use crate::runtime::Driver;
use crate::transport::{Address, ConnectOptions, DEFAULT_CONTEXT, Endpoint, Timed, Timeouts, TlsConfig, Transport};
use crate::version::{ApiVersion, FALLBACK_API_VERSION, MAX_API_VERSION, MIN_API_VERSION};

/// A connection to one Docker Engine (or Podman) API socket, for async code.
///
/// Cheap to clone: clones share one keep-alive connection pool and one negotiated API
/// version, and may be used from many tasks and threads at once. Every call needs a Tokio
/// runtime with I/O and time enabled; synchronous programs use [`crate::blocking::Client`]
/// instead. Nothing is sent until the first call; that call (or [`Client::ping`]) negotiates
/// the API version through `GET /_ping`.
///
/// # Examples
/// ```no_run
/// # async fn demo() -> dimg::Result<()> {
/// let docker = dimg::Client::from_env()?;            // as the docker CLI: DOCKER_HOST, the context, ...
/// for image in docker.images().list(&Default::default()).await? {
///     println!("{} {:?}", image.id, image.repo_tags);
/// }
/// # Ok(()) }
/// ```
#[derive(Clone, Debug)]
pub struct Client {
    inner: Arc<Inner>,
    /// This handle's limits ([`Client::with_timeouts`] changes them for one handle).
    timeouts: Timeouts,
    /// This handle's retries for pull, search and inspect ([`Client::with_retry`]).
    retry: Option<RetryPolicy>,
}

#[derive(Debug)]
struct Inner {
    transport: Transport,
    pinned: Option<ApiVersion>,
    /// How long a credential helper may take; `None`: the answer timeout.
    credential_helper_timeout: Option<Duration>,
    /// The first `_ping` answer: the daemon's version and kind, learned once.
    daemon: OnceCell<Ping>,
}

/// Configures a [`Client`] (or, with [`ClientBuilder::build_blocking`], a
/// [`crate::blocking::Client`]).
///
/// The daemon is chosen as the docker CLI chooses it (see [`ConnectOptions`]): a host, a
/// context, TLS settings, or, from [`ClientBuilder::from_env`], the environment and the
/// current context. [`ClientBuilder::new`] reads no `DOCKER_*` variable (but `DOCKER_CONFIG` for
/// where the context store is): without a host, a context or a configuration directory it
/// means the default socket; with a [`ClientBuilder::config_dir`], that directory's current
/// context counts, as with `docker --config DIR`.
///
/// # Examples
/// ```
/// use std::time::Duration;
/// let client = dimg::Client::builder()
///     .host("unix:///run/user/1000/podman/podman.sock")
///     .timeout(Duration::from_secs(30))
///     .api_version("1.41".parse().unwrap())
///     .build()
///     .unwrap();
/// assert_eq!(client.socket_path(), Some(std::path::Path::new("/run/user/1000/podman/podman.sock")));
/// ```
#[derive(Debug, Clone, Default)]
#[must_use]
pub struct ClientBuilder {
    connect: ConnectOptions,
    /// Whether `connect` is resolved against `DOCKER_HOST`, `DOCKER_CONTEXT` and the TLS
    /// variables ([`ClientBuilder::from_env`]) or without them.
    read_env: bool,
    /// Set by [`ClientBuilder::endpoint`]: used as it is, nothing resolved.
    endpoint: Option<Endpoint>,
    tls: Option<TlsConfig>,
    timeouts: Timeouts,
    retry: Option<RetryPolicy>,
    credential_helper_timeout: Option<Duration>,
    api_version: Option<ApiVersion>,
    error: Option<String>,
}

impl ClientBuilder {
    /// A builder for the default socket, default timeouts and a negotiated API version.
    pub fn new() -> ClientBuilder {
        ClientBuilder::default()
    }

    /// A builder that finds the daemon as the docker CLI does without flags: `DOCKER_HOST`,
    /// else `DOCKER_CONTEXT`, else the current context of `config.json` (in `DOCKER_CONFIG`
    /// or `~/.docker`), else the default socket; `DOCKER_TLS_VERIFY`, `DOCKER_TLS` and
    /// `DOCKER_CERT_PATH` for TLS; and `DOCKER_API_VERSION` (pins the version, no
    /// negotiation). The other methods refine it (a [`ClientBuilder::context`] wins over
    /// `DOCKER_HOST`, as `--context` does). Invalid values surface from [`ClientBuilder::build`].
    pub fn from_env() -> ClientBuilder {
        let mut builder = ClientBuilder::new();
        builder.read_env = true;
        if let Some(version) = std::env::var_os("DOCKER_API_VERSION").filter(|v| !v.is_empty()) {
            match version.to_string_lossy().parse() {
                Ok(v) => builder.api_version = Some(v),
                Err(e) => builder.error = Some(format!("DOCKER_API_VERSION: {e}")),
            }
        }
        builder
    }

    /// The daemon's address as `DOCKER_HOST` and `-H` take it (`unix:///path`, `tcp://host:port`,
    /// `ssh://[user@]host[:port]`, or a socket path): the one rule every binding follows,
    /// [`Endpoint::parse`]. An address it refuses surfaces from [`ClientBuilder::build`].
    ///
    /// ```
    /// let tcp = dimg::Client::builder().host("tcp://127.0.0.1:2375").build().unwrap();
    /// assert_eq!(tcp.host(), "tcp://127.0.0.1:2375");
    /// let ssh = dimg::Client::builder().host("ssh://me@server").build().unwrap();
    /// assert_eq!(ssh.endpoint().kind(), dimg::EndpointKind::Ssh);
    /// let err = dimg::Client::builder().host("npipe:////./pipe/docker_engine").build().unwrap_err();
    /// assert!(err.to_string().contains("npipe://"));
    /// ```
    pub fn host(mut self, host: &str) -> ClientBuilder {
        // An empty address is a mistake here (the CLI's `-H ''`, the default host, is
        // ConnectOptions' business).
        if host.trim().is_empty()
            && let Err(e) = Endpoint::parse(host)
        {
            self.error = Some(e.to_string());
        }
        self.connect.host = Some(host.to_string());
        self.endpoint = None;
        self
    }

    /// The docker context to use, as `docker --context NAME` (`default` is the built-in one).
    /// Its `meta.json` is read from the context store when the client is built; a context
    /// that does not exist is an [`Error::InvalidArgument`] naming it.
    ///
    /// ```no_run
    /// let client = dimg::Client::builder().context("colima").build()?;
    /// println!("{} from context {}", client.host(), client.endpoint().context_name());
    /// # Ok::<(), dimg::Error>(())
    /// ```
    pub fn context(mut self, name: &str) -> ClientBuilder {
        self.connect.context = Some(name.to_string());
        self.endpoint = None;
        self
    }

    /// The docker CLI's configuration directory (`docker --config DIR`), which holds
    /// `config.json` and the context store; default `DOCKER_CONFIG`, else `~/.docker`.
    pub fn config_dir(mut self, dir: impl Into<PathBuf>) -> ClientBuilder {
        self.connect.config_dir = Some(dir.into());
        self
    }

    /// TLS for a `tcp://` host: the CA to trust, a client certificate, verification on or
    /// off. It replaces any TLS settings of the environment; combined with a context or a
    /// host that is not `tcp://`, [`ClientBuilder::build`] fails.
    ///
    /// ```
    /// let tls = dimg::TlsConfig::new().ca_cert("/certs/ca.pem").client_cert("/certs/cert.pem", "/certs/key.pem");
    /// let builder = dimg::Client::builder().host("tcp://10.0.0.5:2376").tls(tls);
    /// # let _ = builder;
    /// ```
    pub fn tls(mut self, tls: TlsConfig) -> ClientBuilder {
        self.tls = Some(tls);
        self
    }

    /// All of the docker CLI's connection flags at once (what the `dimg` CLI passes on).
    pub fn connect_options(mut self, options: ConnectOptions) -> ClientBuilder {
        self.connect = options;
        self.endpoint = None;
        self
    }

    /// The daemon's endpoint, used as it is: no environment or context is read.
    pub fn endpoint(mut self, endpoint: Endpoint) -> ClientBuilder {
        self.endpoint = Some(endpoint);
        self
    }

    /// The daemon's Unix socket path.
    pub fn socket_path(self, path: impl Into<PathBuf>) -> ClientBuilder {
        self.endpoint(Endpoint::unix(path))
    }

    /// How long to wait for the socket to accept a connection (for TLS, and again for the
    /// handshake; for ssh, for the first answer through it): [`Timeouts::connect`].
    pub fn connect_timeout(mut self, limit: Duration) -> ClientBuilder {
        self.timeouts.connect = Some(limit);
        self
    }

    /// How long to wait for an answer and, while a pull streams, for each next chunk: sets
    /// both [`Timeouts::total`] and [`Timeouts::idle`]. A slower daemon yields
    /// [`Error::Timeout`].
    pub fn timeout(mut self, limit: Duration) -> ClientBuilder {
        self.timeouts.total = Some(limit);
        self.timeouts.idle = Some(limit);
        self
    }

    /// Waits for answers and stream chunks as long as they take (connecting keeps its limit).
    pub fn no_timeout(mut self) -> ClientBuilder {
        self.timeouts.total = None;
        self.timeouts.idle = None;
        self
    }

    /// All three limits at once (see [`Timeouts`]).
    ///
    /// ```
    /// use std::time::Duration;
    /// let docker = dimg::Client::builder()
    ///     .timeouts(dimg::Timeouts { idle: Some(Duration::from_secs(600)), ..Default::default() })
    ///     .build()?;
    /// assert_eq!(docker.timeouts().idle, Some(Duration::from_secs(600)));
    /// # Ok::<(), dimg::Error>(())
    /// ```
    pub fn timeouts(mut self, timeouts: Timeouts) -> ClientBuilder {
        self.timeouts = timeouts;
        self
    }

    /// Retries for pull, search and inspect (none by default); see [`RetryPolicy`] and
    /// [`Client::with_retry`].
    pub fn retry(mut self, policy: RetryPolicy) -> ClientBuilder {
        self.retry = Some(policy);
        self
    }

    /// How long a credential helper (`docker-credential-*`, named by `credHelpers` or
    /// `credsStore` in `config.json`) may take to answer; default: the answer timeout
    /// ([`ClientBuilder::timeout`], none after [`ClientBuilder::no_timeout`]). A helper still
    /// running then is killed, with what it started, and the call fails with
    /// [`Error::Credentials`] naming it and the limit. A helper is also killed when its call is
    /// given up (the future dropped, a blocking call interrupted) and, on Linux, when dimg's
    /// process dies.
    ///
    /// ```
    /// use std::time::Duration;
    /// let client = dimg::Client::builder()
    ///     .timeout(Duration::from_secs(300))                   // slow pulls are fine,
    ///     .credential_helper_timeout(Duration::from_secs(10))  // a stuck keychain is not
    ///     .build()
    ///     .unwrap();
    /// # let _ = client;
    /// ```
    pub fn credential_helper_timeout(mut self, limit: Duration) -> ClientBuilder {
        self.credential_helper_timeout = Some(limit);
        self
    }

    /// Pins the API version instead of negotiating it (like `DOCKER_API_VERSION`).
    pub fn api_version(mut self, version: ApiVersion) -> ClientBuilder {
        self.api_version = Some(version);
        self
    }

    /// The async client. Nothing is sent yet; the context store and TLS files are read now.
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] for an unsupported address, a context that cannot be read,
    /// conflicting settings or a bad `DOCKER_API_VERSION`; [`Error::Tls`] for TLS files that
    /// cannot be read or used.
    pub fn build(self) -> Result<Client> {
        self.build_for(Driver::Tokio)
    }

    /// The endpoint these settings select.
    fn resolve(&self) -> Result<Endpoint> {
        let mut endpoint = match &self.endpoint {
            Some(endpoint) => endpoint.clone(),
            None if self.read_env => self.connect.resolve()?,
            None => {
                let mut connect = self.connect.clone();
                if connect.host.is_none() && connect.context.is_none() && connect.config_dir.is_none() {
                    // Nothing said where: the default socket, not the store's current context.
                    connect.context = Some(DEFAULT_CONTEXT.to_string());
                }
                // Without from_env only the variables that say where the user's files are count.
                connect.resolve_with(&|name: &str| match name {
                    "HOME" | "DOCKER_CONFIG" => std::env::var_os(name),
                    _ => None,
                })?
            }
        };
        if let Some(tls) = &self.tls {
            if endpoint.context_name() != DEFAULT_CONTEXT {
                return Err(Error::InvalidArgument(format!(
                    "TLS settings cannot be combined with a context (context {:?} has its own)",
                    endpoint.context_name()
                )));
            }
            if !matches!(endpoint.address(), Address::Tcp(_)) {
                return Err(Error::InvalidArgument(format!(
                    "TLS settings need a tcp:// host, not {endpoint}"
                )));
            }
            endpoint = endpoint.with_tls(tls.clone());
        }
        Ok(endpoint)
    }

    /// A client whose calls are driven by `driver`.
    pub(crate) fn build_for(self, driver: Driver) -> Result<Client> {
        if let Some(message) = &self.error {
            return Err(Error::InvalidArgument(message.clone()));
        }
        let endpoint = self.resolve()?;
        Ok(Client {
            inner: Arc::new(Inner {
                transport: Transport::new(endpoint, driver)?,
                pinned: self.api_version,
                credential_helper_timeout: self.credential_helper_timeout,
                daemon: OnceCell::new(),
            }),
            timeouts: self.timeouts,
            retry: self.retry,
        })
    }
}

impl Client {
    /// A client for the daemon the docker CLI would use without flags (`DOCKER_HOST`,
    /// `DOCKER_CONTEXT`, the current context, the TLS variables, `DOCKER_API_VERSION`; see
    /// [`ClientBuilder::from_env`]).
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] when those hold something unsupported or name a context that
    /// cannot be read; [`Error::Tls`] for TLS files that cannot be used.
    pub fn from_env() -> Result<Client> {
        ClientBuilder::from_env().build()
    }

    /// A client for the given socket path, with default timeouts.
    ///
    /// ```
    /// let c = dimg::Client::with_socket("/tmp/docker.sock");
    /// assert_eq!(c.socket_path(), Some(std::path::Path::new("/tmp/docker.sock")));
    /// ```
    pub fn with_socket(path: impl Into<PathBuf>) -> Client {
        ClientBuilder::new()
            .socket_path(path)
            .build()
            .expect("a builder without host or version errors always builds")
    }

    /// A builder, to set the address, timeouts or a pinned API version.
    pub fn builder() -> ClientBuilder {
        ClientBuilder::new()
    }

    /// Where this client connects.
    pub fn endpoint(&self) -> &Endpoint {
        self.inner.transport.endpoint()
    }

    /// The Unix socket this client talks to; `None` for a `tcp://` client (see [`Client::host`]).
    pub fn socket_path(&self) -> Option<&Path> {
        self.endpoint().socket_path()
    }

    /// The daemon's address in `DOCKER_HOST` form (`unix:///var/run/docker.sock`,
    /// `tcp://127.0.0.1:2375`).
    pub fn host(&self) -> String {
        self.endpoint().to_string()
    }

    /// The limit of a whole non-streaming call ([`Timeouts::total`]; `None`: as long as it
    /// takes).
    pub fn timeout(&self) -> Option<Duration> {
        self.timeouts.total
    }

    /// This client's limits.
    pub fn timeouts(&self) -> Timeouts {
        self.timeouts
    }

    /// A client on the same connections, negotiated version and settings, whose calls run
    /// under `timeouts` instead: for one call that must be quick (or may be slow) without a
    /// second connection pool.
    ///
    /// ```no_run
    /// # async fn demo(docker: dimg::Client) -> dimg::Result<()> {
    /// use std::time::Duration;
    /// let quick = dimg::Timeouts { total: Some(Duration::from_secs(3)), ..docker.timeouts() };
    /// let image = docker.with_timeouts(quick).images().inspect("tiny:1.0").await?;
    /// # Ok(()) }
    /// ```
    pub fn with_timeouts(&self, timeouts: Timeouts) -> Client {
        Client {
            timeouts,
            ..self.clone()
        }
    }

    /// This client's retries for pull, search and inspect, if any.
    pub fn retry(&self) -> Option<&RetryPolicy> {
        self.retry.as_ref()
    }

    /// A client on the same connections and settings whose pulls, searches and inspects are
    /// retried by `policy` (`None`: not retried). Other calls never are: a removal, a tag or a
    /// prune made twice does not mean the same as once.
    ///
    /// ```no_run
    /// # async fn demo(docker: dimg::Client) -> dimg::Result<()> {
    /// let patient = docker.with_retry(Some(dimg::RetryPolicy::new(4)));
    /// patient.images().pull("127.0.0.1:5000/tiny:1.0", &Default::default()).finish().await?;
    /// # Ok(()) }
    /// ```
    pub fn with_retry(&self, policy: Option<RetryPolicy>) -> Client {
        Client {
            retry: policy,
            ..self.clone()
        }
    }

    /// How long a credential helper may take: its own setting, else the total limit.
    pub(crate) fn credential_helper_timeout(&self) -> Option<Duration> {
        self.inner.credential_helper_timeout.or_else(|| self.timeout())
    }

    /// The transport, under this client's limits.
    pub(crate) fn transport(&self) -> Timed<'_> {
        Timed {
            transport: &self.inner.transport,
            timeouts: self.timeouts,
        }
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

    /// `GET /_ping` (unversioned); keeps the answer for negotiation and checks that dimg can
    /// speak to this daemon at all.
    pub(crate) async fn ping_and_negotiate(&self) -> Result<Ping> {
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

    /// `/vX.Y` + `path`, with X.Y the negotiated version.
    pub(crate) async fn versioned(&self, path: &str) -> Result<String> {
        Ok(format!("/v{}{}", self.api_version().await?, path))
    }
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
}
