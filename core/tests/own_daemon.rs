//! Tests that need a dockerd (and registry) of their own, because they configure, stop or
//! kill it: a daemon started on a `daemon.json` written by `dimg::daemon_config`, and faults
//! (the registry stopped mid-pull; the daemon killed mid-pull, stopped and killed mid-list,
//! killed mid-search, and restarted).

mod support;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use dimg::{Client, Error, ListOptions, PullOptions, RemoveOptions};
use support::engine;

/// A private dockerd in its own directory, on a config file, stopped (cleanly) when dropped.
struct OwnDockerd {
    dir: PathBuf,
    child: Option<Child>,
}

impl OwnDockerd {
    fn socket(&self) -> PathBuf {
        self.dir.join("d.sock")
    }

    fn config(&self) -> PathBuf {
        self.dir.join("daemon.json")
    }

    fn create(name: &str) -> OwnDockerd {
        let dir = PathBuf::from(format!("/tmp/dimg-own-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        // 20.10 keeps its trust key in /etc/docker unless told otherwise (no flag for it). One
        // download attempt: a registry that goes away fails the pull at once, where the
        // default (5 attempts) would retry for about a minute first.
        std::fs::write(
            dir.join("daemon.json"),
            format!(
                "{{\n  \"deprecated-key-path\": \"{}/key.json\",\n  \"max-download-attempts\": 1\n}}\n",
                dir.display()
            ),
        )
        .unwrap();
        OwnDockerd { dir, child: None }
    }

    fn start(&mut self) {
        let name = self.dir.file_name().unwrap().to_string_lossy().to_string();
        let log = std::fs::File::create(self.dir.join("dockerd.log")).unwrap();
        let child = Command::new("dockerd")
            .arg(format!("--config-file={}", self.config().display()))
            .args(["--storage-driver=vfs", "--iptables=false", "--bridge=none"])
            .arg(format!("--data-root={}/root", self.dir.display()))
            .arg(format!("--exec-root={}/exec", self.dir.display()))
            .arg(format!("--pidfile={}/dockerd.pid", self.dir.display()))
            .arg(format!("--containerd-namespace={name}"))
            .arg(format!("--containerd-plugins-namespace={name}-plugins"))
            .arg(format!("-H=unix://{}", self.socket().display()))
            .stdin(Stdio::null())
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .spawn()
            .expect("start dockerd");
        self.child = Some(child);
        // Started means: it answers an image list, twice in a row (a daemon that is still
        // setting up its containerd may answer `_ping` and then go away again).
        let deadline = Instant::now() + Duration::from_secs(60);
        let mut answered = 0;
        while answered < 2 {
            assert!(
                Instant::now() < deadline,
                "dockerd did not start: see {}/dockerd.log",
                self.dir.display()
            );
            if let Some(child) = &mut self.child {
                assert!(
                    child.try_wait().unwrap().is_none(),
                    "dockerd exited: see {}/dockerd.log",
                    self.dir.display()
                );
            }
            answered = if lists_images(&self.socket()) { answered + 1 } else { 0 };
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// SIGKILL, as a crash.
    fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            child.kill().unwrap();
            child.wait().unwrap();
        }
        // A dockerd that died leaves its pidfile; the next start would refuse it. Its
        // containerd outlives it: stop that too, and forget its pidfile, or the next dockerd
        // would wait for the old one (even as a zombie) instead of starting its own.
        let _ = std::fs::remove_file(self.dir.join("dockerd.pid"));
        let containerd_pid = self.dir.join("exec/containerd/containerd.pid");
        if let Ok(pid) = std::fs::read_to_string(&containerd_pid) {
            let _ = Command::new("kill").args(["-9", pid.trim()]).status();
            let _ = std::fs::remove_file(&containerd_pid);
        }
    }

    /// SIGSTOP: the daemon stops answering, its socket stays open (a hung daemon).
    fn pause(&self) {
        let pid = self.child.as_ref().expect("dockerd is running").id().to_string();
        assert!(Command::new("kill").args(["-STOP", &pid]).status().unwrap().success());
    }

    /// SIGTERM and wait: dockerd unmounts what it mounted.
    fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = Command::new("kill").arg(child.id().to_string()).status();
            let deadline = Instant::now() + Duration::from_secs(30);
            while child.try_wait().unwrap().is_none() {
                if Instant::now() > deadline {
                    let _ = child.kill();
                }
                std::thread::sleep(Duration::from_millis(50));
            }
        }
    }
}

