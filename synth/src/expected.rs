//! `OUT.expected.json`: the findings the analyzer must report for a synthesized capture
//! (schema: docs/expected-findings.md).

use serde::Serialize;

use crate::timeline::Proc;

/// A process instance: PID, process index and name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct ProcRef {
    /// PID (may be reused).
    pub pid: u32,
    /// Process index (unique).
    pub process_index: u32,
    /// Process name.
    pub name: &'static str,
}

impl From<Proc> for ProcRef {
    fn from(p: Proc) -> ProcRef {
        ProcRef {
            pid: p.pid,
            process_index: p.index,
            name: p.name,
        }
    }
}

/// One handle incident.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct Incident {
    /// `inherited-handle` or `sharing-violation`.
    pub kind: &'static str,
    /// The path as in the Path column.
    pub path: String,
    /// Who opened the file.
    pub opener: ProcRef,
    /// The child that inherited the handle (inherited-handle only).
    pub child: Option<ProcRef>,
    /// Who issued the CloseFile; `None` if never closed.
    pub closer: Option<ProcRef>,
    /// Processes holding the path open when the victims failed.
    pub holders: Vec<ProcRef>,
    /// Processes whose CreateFile failed with SHARING VIOLATION.
    pub victims: Vec<ProcRef>,
}

/// How an unmatched open ended (the schema's `closed-by-descendant` and `closed-by-unrelated`
/// are not planted by any scenario yet: they will be variants here when they are).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
#[non_exhaustive]
pub enum Classification {
    /// A child of the opener closed it.
    ClosedByChild,
    /// The opener exited with it open.
    OpenAtExit,
    /// Still open when the capture ended.
    OpenAtCaptureEnd,
}

/// A successful CreateFile without a CloseFile in the same process instance.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct UnmatchedOpen {
    /// The opener.
    pub process: ProcRef,
    /// The path.
    pub path: String,
    /// What became of it.
    pub classification: Classification,
}

/// A CreateFile that failed with SHARING VIOLATION.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct SharingViolation {
    /// The failing process.
    pub process: ProcRef,
    /// The path.
    pub path: String,
    /// Who held it open.
    pub holders: Vec<ProcRef>,
}

/// The findings the analyzer must report for a synthesized capture: the content of
/// `OUT.expected.json`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct Expected {
    /// Scenario name.
    pub scenario: String,
    /// Seed.
    pub seed: u64,
    /// Number of events in the capture.
    pub events: u64,
    /// Incidents, by time of first event.
    pub incidents: Vec<Incident>,
    /// Unmatched opens, by time of the open.
    pub unmatched_opens: Vec<UnmatchedOpen>,
    /// Sharing violations, by time of the failure.
    pub sharing_violations: Vec<SharingViolation>,
}

/// The findings of a scenario, each with the time of its first event for ordering.
#[derive(Debug, Default)]
pub struct Findings {
    incidents: Vec<(u64, Incident)>,
    unmatched: Vec<(u64, UnmatchedOpen)>,
    violations: Vec<(u64, SharingViolation)>,
}

impl Findings {
    /// Records an incident whose first event is at `t`.
    pub fn incident(&mut self, t: u64, i: Incident) {
        self.incidents.push((t, i));
    }

    /// Records an unmatched open made at `t`.
    pub fn unmatched(&mut self, t: u64, process: Proc, path: &str, classification: Classification) {
        self.unmatched.push((
            t,
            UnmatchedOpen {
                process: process.into(),
                path: path.into(),
                classification,
            },
        ));
    }

    /// Records a sharing violation at `t`.
    pub fn violation(&mut self, t: u64, process: Proc, path: &str, holders: &[Proc]) {
        self.violations.push((
            t,
            SharingViolation {
                process: process.into(),
                path: path.into(),
                holders: holders.iter().map(|&h| h.into()).collect(),
            },
        ));
    }

    /// The expected file, each list sorted by time.
    pub fn into_expected(mut self, scenario: &str, seed: u64, events: u64) -> Expected {
        self.incidents.sort_by_key(|(t, _)| *t);
        self.unmatched.sort_by_key(|(t, _)| *t);
        self.violations.sort_by_key(|(t, _)| *t);
        Expected {
            scenario: scenario.into(),
            seed,
            events,
            incidents: self.incidents.into_iter().map(|(_, i)| i).collect(),
            unmatched_opens: self.unmatched.into_iter().map(|(_, u)| u).collect(),
            sharing_violations: self.violations.into_iter().map(|(_, v)| v).collect(),
        }
    }
}
