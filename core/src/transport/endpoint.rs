//! Where the daemon is: an address (`unix://`, `tcp://`, `ssh://`), the TLS settings of a
//! `tcp://` address, and the docker context it came from. [`Endpoint::parse`] is the one rule
//! that turns a `DOCKER_HOST`-style string into an address, for Rust, Python, C and the CLI
//! alike; [`crate::ConnectOptions`] (in `resolve`) picks the endpoint as the docker CLI does.

use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

/// The Unix socket the docker CLI uses when nothing else is set.
pub const DEFAULT_SOCKET: &str = "/var/run/docker.sock";

/// The port of a `tcp://` address that names none (the docker CLI's default, with or without TLS).
const DEFAULT_TCP_PORT: u16 = 2375;

/// The daemon's endpoint: its address, the TLS settings for a `tcp://` address, and the name
/// of the docker context it was read from.
///
/// ```
/// use dimg::{Endpoint, EndpointKind};
/// let unix = Endpoint::parse("unix:///run/podman/podman.sock").unwrap();
/// assert_eq!(unix.socket_path(), Some(std::path::Path::new("/run/podman/podman.sock")));
/// assert_eq!(Endpoint::parse("/run/docker.sock").unwrap().to_string(), "unix:///run/docker.sock");
/// assert_eq!(Endpoint::parse("tcp://127.0.0.1").unwrap().to_string(), "tcp://127.0.0.1:2375");
/// let ssh = Endpoint::parse("ssh://me@build-host:2222").unwrap();
/// assert_eq!(ssh.kind(), EndpointKind::Ssh);
/// assert_eq!(ssh.context_name(), "default");
/// assert!(Endpoint::parse("ssh://-oProxyCommand=x@host").is_err());
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Endpoint {
    address: Address,
    tls: Option<TlsConfig>,
    context: Option<String>,
}

/// The address part of an [`Endpoint`].
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Address {
    /// A Unix socket path (`unix:///var/run/docker.sock`).
    Unix(PathBuf),
    /// A TCP `host:port` (`tcp://127.0.0.1:2376`), spoken over TLS when the endpoint has a
    /// [`TlsConfig`].
    Tcp(String),
    /// A host reached with the system's `ssh`, which runs `docker system dial-stdio` there.
    Ssh(SshAddress),
}

/// How an [`Endpoint`] is reached, for messages and tests.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum EndpointKind {
    /// A Unix socket.
    Unix,
    /// Plain HTTP over TCP.
    Tcp,
    /// HTTPS over TCP (rustls).
    Tls,
    /// The system `ssh` running `docker system dial-stdio` on the remote host.
    Ssh,
}

/// An `ssh://[user@]host[:port][/socket]` address, checked so that nothing in it can be read
/// by `ssh` as an option.
///
/// ```
/// let address = dimg::SshAddress::parse("ssh://deploy@10.0.0.5:2222").unwrap();
/// assert_eq!(address.user(), Some("deploy"));
/// assert_eq!(address.host(), "10.0.0.5");
/// assert_eq!(address.port(), Some(2222));
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct SshAddress {
    user: Option<String>,
    host: String,
    port: Option<u16>,
    /// The daemon socket on the remote host (`ssh://host/run/docker.sock`), passed to the
    /// remote docker CLI as `--host unix://PATH`.
    socket: Option<String>,
}

/// TLS settings for a `tcp://` endpoint: the CA to trust, the client certificate to present
/// and whether the daemon's certificate is verified. Files are read when the client is built.
///
/// ```
/// let tls = dimg::TlsConfig::new()
///     .ca_cert("/etc/docker/certs/ca.pem")
///     .client_cert("/etc/docker/certs/cert.pem", "/etc/docker/certs/key.pem");
/// assert!(tls.verifies());
/// let client = dimg::Client::builder().host("tcp://10.0.0.5:2376").tls(tls);
/// # let _ = client;
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct TlsConfig {
    ca_cert: Option<PathBuf>,
    client_cert: Option<PathBuf>,
    client_key: Option<PathBuf>,
    verify: bool,
}

impl Default for TlsConfig {
    fn default() -> TlsConfig {
        TlsConfig::new()
    }
}

impl TlsConfig {
    /// Verifies the daemon against the system's roots, presents no client certificate.
    pub fn new() -> TlsConfig {
        TlsConfig {
            ca_cert: None,
            client_cert: None,
            client_key: None,
            verify: true,
        }
    }

