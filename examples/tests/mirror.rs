//! `dimg mirror add|remove|list` on a scratch daemon.json.

use std::process::Command;

fn dimg(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_dimg")).args(args).output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn mirror_add_list_remove_keep_the_other_keys() {
    let dir = std::env::temp_dir().join(format!("dimg-cli-mirror-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("daemon.json");
    std::fs::write(&path, "{\"debug\": true, \"data-root\": \"/srv/docker\"}").unwrap();
    let config = path.to_str().unwrap();

    let (code, stdout, _) = dimg(&["mirror", "add", "https://mirror.example.com", "--config", config]);
    assert_eq!(code, 0);
    assert!(stdout.contains("Added registry mirror") && stdout.contains("Restart the Docker daemon"));
    let (code, stdout, _) = dimg(&["mirror", "add", "https://MIRROR.example.com/", "--config", config]);
    assert_eq!((code, stdout.contains("nothing changed")), (0, true));
    assert_eq!(
        dimg(&["mirror", "list", "--config", config]).1,
        "https://mirror.example.com/\n"
    );
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.find("debug") < text.find("data-root") && text.contains("/srv/docker"));

    let (code, _, stderr) = dimg(&["mirror", "add", "mirror.example.com", "--config", config]);
    assert_eq!(code, 1);
    assert!(stderr.contains("invalid registry mirror"), "{stderr}");
    let (code, stdout, _) = dimg(&["mirror", "remove", "https://mirror.example.com", "--config", config]);
    assert_eq!((code, stdout.contains("Removed registry mirror")), (0, true));
    assert_eq!(dimg(&["mirror", "list", "--config", config]).1, "");

    std::fs::write(&path, "{not json").unwrap();
    let (code, _, stderr) = dimg(&["mirror", "add", "https://m.example.com", "--config", config]);
    assert_eq!(code, 1);
    assert!(stderr.contains("not touching it"), "{stderr}");
    assert_eq!(std::fs::read_to_string(&path).unwrap(), "{not json");
    std::fs::remove_dir_all(&dir).unwrap();
}

fn scratch(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("dimg-cli-mirror-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Ten `dimg mirror add` processes at once on one file: all ten mirrors land.
#[test]
fn concurrent_processes_lose_no_update() {
    let dir = scratch("race");
    let path = dir.join("daemon.json");
    std::fs::write(&path, "{\"debug\": true}\n").unwrap();
    let running: Vec<_> = (0..10)
        .map(|n| {
            Command::new(env!("CARGO_BIN_EXE_dimg"))
                .args(["mirror", "add", &format!("https://r{n}.example.com")])
                .args(["--config", path.to_str().unwrap()])
                .stdout(std::process::Stdio::null())
                .spawn()
                .unwrap()
        })
        .collect();
    for mut child in running {
        assert!(child.wait().unwrap().success());
    }
    let (_, listed, _) = dimg(&["mirror", "list", "--config", path.to_str().unwrap()]);
    let mut listed: Vec<&str> = listed.lines().collect();
    listed.sort();
    let mut expected: Vec<String> = (0..10).map(|n| format!("https://r{n}.example.com/")).collect();
    expected.sort();
    assert_eq!(listed, expected);
    assert!(std::fs::read_to_string(&path).unwrap().contains("\"debug\": true"));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_link_is_followed_and_kept() {
    let dir = scratch("link");
    std::fs::create_dir_all(dir.join("real")).unwrap();
    std::fs::write(dir.join("real/daemon.json"), "{}\n").unwrap();
    let link = dir.join("link.json");
    std::os::unix::fs::symlink("real/daemon.json", &link).unwrap();
    let (code, stdout, stderr) = dimg(&[
        "mirror",
        "add",
        "https://m.example.com",
        "--config",
        link.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stdout.contains(&format!("link.json (-> {})", dir.join("real/daemon.json").display())),
        "{stdout}"
    );
    assert!(std::fs::symlink_metadata(&link).unwrap().file_type().is_symlink());
    assert!(
        std::fs::read_to_string(dir.join("real/daemon.json"))
            .unwrap()
            .contains("https://m.example.com/")
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

/// What dockerd cannot use is refused before the file is touched; no secret and no megabyte
/// is echoed.
#[test]
fn bad_mirrors_are_refused_untouched_and_masked() {
    let dir = scratch("bad");
    let path = dir.join("daemon.json");
    std::fs::write(&path, "{\"debug\": true}\n").unwrap();
    let config = path.to_str().unwrap();
    // The longest single argument Linux passes is 128 KiB.
    let huge = format!("http://{}", "a".repeat(100_000));
    for bad in [
        "http://[::1",
        "http://:80",
        "http://[]",
        "http://-.",
        "http://x:99999",
        huge.as_str(),
    ] {
        let (code, stdout, stderr) = dimg(&["mirror", "add", bad, "--config", config]);
        assert_eq!((code, stdout.as_str()), (1, ""), "{bad:.40}");
        assert!(
            stderr.starts_with("invalid registry mirror"),
            "{bad:.40}: {stderr:.300}"
        );
        assert!(stderr.len() < 600, "{bad:.40}: {} bytes on stderr", stderr.len());
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "{\"debug\": true}\n");
    }
    let (code, _, stderr) = dimg(&[
        "mirror",
        "add",
        "https://alice:TopSecret@m.example.com",
        "--config",
        config,
    ]);
    assert_eq!(code, 1);
    assert!(
        !stderr.contains("TopSecret") && stderr.contains("alice:xxxxx@m.example.com"),
        "{stderr}"
    );
    assert!(
        stderr.contains("credentials are not allowed in a mirror URL"),
        "{stderr}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}
