//! Captures at the edges of what ProcMon records: paths of 32,767 characters (the most a PML
//! can hold) and tens of thousands of processes. Every command reads them whole; the figures at
//! larger sizes are in docs/robustness.md (`scripts/limits.sh`).

use std::path::Path;
use std::process::Output;

use pml_parser::writer::SystemInfo;
use pml_testkit::build::CaptureBuilder;
use pml_testkit::TempDir;
use serde_json::Value;

fn pml(args: &[&str]) -> Output {
    pml_testkit::succeed(env!("CARGO_BIN_EXE_pml"), args)
}

/// A path of 32,767 UTF-16 units, the longest a PML event holds, starting `C:\TAG\`.
fn longest_path(tag: char) -> String {
    let head = format!("C:\\{tag}\\");
    head.clone() + &"d".repeat(0x7fff - head.len())
}

#[test]
fn paths_of_32767_characters_come_out_whole() {
    let dir = TempDir::new("limits-long-paths");
    let file = dir.join("long.pml");
    let mut capture = CaptureBuilder::create(&file, SystemInfo::default());
    let tool = capture.named_process(100, "tool.exe");
    let paths: Vec<String> = ['a', 'b', 'c'].into_iter().map(longest_path).collect();
    for path in &paths {
        assert_eq!(path.len(), 0x7fff);
        capture.open(tool, path);
    }
    capture.close(tool, &paths[0]);
    capture.finish();
    let file = file.to_str().unwrap();

    let csv = pml(&["events", file, "--format", "csv", "--columns", "Path"]).stdout;
    let csv = String::from_utf8(csv).unwrap();
    for path in &paths {
        assert!(csv.contains(path.as_str()), "the CSV holds the whole path");
    }
    let analysis: Value =
        serde_json::from_slice(&pml(&["analyze", "--json", file]).stdout).unwrap();
    let unmatched: Vec<&str> = analysis["unmatched_opens"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["path"].as_str().unwrap())
        .collect();
    assert_eq!(unmatched, [paths[1].as_str(), paths[2].as_str()]);
    let files = pml(&["summary", "files", file, "--format", "csv"]).stdout;
    assert!(String::from_utf8(files).unwrap().contains(&paths[2]));
    let table = pml(&["events", file]).stdout;
    assert!(String::from_utf8(table).unwrap().contains(&paths[1]));
}

/// A capture of `processes` processes that each open and close one file of their own.
fn many_processes(file: &Path, processes: u32) {
    let mut capture = CaptureBuilder::create(file, SystemInfo::default());
    for pid in 0..processes {
        let process = capture.named_process(4 * pid + 8, &format!("worker{pid}.exe"));
        let path = format!("C:\\work\\{pid}.tmp");
        capture.open(process, &path);
        capture.close(process, &path);
    }
    capture.finish();
}

#[test]
fn fifty_thousand_processes_are_all_counted() {
    let dir = TempDir::new("limits-processes");
    let file = dir.join("processes.pml");
    let n = 50_000;
    many_processes(&file, n);
    let file = file.to_str().unwrap();

    let info: Value = serde_json::from_slice(&pml(&["info", "--json", file]).stdout).unwrap();
    assert_eq!(info["events"], 2 * n as u64);
    assert_eq!(info["processes"], n as u64, "{info}");
    let summary = pml(&["summary", "processes", file, "--format", "jsonl"]).stdout;
    let rows = String::from_utf8(summary).unwrap().lines().count();
    assert_eq!(rows, n as usize, "a summary row per process");
    let analysis: Value =
        serde_json::from_slice(&pml(&["analyze", "--json", file]).stdout).unwrap();
    assert_eq!(analysis["unmatched_opens"].as_array().unwrap().len(), 0);
    let report = dir.join("processes.html");
    pml(&["report", file, "-o", report.to_str().unwrap()]);
}
