//! What each process of one run did, folded in one streaming pass: per (process, operation,
//! normalized path) the results and their counts, and per process its parent, children and exit
//! status. Memory grows with the distinct keys, not with the events.

use std::collections::hash_map::Entry;
use std::hash::{Hash, Hasher};
use std::sync::Mutex;

use pml_parser::details::process::ProcessDetails;
use pml_parser::ops::process_op;
use pml_parser::{Chunk, Event, EventClass, Progress, SplitCapture};

use super::normalize;
use crate::hash::{long_hasher, FxHashMap};
use crate::process_tree::ancestors;
use crate::Query;

/// Events per chunk of the pass.
const CHUNK_EVENTS: u64 = 1 << 18;
// A chunk counts its events per key in a `u32`.
const _: () = assert!(CHUNK_EVENTS <= u32::MAX as u64);

/// What one process did with one (operation, normalized path).
#[derive(Debug, Clone, Default)]
pub struct Activity {
    /// Each result (NTSTATUS) and how many events had it, in order of first appearance.
    pub results: Vec<(u32, u64)>,
    /// The path as the first event printed it.
    pub example: String,
    /// Global index of the first event.
    pub first_event: u64,
}

impl Activity {
    fn add(&mut self, result: u32, count: u64) {
        match self.results.iter_mut().find(|(r, _)| *r == result) {
            Some((_, n)) => *n += count,
            None => self.results.push((result, count)),
        }
    }

    /// How many events had `result`.
    pub fn count_of(&self, result: u32) -> u64 {
        self.results
            .iter()
            .find(|(r, _)| *r == result)
            .map_or(0, |(_, n)| *n)
    }

    /// Events in all.
    pub fn total(&self) -> u64 {
        self.results.iter().map(|(_, n)| n).sum()
    }
}

/// (operation, normalized path).
pub type ActivityKey = (&'static str, Box<str>);

/// One process of a run.
#[derive(Debug, Clone, Default)]
pub struct ProcessFacts {
    /// Process index.
    pub index: u32,
    /// PID.
    pub pid: u32,
    /// Parent's process index.
    pub parent: Option<u32>,
    /// Process name.
    pub name: String,
    /// Image name, lower-case (`cl.exe`).
    pub image: String,
    /// Command line as captured.
    pub command_line: String,
    /// Command line, lower-cased with blanks and quotes folded, numbers kept.
    pub command_exact: String,
    /// Command line normalized ([`normalize::command_line`]).
    pub command_normalized: String,
    /// Image names of the ancestors, nearest first, joined by `<`.
    pub lineage: String,
    /// Start time (FILETIME ticks; 0 when unknown).
    pub start: u64,
    /// Started during the capture (a Process Create or Process Start was seen).
    pub started_in_capture: bool,
    /// Exit status of its Process Exit.
    pub exit_status: Option<u32>,
    /// Global index of its Process Exit.
    pub exit_event: Option<u64>,
    /// Events of the process that passed the filter (profiling samples aside).
    pub events: u64,
    /// What it did.
    pub activity: FxHashMap<ActivityKey, Activity>,
}

/// What one run did.
#[derive(Debug, Default)]
pub struct Profile {
    /// The processes, in start order.
    pub processes: Vec<ProcessFacts>,
    /// Position in `processes` of each process index.
    pub by_index: FxHashMap<u32, usize>,
    /// Events in the capture.
    pub events: u64,
    /// Events that passed the filter.
    pub matched: u64,
    /// Events that could not be read.
    pub unreadable: u64,
}

impl Profile {
    /// The process of index `index`.
    pub fn process(&self, index: u32) -> Option<&ProcessFacts> {
        self.by_index.get(&index).map(|&i| &self.processes[i])
    }

    /// The process's ancestors (process indices, parent first).
    pub fn ancestors(&self, index: u32) -> impl Iterator<Item = u32> + '_ {
        ancestors(index, self.processes.len(), |i| self.process(i)?.parent)
    }
}

/// A process-class fact of a chunk, applied in event order.
enum ProcessEvent {
    Created {
        parent: u32,
        child: u32,
        pid: u32,
    },
    Started {
        process: u32,
    },
    Exited {
        process: u32,
        status: u32,
        event: u64,
    },
}

/// The normalized paths of a run, each normalized once: raw paths (by hash) and normalized
/// paths are numbered, so that chunks and the merge compare numbers, not strings.
#[derive(Default)]
struct Paths {
    /// Number of the normalized form of each raw path, by the raw path's hash.
    by_raw: FxHashMap<u64, u32>,
    /// Number of each normalized path.
    by_normal: FxHashMap<Box<str>, u32>,
    /// Normalized paths, by number.
    normal: Vec<Box<str>>,
}

