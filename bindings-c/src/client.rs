//! `dimg_client`: where the daemon is (a socket, a `tcp://` host with or without TLS, an
//! `ssh://` host, a docker context) and how long to wait for it; `dimg_client_options`, the
//! settings of `dimg_client_new_with_options` (the core's `ClientBuilder`).

use std::ffi::{CString, c_char};
use std::time::Duration;

use crate::error::{Failure, dimg_result, fallible};
use crate::ffi::{
    arg_mut, arg_ref, arg_str, c_ptr, cstring, free_box, into_raw, opt_ref, opt_str, out_arg, write_out, write_ptr,
};
use crate::retry::dimg_retry_policy;
use crate::timeouts::{dimg_timeouts, limit_from_ms};

/// A connection to one Docker Engine (or Podman) API endpoint: a Unix socket, a `tcp://` host
/// (plain or TLS) or an `ssh://` host.
///
/// Thread-safe: one client may be used by any number of threads at once (they share its
/// connection pool and negotiated API version). Nothing is sent until the first call, which
/// negotiates the API version through `GET /_ping`. Created by `dimg_client_new` or
/// `dimg_client_new_with_options`, released by `dimg_client_free` once no thread uses it any
/// more. Under the hood, a `dimg::blocking::Client`: each call does its I/O on the calling
/// thread. An `ssh://` client runs the system `ssh` as a child process for each pooled
/// connection; `dimg_client_free` ends and reaps them.
#[allow(non_camel_case_types)]
#[derive(Debug)]
pub struct dimg_client {
    pub(crate) client: dimg::blocking::Client,
    socket: CString,
    host: CString,
    context: CString,
    kind: dimg_endpoint_kind,
}

impl dimg_client {
    /// Builds the client and keeps the strings its accessors lend out.
    fn build(builder: dimg::ClientBuilder) -> Result<dimg_client, Failure> {
        let client = builder.build_blocking()?;
        let endpoint = client.endpoint();
        Ok(dimg_client {
            socket: cstring(
                endpoint
                    .socket_path()
                    .map_or(&b""[..], |path| path.as_os_str().as_encoded_bytes()),
            ),
            host: cstring(endpoint.to_string()),
            context: cstring(endpoint.context_name()),
            kind: endpoint.kind().into(),
            client,
        })
    }
}

impl dimg_client {
    /// Another handle on the same connections (the core's `with_timeouts`, `with_retry`).
    fn sibling(&self, client: dimg::blocking::Client) -> dimg_client {
        dimg_client {
            client,
            socket: self.socket.clone(),
            host: self.host.clone(),
            context: self.context.clone(),
            kind: self.kind,
        }
    }
}

/// Creates a client.
///
/// `socket_or_host` is where the daemon is, read as DOCKER_HOST is (the same rule as in Rust
/// and Python): `unix:///path`, `tcp://host:port` (no port: 2375; plain HTTP),
/// `ssh://[user@]host[:port]` (through the `ssh` on PATH, as the docker CLI), `host:port`, or a
/// socket path (`/run/user/1000/podman/podman.sock`, `./docker.sock`). No environment
/// variable is read then.
///
/// NULL finds the daemon exactly as the docker CLI does without flags (the core's
/// `ClientBuilder::from_env`): DOCKER_HOST, else DOCKER_CONTEXT, else the `currentContext` of
/// `config.json` (in DOCKER_CONFIG or `~/.docker`), else `/var/run/docker.sock`; TLS from
/// DOCKER_TLS_VERIFY, DOCKER_TLS and DOCKER_CERT_PATH; DOCKER_API_VERSION pins the API
/// version. For a context, TLS files or a config directory given by the program, see
/// `dimg_client_new_with_options`.
///
/// `timeout_ms` is how long to wait for an answer and, while a pull streams, for each next
/// chunk; 0 means the default (120 s, as in Rust and Python), `DIMG_NO_TIMEOUT` no limit.
/// Connecting itself gives up after 5 s. For each limit on its own, see `dimg_timeouts`.
///
/// On success `*client_out` is a new client, to be released with `dimg_client_free`. Nothing
/// is sent yet: an absent daemon shows in the first call (`DIMG_RESULT_CONNECT`, or
/// `DIMG_RESULT_TLS` / `DIMG_RESULT_SSH` for those transports).
///
/// ```c
/// dimg_client *client = NULL;
/// if (dimg_client_new(NULL, 0, &client) != DIMG_RESULT_OK) {
///     char message[512];
///     dimg_last_error_message(message, sizeof message);
///     fprintf(stderr, "dimg: %s\n", message);
///     return 1;
/// }
/// printf("%s (context %s)\n", dimg_client_host(client), dimg_client_context_name(client));
/// dimg_client_free(client);
/// ```
///
/// Errors: `DIMG_RESULT_INVALID_ARGUMENT` for a NULL `client_out`, a non-UTF-8 or empty
/// `socket_or_host`, an address dimg cannot use (`npipe://`, a bad port, an ssh user or host
/// starting with `-`), a context that does not exist or cannot be read (the message names
/// it), an invalid DOCKER_API_VERSION; `DIMG_RESULT_TLS` for TLS files (from
/// DOCKER_CERT_PATH or the context) that cannot be read or used.
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
            let builder = match limit_from_ms(timeout_ms, dimg::DEFAULT_TIMEOUT) {
                Some(limit) => builder.timeout(limit),
                None => builder.no_timeout(),
            };
            write_out(out, dimg_client::build(builder)?);
            Ok(())
        })
    }
}

