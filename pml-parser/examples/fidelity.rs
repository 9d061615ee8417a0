//! Prints how closely pml's columns match ProcMon's own CSV exports of the shared samples.
//!
//! `cargo run -p pml-parser --example fidelity [--all | --summary | --builds]
//! [--procmon-build BUILD] [SAMPLE...]`
//!
//! By default: per capture, the ProcMon build detected, the per-column table and the (column,
//! class/operation) groups that differ (`--all`: every group). `--summary`: one table, a row
//! per column and a column per capture, as in docs/fidelity.md. `--builds`: the build detected
//! in each capture and its evidence. `--procmon-build 3.4`: render as that build instead.

use std::collections::BTreeMap;

use pml_parser::{Column, ColumnRenderer, ProcmonBuild, TimeZoneSpec};

use pml_testkit as common;
use pml_testkit::golden;

/// The captures with a golden CSV, and the time zone ProcMon exported each in.
const GOLDEN: &[(&str, &str)] = &[
    ("mixed-64bit", "UTC"),
    ("mixed-32bit", "UTC"),
    ("filesystem-32bit", "UTC"),
    ("filesystem-64bit", "UTC"),
    ("process-64bit", "UTC"),
    ("registry-64bit", "UTC"),
    ("unity-basic-64bit", "+01:00"),
    // PML version 7, exported in the capture machine's zone: 8:16 PM local is 01:16 UTC.
    ("noriben-v7-32bit", "-05:00"),
];

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let all = args.iter().any(|a| a == "--all");
    let summary = args.iter().any(|a| a == "--summary");
    let builds = args.iter().any(|a| a == "--builds");
    let forced: Option<ProcmonBuild> = args
        .iter()
        .position(|a| a == "--procmon-build")
        .map(|i| args.get(i + 1).expect("--procmon-build BUILD"))
        .map(|b| b.parse().unwrap_or_else(|e| panic!("{e}")));
    let names: Vec<&str> = args
        .iter()
        .enumerate()
        .filter(|(i, a)| !a.starts_with("--") && (*i == 0 || args[i - 1] != "--procmon-build"))
        .map(|(_, a)| a.as_str())
        .collect();
    let Some(dir) = common::samples_dir() else {
        std::process::exit(1);
    };
    let mut table: BTreeMap<Column, Vec<String>> = BTreeMap::new();
    let mut captures = Vec::new();
    if builds {
        println!("| capture | rendered as | captured by | evidence |\n|---|---|---|---|");
    }
    for &(name, zone) in GOLDEN {
        if !names.is_empty() && !names.contains(&name) {
            continue;
        }
        let capture = common::open_sample(&dir, name);
        let detected = capture.procmon_build();
        if builds {
            println!(
                "| {name} | {} | {} | {} |",
                detected.build,
                detected.captured_by.as_deref().unwrap_or("–"),
                detected.evidence
            );
            continue;
        }
        let mut renderer = ColumnRenderer::new(&capture)
            .with_time_zone(TimeZoneSpec::parse(zone).expect("known zone"));
        if let Some(build) = forced {
            renderer = renderer.with_procmon_build(build);
        }
        let (header, rows) = golden::golden_rows(&dir, name);
        let report = golden::compare_with(&capture, &renderer, &header, &rows);
        if !summary {
            println!(
                "## {name} ({zone}, ProcMon {} from {})\n\n{}",
                renderer.procmon_build(),
                detected.evidence,
                report.to_markdown(!all)
            );
            continue;
        }
        for column in Column::ALL {
            let cell = match report.per_column.get(column.name()) {
                Some(t) if t.equal == t.rows => format!("{} (100%)", t.rows),
                Some(t) => format!(
                    "{}/{} ({:.2}%)",
                    t.equal,
                    t.rows,
                    100.0 * t.equal as f64 / t.rows.max(1) as f64
                ),
                None => "–".to_string(),
            };
            table.entry(column).or_default().push(cell);
        }
        captures.push(name);
    }
    if summary {
        println!("| column | {} |", captures.join(" | "));
        println!("|---|{}", "---:|".repeat(captures.len()));
        for (column, cells) in table {
            println!("| {} | {} |", column.name(), cells.join(" | "));
        }
    }
}
