//! The analysis of a capture as one typed, serializable value.

use std::collections::BTreeMap;

use serde::Serialize;

use pml_parser::SplitCapture;

use crate::detectors::Detectors;
use crate::extract::{self, EventCounts, Exclusions, Extraction};
use crate::failures::ProcessFailure;
use crate::findings::{InheritedHandle, SharingViolation, Time, UnmatchedOpen};
use crate::incidents::Incident;
use crate::leaks::HandleLeak;
use crate::lifetimes::PairingStats;
use crate::model::{ProcessInfo, Record};
use crate::paths::{Keyer, PathKey, VolumeEvidence, VolumeMap};
use crate::procmon_noise::ToolProcesses;
use crate::warnings::Warning;

/// Default inheritance window: a Process Create this soon after an open is a suspect.
pub const DEFAULT_WINDOW_MS: u64 = 50;

/// Analysis settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Options {
    /// A Process Create by the opener at most this many milliseconds after an open of a file it
    /// still holds makes an inherited-handle candidate.
    pub window_ms: u64,
    /// Keep ProcMon's own activity (its processes, the paging files, NTFS metadata, its trace
    /// files), which its default filter hides and the analysis leaves out by default
    /// ([`crate::procmon_noise`]).
    pub include_procmon: bool,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            window_ms: DEFAULT_WINDOW_MS,
            include_procmon: false,
        }
    }
}

/// Counts that say what the analysis saw.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Summary {
    /// The inheritance window used, in milliseconds.
    pub window_ms: u64,
    /// Event counts, when the records came from a capture.
    pub events: Option<EventCounts>,
    /// How opens and closes were paired.
    pub pairing: PairingStats,
    /// Processes known (process table and Process Create events).
    pub processes: usize,
    /// Unmatched opens per classification.
    pub unmatched_by_classification: BTreeMap<&'static str, usize>,
    /// Incidents found.
    pub incidents: usize,
    /// Inherited-handle candidates, incidents or not.
    pub inherited_handle_candidates: usize,
    /// Handle leaks (groups of opens nobody closed).
    pub handle_leaks: usize,
    /// Processes that exited with a non-zero status.
    pub failures: usize,
    /// Events (records, when fed by hand) left out as ProcMon's own activity; 0 with
    /// `include_procmon`.
    pub procmon_events_excluded: u64,
    /// True when ProcMon's own activity was kept.
    pub include_procmon: bool,
    /// The drive letter learned for each `\Device\HarddiskVolumeN` the capture names, from
    /// paths it spells both ways (`{"\\Device\\HarddiskVolume4": "C:"}`); omitted when empty.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub volume_letters: BTreeMap<String, String>,
    /// Time of the last event.
    pub end_time: Option<Time>,
}

/// Everything the analyzer finds in a capture.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Analysis {
    /// What the capture cannot show, found before judging it.
    pub warnings: Vec<Warning>,
    /// Processes that exited with a non-zero status and the likely causes, most important
    /// first.
    pub failures: Vec<ProcessFailure>,
    /// Incidents, by the time of their first event.
    pub incidents: Vec<Incident>,
    /// Opens nobody closed, grouped per process instance and path, most unclosed first.
    pub handle_leaks: Vec<HandleLeak>,
    /// Successful CreateFiles with no CloseFile in the same process instance, by open time
    /// (empty when the capture has no CloseFile at all).
    pub unmatched_opens: Vec<UnmatchedOpen>,
    /// CreateFiles that failed with SHARING VIOLATION, by time.
    pub sharing_violations: Vec<SharingViolation>,
    /// Inherited-handle candidates, best corroborated first.
    pub inherited_handles: Vec<InheritedHandle>,
    /// Counts.
    pub summary: Summary,
}

/// Analyzes a capture (all its parts, as one) in one streaming pass. The findings use global
/// event indices; a process keeps its process index across the parts, and the first part's
/// table that names it wins.
pub fn analyze(capture: &SplitCapture, options: &Options) -> Analysis {
    let mut seen = std::collections::HashSet::new();
    let processes: Vec<ProcessInfo> = capture
        .captures()
        .flat_map(|c| c.processes().iter())
        .filter(|p| seen.insert(p.index))
        .map(ProcessInfo::from_table)
        .collect();
    let exclusions = if options.include_procmon {
        Exclusions::default()
    } else {
        Exclusions {
            tools: ToolProcesses::of(&processes),
            noise_paths: true,
        }
    };
    let header = capture.captures().next().map(|c| c.header());
    let keyer = header.map_or_else(Keyer::default, |h| {
        Keyer::new(&h.system_root, &h.computer_name)
    });
    let setup = Extraction {
        exclusions,
        keyer,
        registry_names: false,
    };
    let mut detectors = Detectors::new(processes, options.window_ms, &setup.keyer);
    let counts = extract::for_each_record(capture, &setup, |r| detectors.feed(r));
    detectors.extend_to(counts.last_time);
    if detectors.wants_names() {
        // File events name a device path (rare: ProcMon logs drive letters): read the capture
        // again for every path it names either way, registry values included, so that the
        // letters are learned from the whole capture.
        detectors.note_keys(&named_keys(capture, setup.keyer.clone()));
    }
    detectors.finish(options, Some(counts), counts.procmon_events)
}

