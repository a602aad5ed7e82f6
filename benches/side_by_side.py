#!/usr/bin/env python3
"""dimg side by side with bollard, docker-py, the docker CLI, curl and the raw-socket floor.

    source .venv/bin/activate
    python3 benches/side_by_side.py --rounds 7            # the full run (about 15 minutes)
    python3 benches/side_by_side.py --smoke               # one short round (CI; well under a minute)

Against the project's private engine (scripts/engine.sh; its `env` gives the socket and the
registry), with about 1 000 image tags under `bench/`. Each contender is a long-lived worker
process holding one warm client:

  raw, dimg, dimg-blocking, bollard, cli, curl   target/release/bench-worker --impl NAME   (Rust)
  dimg-py, docker-py, docker-py-api   this script with --worker NAME        (Python)
  c                                 benches/c/bench_worker.c, when bindings-c is built

Rounds alternate: in every round each operation runs on every contender, in an order that
rotates from round to round, so a noisy moment of the shared machine hits everyone alike.
Times are wall-clock times measured inside the worker around each call (so a language's
own call overhead counts, the pipe to this script does not). The table shows medians and
p95 over all rounds, and both as a ratio to the raw floor's median / p95.

    python3 benches/side_by_side.py --transport tls --rounds 5   # DIMG_TEST_TLS_HOST, verified
    python3 benches/side_by_side.py --transport ssh --rounds 5   # DIMG_TEST_SSH_HOST

--transport tls|ssh makes every contender reach the daemon over that transport (ping, connect,
inspect and list by default): TLS to dockerd #2 with the test CA and client certificate, ssh
to dockerd #1 through the engine's sshd and `docker system dial-stdio`. The raw floor is then a
rustls client on one kept-alive TCP connection, or one kept-alive ssh child; `raw-unix` is the
same daemon's Unix socket, to tell the daemon's time from the transport's. Over ssh, an `ssh`
wrapper first on PATH counts the ssh processes each contender starts for 20 warm calls.

The large pull is measured differently: each contender pulls the ~100 MB image once per
round in a fresh process, and `wait4` gives that process's CPU time and peak RSS. Memory is
"flat" when the peak RSS of that pull (thousands of progress events) is within 1 MiB of the
peak RSS of a pull with a few dozen events.

Fixtures (pushed to the local registry once, pulled and tagged in the daemon per run, and
removed afterwards unless --keep-fixtures): `bench/base-NN` (tiny images, tagged to reach
--tags tags in all), `bench/small` (pulled and removed by the pull operation), `bench/medium`
(3 layers, ~2 MB) and `bench/large` (10 layers of 10 MB). Nothing outside `bench/` is touched.
"""

import argparse
import importlib.util
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)

OPS = [
    # (op, label, samples per round in a full run, samples per round for process contenders)
    ("ping", "ping, warm client", 40, 8),
    ("connect", "new client + version negotiation + first call (inspect)", 15, 5),
    ("list", "list", 5, 3),
    ("list_all", "list all", 5, 3),
    ("search", "search (daemon → index fixture)", 3, 3),
    ("inspect", "inspect", 30, 8),
    ("pull_remove", "pull + remove, small image from the local registry", 2, 2),
    ("list_concurrent", "64 concurrent list calls on one client", 1, 1),
]

CONTENDERS = [
    # (name, label, kind)
    ("raw", "raw floor (std UnixStream, body not parsed)", "rust"),
    ("dimg", "dimg (Rust)", "rust"),
    ("dimg-blocking", "dimg (Rust, dimg::blocking)", "rust"),
    ("dimg-py", "dimg (Python)", "python"),
    ("c", "dimg (C)", "c"),
    ("bollard", "bollard 0.21", "rust"),
    ("docker-py", "docker-py (DockerClient)", "python"),
    ("docker-py-api", "docker-py (APIClient)", "python"),
    ("cli", "docker CLI", "process"),
    ("curl", "curl --unix-socket", "process"),
]

CONCURRENCY = 64

# Over TLS and ssh (--transport): the operations measured by default, how each transport's raw
# floor is labelled, and the extra floor on the same daemon's Unix socket.
REMOTE_OPS = ("ping", "connect", "inspect", "list")
RAW_LABELS = {
    "unix": "raw floor (std UnixStream, body not parsed)",
    "tls": "raw floor (rustls on one kept-alive TCP connection, body not parsed)",
    "ssh": "raw floor (one kept-alive `ssh … docker system dial-stdio` child, body not parsed)",
}
RAW_UNIX = ("raw-unix", "raw floor on the daemon's Unix socket (no transport, for reference)", "rust")
# Over TLS and ssh: the longest one contender's samples of one operation may take per round.
REMOTE_BATCH_S = 3.0
# Warm calls per contender while the ssh processes started are counted.
SSH_COUNT_CALLS = 20


def contenders_for(transport):
    """The contenders with labels for the transport; over TLS and ssh the raw floor is the
    transport's, and raw-unix (the same daemon through its Unix socket) comes second."""
    out = []
    for name, label, kind in CONTENDERS:
        if name == "raw":
            label = RAW_LABELS[transport]
        elif name == "curl" and transport == "tls":
            label = "curl (https, client certificate)"
        out.append((name, label, kind))
        if name == "raw" and transport != "unix":
            out.append(RAW_UNIX)
    return out


