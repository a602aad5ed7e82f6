//! Running docker and dimg side by side, and comparing what they print.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::Command;
use std::sync::Mutex;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicUsize, Ordering};

/// The private engine, from `scripts/engine.sh env`.
pub struct Env {
    /// `unix:///…/docker.sock`.
    pub host: String,
    /// `127.0.0.1:PORT` of the registry.
    pub registry: String,
    /// `127.0.0.1:PORT` of the search index fixture.
    pub index: String,
    /// The docker CLI to compare with.
    pub docker: String,
    /// An empty docker config directory, so that no `~/.docker/config.json` setting
    /// (`imagesFormat`, credentials) changes docker's output.
    pub config_dir: PathBuf,
}

static ENV: OnceLock<Env> = OnceLock::new();

/// The environment; exits with a clear message when the private engine is not configured.
pub fn env() -> &'static Env {
    ENV.get_or_init(|| {
        let var = |name: &str| match std::env::var(name) {
            Ok(v) if !v.is_empty() => v,
            _ => {
                eprintln!(
                    "golden: {name} is not set. These tests compare the docker CLI and dimg on the private \
                     engine: run `scripts/test.sh`, or `scripts/engine.sh up && eval \"$(scripts/engine.sh env)\"` \
                     and then `cargo test -p dimg-examples --test golden`."
                );
                std::process::exit(1);
            }
        };
        let config_dir = std::env::temp_dir().join(format!("dimg-golden-config-{}", std::process::id()));
        std::fs::create_dir_all(&config_dir).expect("create the docker config directory");
        std::fs::write(config_dir.join("config.json"), "{}").expect("write an empty docker config");
        Env {
            host: var("DIMG_TEST_DOCKER_HOST"),
            registry: var("DIMG_TEST_REGISTRY"),
            index: var("DIMG_TEST_INDEX"),
            docker: std::env::var("DIMG_TEST_DOCKER_CLI").unwrap_or_else(|_| "docker".to_string()),
            config_dir,
        }
    })
}

/// What a command printed and how it ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Out {
    pub stdout: String,
    pub stderr: String,
    pub code: i32,
}

/// Changes to the environment of one run: `Some` sets a variable, `None` removes it.
pub type Vars<'a> = &'a [(&'a str, Option<&'a str>)];

fn run(program: &str, args: &[String]) -> Out {
    run_with(program, args, &[])
}

/// Runs `program` on the private engine (`DOCKER_HOST`, an empty `DOCKER_CONFIG`, no other
/// `DOCKER_*` setting), with `vars` applied on top.
fn run_with(program: &str, args: &[String], vars: Vars) -> Out {
    let env = env();
    let mut command = Command::new(program);
    command
        .args(args)
        .env("DOCKER_HOST", &env.host)
        .env("DOCKER_CONFIG", &env.config_dir)
        .env("TZ", "UTC");
    for name in [
        "DOCKER_CONTEXT",
        "DOCKER_API_VERSION",
        "DOCKER_DEFAULT_PLATFORM",
        "DOCKER_TLS_VERIFY",
        "DOCKER_TLS",
        "DOCKER_CERT_PATH",
    ] {
        command.env_remove(name);
    }
    for (name, value) in vars {
        match value {
            Some(value) => command.env(name, value),
            None => command.env_remove(name),
        };
    }
    let output = command.output().unwrap_or_else(|e| panic!("cannot run {program}: {e}"));
    Out {
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        code: output.status.code().unwrap_or(-1),
    }
}

/// Runs the docker CLI.
pub fn docker(args: &[String]) -> Out {
    run(&env().docker, args)
}

/// Runs the dimg CLI built for this test.
pub fn dimg(args: &[String]) -> Out {
    run(env!("CARGO_BIN_EXE_dimg"), args)
}

/// Runs the docker CLI with `vars` in its environment.
pub fn docker_with(args: &[String], vars: Vars) -> Out {
    run_with(&env().docker, args, vars)
}

/// Runs the dimg CLI with `vars` in its environment.
pub fn dimg_with(args: &[String], vars: Vars) -> Out {
    run_with(env!("CARGO_BIN_EXE_dimg"), args, vars)
}

/// Runs the docker CLI for setup; panics with its output when it fails.
pub fn docker_ok(args: &[&str]) -> String {
    let out = docker(&strings(args));
    assert!(
        out.code == 0,
        "docker {args:?} failed ({}): {}{}",
        out.code,
        out.stdout,
        out.stderr
    );
    out.stdout
}

