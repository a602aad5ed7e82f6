//! Images made for the comparisons and loaded with `docker load`: exact sizes, creation times,
//! tags, labels and dangling images, without a registry or a builder.

use std::io::Write;
use std::process::{Command, Stdio};

/// One image of a `docker save` archive.
pub struct Image {
    /// `repo:tag` references; none makes a dangling image.
    pub tags: Vec<String>,
    /// RFC 3339 creation time.
    pub created: String,
    /// Labels (besides the ones every fixture image gets).
    pub labels: Vec<(String, String)>,
    /// Files of its one layer.
    pub files: Vec<(String, Vec<u8>)>,
}

impl Image {
    pub fn new(tags: &[&str], created: String, file: &str, size: usize) -> Image {
        // Distinct content per image (a seeded pattern), so that layers are not shared.
        let mut seed = file
            .bytes()
            .fold(7u32, |h, b| h.wrapping_mul(31).wrapping_add(u32::from(b)));
        let bytes = (0..size)
            .map(|_| {
                seed ^= seed << 13;
                seed ^= seed >> 17;
                seed ^= seed << 5;
                (seed & 0xff) as u8
            })
            .collect();
        Image {
            tags: tags.iter().map(|t| t.to_string()).collect(),
            created,
            labels: Vec::new(),
            files: vec![(file.to_string(), bytes)],
        }
    }

    pub fn label(mut self, key: &str, value: &str) -> Image {
        self.labels.push((key.to_string(), value.to_string()));
        self
    }
}

/// RFC 3339 of `secs` since the epoch (UTC).
pub fn rfc3339(secs: i64) -> String {
    let t = dimg_render::format::UtcDateTime::from_unix(secs);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
        t.year,
        t.month,
        t.day,
        t.hour(),
        t.minute(),
        t.second()
    )
}

