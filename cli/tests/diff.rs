//! `pml diff`: synthetic good/bad pairs (the cause ranks first; two good runs show no likely
//! cause), real captures (against itself: nothing; against another: bounded), the command's
//! JSON and text, filters on both sides, and `pml report --baseline`.

use std::path::{Path, PathBuf};
use std::process::Command;

use pml_analyzer::diff::{diff, rank::LIKELY_CAUSE, Diff, DiffKind, DiffOptions};
use pml_analyzer::filter::{Action, Filter, Rule};
use pml_parser::{OpenOptions, SplitCapture};
use pml_synth::{ExpectedDifference, Run};

fn open(path: &Path) -> SplitCapture {
    SplitCapture::open(path, OpenOptions::new().salvage(true)).unwrap()
}

fn synth_options(seed: u64, is_64bit: bool) -> pml_synth::Options {
    let mut o = pml_synth::Options::default();
    o.seed = seed;
    o.is_64bit = is_64bit;
    o
}

/// True when difference `d` is the one `e` describes.
fn matches(d: &pml_analyzer::diff::Difference, e: &ExpectedDifference) -> bool {
    d.kind.as_str() == e.kind
        && d.process.name.eq_ignore_ascii_case(e.process)
        && d.operation.as_deref() == e.operation
        && d.path.as_deref().map(str::to_lowercase) == e.path.map(str::to_lowercase)
        && d.good.result.as_deref() == e.good_result
        && d.bad.result.as_deref() == e.bad_result
}

fn top_lines(diff: &Diff) -> String {
    diff.differences
        .iter()
        .take(8)
        .map(|d| {
            format!(
                "{} {:?} {} {}\n",
                d.score, d.kind, d.process.name, d.explanation
            )
        })
        .collect()
}

#[test]
fn the_cause_ranks_first_in_every_synth_pair_at_both_bitnesses() {
    let dir = pml_testkit::TempDir::new("diff-pairs");
    for &name in pml_synth::PAIRS {
        for is_64bit in [true, false] {
            let out = dir.join(&format!("{name}-{is_64bit}.pml"));
            let expected = pml_synth::pair(name, &out, &synth_options(7, is_64bit)).unwrap();
            let (good, bad, json) = pml_synth::pair_paths(&out);
            assert!(json.exists());
            let result = diff(&open(&good), &open(&bad), &DiffOptions::default());
            let top = &result.differences[0];
            assert!(
                matches(top, &expected.top),
                "{name} ({is_64bit}): expected {:?} first, got\n{}",
                expected.top,
                top_lines(&result)
            );
            assert_eq!(top.incident, expected.incident, "{name}");
            assert!(top.in_failing_tree && top.score >= LIKELY_CAUSE);
            for also in &expected.also {
                let found = result.differences.iter().find(|d| matches(d, also));
                assert!(
                    found.is_some_and(|d| d.score >= LIKELY_CAUSE),
                    "{name}: {also:?} missing or low in\n{}",
                    top_lines(&result)
                );
            }
            // Sorted by score, highest first, and the summary agrees with the list.
            assert!(result
                .differences
                .windows(2)
                .all(|w| w[0].score >= w[1].score));
            assert_eq!(result.summary.differences, result.differences.len());
            assert!(!result.summary.failing_processes.is_empty());
            // Background noise differs between the runs, but never scores as a cause.
            assert!(result
                .differences
                .iter()
                .filter(|d| d.score >= LIKELY_CAUSE)
                .all(|d| d.in_failing_tree));
        }
    }
}

