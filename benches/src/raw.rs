//! The raw floor: HTTP/1.1 on one kept-alive connection, blocking, one request at a time.
//! The body is read to its end (following `Content-Length` or chunked framing) and dropped,
//! never parsed: whatever a client does on top of this is its own overhead.
//!
//! The connection is a `std` Unix stream, a rustls client over TCP (the same rustls and ring
//! dimg links, so the floor pays for the same cipher code), or the stdin/stdout of one
//! `ssh ... docker system dial-stdio` child, as the docker CLI's ssh transport uses.

use std::io::{self, Read, Write};
use std::net::TcpStream;
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::sync::Arc;

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName};

/// A byte stream the floor can speak HTTP/1.1 on.
trait Transport: Read + Write + Send {}
impl<T: Read + Write + Send> Transport for T {}

/// How the floor opens a connection (and opens it again when the daemon closed it).
#[derive(Debug, Clone)]
pub enum Connector {
    /// A Unix socket.
    Unix(PathBuf),
    /// TLS over TCP to `address` (`host:port`), verifying the daemon as `server_name`.
    Tls {
        /// `host:port`.
        address: String,
        /// The name (or IP address) the daemon's certificate must carry.
        server_name: ServerName<'static>,
        /// The rustls client settings (roots, client certificate).
        config: Arc<rustls::ClientConfig>,
    },
    /// A child process whose stdin/stdout carry the connection (`argv[0]` is run from PATH).
    Command(Vec<String>),
}

impl Connector {
    /// TLS to `address` (`host:port`) trusting only the CA in `ca.pem` and presenting
    /// `cert.pem` / `key.pem`, all three from `cert_dir` (the DOCKER_CERT_PATH layout).
    pub fn tls(address: &str, cert_dir: &Path) -> io::Result<Connector> {
        let pem = |e: rustls::pki_types::pem::Error| io::Error::new(io::ErrorKind::InvalidData, e.to_string());
        let mut roots = rustls::RootCertStore::empty();
        for cert in CertificateDer::pem_file_iter(cert_dir.join("ca.pem")).map_err(pem)? {
            roots.add(cert.map_err(pem)?).map_err(io::Error::other)?;
        }
        let chain = CertificateDer::pem_file_iter(cert_dir.join("cert.pem"))
            .map_err(pem)?
            .collect::<Result<Vec<_>, _>>()
            .map_err(pem)?;
        let key = PrivateKeyDer::from_pem_file(cert_dir.join("key.pem")).map_err(pem)?;
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let config = rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(io::Error::other)?
            .with_root_certificates(roots)
            .with_client_auth_cert(chain, key)
            .map_err(io::Error::other)?;
        let host = address.rsplit_once(':').map_or(address, |(host, _)| host);
        let server_name = ServerName::try_from(host.trim_matches(['[', ']']).to_string())
            .map_err(|e| io::Error::new(io::ErrorKind::InvalidInput, e.to_string()))?;
        Ok(Connector::Tls {
            address: address.to_string(),
            server_name,
            config: Arc::new(config),
        })
    }

    /// The docker CLI's ssh command for `ssh://[user@]host[:port]`:
    /// `ssh -o ConnectTimeout=30 -T [-l user] [-p port] -- host docker system dial-stdio`.
    pub fn ssh(url: &str) -> io::Result<Connector> {
        let rest = url
            .strip_prefix("ssh://")
            .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, format!("not an ssh:// URL: {url}")))?;
        let (user, host_port) = match rest.rsplit_once('@') {
            Some((user, host_port)) => (Some(user), host_port),
            None => (None, rest),
        };
        let (host, port) = match host_port.rsplit_once(':') {
            Some((host, port)) if port.parse::<u16>().is_ok() => (host, Some(port)),
            _ => (host_port, None),
        };
        let mut argv: Vec<String> = ["ssh", "-o", "ConnectTimeout=30", "-T"].map(String::from).into();
        if let Some(user) = user {
            argv.extend(["-l".to_string(), user.to_string()]);
        }
        if let Some(port) = port {
            argv.extend(["-p".to_string(), port.to_string()]);
        }
        argv.extend(["--", host, "docker", "system", "dial-stdio"].map(String::from));
        Ok(Connector::Command(argv))
    }

    fn connect(&self) -> io::Result<Box<dyn Transport>> {
        Ok(match self {
            Connector::Unix(path) => Box::new(UnixStream::connect(path)?),
            Connector::Tls {
                address,
                server_name,
                config,
            } => {
                let tcp = TcpStream::connect(address)?;
                tcp.set_nodelay(true)?;
                let tls =
                    rustls::ClientConnection::new(config.clone(), server_name.clone()).map_err(io::Error::other)?;
                Box::new(rustls::StreamOwned::new(tls, tcp))
            }
            Connector::Command(argv) => {
                let mut child = Command::new(&argv[0])
                    .args(&argv[1..])
                    .stdin(Stdio::piped())
                    .stdout(Stdio::piped())
                    .stderr(Stdio::null())
                    .spawn()?;
                let stdin = child.stdin.take().expect("piped");
                let stdout = child.stdout.take().expect("piped");
                Box::new(ChildStream { child, stdin, stdout })
            }
        })
    }
}

