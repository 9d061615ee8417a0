//! Why a process failed: every process whose Process Exit has a non-zero status, with the
//! events that most likely caused it, most likely first.
//!
//! While the capture streams, each process keeps its candidate causes: opens refused (SHARING
//! VIOLATION, ACCESS DENIED, DELETE PENDING, ...), deletes and renames refused, and names not
//! found. A candidate is dropped when the process later succeeds on the same path (it got what
//! it needed) and, for a name not found, when it later opens the same name in another directory
//! (a probe: a DLL search, an include path). Repeated failures on one path (or, when not found,
//! one name) make one candidate with a count. At most [`MAX_CANDIDATES`] of each sort are kept
//! per process, the latest, so memory grows with processes, not events. A process that exits
//! with status 0 forgets its candidates; one that exits with another status becomes a failure,
//! and its parent learns that a child failed.
//!
//! A cause weighs by what failed (refusals most, a failed child next, names not found least)
//! and by how close to the exit it happened: `weight × (1 + 1 / (1 + seconds before the exit))`.

use std::collections::VecDeque;

use serde::Serialize;

use pml_parser::FileTime;

use crate::findings::{gap_ms, Time};
use crate::hash::{FxHashMap, FxHashSet};
use crate::model::{
    FileOp, FileOpKind, ProcessOp, ProcessOpKind, Record, STATUS_ACCESS_DENIED,
    STATUS_NAME_NOT_FOUND, STATUS_PATH_NOT_FOUND, STATUS_PRIVILEGE_NOT_HELD,
};
use crate::paths::PathKey;
use crate::process_tree::{ProcessRef, ProcessTree};

/// Candidate causes of each sort (refusals, names not found) kept per process.
pub const MAX_CANDIDATES: usize = 32;

/// Causes listed per failure.
pub const MAX_CAUSES: usize = 5;

/// Failed children remembered per process.
const MAX_CHILDREN: usize = 32;

/// One likely cause of a failure.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Cause {
    /// Event index of the failed operation (of the child's Process Exit, for a failed child).
    pub event_index: u64,
    /// Its time.
    pub time: Time,
    /// The operation, as ProcMon names it: `CreateFile`, `SetDispositionInformationFile`,
    /// `SetRenameInformationFile`, or `Process Exit` for a failed child.
    pub operation: &'static str,
    /// The path (for a failed child, its image path or name).
    pub path: String,
    /// The Result column (`SHARING VIOLATION`), or the child's exit status.
    pub result: String,
    /// How many times the process failed this way on this path (on this name, when not found).
    pub attempts: u64,
    /// Milliseconds from the event to the exit.
    pub before_exit_ms: f64,
    /// The processes that held the file, when the analysis knows them.
    pub holders: Vec<ProcessRef>,
    /// Position in `Analysis::incidents` of the incident that explains this cause.
    pub incident: Option<usize>,
    /// The weight the ranking gave it.
    pub score: f64,
}

/// A child process that exited with a non-zero status before its parent did.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FailedChild {
    /// The child.
    pub process: ProcessRef,
    /// Its exit status.
    pub exit_status: u32,
    /// Its Process Exit event.
    pub exit_event: u64,
    /// Its exit time.
    pub exit_time: Time,
}

/// A process that exited with a non-zero status, and why.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ProcessFailure {
    /// The process.
    pub process: ProcessRef,
    /// Its exit status.
    pub exit_status: u32,
    /// The exit status in hex, e.g. `0xC0000005` (`0x00000002` for exit code 2).
    pub exit_status_hex: String,
    /// Its Process Exit event.
    pub exit_event: u64,
    /// Its exit time.
    pub exit_time: Time,
    /// The likely causes, most likely first (at most [`MAX_CAUSES`]).
    pub causes: Vec<Cause>,
    /// Children that failed before it, in exit order.
    pub failed_children: Vec<FailedChild>,
}

/// What sort of candidate, for the weights.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Sort {
    /// Refused: sharing, access, deletion.
    Refused,
    /// Name or path not found.
    NotFound,
}

