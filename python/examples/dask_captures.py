#!/usr/bin/env python3
"""pml over many captures on Dask's distributed scheduler.

Each task opens one capture on a worker, analyzes it and writes its events (every typed column)
and its incidents as Parquet files partitioned by capture (`events/capture=NAME/...`,
`incidents/capture=NAME/...`); the client then queries all captures at once with DuckDB.

    python examples/dask_captures.py OUT_DIR CAPTURE.PML...          # a LocalCluster here
    python examples/dask_captures.py OUT_DIR CAPTURE.PML... --scheduler tcp://host:8786

The same code runs on a multi-node cluster: see docs/scale.md.
"""

import argparse
import os
from pathlib import Path


def capture_name(path):
    """The partition name of a capture: its file name without the extension."""
    return Path(path).stem


def process_capture(path, out_dir, window_ms=None):
    """Runs on a worker: analyzes one capture and writes its Parquet partitions. Returns a
    small summary for the client (the data stays in the files)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    import pml

    name = capture_name(path)
    events_dir = Path(out_dir) / "events" / f"capture={name}"
    incidents_dir = Path(out_dir) / "incidents" / f"capture={name}"
    events_dir.mkdir(parents=True, exist_ok=True)
    incidents_dir.mkdir(parents=True, exist_ok=True)
    with pml.open(path) as cap:
        analysis = cap.analyze(window_ms or pml.DEFAULT_WINDOW_MS)
        events = cap.export(events_dir / "part-0.parquet")
    incidents = analysis["incidents"]
    rows = pa.table({
        "kind": pa.array([i["kind"] for i in incidents], pa.string()),
        "path": pa.array([i.get("path") for i in incidents], pa.string()),
        "opener": pa.array([(i.get("opener") or {}).get("name") for i in incidents], pa.string()),
    })
    pq.write_table(rows, incidents_dir / "part-0.parquet")
    return {"capture": name, "events": events, "incidents": len(incidents),
            "unmatched_opens": len(analysis["unmatched_opens"])}


def run(captures, out_dir, scheduler=None, workers=2):
    """Processes `captures` on a Dask cluster (a LocalCluster of `workers` processes unless a
    scheduler address is given). Returns the per-capture summaries, in the order given."""
    from dask.distributed import Client, LocalCluster

    out_dir = os.fspath(out_dir)
    captures = [os.fspath(c) for c in captures]
    if scheduler:
        with Client(scheduler) as client:
            return client.gather(client.map(process_capture, captures, out_dir=out_dir))
    with LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                      dashboard_address=None) as cluster, Client(cluster) as client:
        return client.gather(client.map(process_capture, captures, out_dir=out_dir))


def query(out_dir):
    """Events, failures and incidents per capture, across every partition, with DuckDB."""
    import duckdb

    events = os.path.join(out_dir, "events", "*", "*.parquet")
    incidents = os.path.join(out_dir, "incidents", "*", "*.parquet")
    return duckdb.sql(f"""
        with e as (
            select capture, count(*) as events,
                   count(*) filter (where result <> 'SUCCESS') as not_success
            from read_parquet('{events}', hive_partitioning = true) group by capture),
        i as (
            select capture, count(*) as incidents
            from read_parquet('{incidents}', hive_partitioning = true) group by capture)
        select e.capture, e.events, e.not_success, coalesce(i.incidents, 0) as incidents
        from e left join i using (capture) order by e.capture
    """).fetchall()


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out_dir")
    ap.add_argument("captures", nargs="+")
    ap.add_argument("--scheduler", help="address of a running Dask scheduler")
    ap.add_argument("--workers", type=int, default=2, help="LocalCluster worker processes")
    args = ap.parse_args()
    for summary in run(args.captures, args.out_dir, args.scheduler, args.workers):
        print(summary)
    print("capture, events, not SUCCESS, incidents")
    for row in query(args.out_dir):
        print(*row, sep=", ")


if __name__ == "__main__":
    main()
