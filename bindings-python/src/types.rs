//! Result types: plain frozen objects converted from the core's types, with `__repr__`.

use std::collections::BTreeMap;

use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList};

use crate::errors::{core_error, exception};

/// A local image (from `images.list()`, `images.get()` or `images.pull()`).
#[pyclass(frozen, module = "dimg", name = "Image")]
#[derive(Clone)]
pub struct PyImage {
    /// The full id, `sha256:<64 hex>`.
    #[pyo3(get)]
    pub id: String,
    /// `repo:tag` references.
    #[pyo3(get)]
    pub tags: Vec<String>,
    /// `repo@digest` references.
    #[pyo3(get)]
    pub digests: Vec<String>,
    /// The parent image id, empty when none.
    #[pyo3(get)]
    pub parent_id: String,
    /// Creation time, seconds since the epoch.
    #[pyo3(get)]
    pub created: i64,
    /// Size in bytes.
    #[pyo3(get)]
    pub size: i64,
    /// Shared bytes; None when not counted.
    #[pyo3(get)]
    pub shared_size: Option<i64>,
    /// Labels.
    #[pyo3(get)]
    pub labels: BTreeMap<String, String>,
    /// Containers using it; None when not counted.
    #[pyo3(get)]
    pub containers: Option<i64>,
    /// What the daemon said about it, for `attrs`.
    details: ImageDetails,
}

/// The core's answer an image was made from.
#[derive(Clone)]
enum ImageDetails {
    Listed(dimg::ImageSummary),
    Inspected(dimg::ImageInspect),
}

#[pymethods]
impl PyImage {
    /// `sha256:` and the first 12 hex digits, as docker-py's `Image.short_id`.
    #[getter]
    fn short_id(&self) -> String {
        short_id_with_algorithm(&self.id)
    }

    /// The daemon's description under its own JSON field names, as docker-py's `Image.attrs`:
    /// the `docker image inspect` object for `get()` and `pull()`, the `docker images` entry
    /// for `list()`. A new dict on each access.
    #[getter]
    fn attrs<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let attrs = PyDict::new(py);
        match &self.details {
            ImageDetails::Listed(i) => {
                attrs.set_item("Id", &i.id)?;
                attrs.set_item("ParentId", &i.parent_id)?;
                attrs.set_item("RepoTags", &i.repo_tags)?;
                attrs.set_item("RepoDigests", &i.repo_digests)?;
                attrs.set_item("Created", i.created)?;
                attrs.set_item("Size", i.size)?;
                // The daemon's own "not counted" value.
                attrs.set_item("SharedSize", i.shared_size.unwrap_or(-1))?;
                attrs.set_item("Labels", &i.labels)?;
                attrs.set_item("Containers", i.containers.unwrap_or(-1))?;
            }
            ImageDetails::Inspected(i) => {
                attrs.set_item("Id", &i.id)?;
                attrs.set_item("RepoTags", &i.repo_tags)?;
                attrs.set_item("RepoDigests", &i.repo_digests)?;
                attrs.set_item("Parent", &i.parent)?;
                attrs.set_item("Comment", &i.comment)?;
                attrs.set_item("Created", &i.created)?;
                attrs.set_item("Architecture", &i.architecture)?;
                attrs.set_item("Variant", &i.variant)?;
                attrs.set_item("Os", &i.os)?;
                attrs.set_item("Size", i.size)?;
                let config = PyDict::new(py);
                config.set_item("Labels", &i.config.labels)?;
                config.set_item("Env", &i.config.env)?;
                config.set_item("Cmd", &i.config.cmd)?;
                config.set_item("Entrypoint", &i.config.entrypoint)?;
                config.set_item("WorkingDir", &i.config.working_dir)?;
                attrs.set_item("Config", config)?;
                let root_fs = PyDict::new(py);
                root_fs.set_item("Type", &i.root_fs.kind)?;
                root_fs.set_item("Layers", &i.root_fs.layers)?;
                attrs.set_item("RootFS", root_fs)?;
            }
        }
        Ok(attrs)
    }

    fn __repr__(&self) -> String {
        let names = if self.tags.is_empty() {
            "<none>:<none>".to_string()
        } else {
            self.tags.join(", ")
        };
        format!(
            "<Image {} {} {} {}>",
            dimg_render::format::short_id(&self.id),
            names,
            dimg_render::format::image_size(self.size),
            dimg_render::format::created_since_now(self.created),
        )
    }

    fn __eq__(&self, other: &Bound<'_, PyAny>) -> bool {
        other.cast::<PyImage>().is_ok_and(|o| o.get().id == self.id)
    }

    fn __hash__(&self) -> u64 {
        use std::hash::{Hash, Hasher};
        let mut h = std::collections::hash_map::DefaultHasher::new();
        self.id.hash(&mut h);
        h.finish()
    }
}

