//! `docker pull` as a stream of typed events, with a summary at the end.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, ready};
use std::time::Duration;

use bytes::Bytes;
use futures_core::Stream;
use hyper::body::Body;

use crate::transport::ResponseBody;
use serde::Deserialize;

use crate::api::jsonlines::JsonLines;
use crate::error::{Error, Result};
use crate::retry::Retries;
use crate::runtime::Driver;

/// What one pull message says, classified from the daemon's `status` text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum PullPhase {
    /// `Pulling from library/alpine` (the id is the tag).
    PullingFrom,
    /// `Pulling fs layer`.
    PullingFsLayer,
    /// `Waiting`.
    Waiting,
    /// `Downloading`, with byte counts.
    Downloading,
    /// `Verifying Checksum`.
    VerifyingChecksum,
    /// `Download complete`.
    DownloadComplete,
    /// `Extracting`, with byte counts.
    Extracting,
    /// `Pull complete`.
    PullComplete,
    /// `Already exists`: the layer was present locally.
    AlreadyExists,
    /// `Retrying in N seconds`.
    Retrying,
    /// `Digest: sha256:...`.
    Digest,
    /// `Status: Downloaded newer image for ...` or `Status: Image is up to date for ...`.
    Status,
    /// dimg's own event, not the daemon's: the pull failed in a way worth trying again and
    /// will be, as its [`crate::RetryPolicy`] says (`Attempt 2 of 3 in 0.5s after: ...`). The
    /// events that follow are the next attempt's.
    Retry,
    /// Any other text.
    Other,
}

impl PullPhase {
    /// The phase's name in snake case (`pulling_fs_layer`, `downloading`, `other`), as the
    /// bindings spell it.
    ///
    /// ```
    /// assert_eq!(dimg::PullPhase::PullingFsLayer.as_str(), "pulling_fs_layer");
    /// ```
    pub fn as_str(self) -> &'static str {
        match self {
            PullPhase::PullingFrom => "pulling_from",
            PullPhase::PullingFsLayer => "pulling_fs_layer",
            PullPhase::Waiting => "waiting",
            PullPhase::Downloading => "downloading",
            PullPhase::VerifyingChecksum => "verifying_checksum",
            PullPhase::DownloadComplete => "download_complete",
            PullPhase::Extracting => "extracting",
            PullPhase::PullComplete => "pull_complete",
            PullPhase::AlreadyExists => "already_exists",
            PullPhase::Retrying => "retrying",
            PullPhase::Digest => "digest",
            PullPhase::Status => "status",
            PullPhase::Retry => "retry",
            PullPhase::Other => "other",
        }
    }

    fn of(status: &str) -> PullPhase {
        match status {
            "Pulling fs layer" => PullPhase::PullingFsLayer,
            "Waiting" => PullPhase::Waiting,
            "Downloading" => PullPhase::Downloading,
            "Verifying Checksum" => PullPhase::VerifyingChecksum,
            "Download complete" => PullPhase::DownloadComplete,
            "Extracting" => PullPhase::Extracting,
            "Pull complete" => PullPhase::PullComplete,
            "Already exists" => PullPhase::AlreadyExists,
            s if s.starts_with("Pulling from ") => PullPhase::PullingFrom,
            s if s.starts_with("Retrying in ") => PullPhase::Retrying,
            s if s.starts_with("Digest: ") => PullPhase::Digest,
            s if s.starts_with("Status: ") => PullPhase::Status,
            _ => PullPhase::Other,
        }
    }
}

/// One progress message of a pull.
///
/// # Examples
/// ```
/// let line = br#"{"status":"Downloading","progressDetail":{"current":174,"total":348},"id":"d8a34c5205df"}"#;
/// let event = dimg::PullEvent::from_json(line).unwrap();
/// assert_eq!(event.phase, dimg::PullPhase::Downloading);
/// assert_eq!((event.current, event.total), (Some(174), Some(348)));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct PullEvent {
    /// Layer id (12 hex), the tag for `Pulling from`, or `None` for image-wide lines.
    pub id: Option<String>,
    /// The daemon's text, e.g. `Pull complete`.
    pub status: String,
    /// The classified `status`.
    pub phase: PullPhase,
    /// Bytes done, when the daemon said.
    pub current: Option<u64>,
    /// Bytes in all, when the daemon said.
    pub total: Option<u64>,
}

#[derive(Deserialize)]
struct RawMessage {
    #[serde(default)]
    status: Option<String>,
    #[serde(default)]
    id: Option<String>,
    #[serde(rename = "progressDetail", default)]
    progress_detail: Option<RawProgress>,
    #[serde(rename = "errorDetail", default)]
    error_detail: Option<RawErrorDetail>,
    #[serde(default)]
    error: Option<String>,
}

#[derive(Deserialize)]
struct RawProgress {
    #[serde(default)]
    current: Option<i64>,
    #[serde(default)]
    total: Option<i64>,
}

#[derive(Deserialize)]
struct RawErrorDetail {
    #[serde(default)]
    code: Option<i64>,
    #[serde(default)]
    message: Option<String>,
}

impl PullEvent {
    /// Decodes one line of a pull stream. An `errorDetail` (or `error`) line is
    /// [`Error::Pull`]; undecodable JSON is [`Error::Protocol`].
    pub fn from_json(line: &[u8]) -> Result<PullEvent> {
        // Nearly every line of a pull is a plain progress message: read those directly, and
        // anything else (errors, escapes, unknown keys, malformed JSON) with serde.
        match scan_progress_line(line) {
            Some(event) => Ok(event),
            None => PullEvent::from_json_with_serde(line),
        }
    }

