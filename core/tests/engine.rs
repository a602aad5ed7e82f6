//! Every operation and option against the real private dockerd, loopback registry, registry
//! mirror and search index started by `scripts/engine.sh up`. Each test uses images of its
//! own (`t/pNN`) so the tests can run in parallel against one daemon.
//!
//! `scripts/test.sh` runs this suite a second time against the private Podman service
//! (`DIMG_TEST_ENGINE=podman`, `DIMG_TEST_DOCKER_HOST` = its socket). dimg's types and error
//! kinds are the same on both; where the engines differ (their wording, what Podman lacks),
//! the assertions say so with `engine::is_podman()`.

mod support;

use std::collections::HashSet;

use dimg::{
    ApiVersion, Client, Error, ImageFilter, ListOptions, PullOptions, PullOutcome, PullPhase, RemoveOptions,
    RemovedItem, SearchFilter, SearchOptions,
};
use support::engine::{self, blocking_docker, cleanup, cli, docker, image, import, is_podman};

/// Pulls `REGISTRY/name:tag` and returns the image id.
async fn pull(docker: &Client, reference: &str) -> String {
    docker
        .images()
        .pull(reference, &PullOptions::new())
        .finish()
        .await
        .unwrap();
    docker.images().inspect(reference).await.unwrap().id
}

fn tags(images: &[dimg::ImageSummary]) -> HashSet<String> {
    images.iter().flat_map(|i| i.repo_tags.iter().cloned()).collect()
}

#[tokio::test]
async fn ping_version_and_info_describe_the_private_engine() {
    let docker = docker();
    let ping = docker.ping().await.unwrap();
    assert_eq!(ping.api_version, Some(ApiVersion::new(1, 41)));
    let (server, release) = if is_podman() {
        ("Libpod/4.", "4.")
    } else {
        ("Docker/20.10", "20.10")
    };
    assert!(ping.server.as_deref().unwrap().starts_with(server), "{ping:?}");
    assert_eq!(ping.is_podman(), is_podman());
    assert_eq!(docker.api_version().await.unwrap(), ApiVersion::new(1, 41));

    let version = docker.version().await.unwrap();
    assert_eq!(version.api_version, "1.41");
    assert!(version.version.starts_with(release), "{version:?}");
    assert!(
        version
            .components
            .iter()
            .any(|c| c.name == "Engine" || c.name == "Podman Engine")
    );

    let info = docker.info().await.unwrap();
    assert_eq!(info.driver, "vfs");
    if is_podman() {
        // Podman's info has no daemon-wide registry settings (they live in registries.conf).
        return;
    }
    let root = std::env::var("DIMG_ENGINE_DIR").unwrap();
    assert!(
        info.docker_root_dir.starts_with(&root),
        "{} under {root}",
        info.docker_root_dir
    );
    let mirror = format!("http://{}/", engine::mirror());
    assert!(
        info.registry_mirrors().contains(&mirror),
        "{:?}",
        info.registry_mirrors()
    );
    assert!(
        info.registry_config
            .insecure_registry_cidrs
            .contains(&"127.0.0.0/8".to_string())
    );
}

#[tokio::test]
async fn a_pinned_version_newer_than_the_daemon_is_the_daemons_error() {
    let docker = Client::builder()
        .host(&engine::docker_host())
        .api_version(ApiVersion::new(1, 45))
        .build()
        .unwrap();
    if is_podman() {
        // Podman serves every `/vX.Y/` prefix alike: a pinned version is never refused.
        docker.images().list(&ListOptions::new()).await.unwrap();
        return;
    }
    let err = docker.images().list(&ListOptions::new()).await.unwrap_err();
    assert!(
        matches!(&err, Error::Api { status: 400, message } if message.contains("client version 1.45 is too new")),
        "{err:?}"
    );
    let older = Client::builder()
        .host(&engine::docker_host())
        .api_version(ApiVersion::new(1, 40))
        .build()
        .unwrap();
    older.images().list(&ListOptions::new()).await.unwrap();
}