fn short_id_with_algorithm(id: &str) -> String {
    match id.split_once(':') {
        Some((algorithm, hex)) => format!("{algorithm}:{}", &hex[..hex.len().min(12)]),
        None => id[..id.len().min(12)].to_string(),
    }
}

impl From<dimg::ImageSummary> for PyImage {
    fn from(i: dimg::ImageSummary) -> PyImage {
        PyImage {
            id: i.id.clone(),
            tags: i.repo_tags.clone(),
            digests: i.repo_digests.clone(),
            parent_id: i.parent_id.clone(),
            created: i.created,
            size: i.size,
            shared_size: i.shared_size,
            labels: i.labels.clone(),
            containers: i.containers,
            details: ImageDetails::Listed(i),
        }
    }
}

impl From<dimg::ImageInspect> for PyImage {
    fn from(i: dimg::ImageInspect) -> PyImage {
        PyImage {
            created: i.created_unix().unwrap_or(0),
            id: i.id.clone(),
            tags: i.repo_tags.clone(),
            digests: i.repo_digests.clone(),
            parent_id: i.parent.clone(),
            size: i.size,
            shared_size: None,
            labels: i.config.labels.clone(),
            containers: None,
            details: ImageDetails::Inspected(i),
        }
    }
}

/// One search hit.
#[pyclass(frozen, get_all, module = "dimg", name = "SearchResult")]
pub struct PySearchResult {
    /// Repository name.
    pub name: String,
    /// Description, untruncated.
    pub description: String,
    /// Stars.
    pub star_count: u64,
    /// Official image.
    pub is_official: bool,
    /// Automated build.
    pub is_automated: bool,
}

#[pymethods]
impl PySearchResult {
    fn __repr__(&self) -> String {
        format!(
            "<SearchResult {} stars={}{}{} {:?}>",
            self.name,
            self.star_count,
            if self.is_official { " official" } else { "" },
            if self.is_automated { " automated" } else { "" },
            dimg_render::format::search_description(&self.description, false),
        )
    }
}

impl From<dimg::SearchResult> for PySearchResult {
    fn from(r: dimg::SearchResult) -> PySearchResult {
        PySearchResult {
            name: r.name,
            description: r.description,
            star_count: r.star_count,
            is_official: r.is_official,
            is_automated: r.is_automated,
        }
    }
}

/// One pull progress message.
#[pyclass(frozen, get_all, module = "dimg", name = "PullProgress")]
pub struct PyPullProgress {
    /// Layer id, the tag for "Pulling from", or None.
    pub id: Option<String>,
    /// The daemon's text, e.g. "Pull complete".
    pub status: String,
    /// The classified status: "pulling_from", "pulling_fs_layer", "waiting", "downloading",
    /// "verifying_checksum", "download_complete", "extracting", "pull_complete",
    /// "already_exists", "retrying" (the daemon retries a layer), "retry" (dimg starts the
    /// pull again, as the client's RetryPolicy says; `status` says which attempt, when and
    /// after what), "digest", "status" or "other".
    pub phase: &'static str,
    /// Bytes done, when known.
    pub current: Option<u64>,
    /// Bytes in all, when known.
    pub total: Option<u64>,
}

#[pymethods]
impl PyPullProgress {
    fn __repr__(&self) -> String {
        let mut text = match &self.id {
            Some(id) => format!("<PullProgress {id}: {}", self.status),
            None => format!("<PullProgress {}", self.status),
        };
        if let (Some(current), Some(total)) = (self.current, self.total) {
            text.push_str(&format!(" {current}/{total}"));
        }
        text.push('>');
        text
    }
}

impl From<dimg::PullEvent> for PyPullProgress {
    fn from(e: dimg::PullEvent) -> PyPullProgress {
        PyPullProgress {
            phase: e.phase.as_str(),
            id: e.id,
            status: e.status,
            current: e.current,
            total: e.total,
        }
    }
}

