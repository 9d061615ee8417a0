//! The query commands end to end on the real captures: `pml events`, `pml summary` and
//! `pml export --format csv|jsonl`.

use std::path::Path;
use std::process::Command;

use pml_testkit::{self as common, unpack_sample as unpack, TempDir};

/// Runs pml and returns its standard output; panics with its stderr on failure.
fn pml(args: &[&str]) -> String {
    String::from_utf8(pml_testkit::succeed(env!("CARGO_BIN_EXE_pml"), args).stdout).unwrap()
}

#[test]
fn split_capture_is_one_capture_in_time_order() {
    let Some(samples) = common::samples_dir() else {
        return;
    };
    let dir = TempDir::new("split");
    // The later capture is the first file: the parts must still come out in time order.
    let later = unpack(&samples, "process-64bit", dir.path(), "t.PML");
    let earlier = unpack(&samples, "mixed-64bit", dir.path(), "t-1.PML");
    let first_time = |p: &Path| {
        let c = pml_parser::Capture::open(p).unwrap();
        let t = c.event(0).unwrap().time();
        (t, c.event_count())
    };
    let ((t_later, n_later), (t_earlier, n_earlier)) = (first_time(&later), first_time(&earlier));
    assert!(t_earlier < t_later);
    let out = pml(&[
        "events",
        later.to_str().unwrap(),
        "--format",
        "jsonl",
        "--columns",
        "Process Name",
    ]);
    let lines: Vec<serde_json::Value> = out
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len() as u64, n_later + n_earlier);
    for (i, line) in lines.iter().enumerate() {
        assert_eq!(line["index"], i as u64);
    }
    // The first event of mixed-64bit is dwm.exe's; process-64bit's events follow it.
    assert_eq!(lines[0]["Process Name"], "dwm.exe");
    let missing = Command::new(env!("CARGO_BIN_EXE_pml"))
        .args(["events", dir.join("absent.PML").to_str().unwrap()])
        .output()
        .unwrap();
    assert!(!missing.status.success());
    let stderr = String::from_utf8_lossy(&missing.stderr);
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.contains("absent.PML"), "{stderr}");
}

#[test]
fn filters_limit_and_summaries_from_the_command_line() {
    let Some(samples) = common::samples_dir() else {
        return;
    };
    let dir = TempDir::new("cmd");
    let file = unpack(&samples, "mixed-64bit", dir.path(), "m.pml");
    let file = file.to_str().unwrap();
    let csv = pml(&[
        "events",
        file,
        "--filter",
        "Process Name is explorer.exe",
        "--filter",
        "Process Name is notepad.exe",
        "--exclude",
        "Operation begins with Reg",
        "--columns",
        "Process Name,Operation",
        "--format",
        "csv",
    ]);
    let capture = pml_parser::Capture::open(file).unwrap();
    let want = capture
        .events()
        .map(|e| e.unwrap())
        .filter(|e| {
            let name = e.process().unwrap().name.to_lowercase();
            (name == "explorer.exe" || name == "notepad.exe")
                && !e.operation_name().to_lowercase().starts_with("reg")
        })
        .count();
    let mut lines = csv.lines();
    assert_eq!(lines.next(), Some("Process Name,Operation"));
    assert_eq!(lines.count(), want);
    assert!(want > 0);

    // Only process-level rules: the scan skips the events of rejected processes undecoded.
    let by_process = pml(&[
        "events",
        file,
        "--filter",
        "Process Name is notepad.exe",
        "--exclude",
        "PID is 2632",
        "--format",
        "jsonl",
    ]);
    let want = capture
        .events()
        .map(|e| e.unwrap())
        .filter(|e| {
            let p = e.process().unwrap();
            p.name.eq_ignore_ascii_case("notepad.exe") && p.pid != 2632
        })
        .count();
    assert_eq!(by_process.lines().count(), want);
    assert!(want > 0);

    let limited = pml(&["events", file, "--limit", "7", "--format", "jsonl"]);
    assert_eq!(limited.lines().count(), 7);

    let summary = pml(&["summary", "count", "Operation", file, "--format", "jsonl"]);
    let total: u64 = summary
        .lines()
        .map(|l| {
            serde_json::from_str::<serde_json::Value>(l).unwrap()["Count"]
                .as_u64()
                .unwrap()
        })
        .sum();
    assert_eq!(total, capture.event_count());

    let pmc = samples.join("noriben-filters.pmc");
    let kept = pml(&[
        "summary",
        "processes",
        file,
        "--config",
        pmc.to_str().unwrap(),
        "--format",
        "csv",
    ]);
    assert!(kept.lines().count() > 1);
    assert!(!kept.contains("Procmon64.exe"));
}

