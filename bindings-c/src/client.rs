//! `dimg_client`: where the daemon is and how long to wait for it.

use std::ffi::{CString, c_char};
use std::time::Duration;

use crate::error::{dimg_result, fallible};
use crate::ffi::{c_ptr, cstring, free_box, opt_ref, opt_str, out_arg, write_out};

/// A connection to one Docker Engine (or Podman) API socket.
///
/// Thread-safe: one client may be used by any number of threads at once (they share its
/// connection pool and negotiated API version). Nothing is sent until the first call, which
/// negotiates the API version through `GET /_ping`. Created by `dimg_client_new`, released by
/// `dimg_client_free` once no thread uses it any more. Under the hood, a
/// `dimg::blocking::Client`: each call does its I/O on the calling thread.
#[allow(non_camel_case_types)]
#[derive(Debug)]
pub struct dimg_client {
    pub(crate) client: dimg::blocking::Client,
    socket: CString,
    host: CString,
}

/// Creates a client.
///
/// `socket_or_host` is where the daemon is, read as DOCKER_HOST is (the same rule as in Rust
/// and Python): `unix:///path`, `tcp://host:port` (no port: 2375), `host:port`, or a socket
/// path (`/run/user/1000/podman/podman.sock`, `./docker.sock`); or NULL to read DOCKER_HOST
/// (and DOCKER_API_VERSION, which pins the API version) from the environment, as the docker
/// CLI does, falling back to `/var/run/docker.sock`.
///
/// `timeout_ms` is how long to wait for an answer and, while a pull streams, for each next
/// chunk; 0 means the default (120 s, as in Rust and Python). Connecting itself gives up after
/// 5 s.
///
/// On success `*client_out` is a new client, to be released with `dimg_client_free`. Nothing
/// is sent yet: an absent daemon shows in the first call (`DIMG_RESULT_CONNECT`).
///
/// Errors: `DIMG_RESULT_INVALID_ARGUMENT` for a NULL `client_out`, a non-UTF-8 or empty
/// `socket_or_host`, an address dimg cannot use (`ssh://`, a bad port), an invalid
/// DOCKER_API_VERSION.
#[unsafe(no_mangle)]
pub extern "C" fn dimg_client_new(
    socket_or_host: *const c_char,
    timeout_ms: u32,
    client_out: *mut *mut dimg_client,
) -> dimg_result {
    ffi_boundary! {
        fallible(|| {
            let out = out_arg(client_out, "client_out")?;
            let builder = match opt_str(socket_or_host, "socket_or_host")? {
                None => dimg::ClientBuilder::from_env(),
                Some(host) => dimg::ClientBuilder::new().host(host),
            };
            let builder = match timeout_ms {
                0 => builder,
                ms => builder.timeout(Duration::from_millis(u64::from(ms))),
            };
            let client = builder.build_blocking()?;
            let socket = cstring(client.socket_path().map_or(&b""[..], |path| path.as_os_str().as_encoded_bytes()));
            let host = cstring(client.host());
            write_out(out, dimg_client { client, socket, host });
            Ok(())
        })
    }
}

/// Releases a client made by `dimg_client_new`. NULL does nothing. No other thread may be
/// using it; results obtained through it (lists, reports, ...) stay valid.
#[unsafe(no_mangle)]
pub extern "C" fn dimg_client_free(client: *mut dimg_client) {
    ffi_boundary! { free_box(client) }
}

/// The daemon's address in DOCKER_HOST form (`unix:///var/run/docker.sock`,
/// `tcp://127.0.0.1:2375`), borrowed until the client is freed; NULL for a NULL client.
#[unsafe(no_mangle)]
pub extern "C" fn dimg_client_host(client: *const dimg_client) -> *const c_char {
    ffi_boundary! {
        opt_ref(client).map_or(std::ptr::null(), |c| c_ptr(&c.host))
    }
}

/// How long the client waits for an answer, in milliseconds (120 000 unless `dimg_client_new`
/// was given another value: the same default as in Rust and Python); 0 for a NULL client.
#[unsafe(no_mangle)]
pub extern "C" fn dimg_client_timeout_ms(client: *const dimg_client) -> u64 {
    ffi_boundary! {
        opt_ref(client)
            .and_then(|c| c.client.timeout())
            .map_or(0, |limit| u64::try_from(limit.as_millis()).unwrap_or(u64::MAX))
    }
}

/// The Unix socket path the client talks to ("" when it does not use one), borrowed until the
/// client is freed; NULL for a NULL client.
#[unsafe(no_mangle)]
pub extern "C" fn dimg_client_socket_path(client: *const dimg_client) -> *const c_char {
    ffi_boundary! {
        opt_ref(client).map_or(std::ptr::null(), |c| c_ptr(&c.socket))
    }
}