/// Where a `pull_many` is over all its images, after an update. A layer several images share
/// counts once. Bytes are the compressed bytes the daemon reports downloading; a layer counts
/// in `bytes_total` once the daemon said its size, layers already present count in neither
/// (and Podman reports no sizes: both stay 0 there).
#[pyclass(frozen, get_all, module = "dimg", name = "PullTotals")]
pub struct PyPullTotals {
    /// Images asked for.
    pub images: usize,
    /// Images whose pull ended well (downloaded, up to date or skipped).
    pub images_done: usize,
    /// Images whose pull failed.
    pub images_failed: usize,
    /// Distinct layers seen so far.
    pub layers: usize,
    /// Distinct layers complete (pulled, or present already).
    pub layers_done: usize,
    /// Bytes downloaded so far.
    pub bytes_done: u64,
    /// Bytes to download over the layers whose size is known.
    pub bytes_total: u64,
    /// Seconds since the first pull started.
    pub elapsed: f64,
    /// Bytes per second since the start.
    pub rate: f64,
    /// Seconds left at the rate so far for the bytes known; None before any byte arrived.
    pub eta: Option<f64>,
}

#[pymethods]
impl PyPullTotals {
    fn __repr__(&self) -> String {
        format!(
            "<PullTotals images {}/{} failed={} layers {}/{} bytes {}/{}>",
            self.images_done,
            self.images,
            self.images_failed,
            self.layers_done,
            self.layers,
            self.bytes_done,
            self.bytes_total
        )
    }
}

impl From<&dimg::PullTotals> for PyPullTotals {
    fn from(t: &dimg::PullTotals) -> PyPullTotals {
        PyPullTotals {
            images: t.images,
            images_done: t.images_done,
            images_failed: t.images_failed,
            layers: t.layers,
            layers_done: t.layers_done,
            bytes_done: t.bytes_done,
            bytes_total: t.bytes_total,
            elapsed: t.elapsed.as_secs_f64(),
            rate: t.rate(),
            eta: t.eta().map(|d| d.as_secs_f64()),
        }
    }
}

/// One update of a `pull_many`, as its `progress` callback receives it: which image
/// (`index` in the list given, `reference` normalised), what happened (`kind`: "started", an
/// "event" of its pull, or "finished", with `error` the exception when it failed), and the
/// totals over all images after it.
#[pyclass(frozen, get_all, module = "dimg", name = "PullManyProgress")]
pub struct PyPullManyProgress {
    /// The image's position in the list given.
    pub index: usize,
    /// The normalised reference, e.g. "docker.io/library/alpine:3.19".
    pub reference: String,
    /// "started", "event" or "finished".
    pub kind: &'static str,
    /// The pull's PullProgress for an "event"; None otherwise.
    pub event: Option<Py<PyPullProgress>>,
    /// For a "finished" image whose pull failed, the exception (as the result list has it);
    /// None otherwise.
    pub error: Option<Py<PyAny>>,
    /// All images, after this update.
    pub totals: Py<PyPullTotals>,
}

#[pymethods]
impl PyPullManyProgress {
    fn __repr__(&self, py: Python<'_>) -> String {
        let detail = match (&self.event, &self.error) {
            (Some(event), _) => format!(" {}", event.get().__repr__()),
            (_, Some(error)) => format!(
                " {}",
                error.bind(py).repr().map_or_else(|_| "?".into(), |r| r.to_string())
            ),
            _ => String::new(),
        };
        format!(
            "<PullManyProgress #{} {} {}{detail} {}>",
            self.index,
            self.reference,
            self.kind,
            self.totals.get().__repr__()
        )
    }
}

impl PyPullManyProgress {
    /// The update as Python objects; None for a kind of update newer than this binding.
    pub fn new(py: Python<'_>, p: &dimg::PullManyProgress<'_>) -> PyResult<Option<PyPullManyProgress>> {
        let (kind, event, error) = match &p.update {
            dimg::PullUpdate::Started => ("started", None, None),
            dimg::PullUpdate::Event(event) => (
                "event",
                Some(Py::new(py, PyPullProgress::from((*event).clone()))?),
                None,
            ),
            dimg::PullUpdate::Finished(result) => {
                let error = result.as_ref().err().map(|e| exception(e).into_value(py).into_any());
                ("finished", None, error)
            }
            _ => return Ok(None),
        };
        Ok(Some(PyPullManyProgress {
            index: p.index,
            reference: p.reference.to_string(),
            kind,
            event,
            error,
            totals: Py::new(py, PyPullTotals::from(p.totals))?,
        }))
    }
}