/// Settings of `dimg_client_new_with_options`: the docker CLI's connection flags (`--host`,
/// `--context`, `--config`, TLS files) and the timeouts. Made by `dimg_client_options_new` (no
/// environment variable read) or `dimg_client_options_from_env` (the environment first, as
/// the docker CLI), released by `dimg_client_options_free`. Under the hood, the core's
/// `dimg::ClientBuilder`: each setter is its setter of the same name, and every check happens
/// when the client is built. Change it from one thread at a time; building only reads it, and
/// it may be reused and freed right after.
#[allow(non_camel_case_types)]
#[derive(Debug)]
pub struct dimg_client_options {
    builder: dimg::ClientBuilder,
    /// Set by the `tls_*` setters, given to `ClientBuilder::tls` at build time (the core's
    /// builder takes one whole `TlsConfig`, the C setters set its parts one by one).
    tls: Option<dimg::TlsConfig>,
    /// Set by `dimg_client_options_set_credential_helper_timeout_ms`, given to the builder at
    /// build time (0 there means "the answer timeout", which the builder has no setter for).
    credential_helper_timeout: Option<Duration>,
    /// Set by the timeout setters, given to `ClientBuilder::timeouts` at build time (each C
    /// setter changes one limit, to a value or to none; the builder has no setter for "no
    /// connect limit" alone).
    timeouts: dimg::Timeouts,
    /// Set by `dimg_client_options_set_retry` (NULL: none), given to the builder at build time.
    retry: Option<dimg::RetryPolicy>,
}

impl dimg_client_options {
    /// Applies one of the core builder's (by-value) setters.
    fn update(&mut self, set: impl FnOnce(dimg::ClientBuilder) -> dimg::ClientBuilder) {
        self.builder = set(std::mem::take(&mut self.builder));
    }

    /// Applies one of `TlsConfig`'s setters, starting from `TlsConfig::new()` (verify, the
    /// system's roots, no client certificate).
    fn update_tls(&mut self, set: impl FnOnce(dimg::TlsConfig) -> dimg::TlsConfig) {
        self.tls = Some(set(self.tls.take().unwrap_or_default()));
    }

    /// Options around `builder` (from `ClientBuilder::new` or `from_env`, neither of which
    /// sets timeouts or retries).
    fn new(builder: dimg::ClientBuilder) -> dimg_client_options {
        dimg_client_options {
            builder,
            tls: None,
            credential_helper_timeout: None,
            timeouts: dimg::Timeouts::default(),
            retry: None,
        }
    }

    fn to_core(&self) -> dimg::ClientBuilder {
        let mut builder = self.builder.clone().timeouts(self.timeouts);
        if let Some(tls) = &self.tls {
            builder = builder.tls(tls.clone());
        }
        if let Some(limit) = self.credential_helper_timeout {
            builder = builder.credential_helper_timeout(limit);
        }
        if let Some(policy) = &self.retry {
            builder = builder.retry(policy.clone());
        }
        builder
    }
}

/// New client options that read no DOCKER_* environment variable (the core's
/// `ClientBuilder::new`): without a host or a context the client uses the `currentContext`
/// of `config.json` if there is one (the config directory is `dimg_client_options_set_config_dir`,
/// else DOCKER_CONFIG, else `~/.docker`), else `/var/run/docker.sock`. Default timeouts.
/// Release with `dimg_client_options_free`. Never NULL (except on an internal error).
///
/// ```c
/// dimg_client_options *options = dimg_client_options_new();
/// dimg_client_options_set_host(options, "tcp://10.0.0.5:2376");
/// dimg_client_options_set_tls_ca_cert(options, "/certs/ca.pem");
/// dimg_client_options_set_tls_client_cert(options, "/certs/cert.pem", "/certs/key.pem");
/// dimg_client *client = NULL;
/// dimg_result rc = dimg_client_new_with_options(options, &client);
/// dimg_client_options_free(options);
/// ```
#[unsafe(no_mangle)]
pub extern "C" fn dimg_client_options_new() -> *mut dimg_client_options {
    ffi_boundary! { into_raw(dimg_client_options::new(dimg::ClientBuilder::new())) }
}

/// New client options that start from the environment, as the docker CLI does (the core's
/// `ClientBuilder::from_env`; the same as `dimg_client_new(NULL, ...)`): DOCKER_HOST,
/// DOCKER_CONTEXT, `currentContext`, DOCKER_TLS_VERIFY, DOCKER_TLS, DOCKER_CERT_PATH,
/// DOCKER_API_VERSION. The setters then act as the docker CLI's flags: a context wins over
/// DOCKER_HOST (`--context`), a host over DOCKER_CONTEXT (`-H`), TLS settings replace those of
/// the environment. Release with `dimg_client_options_free`. Never NULL (except on an internal
/// error).
///
/// ```c
/// dimg_client_options *options = dimg_client_options_from_env();
/// dimg_client_options_set_timeout_ms(options, 30000);
/// dimg_client *client = NULL;
/// dimg_result rc = dimg_client_new_with_options(options, &client);
/// dimg_client_options_free(options);
/// ```
#[unsafe(no_mangle)]
pub extern "C" fn dimg_client_options_from_env() -> *mut dimg_client_options {
    ffi_boundary! { into_raw(dimg_client_options::new(dimg::ClientBuilder::from_env())) }
}

