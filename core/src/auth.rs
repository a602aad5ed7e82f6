//! Registry credentials: the `X-Registry-Auth` header, and where docker finds credentials
//! (`~/.docker/config.json`: inline `auths`, `credsStore`, per-registry `credHelpers`).
//!
//! Secrets never appear in `Debug` output or in error messages.

use std::collections::BTreeMap;
use std::fmt;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// Docker Hub's key in `config.json` and in credential helpers.
pub const DOCKER_HUB_AUTH_KEY: &str = "https://index.docker.io/v1/";

/// Credentials for one registry, as the Engine API takes them in `X-Registry-Auth`.
///
/// `Debug` shows which fields are set, never their values.
///
/// # Examples
/// ```
/// let auth = dimg::RegistryAuth::basic("alice", "s3cret?>~").server("127.0.0.1:5000");
/// assert!(!format!("{auth:?}").contains("s3cret"));
/// // Padded base64url JSON, which the daemon decodes (`+` or `/` would make it silently anonymous).
/// let header = auth.header_value();
/// assert!(!header.contains('+') && !header.contains('/') && header.len() % 4 == 0);
/// ```
#[derive(Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct RegistryAuth {
    /// User name.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub username: String,
    /// Password or access token.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub password: String,
    /// `base64(username:password)`, as stored in `config.json` (an alternative to the two above).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub auth: String,
    /// E-mail (obsolete, still accepted).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub email: String,
    /// The registry these credentials are for.
    #[serde(rename = "serveraddress", default, skip_serializing_if = "String::is_empty")]
    pub server_address: String,
    /// An identity token (from `docker login` with an OAuth-capable registry), passed through.
    #[serde(rename = "identitytoken", default, skip_serializing_if = "String::is_empty")]
    pub identity_token: String,
    /// A bearer token for the registry, passed through.
    #[serde(rename = "registrytoken", default, skip_serializing_if = "String::is_empty")]
    pub registry_token: String,
}

impl fmt::Debug for RegistryAuth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let secret = |s: &str| if s.is_empty() { "" } else { "<redacted>" };
        f.debug_struct("RegistryAuth")
            .field("username", &self.username)
            .field("password", &secret(&self.password))
            .field("auth", &secret(&self.auth))
            .field("server_address", &self.server_address)
            .field("identity_token", &secret(&self.identity_token))
            .field("registry_token", &secret(&self.registry_token))
            .finish_non_exhaustive()
    }
}

impl RegistryAuth {
    /// User name and password.
    pub fn basic(username: impl Into<String>, password: impl Into<String>) -> RegistryAuth {
        RegistryAuth {
            username: username.into(),
            password: password.into(),
            ..RegistryAuth::default()
        }
    }

    /// An identity token (the `<token>` username convention of credential helpers).
    pub fn identity_token(token: impl Into<String>) -> RegistryAuth {
        RegistryAuth {
            identity_token: token.into(),
            ..RegistryAuth::default()
        }
    }

    /// Sets the registry address these credentials are for.
    pub fn server(mut self, address: impl Into<String>) -> RegistryAuth {
        self.server_address = address.into();
        self
    }

    /// The `X-Registry-Auth` header value: padded base64url of the JSON, as the daemon's
    /// decoder (Go's `base64.URLEncoding`) requires.
    pub fn header_value(&self) -> String {
        base64_url(&serde_json::to_vec(self).expect("credentials always serialise"))
    }

    /// The header value for an anonymous request, `{}`.
    pub(crate) const ANONYMOUS_HEADER: &'static str = "e30=";
}

