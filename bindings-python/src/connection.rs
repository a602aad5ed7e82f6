//! The raw layer under the public `dimg.Client` / `dimg.AsyncClient` (python/dimg/_client.py):
//! a `Connection` to one daemon, whose methods convert their arguments and return a `Call`;
//! `Call.run()` performs it blocking (GIL released), `Call.start()` as an asyncio awaitable.
//! Each operation is written once: what to ask (`Request`) does not depend on how it is
//! waited for, and `perform!` is the one body for both core clients.

use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use pyo3::IntoPyObjectExt;
use pyo3::exceptions::{PyRuntimeError, PyStopAsyncIteration};
use pyo3::prelude::*;
use pyo3::types::PyDict;

use crate::convert;
use crate::endpoint::PyEndpoint;
use crate::errors::{core_error, interrupted, invalid_argument};
use crate::limits::{PyRetryPolicy, PyTimeouts};
use crate::runtime::{check_blocking_allowed, init_async, interruptible};
use crate::types::{
    PyImage, PyInfo, PyPing, PyPullManyProgress, PyPullProgress, PyPullSummary, PyRemoveReport, PyRemovedItem,
    PySearchResult, PyVersion, prune_report_dict,
};

/// The core client a connection calls through, fixed when it is made: blocking for
/// `dimg.Client`, async (Tokio) for `dimg.AsyncClient`.
#[derive(Clone)]
enum Engine {
    Blocking(dimg::blocking::Client),
    Async(dimg::Client),
}

impl Engine {
    /// The same client (its connections, negotiated version and settings) under other limits
    /// and retries: how a call gets the limits its connection (or its own keywords) say.
    fn configured(&self, timeouts: dimg::Timeouts, retry: Option<dimg::RetryPolicy>) -> Engine {
        match self {
            Engine::Blocking(client) => Engine::Blocking(client.with_timeouts(timeouts).with_retry(retry)),
            Engine::Async(client) => Engine::Async(client.with_timeouts(timeouts).with_retry(retry)),
        }
    }
}

/// One daemon call, its arguments converted.
enum Request {
    Ping,
    ApiVersion,
    Version,
    Info,
    ListImages(dimg::ListOptions),
    InspectImage(String),
    SearchImages(String, dimg::SearchOptions),
    RemoveImage(String, dimg::RemoveOptions),
    RemoveImages(Vec<String>, dimg::RemoveOptions),
    TagImage(String, String),
    PruneImages(dimg::PruneOptions),
    /// After a `pull_many`: each image pulled (by its reference) inspected, each failure kept;
    /// `true` raises the first failure instead of returning the list.
    InspectPulled(Vec<dimg::Result<String>>, bool),
}

/// A pull with a progress callback, answered with the image(s) pulled.
struct Pull {
    reference: String,
    options: dimg::PullOptions,
    all_tags: bool,
    progress: Option<Py<PyAny>>,
}

impl Pull {
    /// Calls the progress callback; its exception stops the pull and propagates unchanged.
    fn report(&self, event: &dimg::PullEvent) -> Result<(), dimg::BoxError> {
        let Some(callback) = &self.progress else { return Ok(()) };
        Python::attach(|py| callback.call1(py, (PyPullProgress::from(event.clone()),)).map(drop)).map_err(interrupted)
    }

    /// What answers a finished pull, as docker-py's `pull` does: the image, or with
    /// `all_tags` every image of the repository.
    fn answer(&self, summary: &dimg::PullSummary) -> dimg::Result<Request> {
        Ok(match self.all_tags {
            true => {
                let repository = dimg::ImageRef::parse(&summary.reference)?.familiar_name();
                Request::ListImages(dimg::ListOptions::new().reference(repository))
            }
            false => Request::InspectImage(summary.reference.clone()),
        })
    }
}

/// Several pulls at once with one progress callback, answered with the images (or the
/// exceptions) in the order asked.
struct PullMany {
    references: Vec<String>,
    options: dimg::PullOptions,
    concurrency: usize,
    progress: Option<Py<PyAny>>,
    raise_on_error: bool,
}

impl PullMany {
    /// Calls the progress callback with the update; its exception stops every pull and
    /// propagates unchanged.
    fn report(&self, update: &dimg::PullManyProgress<'_>) -> Result<(), dimg::BoxError> {
        let Some(callback) = &self.progress else { return Ok(()) };
        Python::attach(|py| match PyPullManyProgress::new(py, update)? {
            Some(update) => callback.call1(py, (update,)).map(drop),
            None => Ok(()),
        })
        .map_err(interrupted)
    }

