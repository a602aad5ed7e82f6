//! Where a client connects: `dimg.TLSConfig` (the TLS settings a caller gives) and
//! `dimg.Endpoint` (what the core resolved), both plain frozen views of the core's types.

use std::ffi::OsString;
use std::path::{Path, PathBuf};

use pyo3::prelude::*;

/// TLS settings for a `tcp://` daemon, as docker-py's `docker.tls.TLSConfig`: the CA to
/// trust, the client certificate and key to present, and whether the daemon's certificate is
/// verified (`verify=False` is the docker CLI's `--tls` without `--tlsverify`; the client
/// certificate is still sent). Files are read when a client is made with it.
///
/// Args:
///     ca_cert: a PEM file of the CA(s) to trust; None trusts the system's CA bundle.
///     client_cert: a `(cert, key)` pair of PEM files, or None to present no certificate.
///     verify: whether the daemon's certificate must be valid for its address.
///
/// Example:
///     >>> tls = dimg.TLSConfig(ca_cert="/certs/ca.pem", client_cert=("/certs/cert.pem", "/certs/key.pem"))
///     >>> client = dimg.Client("tcp://10.0.0.5:2376", tls=tls)
#[pyclass(frozen, eq, hash, module = "dimg", name = "TLSConfig")]
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct PyTlsConfig {
    pub inner: dimg::TlsConfig,
}

#[pymethods]
impl PyTlsConfig {
    #[new]
    #[pyo3(signature = (ca_cert=None, client_cert=None, verify=true))]
    fn new(ca_cert: Option<PathBuf>, client_cert: Option<(PathBuf, PathBuf)>, verify: bool) -> PyTlsConfig {
        let mut inner = dimg::TlsConfig::new().verify(verify);
        if let Some(ca) = ca_cert {
            inner = inner.ca_cert(ca);
        }
        if let Some((cert, key)) = client_cert {
            inner = inner.client_cert(cert, key);
        }
        PyTlsConfig { inner }
    }

    /// The CA file, or None for the system's bundle.
    #[getter]
    fn ca_cert(&self) -> Option<OsString> {
        self.inner.ca_cert_path().map(os_string)
    }

    /// The `(cert, key)` files presented to the daemon, or None.
    #[getter]
    fn client_cert(&self) -> Option<(OsString, OsString)> {
        match (self.inner.client_cert_path(), self.inner.client_key_path()) {
            (Some(cert), Some(key)) => Some((os_string(cert), os_string(key))),
            _ => None,
        }
    }

    /// Whether the daemon's certificate is verified.
    #[getter]
    fn verify(&self) -> bool {
        self.inner.verifies()
    }

    fn __repr__(&self) -> String {
        let quoted = |p: &Path| format!("{:?}", p.display().to_string());
        let ca = self.inner.ca_cert_path().map(quoted);
        let cert = match (self.inner.client_cert_path(), self.inner.client_key_path()) {
            (Some(cert), Some(key)) => format!("({}, {})", quoted(cert), quoted(key)),
            _ => "None".to_string(),
        };
        let verify = if self.inner.verifies() { "True" } else { "False" };
        format!(
            "TLSConfig(ca_cert={}, client_cert={cert}, verify={verify})",
            ca.as_deref().unwrap_or("None")
        )
    }
}

/// A path as Python's `str` (non-UTF-8 bytes as surrogate escapes, like `os.fsdecode`).
fn os_string(path: &Path) -> OsString {
    path.as_os_str().to_os_string()
}

/// The daemon endpoint a client resolved (`client.endpoint`): how it is reached, its address,
/// and the docker context it came from.
///
/// Example:
///     >>> client = dimg.Client(context="remote")
///     >>> client.endpoint
///     <Endpoint ssh ssh://deploy@build-host context=remote>
///     >>> client.endpoint.kind, client.endpoint.address, client.endpoint.context
///     ('ssh', 'ssh://deploy@build-host', 'remote')
#[pyclass(frozen, eq, hash, module = "dimg", name = "Endpoint")]
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct PyEndpoint {
    inner: dimg::Endpoint,
}

#[pymethods]
impl PyEndpoint {
    /// "unix", "tcp" (plain HTTP), "tls" (HTTPS over tcp) or "ssh".
    #[getter]
    fn kind(&self) -> &'static str {
        match self.inner.kind() {
            dimg::EndpointKind::Unix => "unix",
            dimg::EndpointKind::Tcp => "tcp",
            dimg::EndpointKind::Tls => "tls",
            dimg::EndpointKind::Ssh => "ssh",
            // A kind newer than this binding; none exists yet.
            _ => "unknown",
        }
    }

    /// The address in DOCKER_HOST form ("unix:///var/run/docker.sock", "tcp://host:2376",
    /// "ssh://user@host:22"), as `client.host`.
    #[getter]
    fn address(&self) -> String {
        self.inner.to_string()
    }

    /// The docker context it was read from: "default" (an address, DOCKER_HOST, the TLS
    /// variables or the default socket) or a context's name.
    #[getter]
    fn context(&self) -> &str {
        self.inner.context_name()
    }

    /// The Unix socket path; None for tcp:// and ssh://.
    #[getter]
    fn socket_path(&self) -> Option<OsString> {
        self.inner.socket_path().map(os_string)
    }

    /// The TLS settings of a "tls" endpoint; None otherwise.
    #[getter]
    fn tls(&self) -> Option<PyTlsConfig> {
        self.inner.tls().map(|tls| PyTlsConfig { inner: tls.clone() })
    }

    fn __repr__(&self) -> String {
        format!(
            "<Endpoint {} {} context={}>",
            self.kind(),
            self.inner,
            self.inner.context_name()
        )
    }
}

impl From<dimg::Endpoint> for PyEndpoint {
    fn from(inner: dimg::Endpoint) -> PyEndpoint {
        PyEndpoint { inner }
    }
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<PyTlsConfig>()?;
    m.add_class::<PyEndpoint>()?;
    Ok(())
}