class SshCounter:
    """An `ssh` first on PATH that appends one line per start (its arguments) to a file and
    then runs the engine's ssh wrapper, so the harness can count the ssh processes each
    contender starts. Also an ssh config that adds a `dimg-bench-ssh` alias (HostName, Port,
    User) to the engine's own config, for bollard, whose ssh transport drops the port of an
    ssh:// URL. Nothing of the engine's is changed; everything lives in a temporary directory."""

    def __init__(self, engine_ssh_bin, ssh_url):
        self.dir = tempfile.mkdtemp(prefix="dimg-bench-ssh-")
        self.log = os.path.join(self.dir, "ssh-starts.log")
        open(self.log, "w").close()
        bin_dir = os.path.join(self.dir, "bin")
        os.mkdir(bin_dir)
        wrapper = os.path.join(bin_dir, "ssh")
        with open(wrapper, "w") as f:
            f.write("#!/bin/sh\n# dimg benches: count this start, then run the engine's ssh wrapper\n"
                    f"printf '%s\\n' \"$*\" >> '{self.log}'\n"
                    f"exec '{os.path.join(engine_ssh_bin, 'ssh')}' \"$@\"\n")
        os.chmod(wrapper, 0o755)
        parsed = urllib.parse.urlsplit(ssh_url)
        engine_config = os.environ.get("DIMG_TEST_SSH_CONFIG") or os.path.join(
            os.path.dirname(engine_ssh_bin.rstrip("/")), "config")
        self.config = os.path.join(self.dir, "config")
        with open(self.config, "w") as f:
            # Include first: inside a Host block it would only apply to that block.
            f.write(f"Include {engine_config}\nHost dimg-bench-ssh\n  HostName {parsed.hostname}\n"
                    f"  Port {parsed.port or 22}\n  User {parsed.username or 'root'}\n")
        self.bollard_host = "ssh://dimg-bench-ssh"
        self.path = bin_dir + os.pathsep + engine_ssh_bin + os.pathsep + os.environ.get("PATH", "")

    def env(self, env):
        """`env` for the workers: the counting ssh first on PATH, the config with the alias,
        and openssh's (bollard's) control sockets inside the temporary directory."""
        state = os.path.join(self.dir, "state")
        os.makedirs(state, exist_ok=True)
        return dict(env, PATH=self.path, DIMG_TEST_SSH_CONFIG=self.config, XDG_STATE_HOME=state,
                    BENCH_BOLLARD_HOST=self.bollard_host)

    def starts(self):
        """The arguments of every ssh started so far, one string each."""
        with open(self.log) as f:
            return f.read().splitlines()

    def close(self):
        shutil.rmtree(self.dir, ignore_errors=True)


def log(msg):
    print(f"side-by-side: {msg}", file=sys.stderr, flush=True)


# ---------------------------------------------------------------------------------------------
# Python workers


def python_worker(which):
    """Serves requests on stdin for one Python contender."""
    settings = {k: os.environ[k] for k in os.environ if k.startswith("BENCH_")}
    sock, inspect, search = settings["BENCH_SOCKET"], settings["BENCH_INSPECT"], settings["BENCH_SEARCH"]
    small, large = settings["BENCH_SMALL"], settings["BENCH_LARGE"]
    transport = settings.get("BENCH_TRANSPORT", "unix")
    url = settings["BENCH_HOST"] if transport != "unix" else "unix://" + sock
    certs = settings.get("BENCH_TLS_CERTS", "")
    ca, cert, key = (os.path.join(certs, f) for f in ("ca.pem", "cert.pem", "key.pem"))
    import concurrent.futures
    import logging

    logging.disable(logging.WARNING)  # docker-py's urllib3 warns when its pool of 10 overflows
    pool = concurrent.futures.ThreadPoolExecutor(CONCURRENCY)

    def split(ref):
        slash = ref.rfind("/") + 1
        colon = ref.rfind(":")
        return (ref[:colon], ref[colon + 1:]) if colon >= slash else (ref, "latest")

    def image_collection_ops(ping, images, connect, pull_large):
        """The operations on docker-py's high-level API, which dimg's Python API shares."""
        return {
            "ping": ping,
            "connect": connect,
            "list": images.list,
            "list_all": lambda: images.list(all=True),
            "search": lambda: images.search(search),
            "inspect": lambda: images.get(inspect),
            "pull_remove": lambda: (images.pull(*split(small)), images.remove(small)),
            "pull_large": pull_large,
        }

    if which == "dimg-py":
        import dimg

        def new_client():
            if transport == "tls":
                return dimg.Client(url, tls=dimg.TLSConfig(ca_cert=ca, client_cert=(cert, key), verify=True))
            return dimg.Client(url)  # unix:// or ssh://

        client = new_client()
        client.ping()
        images = client.images

        def connect():
            fresh = new_client()
            fresh.images.get(inspect)

        def pull(ref):
            repo, tag = split(ref)
            return sum(1 for _ in images.pull_stream(repo, tag=tag))

        ops = image_collection_ops(client.ping, images, connect, lambda: pull(large))
    elif which in ("docker-py", "docker-py-api"):
        import docker

        # TLS verified with the test CA and the client certificate; ssh through the system ssh
        # (use_ssh_client=True: docker-py's other ssh way, paramiko, reads ~/.ssh/config and
        # ~/.ssh/known_hosts, which the benchmark must not use).
        kwargs = {}
        if transport == "tls":
            kwargs["tls"] = docker.tls.TLSConfig(client_cert=(cert, key), ca_cert=ca, verify=True)
        elif transport == "ssh":
            kwargs["use_ssh_client"] = True

        if which == "docker-py":
            client = docker.DockerClient(base_url=url, **kwargs)
            images = client.images

            def connect():
                fresh = docker.DockerClient(base_url=url, **kwargs)
                fresh.images.get(inspect)
                fresh.close()

            def pull_large():
                # DockerClient.images.pull drains the stream itself (then inspects); count via the API
                n = sum(1 for _ in client.api.pull(*split(large), stream=True, decode=True))
                return n

            ops = image_collection_ops(client.ping, images, connect, pull_large)
        else:
            api = docker.APIClient(base_url=url, **kwargs)

            def connect():
                fresh = docker.APIClient(base_url=url, **kwargs)
                fresh.inspect_image(inspect)
                fresh.close()

            def pull(ref):
                n = 0
                for event in api.pull(*split(ref), stream=True, decode=True):
                    if "error" in event:
                        raise RuntimeError(event["error"])
                    n += 1
                return n

            ops = {
                "ping": api.ping,
                "connect": connect,
                "list": api.images,
                "list_all": lambda: api.images(all=True),
                "search": lambda: api.search(search),
                "inspect": lambda: api.inspect_image(inspect),
                "pull_remove": lambda: (pull(small), api.remove_image(small)),
                "pull_large": lambda: pull(large),
            }
            client = api
    else:
        print(json.dumps({"error": f"unknown Python contender {which}"}), flush=True)
        return 1

    list_op = ops["list"]

    def concurrent_list():
        for f in [pool.submit(list_op) for _ in range(CONCURRENCY)]:
            f.result()

    ops["list_concurrent"] = concurrent_list

    oneshot = os.environ.get("BENCH_ONESHOT")
    if oneshot:
        rss_before = rss_kb()
        cpu0 = time.process_time_ns()
        events = ops[oneshot]()
        cpu = time.process_time_ns() - cpu0
        print(json.dumps({"ok": {"events": events}, "cpu_ns": cpu, "rss_kb_before": rss_before,
                          "rss_kb_after": rss_kb()}), flush=True)
        return 0

    print(json.dumps({"ready": which}), flush=True)
    clock = time.perf_counter_ns
    for line in sys.stdin:
        req = json.loads(line)
        fn = ops.get(req["op"])
        if fn is None:
            print(json.dumps({"skip": f"no operation {req['op']}"}), flush=True)
            continue
        # A failed run is not a sample; the others still count (the daemon is shared, and another
        # program may remove an image between docker-py's list and its per-image inspects).
        samples, errors, last_error = [], 0, None
        for _ in range(req.get("n", 1)):
            t0 = clock()
            try:
                fn()
            except Exception as e:  # noqa: BLE001 - reported to the harness, which shows it
                errors, last_error = errors + 1, f"{type(e).__name__}: {e}"
                continue
            samples.append(clock() - t0)
        if samples:
            print(json.dumps({"ns": samples, "errors": errors, "last_error": last_error}), flush=True)
        else:
            print(json.dumps({"error": last_error}), flush=True)
    return 0


