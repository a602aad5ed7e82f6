//! `daemon.json` mirror helpers: module functions over `dimg::daemon_config`.

use pyo3::prelude::*;

use crate::errors::core_error;

/// What a mirror edit did.
#[pyclass(frozen, get_all, module = "dimg", name = "MirrorChange")]
pub struct PyMirrorChange {
    /// The file as named.
    pub path: String,
    /// The file read (and written when `changed`): `path` with symbolic links followed.
    pub target: String,
    /// Whether the file was rewritten.
    pub changed: bool,
    /// The mirrors now configured.
    pub mirrors: Vec<String>,
    /// The daemon reads daemon.json only at start: True whenever `changed`.
    pub restart_required: bool,
}

#[pymethods]
impl PyMirrorChange {
    fn __repr__(&self) -> String {
        format!(
            "<MirrorChange {} changed={} mirrors={:?} restart_required={}>",
            self.path, self.changed, self.mirrors, self.restart_required
        )
    }
}

impl From<dimg::daemon_config::MirrorChange> for PyMirrorChange {
    fn from(c: dimg::daemon_config::MirrorChange) -> PyMirrorChange {
        PyMirrorChange {
            path: c.path.display().to_string(),
            target: c.target.display().to_string(),
            changed: c.changed,
            mirrors: c.mirrors,
            restart_required: c.restart_required,
        }
    }
}

/// Adds a registry mirror to daemon.json (default /etc/docker/daemon.json), keeping every
/// other key; written atomically under a lock (so that concurrent edits all land), through
/// symbolic links to their target. Restart the daemon afterwards.
#[pyfunction]
#[pyo3(signature = (url, path=dimg::daemon_config::DEFAULT_DAEMON_JSON), text_signature = "(url, path='/etc/docker/daemon.json')")]
fn add_registry_mirror(py: Python<'_>, url: &str, path: &str) -> PyResult<PyMirrorChange> {
    // Without the GIL: the edit may wait for another process's (or thread's) lock on the file.
    py.detach(|| dimg::daemon_config::add_registry_mirror(path, url))
        .map(Into::into)
        .map_err(core_error)
}

/// Removes a registry mirror from daemon.json.
#[pyfunction]
#[pyo3(signature = (url, path=dimg::daemon_config::DEFAULT_DAEMON_JSON), text_signature = "(url, path='/etc/docker/daemon.json')")]
fn remove_registry_mirror(py: Python<'_>, url: &str, path: &str) -> PyResult<PyMirrorChange> {
    py.detach(|| dimg::daemon_config::remove_registry_mirror(path, url))
        .map(Into::into)
        .map_err(core_error)
}

/// The registry mirrors configured in daemon.json.
#[pyfunction]
#[pyo3(signature = (path=dimg::daemon_config::DEFAULT_DAEMON_JSON), text_signature = "(path='/etc/docker/daemon.json')")]
fn registry_mirrors(path: &str) -> PyResult<Vec<String>> {
    dimg::daemon_config::registry_mirrors(path).map_err(core_error)
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<PyMirrorChange>()?;
    m.add_function(wrap_pyfunction!(add_registry_mirror, m)?)?;
    m.add_function(wrap_pyfunction!(remove_registry_mirror, m)?)?;
    m.add_function(wrap_pyfunction!(registry_mirrors, m)?)?;
    Ok(())
}
