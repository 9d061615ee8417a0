//! A capture whose events lie past 8 GiB (2^33), referenced by 40-bit entries of the offsets
//! array, read correctly without writing 8 GiB: the events of a small capture are moved to the
//! far end of a sparse file and the offsets array is rewritten to point at them.
#![cfg(all(unix, target_pointer_width = "64"))]

use std::io::Cursor;
use std::os::unix::fs::FileExt;

use pml_parser::writer::blobs::FsBlob;
use pml_parser::writer::{EventRecord, PmlWriter, SystemInfo};
use pml_parser::{Capture, Column, ColumnRenderer, EventClass, FileTime, Process};
use pml_testkit::TempDir;

const T0: u64 = 133_500_000_000_000_000;
/// Where the events go: past 2^33, and not a round number.
const BASE: u64 = (1 << 33) + 0x1_2345;

/// A small capture with a process and `n` file-system events with stacks and distinct paths.
fn small_capture(n: u64) -> Vec<u8> {
    let mut w = PmlWriter::new(Cursor::new(Vec::new()), SystemInfo::default()).unwrap();
    w.add_process(Process {
        index: 1,
        pid: 1234,
        name: "cl.exe".into(),
        image_path: "C:\\VS\\cl.exe".into(),
        start_time: FileTime(T0),
        ..pml_parser::Process::default()
    });
    let fs = FsBlob::new(true);
    for i in 0..n {
        let blob = fs.read_write(
            &format!("C:\\build\\obj\\file{i}.obj"),
            i * 512,
            4096,
            0,
            Some(4096),
        );
        w.write_event(&EventRecord {
            process_index: 1,
            tid: 10 + i as u32,
            class: EventClass::FileSystem,
            operation: 24,
            duration: i,
            time: FileTime(T0 + i * 100),
            result: 0,
            stack: &[0x7ff6_1000_0000 + i, 0xffff_f801_0000_0000],
            detail: &blob.detail,
            extra: blob.extra.as_deref(),
        })
        .unwrap();
    }
    w.finish().unwrap().into_inner()
}

#[test]
fn events_past_8_gib_are_read_through_40_bit_offsets() {
    let n = 2000;
    let bytes = small_capture(n);
    let original = Capture::from_bytes(bytes.clone()).unwrap();
    let array = original.header().event_offsets_offset;
    let first = original.event_offset(0).unwrap();
    // The events are the bytes from the first one to the offsets array.
    let events = &bytes[first as usize..array as usize];

    let dir = TempDir::new("past-8gib");
    let path = dir.join("far.pml");
    let file = std::fs::File::create(&path).unwrap();
    let mut moved = bytes.clone();
    // The original event area is zeroed: only the far copy can give the right events.
    moved[first as usize..array as usize].fill(0);
    for i in 0..n {
        let at = array as usize + i as usize * 5;
        let new = original.event_offset(i).unwrap() - first + BASE;
        moved[at..at + 4].copy_from_slice(&(new as u32).to_le_bytes());
        moved[at + 4] = (new >> 32) as u8;
    }
    file.write_all_at(&moved, 0).unwrap();
    file.set_len(BASE + events.len() as u64).unwrap();
    file.write_all_at(events, BASE).unwrap();
    drop(file);
    let len = std::fs::metadata(&path).unwrap().len();
    assert!(len > 1 << 33);

    let far = Capture::open(&path).unwrap();
    assert!(far.warnings().is_empty(), "{:?}", far.warnings());
    assert!(far.salvage_report().is_none());
    assert_eq!(far.event_count(), n);
    let (ra, rb) = (ColumnRenderer::new(&original), ColumnRenderer::new(&far));
    let (mut sa, mut sb) = (String::new(), String::new());
    for (a, b) in original.events().zip(far.events()) {
        let (a, b) = (a.unwrap(), b.unwrap());
        assert!(b.offset() >= BASE && b.offset() > 1 << 33);
        assert_eq!(b.offset() - BASE, a.offset() - first);
        assert_eq!(a.time(), b.time());
        assert_eq!(a.tid(), b.tid());
        assert_eq!(a.detail_bytes(), b.detail_bytes());
        assert_eq!(a.stack().collect::<Vec<_>>(), b.stack().collect::<Vec<_>>());
        for column in Column::ALL {
            sa.clear();
            sb.clear();
            ra.write(&a, column, &mut sa);
            rb.write(&b, column, &mut sb);
            assert_eq!(sa, sb, "{column:?}");
        }
    }
    let last = far.event(n - 1).unwrap();
    let mut path_column = String::new();
    rb.write(&last, Column::Path, &mut path_column);
    assert_eq!(path_column, format!("C:\\build\\obj\\file{}.obj", n - 1));
    // Releasing the pages of a file this big works on the far offsets too.
    far.release(0..n);
    assert_eq!(far.event(n / 2).unwrap().tid(), 10 + (n / 2) as u32);
}