impl Paths {
    /// The number of the normalized form of the raw path of hash `raw_hash`; `raw` gives the
    /// path, when it has not been seen yet.
    fn id(&mut self, raw_hash: u64, raw: impl FnOnce() -> String) -> u32 {
        if let Some(&id) = self.by_raw.get(&raw_hash) {
            return id;
        }
        let normal: Box<str> = normalize::path(&raw()).into();
        let next = self.normal.len() as u32;
        let id = *self.by_normal.entry(normal.clone()).or_insert(next);
        if id == next {
            self.normal.push(normal);
        }
        self.by_raw.insert(raw_hash, id);
        id
    }
}

/// What a chunk contributes.
#[derive(Default)]
struct ChunkFold {
    /// (process, operation, normalized path number, results), in order of first event.
    activity: Vec<(u32, u32, u32, Tally)>,
    /// The results after the first of the tallies that have several.
    extra: Extra,
    process_events: Vec<ProcessEvent>,
    matched: u64,
    events_per_process: FxHashMap<u32, u64>,
    unreadable: u64,
    /// Global index of the chunk's first event (tallies count from it).
    first_index: u64,
}

/// Folds the events of `capture` that pass `query`'s filter.
pub fn profile(query: &Query<'_>, progress: &dyn Progress) -> Profile {
    let capture = query.capture();
    let mut p = table_processes(capture);
    p.events = capture.event_count();
    let paths = Mutex::new(Paths::default());
    let mut activity = FxHashMap::default();
    let done = query.run(
        CHUNK_EVENTS,
        progress,
        |chunk| Ok::<_, std::convert::Infallible>(fold_chunk(query, chunk, &paths)),
        |fold| {
            merge(&mut p, &mut activity, fold, capture);
            Ok(true)
        },
    );
    if let Err(never) = done {
        match never {}
    }
    let paths = paths.into_inner().unwrap_or_else(|e| e.into_inner());
    let mut activity: Vec<_> = activity.into_iter().collect();
    activity.sort_unstable_by_key(|(_, (_, a))| a.first_event);
    for ((process, _, path), (op, a)) in activity {
        let key = (op, paths.normal[path as usize].clone());
        add_activity(process_mut(&mut p, process).activity.entry(key), a);
    }
    finish(&mut p);
    p
}

/// The processes of every part's table (the first part that names one wins).
fn table_processes(capture: &SplitCapture) -> Profile {
    let mut p = Profile::default();
    for table in capture.captures().map(|c| c.processes()) {
        for proc in table.iter() {
            if p.by_index.contains_key(&proc.index) {
                continue;
            }
            let facts = ProcessFacts {
                index: proc.index,
                pid: proc.pid,
                parent: (proc.parent_index != proc.index).then_some(proc.parent_index),
                name: proc.name.to_string(),
                image: normalize::image_name(&proc.image_path, &proc.name),
                command_line: proc.command_line.to_string(),
                start: proc.start_time.0,
                ..ProcessFacts::default()
            };
            p.by_index.insert(proc.index, p.processes.len());
            p.processes.push(facts);
        }
    }
    p
}

/// What a chunk saw of one (process, operation, path): kept small, so that the chunk's table
/// stays in the cache; most keys have a single result.
struct Tally {
    /// The first event, as an offset from the chunk's first (16 bytes a tally, not 24).
    first: u32,
    /// The first result and its events.
    result: u32,
    count: u32,
    /// The other results, in order of first appearance: 1 + their position in the chunk's
    /// [`Extra`] lists, or 0 when there are none.
    more: u32,
}

/// The results after the first of a chunk's keys that have several.
type Extra = Vec<Vec<(u32, u64)>>;

impl Tally {
    #[inline]
    fn add(&mut self, result: u32, extra: &mut Extra) {
        if result == self.result {
            self.count += 1;
            return;
        }
        if self.more == 0 {
            extra.push(Vec::new());
            self.more = extra.len() as u32;
        }
        let more = &mut extra[self.more as usize - 1];
        match more.iter_mut().find(|(r, _)| *r == result) {
            Some((_, n)) => *n += 1,
            None => more.push((result, 1)),
        }
    }

    /// Adds the tallied results to `activity`'s, after those it has.
    fn add_to(self, activity: &mut Activity, extra: &mut Extra) {
        activity.add(self.result, u64::from(self.count));
        if self.more > 0 {
            for (result, n) in std::mem::take(&mut extra[self.more as usize - 1]) {
                activity.add(result, n);
            }
        }
    }

    /// The activity of a key first seen in this chunk at global index `first_event`, its path
    /// printed as `example`.
    fn into_activity(self, first_event: u64, example: String, extra: &mut Extra) -> Activity {
        let mut activity = Activity {
            results: Vec::new(),
            example,
            first_event,
        };
        self.add_to(&mut activity, extra);
        activity
    }
}

