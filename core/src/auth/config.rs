//! The docker CLI's credential configuration: `config.json` (inline `auths`, `credsStore`,
//! per-registry `credHelpers`) and the `docker-credential-*` helpers it names.

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::os::fd::{AsRawFd, RawFd};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdout, Command, ExitStatus, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use serde::Deserialize;

use super::{RegistryAuth, base64_decode};
use crate::error::{BoxError, Error, Result};
use crate::transport::DEFAULT_TIMEOUT;

/// A `config.json` key reduced to its host, as the docker CLI compares them
/// (`https://host:5000/v1/` → `host:5000`).
fn key_host(key: &str) -> &str {
    let without_scheme = key.split_once("://").map_or(key, |(_, rest)| rest);
    without_scheme.split('/').next().unwrap_or(without_scheme)
}

#[derive(Debug, Default, Deserialize)]
struct ConfigFile {
    #[serde(default)]
    auths: BTreeMap<String, RegistryAuth>,
    #[serde(rename = "credsStore", default)]
    creds_store: Option<String>,
    #[serde(rename = "credHelpers", default)]
    cred_helpers: BTreeMap<String, String>,
}

/// The docker CLI's credential configuration: `$DOCKER_CONFIG/config.json`, else
/// `~/.docker/config.json`.
///
/// # Examples
/// ```no_run
/// let store = dimg::CredentialStore::from_env()?;
/// let auth = store.lookup("127.0.0.1:5000")?;      // None when nothing is configured
/// # Ok::<(), dimg::Error>(())
/// ```
#[derive(Debug, Default)]
pub struct CredentialStore {
    path: Option<PathBuf>,
    config: ConfigFile,
}

impl CredentialStore {
    /// Reads `$DOCKER_CONFIG/config.json` (or `~/.docker/config.json`). A missing file is an
    /// empty store.
    ///
    /// # Errors
    /// [`Error::Credentials`] for a file that exists but cannot be read or parsed.
    pub fn from_env() -> Result<CredentialStore> {
        let dir = std::env::var_os("DOCKER_CONFIG")
            .filter(|d| !d.is_empty())
            .map(PathBuf::from)
            .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".docker")));
        match dir {
            Some(dir) => CredentialStore::from_file(dir.join("config.json")),
            None => Ok(CredentialStore::default()),
        }
    }

    /// Reads the given `config.json`; a missing file is an empty store.
    pub fn from_file(path: impl AsRef<Path>) -> Result<CredentialStore> {
        let path = path.as_ref();
        let text = match std::fs::read(path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(CredentialStore::default()),
            Err(e) => {
                return Err(Error::credentials(
                    format!("cannot read {}", path.display()),
                    BoxError::from(e),
                ));
            }
        };
        let config = serde_json::from_slice(&text).map_err(|e| {
            // serde's message names a position, never the content.
            Error::credentials(format!("cannot parse {}", path.display()), BoxError::from(e))
        })?;
        Ok(CredentialStore {
            path: Some(path.to_path_buf()),
            config,
        })
    }

    /// The credentials for a registry key (see [`super::registry_key`]): a `credHelpers` entry, else
    /// the `credsStore`, else the inline `auths` entry. `None` when nothing is configured.
    ///
    /// A credential helper gets [`DEFAULT_TIMEOUT`] to answer; a client's lookups use its own
    /// limit instead ([`crate::ClientBuilder::credential_helper_timeout`]).
    ///
    /// # Errors
    /// [`Error::Credentials`] naming the helper when a credential helper fails, does not answer
    /// in time or answers something unreadable (its output is never part of the message).
    pub fn lookup(&self, key: &str) -> Result<Option<RegistryAuth>> {
        // Nobody can cancel this call: the guard lives as long as it.
        let (limits, _guard) = HelperLimits::new(Some(DEFAULT_TIMEOUT));
        self.lookup_with(key, &limits)
    }

    /// [`CredentialStore::lookup`], running a helper within `limits`.
    pub(crate) fn lookup_with(&self, key: &str, limits: &HelperLimits) -> Result<Option<RegistryAuth>> {
        let host = key_host(key);
        let helper = self
            .config
            .cred_helpers
            .iter()
            .find(|(k, _)| key_host(k) == host)
            .map(|(_, helper)| helper)
            .or(self.config.creds_store.as_ref());
        if let Some(helper) = helper.filter(|h| !h.is_empty()) {
            if let Some(auth) = run_helper(helper, key, limits)? {
                return Ok(Some(auth));
            }
        }
        let inline = self.config.auths.iter().find(|(k, _)| key_host(k) == host);
        let Some((_, stored)) = inline else { return Ok(None) };
        let mut auth = stored.clone();
        if auth.username.is_empty() && !auth.auth.is_empty() {
            let decoded = base64_decode(&auth.auth)
                .and_then(|b| String::from_utf8(b).ok())
                .and_then(|s| s.split_once(':').map(|(u, p)| (u.to_string(), p.to_string())));
            let Some((user, password)) = decoded else {
                let file = self
                    .path
                    .as_deref()
                    .unwrap_or(Path::new("config.json"))
                    .display()
                    .to_string();
                return Err(Error::credentials(
                    format!("invalid auth entry for {host} in {file}"),
                    None,
                ));
            };
            auth.username = user;
            auth.password = password;
        }
        auth.auth.clear();
        if auth.server_address.is_empty() {
            auth.server_address = key.to_string();
        }
        Ok(Some(auth))
    }
}