    /// The general decoder behind [`PullEvent::from_json`].
    pub(crate) fn from_json_with_serde(line: &[u8]) -> Result<PullEvent> {
        let raw: RawMessage =
            serde_json::from_slice(line).map_err(|e| Error::protocol("decoding a pull progress message", e))?;
        if raw.error_detail.is_some() || raw.error.as_deref().is_some_and(|e| !e.is_empty()) {
            let (code, detail) = raw.error_detail.map(|d| (d.code, d.message)).unwrap_or((None, None));
            let message = detail
                .filter(|m| !m.is_empty())
                .or(raw.error)
                .unwrap_or_else(|| "the pull failed without a message".to_string());
            // Docker Hub's limit arrives like this once the stream has started, and on Podman
            // always (its compatible pull answers 200 before it asks the registry anything).
            if Error::is_rate_limit_message(&message) || code == Some(429) {
                return Err(Error::RateLimited { message, status: None });
            }
            if is_missing_manifest(&message) {
                return Err(Error::NotFound(message));
            }
            if code == Some(401) || Error::is_auth_message(&message) {
                return Err(Error::Unauthorized { message, status: None });
            }
            return Err(Error::Pull { message, code });
        }
        let status = raw.status.unwrap_or_default();
        let positive = |n: Option<i64>| n.and_then(|n| u64::try_from(n).ok());
        let (current, total) = raw
            .progress_detail
            .map(|p| (positive(p.current), positive(p.total)))
            .unwrap_or((None, None));
        Ok(PullEvent {
            id: raw.id.filter(|id| !id.is_empty()),
            phase: PullPhase::of(&status),
            status,
            current,
            total,
        })
    }
}

/// Reads the common shape of a progress line directly, without serde:
/// `{"status":"...","progressDetail":{"current":N,"total":N},"progress":"...","id":"..."}`,
/// members in any order, each optional, JSON whitespace anywhere. `None` (and serde decides)
/// for anything else: another key (`error`, `errorDetail`, ...), a repeated key, an escape or
/// a control character in a string, `null`, a number that is not a plain integer, trailing
/// bytes, invalid UTF-8 in `status` or `id`. Where it answers, it answers as serde would
/// (checked by the fuzz targets `json_lines` and `models` and the unit tests).
pub(crate) fn scan_progress_line(line: &[u8]) -> Option<PullEvent> {
    let mut scan = Scanner { bytes: line, at: 0 };
    let (mut status, mut id, mut detail, mut progress) = (None, None, None, false);
    scan.expect(b'{')?;
    if !scan.eat(b'}') {
        loop {
            match scan.key(&[b"status", b"id", b"progress", b"progressDetail"])? {
                0 if status.is_none() => status = Some(scan.string()?),
                1 if id.is_none() => id = Some(scan.string()?),
                2 if !progress => {
                    scan.skip_string()?;
                    progress = true;
                }
                3 if detail.is_none() => detail = Some(scan.progress_detail()?),
                _ => return None,
            }
            if scan.eat(b'}') {
                break;
            }
            scan.expect(b',')?;
        }
    }
    scan.skip_whitespace();
    if scan.at != line.len() {
        return None;
    }
    let status = status.unwrap_or_default().to_string();
    let positive = |n: Option<i64>| n.and_then(|n| u64::try_from(n).ok());
    let (current, total) = detail.map_or((None, None), |(c, t)| (positive(c), positive(t)));
    Some(PullEvent {
        id: id.filter(|id| !id.is_empty()).map(str::to_string),
        phase: PullPhase::of(&status),
        status,
        current,
        total,
    })
}

