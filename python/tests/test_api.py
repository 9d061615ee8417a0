"""The Python API against the CLI and ProcMon's own exports: opening, typed and text columns,
the Arrow stream into pyarrow, pandas, polars and DuckDB, filters, summaries, the analysis,
the comparison of a good and a bad run, exports, progress and the GIL."""

import json
import threading

import pyarrow as pa
import pytest

import pml
from conftest import TESTDATA, golden_frame, require_samples, run_pml

# The 27-column golden exports, and the zone ProcMon's clock was in for each.
GOLDEN_27 = ["mixed-64bit", "mixed-32bit", "filesystem-32bit", "filesystem-64bit",
             "process-64bit", "registry-64bit"]
# Columns where ProcMon's own rendering has known quirks (reference/pml-format.md §13): pml's
# rendering of these is compared with pml's CSV export instead.
QUIRKS = {"Path", "Detail", "Category"}


def all_samples():
    d = require_samples()
    return sorted(p.name[: -len(".pml.gz")] for p in d.glob("*.pml.gz"))


def test_every_sample_opens_and_reads_whole(unpacked):
    names = all_samples()
    assert len(names) >= 9
    for name in names:
        with pml.open(unpacked(name)) as cap:
            info = cap.info
            assert info["events"] == cap.event_count > 0, name
            table = cap.events(columns="all").to_arrow()
            assert table.num_rows == cap.event_count - info["unreadable_events"], name
            assert table.column("index").to_pylist()[:3] == [0, 1, 2], name
        assert "closed" in repr(cap)


