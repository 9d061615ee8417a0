//! Activity per process, and the process tree.

use std::collections::{BTreeMap, HashMap, HashSet};

use pml_parser::{Capture, Event, EventClass, FileTime, Process};

use super::table::{int, seconds, Table, Value, ValueType};
use super::{process_key, ProcessKey};

/// What a summary row says about a process.
#[derive(Debug, Clone, Default)]
struct Info {
    name: String,
    pid: u32,
    parent_pid: u32,
    image_path: String,
    command_line: String,
    start: FileTime,
    end: FileTime,
}

impl Info {
    fn of(p: &Process) -> Info {
        Info {
            name: p.name.to_string(),
            pid: p.pid,
            parent_pid: p.parent_pid,
            image_path: p.image_path.to_string(),
            command_line: p.command_line.to_string(),
            start: p.start_time,
            end: p.end_time,
        }
    }
}

/// Per process: events by class and the time span of its events.
#[derive(Debug, Default)]
pub(crate) struct Processes {
    by_process: HashMap<ProcessKey, Activity>,
}

#[derive(Debug, Default)]
struct Activity {
    info: Info,
    per_class: [u64; 6],
    first: Option<FileTime>,
    last: Option<FileTime>,
}

impl Processes {
    pub(crate) fn add(&mut self, event: &Event<'_>) {
        let a = self
            .by_process
            .entry(process_key(event))
            .or_insert_with(|| Activity {
                info: event.process().map(Info::of).unwrap_or_default(),
                ..Activity::default()
            });
        a.per_class[event.class() as usize] += 1;
        let t = event.time();
        a.first = Some(a.first.map_or(t, |f| f.min(t)));
        a.last = Some(a.last.map_or(t, |l| l.max(t)));
    }

    pub(crate) fn finish(self) -> Table {
        use ValueType::*;
        let mut table = Table::new(&[
            ("Process Name", Text),
            ("PID", Int),
            ("Parent PID", Int),
            ("Events", Int),
            ("File System", Int),
            ("Registry", Int),
            ("Network", Int),
            ("Process", Int),
            ("Profiling", Int),
            ("First Event", Time),
            ("Last Event", Time),
            ("Image Path", Text),
            ("Command Line", Text),
        ]);
        let mut rows: Vec<Activity> = self.by_process.into_values().collect();
        let total = |a: &Activity| a.per_class.iter().sum::<u64>();
        rows.sort_by(|a, b| {
            total(b)
                .cmp(&total(a))
                .then(a.info.pid.cmp(&b.info.pid))
                .then(a.info.start.cmp(&b.info.start))
        });
        for a in rows {
            let class = |c: EventClass| int(a.per_class[c as usize]);
            table.rows.push(vec![
                Value::Text(a.info.name.clone()),
                int(a.info.pid.into()),
                int(a.info.parent_pid.into()),
                int(total(&a)),
                class(EventClass::FileSystem),
                class(EventClass::Registry),
                class(EventClass::Network),
                class(EventClass::Process),
                class(EventClass::Profiling),
                Value::Time(a.first),
                Value::Time(a.last),
                Value::Text(a.info.image_path),
                Value::Text(a.info.command_line),
            ]);
        }
        table
    }
}

/// The process tree of the captures' process tables, with events counted per process.
#[derive(Debug, Default)]
pub(crate) struct Tree {
    nodes: HashMap<ProcessKey, Node>,
}

#[derive(Debug, Default)]
struct Node {
    info: Info,
    parent: Option<ProcessKey>,
    events: u64,
}

impl Tree {
    pub(crate) fn add_table(&mut self, capture: &Capture) {
        let table = capture.processes();
        for p in table.iter() {
            let key = (p.pid, p.start_time.0);
            let parent = table
                .get(p.parent_index)
                .filter(|parent| parent.index != p.index)
                .map(|parent| (parent.pid, parent.start_time.0));
            let node = self.nodes.entry(key).or_default();
            node.info = Info::of(p);
            node.parent = node.parent.or(parent);
        }
    }

    pub(crate) fn add(&mut self, event: &Event<'_>) {
        let node = self
            .nodes
            .entry(process_key(event))
            .or_insert_with(|| Node {
                info: event.process().map(Info::of).unwrap_or_default(),
                ..Node::default()
            });
        node.events += 1;
    }

    pub(crate) fn finish(self) -> Table {
        use ValueType::*;
        let mut table = Table::new(&[
            ("Process", Text),
            ("Depth", Int),
            ("PID", Int),
            ("Parent PID", Int),
            ("Start", Time),
            ("End", Time),
            ("Lifetime", Float),
            ("Events", Int),
            ("Image Path", Text),
            ("Command Line", Text),
        ]);
        let order = |k: &ProcessKey| (self.nodes[k].info.start, k.0, k.1);
        let mut children: BTreeMap<ProcessKey, Vec<ProcessKey>> = BTreeMap::new();
        let mut roots = Vec::new();
        for (key, node) in &self.nodes {
            match node.parent.filter(|p| self.nodes.contains_key(p)) {
                Some(parent) => children.entry(parent).or_default().push(*key),
                None => roots.push(*key),
            }
        }
        roots.sort_by_key(order);
        for list in children.values_mut() {
            list.sort_by_key(order);
        }
        let mut seen = HashSet::new();
        let mut stack: Vec<(ProcessKey, usize)> = roots.iter().rev().map(|&k| (k, 0)).collect();
        // A parent loop leaves its members unreachable from a root: list them as roots.
        let mut leftovers: Vec<ProcessKey> = Vec::new();
        loop {
            let Some((key, depth)) = stack.pop() else {
                leftovers.extend(self.nodes.keys().filter(|k| !seen.contains(*k)).copied());
                leftovers.sort_by_key(order);
                match leftovers.first() {
                    Some(&k) => {
                        leftovers.clear();
                        stack.push((k, 0));
                        continue;
                    }
                    None => break,
                }
            };
            if !seen.insert(key) {
                continue;
            }
            let node = &self.nodes[&key];
            let info = &node.info;
            let lifetime = (!info.end.is_zero() && info.end >= info.start)
                .then(|| seconds(info.end.ticks_since(info.start)));
            table.rows.push(vec![
                Value::Text(format!("{}{}", "  ".repeat(depth), info.name)),
                int(depth as u64),
                int(info.pid.into()),
                int(info.parent_pid.into()),
                Value::Time((!info.start.is_zero()).then_some(info.start)),
                Value::Time((!info.end.is_zero()).then_some(info.end)),
                lifetime.unwrap_or(Value::Null),
                int(node.events),
                Value::Text(info.image_path.clone()),
                Value::Text(info.command_line.clone()),
            ]);
            if let Some(list) = children.get(&key) {
                stack.extend(list.iter().rev().map(|&k| (k, depth + 1)));
            }
        }
        table
    }
}
