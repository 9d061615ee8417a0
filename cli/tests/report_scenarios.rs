//! `pml report` on every synthesized scenario: one timeline per expected incident, with a lane for
//! each process the incident names and the marks its story needs.

use std::path::Path;
use std::process::Command;

use serde_json::Value;

fn testdata() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../testdata")
}

fn person(p: &Value) -> Option<String> {
    p.as_object()
        .map(|o| format!("{} (PID {})", o["name"].as_str().unwrap(), o["pid"]))
}

/// The `<svg class="timeline">` elements of a page, in order.
fn timelines(html: &str) -> Vec<&str> {
    html.split("<svg class=\"timeline\"")
        .skip(1)
        .map(|s| &s[..s.find("</svg>").unwrap()])
        .collect()
}

fn marks(svg: &str, kind: &str) -> usize {
    svg.matches(&format!("<g class=\"mark mark-{kind}\""))
        .count()
}

#[test]
fn every_scenario_report_shows_its_incidents_on_timelines() {
    let mut checked = 0;
    for entry in std::fs::read_dir(testdata()).unwrap() {
        let path = entry.unwrap().path();
        let Some(name) = path.file_name().and_then(|n| n.to_str()) else {
            continue;
        };
        let Some(scenario) = name.strip_suffix(".expected.json") else {
            continue;
        };
        let expected: Value =
            serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        let capture = testdata().join(format!("{scenario}.pml"));
        let out = tempfile_path(scenario);
        let status = Command::new(env!("CARGO_BIN_EXE_pml"))
            .arg("report")
            .arg(&capture)
            .arg("-o")
            .arg(&out)
            .status()
            .unwrap();
        assert!(status.success(), "{scenario}: pml report failed");
        let html = std::fs::read_to_string(&out).unwrap();
        std::fs::remove_file(&out).unwrap();
        assert!(
            !html.contains("<script src") && !html.contains("<link"),
            "{scenario}: self-contained"
        );
        let incidents = expected["incidents"].as_array().unwrap();
        let svgs = timelines(&html);
        assert_eq!(
            svgs.len(),
            incidents.len(),
            "{scenario}: one timeline per incident"
        );
        for (incident, svg) in incidents.iter().zip(&svgs) {
            let kind = incident["kind"].as_str().unwrap();
            for role in ["opener", "child", "closer"] {
                if let Some(who) = person(&incident[role]) {
                    assert!(svg.contains(&who), "{scenario}: {role} {who} has a lane");
                }
            }
            for victim in incident["victims"].as_array().unwrap() {
                let who = person(victim).unwrap();
                assert!(svg.contains(&who), "{scenario}: victim {who} has a lane");
            }
            let victims = incident["victims"].as_array().unwrap().len();
            assert!(
                marks(svg, "failed-open") >= victims,
                "{scenario}: a mark per failed open"
            );
            assert_eq!(marks(svg, "open"), 1, "{scenario}: the open");
            if kind == "inherited-handle" {
                assert_eq!(
                    marks(svg, "process-create"),
                    1,
                    "{scenario}: the Process Create"
                );
                assert!(svg.contains("lane role-child"), "{scenario}: a child lane");
            }
            let closes = usize::from(!incident["closer"].is_null());
            assert_eq!(marks(svg, "close"), closes, "{scenario}: the close");
            // Every mark tells its event in a tooltip.
            for mark in svg.split("<g class=\"mark ").skip(1) {
                let title = &mark[mark.find("<title>").unwrap()..mark.find("</title>").unwrap()];
                assert!(
                    title.contains("event"),
                    "{scenario}: tooltip names the event"
                );
            }
        }
        checked += 1;
    }
    assert_eq!(checked, 7, "all seven scenarios in testdata/");
}

fn tempfile_path(scenario: &str) -> std::path::PathBuf {
    std::env::temp_dir().join(format!("pml-report-{scenario}-{}.html", std::process::id()))
}
