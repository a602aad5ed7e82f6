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
    /// The file as named by the caller.
    pub path: PathBuf,
    /// The file that was read (and written when `changed`): `path` with symbolic links
    /// followed.
    pub target: PathBuf,
    /// Whether the file was rewritten (false when the mirror was already there / absent).
    pub changed: bool,
    /// The mirrors now configured, in order.
    pub mirrors: Vec<String>,
    /// The daemon only reads `daemon.json` at start: true whenever `changed`.
    pub restart_required: bool,
}

/// Checks a mirror URL and returns it normalised to `scheme://host[:port]/`, as `docker info`
/// shows it. Everything dockerd refuses when it starts is refused (a URL Go's `url.Parse`
/// cannot read, such as `http://[::1`; a scheme other than `http`/`https`; a query or
/// fragment; credentials), and so is what dockerd 20.10 accepts but can never reach: an empty
/// host (`http://:80`, `http://[]`), a host name that breaks the label rules (`http://-.`), a
/// port outside 1..=65535, and a path. Credentials in a refused URL are masked as dockerd masks
/// them (`alice:xxxxx@`), and a long URL is cut short in the message.
///
/// ```
/// use dimg::daemon_config::normalize_mirror;
/// assert_eq!(normalize_mirror("https://mirror.example.com").unwrap(), "https://mirror.example.com/");
/// assert_eq!(normalize_mirror("http://[::1]:5000").unwrap(), "http://[::1]:5000/");
/// assert!(normalize_mirror("mirror.example.com").is_err());
/// assert!(normalize_mirror("http://m.example.com/v2/?x=1").is_err());
/// let e = normalize_mirror("https://alice:TopSecret@m.example.com").unwrap_err().to_string();
/// assert!(e.contains("alice:xxxxx@") && !e.contains("TopSecret"), "{e}");
/// ```
pub fn normalize_mirror(url: &str) -> Result<String> {
    let shown = masked(url);
    let bad = |why: &str| Error::InvalidArgument(format!("invalid registry mirror {shown:?}: {why}"));
    let (scheme, rest) = url
        .trim()
        .split_once("://")
        .ok_or_else(|| bad("expected http:// or https://"))?;
    let scheme = scheme.to_ascii_lowercase();
    if scheme != "http" && scheme != "https" {
        return Err(bad("the scheme must be http or https"));
    }
    let (authority, path) = match rest.find(['/', '?', '#']) {
        Some(i) => rest.split_at(i),
        None => (rest, ""),
    };
    if authority.contains('@') {
        return Err(bad(
            "credentials are not allowed in a mirror URL (dockerd refuses it: username/password not allowed in URI)",
        ));
    }
    if !path.is_empty() && path != "/" {
        return Err(bad("a mirror is a host: no path, query or fragment"));
    }
    let host = mirror_host(authority).map_err(bad)?;
    Ok(format!("{scheme}://{host}/"))
}

/// `host[:port]` of a mirror, lower-cased, or why it cannot be one.
fn mirror_host(authority: &str) -> std::result::Result<String, &'static str> {
    let (host, port) = if let Some(inner) = authority.strip_prefix('[') {
        // An IPv6 literal: `[address]` or `[address]:port`.
        let (address, after) = inner.split_once(']').ok_or("missing ']' in the host")?;
        if address.parse::<std::net::Ipv6Addr>().is_err() {
            return Err("the address in brackets is not an IPv6 address");
        }
        let port = match after {
            "" => None,
            _ => Some(after.strip_prefix(':').ok_or("unexpected text after ']' in the host")?),
        };
        (&authority[..address.len() + 2], port)
    } else {
        if authority.contains(['[', ']']) {
            return Err("brackets belong around an IPv6 address only");
        }
        let (host, port) = match authority.rsplit_once(':') {
            Some((host, port)) => (host, Some(port)),
            None => (authority, None),
        };
        if host.is_empty() {
            return Err("the host is missing");
        }
        if host.parse::<std::net::Ipv4Addr>().is_err() && !is_host_name(host) {
            return Err(
                "the host is not a host name (labels of letters, digits and '-', not starting or ending with '-') or an address",
            );
        }
        (host, port)
    };
    if let Some(port) = port
        && !(port.bytes().all(|b| b.is_ascii_digit()) && port.parse::<u16>().is_ok_and(|p| p > 0))
    {
        return Err("the port is not a number from 1 to 65535");
    }
    let mut text = host.to_ascii_lowercase();
    if let Some(port) = port {
        text.push(':');
        text.push_str(port);
    }
    Ok(text)
}

