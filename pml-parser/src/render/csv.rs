//! Process Monitor's CSV export, byte for byte: a UTF-8 byte-order mark, a header row of
//! column names, one record per event; every field double-quoted with `"` doubled inside;
//! CRLF after every row, the last included.
//!
//! Fields are written as the columns render them: a multi-line value keeps its line breaks
//! inside the quotes exactly as rendered (the Process Start Detail separates its environment
//! entries with a bare CR followed by `;` and a tab, as ProcMon writes it), so a reader that
//! honours quoting gets the cell back unchanged.

use super::columns::{Column, ColumnRenderer, EventRow};
use crate::event::Event;
use crate::tables::Process;

/// The UTF-8 byte-order mark ProcMon writes first.
pub const BOM: &str = "\u{FEFF}";

/// The row terminator.
pub const LINE_END: &str = "\r\n";

/// Appends the start of a CSV file to `out`: the byte-order mark and the header row.
pub fn write_header(columns: &[Column], out: &mut String) {
    out.push_str(BOM);
    for (i, column) in columns.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        write_field(column.name(), out);
    }
    out.push_str(LINE_END);
}

/// Appends `value` as one quoted field.
pub fn write_field(value: &str, out: &mut String) {
    out.push('"');
    push_escaped(value, out);
    out.push('"');
}

/// Appends `value` with every `"` doubled.
fn push_escaped(value: &str, out: &mut String) {
    for (i, part) in value.split('"').enumerate() {
        if i > 0 {
            out.push_str("\"\"");
        }
        out.push_str(part);
    }
}

/// Writes the records of events: the chosen columns, rendered and quoted.
///
/// Cells are rendered straight into the output; only a cell that contains a `"` goes through a
/// scratch buffer that the writer keeps. The cells of process-level columns are kept for the
/// last process seen in each column and copied while the process stays the same. A writer
/// reused across events stops allocating.
#[derive(Debug, Clone)]
pub struct RecordWriter<'r> {
    renderer: &'r ColumnRenderer,
    columns: &'r [Column],
    scratch: String,
    /// Per column position: the process of the kept cell and its escaped text.
    process_cells: Vec<Option<(&'r Process, String)>>,
}

impl<'r> RecordWriter<'r> {
    /// A writer of `columns` rendered by `renderer`.
    pub fn new(renderer: &'r ColumnRenderer, columns: &'r [Column]) -> RecordWriter<'r> {
        RecordWriter {
            renderer,
            columns,
            scratch: String::new(),
            process_cells: vec![None; columns.len()],
        }
    }

    /// Appends the record of `event`, line end included, to `out`.
    pub fn write(&mut self, event: &Event<'r>, out: &mut String) {
        let row = EventRow::new(event);
        for (i, &column) in self.columns.iter().enumerate() {
            // The closing quote of the previous field, if any, and the opening one of this.
            out.push_str(if i == 0 { "\"" } else { "\",\"" });
            let kept = match (&mut self.process_cells[i], row.process()) {
                (Some((process, text)), Some(p)) if std::ptr::eq(*process, p) => Some(text),
                _ => None,
            };
            if let Some(text) = kept {
                out.push_str(text);
            } else {
                let start = out.len();
                self.renderer.write_row(&row, column, out);
                if may_quote(column) && has_quote(&out.as_bytes()[start..]) {
                    self.scratch.clear();
                    self.scratch.push_str(&out[start..]);
                    out.truncate(start);
                    push_escaped(&self.scratch, out);
                }
                if let (true, Some(p)) = (column.is_process_level(), row.process()) {
                    let slot = self.process_cells[i].get_or_insert_with(|| (p, String::new()));
                    slot.0 = p;
                    slot.1.clear();
                    slot.1.push_str(&out[start..]);
                }
            }
        }
        if !self.columns.is_empty() {
            out.push('"');
        }
        out.push_str(LINE_END);
    }
}

/// True if `bytes` holds a `"`. Looks at 16 bytes at a time without branching inside a block,
/// which compiles to vector compares: the Path and Detail of every event go through here.
fn has_quote(bytes: &[u8]) -> bool {
    let mut blocks = bytes.chunks_exact(16);
    let found = blocks
        .by_ref()
        .any(|block| block.iter().fold(false, |seen, &b| seen | (b == b'"')));
    found || blocks.remainder().contains(&b'"')
}

/// False for columns whose text never contains a `"`: numbers, times and fixed names.
fn may_quote(column: Column) -> bool {
    matches!(
        column,
        Column::ProcessName
            | Column::Path
            | Column::Detail
            | Column::ImagePath
            | Column::Company
            | Column::Description
            | Column::Version
            | Column::User
            | Column::CommandLine
            | Column::Integrity
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_has_bom_quotes_and_crlf() {
        let mut out = String::new();
        write_header(
            &[Column::TimeOfDay, Column::DateTime, Column::Pid],
            &mut out,
        );
        assert_eq!(
            out.as_bytes(),
            b"\xEF\xBB\xBF\"Time of Day\",\"Date & Time\",\"PID\"\r\n"
        );
    }

    #[test]
    fn quotes_are_found_wherever_they_are() {
        assert!(!has_quote(b""));
        for len in [1, 15, 16, 17, 40] {
            let mut bytes = vec![b'a'; len];
            assert!(!has_quote(&bytes));
            for at in 0..len {
                bytes[at] = b'"';
                assert!(has_quote(&bytes), "{len} {at}");
                bytes[at] = b'a';
            }
        }
    }

    #[test]
    fn quotes_are_doubled_and_line_breaks_kept() {
        let mut out = String::new();
        write_field("\"C:\\a b.exe\" -x \"\"", &mut out);
        assert_eq!(out, "\"\"\"C:\\a b.exe\"\" -x \"\"\"\"\"");
        out.clear();
        write_field("Environment: \r;\t=::=::\\", &mut out);
        assert_eq!(out, "\"Environment: \r;\t=::=::\\\"");
        out.clear();
        write_field("", &mut out);
        assert_eq!(out, "\"\"");
    }
}
