//! The streaming pass: open intervals from a successful CreateFile to the CloseFile that ends it,
//! per process instance and path, plus the holders of a path when an open of it fails.
//!
//! ProcMon logs no handle values, so a CloseFile is paired with an open of the same path
//! (case-insensitive) by the same process instance: the latest one of the same thread, else the
//! latest one of the process. N opens need N closes. A CloseFile with no open of its path in its
//! own process ends an open of an ancestor (the handle was inherited), else of any other process
//! (the handle was duplicated into it); one with no open at all is counted as opened before the
//! capture began. An interval closed by its own process is forgotten unless a failure named it as
//! a holder, so memory grows with open handles and findings, not with events.
//!
//! Paths are keyed as the events spell them ([`crate::paths`]). When an operation fails on
//! `\Device\HarddiskVolumeN\...` while the same tail is open under a drive letter (or the other
//! way round), those handles are kept as *alternatives* of the failure; once the pass has
//! learned which letter the volume has, [`Lifetimes::apply`] makes them holders.

use std::collections::{HashMap, VecDeque};

use crate::hash::{FxHashMap, FxHashSet};
use std::sync::Arc;

use pml_parser::FileTime;

use crate::model::{
    FileOp, FileOpKind, OpenRequest, ProcessInfo, ProcessOp, ProcessOpKind, Record,
    STATUS_ACCESS_DENIED, STATUS_CANNOT_DELETE, STATUS_DELETE_PENDING, STATUS_SHARING_VIOLATION,
};
use crate::paths::{self, PathKey, Root, VolumeMap};
use crate::process_tree::ProcessTree;

/// FILETIME ticks per millisecond.
pub const TICKS_PER_MS: u64 = 10_000;

/// Identifies an open interval.
pub type IntervalId = u64;

/// The CloseFile that ended an interval.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Close {
    /// Event index of the CloseFile.
    pub event_index: u64,
    /// Its time.
    pub time: FileTime,
    /// The process it was logged in.
    pub process_index: u32,
    /// Its thread.
    pub tid: u32,
}

/// A Process Create by the opener within the window after the open, while the file was open.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Spawn {
    /// Event index of the Process Create.
    pub event_index: u64,
    /// Its time.
    pub time: FileTime,
    /// The new process.
    pub child_index: u32,
}

/// One successful CreateFile and what became of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Interval {
    /// Identity, in order of the opens.
    pub id: IntervalId,
    /// The opener.
    pub process_index: u32,
    /// The opener's thread.
    pub tid: u32,
    /// The path as first seen among the opens alive at the time.
    pub path: Arc<str>,
    /// The path's key (as spelled; resolved by [`Lifetimes::apply`]).
    pub key: PathKey,
    /// Event index of the CreateFile.
    pub open_event: u64,
    /// Its time.
    pub open_time: FileTime,
    /// What it asked for.
    pub request: OpenRequest,
    /// IoStatus.Information of the open.
    pub open_result: Option<u32>,
    /// The CloseFile that ended it, if any.
    pub close: Option<Close>,
    /// Process Creates by the opener inside the window while it was open.
    pub spawns: Vec<Spawn>,
}

impl Interval {
    /// True when the opener issued the CloseFile itself.
    pub fn closed_by_opener(&self) -> bool {
        self.close
            .is_some_and(|c| c.process_index == self.process_index)
    }
}

/// What a failed operation was.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FailedOp {
    /// A CreateFile.
    Open,
    /// A SetDispositionInformationFile asking for a delete.
    Delete,
    /// A SetRenameInformationFile.
    Rename,
}

/// A request to delete a file: a delete-on-close open or a disposition set to delete.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DeleteRequest {
    /// Event index of the CreateFile or SetDispositionInformationFile.
    pub event_index: u64,
    /// Its time.
    pub time: FileTime,
    /// The process that asked.
    pub process_index: u32,
}

/// Opens and closes of one path by one process since the path last had no open handle.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OpenCounts {
    /// The process.
    pub process_index: u32,
    /// Successful opens.
    pub opens: u64,
    /// Of them, closed (by anyone).
    pub closes: u64,
    /// Time of the first open.
    pub first_open: FileTime,
    /// Time of the last open.
    pub last_open: FileTime,
}

/// The handles open, at the time of a failure, on another spelling of its path (a device path
/// for a drive-letter one, or the other way round): holders once the volume's letter is known.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Alternative {
    /// The other spelling's key.
    pub key: PathKey,
    /// The path as its first open spelled it.
    pub path: Arc<str>,
    /// The intervals open on it.
    pub holders: Vec<IntervalId>,
    /// The latest request to delete it while they were open.
    pub deleter: Option<DeleteRequest>,
}

