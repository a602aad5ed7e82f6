//! `docker images`: `dimg_list_options`, `dimg_client_list_images`, `dimg_image_list`,
//! `dimg_image`, `dimg_manifest`.

use std::ffi::{CString, c_char};
use std::ptr;

use crate::client::dimg_client;
use crate::error::{dimg_result, fallible};
use crate::ffi::{
    arg_mut, arg_ref, arg_str, c_ptr, cstring, free_box, into_raw, item_ptr, opt_ref, opt_str, out_arg, write_out,
};
use crate::strings::{dimg_labels, dimg_strings};

/// Options of `dimg_client_list_images` (`docker images`). Made by `dimg_list_options_new`,
/// released by `dimg_list_options_free`. Change it from one thread at a time; calls only read
/// it, and it may be reused and freed right after any call.
#[allow(non_camel_case_types)]
#[derive(Debug, Default)]
pub struct dimg_list_options {
    /// The core's options themselves: each setter is the core's setter of the same name.
    options: dimg::ListOptions,
}

impl dimg_list_options {
    fn to_core(&self) -> dimg::ListOptions {
        self.options.clone()
    }
}

/// New list options: tagged and dangling top-level images, no filters, as plain `docker images`.
/// Release with `dimg_list_options_free`. Never NULL (except on an internal error).
#[unsafe(no_mangle)]
pub extern "C" fn dimg_list_options_new() -> *mut dimg_list_options {
    ffi_boundary! { into_raw(dimg_list_options::default()) }
}

/// Releases list options. NULL does nothing.
#[unsafe(no_mangle)]
pub extern "C" fn dimg_list_options_free(options: *mut dimg_list_options) {
    ffi_boundary! { free_box(options) }
}

/// Also list intermediate images (`docker images -a`).
/// Errors: `DIMG_RESULT_INVALID_ARGUMENT` for NULL `options`.
#[unsafe(no_mangle)]
pub extern "C" fn dimg_list_options_set_all(options: *mut dimg_list_options, all: bool) -> dimg_result {
    ffi_boundary! {
        fallible(|| {
            arg_mut(options, "options")?.options.set_all(all);
            Ok(())
        })
    }
}

