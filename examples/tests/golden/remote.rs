//! The global flags and the daemon they select (issue 14): `-H`, `-c`, `--config`, `--tls`,
//! `--tlsverify`, `--tlscacert`, `--tlscert`, `--tlskey`, and `DOCKER_HOST`, `DOCKER_CONTEXT`,
//! `DOCKER_CONFIG`, `DOCKER_TLS_VERIFY`, `DOCKER_TLS`, `DOCKER_CERT_PATH`, `currentContext`,
//! over a Unix socket, TLS (`DIMG_TEST_TLS_HOST`) and ssh (`DIMG_TEST_SSH_HOST`), with contexts
//! made by the real `docker context create` / `docker context use`. Every case runs in a
//! temporary configuration directory of its own, never `~/.docker`, and nothing here reaches
//! `/var/run/docker.sock` (a `DOCKER_HOST` or a context is always set).
//!
//! Compared as the rest of the suite (stdout, stderr, exit status), except where the wording
//! is not docker's by design, each marked where it is used:
//! - a JSON error (a corrupt `config.json` or `meta.json`): Go's text in docker, serde_json's
//!   in dimg; compared up to it;
//! - a failed ssh command: docker says `error during connect: Head "http://docker.example.com/_ping": `,
//!   dimg `error during connect: ` (there is no such request); compared from `command [` on,
//!   with ssh's standard error as trimmed, non-empty lines (dimg keeps its first lines so);
//! - a TLS failure while connecting: the same `error during connect: `, then Go's reason in
//!   docker and dimg's own;
//! - the TLS failures docker words differently altogether (a missing client certificate,
//!   plain HTTP to the TLS port, a CA file that is no certificate): stdout and exit status only.

use std::path::{Path, PathBuf};

use super::support::{Norm, Out, Report, as_dimg, dimg_with, docker_with, env, strings};