/// The file a failed rename was to replace, and the intervals open on it then.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RenameTarget {
    /// The path, as the first of the handles open on it spelled it (as the rename did when none
    /// was).
    pub path: Arc<str>,
    /// The path's key (as spelled; resolved by [`Lifetimes::apply`]).
    pub key: PathKey,
    /// The intervals open on it.
    pub holders: Vec<IntervalId>,
    /// Handles open on other spellings of it; emptied by [`Lifetimes::apply`].
    pub alternatives: Vec<Alternative>,
    /// The volumes whose letter paired it with handles of another spelling.
    pub aliases: Vec<(u32, u8)>,
}

/// A failed CreateFile (SHARING VIOLATION, DELETE PENDING, or ACCESS DENIED and CANNOT DELETE
/// for a delete), delete or rename, and the intervals open on its path then.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    /// Event index of the CreateFile.
    pub event_index: u64,
    /// Its time.
    pub time: FileTime,
    /// The process that failed.
    pub process_index: u32,
    /// Its thread.
    pub tid: u32,
    /// The path, as the first of the handles open on it spelled it (as the event did when none
    /// was).
    pub path: Arc<str>,
    /// The path as the failed event spelled it.
    pub own_path: Arc<str>,
    /// The path's key (as spelled; resolved by [`Lifetimes::apply`]).
    pub key: PathKey,
    /// Handles open on other spellings of the path (see [`Alternative`]); emptied by
    /// [`Lifetimes::apply`].
    pub alternatives: Vec<Alternative>,
    /// The volumes whose learned letter paired this failure with handles of another spelling:
    /// (volume number, drive letter).
    pub aliases: Vec<(u32, u8)>,
    /// What it asked for (default for a delete or rename).
    pub request: OpenRequest,
    /// The intervals open on the path at that moment.
    pub holders: Vec<IntervalId>,
    /// The NTSTATUS.
    pub status: u32,
    /// What failed.
    pub operation: FailedOp,
    /// The latest request to delete the file while handles were open on it.
    pub deleter: Option<DeleteRequest>,
    /// For a rename that replaces an existing file, that file.
    pub target: Option<RenameTarget>,
}

impl Failure {
    /// True for a CreateFile that failed with SHARING VIOLATION.
    pub fn is_sharing_violation(&self) -> bool {
        self.operation == FailedOp::Open && self.status == STATUS_SHARING_VIOLATION
    }

    /// True when the failed operation was to remove the file's name: a delete, a rename, or a
    /// CreateFile that opens it to do so (DELETE access and no data access), as DeleteFile and
    /// MoveFileEx do first.
    pub fn is_removal(&self) -> bool {
        match self.operation {
            FailedOp::Delete | FailedOp::Rename => true,
            FailedOp::Open => is_removal_request(&self.request),
        }
    }

    /// The path as the event spelled it, when `path` spells it with another root (a handle
    /// of `C:\x` explains a failure on `\Device\HarddiskVolume3\x`).
    pub fn other_spelling(&self) -> Option<&str> {
        let root = |p: &str| paths::root(paths::key(p));
        (root(&self.own_path) != root(&self.path)).then_some(&*self.own_path)
    }
}

/// True when a CreateFile asks to delete or rename the file, not to use its data: DELETE access
/// and no data access (a temporary file opened for writing with Delete On Close is an open).
pub fn is_removal_request(r: &OpenRequest) -> bool {
    let a = crate::access::SharedAccess::of(r.desired_access);
    a.delete && !a.read && !a.write
}

/// Makes the alternatives that resolve to the same file as `key` holders (see
/// [`Lifetimes::apply`]); `key` becomes the resolved key.
struct Spot<'a> {
    key: &'a mut PathKey,
    path: &'a mut Arc<str>,
    holders: &'a mut Vec<IntervalId>,
    deleter: Option<&'a mut Option<DeleteRequest>>,
    alternatives: &'a mut Vec<Alternative>,
    aliases: &'a mut Vec<(u32, u8)>,
}

impl Spot<'_> {
    fn resolve(mut self, volumes: &VolumeMap) {
        let own = *self.key;
        *self.key = volumes.resolve(own);
        for a in std::mem::take(self.alternatives) {
            if volumes.resolve(a.key) != *self.key {
                continue;
            }
            for k in [own, a.key] {
                if let (Root::Volume(n), Root::Drive(letter)) =
                    (paths::root(k), paths::root(*self.key))
                {
                    if !self.aliases.contains(&(n, letter)) {
                        self.aliases.push((n, letter));
                    }
                }
            }
            if self.holders.is_empty() {
                *self.path = a.path.clone();
            }
            self.holders.extend(a.holders);
            self.holders.sort_unstable();
            self.holders.dedup();
            if let Some(deleter) = self.deleter.as_deref_mut() {
                if a.deleter.map(|d| d.event_index) > deleter.map(|d| d.event_index) {
                    *deleter = a.deleter;
                }
            }
        }
    }
}

