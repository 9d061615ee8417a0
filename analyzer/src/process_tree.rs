//! Process instances (by process index, never by PID), their parent links and lifetimes.
//!
//! Parent links come from the process table and are overridden by Process Create events, which
//! name the creator exactly. Lifetimes come from Process Create/Start/Exit events, falling back on
//! the table's start and end times.

use std::collections::HashMap;

use pml_parser::FileTime;
use serde::Serialize;

use crate::model::ProcessInfo;

/// A process instance as findings name it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct ProcessRef {
    /// Process id.
    pub pid: u32,
    /// Process index: unique in the capture, unlike the PID.
    pub process_index: u32,
    /// Process name.
    pub name: String,
    /// Command line.
    pub command_line: String,
}

#[derive(Debug, Clone, Default)]
struct Node {
    info: ProcessInfo,
    /// Time of the Process Create that made it.
    created: Option<FileTime>,
    /// Time of its Process Start.
    started: Option<FileTime>,
    /// Time of its Process Exit.
    exited: Option<FileTime>,
}

/// The process tree of a capture.
#[derive(Debug, Clone, Default)]
pub struct ProcessTree {
    nodes: HashMap<u32, Node>,
}

impl ProcessTree {
    /// A tree over the processes of the process table.
    pub fn new(processes: impl IntoIterator<Item = ProcessInfo>) -> ProcessTree {
        let nodes = processes
            .into_iter()
            .map(|info| {
                (
                    info.process_index,
                    Node {
                        info,
                        ..Node::default()
                    },
                )
            })
            .collect();
        ProcessTree { nodes }
    }

    fn node(&mut self, index: u32) -> &mut Node {
        self.nodes.entry(index).or_insert_with(|| Node {
            info: ProcessInfo {
                process_index: index,
                ..ProcessInfo::default()
            },
            ..Node::default()
        })
    }

    /// Records a Process Create by `parent` of `child`.
    pub fn on_create(&mut self, parent: u32, child: u32, child_pid: u32, t: FileTime) {
        let node = self.node(child);
        if child != parent {
            node.info.parent_index = Some(parent);
        }
        if node.info.pid == 0 {
            node.info.pid = child_pid;
        }
        node.created.get_or_insert(t);
    }

    /// Records the Process Start of `process`.
    pub fn on_start(&mut self, process: u32, t: FileTime) {
        self.node(process).started.get_or_insert(t);
    }

    /// Records the Process Exit of `process`.
    pub fn on_exit(&mut self, process: u32, t: FileTime) {
        self.node(process).exited.get_or_insert(t);
    }

    /// The parent's process index.
    pub fn parent(&self, index: u32) -> Option<u32> {
        self.nodes.get(&index)?.info.parent_index
    }

    /// How many generations `descendant` is below `ancestor` (1 = child), if it is below at all.
    pub fn depth_below(&self, descendant: u32, ancestor: u32) -> Option<usize> {
        // No chain is longer than the number of nodes.
        ancestors(descendant, self.nodes.len(), |i| self.parent(i))
            .position(|a| a == ancestor)
            .map(|n| n + 1)
    }

    /// The processes from `ancestor`'s child down to `descendant`, in that order, when
    /// `descendant` is below `ancestor`.
    pub fn chain_below(&self, ancestor: u32, descendant: u32) -> Option<Vec<u32>> {
        let depth = self.depth_below(descendant, ancestor)?;
        let mut chain = Vec::with_capacity(depth);
        let mut current = descendant;
        for _ in 0..depth {
            chain.push(current);
            current = self.parent(current)?;
        }
        chain.reverse();
        Some(chain)
    }

    /// When the process came to be: its Process Create, else its Process Start, else the table's
    /// start time.
    pub fn created_at(&self, index: u32) -> Option<FileTime> {
        let n = self.nodes.get(&index)?;
        n.created
            .or(n.started)
            .or((!n.info.start_time.is_zero()).then_some(n.info.start_time))
    }

    /// When the process ended, if it ended before `capture_end`: its Process Exit, else the
    /// table's end time when that is not after the last event.
    pub fn exited_at(&self, index: u32, capture_end: FileTime) -> Option<FileTime> {
        let n = self.nodes.get(&index)?;
        n.exited.or_else(|| {
            let end = n.info.end_time;
            (!end.is_zero() && end <= capture_end).then_some(end)
        })
    }

