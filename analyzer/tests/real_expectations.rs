//! What `pml analyze` must say about every shared real capture (`../shared/pml-samples` or
//! `$PML_SAMPLES`): its warnings, failed processes, handle leaks and unmatched opens, and how
//! much of ProcMon's own activity it leaves out. The expectations were read off the captures
//! and their ProcMon CSV exports (e.g. noriben-v7 was saved without a single CloseFile; the
//! Process Exit of vminstall.exe in process-64bit carries 0xC000042C, elevation required).

use pml_testkit as common;

use pml_analyzer::{analyze, Analysis, Options};
use pml_parser::{Capture, SplitCapture};

/// What one capture must yield.
struct Expect {
    name: &'static str,
    warnings: &'static [&'static str],
    /// (process name, exit status, number of causes), most important first.
    failures: &'static [(&'static str, u32, usize)],
    /// (process name, path ending, opens, closes, unclosed), largest first; `leak_count` says
    /// how many groups there are in all.
    first_leak: Option<(&'static str, &'static str, u64, u64, u64)>,
    leak_count: usize,
    unmatched_opens: usize,
    procmon_events_excluded: u64,
    /// Sequence numbers missing inside each numbering stream (the kernel's and the network's
    /// `0x2000_0000 | n`), counted from the captures with a separate script.
    missing_sequence: u64,
}

const FILTERED: &str = "events-filtered-or-dropped";
const NO_PROCESS: &str = "no-process-events";
const EXIT_MISSING: &str = "exit-missing";
const MID: &str = "starts-mid-activity";

const EXPECTED: &[Expect] = &[
    Expect {
        name: "filesystem-32bit",
        warnings: &[NO_PROCESS, FILTERED, EXIT_MISSING],
        failures: &[],
        first_leak: None,
        leak_count: 0,
        unmatched_opens: 0,
        procmon_events_excluded: 0,
        missing_sequence: 458_143,
    },
    Expect {
        name: "filesystem-64bit",
        warnings: &[NO_PROCESS, FILTERED, EXIT_MISSING],
        failures: &[],
        first_leak: None,
        leak_count: 0,
        unmatched_opens: 0,
        procmon_events_excluded: 0,
        missing_sequence: 656_167,
    },
    Expect {
        name: "mixed-32bit",
        warnings: &[FILTERED, MID],
        failures: &[],
        first_leak: Some(("Explorer.EXE", "\\index.dat", 2, 1, 1)),
        leak_count: 1,
        unmatched_opens: 1,
        procmon_events_excluded: 0,
        missing_sequence: 85_112,
    },
    Expect {
        name: "mixed-64bit",
        warnings: &[FILTERED, MID],
        failures: &[],
        first_leak: Some(("smartscreen.exe", "\\edge\\local\\cache", 1, 0, 1)),
        leak_count: 5,
        unmatched_opens: 5,
        procmon_events_excluded: 0,
        missing_sequence: 184_683,
    },
    Expect {
        name: "noriben-v7-32bit",
        warnings: &["no-close-events", FILTERED, EXIT_MISSING],
        failures: &[("wscntfy.exe", 1, 0), ("cmd.exe", 0xFFFF_FFFF, 0)],
        first_leak: None,
        leak_count: 0,
        unmatched_opens: 0,
        procmon_events_excluded: 0,
        missing_sequence: 54_709,
    },
    Expect {
        name: "process-64bit",
        warnings: &[FILTERED],
        failures: &[("vminstall.exe", 0xC000_042C, 0)],
        first_leak: None,
        leak_count: 0,
        unmatched_opens: 0,
        procmon_events_excluded: 0,
        missing_sequence: 3_512_536,
    },
    Expect {
        name: "registry-64bit",
        warnings: &[NO_PROCESS, FILTERED, EXIT_MISSING],
        failures: &[],
        first_leak: None,
        leak_count: 0,
        unmatched_opens: 0,
        procmon_events_excluded: 0,
        missing_sequence: 656_340,
    },
    Expect {
        name: "unity-basic-64bit",
        warnings: &[NO_PROCESS, FILTERED],
        failures: &[],
        first_leak: None,
        leak_count: 0,
        unmatched_opens: 0,
        procmon_events_excluded: 0,
        missing_sequence: 184_843,
    },
    Expect {
        name: "win11-fileio-64bit",
        warnings: &[NO_PROCESS, FILTERED],
        failures: &[],
        first_leak: None,
        leak_count: 0,
        unmatched_opens: 0,
        procmon_events_excluded: 90_222,
        missing_sequence: 466_960,
    },
];

