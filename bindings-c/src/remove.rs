//! `docker rmi`: `dimg_remove_options`, `dimg_client_remove_image`,
//! `dimg_client_remove_images`, `dimg_removed_items`, `dimg_remove_report`.

use std::ffi::{CString, c_char};
use std::ptr;

use crate::client::dimg_client;
use crate::error::{Failure, dimg_result, fallible};
use crate::ffi::{
    arg_mut, arg_ref, arg_str, arg_str_array, c_ptr, cstring, free_box, into_raw, item_ptr, opt_ref, out_arg, write_out,
};

/// Options of `dimg_client_remove_image` / `dimg_client_remove_images` (`docker rmi`). Made by
/// `dimg_remove_options_new`, released by `dimg_remove_options_free`. Change it from one thread
/// at a time; calls only read it.
#[allow(non_camel_case_types)]
#[derive(Debug, Default)]
pub struct dimg_remove_options {
    /// The core's options themselves: each setter is the core's setter of the same name.
    options: dimg::RemoveOptions,
}

impl dimg_remove_options {
    fn to_core(&self) -> dimg::RemoveOptions {
        self.options.clone()
    }
}

/// New remove options: neither force nor noprune. Release with `dimg_remove_options_free`.
/// Never NULL (except on an internal error).
#[unsafe(no_mangle)]
pub extern "C" fn dimg_remove_options_new() -> *mut dimg_remove_options {
    ffi_boundary! { into_raw(dimg_remove_options::default()) }
}

/// Releases remove options. NULL does nothing.
#[unsafe(no_mangle)]
pub extern "C" fn dimg_remove_options_free(options: *mut dimg_remove_options) {
    ffi_boundary! { free_box(options) }
}

/// Untag every reference and remove the image even if stopped containers use it
/// (`docker rmi -f`); also makes "no such image" not count in the report's exit code.
/// Errors: `DIMG_RESULT_INVALID_ARGUMENT` for NULL `options`.
#[unsafe(no_mangle)]
pub extern "C" fn dimg_remove_options_set_force(options: *mut dimg_remove_options, force: bool) -> dimg_result {
    ffi_boundary! {
        fallible(|| {
            arg_mut(options, "options")?.options.set_force(force);
            Ok(())
        })
    }
}

/// Keep untagged parents (`docker rmi --no-prune`).
/// Errors: `DIMG_RESULT_INVALID_ARGUMENT` for NULL `options`.
#[unsafe(no_mangle)]
pub extern "C" fn dimg_remove_options_set_noprune(options: *mut dimg_remove_options, noprune: bool) -> dimg_result {
    ffi_boundary! {
        fallible(|| {
            arg_mut(options, "options")?.options.set_noprune(noprune);
            Ok(())
        })
    }
}

/// What one line of a removal says.
#[repr(C)]
#[allow(non_camel_case_types)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum dimg_removed_kind {
    /// Only for a NULL item.
    Unknown = 0,
    /// A reference was removed from an image (`Untagged: tiny:1.0`).
    Untagged = 1,
    /// An image or layer was deleted (`Deleted: sha256:...`).
    Deleted = 2,
}

/// One line of a removal (or of a prune report). Borrowed from the object it came from;
/// immutable.
#[allow(non_camel_case_types)]
#[derive(Debug)]
pub struct dimg_removed_item {
    kind: dimg_removed_kind,
    value: CString,
    line: CString,
}

/// What a removal untagged and deleted, in docker's order (every untag before every delete).
/// From `dimg_client_remove_image` it is owned by the caller and released with
/// `dimg_removed_items_free`; from `dimg_remove_outcome_items` it is borrowed from the report.
/// Immutable.
#[allow(non_camel_case_types)]
#[derive(Debug, Default)]
pub struct dimg_removed_items {
    items: Vec<dimg_removed_item>,
}

