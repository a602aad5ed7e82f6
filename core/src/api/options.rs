//! The options of the image operations, as `docker images`, `search`, `pull` and `rmi` take
//! them, and the rules that check them before anything is sent.

use std::str::FromStr;

use crate::auth::{Credentials, RegistryAuth};
use crate::error::{Error, Result};

/// Parses a filter value as the daemon's booleans, accepting `true/false/1/0` in any case.
fn parse_bool(key: &str, value: &str) -> Result<bool> {
    match value.trim().to_ascii_lowercase().as_str() {
        "true" | "1" => Ok(true),
        "false" | "0" => Ok(false),
        _ => Err(Error::InvalidArgument(format!(
            "invalid filter '{}={}': expected true or false",
            Error::excerpt(key),
            Error::excerpt(value)
        ))),
    }
}

/// Splits `KEY=VALUE` as the docker CLI does: key trimmed and lowercased, value trimmed,
/// split at the first `=`.
pub(crate) fn split_filter(text: &str) -> Result<(String, String)> {
    let (key, value) = text.split_once('=').ok_or_else(|| {
        Error::InvalidArgument(format!(
            "bad format of filter (expected name=value): {:?}",
            Error::excerpt(text)
        ))
    })?;
    Ok((key.trim().to_ascii_lowercase(), value.trim().to_string()))
}

/// One `docker images --filter`.
///
/// # Examples
/// ```
/// use dimg::ImageFilter;
/// let f: ImageFilter = "dangling=true".parse().unwrap();
/// assert_eq!(f, ImageFilter::Dangling(true));
/// assert_eq!("label=team=core".parse::<ImageFilter>().unwrap(), ImageFilter::Label("team=core".into()));
/// assert!("colour=blue".parse::<ImageFilter>().is_err());
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ImageFilter {
    /// Only untagged (`true`) or only tagged (`false`) images.
    Dangling(bool),
    /// Images that have label `key`, or `key=value`.
    Label(String),
    /// Images created before this image (name, name:tag, id or name@digest).
    Before(String),
    /// Images created after this image.
    Since(String),
    /// Images whose reference matches this glob (`REPOSITORY[:TAG]`, e.g. `tiny:*`).
    Reference(String),
    /// Images created before this timestamp or Go duration (`10m`). Needs API 1.44.
    Until(String),
    /// A filter dimg does not know, sent as is (for newer daemons); the daemon validates it.
    Other {
        /// Filter key.
        key: String,
        /// Filter value.
        value: String,
    },
}

impl ImageFilter {
    pub(crate) fn key(&self) -> &str {
        match self {
            ImageFilter::Dangling(_) => "dangling",
            ImageFilter::Label(_) => "label",
            ImageFilter::Before(_) => "before",
            ImageFilter::Since(_) => "since",
            ImageFilter::Reference(_) => "reference",
            ImageFilter::Until(_) => "until",
            ImageFilter::Other { key, .. } => key,
        }
    }

    pub(crate) fn value(&self) -> String {
        match self {
            ImageFilter::Dangling(b) => b.to_string(),
            ImageFilter::Label(v)
            | ImageFilter::Before(v)
            | ImageFilter::Since(v)
            | ImageFilter::Reference(v)
            | ImageFilter::Until(v)
            | ImageFilter::Other { value: v, .. } => v.clone(),
        }
    }
}

impl ImageFilter {
    /// The filter `key=value` (key trimmed and lowercased, value trimmed), for the keys
    /// `docker images` knows; how a binding turns `{"dangling": True}` into a filter.
    ///
    /// ```
    /// use dimg::ImageFilter;
    /// assert_eq!(ImageFilter::from_pair("Dangling", "true").unwrap(), ImageFilter::Dangling(true));
    /// assert!(ImageFilter::from_pair("colour", "blue").is_err());
    /// ```
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] for an unknown key or a value the key does not take.
    pub fn from_pair(key: &str, value: &str) -> Result<ImageFilter> {
        let (key, value) = (key.trim().to_ascii_lowercase(), value.trim().to_string());
        Ok(match key.as_str() {
            "dangling" => ImageFilter::Dangling(parse_bool(&key, &value)?),
            "label" => ImageFilter::Label(value),
            "before" => ImageFilter::Before(value),
            "since" => ImageFilter::Since(value),
            "reference" => ImageFilter::Reference(value),
            "until" => ImageFilter::Until(value),
            _ => {
                return Err(Error::InvalidArgument(format!(
                    "invalid filter '{}'",
                    Error::excerpt(&key)
                )));
            }
        })
    }
}

