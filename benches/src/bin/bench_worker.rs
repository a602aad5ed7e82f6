//! One contender of the side-by-side harness, driven by `benches/side_by_side.py`.
//!
//! `bench-worker --impl raw|raw-unix|dimg|dimg-blocking|bollard|cli|curl [--runtime multi|current]`
//! reads one JSON request per line on stdin, `{"op": "ping", "n": 20}`, runs the operation `n` times on one
//! warm client and answers one line: `{"ns": [...]}` (wall time of each run), `{"skip": why}` or
//! `{"error": what}`.
//!
//! `bench-worker --impl dimg --oneshot pull_large` pulls once in a fresh process and prints
//! `{"events": N, "cpu_ns": ..., "rss_kb_before": ...}`; the harness reads the process's own CPU
//! time and peak RSS with `wait4`.
//!
//! Settings come from the environment the harness sets: `BENCH_SOCKET`, `BENCH_API` (`1.41`),
//! `BENCH_INSPECT` (a local image name), `BENCH_SEARCH` (a search term), `BENCH_SMALL` and
//! `BENCH_LARGE` (`host:port/repo:tag` references in the local registry), `BENCH_DOCKER` (the
//! docker CLI), `BENCH_CURL`.
//!
//! `BENCH_TRANSPORT` (`unix`, `tls` or `ssh`; default `unix`) says how every contender reaches
//! the daemon: `unix` through `BENCH_SOCKET`; `tls` to `BENCH_HOST` (`tcp://host:port`) with
//! `ca.pem`, `cert.pem` and `key.pem` from `BENCH_TLS_CERTS`, verifying the daemon; `ssh` to
//! `BENCH_HOST` (`ssh://user@host:port`) with the `ssh` on PATH (bollard, which drops the port
//! of an ssh URL, gets `BENCH_BOLLARD_HOST`, an alias of the same host in the ssh config).
//! `raw-unix` is the raw floor on `BENCH_SOCKET` whatever the transport: the same daemon with no
//! transport cost, to tell the daemon's time from the transport's.

use std::future::Future;
use std::io::{BufRead, Write};
use std::pin::{Pin, pin};
use std::process::{Command, Stdio};
use std::time::Instant;

use dimg_benches::raw::{Connector, RawConn};
use futures_core::Stream;
use serde_json::{Value, json};

/// How many list calls the concurrency operation starts at once.
const CONCURRENCY: usize = 64;

type Outcome = Result<Value, Failure>;

#[derive(Debug)]
enum Failure {
    /// This contender has no such operation.
    Skip(String),
    Error(String),
}

fn err(e: impl std::fmt::Display) -> Failure {
    Failure::Error(e.to_string())
}

/// How the contenders reach the daemon (`BENCH_TRANSPORT`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Transport {
    Unix,
    Tls,
    Ssh,
}

#[derive(Debug, Clone)]
struct Settings {
    transport: Transport,
    /// The daemon's Unix socket (for `raw-unix`, and everyone under `unix`).
    socket: String,
    /// `tcp://host:port` (TLS) or `ssh://user@host:port`; `unix://socket` under `unix`.
    host: String,
    /// The address bollard is given (its ssh transport ignores the port of an ssh URL).
    bollard_host: String,
    /// A directory with `ca.pem`, `cert.pem` and `key.pem` (TLS).
    certs: std::path::PathBuf,
    api: String,
    inspect: String,
    search: String,
    small: String,
    large: String,
    docker: String,
    curl: String,
}

impl Settings {
    fn from_env() -> Settings {
        let var = |name: &str, default: &str| std::env::var(name).unwrap_or_else(|_| default.to_string());
        let socket = var("BENCH_SOCKET", "/tmp/dimg-engine/docker.sock");
        let transport = match var("BENCH_TRANSPORT", "unix").as_str() {
            "tls" => Transport::Tls,
            "ssh" => Transport::Ssh,
            _ => Transport::Unix,
        };
        let host = var("BENCH_HOST", &format!("unix://{socket}"));
        Settings {
            transport,
            bollard_host: var("BENCH_BOLLARD_HOST", &host),
            host,
            certs: var("BENCH_TLS_CERTS", "/tmp/dimg-engine/tls/client").into(),
            socket,
            api: var("BENCH_API", "1.41"),
            inspect: var("BENCH_INSPECT", "bench/base:1.0"),
            search: var("BENCH_SEARCH", "127.0.0.1:25502/tomcat"),
            small: var("BENCH_SMALL", "127.0.0.1:25500/bench/small:1.0"),
            large: var("BENCH_LARGE", "127.0.0.1:25500/bench/large:1.0"),
            docker: var("BENCH_DOCKER", "docker"),
            curl: var("BENCH_CURL", "curl"),
        }
    }