#[tokio::test]
async fn options_newer_than_the_negotiated_version_are_refused_client_side() {
    let docker = docker();
    let images = docker.images();
    let err = images.list(&ListOptions::new().shared_size(true)).await.unwrap_err();
    assert_eq!(
        err.to_string(),
        "shared-size requires API version 1.42, but the Docker daemon API version is 1.41"
    );
    let err = images
        .list(&ListOptions::new().filter(ImageFilter::Until("10m".into())))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::UnsupportedOption { option: "until", .. }));
    let err = images.list(&ListOptions::new().manifests(true)).await.unwrap_err();
    assert!(matches!(
        err,
        Error::UnsupportedOption {
            option: "manifests",
            ..
        }
    ));
}

#[tokio::test]
async fn pull_fresh_then_up_to_date_then_inspect() {
    let docker = docker();
    let reference = image("t/p01:1.0");
    cleanup(&docker, &reference).await;

    let mut stream = docker.images().pull(&reference, &PullOptions::new());
    let mut events = Vec::new();
    while let Some(event) = stream.next_event().await {
        events.push(event.unwrap());
    }
    let summary = stream.summary().clone();
    assert_eq!(summary.outcome, PullOutcome::Downloaded);
    assert_eq!(summary.reference, reference);
    if is_podman() {
        // Podman's stream: per layer `Pulling fs layer` then `Download complete`, nothing else.
        assert_eq!(events[0].phase, PullPhase::PullingFsLayer, "{events:?}");
        assert!(events.iter().any(|e| e.phase == PullPhase::DownloadComplete));
    } else {
        assert_eq!(events[0].phase, PullPhase::PullingFrom);
        assert_eq!(events[0].status, "Pulling from t/p01");
        assert!(events.iter().any(|e| e.phase == PullPhase::PullComplete));
        assert_eq!(summary.layers_pulled, 1);
    }
    let digest = summary.digest.clone().unwrap();
    assert!(digest.starts_with("sha256:") && digest.len() == 71);

    let again = docker
        .images()
        .pull(&reference, &PullOptions::new())
        .finish()
        .await
        .unwrap();
    assert_eq!(again.outcome, PullOutcome::UpToDate);
    assert_eq!(again.digest.as_deref(), Some(digest.as_str()));
    assert_eq!(again.layers_pulled, 0);
    assert_eq!(
        again.status.is_some(),
        !is_podman(),
        "only Docker says it in a Status: line"
    );

    let inspect = docker.images().inspect(&reference).await.unwrap();
    assert_eq!(inspect.repo_tags, std::slice::from_ref(&reference));
    assert_eq!(inspect.repo_digests, [format!("{}@{digest}", image("t/p01"))]);
    assert_eq!((inspect.os.as_str(), inspect.architecture.as_str()), ("linux", "amd64"));
    assert_eq!(inspect.root_fs.layers.len(), 1);
    let by_id = docker.images().inspect(&inspect.id).await.unwrap();
    assert_eq!(by_id.id, inspect.id);
    let by_digest = docker
        .images()
        .inspect(&format!("{}@{digest}", image("t/p01")))
        .await
        .unwrap();
    assert_eq!(by_digest.id, inspect.id);
    cleanup(&docker, &reference).await;
}

#[tokio::test]
async fn pull_by_digest_and_multi_layer_and_platform() {
    let docker = docker();
    let reference = image("multi:1.0");
    let summary = docker
        .images()
        .pull(&reference, &PullOptions::new().platform("linux/amd64"))
        .finish()
        .await
        .unwrap();
    // 3 layers fetched or found, or none at all when the image was already there (up to date,
    // or present under another name and only newly tagged).
    assert!(
        [0, 3].contains(&(summary.layers_pulled + summary.layers_existing)),
        "{summary:?}"
    );
    let digest = summary.digest.unwrap();
    let by_digest = format!("{}@{digest}", image("multi"));
    let again = docker
        .images()
        .pull(&by_digest, &PullOptions::new())
        .finish()
        .await
        .unwrap();
    assert_eq!(again.reference, by_digest);
    assert_eq!(again.outcome, PullOutcome::UpToDate);
    assert_eq!(
        docker.images().inspect(&reference).await.unwrap().root_fs.layers.len(),
        3
    );
}