/// Releases client options. NULL does nothing.
#[unsafe(no_mangle)]
pub extern "C" fn dimg_client_options_free(options: *mut dimg_client_options) {
    ffi_boundary! { free_box(options) }
}

/// The daemon's address, as `docker -H` takes it: `unix:///path`, `tcp://host:port`,
/// `ssh://[user@]host[:port]`, `host:port` or a socket path (the rule of `dimg_client_new`).
/// Replaces an earlier host; it is checked when the client is built. A host together with a
/// context makes the build fail, as in the docker CLI.
///
/// ```c
/// dimg_client_options_set_host(options, "ssh://deploy@build-host");
/// ```
///
/// Errors: `DIMG_RESULT_INVALID_ARGUMENT` for NULL `options` or `host`, or a non-UTF-8 host.
#[unsafe(no_mangle)]
pub extern "C" fn dimg_client_options_set_host(options: *mut dimg_client_options, host: *const c_char) -> dimg_result {
    ffi_boundary! {
        fallible(|| {
            let options = arg_mut(options, "options")?;
            let host = arg_str(host, "host")?;
            options.update(|builder| builder.host(host));
            Ok(())
        })
    }
}

/// The docker context to use, as `docker --context NAME` (`default` is the built-in one):
/// its endpoint and TLS files are read from the context store of the config directory when
/// the client is built. It wins over DOCKER_HOST and DOCKER_CONTEXT; it cannot be combined
/// with `dimg_client_options_set_host` or the `tls` setters (the build fails).
///
/// ```c
/// dimg_client_options_set_context(options, "colima");
/// ```
///
/// Errors: `DIMG_RESULT_INVALID_ARGUMENT` for NULL `options` or `name`, or a non-UTF-8 name.
#[unsafe(no_mangle)]
pub extern "C" fn dimg_client_options_set_context(
    options: *mut dimg_client_options,
    name: *const c_char,
) -> dimg_result {
    ffi_boundary! {
        fallible(|| {
            let options = arg_mut(options, "options")?;
            let name = arg_str(name, "name")?;
            options.update(|builder| builder.context(name));
            Ok(())
        })
    }
}

/// The docker CLI's configuration directory, as `docker --config DIR`: where `config.json`
/// (its `currentContext`) and the context store are. Default: DOCKER_CONFIG, else
/// `~/.docker`. Nothing in it is ever written.
///
/// ```c
/// dimg_client_options_set_config_dir(options, "/home/me/.docker");
/// ```
///
/// Errors: `DIMG_RESULT_INVALID_ARGUMENT` for NULL `options` or `dir`, or a non-UTF-8 path.
#[unsafe(no_mangle)]
pub extern "C" fn dimg_client_options_set_config_dir(
    options: *mut dimg_client_options,
    dir: *const c_char,
) -> dimg_result {
    ffi_boundary! {
        fallible(|| {
            let options = arg_mut(options, "options")?;
            let dir = arg_str(dir, "dir")?;
            options.update(|builder| builder.config_dir(dir));
            Ok(())
        })
    }
}

/// TLS for a `tcp://` host, trusting only the CA(s) in this PEM file (`--tlscacert`). Any
/// `tls` setter turns TLS on, verifying the daemon's certificate unless
/// `dimg_client_options_set_tls_verify(options, false)`; without a CA file the system's roots
/// are trusted. The file is read when the client is built. TLS settings replace those of the
/// environment and make the build fail with a context or a host that is not `tcp://`.
///
/// ```c
/// dimg_client_options_set_tls_ca_cert(options, "/certs/ca.pem");
/// ```
///
/// Errors: `DIMG_RESULT_INVALID_ARGUMENT` for NULL `options` or `path`, or a non-UTF-8 path.
#[unsafe(no_mangle)]
pub extern "C" fn dimg_client_options_set_tls_ca_cert(
    options: *mut dimg_client_options,
    path: *const c_char,
) -> dimg_result {
    ffi_boundary! {
        fallible(|| {
            let options = arg_mut(options, "options")?;
            let path = arg_str(path, "path")?;
            options.update_tls(|tls| tls.ca_cert(path));
            Ok(())
        })
    }
}

/// TLS (see `dimg_client_options_set_tls_ca_cert`) presenting this client certificate and its
/// key, both PEM files (`--tlscert`, `--tlskey`); read when the client is built.
///
/// ```c
/// dimg_client_options_set_tls_client_cert(options, "/certs/cert.pem", "/certs/key.pem");
/// ```
///
/// Errors: `DIMG_RESULT_INVALID_ARGUMENT` for NULL `options`, `cert` or `key`, or a non-UTF-8
/// path.
#[unsafe(no_mangle)]
pub extern "C" fn dimg_client_options_set_tls_client_cert(
    options: *mut dimg_client_options,
    cert: *const c_char,
    key: *const c_char,
) -> dimg_result {
    ffi_boundary! {
        fallible(|| {
            let options = arg_mut(options, "options")?;
            let cert = arg_str(cert, "cert")?;
            let key = arg_str(key, "key")?;
            options.update_tls(|tls| tls.client_cert(cert, key));
            Ok(())
        })
    }
}

