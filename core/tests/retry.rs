//! Retries ([`RetryPolicy`]) against the real engine, with the registry failing on demand
//! through the engine's fault proxy (`scripts/fault_proxy.py`, `DIMG_TEST_FAULT_PROXY`; the
//! daemon pulls `PROXY/t/p31:1.0` through it), and what the daemon itself already retries.
//!
//! What dockerd 20.10 does with a failing registry decides what dimg can see, so these tests
//! count the requests at the proxy:
//! - a pull asks `HEAD manifests/TAG` (the tag's digest), then `GET manifests/DIGEST`, then the
//!   blobs. A failed HEAD (503, 429, anything) is not an error to dockerd: it falls back to
//!   `GET manifests/TAG`. So one failure on the tag lookup never reaches the client; a failed
//!   GET fails the pull, with no retry by the daemon.
//! - a blob cut mid-body is retried by dockerd itself ("Retrying in 5 seconds", resuming with
//!   a Range request): the client sees the daemon's countdown, never a failure.
//! - a search index's 503 comes back as the daemon's 500 `Unexpected status code 503`.
//!
//! Search and inspect retries of answers a real daemon cannot give on demand (503 then 200 for
//! inspect) run against the scripted fake daemon. Tests that share a repository's faults run
//! one at a time (a lock file per repository, across test processes).

mod support;

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use dimg::{Client, Error, PullEvent, PullOptions, PullOutcome, PullPhase, RetryPolicy, SearchOptions};
use serde_json::json;
use support::engine::docker;
use support::fake_daemon::{FakeDaemon, Reply, Seen};

/// Faults on its manifests only.
const MANIFESTS: &str = "t/p31";
/// Faults on its layer blob (no other test on this engine has its layer).
const BLOBS: &str = "t/p32";

#[path = "support/faults.rs"]
mod faults;

use faults::{Rules, mark, podman, proxy, seeded, since, turn};

/// What a policy's observer saw: (attempt about to start, wait before it, the error before).
type Observed = Arc<Mutex<Vec<(u32, Duration, String)>>>;

/// `attempts` attempts, 50 ms before the first retry, doubling, no jitter, observed.
fn observed_policy(attempts: u32) -> (RetryPolicy, Observed) {
    let observed: Observed = Arc::default();
    let log = observed.clone();
    let policy = RetryPolicy::new(attempts)
        .initial_backoff(Duration::from_millis(50))
        .multiplier(2.0)
        .jitter(0.0)
        .on_retry(move |retry| {
            log.lock()
                .unwrap()
                .push((retry.attempt, retry.delay, retry.error.to_string()))
        });
    (policy, observed)
}

/// Pulls `reference` with `client` to its end: every event, and the end (summary or error).
async fn pull_all(client: &Client, reference: &str) -> (Vec<PullEvent>, Result<dimg::PullSummary, Error>) {
    let mut pull = client.images().pull(reference, &PullOptions::new());
    let mut events = Vec::new();
    while let Some(item) = pull.next_event().await {
        match item {
            Ok(event) => events.push(event),
            Err(error) => return (events, Err(error)),
        }
    }
    (events, Ok(pull.summary().clone()))
}

/// Removes `reference` and every other name of the same seeded image: a name pulled from the
/// registry directly (by another suite, or by hand) would keep the layers, and the daemon would
/// then not ask the proxy for what these tests count.
async fn cleanup(client: &Client, reference: &str) {
    support::engine::cleanup(client, reference).await;
    for repository in [MANIFESTS, BLOBS] {
        if reference.contains(&format!("/{repository}:")) {
            let id = seeded(repository)["image_id"].as_str().unwrap().to_string();
            support::engine::cleanup(client, &id).await;
        }
    }
}

fn retry_events(events: &[PullEvent]) -> Vec<&PullEvent> {
    events.iter().filter(|e| e.phase == PullPhase::Retry).collect()
}

