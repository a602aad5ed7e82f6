//! dimg's own `pull` extensions, against the private engine (`eval "$(scripts/engine.sh env)"`):
//! several names at once (`dimg pull A B ...`, which docker refuses) and `--retry N` (through
//! the engine's fault proxy, `scripts/fault_proxy.py`). docker has neither, so nothing here is
//! compared with it; `pull` of one name is (tests/golden). Uses only the seeded `many-cli/m1..m8`
//! images (their digests from `$DIMG_TEST_SEED`); the tests run one at a time, as the images
//! share one base layer.

#[path = "golden/support.rs"]
#[allow(dead_code)]
mod support;

use std::process::Command;
use std::sync::Mutex;

/// The tests share images (and their base layer): one at a time.
static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());

fn var(name: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| panic!("{name} is not set: load the engine's env file"))
}

/// `many-cli/mN:1.0` on the test registry (or on `host`, the fault proxy in front of it).
fn image(host: &str, n: u32) -> String {
    format!("{host}/many-cli/m{n}:1.0")
}

fn registry_image(n: u32) -> String {
    image(&var("DIMG_TEST_REGISTRY"), n)
}

/// The manifest digest of `many-cli/mN` in the seed.
fn digest(n: u32) -> String {
    let seed: serde_json::Value = serde_json::from_slice(&std::fs::read(var("DIMG_TEST_SEED")).unwrap()).unwrap();
    let name = format!("many-cli/m{n}");
    seed.as_array()
        .unwrap()
        .iter()
        .find(|i| i["name"] == name.as_str())
        .and_then(|i| i["manifest_digest"].as_str())
        .unwrap_or_else(|| panic!("{name} is not in the seed"))
        .to_string()
}

