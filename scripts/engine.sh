#!/usr/bin/env bash
# A private Docker engine for dimg's tests, on loopback only:
#   dockerd     own data-root, exec-root, pidfile, config file and socket ($DIR/docker.sock),
#               vfs storage, no bridge, no iptables, with the mirror below as its registry mirror
#   registry    distribution registry on 127.0.0.1:$DIMG_REGISTRY_PORT (delete enabled), seeded
#               with deterministic images by seed_registry.py
#   authreg     the same storage served with htpasswd auth on 127.0.0.1:$DIMG_AUTH_REGISTRY_PORT
#               (25503), user dimg, password in the env file
#   mirror      a second registry, a pull-through cache of the first, so Docker Hub names
#               (`docker pull zookeeper`) resolve offline through the daemon's mirror
#   index       search_index.py, a v1 search index fixture for GET /images/search
#   podman      optional (`up --podman` or DIMG_ENGINE_PODMAN=1): podman's Docker-compatible API
# The machine's own docker socket, /var/lib/docker and /etc/docker are never used.
#
# Usage: scripts/engine.sh up [--podman] | down [--purge] | env | status | restart-dockerd
#   up               install what is missing, start what is not running, seed, write and print $DIR/env;
#                    when a step fails, stop again what this run started
#   down [--purge]   stop what `up` started (by recorded pid) and wait for it; --purge removes $DIR
#   env              print $DIR/env (fails when the engine is not up)
#   status           one line per service
#   restart-dockerd  stop dockerd (if running) and start it again, e.g. after a test stopped it
#
# Settings (environment): DIMG_ENGINE_DIR (default /tmp/dimg-engine; keep it short, a Unix
# socket path has a 108-byte limit), DIMG_REGISTRY_PORT (25500), DIMG_MIRROR_PORT (25501),
# DIMG_INDEX_PORT (25502), DIMG_ENGINE_PODMAN=1, DIMG_ENGINE_TIMEOUT (seconds per service, 60).
# Tests read DIMG_TEST_* from the env file (`eval "$(scripts/engine.sh env)"`), never DOCKER_HOST.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
DIR=${DIMG_ENGINE_DIR:-/tmp/dimg-engine}
# Default ports below the kernel's ephemeral range (32768-60999 here), so that no outgoing
# connection can hold one of them when a service binds it.
REGISTRY_PORT=${DIMG_REGISTRY_PORT:-25500}
MIRROR_PORT=${DIMG_MIRROR_PORT:-25501}
AUTH_PORT=${DIMG_AUTH_REGISTRY_PORT:-25503}
TCP_PORT=${DIMG_DOCKER_TCP_PORT:-25504}
# Fixed test credentials of the htpasswd registry; the password has characters whose standard
# base64 holds '+' and '/', so a client that does not use base64url is caught.
AUTH_USER=dimg
AUTH_PASSWORD='s3cr?t>~'

INDEX_PORT=${DIMG_INDEX_PORT:-25502}
TIMEOUT=${DIMG_ENGINE_TIMEOUT:-60}
WANT_PODMAN=${DIMG_ENGINE_PODMAN:-0}

SOCK=$DIR/docker.sock
PODMAN_DIR=$DIR/podman
PODMAN_SOCK=$PODMAN_DIR/podman.sock
PIDS=$DIR/pids          # one file per service, holding the pid that `up` started
ENV_FILE=$DIR/env
MARKER=$DIR/.dimg-engine  # proof that $DIR is ours before `down --purge` removes it

log() { printf 'engine: %s\n' "$*" >&2; }
# Services this run of `up` started, so that a failure stops them again instead of leaving
# half an engine running (what was already running is left alone).
STARTED=()

