//! The MCP server driven in-process, message by message, as a client would: the handshake, the
//! 2026-07-28 envelope, every tool on a testdata capture and a real one, `diff` on synthetic
//! good/bad pairs against the library, and errors that leave the server answering.

use std::path::{Path, PathBuf};

use pml_analyzer::diff::{diff, DiffOptions};
use pml_analyzer::filter::{Action, Filter, Rule};
use pml_mcp::{Server, ServerOptions};
use pml_parser::{OpenOptions, SplitCapture};
use serde_json::{json, Value};

fn testdata(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../testdata")
        .join(name)
        .canonicalize()
        .unwrap()
}

/// Sends one request and returns the whole answer.
fn ask(server: &mut Server, id: u64, method: &str, params: Value) -> Value {
    let request = json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params});
    let answer = server
        .handle(&request.to_string())
        .expect("a request gets an answer");
    let answer: Value = serde_json::from_str(&answer).unwrap();
    assert_eq!(answer["id"], id, "{answer}");
    answer
}

/// Calls a tool that must succeed and returns its structured content.
fn call(server: &mut Server, tool: &str, arguments: Value) -> Value {
    let answer = ask(
        server,
        7,
        "tools/call",
        json!({"name": tool, "arguments": arguments}),
    );
    let result = &answer["result"];
    assert_eq!(result["isError"], false, "{tool}: {answer}");
    let text: Value = serde_json::from_str(result["content"][0]["text"].as_str().unwrap()).unwrap();
    assert_eq!(text, result["structuredContent"]);
    result["structuredContent"].clone()
}

/// Calls a tool that must fail and returns its message.
fn call_error(server: &mut Server, tool: &str, arguments: Value) -> String {
    let answer = ask(
        server,
        8,
        "tools/call",
        json!({"name": tool, "arguments": arguments}),
    );
    assert_eq!(answer["result"]["isError"], true, "{tool}: {answer}");
    answer["result"]["content"][0]["text"]
        .as_str()
        .unwrap()
        .to_string()
}

fn server() -> Server {
    Server::new(ServerOptions::default())
}

#[test]
fn the_handshake_negotiates_a_revision_and_lists_the_tools() {
    let mut server = server();
    let answer = ask(
        &mut server,
        1,
        "initialize",
        json!({"protocolVersion": "2025-06-18", "capabilities": {},
            "clientInfo": {"name": "test", "version": "1"}}),
    );
    assert_eq!(answer["result"]["protocolVersion"], "2025-06-18");
    assert_eq!(answer["result"]["serverInfo"]["name"], "pml");
    assert!(answer["result"]["capabilities"]["tools"].is_object());
    let newest = ask(
        &mut server,
        2,
        "initialize",
        json!({"protocolVersion": "1999-01-01", "capabilities": {}}),
    );
    assert_eq!(newest["result"]["protocolVersion"], "2025-11-25");
    let initialized = json!({"jsonrpc": "2.0", "method": "notifications/initialized"});
    assert_eq!(server.handle(&initialized.to_string()), None);

    let tools = ask(&mut server, 3, "tools/list", json!({}));
    let tools = tools["result"]["tools"].as_array().unwrap();
    let names: Vec<&str> = tools.iter().map(|t| t["name"].as_str().unwrap()).collect();
    assert_eq!(names, pml_mcp::tools::NAMES);
    for tool in tools {
        let schema = &tool["inputSchema"];
        assert_eq!(schema["type"], "object", "{tool}");
        // Every tool reads one capture, `file`, except `diff`, which compares two.
        let required = schema["required"].as_array().unwrap();
        if tool["name"] == "diff" {
            assert_eq!(required, &[json!("good"), json!("bad")]);
        } else {
            assert!(required.contains(&json!("file")), "{tool}");
        }
        assert!(tool["description"].as_str().unwrap().len() > 80, "{tool}");
    }
    assert_eq!(ask(&mut server, 4, "ping", json!({}))["result"], json!({}));
}