/// Counts of what the pass saw.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize)]
pub struct PairingStats {
    /// Successful CreateFile records.
    pub opens: u64,
    /// CloseFile records.
    pub closes: u64,
    /// CloseFile paired with an open of the same process.
    pub closes_same_process: u64,
    /// CloseFile paired with an open of an ancestor (inherited handle).
    pub closes_by_descendant: u64,
    /// CloseFile paired with an open of an unrelated process (duplicated handle).
    pub closes_by_unrelated: u64,
    /// CloseFile with no open of its path seen: opened before the capture began.
    pub closes_without_open: u64,
    /// CreateFile that failed with SHARING VIOLATION.
    pub sharing_violations: u64,
    /// Process Create records.
    pub process_creates: u64,
    /// Process Exit records.
    pub process_exits: u64,
    /// Largest number of intervals open at once.
    pub peak_open: u64,
}

/// What the pass leaves for the detectors.
#[derive(Debug, Clone)]
pub struct Lifetimes {
    /// Intervals worth reporting: not closed by their opener, or named as holders by a failure.
    pub intervals: HashMap<IntervalId, Interval>,
    /// Every SHARING VIOLATION, DELETE PENDING and failed delete or rename, in event order.
    pub failures: Vec<Failure>,
    /// Per path still open at the end, the opens and closes of each process since the path
    /// last had no open handle.
    pub open_counts: FxHashMap<PathKey, Vec<OpenCounts>>,
    /// The process tree with lifetimes.
    pub tree: ProcessTree,
    /// Time of the last event (or record, for records fed by hand).
    pub end_time: FileTime,
    /// Counts.
    pub stats: PairingStats,
}

impl Lifetimes {
    /// The interval with this id.
    pub fn interval(&self, id: IntervalId) -> Option<&Interval> {
        self.intervals.get(&id)
    }

    /// Every key the pass still holds (for evidence of volume letters).
    pub fn keys(&self) -> Vec<PathKey> {
        let mut keys: Vec<PathKey> = self.intervals.values().map(|i| i.key).collect();
        keys.extend(self.failures.iter().map(|f| f.key));
        for f in &self.failures {
            keys.extend(f.alternatives.iter().map(|a| a.key));
            if let Some(t) = &f.target {
                keys.push(t.key);
                keys.extend(t.alternatives.iter().map(|a| a.key));
            }
        }
        keys.extend(self.open_counts.keys().copied());
        keys
    }

    /// Applies the volume letters learned from the capture: every key gets its resolved root,
    /// and a failure takes as holders the handles open on another spelling of its path that
    /// resolves to the same file.
    pub fn apply(&mut self, volumes: &VolumeMap) {
        for f in &mut self.failures {
            Spot {
                key: &mut f.key,
                path: &mut f.path,
                holders: &mut f.holders,
                deleter: Some(&mut f.deleter),
                alternatives: &mut f.alternatives,
                aliases: &mut f.aliases,
            }
            .resolve(volumes);
            if let Some(t) = &mut f.target {
                Spot {
                    key: &mut t.key,
                    path: &mut t.path,
                    holders: &mut t.holders,
                    deleter: None,
                    alternatives: &mut t.alternatives,
                    aliases: &mut t.aliases,
                }
                .resolve(volumes);
            }
        }
        if volumes.is_empty() {
            return;
        }
        for i in self.intervals.values_mut() {
            i.key = volumes.resolve(i.key);
        }
        let counts = std::mem::take(&mut self.open_counts);
        for (key, list) in counts {
            let merged = self.open_counts.entry(volumes.resolve(key)).or_default();
            for c in list {
                match merged
                    .iter_mut()
                    .find(|m| m.process_index == c.process_index)
                {
                    Some(m) => {
                        m.opens += c.opens;
                        m.closes += c.closes;
                        m.first_open = m.first_open.min(c.first_open);
                        m.last_open = m.last_open.max(c.last_open);
                    }
                    None => merged.push(c),
                }
            }
        }
    }
}

/// The intervals open on one path.
#[derive(Debug)]
struct PathState {
    display: Arc<str>,
    open: Vec<IntervalId>,
    /// CloseFiles of the path by processes with no open of it, while others held it.
    deferred: Vec<Close>,
    /// The latest request to delete the file while it was open.
    delete: Option<DeleteRequest>,
    /// Opens and closes per process since the path was last closed by everyone.
    counts: Vec<OpenCounts>,
}

