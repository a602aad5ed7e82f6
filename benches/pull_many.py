#!/usr/bin/env python3
"""Eight images at once: dimg's pull_many against pulls one after another and the docker CLI run
eight times in parallel; and what the pull policies' checks cost on an image already present.

    python3 benches/pull_many.py --rounds 7 --markdown /tmp/pull-many.md   # the full run (~2 min)
    python3 benches/pull_many.py --smoke                                   # one short round

Against the project's private engine (scripts/engine.sh; its `env` gives the socket, the registry
and dockerd's pid file), with the seeded set `many-bench/m1..m8:1.0` of the test registry (one
256 KiB base layer shared by all eight, one 64 KiB layer each; scripts/seed_registry.py). Nothing
else is touched: the eight are removed from the daemon before every run and at the end.

Eight images, each contender in a fresh process per run, removed between runs, the order of the
contenders rotating from round to round:

  dimg-many            target/release/pull-bench many --concurrency 4 REFS   (Tokio multi-thread)
  dimg-many-blocking   the same with dimg::blocking (no runtime; one thread)
  dimg-many-8          pull-bench many --concurrency 8 REFS (all eight at once, as the CLI below)
  dimg-serial          target/release/pull-bench serial REFS (one pull after another, one client)
  cli-parallel         8 x `docker pull REF` started at once
  cli-serial           8 x `docker pull REF`, one after another

Wall time is taken here around the run (process start included, for every contender alike).
Client CPU (user + system) and peak RSS are each client process's own, from `wait4`, read by
`bench-worker --measure` (a small parent: Linux carries a parent's peak RSS into a child's
`ru_maxrss` across exec). For eight CLI processes CPU is their sum, and peak RSS is given as their
sum (they run at the same time) and as the largest. The daemon's CPU is dockerd's user + system
time over the run, and the registry's likewise (/proc/PID/stat, 10 ms ticks): what they spend,
whoever asks; other work on the same daemon at the time counts in it too.

Policies: one warm client and one process (`pull-bench policy`), `many-bench/m1:1.0` present:
blocks of 10 calls of `pull` with Always, Missing and Newer, and of a plain `inspect`, in an order
rotating per round; wall time per call inside the process, and dockerd's CPU per call.
"""

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
RELEASE = os.path.join(ROOT, "target", "release")

CONTENDERS = [
    ("dimg-many", "dimg `pull_many(concurrency=4)` (async, Tokio multi-thread)"),
    ("dimg-many-blocking", "dimg `pull_many(concurrency=4)` (`dimg::blocking`)"),
    ("dimg-many-8", "dimg `pull_many(concurrency=8)` (async; as many at once as the CLI row below)"),
    ("dimg-serial", "dimg, one `pull` after another (async)"),
    ("cli-parallel", "docker CLI: 8 × `docker pull` at once"),
    ("cli-serial", "docker CLI: 8 × `docker pull`, one after another"),
]

POLICIES = [
    ("always", "`pull`, `PullPolicy::Always` (the default): the daemon asks the registry"),
    ("missing", "`pull`, `PullPolicy::Missing`: one local inspect, nothing to the registry"),
    ("newer", "`pull`, `PullPolicy::Newer`: inspect + the registry's digest (`GET /distribution/…/json`)"),
    ("inspect", "`inspect` alone (what `Missing` costs at least)"),
]


def log(msg):
    print(f"[pull_many] {msg}", file=sys.stderr, flush=True)


def engine_env():
    """The engine's variables (from `scripts/engine.sh env` when they are not set already)."""
    if "DIMG_TEST_DOCKER_HOST" not in os.environ:
        out = subprocess.run(["bash", os.path.join(ROOT, "scripts", "engine.sh"), "env"], capture_output=True,
                             text=True)
        if out.returncode != 0:
            sys.exit("pull_many: the engine is not up; run scripts/engine.sh up first\n" + out.stderr)
        for line in out.stdout.splitlines():
            line = line.removeprefix("export ")
            if "=" in line:
                k, v = line.split("=", 1)
                os.environ.setdefault(k, v.strip("'\""))
    return os.environ


