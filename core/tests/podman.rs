//! The same operations against a real `podman system service` (Docker-compatible API 1.41),
//! started by `scripts/engine.sh up --podman`, pulling from the same loopback registry.
//! Where Podman answers differently, dimg hands callers the same types and errors; where it
//! truly lacks something, the error says so. Podman uses the seeded images `t/p31`..`t/p33`
//! (its image store is its own, so they never meet the dockerd tests' copies).

mod support;

use std::collections::HashSet;

use dimg::{
    ApiVersion, Client, Error, ImageFilter, ListOptions, PullOptions, PullOutcome, RemoveOptions, RemovedItem,
    SearchOptions,
};
use support::engine::{cleanup, image, registry};

fn podman() -> Client {
    let host = std::env::var("DIMG_TEST_PODMAN_HOST").expect(
        "DIMG_TEST_PODMAN_HOST is not set: run scripts/test.sh (it starts podman with scripts/engine.sh up --podman)",
    );
    Client::builder().host(&host).build().unwrap()
}

#[tokio::test]
async fn ping_version_and_info_on_podman() {
    let podman = podman();
    let ping = podman.ping().await.unwrap();
    assert!(ping.is_podman(), "{ping:?}");
    assert_eq!(ping.api_version, Some(ApiVersion::new(1, 41)));
    assert_eq!(podman.api_version().await.unwrap(), ApiVersion::new(1, 41));
    let version = podman.version().await.unwrap();
    assert!(version.version.starts_with("4."), "{version:?}");
    let info = podman.info().await.unwrap();
    assert_eq!(info.driver, "vfs");
}

#[tokio::test]
async fn pull_list_inspect_tag_and_remove_on_podman() {
    let podman = podman();
    let images = podman.images();
    let reference = image("t/p31:1.0");
    cleanup(&podman, &reference).await;

    // Podman's stream has no Digest:/Status: lines: `finish` still finds the digest, and tells
    // a download from an up-to-date pull by the local image before and after, as Docker says.
    let summary = images.pull(&reference, &PullOptions::new()).finish().await.unwrap();
    assert_eq!(summary.reference, reference);
    assert_eq!(summary.outcome, PullOutcome::Downloaded);
    assert_eq!(summary.status, None);
    let digest = summary.digest.expect("digest looked up after a Podman pull");
    assert!(digest.starts_with("sha256:") && digest.len() == 71, "{digest}");
    let again = images.pull(&reference, &PullOptions::new()).finish().await.unwrap();
    assert_eq!(again.outcome, PullOutcome::UpToDate);
    assert_eq!(again.digest.as_deref(), Some(digest.as_str()));

    let inspect = images.inspect(&reference).await.unwrap();
    assert_eq!(inspect.repo_tags, std::slice::from_ref(&reference));
    assert!(inspect.id.starts_with("sha256:"));

    let listed = images
        .list(&ListOptions::new().reference(image("t/p31")))
        .await
        .unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].id, inspect.id);
    assert_eq!(listed[0].repo_tags, std::slice::from_ref(&reference));
    let all = images.list(&ListOptions::new().all(true)).await.unwrap();
    assert!(all.iter().any(|i| i.id == inspect.id));
    let tagged = images
        .list(&ListOptions::new().filter(ImageFilter::Dangling(false)))
        .await
        .unwrap();
    assert!(tagged.iter().any(|i| i.id == inspect.id));

    images.tag(&reference, "dimgpodman/p31:b").await.unwrap();
    // Podman answers fully qualified names (docker.io/dimgpodman/p31:b); dimg reports the
    // familiar form, as Docker does.
    let removed = images.remove("dimgpodman/p31:b", &RemoveOptions::new()).await.unwrap();
    assert_eq!(removed, [RemovedItem::Untagged("dimgpodman/p31:b".into())]);

    // Podman lists Deleted (without sha256:) before Untagged; dimg gives Docker's shape.
    let removed = images.remove(&reference, &RemoveOptions::new()).await.unwrap();
    assert_eq!(removed[0], RemovedItem::Untagged(reference.clone()));
    assert!(
        removed.contains(&RemovedItem::Deleted(inspect.id.clone())),
        "{removed:?}"
    );
    let err = images.inspect(&reference).await.unwrap_err();
    assert!(err.is_not_found(), "{err:?}");
}

#[tokio::test]
async fn missing_things_are_not_found_on_podman_too() {
    let podman = podman();
    // Podman answers a missing tag with a 200 stream ending in errorDetail; Docker with a 404.
    let err = podman
        .images()
        .pull(&image("tiny"), &PullOptions::new())
        .finish()
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::NotFound(m) if m.contains("manifest unknown")),
        "{err:?}"
    );
    let err = podman
        .images()
        .remove("dimgpodman/nosuch:1", &RemoveOptions::new())
        .await
        .unwrap_err();
    assert!(err.is_not_found(), "{err:?}");
    let report = podman
        .images()
        .remove_many(
            ["dimgpodman/nosuch:1", "dimgpodman/nosuch:2"],
            &RemoveOptions::new().force(true),
        )
        .await;
    assert_eq!(report.exit_code(), 0);
    let err = podman
        .images()
        .pull("Tiny", &PullOptions::new())
        .finish()
        .await
        .unwrap_err();
    assert!(matches!(err, Error::InvalidReference { .. }));
}

#[tokio::test]
async fn what_podman_lacks_is_said() {
    let podman = podman();
    // The compatible endpoint ignores a missing tag and would pull `latest`: refused.
    let err = podman
        .images()
        .pull(&image("alltags"), &PullOptions::new().all_tags(true))
        .finish()
        .await
        .unwrap_err();
    assert!(matches!(&err, Error::Unsupported(m) if m.contains("Podman")), "{err:?}");
    let listed = podman
        .images()
        .list(&ListOptions::new().reference(image("alltags")))
        .await
        .unwrap();
    assert!(listed.is_empty(), "nothing was pulled");
}

#[tokio::test]
async fn search_on_podman_reads_the_registry_catalog() {
    let podman = podman();
    // Podman searches a v2 registry's catalog (not a v1 index), with string booleans and
    // capitalised field names; the results decode into the same type.
    let hits = podman
        .images()
        .search(&format!("{}/t/p3", registry()), &SearchOptions::new().limit(100))
        .await
        .unwrap();
    let names: HashSet<&str> = hits.iter().map(|h| h.name.as_str()).collect();
    assert!(names.contains(image("t/p31").as_str()), "{names:?}");
    assert!(hits.iter().all(|h| !h.is_official && !h.is_automated));
    let err = podman
        .images()
        .search("x", &SearchOptions::new().limit(101))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::InvalidArgument(_)));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_podman_client_shared_by_many_tasks() {
    let podman = podman();
    let reference = image("t/p32:1.0");
    podman
        .images()
        .pull(&reference, &PullOptions::new())
        .finish()
        .await
        .unwrap();
    let tasks: Vec<_> = (0..30)
        .map(|n| {
            let podman = podman.clone();
            let reference = reference.clone();
            tokio::spawn(async move {
                match n % 3 {
                    0 => podman.images().list(&ListOptions::new()).await.map(|l| l.len()),
                    1 => podman.images().inspect(&reference).await.map(|_| 1),
                    _ => podman.ping().await.map(|_| 1),
                }
            })
        })
        .collect();
    for task in tasks {
        assert!(task.await.unwrap().unwrap() >= 1);
    }
    cleanup(&podman, &reference).await;
}
