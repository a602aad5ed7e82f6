//! `docker image prune`: `dimg_prune_options`, `dimg_client_prune_images`,
//! `dimg_prune_report`.

use std::ffi::c_char;
use std::ptr;

use crate::client::dimg_client;
use crate::error::{dimg_result, fallible};
use crate::ffi::{arg_mut, arg_ref, arg_str, free_box, into_raw, item_ptr, opt_ref, out_arg, write_out};
use crate::remove::{dimg_removed_item, dimg_removed_items};

/// Options of `dimg_client_prune_images` (`docker image prune`). Made by
/// `dimg_prune_options_new`, released by `dimg_prune_options_free`. Change it from one thread
/// at a time; calls only read it, and it may be reused and freed right after any call.
#[allow(non_camel_case_types)]
#[derive(Debug, Default)]
pub struct dimg_prune_options {
    /// The core's options themselves: each setter is the core's setter of the same name.
    options: dimg::PruneOptions,
}

impl dimg_prune_options {
    fn to_core(&self) -> dimg::PruneOptions {
        self.options.clone()
    }
}

/// New prune options: dangling images only, no filter, as plain `docker image prune`.
/// Release with `dimg_prune_options_free`. Never NULL (except on an internal error).
///
/// ```c
/// dimg_prune_options *options = dimg_prune_options_new();
/// // docker image prune -a --filter until=24h --filter label=stage=build
/// dimg_prune_options_set_all(options, true);
/// dimg_prune_options_add_filter(options, "until=24h");
/// dimg_prune_options_add_filter(options, "label=stage=build");
/// ```
#[unsafe(no_mangle)]
pub extern "C" fn dimg_prune_options_new() -> *mut dimg_prune_options {
    ffi_boundary! { into_raw(dimg_prune_options::default()) }
}

/// Releases prune options. NULL does nothing.
#[unsafe(no_mangle)]
pub extern "C" fn dimg_prune_options_free(options: *mut dimg_prune_options) {
    ffi_boundary! { free_box(options) }
}

/// Remove every image no container uses, not only dangling ones (`docker image prune -a`).
/// Podman's compatible API cannot: the prune then fails with `DIMG_RESULT_UNSUPPORTED_OPTION`.
/// Errors: `DIMG_RESULT_INVALID_ARGUMENT` for NULL `options`.
#[unsafe(no_mangle)]
pub extern "C" fn dimg_prune_options_set_all(options: *mut dimg_prune_options, all: bool) -> dimg_result {
    ffi_boundary! {
        fallible(|| {
            arg_mut(options, "options")?.options.set_all(all);
            Ok(())
        })
    }
}

/// Adds a filter (`docker image prune --filter KEY=VALUE`): `until=TIMESTAMP|DURATION`
/// (`until=24h`), `label=KEY` or `label=KEY=VALUE`, `label!=KEY` or `label!=KEY=VALUE` (the
/// text is split at its first `=`). Repeatable: filters with the same key are alternatives,
/// different keys all apply. Dangling or not is `dimg_prune_options_set_all`, not a filter.
/// The text is checked now.
///
/// ```c
/// dimg_prune_options_add_filter(options, "label!=keep");
/// ```
///
/// Errors: `DIMG_RESULT_INVALID_ARGUMENT` for NULL, non-UTF-8, a missing `=`, an empty value,
/// an unknown key (`dangling` included). The options are unchanged then.
#[unsafe(no_mangle)]
pub extern "C" fn dimg_prune_options_add_filter(
    options: *mut dimg_prune_options,
    key_value: *const c_char,
) -> dimg_result {
    ffi_boundary! {
        fallible(|| {
            let options = arg_mut(options, "options")?;
            let filter = arg_str(key_value, "key_value")?.parse()?;
            options.options.add_filter(filter);
            Ok(())
        })
    }
}

/// What `docker image prune` removed: the references untagged and the images deleted, in the
/// daemon's order, and the bytes reclaimed. Made by `dimg_client_prune_images`, released by
/// `dimg_prune_report_free`; immutable.
#[allow(non_camel_case_types)]
#[derive(Debug)]
pub struct dimg_prune_report {
    items: dimg_removed_items,
    space_reclaimed: u64,
}