def daemon_ticks(pid):
    """dockerd's user + system CPU so far, in clock ticks."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])


TICK_S = 1 / os.sysconf("SC_CLK_TCK")


class Bench:
    def __init__(self, args, env):
        self.args = args
        self.sock = env["DIMG_TEST_DOCKER_HOST"].removeprefix("unix://")
        registry = env["DIMG_TEST_REGISTRY"]
        self.refs = [f"{registry}/many-bench/m{i}:1.0" for i in range(1, 9)]
        with open(env["DIMG_TEST_DOCKERD_PIDFILE"]) as f:
            self.dockerd = int(f.read().strip())
        # The set's distinct layers (the shared base once), from the seed summary.
        with open(env["DIMG_TEST_SEED"]) as f:
            seeded = [e for e in json.load(f) if e["name"].startswith("many-bench/")]
        layers = {layer["digest"]: layer["size"] for e in seeded for layer in e["layers"]}
        self.layers, self.layer_bytes = len(layers), sum(layers.values())
        # The registry's pid, as engine.sh wrote it (`PID START`); its CPU is the registry's part.
        try:
            with open(os.path.join(env["DIMG_ENGINE_DIR"], "pids", "registry")) as f:
                self.registry = int(f.read().split()[0])
        except (KeyError, OSError, ValueError, IndexError):
            self.registry = None
        self.docker = args.docker
        self.env = dict(env, DOCKER_HOST=f"unix://{self.sock}", BENCH_SOCKET=self.sock,
                        BENCH_DOCKERD_PID=str(self.dockerd))
        self.measure = [os.path.join(RELEASE, "bench-worker"), "--measure", "--"]
        self.pull_bench = os.path.join(RELEASE, "pull-bench")

    def cli(self, *argv, check=True):
        out = subprocess.run([self.docker, *argv], capture_output=True, text=True, env=self.env)
        if check and out.returncode != 0:
            raise RuntimeError(f"docker {' '.join(argv)}: {out.stderr.strip()}")
        return out

    def remove(self):
        """The eight gone from the daemon (their layers with them: nothing else uses them)."""
        self.cli("rmi", "-f", *self.refs, check=False)
        left = [r for r in self.refs if self.cli("image", "inspect", r, check=False).returncode == 0]
        if left:
            raise RuntimeError(f"still present after rmi: {left}")

    def all_present(self):
        return self.cli("image", "inspect", *self.refs, check=False).returncode == 0

    def spawn(self, argv):
        return subprocess.Popen(self.measure + argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                env=self.env)

    @staticmethod
    def collect(proc):
        out, err = proc.communicate()
        try:
            m = json.loads(out.strip().splitlines()[-1])
        except (ValueError, IndexError):
            raise RuntimeError(f"measure failed: {err.strip()[-300:]}")
        if not m.get("exit_ok"):
            raise RuntimeError(f"run failed: {m}")
        return m

    def run(self, name):
        """One run of `name` on an empty daemon: wall s, client CPU s, peak RSS KiB (sum, max),
        daemon CPU s, client events."""
        self.remove()
        before = daemon_ticks(self.dockerd)
        registry_before = daemon_ticks(self.registry) if self.registry else 0
        started = time.perf_counter()
        if name.startswith("dimg-"):
            argv = {
                "dimg-many": [self.pull_bench, "many", "--concurrency", "4", *self.refs],
                "dimg-many-blocking": [self.pull_bench, "many", "--blocking", "--concurrency", "4", *self.refs],
                "dimg-many-8": [self.pull_bench, "many", "--concurrency", "8", *self.refs],
                "dimg-serial": [self.pull_bench, "serial", *self.refs],
            }[name]
            runs = [self.collect(self.spawn(argv))]
        elif name == "cli-parallel":
            procs = [self.spawn([self.docker, "pull", ref]) for ref in self.refs]
            runs = [self.collect(p) for p in procs]
        else:
            runs = [self.collect(self.spawn([self.docker, "pull", ref])) for ref in self.refs]
        wall = time.perf_counter() - started
        daemon = (daemon_ticks(self.dockerd) - before) * TICK_S
        registry = (daemon_ticks(self.registry) - registry_before) * TICK_S if self.registry else None
        child = runs[0].get("child") or {}
        if name.startswith("dimg-") and any(o != "Downloaded" for o in child.get("outcomes", ["?"])):
            raise RuntimeError(f"{name}: {child}")
        if not self.all_present():
            raise RuntimeError(f"{name}: not every image is present after the run")
        rss = [r["maxrss_kb"] for r in runs]
        return {
            "wall_s": wall,
            "cpu_s": sum(r["cpu_s"] for r in runs),
            "rss_sum_kb": sum(rss),
            "rss_max_kb": max(rss),
            "daemon_s": daemon,
            "registry_s": registry,
            "events": child.get("events"),
        }

    def policies(self, rounds):
        self.remove()
        m = self.collect(self.spawn([self.pull_bench, "policy", "--rounds", str(rounds), self.refs[0]]))
        self.remove()
        child = m.get("child") or {}
        if "error" in child:
            raise RuntimeError(child["error"])
        return child


def median(values):
    return statistics.median(values) if values else None


def p95(values):
    values = sorted(values)
    if not values:
        return None
    k = (len(values) - 1) * 0.95
    lo, hi = int(k), min(int(k) + 1, len(values) - 1)
    return values[lo] + (values[hi] - values[lo]) * (k - lo)


def fmt_s(s):
    if s is None:
        return "–"
    if s >= 1:
        return f"{s:.2f} s"
    if s >= 1e-3:
        return f"{s * 1e3:.1f} ms"
    return f"{s * 1e6:.0f} µs"


def fmt_mib(kb):
    return f"{kb / 1024:.1f} MiB"


def fmt_ratio(x):
    return "–" if x is None else (f"×{x:.2f}" if x < 10 else f"×{x:.0f}")


def eight_table(bench, results, rounds):
    base = median([r["wall_s"] for r in results["dimg-many"]])
    cli_cpu = median([r["cpu_s"] for r in results["cli-parallel"]])
    lines = [
        f"Eight images (`many-bench/m1..m8:1.0`: {bench.layers} distinct layers, {bench.layer_bytes / 1024:.0f} KiB "
        f"compressed), removed before every run; median of {rounds} runs each.",
        "",
        "| contender | wall | ÷ pull_many | client CPU | ÷ docker ×8 at once | client peak RSS | dockerd CPU | registry CPU |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for name, label in CONTENDERS:
        runs = results[name]
        wall = median([r["wall_s"] for r in runs])
        cpu = median([r["cpu_s"] for r in runs])
        rss_sum, rss_max = median([r["rss_sum_kb"] for r in runs]), median([r["rss_max_kb"] for r in runs])
        rss = fmt_mib(rss_sum) if rss_sum == rss_max else f"{fmt_mib(rss_sum)} (8 processes; largest {fmt_mib(rss_max)})"
        if name == "cli-serial":
            rss = f"{fmt_mib(rss_max)} (one at a time)"
        lines.append(
            f"| {label} | {fmt_s(wall)} | {fmt_ratio(wall / base)} | {fmt_s(cpu)} | {fmt_ratio(cpu / cli_cpu)} | "
            f"{rss} | {fmt_s(median([r['daemon_s'] for r in runs]))} | "
            f"{fmt_s(median([r['registry_s'] for r in runs if r['registry_s'] is not None]))} |"
        )
    return "\n".join(lines)


def policy_table(policy, rounds):
    always = median(policy["always"]["ns"])
    n = len(policy["always"]["ns"])
    lines = [
        f"`many-bench/m1:1.0` present, one warm client; {rounds} rounds of 10 calls per kind "
        f"(n = {n} each), wall time per call in the process.",
        "",
        "| call | median | p95 | ÷ Always | outcome | daemon CPU per call |",
        "|---|---|---|---|---|---|",
    ]
    for name, label in POLICIES:
        ns = policy[name]["ns"]
        daemon = policy[name].get("daemon_cpu_ms_per_call")
        lines.append(
            f"| {label} | {fmt_s(median(ns) / 1e9)} | {fmt_s(p95(ns) / 1e9)} | {fmt_ratio(median(ns) / always)} | "
            f"{', '.join(policy[name]['outcomes'])} | {'–' if daemon is None else f'{daemon:.1f} ms'} |"
        )
    return "\n".join(lines)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    ap.add_argument("--rounds", type=int, default=7, help="runs of each contender (eight images)")
    ap.add_argument("--policy-rounds", type=int, default=5, help="rounds of 10 calls per policy")
    ap.add_argument("--smoke", action="store_true", help="one round, one policy round")
    ap.add_argument("--no-build", action="store_true", help="do not build target/release/pull-bench")
    ap.add_argument("--docker", default=shutil.which("docker") or "/usr/local/bin/docker", help="the docker CLI")
    ap.add_argument("--markdown", help="also write the tables to this file")
    ap.add_argument("--json", help="write every sample to this file")
    args = ap.parse_args()
    if args.smoke:
        args.rounds, args.policy_rounds = 1, 1
    env = engine_env()
    if not args.no_build:
        log("building target/release/pull-bench and bench-worker")
        subprocess.run(["cargo", "build", "--quiet", "--release", "-p", "dimg-benches", "--bin", "pull-bench", "--bin",
                        "bench-worker"], cwd=ROOT, check=True)
    bench = Bench(args, env)
    load = os.getloadavg()
    results = {name: [] for name, _ in CONTENDERS}
    started = time.perf_counter()
    try:
        for r in range(args.rounds):
            order = CONTENDERS[r % len(CONTENDERS):] + CONTENDERS[:r % len(CONTENDERS)]
            for name, _ in order:
                results[name].append(bench.run(name))
            log(f"round {r + 1}/{args.rounds}: " + ", ".join(
                f"{name} {results[name][-1]['wall_s']:.2f}s" for name, _ in CONTENDERS))
        policy = bench.policies(args.policy_rounds)
    finally:
        bench.remove()
    elapsed = time.perf_counter() - started
    cli = subprocess.run([args.docker, "version", "--format", "{{.Client.Version}} / {{.Server.Version}}"],
                         capture_output=True, text=True, env=bench.env).stdout.strip()
    text = "\n\n".join([
        f"{os.cpu_count()} vCPUs, load average {load[0]:.1f} at the start, {os.getloadavg()[0]:.1f} at the end; "
        f"docker CLI / daemon {cli}; {elapsed:.0f} s in all.",
        eight_table(bench, results, args.rounds),
        policy_table(policy, args.policy_rounds),
    ])
    print(text)
    if args.markdown:
        with open(args.markdown, "w") as f:
            f.write(text + "\n")
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"eight": results, "policy": policy}, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
