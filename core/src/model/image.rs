//! Images as `GET /images/json` lists them and `GET /images/{name}/json` inspects them, and
//! what `DELETE /images/{name}` reports.

use std::collections::BTreeMap;

use serde::Deserialize;

use super::{counted, null_default, refs_without_placeholders};

/// One image as `GET /images/json` (`docker images`) reports it.
///
/// # Examples
/// ```
/// let json = r#"[{"Id":"sha256:bdf7","ParentId":"","RepoTags":["<none>:<none>"],
///   "RepoDigests":null,"Created":1795811854,"Size":3,"SharedSize":-1,"Labels":null,"Containers":-1}]"#;
/// let images: Vec<dimg::ImageSummary> = serde_json::from_str(json).unwrap();
/// assert!(images[0].repo_tags.is_empty() && images[0].is_dangling());
/// assert_eq!((images[0].shared_size, images[0].containers), (None, None));   // not counted
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
    /// Bytes shared with other images; `None` unless `shared_size` was asked for (API ≥ 1.42).
    #[serde(rename = "SharedSize", default, deserialize_with = "counted")]
    pub shared_size: Option<i64>,
    /// Image labels.
    #[serde(rename = "Labels", default, deserialize_with = "null_default")]
    pub labels: BTreeMap<String, String>,
    /// Containers using the image; `None` when the daemon did not count them (API < 1.51).
    #[serde(rename = "Containers", default, deserialize_with = "counted")]
    pub containers: Option<i64>,
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
pub(super) fn familiar(reference: String) -> String {
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
pub(super) fn parse_rfc3339(text: &str) -> Option<i64> {
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
