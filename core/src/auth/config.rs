//! The docker CLI's credential configuration: `config.json` (inline `auths`, `credsStore`,
//! per-registry `credHelpers`) and the `docker-credential-*` helpers it names.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use serde::Deserialize;

use super::{RegistryAuth, base64_decode};
use crate::error::{BoxError, Error, Result};

/// A `config.json` key reduced to its host, as the docker CLI compares them
/// (`https://host:5000/v1/` → `host:5000`).
fn key_host(key: &str) -> &str {
    let without_scheme = key.split_once("://").map_or(key, |(_, rest)| rest);
    without_scheme.split('/').next().unwrap_or(without_scheme)
}

#[derive(Debug, Default, Deserialize)]
struct ConfigFile {
    #[serde(default)]
    auths: BTreeMap<String, RegistryAuth>,
    #[serde(rename = "credsStore", default)]
    creds_store: Option<String>,
    #[serde(rename = "credHelpers", default)]
    cred_helpers: BTreeMap<String, String>,
}

/// The docker CLI's credential configuration: `$DOCKER_CONFIG/config.json`, else
/// `~/.docker/config.json`.
///
/// # Examples
/// ```no_run
/// let store = dimg::CredentialStore::from_env()?;
/// let auth = store.lookup("127.0.0.1:5000")?;      // None when nothing is configured
/// # Ok::<(), dimg::Error>(())
/// ```
#[derive(Debug, Default)]
pub struct CredentialStore {
    path: Option<PathBuf>,
    config: ConfigFile,
}

impl CredentialStore {
    /// Reads `$DOCKER_CONFIG/config.json` (or `~/.docker/config.json`). A missing file is an
    /// empty store.
    ///
    /// # Errors
    /// [`Error::Credentials`] for a file that exists but cannot be read or parsed.
    pub fn from_env() -> Result<CredentialStore> {
        let dir = std::env::var_os("DOCKER_CONFIG")
            .filter(|d| !d.is_empty())
            .map(PathBuf::from)
            .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".docker")));
        match dir {
            Some(dir) => CredentialStore::from_file(dir.join("config.json")),
            None => Ok(CredentialStore::default()),
        }
    }

    /// Reads the given `config.json`; a missing file is an empty store.
    pub fn from_file(path: impl AsRef<Path>) -> Result<CredentialStore> {
        let path = path.as_ref();
        let text = match std::fs::read(path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(CredentialStore::default()),
            Err(e) => {
                return Err(Error::credentials(
                    format!("cannot read {}", path.display()),
                    BoxError::from(e),
                ));
            }
        };
        let config = serde_json::from_slice(&text).map_err(|e| {
            // serde's message names a position, never the content.
            Error::credentials(format!("cannot parse {}", path.display()), BoxError::from(e))
        })?;
        Ok(CredentialStore {
            path: Some(path.to_path_buf()),
            config,
        })
    }

    /// The credentials for a registry key (see [`super::registry_key`]): a `credHelpers` entry, else
    /// the `credsStore`, else the inline `auths` entry. `None` when nothing is configured.
    ///
    /// # Errors
    /// [`Error::Credentials`] when a credential helper fails or answers something
    /// unreadable (its output is not included in the message).
    pub fn lookup(&self, key: &str) -> Result<Option<RegistryAuth>> {
        let host = key_host(key);
        let helper = self
            .config
            .cred_helpers
            .iter()
            .find(|(k, _)| key_host(k) == host)
            .map(|(_, helper)| helper)
            .or(self.config.creds_store.as_ref());
        if let Some(helper) = helper.filter(|h| !h.is_empty()) {
            if let Some(auth) = run_helper(helper, key)? {
                return Ok(Some(auth));
            }
        }
        let inline = self.config.auths.iter().find(|(k, _)| key_host(k) == host);
        let Some((_, stored)) = inline else { return Ok(None) };
        let mut auth = stored.clone();
        if auth.username.is_empty() && !auth.auth.is_empty() {
            let decoded = base64_decode(&auth.auth)
                .and_then(|b| String::from_utf8(b).ok())
                .and_then(|s| s.split_once(':').map(|(u, p)| (u.to_string(), p.to_string())));
            let Some((user, password)) = decoded else {
                let file = self
                    .path
                    .as_deref()
                    .unwrap_or(Path::new("config.json"))
                    .display()
                    .to_string();
                return Err(Error::credentials(
                    format!("invalid auth entry for {host} in {file}"),
                    None,
                ));
            };
            auth.username = user;
            auth.password = password;
        }
        auth.auth.clear();
        if auth.server_address.is_empty() {
            auth.server_address = key.to_string();
        }
        Ok(Some(auth))
    }
}

