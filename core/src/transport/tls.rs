//! TLS to a `tcp://` daemon with rustls (ring provider): the client configuration built once
//! per client from a [`TlsConfig`], and [`TlsConn`], which speaks TLS over any connection
//! hyper can drive, so under either driver. Failures are [`TlsFailure`]s that name what went wrong (unknown CA, name
//! mismatch, missing client certificate, a plain-text peer); nothing ever falls back to HTTP.

use std::io::{self, Read, Write};
use std::path::Path;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, ready};

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName, UnixTime};
use rustls::{
    AlertDescription, CertificateError, ClientConfig, ClientConnection, DigitallySignedStruct, SignatureScheme,
};

use crate::error::{Error, Result};
use crate::transport::endpoint::TlsConfig;
use crate::transport::resolve::go_io_error;

/// Where a system's CA bundle usually is, when `SSL_CERT_FILE` does not say (Debian/Ubuntu,
/// Fedora/RHEL, Alpine/macOS).
const SYSTEM_BUNDLES: &[&str] = &[
    "/etc/ssl/certs/ca-certificates.crt",
    "/etc/pki/tls/certs/ca-bundle.crt",
    "/etc/ssl/cert.pem",
];

/// What a TLS connection to one daemon needs, read once when the client is built.
#[derive(Clone)]
pub(crate) struct TlsConnector {
    config: Arc<ClientConfig>,
    server_name: ServerName<'static>,
    address: String,
    sends_client_cert: bool,
}

impl std::fmt::Debug for TlsConnector {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TlsConnector")
            .field("address", &self.address)
            .field("sends_client_cert", &self.sends_client_cert)
            .finish_non_exhaustive()
    }
}

impl TlsConnector {
    /// Reads the files `tls` names and prepares connections to `address` (`host:port`).
    pub(crate) fn new(address: &str, tls: &TlsConfig) -> Result<TlsConnector> {
        let failed = |reason: String| Error::Tls {
            address: format!("tcp://{address}"),
            reason,
        };
        let host = address
            .rsplit_once(':')
            .map_or(address, |(host, _)| host)
            .trim_start_matches('[')
            .trim_end_matches(']');
        let server_name = ServerName::try_from(host.to_string())
            .map_err(|e| failed(format!("{host:?} cannot be checked against a certificate: {e}")))?;
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let builder = ClientConfig::builder_with_provider(provider.clone())
            .with_safe_default_protocol_versions()
            .map_err(|e| failed(e.to_string()))?;
        let builder = if tls.verifies() {
            let roots = root_store(tls.ca_cert_path()).map_err(failed)?;
            builder.with_root_certificates(roots)
        } else {
            builder
                .dangerous()
                .with_custom_certificate_verifier(Arc::new(NoServerVerification(provider)))
        };
        let config = match (tls.client_cert_path(), tls.client_key_path()) {
            (Some(cert), Some(key)) => {
                let certs = read_certificates(cert).map_err(failed)?;
                let key = PrivateKeyDer::from_pem_file(key).map_err(|e| {
                    failed(format!(
                        "could not read client key {}: {}",
                        key.display(),
                        pem_error(&e)
                    ))
                })?;
                builder
                    .with_client_auth_cert(certs, key)
                    .map_err(|e| failed(format!("the client certificate and key do not fit: {e}")))?
            }
            (Some(_), None) | (None, Some(_)) => {
                return Err(failed(
                    "a client certificate needs both a certificate and a key (--tlscert and --tlskey)".to_string(),
                ));
            }
            (None, None) => builder.with_no_client_auth(),
        };
        Ok(TlsConnector {
            config: Arc::new(config),
            server_name,
            address: format!("tcp://{address}"),
            sends_client_cert: tls.client_cert_path().is_some(),
        })
    }

    /// Runs the handshake over `inner`, so that a refused certificate is a connect error.
    pub(crate) async fn handshake<IO: Io>(&self, inner: IO) -> io::Result<TlsConn<IO>> {
        let session =
            ClientConnection::new(self.config.clone(), self.server_name.clone()).map_err(|e| self.failure(&e))?;
        let mut conn = TlsConn {
            inner,
            session,
            connector: self.clone(),
        };
        std::future::poll_fn(|cx| conn.poll_handshake(cx)).await?;
        Ok(conn)
    }

