//! Typed results. Decoding is tolerant: `null` or missing lists and maps become empty,
//! unknown fields are ignored, the `<none>:<none>` / `<none>@<none>` placeholders of API
//! versions before 1.43 are dropped, and Podman's shapes decode into the same types.
//!
//! - [`image`]: images as listed and inspected, and what a removal reports.
//! - [`search`]: search results.
//! - [`system`]: ping, version and info.

mod image;
mod search;
mod system;

use serde::{Deserialize, Deserializer};

use self::image::familiar;
pub(crate) use self::image::removed_items;
pub use self::image::{ImageConfig, ImageInspect, ImageSummary, ManifestSummary, RemovedItem, RootFs};
pub use self::search::SearchResult;
pub use self::system::{Component, IndexInfo, Info, Ping, RegistryConfig, Version};

/// `null` or a missing field becomes `T::default()`.
pub(crate) fn null_default<'de, D, T>(d: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Default + Deserialize<'de>,
{
    Ok(Option::<T>::deserialize(d)?.unwrap_or_default())
}

/// A list of references without the `<none>:<none>` / `<none>@<none>` placeholders.
pub(crate) fn refs_without_placeholders<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    let mut refs: Vec<String> = null_default(d)?;
    refs.retain(|r| r != "<none>:<none>" && r != "<none>@<none>");
    // Podman names Docker Hub images fully (`docker.io/library/a:1`); Docker, and so dimg, `a:1`.
    for r in refs.iter_mut().filter(|r| r.starts_with("docker.io/")) {
        *r = familiar(std::mem::take(r));
    }
    Ok(refs)
}

/// A count the daemon may not have made: `-1` (what it sends then), `null` or a missing field
/// become `None`.
pub(crate) fn counted<'de, D: Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
    Ok(Option::<i64>::deserialize(d)?.filter(|&n| n >= 0))
}

