//! Compares pml's rendering of a capture with the CSV that ProcMon exported from it.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::Read;
use std::path::Path;

use pml_parser::{Capture, Column, ColumnRenderer, Event};

/// Agreement of one group of cells.
#[derive(Debug, Default, Clone)]
pub struct Tally {
    /// Cells compared.
    pub rows: u64,
    /// Cells equal to ProcMon's.
    pub equal: u64,
    /// First differing example: (event index, want, got).
    pub example: Option<(u64, String, String)>,
}

impl Tally {
    fn add(&mut self, index: u64, want: &str, got: &str) {
        self.rows += 1;
        if want == got {
            self.equal += 1;
        } else if self.example.is_none() {
            self.example = Some((index, want.to_string(), got.to_string()));
        }
    }
}

/// Agreement per column and per (column, Event Class/Operation).
#[derive(Debug, Default)]
pub struct Report {
    /// Per column name.
    pub per_column: BTreeMap<String, Tally>,
    /// Per (column, Event Class or Operation).
    pub per_operation: BTreeMap<(String, String), Tally>,
}

/// Reads `dir/name.golden.csv.gz`: header row and records.
pub fn golden_rows(dir: &Path, name: &str) -> (Vec<String>, Vec<Vec<String>>) {
    let path = dir.join(format!("{name}.golden.csv.gz"));
    let file = std::fs::File::open(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut text = Vec::new();
    flate2::read::GzDecoder::new(file)
        .read_to_end(&mut text)
        .unwrap();
    let text = text.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&text);
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .from_reader(text);
    let header = reader
        .headers()
        .unwrap()
        .iter()
        .map(str::to_string)
        .collect();
    let rows = reader
        .records()
        .map(|r| r.unwrap().iter().map(str::to_string).collect())
        .collect();
    (header, rows)
}

/// Renders `column` of `event`, or returns `false` for a header pml does not know.
pub fn render_column(
    renderer: &ColumnRenderer,
    event: &Event<'_>,
    column: &str,
    out: &mut String,
) -> bool {
    match Column::from_name(column) {
        Some(c) => {
            renderer.write(event, c, out);
            true
        }
        None => false,
    }
}

/// Compares every cell pml can render with the golden CSV, times in UTC.
pub fn compare(capture: &Capture, header: &[String], rows: &[Vec<String>]) -> Report {
    compare_with(capture, &ColumnRenderer::new(capture), header, rows)
}

/// Compares every cell `renderer` renders with the golden CSV.
pub fn compare_with(
    capture: &Capture,
    renderer: &ColumnRenderer,
    header: &[String],
    rows: &[Vec<String>],
) -> Report {
    assert_eq!(
        rows.len() as u64,
        capture.event_count(),
        "golden rows vs events"
    );
    let class_col = header.iter().position(|h| h == "Event Class");
    let op_col = header.iter().position(|h| h == "Operation");
    let mut report = Report::default();
    let mut got = String::new();
    for (event, row) in capture.events().zip(rows) {
        let event = event.unwrap();
        let group = format!(
            "{}/{}",
            class_col.map_or("", |c| row[c].as_str()),
            op_col.map_or("", |c| row[c].as_str())
        );
        for (column, want) in header.iter().zip(row) {
            got.clear();
            if !render_column(renderer, &event, column, &mut got) {
                continue;
            }
            report
                .per_column
                .entry(column.clone())
                .or_default()
                .add(event.index(), want, &got);
            report
                .per_operation
                .entry((column.clone(), group.clone()))
                .or_default()
                .add(event.index(), want, &got);
        }
    }
    report
}

impl Report {
    /// The per-column and per-operation tables, markdown.
    pub fn to_markdown(&self, only_differences: bool) -> String {
        let mut s = String::from("| column | rows | equal | % | first difference (event: want / got) |\n|---|---:|---:|---:|---|\n");
        for (column, t) in &self.per_column {
            row(&mut s, column, t);
        }
        s.push_str("\n| column | class/operation | rows | equal | % | first difference (event: want / got) |\n|---|---|---:|---:|---:|---|\n");
        for ((column, group), t) in &self.per_operation {
            if only_differences && t.rows == t.equal {
                continue;
            }
            row(&mut s, &format!("{column} | {group}"), t);
        }
        s
    }
}

fn row(s: &mut String, label: &str, t: &Tally) {
    let pct = if t.rows == 0 {
        100.0
    } else {
        100.0 * t.equal as f64 / t.rows as f64
    };
    let example = t
        .example
        .as_ref()
        .map(|(i, w, g)| {
            let clip = |x: &str| {
                x.chars()
                    .take(90)
                    .collect::<String>()
                    .replace('|', "\\|")
                    .replace(['\r', '\n'], "⏎")
            };
            format!("{i}: `{}` / `{}`", clip(w), clip(g))
        })
        .unwrap_or_default();
    let _ = writeln!(
        s,
        "| {label} | {} | {} | {pct:.2} | {example} |",
        t.rows, t.equal
    );
}
