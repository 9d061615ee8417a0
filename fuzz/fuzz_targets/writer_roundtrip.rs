//! The writer round trip: any capture pml reads (strictly, or salvaged) is copied with the
//! writer, and the copy reads back with the same events: class, operation, time, duration,
//! result, thread, process, stack, detail and extra bytes, and every rendered column but Detail.
//!
//! Detail is left out of the rendered comparison: like ProcMon, the registry renderer reads
//! string data up to its NUL even past the event's blobs, into whatever bytes follow in the file
//! (`render/registry.rs`), and those bytes (the next event) differ in the copy. Everything the
//! event itself holds is compared byte for byte instead. Relative Time is counted from the first
//! event copied in both (an unreadable event 0 of the original is not copied).
#![no_main]

use std::io::Cursor;

use libfuzzer_sys::fuzz_target;
use pml_parser::writer::{copy_capture, system_info, PmlWriter};
use pml_parser::{Capture, Column, ColumnRenderer, OpenOptions};

fn round_trip(original: &Capture) {
    let Ok(mut writer) = PmlWriter::new(Cursor::new(Vec::new()), system_info(original.header()))
    else {
        return;
    };
    // An event the writer refuses (an io::Error) ends the case: nothing to compare.
    let Ok(_) = copy_capture(original, &mut writer) else {
        return;
    };
    let Ok(bytes) = writer.finish() else {
        return;
    };
    let copy = Capture::from_bytes(bytes.into_inner()).expect("the writer's capture reads back");
    let kept: Vec<_> = original.events().flatten().collect();
    assert_eq!(copy.event_count(), kept.len() as u64, "every readable event is copied");
    // Relative Time counts from event 0, which the copy lacks when the original's is unreadable:
    // both count from the first event copied.
    let Some(first) = kept.first().map(|e| e.time()) else {
        return;
    };
    let ra = ColumnRenderer::new(original).with_first_time(first);
    let rb = ColumnRenderer::new(&copy);
    let (mut sa, mut sb) = (String::new(), String::new());
    for (a, b) in kept.iter().zip(copy.events()) {
        let b = b.expect("a copied event reads back");
        assert_eq!(a.class_code(), b.class_code());
        assert_eq!(a.operation(), b.operation());
        assert_eq!(a.sub_operation(), b.sub_operation());
        assert_eq!(a.time(), b.time());
        assert_eq!(a.raw_duration(), b.raw_duration());
        assert_eq!(a.result(), b.result());
        assert_eq!(a.tid(), b.tid());
        assert_eq!(a.stack().collect::<Vec<_>>(), b.stack().collect::<Vec<_>>());
        assert_eq!(a.detail_bytes(), b.detail_bytes());
        assert_eq!(a.extra_bytes().ok().flatten(), b.extra_bytes().ok().flatten());
        assert_eq!(a.process().map(|p| p.pid), b.process().map(|p| p.pid));
        for column in Column::ALL.into_iter().filter(|&c| c != Column::Detail) {
            sa.clear();
            sb.clear();
            ra.write(a, column, &mut sa);
            rb.write(&b, column, &mut sb);
            assert_eq!(sa, sb, "column {column:?} of event {}", a.index());
        }
    }
}

fuzz_target!(|data: &[u8]| {
    if let Ok(capture) = Capture::from_bytes(data.to_vec()) {
        round_trip(&capture);
    }
    if let Ok(capture) = OpenOptions::new().salvage(true).from_bytes(data.to_vec()) {
        round_trip(&capture);
    }
});
