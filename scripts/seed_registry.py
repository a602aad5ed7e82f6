#!/usr/bin/env python3
"""Seed the loopback registry with deterministic test images, and check they pull.

There is no internet here, so the images are made from scratch and pushed with the
registry's v2 HTTP API (no docker CLI, no daemon needed for the push):
  blobs:    HEAD /v2/<name>/blobs/<digest>, else POST /v2/<name>/blobs/uploads/ then PUT <location>&digest=
  manifest: PUT /v2/<name>/manifests/<tag>, schema 2 (application/vnd.docker.distribution.manifest.v2+json)
Layers are gzip tars with fixed mtimes, owners and gzip header, and their "random" bytes come
from a seeded PRNG (so gzip cannot shrink them), so every digest and image id is the same on
every run of the same script on the same machine (gzip output could differ with another zlib).

Idempotent and quick on re-run: when the stamp file holds this script's fingerprint, the
summary file exists and every manifest answers HEAD, nothing is built. Otherwise all images
are built in memory and only manifests whose digest differs from the registry's are pushed.

With --docker-socket, every seeded image is then pulled for real through that daemon
(`library/*` by its Docker Hub name, i.e. through the daemon's registry mirror) and removed
again, and `tiny` without a tag is checked to be a 404 "manifest unknown".

--summary writes a JSON list of what is in the registry (name, tags, manifest digest, image id,
layer digests and sizes, labels), for tests that want exact values.
Standard library only.
"""

import argparse
import concurrent.futures
import datetime
import gzip
import hashlib
import http.client
import io
import json
import os
import random
import socket
import sys
import tarfile
import time
import urllib.parse

MANIFEST_V2 = "application/vnd.docker.distribution.manifest.v2+json"
CONFIG_V1 = "application/vnd.docker.container.image.v1+json"
LAYER_GZIP = "application/vnd.docker.image.rootfs.diff.tar.gzip"

FILE_MTIME = 1704067200  # 2024-01-01T00:00:00Z: mtime of every file in every layer
CREATED_BASE = datetime.datetime(2024, 1, 1, tzinfo=datetime.timezone.utc)

KB = 1000
MB = 1000 * 1000


# ---------------------------------------------------------------------------------------------
# What to seed. A layer is a list of files (path, bytes). `rand(seed, size)` gives
# incompressible bytes; text gives tiny layers.


def rand(seed, size):
    return random.Random(seed).randbytes(size)


def text(s):
    return s.encode("utf-8")


def image(name, tags, layers, labels=None):
    return {"name": name, "tags": tags, "layers": layers, "labels": labels or {}}


def spec():
    images = [
        # No `latest`: pulling `tiny` without a tag is a real 404 "manifest unknown".
        image("tiny", ["1.0"], [[("hello.txt", text("hello from tiny 1.0\n"))]]),
        image("tiny", ["2.0"], [[("hello.txt", text("hello from tiny 2.0, a newer one\n"))]]),
        image("multi", ["1.0"], [
            [("multi/small.bin", rand("multi-1", 4 * KB))],
            [("multi/medium.bin", rand("multi-2", 200 * KB))],
            [("multi/large.bin", rand("multi-3", 2 * MB))],
        ]),
        image("big", ["1.0"], [
            [("big/part1.bin", rand("big-1", 10 * MB))],
            [("big/part2.bin", rand("big-2", 10 * MB))],
        ]),
        image("alltags", ["a"], [[("tag.txt", text("alltags a\n"))]]),
        image("alltags", ["b"], [[("tag.txt", text("alltags b\n"))]]),
        image("alltags", ["c"], [[("tag.txt", text("alltags c\n"))]]),
        image("labelled", ["1.0"], [[("labelled.txt", text("an image with labels\n"))]],
              labels={"org.example.team": "core", "org.example.tier": "test"}),
        # Docker Hub names, pulled through the mirror. `latest` and `3.9` are one image, as on Hub.
        image("library/zookeeper", ["latest", "3.9"], [
            [("opt/zookeeper/README", text("zookeeper 3.9 stand-in\n"))],
            [("opt/zookeeper/lib.jar", rand("zookeeper-2", 120 * KB))],
            [("opt/zookeeper/conf/zoo.cfg", text("tickTime=2000\ndataDir=/data\nclientPort=2181\n"))],
        ]),
        image("library/tomcat", ["latest"], [
            [("usr/local/tomcat/README", text("tomcat stand-in\n"))],
            [("usr/local/tomcat/lib/catalina.jar", rand("tomcat-2", 80 * KB))],
        ]),
    ]
    # One image of its own for each test that needs one: distinct content, so distinct ids.
    for i in range(1, 41):
        images.append(image(f"t/p{i:02d}", ["1.0"], [[("p.txt", text(f"private image p{i:02d}\n"))]]))
    # Distinct small images for the load tests (many concurrent pulls and removes).
    for i in range(1, 61):
        images.append(image(f"load/l{i:03d}", ["1.0"], [[("l.txt", text(f"load image l{i:03d}\n"))]]))
    # Sets of 8 images for pull_many, one set per test suite (so that suites running at once
    # never remove each other's): in each set every image has the set's shared base layer and
    # one layer of its own, so that a layer shared by several images can be counted.
    for suite in ["core", "py", "c", "cli", "bench"]:
        for i in range(1, 9):
            images.append(image(f"many-{suite}/m{i}", ["1.0"], [
                [("base.bin", rand(f"many-{suite}-base", 256 * KB))],
                [("own.bin", rand(f"many-{suite}-{i}", 64 * KB))],
            ]))
    return images