/// Every distinctive path the capture names under a drive letter or a volume: its file and
/// Load Image events, the device paths in its registry values, its processes' images and
/// modules.
fn named_keys(capture: &SplitCapture, keyer: Keyer) -> Vec<PathKey> {
    let setup = Extraction {
        exclusions: Exclusions::default(),
        keyer,
        registry_names: true,
    };
    let mut keys = extract::named_keys(capture, &setup);
    for p in capture.captures().flat_map(|c| c.processes().iter()) {
        keys.push(setup.keyer.key(&p.image_path));
        keys.extend(p.modules.iter().map(|m| setup.keyer.key(&m.path)));
    }
    keys
}

/// The drive letter of each `\Device\HarddiskVolumeN` a capture names, learned from the paths
/// it names both ways (file and Load Image events, registry values such as the Background
/// Activity Moderator's `...\bam\State\UserSettings\<SID>\\Device\HarddiskVolume4\...`,
/// its processes' images and modules). `analyze` learns the same when the capture's file
/// events name device paths (see `Summary::volume_letters`).
pub fn volume_letters(capture: &SplitCapture) -> VolumeMap {
    let keyer = capture.captures().next().map_or_else(Keyer::default, |c| {
        Keyer::new(&c.header().system_root, &c.header().computer_name)
    });
    let mut evidence = VolumeEvidence::default();
    evidence.note_all(&named_keys(capture, keyer));
    evidence.finish()
}

