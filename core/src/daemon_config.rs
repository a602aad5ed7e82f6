//! Careful edits of the daemon's `daemon.json`: adding or removing a registry mirror, as the
//! seed's "configure a mirror, then restart docker" step does.
//!
//! Every other key is kept (in its order), the URL is validated, the file is replaced
//! atomically (temporary file in the same directory, then rename) with its permissions and
//! owner, and a file that cannot be parsed is never touched. The daemon reads the file only
//! when it starts: every change says that a restart is required.

use std::io::Write;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};

use serde_json::{Map, Value};

use crate::error::{Error, Result};

/// Where dockerd reads its configuration by default.
pub const DEFAULT_DAEMON_JSON: &str = "/etc/docker/daemon.json";

/// The key holding the mirrors.
const MIRRORS_KEY: &str = "registry-mirrors";

/// What a mirror edit did.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct MirrorChange {
    /// The file that was read (and written when `changed`).
    pub path: PathBuf,
    /// Whether the file was rewritten (false when the mirror was already there / absent).
    pub changed: bool,
    /// The mirrors now configured, in order.
    pub mirrors: Vec<String>,
    /// The daemon only reads `daemon.json` at start: true whenever `changed`.
    pub restart_required: bool,
}

/// Checks a mirror URL the way dockerd does (`http` or `https`, a host, no path, query or
/// fragment) and returns it normalised to `scheme://host[:port]/`, as `docker info` shows it.
///
/// ```
/// assert_eq!(dimg::daemon_config::normalize_mirror("https://mirror.example.com").unwrap(), "https://mirror.example.com/");
/// assert!(dimg::daemon_config::normalize_mirror("mirror.example.com").is_err());
/// assert!(dimg::daemon_config::normalize_mirror("http://m.example.com/v2/?x=1").is_err());
/// ```
pub fn normalize_mirror(url: &str) -> Result<String> {
    let bad = |why: &str| Error::InvalidArgument(format!("invalid registry mirror {url:?}: {why}"));
    let (scheme, rest) = url
        .trim()
        .split_once("://")
        .ok_or_else(|| bad("expected http:// or https://"))?;
    let scheme = scheme.to_ascii_lowercase();
    if scheme != "http" && scheme != "https" {
        return Err(bad("the scheme must be http or https"));
    }
    let (host, path) = match rest.find(['/', '?', '#']) {
        Some(i) => rest.split_at(i),
        None => (rest, ""),
    };
    if !path.is_empty() && path != "/" {
        return Err(bad("a mirror is a host: no path, query or fragment"));
    }
    let valid_host = !host.is_empty()
        && !host.contains('@')
        && host
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b':' | b'[' | b']'));
    if !valid_host {
        return Err(bad("the host is missing or has characters a host cannot have"));
    }
    if let Some((_, port)) = host.rsplit_once(':').filter(|_| !host.ends_with(']'))
        && port.parse::<u16>().is_err()
    {
        return Err(bad("the port is not a number from 0 to 65535"));
    }
    Ok(format!("{scheme}://{}/", host.to_ascii_lowercase()))
}

/// The mirrors configured in a `daemon.json` (empty when the file or the key is absent).
///
/// # Errors
/// [`Error::InvalidArgument`] when the file cannot be read or parsed.
pub fn registry_mirrors(path: impl AsRef<Path>) -> Result<Vec<String>> {
    let config = read(path.as_ref())?;
    mirrors_of(path.as_ref(), &config)
}

/// Adds a registry mirror (at the end) to a `daemon.json`, creating the file if needed.
/// Nothing changes when an equivalent mirror is already there.
///
/// # Errors
/// [`Error::InvalidArgument`] for an invalid URL, or a file that cannot be read, parsed or
/// written; the file is then left as it was.
///
/// # Examples
/// ```no_run
/// let change = dimg::daemon_config::add_registry_mirror("/etc/docker/daemon.json", "https://mirror.example.com")?;
/// if change.restart_required {
///     println!("now restart the daemon: systemctl restart docker");
/// }
/// # Ok::<(), dimg::Error>(())
/// ```
pub fn add_registry_mirror(path: impl AsRef<Path>, url: &str) -> Result<MirrorChange> {
    let url = normalize_mirror(url)?;
    edit(path.as_ref(), |mirrors| {
        if mirrors.iter().any(|m| same_mirror(m, &url)) {
            return false;
        }
        mirrors.push(url.clone());
        true
    })
}

