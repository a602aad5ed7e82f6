//! `Client` / `AsyncClient` and their `images` collections: convert arguments, call the core,
//! convert results. Each operation is written once as an async function; the sync classes
//! run it with the GIL released, the async classes hand it to asyncio.

use std::sync::Arc;
use std::time::Duration;

use pyo3::IntoPyObjectExt;
use pyo3::exceptions::{PyStopAsyncIteration, PyTypeError};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList, PyTuple};

use crate::errors::{BindingError, core_error};
use crate::runtime::{block_on_detached, init_async};
use crate::types::{
    PyImage, PyInfo, PyPing, PyPullProgress, PyPullSummary, PyRemoveReport, PyRemovedItem, PySearchResult, PyVersion,
};

type OpResult<T> = Result<T, BindingError>;

// ---------------------------------------------------------------------------------------
// Argument conversion (with the GIL, before anything is sent)
// ---------------------------------------------------------------------------------------

fn invalid(message: String) -> PyErr {
    core_error(dimg::Error::InvalidArgument(message))
}

/// A filter value as the daemon spells it: str as is, bool as true/false, int as digits.
fn filter_value(key: &str, value: &Bound<'_, PyAny>) -> PyResult<String> {
    if let Ok(b) = value.extract::<bool>() {
        return Ok(b.to_string());
    }
    if let Ok(n) = value.extract::<i64>() {
        return Ok(n.to_string());
    }
    if let Ok(s) = value.extract::<String>() {
        return Ok(s);
    }
    Err(PyTypeError::new_err(format!(
        "filter {key:?}: expected str, bool, int or a list of them, got {}",
        value.get_type().name()?
    )))
}

/// `{"key": value | [values]}` as `key=value` strings.
fn filter_pairs(filters: Option<&Bound<'_, PyDict>>) -> PyResult<Vec<String>> {
    let mut pairs = Vec::new();
    let Some(filters) = filters else { return Ok(pairs) };
    for (key, value) in filters.iter() {
        let key: String = key
            .extract()
            .map_err(|_| PyTypeError::new_err("filter names must be str"))?;
        if value.is_instance_of::<PyList>() || value.is_instance_of::<PyTuple>() {
            for item in value.try_iter()? {
                pairs.push(format!("{key}={}", filter_value(&key, &item?)?));
            }
        } else {
            pairs.push(format!("{key}={}", filter_value(&key, &value)?));
        }
    }
    Ok(pairs)
}

fn list_options(name: Option<String>, all: bool, filters: Option<&Bound<'_, PyDict>>) -> PyResult<dimg::ListOptions> {
    let mut options = dimg::ListOptions::new().all(all);
    for pair in filter_pairs(filters)? {
        options = options.filter(pair.parse().map_err(core_error)?);
    }
    if let Some(name) = name {
        options = options.reference(name);
    }
    Ok(options)
}

fn search_options(limit: Option<i64>, filters: Option<&Bound<'_, PyDict>>) -> PyResult<dimg::SearchOptions> {
    let mut options = dimg::SearchOptions::new();
    if let Some(limit) = limit {
        if !(1..=100).contains(&limit) {
            return Err(invalid(format!("Limit {limit} is outside the range of [1, 100]")));
        }
        options = options.limit(limit as u32);
    }
    for pair in filter_pairs(filters)? {
        options = options.filter(pair.parse().map_err(core_error)?);
    }
    Ok(options)
}

/// docker-py's `pull(repository, tag)`: a given tag replaces the one in `repository`; a
/// `sha256:` tag is a digest. The reference is validated here, before anything is sent.
fn pull_reference(repository: &str, tag: Option<&str>) -> PyResult<String> {
    let parsed = dimg::ImageRef::parse(repository).map_err(core_error)?;
    Ok(match tag {
        None => repository.to_string(),
        Some(tag) if tag.contains(':') => format!("{}@{tag}", parsed.name()),
        Some(tag) => format!("{}:{tag}", parsed.name()),
    })
}

