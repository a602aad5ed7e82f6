//! `docker pull`: `dimg_pull_options`, `dimg_client_pull` with its progress callback,
//! `dimg_pull_summary`.

use std::ffi::{CString, c_char, c_int, c_void};
use std::ptr;

use crate::client::dimg_client;
use crate::error::{dimg_result, fallible};
use crate::ffi::{arg_mut, arg_ref, arg_str, c_ptr, cstring, free_box, into_raw, opt_out, opt_ref, opt_str, write_out};

/// Options of `dimg_client_pull` (`docker pull`). Made by `dimg_pull_options_new`, released by
/// `dimg_pull_options_free`. Change it from one thread at a time; calls only read it.
#[allow(non_camel_case_types)]
#[derive(Debug, Default)]
pub struct dimg_pull_options {
    /// The core's options themselves: each setter is the core's setter of the same name.
    options: dimg::PullOptions,
}

impl dimg_pull_options {
    pub(crate) fn to_core(&self) -> dimg::PullOptions {
        self.options.clone()
    }
}

/// New pull options: one tag (`latest` when the reference has none), the daemon's platform,
/// policy `DIMG_PULL_POLICY_ALWAYS`.
/// Release with `dimg_pull_options_free`. Never NULL (except on an internal error).
#[unsafe(no_mangle)]
pub extern "C" fn dimg_pull_options_new() -> *mut dimg_pull_options {
    ffi_boundary! { into_raw(dimg_pull_options::default()) }
}

/// Releases pull options. NULL does nothing.
#[unsafe(no_mangle)]
pub extern "C" fn dimg_pull_options_free(options: *mut dimg_pull_options) {
    ffi_boundary! { free_box(options) }
}

/// Pull every tag of the repository (`docker pull -a`); the reference must then have no tag
/// or digest (else the pull fails with `DIMG_RESULT_INVALID_ARGUMENT`).
/// Errors: `DIMG_RESULT_INVALID_ARGUMENT` for NULL `options`.
#[unsafe(no_mangle)]
pub extern "C" fn dimg_pull_options_set_all_tags(options: *mut dimg_pull_options, all_tags: bool) -> dimg_result {
    ffi_boundary! {
        fallible(|| {
            arg_mut(options, "options")?.options.set_all_tags(all_tags);
            Ok(())
        })
    }
}

/// Pull for `platform`, `os[/arch[/variant]]` (`linux/amd64`; API 1.32), checked by
/// `dimg_client_pull`; NULL goes back to the daemon's platform.
/// Errors: `DIMG_RESULT_INVALID_ARGUMENT` for NULL `options` or a non-UTF-8 platform.
#[unsafe(no_mangle)]
pub extern "C" fn dimg_pull_options_set_platform(
    options: *mut dimg_pull_options,
    platform: *const c_char,
) -> dimg_result {
    ffi_boundary! {
        fallible(|| {
            let options = arg_mut(options, "options")?;
            options.options.set_platform(opt_str(platform, "platform")?.map(str::to_string));
            Ok(())
        })
    }
}

/// Registry credentials for the pull. With a `username`, they are sent as given (`password`
/// may be NULL for none); with NULL `username` and NULL `password`, no credentials are sent at
/// all. Without this call, credentials are looked up like the docker CLI does (DOCKER_CONFIG /
/// ~/.docker/config.json, credsStore, credHelpers). The strings are copied; they never appear
/// in error messages.
/// Errors: `DIMG_RESULT_INVALID_ARGUMENT` for NULL `options`, non-UTF-8 strings, or a password
/// without a username.
#[unsafe(no_mangle)]
pub extern "C" fn dimg_pull_options_set_credentials(
    options: *mut dimg_pull_options,
    username: *const c_char,
    password: *const c_char,
) -> dimg_result {
    ffi_boundary! {
        fallible(|| {
            let options = arg_mut(options, "options")?;
            let username = opt_str(username, "username")?;
            let password = opt_str(password, "password")?;
            let credentials = match (username, password) {
                (None, None) => dimg::Credentials::Anonymous,
                (Some(user), password) => {
                    dimg::Credentials::Explicit(dimg::RegistryAuth::basic(user, password.unwrap_or_default()))
                }
                (None, Some(_)) => {
                    return Err(crate::error::Failure::invalid_argument("a password needs a username"));
                }
            };
            options.options.set_credentials(credentials);
            Ok(())
        })
    }
}