/// Runs the docker CLI for cleanup, ignoring failures.
pub fn docker_quiet(args: &[&str]) {
    let _ = docker(&strings(args));
}

pub fn strings(args: &[&str]) -> Vec<String> {
    args.iter().map(|s| s.to_string()).collect()
}

/// How two outputs are compared.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Norm {
    /// Byte for byte.
    Exact,
    /// Byte for byte after sorting the lines (the first kept first when it is a table
    /// header): for listings where docker's order of repositories within one image is random.
    SortedLines,
    /// A pull whose layers download in parallel: the lines without a layer id must match in
    /// order; for each layer, its statuses must match in order once the transient ones are
    /// dropped. The daemon's transfer watchers pass on only the latest progress of a layer, so
    /// `Waiting`, `Downloading`, `Verifying Checksum`, `Download complete`, `Extracting` and
    /// `Retrying` may or may not reach the client; `Pulling fs layer` (written directly) and
    /// the final `Pull complete` / `Already exists` always do.
    Pull,
}

/// docker's own name in its usage errors, as dimg says it.
pub fn as_dimg(stderr: &str) -> String {
    stderr
        .replace("docker: 'docker ", "dimg: 'dimg ")
        .replace("Usage:  docker ", "Usage:  dimg ")
        .replace("Run 'docker ", "Run 'dimg ")
        .replace("See 'docker ", "See 'dimg ")
}

fn normalise(text: &str, norm: Norm) -> String {
    match norm {
        Norm::Exact => text.to_string(),
        Norm::SortedLines => {
            let mut lines: Vec<&str> = text.lines().collect();
            let header = lines
                .first()
                .filter(|l| l.starts_with("REPOSITORY") || l.starts_with("IMAGE ID") || l.starts_with("NAME"))
                .is_some();
            let start = usize::from(header);
            lines[start..].sort_unstable();
            lines.join("\n") + if text.ends_with('\n') { "\n" } else { "" }
        }
        Norm::Pull => {
            let mut plain = Vec::new();
            let mut layers: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
            for line in text.lines() {
                match line.split_once(": ") {
                    Some((id, status)) if id.len() == 12 && id.bytes().all(|b| b.is_ascii_hexdigit()) => {
                        if !matches!(status, "Waiting" | "Verifying Checksum" | "Download complete")
                            && !status.starts_with("Downloading")
                            && !status.starts_with("Extracting")
                            && !status.starts_with("Retrying")
                        {
                            layers.entry(id).or_default().push(status);
                        }
                    }
                    _ => plain.push(line.to_string()),
                }
            }
            let mut out = plain.join("\n");
            for (id, statuses) in layers {
                out.push_str(&format!("\n[layer {id}] {}", statuses.join(" / ")));
            }
            out
        }
    }
}

/// Shows control characters and trailing spaces.
fn visible(text: &str) -> String {
    let mut out = String::new();
    for line in text.split_inclusive('\n') {
        let (body, nl) = match line.strip_suffix('\n') {
            Some(b) => (b, true),
            None => (line, false),
        };
        for c in body.chars() {
            match c {
                '\x1b' => out.push_str("^["),
                '\r' => out.push_str("^M"),
                '\t' => out.push_str("^I"),
                c => out.push(c),
            }
        }
        if body.ends_with(' ') {
            out.push('⏎');
        }
        if nl {
            out.push_str("$\n");
        } else {
            out.push_str("[no newline]\n");
        }
    }
    out
}

/// Collects the results of every case.
#[derive(Default)]
pub struct Report {
    pub cases: AtomicUsize,
    pub failures: Mutex<Vec<String>>,
}

impl Report {
    pub fn fail(&self, name: &str, details: String) {
        eprintln!("FAIL {name}\n{details}");
        self.failures.lock().unwrap().push(name.to_string());
    }

    /// Compares one docker run with one dimg run.
    pub fn compare(&self, name: &str, d: &Out, m: &Out, norm: Norm, stderr: bool) -> bool {
        self.cases.fetch_add(1, Ordering::Relaxed);
        let problems = differences(d, m, norm, stderr);
        if problems.is_empty() {
            return true;
        }
        self.fail(name, problems);
        false
    }