#[test]
fn two_good_runs_show_no_likely_cause() {
    let dir = pml_testkit::TempDir::new("diff-good-good");
    for &name in pml_synth::PAIRS {
        let a = dir.join(&format!("{name}-a.pml"));
        let b = dir.join(&format!("{name}-b.pml"));
        pml_synth::run(name, Run::Good, &a, &synth_options(3, true)).unwrap();
        // A rerun: other PIDs, temp names, timing and noise, and a 32-bit capture.
        pml_synth::run(name, Run::Good, &b, &synth_options(11, false)).unwrap();
        let result = diff(&open(&a), &open(&b), &DiffOptions::default());
        assert!(result.summary.aligned_processes >= 5, "{name}");
        assert_eq!(
            result.summary.likely_causes,
            0,
            "{name}:\n{}",
            top_lines(&result)
        );
        assert!(result.summary.failing_processes.is_empty());
        // The build's own processes pair up: nothing of them ran in one run only.
        let build = ["python.exe", "cl.exe", "link.exe", "cmd.exe"];
        let unpaired = result
            .processes_only_in_good
            .iter()
            .chain(&result.processes_only_in_bad)
            .filter(|p| build.contains(&p.name.as_str()))
            .count();
        assert_eq!(unpaired, 0, "{name}: {result:#?}");
        assert!(!result.differences.iter().any(|d| matches!(
            d.kind,
            DiffKind::FailedOnlyInBad | DiffKind::ExitStatusChanged
        ) && d.in_failing_tree));
    }
}

#[test]
fn a_salvaged_bad_run_still_shows_the_cause() {
    let dir = pml_testkit::TempDir::new("diff-salvage");
    let good = dir.join("good.pml");
    let bad = dir.join("bad.pml");
    pml_synth::run("missing-header", Run::Good, &good, &synth_options(1, true)).unwrap();
    let mut cut = synth_options(2, true);
    cut.cut_off = true;
    pml_synth::run("missing-header", Run::Bad, &bad, &cut).unwrap();
    let bad = open(&bad);
    assert!(bad.partial() || bad.captures().any(|c| c.salvage_report().is_some()));
    let result = diff(&open(&good), &bad, &DiffOptions::default());
    let top = &result.differences[0];
    assert_eq!(
        top.kind,
        DiffKind::FailedOnlyInBad,
        "{}",
        top_lines(&result)
    );
    assert_eq!(top.process.name, "python.exe");
}

fn sample(dir: &pml_testkit::TempDir, name: &str) -> Option<PathBuf> {
    let samples = pml_testkit::samples_dir()?;
    Some(pml_testkit::unpack_sample(
        &samples,
        name,
        dir.path(),
        &format!("{name}.pml"),
    ))
}

#[test]
fn real_captures_against_themselves_show_nothing_and_against_others_stay_bounded() {
    let dir = pml_testkit::TempDir::new("diff-real");
    let names = ["mixed-64bit", "process-64bit", "mixed-32bit"];
    let mut paths = Vec::new();
    for name in names {
        let Some(path) = sample(&dir, name) else {
            return;
        };
        paths.push(path);
    }
    for path in &paths {
        let c = open(path);
        let result = diff(&c, &c, &DiffOptions::default());
        assert!(result.differences.is_empty(), "{}", top_lines(&result));
        assert!(result.processes_only_in_good.is_empty());
        assert!(result.processes_only_in_bad.is_empty());
        assert_eq!(result.summary.good, result.summary.bad);
        assert_eq!(
            result.summary.aligned_processes,
            result.summary.bad.processes
        );
    }
    // Another machine's capture: almost nothing pairs, and the list stays bounded by what the
    // runs did.
    let (a, b) = (open(&paths[0]), open(&paths[2]));
    let options = DiffOptions {
        limit: 50,
        ..DiffOptions::default()
    };
    let result = diff(&a, &b, &options);
    let s = &result.summary;
    assert_eq!(result.differences.len(), 50);
    assert!(s.differences <= s.good.keys + s.bad.keys + s.good.processes + s.bad.processes);
    assert_eq!(
        s.aligned_processes + result.processes_only_in_good.len(),
        s.good.processes
    );
    assert_eq!(
        s.aligned_processes + result.processes_only_in_bad.len(),
        s.bad.processes
    );
    assert!(result
        .differences
        .iter()
        .all(|d| d.score.is_finite() && d.score > 0.0 && !d.explanation.is_empty()));
}