/// How often a helper that has not answered is looked at again: whether it exited, its
/// deadline passed or its caller gave up. Its output wakes the wait at once.
const CHECK_EVERY: Duration = Duration::from_millis(10);

/// The most a helper may print: real answers are a few kilobytes, more is not an answer.
const MAX_ANSWER: usize = 1 << 20;

/// How a lookup runs credential helpers: how long one may take, and whether the caller still
/// waits for it.
#[derive(Debug)]
pub(crate) struct HelperLimits {
    /// The helper's deadline, from when it is started; `None`: as long as it takes.
    timeout: Option<Duration>,
    /// Set when the caller gave up ([`CancelOnDrop`]): the helper is killed.
    cancelled: Arc<AtomicBool>,
    /// Where the helper programs are instead of `PATH`, so unit tests need not change the
    /// environment of a process whose other tests run at the same time.
    #[cfg(test)]
    dir: Option<PathBuf>,
}

/// Cancels the lookup it was made with when dropped: a future dropped (or a blocking call
/// interrupted) while a helper runs on another thread has the helper killed, within
/// [`CHECK_EVERY`], instead of left to run.
#[derive(Debug)]
pub(crate) struct CancelOnDrop(Arc<AtomicBool>);

impl Drop for CancelOnDrop {
    fn drop(&mut self) {
        self.0.store(true, Ordering::Release);
    }
}

impl HelperLimits {
    /// Limits with this deadline (`None`: none), and the guard that cancels them when dropped.
    pub(crate) fn new(timeout: Option<Duration>) -> (HelperLimits, CancelOnDrop) {
        let cancelled = Arc::new(AtomicBool::new(false));
        let limits = HelperLimits {
            timeout,
            cancelled: cancelled.clone(),
            #[cfg(test)]
            dir: None,
        };
        (limits, CancelOnDrop(cancelled))
    }

    /// The program to run for `docker-credential-NAME`: found on `PATH`.
    fn program(&self, name: &str) -> PathBuf {
        #[cfg(test)]
        if let Some(dir) = &self.dir {
            return dir.join(name);
        }
        PathBuf::from(name)
    }
}

