//! The captures pml_synth writes are real: the reader reads them with zero errors, the process
//! table agrees with the process events, the committed scenario captures regenerate byte for
//! byte, and an independent naive pass over the events finds exactly the unmatched opens and
//! sharing violations the returned findings list (so the noise adds none).

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use pml_parser::details::fs::FsDetails;
use pml_parser::details::process::ProcessDetails;
use pml_parser::ops::{fs_op, process_op};
use pml_parser::{Capture, Details, EventClass};
use pml_synth::{BulkOptions, Classification, Error, Expected, Options, ProcRef, SCENARIOS};

const SHARING_VIOLATION: u32 = 0xC000_0043;

fn testdata() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../testdata")
}

/// A fresh directory of this test process, removed when dropped.
struct Scratch(PathBuf);

impl Scratch {
    fn new(name: &str) -> Scratch {
        let dir =
            std::env::temp_dir().join(format!("pml-synth-lib-test-{}-{name}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        Scratch(dir)
    }

    fn path(&self, file: &str) -> PathBuf {
        self.0.join(file)
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn options(seed: u64, is_64bit: bool, cut_off: bool) -> Options {
    let mut o = Options::default();
    o.seed = seed;
    o.is_64bit = is_64bit;
    o.cut_off = cut_off;
    o
}

fn bulk_options(events: u64, seed: u64) -> BulkOptions {
    let mut o = BulkOptions::default();
    o.capture.seed = seed;
    o.events = events;
    o.stacks = true;
    o
}

/// A path as the findings name it: lower case, and on the scenarios' volume 3 (which
/// volume-spelling names by its device path) under its drive letter, as the analyzer pairs it.
fn canonical(path: &str) -> String {
    let lower = path.to_lowercase();
    match lower.strip_prefix("\\device\\harddiskvolume3\\") {
        Some(rest) => format!("c:\\{rest}"),
        None => lower,
    }
}

/// (process index, canonical path): how the naive pass and the findings are compared.
fn key(process: &ProcRef, path: &str) -> (u32, String) {
    (process.process_index, canonical(path))
}

/// Reads every event and checks the capture's internal consistency; returns the naive findings:
/// (unmatched opens, sharing violations) as (process index, canonical path) sets, and the
/// processes with a failed file-system event.
#[allow(clippy::type_complexity)]
fn check_capture(
    path: &Path,
    complete: bool,
) -> (
    BTreeSet<(u32, String)>,
    BTreeSet<(u32, String)>,
    BTreeSet<u32>,
) {
    let c = Capture::open(path).unwrap();
    assert!(c.warnings().is_empty(), "{:?}", c.warnings());
    let mut first: BTreeMap<u32, (u64, u16)> = BTreeMap::new();
    let mut last: BTreeMap<u32, (u64, u16, u64)> = BTreeMap::new();
    let mut opens: BTreeMap<(u32, String), i64> = BTreeMap::new();
    let mut violations = BTreeSet::new();
    let mut failed = BTreeSet::new();
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
        let operation = if e.class() == EventClass::Process {
            e.operation()
        } else {
            u16::MAX
        };
        last.insert(p.index, (e.index(), operation, e.time().0));
        match e.details().unwrap() {
            Details::FileSystem(d) => {
                let key = (p.index, canonical(&d.path.to_string_lossy()));
                if e.result() != 0 {
                    failed.insert(p.index);
                }
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
        if !complete {
            // Saved with a filter: the process events are gone.
            continue;
        }
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
    (unmatched, violations, failed)
}

/// The capture at `pml` reads back with exactly the findings `exp` lists.
fn check_findings(pml: &Path, exp: &Expected) {
    let complete = !exp.warnings.contains(&"no-process-events");
    let (unmatched, violations, failed) = check_capture(pml, complete);
    let c = Capture::open(pml).unwrap();
    assert_eq!(exp.events, c.event_count());
    let listed: BTreeSet<_> = exp
        .unmatched_opens
        .iter()
        .map(|u| key(&u.process, &u.path))
        .collect();
    // A capture saved without CloseFile has no unmatched opens to report (the analyzer warns).
    if !exp.warnings.contains(&"no-close-events") {
        assert_eq!(unmatched, listed, "{}: unmatched opens", pml.display());
    }
    let listed: BTreeSet<_> = exp
        .sharing_violations
        .iter()
        .map(|v| key(&v.process, &v.path))
        .collect();
    assert_eq!(violations, listed, "{}: sharing violations", pml.display());
    for incident in &exp.incidents {
        for v in &incident.victims {
            if matches!(incident.kind, "inherited-handle" | "sharing-violation") {
                let key = key(v, &incident.path);
                assert!(violations.contains(&key), "victim {key:?} failed");
            } else {
                // Refused otherwise (DELETE PENDING, ACCESS DENIED), or on another file (the
                // one a rename was to replace).
                assert!(failed.contains(&v.process_index), "victim {v:?} failed");
            }
        }
        // A named closer really issued a CloseFile of the path.
        if let Some(closer) = incident.closer {
            let closed = c.events().any(|e| {
                let e = e.unwrap();
                e.process_index() == closer.process_index
                    && e.operation() == fs_op::CLOSE_FILE
                    && canonical(&FsDetails::decode(&e).unwrap().path.to_string_lossy())
                        == canonical(&incident.path)
            });
            assert!(closed, "closer {closer:?} closes {}", incident.path);
        }
        // Process references name the right instance.
        for r in [incident.opener, incident.child, incident.closer]
            .into_iter()
            .flatten()
        {
            let p = c.processes().get(r.process_index).unwrap();
            assert_eq!(p.pid, r.pid);
            assert_eq!(&*p.name, r.name);
        }
    }
}

/// Writes scenario `name` into `dir` with `options`; returns the capture's path and findings.
fn write_scenario(dir: &Scratch, name: &str, options: &Options) -> (PathBuf, Expected) {
    let out = dir.path(&format!("{name}.pml"));
    let expected = pml_synth::scenario(name, &out, options).unwrap();
    (out, expected)
}

#[test]
fn committed_scenarios_regenerate_byte_for_byte() {
    let dir = Scratch::new("regen");
    for name in SCENARIOS {
        let (out, _) = write_scenario(&dir, name, &Options::default());
        for ext in ["pml", "expected.json"] {
            let fresh = std::fs::read(out.with_extension(ext)).unwrap();
            let committed = std::fs::read(testdata().join(format!("{name}.{ext}"))).unwrap();
            assert!(fresh == committed, "{name}.{ext} differs from testdata (regenerate with scripts/regen-testdata.sh if the change is intended)");
        }
    }
}

#[test]
fn the_findings_file_holds_the_returned_findings() {
    let dir = Scratch::new("findings-file");
    let (out, expected) = write_scenario(&dir, "msbuild-node", &Options::default());
    let path = pml_synth::expected_path(&out);
    assert_eq!(path, dir.path("msbuild-node.expected.json"));
    let mut text = serde_json::to_string_pretty(&expected).unwrap();
    text.push('\n');
    assert_eq!(std::fs::read_to_string(&path).unwrap(), text);
    assert!(
        !path.with_extension("json.partial").exists(),
        "no temporary file left"
    );
    assert_eq!(expected.scenario, "msbuild-node");
    assert_eq!(expected.seed, 1);
}

#[test]
fn scenario_captures_read_back_with_the_planted_findings() {
    let dir = Scratch::new("read-back");
    for name in SCENARIOS {
        let (out, expected) = write_scenario(&dir, name, &Options::default());
        check_findings(&out, &expected);
    }
}

#[test]
fn scenarios_have_the_story_the_schema_describes() {
    let dir = Scratch::new("stories");
    let mut found = BTreeMap::new();
    for name in SCENARIOS {
        found.insert(*name, write_scenario(&dir, name, &Options::default()));
    }
    let counts = |name: &str| {
        let e = &found[name].1;
        (
            e.incidents.len(),
            e.unmatched_opens.len(),
            e.sharing_violations.len(),
        )
    };
    assert_eq!(counts("seed-race"), (1, 1, 1));
    assert_eq!(counts("antivirus-lock"), (1, 0, 1));
    assert_eq!(counts("closed-before-spawn"), (0, 0, 0));
    assert_eq!(counts("spawn-outside-window"), (0, 0, 0));
    assert_eq!(counts("unmatched-opens"), (0, 5, 0));
    assert_eq!(counts("pid-reuse"), (1, 1, 1));
    assert_eq!(counts("msbuild-node"), (1, 1, 1));
    assert_eq!(counts("missing-header"), (0, 0, 0));
    assert_eq!(counts("installer-denied"), (0, 0, 0));
    assert_eq!(counts("delete-pending"), (1, 0, 0));
    assert_eq!(counts("exe-in-use"), (1, 0, 1));
    assert_eq!(counts("handle-leak"), (0, 48, 0));
    assert_eq!(counts("filtered-save"), (1, 0, 1));
    assert_eq!(counts("delete-refused"), (1, 0, 1));
    assert_eq!(counts("rename-refused"), (1, 0, 0));
    assert_eq!(counts("volume-spelling"), (1, 0, 1));
    let failed = |name: &str| {
        found[name]
            .1
            .failures
            .iter()
            .map(|f| (f.process.name, f.exit_status))
            .collect::<Vec<_>>()
    };
    assert_eq!(failed("seed-race"), [("cl.exe", 2), ("python.exe", 1)]);
    assert_eq!(failed("missing-header"), [("cl.exe", 2)]);
    assert_eq!(failed("installer-denied"), [("setup.exe", 1603)]);
    assert_eq!(failed("exe-in-use"), [("link.exe", 1104)]);
    assert_eq!(failed("delete-refused"), [("python.exe", 1)]);
    assert_eq!(failed("rename-refused"), [("python.exe", 1)]);
    assert_eq!(failed("volume-spelling"), [("bcache.exe", 1)]);
    assert!(
        failed("filtered-save").is_empty(),
        "no exits survive the filter"
    );
    assert_eq!(found["filtered-save"].1.warnings[0], "no-close-events");
    assert_eq!(found["handle-leak"].1.handle_leaks[0].unclosed, 48);

    let race = &found["seed-race"].1.incidents[0];
    assert_eq!(race.kind, "inherited-handle");
    assert_eq!(
        (race.opener.map(|o| o.name), race.child.map(|c| c.name)),
        (Some("python.exe"), Some("cmd.exe"))
    );
    assert_eq!(race.closer, race.child, "the child closes the handle");
    assert_eq!(race.victims[0].name, "cl.exe");
    assert_eq!(
        found["seed-race"].1.unmatched_opens[0].classification,
        Classification::ClosedByChild
    );

    let lock = &found["antivirus-lock"].1.incidents[0];
    assert_eq!(lock.kind, "sharing-violation");
    assert_eq!(lock.holders[0].name, "MsMpEng.exe");
    assert_eq!(lock.victims[0].name, "link.exe");
    assert_eq!(lock.child, None);

    assert!(found["unmatched-opens"]
        .1
        .unmatched_opens
        .iter()
        .all(|u| u.classification == Classification::OpenAtExit));

    let (pml, pid_reuse) = &found["pid-reuse"];
    let opener = pid_reuse.incidents[0].opener.unwrap();
    let c = Capture::open(pml).unwrap();
    let same_pid: Vec<_> = c
        .processes()
        .iter()
        .filter(|p| p.pid == opener.pid)
        .collect();
    assert_eq!(same_pid.len(), 2, "the opener's PID is used twice");
    let racing = same_pid.iter().max_by_key(|p| p.start_time).unwrap();
    assert_eq!(
        racing.index, opener.process_index,
        "the later instance races"
    );

    for (name, holder) in [
        ("delete-refused", "SearchProtocolHost.exe"),
        ("rename-refused", "testhost.exe"),
    ] {
        let refused = &found[name].1.incidents[0];
        assert_eq!(refused.kind, "delete-refused");
        assert_eq!(refused.holders[0].name, holder);
        assert_eq!(refused.closer, Some(refused.holders[0]));
    }
    let spelled = &found["volume-spelling"].1;
    assert_eq!(spelled.incidents[0].path, "C:\\build\\bin\\app.exe");
    assert_eq!(
        spelled.failures[0].top_cause.as_ref().unwrap().path,
        "\\Device\\HarddiskVolume3\\build\\bin\\app.exe",
        "the victim names the device path"
    );

    let msbuild = &found["msbuild-node"].1;
    assert_eq!(
        msbuild.unmatched_opens[0].classification,
        Classification::OpenAtCaptureEnd
    );
    assert_eq!(msbuild.incidents[0].holders[0].name, "MSBuild.exe");
    assert_eq!(msbuild.incidents[0].closer, None);
}

#[test]
fn thirty_two_bit_scenarios_read_back() {
    let dir = Scratch::new("bits32");
    for name in ["seed-race", "msbuild-node"] {
        let (out, expected) = write_scenario(&dir, name, &options(7, false, false));
        assert!(!Capture::open(&out).unwrap().header().is_64bit);
        assert_eq!(expected.seed, 7);
        check_findings(&out, &expected);
    }
}

#[test]
fn seeds_change_the_capture_and_the_same_seed_repeats_it() {
    let dir = Scratch::new("seeds");
    let a = dir.path("a.pml");
    let b = dir.path("b.pml");
    let c = dir.path("c.pml");
    pml_synth::scenario("pid-reuse", &a, &options(5, true, false)).unwrap();
    pml_synth::scenario("pid-reuse", &b, &options(5, true, false)).unwrap();
    pml_synth::scenario("pid-reuse", &c, &options(6, true, false)).unwrap();
    let read = |p: &Path| std::fs::read(p).unwrap();
    assert!(read(&a) == read(&b), "same seed, same bytes");
    assert!(read(&a) != read(&c), "another seed, another capture");
}

#[test]
fn cut_off_captures_are_refused_as_not_closed_cleanly() {
    let dir = Scratch::new("cutoff");
    let (out, expected) = write_scenario(&dir, "seed-race", &options(1, true, true));
    let err = Capture::open(&out).unwrap_err();
    assert!(
        matches!(err.kind(), pml_parser::ErrorKind::NotClosedCleanly { .. }),
        "{err}"
    );
    // Same events as the complete capture: its event region is a prefix of the cut-off file.
    let full = std::fs::read(testdata().join("seed-race.pml")).unwrap();
    let cut = std::fs::read(&out).unwrap();
    let complete = Capture::from_bytes(full.clone()).unwrap();
    assert_eq!(expected.events, complete.event_count());
    let events_end = complete.header().event_offsets_offset as usize;
    assert_eq!(&cut[0x3A8..], &full[0x3A8..cut.len()]);
    assert!(
        cut.len() <= events_end && events_end - cut.len() < 4,
        "only alignment padding is missing"
    );
}

#[test]
fn bulk_is_deterministic_and_lists_its_incidents() {
    let dir = Scratch::new("bulk");
    let a = dir.path("a.pml");
    let b = dir.path("b.pml");
    let expected = pml_synth::bulk(&a, &bulk_options(60_000, 3)).unwrap();
    let again = pml_synth::bulk(&b, &bulk_options(60_000, 3)).unwrap();
    assert!(
        std::fs::read(&a).unwrap() == std::fs::read(&b).unwrap(),
        "same seed, same bytes"
    );
    assert_eq!(expected, again);
    let c = Capture::open(&a).unwrap();
    assert_eq!(c.event_count(), 60_000);
    assert_eq!(expected.events, 60_000);
    assert_eq!(expected.scenario, "bulk");
    let kinds: Vec<_> = expected.incidents.iter().map(|i| i.kind).collect();
    assert_eq!(kinds, ["inherited-handle", "sharing-violation"]);
    check_findings(&a, &expected);
    let names: BTreeSet<_> = c.processes().iter().map(|p| p.name.to_string()).collect();
    for n in [
        "System",
        "svchost.exe",
        "Explorer.EXE",
        "MsMpEng.exe",
        "Code.exe",
        "SearchIndexer.exe",
        "OneDrive.exe",
        "python.exe",
        "cmd.exe",
        "cl.exe",
        "link.exe",
    ] {
        assert!(names.contains(n), "{n} in bulk");
    }
}

#[test]
fn unknown_scenarios_are_refused_before_anything_is_written() {
    let dir = Scratch::new("unknown");
    let out = dir.path("x.pml");
    // `bulk` is a generator of its own, not a scenario.
    for name in ["no-such-story", "bulk"] {
        let err = pml_synth::scenario(name, &out, &Options::default()).unwrap_err();
        assert!(
            matches!(&err, Error::UnknownScenario { name: n } if n == name),
            "{err:?}"
        );
        assert_eq!(
            err.to_string(),
            format!(
                "unknown scenario {name:?}; choose one of: {}, bulk",
                SCENARIOS.join(", ")
            )
        );
    }
    assert!(!out.exists());
    assert!(!pml_synth::expected_path(&out).exists());
}

#[test]
fn write_errors_name_the_file_and_keep_the_cause() {
    let dir = Scratch::new("io");
    let out = dir.path("missing-dir/x.pml");
    for err in [
        pml_synth::scenario("seed-race", &out, &Options::default()).unwrap_err(),
        pml_synth::bulk(&out, &bulk_options(10_000, 1)).unwrap_err(),
    ] {
        let Error::Io { path, source } = &err else {
            panic!("{err:?}");
        };
        assert_eq!(path, &out);
        let pml_parser::writer::WriteError::Io(source) = source else {
            panic!("{source:?}");
        };
        assert_eq!(source.kind(), std::io::ErrorKind::NotFound);
        assert_eq!(err.to_string(), format!("cannot write {}", out.display()));
        assert!(std::error::Error::source(&err).is_some());
    }
}

#[test]
fn bulk_refuses_fewer_events_than_its_incidents_need() {
    let dir = Scratch::new("too-few");
    let out = dir.path("tiny.pml");
    let err = pml_synth::bulk(&out, &bulk_options(1, 1)).unwrap_err();
    let Error::TooFewEvents {
        events,
        planted,
        needed,
    } = err
    else {
        panic!("{err:?}");
    };
    assert_eq!((events, planted), (1, 2));
    assert!(needed > 1, "{needed}");
    assert!(!out.exists());
}
