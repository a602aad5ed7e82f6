#!/usr/bin/env bash
# A private Docker engine for dimg's tests, on loopback only:
#   dockerd     own data-root, exec-root, pidfile, config file and socket ($DIR/docker.sock),
#               vfs storage, no bridge, no iptables, with the mirror below as its registry mirror;
#               also plain TCP on 127.0.0.1:$DIMG_DOCKER_TCP_PORT (25504)
#   tlsdockerd  a second dockerd like the first (own data-root, exec-root, containerd, config,
#               socket $DIR/tls-docker.sock), whose TCP socket 127.0.0.1:$DIMG_DOCKER_TLS_PORT
#               (25505) demands TLS with a client certificate (--tlsverify). The certificates
#               are made once by openssl under $DIR/tls: a CA; the server's, for IP:127.0.0.1
#               only (so tcp://localhost:PORT is a name mismatch); a client's, laid out like
#               DOCKER_CERT_PATH in $DIR/tls/client; and an unrelated CA in $DIR/tls/wrong-ca
#               (ca.pem, plus copies of the client's cert.pem and key.pem)
#   sshd        OpenSSH on 127.0.0.1:$DIMG_SSH_PORT (25506) with its own config, host key and
#               keys under $DIR/ssh, never /etc/ssh or ~/.ssh; a login as root runs commands with
#               DOCKER_HOST set to the first dockerd, so `docker system dial-stdio` reaches it.
#               $DIR/ssh/bin/ssh runs ssh with $DIMG_TEST_SSH_CONFIG (default $DIR/ssh/config:
#               the good key and known_hosts); the env file names configs with an unknown host
#               key, an unauthorized key, and a key whose logins find no docker on PATH
#   registry    distribution registry on 127.0.0.1:$DIMG_REGISTRY_PORT (delete enabled), seeded
#               with deterministic images by seed_registry.py
#   authreg     the same storage served with htpasswd auth on 127.0.0.1:$DIMG_AUTH_REGISTRY_PORT
#               (25503), user dimg, password in the env file
#   mirror      a second registry, a pull-through cache of the first, so Docker Hub names
#               (`docker pull zookeeper`) resolve offline through the daemon's mirror
#   index       search_index.py, a v1 search index fixture for GET /images/search
#   faultproxy  fault_proxy.py on 127.0.0.1:$DIMG_FAULT_PROXY_PORT (25508), in front of the
#               registry: the daemon pulls through it, and a test can make it answer 429 or
#               503, reset, or stall (rules scoped by repository name; see fault_proxy.py)
#   podman      optional (`up --podman` or DIMG_ENGINE_PODMAN=1): podman's Docker-compatible API
# The machine's own docker socket, /var/lib/docker, /etc/docker, its sshd (port 22), /etc/ssh and
# ~/.ssh are never used.
#
# Usage: scripts/engine.sh up [--podman] | down [--purge] | env | status | restart-dockerd
#                          | restart-tls-dockerd | stop-tls-dockerd
#   up                   install what is missing, start what is not running, seed, write and
#                        print $DIR/env; when a step fails, stop again what this run started
#   down [--purge]       stop what `up` started (by recorded pid) and wait for it; --purge
#                        removes $DIR
#   env                  print $DIR/env (fails when the engine is not up)
#   status               one line per service
#   restart-dockerd      stop dockerd (if running) and start it again, e.g. after a test stopped it
#   restart-tls-dockerd  the same for tlsdockerd
#   stop-tls-dockerd     stop tlsdockerd (a test of a daemon that goes away), until
#                        restart-tls-dockerd or up
#
# Settings (environment): DIMG_ENGINE_DIR (default /tmp/dimg-engine; keep it short, a Unix
# socket path has a 108-byte limit), DIMG_REGISTRY_PORT (25500), DIMG_MIRROR_PORT (25501),
# DIMG_INDEX_PORT (25502), DIMG_AUTH_REGISTRY_PORT (25503), DIMG_DOCKER_TCP_PORT (25504),
# DIMG_DOCKER_TLS_PORT (25505), DIMG_SSH_PORT (25506), DIMG_SSH_UNREACHABLE_PORT (25507, where
# nothing may listen), DIMG_FAULT_PROXY_PORT (25508), DIMG_ENGINE_PODMAN=1, DIMG_ENGINE_TIMEOUT (seconds per service, 60).
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
TLS_PORT=${DIMG_DOCKER_TLS_PORT:-25505}
SSH_PORT=${DIMG_SSH_PORT:-25506}
# Nothing listens here: tests of an ssh:// host that refuses the connection.
SSH_UNREACHABLE_PORT=${DIMG_SSH_UNREACHABLE_PORT:-25507}
# Fixed test credentials of the htpasswd registry; the password has characters whose standard
# base64 holds '+' and '/', so a client that does not use base64url is caught.
AUTH_USER=dimg
AUTH_PASSWORD='s3cr?t>~'

