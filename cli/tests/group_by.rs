//! `pml query` (group-by with metrics) and `--where` on the commands that filter, end to end.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use pml_testkit as common;

fn testdata(name: &str) -> String {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../testdata")
        .join(name)
        .to_string_lossy()
        .into_owned()
}

fn run(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_pml"))
        .args(args)
        .output()
        .unwrap()
}

/// Runs pml and returns its standard output; panics with its stderr on failure.
fn pml(args: &[&str]) -> String {
    let out = run(args);
    assert!(
        out.status.success(),
        "pml {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

fn csv_rows(text: &str) -> Vec<Vec<String>> {
    csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(text.as_bytes())
        .records()
        .map(|r| r.unwrap().iter().map(str::to_string).collect())
        .collect()
}

/// Checks the three formats of one query against each other and against `pml events`.
fn check_formats(file: &str, filter: &[&str]) {
    let mut args = vec![
        "query",
        file,
        "--group-by",
        "Process Name,Operation",
        "--metric",
        "count",
        "--metric",
        "sum(Duration)",
        "--metric",
        "distinct(Path)",
    ];
    args.extend_from_slice(filter);
    let with = |format: &str| {
        let mut a = args.clone();
        a.extend(["--format", format]);
        pml(&a)
    };
    let json: serde_json::Value = serde_json::from_str(&with("json")).unwrap();
    let csv = csv_rows(&with("csv"));
    let table = with("table");
    assert_eq!(
        csv[0],
        [
            "Process Name",
            "Operation",
            "count",
            "sum(Duration)",
            "distinct(Path)"
        ]
    );
    let groups = json["groups"].as_array().unwrap();
    assert_eq!(groups.len(), csv.len() - 1);
    assert_eq!(table.lines().count(), csv.len(), "{table}");
    assert!(table.starts_with("Process Name"), "{table}");
    let mut total = 0;
    for (g, row) in groups.iter().zip(&csv[1..]) {
        assert_eq!(g["key"]["Process Name"], row[0].as_str());
        assert_eq!(g["key"]["Operation"], row[1].as_str());
        assert_eq!(g["metrics"]["count"].as_u64().unwrap().to_string(), row[2]);
        let d = g["metrics"]["sum(Duration)"].as_f64().unwrap();
        assert_eq!(format!("{d:.7}"), row[3]);
        total += g["metrics"]["count"].as_u64().unwrap();
    }
    assert_eq!(json["total_matched"].as_u64().unwrap(), total);

    // The same counts from the events themselves.
    let mut events = vec![
        "events",
        file,
        "--format",
        "csv",
        "--columns",
        "Process Name,Operation",
    ];
    events.extend_from_slice(filter);
    let rows = csv_rows(&pml(&events));
    let mut want: HashMap<(String, String), u64> = HashMap::new();
    for r in &rows[1..] {
        *want.entry((r[0].clone(), r[1].clone())).or_default() += 1;
    }
    assert_eq!(want.len(), groups.len());
    for g in groups {
        let key = (
            g["key"]["Process Name"].as_str().unwrap().to_string(),
            g["key"]["Operation"].as_str().unwrap().to_string(),
        );
        assert_eq!(g["metrics"]["count"].as_u64(), Some(want[&key]), "{key:?}");
    }
    assert!(total > 0, "a query that matches nothing proves little");
}

#[test]
fn query_formats_agree_with_events_on_testdata() {
    let file = testdata("seed-race.pml");
    check_formats(&file, &[]);
    check_formats(&file, &["--where", "Result != 'SUCCESS'"]);
    check_formats(
        &file,
        &[
            "--filter",
            "Event Class is File System",
            "--where",
            "\"Process Name\" in ('cl.exe', 'python.exe') or Duration > 50us",
        ],
    );
}

#[test]
fn query_formats_agree_with_events_on_a_sample() {
    let Some(samples) = common::samples_dir() else {
        return;
    };
    let dir = common::TempDir::new("cli-group-by");
    let file = common::unpack_sample(&samples, "mixed-64bit", dir.path(), "m.pml");
    let file = file.to_string_lossy();
    check_formats(&file, &[]);
    check_formats(
        &file,
        &[
            "--where",
            "Path contains 'windows' and not Operation begins with 'Reg'",
        ],
    );
}

#[test]
fn query_top_and_derived_metrics() {
    let file = testdata("seed-race.pml");
    let out = pml(&[
        "query",
        &file,
        "--group-by",
        "Operation",
        "--where",
        "Operation in ('ReadFile', 'WriteFile')",
        "--metric",
        "sum(Bytes)",
        "--metric",
        "max(Length)",
        "--metric",
        "min(Time of Day)",
        "--top",
        "1",
        "--format",
        "json",
    ]);
    let json: serde_json::Value = serde_json::from_str(&out).unwrap();
    let groups = json["groups"].as_array().unwrap();
    assert_eq!(groups.len(), 1);
    assert_eq!(json["total_groups"], 2);
    let m = &groups[0]["metrics"];
    assert!(m["sum(Bytes)"].as_u64().unwrap() > 0, "{m}");
    assert!(m["max(Length)"].as_u64().unwrap() > 0, "{m}");
    assert!(
        m["min(Time of Day)"].as_str().unwrap().ends_with(" AM"),
        "{m}"
    );
}

#[test]
fn where_works_on_every_filtering_command() {
    let file = testdata("seed-race.pml");
    let expr = "\"Process Name\" = 'cl.exe' and Result != 'SUCCESS'";
    let events = csv_rows(&pml(&["events", &file, "--where", expr, "--format", "csv"]));
    let rules = csv_rows(&pml(&[
        "events",
        &file,
        "--filter",
        "Process Name is cl.exe",
        "--filter",
        "Result is not SUCCESS",
        "--format",
        "csv",
    ]));
    assert_eq!(events, rules);
    assert!(events.len() > 1);
    let summary = csv_rows(&pml(&[
        "summary", "count", "Result", &file, "--where", expr, "--format", "csv",
    ]));
    let n: u64 = summary[1..]
        .iter()
        .map(|r| r[1].parse::<u64>().unwrap())
        .sum();
    assert_eq!(n as usize, events.len() - 1);
    let dir = common::TempDir::new("cli-where");
    let out = dir.join("x.csv");
    pml(&[
        "export",
        &file,
        "-o",
        out.to_str().unwrap(),
        "--where",
        expr,
    ]);
    let exported = std::fs::read_to_string(&out).unwrap();
    assert_eq!(
        exported.trim_start_matches('\u{feff}').lines().count(),
        events.len()
    );
    let saved = dir.join("x.pml");
    pml(&[
        "filter",
        &file,
        "-o",
        saved.to_str().unwrap(),
        "--where",
        expr,
    ]);
    assert_eq!(
        pml_parser::Capture::open(Path::new(&saved))
            .unwrap()
            .event_count() as usize,
        events.len() - 1
    );
}

#[test]
fn where_errors_point_at_the_place() {
    let file = testdata("seed-race.pml");
    let out = run(&["events", &file, "--where", "Operation = ReadFile"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(
        err.contains("--where: at column 13: expected a value, found 'ReadFile'"),
        "{err}"
    );
    assert!(
        err.contains("  Operation = ReadFile\n              ^"),
        "{err}"
    );
    let out = run(&["query", &file, "--group-by", "Nope"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("unknown column 'Nope'"));
    let out = run(&[
        "query",
        &file,
        "--group-by",
        "PID",
        "--metric",
        "median(PID)",
    ]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("unknown metric"));
}

/// `--procmon-build` names operations in summaries and groups as in the events: the version-7
/// capture's four SetAllocationInformationFile events are SetAllInformationFile to ProcMon 2.x.
#[test]
fn summaries_and_groups_name_operations_as_the_procmon_build_asked_for() {
    let Some(dir) = common::samples_dir() else {
        return;
    };
    let tmp = common::TempDir::new("group-build");
    let file = common::unpack_sample(&dir, "noriben-v7-32bit", tmp.path(), "n.pml");
    let file = file.to_str().unwrap();
    let count = |build: &str, name: &str| -> Vec<String> {
        let summary = pml(&[
            "summary",
            "count",
            "Operation",
            file,
            "--format",
            "csv",
            "--procmon-build",
            build,
        ]);
        let grouped = pml(&[
            "query",
            file,
            "--group-by",
            "Operation",
            "--format",
            "csv",
            "--procmon-build",
            build,
        ]);
        [summary, grouped]
            .iter()
            .map(|text| {
                csv_rows(text)
                    .into_iter()
                    .find(|r| r[0] == name)
                    .map_or_else(|| "absent".to_string(), |r| r[1].clone())
            })
            .collect()
    };
    assert_eq!(count("2.x", "SetAllInformationFile"), ["4", "4"]);
    assert_eq!(
        count("2.x", "SetAllocationInformationFile"),
        ["absent", "absent"]
    );
    assert_eq!(count("3.89", "SetAllocationInformationFile"), ["4", "4"]);
    assert_eq!(count("3.89", "SetAllInformationFile"), ["absent", "absent"]);
}
