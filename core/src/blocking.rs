//! dimg for synchronous programs: [`Client`] makes the same calls as the async
//! [`crate::Client`], on the calling thread, without an async runtime.
//!
//! Its connections are non-blocking sockets waited for with `poll(2)` on the calling thread, so
//! a call costs what a hand-written blocking client costs (a write, a wait, a read), with no
//! runtime threads to wake. It shares everything else with the async client: the same request
//! and response code, pool, connectors, timeouts and errors. Which of the two a client is, is
//! fixed when it is built ([`ClientBuilder::build`] or [`ClientBuilder::build_blocking`]), so
//! nothing depends on who polls it, and its pull stream is read through [`PullStream`]'s
//! blocking methods only. The Python `dimg.Client`, libdimg and the example CLI are built on it.
//!
//! ```no_run
//! let docker = dimg::blocking::Client::from_env()?;
//! let ping = docker.ping()?;
//! let images = docker.images().list(&dimg::ListOptions::new())?;
//! let pulled = docker.images().pull("alpine:3.19", &dimg::PullOptions::new()).finish()?;
//! println!("API {:?}, {} images, pulled {:?}", ping.api_version, images.len(), pulled.digest);
//! # Ok::<(), dimg::Error>(())
//! ```

use std::future::Future;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use crate::error::{BoxError, Error, Result};
use crate::runtime::{Driver, poll};
use crate::{
    ApiVersion, ClientBuilder, Endpoint, ImageInspect, ImageSummary, Info, ListOptions, Ping, PruneOptions,
    PruneReport, PullEvent, PullOptions, PullSummary, RemoveOptions, RemoveReport, RemovedItem, SearchOptions,
    SearchResult, Version,
};

/// What a caller's interrupt check returns: `Err` stops the call with [`Error::Interrupted`].
pub type InterruptCheck = Arc<dyn Fn() -> std::result::Result<(), BoxError> + Send + Sync>;

impl ClientBuilder {
    /// A client for synchronous programs ([`Client`]). Nothing is sent yet.
    ///
    /// ```
    /// let docker = dimg::Client::builder().host("unix:///run/podman/podman.sock").build_blocking().unwrap();
    /// assert_eq!(docker.host(), "unix:///run/podman/podman.sock");
    /// ```
    ///
    /// # Errors
    /// As [`ClientBuilder::build`].
    pub fn build_blocking(self) -> Result<Client> {
        Ok(Client {
            inner: self.build_for(Driver::Polled)?,
            interrupt: None,
        })
    }
}

/// A connection to one Docker Engine (or Podman) API socket, for synchronous code. Every
/// method blocks the calling thread until the answer is there, the timeout passes or the
/// interrupt check fails.
///
/// Cheap to clone and shareable between threads, like [`crate::Client`]: clones share one
/// connection pool and one negotiated API version.
///
/// # Examples
/// ```no_run
/// let docker = dimg::blocking::Client::from_env()?;        // DOCKER_HOST or /var/run/docker.sock
/// for image in docker.images().list(&Default::default())? {
///     println!("{} {:?}", image.id, image.repo_tags);
/// }
/// # Ok::<(), dimg::Error>(())
/// ```
#[derive(Clone)]
pub struct Client {
    inner: crate::Client,
    interrupt: Option<(Duration, InterruptCheck)>,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("blocking::Client")
            .field("endpoint", self.endpoint())
            .field("interruptible", &self.interrupt.is_some())
            .finish()
    }
}

