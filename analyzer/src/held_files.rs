//! The ways a file is held other than by an open handle that explains a SHARING VIOLATION:
//!
//! - `image-in-use`: an open for writing (or a delete or rename) failed while no handle of the
//!   file explains it, but a running process has it mapped as its EXE or a loaded DLL — the
//!   classic "cannot open app.exe for writing" while a test run of it is still alive;
//! - `delete-pending`: a process deleted the file (a delete-on-close open, or a disposition set
//!   to delete) while handles were still open on it; the file lingers until the last one closes
//!   and every open in between fails with DELETE PENDING;
//! - `delete-refused`: a delete or rename failed (SHARING VIOLATION, ACCESS DENIED or CANNOT
//!   DELETE) while another handle that does not share delete access was open on the file, or,
//!   for a rename that replaces a file, while a handle was open on the file it replaces.
//!
//! Each becomes an incident like the handle races: who, when, access, sharing, fix.

use std::collections::{BTreeMap, HashSet};
use std::fmt::Write as _;
use std::sync::Arc;

use crate::access::{conflicts, SharedAccess};
use crate::explain::{clock, ms, who};
use crate::findings::{gap_ms, holder_at, open_facts, Time};
use crate::images::{ImageMaps, Mapping};
use crate::incidents::{finish_timeline, Incident, IncidentKind, Severity, Step, TimelineEntry};
use crate::lifetimes::{is_removal_request, FailedOp, Failure, IntervalId, Lifetimes};
use crate::model::{
    STATUS_ACCESS_DENIED, STATUS_CANNOT_DELETE, STATUS_DELETE_PENDING, STATUS_SHARING_VIOLATION,
};
use crate::paths::PathKey;
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
    DeleteRefused(Vec<IntervalId>),
}

/// The file a failure is about (its own, or the one a rename was to replace), and what holds it.
struct Blame {
    path: Arc<str>,
    key: PathKey,
    /// True when the file is the one a rename was to replace.
    target: bool,
    grouping: Grouping,
    /// The mappings, for an image.
    mapped: Vec<Mapping>,
}

/// The noun of a failed operation: `open`, `delete`, `rename`, or `delete or rename` for a
/// CreateFile that asks only for DELETE access (DeleteFile and MoveFileEx both open so first).
fn verb(f: &Failure) -> &'static str {
    match f.operation {
        FailedOp::Open if is_removal_request(&f.request) => {
            if f.request.options & pml_parser::details::fs::FILE_DELETE_ON_CLOSE != 0 {
                "delete"
            } else {
                "delete or rename"
            }
        }
        FailedOp::Open => "open",
        FailedOp::Delete => "delete",
        FailedOp::Rename => "rename",
    }
}

fn plural(noun: &str, n: usize) -> String {
    match (noun, n) {
        (_, 1) => noun.to_string(),
        ("delete or rename", _) => "deletes or renames".to_string(),
        _ => format!("{noun}s"),
    }
}

/// What was refused, for the incident's `operation`: `delete`, `rename` or `delete-or-rename`.
fn operation(f: &Failure) -> Option<&'static str> {
    f.is_removal().then(|| match verb(f) {
        "delete or rename" => "delete-or-rename",
        v => v,
    })
}

/// True when an interval that does not share delete access takes part in the sharing check.
fn denies_delete(request: &crate::model::OpenRequest) -> bool {
    request.share_mode & 4 == 0 && SharedAccess::of(request.desired_access).any()
}

/// The intervals of `ids` that refuse the removal `f`: for a CreateFile, those whose access or
/// sharing conflicts with it; for a delete or rename, other processes' handles that do not
/// share delete access; on the file a rename replaces, every handle.
fn refusing(l: &Lifetimes, f: &Failure, ids: &[IntervalId], target: bool) -> Vec<IntervalId> {
    ids.iter()
        .filter(|id| {
            l.interval(**id).is_some_and(|i| {
                if target {
                    true
                } else if f.operation == FailedOp::Open {
                    conflicts(&i.request, &f.request)
                } else {
                    i.process_index != f.process_index && denies_delete(&i.request)
                }
            })
        })
        .copied()
        .collect()
}

