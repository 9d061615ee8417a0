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
    filter_parse) echo '^analyzer/src/filter/(parse|rule|eval|mod)\.rs' ;;
    where_parse) echo '^analyzer/src/filter/(expr|field)\.rs' ;;
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
  # The per-file summaries with full paths (`report` shortens them to their common prefix).
  summary=$("$llvm_bin/llvm-cov" export "$binary" -instr-profile="coverage/$target/coverage.profdata" \
    -summary-only -ignore-filename-regex='(\.cargo/registry|/rustc/|/library/|fuzz_targets)' |
    python3 -c '
import json, re, sys
focus = re.compile(sys.argv[1])
root = sys.argv[2].rstrip("/") + "/"
totals = {k: [0, 0] for k in ("lines", "regions", "functions")}
for f in json.load(sys.stdin)["data"][0]["files"]:
    name = f["filename"]
    name = name[len(root):] if name.startswith(root) else name
    if focus.search(name):
        for k in totals:
            totals[k][0] += f["summary"][k]["count"]
            totals[k][1] += f["summary"][k]["covered"]
pct = lambda k: "%.1f%%" % (100.0 * totals[k][1] / totals[k][0] if totals[k][0] else 0)
print("\t".join(str(x) for k in ("lines", "regions", "functions") for x in (totals[k][0], pct(k))))
' "$focus" "$(cd .. && pwd)")
  read -r lines lines_pct regions regions_pct functions functions_pct <<<"$summary"
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$target" "$(ls "$corpus" | wc -l)" "$focus" \
    "$lines" "$lines_pct" "$regions" "$regions_pct" "$functions" "$functions_pct" >>"$out/coverage.tsv"
  echo "fuzz-coverage: $target ($focus): lines $lines_pct of $lines, regions $regions_pct of $regions," \
    "functions $functions_pct of $functions"
done
