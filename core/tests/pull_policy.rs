//! Pull policies (`PullOptions::policy`) and the classified pull errors (`Error::RateLimited`,
//! `Error::is_transient`).
//!
//! `fake::` runs against the scripted fake daemon, to see exactly which requests reach the
//! daemon and to play what a real registry cannot do on demand (a 429). `engine::` runs against
//! the private engine (`eval "$(scripts/engine.sh env)"`; also against Podman with
//! `DIMG_TEST_ENGINE=podman DIMG_TEST_DOCKER_HOST=$DIMG_TEST_PODMAN_HOST`) and counts the
//! requests that reach the test registry in its access log.

#[path = "support/faults.rs"]
mod faults;
mod support;

/// Docker Hub's answer to a pull over its limit, as dockerd passes it on.
const HUB_LIMIT: &str = "toomanyrequests: You have reached your pull rate limit. You may increase the limit by \
                         authenticating and upgrading: https://www.docker.com/increase-rate-limit";

mod fake {
    use std::time::Duration;

    use dimg::{Client, Error, PullOptions, PullOutcome, PullPolicy};

    use super::HUB_LIMIT;
    use crate::support::fake_daemon::{FakeDaemon, Reply, Seen, Step};

    const LOCAL: &str = "sha256:1111111111111111111111111111111111111111111111111111111111111111";
    const REMOTE: &str = "sha256:2222222222222222222222222222222222222222222222222222222222222222";
    const INSPECT: &str = "/v1.41/images/127.0.0.1:5000/tiny:1.0/json";
    const DISTRIBUTION: &str = "/v1.41/distribution/127.0.0.1:5000/tiny:1.0/json";
    const CREATE: &str = "/v1.41/images/create?fromImage=127.0.0.1%3A5000%2Ftiny&tag=1.0";

    fn client(daemon: &FakeDaemon) -> Client {
        Client::builder()
            .socket_path(&daemon.path)
            .timeout(Duration::from_secs(5))
            .build()
            .unwrap()
    }

    /// The inspect answer of a local `127.0.0.1:5000/tiny:1.0` pulled at digest `LOCAL`.
    fn inspect_reply() -> Reply {
        Reply::json(
            200,
            &format!(
                r#"{{"Id":"sha256:aa","RepoTags":["127.0.0.1:5000/tiny:1.0"],"RepoDigests":["127.0.0.1:5000/tiny@{LOCAL}"],"Os":"linux","Architecture":"amd64"}}"#
            ),
        )
    }

    fn distribution_reply(digest: &str) -> Reply {
        Reply::json(
            200,
            &format!(
                r#"{{"Descriptor":{{"mediaType":"application/vnd.docker.distribution.manifest.v2+json","digest":"{digest}","size":527}},"Platforms":[{{"architecture":"amd64","os":"linux"}}]}}"#
            ),
        )
    }

