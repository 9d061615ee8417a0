//! Stack Summary: distinct call stacks, frames as module + offset.

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;

use pml_parser::ColumnRenderer;
use pml_parser::Event;

use super::table::{int, seconds, Table, Value, ValueType};

/// A frame: the module path and the offset in it, or no module and the address.
type FrameKey = (Option<Arc<str>>, u64);

#[derive(Debug, Default)]
struct Entry {
    count: u64,
    ticks: u64,
    processes: BTreeSet<String>,
    operations: BTreeSet<&'static str>,
}

/// Events per distinct stack.
#[derive(Debug, Default)]
pub(crate) struct Stacks {
    by_stack: HashMap<Vec<FrameKey>, Entry>,
}

/// Processes or operations listed in a cell before the rest is counted.
const LISTED: usize = 5;

impl Stacks {
    pub(crate) fn add(&mut self, event: &Event<'_>, renderer: &ColumnRenderer) {
        if event.stack_depth() == 0 {
            return;
        }
        let key: Vec<FrameKey> = event
            .resolved_stack()
            .map(|f| match f.module {
                Some(m) => (Some(m.path.clone()), f.address - m.base),
                None => (None, f.address),
            })
            .collect();
        let entry = self.by_stack.entry(key).or_default();
        entry.count += 1;
        entry.ticks += event.duration().unwrap_or(0);
        if entry.processes.len() <= LISTED {
            if let Some(p) = event.process() {
                entry.processes.insert(p.name.to_string());
            }
        }
        if entry.operations.len() <= LISTED {
            entry.operations.insert(renderer.operation_name(event));
        }
    }

    pub(crate) fn finish(self) -> Table {
        use ValueType::*;
        let mut table = Table::new(&[
            ("Count", Int),
            ("Duration", Float),
            ("Processes", Text),
            ("Operations", Text),
            ("Depth", Int),
            ("Stack", Text),
        ]);
        let mut rows: Vec<(Vec<FrameKey>, Entry)> = self.by_stack.into_iter().collect();
        rows.sort_by(|a, b| b.1.count.cmp(&a.1.count).then_with(|| a.0.cmp(&b.0)));
        for (frames, e) in rows {
            let stack: Vec<String> = frames
                .iter()
                .map(|(module, at)| match module {
                    Some(path) => {
                        let name = path.rsplit(['\\', '/']).next().unwrap_or(path);
                        format!("{name} + {at:#x}")
                    }
                    None => format!("{at:#x}"),
                })
                .collect();
            table.rows.push(vec![
                int(e.count),
                seconds(e.ticks),
                Value::Text(list(e.processes.iter().map(String::as_str))),
                Value::Text(list(e.operations.iter().copied())),
                int(frames.len() as u64),
                Value::Text(stack.join("; ")),
            ]);
        }
        table
    }
}

/// Up to `LISTED` names, then `...`.
fn list<'a>(names: impl ExactSizeIterator<Item = &'a str>) -> String {
    let more = names.len() > LISTED;
    let mut out: Vec<&str> = names.take(LISTED).collect();
    if more {
        out.push("...");
    }
    out.join(", ")
}