/// When `dimg_client_pull` asks the registry at all (podman's pull policies; `docker pull`
/// always pulls), for `dimg_pull_options_set_policy`. "Present" means the daemon has an image
/// under the reference, for the pull's platform when one is set.
#[repr(C)]
#[allow(non_camel_case_types)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum dimg_pull_policy {
    /// Always pull, as `docker pull` does (the default).
    Always = 0,
    /// Pull only when the image is not present; otherwise nothing is sent to the registry and
    /// the summary's outcome is `DIMG_PULL_OUTCOME_SKIPPED`.
    Missing = 1,
    /// Never pull: skipped when present, `DIMG_RESULT_NOT_FOUND` ("No such image: NAME") when
    /// absent, with nothing sent.
    Never = 2,
    /// Pull when absent, or when the registry's digest for the reference (asked through the
    /// daemon, with the pull's credentials) differs from the local image's; skipped when they
    /// are the same. Docker only: `DIMG_RESULT_UNSUPPORTED_OPTION` on Podman.
    Newer = 3,
}

impl dimg_pull_policy {
    const ALL: [dimg_pull_policy; 4] = [
        dimg_pull_policy::Always,
        dimg_pull_policy::Missing,
        dimg_pull_policy::Never,
        dimg_pull_policy::Newer,
    ];

    fn to_core(self) -> dimg::PullPolicy {
        match self {
            dimg_pull_policy::Always => dimg::PullPolicy::Always,
            dimg_pull_policy::Missing => dimg::PullPolicy::Missing,
            dimg_pull_policy::Never => dimg::PullPolicy::Never,
            dimg_pull_policy::Newer => dimg::PullPolicy::Newer,
        }
    }
}

/// Sets the pull policy, one of the `dimg_pull_policy` values (`DIMG_PULL_POLICY_MISSING`,
/// ...); see there. Only `DIMG_PULL_POLICY_ALWAYS` goes with all tags (else the pull fails with
/// `DIMG_RESULT_INVALID_ARGUMENT`).
/// Errors: `DIMG_RESULT_INVALID_ARGUMENT` for NULL `options` or a value that is not a
/// `dimg_pull_policy` (the options are then unchanged).
#[unsafe(no_mangle)]
pub extern "C" fn dimg_pull_options_set_policy(options: *mut dimg_pull_options, policy: c_int) -> dimg_result {
    ffi_boundary! {
        fallible(|| {
            let options = arg_mut(options, "options")?;
            let policy = dimg_pull_policy::ALL
                .into_iter()
                .find(|p| *p as c_int == policy)
                .ok_or_else(|| crate::error::Failure::invalid_argument(format!("{policy} is not a dimg_pull_policy")))?;
            options.options.set_policy(policy.to_core());
            Ok(())
        })
    }
}

/// What one pull message says, classified from the daemon's status text.
#[repr(C)]
#[allow(non_camel_case_types)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum dimg_pull_phase {
    /// Any other text.
    Other = 0,
    /// `Pulling from library/alpine` (the id is the tag).
    PullingFrom = 1,
    /// `Pulling fs layer`.
    PullingFsLayer = 2,
    /// `Waiting`.
    Waiting = 3,
    /// `Downloading`, with byte counts.
    Downloading = 4,
    /// `Verifying Checksum`.
    VerifyingChecksum = 5,
    /// `Download complete`.
    DownloadComplete = 6,
    /// `Extracting`, with byte counts.
    Extracting = 7,
    /// `Pull complete`.
    PullComplete = 8,
    /// `Already exists`: the layer was present locally.
    AlreadyExists = 9,
    /// `Retrying in N seconds`.
    Retrying = 10,
    /// `Digest: sha256:...`.
    Digest = 11,
    /// `Status: Downloaded newer image for ...` or `Status: Image is up to date for ...`.
    Status = 12,
    /// libdimg's own message, not the daemon's: the pull failed in a way worth trying again and
    /// will be, as the client's retry policy says (`dimg_retry_policy`); the status says when
    /// and why (`Attempt 2 of 3 in 0.5s after: ...`), the id is "". The messages that follow
    /// are the next attempt's.
    Retry = 13,
}