/// A connection carried by a child's stdin and stdout; the child is killed and reaped with it.
struct ChildStream {
    child: Child,
    stdin: ChildStdin,
    stdout: ChildStdout,
}

impl Read for ChildStream {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.stdout.read(buf)
    }
}

impl Write for ChildStream {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.stdin.write(buf)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.stdin.flush()
    }
}

impl Drop for ChildStream {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// One kept-alive connection to the daemon.
pub struct RawConn {
    connector: Connector,
    stream: Box<dyn Transport>,
    buf: Vec<u8>,
    /// Valid bytes of `buf` are `buf[start..end]`.
    start: usize,
    end: usize,
}

impl std::fmt::Debug for RawConn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RawConn")
            .field("connector", &self.connector)
            .finish_non_exhaustive()
    }
}

/// What came back: the status, the response head, and how many body bytes were read.
#[derive(Debug, Clone)]
pub struct RawResponse {
    /// HTTP status code.
    pub status: u16,
    /// Status line and headers, as received.
    pub head: String,
    /// Body bytes after de-chunking.
    pub body_len: usize,
}

impl RawResponse {
    /// The value of a header (case-insensitive name), if present.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.head.split("\r\n").skip(1).find_map(|line| {
            let (k, v) = line.split_once(':')?;
            k.trim().eq_ignore_ascii_case(name).then(|| v.trim())
        })
    }
}

fn bad(message: impl Into<String>) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, message.into())
}

impl RawConn {
    /// Connects to the socket.
    pub fn connect(path: impl AsRef<Path>) -> io::Result<RawConn> {
        RawConn::open(Connector::Unix(path.as_ref().to_path_buf()))
    }

    /// Opens a connection with `connector` (Unix socket, TLS or an ssh child).
    pub fn open(connector: Connector) -> io::Result<RawConn> {
        let stream = connector.connect()?;
        Ok(RawConn {
            connector,
            stream,
            buf: vec![0; 64 * 1024],
            start: 0,
            end: 0,
        })
    }

    /// `GET target` (no body).
    pub fn get(&mut self, target: &str) -> io::Result<RawResponse> {
        self.request("GET", target, &mut |_| {})
    }

    /// Sends one request without a body and reads the whole response; each body chunk is
    /// passed to `sink` (and dropped after). Reconnects once if the daemon closed an idle
    /// connection before the request.
    pub fn request(&mut self, method: &str, target: &str, sink: &mut dyn FnMut(&[u8])) -> io::Result<RawResponse> {
        let mut request = Vec::with_capacity(128);
        write!(request, "{method} {target} HTTP/1.1\r\nHost: docker\r\n")?;
        if method == "POST" {
            request.extend_from_slice(b"Content-Length: 0\r\nX-Registry-Auth: e30=\r\n");
        }
        request.extend_from_slice(b"\r\n");
        if self
            .stream
            .write_all(&request)
            .and_then(|()| self.stream.flush())
            .is_err()
        {
            self.reconnect()?;
            self.stream.write_all(&request)?;
            self.stream.flush()?;
        }
        let response = self.read_response(sink)?;
        if response
            .header("connection")
            .is_some_and(|v| v.eq_ignore_ascii_case("close"))
        {
            self.reconnect()?;
        }
        Ok(response)
    }