impl PathState {
    fn counts_of(&mut self, process_index: u32, t: FileTime) -> &mut OpenCounts {
        let at = match self
            .counts
            .iter()
            .position(|c| c.process_index == process_index)
        {
            Some(at) => at,
            None => {
                self.counts.push(OpenCounts {
                    process_index,
                    opens: 0,
                    closes: 0,
                    first_open: t,
                    last_open: t,
                });
                self.counts.len() - 1
            }
        };
        &mut self.counts[at]
    }
}

/// The streaming state machine. Feed it records in event order, then call [`Tracker::finish`].
#[derive(Debug)]
pub struct Tracker {
    window_ticks: u64,
    tree: ProcessTree,
    paths: FxHashMap<PathKey, PathState>,
    /// The keys of the paths open under a `\Device\HarddiskVolumeN` root, by tail (usually
    /// empty: ProcMon logs drive letters).
    device_paths: FxHashMap<PathKey, Vec<PathKey>>,
    /// Open intervals.
    open: FxHashMap<IntervalId, Interval>,
    /// Intervals that ended but must be kept.
    kept: HashMap<IntervalId, Interval>,
    /// Per process, its opens of the last window (pruned lazily), for spawn detection.
    recent: FxHashMap<u32, VecDeque<(FileTime, IntervalId)>>,
    /// Intervals a failure named as holders.
    pinned: FxHashSet<IntervalId>,
    failures: Vec<Failure>,
    next_id: IntervalId,
    end_time: FileTime,
    stats: PairingStats,
}

impl Tracker {
    /// A tracker over the processes of the table, with the inheritance window in milliseconds.
    pub fn new(processes: impl IntoIterator<Item = ProcessInfo>, window_ms: u64) -> Tracker {
        Tracker {
            window_ticks: window_ms.saturating_mul(TICKS_PER_MS),
            tree: ProcessTree::new(processes),
            paths: FxHashMap::default(),
            device_paths: FxHashMap::default(),
            open: FxHashMap::default(),
            kept: HashMap::new(),
            recent: FxHashMap::default(),
            pinned: Default::default(),
            failures: Vec::new(),
            next_id: 0,
            end_time: FileTime(0),
            stats: PairingStats::default(),
        }
    }

    /// Consumes one record.
    pub fn feed(&mut self, record: &Record) {
        match record {
            Record::File(f) => self.feed_file(f),
            Record::Process(p) => self.feed_process(p),
            Record::Name(_) => {}
        }
    }

    fn touch(&mut self, t: FileTime) {
        self.end_time = self.end_time.max(t);
    }

    /// The process tree as the records fed so far describe it.
    pub fn tree(&self) -> &ProcessTree {
        &self.tree
    }

    /// Tells the tracker that the capture went on until `t` (events it was not fed count too
    /// when deciding whether a process exited before the end).
    pub fn extend_to(&mut self, t: FileTime) {
        self.touch(t);
    }

    fn feed_file(&mut self, op: &FileOp) {
        self.touch(op.time);
        let key = op.key;
        if !paths::is_empty_key(key) {
            match op.kind {
                FileOpKind::Open {
                    request,
                    open_result,
                } => self.on_open(op, key, request, open_result),
                FileOpKind::Close => self.on_close(op, key),
                FileOpKind::SharingViolation { request } => {
                    self.on_failure(op, key, request, STATUS_SHARING_VIOLATION, FailedOp::Open)
                }
                FileOpKind::OpenFailed { request, status } if status == STATUS_DELETE_PENDING => {
                    self.on_failure(op, key, request, status, FailedOp::Open)
                }
                FileOpKind::OpenFailed { request, status }
                    if matches!(status, STATUS_ACCESS_DENIED | STATUS_CANNOT_DELETE)
                        && is_removal_request(&request) =>
                {
                    self.on_failure(op, key, request, status, FailedOp::Open)
                }
                FileOpKind::OpenFailed { .. } => {}
                FileOpKind::DeleteOrRename { rename, status } => {
                    let what = if rename {
                        FailedOp::Rename
                    } else {
                        FailedOp::Delete
                    };
                    if status != 0 {
                        self.on_failure(op, key, OpenRequest::default(), status, what);
                    } else if !rename {
                        self.on_delete(op, key);
                    }
                }
            }
        }
    }