    /// Runs `docker ARGS` and `dimg ARGS` (or other dimg arguments) on the same state and
    /// compares. `retries` reruns both on a mismatch, for outputs that depend on the clock
    /// (`CREATED` crossing a minute between the two runs).
    pub fn same(
        &self,
        name: &str,
        docker_args: &[String],
        dimg_args: &[String],
        norm: Norm,
        stderr: bool,
        retries: u32,
    ) {
        let mut attempt = 0;
        loop {
            let d = docker(docker_args);
            let m = dimg(dimg_args);
            if attempt < retries && !differences(&d, &m, norm, stderr).is_empty() {
                attempt += 1;
                continue;
            }
            self.compare(name, &d, &m, norm, stderr);
            return;
        }
    }

    /// For commands that change the state: `reset()` before each of the two runs.
    pub fn same_after(&self, name: &str, args: &[String], reset: &dyn Fn(), norm: Norm, stderr: bool) -> (Out, Out) {
        reset();
        let d = docker(args);
        reset();
        let m = dimg(args);
        self.compare(name, &d, &m, norm, stderr);
        (d, m)
    }
}

pub fn differences(d: &Out, m: &Out, norm: Norm, stderr: bool) -> String {
    let mut problems = String::new();
    let (ds, ms) = (normalise(&d.stdout, norm), normalise(&m.stdout, norm));
    if ds != ms {
        problems.push_str(&format!(
            "  stdout differs{}\n--- docker\n{}--- dimg\n{}",
            if norm == Norm::Exact { "" } else { " (normalised)" },
            visible(&ds),
            visible(&ms)
        ));
    }
    if stderr {
        let de = as_dimg(&d.stderr);
        if de != m.stderr {
            problems.push_str(&format!(
                "  stderr differs\n--- docker\n{}--- dimg\n{}",
                visible(&de),
                visible(&m.stderr)
            ));
        }
    }
    if d.code != m.code {
        problems.push_str(&format!(
            "  exit status differs: docker {} dimg {}\n  docker stderr: {}  dimg stderr: {}",
            d.code, m.code, d.stderr, m.stderr
        ));
    }
    problems
}

/// The screen a terminal shows after `bytes` (what `script` captured): handles `\r`, `\n`,
/// `ESC[nA`, `ESC[nB`, `ESC[2K`, `ESC[K`; trailing spaces are dropped.
pub fn screen(bytes: &str) -> Vec<String> {
    let mut lines: Vec<Vec<char>> = vec![Vec::new()];
    let (mut row, mut col) = (0usize, 0usize);
    let mut chars = bytes.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\r' => col = 0,
            '\n' => {
                row += 1;
                col = 0;
            }
            '\x1b' if chars.peek() == Some(&'[') => {
                chars.next();
                let mut n = String::new();
                while let Some(&d) = chars.peek().filter(|d| d.is_ascii_digit()) {
                    n.push(d);
                    chars.next();
                }
                let n: usize = n.parse().unwrap_or(1);
                match chars.next() {
                    Some('A') => row = row.saturating_sub(n),
                    Some('B') => row += n,
                    Some('K') if n == 2 => {
                        if let Some(line) = lines.get_mut(row) {
                            line.clear();
                        }
                    }
                    Some('K') => {
                        if let Some(line) = lines.get_mut(row) {
                            line.truncate(col);
                        }
                    }
                    _ => {}
                }
            }
            c => {
                while lines.len() <= row {
                    lines.push(Vec::new());
                }
                let line = &mut lines[row];
                while line.len() < col {
                    line.push(' ');
                }
                if col < line.len() {
                    line[col] = c;
                } else {
                    line.push(c);
                }
                col += 1;
            }
        }
        while lines.len() <= row {
            lines.push(Vec::new());
        }
    }
    let mut out: Vec<String> = lines
        .into_iter()
        .map(|l| l.into_iter().collect::<String>().trim_end().to_string())
        .collect();
    while out.last().is_some_and(String::is_empty) {
        out.pop();
    }
    out
}

/// Runs `program args` in a pseudo-terminal `cols` wide with `script`, returning its output,
/// or `None` when `script` is not available.
pub fn in_terminal(program: &str, args: &[&str], cols: u16) -> Option<String> {
    let env = env();
    let quoted: Vec<String> = std::iter::once(program)
        .chain(args.iter().copied())
        .map(|a| format!("'{}'", a.replace('\'', "'\\''")))
        .collect();
    let command = format!("stty cols {cols} rows 50; {}", quoted.join(" "));
    let output = Command::new("script")
        .args(["-q", "-e", "-c", &command, "/dev/null"])
        .env("DOCKER_HOST", &env.host)
        .env("DOCKER_CONFIG", &env.config_dir)
        .env("TZ", "UTC")
        .output()
        .ok()?;
    Some(String::from_utf8_lossy(&output.stdout).into_owned())
}
