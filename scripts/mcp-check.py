#!/usr/bin/env python3
"""`pml mcp` driven by the official MCP Python SDK (`mcp` on PyPI), its answers checked against
the CLI's JSON.

    scripts/mcp-check.py --pml target/release/pml CAPTURE[.pml.gz] ...

The SDK starts `pml mcp` over stdio twice: once negotiating the newest revision (2026-07-28,
`server/discover`) and once with the `initialize` handshake (2025-11-25). Each time it lists the
tools and calls every one on every capture (`.gz` captures are unpacked to a temporary folder);
`info`, `analyze`, `query`, `event`, `process_tree` and `summary` must give what `pml info
--json`, `pml analyze --json`, `pml events --format jsonl`, `pml query --format json` and `pml
summary --format jsonl` give; `report` must write the page it names. `diff` must give what
`pml diff --json` gives on the good/bad pairs of `pml synth` (whole, paged, filtered, without
incidents) and on each capture against itself (no differences). Bad arguments must be tool
errors and an unknown tool a protocol error, with the server still answering afterwards.
The SDK is installed in a venv ($MCP_CHECK_VENV, default $TMPDIR/pml-mcp-check-venv) unless the
running Python has it.
"""

import argparse
import asyncio
import gzip
import json
import os
import shutil
import subprocess
import sys
import tempfile

TOOLS = {"info", "query", "event", "process_tree", "analyze", "summary", "diff", "report"}
# What the diff tool adds to the document of `pml diff --json`: the page and the lists it cut.
DIFF_PAGING = ("offset", "returned", "total", "truncated", "next_offset", "truncated_lists")


def ensure_sdk():
    """Re-runs this script in a venv with the MCP SDK, unless it is importable here."""
    try:
        import mcp  # noqa: F401

        return
    except ImportError:
        pass
    home = os.environ.get("MCP_CHECK_VENV") or os.path.join(tempfile.gettempdir(), "pml-mcp-check-venv")
    python = os.path.join(home, "bin", "python")
    if not os.path.exists(python):
        subprocess.run([sys.executable, "-m", "venv", home], check=True)
        subprocess.run([python, "-m", "pip", "install", "-q", "mcp"], check=True)
    os.execv(python, [python, *sys.argv])


def cli_json(pml, *args):
    out = subprocess.run([pml, *args], check=False, capture_output=True, text=True)
    if out.returncode not in (0, 3):
        raise SystemExit(f"pml {' '.join(args)} failed ({out.returncode}): {out.stderr}")
    return json.loads(out.stdout)


def cli_jsonl(pml, *args):
    out = subprocess.run([pml, *args], check=True, capture_output=True, text=True)
    return [json.loads(line) for line in out.stdout.splitlines() if line.strip()]


def same(what, got, want):
    if got != want:
        got_text = json.dumps(got, indent=1)[:1500]
        want_text = json.dumps(want, indent=1)[:1500]
        raise SystemExit(f"FAIL {what}:\n got  {got_text}\n want {want_text}")


async def call(client, name, args):
    result = await client.call_tool(name, args)
    if result.is_error:
        raise SystemExit(f"FAIL {name} {args}: {result.content[0].text}")
    data = result.structured_content
    same(f"{name}: text content is the structured content", json.loads(result.content[0].text), data)
    return data


