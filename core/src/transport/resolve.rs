//! Which daemon to talk to, decided exactly as the docker CLI 28 decides it, from its global
//! flags (`-H`, `-c`, `--config`, `--tls*`) and environment (`DOCKER_HOST`, `DOCKER_CONTEXT`,
//! `DOCKER_CONFIG`, `DOCKER_TLS_VERIFY`, `DOCKER_TLS`, `DOCKER_CERT_PATH`) and the context
//! store. Only the selected context is read, and nothing is ever written.

use std::ffi::OsString;
use std::io::Read;
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};
use crate::transport::endpoint::{Address, DEFAULT_SOCKET, Endpoint, TlsConfig};

/// The address the docker CLI uses when TLS is on and no host is given.
const DEFAULT_TLS_HOST: &str = "tcp://localhost:2376";

/// The name of the built-in context (`-H`, `DOCKER_HOST`, the TLS variables, the default socket).
pub const DEFAULT_CONTEXT: &str = "default";

/// The docker CLI's connection settings: its global flags, each `None` when not given.
/// [`ConnectOptions::resolve`] applies the environment and the context store to them.
///
/// Precedence, as in docker 28: `context` > `host` and `DOCKER_HOST` > `DOCKER_CONTEXT` >
/// `currentContext` in `config.json` > the default socket; `host` together with `context` is
/// an error.
///
/// ```
/// # let certs = std::env::temp_dir().join(format!("dimg-doc-certs-{}", std::process::id()));
/// # std::fs::create_dir_all(&certs).unwrap();
/// # std::fs::write(certs.join("ca.pem"), "").unwrap();
/// // docker -H tcp://127.0.0.1:2376 --tlsverify --tlscacert CERTS/ca.pem
/// let mut options = dimg::ConnectOptions::default();
/// options.host = Some("tcp://127.0.0.1:2376".into());
/// options.tls_verify = Some(true);
/// options.tls_ca_cert = Some(certs.join("ca.pem"));
/// let env = |_: &str| None; // an empty environment
/// let endpoint = options.resolve_with(&env).unwrap(); // the files are read now
/// assert_eq!(endpoint.kind(), dimg::EndpointKind::Tls);
/// assert_eq!(endpoint.to_string(), "tcp://127.0.0.1:2376");
/// # std::fs::remove_dir_all(&certs).unwrap();
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct ConnectOptions {
    /// `-H` / `--host`.
    pub host: Option<String>,
    /// `-c` / `--context`.
    pub context: Option<String>,
    /// `--config`: the directory of `config.json` and the context store.
    pub config_dir: Option<PathBuf>,
    /// `--tls` (and its value, `--tls=false`).
    pub tls: Option<bool>,
    /// `--tlsverify`: given at all, it turns TLS on; its value says whether to verify.
    pub tls_verify: Option<bool>,
    /// `--tlscacert`.
    pub tls_ca_cert: Option<PathBuf>,
    /// `--tlscert`.
    pub tls_cert: Option<PathBuf>,
    /// `--tlskey`.
    pub tls_key: Option<PathBuf>,
}

