//! A capture file cut by another program while it is open: reading its events does not raise
//! SIGBUS (Linux); the lost bytes read as zeros, their events are unreadable, and the capture
//! says it was truncated.
#![cfg(target_os = "linux")]

use pml_parser::writer::blobs::FsBlob;
use pml_parser::writer::{EventRecord, PmlWriter, SystemInfo};
use pml_parser::{Capture, EventClass, FileTime, Process, SplitCapture};
use pml_testkit::TempDir;

const T0: u64 = 133_500_000_000_000_000;

fn write_capture(path: &std::path::Path, n: u64) {
    let mut w = PmlWriter::create(path, SystemInfo::default()).unwrap();
    w.add_process(Process {
        index: 1,
        pid: 10,
        name: "a.exe".into(),
        ..pml_parser::Process::default()
    });
    let fs = FsBlob::new(true);
    for i in 0..n {
        let blob = fs.close_file(&format!("C:\\dir\\file{i}.txt"));
        w.write_event(&EventRecord {
            process_index: 1,
            tid: 1,
            class: EventClass::FileSystem,
            operation: 38,
            duration: 1,
            time: FileTime(T0 + i),
            result: 0,
            stack: &[],
            detail: &blob.detail,
            extra: blob.extra.as_deref(),
        })
        .unwrap();
    }
    w.finish().unwrap();
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
