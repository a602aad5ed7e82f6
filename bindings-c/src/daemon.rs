//! What the daemon says about itself: `dimg_ping`, `dimg_daemon_version`, `dimg_daemon_info`.

use std::ffi::{CString, c_char};
use std::ptr;

use crate::client::dimg_client;
use crate::error::{Failure, dimg_result, fallible};
use crate::ffi::{arg_ref, c_ptr, cstring, free_box, opt_ref, out_arg, write_out, write_ptr};
use crate::strings::{dimg_labels, dimg_strings};

fn opt_cstring(text: Option<&str>) -> CString {
    cstring(text.unwrap_or(""))
}

/// What `GET /_ping` told: the daemon's newest API version and kind. Made by
/// `dimg_client_ping`, released by `dimg_ping_free`; immutable.
#[allow(non_camel_case_types)]
#[derive(Debug)]
pub struct dimg_ping {
    api_version: CString,
    os_type: CString,
    server: CString,
    builder_version: CString,
    libpod_api_version: CString,
    experimental: bool,
    podman: bool,
}

/// `GET /_ping`: checks that the daemon is there, and completes API version negotiation.
///
/// On success `*ping_out` is a new `dimg_ping`, to be released with `dimg_ping_free`.
/// Errors: `DIMG_RESULT_CONNECT`, `DIMG_RESULT_TIMEOUT`, `DIMG_RESULT_API`,
/// `DIMG_RESULT_UNSUPPORTED_OPTION` (a daemon older than API 1.24), `DIMG_RESULT_INVALID_ARGUMENT`
/// for NULL arguments, `DIMG_RESULT_REENTRANT` from a callback.
#[unsafe(no_mangle)]
pub extern "C" fn dimg_client_ping(client: *const dimg_client, ping_out: *mut *mut dimg_ping) -> dimg_result {
    ffi_boundary! {
        fallible(|| {
            let client = arg_ref(client, "client")?.client.clone();
            let out = out_arg(ping_out, "ping_out")?;
            let ping = client.ping()?;
            write_out(
                out,
                dimg_ping {
                    api_version: opt_cstring(ping.api_version.map(|v| v.to_string()).as_deref()),
                    os_type: opt_cstring(ping.os_type.as_deref()),
                    server: opt_cstring(ping.server.as_deref()),
                    builder_version: opt_cstring(ping.builder_version.as_deref()),
                    libpod_api_version: opt_cstring(ping.libpod_api_version.as_deref()),
                    experimental: ping.experimental,
                    podman: ping.is_podman(),
                },
            );
            Ok(())
        })
    }
}

/// Releases a `dimg_ping`. NULL does nothing.
#[unsafe(no_mangle)]
pub extern "C" fn dimg_ping_free(ping: *mut dimg_ping) {
    ffi_boundary! { free_box(ping) }
}

/// The newest API version the daemon offers (`"1.41"`), or "" when it did not say.
/// Borrowed until the ping is freed; NULL for a NULL ping.
#[unsafe(no_mangle)]
pub extern "C" fn dimg_ping_api_version(ping: *const dimg_ping) -> *const c_char {
    ffi_boundary! { opt_ref(ping).map_or(ptr::null(), |p| c_ptr(&p.api_version)) }
}

/// `linux` or `windows`, or "". Borrowed until the ping is freed; NULL for a NULL ping.
#[unsafe(no_mangle)]
pub extern "C" fn dimg_ping_os_type(ping: *const dimg_ping) -> *const c_char {
    ffi_boundary! { opt_ref(ping).map_or(ptr::null(), |p| c_ptr(&p.os_type)) }
}

/// The `Server` header (`Docker/20.10.24+dfsg1 (linux)`, `Libpod/4.3.1 ...`), or "".
/// Borrowed until the ping is freed; NULL for a NULL ping.
#[unsafe(no_mangle)]
pub extern "C" fn dimg_ping_server(ping: *const dimg_ping) -> *const c_char {
    ffi_boundary! { opt_ref(ping).map_or(ptr::null(), |p| c_ptr(&p.server)) }
}

/// The `Builder-Version` header, or "". Borrowed until the ping is freed; NULL for a NULL ping.
#[unsafe(no_mangle)]
pub extern "C" fn dimg_ping_builder_version(ping: *const dimg_ping) -> *const c_char {
    ffi_boundary! { opt_ref(ping).map_or(ptr::null(), |p| c_ptr(&p.builder_version)) }
}