/// The path event `index` of `capture` prints (empty if it cannot be read again).
fn path_of(capture: &SplitCapture, index: u64) -> String {
    named(capture, index).1
}

/// The operation and the path event `index` of `capture` prints (`<Unknown>` and empty if it
/// cannot be read again).
fn named(capture: &SplitCapture, index: u64) -> (&'static str, String) {
    let mut path = String::new();
    match capture.event(index) {
        Some(Ok(event)) => {
            pml_parser::render::write_path(&event, &mut path);
            (event.operation_name(), path)
        }
        _ => ("<Unknown>", path),
    }
}

fn fold_chunk(query: &Query<'_>, chunk: &Chunk, paths: &Mutex<Paths>) -> ChunkFold {
    let mut fold = ChunkFold {
        first_index: chunk.first_index,
        ..ChunkFold::default()
    };
    let mut keys: FxHashMap<(u32, u32, u64), Tally> =
        FxHashMap::with_capacity_and_hasher(4096, Default::default());
    let mut extra = Extra::new();
    let mut path = String::new();
    // Events of one process come in runs: counted per run, not per event.
    let mut run: Option<(u32, u64)> = None;
    let unreadable = query.for_each_match(chunk, |_, index, event| {
        fold.matched += 1;
        match event.class() {
            // Samples taken every second or so: timing, not behaviour.
            EventClass::Profiling => return Ok::<(), std::convert::Infallible>(()),
            EventClass::Process => {
                fold.process_events.extend(process_event(event, index));
            }
            _ => {}
        }
        let process = event.process_index();
        match &mut run {
            Some((p, n)) if *p == process => *n += 1,
            _ => {
                if let Some((p, n)) = run.replace((process, 1)) {
                    *fold.events_per_process.entry(p).or_default() += n;
                }
            }
        }
        let result = event.result();
        keys.entry((process, event.operation_key(), path_hash(event, &mut path)))
            .and_modify(|t| t.add(result, &mut extra))
            .or_insert(Tally {
                first: (index - chunk.first_index) as u32,
                result,
                count: 1,
                more: 0,
            });
        Ok(())
    });
    if let Some((p, n)) = run {
        *fold.events_per_process.entry(p).or_default() += n;
    }
    fold.unreadable = match unreadable {
        Ok(n) => n,
        Err(never) => match never {},
    };
    let capture = query.capture();
    let mut activity: Vec<_> = {
        let mut paths = paths.lock().unwrap_or_else(|e| e.into_inner());
        keys.into_iter()
            .map(|((process, op, raw), t)| {
                let id = paths.id(raw, || {
                    path_of(capture, chunk.first_index + u64::from(t.first))
                });
                (process, op, id, t)
            })
            .collect()
    };
    // Merged in event order: a key's results in order of first appearance, and its example
    // printed from its first event.
    activity.sort_unstable_by_key(|(_, _, _, t)| t.first);
    fold.activity = activity;
    fold.extra = extra;
    fold
}

/// A hash of the path `event` prints, taken from the strings it is printed from when the event
/// has them (no text made per event), else from the printed path (`scratch`). Equal paths of
/// different sources (a narrow and a wide spelling) get different hashes; their normalized
/// forms are the same, and they merge there.
fn path_hash(event: &Event<'_>, scratch: &mut String) -> u64 {
    let mut h = long_hasher();
    match pml_parser::render::path_sources(event) {
        Some(sources) => {
            for s in sources {
                h.write_u8(u8::from(s.is_narrow()));
                h.write_usize(s.raw().len());
                h.write(s.raw());
            }
            // Kept apart from the hashes of printed paths.
            h.write_u8(0xFF);
        }
        None => {
            scratch.clear();
            pml_parser::render::write_path(event, scratch);
            scratch.hash(&mut h);
        }
    }
    h.finish()
}

fn process_event(event: &Event<'_>, index: u64) -> Option<ProcessEvent> {
    match event.operation() {
        process_op::PROCESS_CREATE => match ProcessDetails::decode(event).ok()? {
            ProcessDetails::Create(c) => Some(ProcessEvent::Created {
                parent: event.process_index(),
                child: c.child_index,
                pid: c.child_pid,
            }),
            _ => None,
        },
        process_op::PROCESS_START => Some(ProcessEvent::Started {
            process: event.process_index(),
        }),
        process_op::PROCESS_EXIT => match ProcessDetails::decode(event).ok()? {
            ProcessDetails::Exit(counters) => Some(ProcessEvent::Exited {
                process: event.process_index(),
                status: counters.exit_status,
                event: index,
            }),
            _ => None,
        },
        _ => None,
    }
}

