//! `Images::pull_many` against the real engines: the seeded set `many-core/m1..m8:1.0` (one
//! shared 256 KiB base layer, one 64 KiB layer each; digests and sizes in `DIMG_TEST_SEED`),
//! pulled through the engine's fault proxy so that every registry request is counted, plus one
//! image the registry does not have. The tests take turns on the set (a lock file), and remove
//! its images when they start and end.

mod support;

use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use dimg::{
    Client, Error, PullManyProgress, PullOptions, PullOutcome, PullPolicy, PullSummary, PullTotals, PullUpdate,
};
use support::engine::{cleanup, docker};
use support::fake_daemon::{FakeDaemon, Reply};

#[path = "support/faults.rs"]
mod faults;

use faults::{mark, podman, proxy, seeded, since, turn};

/// The set, as the registry names it.
const SET: [&str; 8] = [
    "many-core/m1",
    "many-core/m2",
    "many-core/m3",
    "many-core/m4",
    "many-core/m5",
    "many-core/m6",
    "many-core/m7",
    "many-core/m8",
];
/// Not in the registry.
const MISSING: &str = "many-core/m9";
/// Where the missing one goes in the list.
const MISSING_AT: usize = 4;
const CONCURRENCY: usize = 4;

/// `PROXY/NAME:1.0`.
fn through_proxy(name: &str) -> String {
    format!("{}/{name}:1.0", proxy())
}

/// The set with the missing image at `MISSING_AT`.
fn nine() -> Vec<String> {
    let mut names: Vec<&str> = SET.to_vec();
    names.insert(MISSING_AT, MISSING);
    names.into_iter().map(through_proxy).collect()
}

/// The set's distinct layers (digest, size): the shared base once.
fn distinct_layers() -> Vec<(String, u64)> {
    let layers: BTreeSet<(String, u64)> = SET
        .iter()
        .flat_map(|name| {
            seeded(name)["layers"]
                .as_array()
                .unwrap()
                .iter()
                .map(|l| (l["digest"].as_str().unwrap().to_string(), l["size"].as_u64().unwrap()))
                .collect::<Vec<_>>()
        })
        .collect();
    layers.into_iter().collect()
}

/// Removes the set (and the missing name) from `client`'s engine.
async fn remove_all(client: &Client) {
    for reference in nine() {
        cleanup(client, &reference).await;
    }
}

/// What the progress callback saw.
#[derive(Debug, Default)]
struct Watched {
    /// Indexes in the order their pulls started.
    started: Vec<usize>,
    /// Indexes in the order they finished, and whether well.
    finished: Vec<(usize, bool)>,
    /// The most pulls running at once (started, not finished).
    most_at_once: usize,
    events: usize,
    /// The totals after the last update.
    last: Option<PullTotals>,
    /// Whether `finished()` was true before the last update.
    finished_early: bool,
}

impl Watched {
    fn see(&mut self, p: &PullManyProgress<'_>) {
        match p.update {
            PullUpdate::Started => self.started.push(p.index),
            PullUpdate::Event(_) => self.events += 1,
            PullUpdate::Finished(result) => self.finished.push((p.index, result.is_ok())),
            _ => {}
        }
        self.most_at_once = self.most_at_once.max(self.started.len() - self.finished.len());
        if self.last.as_ref().is_some_and(PullTotals::finished) {
            self.finished_early = true;
        }
        self.last = Some(p.totals.clone());
    }
}

/// Pulls `references` with `client`, watching every update.
async fn pull_watched(
    client: &Client,
    references: &[String],
    options: &PullOptions,
) -> (dimg::Result<Vec<dimg::Result<PullSummary>>>, Watched) {
    let watched = Arc::new(Mutex::new(Watched::default()));
    let log = watched.clone();
    let results = client
        .images()
        .pull_many(references, options, CONCURRENCY)
        .finish_with(move |p| {
            log.lock().unwrap().see(p);
            Ok(())
        })
        .await;
    let watched = std::mem::take(&mut *watched.lock().unwrap());
    (results, watched)
}

/// One result per image in input order: the missing one not found, the others `outcome` at
/// their seeded digest.
fn check_results(references: &[String], results: &[dimg::Result<PullSummary>], outcome: PullOutcome) {
    assert_eq!(results.len(), references.len());
    for (i, (reference, result)) in references.iter().zip(results).enumerate() {
        if reference.contains(MISSING) {
            let err = result.as_ref().unwrap_err();
            assert!(err.is_not_found(), "{reference}: {err:?}");
            continue;
        }
        let summary = result.as_ref().unwrap_or_else(|e| panic!("{reference}: {e}"));
        assert_eq!(&summary.reference, reference, "result {i} is not its image's");
        assert_eq!(summary.outcome, outcome, "{reference}");
        let name = reference.split_once('/').unwrap().1.trim_end_matches(":1.0");
        assert_eq!(
            summary.digest.as_deref(),
            seeded(name)["manifest_digest"].as_str(),
            "{reference}"
        );
    }
}