/// What a finished pull amounts to.
#[pyclass(frozen, get_all, module = "dimg", name = "PullSummary")]
pub struct PyPullSummary {
    /// The normalised reference pulled, e.g. "docker.io/library/zookeeper:latest".
    pub reference: String,
    /// The manifest digest, when the daemon gave one.
    pub digest: Option<String>,
    /// "downloaded", "up_to_date", "skipped" (the pull policy made no pull) or "unknown".
    pub outcome: &'static str,
    /// The daemon's final status text.
    pub status: Option<String>,
    /// Layers pulled.
    pub layers_pulled: usize,
    /// Layers already present.
    pub layers_existing: usize,
    /// Progress messages received.
    pub events: usize,
}

#[pymethods]
impl PyPullSummary {
    fn __repr__(&self) -> String {
        format!(
            "<PullSummary {} {} digest={}>",
            self.reference,
            self.outcome,
            self.digest.as_deref().unwrap_or("None")
        )
    }
}

impl From<&dimg::PullSummary> for PyPullSummary {
    fn from(s: &dimg::PullSummary) -> PyPullSummary {
        PyPullSummary {
            reference: s.reference.clone(),
            digest: s.digest.clone(),
            outcome: match s.outcome {
                dimg::PullOutcome::Downloaded => "downloaded",
                dimg::PullOutcome::UpToDate => "up_to_date",
                dimg::PullOutcome::Skipped => "skipped",
                _ => "unknown",
            },
            status: s.status.clone(),
            layers_pulled: s.layers_pulled,
            layers_existing: s.layers_existing,
            events: s.events,
        }
    }
}

/// One line of a remove answer: `kind` is "Untagged" or "Deleted".
#[pyclass(frozen, get_all, module = "dimg", name = "RemovedItem")]
pub struct PyRemovedItem {
    /// "Untagged" or "Deleted".
    pub kind: &'static str,
    /// The reference untagged, or the id deleted.
    pub value: String,
}

#[pymethods]
impl PyRemovedItem {
    fn __repr__(&self) -> String {
        format!("<RemovedItem {}: {}>", self.kind, self.value)
    }

    fn __str__(&self) -> String {
        format!("{}: {}", self.kind, self.value)
    }
}

impl From<dimg::RemovedItem> for PyRemovedItem {
    fn from(item: dimg::RemovedItem) -> PyRemovedItem {
        match item {
            dimg::RemovedItem::Untagged(value) => PyRemovedItem {
                kind: "Untagged",
                value,
            },
            dimg::RemovedItem::Deleted(value) => PyRemovedItem { kind: "Deleted", value },
        }
    }
}

