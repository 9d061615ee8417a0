//! The analyzer's findings as the page shows them: incidents become lanes, marks and handle
//! bars on a timeline; unmatched opens and sharing violations become table rows.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt::Write as _;

use pml_analyzer::incidents::{Step, TimelineEntry};
use pml_analyzer::{Analysis, Incident, IncidentKind, ProcessRef};
use pml_parser::ops::process_op;
use pml_parser::{Column, EventClass, FileTime, SplitCapture};

use super::model::{Bar, IncidentView, Lane, Mark, MarkKind, Role, TableRow, Tooltip};

/// The analyzer's findings on one capture, ready for the page.
#[derive(Debug, Default)]
pub(super) struct FindingViews {
    /// Number of findings per kind.
    pub counts_by_kind: BTreeMap<String, u64>,
    /// Likely causes of failed processes.
    pub failures: Vec<TableRow>,
    /// Incidents, in the analyzer's order.
    pub incidents: Vec<IncidentView>,
    /// First unclosed open of each leak.
    pub handle_leaks: Vec<TableRow>,
    /// Opens without a close.
    pub unmatched_opens: Vec<TableRow>,
    /// Opens that failed with SHARING VIOLATION.
    pub sharing_violations: Vec<TableRow>,
}

/// Renders the columns a tooltip or a table row shows, for events numbered across all parts.
struct Cells<'c> {
    capture: &'c SplitCapture,
}

impl Cells<'_> {
    fn column(&self, event_index: u64, column: Column) -> String {
        let mut out = String::new();
        if let Some((part, local)) = self.capture.locate(event_index) {
            if let Ok(event) = part.capture().event(local) {
                part.renderer().write(&event, column, &mut out);
            }
        }
        out
    }

    fn tooltip(&self, event_index: u64) -> Tooltip {
        Tooltip {
            time: self.column(event_index, Column::TimeOfDay),
            operation: self.column(event_index, Column::Operation),
            path: self.column(event_index, Column::Path),
            result: self.column(event_index, Column::Result),
            detail: self.column(event_index, Column::Detail),
        }
    }

    fn row(&self, event_index: u64, process: &ProcessRef, note: String) -> TableRow {
        TableRow {
            event_index,
            time: self.column(event_index, Column::TimeOfDay),
            process: process.name.clone(),
            pid: process.pid,
            operation: self.column(event_index, Column::Operation),
            path: self.column(event_index, Column::Path),
            result: self.column(event_index, Column::Result),
            detail: self.column(event_index, Column::Detail),
            note,
        }
    }
}

/// Maps the `analysis` of `capture` (all its parts, events numbered across them) to views.
pub(super) fn views(capture: &SplitCapture, analysis: &Analysis) -> FindingViews {
    let cells = Cells { capture };
    let end = analysis.summary.end_time.map(|t| t.0);
    let involved: HashSet<u32> = analysis
        .incidents
        .iter()
        .flat_map(|i| lanes(i).into_iter().map(|l| l.process_index))
        .collect();
    let exits = process_exits(capture, &involved);
    let mut counts = BTreeMap::new();
    for incident in &analysis.incidents {
        *counts
            .entry(format!("{} incidents", incident.kind.as_str()))
            .or_default() += 1;
    }
    counts.insert(
        "unmatched opens".to_string(),
        analysis.unmatched_opens.len() as u64,
    );
    counts.insert(
        "failed processes".to_string(),
        analysis.failures.len() as u64,
    );
    counts.insert(
        "handle leaks".to_string(),
        analysis.handle_leaks.len() as u64,
    );
    counts.insert(
        "sharing violations".to_string(),
        analysis.sharing_violations.len() as u64,
    );
    FindingViews {
        counts_by_kind: counts,
        failures: failure_rows(analysis, &cells),
        handle_leaks: leak_rows(analysis, &cells),
        incidents: analysis
            .incidents
            .iter()
            .map(|i| incident_view(i, &cells, end, &exits))
            .collect(),
        unmatched_opens: analysis
            .unmatched_opens
            .iter()
            .map(|u| {
                let note = match &u.close {
                    Some(c) => format!(
                        "{}: closed by {} (PID {}), event {}",
                        u.classification.as_str(),
                        c.process.name,
                        c.process.pid,
                        c.event_index
                    ),
                    None => u.classification.as_str().to_string(),
                };
                cells.row(u.open.event_index, &u.process, note)
            })
            .collect(),
        sharing_violations: analysis
            .sharing_violations
            .iter()
            .map(|v| {
                let holders: Vec<String> = v
                    .holders
                    .iter()
                    .map(|h| format!("{} (PID {})", h.process.name, h.process.pid))
                    .collect();
                let note = if holders.is_empty() {
                    "holder not in the capture".to_string()
                } else {
                    format!("held by {}", holders.join(", "))
                };
                cells.row(v.event_index, &v.process, note)
            })
            .collect(),
    }
}

