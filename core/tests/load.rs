//! 200 concurrent operations (list, inspect, search, pull of distinct images, remove) on one
//! shared client against the real engine; all succeed, and no connection is leaked. Uses the
//! seeded `load/l001`..`load/l060` images.

mod support;

use std::time::{Duration, Instant};

use dimg::{ListOptions, PullOptions, RemoveOptions, SearchOptions};
use support::engine::{docker, image, index};

fn open_fds() -> usize {
    std::fs::read_dir("/proc/self/fd").unwrap().count()
}

#[derive(Debug)]
enum Op {
    List,
    Inspect,
    Search,
    Pull(String),
    Remove(String),
}

#[test]
fn two_hundred_concurrent_operations_on_one_client() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let baseline = open_fds();
    rt.block_on(async {
        let docker = docker();
        let stable = image("tiny:1.0");
        docker
            .images()
            .pull(&stable, &PullOptions::new())
            .finish()
            .await
            .unwrap();
        let to_remove: Vec<String> = (41..=60).map(|n| image(&format!("load/l{n:03}:1.0"))).collect();
        let to_pull: Vec<String> = (1..=40).map(|n| image(&format!("load/l{n:03}:1.0"))).collect();
        for reference in to_remove.iter().chain(&to_pull) {
            let _ = docker
                .images()
                .remove(reference, &RemoveOptions::new().force(true))
                .await;
        }
        for reference in &to_remove {
            docker
                .images()
                .pull(reference, &PullOptions::new())
                .finish()
                .await
                .unwrap();
        }

        let mut ops: Vec<Op> = Vec::new();
        ops.extend(to_pull.iter().cloned().map(Op::Pull));
        ops.extend(to_remove.iter().cloned().map(Op::Remove));
        ops.extend((0..60).map(|_| Op::List));
        ops.extend((0..50).map(|_| Op::Inspect));
        ops.extend((0..30).map(|_| Op::Search));
        assert_eq!(ops.len(), 200);

        let started = Instant::now();
        let tasks: Vec<_> = ops
            .into_iter()
            .map(|op| {
                let docker = docker.clone();
                let stable = stable.clone();
                tokio::spawn(async move {
                    let images = docker.images();
                    let result = match &op {
                        Op::List => images.list(&ListOptions::new()).await.map(drop),
                        Op::Inspect => images.inspect(&stable).await.map(drop),
                        Op::Search => images
                            .search(&format!("{}/tomcat", index()), &SearchOptions::new().limit(5))
                            .await
                            .map(drop),
                        Op::Pull(reference) => images.pull(reference, &PullOptions::new()).finish().await.map(drop),
                        Op::Remove(reference) => images.remove(reference, &RemoveOptions::new()).await.map(drop),
                    };
                    (op, result)
                })
            })
            .collect();
        let mut failures = Vec::new();
        for task in tasks {
            let (op, result) = task.await.unwrap();
            if let Err(e) = result {
                failures.push(format!("{op:?}: {e}"));
            }
        }
        assert!(failures.is_empty(), "{} of 200 failed: {failures:#?}", failures.len());
        assert!(started.elapsed() < Duration::from_secs(120));

        for reference in &to_pull {
            assert!(
                docker.images().inspect(reference).await.is_ok(),
                "{reference} was pulled"
            );
            docker.images().remove(reference, &RemoveOptions::new()).await.unwrap();
        }
        for reference in &to_remove {
            assert!(
                docker.images().inspect(reference).await.unwrap_err().is_not_found(),
                "{reference} was removed"
            );
        }
    });
    // The client is gone: its pooled connections close; nothing stays open.
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let now = open_fds();
        if now <= baseline {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "{now} fds open after the client was dropped, {baseline} before"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}
