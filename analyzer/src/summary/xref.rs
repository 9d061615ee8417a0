//! Cross Reference: paths written by one process and read by another.

use std::collections::{BTreeMap, HashMap};

use pml_parser::{Event, EventClass};

use super::table::{int, Table, Value, ValueType};
use super::{process_key, process_label, ProcessKey};

#[derive(Debug, Default)]
struct Entry {
    writers: BTreeMap<ProcessKey, String>,
    readers: BTreeMap<ProcessKey, String>,
    writes: u64,
    reads: u64,
}

/// Readers and writers per file or registry path, by the events' Category
/// (`Write` / `Read`, data not metadata).
#[derive(Debug, Default)]
pub(crate) struct Xref {
    by_path: HashMap<String, Entry>,
}

impl Xref {
    pub(crate) fn add(&mut self, event: &Event<'_>, s: &mut String) {
        if !matches!(event.class(), EventClass::FileSystem | EventClass::Registry) {
            return;
        }
        let write = match pml_parser::render::category(event) {
            "Write" => true,
            "Read" => false,
            _ => return,
        };
        s.clear();
        pml_parser::render::write_path(event, s);
        if s.is_empty() {
            return;
        }
        let entry = match self.by_path.get_mut(s.as_str()) {
            Some(e) => e,
            None => self.by_path.entry(s.clone()).or_default(),
        };
        let key = process_key(event);
        let (set, n) = if write {
            (&mut entry.writers, &mut entry.writes)
        } else {
            (&mut entry.readers, &mut entry.reads)
        };
        *n += 1;
        set.entry(key).or_insert_with(|| process_label(event));
    }

    pub(crate) fn finish(self) -> Table {
        use ValueType::*;
        let mut table = Table::new(&[
            ("Path", Text),
            ("Writers", Text),
            ("Readers", Text),
            ("Writes", Int),
            ("Reads", Int),
        ]);
        let mut rows: Vec<(String, Entry)> = self
            .by_path
            .into_iter()
            .filter(|(_, e)| e.writers.keys().any(|w| e.readers.keys().any(|r| r != w)))
            .collect();
        rows.sort_by(|a, b| a.0.cmp(&b.0));
        let join =
            |m: &BTreeMap<ProcessKey, String>| m.values().cloned().collect::<Vec<_>>().join(", ");
        for (path, e) in rows {
            table.rows.push(vec![
                Value::Text(path),
                Value::Text(join(&e.writers)),
                Value::Text(join(&e.readers)),
                int(e.writes),
                int(e.reads),
            ]);
        }
        table
    }
}
