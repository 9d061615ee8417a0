#!/usr/bin/env bash
# sha256 of the CSV exports (default and all columns) of every shared sample and testdata capture,
# one line per export: run it with two builds of pml and diff the lists to show that a change
# kept the CSV bytes. Usage: scripts/csv-sums.sh PML_BINARY > sums.txt
set -euo pipefail
pml=$(realpath "$1")
cd "$(dirname "$0")/.."
samples=${PML_SAMPLES:-../shared/pml-samples}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
captures=(testdata/*.pml)
for gz in "$samples"/*.pml.gz; do
  name=$(basename "$gz" .pml.gz)
  gunzip -c "$gz" > "$work/$name.pml"
  captures+=("$work/$name.pml")
done
for capture in "${captures[@]}"; do
  for columns in default all; do
    if "$pml" export "$capture" --columns "$columns" -o "$work/out.csv" -q 2>/dev/null; then
      sum=$(sha256sum "$work/out.csv" | cut -d' ' -f1)
    else
      sum="error (exit $?)"
    fi
    echo "$(basename "$capture") $columns $sum"
  done
done
