//! The detectors of one pass, fed together record by record, and the analysis they make at the
//! end: handle lifetimes ([`crate::lifetimes`]), the causes of failures
//! ([`crate::failures`]) and the mapped images ([`crate::images`]).

use std::collections::{BTreeMap, HashMap};

use pml_parser::FileTime;

use crate::analysis::{Analysis, Options, Summary};
use crate::extract::EventCounts;
use crate::failures::{self, CauseWatch};
use crate::findings::{self, Time};
use crate::images::ImageMaps;
use crate::incidents::{self, Incident, Step};
use crate::lifetimes::Tracker;
use crate::model::{ProcessInfo, Record};
use crate::process_tree::ProcessRef;
use crate::{held_files, leaks, warnings};

/// Every detector of the pass.
#[derive(Debug)]
pub(crate) struct Detectors {
    tracker: Tracker,
    causes: CauseWatch,
    images: ImageMaps,
}

impl Detectors {
    /// Detectors over the processes of the process table.
    pub fn new(processes: Vec<ProcessInfo>, window_ms: u64) -> Detectors {
        Detectors {
            images: ImageMaps::new(&processes),
            tracker: Tracker::new(processes, window_ms),
            causes: CauseWatch::default(),
        }
    }

    /// Consumes one record, in event order.
    pub fn feed(&mut self, record: &Record) {
        self.tracker.feed(record);
        self.causes.feed(record, self.tracker.tree());
        self.images.feed(record);
    }

    /// The capture went on until `t`.
    pub fn extend_to(&mut self, t: FileTime) {
        self.tracker.extend_to(t);
    }

    /// The analysis; `events` are the counts of a capture's events, `excluded` the events left
    /// out as ProcMon's own.
    pub fn finish(self, options: &Options, events: Option<EventCounts>, excluded: u64) -> Analysis {
        let lifetimes = self.tracker.finish();
        let warnings = warnings::detect(events.as_ref(), &lifetimes.stats, &lifetimes.tree);
        let mut found = findings::derive(&lifetimes);
        if warnings::lacks_closes(events.as_ref()) {
            // Without a single CloseFile every open looks unclosed: nothing rests on that.
            found.unmatched_opens.clear();
            found.inherited_handles.clear();
        }
        let held = held_files::find(&lifetimes, &self.images);
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
