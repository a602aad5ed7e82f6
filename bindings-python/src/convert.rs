//! Python arguments as the core's options, with the GIL, before anything is sent. Every rule
//! (filter keys and values, references, tags, hosts, the search limit's range) is the core's;
//! this module only changes types.

use std::path::PathBuf;
use std::time::Duration;

use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList, PyTuple};

use crate::endpoint::PyTlsConfig;
use crate::errors::{core_error, invalid_argument};

/// A filter value as the daemon spells it: str as is, bool as true/false, int as digits.
fn filter_value(key: &str, value: &Bound<'_, PyAny>) -> PyResult<String> {
    if let Ok(b) = value.extract::<bool>() {
        return Ok(b.to_string());
    }
    if let Ok(n) = value.extract::<i64>() {
        return Ok(n.to_string());
    }
    if let Ok(s) = value.extract::<String>() {
        return Ok(s);
    }
    Err(PyTypeError::new_err(format!(
        "filter {key:?}: expected str, bool, int or a list of them, got {}",
        value.get_type().name()?
    )))
}

/// `{"key": value | [values]}` as `(key, value)` pairs, one per value.
fn filter_pairs(filters: Option<&Bound<'_, PyDict>>) -> PyResult<Vec<(String, String)>> {
    let mut pairs = Vec::new();
    let Some(filters) = filters else { return Ok(pairs) };
    for (key, value) in filters.iter() {
        let key: String = key
            .extract()
            .map_err(|_| PyTypeError::new_err("filter names must be str"))?;
        if value.is_instance_of::<PyList>() || value.is_instance_of::<PyTuple>() {
            for item in value.try_iter()? {
                pairs.push((key.clone(), filter_value(&key, &item?)?));
            }
        } else {
            let value = filter_value(&key, &value)?;
            pairs.push((key, value));
        }
    }
    Ok(pairs)
}

pub fn list_options(
    name: Option<String>,
    all: bool,
    filters: Option<&Bound<'_, PyDict>>,
) -> PyResult<dimg::ListOptions> {
    let mut options = dimg::ListOptions::new().all(all);
    for (key, value) in filter_pairs(filters)? {
        options = options.filter(dimg::ImageFilter::from_pair(&key, &value).map_err(core_error)?);
    }
    if let Some(name) = name {
        options = options.reference(name);
    }
    Ok(options)
}

pub fn search_options(limit: Option<i64>, filters: Option<&Bound<'_, PyDict>>) -> PyResult<dimg::SearchOptions> {
    let mut options = dimg::SearchOptions::new();
    if let Some(limit) = limit {
        // The core checks the range; it takes a u32, so a negative (or huge) Python int is
        // refused here, in the core's words, instead of overflowing.
        let limit = u32::try_from(limit)
            .map_err(|_| invalid_argument(format!("Limit {limit} is outside the range of [1, 100]")))?;
        options = options.limit(limit);
    }
    for (key, value) in filter_pairs(filters)? {
        options = options.filter(dimg::SearchFilter::from_pair(&key, &value).map_err(core_error)?);
    }
    Ok(options)
}

/// docker-py's `(repository, tag)` arguments of `pull` and `tag`: a given tag (for a pull also a
/// `sha256:` digest) replaces the one in `repository`. Validated here, before anything is sent.
pub fn reference_with_tag(repository: &str, tag: Option<&str>) -> PyResult<String> {
    let parsed = dimg::ImageRef::parse(repository).map_err(core_error)?;
    Ok(match tag {
        None => repository.to_string(),
        Some(tag) => parsed.with_tag(tag).map_err(core_error)?.to_string(),
    })
}

/// docker-py's `auth_config` dict (username, password, email, serveraddress, identitytoken,
/// registrytoken, auth) as explicit credentials.
fn registry_auth(auth_config: Option<&Bound<'_, PyDict>>) -> PyResult<Option<dimg::RegistryAuth>> {
    let Some(config) = auth_config else { return Ok(None) };
    let mut auth = dimg::RegistryAuth::default();
    for (key, value) in config.iter() {
        let key: String = key.extract()?;
        let value: String = value
            .extract()
            .map_err(|_| PyTypeError::new_err(format!("auth_config[{key:?}] must be a str")))?;
        match key.as_str() {
            "username" => auth.username = value,
            "password" => auth.password = value,
            "email" => auth.email = value,
            "serveraddress" => auth.server_address = value,
            "identitytoken" => auth.identity_token = value,
            "registrytoken" => auth.registry_token = value,
            "auth" => auth.auth = value,
            _ => return Err(invalid_argument(format!("unknown auth_config key {key:?}"))),
        }
    }
    Ok(Some(auth))
}

/// `pull(..., policy="missing")`: the policy by name (`always`, `missing`, `never`, `newer`).
pub fn pull_options(
    all_tags: bool,
    platform: Option<String>,
    auth_config: Option<&Bound<'_, PyDict>>,
    policy: &str,
) -> PyResult<dimg::PullOptions> {
    let policy: dimg::PullPolicy = policy.parse().map_err(core_error)?;
    let mut options = dimg::PullOptions::new().all_tags(all_tags).policy(policy);
    if let Some(p) = platform {
        options = options.platform(p);
    }
    if let Some(auth) = registry_auth(auth_config)? {
        options = options.auth(auth);
    }
    Ok(options)
}

pub fn remove_options(force: bool, noprune: bool) -> dimg::RemoveOptions {
    dimg::RemoveOptions::new().force(force).noprune(noprune)
}

