//! What `GET /images/search` finds.

use serde::Deserialize;

use super::{lenient_bool, null_default};

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
