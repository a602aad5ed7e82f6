//! Registry credentials: the `X-Registry-Auth` header, and where docker finds credentials
//! (`~/.docker/config.json`: inline `auths`, `credsStore`, per-registry `credHelpers`).
//!
//! Secrets never appear in `Debug` output or in error messages.

mod config;

use std::fmt;
use std::path::PathBuf;

use base64::Engine as _;
use serde::{Deserialize, Serialize};

pub use self::config::CredentialStore;
pub(crate) use self::config::HelperLimits;
use crate::error::Result;

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

/// Padded base64url (RFC 4648 §5), as the daemon decodes `X-Registry-Auth`.
pub(crate) fn base64_url(bytes: &[u8]) -> String {
    base64::engine::general_purpose::URL_SAFE.encode(bytes)
}

/// Decodes standard or URL-safe base64, padded or not (the `auth` field of `config.json`).
pub(crate) fn base64_decode(text: &str) -> Option<Vec<u8>> {
    use base64::alphabet;
    use base64::engine::DecodePaddingMode;
    use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig};
    let lenient = GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent);
    let text = text.trim();
    [alphabet::STANDARD, alphabet::URL_SAFE]
        .iter()
        .find_map(|alphabet| GeneralPurpose::new(alphabet, lenient).decode(text).ok())
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
    /// The `X-Registry-Auth` value for a registry key; a credential helper runs within `limits`.
    pub(crate) fn header_for(&self, key: &str, limits: &HelperLimits) -> Result<String> {
        Ok(match self {
            Credentials::Anonymous => RegistryAuth::ANONYMOUS_HEADER.to_string(),
            Credentials::Explicit(auth) => auth.header_value(),
            Credentials::FromConfig => Self::from_store(CredentialStore::from_env()?, key, limits)?,
            Credentials::FromConfigFile(path) => Self::from_store(CredentialStore::from_file(path)?, key, limits)?,
        })
    }

    fn from_store(store: CredentialStore, key: &str, limits: &HelperLimits) -> Result<String> {
        Ok(match store.lookup_with(key, limits)? {
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
    fn hub_has_its_own_key() {
        assert_eq!(registry_key("docker.io"), DOCKER_HUB_AUTH_KEY);
        assert_eq!(registry_key("127.0.0.1:5000"), "127.0.0.1:5000");
    }
}
