//! The ways a file is held other than by an open handle that explains a SHARING VIOLATION:
//!
//! - `image-in-use`: an open for writing (or a delete or rename) failed while no handle of the
//!   file is in the capture, but a running process has it mapped as its EXE or a loaded DLL —
//!   the classic "cannot open app.exe for writing" while a test run of it is still alive;
//! - `delete-pending`: a process deleted the file (a delete-on-close open, or a disposition set
//!   to delete) while handles were still open on it; the file lingers until the last one closes
//!   and every open in between fails with DELETE PENDING;
//! - `delete-refused`: a delete or rename failed while another process held the file open.
//!
//! Each becomes an incident like the handle races: who, when, access, sharing, fix.

use std::collections::{BTreeMap, HashSet};
use std::fmt::Write as _;

use crate::explain::{clock, ms, who};
use crate::findings::{gap_ms, holder_at, open_facts, Time};
use crate::images::{ImageMaps, Mapping};
use crate::incidents::{finish_timeline, Incident, IncidentKind, Severity, Step, TimelineEntry};
use crate::lifetimes::{FailedOp, Failure, Lifetimes};
use crate::model::STATUS_DELETE_PENDING;
use crate::paths;
use crate::process_tree::ProcessRef;

/// The incidents of this module, and the SHARING VIOLATIONs they explain (which then make no
/// sharing-violation incident of their own).
pub(crate) struct Held {
    pub incidents: Vec<Incident>,
    pub explained_violations: HashSet<u64>,
}

/// What holds the file of a failure.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum Grouping {
    Image(Vec<u32>),
    DeletePending(Option<u64>),
    DeleteRefused(Vec<u64>),
}

fn verb(f: &Failure) -> &'static str {
    match f.operation {
        FailedOp::Open => "open",
        FailedOp::Delete => "delete",
        FailedOp::Rename => "rename",
    }
}

/// Finds the incidents of the failures of `l`.
pub(crate) fn find(l: &Lifetimes, images: &ImageMaps) -> Held {
    let mut groups: BTreeMap<(paths::PathKey, Grouping), Vec<&Failure>> = BTreeMap::new();
    let mut mappings: BTreeMap<u64, Vec<Mapping>> = BTreeMap::new();
    for f in &l.failures {
        let key = f.key;
        let grouping = if f.operation == FailedOp::Open && f.status == STATUS_DELETE_PENDING {
            Grouping::DeletePending(f.deleter.map(|d| d.event_index))
        } else if f.operation != FailedOp::Open && !f.holders.is_empty() {
            Grouping::DeleteRefused(f.holders.clone())
        } else if f.holders.is_empty() {
            let mapped = images.mapped_at(key, f.time, f.process_index, &l.tree, l.end_time);
            if mapped.is_empty() {
                continue;
            }
            let mut ids: Vec<u32> = mapped.iter().map(|m| m.process_index).collect();
            ids.sort_unstable();
            mappings.insert(f.event_index, mapped);
            Grouping::Image(ids)
        } else {
            continue;
        };
        groups.entry((key, grouping)).or_default().push(f);
    }
    let mut held = Held {
        incidents: Vec::new(),
        explained_violations: HashSet::new(),
    };
    for ((_, grouping), group) in groups {
        let incident = match grouping {
            Grouping::Image(_) => {
                held.explained_violations.extend(
                    group
                        .iter()
                        .filter(|f| f.is_sharing_violation())
                        .map(|f| f.event_index),
                );
                let mapped = &mappings[&group[0].event_index];
                image_in_use(l, &group, mapped)
            }
            Grouping::DeletePending(_) => delete_pending(l, &group),
            Grouping::DeleteRefused(_) => delete_refused(l, &group),
        };
        held.incidents.push(incident);
    }
    held
}

fn failure_entry(l: &Lifetimes, f: &Failure) -> TimelineEntry {
    TimelineEntry {
        event_index: f.event_index,
        time: Time(f.time),
        step: if f.is_sharing_violation() {
            Step::SharingViolation
        } else {
            Step::Failure
        },
        process: l.tree.process_ref(f.process_index),
    }
}

fn push_unique(list: &mut Vec<ProcessRef>, p: ProcessRef) {
    if !list.iter().any(|q| q.process_index == p.process_index) {
        list.push(p);
    }
}

