//! Typed results. Decoding is tolerant: `null` or missing lists and maps become empty,
//! unknown fields are ignored, the `<none>:<none>` / `<none>@<none>` placeholders of API
//! versions before 1.43 are dropped, and Podman's shapes decode into the same types.

use std::collections::BTreeMap;

use serde::{Deserialize, Deserializer};

use crate::version::ApiVersion;

/// `null` or a missing field becomes `T::default()`.
fn null_default<'de, D, T>(d: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Default + Deserialize<'de>,
{
    Ok(Option::<T>::deserialize(d)?.unwrap_or_default())
}

/// A list of references without the `<none>:<none>` / `<none>@<none>` placeholders.
fn refs_without_placeholders<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    let mut refs: Vec<String> = null_default(d)?;
    refs.retain(|r| r != "<none>:<none>" && r != "<none>@<none>");
    // Podman names Docker Hub images fully (`docker.io/library/a:1`); Docker, and so dimg, `a:1`.
    for r in refs.iter_mut().filter(|r| r.starts_with("docker.io/")) {
        *r = familiar(std::mem::take(r));
    }
    Ok(refs)
}

fn minus_one() -> i64 {
    -1
}

/// A boolean that Podman may send as a string (`""`, `"[OK]"`, `"true"`).
fn lenient_bool<'de, D: Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
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

/// One image as `GET /images/json` (`docker images`) reports it.
///
/// # Examples
/// ```
/// let json = r#"[{"Id":"sha256:bdf7","ParentId":"","RepoTags":["<none>:<none>"],
///   "RepoDigests":null,"Created":1795811854,"Size":3,"SharedSize":-1,"Labels":null,"Containers":-1}]"#;
/// let images: Vec<dimg::ImageSummary> = serde_json::from_str(json).unwrap();
/// assert!(images[0].repo_tags.is_empty() && images[0].is_dangling());
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct ImageSummary {
    /// The full image id, `sha256:<64 hex>`.
    #[serde(rename = "Id")]
    pub id: String,
    /// The parent image id, empty when there is none.
    #[serde(rename = "ParentId", default, deserialize_with = "null_default")]
    pub parent_id: String,
    /// `repo:tag` references, in the daemon's order, placeholders removed.
    #[serde(rename = "RepoTags", default, deserialize_with = "refs_without_placeholders")]
    pub repo_tags: Vec<String>,
    /// `repo@digest` references, placeholders removed.
    #[serde(rename = "RepoDigests", default, deserialize_with = "refs_without_placeholders")]
    pub repo_digests: Vec<String>,
    /// Creation time, seconds since the Unix epoch.
    #[serde(rename = "Created", default)]
    pub created: i64,
    /// Size in bytes (including shared layers).
    #[serde(rename = "Size", default)]
    pub size: i64,
    /// Bytes shared with other images; `-1` unless `shared_size` was asked for (API ≥ 1.42).
    #[serde(rename = "SharedSize", default = "minus_one")]
    pub shared_size: i64,
    /// Image labels.
    #[serde(rename = "Labels", default, deserialize_with = "null_default")]
    pub labels: BTreeMap<String, String>,
    /// Containers using the image; `-1` when the daemon did not count them (API < 1.51).
    #[serde(rename = "Containers", default = "minus_one")]
    pub containers: i64,
    /// Per-manifest summaries, when `manifests` was asked for (API ≥ 1.47).
    #[serde(rename = "Manifests", default)]
    pub manifests: Option<Vec<ManifestSummary>>,
}

impl ImageSummary {
    /// `true` when the image has neither tags nor digests (docker shows `<none>  <none>`).
    pub fn is_dangling(&self) -> bool {
        self.repo_tags.is_empty() && self.repo_digests.is_empty()
    }
}

/// One manifest of a multi-platform image (`manifests=1`, API ≥ 1.47).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct ManifestSummary {
    /// The manifest digest.
    #[serde(rename = "ID", alias = "Id", default)]
    pub id: String,
    /// Whether its content is fully present locally.
    #[serde(rename = "Available", default)]
    pub available: bool,
    /// `image`, `attestation` or `unknown`.
    #[serde(rename = "Kind", default, deserialize_with = "null_default")]
    pub kind: String,
}

