//! Incidents: findings that belong together, with a timeline, a severity, an explanation in plain
//! words and a fix hint.
//!
//! An inherited-handle candidate with enough evidence becomes an incident and takes the sharing
//! violations that happened while the child held the handle as its victims. The remaining
//! sharing violations are grouped by path and by the set of handles open on it at the time: one
//! incident per lock.

use std::collections::{BTreeMap, HashSet};

use serde::Serialize;

use crate::explain;
use crate::findings::{Findings, InheritedHandle, SharingViolation, Time};
use crate::paths;
use crate::process_tree::ProcessRef;

/// What kind of incident.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum IncidentKind {
    /// A child process inherited a handle its creator had just opened.
    InheritedHandle,
    /// Opens failed with SHARING VIOLATION because another process held the file.
    SharingViolation,
    /// A write, delete or rename failed because a running process has the file mapped as its
    /// EXE or a loaded DLL.
    ImageInUse,
    /// Opens failed with DELETE PENDING: the file was deleted while handles were still open.
    DeletePending,
    /// A delete or rename failed while another handle that does not share delete access was
    /// open on the file (or, for a rename that replaces a file, while a handle was open on the
    /// file it replaces).
    DeleteRefused,
}

impl IncidentKind {
    /// The JSON spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            IncidentKind::InheritedHandle => "inherited-handle",
            IncidentKind::SharingViolation => "sharing-violation",
            IncidentKind::ImageInUse => "image-in-use",
            IncidentKind::DeletePending => "delete-pending",
            IncidentKind::DeleteRefused => "delete-refused",
        }
    }
}

/// How much an incident matters; orders most important first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Opens failed because of it.
    High,
    /// A lock or a leak that explains failures or will cause them.
    Medium,
    /// Failures whose holder is not in the capture.
    Low,
}

impl Severity {
    /// The JSON spelling: `high`, `medium` or `low`.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::High => "high",
            Severity::Medium => "medium",
            Severity::Low => "low",
        }
    }
}

/// What happened at one step of an incident.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Step {
    /// The CreateFile that made the handle.
    Open,
    /// The Process Create of the child that inherited it.
    ProcessCreate,
    /// A CreateFile that failed with SHARING VIOLATION.
    SharingViolation,
    /// The CloseFile that ended the handle.
    Close,
    /// A Load Image: a process mapped the file as a module.
    ImageLoad,
    /// A request to delete the file (a delete-on-close open or a disposition set).
    Delete,
    /// An open, delete or rename that failed with another error than SHARING VIOLATION.
    Failure,
}

/// One step of an incident's timeline.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TimelineEntry {
    /// Event index.
    pub event_index: u64,
    /// Event time.
    pub time: Time,
    /// What happened.
    pub step: Step,
    /// The process it happened in.
    pub process: ProcessRef,
}

/// Findings that belong together, explained.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Incident {
    /// What kind of incident.
    pub kind: IncidentKind,
    /// The path.
    pub path: String,
    /// What was refused, for a delete-refused incident and an image-in-use one caused by a
    /// delete or rename: `delete`, `rename`, or `delete-or-rename` (a CreateFile asking only
    /// for DELETE access and no data access: DeleteFile and MoveFileEx both open the file so
    /// first). Absent otherwise.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub operation: Option<&'static str>,
    /// The process whose CreateFile made the handle (null when the holder is unknown).
    pub opener: Option<ProcessRef>,
    /// The child that inherited the handle (inherited-handle only).
    pub child: Option<ProcessRef>,
    /// Milliseconds from the open to the Process Create of the child.
    pub spawn_gap_ms: Option<f64>,
    /// The process that issued the CloseFile (null when the handle was never closed).
    pub closer: Option<ProcessRef>,
    /// The process that deleted the file (delete-pending only).
    pub deleter: Option<ProcessRef>,
    /// The processes holding the path open when the victims failed.
    pub holders: Vec<ProcessRef>,
    /// The processes whose CreateFile failed with SHARING VIOLATION.
    pub victims: Vec<ProcessRef>,
    /// Indices of every event of the incident, ascending.
    pub events: Vec<u64>,
    /// The events in order, for a timeline.
    pub timeline: Vec<TimelineEntry>,
    /// Time of the first event.
    pub first_time: Time,
    /// How much it matters.
    pub severity: Severity,
    /// What happened, in plain words.
    pub explanation: String,
    /// How to avoid it.
    pub fix: String,
}

/// Groups the findings into incidents, together with `held` (incidents of files held by
/// mapped images or deletes), sorted by the time of their first event. The sharing violations
/// in `explained` belong to `held` and make no incident of their own.
pub fn build(f: &Findings, held: Vec<Incident>, explained: &HashSet<u64>) -> Vec<Incident> {
    let mut incidents = held;
    let mut absorbed: HashSet<u64> = explained.clone();
    for h in f.inherited_handles.iter().filter(|h| h.is_incident()) {
        let victims: Vec<&SharingViolation> = f
            .sharing_violations
            .iter()
            .filter(|s| {
                h.corroboration.victim_events.contains(&s.event_index)
                    && !absorbed.contains(&s.event_index)
            })
            .collect();
        absorbed.extend(victims.iter().map(|s| s.event_index));
        incidents.push(inherited_incident(h, &victims));
    }

    // The remaining failures, grouped by path and by the handles open at the time.
    let mut groups: BTreeMap<(paths::PathKey, Vec<u64>), Vec<&SharingViolation>> = BTreeMap::new();
    for s in f
        .sharing_violations
        .iter()
        .filter(|s| !absorbed.contains(&s.event_index))
    {
        let mut ids: Vec<u64> = s.holders.iter().map(|h| h.interval).collect();
        ids.sort_unstable();
        groups.entry((s.key, ids)).or_default().push(s);
    }
    incidents.extend(groups.into_values().map(|g| sharing_incident(&g)));
    incidents.sort_by(|a, b| {
        a.first_time
            .cmp(&b.first_time)
            .then(a.events.first().cmp(&b.events.first()))
    });
    incidents
}