/// A cursor over one line, for [`scan_progress_line`].
struct Scanner<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Scanner<'a> {
    fn skip_whitespace(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.bytes.get(self.at) {
            self.at += 1;
        }
    }

    /// Skips whitespace, then consumes `byte` if it is next.
    fn eat(&mut self, byte: u8) -> bool {
        self.skip_whitespace();
        let found = self.bytes.get(self.at) == Some(&byte);
        self.at += usize::from(found);
        found
    }

    fn expect(&mut self, byte: u8) -> Option<()> {
        self.eat(byte).then_some(())
    }

    /// A member's key, if it is one of `keys` written plainly (an escaped key matches none),
    /// and its colon: the key's index in `keys`.
    fn key(&mut self, keys: &[&[u8]]) -> Option<usize> {
        self.expect(b'"')?;
        let rest = &self.bytes[self.at..];
        // Byte by byte: the keys are a few bytes long, shorter than a call to memcmp.
        let index = keys
            .iter()
            .position(|key| rest.get(key.len()) == Some(&b'"') && rest.iter().zip(key.iter()).all(|(a, b)| a == b))?;
        self.at += keys[index].len() + 1;
        self.expect(b':')?;
        Some(index)
    }

    /// A string without escapes or control characters.
    fn string(&mut self) -> Option<&'a str> {
        self.expect(b'"')?;
        let rest = &self.bytes[self.at..];
        let len = rest.iter().position(|&b| b == b'"' || b == b'\\' || b < 0x20)?;
        if rest[len] != b'"' {
            return None;
        }
        self.at += len + 1;
        std::str::from_utf8(&rest[..len]).ok()
    }

    /// Skips a string, escapes allowed (Docker writes `>` in the progress bar as `\u003e`):
    /// simple ones and `\uXXXX` outside the surrogates; anything else is left to serde. Like
    /// serde's own skipping, it does not check that a skipped string is valid UTF-8.
    fn skip_string(&mut self) -> Option<()> {
        self.expect(b'"')?;
        loop {
            let rest = &self.bytes[self.at..];
            let len = memchr::memchr2(b'"', b'\\', rest)?;
            if has_control(&rest[..len]) {
                return None;
            }
            self.at += len + 1;
            if rest[len] == b'"' {
                return Some(());
            }
            match *rest.get(len + 1)? {
                b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't' => self.at += 1,
                b'u' => {
                    let hex = rest.get(len + 2..len + 6)?;
                    let code = hex
                        .iter()
                        .try_fold(0u32, |code, &b| Some(code * 16 + (b as char).to_digit(16)?))?;
                    if (0xD800..=0xDFFF).contains(&code) {
                        return None;
                    }
                    self.at += 5;
                }
                _ => return None,
            }
        }
    }

    /// An integer without fraction or exponent that fits an `i64`.
    fn integer(&mut self) -> Option<i64> {
        self.skip_whitespace();
        let rest = &self.bytes[self.at..];
        let negative = rest.first() == Some(&b'-');
        let digits = &rest[usize::from(negative)..];
        // Accumulated negatively, so that i64::MIN fits.
        let (mut magnitude, mut count) = (0i64, 0);
        while let Some(&d @ b'0'..=b'9') = digits.get(count) {
            magnitude = magnitude.checked_mul(10)?.checked_sub(i64::from(d - b'0'))?;
            count += 1;
        }
        // JSON has no leading zeros; a fraction or an exponent goes to serde, and so does -0
        // (which serde reads as a float).
        let plain = count == 1 || (count > 1 && digits[0] != b'0');
        if !plain || (negative && magnitude == 0) || matches!(digits.get(count), Some(b'.' | b'e' | b'E')) {
            return None;
        }
        let value = if negative { magnitude } else { magnitude.checked_neg()? };
        self.at += usize::from(negative) + count;
        Some(value)
    }

    /// `{}` or `{"current":N,"total":N}` (each optional, in any order).
    fn progress_detail(&mut self) -> Option<(Option<i64>, Option<i64>)> {
        let (mut current, mut total) = (None, None);
        self.expect(b'{')?;
        if self.eat(b'}') {
            return Some((current, total));
        }
        loop {
            match self.key(&[b"current", b"total"])? {
                0 if current.is_none() => current = Some(self.integer()?),
                1 if total.is_none() => total = Some(self.integer()?),
                _ => return None,
            }
            if self.eat(b'}') {
                return Some((current, total));
            }
            self.expect(b',')?;
        }
    }
}

/// Whether `text` holds a control character, which JSON strings may not (a loop without an
/// early exit, which the compiler vectorises).
fn has_control(text: &[u8]) -> bool {
    text.iter().fold(false, |found, &b| found | (b < 0x20))
}

/// The local image `reference` names: its id and the digest under which its repository holds
/// it, if any.
async fn local_image(client: &crate::Client, reference: &str) -> Option<(String, Option<String>)> {
    let wanted = crate::ImageRef::parse(reference).ok()?;
    let image = client.images().inspect_once(reference).await.ok()?;
    let digest = repo_digests(&image.repo_digests, &wanted.name()).into_iter().next();
    Some((image.id, digest))
}

/// What the stream learns after the daemon's last message, when the daemon did not say it.
#[derive(Debug, Default)]
struct Completion {
    digest: Option<String>,
    /// Podman only: the outcome, from the local image before and after the pull.
    outcome: Option<PullOutcome>,
}

/// Looks up what the daemon's stream did not say: the digest (Podman's stream has no
/// `Digest:` line) and, on Podman, whether anything changed (no `Status:` line either).
async fn complete(client: crate::Client, reference: String, before: Option<Option<String>>) -> Completion {
    let Some((id, digest)) = local_image(&client, &reference).await else {
        return Completion::default();
    };
    let outcome = before.map(|before| {
        if before.as_deref() == Some(id.as_str()) {
            PullOutcome::UpToDate
        } else {
            PullOutcome::Downloaded
        }
    });
    Completion { digest, outcome }
}

/// How a pull began, once its request (if any) was answered.
pub(crate) enum Started {
    /// The daemon is pulling: the response body and, on Podman, the id of the local image the
    /// reference named before the pull (`Some(None)`: none), to tell afterwards whether
    /// anything changed.
    Pulling {
        body: ResponseBody,
        podman_before: Option<Option<String>>,
    },
    /// The pull policy said no pull was needed; nothing was sent to the registry (or, for
    /// [`crate::PullPolicy::Newer`], only the digest was asked). The digest is the one the
    /// local image has in the reference's repository, when known.
    Skipped { digest: Option<String> },
}

/// The local image a pull policy decides on, as the daemon has it under the reference.
#[derive(Debug)]
pub(crate) enum Local {
    /// Present (and for the requested platform, if one was given).
    Present {
        /// The manifest digests under which the reference's repository holds it (its
        /// `RepoDigests` for that repository), in the daemon's order.
        digests: Vec<String>,
    },
    /// No image under the reference.
    Absent,
    /// An image is there but for another platform: docker's message saying so.
    OtherPlatform(String),
}

