//! Every command on every real capture (from `../shared/pml-samples`; with
//! `PML_REQUIRE_SAMPLES=1` their absence fails) and on every synthesized scenario of testdata/:
//! one test per command, each checking what the command printed or wrote, not only its status.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Output;
use std::sync::OnceLock;

use polars::prelude::{DataType, ParquetReader, SerReader};
use serde_json::Value;

/// The columns the export tests write in every format.
const COLUMNS: &str = "Time of Day,Process Name,PID,Operation,Path,Result,Detail";

fn pml(args: &[&str]) -> Output {
    pml_testkit::succeed(env!("CARGO_BIN_EXE_pml"), args)
}

fn pml_json(args: &[&str]) -> Value {
    serde_json::from_slice(&pml(args).stdout).unwrap()
}

/// A folder of this test binary's outputs, one per test so that tests running at the same time
/// never share a file.
fn scratch(test: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("all-commands")
        .join(test);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn testdata() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../testdata")
}

/// The captures to run on: the scenarios of testdata/ and the real samples, decompressed once.
fn captures() -> &'static [PathBuf] {
    static CAPTURES: OnceLock<Vec<PathBuf>> = OnceLock::new();
    CAPTURES.get_or_init(|| {
        let mut all: Vec<PathBuf> = std::fs::read_dir(testdata())
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e == "pml"))
            .collect();
        if let Some(samples) = pml_testkit::samples_dir() {
            let into = scratch("samples");
            for entry in std::fs::read_dir(&samples).unwrap() {
                let name = entry.unwrap().file_name().to_string_lossy().to_string();
                if let Some(stem) = name.strip_suffix(".pml.gz") {
                    let file = format!("{stem}.pml");
                    all.push(pml_testkit::unpack_sample(&samples, stem, &into, &file));
                }
            }
        }
        all.sort();
        all
    })
}

fn stem(capture: &Path) -> String {
    capture.file_stem().unwrap().to_string_lossy().to_string()
}

fn event_count(file: &str) -> u64 {
    pml_json(&["info", "--json", file])["events"]
        .as_u64()
        .unwrap()
}

/// The CSV export of `COLUMNS`, parsed: ProcMon's BOM and header, then one record per event.
fn csv_rows(file: &str, out: &Path) -> Vec<csv::StringRecord> {
    pml(&[
        "export",
        file,
        "-o",
        out.to_str().unwrap(),
        "--columns",
        COLUMNS,
    ]);
    let bytes = std::fs::read(out).unwrap();
    assert!(
        bytes.starts_with(b"\xEF\xBB\xBF\"Time of Day\""),
        "{file}: BOM and header"
    );
    csv::Reader::from_reader(&bytes[3..])
        .records()
        .map(|r| r.unwrap())
        .collect()
}

#[test]
fn info_counts_add_up_and_name_the_build() {
    for capture in captures() {
        let (file, stem) = (capture.to_str().unwrap(), stem(capture));
        let info = pml_json(&["info", "--json", file]);
        let events = info["events"].as_u64().unwrap();
        assert!(events > 0, "{stem}");
        let classes: u64 = info["event_classes"]
            .as_object()
            .unwrap()
            .values()
            .map(|v| v.as_u64().unwrap())
            .sum();
        assert_eq!(classes, events, "{stem}: class counts add up");
        let build = info["procmon_build"]["build"].as_str().unwrap_or_default();
        assert!(
            ["2.x", "3.0-3.4x", "3.5x", "3.6+"].contains(&build),
            "{stem}: info --json names the ProcMon build: {}",
            info["procmon_build"]
        );
    }
}

