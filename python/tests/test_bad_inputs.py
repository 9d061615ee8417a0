"""Bad input raises a pml.PmlError subclass that says what and where; it never crashes the
interpreter (the damaged-capture corpus of the fuzzers goes through the whole API)."""

from pathlib import Path

import pytest

import pml
from conftest import REPO, TESTDATA


def test_missing_file():
    with pytest.raises(pml.CaptureError) as e:
        pml.open("/no/such/capture.pml")
    assert e.value.file == "/no/such/capture.pml"
    assert isinstance(e.value, pml.PmlError)


def test_not_a_capture(tmp_path):
    bad = tmp_path / "notes.pml"
    bad.write_bytes(b"hello, this is not a capture" * 10)
    with pytest.raises(pml.CaptureError) as e:
        pml.open(bad)
    assert "not a Process Monitor capture" in str(e.value)
    assert e.value.file == str(bad) and e.value.offset == 0


def test_truncated_capture_names_the_offset(tmp_path):
    data = (TESTDATA / "seed-race.pml").read_bytes()
    cut = tmp_path / "cut.pml"
    cut.write_bytes(data[: len(data) // 2])
    with pytest.raises(pml.CaptureError) as e:
        pml.open(cut, salvage=False)
    assert e.value.file == str(cut)
    assert e.value.offset is not None and e.value.offset >= 0
    # Salvaged, the events before the cut are read.
    with pml.open(cut) as cap:
        assert 0 < cap.event_count < len(pml.open(TESTDATA / "seed-race.pml"))
        assert cap.info["salvaged"] is not None


def test_bad_arguments():
    with pml.open(TESTDATA / "seed-race.pml") as cap:
        with pytest.raises(pml.FilterError, match="Proc is x"):
            cap.events(filter="Proc is x")
        with pytest.raises(pml.FilterError, match="where"):
            cap.events(where="Path = ")
        with pytest.raises(pml.ArgumentError, match="unknown column"):
            cap.events(columns=["no such column"])
        with pytest.raises(pml.ArgumentError, match="unknown column"):
            cap.events(columns="index,time,nope")
        with pytest.raises(pml.ArgumentError, match="unknown summary"):
            cap.summary("everything")
        with pytest.raises(pml.ArgumentError):
            cap.export("/tmp/x.xlsx", format="xlsx")
        with pytest.raises(pml.FilterError):
            cap.events(config="/no/such/file.pmc")
    with pytest.raises(pml.ArgumentError, match="tz"):
        pml.open(TESTDATA / "seed-race.pml", tz="Mars/Olympus")
    cap.close()
    with pytest.raises(pml.ArgumentError, match="closed"):
        cap.events()


def test_unwritable_output_leaves_nothing(tmp_path):
    with pml.open(TESTDATA / "seed-race.pml") as cap:
        with pytest.raises(pml.OutputError) as e:
            cap.export(tmp_path / "no-dir" / "out.csv")
        assert "out.csv" in str(e.value)
        with pytest.raises(pml.OutputError):
            cap.export(tmp_path / "no-dir" / "out.parquet")
        with pytest.raises(pml.OutputError):
            cap.report(tmp_path / "no-dir" / "r.html")
    assert list(tmp_path.iterdir()) == []


def test_the_damaged_capture_corpus_never_crashes():
    corpus = [p for target in ("open_decode_render", "salvage_walk")
              for p in sorted((REPO / "fuzz" / "corpus" / target).iterdir())]
    assert len(corpus) > 100
    opened = refused = 0
    for path in corpus:
        for salvage in (False, True):
            try:
                cap = pml.open(path, salvage=salvage)
            except pml.CaptureError as e:
                assert e.file == str(path)
                refused += 1
                continue
            with cap:
                opened += 1
                cap.info
                cap.events(columns="all").to_arrow()
                cap.events(columns="all", text=True).to_arrow()
                cap.analyze()
                cap.summary("processes")
    assert opened > 0 and refused > 0