    /// An I/O error of the session: one that carries a rustls error (the session failed
    /// earlier, e.g. on an alert that TLS 1.3 delivers after the handshake, such as a refused
    /// or missing client certificate) says what happened, as [`TlsConnector::failure`] does.
    fn session_error(&self, error: io::Error) -> io::Error {
        match error.get_ref().and_then(|inner| inner.downcast_ref::<rustls::Error>()) {
            Some(tls) => self.failure(tls),
            None => error,
        }
    }

    /// A rustls error as an I/O error carrying a [`TlsFailure`] that says what happened.
    fn failure(&self, error: &rustls::Error) -> io::Error {
        let reason = match error {
            rustls::Error::InvalidCertificate(CertificateError::UnknownIssuer) => {
                "the daemon's certificate is signed by an unknown authority (not the CA given with \
                 --tlscacert / ca.pem)"
                    .to_string()
            }
            rustls::Error::InvalidCertificate(
                CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. },
            ) => format!(
                "the daemon's certificate is not valid for the name {:?} (name mismatch)",
                self.server_name.to_str()
            ),
            rustls::Error::InvalidCertificate(CertificateError::Expired | CertificateError::ExpiredContext { .. }) => {
                "the daemon's certificate has expired".to_string()
            }
            rustls::Error::InvalidCertificate(other) => format!("the daemon's certificate was refused: {other:?}"),
            // Go's TLS server (dockerd --tlsverify) answers a missing certificate with
            // bad_certificate, others with certificate_required or handshake_failure.
            rustls::Error::AlertReceived(
                AlertDescription::CertificateRequired
                | AlertDescription::HandshakeFailure
                | AlertDescription::BadCertificate,
            ) if !self.sends_client_cert => {
                "the daemon requires a client certificate and none was given (--tlscert/--tlskey, \
                 cert.pem/key.pem)"
                    .to_string()
            }
            rustls::Error::AlertReceived(
                AlertDescription::BadCertificate
                | AlertDescription::UnknownCA
                | AlertDescription::CertificateUnknown
                | AlertDescription::HandshakeFailure,
            ) => format!("the daemon refused the client certificate ({error})"),
            rustls::Error::InvalidMessage(_)
            | rustls::Error::InappropriateMessage { .. }
            | rustls::Error::InappropriateHandshakeMessage { .. } => {
                "the daemon does not speak TLS on this port (it answered in plain text); connect \
                 without TLS or to the daemon's TLS port"
                    .to_string()
            }
            other => other.to_string(),
        };
        io::Error::new(
            io::ErrorKind::InvalidData,
            TlsFailure {
                address: self.address.clone(),
                reason,
            },
        )
    }
}

/// Why TLS with the daemon failed, carried inside I/O and hyper errors up to
/// [`Error::Tls`].
#[derive(Debug)]
pub(crate) struct TlsFailure {
    pub(crate) address: String,
    pub(crate) reason: String,
}

impl std::fmt::Display for TlsFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.reason)
    }
}

impl std::error::Error for TlsFailure {}

/// The roots to verify the daemon with: the CA file, else the system's bundle.
fn root_store(ca: Option<&Path>) -> Result<rustls::RootCertStore, String> {
    let path = match ca {
        Some(path) => path.to_path_buf(),
        None => std::env::var_os("SSL_CERT_FILE")
            .map(std::path::PathBuf::from)
            .or_else(|| {
                SYSTEM_BUNDLES
                    .iter()
                    .map(std::path::PathBuf::from)
                    .find(|p| p.is_file())
            })
            .ok_or_else(|| "no CA certificate was given and no system CA bundle was found".to_string())?,
    };
    let mut roots = rustls::RootCertStore::empty();
    let (added, _ignored) = roots.add_parsable_certificates(read_certificates(&path)?);
    if added == 0 {
        return Err(format!(
            "could not read CA certificate {}: no usable certificate in it",
            path.display()
        ));
    }
    Ok(roots)
}

