//! `docker pull A B C ...` at once: `dimg_client_pull_many` with one progress over every image
//! (`dimg_pull_totals`), and its `dimg_pull_many_result`.

use std::ffi::{CString, c_char, c_int, c_void};
use std::ptr;

use crate::client::dimg_client;
use crate::error::{Failure, dimg_result, fallible};
use crate::ffi::{arg_ref, arg_str_array, c_ptr, cstring, free_box, opt_ref, out_arg, write_out};
use crate::pull::{dimg_pull_options, dimg_pull_outcome, dimg_pull_progress, fill_c_string, progress_of};

/// Where a `dimg_client_pull_many` is over all its images, after an update.
///
/// Layers are told apart by the id the daemon's progress names them with (the short digest of
/// the layer's blob), so a layer that several images share counts once, whichever pull fetched
/// it. Bytes are the compressed bytes the daemon reports downloading: a layer counts in
/// `bytes_total` once the daemon said its size (Docker says it as the download starts; layers
/// present already are never downloaded and count in neither byte figure; Podman says no
/// sizes, so both stay 0 there).
#[repr(C)]
#[allow(non_camel_case_types)]
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct dimg_pull_totals {
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
    /// Bytes downloaded so far, over all layers.
    pub bytes_done: u64,
    /// Bytes to download over the layers whose size is known.
    pub bytes_total: u64,
    /// Milliseconds since the first pull started.
    pub elapsed_ms: u64,
    /// Bytes per second since the start (0 before any byte).
    pub rate: f64,
    /// Milliseconds left at the rate so far, for the bytes known; -1 while that is not known
    /// (before any byte arrived).
    pub eta_ms: i64,
}

impl dimg_pull_totals {
    /// Before anything happened (no image asked for).
    fn empty() -> dimg_pull_totals {
        dimg_pull_totals::from(&dimg::PullTotals::default())
    }
}

impl From<&dimg::PullTotals> for dimg_pull_totals {
    fn from(totals: &dimg::PullTotals) -> dimg_pull_totals {
        let millis = |d: std::time::Duration| u64::try_from(d.as_millis()).unwrap_or(u64::MAX);
        dimg_pull_totals {
            images: totals.images,
            images_done: totals.images_done,
            images_failed: totals.images_failed,
            layers: totals.layers,
            layers_done: totals.layers_done,
            bytes_done: totals.bytes_done,
            bytes_total: totals.bytes_total,
            elapsed_ms: millis(totals.elapsed),
            rate: totals.rate(),
            eta_ms: totals
                .eta()
                .map_or(-1, |eta| i64::try_from(millis(eta)).unwrap_or(i64::MAX)),
        }
    }
}

/// What a `dimg_pull_many_progress` reports. The numbers are stable.
#[repr(C)]
#[allow(non_camel_case_types)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum dimg_pull_many_kind {
    /// The image's pull started (at most `concurrency` run at once; the others wait their
    /// turn).
    Started = 0,
    /// The next message of the image's pull: `event`.
    Event = 1,
    /// The image's pull ended: `result` and `message` say how.
    Finished = 2,
}

/// One update of a `dimg_client_pull_many`, passed to its progress callback. Everything in it
/// is borrowed until the callback returns: copy what you want to keep.
#[repr(C)]
#[allow(non_camel_case_types)]
#[derive(Debug)]
pub struct dimg_pull_many_progress {
    /// The image's position in the references given.
    pub index: usize,
    /// The image's normalised reference (`docker.io/library/alpine:3.19`).
    pub reference: *const c_char,
    /// Started, a message of its pull, or finished.
    pub kind: dimg_pull_many_kind,
    /// For `DIMG_PULL_MANY_KIND_EVENT`: the message, as `dimg_client_pull`'s callback gets it
    /// (a retry is one of phase `DIMG_PULL_PHASE_RETRY`). NULL otherwise.
    pub event: *const dimg_pull_progress,
    /// For `DIMG_PULL_MANY_KIND_FINISHED`: `DIMG_RESULT_OK`, or why the image's pull failed
    /// (`DIMG_RESULT_NOT_FOUND`, ...). `DIMG_RESULT_OK` otherwise.
    pub result: dimg_result,
    /// For a failed `DIMG_PULL_MANY_KIND_FINISHED`: the error message (the whole cause chain);
    /// "" otherwise.
    pub message: *const c_char,
    /// All images, after this update.
    pub totals: dimg_pull_totals,
}