#[test]
fn the_2026_envelope_is_answered_with_result_types() {
    let mut server = server();
    let meta = json!({"io.modelcontextprotocol/protocolVersion": "2026-07-28",
        "io.modelcontextprotocol/clientCapabilities": {}});
    let discover = ask(&mut server, 1, "server/discover", json!({"_meta": meta}));
    let result = &discover["result"];
    assert_eq!(result["supportedVersions"], json!(["2026-07-28"]));
    assert_eq!(result["resultType"], "complete");
    assert_eq!(
        result["_meta"]["io.modelcontextprotocol/serverInfo"]["name"],
        "pml"
    );
    let list = ask(&mut server, 2, "tools/list", json!({"_meta": meta}));
    assert_eq!(list["result"]["resultType"], "complete");
    assert_eq!(list["result"]["cacheScope"], "public");
    let seed = testdata("seed-race.pml");
    let info = ask(
        &mut server,
        3,
        "tools/call",
        json!({"_meta": meta, "name": "info", "arguments": {"file": seed}}),
    );
    assert_eq!(info["result"]["resultType"], "complete");
    assert_eq!(info["result"]["isError"], false);

    let old = json!({"io.modelcontextprotocol/protocolVersion": "2030-01-01"});
    let refused = ask(&mut server, 4, "tools/list", json!({"_meta": old}));
    assert_eq!(refused["error"]["code"], -32022);
    assert_eq!(refused["error"]["data"]["supported"], json!(["2026-07-28"]));
    assert_eq!(refused["error"]["data"]["requested"], "2030-01-01");
}

#[test]
fn bad_messages_get_errors_and_the_server_goes_on() {
    let mut server = server();
    let not_json: Value = serde_json::from_str(&server.handle("{nope").unwrap()).unwrap();
    assert_eq!(not_json["error"]["code"], -32700);
    let batch: Value = serde_json::from_str(&server.handle("[]").unwrap()).unwrap();
    assert_eq!(batch["error"]["code"], -32600);
    assert_eq!(
        ask(&mut server, 1, "resources/list", json!({}))["error"]["code"],
        -32601
    );
    let unknown = ask(&mut server, 2, "tools/call", json!({"name": "nope"}));
    assert_eq!(unknown["error"]["code"], -32602);
    assert!(unknown["error"]["message"]
        .as_str()
        .unwrap()
        .contains("the tools are info, query"));

    let seed = testdata("seed-race.pml");
    let missing = call_error(&mut server, "info", json!({"file": "/no/such.pml"}));
    assert!(missing.starts_with("cannot open /no/such.pml"), "{missing}");
    let garbage = std::env::temp_dir().join(format!("pml-mcp-garbage-{}.pml", std::process::id()));
    std::fs::write(&garbage, b"not a capture at all").unwrap();
    let refused = call_error(&mut server, "info", json!({"file": garbage}));
    std::fs::remove_file(&garbage).unwrap();
    assert!(refused.starts_with("cannot open"), "{refused}");
    let expr = call_error(
        &mut server,
        "query",
        json!({"file": seed, "where": "Path = "}),
    );
    assert!(expr.starts_with("where: at column 8"), "{expr}");
    assert!(expr.contains('^'), "{expr}");
    let rule = call_error(
        &mut server,
        "query",
        json!({"file": seed, "filter": ["Proc is x"]}),
    );
    assert!(rule.starts_with("filter rule 'Proc is x'"), "{rule}");
    let typed = call_error(&mut server, "event", json!({"file": seed, "index": "3"}));
    assert!(typed.contains("'index' must be a whole number"), "{typed}");
    let far = call_error(
        &mut server,
        "event",
        json!({"file": seed, "index": 1_000_000}),
    );
    assert!(far.contains("has no event 1000000"), "{far}");
    let extra = call_error(&mut server, "info", json!({"file": seed, "path": "x"}));
    assert!(extra.starts_with("unknown argument 'path'"), "{extra}");
    let count = call_error(
        &mut server,
        "summary",
        json!({"file": seed, "kind": "count"}),
    );
    assert!(count.contains("needs 'column'"), "{count}");
    // Still answering.
    assert_eq!(
        call(&mut server, "info", json!({"file": seed}))["events"],
        849
    );
}

#[test]
fn serve_answers_each_line_and_skips_notifications() {
    let seed = testdata("seed-race.pml");
    let input = [
        json!({"jsonrpc": "2.0", "id": 1, "method": "initialize",
            "params": {"protocolVersion": "2025-11-25", "capabilities": {}}}),
        json!({"jsonrpc": "2.0", "method": "notifications/initialized"}),
        json!({"jsonrpc": "2.0", "id": 2, "method": "tools/call",
            "params": {"name": "info", "arguments": {"file": seed}}}),
    ]
    .iter()
    .map(|m| format!("{m}\n"))
    .collect::<String>()
        + "\n{broken\n";
    let mut output = Vec::new();
    server().serve(input.as_bytes(), &mut output).unwrap();
    let answers: Vec<Value> = String::from_utf8(output)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(answers.len(), 3);
    assert_eq!(answers[0]["id"], 1);
    assert_eq!(answers[1]["result"]["structuredContent"]["events"], 849);
    assert_eq!(answers[2]["error"]["code"], -32700);
}

