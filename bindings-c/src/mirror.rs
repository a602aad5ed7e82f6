//! `daemon.json` registry mirror edits (`dimg::daemon_config`): keep every other key, validate
//! the URL, write atomically, never touch a file that cannot be parsed.

use std::ffi::c_char;

use crate::error::{dimg_result, fallible};
use crate::ffi::{arg_str, opt_str};

fn edit(
    path: *const c_char,
    url: *const c_char,
    changed_out: *mut bool,
    apply: fn(&str, &str) -> dimg::Result<dimg::daemon_config::MirrorChange>,
) -> dimg_result {
    fallible(|| {
        let path = opt_str(path, "path")?.unwrap_or(dimg::daemon_config::DEFAULT_DAEMON_JSON);
        let url = arg_str(url, "url")?;
        let change = apply(path, url)?;
        if !changed_out.is_null() {
            // SAFETY: the caller promises a non-NULL `changed_out` points to a writable bool.
            unsafe { *changed_out = change.changed };
        }
        Ok(())
    })
}

/// Adds a registry mirror (`http(s)://host[:port]`) at the end of `registry-mirrors` in the
/// daemon configuration file `path` (NULL: `/etc/docker/daemon.json`), creating the file if
/// needed. `*changed_out` (may be NULL) is set to whether the file was rewritten: when true,
/// the daemon must be restarted to use the mirror.
///
/// Errors: `DIMG_RESULT_INVALID_ARGUMENT` for a NULL or invalid URL, or a file that cannot be
/// read, parsed or written (the file is then left as it was).
#[unsafe(no_mangle)]
pub extern "C" fn dimg_daemon_config_add_mirror(
    path: *const c_char,
    url: *const c_char,
    changed_out: *mut bool,
) -> dimg_result {
    ffi_boundary! { edit(path, url, changed_out, |p, u| dimg::daemon_config::add_registry_mirror(p, u)) }
}

/// Removes a registry mirror from `registry-mirrors` in `path` (NULL: `/etc/docker/daemon.json`).
/// `*changed_out` (may be NULL) is set to whether the file was rewritten (restart the daemon).
///
/// Errors: as `dimg_daemon_config_add_mirror`.
#[unsafe(no_mangle)]
pub extern "C" fn dimg_daemon_config_remove_mirror(
    path: *const c_char,
    url: *const c_char,
    changed_out: *mut bool,
) -> dimg_result {
    ffi_boundary! { edit(path, url, changed_out, |p, u| dimg::daemon_config::remove_registry_mirror(p, u)) }
}