    /// What answers the finished pulls: each image as `pull` answers it (inspected).
    fn answer(&self, results: Vec<dimg::Result<dimg::PullSummary>>) -> Request {
        let pulled = results
            .into_iter()
            .map(|r| r.map(|summary| summary.reference))
            .collect();
        Request::InspectPulled(pulled, self.raise_on_error)
    }
}

/// What a `Call` does.
enum Job {
    Request(Request),
    Pull(Pull),
    PullMany(PullMany),
}

/// What the daemon answered, before conversion to Python (made without the GIL).
enum Answer {
    Ping(dimg::Ping),
    ApiVersion(dimg::ApiVersion),
    Version(dimg::Version),
    Info(dimg::Info),
    Images(Vec<dimg::ImageSummary>),
    Image(dimg::ImageInspect),
    SearchResults(Vec<dimg::SearchResult>),
    Removed(Vec<dimg::RemovedItem>),
    RemoveReport(dimg::RemoveReport),
    Tagged,
    Pruned(dimg::PruneReport),
    /// Per image of a `pull_many`, and whether the first failure is raised.
    PulledMany(Vec<dimg::Result<dimg::ImageInspect>>, bool),
}

impl Answer {
    fn into_py(self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        match self {
            Answer::Ping(ping) => PyPing::from(ping).into_py_any(py),
            Answer::ApiVersion(version) => version.to_string().into_py_any(py),
            Answer::Version(version) => PyVersion::from(version).into_py_any(py),
            Answer::Info(info) => PyInfo::from(info).into_py_any(py),
            Answer::Images(images) => images
                .into_iter()
                .map(PyImage::from)
                .collect::<Vec<_>>()
                .into_py_any(py),
            Answer::Image(image) => PyImage::from(image).into_py_any(py),
            Answer::SearchResults(hits) => hits
                .into_iter()
                .map(PySearchResult::from)
                .collect::<Vec<_>>()
                .into_py_any(py),
            Answer::Removed(items) => items
                .into_iter()
                .map(PyRemovedItem::from)
                .collect::<Vec<_>>()
                .into_py_any(py),
            Answer::RemoveReport(report) => PyRemoveReport::new(py, report)?.into_py_any(py),
            Answer::Tagged => true.into_py_any(py),
            Answer::Pruned(report) => prune_report_dict(py, report)?.into_py_any(py),
            Answer::PulledMany(results, raise_on_error) => {
                let mut answers = Vec::with_capacity(results.len());
                for result in results {
                    answers.push(match result {
                        Ok(image) => PyImage::from(image).into_py_any(py)?,
                        // In input order: the first failure is the one raised.
                        Err(error) if raise_on_error => return Err(core_error(error)),
                        Err(error) => core_error(error).into_value(py).into_any(),
                    });
                }
                answers.into_py_any(py)
            }
        }
    }
}

/// The blocking `remove_many` can fail as a whole (interrupted, re-entered); the async one
/// cannot. This lets `perform!` treat both alike.
trait IntoReport {
    fn into_report(self) -> dimg::Result<dimg::RemoveReport>;
}

impl IntoReport for dimg::RemoveReport {
    fn into_report(self) -> dimg::Result<dimg::RemoveReport> {
        Ok(self)
    }
}

impl IntoReport for dimg::Result<dimg::RemoveReport> {
    fn into_report(self) -> dimg::Result<dimg::RemoveReport> {
        self
    }
}

