"""pml: Sysinternals Process Monitor captures (.PML) in Python.

A thin binding over pml's Rust crates: the same reader, filters, summaries, analysis and
exports as the ``pml`` command, with the events handed to pyarrow, pandas, polars and DuckDB as
Arrow record batches, without a copy.

>>> import pml
>>> with pml.open("Logfile.PML") as cap:
...     df = cap.events(filter="Operation is CreateFile", columns="all").to_pandas()
...     findings = cap.analyze()
"""

from __future__ import annotations

import json
import os
from typing import Any, Callable, Dict, Iterable, Iterator, List, Optional, Sequence, Union

from . import _pml
from ._pml import (
    ArgumentError,
    CaptureError,
    FilterError,
    OutputError,
    PmlError,
)

__all__ = [
    "open",
    "Capture",
    "Events",
    "export",
    "report",
    "filter",
    "diff",
    "PmlError",
    "CaptureError",
    "FilterError",
    "ArgumentError",
    "OutputError",
    "DEFAULT_WINDOW_MS",
]

__version__: str = _pml.__version__
DEFAULT_WINDOW_MS: int = _pml.DEFAULT_WINDOW_MS

# Every error carries where it happened; None where not known.
for _cls in (PmlError, CaptureError, FilterError, ArgumentError, OutputError):
    for _attr in ("file", "offset", "event_index"):
        if not hasattr(_cls, _attr):
            setattr(_cls, _attr, None)

PathLike = Union[str, "os.PathLike[str]"]
Rules = Union[None, str, Sequence[str]]
Columns = Union[str, Sequence[str]]
Progress = Optional[Callable[[int, int], Any]]


def _paths(path_or_paths: Union[PathLike, Iterable[PathLike]]) -> List[str]:
    if isinstance(path_or_paths, (str, bytes, os.PathLike)):
        return [os.fsdecode(path_or_paths)]
    return [os.fsdecode(p) for p in path_or_paths]


def _rules(rules: Rules) -> List[str]:
    if rules is None:
        return []
    if isinstance(rules, str):
        return [rules]
    return list(rules)


def _filters(filter: Rules, exclude: Rules, config: Optional[PathLike], where: Rules) -> Dict[str, Any]:
    return {
        "filter": _rules(filter),
        "exclude": _rules(exclude),
        "config": None if config is None else os.fsdecode(config),
        "where": _rules(where),
    }


def open(
    path_or_paths: Union[PathLike, Iterable[PathLike]],
    *,
    salvage: bool = True,
    tz: Optional[str] = None,
) -> "Capture":
    """Opens a capture: one file (with the parts ProcMon split from it, ``X-1.PML``, ...) or
    several files read as the parts of one capture.

    ``salvage`` reads a capture ProcMon never finished (its events walked from the first one);
    ``tz`` is the zone of the time columns and of filters on them (``"UTC"``, ``"+01:00"``,
    ``"Europe/Berlin"``; default UTC). Use it as a context manager to release the memory map.
    Raises :class:`CaptureError` (with ``file`` and ``offset``) when a file cannot be read.
    """
    return Capture(_pml.open(_paths(path_or_paths), salvage, tz))


