#!/usr/bin/env bash
# Replays the whole committed corpus of every cargo-fuzz target (fast: each input once), then runs
# every target for a bounded time on a scratch copy of its corpus.
# Usage: scripts/fuzz.sh [SECONDS_PER_TARGET]   (default 60; 0 only replays the corpora)
# Needs cargo-fuzz (`cargo install cargo-fuzz`); it builds with RUSTC_BOOTSTRAP=1 on a stable toolchain.
# A crash leaves its input in fuzz/artifacts/TARGET/ and makes this script fail: turn it into a
# regression test (pml-parser/tests/regressions.rs) before fixing it.
set -euo pipefail
cd "$(dirname "$0")/../fuzz"
seconds=${1:-60}
export RUSTC_BOOTSTRAP=1
if ! cargo fuzz --version >/dev/null 2>&1; then
  echo "fuzz: cargo-fuzz is not installed; skipping the fuzz run"
  exit 0
fi
targets=$(cargo fuzz list)
for target in $targets; do
  mkdir -p "corpus/$target"
  echo "fuzz: replaying corpus/$target ($(ls "corpus/$target" | wc -l) inputs)"
  log=$(mktemp)
  status=0
  cargo fuzz run -O "$target" "corpus/$target" -- \
    -runs=0 -max_len=400000 -rss_limit_mb=2048 >"$log" 2>&1 || status=$?
  if [ "$status" -ne 0 ]; then
    tail -40 "$log"
    rm -f "$log"
    echo "fuzz: $target FAILED on its committed corpus (exit $status); see fuzz/artifacts/$target/"
    exit 1
  fi
  rm -f "$log"
done
[ "$seconds" -gt 0 ] || exit 0
for target in $targets; do
  scratch=$(mktemp -d)
  cp -r "corpus/$target/." "$scratch/" 2>/dev/null || true
  echo "fuzz: $target for ${seconds}s"
  log="$scratch.log"
  status=0
  cargo fuzz run -O "$target" "$scratch" -- \
    -max_total_time="$seconds" -max_len=400000 -rss_limit_mb=2048 -print_final_stats=1 >"$log" 2>&1 || status=$?
  grep -E '^(stat::number_of_executed_units|stat::peak_rss_mb|INFO: seed corpus|==[0-9]+==|SUMMARY|Done)' "$log" || true
  [ "$status" -eq 0 ] || tail -40 "$log"
  rm -f "$log"
  rm -rf "$scratch"
  if [ "$status" -ne 0 ]; then
    echo "fuzz: $target FAILED (exit $status); see fuzz/artifacts/$target/"
    exit 1
  fi
done