/// The progress callback of `dimg_client_pull_many`: called on the thread that called it,
/// once per update of any image, in the order they happen. Return 0 to go on, non-zero to
/// stop every pull (the call then returns `DIMG_RESULT_CANCELLED`; the daemon stops pulling).
/// It must not call `dimg_client_*` functions (they return `DIMG_RESULT_REENTRANT`).
#[allow(non_camel_case_types)]
pub type dimg_pull_many_cb =
    Option<unsafe extern "C" fn(userdata: *mut c_void, progress: *const dimg_pull_many_progress) -> c_int>;

/// How one image of a `dimg_client_pull_many` ended.
#[derive(Debug)]
struct PulledImage {
    code: dimg_result,
    message: CString,
    http_status: u16,
    attempts: u32,
    outcome: dimg_pull_outcome,
    digest: CString,
}

impl From<dimg::Result<dimg::PullSummary>> for PulledImage {
    fn from(result: dimg::Result<dimg::PullSummary>) -> PulledImage {
        match result {
            Ok(summary) => PulledImage {
                code: dimg_result::Ok,
                message: CString::default(),
                http_status: 0,
                attempts: 1,
                outcome: summary.outcome.into(),
                digest: cstring(summary.digest.unwrap_or_default()),
            },
            Err(error) => {
                let failure = Failure::from(&error);
                PulledImage {
                    code: failure.code,
                    message: cstring(failure.message),
                    http_status: failure.http_status,
                    attempts: failure.attempts,
                    outcome: dimg_pull_outcome::Unknown,
                    digest: CString::default(),
                }
            }
        }
    }
}

/// What a `dimg_client_pull_many` did: one result per image, in the order given, and the
/// totals at the end. Made by `dimg_client_pull_many`, released by
/// `dimg_pull_many_result_free`; immutable.
#[allow(non_camel_case_types)]
#[derive(Debug)]
pub struct dimg_pull_many_result {
    images: Vec<PulledImage>,
    totals: dimg_pull_totals,
}

impl dimg_pull_many_result {
    fn image(&self, index: usize) -> Option<&PulledImage> {
        self.images.get(index)
    }
}

type ProgressFn = unsafe extern "C" fn(userdata: *mut c_void, progress: *const dimg_pull_many_progress) -> c_int;

fn call_progress(callback: ProgressFn, userdata: *mut c_void, progress: &dimg_pull_many_progress) -> c_int {
    // SAFETY: the caller of dimg_client_pull_many promises a valid callback for this userdata;
    // `progress` and everything it points to outlive the call.
    unsafe { callback(userdata, progress) }
}