async def check_capture(client, pml, path, scratch):
    """Every tool on one capture, against the CLI."""
    name = os.path.basename(path)
    same(f"info {name}", await call(client, "info", {"file": path}), cli_json(pml, "info", "--json", path))

    analysis = await call(client, "analyze", {"file": path, "limit": 1000})
    same(f"analyze {name}: nothing cut", analysis.pop("truncated_lists"), {})
    same(f"analyze {name}", analysis, cli_json(pml, "analyze", "--json", path))
    small = await call(client, "analyze", {"file": path, "limit": 1})
    for key, cut in small["truncated_lists"].items():
        same(f"analyze {name} limit 1: {key}", (len(small[key]), cut["total"]), (1, len(analysis[key])))

    where = "Operation = 'CreateFile' or Operation = 'Process Create'"
    rows = cli_jsonl(pml, "events", path, "--where", where, "--columns", "all", "--format", "jsonl")
    page = await call(client, "query", {"file": path, "where": where, "columns": ["all"], "limit": 1000})
    same(f"query {name}: events", page["events"], rows[:1000])
    same(f"query {name}: totals", (page["total_matched"], page["total"], page["truncated"]),
         (len(rows), len(rows), len(rows) > 1000))
    second = await call(client, "query", {"file": path, "where": where, "offset": 3, "limit": 4,
                                         "columns": ["Process Name", "Path"]})
    want = [{"index": r["index"], "Process Name": r["Process Name"], "Path": r["Path"]} for r in rows[3:7]]
    same(f"query {name}: page 2", second["events"], want)
    same(f"query {name}: next page", second["next_offset"], 7 if len(rows) > 7 else None)

    grouped = await call(client, "query", {"file": path, "group_by": ["Process Name", "Operation"],
                                          "metrics": ["count", "sum(Duration)", "max(Bytes)"], "limit": 1000})
    want = cli_json(pml, "query", path, "--group-by", "Process Name,Operation", "--metric", "count",
                    "--metric", "sum(Duration)", "--metric", "max(Bytes)", "--format", "json")
    same(f"query {name}: groups", grouped["groups"], want["groups"][:1000])
    same(f"query {name}: group totals", (grouped["total_matched"], grouped["total_groups"]),
         (want["total_matched"], want["total_groups"]))

    if rows:
        index = rows[0]["index"]
        event = await call(client, "event", {"file": path, "index": index})
        same(f"event {name} {index}: columns", {"index": index, **event["columns"]}, rows[0])
        if not isinstance(event["stack"], list) or not isinstance(event["detail"], dict):
            raise SystemExit(f"FAIL event {name} {index}: no stack list or detail fields")
        print(f"  event {index}: {event['operation']}, {len(event['detail'])} detail fields, "
              f"{len(event['stack'])} stack frames")

    tree = await call(client, "process_tree", {"file": path, "limit": 2000})
    same(f"process_tree {name}", tree["processes"], cli_jsonl(pml, "summary", "tree", path, "--format", "jsonl")[:2000])

    summary = await call(client, "summary", {"file": path, "kind": "count", "column": "Operation", "limit": 1000})
    same(f"summary count {name}", summary["rows"],
         cli_jsonl(pml, "summary", "count", "Operation", path, "--format", "jsonl")[:1000])
    files = await call(client, "summary", {"file": path, "kind": "files", "limit": 10, "where": "Result != 'SUCCESS'"})
    same(f"summary files {name}", files["rows"],
         cli_jsonl(pml, "summary", "files", path, "--where", "Result != 'SUCCESS'", "--format", "jsonl")[:10])

    output = os.path.join(scratch, name + ".html")
    report = await call(client, "report", {"file": path, "output": output})
    with open(report["path"], encoding="utf-8") as f:
        page_text = f.read()
    if not page_text.lstrip().lower().startswith("<!doctype html") or report["bytes"] != os.path.getsize(output):
        raise SystemExit(f"FAIL report {name}: {report}")
    same(f"report {name}: incidents", report["incidents"], len(analysis["incidents"]))

    itself = await call(client, "diff", {"good": path, "bad": path, "limit": 1000})
    same(f"diff {name} with itself: nothing", (itself["total"], itself["differences"]), (0, []))
    same(f"diff {name} with itself", diff_document(itself), cli_json(pml, "diff", "-q", "--json", path, path))
    print(f"  {name}: {analysis['summary']['incidents']} incidents, {len(rows)} events matched, "
          f"{grouped['total_groups']} groups, {len(tree['processes'])} processes")


def diff_document(answer):
    """The diff tool's answer without its paging: the document of `pml diff --json`."""
    same("diff: no list cut", answer["truncated_lists"], {})
    same("diff: total", answer["total"], answer["summary"]["differences"])
    return {k: v for k, v in answer.items() if k not in DIFF_PAGING}


async def check_diff(client, pml, scratch):
    """`diff` on every good/bad pair `pml synth` writes, against `pml diff --json`."""
    for pair in ("missing-header", "sharing-violation"):
        out = os.path.join(scratch, pair + ".pml")
        subprocess.run([pml, "synth", pair, "-o", out], check=True, capture_output=True)
        good, bad = out[: -len(".pml")] + ".good.pml", out[: -len(".pml")] + ".bad.pml"
        with open(out[: -len(".pml")] + ".diff.json", encoding="utf-8") as f:
            expected = json.load(f)

        want = cli_json(pml, "diff", "-q", "--json", good, bad)
        whole = await call(client, "diff", {"good": good, "bad": bad, "limit": 1000})
        same(f"diff {pair}", diff_document(whole), want)
        top = whole["differences"][0]
        same(f"diff {pair}: the cause first", (top["kind"], top["process"]["name"].lower(), top["path"].lower()),
             (expected["top"]["kind"], expected["top"]["process"].lower(), expected["top"]["path"].lower()))

        page = await call(client, "diff", {"good": good, "bad": bad, "offset": 1, "limit": 2})
        same(f"diff {pair}: page 2", page["differences"], want["differences"][1:3])
        same(f"diff {pair}: page 2 totals", (page["total"], page["returned"], page["truncated"], page["next_offset"]),
             (want["summary"]["differences"], 2, want["summary"]["differences"] > 3, 3))
        first = await call(client, "diff", {"good": good, "bad": bad})
        same(f"diff {pair}: default page", first["differences"], want["differences"][:20])

        rules = ["--filter", "Process Name is cl.exe", "--exclude", "Path ends with .pdb", "--no-incidents"]
        want = cli_json(pml, "diff", "-q", "--json", good, bad, *rules)
        filtered = await call(client, "diff", {"good": good, "bad": bad, "filter": ["Process Name is cl.exe"],
                                               "exclude": ["Path ends with .pdb"], "link_incidents": False,
                                               "limit": 1000})
        same(f"diff {pair} filtered", diff_document(filtered), want)
        where = "\"Process Name\" = 'cl.exe' and not Path ends with '.pdb'"
        want = cli_json(pml, "diff", "-q", "--json", good, bad, "--where", where)
        expr = await call(client, "diff", {"good": good, "bad": bad, "where": where, "limit": 1000})
        same(f"diff {pair} where", diff_document(expr), want)
        print(f"  diff {pair}: {whole['total']} differences, {whole['summary']['likely_causes']} likely causes, "
              f"top {top['operation']} {top['path']} ({top['score']})")