    fn on_open(
        &mut self,
        op: &FileOp,
        key: PathKey,
        request: OpenRequest,
        open_result: Option<u32>,
    ) {
        self.stats.opens += 1;
        let id = self.next_id;
        self.next_id += 1;
        let device_paths = &mut self.device_paths;
        let state = self.paths.entry(key).or_insert_with(|| {
            if matches!(paths::root(key), Root::Volume(_)) {
                device_paths.entry(paths::tail(key)).or_default().push(key);
            }
            PathState {
                display: op.path.clone(),
                open: Vec::new(),
                deferred: Vec::new(),
                delete: None,
                counts: Vec::new(),
            }
        });
        state.open.push(id);
        let counts = state.counts_of(op.process_index, op.time);
        counts.opens += 1;
        counts.last_open = op.time;
        if request.options & pml_parser::details::fs::FILE_DELETE_ON_CLOSE != 0 {
            state.delete = Some(DeleteRequest {
                event_index: op.event_index,
                time: op.time,
                process_index: op.process_index,
            });
        }
        self.open.insert(
            id,
            Interval {
                id,
                process_index: op.process_index,
                tid: op.tid,
                path: state.display.clone(),
                key,
                open_event: op.event_index,
                open_time: op.time,
                request,
                open_result,
                close: None,
                spawns: Vec::new(),
            },
        );
        self.stats.peak_open = self.stats.peak_open.max(self.open.len() as u64);
        let window = self.window_ticks;
        let recent = self.recent.entry(op.process_index).or_default();
        while recent
            .front()
            .is_some_and(|&(t, _)| op.time.ticks_since(t) > window)
        {
            recent.pop_front();
        }
        recent.push_back((op.time, id));
    }

    /// Picks the open interval (position in `ids`) a CloseFile ends: the closer's own latest
    /// open of the same thread, else of any thread, else an open of its nearest ancestor.
    fn pick(
        open: &FxHashMap<IntervalId, Interval>,
        tree: &ProcessTree,
        ids: &[IntervalId],
        close: Close,
    ) -> Option<(usize, Pairing)> {
        let (closer, tid) = (close.process_index, close.tid);
        let latest = |filter: &dyn Fn(&Interval) -> bool| {
            ids.iter()
                .enumerate()
                .rev()
                .find(|(_, id)| open.get(id).is_some_and(filter))
                .map(|(pos, _)| pos)
        };
        if let Some(pos) = latest(&|i| i.process_index == closer && i.tid == tid)
            .or_else(|| latest(&|i| i.process_index == closer))
        {
            return Some((pos, Pairing::Same));
        }
        // Nearest ancestor first; among its opens, the latest one. The handle can only have been
        // inherited when the ancestor's child on the way down was created after the open.
        let ancestor = ids
            .iter()
            .enumerate()
            .filter_map(|(pos, id)| {
                let i = open.get(id)?;
                let chain = tree.chain_below(i.process_index, closer)?;
                let created = tree.created_at(*chain.first()?)?;
                (created >= i.open_time).then_some((chain.len(), std::cmp::Reverse(pos)))
            })
            .min();
        ancestor.map(|(_, std::cmp::Reverse(pos))| (pos, Pairing::Descendant))
    }

    fn on_close(&mut self, op: &FileOp, key: PathKey) {
        self.stats.closes += 1;
        let close = Close {
            event_index: op.event_index,
            time: op.time,
            process_index: op.process_index,
            tid: op.tid,
        };
        let Some(state) = self.paths.get_mut(&key) else {
            self.stats.closes_without_open += 1;
            return;
        };
        let Some((pos, pairing)) = Self::pick(&self.open, &self.tree, &state.open, close) else {
            // Opened before the capture began, or a handle duplicated from a process that holds
            // the path now: decided at the end, when that process turns out never to close it.
            state.deferred.push(close);
            return;
        };
        match pairing {
            Pairing::Same => self.stats.closes_same_process += 1,
            Pairing::Descendant => self.stats.closes_by_descendant += 1,
        }
        let id = state.open.remove(pos);
        if let Some(opener) = self.open.get(&id).map(|i| i.process_index) {
            state.counts_of(opener, op.time).closes += 1;
        }
        if state.open.is_empty() {
            self.stats.closes_without_open += state.deferred.len() as u64;
            self.paths.remove(&key);
            self.forget_device_path(key);
        }
        let Some(mut interval) = self.open.remove(&id) else {
            return;
        };
        interval.close = Some(close);
        if pairing != Pairing::Same || self.pinned.contains(&id) {
            self.kept.insert(id, interval);
        }
    }

