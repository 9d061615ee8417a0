//! `pml synth` writes real captures: the reader reads them with zero errors, the process table
//! agrees with the process events, the committed scenario captures regenerate byte for byte,
//! and an independent naive pass over the events finds exactly the unmatched opens and sharing
//! violations the expected-findings file lists (so the noise adds none).

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;

use pml_parser::details::fs::FsDetails;
use pml_parser::details::process::ProcessDetails;
use pml_parser::ops::{fs_op, process_op};
use pml_parser::{Capture, Details, EventClass};
use serde_json::Value;

const SCENARIOS: [&str; 7] = [
    "seed-race",
    "antivirus-lock",
    "closed-before-spawn",
    "spawn-outside-window",
    "unmatched-opens",
    "pid-reuse",
    "msbuild-node",
];

const SHARING_VIOLATION: u32 = 0xC000_0043;

fn testdata() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../testdata")
}

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("pml-synth-test-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn synth(args: &[&str]) {
    let out = Command::new(env!("CARGO_BIN_EXE_pml"))
        .arg("synth")
        .args(args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "pml synth {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn expected(pml: &Path) -> Value {
    let text = std::fs::read_to_string(pml.with_extension("expected.json")).unwrap();
    serde_json::from_str(&text).unwrap()
}

/// (process index, lower-case path) pairs of a findings list.
fn keyed(list: &Value) -> BTreeSet<(u64, String)> {
    list.as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["process"]["process_index"].as_u64().unwrap(),
                f["path"].as_str().unwrap().to_lowercase(),
            )
        })
        .collect()
}

/// Reads every event and checks the capture's internal consistency; returns the naive findings:
/// (unmatched opens, sharing violations) as (process index, lower-case path) sets.
#[allow(clippy::type_complexity)]
fn check_capture(path: &Path) -> (BTreeSet<(u64, String)>, BTreeSet<(u64, String)>) {
    let c = Capture::open(path).unwrap();
    assert!(c.warnings().is_empty(), "{:?}", c.warnings());
    let mut first: BTreeMap<u32, (u64, u16)> = BTreeMap::new();
    let mut last: BTreeMap<u32, (u64, u16, u64)> = BTreeMap::new();
    let mut opens: BTreeMap<(u64, String), i64> = BTreeMap::new();
    let mut violations = BTreeSet::new();
    let mut previous = 0;
    for e in c.events() {
        let e = e.unwrap();
        let p = e
            .process()
            .unwrap_or_else(|| panic!("event {} has no process", e.index()));
        assert!(
            e.time().0 >= previous,
            "event {} goes back in time",
            e.index()
        );
        previous = e.time().0;
        assert!(
            e.time() >= p.start_time,
            "event {} before its process started",
            e.index()
        );
        first.entry(p.index).or_insert((e.index(), e.operation()));
        if e.class() == EventClass::Process {
            last.insert(p.index, (e.index(), e.operation(), e.time().0));
        } else {
            last.entry(p.index)
                .and_modify(|l| *l = (e.index(), u16::MAX, e.time().0))
                .or_insert((e.index(), u16::MAX, e.time().0));
        }
        match e.details().unwrap() {
            Details::FileSystem(d) => {
                let key = (u64::from(p.index), d.path.to_string_lossy().to_lowercase());
                match e.operation() {
                    fs_op::CREATE_FILE => {
                        let cf = d.create_file().unwrap();
                        if e.result() == 0 {
                            assert!(
                                cf.open_result.is_some(),
                                "successful CreateFile without OpenResult"
                            );
                            *opens.entry(key).or_default() += 1;
                        } else if e.result() == SHARING_VIOLATION {
                            violations.insert(key);
                        }
                    }
                    fs_op::CLOSE_FILE => *opens.entry(key).or_default() -= 1,
                    _ => {}
                }
            }
            Details::Process(ProcessDetails::Create(pc)) => {
                let child = c
                    .processes()
                    .get(pc.child_index)
                    .expect("created process in table");
                assert_eq!(child.pid, pc.child_pid);
                assert_eq!(child.parent_index, p.index);
                assert_eq!(child.parent_pid, p.pid);
                assert_eq!(child.start_time, e.time());
                assert_eq!(&*child.image_path, pc.image_path.to_string_lossy());
                assert_eq!(&*child.command_line, pc.command_line.to_string_lossy());
            }
            _ => {}
        }
    }
    for p in c.processes().iter() {
        assert!(!p.modules.is_empty(), "{} has modules", p.name);
        if p.start_time.0 >= c.event(0).unwrap().time().0 {
            // Started during the capture: its first event is Process Start.
            assert_eq!(
                first.get(&p.index).map(|f| f.1),
                Some(process_op::PROCESS_START),
                "{}",
                p.name
            );
        }
        if p.end_time.0 != 0 {
            let (_, op, t) = last[&p.index];
            assert_eq!(
                op,
                process_op::PROCESS_EXIT,
                "{} ends with Process Exit",
                p.name
            );
            assert_eq!(t, p.end_time.0, "{} end time", p.name);
        }
    }
    assert!(c
        .processes()
        .system()
        .is_some_and(|s| s.modules.iter().any(|m| m.name() == "ntoskrnl.exe")));
    let unmatched = opens
        .into_iter()
        .filter(|(_, n)| *n > 0)
        .map(|(k, _)| k)
        .collect();
    assert!(c.event_count() > 0);
    (unmatched, violations)
}