fn push_unique(list: &mut Vec<ProcessRef>, p: &ProcessRef) {
    if !list.iter().any(|q| q.process_index == p.process_index) {
        list.push(p.clone());
    }
}

pub(crate) fn finish_timeline(
    mut timeline: Vec<TimelineEntry>,
) -> (Vec<TimelineEntry>, Vec<u64>, Time) {
    timeline.sort_by_key(|e| (e.event_index, e.time));
    timeline.dedup_by_key(|e| e.event_index);
    let events = timeline.iter().map(|e| e.event_index).collect();
    let first = timeline
        .iter()
        .map(|e| e.time)
        .min()
        .unwrap_or(Time(pml_parser::FileTime(0)));
    (timeline, events, first)
}

fn failure_entry(s: &SharingViolation) -> TimelineEntry {
    TimelineEntry {
        event_index: s.event_index,
        time: s.time,
        step: Step::SharingViolation,
        process: s.process.clone(),
    }
}

fn inherited_incident(h: &InheritedHandle, victims: &[&SharingViolation]) -> Incident {
    let mut timeline = vec![
        TimelineEntry {
            event_index: h.open.event_index,
            time: h.open.time,
            step: Step::Open,
            process: h.opener.clone(),
        },
        TimelineEntry {
            event_index: h.spawn_event,
            time: h.spawn_time,
            step: Step::ProcessCreate,
            process: h.opener.clone(),
        },
    ];
    timeline.extend(victims.iter().map(|s| failure_entry(s)));
    if let Some(c) = &h.close {
        timeline.push(TimelineEntry {
            event_index: c.event_index,
            time: c.time,
            step: Step::Close,
            process: c.process.clone(),
        });
    }
    let (timeline, events, first_time) = finish_timeline(timeline);
    let mut holders = Vec::new();
    let mut victim_procs = Vec::new();
    for s in victims {
        push_unique(&mut victim_procs, &s.process);
        for holder in s.holders.iter().filter(|x| x.interval == h.interval) {
            push_unique(&mut holders, &holder.process);
        }
    }
    if holders.is_empty() {
        push_unique(&mut holders, &h.child);
    }
    Incident {
        kind: IncidentKind::InheritedHandle,
        path: h.path.clone(),
        operation: None,
        opener: Some(h.opener.clone()),
        child: Some(h.child.clone()),
        spawn_gap_ms: Some(h.spawn_gap_ms),
        closer: h.close.as_ref().map(|c| c.process.clone()),
        deleter: None,
        holders,
        victims: victim_procs,
        events,
        timeline,
        first_time,
        severity: if victims.is_empty() {
            Severity::Medium
        } else {
            Severity::High
        },
        explanation: explain::inherited(h, victims),
        fix: explain::fix_for_opener(&h.opener.name),
    }
}

fn sharing_incident(group: &[&SharingViolation]) -> Incident {
    let first = group[0];
    let mut timeline: Vec<TimelineEntry> = group.iter().map(|s| failure_entry(s)).collect();
    let mut holders = Vec::new();
    let mut victims = Vec::new();
    for s in group {
        push_unique(&mut victims, &s.process);
        for holder in &s.holders {
            push_unique(&mut holders, &holder.process);
        }
    }
    for holder in &first.holders {
        timeline.push(TimelineEntry {
            event_index: holder.open.event_index,
            time: holder.open.time,
            step: Step::Open,
            process: holder.opener.clone(),
        });
        if let Some(c) = &holder.close {
            timeline.push(TimelineEntry {
                event_index: c.event_index,
                time: c.time,
                step: Step::Close,
                process: c.process.clone(),
            });
        }
    }
    let (timeline, events, first_time) = finish_timeline(timeline);
    let main = first.holders.first();
    let severity = if group.iter().any(|s| s.explained) {
        Severity::Medium
    } else {
        Severity::Low
    };
    Incident {
        kind: IncidentKind::SharingViolation,
        path: first.path.clone(),
        operation: None,
        opener: main.map(|h| h.opener.clone()),
        child: None,
        spawn_gap_ms: None,
        closer: main.and_then(|h| h.close.as_ref().map(|c| c.process.clone())),
        deleter: None,
        fix: match main {
            Some(h) => explain::fix_for_holder(&h.process.name, &h.opener.name, h.inherited),
            None => explain::fix_unknown_holder(),
        },
        explanation: explain::sharing(group),
        holders,
        victims,
        events,
        timeline,
        first_time,
        severity,
    }
}