    /// Trusts only certificates signed by the CA(s) in this PEM file (`--tlscacert`).
    pub fn ca_cert(mut self, path: impl Into<PathBuf>) -> TlsConfig {
        self.ca_cert = Some(path.into());
        self
    }

    /// Presents this client certificate and key, both PEM (`--tlscert`, `--tlskey`).
    pub fn client_cert(mut self, cert: impl Into<PathBuf>, key: impl Into<PathBuf>) -> TlsConfig {
        self.client_cert = Some(cert.into());
        self.client_key = Some(key.into());
        self
    }

    /// Whether the daemon's certificate is verified (`--tlsverify`; `false` is `--tls` alone,
    /// docker's `SkipTLSVerify`). The client certificate is sent either way.
    pub fn verify(mut self, verify: bool) -> TlsConfig {
        self.verify = verify;
        self
    }

    /// The CA file, when one is set.
    pub fn ca_cert_path(&self) -> Option<&Path> {
        self.ca_cert.as_deref()
    }

    /// The client certificate file, when one is set.
    pub fn client_cert_path(&self) -> Option<&Path> {
        self.client_cert.as_deref()
    }

    /// The client key file, when one is set.
    pub fn client_key_path(&self) -> Option<&Path> {
        self.client_key.as_deref()
    }

    /// Whether the daemon's certificate is verified.
    pub fn verifies(&self) -> bool {
        self.verify
    }

    /// Sets the client key alone (the docker CLI takes `--tlscert` and `--tlskey` separately).
    pub(crate) fn set_client_key(&mut self, key: Option<PathBuf>) {
        self.client_key = key;
    }

    /// Sets the client certificate alone.
    pub(crate) fn set_client_cert(&mut self, cert: Option<PathBuf>) {
        self.client_cert = cert;
    }

    /// Sets or clears the CA file.
    pub(crate) fn set_ca_cert(&mut self, ca: Option<PathBuf>) {
        self.ca_cert = ca;
    }
}

impl Default for Endpoint {
    /// [`DEFAULT_SOCKET`].
    fn default() -> Endpoint {
        Endpoint::unix(DEFAULT_SOCKET)
    }
}

impl Endpoint {
    /// A Unix socket endpoint.
    pub fn unix(path: impl Into<PathBuf>) -> Endpoint {
        Endpoint::from_address(Address::Unix(path.into()))
    }

    pub(crate) fn from_address(address: Address) -> Endpoint {
        Endpoint {
            address,
            tls: None,
            context: None,
        }
    }