    fn forget_device_path(&mut self, key: PathKey) {
        if !matches!(paths::root(key), Root::Volume(_)) {
            return;
        }
        let t = paths::tail(key);
        if let Some(keys) = self.device_paths.get_mut(&t) {
            keys.retain(|&k| k != key);
            if keys.is_empty() {
                self.device_paths.remove(&t);
            }
        }
    }

    /// The handles open on other spellings of `key` that may name the same file: under a
    /// volume root for a drive-letter key, under a drive letter for a volume key.
    fn alternatives(&self, key: PathKey) -> Vec<Alternative> {
        let t = paths::tail(key);
        let keys: Vec<PathKey> = match paths::root(key) {
            Root::Drive(_) if !self.device_paths.is_empty() => {
                self.device_paths.get(&t).cloned().unwrap_or_default()
            }
            Root::Volume(_) => self
                .paths
                .keys()
                .filter(|&&k| {
                    k != key && paths::tail(k) == t && matches!(paths::root(k), Root::Drive(_))
                })
                .copied()
                .collect(),
            _ => Vec::new(),
        };
        keys.into_iter()
            .filter_map(|k| {
                let s = self.paths.get(&k)?;
                Some(Alternative {
                    key: k,
                    path: s.display.clone(),
                    holders: s.open.clone(),
                    deleter: s.delete,
                })
            })
            .collect()
    }

    /// A successful request to delete the file: remembered while handles are open on it.
    fn on_delete(&mut self, op: &FileOp, key: PathKey) {
        if let Some(state) = self.paths.get_mut(&key) {
            state.delete = Some(DeleteRequest {
                event_index: op.event_index,
                time: op.time,
                process_index: op.process_index,
            });
        }
    }

    fn on_failure(
        &mut self,
        op: &FileOp,
        key: PathKey,
        request: OpenRequest,
        status: u32,
        operation: FailedOp,
    ) {
        if status == STATUS_SHARING_VIOLATION && operation == FailedOp::Open {
            self.stats.sharing_violations += 1;
        }
        let own_path: Arc<str> = op.path.clone();
        let (path, holders, deleter) = match self.paths.get(&key) {
            Some(s) => (s.display.clone(), s.open.clone(), s.delete),
            None => (own_path.clone(), Vec::new(), None),
        };
        let alternatives = self.alternatives(key);
        self.pinned.extend(holders.iter().copied());
        for a in &alternatives {
            self.pinned.extend(a.holders.iter().copied());
        }
        let target = op.target.as_ref().map(|t| {
            let (path, holders) = match self.paths.get(&t.key) {
                Some(s) => (s.display.clone(), s.open.clone()),
                None => (Arc::from(t.path.as_str()), Vec::new()),
            };
            let alternatives = self.alternatives(t.key);
            RenameTarget {
                path,
                key: t.key,
                holders,
                alternatives,
                aliases: Vec::new(),
            }
        });
        if let Some(t) = &target {
            self.pinned.extend(t.holders.iter().copied());
            for a in &t.alternatives {
                self.pinned.extend(a.holders.iter().copied());
            }
        }
        self.failures.push(Failure {
            event_index: op.event_index,
            time: op.time,
            process_index: op.process_index,
            tid: op.tid,
            path,
            own_path,
            key,
            alternatives,
            aliases: Vec::new(),
            request,
            holders,
            status,
            operation,
            deleter,
            target,
        });
    }

    fn feed_process(&mut self, op: &ProcessOp) {
        self.touch(op.time);
        match op.kind {
            ProcessOpKind::Create {
                child_index,
                child_pid,
            } => {
                self.stats.process_creates += 1;
                self.tree
                    .on_create(op.process_index, child_index, child_pid, op.time);
                self.note_spawn(op, child_index);
            }
            ProcessOpKind::Start => self.tree.on_start(op.process_index, op.time),
            ProcessOpKind::Exit { .. } => {
                self.stats.process_exits += 1;
                self.tree.on_exit(op.process_index, op.time);
            }
            ProcessOpKind::LoadImage { .. } => {}
        }
    }

    /// Marks the opener's intervals opened within the window before this Process Create.
    fn note_spawn(&mut self, op: &ProcessOp, child_index: u32) {
        let window = self.window_ticks;
        let Some(recent) = self.recent.get_mut(&op.process_index) else {
            return;
        };
        while recent
            .front()
            .is_some_and(|&(t, _)| op.time.ticks_since(t) > window)
        {
            recent.pop_front();
        }
        for &(t, id) in recent.iter() {
            if t > op.time {
                continue;
            }
            if let Some(interval) = self.open.get_mut(&id) {
                interval.spawns.push(Spawn {
                    event_index: op.event_index,
                    time: op.time,
                    child_index,
                });
            }
        }
    }