/// TLS (see `dimg_client_options_set_tls_ca_cert`), verifying the daemon's certificate or not
/// (`--tlsverify`; false is `--tls` alone, docker's SkipTLSVerify). The client certificate is
/// sent either way.
///
/// ```c
/// dimg_client_options_set_tls_verify(options, true);
/// ```
///
/// Errors: `DIMG_RESULT_INVALID_ARGUMENT` for NULL `options`.
#[unsafe(no_mangle)]
pub extern "C" fn dimg_client_options_set_tls_verify(options: *mut dimg_client_options, verify: bool) -> dimg_result {
    ffi_boundary! {
        fallible(|| {
            arg_mut(options, "options")?.update_tls(|tls| tls.verify(verify));
            Ok(())
        })
    }
}

/// How long to wait for an answer and, while a pull streams, for each next chunk, in
/// milliseconds: sets both `total_ms` and `idle_ms` of `dimg_timeouts`. 0 means the default
/// (120 s), as in `dimg_client_new`; `DIMG_NO_TIMEOUT` no limit.
///
/// ```c
/// dimg_client_options_set_timeout_ms(options, 30000);
/// ```
///
/// Errors: `DIMG_RESULT_INVALID_ARGUMENT` for NULL `options`.
#[unsafe(no_mangle)]
pub extern "C" fn dimg_client_options_set_timeout_ms(
    options: *mut dimg_client_options,
    timeout_ms: u32,
) -> dimg_result {
    ffi_boundary! {
        fallible(|| {
            let limit = limit_from_ms(timeout_ms, dimg::DEFAULT_TIMEOUT);
            let timeouts = &mut arg_mut(options, "options")?.timeouts;
            timeouts.total = limit;
            timeouts.idle = limit;
            Ok(())
        })
    }
}

/// How long to wait for the daemon to accept a connection (for TLS, and again for the
/// handshake; for ssh, for the first answer through it), in milliseconds: `connect_ms` of
/// `dimg_timeouts`. 0 means the default (5 s), `DIMG_NO_TIMEOUT` no limit.
///
/// ```c
/// dimg_client_options_set_connect_timeout_ms(options, 2000);
/// ```
///
/// Errors: `DIMG_RESULT_INVALID_ARGUMENT` for NULL `options`.
#[unsafe(no_mangle)]
pub extern "C" fn dimg_client_options_set_connect_timeout_ms(
    options: *mut dimg_client_options,
    timeout_ms: u32,
) -> dimg_result {
    ffi_boundary! {
        fallible(|| {
            let limit = limit_from_ms(timeout_ms, dimg::DEFAULT_CONNECT_TIMEOUT);
            arg_mut(options, "options")?.timeouts.connect = limit;
            Ok(())
        })
    }
}

/// All three limits at once (see `dimg_timeouts`: in each field 0 is the default,
/// `DIMG_NO_TIMEOUT` no limit). The values are copied.
///
/// ```c
/// // a daemon that answers slowly, pulls that may pause for up to ten minutes
/// dimg_timeouts limits = {.connect_ms = 0, .total_ms = 300000, .idle_ms = 600000};
/// dimg_client_options_set_timeouts(options, &limits);
/// ```
///
/// Errors: `DIMG_RESULT_INVALID_ARGUMENT` for NULL `options` or `timeouts`.
#[unsafe(no_mangle)]
pub extern "C" fn dimg_client_options_set_timeouts(
    options: *mut dimg_client_options,
    timeouts: *const dimg_timeouts,
) -> dimg_result {
    ffi_boundary! {
        fallible(|| {
            let options = arg_mut(options, "options")?;
            options.timeouts = arg_ref(timeouts, "timeouts")?.to_core();
            Ok(())
        })
    }
}

/// Retries for the client's pulls, searches and inspects (see `dimg_retry_policy`); NULL
/// (the default) for none. The policy is copied: it may be freed right after.
///
/// ```c
/// dimg_retry_policy *policy = dimg_retry_policy_new(3);
/// dimg_client_options_set_retry(options, policy);
/// dimg_retry_policy_free(policy);
/// ```
///
/// Errors: `DIMG_RESULT_INVALID_ARGUMENT` for NULL `options`.
#[unsafe(no_mangle)]
pub extern "C" fn dimg_client_options_set_retry(
    options: *mut dimg_client_options,
    policy: *const dimg_retry_policy,
) -> dimg_result {
    ffi_boundary! {
        fallible(|| {
            let options = arg_mut(options, "options")?;
            options.retry = opt_ref(policy).map(dimg_retry_policy::to_core);
            Ok(())
        })
    }
}

/// How long a credential helper (a `docker-credential-*` program named by `credHelpers` or
/// `credsStore` in `config.json`, run to find a pull's registry credentials) may take to
/// answer, in milliseconds; 0 means the default: the answer timeout
/// (`dimg_client_options_set_timeout_ms`). A helper still running then is killed, with what it
/// started, and the pull fails with `DIMG_RESULT_CREDENTIALS` naming it and the limit.
///
/// ```c
/// // slow pulls are fine, a stuck keychain is not
/// dimg_client_options_set_timeout_ms(options, 300000);
/// dimg_client_options_set_credential_helper_timeout_ms(options, 10000);
/// ```
///
/// Errors: `DIMG_RESULT_INVALID_ARGUMENT` for NULL `options`.
#[unsafe(no_mangle)]
pub extern "C" fn dimg_client_options_set_credential_helper_timeout_ms(
    options: *mut dimg_client_options,
    timeout_ms: u32,
) -> dimg_result {
    ffi_boundary! {
        fallible(|| {
            let limit = (timeout_ms != 0).then(|| Duration::from_millis(u64::from(timeout_ms)));
            arg_mut(options, "options")?.credential_helper_timeout = limit;
            Ok(())
        })
    }
}