impl ConnectOptions {
    /// The endpoint these options select, reading the process environment.
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] for `host` with `context`, a context that does not exist or
    /// whose `meta.json` cannot be read, or a bad address; [`Error::Tls`] for TLS files of the
    /// default context that cannot be read (all are read now, as the docker CLI does; whether
    /// they hold usable certificates is seen when the client is built).
    pub fn resolve(&self) -> Result<Endpoint> {
        self.resolve_with(&|name: &str| std::env::var_os(name))
    }

    /// What the docker CLI warns about before it resolves these options: a `config.json` (in
    /// `config_dir`, `DOCKER_CONFIG` or `~/.docker`) that cannot be read or parsed, which the
    /// resolution then ignores. `None` when there is nothing to say.
    ///
    /// ```
    /// let mut options = dimg::ConnectOptions::default();
    /// options.config_dir = Some(std::env::temp_dir().join("no-such-docker-config"));
    /// assert_eq!(options.config_file_warning(), None);
    /// ```
    pub fn config_file_warning(&self) -> Option<String> {
        let var = |name: &str| std::env::var_os(name).filter(|v| !v.is_empty());
        config_file_warning(&self.config_dir.clone().unwrap_or_else(|| default_config_dir(&var)))
    }

    /// Whether the built-in `default` context speaks TLS with these flags and the process
    /// environment: `--tls` (else `DOCKER_TLS`), `--tlsverify` given with any value, or
    /// verification on (else `DOCKER_TLS_VERIFY`, any non-empty value).
    ///
    /// ```
    /// let mut options = dimg::ConnectOptions::default();
    /// options.tls_verify = Some(false); // `--tlsverify=false` still turns TLS on
    /// assert!(options.default_context_uses_tls());
    /// ```
    pub fn default_context_uses_tls(&self) -> bool {
        self.tls_settings(&|name: &str| std::env::var_os(name).filter(|v| !v.is_empty()))
            .0
    }

    /// (TLS on, verification on) for the default context; `var` is the environment with
    /// empty values unset.
    fn tls_settings(&self, var: &dyn Fn(&str) -> Option<OsString>) -> (bool, bool) {
        let verify = self.tls_verify.unwrap_or_else(|| var("DOCKER_TLS_VERIFY").is_some());
        // `--tlsverify` given at all, or DOCKER_TLS_VERIFY set to anything, turns TLS on.
        let tls = self.tls.unwrap_or_else(|| var("DOCKER_TLS").is_some()) || self.tls_verify.is_some() || verify;
        (tls, verify)
    }

    /// [`ConnectOptions::resolve`] with `env` standing for the environment.
    ///
    /// # Errors
    /// As [`ConnectOptions::resolve`].
    pub fn resolve_with(&self, env: &dyn Fn(&str) -> Option<OsString>) -> Result<Endpoint> {
        // Unset and empty are the same to the docker CLI.
        let var = |name: &str| env(name).filter(|v| !v.is_empty());
        if self.host.is_some() && self.context.is_some() {
            return Err(Error::InvalidArgument(
                "conflicting options: cannot specify both --host and --context".to_string(),
            ));
        }
        let config_dir = || self.config_dir.clone().unwrap_or_else(|| default_config_dir(&var));
        let name = match (&self.context, &self.host) {
            (Some(name), _) => name.clone(),
            (None, Some(_)) => DEFAULT_CONTEXT.to_string(),
            (None, None) if var("DOCKER_HOST").is_some() => DEFAULT_CONTEXT.to_string(),
            (None, None) => match var("DOCKER_CONTEXT") {
                Some(name) => name.to_string_lossy().into_owned(),
                None => current_context(&config_dir()).unwrap_or_else(|| DEFAULT_CONTEXT.to_string()),
            },
        };
        if name == DEFAULT_CONTEXT {
            self.default_context(&var)
        } else {
            read_context(&config_dir(), &name)
        }
    }

    /// The built-in `default` context: `-H`/`DOCKER_HOST` and the TLS flags and variables.
    fn default_context(&self, var: &dyn Fn(&str) -> Option<OsString>) -> Result<Endpoint> {
        let (tls, tls_verify) = self.tls_settings(var);
        // An empty flag value is the same as none (`-H ''`: the default host).
        let given = |value: &Option<PathBuf>| value.clone().filter(|p| !p.as_os_str().is_empty());
        let host = match self.host.as_deref().map(str::trim).filter(|h| !h.is_empty()) {
            Some(host) => host.to_string(),
            None => match var("DOCKER_HOST") {
                Some(host) => host.to_string_lossy().into_owned(),
                None if tls => DEFAULT_TLS_HOST.to_string(),
                None => format!("unix://{DEFAULT_SOCKET}"),
            },
        };
        let endpoint = Endpoint::parse(&host)?;
        if !tls {
            return Ok(endpoint);
        }
        // The default files are in DOCKER_CERT_PATH, else the configuration directory the
        // environment names (the docker CLI computes these defaults before it reads --config).
        let cert_dir = var("DOCKER_CERT_PATH")
            .map(PathBuf::from)
            .unwrap_or_else(|| default_config_dir(var));
        // The CA defaults to ca.pem even without verification; a default certificate or key
        // that does not exist means none; `--tlscacert ''` means none (the system's roots).
        let ca = match &self.tls_ca_cert {
            Some(_) => given(&self.tls_ca_cert),
            None => Some(cert_dir.join("ca.pem")),
        };
        let default_if_present = |file: &str| Some(cert_dir.join(file)).filter(|p| p.exists());
        let cert = match &self.tls_cert {
            Some(_) => given(&self.tls_cert),
            None => default_if_present("cert.pem"),
        };
        let key = match &self.tls_key {
            Some(_) => given(&self.tls_key),
            None => default_if_present("key.pem"),
        };
        // The docker CLI reads every file it settled on here, whatever the address (even a
        // Unix socket, which then ignores them), and fails naming the first it cannot read.
        for path in [&ca, &cert, &key].into_iter().flatten() {
            read_file(&endpoint, path)?;
        }
        let mut config = TlsConfig::new().verify(tls_verify);
        config.set_ca_cert(ca);
        // A certificate without its key (or a key alone) is no client certificate, as with
        // the docker CLI: the daemon then refuses the handshake if it wants one.
        if cert.is_some() && key.is_some() {
            config.set_client_cert(cert);
            config.set_client_key(key);
        }
        Ok(endpoint.with_tls(config))
    }
}