/// What the daemon has under `name` (the reference as a tag, or `repository@digest`) for a
/// pull policy: `repository` is the normalised repository name whose repo digests count,
/// `platform` the requested one (checked with [`crate::check_platform`]), `shown` the
/// reference as messages name it.
///
/// # Errors
/// Whatever inspecting fails with, except "not found" (which is [`Local::Absent`]).
pub(crate) async fn local_for_policy(
    client: &crate::Client,
    name: &str,
    repository: &str,
    platform: Option<&str>,
    shown: &str,
) -> Result<Local> {
    let image = match client.images().inspect_once(name).await {
        Ok(image) => image,
        Err(Error::NotFound(_)) => return Ok(Local::Absent),
        Err(e) => return Err(e),
    };
    if let Some(wanted) = platform {
        let actual = platform_of(&image.os, &image.architecture, &image.variant);
        if !platform_matches(wanted, &actual) {
            // The daemon's own wording (moby daemon/images/image.go), which `docker run --pull
            // missing --platform` shows.
            return Ok(Local::OtherPlatform(format!(
                "image with reference {shown} was found but does not match the specified platform: wanted {wanted}, actual: {actual}"
            )));
        }
    }
    Ok(Local::Present {
        digests: repo_digests(&image.repo_digests, repository),
    })
}

/// The digests among `repo_digests` (`name@sha256:...` entries) that belong to `repository`.
fn repo_digests(repo_digests: &[String], repository: &str) -> Vec<String> {
    repo_digests
        .iter()
        .filter_map(|entry| {
            let parsed = crate::ImageRef::parse(entry).ok()?;
            (parsed.name() == repository).then(|| parsed.digest().map(str::to_string))?
        })
        .collect()
}

/// `os/arch[/variant]` of an image, as containerd's `platforms.Format` writes it.
fn platform_of(os: &str, architecture: &str, variant: &str) -> String {
    let mut text = format!("{os}/{architecture}");
    if !variant.is_empty() {
        text.push('/');
        text.push_str(variant);
    }
    text
}

/// Architecture and variant as containerd normalises them, so that `linux/x86_64` is
/// `linux/amd64` and `linux/arm64/v8` is `linux/arm64`.
fn normalise_arch(architecture: &str, variant: &str) -> (String, String) {
    let architecture = architecture.to_ascii_lowercase();
    let variant = variant.to_ascii_lowercase();
    match (architecture.as_str(), variant.as_str()) {
        ("x86_64" | "x86-64" | "amd64", _) => ("amd64".into(), variant),
        ("aarch64" | "arm64", "v8" | "8") => ("arm64".into(), String::new()),
        ("aarch64" | "arm64", _) => ("arm64".into(), variant),
        ("armhf", _) | ("arm", "") => ("arm".into(), "v7".into()),
        ("armel", _) => ("arm".into(), "v6".into()),
        ("i386" | "386", _) => ("386".into(), variant),
        _ => (architecture, variant),
    }
}

/// Whether an image for `actual` (`os/arch[/variant]`) serves the requested `wanted`
/// (`os[/arch[/variant]]`): the components given must match, after normalising.
fn platform_matches(wanted: &str, actual: &str) -> bool {
    let mut want = wanted.split('/');
    let mut have = actual.split('/');
    let (want_os, have_os) = (want.next().unwrap_or(""), have.next().unwrap_or(""));
    if !want_os.eq_ignore_ascii_case(have_os) {
        return false;
    }
    let Some(want_arch) = want.next() else {
        return true;
    };
    let (want_arch, want_variant) = normalise_arch(want_arch, want.next().unwrap_or(""));
    let (have_arch, have_variant) = normalise_arch(have.next().unwrap_or(""), have.next().unwrap_or(""));
    // The default variant of 32-bit arm (v7) counts only when one was asked for explicitly.
    let want_variant = if wanted.split('/').count() < 3 && want_arch == "arm" {
        String::new()
    } else {
        want_variant
    };
    want_arch == have_arch && (want_variant.is_empty() || want_variant == have_variant)
}

