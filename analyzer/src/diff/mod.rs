//! `pml diff GOOD BAD`: what changed between a run that worked and one that failed.
//!
//! Both captures are folded in one streaming pass each ([`profile`]): per process, per
//! (operation, normalized path), the results and their counts, plus exit statuses and the
//! process tree. The processes of the two runs are paired ([`align`]) by image, place in the
//! tree and command line with PIDs, temp names, GUIDs and numbers normalized ([`normalize`]).
//! What paired processes did is compared, and the differences are ranked by how likely they
//! explain the failure ([`rank`]); a difference that touches an incident `pml analyze` finds in
//! BAD links to it.
//!
//! ```no_run
//! use pml_analyzer::diff::{diff, DiffOptions};
//! use pml_parser::SplitCapture;
//!
//! let good = SplitCapture::open("good.pml", Default::default())?;
//! let bad = SplitCapture::open("bad.pml", Default::default())?;
//! let result = diff(&good, &bad, &DiffOptions::default());
//! for d in result.differences.iter().take(20) {
//!     println!("{:6.1}  {}  {}", d.score, d.process.name, d.explanation);
//! }
//! # Ok::<(), pml_parser::Error>(())
//! ```

pub mod align;
mod compare;
pub mod normalize;
pub mod profile;
pub mod rank;

use std::collections::BTreeMap;

use pml_parser::{Progress, SplitCapture};
use serde::Serialize;

use crate::filter::Filter;
use crate::{Analysis, Options, Query};

/// What to compare and how much to list.
#[derive(Debug, Clone)]
pub struct DiffOptions {
    /// The events of both runs that take part (ProcMon's filter rules); empty: all.
    pub filter: Filter,
    /// Most differences listed, highest scores first (0: all). Default 1000; the summary counts
    /// them all.
    pub limit: usize,
    /// Run the analysis on BAD and link differences to its incidents. Default true.
    pub link_incidents: bool,
}

impl Default for DiffOptions {
    fn default() -> DiffOptions {
        DiffOptions {
            filter: Filter::default(),
            limit: 1000,
            link_incidents: true,
        }
    }
}

/// The kind of a difference.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum DiffKind {
    /// An operation on a path failed in BAD with a result GOOD never got for it.
    FailedOnlyInBad,
    /// A process exited with another status.
    ExitStatusChanged,
    /// A process ran only in BAD.
    ProcessOnlyInBad,
    /// A process ran only in GOOD.
    ProcessOnlyInGood,
    /// The results of an operation on a path changed otherwise (e.g. it failed only in GOOD).
    ResultChanged,
    /// An operation on a path happened only in BAD.
    OnlyInBad,
    /// An operation on a path happened only in GOOD.
    OnlyInGood,
    /// An operation on a path happened far more often in one run.
    CountChanged,
}

impl DiffKind {
    /// The name JSON uses, e.g. `failed-only-in-bad`.
    pub fn as_str(self) -> &'static str {
        match self {
            DiffKind::FailedOnlyInBad => "failed-only-in-bad",
            DiffKind::ExitStatusChanged => "exit-status-changed",
            DiffKind::ProcessOnlyInBad => "process-only-in-bad",
            DiffKind::ProcessOnlyInGood => "process-only-in-good",
            DiffKind::ResultChanged => "result-changed",
            DiffKind::OnlyInBad => "only-in-bad",
            DiffKind::OnlyInGood => "only-in-good",
            DiffKind::CountChanged => "count-changed",
        }
    }
}

/// The process a difference is about, in either run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DiffProcess {
    /// Process name.
    pub name: String,
    /// Command line (BAD's when the process ran in BAD).
    pub command_line: String,
    /// PID in GOOD.
    pub pid_good: Option<u32>,
    /// PID in BAD.
    pub pid_bad: Option<u32>,
    /// Process index in GOOD (unique in the capture, unlike the PID).
    pub process_index_good: Option<u32>,
    /// Process index in BAD.
    pub process_index_bad: Option<u32>,
}

/// What one run got: the result that matters for the difference and how often.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Outcome {
    /// The result as ProcMon prints it (`SUCCESS`, `NAME NOT FOUND`), or the exit status; none
    /// when the run did not do it.
    pub result: Option<String>,
    /// How many events had that result (1 for an exit status).
    pub count: u64,
    /// Every result and its count.
    pub results: BTreeMap<String, u64>,
}

/// One difference between the runs.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Difference {
    /// What kind of difference.
    pub kind: DiffKind,
    /// The process.
    pub process: DiffProcess,
    /// The operation (`CreateFile`, `RegOpenKey`, ...), for activity differences.
    pub operation: Option<String>,
    /// The path as BAD printed it (GOOD's when BAD never touched it).
    pub path: Option<String>,
    /// GOOD's side.
    pub good: Outcome,
    /// BAD's side.
    pub bad: Outcome,
    /// How likely it explains the failure (see [`rank`]); higher first.
    pub score: f64,
    /// The number (as `pml analyze` prints it, from 1) of the BAD incident it belongs to.
    pub incident: Option<usize>,
    /// True when the process is in BAD's failing process tree.
    pub in_failing_tree: bool,
    /// One line of explanation.
    pub explanation: String,
}

