//! Per-call limits ([`Timeouts`], `Client::with_timeouts`): `total` for a whole non-streaming
//! call, `connect` for opening a connection, `idle` between two chunks of a pull's stream.
//!
//! `total` runs against the scripted fake daemon (a daemon that accepts a request and never
//! answers it, which a real one does not do on demand); `connect` against a TCP port that
//! refuses and one whose accept queue is full (the kernel drops the SYN: the connect hangs);
//! `idle` against the real dockerd, pulling through the engine's fault proxy while it stalls the
//! image's layer blob. Whether the pull's connection is closed after its limit is read from this
//! process's open descriptors (`/proc/self/fd`), so the tests of this file take turns (a lock
//! file: nextest runs them in processes of their own, `cargo test` in threads of one).

mod support;

use std::net::TcpListener;
use std::os::fd::AsRawFd;
use std::time::{Duration, Instant};

use dimg::{ApiVersion, Client, Error, ListOptions, PullOptions, PullPhase, RetryPolicy, Timeouts};
use serde_json::json;
use support::engine::{cleanup, docker_host};
use support::fake_daemon::{FakeDaemon, Reply, Seen, Step};

#[path = "support/faults.rs"]
mod faults;

use faults::{Rules, proxy, seeded, turn};

/// How late past its limit a call may end (a loaded 2-vCPU machine).
const SLACK: Duration = Duration::from_millis(700);

/// This process's open descriptors.
fn open_fds() -> usize {
    std::fs::read_dir("/proc/self/fd").unwrap().count()
}

/// Runs `call`, checking it ended with `Error::Timeout(limit)` no sooner than `limit` and no
/// later than `limit + SLACK`.
async fn times_out<T: std::fmt::Debug>(limit: Duration, call: impl std::future::Future<Output = dimg::Result<T>>) {
    let started = Instant::now();
    let result = call.await;
    let took = started.elapsed();
    assert!(matches!(result, Err(Error::Timeout(l)) if l == limit), "{result:?}");
    assert!(
        took >= limit && took <= limit + SLACK,
        "{took:?} for a limit of {limit:?}"
    );
}

const INSPECT: &str = r#"{"Id":"sha256:aa","RepoTags":["tiny:1.0"],"Os":"linux","Architecture":"amd64"}"#;

/// A daemon that answers an inspect of `slow:1.0` after 600 ms, and never answers an inspect of
/// `stuck:1.0` or a list.
fn slow_daemon() -> FakeDaemon {
    FakeDaemon::start(|seen: &Seen| match seen.target() {
        "/v1.41/images/slow:1.0/json" => {
            let mut reply = Reply::json(200, INSPECT);
            reply.0.insert(0, Step::Sleep(Duration::from_millis(600)));
            reply
        }
        _ => Reply(vec![Step::Sleep(Duration::from_secs(3600))]),
    })
}

/// A client of `daemon` at API 1.41 without asking (no ping: each call below is one
/// connection), with `total` as its own limit.
fn client(daemon: &FakeDaemon, total: Duration) -> Client {
    Client::builder()
        .socket_path(&daemon.path)
        .api_version(ApiVersion::new(1, 41))
        .timeout(total)
        .build()
        .unwrap()
}

#[tokio::test]
async fn a_per_call_total_limit_ends_that_call_and_the_client_keeps_its_own() {
    let _turn = turn("core-timeouts");
    let daemon = slow_daemon();
    let base = client(&daemon, Duration::from_secs(5));
    let limit = Duration::from_millis(300);
    let quick = base.with_timeouts(Timeouts {
        total: Some(limit),
        ..base.timeouts()
    });
    assert_eq!(quick.timeouts().connect, base.timeouts().connect);
    assert_eq!(quick.timeouts().idle, Some(Duration::from_secs(5)));

    times_out(limit, quick.images().inspect("stuck:1.0")).await;
    times_out(limit, quick.images().list(&ListOptions::new())).await;
    times_out(limit, quick.images().inspect("slow:1.0")).await;

    // The client it came from still has 5 s: the same slow answer arrives.
    assert_eq!(base.timeouts().total, Some(Duration::from_secs(5)));
    let started = Instant::now();
    assert_eq!(base.images().inspect("slow:1.0").await.unwrap().id, "sha256:aa");
    assert!(started.elapsed() >= Duration::from_millis(600));
    assert_eq!(daemon.calls().len(), 4);

    // A timeout is transient: with a retry policy the call is made again, on a new
    // connection, under the same limit each time.
    let patient = quick.with_retry(Some(RetryPolicy::new(2).initial_backoff(Duration::ZERO)));
    let err = patient.images().inspect("stuck:1.0").await.unwrap_err();
    assert!(
        matches!(&err, Error::Retried { attempts: 2, last } if matches!(**last, Error::Timeout(l) if l == limit)),
        "{err:?}"
    );
    assert_eq!(daemon.calls().len(), 6);
    // Each timed-out call's connection was dropped, not kept for the next call: 6 calls on 5
    // connections, the answered inspect's being the one the first retried attempt reused
    // (this daemon's sockets are in this process, so descriptors cannot tell).
    assert_eq!(daemon.connections(), 5);
}