/// Per failure, one row per likely cause (most likely first), noted with the exit and the
/// incident that explains it.
fn failure_rows(analysis: &Analysis, cells: &Cells<'_>) -> Vec<TableRow> {
    let mut rows = Vec::new();
    for (n, f) in analysis.failures.iter().enumerate() {
        let exit = format!(
            "failure {}: {} (PID {}) exited with {}",
            n + 1,
            f.process.name,
            f.process.pid,
            f.exit_status_hex
        );
        if f.causes.is_empty() {
            rows.push(cells.row(
                f.exit_event,
                &f.process,
                format!("{exit}; no failed operation explains it"),
            ));
        }
        for (k, c) in f.causes.iter().enumerate() {
            let mut note = format!("{exit}; cause {}", k + 1);
            if c.attempts > 1 {
                let _ = write!(note, " ({} times)", c.attempts);
            }
            if let Some(i) = c.incident.and_then(|i| analysis.incidents.get(i)) {
                let _ = write!(note, "; see the {} incident of {}", i.kind.as_str(), i.path);
            }
            let process = if c.operation == "Process Exit" {
                f.failed_children
                    .iter()
                    .find(|ch| ch.exit_event == c.event_index)
                    .map_or(&f.process, |ch| &ch.process)
            } else {
                &f.process
            };
            rows.push(cells.row(c.event_index, process, note));
        }
    }
    rows
}

/// Per leak, the first of its opens nobody closed.
fn leak_rows(analysis: &Analysis, cells: &Cells<'_>) -> Vec<TableRow> {
    analysis
        .handle_leaks
        .iter()
        .filter_map(|l| {
            let first = analysis.unmatched_opens.iter().find(|u| {
                u.close.is_none()
                    && u.process.process_index == l.process.process_index
                    && u.path == l.path
            })?;
            let note = format!(
                "{} of {} opens never closed ({} closed)",
                l.unclosed, l.opens, l.closes
            );
            Some(cells.row(first.open.event_index, &l.process, note))
        })
        .collect()
}

/// Milliseconds from `origin` to `t` (negative before it).
fn ms_between(origin: FileTime, t: FileTime) -> f64 {
    (t.0 as f64 - origin.0 as f64) / 10_000.0
}

/// One lane per process involved, first role wins: opener, child, holders, victims, closer.
fn lanes(incident: &Incident) -> Vec<Lane> {
    let mut lanes: Vec<Lane> = Vec::new();
    let mut add = |p: &ProcessRef, role: Role| {
        if !lanes.iter().any(|l| l.process_index == p.process_index) {
            lanes.push(Lane {
                process: format!("{} (PID {})", p.name, p.pid),
                process_index: p.process_index,
                role,
            });
        }
    };
    if let Some(p) = &incident.opener {
        add(p, Role::Opener);
    }
    if let Some(p) = &incident.child {
        add(p, Role::Child);
    }
    for p in &incident.holders {
        add(p, Role::Holder);
    }
    for p in &incident.victims {
        add(p, Role::Victim);
    }
    if let Some(p) = &incident.closer {
        add(p, Role::Closer);
    }
    for entry in &incident.timeline {
        add(&entry.process, Role::Holder);
    }
    lanes
}

fn mark_kind(step: Step) -> MarkKind {
    match step {
        // A mapped image holds the file as an open handle does.
        Step::Open | Step::ImageLoad => MarkKind::Open,
        Step::ProcessCreate => MarkKind::ProcessCreate,
        Step::SharingViolation | Step::Failure => MarkKind::FailedOpen,
        // A delete takes effect when the last handle closes.
        Step::Close | Step::Delete => MarkKind::Close,
    }
}

