//! dimg's side of `benches/pull_many.py` (many pulls at once, and the cost of pull policies),
//! one fresh process per measurement, so that the harness reads the process's own CPU time and
//! peak RSS with `wait4` (through `bench-worker --measure`):
//!
//! - `pull-bench many [--blocking] --concurrency N REF...`: `Images::pull_many` (on a Tokio
//!   multi-thread runtime, or `dimg::blocking`), consuming every progress update.
//! - `pull-bench serial REF...`: `Images::pull` of each in turn, every event consumed.
//! - `pull-bench policy --rounds N REF`: on one warm client, `REF` already present: blocks of
//!   `pull` with `PullPolicy::Always`, `Missing` and `Newer` (and a plain `inspect`, what
//!   `Missing` costs at least), block order rotating per round; the daemon's CPU per call too,
//!   when `BENCH_DOCKERD_PID` names it (`/proc/PID/stat`, user + system).
//!
//! Each prints one JSON line. The daemon is `BENCH_SOCKET`.

use std::time::Instant;

use dimg::{PullOptions, PullPolicy, PullUpdate};
use serde_json::{Value, json};

fn socket() -> String {
    std::env::var("BENCH_SOCKET").unwrap_or_else(|_| "/tmp/dimg-engine/docker.sock".to_string())
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime")
}

fn outcome(result: &dimg::Result<dimg::PullSummary>) -> String {
    match result {
        Ok(summary) => format!("{:?}", summary.outcome),
        Err(e) => format!("error: {e}"),
    }
}

/// What a pull_many run reports: the call's own wall time, the updates seen, and the totals.
fn many(references: &[String], concurrency: usize, blocking: bool) -> Value {
    let mut updates = 0usize;
    let mut last = dimg::PullTotals::default();
    let mut progress = |p: &dimg::PullManyProgress<'_>| {
        if matches!(p.update, PullUpdate::Event(_)) {
            updates += 1;
        }
        last = p.totals.clone();
        Ok(())
    };
    let options = PullOptions::new();
    let started = Instant::now();
    let results = if blocking {
        let client = dimg::Client::builder().socket_path(socket()).build_blocking();
        client.and_then(|c| {
            c.images()
                .pull_many(references, &options, concurrency)
                .finish_with(&mut progress)
        })
    } else {
        let rt = runtime();
        rt.block_on(async {
            let client = dimg::Client::builder().socket_path(socket()).build()?;
            client
                .images()
                .pull_many(references, &options, concurrency)
                .finish_with(&mut progress)
                .await
        })
    };
    let wall_ns = started.elapsed().as_nanos() as u64;
    match results {
        Ok(results) => json!({
            "wall_ns": wall_ns,
            "events": updates,
            "outcomes": results.iter().map(outcome).collect::<Vec<_>>(),
            "layers": last.layers,
            "bytes": last.bytes_done,
        }),
        Err(e) => json!({ "error": e.to_string() }),
    }
}

/// One pull after another on one client.
fn serial(references: &[String]) -> Value {
    let rt = runtime();
    let started = Instant::now();
    let done: dimg::Result<(usize, Vec<String>)> = rt.block_on(async {
        let client = dimg::Client::builder().socket_path(socket()).build()?;
        let mut events = 0;
        let mut outcomes = Vec::new();
        for reference in references {
            let result = client
                .images()
                .pull(reference, &PullOptions::new())
                .finish_with(|_| {
                    events += 1;
                    Ok(())
                })
                .await;
            outcomes.push(outcome(&result));
        }
        Ok((events, outcomes))
    });
    let wall_ns = started.elapsed().as_nanos() as u64;
    match done {
        Ok((events, outcomes)) => json!({ "wall_ns": wall_ns, "events": events, "outcomes": outcomes }),
        Err(e) => json!({ "error": e.to_string() }),
    }
}

/// The daemon's user + system CPU so far, in clock ticks (`/proc/PID/stat` fields 14 and 15).
fn daemon_ticks(pid: Option<&str>) -> Option<u64> {
    let stat = std::fs::read_to_string(format!("/proc/{}/stat", pid?)).ok()?;
    // The command name (field 2) is in parentheses and may hold spaces: count after it.
    let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
    Some(fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?)
}

