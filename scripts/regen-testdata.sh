#!/usr/bin/env bash
# Regenerates the committed scenario captures in testdata (seed 1) after an intended
# change to the writer or the scenarios. synth/tests/captures.rs fails until they match again.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build -q -p pml-cli
bin="${CARGO_TARGET_DIR:-target}/debug/pml"
for s in seed-race antivirus-lock closed-before-spawn spawn-outside-window unmatched-opens pid-reuse msbuild-node \
  missing-header installer-denied delete-pending exe-in-use handle-leak filtered-save \
  delete-refused rename-refused volume-spelling; do
  "$bin" synth "$s" --seed 1 -o "testdata/$s.pml"
done