/// A DNS host name: dot-separated labels of 1 to 63 letters, digits, `-` or `_` (which
/// registries' internal names use), neither starting nor ending with `-`; 253 characters at
/// most; one trailing dot allowed.
fn is_host_name(host: &str) -> bool {
    let name = host.strip_suffix('.').unwrap_or(host);
    !name.is_empty()
        && name.len() <= 253
        && name.split('.').all(|label| {
            (1..=63).contains(&label.len())
                && label
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
                && !label.starts_with('-')
                && !label.ends_with('-')
        })
}

/// `url` as a message may show it: a password replaced by `xxxxx` (as dockerd does), cut short
/// when long.
fn masked(url: &str) -> String {
    let (prefix, rest) = url.split_once("://").map_or(("", url), |(scheme, rest)| (scheme, rest));
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let shown = match rest[..authority_end].rsplit_once('@') {
        Some((userinfo, host)) => {
            let user = userinfo.split_once(':').map_or(userinfo, |(user, _)| user);
            let scheme = if prefix.is_empty() {
                String::new()
            } else {
                format!("{prefix}://")
            };
            format!("{scheme}{user}:xxxxx@{host}{}", &rest[authority_end..])
        }
        None => url.to_string(),
    };
    Error::excerpt(&shown).into_owned()
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

/// The top-level members of a JSON object in their order, duplicates included (a map would
/// keep only the last of two equal keys, as dockerd's decoder does, and so lose the first).
struct Members(Vec<(String, Value)>);

impl<'de> serde::Deserialize<'de> for Members {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> std::result::Result<Members, D::Error> {
        struct Visit;
        impl<'de> serde::de::Visitor<'de> for Visit {
            type Value = Members;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> std::result::Result<Members, A::Error> {
                let mut members = Vec::new();
                while let Some(member) = map.next_entry()? {
                    members.push(member);
                }
                Ok(Members(members))
            }
        }
        deserializer.deserialize_map(Visit)
    }
}

fn read(path: &Path) -> Result<Map<String, Value>> {
    let text = match std::fs::read(path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Map::new()),
        Err(e) => return Err(Error::InvalidArgument(format!("cannot read {}: {e}", path.display()))),
    };
    if text.starts_with(b"\xEF\xBB\xBF") {
        // dockerd 20.10 reads the file with Go's encoding/json, which refuses the mark.
        return Err(Error::InvalidArgument(format!(
            "{} starts with a UTF-8 byte order mark, which dockerd refuses (\"invalid character 'ï' looking for \
             beginning of value\"); remove it; not touching it",
            path.display()
        )));
    }
    if text.iter().all(u8::is_ascii_whitespace) {
        return Ok(Map::new());
    }
    let members = match serde_json::from_slice::<Members>(&text) {
        Ok(members) => members.0,
        Err(e) if e.classify() == serde_json::error::Category::Data => {
            return Err(Error::InvalidArgument(format!(
                "{} is not a JSON object; not touching it",
                path.display()
            )));
        }
        Err(e) => {
            return Err(Error::InvalidArgument(format!(
                "cannot parse {} ({e}); not touching it",
                path.display()
            )));
        }
    };
    let mut config = Map::new();
    for (key, value) in members {
        if config.contains_key(&key) {
            return Err(Error::InvalidArgument(format!(
                "{}: the key {:?} appears more than once (dockerd would use the last one only); not touching it",
                path.display(),
                Error::excerpt(&key)
            )));
        }
        config.insert(key, value);
    }
    Ok(config)
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

/// Reads, changes and (when `change` says so) rewrites the file `path` is or links to, under an
/// exclusive lock held from the read to the rename, so that edits made at the same time by
/// other processes or threads all land.
fn edit(path: &Path, change: impl FnOnce(&mut Vec<String>) -> bool) -> Result<MirrorChange> {
    let target = follow_links(path)?;
    let _lock = EditLock::take(&target)?;
    let mut config = read(&target)?;
    let mut mirrors = mirrors_of(&target, &config)?;
    let changed = change(&mut mirrors);
    if changed {
        config.insert(
            MIRRORS_KEY.to_string(),
            Value::Array(mirrors.iter().cloned().map(Value::String).collect()),
        );
        let mut text = serde_json::to_vec_pretty(&Value::Object(config)).expect("JSON values always serialise");
        text.push(b'\n');
        write_atomically(&target, &text)?;
    }
    Ok(MirrorChange {
        path: path.to_path_buf(),
        target,
        changed,
        mirrors,
        restart_required: changed,
    })
}

/// The file `path` names once symbolic links are followed (relative links from the link's own
/// directory), so that a link owned by configuration management stays a link and its target
/// is what changes. A missing final file is fine: it is created.
fn follow_links(path: &Path) -> Result<PathBuf> {
    let mut current = path.to_path_buf();
    // Linux's own limit on links followed in one lookup.
    for _ in 0..40 {
        match std::fs::symlink_metadata(&current) {
            Ok(meta) if meta.file_type().is_symlink() => {
                let link = std::fs::read_link(&current)
                    .map_err(|e| Error::InvalidArgument(format!("cannot read the link {}: {e}", current.display())))?;
                current = match current.parent() {
                    Some(dir) if link.is_relative() => dir.join(link),
                    _ => link,
                };
            }
            _ => return Ok(current),
        }
    }
    Err(Error::InvalidArgument(format!(
        "{}: too many levels of symbolic links; not touching it",
        path.display()
    )))
}

/// An exclusive `flock(2)` on `.NAME.lock` next to the file being edited, released when
/// dropped (and by the kernel if the process dies). A lock of its own rather than on the file
/// itself, which the rename replaces.
struct EditLock {
    _file: std::fs::File,
}

impl EditLock {
    fn take(target: &Path) -> Result<EditLock> {
        let name = target
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let lock_path = dir_of(target).join(format!(".{name}.lock"));
        let failed = |e: std::io::Error| Error::InvalidArgument(format!("cannot lock {}: {e}", lock_path.display()));
        let file = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&lock_path)
            .map_err(failed)?;
        loop {
            // SAFETY: flock on a descriptor this function owns.
            if unsafe { libc::flock(std::os::fd::AsRawFd::as_raw_fd(&file), libc::LOCK_EX) } == 0 {
                return Ok(EditLock { _file: file });
            }
            let error = std::io::Error::last_os_error();
            if error.kind() != std::io::ErrorKind::Interrupted {
                return Err(failed(error));
            }
        }
    }
}