/// Performs a `Request` on a core client: `dimg::blocking::Client` (no `await` argument) or
/// `dimg::Client` (`await`). Both have these methods with the same names and arguments, so
/// each request is written once for both.
macro_rules! perform {
    ($client:expr, $request:expr $(, $wait:tt)?) => {{
        let client = $client;
        match $request {
            Request::Ping => Answer::Ping(client.ping()$(.$wait)? ?),
            Request::ApiVersion => Answer::ApiVersion(client.api_version()$(.$wait)? ?),
            Request::Version => Answer::Version(client.version()$(.$wait)? ?),
            Request::Info => Answer::Info(client.info()$(.$wait)? ?),
            Request::ListImages(options) => Answer::Images(client.images().list(&options)$(.$wait)? ?),
            Request::InspectImage(name) => Answer::Image(client.images().inspect(&name)$(.$wait)? ?),
            Request::SearchImages(term, options) => {
                Answer::SearchResults(client.images().search(&term, &options)$(.$wait)? ?)
            }
            Request::RemoveImage(name, options) => Answer::Removed(client.images().remove(&name, &options)$(.$wait)? ?),
            Request::RemoveImages(names, options) => {
                Answer::RemoveReport(client.images().remove_many(&names, &options)$(.$wait)?.into_report()?)
            }
            Request::TagImage(source, target) => {
                client.images().tag(&source, &target)$(.$wait)? ?;
                Answer::Tagged
            }
            Request::PruneImages(options) => Answer::Pruned(client.images().prune(&options)$(.$wait)? ?),
            Request::InspectPulled(pulled, raise_on_error) => {
                let mut images = Vec::with_capacity(pulled.len());
                for reference in pulled {
                    images.push(match reference {
                        Ok(reference) => client.images().inspect(&reference)$(.$wait)?,
                        Err(error) => Err(error),
                    });
                }
                Answer::PulledMany(images, raise_on_error)
            }
        }
    }};
}

fn perform_blocking(client: &dimg::blocking::Client, job: Job) -> dimg::Result<Answer> {
    let request = match job {
        Job::Request(request) => request,
        Job::Pull(pull) => {
            let summary = client
                .images()
                .pull(&pull.reference, &pull.options)
                .finish_with(|event| pull.report(event))?;
            pull.answer(&summary)?
        }
        Job::PullMany(many) => {
            let results = client
                .images()
                .pull_many(&many.references, &many.options, many.concurrency)
                .finish_with(|update| many.report(update))?;
            many.answer(results)
        }
    };
    Ok(perform!(client, request))
}

async fn perform_async(client: &dimg::Client, job: Job) -> dimg::Result<Answer> {
    let request = match job {
        Job::Request(request) => request,
        Job::Pull(pull) => {
            let summary = client
                .images()
                .pull(&pull.reference, &pull.options)
                .finish_with(|event| pull.report(event))
                .await?;
            pull.answer(&summary)?
        }
        Job::PullMany(many) => {
            let results = client
                .images()
                .pull_many(&many.references, &many.options, many.concurrency)
                .finish_with(|update| many.report(update))
                .await?;
            many.answer(results)
        }
    };
    Ok(perform!(client, request, await))
}

/// A connection to one daemon (`dimg.Client` / `dimg.AsyncClient` hold one), under its limits
/// and retries. Its operations return a `Call`.
#[pyclass(frozen, module = "dimg._native", name = "Connection")]
pub struct PyConnection {
    /// The core client, shared with every connection `with_limits` made from this one (they
    /// are one pool); None once closed. Calls already made hold their own clone, so they
    /// finish first.
    engine: Arc<Mutex<Option<Engine>>>,
    /// What the core resolved, kept for the getters after `close()`.
    endpoint: dimg::Endpoint,
    /// The limits and retries this connection's calls run under.
    timeouts: dimg::Timeouts,
    retry: Option<PyRetryPolicy>,
}