/// Every certificate of a PEM file.
fn read_certificates(path: &Path) -> Result<Vec<CertificateDer<'static>>, String> {
    let what =
        |e: &rustls::pki_types::pem::Error| format!("could not read certificate {}: {}", path.display(), pem_error(e));
    let certs = CertificateDer::pem_file_iter(path)
        .map_err(|e| what(&e))?
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| what(&e))?;
    if certs.is_empty() {
        return Err(format!(
            "could not read certificate {}: no certificate in it",
            path.display()
        ));
    }
    Ok(certs)
}

/// A PEM error, with Go's wording for the I/O ones (`open ...: no such file or directory`).
fn pem_error(error: &rustls::pki_types::pem::Error) -> String {
    match error {
        rustls::pki_types::pem::Error::Io(io) => go_io_error(io),
        rustls::pki_types::pem::Error::NoItemsFound => "no PEM item in it".to_string(),
        other => other.to_string(),
    }
}

/// `--tls` without `--tlsverify` (`SkipTLSVerify`): any server certificate is accepted, but
/// the handshake signatures are still checked, so the session is with whoever holds its key.
#[derive(Debug)]
struct NoServerVerification(Arc<rustls::crypto::CryptoProvider>);

impl ServerCertVerifier for NoServerVerification {
    fn verify_server_cert(
        &self,
        _: &CertificateDer<'_>,
        _: &[CertificateDer<'_>],
        _: &ServerName<'_>,
        _: &[u8],
        _: UnixTime,
    ) -> std::result::Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> std::result::Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(message, cert, dss, &self.0.signature_verification_algorithms)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> std::result::Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(message, cert, dss, &self.0.signature_verification_algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}

/// What a TLS session runs over: a connection hyper can read and write.
pub(crate) trait Io: hyper::rt::Read + hyper::rt::Write + Unpin {}

impl<T: hyper::rt::Read + hyper::rt::Write + Unpin> Io for T {}

/// A TLS session over a connection, read and written through hyper's I/O traits so that it
/// runs under either driver.
pub(crate) struct TlsConn<IO> {
    inner: IO,
    session: ClientConnection,
    connector: TlsConnector,
}

impl<IO: std::fmt::Debug> std::fmt::Debug for TlsConn<IO> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TlsConn")
            .field("inner", &self.inner)
            .finish_non_exhaustive()
    }
}

/// `inner` as `std::io::Read + Write` for rustls, a pending poll being `WouldBlock`.
struct Blocking<'a, 'b, IO> {
    inner: &'a mut IO,
    cx: &'a mut Context<'b>,
}

impl<IO: Io> Read for Blocking<'_, '_, IO> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let mut read_buf = hyper::rt::ReadBuf::new(buf);
        match hyper::rt::Read::poll_read(Pin::new(&mut *self.inner), self.cx, read_buf.unfilled()) {
            Poll::Ready(Ok(())) => Ok(read_buf.filled().len()),
            Poll::Ready(Err(e)) => Err(e),
            Poll::Pending => Err(io::ErrorKind::WouldBlock.into()),
        }
    }
}

impl<IO: Io> Write for Blocking<'_, '_, IO> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match hyper::rt::Write::poll_write(Pin::new(&mut *self.inner), self.cx, buf) {
            Poll::Ready(result) => result,
            Poll::Pending => Err(io::ErrorKind::WouldBlock.into()),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        match hyper::rt::Write::poll_flush(Pin::new(&mut *self.inner), self.cx) {
            Poll::Ready(result) => result,
            Poll::Pending => Err(io::ErrorKind::WouldBlock.into()),
        }
    }
}

/// A would-block result as `Pending`.
fn pending_on_would_block<T>(result: io::Result<T>) -> Poll<io::Result<T>> {
    match result {
        Err(e) if e.kind() == io::ErrorKind::WouldBlock => Poll::Pending,
        other => Poll::Ready(other),
    }
}

