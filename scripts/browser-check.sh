#!/usr/bin/env bash
# Renders pml reports in headless Chromium and checks them (scripts/browser-check.mjs):
# the seed-race sample report (report/examples/report_sample.rs) and, when the shared samples are
# beside the checkout, the report of a real capture. Non-interactive; exit status 0 when all
# checks pass.
#
#   scripts/browser-check.sh [SCREENSHOT.png]     (default: $CARGO_TARGET_DIR or target/report-seed-race.png)
#
# Needs Node 20+ and Chromium; as root on Debian/Ubuntu, a missing one is installed with
# apt-get (packages nodejs, chromium and chromium-driver). PML_BROWSER_CHECK=skip skips the check.
set -euo pipefail
cd "$(dirname "$0")/.."

if [[ "${PML_BROWSER_CHECK:-}" == skip ]]; then
  echo "browser-check: SKIPPED (PML_BROWSER_CHECK=skip)"
  exit 0
fi

target="${CARGO_TARGET_DIR:-target}"
shot="${1:-$target/report-seed-race.png}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

if ! command -v node >/dev/null; then
  if [[ "$(id -u)" == 0 ]] && command -v apt-get >/dev/null; then
    echo "browser-check: installing nodejs"
    apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs >/dev/null
  else
    echo "browser-check: node is missing (apt-get install nodejs)" >&2
    exit 1
  fi
fi
if ! command -v chromium >/dev/null && ! command -v chromium-browser >/dev/null && [[ -z "${CHROMIUM:-}" ]]; then
  if [[ "$(id -u)" == 0 ]] && command -v apt-get >/dev/null; then
    echo "browser-check: installing chromium"
    apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null
  else
    echo "browser-check: Chromium is missing (apt-get install chromium chromium-driver, or set CHROMIUM)" >&2
    exit 1
  fi
fi
# WebSocket is built into Node 22+; Node 20 has it behind a flag.
node_flags=()
if ! node -e 'if (typeof WebSocket !== "function") process.exit(1)' 2>/dev/null; then
  node_flags+=(--experimental-websocket)
fi

# The release builds CI makes before this step (built here when missing; rebuild them after a
# change: `cargo build --release --workspace --bins --examples`).
sample="$target/release/examples/report_sample"
pml="$target/release/pml"
[[ -x "$sample" ]] || cargo build --release -q -p pml-report --example report_sample
[[ -x "$pml" ]] || cargo build --release -q -p pml-cli
"$sample" "$work/seed-race.html"
node "${node_flags[@]}" scripts/browser-check.mjs "$work/seed-race.html" "$shot" --min-timelines 2

samples="../shared/pml-samples"
if [[ -f "$samples/process-64bit.pml.gz" ]]; then
  gunzip -c "$samples/process-64bit.pml.gz" >"$work/process-64bit.pml"
  "$pml" report "$work/process-64bit.pml" -o "$work/process-64bit.html"
  node "${node_flags[@]}" scripts/browser-check.mjs "$work/process-64bit.html" "$work/process-64bit.png" --min-timelines 0
else
  echo "browser-check: SKIPPED the real capture (no $samples)"
fi