/// Creates a client with `options`, resolving its endpoint now: the context store, `config.json`
/// and the TLS files are read here (nothing is sent to the daemon yet). On success
/// `*client_out` is a new client, to be released with `dimg_client_free`; `options` may be
/// freed right away.
///
/// ```c
/// dimg_client_options *options = dimg_client_options_new();
/// dimg_client_options_set_config_dir(options, "/home/me/.docker");
/// dimg_client_options_set_context(options, "remote");
/// dimg_client *client = NULL;
/// dimg_result rc = dimg_client_new_with_options(options, &client);
/// dimg_client_options_free(options);
/// if (rc == DIMG_RESULT_OK && dimg_client_endpoint_kind(client) == DIMG_ENDPOINT_KIND_SSH)
///     printf("over ssh to %s\n", dimg_client_host(client));
/// dimg_client_free(client);
/// ```
///
/// Errors: `DIMG_RESULT_INVALID_ARGUMENT` for NULL `options` or `client_out`, an address dimg
/// cannot use, a host together with a context (`conflicting options: cannot specify both
/// --host and --context`), TLS settings with a context or a host that is not `tcp://`, a
/// context that does not exist or whose `meta.json` cannot be read (the message names it), an
/// invalid DOCKER_API_VERSION (`dimg_client_options_from_env`); `DIMG_RESULT_TLS` for TLS
/// files that cannot be read or used (the message names the file).
#[unsafe(no_mangle)]
pub extern "C" fn dimg_client_new_with_options(
    options: *const dimg_client_options,
    client_out: *mut *mut dimg_client,
) -> dimg_result {
    ffi_boundary! {
        fallible(|| {
            let builder = arg_ref(options, "options")?.to_core();
            let out = out_arg(client_out, "client_out")?;
            write_out(out, dimg_client::build(builder)?);
            Ok(())
        })
    }
}

/// Releases a client made by `dimg_client_new` or `dimg_client_new_with_options`, closing its
/// connections (for `ssh://`, ending and reaping its `ssh` processes). NULL does nothing. No
/// other thread may be using it; results obtained through it (lists, reports, ...) stay valid.
#[unsafe(no_mangle)]
pub extern "C" fn dimg_client_free(client: *mut dimg_client) {
    ffi_boundary! { free_box(client) }
}

/// A new handle on the same daemon, sharing `client`'s connections, negotiated API version
/// and settings, whose calls run under `timeouts` instead (the core's `Client::with_timeouts`):
/// for one call that must be quick, or may be slow, without a second connection pool. In each
/// field 0 is the default and `DIMG_NO_TIMEOUT` no limit (see `dimg_timeouts`); start from
/// `dimg_client_timeouts` to change one limit only. On success `*client_out` is the new
/// handle, to be released with `dimg_client_free` (in any order with `client`).
///
/// ```c
/// dimg_timeouts limits;
/// dimg_client_timeouts(client, &limits);
/// limits.idle_ms = 10000; // this pull: give up when the daemon says nothing for 10 s
/// dimg_client *impatient = NULL;
/// if (dimg_client_with_timeouts(client, &limits, &impatient) == DIMG_RESULT_OK) {
///     dimg_result rc = dimg_client_pull(impatient, "registry.example/app:1.4", NULL, NULL, NULL, NULL);
///     if (rc == DIMG_RESULT_TIMEOUT)
///         fputs("the pull stalled\n", stderr);
///     dimg_client_free(impatient);
/// }
/// ```
///
/// Errors: `DIMG_RESULT_INVALID_ARGUMENT` for NULL `client`, `timeouts` or `client_out`.
#[unsafe(no_mangle)]
pub extern "C" fn dimg_client_with_timeouts(
    client: *const dimg_client,
    timeouts: *const dimg_timeouts,
    client_out: *mut *mut dimg_client,
) -> dimg_result {
    ffi_boundary! {
        fallible(|| {
            let client = arg_ref(client, "client")?;
            let timeouts = arg_ref(timeouts, "timeouts")?.to_core();
            let out = out_arg(client_out, "client_out")?;
            write_out(out, client.sibling(client.client.with_timeouts(timeouts)));
            Ok(())
        })
    }
}

/// Writes the client's limits into `*timeouts_out`, in milliseconds (`DIMG_NO_TIMEOUT` for no
/// limit; never 0): the ones its options gave, or `dimg_client_with_timeouts`.
///
/// ```c
/// dimg_timeouts limits;
/// if (dimg_client_timeouts(client, &limits) == DIMG_RESULT_OK)
///     printf("connect %u ms, total %u ms, idle %u ms\n", limits.connect_ms, limits.total_ms, limits.idle_ms);
/// ```
///
/// Errors: `DIMG_RESULT_INVALID_ARGUMENT` for NULL `client` or `timeouts_out`.
#[unsafe(no_mangle)]
pub extern "C" fn dimg_client_timeouts(client: *const dimg_client, timeouts_out: *mut dimg_timeouts) -> dimg_result {
    ffi_boundary! {
        fallible(|| {
            let timeouts = dimg_timeouts::from_core(arg_ref(client, "client")?.client.timeouts());
            if !write_ptr(timeouts_out, timeouts) {
                return Err(Failure::invalid_argument("timeouts_out is NULL"));
            }
            Ok(())
        })
    }
}

