//! JSON Lines: one object per event, `{"index": N, "<column name>": "<rendered text>", ...}`,
//! keys in the order of the chosen columns, values exactly as in the CSV export.

use std::io::Write;

use pml_parser::{Column, ColumnRenderer, Event, EventRow};

use crate::error::Result;
use crate::{Export, Written};

/// Writes the events that pass the export's query to `out`, one JSON object per line.
pub(crate) fn write(export: &Export<'_, '_>, out: &mut (impl Write + Send)) -> Result<Written> {
    crate::chunked::write_events(export, out, |bytes, part, index, event, cell| {
        write_event(bytes, index, event, &export.columns, part.renderer(), cell)
    })
}

/// Appends event number `index` as one JSON object of `columns` and a newline; `cell` is a
/// scratch buffer.
pub fn write_event(
    out: &mut Vec<u8>,
    index: u64,
    event: &Event<'_>,
    columns: &[Column],
    renderer: &ColumnRenderer,
    cell: &mut String,
) -> Result<()> {
    write!(out, "{{\"index\":{index}")?;
    // The process is looked up once for all the columns.
    let row = EventRow::new(event);
    for &column in columns {
        cell.clear();
        renderer.write_row(&row, column, cell);
        out.push(b',');
        serde_json::to_writer(&mut *out, column.name())?;
        out.push(b':');
        serde_json::to_writer(&mut *out, cell.as_str())?;
    }
    out.extend_from_slice(b"}\n");
    Ok(())
}
