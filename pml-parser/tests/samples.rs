//! Reads every real capture of `../shared/pml-samples` (skipped, with a message, when absent).

use pml_testkit as common;

use pml_parser::EventClass;

/// Event counts stated by MANIFEST.md.
const EXPECTED: &[(&str, u64, u32)] = &[
    ("mixed-64bit", 53_214, 64),
    ("mixed-32bit", 32_930, 32),
    ("filesystem-32bit", 8_577, 32),
    ("filesystem-64bit", 31_569, 64),
    ("process-64bit", 3_400, 64),
    ("registry-64bit", 28_240, 64),
    ("win11-fileio-64bit", 92_598, 64),
    ("unity-basic-64bit", 324, 64),
];

#[test]
fn every_sample_reads_fully_with_the_manifest_counts() {
    let Some(dir) = common::samples_dir() else {
        return;
    };
    for &(name, events, bits) in EXPECTED {
        let capture = common::open_sample(&dir, name);
        assert_eq!(capture.event_count(), events, "{name}: event count");
        assert_eq!(capture.header().bitness(), bits, "{name}: bitness");
        assert!(
            capture.warnings().is_empty(),
            "{name}: {:?}",
            capture.warnings()
        );
        let mut previous_offset = 0;
        for event in capture.events() {
            let event = event.unwrap_or_else(|e| panic!("{name}: {e}"));
            assert!(event.offset() > previous_offset, "{name}: offsets ascend");
            previous_offset = event.offset();
            assert!(
                event.process().is_some(),
                "{name}: event {} has process index {} that is not in the table",
                event.index(),
                event.process_index()
            );
            assert_ne!(
                event.class(),
                EventClass::Unknown,
                "{name}: event {}",
                event.index()
            );
            event
                .extra_bytes()
                .unwrap_or_else(|e| panic!("{name}: {e}"));
        }
    }
}

#[test]
fn header_fields_match_the_capture_machines() {
    let Some(dir) = common::samples_dir() else {
        return;
    };
    let capture = common::open_sample(&dir, "mixed-32bit");
    let h = capture.header();
    assert_eq!(h.os.build, 7601);
    assert_eq!(h.os.service_pack, "Service Pack 1");
    assert_eq!(h.max_user_address, 0x7ffe_ffff);
    assert_eq!(h.system_root, "C:\\Windows");
    let capture = common::open_sample(&dir, "win11-fileio-64bit");
    assert_eq!(capture.header().os.build, 26200);
    assert_eq!(capture.header().max_user_address, 0x7fff_fffe_ffff);
    assert!(capture.header().cpu_count >= 1);
}

#[test]
fn parallel_iteration_sees_the_same_events_as_sequential() {
    let Some(dir) = common::samples_dir() else {
        return;
    };
    let capture = common::open_sample(&dir, "mixed-64bit");
    let sequential: Vec<u64> = capture.events().map(|e| e.unwrap().time().0).collect();
    let capture = pml_parser::SplitCapture::from(capture);
    let mut parallel = Vec::new();
    capture.pass().chunk_events(1000).for_each(
        |chunk| {
            let times: Vec<u64> = chunk
                .events(&capture)
                .map(|e| e.unwrap().time().0)
                .collect();
            (chunk.first_index, times)
        },
        |chunk, (first, times)| {
            assert_eq!(first, parallel.len() as u64);
            assert_eq!(chunk.first_index, first);
            parallel.extend(times);
        },
    );
    assert_eq!(sequential, parallel, "the same events, in order");
}

#[test]
fn kernel_frames_resolve_against_system_modules() {
    let Some(dir) = common::samples_dir() else {
        return;
    };
    let capture = common::open_sample(&dir, "process-64bit");
    let (mut kernel, mut kernel_resolved, mut user, mut user_resolved) = (0, 0, 0, 0);
    for event in capture.events() {
        for frame in event.unwrap().resolved_stack() {
            if frame.kernel {
                kernel += 1;
                kernel_resolved += usize::from(frame.module.is_some());
            } else {
                user += 1;
                user_resolved += usize::from(frame.module.is_some());
            }
        }
    }
    assert!(kernel > 0 && user > 0, "kernel {kernel} user {user}");
    assert!(
        kernel_resolved * 10 > kernel * 9,
        "{kernel_resolved}/{kernel} kernel frames resolved"
    );
    assert!(
        user_resolved * 10 > user * 8,
        "{user_resolved}/{user} user frames resolved"
    );
}
