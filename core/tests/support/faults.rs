//! The engine's fault proxy (`scripts/fault_proxy.py`, `DIMG_TEST_FAULT_PROXY`): its rules,
//! the requests it saw, and a lock per repository for the tests whose faults or images would
//! meet. Included by `registry_faults.rs`, `retry.rs`, `pull_many.rs`, `timeouts.rs` and
//! `pull_policy.rs` (its seed lookup) with
//! `#[path = "support/faults.rs"] mod faults;`.

#![allow(dead_code)] // each test crate uses part of it

use std::os::fd::AsRawFd;

/// `127.0.0.1:PORT` of the engine's fault proxy in front of the test registry.
pub fn proxy() -> String {
    std::env::var("DIMG_TEST_FAULT_PROXY")
        .expect("DIMG_TEST_FAULT_PROXY: run scripts/test.sh or eval \"$(scripts/engine.sh env)\"")
}

/// `curl` against a fault proxy's control endpoints (the tests have no HTTP client of their own).
pub fn control_at(proxy: &str, method: &str, path: &str, body: &str) -> String {
    let output = std::process::Command::new("curl")
        .args(["-sf", "-X", method, "--data-binary", body])
        .arg(format!("http://{proxy}{path}"))
        .output()
        .expect("run curl");
    assert!(output.status.success(), "{method} {path}: {output:?}");
    String::from_utf8(output.stdout).unwrap()
}

/// Every request `proxy` saw, oldest first, as `METHOD PATH ANSWER`.
pub fn seen_at(proxy: &str) -> Vec<String> {
    let seen: serde_json::Value = serde_json::from_str(&control_at(proxy, "GET", "/__faults/requests", "")).unwrap();
    seen.as_array()
        .unwrap()
        .iter()
        .map(|r| {
            format!(
                "{} {} {}",
                r["method"].as_str().unwrap(),
                r["path"].as_str().unwrap(),
                r["answer"].as_str().unwrap()
            )
        })
        .collect()
}

/// How many requests the engine's proxy has seen: where a test's own count starts (the log is
/// never cleared: other tests read it at the same time).
pub fn mark() -> usize {
    seen_at(&proxy()).len()
}

/// The requests for paths under `/v2/PREFIX` after `mark`, as `METHOD REST ANSWER` with REST the
/// path after `/v2/PREFIX/` (`HEAD manifests/1.0 forward` for prefix `t/p31`).
pub fn since(mark: usize, prefix: &str) -> Vec<String> {
    let needle = format!(" /v2/{prefix}/");
    seen_at(&proxy())
        .into_iter()
        .skip(mark)
        .filter(|line| line.contains(&needle))
        .map(|line| line.replacen(&needle, " ", 1))
        .collect()
}

/// Rules of one repository on the engine's proxy, removed when dropped (after a failed
/// assertion too); only this repository's, as other tests use the proxy at the same time.
pub struct Rules(String);

impl Rules {
    /// Adds `rules` (a JSON list; see `scripts/fault_proxy.py`), each of which must be scoped
    /// to `/REPOSITORY/`.
    pub fn add(repository: &str, rules: serde_json::Value) -> Rules {
        let scope = format!("/{repository}/");
        for rule in rules.as_array().unwrap() {
            assert!(rule["path"].as_str().unwrap().contains(&scope), "{rule} is not scoped");
        }
        control_at(&proxy(), "POST", "/__faults", &rules.to_string());
        Rules(scope)
    }
}

impl Drop for Rules {
    fn drop(&mut self) {
        let scope = serde_json::json!({ "path": self.0 }).to_string();
        control_at(&proxy(), "DELETE", "/__faults", &scope);
    }
}

/// An exclusive lock on `name` held until dropped, across threads and test processes
/// (`flock` on `$TMPDIR/dimg-core-tests-NAME.lock`; nextest runs each test in a process of
/// its own, `cargo test` in threads of one): tests whose faults, request counts or images
/// would meet take turns.
pub struct Turn(std::fs::File);

pub fn turn(name: &str) -> Turn {
    let path = std::env::temp_dir().join(format!("dimg-core-tests-{}.lock", name.replace('/', "-")));
    let file = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .unwrap();
    // SAFETY: flock on a descriptor this function owns; the lock goes with the file.
    let locked = unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX) };
    assert_eq!(locked, 0, "flock {}", path.display());
    Turn(file)
}

/// The seeded entry of `name` (`t/p31`, `many-core/m1`) in `DIMG_TEST_SEED`: `manifest_digest`,
/// `image_id`, `layers` (`digest`, `size`), ...
pub fn seeded(name: &str) -> serde_json::Value {
    let path = std::env::var("DIMG_TEST_SEED").expect("DIMG_TEST_SEED");
    let seed: serde_json::Value = serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap();
    seed.as_array()
        .unwrap()
        .iter()
        .find(|entry| entry["name"] == name)
        .unwrap_or_else(|| panic!("{name} is not in the seed"))
        .clone()
}

/// A client of the private Podman service (`DIMG_TEST_PODMAN_HOST`).
pub fn podman() -> dimg::Client {
    let host = std::env::var("DIMG_TEST_PODMAN_HOST")
        .expect("DIMG_TEST_PODMAN_HOST is not set: run scripts/test.sh (scripts/engine.sh up --podman)");
    dimg::Client::builder()
        .host(&host)
        .timeout(std::time::Duration::from_secs(120))
        .build()
        .unwrap()
}
