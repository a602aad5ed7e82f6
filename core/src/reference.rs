//! Docker image references, parsed and normalized the way the Docker CLI does it.
//!
//! This is a hand-written port of Go's `github.com/distribution/reference`
//! (`ParseNormalizedNamed`, `TagNameOnly`, `FamiliarName`, `FamiliarString`), including
//! the digest checks of `github.com/opencontainers/go-digest` with the `sha256`, `sha384`
//! and `sha512` algorithms registered. Errors carry Go's exact wording.
//!
//! Grammar (from distribution/reference):
//!
//! ```text
//! reference        := name [ ":" tag ] [ "@" digest ]
//! name             := [domain '/'] path-component ['/' path-component]*
//! domain           := host [':' port-number]
//! host             := domain-name | '[' IPv6 ']'          (no zone identifiers)
//! domain-name      := domain-component ['.' domain-component]*
//! domain-component := /([a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])/
//! port-number      := /[0-9]+/
//! path-component   := alpha-numeric [separator alpha-numeric]*
//! alpha-numeric    := /[a-z0-9]+/
//! separator        := /[_.]|__|[-]+/
//! tag              := /[\w][\w.-]{0,127}/
//! digest           := algorithm ":" /[0-9a-fA-F]{32,}/
//! algorithm        := /[A-Za-z][A-Za-z0-9]*([-_+.][A-Za-z][A-Za-z0-9]*)*/
//! ```
//!
//! Because the grammar only admits ASCII letters, digits and `._-/:@[]`, an accepted
//! reference never contains `?`, `#`, `%`, whitespace, control characters, an empty or
//! `..` path segment, or a leading `/`, so it is safe to splice into a request path.
//!
//! # Examples
//! ```
//! use dimg::ImageRef;
//!
//! let r = ImageRef::parse("alpine").unwrap();
//! assert_eq!(r.to_string(), "docker.io/library/alpine");
//! assert_eq!(r.with_default_tag().to_string(), "docker.io/library/alpine:latest");
//! ```

use std::fmt;
use std::str::FromStr;

use crate::error::{Error, Result};

/// Docker Hub's canonical domain.
const DEFAULT_DOMAIN: &str = "docker.io";
/// Docker Hub's legacy ("Docker Index") domain, canonicalized to [`DEFAULT_DOMAIN`].
const LEGACY_DEFAULT_DOMAIN: &str = "index.docker.io";
/// Namespace of the official images on Docker Hub.
const OFFICIAL_REPO_PREFIX: &str = "library/";
/// Tag added by [`ImageRef::with_default_tag`].
const DEFAULT_TAG: &str = "latest";
/// Always treated as a domain when it is the first component.
const LOCALHOST: &str = "localhost";
/// Maximum length of the path (the name without its domain).
const REPOSITORY_NAME_TOTAL_LENGTH_MAX: usize = 255;
/// Maximum length of a tag.
const TAG_MAX_LEN: usize = 128;
/// Minimum number of hex characters in a digest (128 bits).
const DIGEST_HEX_MIN_LEN: usize = 32;

// distribution/reference error texts.
const ERR_REFERENCE_INVALID_FORMAT: &str = "invalid reference format";
const ERR_NAME_CONTAINS_UPPERCASE: &str = "repository name must be lowercase";
const ERR_NAME_EMPTY: &str = "repository name must have at least one component";
const ERR_NAME_TOO_LONG: &str = "repository name must not be more than 255 characters";

// go-digest error texts.
const ERR_DIGEST_INVALID_FORMAT: &str = "invalid checksum digest format";
const ERR_DIGEST_INVALID_LENGTH: &str = "invalid checksum digest length";
const ERR_DIGEST_UNSUPPORTED: &str = "unsupported digest algorithm";

/// A parsed, normalized image reference: `domain/path[:tag][@digest]`.
///
/// Built by [`ImageRef::parse`] (or [`str::parse`]), which follows Go's
/// `reference.ParseNormalizedNamed`: a name without a domain lives on `docker.io`, and a
/// single-component Docker Hub name gets the `library/` namespace. A reference may carry
/// a tag, a digest, both, or neither.
///
/// [`Display`](fmt::Display) gives the full normalized form; [`ImageRef::familiar_string`]
/// gives the short form the Docker CLI shows.
///
/// # Examples
/// ```
/// use dimg::ImageRef;
///
/// let r: ImageRef = "localhost:5000/tools/jq:1.7".parse().unwrap();
/// assert_eq!(r.domain(), "localhost:5000");
/// assert_eq!(r.path(), "tools/jq");
/// assert_eq!(r.tag(), Some("1.7"));
/// assert_eq!(r.digest(), None);
/// assert_eq!(r.to_string(), "localhost:5000/tools/jq:1.7");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ImageRef {
    domain: String,
    path: String,
    tag: Option<String>,
    digest: Option<String>,
}

impl ImageRef {
    /// Parses an image reference the way `docker pull` does (Go's `ParseNormalizedNamed`).
    ///
    /// * no domain: `docker.io` is used, and a single component gets `library/`
    ///   (`alpine` is `docker.io/library/alpine`);
    /// * the first component is a domain when it is `localhost`, or contains `.` or `:`,
    ///   or contains an uppercase letter (`Foo/bar` has the domain `Foo`);
    /// * `index.docker.io` becomes `docker.io`, and `docker.io/foo` becomes
    ///   `docker.io/library/foo`;
    /// * `name:tag@digest` keeps both the tag and the digest.
    ///
    /// # Errors
    /// [`Error::InvalidReference`] with Go's message, for example `invalid reference format`,
    /// `invalid reference format: repository name (library/Tiny) must be lowercase`,
    /// `repository name must not be more than 255 characters`,
    /// `invalid repository name (<id>), cannot specify 64-byte hexadecimal strings`,
    /// or a go-digest error (`unsupported digest algorithm`,
    /// `invalid checksum digest length`, `invalid checksum digest format`).
    ///
    /// # Examples
    /// ```
    /// use dimg::ImageRef;
    ///
    /// let r = ImageRef::parse("index.docker.io/nginx:1.27").unwrap();
    /// assert_eq!(r.name(), "docker.io/library/nginx");
    /// assert_eq!(r.tag(), Some("1.27"));
    ///
    /// // No slash: "5000" is a tag, not a port.
    /// let r = ImageRef::parse("test.com:5000").unwrap();
    /// assert_eq!(r.to_string(), "docker.io/library/test.com:5000");
    ///
    /// let err = ImageRef::parse("Tiny").unwrap_err();
    /// assert!(matches!(err, dimg::Error::InvalidReference { .. }));
    /// assert_eq!(
    ///     err.to_string(),
    ///     "invalid reference format: repository name (library/Tiny) must be lowercase"
    /// );
    /// ```
    pub fn parse(s: &str) -> Result<ImageRef> {
        if is_identifier(s) {
            return Err(Error::invalid_reference(
                s,
                format!("invalid repository name ({s}), cannot specify 64-byte hexadecimal strings"),
            ));
        }
        let (domain, remainder) = split_docker_domain(s);
        let remote = match remainder.find(':') {
            Some(i) => &remainder[..i],
            None => remainder.as_str(),
        };
        if changes_when_lowercased(remote) {
            return Err(Error::invalid_reference(
                s,
                format!(
                    "invalid reference format: repository name ({}) must be lowercase",
                    Error::excerpt(remote)
                ),
            ));
        }
        let full = format!("{domain}/{remainder}");
        let parts = parse_reference(&full).map_err(|reason| Error::invalid_reference(s, reason))?;
        Ok(ImageRef {
            domain: parts.domain.to_owned(),
            path: parts.path.to_owned(),
            tag: parts.tag.map(str::to_owned),
            digest: parts.digest.map(str::to_owned),
        })
    }

    /// The registry host, with its port if any: `docker.io`, `127.0.0.1:5000`,
    /// `localhost:5000`, `[::1]:5000`.
    ///
    /// It is empty in one corner case inherited from Go: a first component that looks like a
    /// domain (it has a `.`) but is not a valid host while the whole name is a valid path
    /// (`a_b.c/x`); then the whole name is the path.
    ///
    /// # Examples
    /// ```
    /// use dimg::ImageRef;
    ///
    /// assert_eq!(ImageRef::parse("alpine").unwrap().domain(), "docker.io");
    /// assert_eq!(ImageRef::parse("[::1]:5000/foo").unwrap().domain(), "[::1]:5000");
    /// ```
    pub fn domain(&self) -> &str {
        &self.domain
    }

    /// The repository path inside the registry, without domain, tag or digest:
    /// `library/alpine`, `foo/bar`.
    ///
    /// # Examples
    /// ```
    /// use dimg::ImageRef;
    ///
    /// assert_eq!(ImageRef::parse("alpine:3").unwrap().path(), "library/alpine");
    /// assert_eq!(ImageRef::parse("quay.io/a/b").unwrap().path(), "a/b");
    /// ```
    pub fn path(&self) -> &str {
        &self.path
    }

    /// The full repository name, `domain/path`, without tag or digest:
    /// `docker.io/library/alpine`.
    ///
    /// # Examples
    /// ```
    /// use dimg::ImageRef;
    ///
    /// let r = ImageRef::parse("alpine:3.20").unwrap();
    /// assert_eq!(r.name(), "docker.io/library/alpine");
    /// ```
    pub fn name(&self) -> String {
        join_name(&self.domain, &self.path)
    }

    /// The tag, if the reference has one.
    ///
    /// # Examples
    /// ```
    /// use dimg::ImageRef;
    ///
    /// assert_eq!(ImageRef::parse("alpine:3.20").unwrap().tag(), Some("3.20"));
    /// assert_eq!(ImageRef::parse("alpine").unwrap().tag(), None);
    /// ```
    pub fn tag(&self) -> Option<&str> {
        self.tag.as_deref()
    }

