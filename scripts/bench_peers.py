#!/usr/bin/env python3
"""Times the other open-source PML readers on one capture, for scripts/bench.

Usage: bench_peers.py MODE FILE [RUNS]
  MODE reader-all     procmon-reader: every event, all fields
       reader-filter  procmon-reader: process-name filter, 4 fields out
       parser-all     procmon-parser: every event with details (no stacks)
Prints one JSON line: {"mode", "events", "seconds" (median), "events_per_s", "peak_rss_mb"}.
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


def main():
    mode, path = sys.argv[1], sys.argv[2]
    runs = int(sys.argv[3]) if len(sys.argv) > 3 else 3
    needle = sys.argv[4] if len(sys.argv) > 4 else "svchost"
    work = {
        "reader-all": lambda: reader_all(path),
        "reader-filter": lambda: reader_filter(path, needle),
        "parser-all": lambda: parser_all(path),
    }[mode]
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