fn check_findings(pml: &Path) {
    let (unmatched, violations) = check_capture(pml);
    let exp = expected(pml);
    let c = Capture::open(pml).unwrap();
    assert_eq!(exp["events"].as_u64(), Some(c.event_count()));
    assert_eq!(
        unmatched,
        keyed(&exp["unmatched_opens"]),
        "{}: unmatched opens",
        pml.display()
    );
    assert_eq!(
        violations,
        keyed(&exp["sharing_violations"]),
        "{}: sharing violations",
        pml.display()
    );
    for incident in exp["incidents"].as_array().unwrap() {
        for v in incident["victims"].as_array().unwrap() {
            let key = (
                v["process_index"].as_u64().unwrap(),
                incident["path"].as_str().unwrap().to_lowercase(),
            );
            assert!(violations.contains(&key), "victim {key:?} failed");
        }
        // A named closer really issued a CloseFile of the path.
        if let Some(closer) = incident["closer"].as_object() {
            let index = closer["process_index"].as_u64().unwrap() as u32;
            let path = incident["path"].as_str().unwrap();
            let closed = c.events().any(|e| {
                let e = e.unwrap();
                e.process_index() == index
                    && e.operation() == fs_op::CLOSE_FILE
                    && FsDetails::decode(&e)
                        .unwrap()
                        .path
                        .to_string_lossy()
                        .eq_ignore_ascii_case(path)
            });
            assert!(closed, "closer {index} closes {path}");
        }
        // Process references name the right instance.
        for role in ["opener", "child", "closer"] {
            if let Some(r) = incident[role].as_object() {
                let p = c
                    .processes()
                    .get(r["process_index"].as_u64().unwrap() as u32)
                    .unwrap();
                assert_eq!(u64::from(p.pid), r["pid"].as_u64().unwrap());
                assert_eq!(&*p.name, r["name"].as_str().unwrap());
            }
        }
    }
}