/// Reads a TLS file as the docker CLI does while it resolves the endpoint, with its wording
/// (the reason is what docker prints after `Failed to initialize: `).
fn read_file(endpoint: &Endpoint, path: &Path) -> Result<()> {
    let failed = |verb: &str, e: &std::io::Error| Error::Tls {
        address: endpoint.to_string(),
        reason: format!(
            "unable to resolve docker endpoint: {verb} {}: {}",
            path.display(),
            go_io_error(e)
        ),
    };
    let mut file = std::fs::File::open(path).map_err(|e| failed("open", &e))?;
    file.read_to_end(&mut Vec::new()).map_err(|e| failed("read", &e))?;
    Ok(())
}

/// The docker CLI's warning for a `config.json` it cannot read or parse (it then goes on as
/// if there were none, and so does [`ConnectOptions::resolve`]). The JSON error after `): `
/// is serde_json's wording, not Go's.
fn config_file_warning(dir: &Path) -> Option<String> {
    let path = dir.join("config.json");
    let mut file = match std::fs::File::open(&path) {
        Ok(file) => file,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return None,
        Err(e) => {
            return Some(format!(
                "WARNING: Error loading config file: open {}: {}",
                path.display(),
                go_io_error(&e)
            ));
        }
    };
    let parsing = |why: String| {
        Some(format!(
            "WARNING: Error parsing config file ({}): {why}",
            path.display()
        ))
    };
    let mut text = Vec::new();
    if let Err(e) = file.read_to_end(&mut text) {
        return parsing(format!("read {}: {}", path.display(), go_io_error(&e)));
    }
    // Go's json.Decoder reads one value: an empty file is no error, and neither is what
    // follows the first value.
    let value = match serde_json::Deserializer::from_slice(&text)
        .into_iter::<serde_json::Value>()
        .next()
    {
        None => return None,
        Some(Ok(value)) => value,
        Some(Err(e)) => return parsing(e.to_string()),
    };
    let kind = |v: &serde_json::Value| match v {
        serde_json::Value::Bool(_) => "bool",
        serde_json::Value::Number(_) => "number",
        serde_json::Value::String(_) => "string",
        serde_json::Value::Array(_) => "array",
        serde_json::Value::Object(_) => "object",
        serde_json::Value::Null => "null",
    };
    match &value {
        serde_json::Value::Object(fields) => match fields.get("currentContext") {
            Some(v) if !v.is_string() && !v.is_null() => parsing(format!(
                "json: cannot unmarshal {} into Go struct field ConfigFile.currentContext of type string",
                kind(v)
            )),
            _ => None,
        },
        serde_json::Value::Null => None,
        other => parsing(format!(
            "json: cannot unmarshal {} into Go value of type configfile.ConfigFile",
            kind(other)
        )),
    }
}