/// A boolean that Podman may send as a string (`""`, `"[OK]"`, `"true"`).
pub(crate) fn lenient_bool<'de, D: Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Loose {
        Bool(bool),
        Text(String),
        Number(i64),
    }
    Ok(match Option::<Loose>::deserialize(d)? {
        None => false,
        Some(Loose::Bool(b)) => b,
        Some(Loose::Number(n)) => n != 0,
        Some(Loose::Text(t)) => matches!(t.trim().to_ascii_lowercase().as_str(), "true" | "[ok]" | "1" | "yes"),
    })
}
#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::image::parse_rfc3339;

    const SAMPLES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/samples");

    fn sample(path: &str) -> Vec<u8> {
        std::fs::read(format!("{SAMPLES}/{path}")).unwrap_or_else(|e| panic!("{path}: {e}"))
    }

    #[test]
    fn docker_image_lists_decode_with_placeholders_removed() {
        for file in [
            "docker-20.10/images-json.v1.41.json",
            "docker-20.10/images-json.digests.v1.41.json",
            "docker-20.10/images-json.all.shared-size.v1.41.json",
        ] {
            let images: Vec<ImageSummary> = serde_json::from_slice(&sample(file)).unwrap();
            assert_eq!(images.len(), 3, "{file}");
            let dangling = images.iter().find(|i| i.id.starts_with("sha256:bdf7")).unwrap();
            assert!(dangling.is_dangling());
            assert!(dangling.labels.is_empty());
            let labelled = images.iter().find(|i| i.id.starts_with("sha256:f185")).unwrap();
            assert_eq!(labelled.repo_tags, ["labelled:1"]);
            assert!(labelled.repo_digests.is_empty());
            assert_eq!(labelled.labels["org.example.k"], "v");
            let tiny = images.iter().find(|i| i.id.starts_with("sha256:4c34")).unwrap();
            assert_eq!(tiny.repo_tags, ["127.0.0.1:5000/tiny:1.0", "myrepo/tiny:a"]);
            assert_eq!(tiny.size, 6);
            assert_eq!((tiny.shared_size, tiny.containers), (None, None));
            assert_eq!(tiny.created, 1795811013);
        }
    }

    #[test]
    fn podman_image_list_decodes() {
        let images: Vec<ImageSummary> = serde_json::from_slice(&sample("podman-4.3/images-json.json")).unwrap();
        assert_eq!(images[0].repo_tags, ["127.0.0.1:5000/tiny:1.0"]);
        assert_eq!(images[0].containers, Some(0));
        assert_eq!(images[0].size, 12181);
    }

    #[test]
    fn minimal_and_newer_shapes_decode() {
        let minimal: ImageSummary = serde_json::from_str(r#"{"Id":"sha256:1"}"#).unwrap();
        assert!(minimal.is_dangling());
        assert_eq!((minimal.shared_size, minimal.containers), (None, None));
        let newer: ImageSummary = serde_json::from_str(
            r#"{"Id":"sha256:1","RepoTags":[],"RepoDigests":[],"Labels":{},"Containers":2,"SharedSize":5,
                "Descriptor":{"mediaType":"x"},"Manifests":[{"ID":"sha256:m","Available":true,"Kind":"image","Extra":1}],
                "Future":{"nested":[1,2]}}"#,
        )
        .unwrap();
        assert_eq!(newer.containers, Some(2));
        assert_eq!(newer.manifests.as_ref().unwrap()[0].kind, "image");
    }

    #[test]
    fn search_results_decode_from_docker_and_podman() {
        let docker: Vec<SearchResult> =
            serde_json::from_slice(&sample("docker-20.10/images-search.v1.41.json")).unwrap();
        assert_eq!(docker[0].name, "library/tomcat");
        assert_eq!(docker[0].star_count, 2464);
        assert!(docker[0].is_official && !docker[0].is_automated);
        assert!(docker[1].is_automated);
        let podman: Vec<SearchResult> = serde_json::from_slice(&sample("podman-4.3/search.json")).unwrap();
        assert_eq!(podman[0].name, "127.0.0.1:5000/tiny");
        assert!(!podman[0].is_official && !podman[0].is_automated);
    }

    #[test]
    fn removed_items_are_in_docker_order_with_prefixed_ids() {
        let podman = removed_items(&sample("podman-4.3/delete.json")).unwrap();
        assert_eq!(
            podman,
            [
                RemovedItem::Untagged("127.0.0.1:5000/tiny:1.0".into()),
                RemovedItem::Deleted("sha256:4c34b7be319e90a0ede2073db086bea0a138521dca30ebc3d0b301fff036ca6b".into()),
            ]
        );
        let docker = removed_items(
            br#"[{"Untagged":"a:1"},{"Untagged":"a@sha256:x"},{"Deleted":"sha256:1"},{"Deleted":"sha256:2"}]"#,
        )
        .unwrap();
        assert_eq!(docker.len(), 4);
        assert_eq!(docker[3], RemovedItem::Deleted("sha256:2".into()));
        assert!(removed_items(b"null").unwrap().is_empty());
        let qualified = removed_items(
            br#"[{"Untagged":"docker.io/dimgtest/p02:a"},{"Untagged":"docker.io/library/zookeeper:3.9"}]"#,
        )
        .unwrap();
        assert_eq!(
            qualified,
            [
                RemovedItem::Untagged("dimgtest/p02:a".into()),
                RemovedItem::Untagged("zookeeper:3.9".into())
            ]
        );
    }

    #[test]
    fn rfc3339_timestamps() {
        for (text, expected) in [
            ("1970-01-01T00:00:00Z", Some(0)),
            ("2024-01-01T00:00:00Z", Some(1_704_067_200)),
            ("2024-02-29T12:30:15.123456789Z", Some(1_709_209_815)),
            ("2024-01-01T01:00:00+01:00", Some(1_704_067_200)),
            ("2023-12-31T23:00:00-01:00", Some(1_704_067_200)),
            ("2024-01-01", None),
            ("2024-13-01T00:00:00Z", None),
            ("2024-01-01T00:00:00", None),
            ("2024-01-01T00:00:00+1:00", None),
            ("２０２４-01-01T00:00:00Z", None),
            ("", None),
        ] {
            assert_eq!(parse_rfc3339(text), expected, "{text}");
        }
    }

    #[test]
    fn info_and_version_decode() {
        let info: Info = serde_json::from_slice(&sample("docker-20.10/info.subset.json")).unwrap();
        assert_eq!(info.driver, "vfs");
        assert_eq!(info.docker_root_dir, "/var/lib/docker");
        assert_eq!(info.registry_config.insecure_registry_cidrs, ["127.0.0.0/8"]);
        assert!(info.registry_config.index_configs["docker.io"].official);
        let version: Version = serde_json::from_slice(&sample("docker-20.10/version.json")).unwrap();
        assert_eq!(version.api_version, "1.41");
        assert_eq!(version.min_api_version, "1.12");
        let podman: Version = serde_json::from_slice(&sample("podman-4.3/version.json")).unwrap();
        assert_eq!(podman.version, "4.3.1");
    }
}
