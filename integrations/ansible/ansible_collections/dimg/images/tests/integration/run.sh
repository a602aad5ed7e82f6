#!/usr/bin/env bash
# The dimg.images collection's tests, against real engines (called by scripts/test.sh):
#   1. the collection builds (ansible-galaxy collection build), installs from the tarball, and
#      ansible-doc renders every module
#   2. a fleet: dockerd #1 of scripts/engine.sh reached over ssh:// through the engine's sshd
#      (ssh1), and scripts/fleet.sh's own dockerds, fleet-1 over TLS (tls1), fleet-2 by its
#      socket (unix1), fleet-3 as a fresh host (fresh1); every playbook asserts on its
#      registered results, and the engines' state is checked with the docker CLI after each
#   3. the same pull / no-op / remove cycle with community.docker's modules, compared field by
#      field (compare.py)
# Needs the engine up (scripts/engine.sh up) and dimg built into .venv (maturin develop).
# Installs the pinned ansible (with community.docker) and requests into .venv.
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../../../../../../.." && pwd)
COLLECTION=$(cd "$HERE/../.." && pwd)
ANSIBLE_VERSION=12.3.0 # ansible-core 2.19, community.docker 4.8
cd "$ROOT"
VENV=$ROOT/.venv

if [[ $("$VENV/bin/python" -c 'import importlib.metadata as m; print(m.version("ansible"))' 2>/dev/null) != "$ANSIBLE_VERSION" ]] ||
  ! "$VENV/bin/python" -c 'import requests' 2>/dev/null; then
  "$VENV/bin/pip" install -q --disable-pip-version-check "ansible==$ANSIBLE_VERSION" requests
fi
eval "$(scripts/engine.sh env)"
export PATH="$DIMG_TEST_SSH_BIN:$VENV/bin:$PATH"

WORK=$(mktemp -d /tmp/dimg-ansible.XXXXXX)
# The fleet's dockerds are stopped again when this script started them.
fleet_was_up=0
if scripts/fleet.sh env >/dev/null 2>&1; then fleet_was_up=1; fi
cleanup() {
  rm -rf "$WORK"
  if ((!fleet_was_up)); then scripts/fleet.sh down 2>/dev/null || true; fi
}
trap cleanup EXIT
# Nothing of the user's: no ~/.ansible, no ~/.docker/config.json (so no credentials either).
export ANSIBLE_HOME=$WORK/home ANSIBLE_LOCAL_TEMP=$WORK/tmp ANSIBLE_REMOTE_TEMP=$WORK/remote-tmp
export ANSIBLE_SSH_CONTROL_PATH_DIR=$WORK/cp ANSIBLE_NOCOLOR=1 ANSIBLE_FORCE_COLOR=0
export ANSIBLE_COLLECTIONS_PATH=$WORK/collections DOCKER_CONFIG=$WORK/docker-config
export ANSIBLE_DEPRECATION_WARNINGS=0 ANSIBLE_PYTHON_INTERPRETER=$VENV/bin/python
mkdir -p "$DOCKER_CONFIG"
t0=$SECONDS
step() { printf -- '--- ansible: %s\n' "$*"; }
fail() {
  printf 'ansible: FAILED: %s\n' "$*" >&2
  exit 1
}

step "build, install from the tarball, ansible-doc"
ansible-galaxy collection build --force --output-path "$WORK" "$COLLECTION" >/dev/null
ansible-galaxy collection install --offline -p "$WORK/collections" "$WORK"/dimg-images-*.tar.gz >/dev/null
for module in image image_info image_prune; do
  doc=$(ansible-doc "dimg.images.$module" 2>&1) || fail "ansible-doc dimg.images.$module: $doc"
  grep -q "EXAMPLES" <<<"$doc" && grep -q "RETURN VALUES" <<<"$doc" || fail "ansible-doc dimg.images.$module lacks EXAMPLES or RETURN"
