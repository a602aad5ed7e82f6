//! Fixed inputs for the CPU benches, generated deterministically from the daemon's own shapes
//! (`tests/samples/docker-20.10`), so dimg and bollard decode exactly the same bytes.

use serde_json::{Value, json};

const SAMPLES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/samples/docker-20.10");

/// A small deterministic generator (SplitMix64), so inputs are the same on every run.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    /// A generator started from `seed`.
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..n`.
    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n
    }

    /// `sha256:` and 64 hex digits.
    pub fn digest(&mut self) -> String {
        let mut s = String::with_capacity(71);
        s.push_str("sha256:");
        for _ in 0..4 {
            s.push_str(&format!("{:016x}", self.next_u64()));
        }
        s
    }
}

fn sample(name: &str) -> Vec<u8> {
    let path = format!("{SAMPLES}/{name}");
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// `GET /images/json` as dockerd 20.10 (API 1.41) writes it (compact JSON), with `n` entries
/// cycling through the three shapes of `images-json.v1.41.json`: a dangling image
/// (`<none>` placeholders), a labelled one (`RepoDigests: null`) and one with two tags and a
/// digest. Ids, names, sizes and times vary; every tenth entry carries a few more labels.
pub fn image_list_json(n: usize) -> Vec<u8> {
    let shapes: Vec<Value> = serde_json::from_slice(&sample("images-json.v1.41.json")).expect("sample decodes");
    let mut rng = Rng::new(0x5eed_1157);
    let mut out = Vec::with_capacity(n);
    for i in 0..n {
        let mut entry = shapes[i % shapes.len()].clone();
        let obj = entry.as_object_mut().expect("an image is an object");
        obj.insert("Id".into(), json!(rng.digest()));
        obj.insert("Created".into(), json!(1_700_000_000 + rng.below(100_000_000) as i64));
        let size = rng.below(2_000_000_000) as i64;
        obj.insert("Size".into(), json!(size));
        obj.insert("VirtualSize".into(), json!(size));
        if obj["RepoTags"].as_array().is_some_and(|t| t[0] != "<none>:<none>") {
            let repo = format!("registry.example.com:5000/team-{}/service-{i}", i % 37);
            let tags: Vec<String> = (0..1 + i % 3).map(|t| format!("{repo}:v{}.{t}", i % 11)).collect();
            obj.insert("RepoTags".into(), json!(tags));
            if !obj["RepoDigests"].is_null() {
                obj.insert("RepoDigests".into(), json!([format!("{repo}@{}", rng.digest())]));
            }
        }
        if i % 10 == 1 {
            obj.insert(
                "Labels".into(),
                json!({
                    "org.opencontainers.image.source": format!("https://git.example.com/team/service-{i}"),
                    "org.opencontainers.image.version": format!("1.{i}.0"),
                    "maintainer": "Team <team@example.com>",
                }),
            );
        }
        out.push(entry);
    }
    serde_json::to_vec(&out).expect("values serialise")
}

/// The body of a long `POST /images/create` stream, as dockerd 20.10 writes it (`\r\n` after
/// each message): `layers` layers, each with `steps` `Downloading` and `steps` `Extracting`
/// messages (with `progressDetail` and the rendered `progress` bar, like the sample
/// `pull-stream.fresh.v1.41.jsonl`), then `Digest:` and `Status:`. Returns the body and the
/// number of messages.
pub fn pull_stream(layers: usize, steps: usize) -> (Vec<u8>, usize) {
    let mut rng = Rng::new(0x9011);
    let mut lines: Vec<Value> = vec![json!({"status": "Pulling from team/service", "id": "1.0"})];
    let ids: Vec<String> = (0..layers).map(|_| rng.digest()[7..19].to_string()).collect();
    let totals: Vec<u64> = (0..layers).map(|_| 1_000_000 + rng.below(50_000_000)).collect();
    for id in &ids {
        lines.push(json!({"status": "Pulling fs layer", "progressDetail": {}, "id": id}));
    }
    for id in &ids {
        lines.push(json!({"status": "Waiting", "progressDetail": {}, "id": id}));
    }
    for (id, &total) in ids.iter().zip(&totals) {
        for phase in ["Downloading", "Extracting"] {
            for s in 1..=steps as u64 {
                let current = total * s / steps as u64;
                let bar = progress_bar(current, total);
                lines.push(json!({
                    "status": phase,
                    "progressDetail": {"current": current, "total": total},
                    "progress": bar,
                    "id": id,
                }));
            }
            if phase == "Downloading" {
                lines.push(json!({"status": "Verifying Checksum", "progressDetail": {}, "id": id}));
                lines.push(json!({"status": "Download complete", "progressDetail": {}, "id": id}));
            }
        }
        lines.push(json!({"status": "Pull complete", "progressDetail": {}, "id": id}));
    }
    lines.push(json!({"status": format!("Digest: {}", rng.digest())}));
    lines.push(json!({"status": "Status: Downloaded newer image for registry.example.com:5000/team/service:1.0"}));
    let mut body = Vec::new();
    for line in &lines {
        // serde_json writes `>` as is where Go writes `\u003e`; keep Go's bytes.
        let text = serde_json::to_string(line)
            .expect("values serialise")
            .replace('>', "\\u003e");
        body.extend_from_slice(text.as_bytes());
        body.extend_from_slice(b"\r\n");
    }
    (body, lines.len())
}

/// moby's `JSONProgress.String()` bar for a non-TTY width of 200 columns (close enough: the
/// decoders skip this field, only its bytes matter).
fn progress_bar(current: u64, total: u64) -> String {
    let filled = (50 * current / total.max(1)) as usize;
    let mut bar = String::with_capacity(80);
    bar.push('[');
    bar.push_str(&"=".repeat(filled.saturating_sub(1)));
    if filled > 0 {
        bar.push('>');
    }
    bar.push_str(&" ".repeat(50 - filled.clamp(1, 50)));
    bar.push_str(&format!("]  {:.4}MB/{:.4}MB", current as f64 / 1e6, total as f64 / 1e6));
    bar
}

/// Iterates over the non-empty lines of a JSON-lines body, without their line ending.
pub fn json_lines(body: &[u8]) -> impl Iterator<Item = &[u8]> {
    // Split with memchr so that finding line ends, which is not decoding and is the same for
    // both libraries, costs little of what is measured (a byte-by-byte split was a quarter).
    let mut rest = body;
    std::iter::from_fn(move || {
        if rest.is_empty() {
            return None;
        }
        let end = memchr::memchr(b'\n', rest).unwrap_or(rest.len());
        let line = &rest[..end];
        rest = rest.get(end + 1..).unwrap_or_default();
        Some(line)
    })
    .filter_map(|line| {
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        (!line.is_empty()).then_some(line)
    })
}

/// The one-image answer of `GET /images/{name}/json`, shaped like dockerd 20.10's.
pub fn image_inspect_json() -> Vec<u8> {
    let mut rng = Rng::new(7);
    let id = rng.digest();
    let layers: Vec<String> = (0..8).map(|_| rng.digest()).collect();
    serde_json::to_vec(&json!({
        "Id": id,
        "RepoTags": ["127.0.0.1:5000/bench/base:1.0", "bench/tags-01:0001"],
        "RepoDigests": [format!("127.0.0.1:5000/bench/base@{}", rng.digest())],
        "Parent": "",
        "Comment": "",
        "Created": "2024-01-01T00:00:00Z",
        "Container": "",
        "ContainerConfig": {"Hostname": "", "Domainname": "", "User": "", "AttachStdin": false, "AttachStdout": false,
            "AttachStderr": false, "Tty": false, "OpenStdin": false, "StdinOnce": false, "Env": null, "Cmd": null,
            "Image": "", "Volumes": null, "WorkingDir": "", "Entrypoint": null, "OnBuild": null, "Labels": null},
        "DockerVersion": "",
        "Author": "",
        "Config": {"Hostname": "", "Domainname": "", "User": "", "AttachStdin": false, "AttachStdout": false,
            "AttachStderr": false, "Tty": false, "OpenStdin": false, "StdinOnce": false,
            "Env": ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"], "Cmd": ["/bin/sh"],
            "Image": "", "Volumes": null, "WorkingDir": "", "Entrypoint": null, "OnBuild": null,
            "Labels": {"org.example.team": "core", "org.example.tier": "test"}},
        "Architecture": "amd64",
        "Os": "linux",
        "Size": 104_857_600,
        "VirtualSize": 104_857_600,
        "GraphDriver": {"Data": null, "Name": "vfs"},
        "RootFS": {"Type": "layers", "Layers": layers},
        "Metadata": {"LastTagTime": "2024-01-01T00:00:00.123456789Z"}
    }))
    .expect("values serialise")
}

/// References in the shapes people type and daemons report: short names, tags, digests,
/// registries with ports, deep paths, IPv6 hosts, and `localhost`.
pub fn reference_corpus() -> Vec<String> {
    let digest = "sha256:9f7a179f19459c8876496434a96a2e95c64b26fa59a414ab51d6fea25f793fb9";
    let mut refs: Vec<String> = [
        "ubuntu",
        "ubuntu:22.04",
        "library/ubuntu:latest",
        "docker.io/library/ubuntu:22.04",
        "bitnami/tomcat:10.1",
        "127.0.0.1:5000/tiny:1.0",
        "localhost/app",
        "localhost:5000/team/service/api:v1.2.3-rc.1",
        "registry.example.com:5000/a/b/c/d:tag_with.dots-and-dashes",
        "[fe80::1]:5000/x/y:z",
        "ghcr.io/owner/image-name:sha-0123456",
        "quay.io/prometheus/node-exporter:v1.8.2",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    refs.push(format!("ubuntu@{digest}"));
    refs.push(format!("127.0.0.1:5000/tiny:1.0@{digest}"));
    refs.push(format!("registry.example.com/team/app:2.0@{digest}"));
    refs
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_lists_decode_with_both_models() {
        let body = image_list_json(300);
        let ours: Vec<dimg::ImageSummary> = serde_json::from_slice(&body).unwrap();
        let theirs: Vec<bollard::models::ImageSummary> = serde_json::from_slice(&body).unwrap();
        assert_eq!(ours.len(), 300);
        assert_eq!(theirs.len(), 300);
        assert!(ours[0].is_dangling() && !ours[2].repo_tags.is_empty());
        assert_eq!(ours[2].repo_tags, theirs[2].repo_tags);
        assert_eq!(ours[11].labels.len(), 3);
    }

    #[test]
    fn generated_pull_streams_decode_with_both_models() {
        let (body, n) = pull_stream(3, 20);
        let lines: Vec<&[u8]> = json_lines(&body).collect();
        assert_eq!(lines.len(), n);
        for line in &lines {
            dimg::PullEvent::from_json(line).unwrap();
            serde_json::from_slice::<bollard::models::CreateImageInfo>(line).unwrap();
        }
        let last = dimg::PullEvent::from_json(lines[n - 1]).unwrap();
        assert_eq!(last.phase, dimg::PullPhase::Status);
        let mid = dimg::PullEvent::from_json(lines[10]).unwrap();
        assert!(mid.current.is_some() && mid.total.is_some());
    }

    #[test]
    fn the_inspect_answer_and_references_decode() {
        let body = image_inspect_json();
        let ours: dimg::ImageInspect = serde_json::from_slice(&body).unwrap();
        let theirs: bollard::models::ImageInspect = serde_json::from_slice(&body).unwrap();
        assert_eq!(ours.root_fs.layers.len(), 8);
        assert_eq!(theirs.id.as_deref(), Some(ours.id.as_str()));
        for r in reference_corpus() {
            dimg::ImageRef::parse(&r).unwrap_or_else(|e| panic!("{r}: {e}"));
        }
    }
}