/// How the standard errors of the two runs are compared.
#[derive(Clone, Copy, Debug)]
enum Stderr {
    /// Byte for byte (docker's name in its usage errors read as dimg's).
    Exact,
    /// An ssh failure: the same `error during connect: `, then from `command [` on the same
    /// but for blank space around ssh's lines (docker adds a request line dimg has not, and
    /// prints ssh's standard error as it came, `\r\n` and all).
    Ssh,
    /// A TLS failure while connecting: the same `error during connect: `; the reason after it
    /// is Go's in docker, dimg's own in dimg.
    ConnectReason,
    /// The same up to and including this text, on the line that has it (a JSON error
    /// follows: Go's wording in docker, serde_json's in dimg); other lines the same.
    UpTo(&'static str),
    /// Not compared: a documented difference (see the module doc).
    Ignored,
}

fn normalise(stderr: &str, rule: Stderr) -> Option<String> {
    const CONNECT: &str = "error during connect: ";
    match rule {
        Stderr::Exact => Some(stderr.to_string()),
        Stderr::Ssh => Some(match (stderr.strip_prefix(CONNECT), stderr.find("command [")) {
            // dimg keeps ssh's standard error as trimmed, non-empty lines (docker: as is).
            (Some(_), Some(at)) => format!(
                "{CONNECT}{}",
                stderr[at..]
                    .lines()
                    .map(str::trim)
                    .filter(|l| !l.is_empty())
                    .collect::<Vec<_>>()
                    .join("\n")
            ),
            _ => stderr.to_string(),
        }),
        Stderr::ConnectReason => Some(
            stderr
                .lines()
                .map(|l| if l.starts_with(CONNECT) { CONNECT } else { l })
                .collect::<Vec<_>>()
                .join("\n"),
        ),
        Stderr::UpTo(marker) => Some(
            stderr
                .lines()
                .map(|l| match l.find(marker) {
                    Some(at) => format!("{}…", &l[..at + marker.len()]),
                    None => l.to_string(),
                })
                .collect::<Vec<_>>()
                .join("\n"),
        ),
        Stderr::Ignored => None,
    }
}

/// Environment changes of a case: `Some` sets a variable, `None` removes it.
type Vars = Vec<(&'static str, Option<String>)>;

fn set(name: &'static str, value: impl AsRef<str>) -> (&'static str, Option<String>) {
    (name, Some(value.as_ref().to_string()))
}

fn unset(name: &'static str) -> (&'static str, Option<String>) {
    (name, None)
}

fn path_text(path: &Path) -> String {
    path.to_str().expect("a UTF-8 temporary path").to_string()
}

/// A temporary directory, removed when dropped.
struct Scratch(PathBuf);

impl Scratch {
    fn new(name: &str) -> Scratch {
        let dir = std::env::temp_dir().join(format!("dimg-golden-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("create a scratch directory");
        Scratch(dir)
    }

    fn text(&self) -> String {
        path_text(&self.0)
    }

    fn write(&self, file: &str, content: &str) {
        std::fs::write(self.0.join(file), content).expect("write a scratch file");
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// The name of a case: its variables, then its arguments.
fn case_name(args: &[String], vars: &Vars) -> String {
    let mut parts: Vec<String> = vars
        .iter()
        .filter(|(name, _)| *name != "PATH")
        .map(|(name, value)| match value {
            Some(v) => format!("{name}={v}"),
            None => format!("-{name}"),
        })
        .collect();
    parts.extend(args.iter().map(|a| {
        if a.is_empty() || a.contains(' ') {
            format!("'{a}'")
        } else {
            a.clone()
        }
    }));
    parts.join(" ")
}

fn run_both(args: &[String], vars: &Vars) -> (Out, Out) {
    let vars: Vec<(&str, Option<&str>)> = vars.iter().map(|(n, v)| (*n, v.as_deref())).collect();
    (docker_with(args, &vars), dimg_with(args, &vars))
}

/// Compares two runs with `rule` for their standard errors.
fn compare(r: &Report, name: &str, d: Out, m: Out, norm: Norm, rule: Stderr) -> bool {
    match (normalise(&as_dimg(&d.stderr), rule), normalise(&m.stderr, rule)) {
        (Some(ds), Some(ms)) => r.compare(name, &Out { stderr: ds, ..d }, &Out { stderr: ms, ..m }, norm, true),
        _ => r.compare(name, &d, &m, norm, false),
    }
}

/// Runs docker and dimg with `args` and `vars` and compares; `retries` reruns a listing
/// whose `CREATED` column may cross a unit between the two runs.
fn check(r: &Report, args: &[&str], vars: &Vars, rule: Stderr, retries: u32) {
    let args = strings(args);
    let name = case_name(&args, vars);
    for attempt in 0..=retries {
        let (d, m) = run_both(&args, vars);
        let differs = normalise(&as_dimg(&d.stderr), rule) != normalise(&m.stderr, rule)
            || d.stdout != m.stdout
            || d.code != m.code;
        if !differs || attempt == retries {
            compare(r, &name, d, m, Norm::Exact, rule);
            return;
        }
    }
}

/// docker's `Global Options:` block, without the two flags dimg does not have (`-D`, `-l`;
/// their names are no longer than the others', so the alignment is the same).
fn global_options(help: &str) -> String {
    let mut out = String::new();
    let mut skipping = false;
    for line in help
        .lines()
        .skip_while(|l| *l != "Global Options:")
        .take_while(|l| !l.is_empty())
    {
        if line.starts_with("  -") || line.starts_with("      --") {
            skipping = line.starts_with("  -D, ") || line.starts_with("  -l, ");
        }
        if !skipping {
            out.push_str(line);
            out.push('\n');
        }
    }
    out
}

/// The environment of the remote test daemons (`scripts/engine.sh env`).
struct Remote {
    registry: String,
    /// The main dockerd's socket (what `DOCKER_HOST` holds in the rest of the suite).
    socket: String,
    /// `PATH` with the test ssh wrapper first.
    path: Option<String>,
    tls_host: Option<String>,
    certs: Option<String>,
    wrong_ca: Option<String>,
    ssh_host: Option<String>,
}

fn var(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.is_empty())
}

impl Remote {
    fn new() -> Remote {
        let path = var("DIMG_TEST_SSH_BIN").map(|bin| format!("{bin}:{}", var("PATH").unwrap_or_default()));
        Remote {
            registry: env().registry.clone(),
            socket: env().host.clone(),
            path,
            tls_host: var("DIMG_TEST_TLS_HOST"),
            certs: var("DIMG_TEST_TLS_CERTS"),
            wrong_ca: var("DIMG_TEST_TLS_WRONG_CA"),
            ssh_host: var("DIMG_TEST_SSH_HOST").filter(|_| var("DIMG_TEST_SSH_BIN").is_some()),
        }
    }

    /// `vars` with the ssh wrapper on `PATH`.
    fn vars(&self, mut vars: Vars) -> Vars {
        if let Some(path) = &self.path {
            vars.push(set("PATH", path));
        }
        vars
    }

    fn tls(&self) -> Option<(&str, &str)> {
        Some((self.tls_host.as_deref()?, self.certs.as_deref()?))
    }
}

fn skip(what: &str, needs: &str) {
    eprintln!("SKIP {what}: {needs} is not set (scripts/engine.sh env)");
}

// ---------------------------------------------------------------------------------------------

/// Usage errors of the global flags, and the help.
fn flag_cases(r: &Report, remote: &Remote) {
    let config = Scratch::new("flags");
    let vars = || remote.vars(vec![set("DOCKER_CONFIG", config.text())]);
    for args in [
        &["--tlscacert"][..],
        &["--tlscert"],
        &["--tlskey"],
        &["--config"],
        &["-c"],
        &["--context"],
        &["-H"],
        &["--host"],
        &["--tls=x"],
        &["--tlsverify=maybe", "images"],
        &["--nope"],
        &["-x"],
        &["---x"],
        &["-vx"],
    ] {
        check(r, args, &vars(), Stderr::Exact, 0);
    }
    // The help: the `Global Options:` block, defaults as docker derives them.
    let other = Scratch::new("flags-other");
    let other_dir = other.text();
    let home = Scratch::new("flags-home");
    let certs = Scratch::new("flags-certs");
    let mut with_cert = vars();
    with_cert.push(set("DOCKER_CERT_PATH", certs.text()));
    certs.write("cert.pem", "");
    let help_cases: Vec<(Vec<&str>, Vars)> = vec![
        (vec!["--help"], vars()),
        (vec!["help"], vars()),
        (vec!["--config", other_dir.as_str(), "--help"], vars()),
        (
            vec!["--help"],
            remote.vars(vec![unset("DOCKER_CONFIG"), set("HOME", home.text())]),
        ),
        (vec!["--help"], {
            let mut v = vars();
            v.push(set("DOCKER_CERT_PATH", "/nosuch/certs"));
            v.push(set("DOCKER_TLS_VERIFY", "1"));
            v.push(set("DOCKER_TLS", "1"));
            v
        }),
        (vec!["--tlsverify", "--help"], vars()),
        (vec!["--tlsverify", "--help"], with_cert.clone()),
        (vec!["--tlscacert=", "--tlskey", "/k.pem", "--help"], vars()),
        (vec!["--tls=false", "--help"], {
            let mut v = vars();
            v.push(set("DOCKER_TLS", "1"));
            v
        }),
    ];
    for (args, vars) in help_cases {
        let args = strings(&args);
        let (d, m) = run_both(&args, &vars);
        let block = |out: Out| Out {
            stdout: global_options(&out.stdout),
            ..out
        };
        compare(
            r,
            &format!("{} (Global Options)", case_name(&args, &vars)),
            block(d),
            block(m),
            Norm::Exact,
            Stderr::Exact,
        );
    }
    // No command: the help on standard error.
    let (d, m) = run_both(&strings(&["-H", &remote.socket]), &vars());
    let block = |out: Out| Out {
        stderr: global_options(&out.stderr),
        ..out
    };
    compare(
        r,
        "-H SOCKET (no command: help on stderr)",
        block(d),
        block(m),
        Norm::Exact,
        Stderr::Exact,
    );
}

/// Which endpoint, and the errors of choosing it; nothing here is connected to but the
/// private engine.
fn selection_cases(r: &Report, remote: &Remote) {
    let config = Scratch::new("select");
    let base = || remote.vars(vec![set("DOCKER_CONFIG", config.text())]);
    let with = |extra: Vec<(&'static str, Option<String>)>| {
        let mut v = base();
        v.extend(extra);
        v
    };
    let socket = remote.socket.as_str();
    let nowhere = format!("unix://{}/nosuch.sock", config.text());
    // -H and -c together, twice -H, an empty DOCKER_HOST.
    for args in [
        &["-H", socket, "-c", "x", "images"][..],
        &["-c", "x", "-H", socket, "images"],
        &["-c", "default", "-H", socket, "images"],
        &["-H", "a", "-H", "b", "-c", "y", "images"],
        &["-H", socket, "-H", socket, "images"],
        &["-c", "", "-H", nowhere.as_str(), "images"],
    ] {
        check(r, args, &base(), Stderr::Exact, 0);
    }
    check(
        r,
        &["images", "dimg-golden/size"],
        &with(vec![set("DOCKER_HOST", socket)]),
        Stderr::Exact,
        2,
    );
    // A context that does not exist, by each way of naming one.
    let current = Scratch::new("select-current");
    current.write("config.json", r#"{"currentContext": "nosuch"}"#);
    check(r, &["-c", "nosuch", "images"], &base(), Stderr::Exact, 0);
    check(r, &["-cnosuch", "images"], &base(), Stderr::Exact, 0);
    check(
        r,
        &["images"],
        &with(vec![unset("DOCKER_HOST"), set("DOCKER_CONTEXT", "nosuch")]),
        Stderr::Exact,
        0,
    );
    check(
        r,
        &["images"],
        &remote.vars(vec![unset("DOCKER_HOST"), set("DOCKER_CONFIG", current.text())]),
        Stderr::Exact,
        0,
    );
    check(
        r,
        &["--config", &current.text(), "-c", "nosuch", "images"],
        &base(),
        Stderr::Exact,
        0,
    );
    // DOCKER_HOST wins over currentContext; `-c default` is the built-in context, fed by it.
    check(
        r,
        &["images", "dimg-golden/size"],
        &remote.vars(vec![set("DOCKER_HOST", socket), set("DOCKER_CONFIG", current.text())]),
        Stderr::Exact,
        2,
    );
    check(
        r,
        &["-c", "default", "images", "dimg-golden/size"],
        &remote.vars(vec![set("DOCKER_HOST", socket), set("DOCKER_CONFIG", current.text())]),
        Stderr::Exact,
        2,
    );
    // ssh addresses refused before anything runs.
    for host in ["ssh://u:pw@h", "ssh://", "ssh://h?x=1"] {
        check(r, &["-H", host, "images"], &base(), Stderr::Exact, 0);
    }
    // TLS on with files that are not there: docker reads them first, whatever the host.
    let empty = Scratch::new("select-nocerts");
    let no_certs = || remote.vars(vec![set("DOCKER_CONFIG", empty.text()), unset("DOCKER_HOST")]);
    for args in [
        &["--tlsverify", "images"][..],
        &["--tls", "images"],
        &["--tlsverify=false", "images"],
        &["--tlsverify", "-H", nowhere.as_str(), "images"],
        &["--tls", "-H", "ssh://nobody@127.0.0.1:1", "images"],
        &["--tlscacert", "/nosuch/ca.pem", "--tlsverify", "-H", socket, "images"],
    ] {
        check(r, args, &no_certs(), Stderr::Exact, 0);
    }
    let mut env_tls = no_certs();
    env_tls.push(set("DOCKER_TLS_VERIFY", "0"));
    env_tls.push(set("DOCKER_CERT_PATH", "/nosuch/certs"));
    check(r, &["images"], &env_tls, Stderr::Exact, 0);
    // `--tls=false` turns TLS off again: the missing files do not matter.
    let mut off = no_certs();
    off.push(set("DOCKER_TLS", "1"));
    check(
        r,
        &["--tls=false", "-H", nowhere.as_str(), "images"],
        &off,
        Stderr::Exact,
        0,
    );
    if let Some((_, certs)) = remote.tls() {
        let ca = format!("{certs}/ca.pem");
        let key = format!("{certs}/key.pem");
        check(
            r,
            &[
                "--tlsverify",
                "--tlscacert",
                &ca,
                "--tlscert",
                "/nosuch/cert.pem",
                "--tlskey",
                &key,
                "-H",
                nowhere.as_str(),
                "images",
            ],
            &no_certs(),
            Stderr::Exact,
            0,
        );
        check(
            r,
            &[
                "--tlsverify",
                "--tlscacert",
                &ca,
                "--tlskey",
                "/nosuch/key.pem",
                "-H",
                nowhere.as_str(),
                "images",
            ],
            &no_certs(),
            Stderr::Exact,
            0,
        );
    }
}

/// A `config.json` docker cannot read: a warning, then as if there were none.
fn config_file_cases(r: &Report, remote: &Remote) {
    let socket = remote.socket.as_str();
    for (content, rule) in [
        ("{bad", Stderr::UpTo("config.json): ")),
        (r#"{"currentContext": 5}"#, Stderr::Exact),
        ("[1]", Stderr::Exact),
        ("", Stderr::Exact),
        ("{}trailing", Stderr::Exact),
        (r#"{"currentContext": null}"#, Stderr::Exact),
    ] {
        let config = Scratch::new("config-file");
        config.write("config.json", content);
        let vars = remote.vars(vec![set("DOCKER_CONFIG", config.text()), set("DOCKER_HOST", socket)]);
        let args = ["images", "-q", "dimg-golden/size"];
        let name = format!("config.json {content:?}: {}", case_name(&strings(&args), &vars));
        let (d, m) = run_both(&strings(&args), &vars);
        compare(r, &name, d, m, Norm::Exact, rule);
    }
    let corrupt = Scratch::new("config-corrupt");
    corrupt.write("config.json", "{bad");
    let clean = Scratch::new("config-clean");
    let in_corrupt = || remote.vars(vec![set("DOCKER_CONFIG", corrupt.text()), set("DOCKER_HOST", socket)]);
    let marker = Stderr::UpTo("config.json): ");
    // docker warns before a usage error, not before a conflict of -H and -c.
    check(r, &["--nope"], &in_corrupt(), marker, 0);
    check(r, &["-H", socket, "-c", "x", "images"], &in_corrupt(), Stderr::Exact, 0);
    check(r, &["-c", "nosuch", "images"], &in_corrupt(), marker, 0);
    // --config names the file that counts.
    check(
        r,
        &["--config", &corrupt.text(), "images", "-q", "dimg-golden/size"],
        &remote.vars(vec![set("DOCKER_CONFIG", clean.text()), set("DOCKER_HOST", socket)]),
        marker,
        0,
    );
    check(
        r,
        &["--config", &clean.text(), "images", "-q", "dimg-golden/size"],
        &in_corrupt(),
        Stderr::Exact,
        0,
    );
    // A directory where the file should be.
    let dir = Scratch::new("config-dir");
    std::fs::create_dir_all(dir.0.join("config.json")).unwrap();
    check(
        r,
        &["images", "-q", "dimg-golden/size"],
        &remote.vars(vec![set("DOCKER_CONFIG", dir.text()), set("DOCKER_HOST", socket)]),
        Stderr::Exact,
        0,
    );
}

/// Pull, list and remove `reference` through `route` (arguments before the command, and
/// variables), after making sure it is absent; compares each step.
fn pull_list_remove(r: &Report, route: &[&str], vars: &Vars, reference: &str) {
    let with = |command: &[&str]| {
        let mut args = strings(route);
        args.extend(strings(command));
        args
    };
    let quiet = |command: &[&str]| {
        let vars: Vec<(&str, Option<&str>)> = vars.iter().map(|(n, v)| (*n, v.as_deref())).collect();
        docker_with(&with(command), &vars)
    };
    let absent = || {
        if quiet(&["image", "inspect", "--format", "{{.Id}}", reference]).code == 0 {
            let out = quiet(&["rmi", "-f", reference]);
            assert_eq!(out.code, 0, "cannot remove {reference}: {}", out.stderr);
        }
    };
    let present = || {
        let out = quiet(&["pull", "-q", reference]);
        assert_eq!(out.code, 0, "cannot pull {reference}: {}", out.stderr);
    };
    let name = |command: &[&str]| case_name(&with(command), vars);
    // Pull, fresh.
    absent();
    let d = docker_with(&with(&["pull", reference]), &borrow(vars));
    absent();
    let m = dimg_with(&with(&["pull", reference]), &borrow(vars));
    compare(
        r,
        &format!("{} (fresh)", name(&["pull", reference])),
        d,
        m,
        Norm::Pull,
        Stderr::Exact,
    );
    // Present: up to date, listed.
    present();
    let repository = reference.rsplit_once(':').map_or(reference, |(repo, _)| repo);
    for command in [
        &["pull", reference][..],
        &["images", repository],
        &["images", "--digests", "--no-trunc", repository],
    ] {
        let (d, m) = run_both(&with(command), vars);
        compare(r, &name(command), d, m, Norm::Exact, Stderr::Exact);
    }
    // Remove.
    present();
    let d = docker_with(&with(&["rmi", reference]), &borrow(vars));
    present();
    let m = dimg_with(&with(&["rmi", reference]), &borrow(vars));
    compare(r, &name(&["rmi", reference]), d, m, Norm::Exact, Stderr::Exact);
    absent();
}

fn borrow(vars: &Vars) -> Vec<(&str, Option<&str>)> {
    vars.iter().map(|(n, v)| (*n, v.as_deref())).collect()
}

/// Over TLS: from the environment, from the flags; and its failures.
fn tls_cases(r: &Report, remote: &Remote) {
    let Some((host, certs)) = remote.tls() else {
        skip("TLS cases", "DIMG_TEST_TLS_HOST or DIMG_TEST_TLS_CERTS");
        return;
    };
    let config = Scratch::new("tls");
    let reference = format!("{}/t/p25:1.0", remote.registry);
    let by_env = remote.vars(vec![
        set("DOCKER_CONFIG", config.text()),
        set("DOCKER_HOST", host),
        set("DOCKER_TLS_VERIFY", "1"),
        set("DOCKER_CERT_PATH", certs),
    ]);
    pull_list_remove(r, &[], &by_env, &reference);
    let (ca, cert, key) = (
        format!("{certs}/ca.pem"),
        format!("{certs}/cert.pem"),
        format!("{certs}/key.pem"),
    );
    let plain = remote.vars(vec![set("DOCKER_CONFIG", config.text()), unset("DOCKER_HOST")]);
    let flags = [
        "-H",
        host,
        "--tlsverify",
        "--tlscacert",
        ca.as_str(),
        "--tlscert",
        cert.as_str(),
        "--tlskey",
        key.as_str(),
    ];
    pull_list_remove(r, &flags, &plain, &reference);
    // --tlsverify=false still turns TLS on; DOCKER_TLS=1 is TLS without verification; any
    // DOCKER_TLS_VERIFY (even 0) verifies.
    let nothing = format!("{}/t/nothing-here", remote.registry);
    check(
        r,
        &[
            "-H",
            host,
            "--tlsverify=false",
            "--tlscert",
            &cert,
            "--tlskey",
            &key,
            "--tlscacert",
            &ca,
            "images",
            &nothing,
        ],
        &plain,
        Stderr::Exact,
        0,
    );
    let mut no_verify = plain.clone();
    no_verify.push(set("DOCKER_TLS", "1"));
    no_verify.push(set("DOCKER_CERT_PATH", certs));
    check(r, &["-H", host, "images", &nothing], &no_verify, Stderr::Exact, 0);
    let mut verify_zero = plain.clone();
    verify_zero.push(set("DOCKER_TLS_VERIFY", "0"));
    verify_zero.push(set("DOCKER_CERT_PATH", certs));
    check(r, &["-H", host, "images", &nothing], &verify_zero, Stderr::Exact, 0);
    // DOCKER_CERT_PATH without DOCKER_TLS_VERIFY is ignored: plain HTTP to the TLS port
    // (docker prints the daemon's 400 answer, dimg says TLS was expected: a difference).
    let mut cert_path_only = plain.clone();
    cert_path_only.push(set("DOCKER_CERT_PATH", certs));
    check(
        r,
        &["-H", host, "images", &nothing],
        &cert_path_only,
        Stderr::Ignored,
        0,
    );
    // Failures while connecting.
    if let Some(wrong) = &remote.wrong_ca {
        let wrong_ca = format!("{wrong}/ca.pem");
        check(
            r,
            &[
                "-H",
                host,
                "--tlsverify",
                "--tlscacert",
                &wrong_ca,
                "--tlscert",
                &cert,
                "--tlskey",
                &key,
                "images",
            ],
            &plain,
            Stderr::ConnectReason,
            0,
        );
        // Without verification the CA does not matter.
        check(
            r,
            &[
                "-H",
                host,
                "--tls",
                "--tlscacert",
                &wrong_ca,
                "--tlscert",
                &cert,
                "--tlskey",
                &key,
                "images",
                &nothing,
            ],
            &plain,
            Stderr::Exact,
            0,
        );
    } else {
        skip("TLS with the wrong CA", "DIMG_TEST_TLS_WRONG_CA");
    }
    let port = host.rsplit_once(':').map_or("", |(_, p)| p);
    let by_name = format!("tcp://localhost:{port}");
    let tls_flags = |h: &str| -> Vec<String> {
        strings(&[
            "-H",
            h,
            "--tlsverify",
            "--tlscacert",
            &ca,
            "--tlscert",
            &cert,
            "--tlskey",
            &key,
            "images",
        ])
    };
    let plain_port = var("DIMG_TEST_TCP_HOST");
    for h in std::iter::once(by_name.as_str()).chain(plain_port.as_deref()) {
        let args = tls_flags(h);
        let (d, m) = run_both(&args, &plain);
        compare(r, &case_name(&args, &plain), d, m, Norm::Exact, Stderr::ConnectReason);
    }
    // No client certificate: docker words it without `error during connect: `.
    check(
        r,
        &["-H", host, "--tlsverify", "--tlscacert", &ca, "images"],
        &plain,
        Stderr::Ignored,
        0,
    );
    // Nothing listening on the default TLS address (tcp://localhost:2376), when so.
    let listening = ["127.0.0.1:2376", "[::1]:2376"]
        .iter()
        .any(|a| std::net::TcpStream::connect_timeout(&a.parse().unwrap(), std::time::Duration::from_secs(1)).is_ok());
    if listening {
        eprintln!("SKIP TLS to tcp://localhost:2376: something listens there");
    } else {
        let mut default_host = plain.clone();
        default_host.push(set("DOCKER_TLS_VERIFY", "1"));
        default_host.push(set("DOCKER_CERT_PATH", certs));
        check(r, &["images"], &default_host, Stderr::Exact, 0);
    }
}

/// The ssh wrapper's failing peers: the alias of `scripts/engine.sh`'s ssh config when the
/// environment names one, else the test host with the failing configuration.
fn ssh_failure_routes(remote: &Remote) -> Vec<(String, Vars)> {
    let mut routes = Vec::new();
    for (alias, config) in [
        ("DIMG_TEST_SSH_HOST_UNKNOWN_KEY", "DIMG_TEST_SSH_CONFIG_UNKNOWN_HOST"),
        ("DIMG_TEST_SSH_HOST_BAD_KEY", "DIMG_TEST_SSH_CONFIG_BAD_KEY"),
        ("DIMG_TEST_SSH_HOST_NO_DOCKER", "DIMG_TEST_SSH_CONFIG_NO_DOCKER"),
    ] {
        match (var(alias), var(config), &remote.ssh_host) {
            (Some(host), _, _) => routes.push((host, Vec::new())),
            (None, Some(config), Some(host)) => routes.push((host.clone(), vec![set("DIMG_TEST_SSH_CONFIG", config)])),
            _ => skip(&format!("ssh failure {alias}"), alias),
        }
    }
    if let Some(host) = var("DIMG_TEST_SSH_UNREACHABLE") {
        routes.push((host, Vec::new()));
    }
    routes
}

/// Over ssh: by -H, by DOCKER_HOST; and its failures.
fn ssh_cases(r: &Report, remote: &Remote) {
    let Some(host) = remote.ssh_host.as_deref() else {
        skip("ssh cases", "DIMG_TEST_SSH_HOST or DIMG_TEST_SSH_BIN");
        return;
    };
    let config = Scratch::new("ssh");
    let reference = format!("{}/t/p26:1.0", remote.registry);
    let base = || remote.vars(vec![set("DOCKER_CONFIG", config.text()), unset("DOCKER_HOST")]);
    pull_list_remove(r, &["-H", host], &base(), &reference);
    let mut by_env = base();
    by_env.push(set("DOCKER_HOST", host));
    pull_list_remove(r, &[], &by_env, &reference);
    check(r, &["images", "dimg-golden/size"], &by_env, Stderr::Exact, 2);
    check(
        r,
        &["-H", host, "images", "-q", "dimg-golden/size"],
        &base(),
        Stderr::Exact,
        0,
    );
    for (peer, extra) in ssh_failure_routes(remote) {
        let mut vars = base();
        vars.extend(extra);
        check(r, &["-H", &peer, "images"], &vars, Stderr::Ssh, 0);
    }
}

/// Contexts made by the real docker CLI: -c, DOCKER_CONTEXT, currentContext, --config.
fn context_cases(r: &Report, remote: &Remote) {
    let store = Scratch::new("contexts");
    let socket = remote.socket.as_str();
    let docker_in = |dir: &Scratch, args: &[&str]| {
        let vars = remote.vars(vec![set("DOCKER_CONFIG", dir.text())]);
        let out = docker_with(&strings(args), &borrow(&vars));
        assert_eq!(out.code, 0, "docker {args:?}: {}", out.stderr);
    };
    docker_in(
        &store,
        &["context", "create", "sandbox", "--docker", &format!("host={socket}")],
    );
    let tls = remote.tls();
    if let Some((host, certs)) = tls {
        let files = format!("ca={certs}/ca.pem,cert={certs}/cert.pem,key={certs}/key.pem");
        docker_in(
            &store,
            &[
                "context",
                "create",
                "tlsctx",
                "--docker",
                &format!("host={host},{files}"),
            ],
        );
        let skip_verify = format!("host={host},skip-tls-verify=true,cert={certs}/cert.pem,key={certs}/key.pem");
        docker_in(&store, &["context", "create", "skipctx", "--docker", &skip_verify]);
        if let Some(wrong) = &remote.wrong_ca {
            let wrong = format!("host={host},ca={wrong}/ca.pem,cert={certs}/cert.pem,key={certs}/key.pem");
            docker_in(&store, &["context", "create", "wrongca", "--docker", &wrong]);
        }
    }
    if let Some(host) = &remote.ssh_host {
        docker_in(
            &store,
            &["context", "create", "sshctx", "--docker", &format!("host={host}")],
        );
    }
    docker_in(
        &store,
        &["context", "create", "broken", "--docker", "host=unix:///nosuch.sock"],
    );
    let broken = store
        .0
        .join("contexts/meta")
        .join(context_id("broken"))
        .join("meta.json");
    assert!(broken.is_file(), "docker context create wrote no {}", broken.display());
    std::fs::write(&broken, "{bad").unwrap();

    let nowhere = format!("unix://{}/nosuch.sock", store.text());
    let in_store = |extra: Vec<(&'static str, Option<String>)>| {
        let mut v = remote.vars(vec![set("DOCKER_CONFIG", store.text()), unset("DOCKER_HOST")]);
        v.extend(extra);
        v
    };
    // -c: over each transport.
    check(
        r,
        &["-c", "sandbox", "images", "dimg-golden/size"],
        &in_store(vec![]),
        Stderr::Exact,
        2,
    );
    check(
        r,
        &["--context=sandbox", "images", "-q", "dimg-golden/size"],
        &in_store(vec![]),
        Stderr::Exact,
        0,
    );
    if let Some(host) = &remote.ssh_host {
        let _ = host;
        check(
            r,
            &["-c", "sshctx", "images", "dimg-golden/size"],
            &in_store(vec![]),
            Stderr::Exact,
            2,
        );
    }
    if tls.is_some() {
        let nothing = format!("{}/t/nothing-here", remote.registry);
        check(
            r,
            &["-c", "tlsctx", "images", &nothing],
            &in_store(vec![]),
            Stderr::Exact,
            0,
        );
        check(
            r,
            &["-c", "skipctx", "images", &nothing],
            &in_store(vec![]),
            Stderr::Exact,
            0,
        );
        if remote.wrong_ca.is_some() {
            check(
                r,
                &["-c", "wrongca", "images"],
                &in_store(vec![]),
                Stderr::ConnectReason,
                0,
            );
        }
        let reference = format!("{}/t/p27:1.0", remote.registry);
        pull_list_remove(r, &["-c", "tlsctx"], &in_store(vec![]), &reference);
        // -c wins over DOCKER_HOST.
        check(
            r,
            &["-c", "tlsctx", "images", &nothing],
            &in_store(vec![set("DOCKER_HOST", nowhere.as_str())]),
            Stderr::Exact,
            0,
        );
        check(
            r,
            &["images", &nothing],
            &in_store(vec![set("DOCKER_CONTEXT", "tlsctx")]),
            Stderr::Exact,
            0,
        );
    }
    // DOCKER_CONTEXT; DOCKER_HOST wins over it; an empty DOCKER_HOST is unset; -c default.
    let env_context = |host: Option<&str>| {
        in_store(vec![
            set("DOCKER_CONTEXT", "sandbox"),
            ("DOCKER_HOST", host.map(str::to_string)),
        ])
    };
    check(r, &["images", "dimg-golden/size"], &env_context(None), Stderr::Exact, 2);
    check(
        r,
        &["images", "dimg-golden/size"],
        &env_context(Some("")),
        Stderr::Exact,
        2,
    );
    check(
        r,
        &["images", "dimg-golden/size"],
        &env_context(Some(&nowhere)),
        Stderr::Exact,
        0,
    );
    check(
        r,
        &["-c", "sandbox", "images", "-q", "dimg-golden/size"],
        &env_context(Some(&nowhere)),
        Stderr::Exact,
        0,
    );
    check(
        r,
        &["-c", "default", "images", "dimg-golden/size"],
        &env_context(Some(&nowhere)),
        Stderr::Exact,
        0,
    );
    check(
        r,
        &["-c", "default", "images", "-q", "dimg-golden/size"],
        &env_context(Some(socket)),
        Stderr::Exact,
        0,
    );
    // A corrupt meta.json.
    check(
        r,
        &["-c", "broken", "images"],
        &in_store(vec![]),
        Stderr::UpTo("meta.json: "),
        0,
    );
    // `docker context use` (currentContext), in a store of its own.
    let used = Scratch::new("contexts-used");
    docker_in(
        &used,
        &["context", "create", "sandbox", "--docker", &format!("host={socket}")],
    );
    docker_in(&used, &["context", "use", "sandbox"]);
    let in_used = |extra: Vec<(&'static str, Option<String>)>| {
        let mut v = remote.vars(vec![set("DOCKER_CONFIG", used.text()), unset("DOCKER_HOST")]);
        v.extend(extra);
        v
    };
    check(r, &["images", "dimg-golden/size"], &in_used(vec![]), Stderr::Exact, 2);
    check(
        r,
        &["images", "-q", "dimg-golden/size"],
        &in_used(vec![set("DOCKER_HOST", nowhere.as_str())]),
        Stderr::Exact,
        0,
    );
    check(
        r,
        &["images"],
        &in_used(vec![set("DOCKER_CONTEXT", "nosuch")]),
        Stderr::Exact,
        0,
    );
    check(r, &["-c", "nosuch", "images"], &in_used(vec![]), Stderr::Exact, 0);
    // --config DIR instead of DOCKER_CONFIG: its store and its currentContext.
    let elsewhere = Scratch::new("contexts-elsewhere");
    let in_elsewhere = remote.vars(vec![set("DOCKER_CONFIG", elsewhere.text()), unset("DOCKER_HOST")]);
    check(
        r,
        &[
            "--config",
            &store.text(),
            "-c",
            "sandbox",
            "images",
            "-q",
            "dimg-golden/size",
        ],
        &in_elsewhere,
        Stderr::Exact,
        0,
    );
    check(
        r,
        &["--config", &used.text(), "images", "-q", "dimg-golden/size"],
        &in_elsewhere,
        Stderr::Exact,
        0,
    );
    check(r, &["-c", "sandbox", "images"], &in_elsewhere, Stderr::Exact, 0);
}

/// The directory name of a context in docker's store: the hex SHA-256 of its name.
fn context_id(name: &str) -> String {
    super::fixture::sha256(name.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Every case of this module.
pub fn cases(r: &Report) {
    let remote = Remote::new();
    flag_cases(r, &remote);
    selection_cases(r, &remote);
    config_file_cases(r, &remote);
    context_cases(r, &remote);
    tls_cases(r, &remote);
    ssh_cases(r, &remote);
}