# ---------------------------------------------------------------------------------------------
# Building


def sha256(data):
    return "sha256:" + hashlib.sha256(data).hexdigest()


def canonical(obj):
    return json.dumps(obj, sort_keys=True, separators=(",", ":")).encode("utf-8")


def make_layer(files):
    """Returns (uncompressed tar, gzipped tar), both deterministic."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as tar:
        dirs = sorted({os.path.dirname(p) for p, _ in files if os.path.dirname(p)})
        for d in dirs:  # parents first, so extraction never invents directories
            parts = d.split("/")
            for k in range(1, len(parts) + 1):
                sub = "/".join(parts[:k])
                if sub not in tar.getnames():
                    info = tarfile.TarInfo(sub + "/")
                    info.type, info.mode, info.mtime = tarfile.DIRTYPE, 0o755, FILE_MTIME
                    tar.addfile(info)
        for path, data in files:
            info = tarfile.TarInfo(path)
            info.size, info.mode, info.mtime = len(data), 0o644, FILE_MTIME
            tar.addfile(info, io.BytesIO(data))
    raw = buf.getvalue()
    # mtime=0 keeps the gzip header fixed; level 1 because most bytes are incompressible anyway.
    return raw, gzip.compress(raw, compresslevel=1, mtime=0)


def build(img, index):
    created = (CREATED_BASE + datetime.timedelta(hours=index)).strftime("%Y-%m-%dT%H:%M:%SZ")
    layers = []
    for files in img["layers"]:
        raw, gz = make_layer(files)
        layers.append({"diff_id": sha256(raw), "blob": gz, "digest": sha256(gz), "size": len(gz)})
    config = {
        "architecture": "amd64",
        "os": "linux",
        "created": created,
        "config": {
            "Env": ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"],
            "Cmd": ["/bin/sh"],
            "Labels": img["labels"] or None,
        },
        "rootfs": {"type": "layers", "diff_ids": [l["diff_id"] for l in layers]},
        "history": [{"created": created, "created_by": f"dimg seed: {img['name']} layer {i + 1}"}
                    for i in range(len(layers))],
    }
    config_blob = canonical(config)
    manifest = canonical({
        "schemaVersion": 2,
        "mediaType": MANIFEST_V2,
        "config": {"mediaType": CONFIG_V1, "size": len(config_blob), "digest": sha256(config_blob)},
        "layers": [{"mediaType": LAYER_GZIP, "size": l["size"], "digest": l["digest"]} for l in layers],
    })
    return {
        "name": img["name"],
        "tags": img["tags"],
        "labels": img["labels"],
        "created": created,
        "config_blob": config_blob,
        "config_digest": sha256(config_blob),
        "layers": layers,
        "manifest": manifest,
        "manifest_digest": sha256(manifest),
    }


# ---------------------------------------------------------------------------------------------
# Registry v2 client (plain HTTP on loopback; http.client ignores *_proxy variables on purpose)


class Registry:
    def __init__(self, hostport):
        self.hostport = hostport

    def request(self, method, path, body=None, headers=None):
        conn = http.client.HTTPConnection(self.hostport, timeout=60)
        try:
            conn.request(method, path, body=body, headers=headers or {})
            resp = conn.getresponse()
            return resp.status, dict(resp.getheaders()), resp.read()
        finally:
            conn.close()

    def manifest_digest(self, name, tag):
        status, headers, _ = self.request("HEAD", f"/v2/{name}/manifests/{tag}", headers={"Accept": MANIFEST_V2})
        return headers.get("Docker-Content-Digest") if status == 200 else None

    def has_blob(self, name, digest):
        return self.request("HEAD", f"/v2/{name}/blobs/{digest}")[0] == 200

    def push_blob(self, name, digest, data):
        if self.has_blob(name, digest):
            return False
        status, headers, body = self.request("POST", f"/v2/{name}/blobs/uploads/", body=b"",
                                             headers={"Content-Length": "0"})
        if status != 202:
            raise RuntimeError(f"start upload {name}: HTTP {status} {body[:200]!r}")
        loc = urllib.parse.urlsplit(headers["Location"])  # absolute URL, with the upload state in its query
        query = (loc.query + "&" if loc.query else "") + "digest=" + urllib.parse.quote(digest)
        path = f"{loc.path}?{query}"
        status, _, body = self.request("PUT", path, body=data, headers={
            "Content-Type": "application/octet-stream", "Content-Length": str(len(data))})
        if status != 201:
            raise RuntimeError(f"upload {name} {digest}: HTTP {status} {body[:200]!r}")
        return True

    def push_manifest(self, name, tag, manifest):
        status, headers, body = self.request("PUT", f"/v2/{name}/manifests/{tag}", body=manifest,
                                             headers={"Content-Type": MANIFEST_V2})
        if status != 201:
            raise RuntimeError(f"put manifest {name}:{tag}: HTTP {status} {body[:300]!r}")
        return headers.get("Docker-Content-Digest")


def push(reg, built):
    """Pushes one built image under all its tags unless the registry already has it."""
    pushed = []
    for tag in built["tags"]:
        if reg.manifest_digest(built["name"], tag) == built["manifest_digest"]:
            continue
        for layer in built["layers"]:
            reg.push_blob(built["name"], layer["digest"], layer["blob"])
        reg.push_blob(built["name"], built["config_digest"], built["config_blob"])
        got = reg.push_manifest(built["name"], tag, built["manifest"])
        if got != built["manifest_digest"]:
            raise RuntimeError(f"{built['name']}:{tag}: registry says {got}, expected {built['manifest_digest']}")
        pushed.append(tag)
    return pushed


# ---------------------------------------------------------------------------------------------
# Docker Engine API over a Unix socket, for the pull check


class UnixHTTPConnection(http.client.HTTPConnection):
    def __init__(self, path, timeout=300):
        super().__init__("localhost", timeout=timeout)
        self.unix_path = path

    def connect(self):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(self.timeout)
        self.sock.connect(self.unix_path)


def engine(sock, method, path):
    conn = UnixHTTPConnection(sock)
    try:
        conn.request(method, "/v1.41" + path, headers={"Content-Length": "0"} if method == "POST" else {})
        resp = conn.getresponse()
        return resp.status, resp.read().decode("utf-8", "replace")
    finally:
        conn.close()


def pull_and_remove(sock, registry, name, tag):
    """Pulls one image for real and removes it again. Returns an error string or None."""
    q = urllib.parse.quote
    if name.startswith("library/"):  # a Docker Hub name: served by the daemon's mirror
        from_image, familiar = "docker.io/" + name, name[len("library/"):] + ":" + tag
    else:
        from_image = familiar = f"{registry}/{name}"
        familiar += ":" + tag
    status, body = engine(sock, "POST", f"/images/create?fromImage={q(from_image, safe='')}&tag={q(tag)}")
    if status != 200:
        return f"pull {familiar}: HTTP {status} {body.strip()}"
    last = {}
    for line in body.splitlines():
        if line.strip():
            last = json.loads(line)
            if "error" in last or "errorDetail" in last:
                return f"pull {familiar}: {last}"
    final = last.get("status", "")
    if final == f"Status: Image is up to date for {familiar}":
        return None  # already there before we came: not ours to remove
    if final != f"Status: Downloaded newer image for {familiar}":
        return f"pull {familiar}: unexpected last message {last}"
    status, body = engine(sock, "DELETE", f"/images/{q(familiar, safe='/:')}")
    if status != 200:
        return f"remove {familiar}: HTTP {status} {body.strip()}"
    return None


def verify(sock, registry, built_images):
    # Group tags per repository and check each repository in one worker, so two tags of one
    # image (zookeeper latest and 3.9) never race each other's removal.
    repos = {}
    for b in built_images:
        repos.setdefault(b["name"], []).extend(b["tags"])

    def check_repo(name):
        errors = []
        for tag in repos[name]:
            err = pull_and_remove(sock, registry, name, tag)
            if err:
                errors.append(err)
        return errors

    errors = []
    with concurrent.futures.ThreadPoolExecutor(max_workers=4) as pool:
        for errs in pool.map(check_repo, sorted(repos)):
            errors.extend(errs)
    # The missing tag must be a real 404 from the daemon, before any stream starts.
    status, body = engine(sock, "POST", f"/images/create?fromImage={urllib.parse.quote(registry + '/tiny', safe='')}&tag=latest")
    if status != 404 or "manifest unknown" not in body:
        errors.append(f"pull {registry}/tiny:latest: expected 404 manifest unknown, got HTTP {status} {body.strip()}")
    return errors


# ---------------------------------------------------------------------------------------------


def summary(built_images):
    out = []
    for b in built_images:
        out.append({
            "name": b["name"],
            "tags": b["tags"],
            "manifest_digest": b["manifest_digest"],
            "image_id": b["config_digest"],
            "created": b["created"],
            "labels": b["labels"],
            "layers": [{"digest": l["digest"], "diff_id": l["diff_id"], "size": l["size"]} for l in b["layers"]],
        })
    return out


def main():
    ap = argparse.ArgumentParser(description="Seed the loopback registry with test images.")
    ap.add_argument("--registry", required=True, help="host:port of the registry to push to")
    ap.add_argument("--docker-socket", help="pull every pushed image through this daemon, then remove it")
    ap.add_argument("--stamp", help="file remembering the fingerprint of the last complete seeding")
    ap.add_argument("--summary", help="write a JSON description of the seeded images here")
    ap.add_argument("--force", action="store_true", help="build, push if needed, and check even when the stamp says done")
    args = ap.parse_args()

    t0 = time.monotonic()
    reg = Registry(args.registry)
    images = spec()
    with open(os.path.abspath(__file__), "rb") as f:
        fingerprint = hashlib.sha256(f.read()).hexdigest()

    def stamp_ok():
        if not (args.stamp and os.path.exists(args.stamp)) or (args.summary and not os.path.exists(args.summary)):
            return False
        with open(args.stamp) as f:
            if f.read().strip() != fingerprint:
                return False
        return all(reg.manifest_digest(i["name"], t) for i in images for t in i["tags"])

    if not args.force and stamp_ok():
        print(f"seed: registry {args.registry} already seeded ({sum(len(i['tags']) for i in images)} tags), "
              f"checked in {time.monotonic() - t0:.1f}s")
        return 0

    with concurrent.futures.ThreadPoolExecutor(max_workers=2) as pool:
        built = list(pool.map(lambda a: build(*a), [(img, n) for n, img in enumerate(images)]))
    t_build = time.monotonic() - t0
    with concurrent.futures.ThreadPoolExecutor(max_workers=4) as pool:
        pushed = list(pool.map(lambda b: push(reg, b), built))
    n_pushed = sum(len(p) for p in pushed)
    print(f"seed: built {len(built)} images in {t_build:.1f}s, pushed {n_pushed} of "
          f"{sum(len(b['tags']) for b in built)} tags to {args.registry}")

    if args.summary:
        with open(args.summary, "w") as f:
            json.dump(summary(built), f, indent=1)
            f.write("\n")

    if args.docker_socket:
        # Check everything, not only what was pushed now: the stamp is written only after a
        # complete check, so a failed check is repeated by the next run.
        t1 = time.monotonic()
        errors = verify(args.docker_socket, args.registry, built)
        if errors:
            for e in errors:
                print("seed: FAILED " + e, file=sys.stderr)
            return 1
        print(f"seed: pulled and removed {sum(len(b['tags']) for b in built)} tags through "
              f"{args.docker_socket} in {time.monotonic() - t1:.1f}s; tiny:latest is 404 as intended")

    if args.stamp:
        with open(args.stamp, "w") as f:
            f.write(fingerprint + "\n")
    print(f"seed: done in {time.monotonic() - t0:.1f}s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