/// docker-py's `auth_config` dict (username, password, email, serveraddress, identitytoken,
/// registrytoken, auth) as explicit credentials.
fn registry_auth(auth_config: Option<&Bound<'_, PyDict>>) -> PyResult<Option<dimg::RegistryAuth>> {
    let Some(config) = auth_config else { return Ok(None) };
    let mut auth = dimg::RegistryAuth::default();
    for (key, value) in config.iter() {
        let key: String = key.extract()?;
        let value: String = value
            .extract()
            .map_err(|_| PyTypeError::new_err(format!("auth_config[{key:?}] must be a str")))?;
        match key.as_str() {
            "username" => auth.username = value,
            "password" => auth.password = value,
            "email" => auth.email = value,
            "serveraddress" => auth.server_address = value,
            "identitytoken" => auth.identity_token = value,
            "registrytoken" => auth.registry_token = value,
            "auth" => auth.auth = value,
            _ => return Err(invalid(format!("unknown auth_config key {key:?}"))),
        }
    }
    Ok(Some(auth))
}

fn pull_options(
    all_tags: bool,
    platform: Option<String>,
    auth_config: Option<&Bound<'_, PyDict>>,
) -> PyResult<dimg::PullOptions> {
    let mut options = dimg::PullOptions::new().all_tags(all_tags);
    if let Some(p) = platform {
        options = options.platform(p);
    }
    if let Some(auth) = registry_auth(auth_config)? {
        options = options.auth(auth);
    }
    Ok(options)
}

fn remove_options(force: bool, noprune: bool) -> dimg::RemoveOptions {
    dimg::RemoveOptions::new().force(force).noprune(noprune)
}

fn build_client(base_url: Option<&str>, timeout: Option<f64>, version: Option<&str>) -> PyResult<dimg::Client> {
    let mut builder = match base_url {
        None => dimg::ClientBuilder::from_env(),
        Some(url) if url.starts_with('/') => dimg::ClientBuilder::new().socket_path(url),
        Some(url) => dimg::ClientBuilder::new().host(url),
    };
    builder = match timeout {
        None => builder.no_timeout(),
        Some(t) if t.is_finite() && t > 0.0 => builder.timeout(Duration::from_secs_f64(t)),
        Some(t) => {
            return Err(invalid(format!(
                "timeout must be a positive number of seconds or None, not {t}"
            )));
        }
    };
    if let Some(version) = version.filter(|v| *v != "auto") {
        builder = builder.api_version(version.parse().map_err(core_error)?);
    }
    builder.build().map_err(core_error)
}

// ---------------------------------------------------------------------------------------
// Operations, written once
// ---------------------------------------------------------------------------------------

async fn list_op(client: dimg::Client, options: dimg::ListOptions) -> OpResult<Vec<PyImage>> {
    Ok(client
        .images()
        .list(&options)
        .await?
        .into_iter()
        .map(PyImage::from)
        .collect())
}

async fn get_op(client: dimg::Client, name: String) -> OpResult<PyImage> {
    Ok(client.images().inspect(&name).await?.into())
}

async fn search_op(client: dimg::Client, term: String, options: dimg::SearchOptions) -> OpResult<Vec<PySearchResult>> {
    Ok(client
        .images()
        .search(&term, &options)
        .await?
        .into_iter()
        .map(PySearchResult::from)
        .collect())
}

/// Pulls, calling `progress` with each event (an exception from it stops the pull and
/// propagates), then returns the pulled image, or every tag's image for `all_tags`.
async fn pull_op(
    client: dimg::Client,
    reference: String,
    options: dimg::PullOptions,
    all_tags: bool,
    progress: Option<Py<PyAny>>,
) -> OpResult<Py<PyAny>> {
    let mut stream = client.images().pull(&reference, &options);
    while let Some(event) = stream.next_event().await {
        let event = event?;
        if let Some(callback) = &progress {
            Python::attach(|py| callback.call1(py, (PyPullProgress::from(event),)).map(drop))?;
        }
    }
    let summary = stream.summary().clone();
    if all_tags {
        let repository = dimg::ImageRef::parse(&summary.reference)?.familiar_name();
        let images = client
            .images()
            .list(&dimg::ListOptions::new().reference(repository))
            .await?;
        let images: Vec<PyImage> = images.into_iter().map(PyImage::from).collect();
        Ok(Python::attach(|py| images.into_py_any(py))?)
    } else {
        let image = PyImage::from(client.images().inspect(&summary.reference).await?);
        Ok(Python::attach(|py| image.into_py_any(py))?)
    }
}