/// The registry's manifest digest for `name`, as the daemon finds it (`GET
/// /distribution/NAME/json`, API 1.30), asked with the pull's `X-Registry-Auth` header.
///
/// # Errors
/// The daemon's answer: [`Error::NotFound`], [`Error::Unauthorized`],
/// [`Error::RateLimited`], ...; [`Error::Protocol`] when it names no digest.
pub(crate) async fn remote_digest(
    client: &crate::Client,
    version: crate::ApiVersion,
    name: &str,
    auth: &[(&'static str, hyper::header::HeaderValue)],
) -> Result<String> {
    #[derive(Deserialize)]
    struct Distribution {
        #[serde(rename = "Descriptor")]
        descriptor: Descriptor,
    }
    #[derive(Deserialize)]
    struct Descriptor {
        digest: String,
    }
    let target = format!(
        "/v{version}/distribution/{}/json",
        crate::api::query::encode_image_path(name)
    );
    let (_, body) = client.transport().send_read(hyper::Method::GET, &target, auth).await?;
    let found: Distribution = crate::transport::decode(&target, &body)?;
    Ok(found.descriptor.digest)
}

/// The id of the local image `reference` names now (for [`Started::podman_before`]).
pub(crate) async fn local_id(client: &crate::Client, reference: &str) -> Option<String> {
    local_image(client, reference).await.map(|(id, _)| id)
}

/// Whether an in-stream pull error means "no such image/tag" (Podman's way of saying 404).
fn is_missing_manifest(message: &str) -> bool {
    [
        "manifest unknown",
        "name unknown",
        "not found: manifest",
        "repository does not exist",
    ]
    .iter()
    .any(|needle| message.contains(needle))
}

/// Whether a pull fetched anything.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum PullOutcome {
    /// `Status: Downloaded newer image for ...`: something was downloaded or newly tagged.
    Downloaded,
    /// `Status: Image is up to date for ...`.
    UpToDate,
    /// No pull was made, as the [`crate::PullPolicy`] allowed: the image is present locally
    /// (`Missing`, `Never`), or the registry's digest equals the local image's (`Newer`, which
    /// asked the registry for the digest only). The stream had no events.
    Skipped,
    /// Not known: the stream failed, or (Podman) the pulled image could not be looked up.
    Unknown,
}

/// What a finished pull amounts to.
///
/// # Examples
/// ```no_run
/// # async fn demo(docker: dimg::Client) -> dimg::Result<()> {
/// let done = docker.images().pull("zookeeper", &Default::default()).finish().await?;
/// assert_eq!(done.reference, "docker.io/library/zookeeper:latest");
/// println!("{:?} {:?}", done.outcome, done.digest);
/// # Ok(()) }
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct PullSummary {
    /// The normalised reference that was pulled (`docker.io/library/zookeeper:latest`; without
    /// a tag for an all-tags pull), as the docker CLI prints it last.
    pub reference: String,
    /// The manifest digest (`sha256:...`) from the `Digest:` line, when the daemon gave one
    /// (looked up on Podman, whose stream has none). For a skipped pull, the digest the local
    /// image has in the reference's repository, when it has one.
    pub digest: Option<String>,
    /// Downloaded, up to date, or skipped. Docker says which of the first two in its
    /// `Status:` line; on Podman, whose stream does not, dimg compares the local image the
    /// reference named before and after. Skipped: no pull was made (see [`crate::PullPolicy`]).
    pub outcome: PullOutcome,
    /// The daemon's final `Status:` text, when it gave one (Docker does, Podman does not).
    pub status: Option<String>,
    /// Layers that completed (`Pull complete`; Docker only, Podman's stream does not say).
    pub layers_pulled: usize,
    /// Layers that were already present (`Already exists`).
    pub layers_existing: usize,
    /// Number of progress messages received.
    pub events: usize,
}

impl PullSummary {
    /// A summary of nothing yet received for `reference` (outcome `Unknown`), as a pull
    /// starts; for renderers' and bindings' tests.
    ///
    /// ```
    /// let summary = dimg::PullSummary::new("docker.io/library/alpine:3.19".into());
    /// assert_eq!(summary.outcome, dimg::PullOutcome::Unknown);
    /// ```
    pub fn new(reference: String) -> PullSummary {
        PullSummary {
            reference,
            digest: None,
            outcome: PullOutcome::Unknown,
            status: None,
            layers_pulled: 0,
            layers_existing: 0,
            events: 0,
        }
    }

    fn record(&mut self, event: &PullEvent) {
        self.events += 1;
        match event.phase {
            PullPhase::PullComplete => self.layers_pulled += 1,
            PullPhase::AlreadyExists => self.layers_existing += 1,
            PullPhase::Digest => {
                self.digest = event.status.strip_prefix("Digest: ").map(|d| d.trim().to_string());
            }
            PullPhase::Status => {
                let text = event.status.trim_start_matches("Status: ");
                if text.starts_with("Downloaded newer image") {
                    self.outcome = PullOutcome::Downloaded;
                } else if text.starts_with("Image is up to date") {
                    self.outcome = PullOutcome::UpToDate;
                }
                self.status = Some(text.to_string());
            }
            _ => {}
        }
    }
}

type Starting = Pin<Box<dyn Future<Output = Result<Started>> + Send>>;

enum State {
    /// The request (and version negotiation) is in flight.
    Starting(Starting),
    /// An error found before any request, such as an invalid reference.
    Failed(Error),
    Streaming(ResponseBody),
    /// The body ended cleanly.
    Ended,
    /// Looking up what the daemon did not say (Podman: digest and outcome).
    Completing(Pin<Box<dyn Future<Output = Completion> + Send>>),
    /// Waiting before the next attempt of a retried pull.
    Backoff(crate::runtime::Sleep),
    Done,
}

/// Makes the start of one more attempt of a pull.
pub(crate) type Restart = Box<dyn FnMut() -> Starting + Send>;

/// The events of one pull, in order. Created by [`crate::Images::pull`]; nothing is sent
/// until it is first polled. Ends at once, without events, when the pull policy skipped the
/// pull ([`PullOutcome::Skipped`]); otherwise after the last message (when the daemon named
/// no digest, as Podman does not, the stream first looks it up so that
/// [`PullStream::summary`] has it), or after the first error (an HTTP error, an
/// `errorDetail` in the stream, a broken connection, a timeout). Dropping it closes the
/// connection, which cancels the pull in the daemon.
///
/// Use it as a [`futures_core::Stream`], or call [`PullStream::finish`] to drive it to the end.
///
/// # Examples
/// ```no_run
/// # async fn demo(docker: dimg::Client) -> dimg::Result<()> {
/// let mut pull = docker.images().pull("127.0.0.1:5000/tiny:1.0", &Default::default());
/// while let Some(event) = pull.next_event().await {
///     let event = event?;
///     println!("{} {}", event.id.as_deref().unwrap_or(""), event.status);
/// }
/// let summary = pull.summary();
/// # Ok(()) }
/// ```
#[must_use = "a pull does nothing until its stream is read (next_event or finish)"]
pub struct PullStream {
    /// The client and reference, to look up the digest after a Podman pull (whose stream
    /// has no `Digest:` line).
    completion: Option<(crate::Client, String)>,
    /// Podman only: the local image id before the pull (see [`Started::podman_before`]).
    podman_before: Option<Option<String>>,
    state: State,
    lines: JsonLines,
    summary: PullSummary,
    timeout: Option<Duration>,
    /// Whose timer the idle timeout is (the client's driver).
    driver: Driver,
    idle: Option<crate::runtime::Sleep>,
    /// Another attempt, for a client with a [`crate::RetryPolicy`].
    restart: Option<Restart>,
    retries: Retries,
}

impl std::fmt::Debug for PullStream {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PullStream")
            .field("summary", &self.summary)
            .finish_non_exhaustive()
    }
}