    /// Reads a daemon address the way the docker CLI reads `DOCKER_HOST` / `-H`:
    ///
    /// - `unix:///path` (`unix://` alone: [`DEFAULT_SOCKET`]);
    /// - `tcp://host:port` (no host: `localhost`; no port: 2375; a trailing `/` is allowed),
    ///   and `host:port` without a scheme, which the docker CLI also reads as TCP;
    /// - `ssh://[user@]host[:port][/socket]` (see [`SshAddress::parse`]);
    /// - an absolute or `./`-relative path, taken as a Unix socket (where the docker CLI
    ///   would build a TCP address that cannot work).
    ///
    /// The endpoint has no TLS; add it with [`Endpoint::with_tls`].
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] for an empty string, a bad port or host, and for schemes
    /// dimg does not speak (`npipe://`, `fd://`), naming the input.
    pub fn parse(host: &str) -> Result<Endpoint> {
        let invalid =
            |why: &str| Error::InvalidArgument(format!("invalid daemon address {:?}: {why}", Error::excerpt(host)));
        let trimmed = host.trim();
        if trimmed.is_empty() {
            return Err(invalid("it is empty"));
        }
        if trimmed.starts_with('/') || trimmed.starts_with("./") || trimmed.starts_with("../") {
            return Ok(Endpoint::unix(trimmed));
        }
        let address = match trimmed.split_once("://") {
            Some(("unix", "")) => Address::Unix(PathBuf::from(DEFAULT_SOCKET)),
            Some(("unix", path)) => Address::Unix(PathBuf::from(path)),
            Some(("tcp" | "http", address)) => {
                Address::Tcp(tcp_address(address).ok_or_else(|| invalid("expected tcp://host:port"))?)
            }
            Some(("ssh", _)) => Address::Ssh(SshAddress::parse(trimmed)?),
            Some((scheme, _)) => {
                return Err(Error::InvalidArgument(format!(
                    "unsupported daemon address {host:?}: the {scheme}:// scheme is not supported by dimg; \
                     use unix:///path/to/docker.sock, tcp://host:port or ssh://[user@]host[:port]"
                )));
            }
            None => Address::Tcp(tcp_address(trimmed).ok_or_else(|| {
                invalid("expected unix:///path/to/docker.sock, tcp://host:port, ssh://host or a socket path")
            })?),
        };
        Ok(Endpoint::from_address(address))
    }

    /// This endpoint spoken over TLS with `tls`. Only a `tcp://` address uses it: the docker
    /// CLI ignores TLS settings for Unix sockets and ssh, and so does dimg.
    pub fn with_tls(mut self, tls: TlsConfig) -> Endpoint {
        if matches!(self.address, Address::Tcp(_)) {
            self.tls = Some(tls);
        }
        self
    }

    pub(crate) fn with_context(mut self, name: &str) -> Endpoint {
        self.context = Some(name.to_string());
        self
    }

    /// The address.
    pub fn address(&self) -> &Address {
        &self.address
    }

    /// How the daemon is reached.
    pub fn kind(&self) -> EndpointKind {
        match (&self.address, &self.tls) {
            (Address::Unix(_), _) => EndpointKind::Unix,
            (Address::Tcp(_), None) => EndpointKind::Tcp,
            (Address::Tcp(_), Some(_)) => EndpointKind::Tls,
            (Address::Ssh(_), _) => EndpointKind::Ssh,
        }
    }

    /// The TLS settings, for a TLS endpoint.
    pub fn tls(&self) -> Option<&TlsConfig> {
        self.tls.as_ref()
    }

    /// The docker context this endpoint was read from: a named context, or `default` (docker's
    /// name for `-H`, `DOCKER_HOST`, the TLS variables and the default socket).
    pub fn context_name(&self) -> &str {
        self.context.as_deref().unwrap_or("default")
    }

    /// The Unix socket path, for a Unix socket endpoint.
    pub fn socket_path(&self) -> Option<&Path> {
        match &self.address {
            Address::Unix(path) => Some(path),
            _ => None,
        }
    }
}

impl std::fmt::Display for Endpoint {
    /// The address in `DOCKER_HOST` form.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.address.fmt(f)
    }
}

impl std::fmt::Display for Address {
    /// The `DOCKER_HOST` form.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Address::Unix(path) => write!(f, "unix://{}", path.display()),
            Address::Tcp(address) => write!(f, "tcp://{address}"),
            Address::Ssh(ssh) => ssh.fmt(f),
        }
    }
}

