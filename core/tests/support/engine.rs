//! The private engine started by `scripts/engine.sh up`: where it is, and a few setup helpers.
//! Tests never fall back to the machine's default socket.

#![allow(dead_code)]

use std::path::PathBuf;
use std::process::Command;
use std::time::Duration;

fn var(name: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| {
        panic!(
            "{name} is not set: these tests need the private engine. Run `scripts/test.sh` \
             (or `eval \"$(scripts/engine.sh up)\"` and then `cargo test`)"
        )
    })
}

/// `unix:///...docker.sock` of the private dockerd, or of the private Podman service when the
/// suite runs a second time against it (`DIMG_TEST_ENGINE=podman`, see `scripts/test.sh`).
pub fn docker_host() -> String {
    var("DIMG_TEST_DOCKER_HOST")
}

/// Whether this run of the suite is against Podman (`DIMG_TEST_ENGINE=podman`), where the
/// daemon's wording and a few answers differ; dimg's types and error kinds do not.
pub fn is_podman() -> bool {
    match std::env::var("DIMG_TEST_ENGINE").as_deref() {
        Ok("podman") => true,
        Ok("docker") | Err(_) => false,
        Ok(other) => panic!("DIMG_TEST_ENGINE={other}: expected docker or podman"),
    }
}

/// The private dockerd's socket path.
pub fn socket() -> PathBuf {
    PathBuf::from(docker_host().trim_start_matches("unix://"))
}

/// `127.0.0.1:PORT` of the loopback registry.
pub fn registry() -> String {
    var("DIMG_TEST_REGISTRY")
}

/// `127.0.0.1:PORT` of the loopback registry mirror (pull-through cache).
pub fn mirror() -> String {
    var("DIMG_TEST_MIRROR")
}

/// `127.0.0.1:PORT` of the v1 search index fixture.
pub fn index() -> String {
    var("DIMG_TEST_INDEX")
}

/// A client of the private engine, via DOCKER_HOST-style configuration.
pub fn docker() -> dimg::Client {
    dimg::Client::builder()
        .host(&docker_host())
        .timeout(Duration::from_secs(120))
        .build()
        .expect("client for the private engine")
}

/// The same, for synchronous code.
#[allow(dead_code)] // not every test crate calls blocking code
pub fn blocking_docker() -> dimg::blocking::Client {
    dimg::Client::builder()
        .host(&docker_host())
        .timeout(Duration::from_secs(120))
        .build_blocking()
        .expect("blocking client for the private engine")
}

/// Removes an image by name or id from `client`'s engine if it is there, ignoring "not found".
pub async fn cleanup(client: &dimg::Client, name: &str) {
    let force = dimg::RemoveOptions::new().force(true);
    match client.images().remove(name, &force).await {
        Ok(_) | Err(dimg::Error::NotFound(_)) => {}
        Err(e) => panic!("cleanup of {name}: {e}"),
    }
}

/// `REGISTRY/name`.
pub fn image(name: &str) -> String {
    format!("{}/{name}", registry())
}

/// Runs the docker CLI against the private engine, for setup dimg does not offer
/// (import, create, commit, rm). Panics with its output on failure.
pub fn cli(args: &[&str]) -> String {
    // The docker CLI's commit sends no body, which Podman's API refuses ("Decode(): EOF"):
    // podman's own remote client does the same job there. It would qualify a short name with
    // `localhost/`; Docker (and Podman's compatible API) mean `docker.io/`.
    let output = if let (true, ["commit", container, name]) = (is_podman(), args) {
        let id = Command::new("podman")
            .args(["--remote", "--url", &docker_host(), "commit", container])
            .arg(format!("docker.io/{name}"))
            .output()
            .expect("run podman --remote");
        if id.status.success() {
            return format!("sha256:{}", String::from_utf8_lossy(&id.stdout).trim());
        }
        id
    } else {
        Command::new("docker")
            .args(args)
            .env("DOCKER_HOST", docker_host())
            .output()
            .expect("run the docker CLI")
    };
    assert!(
        output.status.success(),
        "docker {args:?} failed: {}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).trim().to_string()
}

/// Imports a one-file image from a tar (dangling when `name` is None); returns its id.
pub fn import(content: &str, name: Option<&str>, changes: &[&str]) -> String {
    let dir = std::env::temp_dir().join(format!("dimg-import-{}-{}", std::process::id(), content.len()));
    std::fs::create_dir_all(dir.join("rootfs")).unwrap();
    std::fs::write(dir.join("rootfs/file.txt"), content).unwrap();
    let tar = dir.join("image.tar");
    let status = Command::new("tar")
        .args([
            "-C",
            dir.join("rootfs").to_str().unwrap(),
            "-cf",
            tar.to_str().unwrap(),
            ".",
        ])
        .status()
        .unwrap();
    assert!(status.success());
    let mut args = vec!["import".to_string()];
    for change in changes {
        args.push("-c".into());
        args.push(change.to_string());
    }
    args.push(tar.to_str().unwrap().to_string());
    if let Some(name) = name {
        args.push(name.to_string());
    }
    let argv: Vec<&str> = args.iter().map(String::as_str).collect();
    // Docker prints the id; against Podman the CLI prints `sha256:ID: sha256:ID`.
    let output = cli(&argv);
    let id = output.rsplit(' ').next().unwrap().to_string();
    std::fs::remove_dir_all(&dir).unwrap();
    id
}

/// `127.0.0.1:PORT` of the htpasswd-protected registry (same images as the plain one).
pub fn auth_registry() -> String {
    var("DIMG_TEST_AUTH_REGISTRY")
}

/// The user and password of the protected registry.
pub fn auth_user() -> (String, String) {
    (var("DIMG_TEST_AUTH_USER"), var("DIMG_TEST_AUTH_PASSWORD"))
}