/// A new handle on the same daemon, sharing `client`'s connections and settings, whose pulls,
/// searches and inspects are retried by `policy` (the core's `Client::with_retry`; NULL: not
/// retried). The policy is copied. On success `*client_out` is the new handle, to be released
/// with `dimg_client_free` (in any order with `client`).
///
/// ```c
/// dimg_retry_policy *policy = dimg_retry_policy_new(4);
/// dimg_client *patient = NULL;
/// if (dimg_client_with_retry(client, policy, &patient) == DIMG_RESULT_OK) {
///     if (dimg_client_pull(patient, "registry.example/app:1.4", NULL, NULL, NULL, NULL) != DIMG_RESULT_OK)
///         fprintf(stderr, "failed after %u attempt(s)\n", dimg_last_error_attempts());
///     dimg_client_free(patient);
/// }
/// dimg_retry_policy_free(policy);
/// ```
///
/// Errors: `DIMG_RESULT_INVALID_ARGUMENT` for NULL `client` or `client_out`.
#[unsafe(no_mangle)]
pub extern "C" fn dimg_client_with_retry(
    client: *const dimg_client,
    policy: *const dimg_retry_policy,
    client_out: *mut *mut dimg_client,
) -> dimg_result {
    ffi_boundary! {
        fallible(|| {
            let client = arg_ref(client, "client")?;
            let policy = opt_ref(policy).map(dimg_retry_policy::to_core);
            let out = out_arg(client_out, "client_out")?;
            write_out(out, client.sibling(client.client.with_retry(policy)));
            Ok(())
        })
    }
}

/// How a client reaches its daemon (`dimg_client_endpoint_kind`). The numbers are stable.
#[repr(C)]
#[allow(non_camel_case_types)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum dimg_endpoint_kind {
    /// Only for a NULL client (or a kind this version of libdimg does not know).
    Unknown = 0,
    /// A Unix socket (`unix:///var/run/docker.sock`).
    Unix = 1,
    /// Plain HTTP over TCP (`tcp://host:2375`).
    Tcp = 2,
    /// HTTPS over TCP (`tcp://host:2376` with TLS).
    Tls = 3,
    /// The system `ssh` running `docker system dial-stdio` on the remote host (`ssh://host`).
    Ssh = 4,
}

impl From<dimg::EndpointKind> for dimg_endpoint_kind {
    fn from(kind: dimg::EndpointKind) -> dimg_endpoint_kind {
        match kind {
            dimg::EndpointKind::Unix => dimg_endpoint_kind::Unix,
            dimg::EndpointKind::Tcp => dimg_endpoint_kind::Tcp,
            dimg::EndpointKind::Tls => dimg_endpoint_kind::Tls,
            dimg::EndpointKind::Ssh => dimg_endpoint_kind::Ssh,
            _ => dimg_endpoint_kind::Unknown,
        }
    }
}

impl crate::ffi::PanicValue for dimg_endpoint_kind {
    fn panic_value() -> Self {
        dimg_endpoint_kind::Unknown
    }
}

/// How the client reaches its daemon: Unix socket, plain TCP, TLS or ssh;
/// `DIMG_ENDPOINT_KIND_UNKNOWN` for a NULL client.
///
/// ```c
/// if (dimg_client_endpoint_kind(client) == DIMG_ENDPOINT_KIND_TLS)
///     puts("TLS");
/// ```
#[unsafe(no_mangle)]
pub extern "C" fn dimg_client_endpoint_kind(client: *const dimg_client) -> dimg_endpoint_kind {
    ffi_boundary! { opt_ref(client).map_or(dimg_endpoint_kind::Unknown, |c| c.kind) }
}

/// The name of the docker context the client's endpoint comes from: the context's name, or
/// `default` (docker's name for an explicit host, DOCKER_HOST, the TLS variables and the
/// default socket). Borrowed until the client is freed; NULL for a NULL client.
///
/// ```c
/// printf("context %s: %s\n", dimg_client_context_name(client), dimg_client_host(client));
/// ```
#[unsafe(no_mangle)]
pub extern "C" fn dimg_client_context_name(client: *const dimg_client) -> *const c_char {
    ffi_boundary! {
        opt_ref(client).map_or(std::ptr::null(), |c| c_ptr(&c.context))
    }
}

/// The daemon's address in DOCKER_HOST form (`unix:///var/run/docker.sock`,
/// `tcp://127.0.0.1:2376`, `ssh://root@host:2222`), borrowed until the client is freed; NULL
/// for a NULL client.
#[unsafe(no_mangle)]
pub extern "C" fn dimg_client_host(client: *const dimg_client) -> *const c_char {
    ffi_boundary! {
        opt_ref(client).map_or(std::ptr::null(), |c| c_ptr(&c.host))
    }
}