impl Drop for OwnDockerd {
    fn drop(&mut self) {
        self.stop();
        let _ = Command::new("umount")
            .arg(self.dir.join("root"))
            .stderr(Stdio::null())
            .status();
        if std::thread::panicking() {
            eprintln!("keeping {} for inspection (dockerd.log)", self.dir.display());
        } else {
            let _ = std::fs::remove_dir_all(&self.dir);
        }
    }
}

/// Whether the daemon on `socket` answers `GET /images/json` with 200.
fn lists_images(socket: &Path) -> bool {
    use std::io::{Read, Write};
    let Ok(mut s) = std::os::unix::net::UnixStream::connect(socket) else {
        return false;
    };
    let _ = s.set_read_timeout(Some(Duration::from_secs(5)));
    if s.write_all(b"GET /v1.24/images/json HTTP/1.0\r\n\r\n").is_err() {
        return false;
    }
    let mut answer = String::new();
    let _ = s.read_to_string(&mut answer);
    answer.starts_with("HTTP/1.0 200") || answer.starts_with("HTTP/1.1 200")
}

/// A registry serving the seeded storage on a port of its own, which a test may stop.
struct OwnRegistry {
    child: Child,
    port: u16,
    dir: PathBuf,
}

impl OwnRegistry {
    fn start(port: u16) -> OwnRegistry {
        let storage = format!("{}/registry", std::env::var("DIMG_ENGINE_DIR").unwrap());
        let dir = PathBuf::from(format!("/tmp/dimg-own-registry-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let config = dir.join("registry.yml");
        std::fs::write(
            &config,
            format!(
                "version: 0.1\nlog:\n  level: error\nstorage:\n  filesystem:\n    rootdirectory: {storage}\nhttp:\n  addr: 127.0.0.1:{port}\n  secret: dimg-own\n"
            ),
        )
        .unwrap();
        let child = Command::new("docker-registry")
            .arg("serve")
            .arg(&config)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start docker-registry");
        let deadline = Instant::now() + Duration::from_secs(30);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < deadline, "registry did not start");
            std::thread::sleep(Duration::from_millis(50));
        }
        OwnRegistry { child, port, dir }
    }