/// The process of index `index`, added when no table named it.
fn process_mut(p: &mut Profile, index: u32) -> &mut ProcessFacts {
    let at = *p.by_index.entry(index).or_insert_with(|| {
        p.processes.push(ProcessFacts {
            index,
            ..ProcessFacts::default()
        });
        p.processes.len() - 1
    });
    &mut p.processes[at]
}

/// Activity by (process, operation key, normalized path number), while the pass goes on.
/// The operation's name is read from the key's first event; keys that name the same operation
/// (`<Unknown>`) merge at the end.
type Folded = FxHashMap<(u32, u32, u32), (&'static str, Activity)>;

/// Adds `a` to a key's activity; the first to come keeps its example.
fn add_activity<K>(entry: Entry<'_, K, Activity>, a: Activity) {
    match entry {
        Entry::Occupied(mut known) => {
            for &(result, n) in &a.results {
                known.get_mut().add(result, n);
            }
        }
        Entry::Vacant(slot) => {
            slot.insert(a);
        }
    }
}

fn merge(p: &mut Profile, activity: &mut Folded, mut fold: ChunkFold, capture: &SplitCapture) {
    p.matched += fold.matched;
    p.unreadable += fold.unreadable;
    for (process, n) in fold.events_per_process {
        process_mut(p, process).events += n;
    }
    for e in fold.process_events {
        match e {
            ProcessEvent::Created { parent, child, pid } => {
                let facts = process_mut(p, child);
                if child != parent {
                    facts.parent = Some(parent);
                }
                if facts.pid == 0 {
                    facts.pid = pid;
                }
                facts.started_in_capture = true;
            }
            ProcessEvent::Started { process } => process_mut(p, process).started_in_capture = true,
            ProcessEvent::Exited {
                process,
                status,
                event,
            } => {
                let facts = process_mut(p, process);
                if facts.exit_event.is_none() {
                    facts.exit_status = Some(status);
                    facts.exit_event = Some(event);
                }
            }
        }
    }
    // The paths of keys seen before are not printed again.
    for (process, op, path, t) in fold.activity {
        match activity.entry((process, op, path)) {
            Entry::Occupied(mut known) => t.add_to(&mut known.get_mut().1, &mut fold.extra),
            Entry::Vacant(slot) => {
                let first_event = fold.first_index + u64::from(t.first);
                let (name, example) = named(capture, first_event);
                slot.insert((name, t.into_activity(first_event, example, &mut fold.extra)));
            }
        }
    }
}

/// Command-line forms, lineages and start order, once every event is in.
fn finish(p: &mut Profile) {
    for facts in &mut p.processes {
        facts.command_normalized = normalize::command_line(&facts.command_line);
        facts.command_exact = facts
            .command_line
            .split_whitespace()
            .map(|w| w.replace('"', "").to_lowercase())
            .collect::<Vec<_>>()
            .join(" ");
    }
    let lineages: Vec<String> = p
        .processes
        .iter()
        .map(|facts| {
            p.ancestors(facts.index)
                .filter_map(|a| p.process(a))
                .map(|a| a.image.as_str())
                .collect::<Vec<_>>()
                .join("<")
        })
        .collect();
    for (facts, lineage) in p.processes.iter_mut().zip(lineages) {
        facts.lineage = lineage;
    }
    p.processes.sort_by_key(|f| (f.start, f.index));
    p.by_index = p
        .processes
        .iter()
        .enumerate()
        .map(|(i, f)| (f.index, i))
        .collect();
}

#[cfg(test)]
mod tests {
    use super::{Extra, Tally};

    fn tally(result: u32) -> Tally {
        Tally {
            first: 0,
            result,
            count: 1,
            more: 0,
        }
    }

    #[test]
    fn a_tally_counts_each_result_in_order_of_first_appearance() {
        let mut extra = Extra::new();
        let (mut a, mut b) = (tally(0), tally(5));
        for r in [0, 0xC000_0043, 0, 0xC000_0022, 0xC000_0043] {
            a.add(r, &mut extra);
        }
        b.add(5, &mut extra);
        b.add(6, &mut extra);
        let a = a.into_activity(7, "x".into(), &mut extra);
        assert_eq!(a.results, [(0, 3), (0xC000_0043, 2), (0xC000_0022, 1)]);
        assert_eq!((a.first_event, a.example.as_str(), a.total()), (7, "x", 6));
        let b = b.into_activity(7, "y".into(), &mut extra);
        assert_eq!(b.results, [(5, 2), (6, 1)]);
        // A key with one result needs no extra list.
        let c = tally(1).into_activity(7, "z".into(), &mut extra);
        assert_eq!(c.results, [(1, 1)]);
    }
}
