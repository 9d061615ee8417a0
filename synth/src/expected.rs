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
    /// `inherited-handle`, `sharing-violation`, `image-in-use`, `delete-pending` or
    /// `delete-refused`.
    pub kind: &'static str,
    /// The path as in the Path column.
    pub path: String,
    /// Who opened the file the holders hold (`None` when no handle is in the capture, as for
    /// an image in use).
    pub opener: Option<ProcRef>,
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

/// The most likely cause of a failure.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct TopCause {
    /// `CreateFile`, `SetDispositionInformationFile`, `SetRenameInformationFile`, or
    /// `Process Exit` for a failed child.
    pub operation: &'static str,
    /// The path (the child's name, for a failed child).
    pub path: String,
    /// The Result column (`SHARING VIOLATION`), or `exit status 0x...` for a failed child.
    pub result: String,
    /// The kind of the incident that explains it, if one does.
    pub incident: Option<&'static str>,
}

/// A process that exited with a non-zero status.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct Failure {
    /// The process.
    pub process: ProcRef,
    /// Its exit status.
    pub exit_status: u32,
    /// Its most likely cause.
    pub top_cause: Option<TopCause>,
    /// Its children that failed before it.
    pub failed_children: Vec<ProcRef>,
}

/// Opens of one path by one process that nobody closed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct HandleLeak {
    /// The process.
    pub process: ProcRef,
    /// The path.
    pub path: String,
    /// Opens.
    pub opens: u64,
    /// Of them, closed.
    pub closes: u64,
    /// Of them, never closed.
    pub unclosed: u64,
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
    /// Warning codes, in the analyzer's order.
    pub warnings: Vec<&'static str>,
    /// Failed processes, most important first.
    pub failures: Vec<Failure>,
    /// Handle leaks, most unclosed first.
    pub handle_leaks: Vec<HandleLeak>,
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
    warnings: Vec<&'static str>,
    failures: Vec<Failure>,
    leaks: Vec<HandleLeak>,
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

    /// Records a warning the capture must get (in the analyzer's order).
    pub fn warning(&mut self, code: &'static str) {
        self.warnings.push(code);
    }

    /// Records a failed process (call in order of importance, most important first):
    /// `top_cause` is (operation, path, result, incident kind).
    pub fn failure(
        &mut self,
        process: Proc,
        exit_status: u32,
        top_cause: Option<(&'static str, &str, &str, Option<&'static str>)>,
        failed_children: &[Proc],
    ) {
        self.failures.push(Failure {
            process: process.into(),
            exit_status,
            top_cause: top_cause.map(|(operation, path, result, incident)| TopCause {
                operation,
                path: path.into(),
                result: result.into(),
                incident,
            }),
            failed_children: failed_children.iter().map(|&c| c.into()).collect(),
        });
    }

    /// Records a handle leak (call in order, most unclosed first).
    pub fn leak(&mut self, process: Proc, path: &str, opens: u64, closes: u64) {
        self.leaks.push(HandleLeak {
            process: process.into(),
            path: path.into(),
            opens,
            closes,
            unclosed: opens - closes,
        });
    }

    /// Takes the findings of `full` that survive a save without CloseFile and process events:
    /// its incidents (with nobody seen closing) and its sharing violations.
    pub fn keep_without_closes(&mut self, full: &Findings) {
        for (t, i) in &full.incidents {
            let mut i = i.clone();
            i.closer = None;
            self.incidents.push((*t, i));
        }
        self.violations.extend(full.violations.iter().cloned());
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
            warnings: self.warnings,
            failures: self.failures,
            handle_leaks: self.leaks,
            incidents: self.incidents.into_iter().map(|(_, i)| i).collect(),
            unmatched_opens: self.unmatched.into_iter().map(|(_, u)| u).collect(),
            sharing_violations: self.violations.into_iter().map(|(_, v)| v).collect(),
        }
    }
}
