//! The analyzer on real ProcMon captures (`../shared/pml-samples` beside the repository, or
//! `$PML_SAMPLES`): its CreateFile/CloseFile counts agree with the CSV ProcMon exported from the
//! same capture, and every open is accounted for exactly once.

use pml_testkit as common;

use pml_analyzer::{analyze, volume_letters, Analysis, Options};
use pml_parser::{Capture, SplitCapture};

/// Counts of (`CreateFile` with SUCCESS, `CloseFile`) rows in a golden CSV, from its
/// Operation and Result columns.
fn golden_counts(csv: &str) -> (u64, u64) {
    let mut lines = csv.lines();
    let header = split(
        lines
            .next()
            .unwrap_or_default()
            .trim_start_matches('\u{feff}'),
    );
    let op = header.iter().position(|h| h == "Operation").unwrap();
    let result = header.iter().position(|h| h == "Result").unwrap();
    let (mut opens, mut closes) = (0, 0);
    for line in lines {
        let row = split(line);
        match (row.get(op).map(String::as_str), row.get(result)) {
            (Some("CreateFile"), Some(r)) if r == "SUCCESS" => opens += 1,
            (Some("CloseFile"), _) => closes += 1,
            _ => {}
        }
    }
    (opens, closes)
}

/// The leading fields of a CSV line whose fields are all quoted (enough for the first columns).
fn split(line: &str) -> Vec<String> {
    line.split("\",\"")
        .map(|f| f.trim_matches(|c| c == '"' || c == '\r').to_string())
        .collect()
}

/// The accounting holds over every event, ProcMon's own activity included.
fn every_event() -> Options {
    Options {
        include_procmon: true,
        ..Options::default()
    }
}

fn check_accounting(name: &str, r: &Analysis) {
    let p = &r.summary.pairing;
    let e = r.summary.events.expect("event counts");
    assert_eq!(p.opens, e.create_file_success, "{name}");
    assert_eq!(
        e.close_file,
        p.closes_same_process
            + p.closes_by_descendant
            + p.closes_by_unrelated
            + p.closes_without_open,
        "{name}: every CloseFile is paired or counted as without open"
    );
    let never_closed = r
        .unmatched_opens
        .iter()
        .filter(|u| u.close.is_none())
        .count() as u64;
    assert_eq!(
        p.opens,
        p.closes_same_process + p.closes_by_descendant + p.closes_by_unrelated + never_closed,
        "{name}: every open is closed once or left open"
    );
}

#[test]
fn counts_agree_with_procmon_and_every_open_is_accounted_for() {
    let Some(dir) = common::samples_dir() else {
        return;
    };
    for name in [
        "mixed-64bit",
        "mixed-32bit",
        "unity-basic-64bit",
        "filesystem-64bit",
    ] {
        let capture = SplitCapture::from(
            Capture::from_bytes(common::gunzip(&dir.join(format!("{name}.pml.gz")))).unwrap(),
        );
        let report = analyze(&capture, &every_event());
        let csv =
            String::from_utf8(common::gunzip(&dir.join(format!("{name}.golden.csv.gz")))).unwrap();
        let (opens, closes) = golden_counts(&csv);
        let e = report.summary.events.unwrap();
        assert_eq!(
            (e.create_file_success, e.close_file),
            (opens, closes),
            "{name}"
        );
        assert_eq!(e.events, capture.event_count());
        check_accounting(name, &report);
        // None of these captures has a SHARING VIOLATION or a Process Create racing an open.
        assert!(report.sharing_violations.is_empty(), "{name}");
        assert!(report.incidents.is_empty(), "{name}");
    }
}

#[test]
fn mixed_64bit_shows_which_letter_its_system_volume_has() {
    let Some(dir) = common::samples_dir() else {
        return;
    };
    // Its registry names `\Device\HarddiskVolume4\Windows\System32\notepad.exe` (the
    // Background Activity Moderator's values), and its process table has notepad.exe at
    // `C:\Windows\System32\notepad.exe`. `HKLM\SYSTEM\Setup\SystemPartition` names
    // `\Device\HarddiskVolume2`, with no path under it: no letter.
    let capture = SplitCapture::from(
        Capture::from_bytes(common::gunzip(&dir.join("mixed-64bit.pml.gz"))).unwrap(),
    );
    let map = volume_letters(&capture);
    assert_eq!(map.letters().collect::<Vec<_>>(), [(4, b'C')]);
    assert!(map.ambiguous().is_empty());
    // No file event names a device path: the analysis has nothing to pair and does not read the
    // capture a second time for evidence.
    let report = analyze(&capture, &Options::default());
    assert!(report.summary.volume_letters.is_empty());
    for name in ["mixed-32bit", "registry-64bit", "filesystem-64bit"] {
        let capture = SplitCapture::from(
            Capture::from_bytes(common::gunzip(&dir.join(format!("{name}.pml.gz")))).unwrap(),
        );
        assert!(volume_letters(&capture).is_empty(), "{name}");
    }
}

#[test]
fn win11_fileio_pairs_every_close_in_its_own_process() {
    let Some(dir) = common::samples_dir() else {
        return;
    };
    let capture = SplitCapture::from(
        Capture::from_bytes(common::gunzip(&dir.join("win11-fileio-64bit.pml.gz"))).unwrap(),
    );
    let report = analyze(&capture, &every_event());
    check_accounting("win11-fileio", &report);
    let p = &report.summary.pairing;
    assert_eq!(
        p.closes_same_process,
        report.summary.events.unwrap().close_file
    );
    // IRP_MJ_CLOSE is counted but never paired.
    assert!(report.summary.events.unwrap().irp_mj_close > 0);
    assert!(report.incidents.is_empty());
}