/// Removes a registry mirror from a `daemon.json`. Nothing changes when it is not there.
///
/// # Errors
/// As [`add_registry_mirror`].
pub fn remove_registry_mirror(path: impl AsRef<Path>, url: &str) -> Result<MirrorChange> {
    let url = normalize_mirror(url)?;
    edit(path.as_ref(), |mirrors| {
        let before = mirrors.len();
        mirrors.retain(|m| !same_mirror(m, &url));
        mirrors.len() != before
    })
}

fn same_mirror(configured: &str, normalized: &str) -> bool {
    normalize_mirror(configured).is_ok_and(|m| m == normalized)
}

fn read(path: &Path) -> Result<Map<String, Value>> {
    let text = match std::fs::read(path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Map::new()),
        Err(e) => return Err(Error::InvalidArgument(format!("cannot read {}: {e}", path.display()))),
    };
    if text.iter().all(u8::is_ascii_whitespace) {
        return Ok(Map::new());
    }
    match serde_json::from_slice::<Value>(&text) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(_) => Err(Error::InvalidArgument(format!(
            "{} is not a JSON object; not touching it",
            path.display()
        ))),
        Err(e) => Err(Error::InvalidArgument(format!(
            "cannot parse {} ({e}); not touching it",
            path.display()
        ))),
    }
}

fn mirrors_of(path: &Path, config: &Map<String, Value>) -> Result<Vec<String>> {
    match config.get(MIRRORS_KEY) {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::Array(items)) => items
            .iter()
            .map(|item| {
                item.as_str().map(str::to_string).ok_or_else(|| {
                    Error::InvalidArgument(format!(
                        "{}: \"{MIRRORS_KEY}\" holds something other than strings; not touching it",
                        path.display()
                    ))
                })
            })
            .collect(),
        Some(_) => Err(Error::InvalidArgument(format!(
            "{}: \"{MIRRORS_KEY}\" is not a list; not touching it",
            path.display()
        ))),
    }
}

fn edit(path: &Path, change: impl FnOnce(&mut Vec<String>) -> bool) -> Result<MirrorChange> {
    let mut config = read(path)?;
    let mut mirrors = mirrors_of(path, &config)?;
    let changed = change(&mut mirrors);
    if changed {
        config.insert(
            MIRRORS_KEY.to_string(),
            Value::Array(mirrors.iter().cloned().map(Value::String).collect()),
        );
        let mut text = serde_json::to_vec_pretty(&Value::Object(config)).expect("JSON values always serialise");
        text.push(b'\n');
        write_atomically(path, &text)?;
    }
    Ok(MirrorChange {
        path: path.to_path_buf(),
        changed,
        mirrors,
        restart_required: changed,
    })
}