impl PullStream {
    /// A pull of `reference` by `client` whose attempts `restart` starts (the first at once).
    pub(crate) fn new(client: crate::Client, reference: String, mut restart: Restart) -> PullStream {
        let transport = client.transport();
        let (driver, timeout) = (transport.driver(), transport.idle());
        let policy = client.retry().cloned();
        PullStream {
            driver,
            state: State::Starting(restart()),
            restart: policy.is_some().then_some(restart),
            retries: Retries::new(policy),
            completion: Some((client, reference.clone())),
            podman_before: None,
            lines: JsonLines::new(),
            summary: PullSummary::new(reference),
            timeout,
            idle: None,
        }
    }

    pub(crate) fn failed(error: Error) -> PullStream {
        PullStream {
            completion: None,
            podman_before: None,
            state: State::Failed(error),
            lines: JsonLines::new(),
            summary: PullSummary::new(String::new()),
            timeout: None,
            driver: Driver::Tokio,
            idle: None,
            restart: None,
            retries: Retries::new(None),
        }
    }

    /// The next event, or `None` at the end.
    pub async fn next_event(&mut self) -> Option<Result<PullEvent>> {
        std::future::poll_fn(|cx| Pin::new(&mut *self).poll_next(cx)).await
    }

    /// What has been seen so far (complete once the stream ended without error).
    pub fn summary(&self) -> &PullSummary {
        &self.summary
    }

    /// Drives the pull to its end and returns the summary.
    ///
    /// # Errors
    /// The first error of the stream: [`Error::NotFound`] / [`Error::Api`] before it started
    /// ([`Error::NotFound`] too when the policy is `Never` and the image is absent),
    /// [`Error::RateLimited`] when the registry's rate limit refused it (before or inside the
    /// stream), [`Error::Pull`] for another `errorDetail` inside it, [`Error::Protocol`] for a
    /// broken stream, [`Error::Timeout`] when the daemon went quiet for longer than the timeout.
    pub async fn finish(self) -> Result<PullSummary> {
        self.finish_with(|_| Ok(())).await
    }

    /// Drives the pull to its end, calling `progress` with every event, and returns the
    /// summary. An `Err` from `progress` stops the pull (dropping the stream closes its
    /// connection) with [`Error::Interrupted`] carrying that error.
    ///
    /// ```no_run
    /// # async fn demo(docker: dimg::Client) -> dimg::Result<()> {
    /// let pull = docker.images().pull("alpine:3.19", &dimg::PullOptions::new());
    /// let summary = pull
    ///     .finish_with(|event| {
    ///         println!("{} {}", event.id.as_deref().unwrap_or(""), event.status);
    ///         Ok(())
    ///     })
    ///     .await?;
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    /// The first error of the stream (as [`PullStream::finish`]), or [`Error::Interrupted`].
    pub async fn finish_with(
        mut self,
        mut progress: impl FnMut(&PullEvent) -> std::result::Result<(), crate::BoxError>,
    ) -> Result<PullSummary> {
        while let Some(event) = self.next_event().await {
            progress(&event?).map_err(Error::Interrupted)?;
        }
        Ok(self.summary)
    }

    /// Decodes the next buffered line, if any.
    fn buffered_event(&mut self) -> Option<Result<PullEvent>> {
        let line = match self.lines.next_line() {
            Ok(Some(line)) => line,
            Ok(None) => return None,
            Err(e) => return Some(Err(e)),
        };
        Some(self.event_from(&line))
    }

    fn event_from(&mut self, line: &Bytes) -> Result<PullEvent> {
        let event = PullEvent::from_json(line)?;
        self.summary.record(&event);
        Ok(event)
    }

    fn reset_idle(&mut self) {
        if let Some(limit) = self.timeout {
            let deadline = std::time::Instant::now().checked_add(limit);
            match &mut self.idle {
                Some(sleep) => sleep.reset(deadline),
                None => self.idle = Some(crate::runtime::sleep_until(self.driver, deadline)),
            }
        }
    }

    /// Ends the stream with `error`, or, when the retry policy allows another attempt, waits
    /// for it, saying so in a [`PullPhase::Retry`] event.
    fn fail(&mut self, error: Error) -> Poll<Option<Result<PullEvent>>> {
        self.state = State::Done;
        if self.restart.is_none() {
            return Poll::Ready(Some(Err(error)));
        }
        match self.retries.next(error) {
            Ok((delay, said)) => {
                self.state = State::Backoff(crate::runtime::sleep(self.driver, delay));
                // What the failed attempt saw does not describe the pull that follows.
                self.summary = PullSummary::new(std::mem::take(&mut self.summary.reference));
                self.lines = JsonLines::new();
                self.idle = None;
                Poll::Ready(Some(Ok(PullEvent {
                    id: None,
                    status: said,
                    phase: PullPhase::Retry,
                    current: None,
                    total: None,
                })))
            }
            Err(error) => Poll::Ready(Some(Err(error))),
        }
    }
}