/// `docker pull A B C ...` at once: pulls the `count` images of `references`, at most
/// `concurrency` at a time, each as `dimg_client_pull` would with `options` (and the client's
/// timeouts and retry policy), with one progress over all of them.
///
/// Every reference is checked first: one bad reference fails the whole call before anything
/// is sent. Otherwise the result is `DIMG_RESULT_OK` even when images fail: a failed image
/// does not stop the others, and each image's result is in `*result_out`
/// (`dimg_pull_many_result_code`, ..., by index in `references`), to be released with
/// `dimg_pull_many_result_free`. `options` may be NULL for the defaults. `on_progress` (may be
/// NULL) is called on this thread for each update of each image (started, each message,
/// finished) with the totals over all images (`dimg_pull_totals`), and `userdata` as its first
/// argument; returning non-zero stops every pull. `references` may be NULL when `count` is 0.
///
/// ```c
/// static int show(void *userdata, const dimg_pull_many_progress *p) {
///     (void)userdata;
///     if (p->kind == DIMG_PULL_MANY_KIND_FINISHED)
///         fprintf(stderr, "%s: %s\n", p->reference, dimg_result_name(p->result));
///     fprintf(stderr, "%zu/%zu images, %llu/%llu bytes\n", p->totals.images_done, p->totals.images,
///             (unsigned long long)p->totals.bytes_done, (unsigned long long)p->totals.bytes_total);
///     return 0;
/// }
///
/// const char *refs[] = {"alpine:3.19", "busybox:1.36", "nginx:1.25"};
/// dimg_pull_many_result *result = NULL;
/// if (dimg_client_pull_many(client, refs, 3, NULL, 2, show, NULL, &result) == DIMG_RESULT_OK) {
///     for (size_t i = 0; i < dimg_pull_many_result_len(result); i++)
///         if (dimg_pull_many_result_code(result, i) != DIMG_RESULT_OK)
///             fprintf(stderr, "%s: %s\n", refs[i], dimg_pull_many_result_message(result, i));
/// }
/// dimg_pull_many_result_free(result);
/// ```
///
/// Errors (nothing is pulled then): `DIMG_RESULT_INVALID_REFERENCE` for a bad reference;
/// `DIMG_RESULT_INVALID_ARGUMENT` for NULL `client` or `result_out`, a NULL `references` with
/// a non-zero count, a NULL or non-UTF-8 reference, a concurrency of 0, and what
/// `dimg_client_pull` refuses for these options (a tag with all tags, an invalid platform);
/// `DIMG_RESULT_CANCELLED` (the callback returned non-zero: every pull was stopped, no result is
/// written); `DIMG_RESULT_REENTRANT`. Each image's own failure (`DIMG_RESULT_NOT_FOUND`,
/// `DIMG_RESULT_RATE_LIMITED`, `DIMG_RESULT_TIMEOUT`, ...) is in the result.
#[allow(clippy::too_many_arguments)]
#[unsafe(no_mangle)]
pub extern "C" fn dimg_client_pull_many(
    client: *const dimg_client,
    references: *const *const c_char,
    count: usize,
    options: *const dimg_pull_options,
    concurrency: usize,
    on_progress: dimg_pull_many_cb,
    userdata: *mut c_void,
    result_out: *mut *mut dimg_pull_many_result,
) -> dimg_result {
    ffi_boundary! {
        fallible(|| {
            // Everything is copied out of C's objects first: the callback may free them.
            let client = arg_ref(client, "client")?.client.clone();
            let references = arg_str_array(references, count, "references")?;
            let options = opt_ref(options).map(dimg_pull_options::to_core).unwrap_or_default();
            let out = out_arg(result_out, "result_out")?;
            let mut totals = dimg_pull_totals::empty();
            // One buffer per string, reused from update to update (no allocation per event).
            let (mut reference, mut id, mut status) = (Vec::new(), Vec::new(), Vec::new());
            let pulls = client.images().pull_many(&references, &options, concurrency);
            // The callback runs inside the call, so a dimg call made from it is REENTRANT; a
            // non-zero return stops every pull (their connections are closed).
            let results = pulls.finish_with(|update| {
                totals = dimg_pull_totals::from(update.totals);
                let Some(callback) = on_progress else { return Ok(()) };
                let event;
                let (kind, event, result, message) = match &update.update {
                    dimg::PullUpdate::Started => (dimg_pull_many_kind::Started, None, dimg_result::Ok, None),
                    dimg::PullUpdate::Event(e) => {
                        event = progress_of(e, &mut id, &mut status);
                        (dimg_pull_many_kind::Event, Some(&event), dimg_result::Ok, None)
                    }
                    dimg::PullUpdate::Finished(Ok(_)) => (dimg_pull_many_kind::Finished, None, dimg_result::Ok, None),
                    dimg::PullUpdate::Finished(Err(error)) => {
                        let failure = Failure::from(error);
                        (dimg_pull_many_kind::Finished, None, failure.code, Some(cstring(failure.message)))
                    }
                    // An update kind added to the core later: C has no name for it.
                    _ => return Ok(()),
                };
                let progress = dimg_pull_many_progress {
                    index: update.index,
                    reference: fill_c_string(&mut reference, update.reference),
                    kind,
                    event: event.map_or(ptr::null(), |e| e as *const dimg_pull_progress),
                    result,
                    message: message.as_deref().map_or(c"".as_ptr(), c_ptr),
                    totals,
                };
                match call_progress(callback, userdata, &progress) {
                    0 => Ok(()),
                    _ => Err("the pulls were cancelled by their progress callback".into()),
                }
            })?;
            write_out(
                out,
                dimg_pull_many_result {
                    images: results.into_iter().map(PulledImage::from).collect(),
                    totals,
                },
            );
            Ok(())
        })
    }
}

/// Releases a pull_many result and everything borrowed from it. NULL does nothing.
#[unsafe(no_mangle)]
pub extern "C" fn dimg_pull_many_result_free(result: *mut dimg_pull_many_result) {
    ffi_boundary! { free_box(result) }
}

/// The number of images (the `count` given); 0 for NULL.
#[unsafe(no_mangle)]
pub extern "C" fn dimg_pull_many_result_len(result: *const dimg_pull_many_result) -> usize {
    ffi_boundary! { opt_ref(result).map_or(0, |r| r.images.len()) }
}

/// `DIMG_RESULT_OK` when image `index` was pulled (or skipped by the pull policy), else why
/// not (`DIMG_RESULT_NOT_FOUND`, `DIMG_RESULT_RATE_LIMITED`, ...; with a retry policy, the
/// last attempt's code). `DIMG_RESULT_INVALID_ARGUMENT` for NULL or an index out of range.
#[unsafe(no_mangle)]
pub extern "C" fn dimg_pull_many_result_code(result: *const dimg_pull_many_result, index: usize) -> dimg_result {
    ffi_boundary! {
        opt_ref(result)
            .and_then(|r| r.image(index))
            .map_or(dimg_result::InvalidArgument, |i| i.code)
    }
}

