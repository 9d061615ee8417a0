#!/usr/bin/env bash
# Source coverage of each fuzz target over its corpus (issue 21): `cargo fuzz coverage` replays
# the corpus with an instrumented build, then `llvm-cov report` gives per file of our own crates
# (not the dependencies) what the inputs reached, summed over the files the target is for (its
# focus: the PMC parser for pmc_parse, the whole reader for open_decode_render, ...).
# Usage: scripts/fuzz-coverage.sh OUT [CORPUS_ROOT] [TARGET...]
#        (CORPUS_ROOT defaults to fuzz/corpus; each target reads CORPUS_ROOT/TARGET)
# Needs llvm-tools (`rustup component add llvm-tools-preview`). Writes OUT/coverage.tsv and
# OUT/TARGET.txt (the per-file report).
set -euo pipefail
out=$(realpath -m "$1"); shift
corpora=$(realpath -m "${1:-$(dirname "$0")/../fuzz/corpus}"); shift || true
cd "$(dirname "$0")/../fuzz"
export RUSTC_BOOTSTRAP=1
targets=${*:-$(cargo fuzz list)}
host=$(rustc -vV | sed -n 's/^host: //p')
llvm_bin="$(rustc --print sysroot)/lib/rustlib/$host/bin"
mkdir -p "$out"
[ -f "$out/coverage.tsv" ] || printf 'target\tinputs\tfocus\tlines\tlines_covered_pct\tregions\tregions_covered_pct\tfunctions\tfunctions_covered_pct\n' >"$out/coverage.tsv"
# The files each target is for.
focus_of() {
  case "$1" in
    pmc_parse) echo '^analyzer/src/pmc' ;;
    filter_parse | where_parse) echo '^analyzer/src/filter/' ;;
    export_import) echo '^import/src/' ;;
    *) echo '^pml-parser/src/' ;;
  esac
}
for target in $targets; do
  corpus="$corpora/$target"
  cargo fuzz coverage "$target" "$corpus" >"$out/$target.coverage.log" 2>&1
  binary="target/$host/coverage/$host/release/$target"
  "$llvm_bin/llvm-cov" report "$binary" -instr-profile="coverage/$target/coverage.profdata" \
    -ignore-filename-regex='(\.cargo/registry|/rustc/|/library/|fuzz_targets)' >"$out/$target.txt"
  focus=$(focus_of "$target")
  # Columns: file, regions, missed, cover, functions, missed, executed, lines, missed, cover.
  read -r regions regions_missed functions functions_missed lines lines_missed <<<"$(
    awk -v focus="$focus" '$1 ~ focus { r += $2; rm += $3; f += $5; fm += $6; l += $8; lm += $9 }
      END { print r + 0, rm + 0, f + 0, fm + 0, l + 0, lm + 0 }' "$out/$target.txt")"
  pct() { awk -v all="$1" -v missed="$2" 'BEGIN { printf "%.1f%%", all ? 100 * (all - missed) / all : 0 }'; }
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$target" "$(ls "$corpus" | wc -l)" "$focus" \
    "$lines" "$(pct "$lines" "$lines_missed")" "$regions" "$(pct "$regions" "$regions_missed")" \
    "$functions" "$(pct "$functions" "$functions_missed")" >>"$out/coverage.tsv"
  echo "fuzz-coverage: $target ($focus): lines $(pct "$lines" "$lines_missed") of $lines," \
    "regions $(pct "$regions" "$regions_missed") of $regions, functions $(pct "$functions" "$functions_missed") of $functions"
done