fn result_name(status: u32) -> String {
    crate::failures::result_text(status)
}

/// "3 opens of X failed" and the first one's details.
fn failures_sentence(l: &Lifetimes, group: &[&Failure]) -> String {
    let first = group[0];
    let what = verb(first);
    let plural = if group.len() == 1 { "" } else { "s" };
    let mut out = format!(
        "{} {what}{plural} of {} failed. At {} {} failed to {what} it with {} (event {}",
        group.len(),
        first.path,
        clock(Time(first.time)),
        who(&l.tree.process_ref(first.process_index)),
        result_name(first.status),
        first.event_index
    );
    if first.operation == FailedOp::Open {
        let access = crate::findings::Access::of(&first.request);
        let _ = write!(
            out,
            ", asked for {}, sharing {}",
            access.access, access.share
        );
    }
    out.push_str(").");
    out
}

fn base(
    l: &Lifetimes,
    kind: IncidentKind,
    group: &[&Failure],
    mut timeline: Vec<TimelineEntry>,
) -> Incident {
    let first = group[0];
    let mut victims = Vec::new();
    for f in group {
        push_unique(&mut victims, l.tree.process_ref(f.process_index));
        timeline.push(failure_entry(l, f));
    }
    let (timeline, events, first_time) = finish_timeline(timeline);
    Incident {
        kind,
        path: first.path.to_string(),
        opener: None,
        child: None,
        spawn_gap_ms: None,
        closer: None,
        deleter: None,
        holders: Vec::new(),
        victims,
        events,
        timeline,
        first_time,
        severity: Severity::Medium,
        explanation: String::new(),
        fix: String::new(),
    }
}

fn image_in_use(l: &Lifetimes, group: &[&Failure], mapped: &[Mapping]) -> Incident {
    let first = group[0];
    let mut incident = base(l, IncidentKind::ImageInUse, group, Vec::new());
    let mut text = failures_sentence(l, group);
    text.push_str(" No handle of the file is open in the capture, but ");
    for (n, m) in mapped.iter().enumerate() {
        let p = l.tree.process_ref(m.process_index);
        if n > 0 {
            text.push_str(if n + 1 == mapped.len() { " and " } else { ", " });
        }
        if m.is_exe {
            let _ = write!(text, "{} was running from it", who(&p));
        } else {
            let _ = write!(
                text,
                "{} had it loaded as a module since {}",
                who(&p),
                clock(Time(m.since))
            );
        }
        if let Some(created) = l.tree.created_at(m.process_index) {
            if m.is_exe && !created.is_zero() {
                let _ = write!(text, " (started at {})", clock(Time(created)));
            }
        }
        match l.tree.exited_at(m.process_index, l.end_time) {
            Some(exit) if exit >= first.time => {
                let _ = write!(
                    text,
                    " and exited {} after the first failure",
                    ms(gap_ms(first.time, exit))
                );
            }
            _ => text.push_str(" and was still running when the capture ended"),
        }
        push_unique(&mut incident.holders, p.clone());
        if let Some(event_index) = m.event_index {
            incident.timeline.push(TimelineEntry {
                event_index,
                time: Time(m.since),
                step: Step::ImageLoad,
                process: p,
            });
        }
    }
    refinish(&mut incident);
    text.push_str(
        ". Windows keeps a running EXE and a loaded DLL mapped: the file cannot be written, \
         truncated or deleted until every process that maps it has exited or unloaded it.",
    );
    let holder_name = incident
        .holders
        .first()
        .map_or(String::new(), |h| h.name.clone());
    incident.explanation = text;
    incident.fix = format!(
        "Stop {holder_name} (let the test run or debugger session end, or `taskkill /im \
         {holder_name}`) before the step that rewrites the file; in a build, wait for the \
         processes started from the output folder, or write the new file under another name and \
         rename it over the old one once they are gone (a running EXE can be renamed, not \
         overwritten)."
    );
    incident
}