#[tokio::test]
async fn a_503_on_the_manifest_once_is_retried_and_the_pull_succeeds() {
    let _turn = turn(MANIFESTS);
    let docker = docker();
    let reference = format!("{}/{MANIFESTS}:1.0", proxy());
    let digest = seeded(MANIFESTS)["manifest_digest"].as_str().unwrap().to_string();
    cleanup(&docker, &reference).await;

    let (policy, observed) = observed_policy(3);
    let rules = Rules::add(
        MANIFESTS,
        // The tag's HEAD and the GET by tag the daemon falls back to: the first attempt fails.
        // (A GET by digest cannot be counted on: dockerd keeps manifests it fetched in its
        // content store, also after the image is removed, and then asks only the HEAD.)
        json!([{"path": "/t/p31/manifests", "action": "503", "times": 2}]),
    );
    let from = mark();
    let (events, end) = pull_all(&docker.with_retry(Some(policy)), &reference).await;
    drop(rules);
    let summary = end.unwrap();

    // The first attempt failed before the daemon's stream began: the retry is the first event.
    let retries = retry_events(&events);
    assert_eq!(retries.len(), 1, "{events:#?}");
    assert!(std::ptr::eq(retries[0], &events[0]), "{events:#?}");
    assert_eq!(retries[0].id, None);
    assert_eq!(
        retries[0].status,
        "Attempt 2 of 3 in 0.1s after: received unexpected HTTP status: 503 Service Unavailable"
    );
    assert_eq!(
        (summary.outcome, summary.digest.as_deref()),
        (PullOutcome::Downloaded, Some(digest.as_str()))
    );
    assert_eq!(
        summary.events,
        events.len() - 1,
        "the summary is the successful attempt's"
    );

    // Two pulls by the daemon: the first's HEAD and its GET by tag answered 503; the second's
    // HEAD, and a GET of the digest unless the daemon still has that manifest.
    let manifests: Vec<String> = since(from, MANIFESTS)
        .into_iter()
        .filter(|r| r.contains("manifests/"))
        .collect();
    assert_eq!(
        manifests[..3],
        [
            "HEAD manifests/1.0 503",
            "GET manifests/1.0 503",
            "HEAD manifests/1.0 forward"
        ],
        "{manifests:?}"
    );
    let by_digest = format!("GET manifests/{digest} forward");
    assert!(
        manifests[3..].iter().all(|r| *r == by_digest) && manifests.len() <= 4,
        "{manifests:?}"
    );
    let observed = observed.lock().unwrap().clone();
    assert_eq!(observed.len(), 1, "{observed:?}");
    assert_eq!((observed[0].0, observed[0].1), (2, Duration::from_millis(50)));
    cleanup(&docker, &reference).await;
}

#[tokio::test]
async fn a_503_on_the_tag_lookup_is_the_daemons_business_and_no_retry_is_made() {
    let _turn = turn(MANIFESTS);
    let docker = docker();
    let reference = format!("{}/{MANIFESTS}:1.0", proxy());
    let digest = seeded(MANIFESTS)["manifest_digest"].as_str().unwrap().to_string();
    cleanup(&docker, &reference).await;

    let (policy, observed) = observed_policy(3);
    let rules = Rules::add(
        MANIFESTS,
        json!([{"path": "/t/p31/manifests", "action": "503", "times": 1}]),
    );
    let from = mark();
    let (events, end) = pull_all(&docker.with_retry(Some(policy)), &reference).await;
    drop(rules);
    assert_eq!(end.unwrap().outcome, PullOutcome::Downloaded);
    assert!(retry_events(&events).is_empty(), "{events:#?}");
    assert!(observed.lock().unwrap().is_empty());
    // One pull by the daemon: the failed HEAD, the GET by tag it fell back to, and (most of
    // the time, not always) a GET of the digest that answer named; no second HEAD.
    let manifests: Vec<String> = since(from, MANIFESTS)
        .into_iter()
        .filter(|r| r.contains("manifests/"))
        .collect();
    assert_eq!(
        manifests[..2],
        ["HEAD manifests/1.0 503", "GET manifests/1.0 forward"],
        "{manifests:?}"
    );
    let rest = &manifests[2..];
    let by_digest = format!("GET manifests/{digest} forward");
    assert!(rest.len() <= 1 && rest.iter().all(|r| *r == by_digest), "{manifests:?}");
    cleanup(&docker, &reference).await;
}

