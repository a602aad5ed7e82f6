//! Credentials against a real htpasswd-protected registry on loopback: explicit, from a
//! config file, missing and wrong. Images here are `t/p38`..`t/p40` of the protected registry.

mod support;

use dimg::{CredentialStore, Credentials, Error, PullOptions, RegistryAuth, RemoveOptions};
use support::engine::{auth_registry, auth_user, blocking_docker, docker};

async fn remove_quietly(docker: &dimg::Client, name: &str) {
    let _ = docker.images().remove(name, &RemoveOptions::new().force(true)).await;
}

#[tokio::test]
async fn good_credentials_pull_and_none_or_wrong_ones_are_an_authentication_error() {
    let docker = docker();
    let reference = format!("{}/t/p38:1.0", auth_registry());
    remove_quietly(&docker, &reference).await;
    let (user, password) = auth_user();

    let err = docker
        .images()
        .pull(&reference, &PullOptions::new().credentials(Credentials::Anonymous))
        .finish()
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Unauthorized { .. }), "no credentials: {err:?}");
    assert!(!err.is_not_found());

    let wrong = RegistryAuth::basic(&user, "not-the-password").server(auth_registry());
    let err = docker
        .images()
        .pull(&reference, &PullOptions::new().auth(wrong))
        .finish()
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Unauthorized { .. }), "wrong password: {err:?}");
    assert!(!err.chain().contains("not-the-password"));

    // The password has '?', '>' and '~': its standard base64 has '+' and '/', which the daemon
    // would silently ignore; base64url makes it through.
    let good = RegistryAuth::basic(&user, &password).server(auth_registry());
    assert!(!format!("{good:?}").contains(&password));
    let summary = docker
        .images()
        .pull(&reference, &PullOptions::new().auth(good))
        .finish()
        .await
        .unwrap();
    assert_eq!(summary.reference, reference);
    assert!(docker.images().inspect(&reference).await.is_ok());
    remove_quietly(&docker, &reference).await;
}

#[tokio::test]
async fn credentials_from_a_config_file_with_inline_auths() {
    let docker = docker();
    let reference = format!("{}/t/p39:1.0", auth_registry());
    remove_quietly(&docker, &reference).await;
    let (user, password) = auth_user();
    let dir = std::env::temp_dir().join(format!("dimg-config-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let config = dir.join("config.json");
    let encoded = dimg_test_base64(format!("{user}:{password}").as_bytes());
    std::fs::write(
        &config,
        format!(
            r#"{{"auths":{{"http://{}/v1/":{{"auth":"{encoded}"}}}}}}"#,
            auth_registry()
        ),
    )
    .unwrap();
    let auth = CredentialStore::from_file(&config)
        .unwrap()
        .lookup(&auth_registry())
        .unwrap()
        .unwrap();
    assert_eq!(auth.username, user);

    let opts = PullOptions::new().credentials(Credentials::FromConfigFile(config.clone()));
    docker.images().pull(&reference, &opts).finish().await.unwrap();
    remove_quietly(&docker, &reference).await;

    // The same with a blocking client, where the config file is read on the calling thread.
    let pulled = tokio::task::spawn_blocking({
        let (reference, opts) = (reference.clone(), opts.clone());
        move || blocking_docker().images().pull(&reference, &opts).finish()
    })
    .await
    .unwrap();
    assert_eq!(pulled.unwrap().reference, reference);
    remove_quietly(&docker, &reference).await;

    std::fs::write(&config, "{ this is not json").unwrap();
    let err = docker.images().pull(&reference, &opts).finish().await.unwrap_err();
    assert!(matches!(err, Error::Credentials { source: Some(_), .. }), "{err:?}");
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Standard base64, as `docker login` writes `auths.*.auth`.
fn dimg_test_base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let n = (u32::from(chunk[0]) << 16)
            | (u32::from(*chunk.get(1).unwrap_or(&0)) << 8)
            | u32::from(*chunk.get(2).unwrap_or(&0));
        for i in 0..4 {
            out.push(if i <= chunk.len() {
                ALPHABET[(n >> (18 - 6 * i) & 63) as usize] as char
            } else {
                '='
            });
        }
    }
    out
}
