//! One image by name: `dimg_client_inspect_image` (`dimg_image_inspect`) and
//! `dimg_client_tag_image`.

use std::ffi::{CString, c_char};
use std::ptr;

use crate::client::dimg_client;
use crate::error::{dimg_result, fallible};
use crate::ffi::{arg_ref, arg_str, c_ptr, cstring, free_box, opt_ref, out_arg, write_out, write_ptr};
use crate::strings::{dimg_labels, dimg_strings};

/// Low-level details of one image (`docker image inspect`). Made by
/// `dimg_client_inspect_image`, released by `dimg_image_inspect_free`; immutable.
#[allow(non_camel_case_types)]
#[derive(Debug)]
pub struct dimg_image_inspect {
    id: CString,
    repo_tags: dimg_strings,
    repo_digests: dimg_strings,
    parent: CString,
    comment: CString,
    created: CString,
    created_unix: Option<i64>,
    architecture: CString,
    variant: CString,
    os: CString,
    size: i64,
    labels: dimg_labels,
    env: dimg_strings,
    cmd: dimg_strings,
    entrypoint: dimg_strings,
    working_dir: CString,
    layers: dimg_strings,
}

/// `docker image inspect NAME|ID`.
///
/// On success `*image_out` is new, to be released with `dimg_image_inspect_free`.
///
/// Errors: `DIMG_RESULT_INVALID_REFERENCE` (nothing sent), `DIMG_RESULT_NOT_FOUND`,
/// `DIMG_RESULT_INVALID_ARGUMENT` for NULL or non-UTF-8 arguments, `DIMG_RESULT_CONNECT`,
/// `DIMG_RESULT_TIMEOUT`, `DIMG_RESULT_API`, `DIMG_RESULT_PROTOCOL`, `DIMG_RESULT_REENTRANT`.
#[unsafe(no_mangle)]
pub extern "C" fn dimg_client_inspect_image(
    client: *const dimg_client,
    name: *const c_char,
    image_out: *mut *mut dimg_image_inspect,
) -> dimg_result {
    ffi_boundary! {
        fallible(|| {
            let client = arg_ref(client, "client")?.client.clone();
            let name = arg_str(name, "name")?.to_string();
            let out = out_arg(image_out, "image_out")?;
            let image = client.images().inspect(&name)?;
            write_out(
                out,
                dimg_image_inspect {
                    id: cstring(image.id.as_str()),
                    repo_tags: dimg_strings::new(&image.repo_tags),
                    repo_digests: dimg_strings::new(&image.repo_digests),
                    parent: cstring(image.parent.as_str()),
                    comment: cstring(image.comment.as_str()),
                    created: cstring(image.created.as_str()),
                    created_unix: image.created_unix(),
                    architecture: cstring(image.architecture.as_str()),
                    variant: cstring(image.variant.as_str()),
                    os: cstring(image.os.as_str()),
                    size: image.size,
                    labels: dimg_labels::new(&image.config.labels),
                    env: dimg_strings::new(&image.config.env),
                    cmd: dimg_strings::new(&image.config.cmd),
                    entrypoint: dimg_strings::new(&image.config.entrypoint),
                    working_dir: cstring(image.config.working_dir.as_str()),
                    layers: dimg_strings::new(&image.root_fs.layers),
                },
            );
            Ok(())
        })
    }
}

/// Releases what `dimg_client_inspect_image` made. NULL does nothing.
#[unsafe(no_mangle)]
pub extern "C" fn dimg_image_inspect_free(image: *mut dimg_image_inspect) {
    ffi_boundary! { free_box(image) }
}

/// The full image id (`sha256:...`). Borrowed until the object is freed; NULL for NULL.
#[unsafe(no_mangle)]
pub extern "C" fn dimg_image_inspect_id(image: *const dimg_image_inspect) -> *const c_char {
    ffi_boundary! { opt_ref(image).map_or(ptr::null(), |i| c_ptr(&i.id)) }
}

/// The `repo:tag` references. Borrowed until the object is freed; NULL for NULL.
#[unsafe(no_mangle)]
pub extern "C" fn dimg_image_inspect_repo_tags(image: *const dimg_image_inspect) -> *const dimg_strings {
    ffi_boundary! { opt_ref(image).map_or(ptr::null(), |i| &i.repo_tags as *const dimg_strings) }
}

/// The `repo@digest` references. Borrowed until the object is freed; NULL for NULL.
#[unsafe(no_mangle)]
pub extern "C" fn dimg_image_inspect_repo_digests(image: *const dimg_image_inspect) -> *const dimg_strings {
    ffi_boundary! { opt_ref(image).map_or(ptr::null(), |i| &i.repo_digests as *const dimg_strings) }
}

/// The parent image id, "" when none. Borrowed until the object is freed; NULL for NULL.
#[unsafe(no_mangle)]
pub extern "C" fn dimg_image_inspect_parent(image: *const dimg_image_inspect) -> *const c_char {
    ffi_boundary! { opt_ref(image).map_or(ptr::null(), |i| c_ptr(&i.parent)) }
}

/// The commit message or import comment, or "". Borrowed until the object is freed; NULL for
/// NULL.
#[unsafe(no_mangle)]
pub extern "C" fn dimg_image_inspect_comment(image: *const dimg_image_inspect) -> *const c_char {
    ffi_boundary! { opt_ref(image).map_or(ptr::null(), |i| c_ptr(&i.comment)) }
}