@pytest.mark.parametrize("name", GOLDEN_27 + ["unity-basic-64bit"])
def test_text_columns_equal_procmons_csv_cell_by_cell(name, unpacked, tmp_path):
    golden = golden_frame(name)
    tz = "+01:00" if name == "unity-basic-64bit" else None
    with pml.open(unpacked(name), tz=tz) as cap:
        ours = cap.events(columns=list(golden.columns), text=True).to_pandas()
        csv = tmp_path / "ours.csv"
        assert cap.export(csv, columns=",".join(golden.columns)) == len(golden)
    assert list(ours.columns) == list(golden.columns)
    assert len(ours) == len(golden)
    import pandas as pd

    exported = pd.read_csv(csv, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    for column in golden.columns:
        got = ours[column].astype(str).tolist()
        # Every cell equals pml's own CSV export...
        assert got == exported[column].tolist(), f"{name} {column}"
        # ...and, outside ProcMon's known quirks, ProcMon's.
        if column not in QUIRKS:
            want = golden[column].tolist()
            diff = next((i for i, (a, b) in enumerate(zip(got, want)) if a != b), None)
            assert diff is None, f"{name} {column} row {diff}: {got[diff]!r} != {want[diff]!r}"


def _time_of_day(ts):
    """ProcMon's Time of Day (`7:37:18.2093997 AM`) of a pandas Timestamp."""
    hour = ts.hour % 12 or 12
    ticks = (ts.microsecond * 1000 + ts.nanosecond) // 100
    return f"{hour}:{ts.minute:02d}:{ts.second:02d}.{ticks:07d} {'AM' if ts.hour < 12 else 'PM'}"


def test_typed_columns_agree_with_procmons_text(unpacked):
    golden = golden_frame("mixed-64bit")
    with pml.open(unpacked("mixed-64bit")) as cap:
        table = cap.events(columns="all").to_arrow()
    schema = table.schema
    assert schema.field("time").type == pa.timestamp("ns", tz="UTC")
    assert schema.field("process_name").type == pa.dictionary(pa.int32(), pa.string())
    assert schema.field("pid").type == pa.uint32()
    assert schema.field("index").type == pa.uint64()
    assert schema.field("offset").type == pa.int64()
    df = table.to_pandas()
    assert str(df["time"].dtype) == "datetime64[ns, UTC]"
    assert str(df["operation"].dtype) == "category"
    pairs = {"pid": "PID", "tid": "TID", "session": "Session", "parent_pid": "Parent PID",
             "process_name": "Process Name", "operation": "Operation", "result": "Result",
             "event_class": "Event Class", "image_path": "Image Path", "user": "User",
             "integrity": "Integrity", "architecture": "Architecture"}
    for typed, text in pairs.items():
        got = [str(v) for v in df[typed].tolist()]
        assert got == golden[text].tolist(), typed
    assert [_time_of_day(t) for t in df["time"]] == golden["Time of Day"].tolist()
    # A pending operation has no duration: null here, empty in ProcMon's export.
    durations = ["" if d != d else f"{d:.7f}" for d in df["duration"]]
    assert durations == golden["Duration"].tolist()


def test_the_stream_reaches_pyarrow_polars_and_duckdb_without_a_copy(unpacked):
    import duckdb
    import polars as pl

    with pml.open(unpacked("process-64bit")) as cap:
        ev = cap.events(filter="Operation is Load Image", columns=["time", "Process Name", "path"])
        assert ev.columns == ["time", "process_name", "path"]
        n = pa.table(ev).num_rows
        assert n == 1952
        assert pl.DataFrame(ev).height == n
        assert ev.to_polars()["process_name"].dtype == pl.Categorical
        assert duckdb.sql("select count(*) from ev").fetchall() == [(n,)]
        top = duckdb.sql("select process_name, count(*) c from ev group by 1 order by 2 desc").fetchall()
        assert sum(c for _, c in top) == n
        batches = list(ev)
        assert sum(b.num_rows for b in batches) == n
        assert all(isinstance(b, pa.RecordBatch) for b in batches)


def test_filters_and_limit_select_what_pml_events_selects(unpacked, pml_bin):
    path = unpacked("mixed-64bit")
    rules = ["--filter", "Operation is RegOpenKey", "--exclude", "Result is SUCCESS",
             "--where", "Duration > 0.1ms"]
    code, out, err = run_pml(pml_bin, "events", path, *rules, "--format", "csv", "--columns",
                             "Process Name,PID,Path,Result")
    assert code == 0, err
    cli_rows = out.splitlines()[1:]
    with pml.open(path) as cap:
        df = cap.events(filter="Operation is RegOpenKey", exclude="Result is SUCCESS",
                        where="Duration > 0.1ms",
                        columns=["Process Name", "PID", "Path", "Result"], text=True).to_pandas()
        ours = [",".join(f'"{v}"' if "," in v else v for v in row) for row in df.astype(str).values.tolist()]
        assert len(ours) == len(cli_rows) > 0
        assert [r.replace('"', "") for r in ours] == [r.replace('"', "") for r in cli_rows]
        assert len(cap.events(limit=5).to_arrow()) == 5
        assert len(cap.events(limit=0).to_arrow()) == 0


def test_analyze_equals_the_cli_json(pml_bin):
    captures = sorted(TESTDATA.glob("*.pml"))
    assert len(captures) >= 7
    for path in captures:
        code, out, err = run_pml(pml_bin, "analyze", "--json", path)
        assert code in (0, 3), err
        with pml.open(path) as cap:
            assert cap.analyze() == json.loads(out), path.name
            assert cap.analyze(window_ms=1) == json.loads(
                run_pml(pml_bin, "analyze", "--json", "--window-ms", "1", path)[1]), path.name


def test_info_equals_the_cli_json(unpacked, pml_bin):
    for path in [TESTDATA / "seed-race.pml", unpacked("mixed-32bit")]:
        code, out, err = run_pml(pml_bin, "info", "--json", path)
        assert code == 0, err
        with pml.open(path) as cap:
            assert cap.info == json.loads(out)


@pytest.mark.parametrize("pair", ["missing-header", "sharing-violation"])
def test_diff_equals_the_cli_json(pml_bin, tmp_path, pair):
    code, _, err = run_pml(pml_bin, "synth", pair, "-o", tmp_path / f"{pair}.pml")
    assert code == 0, err
    good, bad = tmp_path / f"{pair}.good.pml", tmp_path / f"{pair}.bad.pml"
    expected = json.loads((tmp_path / f"{pair}.diff.json").read_text())

    code, out, err = run_pml(pml_bin, "diff", "-q", "--json", good, bad)
    assert code == 0, err
    result = pml.diff(good, bad)
    assert result == json.loads(out)
    top = result["differences"][0]
    assert (top["kind"], top["process"]["name"].lower(), top["path"].lower()) == (
        expected["top"]["kind"], expected["top"]["process"].lower(), expected["top"]["path"].lower())
    assert top["incident"] == expected["incident"]
    assert result["summary"]["likely_causes"] >= 1

    # Filters on both runs, a limit and no incidents, as the CLI's options; an open capture
    # is used as it is and stays open.
    code, out, err = run_pml(pml_bin, "diff", "-q", "--json", good, bad, "--filter", "Process Name is cl.exe",
                             "--exclude", "Path ends with .pdb", "--limit", "5", "--no-incidents")
    assert code == 0, err
    calls = []
    with pml.open(good) as g, pml.open(bad) as b:
        filtered = pml.diff(g, b, filter="Process Name is cl.exe", exclude=["Path ends with .pdb"], limit=5,
                            link_incidents=False, progress=lambda done, total: calls.append((done, total)))
        total = g.event_count + b.event_count  # still open: a closed capture raises here
    assert filtered == json.loads(out)
    assert len(filtered["differences"]) == filtered["summary"]["listed"] <= 5
    assert filtered["summary"]["incidents_in_bad"] == 0
    assert calls and all(t == total and d <= t for d, t in calls)

    # A run against itself: nothing changed.
    itself = pml.diff(bad, bad, link_incidents=False)
    assert itself["differences"] == [] and itself["summary"]["differences"] == 0


def test_diff_errors_are_pml_errors(tmp_path):
    seed = TESTDATA / "seed-race.pml"
    with pytest.raises(pml.CaptureError):
        pml.diff(seed, tmp_path / "missing.pml")
    with pytest.raises(pml.FilterError):
        pml.diff(seed, seed, where="Path = ")
    with pytest.raises(pml.ArgumentError):
        pml.diff(seed, seed, limit=-1)


def test_summaries_equal_the_cli(unpacked, pml_bin):
    path = unpacked("process-64bit")
    for args, kind, column in [(["processes"], "processes", None),
                               (["count", "Operation"], "count", "Operation"),
                               (["files"], "files", None)]:
        code, out, err = run_pml(pml_bin, "summary", *args, path, "--format", "jsonl")
        assert code == 0, err
        want = [json.loads(line) for line in out.splitlines()]
        with pml.open(path) as cap:
            assert cap.summary(kind, column) == want, kind
    with pml.open(path) as cap, pytest.raises(pml.ArgumentError):
        cap.summary("count")  # count needs a column


def test_exports_report_and_filter_mirror_the_cli(unpacked, pml_bin, tmp_path):
    import pyarrow.parquet as pq

    path = unpacked("process-64bit")
    assert run_pml(pml_bin, "export", path, "-o", tmp_path / "cli.csv", "--columns", "all")[0] == 0
    assert pml.export(path, tmp_path / "py.csv", columns="all") == 3400
    assert (tmp_path / "py.csv").read_bytes() == (tmp_path / "cli.csv").read_bytes()
    assert pml.export(path, tmp_path / "py.jsonl", filter="Operation is Process Create") == 39
    assert len((tmp_path / "py.jsonl").read_text().splitlines()) == 39
    assert pml.export(path, tmp_path / "py.parquet") == 3400
    table = pq.read_table(tmp_path / "py.parquet")
    assert table.num_rows == 3400 and "process_name" in table.column_names
    assert pml.report(TESTDATA / "seed-race.pml", tmp_path / "r.html") == 1
    assert (tmp_path / "r.html").read_text().lstrip().lower().startswith("<!doctype html")
    saved = pml.filter(path, tmp_path / "f.pml", filter="Process Name is Explorer.EXE")
    with pml.open(tmp_path / "f.pml") as cap:
        assert cap.event_count == saved > 0
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "cli.csv", "f.pml", "py.csv", "py.jsonl", "py.parquet", "r.html"]