/// Runs `docker-credential-HELPER get` with the key on stdin. `None` when the helper has no
/// credentials for it.
///
/// The helper gets `limits`' deadline and is killed with what it started (its process group)
/// when the deadline passes or the caller gives up; either way it is reaped before this
/// returns. On Linux it is also killed when the thread that started it ends
/// (`PR_SET_PDEATHSIG`): this thread waits for it until it is reaped, so that happens only when
/// dimg's process dies, and the helper does not outlive it. That signal reaches the helper
/// itself, not what it started; and what a helper that exited left running is its own business.
///
/// Its output is never part of an error: it can hold a secret.
fn run_helper(helper: &str, key: &str, limits: &HelperLimits) -> Result<Option<RegistryAuth>> {
    #[derive(Deserialize)]
    struct HelperAnswer {
        #[serde(rename = "Username", default)]
        username: String,
        #[serde(rename = "Secret", default)]
        secret: String,
    }
    if !helper
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_' || b == b'.')
    {
        return Err(Error::credentials(
            format!("invalid credential helper name {helper:?}"),
            None,
        ));
    }
    let program = format!("docker-credential-{helper}");
    let failed = |why: &str, source: Option<BoxError>| {
        Error::credentials(format!("credential helper {program} failed: {why}"), source)
    };
    if limits.cancelled.load(Ordering::Acquire) {
        // Given up before the work started (Tokio may still run a dropped blocking task).
        return Err(cancelled(&program));
    }
    let deadline = limits.timeout.and_then(|limit| Instant::now().checked_add(limit));
    let mut running = Helper::spawn(&limits.program(&program)).map_err(|e| failed(&e.to_string(), Some(e.into())))?;
    // Dropping `running` on any early return below kills and reaps the helper.
    let (status, stdout) = match running.answer(key, deadline, &limits.cancelled) {
        Ok(answer) => answer,
        Err(Stop::TimedOut) => {
            let limit = limits.timeout.unwrap_or_default();
            return Err(Error::credentials(
                format!("credential helper {program} did not answer within {limit:?}"),
                None,
            ));
        }
        Err(Stop::Cancelled) => return Err(cancelled(&program)),
        Err(Stop::TooLong) => return Err(failed("its answer is too long", None)),
        Err(Stop::Io(e)) => return Err(failed(&e.to_string(), Some(e.into()))),
    };
    if !status.success() {
        // Helpers say "credentials not found in native keychain" on stdout for a miss.
        if String::from_utf8_lossy(&stdout).contains("credentials not found") {
            return Ok(None);
        }
        return Err(failed(&format!("{status}"), None));
    }
    let answer: HelperAnswer =
        serde_json::from_slice(&stdout).map_err(|_| failed("its answer is not the expected JSON", None))?;
    Ok(Some(if answer.username == "<token>" {
        RegistryAuth::identity_token(answer.secret).server(key)
    } else {
        RegistryAuth::basic(answer.username, answer.secret).server(key)
    }))
}

/// The error of a lookup whose caller gave up while `program` was to run or ran.
fn cancelled(program: &str) -> Error {
    Error::credentials(
        format!("credential helper {program} was stopped: the call was cancelled"),
        None,
    )
}

/// Why a helper was not waited for to the end.
#[derive(Debug)]
enum Stop {
    TimedOut,
    Cancelled,
    TooLong,
    Io(std::io::Error),
}

/// A running credential helper, killed and reaped when dropped before it exited.
struct Helper {
    child: Child,
    /// Whether `child` was waited for (its pid, and so its process group id, may be reused).
    reaped: bool,
}

impl Helper {
    fn spawn(program: &Path) -> std::io::Result<Helper> {
        let mut command = Command::new(program);
        command
            .arg("get")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            // Never shown: it can hold a secret too.
            .stderr(Stdio::null())
            // Its own process group, so that killing it kills what it started (a shell
            // script's commands) too.
            .process_group(0);
        #[cfg(target_os = "linux")]
        {
            let parent = std::process::id();
            // SAFETY: runs in the forked child before exec, and makes only async-signal-safe
            // system calls (prctl, getppid), allocating nothing.
            unsafe { command.pre_exec(move || die_with_parent(parent)) };
        }
        Ok(Helper {
            child: command.spawn()?,
            reaped: false,
        })
    }

    /// Writes `key` to the helper's stdin, then collects its stdout until it exits, the
    /// deadline passes or `cancelled` is set.
    fn answer(
        &mut self,
        key: &str,
        deadline: Option<Instant>,
        cancelled: &AtomicBool,
    ) -> std::result::Result<(ExitStatus, Vec<u8>), Stop> {
        if let Some(mut stdin) = self.child.stdin.take() {
            // A helper may exit without reading (it knows nothing for any key): its exit
            // status says what happened, not the broken pipe. Dropping stdin closes it.
            match stdin.write_all(key.as_bytes()) {
                Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => return Err(Stop::Io(e)),
                _ => {}
            }
        }
        let mut stdout = self.child.stdout.take().expect("stdout is piped");
        let mut answer = Vec::new();
        let mut open = true;
        // After the end of its output, how long to sleep before looking again whether it
        // exited: short at first (it is exiting), longer for a helper that goes on without it.
        let mut pause = Duration::from_millis(1);
        loop {
            if cancelled.load(Ordering::Acquire) {
                return Err(Stop::Cancelled);
            }
            if let Some(status) = self.child.try_wait().map_err(Stop::Io)? {
                self.reaped = true;
                // What it wrote before it exited is in the pipe. It is read without waiting for
                // the pipe's end, which something it left running may hold open.
                while open && readable(stdout.as_raw_fd(), Duration::ZERO) {
                    open = read_some(&mut stdout, &mut answer)?;
                }
                return Ok((status, answer));
            }
            let now = Instant::now();
            let wait = match deadline {
                Some(deadline) if now >= deadline => return Err(Stop::TimedOut),
                Some(deadline) => (deadline - now).min(CHECK_EVERY),
                None => CHECK_EVERY,
            };
            if open {
                if readable(stdout.as_raw_fd(), wait) {
                    open = read_some(&mut stdout, &mut answer)?;
                }
            } else {
                std::thread::sleep(pause.min(wait));
                pause = (pause * 2).min(CHECK_EVERY);
            }
        }
    }
}