/// Every tool on `file`, checked against the library run directly.
fn check_every_tool(file: &Path) {
    let capture = SplitCapture::open(file, OpenOptions::new().salvage(true)).unwrap();
    let mut server = server();
    let info = call(&mut server, "info", json!({"file": file}));
    assert_eq!(info["events"], capture.event_count());

    // Events that pass a where expression, against a plain evaluation over the capture.
    let mut creates = Vec::new();
    for part in capture.parts() {
        for event in part.capture().events().flatten() {
            if event.operation_name() == "CreateFile" {
                creates.push(part.global(event.index()));
            }
        }
    }
    let page = call(
        &mut server,
        "query",
        json!({"file": file, "where": "Operation = 'CreateFile'", "limit": 5, "offset": 2}),
    );
    assert_eq!(page["total_matched"], creates.len());
    let indices: Vec<u64> = page["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["index"].as_u64().unwrap())
        .collect();
    let want: Vec<u64> = creates.iter().skip(2).take(5).copied().collect();
    assert_eq!(indices, want);
    assert_eq!(page["truncated"], creates.len() > 7);

    // Grouped by operation: the counts add up to the events.
    let grouped = call(
        &mut server,
        "query",
        json!({"file": file, "group_by": ["Operation"], "limit": 1000}),
    );
    let sum: u64 = grouped["groups"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["metrics"]["count"].as_u64().unwrap())
        .sum();
    assert_eq!(sum, capture.event_count());
    assert_eq!(grouped["total_groups"], grouped["returned"]);

    // One event in full: its stack has every frame the capture holds.
    if let Some(&index) = creates.first() {
        let event = call(&mut server, "event", json!({"file": file, "index": index}));
        let raw = capture.event(index).unwrap().unwrap();
        assert_eq!(event["operation"], "CreateFile");
        assert_eq!(event["stack"].as_array().unwrap().len(), raw.stack_depth());
        assert_eq!(event["columns"].as_object().unwrap().len(), 27);
        let path = event["columns"]["Path"].as_str().unwrap();
        assert!(!path.is_empty());
        assert!(event["detail"].is_object());
    }

    let tree = call(&mut server, "process_tree", json!({"file": file}));
    assert!(tree["total"].as_u64().unwrap() > 0);
    let summary = call(
        &mut server,
        "summary",
        json!({"file": file, "kind": "count", "column": "Operation", "limit": 1000}),
    );
    assert_eq!(summary["total"], grouped["total_groups"]);

    let analysis = call(&mut server, "analyze", json!({"file": file}));
    let direct = pml_analyzer::analyze(&capture, &pml_analyzer::Options::default());
    assert_eq!(
        analysis["summary"]["incidents"],
        direct.incidents.len(),
        "{analysis}"
    );
    let same = call(&mut server, "diff", json!({"good": file, "bad": file}));
    assert_eq!(same["differences"], json!([]), "{same}");
    assert_eq!(same["summary"]["differences"], 0);
    assert_eq!(same["total"], 0);

    let dir = pml_testkit::TempDir::new("mcp-report");
    let output = dir.join("report.html");
    let report = call(
        &mut server,
        "report",
        json!({"file": file, "output": output}),
    );
    assert_eq!(report["incidents"], direct.incidents.len());
    assert_eq!(
        report["bytes"],
        std::fs::metadata(&output).unwrap().len(),
        "{report}"
    );
}

#[test]
fn every_tool_answers_on_the_seed_race() {
    let seed = testdata("seed-race.pml");
    check_every_tool(&seed);
    let mut server = server();
    let analysis = call(&mut server, "analyze", json!({"file": seed, "limit": 1}));
    let incident = &analysis["incidents"][0];
    assert_eq!(incident["kind"], "inherited-handle");
    // The first event of the incident is python.exe's open of the generated file.
    let first = incident["events"][0].as_u64().unwrap();
    let event = call(&mut server, "event", json!({"file": seed, "index": first}));
    assert_eq!(event["columns"]["Process Name"], "python.exe");
    assert_eq!(event["columns"]["Path"], incident["path"]);
    assert_eq!(event["detail"]["ShareMode"], "Read");
    for (list, cut) in analysis["truncated_lists"].as_object().unwrap() {
        assert_eq!(analysis[list].as_array().unwrap().len(), 1);
        assert!(cut["total"].as_u64().unwrap() > 1);
    }
}

#[test]
fn every_tool_answers_on_a_real_capture() {
    let Some(dir) = pml_testkit::samples_dir() else {
        return;
    };
    let scratch = pml_testkit::TempDir::new("mcp-real");
    let file = pml_testkit::unpack_sample(&dir, "process-64bit", scratch.path(), "process.pml");
    check_every_tool(&file);
}

/// Pair `name` of the synth crate written into `dir` (seed 1): its good and bad captures and
/// the difference that must rank first.
fn synth_pair(
    dir: &pml_testkit::TempDir,
    name: &str,
) -> (PathBuf, PathBuf, pml_synth::ExpectedDiff) {
    let out = dir.join(&format!("{name}.pml"));
    let expected = pml_synth::pair(name, &out, &pml_synth::Options::default()).unwrap();
    let (good, bad, _) = pml_synth::pair_paths(&out);
    (good, bad, expected)
}

fn open(path: &Path) -> SplitCapture {
    SplitCapture::open(path, OpenOptions::new().salvage(true)).unwrap()
}

fn to_json<T: serde::Serialize + ?Sized>(value: &T) -> Value {
    serde_json::to_value(value).unwrap()
}

#[test]
fn diff_ranks_each_synth_pairs_cause_first_as_the_library_does() {
    let dir = pml_testkit::TempDir::new("mcp-diff-pairs");
    let mut server = server();
    for &name in pml_synth::PAIRS {
        let (good, bad, expected) = synth_pair(&dir, name);
        let direct = diff(&open(&good), &open(&bad), &DiffOptions::default());
        let total = direct.summary.differences;
        assert!(total > 3, "{name}: {total} differences");

        let answer = call(&mut server, "diff", json!({"good": good, "bad": bad}));
        let top = &answer["differences"][0];
        assert_eq!(top, &to_json(&direct.differences[0]), "{name}");
        assert_eq!(top["kind"], expected.top.kind, "{name}: {top}");
        assert!(
            top["process"]["name"]
                .as_str()
                .unwrap()
                .eq_ignore_ascii_case(expected.top.process),
            "{name}: {top}"
        );
        assert_eq!(
            top["path"].as_str().map(str::to_lowercase),
            expected.top.path.map(str::to_lowercase),
            "{name}"
        );
        assert_eq!(top["incident"], json!(expected.incident), "{name}");

        // The first page (20 by default), with the totals of the whole comparison.
        let first: Vec<&_> = direct.differences.iter().take(20).collect();
        assert_eq!(answer["differences"], to_json(&first), "{name}");
        assert_eq!(answer["total"], total);
        assert_eq!(answer["returned"], first.len());
        assert_eq!(answer["truncated"], total > 20);
        assert_eq!(
            answer["next_offset"],
            if total > 20 { json!(20) } else { Value::Null }
        );
        let mut summary = to_json(&direct.summary);
        summary["listed"] = json!(first.len());
        assert_eq!(answer["summary"], summary, "{name}");
        assert_eq!(
            answer["processes_only_in_good"],
            to_json(&direct.processes_only_in_good)
        );
        assert_eq!(
            answer["processes_only_in_bad"],
            to_json(&direct.processes_only_in_bad)
        );
        assert_eq!(answer["truncated_lists"], json!({}));

        // A later page.
        let page = call(
            &mut server,
            "diff",
            json!({"good": good, "bad": bad, "offset": 1, "limit": 2}),
        );
        assert_eq!(page["differences"], to_json(&direct.differences[1..3]));
        assert_eq!(
            (&page["returned"], &page["truncated"], &page["next_offset"]),
            (&json!(2), &json!(true), &json!(3))
        );
        assert_eq!(page["summary"]["differences"], total);
        assert_eq!(page["summary"]["listed"], 2);
        // With the whole list asked for, the document is `pml diff --json`'s.
        let all = call(
            &mut server,
            "diff",
            json!({"good": good, "bad": bad, "limit": 1000}),
        );
        let mut document = all.as_object().unwrap().clone();
        for key in [
            "offset",
            "returned",
            "total",
            "truncated",
            "next_offset",
            "truncated_lists",
        ] {
            assert!(document.remove(key).is_some(), "{key}");
        }
        assert_eq!(Value::Object(document), to_json(&direct), "{name}");
    }
}

#[test]
fn a_capture_diffed_with_itself_has_no_differences() {
    let dir = pml_testkit::TempDir::new("mcp-diff-self");
    let (good, _, _) = synth_pair(&dir, "missing-header");
    let mut server = server();
    for file in [good, testdata("seed-race.pml")] {
        let answer = call(&mut server, "diff", json!({"good": file, "bad": file}));
        assert_eq!(answer["differences"], json!([]), "{answer}");
        assert_eq!(
            (
                &answer["total"],
                &answer["truncated"],
                &answer["next_offset"]
            ),
            (&json!(0), &json!(false), &Value::Null)
        );
        let summary = &answer["summary"];
        assert_eq!(summary["differences"], 0);
        assert_eq!(summary["likely_causes"], 0);
        assert_eq!(summary["aligned_processes"], summary["good"]["processes"]);
        assert_eq!(summary["good"], summary["bad"]);
        assert_eq!(answer["processes_only_in_good"], json!([]));
        assert_eq!(answer["processes_only_in_bad"], json!([]));
    }
}

#[test]
fn diff_filters_both_runs_and_can_leave_incidents_out() {
    let dir = pml_testkit::TempDir::new("mcp-diff-filter");
    let (good, bad, _) = synth_pair(&dir, "sharing-violation");
    let rule = "Process Name is cl.exe";
    let mut filter = Filter::default();
    filter.push(Rule::parse(rule, Action::Include).unwrap());
    let options = DiffOptions {
        filter,
        limit: 1000,
        link_incidents: false,
    };
    let direct = diff(&open(&good), &open(&bad), &options);
    assert!(!direct.differences.is_empty());
    let mut server = server();
    let answer = call(
        &mut server,
        "diff",
        json!({"good": good, "bad": bad, "filter": [rule], "link_incidents": false,
            "limit": 1000}),
    );
    assert_eq!(answer["differences"], to_json(&direct.differences));
    assert_eq!(answer["summary"]["good"], to_json(&direct.summary.good));
    assert_eq!(answer["summary"]["incidents_in_bad"], 0);
    let differences = answer["differences"].as_array().unwrap();
    assert!(differences.iter().all(|d| d["incident"].is_null()));
    assert!(differences.iter().all(|d| d["process"]["name"]
        .as_str()
        .unwrap()
        .eq_ignore_ascii_case("cl.exe")));
    // The same selection as a where expression.
    let same = call(
        &mut server,
        "diff",
        json!({"good": good, "bad": bad, "where": "\"Process Name\" = 'cl.exe'",
            "link_incidents": false, "limit": 1000}),
    );
    assert_eq!(same["differences"], answer["differences"]);
    // Unfiltered, with incidents, the cause of the pair links to BAD's incident.
    let linked = call(
        &mut server,
        "diff",
        json!({"good": good, "bad": bad, "limit": 1}),
    );
    assert_eq!(linked["differences"][0]["incident"], 1);
    assert!(linked["summary"]["incidents_in_bad"].as_u64().unwrap() >= 1);
}

#[test]
fn diff_errors_name_the_argument_and_the_server_goes_on() {
    let seed = testdata("seed-race.pml");
    let mut server = server();
    let missing = call_error(&mut server, "diff", json!({"good": seed}));
    assert_eq!(missing, "argument 'bad' is required");
    let bad = call_error(
        &mut server,
        "diff",
        json!({"good": seed, "bad": "/no/such.pml"}),
    );
    assert!(bad.starts_with("bad: cannot open /no/such.pml"), "{bad}");
    let good = call_error(
        &mut server,
        "diff",
        json!({"good": "/no/such.pml", "bad": seed}),
    );
    assert!(good.starts_with("good: cannot open /no/such.pml"), "{good}");
    let file = call_error(&mut server, "diff", json!({"file": seed}));
    assert!(file.starts_with("unknown argument 'file'"), "{file}");
    assert!(file.contains("good, bad"), "{file}");
    let limit = call_error(
        &mut server,
        "diff",
        json!({"good": seed, "bad": seed, "limit": 0}),
    );
    assert!(
        limit.contains("'limit' must be between 1 and 1000"),
        "{limit}"
    );
    let flag = call_error(
        &mut server,
        "diff",
        json!({"good": seed, "bad": seed, "link_incidents": "yes"}),
    );
    assert!(
        flag.contains("'link_incidents' must be true or false"),
        "{flag}"
    );
    let rule = call_error(
        &mut server,
        "diff",
        json!({"good": seed, "bad": seed, "exclude": ["Proc is x"]}),
    );
    assert!(rule.starts_with("exclude rule 'Proc is x'"), "{rule}");
    // Still answering.
    let answer = call(
        &mut server,
        "diff",
        json!({"good": seed, "bad": seed, "limit": 1}),
    );
    assert_eq!(answer["total"], 0);
}
