//! Salvage of captures that were not closed cleanly or were cut off.

use pml_testkit as common;

use pml_parser::{Capture, ErrorKind, OpenOptions};

/// Zeroes the header's table offsets, as in a capture ProcMon never finished writing.
fn unclosed(mut data: Vec<u8>) -> Vec<u8> {
    data[0x248..0x268].fill(0);
    data[0x3A0..0x3A8].fill(0);
    data
}

/// (offset, length) of each event record of a cleanly closed capture.
fn records(capture: &Capture) -> Vec<(u64, Vec<u8>)> {
    capture
        .events()
        .map(|e| {
            let e = e.unwrap();
            let mut bytes = e.header_bytes().to_vec();
            bytes.extend_from_slice(e.stack_bytes());
            bytes.extend_from_slice(e.detail_bytes());
            bytes.extend_from_slice(e.extra_bytes().unwrap().unwrap_or_default());
            (e.offset(), bytes)
        })
        .collect()
}

#[test]
fn strict_open_names_an_unclosed_capture() {
    let Some(dir) = common::samples_dir() else {
        return;
    };
    let data = unclosed(common::sample_bytes(&dir, "unity-basic-64bit"));
    let err = Capture::from_bytes(data).unwrap_err();
    assert!(
        matches!(err.kind(), ErrorKind::NotClosedCleanly { .. }),
        "{err}"
    );
    assert!(err.to_string().contains("not closed cleanly"), "{err}");
}

#[test]
fn salvage_recovers_every_event_of_an_unclosed_capture() {
    let Some(dir) = common::samples_dir() else {
        return;
    };
    for name in [
        "unity-basic-64bit",
        "process-64bit",
        "filesystem-32bit",
        "mixed-64bit",
    ] {
        let data = common::sample_bytes(&dir, name);
        let original = records(&Capture::from_bytes(data.clone()).unwrap());
        let salvaged = OpenOptions::new()
            .salvage(true)
            .from_bytes(unclosed(data))
            .unwrap();
        let report = salvaged.salvage_report().expect("salvaged").clone();
        assert!(report.tables_missing);
        assert_eq!(report.events, original.len() as u64, "{name}");
        assert_eq!(records(&salvaged), original, "{name}");
        // Every event's process was rebuilt, with real names where a Process Create/Start exists.
        assert!(salvaged.events().all(|e| e.unwrap().process().is_some()));
    }
}

#[test]
fn salvage_of_a_cut_capture_recovers_every_event_before_the_cut() {
    let Some(dir) = common::samples_dir() else {
        return;
    };
    let data = common::sample_bytes(&dir, "process-64bit");
    let original = records(&Capture::from_bytes(data.clone()).unwrap());
    let events_end = original.last().map(|(o, b)| o + b.len() as u64).unwrap() as usize;
    for step in 1..=40 {
        let cut = 0x3A8 + (events_end - 0x3A8) * step / 40;
        let capture = OpenOptions::new()
            .salvage(true)
            .from_bytes(data[..cut].to_vec())
            .unwrap();
        let whole: Vec<_> = original
            .iter()
            .filter(|(o, b)| *o as usize + b.len() <= cut)
            .cloned()
            .collect();
        let got = records(&capture);
        assert_eq!(got.len(), whole.len(), "cut at {cut:#x}");
        assert_eq!(got, whole, "cut at {cut:#x}");
        let report = capture.salvage_report().unwrap();
        let last_end = whole.last().map_or(0x3A8, |(o, b)| *o as usize + b.len());
        assert_eq!(
            report.unreadable_bytes,
            (cut - last_end) as u64,
            "cut at {cut:#x}"
        );
    }
}

/// Our own captures are always there: cut `testdata/seed-race.pml` (written by `pml synth`) at many
/// points, with and without its tables, and recover every whole event before each cut.
#[test]
fn salvage_recovers_synthesized_captures_cut_anywhere() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../testdata/seed-race.pml");
    let data = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let original = records(&Capture::from_bytes(data.clone()).unwrap());
    let events_end = original.last().map(|(o, b)| o + b.len() as u64).unwrap() as usize;
    let mut recovered = 0usize;
    let mut expected = 0usize;
    for step in 0..=60 {
        let cut = 0x3A8 + (events_end - 0x3A8) * step / 60;
        for data in [data[..cut].to_vec(), unclosed(data[..cut].to_vec())] {
            let capture = OpenOptions::new().salvage(true).from_bytes(data).unwrap();
            let whole: Vec<_> = original
                .iter()
                .filter(|(o, b)| *o as usize + b.len() <= cut)
                .cloned()
                .collect();
            let got = records(&capture);
            assert_eq!(got, whole, "cut at {cut:#x}");
            recovered += got.len();
            expected += whole.len();
        }
    }
    assert_eq!(recovered, expected);
}
