//! The one error type every dimg operation returns.

use std::time::Duration;

use crate::version::{ApiVersion, ParseApiVersionError};

/// A boxed error used as the source of [`Error::Protocol`].
pub type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// `Result<T, dimg::Error>`.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Why a call to the Docker (or Podman) daemon failed.
///
/// `Display` is one line for this level only; walk [`std::error::Error::source`] for the
/// chain (or use [`Error::chain`]). The wording is not API, the variants and fields are.
/// Bindings map this enum once each (Python exceptions, C result codes).
///
/// # Examples
/// ```
/// let err = dimg::ImageRef::parse("Tiny").unwrap_err();
/// assert!(matches!(err, dimg::Error::InvalidReference { .. }));
/// assert_eq!(
///     err.to_string(),
///     "invalid reference format: repository name (library/Tiny) must be lowercase"
/// );
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The daemon's socket could not be reached: missing, refused, or not permitted.
    #[error("cannot connect to the Docker daemon at {address}: {reason}")]
    Connect {
        /// The address that was tried, in `DOCKER_HOST` form (`unix:///var/run/docker.sock`).
        address: String,
        /// A short human reason (`no such socket`, `connection refused`, `permission denied`, ...).
        reason: String,
        /// The underlying I/O error.
        #[source]
        source: std::io::Error,
    },

    /// TLS with a `tcp://` daemon failed: its certificate is signed by an unknown CA or made
    /// out to another name, it wants a client certificate that was not given (or refused the
    /// one given), the port speaks plain HTTP (or the daemon wants TLS and got plain HTTP), or
    /// a TLS file cannot be read. Never retried without TLS.
    #[error("TLS connection to the Docker daemon at {address} failed: {reason}")]
    Tls {
        /// The daemon's address (`tcp://host:port`).
        address: String,
        /// What went wrong, in a sentence.
        reason: String,
    },

    /// The `ssh` process of an `ssh://` endpoint failed or ended: connection refused,
    /// authentication failed, unknown host key, no docker on the remote host, or it was
    /// killed. The message holds the command, its exit status and the first lines of its
    /// standard error.
    #[error("cannot connect to the Docker daemon at {address}: {message}")]
    Ssh {
        /// The `ssh://` address.
        address: String,
        /// `command [ssh ...] has exited with exit status 255, make sure ...: stderr=...`.
        message: String,
        /// `ssh`'s exit status, when it exited (255: ssh's own failure; 127: no `docker`
        /// on the remote host).
        status: Option<i32>,
        /// The first lines of its standard error.
        stderr: String,
    },

    /// The daemon did not answer (or stopped sending) within the configured timeout.
    #[error("no response from the Docker daemon within {0:?}")]
    Timeout(Duration),

    /// An image reference does not follow the distribution/reference grammar.
    /// Nothing was sent to the daemon.
    #[error("{reason}")]
    InvalidReference {
        /// The text as the caller gave it.
        input: String,
        /// What is wrong with it, in distribution/reference's exact words
        /// (`invalid reference format`, `invalid reference format: repository name (library/Tiny)
        /// must be lowercase`, `repository name must not be more than 255 characters`, ...).
        reason: String,
    },

    /// An argument was refused before any request (out-of-range limit, unknown filter,
    /// conflicting options, bad `DOCKER_HOST`, ...).
    #[error("{0}")]
    InvalidArgument(String),

    /// An option needs a newer Engine API version than the one negotiated with the daemon.
    /// Refused client-side; nothing was sent.
    #[error("{option} requires API version {required}, but the Docker daemon API version is {negotiated}")]
    UnsupportedOption {
        /// The option, as the docker CLI names it (`shared-size`, `until`, `platform`, ...).
        option: &'static str,
        /// The lowest API version that has it.
        required: ApiVersion,
        /// The version in use with this daemon.
        negotiated: ApiVersion,
    },

    /// The daemon does not offer this at all (for example an all-tags pull through Podman's
    /// Docker-compatible API). Nothing was sent.
    #[error("{0}")]
    Unsupported(String),

    /// HTTP 404 from the daemon: no such image (or manifest, or tag). Carries the daemon's message.
    /// A pull whose stream reports a missing manifest (Podman answers a missing tag with a 200
    /// stream ending in `errorDetail`) is this kind too, so both engines look alike.
    #[error("{0}")]
    NotFound(String),

    /// HTTP 409 from the daemon, e.g. an image used by a container. Carries the daemon's message.
    #[error("{0}")]
    Conflict(String),

    /// The registry refused the credentials, or wanted some and got none. The daemon reports
    /// this as a 500 (or a 401 `errorDetail` inside a pull stream); dimg recognises its
    /// wording so that a missing password never looks like a missing image.
    #[error("{message}")]
    Unauthorized {
        /// The daemon's message.
        message: String,
        /// The HTTP status of the answer, when it was one (not an in-stream error).
        status: Option<u16>,
    },

    /// Any other non-2xx answer. `message` is the daemon's own text.
    #[error("{message}")]
    Api {
        /// HTTP status code.
        status: u16,
        /// The daemon's message (its JSON `message`, or the body text).
        message: String,
    },

    /// The daemon reported an error inside a pull stream that had started with HTTP 200
    /// (`errorDetail`): for example the registry went away mid-pull.
    #[error("{message}")]
    Pull {
        /// The daemon's message.
        message: String,
        /// The `errorDetail.code`, when the daemon gave one (401 means authentication is required).
        code: Option<i64>,
    },

    /// Registry credentials could not be looked up: the docker configuration file cannot be
    /// read or parsed, an entry in it is malformed, or a credential helper failed. The message
    /// names the file or the helper, never a secret or the helper's output; `source` keeps the
    /// I/O or JSON error behind it. Nothing was sent to the daemon.
    #[error("{message}")]
    Credentials {
        /// What failed, naming the file or helper.
        message: String,
        /// The error behind it, when there is one.
        #[source]
        source: Option<BoxError>,
    },

    /// A blocking call was stopped by its caller: the client's interrupt check
    /// ([`crate::blocking::Client::interrupt_check`]) or a pull's progress callback
    /// ([`crate::blocking::PullStream::finish_with`]) returned this error. The request was
    /// cancelled (its connection closed).
    #[error("interrupted: {0}")]
    Interrupted(#[source] BoxError),

    /// A blocking call was made from inside another blocking dimg call on the same thread (a
    /// progress callback calling dimg again). Nothing was sent.
    #[error("{0}")]
    Reentrant(&'static str),

    /// The daemon answered something dimg cannot understand: bad JSON, broken framing,
    /// a connection closed mid-body.
    #[error("unexpected response from the Docker daemon: {context}")]
    Protocol {
        /// What dimg was doing.
        context: String,
        /// The underlying cause.
        #[source]
        source: BoxError,
    },
}

impl From<ParseApiVersionError> for Error {
    fn from(error: ParseApiVersionError) -> Error {
        Error::InvalidArgument(error.to_string())
    }
}

impl Error {
    /// The HTTP status the daemon answered with, when this error came from one.
    ///
    /// ```
    /// let e = dimg::Error::NotFound("No such image: x:latest".into());
    /// assert_eq!(e.http_status(), Some(404));
    /// ```
    pub fn http_status(&self) -> Option<u16> {
        match self {
            Error::NotFound(_) => Some(404),
            Error::Conflict(_) => Some(409),
            Error::Api { status, .. } => Some(*status),
            Error::Unauthorized { status, .. } => *status,
            _ => None,
        }
    }

    /// `true` for a 404 from the daemon. `docker rmi -f` exits 0 when every error is of this kind.
    pub fn is_not_found(&self) -> bool {
        matches!(self, Error::NotFound(_))
    }

    /// The whole chain, `"this: cause: root cause"`, as bindings show it across a boundary.
    ///
    /// ```
    /// let e = dimg::Error::Timeout(std::time::Duration::from_secs(1));
    /// assert_eq!(e.chain(), "no response from the Docker daemon within 1s");
    /// ```
    pub fn chain(&self) -> String {
        let mut out = self.to_string();
        let mut source = std::error::Error::source(self);
        while let Some(cause) = source {
            let text = cause.to_string();
            if !out.ends_with(&text) {
                out.push_str(": ");
                out.push_str(&text);
            }
            source = cause.source();
        }
        out
    }

    /// Whether a daemon message says that registry credentials were missing or refused.
    pub(crate) fn is_auth_message(message: &str) -> bool {
        let lower = message.to_ascii_lowercase();
        [
            "no basic auth credentials",
            "unauthorized",
            "authentication required",
            "incorrect username or password",
        ]
        .iter()
        .any(|needle| lower.contains(needle))
    }

    /// The daemon's answer (or the connection carrying it) could not be understood. The
    /// transport tells an `ssh` or TLS failure inside such a chain apart first
    /// (`transport::read_error`).
    pub(crate) fn protocol(context: impl Into<String>, source: impl Into<BoxError>) -> Error {
        Error::Protocol {
            context: context.into(),
            source: source.into(),
        }
    }

    pub(crate) fn credentials(message: impl Into<String>, source: impl Into<Option<BoxError>>) -> Error {
        Error::Credentials {
            message: message.into(),
            source: source.into(),
        }
    }

    pub(crate) fn invalid_reference(input: &str, reason: impl Into<String>) -> Error {
        Error::InvalidReference {
            input: input.to_string(),
            reason: reason.into(),
        }
    }
}