    fn reconnect(&mut self) -> io::Result<()> {
        self.stream = self.connector.connect()?;
        self.start = 0;
        self.end = 0;
        Ok(())
    }

    /// Reads more bytes into the buffer; false at end of stream.
    fn fill(&mut self) -> io::Result<bool> {
        if self.start == self.end {
            self.start = 0;
            self.end = 0;
        } else if self.end == self.buf.len() {
            if self.start > 0 {
                self.buf.copy_within(self.start..self.end, 0);
                self.end -= self.start;
                self.start = 0;
            } else {
                let len = self.buf.len();
                self.buf.resize(len * 2, 0);
            }
        }
        let n = self.stream.read(&mut self.buf[self.end..])?;
        self.end += n;
        Ok(n > 0)
    }

    fn find(&self, needle: &[u8]) -> Option<usize> {
        self.buf[self.start..self.end]
            .windows(needle.len())
            .position(|w| w == needle)
    }

    fn read_line(&mut self) -> io::Result<String> {
        loop {
            if let Some(i) = self.find(b"\r\n") {
                let line = String::from_utf8_lossy(&self.buf[self.start..self.start + i]).into_owned();
                self.start += i + 2;
                return Ok(line);
            }
            if !self.fill()? {
                return Err(bad("connection closed inside a chunk header"));
            }
        }
    }

    /// Passes exactly `n` body bytes to `sink`.
    fn read_exact_to(&mut self, mut n: usize, sink: &mut dyn FnMut(&[u8])) -> io::Result<()> {
        while n > 0 {
            if self.start == self.end && !self.fill()? {
                return Err(bad("connection closed inside the body"));
            }
            let take = n.min(self.end - self.start);
            sink(&self.buf[self.start..self.start + take]);
            self.start += take;
            n -= take;
        }
        Ok(())
    }

    fn read_response(&mut self, sink: &mut dyn FnMut(&[u8])) -> io::Result<RawResponse> {
        let head_len = loop {
            if let Some(i) = self.find(b"\r\n\r\n") {
                break i + 4;
            }
            if !self.fill()? {
                return Err(bad("connection closed before the response head"));
            }
        };
        let head = String::from_utf8_lossy(&self.buf[self.start..self.start + head_len - 4]).into_owned();
        self.start += head_len;
        let status = head
            .split(' ')
            .nth(1)
            .and_then(|s| s.parse().ok())
            .ok_or_else(|| bad(format!("bad status line in {head:?}")))?;
        let chunked = response_header(&head, "transfer-encoding").is_some_and(|v| v.contains("chunked"));
        let content_length = response_header(&head, "content-length").map(str::to_string);
        let mut body_len = 0;
        let mut counted = |bytes: &[u8]| {
            body_len += bytes.len();
            sink(bytes);
        };
        if chunked {
            loop {
                let line = self.read_line()?;
                let size = usize::from_str_radix(line.split(';').next().unwrap_or("").trim(), 16)
                    .map_err(|_| bad(format!("bad chunk size {line:?}")))?;
                if size == 0 {
                    // Trailers, then the empty line.
                    while !self.read_line()?.is_empty() {}
                    break;
                }
                self.read_exact_to(size, &mut counted)?;
                if !self.read_line()?.is_empty() {
                    return Err(bad("chunk not followed by CRLF"));
                }
            }
        } else if let Some(len) = content_length {
            let len = len.parse().map_err(|_| bad("bad Content-Length"))?;
            self.read_exact_to(len, &mut counted)?;
        } else if status != 204 && status != 304 {
            // Until the daemon closes the connection.
            loop {
                if self.start < self.end {
                    counted(&self.buf[self.start..self.end]);
                    self.start = self.end;
                }
                if !self.fill()? {
                    break;
                }
            }
            self.reconnect()?;
        }
        let response = RawResponse { status, head, body_len };
        Ok(response)
    }
}

fn response_header<'a>(head: &'a str, name: &str) -> Option<&'a str> {
    head.split("\r\n").skip(1).find_map(|line| {
        let (k, v) = line.split_once(':')?;
        k.trim().eq_ignore_ascii_case(name).then(|| v.trim())
    })
}
