//! The docker CLI's wording of dimg's errors.

use dimg::Error;

/// The docker CLI's wording for `error` (`Error response from daemon: ...` for daemon
/// answers), so tools can print what `docker` prints.
///
/// ```
/// let e = dimg::Error::NotFound("No such image: x:latest".into());
/// assert_eq!(dimg_render::cli_message(&e), "Error response from daemon: No such image: x:latest");
/// let limited = dimg::Error::RateLimited { message: "toomanyrequests: slow down".into(), status: Some(429) };
/// assert_eq!(dimg_render::cli_message(&limited), "Error response from daemon: toomanyrequests: slow down");
/// let in_stream = dimg::Error::RateLimited { message: "toomanyrequests: slow down".into(), status: None };
/// assert_eq!(dimg_render::cli_message(&in_stream), "toomanyrequests: slow down");
/// let retried = dimg::Error::Retried { attempts: 3, last: Box::new(dimg::Error::Api { status: 500, message: "EOF".into() }) };
/// assert_eq!(dimg_render::cli_message(&retried), "gave up after 3 attempts: Error response from daemon: EOF");
/// ```
pub fn cli_message(error: &Error) -> String {
    match error {
        Error::NotFound(m)
        | Error::Conflict(m)
        | Error::Api { message: m, .. }
        | Error::Unauthorized {
            message: m,
            status: Some(_),
        }
        | Error::RateLimited {
            message: m,
            status: Some(_),
        } => {
            format!("Error response from daemon: {m}")
        }
        // Inside a pull stream, docker prints the daemon's errorDetail as it is
        // (`toomanyrequests: You have reached your pull rate limit. ...`).
        Error::RateLimited { message, status: None } => message.clone(),
        Error::Pull { code: Some(401), .. } | Error::Unauthorized { status: None, .. } => {
            "authentication is required".to_string()
        }
        Error::Connect { address, .. } => {
            format!("Cannot connect to the Docker daemon at {address}. Is the docker daemon running?")
        }
        // The docker CLI's prefix for a transport failure; what follows is dimg's own reason
        // (docker adds the request it was making, and Go's TLS wording).
        Error::Ssh { message, .. } => format!("error during connect: {message}"),
        Error::Tls { address, reason } => format!("error during connect: {address}: {reason}"),
        // dimg's retries (docker has none) around the last attempt's error, worded as docker would.
        Error::Retried { attempts, last } => format!("gave up after {attempts} attempts: {}", cli_message(last)),
        other => other.to_string(),
    }
}
