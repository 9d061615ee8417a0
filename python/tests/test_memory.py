"""Iterating the record batches of a big capture keeps memory bounded: the resident memory of
the process, sampled at every batch, grows by a fraction of what the whole table takes."""

import os
import subprocess
import sys
import textwrap

import pytest

from conftest import run_pml

EVENTS = 3_000_000

CHILD = textwrap.dedent("""
    import os, sys
    import pyarrow  # noqa: F401  (its allocations before the baseline)
    import pml

    def rss_mb():
        # Resident pages now (Linux): the mapped capture's pages and what pml and pyarrow hold.
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20

    with pml.open(sys.argv[1]) as cap:
        before = peak = rss_mb()
        rows = nbytes = batches = largest = 0
        for batch in cap.events(columns="all"):
            rows += batch.num_rows
            nbytes += batch.nbytes
            largest = max(largest, batch.nbytes)
            batches += 1
            peak = max(peak, rss_mb())
        print(rows, batches, nbytes / 2**20, peak - before, cap.event_count, largest / 2**20)
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
    rows, batches, table_mb, growth_mb, events, batch_mb = out.stdout.split()
    rows, batches, events = int(rows), int(batches), int(events)
    table_mb, growth_mb, batch_mb = float(table_mb), float(growth_mb), float(batch_mb)
    # What a bounded stream may hold: the batches waiting in the channel and the one being read
    # (3), two chunks worked ahead per core, each chunk's mapped pages, and 64 MiB of slack.
    bound = batch_mb * (3 + 3 * os.cpu_count()) + 64
    print(f"{rows} rows in {batches} batches ({batch_mb:.1f} MiB the largest), {table_mb:.0f} MiB "
          f"of Arrow data; RSS grew by {growth_mb:.0f} MiB at most (bound {bound:.0f} MiB)")
    assert rows == events == EVENTS
    assert batches >= 10
    assert growth_mb < bound
    if os.cpu_count() <= 4:
        # Holding the whole table would break the bound.
        assert table_mb > 2 * bound