impl Drop for Helper {
    fn drop(&mut self) {
        if self.reaped {
            return;
        }
        // The process group's id is the helper's pid, not reusable before it is reaped below.
        let group = -(self.child.id() as libc::pid_t);
        // SAFETY: kill(2) with a process group id; no memory is involved.
        if unsafe { libc::kill(group, libc::SIGKILL) } != 0 {
            let _ = self.child.kill();
        }
        let _ = self.child.wait();
        self.reaped = true;
    }
}

/// In the helper, before exec: be killed when the thread that started it ends.
#[cfg(target_os = "linux")]
fn die_with_parent(parent: u32) -> std::io::Result<()> {
    // SAFETY: prctl(PR_SET_PDEATHSIG) takes a signal number and changes nothing in memory.
    if unsafe { libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL as libc::c_ulong) } != 0 {
        return Err(std::io::Error::last_os_error());
    }
    // dimg may have died between the fork and the prctl: then no signal comes, and the
    // helper must not run.
    // SAFETY: getppid(2) has no arguments and cannot fail.
    if unsafe { libc::getppid() } as u32 != parent {
        return Err(std::io::Error::from_raw_os_error(libc::ESRCH));
    }
    Ok(())
}

/// Waits up to `limit` until `fd` can be read (has data, or was closed).
fn readable(fd: RawFd, limit: Duration) -> bool {
    let mut entry = libc::pollfd {
        fd,
        events: libc::POLLIN,
        revents: 0,
    };
    // Rounded up: a wait must not end early, or the loop spins until it is due.
    let millis = limit.as_micros().div_ceil(1000).min(libc::c_int::MAX as u128) as libc::c_int;
    // SAFETY: one valid pollfd entry, exclusively borrowed. An error (EINTR) only ends the
    // wait early; the caller looks again.
    unsafe { libc::poll(&mut entry, 1, millis) > 0 && entry.revents != 0 }
}