/// Why the removal `f` was refused, if the capture shows it.
fn removal(l: &Lifetimes, f: &Failure, images: &ImageMaps) -> Option<Blame> {
    // Handles explain a SHARING VIOLATION of a CreateFile, and any refusal of a delete or
    // rename on a handle; ACCESS DENIED and CANNOT DELETE of a CreateFile are the image's.
    let handles = f.operation != FailedOp::Open || f.status == STATUS_SHARING_VIOLATION;
    let mut places = Vec::new();
    if let Some(t) = &f.target {
        places.push((t.path.clone(), t.key, &t.holders, true));
    }
    places.push((f.path.clone(), f.key, &f.holders, false));
    if handles {
        for (path, key, holders, target) in &places {
            let ids = refusing(l, f, holders, *target);
            if ids.is_empty() {
                continue;
            }
            let inherited = ids
                .iter()
                .filter_map(|id| l.interval(*id))
                .any(|i| i.process_index != f.process_index && holder_at(l, i, f.time).1);
            if inherited && f.is_sharing_violation() {
                // An inherited handle: the handle races explain it.
                return None;
            }
            return Some(Blame {
                path: path.clone(),
                key: *key,
                target: *target,
                grouping: Grouping::DeleteRefused(ids),
                mapped: Vec::new(),
            });
        }
    }
    for (path, key, _, target) in places {
        let mapped = images.mapped_at(key, f.time, f.process_index, &l.tree, l.end_time);
        if mapped.is_empty() {
            continue;
        }
        let mut ids: Vec<u32> = mapped.iter().map(|m| m.process_index).collect();
        ids.sort_unstable();
        return Some(Blame {
            path,
            key,
            target,
            grouping: Grouping::Image(ids),
            mapped,
        });
    }
    None
}

