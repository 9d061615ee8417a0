//! Which processes have a file mapped as their image (the EXE, from the process table) or as a
//! loaded module (Load Image events), and since when. A mapped image holds its file without an
//! open handle: writes and deletes fail while the process lives.

use pml_parser::FileTime;

use crate::hash::FxHashMap;
use crate::model::{ProcessInfo, ProcessOp, ProcessOpKind, Record};
use crate::paths::{Keyer, PathKey, VolumeMap};
use crate::process_tree::ProcessTree;

/// One mapping of a file into a process.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Mapping {
    /// The process.
    pub process_index: u32,
    /// When it was mapped (zero: when the process started, time unknown).
    pub since: FileTime,
    /// True for the process's own EXE, false for a loaded module.
    pub is_exe: bool,
    /// The Load Image event, for a module.
    pub event_index: Option<u64>,
}

/// The mapped images of a capture, by path.
#[derive(Debug, Clone, Default)]
pub struct ImageMaps {
    by_path: FxHashMap<PathKey, Vec<Mapping>>,
}

impl ImageMaps {
    /// The EXEs of the process table, keyed by `keyer`.
    pub fn new<'p>(
        processes: impl IntoIterator<Item = &'p ProcessInfo>,
        keyer: &Keyer,
    ) -> ImageMaps {
        let mut maps = ImageMaps::default();
        for p in processes.into_iter().filter(|p| !p.image_path.is_empty()) {
            maps.add(
                keyer.key(&p.image_path),
                Mapping {
                    process_index: p.process_index,
                    since: FileTime(0),
                    is_exe: true,
                    event_index: None,
                },
            );
        }
        maps
    }

    fn add(&mut self, key: PathKey, m: Mapping) {
        let list = self.by_path.entry(key).or_default();
        if !list.iter().any(|o| o.process_index == m.process_index) {
            list.push(m);
        }
    }

    /// The keys of every image mapped.
    pub fn keys(&self) -> impl Iterator<Item = PathKey> + '_ {
        self.by_path.keys().copied()
    }

    /// Gives every key the drive letter learned for its volume (see [`VolumeMap::resolve`]).
    pub fn apply(&mut self, volumes: &VolumeMap) {
        if volumes.is_empty() {
            return;
        }
        let by_path = std::mem::take(&mut self.by_path);
        for (key, list) in by_path {
            let key = volumes.resolve(key);
            for m in list {
                self.add(key, m);
            }
        }
    }

    /// Consumes one record: a Load Image maps a module.
    pub fn feed(&mut self, record: &Record) {
        if let Record::Process(ProcessOp {
            kind: ProcessOpKind::LoadImage { key },
            process_index,
            time,
            event_index,
        }) = *record
        {
            self.add(
                key,
                Mapping {
                    process_index,
                    since: time,
                    is_exe: false,
                    event_index: Some(event_index),
                },
            );
        }
    }

    /// The processes that had `key` mapped at time `t` and were alive then, except `except`.
    pub fn mapped_at(
        &self,
        key: PathKey,
        t: FileTime,
        except: u32,
        tree: &ProcessTree,
        capture_end: FileTime,
    ) -> Vec<Mapping> {
        self.by_path
            .get(&key)
            .into_iter()
            .flatten()
            .filter(|m| m.process_index != except && m.since <= t)
            .filter(|m| tree.alive_at(m.process_index, t, capture_end))
            .copied()
            .collect()
    }
}
