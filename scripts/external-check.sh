#!/usr/bin/env bash
# Checks that other PML readers accept the captures `pml synth` writes: creates a virtualenv,
# installs procmon-parser and procmon-reader from PyPI, and reads every capture given (default:
# testdata/*.pml) with both. Each must read every event; the two must agree on Process Name,
# PID, Operation, Path and Result of every event; and the event count, and the PIDs and names of
# the processes named in OUT.expected.json, must match what the capture holds.
#
# Both must also agree with pml's own rendering (`pml events`, the binary in $PML, default
# target/release/pml) on those five columns and on Detail.
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
PML="${PML:-target/release/pml}" "$venv/bin/python" - "$@" <<'PY'
import csv, io, json, os, subprocess, sys
from procmon_parser import ProcmonLogsReader
from procmon_reader import ProcmonReader

FIELDS = [("Process Name", "process_name"), ("PID", "pid"), ("Operation", "operation"),
          ("Path", "path"), ("Result", "result")]
# Operations whose Detail procmon-parser leaves empty (it does not decode their parameters);
# ProcMon's own exports are the truth for them (docs/fidelity.md).
NOT_DECODED = {"SetRenameInformationFile"}
failed = 0
for pml in sys.argv[1:]:
    undecoded = 0
    with open(pml, "rb") as f:
        a = [e.get_compatible_csv_info() for e in ProcmonLogsReader(f)]
    r = ProcmonReader(pml)
    r.apply_filters(None, select_fields=[k for _, k in FIELDS])
    b = list(r)
    columns = [c for c, _ in FIELDS] + ["Detail"]
    ours = subprocess.run([os.environ["PML"], "events", pml, "--format", "csv", "--quiet",
                           "--columns", ",".join(columns)], check=True, capture_output=True).stdout
    ours = list(csv.DictReader(io.StringIO(ours.decode("utf-8-sig"))))
    problems = []
    if not (len(a) == len(b) == len(ours)):
        problems.append(f"events: procmon-parser {len(a)}, procmon-reader {len(b)}, pml {len(ours)}")
    for i, (x, y, z) in enumerate(zip(a, b, ours)):
        for csv_name, key in FIELDS:
            if not (str(x[csv_name]) == str(y[key]) == z[csv_name]):
                problems.append(f"event {i} {csv_name}: procmon-parser {x[csv_name]!r}, "
                                f"procmon-reader {y[key]!r}, pml {z[csv_name]!r}")
        if str(x["Detail"]) != z["Detail"]:
            if x["Detail"] == "" and x["Operation"] in NOT_DECODED:
                undecoded += 1
            else:
                problems.append(f"event {i} Detail: procmon-parser {x['Detail']!r}, pml {z['Detail']!r}")
    expected = os.path.splitext(pml)[0] + ".expected.json"
    if os.path.exists(expected):
        exp = json.load(open(expected))
        if exp["events"] != len(a):
            problems.append(f"expected.json says {exp['events']} events, readers see {len(a)}")
        seen = {(int(x["PID"]), x["Process Name"]) for x in a}
        refs = [f["process"] for f in exp["unmatched_opens"] + exp["sharing_violations"]]
        for inc in exp["incidents"]:
            # A filtered save can hide the opener: the incident then names none.
            refs += [r for r in [inc["opener"]] + inc["holders"] + inc["victims"] if r]
        for ref in refs:
            if (ref["pid"], ref["name"]) not in seen:
                problems.append(f"no event of {ref['name']} (PID {ref['pid']})")
    status = "ok" if not problems else "FAILED"
    note = f" ({undecoded} Details procmon-parser does not decode)" if undecoded else ""
    print(f"{pml}: {len(a)} events, {status}{note}")
    for p in problems[:10]:
        print("   ", p)
    failed += bool(problems)
sys.exit(1 if failed else 0)
PY
