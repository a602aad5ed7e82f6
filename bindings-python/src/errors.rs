//! The exception hierarchy and the one mapping from `dimg::Error` onto it.

use pyo3::exceptions::{PyException, PyRuntimeError};
use pyo3::prelude::*;
use pyo3::{PyErr, create_exception};

create_exception!(dimg, DockerError, PyException, "Base class of every dimg error.");
create_exception!(
    dimg,
    ConnectError,
    DockerError,
    "The daemon's socket could not be reached."
);
create_exception!(
    dimg,
    DockerTimeoutError,
    DockerError,
    "The daemon did not answer within the timeout."
);
create_exception!(
    dimg,
    InvalidReference,
    DockerError,
    "An image reference is not valid; nothing was sent."
);
create_exception!(
    dimg,
    InvalidArgument,
    DockerError,
    "An argument was refused before any request."
);
create_exception!(
    dimg,
    UnsupportedOption,
    InvalidArgument,
    "The daemon (or its API version) does not offer this option; nothing was sent."
);
create_exception!(
    dimg,
    APIError,
    DockerError,
    "The daemon answered with an error status (`status_code`)."
);
create_exception!(
    dimg,
    ImageNotFound,
    APIError,
    "HTTP 404: no such image, tag or manifest."
);
create_exception!(
    dimg,
    Conflict,
    APIError,
    "HTTP 409: e.g. the image is used by a container."
);
create_exception!(
    dimg,
    AuthenticationError,
    APIError,
    "The registry wanted credentials, or refused the ones given."
);
create_exception!(
    dimg,
    PullError,
    DockerError,
    "The daemon reported an error inside a pull stream."
);
create_exception!(
    dimg,
    ProtocolError,
    DockerError,
    "The daemon's answer could not be understood."
);

/// Why a binding call failed: the core's error, or a Python exception (raised by a progress
/// callback, a signal handler, or argument conversion) that must propagate unchanged.
pub enum BindingError {
    Core(dimg::Error),
    Py(PyErr),
}

impl From<dimg::Error> for BindingError {
    fn from(e: dimg::Error) -> BindingError {
        BindingError::Core(e)
    }
}

impl From<PyErr> for BindingError {
    fn from(e: PyErr) -> BindingError {
        BindingError::Py(e)
    }
}

impl From<BindingError> for PyErr {
    fn from(e: BindingError) -> PyErr {
        match e {
            BindingError::Py(err) => err,
            BindingError::Core(err) => core_error(err),
        }
    }
}

/// The one mapping from the core's error enum onto Python exceptions.
pub fn core_error(err: dimg::Error) -> PyErr {
    let message = err.chain();
    let status = err.http_status();
    let exception = match &err {
        dimg::Error::Connect { .. } => ConnectError::new_err(message),
        dimg::Error::Timeout(_) => DockerTimeoutError::new_err(message),
        dimg::Error::InvalidReference { .. } => InvalidReference::new_err(message),
        dimg::Error::UnsupportedOption { .. } | dimg::Error::Unsupported(_) => UnsupportedOption::new_err(message),
        dimg::Error::InvalidArgument(_) => InvalidArgument::new_err(message),
        dimg::Error::NotFound(_) => ImageNotFound::new_err(message),
        dimg::Error::Conflict(_) => Conflict::new_err(message),
        dimg::Error::Api { .. } => APIError::new_err(message),
        dimg::Error::Unauthorized { .. } => AuthenticationError::new_err(message),
        dimg::Error::Pull { .. } => PullError::new_err(message),
        dimg::Error::Protocol { .. } => ProtocolError::new_err(message),
        _ => DockerError::new_err(message),
    };
    Python::attach(|py| {
        let value = exception.value(py);
        let _ = value.setattr("status_code", status);
        let _ = value.setattr("explanation", err.to_string());
    });
    exception
}

/// The error raised when dimg is called from inside one of its own progress callbacks.
pub fn reentrant() -> PyErr {
    PyRuntimeError::new_err("dimg cannot be called from inside a dimg progress callback")
}

/// Adds the exception classes to the module.
pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = m.py();
    m.add("DockerError", py.get_type::<DockerError>())?;
    m.add("ConnectError", py.get_type::<ConnectError>())?;
    m.add("DockerTimeoutError", py.get_type::<DockerTimeoutError>())?;
    m.add("InvalidReference", py.get_type::<InvalidReference>())?;
    m.add("InvalidArgument", py.get_type::<InvalidArgument>())?;
    m.add("UnsupportedOption", py.get_type::<UnsupportedOption>())?;
    m.add("APIError", py.get_type::<APIError>())?;
    m.add("ImageNotFound", py.get_type::<ImageNotFound>())?;
    m.add("Conflict", py.get_type::<Conflict>())?;
    m.add("AuthenticationError", py.get_type::<AuthenticationError>())?;
    m.add("PullError", py.get_type::<PullError>())?;
    m.add("ProtocolError", py.get_type::<ProtocolError>())?;
    Ok(())
}
