//! `GET /_ping`, `GET /version`, `GET /info`.

use hyper::Method;

use crate::client::Client;
use crate::error::Result;
use crate::model::{Info, Ping, Version};

impl Client {
    /// `GET /_ping`: is the daemon there, and what does it offer. Also completes version
    /// negotiation when it has not happened yet.
    ///
    /// ```no_run
    /// # async fn demo(docker: dimg::Client) -> dimg::Result<()> {
    /// let ping = docker.ping().await?;
    /// println!("API {:?}, podman: {}", ping.api_version, ping.is_podman());
    /// # Ok(()) }
    /// ```
    pub async fn ping(&self) -> Result<Ping> {
        self.ping_and_negotiate().await
    }

    /// `GET /version`: the daemon's versions (slower than ping: the daemon asks its components).
    pub async fn version(&self) -> Result<Version> {
        let target = self.versioned("/version").await?;
        self.transport().json(Method::GET, &target).await
    }

    /// `GET /info`: storage driver, root directory, registry mirrors and insecure registries.
    ///
    /// ```no_run
    /// # async fn demo(docker: dimg::Client) -> dimg::Result<()> {
    /// let info = docker.info().await?;
    /// println!("{} at {}, mirrors {:?}", info.driver, info.docker_root_dir, info.registry_mirrors());
    /// # Ok(()) }
    /// ```
    pub async fn info(&self) -> Result<Info> {
        let target = self.versioned("/info").await?;
        self.transport().json(Method::GET, &target).await
    }
}
