//! Where the daemon is, and the one rule that turns a `DOCKER_HOST`-style string into it, for
//! Rust, Python, C and the CLI alike. Endpoint resolution from the environment (contexts, TLS
//! settings) belongs here too.

use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

/// The Unix socket the docker CLI uses when nothing else is set.
pub const DEFAULT_SOCKET: &str = "/var/run/docker.sock";

/// The port of a `tcp://` address that names none (the docker CLI's default for plain TCP).
const DEFAULT_TCP_PORT: u16 = 2375;

/// Where the daemon listens.
///
/// ```
/// use dimg::Endpoint;
/// let unix = Endpoint::parse("unix:///run/podman/podman.sock").unwrap();
/// assert_eq!(unix.socket_path(), Some(std::path::Path::new("/run/podman/podman.sock")));
/// assert_eq!(Endpoint::parse("/run/docker.sock").unwrap().to_string(), "unix:///run/docker.sock");
/// assert_eq!(Endpoint::parse("tcp://127.0.0.1").unwrap().to_string(), "tcp://127.0.0.1:2375");
/// assert!(Endpoint::parse("ssh://me@host").is_err());
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Endpoint {
    /// A Unix socket path (`unix:///var/run/docker.sock`).
    Unix(PathBuf),
    /// A plain TCP `host:port` (`tcp://127.0.0.1:2375`; no TLS).
    Tcp(String),
}

impl Default for Endpoint {
    /// [`DEFAULT_SOCKET`].
    fn default() -> Endpoint {
        Endpoint::Unix(PathBuf::from(DEFAULT_SOCKET))
    }
}

impl Endpoint {
    /// Reads a daemon address the way the docker CLI reads `DOCKER_HOST` / `-H`:
    ///
    /// - `unix:///path` (`unix://` alone: [`DEFAULT_SOCKET`]);
    /// - `tcp://host:port` (no host: `localhost`; no port: 2375; a trailing `/` is allowed),
    ///   and `host:port` without a scheme, which the docker CLI also reads as TCP;
    /// - an absolute or `./`-relative path, taken as a Unix socket (where the docker CLI
    ///   would build a TCP address that cannot work).
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] for an empty string, a bad port or host, and for schemes
    /// dimg does not speak (`ssh://`, `npipe://`, `fd://`), naming the input.
    pub fn parse(host: &str) -> Result<Endpoint> {
        let invalid = |why: &str| Error::InvalidArgument(format!("invalid daemon address {host:?}: {why}"));
        let trimmed = host.trim();
        if trimmed.is_empty() {
            return Err(invalid("it is empty"));
        }
        if trimmed.starts_with('/') || trimmed.starts_with("./") || trimmed.starts_with("../") {
            return Ok(Endpoint::Unix(PathBuf::from(trimmed)));
        }
        match trimmed.split_once("://") {
            Some(("unix", "")) => Ok(Endpoint::default()),
            Some(("unix", path)) => Ok(Endpoint::Unix(PathBuf::from(path))),
            Some(("tcp" | "http", address)) => tcp_address(address)
                .map(Endpoint::Tcp)
                .ok_or_else(|| invalid("expected tcp://host:port")),
            Some((scheme, _)) => Err(Error::InvalidArgument(format!(
                "unsupported daemon address {host:?}: the {scheme}:// scheme is not supported by dimg; \
                 use unix:///path/to/docker.sock or tcp://host:port"
            ))),
            None => tcp_address(trimmed)
                .map(Endpoint::Tcp)
                .ok_or_else(|| invalid("expected unix:///path/to/docker.sock, tcp://host:port or a socket path")),
        }
    }

    /// The Unix socket path, for a Unix socket endpoint.
    pub fn socket_path(&self) -> Option<&Path> {
        match self {
            Endpoint::Unix(path) => Some(path),
            Endpoint::Tcp(_) => None,
        }
    }
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
        ];
        for (input, expected) in cases {
            assert_eq!(Endpoint::parse(input).unwrap().to_string(), expected, "{input:?}");
        }
        for bad in [
            "",
            "  ",
            "ssh://me@host",
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
}