/// `images.prune(filters, all=)`. docker-py's filters: `until`, `label` and `label!` (a value
/// or a list) as the core parses them (`PruneFilter`, which refuses unknown keys), and
/// `dangling`, which docker-py users pass to choose between dangling images (true) and every
/// unused one (false): it is what `all` says, read as the core reads a `dangling` value, and
/// given together with an `all=True` that contradicts it, refused.
pub fn prune_options(filters: Option<&Bound<'_, PyDict>>, all: bool) -> PyResult<dimg::PruneOptions> {
    let mut options = dimg::PruneOptions::new();
    let mut dangling: Option<bool> = None;
    for (key, value) in filter_pairs(filters)? {
        if key.trim().eq_ignore_ascii_case("dangling") {
            let dimg::ImageFilter::Dangling(only) = dimg::ImageFilter::from_pair(&key, &value).map_err(core_error)?
            else {
                return Err(invalid_argument(format!("invalid filter '{key}={value}'")));
            };
            if dangling.is_some_and(|earlier| earlier != only) {
                return Err(invalid_argument(
                    "conflicting dangling filters: both true and false".into(),
                ));
            }
            dangling = Some(only);
        } else {
            options.add_filter(format!("{key}={value}").parse().map_err(core_error)?);
        }
    }
    let all = match dangling {
        Some(true) if all => {
            return Err(invalid_argument(
                "conflicting options: all=True and the filter dangling=true".into(),
            ));
        }
        Some(only) => !only,
        None => all,
    };
    options.set_all(all);
    Ok(options)
}

/// What `tls=` of `dimg.Client` asks for.
enum Tls {
    /// `False`: TLS only where the environment or the context says so.
    AsConfigured,
    /// `True`: the docker CLI's `--tlsverify`, with `ca.pem`, `cert.pem` and `key.pem` from
    /// the default directory.
    DefaultFiles,
    /// A `dimg.TLSConfig`.
    Config(dimg::TlsConfig),
}

fn tls_argument(tls: &Bound<'_, PyAny>) -> PyResult<Tls> {
    if let Ok(config) = tls.cast::<PyTlsConfig>() {
        return Ok(Tls::Config(config.get().inner.clone()));
    }
    match tls.extract::<bool>() {
        Ok(true) => Ok(Tls::DefaultFiles),
        Ok(false) => Ok(Tls::AsConfigured),
        Err(_) => Err(PyTypeError::new_err(format!(
            "tls must be a dimg.TLSConfig or a bool, not {}",
            tls.get_type().name()?
        ))),
    }
}

/// Where `dimg.Client` connects, as its arguments say.
pub struct Target<'a, 'py> {
    /// None: resolved like the docker CLI without flags (`ClientBuilder::from_env`); an
    /// address: used as given, as docker-py uses `base_url`, with no `DOCKER_*` variable.
    pub base_url: Option<&'a str>,
    /// `--context NAME`.
    pub context: Option<String>,
    /// `--config DIR`.
    pub config_dir: Option<PathBuf>,
    /// A `dimg.TLSConfig` or a bool.
    pub tls: &'a Bound<'py, PyAny>,
}

/// A positive, finite number of seconds as a duration; `what` names the argument.
fn seconds(what: &str, value: f64) -> PyResult<Duration> {
    if value.is_finite() && value > 0.0 {
        Duration::try_from_secs_f64(value).map_err(|_| invalid_argument(format!("{what} is too large: {value:?}")))
    } else {
        Err(invalid_argument(format!(
            "{what} must be a positive number of seconds or None, not {value}"
        )))
    }
}

/// How long the client waits: `timeouts` when given, else `timeout` for a call and between
/// pull progress messages (None: no limit; connecting keeps its default), and
/// `credential_helper_timeout` for a credential helper (None: the total limit), in seconds.
pub struct Timeouts {
    pub timeout: Option<f64>,
    pub timeouts: Option<dimg::Timeouts>,
    pub credential_helper_timeout: Option<f64>,
}

/// The client builder: the target through the core's resolution (the same rules as the
/// docker CLI's flags), the timeouts, `version` pinned unless None or "auto".
pub fn client_builder(
    target: Target<'_, '_>,
    timeouts: Timeouts,
    version: Option<&str>,
) -> PyResult<dimg::ClientBuilder> {
    let mut builder = match target.base_url {
        None => dimg::ClientBuilder::from_env(),
        Some(_) => dimg::ClientBuilder::new(),
    };
    let mut connect = dimg::ConnectOptions::default();
    connect.context = target.context;
    connect.config_dir = target.config_dir;
    match tls_argument(target.tls)? {
        Tls::AsConfigured => {}
        Tls::DefaultFiles => connect.tls_verify = Some(true),
        Tls::Config(config) => builder = builder.tls(config),
    }
    builder = builder.connect_options(connect);
    if let Some(base_url) = target.base_url {
        // The builder's rule: an empty address is refused (it is no `-H ''`).
        builder = builder.host(base_url);
    }
    builder = match (timeouts.timeouts, timeouts.timeout) {
        (Some(limits), _) => builder.timeouts(limits),
        (None, None) => builder.no_timeout(),
        (None, Some(t)) => builder.timeout(seconds("timeout", t)?),
    };
    if let Some(t) = timeouts.credential_helper_timeout {
        builder = builder.credential_helper_timeout(seconds("credential_helper_timeout", t)?);
    }
    if let Some(version) = version.filter(|v| *v != "auto") {
        let version: dimg::ApiVersion = version.parse().map_err(|e| core_error(dimg::Error::from(e)))?;
        builder = builder.api_version(version);
    }
    Ok(builder)
}