/// `DOCKER_CONFIG`, else `$HOME/.docker`.
fn default_config_dir(var: &dyn Fn(&str) -> Option<OsString>) -> PathBuf {
    if let Some(dir) = var("DOCKER_CONFIG") {
        return PathBuf::from(dir);
    }
    var("HOME").map(PathBuf::from).unwrap_or_default().join(".docker")
}

/// `currentContext` from `config.json`. A missing or unreadable file means none: the docker
/// CLI warns about a corrupt one and goes on with the default context.
fn current_context(config_dir: &Path) -> Option<String> {
    #[derive(serde::Deserialize)]
    struct ConfigFile {
        #[serde(rename = "currentContext")]
        current_context: Option<String>,
    }
    let text = std::fs::read(config_dir.join("config.json")).ok()?;
    serde_json::from_slice::<ConfigFile>(&text)
        .ok()?
        .current_context
        .filter(|name| !name.is_empty())
}

/// The directory name of a context in the store: the hex SHA-256 of its name.
pub(crate) fn context_id(name: &str) -> String {
    let digest = ring::digest::digest(&ring::digest::SHA256, name.as_bytes());
    digest.as_ref().iter().map(|b| format!("{b:02x}")).collect()
}

/// Reads the docker endpoint of context `name` from the store under `config_dir`.
fn read_context(config_dir: &Path, name: &str) -> Result<Endpoint> {
    #[derive(serde::Deserialize)]
    struct Meta {
        #[serde(rename = "Endpoints", default)]
        endpoints: std::collections::HashMap<String, serde_json::Value>,
    }
    #[derive(serde::Deserialize)]
    struct DockerEndpoint {
        #[serde(rename = "Host", default)]
        host: String,
        #[serde(rename = "SkipTLSVerify", default)]
        skip_tls_verify: bool,
    }
    let failed =
        |why: String| Error::InvalidArgument(format!("unable to resolve docker endpoint: context {name:?}: {why}"));
    let id = context_id(name);
    let meta_path = config_dir.join("contexts").join("meta").join(&id).join("meta.json");
    let text = std::fs::read(&meta_path).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => failed(format!(
            "context not found: open {}: {}",
            meta_path.display(),
            go_io_error(&e)
        )),
        _ => failed(format!("open {}: {}", meta_path.display(), go_io_error(&e))),
    })?;
    let meta: Meta =
        serde_json::from_slice(&text).map_err(|e| failed(format!("parsing {}: {e}", meta_path.display())))?;
    let docker = match meta.endpoints.get("docker") {
        Some(value) => <DockerEndpoint as serde::Deserialize>::deserialize(value)
            .map_err(|e| failed(format!("parsing {}: {e}", meta_path.display())))?,
        // The docker CLI's wording, which does not name the context here.
        None => {
            return Err(Error::InvalidArgument(
                "unable to resolve docker endpoint: cannot find docker endpoint in context".to_string(),
            ));
        }
    };
    let endpoint = if docker.host.is_empty() {
        Endpoint::unix(DEFAULT_SOCKET)
    } else {
        Endpoint::parse(&docker.host).map_err(|e| failed(e.to_string()))?
    };
    let tls_dir = config_dir.join("contexts").join("tls").join(&id).join("docker");
    let present = |file: &str| Some(tls_dir.join(file)).filter(|p| p.is_file());
    let (ca, cert, key) = (present("ca.pem"), present("cert.pem"), present("key.pem"));
    // As the docker CLI: no TLS material and no SkipTLSVerify means plain TCP.
    let uses_tls = ca.is_some() || cert.is_some() || key.is_some() || docker.skip_tls_verify;
    let endpoint = if uses_tls && matches!(endpoint.address(), Address::Tcp(_)) {
        let mut tls = TlsConfig::new().verify(!docker.skip_tls_verify);
        tls.set_ca_cert(ca);
        tls.set_client_cert(cert);
        tls.set_client_key(key);
        endpoint.with_tls(tls)
    } else {
        endpoint
    };
    Ok(endpoint.with_context(name))
}

