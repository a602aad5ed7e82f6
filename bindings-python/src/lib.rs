//! `dimg._native`: the Python binding of the `dimg` crate. It only converts arguments,
//! results and errors; every rule lives in the core crate. The public module is `dimg`
//! (`python/dimg/__init__.py`): its `Client` / `AsyncClient` classes (`_client.py`) are
//! written once in Python over the raw `Connection` registered here.

mod connection;
mod convert;
mod daemon;
mod endpoint;
mod errors;
mod limits;
mod runtime;
mod types;

use pyo3::prelude::*;

#[pymodule(gil_used = false)]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    errors::register(m)?;
    types::register(m)?;
    limits::register(m)?;
    endpoint::register(m)?;
    connection::register(m)?;
    daemon::register(m)?;
    Ok(())
}