/// How long the client waits for an answer (`total_ms` of `dimg_timeouts`), in milliseconds
/// (120 000 unless another value was given: the same default as in Rust and Python); 0 for a
/// NULL client or no limit.
#[unsafe(no_mangle)]
pub extern "C" fn dimg_client_timeout_ms(client: *const dimg_client) -> u64 {
    ffi_boundary! {
        opt_ref(client)
            .and_then(|c| c.client.timeout())
            .map_or(0, |limit| u64::try_from(limit.as_millis()).unwrap_or(u64::MAX))
    }
}

/// The Unix socket path the client talks to ("" when it does not use one: `tcp://`,
/// `ssh://`), borrowed until the client is freed; NULL for a NULL client.
#[unsafe(no_mangle)]
pub extern "C" fn dimg_client_socket_path(client: *const dimg_client) -> *const c_char {
    ffi_boundary! {
        opt_ref(client).map_or(std::ptr::null(), |c| c_ptr(&c.socket))
    }
}

#[cfg(test)]
mod tests {
    use std::ffi::CStr;
    use std::ptr::null_mut;

    use super::*;
    use crate::error::{dimg_last_error_code, dimg_last_error_message};
    use crate::timeouts::DIMG_NO_TIMEOUT;

    fn message() -> String {
        let mut buf = [0u8; 512];
        let n = dimg_last_error_message(buf.as_mut_ptr().cast(), buf.len());
        String::from_utf8_lossy(&buf[..n.min(511)]).into_owned()
    }

    fn borrowed(p: *const c_char) -> String {
        unsafe { CStr::from_ptr(p) }.to_str().unwrap().to_string()
    }

    /// Options that never read the real `~/.docker`.
    fn fresh_options() -> *mut dimg_client_options {
        let options = dimg_client_options_new();
        assert_eq!(
            dimg_client_options_set_config_dir(options, c"/nonexistent/dimg-c-client".as_ptr()),
            dimg_result::Ok
        );
        options
    }

    fn build(options: *const dimg_client_options) -> Result<*mut dimg_client, (dimg_result, String)> {
        let mut client = null_mut();
        match dimg_client_new_with_options(options, &mut client) {
            dimg_result::Ok => Ok(client),
            code => {
                assert!(client.is_null());
                assert_eq!(dimg_last_error_code(), code);
                Err((code, message()))
            }
        }
    }

    #[test]
    fn hosts_give_their_kind_address_and_the_default_context() {
        for (host, kind, address) in [
            (c"unix:///run/x.sock", dimg_endpoint_kind::Unix, "unix:///run/x.sock"),
            (c"tcp://127.0.0.1", dimg_endpoint_kind::Tcp, "tcp://127.0.0.1:2375"),
            (
                c"ssh://me@build-host:2222",
                dimg_endpoint_kind::Ssh,
                "ssh://me@build-host:2222",
            ),
        ] {
            let mut client = null_mut();
            assert_eq!(dimg_client_new(host.as_ptr(), 0, &mut client), dimg_result::Ok);
            assert_eq!(dimg_client_endpoint_kind(client), kind);
            assert_eq!(borrowed(dimg_client_host(client)), address);
            assert_eq!(borrowed(dimg_client_context_name(client)), "default");
            dimg_client_free(client);

            let options = fresh_options();
            assert_eq!(dimg_client_options_set_host(options, host.as_ptr()), dimg_result::Ok);
            let client = build(options).unwrap();
            assert_eq!(dimg_client_endpoint_kind(client), kind);
            assert_eq!(borrowed(dimg_client_host(client)), address);
            dimg_client_free(client);
            dimg_client_options_free(options);
        }
    }

    #[test]
    fn tls_setters_make_a_tls_endpoint_and_files_are_read_at_build() {
        let options = fresh_options();
        assert_eq!(
            dimg_client_options_set_host(options, c"tcp://127.0.0.1:2376".as_ptr()),
            dimg_result::Ok
        );
        assert_eq!(dimg_client_options_set_tls_verify(options, false), dimg_result::Ok);
        let client = build(options).unwrap();
        assert_eq!(dimg_client_endpoint_kind(client), dimg_endpoint_kind::Tls);
        assert_eq!(borrowed(dimg_client_socket_path(client)), "");
        dimg_client_free(client);

        // Verifying, the CA file is read when the client is built.
        assert_eq!(
            dimg_client_options_set_tls_ca_cert(options, c"/nonexistent/dimg-c/ca.pem".as_ptr()),
            dimg_result::Ok
        );
        assert_eq!(dimg_client_options_set_tls_verify(options, true), dimg_result::Ok);
        let (code, text) = build(options).unwrap_err();
        assert_eq!(code, dimg_result::Tls, "{text}");
        assert!(text.contains("/nonexistent/dimg-c/ca.pem"), "{text}");

        assert_eq!(
            dimg_client_options_set_host(options, c"unix:///x.sock".as_ptr()),
            dimg_result::Ok
        );
        let (code, text) = build(options).unwrap_err();
        assert_eq!(code, dimg_result::InvalidArgument, "{text}");
        assert!(text.contains("TLS settings need a tcp:// host"), "{text}");
        dimg_client_options_free(options);
    }

