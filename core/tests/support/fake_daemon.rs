//! A scripted HTTP/1.1 server on a temporary Unix socket, for what a real daemon cannot do on
//! demand: split chunks at chosen bytes, fail mid-stream, close the connection, answer slowly.
//! Every request it receives is recorded (request line and headers) so tests can assert on
//! exactly what reached the "daemon".

#![allow(dead_code)]

use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{UnixListener, UnixStream};

/// One step of a reply.
#[derive(Clone, Debug)]
pub enum Step {
    /// Write these bytes and flush.
    Write(Vec<u8>),
    /// Wait.
    Sleep(Duration),
    /// Close the connection now.
    Close,
}

/// A real dockerd 20.10 pull stream of a fresh image.
pub const FRESH_PULL: &[u8] = include_bytes!("../../../tests/samples/docker-20.10/pull-stream.fresh.v1.41.jsonl");

/// A reply: the steps to play for one request.
#[derive(Clone, Debug, Default)]
pub struct Reply(pub Vec<Step>);

impl Reply {
    /// A complete response with a Content-Length body.
    pub fn json(status: u16, body: &str) -> Reply {
        Reply(vec![Step::Write(
            format!(
                "HTTP/1.1 {status} X\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
                body.len()
            )
            .into_bytes(),
        )])
    }

    /// A chunked response whose body arrives as these HTTP chunks, each written and flushed
    /// separately, with an optional pause between them; `end` adds the terminating chunk.
    pub fn chunked(status: u16, chunks: &[&[u8]], pause: Duration, end: bool) -> Reply {
        let mut steps = vec![Step::Write(
            format!("HTTP/1.1 {status} OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n")
                .into_bytes(),
        )];
        for chunk in chunks {
            let mut bytes = format!("{:x}\r\n", chunk.len()).into_bytes();
            bytes.extend_from_slice(chunk);
            bytes.extend_from_slice(b"\r\n");
            steps.push(Step::Write(bytes));
            if !pause.is_zero() {
                steps.push(Step::Sleep(pause));
            }
        }
        if end {
            steps.push(Step::Write(b"0\r\n\r\n".to_vec()));
        }
        Reply(steps)
    }

    /// The sample pull stream (`pull-stream.fresh.v1.41.jsonl`, 9 events), one line per HTTP
    /// chunk, `pause` apart.
    pub fn fresh_pull(pause: Duration) -> Reply {
        let lines: Vec<&[u8]> = FRESH_PULL.split_inclusive(|&b| b == b'\n').collect();
        Reply::chunked(200, &lines, pause, true)
    }

    /// A pull stream that has begun (one `Pulling from` event) and is not finished: add what
    /// happens next with [`Reply::then`].
    pub fn pull_started() -> Reply {
        Reply::chunked(
            200,
            &[b"{\"status\":\"Pulling from tiny\",\"id\":\"1.0\"}\r\n"],
            Duration::ZERO,
            false,
        )
    }

    /// Appends a step.
    pub fn then(mut self, step: Step) -> Reply {
        self.0.push(step);
        self
    }
}

/// What the server saw of one request.
#[derive(Clone, Debug)]
pub struct Seen {
    /// `METHOD TARGET HTTP/1.1`.
    pub request_line: String,
    /// Header lines as received.
    pub headers: Vec<String>,
}

impl Seen {
    /// The request target (path and query).
    pub fn target(&self) -> &str {
        self.request_line.split(' ').nth(1).unwrap_or("")
    }

    /// A header's value, by case-insensitive name.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find_map(|h| {
            let (k, v) = h.split_once(':')?;
            k.trim().eq_ignore_ascii_case(name).then(|| v.trim())
        })
    }
}

type Handler = dyn Fn(&Seen) -> Reply + Send + Sync;

/// The running server; stops when dropped.
pub struct FakeDaemon {
    pub path: PathBuf,
    seen: Arc<Mutex<Vec<Seen>>>,
    connections: Arc<AtomicUsize>,
    closed: Arc<AtomicUsize>,
    task: tokio::task::JoinHandle<()>,
}

static NEXT: AtomicUsize = AtomicUsize::new(0);

impl FakeDaemon {
    /// Starts a server that answers `GET /_ping` with `Api-Version: 1.41` and everything else
    /// with `handler`. Must be called inside a Tokio runtime.
    pub fn start(handler: impl Fn(&Seen) -> Reply + Send + Sync + 'static) -> FakeDaemon {
        FakeDaemon::start_as("Fake/1.0", handler)
    }

