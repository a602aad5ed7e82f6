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
