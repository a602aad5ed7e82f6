//! Behaviour a real daemon cannot show on demand, against a scripted fake daemon: split
//! chunks, errors and disconnects mid-stream, slow replies, and exactly what reaches the socket.

mod support;

use std::time::{Duration, Instant};

use dimg::{
    Client, Error, ImageFilter, ListOptions, PullOptions, PullOutcome, PullPhase, RemoveOptions, SearchOptions,
};
use support::fake_daemon::{FakeDaemon, Reply, Step};

use support::fake_daemon::FRESH_PULL as FRESH;

fn client(daemon: &FakeDaemon) -> Client {
    Client::builder()
        .socket_path(&daemon.path)
        .timeout(Duration::from_secs(5))
        .build()
        .unwrap()
}

async fn wait_for(mut condition: impl FnMut() -> bool) -> bool {
    let deadline = Instant::now() + Duration::from_secs(5);
    while Instant::now() < deadline {
        if condition() {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    false
}

#[tokio::test]
async fn a_pull_stream_split_at_every_byte_decodes_like_the_whole() {
    let daemon = FakeDaemon::start(|_| {
        let bytes: Vec<&[u8]> = FRESH.chunks(1).collect();
        Reply::chunked(200, &bytes, Duration::ZERO, true)
    });
    let docker = client(&daemon);
    let mut pull = docker.images().pull("127.0.0.1:5000/tiny:1.0", &PullOptions::new());
    let mut phases = Vec::new();
    while let Some(event) = pull.next_event().await {
        phases.push(event.unwrap().phase);
    }
    assert_eq!(phases.len(), 9);
    assert_eq!(phases[0], PullPhase::PullingFrom);
    assert_eq!(phases[8], PullPhase::Status);
    let summary = pull.summary();
    assert_eq!(summary.outcome, PullOutcome::Downloaded);
    assert_eq!(summary.reference, "127.0.0.1:5000/tiny:1.0");
    assert!(summary.digest.as_deref().unwrap().starts_with("sha256:9f7a"));
    let calls = daemon.calls();
    assert_eq!(calls.len(), 1);
    assert_eq!(
        calls[0].request_line,
        "POST /v1.41/images/create?fromImage=127.0.0.1%3A5000%2Ftiny&tag=1.0 HTTP/1.1"
    );
    assert_eq!(calls[0].header("x-registry-auth"), Some("e30="));
}

#[tokio::test]
async fn a_last_line_without_newline_and_crlf_chunks_are_decoded() {
    let daemon = FakeDaemon::start(|_| {
        Reply::chunked(
            200,
            &[b"{\"status\":\"Pulling from tiny\",\"id\":\"1.0\"}\r", b"\n\r\n{\"status\":\"Digest: sha256:ab\"}\r\n{\"status\":\"Status: Image is up to date for tiny:1.0\"}"],
            Duration::ZERO,
            true,
        )
    });
    let summary = client(&daemon)
        .images()
        .pull("tiny:1.0", &PullOptions::new())
        .finish()
        .await
        .unwrap();
    assert_eq!(summary.outcome, PullOutcome::UpToDate);
    assert_eq!(summary.digest.as_deref(), Some("sha256:ab"));
    assert_eq!(summary.events, 3);
}

#[tokio::test]
async fn an_error_detail_inside_a_200_stream_is_an_error_after_the_events_before_it() {
    let daemon = FakeDaemon::start(|_| {
        Reply::chunked(
            200,
            &[
                b"{\"status\":\"Pulling from tiny\",\"id\":\"1.0\"}\r\n",
                b"{\"status\":\"Pulling fs layer\",\"progressDetail\":{},\"id\":\"d8a34c5205df\"}\r\n",
                b"{\"errorDetail\":{\"message\":\"unexpected EOF\"},\"error\":\"unexpected EOF\"}\r\n",
                b"{\"status\":\"never read\"}\r\n",
            ],
            Duration::ZERO,
            true,
        )
    });
    let docker = client(&daemon);
    let mut pull = docker.images().pull("tiny:1.0", &PullOptions::new());
    assert_eq!(pull.next_event().await.unwrap().unwrap().phase, PullPhase::PullingFrom);
    assert_eq!(
        pull.next_event().await.unwrap().unwrap().phase,
        PullPhase::PullingFsLayer
    );
    let err = pull.next_event().await.unwrap().unwrap_err();
    assert!(
        matches!(&err, Error::Pull { message, .. } if message == "unexpected EOF"),
        "{err:?}"
    );
    assert!(pull.next_event().await.is_none(), "the stream ends after its error");
    let err = docker
        .images()
        .pull("tiny:1.0", &PullOptions::new())
        .finish()
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Pull { .. }));
}