/// Analyzes records made by hand or by another reader: `processes` is the process table,
/// `records` the events the detectors care about, in event order.
pub fn analyze_records<'r>(
    processes: impl IntoIterator<Item = ProcessInfo>,
    records: impl IntoIterator<Item = &'r Record>,
    options: &Options,
) -> Analysis {
    let processes: Vec<ProcessInfo> = processes.into_iter().collect();
    let tools = ToolProcesses::of(&processes);
    let mut detectors = Detectors::new(processes, options.window_ms, &Keyer::default());
    let mut excluded = 0;
    for r in records {
        if !options.include_procmon && crate::procmon_noise::is_noise_record(r, &tools) {
            excluded += 1;
        } else {
            detectors.feed(r);
        }
    }
    detectors.finish(options, None, excluded)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lifetimes::tests::{close, exit, fail, ms, open, proc_info, spawn};
    use crate::model::FileOp;
    use crate::{Classification, IncidentKind, Severity};

    const WRITE: u32 = 0x0012_0116;
    const READ: u32 = 0x0012_0089;
    const GEN: &str = r"C:\build\gen\parser.cpp";

    fn run(procs: Vec<ProcessInfo>, records: &[Record]) -> Analysis {
        analyze_records(procs, records, &Options::default())
    }

    fn indices(list: &[crate::ProcessRef]) -> Vec<u32> {
        list.iter().map(|p| p.process_index).collect()
    }

    fn seed_race_procs() -> Vec<ProcessInfo> {
        vec![
            proc_info(1, 4242, None, "python.exe"),
            proc_info(2, 5000, Some(1), "cmd.exe"),
            proc_info(3, 5100, Some(1), "cl.exe"),
        ]
    }

    #[test]
    fn seed_race_is_one_inherited_handle_incident() {
        let r = run(
            seed_race_procs(),
            &[
                open(10, 0, 1, GEN, WRITE, 1),
                spawn(11, 7, 1, 2),
                spawn(12, 30, 1, 3),
                fail(13, 40, 3, r"c:\BUILD\gen\parser.cpp", READ, 1),
                close(14, 200, 2, GEN),
                exit(15, 210, 2),
            ],
        );
        assert_eq!(r.incidents.len(), 1);
        let i = &r.incidents[0];
        assert_eq!(i.kind, IncidentKind::InheritedHandle);
        assert_eq!(i.path, GEN);
        assert_eq!(i.opener.as_ref().unwrap().pid, 4242);
        assert_eq!(i.child.as_ref().unwrap().process_index, 2);
        assert_eq!(i.closer.as_ref().unwrap().process_index, 2);
        assert_eq!(indices(&i.holders), [2]);
        assert_eq!(indices(&i.victims), [3]);
        assert_eq!(i.events, [10, 11, 13, 14]);
        assert_eq!(i.spawn_gap_ms, Some(7.0));
        assert_eq!(i.severity, Severity::High);
        assert!(
            i.explanation.contains("cmd.exe (PID 5000)"),
            "{}",
            i.explanation
        );
        assert!(i.fix.contains("close_fds=True"));

        assert_eq!(r.unmatched_opens.len(), 1);
        assert_eq!(r.unmatched_opens[0].process.process_index, 1);
        assert_eq!(
            r.unmatched_opens[0].classification,
            Classification::ClosedByChild
        );
        assert_eq!(r.sharing_violations.len(), 1);
        let sv = &r.sharing_violations[0];
        assert_eq!(sv.holders.len(), 1);
        assert_eq!(sv.holders[0].process.process_index, 2);
        assert!(sv.holders[0].inherited);
        assert!(sv.explained);
    }

    #[test]
    fn a_failure_before_the_spawn_is_blamed_on_the_opener() {
        let r = run(
            seed_race_procs(),
            &[
                open(10, 0, 1, GEN, WRITE, 1),
                fail(11, 2, 3, GEN, READ, 1),
                spawn(12, 7, 1, 2),
                close(14, 200, 2, GEN),
            ],
        );
        assert_eq!(r.sharing_violations[0].holders[0].process.process_index, 1);
        let kinds: Vec<_> = r.incidents.iter().map(|i| i.kind).collect();
        assert_eq!(
            kinds,
            [
                IncidentKind::InheritedHandle,
                IncidentKind::SharingViolation
            ]
        );
        assert!(r.incidents[0].victims.is_empty());
        assert_eq!(r.incidents[0].severity, Severity::Medium);
    }

    #[test]
    fn a_grandchild_closing_is_closed_by_descendant() {
        let mut procs = seed_race_procs();
        procs.push(proc_info(4, 6000, Some(2), "conhost.exe"));
        let r = run(
            procs,
            &[
                open(10, 0, 1, GEN, WRITE, 1),
                spawn(11, 7, 1, 2),
                spawn(12, 20, 2, 4),
                fail(13, 40, 3, GEN, READ, 1),
                close(14, 200, 4, GEN),
            ],
        );
        assert_eq!(
            r.unmatched_opens[0].classification,
            Classification::ClosedByDescendant
        );
        let i = &r.incidents[0];
        assert_eq!(i.kind, IncidentKind::InheritedHandle);
        assert_eq!(i.child.as_ref().unwrap().process_index, 2);
        assert_eq!(indices(&i.holders), [4], "the deepest holder alive then");
        assert_eq!(i.closer.as_ref().unwrap().process_index, 4);
    }

    #[test]
    fn antivirus_lock_is_a_sharing_violation_incident() {
        let obj = r"C:\build\out\main.obj";
        let r = run(
            vec![
                proc_info(1, 3000, None, "MsMpEng.exe"),
                proc_info(2, 3100, None, "link.exe"),
            ],
            &[
                open(1, 0, 1, obj, READ, 0),
                fail(2, 3, 2, obj, READ, 1),
                fail(3, 4, 2, obj, READ, 1),
                close(4, 9, 1, obj),
            ],
        );
        assert!(r.unmatched_opens.is_empty());
        assert_eq!(r.sharing_violations.len(), 2);
        assert_eq!(r.incidents.len(), 1);
        let i = &r.incidents[0];
        assert_eq!(i.kind, IncidentKind::SharingViolation);
        assert!(i.child.is_none());
        assert_eq!(indices(&i.holders), [1]);
        assert_eq!(indices(&i.victims), [2]);
        assert_eq!(i.closer.as_ref().unwrap().process_index, 1);
        assert_eq!(i.events, [1, 2, 3, 4]);
        assert!(i.fix.contains("exclude"), "{}", i.fix);
    }

    #[test]
    fn closed_before_spawn_and_spawn_outside_window_find_nothing() {
        let procs = seed_race_procs();
        let before = run(
            procs.clone(),
            &[
                open(1, 0, 1, GEN, WRITE, 1),
                close(2, 3, 1, GEN),
                spawn(3, 5, 1, 2),
            ],
        );
        let outside = run(
            procs,
            &[
                open(1, 0, 1, GEN, WRITE, 1),
                spawn(2, 80, 1, 2),
                close(3, 200, 1, GEN),
            ],
        );
        for r in [before, outside] {
            assert!(r.incidents.is_empty());
            assert!(r.unmatched_opens.is_empty());
            assert!(r.sharing_violations.is_empty());
            assert!(r.inherited_handles.is_empty());
        }
    }

    #[test]
    fn opens_left_at_exit_and_at_capture_end() {
        let mut records = Vec::new();
        for n in 0..50u64 {
            records.push(open(n, n, 1, &format!(r"C:\f{n}"), READ, 1));
        }
        for n in 0..45u64 {
            records.push(close(100 + n, 100 + n, 1, &format!(r"C:\F{n}")));
        }
        records.push(exit(200, 200, 1));
        records.push(open(201, 201, 2, r"C:\held", READ, 1));
        let r = run(
            vec![
                proc_info(1, 10, None, "gen.exe"),
                proc_info(2, 11, None, "MSBuild.exe"),
            ],
            &records,
        );
        let classes: Vec<_> = r
            .unmatched_opens
            .iter()
            .map(|u| (u.process.process_index, u.classification))
            .collect();
        let mut want = vec![(1, Classification::OpenAtExit); 5];
        want.push((2, Classification::OpenAtCaptureEnd));
        assert_eq!(classes, want);
        assert!(r.incidents.is_empty());
        assert_eq!(r.summary.unmatched_by_classification["open-at-exit"], 5);
    }

    #[test]
    fn a_reused_pid_names_the_right_instance() {
        let mut first = proc_info(1, 700, None, "tool.exe");
        first.end_time = ms(5);
        let r = run(
            vec![
                first,
                proc_info(2, 700, None, "tool.exe"),
                proc_info(3, 800, Some(2), "cmd.exe"),
                proc_info(4, 900, None, "cl.exe"),
            ],
            &[
                open(1, 0, 1, GEN, WRITE, 1),
                close(2, 1, 1, GEN),
                exit(3, 5, 1),
                open(4, 10, 2, GEN, WRITE, 1),
                spawn(5, 12, 2, 3),
                fail(6, 20, 4, GEN, READ, 1),
                close(7, 90, 3, GEN),
            ],
        );
        assert_eq!(r.incidents.len(), 1);
        assert_eq!(r.incidents[0].opener.as_ref().unwrap().process_index, 2);
        assert_eq!(r.unmatched_opens.len(), 1);
        assert_eq!(r.unmatched_opens[0].process.process_index, 2);
    }

    #[test]
    fn msbuild_node_holding_an_output_is_a_sharing_violation_incident() {
        let dll = r"C:\src\bin\Debug\lib.dll";
        let r = run(
            vec![
                proc_info(1, 100, None, "MSBuild.exe"),
                proc_info(2, 200, None, "csc.exe"),
            ],
            &[open(1, 0, 1, dll, READ, 1), fail(2, 5000, 2, dll, WRITE, 1)],
        );
        assert_eq!(r.incidents.len(), 1);
        let i = &r.incidents[0];
        assert_eq!(i.kind, IncidentKind::SharingViolation);
        assert_eq!(indices(&i.holders), [1]);
        assert!(i.closer.is_none());
        assert!(i.fix.contains("/nodeReuse:false"));
        assert_eq!(
            r.unmatched_opens[0].classification,
            Classification::OpenAtCaptureEnd
        );
    }

    #[test]
    fn a_handle_nobody_closes_with_victims_while_the_child_lives_is_an_incident() {
        let r = run(
            seed_race_procs(),
            &[
                open(10, 0, 1, GEN, WRITE, 1),
                spawn(11, 20, 1, 2),
                spawn(12, 30, 1, 3),
                fail(13, 40, 3, GEN, READ, 1),
            ],
        );
        assert_eq!(r.incidents.len(), 1);
        let i = &r.incidents[0];
        assert_eq!(i.kind, IncidentKind::InheritedHandle);
        assert!(i.closer.is_none());
        assert_eq!(i.severity, Severity::High);
        assert!(
            i.explanation.contains("Nobody closed it"),
            "{}",
            i.explanation
        );
        // Without a close under the child, the opener is the holder ProcMon can show.
        assert_eq!(indices(&i.holders), [1]);
        assert_eq!(
            r.unmatched_opens[0].classification,
            Classification::OpenAtCaptureEnd
        );
        let h = &r.inherited_handles[0];
        assert_eq!(h.score, 3);
        assert_eq!(h.corroboration.victim_events, [13]);
    }

    #[test]
    fn a_larger_window_catches_a_later_spawn() {
        let records = [
            open(10, 0, 1, GEN, WRITE, 1),
            spawn(11, 80, 1, 2),
            close(12, 200, 2, GEN),
        ];
        let narrow = run(seed_race_procs(), &records);
        assert!(narrow.incidents.is_empty());
        assert_eq!(
            narrow.unmatched_opens[0].classification,
            Classification::ClosedByChild
        );
        let wide = analyze_records(
            seed_race_procs(),
            &records,
            &Options {
                window_ms: 100,
                ..Options::default()
            },
        );
        assert_eq!(wide.incidents.len(), 1);
        assert_eq!(wide.incidents[0].spawn_gap_ms, Some(80.0));
    }

    #[test]
    fn two_locks_of_one_path_are_two_incidents() {
        let obj = r"C:\o.obj";
        let r = run(
            vec![
                proc_info(1, 10, None, "MsMpEng.exe"),
                proc_info(2, 20, None, "link.exe"),
            ],
            &[
                open(1, 0, 1, obj, READ, 0),
                fail(2, 1, 2, obj, READ, 1),
                fail(3, 2, 2, obj, READ, 1),
                close(4, 3, 1, obj),
                open(5, 10, 1, obj, READ, 0),
                fail(6, 11, 2, obj, READ, 1),
                close(7, 12, 1, obj),
            ],
        );
        let events: Vec<_> = r.incidents.iter().map(|i| i.events.clone()).collect();
        assert_eq!(events, [vec![1, 2, 3, 4], vec![5, 6, 7]]);
        assert_eq!(r.sharing_violations.len(), 3);
    }

    #[test]
    fn a_handle_closed_only_by_a_stranger_is_closed_by_unrelated() {
        let r = run(
            vec![
                proc_info(1, 10, None, "broker.exe"),
                proc_info(2, 20, None, "app.exe"),
            ],
            &[open(1, 0, 1, GEN, READ, 1), close(2, 5, 2, GEN)],
        );
        assert_eq!(r.unmatched_opens.len(), 1);
        let u = &r.unmatched_opens[0];
        assert_eq!(u.classification, Classification::ClosedByUnrelated);
        assert_eq!(u.close.as_ref().unwrap().process.process_index, 2);
        assert!(r.incidents.is_empty());
    }

    const DEVICE_EXE: &str = r"\Device\HarddiskVolume3\build\out\app.exe";
    const LETTER_EXE: &str = r"C:\build\out\app.exe";

    fn linker_and_cache() -> Vec<ProcessInfo> {
        vec![
            proc_info(1, 100, None, "link.exe"),
            proc_info(2, 200, None, "bcache.exe"),
        ]
    }

    fn name(ev: u64, path: &str) -> Record {
        Record::Name(crate::model::NameSeen {
            event_index: ev,
            key: crate::paths::key(path),
        })
    }

    #[test]
    fn a_device_path_failure_is_paired_with_the_drive_letter_holder() {
        let r = run(
            linker_and_cache(),
            &[
                open(1, 0, 1, LETTER_EXE, WRITE, 0),
                fail(2, 5, 2, DEVICE_EXE, READ, 7),
                close(3, 9, 1, LETTER_EXE),
            ],
        );
        assert!(r.warnings.is_empty(), "{:?}", r.warnings);
        assert_eq!(r.incidents.len(), 1);
        let i = &r.incidents[0];
        assert_eq!(i.kind, IncidentKind::SharingViolation);
        assert_eq!(i.path, LETTER_EXE, "the holder's spelling");
        assert_eq!(indices(&i.holders), [1]);
        assert_eq!(indices(&i.victims), [2]);
        assert_eq!(i.events, [1, 2, 3]);
        assert!(
            i.explanation.contains(&format!(
                "named it {DEVICE_EXE}, the same file: this capture shows \
                 \\Device\\HarddiskVolume3 as C:"
            )),
            "{}",
            i.explanation
        );
        let sv = &r.sharing_violations[0];
        assert_eq!(sv.path, LETTER_EXE);
        assert_eq!(sv.spelled_as.as_deref(), Some(DEVICE_EXE));
        assert!(sv.explained);
    }

    #[test]
    fn a_drive_letter_failure_is_paired_with_a_device_path_holder() {
        // The other way round: the holder opened the device path, the failure names the drive
        // letter; a registry name of the same volume seen later agrees.
        let r = run(
            linker_and_cache(),
            &[
                open(1, 0, 2, DEVICE_EXE, READ, 0),
                fail(2, 5, 1, LETTER_EXE, WRITE, 1),
                name(3, r"\Device\HarddiskVolume3\build\tools\bcache.exe"),
            ],
        );
        assert_eq!(r.incidents.len(), 1);
        let i = &r.incidents[0];
        assert_eq!(i.path, DEVICE_EXE);
        assert_eq!(indices(&i.holders), [2]);
        assert_eq!(
            r.sharing_violations[0].spelled_as.as_deref(),
            Some(LETTER_EXE)
        );
        assert_eq!(r.unmatched_opens.len(), 1);
    }

    #[test]
    fn a_volume_seen_with_two_letters_pairs_nothing_and_says_so() {
        let r = run(
            linker_and_cache(),
            &[
                open(1, 0, 1, LETTER_EXE, WRITE, 0),
                fail(2, 5, 2, DEVICE_EXE, READ, 7),
                close(3, 9, 1, LETTER_EXE),
                // Later evidence that volume 3 is D: (a tool's registry entry and its image).
                name(4, r"\Device\HarddiskVolume3\tools\bcache.exe"),
                open(5, 12, 2, r"D:\tools\bcache.exe", READ, 7),
                close(6, 13, 2, r"D:\tools\bcache.exe"),
            ],
        );
        let codes: Vec<&str> = r.warnings.iter().map(|w| w.code).collect();
        assert_eq!(codes, ["ambiguous-volume"]);
        assert!(
            r.warnings[0]
                .message
                .starts_with(r"\Device\HarddiskVolume3 is spelled as C: (1 path) and D: (1 path)"),
            "{}",
            r.warnings[0].message
        );
        assert_eq!(r.incidents.len(), 1);
        assert!(r.incidents[0].holders.is_empty(), "not paired");
        assert_eq!(r.incidents[0].path, DEVICE_EXE);
        assert_eq!(r.sharing_violations[0].spelled_as, None);
    }

    #[test]
    fn a_running_image_named_by_drive_letter_holds_its_device_path() {
        let mut app = proc_info(1, 100, None, "app.exe");
        app.image_path = LETTER_EXE.into();
        let r = run(
            vec![app, proc_info(2, 200, None, "link.exe")],
            &[fail(1, 5, 2, DEVICE_EXE, WRITE, 1)],
        );
        assert_eq!(r.incidents.len(), 1);
        let i = &r.incidents[0];
        assert_eq!(i.kind, IncidentKind::ImageInUse);
        assert_eq!(indices(&i.holders), [1]);
    }

    #[test]
    fn unpaired_spellings_stay_apart() {
        // A shadow copy and a volume the capture never shows with a letter are other files.
        let r = run(
            linker_and_cache(),
            &[
                open(1, 0, 1, LETTER_EXE, WRITE, 0),
                fail(
                    2,
                    5,
                    2,
                    r"\Device\HarddiskVolumeShadowCopy3\build\out\app.exe",
                    READ,
                    7,
                ),
                fail(3, 6, 2, r"\Device\HarddiskVolume9\other\app.exe", READ, 7),
            ],
        );
        assert!(r.incidents.iter().all(|i| i.holders.is_empty()));
        assert!(r.warnings.is_empty());
    }

    const DELETE: u32 = 0x0011_0080;
    const OUT: &str = r"C:\build\out\app.pdb";

    fn file(ev: u64, t: u64, p: u32, path: &str, kind: crate::model::FileOpKind) -> FileOp {
        FileOp::new(ev, ms(t), p, p * 10, path.to_string(), kind)
    }

    fn removal_open(ev: u64, t: u64, p: u32, path: &str, options: u32, status: u32) -> Record {
        let request = crate::model::OpenRequest {
            desired_access: DELETE,
            share_mode: 7,
            options,
            disposition: 1,
        };
        let kind = if status == crate::model::STATUS_SHARING_VIOLATION {
            crate::model::FileOpKind::SharingViolation { request }
        } else {
            crate::model::FileOpKind::OpenFailed { request, status }
        };
        Record::File(file(ev, t, p, path, kind))
    }

    fn set_info(ev: u64, t: u64, p: u32, path: &str, rename: bool, status: u32) -> FileOp {
        file(
            ev,
            t,
            p,
            path,
            crate::model::FileOpKind::DeleteOrRename { rename, status },
        )
    }

    fn scanner_and_build() -> Vec<ProcessInfo> {
        vec![
            proc_info(1, 100, None, "SearchProtocolHost.exe"),
            proc_info(2, 200, None, "python.exe"),
        ]
    }

    #[test]
    fn a_delete_refused_by_a_handle_without_share_delete_is_an_incident() {
        use crate::model::STATUS_SHARING_VIOLATION as SV;
        let r = run(
            scanner_and_build(),
            &[
                open(1, 0, 1, OUT, READ, 1),
                removal_open(2, 3, 2, OUT, 0x20_0000, SV),
                removal_open(3, 4, 2, OUT, 0x20_0000, SV),
                close(4, 9, 1, OUT),
            ],
        );
        assert_eq!(r.incidents.len(), 1, "{:#?}", r.incidents);
        let i = &r.incidents[0];
        assert_eq!(i.kind, IncidentKind::DeleteRefused);
        assert_eq!(i.operation, Some("delete-or-rename"));
        assert_eq!(i.path, OUT);
        assert_eq!(indices(&i.holders), [1]);
        assert_eq!(indices(&i.victims), [2]);
        assert_eq!(i.opener.as_ref().unwrap().process_index, 1);
        assert_eq!(i.closer.as_ref().unwrap().process_index, 1);
        assert_eq!(i.events, [1, 2, 3, 4]);
        assert!(
            i.explanation.starts_with(&format!(
                "2 deletes or renames of {OUT} failed. At 18:40:00.0030000Z python.exe (PID 200) \
                 failed to delete or rename it with SHARING VIOLATION (event 2, asked for delete \
                 (0x00110080), sharing Read, Write, Delete). SearchProtocolHost.exe (PID 100) held \
                 it since"
            )),
            "{}",
            i.explanation
        );
        assert!(
            i.explanation.contains("FILE_SHARE_DELETE"),
            "{}",
            i.explanation
        );
        assert!(
            i.fix.contains("exclude the build output folders"),
            "{}",
            i.fix
        );
        // The failed opens are still sharing violations.
        assert_eq!(r.sharing_violations.len(), 2);
    }

    #[test]
    fn a_delete_on_close_is_a_delete_and_a_handle_sharing_delete_refuses_nothing() {
        use crate::model::STATUS_SHARING_VIOLATION as SV;
        let r = run(
            scanner_and_build(),
            &[
                open(1, 0, 1, OUT, READ, 1),
                removal_open(2, 3, 2, OUT, 0x1000, SV),
                close(3, 9, 1, OUT),
                open(4, 20, 1, OUT, READ, 7),
                removal_open(5, 23, 2, OUT, 0x1000, SV),
                close(6, 29, 1, OUT),
            ],
        );
        let kinds: Vec<_> = r.incidents.iter().map(|i| (i.kind, i.operation)).collect();
        assert_eq!(
            kinds,
            [
                (IncidentKind::DeleteRefused, Some("delete")),
                (IncidentKind::SharingViolation, None)
            ]
        );
        assert!(r.incidents[0].explanation.starts_with("1 delete of"));
    }

    #[test]
    fn a_delete_of_a_running_exe_is_the_image_not_the_deleters_own_handle() {
        use crate::model::STATUS_CANNOT_DELETE;
        let mut app = proc_info(1, 100, None, "app.exe");
        app.image_path = LETTER_EXE.into();
        let mut records = vec![
            open(1, 0, 2, LETTER_EXE, DELETE, 7),
            Record::File(set_info(2, 1, 2, LETTER_EXE, false, STATUS_CANNOT_DELETE)),
            close(3, 2, 2, LETTER_EXE),
        ];
        // And a delete-on-close open of it, refused the same way.
        records.push(removal_open(
            4,
            5,
            2,
            LETTER_EXE,
            0x1000,
            STATUS_CANNOT_DELETE,
        ));
        let r = run(vec![app, proc_info(2, 200, None, "cmd.exe")], &records);
        assert_eq!(r.incidents.len(), 1, "{:#?}", r.incidents);
        let i = &r.incidents[0];
        assert_eq!(i.kind, IncidentKind::ImageInUse);
        assert_eq!(i.operation, Some("delete"));
        assert_eq!(indices(&i.holders), [1]);
        assert_eq!(indices(&i.victims), [2]);
        assert!(
            i.explanation.contains(
                "The handles open on it do not refuse it, but app.exe (PID 100) was running"
            ),
            "{}",
            i.explanation
        );
    }

    #[test]
    fn a_rename_over_a_file_held_open_is_refused_by_its_holder() {
        use crate::model::STATUS_ACCESS_DENIED;
        let results = r"C:\build\out\results.trx";
        let temp = r"C:\build\out\results.trx.tmp";
        let r = run(
            vec![
                proc_info(1, 100, None, "testhost.exe"),
                proc_info(2, 200, None, "python.exe"),
            ],
            &[
                open(1, 0, 1, results, WRITE, 7),
                open(2, 3, 2, temp, DELETE, 7),
                Record::File(
                    set_info(3, 4, 2, temp, true, STATUS_ACCESS_DENIED)
                        .replacing(&format!(r"\??\{results}")),
                ),
                close(4, 5, 2, temp),
            ],
        );
        assert_eq!(r.incidents.len(), 1, "{:#?}", r.incidents);
        let i = &r.incidents[0];
        assert_eq!(i.kind, IncidentKind::DeleteRefused);
        assert_eq!(i.operation, Some("rename"));
        assert_eq!(i.path, results, "the file the rename was to replace");
        assert_eq!(indices(&i.holders), [1]);
        assert!(i.closer.is_none());
        assert_eq!(i.events, [1, 3]);
        assert!(
            i.explanation
                .starts_with(&format!("1 rename of {temp} over {results} failed.")),
            "{}",
            i.explanation
        );
        assert!(
            i.fix.contains("wait until testhost.exe has closed it"),
            "{}",
            i.fix
        );
        assert!(i.fix.contains("POSIX"), "{}", i.fix);
        assert!(r.sharing_violations.is_empty());
    }

    #[test]
    fn a_rename_over_a_running_exe_is_image_in_use() {
        use crate::model::STATUS_ACCESS_DENIED;
        let mut app = proc_info(1, 100, None, "app.exe");
        app.image_path = LETTER_EXE.into();
        let temp = r"C:\build\out\app.exe.new";
        let r = run(
            vec![app, proc_info(2, 200, None, "link.exe")],
            &[Record::File(
                set_info(1, 4, 2, temp, true, STATUS_ACCESS_DENIED).replacing(LETTER_EXE),
            )],
        );
        assert_eq!(r.incidents.len(), 1);
        let i = &r.incidents[0];
        assert_eq!(
            (i.kind, i.operation),
            (IncidentKind::ImageInUse, Some("rename"))
        );
        assert_eq!(i.path, LETTER_EXE);
        assert_eq!(indices(&i.holders), [1]);
    }

    #[test]
    fn a_temporary_file_opened_for_writing_with_delete_on_close_is_an_open() {
        let request = crate::model::OpenRequest {
            desired_access: WRITE,
            share_mode: 7,
            options: 0x1000,
            disposition: 2,
        };
        let r = run(
            scanner_and_build(),
            &[
                open(1, 0, 1, OUT, READ, 1),
                Record::File(file(
                    2,
                    3,
                    2,
                    OUT,
                    crate::model::FileOpKind::SharingViolation { request },
                )),
            ],
        );
        let kinds: Vec<_> = r.incidents.iter().map(|i| (i.kind, i.operation)).collect();
        assert_eq!(kinds, [(IncidentKind::SharingViolation, None)]);
    }

    #[test]
    fn removals_refused_for_other_reasons_are_no_incident() {
        use crate::model::{STATUS_ACCESS_DENIED, STATUS_SHARING_VIOLATION as SV};
        let r = run(
            seed_race_procs(),
            &[
                // Denied by the file's security, nothing holds it.
                removal_open(1, 0, 3, OUT, 0x1000, STATUS_ACCESS_DENIED),
                // An inherited handle: the handle race explains it.
                open(10, 10, 1, GEN, WRITE, 1),
                spawn(11, 17, 1, 2),
                removal_open(13, 40, 3, GEN, 0, SV),
                close(14, 200, 2, GEN),
            ],
        );
        let kinds: Vec<_> = r.incidents.iter().map(|i| i.kind).collect();
        assert_eq!(kinds, [IncidentKind::InheritedHandle]);
        assert_eq!(r.incidents[0].victims.len(), 1);
    }

    #[test]
    fn a_failure_with_no_open_in_the_capture_has_no_holder() {
        let r = run(
            vec![proc_info(1, 100, None, "cl.exe")],
            &[fail(1, 0, 1, GEN, READ, 1)],
        );
        assert_eq!(r.incidents.len(), 1);
        assert!(r.incidents[0].holders.is_empty());
        assert!(r.incidents[0].opener.is_none());
        assert_eq!(r.incidents[0].severity, Severity::Low);
    }
}
