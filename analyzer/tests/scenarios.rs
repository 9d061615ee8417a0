//! For every `testdata/*.expected.json` (written by `pml synth` beside its capture), the analyzer's
//! findings on the matching `.pml` must equal the expected ones exactly: the same warnings,
//! failures (with their top cause), handle leaks, incidents, unmatched opens and sharing
//! violations, in the same order (paths compared case-insensitively, holder and victim lists as
//! sets).
//!
//! The directory is `testdata/` at the repository root, or `$PML_SCENARIOS`.

use std::path::{Path, PathBuf};

use pml_analyzer::{analyze, Analysis, Options, ProcessRef};
use pml_parser::{Capture, SplitCapture};
use serde_json::{json, Value};

fn scenarios_dir() -> PathBuf {
    std::env::var_os("PML_SCENARIOS")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../testdata"))
}

fn process(p: &Value) -> Value {
    if p.is_null() {
        return Value::Null;
    }
    json!({"pid": p["pid"], "process_index": p["process_index"], "name": p["name"]})
}

fn process_ref(p: &ProcessRef) -> Value {
    json!({"pid": p.pid, "process_index": p.process_index, "name": p.name})
}

/// A process list as a set: sorted by process index.
fn set(list: Vec<Value>) -> Value {
    let mut list = list;
    list.sort_by_key(|p| p["process_index"].as_u64());
    list.dedup();
    Value::Array(list)
}

fn path(v: &Value) -> Value {
    Value::String(v.as_str().unwrap_or_default().to_lowercase())
}

fn array<'a>(v: &'a Value, key: &str) -> &'a [Value] {
    v[key].as_array().map(Vec::as_slice).unwrap_or(&[])
}

/// The expected findings, reduced to what the schema fixes.
fn expected_view(e: &Value) -> Value {
    let incidents: Vec<Value> = array(e, "incidents")
        .iter()
        .map(|i| {
            json!({
                "kind": i["kind"], "path": path(&i["path"]),
                "opener": process(&i["opener"]), "child": process(&i["child"]),
                "closer": process(&i["closer"]),
                "holders": set(array(i, "holders").iter().map(process).collect()),
                "victims": set(array(i, "victims").iter().map(process).collect()),
            })
        })
        .collect();
    let unmatched: Vec<Value> = array(e, "unmatched_opens")
        .iter()
        .map(|u| {
            json!({"process": process(&u["process"]), "path": path(&u["path"]),
                   "classification": u["classification"]})
        })
        .collect();
    let sharing: Vec<Value> = array(e, "sharing_violations")
        .iter()
        .map(|s| {
            json!({"process": process(&s["process"]), "path": path(&s["path"]),
                   "holders": set(array(s, "holders").iter().map(process).collect())})
        })
        .collect();
    let failures: Vec<Value> = array(e, "failures")
        .iter()
        .map(|f| {
            let top = &f["top_cause"];
            json!({"process": process(&f["process"]), "exit_status": f["exit_status"],
                   "top_cause": if top.is_null() { Value::Null } else {
                       json!({"operation": top["operation"], "path": path(&top["path"]),
                              "result": top["result"], "incident": top["incident"]})
                   },
                   "failed_children": array(f, "failed_children").iter().map(process).collect::<Vec<_>>()})
        })
        .collect();
    let leaks: Vec<Value> = array(e, "handle_leaks")
        .iter()
        .map(|l| {
            json!({"process": process(&l["process"]), "path": path(&l["path"]),
                   "opens": l["opens"], "closes": l["closes"], "unclosed": l["unclosed"]})
        })
        .collect();
    json!({"warnings": e["warnings"], "failures": failures, "handle_leaks": leaks,
           "incidents": incidents, "unmatched_opens": unmatched, "sharing_violations": sharing})
}

/// The analyzer's findings, reduced the same way.
fn actual_view(r: &Analysis) -> Value {
    let opt = |p: &Option<ProcessRef>| p.as_ref().map_or(Value::Null, process_ref);
    let path = |p: &str| Value::String(p.to_lowercase());
    let incidents: Vec<Value> = r
        .incidents
        .iter()
        .map(|i| {
            json!({
                "kind": i.kind.as_str(), "path": path(&i.path),
                "opener": opt(&i.opener), "child": opt(&i.child), "closer": opt(&i.closer),
                "holders": set(i.holders.iter().map(process_ref).collect()),
                "victims": set(i.victims.iter().map(process_ref).collect()),
            })
        })
        .collect();
    let unmatched: Vec<Value> = r
        .unmatched_opens
        .iter()
        .map(|u| {
            json!({"process": process_ref(&u.process), "path": path(&u.path),
                   "classification": u.classification.as_str()})
        })
        .collect();
    let sharing: Vec<Value> = r
        .sharing_violations
        .iter()
        .map(|s| {
            json!({"process": process_ref(&s.process), "path": path(&s.path),
                   "holders": set(s.holders.iter().map(|h| process_ref(&h.process)).collect())})
        })
        .collect();
    let failures: Vec<Value> = r
        .failures
        .iter()
        .map(|f| {
            let top = f.causes.first().map_or(Value::Null, |c| {
                json!({"operation": c.operation, "path": path(&c.path), "result": c.result,
                       "incident": c.incident.map(|i| r.incidents[i].kind.as_str())})
            });
            json!({"process": process_ref(&f.process), "exit_status": f.exit_status,
                   "top_cause": top,
                   "failed_children": f.failed_children.iter().map(|c| process_ref(&c.process)).collect::<Vec<_>>()})
        })
        .collect();
    let leaks: Vec<Value> = r
        .handle_leaks
        .iter()
        .map(|l| {
            json!({"process": process_ref(&l.process), "path": path(&l.path),
                   "opens": l.opens, "closes": l.closes, "unclosed": l.unclosed})
        })
        .collect();
    let warnings: Vec<&str> = r.warnings.iter().map(|w| w.code).collect();
    json!({"warnings": warnings, "failures": failures, "handle_leaks": leaks,
           "incidents": incidents, "unmatched_opens": unmatched, "sharing_violations": sharing})
}

#[test]
fn synthesized_scenarios_yield_exactly_the_expected_findings() {
    let dir = scenarios_dir();
    let mut expected_files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .map(|entries| {
            entries
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.to_string_lossy().ends_with(".expected.json"))
                .collect()
        })
        .unwrap_or_default();
    if expected_files.is_empty() {
        eprintln!(
            "SKIPPED: no *.expected.json in {} (write them with `pml synth`)",
            dir.display()
        );
        return;
    }
    expected_files.sort();
    let mut failures = Vec::new();
    for file in &expected_files {
        let name = file.to_string_lossy();
        let pml = PathBuf::from(name.trim_end_matches(".expected.json").to_string() + ".pml");
        let text = std::fs::read_to_string(file).unwrap();
        let expected: Value = serde_json::from_str(&text).unwrap();
        let capture = Capture::open(&pml)
            .map(SplitCapture::from)
            .unwrap_or_else(|e| panic!("{}: {e}", pml.display()));
        let report = analyze(&capture, &Options::default());
        let (want, got) = (expected_view(&expected), actual_view(&report));
        if want != got {
            failures.push(format!(
                "{}:\n  expected {}\n  got      {}",
                pml.display(),
                serde_json::to_string(&want).unwrap(),
                serde_json::to_string(&got).unwrap()
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} scenarios differ:\n{}",
        failures.len(),
        expected_files.len(),
        failures.join("\n")
    );
}
