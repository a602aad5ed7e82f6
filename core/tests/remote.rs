//! The transports of issue 14 against real peers started by `scripts/engine.sh up`: the
//! second private dockerd behind `--tlsverify` (`DIMG_TEST_TLS_HOST`), the private sshd whose
//! logins reach the first dockerd through `docker system dial-stdio` (`DIMG_TEST_SSH_HOST`,
//! with the engine's `ssh` wrapper first on `PATH`), and docker contexts made by the real
//! docker CLI in temporary configuration directories.
//!
//! Every failure must be a typed error within its timeout that leaves no `ssh` process and no
//! descriptor behind; the tests count both. Counting needs the process to themselves, so the
//! tests of this binary take turns (`serial`).

mod support;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use dimg::{Client, ConnectOptions, EndpointKind, Error, ListOptions, PullOptions, RemoveOptions, TlsConfig};
use support::engine;

fn var(name: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| {
        panic!("{name} is not set: run `scripts/test.sh`, or `eval \"$(scripts/engine.sh env)\"` first")
    })
}

/// One test at a time: they count this process's children and descriptors, and one of them
/// stops the TLS daemon.
static SERIAL: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

async fn serial() -> tokio::sync::MutexGuard<'static, ()> {
    SERIAL.lock().await
}

fn tls_host() -> String {
    var("DIMG_TEST_TLS_HOST")
}

fn certs() -> PathBuf {
    PathBuf::from(var("DIMG_TEST_TLS_CERTS"))
}

/// The CA, certificate and key the TLS daemon trusts.
fn good_tls() -> TlsConfig {
    let dir = certs();
    TlsConfig::new()
        .ca_cert(dir.join("ca.pem"))
        .client_cert(dir.join("cert.pem"), dir.join("key.pem"))
}

fn tls_client(host: &str, tls: TlsConfig) -> Client {
    Client::builder()
        .host(host)
        .tls(tls)
        .timeout(Duration::from_secs(20))
        .build()
        .expect("TLS client")
}

/// The TLS daemon through its own Unix socket, to set up and check its state without TLS.
fn tls_daemon_over_unix() -> Client {
    Client::with_socket(var("DIMG_TEST_TLS_SOCKET"))
}

fn ssh_client(host: &str) -> Client {
    Client::builder()
        .host(host)
        .timeout(Duration::from_secs(20))
        .build()
        .expect("ssh client")
}

/// A temporary directory, removed on drop.
struct TempDir(PathBuf);