/// The holders of a failure's path: every handle open then, as the process holding it.
fn holders_of(l: &Lifetimes, f: &Failure, incident: &mut Incident) -> Vec<String> {
    let mut sentences = Vec::new();
    for i in f.holders.iter().filter_map(|id| l.interval(*id)) {
        let (process, inherited) = holder_at(l, i, f.time);
        let p = l.tree.process_ref(process);
        let open = open_facts(i);
        let mut s = format!(
            "{} held it since {} (event {}) with {}, sharing {}",
            who(&p),
            clock(open.time),
            open.event_index,
            open.access.access,
            open.access.share
        );
        if inherited {
            let _ = write!(
                s,
                ", a handle inherited from {}",
                who(&l.tree.process_ref(i.process_index))
            );
        }
        match i.close {
            Some(c) => {
                let _ = write!(
                    s,
                    "; it was closed at {} (event {}).",
                    clock(Time(c.time)),
                    c.event_index
                );
                incident.closer = Some(l.tree.process_ref(c.process_index));
            }
            None => s.push_str("; it was still open when the capture ended."),
        }
        incident.timeline.push(TimelineEntry {
            event_index: open.event_index,
            time: open.time,
            step: Step::Open,
            process: l.tree.process_ref(i.process_index),
        });
        if let Some(c) = i.close {
            incident.timeline.push(TimelineEntry {
                event_index: c.event_index,
                time: Time(c.time),
                step: Step::Close,
                process: l.tree.process_ref(c.process_index),
            });
        }
        if incident.opener.is_none() {
            incident.opener = Some(l.tree.process_ref(i.process_index));
        }
        push_unique(&mut incident.holders, p);
        sentences.push(s);
    }
    sentences
}

fn refinish(incident: &mut Incident) {
    let (timeline, events, first_time) = finish_timeline(std::mem::take(&mut incident.timeline));
    incident.timeline = timeline;
    incident.events = events;
    incident.first_time = first_time;
}

fn delete_pending(l: &Lifetimes, group: &[&Failure]) -> Incident {
    let first = group[0];
    let mut incident = base(l, IncidentKind::DeletePending, group, Vec::new());
    let mut text = failures_sentence(l, group);
    if let Some(d) = first.deleter {
        let deleter = l.tree.process_ref(d.process_index);
        let _ = write!(
            text,
            " {} had deleted the file at {} (event {}), {} before; Windows removes a deleted \
             file only when its last handle closes, and until then every open fails with DELETE \
             PENDING.",
            who(&deleter),
            clock(Time(d.time)),
            d.event_index,
            ms(gap_ms(d.time, first.time))
        );
        incident.timeline.push(TimelineEntry {
            event_index: d.event_index,
            time: Time(d.time),
            step: Step::Delete,
            process: deleter.clone(),
        });
        incident.deleter = Some(deleter);
    } else {
        text.push_str(
            " The delete is not in the capture (it happened before the capture began, or was \
             filtered out).",
        );
    }
    let sentences = holders_of(l, first, &mut incident);
    for s in &sentences {
        let _ = write!(text, " {s}");
    }
    if sentences.is_empty() {
        text.push_str(" No handle of the file is open in the capture.");
    }
    refinish(&mut incident);
    incident.explanation = text;
    let holder = incident
        .holders
        .iter()
        .find(|h| incident.deleter.as_ref() != Some(*h))
        .map_or("the process holding it".to_string(), |h| h.name.clone());
    incident.fix = format!(
        "{holder} kept the deleted file open. Make it close the file promptly (a scanner: \
         exclude the folder from real-time scanning), retry the open after a short wait, or \
         delete with POSIX semantics (FILE_DISPOSITION_POSIX_SEMANTICS, the default of DeleteFile \
         on NTFS since Windows 10 1809) so the name is free at once; a build can also write \
         fresh outputs under new names instead of deleting and recreating one."
    );
    incident
}

fn delete_refused(l: &Lifetimes, group: &[&Failure]) -> Incident {
    let first = group[0];
    let mut incident = base(l, IncidentKind::DeleteRefused, group, Vec::new());
    let mut text = failures_sentence(l, group);
    let sentences = holders_of(l, first, &mut incident);
    for s in &sentences {
        let _ = write!(text, " {s}");
    }
    text.push_str(
        " A file cannot be deleted or renamed while another handle that does not share delete \
         access (FILE_SHARE_DELETE) is open on it.",
    );
    refinish(&mut incident);
    incident.explanation = text;
    incident.fix = match incident.holders.first() {
        Some(h) => crate::explain::fix_for_holder(&h.name, &h.name, false),
        None => crate::explain::fix_unknown_holder(),
    };
    incident
}