    /// A dimg client builder for the transport: what a program that knows its daemon writes.
    fn dimg_builder(&self) -> dimg::ClientBuilder {
        let builder = dimg::ClientBuilder::new();
        match self.transport {
            Transport::Unix => builder.socket_path(&self.socket),
            Transport::Tls => builder.host(&self.host).tls(
                dimg::TlsConfig::new()
                    .ca_cert(self.certs.join("ca.pem"))
                    .client_cert(self.certs.join("cert.pem"), self.certs.join("key.pem")),
            ),
            Transport::Ssh => builder.host(&self.host),
        }
    }

    /// How the raw floor connects over the transport.
    fn raw_connector(&self) -> std::io::Result<Connector> {
        match self.transport {
            Transport::Unix => Ok(Connector::Unix(self.socket.clone().into())),
            Transport::Tls => Connector::tls(self.host.trim_start_matches("tcp://"), &self.certs),
            Transport::Ssh => Connector::ssh(&self.host),
        }
    }
}

/// `repo:tag` → (`repo`, `tag`), splitting at the last `:` after the last `/`.
fn split_ref(reference: &str) -> (&str, &str) {
    let slash = reference.rfind('/').map_or(0, |i| i + 1);
    match reference[slash..].rfind(':') {
        Some(i) => (&reference[..slash + i], &reference[slash + i + 1..]),
        None => (reference, "latest"),
    }
}