/// Runs `docker-credential-HELPER get` with the key on stdin. `None` when the helper has no
/// credentials for it.
fn run_helper(helper: &str, key: &str) -> Result<Option<RegistryAuth>> {
    #[derive(Deserialize)]
    struct HelperAnswer {
        #[serde(rename = "Username", default)]
        username: String,
        #[serde(rename = "Secret", default)]
        secret: String,
    }
    if !helper
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_' || b == b'.')
    {
        return Err(Error::credentials(
            format!("invalid credential helper name {helper:?}"),
            None,
        ));
    }
    let program = format!("docker-credential-{helper}");
    let failed = |why: &str, source: Option<BoxError>| {
        Error::credentials(format!("credential helper {program} failed: {why}"), source)
    };
    let io_failed = |e: std::io::Error| failed(&e.to_string(), Some(e.into()));
    let mut child = Command::new(&program)
        .arg("get")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .map_err(io_failed)?;
    if let Some(mut stdin) = child.stdin.take() {
        stdin.write_all(key.as_bytes()).map_err(io_failed)?;
    }
    let output = child.wait_with_output().map_err(io_failed)?;
    if !output.status.success() {
        // Helpers say "credentials not found in native keychain" on stdout for a miss.
        if String::from_utf8_lossy(&output.stdout).contains("credentials not found") {
            return Ok(None);
        }
        return Err(failed(&format!("exit status {}", output.status), None));
    }
    let answer: HelperAnswer =
        serde_json::from_slice(&output.stdout).map_err(|_| failed("its answer is not the expected JSON", None))?;
    Ok(Some(if answer.username == "<token>" {
        RegistryAuth::identity_token(answer.secret).server(key)
    } else {
        RegistryAuth::basic(answer.username, answer.secret).server(key)
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::DOCKER_HUB_AUTH_KEY;

    #[test]
    fn keys_match_like_the_docker_cli() {
        assert_eq!(key_host("https://index.docker.io/v1/"), "index.docker.io");
        assert_eq!(key_host("http://127.0.0.1:5000"), "127.0.0.1:5000");
        assert_eq!(key_host("127.0.0.1:5000"), "127.0.0.1:5000");
    }

    #[test]
    fn inline_auths_are_decoded() {
        let dir = std::env::temp_dir().join(format!("dimg-auth-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("config.json");
        std::fs::write(
            &path,
            r#"{"auths":{"https://127.0.0.1:5000/v1/":{"auth":"YWxpY2U6czNjcmV0"},
                "https://index.docker.io/v1/":{"identitytoken":"tok"}}}"#,
        )
        .unwrap();
        let store = CredentialStore::from_file(&path).unwrap();
        let auth = store.lookup("127.0.0.1:5000").unwrap().unwrap();
        assert_eq!((auth.username.as_str(), auth.password.as_str()), ("alice", "s3cret"));
        assert!(auth.auth.is_empty());
        let hub = store.lookup(DOCKER_HUB_AUTH_KEY).unwrap().unwrap();
        assert_eq!(hub.identity_token, "tok");
        assert!(store.lookup("other:1").unwrap().is_none());
        std::fs::write(&path, "{not json").unwrap();
        let err = CredentialStore::from_file(&path).unwrap_err();
        assert!(matches!(&err, Error::Credentials { source: Some(_), .. }), "{err:?}");
        assert!(std::error::Error::source(&err).is_some(), "the JSON error is kept");
        std::fs::write(&path, r#"{"auths":{"h:1":{"auth":"bm9jb2xvbg=="}}}"#).unwrap();
        let err = CredentialStore::from_file(&path).unwrap().lookup("h:1").unwrap_err();
        assert!(!err.to_string().contains("nocolon"));
        assert!(
            CredentialStore::from_file(dir.join("missing.json"))
                .unwrap()
                .lookup("h:1")
                .unwrap()
                .is_none()
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