/// The error message of image `index` (the whole cause chain, "gave up after N attempts: ..."
/// when retried), "" when it was pulled. Borrowed until the result is freed; NULL for NULL or
/// an index out of range.
#[unsafe(no_mangle)]
pub extern "C" fn dimg_pull_many_result_message(result: *const dimg_pull_many_result, index: usize) -> *const c_char {
    ffi_boundary! {
        opt_ref(result)
            .and_then(|r| r.image(index))
            .map_or(ptr::null(), |i| c_ptr(&i.message))
    }
}

/// The daemon's HTTP status for a failed image `index` (404, 500, ...), 0 when it was pulled,
/// the failure did not come from one, or for NULL or an index out of range.
#[unsafe(no_mangle)]
pub extern "C" fn dimg_pull_many_result_http_status(result: *const dimg_pull_many_result, index: usize) -> u16 {
    ffi_boundary! { opt_ref(result).and_then(|r| r.image(index)).map_or(0, |i| i.http_status) }
}

/// How many attempts the pull of image `index` made when it failed (more than 1 only with a
/// retry policy that tried again); 1 when it was pulled; 0 for NULL or an index out of range.
#[unsafe(no_mangle)]
pub extern "C" fn dimg_pull_many_result_attempts(result: *const dimg_pull_many_result, index: usize) -> u32 {
    ffi_boundary! { opt_ref(result).and_then(|r| r.image(index)).map_or(0, |i| i.attempts) }
}

/// Downloaded, up to date or skipped for a pulled image `index`; `DIMG_PULL_OUTCOME_UNKNOWN`
/// for a failed one (and for NULL or an index out of range).
#[unsafe(no_mangle)]
pub extern "C" fn dimg_pull_many_result_outcome(
    result: *const dimg_pull_many_result,
    index: usize,
) -> dimg_pull_outcome {
    ffi_boundary! {
        opt_ref(result)
            .and_then(|r| r.image(index))
            .map_or(dimg_pull_outcome::Unknown, |i| i.outcome)
    }
}

/// The manifest digest (`sha256:...`) of a pulled image `index`, "" for a failed one (or when
/// the daemon did not say). Borrowed until the result is freed; NULL for NULL or an index out
/// of range.
#[unsafe(no_mangle)]
pub extern "C" fn dimg_pull_many_result_digest(result: *const dimg_pull_many_result, index: usize) -> *const c_char {
    ffi_boundary! {
        opt_ref(result)
            .and_then(|r| r.image(index))
            .map_or(ptr::null(), |i| c_ptr(&i.digest))
    }
}

/// The totals once every pull had ended (what the callback's last update said). Borrowed until
/// the result is freed; NULL for NULL.
#[unsafe(no_mangle)]
pub extern "C" fn dimg_pull_many_result_totals(result: *const dimg_pull_many_result) -> *const dimg_pull_totals {
    ffi_boundary! { opt_ref(result).map_or(ptr::null(), |r| &r.totals as *const dimg_pull_totals) }
}

impl crate::ffi::PanicValue for dimg_pull_many_kind {
    fn panic_value() -> Self {
        dimg_pull_many_kind::Started
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn totals_say_an_unknown_eta_as_minus_one() {
        let empty = dimg_pull_totals::empty();
        assert_eq!((empty.images, empty.bytes_total, empty.eta_ms), (0, 0, -1));
        assert_eq!(empty.rate, 0.0);
        let mut totals = dimg::PullTotals::default();
        totals.images = 2;
        totals.bytes_done = 50;
        totals.bytes_total = 200;
        totals.elapsed = std::time::Duration::from_secs(1);
        let c = dimg_pull_totals::from(&totals);
        assert_eq!(
            (c.images, c.bytes_done, c.bytes_total, c.elapsed_ms),
            (2, 50, 200, 1000)
        );
        assert_eq!((c.rate, c.eta_ms), (50.0, 3000));
    }

    #[test]
    fn each_image_keeps_its_code_message_and_attempts() {
        let retried = dimg::Error::Retried {
            attempts: 3,
            last: Box::new(dimg::Error::Api {
                status: 503,
                message: "Service Unavailable".into(),
            }),
        };
        let image = PulledImage::from(Err(retried));
        assert_eq!(
            (image.code, image.http_status, image.attempts),
            (dimg_result::Api, 503, 3)
        );
        assert_eq!(
            image.message.to_str().unwrap(),
            "gave up after 3 attempts: Service Unavailable"
        );
        assert_eq!(
            (image.outcome, image.digest.as_bytes()),
            (dimg_pull_outcome::Unknown, &b""[..])
        );
    }
}
