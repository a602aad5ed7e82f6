//! `dimg pull --policy`, dimg's own flag (docker has none, so the golden tests cannot compare
//! it): what it prints and its exit codes, against the private engine (`eval
//! "$(scripts/engine.sh env)"`; `DIMG_TEST_ENGINE=podman` with `DIMG_TEST_DOCKER_HOST` set to
//! the Podman socket runs it there). Uses `t/p23`, like core/tests/pull_policy.rs.

use std::process::Command;

fn env(name: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| panic!("{name} is not set: load the engine's env file"))
}

fn podman() -> bool {
    std::env::var("DIMG_TEST_ENGINE").as_deref() == Ok("podman")
}

/// `dimg -H ENGINE ARGS`: exit code, stdout, stderr.
fn dimg(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_dimg"))
        .arg("-H")
        .arg(env("DIMG_TEST_DOCKER_HOST"))
        .args(args)
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn pull_policies_print_like_a_pull_and_fail_like_docker() {
    let reference = format!("{}/t/p23:1.0", env("DIMG_TEST_REGISTRY"));
    dimg(&["rmi", "-f", &reference]);

    // Never, absent: the daemon's 404 wording, exit 1, nothing pulled.
    let (code, stdout, stderr) = dimg(&["pull", "--policy", "never", &reference]);
    assert_eq!(
        (code, stdout.as_str(), stderr.as_str()),
        (
            1,
            "",
            format!("Error response from daemon: No such image: {reference}\n").as_str()
        )
    );

    // Missing, absent: a pull, printed as `dimg pull` prints one.
    let (code, stdout, _) = dimg(&["pull", "--policy=missing", &reference]);
    assert_eq!(code, 0);
    assert!(stdout.ends_with(&format!("\n{reference}\n")), "{stdout}");
    if !podman() {
        assert!(
            stdout.contains(&format!("Status: Downloaded newer image for {reference}\n")),
            "{stdout}"
        );
    }

    // Present: skipped, in docker's manner; -q prints the reference only.
    let (code, stdout, stderr) = dimg(&["pull", "--policy", "missing", &reference]);
    assert_eq!((code, stderr.as_str()), (0, ""));
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 3, "{stdout}");
    assert!(lines[0].starts_with("Digest: sha256:"), "{stdout}");
    assert_eq!(
        lines[1..],
        [
            format!("Status: Image is present locally for {reference}, not pulled (--policy missing)"),
            reference.clone()
        ]
    );
    let (code, stdout, _) = dimg(&["pull", "-q", "--policy", "never", &reference]);
    assert_eq!((code, stdout), (0, format!("{reference}\n")));
    if podman() {
        let (code, _, stderr) = dimg(&["pull", "--policy", "newer", &reference]);
        assert_eq!(code, 1);
        assert!(stderr.contains("--policy=newer is not supported by Podman"), "{stderr}");
    } else {
        let (code, stdout, _) = dimg(&["pull", "--policy", "newer", &reference]);
        assert_eq!(code, 0);
        assert!(
            stdout.ends_with(&format!("Status: Image is up to date for {reference}\n{reference}\n")),
            "{stdout}"
        );
    }

    // Usage errors: a value the flag does not take (before any request), every tag.
    let (code, stdout, stderr) = dimg(&["pull", "--policy", "sometimes", &reference]);
    assert_eq!((code, stdout.as_str()), (125, ""));
    assert!(
        stderr.starts_with(
            "invalid argument \"sometimes\" for \"--policy\" flag: expected always, missing, never or newer\n"
        ),
        "{stderr}"
    );
    let repository = format!("{}/tiny", env("DIMG_TEST_REGISTRY"));
    let (code, _, stderr) = dimg(&["pull", "-a", "--policy", "missing", &repository]);
    assert_eq!(
        (code, stderr.as_str()),
        (1, "--policy=missing can't be used with --all-tags/-a\n")
    );
    dimg(&["rmi", "-f", &reference]);
}