    fn stop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for OwnRegistry {
    fn drop(&mut self) {
        self.stop();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// One daemon for every case, since each start costs seconds: its configuration, then the
/// faults, in order.
#[test]
fn a_daemon_of_our_own_configured_killed_and_restarted() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let mut daemon = OwnDockerd::create("main");

    // 1. The mirror goes into daemon.json through dimg's helper, which keeps the other key;
    //    the daemon started on that file lists it and pulls Docker Hub names through it.
    let mirror = format!("http://{}", engine::mirror());
    let change = dimg::daemon_config::add_registry_mirror(daemon.config(), &mirror).unwrap();
    assert!(change.changed && change.restart_required);
    assert!(
        std::fs::read_to_string(daemon.config())
            .unwrap()
            .contains("deprecated-key-path")
    );
    //    Then 10 processes and 6 threads add one mirror each at the same time, through a
    //    relative symbolic link to the file: every edit lands, the link stays a link, and the
    //    daemon accepts the file they wrote.
    let link = daemon.dir.join("link.json");
    std::os::unix::fs::symlink("daemon.json", &link).unwrap();
    let processes: Vec<Child> = (0..10)
        .map(|n| {
            Command::new(std::env::current_exe().unwrap())
                .args(["--exact", "mirror_edit_child", "--nocapture"])
                .env(
                    MIRROR_EDIT_CHILD,
                    format!("{}\nhttps://m{n}.example.com", link.display()),
                )
                .stdout(Stdio::null())
                .spawn()
                .unwrap()
        })
        .collect();
    let threads: Vec<_> = (0..6)
        .map(|n| {
            let link = link.clone();
            std::thread::spawn(move || {
                dimg::daemon_config::add_registry_mirror(&link, &format!("https://t{n}.example.com"))
            })
        })
        .collect();
    for mut process in processes {
        assert!(process.wait().unwrap().success());
    }
    for thread in threads {
        assert!(thread.join().unwrap().unwrap().changed);
    }
    assert!(std::fs::symlink_metadata(&link).unwrap().file_type().is_symlink());
    let mut added: Vec<String> = (0..10)
        .map(|n| format!("https://m{n}.example.com/"))
        .chain((0..6).map(|n| format!("https://t{n}.example.com/")))
        .collect();
    added.sort();
    daemon.start();
    let docker = Client::builder()
        .socket_path(daemon.socket())
        .timeout(Duration::from_secs(5))
        .build()
        .unwrap();
    rt.block_on(async {
        let info = docker.info().await.unwrap();
        let mirrors = info.registry_mirrors();
        assert_eq!(mirrors[0], format!("{mirror}/"), "{mirrors:?}");
        let mut others = mirrors[1..].to_vec();
        others.sort();
        assert_eq!(others, added, "every concurrent edit is in the file dockerd read");
        let summary = docker
            .images()
            .pull("zookeeper", &PullOptions::new())
            .finish()
            .await
            .unwrap();
        assert_eq!(
            summary.status.as_deref(),
            Some("Downloaded newer image for zookeeper:latest")
        );
    });

    // 2. The registry stops in the middle of a pull: never a false success or a hang. With one
    //    download attempt (see `create`), dockerd reports the registry's error in the stream
    //    at once; the pull ends with that error and leaves no image behind.
    let mut registry = OwnRegistry::start(25599);
    rt.block_on(async {
        let reference = format!("127.0.0.1:{}/big:1.0", registry.port);
        let mut pull = docker.images().pull(&reference, &PullOptions::new());
        let mut stopped = false;
        let started = Instant::now();
        let err = loop {
            match pull.next_event().await {
                Some(Ok(event)) => {
                    if !stopped
                        && matches!(
                            event.phase,
                            dimg::PullPhase::Downloading | dimg::PullPhase::PullingFsLayer
                        )
                    {
                        stopped = true;
                        registry.stop();
                    }
                }
                Some(Err(e)) => break e,
                None => panic!("the pull succeeded although the registry stopped: {:?}", pull.summary()),
            }
        };
        assert!(stopped);
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "error after {:?}",
            started.elapsed()
        );
        match &err {
            Error::Pull { message, .. } => assert!(
                ["connection refused", "EOF", "connection reset"]
                    .iter()
                    .any(|m| message.contains(m)),
                "the registry's error: {message}"
            ),
            other => panic!("registry gone: {other:?}"),
        }
        assert!(docker.images().inspect(&reference).await.unwrap_err().is_not_found());
        assert!(pull.next_event().await.is_none(), "nothing after the error");
    });
    drop(registry);

    // 3. The daemon is killed in the middle of a pull: a typed error within the timeout.
    rt.block_on(async {
        let reference = engine::image("big:1.0");
        let _ = docker
            .images()
            .remove(&reference, &RemoveOptions::new().force(true))
            .await;
        let mut pull = docker.images().pull(&reference, &PullOptions::new());
        assert!(pull.next_event().await.unwrap().is_ok());
        daemon.kill();
        let started = Instant::now();
        let err = loop {
            match pull.next_event().await {
                Some(Ok(_)) => continue,
                Some(Err(e)) => break e,
                None => panic!("the pull ended as if it succeeded"),
            }
        };
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "error after {:?}",
            started.elapsed()
        );
        assert!(matches!(err, Error::Protocol { .. } | Error::Timeout(_)), "{err:?}");

        // While it is down: list and search fail at once with the socket named.
        let err = docker.images().list(&ListOptions::new()).await.unwrap_err();
        assert!(
            matches!(&err, Error::Connect { address, .. } if address.contains("d.sock")),
            "{err:?}"
        );
        let err = docker
            .images()
            .search(&format!("{}/tomcat", engine::index()), &Default::default())
            .await
            .unwrap_err();
        assert!(matches!(err, Error::Connect { .. }), "{err:?}");
    });

