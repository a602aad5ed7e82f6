#!/usr/bin/env bash
# A fleet of extra private dockerds for the Ansible collection's tests and benchmarks
# (integrations/ansible), next to the engine of scripts/engine.sh, which must be up: they pull
# from its registry, and the first one's TLS port uses its certificates ($DIR/tls).
#
#   fleet-I     a light dockerd: own data-root, exec-root, pidfile, config file, containerd
#               namespace (dimg-fleet-I) and socket $FLEET/I/docker.sock; vfs storage, no
#               bridge, no iptables. fleet-1 also listens on 127.0.0.1:$DIMG_FLEET_TLS_PORT
#               (25510) with --tlsverify, with the engine's server certificate (IP:127.0.0.1)
#
# Usage: scripts/fleet.sh up N | down | env | status
#   up N     start fleet-1..fleet-N that are not running (in parallel), wait for them, write
#            and print $FLEET/env
#   down     stop every fleet dockerd this script started (by recorded pid)
#   env      print $FLEET/env: DIMG_FLEET_HOSTS (unix:// addresses, space separated),
#            DIMG_FLEET_TLS_HOST
#   status   one line per fleet dockerd
# Settings: DIMG_FLEET_DIR ($FLEET, default /tmp/dimg-fleet: outside the engine's directory, so
# that `engine.sh down --purge` never finds our mounts in it), DIMG_ENGINE_DIR (/tmp/dimg-engine,
# for the certificates), DIMG_FLEET_TLS_PORT (25510), DIMG_ENGINE_TIMEOUT (60).
set -euo pipefail

DIR=${DIMG_ENGINE_DIR:-/tmp/dimg-engine}
FLEET=${DIMG_FLEET_DIR:-/tmp/dimg-fleet} # short: a Unix socket path has a 108-byte limit
TLS=$DIR/tls
TLS_PORT=${DIMG_FLEET_TLS_PORT:-25510}
TIMEOUT=${DIMG_ENGINE_TIMEOUT:-60}

log() { printf 'fleet: %s\n' "$*" >&2; }
die() {
  log "ERROR: $*"
  exit 1
}