async fn remove_op(client: dimg::Client, name: String, options: dimg::RemoveOptions) -> OpResult<Vec<PyRemovedItem>> {
    Ok(client
        .images()
        .remove(&name, &options)
        .await?
        .into_iter()
        .map(PyRemovedItem::from)
        .collect())
}

async fn remove_many_op(
    client: dimg::Client,
    names: Vec<String>,
    options: dimg::RemoveOptions,
) -> OpResult<PyRemoveReport> {
    let report = client.images().remove_many(&names, &options).await;
    let exit_code = report.exit_code();
    Python::attach(|py| {
        let mut removed = Vec::new();
        let mut errors = Vec::new();
        for outcome in report.outcomes {
            match outcome.result {
                Ok(items) => {
                    for item in items {
                        removed.push(Py::new(py, PyRemovedItem::from(item))?);
                    }
                }
                Err(e) => errors.push((outcome.target, core_error(e).into_value(py).into_any())),
            }
        }
        Ok(PyRemoveReport {
            removed,
            errors,
            exit_code,
        })
    })
}

async fn tag_op(client: dimg::Client, source: String, target: String) -> OpResult<bool> {
    client.images().tag(&source, &target).await?;
    Ok(true)
}

fn tag_target(repository: &str, tag: Option<&str>) -> String {
    match tag {
        Some(tag) => format!("{repository}:{tag}"),
        None => repository.to_string(),
    }
}

// ---------------------------------------------------------------------------------------
// Sync classes
// ---------------------------------------------------------------------------------------

/// A connection to a Docker (or Podman) daemon: `dimg.Client(base_url=None, timeout=60.0)`.
#[pyclass(frozen, module = "dimg", name = "Client")]
pub struct PyClient {
    client: dimg::Client,
}

#[pymethods]
impl PyClient {
    /// Args:
    ///     base_url: "unix:///path/to/docker.sock" or a socket path; None reads DOCKER_HOST,
    ///         else /var/run/docker.sock.
    ///     timeout: seconds to wait for an answer (and between pull progress messages); None
    ///         waits forever.
    ///     version: an API version such as "1.41" to pin, or None / "auto" to negotiate.
    #[new]
    #[pyo3(signature = (base_url=None, timeout=60.0, version=None))]
    fn new(base_url: Option<&str>, timeout: Option<f64>, version: Option<&str>) -> PyResult<PyClient> {
        Ok(PyClient {
            client: build_client(base_url, timeout, version)?,
        })
    }

    /// Image operations (list, get, search, pull, pull_stream, remove, remove_many, tag).
    #[getter]
    fn images(&self) -> PyImages {
        PyImages {
            client: self.client.clone(),
        }
    }

    /// The socket path.
    #[getter]
    fn socket_path(&self) -> String {
        self.client.socket_path().display().to_string()
    }

    /// `GET /_ping`; also negotiates the API version.
    fn ping(&self, py: Python<'_>) -> PyResult<PyPing> {
        let client = self.client.clone();
        block_on_detached(py, async move { Ok(client.ping().await?.into()) })
    }

    /// The API version in use ("1.41"), negotiating it if needed.
    fn api_version(&self, py: Python<'_>) -> PyResult<String> {
        let client = self.client.clone();
        block_on_detached(py, async move { Ok(client.api_version().await?.to_string()) })
    }

    /// `GET /version`.
    fn version(&self, py: Python<'_>) -> PyResult<PyVersion> {
        let client = self.client.clone();
        block_on_detached(py, async move { Ok(client.version().await?.into()) })
    }

    /// `GET /info`: storage driver, root dir, registry mirrors, insecure registries.
    fn info(&self, py: Python<'_>) -> PyResult<PyInfo> {
        let client = self.client.clone();
        block_on_detached(py, async move { Ok(client.info().await?.into()) })
    }

    /// Releases nothing explicitly: pooled connections close when the last reference goes.
    fn close(&self) {}

    fn __enter__(slf: Py<Self>) -> Py<Self> {
        slf
    }

    #[pyo3(signature = (*_args))]
    fn __exit__(&self, _args: &Bound<'_, PyTuple>) -> bool {
        false
    }

