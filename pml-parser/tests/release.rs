//! `Capture::release` and streaming passes: the pages of events already read leave the
//! process's resident memory, and the events still read the same afterwards.
#![cfg(target_os = "linux")]

use pml_testkit as common;

use std::path::Path;

use pml_parser::{Capture, OpenOptions};

/// Resident kilobytes of this process's mapping of `path`, from /proc/self/smaps.
fn resident_kb(path: &Path) -> u64 {
    let smaps = std::fs::read_to_string("/proc/self/smaps").expect("smaps");
    let name = path.to_str().expect("utf-8 path");
    let mut in_mapping = false;
    let mut total = 0;
    for line in smaps.lines() {
        let first = line.split_whitespace().next().unwrap_or_default();
        if first.contains('-') && !first.ends_with(':') {
            in_mapping = line.ends_with(name);
        } else if in_mapping && first == "Rss:" {
            total += line
                .split_whitespace()
                .nth(1)
                .and_then(|v| v.parse::<u64>().ok())
                .unwrap_or(0);
        }
    }
    total
}

/// A checksum of every event's header fields and raw details.
fn checksum(capture: &Capture) -> u64 {
    capture
        .events()
        .flatten()
        .map(|e| u64::from(e.tid()) ^ e.time().0 ^ e.detail_bytes().len() as u64)
        .fold(0, u64::wrapping_add)
}

#[test]
fn streaming_passes_release_the_pages_they_read() {
    let Some(dir) = common::samples_dir() else {
        return;
    };
    let path = std::env::temp_dir().join(format!("pml-release-{}.pml", std::process::id()));
    std::fs::write(&path, common::sample_bytes(&dir, "win11-fileio-64bit")).unwrap();
    // Captures this small keep their pages by default.
    let small = Capture::open(&path).unwrap();
    checksum(&small);
    small.release(0..small.event_count());
    let kept = resident_kb(&path);
    drop(small);
    let capture = OpenOptions::new().release_above(0).open(&path).unwrap();
    let size_kb = std::fs::metadata(&path).unwrap().len() / 1024;
    let n = capture.event_count();

    // A sequential read leaves the whole event area resident.
    let before = checksum(&capture);
    let read = resident_kb(&path);
    assert!(
        kept > size_kb * 9 / 10,
        "{kept} of {size_kb} KB resident after a small capture's release"
    );
    assert!(
        read > size_kb * 9 / 10,
        "{read} of {size_kb} KB resident after reading"
    );

    // Releasing every event leaves about the header and the tables at the end.
    capture.release(0..n);
    let released = resident_kb(&path);
    assert!(
        released < size_kb / 20,
        "{released} of {size_kb} KB resident after release"
    );

    // A parallel pass releases chunk by chunk; the events read the same as before.
    let split = pml_parser::SplitCapture::from(capture);
    let mut count = 0;
    split.pass().for_each(
        |chunk| chunk.events(&split).filter(|e| e.is_ok()).count() as u64,
        |_, n| count += n,
    );
    let capture = split.part(0).unwrap().capture();
    assert_eq!(count, n);
    let after_pass = resident_kb(&path);
    assert!(
        after_pass < size_kb / 20,
        "{after_pass} of {size_kb} KB resident after a pass"
    );
    assert_eq!(checksum(capture), before);

    // Out-of-range and empty ranges are ignored.
    capture.release(n..n + 10);
    capture.release(5..5);
    drop(split);
    std::fs::remove_file(&path).unwrap();
}

#[test]
fn parts_of_a_split_capture_are_released_when_the_whole_input_is_large() {
    let Some(dir) = common::samples_dir() else {
        return;
    };
    let bytes = common::sample_bytes(&dir, "win11-fileio-64bit");
    let size = bytes.len() as u64;
    let paths: Vec<_> = (0..3)
        .map(|i| {
            let path = std::env::temp_dir()
                .join(format!("pml-release-part{i}-{}.pml", std::process::id()));
            std::fs::write(&path, &bytes).unwrap();
            path
        })
        .collect();
    // Each part alone is below the threshold; the three together are above it.
    let options = OpenOptions::new().release_above(size * 2);
    let split = pml_parser::SplitCapture::open_files(&paths, options).unwrap();
    let mut count = 0;
    split.pass().for_each(
        |chunk| chunk.events(&split).filter(|e| e.is_ok()).count() as u64,
        |_, n| count += n,
    );
    assert_eq!(count, split.event_count());
    for path in &paths {
        let resident = resident_kb(path);
        assert!(
            resident < size / 1024 / 20,
            "{resident} of {} KB of a part resident after a pass",
            size / 1024
        );
    }
    drop(split);
    for path in &paths {
        std::fs::remove_file(path).unwrap();
    }
}
