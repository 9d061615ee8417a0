//! ProcMon's XML written by the export and read back: every cell equals the CSV export's, and
//! a plain ElementTree reader (Python, as the sandboxes' ProcMon parsers use) reads it.

use std::path::{Path, PathBuf};

use pml_analyzer::filter::Filter;
use pml_analyzer::Query;
use pml_export::{Export, Format};
use pml_import::{Row, XmlRows};
use pml_parser::{Capture, Column, SplitCapture};
use pml_testkit::{open_sample, samples_dir, TempDir};

/// The CSV export's cells (27 columns) and the XML export's, read back, side by side.
fn check(capture: Capture, label: &str, dir: &TempDir) -> PathBuf {
    let split = SplitCapture::from(capture);
    let query = Query::new(&split, &Filter::default());
    let export = Export::new(&query)
        .columns(Column::ALL.to_vec())
        .stacks(true);
    let xml = dir.join(&format!("{label}.xml"));
    let csv = dir.join(&format!("{label}.csv"));
    let written = export.write_file(Format::Xml, &xml).unwrap();
    export.write_file(Format::Csv, &csv).unwrap();
    let mut cells = csv::ReaderBuilder::new()
        .from_path(&csv)
        .unwrap()
        .into_records();
    let file = std::io::BufReader::new(std::fs::File::open(&xml).unwrap());
    let mut rows = XmlRows::new(file).unwrap();
    let processes = rows.processes.len();
    let want_processes: usize = split.captures().map(|c| c.processes().len()).sum();
    assert_eq!(processes, want_processes, "{label}: processes");
    let mut row = Row::default();
    let mut events = 0u64;
    let mut frames = 0usize;
    while rows.next_row(&mut row).unwrap() {
        let record = cells.next().expect("as many CSV rows").unwrap();
        for (i, column) in Column::ALL.iter().enumerate() {
            assert_eq!(
                row.get(*column),
                Some(&record[i]),
                "{label}: event {events}, column {}",
                column.name()
            );
        }
        let event = split.event(events).unwrap().unwrap();
        assert_eq!(row.process_index, Some(event.process_index()));
        assert_eq!(row.frames, event.stack().collect::<Vec<_>>());
        frames += row.frames.len();
        events += 1;
    }
    assert!(cells.next().is_none(), "{label}: CSV rows left");
    assert_eq!(events, written.events);
    eprintln!("{label}: {events} events, {processes} processes, {frames} stack frames equal");
    xml
}

fn testdata(name: &str) -> Capture {
    Capture::open(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(format!("../testdata/{name}.pml")))
        .unwrap()
}

#[test]
fn xml_reads_back_equal_to_the_csv_export() {
    let dir = TempDir::new("xml-testdata");
    for name in ["seed-race", "pid-reuse", "antivirus-lock"] {
        check(testdata(name), name, &dir);
    }
    let Some(samples) = samples_dir() else { return };
    for name in [
        "process-64bit",
        "mixed-32bit",
        "filesystem-64bit",
        "unity-basic-64bit",
    ] {
        check(open_sample(&samples, name), name, &dir);
    }
}

/// Reads the XML with Python's ElementTree as Cuckoo's ProcMon module does (iterparse, one dict
/// of child texts per `<event>`) and checks every event against the CSV export's cells.
const ELEMENT_TREE: &str = r#"
import csv, sys, xml.etree.ElementTree as ET
xml_path, csv_path = sys.argv[1], sys.argv[2]
with open(csv_path, encoding="utf-8-sig", newline="") as f:
    rows = list(csv.DictReader(f))
processes = 0
events = 0
for _, element in ET.iterparse(xml_path, events=["end"]):
    if element.tag == "process":
        processes += 1
    if element.tag != "event":
        continue
    entry = {child.tag: (child.text or "") for child in element}
    want = rows[events]
    for name, value in want.items():
        tag = name.replace(" & ", "_and_").replace(" ", "_")
        if entry.get(tag) != value:
            sys.exit(f"event {events} {tag}: {entry.get(tag)!r} != {value!r}")
    events += 1
    element.clear()
if events != len(rows):
    sys.exit(f"{events} events, {len(rows)} CSV rows")
print(processes, events)
"#;

fn python() -> Option<PathBuf> {
    let ok = std::process::Command::new("python3")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    ok.then(|| PathBuf::from("python3"))
}

fn element_tree(xml: &Path, csv: &Path) -> String {
    let out = std::process::Command::new(python().unwrap())
        .args(["-c", ELEMENT_TREE])
        .arg(xml)
        .arg(csv)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "ElementTree: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn python_element_tree_reads_the_xml() {
    if python().is_none() {
        eprintln!("SKIPPED: python3 is not installed");
        return;
    }
    let dir = TempDir::new("xml-python");
    let xml = check(testdata("seed-race"), "seed-race", &dir);
    let counted = element_tree(&xml, &dir.join("seed-race.csv"));
    let events = testdata("seed-race").event_count();
    assert!(counted.trim().ends_with(&format!(" {events}")), "{counted}");
    let Some(samples) = samples_dir() else { return };
    let xml = check(open_sample(&samples, "mixed-64bit"), "mixed-64bit", &dir);
    let counted = element_tree(&xml, &dir.join("mixed-64bit.csv"));
    eprintln!("ElementTree read mixed-64bit: {counted}");
}