def rss_kb():
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


# ---------------------------------------------------------------------------------------------
# The harness side


class Worker:
    def __init__(self, name, argv, env, cwd=None):
        self.name = name
        self.argv = argv
        self.proc = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=env,
                                     text=True, bufsize=1, cwd=cwd)
        hello = self._read()
        if "ready" not in hello:
            raise RuntimeError(f"{name}: {hello.get('error', hello)}")

    def _read(self):
        line = self.proc.stdout.readline()
        if not line:
            raise RuntimeError(f"{self.name}: worker exited ({self.proc.wait()})")
        return json.loads(line)

    def run(self, op, n):
        self.proc.stdin.write(json.dumps({"op": op, "n": n}) + "\n")
        self.proc.stdin.flush()
        return self._read()

    def close(self):
        if self.proc.poll() is None:
            self.proc.stdin.close()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def oneshot(measure, argv, env):
    """Runs a process once under `bench-worker --measure`; returns (the process's last JSON line
    or None, its CPU seconds, its peak RSS in KiB, ok)."""
    out = subprocess.run(measure + ["--"] + argv, capture_output=True, text=True, env=env)
    try:
        m = json.loads(out.stdout.strip().splitlines()[-1])
    except (ValueError, IndexError):
        log(f"one-shot {argv[0]} failed: {out.stderr.strip()[-300:]}")
        return None, 0, 0, False
    info = m.get("child") if isinstance(m.get("child"), dict) else None
    ok = m.get("exit_ok") and not (info and "error" in info)
    if not ok:
        log(f"one-shot {' '.join(argv[:3])} failed: {(info or {}).get('error') or m}")
    return info, m.get("cpu_s", 0), m.get("maxrss_kb", 0), ok


def load_seed():
    spec = importlib.util.spec_from_file_location("seed_registry", os.path.join(ROOT, "scripts", "seed_registry.py"))
    seed = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(seed)
    return seed


def engine_env():
    if "DIMG_TEST_DOCKER_HOST" not in os.environ:
        out = subprocess.run(["bash", os.path.join(ROOT, "scripts", "engine.sh"), "env"], capture_output=True,
                             text=True)
        if out.returncode != 0:
            sys.exit("side-by-side: the engine is not up; run scripts/engine.sh up first\n" + out.stderr)
        for line in out.stdout.splitlines():
            line = line.removeprefix("export ")
            if "=" in line:
                k, v = line.split("=", 1)
                os.environ.setdefault(k, v.strip("'\""))
    return os.environ["DIMG_TEST_DOCKER_HOST"].removeprefix("unix://"), os.environ["DIMG_TEST_REGISTRY"]


