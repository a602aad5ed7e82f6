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

    /// A call retried by a [`crate::RetryPolicy`] failed on every attempt (or a retry was not
    /// allowed after the first failures): how many attempts were made, and the last one's
    /// error. Its kind ([`Error::last_attempt`]) is what bindings and the classifying methods
    /// ([`Error::is_not_found`], [`Error::is_transient`], ...) go by.
    #[error("gave up after {attempts} attempts: {last}")]
    Retried {
        /// Attempts made (at least 2).
        attempts: u32,
        /// The last attempt's error.
        #[source]
        last: Box<Error>,
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

    /// The registry refused the pull (or search, or lookup) for now because too many requests
    /// were made: Docker Hub's pull rate limit (`toomanyrequests: You have reached your pull
    /// rate limit. ...`), or any registry answering HTTP 429. The daemon reports it as its own
    /// 429 answer, or as an `errorDetail` inside a pull stream (Podman always does the latter);
    /// both are this variant, carrying the registry's message. Not transient: asking again at
    /// once only uses up more of the limit (see [`Error::is_transient`]).
    #[error("{message}")]
    RateLimited {
        /// The message as the daemon passed it on (`toomanyrequests: ...`).
        message: String,
        /// The HTTP status of the daemon's answer (429), when it was one (not an in-stream error).
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
        match self.last_attempt() {
            Error::NotFound(_) => Some(404),
            Error::Conflict(_) => Some(409),
            Error::Api { status, .. } => Some(*status),
            Error::Unauthorized { status, .. } | Error::RateLimited { status, .. } => *status,
            _ => None,
        }
    }

    /// The error itself, or for [`Error::Retried`] the last attempt's error: the kind of
    /// failure, whatever the retries.
    ///
    /// ```
    /// let last = dimg::Error::Api { status: 503, message: "Service Unavailable".into() };
    /// let e = dimg::Error::Retried { attempts: 3, last: Box::new(last) };
    /// assert!(matches!(e.last_attempt(), dimg::Error::Api { status: 503, .. }));
    /// assert_eq!(e.http_status(), Some(503));
    /// ```
    pub fn last_attempt(&self) -> &Error {
        match self {
            Error::Retried { last, .. } => last.last_attempt(),
            other => other,
        }
    }

    /// How many attempts the call made: 1 unless it was retried ([`Error::Retried`]).
    ///
    /// ```
    /// assert_eq!(dimg::Error::NotFound("No such image: x:1".into()).attempts(), 1);
    /// ```
    pub fn attempts(&self) -> u32 {
        match self {
            Error::Retried { attempts, .. } => *attempts,
            _ => 1,
        }
    }

    /// `true` for a 404 from the daemon. `docker rmi -f` exits 0 when every error is of this kind.
    pub fn is_not_found(&self) -> bool {
        matches!(self.last_attempt(), Error::NotFound(_))
    }

    /// `true` when the registry's rate limit refused the request ([`Error::RateLimited`]).
    ///
    /// ```
    /// let e = dimg::Error::RateLimited { message: "toomanyrequests: slow down".into(), status: Some(429) };
    /// assert!(e.is_rate_limited());
    /// assert!(!e.is_transient());
    /// ```
    pub fn is_rate_limited(&self) -> bool {
        matches!(self.last_attempt(), Error::RateLimited { .. })
    }

    /// Whether the same request may well succeed if simply made again a little later: the
    /// failure was in the path to the registry or the daemon, not in what was asked. This is
    /// the rule retries go by.
    ///
    /// Transient:
    /// - the connection to the daemon was reset or closed before the answer (or the pull
    ///   stream) was complete ([`Error::Protocol`] caused by a reset, an EOF mid-body or an
    ///   incomplete message), or the daemon went quiet for longer than the timeout
    ///   ([`Error::Timeout`]);
    /// - the daemon answered 502, 503 or 504;
    /// - the daemon's message (a 500 answer or a pull stream's `errorDetail`) says the
    ///   registry connection failed that way: `connection reset by peer`, `unexpected EOF`,
    ///   `TLS handshake timeout`, `i/o timeout`, or the registry's (or search index's) own
    ///   502/503/504 (or 500) status.
    ///
    /// Not transient: everything else, in particular [`Error::RateLimited`] (asking again uses
    /// up the limit), [`Error::Unauthorized`] and [`Error::NotFound`] (the same request fails
    /// the same way), a plain 500 whose message names no such cause (the daemon's own failure,
    /// such as a full disk), and all errors found before a request was sent.
    ///
    /// ```
    /// use dimg::Error;
    /// let reset = Error::Pull { message: "read tcp 127.0.0.1:5000: connection reset by peer".into(), code: None };
    /// assert!(reset.is_transient());
    /// assert!(Error::Api { status: 503, message: "Service Unavailable".into() }.is_transient());
    /// assert!(!Error::NotFound("No such image: tiny:1.0".into()).is_transient());
    /// assert!(!Error::Api { status: 500, message: "no space left on device".into() }.is_transient());
    /// ```
    pub fn is_transient(&self) -> bool {
        match self.last_attempt() {
            Error::Timeout(_) => true,
            Error::Protocol { source, .. } => is_interrupted_connection(source.as_ref()),
            Error::Api { status: 502..=504, .. } => true,
            Error::Api { status: 500, message } => Error::is_transient_message(message),
            Error::Pull { message, .. } => Error::is_transient_message(message),
            _ => false,
        }
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

    /// Whether a daemon message says that the registry refused a request for its rate limit
    /// (Docker Hub's `toomanyrequests`, or another registry's HTTP 429 as the daemon words it).
    pub(crate) fn is_rate_limit_message(message: &str) -> bool {
        let lower = message.to_ascii_lowercase();
        ["toomanyrequests", "too many requests", "http 429 "]
            .iter()
            .any(|needle| lower.contains(needle))
    }

    /// Whether a daemon message says that the connection to the registry failed in a way that
    /// asking again can cure (see [`Error::is_transient`]).
    fn is_transient_message(message: &str) -> bool {
        let lower = message.to_ascii_lowercase();
        [
            "connection reset by peer",
            "unexpected eof",
            "tls handshake timeout",
            "i/o timeout",
            "500 internal server error",
            "502 bad gateway",
            "503 service unavailable",
            "504 gateway timeout",
            // How dockerd 20.10 words a search index's 5xx (registry/session.go).
            "unexpected status code 500",
            "unexpected status code 502",
            "unexpected status code 503",
            "unexpected status code 504",
        ]
        .iter()
        .any(|needle| lower.contains(needle))
            && !Error::is_rate_limit_message(message)
            && !Error::is_auth_message(message)
    }

    /// An error for a non-2xx answer with this status and the daemon's message, for the kinds
    /// that are told by the message rather than the status (the transport's status mapping
    /// asks this first): a rate limit, whatever the status the daemon chose, and a 429.
    pub(crate) fn from_message(status: u16, message: &str) -> Option<Error> {
        (status == 429 || Error::is_rate_limit_message(message)).then(|| Error::RateLimited {
            message: message.to_string(),
            status: Some(status),
        })
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

    /// `text` as an error message may repeat it: at most [`EXCERPT_CHARS`] characters, then
    /// how long it was, so that a megabyte of input never becomes a megabyte of message.
    pub(crate) fn excerpt(text: &str) -> std::borrow::Cow<'_, str> {
        match text.char_indices().nth(EXCERPT_CHARS) {
            None => std::borrow::Cow::Borrowed(text),
            Some((cut, _)) => std::borrow::Cow::Owned(format!("{}... ({} bytes in all)", &text[..cut], text.len())),
        }
    }

    pub(crate) fn invalid_reference(input: &str, reason: impl Into<String>) -> Error {
        Error::InvalidReference {
            input: input.to_string(),
            reason: reason.into(),
        }
    }
}

/// The most characters of caller input an error message repeats (see [`Error::excerpt`]).
pub(crate) const EXCERPT_CHARS: usize = 200;

/// Whether an error chain says the connection carrying the answer was cut off: reset,
/// aborted, closed (EOF) before the answer was complete.
fn is_interrupted_connection(error: &(dyn std::error::Error + 'static)) -> bool {
    let mut cause: Option<&(dyn std::error::Error + 'static)> = Some(error);
    while let Some(error) = cause {
        if let Some(io) = error.downcast_ref::<std::io::Error>() {
            use std::io::ErrorKind::*;
            if matches!(
                io.kind(),
                ConnectionReset | ConnectionAborted | UnexpectedEof | BrokenPipe
            ) {
                return true;
            }
            // An io::Error's custom payload is not its source: look inside it too.
            if let Some(inner) = io.get_ref() {
                cause = Some(inner);
                continue;
            }
        }
        if let Some(http) = error.downcast_ref::<hyper::Error>()
            && (http.is_incomplete_message() || http.is_closed())
        {
            return true;
        }
        cause = error.source();
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Docker Hub's answer to a pull over its limit, as dockerd passes it on.
    const HUB_LIMIT: &str = "toomanyrequests: You have reached your pull rate limit. You may increase the limit by \
                             authenticating and upgrading: https://www.docker.com/increase-rate-limit";

    #[test]
    fn rate_limits_are_told_by_status_and_by_message() {
        let e = Error::from_message(429, HUB_LIMIT).unwrap();
        assert!(
            matches!(&e, Error::RateLimited { message, status: Some(429) } if message == HUB_LIMIT),
            "{e:?}"
        );
        assert_eq!(e.http_status(), Some(429));
        // Older daemons (and other paths through them) wrap it in a 500; its message mentions
        // authenticating, which must not make it an authentication failure.
        let e = Error::from_message(500, HUB_LIMIT).unwrap();
        assert!(matches!(e, Error::RateLimited { status: Some(500), .. }), "{e:?}");
        // A 429 without the registry's code word is still one.
        assert!(Error::from_message(429, "Too Many Requests").is_some());
        let e = Error::from_message(500, "error parsing HTTP 429 response body: invalid character 'x'").unwrap();
        assert!(e.is_rate_limited(), "{e:?}");
        assert!(Error::from_message(500, "unauthorized: authentication required").is_none());
        assert!(Error::from_message(404, "manifest unknown").is_none());
        // In a pull stream, with or without a code.
        let line = format!(r#"{{"errorDetail":{{"message":"{HUB_LIMIT}"}},"error":"{HUB_LIMIT}"}}"#);
        let e = crate::PullEvent::from_json(line.as_bytes()).unwrap_err();
        assert!(matches!(&e, Error::RateLimited { message, status: None } if message == HUB_LIMIT));
        let e = crate::PullEvent::from_json(br#"{"errorDetail":{"code":429,"message":"slow down"}}"#).unwrap_err();
        assert!(e.is_rate_limited(), "{e:?}");
        // Podman's wording of the same, inside its stream.
        let podman = r#"{"error":"initializing source docker://127.0.0.1:5000/tiny:1.0: reading manifest 1.0 in 127.0.0.1:5000/tiny: toomanyrequests: You have reached your pull rate limit."}"#;
        assert!(
            crate::PullEvent::from_json(podman.as_bytes())
                .unwrap_err()
                .is_rate_limited()
        );
    }

    #[test]
    fn transient_failures_are_told_apart_from_lasting_ones() {
        let pull = |message: &str| Error::Pull {
            message: message.into(),
            code: None,
        };
        let api = |status: u16, message: &str| Error::Api {
            status,
            message: message.into(),
        };
        let transient = [
            pull("unexpected EOF"),
            pull("read tcp 127.0.0.1:40000->127.0.0.1:5000: read: connection reset by peer"),
            pull(r#"Get "https://registry-1.docker.io/v2/": net/http: TLS handshake timeout"#),
            pull("dial tcp 10.0.0.1:443: i/o timeout"),
            api(502, "Bad Gateway"),
            api(503, "Service Unavailable"),
            api(504, "Gateway Timeout"),
            api(500, "received unexpected HTTP status: 503 Service Unavailable"),
            api(500, r#"Get "http://127.0.0.1:5000/v2/": unexpected EOF"#),
            Error::Timeout(Duration::from_secs(1)),
            Error::protocol(
                "reading the pull stream",
                std::io::Error::new(std::io::ErrorKind::ConnectionReset, "reset"),
            ),
            Error::protocol(
                "reading the pull stream",
                std::io::Error::other(std::io::Error::from(std::io::ErrorKind::UnexpectedEof)),
            ),
        ];
        for error in &transient {
            assert!(error.is_transient(), "{error:?}");
        }
        let lasting = [
            Error::RateLimited {
                message: HUB_LIMIT.into(),
                status: Some(429),
            },
            Error::RateLimited {
                message: HUB_LIMIT.into(),
                status: None,
            },
            Error::Unauthorized {
                message: "unauthorized: authentication required".into(),
                status: Some(500),
            },
            Error::NotFound("manifest unknown".into()),
            api(500, "failed to register layer: no space left on device"),
            api(501, "not implemented"),
            api(400, "invalid reference format"),
            // A registry's 503 that is really its rate limit is a rate limit.
            pull("toomanyrequests: 503 Service Unavailable"),
            pull("unauthorized: unexpected EOF"),
            Error::protocol("decoding a pull progress message", "expected value at line 1 column 1"),
            Error::InvalidArgument("x".into()),
            Error::Connect {
                address: "unix:///x".into(),
                reason: "no such socket".into(),
                source: std::io::Error::from(std::io::ErrorKind::NotFound),
            },
        ];
        for error in &lasting {
            assert!(!error.is_transient(), "{error:?}");
        }
    }

    /// A megabyte of input never becomes a megabyte of message, whichever check refuses it.
    #[test]
    fn refused_input_is_repeated_in_excerpts_only() {
        let huge = "A".repeat(1 << 20);
        let refusals = [
            crate::ImageRef::parse(&huge).unwrap_err(),
            crate::ImageRef::parse(&format!("x/{huge}:1")).unwrap_err(),
            crate::check_platform(&format!("linux/{huge}*")).unwrap_err(),
            crate::check_platform(&format!("linux/{huge}!")).unwrap_err(),
            huge.parse::<crate::ImageFilter>().unwrap_err(),
            format!("{huge}=1").parse::<crate::ImageFilter>().unwrap_err(),
            format!("dangling={huge}").parse::<crate::ImageFilter>().unwrap_err(),
            crate::SearchFilter::from_pair("stars", &huge).unwrap_err(),
            huge.parse::<crate::PullPolicy>().unwrap_err(),
            format!("{huge}=x").parse::<crate::PruneFilter>().unwrap_err(),
            crate::Endpoint::parse(&format!("tcp://{huge}:port")).unwrap_err(),
            crate::daemon_config::normalize_mirror(&format!("http://{huge}")).unwrap_err(),
        ];
        for error in refusals {
            let text = error.chain();
            assert!(text.len() < 1024, "{} bytes: {}...", text.len(), &text[..300]);
        }
        assert_eq!(Error::excerpt("short"), "short");
        let cut = Error::excerpt(&"é".repeat(300)).into_owned();
        assert!(
            cut.starts_with(&"é".repeat(EXCERPT_CHARS)) && cut.ends_with("... (600 bytes in all)"),
            "{cut}"
        );
    }
}