#[test]
fn committed_scenarios_regenerate_byte_for_byte() {
    let dir = scratch("regen");
    for name in SCENARIOS {
        let out = dir.join(format!("{name}.pml"));
        synth(&[name, "-o", out.to_str().unwrap(), "--seed", "1"]);
        for ext in ["pml", "expected.json"] {
            let fresh = std::fs::read(out.with_extension(ext)).unwrap();
            let committed = std::fs::read(testdata().join(format!("{name}.{ext}"))).unwrap();
            assert!(fresh == committed, "{name}.{ext} differs from testdata (regenerate with scripts/regen-testdata.sh if the change is intended)");
        }
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn scenario_captures_read_back_with_the_planted_findings() {
    for name in SCENARIOS {
        check_findings(&testdata().join(format!("{name}.pml")));
    }
}

#[test]
fn scenarios_have_the_story_the_schema_describes() {
    let count = |name: &str, key: &str| {
        expected(&testdata().join(format!("{name}.pml")))[key]
            .as_array()
            .unwrap()
            .len()
    };
    assert_eq!(
        (
            count("seed-race", "incidents"),
            count("seed-race", "unmatched_opens"),
            count("seed-race", "sharing_violations")
        ),
        (1, 1, 1)
    );
    assert_eq!(
        (
            count("antivirus-lock", "incidents"),
            count("antivirus-lock", "unmatched_opens"),
            count("antivirus-lock", "sharing_violations")
        ),
        (1, 0, 1)
    );
    for quiet in ["closed-before-spawn", "spawn-outside-window"] {
        assert_eq!(
            (
                count(quiet, "incidents"),
                count(quiet, "unmatched_opens"),
                count(quiet, "sharing_violations")
            ),
            (0, 0, 0)
        );
    }
    assert_eq!(
        (
            count("unmatched-opens", "incidents"),
            count("unmatched-opens", "unmatched_opens")
        ),
        (0, 5)
    );
    let pid_reuse = expected(&testdata().join("pid-reuse.pml"));
    let c = Capture::open(testdata().join("pid-reuse.pml")).unwrap();
    let opener = &pid_reuse["incidents"][0]["opener"];
    let same_pid: Vec<_> = c
        .processes()
        .iter()
        .filter(|p| u64::from(p.pid) == opener["pid"].as_u64().unwrap())
        .collect();
    assert_eq!(same_pid.len(), 2, "the opener's PID is used twice");
    let racing = same_pid.iter().max_by_key(|p| p.start_time).unwrap();
    assert_eq!(
        u64::from(racing.index),
        opener["process_index"].as_u64().unwrap(),
        "the later instance races"
    );
    let msbuild = expected(&testdata().join("msbuild-node.pml"));
    assert_eq!(
        msbuild["unmatched_opens"][0]["classification"],
        "open-at-capture-end"
    );
    assert_eq!(msbuild["incidents"][0]["holders"][0]["name"], "MSBuild.exe");
}

#[test]
fn thirty_two_bit_scenarios_read_back() {
    let dir = scratch("bits32");
    let out = dir.join("seed-race-32.pml");
    synth(&[
        "seed-race",
        "-o",
        out.to_str().unwrap(),
        "--seed",
        "7",
        "--bits32",
    ]);
    assert!(!Capture::open(&out).unwrap().header().is_64bit);
    check_findings(&out);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn bulk_is_deterministic_and_lists_its_incidents() {
    let dir = scratch("bulk");
    let a = dir.join("a.pml");
    let b = dir.join("b.pml");
    synth(&[
        "bulk",
        "--events",
        "60000",
        "--stacks",
        "--seed",
        "3",
        "-o",
        a.to_str().unwrap(),
    ]);
    synth(&[
        "bulk",
        "--events",
        "60000",
        "--stacks",
        "--seed",
        "3",
        "-o",
        b.to_str().unwrap(),
    ]);
    assert!(
        std::fs::read(&a).unwrap() == std::fs::read(&b).unwrap(),
        "same seed, same bytes"
    );
    let c = Capture::open(&a).unwrap();
    assert_eq!(c.event_count(), 60000);
    let exp = expected(&a);
    assert_eq!(exp["incidents"].as_array().unwrap().len(), 2);
    check_findings(&a);
    let names: BTreeSet<_> = c.processes().iter().map(|p| p.name.to_string()).collect();
    for n in [
        "System",
        "svchost.exe",
        "Explorer.EXE",
        "MsMpEng.exe",
        "python.exe",
        "cmd.exe",
        "cl.exe",
        "link.exe",
    ] {
        assert!(names.contains(n), "{n} in bulk");
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn unknown_scenarios_fail_cleanly() {
    let out = Command::new(env!("CARGO_BIN_EXE_pml"))
        .args(["synth", "no-such-story", "-o", "/nonexistent/x.pml"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("unknown scenario"));
}

#[test]
fn cut_off_captures_are_refused_as_not_closed_cleanly() {
    let dir = scratch("cutoff");
    let out = dir.join("seed-race-cut.pml");
    synth(&[
        "seed-race",
        "-o",
        out.to_str().unwrap(),
        "--seed",
        "1",
        "--cut-off",
    ]);
    let err = Capture::open(&out).unwrap_err();
    assert!(
        matches!(err.kind(), pml_parser::ErrorKind::NotClosedCleanly { .. }),
        "{err}"
    );
    // Same events as the complete capture: its event region is a prefix of the cut-off file.
    let full = std::fs::read(testdata().join("seed-race.pml")).unwrap();
    let cut = std::fs::read(&out).unwrap();
    let events_end = Capture::from_bytes(full.clone())
        .unwrap()
        .header()
        .event_offsets_offset as usize;
    assert_eq!(&cut[0x3A8..], &full[0x3A8..cut.len()]);
    assert!(
        cut.len() <= events_end && events_end - cut.len() < 4,
        "only alignment padding is missing"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}