class Capture:
    """An open capture. ``with pml.open(...) as cap:`` releases the map when the block ends."""

    def __init__(self, raw: "_pml.Capture") -> None:
        self._raw = raw

    def __enter__(self) -> "Capture":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        state = "closed" if self._raw.closed else f"{self._raw.event_count} events"
        return f"<pml.Capture {self._raw.files!r}: {state}>"

    def close(self) -> None:
        """Releases the memory map (event streams already handed out keep their own)."""
        self._raw.close()

    @property
    def files(self) -> List[str]:
        """The files read: the named ones and their split parts."""
        return self._raw.files

    @property
    def event_count(self) -> int:
        """Events in all parts, before any filter."""
        return self._raw.event_count

    def __len__(self) -> int:
        return self._raw.event_count

    @property
    def warnings(self) -> List[str]:
        """Warnings about the parts: salvaged bytes, odd headers."""
        return self._raw.warnings

    @property
    def info(self) -> Dict[str, Any]:
        """What ``pml info --json`` prints: system and ProcMon build (of the first file), event
        counts per class, processes, time span, salvage report."""
        return json.loads(self._raw.info_json())

    def events(
        self,
        filter: Rules = None,
        exclude: Rules = None,
        config: Optional[PathLike] = None,
        where: Rules = None,
        columns: Optional[Columns] = None,
        limit: Optional[int] = None,
        *,
        text: bool = False,
    ) -> "Events":
        """The events that pass the filters, as ``pml events`` selects them.

        ``filter`` / ``exclude``: ProcMon rules such as ``"Process Name is cl.exe"`` (one or a
        list); ``config``: a ProcMon ``.pmc`` file (its rules and columns); ``where``:
        expressions such as ``"Duration > 100ms"``. ``columns``: ``"default"``, ``"all"`` or a
        list of names; typed columns (``text=False``) are those of the Parquet export
        (``index``, ``time``, ``process_name``, ``pid``, ...; ProcMon's names are accepted too),
        ProcMon's text columns (``text=True``) are named and printed as ProcMon's CSV export.
        Nothing is read until the result is.
        """
        if isinstance(columns, str) or columns is None:
            cols: Any = columns
        else:
            cols = list(columns)
        raw = self._raw.events(_filters(filter, exclude, config, where), cols, text, limit)
        return Events(raw)

    def analyze(
        self,
        window_ms: int = DEFAULT_WINDOW_MS,
        *,
        name: Optional[str] = None,
        include_procmon: bool = False,
    ) -> Dict[str, Any]:
        """The analysis, structured as ``pml analyze --json`` prints it for this capture:
        warnings, failures with their likely causes, incidents with explanation and fix, handle
        leaks, unmatched opens, sharing violations. ProcMon's own activity is left out unless
        ``include_procmon``."""
        name = name if name is not None else self._raw.files[0]
        return json.loads(self._raw.analyze_json(name, window_ms, include_procmon))

    def summary(
        self,
        kind: str,
        column: Optional[str] = None,
        *,
        filter: Rules = None,
        exclude: Rules = None,
        config: Optional[PathLike] = None,
        where: Rules = None,
        progress: Progress = None,
    ) -> List[Dict[str, Any]]:
        """A ProcMon summary as ``pml summary`` builds it, one dict per row: ``processes``,
        ``tree``, ``files``, ``registry``, ``network``, ``count`` (with ``column``), ``xref``,
        ``stacks``."""
        text = self._raw.summary_jsonl(kind, column, _filters(filter, exclude, config, where), progress)
        return [json.loads(line) for line in text.splitlines() if line]

    def export(
        self,
        out: PathLike,
        *,
        format: Optional[str] = None,
        filter: Rules = None,
        exclude: Rules = None,
        config: Optional[PathLike] = None,
        where: Rules = None,
        columns: Optional[str] = None,
        progress: Progress = None,
    ) -> int:
        """Writes the events that pass to ``out`` as ``pml export`` does: CSV byte for byte as
        ProcMon exports it, JSON Lines, or Parquet (every typed column, written with pyarrow).
        The format follows the extension unless given. The file appears whole or not at all.
        Returns the number of events written."""
        out = os.fsdecode(out)
        fmt = (format or _format_of(out)).lower()
        if fmt == "parquet":
            return _write_parquet(self.events(filter, exclude, config, where, columns="all"), out)
        cols = None if columns is None else (columns if isinstance(columns, str) else ",".join(columns))
        return self._raw.export(out, fmt, _filters(filter, exclude, config, where), cols, progress)

    def save_filtered(
        self,
        out: PathLike,
        *,
        filter: Rules = None,
        exclude: Rules = None,
        config: Optional[PathLike] = None,
        where: Rules = None,
    ) -> int:
        """Saves the events that pass as a new capture (ProcMon's "save filtered events");
        returns the number of events saved."""
        return self._raw.save_filtered(os.fsdecode(out), _filters(filter, exclude, config, where))

    def report(
        self, out: PathLike, window_ms: int = DEFAULT_WINDOW_MS, *, include_procmon: bool = False
    ) -> int:
        """Writes the self-contained HTML report of ``pml report``; returns the incident count."""
        return self._raw.report(os.fsdecode(out), window_ms, include_procmon)


class Events:
    """The events that pass a filter: an Arrow stream (``__arrow_c_stream__``), so that
    ``pyarrow.table(ev)``, ``polars.DataFrame(ev)`` and ``duckdb.sql("select ... from ev")`` read
    it without a copy. Each read is a new pass over the capture, on all cores."""

    def __init__(self, raw: "_pml.RawEvents") -> None:
        self._raw = raw

    def __repr__(self) -> str:
        return f"<pml.Events columns={self._raw.columns!r}>"

    @property
    def columns(self) -> List[str]:
        """The column names, in order."""
        return self._raw.columns

    def __arrow_c_stream__(self, requested_schema: Any = None) -> Any:
        """The Arrow PyCapsule stream: batches are built on other threads while read, a few at
        a time (bounded memory)."""
        return self._raw.__arrow_c_stream__(requested_schema)

    def __iter__(self) -> Iterator[Any]:
        """The events as ``pyarrow.RecordBatch`` objects of up to 65,536 rows, in event order,
        with bounded memory."""
        import pyarrow as pa

        yield from pa.RecordBatchReader.from_stream(self)

    def _collect(self, progress: Progress) -> Any:
        return self._raw.collect(progress)

    def to_arrow(self, *, progress: Progress = None) -> Any:
        """All events as a ``pyarrow.Table``, read on all cores without the GIL; raises
        :class:`PmlError` on failure. ``progress(done, total)`` is called as events are read."""
        import pyarrow as pa

        return pa.table(self._collect(progress))

    def to_pandas(self, *, progress: Progress = None, **kwargs: Any) -> Any:
        """All events as a ``pandas.DataFrame`` (times ``datetime64[ns, zone]``, repeated text
        ``category``, unsigned integers, float64 where a column has nulls unless
        ``types_mapper=pandas.ArrowDtype``); ``kwargs`` go to ``pyarrow.Table.to_pandas``."""
        return self.to_arrow(progress=progress).to_pandas(**kwargs)

    def to_polars(self, *, progress: Progress = None) -> Any:
        """All events as a ``polars.DataFrame``."""
        import polars as pl

        return pl.DataFrame(self._collect(progress))


