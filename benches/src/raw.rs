//! The raw floor: HTTP/1.1 on a kept-alive `std` Unix stream, blocking, one request at a time.
//! The body is read to its end (following `Content-Length` or chunked framing) and dropped,
//! never parsed: whatever a client does on top of this is its own overhead.

use std::io::{self, Read, Write};
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};

/// One kept-alive connection to the daemon.
#[derive(Debug)]
pub struct RawConn {
    path: PathBuf,
    stream: UnixStream,
    buf: Vec<u8>,
    /// Valid bytes of `buf` are `buf[start..end]`.
    start: usize,
    end: usize,
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
        let path = path.as_ref().to_path_buf();
        let stream = UnixStream::connect(&path)?;
        Ok(RawConn {
            path,
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
        if self.stream.write_all(&request).is_err() {
            self.reconnect()?;
            self.stream.write_all(&request)?;
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
        self.stream = UnixStream::connect(&self.path)?;
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
