#!/usr/bin/env bash
# A long fuzzing campaign, outside CI (issue 21): every target, one after the other, until it has
# run EXECUTIONS inputs or SECONDS have passed, on a scratch copy of its committed corpus. Then the
# grown corpus is merged back, minimized to the features it covers, into fuzz/corpus/TARGET, and the
# final libFuzzer statistics are appended to OUT/stats.tsv.
# Usage: scripts/fuzz-campaign.sh OUT [EXECUTIONS] [SECONDS] [TARGET...]
#        (defaults: 10000000 executions, 3600 s, every target)
# Run it niced on a machine that is otherwise idle for the figures to mean anything.
set -euo pipefail
out=$(realpath -m "$1"); shift
executions=${1:-10000000}; shift || true
seconds=${1:-3600}; shift || true
cd "$(dirname "$0")/../fuzz"
export RUSTC_BOOTSTRAP=1
targets=${*:-$(cargo fuzz list)}
mkdir -p "$out"
[ -f "$out/stats.tsv" ] || printf 'target\texecutions\tseconds\texec_per_s\tpeak_rss_mb\tcorpus_before\tcorpus_after\texit\n' >"$out/stats.tsv"
for target in $targets; do
  grown="$out/$target"
  rm -rf "$grown"; mkdir -p "$grown"
  cp -r "corpus/$target/." "$grown/"
  before=$(ls "corpus/$target" | wc -l)
  log="$out/$target.log"
  start=$(date +%s)
  status=0
  cargo fuzz run -O "$target" "$grown" -- \
    -runs="$executions" -max_total_time="$seconds" -max_len=400000 -rss_limit_mb=2048 \
    -print_final_stats=1 >"$log" 2>&1 || status=$?
  elapsed=$(( $(date +%s) - start ))
  runs=$(grep -m1 '^stat::number_of_executed_units' "$log" | awk '{print $2}')
  rss=$(grep -m1 '^stat::peak_rss_mb' "$log" | awk '{print $2}')
  if [ "$status" -eq 0 ]; then
    # Minimize: keep the smallest set of inputs (committed + grown) covering the same features.
    merged=$(mktemp -d)
    cargo fuzz run -O "$target" "$merged" "corpus/$target" "$grown" -- \
      -merge=1 -max_len=400000 -rss_limit_mb=2048 >"$out/$target.merge.log" 2>&1
    # Named inputs (seed-*, regression-*) stay under their names: they document a case, and a
    # merge would keep them only as a hash, or drop them when others cover the same features.
    find "corpus/$target" -maxdepth 1 -type f -regextype posix-extended ! -regex '.*/[0-9a-f]{40}' -exec cp {} "$merged/" \;
    rm -rf "corpus/$target"; mv "$merged" "corpus/$target"
  fi
  after=$(ls "corpus/$target" | wc -l)
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$target" "${runs:-?}" "$elapsed" \
    "$(( ${runs:-0} / (elapsed > 0 ? elapsed : 1) ))" "${rss:-?}" "$before" "$after" "$status" >>"$out/stats.tsv"
  echo "fuzz-campaign: $target: ${runs:-?} executions in ${elapsed}s, exit $status"
done
