//! Registry failures the daemon passes on, produced on demand by the engine's fault proxy
//! (`scripts/fault_proxy.py`, `DIMG_TEST_FAULT_PROXY`) in front of the test registry: a rate
//! limit with Docker Hub's body is `Error::RateLimited`, a 503 is a transient failure, and the
//! proxy's request log shows what reached the registry. Each test scopes its rules to a
//! repository of its own.

#[path = "support/faults.rs"]
mod faults;
mod support;

use dimg::{Error, PullOptions, PullPolicy};
use faults::{Rules, mark, proxy, since};
use support::engine::{cleanup, docker};

/// Pulls `REPOSITORY:1.0` through the proxy while its manifests are answered with `action`
/// (as many times as the daemon asks), and returns the pull's error. Only this repository's
/// rules are added and removed: tests run at once.
async fn pull_while_manifests_answer(docker: &dimg::Client, repository: &str, action: &str) -> Error {
    let reference = format!("{}/{repository}:1.0", proxy());
    cleanup(docker, &reference).await;
    let manifests = format!("/{repository}/manifests");
    let rules = Rules::add(
        repository,
        serde_json::json!([{"path": manifests, "action": action, "times": 20}]),
    );
    let result = docker.images().pull(&reference, &PullOptions::new()).finish().await;
    drop(rules);
    result.unwrap_err()
}

#[tokio::test]
async fn a_registry_rate_limit_is_rate_limited_with_the_registry_s_message() {
    let docker = docker();
    let reference = format!("{}/t/p33:1.0", proxy());
    let from = mark();
    let err = pull_while_manifests_answer(&docker, "t/p33", "429").await;
    assert!(matches!(&err, Error::RateLimited { .. }), "{err:?}");
    assert!(err.is_rate_limited() && !err.is_transient(), "{err:?}");
    assert!(err.to_string().contains("pull rate limit"), "{err}");
    assert!(since(from, "t/p33").iter().any(|r| r.ends_with(" 429")));
    assert!(matches!(
        docker.images().inspect(&reference).await,
        Err(Error::NotFound(_))
    ));
}

#[tokio::test]
async fn a_registry_503_is_transient_and_missing_asks_the_registry_nothing_once_present() {
    let docker = docker();
    let reference = format!("{}/t/p34:1.0", proxy());
    let err = pull_while_manifests_answer(&docker, "t/p34", "503").await;
    assert!(err.is_transient() && !err.is_rate_limited(), "{err:?}");

    // Healthy again: the pull goes through; then `Missing` sends nothing to the registry.
    docker
        .images()
        .pull(&reference, &PullOptions::new())
        .finish()
        .await
        .unwrap();
    let before = mark();
    let summary = docker
        .images()
        .pull(&reference, &PullOptions::new().policy(PullPolicy::Missing))
        .finish()
        .await
        .unwrap();
    assert_eq!(summary.outcome, dimg::PullOutcome::Skipped);
    assert_eq!(
        since(before, "t/p34"),
        Vec::<String>::new(),
        "Missing reached the registry"
    );
    cleanup(&docker, &reference).await;
}
