"""Shared fixtures: the repository's paths, the `pml` binary, the real captures of
../shared/pml-samples (unpacked once per session) and scratch folders."""

import gzip
import os
import shutil
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
TESTDATA = REPO / "testdata"


def samples_dir():
    """The real captures: $PML_SAMPLES or ../shared/pml-samples beside the repository."""
    d = Path(os.environ.get("PML_SAMPLES", REPO.parent / "shared" / "pml-samples"))
    return d if (d / "MANIFEST.md").exists() else None


def require_samples():
    """The samples folder; skips the test when it is missing, fails with PML_REQUIRE_SAMPLES=1."""
    d = samples_dir()
    if d is None:
        if os.environ.get("PML_REQUIRE_SAMPLES") == "1":
            pytest.fail("the real captures are missing (PML_REQUIRE_SAMPLES=1)")
        pytest.skip("SKIPPED: no ../shared/pml-samples")
    return d


@pytest.fixture(scope="session")
def pml_bin():
    """The `pml` binary: $PML_BIN, else target/release or target/debug of the repository."""
    for candidate in [os.environ.get("PML_BIN"), REPO / "target/release/pml", REPO / "target/debug/pml"]:
        if candidate and Path(candidate).exists():
            return str(candidate)
    found = shutil.which("pml")
    if found:
        return found
    pytest.fail("no pml binary: build it (cargo build -p pml-cli) or set PML_BIN")


@pytest.fixture(scope="session")
def unpacked(tmp_path_factory):
    """unpacked(name) -> path of the sample `name.pml`, gunzipped once per session."""
    root = tmp_path_factory.mktemp("samples")
    cache = {}

    def unpack(name):
        if name not in cache:
            src = require_samples() / f"{name}.pml.gz"
            out = root / f"{name}.pml"
            with gzip.open(src, "rb") as f, open(out, "wb") as g:
                shutil.copyfileobj(f, g)
            cache[name] = out
        return cache[name]

    return unpack


def golden_frame(name):
    """ProcMon's own CSV export of a sample, every cell a string."""
    import pandas as pd

    path = require_samples() / f"{name}.golden.csv.gz"
    return pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")


def run_pml(pml_bin, *args):
    """Runs the pml binary; returns (exit status, stdout, stderr)."""
    p = subprocess.run([pml_bin, *map(str, args)], capture_output=True, text=True)
    return p.returncode, p.stdout, p.stderr