#[tokio::test]
async fn a_429_is_not_retried_and_is_rate_limited_on_the_first_attempt() {
    let _turn = turn(MANIFESTS);
    let docker = docker();
    let reference = format!("{}/{MANIFESTS}:1.0", proxy());
    cleanup(&docker, &reference).await;

    let (policy, observed) = observed_policy(3);
    let rules = Rules::add(
        MANIFESTS,
        json!([{"path": "/t/p31/manifests", "action": "429", "times": 100}]),
    );
    let from = mark();
    let (events, end) = pull_all(&docker.with_retry(Some(policy)), &reference).await;
    drop(rules);
    let err = end.unwrap_err();
    assert!(
        matches!(&err, Error::RateLimited { .. }),
        "not wrapped in Retried: {err:?}"
    );
    assert_eq!(err.attempts(), 1);
    assert!(err.to_string().contains("pull rate limit"), "{err}");
    assert!(events.is_empty(), "{events:#?}");
    assert!(observed.lock().unwrap().is_empty());
    // One pull by the daemon: the HEAD, then the GET by tag it falls back to. One GET.
    assert_eq!(
        since(from, MANIFESTS),
        ["HEAD manifests/1.0 429", "GET manifests/1.0 429"]
    );
    assert!(docker.images().inspect(&reference).await.unwrap_err().is_not_found());
}

#[tokio::test]
async fn a_503_every_time_gives_up_after_the_attempts_with_growing_waits() {
    let _turn = turn(MANIFESTS);
    let docker = docker();
    let reference = format!("{}/{MANIFESTS}:1.0", proxy());
    cleanup(&docker, &reference).await;

    let (policy, observed) = observed_policy(3);
    let rules = Rules::add(
        MANIFESTS,
        json!([{"path": "/t/p31/manifests", "action": "503", "times": 100}]),
    );
    let from = mark();
    let started = Instant::now();
    let (events, end) = pull_all(&docker.with_retry(Some(policy)), &reference).await;
    let took = started.elapsed();
    drop(rules);
    let err = end.unwrap_err();
    assert!(matches!(&err, Error::Retried { attempts: 3, .. }), "{err:?}");
    assert_eq!(err.attempts(), 3);
    let last = err.last_attempt();
    assert!(
        last.is_transient() && !matches!(last, Error::Retried { .. }),
        "{last:?}"
    );
    assert_eq!(
        err.to_string(),
        format!("gave up after 3 attempts: {last}"),
        "the full message keeps the last error"
    );
    assert!(last.to_string().contains("503 Service Unavailable"), "{last}");

    let observed = observed.lock().unwrap().clone();
    let waits: Vec<(u32, Duration)> = observed.iter().map(|(a, d, _)| (*a, *d)).collect();
    assert_eq!(waits, [(2, Duration::from_millis(50)), (3, Duration::from_millis(100))]);
    assert!(observed.iter().all(|(_, _, e)| e.contains("503")), "{observed:?}");
    assert!(took >= Duration::from_millis(150), "{took:?}");
    let retries: Vec<&str> = retry_events(&events).iter().map(|e| e.status.as_str()).collect();
    assert_eq!(retries.len(), 2, "{events:#?}");
    assert!(retries[0].starts_with("Attempt 2 of 3 in 0.1s after: "), "{retries:?}");
    assert!(retries[1].starts_with("Attempt 3 of 3 in 0.1s after: "), "{retries:?}");
    // Three pulls by the daemon, each a HEAD and the GET by tag it falls back to.
    assert_eq!(
        since(from, MANIFESTS),
        ["HEAD manifests/1.0 503", "GET manifests/1.0 503"].repeat(3)
    );
}

#[tokio::test]
async fn max_elapsed_stops_the_retries_whose_wait_would_pass_it() {
    let _turn = turn(MANIFESTS);
    let docker = docker();
    let reference = format!("{}/{MANIFESTS}:1.0", proxy());
    cleanup(&docker, &reference).await;

    // Ten attempts allowed, 300 ms apart, but none may start later than 500 ms after the first:
    // the second starts at ~300 ms, a third would start at ~600 ms.
    let calls = Arc::new(Mutex::new(0));
    let counted = calls.clone();
    let policy = RetryPolicy::new(10)
        .initial_backoff(Duration::from_millis(300))
        .multiplier(1.0)
        .jitter(0.0)
        .max_elapsed(Duration::from_millis(500))
        .on_retry(move |_| *counted.lock().unwrap() += 1);
    let rules = Rules::add(
        MANIFESTS,
        json!([{"path": "/t/p31/manifests", "action": "503", "times": 100}]),
    );
    let from = mark();
    let started = Instant::now();
    let err = docker
        .with_retry(Some(policy))
        .images()
        .pull(&reference, &PullOptions::new())
        .finish()
        .await
        .unwrap_err();
    let took = started.elapsed();
    drop(rules);
    assert!(matches!(&err, Error::Retried { attempts: 2, .. }), "{err:?}");
    assert_eq!(*calls.lock().unwrap(), 1);
    assert!(
        took >= Duration::from_millis(300) && took < Duration::from_millis(900),
        "{took:?}"
    );
    assert_eq!(since(from, MANIFESTS).len(), 4, "two pulls by the daemon");
}