#[pymethods]
impl PyConnection {
    /// `base_url`: any form the core's host rule takes, or None for the docker CLI's
    /// resolution (DOCKER_HOST, DOCKER_CONTEXT, the current context, the TLS variables,
    /// DOCKER_API_VERSION); `timeout` in seconds or None (total and idle), or `timeouts` (a
    /// Timeouts), not both (`timeout_given`: whether `timeout` is the caller's, not the
    /// default); `version` pinned unless None or "auto";
    /// `asynchronous`: for `AsyncClient` (calls are started, not run); `context`,
    /// `config_dir`: the docker CLI's `--context`, `--config`; `tls`: a TLSConfig, or True for
    /// `--tlsverify` with the default files, or False; `credential_helper_timeout` in seconds,
    /// or None for the total limit; `retry`: a RetryPolicy, or None for no retries.
    #[new]
    #[pyo3(signature = (base_url, timeout, timeout_given, timeouts, version, asynchronous, context, config_dir, tls, credential_helper_timeout, retry))]
    #[allow(clippy::too_many_arguments)] // one per keyword of `dimg.Client`
    fn new(
        base_url: Option<&str>,
        timeout: Option<f64>,
        timeout_given: bool,
        timeouts: Option<Bound<'_, PyTimeouts>>,
        version: Option<&str>,
        asynchronous: bool,
        context: Option<String>,
        config_dir: Option<PathBuf>,
        tls: &Bound<'_, PyAny>,
        credential_helper_timeout: Option<f64>,
        retry: Option<Bound<'_, PyRetryPolicy>>,
    ) -> PyResult<PyConnection> {
        let target = convert::Target {
            base_url,
            context,
            config_dir,
            tls,
        };
        if timeout_given && timeouts.is_some() {
            return Err(invalid_argument(
                "give timeout= (total and idle) or timeouts= (connect, total, idle), not both".to_string(),
            ));
        }
        let limits = convert::Timeouts {
            timeout,
            timeouts: timeouts.map(|t| t.get().inner),
            credential_helper_timeout,
        };
        let builder = convert::client_builder(target, limits, version)?;
        // Built with the GIL held: resolving reads the environment, which Python threads
        // may be changing (os.environ) while they hold it.
        let engine = match asynchronous {
            true => {
                init_async()?;
                Engine::Async(builder.build().map_err(core_error)?)
            }
            false => Engine::Blocking(interruptible(builder.build_blocking().map_err(core_error)?)),
        };
        let (endpoint, timeouts) = match &engine {
            Engine::Blocking(client) => (client.endpoint().clone(), client.timeouts()),
            Engine::Async(client) => (client.endpoint().clone(), client.timeouts()),
        };
        Ok(PyConnection {
            engine: Arc::new(Mutex::new(Some(engine))),
            endpoint,
            timeouts,
            retry: retry.map(|r| r.get().clone()),
        })
    }

    /// This connection on the same pool under other limits (None: this one's) and retries
    /// (None: this one's). Closing either closes both.
    #[pyo3(signature = (timeouts, retry))]
    fn with_limits(
        &self,
        timeouts: Option<Bound<'_, PyTimeouts>>,
        retry: Option<Bound<'_, PyRetryPolicy>>,
    ) -> PyConnection {
        PyConnection {
            engine: self.engine.clone(),
            endpoint: self.endpoint.clone(),
            timeouts: timeouts.map_or(self.timeouts, |t| t.get().inner),
            retry: retry.map(|r| r.get().clone()).or_else(|| self.retry.clone()),
        }
    }

    /// The daemon's address in DOCKER_HOST form.
    #[getter]
    fn host(&self) -> String {
        self.endpoint.to_string()
    }

    /// The Unix socket path; None for tcp:// and ssh:// addresses.
    #[getter]
    fn socket_path(&self) -> Option<String> {
        self.endpoint.socket_path().map(|p| p.display().to_string())
    }

    /// The resolved endpoint: kind, address, context.
    #[getter]
    fn endpoint(&self) -> PyEndpoint {
        PyEndpoint::from(self.endpoint.clone())
    }

    /// The total limit of a call in seconds; None waits forever.
    #[getter]
    fn timeout(&self) -> Option<f64> {
        self.timeouts.total.map(|t| t.as_secs_f64())
    }

    /// The limits calls run under.
    #[getter]
    fn timeouts(&self) -> PyTimeouts {
        self.timeouts.into()
    }

    /// The retry policy of pulls, searches and gets; None: no retries.
    #[getter]
    fn retry(&self) -> Option<PyRetryPolicy> {
        self.retry.clone()
    }

    /// Drops this connection's pool (shared with the connections `with_limits` made): idle
    /// connections close (an ssh:// connection's `ssh` process is killed and reaped) once the
    /// calls already made have finished. Later calls are refused. Closing twice is harmless.
    fn close(&self, py: Python<'_>) {
        let engine = self.lock_engine().take();
        // Dropping the blocking pool reaps its ssh processes on this thread.
        py.detach(move || drop(engine));
    }

    fn ping(&self) -> PyResult<PyCall> {
        self.call(Request::Ping)
    }

    fn api_version(&self) -> PyResult<PyCall> {
        self.call(Request::ApiVersion)
    }

    fn version(&self) -> PyResult<PyCall> {
        self.call(Request::Version)
    }

    fn info(&self) -> PyResult<PyCall> {
        self.call(Request::Info)
    }

    #[pyo3(signature = (name, all, filters))]
    fn list_images(&self, name: Option<String>, all: bool, filters: Option<&Bound<'_, PyDict>>) -> PyResult<PyCall> {
        self.call(Request::ListImages(convert::list_options(name, all, filters)?))
    }

    fn inspect_image(&self, name: String) -> PyResult<PyCall> {
        self.call(Request::InspectImage(name))
    }

