//! What `GET /_ping`, `GET /version` and `GET /info` say about the daemon.

use std::collections::BTreeMap;

use serde::Deserialize;

use super::null_default;
use crate::version::ApiVersion;

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