/// `dimg -H ENGINE ARGS`: exit code, stdout, stderr.
fn dimg(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_dimg"))
        .arg("-H")
        .arg(var("DIMG_TEST_DOCKER_HOST"))
        .args(args)
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn remove(references: &[String]) {
    for reference in references {
        dimg(&["rmi", "-f", reference]);
    }
}

fn present(reference: &str) -> bool {
    !dimg(&["images", "-q", reference]).1.trim().is_empty()
}

/// The line `dimg pull A B ...` prints for an image it pulled.
fn pulled_line(reference: &str, digest: &str) -> String {
    format!("{reference}: Digest: {digest} Status: Downloaded newer image")
}

/// The total line once every pull ended: `Total: IMAGES, LAYERS, ` and then bytes (all done of
/// all known: the daemon may say a small layer's size or not) and time.
fn assert_total(line: &str, images_and_layers: &str) {
    let rest = line
        .strip_prefix(&format!("Total: {images_and_layers}, "))
        .unwrap_or_else(|| panic!("{line:?} is not `Total: {images_and_layers}, ...`"));
    let (bytes, time) = rest.split_once(" in ").unwrap();
    let (done, total) = bytes.split_once('/').unwrap();
    assert_eq!(done, total, "{line}");
    assert!(done.ends_with("kB") || done == "0B", "{line}");
    assert!(time.ends_with("/s)") && time.contains("s ("), "{line}");
}

#[test]
fn several_names_print_a_line_per_image_and_a_total_and_fail_with_one_missing() {
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let images: Vec<String> = (1..=3).map(registry_image).collect();
    let missing = format!("{}/many-cli/nope:1.0", var("DIMG_TEST_REGISTRY"));
    remove(&images);

    let (code, stdout, stderr) = dimg(&["pull", &images[0], &images[1], &missing, &images[2]]);
    assert_eq!(code, 1, "{stdout}{stderr}");
    // Lines come as pulls end, in any order; the total is last.
    let mut lines: Vec<&str> = stdout.lines().collect();
    let total = lines.pop().unwrap();
    lines.sort_unstable();
    let expected: Vec<String> = (1..=3)
        .map(|n| pulled_line(&images[n - 1], &digest(n as u32)))
        .collect();
    assert_eq!(lines, expected, "{stdout}");
    // 4 layers: the shared base and each image's own.
    assert_total(total, "3/4 images (1 failed), 4/4 layers");
    assert_eq!(
        stderr,
        format!(
            "{missing}: Error response from daemon: manifest for {missing} not found: manifest unknown: manifest unknown\n"
        )
    );
    assert!(images.iter().all(|i| present(i)));

    // Again: up to date; -q prints the references in the order given; --policy skips.
    let (code, stdout, stderr) = dimg(&["pull", "--concurrency", "1", &images[2], &images[0]]);
    assert_eq!((code, stderr.as_str()), (0, ""));
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(
        lines[..2],
        [
            format!("{}: Digest: {} Status: Image is up to date", images[2], digest(3)),
            format!("{}: Digest: {} Status: Image is up to date", images[0], digest(1)),
        ]
    );
    // Up to date: the daemon names no layers.
    assert_total(lines[2], "2/2 images, 0/0 layers");
    let (code, stdout, _) = dimg(&["pull", "-q", &images[1], &images[0], &images[2]]);
    assert_eq!(
        (code, stdout),
        (0, format!("{}\n{}\n{}\n", images[1], images[0], images[2]))
    );
    let (code, stdout, stderr) = dimg(&["pull", "-q", &images[0], &missing]);
    assert_eq!((code, stdout), (1, format!("{}\n", images[0])));
    assert!(stderr.starts_with(&format!("{missing}: Error response from daemon: manifest for")));
    let (code, stdout, _) = dimg(&["pull", "--policy", "missing", &images[0], &images[1]]);
    assert_eq!(code, 0);
    for n in 1..=2 {
        let skipped = format!(
            "{}: Digest: {} Status: Image is present locally, not pulled (--policy missing)\n",
            images[n - 1],
            digest(n as u32)
        );
        assert!(stdout.contains(&skipped), "{stdout}");
    }
    remove(&images);
}

#[test]
fn a_bad_reference_among_several_is_refused_before_anything_is_pulled() {
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let good = registry_image(4);
    remove(std::slice::from_ref(&good));
    // docker's message and exit status for the bad name.
    for (bad, message) in [
        (
            "Tiny",
            "invalid reference format: repository name (library/Tiny) must be lowercase\n",
        ),
        ("a b", "invalid reference format\n"),
    ] {
        assert_eq!(
            dimg(&["pull", &good, bad]),
            (1, String::new(), message.to_string()),
            "{bad}"
        );
    }
    assert_eq!(
        dimg(&["pull", "-a", &good, &good]),
        (
            1,
            String::new(),
            "--all-tags/-a can't be used with several names\n".to_string()
        )
    );
    assert_eq!(
        dimg(&["pull", "--platform", "linux//x", &good, &good]).0,
        1,
        "a bad platform refuses them all"
    );
    let (code, stdout, stderr) = dimg(&["pull", "--concurrency", "0", &good, &good]);
    assert_eq!((code, stdout.as_str()), (125, ""));
    assert!(stderr.starts_with("invalid argument \"0\" for \"--concurrency\" flag: must be at least 1\n"));
    assert!(!present(&good), "something was pulled");
    // The help tells of several names.
    let (_, help, _) = dimg(&["pull", "--help"]);
    assert!(help.contains("with several NAMEs, pulls them at once") && help.contains("--concurrency uint"));
}

#[test]
fn on_a_terminal_several_pulls_are_drawn_live_and_end_with_a_line_each() {
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let images: Vec<String> = (5..=6).map(registry_image).collect();
    remove(&images);
    let Some(raw) = support::in_terminal(
        env!("CARGO_BIN_EXE_dimg"),
        &["pull", "--concurrency", "1", &images[0], &images[1]],
        120,
    ) else {
        eprintln!("SKIP: `script` is not available");
        return;
    };
    // Drawn in place, a block per image with docker's layer lines while it ran.
    assert!(raw.contains("\x1b[2K") && raw.contains("A\r"), "{raw:?}");
    assert!(raw.contains(&format!("{}: Waiting", images[1])), "{raw:?}");
    assert!(raw.contains("  41580d73fbf7: "), "{raw:?}");
    let screen = support::screen(&raw.replace("\r\n", "\n"));
    assert_eq!(screen.len(), 3, "{screen:#?}");
    assert_eq!(
        screen[..2],
        [pulled_line(&images[0], &digest(5)), pulled_line(&images[1], &digest(6))]
    );
    assert_total(&screen[2], "2/2 images, 3/3 layers");
    remove(&images);
}

/// `curl` against the fault proxy's control endpoints (as core/tests/registry_faults.rs).
fn control(method: &str, path: &str, body: &str) {
    let output = Command::new("curl")
        .args(["-sf", "-X", method, "--data-binary", body])
        .arg(format!("http://{}{path}", var("DIMG_TEST_FAULT_PROXY")))
        .output()
        .expect("run curl");
    assert!(output.status.success(), "{method} {path}: {output:?}");
}

/// Runs `dimg ARGS` while the registry answers `many-cli/mN`'s manifest with a 503 once (the
/// daemon asks twice per attempt: HEAD, then GET), removing only that rule afterwards.
fn with_a_503_once(n: u32, args: &[&str]) -> (i32, String, String) {
    let manifests = format!("/many-cli/m{n}/manifests");
    let rule = serde_json::json!([{"path": manifests, "action": "503", "times": 2}]);
    control("POST", "/__faults", &rule.to_string());
    let result = dimg(args);
    control(
        "DELETE",
        "/__faults",
        &serde_json::json!({ "path": manifests }).to_string(),
    );
    result
}

#[test]
fn retry_says_each_retry_and_gets_past_a_503() {
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let proxy = var("DIMG_TEST_FAULT_PROXY");
    let (m7, m8) = (image(&proxy, 7), image(&proxy, 8));
    let unavailable = "received unexpected HTTP status: 503 Service Unavailable";
    remove(&[m7.clone(), m8.clone()]);

    // Without --retry: docker's failure.
    let (code, stdout, stderr) = with_a_503_once(7, &["pull", &m7]);
    assert_eq!(
        (code, stdout.as_str(), stderr),
        (1, "", format!("Error response from daemon: {unavailable}\n"))
    );

    // One name: the retry on stderr, then the pull as docker prints it.
    let (code, stdout, stderr) = with_a_503_once(7, &["pull", "--retry", "3", &m7]);
    assert_eq!(code, 0, "{stdout}{stderr}");
    let retry = stderr
        .strip_prefix("Attempt 2 of 3 in ")
        .unwrap_or_else(|| panic!("{stderr:?}"));
    assert!(retry.ends_with(&format!("s after: {unavailable}\n")), "{stderr:?}");
    assert!(
        stdout.ends_with(&format!(
            "Digest: {}\nStatus: Downloaded newer image for {m7}\n{m7}\n",
            digest(7)
        )),
        "{stdout}"
    );

    // Several names: the retry on stderr, after the image's reference.
    let (code, stdout, stderr) = with_a_503_once(8, &["pull", "--retry", "2", &m7, &m8]);
    assert_eq!(code, 0, "{stdout}{stderr}");
    let retry = stderr
        .strip_prefix(&format!("{m8}: Attempt 2 of 2 in "))
        .unwrap_or_else(|| panic!("{stderr:?}"));
    assert!(retry.ends_with(&format!("s after: {unavailable}\n")), "{stderr:?}");
    assert!(stdout.contains(&pulled_line(&m8, &digest(8))), "{stdout}");
    remove(&[m7, m8]);
}