/// Finds the incidents of the failures of `l`.
pub(crate) fn find(l: &Lifetimes, images: &ImageMaps) -> Held {
    let mut groups: BTreeMap<(PathKey, Grouping), Vec<&Failure>> = BTreeMap::new();
    let mut blames: BTreeMap<u64, Blame> = BTreeMap::new();
    for f in &l.failures {
        let blame = if f.operation == FailedOp::Open && f.status == STATUS_DELETE_PENDING {
            Blame {
                path: f.path.clone(),
                key: f.key,
                target: false,
                grouping: Grouping::DeletePending(f.deleter.map(|d| d.event_index)),
                mapped: Vec::new(),
            }
        } else if f.is_removal()
            && matches!(
                f.status,
                STATUS_SHARING_VIOLATION | STATUS_ACCESS_DENIED | STATUS_CANNOT_DELETE
            )
        {
            match removal(l, f, images) {
                Some(b) => b,
                None => continue,
            }
        } else if f.holders.is_empty() {
            let mapped = images.mapped_at(f.key, f.time, f.process_index, &l.tree, l.end_time);
            if mapped.is_empty() {
                continue;
            }
            let mut ids: Vec<u32> = mapped.iter().map(|m| m.process_index).collect();
            ids.sort_unstable();
            Blame {
                path: f.path.clone(),
                key: f.key,
                target: false,
                grouping: Grouping::Image(ids),
                mapped,
            }
        } else {
            continue;
        };
        groups
            .entry((blame.key, blame.grouping.clone()))
            .or_default()
            .push(f);
        blames.insert(f.event_index, blame);
    }
    let mut held = Held {
        incidents: Vec::new(),
        explained_violations: HashSet::new(),
    };
    for ((_, grouping), group) in groups {
        let blame = &blames[&group[0].event_index];
        let incident = match grouping {
            Grouping::Image(_) => image_in_use(l, &group, blame),
            Grouping::DeletePending(_) => delete_pending(l, &group),
            Grouping::DeleteRefused(ref ids) => delete_refused(l, &group, blame, ids),
        };
        if !matches!(grouping, Grouping::DeletePending(_)) {
            held.explained_violations.extend(
                group
                    .iter()
                    .filter(|f| f.is_sharing_violation())
                    .map(|f| f.event_index),
            );
        }
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

/// "3 opens of X failed" and the first one's details; `blame` says which file the incident is
/// about (for a rename that replaces a file, the file it replaces).
fn failures_sentence(l: &Lifetimes, group: &[&Failure], blame: &Blame) -> String {
    let first = group[0];
    let what = verb(first);
    let mut out = if blame.target {
        format!(
            "{} {} of {} over {} failed. At {} {} failed to rename {} over it with {} (event {}",
            group.len(),
            plural(what, group.len()),
            first.path,
            blame.path,
            clock(Time(first.time)),
            who(&l.tree.process_ref(first.process_index)),
            first.path,
            result_name(first.status),
            first.event_index
        )
    } else {
        format!(
            "{} {} of {} failed. At {} {} failed to {what} it with {} (event {}",
            group.len(),
            plural(what, group.len()),
            blame.path,
            clock(Time(first.time)),
            who(&l.tree.process_ref(first.process_index)),
            result_name(first.status),
            first.event_index
        )
    };
    if first.operation == FailedOp::Open {
        let access = crate::findings::Access::of(&first.request);
        let _ = write!(
            out,
            ", asked for {}, sharing {}",
            access.access, access.share
        );
    }
    out.push_str(").");
    let spelled = if blame.target {
        first.target.as_ref().and_then(|t| {
            (!t.aliases.is_empty()).then(|| crate::explain::other_spelling(&t.path, &t.aliases))
        })
    } else {
        first
            .other_spelling()
            .map(|own| crate::explain::other_spelling(own, &first.aliases))
    };
    if let Some(sentence) = spelled {
        out.push(' ');
        out.push_str(&sentence);
    }
    out
}

fn base(l: &Lifetimes, kind: IncidentKind, group: &[&Failure], path: &str) -> Incident {
    let mut victims = Vec::new();
    let mut timeline = Vec::new();
    for f in group {
        push_unique(&mut victims, l.tree.process_ref(f.process_index));
        timeline.push(failure_entry(l, f));
    }
    let (timeline, events, first_time) = finish_timeline(timeline);
    Incident {
        kind,
        path: path.to_string(),
        operation: None,
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

fn image_in_use(l: &Lifetimes, group: &[&Failure], blame: &Blame) -> Incident {
    let first = group[0];
    let mapped = &blame.mapped;
    let mut incident = base(l, IncidentKind::ImageInUse, group, &blame.path);
    incident.operation = operation(first);
    let mut text = failures_sentence(l, group, blame);
    let handles = if blame.target {
        first.target.as_ref().map_or(0, |t| t.holders.len())
    } else {
        first.holders.len()
    };
    if handles == 0 {
        text.push_str(" No handle of the file is open in the capture, but ");
    } else {
        text.push_str(" The handles open on it do not refuse it, but ");
    }
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
         truncated or deleted (nor replaced by a rename) until every process that maps it has \
         exited or unloaded it.",
    );
    let holder_name = incident
        .holders
        .first()
        .map_or(String::new(), |h| h.name.clone());
    incident.explanation = text;
    incident.fix = format!(
        "Stop {holder_name} (let the test run or debugger session end, or `taskkill /im \
         {holder_name}`) before the step that rewrites the file; in a build, wait for the \
         processes started from the output folder, or rename the old file aside first and write \
         the new one under the name (a running EXE can be renamed, not overwritten or deleted)."
    );
    incident
}

/// The holders of `ids` at `t`: every handle, as the process holding it; one sentence each.
fn holders_of(
    l: &Lifetimes,
    t: pml_parser::FileTime,
    ids: &[IntervalId],
    incident: &mut Incident,
) -> Vec<String> {
    let mut sentences = Vec::new();
    for i in ids.iter().filter_map(|id| l.interval(*id)) {
        let (process, inherited) = holder_at(l, i, t);
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
    let blame = Blame {
        path: first.path.clone(),
        key: first.key,
        target: false,
        grouping: Grouping::DeletePending(None),
        mapped: Vec::new(),
    };
    let mut incident = base(l, IncidentKind::DeletePending, group, &first.path);
    let mut text = failures_sentence(l, group, &blame);
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
    let sentences = holders_of(l, first.time, &first.holders, &mut incident);
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

fn delete_refused(
    l: &Lifetimes,
    group: &[&Failure],
    blame: &Blame,
    ids: &[IntervalId],
) -> Incident {
    let first = group[0];
    let mut incident = base(l, IncidentKind::DeleteRefused, group, &blame.path);
    incident.operation = operation(first);
    let mut text = failures_sentence(l, group, blame);
    let sentences = holders_of(l, first.time, ids, &mut incident);
    for s in &sentences {
        let _ = write!(text, " {s}");
    }
    if blame.target {
        text.push_str(
            " A rename cannot replace a file while a handle is open on that file: Windows \
             refuses it with ACCESS DENIED until the last handle closes.",
        );
    } else {
        text.push_str(
            " A file cannot be deleted or renamed while another handle that does not share \
             delete access (FILE_SHARE_DELETE) is open on it: the delete or rename, or the open \
             that prepares it, is refused.",
        );
    }
    refinish(&mut incident);
    incident.explanation = text;
    incident.fix = match incident.holders.first() {
        Some(h) => crate::explain::fix_for_removal(&h.name, blame.target),
        None => crate::explain::fix_unknown_holder(),
    };
    incident
}