/// Reads what `stdout` has (it was found readable) into `answer`; `false` at its end.
fn read_some(stdout: &mut ChildStdout, answer: &mut Vec<u8>) -> std::result::Result<bool, Stop> {
    let mut buf = [0u8; 4096];
    match stdout.read(&mut buf) {
        Ok(0) => Ok(false),
        Ok(n) if answer.len() + n > MAX_ANSWER => Err(Stop::TooLong),
        Ok(n) => {
            answer.extend_from_slice(&buf[..n]);
            Ok(true)
        }
        Err(e) if e.kind() == std::io::ErrorKind::Interrupted => Ok(true),
        Err(e) => Err(Stop::Io(e)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::DOCKER_HUB_AUTH_KEY;

    #[test]
    fn keys_match_like_the_docker_cli() {
        assert_eq!(key_host("https://index.docker.io/v1/"), "index.docker.io");
        assert_eq!(key_host("http://127.0.0.1:5000"), "127.0.0.1:5000");
        assert_eq!(key_host("127.0.0.1:5000"), "127.0.0.1:5000");
    }

    #[test]
    fn inline_auths_are_decoded() {
        let dir = std::env::temp_dir().join(format!("dimg-auth-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("config.json");
        std::fs::write(
            &path,
            r#"{"auths":{"https://127.0.0.1:5000/v1/":{"auth":"YWxpY2U6czNjcmV0"},
                "https://index.docker.io/v1/":{"identitytoken":"tok"}}}"#,
        )
        .unwrap();
        let store = CredentialStore::from_file(&path).unwrap();
        let auth = store.lookup("127.0.0.1:5000").unwrap().unwrap();
        assert_eq!((auth.username.as_str(), auth.password.as_str()), ("alice", "s3cret"));
        assert!(auth.auth.is_empty());
        let hub = store.lookup(DOCKER_HUB_AUTH_KEY).unwrap().unwrap();
        assert_eq!(hub.identity_token, "tok");
        assert!(store.lookup("other:1").unwrap().is_none());
        std::fs::write(&path, "{not json").unwrap();
        let err = CredentialStore::from_file(&path).unwrap_err();
        assert!(matches!(&err, Error::Credentials { source: Some(_), .. }), "{err:?}");
        assert!(std::error::Error::source(&err).is_some(), "the JSON error is kept");
        std::fs::write(&path, r#"{"auths":{"h:1":{"auth":"bm9jb2xvbg=="}}}"#).unwrap();
        let err = CredentialStore::from_file(&path).unwrap().lookup("h:1").unwrap_err();
        assert!(!err.to_string().contains("nocolon"));
        assert!(
            CredentialStore::from_file(dir.join("missing.json"))
                .unwrap()
                .lookup("h:1")
                .unwrap()
                .is_none()
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }

    /// A scratch directory of fake credential helpers, removed when dropped.
    struct Helpers(PathBuf);

    impl Helpers {
        fn new(test: &str) -> Helpers {
            let dir = std::env::temp_dir().join(format!("dimg-helpers-{}-{test}", std::process::id()));
            let _ = std::fs::remove_dir_all(&dir);
            std::fs::create_dir_all(&dir).unwrap();
            Helpers(dir)
        }

        /// Writes `docker-credential-NAME`, a shell script. It is copied into place by
        /// `install`, not written by this process: a file this process has open for writing
        /// is inherited by the children other tests fork meanwhile, and exec'ing it would
        /// fail with "text file busy".
        fn add(&self, name: &str, body: &str) {
            let source = self.0.join(format!("{name}.sh"));
            std::fs::write(&source, format!("#!/bin/sh\n{body}\n")).unwrap();
            let status = Command::new("install")
                .args(["-m", "755"])
                .arg(&source)
                .arg(self.0.join(format!("docker-credential-{name}")))
                .status()
                .unwrap();
            assert!(status.success());
        }

        /// Limits that run helpers from this directory.
        fn limits(&self, timeout: Option<Duration>) -> (HelperLimits, CancelOnDrop) {
            let (mut limits, guard) = HelperLimits::new(timeout);
            limits.dir = Some(self.0.clone());
            (limits, guard)
        }

        /// The pids the helpers wrote to `pids`.
        fn pids(&self) -> Vec<u32> {
            let text = std::fs::read_to_string(self.0.join("pids")).unwrap_or_default();
            text.split_whitespace().map(|p| p.parse().unwrap()).collect()
        }

        fn file(&self, name: &str) -> String {
            self.0.join(name).display().to_string()
        }
    }

    impl Drop for Helpers {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }

    /// Whether `pid` is still there: running, or dead but not reaped by this process. (An
    /// orphan's zombie waits for init, which is not dimg's to do.)
    fn left_behind(pid: u32) -> bool {
        let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
            return false;
        };
        // `pid (comm) state ppid ...`; comm may hold spaces, so split after its `)`.
        let fields: Vec<&str> = stat.rsplit_once(')').unwrap().1.split_whitespace().collect();
        fields[0] != "Z" || fields[1] == std::process::id().to_string()
    }

    /// Waits up to a second for the processes to go (a signal takes a moment to be acted on).
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

    /// A helper that hangs, and the `sleep` it started: both pids are written to `pids`.
    const HANG: &str =
        "echo $$ >> \"$(dirname \"$0\")/pids\"\nsleep 1000 &\necho $! >> \"$(dirname \"$0\")/pids\"\nwait";

    #[test]
    fn a_helper_gets_the_key_and_its_answer_is_used() {
        let helpers = Helpers::new("answer");
        let log = helpers.file("log");
        helpers.add(
            "good",
            &format!(
                "read key\necho \"$1 $key\" >> {log}\ncase \"$key\" in\n\
                 reg:1) printf '{{\"ServerURL\":\"reg:1\",\"Username\":\"alice\",\"Secret\":\"s3cret\"}}' ;;\n\
                 tok:1) printf '{{\"Username\":\"<token>\",\"Secret\":\"idtok\"}}' ;;\n\
                 *) echo 'credentials not found in native keychain'; exit 1 ;;\nesac"
            ),
        );
        let (limits, _guard) = helpers.limits(Some(Duration::from_secs(10)));
        let auth = run_helper("good", "reg:1", &limits).unwrap().unwrap();
        assert_eq!(auth, RegistryAuth::basic("alice", "s3cret").server("reg:1"));
        let token = run_helper("good", "tok:1", &limits).unwrap().unwrap();
        assert_eq!(token, RegistryAuth::identity_token("idtok").server("tok:1"));
        assert_eq!(run_helper("good", "other:1", &limits).unwrap(), None);
        let calls = std::fs::read_to_string(&log).unwrap();
        assert_eq!(calls, "get reg:1\nget tok:1\nget other:1\n");
    }

    #[test]
    fn a_hung_helper_is_killed_with_what_it_started_at_its_deadline() {
        let helpers = Helpers::new("hang");
        helpers.add("hang", HANG);
        let (limits, _guard) = helpers.limits(Some(Duration::from_secs(1)));
        let started = Instant::now();
        let err = run_helper("hang", "reg:1", &limits).unwrap_err();
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
        let pids = helpers.pids();
        assert_eq!(pids.len(), 2, "the helper and its sleep ran");
        assert!(
            !left_behind(pids[0]),
            "the helper is reaped before the error is returned"
        );
        assert!(all_gone(&pids), "{pids:?}");
    }

    #[test]
    fn a_helper_is_killed_when_its_caller_gives_up() {
        let helpers = Helpers::new("cancel");
        helpers.add("hang", HANG);
        let (limits, guard) = helpers.limits(None);
        let started = Instant::now();
        let gives_up = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(300));
            drop(guard);
        });
        let err = run_helper("hang", "reg:1", &limits).unwrap_err();
        gives_up.join().unwrap();
        assert!(started.elapsed() < Duration::from_secs(1), "{:?}", started.elapsed());
        assert!(err.to_string().contains("docker-credential-hang was stopped"), "{err}");
        assert!(all_gone(&helpers.pids()), "{:?}", helpers.pids());
    }

    #[test]
    fn failing_or_garbled_helpers_are_named_and_never_quoted() {
        let helpers = Helpers::new("fail");
        helpers.add("fail", "echo 'secret-ish stdout'\necho 'secret-ish stderr' >&2\nexit 3");
        helpers.add("garbage", "read key\nprintf 'Username: alice, Secret: secret-ish'");
        helpers.add("chatty", "yes secret-ish");
        let (limits, _guard) = helpers.limits(Some(Duration::from_secs(10)));
        for (helper, why) in [
            ("fail", "exit status: 3"),
            ("garbage", "its answer is not the expected JSON"),
            ("chatty", "its answer is too long"),
            ("missing", "No such file or directory"),
        ] {
            let err = run_helper(helper, "reg:1", &limits).unwrap_err();
            assert!(matches!(err, Error::Credentials { .. }), "{err:?}");
            let text = err.chain();
            assert!(
                text.starts_with(&format!("credential helper docker-credential-{helper} failed: ")),
                "{text}"
            );
            assert!(text.contains(why), "{text}");
            assert!(
                !text.contains("secret-ish") && !format!("{err:?}").contains("secret-ish"),
                "{text}"
            );
        }
    }

    #[test]
    fn a_helper_that_exits_is_not_waited_for_through_what_it_left_running() {
        let helpers = Helpers::new("leftover");
        // The background sleep keeps the helper's stdout open after it exited.
        helpers.add(
            "leftover",
            "sleep 30 &\necho $! >> \"$(dirname \"$0\")/pids\"\nprintf '{\"Username\":\"u\",\"Secret\":\"s\"}'",
        );
        let (limits, _guard) = helpers.limits(Some(Duration::from_secs(10)));
        let started = Instant::now();
        let auth = run_helper("leftover", "reg:1", &limits).unwrap().unwrap();
        assert!(started.elapsed() < Duration::from_secs(5), "{:?}", started.elapsed());
        assert_eq!(auth.username, "u");
        for pid in helpers.pids() {
            // SAFETY: kill(2) of the sleep this test started.
            unsafe { libc::kill(pid as libc::pid_t, libc::SIGKILL) };
        }
    }
}