class Fixtures:
    """The bench/ images: in the registry (kept), and in the daemon (removed at the end)."""

    def __init__(self, seed, sock, registry, n_images, n_tags, large_mb):
        self.seed, self.sock, self.registry = seed, sock, registry
        self.reg = seed.Registry(registry)
        self.n_images, self.n_tags, self.large_mb = n_images, n_tags, large_mb
        self.base = [f"bench/base-{i:02d}" for i in range(1, n_images + 1)]
        self.small = f"{registry}/bench/small:1.0"
        self.medium = f"{registry}/bench/medium:1.0"
        self.large = f"{registry}/bench/large-{large_mb}mb:1.0"
        self.inspect = "bench/base:1.0"

    def specs(self):
        s = self.seed
        out = [s.image(name, ["1.0"], [[("bench.txt", s.text(f"dimg bench {name}\n"))]]) for name in self.base]
        out.append(s.image("bench/small", ["1.0"], [[("small.txt", s.text("dimg bench small image\n"))]]))
        out.append(s.image("bench/medium", ["1.0"], [
            [("medium/a.bin", s.rand("bench-medium-1", 4 * s.KB))],
            [("medium/b.bin", s.rand("bench-medium-2", 200 * s.KB))],
            [("medium/c.bin", s.rand("bench-medium-3", 2 * s.MB))],
        ]))
        per_layer = self.large_mb * s.MB // 10
        out.append(s.image(f"bench/large-{self.large_mb}mb", ["1.0"], [
            [(f"large/part{i:02d}.bin", s.rand(f"bench-large-{i}", per_layer))] for i in range(10)
        ]))
        return out

    def push(self):
        t0 = time.monotonic()
        todo = [spec for spec in self.specs() if not self.reg.manifest_digest(spec["name"], "1.0")]
        for n, spec in enumerate(todo):
            built = self.seed.build(spec, 1000 + n)
            self.seed.push(self.reg, built)
        if todo:
            log(f"pushed {len(todo)} bench images to {self.registry} in {time.monotonic() - t0:.1f}s")

    def api(self, method, path, ok=(200, 201, 204)):
        status, body = self.seed.engine(self.sock, method, path)
        if status not in ok:
            raise RuntimeError(f"{method} {path}: HTTP {status} {body.strip()[:300]}")
        return body

    def pull(self, ref):
        repo, tag = ref.rsplit(":", 1)
        body = self.api("POST", f"/images/create?fromImage={urllib.parse.quote(repo, safe='')}&tag={tag}")
        if '"error"' in body:
            raise RuntimeError(f"pull {ref}: {body.strip()[-300:]}")

    def image_id(self, ref):
        status, body = self.seed.engine(self.sock, "GET", f"/images/{ref}/json")
        return json.loads(body)["Id"] if status == 200 else None

    def remove(self, ref):
        ident = self.image_id(ref)
        if ident:
            self.api("DELETE", f"/images/{ident}?force=1", ok=(200, 404, 409))

    def setup(self):
        t0 = time.monotonic()
        self.push()
        q = urllib.parse.quote
        for ref in (self.small, self.medium, self.large):
            self.remove(ref)
        per_image = max(1, self.n_tags // len(self.base))
        made = 0
        for i, name in enumerate(self.base):
            ref = f"{self.registry}/{name}:1.0"
            if not self.image_id(ref):
                self.pull(ref)
            for t in range(per_image if i < len(self.base) - 1 else self.n_tags - made):
                self.api("POST", f"/images/{q(ref, safe='/:')}/tag?repo={q(f'bench/tags-{i + 1:02d}')}&tag=t{t:04d}")
                made += 1
        self.api("POST", f"/images/{q(self.registry + '/' + self.base[0] + ':1.0', safe='/:')}/tag?repo=bench/base&tag=1.0")
        images = json.loads(self.api("GET", "/images/json"))
        tags = sum(len(i.get("RepoTags") or []) for i in images)
        log(f"fixtures ready in {time.monotonic() - t0:.1f}s: the daemon has {len(images)} images, {tags} tags")
        return len(images), tags

    def teardown(self):
        t0 = time.monotonic()
        for name in self.base:
            self.remove(f"{self.registry}/{name}:1.0")
        for ref in (self.small, self.medium, self.large):
            self.remove(ref)
        log(f"fixtures removed from the daemon in {time.monotonic() - t0:.1f}s")


def percentile(values, p):
    values = sorted(values)
    if not values:
        return None
    k = (len(values) - 1) * p
    lo, hi = int(k), min(int(k) + 1, len(values) - 1)
    return values[lo] + (values[hi] - values[lo]) * (k - lo)


def fmt_time(ns):
    if ns is None:
        return "–"
    if ns >= 1e9:
        return f"{ns / 1e9:.2f} s"
    if ns >= 1e6:
        return f"{ns / 1e6:.2f} ms"
    return f"{ns / 1e3:.0f} µs"


def fmt_ratio(x):
    if x is None:
        return "–"
    if x < 0.01:
        return f"×{x:.1g}"  # the Unix floor beside a new ssh connection
    return f"×{x:.2f}" if x < 10 else f"×{x:.0f}"


def c_worker_argv(build):
    """Builds libdimg (unless told not to) and the C worker against it; (None, why) when the C
    binding is not there or does not build."""
    header = os.path.join(ROOT, "bindings-c", "include", "dimg.h")
    src = os.path.join(HERE, "c", "bench_worker.c")
    libdir = os.path.join(ROOT, "target", "release")
    lib = os.path.join(libdir, "libdimg.so")
    if not (os.path.exists(header) and os.path.exists(src)):
        return None, "bindings-c has no include/dimg.h yet"
    if build:
        out = subprocess.run(["cargo", "build", "--quiet", "--release", "-p", "dimg-c"], cwd=ROOT,
                             capture_output=True, text=True)
        if out.returncode != 0:
            return None, "cargo build -p dimg-c failed: " + out.stderr.strip()[-400:]
    if not os.path.exists(lib):
        return None, "target/release/libdimg.so is not built (cargo build --release -p dimg-c)"
    exe = os.path.join(ROOT, "target", "release", "bench-worker-c")
    build = ["cc", "-O2", "-Wall", "-Wextra", "-o", exe, src, "-I", os.path.dirname(header), "-L", libdir,
             "-ldimg", f"-Wl,-rpath,{libdir}", "-lpthread"]
    out = subprocess.run(build, capture_output=True, text=True)
    if out.returncode != 0:
        return None, "the C worker does not compile against this dimg.h: " + out.stderr.strip()[:400]
    return [exe], None


def prepare_python_dimg(build):
    """A private release build of the Python binding for the dimg-py contender, so that whatever
    build is installed in the venv at the moment (a debug `maturin develop`, say) is not what gets
    measured. Returns the directory to put first on PYTHONPATH, or None to use the installed one."""
    dest = os.path.join(ROOT, "target", "bench-python")
    if build and shutil.which("maturin"):
        wheels = os.path.join(ROOT, "target", "bench-wheels")
        out = subprocess.run(["maturin", "build", "--release", "--quiet", "-o", wheels, "-m",
                              os.path.join(ROOT, "bindings-python", "Cargo.toml")], cwd=ROOT, capture_output=True,
                             text=True)
        if out.returncode != 0:
            log("maturin build --release failed, measuring the installed dimg: " + out.stderr.strip()[-300:])
            return None
        import zipfile

        wheel = max((os.path.join(wheels, w) for w in os.listdir(wheels) if w.endswith(".whl")), key=os.path.getmtime)
        shutil.rmtree(dest, ignore_errors=True)
        with zipfile.ZipFile(wheel) as z:
            z.extractall(dest)
    return dest if os.path.isdir(os.path.join(dest, "dimg")) else None


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rounds", type=int, default=7)
    ap.add_argument("--smoke", action="store_true", help="one round, one sample each, a ~2 MB 'large' pull")
    ap.add_argument("--only", help="comma-separated contenders (raw is always included)")
    ap.add_argument("--ops", help="comma-separated operations (ping,connect,list,...,pull_large,import)")
    ap.add_argument("--tags", type=int, default=1000, help="image tags to create under bench/ (default 1000)")
    ap.add_argument("--images", type=int, default=20, help="distinct bench/base-NN images carrying them")
    ap.add_argument("--large-mb", type=int, default=100)
    ap.add_argument("--keep-fixtures", action="store_true")
    ap.add_argument("--no-build", action="store_true", help="do not build target/release/bench-worker")
    ap.add_argument("--runtime", default="multi", choices=["multi", "current"],
                    help="tokio runtime of the Rust contenders (default: multi-thread, as #[tokio::main])")
    ap.add_argument("--transport", default="unix", choices=["unix", "tls", "ssh"],
                    help="how every contender reaches the daemon: its Unix socket (default), "
                         "DIMG_TEST_TLS_HOST with the certificates in DIMG_TEST_TLS_CERTS, or DIMG_TEST_SSH_HOST "
                         f"(default operations then: {','.join(REMOTE_OPS)})")
    ap.add_argument("--require", help="comma-separated contenders that must run (fail instead of skipping)")
    ap.add_argument("--markdown", help="also write the tables here")
    ap.add_argument("--json", help="write every sample here")
    ap.add_argument("--worker", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.worker:
        return python_worker(args.worker)

    if args.smoke:
        args.rounds, args.tags, args.images = 1, min(args.tags, 100), min(args.images, 5)
    sock, registry = engine_env()
    transport, host, ssh = args.transport, None, None
    if transport != "unix":
        need = (["DIMG_TEST_TLS_HOST", "DIMG_TEST_TLS_SOCKET", "DIMG_TEST_TLS_CERTS"] if transport == "tls"
                else ["DIMG_TEST_SSH_HOST", "DIMG_TEST_SSH_BIN"])
        missing = [v for v in need if not os.environ.get(v)]
        if missing:
            sys.exit(f"side-by-side: --transport {transport} needs {', '.join(missing)} (scripts/engine.sh up)")
        if transport == "tls":
            # The TLS daemon is dockerd #2; its own Unix socket sets up the fixtures (and raw-unix).
            sock, host = os.environ["DIMG_TEST_TLS_SOCKET"].removeprefix("unix://"), os.environ["DIMG_TEST_TLS_HOST"]
        else:
            host = os.environ["DIMG_TEST_SSH_HOST"]
            ssh = SshCounter(os.environ["DIMG_TEST_SSH_BIN"], host)
        if not args.ops:
            args.ops = ",".join(REMOTE_OPS)
    seed = load_seed()
    fixtures = Fixtures(seed, sock, registry, args.images, args.tags, args.large_mb)
    if args.smoke:
        fixtures.large = fixtures.medium  # no 100 MB image in a smoke run
    ops = [o for o in OPS if not args.ops or o[0] in args.ops.split(",")]
    # The one-shot pulls and the import times are transport-independent: Unix runs only.
    want_large = transport == "unix" and (not args.ops or "pull_large" in args.ops.split(","))
    want_import = transport == "unix" and (not args.ops or "import" in args.ops.split(","))
    contenders = [c for c in contenders_for(transport)
                  if not args.only or c[0] in ("raw", "raw-unix") or c[0] in args.only.split(",")]
    required = set((args.require or "").split(",")) - {""}

    if not args.no_build:
        log("building target/release/bench-worker")
        subprocess.run(["cargo", "build", "--quiet", "--release", "-p", "dimg-benches", "--bin", "bench-worker"],
                       cwd=ROOT, check=True)
    rust_worker = os.path.join(ROOT, "target", "release", "bench-worker")
    env = dict(os.environ)
    api_version = json.loads(seed.engine(sock, "GET", "/version")[1])["ApiVersion"]
    env.update({
        "BENCH_SOCKET": sock,
        "BENCH_API": api_version,
        "BENCH_INSPECT": fixtures.inspect,
        "BENCH_SEARCH": f"{os.environ['DIMG_TEST_INDEX']}/tomcat",
        "BENCH_SMALL": fixtures.small,
        "BENCH_LARGE": fixtures.large,
        "BENCH_DOCKER": shutil.which("docker") or "docker",
        "BENCH_CURL": shutil.which("curl") or "curl",
    })
    env.pop("DOCKER_HOST", None)
    # The docker CLI reads its config directory (and a current context in it); give it an
    # empty one, never ~/.docker.
    docker_config = tempfile.mkdtemp(prefix="dimg-bench-docker-config-")
    env["DOCKER_CONFIG"] = docker_config
    worker_cwd = None
    if transport != "unix":
        env.update({"BENCH_TRANSPORT": transport, "BENCH_HOST": host,
                    "BENCH_TLS_CERTS": os.environ.get("DIMG_TEST_TLS_CERTS", "")})
    if transport == "tls":
        # requests (under docker-py) lets these replace the CA file docker-py gives it for a
        # request, so the daemon would fail verification against the system roots.
        for var in ("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE"):
            if env.pop(var, None):
                log(f"unset {var} for the workers (requests would use it instead of the test CA)")
    if ssh:
        env = ssh.env(env)
        worker_cwd = ssh.dir  # openssh falls back to ./ for its control directory
    if any(c[0] == "dimg-py" for c in contenders):
        if not args.no_build:
            log("building the Python binding (maturin build --release)")
        private = prepare_python_dimg(not args.no_build)
        if private:
            env["PYTHONPATH"] = private + os.pathsep + env.get("PYTHONPATH", "")
        else:
            log("measuring the dimg installed in the venv (no private release build)")

    def argv_of(name, kind):
        if kind in ("rust", "process"):
            return [rust_worker, "--impl", name, "--runtime", args.runtime]
        if kind == "python":
            return [sys.executable, os.path.abspath(__file__), "--worker", name]
        return c_argv

    c_argv, c_skip = c_worker_argv(not args.no_build) if any(c[0] == "c" for c in contenders) else (None, None)
    skipped = {}
    if c_argv is None and any(c[0] == "c" for c in contenders):
        skipped["c"] = c_skip
    if not shutil.which("docker"):
        skipped["cli"] = "no docker CLI on PATH"
    if transport == "ssh" and any(c[0] == "curl" for c in contenders):
        skipped["curl"] = "curl cannot reach an ssh:// daemon"
    python_probe = {"dimg-py": "dimg", "docker-py": "docker", "docker-py-api": "docker"}
    for name, module in python_probe.items():
        if importlib.util.find_spec(module) is None:
            skipped[name] = f"`import {module}` fails in {sys.executable}"
    for name in required & set(skipped):
        sys.exit(f"side-by-side: {name} is required but cannot run: {skipped[name]}")
    contenders = [c for c in contenders if c[0] not in skipped]
    for name, why in skipped.items():
        log(f"skipping {name}: {why}")

    t_start = time.monotonic()
    fakes = start_fake_daemons(rust_worker, (1000, 10000 if args.smoke else 100000)) if want_large else {}
    n_images, n_tags = fixtures.setup()
    workers = {}
    samples = {}  # (contender, op) -> [ns]
    notes = {}  # (contender, op) -> skip/error text
    large = {}  # contender -> list of dicts
    imports = {}  # module -> [ns]
    failures = {}  # (contender, op) -> failed runs (not counted as samples)
    spawns = {}  # (contender, op) -> ssh processes started (ssh transport)
    try:
        for name, _, kind in contenders:
            try:
                workers[name] = Worker(name, argv_of(name, kind), env, cwd=worker_cwd)
            except Exception as e:  # noqa: BLE001
                if name in required:
                    raise
                skipped[name] = str(e)
                log(f"skipping {name}: {e}")
        contenders = [c for c in contenders if c[0] in workers]
        # Warm-up: every operation once, not counted. Over TLS and ssh a contender that opens a
        # new connection (a new ssh process) per request takes up to 1 000 times longer than
        # the others, so its samples per round are capped to what fits in REMOTE_BATCH_S.
        cap = {}
        for op, *_ in ops:
            for name in workers:
                reply = workers[name].run(op, 1)
                if transport != "unix" and reply.get("ns"):
                    cap[(name, op)] = max(1, int(REMOTE_BATCH_S * 1e9 / max(reply["ns"])))
        for r in range(args.rounds):
            t_round = time.monotonic()
            for op, _, n_lib, n_proc in ops:
                order = contenders[r % len(contenders):] + contenders[:r % len(contenders)]
                for name, _, kind in order:
                    n = 1 if args.smoke else (n_proc if kind == "process" else n_lib)
                    n = min(n, cap.get((name, op), n))
                    reply = workers[name].run(op, n)
                    if "ns" in reply:
                        samples.setdefault((name, op), []).extend(reply["ns"])
                        if reply.get("errors"):
                            failures[(name, op)] = failures.get((name, op), 0) + reply["errors"]
                            log(f"{name} {op}: {reply['errors']} failed run(s): {str(reply['last_error'])[:200]}")
                    else:
                        notes[(name, op)] = reply.get("skip") or ("error: " + str(reply.get("error")))
                        if "error" in reply:
                            log(f"{name} {op}: {reply['error']}")
                            if name in required:
                                raise RuntimeError(f"{name} {op}: {reply['error']}")
            if want_large:
                measure_large(fixtures, contenders, r, rust_worker, env, args, c_argv, fakes, large, required)
            if want_import:
                for module in ("dimg", "docker"):
                    if importlib.util.find_spec(module) is None:
                        continue
                    code = ("import time; t = time.perf_counter_ns(); import " + module +
                            "; print(time.perf_counter_ns() - t)")
                    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
                    if out.returncode == 0:
                        imports.setdefault(module, []).append(int(out.stdout.strip()))
            log(f"round {r + 1}/{args.rounds} done in {time.monotonic() - t_round:.1f}s")
        if ssh:
            spawns = count_ssh_starts(ssh, contenders, workers)
    finally:
        for w in workers.values():
            w.close()
        shutil.rmtree(docker_config, ignore_errors=True)
        if ssh:
            leftover = ssh_leftovers(ssh)
            if leftover:
                log(f"ssh processes left running after the workers exited: {leftover}")
            ssh.close()
        stop_fake_daemons(fakes)
        if not args.keep_fixtures:
            fixtures.teardown()

    text = report(args, contenders, ops, samples, notes, large, imports, skipped, n_images, n_tags,
                  time.monotonic() - t_start, {k: v[2] for k, v in fakes.items()}, failures)
    if ssh:
        text += ssh_report(contenders, spawns)
    print(text)
    if args.markdown:
        with open(args.markdown, "w") as f:
            f.write(text)
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"samples": {f"{c}/{o}": v for (c, o), v in samples.items()}, "notes":
                       {f"{c}/{o}": v for (c, o), v in notes.items()}, "large": large, "imports": imports,
                       "ssh_starts": {f"{c}/{o}": v for (c, o), v in spawns.items()}}, f)
    # A smoke run fails when one of dimg's own contenders failed an operation; a peer's failure
    # (docker-py racing another program's image removal, say) is shown but does not fail it.
    ours = ("raw", "dimg", "dimg-blocking", "dimg-py", "c")
    failed = [f"{c} {o}" for (c, o), v in notes.items() if v.startswith("error") and c in ours]
    failed += [f"{c} pull ({label})" for c, rows in large.items() if c in ours for row in rows
               for label, m in row.items() if not m["ok"]]
    if failed:
        log("failed: " + ", ".join(failed))
    return 1 if failed and args.smoke else 0