#[tokio::test]
async fn pull_without_tag_means_latest_and_missing_things_are_not_found() {
    let docker = docker();
    // `tiny` has tags 1.0 and 2.0 but no `latest`: a name-only pull must ask for latest
    // (and fail), never pull every tag.
    let err = docker
        .images()
        .pull(&image("tiny"), &PullOptions::new())
        .finish()
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::NotFound(m) if m.contains("tiny:latest")),
        "{err:?}"
    );
    let listed = docker
        .images()
        .list(&ListOptions::new().reference(image("tiny")))
        .await
        .unwrap();
    assert!(
        !tags(&listed).contains(&image("tiny:2.0")),
        "no tag was pulled by accident"
    );

    let err = docker
        .images()
        .pull(&image("tiny:nope"), &PullOptions::new())
        .finish()
        .await
        .unwrap_err();
    assert!(matches!(err, Error::NotFound(_)), "{err:?}");
    let err = docker
        .images()
        .pull(&image("nosuchrepo:1.0"), &PullOptions::new())
        .finish()
        .await
        .unwrap_err();
    assert!(matches!(err, Error::NotFound(_)), "{err:?}");
    let err = docker
        .images()
        .pull("127.0.0.1:1/x:1.0", &PullOptions::new())
        .finish()
        .await
        .unwrap_err();
    // Docker refuses the request (500); Podman answers 200 and reports it inside the stream.
    let message = match &err {
        Error::Api { status: 500, message } if !is_podman() => message,
        Error::Pull { message, .. } if is_podman() => message,
        other => panic!("{other:?}"),
    };
    assert!(message.contains("connection refused"), "{message}");
    let err = docker
        .images()
        .pull("Tiny", &PullOptions::new())
        .finish()
        .await
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "invalid reference format: repository name (library/Tiny) must be lowercase"
    );
}

#[tokio::test]
async fn pull_all_tags_is_explicit() {
    let docker = docker();
    let repo = image("alltags");
    let err = docker
        .images()
        .pull(&format!("{repo}:a"), &PullOptions::new().all_tags(true))
        .finish()
        .await
        .unwrap_err();
    assert_eq!(err.to_string(), "tag can't be used with --all-tags/-a");
    if is_podman() {
        // Podman's compatible endpoint would pull `latest` instead: refused before any request.
        let err = docker
            .images()
            .pull(&repo, &PullOptions::new().all_tags(true))
            .finish()
            .await
            .unwrap_err();
        assert!(matches!(err, Error::Unsupported(_)), "{err:?}");
        return;
    }
    let summary = docker
        .images()
        .pull(&repo, &PullOptions::new().all_tags(true))
        .finish()
        .await
        .unwrap();
    assert_eq!(summary.reference, repo);
    assert!(
        summary.status.unwrap().ends_with(&repo),
        "the status names the bare repository"
    );
    let listed = docker
        .images()
        .list(&ListOptions::new().reference(&repo))
        .await
        .unwrap();
    let expected: HashSet<String> = ["a", "b", "c"].iter().map(|t| format!("{repo}:{t}")).collect();
    assert_eq!(tags(&listed), expected);
}

#[tokio::test]
async fn pull_through_the_registry_mirror_as_in_the_seed() {
    let docker = docker();
    cleanup(&docker, "zookeeper:3.9").await;
    let summary = docker
        .images()
        .pull("zookeeper:3.9", &PullOptions::new())
        .finish()
        .await
        .unwrap();
    assert_eq!(summary.reference, "docker.io/library/zookeeper:3.9");
    assert_eq!(summary.outcome, PullOutcome::Downloaded);
    if !is_podman() {
        assert_eq!(
            summary.status.as_deref(),
            Some("Downloaded newer image for zookeeper:3.9")
        );
    }
    let listed = docker
        .images()
        .list(&ListOptions::new().reference("zookeeper"))
        .await
        .unwrap();
    assert!(tags(&listed).contains("zookeeper:3.9"));
    let removed = docker
        .images()
        .remove("zookeeper:3.9", &RemoveOptions::new())
        .await
        .unwrap();
    assert_eq!(removed[0], RemovedItem::Untagged("zookeeper:3.9".into()));
}