    #[pyo3(signature = (term, limit, filters))]
    fn search_images(&self, term: String, limit: Option<i64>, filters: Option<&Bound<'_, PyDict>>) -> PyResult<PyCall> {
        self.call(Request::SearchImages(term, convert::search_options(limit, filters)?))
    }

    #[pyo3(signature = (repository, tag, all_tags, platform, progress, auth_config, policy))]
    #[allow(clippy::too_many_arguments)] // one per keyword of `images.pull`
    fn pull_image(
        &self,
        repository: &str,
        tag: Option<&str>,
        all_tags: bool,
        platform: Option<String>,
        progress: Option<Py<PyAny>>,
        auth_config: Option<&Bound<'_, PyDict>>,
        policy: &str,
    ) -> PyResult<PyCall> {
        let pull = Pull {
            reference: convert::reference_with_tag(repository, tag)?,
            options: convert::pull_options(all_tags, platform, auth_config, policy)?,
            all_tags,
            progress,
        };
        self.job(Job::Pull(pull))
    }

    #[pyo3(signature = (references, concurrency, progress, raise_on_error, platform, auth_config, policy))]
    #[allow(clippy::too_many_arguments)] // one per keyword of `images.pull_many`
    fn pull_many(
        &self,
        references: Vec<String>,
        concurrency: i64,
        progress: Option<Py<PyAny>>,
        raise_on_error: bool,
        platform: Option<String>,
        auth_config: Option<&Bound<'_, PyDict>>,
        policy: &str,
    ) -> PyResult<PyCall> {
        // The core refuses 0 when the call runs; a negative count is refused here in its words.
        let concurrency = usize::try_from(concurrency)
            .map_err(|_| invalid_argument("pull_many needs a concurrency of at least 1".to_string()))?;
        let many = PullMany {
            references,
            options: convert::pull_options(false, platform, auth_config, policy)?,
            concurrency,
            progress,
            raise_on_error,
        };
        self.job(Job::PullMany(many))
    }

    #[pyo3(signature = (repository, tag, all_tags, platform, auth_config, policy))]
    fn pull_stream(
        &self,
        repository: &str,
        tag: Option<&str>,
        all_tags: bool,
        platform: Option<String>,
        auth_config: Option<&Bound<'_, PyDict>>,
        policy: &str,
    ) -> PyResult<PyPullStream> {
        let reference = convert::reference_with_tag(repository, tag)?;
        let options = convert::pull_options(all_tags, platform, auth_config, policy)?;
        let events = match self.engine()? {
            Engine::Blocking(client) => {
                PullEvents::Blocking(Box::new(Mutex::new(client.images().pull(&reference, &options))))
            }
            Engine::Async(client) => PullEvents::Async(Arc::new(tokio::sync::Mutex::new(
                client.images().pull(&reference, &options),
            ))),
        };
        Ok(PyPullStream { events })
    }

    #[pyo3(signature = (image, force, noprune))]
    fn remove_image(&self, image: String, force: bool, noprune: bool) -> PyResult<PyCall> {
        self.call(Request::RemoveImage(image, convert::remove_options(force, noprune)))
    }

    #[pyo3(signature = (images, force, noprune))]
    fn remove_images(&self, images: Vec<String>, force: bool, noprune: bool) -> PyResult<PyCall> {
        self.call(Request::RemoveImages(images, convert::remove_options(force, noprune)))
    }

    #[pyo3(signature = (filters, all))]
    fn prune_images(&self, filters: Option<&Bound<'_, PyDict>>, all: bool) -> PyResult<PyCall> {
        self.call(Request::PruneImages(convert::prune_options(filters, all)?))
    }

    #[pyo3(signature = (image, repository, tag))]
    fn tag_image(&self, image: String, repository: &str, tag: Option<&str>) -> PyResult<PyCall> {
        let target = convert::reference_with_tag(repository, tag)?;
        self.call(Request::TagImage(image, target))
    }
}

impl PyConnection {
    fn lock_engine(&self) -> std::sync::MutexGuard<'_, Option<Engine>> {
        self.engine.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The core client under this connection's limits and retries, unless it was closed.
    fn engine(&self) -> PyResult<Engine> {
        let engine = self
            .lock_engine()
            .clone()
            .ok_or_else(|| PyRuntimeError::new_err("this dimg client is closed"))?;
        Ok(engine.configured(self.timeouts, self.retry.as_ref().map(PyRetryPolicy::core)))
    }