fn json_string(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// The archive `docker load` reads: `manifest.json`, one config and one layer per image.
pub fn archive(images: &[Image], common_label: (&str, &str)) -> Vec<u8> {
    let arch = match std::env::consts::ARCH {
        "x86_64" => "amd64",
        "aarch64" => "arm64",
        "x86" => "386",
        other => other,
    };
    let mut tar = Vec::new();
    let mut manifest = Vec::new();
    for image in images {
        let mut layer = Vec::new();
        for (name, data) in &image.files {
            tar_entry(&mut layer, name, data, b'0');
        }
        layer.extend_from_slice(&[0u8; 1024]);
        let diff = hex(&sha256(&layer));
        let mut labels = vec![format!(
            "{}:{}",
            json_string(common_label.0),
            json_string(common_label.1)
        )];
        labels.extend(
            image
                .labels
                .iter()
                .map(|(k, v)| format!("{}:{}", json_string(k), json_string(v))),
        );
        let config = format!(
            "{{\"architecture\":\"{arch}\",\"os\":\"linux\",\"created\":\"{created}\",\"config\":{{\"Labels\":{{{labels}}}}},\
             \"rootfs\":{{\"type\":\"layers\",\"diff_ids\":[\"sha256:{diff}\"]}},\
             \"history\":[{{\"created\":\"{created}\",\"created_by\":\"dimg golden fixture\"}}]}}",
            created = image.created,
            labels = labels.join(","),
        );
        let config_name = format!("{}.json", hex(&sha256(config.as_bytes())));
        tar_entry(&mut tar, &format!("{diff}/"), &[], b'5');
        tar_entry(&mut tar, &format!("{diff}/layer.tar"), &layer, b'0');
        tar_entry(&mut tar, &config_name, config.as_bytes(), b'0');
        let tags = if image.tags.is_empty() {
            "null".to_string()
        } else {
            format!(
                "[{}]",
                image.tags.iter().map(|t| json_string(t)).collect::<Vec<_>>().join(",")
            )
        };
        manifest.push(format!(
            "{{\"Config\":{},\"RepoTags\":{tags},\"Layers\":[\"{diff}/layer.tar\"]}}",
            json_string(&config_name)
        ));
    }
    tar_entry(
        &mut tar,
        "manifest.json",
        format!("[{}]", manifest.join(",")).as_bytes(),
        b'0',
    );
    tar.extend_from_slice(&[0u8; 1024]);
    tar
}

/// Loads an archive into the private engine.
pub fn load(archive: &[u8]) {
    let env = super::support::env();
    let mut child = Command::new(&env.docker)
        .args(["load", "-q"])
        .env("DOCKER_HOST", &env.host)
        .env("DOCKER_CONFIG", &env.config_dir)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run docker load");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(archive)
        .expect("write to docker load");
    let out = child.wait_with_output().expect("wait for docker load");
    assert!(
        out.status.success(),
        "docker load failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A ustar entry (regular file `0` or directory `5`), owned by root, mtime 2024-01-01.
fn tar_entry(out: &mut Vec<u8>, name: &str, data: &[u8], kind: u8) {
    assert!(name.len() < 100, "tar name too long: {name}");
    let mut h = [0u8; 512];
    h[..name.len()].copy_from_slice(name.as_bytes());
    let octal = |h: &mut [u8; 512], at: usize, len: usize, v: u64| {
        let s = format!("{v:0w$o}", w = len - 1);
        h[at..at + len - 1].copy_from_slice(s.as_bytes());
    };
    octal(&mut h, 100, 8, if kind == b'5' { 0o755 } else { 0o644 });
    octal(&mut h, 108, 8, 0);
    octal(&mut h, 116, 8, 0);
    octal(&mut h, 124, 12, data.len() as u64);
    octal(&mut h, 136, 12, 1_704_067_200);
    h[148..156].fill(b' ');
    h[156] = kind;
    h[257..263].copy_from_slice(b"ustar\0");
    h[263..265].copy_from_slice(b"00");
    let sum: u32 = h.iter().map(|&b| u32::from(b)).sum();
    let s = format!("{sum:06o}\0 ");
    h[148..156].copy_from_slice(s.as_bytes());
    out.extend_from_slice(&h);
    out.extend_from_slice(data);
    out.resize(out.len().div_ceil(512) * 512, 0);
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// SHA-256 (FIPS 180-4).
pub fn sha256(data: &[u8]) -> [u8; 32] {
    const K: [u32; 64] = [
        0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5, 0xd807aa98,
        0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786,
        0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8,
        0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13,
        0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819,
        0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a,
        0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7,
        0xc67178f2,
    ];
    let mut h: [u32; 8] = [
        0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
    ];
    let mut msg = data.to_vec();
    let bits = (data.len() as u64).wrapping_mul(8);
    msg.push(0x80);
    while msg.len() % 64 != 56 {
        msg.push(0);
    }
    msg.extend_from_slice(&bits.to_be_bytes());
    for block in msg.chunks_exact(64) {
        let mut w = [0u32; 64];
        for (i, word) in block.chunks_exact(4).enumerate() {
            w[i] = u32::from_be_bytes([word[0], word[1], word[2], word[3]]);
        }
        for i in 16..64 {
            let s0 = w[i - 15].rotate_right(7) ^ w[i - 15].rotate_right(18) ^ (w[i - 15] >> 3);
            let s1 = w[i - 2].rotate_right(17) ^ w[i - 2].rotate_right(19) ^ (w[i - 2] >> 10);
            w[i] = w[i - 16].wrapping_add(s0).wrapping_add(w[i - 7]).wrapping_add(s1);
        }
        let [mut a, mut b, mut c, mut d, mut e, mut f, mut g, mut hh] = h;
        for i in 0..64 {
            let s1 = e.rotate_right(6) ^ e.rotate_right(11) ^ e.rotate_right(25);
            let ch = (e & f) ^ (!e & g);
            let t1 = hh
                .wrapping_add(s1)
                .wrapping_add(ch)
                .wrapping_add(K[i])
                .wrapping_add(w[i]);
            let s0 = a.rotate_right(2) ^ a.rotate_right(13) ^ a.rotate_right(22);
            let maj = (a & b) ^ (a & c) ^ (b & c);
            let t2 = s0.wrapping_add(maj);
            hh = g;
            g = f;
            f = e;
            e = d.wrapping_add(t1);
            d = c;
            c = b;
            b = a;
            a = t1.wrapping_add(t2);
        }
        for (x, y) in h.iter_mut().zip([a, b, c, d, e, f, g, hh]) {
            *x = x.wrapping_add(y);
        }
    }
    let mut out = [0u8; 32];
    for (i, word) in h.iter().enumerate() {
        out[i * 4..i * 4 + 4].copy_from_slice(&word.to_be_bytes());
    }
    out
}

/// Self-checks of the helpers (the golden harness has no `#[test]`s of its own).
pub fn self_check() {
    assert_eq!(
        hex(&sha256(b"abc")),
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    );
    assert_eq!(
        hex(&sha256(&[b'a'; 1000])),
        "41edece42d63e8d9bf515a9ba6932e1c20cbc9f5a5d134645adb5db1b9737ea3"
    );
    assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
    assert_eq!(rfc3339(1_704_067_200 + 3661), "2024-01-01T01:01:01Z");
}