    // 4. Restarted: the same client works again without being rebuilt.
    daemon.start();
    rt.block_on(async {
        assert!(docker.ping().await.is_ok());
        let images = docker.images().list(&ListOptions::new()).await.unwrap();
        assert!(
            images
                .iter()
                .any(|i| i.repo_tags.contains(&"zookeeper:latest".to_string()))
        );
        let hits = docker
            .images()
            .search(
                &format!("{}/tomcat", engine::index()),
                &dimg::SearchOptions::new().limit(2),
            )
            .await
            .unwrap();
        assert_eq!(hits.len(), 2);
    });

    // 5. Stopped (SIGSTOP) with a list in flight: a timeout within the client's 5 s. Killed
    //    while a second list waits for the stopped daemon: that list fails at once.
    rt.block_on(async {
        daemon.pause();
        let started = Instant::now();
        let err = docker.images().list(&ListOptions::new()).await.unwrap_err();
        assert!(matches!(err, Error::Timeout(_)), "{err:?}");
        assert!(started.elapsed() < Duration::from_secs(7), "{:?}", started.elapsed());
        let list = {
            let docker = docker.clone();
            tokio::spawn(async move { docker.images().list(&ListOptions::new().all(true)).await })
        };
        tokio::time::sleep(Duration::from_millis(300)).await;
        assert!(!list.is_finished(), "the stopped daemon does not answer");
        daemon.kill();
        let started = Instant::now();
        let err = list.await.unwrap().unwrap_err();
        assert!(
            started.elapsed() < Duration::from_secs(3),
            "error after {:?}",
            started.elapsed()
        );
        assert!(matches!(err, Error::Protocol { .. } | Error::Connect { .. }), "{err:?}");
    });
    daemon.start();

    // 6. Killed while it waits on a slow index (the fixture answers `slow-N` after N seconds):
    //    the search fails at once, and the restarted daemon serves the same client again.
    rt.block_on(async {
        let search = {
            let docker = docker.clone();
            tokio::spawn(async move {
                docker
                    .images()
                    .search(&format!("{}/slow-10", engine::index()), &Default::default())
                    .await
            })
        };
        tokio::time::sleep(Duration::from_millis(500)).await;
        daemon.kill();
        let started = Instant::now();
        let err = search.await.unwrap().unwrap_err();
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "error after {:?}",
            started.elapsed()
        );
        assert!(matches!(err, Error::Protocol { .. } | Error::Timeout(_)), "{err:?}");
    });
    daemon.start();
    rt.block_on(async {
        assert!(docker.images().list(&ListOptions::new()).await.is_ok());
    });

    // 7. Removing the mirrors again leaves the file as it was, apart from the key.
    let change = dimg::daemon_config::remove_registry_mirror(daemon.config(), &mirror).unwrap();
    assert!(change.changed && change.mirrors.len() == added.len());
    for other in &added {
        dimg::daemon_config::remove_registry_mirror(&link, other).unwrap();
    }
    assert!(
        dimg::daemon_config::registry_mirrors(daemon.config())
            .unwrap()
            .is_empty()
    );
}

/// Set for the child processes of the test above: `PATH\nURL` of the mirror to add.
const MIRROR_EDIT_CHILD: &str = "DIMG_TEST_MIRROR_EDIT_CHILD";

/// Not a test of its own: the body of the processes that edit one file at once (above). Does
/// nothing unless started by it.
#[test]
fn mirror_edit_child() {
    if let Ok(job) = std::env::var(MIRROR_EDIT_CHILD) {
        let (path, url) = job.split_once('\n').unwrap();
        assert!(dimg::daemon_config::add_registry_mirror(path, url).unwrap().changed);
    }
}
