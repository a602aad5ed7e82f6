//! Shared pieces of dimg's benchmarks (not a library for others):
//!
//! - [`inputs`]: the fixed, generated inputs of the criterion benches (an image list of 10 000
//!   entries and a long pull stream, both built from the shapes in `tests/samples`, and a
//!   reference corpus);
//! - [`raw`]: the raw floor of the side-by-side harness, one HTTP/1.1 request at a time on a
//!   kept-alive connection (a `std::os::unix::net::UnixStream`, a rustls client over TCP, or an
//!   `ssh ... docker system dial-stdio` child), with the body read but not parsed.

pub mod inputs;
pub mod raw;
