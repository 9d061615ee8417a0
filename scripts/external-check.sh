#!/usr/bin/env bash
# Checks that other PML readers accept the captures `pml synth` writes: creates a virtualenv,
# installs procmon-parser and procmon-reader from PyPI, and reads every capture given (default:
# testdata/*.pml) with both. Each must read every event; the two must agree on Process Name,
# PID, Operation, Path and Result of every event; and the event count, and the PIDs and names of
# the processes named in OUT.expected.json, must match what the capture holds.
#
# Usage: scripts/external-check.sh [capture.pml ...]   (VENV=dir to reuse a virtualenv)
set -euo pipefail
cd "$(dirname "$0")/.."
venv="${VENV:-${TMPDIR:-/tmp}/pml-external-check-venv}"
if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q procmon-parser procmon-reader
fi
if [ "$#" -eq 0 ]; then
  set -- testdata/*.pml
fi
"$venv/bin/python" - "$@" <<'PY'
import json, os, sys
from procmon_parser import ProcmonLogsReader
from procmon_reader import ProcmonReader

FIELDS = [("Process Name", "process_name"), ("PID", "pid"), ("Operation", "operation"),
          ("Path", "path"), ("Result", "result")]
failed = 0
for pml in sys.argv[1:]:
    with open(pml, "rb") as f:
        a = [e.get_compatible_csv_info() for e in ProcmonLogsReader(f)]
    r = ProcmonReader(pml)
    r.apply_filters(None, select_fields=[k for _, k in FIELDS])
    b = list(r)
    problems = []
    if len(a) != len(b):
        problems.append(f"procmon-parser reads {len(a)} events, procmon-reader {len(b)}")
    for i, (x, y) in enumerate(zip(a, b)):
        for csv_name, key in FIELDS:
            if str(x[csv_name]) != str(y[key]):
                problems.append(f"event {i} {csv_name}: {x[csv_name]!r} vs {y[key]!r}")
    expected = os.path.splitext(pml)[0] + ".expected.json"
    if os.path.exists(expected):
        exp = json.load(open(expected))
        if exp["events"] != len(a):
            problems.append(f"expected.json says {exp['events']} events, readers see {len(a)}")
        seen = {(int(x["PID"]), x["Process Name"]) for x in a}
        refs = [f["process"] for f in exp["unmatched_opens"] + exp["sharing_violations"]]
        for inc in exp["incidents"]:
            refs += [inc["opener"]] + inc["holders"] + inc["victims"]
        for ref in refs:
            if (ref["pid"], ref["name"]) not in seen:
                problems.append(f"no event of {ref['name']} (PID {ref['pid']})")
    status = "ok" if not problems else "FAILED"
    print(f"{pml}: {len(a)} events, {status}")
    for p in problems[:10]:
        print("   ", p)
    failed += bool(problems)
sys.exit(1 if failed else 0)
PY