/// Podman's own API version, "" on Docker. Borrowed until the ping is freed; NULL for a NULL
/// ping.
#[unsafe(no_mangle)]
pub extern "C" fn dimg_ping_libpod_api_version(ping: *const dimg_ping) -> *const c_char {
    ffi_boundary! { opt_ref(ping).map_or(ptr::null(), |p| c_ptr(&p.libpod_api_version)) }
}

/// Whether the daemon has experimental features on; false for NULL.
#[unsafe(no_mangle)]
pub extern "C" fn dimg_ping_experimental(ping: *const dimg_ping) -> bool {
    ffi_boundary! { opt_ref(ping).is_some_and(|p| p.experimental) }
}

/// Whether the daemon is Podman's Docker-compatible service; false for NULL.
#[unsafe(no_mangle)]
pub extern "C" fn dimg_ping_is_podman(ping: *const dimg_ping) -> bool {
    ffi_boundary! { opt_ref(ping).is_some_and(|p| p.podman) }
}

/// The API version the client uses with its daemon: the pinned one (DOCKER_API_VERSION), or
/// min(dimg's newest, the daemon's newest) negotiated on first use (which may send `GET /_ping`).
/// On success writes `*major_out` and `*minor_out` (`1` and `41` for `1.41`).
///
/// Errors: as `dimg_client_ping`.
#[unsafe(no_mangle)]
pub extern "C" fn dimg_client_api_version(
    client: *const dimg_client,
    major_out: *mut u16,
    minor_out: *mut u16,
) -> dimg_result {
    ffi_boundary! {
        fallible(|| {
            let client = arg_ref(client, "client")?.client.clone();
            if major_out.is_null() || minor_out.is_null() {
                return Err(Failure::invalid_argument("major_out or minor_out is NULL"));
            }
            let version = client.api_version()?;
            write_ptr(major_out, version.major);
            write_ptr(minor_out, version.minor);
            Ok(())
        })
    }
}

/// `GET /version`: the daemon's versions. Made by `dimg_client_version`, released by
/// `dimg_daemon_version_free`; immutable.
#[allow(non_camel_case_types)]
#[derive(Debug)]
pub struct dimg_daemon_version {
    version: CString,
    api_version: CString,
    min_api_version: CString,
    os: CString,
    arch: CString,
    kernel_version: CString,
    git_commit: CString,
    go_version: CString,
    components: dimg_labels,
}

/// `GET /version`: the daemon's versions.
///
/// On success `*version_out` is a new `dimg_daemon_version`, to be released with
/// `dimg_daemon_version_free`. Errors: as `dimg_client_ping`, plus `DIMG_RESULT_PROTOCOL`.
#[unsafe(no_mangle)]
pub extern "C" fn dimg_client_version(
    client: *const dimg_client,
    version_out: *mut *mut dimg_daemon_version,
) -> dimg_result {
    ffi_boundary! {
        fallible(|| {
            let client = arg_ref(client, "client")?.client.clone();
            let out = out_arg(version_out, "version_out")?;
            let v = client.version()?;
            write_out(
                out,
                dimg_daemon_version {
                    version: cstring(v.version.as_str()),
                    api_version: cstring(v.api_version.as_str()),
                    min_api_version: cstring(v.min_api_version.as_str()),
                    os: cstring(v.os.as_str()),
                    arch: cstring(v.arch.as_str()),
                    kernel_version: cstring(v.kernel_version.as_str()),
                    git_commit: cstring(v.git_commit.as_str()),
                    go_version: cstring(v.go_version.as_str()),
                    components: dimg_labels::from_pairs(
                        v.components.iter().map(|c| (c.name.as_str(), c.version.as_str())),
                    ),
                },
            );
            Ok(())
        })
    }
}

/// Releases a `dimg_daemon_version`. NULL does nothing.
#[unsafe(no_mangle)]
pub extern "C" fn dimg_daemon_version_free(version: *mut dimg_daemon_version) {
    ffi_boundary! { free_box(version) }
}

