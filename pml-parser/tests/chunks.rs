//! How a pass cuts a capture into chunks: contiguous, within one part, at most the asked number
//! of events, and no more than `CHUNK_BYTES` of the file when events are huge.

use pml_parser::pass::{CHUNK_BYTES, CHUNK_EVENTS};
use pml_parser::writer::SystemInfo;
use pml_parser::SplitCapture;
use pml_testkit::build::CaptureBuilder;
use pml_testkit::TempDir;

/// Writes `n` CreateFile/CloseFile pairs on paths of `path_chars` characters.
fn capture_of(dir: &TempDir, name: &str, n: u32, path_chars: usize) -> SplitCapture {
    let file = dir.join(name);
    let mut capture = CaptureBuilder::create(&file, SystemInfo::default());
    let tool = capture.named_process(100, "tool.exe");
    for i in 0..n {
        let head = format!("C:\\{i}\\");
        let path = head.clone() + &"x".repeat(path_chars.saturating_sub(head.len()));
        capture.open(tool, &path);
        capture.close(tool, &path);
    }
    capture.finish();
    SplitCapture::open(&file, Default::default()).unwrap()
}

/// Checks that `chunks` cover the capture's events in order, each within its bounds.
fn check_cover(capture: &SplitCapture, size: u64) -> usize {
    let chunks = capture.chunks(size);
    let part = capture.part(0).unwrap().capture();
    let mut next = 0;
    for chunk in &chunks {
        assert_eq!(chunk.range.start, next, "contiguous");
        assert!(!chunk.range.is_empty() && chunk.len() <= size);
        let first = part.event_offset(chunk.range.start).unwrap();
        let last = part.event_offset(chunk.range.end - 1).unwrap();
        assert!(
            chunk.len() == 1 || last - first < CHUNK_BYTES,
            "{:?} spans {} bytes",
            chunk.range,
            last - first
        );
        next = chunk.range.end;
    }
    assert_eq!(next, capture.event_count(), "every event in a chunk");
    chunks.len()
}

#[test]
fn chunks_of_huge_events_stay_within_the_byte_bound() {
    let dir = TempDir::new("chunks-huge");
    // 64 KB per event: 4,096 of them would span 256 MB.
    let huge = capture_of(&dir, "huge.pml", 600, 0x7fff);
    let chunks = check_cover(&huge, CHUNK_EVENTS);
    assert!(chunks >= 4, "{chunks} chunks for 1,200 events of 64 KB");
}

#[test]
fn chunks_of_ordinary_events_hold_the_asked_number() {
    let dir = TempDir::new("chunks-ordinary");
    let ordinary = capture_of(&dir, "ordinary.pml", 5_000, 40);
    let chunks = check_cover(&ordinary, 1000);
    assert_eq!(chunks, 10, "10,000 events in chunks of 1,000");
}
