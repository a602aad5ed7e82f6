#!/usr/bin/env bash
# Runs every test of the project against a private engine, on a fresh machine too:
# installs what is missing, starts the private dockerd + registry + mirror + search index
# (scripts/engine.sh), then runs the checks and the tests. The engine is stopped again
# afterwards when this script started it (DIMG_KEEP_ENGINE=1 keeps it).
#
#   scripts/test.sh              everything
#   DIMG_SKIP_LINT=1 scripts/test.sh   skip rustfmt/clippy
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n==> %s\n' "$*"; }

if ! command -v cargo >/dev/null 2>&1; then
  echo "cargo is required (https://rustup.rs)" >&2
  exit 1
fi

# What the C tests need besides the compiler (valgrind, pkg-config, a C++ compiler).
missing=()
command -v valgrind >/dev/null || missing+=(valgrind)
command -v pkg-config >/dev/null || missing+=(pkg-config)
command -v g++ >/dev/null || missing+=(g++)
command -v setpriv >/dev/null || missing+=(util-linux)
if ((${#missing[@]})); then
  step "installing ${missing[*]} (apt-get)"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi

engine_was_up=0
if scripts/engine.sh status >/dev/null 2>&1; then
  engine_was_up=1
fi
# Stop what this script starts, also when starting it fails half-way.
if [ "$engine_was_up" = 0 ] && [ "${DIMG_KEEP_ENGINE:-0}" != 1 ]; then
  trap 'scripts/engine.sh down >/dev/null 2>&1 || true' EXIT
fi
step "starting the private engine (scripts/engine.sh up --podman)"
scripts/engine.sh up --podman >/dev/null
eval "$(scripts/engine.sh env)"
# ssh:// tests run plain `ssh`, as the docker CLI does: the engine's wrapper, with its private
# config and keys (never ~/.ssh), comes first.
export PATH="$DIMG_TEST_SSH_BIN:$PATH"
echo "engine: $DIMG_TEST_DOCKER_HOST  podman: $DIMG_TEST_PODMAN_HOST  registry: $DIMG_TEST_REGISTRY  mirror: $DIMG_TEST_MIRROR  index: $DIMG_TEST_INDEX"

if [ "${DIMG_SKIP_LINT:-0}" != 1 ]; then
  step "rustfmt and clippy"
  cargo fmt --all -- --check
  cargo clippy --workspace --all-targets --quiet -- -D warnings
  RUSTDOCFLAGS="-D warnings" cargo doc -p dimg -p dimg-render --no-deps --quiet
fi

step "render: the Unicode width tables are what render/tools/width_tables.py generates"
if [ ! -f /usr/share/unicode/EastAsianWidth.txt ]; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq unicode-data >/dev/null
fi
python3 render/tools/width_tables.py /usr/share/unicode | diff -u render/src/width_tables.rs -

step "layers: no module cycle in any crate"
python3 scripts/module_cycles.py core/src render/src bindings-c/src bindings-python/src examples/src

step "Rust tests: core (unit, doc, fake daemon, real engine, Podman, faults, load, credentials), CLI golden tests, C binding (ASan/UBSan, valgrind)"
cargo test --workspace
# The fuzz targets' corpus, replayed through their entry points (behind the `fuzzing` feature).
cargo test -p dimg --features fuzzing --test fuzz_corpus

step "Python binding: build into .venv (maturin), pytest, stubtest, mypy"
if [ ! -x .venv/bin/python ]; then
  python3 -m venv .venv
fi
.venv/bin/pip install -q --disable-pip-version-check maturin pytest pytest-asyncio mypy
(
  # shellcheck disable=SC1091
  source .venv/bin/activate
  cd bindings-python
  maturin develop -q
  python -m pytest -q
  python -m mypy.stubtest dimg._native
  python -m mypy --strict tests python
)

# The same integration suites again, with Podman's Docker-compatible service as the engine:
# the tests read DIMG_TEST_ENGINE for the few answers where the engines differ.
step "Podman: the Rust (real-engine, load, credentials), C and Python integration suites against podman"
(
  export DIMG_TEST_ENGINE=podman DIMG_TEST_DOCKER_HOST=$DIMG_TEST_PODMAN_HOST
  cargo test -p dimg --test engine --test load --test registry_auth --test credentials_env --test prune
  cargo test -p dimg-c --test c_api
  cd bindings-python
  ../.venv/bin/python -m pytest -q
)

# The Ansible collection (integrations/ansible): its playbooks against a fleet of engines (the
# engine's dockerd over ssh, scripts/fleet.sh's dockerds over TLS and by socket), then the same
# cycle with community.docker's modules, compared field by field. Installs the pinned ansible.
step "Ansible: the dimg.images collection against a fleet of engines"
integrations/ansible/ansible_collections/dimg/images/tests/integration/run.sh

step "benchmarks: build them, and a one-round smoke run of the side-by-side harness"
cargo bench -p dimg-benches --no-run --quiet
.venv/bin/pip install -q --disable-pip-version-check docker
(
  # shellcheck disable=SC1091
  source .venv/bin/activate
  python3 benches/side_by_side.py --smoke
)

step "fuzzing: a short bounded pass of each target (scripts/fuzz.sh)"
scripts/fuzz.sh "${DIMG_FUZZ_SECONDS:-20}"