    /// The digest (`algorithm:hex`), if the reference has one.
    ///
    /// # Examples
    /// ```
    /// use dimg::ImageRef;
    ///
    /// let d = format!("sha256:{}", "f".repeat(64));
    /// let r = ImageRef::parse(&format!("alpine@{d}")).unwrap();
    /// assert_eq!(r.digest(), Some(d.as_str()));
    /// assert_eq!(r.tag(), None);
    /// ```
    pub fn digest(&self) -> Option<&str> {
        self.digest.as_deref()
    }

    /// The short name the Docker CLI shows (Go's `FamiliarName`): `docker.io/` is dropped,
    /// and so is `library/` when nothing else follows it but one component.
    ///
    /// # Examples
    /// ```
    /// use dimg::ImageRef;
    ///
    /// assert_eq!(ImageRef::parse("docker.io/library/alpine").unwrap().familiar_name(), "alpine");
    /// assert_eq!(ImageRef::parse("foo/bar:1").unwrap().familiar_name(), "foo/bar");
    /// assert_eq!(
    ///     ImageRef::parse("127.0.0.1:5000/tiny").unwrap().familiar_name(),
    ///     "127.0.0.1:5000/tiny"
    /// );
    /// ```
    pub fn familiar_name(&self) -> String {
        let (domain, path) = self.familiar_parts();
        join_name(domain, path)
    }

    /// The familiar name followed by `:tag` and `@digest` when present (Go's
    /// `FamiliarString`). This is the spelling the daemon stores and returns.
    ///
    /// # Examples
    /// ```
    /// use dimg::ImageRef;
    ///
    /// let r = ImageRef::parse("docker.io/library/alpine:3.20").unwrap();
    /// assert_eq!(r.familiar_string(), "alpine:3.20");
    /// ```
    pub fn familiar_string(&self) -> String {
        let mut s = self.familiar_name();
        self.push_suffix(&mut s);
        s
    }

    /// Adds the tag `latest` when the reference has neither a tag nor a digest (Go's
    /// `TagNameOnly`); otherwise returns it unchanged.
    ///
    /// # Examples
    /// ```
    /// use dimg::ImageRef;
    ///
    /// let r = ImageRef::parse("alpine").unwrap().with_default_tag();
    /// assert_eq!(r.to_string(), "docker.io/library/alpine:latest");
    ///
    /// let pinned = format!("alpine@sha256:{}", "a".repeat(64));
    /// let r = ImageRef::parse(&pinned).unwrap().with_default_tag();
    /// assert_eq!(r.tag(), None);
    /// ```
    pub fn with_default_tag(mut self) -> ImageRef {
        if self.is_name_only() {
            self.tag = Some(DEFAULT_TAG.to_owned());
        }
        self
    }

    /// The same repository with `tag` instead of its tag or digest, as docker-py's
    /// `pull(repository, tag=...)` and `tag(repository, tag=...)` take it: a `tag` with a `:`
    /// (`sha256:...`) is a digest.
    ///
    /// ```
    /// use dimg::ImageRef;
    /// let r = ImageRef::parse("zookeeper:3.8").unwrap().with_tag("3.9").unwrap();
    /// assert_eq!(r.to_string(), "docker.io/library/zookeeper:3.9");
    /// let digest = format!("sha256:{}", "a".repeat(64));
    /// let pinned = ImageRef::parse("zookeeper").unwrap().with_tag(&digest).unwrap();
    /// assert_eq!(pinned.digest(), Some(digest.as_str()));
    /// assert!(ImageRef::parse("zookeeper").unwrap().with_tag("bad tag").is_err());
    /// ```
    ///
    /// # Errors
    /// [`Error::InvalidReference`] when `tag` is not a valid tag or digest.
    pub fn with_tag(&self, tag: &str) -> Result<ImageRef> {
        let separator = if tag.contains(':') { '@' } else { ':' };
        ImageRef::parse(&format!("{}{separator}{tag}", self.name()))
    }

    /// Whether the reference has neither a tag nor a digest (Go's `IsNameOnly`).
    ///
    /// # Examples
    /// ```
    /// use dimg::ImageRef;
    ///
    /// assert!(ImageRef::parse("alpine").unwrap().is_name_only());
    /// assert!(!ImageRef::parse("alpine:3").unwrap().is_name_only());
    /// ```
    pub fn is_name_only(&self) -> bool {
        self.tag.is_none() && self.digest.is_none()
    }

    /// Domain and path with Docker Hub's defaults removed (Go's `familiarizeName`).
    fn familiar_parts(&self) -> (&str, &str) {
        if self.domain != DEFAULT_DOMAIN {
            return (&self.domain, &self.path);
        }
        let path = match self.path.strip_prefix(OFFICIAL_REPO_PREFIX) {
            Some(rest) if !rest.contains('/') => rest,
            _ => self.path.as_str(),
        };
        ("", path)
    }

    /// Appends `:tag` and `@digest` as present.
    fn push_suffix(&self, s: &mut String) {
        if let Some(tag) = &self.tag {
            s.push(':');
            s.push_str(tag);
        }
        if let Some(digest) = &self.digest {
            s.push('@');
            s.push_str(digest);
        }
    }
}

/// The full normalized reference: `docker.io/library/alpine:latest`,
/// `docker.io/library/a@sha256:...`, or `name:tag@digest` when both are present.
///
/// # Examples
/// ```
/// use dimg::ImageRef;
///
/// let r = ImageRef::parse("alpine:3.20").unwrap();
/// assert_eq!(format!("{r}"), "docker.io/library/alpine:3.20");
/// ```
impl fmt::Display for ImageRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut s = self.name();
        self.push_suffix(&mut s);
        f.write_str(&s)
    }
}

/// Same as [`ImageRef::parse`].
///
/// # Examples
/// ```
/// use dimg::ImageRef;
///
/// let r: ImageRef = "ghcr.io/owner/app:v1".parse().unwrap();
/// assert_eq!(r.domain(), "ghcr.io");
/// assert!("a b".parse::<ImageRef>().is_err());
/// ```
impl FromStr for ImageRef {
    type Err = Error;

    fn from_str(s: &str) -> Result<ImageRef> {
        ImageRef::parse(s)
    }
}

/// Validates a name that addresses a *local* image (inspect, remove, tag source).
///
/// Accepts a full image id `sha256:<64 lowercase hex>`, a bare 64-hex id, a short hex id
/// prefix (1 to 64 lowercase hex characters), or anything [`ImageRef::parse`] accepts.
/// Returns the input unchanged, since the daemon expects the user's own spelling.
///
/// # Errors
/// The [`Error::InvalidReference`] from [`ImageRef::parse`] when the input is none of these.
///
/// # Examples
/// ```
/// use dimg::reference::validate_image_name;
///
/// let id = "3f57d9401f8d42f986df300f0c69192fc41da28ccc8d797829467780db3dd741";
/// assert_eq!(validate_image_name(id).unwrap(), id);
/// assert_eq!(validate_image_name(&format!("sha256:{id}")).unwrap(), format!("sha256:{id}"));
/// assert_eq!(validate_image_name("3f57d9401f8d").unwrap(), "3f57d9401f8d");
/// assert_eq!(validate_image_name("alpine:3.20").unwrap(), "alpine:3.20");
/// assert!(validate_image_name("../../containers/json").is_err());
/// ```
pub fn validate_image_name(s: &str) -> Result<&str> {
    let hex = s.strip_prefix("sha256:");
    if hex.is_some_and(|h| h.len() == 64 && is_lower_hex(h)) {
        return Ok(s);
    }
    if (1..=64).contains(&s.len()) && is_lower_hex(s) {
        return Ok(s);
    }
    ImageRef::parse(s).map(|_| s)
}

// ---------------------------------------------------------------------------------------
// Internals: Go's splitDockerDomain, Parse, and the grammar.
// ---------------------------------------------------------------------------------------

/// Joins a domain and a path, leaving out the `/` when the domain is empty.
fn join_name(domain: &str, path: &str) -> String {
    if domain.is_empty() {
        path.to_owned()
    } else {
        format!("{domain}/{path}")
    }
}

/// Go's `splitDockerDomain`: picks the domain of a familiar name and canonicalizes
/// Docker Hub names. The input is not validated here.
fn split_docker_domain(name: &str) -> (&str, String) {
    let Some((maybe_domain, maybe_remote)) = name.split_once('/') else {
        return (DEFAULT_DOMAIN, format!("{OFFICIAL_REPO_PREFIX}{name}"));
    };
    let (domain, remote) = if maybe_domain == LOCALHOST {
        (maybe_domain, maybe_remote)
    } else if maybe_domain == LEGACY_DEFAULT_DOMAIN {
        (DEFAULT_DOMAIN, maybe_remote)
    } else if maybe_domain.contains(['.', ':']) || changes_when_lowercased(maybe_domain) {
        (maybe_domain, maybe_remote)
    } else {
        (DEFAULT_DOMAIN, name)
    };
    if domain == DEFAULT_DOMAIN && !remote.contains('/') {
        (domain, format!("{OFFICIAL_REPO_PREFIX}{remote}"))
    } else {
        (domain, remote.to_owned())
    }
}

/// The pieces of a reference that matched the grammar, borrowed from the input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Parts<'a> {
    /// Empty when the name has no domain.
    domain: &'a str,
    path: &'a str,
    tag: Option<&'a str>,
    digest: Option<&'a str>,
}

