//! `DOCKER_CONFIG` and credential helpers, as the docker CLI uses them, against the
//! password-protected registry: a helper that answers, one that fails and one that never
//! answers. One test in its own process, because it sets environment variables (DOCKER_CONFIG,
//! PATH).

mod support;

use std::time::{Duration, Instant};

use dimg::{Error, PullOptions, RemoveOptions};
use support::engine::{auth_registry, auth_user, docker, docker_host};

#[test]
fn docker_config_and_a_credential_helper_script_are_used() {
    let (user, password) = auth_user();
    let dir = std::env::temp_dir().join(format!("dimg-credhelper-{}", std::process::id()));
    let bin = dir.join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    let log = dir.join("helper.log");
    // A credential helper: `get` reads the registry key on stdin and answers JSON.
    let helper = bin.join("docker-credential-dimgtest");
    std::fs::write(
        &helper,
        format!(
            "#!/bin/sh\nread key\necho \"$1 $key\" >> {log}\nif [ \"$key\" = \"{reg}\" ]; then\n  printf '%s' '{{\"ServerURL\":\"{reg}\",\"Username\":\"{user}\",\"Secret\":\"{password}\"}}'\nelse\n  echo 'credentials not found in native keychain'; exit 1\nfi\n",
            log = log.display(),
            reg = auth_registry(),
        ),
    )
    .unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&helper, std::fs::Permissions::from_mode(0o755)).unwrap();
    std::fs::write(
        dir.join("config.json"),
        format!(r#"{{"credHelpers":{{"{}":"dimgtest"}}}}"#, auth_registry()),
    )
    .unwrap();
    // SAFETY: this test binary runs this one test; no other thread reads the environment yet.
    unsafe {
        std::env::set_var("DOCKER_CONFIG", &dir);
        std::env::set_var("PATH", format!("{}:{}", bin.display(), std::env::var("PATH").unwrap()));
    }

    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let docker = docker();
        let reference = format!("{}/t/p40:1.0", auth_registry());
        let _ = docker
            .images()
            .remove(&reference, &RemoveOptions::new().force(true))
            .await;
        docker
            .images()
            .pull(&reference, &PullOptions::new())
            .finish()
            .await
            .unwrap();
        let calls = std::fs::read_to_string(&log).unwrap();
        assert_eq!(calls.trim(), format!("get {}", auth_registry()));
        docker.images().remove(&reference, &RemoveOptions::new()).await.unwrap();

        // A helper that fails is an error that does not leak what it printed.
        std::fs::write(&helper, "#!/bin/sh\necho 'secret-ish output'; exit 3\n").unwrap();
        let err = docker
            .images()
            .pull(&reference, &PullOptions::new())
            .finish()
            .await
            .unwrap_err();
        assert!(matches!(err, Error::Credentials { .. }), "{err:?}");
        assert!(err.to_string().contains("docker-credential-dimgtest") && !err.chain().contains("secret-ish"));

        // A helper that never answers (it waits for a `sleep` it started) fails the pull at the
        // client's helper deadline, and neither it nor its `sleep` is left running.
        let pids = dir.join("pids");
        install_helper(
            &bin,
            "hang",
            &format!(
                "echo $$ >> {pids}\nsleep 1000 &\necho $! >> {pids}\nwait\n",
                pids = pids.display()
            ),
        );
        std::fs::write(
            dir.join("config.json"),
            format!(r#"{{"credHelpers":{{"{}":"hang"}}}}"#, auth_registry()),
        )
        .unwrap();
        let impatient = dimg::Client::builder()
            .host(&docker_host())
            .credential_helper_timeout(Duration::from_secs(2))
            .build()
            .unwrap();
        let started = Instant::now();
        let err = impatient
            .images()
            .pull(&reference, &PullOptions::new())
            .finish()
            .await
            .unwrap_err();
        let took = started.elapsed();
        assert!(matches!(err, Error::Credentials { .. }), "{err:?}");
        assert_eq!(
            err.to_string(),
            "credential helper docker-credential-hang did not answer within 2s"
        );
        assert!(took < Duration::from_secs(3), "{took:?}");
        let pids: Vec<u32> = std::fs::read_to_string(&pids)
            .unwrap()
            .split_whitespace()
            .map(|p| p.parse().unwrap())
            .collect();
        assert_eq!(pids.len(), 2, "the helper and its sleep ran");
        assert!(all_gone(&pids), "left running: {pids:?}");
        assert!(docker.images().inspect(&reference).await.unwrap_err().is_not_found());
    });
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Writes `bin/docker-credential-NAME` (a shell script) through `install`, so that this process
/// never holds it open for writing when it runs it ("text file busy").
fn install_helper(bin: &std::path::Path, name: &str, body: &str) {
    let source = bin.join(format!("{name}.sh"));
    std::fs::write(&source, format!("#!/bin/sh\n{body}")).unwrap();
    let status = std::process::Command::new("install")
        .args(["-m", "755"])
        .arg(&source)
        .arg(bin.join(format!("docker-credential-{name}")))
        .status()
        .unwrap();
    assert!(status.success());
}

/// Whether the processes are gone within a second: exited, and not a zombie of this process
/// (an orphan's zombie is init's to reap).
fn all_gone(pids: &[u32]) -> bool {
    let left = |pid: &u32| {
        let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
            return false;
        };
        // `pid (comm) state ppid ...`
        let fields: Vec<&str> = stat.rsplit_once(')').unwrap().1.split_whitespace().collect();
        fields[0] != "Z" || fields[1] == std::process::id().to_string()
    };
    let until = Instant::now() + Duration::from_secs(1);
    while pids.iter().any(left) {
        if Instant::now() > until {
            return false;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    true
}