    #[test]
    fn host_and_context_conflict_and_a_missing_context_is_named() {
        let options = fresh_options();
        assert_eq!(
            dimg_client_options_set_context(options, c"nosuch-ctx".as_ptr()),
            dimg_result::Ok
        );
        let (code, text) = build(options).unwrap_err();
        assert_eq!(code, dimg_result::InvalidArgument);
        assert!(
            text.contains("\"nosuch-ctx\"") && text.contains("context not found"),
            "{text}"
        );
        assert_eq!(
            dimg_client_options_set_host(options, c"tcp://127.0.0.1:1".as_ptr()),
            dimg_result::Ok
        );
        let (code, text) = build(options).unwrap_err();
        assert_eq!(code, dimg_result::InvalidArgument);
        assert_eq!(text, "conflicting options: cannot specify both --host and --context");
        dimg_client_options_free(options);

        // `default` is the built-in context.
        let options = fresh_options();
        assert_eq!(
            dimg_client_options_set_context(options, c"default".as_ptr()),
            dimg_result::Ok
        );
        let client = build(options).unwrap();
        assert_eq!(borrowed(dimg_client_host(client)), "unix:///var/run/docker.sock");
        dimg_client_free(client);
        dimg_client_options_free(options);
    }

    #[test]
    fn timeouts_zero_means_the_default() {
        let options = fresh_options();
        let timeout_of = |options| {
            let client = build(options).unwrap();
            let ms = dimg_client_timeout_ms(client);
            dimg_client_free(client);
            ms
        };
        assert_eq!(timeout_of(options), 120_000);
        assert_eq!(dimg_client_options_set_timeout_ms(options, 1500), dimg_result::Ok);
        assert_eq!(
            dimg_client_options_set_connect_timeout_ms(options, 700),
            dimg_result::Ok
        );
        assert_eq!(timeout_of(options), 1500);
        assert_eq!(dimg_client_options_set_timeout_ms(options, 0), dimg_result::Ok);
        assert_eq!(dimg_client_options_set_connect_timeout_ms(options, 0), dimg_result::Ok);
        assert_eq!(timeout_of(options), 120_000);
        dimg_client_options_free(options);
    }

    fn timeouts_of(client: *const dimg_client) -> dimg_timeouts {
        let mut limits = dimg_timeouts::default();
        assert_eq!(dimg_client_timeouts(client, &mut limits), dimg_result::Ok);
        limits
    }

    #[test]
    fn timeouts_one_by_one_all_at_once_and_per_handle() {
        let limits = |connect_ms, total_ms, idle_ms| dimg_timeouts {
            connect_ms,
            total_ms,
            idle_ms,
        };
        let options = fresh_options();
        let client = build(options).unwrap();
        assert_eq!(timeouts_of(client), limits(5000, 120_000, 120_000), "the defaults");
        dimg_client_free(client);

        // Each setter changes its own limits; DIMG_NO_TIMEOUT is none, 0 the default again.
        assert_eq!(
            dimg_client_options_set_connect_timeout_ms(options, DIMG_NO_TIMEOUT),
            dimg_result::Ok
        );
        assert_eq!(dimg_client_options_set_timeout_ms(options, 1500), dimg_result::Ok);
        let client = build(options).unwrap();
        assert_eq!(timeouts_of(client), limits(DIMG_NO_TIMEOUT, 1500, 1500));
        dimg_client_free(client);
        assert_eq!(
            dimg_client_options_set_timeout_ms(options, DIMG_NO_TIMEOUT),
            dimg_result::Ok
        );
        let client = build(options).unwrap();
        assert_eq!(
            timeouts_of(client),
            limits(DIMG_NO_TIMEOUT, DIMG_NO_TIMEOUT, DIMG_NO_TIMEOUT)
        );
        assert_eq!(dimg_client_timeout_ms(client), 0, "no limit");
        dimg_client_free(client);

        assert_eq!(
            dimg_client_options_set_timeouts(options, &limits(0, 3000, DIMG_NO_TIMEOUT)),
            dimg_result::Ok
        );
        let client = build(options).unwrap();
        assert_eq!(timeouts_of(client), limits(5000, 3000, DIMG_NO_TIMEOUT));
        dimg_client_options_free(options);

        // Another handle with other limits, on the same daemon; each is freed on its own.
        let mut quick = null_mut();
        assert_eq!(
            dimg_client_with_timeouts(client, &limits(700, 0, 250), &mut quick),
            dimg_result::Ok
        );
        assert_eq!(timeouts_of(quick), limits(700, 120_000, 250));
        assert_eq!(timeouts_of(client), limits(5000, 3000, DIMG_NO_TIMEOUT), "unchanged");
        assert_eq!(borrowed(dimg_client_host(quick)), borrowed(dimg_client_host(client)));
        assert_eq!(dimg_client_endpoint_kind(quick), dimg_client_endpoint_kind(client));
        dimg_client_free(client);
        let policy = crate::retry::dimg_retry_policy_new(3);
        let mut patient = null_mut();
        assert_eq!(dimg_client_with_retry(quick, policy, &mut patient), dimg_result::Ok);
        crate::retry::dimg_retry_policy_free(policy);
        assert_eq!(timeouts_of(patient), limits(700, 120_000, 250), "the limits stay");
        dimg_client_free(quick);
        assert_eq!(borrowed(dimg_client_socket_path(patient)), "/var/run/docker.sock");
        dimg_client_free(patient);
    }
}