fn open(dir: &std::path::Path, name: &str) -> SplitCapture {
    SplitCapture::from(
        Capture::from_bytes(common::gunzip(&dir.join(format!("{name}.pml.gz")))).unwrap(),
    )
}

fn check(e: &Expect, r: &Analysis) {
    let name = e.name;
    let codes: Vec<&str> = r.warnings.iter().map(|w| w.code).collect();
    assert_eq!(codes, e.warnings, "{name}: warnings");
    let failures: Vec<(&str, u32, usize)> = r
        .failures
        .iter()
        .map(|f| (f.process.name.as_str(), f.exit_status, f.causes.len()))
        .collect();
    assert_eq!(failures, e.failures, "{name}: failures");
    let first = r.handle_leaks.first().map(|l| {
        (
            l.process.name.as_str(),
            l.path.as_str(),
            l.opens,
            l.closes,
            l.unclosed,
        )
    });
    match (first, e.first_leak) {
        (None, None) => {}
        (Some(got), Some(want)) => {
            assert_eq!(got.0, want.0, "{name}: leak process");
            assert!(got.1.ends_with(want.1), "{name}: leak path {}", got.1);
            assert_eq!((got.2, got.3, got.4), (want.2, want.3, want.4), "{name}");
        }
        (got, want) => panic!("{name}: first leak {got:?}, expected {want:?}"),
    }
    assert_eq!(r.handle_leaks.len(), e.leak_count, "{name}: leaks");
    let unclosed: u64 = r.handle_leaks.iter().map(|l| l.unclosed).sum();
    let never_closed = r
        .unmatched_opens
        .iter()
        .filter(|u| u.close.is_none())
        .count();
    assert_eq!(
        unclosed as usize, never_closed,
        "{name}: leaks hold every open never closed"
    );
    assert_eq!(r.unmatched_opens.len(), e.unmatched_opens, "{name}");
    assert_eq!(
        r.summary.procmon_events_excluded, e.procmon_events_excluded,
        "{name}"
    );
    let missing = r.summary.events.map_or(0, |c| c.sequence.missing());
    assert_eq!(
        missing, e.missing_sequence,
        "{name}: missing sequence numbers"
    );
    // None of the shared captures has a sharing violation, a held file or a race.
    assert!(r.incidents.is_empty(), "{name}");
}

#[test]
fn every_shared_capture_gets_its_expected_warnings_failures_and_leaks() {
    let Some(dir) = common::samples_dir() else {
        return;
    };
    for e in EXPECTED {
        check(e, &analyze(&open(&dir, e.name), &Options::default()));
    }
}

#[test]
fn procmon_s_own_activity_is_left_out_unless_asked_for() {
    let Some(dir) = common::samples_dir() else {
        return;
    };
    let capture = open(&dir, "win11-fileio-64bit");
    let hidden = analyze(&capture, &Options::default());
    let all = analyze(
        &capture,
        &Options {
            include_procmon: true,
            ..Options::default()
        },
    );
    // The 32 opens nobody closed are all Procmon64.exe's own files and System's ETW backing
    // file of ProcMon's trace session.
    assert_eq!(all.unmatched_opens.len(), 32);
    assert!(all
        .unmatched_opens
        .iter()
        .all(|u| u.process.name == "Procmon64.exe" || u.path.contains("EtwRTPROCMON")));
    assert!(hidden.unmatched_opens.is_empty());
    assert_eq!(all.summary.procmon_events_excluded, 0);
    assert!(all.summary.include_procmon);
    // The counts cover every event either way.
    let (h, a) = (hidden.summary.events.unwrap(), all.summary.events.unwrap());
    assert_eq!(
        (h.events, h.create_file, h.close_file),
        (a.events, a.create_file, a.close_file)
    );
    assert_eq!(h.procmon_events, 90_222);
}