impl TempDir {
    fn new(tag: &str) -> TempDir {
        let dir = std::env::temp_dir().join(format!("dimg-remote-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        TempDir(dir)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// The real docker CLI with `config` as its configuration directory (never ~/.docker).
fn docker_cli(config: &Path, args: &[&str]) -> std::process::Output {
    Command::new("docker")
        .args(args)
        .env("DOCKER_CONFIG", config)
        .env_remove("DOCKER_HOST")
        .env_remove("DOCKER_CONTEXT")
        .env_remove("DOCKER_TLS_VERIFY")
        .env_remove("DOCKER_CERT_PATH")
        .output()
        .expect("run the docker CLI")
}

fn docker_ok(config: &Path, args: &[&str]) -> String {
    let output = docker_cli(config, args);
    assert!(
        output.status.success(),
        "docker {args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// This process's `ssh` children, zombies included: (pid, state).
fn ssh_children() -> Vec<(i32, char)> {
    let me = std::process::id().to_string();
    let mut found = Vec::new();
    for entry in std::fs::read_dir("/proc").unwrap().flatten() {
        let Ok(stat) = std::fs::read_to_string(entry.path().join("stat")) else {
            continue;
        };
        // pid (comm) state ppid ...; comm may hold spaces, so split after the last ')'.
        let Some((head, rest)) = stat.rsplit_once(')') else {
            continue;
        };
        let comm = head.split_once('(').map(|(_, c)| c).unwrap_or("");
        let fields: Vec<&str> = rest.split_whitespace().collect();
        if comm == "ssh" && fields.get(1) == Some(&me.as_str()) {
            let pid = head.split_whitespace().next().unwrap().parse().unwrap();
            found.push((pid, fields[0].chars().next().unwrap()));
        }
    }
    found
}

/// This process's sockets and pipes (what a connection or an `ssh` child holds), by inode.
/// Tokio runtimes of other tests come and go meanwhile: they hold epoll and eventfd
/// descriptors, and, when tokio's `process`/`signal` features are on in the build (the
/// workspace's benches turn them on), a duplicate of one process-wide signal socket, which is
/// the same inode again. A new connection is a new inode.
fn sockets_and_pipes() -> std::collections::BTreeSet<String> {
    std::fs::read_dir("/proc/self/fd")
        .unwrap()
        .flatten()
        .filter_map(|entry| {
            let target = std::fs::read_link(entry.path()).ok()?.display().to_string();
            (target.starts_with("socket:") || target.starts_with("pipe:")).then_some(target)
        })
        .collect()
}

/// Asserts that what `before` counted is back: no `ssh` child (not even a zombie) and no
/// socket or pipe that was not open before. A dropped connection is closed at once, but give
/// the runtime a moment.
async fn assert_nothing_left(before: std::collections::BTreeSet<String>) {
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let children = ssh_children();
        let new: Vec<String> = sockets_and_pipes().difference(&before).cloned().collect();
        if children.is_empty() && new.is_empty() {
            return;
        }
        if Instant::now() > deadline {
            panic!("left behind: ssh children {children:?}, descriptors {new:?}");
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Pulls, lists, inspects and removes `reference` through `client`; `check` sees the daemon
/// directly, to show the operations reached it.
async fn round_trip(client: &Client, check: &Client, reference: &str) {
    let images = client.images();
    let force = RemoveOptions::new().force(true);
    let _ = check.images().remove(reference, &force).await;
    let summary = images.pull(reference, &PullOptions::new()).finish().await.unwrap();
    assert!(summary.digest.is_some(), "{summary:?}");
    let listed = images.list(&ListOptions::new()).await.unwrap();
    let id = check.images().inspect(reference).await.unwrap().id;
    assert!(
        listed
            .iter()
            .any(|i| i.id == id && i.repo_tags.contains(&reference.to_string())),
        "{reference} ({id}) not in {listed:?}"
    );
    assert_eq!(images.inspect(reference).await.unwrap().id, id);
    let removed = images.remove(reference, &RemoveOptions::new()).await.unwrap();
    assert!(!removed.is_empty());
    assert!(matches!(
        check.images().inspect(reference).await,
        Err(Error::NotFound(_))
    ));
}

// ---------------------------------------------------------------------------------------------
// TLS

#[tokio::test]
async fn pull_list_inspect_and_remove_over_tls() {
    let _turn = serial().await;
    let client = tls_client(&tls_host(), good_tls());
    assert_eq!(client.endpoint().kind(), EndpointKind::Tls);
    assert_eq!(client.host(), tls_host());
    assert_eq!(client.endpoint().context_name(), "default");
    let ping = client.ping().await.unwrap();
    assert!(ping.server.unwrap_or_default().starts_with("Docker/"));
    round_trip(&client, &tls_daemon_over_unix(), &engine::image("t/p20:1.0")).await;
}

#[tokio::test]
async fn the_tls_environment_is_read_as_the_docker_cli_reads_it() {
    let _turn = serial().await;
    let (host, certs) = (tls_host(), certs());
    // DOCKER_TLS_VERIFY set to anything (even 0) verifies with DOCKER_CERT_PATH's files.
    let env = |name: &str| match name {
        "DOCKER_HOST" => Some(host.clone().into()),
        "DOCKER_TLS_VERIFY" => Some("0".into()),
        "DOCKER_CERT_PATH" => Some(certs.clone().into_os_string()),
        _ => None,
    };
    let endpoint = ConnectOptions::default().resolve_with(&env).unwrap();
    assert_eq!(endpoint.kind(), EndpointKind::Tls);
    assert!(endpoint.tls().unwrap().verifies());
    let client = Client::builder().endpoint(endpoint).build().unwrap();
    client.images().list(&ListOptions::new()).await.unwrap();

    // The flags, as the CLI's --tlsverify --tlscacert --tlscert --tlskey.
    let mut flags = ConnectOptions::default();
    flags.host = Some(tls_host());
    flags.tls_verify = Some(true);
    flags.tls_ca_cert = Some(certs.join("ca.pem"));
    flags.tls_cert = Some(certs.join("cert.pem"));
    flags.tls_key = Some(certs.join("key.pem"));
    let blocking = Client::builder().connect_options(flags).build_blocking().unwrap();
    assert_eq!(blocking.endpoint().kind(), EndpointKind::Tls);
    blocking.images().list(&ListOptions::new()).unwrap();
}

/// The reason of an [`Error::Tls`], checking that the call failed as one, in time.
async fn tls_failure(client: &Client) -> String {
    let started = Instant::now();
    let err = client.images().list(&ListOptions::new()).await.unwrap_err();
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "took {:?}",
        started.elapsed()
    );
    match err {
        Error::Tls { address, reason } => {
            assert_eq!(address, client.host());
            reason
        }
        other => panic!("expected a TLS error, got {other:?}: {other}"),
    }
}

#[tokio::test]
async fn each_tls_failure_says_what_failed() {
    let _turn = serial().await;
    let before = sockets_and_pipes();
    let dir = certs();
    let wrong_ca = PathBuf::from(var("DIMG_TEST_TLS_WRONG_CA"));

    let unknown_ca = tls_client(
        &tls_host(),
        TlsConfig::new()
            .ca_cert(wrong_ca.join("ca.pem"))
            .client_cert(wrong_ca.join("cert.pem"), wrong_ca.join("key.pem")),
    );
    let reason = tls_failure(&unknown_ca).await;
    assert!(reason.contains("unknown authority"), "{reason}");

    // The daemon's certificate is for IP 127.0.0.1 only.
    let localhost = tls_host().replace("127.0.0.1", "localhost");
    let reason = tls_failure(&tls_client(&localhost, good_tls())).await;
    assert!(reason.contains("not valid for the name \"localhost\""), "{reason}");

    let no_client_cert = tls_client(&tls_host(), TlsConfig::new().ca_cert(dir.join("ca.pem")));
    let reason = tls_failure(&no_client_cert).await;
    assert!(reason.contains("requires a client certificate"), "{reason}");

    // A certificate that does not belong to the key is refused before anything is sent.
    let mismatch = Client::builder()
        .host(&tls_host())
        .tls(
            TlsConfig::new()
                .ca_cert(dir.join("ca.pem"))
                .client_cert(wrong_ca.join("ca.pem"), wrong_ca.join("key.pem")),
        )
        .build()
        .unwrap_err();
    assert!(
        matches!(&mismatch, Error::Tls { reason, .. } if reason.contains("do not fit")),
        "{mismatch:?}"
    );

    // Plain HTTP to the TLS port: the daemon's 400 is told as the TLS problem it is.
    let plain = Client::builder().host(&tls_host()).build().unwrap();
    let reason = tls_failure(&plain).await;
    assert!(reason.contains("expects TLS on this port"), "{reason}");

    // TLS to the plain TCP port of the first daemon: never a fallback to plain HTTP.
    let reason = tls_failure(&tls_client(&var("DIMG_TEST_TCP_HOST"), good_tls())).await;
    assert!(reason.contains("does not speak TLS on this port"), "{reason}");

    // Files that cannot be used fail when the client is built, naming the file.
    let missing = Client::builder()
        .host(&tls_host())
        .tls(TlsConfig::new().ca_cert("/nonexistent/ca.pem"))
        .build()
        .unwrap_err();
    assert!(
        matches!(&missing, Error::Tls { reason, .. } if reason.contains("/nonexistent/ca.pem")),
        "{missing:?}"
    );
    let not_pem = Client::builder()
        .host(&tls_host())
        .tls(TlsConfig::new().ca_cert("/etc/hostname"))
        .build()
        .unwrap_err();
    assert!(matches!(&not_pem, Error::Tls { .. }), "{not_pem:?}");
    // TLS settings only mean something for tcp://.
    let unix = Client::builder()
        .host("unix:///x.sock")
        .tls(good_tls())
        .build()
        .unwrap_err();
    assert!(matches!(unix, Error::InvalidArgument(_)), "{unix:?}");

    drop((unknown_ca, no_client_cert, plain));
    assert_nothing_left(before).await;
}

#[tokio::test]
async fn verification_off_still_sends_the_client_certificate() {
    let _turn = serial().await;
    // DOCKER_TLS=1 without DOCKER_TLS_VERIFY: any server certificate (here: for another
    // name), but the daemon still gets the client's.
    let localhost = tls_host().replace("127.0.0.1", "localhost");
    let client = tls_client(&localhost, good_tls().verify(false));
    client.images().list(&ListOptions::new()).await.unwrap();
}

/// The TLS daemon goes away while a client is busy listing, and comes back.
#[tokio::test]
async fn the_tls_daemon_stopped_mid_list_is_a_typed_error_and_the_client_recovers() {
    let _turn = serial().await;
    let client = tls_client(&tls_host(), good_tls());
    client.images().list(&ListOptions::new()).await.unwrap();
    let busy = {
        let client = client.clone();
        tokio::spawn(async move {
            let started = Instant::now();
            loop {
                let attempt = Instant::now();
                match client.images().list(&ListOptions::new().all(true)).await {
                    Ok(_) if started.elapsed() < Duration::from_secs(30) => continue,
                    Ok(_) => panic!("the daemon never went away"),
                    Err(e) => return (e, attempt.elapsed()),
                }
            }
        })
    };
    tokio::time::sleep(Duration::from_millis(200)).await;
    let engine_sh = concat!(env!("CARGO_MANIFEST_DIR"), "/../scripts/engine.sh");
    let stop = Command::new(engine_sh).arg("stop-tls-dockerd").output().unwrap();
    let (err, took) = busy.await.unwrap();
    let restart = Command::new(engine_sh).arg("restart-tls-dockerd").output().unwrap();
    assert!(stop.status.success(), "{}", String::from_utf8_lossy(&stop.stderr));
    assert!(restart.status.success(), "{}", String::from_utf8_lossy(&restart.stderr));
    assert!(
        matches!(err, Error::Connect { .. } | Error::Protocol { .. } | Error::Tls { .. }),
        "{err:?}"
    );
    assert!(took < Duration::from_secs(20), "the failed call took {took:?}");
    // The pool dropped the dead connections: the same client works again.
    client.images().list(&ListOptions::new()).await.unwrap();
}

// ---------------------------------------------------------------------------------------------
// ssh

#[tokio::test]
async fn pull_list_inspect_and_remove_over_ssh_with_one_ssh_process() {
    let _turn = serial().await;
    let before = sockets_and_pipes();
    let client = ssh_client(&var("DIMG_TEST_SSH_HOST"));
    assert_eq!(client.endpoint().kind(), EndpointKind::Ssh);
    assert_eq!(client.host(), var("DIMG_TEST_SSH_HOST"));
    round_trip(&client, &engine::docker(), &engine::image("t/p21:1.0")).await;
    // A warm client reuses its connection: one ssh process, however many calls.
    for _ in 0..20 {
        client.ping().await.unwrap();
        client.images().list(&ListOptions::new()).await.unwrap();
    }
    let children = ssh_children();
    assert_eq!(children.len(), 1, "{children:?}");
    drop(client);
    assert_nothing_left(before).await;
}

#[tokio::test]
async fn concurrent_calls_over_ssh_open_one_process_each_and_close_them_all() {
    let _turn = serial().await;
    let before = sockets_and_pipes();
    let client = ssh_client(&var("DIMG_TEST_SSH_HOST"));
    let calls: Vec<_> = (0..4)
        .map(|_| {
            let client = client.clone();
            tokio::spawn(async move { client.images().list(&ListOptions::new().all(true)).await })
        })
        .collect();
    for call in calls {
        call.await.unwrap().unwrap();
    }
    let children = ssh_children();
    assert!((1..=4).contains(&children.len()), "{children:?}");
    drop(client);
    assert_nothing_left(before).await;
}

#[test]
fn the_blocking_client_speaks_ssh_and_tls_too() {
    let _turn = SERIAL.blocking_lock();
    let ssh = Client::builder()
        .host(&var("DIMG_TEST_SSH_HOST"))
        .build_blocking()
        .unwrap();
    let reference = engine::image("t/p22:1.0");
    ssh.images().pull(&reference, &PullOptions::new()).finish().unwrap();
    assert!(
        ssh.images()
            .list(&ListOptions::new())
            .unwrap()
            .iter()
            .any(|i| i.repo_tags.contains(&reference))
    );
    ssh.images().remove(&reference, &RemoveOptions::new()).unwrap();
    drop(ssh);

    let tls = Client::builder()
        .host(&tls_host())
        .tls(good_tls())
        .build_blocking()
        .unwrap();
    tls.images().pull(&reference, &PullOptions::new()).finish().unwrap();
    tls.images().remove(&reference, &RemoveOptions::new()).unwrap();
    assert!(matches!(tls.images().inspect(&reference), Err(Error::NotFound(_))));
    let deadline = Instant::now() + Duration::from_secs(5);
    while !ssh_children().is_empty() {
        assert!(Instant::now() < deadline, "{:?}", ssh_children());
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// The [`Error::Ssh`] a call to `host` fails with, in time.
async fn ssh_failure(host: &str) -> (Option<i32>, String, String) {
    let client = ssh_client(host);
    let started = Instant::now();
    let err = client.images().list(&ListOptions::new()).await.unwrap_err();
    assert!(
        started.elapsed() < Duration::from_secs(15),
        "took {:?}",
        started.elapsed()
    );
    match err {
        Error::Ssh {
            address,
            message,
            status,
            stderr,
        } => {
            assert_eq!(address, host);
            assert!(message.contains("docker system dial-stdio"), "{message}");
            (status, stderr, message)
        }
        other => panic!("expected an ssh error, got {other:?}: {other}"),
    }
}

#[tokio::test]
async fn each_ssh_failure_carries_ssh_s_exit_status_and_first_lines() {
    let _turn = serial().await;
    let before = sockets_and_pipes();

    let (status, stderr, message) = ssh_failure(&var("DIMG_TEST_SSH_HOST_UNKNOWN_KEY")).await;
    assert_eq!(status, Some(255));
    assert!(stderr.contains("Host key verification failed."), "{stderr}");
    assert!(message.contains("has exited with exit status 255"), "{message}");

    let (status, stderr, _) = ssh_failure(&var("DIMG_TEST_SSH_HOST_BAD_KEY")).await;
    assert_eq!(status, Some(255));
    assert!(stderr.contains("Permission denied (publickey)"), "{stderr}");

    let (status, stderr, _) = ssh_failure(&var("DIMG_TEST_SSH_HOST_NO_DOCKER")).await;
    assert_eq!(status, Some(127));
    assert!(stderr.contains("docker: command not found"), "{stderr}");

    let (status, stderr, _) = ssh_failure(&var("DIMG_TEST_SSH_UNREACHABLE")).await;
    assert_eq!(status, Some(255));
    assert!(stderr.contains("Connection refused"), "{stderr}");

    assert_nothing_left(before).await;
}

#[tokio::test]
async fn an_ssh_peer_that_never_answers_times_out_and_its_process_is_killed() {
    let _turn = serial().await;
    let before = sockets_and_pipes();
    // Accepts the TCP connection and then says nothing: ssh waits for the banner forever.
    let silent = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = silent.local_addr().unwrap().port();
    let client = Client::builder()
        .host(&format!("ssh://root@127.0.0.1:{port}"))
        .timeout(Duration::from_secs(2))
        .build()
        .unwrap();
    let started = Instant::now();
    let err = client.images().list(&ListOptions::new()).await.unwrap_err();
    let took = started.elapsed();
    assert!(matches!(err, Error::Timeout(_)), "{err:?}");
    assert!(took < Duration::from_secs(6), "took {took:?}");
    drop(client);
    drop(silent);
    assert_nothing_left(before).await;
}

#[tokio::test]
async fn an_ssh_process_killed_mid_pull_ends_the_stream_with_an_ssh_error() {
    let _turn = serial().await;
    let reference = engine::image("big:1.0");
    let check = engine::docker();
    engine::cleanup(&check, &reference).await;
    // After `check` opened its (kept-alive) connection.
    let before = sockets_and_pipes();
    let client = ssh_client(&var("DIMG_TEST_SSH_HOST"));
    let mut pull = client.images().pull(&reference, &PullOptions::new());
    pull.next_event().await.expect("a first event").unwrap();
    let children = ssh_children();
    assert_eq!(children.len(), 1, "{children:?}");
    // SAFETY: kill(2) on our own child's pid.
    assert_eq!(unsafe { libc::kill(children[0].0, libc::SIGKILL) }, 0);
    let started = Instant::now();
    let err = loop {
        match pull.next_event().await {
            Some(Ok(_)) => continue,
            None => panic!("the pull ended without an error although its ssh was killed"),
            Some(Err(e)) => break e,
        }
    };
    assert!(started.elapsed() < Duration::from_secs(10), "{:?}", started.elapsed());
    match &err {
        Error::Ssh { message, status, .. } => {
            assert_eq!(*status, None, "{message}");
            assert!(message.contains("signal: killed"), "{message}");
        }
        other => panic!("expected an ssh error, got {other:?}"),
    }
    drop(pull);
    drop(client);
    assert_nothing_left(before).await;
    // The daemon may finish the pull on its own; leave nothing for other tests.
    tokio::time::sleep(Duration::from_millis(500)).await;
    engine::cleanup(&check, &reference).await;
}

// ---------------------------------------------------------------------------------------------
// Contexts made by the docker CLI

/// Every file under `dir` with its content, to show that reading changed nothing.
fn snapshot(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut files = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap().flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else {
                files.push((path.clone(), std::fs::read(&path).unwrap()));
            }
        }
    }
    files.sort();
    files
}

#[tokio::test]
async fn contexts_created_by_the_docker_cli_select_tls_ssh_and_unix_daemons() {
    let _turn = serial().await;
    let config = TempDir::new("contexts");
    let certs = certs();
    let tls_docker = format!(
        "host={},ca={},cert={},key={}",
        tls_host(),
        certs.join("ca.pem").display(),
        certs.join("cert.pem").display(),
        certs.join("key.pem").display()
    );
    docker_ok(&config.0, &["context", "create", "secure", "--docker", &tls_docker]);
    let ssh_docker = format!("host={}", var("DIMG_TEST_SSH_HOST"));
    docker_ok(&config.0, &["context", "create", "remote", "--docker", &ssh_docker]);
    let unix_docker = format!("host={}", engine::docker_host());
    docker_ok(&config.0, &["context", "create", "local", "--docker", &unix_docker]);
    // skip-tls-verify: the CLI stores SkipTLSVerify and no CA; a name the server's
    // certificate does not cover is then fine.
    let insecure_docker = format!(
        "host={},skip-tls-verify=true,cert={},key={}",
        tls_host().replace("127.0.0.1", "localhost"),
        certs.join("cert.pem").display(),
        certs.join("key.pem").display()
    );
    docker_ok(
        &config.0,
        &["context", "create", "insecure", "--docker", &insecure_docker],
    );
    // `docker context use` writes currentContext.
    docker_ok(&config.0, &["context", "use", "remote"]);
    let store = snapshot(&config.0);

    for (name, kind) in [
        ("secure", EndpointKind::Tls),
        ("remote", EndpointKind::Ssh),
        ("local", EndpointKind::Unix),
        ("insecure", EndpointKind::Tls),
    ] {
        let client = Client::builder().config_dir(&config.0).context(name).build().unwrap();
        assert_eq!(client.endpoint().kind(), kind, "{name}");
        assert_eq!(client.endpoint().context_name(), name);
        let listed = client.images().list(&ListOptions::new()).await;
        assert!(listed.is_ok(), "context {name}: {listed:?}");
    }
    assert!(
        !Client::builder()
            .config_dir(&config.0)
            .context("insecure")
            .build()
            .unwrap()
            .endpoint()
            .tls()
            .unwrap()
            .verifies()
    );

    // currentContext is used when nothing else is set; DOCKER_CONTEXT and DOCKER_HOST win
    // over it, and an explicit context over DOCKER_HOST.
    let mut options = ConnectOptions::default();
    options.config_dir = Some(config.0.clone());
    let unix_host = engine::docker_host();
    let env = |docker_host: Option<&str>, docker_context: Option<&str>| {
        let (docker_host, docker_context) = (docker_host.map(String::from), docker_context.map(String::from));
        move |name: &str| match name {
            "DOCKER_HOST" => docker_host.clone().map(Into::into),
            "DOCKER_CONTEXT" => docker_context.clone().map(Into::into),
            _ => None,
        }
    };
    let current = options.resolve_with(&env(None, None)).unwrap();
    assert_eq!((current.kind(), current.context_name()), (EndpointKind::Ssh, "remote"));
    let from_var = options.resolve_with(&env(None, Some("secure"))).unwrap();
    assert_eq!(from_var.context_name(), "secure");
    let host_wins = options.resolve_with(&env(Some(&unix_host), Some("secure"))).unwrap();
    assert_eq!(
        (host_wins.kind(), host_wins.context_name()),
        (EndpointKind::Unix, "default")
    );
    // An empty DOCKER_HOST is unset.
    let empty = options.resolve_with(&env(Some(""), None)).unwrap();
    assert_eq!(empty.context_name(), "remote");
    options.context = Some("local".into());
    let flag_wins = options.resolve_with(&env(Some(&tls_host()), Some("secure"))).unwrap();
    assert_eq!(flag_wins.context_name(), "local");
    // `default` is the built-in context, whatever currentContext says.
    options.context = Some("default".into());
    let default = options.resolve_with(&env(None, None)).unwrap();
    assert_eq!(default.to_string(), "unix:///var/run/docker.sock");

    // The current context, through a real call.
    let client = Client::builder()
        .endpoint(current)
        .timeout(Duration::from_secs(20))
        .build()
        .unwrap();
    client.ping().await.unwrap();
    drop(client);

    // Nothing in the store was written by any of those reads.
    let after = snapshot(&config.0);
    assert!(
        after == store,
        "the store changed: {:?}",
        after.iter().map(|f| &f.0).collect::<Vec<_>>()
    );
}

#[tokio::test]
async fn a_missing_or_corrupt_context_is_the_docker_cli_s_error() {
    let _turn = serial().await;
    let config = TempDir::new("missing-context");
    let docker = docker_cli(&config.0, &["--context", "nosuch", "images"]);
    assert_eq!(docker.status.code(), Some(1));
    let docker_says = String::from_utf8_lossy(&docker.stderr);
    let err = Client::builder()
        .config_dir(&config.0)
        .context("nosuch")
        .build()
        .unwrap_err();
    let Error::InvalidArgument(message) = &err else {
        panic!("{err:?}")
    };
    assert_eq!(docker_says.trim(), format!("Failed to initialize: {message}"));

    // A corrupt meta.json names the context and the file; the JSON wording is serde's.
    docker_ok(
        &config.0,
        &["context", "create", "broken", "--docker", "host=tcp://127.0.0.1:1"],
    );
    let meta = std::fs::read_dir(config.0.join("contexts/meta"))
        .unwrap()
        .flatten()
        .next()
        .unwrap()
        .path()
        .join("meta.json");
    std::fs::write(&meta, "{bad").unwrap();
    let err = Client::builder()
        .config_dir(&config.0)
        .context("broken")
        .build()
        .unwrap_err();
    let text = err.to_string();
    assert!(matches!(err, Error::InvalidArgument(_)), "{err:?}");
    assert!(
        text.contains("context \"broken\": parsing ") && text.contains(&*meta.to_string_lossy()),
        "{text}"
    );
    let docker = docker_cli(&config.0, &["--context", "broken", "images"]);
    assert_eq!(docker.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&docker.stderr).contains("context \"broken\": parsing "));

    // A context together with a host.
    let err = Client::builder()
        .host("tcp://127.0.0.1:1")
        .context("broken")
        .build()
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "conflicting options: cannot specify both --host and --context"
    );
}

#[tokio::test]
async fn a_tls_peer_that_never_answers_the_handshake_times_out() {
    let _turn = serial().await;
    let before = sockets_and_pipes();
    // Accepts the TCP connection, then sends nothing: the handshake waits for its ServerHello.
    let silent = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let client = Client::builder()
        .host(&format!("tcp://{}", silent.local_addr().unwrap()))
        .tls(good_tls())
        .connect_timeout(Duration::from_secs(1))
        .build()
        .unwrap();
    let started = Instant::now();
    let err = client.ping().await.unwrap_err();
    let took = started.elapsed();
    assert!(took < Duration::from_secs(4), "took {took:?}");
    assert!(matches!(err, Error::Connect { .. } | Error::Timeout(_)), "{err:?}");
    assert!(err.to_string().contains("127.0.0.1"), "{err}");
    drop(client);
    drop(silent);
    assert_nothing_left(before).await;
}