/// Go's `reference.Parse`: the grammar, the lowercase retry, the length limit and the
/// go-digest validation. The error is Go's message.
fn parse_reference(s: &str) -> std::result::Result<Parts<'_>, &'static str> {
    if s.is_empty() {
        return Err(ERR_NAME_EMPTY);
    }
    let Some(parts) = match_reference(s) else {
        // Go retries with strings.ToLower(s) to tell an uppercase name apart.
        let lowered = go_to_lower_ascii(s);
        if lowered
            .as_deref()
            .is_some_and(|l| l != s && match_reference(l).is_some())
        {
            return Err(ERR_NAME_CONTAINS_UPPERCASE);
        }
        return Err(ERR_REFERENCE_INVALID_FORMAT);
    };
    if parts.path.len() > REPOSITORY_NAME_TOTAL_LENGTH_MAX {
        return Err(ERR_NAME_TOO_LONG);
    }
    if let Some(digest) = parts.digest {
        validate_digest(digest)?;
    }
    Ok(parts)
}

/// Matches the whole of `s` against `name [":" tag] ["@" digest]`, with the same captures
/// as Go's anchored `ReferenceRegexp` followed by `anchoredNameRegexp` on the name.
///
/// Only one split is possible: `@` occurs in no part but the separator, and a `:` with
/// no `/` after it cannot belong to a domain (a domain is always followed by `/`).
fn match_reference(s: &str) -> Option<Parts<'_>> {
    let (rest, digest) = match s.split_once('@') {
        Some((rest, digest)) => (rest, Some(digest)),
        None => (s, None),
    };
    if digest.is_some_and(|d| !is_digest_pattern(d)) {
        return None;
    }
    let (name, tag) = match rest.rfind(':') {
        Some(i) if !rest[i + 1..].contains('/') => (&rest[..i], Some(&rest[i + 1..])),
        _ => (rest, None),
    };
    if tag.is_some_and(|t| !is_tag(t)) {
        return None;
    }
    let (domain, path) = split_name(name)?;
    Some(Parts {
        domain,
        path,
        tag,
        digest,
    })
}

/// Go's `anchoredNameRegexp`: `[domain "/"] path`, preferring a domain when the first
/// component is one (the regexp's optional group is greedy).
fn split_name(name: &str) -> Option<(&str, &str)> {
    if let Some((first, rest)) = name.split_once('/') {
        if is_domain(first) && is_path(rest) {
            return Some((first, rest));
        }
    }
    if is_path(name) { Some(("", name)) } else { None }
}

/// `host [":" port]` where host is a domain name or a bracketed IPv6 address.
fn is_domain(s: &str) -> bool {
    if let Some(bracketed) = s.strip_prefix('[') {
        let Some((inner, after)) = bracketed.split_once(']') else {
            return false;
        };
        let inner_ok = !inner.is_empty() && inner.bytes().all(|b| b.is_ascii_hexdigit() || b == b':');
        return inner_ok && is_optional_port(after);
    }
    let (host, port) = match s.find(':') {
        Some(i) => (&s[..i], &s[i..]),
        None => (s, ""),
    };
    host.split('.').all(is_domain_component) && is_optional_port(port)
}

/// `(":" [0-9]+)?`
fn is_optional_port(s: &str) -> bool {
    match s.strip_prefix(':') {
        Some(digits) => !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()),
        None => s.is_empty(),
    }
}

/// `[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9]`
fn is_domain_component(s: &str) -> bool {
    let b = s.as_bytes();
    match (b.first(), b.last()) {
        (Some(first), Some(last)) => {
            first.is_ascii_alphanumeric()
                && last.is_ascii_alphanumeric()
                && b.iter().all(|c| c.is_ascii_alphanumeric() || *c == b'-')
        }
        _ => false,
    }
}

/// `path-component ("/" path-component)*`
fn is_path(s: &str) -> bool {
    s.split('/').all(is_path_component)
}

/// `[a-z0-9]+ ((?:[._]|__|[-]+) [a-z0-9]+)*`
fn is_path_component(s: &str) -> bool {
    let b = s.as_bytes();
    let is_alnum = |c: u8| c.is_ascii_lowercase() || c.is_ascii_digit();
    match (b.first(), b.last()) {
        (Some(&first), Some(&last)) if is_alnum(first) && is_alnum(last) => {}
        _ => return false,
    }
    let mut i = 0;
    while i < b.len() {
        if is_alnum(b[i]) {
            i += 1;
            continue;
        }
        let start = i;
        while i < b.len() && !is_alnum(b[i]) {
            i += 1;
        }
        let sep = &b[start..i];
        let ok = matches!(sep, b"." | b"_" | b"__") || sep.iter().all(|&c| c == b'-');
        if !ok {
            return false;
        }
    }
    true
}

/// `[\w][\w.-]{0,127}` (`\w` is ASCII `[0-9A-Za-z_]` in Go's RE2).
fn is_tag(s: &str) -> bool {
    let b = s.as_bytes();
    let is_word = |c: u8| c.is_ascii_alphanumeric() || c == b'_';
    match b.first() {
        Some(&first) if is_word(first) && b.len() <= TAG_MAX_LEN => {
            b.iter().all(|&c| is_word(c) || c == b'.' || c == b'-')
        }
        _ => false,
    }
}

/// distribution/reference's digest pattern:
/// `[A-Za-z][A-Za-z0-9]*([-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}`
fn is_digest_pattern(s: &str) -> bool {
    let Some((algorithm, hex)) = s.split_once(':') else {
        return false;
    };
    let algorithm_ok = algorithm.split(['-', '_', '+', '.']).all(|component| {
        let b = component.as_bytes();
        b.first().is_some_and(u8::is_ascii_alphabetic) && b.iter().all(u8::is_ascii_alphanumeric)
    });
    algorithm_ok && hex.len() >= DIGEST_HEX_MIN_LEN && hex.bytes().all(|b| b.is_ascii_hexdigit())
}

/// go-digest's `Digest.Validate` for a string that already matches
/// [`is_digest_pattern`], with sha256, sha384 and sha512 registered.
fn validate_digest(s: &str) -> std::result::Result<(), &'static str> {
    let Some((algorithm, encoded)) = s.split_once(':') else {
        return Err(ERR_DIGEST_INVALID_FORMAT);
    };
    let hex_len = match algorithm {
        "sha256" => 64,
        "sha384" => 96,
        "sha512" => 128,
        // Not available: go-digest reports a bad format when the whole digest fails its
        // own pattern (`[a-z0-9]+([.+_-][a-z0-9]+)*:[a-zA-Z0-9=_-]+`), which, given the
        // reference grammar, happens exactly when the algorithm has an uppercase letter.
        _ if algorithm.bytes().any(|b| b.is_ascii_uppercase()) => {
            return Err(ERR_DIGEST_INVALID_FORMAT);
        }
        _ => return Err(ERR_DIGEST_UNSUPPORTED),
    };
    if encoded.len() != hex_len {
        return Err(ERR_DIGEST_INVALID_LENGTH);
    }
    if !is_lower_hex(encoded) {
        return Err(ERR_DIGEST_INVALID_FORMAT);
    }
    Ok(())
}

/// `^[a-f0-9]{64}$` (Go's `anchoredIdentifierRegexp`).
fn is_identifier(s: &str) -> bool {
    s.len() == 64 && is_lower_hex(s)
}

