//! libdimg: the C binding of dimg. Link with `-ldimg` (or `pkg-config --cflags --libs dimg`)
//! and include `dimg.h`. It lists, searches, pulls (one or many at once, retried if asked
//! to), removes and prunes images through a Docker Engine (or Podman) API: a Unix socket,
//! `tcp://` (plain or TLS), `ssh://`, or a docker context, found as the docker CLI finds it;
//! all the work is done by the Rust crate `dimg`.
//!
//! Conventions (they hold for every function of this header):
//!
//! - Result codes. Every function that can fail returns a `dimg_result`: `DIMG_RESULT_OK` (0)
//!   or a non-zero code. The numbers are stable: never renumbered, never reused.
//! - Last error. When a call fails, its message, code and HTTP status are kept for the calling
//!   thread: `dimg_last_error_message`, `dimg_last_error_code`, `dimg_last_error_http_status`.
//!   Every function returning a `dimg_result` clears them when it starts; accessors and
//!   `_free` functions leave them alone. Messages are for people, their wording is not API.
//! - Outputs. Results come back through trailing `T **name_out` parameters, written only on
//!   success. Start from NULL: after a failure there is nothing to free.
//! - Ownership. Every type is opaque. What a `_new` function or a `**name_out` parameter gives
//!   you is yours and must be released with the `_free` function its documentation names;
//!   every `_free(NULL)` does nothing. No function takes ownership of its arguments (freeing
//!   them after any call is always right). `const char *` and `const dimg_... *` returned by
//!   accessors are borrowed: valid until the object that owns them is freed, never freed by
//!   you.
//! - Strings. Inputs are NUL-terminated UTF-8. A NULL pointer where one is not allowed, or
//!   invalid UTF-8, makes a fallible function return `DIMG_RESULT_INVALID_ARGUMENT`; other
//!   functions then return NULL, 0 or false and never crash. Output strings are NUL-terminated
//!   UTF-8; a value the daemon did not give is "" (never NULL), and daemon text is cut at an
//!   embedded NUL.
//! - Limits. Every `*_ms` limit (timeouts, `dimg_timeouts`) takes 0 for its default and
//!   `DIMG_NO_TIMEOUT` for no limit at all.
//! - Threads. A `dimg_client` may be used from any number of threads at once. Each call runs on
//!   the calling thread, blocking only that thread (the client's kept-alive connections are
//!   shared); progress callbacks run on that calling thread too. Results (lists, reports, summaries) are immutable and may
//!   be read from several threads. Options objects may be read by several calls at once but
//!   changed by one thread at a time, while no call is using them.
//! - Callbacks must not call back into `dimg_client_*` functions: such a call returns
//!   `DIMG_RESULT_REENTRANT`. Accessors, options, `_free` and `dimg_last_error_*` are fine.
//! - Panics never cross into C: a bug inside libdimg makes the function return
//!   `DIMG_RESULT_PANIC` (NULL, 0 or false for functions without a result code).
//! - Threads of libdimg: none. Each call does its I/O on the calling thread, waiting for the
//!   socket with poll(2); `dimg_shutdown` is kept for programs that call it and does nothing.
//! - Processes: an `ssh://` client runs the `ssh` on PATH (`ssh ... docker system dial-stdio`,
//!   as the docker CLI) as a child process per pooled connection, and waits for it when the
//!   connection closes or `dimg_client_free` is called: nothing is left running or unreaped.
//! - fork(): a child process may use libdimg, but must create its own clients; clients created
//!   before fork() are not usable in the child.
#![warn(missing_docs)]

#[macro_use]
mod ffi;

mod buf;
mod client;
mod daemon;
mod error;
mod format;
mod image;
mod list;
mod mirror;
mod prune;
mod pull;
mod pull_many;
mod remove;
mod retry;
mod runtime;
mod search;
mod strings;
mod timeouts;

pub use client::*;
pub use daemon::*;
pub use error::*;
pub use format::*;
pub use image::*;
pub use list::*;
pub use mirror::*;
pub use prune::*;
pub use pull::*;
pub use pull_many::*;
pub use remove::*;
pub use retry::*;
pub use runtime::dimg_shutdown;
pub use search::*;
pub use strings::*;
pub use timeouts::*;

#[cfg(test)]
mod null_tests;