impl From<dimg::PullPhase> for dimg_pull_phase {
    fn from(phase: dimg::PullPhase) -> dimg_pull_phase {
        match phase {
            dimg::PullPhase::PullingFrom => dimg_pull_phase::PullingFrom,
            dimg::PullPhase::PullingFsLayer => dimg_pull_phase::PullingFsLayer,
            dimg::PullPhase::Waiting => dimg_pull_phase::Waiting,
            dimg::PullPhase::Downloading => dimg_pull_phase::Downloading,
            dimg::PullPhase::VerifyingChecksum => dimg_pull_phase::VerifyingChecksum,
            dimg::PullPhase::DownloadComplete => dimg_pull_phase::DownloadComplete,
            dimg::PullPhase::Extracting => dimg_pull_phase::Extracting,
            dimg::PullPhase::PullComplete => dimg_pull_phase::PullComplete,
            dimg::PullPhase::AlreadyExists => dimg_pull_phase::AlreadyExists,
            dimg::PullPhase::Retrying => dimg_pull_phase::Retrying,
            dimg::PullPhase::Digest => dimg_pull_phase::Digest,
            dimg::PullPhase::Status => dimg_pull_phase::Status,
            dimg::PullPhase::Retry => dimg_pull_phase::Retry,
            _ => dimg_pull_phase::Other,
        }
    }
}

/// One progress message of a pull, passed to the progress callback. Everything in it is
/// borrowed until the callback returns: copy what you want to keep.
#[repr(C)]
#[allow(non_camel_case_types)]
#[derive(Debug)]
pub struct dimg_pull_progress {
    /// Layer id (12 hex), the tag for `DIMG_PULL_PHASE_PULLING_FROM`, or "" for image-wide
    /// messages.
    pub id: *const c_char,
    /// The daemon's text, e.g. `Downloading`, `Pull complete`, `Digest: sha256:...`.
    pub status: *const c_char,
    /// `status`, classified.
    pub phase: dimg_pull_phase,
    /// Bytes done so far, 0 when the daemon did not say.
    pub current: u64,
    /// Bytes in all, 0 when the daemon did not say.
    pub total: u64,
}

/// A pull progress callback: called on the thread that called `dimg_client_pull`, once per
/// message, in order. Return 0 to go on, non-zero to stop the pull (which then returns
/// `DIMG_RESULT_CANCELLED`; the daemon stops pulling). It must not call `dimg_client_*`
/// functions (they return `DIMG_RESULT_REENTRANT`).
#[allow(non_camel_case_types)]
pub type dimg_pull_progress_cb =
    Option<unsafe extern "C" fn(userdata: *mut c_void, progress: *const dimg_pull_progress) -> c_int>;

/// Whether a pull fetched anything.
#[repr(C)]
#[allow(non_camel_case_types)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum dimg_pull_outcome {
    /// Not known: the pulled image could not be looked up afterwards (Podman's stream does
    /// not say, so dimg compares the local image before and after).
    Unknown = 0,
    /// `Status: Downloaded newer image for ...`: something was downloaded or newly tagged.
    Downloaded = 1,
    /// `Status: Image is up to date for ...`.
    UpToDate = 2,
    /// No pull was made, as the pull policy allowed: the image is present (`MISSING`, `NEVER`),
    /// or the registry's digest equals the local image's (`NEWER`). There were no events; the
    /// digest is the local image's.
    Skipped = 3,
}

/// What a finished pull amounts to. Made by `dimg_client_pull`, released by
/// `dimg_pull_summary_free`; immutable.
#[allow(non_camel_case_types)]
#[derive(Debug)]
pub struct dimg_pull_summary {
    reference: CString,
    digest: CString,
    status: CString,
    outcome: dimg_pull_outcome,
    layers_pulled: usize,
    layers_existing: usize,
    events: usize,
}

impl From<dimg::PullOutcome> for dimg_pull_outcome {
    fn from(outcome: dimg::PullOutcome) -> dimg_pull_outcome {
        match outcome {
            dimg::PullOutcome::Downloaded => dimg_pull_outcome::Downloaded,
            dimg::PullOutcome::UpToDate => dimg_pull_outcome::UpToDate,
            dimg::PullOutcome::Skipped => dimg_pull_outcome::Skipped,
            _ => dimg_pull_outcome::Unknown,
        }
    }
}