impl Stream for PullStream {
    type Item = Result<PullEvent>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Result<PullEvent>>> {
        let this = self.get_mut();
        loop {
            match &mut this.state {
                State::Done => return Poll::Ready(None),
                State::Failed(_) => {
                    let State::Failed(error) = std::mem::replace(&mut this.state, State::Done) else {
                        unreachable!()
                    };
                    return Poll::Ready(Some(Err(error)));
                }
                State::Ended => {
                    // What the daemon did not say is looked up: Podman's stream has neither the
                    // `Digest:` nor the `Status:` line.
                    let podman_before = this.podman_before.take();
                    match this.completion.take() {
                        Some((client, reference)) if this.summary.digest.is_none() || podman_before.is_some() => {
                            this.state = State::Completing(Box::pin(complete(client, reference, podman_before)));
                        }
                        _ => this.state = State::Done,
                    }
                }
                State::Completing(lookup) => {
                    let found = ready!(lookup.as_mut().poll(cx));
                    if this.summary.digest.is_none() {
                        this.summary.digest = found.digest;
                    }
                    if let Some(outcome) = found.outcome {
                        this.summary.outcome = outcome;
                    }
                    this.state = State::Done;
                }
                State::Backoff(wait) => {
                    ready!(Pin::new(wait).poll(cx));
                    let restart = this.restart.as_mut().expect("only a retried pull waits");
                    this.state = State::Starting(restart());
                }
                State::Starting(start) => match ready!(start.as_mut().poll(cx)) {
                    Ok(Started::Pulling { body, podman_before }) => {
                        this.podman_before = podman_before;
                        this.state = State::Streaming(body);
                        this.reset_idle();
                    }
                    // One stream API for every policy: a skipped pull ends at once, its summary
                    // saying so.
                    Ok(Started::Skipped { digest }) => {
                        this.summary.outcome = PullOutcome::Skipped;
                        this.summary.digest = digest;
                        this.state = State::Done;
                        return Poll::Ready(None);
                    }
                    Err(e) => return this.fail(e),
                },
                State::Streaming(_) => {
                    if let Some(item) = this.buffered_event() {
                        return match item {
                            Ok(event) => Poll::Ready(Some(Ok(event))),
                            Err(e) => this.fail(e),
                        };
                    }
                    let State::Streaming(body) = &mut this.state else {
                        unreachable!("checked by the outer match")
                    };
                    match Pin::new(body).poll_frame(cx) {
                        Poll::Ready(Some(Ok(frame))) => {
                            if let Ok(data) = frame.into_data() {
                                this.lines.push(&data);
                            }
                            this.reset_idle();
                        }
                        Poll::Ready(Some(Err(e))) => {
                            return this.fail(crate::transport::read_error("reading the pull stream", e));
                        }
                        Poll::Ready(None) => {
                            this.state = State::Ended;
                            if let Some(line) = this.lines.finish() {
                                return match this.event_from(&line) {
                                    Ok(event) => Poll::Ready(Some(Ok(event))),
                                    Err(e) => this.fail(e),
                                };
                            }
                        }
                        Poll::Pending => {
                            if let Some(idle) = &mut this.idle
                                && Pin::new(idle).poll(cx).is_ready()
                            {
                                let limit = this.timeout.unwrap_or_default();
                                return this.fail(Error::Timeout(limit));
                            }
                            return Poll::Pending;
                        }
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn events_of(sample: &str) -> (Vec<Result<PullEvent>>, PullSummary) {
        let mut summary = PullSummary::new("r".into());
        let events = sample
            .lines()
            .filter(|l| !l.trim().is_empty())
            .map(|l| {
                let e = PullEvent::from_json(l.as_bytes());
                if let Ok(e) = &e {
                    summary.record(e);
                }
                e
            })
            .collect();
        (events, summary)
    }

    /// Lines the direct scanner reads, and lines it leaves to serde: both give what serde gives.
    #[test]
    fn the_direct_scanner_reads_progress_lines_as_serde_does() {
        let scanned: &[&str] = &[
            r#"{"status":"Downloading","progressDetail":{"current":174,"total":348},"progress":"[==>  ] 174B/348B","id":"d8a34c5205df"}"#,
            r#"{"status":"Pulling fs layer","progressDetail":{},"id":"d8a34c5205df"}"#,
            r#"{"status":"Digest: sha256:0123"}"#,
            r#"  { "id" : "" , "status" : "Pull complete" }  "#,
            r#"{"progressDetail":{"total":-1,"current":0},"status":"Extracting"}"#,
            r#"{"status":"Ünïcode ✓ 中"}"#,
            r#"{"status":"x","progress":"[=\u003e ] \"q\" \\ \/ \n \u00e9"}"#,
            "{}",
        ];
        for line in scanned {
            let direct = scan_progress_line(line.as_bytes()).unwrap_or_else(|| panic!("not scanned: {line}"));
            assert_eq!(
                direct,
                PullEvent::from_json_with_serde(line.as_bytes()).unwrap(),
                "{line}"
            );
        }
        let left_to_serde: &[&str] = &[
            r#"{"errorDetail":{"message":"boom"},"error":"boom"}"#,
            r#"{"status":"a\"b"}"#,
            r#"{"status":"a","status":"b"}"#,
            r#"{"status":null}"#,
            r#"{"status":"x","aux":{"Tag":"1"}}"#,
            r#"{"status":"x","progressDetail":{"current":1.5}}"#,
            r#"{"status":"x","progressDetail":{"current":01}}"#,
            r#"{"status":"x","progressDetail":{"current":-0}}"#,
            r#"{"status":"x","progressDetail":{"current":99999999999999999999}}"#,
            r#"{"status":"x","progressDetail":{"current":1,"hidden":true}}"#,
            r#"{"status":"x"} trailing"#,
            r#"{"status":"x","progress":"\u12"}"#,
            r#"{"status":"x","progress":"\ud800"}"#,
            r#"{"status":"x","progress":"\x"}"#,
            r#"{"status":"x",}"#,
            "{\"status\":\"tab\there\"}",
            "[1]",
            "",
        ];
        for line in left_to_serde {
            assert!(scan_progress_line(line.as_bytes()).is_none(), "scanned: {line}");
        }
        assert!(scan_progress_line(b"{\"status\":\"\xff\"}").is_none(), "invalid UTF-8");
        // And every line of the real samples reads the same both ways.
        for sample in [
            include_str!(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/../tests/samples/docker-20.10/pull-stream.fresh.v1.41.jsonl"
            )),
            include_str!(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/../tests/samples/podman-4.3/pull-stream.jsonl"
            )),
        ] {
            for line in sample.lines().filter(|l| !l.trim().is_empty()) {
                crate::fuzzing::pull_line_readers_agree(line.as_bytes());
                assert!(
                    scan_progress_line(line.as_bytes()).is_some(),
                    "a real progress line: {line}"
                );
            }
        }
    }

    #[test]
    fn a_fresh_pull_is_summarised() {
        let sample = include_str!(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../tests/samples/docker-20.10/pull-stream.fresh.v1.41.jsonl"
        ));
        let (events, summary) = events_of(sample);
        assert!(events.iter().all(Result::is_ok));
        let first = events[0].as_ref().unwrap();
        assert_eq!(
            (first.phase, first.id.as_deref()),
            (PullPhase::PullingFrom, Some("1.0"))
        );
        let downloading = events[2].as_ref().unwrap();
        assert_eq!((downloading.current, downloading.total), (Some(174), Some(174)));
        assert_eq!(summary.outcome, PullOutcome::Downloaded);
        assert_eq!(
            summary.digest.as_deref(),
            Some("sha256:9f7a179f19459c8876496434a96a2e95c64b26fa59a414ab51d6fea25f793fb9")
        );
        assert_eq!((summary.layers_pulled, summary.events), (1, 9));
    }

    #[test]
    fn up_to_date_and_podman_streams() {
        let up = include_str!(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../tests/samples/docker-20.10/pull-stream.up-to-date.v1.41.jsonl"
        ));
        assert_eq!(events_of(up).1.outcome, PullOutcome::UpToDate);
        let podman = include_str!(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../tests/samples/podman-4.3/pull-stream.jsonl"
        ));
        let (events, summary) = events_of(podman);
        assert!(events.iter().all(Result::is_ok));
        assert_eq!((summary.outcome, summary.digest), (PullOutcome::Unknown, None));
    }

