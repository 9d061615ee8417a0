//! `render::path_sources`: the strings the Path column is printed from. Callers key events by
//! them instead of printing every path (pml diff), so on every event of every shared capture the
//! path printed from its sources must be the one `write_path` prints.

use pml_testkit as common;

use pml_parser::{render, EventClass, PmlStr};

const SAMPLES: [&str; 9] = [
    "filesystem-32bit",
    "filesystem-64bit",
    "mixed-32bit",
    "mixed-64bit",
    "noriben-v7-32bit",
    "process-64bit",
    "registry-64bit",
    "unity-basic-64bit",
    "win11-fileio-64bit",
];

/// The Path column as printed from `sources`: the path, then a directory query's filter after a
/// backslash.
fn printed_from(sources: [PmlStr<'_>; 2]) -> String {
    let [path, filter] = sources;
    let mut out = String::new();
    path.push_to(&mut out);
    if !filter.is_empty() {
        if !out.ends_with('\\') {
            out.push('\\');
        }
        filter.push_to(&mut out);
    }
    out
}

#[test]
fn every_path_printed_from_its_sources_is_the_path_column() {
    let Some(dir) = common::samples_dir() else {
        return;
    };
    let (mut with_sources, mut with_filter, mut without) = (0u64, 0u64, 0u64);
    for name in SAMPLES {
        let capture = common::open_sample(&dir, name);
        let mut column = String::new();
        for event in capture.events().flatten() {
            column.clear();
            render::write_path(&event, &mut column);
            match render::path_sources(&event) {
                Some(sources) => {
                    with_sources += 1;
                    with_filter += u64::from(!sources[1].is_empty());
                    assert_eq!(
                        printed_from(sources),
                        column,
                        "{name}: event {}",
                        event.index()
                    );
                }
                None => {
                    without += 1;
                    assert!(
                        matches!(event.class(), EventClass::Network | EventClass::Profiling),
                        "{name}: event {} ({:?} {}) has no sources",
                        event.index(),
                        event.class(),
                        event.operation_name()
                    );
                }
            }
        }
    }
    // File, registry and process events (the great majority) have sources; among them
    // directory queries with a filter.
    assert!(with_sources > 200_000, "{with_sources}");
    assert!(with_filter > 0);
    assert!(without < with_sources / 20, "{without} of {with_sources}");
}

#[test]
fn a_damaged_extra_blob_does_not_hide_the_path() {
    let Some(dir) = common::samples_dir() else {
        return;
    };
    let original = common::sample_bytes(&dir, "mixed-64bit");
    let capture = common::open_sample(&dir, "mixed-64bit");
    // The first file-system and the first registry event that have an extra blob.
    let mut damaged = Vec::new();
    for class in [EventClass::FileSystem, EventClass::Registry] {
        let event = capture
            .events()
            .flatten()
            .find(|e| e.class() == class && e.extra_offset() != 0 && !path_of(e).is_empty())
            .unwrap_or_else(|| panic!("a {class:?} event with an extra blob"));
        damaged.push((event.index(), event.offset(), path_of(&event)));
    }
    let mut data = original;
    for &(_, offset, _) in &damaged {
        // Its extra blob now starts far past the end of the file.
        let at = offset as usize + 0x30;
        data[at..at + 4].copy_from_slice(&u32::MAX.to_le_bytes());
    }
    let capture = pml_parser::Capture::from_bytes(data).unwrap();
    for (index, _, path) in damaged {
        let event = capture.event(index).unwrap();
        assert!(event.extra_bytes().is_err(), "event {index}");
        assert_eq!(path_of(&event), path, "event {index}");
        let sources = render::path_sources(&event).expect("sources");
        assert_eq!(printed_from(sources), path, "event {index}");
    }
}

/// The Path column of `event`.
fn path_of(event: &pml_parser::Event<'_>) -> String {
    let mut out = String::new();
    render::write_path(event, &mut out);
    out
}