impl SshAddress {
    /// Reads `ssh://[user@]host[:port][/socket]` with the docker CLI's rules (no password, no
    /// query, no fragment, a host), and refuses, before anything runs, a user or host that
    /// `ssh` could take for an option (a leading `-`) or that holds whitespace or control
    /// characters.
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] naming what is wrong.
    pub fn parse(url: &str) -> Result<SshAddress> {
        let invalid = |why: String| Error::InvalidArgument(format!("ssh host connection is not valid: {why}"));
        let rest = url
            .trim()
            .strip_prefix("ssh://")
            .ok_or_else(|| invalid(format!("{url:?} is not an ssh:// address")))?;
        if let Some((_, query)) = rest.split_once('?') {
            let query = query.split('#').next().unwrap_or(query);
            return Err(invalid(format!(
                "invalid SSH URL: query parameters are not allowed: {query:?}"
            )));
        }
        if rest.contains('#') {
            return Err(invalid("invalid SSH URL: fragments are not allowed".to_string()));
        }
        let (authority, socket) = match rest.find('/') {
            Some(i) => (&rest[..i], Some(&rest[i..])),
            None => (rest, None),
        };
        let (user, host_port) = match authority.rsplit_once('@') {
            Some((user, host_port)) => (Some(user), host_port),
            None => (None, authority),
        };
        if let Some(user) = user
            && user.contains(':')
        {
            return Err(invalid(
                "invalid SSH URL: plain-text password is not supported".to_string(),
            ));
        }
        let (host, port) =
            split_host_port(host_port).ok_or_else(|| invalid(format!("invalid SSH URL: bad port in {host_port:?}")))?;
        if host.is_empty() {
            return Err(invalid("invalid SSH URL: hostname is empty".to_string()));
        }
        let unsafe_text = |s: &str| s.starts_with('-') || s.chars().any(|c| c.is_whitespace() || c.is_control());
        if unsafe_text(host) {
            return Err(invalid(format!(
                "the host {host:?} begins with '-' or holds whitespace; ssh would read it as an option"
            )));
        }
        if let Some(user) = user
            && (user.is_empty() || unsafe_text(user))
        {
            return Err(invalid(format!(
                "the user {user:?} is empty, begins with '-' or holds whitespace; ssh would read it as an option"
            )));
        }
        let socket = socket.filter(|s| *s != "/");
        if let Some(socket) = socket
            && socket.chars().any(|c| c.is_whitespace() || c.is_control())
        {
            return Err(invalid(format!("the remote socket path {socket:?} holds whitespace")));
        }
        Ok(SshAddress {
            user: user.map(str::to_string),
            host: host.trim_start_matches('[').trim_end_matches(']').to_string(),
            port,
            socket: socket.map(str::to_string),
        })
    }

    /// The login user (`ssh -l`), when the address names one.
    pub fn user(&self) -> Option<&str> {
        self.user.as_deref()
    }

    /// The host, as given to `ssh` (`[` `]` of an IPv6 address removed).
    pub fn host(&self) -> &str {
        &self.host
    }

    /// The port (`ssh -p`), when the address names one.
    pub fn port(&self) -> Option<u16> {
        self.port
    }

    /// The daemon socket on the remote host, when the address names one.
    pub fn remote_socket(&self) -> Option<&str> {
        self.socket.as_deref()
    }

    /// The `ssh` arguments the docker CLI uses: `-o ConnectTimeout=30 -T [-l USER] [-p PORT]
    /// -- HOST docker [--host unix://SOCKET] system dial-stdio`.
    pub fn ssh_args(&self) -> Vec<String> {
        let mut args = vec!["-o".to_string(), "ConnectTimeout=30".to_string(), "-T".to_string()];
        if let Some(user) = &self.user {
            args.extend(["-l".to_string(), user.clone()]);
        }
        if let Some(port) = self.port {
            args.extend(["-p".to_string(), port.to_string()]);
        }
        args.extend(["--".to_string(), self.host.clone(), "docker".to_string()]);
        if let Some(socket) = &self.socket {
            args.extend(["--host".to_string(), format!("unix://{socket}")]);
        }
        args.extend(["system".to_string(), "dial-stdio".to_string()]);
        args
    }
}

impl std::fmt::Display for SshAddress {
    /// `ssh://[user@]host[:port][/socket]`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ssh://")?;
        if let Some(user) = &self.user {
            write!(f, "{user}@")?;
        }
        if self.host.contains(':') {
            write!(f, "[{}]", self.host)?;
        } else {
            f.write_str(&self.host)?;
        }
        if let Some(port) = self.port {
            write!(f, ":{port}")?;
        }
        if let Some(socket) = &self.socket {
            f.write_str(socket)?;
        }
        Ok(())
    }
}

/// `host[:port]`, with `[v6]` brackets kept on the host; `None` for a bad port.
fn split_host_port(text: &str) -> Option<(&str, Option<u16>)> {
    match text.rsplit_once(':') {
        Some((host, port)) if !port.contains(']') && (!host.contains(':') || host.ends_with(']')) => {
            if port.is_empty() {
                return Some((host, None));
            }
            let port = port.parse::<u16>().ok().filter(|&p| p != 0)?;
            Some((host, Some(port)))
        }
        _ => Some((text, None)),
    }
}

