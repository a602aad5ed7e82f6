//! # dimg: Docker images from Rust, typed
//!
//! `dimg` lists, searches, pulls and removes images through a Docker Engine (or Podman)
//! API socket, with what `docker images`, `docker search`, `docker pull` and `docker rmi`
//! offer, without shelling out to `docker`.
//!
//! - [`Client`]: where the daemon is ([`Endpoint`]: a Unix socket, `tcp://` with or without
//!   TLS, or `ssh://`, chosen like the docker CLI does from `DOCKER_HOST`, contexts and the TLS
//!   variables; see [`ConnectOptions`]), timeouts, and API version negotiation through `GET /_ping`; async, on Tokio.
//! - [`blocking::Client`]: the same calls for synchronous programs, on the calling thread,
//!   without an async runtime.
//! - [`Images`]: [`list`](Images::list), [`search`](Images::search), [`pull`](Images::pull)
//!   (a stream of typed events), [`remove`](Images::remove) and
//!   [`remove_many`](Images::remove_many) (docker rmi's semantics), [`inspect`](Images::inspect),
//!   [`tag`](Images::tag), [`prune`](Images::prune), and [`pull_many`](Images::pull_many) (many
//!   pulls at once with one progress, [`PullTotals`]).
//! - [`Timeouts`] (connect, total, idle) for every call, per client or per call
//!   ([`Client::with_timeouts`]); [`RetryPolicy`] for pull, search and inspect, retrying only
//!   transient failures ([`Error::is_transient`]).
//! - [`ImageRef`]: references parsed and normalised like distribution/reference, so a bad name
//!   fails before any request and can never smuggle query parameters or path segments.
//! - [`Error`]: one error enum for every failure.
//!
//! What the docker CLI prints for these results (tables, `--format`, pull progress) is the
//! `dimg-render` crate's job; this crate is the typed client alone.
//!
//! ```no_run
//! use dimg::{Client, ListOptions, PullOptions, RemoveOptions, SearchOptions};
//!
//! # async fn demo() -> dimg::Result<()> {
//! let docker = Client::from_env()?;
//! let images = docker.images();
//! for image in images.list(&ListOptions::new().all(true)).await? {
//!     println!("{:?} {}", image.repo_tags, image.size);
//! }
//! let hits = images.search("tomcat", &SearchOptions::new().limit(5)).await?;
//! let pulled = images.pull("zookeeper", &PullOptions::new()).finish().await?;   // zookeeper:latest
//! images.remove("zookeeper", &RemoveOptions::new()).await?;
//! # Ok(()) }
//! ```
//!
//! ## Layers
//! From the top: [`blocking`] (the synchronous façade) and the operations in `api` (images,
//! pull, system) build requests for a [`Client`]; `client` negotiates the API version; the
//! transport sends every request over a pool of kept-alive connections, opened by its
//! connectors for an [`Endpoint`]; `runtime` says what waits for them (Tokio, or `poll(2)` on
//! the calling thread). [`mod@reference`], `model`, [`auth`] and [`Error`] are used throughout.
#![warn(missing_docs)]

mod api;
pub mod auth;
pub mod blocking;
mod client;
pub mod daemon_config;
mod error;
#[cfg(any(test, fuzzing, feature = "fuzzing"))]
#[doc(hidden)]
pub mod fuzzing;
mod model;
pub mod reference;
mod retry;
mod runtime;
mod transport;
mod version;

pub use api::images::{Images, RemoveOutcome, RemoveReport};
pub use api::options::{
    ImageFilter, ListOptions, PullOptions, PullPolicy, RemoveOptions, SearchFilter, SearchOptions, check_platform,
};
pub use api::prune::{PruneFilter, PruneOptions, PruneReport};
pub use api::pull::{PullEvent, PullOutcome, PullPhase, PullStream, PullSummary};
pub use api::pull_many::{PullMany, PullManyProgress, PullTotals, PullUpdate};
pub use auth::{CredentialStore, Credentials, RegistryAuth};
pub use client::{Client, ClientBuilder};
pub use error::{BoxError, Error, Result};
pub use model::{
    Component, ImageConfig, ImageInspect, ImageSummary, IndexInfo, Info, ManifestSummary, Ping, RegistryConfig,
    RemovedItem, RootFs, SearchResult, Version,
};
pub use reference::ImageRef;
pub use retry::{RetryAttempt, RetryObserver, RetryPolicy};
pub use transport::endpoint::DEFAULT_SOCKET;
pub use transport::{
    Address, ConnectOptions, DEFAULT_CONNECT_TIMEOUT, DEFAULT_CONTEXT, DEFAULT_TIMEOUT, Endpoint, EndpointKind,
    SshAddress, Timeouts, TlsConfig,
};
pub use version::{ApiVersion, MAX_API_VERSION, MIN_API_VERSION, ParseApiVersionError};

/// Compile-time checks: clients and streams move between threads and tasks.
const _: () = {
    const fn send_sync<T: Send + Sync>() {}
    const fn send<T: Send>() {}
    send_sync::<Client>();
    send_sync::<blocking::Client>();
    send_sync::<Error>();
    send::<PullStream>();
    send::<blocking::PullStream>();
};