done
echo "built $(basename "$WORK"/dimg-images-*.tar.gz), installed; ansible-doc renders image, image_info, image_prune"

step "fleet and images"
python3 "$HERE/seed_images.py" "$DIMG_TEST_REGISTRY"
eval "$(scripts/fleet.sh up 3)"
read -ra FLEET <<<"$DIMG_FLEET_HOSTS"
TLS_ARGS=(--tlsverify --tlscacert "$DIMG_TEST_TLS_CERTS/ca.pem" --tlscert "$DIMG_TEST_TLS_CERTS/cert.pem" --tlskey "$DIMG_TEST_TLS_CERTS/key.pem")
declare -A CLI=(
  [ssh1]="-H $DIMG_TEST_SSH_HOST"
  [tls1]="${TLS_ARGS[*]} -H $DIMG_FLEET_TLS_HOST"
  [unix1]="-H ${FLEET[1]}"
  [fresh1]="-H ${FLEET[2]}"
)
cli() { # HOST ARGS...: the docker CLI against an inventory host's engine
  local host=$1
  shift
  # shellcheck disable=SC2086 # the host's flags are words
  /usr/local/bin/docker ${CLI[$host]} "$@"
}
has() { cli "$1" image inspect "$DIMG_TEST_REGISTRY/$2" >/dev/null 2>&1; }
APP=ansible/app:1.0
# A clean start, also after a run that failed half-way.
for host in ssh1 tls1 unix1 fresh1; do
  cli "$host" rmi -f "$DIMG_TEST_REGISTRY/$APP" "$DIMG_TEST_REGISTRY/ansible/app:2.0" >/dev/null 2>&1 || true
done
cli ssh1 rmi -f "$DIMG_TEST_REGISTRY/ansible/node:1.0" >/dev/null 2>&1 || true

INVENTORY=$WORK/inventory.yml
cat >"$INVENTORY" <<YAML
all:
  vars:
    registry: "$DIMG_TEST_REGISTRY"
    auth_registry: "$DIMG_TEST_AUTH_REGISTRY"
    auth_password: "$DIMG_TEST_AUTH_PASSWORD"
    ssh_unreachable: "$DIMG_TEST_SSH_UNREACHABLE"
    closed_port: "${DIMG_SSH_UNREACHABLE_PORT:-25507}"
    wrong_ca: "$DIMG_TEST_TLS_WRONG_CA"
    python_without_dimg: /usr/bin/python3
  hosts:
    localhost:
      ansible_connection: local
  children:
    fleet:
      vars:
        ansible_connection: local
      hosts:
        ssh1:
          docker_host: "$DIMG_TEST_SSH_HOST"
        tls1:
          docker_host: "$DIMG_FLEET_TLS_HOST"
          validate_certs: true
          ca_path: "$DIMG_TEST_TLS_CERTS/ca.pem"
          client_cert: "$DIMG_TEST_TLS_CERTS/cert.pem"
          client_key: "$DIMG_TEST_TLS_CERTS/key.pem"
        unix1:
          docker_host: "${FLEET[1]}"
    fresh:
      vars:
        ansible_connection: local
      hosts:
        fresh1:
          docker_host: "${FLEET[2]}"
    node:
      hosts:
        node1:
          ansible_connection: ssh
          ansible_host: 127.0.0.1
          ansible_port: "${DIMG_TEST_SSH_HOST##*:}"
          ansible_user: root
YAML

# play PLAYBOOK [ARGS...]: ansible-playbook, its output in $WORK/last.log (shown on failure).
play() {
  local book=$1
  shift
  if ! ansible-playbook -i "$INVENTORY" "$HERE/playbooks/$book" "$@" >"$WORK/last.log" 2>&1; then
    cat "$WORK/last.log" >&2
    fail "ansible-playbook $book $*"
  fi
}
# recap HOST...: each host's PLAY RECAP counts, e.g. "ssh1 ok=4 changed=0 failed=0".
recap() {
  local host
  for host in "$@"; do
    awk -v h="$host" '$1 == h && $2 == ":" { print h, $3, $4, $6 }' "$WORK/last.log" | tail -n 1
  done
}
manifest_requests() { grep -c '/v2/ansible/app/manifests/' "$DIMG_ENGINE_DIR/registry.log" || true; }

