//! Findings derived from the open intervals: unmatched opens, sharing violations with their
//! holders, and inherited-handle candidates ranked by corroboration.

use serde::{Serialize, Serializer};

use pml_parser::FileTime;

use crate::access::{conflicts, describe_access, describe_share};
use crate::lifetimes::{Failure, Interval, IntervalId, Lifetimes, Spawn, TICKS_PER_MS};
use crate::model::OpenRequest;
use crate::process_tree::ProcessRef;

/// A point in time, serialized as RFC 3339 UTC with 100 ns precision.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Time(pub FileTime);

impl Serialize for Time {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0.to_rfc3339())
    }
}

/// Milliseconds from `earlier` to `later` (negative when `later` is earlier).
pub fn gap_ms(earlier: FileTime, later: FileTime) -> f64 {
    (later.0 as f64 - earlier.0 as f64) / TICKS_PER_MS as f64
}

/// What an open asked for, in numbers and in words.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Access {
    /// ACCESS_MASK asked for.
    pub desired_access: u32,
    /// The data/delete part of it in words, e.g. `write (0x00120116)`.
    pub access: String,
    /// ShareAccess bits.
    pub share_mode: u16,
    /// ShareAccess in ProcMon's words, e.g. `Read, Write` or `None`.
    pub share: String,
    /// CreateOptions bits.
    pub options: u32,
    /// True when the file is deleted when its last handle closes.
    pub delete_on_close: bool,
}

impl Access {
    /// The words for a request.
    pub fn of(r: &OpenRequest) -> Access {
        Access {
            desired_access: r.desired_access,
            access: describe_access(r.desired_access),
            share_mode: r.share_mode,
            share: describe_share(r.share_mode),
            options: r.options,
            delete_on_close: r.options & pml_parser::details::fs::FILE_DELETE_ON_CLOSE != 0,
        }
    }
}

/// A successful CreateFile.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OpenFacts {
    /// Event index of the CreateFile.
    pub event_index: u64,
    /// Its time.
    pub time: Time,
    /// Its thread.
    pub tid: u32,
    /// What it asked for.
    #[serde(flatten)]
    pub access: Access,
    /// IoStatus.Information (1 Opened, 2 Created, ...).
    pub open_result: Option<u32>,
}

/// The CloseFile that ended an open.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CloseFacts {
    /// The process it was logged in.
    pub process: ProcessRef,
    /// Event index of the CloseFile.
    pub event_index: u64,
    /// Its time.
    pub time: Time,
}

/// What became of an open its process never closed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
#[non_exhaustive]
pub enum Classification {
    /// The CloseFile came from a child of the opener: it inherited the handle.
    ClosedByChild,
    /// The CloseFile came from a grandchild or deeper descendant.
    ClosedByDescendant,
    /// The CloseFile came from a process outside the opener's tree (a duplicated handle).
    ClosedByUnrelated,
    /// No CloseFile, and the opener exited.
    OpenAtExit,
    /// No CloseFile, and the opener was still running when the capture ended.
    OpenAtCaptureEnd,
}

impl Classification {
    /// The JSON spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Classification::ClosedByChild => "closed-by-child",
            Classification::ClosedByDescendant => "closed-by-descendant",
            Classification::ClosedByUnrelated => "closed-by-unrelated",
            Classification::OpenAtExit => "open-at-exit",
            Classification::OpenAtCaptureEnd => "open-at-capture-end",
        }
    }
}

/// A successful CreateFile with no CloseFile of the same path in the same process instance.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct UnmatchedOpen {
    /// The opener.
    pub process: ProcessRef,
    /// The path, as in the Path column.
    pub path: String,
    /// What became of it.
    pub classification: Classification,
    /// The open.
    pub open: OpenFacts,
    /// The CloseFile that ended it in another process, if any.
    pub close: Option<CloseFacts>,
    /// The interval behind the finding.
    #[serde(skip)]
    pub interval: IntervalId,
}

/// A process holding a path open when an open of it failed.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Holder {
    /// The process holding the handle at that moment: the opener, or the process that
    /// inherited the handle from it and later closed it (or an ancestor of that one on the way).
    pub process: ProcessRef,
    /// The process whose CreateFile made the handle.
    pub opener: ProcessRef,
    /// True when `process` holds the handle by inheritance rather than by its own open.
    pub inherited: bool,
    /// The open that made the handle.
    pub open: OpenFacts,
    /// The CloseFile that finally ended the handle, if any.
    pub close: Option<CloseFacts>,
    /// True when the open's access or share mode conflicts with what the failed open asked for.
    pub explains_conflict: bool,
    /// The interval behind the holder.
    #[serde(skip)]
    pub interval: IntervalId,
}

