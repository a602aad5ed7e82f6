//! `dimg::blocking::Client` against the scripted fake daemon: the same answers, errors and
//! timeouts as the async client, kept-alive connections the daemon closed, Ctrl-C-style
//! interruption, progress callbacks, re-entry, and streams read on other threads. (The Python
//! `Client` and libdimg run every real-engine test of theirs through it; `engine.rs` has a
//! real-engine round trip too.)

mod support;

use std::sync::Arc;
use std::time::{Duration, Instant};

use dimg::{Client, Error, ListOptions, PullOptions, blocking};
use support::fake_daemon::{FRESH_PULL, FakeDaemon, Reply, Step};

const LIST: &str = r#"[{"Id":"sha256:aa","RepoTags":["tiny:1.0"],"RepoDigests":[],"Created":1,"Size":5,"SharedSize":-1,"VirtualSize":5,"Labels":null,"Containers":-1,"ParentId":""}]"#;

fn client(daemon: &FakeDaemon, timeout: Duration) -> blocking::Client {
    Client::builder()
        .socket_path(&daemon.path)
        .timeout(timeout)
        .build_blocking()
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
    let expected = Client::with_socket(&daemon.path)
        .images()
        .pull("tiny:1.0", &PullOptions::new())
        .finish()
        .await
        .unwrap();
    let (list, gone, pulled, bad, ping) = off_runtime(move || {
        let images = docker.images();
        (
            images.list(&ListOptions::new()),
            images.inspect("gone"),
            images.pull("tiny:1.0", &PullOptions::new()).finish(),
            images.search("x", &dimg::SearchOptions::new()),
            docker.ping(),
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
        let list = docker.images().list(&ListOptions::new());
        let list_took = started.elapsed();
        let mut pull = docker.images().pull("tiny:1.0", &PullOptions::new());
        let first = pull.next_event();
        let started = Instant::now();
        let quiet = pull.next_event();
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
            let first = docker.images().list(&ListOptions::new());
            std::thread::sleep(Duration::from_millis(50)); // the daemon has closed it by now
            let second = docker.images().list(&ListOptions::new());
            std::thread::sleep(Duration::from_millis(50));
            let pull = docker.images().pull("tiny:1.0", &PullOptions::new()).finish();
            std::thread::sleep(Duration::from_millis(50));
            let after = docker.images().list(&ListOptions::new());
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
    let checks = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let docker = Client::builder()
        .socket_path(&daemon.path)
        .no_timeout()
        .build_blocking()
        .unwrap()
        .interrupt_check(Duration::from_millis(20), {
            let checks = checks.clone();
            Arc::new(move || {
                let n = checks.fetch_add(1, std::sync::atomic::Ordering::SeqCst) + 1;
                if n == 5 { Err("interrupted".into()) } else { Ok(()) }
            })
        });
    let closed_before = daemon.closed();
    let (result, took) = off_runtime(move || {
        let started = Instant::now();
        (docker.images().list(&ListOptions::new()), started.elapsed())
    })
    .await;
    assert!(
        matches!(&result, Err(Error::Interrupted(why)) if why.to_string() == "interrupted"),
        "{result:?}"
    );
    assert_eq!(checks.load(std::sync::atomic::Ordering::SeqCst), 5);
    assert!(took < Duration::from_secs(2), "{took:?}");
    let deadline = Instant::now() + Duration::from_secs(5);
    while daemon.closed() <= closed_before && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert!(daemon.closed() > closed_before, "the request's connection was closed");
}

/// A progress callback sees every event in order, runs inside the call (a blocking call made
/// from it is refused, not nested), and stops the pull with its own error.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn progress_callbacks_see_every_event_cannot_reenter_and_can_stop_the_pull() {
    let daemon = FakeDaemon::start(|_| Reply::fresh_pull(Duration::from_millis(5)));
    let docker = client(&daemon, Duration::from_secs(5));
    let (seen, reentered, stopped, inside_after) = off_runtime(move || {
        let mut seen = Vec::new();
        let mut reentered = None;
        let summary = docker
            .images()
            .pull("tiny:1.0", &PullOptions::new())
            .finish_with(|event| {
                seen.push(event.status.clone());
                if reentered.is_none() {
                    reentered = Some((blocking::inside_call(), docker.ping()));
                }
                Ok(())
            })
            .unwrap();
        assert_eq!(summary.events, seen.len());
        let mut calls = 0;
        let stopped = docker.images().pull("tiny:1.0", &PullOptions::new()).finish_with(|_| {
            calls += 1;
            if calls == 2 { Err("enough".into()) } else { Ok(()) }
        });
        (seen, reentered.unwrap(), (stopped, calls), blocking::inside_call())
    })
    .await;
    assert_eq!(seen.len(), 9);
    assert!(seen[0].starts_with("Pulling from"), "{seen:?}");
    assert!(reentered.0, "the callback runs inside the call");
    assert!(matches!(reentered.1, Err(Error::Reentrant(_))), "{:?}", reentered.1);
    assert!(
        matches!(&stopped.0, Err(Error::Interrupted(why)) if why.to_string() == "enough"),
        "{:?}",
        stopped.0
    );
    assert_eq!(stopped.1, 2, "no event after the callback's error");
    assert!(!inside_after);
}

/// A blocking pull stream is `Send`: begun on one thread, it can be read to its end on another
/// (each read drives it there); an async one can be finished on another runtime.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn streams_can_be_read_on_another_thread_or_runtime() {
    let daemon = FakeDaemon::start(|_| Reply::fresh_pull(Duration::from_millis(20)));
    let docker = client(&daemon, Duration::from_secs(5));
    let mut pull = docker.images().pull("tiny:1.0", &PullOptions::new());
    let first = off_runtime(move || {
        let first = pull.next_event();
        (first, pull)
    })
    .await;
    let (first, pull) = first;
    assert!(first.unwrap().is_ok());
    let summary = std::thread::spawn(move || pull.finish()).join().unwrap().unwrap();
    assert_eq!(summary.events, 9);

    let mut pull = Client::with_socket(&daemon.path)
        .images()
        .pull("tiny:1.0", &PullOptions::new());
    assert!(pull.next_event().await.unwrap().is_ok());
    let summary = off_runtime(move || {
        let other = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        other.block_on(pull.finish())
    })
    .await
    .unwrap();
    assert_eq!(summary.events, 9);
}

#[test]
fn connection_problems_are_the_same_typed_errors() {
    let missing = std::env::temp_dir().join(format!("dimg-blocking-missing-{}.sock", std::process::id()));
    let docker = blocking::Client::with_socket(&missing);
    let started = Instant::now();
    let err = docker.images().list(&ListOptions::new()).unwrap_err();
    assert!(started.elapsed() < Duration::from_secs(2));
    match &err {
        Error::Connect { address, source, .. } => {
            assert_eq!(*address, format!("unix://{}", missing.display()));
            assert_eq!(source.kind(), std::io::ErrorKind::NotFound);
        }
        other => panic!("{other:?}"),
    }
    let err = Client::builder()
        .host("tcp://127.0.0.1:1")
        .build_blocking()
        .unwrap()
        .ping()
        .unwrap_err();
    assert!(matches!(err, Error::Connect { .. }), "{err:?}");
}

/// The Podman list race is asked again after a pause (10, 20, ... ms): the pause is a timer of
/// the blocking client's own here.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_podman_list_retry_waits_on_the_blocking_clients_timer() {
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
        (docker.images().list(&ListOptions::new()), started.elapsed())
    })
    .await;
    assert_eq!(listed.unwrap().len(), 1);
    assert_eq!(podman.calls().len(), 4);
    assert!(took >= Duration::from_millis(60), "paused 10 + 20 + 30 ms: {took:?}");
}