/// One search hit (`docker search`). Docker's and Podman's field names both decode.
///
/// # Examples
/// ```
/// let docker = r#"{"star_count":29,"is_official":false,"name":"bitnami/tomcat","is_automated":true,"description":"x"}"#;
/// let podman = r#"{"Index":"docker.io","Name":"bitnami/tomcat","Description":"x","Stars":29,"Official":"","Automated":"[OK]"}"#;
/// let a: dimg::SearchResult = serde_json::from_str(docker).unwrap();
/// let b: dimg::SearchResult = serde_json::from_str(podman).unwrap();
/// assert_eq!(a, b);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct SearchResult {
    /// Repository name as the index reports it (`library/tomcat`, `bitnami/tomcat`).
    #[serde(alias = "Name", default)]
    pub name: String,
    /// Free-text description (may contain newlines; not truncated).
    #[serde(alias = "Description", default, deserialize_with = "null_default")]
    pub description: String,
    /// Number of stars.
    #[serde(alias = "Stars", default)]
    pub star_count: u64,
    /// An official image.
    #[serde(alias = "Official", default, deserialize_with = "lenient_bool")]
    pub is_official: bool,
    /// An automated build (deprecated by Docker; always `false` on new daemons).
    #[serde(alias = "Automated", default, deserialize_with = "lenient_bool")]
    pub is_automated: bool,
}

/// One line of a remove (`docker rmi`) answer.
///
/// # Examples
/// ```
/// use dimg::RemovedItem;
/// let item = RemovedItem::Untagged("myrepo/tiny:a".into());
/// assert_eq!(item.to_string(), "Untagged: myrepo/tiny:a");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum RemovedItem {
    /// A reference was removed from the image.
    Untagged(String),
    /// An image (or layer) was deleted; the full `sha256:` id.
    Deleted(String),
}

impl std::fmt::Display for RemovedItem {
    /// The docker CLI's line for this item.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RemovedItem::Untagged(r) => write!(f, "Untagged: {r}"),
            RemovedItem::Deleted(id) => write!(f, "Deleted: {id}"),
        }
    }
}

#[derive(Deserialize)]
struct RawRemovedItem {
    #[serde(rename = "Untagged", default)]
    untagged: Option<String>,
    #[serde(rename = "Deleted", default)]
    deleted: Option<String>,
}

/// Decodes a remove answer into docker's order: every `Untagged` before every `Deleted`
/// (Podman lists them the other way round), ids with their `sha256:` prefix.
pub(crate) fn removed_items(body: &[u8]) -> serde_json::Result<Vec<RemovedItem>> {
    let raw: Option<Vec<RawRemovedItem>> = serde_json::from_slice(body)?;
    let mut untagged = Vec::new();
    let mut deleted = Vec::new();
    for item in raw.unwrap_or_default() {
        if let Some(r) = item.untagged.filter(|r| !r.is_empty()) {
            untagged.push(RemovedItem::Untagged(familiar(r)));
        }
        if let Some(id) = item.deleted.filter(|id| !id.is_empty()) {
            deleted.push(RemovedItem::Deleted(with_sha256_prefix(id)));
        }
    }
    untagged.extend(deleted);
    Ok(untagged)
}

/// The familiar form of a reference (`docker.io/library/a:1` → `a:1`), as Docker reports it;
/// Podman reports fully qualified names. Anything unparsable is kept as it is.
fn familiar(reference: String) -> String {
    match crate::ImageRef::parse(&reference) {
        Ok(parsed) => parsed.familiar_string(),
        Err(_) => reference,
    }
}

/// `sha256:` + id for a bare 64-hex id (Podman omits the algorithm).
pub(crate) fn with_sha256_prefix(id: String) -> String {
    if id.len() == 64 && id.bytes().all(|b| b.is_ascii_hexdigit()) {
        format!("sha256:{id}")
    } else {
        id
    }
}