impl FromStr for ImageFilter {
    type Err = Error;

    /// Parses `KEY=VALUE` (split at the first `=`) as [`ImageFilter::from_pair`] does.
    fn from_str(text: &str) -> Result<ImageFilter> {
        let (key, value) = split_filter(text)?;
        ImageFilter::from_pair(&key, &value)
    }
}

/// Options of [`crate::Images::list`] (`docker images`).
///
/// # Examples
/// ```
/// use dimg::{ImageFilter, ListOptions};
/// let opts = ListOptions::new().all(true).filter(ImageFilter::Dangling(false)).reference("tiny:*");
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[must_use]
pub struct ListOptions {
    pub(crate) all: bool,
    pub(crate) filters: Vec<ImageFilter>,
    pub(crate) shared_size: bool,
    pub(crate) manifests: bool,
}

impl ListOptions {
    /// No options: tagged and dangling top-level images, as `docker images`.
    pub fn new() -> ListOptions {
        ListOptions::default()
    }

    /// Also intermediate images (`-a`).
    pub fn all(mut self, all: bool) -> ListOptions {
        self.set_all(all);
        self
    }

    /// Adds a filter (`-f`). Filters of the same key are alternatives, different keys all apply.
    pub fn filter(mut self, filter: ImageFilter) -> ListOptions {
        self.add_filter(filter);
        self
    }

    /// Only images matching `REPOSITORY[:TAG]` (the positional argument of `docker images`);
    /// adds a `reference` filter.
    pub fn reference(self, pattern: impl Into<String>) -> ListOptions {
        self.filter(ImageFilter::Reference(pattern.into()))
    }

    /// Fill [`crate::ImageSummary::shared_size`] (API 1.42).
    pub fn shared_size(mut self, on: bool) -> ListOptions {
        self.set_shared_size(on);
        self
    }

    /// Fill [`crate::ImageSummary::manifests`] (API 1.47).
    pub fn manifests(mut self, on: bool) -> ListOptions {
        self.set_manifests(on);
        self
    }

    /// [`ListOptions::all`] in place, for options kept and changed over time (libdimg's).
    ///
    /// ```
    /// let mut opts = dimg::ListOptions::new();
    /// opts.set_all(true).set_reference(Some("tiny:*".into())).set_reference(None);
    /// assert_eq!(opts, dimg::ListOptions::new().all(true));
    /// ```
    pub fn set_all(&mut self, all: bool) -> &mut ListOptions {
        self.all = all;
        self
    }

    /// [`ListOptions::filter`] in place.
    pub fn add_filter(&mut self, filter: ImageFilter) -> &mut ListOptions {
        self.filters.push(filter);
        self
    }

    /// Replaces every `reference` filter by `pattern` (none for `None`).
    pub fn set_reference(&mut self, pattern: Option<String>) -> &mut ListOptions {
        self.filters.retain(|f| !matches!(f, ImageFilter::Reference(_)));
        if let Some(pattern) = pattern {
            self.filters.push(ImageFilter::Reference(pattern));
        }
        self
    }

    /// [`ListOptions::shared_size`] in place.
    pub fn set_shared_size(&mut self, on: bool) -> &mut ListOptions {
        self.shared_size = on;
        self
    }

    /// [`ListOptions::manifests`] in place.
    pub fn set_manifests(&mut self, on: bool) -> &mut ListOptions {
        self.manifests = on;
        self
    }
}

/// One `docker search --filter`.
///
/// ```
/// use dimg::SearchFilter;
/// assert_eq!("stars=3".parse::<SearchFilter>().unwrap(), SearchFilter::Stars(3));
/// assert_eq!("is-official=true".parse::<SearchFilter>().unwrap(), SearchFilter::IsOfficial(true));
/// assert!("stars=many".parse::<SearchFilter>().is_err());
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum SearchFilter {
    /// At least this many stars.
    Stars(u32),
    /// Only official (`true`) or only non-official images.
    IsOfficial(bool),
    /// Only automated (`true`) or only non-automated images (deprecated by Docker).
    IsAutomated(bool),
}