/// `rounds` rounds of blocks of 10 calls per kind, on one warm client.
fn policy(reference: &str, rounds: usize) -> Value {
    const BLOCK: usize = 10;
    let kinds = ["always", "missing", "newer", "inspect"];
    let pid = std::env::var("BENCH_DOCKERD_PID").ok();
    let rt = runtime();
    let measured: dimg::Result<Value> = rt.block_on(async {
        let client = dimg::Client::builder().socket_path(socket()).build()?;
        // Warm: the version negotiated, a connection open, the image present.
        let first = client.images().pull(reference, &PullOptions::new()).finish().await?;
        let mut samples: Vec<Vec<u64>> = vec![Vec::new(); kinds.len()];
        let mut ticks = vec![0u64; kinds.len()];
        let mut outcomes: Vec<std::collections::BTreeSet<String>> = vec![Default::default(); kinds.len()];
        for round in 0..rounds {
            for k in 0..kinds.len() {
                let kind = (k + round) % kinds.len();
                let before = daemon_ticks(pid.as_deref());
                for _ in 0..BLOCK {
                    let started = Instant::now();
                    let outcome = match kinds[kind] {
                        "inspect" => client
                            .images()
                            .inspect(reference)
                            .await
                            .map(|_| "inspected".to_string())?,
                        name => {
                            let policy = match name {
                                "always" => PullPolicy::Always,
                                "missing" => PullPolicy::Missing,
                                _ => PullPolicy::Newer,
                            };
                            let summary = client
                                .images()
                                .pull(reference, &PullOptions::new().policy(policy))
                                .finish()
                                .await?;
                            format!("{:?}", summary.outcome)
                        }
                    };
                    samples[kind].push(started.elapsed().as_nanos() as u64);
                    outcomes[kind].insert(outcome);
                }
                if let (Some(before), Some(after)) = (before, daemon_ticks(pid.as_deref())) {
                    ticks[kind] += after - before;
                }
            }
        }
        let calls = (rounds * BLOCK) as f64;
        // CLK_TCK is 100 on Linux: a tick is 10 ms.
        let daemon_ms: Vec<Option<f64>> = ticks
            .iter()
            .map(|t| pid.as_ref().map(|_| *t as f64 * 10.0 / calls))
            .collect();
        let mut out = serde_json::Map::new();
        for (k, name) in kinds.iter().enumerate() {
            out.insert(
                name.to_string(),
                json!({ "ns": samples[k], "outcomes": outcomes[k], "daemon_cpu_ms_per_call": daemon_ms[k] }),
            );
        }
        out.insert("first".into(), json!(format!("{:?}", first.outcome)));
        Ok(Value::Object(out))
    });
    measured.unwrap_or_else(|e| json!({ "error": e.to_string() }))
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let usage = "usage: pull-bench many [--blocking] --concurrency N REF... | serial REF... | policy --rounds N REF";
    let value_of = |name: &str| {
        args.iter()
            .position(|a| a == name)
            .and_then(|i| args.get(i + 1))
            .and_then(|v| v.parse::<usize>().ok())
    };
    // The references: every argument that is neither a flag nor a flag's number.
    let mut references = Vec::new();
    let mut skip_next = false;
    for arg in args.iter().skip(1) {
        if skip_next {
            skip_next = false;
        } else if arg == "--concurrency" || arg == "--rounds" {
            skip_next = true;
        } else if !arg.starts_with("--") {
            references.push(arg.clone());
        }
    }
    let out = match args.first().map(String::as_str) {
        Some("many") => many(
            &references,
            value_of("--concurrency").unwrap_or(4),
            args.iter().any(|a| a == "--blocking"),
        ),
        Some("serial") => serial(&references),
        Some("policy") if references.len() == 1 => policy(&references[0], value_of("--rounds").unwrap_or(5)),
        _ => {
            eprintln!("{usage}");
            std::process::exit(2)
        }
    };
    let failed = out.get("error").is_some()
        || out["outcomes"]
            .as_array()
            .is_some_and(|o| o.iter().any(|o| o.as_str().is_some_and(|o| o.starts_with("error"))));
    println!("{out}");
    std::process::exit(i32::from(failed))
}
