//! `docker search`: `dimg_search_options`, `dimg_client_search`, `dimg_search_results`,
//! `dimg_search_result`.

use std::ffi::{CString, c_char};
use std::ptr;

use crate::client::dimg_client;
use crate::error::{dimg_result, fallible};
use crate::ffi::{
    arg_mut, arg_ref, arg_str, c_ptr, cstring, free_box, into_raw, item_ptr, opt_ref, out_arg, write_out,
};

/// Options of `dimg_client_search` (`docker search`). Made by `dimg_search_options_new`,
/// released by `dimg_search_options_free`. Change it from one thread at a time; calls only
/// read it.
#[allow(non_camel_case_types)]
#[derive(Debug, Default)]
pub struct dimg_search_options {
    /// The core's options themselves: each setter is the core's setter of the same name.
    options: dimg::SearchOptions,
}

impl dimg_search_options {
    fn to_core(&self) -> dimg::SearchOptions {
        self.options.clone()
    }
}

/// New search options: the daemon's default limit (25), no filters. Release with
/// `dimg_search_options_free`. Never NULL (except on an internal error).
#[unsafe(no_mangle)]
pub extern "C" fn dimg_search_options_new() -> *mut dimg_search_options {
    ffi_boundary! { into_raw(dimg_search_options::default()) }
}

/// Releases search options. NULL does nothing.
#[unsafe(no_mangle)]
pub extern "C" fn dimg_search_options_free(options: *mut dimg_search_options) {
    ffi_boundary! { free_box(options) }
}

/// At most `limit` results (`docker search --limit`), 1 to 100, checked by
/// `dimg_client_search`; 0 goes back to the daemon's default. The index applies the limit
/// before the filters, so fewer can come back.
/// Errors: `DIMG_RESULT_INVALID_ARGUMENT` for NULL `options`.
#[unsafe(no_mangle)]
pub extern "C" fn dimg_search_options_set_limit(options: *mut dimg_search_options, limit: u32) -> dimg_result {
    ffi_boundary! {
        fallible(|| {
            arg_mut(options, "options")?.options.set_limit((limit != 0).then_some(limit));
            Ok(())
        })
    }
}

/// Adds a filter (`docker search --filter KEY=VALUE`): `stars=N`, `is-official=true|false`,
/// `is-automated=true|false`. The text is checked now.
///
/// Errors: `DIMG_RESULT_INVALID_ARGUMENT` for NULL, non-UTF-8, a missing `=`, an unknown key or
/// a bad value. The options are unchanged then.
#[unsafe(no_mangle)]
pub extern "C" fn dimg_search_options_add_filter(
    options: *mut dimg_search_options,
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

/// One search hit. Borrowed from its `dimg_search_results`: valid until they are freed.
#[allow(non_camel_case_types)]
#[derive(Debug)]
pub struct dimg_search_result {
    name: CString,
    description: CString,
    star_count: u64,
    official: bool,
    automated: bool,
}

/// The hits of one `dimg_client_search` call, in the index's order. Owned by the caller,
/// released with `dimg_search_results_free`; immutable.
#[allow(non_camel_case_types)]
#[derive(Debug)]
pub struct dimg_search_results {
    results: Vec<dimg_search_result>,
}

/// `docker search TERM`: asks the index the daemon is configured for, or the one named in the
/// term (`host:port/name`).
///
/// `options` may be NULL for the defaults. On success `*results_out` is new, to be released
/// with `dimg_search_results_free`.
///
/// Errors: `DIMG_RESULT_INVALID_ARGUMENT` for an empty term, a limit outside 1..100, NULL
/// `client`, `term` or `results_out`, non-UTF-8 `term` (nothing sent); `DIMG_RESULT_API` for
/// what the daemon or the index refuse (an unreachable index is a 500); `DIMG_RESULT_CONNECT`,
/// `DIMG_RESULT_TIMEOUT`, `DIMG_RESULT_PROTOCOL`, `DIMG_RESULT_REENTRANT`.
#[unsafe(no_mangle)]
pub extern "C" fn dimg_client_search(
    client: *const dimg_client,
    term: *const c_char,
    options: *const dimg_search_options,
    results_out: *mut *mut dimg_search_results,
) -> dimg_result {
    ffi_boundary! {
        fallible(|| {
            let client = arg_ref(client, "client")?.client.clone();
            let term = arg_str(term, "term")?.to_string();
            let options = opt_ref(options).map(dimg_search_options::to_core).unwrap_or_default();
            let out = out_arg(results_out, "results_out")?;
            let hits = client.images().search(&term, &options)?;
            let results = hits
                .into_iter()
                .map(|hit| dimg_search_result {
                    name: cstring(hit.name),
                    description: cstring(hit.description),
                    star_count: hit.star_count,
                    official: hit.is_official,
                    automated: hit.is_automated,
                })
                .collect();
            write_out(out, dimg_search_results { results });
            Ok(())
        })
    }
}

/// Releases search results and every `dimg_search_result` and string borrowed from them. NULL
/// does nothing.
#[unsafe(no_mangle)]
pub extern "C" fn dimg_search_results_free(results: *mut dimg_search_results) {
    ffi_boundary! { free_box(results) }
}

/// The number of hits; 0 for NULL.
#[unsafe(no_mangle)]
pub extern "C" fn dimg_search_results_len(results: *const dimg_search_results) -> usize {
    ffi_boundary! { opt_ref(results).map_or(0, |r| r.results.len()) }
}

/// Hit `index` (borrowed until the results are freed), or NULL when `results` is NULL or
/// `index` is out of range.
#[unsafe(no_mangle)]
pub extern "C" fn dimg_search_results_get(
    results: *const dimg_search_results,
    index: usize,
) -> *const dimg_search_result {
    ffi_boundary! { opt_ref(results).map_or(ptr::null(), |r| item_ptr(&r.results, index)) }
}

/// The repository name as the index reports it (`library/tomcat`). Borrowed until the results
/// are freed; NULL for NULL.
#[unsafe(no_mangle)]
pub extern "C" fn dimg_search_result_name(result: *const dimg_search_result) -> *const c_char {
    ffi_boundary! { opt_ref(result).map_or(ptr::null(), |r| c_ptr(&r.name)) }
}

/// The full description (may contain newlines; see `dimg_format_search_description` for the
/// docker CLI's cell). Borrowed until the results are freed; NULL for NULL.
#[unsafe(no_mangle)]
pub extern "C" fn dimg_search_result_description(result: *const dimg_search_result) -> *const c_char {
    ffi_boundary! { opt_ref(result).map_or(ptr::null(), |r| c_ptr(&r.description)) }
}

/// The number of stars; 0 for NULL.
#[unsafe(no_mangle)]
pub extern "C" fn dimg_search_result_star_count(result: *const dimg_search_result) -> u64 {
    ffi_boundary! { opt_ref(result).map_or(0, |r| r.star_count) }
}

/// Whether it is an official image; false for NULL.
#[unsafe(no_mangle)]
pub extern "C" fn dimg_search_result_is_official(result: *const dimg_search_result) -> bool {
    ffi_boundary! { opt_ref(result).is_some_and(|r| r.official) }
}

/// Whether it is an automated build (deprecated by Docker); false for NULL.
#[unsafe(no_mangle)]
pub extern "C" fn dimg_search_result_is_automated(result: *const dimg_search_result) -> bool {
    ffi_boundary! { opt_ref(result).is_some_and(|r| r.automated) }
}