#[test]
fn filters_apply_to_both_runs() {
    let dir = pml_testkit::TempDir::new("diff-filter");
    let out = dir.join("p.pml");
    pml_synth::pair("missing-header", &out, &synth_options(5, true)).unwrap();
    let (good, bad, _) = pml_synth::pair_paths(&out);
    let options = DiffOptions {
        filter: Filter::new(vec![
            Rule::parse("Process Name is cl.exe", Action::Include).unwrap()
        ]),
        ..DiffOptions::default()
    };
    let result = diff(&open(&good), &open(&bad), &options);
    assert!(result
        .differences
        .iter()
        .all(|d| d.process.name == "cl.exe"));
    let top = &result.differences[0];
    assert_eq!(top.path.as_deref(), Some("C:\\build\\gen\\config.h"));
    assert_eq!(top.bad.result.as_deref(), Some("NAME NOT FOUND"));
    assert!(result.summary.bad.matched_events < result.summary.bad.events);
}

#[test]
fn pml_diff_prints_json_and_text_and_pml_report_adds_the_baseline() {
    let dir = pml_testkit::TempDir::new("diff-cli");
    let out = dir.join("build.pml");
    let synth = Command::new(env!("CARGO_BIN_EXE_pml"))
        .args(["synth", "sharing-violation", "-o"])
        .arg(&out)
        .output()
        .unwrap();
    assert!(synth.status.success(), "{synth:?}");
    let (good, bad, _) = pml_synth::pair_paths(&out);
    let run = |extra: &[&str]| {
        let o = Command::new(env!("CARGO_BIN_EXE_pml"))
            .arg("diff")
            .arg(&good)
            .arg(&bad)
            .args(extra)
            .output()
            .unwrap();
        assert!(o.status.success(), "{o:?}");
        String::from_utf8(o.stdout).unwrap()
    };
    let json: serde_json::Value = serde_json::from_str(&run(&["--json", "--quiet"])).unwrap();
    let first = &json["differences"][0];
    for key in [
        "kind",
        "process",
        "operation",
        "path",
        "good",
        "bad",
        "score",
        "incident",
    ] {
        assert!(first.get(key).is_some(), "{key} missing: {first}");
    }
    assert_eq!(first["kind"], "failed-only-in-bad");
    assert_eq!(first["process"]["name"], "cl.exe");
    assert!(first["process"]["command_line"].is_string());
    assert_eq!(first["bad"]["result"], "SHARING VIOLATION");
    assert_eq!(first["good"]["result"], "SUCCESS");
    assert!(first["bad"]["count"].as_u64() >= Some(1));
    assert_eq!(first["incident"], 1);
    assert!(json["processes_only_in_good"].is_array());
    assert!(json["processes_only_in_bad"].is_array());
    assert!(json["summary"]["likely_causes"].as_u64() >= Some(2));

    let text = run(&["--quiet", "--top", "3"]);
    let lines: Vec<&str> = text.lines().collect();
    let first_line = lines.iter().position(|l| l.starts_with("  1.")).unwrap();
    assert!(lines[first_line].contains("cl.exe") && lines[first_line].contains("parser.cpp"));
    assert!(lines[first_line + 1].contains("SHARING VIOLATION"));
    assert!(lines[first_line + 1].contains("incident #1"));
    assert!(text.contains("more differences"), "{text}");

    let page = dir.join("bad.html");
    let report = Command::new(env!("CARGO_BIN_EXE_pml"))
        .arg("report")
        .arg(&bad)
        .arg("-o")
        .arg(&page)
        .arg("--baseline")
        .arg(&good)
        .output()
        .unwrap();
    assert!(report.status.success(), "{report:?}");
    let html = std::fs::read_to_string(&page).unwrap();
    assert!(html.contains("<section id=\"baseline\">"));
    assert!(html.contains("<a href=\"#incident-1\">#1</a>"));
}
