//! `Images::prune` against the real private engine (and Podman in its pass): only what the
//! filters select goes, `all` decides between dangling and every unused image, and the report
//! says what the daemon removed. Every image here carries a label of its own test, and every
//! prune filters on it, so nothing else on the engine is touched.

mod support;

use dimg::{Error, ListOptions, PruneFilter, PruneOptions, RemovedItem};
use support::engine::{self, blocking_docker, docker, import};

fn label(test: &str) -> String {
    format!("dimg-prune-test={test}-{}", std::process::id())
}

async fn ids_with(docker: &dimg::Client, label: &str) -> Vec<String> {
    let options = ListOptions::new()
        .all(true)
        .filter(dimg::ImageFilter::Label(label.to_string()));
    let mut ids: Vec<String> = docker
        .images()
        .list(&options)
        .await
        .unwrap()
        .into_iter()
        .map(|i| i.id)
        .collect();
    ids.sort();
    ids
}

#[tokio::test]
async fn dangling_images_go_and_with_all_the_unused_tagged_ones_too() {
    let docker = docker();
    let label = label("all");
    let change = format!("LABEL {label}");
    let dangling = import("prune dangling", None, &[&change]);
    let tagged = import("prune tagged", Some("dimg-prune/tagged:1"), &[&change]);
    let other = import("prune other", None, &["LABEL dimg-prune-test=someone-else"]);

    // Dangling only, and only what carries the label.
    let only_ours = PruneOptions::new().filter(PruneFilter::Label(label.clone()));
    let report = docker.images().prune(&only_ours).await.unwrap();
    assert!(
        report.deleted.contains(&RemovedItem::Deleted(dangling.clone())),
        "{report:?}"
    );
    assert!(
        !report.deleted.iter().any(|i| matches!(i, RemovedItem::Untagged(_))),
        "{report:?}"
    );
    assert_eq!(ids_with(&docker, &label).await, vec![tagged.clone()]);
    assert!(
        docker.images().inspect(&other).await.is_ok(),
        "an image without our label stays"
    );

    if engine::is_podman() {
        // Its compatible endpoint prunes dangling images only: refused, nothing removed.
        let all = docker.images().prune(&only_ours.clone().all(true)).await;
        assert!(matches!(all, Err(Error::Unsupported(_))), "{all:?}");
        assert_eq!(ids_with(&docker, &label).await, vec![tagged.clone()]);
        engine::cleanup(&docker, &tagged).await;
        engine::cleanup(&docker, &other).await;
        return;
    }
    // With all: the tagged one too, untagged first.
    let report = docker.images().prune(&only_ours.clone().all(true)).await.unwrap();
    assert_eq!(
        report.deleted.first(),
        Some(&RemovedItem::Untagged("dimg-prune/tagged:1".into()))
    );
    assert!(
        report.deleted.contains(&RemovedItem::Deleted(tagged.clone())),
        "{report:?}"
    );
    assert!(ids_with(&docker, &label).await.is_empty());

    // Nothing left to prune: an empty report, not an error.
    let report = docker.images().prune(&only_ours.all(true)).await.unwrap();
    assert!(report.deleted.is_empty());
    assert_eq!(report.space_reclaimed, 0);
    engine::cleanup(&docker, &other).await;
}

#[test]
fn label_not_and_until_select_as_the_daemon_reads_them_blocking() {
    let docker = blocking_docker();
    if engine::is_podman() {
        // Podman ignores label! in image prune: refused before anything is sent.
        let options = PruneOptions::new().filter(PruneFilter::LabelNot("x".into()));
        assert!(matches!(docker.images().prune(&options), Err(Error::Unsupported(_))));
        return;
    }
    let label = label("not");
    let keep = format!("LABEL {label} dimg-keep=1");
    let go = format!("LABEL {label}");
    let kept = import("prune kept", None, &[&keep]);
    let gone = import("prune gone", None, &[&go]);
    let options = PruneOptions::new()
        .filter(PruneFilter::Label(label.clone()))
        .filter(PruneFilter::LabelNot("dimg-keep=1".into()));
    // `until` with a date in the past keeps both (they were made just now).
    let past = options
        .clone()
        .filter(PruneFilter::Until("2001-01-01T00:00:00Z".into()));
    assert!(docker.images().prune(&past).unwrap().deleted.is_empty());
    let report = docker.images().prune(&options).unwrap();
    // The image, then its layer (its content is its own).
    assert_eq!(
        report.deleted.first(),
        Some(&RemovedItem::Deleted(gone.clone())),
        "{report:?}"
    );
    assert!(
        report.deleted.iter().all(|i| matches!(i, RemovedItem::Deleted(_))),
        "{report:?}"
    );
    assert!(docker.images().inspect(&kept).is_ok());
    assert!(matches!(docker.images().inspect(&gone), Err(Error::NotFound(_))));
    docker
        .images()
        .remove(&kept, &dimg::RemoveOptions::new().force(true))
        .unwrap();
}

#[tokio::test]
async fn a_bad_until_is_the_daemon_s_error_and_bad_keys_never_leave() {
    let docker = docker();
    let err = docker
        .images()
        .prune(&PruneOptions::new().filter(PruneFilter::Until("xyz".into())))
        .await
        .unwrap_err();
    assert!(matches!(&err, Error::Api { .. } | Error::InvalidArgument(_)), "{err:?}");
    assert!(err.to_string().contains("xyz"), "{err}");
    assert!(matches!(
        "dangling=true".parse::<PruneFilter>(),
        Err(Error::InvalidArgument(_))
    ));
}
