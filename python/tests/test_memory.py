"""Iterating the record batches of a big capture keeps memory bounded: the peak RSS of the
process grows by a fraction of what the whole table takes."""

import subprocess
import sys
import textwrap

import pytest

from conftest import run_pml

EVENTS = 1_000_000

CHILD = textwrap.dedent("""
    import resource, sys
    import pyarrow  # noqa: F401  (its allocations before the baseline)
    import pml

    def peak_mb():
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    with pml.open(sys.argv[1]) as cap:
        before = peak_mb()
        rows = nbytes = batches = 0
        for batch in cap.events(columns="all"):
            rows += batch.num_rows
            nbytes += batch.nbytes
            batches += 1
        print(rows, batches, nbytes / 2**20, peak_mb() - before, cap.event_count)
""")


@pytest.fixture(scope="module")
def bulk(tmp_path_factory, pml_bin):
    path = tmp_path_factory.mktemp("bulk") / "bulk.pml"
    code, _, err = run_pml(pml_bin, "synth", "bulk", "--events", EVENTS, "--seed", "3", "-o", path)
    assert code == 0, err
    return path


def test_iterating_batches_keeps_rss_bounded(bulk):
    out = subprocess.run([sys.executable, "-c", CHILD, str(bulk)], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    rows, batches, table_mb, growth_mb, events = out.stdout.split()
    rows, batches, table_mb, growth_mb = int(rows), int(batches), float(table_mb), float(growth_mb)
    print(f"{rows} rows in {batches} batches, {table_mb:.0f} MiB of Arrow data, "
          f"peak RSS grew {growth_mb:.0f} MiB")
    assert rows == int(events) == EVENTS
    assert batches >= 10
    # The whole table would take table_mb; a bounded stream holds a few batches per core.
    assert growth_mb < table_mb / 4, (growth_mb, table_mb)