    /// Ends the pass. An interval its opener never closed takes the first deferred CloseFile of
    /// its path that came after it from another process (a duplicated or inherited handle);
    /// every interval still open is kept.
    pub fn finish(mut self) -> Lifetimes {
        let mut open_counts = FxHashMap::default();
        for (key, state) in self.paths.iter_mut() {
            open_counts.insert(*key, std::mem::take(&mut state.counts));
            for id in &state.open {
                let Some(interval) = self.open.get_mut(id) else {
                    continue;
                };
                let taken = state.deferred.iter().position(|c| {
                    c.event_index > interval.open_event && c.process_index != interval.process_index
                });
                if let Some(pos) = taken {
                    let close = state.deferred.remove(pos);
                    if self
                        .tree
                        .depth_below(close.process_index, interval.process_index)
                        .is_some()
                    {
                        self.stats.closes_by_descendant += 1;
                    } else {
                        self.stats.closes_by_unrelated += 1;
                    }
                    interval.close = Some(close);
                }
            }
            self.stats.closes_without_open += state.deferred.len() as u64;
        }
        self.kept.extend(self.open.drain());
        Lifetimes {
            intervals: self.kept,
            failures: self.failures,
            open_counts,
            tree: self.tree,
            end_time: self.end_time,
            stats: self.stats,
        }
    }
}