/// A CreateFile that failed with SHARING VIOLATION.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SharingViolation {
    /// The process that failed.
    pub process: ProcessRef,
    /// The path.
    pub path: String,
    /// Event index of the failed CreateFile.
    pub event_index: u64,
    /// Its time.
    pub time: Time,
    /// Its thread.
    pub tid: u32,
    /// What it asked for.
    pub request: Access,
    /// The handles open on the path at that moment (empty: opened before the capture began).
    pub holders: Vec<Holder>,
    /// True when at least one holder's access or share mode explains the failure.
    pub explained: bool,
    /// The path as the failed CreateFile spelled it, when that is another spelling of `path`
    /// (`\Device\HarddiskVolume3\...` for `C:\...`, once the capture showed which letter the
    /// volume has); absent otherwise.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub spelled_as: Option<String>,
    /// The volumes whose learned letter paired the failure with holders of another spelling:
    /// (volume number, drive letter).
    #[serde(skip)]
    pub aliases: Vec<(u32, u8)>,
    /// The path's comparison key (volume letters applied).
    #[serde(skip)]
    pub key: crate::paths::PathKey,
}

/// Who closed an inherited handle, relative to the child that inherited it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ClosedUnder {
    /// The child itself.
    Child,
    /// A descendant of the child.
    Descendant,
}

/// The evidence for an inherited handle.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Corroboration {
    /// The CloseFile came from the child or one of its descendants.
    pub closed_under: Option<ClosedUnder>,
    /// The opener never issued the CloseFile.
    pub opener_never_closed: bool,
    /// Event indices of SHARING VIOLATIONs on the path while the child held it (or, when nobody
    /// closed it, while the child was alive).
    pub victim_events: Vec<u64>,
}

/// A Process Create by a process within the window after it opened a file it then did not close.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct InheritedHandle {
    /// The path.
    pub path: String,
    /// The process that opened the file and created the child.
    pub opener: ProcessRef,
    /// The open.
    pub open: OpenFacts,
    /// The child that inherited the handle.
    pub child: ProcessRef,
    /// Event index of the Process Create.
    pub spawn_event: u64,
    /// Its time.
    pub spawn_time: Time,
    /// Milliseconds from the open to the Process Create.
    pub spawn_gap_ms: f64,
    /// The CloseFile that finally ended the handle, if any.
    pub close: Option<CloseFacts>,
    /// The evidence.
    pub corroboration: Corroboration,
    /// Rank: 4 for a close under the child, 2 for victims, 1 because the opener never closed it.
    pub score: u32,
    /// The interval behind the finding.
    #[serde(skip)]
    pub interval: IntervalId,
}

impl InheritedHandle {
    /// True when the evidence is strong enough for an incident: the handle was closed under the
    /// child, or opens failed while the child held it.
    pub fn is_incident(&self) -> bool {
        self.corroboration.closed_under.is_some() || !self.corroboration.victim_events.is_empty()
    }
}

/// All findings of a capture.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Findings {
    /// Unmatched opens, by open time.
    pub unmatched_opens: Vec<UnmatchedOpen>,
    /// Sharing violations, by time.
    pub sharing_violations: Vec<SharingViolation>,
    /// Inherited-handle candidates, best corroborated first.
    pub inherited_handles: Vec<InheritedHandle>,
}

/// Derives the findings from the pass.
pub fn derive(l: &Lifetimes) -> Findings {
    let mut kept: Vec<&Interval> = l.intervals.values().collect();
    kept.sort_by_key(|i| (i.open_time, i.open_event));

    let mut unmatched_opens: Vec<UnmatchedOpen> = kept
        .iter()
        .filter(|i| !i.closed_by_opener())
        .map(|i| UnmatchedOpen {
            process: l.tree.process_ref(i.process_index),
            path: i.path.to_string(),
            classification: classify(l, i),
            open: open_facts(i),
            close: close_facts(l, i),
            interval: i.id,
        })
        .collect();
    unmatched_opens.sort_by_key(|u| (u.open.time, u.open.event_index));

    let mut sharing_violations: Vec<SharingViolation> = l
        .failures
        .iter()
        .filter(|f| f.is_sharing_violation())
        .map(|f| sharing_violation(l, f))
        .collect();
    sharing_violations.sort_by_key(|s| (s.time, s.event_index));

    let mut inherited_handles: Vec<InheritedHandle> = kept
        .iter()
        .filter(|i| !i.spawns.is_empty() && !i.closed_by_opener())
        .map(|i| inherited(l, i))
        .collect();
    inherited_handles.sort_by(|a, b| {
        b.score
            .cmp(&a.score)
            .then(a.open.time.cmp(&b.open.time))
            .then(a.open.event_index.cmp(&b.open.event_index))
    });

    Findings {
        unmatched_opens,
        sharing_violations,
        inherited_handles,
    }
}

