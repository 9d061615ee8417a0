#!/usr/bin/env python3
"""Checks a Parquet export of pml against pml's CSV rendering of the same capture, with pyarrow.

    python3 scripts/parquet-check.py --pml target/debug/pml CAPTURE.pml[.gz] [--golden X.golden.csv.gz]

Creates a virtual environment (in $PARQUET_CHECK_VENV or a temporary directory), installs pyarrow
into it, exports CAPTURE with `pml export --format parquet` and `pml events --format csv`, then
compares every column value by value (a .gz capture is decompressed first; a missing capture
prints SKIPPED and exits 0, as the Rust tests do without the shared samples). With --golden, it also reports how many values agree with
the CSV that Process Monitor itself exported. Exits 1 on any difference from pml's CSV.
"""

import argparse
import csv
import datetime
import gzip
import io
import os
import subprocess
import sys
import tempfile
import venv

# Parquet column -> CSV column of pml events.
TEXT_COLUMNS = {
    "process_name": "Process Name",
    "pid": "PID",
    "tid": "TID",
    "parent_pid": "Parent PID",
    "event_class": "Event Class",
    "operation": "Operation",
    "result": "Result",
    "path": "Path",
    "detail": "Detail",
    "category": "Category",
    "image_path": "Image Path",
    "command_line": "Command Line",
    "company": "Company",
    "description": "Description",
    "version": "Version",
    "user": "User",
    "authentication_id": "Authentication ID",
    "session": "Session",
    "integrity": "Integrity",
    "architecture": "Architecture",
}


def ensure_pyarrow():
    """Re-runs this script inside a venv that has pyarrow, unless pyarrow is already there."""
    try:
        import pyarrow  # noqa: F401
        return
    except ImportError:
        pass
    if os.environ.get("PARQUET_CHECK_IN_VENV"):
        sys.exit("parquet-check: pyarrow is still missing inside the virtual environment")
    home = os.environ.get("PARQUET_CHECK_VENV") or os.path.join(tempfile.gettempdir(), "pml-parquet-check-venv")
    python = os.path.join(home, "bin", "python")
    if not os.path.exists(python):
        venv.create(home, with_pip=True)
    subprocess.run([python, "-m", "pip", "install", "--quiet", "pyarrow"], check=True)
    env = dict(os.environ, PARQUET_CHECK_IN_VENV="1")
    sys.exit(subprocess.run([python, __file__, *sys.argv[1:]], env=env).returncode)


def time_of_day(text):
    """100 ns ticks since midnight from `1:18:10.7752429 AM` or an RFC 3339 time, else None."""
    text = text.strip()
    try:
        if text.endswith("M"):
            clock, half = text.split(" ")
            h, m, s = clock.split(":")
            h = int(h) % 12 + (12 if half == "PM" else 0)
        else:
            h, m, s = text.split("T")[1].rstrip("Z").split(":")
            h = int(h)
        whole, _, frac = s.partition(".")
        return ((h * 60 + int(m)) * 60 + int(whole)) * 10_000_000 + int((frac + "0000000")[:7])
    except ValueError:
        return None


def read_csv(data):
    text = data.decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(text, newline="")))


def main():
    ensure_pyarrow()
    import pyarrow.parquet as pq

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pml", required=True, help="the pml binary")
    parser.add_argument("capture")
    parser.add_argument("--golden", help="ProcMon's CSV export of the capture (.csv or .csv.gz)")
    args = parser.parse_args()
    if not os.path.exists(args.capture):
        print(f"SKIPPED: no capture at {args.capture}")
        return 0

    with tempfile.TemporaryDirectory() as tmp:
        if args.capture.endswith(".gz"):
            plain = os.path.join(tmp, "capture.pml")
            with gzip.open(args.capture, "rb") as src, open(plain, "wb") as dst:
                dst.write(src.read())
            args.capture = plain
        out = os.path.join(tmp, "events.parquet")
        subprocess.run([args.pml, "export", args.capture, "--format", "parquet", "-o", out, "-q"], check=True)
        columns = ",".join(["Time of Day", "Duration", "Virtualized", *TEXT_COLUMNS.values()])
        ours = subprocess.run(
            [args.pml, "events", args.capture, "--format", "csv", "--columns", columns, "-q"],
            check=True, capture_output=True).stdout
        table = pq.read_table(out)

    rows = read_csv(ours)
    data = {name: table.column(name).to_pylist() for name in table.column_names
            if not str(table.schema.field(name).type).startswith("timestamp")}
    failures = []
    if table.num_rows != len(rows):
        failures.append(f"{table.num_rows} Parquet rows, {len(rows)} CSV rows")
    if data["index"] != list(range(table.num_rows)):
        failures.append("index is not 0..n-1")
    n = min(table.num_rows, len(rows))

    def check(name, want, got):
        bad = [i for i in range(n) if want(i) != got(i)]
        if bad:
            i = bad[0]
            failures.append(f"{name}: {len(bad)}/{n} differ, first at row {i}: csv {want(i)!r} parquet {got(i)!r}")

    for col, header in TEXT_COLUMNS.items():
        check(col, lambda i, h=header: rows[i][h], lambda i, c=col: "" if data[c][i] is None else str(data[c][i]))
    check("virtualized", lambda i: rows[i]["Virtualized"],
          lambda i: {True: "True", False: "False", None: "n/a"}[data["virtualized"][i]])

    times = table.column("time").cast("int64").to_pylist()
    check("time", lambda i: time_of_day(rows[i]["Time of Day"]),
          lambda i: None if times[i] is None else (times[i] // 100) % (86400 * 10_000_000))
    def duration_ticks(text):
        """Seconds as ProcMon prints them (`0.0000074`), or bare 100 ns ticks."""
        if text == "":
            return None
        return round(float(text) * 1e7) if "." in text else int(text)

    check("duration", lambda i: duration_ticks(rows[i]["Duration"]),
          lambda i: None if data["duration"][i] is None else round(data["duration"][i] * 1e7))
    assert str(table.schema.field("time").type) == "timestamp[ns, tz=UTC]", table.schema.field("time").type

    print(f"parquet-check: {n} rows, {len(table.column_names)} columns compared with pml's CSV")
    if args.golden:
        opener = gzip.open if args.golden.endswith(".gz") else open
        with opener(args.golden, "rb") as f:
            golden = read_csv(f.read())
        for col, header in TEXT_COLUMNS.items():
            if golden and header in golden[0]:
                same = sum(1 for i in range(min(n, len(golden)))
                           if golden[i][header] == ("" if data[col][i] is None else str(data[col][i])))
                print(f"  vs ProcMon's CSV: {col:18} {same}/{len(golden)} equal")
    for failure in failures:
        print("FAIL:", failure)
    print(f"{0 if failures else 1} passed, {1 if failures else 0} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
