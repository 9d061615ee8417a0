//! A capture split over two files (as ProcMon rolls `X.PML` into `X-1.PML`) analyzes exactly like
//! the whole capture, with the same global event indices.

use std::io::Cursor;
use std::path::Path;

use pml_analyzer::{analyze, Options};
use pml_parser::writer::{copy_event, process_record, system_info, PmlWriter};
use pml_parser::{Capture, SplitCapture};

/// Writes events `range` of `capture` as a capture of its own, with the whole process table.
fn part(capture: &Capture, range: std::ops::Range<u64>) -> Capture {
    let mut writer =
        PmlWriter::new(Cursor::new(Vec::new()), system_info(capture.header())).unwrap();
    for p in capture.processes().iter() {
        writer.add_process(process_record(p));
    }
    for event in capture.events_in(range) {
        copy_event(&mut writer, &event.unwrap()).unwrap();
    }
    Capture::from_bytes(writer.finish().unwrap().into_inner()).unwrap()
}

#[test]
fn split_scenarios_analyze_like_the_whole() {
    for scenario in [
        "seed-race",
        "antivirus-lock",
        "pid-reuse",
        "unmatched-opens",
    ] {
        let path =
            Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("../testdata/{scenario}.pml"));
        let whole = SplitCapture::from(Capture::open(&path).unwrap());
        let n = whole.event_count();
        let options = Options::default();
        let expected = serde_json::to_value(analyze(&whole, &options)).unwrap();
        let findings = |key: &str| expected[key].as_array().unwrap().len();
        assert!(
            findings("unmatched_opens") + findings("incidents") > 0,
            "{scenario}"
        );
        // Cut at a third and at two thirds, so the story spans the parts.
        for cut in [n / 3, 2 * n / 3] {
            let whole = whole.part(0).unwrap().capture();
            let (a, b) = (part(whole, 0..cut), part(whole, cut..n));
            // In either order: the parts are put in time order.
            let split = SplitCapture::from_captures(vec![b, a]);
            let got = serde_json::to_value(analyze(&split, &options)).unwrap();
            for key in [
                "incidents",
                "unmatched_opens",
                "sharing_violations",
                "inherited_handles",
            ] {
                assert_eq!(got[key], expected[key], "{scenario} cut at {cut}: {key}");
            }
        }
    }
}