pub(crate) fn open_facts(i: &Interval) -> OpenFacts {
    OpenFacts {
        event_index: i.open_event,
        time: Time(i.open_time),
        tid: i.tid,
        access: Access::of(&i.request),
        open_result: i.open_result,
    }
}

pub(crate) fn close_facts(l: &Lifetimes, i: &Interval) -> Option<CloseFacts> {
    i.close.map(|c| CloseFacts {
        process: l.tree.process_ref(c.process_index),
        event_index: c.event_index,
        time: Time(c.time),
    })
}

fn classify(l: &Lifetimes, i: &Interval) -> Classification {
    match i.close {
        Some(c) => match l.tree.depth_below(c.process_index, i.process_index) {
            Some(1) => Classification::ClosedByChild,
            Some(_) => Classification::ClosedByDescendant,
            None => Classification::ClosedByUnrelated,
        },
        None if l.tree.exited_at(i.process_index, l.end_time).is_some() => {
            Classification::OpenAtExit
        }
        None => Classification::OpenAtCaptureEnd,
    }
}

/// The process holding interval `i` at time `t`: when a descendant of the opener issued the
/// CloseFile, the deepest process on the way down to it that existed by `t`; else the opener.
pub(crate) fn holder_at(l: &Lifetimes, i: &Interval, t: FileTime) -> (u32, bool) {
    let chain = i
        .close
        .filter(|c| c.process_index != i.process_index)
        .and_then(|c| l.tree.chain_below(i.process_index, c.process_index));
    let deepest = chain.and_then(|chain| {
        chain
            .into_iter()
            .rev()
            .find(|&p| l.tree.created_at(p).is_none_or(|c| c <= t))
    });
    match deepest {
        Some(p) => (p, true),
        None => (i.process_index, false),
    }
}

fn sharing_violation(l: &Lifetimes, f: &Failure) -> SharingViolation {
    let holders: Vec<Holder> = f
        .holders
        .iter()
        .filter_map(|id| l.interval(*id))
        .map(|i| {
            let (process, inherited) = holder_at(l, i, f.time);
            Holder {
                process: l.tree.process_ref(process),
                opener: l.tree.process_ref(i.process_index),
                inherited,
                open: open_facts(i),
                close: close_facts(l, i),
                explains_conflict: conflicts(&i.request, &f.request),
                interval: i.id,
            }
        })
        .collect();
    SharingViolation {
        process: l.tree.process_ref(f.process_index),
        path: f.path.to_string(),
        spelled_as: f.other_spelling().map(str::to_string),
        aliases: f.aliases.clone(),
        key: f.key,
        event_index: f.event_index,
        time: Time(f.time),
        tid: f.tid,
        request: Access::of(&f.request),
        explained: holders.iter().any(|h| h.explains_conflict),
        holders,
    }
}

/// True when `p` is `root` or below it.
fn in_subtree(l: &Lifetimes, p: u32, root: u32) -> bool {
    p == root || l.tree.depth_below(p, root).is_some()
}

fn inherited(l: &Lifetimes, i: &Interval) -> InheritedHandle {
    let closer = i.close.map(|c| c.process_index);
    let chosen: Spawn = closer
        .and_then(|c| {
            i.spawns
                .iter()
                .find(|s| in_subtree(l, c, s.child_index))
                .copied()
        })
        .unwrap_or(i.spawns[0]);
    let closed_under = closer.and_then(|c| {
        if c == chosen.child_index {
            Some(ClosedUnder::Child)
        } else {
            in_subtree(l, c, chosen.child_index).then_some(ClosedUnder::Descendant)
        }
    });
    let child_holds = |t: FileTime| match i.close {
        Some(c) => closed_under.is_some() && t <= c.time,
        None => l.tree.alive_at(chosen.child_index, t, l.end_time),
    };
    let victim_events: Vec<u64> = l
        .failures
        .iter()
        .filter(|f| f.is_sharing_violation() && f.holders.contains(&i.id))
        .filter(|f| f.time >= chosen.time && child_holds(f.time))
        .filter(|f| f.process_index != chosen.child_index)
        .map(|f| f.event_index)
        .collect();
    let score = 1
        + if closed_under.is_some() { 4 } else { 0 }
        + if victim_events.is_empty() { 0 } else { 2 };
    InheritedHandle {
        path: i.path.to_string(),
        opener: l.tree.process_ref(i.process_index),
        open: open_facts(i),
        child: l.tree.process_ref(chosen.child_index),
        spawn_event: chosen.event_index,
        spawn_time: Time(chosen.time),
        spawn_gap_ms: gap_ms(i.open_time, chosen.time),
        close: close_facts(l, i),
        corroboration: Corroboration {
            closed_under,
            opener_never_closed: true,
            victim_events,
        },
        score,
        interval: i.id,
    }
}