def count_ssh_starts(ssh, contenders, workers):
    """{(contender, op): ssh processes started} over SSH_COUNT_CALLS warm pings and inspects on
    each worker's warm client, and over one new client's first call ("connect"). The workers
    run one at a time, so every start logged during a request is that worker's."""
    spawns = {}
    for name, _, _ in contenders:
        if name not in workers:
            continue
        for op, n in (("ping", SSH_COUNT_CALLS), ("inspect", SSH_COUNT_CALLS), ("connect", 1)):
            time.sleep(0.5)  # an ssh that an earlier request's clean-up starts is not counted here
            before = len(ssh.starts())
            reply = workers[name].run(op, n)
            started = ssh.starts()[before:]
            if "ns" in reply and not reply.get("errors"):
                # (all, those that carry a connection to the daemon): bollard's openssh also
                # starts a control master per connection and `ssh -O exit` to stop it.
                spawns[(name, op)] = (len(started), sum("dial-stdio" in a for a in started))
            else:
                spawns[(name, op)] = reply.get("skip") or f"error: {reply.get('error') or reply.get('last_error')}"
    return spawns


def ssh_leftovers(ssh):
    """ssh processes still running that were started through the counting wrapper (their
    command line names its config), a moment after every worker exited."""
    time.sleep(0.5)
    left = []
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                argv = f.read().split(b"\0")
        except OSError:
            continue
        if argv and os.path.basename(argv[0]) == b"ssh" and ssh.config.encode() in argv:
            left.append(int(pid))
    return left