/// The engine version (`20.10.24+dfsg1`; `4.3.1` for Podman). Borrowed until the object is
/// freed; NULL for NULL.
#[unsafe(no_mangle)]
pub extern "C" fn dimg_daemon_version_version(version: *const dimg_daemon_version) -> *const c_char {
    ffi_boundary! { opt_ref(version).map_or(ptr::null(), |v| c_ptr(&v.version)) }
}

/// The daemon's newest API version (`1.41`). Borrowed until the object is freed; NULL for NULL.
#[unsafe(no_mangle)]
pub extern "C" fn dimg_daemon_version_api_version(version: *const dimg_daemon_version) -> *const c_char {
    ffi_boundary! { opt_ref(version).map_or(ptr::null(), |v| c_ptr(&v.api_version)) }
}

/// The daemon's oldest API version (`1.12`). Borrowed until the object is freed; NULL for NULL.
#[unsafe(no_mangle)]
pub extern "C" fn dimg_daemon_version_min_api_version(version: *const dimg_daemon_version) -> *const c_char {
    ffi_boundary! { opt_ref(version).map_or(ptr::null(), |v| c_ptr(&v.min_api_version)) }
}

/// The operating system (`linux`). Borrowed until the object is freed; NULL for NULL.
#[unsafe(no_mangle)]
pub extern "C" fn dimg_daemon_version_os(version: *const dimg_daemon_version) -> *const c_char {
    ffi_boundary! { opt_ref(version).map_or(ptr::null(), |v| c_ptr(&v.os)) }
}

/// The CPU architecture (`amd64`). Borrowed until the object is freed; NULL for NULL.
#[unsafe(no_mangle)]
pub extern "C" fn dimg_daemon_version_arch(version: *const dimg_daemon_version) -> *const c_char {
    ffi_boundary! { opt_ref(version).map_or(ptr::null(), |v| c_ptr(&v.arch)) }
}

/// The kernel version. Borrowed until the object is freed; NULL for NULL.
#[unsafe(no_mangle)]
pub extern "C" fn dimg_daemon_version_kernel_version(version: *const dimg_daemon_version) -> *const c_char {
    ffi_boundary! { opt_ref(version).map_or(ptr::null(), |v| c_ptr(&v.kernel_version)) }
}

/// The git commit of the daemon's build. Borrowed until the object is freed; NULL for NULL.
#[unsafe(no_mangle)]
pub extern "C" fn dimg_daemon_version_git_commit(version: *const dimg_daemon_version) -> *const c_char {
    ffi_boundary! { opt_ref(version).map_or(ptr::null(), |v| c_ptr(&v.git_commit)) }
}

/// The Go version of the daemon's build. Borrowed until the object is freed; NULL for NULL.
#[unsafe(no_mangle)]
pub extern "C" fn dimg_daemon_version_go_version(version: *const dimg_daemon_version) -> *const c_char {
    ffi_boundary! { opt_ref(version).map_or(ptr::null(), |v| c_ptr(&v.go_version)) }
}

/// The components (`Engine`, `containerd`, `runc`, ...) as name → version, in the daemon's
/// order. Borrowed until the object is freed; NULL for NULL.
#[unsafe(no_mangle)]
pub extern "C" fn dimg_daemon_version_components(version: *const dimg_daemon_version) -> *const dimg_labels {
    ffi_boundary! { opt_ref(version).map_or(ptr::null(), |v| &v.components as *const dimg_labels) }
}

/// `GET /info`: the parts of the daemon's configuration that matter for images. Made by
/// `dimg_client_info`, released by `dimg_daemon_info_free`; immutable.
#[allow(non_camel_case_types)]
#[derive(Debug)]
pub struct dimg_daemon_info {
    server_version: CString,
    driver: CString,
    docker_root_dir: CString,
    index_server_address: CString,
    operating_system: CString,
    images: i64,
    containers: i64,
    registry_mirrors: dimg_strings,
    insecure_registry_cidrs: dimg_strings,
}