/// How a CloseFile was paired.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Pairing {
    Same,
    Descendant,
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    pub(crate) fn proc_info(index: u32, pid: u32, parent: Option<u32>, name: &str) -> ProcessInfo {
        ProcessInfo {
            process_index: index,
            pid,
            parent_index: parent,
            name: name.to_string(),
            command_line: name.to_string(),
            ..ProcessInfo::default()
        }
    }

    pub(crate) fn ms(n: u64) -> FileTime {
        FileTime(132_000_000_000_000_000 + n * TICKS_PER_MS)
    }

    pub(crate) fn open(ev: u64, t: u64, p: u32, path: &str, access: u32, share: u16) -> Record {
        Record::File(FileOp::new(
            ev,
            ms(t),
            p,
            p * 10,
            path.to_string(),
            FileOpKind::Open {
                request: OpenRequest {
                    desired_access: access,
                    share_mode: share,
                    ..OpenRequest::default()
                },
                open_result: Some(1),
            },
        ))
    }

    pub(crate) fn close(ev: u64, t: u64, p: u32, path: &str) -> Record {
        Record::File(FileOp::new(
            ev,
            ms(t),
            p,
            p * 10,
            path.to_string(),
            FileOpKind::Close,
        ))
    }

    pub(crate) fn fail(ev: u64, t: u64, p: u32, path: &str, access: u32, share: u16) -> Record {
        Record::File(FileOp::new(
            ev,
            ms(t),
            p,
            p * 10,
            path.to_string(),
            FileOpKind::SharingViolation {
                request: OpenRequest {
                    desired_access: access,
                    share_mode: share,
                    ..OpenRequest::default()
                },
            },
        ))
    }

    pub(crate) fn spawn(ev: u64, t: u64, parent: u32, child: u32) -> Record {
        Record::Process(ProcessOp {
            event_index: ev,
            time: ms(t),
            process_index: parent,
            kind: ProcessOpKind::Create {
                child_index: child,
                child_pid: child * 4,
            },
        })
    }

    pub(crate) fn exit(ev: u64, t: u64, p: u32) -> Record {
        Record::Process(ProcessOp {
            event_index: ev,
            time: ms(t),
            process_index: p,
            kind: ProcessOpKind::Exit { status: 0 },
        })
    }

    fn run(procs: Vec<ProcessInfo>, records: &[Record]) -> Lifetimes {
        let mut t = Tracker::new(procs, 50);
        for r in records {
            t.feed(r);
        }
        t.finish()
    }

    #[test]
    fn nested_opens_need_as_many_closes() {
        let l = run(
            vec![proc_info(1, 100, None, "a.exe")],
            &[
                open(0, 0, 1, r"C:\f", 1, 1),
                open(1, 1, 1, r"c:\F", 1, 1),
                close(2, 2, 1, r"C:\F"),
            ],
        );
        assert_eq!(l.intervals.len(), 1, "one of two opens stays open");
        let left = l.intervals.values().next().unwrap();
        assert_eq!(left.open_event, 0, "the latest open is closed first");
        assert_eq!(l.stats.closes_same_process, 1);
    }

    #[test]
    fn closes_go_to_the_own_process_then_to_ancestors() {
        let l = run(
            vec![
                proc_info(1, 100, None, "python.exe"),
                proc_info(2, 200, Some(1), "cmd.exe"),
                proc_info(3, 300, None, "other.exe"),
            ],
            &[
                open(0, 0, 3, r"C:\f", 1, 7),
                open(1, 1, 1, r"C:\f", 2, 1),
                spawn(2, 5, 1, 2),
                close(3, 100, 2, r"C:\f"),
                close(4, 101, 3, r"C:\f"),
                close(5, 102, 3, r"C:\g"),
            ],
        );
        let python = l.intervals.values().find(|i| i.process_index == 1).unwrap();
        assert_eq!(python.close.unwrap().process_index, 2);
        assert_eq!(python.spawns.len(), 1);
        assert_eq!(l.stats.closes_by_descendant, 1);
        assert_eq!(l.stats.closes_same_process, 1);
        assert_eq!(l.stats.closes_without_open, 1);
        assert_eq!(l.intervals.len(), 1, "other.exe's own close is forgotten");
    }

    #[test]
    fn a_stranger_closing_its_own_old_handle_does_not_steal_an_open() {
        // Like mixed-32bit: DllHost 1628 closes its working directory (opened before the capture)
        // while DllHost 1860 holds the same directory, which 1860 closes itself later.
        let l = run(
            vec![
                proc_info(1, 1860, None, "DllHost.exe"),
                proc_info(2, 1628, None, "DllHost.exe"),
            ],
            &[
                open(0, 0, 1, r"C:\Windows\System32", 0x20, 7),
                close(1, 5, 2, r"C:\Windows\System32"),
                close(2, 9, 1, r"C:\Windows\System32"),
            ],
        );
        assert!(l.intervals.is_empty());
        assert_eq!(l.stats.closes_same_process, 1);
        assert_eq!(l.stats.closes_without_open, 1);
        assert_eq!(l.stats.closes_by_unrelated, 0);
    }

    #[test]
    fn a_stranger_closing_what_the_opener_never_closes_is_a_duplicated_handle() {
        let l = run(
            vec![
                proc_info(1, 10, None, "broker.exe"),
                proc_info(2, 20, None, "app.exe"),
            ],
            &[
                open(0, 0, 1, r"C:\f", 1, 0),
                close(1, 1, 2, r"C:\f"),
                close(2, 5, 2, r"C:\f"),
            ],
        );
        let i = l.intervals.values().next().unwrap();
        assert_eq!(
            i.close.unwrap().event_index,
            1,
            "the first close after the open"
        );
        assert_eq!(l.stats.closes_by_unrelated, 1);
        assert_eq!(l.stats.closes_without_open, 1);
    }

    #[test]
    fn a_child_that_existed_before_the_open_did_not_inherit_it() {
        let l = run(
            vec![
                proc_info(1, 10, None, "a.exe"),
                proc_info(2, 20, Some(1), "b.exe"),
            ],
            &[
                spawn(0, 0, 1, 2),
                open(1, 5, 1, r"C:\f", 1, 0),
                close(2, 9, 2, r"C:\f"),
                close(3, 12, 1, r"C:\f"),
            ],
        );
        assert!(l.intervals.is_empty(), "a.exe closes its own open");
        assert_eq!(l.stats.closes_without_open, 1);
    }

    #[test]
    fn failures_snapshot_the_holders_and_keep_them() {
        let l = run(
            vec![
                proc_info(1, 100, None, "MsMpEng.exe"),
                proc_info(2, 200, None, "link.exe"),
            ],
            &[
                open(0, 0, 1, r"C:\o.obj", 1, 0),
                fail(1, 1, 2, r"C:\O.OBJ", 2, 1),
                close(2, 5, 1, r"C:\o.obj"),
                fail(3, 6, 2, r"C:\o.obj", 2, 1),
            ],
        );
        assert_eq!(l.failures.len(), 2);
        assert_eq!(l.failures[0].holders.len(), 1);
        assert!(l.failures[1].holders.is_empty());
        assert!(l
            .interval(l.failures[0].holders[0])
            .unwrap()
            .closed_by_opener());
    }

    #[test]
    fn spawns_outside_the_window_or_after_the_close_are_not_noted() {
        let l = run(
            vec![
                proc_info(1, 100, None, "a.exe"),
                proc_info(2, 200, Some(1), "b.exe"),
            ],
            &[
                open(0, 0, 1, r"C:\f", 2, 0),
                open(1, 10, 1, r"C:\g", 2, 0),
                close(2, 20, 1, r"C:\g"),
                spawn(3, 55, 1, 2),
            ],
        );
        assert!(l.intervals.values().all(|i| i.spawns.is_empty()));
    }
}
