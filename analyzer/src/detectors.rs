//! The detectors of one pass, fed together record by record, and the analysis they make at the
//! end: handle lifetimes ([`crate::lifetimes`]), the causes of failures
//! ([`crate::failures`]), the mapped images ([`crate::images`]) and the evidence of which drive
//! letter each `\Device\HarddiskVolumeN` is ([`crate::paths::VolumeEvidence`]), applied to
//! everything kept once the pass is over.

use std::collections::{BTreeMap, HashMap};

use pml_parser::FileTime;

use crate::analysis::{Analysis, Options, Summary};
use crate::extract::EventCounts;
use crate::failures::{self, CauseWatch};
use crate::findings::{self, Time};
use crate::images::ImageMaps;
use crate::incidents::{self, Incident, Step};
use crate::lifetimes::Tracker;
use crate::model::{ProcessInfo, ProcessOp, ProcessOpKind, Record};
use crate::paths::{Keyer, PathKey, Root, VolumeEvidence};
use crate::process_tree::ProcessRef;
use crate::{held_files, leaks, warnings};

/// Every detector of the pass.
#[derive(Debug)]
pub(crate) struct Detectors {
    tracker: Tracker,
    causes: CauseWatch,
    images: ImageMaps,
    evidence: VolumeEvidence,
}

impl Detectors {
    /// Detectors over the processes of the process table, keying paths with `keyer`.
    pub fn new(processes: Vec<ProcessInfo>, window_ms: u64, keyer: &Keyer) -> Detectors {
        let images = ImageMaps::new(&processes, keyer);
        let mut evidence = VolumeEvidence::default();
        evidence.note_all(&images.keys().collect::<Vec<_>>());
        Detectors {
            images,
            tracker: Tracker::new(processes, window_ms),
            causes: CauseWatch::default(),
            evidence,
        }
    }

    /// Consumes one record, in event order.
    pub fn feed(&mut self, record: &Record) {
        self.tracker.feed(record);
        self.causes.feed(record, self.tracker.tree());
        self.images.feed(record);
        let key = match record {
            Record::File(f) => f.key,
            Record::Process(ProcessOp {
                kind: ProcessOpKind::LoadImage { key },
                ..
            }) => *key,
            Record::Name(n) => n.key,
            Record::Process(_) => return,
        };
        // The letter paths seen before a device path are met at the end (the keys kept, and the
        // evidence read of the whole capture), not by looking at everything open now.
        self.evidence.note(key);
    }

    /// True when the capture's events named a device path, so that the other paths it names
    /// are worth noting ([`Detectors::note_keys`]).
    pub fn wants_names(&self) -> bool {
        self.evidence.wants_letters()
    }

    /// Notes keys the capture names (evidence of volume letters), in any order.
    pub fn note_keys(&mut self, keys: &[PathKey]) {
        self.evidence.note_all(keys);
    }

    /// The capture went on until `t`.
    pub fn extend_to(&mut self, t: FileTime) {
        self.tracker.extend_to(t);
    }

    /// The analysis; `events` are the counts of a capture's events, `excluded` the events left
    /// out as ProcMon's own.
    pub fn finish(self, options: &Options, events: Option<EventCounts>, excluded: u64) -> Analysis {
        let mut lifetimes = self.tracker.finish();
        let mut images = self.images;
        let mut evidence = self.evidence;
        if evidence.wants_letters() {
            let mut keys = lifetimes.keys();
            keys.extend(images.keys());
            evidence.note_all(&keys);
        }
        let volumes = evidence.finish();
        lifetimes.apply(&volumes);
        images.apply(&volumes);
        let mut warnings = warnings::detect(events.as_ref(), &lifetimes.stats, &lifetimes.tree);
        warnings.extend(warnings::volumes(&volumes));
        let mut found = findings::derive(&lifetimes);
        if warnings::lacks_closes(events.as_ref()) {
            // Without a single CloseFile every open looks unclosed: nothing rests on that.
            found.unmatched_opens.clear();
            found.inherited_handles.clear();
        }
        let held = held_files::find(&lifetimes, &images);
        let incidents = incidents::build(&found, held.incidents, &held.explained_violations);
        let handle_leaks = leaks::group(&lifetimes, &found.unmatched_opens);
        let links = Links::new(&incidents, &found.sharing_violations);
        let failures = failures::build(self.causes.failures, &lifetimes.tree, |e| links.of(e));
        let mut unmatched_by_classification = BTreeMap::new();
        for u in &found.unmatched_opens {
            *unmatched_by_classification
                .entry(u.classification.as_str())
                .or_default() += 1;
        }
        let summary = Summary {
            window_ms: options.window_ms,
            events,
            pairing: lifetimes.stats,
            processes: lifetimes.tree.len(),
            unmatched_by_classification,
            incidents: incidents.len(),
            inherited_handle_candidates: found.inherited_handles.len(),
            handle_leaks: handle_leaks.len(),
            failures: failures.len(),
            procmon_events_excluded: excluded,
            include_procmon: options.include_procmon,
            volume_letters: volumes
                .letters()
                .map(|(n, letter)| (Root::Volume(n).spelling(), Root::Drive(letter).spelling()))
                .collect(),
            end_time: (!lifetimes.end_time.is_zero()).then_some(Time(lifetimes.end_time)),
        };
        Analysis {
            warnings,
            failures,
            incidents,
            handle_leaks,
            unmatched_opens: found.unmatched_opens,
            sharing_violations: found.sharing_violations,
            inherited_handles: found.inherited_handles,
            summary,
        }
    }
}

/// For the event of a failed operation: the incident that explains it and the holders known.
struct Links<'a> {
    incident_of: HashMap<u64, usize>,
    incidents: &'a [Incident],
    violation_holders: HashMap<u64, Vec<ProcessRef>>,
}

impl<'a> Links<'a> {
    fn new(incidents: &'a [Incident], violations: &[findings::SharingViolation]) -> Self {
        let mut incident_of = HashMap::new();
        for (n, i) in incidents.iter().enumerate() {
            for e in &i.timeline {
                if matches!(e.step, Step::SharingViolation | Step::Failure) {
                    incident_of.entry(e.event_index).or_insert(n);
                }
            }
        }
        let violation_holders = violations
            .iter()
            .map(|v| {
                let mut holders: Vec<ProcessRef> = Vec::new();
                for h in &v.holders {
                    if !holders.contains(&h.process) {
                        holders.push(h.process.clone());
                    }
                }
                (v.event_index, holders)
            })
            .collect();
        Links {
            incident_of,
            incidents,
            violation_holders,
        }
    }

    fn of(&self, event_index: u64) -> (Option<usize>, Vec<ProcessRef>) {
        match self.incident_of.get(&event_index) {
            Some(&n) => (Some(n), self.incidents[n].holders.clone()),
            None => (
                None,
                self.violation_holders
                    .get(&event_index)
                    .cloned()
                    .unwrap_or_default(),
            ),
        }
    }
}