impl SearchFilter {
    /// The filter `key=value` for the keys `docker search` knows.
    ///
    /// ```
    /// use dimg::SearchFilter;
    /// assert_eq!(SearchFilter::from_pair("stars", "3").unwrap(), SearchFilter::Stars(3));
    /// ```
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] for an unknown key or a value the key does not take.
    pub fn from_pair(key: &str, value: &str) -> Result<SearchFilter> {
        let (key, value) = (key.trim().to_ascii_lowercase(), value.trim().to_string());
        Ok(match key.as_str() {
            "stars" => SearchFilter::Stars(value.parse().map_err(|_| {
                Error::InvalidArgument(format!(
                    "invalid filter 'stars={}': expected a number of stars",
                    Error::excerpt(&value)
                ))
            })?),
            "is-official" => SearchFilter::IsOfficial(parse_bool(&key, &value)?),
            "is-automated" => SearchFilter::IsAutomated(parse_bool(&key, &value)?),
            _ => {
                return Err(Error::InvalidArgument(format!(
                    "invalid filter '{}'",
                    Error::excerpt(&key)
                )));
            }
        })
    }
}

impl FromStr for SearchFilter {
    type Err = Error;

    /// Parses `KEY=VALUE` (split at the first `=`) as [`SearchFilter::from_pair`] does.
    fn from_str(text: &str) -> Result<SearchFilter> {
        let (key, value) = split_filter(text)?;
        SearchFilter::from_pair(&key, &value)
    }
}

/// Options of [`crate::Images::search`] (`docker search`).
///
/// ```
/// let opts = dimg::SearchOptions::new().limit(10).filter(dimg::SearchFilter::Stars(3));
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[must_use]
pub struct SearchOptions {
    pub(crate) limit: Option<u32>,
    pub(crate) filters: Vec<SearchFilter>,
    pub(crate) credentials: Credentials,
}

impl SearchOptions {
    /// No limit (the daemon's default, 25) and no filters.
    pub fn new() -> SearchOptions {
        SearchOptions::default()
    }

    /// At most this many results, 1 to 100 (checked before sending). The index applies it
    /// before the filters, so fewer can come back.
    pub fn limit(mut self, limit: u32) -> SearchOptions {
        self.set_limit(Some(limit));
        self
    }

    /// Adds a filter.
    pub fn filter(mut self, filter: SearchFilter) -> SearchOptions {
        self.add_filter(filter);
        self
    }

    /// Shorthand for `filter(SearchFilter::Stars(n))` (the old `docker search -s`).
    pub fn min_stars(self, stars: u32) -> SearchOptions {
        self.filter(SearchFilter::Stars(stars))
    }

    /// Where the index credentials come from (default: the docker CLI's `config.json`).
    pub fn credentials(mut self, credentials: Credentials) -> SearchOptions {
        self.credentials = credentials;
        self
    }

    /// [`SearchOptions::limit`] in place (`None`: the daemon's default).
    pub fn set_limit(&mut self, limit: Option<u32>) -> &mut SearchOptions {
        self.limit = limit;
        self
    }

    /// [`SearchOptions::filter`] in place.
    pub fn add_filter(&mut self, filter: SearchFilter) -> &mut SearchOptions {
        self.filters.push(filter);
        self
    }
}

