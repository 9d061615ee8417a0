//! What the page shows: plain data, filled from a capture and the analyzer's findings
//! ([`HtmlPage::build`]) or by hand, and serializable so that the same model can be dumped as
//! JSON.
//!
//! Times inside an incident are milliseconds relative to the incident's open (t = 0); every
//! other time is a display string (RFC 3339, UTC) made by the producer.

use std::collections::BTreeMap;

use pml_analyzer::overview::Histogram;
use pml_analyzer::Severity;
use serde::Serialize;

/// Everything the HTML page shows; [`HtmlPage::write`] writes the page.
#[derive(Debug, Clone, Default, Serialize)]
pub struct HtmlPage {
    /// Which capture this is.
    pub capture: CaptureSummary,
    /// Number of findings per kind (`inherited-handle`, `sharing-violation`, `unmatched-open`, ...).
    pub counts_by_kind: BTreeMap<String, u64>,
    /// Warnings about what the capture cannot show: (code, message).
    pub warnings: Vec<(String, String)>,
    /// Per failed process, the events of its likely causes, most important failure first.
    pub failures: Vec<TableRow>,
    /// The incidents, in the analyzer's order (by the time of their first event).
    pub incidents: Vec<IncidentView>,
    /// Per leak (process and path), its first open nobody closed, most unclosed first.
    pub handle_leaks: Vec<TableRow>,
    /// Opens without a matching close.
    pub unmatched_opens: Vec<TableRow>,
    /// Opens that failed with SHARING VIOLATION.
    pub sharing_violations: Vec<TableRow>,
    /// The processes involved in the incidents and their ancestors.
    pub process_tree: Vec<ProcessNode>,
    /// Events per time bucket and class, over the whole capture.
    pub histogram: Histogram,
    /// What changed since a run that worked (`pml report BAD --baseline GOOD`).
    pub baseline: Option<pml_analyzer::diff::Diff>,
}

/// The capture's identity and size.
#[derive(Debug, Clone, Default, Serialize)]
pub struct CaptureSummary {
    /// The file name(s) as given on the command line.
    pub file: String,
    /// Computer the capture was taken on.
    pub computer: String,
    /// Operating system, e.g. `Windows 10 (build 19045)`.
    pub os: String,
    /// Time of the earliest event.
    pub first_event: Option<String>,
    /// Time of the latest event.
    pub last_event: Option<String>,
    /// Number of events.
    pub events: u64,
    /// Number of processes in the process table.
    pub processes: u64,
}

/// One incident: a story told on a timeline.
#[derive(Debug, Clone, Serialize)]
pub struct IncidentView {
    /// The analyzer's kind, e.g. `inherited-handle` or `sharing-violation`.
    pub kind: String,
    /// How bad it is.
    pub severity: Severity,
    /// The file the story is about.
    pub path: String,
    /// Time of the open (t = 0 of the timeline), as a display string.
    pub origin: String,
    /// What happened, in sentences.
    pub explanation: String,
    /// How to fix it.
    pub fix: String,
    /// One lane per process involved, top to bottom.
    pub lanes: Vec<Lane>,
    /// The events on the timeline.
    pub marks: Vec<Mark>,
    /// Handle lifetimes.
    pub handle_bars: Vec<Bar>,
}

/// What a process does in an incident.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[non_exhaustive]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Opened the file.
    Opener,
    /// Was created while the handle was open and inherited it.
    Child,
    /// Failed to open the file.
    Victim,
    /// Held the handle.
    Holder,
    /// Closed the handle.
    Closer,
}

impl Role {
    /// The lower-case name, also used as a CSS class.
    pub fn name(self) -> &'static str {
        match self {
            Role::Opener => "opener",
            Role::Child => "child",
            Role::Victim => "victim",
            Role::Holder => "holder",
            Role::Closer => "closer",
        }
    }
}

/// A process lane of a timeline.
#[derive(Debug, Clone, Serialize)]
pub struct Lane {
    /// How the process is shown, e.g. `python.exe (4120)`.
    pub process: String,
    /// Key into [`HtmlPage::process_tree`] (the capture's process index).
    pub process_index: u32,
    /// What it does in the incident.
    pub role: Role,
}

/// The kind of event a mark stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[non_exhaustive]
#[serde(rename_all = "kebab-case")]
pub enum MarkKind {
    /// The successful open.
    Open,
    /// A Process Create.
    ProcessCreate,
    /// An open that failed (e.g. SHARING VIOLATION).
    FailedOpen,
    /// The close of the handle.
    Close,
    /// A Process Exit.
    Exit,
}

impl MarkKind {
    /// The kebab-case name, also used as a CSS class.
    pub fn name(self) -> &'static str {
        match self {
            MarkKind::Open => "open",
            MarkKind::ProcessCreate => "process-create",
            MarkKind::FailedOpen => "failed-open",
            MarkKind::Close => "close",
            MarkKind::Exit => "exit",
        }
    }
}

/// An event on a timeline.
#[derive(Debug, Clone, Serialize)]
pub struct Mark {
    /// Index into [`IncidentView::lanes`].
    pub lane: usize,
    /// What the event is.
    pub kind: MarkKind,
    /// Milliseconds since the open.
    pub time_ms: f64,
    /// The event's index in the capture.
    pub event_index: u64,
    /// What hovering the mark shows.
    pub tooltip: Tooltip,
}

/// The event as ProcMon shows it.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Tooltip {
    /// Time of day or full time stamp.
    pub time: String,
    /// Operation column.
    pub operation: String,
    /// Path column.
    pub path: String,
    /// Result column.
    pub result: String,
    /// Detail column.
    pub detail: String,
}

/// A handle's lifetime in one lane.
#[derive(Debug, Clone, Serialize)]
pub struct Bar {
    /// Index into [`IncidentView::lanes`].
    pub lane: usize,
    /// Milliseconds since the open when the lane got the handle.
    pub from_ms: f64,
    /// Milliseconds since the open when the handle was closed, or the end of the capture.
    pub to_ms: f64,
    /// True when the capture ends with the handle still open.
    pub still_open: bool,
}

/// A row of the unmatched-opens or sharing-violations table: one event.
#[derive(Debug, Clone, Default, Serialize)]
pub struct TableRow {
    /// The event's index in the capture.
    pub event_index: u64,
    /// Time of the event.
    pub time: String,
    /// Process name.
    pub process: String,
    /// Process id.
    pub pid: u32,
    /// Operation column.
    pub operation: String,
    /// Path column.
    pub path: String,
    /// Result column.
    pub result: String,
    /// Detail column.
    pub detail: String,
    /// The analyzer's note, e.g. who held the file.
    pub note: String,
}

/// A process of the process tree.
#[derive(Debug, Clone, Default, Serialize)]
pub struct ProcessNode {
    /// Process id.
    pub pid: u32,
    /// The capture's process index.
    pub process_index: u32,
    /// Image name.
    pub name: String,
    /// Command line.
    pub command_line: String,
    /// The parent's process index, when the parent is in the tree.
    pub parent_index: Option<u32>,
    /// Start time.
    pub start: Option<String>,
    /// End time.
    pub end: Option<String>,
}