#[tokio::test]
async fn the_blocking_client_has_per_call_total_limits_too() {
    let _turn = turn("core-timeouts");
    let daemon = slow_daemon();
    let path = daemon.path.clone();
    let (quick_took, quick, base) = tokio::task::spawn_blocking(move || {
        let base = Client::builder()
            .socket_path(&path)
            .api_version(ApiVersion::new(1, 41))
            .timeout(Duration::from_secs(5))
            .build_blocking()
            .unwrap();
        let quick = base.with_timeouts(Timeouts {
            total: Some(Duration::from_millis(300)),
            ..base.timeouts()
        });
        let started = Instant::now();
        let timed_out = quick.images().inspect("slow:1.0");
        let took = started.elapsed();
        (took, timed_out, base.images().inspect("slow:1.0"))
    })
    .await
    .unwrap();
    assert!(
        matches!(quick, Err(Error::Timeout(l)) if l == Duration::from_millis(300)),
        "{quick:?}"
    );
    assert!(quick_took >= Duration::from_millis(300) && quick_took <= Duration::from_millis(300) + SLACK);
    assert_eq!(base.unwrap().id, "sha256:aa");
}

/// A TCP port whose accept queue is full: the listener is told to queue no connection (a
/// second `listen(2)` with a backlog of 0 keeps one) and one connection fills it, so the
/// kernel drops the SYN of the next and its connect hangs.
struct FullBacklog {
    _listener: TcpListener,
    _queued: std::net::TcpStream,
    address: String,
}

impl FullBacklog {
    fn new() -> FullBacklog {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        // SAFETY: listen(2) on a socket this function owns.
        assert_eq!(unsafe { libc::listen(listener.as_raw_fd(), 0) }, 0);
        let address = listener.local_addr().unwrap().to_string();
        let queued = std::net::TcpStream::connect(&address).unwrap();
        let probe = std::net::TcpStream::connect_timeout(&address.parse().unwrap(), Duration::from_millis(200));
        assert!(probe.is_err(), "the backlog is not full: {probe:?}");
        FullBacklog {
            _listener: listener,
            _queued: queued,
            address,
        }
    }
}

fn connect_timed_out(result: &dimg::Result<dimg::Ping>) -> bool {
    matches!(result, Err(Error::Connect { reason, .. }) if reason == "connect timed out")
}

#[tokio::test]
async fn a_per_call_connect_limit_against_a_port_that_never_accepts() {
    let _turn = turn("core-timeouts");
    let full = FullBacklog::new();
    let base = Client::builder()
        .host(&format!("tcp://{}", full.address))
        .timeouts(Timeouts {
            connect: Some(Duration::from_secs(30)),
            ..Timeouts::default()
        })
        .build()
        .unwrap();
    let limit = Duration::from_millis(300);
    let quick = base.with_timeouts(Timeouts {
        connect: Some(limit),
        ..base.timeouts()
    });
    assert_eq!(base.timeouts().connect, Some(Duration::from_secs(30)));

    // The connect limit's failure is a connection error, which says so (not `Timeout`: no
    // daemon was reached, and it is not retried).
    let started = Instant::now();
    let result = quick.ping().await;
    let took = started.elapsed();
    assert!(connect_timed_out(&result), "{result:?}");
    assert!(took >= limit && took <= limit + SLACK, "{took:?}");
    let err = result.unwrap_err();
    assert_eq!(
        err.to_string(),
        format!(
            "cannot connect to the Docker daemon at tcp://{}: connect timed out",
            full.address
        )
    );
    assert!(!err.is_transient());

    // A total limit shorter than the connect limit ends the call first.
    let total = Duration::from_millis(200);
    let shorter = base.with_timeouts(Timeouts {
        total: Some(total),
        ..base.timeouts()
    });
    times_out(total, shorter.ping()).await;

    // The blocking client waits for its connect under the same limit.
    let address = full.address.clone();
    let (result, took) = tokio::task::spawn_blocking(move || {
        let blocking = Client::builder()
            .host(&format!("tcp://{address}"))
            .connect_timeout(Duration::from_secs(30))
            .build_blocking()
            .unwrap();
        let quick = blocking.with_timeouts(Timeouts {
            connect: Some(Duration::from_millis(300)),
            ..blocking.timeouts()
        });
        let started = Instant::now();
        (quick.ping(), started.elapsed())
    })
    .await
    .unwrap();
    assert!(connect_timed_out(&result), "{result:?}");
    assert!(took >= limit && took <= limit + SLACK, "{took:?}");
}