/// `host:port` from the part after `tcp://` (a trailing `/` allowed), with the docker CLI's
/// defaults for a missing host or port.
fn tcp_address(text: &str) -> Option<String> {
    let address = text.strip_suffix('/').unwrap_or(text);
    let (host, port) = match address.rsplit_once(':') {
        // `[::1]` alone: the colons are the address's own.
        Some((host, port)) if !port.contains(']') => (host, Some(port)),
        _ => (address, None),
    };
    let host = if host.is_empty() { "localhost" } else { host };
    let bracketed = host.starts_with('[') == host.ends_with(']');
    let valid_host = bracketed
        && host
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_' | b'[' | b']' | b':'));
    let port = match port {
        None => DEFAULT_TCP_PORT,
        Some(port) => port.parse::<u16>().ok().filter(|&p| p != 0)?,
    };
    valid_host.then(|| format!("{host}:{port}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn docker_host_forms() {
        let cases = [
            ("unix:///run/x.sock", "unix:///run/x.sock"),
            ("unix://", "unix:///var/run/docker.sock"),
            ("/run/x.sock", "unix:///run/x.sock"),
            ("./x.sock", "unix://./x.sock"),
            ("tcp://127.0.0.1:2375/", "tcp://127.0.0.1:2375"),
            ("tcp://127.0.0.1", "tcp://127.0.0.1:2375"),
            ("tcp://", "tcp://localhost:2375"),
            ("tcp://:4000", "tcp://localhost:4000"),
            ("tcp://[::1]:5", "tcp://[::1]:5"),
            ("tcp://[::1]", "tcp://[::1]:2375"),
            ("127.0.0.1:2375", "tcp://127.0.0.1:2375"),
            (" unix:///run/x.sock ", "unix:///run/x.sock"),
            ("ssh://me@host", "ssh://me@host"),
            ("ssh://host:2222", "ssh://host:2222"),
            ("ssh://me@[::1]:22/run/docker.sock", "ssh://me@[::1]:22/run/docker.sock"),
            ("ssh://host/", "ssh://host"),
        ];
        for (input, expected) in cases {
            assert_eq!(Endpoint::parse(input).unwrap().to_string(), expected, "{input:?}");
        }
        for bad in [
            "",
            "  ",
            "npipe:////./pipe/x",
            "fd://",
            "tcp://h:99999",
            "tcp://h:0",
            "tcp://a b:1",
            "tcp://h:1/path",
            "tcp://[::1:5",
        ] {
            let err = Endpoint::parse(bad).unwrap_err();
            assert!(
                matches!(&err, Error::InvalidArgument(m) if m.contains(&format!("{bad:?}"))),
                "{bad:?}: {err}"
            );
        }
    }

    #[test]
    fn ssh_addresses_that_ssh_could_misread_are_refused() {
        for (bad, why) in [
            ("ssh://-oProxyCommand=touch%20x@host", "begins with '-'"),
            ("ssh://me@-oProxyCommand=x", "begins with '-'"),
            ("ssh://me@host\tx", "whitespace"),
            ("ssh://u:pw@host", "plain-text password is not supported"),
            ("ssh://", "hostname is empty"),
            ("ssh://me@", "hostname is empty"),
            ("ssh://host?x=1", "query parameters are not allowed: \"x=1\""),
            ("ssh://host#f", "fragments are not allowed"),
            ("ssh://host:0", "bad port"),
            ("ssh://@host", "the user \"\" is empty"),
        ] {
            let err = Endpoint::parse(bad).unwrap_err();
            assert!(
                matches!(&err, Error::InvalidArgument(m) if m.starts_with("ssh host connection is not valid: ") && m.contains(why)),
                "{bad:?}: {err}"
            );
        }
    }

    #[test]
    fn ssh_arguments_are_the_docker_clis() {
        let address = SshAddress::parse("ssh://deploy@h.example:2222").unwrap();
        assert_eq!(
            address.ssh_args().join(" "),
            "-o ConnectTimeout=30 -T -l deploy -p 2222 -- h.example docker system dial-stdio"
        );
        let address = SshAddress::parse("ssh://h/var/run/d.sock").unwrap();
        assert_eq!(
            address.ssh_args().join(" "),
            "-o ConnectTimeout=30 -T -- h docker --host unix:///var/run/d.sock system dial-stdio"
        );
    }

    #[test]
    fn tls_only_applies_to_tcp() {
        let tcp = Endpoint::parse("tcp://127.0.0.1:2376")
            .unwrap()
            .with_tls(TlsConfig::new());
        assert_eq!(tcp.kind(), EndpointKind::Tls);
        let unix = Endpoint::parse("unix:///x.sock").unwrap().with_tls(TlsConfig::new());
        assert_eq!(unix.kind(), EndpointKind::Unix);
        assert!(unix.tls().is_none());
    }
}