#[tokio::test]
async fn list_all_dangling_label_before_since_and_reference_filters() {
    let docker = docker();
    let images = docker.images();
    let older = pull(&docker, &image("t/p08:1.0")).await; // created 2024-01-01T17:00
    let newer = pull(&docker, &image("t/p09:1.0")).await; // created 2024-01-01T18:00
    let labelled = pull(&docker, &image("labelled:1.0")).await;
    let dangling = import("dangling image for the list test", None, &[]);

    let everything = images.list(&ListOptions::new().all(true)).await.unwrap();
    let ids: HashSet<&str> = everything.iter().map(|i| i.id.as_str()).collect();
    assert!(ids.contains(older.as_str()) && ids.contains(newer.as_str()) && ids.contains(dangling.as_str()));
    assert!(
        everything.windows(2).all(|w| w[0].created >= w[1].created),
        "newest first"
    );
    let entry = everything.iter().find(|i| i.id == dangling).unwrap();
    assert!(
        entry.is_dangling() && entry.repo_tags.is_empty(),
        "placeholders removed: {entry:?}"
    );

    let only_dangling = images
        .list(&ListOptions::new().filter(ImageFilter::Dangling(true)))
        .await
        .unwrap();
    assert!(only_dangling.iter().any(|i| i.id == dangling));
    assert!(only_dangling.iter().all(|i| i.repo_tags.is_empty()));
    let not_dangling = images
        .list(&ListOptions::new().filter(ImageFilter::Dangling(false)))
        .await
        .unwrap();
    assert!(not_dangling.iter().all(|i| i.id != dangling));

    let by_key = images
        .list(&ListOptions::new().filter("label=org.example.team".parse().unwrap()))
        .await
        .unwrap();
    // Other suites may hold images with the same labels: check membership and the labels.
    let entry = by_key.iter().find(|i| i.id == labelled).expect("the labelled image");
    assert_eq!(entry.labels["org.example.tier"], "test");
    assert!(by_key.iter().all(|i| i.labels.contains_key("org.example.team")));
    let by_value = ListOptions::new().filter(ImageFilter::Label("org.example.team=core".into()));
    let by_value = images.list(&by_value).await.unwrap();
    assert!(by_value.iter().any(|i| i.id == labelled));
    assert!(by_value.iter().all(|i| i.labels["org.example.team"] == "core"));
    let wrong_value = ListOptions::new().filter(ImageFilter::Label("org.example.team=other".into()));
    assert!(
        images
            .list(&wrong_value)
            .await
            .unwrap()
            .iter()
            .all(|i| i.id != labelled)
    );

    let before = images
        .list(&ListOptions::new().filter(ImageFilter::Before(image("t/p09:1.0"))))
        .await
        .unwrap();
    assert!(before.iter().any(|i| i.id == older) && before.iter().all(|i| i.id != newer));
    let since = images
        .list(&ListOptions::new().filter(ImageFilter::Since(image("t/p08:1.0"))))
        .await
        .unwrap();
    assert!(since.iter().any(|i| i.id == newer) && since.iter().all(|i| i.id != older));

    let reference = images
        .list(&ListOptions::new().reference(image("t/p0[89]:*")))
        .await
        .unwrap();
    let expected: HashSet<String> = [image("t/p08:1.0"), image("t/p09:1.0")].into();
    assert_eq!(tags(&reference), expected);
    cleanup(&docker, &dangling).await;
}

#[tokio::test]
async fn a_filter_the_daemon_refuses_is_its_400() {
    let docker = docker();
    if is_podman() {
        // Podman checks a filter's value only against an image: with none, it answers [].
        pull(&docker, &image("labelled:1.0")).await;
    }
    let err = docker
        .images()
        .list(&ListOptions::new().filter(ImageFilter::Other {
            key: "dangling".into(),
            value: "maybe".into(),
        }))
        .await
        .unwrap_err();
    if is_podman() {
        // Podman refuses it too, with its own words and status.
        assert!(
            matches!(&err, Error::Api { status: 500, message } if message.contains("non-boolean value")),
            "{err:?}"
        );
    } else {
        assert!(
            matches!(&err, Error::Api { status: 400, message } if message == "Invalid filter 'dangling=[maybe]'"),
            "{err:?}"
        );
    }
    let err = docker
        .images()
        .list(&ListOptions::new().filter(ImageFilter::Other {
            key: "colour".into(),
            value: "blue".into(),
        }))
        .await
        .unwrap_err();
    let status = if is_podman() { 500 } else { 400 };
    assert!(matches!(err, Error::Api { status: s, .. } if s == status), "{err:?}");
}