/// `GET /_ping`. Truthy, like docker-py's `ping()`.
/// docker-py's answer to `images.prune()`, the daemon's JSON as a dict:
/// `{"ImagesDeleted": [{"Untagged": ref} | {"Deleted": id}, ...], "SpaceReclaimed": bytes}`.
/// `ImagesDeleted` is a list even when nothing went (the daemon says `null` then).
pub fn prune_report_dict(py: Python<'_>, report: dimg::PruneReport) -> PyResult<Bound<'_, PyDict>> {
    let deleted = PyList::empty(py);
    for item in report.deleted {
        let entry = PyDict::new(py);
        match item {
            dimg::RemovedItem::Untagged(reference) => entry.set_item("Untagged", reference)?,
            dimg::RemovedItem::Deleted(id) => entry.set_item("Deleted", id)?,
        }
        deleted.append(entry)?;
    }
    let answer = PyDict::new(py);
    answer.set_item("ImagesDeleted", deleted)?;
    answer.set_item("SpaceReclaimed", report.space_reclaimed)?;
    Ok(answer)
}

#[pyclass(frozen, get_all, module = "dimg", name = "Ping")]
pub struct PyPing {
    /// The daemon's highest API version.
    pub api_version: Option<String>,
    /// "linux" or "windows".
    pub os_type: Option<String>,
    /// The Server header.
    pub server: Option<String>,
    /// Experimental features on.
    pub experimental: bool,
    /// Podman's compatible service.
    pub is_podman: bool,
}

#[pymethods]
impl PyPing {
    fn __bool__(&self) -> bool {
        true
    }

    fn __repr__(&self) -> String {
        format!(
            "<Ping api_version={} server={}>",
            self.api_version.as_deref().unwrap_or("?"),
            self.server.as_deref().unwrap_or("?")
        )
    }
}

impl From<dimg::Ping> for PyPing {
    fn from(p: dimg::Ping) -> PyPing {
        PyPing {
            is_podman: p.is_podman(),
            api_version: p.api_version.map(|v| v.to_string()),
            os_type: p.os_type,
            server: p.server,
            experimental: p.experimental,
        }
    }
}

/// `GET /version`.
#[pyclass(frozen, get_all, module = "dimg", name = "Version")]
pub struct PyVersion {
    /// Engine version.
    pub version: String,
    /// Highest API version.
    pub api_version: String,
    /// Lowest API version.
    pub min_api_version: String,
    /// Operating system.
    pub os: String,
    /// Architecture.
    pub arch: String,
    /// Kernel version.
    pub kernel_version: String,
    /// Go version.
    pub go_version: String,
    /// Git commit.
    pub git_commit: String,
}

#[pymethods]
impl PyVersion {
    fn __repr__(&self) -> String {
        format!("<Version {} api={}>", self.version, self.api_version)
    }
}

impl From<dimg::Version> for PyVersion {
    fn from(v: dimg::Version) -> PyVersion {
        PyVersion {
            version: v.version,
            api_version: v.api_version,
            min_api_version: v.min_api_version,
            os: v.os,
            arch: v.arch,
            kernel_version: v.kernel_version,
            go_version: v.go_version,
            git_commit: v.git_commit,
        }
    }
}

/// `GET /info`: the parts that matter for images.
#[pyclass(frozen, get_all, module = "dimg", name = "Info")]
pub struct PyInfo {
    /// Engine version.
    pub server_version: String,
    /// Storage driver.
    pub driver: String,
    /// Root directory.
    pub docker_root_dir: String,
    /// Default index address.
    pub index_server_address: String,
    /// Registry mirrors.
    pub registry_mirrors: Vec<String>,
    /// Networks whose registries are reached over plain HTTP.
    pub insecure_registries: Vec<String>,
    /// Number of images.
    pub images: i64,
    /// Number of containers.
    pub containers: i64,
}

#[pymethods]
impl PyInfo {
    fn __repr__(&self) -> String {
        format!(
            "<Info {} driver={} root={} mirrors={:?}>",
            self.server_version, self.driver, self.docker_root_dir, self.registry_mirrors
        )
    }
}

impl From<dimg::Info> for PyInfo {
    fn from(i: dimg::Info) -> PyInfo {
        PyInfo {
            registry_mirrors: i.registry_config.mirrors,
            insecure_registries: i.registry_config.insecure_registry_cidrs,
            server_version: i.server_version,
            driver: i.driver,
            docker_root_dir: i.docker_root_dir,
            index_server_address: i.index_server_address,
            images: i.images,
            containers: i.containers,
        }
    }
}

/// The outcome of `images.remove_many()`: like `docker rmi A B C`.
#[pyclass(frozen, get_all, module = "dimg", name = "RemoveReport")]
pub struct PyRemoveReport {
    /// Everything untagged or deleted, in order.
    pub removed: Vec<Py<PyRemovedItem>>,
    /// `(target, exception)` for each target that failed, in order.
    pub errors: Vec<(String, Py<PyAny>)>,
    /// docker's exit code: 0 without errors; with force, 0 when every error is "not found".
    pub exit_code: i32,
}

impl PyRemoveReport {
    /// The report with each failure as the exception `core_error` makes of it.
    pub fn new(py: Python<'_>, report: dimg::RemoveReport) -> PyResult<PyRemoveReport> {
        let exit_code = report.exit_code();
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
    }
}

#[pymethods]
impl PyRemoveReport {
    fn __repr__(&self) -> String {
        format!(
            "<RemoveReport removed={} errors={} exit_code={}>",
            self.removed.len(),
            self.errors.len(),
            self.exit_code
        )
    }
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<PyImage>()?;
    m.add_class::<PySearchResult>()?;
    m.add_class::<PyPullProgress>()?;
    m.add_class::<PyPullSummary>()?;
    m.add_class::<PyPullTotals>()?;
    m.add_class::<PyPullManyProgress>()?;
    m.add_class::<PyRemovedItem>()?;
    m.add_class::<PyPing>()?;
    m.add_class::<PyVersion>()?;
    m.add_class::<PyInfo>()?;
    m.add_class::<PyRemoveReport>()?;
    Ok(())
}