    fn no_such_image() -> Reply {
        Reply::json(404, r#"{"message":"No such image: 127.0.0.1:5000/tiny:1.0"}"#)
    }

    /// A daemon that has the image locally (or not), whose registry has it at `remote`.
    fn daemon(present: bool, remote: &'static str) -> FakeDaemon {
        FakeDaemon::start(move |seen: &Seen| match seen.target() {
            INSPECT if present => inspect_reply(),
            INSPECT => no_such_image(),
            DISTRIBUTION => distribution_reply(remote),
            create if create.starts_with(CREATE) => Reply::fresh_pull(Duration::ZERO),
            other => Reply::json(500, &format!(r#"{{"message":"unexpected {other}"}}"#)),
        })
    }

    fn targets(daemon: &FakeDaemon) -> Vec<String> {
        daemon.calls().iter().map(|s| s.target().to_string()).collect()
    }

    /// `line` as the last HTTP chunk of a chunked body, and the body's end.
    fn last_chunk(line: &str) -> Step {
        let mut bytes = format!("{:x}\r\n", line.len()).into_bytes();
        bytes.extend_from_slice(line.as_bytes());
        bytes.extend_from_slice(b"\r\n0\r\n\r\n");
        Step::Write(bytes)
    }

    fn policy(policy: PullPolicy) -> PullOptions {
        PullOptions::new().policy(policy)
    }

    #[tokio::test]
    async fn missing_with_the_image_present_asks_nothing_of_the_registry() {
        let daemon = daemon(true, REMOTE);
        let docker = client(&daemon);
        let mut pull = docker
            .images()
            .pull("127.0.0.1:5000/tiny:1.0", &policy(PullPolicy::Missing));
        assert!(pull.next_event().await.is_none(), "a skipped pull has no events");
        let summary = pull.summary();
        assert_eq!(summary.outcome, PullOutcome::Skipped);
        assert_eq!(summary.digest.as_deref(), Some(LOCAL));
        assert_eq!((summary.events, summary.status.as_deref()), (0, None));
        assert_eq!(targets(&daemon), [INSPECT], "only the local image was looked at");
    }

    #[tokio::test]
    async fn missing_with_the_image_absent_pulls() {
        let daemon = daemon(false, REMOTE);
        let summary = client(&daemon)
            .images()
            .pull("127.0.0.1:5000/tiny:1.0", &policy(PullPolicy::Missing))
            .finish()
            .await
            .unwrap();
        assert_eq!(summary.outcome, PullOutcome::Downloaded);
        assert_eq!(targets(&daemon), [INSPECT, CREATE]);
    }

    #[tokio::test]
    async fn never_with_the_image_absent_is_not_found_and_sends_no_pull() {
        let daemon = daemon(false, REMOTE);
        let err = client(&daemon)
            .images()
            .pull("127.0.0.1:5000/tiny:1.0", &policy(PullPolicy::Never))
            .finish()
            .await
            .unwrap_err();
        assert!(
            matches!(&err, Error::NotFound(m) if m == "No such image: 127.0.0.1:5000/tiny:1.0"),
            "{err:?}"
        );
        assert_eq!(targets(&daemon), [INSPECT]);
        // Docker Hub names are shown in their familiar form, as docker does.
        let daemon = FakeDaemon::start(|_| Reply::json(404, r#"{"message":"No such image"}"#));
        let err = client(&daemon)
            .images()
            .pull("zookeeper", &policy(PullPolicy::Never))
            .finish()
            .await
            .unwrap_err();
        assert_eq!(err.to_string(), "No such image: zookeeper:latest");
        assert_eq!(
            targets(&daemon),
            ["/v1.41/images/docker.io/library/zookeeper:latest/json"]
        );
    }

    #[tokio::test]
    async fn never_with_the_image_present_is_skipped() {
        let daemon = daemon(true, REMOTE);
        let summary = client(&daemon)
            .images()
            .pull("127.0.0.1:5000/tiny:1.0", &policy(PullPolicy::Never))
            .finish()
            .await
            .unwrap();
        assert_eq!(summary.outcome, PullOutcome::Skipped);
        assert_eq!(targets(&daemon), [INSPECT]);
    }

    #[tokio::test]
    async fn an_image_for_another_platform_is_not_present() {
        let daemon = daemon(true, REMOTE);
        let docker = client(&daemon);
        let err = docker
            .images()
            .pull(
                "127.0.0.1:5000/tiny:1.0",
                &policy(PullPolicy::Never).platform("linux/arm64"),
            )
            .finish()
            .await
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            "image with reference 127.0.0.1:5000/tiny:1.0 was found but does not match the specified platform: wanted linux/arm64, actual: linux/amd64"
        );
        assert!(err.is_not_found());
        let summary = docker
            .images()
            .pull(
                "127.0.0.1:5000/tiny:1.0",
                &policy(PullPolicy::Missing).platform("linux/arm64"),
            )
            .finish()
            .await
            .unwrap();
        assert_eq!(summary.outcome, PullOutcome::Downloaded);
        let summary = docker
            .images()
            .pull(
                "127.0.0.1:5000/tiny:1.0",
                &policy(PullPolicy::Missing).platform("linux/x86_64"),
            )
            .finish()
            .await
            .unwrap();
        assert_eq!(summary.outcome, PullOutcome::Skipped, "x86_64 is amd64");
    }

    #[tokio::test]
    async fn newer_with_the_same_digest_is_skipped_after_asking_with_the_pulls_credentials() {
        let daemon = daemon(true, LOCAL);
        let opts = policy(PullPolicy::Newer).auth(dimg::RegistryAuth::basic("alice", "secret"));
        let summary = client(&daemon)
            .images()
            .pull("127.0.0.1:5000/tiny:1.0", &opts)
            .finish()
            .await
            .unwrap();
        assert_eq!(summary.outcome, PullOutcome::Skipped);
        assert_eq!(summary.digest.as_deref(), Some(LOCAL));
        let calls = daemon.calls();
        assert_eq!(targets(&daemon), [INSPECT, DISTRIBUTION]);
        let auth = calls[1]
            .header("x-registry-auth")
            .expect("the distribution lookup carries credentials");
        assert_ne!(auth, "e30=", "not the anonymous header");
    }

    #[tokio::test]
    async fn newer_with_another_digest_pulls_with_the_same_credentials() {
        let daemon = daemon(true, REMOTE);
        let opts = policy(PullPolicy::Newer).auth(dimg::RegistryAuth::basic("alice", "secret"));
        let summary = client(&daemon)
            .images()
            .pull("127.0.0.1:5000/tiny:1.0", &opts)
            .finish()
            .await
            .unwrap();
        assert_eq!(summary.outcome, PullOutcome::Downloaded);
        let calls = daemon.calls();
        assert_eq!(targets(&daemon), [INSPECT, DISTRIBUTION, CREATE]);
        assert_eq!(
            calls[1].header("x-registry-auth"),
            calls[2].header("x-registry-auth"),
            "one header for both"
        );
    }

    #[tokio::test]
    async fn newer_with_the_image_absent_pulls_without_asking_for_the_digest() {
        let daemon = daemon(false, REMOTE);
        let summary = client(&daemon)
            .images()
            .pull("127.0.0.1:5000/tiny:1.0", &policy(PullPolicy::Newer))
            .finish()
            .await
            .unwrap();
        assert_eq!(summary.outcome, PullOutcome::Downloaded);
        assert_eq!(targets(&daemon), [INSPECT, CREATE]);
    }

    #[tokio::test]
    async fn newer_for_a_digest_reference_does_not_ask_the_registry() {
        let target = format!("/v1.41/images/127.0.0.1:5000/tiny@{LOCAL}/json");
        let daemon = FakeDaemon::start({
            let target = target.clone();
            move |seen: &Seen| match seen.target() == target {
                true => inspect_reply(),
                false => Reply::json(500, r#"{"message":"unexpected"}"#),
            }
        });
        let summary = client(&daemon)
            .images()
            .pull(&format!("127.0.0.1:5000/tiny:1.0@{LOCAL}"), &policy(PullPolicy::Newer))
            .finish()
            .await
            .unwrap();
        assert_eq!(summary.outcome, PullOutcome::Skipped);
        assert_eq!(summary.digest.as_deref(), Some(LOCAL));
        assert_eq!(targets(&daemon), [target]);
    }

    #[tokio::test]
    async fn newer_needs_api_1_30_and_is_unsupported_on_podman() {
        let daemon = daemon(true, REMOTE);
        let old = Client::builder()
            .socket_path(&daemon.path)
            .api_version(dimg::ApiVersion::new(1, 29))
            .build()
            .unwrap();
        let err = old
            .images()
            .pull("127.0.0.1:5000/tiny:1.0", &policy(PullPolicy::Newer))
            .finish()
            .await
            .unwrap_err();
        assert!(
            matches!(
                err,
                Error::UnsupportedOption {
                    option: "policy newer",
                    ..
                }
            ),
            "{err:?}"
        );
        assert!(targets(&daemon).is_empty());

        let podman = FakeDaemon::start_podman(|_| inspect_reply());
        let err = client(&podman)
            .images()
            .pull("127.0.0.1:5000/tiny:1.0", &policy(PullPolicy::Newer))
            .finish()
            .await
            .unwrap_err();
        assert!(
            matches!(&err, Error::Unsupported(m) if m.contains("--policy=newer")),
            "{err:?}"
        );
        assert!(targets(&podman).is_empty(), "refused before anything is sent");
    }

    #[tokio::test]
    async fn the_blocking_client_applies_the_same_policy() {
        let daemon = daemon(true, REMOTE);
        let path = daemon.path.clone();
        let summary = tokio::task::spawn_blocking(move || {
            let docker = Client::builder().socket_path(&path).build_blocking().unwrap();
            docker
                .images()
                .pull(
                    "127.0.0.1:5000/tiny:1.0",
                    &PullOptions::new().policy(PullPolicy::Missing),
                )
                .finish()
        })
        .await
        .unwrap()
        .unwrap();
        assert_eq!(summary.outcome, PullOutcome::Skipped);
        assert_eq!(targets(&daemon), [INSPECT]);
    }

    #[tokio::test]
    async fn a_429_answer_is_rate_limited_with_the_registrys_message() {
        let daemon = FakeDaemon::start(|_| Reply::json(429, &format!(r#"{{"message":"{HUB_LIMIT}"}}"#)));
        let err = client(&daemon)
            .images()
            .pull("127.0.0.1:5000/tiny:1.0", &PullOptions::new())
            .finish()
            .await
            .unwrap_err();
        assert!(
            matches!(&err, Error::RateLimited { message, status: Some(429) } if message == HUB_LIMIT),
            "{err:?}"
        );
        assert_eq!(err.http_status(), Some(429));
        assert!(!err.is_transient(), "a rate limit is never retried");
        // The `Newer` check's own lookup is limited the same way, and then nothing is pulled.
        let daemon = FakeDaemon::start(|seen: &Seen| match seen.target() {
            INSPECT => inspect_reply(),
            _ => Reply::json(429, &format!(r#"{{"message":"{HUB_LIMIT}"}}"#)),
        });
        let err = client(&daemon)
            .images()
            .pull("127.0.0.1:5000/tiny:1.0", &policy(PullPolicy::Newer))
            .finish()
            .await
            .unwrap_err();
        assert!(err.is_rate_limited(), "{err:?}");
        assert_eq!(targets(&daemon), [INSPECT, DISTRIBUTION]);
    }

    #[tokio::test]
    async fn a_429_inside_the_stream_is_rate_limited_after_the_events_before_it() {
        let line = format!("{{\"errorDetail\":{{\"message\":\"{HUB_LIMIT}\"}},\"error\":\"{HUB_LIMIT}\"}}\r\n");
        let daemon = FakeDaemon::start(move |_| Reply::pull_started().then(last_chunk(&line)));
        let docker = client(&daemon);
        let mut pull = docker.images().pull("127.0.0.1:5000/tiny:1.0", &PullOptions::new());
        assert!(pull.next_event().await.unwrap().is_ok(), "Pulling from");
        let err = pull.next_event().await.unwrap().unwrap_err();
        assert!(
            matches!(&err, Error::RateLimited { message, status: None } if message == HUB_LIMIT),
            "{err:?}"
        );
        assert!(pull.next_event().await.is_none());
    }

    #[tokio::test]
    async fn podmans_in_stream_rate_limit_is_rate_limited_too() {
        // Podman answers 200 at once and reports the registry's refusal as the stream's only line.
        let body = format!(
            "{{\"error\":\"initializing source docker://127.0.0.1:5000/tiny:1.0: reading manifest 1.0 in 127.0.0.1:5000/tiny: {HUB_LIMIT}\",\"errorDetail\":{{\"message\":\"initializing source docker://127.0.0.1:5000/tiny:1.0: reading manifest 1.0 in 127.0.0.1:5000/tiny: {HUB_LIMIT}\"}}}}\n"
        );
        let daemon = FakeDaemon::start_podman(move |seen: &Seen| match seen.target().contains("/images/create") {
            true => Reply::chunked(200, &[body.as_bytes()], Duration::ZERO, true),
            false => no_such_image(),
        });
        let err = client(&daemon)
            .images()
            .pull("127.0.0.1:5000/tiny:1.0", &PullOptions::new())
            .finish()
            .await
            .unwrap_err();
        assert!(
            matches!(&err, Error::RateLimited { message, .. } if message.ends_with(HUB_LIMIT)),
            "{err:?}"
        );
    }

    #[tokio::test]
    async fn a_connection_cut_mid_stream_and_a_5xx_are_transient() {
        let daemon = FakeDaemon::start(|_| Reply::pull_started().then(Step::Close));
        let err = client(&daemon)
            .images()
            .pull("tiny:1.0", &PullOptions::new())
            .finish()
            .await
            .unwrap_err();
        assert!(matches!(err, Error::Protocol { .. }) && err.is_transient(), "{err:?}");
        let daemon = FakeDaemon::start(|_| Reply::json(503, r#"{"message":"Service Unavailable"}"#));
        let err = client(&daemon)
            .images()
            .pull("tiny:1.0", &PullOptions::new())
            .finish()
            .await
            .unwrap_err();
        assert!(err.is_transient(), "{err:?}");
        let daemon = FakeDaemon::start(|_| {
            Reply::pull_started().then(last_chunk("{\"errorDetail\":{\"message\":\"unexpected EOF\"}}\r\n"))
        });
        let err = client(&daemon)
            .images()
            .pull("tiny:1.0", &PullOptions::new())
            .finish()
            .await
            .unwrap_err();
        assert!(matches!(err, Error::Pull { .. }) && err.is_transient(), "{err:?}");
        // Not found is not.
        let daemon =
            FakeDaemon::start(|_| Reply::json(404, r#"{"message":"manifest for tiny:9 not found: manifest unknown"}"#));
        let err = client(&daemon)
            .images()
            .pull("tiny:9", &PullOptions::new())
            .finish()
            .await
            .unwrap_err();
        assert!(err.is_not_found() && !err.is_transient(), "{err:?}");
    }
}

mod engine {
    use std::path::PathBuf;
    use std::process::Command;
    use std::time::{Duration, Instant};

    use dimg::{Error, PullOptions, PullOutcome, PullPolicy};

    use crate::support::engine::{cleanup, cli, docker, image, import, is_podman, registry};

    /// The test registry's log: its access lines (`"GET /v2/t/p23/manifests/1.0 HTTP/1.1" 200
    /// ...`) are how these tests see which requests reached it.
    fn registry_log() -> PathBuf {
        let dir = std::env::var("DIMG_ENGINE_DIR").expect("DIMG_ENGINE_DIR: load the engine's env file");
        PathBuf::from(dir).join("registry.log")
    }

    fn log_len() -> usize {
        std::fs::read(registry_log()).expect("read the registry log").len()
    }

    /// The access-log lines after byte `from` of the requests for repository `repo`.
    fn requests_for(repo: &str, from: usize) -> Vec<String> {
        let log = std::fs::read(registry_log()).unwrap();
        let needle = format!(" /v2/{repo}/");
        String::from_utf8_lossy(&log[from..])
            .lines()
            .filter(|line| line.contains(&needle) && line.contains(" HTTP/1.1\" "))
            .map(str::to_string)
            .collect()
    }

    /// Waits until every request that reached the registry before now is in its log: sends one
    /// request of its own (a tag that does not exist) and waits for its line, so that a count
    /// afterwards cannot miss a line still being written.
    fn registry_settled(repo: &str) {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos();
        let marker = format!("dimg-marker-{}-{nanos}", std::process::id());
        let url = format!("http://{}/v2/{repo}/manifests/{marker}", registry());
        curl(&["-s", "-o", "/dev/null", &url]);
        let deadline = Instant::now() + Duration::from_secs(10);
        while !String::from_utf8_lossy(&std::fs::read(registry_log()).unwrap()).contains(&marker) {
            assert!(Instant::now() < deadline, "the registry never logged {url}");
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Requests for `repo` since `from`, other than the markers of [`registry_settled`].
    fn pulls_since(repo: &str, from: usize) -> Vec<String> {
        registry_settled(repo);
        requests_for(repo, from)
            .into_iter()
            .filter(|line| !line.contains("dimg-marker-"))
            .collect()
    }

    fn curl(args: &[&str]) -> Vec<u8> {
        let output = Command::new("curl").args(args).output().expect("run curl");
        assert!(output.status.success(), "curl {args:?}: {output:?}");
        output.stdout
    }

    /// The seeded manifest digest of `name` (`t/p23`).
    fn seeded_digest(name: &str) -> String {
        crate::faults::seeded(name)["manifest_digest"]
            .as_str()
            .unwrap()
            .to_string()
    }

    /// The digest of the (only) layer of seeded `name`.
    fn seeded_layer(name: &str) -> String {
        crate::faults::seeded(name)["layers"][0]["digest"]
            .as_str()
            .unwrap()
            .to_string()
    }

    #[tokio::test]
    async fn missing_and_never_look_only_at_the_local_image() {
        let docker = docker();
        let reference = image("t/p23:1.0");
        let digest = seeded_digest("t/p23");
        cleanup(&docker, &reference).await;

        // Never, absent: NotFound in docker's words, and nothing pulled or asked.
        let from = log_len();
        let err = docker
            .images()
            .pull(&reference, &PullOptions::new().policy(PullPolicy::Never))
            .finish()
            .await
            .unwrap_err();
        assert!(
            matches!(&err, Error::NotFound(m) if *m == format!("No such image: {reference}")),
            "{err:?}"
        );
        assert!(docker.images().inspect(&reference).await.unwrap_err().is_not_found());
        assert_eq!(pulls_since("t/p23", from), Vec::<String>::new());

        // Missing, absent: a real pull, which the registry log shows (so the counting works).
        let from = log_len();
        let summary = docker
            .images()
            .pull(&reference, &PullOptions::new().policy(PullPolicy::Missing))
            .finish()
            .await
            .unwrap();
        assert_eq!(summary.outcome, PullOutcome::Downloaded);
        assert_eq!(summary.digest.as_deref(), Some(digest.as_str()));
        let pulled = pulls_since("t/p23", from);
        assert!(pulled.iter().any(|line| line.contains("/manifests/1.0")), "{pulled:?}");

        // Missing and Never, present: skipped, and not one request for the repository.
        for policy in [PullPolicy::Missing, PullPolicy::Never] {
            let from = log_len();
            let mut pull = docker.images().pull(&reference, &PullOptions::new().policy(policy));
            assert!(pull.next_event().await.is_none(), "{policy}: no events");
            let summary = pull.summary();
            assert_eq!(summary.outcome, PullOutcome::Skipped, "{policy}");
            assert_eq!(summary.digest.as_deref(), Some(digest.as_str()), "{policy}");
            assert_eq!(pulls_since("t/p23", from), Vec::<String>::new(), "{policy}");
        }

        // By digest, present: skipped too, whatever the policy but Always.
        let by_digest = format!("{}@{digest}", image("t/p23"));
        let from = log_len();
        let summary = docker
            .images()
            .pull(&by_digest, &PullOptions::new().policy(PullPolicy::Missing))
            .finish()
            .await
            .unwrap();
        assert_eq!(summary.outcome, PullOutcome::Skipped);
        assert_eq!(pulls_since("t/p23", from), Vec::<String>::new());

        // Another platform than the local image's: not present.
        let err = docker
            .images()
            .pull(
                &reference,
                &PullOptions::new().policy(PullPolicy::Never).platform("linux/arm64"),
            )
            .finish()
            .await
            .unwrap_err();
        assert!(err.is_not_found(), "{err:?}");
        assert!(
            err.to_string().contains("wanted linux/arm64, actual: linux/amd64"),
            "{err}"
        );

        // The blocking client, the same.
        let blocking_reference = reference.clone();
        let summary = tokio::task::spawn_blocking(move || {
            crate::support::engine::blocking_docker()
                .images()
                .pull(&blocking_reference, &PullOptions::new().policy(PullPolicy::Missing))
                .finish()
        })
        .await
        .unwrap()
        .unwrap();
        assert_eq!(summary.outcome, PullOutcome::Skipped);
        cleanup(&docker, &reference).await;
    }

    /// Puts the seeded manifest of `t/p24:1.0` back under its tag when dropped, so that a
    /// failed test leaves the registry as it found it.
    struct RestoreTag {
        manifest: Vec<u8>,
    }

    const MANIFEST_V2: &str = "application/vnd.docker.distribution.manifest.v2+json";

    impl RestoreTag {
        fn save(digest: &str) -> RestoreTag {
            let url = format!("http://{}/v2/t/p24/manifests/{digest}", registry());
            let manifest = curl(&["-sf", "-H", &format!("Accept: {MANIFEST_V2}"), &url]);
            RestoreTag { manifest }
        }
    }

    impl Drop for RestoreTag {
        fn drop(&mut self) {
            let file = std::env::temp_dir().join(format!("dimg-p24-manifest-{}", std::process::id()));
            std::fs::write(&file, &self.manifest).unwrap();
            let url = format!("http://{}/v2/t/p24/manifests/1.0", registry());
            curl(&[
                "-sf",
                "-X",
                "PUT",
                "-H",
                &format!("Content-Type: {MANIFEST_V2}"),
                "--data-binary",
                &format!("@{}", file.display()),
                &url,
            ]);
            let _ = std::fs::remove_file(file);
        }
    }

    #[tokio::test]
    async fn newer_pulls_only_after_the_tag_moved() {
        let docker = docker();
        let reference = image("t/p24:1.0");
        let seeded = seeded_digest("t/p24");
        cleanup(&docker, &reference).await;
        let newer = PullOptions::new().policy(PullPolicy::Newer);

        if is_podman() {
            // Podman 4.3 answers GET /distribution/NAME/json with 404 "... is not supported".
            let err = docker.images().pull(&reference, &newer).finish().await.unwrap_err();
            assert!(
                matches!(&err, Error::Unsupported(m) if m.contains("--policy=newer")),
                "{err:?}"
            );
            return;
        }

        // Absent: pulled without asking for the digest first.
        let summary = docker.images().pull(&reference, &newer).finish().await.unwrap();
        assert_eq!(summary.outcome, PullOutcome::Downloaded);
        assert_eq!(summary.digest.as_deref(), Some(seeded.as_str()));
        let old_id = docker.images().inspect(&reference).await.unwrap().id;

        // Present, same digest: the registry is asked for the manifest (and, by dockerd 20.10's
        // distribution lookup, the small config blob, for the platforms it reports), never for
        // a layer: no pull.
        let from = log_len();
        let summary = docker.images().pull(&reference, &newer).finish().await.unwrap();
        assert_eq!((summary.outcome, summary.events), (PullOutcome::Skipped, 0));
        assert_eq!(summary.digest.as_deref(), Some(seeded.as_str()));
        let asked = pulls_since("t/p24", from);
        assert!(asked.iter().any(|l| l.contains("/manifests/1.0")), "{asked:?}");
        let layer = seeded_layer("t/p24");
        assert!(!asked.iter().any(|l| l.contains(&layer)), "{asked:?}");

        // Move the tag: push another image as t/p24:1.0, then give the local tag back to the
        // old image and drop the new one, so the pull below really downloads it.
        let restore = RestoreTag::save(&seeded);
        let new_id = import(
            &format!("t/p24 moved by pull_policy.rs {}", std::process::id()),
            Some(&reference),
            &[],
        );
        cli(&["push", &reference]);
        cli(&["tag", &old_id, &reference]);
        cli(&["rmi", "-f", &new_id]);
        let moved = String::from_utf8(curl(&[
            "-sfI",
            "-H",
            &format!("Accept: {MANIFEST_V2}"),
            &format!("http://{}/v2/t/p24/manifests/1.0", registry()),
        ]))
        .unwrap();
        assert!(!moved.contains(&seeded), "the tag moved: {moved}");

        let summary = docker.images().pull(&reference, &newer).finish().await.unwrap();
        assert_eq!(summary.outcome, PullOutcome::Downloaded, "{summary:?}");
        let moved_digest = summary.digest.clone().unwrap();
        assert_ne!(moved_digest, seeded);
        assert_ne!(docker.images().inspect(&reference).await.unwrap().id, old_id);

        // And now it is the same again.
        let summary = docker.images().pull(&reference, &newer).finish().await.unwrap();
        assert_eq!(summary.outcome, PullOutcome::Skipped);
        assert_eq!(summary.digest.as_deref(), Some(moved_digest.as_str()));

        drop(restore);
        cleanup(&docker, &reference).await;
        let _ = docker
            .images()
            .remove(&old_id, &dimg::RemoveOptions::new().force(true))
            .await;
        // The seeded manifest is back under the tag.
        let summary = docker.images().pull(&reference, &newer).finish().await.unwrap();
        assert_eq!(summary.digest.as_deref(), Some(seeded.as_str()));
        cleanup(&docker, &reference).await;
    }
}
