//! `dimg::blocking` against the scripted fake daemon: the same answers, errors and timeouts as
//! under Tokio, kept-alive connections the daemon closed, Ctrl-C-style interruption, and a
//! stream read where it cannot be. (The Python `Client` and libdimg run every real-engine test
//! of theirs through `dimg::blocking`; `engine.rs` has a real-engine round trip too.)

mod support;

use std::time::{Duration, Instant};

use dimg::blocking::{block_on, block_on_checked};
use dimg::{Client, Error, ListOptions, PullOptions};
use support::fake_daemon::{FRESH_PULL, FakeDaemon, Reply, Step};

const LIST: &str = r#"[{"Id":"sha256:aa","RepoTags":["tiny:1.0"],"RepoDigests":[],"Created":1,"Size":5,"SharedSize":-1,"VirtualSize":5,"Labels":null,"Containers":-1,"ParentId":""}]"#;

fn client(daemon: &FakeDaemon, timeout: Duration) -> Client {
    Client::builder()
        .socket_path(&daemon.path)
        .timeout(timeout)
        .build()
        .unwrap()
}

/// Runs blocking code off the test's runtime, whose threads serve the fake daemon.
async fn off_runtime<T: Send + 'static>(work: impl FnOnce() -> T + Send + 'static) -> T {
    tokio::task::spawn_blocking(work).await.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn answers_errors_and_streams_are_the_same_as_under_tokio() {
    let daemon = FakeDaemon::start(|seen| match seen.target() {
        t if t.contains("/images/json") => Reply::json(200, LIST),
        t if t.contains("/images/gone") => Reply::json(404, r#"{"message":"No such image: gone:latest"}"#),
        t if t.contains("/images/create") => {
            let bytes: Vec<&[u8]> = FRESH_PULL.chunks(7).collect();
            Reply::chunked(200, &bytes, Duration::ZERO, true)
        }
        _ => Reply::json(400, "plain text, not JSON"),
    });
    let docker = client(&daemon, Duration::from_secs(5));
    let expected = docker
        .images()
        .pull("tiny:1.0", &PullOptions::new())
        .finish()
        .await
        .unwrap();
    let (list, gone, pulled, bad, ping) = off_runtime(move || {
        let images = docker.images();
        (
            block_on(images.list(&ListOptions::new())),
            block_on(images.inspect("gone")),
            block_on(images.pull("tiny:1.0", &PullOptions::new()).finish()),
            block_on(images.search("x", &dimg::SearchOptions::new())),
            block_on(docker.ping()),
        )
    })
    .await;
    let list = list.unwrap();
    assert_eq!(list.len(), 1);
    assert_eq!(list[0].repo_tags, ["tiny:1.0"]);
    assert!(matches!(gone, Err(Error::NotFound(m)) if m == "No such image: gone:latest"));
    let pulled = pulled.unwrap();
    assert_eq!(pulled.events, expected.events);
    assert_eq!(pulled.digest, expected.digest);
    assert_eq!(pulled.outcome, expected.outcome);
    assert!(matches!(bad, Err(Error::Api { status: 400, .. })), "{bad:?}");
    assert_eq!(ping.unwrap().api_version.unwrap().to_string(), "1.41");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn timeouts_hold_for_a_slow_reply_and_a_quiet_stream() {
    let daemon = FakeDaemon::start(|seen| {
        if seen.target().contains("/images/create") {
            Reply::pull_started().then(Step::Sleep(Duration::from_secs(30)))
        } else {
            Reply(vec![Step::Sleep(Duration::from_secs(30))])
        }
    });
    let docker = client(&daemon, Duration::from_millis(300));
    let (list, list_took, first, quiet, quiet_took) = off_runtime(move || {
        let started = Instant::now();
        let list = block_on(docker.images().list(&ListOptions::new()));
        let list_took = started.elapsed();
        let mut pull = docker.images().pull("tiny:1.0", &PullOptions::new());
        let first = block_on(pull.next_event());
        let started = Instant::now();
        let quiet = block_on(pull.next_event());
        (list, list_took, first, quiet, started.elapsed())
    })
    .await;
    assert!(
        matches!(list, Err(Error::Timeout(d)) if d == Duration::from_millis(300)),
        "{list:?}"
    );
    assert!(
        (Duration::from_millis(290)..Duration::from_secs(3)).contains(&list_took),
        "{list_took:?}"
    );
    assert!(first.unwrap().is_ok());
    assert!(matches!(quiet, Some(Err(Error::Timeout(_)))), "{quiet:?}");
    assert!(
        (Duration::from_millis(290)..Duration::from_secs(3)).contains(&quiet_took),
        "{quiet_took:?}"
    );
}

/// Nothing watches an idle connection between two blocking calls: a GET finds out on use that
/// the daemon closed it and is sent again on a new one; a pull (which must never be sent twice)
/// reads the connection first and goes to a new one without sending anything on the old.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_kept_alive_connection_the_daemon_closed_is_replaced() {
    let daemon = FakeDaemon::start(|seen| {
        let reply = if seen.target().contains("/images/json") {
            Reply::json(200, LIST)
        } else {
            Reply::fresh_pull(Duration::ZERO)
        };
        // Answered in full (with a length, no `Connection: close`), then closed once the
        // client has read the answer and put the connection back in its pool.
        reply.then(Step::Sleep(Duration::from_millis(20))).then(Step::Close)
    });
    let docker = client(&daemon, Duration::from_secs(5));
    let (first, second, pull, after) = off_runtime({
        let docker = docker.clone();
        move || {
            let first = block_on(docker.images().list(&ListOptions::new()));
            std::thread::sleep(Duration::from_millis(50)); // the daemon has closed it by now
            let second = block_on(docker.images().list(&ListOptions::new()));
            std::thread::sleep(Duration::from_millis(50));
            let pull = block_on(docker.images().pull("tiny:1.0", &PullOptions::new()).finish());
            std::thread::sleep(Duration::from_millis(50));
            let after = block_on(docker.images().list(&ListOptions::new()));
            (first, second, pull, after)
        }
    })
    .await;
    assert_eq!(first.unwrap().len(), 1);
    assert_eq!(second.unwrap().len(), 1, "the GET was sent again on a new connection");
    assert_eq!(pull.unwrap().events, 9);
    assert_eq!(after.unwrap().len(), 1);
    let calls: Vec<String> = daemon.calls().iter().map(|c| c.request_line.clone()).collect();
    let pulls = calls.iter().filter(|c| c.starts_with("POST ")).count();
    assert_eq!(pulls, 1, "the pull reached the daemon once: {calls:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failing_check_stops_the_call_and_closes_its_connection() {
    // A list answer that trickles in (whitespace, 20 ms apart) for 10 s: the daemon notices a
    // closed connection at its next write.
    let daemon = FakeDaemon::start(|_| {
        let spaces: Vec<&[u8]> = std::iter::repeat_n(&b" "[..], 500).collect();
        Reply::chunked(200, &spaces, Duration::from_millis(20), true)
    });
    let docker = Client::builder()
        .socket_path(&daemon.path)
        .no_timeout()
        .build()
        .unwrap();
    let closed_before = daemon.closed();
    let (result, checks, took) = off_runtime(move || {
        let started = Instant::now();
        let mut checks = 0;
        let result = block_on_checked(
            docker.images().list(&ListOptions::new()),
            Duration::from_millis(20),
            || {
                checks += 1;
                if checks == 5 { Err("interrupted") } else { Ok(()) }
            },
        );
        (result.map(|r| r.map(|l| l.len())), checks, started.elapsed())
    })
    .await;
    assert!(matches!(result, Err("interrupted")), "{result:?}");
    assert_eq!(checks, 5);
    assert!(took < Duration::from_secs(2), "{took:?}");
    let deadline = Instant::now() + Duration::from_secs(5);
    while daemon.closed() <= closed_before && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert!(daemon.closed() > closed_before, "the request's connection was closed");
}

/// A pull started under `block_on` holds a connection only `block_on` can wait for; read under
/// Tokio it ends with a protocol error instead of waiting forever.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stream_started_under_block_on_and_read_elsewhere_is_an_error_not_a_hang() {
    let daemon = FakeDaemon::start(|_| Reply::fresh_pull(Duration::from_millis(50)));
    let docker = client(&daemon, Duration::from_secs(5));
    let mut pull = off_runtime(move || {
        let mut pull = docker.images().pull("tiny:1.0", &PullOptions::new());
        assert!(block_on(pull.next_event()).unwrap().is_ok());
        pull
    })
    .await;
    let next = tokio::time::timeout(Duration::from_secs(5), async {
        loop {
            match pull.next_event().await {
                Some(Ok(_)) => continue, // events already buffered
                other => return other,
            }
        }
    })
    .await
    .expect("no hang");
    assert!(matches!(next, Some(Err(Error::Protocol { .. }))), "{next:?}");
}

#[test]
fn connection_problems_are_the_same_typed_errors() {
    let missing = std::env::temp_dir().join(format!("dimg-blocking-missing-{}.sock", std::process::id()));
    let docker = Client::with_socket(&missing);
    let started = Instant::now();
    let err = block_on(docker.images().list(&ListOptions::new())).unwrap_err();
    assert!(started.elapsed() < Duration::from_secs(2));
    match &err {
        Error::Connect { address, source, .. } => {
            assert_eq!(*address, format!("unix://{}", missing.display()));
            assert_eq!(source.kind(), std::io::ErrorKind::NotFound);
        }
        other => panic!("{other:?}"),
    }
    let err = block_on(Client::builder().host("tcp://127.0.0.1:1").build().unwrap().ping()).unwrap_err();
    assert!(matches!(err, Error::Connect { .. }), "{err:?}");
}

/// The other way round works: a pull started under Tokio (its connection registered with the
/// runtime's I/O driver, which keeps running) can be finished under `block_on`, woken through
/// its waker.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stream_started_under_tokio_can_be_finished_under_block_on() {
    let daemon = FakeDaemon::start(|_| Reply::fresh_pull(Duration::from_millis(30)));
    let docker = client(&daemon, Duration::from_secs(5));
    let mut pull = docker.images().pull("tiny:1.0", &PullOptions::new());
    assert!(pull.next_event().await.unwrap().is_ok());
    let summary = off_runtime(move || block_on(pull.finish())).await.unwrap();
    assert_eq!(summary.events, 9);
}

/// The Podman list race is asked again after a pause (10, 20, ... ms): the pause is a timer of
/// `block_on`'s own here.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_podman_list_retry_waits_on_block_ons_timer() {
    const RACE: &str = r#"{"message":"locating image with ID \"17dd\": image not known","response":500}"#;
    let lists = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let podman = FakeDaemon::start_podman({
        let lists = lists.clone();
        move |_| {
            if lists.fetch_add(1, std::sync::atomic::Ordering::SeqCst) < 3 {
                Reply::json(500, RACE)
            } else {
                Reply::json(200, LIST)
            }
        }
    });
    let docker = client(&podman, Duration::from_secs(5));
    let (listed, took) = off_runtime(move || {
        let started = Instant::now();
        (block_on(docker.images().list(&ListOptions::new())), started.elapsed())
    })
    .await;
    assert_eq!(listed.unwrap().len(), 1);
    assert_eq!(podman.calls().len(), 4);
    assert!(took >= Duration::from_millis(60), "paused 10 + 20 + 30 ms: {took:?}");
}