impl<IO: Io> TlsConn<IO> {
    /// The connection under the TLS session (for the pool's polled-socket flag).
    pub(crate) fn inner(&self) -> &IO {
        &self.inner
    }

    /// Sends what the session has to send: records, alerts, handshake messages.
    fn poll_write_tls(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        while self.session.wants_write() {
            let mut io = Blocking {
                inner: &mut self.inner,
                cx,
            };
            ready!(pending_on_would_block(self.session.write_tls(&mut io)))?;
        }
        Poll::Ready(Ok(()))
    }

    /// Reads TLS records and processes them; `Ok(0)` at the end of the stream.
    fn poll_read_tls(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<usize>> {
        let mut io = Blocking {
            inner: &mut self.inner,
            cx,
        };
        let n = ready!(pending_on_would_block(self.session.read_tls(&mut io)))?;
        if let Err(e) = self.session.process_new_packets() {
            // Tell the daemon why (the alert rustls queued), then fail.
            let _ = self.poll_write_tls(cx);
            return Poll::Ready(Err(self.connector.failure(&e)));
        }
        Poll::Ready(Ok(n))
    }

    fn poll_handshake(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        loop {
            ready!(self.poll_write_tls(cx))?;
            if !self.session.is_handshaking() {
                return Poll::Ready(Ok(()));
            }
            if ready!(self.poll_read_tls(cx))? == 0 {
                return Poll::Ready(Err(io::Error::new(
                    io::ErrorKind::InvalidData,
                    TlsFailure {
                        address: self.connector.address.clone(),
                        reason: "the daemon closed the connection during the TLS handshake (is this a TLS port?)"
                            .to_string(),
                    },
                )));
            }
        }
    }
}

impl<IO: Io> hyper::rt::Read for TlsConn<IO> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        mut buf: hyper::rt::ReadBufCursor<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let mut seen_end = false;
        loop {
            // Whatever the session must say first (a key update, an alert) is sent when it can.
            if let Poll::Ready(Err(e)) = this.poll_write_tls(cx) {
                return Poll::Ready(Err(e));
            }
            // SAFETY: the bytes are initialised (zeroed) before rustls writes into them, and
            // exactly the `n` it wrote are marked filled.
            let unfilled = unsafe { buf.as_mut() };
            for byte in unfilled.iter_mut() {
                byte.write(0);
            }
            let slice = unsafe { &mut *(std::ptr::from_mut(unfilled) as *mut [u8]) };
            match this.session.reader().read(slice) {
                Ok(n) => {
                    unsafe { buf.advance(n) };
                    return Poll::Ready(Ok(()));
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
                Err(e) => return Poll::Ready(Err(this.connector.session_error(e))),
            }
            if ready!(this.poll_read_tls(cx))? == 0 {
                if seen_end {
                    return Poll::Ready(Err(io::ErrorKind::UnexpectedEof.into()));
                }
                // rustls now knows the stream ended: the next read says how (clean or not).
                seen_end = true;
            }
        }
    }
}

impl<IO: Io> hyper::rt::Write for TlsConn<IO> {
    fn poll_write(self: Pin<&mut Self>, cx: &mut Context<'_>, data: &[u8]) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        loop {
            let n = this
                .session
                .writer()
                .write(data)
                .map_err(|e| this.connector.session_error(e))?;
            if n > 0 || data.is_empty() {
                // Send now if the socket takes it; poll_flush finishes otherwise.
                if let Poll::Ready(Err(e)) = this.poll_write_tls(cx) {
                    return Poll::Ready(Err(e));
                }
                return Poll::Ready(Ok(n));
            }
            // The session's buffer is full: empty it first.
            ready!(this.poll_write_tls(cx))?;
        }
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        this.session
            .writer()
            .flush()
            .map_err(|e| this.connector.session_error(e))?;
        ready!(this.poll_write_tls(cx))?;
        Pin::new(&mut this.inner).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        this.session.send_close_notify();
        ready!(this.poll_write_tls(cx))?;
        Pin::new(&mut this.inner).poll_shutdown(cx)
    }
}