#[tokio::test]
async fn a_refused_connection_fails_at_once_whatever_the_connect_limit() {
    let _turn = turn("core-timeouts");
    // The engine's refused port (`DIMG_TEST_SSH_UNREACHABLE`, ssh://root@127.0.0.1:PORT).
    let unreachable = std::env::var("DIMG_TEST_SSH_UNREACHABLE").expect("DIMG_TEST_SSH_UNREACHABLE");
    let port = unreachable.rsplit(':').next().unwrap();
    let client = Client::builder()
        .host(&format!("tcp://127.0.0.1:{port}"))
        .connect_timeout(Duration::from_secs(30))
        .build()
        .unwrap();
    let started = Instant::now();
    let err = client.ping().await.unwrap_err();
    assert!(
        matches!(&err, Error::Connect { reason, .. } if reason == "connection refused (nothing is listening)"),
        "{err:?}"
    );
    assert!(started.elapsed() < Duration::from_secs(1), "{:?}", started.elapsed());
}

#[tokio::test]
async fn a_pull_s_idle_limit_fires_while_the_registry_stalls_a_blob_and_its_connection_is_closed() {
    let _turn = turn("core-timeouts");
    let _blobs = turn("t/p32");
    let layer = seeded("t/p32")["layers"][0]["digest"].as_str().unwrap().to_string();
    let reference = format!("{}/t/p32:1.0", proxy());
    // No ping (the version is given) and policy Always (no inspect first): the pull is the
    // only connection this client opens (setup and checks use another client).
    let setup = support::engine::docker();
    cleanup(&setup, &reference).await;
    let docker = Client::builder()
        .host(&docker_host())
        .api_version(ApiVersion::new(1, 41))
        .build()
        .unwrap();
    let idle = Duration::from_secs(1);
    let quick = docker.with_timeouts(Timeouts {
        idle: Some(idle),
        ..docker.timeouts()
    });
    assert_eq!(docker.timeouts().idle, Some(Duration::from_secs(120)));

    // The proxy holds the layer's GET for 10 s before forwarding it.
    let rules = Rules::add(
        "t/p32",
        json!([{"path": format!("/t/p32/blobs/{layer}"), "action": "stall", "seconds": 10, "times": 1}]),
    );
    let before = open_fds();
    let mut pull = quick.images().pull(&reference, &PullOptions::new());
    let mut phases = Vec::new();
    let mut last_event = Instant::now();
    let mut during = None;
    let err = loop {
        match pull.next_event().await.expect("the stream ends with an error") {
            Ok(event) => {
                during.get_or_insert_with(open_fds);
                phases.push(event.phase);
                last_event = Instant::now();
            }
            Err(err) => break err,
        }
    };
    let quiet = last_event.elapsed();
    assert!(matches!(err, Error::Timeout(l) if l == idle), "{err:?}");
    assert!(quiet >= idle && quiet <= idle + SLACK, "{quiet:?}");
    assert_eq!(phases.first(), Some(&PullPhase::PullingFrom), "{phases:?}");
    assert!(phases.contains(&PullPhase::PullingFsLayer), "{phases:?}");
    assert!(!phases.contains(&PullPhase::PullComplete), "{phases:?}");
    assert_eq!(during, Some(before + 1), "the pull's connection, while it streamed");
    assert_eq!(
        open_fds(),
        before,
        "closed as the limit fired, with the stream still held"
    );
    assert!(pull.next_event().await.is_none());
    drop(pull);
    assert_eq!(open_fds(), before);

    // Closing the connection cancelled the pull in the daemon: the image never arrives.
    drop(rules);
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(setup.images().inspect(&reference).await.unwrap_err().is_not_found());
    cleanup(&setup, &reference).await;
}

#[tokio::test]
async fn the_blocking_client_s_pull_has_the_idle_limit_too() {
    let _turn = turn("core-timeouts");
    // A pull stream that begins, then says nothing for an hour.
    let daemon = FakeDaemon::start(|_| Reply::pull_started().then(Step::Sleep(Duration::from_secs(3600))));
    let path = daemon.path.clone();
    let (events, err, quiet) = tokio::task::spawn_blocking(move || {
        let docker = Client::builder()
            .socket_path(&path)
            .api_version(ApiVersion::new(1, 41))
            .build_blocking()
            .unwrap();
        let quick = docker.with_timeouts(Timeouts {
            idle: Some(Duration::from_millis(400)),
            ..docker.timeouts()
        });
        let mut pull = quick.images().pull("tiny:1.0", &PullOptions::new());
        let first = pull.next_event().unwrap().unwrap();
        let after_first = Instant::now();
        let err = pull.next_event().unwrap().unwrap_err();
        (vec![first], err, after_first.elapsed())
    })
    .await
    .unwrap();
    assert_eq!(events[0].phase, PullPhase::PullingFrom);
    assert!(
        matches!(err, Error::Timeout(l) if l == Duration::from_millis(400)),
        "{err:?}"
    );
    assert!(
        quiet >= Duration::from_millis(400) && quiet <= Duration::from_millis(400) + SLACK,
        "{quiet:?}"
    );
}
