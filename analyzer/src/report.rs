//! The analysis of a capture as one typed, serializable value.

use std::collections::BTreeMap;

use serde::Serialize;

use pml_parser::Capture;

use crate::extract::{self, EventCounts};
use crate::findings::{self, InheritedHandle, SharingViolation, Time, UnmatchedOpen};
use crate::incidents::{self, Incident};
use crate::lifetimes::{PairingStats, Tracker};
use crate::model::{ProcessInfo, Record};

/// Default inheritance window: a Process Create this soon after an open is a suspect.
pub const DEFAULT_WINDOW_MS: u64 = 50;

/// Analysis settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Options {
    /// A Process Create by the opener at most this many milliseconds after an open of a file it
    /// still holds makes an inherited-handle candidate.
    pub window_ms: u64,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            window_ms: DEFAULT_WINDOW_MS,
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
    /// Time of the last record.
    pub end_time: Option<Time>,
}

/// Everything the analyzer finds in a capture.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Report {
    /// Incidents, by the time of their first event.
    pub incidents: Vec<Incident>,
    /// Successful CreateFiles with no CloseFile in the same process instance, by open time.
    pub unmatched_opens: Vec<UnmatchedOpen>,
    /// CreateFiles that failed with SHARING VIOLATION, by time.
    pub sharing_violations: Vec<SharingViolation>,
    /// Inherited-handle candidates, best corroborated first.
    pub inherited_handles: Vec<InheritedHandle>,
    /// Counts.
    pub summary: Summary,
}

/// Analyzes a capture in one streaming pass.
pub fn analyze(capture: &Capture, options: &Options) -> Report {
    let processes = capture.processes().iter().map(ProcessInfo::from_table);
    let mut tracker = Tracker::new(processes, options.window_ms);
    let counts = extract::for_each_record(capture, |r| tracker.feed(r));
    finish(tracker, options, Some(counts))
}

/// Analyzes records made by hand or by another reader: `processes` is the process table,
/// `records` the events the detectors care about, in event order.
pub fn analyze_records<'r>(
    processes: impl IntoIterator<Item = ProcessInfo>,
    records: impl IntoIterator<Item = &'r Record>,
    options: &Options,
) -> Report {
    let mut tracker = Tracker::new(processes, options.window_ms);
    for r in records {
        tracker.feed(r);
    }
    finish(tracker, options, None)
}

fn finish(tracker: Tracker, options: &Options, events: Option<EventCounts>) -> Report {
    let lifetimes = tracker.finish();
    let findings = findings::derive(&lifetimes);
    let incidents = incidents::build(&findings);
    let mut unmatched_by_classification = BTreeMap::new();
    for u in &findings.unmatched_opens {
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
        inherited_handle_candidates: findings.inherited_handles.len(),
        end_time: (!lifetimes.end_time.is_zero()).then_some(Time(lifetimes.end_time)),
    };
    Report {
        incidents,
        unmatched_opens: findings.unmatched_opens,
        sharing_violations: findings.sharing_violations,
        inherited_handles: findings.inherited_handles,
        summary,
    }
}