    /// True when the process existed at time `t` (created by then and not yet exited).
    pub fn alive_at(&self, index: u32, t: FileTime, capture_end: FileTime) -> bool {
        self.created_at(index).is_none_or(|c| c <= t)
            && self.exited_at(index, capture_end).is_none_or(|e| e >= t)
    }

    /// The process as findings name it.
    pub fn process_ref(&self, index: u32) -> ProcessRef {
        match self.nodes.get(&index) {
            Some(n) => ProcessRef {
                pid: n.info.pid,
                process_index: index,
                name: n.info.name.clone(),
                command_line: n.info.command_line.clone(),
            },
            None => ProcessRef {
                pid: 0,
                process_index: index,
                name: String::new(),
                command_line: String::new(),
            },
        }
    }

    /// The processes the table says ended by `capture_end` (and after the first event,
    /// `capture_start`) whose Process Exit is not in the capture: their events stop without an
    /// exit, by process index.
    pub fn ended_without_exit(&self, capture_start: FileTime, capture_end: FileTime) -> Vec<u32> {
        let mut ended: Vec<u32> = self
            .nodes
            .iter()
            .filter(|(_, n)| {
                let end = n.info.end_time;
                n.exited.is_none() && !end.is_zero() && end >= capture_start && end <= capture_end
            })
            .map(|(&index, _)| index)
            .collect();
        ended.sort_unstable();
        ended
    }

    /// Number of processes known.
    pub fn len(&self) -> usize {
        self.nodes.len()
    }

    /// True when no process is known.
    pub fn is_empty(&self) -> bool {
        self.nodes.is_empty()
    }
}

/// The processes above `start`, its parent first, as `parent` links them (by process index):
/// the one walk up a process tree. A corrupt table can link parents in a cycle: the walk ends
/// after `limit` steps, or once it is back at `start` (which it then yields).
pub fn ancestors<F>(start: u32, limit: usize, parent: F) -> impl Iterator<Item = u32>
where
    F: Fn(u32) -> Option<u32>,
{
    let mut current = Some(start);
    let mut left = limit;
    std::iter::from_fn(move || {
        left = left.checked_sub(1)?;
        let p = parent(current?)?;
        current = (p != start).then_some(p);
        Some(p)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn info(index: u32, parent: Option<u32>) -> ProcessInfo {
        ProcessInfo {
            process_index: index,
            pid: index * 4,
            parent_index: parent,
            name: format!("p{index}.exe"),
            ..ProcessInfo::default()
        }
    }

    #[test]
    fn create_events_override_the_table_and_chains_follow_them() {
        let mut tree = ProcessTree::new([info(1, None), info(2, Some(9)), info(3, Some(2))]);
        assert_eq!(tree.depth_below(3, 1), None);
        tree.on_create(1, 2, 8, FileTime(100));
        assert_eq!(tree.depth_below(2, 1), Some(1));
        assert_eq!(tree.depth_below(3, 1), Some(2));
        assert_eq!(tree.chain_below(1, 3), Some(vec![2, 3]));
        assert_eq!(tree.depth_below(1, 3), None);
        assert_eq!(tree.created_at(2), Some(FileTime(100)));
    }

    #[test]
    fn parent_cycles_end() {
        let tree = ProcessTree::new([info(1, Some(2)), info(2, Some(1))]);
        assert_eq!(tree.depth_below(1, 5), None);
        assert_eq!(tree.depth_below(1, 2), Some(1));
        assert_eq!(tree.depth_below(1, 1), Some(2));
        // A cycle above the start ends at the limit.
        let parent = |i: u32| Some(if i == 0 { 1 } else { 3 - i });
        let walk: Vec<u32> = ancestors(0, 5, parent).collect();
        assert_eq!(walk, [1, 2, 1, 2, 1]);
    }

    #[test]
    fn exit_from_the_table_only_counts_inside_the_capture() {
        let mut p = info(1, None);
        p.end_time = FileTime(500);
        let tree = ProcessTree::new([p]);
        assert_eq!(tree.exited_at(1, FileTime(400)), None);
        assert_eq!(tree.exited_at(1, FileTime(600)), Some(FileTime(500)));
        assert!(tree.alive_at(1, FileTime(450), FileTime(600)));
        assert!(!tree.alive_at(1, FileTime(550), FileTime(600)));
    }
}