async def check_errors(client, path):
    """Bad arguments are tool errors; an unknown tool is a protocol error; the server lives on."""
    from mcp.shared.exceptions import MCPError

    for name, args, says in [
        ("info", {"file": "/no/such/capture.pml"}, "cannot open /no/such/capture.pml"),
        ("query", {"file": path, "where": "Path = "}, "where: at column 8"),
        ("query", {"file": path, "limit": 0}, "'limit' must be between 1"),
        ("event", {"file": path, "index": 10**12}, "has no event"),
        ("summary", {"file": path, "kind": "nope"}, "unknown summary 'nope'"),
        ("info", {"file": path, "bogus": 1}, "unknown argument 'bogus'"),
        ("diff", {"good": path, "bad": "/no/such/capture.pml"}, "bad: cannot open /no/such/capture.pml"),
        ("diff", {"good": path}, "argument 'bad' is required"),
        ("diff", {"file": path}, "unknown argument 'file'"),
    ]:
        result = await client.call_tool(name, args)
        if not result.is_error or says not in result.content[0].text:
            raise SystemExit(f"FAIL {name} {args}: expected a tool error saying {says!r}, got {result}")
    try:
        await client.call_tool("no_such_tool", {})
        raise SystemExit("FAIL: an unknown tool was not an error")
    except MCPError as e:
        if "unknown tool" not in str(e):
            raise SystemExit(f"FAIL unknown tool: {e}")
    await call(client, "info", {"file": path})


async def session(pml, mode, captures, scratch):
    from mcp.client.client import Client
    from mcp.client.stdio import StdioServerParameters

    server = StdioServerParameters(command=pml, args=["mcp"])
    async with Client(server, mode=mode) as client:
        print(f"{mode}: protocol {client.protocol_version}")
        want = "2026-07-28" if mode == "auto" else "2025-11-25"
        same(f"{mode}: negotiated revision", client.protocol_version, want)
        tools = (await client.list_tools()).tools
        same(f"{mode}: tools", {t.name for t in tools}, TOOLS)
        for t in tools:
            # Every tool reads one capture, `file`, except `diff`, which compares `good` and `bad`.
            needs = ["good", "bad"] if t.name == "diff" else ["file"]
            required = t.input_schema.get("required", [])
            if t.input_schema.get("type") != "object" or any(r not in required for r in needs) or not t.description:
                raise SystemExit(f"FAIL {mode}: tool {t.name} lacks a description or schema")
        for path in captures:
            await check_capture(client, pml, path, scratch)
        await check_diff(client, pml, scratch)
        await check_errors(client, captures[0])


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pml", default="target/release/pml")
    parser.add_argument("captures", nargs="+")
    args = parser.parse_args()
    ensure_sdk()
    pml = os.path.abspath(args.pml)
    scratch = tempfile.mkdtemp(prefix="pml-mcp-check-")
    try:
        captures = []
        for capture in args.captures:
            if capture.endswith(".gz"):
                plain = os.path.join(scratch, os.path.basename(capture)[:-3])
                with gzip.open(capture) as src, open(plain, "wb") as dst:
                    shutil.copyfileobj(src, dst)
                capture = plain
            captures.append(os.path.abspath(capture))
        for mode in ("auto", "legacy"):
            asyncio.run(session(pml, mode, captures, scratch))
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    print(f"OK: {len(captures)} captures, every tool agrees with the CLI, in both protocol eras")


if __name__ == "__main__":
    main()