/// A process that ran in one run only.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UnpairedProcess {
    /// Process name.
    pub name: String,
    /// Command line.
    pub command_line: String,
    /// PID.
    pub pid: u32,
    /// Process index.
    pub process_index: u32,
    /// The parent's process name.
    pub parent: Option<String>,
    /// Exit status, when it exited during the capture.
    pub exit_status: Option<u32>,
    /// Events of the process.
    pub events: u64,
    /// Of those, events with an error result.
    pub failures: u64,
}

/// Counts of one run.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct SideSummary {
    /// Events in the capture.
    pub events: u64,
    /// Events that passed the filter.
    pub matched_events: u64,
    /// Events that could not be read.
    pub unreadable_events: u64,
    /// Processes with events that passed the filter.
    pub processes: usize,
    /// Distinct (process, operation, normalized path) keys.
    pub keys: usize,
}

/// Counts of the comparison.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct DiffSummary {
    /// GOOD.
    pub good: SideSummary,
    /// BAD.
    pub bad: SideSummary,
    /// Processes paired between the runs.
    pub aligned_processes: usize,
    /// Differences found.
    pub differences: usize,
    /// Differences listed (at most the limit).
    pub listed: usize,
    /// Differences that score [`rank::LIKELY_CAUSE`] or more.
    pub likely_causes: usize,
    /// The score from which a difference is a likely cause.
    pub likely_cause_score: f64,
    /// BAD's processes that exited with an error, as `name (PID n): status`.
    pub failing_processes: Vec<String>,
    /// Incidents `pml analyze` finds in BAD (none when not linked).
    pub incidents_in_bad: usize,
}

/// What changed between GOOD and BAD.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Diff {
    /// Differences, by score, highest first.
    pub differences: Vec<Difference>,
    /// Processes that ran only in GOOD, in start order.
    pub processes_only_in_good: Vec<UnpairedProcess>,
    /// Processes that ran only in BAD, in start order.
    pub processes_only_in_bad: Vec<UnpairedProcess>,
    /// Counts.
    pub summary: DiffSummary,
}

/// The result of a scoped thread; its panic goes on in the caller.
fn joined<T>(handle: std::thread::ScopedJoinHandle<'_, T>) -> T {
    handle
        .join()
        .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
}

/// Compares the run that worked (`good`) with the one that failed (`bad`); runs the analysis on
/// BAD when `options.link_incidents`.
pub fn diff(good: &SplitCapture, bad: &SplitCapture, options: &DiffOptions) -> Diff {
    diff_with(good, bad, options, &(), None)
}

/// [`diff`] with progress (the events of both captures, read at once) and, when the caller has
/// it, BAD's analysis to link incidents to (then it is not run again).
pub fn diff_with(
    good: &SplitCapture,
    bad: &SplitCapture,
    options: &DiffOptions,
    progress: &dyn Progress,
    bad_analysis: Option<&Analysis>,
) -> Diff {
    // The three passes run at once: each leaves cores idle at times (its sequential merge, the
    // ends of its chunks), which the others fill.
    let run_analysis = bad_analysis.is_none() && options.link_incidents;
    let (good_profile, bad_profile, ran) = std::thread::scope(|scope| {
        let bad_profile =
            scope.spawn(|| profile::profile(&Query::new(bad, &options.filter), progress));
        let ran = run_analysis.then(|| scope.spawn(|| crate::analyze(bad, &Options::default())));
        let good_profile = profile::profile(&Query::new(good, &options.filter), progress);
        (good_profile, joined(bad_profile), ran.map(joined))
    });
    let alignment = align::align(&good_profile, &bad_profile);
    let mut result = compare::compare(&good_profile, &bad_profile, &alignment);
    let analysis = bad_analysis.or(ran.as_ref());
    if let Some(analysis) = analysis {
        compare::link_incidents(&mut result, analysis);
        result.summary.incidents_in_bad = analysis.incidents.len();
    }
    result.differences.sort_by(|a, b| {
        b.score
            .total_cmp(&a.score)
            .then(a.kind.cmp(&b.kind))
            .then_with(|| a.process.name.cmp(&b.process.name))
            .then_with(|| a.path.cmp(&b.path))
            .then_with(|| a.operation.cmp(&b.operation))
            .then_with(|| a.process.pid_bad.cmp(&b.process.pid_bad))
    });
    result.summary.differences = result.differences.len();
    result.summary.likely_causes = result
        .differences
        .iter()
        .filter(|d| d.score >= rank::LIKELY_CAUSE)
        .count();
    if options.limit > 0 {
        result.differences.truncate(options.limit);
    }
    result.summary.listed = result.differences.len();
    result
}