/// An I/O error as Go prints it (`no such file or directory`), so that messages read like
/// the docker CLI's.
pub(crate) fn go_io_error(error: &std::io::Error) -> String {
    match error.kind() {
        std::io::ErrorKind::NotFound => "no such file or directory".to_string(),
        std::io::ErrorKind::PermissionDenied => "permission denied".to_string(),
        std::io::ErrorKind::IsADirectory => "is a directory".to_string(),
        _ => {
            let text = error.to_string();
            let text = text.split(" (os error").next().unwrap_or(&text);
            let mut chars = text.chars();
            chars
                .next()
                .map(|c| c.to_lowercase().chain(chars).collect())
                .unwrap_or_default()
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;
    use crate::EndpointKind;

    struct Store(PathBuf);

    impl Store {
        fn new(test: &str) -> Store {
            let dir = std::env::temp_dir().join(format!("dimg-resolve-{test}-{}", std::process::id()));
            let _ = std::fs::remove_dir_all(&dir);
            std::fs::create_dir_all(&dir).unwrap();
            Store(dir)
        }

        fn context(&self, name: &str, host: &str, skip_verify: bool, tls_files: &[&str]) {
            let meta = self.0.join("contexts/meta").join(context_id(name));
            std::fs::create_dir_all(&meta).unwrap();
            let json = serde_json::json!({"Name": name, "Metadata": {}, "Endpoints": {"docker": {"Host": host, "SkipTLSVerify": skip_verify}}});
            std::fs::write(meta.join("meta.json"), json.to_string()).unwrap();
            let tls = self.0.join("contexts/tls").join(context_id(name)).join("docker");
            for file in tls_files {
                std::fs::create_dir_all(&tls).unwrap();
                std::fs::write(tls.join(file), "").unwrap();
            }
        }

        fn resolve(&self, options: &ConnectOptions, vars: &[(&str, &str)]) -> Result<Endpoint> {
            let mut env: HashMap<String, OsString> =
                vars.iter().map(|(k, v)| (k.to_string(), OsString::from(v))).collect();
            env.entry("DOCKER_CONFIG".into())
                .or_insert_with(|| self.0.clone().into());
            options.resolve_with(&|name: &str| env.get(name).cloned())
        }
    }

    impl Drop for Store {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }

    fn host(host: &str) -> ConnectOptions {
        ConnectOptions {
            host: Some(host.into()),
            ..Default::default()
        }
    }

    fn context(name: &str) -> ConnectOptions {
        ConnectOptions {
            context: Some(name.into()),
            ..Default::default()
        }
    }

    #[test]
    fn the_context_id_is_the_sha256_of_the_name() {
        // `printf sandbox | sha256sum`, and the directory `docker context create sandbox` made.
        assert_eq!(
            context_id("sandbox"),
            "b7ad567477c83756aab9a542b2be04f77dbae25115d85f22070d74d8cc4779dc"
        );
    }

    #[test]
    fn precedence_is_the_docker_clis() {
        let store = Store::new("precedence");
        store.context("flag", "unix:///flag.sock", false, &[]);
        store.context("env", "unix:///env.sock", false, &[]);
        store.context("current", "unix:///current.sock", false, &[]);
        std::fs::write(store.0.join("config.json"), r#"{"currentContext": "current"}"#).unwrap();
        let none = ConnectOptions::default();
        let at = |e: Result<Endpoint>| e.unwrap().to_string();
        assert_eq!(at(store.resolve(&none, &[])), "unix:///current.sock");
        assert_eq!(
            at(store.resolve(&none, &[("DOCKER_CONTEXT", "env")])),
            "unix:///env.sock"
        );
        assert_eq!(
            at(store.resolve(
                &none,
                &[("DOCKER_CONTEXT", "env"), ("DOCKER_HOST", "unix:///host.sock")]
            )),
            "unix:///host.sock"
        );
        // An empty DOCKER_HOST is unset.
        assert_eq!(
            at(store.resolve(&none, &[("DOCKER_CONTEXT", "env"), ("DOCKER_HOST", "")])),
            "unix:///env.sock"
        );
        assert_eq!(
            at(store.resolve(&host("unix:///flag-host.sock"), &[("DOCKER_CONTEXT", "env")])),
            "unix:///flag-host.sock"
        );
        let chosen = store
            .resolve(&context("flag"), &[("DOCKER_HOST", "unix:///host.sock")])
            .unwrap();
        assert_eq!(
            (chosen.to_string().as_str(), chosen.context_name()),
            ("unix:///flag.sock", "flag")
        );
        // `-c default` is the built-in context, which DOCKER_HOST feeds.
        assert_eq!(
            at(store.resolve(&context("default"), &[("DOCKER_HOST", "unix:///host.sock")])),
            "unix:///host.sock"
        );
        let both = ConnectOptions {
            host: Some("unix:///x".into()),
            context: Some("flag".into()),
            ..Default::default()
        };
        let err = store.resolve(&both, &[]).unwrap_err();
        assert_eq!(
            err.to_string(),
            "conflicting options: cannot specify both --host and --context"
        );
        std::fs::write(store.0.join("config.json"), "{corrupt").unwrap();
        assert_eq!(at(store.resolve(&none, &[])), "unix:///var/run/docker.sock");
    }

    #[test]
    fn a_missing_or_corrupt_context_is_an_error_naming_it() {
        let store = Store::new("missing");
        let err = store.resolve(&context("nosuch"), &[]).unwrap_err().to_string();
        let expected = format!(
            "unable to resolve docker endpoint: context \"nosuch\": context not found: open {}/contexts/meta/9e62f93eb7d2499903ac66232f187c56fc050eb74c765f90eb214360b21f0e96/meta.json: no such file or directory",
            store.0.display()
        );
        assert_eq!(err, expected);
        // A context without a docker endpoint (one made for another orchestrator).
        let other = store.0.join("contexts/meta").join(context_id("other"));
        std::fs::create_dir_all(&other).unwrap();
        std::fs::write(
            other.join("meta.json"),
            r#"{"Name":"other","Metadata":{},"Endpoints":{}}"#,
        )
        .unwrap();
        let err = store.resolve(&context("other"), &[]).unwrap_err().to_string();
        assert_eq!(
            err,
            "unable to resolve docker endpoint: cannot find docker endpoint in context"
        );
        store.context("broken", "unix:///x", false, &[]);
        let meta = store
            .0
            .join("contexts/meta")
            .join(context_id("broken"))
            .join("meta.json");
        std::fs::write(&meta, "{bad").unwrap();
        let err = store.resolve(&context("broken"), &[]).unwrap_err().to_string();
        assert!(
            err.starts_with("unable to resolve docker endpoint: context \"broken\": parsing "),
            "{err}"
        );
    }

    #[test]
    fn tls_from_the_environment_and_flags() {
        let store = Store::new("tls");
        let certs = store.0.join("certs");
        std::fs::create_dir_all(&certs).unwrap();
        for file in ["ca.pem", "cert.pem"] {
            std::fs::write(certs.join(file), "").unwrap();
        }
        std::fs::write(store.0.join("ca.pem"), "").unwrap();
        let certs_text = certs.to_str().unwrap();
        let none = ConnectOptions::default();
        // DOCKER_TLS_VERIFY, even "0", turns verification on; with no host, tcp://localhost:2376.
        let e = store
            .resolve(&none, &[("DOCKER_TLS_VERIFY", "0"), ("DOCKER_CERT_PATH", certs_text)])
            .unwrap();
        assert_eq!(e.to_string(), "tcp://localhost:2376");
        let tls = e.tls().unwrap();
        assert!(tls.verifies());
        assert_eq!(tls.ca_cert_path(), Some(certs.join("ca.pem").as_path()));
        // A missing default key means none, and a certificate without its key is none either.
        assert_eq!((tls.client_cert_path(), tls.client_key_path()), (None, None));
        std::fs::write(certs.join("key.pem"), "").unwrap();
        let e = store
            .resolve(&none, &[("DOCKER_TLS_VERIFY", "1"), ("DOCKER_CERT_PATH", certs_text)])
            .unwrap();
        assert_eq!(
            e.tls().unwrap().client_key_path(),
            Some(certs.join("key.pem").as_path())
        );
        // Every file settled on is read now, whatever the address, with docker's wording.
        let missing = ConnectOptions {
            host: Some("unix:///x.sock".into()),
            tls_verify: Some(true),
            tls_cert: Some("/nonexistent/cert.pem".into()),
            ..Default::default()
        };
        let err = store
            .resolve(&missing, &[("DOCKER_CERT_PATH", certs_text)])
            .unwrap_err();
        let Error::Tls { reason, .. } = err else {
            panic!("{err:?}")
        };
        assert_eq!(
            reason,
            "unable to resolve docker endpoint: open /nonexistent/cert.pem: no such file or directory"
        );
        // An empty -H is the default host; an empty --tlscacert is no CA (the system's roots).
        let empty = ConnectOptions {
            host: Some(String::new()),
            tls_ca_cert: Some(PathBuf::new()),
            tls: Some(true),
            ..Default::default()
        };
        let e = store.resolve(&empty, &[("DOCKER_CERT_PATH", certs_text)]).unwrap();
        assert_eq!(e.to_string(), "tcp://localhost:2376");
        assert_eq!(e.tls().unwrap().ca_cert_path(), None);
        // DOCKER_CERT_PATH alone does nothing.
        let e = store
            .resolve(&host("tcp://h:1"), &[("DOCKER_CERT_PATH", certs_text)])
            .unwrap();
        assert_eq!(e.kind(), EndpointKind::Tcp);
        // DOCKER_TLS: TLS without verification, the CA read from the configuration directory.
        let e = store.resolve(&host("tcp://h:1"), &[("DOCKER_TLS", "1")]).unwrap();
        assert!(!e.tls().unwrap().verifies());
        assert_eq!(e.tls().unwrap().ca_cert_path(), Some(store.0.join("ca.pem").as_path()));
        // --tlsverify=false still turns TLS on, without verification.
        let options = ConnectOptions {
            host: Some("tcp://h:1".into()),
            tls_verify: Some(false),
            ..Default::default()
        };
        let e = store.resolve(&options, &[("DOCKER_TLS_VERIFY", "1")]).unwrap();
        assert!(!e.tls().unwrap().verifies());
        // TLS settings do not apply to a Unix socket.
        let e = store
            .resolve(&host("unix:///x.sock"), &[("DOCKER_TLS_VERIFY", "1")])
            .unwrap();
        assert_eq!(e.kind(), EndpointKind::Unix);
    }

    #[test]
    fn a_context_carries_its_own_tls() {
        let store = Store::new("context-tls");
        store.context(
            "secure",
            "tcp://10.0.0.5:2376",
            false,
            &["ca.pem", "cert.pem", "key.pem"],
        );
        store.context("skip", "tcp://10.0.0.5:2376", true, &[]);
        store.context("plain", "tcp://10.0.0.5:2375", false, &[]);
        store.context("remote", "ssh://me@10.0.0.5", false, &[]);
        // The environment's TLS settings do not reach a named context.
        let vars = [("DOCKER_TLS_VERIFY", "1")];
        let e = store.resolve(&context("secure"), &vars).unwrap();
        let tls = e.tls().unwrap();
        assert!(tls.verifies() && tls.ca_cert_path().unwrap().ends_with("docker/ca.pem"));
        let e = store.resolve(&context("skip"), &vars).unwrap();
        assert!(!e.tls().unwrap().verifies() && e.tls().unwrap().ca_cert_path().is_none());
        assert_eq!(
            store.resolve(&context("plain"), &vars).unwrap().kind(),
            EndpointKind::Tcp
        );
        let e = store.resolve(&context("remote"), &vars).unwrap();
        assert_eq!((e.kind(), e.context_name()), (EndpointKind::Ssh, "remote"));
    }
}