/// Percent-encodes a query value.
fn encode(value: &str) -> String {
    let mut out = String::with_capacity(value.len() * 3);
    for b in value.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

trait Contender {
    fn run(&mut self, op: &str) -> Outcome;
}

fn runtime(kind: &str) -> tokio::runtime::Runtime {
    let mut builder = match kind {
        "current" => tokio::runtime::Builder::new_current_thread(),
        _ => tokio::runtime::Builder::new_multi_thread(),
    };
    builder.enable_all().build().expect("a tokio runtime")
}

/// Awaits the next item of a stream.
async fn next<S: Stream + ?Sized>(mut stream: Pin<&mut S>) -> Option<S::Item> {
    std::future::poll_fn(|cx| stream.as_mut().poll_next(cx)).await
}

/// Runs `CONCURRENCY` copies of a future on the runtime at once and waits for all.
async fn all_at_once<F, Fut>(make: F) -> Result<(), Failure>
where
    F: Fn() -> Fut,
    Fut: Future<Output = Result<(), String>> + Send + 'static,
{
    let handles: Vec<_> = (0..CONCURRENCY).map(|_| tokio::spawn(make())).collect();
    for handle in handles {
        handle.await.map_err(err)?.map_err(Failure::Error)?;
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------

/// dimg's async client, on a Tokio runtime.
struct Dimg {
    rt: tokio::runtime::Runtime,
    client: dimg::Client,
    s: Settings,
}

impl Dimg {
    fn new(s: Settings, runtime_kind: &str) -> Result<Dimg, Failure> {
        let rt = runtime(runtime_kind);
        let client = s.dimg_builder().build().map_err(err)?;
        rt.block_on(client.ping()).map_err(err)?;
        Ok(Dimg { rt, client, s })
    }

    /// `CONCURRENCY` list calls at once on one client, as tasks on the runtime.
    fn list_concurrently(&self) -> Result<(), Failure> {
        let list = |c: dimg::Client| async move {
            c.images()
                .list(&dimg::ListOptions::new())
                .await
                .map(drop)
                .map_err(|e| e.to_string())
        };
        self.rt.block_on(all_at_once(|| list(self.client.clone())))
    }
}

impl Contender for Dimg {
    fn run(&mut self, op: &str) -> Outcome {
        if op == "list_concurrent" {
            return self.list_concurrently().map(|()| Value::Null);
        }
        let (c, s) = (&self.client, &self.s);
        self.rt.block_on(async {
            let images = c.images();
            match op {
                "ping" => drop(c.ping().await.map_err(err)?),
                "connect" => {
                    let fresh = s.dimg_builder().build().map_err(err)?;
                    fresh.images().inspect(&s.inspect).await.map_err(err)?;
                }
                "list" => drop(images.list(&dimg::ListOptions::new()).await.map_err(err)?),
                "list_all" => drop(images.list(&dimg::ListOptions::new().all(true)).await.map_err(err)?),
                "search" => drop(
                    images
                        .search(&s.search, &dimg::SearchOptions::new())
                        .await
                        .map_err(err)?,
                ),
                "inspect" => drop(images.inspect(&s.inspect).await.map_err(err)?),
                "pull_remove" => {
                    images
                        .pull(&s.small, &dimg::PullOptions::new())
                        .finish()
                        .await
                        .map_err(err)?;
                    images
                        .remove(&s.small, &dimg::RemoveOptions::new())
                        .await
                        .map_err(err)?;
                }
                "pull_large" => {
                    let mut stream = pin!(images.pull(&s.large, &dimg::PullOptions::new()));
                    let mut events = 0u64;
                    while let Some(event) = next(stream.as_mut()).await {
                        event.map_err(err)?;
                        events += 1;
                    }
                    return Ok(json!({ "events": events }));
                }
                _ => return Err(Failure::Skip(format!("no operation {op}"))),
            }
            Ok(Value::Null)
        })
    }
}

// ---------------------------------------------------------------------------------------------

/// dimg's blocking client, on the calling thread.
struct DimgBlocking {
    client: dimg::blocking::Client,
    s: Settings,
}

impl DimgBlocking {
    fn new(s: Settings) -> Result<DimgBlocking, Failure> {
        let client = s.dimg_builder().build_blocking().map_err(err)?;
        client.ping().map_err(err)?;
        Ok(DimgBlocking { client, s })
    }

    /// `CONCURRENCY` list calls at once on one client, from threads, as the raw floor does.
    fn list_concurrently(&self) -> Result<(), Failure> {
        std::thread::scope(|scope| {
            let threads: Vec<_> = (0..CONCURRENCY)
                .map(|_| scope.spawn(|| self.client.images().list(&dimg::ListOptions::new()).map(drop)))
                .collect();
            for thread in threads {
                thread
                    .join()
                    .map_err(|_| Failure::Error("a thread panicked".into()))?
                    .map_err(err)?;
            }
            Ok(())
        })
    }
}

impl Contender for DimgBlocking {
    fn run(&mut self, op: &str) -> Outcome {
        let (c, s) = (&self.client, &self.s);
        let images = c.images();
        match op {
            "list_concurrent" => self.list_concurrently()?,
            "ping" => drop(c.ping().map_err(err)?),
            "connect" => {
                let fresh = s.dimg_builder().build_blocking().map_err(err)?;
                fresh.images().inspect(&s.inspect).map_err(err)?;
            }
            "list" => drop(images.list(&dimg::ListOptions::new()).map_err(err)?),
            "list_all" => drop(images.list(&dimg::ListOptions::new().all(true)).map_err(err)?),
            "search" => drop(images.search(&s.search, &dimg::SearchOptions::new()).map_err(err)?),
            "inspect" => drop(images.inspect(&s.inspect).map_err(err)?),
            "pull_remove" => {
                images.pull(&s.small, &dimg::PullOptions::new()).finish().map_err(err)?;
                images.remove(&s.small, &dimg::RemoveOptions::new()).map_err(err)?;
            }
            "pull_large" => {
                let mut events = 0u64;
                for event in images.pull(&s.large, &dimg::PullOptions::new()) {
                    event.map_err(err)?;
                    events += 1;
                }
                return Ok(json!({ "events": events }));
            }
            _ => return Err(Failure::Skip(format!("no operation {op}"))),
        }
        Ok(Value::Null)
    }
}

// ---------------------------------------------------------------------------------------------

struct Bollard {
    rt: tokio::runtime::Runtime,
    docker: bollard::Docker,
    s: Settings,
}

impl Bollard {
    fn connect(s: &Settings) -> Result<bollard::Docker, bollard::errors::Error> {
        use bollard::{API_DEFAULT_VERSION, Docker};
        match s.transport {
            Transport::Unix => Docker::connect_with_unix(&s.socket, 120, API_DEFAULT_VERSION),
            Transport::Tls => Docker::connect_with_ssl(
                &s.host,
                &s.certs.join("key.pem"),
                &s.certs.join("cert.pem"),
                &s.certs.join("ca.pem"),
                120,
                API_DEFAULT_VERSION,
            ),
            Transport::Ssh => Docker::connect_with_ssh(&s.bollard_host, 120, API_DEFAULT_VERSION, None),
        }
    }

    fn new(s: Settings, runtime_kind: &str) -> Result<Bollard, Failure> {
        let rt = runtime(runtime_kind);
        let docker = rt
            .block_on(async { Bollard::connect(&s)?.negotiate_version().await })
            .map_err(err)?;
        Ok(Bollard { rt, docker, s })
    }
}

async fn bollard_pull(docker: &bollard::Docker, reference: &str) -> Result<u64, Failure> {
    let (repo, tag) = split_ref(reference);
    let options = bollard::query_parameters::CreateImageOptions {
        from_image: Some(repo.to_string()),
        tag: Some(tag.to_string()),
        ..Default::default()
    };
    let mut stream = pin!(docker.create_image(Some(options), None, None));
    let mut events = 0;
    while let Some(item) = next(stream.as_mut()).await {
        item.map_err(err)?;
        events += 1;
    }
    Ok(events)
}

impl Contender for Bollard {
    fn run(&mut self, op: &str) -> Outcome {
        use bollard::query_parameters::{ListImagesOptions, RemoveImageOptions, SearchImagesOptions};
        let (d, s) = (&self.docker, &self.s);
        self.rt.block_on(async {
            match op {
                "ping" => drop(d.ping().await.map_err(err)?),
                "connect" => {
                    let fresh = Bollard::connect(s)
                        .map_err(err)?
                        .negotiate_version()
                        .await
                        .map_err(err)?;
                    fresh.inspect_image(&s.inspect).await.map_err(err)?;
                }
                "list" => drop(d.list_images(None::<ListImagesOptions>).await.map_err(err)?),
                "list_all" => {
                    let options = ListImagesOptions {
                        all: true,
                        ..Default::default()
                    };
                    drop(d.list_images(Some(options)).await.map_err(err)?)
                }
                "search" => {
                    let options = SearchImagesOptions {
                        term: s.search.clone(),
                        ..Default::default()
                    };
                    drop(d.search_images(options).await.map_err(err)?)
                }
                "inspect" => drop(d.inspect_image(&s.inspect).await.map_err(err)?),
                "pull_remove" => {
                    bollard_pull(d, &s.small).await?;
                    d.remove_image(&s.small, None::<RemoveImageOptions>, None)
                        .await
                        .map_err(err)?;
                }
                "list_concurrent" => {
                    let d = d.clone();
                    all_at_once(move || {
                        let d = d.clone();
                        async move {
                            d.list_images(None::<ListImagesOptions>)
                                .await
                                .map_err(|e| e.to_string())?;
                            Ok(())
                        }
                    })
                    .await?
                }
                "pull_large" => return Ok(json!({ "events": bollard_pull(d, &s.large).await? })),
                _ => return Err(Failure::Skip(format!("no operation {op}"))),
            }
            Ok(Value::Null)
        })
    }
}

// ---------------------------------------------------------------------------------------------

struct Raw {
    connector: Connector,
    conn: RawConn,
    /// Kept-alive connections for the concurrent operation, one per request in flight.
    pool: Vec<RawConn>,
    s: Settings,
}

impl Raw {
    /// The floor over the transport, or on the daemon's Unix socket whatever the transport.
    fn new(s: Settings, unix: bool) -> Result<Raw, Failure> {
        let connector = if unix {
            Connector::Unix(s.socket.clone().into())
        } else {
            s.raw_connector().map_err(err)?
        };
        let conn = RawConn::open(connector.clone()).map_err(err)?;
        Ok(Raw {
            connector,
            conn,
            pool: Vec::new(),
            s,
        })
    }

    fn versioned(&self, path: &str) -> String {
        format!("/v{}{}", self.s.api, path)
    }
}

fn expect_ok(what: &str, response: std::io::Result<dimg_benches::raw::RawResponse>) -> Result<(), Failure> {
    let response = response.map_err(|e| Failure::Error(format!("{what}: {e}")))?;
    if response.status / 100 != 2 {
        return Err(Failure::Error(format!("{what}: HTTP {}", response.status)));
    }
    Ok(())
}

impl Contender for Raw {
    fn run(&mut self, op: &str) -> Outcome {
        let s = self.s.clone();
        let inspect = self.versioned(&format!("/images/{}/json", s.inspect));
        match op {
            "ping" => expect_ok(op, self.conn.get("/_ping"))?,
            "connect" => {
                // A new client starts from nothing: over TLS a new rustls config (files read
                // again, no session to resume: a kept config would resume the last session and
                // skip the certificates, which no new client of any library can do).
                let connector = match &self.connector {
                    Connector::Tls { .. } => s.raw_connector().map_err(err)?,
                    other => other.clone(),
                };
                let mut fresh = RawConn::open(connector).map_err(err)?;
                let ping = fresh.get("/_ping").map_err(err)?;
                let version = ping.header("api-version").unwrap_or("1.24").to_string();
                expect_ok(op, fresh.get(&format!("/v{version}/images/{}/json", s.inspect)))?;
            }
            "list" => expect_ok(op, self.conn.get(&self.versioned("/images/json")))?,
            "list_all" => expect_ok(op, self.conn.get(&self.versioned("/images/json?all=1")))?,
            "search" => expect_ok(
                op,
                self.conn
                    .get(&self.versioned(&format!("/images/search?term={}", encode(&s.search)))),
            )?,
            "inspect" => expect_ok(op, self.conn.get(&inspect))?,
            "pull_remove" => {
                let (repo, tag) = split_ref(&s.small);
                let create = self.versioned(&format!("/images/create?fromImage={}&tag={}", encode(repo), tag));
                expect_ok("pull", self.conn.request("POST", &create, &mut |_| {}))?;
                let delete = self.versioned(&format!("/images/{}", s.small));
                expect_ok("remove", self.conn.request("DELETE", &delete, &mut |_| {}))?;
            }
            "list_concurrent" => {
                while self.pool.len() < CONCURRENCY {
                    self.pool.push(RawConn::open(self.connector.clone()).map_err(err)?);
                }
                let target = self.versioned("/images/json");
                let results: Vec<Result<(), Failure>> = std::thread::scope(|scope| {
                    let handles: Vec<_> = self
                        .pool
                        .iter_mut()
                        .map(|conn| scope.spawn(|| expect_ok("list", conn.get(&target))))
                        .collect();
                    handles.into_iter().map(|h| h.join().expect("no panic")).collect()
                });
                results.into_iter().collect::<Result<Vec<()>, Failure>>()?;
            }
            "pull_large" => {
                let (repo, tag) = split_ref(&s.large);
                let create = self.versioned(&format!("/images/create?fromImage={}&tag={}", encode(repo), tag));
                let mut lines = 0u64;
                expect_ok(
                    "pull",
                    self.conn.request("POST", &create, &mut |chunk| {
                        lines += chunk.iter().filter(|&&b| b == b'\n').count() as u64
                    }),
                )?;
                return Ok(json!({ "events": lines }));
            }
            _ => return Err(Failure::Skip(format!("no operation {op}"))),
        }
        Ok(Value::Null)
    }
}

// ---------------------------------------------------------------------------------------------

/// A command-line contender: each operation is one process (or a few), as a shell script
/// would run it.
struct Cli {
    s: Settings,
    curl: bool,
}

impl Cli {
    fn docker(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(&self.s.docker);
        cmd.args(args)
            .env("DOCKER_HOST", &self.s.host)
            .env_remove("DOCKER_API_VERSION")
            .env_remove("DOCKER_TLS_VERIFY")
            .env_remove("DOCKER_CERT_PATH")
            .env_remove("DOCKER_CONTEXT");
        if self.s.transport == Transport::Tls {
            cmd.env("DOCKER_TLS_VERIFY", "1").env("DOCKER_CERT_PATH", &self.s.certs);
        }
        cmd.stdin(Stdio::null()).stdout(Stdio::null()).stderr(Stdio::piped());
        cmd
    }

    /// `curl` with one transfer per `(method, url-path)`, over one connection where it can.
    fn curl(&self, transfers: &[(&str, String)], parallel: bool) -> Command {
        let mut cmd = Command::new(&self.s.curl);
        if parallel {
            cmd.args([
                "--parallel",
                "--parallel-immediate",
                "--parallel-max",
                &CONCURRENCY.to_string(),
            ]);
        }
        for (i, (method, path)) in transfers.iter().enumerate() {
            if i > 0 && !parallel {
                cmd.arg("--next");
            }
            if i == 0 || !parallel {
                cmd.args(["-sS", "-f"]);
                if self.s.transport == Transport::Tls {
                    let cert = |name: &str| self.s.certs.join(name).display().to_string();
                    cmd.args(["--cacert", &cert("ca.pem"), "--cert", &cert("cert.pem")]);
                    cmd.args(["--key", &cert("key.pem")]);
                } else {
                    cmd.args(["--unix-socket", &self.s.socket]);
                }
            }
            if !parallel || *method != "GET" {
                cmd.args(["-X", method]);
            }
            if *method == "POST" {
                cmd.args(["-H", "X-Registry-Auth: e30="]);
            }
            let base = match self.s.transport {
                Transport::Tls => format!("https://{}", self.s.host.trim_start_matches("tcp://")),
                _ => "http://docker".to_string(),
            };
            cmd.args(["-o", "/dev/null", &format!("{base}{path}")]);
        }
        cmd.stdin(Stdio::null()).stdout(Stdio::null()).stderr(Stdio::piped());
        cmd
    }

    fn v(&self, path: &str) -> String {
        format!("/v{}{}", self.s.api, path)
    }
}

fn check(mut cmd: Command) -> Result<(), Failure> {
    let out = cmd.output().map_err(err)?;
    if out.status.success() {
        Ok(())
    } else {
        Err(Failure::Error(format!(
            "{cmd:?}: {}: {}",
            out.status,
            String::from_utf8_lossy(&out.stderr).trim()
        )))
    }
}

fn check_all(cmds: Vec<Command>) -> Result<(), Failure> {
    let children: Vec<_> = cmds
        .into_iter()
        .map(|mut c| c.stderr(Stdio::null()).spawn())
        .collect::<Result<_, _>>()
        .map_err(err)?;
    for mut child in children {
        let status = child.wait().map_err(err)?;
        if !status.success() {
            return Err(Failure::Error(format!("a concurrent process failed: {status}")));
        }
    }
    Ok(())
}

impl Contender for Cli {
    fn run(&mut self, op: &str) -> Outcome {
        let s = self.s.clone();
        let inspect_path = self.v(&format!("/images/{}/json", s.inspect));
        if self.curl && s.transport == Transport::Ssh {
            return Err(Failure::Skip("curl cannot speak to an ssh:// daemon".into()));
        }
        if self.curl {
            let (repo, tag) = split_ref(&s.small);
            match op {
                "ping" => check(self.curl(&[("GET", "/_ping".into())], false))?,
                "connect" => check(self.curl(&[("GET", "/_ping".into()), ("GET", inspect_path)], false))?,
                "list" => check(self.curl(&[("GET", self.v("/images/json"))], false))?,
                "list_all" => check(self.curl(&[("GET", self.v("/images/json?all=1"))], false))?,
                "search" => check(self.curl(
                    &[("GET", self.v(&format!("/images/search?term={}", encode(&s.search))))],
                    false,
                ))?,
                "inspect" => check(self.curl(&[("GET", inspect_path)], false))?,
                "pull_remove" => check(self.curl(
                    &[
                        (
                            "POST",
                            self.v(&format!("/images/create?fromImage={}&tag={tag}", encode(repo))),
                        ),
                        ("DELETE", self.v(&format!("/images/{}", s.small))),
                    ],
                    false,
                ))?,
                "list_concurrent" => {
                    let transfers: Vec<_> = (0..CONCURRENCY).map(|_| ("GET", self.v("/images/json"))).collect();
                    check(self.curl(&transfers, true))?
                }
                _ => return Err(Failure::Skip(format!("no operation {op}"))),
            }
        } else {
            match op {
                // The docker CLI has no command that only pings.
                "ping" => return Err(Failure::Skip("the docker CLI has no ping command".into())),
                // Every CLI process is a new client: negotiate (GET /_ping), then the call.
                "connect" | "inspect" => check(self.docker(&["image", "inspect", &s.inspect]))?,
                "list" => check(self.docker(&["images"]))?,
                "list_all" => check(self.docker(&["images", "-a"]))?,
                "search" => check(self.docker(&["search", &s.search]))?,
                "pull_remove" => {
                    check(self.docker(&["pull", &s.small]))?;
                    check(self.docker(&["rmi", &s.small]))?;
                }
                "list_concurrent" => check_all((0..CONCURRENCY).map(|_| self.docker(&["images"])).collect())?,
                _ => return Err(Failure::Skip(format!("no operation {op}"))),
            }
        }
        Ok(Value::Null)
    }
}

// ---------------------------------------------------------------------------------------------

fn cpu_ns() -> u64 {
    let mut ts = std::mem::MaybeUninit::<[i64; 2]>::uninit();
    // CLOCK_PROCESS_CPUTIME_ID = 2 on Linux; user + system time of every thread.
    unsafe extern "C" {
        fn clock_gettime(clock: i32, ts: *mut [i64; 2]) -> i32;
    }
    // SAFETY: clock_gettime writes a timespec (two longs on 64-bit Linux) into `ts`.
    let ts = unsafe {
        clock_gettime(2, ts.as_mut_ptr());
        ts.assume_init()
    };
    ts[0] as u64 * 1_000_000_000 + ts[1] as u64
}

fn rss_kb() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("VmRSS:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        })
        .unwrap_or(0)
}

/// `bench-worker --fake-daemon SOCKET --events N`: a stand-in daemon on a Unix socket that
/// answers `/_ping`, `/version`, and every `POST .../images/create` with the same long pull
/// stream of about N progress messages (generated like the criterion input), so the clients'
/// CPU time and memory can be measured against the number of events, which a real daemon
/// keeps low (it throttles progress messages).
fn fake_daemon(socket: &str, events: usize) -> ! {
    use std::io::{BufReader, Read as _};
    let layers = 10;
    let steps = (events / layers).saturating_sub(5).max(2) / 2;
    let (body, lines) = dimg_benches::inputs::pull_stream(layers, steps);
    let body = std::sync::Arc::new(body);
    let _ = std::fs::remove_file(socket);
    let listener = std::os::unix::net::UnixListener::bind(socket).unwrap_or_else(|e| {
        eprintln!("fake daemon: {socket}: {e}");
        std::process::exit(1)
    });
    println!("{}", json!({ "ready": socket, "events": lines, "bytes": body.len() }));
    std::io::stdout().flush().ok();
    for stream in listener.incoming() {
        let Ok(stream) = stream else { continue };
        let body = body.clone();
        std::thread::spawn(move || -> std::io::Result<()> {
            let mut writer = stream.try_clone()?;
            let mut reader = BufReader::new(stream);
            loop {
                let mut head = String::new();
                loop {
                    let mut line = String::new();
                    if reader.read_line(&mut line)? == 0 {
                        return Ok(());
                    }
                    if line == "\r\n" {
                        break;
                    }
                    head.push_str(&line);
                }
                let length: usize = head
                    .lines()
                    .find_map(|l| {
                        l.to_ascii_lowercase()
                            .strip_prefix("content-length:")
                            .map(|v| v.trim().to_string())
                    })
                    .and_then(|v| v.parse().ok())
                    .unwrap_or(0);
                std::io::copy(&mut (&mut reader).take(length as u64), &mut std::io::sink())?;
                let mut parts = head.split_whitespace();
                let (method, target) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""));
                let path = target.split('?').next().unwrap_or("");
                let common = "Api-Version: 1.41\r\nServer: Docker/20.10.24 (linux)\r\nOstype: linux\r\n";
                if path.ends_with("/_ping") {
                    let body = if method == "HEAD" { "" } else { "OK" };
                    write!(
                        writer,
                        "HTTP/1.1 200 OK\r\n{common}Content-Type: text/plain\r\nContent-Length: 2\r\n\r\n{body}"
                    )?;
                } else if path.ends_with("/version") {
                    let version = r#"{"Version":"20.10.24","ApiVersion":"1.41","MinAPIVersion":"1.12","Os":"linux","Arch":"amd64"}"#;
                    write!(
                        writer,
                        "HTTP/1.1 200 OK\r\n{common}Content-Type: application/json\r\nContent-Length: {}\r\n\r\n{version}",
                        version.len()
                    )?;
                } else if method == "POST" && path.ends_with("/images/create") {
                    write!(
                        writer,
                        "HTTP/1.1 200 OK\r\n{common}Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
                    )?;
                    for chunk in body.chunks(16 * 1024) {
                        write!(writer, "{:x}\r\n", chunk.len())?;
                        writer.write_all(chunk)?;
                        writer.write_all(b"\r\n")?;
                    }
                    writer.write_all(b"0\r\n\r\n")?;
                } else {
                    let message = format!(r#"{{"message":"fake daemon: no {method} {path}"}}"#);
                    write!(
                        writer,
                        "HTTP/1.1 404 Not Found\r\n{common}Content-Type: application/json\r\nContent-Length: {}\r\n\r\n{message}",
                        message.len()
                    )?;
                }
                writer.flush()?;
            }
        });
    }
    std::process::exit(0)
}

/// `bench-worker --measure -- CMD ARGS...`: runs CMD and prints its CPU time and peak RSS as
/// `wait4` reports them. Spawning from this small process matters: Linux carries the parent's
/// peak RSS into a child's `ru_maxrss` across `exec`, so a big parent would hide the child's.
fn measure(argv: &[String]) -> ! {
    #[repr(C)]
    struct Rusage {
        utime: [i64; 2],
        stime: [i64; 2],
        maxrss: i64,
        rest: [i64; 13],
    }
    unsafe extern "C" {
        fn wait4(pid: i32, status: *mut i32, options: i32, usage: *mut Rusage) -> i32;
    }
    let child = Command::new(&argv[0])
        .args(&argv[1..])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| {
            println!("{}", json!({ "error": format!("{}: {e}", argv[0]) }));
            std::process::exit(1)
        });
    let pid = child.id() as i32;
    let mut child_out = String::new();
    std::io::Read::read_to_string(&mut child.stdout.expect("piped"), &mut child_out).ok();
    let mut status = 0;
    let mut usage = Rusage {
        utime: [0; 2],
        stime: [0; 2],
        maxrss: 0,
        rest: [0; 13],
    };
    // SAFETY: `usage` is a `struct rusage` (two timevals and fourteen longs on 64-bit Linux).
    let rc = unsafe { wait4(pid, &mut status, 0, &mut usage) };
    let cpu_s = (usage.utime[0] + usage.stime[0]) as f64 + (usage.utime[1] + usage.stime[1]) as f64 / 1e6;
    let exited_ok = rc == pid && status & 0x7f == 0 && (status >> 8) & 0xff == 0;
    let last_line = child_out.lines().rev().find(|l| l.starts_with('{')).unwrap_or("null");
    let child_json: Value = serde_json::from_str(last_line).unwrap_or(Value::Null);
    println!(
        "{}",
        json!({"exit_ok": exited_ok, "status": status, "cpu_s": cpu_s, "maxrss_kb": usage.maxrss, "child": child_json})
    );
    std::process::exit(0)
}

fn reply(out: &mut impl Write, value: Value) {
    writeln!(out, "{value}").expect("stdout");
    out.flush().expect("stdout");
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let arg = |name: &str| {
        args.iter()
            .position(|a| a == name)
            .and_then(|i| args.get(i + 1))
            .cloned()
    };
    if let Some(socket) = arg("--fake-daemon") {
        let events = arg("--events").and_then(|n| n.parse().ok()).unwrap_or(100_000);
        fake_daemon(&socket, events);
    }
    if let Some(i) = args.iter().position(|a| a == "--measure") {
        measure(&args[i + 2..]);
    }
    let which = arg("--impl").unwrap_or_else(|| {
        eprintln!(
            "usage: bench-worker --impl raw|raw-unix|dimg|dimg-blocking|bollard|cli|curl [--runtime multi|current] [--oneshot OP]"
        );
        std::process::exit(2)
    });
    let runtime_kind = arg("--runtime").unwrap_or_else(|| "multi".into());
    let s = Settings::from_env();
    let contender: Result<Box<dyn Contender>, Failure> = match which.as_str() {
        "raw" => Raw::new(s, false).map(|c| Box::new(c) as Box<dyn Contender>),
        "raw-unix" => Raw::new(s, true).map(|c| Box::new(c) as Box<dyn Contender>),
        "dimg" => Dimg::new(s, &runtime_kind).map(|c| Box::new(c) as Box<dyn Contender>),
        "dimg-blocking" => DimgBlocking::new(s).map(|c| Box::new(c) as Box<dyn Contender>),
        "bollard" => Bollard::new(s, &runtime_kind).map(|c| Box::new(c) as Box<dyn Contender>),
        "cli" => Ok(Box::new(Cli { s, curl: false })),
        "curl" => Ok(Box::new(Cli { s, curl: true })),
        other => Err(Failure::Error(format!("unknown contender {other}"))),
    };
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    let mut contender = match contender {
        Ok(c) => c,
        Err(Failure::Error(e) | Failure::Skip(e)) => {
            reply(&mut out, json!({ "error": e }));
            std::process::exit(1);
        }
    };

    if let Some(op) = arg("--oneshot") {
        let rss_kb_before = rss_kb();
        let cpu_before = cpu_ns();
        let result = contender.run(&op);
        let cpu = cpu_ns() - cpu_before;
        match result {
            Ok(extra) => reply(
                &mut out,
                json!({"ok": extra, "cpu_ns": cpu, "rss_kb_before": rss_kb_before, "rss_kb_after": rss_kb()}),
            ),
            Err(Failure::Skip(why)) => reply(&mut out, json!({ "skip": why })),
            Err(Failure::Error(e)) => reply(&mut out, json!({ "error": e })),
        }
        return;
    }

    reply(&mut out, json!({ "ready": which }));
    for line in std::io::stdin().lock().lines() {
        let Ok(line) = line else { break };
        let request: Value = match serde_json::from_str(&line) {
            Ok(v) => v,
            Err(e) => {
                reply(&mut out, json!({ "error": format!("bad request {line:?}: {e}") }));
                continue;
            }
        };
        let op = request["op"].as_str().unwrap_or("");
        let n = request["n"].as_u64().unwrap_or(1);
        // A failed run is not a sample; the others still count (the daemon is shared, and
        // another program may remove an image mid-run).
        let mut samples = Vec::with_capacity(n as usize);
        let mut last_error = None;
        let mut errors = 0;
        for _ in 0..n {
            let start = Instant::now();
            let result = contender.run(op);
            let elapsed = start.elapsed().as_nanos() as u64;
            match result {
                Ok(_) => samples.push(elapsed),
                Err(Failure::Skip(why)) => {
                    last_error = Some(json!({ "skip": why }));
                    break;
                }
                Err(Failure::Error(e)) => {
                    errors += 1;
                    last_error = Some(json!({ "error": e }));
                }
            }
        }
        match last_error {
            Some(skip) if skip.get("skip").is_some() => reply(&mut out, skip),
            Some(error) if samples.is_empty() => reply(&mut out, error),
            Some(error) => reply(
                &mut out,
                json!({ "ns": samples, "errors": errors, "last_error": error["error"] }),
            ),
            None => reply(&mut out, json!({ "ns": samples })),
        }
    }
}