def ssh_report(contenders, spawns):
    lines = ["", f"ssh processes started (counted by an `ssh` wrapper first on PATH): during {SSH_COUNT_CALLS} warm "
             f"pings, during {SSH_COUNT_CALLS} warm inspects, and for one new client's version negotiation and "
             "first call; in parentheses, those that are not a connection to the daemon "
             "(`docker system dial-stdio`) but a control master or its `-O exit`.", "",
             f"| contender | {SSH_COUNT_CALLS} warm pings | {SSH_COUNT_CALLS} warm inspects | new client + first call |",
             "|---|---|---|---|"]
    for name, label, _ in contenders:
        if name == "raw-unix" or not any(k[0] == name for k in spawns):
            continue
        cells = []
        for op in ("ping", "inspect", "connect"):
            got = spawns.get((name, op), "–")
            if isinstance(got, tuple):
                got = f"{got[0]}" + (f" ({got[0] - got[1]} not connections)" if got[0] != got[1] else "")
            cells.append(str(got))
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def start_fake_daemons(rust_worker, events_list):
    """Starts one stand-in daemon per event count; returns {events: (process, socket, actual events)}."""
    fakes = {}
    for events in events_list:
        sock = f"/tmp/dimg-bench-fake-{os.getpid()}-{events}.sock"
        proc = subprocess.Popen([rust_worker, "--fake-daemon", sock, "--events", str(events)], stdout=subprocess.PIPE,
                                stdin=subprocess.DEVNULL, text=True)
        hello = json.loads(proc.stdout.readline())
        fakes[events] = (proc, sock, hello["events"])
    return fakes


