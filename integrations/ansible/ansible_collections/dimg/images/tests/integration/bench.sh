#!/usr/bin/env bash
# Wall time of the pull / no-op / remove plays of playbooks/cycle.yml, dimg.images against
# community.docker, on N hosts at once (forks = N). Not part of CI.
#
#   bench.sh N [ROUNDS]     N >= 2 hosts: ssh1 (dockerd #1 through the engine's sshd), tls1
#                           (fleet-1 over TLS), fleet-2.. by their sockets; ROUNDS (default 5)
#
# Prints a markdown table of medians. The daemon's part: `docker pull` / `docker rmi` of the
# same image with the docker CLI on one host (its own process start, ~0.05 s, included).
# Image: ansible/bench:1.0 (one 1 MB layer), seeded by seed_images.py.
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../../../../../../.." && pwd)
N=${1:?usage: bench.sh N [ROUNDS]}
ROUNDS=${2:-5}
((N >= 2)) || { echo "bench.sh: N must be at least 2" >&2; exit 2; }
cd "$ROOT"
VENV=$ROOT/.venv
eval "$(scripts/engine.sh env)"
export PATH="$DIMG_TEST_SSH_BIN:$VENV/bin:$PATH"
WORK=$(mktemp -d /tmp/dimg-ansible-bench.XXXXXX)
# The fleet's dockerds are stopped again when this script started them.
fleet_was_up=0
if scripts/fleet.sh env >/dev/null 2>&1; then fleet_was_up=1; fi
cleanup() {
  rm -rf "$WORK"
  if ((!fleet_was_up)); then scripts/fleet.sh down 2>/dev/null || true; fi
}
trap cleanup EXIT
export ANSIBLE_HOME=$WORK/home ANSIBLE_LOCAL_TEMP=$WORK/tmp ANSIBLE_NOCOLOR=1 DOCKER_CONFIG=$WORK/docker-config
export ANSIBLE_DEPRECATION_WARNINGS=0 ANSIBLE_PYTHON_INTERPRETER=$VENV/bin/python
export ANSIBLE_STDOUT_CALLBACK=ansible.builtin.json
mkdir -p "$DOCKER_CONFIG" "$WORK/collections"
export ANSIBLE_COLLECTIONS_PATH=$WORK/collections
ansible-galaxy collection build --force --output-path "$WORK" "$HERE/../.." >/dev/null
ansible-galaxy collection install --offline -p "$WORK/collections" "$WORK"/dimg-images-*.tar.gz >/dev/null

python3 "$HERE/seed_images.py" "$DIMG_TEST_REGISTRY"
eval "$(scripts/fleet.sh up $((N - 1)))"
read -ra FLEET <<<"$DIMG_FLEET_HOSTS"
IMAGE=ansible/bench:1.0
REF=$DIMG_TEST_REGISTRY/$IMAGE
{
  printf 'all:\n  vars:\n    registry: "%s"\n    ansible_connection: local\n  children:\n    fleet:\n      hosts:\n' "$DIMG_TEST_REGISTRY"
  printf '        ssh1:\n          docker_host: "%s"\n' "$DIMG_TEST_SSH_HOST"
  printf '        tls1:\n          docker_host: "%s"\n          validate_certs: true\n' "$DIMG_FLEET_TLS_HOST"
  printf '          ca_path: "%s/ca.pem"\n          client_cert: "%s/cert.pem"\n          client_key: "%s/key.pem"\n' \
    "$DIMG_TEST_TLS_CERTS" "$DIMG_TEST_TLS_CERTS" "$DIMG_TEST_TLS_CERTS"
  for ((i = 2; i <= N - 1; i++)); do
    printf '        unix%s:\n          docker_host: "%s"\n' "$i" "${FLEET[i - 1]}"
  done
} >"$WORK/inventory.yml"
TLS_ARGS=(--tlsverify --tlscacert "$DIMG_TEST_TLS_CERTS/ca.pem" --tlscert "$DIMG_TEST_TLS_CERTS/cert.pem" --tlskey "$DIMG_TEST_TLS_CERTS/key.pem" -H "$DIMG_FLEET_TLS_HOST")
clean() {
  /usr/local/bin/docker -H "$DIMG_TEST_SSH_HOST" rmi -f "$REF" >/dev/null 2>&1 || true
  /usr/local/bin/docker "${TLS_ARGS[@]}" rmi -f "$REF" >/dev/null 2>&1 || true
  for h in "${FLEET[@]:1}"; do /usr/local/bin/docker -H "$h" rmi -f "$REF" >/dev/null 2>&1 || true; done
}
now() { date +%s.%N; }

: >"$WORK/times"
for ((r = 1; r <= ROUNDS; r++)); do
  for modules in dimg community; do
    clean
    # (REQUESTS_CA_BUNDLE would replace community.docker's ca_path: see run.sh)
    env -u REQUESTS_CA_BUNDLE -u CURL_CA_BUNDLE ansible-playbook -f "$N" -i "$WORK/inventory.yml" "$HERE/playbooks/cycle.yml" -e "modules=$modules" -e "image=$IMAGE" >"$WORK/out.json" 2>"$WORK/err" ||
      { cat "$WORK/err" "$WORK/out.json" >&2; exit 1; }
    python3 - "$WORK/out.json" "$modules" >>"$WORK/times" <<'PY'
import datetime, json, sys
data = json.load(open(sys.argv[1]))
def t(s): return datetime.datetime.fromisoformat(s.replace("Z", "+00:00"))
for play in data["plays"]:
    d = play["play"]["duration"]
    failed = [h for h, s in data["stats"].items() if s["failures"] or s["unreachable"]]
    assert not failed, failed
    print(sys.argv[2], play["play"]["name"], (t(d["end"]) - t(d["start"])).total_seconds())
PY
  done
  # The daemon's part, on one host (fleet-2, by its socket): the docker CLI's pull and rmi.
  h=${FLEET[1]}
  a=$(now); /usr/local/bin/docker -H "$h" pull -q "$REF" >/dev/null; b=$(now)
  /usr/local/bin/docker -H "$h" image inspect "$REF" >/dev/null; c=$(now)
  /usr/local/bin/docker -H "$h" rmi "$REF" >/dev/null; d=$(now)
  printf 'daemon pull %s\ndaemon noop %s\ndaemon remove %s\n' "$(echo "$b - $a" | bc)" "$(echo "$c - $b" | bc)" "$(echo "$d - $c" | bc)" >>"$WORK/times"
done
clean
python3 - "$WORK/times" "$N" "$ROUNDS" <<'PY'
import collections, statistics, sys
times = collections.defaultdict(list)
for line in open(sys.argv[1]):
    who, phase, secs = line.split()
    times[(who, phase)].append(float(secs))
n, rounds = sys.argv[2], sys.argv[3]
print(f"| {n} hosts, median of {rounds} | dimg.images | community.docker | docker CLI on one host (the daemon's part) |")
print("|---|---|---|---|")
for phase in ["pull", "noop", "remove"]:
    d, c, k = (statistics.median(times[(w, phase)]) for w in ("dimg", "community", "daemon"))
    print(f"| {phase} play | {d:.2f} s | {c:.2f} s | {k:.2f} s |")
PY