impl Client {
    /// A client configured from `DOCKER_HOST` / `DOCKER_API_VERSION`, as the docker CLI is.
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] when those variables hold something unsupported.
    pub fn from_env() -> Result<Client> {
        ClientBuilder::from_env().build_blocking()
    }

    /// A client for the given socket path, with default timeouts.
    ///
    /// ```
    /// let c = dimg::blocking::Client::with_socket("/tmp/docker.sock");
    /// assert_eq!(c.socket_path(), Some(std::path::Path::new("/tmp/docker.sock")));
    /// ```
    pub fn with_socket(path: impl Into<PathBuf>) -> Client {
        ClientBuilder::new()
            .socket_path(path)
            .build_blocking()
            .expect("a builder without host or version errors always builds")
    }

    /// A builder; finish it with [`ClientBuilder::build_blocking`].
    pub fn builder() -> ClientBuilder {
        ClientBuilder::new()
    }

    /// Calls `check` about every `every` while a call waits, and stops the call (cancelling
    /// its request) with [`Error::Interrupted`] carrying what `check` returned. The Python
    /// binding uses it so that Ctrl-C interrupts a pull.
    ///
    /// ```no_run
    /// use std::sync::atomic::{AtomicBool, Ordering};
    /// static STOP: AtomicBool = AtomicBool::new(false);
    /// let docker = dimg::blocking::Client::from_env()?.interrupt_check(
    ///     std::time::Duration::from_millis(50),
    ///     std::sync::Arc::new(|| if STOP.load(Ordering::Relaxed) { Err("stopped".into()) } else { Ok(()) }),
    /// );
    /// # Ok::<(), dimg::Error>(())
    /// ```
    #[must_use]
    pub fn interrupt_check(mut self, every: Duration, check: InterruptCheck) -> Client {
        self.interrupt = Some((every, check));
        self
    }

    /// Where this client connects.
    pub fn endpoint(&self) -> &Endpoint {
        self.inner.endpoint()
    }

    /// The Unix socket this client talks to; `None` for a `tcp://` client.
    pub fn socket_path(&self) -> Option<&Path> {
        self.inner.socket_path()
    }

    /// The daemon's address in `DOCKER_HOST` form.
    pub fn host(&self) -> String {
        self.inner.host()
    }

    /// The limit of a whole non-streaming call (`None`: as long as it takes).
    pub fn timeout(&self) -> Option<Duration> {
        self.inner.timeout()
    }

    /// This client's limits; see [`crate::Timeouts`].
    pub fn timeouts(&self) -> crate::Timeouts {
        self.inner.timeouts()
    }

    /// A client on the same connections with other limits; see [`crate::Client::with_timeouts`].
    ///
    /// ```
    /// let docker = dimg::blocking::Client::with_socket("/tmp/docker.sock");
    /// let patient = docker.with_timeouts(dimg::Timeouts { total: None, ..docker.timeouts() });
    /// assert_eq!(patient.timeout(), None);
    /// ```
    #[must_use]
    pub fn with_timeouts(&self, timeouts: crate::Timeouts) -> Client {
        Client {
            inner: self.inner.with_timeouts(timeouts),
            interrupt: self.interrupt.clone(),
        }
    }

    /// A client on the same connections whose pulls, searches and inspects are retried by
    /// `policy`; see [`crate::Client::with_retry`].
    #[must_use]
    pub fn with_retry(&self, policy: Option<crate::RetryPolicy>) -> Client {
        Client {
            inner: self.inner.with_retry(policy),
            interrupt: self.interrupt.clone(),
        }
    }

    /// See [`crate::Client::api_version`].
    pub fn api_version(&self) -> Result<ApiVersion> {
        self.run(self.inner.api_version())
    }

    /// See [`crate::Client::ping`].
    pub fn ping(&self) -> Result<Ping> {
        self.run(self.inner.ping())
    }

    /// See [`crate::Client::version`].
    pub fn version(&self) -> Result<Version> {
        self.run(self.inner.version())
    }

    /// See [`crate::Client::info`].
    pub fn info(&self) -> Result<Info> {
        self.run(self.inner.info())
    }

    /// Image operations: list, search, pull, remove, inspect, tag.
    pub fn images(&self) -> Images<'_> {
        Images { client: self }
    }

    /// Runs one future of the polled client on this thread.
    fn run<T>(&self, call: impl Future<Output = Result<T>>) -> Result<T> {
        run(self.interrupt.as_ref(), call)
    }
}

/// Whether the calling thread is inside a blocking dimg call: a progress callback runs there,
/// and a call made from it is refused with [`Error::Reentrant`].
pub fn inside_call() -> bool {
    poll::active()
}

/// The one place a blocking call starts: refused when re-entered from a callback, then driven
/// on this thread, checked for interruption while it waits.
fn run<T>(interrupt: Option<&(Duration, InterruptCheck)>, call: impl Future<Output = Result<T>>) -> Result<T> {
    if poll::active() {
        return Err(Error::Reentrant(
            "a blocking dimg call cannot be made from inside another one on the same thread (a progress callback)",
        ));
    }
    match interrupt {
        None => poll::block_on(call),
        Some((every, check)) => poll::block_on_checked(call, *every, || check()).map_err(Error::Interrupted)?,
    }
}

