"""The Dask example: captures analyzed on a LocalCluster with worker processes, one Parquet
dataset partitioned by capture, queried across captures with DuckDB."""

import sys
from pathlib import Path

import pml
from conftest import TESTDATA

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "examples"))
import dask_captures  # noqa: E402


def test_dask_cluster_analyzes_every_capture_into_one_dataset(tmp_path):
    captures = sorted(TESTDATA.glob("*.pml"))
    assert len(captures) >= 7
    summaries = dask_captures.run(captures, tmp_path, workers=2)
    want = {}
    for path in captures:
        with pml.open(path) as cap:
            analysis = cap.analyze()
            failures = sum(1 for r in cap.events(columns=["result"]).to_arrow()
                           .column("result").to_pylist() if r != "SUCCESS")
            want[path.stem] = (cap.event_count, failures, len(analysis["incidents"]))
    assert [s["capture"] for s in summaries] == [p.stem for p in captures]
    assert {s["capture"]: s["events"] for s in summaries} == {k: v[0] for k, v in want.items()}
    rows = dask_captures.query(str(tmp_path))
    assert {r[0]: tuple(r[1:]) for r in rows} == want
    assert sum(v[2] for v in want.values()) > 0  # the testdata captures have incidents