/// Low-level details of one image (`docker image inspect`).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[non_exhaustive]
pub struct ImageInspect {
    /// The full image id.
    #[serde(rename = "Id")]
    pub id: String,
    /// `repo:tag` references.
    #[serde(rename = "RepoTags", default, deserialize_with = "refs_without_placeholders")]
    pub repo_tags: Vec<String>,
    /// `repo@digest` references.
    #[serde(rename = "RepoDigests", default, deserialize_with = "refs_without_placeholders")]
    pub repo_digests: Vec<String>,
    /// Parent image id, empty when none.
    #[serde(rename = "Parent", default, deserialize_with = "null_default")]
    pub parent: String,
    /// Commit message or import comment.
    #[serde(rename = "Comment", default, deserialize_with = "null_default")]
    pub comment: String,
    /// Creation time as RFC 3339 text.
    #[serde(rename = "Created", default, deserialize_with = "null_default")]
    pub created: String,
    /// CPU architecture (`amd64`).
    #[serde(rename = "Architecture", default, deserialize_with = "null_default")]
    pub architecture: String,
    /// Architecture variant (`v8`), empty when none.
    #[serde(rename = "Variant", default, deserialize_with = "null_default")]
    pub variant: String,
    /// Operating system (`linux`).
    #[serde(rename = "Os", default, deserialize_with = "null_default")]
    pub os: String,
    /// Size in bytes.
    #[serde(rename = "Size", default)]
    pub size: i64,
    /// The image's run configuration (labels, env, command).
    #[serde(rename = "Config", default, deserialize_with = "null_default")]
    pub config: ImageConfig,
    /// The layers, as diff ids.
    #[serde(rename = "RootFS", default, deserialize_with = "null_default")]
    pub root_fs: RootFs,
}

impl ImageInspect {
    /// [`ImageInspect::created`] as seconds since the Unix epoch (`None` when the daemon's
    /// text is not RFC 3339), so it compares with [`ImageSummary::created`].
    ///
    /// ```
    /// let image: dimg::ImageInspect =
    ///     serde_json::from_str(r#"{"Id":"sha256:1","Created":"2024-01-01T01:00:00.5+01:00"}"#).unwrap();
    /// assert_eq!(image.created_unix(), Some(1704067200));
    /// ```
    pub fn created_unix(&self) -> Option<i64> {
        parse_rfc3339(&self.created)
    }
}

/// Seconds since the epoch of an RFC 3339 timestamp (`2024-01-01T00:00:00Z`, optional
/// fraction, `Z` or `±hh:mm`).
fn parse_rfc3339(text: &str) -> Option<i64> {
    let b = text.as_bytes();
    let num = |range: std::ops::Range<usize>| -> Option<i64> {
        let part = text.get(range)?;
        part.bytes().all(|c| c.is_ascii_digit()).then(|| part.parse().ok())?
    };
    if b.len() < 20
        || b[4] != b'-'
        || b[7] != b'-'
        || !matches!(b[10], b'T' | b't' | b' ')
        || b[13] != b':'
        || b[16] != b':'
    {
        return None;
    }
    let (year, month, day) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let (hour, minute, second) = (num(11..13)?, num(14..16)?, num(17..19)?);
    if !(1..=12).contains(&month) || !(1..=31).contains(&day) || hour > 23 || minute > 59 || second > 60 {
        return None;
    }
    let mut rest = &text[19..];
    if let Some(fraction) = rest.strip_prefix('.') {
        let digits = fraction.bytes().take_while(u8::is_ascii_digit).count();
        rest = &fraction[digits..];
    }
    let offset = match rest {
        "Z" | "z" => 0,
        _ if rest.len() == 6 && (rest.starts_with('+') || rest.starts_with('-')) && &rest[3..4] == ":" => {
            let (hours, minutes) = (&rest[1..3], &rest[4..6]);
            if !hours.bytes().chain(minutes.bytes()).all(|c| c.is_ascii_digit()) {
                return None;
            }
            let sign = if rest.starts_with('-') { -1 } else { 1 };
            sign * (hours.parse::<i64>().ok()? * 3600 + minutes.parse::<i64>().ok()? * 60)
        }
        _ => return None,
    };
    // Days from the civil date (Howard Hinnant's algorithm).
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    Some(days * 86_400 + hour * 3600 + minute * 60 + second - offset)
}

