//! Every real capture, read with our reader and written again with our writer, reads back with
//! the same events (header bytes, stacks, detail and extra bytes), processes and system details.

use pml_testkit as common;

use std::io::Cursor;

use pml_parser::writer::{copy_capture, system_info, PmlWriter};
use pml_parser::Capture;

const SAMPLES: [&str; 8] = [
    "mixed-64bit",
    "mixed-32bit",
    "filesystem-32bit",
    "filesystem-64bit",
    "process-64bit",
    "registry-64bit",
    "win11-fileio-64bit",
    "unity-basic-64bit",
];

fn rewrite(original: &Capture) -> Capture {
    let mut w = PmlWriter::new(Cursor::new(Vec::new()), system_info(original.header())).unwrap();
    let skipped = copy_capture(original, &mut w).unwrap();
    assert_eq!(skipped, 0, "unreadable events in the original");
    Capture::from_bytes(w.finish().unwrap().into_inner()).unwrap()
}

fn check(name: &str, original: &Capture, copy: &Capture) {
    let (a, b) = (original.header(), copy.header());
    assert_eq!(b.version, 9);
    assert_eq!(a.is_64bit, b.is_64bit, "{name}: bitness");
    assert_eq!(a.computer_name, b.computer_name, "{name}: computer name");
    assert_eq!(a.system_root, b.system_root, "{name}: system root");
    assert_eq!(a.event_count, b.event_count, "{name}: event count");
    assert_eq!(a.max_user_address, b.max_user_address, "{name}");
    assert_eq!(a.os, b.os, "{name}: OS version");
    assert_eq!(a.cpu_count, b.cpu_count, "{name}");
    assert_eq!(a.memory_bytes, b.memory_bytes, "{name}");
    assert_eq!(b.events_offset, 0x3A8);
    assert_eq!(b.header_size, 0x3A8);
    assert!(copy.warnings().is_empty(), "{name}: {:?}", copy.warnings());

    assert_eq!(original.processes().len(), copy.processes().len());
    for p in original.processes().iter() {
        let q = copy.processes().get(p.index).expect("process kept");
        assert_eq!(p, q, "{name}: process {}", p.index);
    }
    assert_eq!(original.names().hosts, copy.names().hosts, "{name}: hosts");
    assert_eq!(original.names().ports, copy.names().ports, "{name}: ports");

    for (x, y) in original.events().zip(copy.events()) {
        let (x, y) = (x.unwrap(), y.unwrap());
        let i = x.index();
        assert_eq!(
            x.header_bytes(),
            y.header_bytes(),
            "{name}: event {i} header"
        );
        assert_eq!(x.stack_bytes(), y.stack_bytes(), "{name}: event {i} stack");
        assert_eq!(
            x.detail_bytes(),
            y.detail_bytes(),
            "{name}: event {i} detail"
        );
        assert_eq!(
            x.extra_bytes().unwrap(),
            y.extra_bytes().unwrap(),
            "{name}: event {i} extra"
        );
    }
}

#[test]
fn real_captures_round_trip() {
    let Some(dir) = common::samples_dir() else {
        return;
    };
    for name in SAMPLES {
        let original = common::open_sample(&dir, name);
        let copy = rewrite(&original);
        check(name, &original, &copy);
        // Writing the copy again gives the same bytes: the writer is deterministic.
        let data = copy.data().to_vec();
        let again = rewrite(&copy);
        assert_eq!(again.data(), &data[..], "{name}: second rewrite differs");
        // The event records are byte-identical wherever the original packs them back to back
        // (it does not after 0xFFFF-capped extra blocks, see docs/synth.md).
        let end = |c: &Capture| c.header().event_offsets_offset as usize;
        let same = original.data()[0x3A8..end(&original)] == copy.data()[0x3A8..end(&copy)];
        assert!(
            same || name == "filesystem-32bit",
            "{name}: event region differs"
        );
        eprintln!(
            "{name}: {} events, {} processes, event region byte-identical: {same}, file {} -> {} bytes",
            original.event_count(),
            original.processes().len(),
            original.data().len(),
            copy.data().len()
        );
    }
}