/// The directory a file is in (`.` for a bare name).
fn dir_of(path: &Path) -> &Path {
    path.parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."))
}

/// Writes `path` through a temporary file in the same directory and a rename, keeping the
/// old file's permissions and owner (0644 root-owned style defaults for a new file).
fn write_atomically(path: &Path, text: &[u8]) -> Result<()> {
    let failed =
        |what: &str, e: std::io::Error| Error::InvalidArgument(format!("cannot {what} {}: {e}", path.display()));
    let dir = dir_of(path);
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
        let mut leftovers: Vec<String> = std::fs::read_dir(path.parent().unwrap())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        leftovers.sort();
        assert_eq!(
            leftovers,
            [".daemon.json.lock", "daemon.json"],
            "no temporary file is left behind"
        );
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

    #[test]
    fn hosts_dockerd_cannot_use_are_refused_and_secrets_masked() {
        for (bad, why) in [
            ("http://[::1", "missing ']'"),
            ("http://:80", "host is missing"),
            ("http://[]", "not an IPv6 address"),
            ("http://-.", "not a host name"),
            ("http://a..b", "not a host name"),
            ("http://x:0", "port"),
            ("http://x:65536", "port"),
            ("http://x:", "port"),
            ("http://x:+80", "port"),
            ("http://[::1]x", "after ']'"),
            ("http://a[b]", "brackets"),
        ] {
            let err = normalize_mirror(bad).unwrap_err().to_string();
            assert!(err.contains(why), "{bad:?}: {err}");
        }
        assert_eq!(
            normalize_mirror("http://Reg_1.Example.COM.:443").unwrap(),
            "http://reg_1.example.com.:443/"
        );
        assert_eq!(
            normalize_mirror("http://10.0.0.1:5000/").unwrap(),
            "http://10.0.0.1:5000/"
        );

        let err = normalize_mirror("https://alice:TopSecret@m.example.com")
            .unwrap_err()
            .to_string();
        assert_eq!(
            err,
            "invalid registry mirror \"https://alice:xxxxx@m.example.com\": credentials are not allowed in a mirror URL \
             (dockerd refuses it: username/password not allowed in URI)"
        );
        let err = normalize_mirror("https://alice:Top@Secret@m.example.com/x")
            .unwrap_err()
            .to_string();
        assert!(
            !err.contains("Top") && !err.contains("Secret") && err.contains("alice:xxxxx@m.example.com"),
            "{err}"
        );
        let err = normalize_mirror("https://bob@m.example.com").unwrap_err().to_string();
        assert!(err.contains("bob:xxxxx@m.example.com"), "{err}");

        let huge = format!("http://{}", "a".repeat(1 << 20));
        let err = normalize_mirror(&huge).unwrap_err().to_string();
        assert!(err.len() < 600, "{} bytes of message", err.len());
        assert!(
            err.contains(&format!("({} bytes in all)", huge.len())),
            "{}",
            &err[..300]
        );
    }

    #[test]
    fn a_byte_order_mark_and_a_repeated_key_are_refused_untouched() {
        let path = scratch("bom");
        let bom = "\u{feff}{\"registry-mirrors\": []}";
        std::fs::write(&path, bom).unwrap();
        let err = add_registry_mirror(&path, "http://m.example.com")
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("byte order mark") && err.contains("not touching it"),
            "{err}"
        );
        assert_eq!(std::fs::read_to_string(&path).unwrap(), bom);

        let twice = r#"{"registry-mirrors": ["https://a.example/"], "debug": true, "registry-mirrors": ["https://b.example/"]}"#;
        std::fs::write(&path, twice).unwrap();
        let err = add_registry_mirror(&path, "http://m.example.com")
            .unwrap_err()
            .to_string();
        assert!(err.contains("\"registry-mirrors\" appears more than once"), "{err}");
        assert_eq!(std::fs::read_to_string(&path).unwrap(), twice);
        std::fs::remove_dir_all(path.parent().unwrap()).unwrap();
    }

    #[test]
    fn a_link_stays_a_link_and_its_target_changes() {
        let dir = scratch("links").parent().unwrap().to_path_buf();
        let real_dir = dir.join("real");
        std::fs::create_dir_all(&real_dir).unwrap();
        let real = real_dir.join("daemon.json");
        std::fs::write(&real, "{\"debug\": true}\n").unwrap();
        std::fs::set_permissions(&real, std::fs::Permissions::from_mode(0o640)).unwrap();
        let relative = dir.join("relative.json");
        let absolute = dir.join("absolute.json");
        let chained = dir.join("chained.json");
        let _ = std::fs::remove_file(&relative);
        let _ = std::fs::remove_file(&absolute);
        let _ = std::fs::remove_file(&chained);
        std::os::unix::fs::symlink("real/daemon.json", &relative).unwrap();
        std::os::unix::fs::symlink(&real, &absolute).unwrap();
        std::os::unix::fs::symlink("relative.json", &chained).unwrap();

        let change = add_registry_mirror(&relative, "https://a.example").unwrap();
        assert_eq!(change.target, real_dir.join("daemon.json"));
        add_registry_mirror(&absolute, "https://b.example").unwrap();
        add_registry_mirror(&chained, "https://c.example").unwrap();
        for link in [&relative, &absolute, &chained] {
            assert!(
                std::fs::symlink_metadata(link).unwrap().file_type().is_symlink(),
                "{link:?}"
            );
        }
        assert_eq!(
            registry_mirrors(&real).unwrap(),
            ["https://a.example/", "https://b.example/", "https://c.example/"]
        );
        assert!(std::fs::read_to_string(&real).unwrap().contains("\"debug\": true"));
        assert_eq!(std::fs::metadata(&real).unwrap().permissions().mode() & 0o777, 0o640);

        let looped = dir.join("loop.json");
        let _ = std::fs::remove_file(&looped);
        std::os::unix::fs::symlink("loop.json", &looped).unwrap();
        let err = add_registry_mirror(&looped, "https://d.example")
            .unwrap_err()
            .to_string();
        assert!(err.contains("too many levels of symbolic links"), "{err}");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn edits_from_many_threads_at_once_all_land() {
        let path = scratch("threads");
        let _ = std::fs::remove_file(&path);
        let threads: Vec<_> = (0..16)
            .map(|n| {
                let path = path.clone();
                std::thread::spawn(move || add_registry_mirror(&path, &format!("https://m{n}.example.com")).unwrap())
            })
            .collect();
        for thread in threads {
            assert!(thread.join().unwrap().changed);
        }
        let mut mirrors = registry_mirrors(&path).unwrap();
        mirrors.sort();
        let mut expected: Vec<String> = (0..16).map(|n| format!("https://m{n}.example.com/")).collect();
        expected.sort();
        assert_eq!(mirrors, expected);
        std::fs::remove_dir_all(path.parent().unwrap()).unwrap();
    }
}