/// The identity of an incident as the expectations state it: kind, path and who took part.
fn incident_key(incident: &Value) -> String {
    let name = |role: &str| incident[role]["name"].as_str().unwrap_or("-").to_string();
    let names = |role: &str| {
        incident[role]
            .as_array()
            .map(|all| {
                all.iter()
                    .map(|p| p["name"].as_str().unwrap_or("-"))
                    .collect::<Vec<_>>()
                    .join("+")
            })
            .unwrap_or_default()
    };
    format!(
        "{} {} opener={} child={} holders={} victims={}",
        incident["kind"].as_str().unwrap(),
        incident["path"].as_str().unwrap(),
        name("opener"),
        name("child"),
        names("holders"),
        names("victims")
    )
}

#[test]
fn analyze_json_finds_what_the_scenarios_expect() {
    for capture in captures() {
        let (file, stem) = (capture.to_str().unwrap(), stem(capture));
        let analysis = pml_json(&["analyze", "--json", file]);
        for key in [
            "incidents",
            "unmatched_opens",
            "sharing_violations",
            "summary",
        ] {
            assert!(!analysis[key].is_null(), "{stem}: analyze --json has {key}");
        }
        let expected = testdata().join(format!("{stem}.expected.json"));
        let Ok(expected) = std::fs::read(&expected) else {
            continue; // a real sample: its findings are checked in the analyzer's tests
        };
        let expected: Value = serde_json::from_slice(&expected).unwrap();
        let keys = |v: &Value| -> Vec<String> {
            let mut keys: Vec<String> = v["incidents"]
                .as_array()
                .unwrap()
                .iter()
                .map(incident_key)
                .collect();
            keys.sort();
            keys
        };
        assert_eq!(keys(&analysis), keys(&expected), "{stem}: incidents");
        assert_eq!(
            analysis["unmatched_opens"].as_array().unwrap().len(),
            expected["unmatched_opens"].as_array().unwrap().len(),
            "{stem}: unmatched opens"
        );
    }
}

#[test]
fn csv_json_lines_and_events_agree_cell_for_cell() {
    let dir = scratch("csv-jsonl");
    for capture in captures() {
        let (file, stem) = (capture.to_str().unwrap(), stem(capture));
        let rows = csv_rows(file, &dir.join(format!("{stem}.csv")));
        assert_eq!(
            rows.len() as u64,
            event_count(file),
            "{stem}: a row per event"
        );

        let jsonl_path = dir.join(format!("{stem}.jsonl"));
        pml(&[
            "export",
            file,
            "-o",
            jsonl_path.to_str().unwrap(),
            "--columns",
            COLUMNS,
        ]);
        let jsonl = std::fs::read(&jsonl_path).unwrap();
        let records: Vec<Value> = std::str::from_utf8(&jsonl)
            .unwrap()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        assert_eq!(records.len(), rows.len(), "{stem}: a JSON line per event");
        for (row, record) in rows.iter().zip(&records) {
            for (i, column) in COLUMNS.split(',').enumerate() {
                assert_eq!(
                    record[column].as_str().unwrap(),
                    &row[i],
                    "{stem}: {column}"
                );
            }
        }
        let piped = pml(&["events", file, "--format", "jsonl", "--columns", COLUMNS]).stdout;
        assert_eq!(
            piped, jsonl,
            "{stem}: pml events in a pipe = JSON Lines export"
        );
    }
}

/// A text column of a Parquet frame as strings, with null read as the empty cell of the CSV.
fn text_column(frame: &polars::prelude::DataFrame, name: &str) -> Vec<String> {
    let column = frame.column(name).unwrap().cast(&DataType::String).unwrap();
    let column = column.str().unwrap();
    (0..column.len())
        .map(|i| column.get(i).unwrap_or_default().to_string())
        .collect()
}