/// When [`crate::Images::pull`] asks the registry at all: podman's and `docker run --pull`'s
/// pull policies, for `docker pull` (which always pulls).
///
/// "Present" means that the daemon has an image under the reference (inspect finds it) and,
/// when [`PullOptions::platform`] is set, that the image is for that platform (the same rule as
/// `docker run --pull missing --platform`). A skipped pull is a stream that ends at once, with
/// [`crate::PullOutcome::Skipped`] in its summary.
///
/// | policy | image present | image absent |
/// |---|---|---|
/// | `Always` (default) | pull (`docker pull`) | pull |
/// | `Missing` | nothing is sent to the registry: skipped | pull |
/// | `Never` | skipped | [`Error::NotFound`] (`No such image: NAME`), nothing sent |
/// | `Newer` | asks the daemon for the registry's digest (`GET /distribution/NAME/json`, same credentials as the pull); pull only when it is not among the local image's repo digests | pull |
///
/// `Newer` returns the failures of its digest lookup as they are ([`Error::NotFound`],
/// [`Error::Unauthorized`], [`Error::RateLimited`], ...): it never falls back to the local
/// image silently; `Missing` is the policy that leaves the registry alone. A reference with a
/// digest names content that cannot change, so `Newer` treats it as `Missing`. `Newer` needs
/// the daemon's distribution endpoint (API 1.30), which Podman does not offer
/// ([`Error::Unsupported`] there). Asking it costs dockerd 20.10 a manifest `HEAD` and `GET`
/// and the image's config blob, never a layer.
///
/// Only `Always` combines with [`PullOptions::all_tags`] (which tags exist is only known to
/// the registry); the others are refused before anything is sent.
///
/// # Examples
/// ```
/// use dimg::{PullOptions, PullPolicy};
/// let opts = PullOptions::new().policy(PullPolicy::Missing);
/// assert_eq!("newer".parse::<PullPolicy>().unwrap(), PullPolicy::Newer);
/// assert_eq!(PullPolicy::Never.as_str(), "never");
/// assert_eq!(PullPolicy::default(), PullPolicy::Always);
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum PullPolicy {
    /// Always pull, as `docker pull` does (the daemon still downloads only what changed).
    #[default]
    Always,
    /// Pull only when the image is not present locally.
    Missing,
    /// Never pull: use the local image, or fail with [`Error::NotFound`].
    Never,
    /// Pull when the image is absent, or when the registry's digest for the reference differs
    /// from the local image's.
    Newer,
}

impl PullPolicy {
    /// Every policy, in the order of the table above (for help texts and bindings' tests).
    pub const ALL: [PullPolicy; 4] = [
        PullPolicy::Always,
        PullPolicy::Missing,
        PullPolicy::Never,
        PullPolicy::Newer,
    ];

    /// The policy's name as podman and `docker run --pull` spell it: `always`, `missing`,
    /// `never`, `newer`.
    pub fn as_str(self) -> &'static str {
        match self {
            PullPolicy::Always => "always",
            PullPolicy::Missing => "missing",
            PullPolicy::Never => "never",
            PullPolicy::Newer => "newer",
        }
    }
}

impl std::fmt::Display for PullPolicy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for PullPolicy {
    type Err = Error;

    /// Parses a policy name, in any case and with surrounding spaces trimmed.
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] naming the accepted values.
    fn from_str(text: &str) -> Result<PullPolicy> {
        let wanted = text.trim().to_ascii_lowercase();
        PullPolicy::ALL
            .into_iter()
            .find(|policy| policy.as_str() == wanted)
            .ok_or_else(|| {
                Error::InvalidArgument(format!(
                    "invalid pull policy {:?}: expected always, missing, never or newer",
                    Error::excerpt(text)
                ))
            })
    }
}

/// Options of [`crate::Images::pull`] (`docker pull`).
///
/// ```
/// let opts = dimg::PullOptions::new().platform("linux/amd64");
/// let every_tag = dimg::PullOptions::new().all_tags(true);
/// let if_absent = dimg::PullOptions::new().policy(dimg::PullPolicy::Missing);
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[must_use]
pub struct PullOptions {
    pub(crate) all_tags: bool,
    pub(crate) platform: Option<String>,
    pub(crate) credentials: Credentials,
    pub(crate) policy: PullPolicy,
}

impl PullOptions {
    /// Pull one tag (`latest` when the reference has none).
    pub fn new() -> PullOptions {
        PullOptions::default()
    }

    /// Pull every tag of the repository (`-a`); the reference must then have no tag or digest.
    pub fn all_tags(mut self, on: bool) -> PullOptions {
        self.set_all_tags(on);
        self
    }

    /// Pull for this platform, `os[/arch[/variant]]` (API 1.32), checked by
    /// [`check_platform`] before anything is sent.
    pub fn platform(mut self, platform: impl Into<String>) -> PullOptions {
        self.set_platform(Some(platform.into()));
        self
    }

    /// Where the registry credentials come from (default: the docker CLI's `config.json`,
    /// `credsStore` and `credHelpers`, keyed by the reference's registry).
    pub fn credentials(mut self, credentials: Credentials) -> PullOptions {
        self.set_credentials(credentials);
        self
    }

    /// When to ask the registry at all (default [`PullPolicy::Always`], `docker pull`'s
    /// behaviour); see [`PullPolicy`].
    pub fn policy(mut self, policy: PullPolicy) -> PullOptions {
        self.set_policy(policy);
        self
    }

