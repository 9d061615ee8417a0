#!/usr/bin/env bash
# Runs every pml command on every real capture with the Linux build and with the Windows build
# (under Wine, through scripts/wine/run), and fails when an output differs by one byte: CSV,
# JSON Lines and Parquet exports, info and analyze JSON, summaries, queries, the HTML report,
# a filtered capture, a synthetic capture. Then checks the Windows habits of pml.exe itself:
# a pattern with a drive letter and backslashes expanded by pml, a long path (\\?\), and a
# target that exists replaced by an export.
#
#   scripts/windows-compare.sh LINUX_PML WINDOWS_PML_EXE [SAMPLES_DIR]
#
# SAMPLES_DIR defaults to ../shared/pml-samples (or $PML_SAMPLES); without it the testdata/
# captures are used, unless PML_REQUIRE_SAMPLES=1, which makes its absence a failure.
# PML_COMPARE_TESTDATA="seed-race pid-reuse" limits the testdata/ captures to those named (default:
# all); PML_COMPARE_NO_PARQUET=1 leaves out the Parquet export (a pml.exe built without the
# `parquet` feature, as CI's quick Windows leg builds it).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
linux=$(realpath "$1")
windows=$(realpath "$2")
samples=${3:-${PML_SAMPLES:-$root/../shared/pml-samples}}
run_windows() { "$root/scripts/wine/run" "$windows" "$@"; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/in" "$work/linux" "$work/windows"
if compgen -G "$samples/*.pml.gz" >/dev/null; then
  for gz in "$samples"/*.pml.gz; do
    name=$(basename "$gz" .gz)
    gunzip -c "$gz" > "$work/in/$name"
  done
elif [ "${PML_REQUIRE_SAMPLES:-}" = 1 ]; then
  echo "no samples in $samples (PML_REQUIRE_SAMPLES=1)" >&2
  exit 1
else
  echo "SKIPPED: real captures (no $samples); testdata/ captures only"
fi
if [ -n "${PML_COMPARE_TESTDATA:-}" ]; then
  for name in $PML_COMPARE_TESTDATA; do
    cp "$root/testdata/$name.pml" "$work/in/"
  done
else
  cp "$root"/testdata/*.pml "$work/in/"
fi
if [ -f "$samples/noriben-filters.pmc" ]; then
  cp "$samples/noriben-filters.pmc" "$work/in/"
fi

# Each command runs in the folder of the inputs with relative names, so that the outputs that
# name their input (analyze, report) name it alike; output files go to ../linux or ../windows.
# A command's stdout is kept as NAME.stdout and its exit status as NAME.status.
commands=()
for capture in "$work"/in/*.pml; do
  f=$(basename "$capture")
  commands+=(
    "$f.info|info --json $f"
    "$f.analyze|analyze --json $f"
    "$f.analyze-text|analyze $f"
    "$f.export-csv|export $f -q --columns all -o @OUT@/$f.csv"
    "$f.export-jsonl|export $f -q -o @OUT@/$f.jsonl"
    "$f.events|events $f --format csv --limit 5000 --tz Europe/Berlin"
    "$f.events-filtered|events $f --format jsonl --filter Operation~is~CreateFile"
    "$f.summary-processes|summary processes $f --format jsonl"
    "$f.summary-tree|summary tree $f --format jsonl"
    "$f.summary-files|summary files $f --format csv"
    "$f.summary-registry|summary registry $f --format csv"
    "$f.summary-network|summary network $f --format csv"
    "$f.summary-count|summary count Operation $f --format csv"
    "$f.summary-stacks|summary stacks $f --format jsonl"
    "$f.query|query $f --group-by Process~Name,Operation --metric count --metric sum(Duration) --format json"
    "$f.report|report $f -o @OUT@/$f.html"
    "$f.filter|filter $f -q -o @OUT@/$f.filtered.pml --exclude Process~Name~is~Explorer.EXE"
  )
  if [ "${PML_COMPARE_NO_PARQUET:-0}" != 1 ]; then
    commands+=("$f.export-parquet|export $f -q -o @OUT@/$f.parquet")
  fi
done
if [ -f "$work/in/noriben-filters.pmc" ]; then
  commands+=("pmc|export mixed-64bit.pml -q --config noriben-filters.pmc -o @OUT@/pmc.csv")
fi
commands+=("synth|synth seed-race -o @OUT@/synth.pml")

# The exit status is compared too (analyze exits non-zero on some captures by design).
count=0
for entry in "${commands[@]}"; do
  id=${entry%%|*}
  args=${entry#*|}
  for system in linux windows; do
    out="$work/$system"
    # Words of the command, with @OUT@ the system's output folder and ~ a space.
    read -r -a words <<< "${args//@OUT@/..\/$system}"
    words=("${words[@]//\~/ }")
    status=0
    if [ $system = linux ]; then
      (cd "$work/in" && "$linux" "${words[@]}") > "$out/$id.stdout" 2> "$out/$id.stderr" || status=$?
    else
      (cd "$work/in" && run_windows "${words[@]}") > "$out/$id.stdout" 2> "$out/$id.stderr" || status=$?
    fi
    echo "$status" > "$out/$id.status"
  done
  count=$((count + 1))
done

# Every file, byte for byte (stderr aside: Wine adds its own lines there).
failed=0
for file in "$work"/linux/*; do
  name=$(basename "$file")
  case "$name" in *.stderr) continue ;; esac
  if ! cmp -s "$file" "$work/windows/$name"; then
    echo "DIFFERS: $name" >&2
    diff <(head -c 2000 "$file") <(head -c 2000 "$work/windows/$name") | head -n 20 >&2 || true
    failed=1
  fi
done
files=$(find "$work/linux" -type f ! -name '*.stderr' | wc -l)
bytes=$(find "$work/linux" -type f ! -name '*.stderr' -printf '%s\n' | awk '{s += $1} END {print s}')
nonzero=$(cat "$work"/linux/*.status | grep -vc '^0$' || true)
echo "$count commands on $(find "$work/in" -name '*.pml' | wc -l) captures: $files outputs" \
  "($bytes bytes) compared, $nonzero commands with a non-zero status on both"
if [ "$nonzero" -gt 0 ]; then
  grep -L '^0$' "$work"/linux/*.status | xargs -n1 basename >&2
fi

# Windows habits of pml.exe: a pattern pml expands itself, in a drive-letter path with
# backslashes; the same in a long path; an existing target replaced.
dos=$(printf 'Z:%s' "${work//\//\\}")
# `SEED-*.PML` matches seed-race.pml on Windows only (names match without regard to case there).
pattern=$(run_windows info --json "$dos\\in\\SEED-*.PML" | grep '"events"' || true)
plain=$(cd "$work/in" && "$linux" info --json seed-race.pml | grep '"events"')
if [ -z "$pattern" ] || [ "$pattern" != "$plain" ]; then
  echo "the pattern $dos\\in\\SEED-*.PML did not open seed-race.pml" >&2
  failed=1
fi
# The JSON names the capture as given: that line aside, it equals Linux's.
run_windows analyze --json "\\\\?\\$dos\\in\\seed-race.pml" | grep -v '"capture"' > "$work/long.json"
(cd "$work/in" && "$linux" analyze --json seed-race.pml) | grep -v '"capture"' > "$work/long.linux.json"
if ! cmp -s "$work/long.json" "$work/long.linux.json"; then
  echo "a long path (\\\\?\\) gives another analysis" >&2
  failed=1
fi
echo "old" > "$work/replace.csv"
run_windows export "$dos\\in\\seed-race.pml" -q -o "$dos\\replace.csv"
if [ "$(head -c 3 "$work/replace.csv" | od -An -tx1 | tr -d ' ')" != efbbbf ]; then
  echo "an existing target was not replaced" >&2
  failed=1
fi
echo "drive-letter pattern, long path and replaced target: checked"
exit $failed
