//! `pml analyze` as a library: the JSON document of all scenarios in testdata/ holds what their
//! `.expected.json` files say, tagged with its capture; the text lists the incidents and stays
//! within its width.

mod support;

use pml_analyzer::Options;
use pml_report::analysis::{write_json, write_text, AnalyzedCapture};
use serde_json::Value;

/// True when `actual` holds everything `expected` says: objects key by key (keys of `expected`
/// only), arrays of the same length whose elements match in any order, strings equal but for
/// ASCII case (paths), other values equal.
fn holds(actual: &Value, expected: &Value) -> bool {
    match (actual, expected) {
        (Value::Object(a), Value::Object(e)) => {
            e.iter().all(|(k, v)| a.get(k).is_some_and(|a| holds(a, v)))
        }
        (Value::Array(a), Value::Array(e)) => {
            a.len() == e.len() && e.iter().all(|e| a.iter().any(|a| holds(a, e)))
        }
        (Value::String(a), Value::String(e)) => a.eq_ignore_ascii_case(e),
        (a, e) => a == e,
    }
}

fn analyzed() -> Vec<(AnalyzedCapture, Value)> {
    support::scenarios()
        .into_iter()
        .map(|(name, capture, expected)| {
            let name = format!("{name}.pml");
            (
                AnalyzedCapture::new(name, &capture, &Options::default()),
                expected,
            )
        })
        .collect()
}

#[test]
fn json_holds_the_expected_findings_of_every_scenario() {
    let (all, expected): (Vec<_>, Vec<_>) = analyzed().into_iter().unzip();
    let mut out = Vec::new();
    write_json(&mut out, &all).unwrap();
    assert!(out.ends_with(b"}\n"));
    let doc: Value = serde_json::from_slice(&out).unwrap();

    let lists = [
        "incidents",
        "unmatched_opens",
        "sharing_violations",
        "inherited_handles",
    ];
    for (a, e) in all.iter().zip(&expected) {
        for list in &lists[..3] {
            let mine: Vec<Value> = doc[list]
                .as_array()
                .unwrap()
                .iter()
                .filter(|f| f["capture"] == a.name.as_str())
                .cloned()
                .map(|mut f| {
                    // The expected holders of a sharing violation are its holders' processes.
                    if let Some(holders) = f.get_mut("holders").filter(|_| *list == lists[2]) {
                        for h in holders.as_array_mut().unwrap() {
                            *h = h["process"].take();
                        }
                    }
                    f
                })
                .collect();
            assert!(
                holds(&Value::Array(mine.clone()), &e[list]),
                "{}: {list}\n{mine:#?}\nexpected {:#}",
                a.name,
                e[list]
            );
        }
    }
    let summary = &doc["summary"];
    for (list, total) in lists.iter().zip([
        "incidents",
        "unmatched_opens",
        "sharing_violations",
        "inherited_handle_candidates",
    ]) {
        assert_eq!(
            summary[total].as_u64().unwrap(),
            doc[list].as_array().unwrap().len() as u64,
            "{total}"
        );
    }
    let captures = summary["captures"].as_array().unwrap();
    assert_eq!(captures.len(), all.len());
    for ((c, a), e) in captures.iter().zip(&all).zip(&expected) {
        assert_eq!(c["capture"], a.name.as_str());
        assert_eq!(c["events"]["events"], e["events"], "{}", a.name);
        assert_eq!(c["window_ms"], 50);
        let codes: Vec<&Value> = c["warnings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|w| &w["code"])
            .collect();
        let want: Vec<&Value> = e["warnings"].as_array().unwrap().iter().collect();
        assert_eq!(codes, want, "{}", a.name);
        assert_eq!(c["failures"], e["failures"].as_array().unwrap().len());
        assert_eq!(c["incidents"], e["incidents"].as_array().unwrap().len());
    }
}

#[test]
fn text_tells_each_capture_with_its_incidents() {
    let all: Vec<AnalyzedCapture> = analyzed().into_iter().map(|(a, _)| a).collect();
    let mut out = Vec::new();
    write_text(&mut out, &all).unwrap();
    let text = String::from_utf8(out).unwrap();

    // One block per capture, in order, a blank line between two.
    let mut at = 0;
    for a in &all {
        let head = format!("{}\n  ", a.name);
        let found = text[at..]
            .find(&head)
            .unwrap_or_else(|| panic!("{} after byte {at}", a.name));
        at += found + head.len();
    }
    assert_eq!(text.matches("\n\n\n").count(), 0, "no empty blocks");

    let seed = &all.iter().find(|a| a.name == "seed-race.pml").unwrap();
    let mut one = Vec::new();
    write_text(&mut one, std::slice::from_ref(seed)).unwrap();
    let one = String::from_utf8(one).unwrap();
    assert!(one.starts_with("seed-race.pml\n  849 events, "), "{one}");
    assert!(
        one.contains("  2 failed processes, 1 incidents, 0 handle leaks, 1 unmatched opens, 1 sharing violations, "),
        "{one}"
    );
    // Why did it fail: cl.exe's top cause is the SHARING VIOLATION, linked to the incident.
    assert!(
        one.contains("Failure 1: cl.exe (PID 11928) exited with status 0x00000002"),
        "{one}"
    );
    assert!(
        one.contains("C:\\build\\gen\\parser.cpp SHARING VIOLATION; held by")
            && one.contains("cmd.exe (PID 3364); see incident #1;"),
        "{one}"
    );
    assert!(
        one.contains("It failed after its children failed: cl.exe (PID 11928)"),
        "{one}"
    );
    assert!(
        one.contains("#1 [HIGH] inherited-handle  C:\\build\\gen\\parser.cpp\n"),
        "{one}"
    );
    assert!(
        one.contains("    opener   python.exe (PID 17228)\n"),
        "{one}"
    );
    assert!(one.contains("    Fix: "), "{one}");
    assert!(one.contains("\nSharing violations:\n"), "{one}");
    assert!(one.contains("\nUnmatched opens (no CloseFile in the opening process):\n"));
    // Explanations are wrapped to 100 columns (a path longer than that stays whole).
    for line in one
        .lines()
        .filter(|l| l.starts_with("    ") && !l.contains('\\'))
    {
        assert!(line.len() <= 100, "{line:?}");
    }
    assert!(
        text.contains(&one),
        "the capture's block is the same alone or with others"
    );
}

#[test]
fn long_lists_are_cut_in_text_only() {
    let (mut many, _) = analyzed()
        .into_iter()
        .find(|(a, _)| !a.analysis.unmatched_opens.is_empty())
        .unwrap();
    let one = many.analysis.unmatched_opens[0].clone();
    many.analysis.unmatched_opens = vec![one; 27];
    let mut out = Vec::new();
    write_text(&mut out, std::slice::from_ref(&many)).unwrap();
    let text = String::from_utf8(out).unwrap();
    assert!(text.contains("  ... and 7 more (see --json)\n"), "{text}");
    let mut json = Vec::new();
    write_json(&mut json, std::slice::from_ref(&many)).unwrap();
    let doc: Value = serde_json::from_slice(&json).unwrap();
    assert_eq!(doc["unmatched_opens"].as_array().unwrap().len(), 27);
    assert_eq!(doc["summary"]["unmatched_opens"], 27);
}