#[tokio::test]
async fn a_blob_cut_mid_body_is_retried_by_the_daemon_and_dimg_sees_only_its_countdown() {
    let _turn = turn(BLOBS);
    let docker = docker();
    let reference = format!("{}/{BLOBS}:1.0", proxy());
    let layer = seeded(BLOBS)["layers"][0].clone();
    let (digest, size) = (layer["digest"].as_str().unwrap(), layer["size"].as_u64().unwrap());
    let short_id = &digest["sha256:".len().."sha256:".len() + 12];
    cleanup(&docker, &reference).await;

    let (policy, observed) = observed_policy(3);
    let rules = Rules::add(
        BLOBS,
        json!([{"path": format!("/{BLOBS}/blobs/{digest}"), "action": "reset-mid-body", "times": 1}]),
    );
    let from = mark();
    let (events, end) = pull_all(&docker.with_retry(Some(policy)), &reference).await;
    drop(rules);
    let summary = end.unwrap();
    assert_eq!((summary.outcome, summary.layers_pulled), (PullOutcome::Downloaded, 1));
    assert!(retry_events(&events).is_empty(), "no retry of dimg's: {events:#?}");
    assert!(observed.lock().unwrap().is_empty());

    // The daemon's own countdown, on the layer, and then the rest of the blob (it resumes with
    // a Range request for what the cut left out).
    let countdown: Vec<&str> = events
        .iter()
        .filter(|e| e.phase == PullPhase::Retrying)
        .map(|e| e.status.as_str())
        .collect();
    assert_eq!(
        countdown,
        [
            "Retrying in 5 seconds",
            "Retrying in 4 seconds",
            "Retrying in 3 seconds",
            "Retrying in 2 seconds",
            "Retrying in 1 second"
        ]
    );
    assert!(
        events
            .iter()
            .filter(|e| e.phase == PullPhase::Retrying)
            .all(|e| e.id.as_deref() == Some(short_id))
    );
    // Before the countdown the daemon counts the whole blob; after it, only the part it asks
    // for again (so a progress total can shrink during a pull).
    let countdown_at = events.iter().position(|e| e.phase == PullPhase::Retrying).unwrap();
    let totals = |events: &[PullEvent]| -> Vec<Option<u64>> {
        events
            .iter()
            .filter(|e| e.phase == PullPhase::Downloading)
            .map(|e| e.total)
            .collect()
    };
    let cut = size / 2;
    let (before, after) = (totals(&events[..countdown_at]), totals(&events[countdown_at..]));
    assert!(before.iter().all(|t| *t == Some(size)), "{before:?}");
    assert!(after.iter().all(|t| *t == Some(size - cut)), "{after:?}");
    let blob = format!("blobs/{digest}");
    let asked: Vec<String> = since(from, BLOBS).into_iter().filter(|r| r.contains(&blob)).collect();
    assert_eq!(
        asked,
        [format!("GET {blob} reset-mid-body"), format!("GET {blob} forward")]
    );
    cleanup(&docker, &reference).await;
}