#[test]
fn parquet_reads_back_equal_to_the_csv() {
    let dir = scratch("parquet");
    for capture in captures() {
        let (file, stem) = (capture.to_str().unwrap(), stem(capture));
        let rows = csv_rows(file, &dir.join(format!("{stem}.csv")));
        let parquet = dir.join(format!("{stem}.parquet"));
        pml(&["export", file, "-o", parquet.to_str().unwrap()]);
        let frame = ParquetReader::new(std::fs::File::open(&parquet).unwrap())
            .finish()
            .unwrap();
        assert_eq!(frame.height(), rows.len(), "{stem}: a row per event");
        let pids = frame.column("pid").unwrap();
        let pids = pids.u32().unwrap();
        for (i, row) in rows.iter().enumerate() {
            assert_eq!(
                pids.get(i).unwrap().to_string(),
                &row[2],
                "{stem}: PID of {i}"
            );
        }
        for (position, name) in [
            (1, "process_name"),
            (3, "operation"),
            (4, "path"),
            (5, "result"),
            (6, "detail"),
        ] {
            for (i, value) in text_column(&frame, name).iter().enumerate() {
                assert_eq!(value, &rows[i][position], "{stem}: {name} of event {i}");
            }
        }
    }
}

#[test]
fn summaries_count_every_event() {
    for capture in captures() {
        let (file, stem) = (capture.to_str().unwrap(), stem(capture));
        let events = event_count(file);
        let processes = pml(&["summary", "processes", file, "--format", "jsonl"]).stdout;
        let summed: u64 = std::str::from_utf8(&processes)
            .unwrap()
            .lines()
            .map(|l| {
                serde_json::from_str::<Value>(l).unwrap()["Events"]
                    .as_u64()
                    .unwrap()
            })
            .sum();
        assert_eq!(
            summed, events,
            "{stem}: the processes summary counts every event"
        );
    }
}

/// How many times each of `needles` occurs in `page`.
fn occurrences<'a>(page: &str, needles: &[&'a str]) -> BTreeMap<&'a str, usize> {
    needles
        .iter()
        .map(|n| (*n, page.matches(n).count()))
        .collect()
}

#[test]
fn report_pages_show_the_incidents_and_their_charts() {
    let dir = scratch("report");
    for capture in captures() {
        let (file, stem) = (capture.to_str().unwrap(), stem(capture));
        let incidents = pml_json(&["analyze", "--json", file])["incidents"]
            .as_array()
            .unwrap()
            .len();
        let html = dir.join(format!("{stem}.html"));
        pml(&["report", file, "-o", html.to_str().unwrap()]);
        let page = std::fs::read_to_string(&html).unwrap();
        assert!(
            page.starts_with("<!DOCTYPE html>") && page.trim_end().ends_with("</html>"),
            "{stem}"
        );
        let tags = occurrences(
            &page,
            &[
                "<section",
                "</section>",
                "<svg",
                "</svg>",
                "<table",
                "</table>",
            ],
        );
        assert_eq!(
            tags["<section"], tags["</section>"],
            "{stem}: sections close"
        );
        assert_eq!(tags["<svg"], tags["</svg>"], "{stem}: SVGs close");
        assert_eq!(tags["<table"], tags["</table>"], "{stem}: tables close");
        assert!(
            page.contains(&format!("<h2>Incidents ({incidents})</h2>")),
            "{stem}: the page counts the {incidents} incidents of analyze"
        );
        assert_eq!(
            page.matches("<svg class=\"histogram\"").count(),
            1,
            "{stem}: the activity chart"
        );
        assert_eq!(
            page.matches("<svg class=\"timeline\"").count(),
            incidents.min(100),
            "{stem}: a timeline per incident drawn"
        );
    }
}

#[test]
fn filter_keeping_everything_copies_every_event() {
    let dir = scratch("filter");
    for capture in captures() {
        let (file, stem) = (capture.to_str().unwrap(), stem(capture));
        let info = pml_json(&["info", "--json", file]);
        let copy = dir.join(format!("{stem}.pml"));
        pml(&[
            "filter",
            file,
            "-o",
            copy.to_str().unwrap(),
            "--exclude",
            "Process Name is no-such-process.exe",
        ]);
        let again = pml_json(&["info", "--json", copy.to_str().unwrap()]);
        assert_eq!(again["events"], info["events"], "{stem}: every event kept");
        assert_eq!(again["event_classes"], info["event_classes"], "{stem}");
    }
}
