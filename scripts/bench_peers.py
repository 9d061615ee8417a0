#!/usr/bin/env python3
"""Times the other open-source PML readers on one capture, for scripts/bench.

Usage: bench_peers.py MODE FILE [RUNS] [NEEDLE]
  MODE reader-all     procmon-reader: every event, all fields
       reader-filter  procmon-reader: process-name filter, 4 fields out
       parser-all     procmon-parser: every event with details (no stacks)
       reader-pandas  procmon-reader: every event's all-field row into a pandas DataFrame
       parser-pandas  procmon-parser: every event's 27 CSV columns into a pandas DataFrame
       pml-pandas     pml (Python package): all 27 ProcMon columns as text into a pandas DataFrame
       pml-pandas-typed  pml: all typed columns (as the Parquet export) into a pandas DataFrame
       pml-polars-filter  pml: the events of a process-name filter, 4 columns, into polars
Prints one JSON line: {"mode", "events", "seconds" (median), "events_per_s", "peak_rss_mb"}. Times
are taken inside the process after the imports (importing pandas alone takes a good part of a
second); the caller times the whole process.
"""
import json
import resource
import statistics
import sys
import time

READER_FIELDS = [
    "event_class", "timestamp", "duration", "tid", "pid", "parent_pid", "session",
    "authentication_id", "virtualized", "is_64_bit", "process_name", "image_path",
    "command_line", "user", "company", "version", "description", "integrity", "result",
    "category", "operation", "path", "detail",
]


def reader_all(path):
    from procmon_reader import ProcmonReader
    reader = ProcmonReader(path)
    reader.apply_filters(filters=None, select_fields=READER_FIELDS)
    return sum(1 for _ in reader)


def reader_filter(path, needle):
    from procmon_reader import ProcmonReader
    reader = ProcmonReader(path)
    reader.apply_filters(
        filters=[["process_name", "regex", needle, "include"]],
        select_fields=["process_name", "operation", "path", "result"],
    )
    for _ in reader:
        pass
    return reader.event_count


def parser_all(path):
    from procmon_parser import ProcmonLogsReader
    n = 0
    with open(path, "rb") as f:
        for event in ProcmonLogsReader(f, should_get_stacktrace=False):
            _ = (event.process.process_name, event.operation, event.path, event.result, event.details)
            n += 1
    return n


def reader_pandas(path):
    import pandas as pd
    from procmon_reader import ProcmonReader
    reader = ProcmonReader(path)
    reader.apply_filters(filters=None, select_fields=READER_FIELDS)
    return len(pd.DataFrame(list(reader)))


def parser_pandas(path):
    import pandas as pd
    from procmon_parser import ProcmonLogsReader
    with open(path, "rb") as f:
        rows = [e.get_compatible_csv_info() for e in ProcmonLogsReader(f, should_get_stacktrace=False)]
    return len(pd.DataFrame(rows))


def pml_pandas(path, text):
    import pml
    with pml.open(path) as cap:
        return len(cap.events(columns="all", text=text).to_pandas())


def pml_polars_filter(path, needle):
    import pml
    with pml.open(path) as cap:
        return cap.events(filter=f"Process Name contains {needle}",
                          columns=["Process Name", "Operation", "Path", "Result"],
                          text=True).to_polars().height


# What each mode imports before the clock starts.
IMPORTS = {"reader-pandas": ["pandas", "procmon_reader"], "parser-pandas": ["pandas", "procmon_parser"],
           "pml-pandas": ["pandas", "pyarrow", "pml"], "pml-pandas-typed": ["pandas", "pyarrow", "pml"],
           "pml-polars-filter": ["polars", "pyarrow", "pml"]}


def main():
    mode, path = sys.argv[1], sys.argv[2]
    runs = int(sys.argv[3]) if len(sys.argv) > 3 else 3
    needle = sys.argv[4] if len(sys.argv) > 4 else "svchost"
    work = {
        "reader-all": lambda: reader_all(path),
        "reader-filter": lambda: reader_filter(path, needle),
        "parser-all": lambda: parser_all(path),
        "reader-pandas": lambda: reader_pandas(path),
        "parser-pandas": lambda: parser_pandas(path),
        "pml-pandas": lambda: pml_pandas(path, True),
        "pml-pandas-typed": lambda: pml_pandas(path, False),
        "pml-polars-filter": lambda: pml_polars_filter(path, needle),
    }[mode]
    for module in IMPORTS.get(mode, []):
        __import__(module)
    times, events = [], 0
    for _ in range(runs):
        start = time.perf_counter()
        events = work()
        times.append(time.perf_counter() - start)
    seconds = statistics.median(times)
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"mode": mode, "events": events, "seconds": seconds,
                      "events_per_s": events / seconds, "peak_rss_mb": round(rss_mb, 1)}))


if __name__ == "__main__":
    main()