def stop_fake_daemons(fakes):
    for proc, sock, _ in fakes.values():
        proc.terminate()
        proc.wait()
        if os.path.exists(sock):
            os.unlink(sock)


def pull_argv(name, kind, sock, ref, rust_worker, env, args, c_argv):
    """The command (and environment) of a one-shot pull of `ref` through `sock`."""
    e = dict(env, BENCH_SOCKET=sock, BENCH_LARGE=ref)
    if kind == "python":
        return [sys.executable, os.path.abspath(__file__), "--worker", name], dict(e, BENCH_ONESHOT="pull_large")
    if kind == "c":
        return c_argv + ["--oneshot", "pull_large"], e
    if name == "cli":
        return [env["BENCH_DOCKER"], "pull", ref], dict(e, DOCKER_HOST="unix://" + sock)
    if name == "curl":
        repo, tag = ref.rsplit(":", 1)
        url = (f"http://docker/v{env['BENCH_API']}/images/create?"
               f"fromImage={urllib.parse.quote(repo, safe='')}&tag={tag}")
        return [env["BENCH_CURL"], "-sS", "-f", "-X", "POST", "-H", "X-Registry-Auth: e30=", "--unix-socket", sock,
                "-o", "/dev/null", url], e
    return [rust_worker, "--impl", name, "--runtime", args.runtime, "--oneshot", "pull_large"], e


