//! Every command on every real capture (when `../shared/pml-samples` is there) and on every
//! synthesized scenario: exit status, well-formed output, and agreement between the formats.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

fn pml(args: &[&str]) -> Output {
    let out = Command::new(env!("CARGO_BIN_EXE_pml"))
        .args(args)
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "pml {}: {}",
        args.join(" "),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

fn scratch() -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("all-commands");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// The captures to run on: the scenarios of testdata/, and the real samples decompressed.
fn captures() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut all: Vec<PathBuf> = std::fs::read_dir(root.join("testdata"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "pml"))
        .collect();
    let samples = std::env::var_os("PML_SAMPLES")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("../shared/pml-samples"));
    match std::fs::read_dir(&samples) {
        Ok(dir) => {
            for entry in dir {
                let path = entry.unwrap().path();
                let name = path.file_name().unwrap().to_string_lossy().to_string();
                let Some(stem) = name.strip_suffix(".pml.gz") else {
                    continue;
                };
                let out = scratch().join(format!("{stem}.pml"));
                if !out.exists() {
                    let mut data = Vec::new();
                    flate2::read::GzDecoder::new(std::fs::File::open(&path).unwrap())
                        .read_to_end(&mut data)
                        .unwrap();
                    std::fs::write(&out, data).unwrap();
                }
                all.push(out);
            }
        }
        Err(_) => eprintln!("SKIPPED: real captures (no {})", samples.display()),
    }
    all.sort();
    all
}

fn lines(bytes: &[u8]) -> Vec<&str> {
    std::str::from_utf8(bytes).unwrap().lines().collect()
}

#[test]
fn every_command_on_every_capture() {
    let columns = "Time of Day,Process Name,PID,Operation,Path,Result";
    for capture in captures() {
        let file = capture.to_str().unwrap();
        let stem = capture.file_stem().unwrap().to_string_lossy().to_string();
        let out = |ext: &str| scratch().join(format!("{stem}.out.{ext}"));

        let info: Value = serde_json::from_slice(&pml(&["info", "--json", file]).stdout).unwrap();
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

        let analysis: Value =
            serde_json::from_slice(&pml(&["analyze", "--json", file]).stdout).unwrap();
        for key in [
            "incidents",
            "unmatched_opens",
            "sharing_violations",
            "summary",
        ] {
            assert!(!analysis[key].is_null(), "{stem}: analyze --json has {key}");
        }

        // CSV export and JSON Lines agree cell for cell; events in a pipe agree with both.
        let csv_path = out("csv");
        pml(&[
            "export",
            file,
            "-o",
            csv_path.to_str().unwrap(),
            "--columns",
            columns,
        ]);
        let csv_bytes = std::fs::read(&csv_path).unwrap();
        assert!(
            csv_bytes.starts_with(b"\xEF\xBB\xBF\"Time of Day\""),
            "{stem}: BOM and header"
        );
        let mut reader = csv::Reader::from_reader(&csv_bytes[3..]);
        let rows: Vec<csv::StringRecord> = reader.records().map(|r| r.unwrap()).collect();
        assert_eq!(rows.len() as u64, events, "{stem}: a CSV row per event");

        let jsonl_path = out("jsonl");
        pml(&[
            "export",
            file,
            "-o",
            jsonl_path.to_str().unwrap(),
            "--columns",
            columns,
        ]);
        let jsonl = std::fs::read(&jsonl_path).unwrap();
        let records: Vec<Value> = lines(&jsonl)
            .iter()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        assert_eq!(
            records.len() as u64,
            events,
            "{stem}: a JSON line per event"
        );
        for (row, record) in rows.iter().zip(&records) {
            for (i, column) in columns.split(',').enumerate() {
                assert_eq!(
                    record[column].as_str().unwrap(),
                    &row[i],
                    "{stem}: {column}"
                );
            }
        }
        let piped = pml(&["events", file, "--format", "jsonl", "--columns", columns]).stdout;
        assert_eq!(
            piped, jsonl,
            "{stem}: pml events in a pipe = JSON Lines export"
        );

        let parquet_path = out("parquet");
        pml(&["export", file, "-o", parquet_path.to_str().unwrap()]);
        let parquet = std::fs::read(&parquet_path).unwrap();
        assert!(
            parquet.starts_with(b"PAR1") && parquet.ends_with(b"PAR1"),
            "{stem}: Parquet"
        );

        let processes = pml(&["summary", "processes", file, "--format", "jsonl"]).stdout;
        let summed: u64 = lines(&processes)
            .iter()
            .map(|l| serde_json::from_str::<Value>(l).unwrap())
            .map(|v| v["Events"].as_u64().unwrap())
            .sum();
        assert_eq!(
            summed, events,
            "{stem}: the processes summary counts every event"
        );

        let html = out("html");
        pml(&["report", file, "-o", html.to_str().unwrap()]);
        let page = std::fs::read_to_string(&html).unwrap();
        assert!(
            page.starts_with("<!DOCTYPE html>") && page.trim_end().ends_with("</html>"),
            "{stem}"
        );

        let copy = out("pml");
        pml(&[
            "filter",
            file,
            "-o",
            copy.to_str().unwrap(),
            "--exclude",
            "Process Name is no-such-process.exe",
        ]);
        let again: Value =
            serde_json::from_slice(&pml(&["info", "--json", copy.to_str().unwrap()]).stdout)
                .unwrap();
        assert_eq!(
            again["events"], info["events"],
            "{stem}: filter keeping everything"
        );
        assert_eq!(again["event_classes"], info["event_classes"], "{stem}");
    }
}