die() {
  log "ERROR: $*"
  log "logs are in $DIR/*.log"
  if ((${#STARTED[@]})); then
    log "stopping what this run started: ${STARTED[*]}"
    local i
    for ((i = ${#STARTED[@]} - 1; i >= 0; i--)); do
      if [[ ${STARTED[i]} == dockerd ]]; then stop_dockerd; else stop "${STARTED[i]}"; fi
    done
  fi
  exit 1
}

# Every HTTP call goes to loopback: never through a proxy named in the environment.
lcurl() { curl --noproxy '*' -fsS --max-time 3 "$@"; }

usage() {
  sed -n '/^# Usage:/,/^# Tests read/p' "$0" | sed 's/^# \{0,1\}//' >&2
  exit 2
}

# ----------------------------------------------------------------------------------------------
# Installing

ensure_packages() {
  local pkgs=()
  command -v dockerd >/dev/null || pkgs+=(docker.io)
  command -v docker-registry >/dev/null || pkgs+=(docker-registry)
  command -v htpasswd >/dev/null || pkgs+=(apache2-utils)
  command -v curl >/dev/null || pkgs+=(curl)
  command -v python3 >/dev/null || pkgs+=(python3)
  if [[ $WANT_PODMAN == 1 ]] && ! command -v podman >/dev/null; then pkgs+=(podman); fi
  ((${#pkgs[@]})) || return 0
  [[ $(id -u) == 0 ]] || die "missing ${pkgs[*]}; installing them needs root"
  log "installing ${pkgs[*]} with apt-get (about a minute; log: $DIR/apt.log)"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update >"$DIR/apt.log" 2>&1 || { tail -n 20 "$DIR/apt.log" >&2; die "apt-get update failed"; }
  apt-get install -y "${pkgs[@]}" >>"$DIR/apt.log" 2>&1 ||
    { tail -n 20 "$DIR/apt.log" >&2; die "apt-get install ${pkgs[*]} failed"; }
  local bin
  for bin in dockerd docker-registry curl python3; do
    command -v "$bin" >/dev/null || die "$bin is still not on PATH ($PATH) after installing ${pkgs[*]}"
  done
}

# ----------------------------------------------------------------------------------------------
# Processes. Each service runs in its own session (setsid), so that signals meant for whatever
# ran `up` (a terminal's Ctrl-C later, a CI step's process group) do not reach it. The pid is
# written by the shell that then execs the service, so it is the service's own pid. Next to it
# goes the process's start time, so that a recycled pid is never taken for ours.

# start_time PID: field 22 of /proc/PID/stat (clock ticks after boot; exec does not change it).
# Fails when there is no such process or it is a zombie: an exited child stays one until init
# reaps it, which can take a while, and dockerd would take such a pid in its pidfile as a
# running daemon.
start_time() {
  local stat
  local -a fields
  # read, not $(<file): in bash 5.2 a $(<file) of a missing file ends a `set -e` script even
  # inside a condition.
  { read -r stat <"/proc/$1/stat"; } 2>/dev/null || return 1
  stat=${stat##*) } # drop "pid (comm) ": comm may hold spaces; field 3 (state) comes first now
  read -ra fields <<<"$stat"
  [[ ${fields[0]} != [ZX] ]] || return 1
  printf '%s\n' "${fields[19]}"
}

# pid_of NAME: the recorded pid, if that process is alive and still the one we started.
pid_of() {
  local f=$PIDS/$1 pid start
  [[ -s $f ]] || return 1
  read -r pid start <"$f" || true
  [[ $pid =~ ^[0-9]+$ && -n $start ]] || return 1
  [[ $(start_time "$pid" 2>/dev/null) == "$start" ]] || return 1
  printf '%s\n' "$pid"
}

# launch NAME CMD...: start CMD in the background, log to $DIR/NAME.log, pid to $PIDS/NAME.
launch() {
  local name=$1
  shift
  mkdir -p "$PIDS"
  {
    printf '\n==== %s: start %s\n' "$(date -u +%FT%TZ)" "$name"
    printf '%q ' "$@"
    printf '\n'
  } >>"$DIR/$name.log"
  rm -f "$PIDS/$name" # so that the loop below waits for the new pid, not an old one
  # 9>&-: the service must not inherit the lock (see with_lock), or it would hold it forever.
  # shellcheck disable=SC2016 # $$ and $0 are for the inner shell
  setsid sh -c 'echo $$ >"$0"; exec "$@"' "$PIDS/$name" "$@" </dev/null >>"$DIR/$name.log" 2>&1 9>&- &
  local i pid start
  for ((i = 0; i < 100; i++)); do
    if [[ -s $PIDS/$name ]]; then
      read -r pid <"$PIDS/$name"
      start=$(start_time "$pid") || break # already gone: wait_ready shows the log
      printf '%s %s\n' "$pid" "$start" >"$PIDS/$name"
      return 0
    fi
    sleep 0.02
  done
  tail -n 25 "$DIR/$name.log" >&2 || true
  die "$name did not start (log above: $DIR/$name.log)"
}

# wait_ready NAME CHECK...: poll CHECK until it succeeds; fail early if NAME's process died,
# and after $TIMEOUT seconds, showing the tail of its log either way.
wait_ready() {
  local name=$1
  shift
  local deadline=$((SECONDS + TIMEOUT))
  until "$@" >/dev/null 2>&1; do
    if ! pid_of "$name" >/dev/null; then
      tail -n 25 "$DIR/$name.log" >&2 || true
      die "$name exited during start-up (log above: $DIR/$name.log)"
    fi
    if ((SECONDS >= deadline)); then
      tail -n 25 "$DIR/$name.log" >&2 || true
      die "$name not ready after ${TIMEOUT}s (log above: $DIR/$name.log)"
    fi
    sleep 0.2
  done
}

# stop NAME...: SIGTERM each, then wait for all to exit (SIGKILL after 30 s).
stop() {
  local name pid deadline entry
  local -a left=()
  for name in "$@"; do
    if pid=$(pid_of "$name"); then
      kill -TERM "$pid" 2>/dev/null || true
      left+=("$name:$pid")
    fi
  done
  deadline=$((SECONDS + 30))
  for entry in "${left[@]+"${left[@]}"}"; do
    name=${entry%%:*} pid=${entry#*:}
    while start_time "$pid" >/dev/null; do
      if ((SECONDS >= deadline)); then
        log "$name (pid $pid) ignored SIGTERM for 30s: SIGKILL"
        kill -KILL "$pid" 2>/dev/null || true
        deadline=$((SECONDS + 3600)) # once
      fi
      sleep 0.1
    done
    rm -f "$PIDS/$name"
    log "stopped $name (pid $pid)"
  done
}

# port_free PORT: nothing listens on 127.0.0.1:PORT (bash's /dev/tcp connects or fails).
port_free() { ! (: <"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

need_port() { # NAME PORT VARIABLE
  port_free "$2" || die "127.0.0.1:$2 (for $1) is used by a process this script did not start; free it or set $3"
}

# ensure NAME CHECK...: make sure NAME runs, starting it with start_NAME if it does not.
# A recorded process that does not pass CHECK yet is starting or shutting down (a test may
# have just sent dockerd SIGTERM): wait until it answers, or until it is gone and then start
# it again. Readiness of what was just launched is awaited later (wait_ready), so that all
# services come up in parallel.
ensure() {
  local name=$1
  shift
  local deadline=$((SECONDS + TIMEOUT))
  while pid_of "$name" >/dev/null; do
    "$@" >/dev/null 2>&1 && return 0
    if ((SECONDS >= deadline)); then
      tail -n 25 "$DIR/$name.log" >&2 || true
      die "$name (pid $(pid_of "$name")) runs but has not answered for ${TIMEOUT}s; try: $0 down"
    fi
    sleep 0.2
  done
  STARTED+=("$name")
  "start_$name"
}

# ----------------------------------------------------------------------------------------------
# Readiness checks

docker_ok() { [[ $(lcurl --unix-socket "$SOCK" http://d/_ping) == OK ]]; }
registry_ok() { [[ $(lcurl "http://127.0.0.1:$1/v2/") == "{}" ]]; }
authreg_ok() { [[ $(lcurl -u "$AUTH_USER:$AUTH_PASSWORD" "http://127.0.0.1:$AUTH_PORT/v2/") == "{}" ]]; }
index_ok() { lcurl "http://127.0.0.1:$INDEX_PORT/v1/_ping" >/dev/null; }
podman_ok() { [[ $(lcurl --unix-socket "$PODMAN_SOCK" http://d/_ping) == OK ]]; }

# ----------------------------------------------------------------------------------------------
# Services

write_registry_config() { # FILE PORT STORAGE [PROXY_REMOTE] [HTPASSWD]
  {
    cat <<EOF
version: 0.1
log:
  level: info
storage:
  filesystem:
    rootdirectory: $3
  delete:
    enabled: true
  cache:
    blobdescriptor: inmemory
http:
  addr: 127.0.0.1:$2
  # A fixed secret only quiets the "generated random secret" warning; nothing here is shared.
  secret: dimg-test-engine
EOF
    if [[ -n ${4:-} ]]; then
      printf 'proxy:\n  remoteurl: %s\n' "$4"
    fi
    if [[ -n ${5:-} ]]; then
      printf 'auth:\n  htpasswd:\n    realm: dimg-test\n    path: %s\n' "$5"
    fi
  } >"$1"
}

# The start_NAME functions launch a service that is known not to run (see ensure).

start_registry() {
  need_port registry "$REGISTRY_PORT" DIMG_REGISTRY_PORT
  write_registry_config "$DIR/registry.yml" "$REGISTRY_PORT" "$DIR/registry"
  launch registry docker-registry serve "$DIR/registry.yml"
}

# The seeded registry's storage, read through a second registry that demands a password.
start_authreg() {
  need_port authreg "$AUTH_PORT" DIMG_AUTH_REGISTRY_PORT
  htpasswd -Bbn "$AUTH_USER" "$AUTH_PASSWORD" >"$DIR/htpasswd"
  write_registry_config "$DIR/authreg.yml" "$AUTH_PORT" "$DIR/registry" "" "$DIR/htpasswd"
  launch authreg docker-registry serve "$DIR/authreg.yml"
}

start_mirror() {
  need_port mirror "$MIRROR_PORT" DIMG_MIRROR_PORT
  write_registry_config "$DIR/mirror.yml" "$MIRROR_PORT" "$DIR/mirror" "http://127.0.0.1:$REGISTRY_PORT"
  launch mirror docker-registry serve "$DIR/mirror.yml"
}

start_index() {
  need_port index "$INDEX_PORT" DIMG_INDEX_PORT
  # -u: unbuffered, so each request is in index.log as it happens.
  launch index python3 -u "$HERE/search_index.py" --port "$INDEX_PORT"
}

start_dockerd() {
  if [[ -S $SOCK ]] && docker_ok; then
    die "something answers on $SOCK but its pid is not recorded in $PIDS/dockerd"
  fi
  need_port dockerd-tcp "$TCP_PORT" DIMG_DOCKER_TCP_PORT
  # Our own config file: without --config-file, dockerd would read /etc/docker/daemon.json,
  # and its directives could clash with our flags. The trust key (key.json) would default to
  # /etc/docker too; `deprecated-key-path` has no command-line flag in 20.10, only this key.
  cat >"$DIR/daemon.json" <<EOF
{
  "registry-mirrors": ["http://127.0.0.1:$MIRROR_PORT"],
  "deprecated-key-path": "$DIR/key.json"
}
EOF
  # Our dockerd is not running (see ensure), so a pidfile left behind is stale, unless its
  # process lives (a dockerd whose start was not recorded). dockerd itself would refuse to
  # start while the pid in it exists, even as a zombie.
  local other
  if [[ -s $DIR/dockerd.pid ]] && { read -r other <"$DIR/dockerd.pid"; } 2>/dev/null && start_time "$other" >/dev/null 2>&1; then
    die "a dockerd (pid $other, from $DIR/dockerd.pid) runs without being recorded in $PIDS; stop it first"
  fi
  rm -f "$SOCK" "$DIR/dockerd.pid"
  # The containerd namespaces keep this daemon apart from the machine's dockerd in the case
  # that a system containerd is running (dockerd then uses it instead of starting its own).
  launch dockerd dockerd \
    --config-file="$DIR/daemon.json" \
    --storage-driver=vfs --iptables=false --bridge=none \
    --data-root="$DIR/root" --exec-root="$DIR/exec" --pidfile="$DIR/dockerd.pid" \
    --containerd-namespace=dimg-test --containerd-plugins-namespace=dimg-test-plugins \
    -H "unix://$SOCK" -H "tcp://127.0.0.1:$TCP_PORT"
}

start_podman() {
  mkdir -p "$PODMAN_DIR"
  cat >"$PODMAN_DIR/storage.conf" <<EOF
[storage]
driver = "vfs"
runroot = "$PODMAN_DIR/run"
graphroot = "$PODMAN_DIR/graph"
EOF
  # The loopback registries, mirror and search index are plain HTTP; Docker Hub names go
  # through the mirror, as they do for dockerd.
  cat >"$PODMAN_DIR/registries.conf" <<EOF
unqualified-search-registries = []

[[registry]]
location = "127.0.0.1:$REGISTRY_PORT"
insecure = true

[[registry]]
location = "127.0.0.1:$MIRROR_PORT"
insecure = true

[[registry]]
location = "127.0.0.1:$INDEX_PORT"
insecure = true

[[registry]]
location = "127.0.0.1:$AUTH_PORT"
insecure = true

[[registry]]
prefix = "docker.io"
location = "docker.io"

[[registry.mirror]]
location = "127.0.0.1:$MIRROR_PORT"
insecure = true
EOF
  # Network configs (and their lock file) in our dir rather than in /etc/cni/net.d.
  cat >"$PODMAN_DIR/containers.conf" <<EOF
[network]
network_config_dir = "$PODMAN_DIR/net.d"

[engine]
cgroup_manager = "cgroupfs"
events_logger = "file"
tmp_dir = "$PODMAN_DIR/tmp"
EOF
  rm -f "$PODMAN_SOCK"
  CONTAINERS_CONF=$PODMAN_DIR/containers.conf CONTAINERS_STORAGE_CONF=$PODMAN_DIR/storage.conf \
    CONTAINERS_REGISTRIES_CONF=$PODMAN_DIR/registries.conf \
    launch podman podman system service --time=0 "unix://$PODMAN_SOCK"
}

# ----------------------------------------------------------------------------------------------
# Env file

write_env() {
  {
    # shellcheck disable=SC2016 # the $(...) is meant literally
    printf '# dimg test engine, written by scripts/engine.sh up; load with: eval "$(scripts/engine.sh env)"\n'
    printf 'export %s=%q\n' \
      DIMG_ENGINE_DIR "$DIR" \
      DIMG_TEST_DOCKER_HOST "unix://$SOCK" \
      DIMG_TEST_TCP_HOST "tcp://127.0.0.1:$TCP_PORT" \
      DIMG_TEST_DOCKERD_PIDFILE "$DIR/dockerd.pid" \
      DIMG_TEST_REGISTRY "127.0.0.1:$REGISTRY_PORT" \
      DIMG_TEST_MIRROR "127.0.0.1:$MIRROR_PORT" \
      DIMG_TEST_INDEX "127.0.0.1:$INDEX_PORT" \
      DIMG_TEST_AUTH_REGISTRY "127.0.0.1:$AUTH_PORT" \
      DIMG_TEST_AUTH_USER "$AUTH_USER" \
      DIMG_TEST_AUTH_PASSWORD "$AUTH_PASSWORD" \
      DIMG_TEST_SEED "$DIR/seed.json"
    if pid_of podman >/dev/null; then
      printf 'export %s=%q\n' DIMG_TEST_PODMAN_HOST "unix://$PODMAN_SOCK"
    fi
  } >"$ENV_FILE.tmp"
  mv "$ENV_FILE.tmp" "$ENV_FILE"
}

# The ports a running engine was started with, so a second `up` with other ports is refused
# rather than half-applied.
check_config() {
  local want="REGISTRY_PORT=$REGISTRY_PORT MIRROR_PORT=$MIRROR_PORT INDEX_PORT=$INDEX_PORT AUTH_PORT=$AUTH_PORT TCP_PORT=$TCP_PORT" have
  if [[ -s $DIR/ports ]] && IFS= read -r have <"$DIR/ports"; then
    # Every port the running engine recorded must match; a port it did not record yet (a
    # service added since it started) is simply started now.
    local kv differs=0
    for kv in $have; do
      [[ " $want " == *" $kv "* ]] || differs=1
    done
    if ((differs)); then
      local name
      for name in registry authreg mirror index dockerd; do
        if pid_of "$name" >/dev/null; then
          die "the engine in $DIR runs with $have, not $want: run '$0 down' first"
        fi
      done
    fi
  fi
  printf '%s\n' "$want" >"$DIR/ports"
}

load_ports() { # for commands other than `up`: the ports the engine was started with
  [[ -s $DIR/ports ]] || return 0
  local kv
  local -a kvs
  read -ra kvs <"$DIR/ports"
  for kv in "${kvs[@]}"; do
    case $kv in
      REGISTRY_PORT=*) REGISTRY_PORT=${kv#*=} ;;
      MIRROR_PORT=*) MIRROR_PORT=${kv#*=} ;;
      INDEX_PORT=*) INDEX_PORT=${kv#*=} ;;
      AUTH_PORT=*) AUTH_PORT=${kv#*=} ;;
      TCP_PORT=*) TCP_PORT=${kv#*=} ;;
    esac
  done
}

# ----------------------------------------------------------------------------------------------
# Commands

cmd_up() {
  local t0=$SECONDS
  ((${#SOCK} < 100)) || die "socket path $SOCK is too long for a Unix socket; use a shorter DIMG_ENGINE_DIR"
  touch "$MARKER"
  check_config
  ensure_packages

  # Restart a running index whose code or data changed since it started, so that an edited
  # fixture never goes unnoticed.
  if pid_of index >/dev/null && [[ $HERE/search_index.py -nt $PIDS/index || $HERE/search_index.json -nt $PIDS/index ]]; then
    log "search index fixture changed: restarting it"
    stop index
  fi
  # Podman reads the registries.conf written by this script when it starts.
  if pid_of podman >/dev/null && [[ $HERE/engine.sh -nt $PIDS/podman ]]; then
    log "scripts/engine.sh changed since podman started (its registries.conf): restarting it"
    stop podman
  fi
  # Start everything that is not running, then wait for each: they come up in parallel.
  ensure registry registry_ok "$REGISTRY_PORT"
  ensure mirror registry_ok "$MIRROR_PORT"
  ensure authreg authreg_ok
  ensure index index_ok
  ensure dockerd docker_ok
  if [[ $WANT_PODMAN == 1 ]]; then ensure podman podman_ok; fi
  wait_ready registry registry_ok "$REGISTRY_PORT"
  wait_ready mirror registry_ok "$MIRROR_PORT"
  wait_ready authreg authreg_ok
  wait_ready index index_ok
  wait_ready dockerd docker_ok
  if [[ $WANT_PODMAN == 1 ]]; then wait_ready podman podman_ok; fi

  # Seeding is quick when already done (a stamp plus one HEAD per tag); a first run also pulls
  # every image through dockerd and removes it again, so the daemon starts with no images.
  python3 "$HERE/seed_registry.py" --registry "127.0.0.1:$REGISTRY_PORT" \
    --docker-socket "$SOCK" --stamp "$DIR/seed.stamp" --summary "$DIR/seed.json" >&2 ||
    die "seeding the registry failed (output above; registry log: $DIR/registry.log, dockerd log: $DIR/dockerd.log)"

  write_env
  log "up in $((SECONDS - t0))s; logs: $DIR/*.log; env: $ENV_FILE"
  cat "$ENV_FILE"
}

# stop_dockerd: stop dockerd, and the containerd it started if that outlived it (it does when
# dockerd is killed with SIGKILL; a later dockerd would adopt it, `down` should not leave it).
stop_dockerd() {
  stop dockerd
  local f=$DIR/exec/containerd/containerd.pid pid
  if [[ -s $f ]] && { read -r pid <"$f"; } 2>/dev/null && [[ $pid =~ ^[0-9]+$ ]] && start_time "$pid" >/dev/null &&
    tr '\0' ' ' <"/proc/$pid/cmdline" | grep -qF -- "$DIR/exec/containerd/"; then
    mkdir -p "$PIDS"
    printf '%s %s\n' "$pid" "$(start_time "$pid")" >"$PIDS/containerd"
    stop containerd
  fi
}

cmd_down() {
  local purge=0
  case ${1:-} in
    --purge) purge=1 ;;
    "") ;;
    *) usage ;;
  esac
  stop podman
  stop_dockerd
  stop index mirror authreg registry
  rm -f "$ENV_FILE"
  if ((purge)) && [[ -d $DIR ]]; then
    [[ -e $MARKER ]] || die "$DIR has no $MARKER: not removing a directory this script did not make"
    # dockerd bind-mounts its data-root onto itself and undoes that when it stops cleanly; after
    # a SIGKILL the mount stays. Nothing of ours runs any more, so unmount what is left, deepest
    # first, and never remove a directory that still has something mounted in it.
    local m
    while read -r m; do
      umount "$m" 2>/dev/null || umount -l "$m" || true
    done < <(awk -v d="$DIR/" 'index($2, d) == 1 { print $2 }' /proc/mounts | sort -r)
    if awk -v d="$DIR/" 'index($2, d) == 1 { found = 1 } END { exit !found }' /proc/mounts; then
      die "mounts remain under $DIR (see /proc/mounts): not removing it"
    fi
    rm -rf -- "$DIR"
    log "removed $DIR"
  fi
}

cmd_env() {
  [[ -s $ENV_FILE ]] || die "no $ENV_FILE: the engine is not up (run: $0 up)"
  pid_of dockerd >/dev/null || log "warning: dockerd is not running (run: $0 restart-dockerd or $0 up)"
  cat "$ENV_FILE"
}

cmd_status() {
  load_ports
  local name pid state where rc=0
  local -a check
  for name in dockerd registry authreg mirror index podman; do
    if pid=$(pid_of "$name"); then
      case $name in
        dockerd) where=unix://$SOCK check=(docker_ok) ;;
        registry) where=http://127.0.0.1:$REGISTRY_PORT check=(registry_ok "$REGISTRY_PORT") ;;
        mirror) where=http://127.0.0.1:$MIRROR_PORT check=(registry_ok "$MIRROR_PORT") ;;
        authreg) where=http://127.0.0.1:$AUTH_PORT check=(authreg_ok) ;;
        index) where=http://127.0.0.1:$INDEX_PORT check=(index_ok) ;;
        podman) where=unix://$PODMAN_SOCK check=(podman_ok) ;;
      esac
      state=ready
      "${check[@]}" || { state="NOT ANSWERING"; rc=1; }
      printf '%-9s pid %-8s %-14s %s\n' "$name" "$pid" "$state" "$where"
    elif [[ $name != podman ]]; then
      printf '%-9s stopped\n' "$name"
      rc=1
    fi
  done
  printf 'dir %s, logs %s/*.log\n' "$DIR" "$DIR"
  return "$rc"
}

cmd_restart_dockerd() {
  load_ports
  [[ -e $MARKER ]] || die "no engine in $DIR (run: $0 up)"
  stop_dockerd
  ensure dockerd docker_ok
  wait_ready dockerd docker_ok
  log "dockerd ready (pid $(pid_of dockerd)) on unix://$SOCK"
}

# with_lock CMD...: one engine.sh at a time per $DIR (tests running in parallel may all call
# `up` or `restart-dockerd`). The lock is on fd 9, which launch closes for the services.
with_lock() {
  mkdir -p "$DIR"
  exec 9>"$DIR/.lock"
  flock -w $((TIMEOUT * 3)) 9 || die "another engine.sh holds $DIR/.lock for too long"
  "$@"
}

main() {
  local cmd=${1:-}
  shift || true
  case $DIR in /?*) ;; *) die "DIMG_ENGINE_DIR must be an absolute path (got '$DIR')" ;; esac
  case $cmd in
    up)
      for arg in "$@"; do
        case $arg in
          --podman) WANT_PODMAN=1 ;;
          *) usage ;;
        esac
      done
      with_lock cmd_up
      ;;
    down)
      if [[ ! -d $DIR ]]; then
        log "nothing to stop: no $DIR"
        return 0
      fi
      with_lock cmd_down "$@"
      ;;
    env) cmd_env ;;
    status) cmd_status ;;
    restart-dockerd) with_lock cmd_restart_dockerd ;;
    *) usage ;;
  esac
}

main "$@"
