//! A capture file cut by another program while it is open: reading its events does not raise
//! SIGBUS (Linux); the lost bytes read as zeros, their events are unreadable, and the capture
//! says it was truncated.
#![cfg(target_os = "linux")]

use pml_parser::writer::SystemInfo;
use pml_parser::{Capture, SplitCapture};
use pml_testkit::build::CaptureBuilder;
use pml_testkit::TempDir;

fn write_capture(path: &std::path::Path, n: u64) {
    let mut capture = CaptureBuilder::create(path, SystemInfo::default());
    let process = capture.named_process(10, "a.exe");
    for i in 0..n {
        capture.close(process, &format!("C:\\dir\\file{i}.txt"));
    }
    capture.finish();
}

#[test]
fn a_capture_cut_while_open_reads_zeros_and_says_so() {
    let dir = TempDir::new("truncated-while-reading");
    let path = dir.join("cut.pml");
    let n = 20_000;
    write_capture(&path, n);
    let capture = Capture::open(&path).unwrap();
    assert!(!capture.truncated_while_reading());
    let len = std::fs::metadata(&path).unwrap().len();
    std::fs::OpenOptions::new()
        .write(true)
        .open(&path)
        .unwrap()
        .set_len(len / 3)
        .unwrap();
    // Without the guard this loop dies of SIGBUS: the offsets array and most events are gone.
    let readable = capture.events().filter(|e| e.is_ok()).count() as u64;
    assert!(
        readable < n,
        "{readable} of {n} events read from a cut file"
    );
    assert!(capture.truncated_while_reading());
    assert!(pml_parser::guard::any_capture_truncated());
    let split = SplitCapture::from_captures(vec![capture]);
    assert!(split.partial());
    // A capture opened after the cut is not marked: its map ends at the file's end.
    let after = pml_parser::OpenOptions::new()
        .salvage(true)
        .open(&path)
        .unwrap();
    let _ = after.events().count();
    assert!(!after.truncated_while_reading());
}