/// Writes `path` through a temporary file in the same directory and a rename, keeping the
/// old file's permissions and owner (0644 root-owned style defaults for a new file).
fn write_atomically(path: &Path, text: &[u8]) -> Result<()> {
    let failed =
        |what: &str, e: std::io::Error| Error::InvalidArgument(format!("cannot {what} {}: {e}", path.display()));
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let temp = dir.join(format!(".{name}.dimg-{}.tmp", std::process::id()));
    let existing = std::fs::metadata(path).ok();
    let result = (|| -> std::io::Result<()> {
        let mut file = std::fs::OpenOptions::new().write(true).create_new(true).open(&temp)?;
        file.write_all(text)?;
        let mode = existing.as_ref().map_or(0o644, |m| m.permissions().mode() & 0o7777);
        file.set_permissions(std::fs::Permissions::from_mode(mode))?;
        if let Some(meta) = &existing {
            // Keep the owner; only possible (and only needed) when running as root.
            let _ = std::os::unix::fs::fchown(&file, Some(meta.uid()), Some(meta.gid()));
        }
        file.sync_all()?;
        std::fs::rename(&temp, path)?;
        if let Ok(dir) = std::fs::File::open(dir) {
            let _ = dir.sync_all();
        }
        Ok(())
    })();
    result.map_err(|e| {
        let _ = std::fs::remove_file(&temp);
        failed("write", e)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scratch(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("dimg-daemon-json-{}-{name}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        dir.join("daemon.json")
    }

    #[test]
    fn urls_are_validated_and_normalised() {
        assert_eq!(
            normalize_mirror("HTTP://127.0.0.1:5001").unwrap(),
            "http://127.0.0.1:5001/"
        );
        assert_eq!(normalize_mirror("https://[::1]:5000/").unwrap(), "https://[::1]:5000/");
        for bad in [
            "",
            "127.0.0.1:5000",
            "ftp://x",
            "http://",
            "http://x/path",
            "http://x?q",
            "http://x#f",
            "http://user@x",
            "http://x:port",
            "http://a b",
        ] {
            assert!(normalize_mirror(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn add_and_remove_keep_every_other_key_in_order_and_the_permissions() {
        let path = scratch("keep");
        std::fs::write(
            &path,
            r#"{"storage-driver": "overlay2", "log-opts": {"max-size": "10m"}, "registry-mirrors": ["https://a.example/"], "debug": true}"#,
        )
        .unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();

        let change = add_registry_mirror(&path, "https://b.example").unwrap();
        assert!(change.changed && change.restart_required);
        assert_eq!(change.mirrors, ["https://a.example/", "https://b.example/"]);
        let text = std::fs::read_to_string(&path).unwrap();
        let keys: Vec<&str> = ["storage-driver", "log-opts", "registry-mirrors", "debug"]
            .into_iter()
            .filter(|k| text.contains(k))
            .collect();
        assert_eq!(keys.len(), 4);
        assert!(text.find("storage-driver") < text.find("log-opts") && text.find("log-opts") < text.find("debug"));
        assert!(text.contains("\"max-size\": \"10m\""));
        assert_eq!(std::fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);

        let again = add_registry_mirror(&path, "https://B.example/").unwrap();
        assert!(!again.changed && !again.restart_required);
        let removed = remove_registry_mirror(&path, "https://a.example").unwrap();
        assert_eq!(removed.mirrors, ["https://b.example/"]);
        assert_eq!(registry_mirrors(&path).unwrap(), ["https://b.example/"]);
        assert!(!remove_registry_mirror(&path, "https://zzz.example").unwrap().changed);
        let leftovers: Vec<_> = std::fs::read_dir(path.parent().unwrap()).unwrap().collect();
        assert_eq!(leftovers.len(), 1, "no temporary file is left behind");
        std::fs::remove_dir_all(path.parent().unwrap()).unwrap();
    }

    #[test]
    fn a_missing_file_is_created_and_a_broken_one_is_never_touched() {
        let path = scratch("broken");
        let _ = std::fs::remove_file(&path);
        assert!(registry_mirrors(&path).unwrap().is_empty());
        let change = add_registry_mirror(&path, "http://127.0.0.1:5001").unwrap();
        assert!(change.changed);
        assert_eq!(std::fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o644);

        for broken in [
            "{\"debug\": tru",
            "[1, 2]",
            "{\"registry-mirrors\": \"http://x\"}",
            "{\"registry-mirrors\": [1]}",
        ] {
            std::fs::write(&path, broken).unwrap();
            let err = add_registry_mirror(&path, "http://127.0.0.1:5002").unwrap_err();
            assert!(err.to_string().contains("not touching it"), "{broken}: {err}");
            assert_eq!(std::fs::read_to_string(&path).unwrap(), broken);
        }
        let err = add_registry_mirror(&path, "not a url").unwrap_err();
        assert!(matches!(err, Error::InvalidArgument(_)));
        std::fs::remove_dir_all(path.parent().unwrap()).unwrap();
    }
}