step "pull on every host, then again: changed=0 everywhere and no request to the registry"
play present.yml
echo "first run:  $(recap ssh1 tls1 unix1 | tr '\n' ';')"
grep -q 'changed=1' <<<"$(recap ssh1 tls1 unix1)" || fail "the first run changed nothing"
for host in ssh1 tls1 unix1; do has "$host" "$APP" || fail "docker CLI: $APP is not on $host after the pull"; done
play present.yml
echo "second run: $(recap ssh1 tls1 unix1 | tr '\n' ';')"
for host in ssh1 tls1 unix1; do
  [[ $(recap "$host") == "$host ok="*" changed=0 failed=0" ]] || fail "second run on $host: $(recap "$host")"
done
# pull=missing alone (the pull=newer task asks the registry by design): not one request.
before=$(manifest_requests)
play present.yml --tags missing
after=$(manifest_requests)
echo "registry requests for ansible/app manifests during a third run (pull=missing only): $((after - before))"
((after == before)) || fail "pull=missing of a present image sent $((after - before)) manifest requests to the registry"
((before > 0)) || fail "no ansible/app manifest request in $DIMG_ENGINE_DIR/registry.log at all: cannot count"

step "--check --diff: a fresh host and a removal change nothing"
play check.yml --check --diff
has fresh1 "$APP" && fail "check mode pulled $APP on fresh1"
for host in ssh1 tls1 unix1; do has "$host" "$APP" || fail "check mode removed $APP from $host"; done
echo "fresh1 still without $APP; ssh1 tls1 unix1 still with it"

step "list, remove, prune (check mode first)"
play info_remove_prune.yml
for host in ssh1 tls1 unix1; do
  has "$host" "$APP" && fail "docker CLI: $APP still on $host after the removal"
  has "$host" ansible/app:2.0 && fail "docker CLI: ansible/app:2.0 still on $host after the prune"
  left=$(cli "$host" images -q --filter label=org.dimg.suite=ansible)
  [[ -z $left ]] || fail "docker CLI: images of ours left on $host: $left"
done
echo "docker CLI: no image labelled org.dimg.suite=ansible left on ssh1 tls1 unix1"

step "bad input"
play bad_input.yml
echo "invalid reference, unreachable ssh and tcp hosts, wrong CA, no TLS, absent missing image, image not in the registry, private image without credentials, Python without dimg: all as expected"

step "on the managed node (ssh connection), with its own engine"
play managed_node.yml
has ssh1 ansible/node:1.0 && fail "ansible/node:1.0 left on dockerd #1"
echo "node1: pulled, seen by the node's docker CLI, removed ($(recap node1))"

step "the same cycle with community.docker, compared field by field"
mkdir -p "$WORK/cmp/dimg" "$WORK/cmp/community"
play cycle.yml -e modules=dimg -e "out=$WORK/cmp"
# requests lets REQUESTS_CA_BUNDLE / CURL_CA_BUNDLE (set on many machines, here too) replace the
# CA that community.docker gives it (ca_path), so its TLS host fails without this; dimg is not
# affected.
(
  unset REQUESTS_CA_BUNDLE CURL_CA_BUNDLE
  play cycle.yml -e modules=community -e "out=$WORK/cmp"
)
python3 "$HERE/compare.py" "$WORK/cmp" ssh1 tls1 unix1
for host in ssh1 tls1 unix1; do has "$host" "$APP" && fail "$APP left on $host"; done

step "all passed in $((SECONDS - t0))s"