impl From<dimg::PullSummary> for dimg_pull_summary {
    fn from(summary: dimg::PullSummary) -> dimg_pull_summary {
        dimg_pull_summary {
            reference: cstring(summary.reference),
            digest: cstring(summary.digest.unwrap_or_default()),
            status: cstring(summary.status.unwrap_or_default()),
            outcome: summary.outcome.into(),
            layers_pulled: summary.layers_pulled,
            layers_existing: summary.layers_existing,
            events: summary.events,
        }
    }
}

/// `docker pull REFERENCE`: pulls an image, reporting progress.
///
/// `reference` is parsed and normalised first (`zookeeper` means
/// `docker.io/library/zookeeper:latest`, never every tag; see `dimg_pull_options_set_all_tags`).
/// `options` may be NULL for the defaults. `on_progress` (may be NULL) is called on this thread
/// for each message, with `userdata` as its first argument; returning non-zero cancels the pull.
/// `summary_out` may be NULL; otherwise, on success only, `*summary_out` is a new summary, to
/// be released with `dimg_pull_summary_free`.
///
/// Errors: `DIMG_RESULT_INVALID_REFERENCE` (nothing sent); `DIMG_RESULT_INVALID_ARGUMENT` for
/// NULL `client` or `reference`, non-UTF-8, a tag (or a policy other than always) together with
/// all tags, an invalid platform; `DIMG_RESULT_UNSUPPORTED_OPTION` (platform before API 1.32,
/// policy newer on Podman); `DIMG_RESULT_NOT_FOUND` (no such repository or tag; policy never
/// and no such local image); `DIMG_RESULT_RATE_LIMITED` (the registry's rate limit);
/// `DIMG_RESULT_API` (for example an unreachable registry);
/// `DIMG_RESULT_PULL_FAILED` (an error inside the pull stream); `DIMG_RESULT_CANCELLED` (the
/// callback returned non-zero); `DIMG_RESULT_TIMEOUT` (the daemon went quiet for longer than the
/// client's idle limit, `dimg_timeouts`); `DIMG_RESULT_CONNECT`, `DIMG_RESULT_PROTOCOL`,
/// `DIMG_RESULT_REENTRANT`. With a retry policy (`dimg_retry_policy`), transient failures are
/// tried again, each retry a `DIMG_PULL_PHASE_RETRY` message; one that still fails has the code
/// of its last attempt, and `dimg_last_error_attempts` says how many were made.
#[unsafe(no_mangle)]
pub extern "C" fn dimg_client_pull(
    client: *const dimg_client,
    reference: *const c_char,
    options: *const dimg_pull_options,
    on_progress: dimg_pull_progress_cb,
    userdata: *mut c_void,
    summary_out: *mut *mut dimg_pull_summary,
) -> dimg_result {
    ffi_boundary! {
        fallible(|| {
            // Everything is copied out of C's objects first: the callback may free them.
            let client = arg_ref(client, "client")?.client.clone();
            let reference = arg_str(reference, "reference")?.to_string();
            let options = opt_ref(options).map(dimg_pull_options::to_core).unwrap_or_default();
            let (mut id, mut status) = (Vec::new(), Vec::new());
            // The callback runs inside the call, so a dimg call made from it is REENTRANT; a
            // non-zero return stops the pull (its connection is closed: the daemon stops).
            let summary = client.images().pull(&reference, &options).finish_with(|event| {
                let Some(callback) = on_progress else { return Ok(()) };
                let progress = progress_of(event, &mut id, &mut status);
                match call_progress(callback, userdata, &progress) {
                    0 => Ok(()),
                    _ => Err(format!("the pull of {reference} was cancelled by its progress callback").into()),
                }
            })?;
            if let Some(out) = opt_out(summary_out) {
                write_out(out, dimg_pull_summary::from(summary));
            }
            Ok(())
        })
    }
}

/// Copies `text` (up to an embedded NUL) into `buf` as a C string; the pointer is valid until
/// `buf` is next changed.
pub(crate) fn fill_c_string(buf: &mut Vec<u8>, text: &str) -> *const c_char {
    buf.clear();
    let bytes = text.as_bytes();
    let end = bytes.iter().position(|b| *b == 0).unwrap_or(bytes.len());
    buf.extend_from_slice(&bytes[..end]);
    buf.push(0);
    buf.as_ptr().cast()
}