/// A failed operation that may explain a failure.
#[derive(Debug, Clone)]
pub(crate) struct Candidate {
    pub event_index: u64,
    pub time: FileTime,
    pub operation: &'static str,
    pub path: String,
    pub status: u32,
    pub attempts: u64,
    key: PathKey,
    name: u64,
}

/// A child's failure, as its parent remembers it.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ChildExit {
    pub process_index: u32,
    pub status: u32,
    pub event_index: u64,
    pub time: FileTime,
}

#[derive(Debug, Default)]
struct Pending {
    refused: VecDeque<Candidate>,
    not_found: VecDeque<Candidate>,
    children: Vec<ChildExit>,
}

/// A failure as the pass saw it, before ranking.
#[derive(Debug, Clone)]
pub(crate) struct RawFailure {
    pub process_index: u32,
    pub status: u32,
    pub event_index: u64,
    pub time: FileTime,
    pub candidates: Vec<Candidate>,
    pub children: Vec<ChildExit>,
}

/// The streaming part: candidates per live process, failures as processes exit.
#[derive(Debug, Default)]
pub(crate) struct CauseWatch {
    live: FxHashMap<u32, Pending>,
    exited: FxHashSet<u32>,
    pub failures: Vec<RawFailure>,
}

/// A hash of the last component of a path (the name a search looks for), case-insensitive for
/// ASCII; computed without allocating, as it runs for every open of a process with names not
/// found.
fn name_key(path: &str) -> u64 {
    name_of(path.trim_end_matches(['\\', '/']))
        .iter()
        .fold(0xcbf2_9ce4_8422_2325, |h, &b| {
            (h ^ u64::from(b.to_ascii_uppercase())).wrapping_mul(0x0100_0000_01b3)
        })
}

/// Names every process looks for and almost never finds: the loader's WOW64 logging DLL and
/// DLL-redirection `.local` folders.
fn is_routine_probe(path: &str) -> bool {
    let name = name_of(path);
    name.eq_ignore_ascii_case(b"wow64log.dll")
        || name
            .len()
            .checked_sub(6)
            .is_some_and(|at| name[at..].eq_ignore_ascii_case(b".local"))
}

/// The last component of `path` (after its last `\` or `/`), as bytes: a scan of bytes, not of
/// chars, vectorized (both separators are ASCII, so the cut falls on a char boundary).
fn name_of(path: &str) -> &[u8] {
    let bytes = path.as_bytes();
    memchr::memrchr2(b'\\', b'/', bytes).map_or(bytes, |at| &bytes[at + 1..])
}

fn operation_name(kind: &FileOpKind) -> &'static str {
    match kind {
        FileOpKind::DeleteOrRename { rename: true, .. } => "SetRenameInformationFile",
        FileOpKind::DeleteOrRename { rename: false, .. } => "SetDispositionInformationFile",
        _ => "CreateFile",
    }
}

/// Puts `c` at the back of `list`, merged with an earlier candidate that `same` matches.
fn remember(list: &mut VecDeque<Candidate>, mut c: Candidate, same: impl Fn(&Candidate) -> bool) {
    if let Some(pos) = list.iter().position(same) {
        if let Some(old) = list.remove(pos) {
            c.attempts += old.attempts;
        }
    }
    if list.len() == MAX_CANDIDATES {
        list.pop_front();
    }
    list.push_back(c);
}

impl CauseWatch {
    /// Consumes one record; `tree` already knows it.
    pub fn feed(&mut self, record: &Record, tree: &ProcessTree) {
        match record {
            Record::File(f) => self.feed_file(f),
            Record::Process(p) => self.feed_process(p, tree),
            Record::Name(_) => {}
        }
    }