/// Adds a filter (`docker images --filter KEY=VALUE`): `dangling=true|false`, `label=KEY` or
/// `label=KEY=VALUE`, `before=IMAGE`, `since=IMAGE`, `reference=PATTERN` (`tiny:*`),
/// `until=TIMESTAMP|DURATION` (API 1.44). Repeatable: filters with the same key are
/// alternatives, different keys all apply. The text is checked now.
///
/// Errors: `DIMG_RESULT_INVALID_ARGUMENT` for NULL, non-UTF-8, a missing `=`, an unknown key, a
/// dangling value that is not a boolean. The options are unchanged then.
#[unsafe(no_mangle)]
pub extern "C" fn dimg_list_options_add_filter(
    options: *mut dimg_list_options,
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

/// Only images whose reference matches `pattern` (`REPOSITORY[:TAG]` with globs, the positional
/// argument of `docker images`); replaces an earlier pattern (and any `reference=` filter), NULL
/// removes them.
///
/// Errors: `DIMG_RESULT_INVALID_ARGUMENT` for NULL `options` or a non-UTF-8 pattern.
#[unsafe(no_mangle)]
pub extern "C" fn dimg_list_options_set_reference(
    options: *mut dimg_list_options,
    pattern: *const c_char,
) -> dimg_result {
    ffi_boundary! {
        fallible(|| {
            let options = arg_mut(options, "options")?;
            options.options.set_reference(opt_str(pattern, "pattern")?.map(str::to_string));
            Ok(())
        })
    }
}

/// Ask the daemon to compute `dimg_image_shared_size` (API 1.42; an older daemon makes the
/// list fail with `DIMG_RESULT_UNSUPPORTED_OPTION`).
/// Errors: `DIMG_RESULT_INVALID_ARGUMENT` for NULL `options`.
#[unsafe(no_mangle)]
pub extern "C" fn dimg_list_options_set_shared_size(options: *mut dimg_list_options, on: bool) -> dimg_result {
    ffi_boundary! {
        fallible(|| {
            arg_mut(options, "options")?.options.set_shared_size(on);
            Ok(())
        })
    }
}

/// Ask the daemon for per-manifest summaries, `dimg_image_manifest` (API 1.47; an older daemon
/// makes the list fail with `DIMG_RESULT_UNSUPPORTED_OPTION`).
/// Errors: `DIMG_RESULT_INVALID_ARGUMENT` for NULL `options`.
#[unsafe(no_mangle)]
pub extern "C" fn dimg_list_options_set_manifests(options: *mut dimg_list_options, on: bool) -> dimg_result {
    ffi_boundary! {
        fallible(|| {
            arg_mut(options, "options")?.options.set_manifests(on);
            Ok(())
        })
    }
}

/// One manifest of a multi-platform image (inside a `dimg_image`; borrowed, immutable).
#[allow(non_camel_case_types)]
#[derive(Debug)]
pub struct dimg_manifest {
    id: CString,
    kind: CString,
    available: bool,
}

/// One image of a `dimg_image_list`, as `docker images` shows it. Borrowed from the list:
/// valid until the list is freed; immutable.
#[allow(non_camel_case_types)]
#[derive(Debug)]
pub struct dimg_image {
    id: CString,
    parent_id: CString,
    repo_tags: dimg_strings,
    repo_digests: dimg_strings,
    created: i64,
    size: i64,
    shared_size: i64,
    containers: i64,
    labels: dimg_labels,
    dangling: bool,
    manifests: Vec<dimg_manifest>,
}

impl From<dimg::ImageSummary> for dimg_image {
    fn from(image: dimg::ImageSummary) -> dimg_image {
        dimg_image {
            id: cstring(image.id.as_str()),
            parent_id: cstring(image.parent_id.as_str()),
            repo_tags: dimg_strings::new(&image.repo_tags),
            repo_digests: dimg_strings::new(&image.repo_digests),
            created: image.created,
            size: image.size,
            shared_size: image.shared_size.unwrap_or(-1),
            containers: image.containers.unwrap_or(-1),
            labels: dimg_labels::new(&image.labels),
            dangling: image.is_dangling(),
            manifests: image
                .manifests
                .unwrap_or_default()
                .into_iter()
                .map(|m| dimg_manifest {
                    id: cstring(m.id),
                    kind: cstring(m.kind),
                    available: m.available,
                })
                .collect(),
        }
    }
}

/// The images of one `dimg_client_list_images` call, newest first as the daemon orders them.
/// Owned by the caller, released with `dimg_image_list_free`; immutable.
#[allow(non_camel_case_types)]
#[derive(Debug)]
pub struct dimg_image_list {
    images: Vec<dimg_image>,
}

/// `docker images`: the local images.
///
/// `options` may be NULL for the defaults. On success `*list_out` is a new list, to be
/// released with `dimg_image_list_free`.
///
/// Errors: `DIMG_RESULT_UNSUPPORTED_OPTION` for `until` (API < 1.44), shared size (< 1.42) or
/// manifests (< 1.47); `DIMG_RESULT_API` (400) for a filter the daemon refuses;
/// `DIMG_RESULT_CONNECT`, `DIMG_RESULT_TIMEOUT`, `DIMG_RESULT_PROTOCOL`;
/// `DIMG_RESULT_INVALID_ARGUMENT` for NULL `client` or `list_out`; `DIMG_RESULT_REENTRANT`.
#[unsafe(no_mangle)]
pub extern "C" fn dimg_client_list_images(
    client: *const dimg_client,
    options: *const dimg_list_options,
    list_out: *mut *mut dimg_image_list,
) -> dimg_result {
    ffi_boundary! {
        fallible(|| {
            let client = arg_ref(client, "client")?.client.clone();
            let options = opt_ref(options).map(dimg_list_options::to_core).unwrap_or_default();
            let out = out_arg(list_out, "list_out")?;
            let images = client.images().list(&options)?;
            write_out(
                out,
                dimg_image_list {
                    images: images.into_iter().map(dimg_image::from).collect(),
                },
            );
            Ok(())
        })
    }
}

/// Releases an image list and every `dimg_image` and string borrowed from it. NULL does nothing.
#[unsafe(no_mangle)]
pub extern "C" fn dimg_image_list_free(list: *mut dimg_image_list) {
    ffi_boundary! { free_box(list) }
}

/// The number of images in the list; 0 for NULL.
#[unsafe(no_mangle)]
pub extern "C" fn dimg_image_list_len(list: *const dimg_image_list) -> usize {
    ffi_boundary! { opt_ref(list).map_or(0, |l| l.images.len()) }
}

/// Image `index` of the list (borrowed until the list is freed), or NULL when `list` is NULL or
/// `index` is out of range.
#[unsafe(no_mangle)]
pub extern "C" fn dimg_image_list_get(list: *const dimg_image_list, index: usize) -> *const dimg_image {
    ffi_boundary! { opt_ref(list).map_or(ptr::null(), |l| item_ptr(&l.images, index)) }
}

/// The full image id, `sha256:<64 hex>` (see `dimg_format_short_id`). Borrowed until the list
/// is freed; NULL for NULL.
#[unsafe(no_mangle)]
pub extern "C" fn dimg_image_id(image: *const dimg_image) -> *const c_char {
    ffi_boundary! { opt_ref(image).map_or(ptr::null(), |i| c_ptr(&i.id)) }
}

/// The parent image id, "" when there is none. Borrowed until the list is freed; NULL for
/// NULL.
#[unsafe(no_mangle)]
pub extern "C" fn dimg_image_parent_id(image: *const dimg_image) -> *const c_char {
    ffi_boundary! { opt_ref(image).map_or(ptr::null(), |i| c_ptr(&i.parent_id)) }
}

/// The `repo:tag` references, in the daemon's order (empty for a dangling image). Borrowed
/// until the list is freed; NULL for NULL.
#[unsafe(no_mangle)]
pub extern "C" fn dimg_image_repo_tags(image: *const dimg_image) -> *const dimg_strings {
    ffi_boundary! { opt_ref(image).map_or(ptr::null(), |i| &i.repo_tags as *const dimg_strings) }
}

/// The `repo@digest` references. Borrowed until the list is freed; NULL for NULL.
#[unsafe(no_mangle)]
pub extern "C" fn dimg_image_repo_digests(image: *const dimg_image) -> *const dimg_strings {
    ffi_boundary! { opt_ref(image).map_or(ptr::null(), |i| &i.repo_digests as *const dimg_strings) }
}

/// The image's labels. Borrowed until the list is freed; NULL for NULL.
#[unsafe(no_mangle)]
pub extern "C" fn dimg_image_labels(image: *const dimg_image) -> *const dimg_labels {
    ffi_boundary! { opt_ref(image).map_or(ptr::null(), |i| &i.labels as *const dimg_labels) }
}

/// Creation time, seconds since the Unix epoch (see `dimg_format_created_since`); 0 for NULL.
#[unsafe(no_mangle)]
pub extern "C" fn dimg_image_created(image: *const dimg_image) -> i64 {
    ffi_boundary! { opt_ref(image).map_or(0, |i| i.created) }
}

/// Size in bytes, shared layers included (see `dimg_format_image_size`); 0 for NULL.
#[unsafe(no_mangle)]
pub extern "C" fn dimg_image_size(image: *const dimg_image) -> i64 {
    ffi_boundary! { opt_ref(image).map_or(0, |i| i.size) }
}

/// Bytes shared with other images; -1 unless shared size was asked for. 0 for NULL.
#[unsafe(no_mangle)]
pub extern "C" fn dimg_image_shared_size(image: *const dimg_image) -> i64 {
    ffi_boundary! { opt_ref(image).map_or(0, |i| i.shared_size) }
}

/// Containers using the image; -1 when the daemon did not count them. 0 for NULL.
#[unsafe(no_mangle)]
pub extern "C" fn dimg_image_containers(image: *const dimg_image) -> i64 {
    ffi_boundary! { opt_ref(image).map_or(0, |i| i.containers) }
}

/// Whether the image has neither tags nor digests (docker shows `<none>  <none>`); false for
/// NULL.
#[unsafe(no_mangle)]
pub extern "C" fn dimg_image_is_dangling(image: *const dimg_image) -> bool {
    ffi_boundary! { opt_ref(image).is_some_and(|i| i.dangling) }
}

/// The number of per-manifest summaries (0 unless manifests were asked for); 0 for NULL.
#[unsafe(no_mangle)]
pub extern "C" fn dimg_image_manifests_len(image: *const dimg_image) -> usize {
    ffi_boundary! { opt_ref(image).map_or(0, |i| i.manifests.len()) }
}

/// Manifest `index` of the image (borrowed until the list is freed), or NULL when out of range
/// or for NULL.
#[unsafe(no_mangle)]
pub extern "C" fn dimg_image_manifest(image: *const dimg_image, index: usize) -> *const dimg_manifest {
    ffi_boundary! { opt_ref(image).map_or(ptr::null(), |i| item_ptr(&i.manifests, index)) }
}

/// The manifest digest. Borrowed until the list is freed; NULL for NULL.
#[unsafe(no_mangle)]
pub extern "C" fn dimg_manifest_id(manifest: *const dimg_manifest) -> *const c_char {
    ffi_boundary! { opt_ref(manifest).map_or(ptr::null(), |m| c_ptr(&m.id)) }
}

/// `image`, `attestation` or `unknown`. Borrowed until the list is freed; NULL for NULL.
#[unsafe(no_mangle)]
pub extern "C" fn dimg_manifest_kind(manifest: *const dimg_manifest) -> *const c_char {
    ffi_boundary! { opt_ref(manifest).map_or(ptr::null(), |m| c_ptr(&m.kind)) }
}

/// Whether the manifest's content is fully present locally; false for NULL.
#[unsafe(no_mangle)]
pub extern "C" fn dimg_manifest_available(manifest: *const dimg_manifest) -> bool {
    ffi_boundary! { opt_ref(manifest).is_some_and(|m| m.available) }
}
