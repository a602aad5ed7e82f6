#!/usr/bin/env bash
# A short, bounded pass of every fuzz target (cargo fuzz, libFuzzer), starting from the seed
# corpus in fuzz/corpus/ (copied, so the committed corpus stays small). A crash fails the run
# and leaves its input in fuzz/artifacts/<target>/; add it to fuzz/corpus/<target>/ once fixed,
# where `cargo test -p dimg --test fuzz_corpus` keeps it as a regression test.
#
#   scripts/fuzz.sh [SECONDS_PER_TARGET]      (default 20)
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-20}
if ! cargo fuzz --version >/dev/null 2>&1; then
  echo "installing cargo-fuzz (once)"
  cargo install cargo-fuzz --locked --quiet
fi
# Stable Rust: no sanitizer (-s none); libFuzzer's coverage instrumentation still applies,
# and a panic is a crash.
cargo fuzz build -s none
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
total=0
for target in reference json_lines models; do
  cp -r "fuzz/corpus/$target" "$work/$target"
  out=$(cargo fuzz run -s none "$target" "$work/$target" -- -max_total_time="$seconds" 2>&1) || {
    printf '%s\n' "$out" | tail -n 30
    echo "fuzz target $target failed"
    exit 1
  }
  runs=$(printf '%s\n' "$out" | sed -n 's/^Done \([0-9]*\) runs.*/\1/p')
  echo "fuzz $target: ${runs:-?} executions in ${seconds}s, no crash"
  total=$((total + ${runs:-0}))
done
echo "fuzz: $total executions in all"