/// Only `[0-9a-f]` (true for the empty string).
fn is_lower_hex(s: &str) -> bool {
    s.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// Go's `strings.ToLower(s) != s`: whether any character has a different lowercase form.
fn changes_when_lowercased(s: &str) -> bool {
    s.chars().any(|c| {
        let mut lower = c.to_lowercase();
        !(lower.next() == Some(c) && lower.next().is_none())
    })
}

/// Go's `strings.ToLower(s)` when its result is pure ASCII, `None` otherwise (then it
/// cannot match the grammar anyway). Besides ASCII letters, only U+0130 (`İ`, simple
/// lowercase `i`) and U+212A (Kelvin sign, lowercase `k`) lower to ASCII.
fn go_to_lower_ascii(s: &str) -> Option<String> {
    s.chars()
        .map(|c| match c {
            '\u{0130}' => Some('i'),
            '\u{212A}' => Some('k'),
            c if c.is_ascii() => Some(c.to_ascii_lowercase()),
            _ => None,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEX64_F: &str = "ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff";

    fn reason(err: Error) -> String {
        match err {
            Error::InvalidReference { reason, .. } => reason,
            other => panic!("expected InvalidReference, got {other:?}"),
        }
    }

    /// Asserts that `ImageRef::parse` fails with exactly `want` and that the error keeps
    /// the caller's input.
    #[track_caller]
    fn assert_parse_err(input: &str, want: &str) {
        match ImageRef::parse(input) {
            Ok(r) => panic!("{input:?}: expected error {want:?}, got {r:?}"),
            Err(Error::InvalidReference {
                input: got_input,
                reason,
            }) => {
                assert_eq!(reason, want, "reason for {input:?}");
                assert_eq!(got_input, input, "input kept for {input:?}");
            }
            Err(other) => panic!("{input:?}: expected InvalidReference, got {other:?}"),
        }
    }

    #[track_caller]
    fn parse_ok(input: &str) -> ImageRef {
        ImageRef::parse(input).unwrap_or_else(|e| panic!("{input:?}: unexpected error: {e}"))
    }

    // -----------------------------------------------------------------------------------
    // reference_test.go: TestReferenceParse (Go's Parse, without normalization)
    // -----------------------------------------------------------------------------------

    struct RawCase {
        input: String,
        err: Option<&'static str>,
        repository: String,
        domain: &'static str,
        tag: &'static str,
        digest: String,
    }

    fn raw(input: &str, repository: &str, domain: &'static str, tag: &'static str) -> RawCase {
        RawCase {
            input: input.to_owned(),
            err: None,
            repository: repository.to_owned(),
            domain,
            tag,
            digest: String::new(),
        }
    }

    fn raw_digest(input: &str, repository: &str, domain: &'static str, tag: &'static str, digest: &str) -> RawCase {
        RawCase {
            digest: digest.to_owned(),
            ..raw(input, repository, domain, tag)
        }
    }

    fn raw_err(input: &str, err: &'static str) -> RawCase {
        RawCase {
            err: Some(err),
            ..raw(input, "", "", "")
        }
    }

    #[test]
    fn go_reference_parse_table() {
        let sha256 = format!("sha256:{HEX64_F}");
        let sha512 = format!("sha512:{}", "f".repeat(128));
        let cases = vec![
            raw("test_com", "test_com", "", ""),
            raw("test.com:tag", "test.com", "", "tag"),
            raw("test.com:5000", "test.com", "", "5000"),
            raw("test.com/repo:tag", "test.com/repo", "test.com", "tag"),
            raw("test:5000/repo", "test:5000/repo", "test:5000", ""),
            raw("test:5000/repo:tag", "test:5000/repo", "test:5000", "tag"),
            raw_digest(
                &format!("test:5000/repo@{sha256}"),
                "test:5000/repo",
                "test:5000",
                "",
                &sha256,
            ),
            raw_digest(
                &format!("test:5000/repo:tag@{sha256}"),
                "test:5000/repo",
                "test:5000",
                "tag",
                &sha256,
            ),
            raw_err("", ERR_NAME_EMPTY),
            raw_err(":justtag", ERR_REFERENCE_INVALID_FORMAT),
            raw_err(&format!("@{sha256}"), ERR_REFERENCE_INVALID_FORMAT),
            raw_err(&format!("repo@sha256:{}", "f".repeat(34)), ERR_DIGEST_INVALID_LENGTH),
            raw_err(&format!("validname@invaliddigest:{HEX64_F}"), ERR_DIGEST_UNSUPPORTED),
            raw_err("Uppercase:tag", ERR_NAME_CONTAINS_UPPERCASE),
            // Go's FIXME: "Uppercase" is taken as a domain here, so this one passes.
            raw("Uppercase/lowercase:tag", "Uppercase/lowercase", "Uppercase", "tag"),
            raw_err("test:5000/Uppercase/lowercase:tag", ERR_NAME_CONTAINS_UPPERCASE),
            raw("lowercase:Uppercase", "lowercase", "", "Uppercase"),
            // The limit is on the path only (v0.5.0 counted the domain too).
            raw_err(&format!("domain/{}:tag", "a".repeat(256)), ERR_NAME_TOO_LONG),
            RawCase {
                input: format!("{}a:tag-puts-this-over-max", "a/".repeat(127)),
                repository: format!("{}a", "a/".repeat(127)),
                ..raw("", "", "a", "tag-puts-this-over-max")
            },
            RawCase {
                input: format!("example.com/{}:tag", "a".repeat(255)),
                repository: format!("example.com/{}", "a".repeat(255)),
                ..raw("", "", "example.com", "tag")
            },
            raw(&format!("{}a", "a/".repeat(128)), "", "a", ""),
            raw_err("aa/asdf$$^/aa", ERR_REFERENCE_INVALID_FORMAT),
            raw(
                "sub-dom1.foo.com/bar/baz/quux",
                "sub-dom1.foo.com/bar/baz/quux",
                "sub-dom1.foo.com",
                "",
            ),
            raw(
                "sub-dom1.foo.com/bar/baz/quux:some-long-tag",
                "sub-dom1.foo.com/bar/baz/quux",
                "sub-dom1.foo.com",
                "some-long-tag",
            ),
            raw(
                "b.gcr.io/test.example.com/my-app:test.example.com",
                "b.gcr.io/test.example.com/my-app",
                "b.gcr.io",
                "test.example.com",
            ),
            raw(
                "xn--n3h.com/myimage:xn--n3h.com",
                "xn--n3h.com/myimage",
                "xn--n3h.com",
                "xn--n3h.com",
            ),
            raw_digest(
                &format!("xn--7o8h.com/myimage:xn--7o8h.com@{sha512}"),
                "xn--7o8h.com/myimage",
                "xn--7o8h.com",
                "xn--7o8h.com",
                &sha512,
            ),
            raw("foo_bar.com:8080", "foo_bar.com", "", "8080"),
            raw("foo/foo_bar.com:8080", "foo/foo_bar.com", "foo", "8080"),
            raw("192.168.1.1", "192.168.1.1", "", ""),
            raw("192.168.1.1:tag", "192.168.1.1", "", "tag"),
            raw("192.168.1.1:5000", "192.168.1.1", "", "5000"),
            raw("192.168.1.1/repo", "192.168.1.1/repo", "192.168.1.1", ""),
            raw("192.168.1.1:5000/repo", "192.168.1.1:5000/repo", "192.168.1.1:5000", ""),
            raw(
                "192.168.1.1:5000/repo:5050",
                "192.168.1.1:5000/repo",
                "192.168.1.1:5000",
                "5050",
            ),
            raw_err("[2001:db8::1]", ERR_REFERENCE_INVALID_FORMAT),
            raw_err("[2001:db8::1]:5000", ERR_REFERENCE_INVALID_FORMAT),
            raw_err("[2001:db8::1]:tag", ERR_REFERENCE_INVALID_FORMAT),
            raw("[2001:db8::1]/repo", "[2001:db8::1]/repo", "[2001:db8::1]", ""),
            raw(
                "[2001:db8:1:2:3:4:5:6]/repo:tag",
                "[2001:db8:1:2:3:4:5:6]/repo",
                "[2001:db8:1:2:3:4:5:6]",
                "tag",
            ),
            raw(
                "[2001:db8::1]:5000/repo",
                "[2001:db8::1]:5000/repo",
                "[2001:db8::1]:5000",
                "",
            ),
            raw(
                "[2001:db8::1]:5000/repo:tag",
                "[2001:db8::1]:5000/repo",
                "[2001:db8::1]:5000",
                "tag",
            ),
            raw_digest(
                &format!("[2001:db8::1]:5000/repo@{sha256}"),
                "[2001:db8::1]:5000/repo",
                "[2001:db8::1]:5000",
                "",
                &sha256,
            ),
            raw_digest(
                &format!("[2001:db8::1]:5000/repo:tag@{sha256}"),
                "[2001:db8::1]:5000/repo",
                "[2001:db8::1]:5000",
                "tag",
                &sha256,
            ),
            raw(
                "[2001:db8::]:5000/repo",
                "[2001:db8::]:5000/repo",
                "[2001:db8::]:5000",
                "",
            ),
            raw("[::1]:5000/repo", "[::1]:5000/repo", "[::1]:5000", ""),
            raw_err("[fe80::1%eth0]:5000/repo", ERR_REFERENCE_INVALID_FORMAT),
            raw_err("[fe80::1%@invalidzone]:5000/repo", ERR_REFERENCE_INVALID_FORMAT),
            // go-digest details.
            raw_err(&format!("repo@sha256:{}", "F".repeat(64)), ERR_DIGEST_INVALID_FORMAT),
            raw_err(&format!("repo@SHA256:{HEX64_F}"), ERR_DIGEST_INVALID_FORMAT),
            raw_err(&format!("repo@md5:{}", "f".repeat(32)), ERR_DIGEST_UNSUPPORTED),
            raw_err(&format!("repo@sha256+b64:{HEX64_F}"), ERR_DIGEST_UNSUPPORTED),
            raw_err(&format!("repo@sha384:{HEX64_F}"), ERR_DIGEST_INVALID_LENGTH),
            raw_err(&format!("repo@sha256:{}", "f".repeat(31)), ERR_REFERENCE_INVALID_FORMAT),
        ];
        assert!(cases.len() >= 50);
        for tc in cases {
            let got = parse_reference(&tc.input);
            if let Some(want) = tc.err {
                assert_eq!(got, Err(want), "input {:?}", tc.input);
                continue;
            }
            let parts = got.unwrap_or_else(|e| panic!("{:?}: unexpected error {e}", tc.input));
            let name = join_name(parts.domain, parts.path);
            // Serialization is the identity for a raw reference.
            let mut serialized = name.clone();
            if let Some(t) = parts.tag {
                serialized = format!("{serialized}:{t}");
            }
            if let Some(d) = parts.digest {
                serialized = format!("{serialized}@{d}");
            }
            assert_eq!(serialized, tc.input);
            if tc.repository.is_empty() {
                assert_eq!(name, tc.input, "repository of {:?}", tc.input);
            } else {
                assert_eq!(name, tc.repository, "repository of {:?}", tc.input);
            }
            assert_eq!(parts.domain, tc.domain, "domain of {:?}", tc.input);
            assert_eq!(parts.tag.unwrap_or(""), tc.tag, "tag of {:?}", tc.input);
            assert_eq!(parts.digest.unwrap_or(""), tc.digest, "digest of {:?}", tc.input);
        }
    }

    // reference_test.go: TestDomainAndPath, TestWithNameFailure (via the name grammar)
    #[test]
    fn go_domain_and_path() {
        for (input, domain, path) in [
            ("test.com/foo", "test.com", "foo"),
            ("test_com/foo", "", "test_com/foo"),
            ("test:8080/foo", "test:8080", "foo"),
            ("test.com:8080/foo", "test.com:8080", "foo"),
            ("test-com:8080/foo", "test-com:8080", "foo"),
            ("xn--n3h.com:18080/foo", "xn--n3h.com:18080", "foo"),
        ] {
            assert_eq!(split_name(input), Some((domain, path)), "{input}");
        }
        for bad in [
            "",
            ":justtag",
            "aa/asdf$$^/aa",
            "validname@invaliddigest:ffff",
            "example.com/repo:tag",
        ] {
            assert_eq!(split_name(bad), None, "{bad}");
        }
        // The name matches, the length check is what fails.
        let long = format!("example.com/{}", "a".repeat(256));
        assert_eq!(split_name(&long).map(|(_, p)| p.len()), Some(256));
        assert_eq!(parse_reference(&long), Err(ERR_NAME_TOO_LONG));
    }

    // reference_test.go: TestParseNamed (ParseNamed = ParseNormalizedNamed + canonical check)
    #[test]
    fn go_parse_named_canonical() {
        for (input, canonical) in [
            ("test.com/foo", true),
            ("test:8080/foo", true),
            ("test_com/foo", false),
            ("test.com", false),
            ("foo", false),
            ("library/foo", false),
            ("docker.io/library/foo", true),
            ("docker.io/foo", false),
        ] {
            let r = parse_ok(input);
            assert_eq!(r.to_string() == input, canonical, "{input}");
        }
        let r = parse_ok("docker.io/library/foo");
        assert_eq!((r.domain(), r.path()), ("docker.io", "library/foo"));
        let r = parse_ok("test:8080/foo");
        assert_eq!((r.domain(), r.path()), ("test:8080", "foo"));
    }

    // -----------------------------------------------------------------------------------
    // normalize_test.go
    // -----------------------------------------------------------------------------------

    #[test]
    fn go_validate_reference_name() {
        let valid = [
            "docker/docker",
            "library/debian",
            "debian",
            "docker.io/docker/docker",
            "docker.io/library/debian",
            "docker.io/debian",
            "index.docker.io/docker/docker",
            "index.docker.io/library/debian",
            "index.docker.io/debian",
            "127.0.0.1:5000/docker/docker",
            "127.0.0.1:5000/library/debian",
            "127.0.0.1:5000/debian",
            "192.168.0.1",
            "192.168.0.1:80",
            "192.168.0.1:8/debian",
            "192.168.0.2:25000/debian",
            "thisisthesongthatneverendsitgoesonandonandonthisisthesongthatnev",
            "[fc00::1]:5000/docker",
            "[fc00::1]:5000/docker/docker",
            "[fc00:1:2:3:4:5:6:7]:5000/library/debian",
            "docker.io/1a3f5e7d9c1b3a5f7e9d1c3b5a7f9e1d3c5b7a9f1e3d5d7c9b1a3f5e7d9c1b3a",
            "Docker/docker",
            "DOCKER/docker",
        ];
        let invalid = [
            "https://github.com/docker/docker",
            "docker/Docker",
            "-docker",
            "-docker/docker",
            "-docker.io/docker/docker",
            "docker///docker",
            "docker.io/docker/Docker",
            "docker.io/docker///docker",
            "[fc00::1]",
            "[fc00::1]:5000",
            "fc00::1:5000/debian",
            "[fe80::1%eth0]:5000/debian",
            "[2001:db8:3:4::192.0.2.33]:5000/debian",
            "1a3f5e7d9c1b3a5f7e9d1c3b5a7f9e1d3c5b7a9f1e3d5d7c9b1a3f5e7d9c1b3a",
        ];
        for name in valid {
            parse_ok(name);
        }
        for name in invalid {
            assert!(ImageRef::parse(name).is_err(), "{name} should be invalid");
        }
    }

    #[test]
    fn go_validate_remote_name() {
        for name in [
            "docker/docker",
            "thisisthesongthatneverendsitgoesonandonandonthisisthesongthatnev",
            "docker-rules/docker",
            "docker---rules/docker",
            "doc/docker",
            "d/docker",
            "jess/t",
            "dock__er/docker",
        ] {
            parse_ok(name);
        }
        let long_namespace = format!(
            "{}/docker",
            ["this_is_not_a_valid_namespace_because_its_lenth_is_greater_than_255"; 4].join("_")
        );
        for name in [
            "docker/Docker",
            "docker///docker",
            "1a3f5e7d9c1b3a5f7e9d1c3b5a7f9e1d3c5b7a9f1e3d5d7c9b1a3f5e7d9c1b3a",
            "-docker/docker",
            "docker-/docker",
            "-docker-/docker",
            "____/____",
            "_docker/_docker",
            "dock..er/docker",
            "dock_.er/docker",
            "dock-.er/docker",
            "docker/",
            long_namespace.as_str(),
        ] {
            assert!(ImageRef::parse(name).is_err(), "{name} should be invalid");
        }
    }

    #[test]
    fn go_parse_repository_info() {
        // (RemoteName, FamiliarName, FullName, AmbiguousName, Domain)
        let cases = [
            (
                "fooo/bar",
                "fooo/bar",
                "docker.io/fooo/bar",
                "index.docker.io/fooo/bar",
                "docker.io",
            ),
            (
                "library/ubuntu",
                "ubuntu",
                "docker.io/library/ubuntu",
                "library/ubuntu",
                "docker.io",
            ),
            (
                "nonlibrary/ubuntu",
                "nonlibrary/ubuntu",
                "docker.io/nonlibrary/ubuntu",
                "",
                "docker.io",
            ),
            (
                "other/library",
                "other/library",
                "docker.io/other/library",
                "",
                "docker.io",
            ),
            (
                "private/moonbase",
                "127.0.0.1:8000/private/moonbase",
                "127.0.0.1:8000/private/moonbase",
                "",
                "127.0.0.1:8000",
            ),
            (
                "privatebase",
                "127.0.0.1:8000/privatebase",
                "127.0.0.1:8000/privatebase",
                "",
                "127.0.0.1:8000",
            ),
            (
                "private/moonbase",
                "example.com/private/moonbase",
                "example.com/private/moonbase",
                "",
                "example.com",
            ),
            (
                "privatebase",
                "example.com/privatebase",
                "example.com/privatebase",
                "",
                "example.com",
            ),
            (
                "private/moonbase",
                "example.com:8000/private/moonbase",
                "example.com:8000/private/moonbase",
                "",
                "example.com:8000",
            ),
            (
                "privatebasee",
                "example.com:8000/privatebasee",
                "example.com:8000/privatebasee",
                "",
                "example.com:8000",
            ),
            (
                "library/ubuntu-12.04-base",
                "ubuntu-12.04-base",
                "docker.io/library/ubuntu-12.04-base",
                "index.docker.io/library/ubuntu-12.04-base",
                "docker.io",
            ),
            (
                "library/foo",
                "foo",
                "docker.io/library/foo",
                "docker.io/foo",
                "docker.io",
            ),
            (
                "library/foo/bar",
                "library/foo/bar",
                "docker.io/library/foo/bar",
                "",
                "docker.io",
            ),
            (
                "store/foo/bar",
                "store/foo/bar",
                "docker.io/store/foo/bar",
                "",
                "docker.io",
            ),
            ("bar", "Foo/bar", "Foo/bar", "", "Foo"),
            ("bar", "FOO/bar", "FOO/bar", "", "FOO"),
        ];
        for (remote, familiar, full, ambiguous, domain) in cases {
            let mut inputs = vec![familiar, full];
            if !ambiguous.is_empty() {
                inputs.push(ambiguous);
            }
            for input in inputs {
                let r = parse_ok(input);
                assert_eq!(r.familiar_name(), familiar, "familiar name of {input}");
                assert_eq!(r.to_string(), full, "full name of {input}");
                assert_eq!(r.name(), full, "name of {input}");
                assert_eq!(r.domain(), domain, "domain of {input}");
                assert_eq!(r.path(), remote, "remote name of {input}");
                assert!(r.is_name_only());
            }
        }
    }

    #[test]
    fn go_parse_reference_with_tag_and_digest() {
        let short = "busybox:latest@sha256:86e0e091d0da6bde2456dbb48306f3956bbeb2eae1b5b9a43045843f69fe4aaa";
        let r = parse_ok(short);
        assert_eq!(r.to_string(), format!("docker.io/library/{short}"));
        assert_eq!(r.tag(), Some("latest"));
        assert_eq!(
            r.digest(),
            Some("sha256:86e0e091d0da6bde2456dbb48306f3956bbeb2eae1b5b9a43045843f69fe4aaa")
        );
        assert_eq!(r.familiar_string(), short);
        assert!(!r.is_name_only());
        assert_eq!(r.clone().with_default_tag(), r);
    }

    #[test]
    fn go_invalid_reference_components() {
        assert_parse_err("-foo", ERR_REFERENCE_INVALID_FORMAT);
        let r = parse_ok("busybox");
        assert!(r.is_name_only());
        // A tag that would fail WithTag cannot be given through the parser either.
        assert_parse_err("busybox:-foo", ERR_REFERENCE_INVALID_FORMAT);
        assert_parse_err("busybox@foo", ERR_REFERENCE_INVALID_FORMAT);
    }

    #[test]
    fn go_parse_any_reference_named_cases() {
        let d = "sha256:dbcc1c35ac38df41fd2f5e4130b32ffdb93ebae8b3dbe638c23575912276fc9c";
        let cases = [
            ("redis".to_owned(), "docker.io/library/redis".to_owned()),
            ("redis:latest".to_owned(), "docker.io/library/redis:latest".to_owned()),
            (
                "docker.io/library/redis:latest".to_owned(),
                "docker.io/library/redis:latest".to_owned(),
            ),
            (format!("redis@{d}"), format!("docker.io/library/redis@{d}")),
            (
                format!("docker.io/library/redis@{d}"),
                format!("docker.io/library/redis@{d}"),
            ),
            ("dmcgowan/myapp".to_owned(), "docker.io/dmcgowan/myapp".to_owned()),
            (
                "dmcgowan/myapp:latest".to_owned(),
                "docker.io/dmcgowan/myapp:latest".to_owned(),
            ),
            (
                "docker.io/mcgowan/myapp:latest".to_owned(),
                "docker.io/mcgowan/myapp:latest".to_owned(),
            ),
            (format!("dmcgowan/myapp@{d}"), format!("docker.io/dmcgowan/myapp@{d}")),
            (
                format!("docker.io/dmcgowan/myapp@{d}"),
                format!("docker.io/dmcgowan/myapp@{d}"),
            ),
            (
                "dbcc1c35ac38df41fd2f5e4130b32ffdb93ebae8b3dbe638c23575912276fc9".to_owned(),
                "docker.io/library/dbcc1c35ac38df41fd2f5e4130b32ffdb93ebae8b3dbe638c23575912276fc9".to_owned(),
            ),
            ("dbcc1".to_owned(), "docker.io/library/dbcc1".to_owned()),
        ];
        for (input, equivalent) in cases {
            let r = parse_ok(&input);
            assert_eq!(r.to_string(), equivalent, "{input}");
            assert_eq!(parse_ok(&equivalent), r, "{input}");
        }
        // ParseNormalizedNamed (unlike ParseAnyReference) refuses the bare identifier;
        // "sha256:<hex>" is a name ("sha256") with a tag.
        let id = "dbcc1c35ac38df41fd2f5e4130b32ffdb93ebae8b3dbe638c23575912276fc9c";
        assert_parse_err(
            id,
            &format!("invalid repository name ({id}), cannot specify 64-byte hexadecimal strings"),
        );
        let r = parse_ok(d);
        assert_eq!((r.path(), r.tag()), ("library/sha256", Some(id)));
    }

    #[test]
    fn go_normalized_split_hostname() {
        for (input, domain, path) in [
            ("test.com/foo", "test.com", "foo"),
            ("test_com/foo", "docker.io", "test_com/foo"),
            ("docker/migrator", "docker.io", "docker/migrator"),
            ("test.com:8080/foo", "test.com:8080", "foo"),
            ("test-com:8080/foo", "test-com:8080", "foo"),
            ("foo", "docker.io", "library/foo"),
            ("xn--n3h.com/foo", "xn--n3h.com", "foo"),
            ("xn--n3h.com:18080/foo", "xn--n3h.com:18080", "foo"),
            ("docker.io/foo", "docker.io", "library/foo"),
            ("docker.io/library/foo", "docker.io", "library/foo"),
            ("docker.io/library/foo/bar", "docker.io", "library/foo/bar"),
        ] {
            let r = parse_ok(input);
            assert_eq!((r.domain(), r.path()), (domain, path), "{input}");
        }
    }

    // TestParseDockerRef: the TagNameOnly part (ParseDockerRef's tag dropping is not ported).
    #[test]
    fn go_parse_docker_ref_default_tag() {
        let d = "sha256:e6693c20186f837fc393390135d8a598a96a833917917789d63766cab6c59582";
        let cases = [
            ("busybox".to_owned(), "docker.io/library/busybox:latest".to_owned()),
            (
                "busybox:latest".to_owned(),
                "docker.io/library/busybox:latest".to_owned(),
            ),
            (format!("busybox@{d}"), format!("docker.io/library/busybox@{d}")),
            (
                "library/busybox".to_owned(),
                "docker.io/library/busybox:latest".to_owned(),
            ),
            (
                "docker.io/busybox".to_owned(),
                "docker.io/library/busybox:latest".to_owned(),
            ),
            (
                "docker.io/library/busybox".to_owned(),
                "docker.io/library/busybox:latest".to_owned(),
            ),
            (
                "docker.io/busybox:latest".to_owned(),
                "docker.io/library/busybox:latest".to_owned(),
            ),
            (
                "library/busybox:latest".to_owned(),
                "docker.io/library/busybox:latest".to_owned(),
            ),
            (
                "docker.io/library/busybox:latest".to_owned(),
                "docker.io/library/busybox:latest".to_owned(),
            ),
            (
                "gcr.io/library/busybox".to_owned(),
                "gcr.io/library/busybox:latest".to_owned(),
            ),
            (
                format!("gcr.io/library/busybox:latest@{d}"),
                format!("gcr.io/library/busybox:latest@{d}"),
            ),
        ];
        for (input, expected) in cases {
            let r = parse_ok(&input).with_default_tag();
            assert_eq!(r.to_string(), expected, "{input}");
            assert!(parse_reference(&expected).is_ok());
        }
    }

    // -----------------------------------------------------------------------------------
    // regexp_test.go
    // -----------------------------------------------------------------------------------

    #[test]
    fn go_domain_regexp() {
        for (input, matches) in [
            ("test.com", true),
            ("test.com:10304", true),
            ("test.com:http", false),
            ("localhost", true),
            ("localhost:8080", true),
            ("a", true),
            ("a.b", true),
            ("ab.cd.com", true),
            ("a-b.com", true),
            ("-ab.com", false),
            ("ab-.com", false),
            ("ab.c-om", true),
            ("ab.-com", false),
            ("ab.com-", false),
            ("0101.com", true),
            ("001a.com", true),
            ("b.gbc.io:443", true),
            ("b.gbc.io", true),
            ("xn--n3h.com", true),
            ("Asdf.com", true),
            ("192.168.1.1:75050", true),
            ("192.168.1.1:750050", true),
            ("[fd00:1:2::3]:75050", true),
            ("[fd00:1:2::3]75050", false),
            ("[fd00:1:2::3]::75050", false),
            ("[fd00:1:2::3%eth0]:75050", false),
            ("[fd00123123123]:75050", true),
            ("[2001:0db8:85a3:0000:0000:8a2e:0370:7334]:75050", true),
            ("[2001:0db8:85a3:0000:0000:8a2e:0370:7334]:750505", true),
            ("fd00:1:2::3:75050", false),
            ("", false),
            ("[]", false),
            ("a..b", false),
            ("a.", false),
            ("a:", false),
        ] {
            assert_eq!(is_domain(input), matches, "{input:?}");
        }
    }

    #[test]
    fn go_full_name_regexp() {
        let long = format!("{}a", "a/".repeat(128));
        let long_path = format!("{}a", "a/".repeat(127));
        let cases: Vec<(&str, Option<(&str, &str)>)> = vec![
            ("", None),
            ("short", Some(("", "short"))),
            ("simple/name", Some(("simple", "name"))),
            ("library/ubuntu", Some(("library", "ubuntu"))),
            ("docker/stevvooe/app", Some(("docker", "stevvooe/app"))),
            (
                "aa/aa/aa/aa/aa/aa/aa/aa/aa/bb/bb/bb/bb/bb/bb",
                Some(("aa", "aa/aa/aa/aa/aa/aa/aa/aa/bb/bb/bb/bb/bb/bb")),
            ),
            ("aa/aa/bb/bb/bb", Some(("aa", "aa/bb/bb/bb"))),
            ("a/a/a/a", Some(("a", "a/a/a"))),
            ("a/a/a/a/", None),
            ("a//a/a", None),
            ("a", Some(("", "a"))),
            ("a/aa", Some(("a", "aa"))),
            ("a/aa/a", Some(("a", "aa/a"))),
            ("foo.com", Some(("", "foo.com"))),
            ("foo.com/", None),
            ("foo.com:8080/bar", Some(("foo.com:8080", "bar"))),
            ("foo.com:http/bar", None),
            ("foo.com/bar", Some(("foo.com", "bar"))),
            ("foo.com/bar/baz", Some(("foo.com", "bar/baz"))),
            ("localhost:8080/bar", Some(("localhost:8080", "bar"))),
            (
                "sub-dom1.foo.com/bar/baz/quux",
                Some(("sub-dom1.foo.com", "bar/baz/quux")),
            ),
            ("blog.foo.com/bar/baz", Some(("blog.foo.com", "bar/baz"))),
            ("a^a", None),
            ("aa/asdf$$^/aa", None),
            ("asdf$$^/aa", None),
            ("aa-a/a", Some(("aa-a", "a"))),
            (long.as_str(), Some(("a", long_path.as_str()))),
            ("a-/a/a/a", None),
            ("foo.com/a-/a/a", None),
            ("-foo/bar", None),
            ("foo/bar-", None),
            ("foo-/bar", None),
            ("foo/-bar", None),
            ("_foo/bar", None),
            ("foo_bar", Some(("", "foo_bar"))),
            ("foo_bar.com", Some(("", "foo_bar.com"))),
            ("foo_bar.com:8080", None),
            ("foo_bar.com:8080/app", None),
            ("foo.com/foo_bar", Some(("foo.com", "foo_bar"))),
            ("____/____", None),
            ("_docker/_docker", None),
            ("docker_/docker_", None),
            (
                "b.gcr.io/test.example.com/my-app",
                Some(("b.gcr.io", "test.example.com/my-app")),
            ),
            ("xn--n3h.com/myimage", Some(("xn--n3h.com", "myimage"))),
            ("xn--7o8h.com/myimage", Some(("xn--7o8h.com", "myimage"))),
            (
                "example.com/xn--7o8h.com/myimage",
                Some(("example.com", "xn--7o8h.com/myimage")),
            ),
            (
                "example.com/some_separator__underscore/myimage",
                Some(("example.com", "some_separator__underscore/myimage")),
            ),
            ("example.com/__underscore/myimage", None),
            ("example.com/..dots/myimage", None),
            ("example.com/.dots/myimage", None),
            ("example.com/nodouble..dots/myimage", None),
            ("docker./docker", None),
            (".docker/docker", None),
            ("docker-/docker", None),
            ("-docker/docker", None),
            ("do..cker/docker", None),
            ("do__cker:8080/docker", None),
            ("do__cker/docker", Some(("", "do__cker/docker"))),
            (
                "registry.io/foo/project--id.module--name.ver---sion--name",
                Some(("registry.io", "foo/project--id.module--name.ver---sion--name")),
            ),
            ("Asdf.com/foo/bar", Some(("Asdf.com", "foo/bar"))),
            ("Foo/FarB", None),
            ("a___b", None),
            ("a_-b", None),
            ("a.-b", None),
        ];
        for (input, want) in cases {
            assert_eq!(split_name(input), want, "{input:?}");
        }
    }

    #[test]
    fn go_reference_regexp() {
        let d = "sha256:be178c0543eb17f5f3043021c9e5fcf30285e557a4fc309cce97ff9ca6182912";
        let with = |input: String, want: Option<(&str, &str, &str)>| {
            let got = match_reference(&input)
                .map(|p| (join_name(p.domain, p.path), p.tag.unwrap_or(""), p.digest.unwrap_or("")));
            let want = want.map(|(n, t, d)| (n.to_owned(), t, d));
            assert_eq!(got, want, "{input:?}");
        };
        with(
            "registry.com:8080/myapp:tag".to_owned(),
            Some(("registry.com:8080/myapp", "tag", "")),
        );
        with(
            format!("registry.com:8080/myapp@{d}"),
            Some(("registry.com:8080/myapp", "", d)),
        );
        with(
            format!("registry.com:8080/myapp:tag2@{d}"),
            Some(("registry.com:8080/myapp", "tag2", d)),
        );
        with("registry.com:8080/myapp@sha256:badbadbadbad".to_owned(), None);
        with("registry.com:8080/myapp:invalid~tag".to_owned(), None);
        with("bad_hostname.com:8080/myapp:tag".to_owned(), None);
        with(format!("localhost:8080@{d}"), Some(("localhost", "8080", d)));
        with(format!("localhost:8080/name@{d}"), Some(("localhost:8080/name", "", d)));
        with(format!("localhost:http/name@{d}"), None);
        with(format!("localhost@{d}"), Some(("localhost", "", d)));
        with("registry.com:8080/myapp@bad".to_owned(), None);
        with("registry.com:8080/myapp@2bad".to_owned(), None);
        // Tag length: 128 is the limit.
        with(format!("a:{}", "t".repeat(128)), Some(("a", &"t".repeat(128), "")));
        with(format!("a:{}", "t".repeat(129)), None);
        with("a:_t.-".to_owned(), Some(("a", "_t.-", "")));
        with("a:.t".to_owned(), None);
        with("a:-t".to_owned(), None);
        with("a:".to_owned(), None);
        with("a@".to_owned(), None);
        with(format!("a@{d}@{d}"), None);
        with(
            format!("a@sha256+b.c-d_e:{HEX64_F}"),
            Some(("a", "", &format!("sha256+b.c-d_e:{HEX64_F}"))),
        );
        with(format!("a@sha256++b:{HEX64_F}"), None);
        with(format!("a@1sha:{HEX64_F}"), None);
    }

    #[test]
    fn go_identifier_regexp() {
        for (input, matches) in [
            ("da304e823d8ca2b9d863a3c897baeb852ba21ea9a9f1414736394ae7fcaf9821", true),
            (
                "7EC43B381E5AEFE6E04EFB0B3F0693FF2A4A50652D64AEC573905F2DB5889A1C",
                false,
            ),
            ("da304e823d8ca2b9d863a3c897baeb852ba21ea9a9f1414736394ae7fcaf", false),
            (
                "sha256:da304e823d8ca2b9d863a3c897baeb852ba21ea9a9f1414736394ae7fcaf9821",
                false,
            ),
            (
                "da304e823d8ca2b9d863a3c897baeb852ba21ea9a9f1414736394ae7fcaf98218482",
                false,
            ),
        ] {
            assert_eq!(is_identifier(input), matches, "{input}");
        }
        // Uppercase 64-hex is not an identifier; it fails as an uppercase name instead.
        let upper = "7EC43B381E5AEFE6E04EFB0B3F0693FF2A4A50652D64AEC573905F2DB5889A1C";
        assert_parse_err(
            upper,
            &format!("invalid reference format: repository name (library/{upper}) must be lowercase"),
        );
    }

    // -----------------------------------------------------------------------------------
    // ParseNormalizedNamed: exact messages and FEATURES.md gotchas
    // -----------------------------------------------------------------------------------

    #[test]
    fn normalized_error_messages() {
        let long_ok = "a".repeat(247); // "library/" + 247 = 255
        let long_bad = "a".repeat(248);
        let cases = [
            ("", ERR_REFERENCE_INVALID_FORMAT.to_owned()),
            (":justtag", ERR_REFERENCE_INVALID_FORMAT.to_owned()),
            (
                "@sha256:ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
                ERR_REFERENCE_INVALID_FORMAT.to_owned(),
            ),
            (
                "Tiny",
                "invalid reference format: repository name (library/Tiny) must be lowercase".to_owned(),
            ),
            (
                "Uppercase:tag",
                "invalid reference format: repository name (library/Uppercase) must be lowercase".to_owned(),
            ),
            (
                "test:5000/Uppercase/lowercase:tag",
                "invalid reference format: repository name (Uppercase/lowercase) must be lowercase".to_owned(),
            ),
            (
                "docker/Docker",
                "invalid reference format: repository name (docker/Docker) must be lowercase".to_owned(),
            ),
            (
                "docker.io/docker/Docker",
                "invalid reference format: repository name (docker/Docker) must be lowercase".to_owned(),
            ),
            // Uppercase first component is a domain; an invalid one fails in Parse's retry.
            ("Foo_bar/baz", ERR_NAME_CONTAINS_UPPERCASE.to_owned()),
            // Kelvin sign in the domain: Go's ToLower turns it into "k".
            ("\u{212A}.com/foo", ERR_NAME_CONTAINS_UPPERCASE.to_owned()),
            ("foo:\u{0130}", ERR_NAME_CONTAINS_UPPERCASE.to_owned()),
            (
                "\u{212A}",
                "invalid reference format: repository name (library/\u{212A}) must be lowercase".to_owned(),
            ),
            (
                "ÑAME",
                "invalid reference format: repository name (library/ÑAME) must be lowercase".to_owned(),
            ),
            (long_bad.as_str(), ERR_NAME_TOO_LONG.to_owned()),
            (
                "1a3f5e7d9c1b3a5f7e9d1c3b5a7f9e1d3c5b7a9f1e3d5d7c9b1a3f5e7d9c1b3a",
                "invalid repository name (1a3f5e7d9c1b3a5f7e9d1c3b5a7f9e1d3c5b7a9f1e3d5d7c9b1a3f5e7d9c1b3a), cannot specify 64-byte hexadecimal strings".to_owned(),
            ),
            (
                "alpine@sha256:ffff",
                ERR_REFERENCE_INVALID_FORMAT.to_owned(),
            ),
            (
                "alpine@sha256:ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffaa",
                ERR_DIGEST_INVALID_LENGTH.to_owned(),
            ),
            (
                "alpine@sha256:FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF",
                ERR_DIGEST_INVALID_FORMAT.to_owned(),
            ),
            (
                "alpine@md5:ffffffffffffffffffffffffffffffff",
                ERR_DIGEST_UNSUPPORTED.to_owned(),
            ),
            // The remote is everything before the first ':', digest included.
            (
                "alpine@Sha256:ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
                "invalid reference format: repository name (library/alpine@Sha256) must be lowercase"
                    .to_owned(),
            ),
            (
                "alpine:1@Sha256:ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
                ERR_DIGEST_INVALID_FORMAT.to_owned(),
            ),
            ("[::1]:5000", ERR_REFERENCE_INVALID_FORMAT.to_owned()),
            ("foo:tag:tag", ERR_REFERENCE_INVALID_FORMAT.to_owned()),
            ("foo/bar:", ERR_REFERENCE_INVALID_FORMAT.to_owned()),
        ];
        for (input, want) in &cases {
            assert_parse_err(input, want);
        }
        assert_eq!(parse_ok(&long_ok).path().len(), 255);
        // The limit is on the path only: a long domain does not count.
        let long_domain = format!("{}.com/{}", "d".repeat(60), "p".repeat(255));
        assert_eq!(parse_ok(&long_domain).path().len(), 255);
        assert_parse_err(
            &format!("{}.com/{}", "d".repeat(60), "p".repeat(256)),
            ERR_NAME_TOO_LONG,
        );
        // Display is the reason, verbatim.
        let err = ImageRef::parse("Tiny").unwrap_err();
        assert_eq!(
            reason(err),
            "invalid reference format: repository name (library/Tiny) must be lowercase"
        );
    }

    #[test]
    fn features_gotchas() {
        // test.com:5000 without a slash: repo test.com, tag 5000.
        let r = parse_ok("test.com:5000");
        assert_eq!(
            (r.domain(), r.path(), r.tag()),
            ("docker.io", "library/test.com", Some("5000"))
        );
        assert_eq!(r.familiar_string(), "test.com:5000");
        // localhost:5000/foo has a domain; bare localhost and localhost:5000 do not.
        let r = parse_ok("localhost:5000/foo");
        assert_eq!((r.domain(), r.path()), ("localhost:5000", "foo"));
        let r = parse_ok("localhost/foo");
        assert_eq!((r.domain(), r.path()), ("localhost", "foo"));
        let r = parse_ok("localhost:5000");
        assert_eq!(
            (r.domain(), r.path(), r.tag()),
            ("docker.io", "library/localhost", Some("5000"))
        );
        // Uppercase first component is a domain.
        let r = parse_ok("Foo/bar");
        assert_eq!((r.domain(), r.path()), ("Foo", "bar"));
        // index.docker.io is docker.io; docker.io/foo gets library/.
        let r = parse_ok("index.docker.io/foo:1");
        assert_eq!(r.to_string(), "docker.io/library/foo:1");
        assert_eq!(r.familiar_string(), "foo:1");
        // IPv6.
        let r = parse_ok("[::1]:5000/foo:bar");
        assert_eq!((r.domain(), r.path(), r.tag()), ("[::1]:5000", "foo", Some("bar")));
        assert_eq!(r.familiar_name(), "[::1]:5000/foo");
        // Multiple dashes in a path component.
        let r = parse_ok("foo---bar/baz--qux");
        assert_eq!(r.path(), "foo---bar/baz--qux");
        // name:tag@digest keeps both.
        let r = parse_ok(&format!("127.0.0.1:5000/tiny:1.0@sha256:{HEX64_F}"));
        assert_eq!(r.familiar_string(), format!("127.0.0.1:5000/tiny:1.0@sha256:{HEX64_F}"));
        assert_eq!(r.familiar_name(), "127.0.0.1:5000/tiny");
        // sha384 and sha512 are registered.
        parse_ok(&format!("a@sha384:{}", "0".repeat(96)));
        parse_ok(&format!("a@sha512:{}", "0".repeat(128)));
        // library/ is only dropped when exactly one component follows.
        assert_eq!(parse_ok("library/a/b").familiar_name(), "library/a/b");
        assert_eq!(parse_ok("docker.io/library/a").familiar_name(), "a");
        assert_eq!(parse_ok("quay.io/library/a").familiar_name(), "quay.io/library/a");
        // Go corner case: a "domain" with '.' that is not a valid host but a valid path.
        let r = parse_ok("a_b.c/x:1");
        assert_eq!((r.domain(), r.path(), r.tag()), ("", "a_b.c/x", Some("1")));
        assert_eq!(r.name(), "a_b.c/x");
        assert_eq!(r.to_string(), "a_b.c/x:1");
        assert_eq!(r.familiar_string(), "a_b.c/x:1");
        assert_eq!(parse_ok(&r.to_string()), r);
        // Uppercase tags are fine.
        assert_eq!(parse_ok("lowercase:Uppercase").tag(), Some("Uppercase"));
        // FromStr and Display.
        let r: ImageRef = "alpine".parse().unwrap();
        assert_eq!(format!("{}", r.with_default_tag()), "docker.io/library/alpine:latest");
        assert!("Alpine".parse::<ImageRef>().is_err());
    }

    #[test]
    fn default_tag_and_name_only() {
        let r = parse_ok("alpine");
        assert!(r.is_name_only());
        let tagged = r.with_default_tag();
        assert!(!tagged.is_name_only());
        assert_eq!(tagged.tag(), Some("latest"));
        assert_eq!(tagged.familiar_string(), "alpine:latest");
        let r = parse_ok("alpine:3.20").with_default_tag();
        assert_eq!(r.tag(), Some("3.20"));
        let r = parse_ok(&format!("alpine@sha256:{HEX64_F}")).with_default_tag();
        assert_eq!((r.tag(), r.is_name_only()), (None, false));
        assert_eq!(r.to_string(), format!("docker.io/library/alpine@sha256:{HEX64_F}"));
    }

    // -----------------------------------------------------------------------------------
    // validate_image_name
    // -----------------------------------------------------------------------------------

    #[test]
    fn validate_image_name_accepts_ids_and_references() {
        let id = "3f57d9401f8d42f986df300f0c69192fc41da28ccc8d797829467780db3dd741";
        let full = format!("sha256:{id}");
        for ok in [
            id,
            full.as_str(),
            "3f57d9401f8d",
            "3",
            "alpine",
            "alpine:3.20",
            "Foo/bar",
            "localhost:5000/foo",
            "sha256:3f57d9",
        ] {
            assert_eq!(validate_image_name(ok).unwrap(), ok);
        }
        for (bad, want) in [
            ("", ERR_REFERENCE_INVALID_FORMAT),
            (
                "3F57D9401F8D",
                "invalid reference format: repository name (library/3F57D9401F8D) must be lowercase",
            ),
            ("sha256:", ERR_REFERENCE_INVALID_FORMAT),
            (
                "Alpine",
                "invalid reference format: repository name (library/Alpine) must be lowercase",
            ),
        ] {
            let err = validate_image_name(bad).unwrap_err();
            assert_eq!(reason(err), want, "{bad:?}");
        }
        let sixty_five = "a".repeat(65);
        assert_eq!(validate_image_name(&sixty_five).unwrap(), sixty_five);
    }

    // -----------------------------------------------------------------------------------
    // Security properties and robustness
    // -----------------------------------------------------------------------------------

    #[test]
    fn hostile_inputs_are_rejected() {
        let hostile = [
            "tiny:1.0?force=1",
            "tiny?x=1",
            "tiny#frag",
            "tiny:1.0#x",
            "../../containers/json",
            "..",
            ".",
            "./x",
            "x/..",
            "%2e%2e/x",
            "tiny%20",
            "a b",
            " a",
            "a ",
            "a\tb",
            "a\0b",
            "\0",
            "a\r\nX-Injected: 1",
            "a\nb",
            "a:b\r",
            "/abs",
            "/",
            "a//b",
            "a/",
            "x/../y",
            "x/./y",
            "localhost:5000/../y",
            "docker.io/../x",
            "a\\b",
            "a:t\u{7f}",
            "ñ",
            "镜像",
            "foo/镜像:1",
            "foo:镜像",
            "镜像.com/foo",
            "[::1%25lo]:5000/x",
            "x@sha256:../../",
        ];
        for input in hostile {
            match ImageRef::parse(input) {
                Err(Error::InvalidReference { .. }) => {}
                other => panic!("parse({input:?}) should be InvalidReference, got {other:?}"),
            }
            match validate_image_name(input) {
                Err(Error::InvalidReference { .. }) => {}
                other => panic!("validate_image_name({input:?}) should be InvalidReference, got {other:?}"),
            }
        }
    }

    /// Checks the invariants every accepted input must satisfy.
    #[track_caller]
    fn assert_safe(input: &str) {
        let forbidden =
            |c: char| matches!(c, '?' | '#' | '%' | '\\') || c.is_whitespace() || c.is_control() || !c.is_ascii();
        assert!(!input.contains(forbidden), "accepted unsafe input {input:?}");
        assert!(!input.starts_with('/'), "accepted {input:?}");
        for segment in input.split('/') {
            assert!(!segment.is_empty(), "empty segment in {input:?}");
            assert!(segment != ".." && segment != ".", "dot segment in {input:?}");
        }
        if let Ok(r) = ImageRef::parse(input) {
            // Round trips.
            assert_eq!(parse_ok(&r.to_string()), r, "display round trip of {input:?}");
            assert_eq!(parse_ok(&r.familiar_string()), r, "familiar round trip of {input:?}");
            for s in [r.to_string(), r.familiar_string(), r.name(), r.familiar_name()] {
                assert!(
                    !s.contains(forbidden) && !s.contains("//") && !s.starts_with('/'),
                    "{s:?}"
                );
            }
        }
    }

    /// A tiny deterministic generator (xorshift64*), so the test needs no crates.
    struct Rng(u64);

    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 >> 12;
            self.0 ^= self.0 << 25;
            self.0 ^= self.0 >> 27;
            self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
        }

        fn below(&mut self, n: usize) -> usize {
            (self.next() % n as u64) as usize
        }
    }

    #[test]
    fn random_inputs_never_panic_and_accepted_ones_are_safe() {
        const ALPHABET: &[&str] = &[
            "a",
            "b",
            "z",
            "0",
            "9",
            "f",
            "A",
            "Z",
            ".",
            "..",
            "_",
            "__",
            "-",
            "--",
            "/",
            "//",
            ":",
            "@",
            "[",
            "]",
            "::1",
            "sha256",
            "sha512",
            "library",
            "docker.io",
            "localhost",
            "5000",
            "?",
            "#",
            "%",
            " ",
            "\t",
            "\r\n",
            "\0",
            "\u{7f}",
            "ñ",
            "镜像",
            "🐳",
            "\u{212A}",
            "\u{0130}",
            "ffffffffffffffff",
            "+",
            "=",
            "\\",
        ];
        let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
        let mut accepted = 0usize;
        for _ in 0..20_000 {
            let len = rng.below(12);
            let mut s = String::new();
            for _ in 0..len {
                s.push_str(ALPHABET[rng.below(ALPHABET.len())]);
            }
            let parsed = ImageRef::parse(&s);
            let validated = validate_image_name(&s);
            if parsed.is_ok() {
                accepted += 1;
                assert!(validated.is_ok(), "{s:?}");
            }
            if validated.is_ok() {
                assert_safe(&s);
            }
            for r in [parsed.err(), validated.err()].into_iter().flatten() {
                assert!(matches!(r, Error::InvalidReference { .. }));
            }
        }
        assert!(
            accepted > 100,
            "generator should produce some valid references ({accepted})"
        );
    }

    #[test]
    fn long_and_odd_inputs_never_panic() {
        let mut inputs = vec![
            "a".repeat(100_000),
            format!("{}:tag", "a/".repeat(50_000)),
            format!("a:{}", "t".repeat(10_000)),
            format!("a@sha256:{}", "f".repeat(10_000)),
            format!("a@{}:{}", "s".repeat(10_000), "f".repeat(64)),
            format!("[{}]:5000/x", ":".repeat(10_000)),
            format!("{}/x", "d.".repeat(10_000)),
            "镜像".repeat(1000),
            "ñ".repeat(1000),
            format!("ñ{}", "a".repeat(63)),
            format!("{}ñ", "a".repeat(63)),
            "@".repeat(100),
            ":".repeat(100),
            "/".repeat(100),
            "[".to_owned(),
            "]".to_owned(),
            "[]/x".to_owned(),
            "[:]/x".to_owned(),
            "x:@".to_owned(),
            "@:".to_owned(),
            "\u{10FFFF}".to_owned(),
        ];
        for i in 0..300 {
            inputs.push("a/".repeat(i));
            inputs.push(format!("{}a", "ñ".repeat(i % 7)));
        }
        for s in &inputs {
            let _ = ImageRef::parse(s);
            let _ = validate_image_name(s);
            let _ = parse_reference(s);
        }
        assert!(
            parse_ok(&format!("[{}]:5000/x", ":".repeat(100)))
                .domain()
                .starts_with("[:")
        );
        assert_parse_err(&"a".repeat(100_000), ERR_NAME_TOO_LONG);
    }

    #[test]
    fn equality_and_hash_follow_normalization() {
        use std::collections::HashSet;
        let set: HashSet<ImageRef> = [
            "alpine",
            "docker.io/alpine",
            "index.docker.io/library/alpine",
            "library/alpine",
        ]
        .into_iter()
        .map(parse_ok)
        .collect();
        assert_eq!(set.len(), 1);
        assert_ne!(parse_ok("alpine"), parse_ok("alpine:latest"));
    }
}