    fn __repr__(&self) -> String {
        format!("<dimg.Client unix://{}>", self.client.socket_path().display())
    }
}

/// `client.images`: what `docker images / search / pull / rmi` do.
#[pyclass(frozen, module = "dimg", name = "ImageCollection")]
pub struct PyImages {
    client: dimg::Client,
}

#[pymethods]
impl PyImages {
    /// `docker images`. `name` is the REPOSITORY[:TAG] pattern; filters are
    /// {"dangling": bool, "label": "k" | "k=v" | [...], "before": ..., "since": ...,
    /// "reference": ..., "until": ...}.
    #[pyo3(signature = (name=None, all=false, filters=None))]
    fn list(
        &self,
        py: Python<'_>,
        name: Option<String>,
        all: bool,
        filters: Option<&Bound<'_, PyDict>>,
    ) -> PyResult<Vec<PyImage>> {
        let options = list_options(name, all, filters)?;
        block_on_detached(py, list_op(self.client.clone(), options))
    }

    /// `docker image inspect NAME`.
    fn get(&self, py: Python<'_>, name: String) -> PyResult<PyImage> {
        block_on_detached(py, get_op(self.client.clone(), name))
    }

    /// `docker search TERM`; filters are {"stars": int, "is-official": bool, "is-automated": bool}.
    #[pyo3(signature = (term, limit=None, filters=None))]
    fn search(
        &self,
        py: Python<'_>,
        term: String,
        limit: Option<i64>,
        filters: Option<&Bound<'_, PyDict>>,
    ) -> PyResult<Vec<PySearchResult>> {
        let options = search_options(limit, filters)?;
        block_on_detached(py, search_op(self.client.clone(), term, options))
    }

    /// `docker pull`: returns the pulled Image (a list of Images with all_tags). `progress`
    /// is called with each PullProgress; an exception from it stops the pull and propagates.
    #[pyo3(signature = (repository, tag=None, all_tags=false, platform=None, progress=None, auth_config=None))]
    #[allow(clippy::too_many_arguments)] // docker-py's keyword arguments, one Rust argument each
    fn pull(
        &self,
        py: Python<'_>,
        repository: &str,
        tag: Option<&str>,
        all_tags: bool,
        platform: Option<String>,
        progress: Option<Py<PyAny>>,
        auth_config: Option<&Bound<'_, PyDict>>,
    ) -> PyResult<Py<PyAny>> {
        let reference = pull_reference(repository, tag)?;
        let options = pull_options(all_tags, platform, auth_config)?;
        block_on_detached(py, pull_op(self.client.clone(), reference, options, all_tags, progress))
    }

    /// `docker pull` as an iterator of PullProgress; its `summary` is complete at the end.
    #[pyo3(signature = (repository, tag=None, all_tags=false, platform=None, auth_config=None))]
    fn pull_stream(
        &self,
        repository: &str,
        tag: Option<&str>,
        all_tags: bool,
        platform: Option<String>,
        auth_config: Option<&Bound<'_, PyDict>>,
    ) -> PyResult<PyPullStream> {
        let reference = pull_reference(repository, tag)?;
        let stream = self
            .client
            .images()
            .pull(&reference, &pull_options(all_tags, platform, auth_config)?);
        Ok(PyPullStream::new(stream))
    }

    /// `docker rmi IMAGE`: returns the RemovedItems (Untagged / Deleted).
    #[pyo3(signature = (image, force=false, noprune=false))]
    fn remove(&self, py: Python<'_>, image: String, force: bool, noprune: bool) -> PyResult<Vec<PyRemovedItem>> {
        block_on_detached(
            py,
            remove_op(self.client.clone(), image, remove_options(force, noprune)),
        )
    }

    /// `docker rmi A B C`: goes on after failures; returns a RemoveReport.
    #[pyo3(signature = (images, force=false, noprune=false))]
    fn remove_many(&self, py: Python<'_>, images: Vec<String>, force: bool, noprune: bool) -> PyResult<PyRemoveReport> {
        block_on_detached(
            py,
            remove_many_op(self.client.clone(), images, remove_options(force, noprune)),
        )
    }

