#!/usr/bin/env bash
# Limits under load (issue 21, docs/robustness.md): time and peak RSS of pml on many small
# captures, a split capture of 20 parts, a million processes and paths of 32,767 characters.
# Usage: scripts/limits.sh [WORK_DIR]   (release build; about 3 GB of scratch space)
set -euo pipefail
cd "$(dirname "$0")/.."
work=${1:-${TMPDIR:-/tmp}/pml-limits}
mkdir -p "$work"
cargo build --release --locked -q -p pml-cli --bins
cargo build --release --locked -q -p pml-testkit --example extreme_capture
pml=$PWD/target/release/pml
extreme=$PWD/target/release/examples/extreme_capture

measure() { # LABEL COMMAND...: prints "| LABEL | wall s | CPU s | peak RSS MB | exit |"
  local label=$1; shift
  local status=0
  /usr/bin/time -f "%e %U %S %M" -o "$work/time" "$@" >/dev/null 2>"$work/stderr" || status=$?
  read -r seconds user sys kb < <(tail -1 "$work/time")
  echo "| $label | $seconds | $(awk "BEGIN { print $user + $sys }") | $((kb / 1024)) | $status |"
}

if [ ! -f "$work/many/c1000.pml" ]; then
  mkdir -p "$work/many"
  for i in $(seq 1 1000); do
    "$pml" synth seed-race --seed "$i" -o "$work/many/c$i.pml" >/dev/null 2>&1
  done
  rm -f "$work"/many/*.expected.json
fi
if [ ! -f "$work/split/bulk-19.pml" ]; then
  mkdir -p "$work/split"
  "$pml" synth bulk --events 250000 --seed 1 -o "$work/split/bulk.pml" >/dev/null 2>&1
  for i in $(seq 1 19); do
    "$pml" synth bulk --events 250000 --seed $((i + 1)) -o "$work/split/bulk-$i.pml" >/dev/null 2>&1
  done
  rm -f "$work"/split/*.expected.json
fi
[ -f "$work/processes.pml" ] || "$extreme" processes 1000000 "$work/processes.pml"
[ -f "$work/long-paths.pml" ] || "$extreme" long-paths 5000 "$work/long-paths.pml"

echo "| case | wall s | CPU s (user + sys) | peak RSS MB | exit |"
echo "|---|---:|---:|---:|---:|"
many=("$work"/many/*.pml)
measure "analyze --json, 1,000 captures of ~840 events" "$pml" analyze --json "${many[@]}"
measure "analyze (text), 1,000 captures" "$pml" analyze "${many[@]}"
measure "events --format csv, 1,000 captures" "$pml" events --format csv "${many[@]}"
measure "summary processes, 1,000 captures" "$pml" summary processes --format csv "${many[@]}"
measure "info, split capture of 20 parts (5 M events)" "$pml" info "$work/split/bulk.pml"
measure "analyze --json, split capture of 20 parts" "$pml" analyze --json "$work/split/bulk.pml"
measure "export CSV, split capture of 20 parts" "$pml" export "$work/split/bulk.pml" -o "$work/split.csv" -q
measure "info, 1,000,000 processes (2 M events)" "$pml" info "$work/processes.pml"
measure "analyze --json, 1,000,000 processes" "$pml" analyze --json "$work/processes.pml"
measure "summary processes, 1,000,000 processes" "$pml" summary processes --format csv "$work/processes.pml"
measure "export CSV, 1,000,000 processes" "$pml" export "$work/processes.pml" -o "$work/processes.csv" -q
measure "report, 1,000,000 processes" "$pml" report "$work/processes.pml" -o "$work/processes.html"
measure "events --format csv, 10,000 events on paths of 32,767 characters" "$pml" events --format csv "$work/long-paths.pml"
measure "analyze --json, 10,000 events on long paths" "$pml" analyze --json "$work/long-paths.pml"
measure "summary files, 5,000 long paths" "$pml" summary files --format csv "$work/long-paths.pml"
rm -f "$work/split.csv" "$work/processes.csv" "$work/processes.html"
