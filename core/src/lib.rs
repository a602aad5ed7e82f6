//! # dimg: Docker images from Rust, typed
//!
//! `dimg` lists, searches, pulls and removes images through a Docker Engine (or Podman)
//! API socket, with what `docker images`, `docker search`, `docker pull` and `docker rmi`
//! offer, without shelling out to `docker`.
//!
//! - [`Client`]: where the daemon is (`DOCKER_HOST` or `/var/run/docker.sock`), timeouts, and
//!   API version negotiation through `GET /_ping`.
//! - [`Images`]: [`list`](Images::list), [`search`](Images::search), [`pull`](Images::pull)
//!   (a stream of typed events), [`remove`](Images::remove) and
//!   [`remove_many`](Images::remove_many) (docker rmi's semantics), [`inspect`](Images::inspect),
//!   [`tag`](Images::tag).
//! - [`ImageRef`]: references parsed and normalised like distribution/reference, so a bad name
//!   fails before any request and can never smuggle query parameters or path segments.
//! - [`Error`]: one error enum for every failure.
//! - [`blocking::block_on`]: any of these calls from synchronous code, on the calling thread,
//!   without an async runtime.
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
#![warn(missing_docs)]

pub mod auth;
pub mod blocking;
mod client;
pub mod daemon_config;
mod error;
#[doc(hidden)]
pub mod fuzzing;
mod images;
mod jsonlines;
mod model;
mod pool;
mod pull;
mod query;
pub mod reference;
mod rt;
mod transport;
mod version;

pub use auth::{CredentialStore, Credentials, RegistryAuth};
pub use client::{Client, ClientBuilder, DEFAULT_CONNECT_TIMEOUT, DEFAULT_SOCKET, DEFAULT_TIMEOUT};
pub use error::{BoxError, Error, Result};
pub use images::{
    ImageFilter, Images, ListOptions, PullOptions, RemoveOptions, RemoveOutcome, RemoveReport, SearchFilter,
    SearchOptions,
};
pub use model::{
    Component, ImageConfig, ImageInspect, ImageSummary, IndexInfo, Info, ManifestSummary, Ping, RegistryConfig,
    RemovedItem, RootFs, SearchResult, Version,
};
pub use pull::{PullEvent, PullOutcome, PullPhase, PullStream, PullSummary};
pub use reference::ImageRef;
pub use version::{ApiVersion, MAX_API_VERSION, MIN_API_VERSION};
