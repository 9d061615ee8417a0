//! One event of an export as text cells, by column.

use pml_parser::Column;

/// The cells of one exported event: the columns the export has, as ProcMon printed them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Row {
    cells: Vec<Option<String>>,
    /// The process index the XML export gives each event (CSV has none).
    pub process_index: Option<u32>,
    /// Return addresses of the event's stack, innermost first (XML exports with stacks).
    pub frames: Vec<u64>,
}

/// Position of `column` in [`Column::ALL`].
pub(crate) fn slot(column: Column) -> usize {
    Column::ALL
        .iter()
        .position(|&c| c == column)
        .expect("every column is in Column::ALL")
}

impl Row {
    /// The cell of `column`, `None` when the export does not have the column.
    pub fn get(&self, column: Column) -> Option<&str> {
        self.cells.get(slot(column))?.as_deref()
    }

    /// Sets the cell of `column`.
    pub fn set(&mut self, column: Column, text: String) {
        if self.cells.len() < Column::ALL.len() {
            self.cells.resize(Column::ALL.len(), None);
        }
        self.cells[slot(column)] = Some(text);
    }

    /// Empties the row for the next event.
    pub fn clear(&mut self) {
        self.cells.iter_mut().for_each(|c| *c = None);
        self.process_index = None;
        self.frames.clear();
    }
}