INDEX_PORT=${DIMG_INDEX_PORT:-25502}
FAULT_PORT=${DIMG_FAULT_PROXY_PORT:-25508}
TIMEOUT=${DIMG_ENGINE_TIMEOUT:-60}
WANT_PODMAN=${DIMG_ENGINE_PODMAN:-0}

SOCK=$DIR/docker.sock
TLS_SOCK=$DIR/tls-docker.sock
TLS=$DIR/tls            # certificates, made once (make_tls)
SSH_DIR=$DIR/ssh        # sshd's config and host key, the clients' keys, configs and wrapper
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
      # A service with more to stop than its own process has a stop_NAME of its own.
      if declare -F "stop_${STARTED[i]}" >/dev/null; then "stop_${STARTED[i]}"; else stop "${STARTED[i]}"; fi
    done
  fi
  remove_policy_rc_d
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
  local pkgs=() bare=()
  command -v dockerd >/dev/null || pkgs+=(docker.io)
  command -v docker-registry >/dev/null || pkgs+=(docker-registry)
  command -v htpasswd >/dev/null || pkgs+=(apache2-utils)
  command -v curl >/dev/null || pkgs+=(curl)
  command -v python3 >/dev/null || pkgs+=(python3)
  command -v openssl >/dev/null || pkgs+=(openssl)
  if [[ $WANT_PODMAN == 1 ]] && ! command -v podman >/dev/null; then pkgs+=(podman); fi
  # Without recommends: openssh-server's would bring in systemd (libpam-systemd) and X11 bits.
  [[ -x /usr/sbin/sshd ]] || bare+=(openssh-server)
  [[ -x /usr/bin/ssh && -x /usr/bin/ssh-keygen ]] || bare+=(openssh-client)
  ((${#pkgs[@]} + ${#bare[@]})) || return 0
  [[ $(id -u) == 0 ]] || die "missing ${pkgs[*]} ${bare[*]}; installing them needs root"
  log "installing ${pkgs[*]} ${bare[*]} with apt-get (about a minute; log: $DIR/apt.log)"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update >"$DIR/apt.log" 2>&1 || { tail -n 20 "$DIR/apt.log" >&2; die "apt-get update failed"; }
  block_service_starts
  if ((${#pkgs[@]})); then
    apt-get install -y "${pkgs[@]}" >>"$DIR/apt.log" 2>&1 ||
      { tail -n 20 "$DIR/apt.log" >&2; die "apt-get install ${pkgs[*]} failed"; }
  fi
  if ((${#bare[@]})); then
    apt-get install -y --no-install-recommends "${bare[@]}" >>"$DIR/apt.log" 2>&1 ||
      { tail -n 20 "$DIR/apt.log" >&2; die "apt-get install ${bare[*]} failed"; }
  fi
  remove_policy_rc_d
  local bin
  for bin in dockerd docker-registry curl python3 openssl /usr/sbin/sshd /usr/bin/ssh ssh-keygen; do
    command -v "$bin" >/dev/null || die "$bin is still not on PATH ($PATH) after installing ${pkgs[*]} ${bare[*]}"
  done
  # None of ours can run yet (there was no sshd to run), so any sshd now is the system's, started
  # by the package in spite of policy-rc.d: it listens on port 22, which must stay unused.
  local other
  if [[ " ${bare[*]} " == *" openssh-server "* ]] && other=$(pgrep -x sshd); then
    die "installing openssh-server started a system sshd (pid ${other//$'\n'/ }); stop it: nothing here may use port 22"
  fi
}

# Package scripts start their service through invoke-rc.d (docker.io its dockerd on
# /var/run/docker.sock, openssh-server an sshd on port 22), unless /usr/sbin/policy-rc.d forbids
# it. Container images usually ship one that does; where none exists, one that forbids every
# start is put there for the install and removed again (also by die). One that exists is never
# touched.
POLICY_RC_D=/usr/sbin/policy-rc.d
OUR_POLICY_RC_D=0
block_service_starts() {
  [[ ! -e $POLICY_RC_D ]] || return 0
  printf '#!/bin/sh\n# Put here by dimg scripts/engine.sh while it installs packages: start no service.\nexit 101\n' >"$POLICY_RC_D"
  chmod 0755 "$POLICY_RC_D"
  OUR_POLICY_RC_D=1
}
remove_policy_rc_d() {
  if ((OUR_POLICY_RC_D)); then
    rm -f "$POLICY_RC_D"
    OUR_POLICY_RC_D=0
  fi
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

# read_pidfile FILE: the pid in a daemon's pidfile. dockerd and containerd write it without a
# newline, and `read` then fails although it has read the number.
read_pidfile() {
  local pid=
  { read -r pid <"$1"; } 2>/dev/null || true
  [[ $pid =~ ^[0-9]+$ ]] || return 1
  printf '%s\n' "$pid"
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

ping_ok() { [[ $(lcurl --unix-socket "$1" http://d/_ping) == OK ]]; } # SOCKET
docker_ok() { ping_ok "$SOCK"; }
# Through the TLS port with the client's certificate, so a wrong certificate setup shows here.
tls_docker_ok() {
  [[ $(lcurl --cacert "$TLS/client/ca.pem" --cert "$TLS/client/cert.pem" --key "$TLS/client/key.pem" \
    "https://127.0.0.1:$TLS_PORT/_ping") == OK ]]
}
# A real login with the good key and known_hosts (not through bin/ssh: whoever runs `up` may
# have DIMG_TEST_SSH_CONFIG set to one of the bad configs).
ssh_ok() {
  /usr/bin/ssh -F "$SSH_DIR/config" -o ConnectTimeout=3 -n -T -l root -p "$SSH_PORT" -- 127.0.0.1 true
}
registry_ok() { [[ $(lcurl "http://127.0.0.1:$1/v2/") == "{}" ]]; }
authreg_ok() { [[ $(lcurl -u "$AUTH_USER:$AUTH_PASSWORD" "http://127.0.0.1:$AUTH_PORT/v2/") == "{}" ]]; }
index_ok() { lcurl "http://127.0.0.1:$INDEX_PORT/v1/_ping" >/dev/null; }
faultproxy_ok() { [[ $(lcurl "http://127.0.0.1:$FAULT_PORT/__faults/requests") == "["* ]]; }
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

start_faultproxy() {
  need_port faultproxy "$FAULT_PORT" DIMG_FAULT_PROXY_PORT
  launch faultproxy python3 -u "$HERE/fault_proxy.py" --port "$FAULT_PORT" --upstream "127.0.0.1:$REGISTRY_PORT"
}

start_index() {
  need_port index "$INDEX_PORT" DIMG_INDEX_PORT
  # -u: unbuffered, so each request is in index.log as it happens.
  launch index python3 -u "$HERE/search_index.py" --port "$INDEX_PORT"
}

# launch_dockerd NAME PREFIX NAMESPACE ARGS...: start a private dockerd whose files are named
# $DIR/PREFIX{docker.sock,daemon.json,key.json,dockerd.pid,root,exec}, with ARGS added to the
# common flags. Both of ours use it, so they differ only in PREFIX, NAMESPACE and ARGS.
launch_dockerd() {
  local name=$1 prefix=$2 ns=$3
  shift 3
  local sock=$DIR/${prefix}docker.sock pidfile=$DIR/${prefix}dockerd.pid config=$DIR/${prefix}daemon.json
  if [[ -S $sock ]] && ping_ok "$sock" 2>/dev/null; then
    die "something answers on $sock but its pid is not recorded in $PIDS/$name"
  fi
  # Our own config file: without --config-file, dockerd would read /etc/docker/daemon.json,
  # and its directives could clash with our flags. The trust key (key.json) would default to
  # /etc/docker too; `deprecated-key-path` has no command-line flag in 20.10, only this key.
  cat >"$config" <<EOF
{
  "registry-mirrors": ["http://127.0.0.1:$MIRROR_PORT"],
  "deprecated-key-path": "$DIR/${prefix}key.json"
}
EOF
  # Our dockerd is not running (see ensure), so a pidfile left behind is stale, unless its
  # process lives (a dockerd whose start was not recorded). dockerd itself would refuse to
  # start while the pid in it exists, even as a zombie.
  local other
  if other=$(read_pidfile "$pidfile") && start_time "$other" >/dev/null 2>&1; then
    die "a dockerd (pid $other, from $pidfile) runs without being recorded in $PIDS; stop it first"
  fi
  rm -f "$sock" "$pidfile"
  # Likewise its containerd's pidfile: dockerd killed with SIGKILL takes its containerd along,
  # and init may leave that a zombie for a while; a new dockerd would wait for that containerd
  # in vain and give up ("timeout waiting for containerd to start"). A containerd that does run
  # is adopted.
  local cpidfile=$DIR/${prefix}exec/containerd/containerd.pid
  if [[ -e $cpidfile ]] && ! { other=$(read_pidfile "$cpidfile") && start_time "$other" >/dev/null 2>&1; }; then
    rm -f "$cpidfile"
  fi
  # The containerd namespaces keep this daemon apart from the machine's dockerd (and from our
  # other one) in the case that a system containerd is running (dockerd then uses it instead
  # of starting its own, under its exec-root).
  launch "$name" dockerd \
    --config-file="$config" \
    --storage-driver=vfs --iptables=false --bridge=none \
    --data-root="$DIR/${prefix}root" --exec-root="$DIR/${prefix}exec" --pidfile="$pidfile" \
    --containerd-namespace="$ns" --containerd-plugins-namespace="$ns-plugins" \
    -H "unix://$sock" "$@"
}

start_dockerd() {
  need_port dockerd-tcp "$TCP_PORT" DIMG_DOCKER_TCP_PORT
  launch_dockerd dockerd "" dimg-test -H "tcp://127.0.0.1:$TCP_PORT"
}

# The TLS daemon has no images of its own: the registries are reachable from it as from the
# first (same mirror; 127.0.0.0/8 registries are plain HTTP by default), so a test pulls what
# it needs.
start_tlsdockerd() {
  need_port tlsdockerd "$TLS_PORT" DIMG_DOCKER_TLS_PORT
  make_tls
  launch_dockerd tlsdockerd tls- dimg-tls -H "tcp://127.0.0.1:$TLS_PORT" \
    --tlsverify --tlscacert="$TLS/ca.pem" --tlscert="$TLS/server-cert.pem" --tlskey="$TLS/server-key.pem"
}

# make_tls: the certificates of tlsdockerd and its clients, made once (kept across `down`, so
# a client may hold on to them). Built in a temporary directory and renamed into place, so a
# failed or interrupted run never leaves half a set. Keys are EC P-256 in PKCS#8 PEM
# ("PRIVATE KEY"), which Go (dockerd, the docker CLI), curl and rustls all read.
make_tls() {
  [[ -s $TLS/client/key.pem && -s $TLS/wrong-ca/key.pem && -s $TLS/server-key.pem ]] && return 0
  local t=$TLS.tmp
  rm -rf -- "$t"
  mkdir -p "$t/client" "$t/wrong-ca"
  # Our own openssl config, so that nothing from /etc/ssl/openssl.cnf (default extensions,
  # policies) ends up in the certificates.
  cat >"$t/openssl.cnf" <<'EOF'
[req]
distinguished_name = dn
prompt = no
[dn]
CN = unused
[ca]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
[server]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = serverAuth
# IP:127.0.0.1 only, no DNS:localhost: tcp://localhost:PORT must fail name verification.
subjectAltName = IP:127.0.0.1
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
[client]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = clientAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
EOF
  local log=$DIR/tls.log
  : >"$log"
  tls_key() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1" 2>>"$log"; }
  tls_ca() { # KEY CERT CN
    tls_key "$1" &&
      openssl req -config "$t/openssl.cnf" -new -x509 -key "$1" -subj "/CN=$3" -days 3650 -sha256 \
        -extensions ca -out "$2" 2>>"$log"
  }
  tls_leaf() { # KEY CERT CN EXTENSIONS: signed by our CA
    tls_key "$1" &&
      openssl req -config "$t/openssl.cnf" -new -key "$1" -subj "/CN=$3" -out "$t/$4.csr" 2>>"$log" &&
      openssl x509 -req -in "$t/$4.csr" -CA "$t/ca.pem" -CAkey "$t/ca-key.pem" \
        -set_serial "0x$(openssl rand -hex 16)" -days 3650 -sha256 \
        -extfile "$t/openssl.cnf" -extensions "$4" -out "$2" 2>>"$log"
  }
  {
    tls_ca "$t/ca-key.pem" "$t/ca.pem" "dimg test CA" &&
      tls_leaf "$t/server-key.pem" "$t/server-cert.pem" "dimg test dockerd" server &&
      tls_leaf "$t/client/key.pem" "$t/client/cert.pem" "dimg test client" client &&
      cp "$t/ca.pem" "$t/client/ca.pem" &&
      # An unrelated CA: the client's own certificate and key, but a CA that did not sign
      # the server's certificate.
      tls_ca "$t/wrong-ca/ca-key.pem" "$t/wrong-ca/ca.pem" "dimg test unrelated CA" &&
      rm "$t/wrong-ca/ca-key.pem" &&
      cp "$t/client/cert.pem" "$t/client/key.pem" "$t/wrong-ca/" &&
      openssl verify -CAfile "$t/ca.pem" "$t/server-cert.pem" "$t/client/cert.pem" >>"$log" 2>&1
  } || { cat "$log" >&2; die "making the TLS certificates failed (openssl output above: $log)"; }
  rm -f "$t"/*.csr
  chmod 0600 "$t"/*-key.pem "$t"/*/key.pem
  rm -rf -- "$TLS"
  mv "$t" "$TLS"
  log "made TLS certificates in $TLS"
}

# start_sshd: our own sshd, on loopback only, configured entirely by $SSH_DIR/sshd_config
# (-f: /etc/ssh/sshd_config is never read; its host keys are never used).
start_sshd() {
  need_port sshd "$SSH_PORT" DIMG_SSH_PORT
  # Privilege separation: sshd (even sshd -t) insists on this empty, root-owned directory.
  mkdir -p /run/sshd
  chmod 0755 /run/sshd
  make_ssh
  local err
  err=$(/usr/sbin/sshd -t -f "$SSH_DIR/sshd_config" 2>&1) || die "sshd rejects $SSH_DIR/sshd_config: $err"
  # -D: stay in the foreground, so the pid launch records is the listener's; -e: log to stderr,
  # that is $DIR/sshd.log. The absolute path is required: sshd re-executes itself for each
  # connection.
  launch sshd /usr/sbin/sshd -D -e -f "$SSH_DIR/sshd_config"
}

# make_ssh: the host key and client keys (made once), then sshd_config, authorized_keys,
# known_hosts, the client configs and the ssh wrapper (rewritten each time: they only name
# files and ports).
make_ssh() {
  mkdir -p "$SSH_DIR/bin"
  local k
  for k in ssh_host_ed25519_key id_ed25519 id_nodocker id_unauthorized; do
    if [[ ! -s $SSH_DIR/$k || ! -s $SSH_DIR/$k.pub ]]; then
      rm -f "$SSH_DIR/$k" "$SSH_DIR/$k.pub"
      ssh-keygen -q -t ed25519 -N '' -C "dimg-test-$k" -f "$SSH_DIR/$k" >/dev/null ||
        die "ssh-keygen failed for $SSH_DIR/$k"
    fi
  done

  # SetEnv wins over every other source of the session's environment (and only its first line
  # counts). PATH is left to sshd's default for root (it has /usr/local/bin and /usr/bin), so
  # that authorized_keys' environment="PATH=..." can still take docker away for id_nodocker;
  # PermitUserEnvironment accepts PATH alone, so no key (and no ~root/.ssh/environment) can
  # set DOCKER_HOST. SHLVL=1: sshd runs the command with root's shell, bash, and Debian's bash
  # sources ~/.bashrc when started by sshd as a top-level shell (SSH_SOURCE_BASHRC); SHLVL=1
  # makes it a second-level one, so root's .bashrc (here: pyenv, cargo, edits of PATH) is not
  # run, which would be slow, change PATH and, for id_nodocker, print errors of its own.
  # MaxStartups: tests in parallel may open many connections at once; the default (10:30:100)
  # would drop some of them. PermitUserRC no: never run ~root/.ssh/rc.
  cat >"$SSH_DIR/sshd_config" <<EOF
# Written by scripts/engine.sh (rewritten by each start of sshd)
ListenAddress 127.0.0.1
Port $SSH_PORT
HostKey "$SSH_DIR/ssh_host_ed25519_key"
PidFile "$SSH_DIR/sshd.pid"
AuthorizedKeysFile "$SSH_DIR/authorized_keys"
PermitRootLogin prohibit-password
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
HostbasedAuthentication no
UsePAM no
StrictModes no
PermitUserEnvironment PATH
PermitUserRC no
SetEnv "DOCKER_HOST=unix://$SOCK" SHLVL=1
X11Forwarding no
PrintMotd no
PrintLastLog no
MaxStartups 100
LoginGraceTime 30
EOF
  # OpenSSH 9.8 and later penalize an address whose logins fail, which would soon lock out
  # 127.0.0.1 after the tests with the unauthorized key; older ones do not know the option.
  if /usr/sbin/sshd -t -f "$SSH_DIR/sshd_config" -o PerSourcePenalties=no >/dev/null 2>&1; then
    printf 'PerSourcePenalties no\n' >>"$SSH_DIR/sshd_config"
  fi

  {
    cat "$SSH_DIR/id_ed25519.pub"
    # A login that finds no docker on PATH: the shell's own "command not found", status 127.
    printf 'environment="PATH=/nonexistent" %s\n' "$(cat "$SSH_DIR/id_nodocker.pub")"
  } >"$SSH_DIR/authorized_keys"

  local hostkey
  read -r hostkey <"$SSH_DIR/ssh_host_ed25519_key.pub"
  printf '[127.0.0.1]:%s %s\n' "$SSH_PORT" "${hostkey% *}" >"$SSH_DIR/known_hosts"
  : >"$SSH_DIR/known_hosts-empty"

  write_ssh_config() { # FILE IDENTITY KNOWN_HOSTS [ALIASES]
    cat >"$1" <<EOF
# Written by scripts/engine.sh, for ssh -F (no ~/.ssh/config, /etc/ssh/ssh_config, ~/.ssh/known_hosts)
${4:-}Host * !dimg-unknown-host !dimg-bad-key !dimg-nodocker
  IdentityFile "$SSH_DIR/$2"
Host *
  IdentitiesOnly yes
  IdentityAgent none
  UserKnownHostsFile "$3"
  GlobalKnownHostsFile /dev/null
  StrictHostKeyChecking yes
  UpdateHostKeys no
  BatchMode yes
  LogLevel ERROR
EOF
  }
  # The default config also names the bad peers as host aliases of this sshd, so that one
  # process can reach all of them with plain `ssh` (ssh://root@dimg-bad-key:PORT), without
  # setting DIMG_TEST_SSH_CONFIG. An alias sets its own key (IdentityFile accumulates, so the
  # good key is left out for them) or known_hosts (the first value obtained wins).
  local aliases
  aliases=$(cat <<EOF
Host dimg-unknown-host
  HostName 127.0.0.1
  IdentityFile "$SSH_DIR/id_ed25519"
  UserKnownHostsFile "$SSH_DIR/known_hosts-empty"
Host dimg-bad-key
  HostName 127.0.0.1
  IdentityFile "$SSH_DIR/id_unauthorized"
Host dimg-nodocker
  HostName 127.0.0.1
  IdentityFile "$SSH_DIR/id_nodocker"
EOF
  )
  write_ssh_config "$SSH_DIR/config" id_ed25519 "$SSH_DIR/known_hosts" "$aliases"$'\n'
  write_ssh_config "$SSH_DIR/config-unknown-host" id_ed25519 "$SSH_DIR/known_hosts-empty"
  write_ssh_config "$SSH_DIR/config-bad-key" id_unauthorized "$SSH_DIR/known_hosts"
  write_ssh_config "$SSH_DIR/config-nodocker" id_nodocker "$SSH_DIR/known_hosts"

  # The `ssh` that tests put first on PATH: the docker CLI (and dimg) run plain `ssh`.
  {
    printf '#!/bin/sh\n# Written by scripts/engine.sh: ssh with the dimg test engine client config\n'
    printf '# (or the one DIMG_TEST_SSH_CONFIG names, e.g. %s/config-bad-key).\n' "$SSH_DIR"
    printf 'default=%s\n' "$(sh_quote "$SSH_DIR/config")"
    # shellcheck disable=SC2016 # expanded by the wrapper
    printf 'exec /usr/bin/ssh -F "${DIMG_TEST_SSH_CONFIG:-$default}" "$@"\n'
  } >"$SSH_DIR/bin/ssh.tmp"
  chmod 0755 "$SSH_DIR/bin/ssh.tmp"
  mv "$SSH_DIR/bin/ssh.tmp" "$SSH_DIR/bin/ssh"
}

# sh_quote STRING: STRING in single quotes for sh (printf %q may write bash-only $'...').
sh_quote() { printf "'%s'" "${1//\'/\'\\\'\'}"; }

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
location = "127.0.0.1:$FAULT_PORT"
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
      DIMG_TEST_FAULT_PROXY "127.0.0.1:$FAULT_PORT" \
      DIMG_TEST_AUTH_REGISTRY "127.0.0.1:$AUTH_PORT" \
      DIMG_TEST_AUTH_USER "$AUTH_USER" \
      DIMG_TEST_AUTH_PASSWORD "$AUTH_PASSWORD" \
      DIMG_TEST_SEED "$DIR/seed.json" \
      DIMG_TEST_TLS_HOST "tcp://127.0.0.1:$TLS_PORT" \
      DIMG_TEST_TLS_SOCKET "$TLS_SOCK" \
      DIMG_TEST_TLS_CERTS "$TLS/client" \
      DIMG_TEST_TLS_WRONG_CA "$TLS/wrong-ca" \
      DIMG_TEST_SSH_HOST "ssh://root@127.0.0.1:$SSH_PORT" \
      DIMG_TEST_SSH_BIN "$SSH_DIR/bin" \
      DIMG_TEST_SSH_CONFIG_UNKNOWN_HOST "$SSH_DIR/config-unknown-host" \
      DIMG_TEST_SSH_CONFIG_BAD_KEY "$SSH_DIR/config-bad-key" \
      DIMG_TEST_SSH_CONFIG_NO_DOCKER "$SSH_DIR/config-nodocker" \
      DIMG_TEST_SSH_HOST_UNKNOWN_KEY "ssh://root@dimg-unknown-host:$SSH_PORT" \
      DIMG_TEST_SSH_HOST_BAD_KEY "ssh://root@dimg-bad-key:$SSH_PORT" \
      DIMG_TEST_SSH_HOST_NO_DOCKER "ssh://root@dimg-nodocker:$SSH_PORT" \
      DIMG_TEST_SSH_UNREACHABLE "ssh://root@127.0.0.1:$SSH_UNREACHABLE_PORT"
    if pid_of podman >/dev/null; then
      printf 'export %s=%q\n' DIMG_TEST_PODMAN_HOST "unix://$PODMAN_SOCK"
    fi
  } >"$ENV_FILE.tmp"
  mv "$ENV_FILE.tmp" "$ENV_FILE"
}

# The ports a running engine was started with, so a second `up` with other ports is refused
# rather than half-applied.
check_config() {
  local want="REGISTRY_PORT=$REGISTRY_PORT MIRROR_PORT=$MIRROR_PORT INDEX_PORT=$INDEX_PORT AUTH_PORT=$AUTH_PORT TCP_PORT=$TCP_PORT"
  want+=" TLS_PORT=$TLS_PORT SSH_PORT=$SSH_PORT SSH_UNREACHABLE_PORT=$SSH_UNREACHABLE_PORT FAULT_PORT=$FAULT_PORT"
  local have
  if [[ -s $DIR/ports ]] && IFS= read -r have <"$DIR/ports"; then
    # Every port the running engine recorded must match; a port it did not record yet (a
    # service added since it started) is simply started now.
    local kv differs=0
    for kv in $have; do
      [[ " $want " == *" $kv "* ]] || differs=1
    done
    if ((differs)); then
      local name
      for name in registry authreg mirror index faultproxy dockerd tlsdockerd sshd; do
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
      TLS_PORT=*) TLS_PORT=${kv#*=} ;;
      SSH_PORT=*) SSH_PORT=${kv#*=} ;;
      SSH_UNREACHABLE_PORT=*) SSH_UNREACHABLE_PORT=${kv#*=} ;;
      FAULT_PORT=*) FAULT_PORT=${kv#*=} ;;
    esac
  done
}

# ----------------------------------------------------------------------------------------------
# Commands

cmd_up() {
  local t0=$SECONDS
  # The longest socket path of ours is tlsdockerd's containerd's; the limit is 108 bytes.
  local longest=$DIR/tls-exec/containerd/containerd.sock.ttrpc
  ((${#longest} < 108)) || die "socket path $longest is too long for a Unix socket; use a shorter DIMG_ENGINE_DIR"
  touch "$MARKER"
  check_config
  ensure_packages
  port_free "$SSH_UNREACHABLE_PORT" ||
    die "127.0.0.1:$SSH_UNREACHABLE_PORT must have no listener (tests expect connection refused there); free it or set DIMG_SSH_UNREACHABLE_PORT"

  # Restart a running index whose code or data changed since it started, so that an edited
  # fixture never goes unnoticed.
  if pid_of index >/dev/null && [[ $HERE/search_index.py -nt $PIDS/index || $HERE/search_index.json -nt $PIDS/index ]]; then
    log "search index fixture changed: restarting it"
    stop index
  fi
  if pid_of faultproxy >/dev/null && [[ $HERE/fault_proxy.py -nt $PIDS/faultproxy ]]; then
    log "fault proxy changed: restarting it"
    stop faultproxy
  fi
  # Podman reads the registries.conf written by this script when it starts.
  if pid_of podman >/dev/null && [[ $HERE/engine.sh -nt $PIDS/podman ]]; then
    log "scripts/engine.sh changed since podman started (its registries.conf): restarting it"
    stop podman
  fi
  # sshd reads the sshd_config written by this script when it starts.
  if pid_of sshd >/dev/null && [[ $HERE/engine.sh -nt $PIDS/sshd ]]; then
    log "scripts/engine.sh changed since sshd started (its sshd_config): restarting it"
    stop_sshd
  fi
  # Start everything that is not running, then wait for each: they come up in parallel.
  ensure registry registry_ok "$REGISTRY_PORT"
  ensure mirror registry_ok "$MIRROR_PORT"
  ensure authreg authreg_ok
  ensure index index_ok
  ensure faultproxy faultproxy_ok
  ensure dockerd docker_ok
  ensure tlsdockerd tls_docker_ok
  ensure sshd ssh_ok
  if [[ $WANT_PODMAN == 1 ]]; then ensure podman podman_ok; fi
  wait_ready registry registry_ok "$REGISTRY_PORT"
  wait_ready mirror registry_ok "$MIRROR_PORT"
  wait_ready authreg authreg_ok
  wait_ready index index_ok
  wait_ready faultproxy faultproxy_ok
  wait_ready dockerd docker_ok
  wait_ready tlsdockerd tls_docker_ok
  wait_ready sshd ssh_ok
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

# stop_daemon NAME EXEC_ROOT: stop our dockerd NAME, and the containerd it started (under
# EXEC_ROOT) if that outlived it (it does when dockerd is killed with SIGKILL; a later dockerd
# would adopt it, `down` should not leave it). It is recorded as NAME-containerd to be stopped.
stop_daemon() {
  local name=$1 exec=$2
  stop "$name"
  local f=$exec/containerd/containerd.pid pid
  if pid=$(read_pidfile "$f") && start_time "$pid" >/dev/null &&
    tr '\0' ' ' <"/proc/$pid/cmdline" | grep -qF -- "$exec/containerd/"; then
    mkdir -p "$PIDS"
    printf '%s %s\n' "$pid" "$(start_time "$pid")" >"$PIDS/$name-containerd"
    stop "$name-containerd"
  fi
}
stop_dockerd() { stop_daemon dockerd "$DIR/exec"; }
stop_tlsdockerd() { stop_daemon tlsdockerd "$DIR/tls-exec"; }

# stop_sshd: the listener, and the sessions it forked with what they run (the listener exits
# on SIGTERM without ending them; a session ended by SIGTERM leaves its command running, in a
# session of its own, e.g. a `sleep`). All are recorded as sshd-session-N to be stopped.
stop_sshd() {
  local pid child start n=0
  if pid=$(pid_of sshd); then
    mkdir -p "$PIDS"
    while read -r child; do
      start=$(start_time "$child") || continue # already gone
      n=$((n + 1))
      printf '%s %s\n' "$child" "$start" >"$PIDS/sshd-session-$n"
    done < <(descendants "$pid")
  fi
  local -a sessions=()
  for ((; n > 0; n--)); do sessions+=("sshd-session-$n"); done
  stop sshd "${sessions[@]+"${sessions[@]}"}"
}

# descendants PID: PID's children, their children, and so on, one a line.
descendants() {
  local child
  while read -r child; do
    printf '%s\n' "$child"
    descendants "$child"
  done < <(pgrep -P "$1" || true)
}

cmd_down() {
  local purge=0
  case ${1:-} in
    --purge) purge=1 ;;
    "") ;;
    *) usage ;;
  esac
  stop podman
  stop_sshd
  stop_tlsdockerd
  stop_dockerd
  stop faultproxy index mirror authreg registry
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
  pid_of tlsdockerd >/dev/null || log "warning: tlsdockerd is not running (run: $0 restart-tls-dockerd or $0 up)"
  cat "$ENV_FILE"
}

cmd_status() {
  load_ports
  local name pid state where rc=0
  local -a check
  for name in dockerd tlsdockerd sshd registry authreg mirror index faultproxy podman; do
    if pid=$(pid_of "$name"); then
      case $name in
        dockerd) where="unix://$SOCK tcp://127.0.0.1:$TCP_PORT" check=(docker_ok) ;;
        tlsdockerd) where="unix://$TLS_SOCK tcp://127.0.0.1:$TLS_PORT (TLS)" check=(tls_docker_ok) ;;
        sshd) where=ssh://root@127.0.0.1:$SSH_PORT check=(ssh_ok) ;;
        registry) where=http://127.0.0.1:$REGISTRY_PORT check=(registry_ok "$REGISTRY_PORT") ;;
        mirror) where=http://127.0.0.1:$MIRROR_PORT check=(registry_ok "$MIRROR_PORT") ;;
        authreg) where=http://127.0.0.1:$AUTH_PORT check=(authreg_ok) ;;
        index) where=http://127.0.0.1:$INDEX_PORT check=(index_ok) ;;
        faultproxy) where=http://127.0.0.1:$FAULT_PORT check=(faultproxy_ok) ;;
        podman) where=unix://$PODMAN_SOCK check=(podman_ok) ;;
      esac
      state=ready
      "${check[@]}" || { state="NOT ANSWERING"; rc=1; }
      printf '%-10s pid %-8s %-14s %s\n' "$name" "$pid" "$state" "$where"
    elif [[ $name != podman ]]; then
      printf '%-10s stopped\n' "$name"
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

cmd_restart_tls_dockerd() {
  load_ports
  [[ -e $MARKER ]] || die "no engine in $DIR (run: $0 up)"
  stop_tlsdockerd
  ensure tlsdockerd tls_docker_ok
  wait_ready tlsdockerd tls_docker_ok
  log "tlsdockerd ready (pid $(pid_of tlsdockerd)) on tcp://127.0.0.1:$TLS_PORT and unix://$TLS_SOCK"
}

cmd_stop_tls_dockerd() {
  stop_tlsdockerd
  log "tlsdockerd stopped; start it again with: $0 restart-tls-dockerd (or $0 up)"
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
    restart-tls-dockerd) with_lock cmd_restart_tls_dockerd ;;
    stop-tls-dockerd) with_lock cmd_stop_tls_dockerd ;;
    *) usage ;;
  esac
}

main "$@"