impl dimg_removed_items {
    /// The C view of a removal's items (also a prune report's).
    pub(crate) fn new(items: Vec<dimg::RemovedItem>) -> dimg_removed_items {
        dimg_removed_items {
            items: items
                .into_iter()
                .map(|item| {
                    let line = cstring(item.to_string());
                    let (kind, value) = match item {
                        dimg::RemovedItem::Untagged(r) => (dimg_removed_kind::Untagged, r),
                        dimg::RemovedItem::Deleted(id) => (dimg_removed_kind::Deleted, id),
                    };
                    dimg_removed_item {
                        kind,
                        value: cstring(value),
                        line,
                    }
                })
                .collect(),
        }
    }

    pub(crate) fn items(&self) -> &[dimg_removed_item] {
        &self.items
    }
}

/// `docker rmi NAME|ID`: untags `name`, and deletes the image when its last reference goes.
///
/// `options` may be NULL for the defaults. On success `*items_out` lists what happened, to be
/// released with `dimg_removed_items_free`.
///
/// Errors: `DIMG_RESULT_INVALID_REFERENCE` for a name that is neither a reference nor an id
/// (nothing sent); `DIMG_RESULT_NOT_FOUND` (404); `DIMG_RESULT_CONFLICT` (409: used by a
/// container, or an id referenced in several repositories without force);
/// `DIMG_RESULT_INVALID_ARGUMENT` for NULL or non-UTF-8 arguments; `DIMG_RESULT_CONNECT`,
/// `DIMG_RESULT_TIMEOUT`, `DIMG_RESULT_API`, `DIMG_RESULT_PROTOCOL`, `DIMG_RESULT_REENTRANT`.
#[unsafe(no_mangle)]
pub extern "C" fn dimg_client_remove_image(
    client: *const dimg_client,
    name: *const c_char,
    options: *const dimg_remove_options,
    items_out: *mut *mut dimg_removed_items,
) -> dimg_result {
    ffi_boundary! {
        fallible(|| {
            let client = arg_ref(client, "client")?.client.clone();
            let name = arg_str(name, "name")?.to_string();
            let options = opt_ref(options).map(dimg_remove_options::to_core).unwrap_or_default();
            let out = out_arg(items_out, "items_out")?;
            let items = client.images().remove(&name, &options)?;
            write_out(out, dimg_removed_items::new(items));
            Ok(())
        })
    }
}

/// Releases removed items made by `dimg_client_remove_image`. NULL does nothing. Never pass
/// the items borrowed from a report (`dimg_remove_outcome_items`).
#[unsafe(no_mangle)]
pub extern "C" fn dimg_removed_items_free(items: *mut dimg_removed_items) {
    ffi_boundary! { free_box(items) }
}

/// The number of lines; 0 for NULL.
#[unsafe(no_mangle)]
pub extern "C" fn dimg_removed_items_len(items: *const dimg_removed_items) -> usize {
    ffi_boundary! { opt_ref(items).map_or(0, |i| i.items.len()) }
}

/// Line `index` (borrowed like `items`), or NULL when `items` is NULL or `index` is out of
/// range.
#[unsafe(no_mangle)]
pub extern "C" fn dimg_removed_items_get(items: *const dimg_removed_items, index: usize) -> *const dimg_removed_item {
    ffi_boundary! { opt_ref(items).map_or(ptr::null(), |i| item_ptr(&i.items, index)) }
}

/// Untagged or deleted (`DIMG_REMOVED_KIND_UNKNOWN` for NULL).
#[unsafe(no_mangle)]
pub extern "C" fn dimg_removed_item_kind(item: *const dimg_removed_item) -> dimg_removed_kind {
    ffi_boundary! { opt_ref(item).map_or(dimg_removed_kind::Unknown, |i| i.kind) }
}

/// The reference that was untagged, or the full `sha256:` id that was deleted. Borrowed like
/// the item; NULL for NULL.
#[unsafe(no_mangle)]
pub extern "C" fn dimg_removed_item_value(item: *const dimg_removed_item) -> *const c_char {
    ffi_boundary! { opt_ref(item).map_or(ptr::null(), |i| c_ptr(&i.value)) }
}