def measure_large(fixtures, contenders, r, rust_worker, env, args, c_argv, fakes, large, required):
    """One fresh-process pull per contender and source: the real large image through the real
    daemon, then the stand-in daemons' long and short streams."""
    order = contenders[r % len(contenders):] + contenders[:r % len(contenders)]
    sources = [("real", fixtures.sock, fixtures.large)]
    sources += [(f"fake{events}", sock, "bench/fake:1.0") for events, (_, sock, _) in sorted(fakes.items())]
    for name, _, kind in order:
        row = {}
        for label, sock, ref in sources:
            if label == "real":
                fixtures.remove(ref)
            argv, e = pull_argv(name, kind, sock, ref, rust_worker, env, args, c_argv)
            info, cpu, maxrss, ok = oneshot([rust_worker, "--measure"], argv, e)
            if not ok and name in required:
                raise RuntimeError(f"{name}: the one-shot pull ({label}) failed")
            row[label] = {"ok": ok, "cpu_s": cpu, "maxrss_kb": maxrss,
                          "events": ((info or {}).get("ok") or {}).get("events") if ok else None,
                          "in_call_cpu_s": (info or {}).get("cpu_ns", 0) / 1e9 if info else None}
            if label == "real":
                fixtures.remove(ref)
        large.setdefault(name, []).append(row)


def large_report(contenders, large, fakes_events):
    """The pull tables: CPU time and peak RSS of one-shot pull processes."""
    few, many = min(fakes_events), max(fakes_events)
    lines = ["", "Pulls, one fresh process each: CPU = the process's user + system time and peak RSS = its "
             "`ru_maxrss` (`wait4`); \"in the call\" = CPU time around the pull call only (library contenders). "
             f"\"real\" = the {'~2 MB (smoke)' if many < 50000 else '~100 MB, 10-layer'} image through dockerd, "
             f"which sends few progress messages; \"stream\" = a stand-in daemon (`bench-worker --fake-daemon`) "
             f"sending {fakes_events[many]} or {fakes_events[few]} messages. Memory is flat when the peak RSS for "
             f"{fakes_events[many]} messages is within 1 MiB of that for {fakes_events[few]}.", ""]
    lines.append(f"| contender | real: events | real: CPU | real: CPU in the call | real: peak RSS | "
                 f"stream {fakes_events[many]}: CPU | ÷ docker CLI | CPU in the call | peak RSS | "
                 f"stream {fakes_events[few]}: peak RSS | flat? |")
    lines.append("|---|---|---|---|---|---|---|---|---|---|---|")

    def med(name, label, key):
        vals = [r[label][key] for r in large.get(name, []) if r[label]["ok"] and r[label][key] is not None]
        return statistics.median(vals) if vals else None

    def ms(x):
        return "–" if x is None else f"{x * 1e3:.1f} ms"

    def mib(x):
        return "–" if x is None else f"{x / 1024:.1f} MiB"

    cli_cpu = med("cli", f"fake{many}", "cpu_s")
    for name, clabel, kind in contenders:
        rows = large.get(name, [])
        if not rows:
            continue
        events = next((r["real"]["events"] for r in rows if r["real"]["ok"]), None)
        library = kind not in ("process",)
        cpu_many = med(name, f"fake{many}", "cpu_s")
        rss_many, rss_few = med(name, f"fake{many}", "maxrss_kb"), med(name, f"fake{few}", "maxrss_kb")
        flat = "–" if rss_many is None or rss_few is None else (
            "yes" if rss_many - rss_few <= 1024 else f"no (+{(rss_many - rss_few) / 1024:.1f} MiB)")
        lines.append(
            f"| {clabel} | {events if events is not None else '–'} | {ms(med(name, 'real', 'cpu_s'))} | "
            f"{ms(med(name, 'real', 'in_call_cpu_s')) if library else '–'} | {mib(med(name, 'real', 'maxrss_kb'))} | "
            f"{ms(cpu_many)} | {fmt_ratio(cpu_many / cli_cpu) if cpu_many and cli_cpu else '–'} | "
            f"{ms(med(name, f'fake{many}', 'in_call_cpu_s')) if library else '–'} | {mib(rss_many)} | "
            f"{mib(rss_few)} | {flat} |")
    return lines


def report(args, contenders, ops, samples, notes, large, imports, skipped, n_images, n_tags, elapsed, fakes_events,
           failures):
    lines = []
    mode = "smoke run (1 round, 1 sample each)" if args.smoke else f"{args.rounds} alternating rounds"
    lines.append(f"Transport: {args.transport}. Engine: dockerd with {n_images} images / {n_tags} tags; {mode}; Rust runtime: "
                 f"tokio {'multi-thread' if args.runtime == 'multi' else 'current-thread'}; took {elapsed:.0f} s.")
    lines.append("")
    lines.append("| operation | contender | median | p95 | median ÷ floor | p95 ÷ floor | n |")
    lines.append("|---|---|---|---|---|---|---|")
    for op, label, *_ in ops:
        floor = samples.get(("raw", op))
        floor_med = statistics.median(floor) if floor else None
        floor_p95 = percentile(floor, 0.95) if floor else None
        first = True
        for name, clabel, _ in contenders:
            vals = samples.get((name, op))
            op_cell = f"**{label}**" if first else ""
            first = False
            if not vals:
                note = notes.get((name, op), "not measured")
                lines.append(f"| {op_cell} | {clabel} | – | – | – | – | {note} |")
                continue
            med, p95 = statistics.median(vals), percentile(vals, 0.95)
            rm = med / floor_med if floor_med else None
            rp = p95 / floor_p95 if floor_p95 else None
            n_cell = f"{len(vals)}" + (f" ({failures[(name, op)]} failed)" if (name, op) in failures else "")
            lines.append(f"| {op_cell} | {clabel} | {fmt_time(med)} | {fmt_time(p95)} | {fmt_ratio(rm)} | "
                         f"{fmt_ratio(rp)} | {n_cell} |")
    if large:
        lines += large_report(contenders, large, fakes_events)
    if imports:
        lines.append("")
        lines.append("| Python `import` (fresh interpreter) | median | p95 | n |")
        lines.append("|---|---|---|---|")
        for module, vals in imports.items():
            lines.append(f"| `import {module}` | {fmt_time(statistics.median(vals))} | "
                         f"{fmt_time(percentile(vals, 0.95))} | {len(vals)} |")
    if skipped:
        lines.append("")
        for name, why in skipped.items():
            lines.append(f"- not run: {name}: {why}")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    sys.exit(main())