#[tokio::test]
async fn a_connection_closed_mid_stream_is_a_protocol_error() {
    let daemon = FakeDaemon::start(|_| Reply::pull_started().then(Step::Close));
    let err = client(&daemon)
        .images()
        .pull("tiny:1.0", &PullOptions::new())
        .finish()
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Protocol { .. }), "{err:?}");
}

#[tokio::test]
async fn a_reply_slower_than_the_timeout_is_a_timeout() {
    let daemon = FakeDaemon::start(|_| Reply(vec![Step::Sleep(Duration::from_secs(30))]));
    let docker = Client::builder()
        .socket_path(&daemon.path)
        .timeout(Duration::from_millis(300))
        .build()
        .unwrap();
    let started = Instant::now();
    let err = docker.images().list(&ListOptions::new()).await.unwrap_err();
    assert!(
        matches!(err, Error::Timeout(d) if d == Duration::from_millis(300)),
        "{err:?}"
    );
    assert!(started.elapsed() < Duration::from_secs(5));
}

#[tokio::test]
async fn a_pull_stream_that_goes_quiet_times_out() {
    let daemon = FakeDaemon::start(|_| Reply::pull_started().then(Step::Sleep(Duration::from_secs(30))));
    let docker = Client::builder()
        .socket_path(&daemon.path)
        .timeout(Duration::from_millis(300))
        .build()
        .unwrap();
    let mut pull = docker.images().pull("tiny:1.0", &PullOptions::new());
    assert!(pull.next_event().await.unwrap().is_ok());
    let started = Instant::now();
    let err = pull.next_event().await.unwrap().unwrap_err();
    assert!(matches!(err, Error::Timeout(_)), "{err:?}");
    assert!(started.elapsed() < Duration::from_secs(5));
}

#[tokio::test]
async fn a_slow_but_steady_pull_is_not_a_timeout() {
    let daemon = FakeDaemon::start(|_| Reply::fresh_pull(Duration::from_millis(100)));
    let docker = Client::builder()
        .socket_path(&daemon.path)
        .timeout(Duration::from_millis(400))
        .build()
        .unwrap();
    let summary = docker
        .images()
        .pull("tiny:1.0", &PullOptions::new())
        .finish()
        .await
        .unwrap();
    assert_eq!(summary.events, 9, "900 ms in all, but never 400 ms without a chunk");
}

#[tokio::test]
async fn dropping_a_pull_stream_closes_its_connection() {
    let daemon = FakeDaemon::start(|_| {
        let lines: Vec<&[u8]> = FRESH.split_inclusive(|&b| b == b'\n').cycle().take(200).collect();
        Reply::chunked(200, &lines, Duration::from_millis(20), true)
    });
    let docker = client(&daemon);
    docker.ping().await.unwrap();
    let closed_before = daemon.closed();
    let mut pull = docker.images().pull("tiny:1.0", &PullOptions::new());
    pull.next_event().await.unwrap().unwrap();
    drop(pull);
    assert!(
        wait_for(|| daemon.closed() > closed_before).await,
        "the daemon saw the connection close"
    );
}

