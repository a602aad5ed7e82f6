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

use crate::error::{Error, Result};
use crate::jsonlines::JsonLines;

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
    /// Any other text.
    Other,
}

impl PullPhase {
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
        let raw: RawMessage =
            serde_json::from_slice(line).map_err(|e| Error::protocol("decoding a pull progress message", e))?;
        if raw.error_detail.is_some() || raw.error.as_deref().is_some_and(|e| !e.is_empty()) {
            let (code, detail) = raw.error_detail.map(|d| (d.code, d.message)).unwrap_or((None, None));
            let message = detail
                .filter(|m| !m.is_empty())
                .or(raw.error)
                .unwrap_or_else(|| "the pull failed without a message".to_string());
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

/// The local image `reference` names: its id and the digest under which its repository holds
/// it, if any.
async fn local_image(client: &crate::Client, reference: &str) -> Option<(String, Option<String>)> {
    let wanted = crate::ImageRef::parse(reference).ok()?;
    let image = client.images().inspect(reference).await.ok()?;
    let digest = image.repo_digests.iter().find_map(|entry| {
        let parsed = crate::ImageRef::parse(entry).ok()?;
        (parsed.name() == wanted.name()).then(|| parsed.digest().map(str::to_string))?
    });
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

/// Started pull: the response body and, on Podman, the id of the local image the reference
/// named before the pull (`Some(None)`: none), to tell afterwards whether anything changed.
pub(crate) struct Started {
    pub(crate) body: ResponseBody,
    pub(crate) podman_before: Option<Option<String>>,
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
    /// The manifest digest (`sha256:...`) from the `Digest:` line, when the daemon gave one.
    pub digest: Option<String>,
    /// Downloaded or up to date. Docker says which in its `Status:` line; on Podman, whose
    /// stream does not, dimg compares the local image the reference named before and after.
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
    fn new(reference: String) -> PullSummary {
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
    Done,
}

/// The events of one pull, in order. Created by [`crate::Images::pull`]; nothing is sent
/// until it is first polled. Ends after the last message (when the daemon named no digest, as
/// Podman does not, the stream first looks it up so that [`PullStream::summary`] has it), or
/// after the first error (an
/// HTTP error, an `errorDetail` in the stream, a broken connection, a timeout). Dropping it
/// closes the connection, which cancels the pull in the daemon.
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
    idle: Option<Pin<Box<tokio::time::Sleep>>>,
}

impl std::fmt::Debug for PullStream {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PullStream")
            .field("summary", &self.summary)
            .finish_non_exhaustive()
    }
}

impl PullStream {
    pub(crate) fn new(
        client: crate::Client,
        reference: String,
        timeout: Option<Duration>,
        start: Starting,
    ) -> PullStream {
        PullStream {
            completion: Some((client, reference.clone())),
            podman_before: None,
            state: State::Starting(start),
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
            idle: None,
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
    /// The first error of the stream: [`Error::NotFound`] / [`Error::Api`] before it started,
    /// [`Error::Pull`] for an `errorDetail` inside it, [`Error::Protocol`] for a broken
    /// stream, [`Error::Timeout`] when the daemon went quiet for longer than the timeout.
    pub async fn finish(mut self) -> Result<PullSummary> {
        while let Some(event) = self.next_event().await {
            event?;
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
            let deadline = tokio::time::Instant::now() + limit;
            match &mut self.idle {
                Some(sleep) => sleep.as_mut().reset(deadline),
                None => self.idle = Some(Box::pin(tokio::time::sleep_until(deadline))),
            }
        }
    }

    fn fail(&mut self, error: Error) -> Poll<Option<Result<PullEvent>>> {
        self.state = State::Done;
        Poll::Ready(Some(Err(error)))
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
                State::Starting(start) => match ready!(start.as_mut().poll(cx)) {
                    Ok(Started { body, podman_before }) => {
                        this.podman_before = podman_before;
                        this.state = State::Streaming(body);
                        this.reset_idle();
                    }
                    Err(e) => return this.fail(e),
                },
                State::Streaming(_) => {
                    if let Some(item) = this.buffered_event() {
                        if item.is_err() {
                            this.state = State::Done;
                        }
                        return Poll::Ready(Some(item));
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
                            return this.fail(Error::protocol("reading the pull stream", e));
                        }
                        Poll::Ready(None) => {
                            this.state = State::Ended;
                            if let Some(line) = this.lines.finish() {
                                let event = this.event_from(&line);
                                if event.is_err() {
                                    this.state = State::Done;
                                }
                                return Poll::Ready(Some(event));
                            }
                        }
                        Poll::Pending => {
                            if let Some(idle) = &mut this.idle
                                && idle.as_mut().poll(cx).is_ready()
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
        assert_eq!(err.cli_message(), "authentication is required");
        let err = PullEvent::from_json(br#"{"error":"only the old field"}"#).unwrap_err();
        assert!(matches!(&err, Error::Pull { message, .. } if message == "only the old field"));
        assert!(matches!(
            PullEvent::from_json(b"{not json"),
            Err(Error::Protocol { .. })
        ));
    }
}