/// Part of [`ImageInspect`]: how a container of this image runs.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct ImageConfig {
    /// Labels.
    #[serde(rename = "Labels", default, deserialize_with = "null_default")]
    pub labels: BTreeMap<String, String>,
    /// Environment, `KEY=value`.
    #[serde(rename = "Env", default, deserialize_with = "null_default")]
    pub env: Vec<String>,
    /// Default command.
    #[serde(rename = "Cmd", default, deserialize_with = "null_default")]
    pub cmd: Vec<String>,
    /// Entrypoint.
    #[serde(rename = "Entrypoint", default, deserialize_with = "null_default")]
    pub entrypoint: Vec<String>,
    /// Working directory.
    #[serde(rename = "WorkingDir", default, deserialize_with = "null_default")]
    pub working_dir: String,
}

/// Part of [`ImageInspect`]: the layer list.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct RootFs {
    /// `layers`.
    #[serde(rename = "Type", default, deserialize_with = "null_default")]
    pub kind: String,
    /// Layer diff ids, bottom first.
    #[serde(rename = "Layers", default, deserialize_with = "null_default")]
    pub layers: Vec<String>,
}

/// What `GET /_ping` tells: the daemon's API version and kind.
///
/// ```
/// let ping = dimg::Ping::default();
/// assert!(ping.api_version.is_none() && !ping.is_podman());
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Ping {
    /// The highest API version the daemon offers (`Api-Version`), if it said.
    pub api_version: Option<ApiVersion>,
    /// `linux` or `windows` (`Ostype`).
    pub os_type: Option<String>,
    /// The `Server` header, e.g. `Docker/20.10.24+dfsg1 (linux)` or `Libpod/4.3.1 ...`.
    pub server: Option<String>,
    /// Whether experimental features are on (`Docker-Experimental`).
    pub experimental: bool,
    /// `Builder-Version`, when present.
    pub builder_version: Option<String>,
    /// Podman's own API version (`Libpod-Api-Version`), present only on Podman.
    pub libpod_api_version: Option<String>,
}

impl Ping {
    /// `true` when the daemon is Podman's Docker-compatible service.
    pub fn is_podman(&self) -> bool {
        self.libpod_api_version.is_some() || self.server.as_deref().is_some_and(|s| s.starts_with("Libpod"))
    }
}

/// `GET /version`: the daemon's versions.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct Version {
    /// Engine version (`20.10.24+dfsg1`, `4.3.1` for Podman).
    #[serde(rename = "Version", default, deserialize_with = "null_default")]
    pub version: String,
    /// Highest API version.
    #[serde(rename = "ApiVersion", default, deserialize_with = "null_default")]
    pub api_version: String,
    /// Lowest API version.
    #[serde(rename = "MinAPIVersion", default, deserialize_with = "null_default")]
    pub min_api_version: String,
    /// Operating system.
    #[serde(rename = "Os", default, deserialize_with = "null_default")]
    pub os: String,
    /// CPU architecture.
    #[serde(rename = "Arch", default, deserialize_with = "null_default")]
    pub arch: String,
    /// Kernel version.
    #[serde(rename = "KernelVersion", default, deserialize_with = "null_default")]
    pub kernel_version: String,
    /// Git commit of the build.
    #[serde(rename = "GitCommit", default, deserialize_with = "null_default")]
    pub git_commit: String,
    /// Go version of the build.
    #[serde(rename = "GoVersion", default, deserialize_with = "null_default")]
    pub go_version: String,
    /// Components (`Engine`, `containerd`, `runc`, ...).
    #[serde(rename = "Components", default, deserialize_with = "null_default")]
    pub components: Vec<Component>,
}

/// One component of [`Version`].
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct Component {
    /// Component name.
    #[serde(rename = "Name", default)]
    pub name: String,
    /// Component version.
    #[serde(rename = "Version", default)]
    pub version: String,
}

