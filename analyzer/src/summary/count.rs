//! Count Occurrences: the distinct values of one column.

use std::collections::HashMap;

use pml_parser::{Column, ColumnRenderer, Event};

use super::table::{int, Table, Value, ValueType};

/// Events per distinct value of a column.
#[derive(Debug)]
pub(crate) struct Count {
    column: Column,
    counts: HashMap<String, u64>,
}

impl Count {
    pub(crate) fn new(column: Column) -> Count {
        Count {
            column,
            counts: HashMap::new(),
        }
    }

    pub(crate) fn add(&mut self, event: &Event<'_>, renderer: &ColumnRenderer, s: &mut String) {
        s.clear();
        renderer.write(event, self.column, s);
        match self.counts.get_mut(s.as_str()) {
            Some(n) => *n += 1,
            None => {
                self.counts.insert(s.clone(), 1);
            }
        }
    }

    pub(crate) fn finish(self) -> Table {
        let mut table = Table::new(&[
            (self.column.name(), ValueType::Text),
            ("Count", ValueType::Int),
        ]);
        let mut rows: Vec<(String, u64)> = self.counts.into_iter().collect();
        rows.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        table.rows = rows
            .into_iter()
            .map(|(v, n)| vec![Value::Text(v), int(n)])
            .collect();
        table
    }
}
