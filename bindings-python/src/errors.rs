//! The exception hierarchy and the one mapping from `dimg::Error` onto it.

use pyo3::exceptions::{PyException, PyRuntimeError};
use pyo3::prelude::*;
use pyo3::{PyErr, create_exception};

create_exception!(
    dimg,
    DockerError,
    PyException,
    "Base class of every dimg error: `status_code` (the daemon's HTTP status, or None), `explanation` \
     (the message), `attempts` (how many attempts the call made: 1 unless a RetryPolicy retried it; \
     then the message starts \"gave up after N attempts: \" and the class is the last attempt's)."
);
create_exception!(
    dimg,
    ConnectError,
    DockerError,
    "The daemon's socket could not be reached."
);
create_exception!(
    dimg,
    TLSError,
    ConnectError,
    "The TLS connection to a tcp:// daemon failed (`reason`, one sentence): unknown CA, name mismatch, \
     missing or refused client certificate, a plain-HTTP port, or TLS files that cannot be used."
);
create_exception!(
    dimg,
    SSHError,
    ConnectError,
    "The ssh process of an ssh:// daemon failed or ended (`exit_status`, `stderr`: its first lines)."
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
    NotFound,
    APIError,
    "HTTP 404: the daemon has no such object (docker-py's NotFound)."
);
create_exception!(
    dimg,
    ImageNotFound,
    NotFound,
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
    RateLimited,
    APIError,
    "The registry's rate limit refused the request (Docker Hub's `toomanyrequests`), with the registry's \
     message; `status_code` is 429 when the daemon answered so, None inside a pull stream. Not worth \
     retrying at once."
);
create_exception!(
    dimg,
    PullError,
    DockerError,
    "The daemon reported an error inside a pull stream."
);
create_exception!(
    dimg,
    CredentialsError,
    DockerError,
    "Registry credentials could not be looked up (config.json or a credential helper); nothing was sent."
);
create_exception!(
    dimg,
    ProtocolError,
    DockerError,
    "The daemon's answer could not be understood."
);

/// The one mapping from the core's error enum onto Python exceptions. A Python exception
/// that stopped a call (Ctrl-C seen by the interrupt check, or one raised by a progress
/// callback) travels through the core as `Error::Interrupted` and comes out unchanged.
pub fn core_error(err: dimg::Error) -> PyErr {
    match err {
        dimg::Error::Interrupted(source) => match source.downcast::<PyErr>() {
            Ok(original) => *original,
            Err(other) => exception(&dimg::Error::Interrupted(other)),
        },
        other => exception(&other),
    }
}

/// The exception for `err` (for an error only borrowed, as a pull_many progress update has
/// it). The class is the kind of the last attempt's failure (`Error::last_attempt`: a retried
/// call that gave up on a 503 is an APIError), the message the whole error ("gave up after 3
/// attempts: ..."), and `attempts` says how many attempts the call made.
pub fn exception(err: &dimg::Error) -> PyErr {
    let message = err.chain();
    let kind = err.last_attempt();
    let exception = match kind {
        dimg::Error::Connect { .. } => ConnectError::new_err(message),
        dimg::Error::Tls { .. } => TLSError::new_err(message),
        dimg::Error::Ssh { .. } => SSHError::new_err(message),
        dimg::Error::Timeout(_) => DockerTimeoutError::new_err(message),
        dimg::Error::InvalidReference { .. } => InvalidReference::new_err(message),
        dimg::Error::UnsupportedOption { .. } | dimg::Error::Unsupported(_) => UnsupportedOption::new_err(message),
        dimg::Error::InvalidArgument(_) => InvalidArgument::new_err(message),
        dimg::Error::NotFound(_) => ImageNotFound::new_err(message),
        dimg::Error::Conflict(_) => Conflict::new_err(message),
        dimg::Error::Api { .. } => APIError::new_err(message),
        dimg::Error::Unauthorized { .. } => AuthenticationError::new_err(message),
        dimg::Error::RateLimited { .. } => RateLimited::new_err(message),
        dimg::Error::Pull { .. } => PullError::new_err(message),
        dimg::Error::Protocol { .. } => ProtocolError::new_err(message),
        dimg::Error::Credentials { .. } => CredentialsError::new_err(message),
        // Not a daemon error: the program called dimg where it must not block (from its own
        // progress callback), as before.
        dimg::Error::Reentrant(_) => return PyRuntimeError::new_err(message),
        _ => DockerError::new_err(message),
    };
    Python::attach(|py| {
        let value = exception.value(py);
        let _ = value.setattr("status_code", err.http_status());
        let _ = value.setattr("explanation", err.to_string());
        let _ = value.setattr("attempts", err.attempts());
        match kind {
            dimg::Error::Ssh { status, stderr, .. } => {
                let _ = value.setattr("exit_status", *status);
                let _ = value.setattr("stderr", stderr);
            }
            dimg::Error::Tls { reason, .. } => {
                let _ = value.setattr("reason", reason);
            }
            _ => {}
        }
    });
    exception
}

/// A Python exception as the error that stops a core call, so that `core_error` gives it back.
pub fn interrupted(err: PyErr) -> dimg::BoxError {
    Box::new(err)
}

/// An argument the binding refuses before calling the core, as the core would.
pub fn invalid_argument(message: String) -> PyErr {
    core_error(dimg::Error::InvalidArgument(message))
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
    m.add("NotFound", py.get_type::<NotFound>())?;
    m.add("ImageNotFound", py.get_type::<ImageNotFound>())?;
    m.add("Conflict", py.get_type::<Conflict>())?;
    m.add("AuthenticationError", py.get_type::<AuthenticationError>())?;
    m.add("RateLimited", py.get_type::<RateLimited>())?;
    m.add("PullError", py.get_type::<PullError>())?;
    m.add("CredentialsError", py.get_type::<CredentialsError>())?;
    m.add("TLSError", py.get_type::<TLSError>())?;
    m.add("SSHError", py.get_type::<SSHError>())?;
    m.add("ProtocolError", py.get_type::<ProtocolError>())?;
    Ok(())
}