/// Padded base64url (RFC 4648 §5).
pub(crate) fn base64_url(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let n = (u32::from(chunk[0]) << 16)
            | (u32::from(*chunk.get(1).unwrap_or(&0)) << 8)
            | u32::from(*chunk.get(2).unwrap_or(&0));
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ALPHABET[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// Decodes standard or URL-safe base64, padded or not (the `auth` field of `config.json`).
pub(crate) fn base64_decode(text: &str) -> Option<Vec<u8>> {
    let value = |c: u8| -> Option<u32> {
        Some(match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' | b'-' => 62,
            b'/' | b'_' => 63,
            _ => return None,
        } as u32)
    };
    let digits: Vec<u8> = text.trim().trim_end_matches('=').bytes().collect();
    if digits.len() % 4 == 1 {
        return None;
    }
    let mut out = Vec::with_capacity(digits.len() * 3 / 4);
    for chunk in digits.chunks(4) {
        let mut n = 0u32;
        for (i, &c) in chunk.iter().enumerate() {
            n |= value(c)? << (18 - 6 * i);
        }
        out.push((n >> 16) as u8);
        if chunk.len() > 2 {
            out.push((n >> 8) as u8);
        }
        if chunk.len() > 3 {
            out.push(n as u8);
        }
    }
    Some(out)
}

/// The registry host an image reference's credentials are filed under: Docker Hub's
/// [`DOCKER_HUB_AUTH_KEY`] for `docker.io`, the `host[:port]` otherwise.
///
/// ```
/// let r = dimg::ImageRef::parse("zookeeper").unwrap();
/// assert_eq!(dimg::auth::registry_key(r.domain()), "https://index.docker.io/v1/");
/// assert_eq!(dimg::auth::registry_key("127.0.0.1:5000"), "127.0.0.1:5000");
/// ```
pub fn registry_key(domain: &str) -> String {
    if domain == "docker.io" || domain == "index.docker.io" || domain == "registry-1.docker.io" {
        DOCKER_HUB_AUTH_KEY.to_string()
    } else {
        domain.to_string()
    }
}

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
    /// [`Error::InvalidArgument`] for a file that exists but cannot be read or parsed.
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
                return Err(Error::InvalidArgument(format!("cannot read {}: {e}", path.display())));
            }
        };
        let config = serde_json::from_slice(&text).map_err(|e| {
            // serde's message names a position, never the content.
            Error::InvalidArgument(format!("cannot parse {}: {e}", path.display()))
        })?;
        Ok(CredentialStore {
            path: Some(path.to_path_buf()),
            config,
        })
    }

    /// The credentials for a registry key (see [`registry_key`]): a `credHelpers` entry, else
    /// the `credsStore`, else the inline `auths` entry. `None` when nothing is configured.
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] when a credential helper fails or answers something
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
                return Err(Error::InvalidArgument(format!(
                    "invalid auth entry for {host} in {file}"
                )));
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
        return Err(Error::InvalidArgument(format!(
            "invalid credential helper name {helper:?}"
        )));
    }
    let program = format!("docker-credential-{helper}");
    let failed = |why: String| Error::InvalidArgument(format!("credential helper {program} failed: {why}"));
    let mut child = Command::new(&program)
        .arg("get")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| failed(e.to_string()))?;
    if let Some(mut stdin) = child.stdin.take() {
        stdin.write_all(key.as_bytes()).map_err(|e| failed(e.to_string()))?;
    }
    let output = child.wait_with_output().map_err(|e| failed(e.to_string()))?;
    if !output.status.success() {
        // Helpers say "credentials not found in native keychain" on stdout for a miss.
        if String::from_utf8_lossy(&output.stdout).contains("credentials not found") {
            return Ok(None);
        }
        return Err(failed(format!("exit status {}", output.status)));
    }
    let answer: HelperAnswer =
        serde_json::from_slice(&output.stdout).map_err(|_| failed("its answer is not the expected JSON".into()))?;
    Ok(Some(if answer.username == "<token>" {
        RegistryAuth::identity_token(answer.secret).server(key)
    } else {
        RegistryAuth::basic(answer.username, answer.secret).server(key)
    }))
}

/// Where a request's registry credentials come from.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum Credentials {
    /// Look them up like the docker CLI (`DOCKER_CONFIG` / `~/.docker/config.json`); send
    /// none when nothing is configured. The default.
    #[default]
    FromConfig,
    /// Look them up in this `config.json` instead of the user's.
    FromConfigFile(PathBuf),
    /// Use these.
    Explicit(RegistryAuth),
    /// Send none.
    Anonymous,
}

impl Credentials {
    /// The `X-Registry-Auth` value for a registry key.
    pub(crate) fn header_for(&self, key: &str) -> Result<String> {
        Ok(match self {
            Credentials::Anonymous => RegistryAuth::ANONYMOUS_HEADER.to_string(),
            Credentials::Explicit(auth) => auth.header_value(),
            Credentials::FromConfig => Self::from_store(CredentialStore::from_env()?, key)?,
            Credentials::FromConfigFile(path) => Self::from_store(CredentialStore::from_file(path)?, key)?,
        })
    }
}

impl Credentials {
    fn from_store(store: CredentialStore, key: &str) -> Result<String> {
        Ok(match store.lookup(key)? {
            Some(auth) => auth.header_value(),
            None => RegistryAuth::ANONYMOUS_HEADER.to_string(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_url_is_padded_and_url_safe() {
        assert_eq!(base64_url(b"{}"), "e30=");
        assert_eq!(base64_url(b""), "");
        assert_eq!(base64_url(b"f"), "Zg==");
        assert_eq!(base64_url(b"fo"), "Zm8=");
        assert_eq!(base64_url(b"foo"), "Zm9v");
        assert_eq!(base64_url(&[0xfb, 0xff, 0xbf]), "-_-_");
        for input in [&b"any carnal pleas"[..], b"\x00\x01\x02\xff\xfe", b"?>~?>~"] {
            assert_eq!(base64_decode(&base64_url(input)).unwrap(), input);
        }
        assert_eq!(base64_decode("YWxpY2U6czNjcmV0").unwrap(), b"alice:s3cret");
        assert!(base64_decode("a").is_none() && base64_decode("@@@@").is_none());
    }

    #[test]
    fn the_header_round_trips_and_hides_nothing_it_should_send() {
        let auth = RegistryAuth::basic("alice", "p?>~w").server("127.0.0.1:5000");
        let json = base64_decode(&auth.header_value()).unwrap();
        let back: RegistryAuth = serde_json::from_slice(&json).unwrap();
        assert_eq!(back, auth);
        let text = String::from_utf8(json).unwrap();
        assert_eq!(
            text,
            r#"{"username":"alice","password":"p?>~w","serveraddress":"127.0.0.1:5000"}"#
        );
        assert!(!format!("{auth:?}").contains("p?>~w"));
    }

    #[test]
    fn keys_match_like_the_docker_cli() {
        assert_eq!(key_host("https://index.docker.io/v1/"), "index.docker.io");
        assert_eq!(key_host("http://127.0.0.1:5000"), "127.0.0.1:5000");
        assert_eq!(key_host("127.0.0.1:5000"), "127.0.0.1:5000");
        assert_eq!(registry_key("docker.io"), DOCKER_HUB_AUTH_KEY);
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
        assert!(matches!(err, Error::InvalidArgument(_)));
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