    /// [`PullOptions::policy`] in place.
    ///
    /// ```
    /// let mut opts = dimg::PullOptions::new();
    /// opts.set_policy(dimg::PullPolicy::Never);
    /// assert_eq!(opts, dimg::PullOptions::new().policy(dimg::PullPolicy::Never));
    /// ```
    pub fn set_policy(&mut self, policy: PullPolicy) -> &mut PullOptions {
        self.policy = policy;
        self
    }

    /// [`PullOptions::all_tags`] in place.
    pub fn set_all_tags(&mut self, on: bool) -> &mut PullOptions {
        self.all_tags = on;
        self
    }

    /// [`PullOptions::platform`] in place (`None`: the daemon's own platform).
    pub fn set_platform(&mut self, platform: Option<String>) -> &mut PullOptions {
        self.platform = platform;
        self
    }

    /// [`PullOptions::credentials`] in place.
    pub fn set_credentials(&mut self, credentials: Credentials) -> &mut PullOptions {
        self.credentials = credentials;
        self
    }

    /// Shorthand for `credentials(Credentials::Explicit(auth))`.
    ///
    /// ```
    /// let opts = dimg::PullOptions::new().auth(dimg::RegistryAuth::basic("alice", "secret"));
    /// ```
    pub fn auth(self, auth: RegistryAuth) -> PullOptions {
        self.credentials(Credentials::Explicit(auth))
    }
}

/// Checks a platform specifier (`os[/arch[/variant]]`, such as `linux/arm64/v8`) with the
/// daemon's own rule (containerd's `platforms.Parse`: no wildcards, at most three components,
/// each matching `^[A-Za-z0-9_-]+$`) and lowercases it, so that a bad one is refused before
/// anything is sent, in the daemon's words.
///
/// ```
/// assert_eq!(dimg::check_platform("Linux/AMD64").unwrap(), "linux/amd64");
/// let err = dimg::check_platform("linux//x").unwrap_err();
/// assert_eq!(
///     err.to_string(),
///     r#""" is an invalid component of "linux//x": platform specifier component must match "^[A-Za-z0-9_-]+$": invalid argument"#
/// );
/// assert!(dimg::check_platform("linux/*").is_err());
/// ```
///
/// # Errors
/// [`Error::InvalidArgument`] with the daemon's message.
pub fn check_platform(platform: &str) -> Result<String> {
    const COMPONENT: &str = "^[A-Za-z0-9_-]+$";
    let shown = Error::excerpt(platform);
    if platform.contains('*') {
        return Err(Error::InvalidArgument(format!(
            "{shown:?}: wildcards not yet supported: invalid argument"
        )));
    }
    let parts: Vec<&str> = platform.split('/').collect();
    for part in &parts {
        let valid = !part.is_empty()
            && part
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
        if !valid {
            return Err(Error::InvalidArgument(format!(
                "{:?} is an invalid component of {shown:?}: platform specifier component must match {COMPONENT:?}: invalid argument",
                Error::excerpt(part)
            )));
        }
    }
    if parts.len() > 3 {
        return Err(Error::InvalidArgument(format!(
            "{shown:?}: cannot parse platform specifier: invalid argument"
        )));
    }
    Ok(platform.to_ascii_lowercase())
}

/// Options of [`crate::Images::remove`] (`docker rmi`).
///
/// ```
/// let opts = dimg::RemoveOptions::new().force(true).noprune(true);
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[must_use]
pub struct RemoveOptions {
    pub(crate) force: bool,
    pub(crate) noprune: bool,
}

impl RemoveOptions {
    /// Neither force nor noprune.
    pub fn new() -> RemoveOptions {
        RemoveOptions::default()
    }

    /// Untag every reference and remove the image even if stopped containers use it (`-f`).
    pub fn force(mut self, on: bool) -> RemoveOptions {
        self.set_force(on);
        self
    }

    /// Keep untagged parents (`--no-prune`).
    pub fn noprune(mut self, on: bool) -> RemoveOptions {
        self.set_noprune(on);
        self
    }

    /// [`RemoveOptions::force`] in place.
    pub fn set_force(&mut self, on: bool) -> &mut RemoveOptions {
        self.force = on;
        self
    }

    /// [`RemoveOptions::noprune`] in place.
    pub fn set_noprune(&mut self, on: bool) -> &mut RemoveOptions {
        self.noprune = on;
        self
    }
}