#[tokio::test]
async fn search_a_loopback_index_with_limit_and_filters() {
    let docker = docker();
    let images = docker.images();
    let term = format!("{}/tomcat", engine::index());
    let all = images.search(&term, &SearchOptions::new()).await.unwrap();
    assert!(all.len() >= 6, "{all:?}");
    let tomcat = all
        .iter()
        // Docker names a result relative to the index, Podman prefixes the index.
        .find(|r| r.name == "library/tomcat" || r.name == format!("{}/library/tomcat", engine::index()))
        .unwrap();
    assert_eq!(tomcat.star_count, 2464);
    assert!(tomcat.is_official && !tomcat.is_automated);
    assert!(all.iter().any(|r| r.is_automated));

    let three = images.search(&term, &SearchOptions::new().limit(3)).await.unwrap();
    assert_eq!(three.len(), 3);
    let starred = images.search(&term, &SearchOptions::new().min_stars(50)).await.unwrap();
    assert!(!starred.is_empty() && starred.iter().all(|r| r.star_count >= 50));
    assert!(starred.len() < all.len());
    let official = images
        .search(&term, &SearchOptions::new().filter(SearchFilter::IsOfficial(true)))
        .await
        .unwrap();
    assert!(!official.is_empty() && official.iter().all(|r| r.is_official));
    let automated = images
        .search(&term, &SearchOptions::new().filter(SearchFilter::IsAutomated(true)))
        .await
        .unwrap();
    assert!(!automated.is_empty() && automated.iter().all(|r| r.is_automated));

    for bad in [0, 101] {
        let err = images
            .search(&term, &SearchOptions::new().limit(bad))
            .await
            .unwrap_err();
        assert!(matches!(err, Error::InvalidArgument(_)));
    }
    if is_podman() {
        // Podman would look the scheme up as a host name in DNS: not sent from these tests,
        // which only ever talk to loopback.
        return;
    }
    // dockerd 20.10 answers a term with a scheme with 500 "Invalid repository name".
    let err = images
        .search("http://127.0.0.1:1/x", &SearchOptions::new())
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::Api { status: 500, message } if message.contains("Invalid repository name")),
        "{err:?}"
    );
}

#[tokio::test]
async fn remove_untags_then_deletes_and_id_removal_needs_force_across_repos() {
    let docker = docker();
    let images = docker.images();
    let reference = image("t/p02:1.0");
    let id = pull(&docker, &reference).await;
    images.tag(&reference, "dimgtest/p02:a").await.unwrap();
    images.tag(&reference, "dimgtest/p02").await.unwrap(); // gets :latest

    let removed = images.remove("dimgtest/p02:a", &RemoveOptions::new()).await.unwrap();
    assert_eq!(removed, [RemovedItem::Untagged("dimgtest/p02:a".into())]);

    let err = images
        .remove(&id["sha256:".len()..][..12], &RemoveOptions::new())
        .await
        .unwrap_err();
    // Docker: 409; Podman: 500 with "please force removal", which dimg reports as the same conflict.
    let needle = if is_podman() {
        "please force removal"
    } else {
        "image is referenced in multiple repositories"
    };
    assert!(matches!(&err, Error::Conflict(m) if m.contains(needle)), "{err:?}");

    let removed = images.remove(&id, &RemoveOptions::new().force(true)).await.unwrap();
    let untagged: HashSet<&str> = removed
        .iter()
        .filter_map(|r| match r {
            RemovedItem::Untagged(t) => Some(t.as_str()),
            _ => None,
        })
        .collect();
    assert!(untagged.contains(reference.as_str()) && untagged.contains("dimgtest/p02:latest"));
    assert!(removed.contains(&RemovedItem::Deleted(id.clone())));
    let first_deleted = removed
        .iter()
        .position(|r| matches!(r, RemovedItem::Deleted(_)))
        .unwrap();
    assert!(
        removed[first_deleted..]
            .iter()
            .all(|r| matches!(r, RemovedItem::Deleted(_)))
    );

    let err = images.inspect(&id).await.unwrap_err();
    assert!(err.is_not_found());
    let err = images.remove(&reference, &RemoveOptions::new()).await.unwrap_err();
    let needle = if is_podman() {
        "image not known"
    } else {
        "No such image"
    };
    assert!(matches!(&err, Error::NotFound(m) if m.contains(needle)), "{err:?}");
}

