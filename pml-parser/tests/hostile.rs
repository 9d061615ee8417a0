//! Truncated, corrupted and hostile captures give errors, never panics, hangs or huge allocations.

use pml_testkit as common;

use pml_parser::{Capture, Column, ColumnRenderer, OpenOptions, ProcmonBuild};

/// Reads everything a user can ask of a capture; returns how many events were readable.
fn exercise(capture: &Capture) -> u64 {
    let renderer = ColumnRenderer::new(capture);
    let builds = ProcmonBuild::ALL.map(|b| renderer.clone().with_procmon_build(b));
    let mut out = String::new();
    let mut readable = 0;
    for event in capture.events() {
        let Ok(event) = event else { continue };
        readable += 1;
        let _ = event.details();
        let _ = event.extra_bytes();
        for frame in event.resolved_stack() {
            let _ = frame.location();
        }
        for column in Column::ALL {
            out.clear();
            renderer.write(&event, column, &mut out);
        }
        for renderer in &builds {
            for column in [Column::Operation, Column::Detail] {
                out.clear();
                renderer.write(&event, column, &mut out);
            }
        }
    }
    let _ = capture.procmon_build();
    readable
}

/// Opens strictly and with salvage, exercising whatever opens.
fn try_all_ways(data: &[u8]) {
    if let Ok(c) = Capture::from_bytes(data.to_vec()) {
        exercise(&c);
    }
    if let Ok(c) = OpenOptions::new().salvage(true).from_bytes(data.to_vec()) {
        exercise(&c);
    }
}

struct XorShift(u64);

impl XorShift {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

/// A 64-bit version-9 capture and a 32-bit version-7 one.
const SAMPLES: [&str; 2] = ["unity-basic-64bit", "noriben-v7-32bit"];

#[test]
fn truncation_at_many_offsets_never_panics() {
    let Some(dir) = common::samples_dir() else {
        return;
    };
    for name in SAMPLES {
        let data = common::sample_bytes(&dir, name);
        let mut cuts: Vec<usize> = (0..0x400).step_by(7).collect();
        cuts.extend((0..data.len()).step_by(data.len() / 300));
        for cut in cuts {
            try_all_ways(&data[..cut]);
        }
    }
}

#[test]
fn random_byte_flips_never_panic() {
    let Some(dir) = common::samples_dir() else {
        return;
    };
    // Fewer rounds for the version-7 capture: the version-9 one covers the shared layout.
    for (name, rounds) in SAMPLES.into_iter().zip([300, 50]) {
        flip_bytes(&common::sample_bytes(&dir, name), rounds);
    }
}

/// Only the versions whose layout is known open: 7 and 9.
#[test]
fn unknown_versions_are_refused() {
    let Some(dir) = common::samples_dir() else {
        return;
    };
    let original = common::sample_bytes(&dir, "noriben-v7-32bit");
    for version in [0u32, 6, 7, 8, 9, 10, u32::MAX] {
        let mut data = original.clone();
        data[4..8].copy_from_slice(&version.to_le_bytes());
        let opened = Capture::from_bytes(data);
        match version {
            7 | 9 => assert!(opened.is_ok(), "version {version}"),
            _ => {
                let err = opened.unwrap_err().to_string();
                assert!(err.contains(&version.to_string()), "{err}");
            }
        }
    }
}

fn flip_bytes(original: &[u8], rounds: usize) {
    let original = original.to_vec();
    let tables = Capture::from_bytes(original.clone())
        .unwrap()
        .header()
        .event_offsets_offset as usize;
    let mut rng = XorShift(0x9E37_79B9_7F4A_7C15);
    for round in 0..rounds {
        let mut data = original.clone();
        for _ in 0..1 + round % 8 {
            // Half the flips hit the header and tables, where counts and offsets live.
            let at = if rng.next().is_multiple_of(2) {
                let r = rng.next() as usize;
                if r.is_multiple_of(3) {
                    r % 0x3A8
                } else {
                    tables + r % (data.len() - tables)
                }
            } else {
                rng.next() as usize % data.len()
            };
            data[at] ^= 1 << (rng.next() % 8);
        }
        try_all_ways(&data);
    }
}

#[test]
fn hostile_counts_are_refused_without_allocating() {
    let Some(dir) = common::samples_dir() else {
        return;
    };
    let original = common::sample_bytes(&dir, "unity-basic-64bit");
    let capture = Capture::from_bytes(original.clone()).unwrap();
    let h = capture.header().clone();
    let events = capture.event_count();
    drop(capture);
    let patch = |at: u64, bytes: &[u8]| {
        let mut d = original.clone();
        d[at as usize..at as usize + bytes.len()].copy_from_slice(bytes);
        d
    };
    let max = u32::MAX.to_le_bytes();
    for data in [
        patch(0x234, &max),                        // event count
        patch(h.process_table_offset, &max),       // process count
        patch(h.strings_table_offset, &max),       // string count
        patch(h.hosts_ports_offset, &max),         // host count
        patch(0x250, &u64::MAX.to_le_bytes()),     // process table offset past the end
        patch(h.event_offsets_offset, &[0xFF; 5]), // first event offset past the end
        patch(0x3A8 + 0x28, &[0xFF, 0xFF]),        // gigantic stack depth
        patch(0x3A8 + 0x2C, &max),                 // detail size past the end
        patch(0x3A8 + 0x30, &max),                 // extra offset past the end
    ] {
        try_all_ways(&data);
    }
    // A bad first event leaves the others readable.
    let data = patch(0x3A8 + 0x2C, &max);
    let capture = Capture::from_bytes(data).unwrap();
    let err = capture.event(0).unwrap_err().to_string();
    assert!(err.contains("event 0 at byte offset 0x3a8"), "{err}");
    assert_eq!(exercise(&capture), events - 1);
}
