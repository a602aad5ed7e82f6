//! Credential helpers that never answer, against the clients that run them: the call fails with
//! `Error::Credentials` at the helper's deadline (the client's timeout, or its own setting), and
//! no helper is left running when the deadline passes, when the call is given up, or when the
//! process running dimg is killed. No engine is needed: a fake daemon answers the ping.
//!
//! Each scenario runs in a child process, this test binary started again with
//! `DIMG_HELPER_SCENARIO` set, whose `PATH` and `DOCKER_CONFIG` point at the fake helpers: the
//! environment of this process, where other tests run at the same time, is never changed.

mod support;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use dimg::{Error, PullOptions};
use support::fake_daemon::{FakeDaemon, Reply};

/// Which scenario a child runs.
const SCENARIO: &str = "DIMG_HELPER_SCENARIO";
/// The scratch directory of the test that started the child (helpers, `config.json`, `pids`).
const DIR: &str = "DIMG_HELPER_DIR";

/// A registry whose `credHelpers` entry is `hang`: a script that starts a `sleep` and waits for
/// it (both write their pids to `pids`).
const HANG_REGISTRY: &str = "127.0.0.1:5999";
/// A registry whose helper is `hangexec`: the script becomes `sleep` (the helper is one process).
const HANG_EXEC_REGISTRY: &str = "127.0.0.1:5998";

/// A scratch directory with the fake helpers and a `config.json` naming them; removed when
/// dropped.
struct Scratch(PathBuf);