#[tokio::test]
async fn an_image_used_by_a_stopped_container_is_a_conflict_until_forced() {
    let docker = docker();
    let images = docker.images();
    let reference = image("t/p03:1.0");
    pull(&docker, &reference).await;
    let container = cli(&["create", &reference, "/nothing"]);

    let err = images.remove(&reference, &RemoveOptions::new()).await.unwrap_err();
    let needle = if is_podman() {
        "image is in use by a container"
    } else {
        "is using its referenced image"
    };
    assert!(matches!(&err, Error::Conflict(m) if m.contains(needle)), "{err:?}");
    assert_eq!(err.http_status(), Some(409));
    assert!(images.inspect(&reference).await.is_ok(), "nothing was removed");

    let removed = images
        .remove(&reference, &RemoveOptions::new().force(true))
        .await
        .unwrap();
    assert!(removed.contains(&RemovedItem::Untagged(reference.clone())));
    if is_podman() {
        // Podman's forced removal removes the containers using the image as well.
        assert!(cli(&["ps", "-aq"]).lines().all(|id| !container.starts_with(id)));
    } else {
        cli(&["rm", &container]);
    }
}

#[tokio::test]
async fn noprune_keeps_the_untagged_parent() {
    let docker = docker();
    let images = docker.images();
    for (name, noprune) in [("t/p05", true), ("t/p06", false)] {
        let reference = image(&format!("{name}:1.0"));
        let parent = pull(&docker, &reference).await;
        let child_name = format!("dimgtest/{}-child:1", name.replace('/', "-"));
        let container = cli(&["create", &reference, "/nothing"]);
        let child = cli(&["commit", &container, &child_name]);
        cli(&["rm", &container]);
        images.remove(&reference, &RemoveOptions::new()).await.unwrap(); // parent now only a parent
        let removed = images
            .remove(&child_name, &RemoveOptions::new().noprune(noprune))
            .await
            .unwrap();
        assert_eq!(removed[0], RemovedItem::Untagged(child_name.clone()));
        assert!(removed.contains(&RemovedItem::Deleted(child.clone())));
        // Podman never keeps an untagged parent: it is gone with its last tag, before the
        // child's removal, so `noprune` has nothing to keep there.
        let kept = noprune && !is_podman();
        let parent_still_there = images.inspect(&parent).await.is_ok();
        assert_eq!(parent_still_there, kept, "{name}: {removed:?}");
        let parent_deleted_now = !noprune && !is_podman();
        assert_eq!(
            removed.contains(&RemovedItem::Deleted(parent.clone())),
            parent_deleted_now
        );
        cleanup(&docker, &parent).await;
    }
}