/// Pulls started in input order, each once, at most `CONCURRENCY` at once and that many
/// reached, each finished once.
fn check_turns(watched: &Watched, count: usize) {
    assert_eq!(watched.started, (0..count).collect::<Vec<_>>());
    let mut finished: Vec<usize> = watched.finished.iter().map(|f| f.0).collect();
    finished.sort_unstable();
    assert_eq!(finished, (0..count).collect::<Vec<_>>());
    assert_eq!(watched.most_at_once, CONCURRENCY.min(count), "{watched:?}");
    assert!(!watched.finished_early);
}

#[tokio::test]
async fn eight_images_and_a_missing_one_exact_totals_then_missing_asks_nothing() {
    let _turn = turn("many-core");
    let docker = docker();
    remove_all(&docker).await;
    let references = nine();
    let layers = distinct_layers();
    assert_eq!(layers.len(), 9, "the seed's set: one shared base and 8 own layers");
    let bytes: u64 = layers.iter().map(|l| l.1).sum();

    let from = mark();
    let (results, watched) = pull_watched(&docker, &references, &PullOptions::new()).await;
    let results = results.unwrap();
    check_results(&references, &results, PullOutcome::Downloaded);
    check_turns(&watched, 9);
    assert_eq!(watched.finished.iter().filter(|f| !f.1).count(), 1);
    let totals = watched.last.clone().unwrap();
    assert_eq!(
        (totals.images, totals.images_done, totals.images_failed),
        (9, 8, 1),
        "{totals:?}"
    );
    assert_eq!((totals.layers, totals.layers_done), (9, 9), "{totals:?}");
    assert_eq!((totals.bytes_done, totals.bytes_total), (bytes, bytes), "{totals:?}");
    assert!(totals.finished() && totals.elapsed > Duration::ZERO);
    assert_eq!(totals.eta(), Some(Duration::ZERO));

    // What reached the registry: every own layer once, the shared base once (dockerd shares one
    // download between the pulls that want it, and later pulls find it present).
    let asked = since(from, "many-core");
    for (digest, _) in &layers {
        let fetched = asked.iter().filter(|r| r.contains(&format!("blobs/{digest} "))).count();
        assert_eq!(fetched, 1, "{digest}: {asked:#?}");
    }
    assert!(asked.iter().any(|r| r.contains(" m9/manifests/1.0 ")), "{asked:#?}");

    // Again with `Missing`: all present, all skipped, and not one request to the registry.
    let from = mark();
    let present: Vec<String> = SET.iter().copied().map(through_proxy).collect();
    let (again, watched) = pull_watched(&docker, &present, &PullOptions::new().policy(PullPolicy::Missing)).await;
    check_results(&present, &again.unwrap(), PullOutcome::Skipped);
    check_turns(&watched, 8);
    assert_eq!(watched.events, 0);
    let totals = watched.last.unwrap();
    assert_eq!((totals.images, totals.images_done, totals.images_failed), (8, 8, 0));
    assert_eq!((totals.layers, totals.bytes_done, totals.bytes_total), (0, 0, 0));
    assert_eq!(since(from, "many-core"), Vec::<String>::new());
    remove_all(&docker).await;
}

#[tokio::test]
async fn the_blocking_client_pulls_many_the_same_way() {
    let _turn = turn("many-core");
    let docker = docker();
    remove_all(&docker).await;
    let references = nine();
    let bytes: u64 = distinct_layers().iter().map(|l| l.1).sum();

    let pulled = references.clone();
    let (results, watched) = tokio::task::spawn_blocking(move || {
        let mut watched = Watched::default();
        let results = support::engine::blocking_docker()
            .images()
            .pull_many(&pulled, &PullOptions::new(), CONCURRENCY)
            .finish_with(|p| {
                watched.see(p);
                Ok(())
            });
        (results, watched)
    })
    .await
    .unwrap();
    check_results(&references, &results.unwrap(), PullOutcome::Downloaded);
    check_turns(&watched, 9);
    let totals = watched.last.unwrap();
    assert_eq!((totals.images_done, totals.images_failed), (8, 1));
    assert_eq!((totals.layers, totals.layers_done), (9, 9), "{totals:?}");
    assert_eq!((totals.bytes_done, totals.bytes_total), (bytes, bytes), "{totals:?}");

    // `finish` without a callback, all present now: up to date.
    let present: Vec<String> = SET.iter().copied().map(through_proxy).collect();
    let again = tokio::task::spawn_blocking(move || {
        support::engine::blocking_docker()
            .images()
            .pull_many(&present, &PullOptions::new(), 2)
            .finish()
    })
    .await
    .unwrap()
    .unwrap();
    assert!(
        again
            .iter()
            .all(|r| r.as_ref().unwrap().outcome == PullOutcome::UpToDate),
        "{again:?}"
    );
    remove_all(&docker).await;
}