#[tokio::test]
async fn the_blocking_client_retries_a_pull_the_same_way() {
    let _turn = turn(MANIFESTS);
    let reference = format!("{}/{MANIFESTS}:1.0", proxy());
    cleanup(&docker(), &reference).await;

    let (policy, observed) = observed_policy(3);
    let rules = Rules::add(
        MANIFESTS,
        // The tag's HEAD and the GET by tag the daemon falls back to: the first attempt fails.
        // (A GET by digest cannot be counted on: dockerd keeps manifests it fetched in its
        // content store, also after the image is removed, and then asks only the HEAD.)
        json!([{"path": "/t/p31/manifests", "action": "503", "times": 2}]),
    );
    let pulled = reference.clone();
    let (events, summary) = tokio::task::spawn_blocking(move || {
        let docker = support::engine::blocking_docker().with_retry(Some(policy));
        let mut pull = docker.images().pull(&pulled, &PullOptions::new());
        let events: Vec<PullEvent> = pull.by_ref().map(Result::unwrap).collect();
        (events, pull.summary().clone())
    })
    .await
    .unwrap();
    drop(rules);
    assert_eq!(summary.outcome, PullOutcome::Downloaded);
    assert_eq!(retry_events(&events).len(), 1, "{events:#?}");
    assert_eq!(observed.lock().unwrap().len(), 1);

    // And a rate limit is not retried there either.
    let (policy, observed) = observed_policy(3);
    let rules = Rules::add(
        MANIFESTS,
        json!([{"path": "/t/p31/manifests", "action": "429", "times": 100}]),
    );
    cleanup(&docker(), &reference).await;
    let pulled = reference.clone();
    let err = tokio::task::spawn_blocking(move || {
        support::engine::blocking_docker()
            .with_retry(Some(policy))
            .images()
            .pull(&pulled, &PullOptions::new())
            .finish()
    })
    .await
    .unwrap()
    .unwrap_err();
    drop(rules);
    assert!(
        matches!(&err, Error::RateLimited { .. }) && err.attempts() == 1,
        "{err:?}"
    );
    assert!(observed.lock().unwrap().is_empty());
    cleanup(&docker(), &reference).await;
}

/// A fault proxy of this test's own in front of the v1 search index (the engine's proxy fronts
/// the registry only), on a free port; stopped when dropped.
struct IndexProxy {
    child: std::process::Child,
    address: String,
}

impl IndexProxy {
    fn start() -> IndexProxy {
        use std::io::BufRead;
        let index = support::engine::index();
        let script = concat!(env!("CARGO_MANIFEST_DIR"), "/../scripts/fault_proxy.py");
        let mut child = std::process::Command::new("python3")
            .args(["-u", script, "--port", "0", "--upstream", &index])
            .stdout(std::process::Stdio::piped())
            .spawn()
            .expect("start scripts/fault_proxy.py");
        let mut stdout = std::io::BufReader::new(child.stdout.take().unwrap());
        let mut line = String::new();
        stdout.read_line(&mut line).unwrap();
        // It logs every request to stdout: keep reading, or its writes fail once we stop.
        std::thread::spawn(move || std::io::copy(&mut stdout, &mut std::io::sink()));
        // `fault proxy on 127.0.0.1:PORT -> UPSTREAM`
        let address = line
            .split_whitespace()
            .nth(3)
            .unwrap_or_else(|| panic!("unexpected first line: {line:?}"))
            .to_string();
        IndexProxy { child, address }
    }
}

impl Drop for IndexProxy {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[tokio::test]
async fn a_search_through_a_real_daemon_is_retried_after_the_index_s_503() {
    let index = IndexProxy::start();
    let control = |method: &str, path: &str, body: &str| faults::control_at(&index.address, method, path, body);
    control(
        "POST",
        "/__faults",
        &json!([{"path": "/v1/search", "action": "503", "times": 1}]).to_string(),
    );
    let (policy, observed) = observed_policy(3);
    let term = format!("{}/tomcat", index.address);
    let hits = docker()
        .with_retry(Some(policy))
        .images()
        .search(&term, &SearchOptions::new().limit(5))
        .await
        .unwrap();
    assert!(hits.iter().any(|hit| hit.name == "library/tomcat"), "{hits:?}");
    let observed = observed.lock().unwrap().clone();
    assert_eq!(observed.len(), 1, "{observed:?}");
    // dockerd's words for the index's 503.
    assert_eq!(observed[0].2, "Unexpected status code 503");
    let searches: Vec<String> = faults::seen_at(&index.address)
        .into_iter()
        .filter(|r| r.starts_with("GET /v1/search"))
        .collect();
    assert_eq!(
        searches,
        ["GET /v1/search?q=tomcat&n=5 503", "GET /v1/search?q=tomcat&n=5 forward"]
    );

    // Without a policy the same failure is the daemon's answer, once.
    control(
        "POST",
        "/__faults",
        &json!([{"path": "/v1/search", "action": "503", "times": 1}]).to_string(),
    );
    let err = docker()
        .images()
        .search(&term, &SearchOptions::new().limit(5))
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::Api { status: 500, message } if message == "Unexpected status code 503"),
        "{err:?}"
    );
    assert!(err.is_transient());
}