    #[test]
    fn platforms_match_as_containerd_normalises_them() {
        for (wanted, actual) in [
            ("linux", "linux/amd64"),
            ("linux/amd64", "linux/amd64"),
            ("linux/x86_64", "linux/amd64"),
            ("linux/arm64", "linux/arm64/v8"),
            ("linux/arm64/v8", "linux/arm64"),
            ("linux/aarch64", "linux/arm64"),
            ("linux/arm", "linux/arm/v6"),
            ("linux/arm/v7", "linux/arm"),
            ("linux/armhf", "linux/arm/v7"),
        ] {
            assert!(platform_matches(wanted, actual), "{wanted} on {actual}");
        }
        for (wanted, actual) in [
            ("windows", "linux/amd64"),
            ("linux/arm64", "linux/amd64"),
            ("linux/arm/v7", "linux/arm/v6"),
            ("linux/amd64", "linux/"),
        ] {
            assert!(!platform_matches(wanted, actual), "{wanted} on {actual}");
        }
        assert_eq!(platform_of("linux", "arm", "v7"), "linux/arm/v7");
        assert_eq!(platform_of("linux", "amd64", ""), "linux/amd64");
    }

    #[test]
    fn repo_digests_are_those_of_the_repository() {
        let a = "sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
        let b = "sha256:bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb";
        let entries = [
            format!("127.0.0.1:5000/tiny@{a}"),
            format!("tiny@{b}"),
            format!("127.0.0.1:5000/tiny@{b}"),
            "garbage".to_string(),
        ];
        assert_eq!(repo_digests(&entries, "127.0.0.1:5000/tiny"), [a, b]);
        assert_eq!(repo_digests(&entries, "docker.io/library/tiny"), [b]);
        assert!(repo_digests(&entries, "docker.io/library/other").is_empty());
    }

    #[test]
    fn error_detail_is_an_error() {
        let podman = include_str!(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../tests/samples/podman-4.3/pull-notfound.txt"
        ));
        let line = podman.lines().next().unwrap();
        let err = PullEvent::from_json(line.as_bytes()).unwrap_err();
        assert!(
            matches!(&err, Error::NotFound(message) if message.contains("manifest unknown")),
            "{err:?}"
        );
        let err = PullEvent::from_json(br#"{"errorDetail":{"message":"unexpected EOF"}}"#).unwrap_err();
        assert!(matches!(err, Error::Pull { code: None, .. }));
        let err =
            PullEvent::from_json(br#"{"errorDetail":{"code":401,"message":"unauthorized"},"error":"unauthorized"}"#)
                .unwrap_err();
        assert!(matches!(err, Error::Unauthorized { status: None, .. }), "{err:?}");
        let err = PullEvent::from_json(br#"{"error":"only the old field"}"#).unwrap_err();
        assert!(matches!(&err, Error::Pull { message, .. } if message == "only the old field"));
        assert!(matches!(
            PullEvent::from_json(b"{not json"),
            Err(Error::Protocol { .. })
        ));
    }
}