    fn feed_file(&mut self, op: &FileOp) {
        let status = match op.kind {
            FileOpKind::Open { .. } | FileOpKind::DeleteOrRename { status: 0, .. } => {
                self.succeeded(op);
                return;
            }
            FileOpKind::Close => return,
            FileOpKind::SharingViolation { .. } => crate::model::STATUS_SHARING_VIOLATION,
            FileOpKind::OpenFailed { status, .. } | FileOpKind::DeleteOrRename { status, .. } => {
                status
            }
        };
        let sort = match status {
            STATUS_NAME_NOT_FOUND | STATUS_PATH_NOT_FOUND if is_routine_probe(&op.path) => return,
            STATUS_NAME_NOT_FOUND | STATUS_PATH_NOT_FOUND => Sort::NotFound,
            _ => Sort::Refused,
        };
        let pending = self.live.entry(op.process_index).or_default();
        let c = Candidate {
            event_index: op.event_index,
            time: op.time,
            operation: operation_name(&op.kind),
            path: op.path.to_string(),
            status,
            attempts: 1,
            key: op.key,
            name: if sort == Sort::NotFound {
                name_key(&op.path)
            } else {
                0
            },
        };
        match sort {
            Sort::Refused => remember(&mut pending.refused, c, |o| o.key == op.key),
            Sort::NotFound => {
                let name = c.name;
                remember(&mut pending.not_found, c, |o| o.name == name)
            }
        }
    }

    /// A success on a path ends the candidates of that path and, for names not found, of that
    /// name anywhere.
    fn succeeded(&mut self, op: &FileOp) {
        let Some(pending) = self.live.get_mut(&op.process_index) else {
            return;
        };
        pending.refused.retain(|c| c.key != op.key);
        if !pending.not_found.is_empty() && !op.path.is_empty() {
            let name = name_key(&op.path);
            pending
                .not_found
                .retain(|c| c.key != op.key && c.name != name);
        }
    }

    fn feed_process(&mut self, op: &ProcessOp, tree: &ProcessTree) {
        let ProcessOpKind::Exit { status } = op.kind else {
            return;
        };
        let pending = self.live.remove(&op.process_index);
        if !self.exited.insert(op.process_index) || status == 0 {
            return;
        }
        let pending = pending.unwrap_or_default();
        let mut candidates: Vec<Candidate> = pending.refused.into();
        candidates.extend(pending.not_found);
        self.failures.push(RawFailure {
            process_index: op.process_index,
            status,
            event_index: op.event_index,
            time: op.time,
            candidates,
            children: pending.children,
        });
        if let Some(parent) = tree.parent(op.process_index) {
            if !self.exited.contains(&parent) {
                let children = &mut self.live.entry(parent).or_default().children;
                if children.len() < MAX_CHILDREN {
                    children.push(ChildExit {
                        process_index: op.process_index,
                        status,
                        event_index: op.event_index,
                        time: op.time,
                    });
                }
            }
        }
    }
}

/// How much a failed operation weighs as a cause, before its distance to the exit.
fn weight(status: u32) -> f64 {
    match status {
        STATUS_NAME_NOT_FOUND | STATUS_PATH_NOT_FOUND => 2.0,
        STATUS_ACCESS_DENIED | STATUS_PRIVILEGE_NOT_HELD => 3.0,
        _ => 4.0,
    }
}

/// Weight of a child that failed before its parent.
const CHILD_WEIGHT: f64 = 3.0;

fn score(weight: f64, time: FileTime, exit: FileTime) -> f64 {
    let seconds = (gap_ms(time, exit) / 1000.0).max(0.0);
    weight * (1.0 + 1.0 / (1.0 + seconds))
}

/// `0x00000002`.
pub fn hex_status(status: u32) -> String {
    format!("0x{status:08X}")
}

/// The Result column's words for an NTSTATUS.
pub(crate) fn result_text(status: u32) -> String {
    match pml_parser::render::status::name(status) {
        Some(name) if !name.is_empty() => name.to_string(),
        _ => hex_status(status),
    }
}