/// The creation time as the daemon's RFC 3339 text. Borrowed until the object is freed; NULL
/// for NULL.
#[unsafe(no_mangle)]
pub extern "C" fn dimg_image_inspect_created(image: *const dimg_image_inspect) -> *const c_char {
    ffi_boundary! { opt_ref(image).map_or(ptr::null(), |i| c_ptr(&i.created)) }
}

/// The creation time in seconds since the Unix epoch, comparable with `dimg_image_created`:
/// writes `*seconds_out` and returns true, or returns false (writing nothing) when the daemon's
/// text is not RFC 3339 or an argument is NULL.
#[unsafe(no_mangle)]
pub extern "C" fn dimg_image_inspect_created_unix(image: *const dimg_image_inspect, seconds_out: *mut i64) -> bool {
    ffi_boundary! {
        opt_ref(image)
            .and_then(|i| i.created_unix)
            .is_some_and(|seconds| write_ptr(seconds_out, seconds))
    }
}

/// The CPU architecture (`amd64`). Borrowed until the object is freed; NULL for NULL.
#[unsafe(no_mangle)]
pub extern "C" fn dimg_image_inspect_architecture(image: *const dimg_image_inspect) -> *const c_char {
    ffi_boundary! { opt_ref(image).map_or(ptr::null(), |i| c_ptr(&i.architecture)) }
}

/// The architecture variant (`v8`), or "". Borrowed until the object is freed; NULL for NULL.
#[unsafe(no_mangle)]
pub extern "C" fn dimg_image_inspect_variant(image: *const dimg_image_inspect) -> *const c_char {
    ffi_boundary! { opt_ref(image).map_or(ptr::null(), |i| c_ptr(&i.variant)) }
}

/// The operating system (`linux`). Borrowed until the object is freed; NULL for NULL.
#[unsafe(no_mangle)]
pub extern "C" fn dimg_image_inspect_os(image: *const dimg_image_inspect) -> *const c_char {
    ffi_boundary! { opt_ref(image).map_or(ptr::null(), |i| c_ptr(&i.os)) }
}

/// The size in bytes; 0 for NULL.
#[unsafe(no_mangle)]
pub extern "C" fn dimg_image_inspect_size(image: *const dimg_image_inspect) -> i64 {
    ffi_boundary! { opt_ref(image).map_or(0, |i| i.size) }
}

/// The image's labels. Borrowed until the object is freed; NULL for NULL.
#[unsafe(no_mangle)]
pub extern "C" fn dimg_image_inspect_labels(image: *const dimg_image_inspect) -> *const dimg_labels {
    ffi_boundary! { opt_ref(image).map_or(ptr::null(), |i| &i.labels as *const dimg_labels) }
}

/// The environment, `KEY=value`. Borrowed until the object is freed; NULL for NULL.
#[unsafe(no_mangle)]
pub extern "C" fn dimg_image_inspect_env(image: *const dimg_image_inspect) -> *const dimg_strings {
    ffi_boundary! { opt_ref(image).map_or(ptr::null(), |i| &i.env as *const dimg_strings) }
}

/// The default command. Borrowed until the object is freed; NULL for NULL.
#[unsafe(no_mangle)]
pub extern "C" fn dimg_image_inspect_cmd(image: *const dimg_image_inspect) -> *const dimg_strings {
    ffi_boundary! { opt_ref(image).map_or(ptr::null(), |i| &i.cmd as *const dimg_strings) }
}

/// The entrypoint. Borrowed until the object is freed; NULL for NULL.
#[unsafe(no_mangle)]
pub extern "C" fn dimg_image_inspect_entrypoint(image: *const dimg_image_inspect) -> *const dimg_strings {
    ffi_boundary! { opt_ref(image).map_or(ptr::null(), |i| &i.entrypoint as *const dimg_strings) }
}

/// The working directory, or "". Borrowed until the object is freed; NULL for NULL.
#[unsafe(no_mangle)]
pub extern "C" fn dimg_image_inspect_working_dir(image: *const dimg_image_inspect) -> *const c_char {
    ffi_boundary! { opt_ref(image).map_or(ptr::null(), |i| c_ptr(&i.working_dir)) }
}

/// The layers as diff ids, bottom first. Borrowed until the object is freed; NULL for NULL.
#[unsafe(no_mangle)]
pub extern "C" fn dimg_image_inspect_layers(image: *const dimg_image_inspect) -> *const dimg_strings {
    ffi_boundary! { opt_ref(image).map_or(ptr::null(), |i| &i.layers as *const dimg_strings) }
}

/// `docker tag SOURCE TARGET`: gives the image `source` (name or id) another name; `target`
/// gets `:latest` when it has no tag.
///
/// Errors: `DIMG_RESULT_INVALID_REFERENCE` for a bad source or target, or a target with a
/// digest (nothing sent); `DIMG_RESULT_NOT_FOUND` when the source does not exist;
/// `DIMG_RESULT_INVALID_ARGUMENT` for NULL or non-UTF-8 arguments; `DIMG_RESULT_CONNECT`,
/// `DIMG_RESULT_TIMEOUT`, `DIMG_RESULT_API`, `DIMG_RESULT_REENTRANT`.
#[unsafe(no_mangle)]
pub extern "C" fn dimg_client_tag_image(
    client: *const dimg_client,
    source: *const c_char,
    target: *const c_char,
) -> dimg_result {
    ffi_boundary! {
        fallible(|| {
            let client = arg_ref(client, "client")?.client.clone();
            let source = arg_str(source, "source")?.to_string();
            let target = arg_str(target, "target")?.to_string();
            client.images().tag(&source, &target)?;
            Ok(())
        })
    }
}
