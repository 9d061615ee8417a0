#!/usr/bin/env python3
"""pml's benchmark: every stage, side by side with the other readers, in one run.

Usage: scripts/bench [--events N] [--runs R] [--skip-big] [--skip-peers] [--out BENCHMARKS.md]

1. builds pml in release mode;
2. makes (or reuses) a bulk capture with `pml synth bulk` (40 M events by default: over 4 GiB);
3. times each pml stage on win11-fileio-64bit (from ../shared/pml-samples) and on the bulk capture:
   events/s (median of R runs) and peak RSS (max of the runs);
4. installs procmon-parser and procmon-reader from PyPI in a virtual environment and times them on the
   same files, and prints pml/peer ratios measured in this same run;
5. prints one markdown table and writes it, with the machine description, to BENCHMARKS.md.
"""
import argparse
import gzip
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = Path(os.environ.get("PML_SAMPLES", ROOT.parent / "shared" / "pml-samples"))
WORK = Path(os.environ.get("PML_BENCH_DIR", tempfile.gettempdir())) / "pml-bench"
PML = ROOT / "target" / "release" / "pml"
VENV = WORK / "venv"


def run(cmd, **kw):
    return subprocess.run(cmd, check=True, **kw)


def timed(cmd, stdout=subprocess.DEVNULL):
    """Runs cmd under /usr/bin/time; returns (wall seconds, peak RSS in MB)."""
    start = time.perf_counter()
    proc = subprocess.run(["/usr/bin/time", "-f", "%M"] + [str(c) for c in cmd],
                          stdout=stdout, stderr=subprocess.PIPE, text=True)
    wall = time.perf_counter() - start
    if proc.returncode not in (0, 1):
        raise RuntimeError(f"{' '.join(map(str, cmd))} failed ({proc.returncode}): {proc.stderr[-2000:]}")
    rss_kb = int(proc.stderr.strip().splitlines()[-1])
    return wall, rss_kb / 1024


def median_run(cmd, runs):
    results = [timed(cmd) for _ in range(runs)]
    return statistics.median(r[0] for r in results), max(r[1] for r in results)


def bench_binary(name):
    out = subprocess.run(["cargo", "bench", "--no-run", "-p", "pml-parser", "--bench", name,
                          "--message-format", "json"], cwd=ROOT, check=True,
                         capture_output=True, text=True).stdout
    for line in out.splitlines():
        msg = json.loads(line)
        if msg.get("reason") == "compiler-artifact" and msg["target"]["name"] == name and msg.get("executable"):
            return msg["executable"]
    raise RuntimeError(f"bench binary {name} not found")


def scan_rates(capture, runs):
    """Events/s of the reader stages, from the scan bench binary (median of runs, parallel)."""
    out = subprocess.run([bench_binary("scan"), capture, str(runs)], check=True,
                         capture_output=True, text=True).stdout
    rates = {}
    for line in out.splitlines():
        m = re.match(r"(.+?)\s+([\d.]+) M events/s", line)
        if m:
            rates[m.group(1).strip()] = float(m.group(2)) * 1e6
    return rates


def event_count(capture):
    info = json.loads(subprocess.run([PML, "info", "--json", capture], check=True,
                                     capture_output=True, text=True).stdout)
    return info["events"]


def stages(capture, out_dir):
    """The pml stages measured as whole commands: (name, argv)."""
    return [
        ("filtered query (Process Name contains, 4 columns)",
         [PML, "events", capture, "--filter", "Process Name contains svchost",
          "--columns", "Process Name,Operation,Path,Result", "--format", "csv", "--quiet"]),
        ("analyze", [PML, "analyze", capture, "--json"]),
        ("CSV export, 27 columns", [PML, "export", capture, "-o", out_dir / "out.csv", "--columns", "all", "--quiet"]),
        ("Parquet export", [PML, "export", capture, "-o", out_dir / "out.parquet", "--quiet"]),
        ("summary files", [PML, "summary", "files", capture, "--format", "csv", "--quiet"]),
    ]


def ensure_peers():
    if not (VENV / "bin" / "python").exists():
        run([sys.executable, "-m", "venv", VENV])
        run([VENV / "bin" / "pip", "install", "-q", "procmon-parser", "procmon-reader"])
    return VENV / "bin" / "python"