/// `docker image prune`: removes the dangling images (with `dimg_prune_options_set_all`,
/// every image no container uses) that match the options' filters.
///
/// `options` may be NULL for the defaults (dangling images, no filter). On success
/// `*report_out` says what went (`dimg_prune_report_len`, `dimg_prune_report_get`,
/// `dimg_prune_report_space_reclaimed`), to be released with `dimg_prune_report_free`.
///
/// ```c
/// dimg_prune_options *options = dimg_prune_options_new();
/// dimg_prune_options_add_filter(options, "label=stage=build");
/// dimg_prune_report *report = NULL;
/// if (dimg_client_prune_images(client, options, &report) == DIMG_RESULT_OK) {
///     for (size_t i = 0; i < dimg_prune_report_len(report); i++)
///         printf("%s\n", dimg_removed_item_line(dimg_prune_report_get(report, i)));
///     printf("Total reclaimed space: %llu bytes\n",
///            (unsigned long long)dimg_prune_report_space_reclaimed(report));
/// }
/// dimg_prune_report_free(report);
/// dimg_prune_options_free(options);
/// ```
///
/// Errors: `DIMG_RESULT_INVALID_ARGUMENT` for NULL `client` or `report_out`;
/// `DIMG_RESULT_UNSUPPORTED_OPTION` on Podman for `all` (its compatible API prunes dangling
/// images only) and for a `label!` filter (which it would ignore), with nothing removed;
/// `DIMG_RESULT_API` for what the daemon refuses (a bad `until` value), `DIMG_RESULT_CONFLICT`
/// when another prune is running; `DIMG_RESULT_CONNECT`, `DIMG_RESULT_TIMEOUT`,
/// `DIMG_RESULT_PROTOCOL`, `DIMG_RESULT_REENTRANT`.
#[unsafe(no_mangle)]
pub extern "C" fn dimg_client_prune_images(
    client: *const dimg_client,
    options: *const dimg_prune_options,
    report_out: *mut *mut dimg_prune_report,
) -> dimg_result {
    ffi_boundary! {
        fallible(|| {
            let client = arg_ref(client, "client")?.client.clone();
            let options = opt_ref(options).map(dimg_prune_options::to_core).unwrap_or_default();
            let out = out_arg(report_out, "report_out")?;
            let report = client.images().prune(&options)?;
            write_out(
                out,
                dimg_prune_report {
                    items: dimg_removed_items::new(report.deleted),
                    space_reclaimed: report.space_reclaimed,
                },
            );
            Ok(())
        })
    }
}

/// Releases a prune report and the items borrowed from it. NULL does nothing.
#[unsafe(no_mangle)]
pub extern "C" fn dimg_prune_report_free(report: *mut dimg_prune_report) {
    ffi_boundary! { free_box(report) }
}

/// The number of items (untagged references and deleted images); 0 for NULL.
#[unsafe(no_mangle)]
pub extern "C" fn dimg_prune_report_len(report: *const dimg_prune_report) -> usize {
    ffi_boundary! { opt_ref(report).map_or(0, |r| r.items.items().len()) }
}

/// Item `index`, read with `dimg_removed_item_kind`, `dimg_removed_item_value` and
/// `dimg_removed_item_line` (borrowed until the report is freed), or NULL when `report` is
/// NULL or `index` is out of range.
#[unsafe(no_mangle)]
pub extern "C" fn dimg_prune_report_get(report: *const dimg_prune_report, index: usize) -> *const dimg_removed_item {
    ffi_boundary! { opt_ref(report).map_or(ptr::null(), |r| item_ptr(r.items.items(), index)) }
}

/// The bytes freed, as the daemon counts them (`Total reclaimed space`); 0 for NULL.
#[unsafe(no_mangle)]
pub extern "C" fn dimg_prune_report_space_reclaimed(report: *const dimg_prune_report) -> u64 {
    ffi_boundary! { opt_ref(report).map_or(0, |r| r.space_reclaimed) }
}