#[tokio::test]
async fn remove_many_goes_on_after_failures_like_docker_rmi() {
    let docker = docker();
    let images = docker.images();
    let first = image("t/p04:1.0");
    let id = pull(&docker, &first).await;
    images.tag(&first, "dimgtest/p04:b").await.unwrap();

    let report = images
        .remove_many(
            [first.as_str(), "dimgtest/nosuch:1", "dimgtest/p04:b"],
            &RemoveOptions::new(),
        )
        .await;
    assert_eq!(report.outcomes.len(), 3);
    assert!(report.outcomes[0].result.is_ok());
    assert!(report.outcomes[1].result.as_ref().unwrap_err().is_not_found());
    assert!(report.outcomes[2].result.is_ok(), "went on after the failure");
    assert!(report.removed().any(|r| *r == RemovedItem::Deleted(id.clone())));
    assert_eq!(report.exit_code(), 1);
    let message = if is_podman() {
        "failed to find image dimgtest/nosuch:1: docker.io/dimgtest/nosuch:1: image not known"
    } else {
        "No such image: dimgtest/nosuch:1"
    };
    assert!(matches!(report.errors().next().unwrap(), Error::NotFound(m) if m == message));

    // `docker rmi -f $(docker images -q)` with duplicates: the later ones are 404 and exit 0.
    let id = pull(&docker, &first).await;
    let report = images
        .remove_many(
            [id.as_str(), id.as_str(), "dimgtest/nosuch"],
            &RemoveOptions::new().force(true),
        )
        .await;
    assert!(report.outcomes[0].result.is_ok());
    assert!(report.outcomes[1].result.as_ref().unwrap_err().is_not_found());
    assert_eq!(report.exit_code(), 0);
}

#[tokio::test]
async fn an_ambiguous_short_id_is_not_found_on_the_graphdriver_store() {
    let docker = docker();
    let mut ids = Vec::new();
    for n in 20..=37 {
        ids.push(pull(&docker, &image(&format!("t/p{n}:1.0"))).await);
    }
    // 18 images, 16 hex digits: two ids share their first digit.
    let mut seen = HashSet::new();
    let shared = ids
        .iter()
        .map(|id| id.trim_start_matches("sha256:")[..1].to_string())
        .find(|c| !seen.insert(c.clone()))
        .unwrap();
    let err = docker.images().inspect(&shared).await.unwrap_err();
    assert!(
        matches!(&err, Error::NotFound(m) if m.contains("No such image")),
        "{err:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_client_shared_by_many_tasks() {
    let docker = docker();
    let reference = image("t/p07:1.0");
    pull(&docker, &reference).await;
    let tasks: Vec<_> = (0..48)
        .map(|n| {
            let docker = docker.clone();
            let reference = reference.clone();
            tokio::spawn(async move {
                match n % 3 {
                    0 => docker.images().list(&ListOptions::new()).await.map(|l| l.len()),
                    1 => docker
                        .images()
                        .inspect(&reference)
                        .await
                        .map(|i| i.root_fs.layers.len()),
                    _ => docker.ping().await.map(|_| 1),
                }
            })
        })
        .collect();
    for task in tasks {
        assert!(task.await.unwrap().unwrap() >= 1);
    }
}

/// Many OS threads sharing clients at once: half block on a shared runtime with one async
/// client, half call one `dimg::blocking::Client` as the Python `Client` and libdimg do.
#[test]
fn one_client_shared_by_many_threads() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let (docker, blocking) = (docker(), blocking_docker());
    std::thread::scope(|scope| {
        for n in 0..8 {
            let (docker, blocking, handle) = (docker.clone(), blocking.clone(), rt.handle().clone());
            scope.spawn(move || {
                for _ in 0..5 {
                    if n % 2 == 0 {
                        handle.block_on(async {
                            docker.ping().await.unwrap();
                            docker.images().list(&ListOptions::new()).await.unwrap();
                        })
                    } else {
                        blocking.ping().unwrap();
                        blocking.images().list(&ListOptions::new()).unwrap();
                    }
                }
            });
        }
    });
}