#[tokio::test]
async fn http_errors_map_to_typed_errors_with_the_daemons_message() {
    let daemon = FakeDaemon::start(|seen| match seen.target() {
        t if t.contains("/images/gone") => Reply::json(404, r#"{"message":"No such image: gone:latest"}"#),
        t if t.contains("/images/used") => Reply::json(409, r#"{"message":"conflict: unable to delete"}"#),
        t if t.contains("/images/create") => {
            Reply::json(500, r#"{"message":"Get \"http://x/v2/\": connection refused"}"#)
        }
        _ => Reply::json(400, "plain text, not JSON"),
    });
    let images = client(&daemon);
    let images = images.images();
    let err = images.remove("gone", &RemoveOptions::new()).await.unwrap_err();
    assert!(matches!(&err, Error::NotFound(m) if m == "No such image: gone:latest"));
    let err = images.remove("used", &RemoveOptions::new()).await.unwrap_err();
    assert!(matches!(err, Error::Conflict(_)));
    let err = images.pull("x:1", &PullOptions::new()).finish().await.unwrap_err();
    assert!(matches!(&err, Error::Api { status: 500, message } if message.contains("connection refused")));
    let err = images.list(&ListOptions::new()).await.unwrap_err();
    assert!(matches!(&err, Error::Api { status: 400, message } if message == "plain text, not JSON"));
}

/// Podman's list fails when an image it is reading is removed meanwhile; dimg asks again (a
/// list changes nothing), a bounded number of times, and only on Podman.
#[tokio::test]
async fn podmans_list_race_with_a_removal_is_asked_again() {
    const RACE: &str = r#"{"cause":"image not known","message":"retrieving label for image \"17dd\": locating image with ID \"17dd\": image not known","response":500}"#;
    let lists = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let handler = |lists: std::sync::Arc<std::sync::atomic::AtomicUsize>, fail: usize| {
        move |_: &support::fake_daemon::Seen| {
            if lists.fetch_add(1, std::sync::atomic::Ordering::SeqCst) < fail {
                Reply::json(500, RACE)
            } else {
                Reply::json(200, r#"[{"Id":"sha256:1","Created":1},{"Id":"sha256:2","Created":2}]"#)
            }
        }
    };
    let podman = FakeDaemon::start_podman(handler(lists.clone(), 2));
    let listed = client(&podman).images().list(&ListOptions::new()).await.unwrap();
    let ids: Vec<&str> = listed.iter().map(|i| i.id.as_str()).collect();
    assert_eq!(ids, ["sha256:2", "sha256:1"], "newest first, as Docker orders them");
    assert_eq!(podman.calls().len(), 3);

    let always = FakeDaemon::start_podman(handler(std::sync::Arc::default(), usize::MAX));
    let err = client(&always).images().list(&ListOptions::new()).await.unwrap_err();
    assert!(matches!(&err, Error::Api { status: 500, message } if message.ends_with("image not known")));
    assert_eq!(always.calls().len(), 6, "asked again 5 times, then the error");

    let docker = FakeDaemon::start(handler(std::sync::Arc::default(), 1));
    let err = client(&docker).images().list(&ListOptions::new()).await.unwrap_err();
    assert!(matches!(err, Error::Api { status: 500, .. }));
    assert_eq!(docker.calls().len(), 1, "Docker's 500 is its answer");
}

#[tokio::test]
async fn garbage_json_is_a_protocol_error() {
    let daemon = FakeDaemon::start(|_| Reply::json(200, "[{\"Id\": tru"));
    let err = client(&daemon).images().list(&ListOptions::new()).await.unwrap_err();
    assert!(matches!(err, Error::Protocol { .. }), "{err:?}");
}

#[tokio::test]
async fn hostile_names_are_refused_before_any_request() {
    let daemon = FakeDaemon::start(|_| Reply::json(200, "[]"));
    let docker = client(&daemon);
    let images = docker.images();
    for name in [
        "tiny:1.0?force=1",
        "../../containers/json",
        "%2e%2e/containers/json",
        "a b",
        "a\0b",
        "x\r\nX-Injected: 1",
        "tiny#frag",
        "/abs",
        "",
    ] {
        let err = images
            .remove(name, &RemoveOptions::new().force(true))
            .await
            .unwrap_err();
        assert!(
            matches!(err, Error::InvalidReference { .. }),
            "remove {name:?}: {err:?}"
        );
        let err = images.inspect(name).await.unwrap_err();
        assert!(
            matches!(err, Error::InvalidReference { .. }),
            "inspect {name:?}: {err:?}"
        );
        let err = images.pull(name, &PullOptions::new()).finish().await.unwrap_err();
        assert!(matches!(err, Error::InvalidReference { .. }), "pull {name:?}: {err:?}");
        let err = images.tag("tiny:1", name).await.unwrap_err();
        assert!(matches!(err, Error::InvalidReference { .. }), "tag {name:?}: {err:?}");
    }
    assert!(
        daemon.seen().is_empty(),
        "nothing reached the daemon: {:?}",
        daemon.seen()
    );
}

#[tokio::test]
async fn free_text_goes_into_the_query_encoded() {
    let daemon = FakeDaemon::start(|_| Reply::json(200, "[]"));
    let docker = client(&daemon);
    docker
        .images()
        .search("tom&limit=1#x y\r\nInjected: 1", &SearchOptions::new())
        .await
        .unwrap();
    docker
        .images()
        .list(
            &ListOptions::new()
                .filter(ImageFilter::Label("a=b&all=1".into()))
                .reference("ti?ny*"),
        )
        .await
        .unwrap();
    let calls = daemon.calls();
    assert_eq!(
        calls[0].request_line,
        "GET /v1.41/images/search?term=tom%26limit%3D1%23x%20y%0D%0AInjected%3A%201 HTTP/1.1"
    );
    assert!(calls[0].header("injected").is_none());
    assert_eq!(
        calls[1].target(),
        "/v1.41/images/json?filters=%7B%22label%22%3A%7B%22a%3Db%26all%3D1%22%3Atrue%7D%2C%22reference%22%3A%7B%22ti%3Fny%2A%22%3Atrue%7D%7D"
    );
}

#[tokio::test]
async fn version_is_negotiated_once_through_ping_or_pinned() {
    let daemon = FakeDaemon::start(|_| Reply::json(200, "[]"));
    let docker = client(&daemon);
    for _ in 0..3 {
        docker.images().list(&ListOptions::new()).await.unwrap();
    }
    let targets: Vec<String> = daemon.seen().iter().map(|s| s.target().to_string()).collect();
    assert_eq!(
        targets,
        [
            "/_ping",
            "/v1.41/images/json",
            "/v1.41/images/json",
            "/v1.41/images/json"
        ]
    );
    assert_eq!(
        daemon.connections(),
        1,
        "one kept-alive connection served every request"
    );

    let pinned = Client::builder()
        .socket_path(&daemon.path)
        .api_version("1.30".parse().unwrap())
        .build()
        .unwrap();
    pinned.images().list(&ListOptions::new()).await.unwrap();
    assert_eq!(daemon.seen().last().unwrap().target(), "/v1.30/images/json");
    let err = pinned
        .images()
        .pull("tiny:1", &PullOptions::new().platform("linux/arm64"))
        .finish()
        .await
        .unwrap_err();
    assert!(
        matches!(err, Error::UnsupportedOption { option: "platform", .. }),
        "{err:?}"
    );
    assert_eq!(daemon.seen().len(), 5, "the refused option sent nothing");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_client_serves_many_tasks_over_a_bounded_pool() {
    let daemon = FakeDaemon::start(|_| {
        Reply(vec![Step::Sleep(Duration::from_millis(5))])
            .then(Step::Write(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n[]".to_vec()))
    });
    let docker = client(&daemon);
    let tasks: Vec<_> = (0..64)
        .map(|_| {
            let docker = docker.clone();
            tokio::spawn(async move { docker.images().list(&ListOptions::new()).await })
        })
        .collect();
    for task in tasks {
        assert!(task.await.unwrap().unwrap().is_empty());
    }
    assert_eq!(daemon.calls().len(), 64);
    assert!(
        daemon.connections() <= 65,
        "at most one connection per concurrent request"
    );
    let before = daemon.connections();
    for _ in 0..20 {
        docker.images().list(&ListOptions::new()).await.unwrap();
    }
    assert_eq!(
        daemon.connections(),
        before,
        "sequential calls reuse pooled connections"
    );
}

#[tokio::test]
async fn connection_problems_name_the_socket_and_return_at_once() {
    let dir = std::env::temp_dir().join(format!("dimg-connect-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let missing = dir.join("missing.sock");
    let not_a_socket = dir.join("plain-file");
    std::fs::write(&not_a_socket, b"not a socket").unwrap();
    let stale = dir.join("stale.sock");
    let _ = std::fs::remove_file(&stale);
    drop(std::os::unix::net::UnixListener::bind(&stale).unwrap()); // the file stays, nobody listens

    for (path, expected) in [
        (&missing, std::io::ErrorKind::NotFound),
        (&not_a_socket, std::io::ErrorKind::ConnectionRefused),
        (&stale, std::io::ErrorKind::ConnectionRefused),
    ] {
        let docker = Client::with_socket(path);
        let started = Instant::now();
        let err = docker.images().list(&ListOptions::new()).await.unwrap_err();
        assert!(started.elapsed() < Duration::from_secs(2), "returned at once");
        match &err {
            Error::Connect { address, source, .. } => {
                assert_eq!(*address, format!("unix://{}", path.display()));
                assert_eq!(source.kind(), expected, "{path:?}");
            }
            other => panic!("{path:?}: {other:?}"),
        }
        assert!(err.to_string().contains(path.to_str().unwrap()), "{err}");
        assert!(matches!(docker.ping().await, Err(Error::Connect { .. })));
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

#[tokio::test]
async fn truncated_json_and_invalid_utf8_are_protocol_errors() {
    let daemon = FakeDaemon::start(|seen| {
        if seen.target().contains("/images/json") {
            Reply::json(200, "[{\"Id\":\"sha256:1\",\"RepoTags\":[\"a")
        } else if seen.target().contains("/images/search") {
            let body: &[u8] = b"[{\"name\":\"\xff\xfe\",\"description\":\"x\xc3\x28\"}]";
            let mut reply = format!("HTTP/1.1 200 OK\r\nContent-Length: {}\r\n\r\n", body.len()).into_bytes();
            reply.extend_from_slice(body);
            Reply(vec![Step::Write(reply)])
        } else {
            Reply::chunked(200, &[b"{\"status\":\"Pulling \xff\xfe\"}\r\n"], Duration::ZERO, true)
        }
    });
    let docker = client(&daemon);
    let err = docker.images().list(&ListOptions::new()).await.unwrap_err();
    assert!(matches!(err, Error::Protocol { .. }), "{err:?}");
    let err = docker.images().search("x", &SearchOptions::new()).await.unwrap_err();
    assert!(matches!(err, Error::Protocol { .. }), "{err:?}");
    let err = docker
        .images()
        .pull("x:1", &PullOptions::new())
        .finish()
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Protocol { .. }), "{err:?}");
}

#[tokio::test]
async fn a_10_mb_single_line_is_a_clean_error_with_bounded_memory() {
    let daemon = FakeDaemon::start(|_| {
        let mut line = b"{\"status\":\"".to_vec();
        line.extend(std::iter::repeat_n(b'x', 10 * 1024 * 1024));
        line.extend_from_slice(b"\"}\r\n");
        let chunks: Vec<&[u8]> = line.chunks(64 * 1024).collect();
        Reply::chunked(200, &chunks, Duration::ZERO, true)
    });
    let err = client(&daemon)
        .images()
        .pull("x:1", &PullOptions::new())
        .finish()
        .await
        .unwrap_err();
    assert!(matches!(&err, Error::Protocol { .. }), "{err:?}");
    assert!(err.chain().contains("longer than"), "{}", err.chain());
}

#[tokio::test]
async fn an_endless_progress_stream_is_cancelled_by_dropping_it() {
    let daemon = FakeDaemon::start(|_| {
        let line: &[u8] =
            b"{\"status\":\"Downloading\",\"progressDetail\":{\"current\":1,\"total\":2},\"id\":\"abc\"}\r\n";
        let lines: Vec<&[u8]> = std::iter::repeat_n(line, 100_000).collect();
        Reply::chunked(200, &lines, Duration::from_millis(1), true)
    });
    let docker = client(&daemon);
    docker.ping().await.unwrap();
    let closed_before = daemon.closed();
    let mut pull = docker.images().pull("x:1", &PullOptions::new());
    for _ in 0..500 {
        assert_eq!(pull.next_event().await.unwrap().unwrap().phase, PullPhase::Downloading);
    }
    assert_eq!(pull.summary().events, 500);
    drop(pull);
    assert!(
        wait_for(|| daemon.closed() > closed_before).await,
        "dropping the stream closed the connection"
    );
}

#[tokio::test]
async fn a_wrong_content_length_is_an_error_not_a_hang() {
    let daemon = FakeDaemon::start(|_| {
        Reply(vec![
            Step::Write(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n[]".to_vec()),
            Step::Close,
        ])
    });
    let started = Instant::now();
    let err = client(&daemon).images().list(&ListOptions::new()).await.unwrap_err();
    assert!(matches!(err, Error::Protocol { .. }), "{err:?}");
    assert!(started.elapsed() < Duration::from_secs(3));
}

#[tokio::test]
async fn http_1_0_close_delimited_bodies_are_read_to_the_end() {
    let daemon = FakeDaemon::start(|seen| {
        let body = if seen.target().contains("/images/create") {
            String::from_utf8(FRESH.to_vec()).unwrap()
        } else {
            r#"[{"Id":"sha256:1","RepoTags":["a:1"],"Created":1,"Size":2}]"#.to_string()
        };
        Reply(vec![
            Step::Write(format!("HTTP/1.0 200 OK\r\nContent-Type: application/json\r\n\r\n{body}").into_bytes()),
            Step::Close,
        ])
    });
    let docker = client(&daemon);
    let images = docker.images().list(&ListOptions::new()).await.unwrap();
    assert_eq!(images[0].repo_tags, ["a:1"]);
    let summary = docker.images().pull("x:1", &PullOptions::new()).finish().await.unwrap();
    assert_eq!(summary.events, 9);
}

/// The permission check, run in a child of this test binary as `nobody` (root bypasses it).
#[test]
fn a_socket_without_permission_is_a_connect_error() {
    if let Ok(socket) = std::env::var("DIMG_PERMISSION_CHILD_SOCKET") {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let err = rt.block_on(Client::with_socket(&socket).ping()).unwrap_err();
        match &err {
            Error::Connect { source, reason, .. } => {
                assert_eq!(source.kind(), std::io::ErrorKind::PermissionDenied, "{err:?}");
                assert_eq!(reason, "permission denied");
            }
            other => panic!("{other:?}"),
        }
        return;
    }
    if std::process::Command::new("setpriv").arg("--version").output().is_err() {
        panic!("setpriv (util-linux) is needed to run a check as another user");
    }
    let dir = std::env::temp_dir().join(format!("dimg-perm-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755)).unwrap();
    let socket = dir.join("root-only.sock");
    let _listener = std::os::unix::net::UnixListener::bind(&socket).unwrap();
    std::fs::set_permissions(&socket, std::fs::Permissions::from_mode(0o600)).unwrap();
    let output = std::process::Command::new("setpriv")
        .args(["--reuid=65534", "--regid=65534", "--clear-groups", "--"])
        .arg(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "a_socket_without_permission_is_a_connect_error",
            "--nocapture",
        ])
        .env("DIMG_PERMISSION_CHILD_SOCKET", &socket)
        .output()
        .unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(output.status.success() && text.contains("1 passed"), "{text}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[tokio::test]
async fn a_request_the_daemon_may_have_received_is_never_sent_twice() {
    // The daemon reads the pull (or delete) and closes the connection without answering: the
    // request is not re-sent on another connection, since it may have been acted on.
    let daemon = FakeDaemon::start(|_| Reply(vec![Step::Close]));
    let docker = client(&daemon);
    docker.ping().await.unwrap(); // a kept-alive connection for the next request to reuse
    let err = docker
        .images()
        .pull("tiny:1.0", &PullOptions::new())
        .finish()
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Protocol { .. }), "{err:?}");
    let err = docker
        .images()
        .remove("tiny:1.0", &RemoveOptions::new())
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Protocol { .. }), "{err:?}");
    let methods: Vec<String> = daemon.calls().iter().map(|c| c.request_line.clone()).collect();
    assert_eq!(methods.len(), 2, "{methods:?}");
    assert!(methods[0].starts_with("POST /v1.41/images/create") && methods[1].starts_with("DELETE "));
}