impl Scratch {
    fn new(test: &str) -> Scratch {
        let dir = std::env::temp_dir().join(format!("dimg-credential-helpers-{}-{test}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("bin")).unwrap();
        let scratch = Scratch(dir);
        scratch.helper(
            "hang",
            "echo $$ >> \"$DIMG_HELPER_DIR/pids\"\nsleep 1000 &\necho $! >> \"$DIMG_HELPER_DIR/pids\"\nwait",
        );
        scratch.helper("hangexec", "echo $$ >> \"$DIMG_HELPER_DIR/pids\"\nexec sleep 1000");
        std::fs::write(
            scratch.0.join("config.json"),
            format!(r#"{{"credHelpers":{{"{HANG_REGISTRY}":"hang","{HANG_EXEC_REGISTRY}":"hangexec"}}}}"#),
        )
        .unwrap();
        scratch
    }

    /// Writes `bin/docker-credential-NAME`. `install` copies it into place: a file this process
    /// had open for writing would be inherited by the children other tests fork meanwhile, and
    /// running it could fail with "text file busy".
    fn helper(&self, name: &str, body: &str) {
        let source = self.0.join(format!("{name}.sh"));
        std::fs::write(&source, format!("#!/bin/sh\n{body}\n")).unwrap();
        let status = Command::new("install")
            .args(["-m", "755"])
            .arg(&source)
            .arg(self.0.join("bin").join(format!("docker-credential-{name}")))
            .status()
            .unwrap();
        assert!(status.success());
    }

    /// This test binary, to run `scenario` with the helpers on `PATH` and this `config.json`.
    fn child(&self, scenario: &str) -> Command {
        let mut command = Command::new(std::env::current_exe().unwrap());
        command
            .args(["scenario", "--exact", "--nocapture", "--test-threads=1"])
            .env(SCENARIO, scenario)
            .env(DIR, &self.0)
            .env("DOCKER_CONFIG", &self.0)
            .env(
                "PATH",
                format!("{}:{}", self.0.join("bin").display(), std::env::var("PATH").unwrap()),
            );
        command
    }

    /// Runs `scenario` in a child, which asserts; fails with its output when it failed, or
    /// when it still runs after a minute (a helper that is never stopped hangs it).
    fn run(&self, scenario: &str) {
        let output = self.0.join("output");
        let file = std::fs::File::create(&output).unwrap();
        let mut child = self
            .child(scenario)
            .stdout(file.try_clone().unwrap())
            .stderr(file)
            .spawn()
            .unwrap();
        let until = Instant::now() + Duration::from_secs(60);
        let status = loop {
            if let Some(status) = child.try_wait().unwrap() {
                break Some(status);
            }
            if Instant::now() > until {
                child.kill().unwrap();
                child.wait().unwrap();
                break None;
            }
            std::thread::sleep(Duration::from_millis(20));
        };
        assert!(
            status.is_some_and(|s| s.success()),
            "scenario {scenario}: {}\n--- output\n{}",
            status.map_or("still running after 60 s".to_string(), |s| s.to_string()),
            std::fs::read_to_string(&output).unwrap_or_default()
        );
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// The pids the helpers wrote to `DIR/pids`.
fn pids(dir: &Path) -> Vec<u32> {
    let text = std::fs::read_to_string(dir.join("pids")).unwrap_or_default();
    text.split_whitespace().map(|p| p.parse().unwrap()).collect()
}

/// `(state, ppid)` of a process, from `/proc/PID/stat`; `None` when there is no such process.
fn state(pid: u32) -> Option<(String, u32)> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // `pid (comm) state ppid ...`; comm may hold spaces, so split after its `)`.
    let mut fields = stat.rsplit_once(')')?.1.split_whitespace();
    Some((fields.next()?.to_string(), fields.next()?.parse().ok()?))
}

/// Whether `pid` is still there: running, or dead and not reaped by this process. (An orphan's
/// zombie waits for init; reaping it is not dimg's job.)
fn left_behind(pid: u32) -> bool {
    state(pid).is_some_and(|(state, ppid)| state != "Z" || ppid == std::process::id())
}

/// Waits up to a second for the processes to go: a signal takes a moment to be acted on.
fn all_gone(pids: &[u32]) -> bool {
    let until = Instant::now() + Duration::from_secs(1);
    while pids.iter().any(|&p| left_behind(p)) {
        if Instant::now() > until {
            return false;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    true
}

/// The children of this process, zombies included, from `/proc`.
fn children() -> Vec<u32> {
    let me = std::process::id();
    std::fs::read_dir("/proc")
        .unwrap()
        .filter_map(|entry| entry.ok()?.file_name().to_str()?.parse::<u32>().ok())
        .filter(|&pid| state(pid).is_some_and(|(_, ppid)| ppid == me))
        .collect()
}

/// Checks, in a child, that the helpers it ran are gone and none of its children is left.
fn assert_no_helper_left(dir: &Path) {
    let pids = pids(dir);
    assert!(!pids.is_empty(), "the helper ran");
    assert!(all_gone(&pids), "helpers left: {pids:?}");
    assert_eq!(children(), Vec::<u32>::new(), "no child, not even a zombie");
}

/// A fake daemon that answers the ping and fails anything else (nothing else may be sent: the
/// credential lookup comes first), on its own runtime's threads so that blocking clients can
/// use it too.
fn fake_daemon() -> (tokio::runtime::Runtime, FakeDaemon) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let daemon = {
        let _inside = rt.enter();
        FakeDaemon::start(|_| Reply::json(500, r#"{"message":"nothing may reach the daemon"}"#))
    };
    (rt, daemon)
}

/// The children's entry point; in a normal run (no `DIMG_HELPER_SCENARIO`) it does nothing.
#[test]
fn scenario() {
    let Ok(name) = std::env::var(SCENARIO) else { return };
    let dir = PathBuf::from(std::env::var(DIR).unwrap());
    match name.as_str() {
        "deadline" => deadline(&dir),
        "cancel" => cancel(&dir),
        "interrupt" => interrupt(&dir),
        "killed-async" => killed(false),
        "killed-blocking" => killed(true),
        other => panic!("unknown scenario {other}"),
    }
}

/// A hung helper fails the pull at its deadline: the dedicated setting for the async client,
/// the client's timeout for the blocking one (which runs the helper on a thread of its own).
fn deadline(dir: &Path) {
    let (rt, daemon) = fake_daemon();
    let reference = format!("{HANG_REGISTRY}/tiny:1.0");

    let docker = dimg::Client::builder()
        .socket_path(&daemon.path)
        .credential_helper_timeout(Duration::from_secs(2))
        .build()
        .unwrap();
    let started = Instant::now();
    let err = rt
        .block_on(docker.images().pull(&reference, &PullOptions::new()).finish())
        .unwrap_err();
    let took = started.elapsed();
    assert!(matches!(err, Error::Credentials { .. }), "{err:?}");
    assert_eq!(
        err.to_string(),
        "credential helper docker-credential-hang did not answer within 2s"
    );
    assert!(
        took >= Duration::from_secs(2) && took < Duration::from_secs(3),
        "{took:?}"
    );
    assert_no_helper_left(dir);

    let blocking = dimg::Client::builder()
        .socket_path(&daemon.path)
        .timeout(Duration::from_secs(1))
        .build_blocking()
        .unwrap();
    let started = Instant::now();
    let err = blocking
        .images()
        .pull(&reference, &PullOptions::new())
        .finish()
        .unwrap_err();
    let took = started.elapsed();
    assert!(matches!(err, Error::Credentials { .. }), "{err:?}");
    assert_eq!(
        err.to_string(),
        "credential helper docker-credential-hang did not answer within 1s"
    );
    assert!(
        took >= Duration::from_secs(1) && took < Duration::from_secs(2),
        "{took:?}"
    );
    assert_eq!(pids(dir).len(), 4, "two runs of the helper and its sleep");
    assert_no_helper_left(dir);
    assert!(daemon.calls().is_empty(), "{:?}", daemon.calls());
}

/// A pull future dropped while its helper runs has the helper killed.
fn cancel(dir: &Path) {
    let (rt, daemon) = fake_daemon();
    let docker = dimg::Client::builder()
        .socket_path(&daemon.path)
        .no_timeout()
        .build()
        .unwrap();
    let reference = format!("{HANG_REGISTRY}/tiny:1.0");
    let pull = docker.images().pull(&reference, &PullOptions::new()).finish();
    let gave_up = rt.block_on(async {
        // The helper must be running when the future is dropped.
        let pull = tokio::time::timeout(Duration::from_millis(500), pull);
        pull.await.is_err()
    });
    assert!(gave_up, "the pull waited for its helper");
    assert_no_helper_left(dir);
}

/// A blocking pull interrupted while its helper runs has the helper killed.
fn interrupt(dir: &Path) {
    let (_rt, daemon) = fake_daemon();
    let started = Instant::now();
    let docker = dimg::Client::builder()
        .socket_path(&daemon.path)
        .no_timeout()
        .build_blocking()
        .unwrap()
        .interrupt_check(
            Duration::from_millis(20),
            Arc::new(move || match started.elapsed() > Duration::from_millis(500) {
                true => Err("interrupted by the test".into()),
                false => Ok(()),
            }),
        );
    let reference = format!("{HANG_REGISTRY}/tiny:1.0");
    let err = docker
        .images()
        .pull(&reference, &PullOptions::new())
        .finish()
        .unwrap_err();
    assert!(matches!(err, Error::Interrupted(_)), "{err:?}");
    assert!(started.elapsed() < Duration::from_secs(2), "{:?}", started.elapsed());
    assert_no_helper_left(dir);
}

/// Starts a pull whose helper (`hangexec`) never answers, with no deadline, and waits: the
/// test kills this process.
fn killed(blocking: bool) {
    let (rt, daemon) = fake_daemon();
    let reference = format!("{HANG_EXEC_REGISTRY}/tiny:1.0");
    let builder = dimg::Client::builder().socket_path(&daemon.path).no_timeout();
    let result = match blocking {
        true => builder
            .build_blocking()
            .unwrap()
            .images()
            .pull(&reference, &PullOptions::new())
            .finish(),
        false => rt.block_on(
            builder
                .build()
                .unwrap()
                .images()
                .pull(&reference, &PullOptions::new())
                .finish(),
        ),
    };
    panic!("the pull ended: {result:?}");
}

#[test]
fn a_hung_helper_fails_the_pull_at_its_deadline_and_is_gone() {
    Scratch::new("deadline").run("deadline");
}

#[test]
fn a_dropped_pull_future_kills_its_helper() {
    Scratch::new("cancel").run("cancel");
}

#[test]
fn an_interrupted_blocking_pull_kills_its_helper() {
    Scratch::new("interrupt").run("interrupt");
}

/// Kills the process running dimg while its helper runs: the helper goes with it
/// (`PR_SET_PDEATHSIG`).
fn helper_dies_with_dimg(scenario: &str) {
    let scratch = Scratch::new(scenario);
    let mut child = scratch
        .child(scenario)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let until = Instant::now() + Duration::from_secs(10);
    let helper = loop {
        if let Some(&pid) = pids(&scratch.0).first() {
            break pid;
        }
        assert!(Instant::now() < until, "the helper did not start");
        std::thread::sleep(Duration::from_millis(10));
    };
    // Past the shell's `exec`: the helper is `sleep` itself now.
    std::thread::sleep(Duration::from_millis(200));
    assert!(left_behind(helper), "the helper runs while dimg waits for it");
    child.kill().unwrap();
    child.wait().unwrap();
    assert!(
        all_gone(&[helper]),
        "helper {helper} outlived dimg: {:?}",
        state(helper)
    );
}

#[cfg(target_os = "linux")]
#[test]
fn a_helper_dies_with_the_async_client_that_ran_it() {
    helper_dies_with_dimg("killed-async");
}

#[cfg(target_os = "linux")]
#[test]
fn a_helper_dies_with_the_blocking_client_that_ran_it() {
    helper_dies_with_dimg("killed-blocking");
}