#[test]
fn events_render_and_filter_times_in_the_zone_asked_for() {
    let Some(samples) = common::samples_dir() else {
        return;
    };
    let dir = TempDir::new("tz");
    let file = unpack(&samples, "mixed-64bit", dir.path(), "m.pml");
    let file = file.to_str().unwrap();
    let capture = pml_parser::Capture::open(file).unwrap();
    let zone = pml_parser::TimeZoneSpec::parse("Asia/Kolkata").unwrap();
    let renderer = pml_parser::ColumnRenderer::new(&capture).with_time_zone(zone);
    let utc = pml_parser::ColumnRenderer::new(&capture);
    let render = |r: &pml_parser::ColumnRenderer, i: u64, column| {
        let mut cell = String::new();
        r.write(&capture.event(i).unwrap(), column, &mut cell);
        cell
    };
    let columns = "Date & Time,Time of Day";
    let shown = pml(&[
        "events",
        file,
        "--tz",
        "Asia/Kolkata",
        "--limit",
        "3",
        "--columns",
        columns,
        "--format",
        "csv",
    ]);
    let lines: Vec<&str> = shown.lines().skip(1).collect();
    assert_eq!(lines.len(), 3);
    for (i, line) in (0..).zip(&lines) {
        let date = render(&renderer, i, pml_parser::Column::DateTime);
        let time = render(&renderer, i, pml_parser::Column::TimeOfDay);
        assert_eq!(*line, format!("{date},{time}"));
        assert_ne!(time, render(&utc, i, pml_parser::Column::TimeOfDay));
    }

    // A filter on Time of Day compares the text in that zone: the first event's local time
    // selects it, its UTC time does not.
    let first = render(&renderer, 0, pml_parser::Column::TimeOfDay);
    let rule = format!("Time of Day is {first}");
    let count = |tz: &str| {
        pml(&[
            "events",
            file,
            "--tz",
            tz,
            "--filter",
            &rule,
            "--format",
            "csv",
            "--columns",
            "PID",
        ])
        .lines()
        .count()
            - 1
    };
    assert!(count("+05:30") >= 1);
    assert_eq!(count("UTC"), 0);

    let out = Command::new(env!("CARGO_BIN_EXE_pml"))
        .args(["events", file, "--tz", "Mars/Olympus"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.starts_with("pml: error: unknown time zone"),
        "{stderr}"
    );
}

/// The records of a CSV file written by `pml export` (BOM removed).
fn csv_records(path: &Path) -> Vec<Vec<String>> {
    let bytes = std::fs::read(path).unwrap();
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&bytes);
    csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(bytes)
        .records()
        .map(|r| r.unwrap().iter().map(str::to_string).collect())
        .collect()
}

#[test]
fn export_filters_csv_and_picks_the_format_from_the_extension() {
    let Some(samples) = common::samples_dir() else {
        return;
    };
    let dir = TempDir::new("export");
    let file = unpack(&samples, "mixed-32bit", dir.path(), "m.pml");
    let file = file.to_str().unwrap();
    let out = |name: &str| dir.join(name);
    let path = |name: &str| out(name).to_str().unwrap().to_string();
    pml(&["export", file, "-o", &path("all.csv"), "--columns", "all"]);
    pml(&[
        "export",
        file,
        "-o",
        &path("some.csv"),
        "--columns",
        "all",
        "--filter",
        "Process Name is svchost.exe",
        "--exclude",
        "Operation begins with Reg",
        "-q",
    ]);
    let all = csv_records(&out("all.csv"));
    let some = csv_records(&out("some.csv"));
    assert_eq!(all[0], some[0], "same header");
    let (name, op) = (
        all[0].iter().position(|h| h == "Process Name").unwrap(),
        all[0].iter().position(|h| h == "Operation").unwrap(),
    );
    let want: Vec<&Vec<String>> = all[1..]
        .iter()
        .filter(|r| r[name].eq_ignore_ascii_case("svchost.exe") && !r[op].starts_with("Reg"))
        .collect();
    assert!(!want.is_empty());
    assert_eq!(some[1..].iter().collect::<Vec<_>>(), want);

    pml(&[
        "export",
        file,
        "-o",
        &path("e.jsonl"),
        "--columns",
        "Process Name,PID",
        "-q",
    ]);
    let jsonl = std::fs::read_to_string(out("e.jsonl")).unwrap();
    assert_eq!(jsonl.lines().count(), all.len() - 1);
    let first: serde_json::Value = serde_json::from_str(jsonl.lines().next().unwrap()).unwrap();
    assert_eq!(first["Process Name"], all[1][name].as_str());
    pml(&["export", file, "-o", &path("e.parquet"), "-q"]);
    let magic = std::fs::read(out("e.parquet")).unwrap();
    assert!(magic.starts_with(b"PAR1") && magic.ends_with(b"PAR1"));
}
