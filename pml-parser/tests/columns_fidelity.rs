//! Every cell of the columns other than Path, Detail and Category, compared with the CSV that
//! ProcMon exported from the same capture. Fails when a column's agreement drops below the
//! committed floor: the full row count, except for the documented exceptions (docs/fidelity.md).

use pml_testkit as common;

use pml_parser::{ColumnRenderer, TimeZoneSpec};

use pml_testkit::golden;

/// Columns whose rendering belongs to the event-class renderers, checked elsewhere.
const NOT_HERE: &[&str] = &["Path", "Detail", "Category"];

/// Columns below 100%, with the number of equal cells measured (none: every cell agrees).
const FLOORS: &[(&str, &str, u64)] = &[];

/// Compares `name`, rendered in `zone`, and returns the number of cells checked.
fn check(name: &str, zone: &str, expected_columns: usize) -> u64 {
    let Some(dir) = common::samples_dir() else {
        return 0;
    };
    let capture = common::open_sample(&dir, name);
    let renderer = ColumnRenderer::new(&capture).with_time_zone(TimeZoneSpec::parse(zone).unwrap());
    let (header, rows) = golden::golden_rows(&dir, name);
    let report = golden::compare_with(&capture, &renderer, &header, &rows);
    let mut failures = Vec::new();
    let mut checked = 0;
    let mut columns = 0;
    for (column, tally) in &report.per_column {
        if NOT_HERE.contains(&column.as_str()) {
            continue;
        }
        columns += 1;
        checked += tally.rows;
        assert_eq!(tally.rows, capture.event_count(), "{name}/{column}: rows");
        let floor = FLOORS
            .iter()
            .find(|(capture, c, _)| *capture == name && c == column)
            .map_or(tally.rows, |&(_, _, floor)| floor);
        if tally.equal < floor {
            failures.push(format!(
                "{column}: {} of {} equal, floor {floor}; first difference {:?}",
                tally.equal, tally.rows, tally.example
            ));
        } else if tally.equal > floor {
            eprintln!(
                "{name}/{column}: {} equal, above the floor {floor}: raise it",
                tally.equal
            );
        }
    }
    assert!(
        failures.is_empty(),
        "{name} ({zone}):\n{}",
        failures.join("\n")
    );
    assert_eq!(columns, expected_columns, "{name}: columns compared");
    checked
}

#[test]
fn mixed_64bit() {
    check("mixed-64bit", "UTC", 24);
}

#[test]
fn mixed_32bit() {
    check("mixed-32bit", "UTC", 24);
}

#[test]
fn filesystem_32bit() {
    check("filesystem-32bit", "UTC", 24);
}

#[test]
fn filesystem_64bit() {
    check("filesystem-64bit", "UTC", 24);
}

#[test]
fn process_64bit() {
    check("process-64bit", "UTC", 24);
}

#[test]
fn registry_64bit() {
    check("registry-64bit", "UTC", 24);
}

/// Exported in UTC+1 with 12 columns and LF line ends.
#[test]
fn unity_basic_64bit_in_utc_plus_one() {
    check("unity-basic-64bit", "+01:00", 9);
}

/// The same capture through the tz database: it was taken in winter, when Berlin is UTC+1.
#[test]
fn unity_basic_64bit_in_europe_berlin() {
    check("unity-basic-64bit", "Europe/Berlin", 9);
}

/// PML version 7 (ProcMon 2.8 on Windows XP), exported with ProcMon's 7 default columns in the
/// capture machine's zone, UTC-5.
#[test]
fn noriben_v7_32bit_in_utc_minus_five() {
    check("noriben-v7-32bit", "-05:00", 5);
}

/// The comparison can fail: in the wrong zone no Time of Day agrees.
#[test]
fn a_wrong_zone_disagrees() {
    let Some(dir) = common::samples_dir() else {
        return;
    };
    let capture = common::open_sample(&dir, "unity-basic-64bit");
    let renderer =
        ColumnRenderer::new(&capture).with_time_zone(TimeZoneSpec::parse("UTC").unwrap());
    let (header, rows) = golden::golden_rows(&dir, "unity-basic-64bit");
    let report = golden::compare_with(&capture, &renderer, &header, &rows);
    let time = &report.per_column["Time of Day"];
    assert_eq!((time.rows, time.equal), (324, 0));
    assert_eq!(report.per_column["Duration"].equal, 324);
}