def test_progress_is_reported_and_the_gil_is_released(unpacked):
    calls = []
    with pml.open(unpacked("mixed-64bit")) as cap:
        cap.events(columns="all").to_arrow(progress=lambda done, total: calls.append((done, total)))
        assert calls and calls[-1] == (cap.event_count, cap.event_count)
        assert all(a[0] <= b[0] for a, b in zip(calls, calls[1:]))
        # While a scan runs without the GIL, another Python thread keeps running.
        ticks = 0
        stop = threading.Event()

        def count():
            nonlocal ticks
            while not stop.is_set():
                ticks += 1

        t = threading.Thread(target=count)
        t.start()
        for _ in range(3):
            cap.events(columns="all", text=True).to_arrow()
        stop.set()
        t.join()
        assert ticks > 1000


def test_split_parts_are_joined(tmp_path):
    # Two parts of one capture, named as ProcMon names them: Y.PML and Y-1.PML.
    src = TESTDATA / "seed-race.pml"
    with pml.open(src) as cap:
        n = cap.event_count
    first = pml.filter(src, tmp_path / "Y.PML", filter="Process Name is python.exe")
    second = pml.filter(src, tmp_path / "Y-1.PML", exclude="Process Name is python.exe")
    assert first > 0 and second > 0
    with pml.open(tmp_path / "Y.PML") as cap:
        assert cap.files == [str(tmp_path / "Y.PML"), str(tmp_path / "Y-1.PML")]
        assert cap.event_count == first + second == n
        assert cap.info["events"] == n  # counted over all parts, as pml info's library does
        idx = cap.events(columns=["index"]).to_arrow().column("index").to_pylist()
        assert idx == list(range(n))