def peer(python, mode, capture, runs):
    out = subprocess.run([python, ROOT / "scripts" / "bench_peers.py", mode, capture, str(runs)],
                         check=True, capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def machine():
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return f"{os.cpu_count()} cores ({cpu}), {mem:.0f} GiB RAM, {platform.system()} {platform.release()}"


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--events", type=int, default=40_000_000)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--skip-big", action="store_true", help="only the real capture")
    ap.add_argument("--skip-peers", action="store_true")
    ap.add_argument("--out", default=str(ROOT / "BENCHMARKS.md"))
    args = ap.parse_args()

    WORK.mkdir(parents=True, exist_ok=True)
    run(["cargo", "build", "--release", "-p", "pml-cli"], cwd=ROOT)
    captures = []
    fileio = WORK / "win11-fileio-64bit.pml"
    if not fileio.exists():
        with gzip.open(SAMPLES / "win11-fileio-64bit.pml.gz") as src, open(fileio, "wb") as dst:
            shutil.copyfileobj(src, dst)
    captures.append(("win11-fileio-64bit", fileio))
    if not args.skip_big:
        bulk = WORK / f"bulk-{args.events}.pml"
        if not bulk.exists():
            wall, rss = timed([PML, "synth", "bulk", "--events", args.events, "--seed", 1, "-o", bulk])
            print(f"synth bulk: {args.events / wall / 1e6:.2f} M events/s, peak RSS {rss:.0f} MB", flush=True)
        captures.append((f"bulk ({args.events / 1e6:.0f} M events, {bulk.stat().st_size / 2**30:.1f} GiB)", bulk))

    rows = []  # (capture, stage, events/s, peak RSS MB)
    for label, capture in captures:
        n = event_count(capture)
        for stage, rate in scan_rates(capture, args.runs).items():
            rows.append((label, f"reader: {stage}", rate, None))
        with tempfile.TemporaryDirectory(dir=WORK) as out_dir:
            for stage, cmd in stages(capture, Path(out_dir)):
                wall, rss = median_run(cmd, args.runs)
                rows.append((label, stage, n / wall, rss))
                print(f"{label}: {stage}: {n / wall / 1e6:.2f} M events/s, {rss:.0f} MB", flush=True)

    ratios = []
    if not args.skip_peers:
        python = ensure_peers()
        small = fileio
        ours = {r[1]: r[2] for r in rows if r[0] == "win11-fileio-64bit"}
        reader_all = peer(python, "reader-all", small, args.runs)
        reader_filter = peer(python, "reader-filter", small, args.runs)
        ratios.append(("procmon-reader, all fields", reader_all["events_per_s"],
                       ours.get("reader: typed details, parallel"), "pml typed decode of all events"))
        ratios.append(("procmon-reader, process-name filter, 4 columns", reader_filter["events_per_s"],
                       ours.get("filtered query (Process Name contains, 4 columns)"), "pml events --filter"))
        mixed = WORK / "mixed-64bit.pml"
        if not mixed.exists():
            with gzip.open(SAMPLES / "mixed-64bit.pml.gz") as src, open(mixed, "wb") as dst:
                shutil.copyfileobj(src, dst)
        parser_all = peer(python, "parser-all", mixed, 1)
        ours_mixed = scan_rates(mixed, args.runs).get("typed details, parallel")
        ratios.append(("procmon-parser, all events with details (mixed-64bit)", parser_all["events_per_s"],
                       ours_mixed, "pml typed decode of all events"))

    lines = [f"# Benchmarks\n", f"Machine: {machine()}. Median of {args.runs} runs; peak RSS is the max.\n",
             "Made by `scripts/bench` in one run; figures vary with the machine's load, ratios less so.\n",
             "| capture | stage | events/s | peak RSS |", "|---|---|---:|---:|"]
    for label, stage, rate, rss in rows:
        lines.append(f"| {label} | {stage} | {rate / 1e6:.2f} M | {'' if rss is None else f'{rss:.0f} MB'} |")
    if ratios:
        lines += ["", "| peer (same file, same run) | peer events/s | pml events/s | pml / peer | pml stage |",
                  "|---|---:|---:|---:|---|"]
        for name, theirs, ours_rate, what in ratios:
            ratio = f"{ours_rate / theirs:.0f}x" if ours_rate and theirs else "n/a"
            ours_text = f"{ours_rate / 1e6:.2f} M" if ours_rate else "n/a"
            lines.append(f"| {name} | {theirs / 1e6:.3f} M | {ours_text} | {ratio} | {what} |")
    table = "\n".join(lines) + "\n"
    print(table)
    Path(args.out).write_text(table)


if __name__ == "__main__":
    main()