/// Image operations of a [`Client`]; get one with [`Client::images`]. Each is
/// the blocking form of the [`crate::Images`] method of the same name.
#[derive(Debug, Clone, Copy)]
pub struct Images<'a> {
    client: &'a Client,
}

impl Images<'_> {
    fn images(&self) -> crate::Images<'_> {
        self.client.inner.images()
    }

    /// `docker images`; see [`crate::Images::list`].
    pub fn list(&self, options: &ListOptions) -> Result<Vec<ImageSummary>> {
        self.client.run(self.images().list(options))
    }

    /// `docker search`; see [`crate::Images::search`].
    pub fn search(&self, term: &str, options: &SearchOptions) -> Result<Vec<SearchResult>> {
        self.client.run(self.images().search(term, options))
    }

    /// `docker pull`: the stream of its events, read with [`PullStream::next_event`] (or as an
    /// iterator) or [`PullStream::finish`]; see [`crate::Images::pull`].
    pub fn pull(&self, reference: &str, options: &PullOptions) -> PullStream {
        PullStream {
            inner: self.images().pull(reference, options),
            interrupt: self.client.interrupt.clone(),
        }
    }

    /// `docker pull A B C ...` at once; see [`crate::Images::pull_many`]. Driven on this
    /// thread like every blocking call: the pulls run together in one `poll(2)`, no thread
    /// per pull.
    ///
    /// ```no_run
    /// let docker = dimg::blocking::Client::from_env()?;
    /// let results = docker
    ///     .images()
    ///     .pull_many(["tiny:1.0", "tiny:2.0"], &dimg::PullOptions::new(), 4)
    ///     .finish_with(|p| {
    ///         eprintln!("{}/{} images", p.totals.images_done, p.totals.images);
    ///         Ok(())
    ///     })?;
    /// # Ok::<(), dimg::Error>(())
    /// ```
    pub fn pull_many<I, S>(&self, references: I, options: &PullOptions, concurrency: usize) -> PullMany
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        PullMany {
            inner: self.images().pull_many(references, options, concurrency),
            interrupt: self.client.interrupt.clone(),
        }
    }

    /// `docker rmi NAME`; see [`crate::Images::remove`].
    pub fn remove(&self, name: &str, options: &RemoveOptions) -> Result<Vec<RemovedItem>> {
        self.client.run(self.images().remove(name, options))
    }

    /// `docker image prune`; see [`crate::Images::prune`].
    ///
    /// ```no_run
    /// let docker = dimg::blocking::Client::from_env()?;
    /// let report = docker.images().prune(&dimg::PruneOptions::new())?;
    /// println!("Total reclaimed space: {} bytes", report.space_reclaimed);
    /// # Ok::<(), dimg::Error>(())
    /// ```
    pub fn prune(&self, options: &PruneOptions) -> Result<PruneReport> {
        self.client.run(self.images().prune(options))
    }

    /// `docker rmi A B C`; see [`crate::Images::remove_many`]. The outer `Err` is only for a
    /// call that could not run at all (re-entered, interrupted).
    pub fn remove_many<I, S>(&self, names: I, options: &RemoveOptions) -> Result<RemoveReport>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let names: Vec<String> = names.into_iter().map(|n| n.as_ref().to_string()).collect();
        self.client
            .run(async { Ok(self.images().remove_many(names, options).await) })
    }

    /// `docker image inspect`; see [`crate::Images::inspect`].
    pub fn inspect(&self, name: &str) -> Result<ImageInspect> {
        self.client.run(self.images().inspect(name))
    }

    /// `docker tag`; see [`crate::Images::tag`].
    pub fn tag(&self, source: &str, target: &str) -> Result<()> {
        self.client.run(self.images().tag(source, target))
    }
}