#[tokio::test]
async fn a_bad_reference_or_no_concurrency_is_refused_before_anything_is_sent() {
    let _turn = turn("many-core");
    let docker = docker();
    remove_all(&docker).await;
    let mut references = nine();
    references.insert(2, format!("{}/many-core/Not Valid:1.0", proxy()));

    let from = mark();
    let err = docker
        .images()
        .pull_many(&references, &PullOptions::new(), CONCURRENCY)
        .finish()
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::InvalidReference { input, .. } if input.contains("Not Valid")),
        "{err:?}"
    );
    let err = docker
        .images()
        .pull_many(nine(), &PullOptions::new(), 0)
        .finish()
        .await
        .unwrap_err();
    assert!(matches!(err, Error::InvalidArgument(_)), "{err:?}");
    // An empty list is no error: nothing to do.
    let none: [&str; 0] = [];
    assert!(
        docker
            .images()
            .pull_many(none, &PullOptions::new(), 4)
            .finish()
            .await
            .unwrap()
            .is_empty()
    );

    assert_eq!(
        since(from, "many-core"),
        Vec::<String>::new(),
        "the registry saw nothing"
    );
    for reference in nine() {
        assert!(
            docker.images().inspect(&reference).await.unwrap_err().is_not_found(),
            "{reference}"
        );
    }

    // Nor did the daemon: not even a ping.
    let daemon = FakeDaemon::start(|_| Reply::json(500, r#"{"message":"nothing should be asked"}"#));
    let fake = Client::builder().socket_path(&daemon.path).build().unwrap();
    let err = fake
        .images()
        .pull_many(["tiny:1.0", "tiny:not a tag"], &PullOptions::new(), 2)
        .finish()
        .await
        .unwrap_err();
    assert!(matches!(err, Error::InvalidReference { .. }), "{err:?}");
    assert!(daemon.seen().is_empty(), "{:?}", daemon.seen());
}

#[tokio::test]
async fn an_error_from_the_progress_callback_stops_every_pull() {
    let _turn = turn("many-core");
    let docker = docker();
    remove_all(&docker).await;
    let present: Vec<String> = SET.iter().copied().map(through_proxy).collect();

    let from = mark();
    let mut started = Vec::new();
    let err = docker
        .images()
        .pull_many(&present, &PullOptions::new(), CONCURRENCY)
        .finish_with(|p| match p.update {
            PullUpdate::Started => {
                started.push(p.index);
                Ok(())
            }
            _ => Err("enough".into()),
        })
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::Interrupted(e) if e.to_string() == "enough"),
        "{err:?}"
    );
    assert_eq!(started, [0, 1, 2, 3], "the other four never started");

    // Let the daemon end what it was doing for the first four (their connections are closed,
    // which cancels them), then check that the last four were never asked for.
    settle(from).await;
    let asked = since(from, "many-core");
    for name in &SET[CONCURRENCY..] {
        let repository = name.trim_start_matches("many-core/");
        assert!(
            !asked.iter().any(|r| r.contains(&format!(" {repository}/"))),
            "{name}: {asked:#?}"
        );
    }
    for reference in &present[CONCURRENCY..] {
        assert!(docker.images().inspect(reference).await.unwrap_err().is_not_found());
    }
    remove_all(&docker).await;
}

/// Waits until the registry has seen no request for the set for half a second.
async fn settle(from: usize) {
    let mut seen = since(from, "many-core").len();
    loop {
        tokio::time::sleep(Duration::from_millis(500)).await;
        let now = since(from, "many-core").len();
        if now == seen {
            return;
        }
        seen = now;
    }
}

/// On Podman, through the same proxy: the same results in the same order (Podman answers a
/// missing image with an error inside its stream, which is `NotFound` too), and `Missing`
/// asks nothing. Podman's stream names no sizes, so no bytes are counted, and it names each
/// image's config blob like a layer.
#[tokio::test]
async fn on_podman_the_same_results_in_order_and_missing_asks_nothing() {
    let _turn = turn("many-core");
    let podman = podman();
    remove_all(&podman).await;
    let references = nine();

    let (results, watched) = pull_watched(&podman, &references, &PullOptions::new()).await;
    check_results(&references, &results.unwrap(), PullOutcome::Downloaded);
    check_turns(&watched, 9);
    let totals = watched.last.unwrap();
    assert_eq!((totals.images, totals.images_done, totals.images_failed), (9, 8, 1));
    // The 9 layers and the 8 images' config blobs, all complete; no sizes.
    assert_eq!((totals.layers, totals.layers_done), (17, 17), "{totals:?}");
    assert_eq!((totals.bytes_done, totals.bytes_total), (0, 0));

    let from = mark();
    let present: Vec<String> = SET.iter().copied().map(through_proxy).collect();
    let (again, _) = pull_watched(&podman, &present, &PullOptions::new().policy(PullPolicy::Missing)).await;
    check_results(&present, &again.unwrap(), PullOutcome::Skipped);
    assert_eq!(since(from, "many-core"), Vec::<String>::new());
    remove_all(&podman).await;
}