    fn call(&self, request: Request) -> PyResult<PyCall> {
        self.job(Job::Request(request))
    }

    fn job(&self, job: Job) -> PyResult<PyCall> {
        Ok(PyCall {
            engine: self.engine()?,
            job: Mutex::new(Some(job)),
        })
    }
}

/// One operation of a `Connection`, not yet sent: `run()` it (`Client`) or `start()` it
/// (`AsyncClient`), once.
#[pyclass(frozen, module = "dimg._native", name = "Call")]
pub struct PyCall {
    engine: Engine,
    job: Mutex<Option<Job>>,
}

#[pymethods]
impl PyCall {
    /// Performs the call on this thread with the GIL released, and returns its answer.
    fn run(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        let Engine::Blocking(client) = &self.engine else {
            return Err(PyRuntimeError::new_err(
                "a call of an AsyncClient connection is started, not run",
            ));
        };
        let job = self.take()?;
        check_blocking_allowed()?;
        let answer = py.detach(|| perform_blocking(client, job)).map_err(core_error)?;
        answer.into_py(py)
    }

    /// The call as an asyncio awaitable of its answer.
    fn start<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let Engine::Async(client) = self.engine.clone() else {
            return Err(PyRuntimeError::new_err(
                "a call of a Client connection is run, not started",
            ));
        };
        let job = self.take()?;
        pyo3_async_runtimes::tokio::future_into_py(py, async move {
            let answer = perform_async(&client, job).await.map_err(core_error)?;
            Python::attach(|py| answer.into_py(py))
        })
    }
}

impl PyCall {
    fn take(&self) -> PyResult<Job> {
        let job = self.job.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).take();
        job.ok_or_else(|| PyRuntimeError::new_err("this dimg call was already made"))
    }
}

/// A pull's events, read blocking (`Client`) or awaited (`AsyncClient`).
enum PullEvents {
    Blocking(Box<Mutex<dimg::blocking::PullStream>>),
    Async(Arc<tokio::sync::Mutex<dimg::PullStream>>),
}

/// The events of one pull: iterate a `Client`'s, `async for` over an `AsyncClient`'s; its
/// `summary` is complete at the end.
#[pyclass(frozen, module = "dimg", name = "PullStream")]
pub struct PyPullStream {
    events: PullEvents,
}

#[pymethods]
impl PyPullStream {
    fn __iter__(slf: Py<Self>) -> Py<Self> {
        slf
    }

    fn __next__(&self, py: Python<'_>) -> PyResult<Option<PyPullProgress>> {
        let PullEvents::Blocking(stream) = &self.events else {
            return Err(PyRuntimeError::new_err(
                "an AsyncClient's pull stream is read with `async for`",
            ));
        };
        check_blocking_allowed()?;
        // Locked with the GIL released: another thread may be waiting inside this stream.
        let event = py.detach(|| {
            stream
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner())
                .next_event()
        });
        event
            .transpose()
            .map(|e| e.map(PyPullProgress::from))
            .map_err(core_error)
    }

    fn __aiter__(slf: Py<Self>) -> Py<Self> {
        slf
    }

    fn __anext__<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let PullEvents::Async(stream) = &self.events else {
            return Err(PyRuntimeError::new_err("a Client's pull stream is read with `for`"));
        };
        let stream = stream.clone();
        pyo3_async_runtimes::tokio::future_into_py(py, async move {
            match stream.lock().await.next_event().await {
                Some(event) => Ok(PyPullProgress::from(event.map_err(core_error)?)),
                None => Err(PyStopAsyncIteration::new_err(())),
            }
        })
    }

    /// What the pull amounted to so far (complete once the iteration ended).
    #[getter]
    fn summary(&self) -> PyResult<PyPullSummary> {
        let busy = || PyRuntimeError::new_err("the pull stream is being read");
        match &self.events {
            PullEvents::Blocking(stream) => Ok(stream.try_lock().map_err(|_| busy())?.summary().into()),
            PullEvents::Async(stream) => Ok(stream.try_lock().map_err(|_| busy())?.summary().into()),
        }
    }
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<PyConnection>()?;
    m.add_class::<PyCall>()?;
    m.add_class::<PyPullStream>()?;
    m.add("DEFAULT_TIMEOUT", dimg::DEFAULT_TIMEOUT.as_secs_f64())?;
    Ok(())
}