/// `GET /info`: storage driver, root directory, registry mirrors and insecure registries.
///
/// On success `*info_out` is a new `dimg_daemon_info`, to be released with
/// `dimg_daemon_info_free`. Errors: as `dimg_client_version`.
#[unsafe(no_mangle)]
pub extern "C" fn dimg_client_info(client: *const dimg_client, info_out: *mut *mut dimg_daemon_info) -> dimg_result {
    ffi_boundary! {
        fallible(|| {
            let client = arg_ref(client, "client")?.client.clone();
            let out = out_arg(info_out, "info_out")?;
            let info = client.info()?;
            write_out(
                out,
                dimg_daemon_info {
                    server_version: cstring(info.server_version.as_str()),
                    driver: cstring(info.driver.as_str()),
                    docker_root_dir: cstring(info.docker_root_dir.as_str()),
                    index_server_address: cstring(info.index_server_address.as_str()),
                    operating_system: cstring(info.operating_system.as_str()),
                    images: info.images,
                    containers: info.containers,
                    registry_mirrors: dimg_strings::new(info.registry_mirrors()),
                    insecure_registry_cidrs: dimg_strings::new(&info.registry_config.insecure_registry_cidrs),
                },
            );
            Ok(())
        })
    }
}

/// Releases a `dimg_daemon_info`. NULL does nothing.
#[unsafe(no_mangle)]
pub extern "C" fn dimg_daemon_info_free(info: *mut dimg_daemon_info) {
    ffi_boundary! { free_box(info) }
}

/// The engine version. Borrowed until the object is freed; NULL for NULL.
#[unsafe(no_mangle)]
pub extern "C" fn dimg_daemon_info_server_version(info: *const dimg_daemon_info) -> *const c_char {
    ffi_boundary! { opt_ref(info).map_or(ptr::null(), |i| c_ptr(&i.server_version)) }
}

/// The storage driver (`overlay2`, `vfs`). Borrowed until the object is freed; NULL for NULL.
#[unsafe(no_mangle)]
pub extern "C" fn dimg_daemon_info_driver(info: *const dimg_daemon_info) -> *const c_char {
    ffi_boundary! { opt_ref(info).map_or(ptr::null(), |i| c_ptr(&i.driver)) }
}

/// The daemon's root directory (`/var/lib/docker`). Borrowed until the object is freed; NULL
/// for NULL.
#[unsafe(no_mangle)]
pub extern "C" fn dimg_daemon_info_docker_root_dir(info: *const dimg_daemon_info) -> *const c_char {
    ffi_boundary! { opt_ref(info).map_or(ptr::null(), |i| c_ptr(&i.docker_root_dir)) }
}

/// The default index (`https://index.docker.io/v1/`). Borrowed until the object is freed; NULL
/// for NULL.
#[unsafe(no_mangle)]
pub extern "C" fn dimg_daemon_info_index_server_address(info: *const dimg_daemon_info) -> *const c_char {
    ffi_boundary! { opt_ref(info).map_or(ptr::null(), |i| c_ptr(&i.index_server_address)) }
}

/// The operating system description. Borrowed until the object is freed; NULL for NULL.
#[unsafe(no_mangle)]
pub extern "C" fn dimg_daemon_info_operating_system(info: *const dimg_daemon_info) -> *const c_char {
    ffi_boundary! { opt_ref(info).map_or(ptr::null(), |i| c_ptr(&i.operating_system)) }
}

/// The number of images; 0 for NULL.
#[unsafe(no_mangle)]
pub extern "C" fn dimg_daemon_info_images(info: *const dimg_daemon_info) -> i64 {
    ffi_boundary! { opt_ref(info).map_or(0, |i| i.images) }
}

/// The number of containers; 0 for NULL.
#[unsafe(no_mangle)]
pub extern "C" fn dimg_daemon_info_containers(info: *const dimg_daemon_info) -> i64 {
    ffi_boundary! { opt_ref(info).map_or(0, |i| i.containers) }
}

/// The configured registry mirrors, in order. Borrowed until the object is freed; NULL for
/// NULL.
#[unsafe(no_mangle)]
pub extern "C" fn dimg_daemon_info_registry_mirrors(info: *const dimg_daemon_info) -> *const dimg_strings {
    ffi_boundary! { opt_ref(info).map_or(ptr::null(), |i| &i.registry_mirrors as *const dimg_strings) }
}

/// The networks whose registries are reached over plain HTTP (`127.0.0.0/8`). Borrowed until
/// the object is freed; NULL for NULL.
#[unsafe(no_mangle)]
pub extern "C" fn dimg_daemon_info_insecure_registry_cidrs(info: *const dimg_daemon_info) -> *const dimg_strings {
    ffi_boundary! { opt_ref(info).map_or(ptr::null(), |i| &i.insecure_registry_cidrs as *const dimg_strings) }
}