/// The docker CLI's line for the item, `Untagged: tiny:1.0` or `Deleted: sha256:...`.
/// Borrowed like the item; NULL for NULL.
#[unsafe(no_mangle)]
pub extern "C" fn dimg_removed_item_line(item: *const dimg_removed_item) -> *const c_char {
    ffi_boundary! { opt_ref(item).map_or(ptr::null(), |i| c_ptr(&i.line)) }
}

/// The outcome of removing one target of `dimg_client_remove_images`. Borrowed from the
/// report: valid until it is freed; immutable.
#[allow(non_camel_case_types)]
#[derive(Debug)]
pub struct dimg_remove_outcome {
    target: CString,
    result: dimg_result,
    message: CString,
    cli_message: CString,
    http_status: u16,
    items: dimg_removed_items,
}

/// What `docker rmi A B C` did: one outcome per target, in order, and docker's exit code. Made
/// by `dimg_client_remove_images`, released by `dimg_remove_report_free`; immutable.
#[allow(non_camel_case_types)]
#[derive(Debug)]
pub struct dimg_remove_report {
    outcomes: Vec<dimg_remove_outcome>,
    exit_code: i32,
}

/// `docker rmi NAME...`: removes each of the `count` targets in `names` in turn, going on after
/// failures, and reports every outcome (`dimg_remove_report_get`) and docker's exit code
/// (`dimg_remove_report_exit_code`).
///
/// `options` may be NULL for the defaults. `names` may be NULL when `count` is 0. The result
/// is `DIMG_RESULT_OK` even when targets fail: their errors are in the report. On success
/// `*report_out` is a new report, to be released with `dimg_remove_report_free`.
///
/// Errors: `DIMG_RESULT_INVALID_ARGUMENT` for NULL `client` or `report_out`, a NULL `names` with
/// a non-zero count, a NULL or non-UTF-8 name (nothing is removed then);
/// `DIMG_RESULT_REENTRANT`.
#[unsafe(no_mangle)]
pub extern "C" fn dimg_client_remove_images(
    client: *const dimg_client,
    names: *const *const c_char,
    count: usize,
    options: *const dimg_remove_options,
    report_out: *mut *mut dimg_remove_report,
) -> dimg_result {
    ffi_boundary! {
        fallible(|| {
            let client = arg_ref(client, "client")?.client.clone();
            let names: Vec<String> = arg_str_array(names, count, "names")?
                .into_iter()
                .map(str::to_string)
                .collect();
            let options = opt_ref(options).map(dimg_remove_options::to_core).unwrap_or_default();
            let out = out_arg(report_out, "report_out")?;
            let report = client.images().remove_many(&names, &options)?;
            let exit_code = report.exit_code();
            let outcomes = report
                .outcomes
                .into_iter()
                .map(|outcome| {
                    let target = cstring(outcome.target);
                    match outcome.result {
                        Ok(items) => dimg_remove_outcome {
                            target,
                            result: dimg_result::Ok,
                            message: CString::default(),
                            cli_message: CString::default(),
                            http_status: 0,
                            items: dimg_removed_items::new(items),
                        },
                        Err(error) => {
                            let failure = Failure::from(&error);
                            dimg_remove_outcome {
                                target,
                                result: failure.code,
                                message: cstring(failure.message),
                                cli_message: cstring(failure.cli_message),
                                http_status: failure.http_status,
                                items: dimg_removed_items::default(),
                            }
                        }
                    }
                })
                .collect();
            write_out(out, dimg_remove_report { outcomes, exit_code });
            Ok(())
        })
    }
}

/// Releases a report and everything borrowed from it. NULL does nothing.
#[unsafe(no_mangle)]
pub extern "C" fn dimg_remove_report_free(report: *mut dimg_remove_report) {
    ffi_boundary! { free_box(report) }
}