/// A fake daemon whose `path` answers 503 the first `failures` times, then `ok`.
fn failing_then(path: &'static str, failures: usize, ok: &'static str) -> FakeDaemon {
    let count = std::sync::atomic::AtomicUsize::new(0);
    FakeDaemon::start(move |seen: &Seen| {
        if !seen.target().starts_with(path) {
            return Reply::json(500, r#"{"message":"unexpected request"}"#);
        }
        match count.fetch_add(1, std::sync::atomic::Ordering::SeqCst) < failures {
            true => Reply::json(503, r#"{"message":"Service Unavailable"}"#),
            false => Reply::json(200, ok),
        }
    })
}

const INSPECT: &str = r#"{"Id":"sha256:aa","RepoTags":["tiny:1.0"],"Os":"linux","Architecture":"amd64"}"#;
const SEARCH: &str = r#"[{"name":"library/tomcat","description":"Apache Tomcat","star_count":3,"is_official":true,"is_automated":false}]"#;

fn fake_client(daemon: &FakeDaemon, policy: RetryPolicy) -> Client {
    Client::builder()
        .socket_path(&daemon.path)
        .timeout(Duration::from_secs(5))
        .retry(policy)
        .build()
        .unwrap()
}

#[tokio::test]
async fn inspect_and_search_are_retried_after_a_503_and_a_404_is_not() {
    // Inspect: what no real daemon answers on demand.
    let daemon = failing_then("/v1.41/images/tiny:1.0/json", 1, INSPECT);
    let (policy, observed) = observed_policy(3);
    let image = fake_client(&daemon, policy).images().inspect("tiny:1.0").await.unwrap();
    assert_eq!(image.id, "sha256:aa");
    assert_eq!(daemon.calls().len(), 2);
    assert_eq!(observed.lock().unwrap()[0].2, "Service Unavailable");

    // Search, 503 twice then 200: three attempts, waits 50 and 100 ms.
    let daemon = failing_then("/v1.41/images/search", 2, SEARCH);
    let (policy, observed) = observed_policy(3);
    let hits = fake_client(&daemon, policy)
        .images()
        .search("tomcat", &SearchOptions::new())
        .await
        .unwrap();
    assert_eq!(hits[0].name, "library/tomcat");
    assert_eq!(daemon.calls().len(), 3);
    let waits: Vec<Duration> = observed.lock().unwrap().iter().map(|o| o.1).collect();
    assert_eq!(waits, [Duration::from_millis(50), Duration::from_millis(100)]);

    // One failure too many: Retried, with the last 503.
    let daemon = failing_then("/v1.41/images/search", 5, SEARCH);
    let (policy, _) = observed_policy(3);
    let err = fake_client(&daemon, policy)
        .images()
        .search("tomcat", &SearchOptions::new())
        .await
        .unwrap_err();
    assert!(matches!(err.last_attempt(), Error::Api { status: 503, .. }), "{err:?}");
    assert_eq!((err.attempts(), daemon.calls().len()), (3, 3));

    // Not found is not transient: asked once.
    let daemon = FakeDaemon::start(|_| Reply::json(404, r#"{"message":"No such image: tiny:1.0"}"#));
    let (policy, observed) = observed_policy(3);
    let err = fake_client(&daemon, policy)
        .images()
        .inspect("tiny:1.0")
        .await
        .unwrap_err();
    assert!(matches!(&err, Error::NotFound(_)) && err.attempts() == 1, "{err:?}");
    assert_eq!(daemon.calls().len(), 1);
    assert!(observed.lock().unwrap().is_empty());

    // A call other than pull, search and inspect is never retried.
    let daemon = failing_then("/v1.41/images/json", 1, "[]");
    let (policy, _) = observed_policy(3);
    let err = fake_client(&daemon, policy)
        .images()
        .list(&dimg::ListOptions::new())
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Api { status: 503, .. }), "{err:?}");
    assert_eq!(daemon.calls().len(), 1);
}

#[tokio::test]
async fn the_blocking_client_retries_inspect_the_same_way() {
    let daemon = failing_then("/v1.41/images/tiny:1.0/json", 2, INSPECT);
    let path = daemon.path.clone();
    let (policy, observed) = observed_policy(3);
    let image = tokio::task::spawn_blocking(move || {
        Client::builder()
            .socket_path(&path)
            .build_blocking()
            .unwrap()
            .with_retry(Some(policy))
            .images()
            .inspect("tiny:1.0")
    })
    .await
    .unwrap()
    .unwrap();
    assert_eq!(image.id, "sha256:aa");
    assert_eq!(daemon.calls().len(), 3);
    assert_eq!(observed.lock().unwrap().len(), 2);
}

/// Podman pulls through the same proxy (its registries.conf lists it as insecure). It retries
/// a 429 itself, as containers/image does: each request up to 5 times (waiting Retry-After, 0
/// here, else 2 s doubling), and the whole copy 3 more times: 20 GETs of the manifest before
/// the rate limit reaches dimg, which then does not retry it.
/// Fails at once, saying why, when the running proxy predates rules' `retry_after` (without
/// it Podman is silent for ~2 minutes, longer than the client's idle limit).
fn require_retry_after() {
    let probe = "/t/p31/manifests/probe-retry-after";
    let rules = Rules::add(
        MANIFESTS,
        json!([{"path": probe, "action": "429", "times": 1, "retry_after": 0}]),
    );
    let output = std::process::Command::new("curl")
        .args(["-sI", &format!("http://{}/v2{probe}", proxy())])
        .output()
        .expect("run curl");
    drop(rules);
    let head = String::from_utf8_lossy(&output.stdout).to_ascii_lowercase();
    assert!(
        head.contains("retry-after: 0"),
        "the running fault proxy predates scripts/fault_proxy.py's retry_after: run scripts/engine.sh up"
    );
}

#[tokio::test]
async fn on_podman_a_429_is_retried_by_podman_itself_and_never_by_dimg() {
    let _turn = turn(MANIFESTS);
    require_retry_after();
    let podman = podman();
    let reference = format!("{}/{MANIFESTS}:1.0", proxy());
    cleanup(&podman, &reference).await;

    let (policy, observed) = observed_policy(3);
    let rules = Rules::add(
        MANIFESTS,
        json!([{"path": "/t/p31/manifests", "action": "429", "times": 1000, "retry_after": 0}]),
    );
    let from = mark();
    let (events, end) = pull_all(&podman.with_retry(Some(policy)), &reference).await;
    drop(rules);
    let err = end.unwrap_err();
    assert!(
        matches!(&err, Error::RateLimited { .. }) && err.attempts() == 1,
        "{err:?}"
    );
    assert!(
        err.to_string().ends_with("https://www.docker.com/increase-rate-limit"),
        "{err}"
    );
    assert!(retry_events(&events).is_empty(), "{events:#?}");
    assert!(observed.lock().unwrap().is_empty());
    assert_eq!(since(from, MANIFESTS), ["GET manifests/1.0 429"].repeat(20));
}

/// Podman does not retry a 503 on the manifest: dimg does, and the second attempt succeeds.
#[tokio::test]
async fn on_podman_a_503_once_is_retried_by_dimg_and_the_pull_succeeds() {
    let _turn = turn(MANIFESTS);
    let podman = podman();
    let reference = format!("{}/{MANIFESTS}:1.0", proxy());
    cleanup(&podman, &reference).await;

    let (policy, observed) = observed_policy(3);
    let rules = Rules::add(
        MANIFESTS,
        json!([{"path": "/t/p31/manifests", "action": "503", "times": 1}]),
    );
    let from = mark();
    let (events, end) = pull_all(&podman.with_retry(Some(policy)), &reference).await;
    drop(rules);
    let summary = end.unwrap();
    assert_eq!(summary.outcome, PullOutcome::Downloaded);
    let retries = retry_events(&events);
    assert_eq!(retries.len(), 1, "{events:#?}");
    assert!(
        retries[0]
            .status
            .starts_with("Attempt 2 of 3 in 0.1s after: initializing source docker://")
            && retries[0]
                .status
                .ends_with("received unexpected HTTP status: 503 Service Unavailable"),
        "{}",
        retries[0].status
    );
    assert_eq!(observed.lock().unwrap().len(), 1);
    let manifests: Vec<String> = since(from, MANIFESTS)
        .into_iter()
        .filter(|r| r.contains("manifests/"))
        .collect();
    assert_eq!(
        manifests[..2],
        ["GET manifests/1.0 503", "GET manifests/1.0 forward"],
        "{manifests:?}"
    );
    cleanup(&podman, &reference).await;
}