/// `GET /info`: the parts of the daemon's configuration that matter for images.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct Info {
    /// Engine version.
    #[serde(rename = "ServerVersion", default, deserialize_with = "null_default")]
    pub server_version: String,
    /// Storage driver (`overlay2`, `vfs`).
    #[serde(rename = "Driver", default, deserialize_with = "null_default")]
    pub driver: String,
    /// Root directory (`/var/lib/docker`).
    #[serde(rename = "DockerRootDir", default, deserialize_with = "null_default")]
    pub docker_root_dir: String,
    /// The default index (`https://index.docker.io/v1/`).
    #[serde(rename = "IndexServerAddress", default, deserialize_with = "null_default")]
    pub index_server_address: String,
    /// Number of images.
    #[serde(rename = "Images", default)]
    pub images: i64,
    /// Number of containers.
    #[serde(rename = "Containers", default)]
    pub containers: i64,
    /// Operating system description.
    #[serde(rename = "OperatingSystem", default, deserialize_with = "null_default")]
    pub operating_system: String,
    /// Registry configuration: mirrors, insecure registries.
    #[serde(rename = "RegistryConfig", default, deserialize_with = "null_default")]
    pub registry_config: RegistryConfig,
}

impl Info {
    /// The configured registry mirrors (`registry-mirrors` in `daemon.json`).
    ///
    /// ```
    /// let info: dimg::Info = serde_json::from_str(
    ///     r#"{"RegistryConfig":{"Mirrors":["http://127.0.0.1:5001/"]}}"#).unwrap();
    /// assert_eq!(info.registry_mirrors(), ["http://127.0.0.1:5001/"]);
    /// ```
    pub fn registry_mirrors(&self) -> &[String] {
        &self.registry_config.mirrors
    }
}

/// Part of [`Info`].
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct RegistryConfig {
    /// Registry mirrors, in order.
    #[serde(rename = "Mirrors", default, deserialize_with = "null_default")]
    pub mirrors: Vec<String>,
    /// Networks whose registries are reached over plain HTTP.
    #[serde(rename = "InsecureRegistryCIDRs", default, deserialize_with = "null_default")]
    pub insecure_registry_cidrs: Vec<String>,
    /// Per-index configuration, keyed by index name (`docker.io`, insecure hosts).
    #[serde(rename = "IndexConfigs", default, deserialize_with = "null_default")]
    pub index_configs: BTreeMap<String, IndexInfo>,
}

/// Part of [`RegistryConfig`].
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct IndexInfo {
    /// Index name.
    #[serde(rename = "Name", default)]
    pub name: String,
    /// Mirrors of this index.
    #[serde(rename = "Mirrors", default, deserialize_with = "null_default")]
    pub mirrors: Vec<String>,
    /// Whether TLS is required.
    #[serde(rename = "Secure", default)]
    pub secure: bool,
    /// Whether this is the official index.
    #[serde(rename = "Official", default)]
    pub official: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

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
            assert_eq!((tiny.shared_size, tiny.containers), (-1, -1));
            assert_eq!(tiny.created, 1795811013);
        }
    }

    #[test]
    fn podman_image_list_decodes() {
        let images: Vec<ImageSummary> = serde_json::from_slice(&sample("podman-4.3/images-json.json")).unwrap();
        assert_eq!(images[0].repo_tags, ["127.0.0.1:5000/tiny:1.0"]);
        assert_eq!(images[0].containers, 0);
        assert_eq!(images[0].size, 12181);
    }

    #[test]
    fn minimal_and_newer_shapes_decode() {
        let minimal: ImageSummary = serde_json::from_str(r#"{"Id":"sha256:1"}"#).unwrap();
        assert!(minimal.is_dangling());
        assert_eq!((minimal.shared_size, minimal.containers), (-1, -1));
        let newer: ImageSummary = serde_json::from_str(
            r#"{"Id":"sha256:1","RepoTags":[],"RepoDigests":[],"Labels":{},"Containers":2,"SharedSize":5,
                "Descriptor":{"mediaType":"x"},"Manifests":[{"ID":"sha256:m","Available":true,"Kind":"image","Extra":1}],
                "Future":{"nested":[1,2]}}"#,
        )
        .unwrap();
        assert_eq!(newer.containers, 2);
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
