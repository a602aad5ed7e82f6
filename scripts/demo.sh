#!/usr/bin/env bash
# The seed tutorial's walk through docker images / search / pull / rmi, done with dimg:
#
#   dimg images                      list the local images
#   dimg search <index>/tomcat       search an index (the private engine's fixture, or Docker Hub)
#   dimg pull zookeeper              pull through the daemon's registry mirror
#   dimg images                      the new image is listed
#   dimg rmi zookeeper               remove it again
#   dimg info                        storage driver, root dir, registry mirrors, insecure registries
#
# Builds the CLI (release) first. Uses the engine at $DOCKER_HOST (or /var/run/docker.sock);
# when none answers there (or with --private), starts the private sandbox engine of
# scripts/engine.sh (a dockerd, registry, registry mirror and search index on loopback, which
# never touches the machine's own Docker) and uses that. An engine the demo started is
# stopped at the end unless DIMG_KEEP_ENGINE=1.
#
# Usage: scripts/demo.sh [--private]
set -euo pipefail
cd "$(dirname "$0")/.."

private=0
case "${1:-}" in
  --private) private=1 ;;
  "") ;;
  *)
    sed -n '2,17p' "$0" | sed 's/^# \{0,1\}//' >&2
    exit 2
    ;;
esac

say() { printf '\n\033[1m%s\033[0m\n' "$*"; }

if ! command -v cargo >/dev/null 2>&1; then
  echo "cargo is required (https://rustup.rs)" >&2
  exit 1
fi
say "building the dimg CLI (cargo build --release -p dimg-examples --bin dimg)"
cargo build --release --quiet -p dimg-examples --bin dimg
DIMG=$PWD/target/release/dimg

started_engine=0
index=""
if [ "$private" = 0 ] && "$DIMG" info >/dev/null 2>&1; then
  say "using the Docker engine at ${DOCKER_HOST:-unix:///var/run/docker.sock}"
else
  if [ "$private" = 1 ]; then
    say "using the private sandbox engine (scripts/engine.sh up)"
  else
    say "no Docker engine answers at ${DOCKER_HOST:-unix:///var/run/docker.sock}: starting the private sandbox engine (scripts/engine.sh up)"
  fi
  if ! scripts/engine.sh status >/dev/null 2>&1; then
    started_engine=1
  fi
  scripts/engine.sh up >/dev/null
  eval "$(scripts/engine.sh env)"
  export DOCKER_HOST=$DIMG_TEST_DOCKER_HOST
  index=$DIMG_TEST_INDEX
  echo "DOCKER_HOST=$DOCKER_HOST  registry mirror: http://$DIMG_TEST_MIRROR  search index: http://$DIMG_TEST_INDEX"
  if [ "$started_engine" = 1 ] && [ "${DIMG_KEEP_ENGINE:-0}" != 1 ]; then
    trap 'say "stopping the private engine (DIMG_KEEP_ENGINE=1 keeps it)"; scripts/engine.sh down >/dev/null 2>&1 || true' EXIT
  fi
fi

# Shows the command as the seed does, then runs it.
run() {
  printf '\n$ dimg %s\n' "$*"
  "$DIMG" "$@"
}

run images
if [ -n "$index" ]; then
  run search "$index/tomcat"
else
  run search tomcat
fi
run pull zookeeper
run images
run rmi zookeeper
run info
