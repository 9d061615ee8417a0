#!/usr/bin/env python3
"""pml's benchmark: every stage, side by side with the other readers, in one run.

Usage: scripts/bench [--events N] [--runs R] [--skip-big] [--skip-peers] [--out BENCHMARKS.md]
       scripts/bench --baseline OLD_PML [--events N] [--runs R] [--skip-big] [--out FILE]
       scripts/bench --only-python [--pml PML] [--events N] [--runs R] [--skip-big]
       scripts/bench --only-huge [--huge N] [--runs R]

With --baseline, it times every whole-command stage with OLD_PML and with the freshly built pml in
turn (run by run, so both see the same load) and prints before, after and after/before: the check
that a change made no stage slower.


1. builds pml in release mode;
2. makes (or reuses) a bulk capture with `pml synth bulk` (40 M events by default: over 4 GiB);
3. times each pml stage on win11-fileio-64bit (from ../shared/pml-samples) and on the bulk capture:
   events/s (median of R runs) and peak RSS (max of the runs);
4. installs procmon-parser and procmon-reader from PyPI in a virtual environment and times them on the
   same files, and prints pml/peer ratios measured in this same run;
5. installs the pml Python package (`pip install ./python`) with pandas and polars in the same
   virtual environment and times, inside the Python process after the imports and for the whole
   process, all 27 columns of win11-fileio into a pandas DataFrame (pml and both peers) and a
   filtered query of the bulk capture into polars beside `pml events` with the same filter;
6. makes (or reuses) a capture past 8 GiB (`--huge`, 56 M events: 40-bit event offsets) and times
   info, analyze, a filtered query and the CSV and Parquet exports on it;
7. prints one markdown table and writes it, with the machine description, to BENCHMARKS.md.

With --only-huge, only step 6 runs, and its section of BENCHMARKS.md is replaced.

With --only-python, only step 5 runs (with PML, default target/release/pml, for `pml events` and
the bulk capture), and its section of BENCHMARKS.md is replaced.
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
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = Path(os.environ.get("PML_SAMPLES", ROOT.parent / "shared" / "pml-samples"))
WORK = Path(os.environ.get("PML_BENCH_DIR", tempfile.gettempdir())) / "pml-bench"
PML = ROOT / "target" / "release" / "pml"
VENV = WORK / "venv"
# The filtered query looks for a process that has few events (the build's python.exe), so that it
# measures the scan, not the writing of millions of matches.
NEEDLE = "python"


def run(cmd, **kw):
    return subprocess.run(cmd, check=True, **kw)


def status_kb(pid, key):
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith(key + ":"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def timed(cmd):
    """Runs cmd; returns (wall seconds, peak RSS MB, peak anonymous MB). The wall clock stops when
    the process exits (wait4), and peak RSS is the kernel's own (ru_maxrss); anonymous memory is
    sampled every 2 ms. RSS counts the mapped pages of the capture; anonymous memory is what pml
    allocates."""
    start = time.perf_counter()
    proc = subprocess.Popen([str(c) for c in cmd], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    peak_anon = [0]
    done = threading.Event()

    def sample():
        while not done.is_set():
            peak_anon[0] = max(peak_anon[0], status_kb(proc.pid, "RssAnon"))
            done.wait(0.002)

    sampler = threading.Thread(target=sample)
    sampler.start()
    stderr = proc.stderr.read().decode(errors="replace")
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    done.set()
    sampler.join()
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode not in (0, 1):
        raise RuntimeError(f"{' '.join(map(str, cmd))} failed ({proc.returncode}): {stderr[-2000:]}")
    return wall, usage.ru_maxrss / 1024, peak_anon[0] / 1024


def median_run(cmd, runs, out_dir=None):
    """Median wall time and peak memory of `runs` runs of `cmd`; what a run wrote to `out_dir`
    is deleted before the next (a CSV export of the 40 M-event capture with every column takes
    24 GB: two would not fit beside each other on this machine's disk)."""
    results = []
    for _ in range(runs):
        results.append(timed(cmd))
        if out_dir is not None:
            for written in Path(out_dir).iterdir():
                written.unlink()
    return (statistics.median(r[0] for r in results), max(r[1] for r in results),
            max(r[2] for r in results))


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


def render_rate(capture, runs):
    """Events/s of rendering all 27 columns of every event in-process (the render bench binary)."""
    out = subprocess.run([bench_binary("render"), "--render-only", f"--runs={runs}", capture],
                         check=True, capture_output=True, text=True).stdout
    return float(re.search(r"render 27 columns.*?([\d.]+) M events/s", out).group(1)) * 1e6


def query_rate(capture, rounds):
    """Events/s of the filtered query measured inside the process, like the peer's own timing
    (`pml-analyzer`'s query_bench example: open the capture, filter every event, render 4 columns
    of the matches; median of `rounds`)."""
    out = subprocess.run([ROOT / "target" / "release" / "examples" / "query_bench", capture,
                          f"Process Name contains {NEEDLE}", str(rounds)],
                         check=True, capture_output=True, text=True).stdout
    return float(re.search(r"([\d.]+) M events/s", out).group(1)) * 1e6


def paired_filter(python, capture, blocks, rounds):
    """procmon-reader's filter and pml's, timed in turn: `blocks` times, each side the median of
    `rounds` in-process rounds. Returns (the peer's figures, pml's median events/s, the median of
    the per-block ratios): alternating keeps both under the same load of the shared machine."""
    peers, ours = [], []
    for _ in range(blocks):
        peers.append(peer(python, "reader-filter", capture, rounds))
        ours.append(query_rate(capture, rounds))
    theirs = {"events_per_s": statistics.median(p["events_per_s"] for p in peers),
              "peak_rss_mb": max(p["peak_rss_mb"] for p in peers)}
    ratio = statistics.median(o / p["events_per_s"] for o, p in zip(ours, peers))
    return theirs, statistics.median(ours), ratio


def event_count(capture):
    info = json.loads(subprocess.run([PML, "info", "--json", capture], check=True,
                                     capture_output=True, text=True).stdout)
    return info["events"]


def bulk_capture(events):
    """A bulk capture of `events` events in the work folder, made once and reused."""
    bulk = WORK / f"bulk-{events}.pml"
    if not bulk.exists():
        wall, rss, _ = timed([PML, "synth", "bulk", "--events", events, "--seed", 1, "-o", bulk])
        print(f"synth bulk {events}: {events / wall / 1e6:.2f} M events/s, peak RSS {rss:.0f} MB", flush=True)
    return bulk


def scaling(sizes, runs):
    """Time and memory of the streaming stages at several sizes: time should grow linearly,
    anonymous memory stay flat."""
    rows = []
    for events in sizes:
        capture = bulk_capture(events)
        for stage, cmd in [
            ("analyze", [PML, "analyze", capture, "--json"]),
            ("filtered query", [PML, "events", capture, "--filter", f"Process Name contains {NEEDLE}",
                                "--columns", "Process Name,Operation,Path,Result", "--format", "csv", "--quiet"]),
            ("summary files", [PML, "summary", "files", capture, "--format", "csv", "--quiet"]),
        ]:
            wall, rss, anon = median_run(cmd, runs)
            rows.append((events, stage, wall, rss, anon))
            print(f"scaling {events}: {stage}: {wall:.2f} s, anonymous {anon:.0f} MB", flush=True)
    return rows


def stages(capture, out_dir, pml=PML):
    """The pml stages measured as whole commands: (name, argv)."""
    PML = pml
    return [
        ("info", [PML, "info", capture]),
        ("filtered query (Process Name contains, 4 columns)",
         [PML, "events", capture, "--filter", f"Process Name contains {NEEDLE}",
          "--columns", "Process Name,Operation,Path,Result", "--format", "csv", "--quiet"]),
        ("analyze", [PML, "analyze", capture, "--json"]),
        ("CSV export, 27 columns", [PML, "export", capture, "-o", out_dir / "out.csv", "--columns", "all", "--quiet"]),
        ("Parquet export", [PML, "export", capture, "-o", out_dir / "out.parquet", "--quiet"]),
        ("summary files", [PML, "summary", "files", capture, "--format", "csv", "--quiet"]),
        ("grouped query (Process Name, Operation: count)",
         [PML, "query", capture, "--group-by", "Process Name,Operation", "--format", "csv", "--quiet"]),
        # Both sides are read in full; events/s counts one side's events over the whole run.
        ("diff, the capture against itself (events/s per side)", [PML, "diff", capture, capture, "--json"]),
    ]


def huge_stages(capture, out_dir):
    """The stages past 8 GiB: the commands a user runs first on a capture that size."""
    return [s for s in stages(capture, out_dir) if s[0] in (
        "info", "filtered query (Process Name contains, 4 columns)", "analyze",
        "CSV export, 27 columns", "Parquet export")]


def compare(baseline, captures, runs, out):
    """Times each whole-command stage with the baseline binary and the new one in turn and writes
    a before/after table: medians of `runs` (5 times as many on small captures), peak RSS the max."""
    lines = ["# Before and after", "",
             f"Machine: {machine()}. Before: `{baseline}`; after: `{PML}`. Each stage runs with the two "
             "binaries in turn, alternating which goes first; seconds are medians, peak RSS the max.", "",
             "| capture | stage | before s | after s | after / before | before RSS | after RSS |",
             "|---|---|---:|---:|---:|---:|---:|"]
    for label, capture, small in captures:
        with tempfile.TemporaryDirectory(dir=WORK) as out_dir:
            pairs = zip(stages(capture, Path(out_dir), baseline), stages(capture, Path(out_dir)))
            for (stage, before_cmd), (_, after_cmd) in pairs:
                if not knows_command(baseline, before_cmd[1]):
                    print(f"{label}: {stage}: the baseline has no `{before_cmd[1]}` command; skipped")
                    continue
                results = {"before": [], "after": []}
                for r in range(runs * (5 if small else 1)):
                    order = [("before", before_cmd), ("after", after_cmd)]
                    for side, cmd in order if r % 2 == 0 else reversed(order):
                        results[side].append(timed(cmd))
                        for written in Path(out_dir).iterdir():
                            written.unlink()
                before = statistics.median(t[0] for t in results["before"])
                after = statistics.median(t[0] for t in results["after"])
                rss_before = max(t[1] for t in results["before"])
                rss_after = max(t[1] for t in results["after"])
                line = (f"| {label} | {stage} | {before:.3f} | {after:.3f} | {after / before:.3f} "
                        f"| {rss_before:.0f} MB | {rss_after:.0f} MB |")
                print(line, flush=True)
                lines.append(line)
    table = "\n".join(lines) + "\n"
    print(table)
    Path(out).write_text(table)


def knows_command(pml, command):
    """Whether the binary `pml` has the subcommand (an older baseline may lack newer ones)."""
    return subprocess.run([str(pml), command, "--help"], capture_output=True).returncode == 0


HUGE_SECTION = "## Past 8 GiB"


def huge_section(events, runs):
    """The markdown section of a capture over 8 GiB (40-bit file offsets): whole commands, events/s
    and peak memory; one run each unless `runs` says more."""
    capture = bulk_capture(events)
    size = capture.stat().st_size
    n = event_count(capture)
    lines = [HUGE_SECTION, "", f"Machine: {machine()}.", "",
             f"`pml synth bulk --events {events}`: {n:,} events, {size:,} bytes ({size / 2**30:.1f} GiB), so "
             "event offsets past 8 GiB (40-bit offsets) are read. Whole commands, median of "
             f"{runs} run(s); outputs written to the bench folder and deleted after each run.", "",
             "| stage | seconds | events/s | peak RSS | peak anonymous |", "|---|---:|---:|---:|---:|"]
    with tempfile.TemporaryDirectory(dir=WORK) as out_dir:
        for stage, cmd in huge_stages(capture, Path(out_dir)):
            wall, rss, anon = median_run(cmd, runs, out_dir)
            for written in Path(out_dir).iterdir():
                written.unlink()
            line = f"| {stage} | {wall:.1f} | {n / wall / 1e6:.2f} M | {rss:.0f} MB | {anon:.0f} MB |"
            print(line, flush=True)
            lines.append(line)
    return "\n".join(lines) + "\n"


def ensure_peers():
    if not (VENV / "bin" / "python").exists():
        run([sys.executable, "-m", "venv", VENV])
        run([VENV / "bin" / "pip", "install", "-q", "procmon-parser", "procmon-reader"])
    return VENV / "bin" / "python"


def ensure_python_package(python):
    """pandas, polars and the pml package (built from python/ in release mode) in the peers'
    virtual environment; an installed pml is rebuilt only with PML_BENCH_REINSTALL=1."""
    run([python, "-m", "pip", "install", "-q", "pandas", "polars", "pyarrow"])
    have = subprocess.run([python, "-c", "import pml"], capture_output=True).returncode == 0
    if not have or os.environ.get("PML_BENCH_REINSTALL") == "1":
        run([python, "-m", "pip", "install", "-q", "--force-reinstall", "--no-deps", ROOT / "python"])


PYTHON_SECTION = "## The Python package"


# In-process runs of the Python tasks (procmon-parser's 9 s task runs once): the first runs of
# a session pay for what pandas and pyarrow import and set up on their first conversion and for
# the allocator's growth (pml's pandas task: 90 to 140 ms the first time, 50 to 80 ms after), so
# a median of three measures that warm-up more than the reader.
PYTHON_RUNS = 9


def python_rows(python, fileio, bulk, runs, pml=PML):
    """(task, capture, events, in-process seconds, whole-process seconds, peak RSS MB) of the
    Python readers; the in-process time is the median of max(`runs`, PYTHON_RUNS) runs (one
    for procmon-parser), the whole process one run."""
    rows = []
    runs = max(runs, PYTHON_RUNS)
    tasks = [("pml: 27 ProcMon columns (text) into pandas", "pml-pandas", fileio),
             ("pml: all 37 typed columns into pandas", "pml-pandas-typed", fileio),
             ("procmon-reader: all-field rows into pandas", "reader-pandas", fileio),
             ("procmon-parser: 27 CSV columns into pandas", "parser-pandas", fileio)]
    if bulk is not None:
        tasks.append(("pml: process-name filter, 4 columns, into polars", "pml-polars-filter", bulk))
    for label, mode, capture in tasks:
        slow = mode == "parser-pandas"
        inside = peer(python, mode, capture, 1 if slow else runs)
        whole, rss, _ = timed([python, ROOT / "scripts" / "bench_peers.py", mode, capture, "1", NEEDLE])
        rows.append((label, capture.name, inside["events"], inside["seconds"], whole, rss))
        print(f"{label}: {inside['seconds']:.3f} s in-process, {whole:.3f} s whole, RSS {rss:.0f} MB", flush=True)
    if bulk is not None:
        cmd = [pml, "events", bulk, "--filter", f"Process Name contains {NEEDLE}", "--columns",
               "Process Name,Operation,Path,Result", "--format", "csv", "-q"]
        walls = []
        for _ in range(runs):
            wall, rss, _ = timed(cmd)
            walls.append(wall)
        rows.append(("pml events, the same filter and columns (CSV to /dev/null)", bulk.name,
                     None, None, statistics.median(walls), rss))
    return rows


def python_section(rows):
    """The markdown section of the Python package's figures, with the ratios the issue asks."""
    lines = [PYTHON_SECTION, "",
             f"Timed inside the Python process after the imports (the median of {PYTHON_RUNS} runs, one for "
             "procmon-parser's 9-second task), and for the whole "
             "process (interpreter start, imports, reading; one run).", "",
             "| task | capture | events | in-process s | whole process s | peak RSS |",
             "|---|---|---:|---:|---:|---:|"]
    for label, capture, events, inside, whole, rss in rows:
        lines.append(f"| {label} | {capture} | {'' if events is None else f'{events:,}'} "
                     f"| {'' if inside is None else f'{inside:.3f}'} | {whole:.3f} | {rss:.0f} MB |")
    text = next(r for r in rows if r[0].startswith("pml: 27"))
    reader = next(r for r in rows if r[0].startswith("procmon-reader"))
    parser = next(r for r in rows if r[0].startswith("procmon-parser"))
    lines += ["", f"- 27 columns into pandas, in-process: {parser[3] / text[3]:.0f}x procmon-parser, "
              f"{reader[3] / text[3]:.1f}x procmon-reader (whole process: {parser[4] / text[4]:.0f}x, "
              f"{reader[4] / text[4]:.1f}x)."]
    polars = [r for r in rows if "polars" in r[0]]
    cli = [r for r in rows if r[0].startswith("pml events")]
    if polars and cli:
        lines.append(f"- Filtered query into polars: {polars[0][3]:.2f} s in-process, {polars[0][4]:.2f} s whole "
                     f"process; `pml events` with the same filter {cli[0][4]:.2f} s: "
                     f"{polars[0][3] / cli[0][4]:.2f}x in-process, {polars[0][4] / cli[0][4]:.2f}x whole.")
    return "\n".join(lines) + "\n"


def replace_section(path, heading, section):
    """BENCHMARKS.md with its section under `heading` replaced (or added at the end)."""
    old = Path(path).read_text() if Path(path).exists() else ""
    start = old.find(heading)
    if start < 0:
        new = old.rstrip("\n") + "\n\n" + section
    else:
        end = old.find("\n## ", start + len(heading))
        new = old[:start] + section + (old[end + 1:] if end >= 0 else "")
    Path(path).write_text(new)


def peer(python, mode, capture, runs):
    out = subprocess.run([python, ROOT / "scripts" / "bench_peers.py", mode, capture, str(runs), NEEDLE],
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
    ap.add_argument("--scaling", default="1000000,10000000,40000000",
                    help="event counts of the scaling table ('' to skip)")
    ap.add_argument("--out", default=None, help="BENCHMARKS.md, or BENCHMARKS-before-after.md with --baseline")
    ap.add_argument("--baseline", help="an older pml binary to compare with, stage by stage")
    ap.add_argument("--only-python", action="store_true",
                    help="only the Python package's figures (replaces their section of --out)")
    ap.add_argument("--pml", default=str(PML), help="the pml binary of --only-python")
    ap.add_argument("--huge", type=int, default=56_000_000,
                    help="events of the capture past 8 GiB (0 skips that section)")
    ap.add_argument("--only-huge", action="store_true",
                    help="only the section past 8 GiB (replaces it in --out)")
    args = ap.parse_args()
    if args.out is None:
        args.out = str(ROOT / ("BENCHMARKS-before-after.md" if args.baseline else "BENCHMARKS.md"))

    WORK.mkdir(parents=True, exist_ok=True)
    if args.only_python:
        only_python(args)
        return
    # The whole workspace, as the tests build it: a build of one package would unify features
    # differently and compile polars again.
    run(["cargo", "build", "--release", "--workspace", "--bins", "--examples"], cwd=ROOT)
    if args.only_huge:
        replace_section(args.out, HUGE_SECTION, huge_section(args.huge, args.runs))
        return
    fileio = WORK / "win11-fileio-64bit.pml"
    if not fileio.exists():
        with gzip.open(SAMPLES / "win11-fileio-64bit.pml.gz") as src, open(fileio, "wb") as dst:
            shutil.copyfileobj(src, dst)
    if args.baseline:
        captures = [("win11-fileio-64bit", fileio, True)]
        if not args.skip_big:
            bulk = bulk_capture(args.events)
            captures.append((f"bulk ({args.events / 1e6:.0f} M events)", bulk, False))
        compare(Path(args.baseline).resolve(), captures, args.runs, args.out)
        return
    captures = []
    captures.append(("win11-fileio-64bit", fileio))
    big_label = bulk = None
    if not args.skip_big:
        bulk = bulk_capture(args.events)
        big_label = f"bulk ({args.events / 1e6:.0f} M events, {bulk.stat().st_size / 2**30:.1f} GiB)"
        captures.append((big_label, bulk))

    rows = []  # (capture, stage, events/s, (peak RSS MB, peak anonymous MB) or None)
    floors = {}  # capture label -> events/s of reading only each event's process index
    for label, capture in captures:
        n = event_count(capture)
        for stage, rate in scan_rates(capture, args.runs).items():
            if stage == "process index only":
                floors[label] = rate
                stage += " (the least a process filter reads)"
            rows.append((label, f"reader: {stage}", rate, None))
        rows.append((label, "rendering all 27 columns (in-process)", render_rate(capture, args.runs), None))
        with tempfile.TemporaryDirectory(dir=WORK) as out_dir:
            for stage, cmd in stages(capture, Path(out_dir)):
                # A run on the small capture takes milliseconds: more of them steady the median.
                wall, rss, anon = median_run(cmd, args.runs * (1 if capture == bulk else 5), out_dir)
                for written in Path(out_dir).iterdir():
                    written.unlink()
                rows.append((label, stage, n / wall, (rss, anon)))
                print(f"{label}: {stage}: {n / wall / 1e6:.2f} M events/s, RSS {rss:.0f} MB, "
                      f"anonymous {anon:.0f} MB", flush=True)

    # (peer task, the peer's figures, pml events/s, pml / peer, pml stage, floor events/s or None)
    ratios = []
    if not args.skip_peers:
        python = ensure_peers()
        small_label = "win11-fileio-64bit"
        ours = {r[1]: r[2] for r in rows if r[0] == small_label}
        decode = ours.get("reader: typed details, parallel")
        reader_all = peer(python, "reader-all", fileio, args.runs)
        ratios.append(("procmon-reader, all fields", reader_all, decode, decode / reader_all["events_per_s"],
                       "pml typed decode of all events", None))
        filter_stage = "filtered query, in-process like the peer's timing, timed in turn with it"
        theirs, rate, ratio = paired_filter(python, fileio, 5, 10)
        ratios.append(("procmon-reader, process-name filter, 4 columns", theirs, rate, ratio, filter_stage,
                       floors.get(small_label)))
        if not args.skip_big:
            theirs, rate, ratio = paired_filter(python, bulk, args.runs, 3)
            ratios.append((f"procmon-reader, process-name filter, 4 columns ({args.events / 1e6:.0f} M events)",
                           theirs, rate, ratio, filter_stage, floors.get(big_label)))
        mixed = WORK / "mixed-64bit.pml"
        if not mixed.exists():
            with gzip.open(SAMPLES / "mixed-64bit.pml.gz") as src, open(mixed, "wb") as dst:
                shutil.copyfileobj(src, dst)
        parser_all = peer(python, "parser-all", mixed, 1)
        ours_mixed = scan_rates(mixed, args.runs).get("typed details, parallel")
        ratios.append(("procmon-parser, all events with details (mixed-64bit)", parser_all, ours_mixed,
                       ours_mixed / parser_all["events_per_s"], "pml typed decode of all events", None))

    lines = [f"# Benchmarks\n", f"Machine: {machine()}. Median of {args.runs} runs ({args.runs * 5} for the whole commands on "
             "win11-fileio-64bit, which take milliseconds); peak RSS is the max.\n",
             "Made by `scripts/bench` in one run; figures vary with the machine's load, ratios less so.\n",
             "Peak RSS includes the pages of the memory-mapped capture that are mapped at the time; "
             "streaming passes release each chunk's pages once read, so it stays bounded on captures of "
             "any size. Peak anonymous memory is what pml itself allocates.\n",
             "| capture | stage | events/s | peak RSS | peak anonymous |", "|---|---|---:|---:|---:|"]
    for label, stage, rate, mem in rows:
        rss, anon = (f"{mem[0]:.0f} MB", f"{mem[1]:.0f} MB") if mem else ("", "")
        lines.append(f"| {label} | {stage} | {rate / 1e6:.2f} M | {rss} | {anon} |")
    if ratios:
        lines += ["", "The filter queries are timed in turn with the peer, block by block; their ratio is the "
                  "median of the blocks' ratios.", "",
                  "| peer (same file, same run) | peer events/s | peer peak RSS | pml events/s | pml / peer "
                  "| pml stage |", "|---|---:|---:|---:|---:|---|"]
        for name, theirs, ours_rate, ratio, what, _ in ratios:
            lines.append(f"| {name} | {theirs['events_per_s'] / 1e6:.3f} M | {theirs['peak_rss_mb']:.0f} MB "
                         f"| {ours_rate / 1e6:.2f} M | {ratio:.1f}x | {what} |")
        floor_lines = [(name, theirs["events_per_s"], ours_rate, floor)
                       for name, theirs, ours_rate, _, _, floor in ratios if floor]
        if floor_lines:
            lines += ["", "A filter on a process column must read at least each event's process index: one cache "
                      "line per event, spread over the whole file. How close each query comes to that floor "
                      "(reading only the process indexes, parallel, same run):", "",
                      "| query | floor events/s | pml, % of floor | peer, % of floor |", "|---|---:|---:|---:|"]
            for name, theirs, ours_rate, floor in floor_lines:
                lines.append(f"| {name} | {floor / 1e6:.1f} M | {100 * ours_rate / floor:.0f}% "
                             f"| {100 * theirs / floor:.0f}% |")
    if not args.skip_peers:
        ensure_python_package(python)
        lines += ["", python_section(python_rows(python, fileio, bulk, args.runs))]
    sizes = [int(x) for x in args.scaling.split(",") if x.strip()]
    if sizes:
        lines += ["", "Scaling (bulk captures; median of the runs):", "",
                  "| events | stage | seconds | µs per 1k events | peak anonymous |",
                  "|---:|---|---:|---:|---:|"]
        for events, stage, wall, rss, anon in scaling(sizes, args.runs):
            lines.append(f"| {events / 1e6:.0f} M | {stage} | {wall:.2f} | {wall / events * 1e9:.0f} | {anon:.0f} MB |")
    if args.huge and not args.skip_big:
        lines += ["", huge_section(args.huge, 1)]
    table = "\n".join(lines) + "\n"
    print(table)
    Path(args.out).write_text(table)


def only_python(args):
    """Step 5 alone, with the pml binary given, into the Python section of --out."""
    global PML
    PML = Path(args.pml).resolve()
    fileio = WORK / "win11-fileio-64bit.pml"
    if not fileio.exists():
        with gzip.open(SAMPLES / "win11-fileio-64bit.pml.gz") as src, open(fileio, "wb") as dst:
            shutil.copyfileobj(src, dst)
    bulk = None if args.skip_big else bulk_capture(args.events)
    python = ensure_peers()
    ensure_python_package(python)
    section = python_section(python_rows(python, fileio, bulk, args.runs, PML))
    section = section.replace(PYTHON_SECTION, f"{PYTHON_SECTION}\n\nMachine: {machine()}.", 1)
    print(section)
    replace_section(args.out, PYTHON_SECTION, section)


if __name__ == "__main__":
    main()