/// Ranks the causes of the failures and names the processes; `link` tells, for an event index,
/// the incident that explains it and the holders it knows. Most important failure first:
/// failures with a cause of their own before those that only have failed children, then by the
/// top cause's weight, then by exit time.
pub(crate) fn build(
    raw: Vec<RawFailure>,
    tree: &ProcessTree,
    link: impl Fn(u64) -> (Option<usize>, Vec<ProcessRef>),
) -> Vec<ProcessFailure> {
    let mut out: Vec<(bool, ProcessFailure)> = raw
        .into_iter()
        .map(|r| {
            let mut causes: Vec<Cause> = r
                .candidates
                .iter()
                .map(|c| {
                    let (incident, holders) = link(c.event_index);
                    Cause {
                        event_index: c.event_index,
                        time: Time(c.time),
                        operation: c.operation,
                        path: c.path.clone(),
                        result: result_text(c.status),
                        attempts: c.attempts,
                        before_exit_ms: gap_ms(c.time, r.time),
                        holders,
                        incident,
                        score: score(weight(c.status), c.time, r.time),
                    }
                })
                .collect();
            let own = !causes.is_empty();
            causes.extend(r.children.iter().map(|ch| {
                let child = tree.process_ref(ch.process_index);
                Cause {
                    event_index: ch.event_index,
                    time: Time(ch.time),
                    operation: "Process Exit",
                    path: if child.name.is_empty() {
                        format!("process index {}", ch.process_index)
                    } else {
                        child.name.clone()
                    },
                    result: format!("exit status {}", hex_status(ch.status)),
                    attempts: 1,
                    before_exit_ms: gap_ms(ch.time, r.time),
                    holders: Vec::new(),
                    incident: None,
                    score: score(CHILD_WEIGHT, ch.time, r.time),
                }
            }));
            causes.sort_by(|a, b| {
                b.score
                    .total_cmp(&a.score)
                    .then(b.event_index.cmp(&a.event_index))
            });
            causes.truncate(MAX_CAUSES);
            let failure = ProcessFailure {
                process: tree.process_ref(r.process_index),
                exit_status: r.status,
                exit_status_hex: hex_status(r.status),
                exit_event: r.event_index,
                exit_time: Time(r.time),
                causes,
                failed_children: r
                    .children
                    .iter()
                    .map(|ch| FailedChild {
                        process: tree.process_ref(ch.process_index),
                        exit_status: ch.status,
                        exit_event: ch.event_index,
                        exit_time: Time(ch.time),
                    })
                    .collect(),
            };
            (own, failure)
        })
        .collect();
    out.sort_by(|(own_a, a), (own_b, b)| {
        let top = |f: &ProcessFailure| f.causes.first().map_or(0.0, |c| c.score);
        own_b
            .cmp(own_a)
            .then(top(b).total_cmp(&top(a)))
            .then(a.exit_time.cmp(&b.exit_time))
            .then(a.exit_event.cmp(&b.exit_event))
    });
    out.into_iter().map(|(_, f)| f).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lifetimes::tests::{close, ms, open, proc_info};
    use crate::model::{FileOp, OpenRequest, STATUS_SHARING_VIOLATION};

    fn failed(ev: u64, t: u64, p: u32, path: &str, status: u32) -> Record {
        Record::File(FileOp::new(
            ev,
            ms(t),
            p,
            p * 10,
            path.to_string(),
            FileOpKind::OpenFailed {
                request: OpenRequest::default(),
                status,
            },
        ))
    }

    fn exit_with(ev: u64, t: u64, p: u32, status: u32) -> Record {
        Record::Process(ProcessOp {
            event_index: ev,
            time: ms(t),
            process_index: p,
            kind: ProcessOpKind::Exit { status },
        })
    }

    fn run(records: &[Record]) -> Vec<ProcessFailure> {
        let tree = ProcessTree::new([
            proc_info(1, 100, None, "build.exe"),
            proc_info(2, 200, Some(1), "cl.exe"),
        ]);
        let mut watch = CauseWatch::default();
        for r in records {
            watch.feed(r, &tree);
        }
        build(watch.failures, &tree, |_| (None, Vec::new()))
    }

    #[test]
    fn probes_and_retried_paths_are_not_causes_but_the_missing_header_is() {
        let f = run(&[
            // windows.h: probed in two include directories, found in the third.
            failed(1, 0, 2, r"C:\inc1\windows.h", STATUS_NAME_NOT_FOUND),
            failed(2, 1, 2, r"C:\inc2\windows.h", STATUS_NAME_NOT_FOUND),
            open(3, 2, 2, r"C:\sdk\Windows.h", 1, 1),
            close(4, 3, 2, r"C:\sdk\Windows.h"),
            // config.h: never found.
            failed(5, 4, 2, r"C:\inc1\config.h", STATUS_NAME_NOT_FOUND),
            failed(6, 5, 2, r"C:\inc2\config.h", STATUS_NAME_NOT_FOUND),
            // out.log: denied once, then opened.
            failed(7, 6, 2, r"C:\out.log", STATUS_ACCESS_DENIED),
            open(8, 7, 2, r"C:\OUT.LOG", 1, 1),
            exit_with(9, 10, 2, 2),
        ]);
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].exit_status, 2);
        assert_eq!(f[0].exit_status_hex, "0x00000002");
        let causes: Vec<_> = f[0]
            .causes
            .iter()
            .map(|c| (c.path.as_str(), c.attempts))
            .collect();
        assert_eq!(causes, [(r"C:\inc2\config.h", 2)]);
        assert_eq!(f[0].causes[0].result, "NAME NOT FOUND");
    }

    #[test]
    fn a_refusal_outranks_a_later_name_not_found_and_the_parent_names_the_child() {
        let f = run(&[
            failed(1, 0, 2, r"C:\gen\parser.cpp", STATUS_SHARING_VIOLATION),
            failed(2, 400, 2, r"C:\x\opt.ini", STATUS_NAME_NOT_FOUND),
            exit_with(3, 500, 2, 1),
            exit_with(4, 600, 1, 1),
            // A second exit of the same instance is ignored.
            exit_with(5, 700, 1, 1),
        ]);
        assert_eq!(f.len(), 2);
        assert_eq!(f[0].process.name, "cl.exe");
        assert_eq!(f[0].causes[0].result, "SHARING VIOLATION");
        assert_eq!(f[0].causes[1].result, "NAME NOT FOUND");
        assert_eq!(f[1].process.name, "build.exe");
        assert_eq!(f[1].failed_children.len(), 1);
        assert_eq!(f[1].causes[0].operation, "Process Exit");
        assert_eq!(f[1].causes[0].path, "cl.exe");
    }

    #[test]
    fn odd_exits_do_not_panic() {
        // An exit of a process the table does not know, one of a child whose parent exited
        // before it, and a process that never exits.
        let f = run(&[
            failed(1, 0, 77, r"C:\x", STATUS_ACCESS_DENIED),
            exit_with(2, 1, 77, 5),
            exit_with(3, 2, 1, 0),
            exit_with(4, 3, 2, 3),
            failed(5, 4, 1, r"C:\y", STATUS_ACCESS_DENIED),
        ]);
        let got: Vec<_> = f
            .iter()
            .map(|f| {
                (
                    f.process.process_index,
                    f.process.name.as_str(),
                    f.causes.len(),
                )
            })
            .collect();
        assert_eq!(got, [(77, "", 1), (2, "cl.exe", 0)]);
    }

    #[test]
    fn a_clean_exit_is_no_failure_and_candidates_stay_bounded() {
        let mut records: Vec<Record> = (0..1000)
            .map(|n| failed(n, n, 2, &format!(r"C:\d{n}\f{n}.txt"), STATUS_ACCESS_DENIED))
            .collect();
        records.push(exit_with(1000, 1000, 2, 0));
        assert!(run(&records).is_empty());
        records.pop();
        records.push(exit_with(1000, 1000, 2, 0xC000_0005));
        let f = run(&records);
        assert_eq!(f[0].exit_status_hex, "0xC0000005");
        assert_eq!(f[0].causes.len(), MAX_CAUSES);
        assert_eq!(f[0].causes[0].event_index, 999, "the latest first");
    }
}