# start_time PID: field 22 of /proc/PID/stat, so that a recycled pid is never taken for ours.
start_time() {
  local stat
  local -a fields
  { read -r stat <"/proc/$1/stat"; } 2>/dev/null || return 1
  stat=${stat##*) }
  read -ra fields <<<"$stat"
  [[ ${fields[0]} != [ZX] ]] || return 1
  printf '%s\n' "${fields[19]}"
}

pid_of() { # I: the recorded pid of fleet-I, if that process still runs
  local f=$FLEET/$1/pid pid start
  [[ -s $f ]] || return 1
  read -r pid start <"$f" || true
  [[ $pid =~ ^[0-9]+$ && $(start_time "$pid" 2>/dev/null) == "$start" ]] || return 1
  printf '%s\n' "$pid"
}

ping_ok() { [[ $(curl --noproxy '*' -fsS --max-time 3 --unix-socket "$1" http://d/_ping 2>/dev/null) == OK ]]; }

start_one() { # I
  local i=$1 d=$FLEET/$1
  mkdir -p "$d"
  # Our own config file, so that /etc/docker/daemon.json is never read (see engine.sh).
  printf '{"deprecated-key-path": "%s/key.json"}\n' "$d" >"$d/daemon.json"
  rm -f "$d/docker.sock" "$d/dockerd.pid" "$d/exec/containerd/containerd.pid"
  local -a extra=()
  if [[ $i == 1 ]]; then
    [[ -s $TLS/server-key.pem ]] || die "no $TLS/server-key.pem: run scripts/engine.sh up first"
    extra=(-H "tcp://127.0.0.1:$TLS_PORT" --tlsverify --tlscacert="$TLS/ca.pem"
      --tlscert="$TLS/server-cert.pem" --tlskey="$TLS/server-key.pem")
  fi
  # setsid: signals meant for whoever ran `up` never reach the daemon; the shell writes its own
  # pid, then execs dockerd, so the pid is dockerd's.
  # shellcheck disable=SC2016 # $$ and $0 are for the inner shell
  setsid sh -c 'echo $$ >"$0"; exec "$@"' "$d/pid.tmp" dockerd \
    --config-file="$d/daemon.json" --storage-driver=vfs --iptables=false --bridge=none \
    --data-root="$d/root" --exec-root="$d/exec" --pidfile="$d/dockerd.pid" \
    --containerd-namespace="dimg-fleet-$i" --containerd-plugins-namespace="dimg-fleet-$i-plugins" \
    -H "unix://$d/docker.sock" "${extra[@]}" </dev/null >>"$d/dockerd.log" 2>&1 &
  local n pid
  for ((n = 0; n < 100; n++)); do
    if [[ -s $d/pid.tmp ]]; then
      read -r pid <"$d/pid.tmp"
      printf '%s %s\n' "$pid" "$(start_time "$pid")" >"$d/pid"
      rm -f "$d/pid.tmp"
      return 0
    fi
    sleep 0.02
  done
  die "fleet-$i did not start (log: $d/dockerd.log)"
}

write_env() { # N
  local hosts=() i
  for ((i = 1; i <= $1; i++)); do hosts+=("unix://$FLEET/$i/docker.sock"); done
  {
    printf 'export DIMG_FLEET_HOSTS=%q\n' "${hosts[*]}"
    printf 'export DIMG_FLEET_TLS_HOST=%q\n' "tcp://127.0.0.1:$TLS_PORT"
  } >"$FLEET/env"
}

cmd_up() {
  local n=${1:-}
  [[ $n =~ ^[1-9][0-9]*$ ]] || die "usage: $0 up N"
  mkdir -p "$FLEET"
  local i
  for ((i = 1; i <= n; i++)); do
    pid_of "$i" >/dev/null || start_one "$i"
  done
  local deadline=$((SECONDS + TIMEOUT))
  for ((i = 1; i <= n; i++)); do
    until ping_ok "$FLEET/$i/docker.sock"; do
      pid_of "$i" >/dev/null || { tail -n 20 "$FLEET/$i/dockerd.log" >&2; die "fleet-$i exited during start-up"; }
      ((SECONDS < deadline)) || die "fleet-$i not ready after ${TIMEOUT}s (log: $FLEET/$i/dockerd.log)"
      sleep 0.2
    done
  done
  write_env "$n"
  cat "$FLEET/env"
}

cmd_down() {
  local d i pid
  for d in "$FLEET"/*/; do
    [[ -d $d ]] || continue
    i=$(basename "$d")
    if pid=$(pid_of "$i"); then
      kill -TERM "$pid"
      local deadline=$((SECONDS + 30))
      while start_time "$pid" >/dev/null; do
        if ((SECONDS >= deadline)); then kill -KILL "$pid" 2>/dev/null || true; fi
        sleep 0.1
      done
      log "stopped fleet-$i (pid $pid)"
    fi
    rm -f "$d/pid"
  done
  rm -f "$FLEET/env"
}

cmd_status() {
  local d i pid
  for d in "$FLEET"/*/; do
    [[ -d $d ]] || continue
    i=$(basename "$d")
    if pid=$(pid_of "$i"); then
      printf 'fleet-%-3s pid %-8s unix://%sdocker.sock\n' "$i" "$pid" "$d"
    else
      printf 'fleet-%-3s stopped\n' "$i"
    fi
  done
}

case ${1:-} in
  up) cmd_up "${2:-}" ;;
  down) cmd_down ;;
  env) [[ -s $FLEET/env ]] || die "no $FLEET/env (run: $0 up N)"; cat "$FLEET/env" ;;
  status) cmd_status ;;
  *) sed -n '/^# Usage:/,/^# Settings/p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2 ;;
esac