#[tokio::test]
async fn a_tcp_docker_host_reaches_the_same_daemon() {
    let host = std::env::var("DIMG_TEST_TCP_HOST").expect("DIMG_TEST_TCP_HOST (scripts/engine.sh up)");
    let tcp = Client::builder().host(&host).build().unwrap();
    assert_eq!(tcp.host(), host);
    assert_eq!(tcp.ping().await.unwrap().api_version, Some(ApiVersion::new(1, 41)));
    let reference = image("t/p07:1.0");
    pull(&docker(), &reference).await;
    assert!(
        tcp.images()
            .inspect(&reference)
            .await
            .unwrap()
            .repo_tags
            .contains(&reference)
    );
    let unix_ids: HashSet<String> = docker()
        .images()
        .list(&ListOptions::new())
        .await
        .unwrap()
        .into_iter()
        .map(|i| i.id)
        .collect();
    let tcp_ids: HashSet<String> = tcp
        .images()
        .list(&ListOptions::new())
        .await
        .unwrap()
        .into_iter()
        .map(|i| i.id)
        .collect();
    assert!(tcp_ids.contains(&docker().images().inspect(&reference).await.unwrap().id));
    assert!(!tcp_ids.is_disjoint(&unix_ids));

    let closed = Client::builder().host("tcp://127.0.0.1:1").build().unwrap();
    let err = closed.ping().await.unwrap_err();
    assert!(
        matches!(&err, Error::Connect { address, .. } if address == "tcp://127.0.0.1:1"),
        "{err:?}"
    );
    // ssh:// is reached through ssh (core/tests/remote.rs); npipe:// is not spoken here.
    let err = Client::builder()
        .host("npipe:////./pipe/docker_engine")
        .build()
        .unwrap_err();
    assert!(err.to_string().contains("npipe:// scheme is not supported"), "{err}");
}

#[tokio::test]
async fn hostile_names_remove_nothing_on_the_real_engine() {
    let docker = docker();
    let reference = image("t/p07:1.0");
    let id = pull(&docker, &reference).await;
    let short = &id["sha256:".len()..][..12];
    for name in [
        format!("{reference}?force=1"),
        format!("{reference}#x"),
        format!("{short}?force=true&noprune=1"),
        format!("x/../{short}"),
        format!("%2e%2e/{short}"),
        format!("{reference}\r\nX-Force: 1"),
        format!("{reference}\0"),
        format!("{reference} "),
        "../../containers/json".to_string(),
    ] {
        let err = docker
            .images()
            .remove(&name, &dimg::RemoveOptions::new().force(true))
            .await
            .unwrap_err();
        assert!(matches!(err, Error::InvalidReference { .. }), "{name:?}: {err:?}");
    }
    assert_eq!(docker.images().inspect(&reference).await.unwrap().id, id, "still there");
}

/// `dimg::blocking` against the real engine (the Python `Client` and libdimg make every call
/// this way; their suites cover the rest): the same answers as under Tokio.
#[tokio::test]
async fn blocking_calls_give_the_same_answers_as_async_ones() {
    let docker = docker();
    let name = "dimgtest/blocking:1";
    cleanup(&docker, name).await;
    let id = import("blocking round trip\n", Some(name), &[]);
    let by_reference = ListOptions::new().filter(ImageFilter::Reference(name.into()));
    let expected = docker.images().list(&by_reference).await.unwrap();
    let missing = image("t/nosuch-blocking:1.0");
    let (ping, listed, inspected, tagged, removed, gone, pulled) = tokio::task::spawn_blocking({
        move || {
            let docker = blocking_docker();
            let images = docker.images();
            (
                docker.ping(),
                images.list(&by_reference),
                images.inspect(name),
                images.tag(name, "dimgtest/blocking:2"),
                images
                    .remove_many([name, "dimgtest/blocking:2"], &RemoveOptions::new())
                    .unwrap(),
                images.inspect(name),
                images.pull(&missing, &PullOptions::new()).finish(),
            )
        }
    })
    .await
    .unwrap();
    assert!(ping.unwrap().api_version.is_some());
    let listed = listed.unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].id, expected[0].id);
    assert_eq!(listed[0].repo_tags, expected[0].repo_tags);
    assert_eq!(inspected.unwrap().id, id);
    tagged.unwrap();
    assert_eq!(removed.exit_code(), 0, "{removed:?}");
    assert!(
        removed.outcomes[1]
            .result
            .as_ref()
            .unwrap()
            .iter()
            .any(|item| matches!(item, RemovedItem::Deleted(d) if *d == id)),
        "{removed:?}"
    );
    assert!(gone.unwrap_err().is_not_found());
    let pulled = pulled.unwrap_err();
    assert!(
        !matches!(
            pulled,
            Error::Protocol { .. } | Error::Timeout(_) | Error::Connect { .. }
        ),
        "{pulled:?}"
    );
}