def _format_of(path: str) -> str:
    ext = os.path.splitext(path)[1].lower()
    return {".parquet": "parquet", ".jsonl": "jsonl", ".ndjson": "jsonl"}.get(ext, "csv")


def _write_parquet(events: Events, out: str) -> int:
    """Streams the events into a Parquet file beside ``out``, renamed once complete."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    reader = pa.RecordBatchReader.from_stream(events)
    tmp = f"{out}.pml-tmp-{os.getpid()}"
    rows = 0
    try:
        with pq.ParquetWriter(tmp, reader.schema, compression="zstd") as writer:
            for batch in reader:
                writer.write_batch(batch)
                rows += batch.num_rows
        os.replace(tmp, out)
    except BaseException as e:
        if os.path.exists(tmp):
            os.remove(tmp)
        if isinstance(e, (OSError, pa.ArrowException)):
            err = OutputError(f"cannot write {out}: {e}")
            err.file = out
            raise err from e
        raise
    return rows


def export(
    path_or_paths: Union[PathLike, Iterable[PathLike]],
    out: PathLike,
    *,
    tz: Optional[str] = None,
    **options: Any,
) -> int:
    """``pml export FILE... -o OUT``: see :meth:`Capture.export` for the options."""
    with open(path_or_paths, tz=tz) as cap:
        return cap.export(out, **options)


def report(
    path_or_paths: Union[PathLike, Iterable[PathLike]],
    out: PathLike,
    *,
    window_ms: int = DEFAULT_WINDOW_MS,
    include_procmon: bool = False,
) -> int:
    """``pml report FILE... -o REPORT.html``; returns the number of incidents."""
    with open(path_or_paths) as cap:
        return cap.report(out, window_ms, include_procmon=include_procmon)


def filter(
    path_or_paths: Union[PathLike, Iterable[PathLike]],
    out: PathLike,
    *,
    filter: Rules = None,
    exclude: Rules = None,
    config: Optional[PathLike] = None,
    where: Rules = None,
) -> int:
    """``pml filter FILE... -o OUT.pml``: saves the events that pass as a new capture."""
    with open(path_or_paths) as cap:
        return cap.save_filtered(out, filter=filter, exclude=exclude, config=config, where=where)


CaptureArg = Union["Capture", PathLike, Iterable[PathLike]]


def diff(
    good: CaptureArg,
    bad: CaptureArg,
    *,
    filter: Rules = None,
    exclude: Rules = None,
    config: Optional[PathLike] = None,
    where: Rules = None,
    limit: int = 1000,
    link_incidents: bool = True,
    progress: Progress = None,
) -> Dict[str, Any]:
    """``pml diff GOOD BAD --json``: what changed between a run that worked (``good``) and a run
    of the same task that failed (``bad``), ranked by how likely it explains the failure.

    ``good`` and ``bad`` are paths (split parts ``X-1.PML``, ... are read with them), lists of
    paths read as one capture, or open :class:`Capture` objects. ``filter`` / ``exclude`` /
    ``config`` / ``where`` select the events of both runs as in :meth:`Capture.events`.
    ``limit`` is the most differences listed, highest scores first (0: all; the summary counts
    them all); ``link_incidents=False`` skips the analysis of ``bad`` that links differences to
    its incidents (``--no-incidents``). ``progress(done, total)`` is called as the events of both
    captures are read.

    Returns the document of docs/diff.md as a dict: ``differences`` (each with ``kind``,
    ``process``, ``operation``, ``path``, ``good`` and ``bad`` results, ``score``, ``incident``,
    ``in_failing_tree``, ``explanation``), ``processes_only_in_good``,
    ``processes_only_in_bad`` and ``summary`` (``likely_causes``: differences scoring 50 or
    more).

    >>> result = pml.diff("build.good.pml", "build.bad.pml", exclude="Path ends with .pdb")
    >>> top = result["differences"][0]
    >>> print(top["score"], top["process"]["name"], top["explanation"])
    """
    if limit < 0:
        raise ArgumentError(f"limit must be 0 (all) or more, not {limit}")
    filters = _filters(filter, exclude, config, where)
    opened: List[Capture] = []

    def capture(arg: CaptureArg) -> Capture:
        if isinstance(arg, Capture):
            return arg
        cap = open(arg)
        opened.append(cap)
        return cap

    try:
        raw = _pml.diff_json(capture(good)._raw, capture(bad)._raw, filters, limit, link_incidents, progress)
    finally:
        for cap in opened:
            cap.close()
    return json.loads(raw)