/// Copies the fields of `event` into a `dimg_pull_progress` whose strings live in `id` and
/// `status` (one buffer per string, reused from event to event: no allocation per event).
pub(crate) fn progress_of(event: &dimg::PullEvent, id: &mut Vec<u8>, status: &mut Vec<u8>) -> dimg_pull_progress {
    dimg_pull_progress {
        id: fill_c_string(id, event.id.as_deref().unwrap_or("")),
        status: fill_c_string(status, &event.status),
        phase: event.phase.into(),
        current: event.current.unwrap_or(0),
        total: event.total.unwrap_or(0),
    }
}

type ProgressFn = unsafe extern "C" fn(userdata: *mut c_void, progress: *const dimg_pull_progress) -> c_int;

fn call_progress(callback: ProgressFn, userdata: *mut c_void, progress: &dimg_pull_progress) -> c_int {
    // SAFETY: the caller of dimg_client_pull promises a valid callback for this userdata;
    // `progress` and the strings it points to outlive the call.
    unsafe { callback(userdata, progress) }
}

/// Releases a pull summary. NULL does nothing.
#[unsafe(no_mangle)]
pub extern "C" fn dimg_pull_summary_free(summary: *mut dimg_pull_summary) {
    ffi_boundary! { free_box(summary) }
}

/// The normalised reference that was pulled (`docker.io/library/zookeeper:latest`; without a
/// tag for an all-tags pull). Borrowed until the summary is freed; NULL for NULL.
#[unsafe(no_mangle)]
pub extern "C" fn dimg_pull_summary_reference(summary: *const dimg_pull_summary) -> *const c_char {
    ffi_boundary! { opt_ref(summary).map_or(ptr::null(), |s| c_ptr(&s.reference)) }
}

/// The manifest digest (`sha256:...`), or "" when the daemon did not give one. Borrowed until
/// the summary is freed; NULL for NULL.
#[unsafe(no_mangle)]
pub extern "C" fn dimg_pull_summary_digest(summary: *const dimg_pull_summary) -> *const c_char {
    ffi_boundary! { opt_ref(summary).map_or(ptr::null(), |s| c_ptr(&s.digest)) }
}

/// The daemon's final status text (`Downloaded newer image for ...`), or "". Borrowed until the
/// summary is freed; NULL for NULL.
#[unsafe(no_mangle)]
pub extern "C" fn dimg_pull_summary_status(summary: *const dimg_pull_summary) -> *const c_char {
    ffi_boundary! { opt_ref(summary).map_or(ptr::null(), |s| c_ptr(&s.status)) }
}

/// Downloaded, up to date, skipped (by the pull policy), or unknown (also for NULL).
#[unsafe(no_mangle)]
pub extern "C" fn dimg_pull_summary_outcome(summary: *const dimg_pull_summary) -> dimg_pull_outcome {
    ffi_boundary! { opt_ref(summary).map_or(dimg_pull_outcome::Unknown, |s| s.outcome) }
}

/// Layers that completed (`Pull complete`); 0 for NULL.
#[unsafe(no_mangle)]
pub extern "C" fn dimg_pull_summary_layers_pulled(summary: *const dimg_pull_summary) -> usize {
    ffi_boundary! { opt_ref(summary).map_or(0, |s| s.layers_pulled) }
}

/// Layers that were already present (`Already exists`); 0 for NULL.
#[unsafe(no_mangle)]
pub extern "C" fn dimg_pull_summary_layers_existing(summary: *const dimg_pull_summary) -> usize {
    ffi_boundary! { opt_ref(summary).map_or(0, |s| s.layers_existing) }
}

/// The number of progress messages received; 0 for NULL.
#[unsafe(no_mangle)]
pub extern "C" fn dimg_pull_summary_events(summary: *const dimg_pull_summary) -> usize {
    ffi_boundary! { opt_ref(summary).map_or(0, |s| s.events) }
}
impl crate::ffi::PanicValue for dimg_pull_outcome {
    fn panic_value() -> Self {
        dimg_pull_outcome::Unknown
    }
}