/// Events per chunk of the pass that looks for Process Exits.
const EXIT_CHUNK_EVENTS: u64 = 1 << 14;

/// The Process Exit event (global index, time) of each process in `involved`; the last one
/// when a process has several.
fn process_exits(capture: &SplitCapture, involved: &HashSet<u32>) -> HashMap<u32, (u64, FileTime)> {
    let mut exits = HashMap::new();
    if involved.is_empty() {
        return exits;
    }
    capture.pass().chunk_events(EXIT_CHUNK_EVENTS).for_each(
        |chunk| {
            chunk
                .events(capture)
                .flatten()
                .filter(|e| {
                    e.class() == EventClass::Process
                        && e.operation() == process_op::PROCESS_EXIT
                        && involved.contains(&e.process_index())
                })
                .map(|e| (e.process_index(), (chunk.global(e.index()), e.time())))
                .collect::<Vec<_>>()
        },
        |_, found| exits.extend(found),
    );
    exits
}

fn incident_view(
    incident: &Incident,
    cells: &Cells<'_>,
    capture_end: Option<FileTime>,
    exits: &HashMap<u32, (u64, FileTime)>,
) -> IncidentView {
    let lanes = lanes(incident);
    let lane_of = |p: &ProcessRef| {
        lanes
            .iter()
            .position(|l| l.process_index == p.process_index)
            .unwrap_or(0)
    };
    let first = |step: Step| incident.timeline.iter().find(|e| e.step == step);
    let origin = first(Step::Open)
        .or(incident.timeline.first())
        .map_or(incident.first_time.0, |e| e.time.0);
    let mut marks: Vec<Mark> = incident
        .timeline
        .iter()
        .map(|e: &TimelineEntry| Mark {
            lane: lane_of(&e.process),
            kind: mark_kind(e.step),
            time_ms: ms_between(origin, e.time.0),
            event_index: e.event_index,
            tooltip: cells.tooltip(e.event_index),
        })
        .collect();
    for (lane, l) in lanes.iter().enumerate() {
        if let Some(&(event_index, time)) = exits.get(&l.process_index) {
            marks.push(Mark {
                lane,
                kind: MarkKind::Exit,
                time_ms: ms_between(origin, time),
                event_index,
                tooltip: cells.tooltip(event_index),
            });
        }
    }
    // The handle lives from the open to the close (or the end of the capture). The opener holds
    // it from the open; an inheriting child from its creation.
    let close = first(Step::Close).map(|e| e.time.0);
    let (to, still_open) = match (close, capture_end) {
        (Some(c), _) => (c, false),
        (None, Some(end)) => (end, true),
        (None, None) => (origin, true),
    };
    let mut handle_bars = Vec::new();
    let mut bar = |p: &ProcessRef, from: FileTime| {
        handle_bars.push(Bar {
            lane: lane_of(p),
            from_ms: ms_between(origin, from),
            to_ms: ms_between(origin, to),
            still_open,
        })
    };
    match incident.kind {
        IncidentKind::InheritedHandle => {
            if let Some(opener) = &incident.opener {
                bar(opener, origin);
            }
            if let (Some(child), Some(create)) = (&incident.child, first(Step::ProcessCreate)) {
                bar(child, create.time.0);
            }
        }
        IncidentKind::SharingViolation
        | IncidentKind::ImageInUse
        | IncidentKind::DeletePending
        | IncidentKind::DeleteRefused => {
            for holder in &incident.holders {
                let opened = incident
                    .timeline
                    .iter()
                    .find(|e| {
                        matches!(e.step, Step::Open | Step::ImageLoad)
                            && e.process.process_index == holder.process_index
                    })
                    .map_or(origin, |e| e.time.0);
                bar(holder, opened);
            }
        }
    }
    IncidentView {
        kind: incident.kind.as_str().to_string(),
        severity: incident.severity,
        path: incident.path.clone(),
        origin: origin.to_rfc3339(),
        explanation: incident.explanation.clone(),
        fix: incident.fix.clone(),
        lanes,
        marks,
        handle_bars,
    }
}
