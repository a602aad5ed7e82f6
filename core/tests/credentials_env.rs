//! `DOCKER_CONFIG` and credential helpers, as the docker CLI uses them. One test in its own
//! process, because it sets environment variables (DOCKER_CONFIG, PATH).

mod support;

use dimg::{Error, PullOptions, RemoveOptions};
use support::engine::{auth_registry, auth_user, docker};

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
    });
    std::fs::remove_dir_all(&dir).unwrap();
}