    /// `docker tag IMAGE REPOSITORY[:TAG]`. Returns True.
    #[pyo3(signature = (image, repository, tag=None))]
    fn tag(&self, py: Python<'_>, image: String, repository: &str, tag: Option<&str>) -> PyResult<bool> {
        block_on_detached(py, tag_op(self.client.clone(), image, tag_target(repository, tag)))
    }
}

/// The events of one pull: iterate (sync) or `async for` (async). Pick one per stream: a
/// stream begun with `next()` cannot wait for more events under `async for` (it raises
/// `ProtocolError` instead of hanging).
#[pyclass(frozen, module = "dimg", name = "PullStream")]
pub struct PyPullStream {
    stream: Arc<tokio::sync::Mutex<dimg::PullStream>>,
}

impl PyPullStream {
    fn new(stream: dimg::PullStream) -> PyPullStream {
        PyPullStream {
            stream: Arc::new(tokio::sync::Mutex::new(stream)),
        }
    }
}

async fn next_op(stream: Arc<tokio::sync::Mutex<dimg::PullStream>>) -> OpResult<Option<PyPullProgress>> {
    let mut stream = stream.lock().await;
    match stream.next_event().await {
        None => Ok(None),
        Some(event) => Ok(Some(event?.into())),
    }
}

#[pymethods]
impl PyPullStream {
    fn __iter__(slf: Py<Self>) -> Py<Self> {
        slf
    }

    fn __next__(&self, py: Python<'_>) -> PyResult<Option<PyPullProgress>> {
        block_on_detached(py, next_op(self.stream.clone()))
    }

    fn __aiter__(slf: Py<Self>) -> Py<Self> {
        slf
    }

    fn __anext__<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        init_async()?;
        let stream = self.stream.clone();
        pyo3_async_runtimes::tokio::future_into_py(py, async move {
            match next_op(stream).await.map_err(PyErr::from)? {
                Some(event) => Ok(event),
                None => Err(PyStopAsyncIteration::new_err(())),
            }
        })
    }

    /// What the pull amounted to so far (complete once the iteration ended).
    #[getter]
    fn summary(&self) -> PyResult<PyPullSummary> {
        let stream = self
            .stream
            .try_lock()
            .map_err(|_| pyo3::exceptions::PyRuntimeError::new_err("the pull stream is being read"))?;
        Ok(stream.summary().into())
    }
}

// ---------------------------------------------------------------------------------------
// Async classes: the same operations as coroutines on the same runtime
// ---------------------------------------------------------------------------------------

/// `dimg.AsyncClient`: the `Client` API as coroutines (asyncio).
#[pyclass(frozen, module = "dimg", name = "AsyncClient")]
pub struct PyAsyncClient {
    client: dimg::Client,
}

#[pymethods]
impl PyAsyncClient {
    #[new]
    #[pyo3(signature = (base_url=None, timeout=60.0, version=None))]
    fn new(base_url: Option<&str>, timeout: Option<f64>, version: Option<&str>) -> PyResult<PyAsyncClient> {
        init_async()?;
        Ok(PyAsyncClient {
            client: build_client(base_url, timeout, version)?,
        })
    }

    #[getter]
    fn images(&self) -> PyAsyncImages {
        PyAsyncImages {
            client: self.client.clone(),
        }
    }

    #[getter]
    fn socket_path(&self) -> String {
        self.client.socket_path().display().to_string()
    }

    fn ping<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let client = self.client.clone();
        future(py, async move { Ok(PyPing::from(client.ping().await?)) })
    }

    fn api_version<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let client = self.client.clone();
        future(py, async move { Ok(client.api_version().await?.to_string()) })
    }

    fn version<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let client = self.client.clone();
        future(py, async move { Ok(PyVersion::from(client.version().await?)) })
    }

    fn info<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let client = self.client.clone();
        future(py, async move { Ok(PyInfo::from(client.info().await?)) })
    }

    fn close<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        future(py, async move { Ok(()) })
    }

    fn __aenter__<'py>(slf: Py<Self>, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        future(py, async move { Ok(slf) })
    }

    #[pyo3(signature = (*_args))]
    fn __aexit__<'py>(&self, py: Python<'py>, _args: &Bound<'_, PyTuple>) -> PyResult<Bound<'py, PyAny>> {
        future(py, async move { Ok(false) })
    }

    fn __repr__(&self) -> String {
        format!("<dimg.AsyncClient unix://{}>", self.client.socket_path().display())
    }
}