/// docker's exit code for the removal: 0 without errors; with force, 0 when every error is "no
/// such image"; otherwise 1. Also 1 for NULL.
#[unsafe(no_mangle)]
pub extern "C" fn dimg_remove_report_exit_code(report: *const dimg_remove_report) -> i32 {
    ffi_boundary! { opt_ref(report).map_or(1, |r| r.exit_code) }
}

/// The number of outcomes (one per target); 0 for NULL.
#[unsafe(no_mangle)]
pub extern "C" fn dimg_remove_report_len(report: *const dimg_remove_report) -> usize {
    ffi_boundary! { opt_ref(report).map_or(0, |r| r.outcomes.len()) }
}

/// Outcome `index` (borrowed until the report is freed), or NULL when `report` is NULL or
/// `index` is out of range.
#[unsafe(no_mangle)]
pub extern "C" fn dimg_remove_report_get(
    report: *const dimg_remove_report,
    index: usize,
) -> *const dimg_remove_outcome {
    ffi_boundary! { opt_ref(report).map_or(ptr::null(), |r| item_ptr(&r.outcomes, index)) }
}

/// The target as it was given. Borrowed until the report is freed; NULL for NULL.
#[unsafe(no_mangle)]
pub extern "C" fn dimg_remove_outcome_target(outcome: *const dimg_remove_outcome) -> *const c_char {
    ffi_boundary! { opt_ref(outcome).map_or(ptr::null(), |o| c_ptr(&o.target)) }
}

/// `DIMG_RESULT_OK` when the target was removed, else why not (`DIMG_RESULT_NOT_FOUND`,
/// `DIMG_RESULT_CONFLICT`, ...). `DIMG_RESULT_INVALID_ARGUMENT` for NULL.
#[unsafe(no_mangle)]
pub extern "C" fn dimg_remove_outcome_result(outcome: *const dimg_remove_outcome) -> dimg_result {
    ffi_boundary! { opt_ref(outcome).map_or(dimg_result::InvalidArgument, |o| o.result) }
}

/// The error message (the whole cause chain), "" on success. Borrowed until the report is
/// freed; NULL for NULL.
#[unsafe(no_mangle)]
pub extern "C" fn dimg_remove_outcome_message(outcome: *const dimg_remove_outcome) -> *const c_char {
    ffi_boundary! { opt_ref(outcome).map_or(ptr::null(), |o| c_ptr(&o.message)) }
}

/// The error in the docker CLI's wording (`Error response from daemon: No such image: x:1`),
/// "" on success. Borrowed until the report is freed; NULL for NULL.
#[unsafe(no_mangle)]
pub extern "C" fn dimg_remove_outcome_cli_message(outcome: *const dimg_remove_outcome) -> *const c_char {
    ffi_boundary! { opt_ref(outcome).map_or(ptr::null(), |o| c_ptr(&o.cli_message)) }
}

/// The daemon's HTTP status for a failed target (404, 409, ...), 0 on success or for NULL.
#[unsafe(no_mangle)]
pub extern "C" fn dimg_remove_outcome_http_status(outcome: *const dimg_remove_outcome) -> u16 {
    ffi_boundary! { opt_ref(outcome).map_or(0, |o| o.http_status) }
}

/// What removing this target untagged and deleted (empty when it failed). Borrowed until the
/// report is freed: never pass it to `dimg_removed_items_free`. NULL for NULL.
#[unsafe(no_mangle)]
pub extern "C" fn dimg_remove_outcome_items(outcome: *const dimg_remove_outcome) -> *const dimg_removed_items {
    ffi_boundary! { opt_ref(outcome).map_or(ptr::null(), |o| &o.items as *const dimg_removed_items) }
}
impl crate::ffi::PanicValue for dimg_removed_kind {
    fn panic_value() -> Self {
        dimg_removed_kind::Unknown
    }
}