/// A pull in progress on a [`Client`]: each [`next_event`](PullStream::next_event) blocks
/// until the daemon sends the next event. Dropping it cancels the pull (its connection is
/// closed).
///
/// ```no_run
/// let docker = dimg::blocking::Client::from_env()?;
/// let mut pull = docker.images().pull("127.0.0.1:5000/tiny:1.0", &Default::default());
/// for event in &mut pull {
///     let event = event?;
///     println!("{} {}", event.id.as_deref().unwrap_or(""), event.status);
/// }
/// println!("{:?}", pull.summary().outcome);
/// # Ok::<(), dimg::Error>(())
/// ```
#[must_use = "a pull does nothing until its stream is read (next_event or finish)"]
pub struct PullStream {
    inner: crate::PullStream,
    interrupt: Option<(Duration, InterruptCheck)>,
}

impl std::fmt::Debug for PullStream {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("blocking::PullStream")
            .field("summary", self.inner.summary())
            .finish_non_exhaustive()
    }
}

impl PullStream {
    /// The next event, or `None` at the end. See [`crate::PullStream::next_event`].
    pub fn next_event(&mut self) -> Option<Result<PullEvent>> {
        let PullStream { inner, interrupt } = self;
        run(interrupt.as_ref(), async { Ok(inner.next_event().await) }).unwrap_or_else(|e| Some(Err(e)))
    }

    /// What has been seen so far (complete once the stream ended without error).
    pub fn summary(&self) -> &PullSummary {
        self.inner.summary()
    }

    /// Drives the pull to its end, calling `progress` with every event, and returns the
    /// summary. `progress` runs inside the call: a blocking dimg call made from it is refused
    /// with [`Error::Reentrant`], and an `Err` from it stops the pull (closing its connection)
    /// with [`Error::Interrupted`] carrying that error.
    ///
    /// ```no_run
    /// let docker = dimg::blocking::Client::from_env()?;
    /// let pull = docker.images().pull("alpine:3.19", &dimg::PullOptions::new());
    /// let summary = pull.finish_with(|event| {
    ///     println!("{} {}", event.id.as_deref().unwrap_or(""), event.status);
    ///     Ok(())
    /// })?;
    /// # Ok::<(), dimg::Error>(())
    /// ```
    ///
    /// # Errors
    /// The first error of the stream, or [`Error::Interrupted`].
    pub fn finish_with(
        self,
        progress: impl FnMut(&PullEvent) -> std::result::Result<(), BoxError>,
    ) -> Result<PullSummary> {
        let PullStream { inner, interrupt } = self;
        run(interrupt.as_ref(), inner.finish_with(progress))
    }

    /// Drives the pull to its end and returns the summary; see [`crate::PullStream::finish`].
    ///
    /// # Errors
    /// The first error of the stream.
    pub fn finish(self) -> Result<PullSummary> {
        let PullStream { inner, interrupt } = self;
        run(interrupt.as_ref(), inner.finish())
    }
}

impl Iterator for PullStream {
    type Item = Result<PullEvent>;

    fn next(&mut self) -> Option<Result<PullEvent>> {
        self.next_event()
    }
}

/// Pulls of several images on a [`Client`]; see [`crate::PullMany`].
#[must_use = "nothing is pulled until finish or finish_with is called"]
pub struct PullMany {
    inner: crate::PullMany,
    interrupt: Option<(Duration, InterruptCheck)>,
}

impl std::fmt::Debug for PullMany {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.inner.fmt(f)
    }
}

impl PullMany {
    /// Pulls every image; one result per image, in order. See [`crate::PullMany::finish`].
    ///
    /// # Errors
    /// Before anything is sent: an invalid reference or a concurrency of 0.
    pub fn finish(self) -> Result<Vec<Result<PullSummary>>> {
        run(self.interrupt.as_ref(), self.inner.finish())
    }

    /// [`PullMany::finish`] with a progress callback, which runs inside the call (a blocking
    /// dimg call made from it is refused with [`Error::Reentrant`]); see
    /// [`crate::PullMany::finish_with`].
    ///
    /// # Errors
    /// As [`PullMany::finish`], or [`Error::Interrupted`].
    pub fn finish_with(
        self,
        progress: impl FnMut(&crate::PullManyProgress<'_>) -> std::result::Result<(), BoxError>,
    ) -> Result<Vec<Result<PullSummary>>> {
        run(self.interrupt.as_ref(), self.inner.finish_with(progress))
    }
}