    /// Like [`FakeDaemon::start`], but its ping says it is Podman (`Server: Libpod/...`).
    pub fn start_podman(handler: impl Fn(&Seen) -> Reply + Send + Sync + 'static) -> FakeDaemon {
        FakeDaemon::start_as("Libpod/4.3.1 (linux)", handler)
    }

    fn start_as(server: &'static str, handler: impl Fn(&Seen) -> Reply + Send + Sync + 'static) -> FakeDaemon {
        let path = std::env::temp_dir().join(format!(
            "dimg-fake-{}-{}.sock",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::SeqCst)
        ));
        let _ = std::fs::remove_file(&path);
        let listener = UnixListener::bind(&path).expect("bind the fake daemon socket");
        let seen = Arc::new(Mutex::new(Vec::new()));
        let connections = Arc::new(AtomicUsize::new(0));
        let closed = Arc::new(AtomicUsize::new(0));
        let handler: Arc<Handler> = Arc::new(handler);
        let task = tokio::spawn({
            let seen = seen.clone();
            let connections = connections.clone();
            let closed = closed.clone();
            async move {
                while let Ok((stream, _)) = listener.accept().await {
                    connections.fetch_add(1, Ordering::SeqCst);
                    let (handler, seen, closed) = (handler.clone(), seen.clone(), closed.clone());
                    tokio::spawn(async move {
                        serve(stream, server, handler, seen).await;
                        closed.fetch_add(1, Ordering::SeqCst);
                    });
                }
            }
        });
        FakeDaemon {
            path,
            seen,
            connections,
            closed,
            task,
        }
    }

    /// Every request received so far, pings included.
    pub fn seen(&self) -> Vec<Seen> {
        self.seen.lock().unwrap().clone()
    }

    /// Requests other than `/_ping`.
    pub fn calls(&self) -> Vec<Seen> {
        self.seen().into_iter().filter(|s| s.target() != "/_ping").collect()
    }

    /// Connections that ended so far (the client closed them, a write failed, or a reply
    /// script closed them).
    pub fn closed(&self) -> usize {
        self.closed.load(Ordering::SeqCst)
    }

    /// Connections accepted so far.
    pub fn connections(&self) -> usize {
        self.connections.load(Ordering::SeqCst)
    }
}

impl Drop for FakeDaemon {
    fn drop(&mut self) {
        self.task.abort();
        let _ = std::fs::remove_file(&self.path);
    }
}

async fn serve(mut stream: UnixStream, server: &str, handler: Arc<Handler>, seen: Arc<Mutex<Vec<Seen>>>) {
    let mut buf = Vec::new();
    loop {
        let head_end = loop {
            if let Some(pos) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                break pos;
            }
            let mut chunk = [0u8; 4096];
            match stream.read(&mut chunk).await {
                Ok(0) | Err(_) => return,
                Ok(n) => buf.extend_from_slice(&chunk[..n]),
            }
        };
        let head = String::from_utf8_lossy(&buf[..head_end]).to_string();
        let mut lines = head.split("\r\n");
        let request = Seen {
            request_line: lines.next().unwrap_or("").to_string(),
            headers: lines.map(str::to_string).collect(),
        };
        let body_len: usize = request
            .header("content-length")
            .and_then(|v| v.parse().ok())
            .unwrap_or(0);
        buf.drain(..head_end + 4);
        while buf.len() < body_len {
            let mut chunk = [0u8; 4096];
            match stream.read(&mut chunk).await {
                Ok(0) | Err(_) => return,
                Ok(n) => buf.extend_from_slice(&chunk[..n]),
            }
        }
        buf.drain(..body_len);
        seen.lock().unwrap().push(request.clone());
        let reply = if request.target() == "/_ping" {
            Reply(vec![Step::Write(
                format!("HTTP/1.1 200 OK\r\nApi-Version: 1.41\r\nOstype: linux\r\nServer: {server}\r\nContent-Length: 2\r\n\r\nOK")
                    .into_bytes(),
            )])
        } else {
            handler(&request)
        };
        for step in reply.0 {
            match step {
                Step::Write(bytes) => {
                    if stream.write_all(&bytes).await.is_err() || stream.flush().await.is_err() {
                        return;
                    }
                }
                Step::Sleep(d) => tokio::time::sleep(d).await,
                Step::Close => return,
            }
        }
    }
}