fn future<'py, T>(
    py: Python<'py>,
    fut: impl std::future::Future<Output = OpResult<T>> + Send + 'static,
) -> PyResult<Bound<'py, PyAny>>
where
    T: for<'a> IntoPyObject<'a> + Send + 'static,
{
    pyo3_async_runtimes::tokio::future_into_py(py, async move { fut.await.map_err(PyErr::from) })
}

/// `AsyncClient.images`: the `ImageCollection` methods as coroutines.
#[pyclass(frozen, module = "dimg", name = "AsyncImageCollection")]
pub struct PyAsyncImages {
    client: dimg::Client,
}

#[pymethods]
impl PyAsyncImages {
    #[pyo3(signature = (name=None, all=false, filters=None))]
    fn list<'py>(
        &self,
        py: Python<'py>,
        name: Option<String>,
        all: bool,
        filters: Option<&Bound<'_, PyDict>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let options = list_options(name, all, filters)?;
        future(py, list_op(self.client.clone(), options))
    }

    fn get<'py>(&self, py: Python<'py>, name: String) -> PyResult<Bound<'py, PyAny>> {
        future(py, get_op(self.client.clone(), name))
    }

    #[pyo3(signature = (term, limit=None, filters=None))]
    fn search<'py>(
        &self,
        py: Python<'py>,
        term: String,
        limit: Option<i64>,
        filters: Option<&Bound<'_, PyDict>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let options = search_options(limit, filters)?;
        future(py, search_op(self.client.clone(), term, options))
    }

    #[pyo3(signature = (repository, tag=None, all_tags=false, platform=None, progress=None, auth_config=None))]
    #[allow(clippy::too_many_arguments)] // docker-py's keyword arguments, one Rust argument each
    fn pull<'py>(
        &self,
        py: Python<'py>,
        repository: &str,
        tag: Option<&str>,
        all_tags: bool,
        platform: Option<String>,
        progress: Option<Py<PyAny>>,
        auth_config: Option<&Bound<'_, PyDict>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let reference = pull_reference(repository, tag)?;
        let options = pull_options(all_tags, platform, auth_config)?;
        future(py, pull_op(self.client.clone(), reference, options, all_tags, progress))
    }

    #[pyo3(signature = (repository, tag=None, all_tags=false, platform=None, auth_config=None))]
    fn pull_stream(
        &self,
        repository: &str,
        tag: Option<&str>,
        all_tags: bool,
        platform: Option<String>,
        auth_config: Option<&Bound<'_, PyDict>>,
    ) -> PyResult<PyPullStream> {
        let reference = pull_reference(repository, tag)?;
        Ok(PyPullStream::new(
            self.client
                .images()
                .pull(&reference, &pull_options(all_tags, platform, auth_config)?),
        ))
    }

    #[pyo3(signature = (image, force=false, noprune=false))]
    fn remove<'py>(&self, py: Python<'py>, image: String, force: bool, noprune: bool) -> PyResult<Bound<'py, PyAny>> {
        future(
            py,
            remove_op(self.client.clone(), image, remove_options(force, noprune)),
        )
    }

    #[pyo3(signature = (images, force=false, noprune=false))]
    fn remove_many<'py>(
        &self,
        py: Python<'py>,
        images: Vec<String>,
        force: bool,
        noprune: bool,
    ) -> PyResult<Bound<'py, PyAny>> {
        future(
            py,
            remove_many_op(self.client.clone(), images, remove_options(force, noprune)),
        )
    }

    #[pyo3(signature = (image, repository, tag=None))]
    fn tag<'py>(
        &self,
        py: Python<'py>,
        image: String,
        repository: &str,
        tag: Option<&str>,
    ) -> PyResult<Bound<'py, PyAny>> {
        future(py, tag_op(self.client.clone(), image, tag_target(repository, tag)))
    }
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<PyClient>()?;
    m.add_class::<PyImages>()?;
    m.add_class::<PyPullStream>()?;
    m.add_class::<PyAsyncClient>()?;
    m.add_class::<PyAsyncImages>()?;
    Ok(())
}
