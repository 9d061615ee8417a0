//! JSON Lines: one object per event, `{"index": N, "<column name>": "<rendered text>", ...}`,
//! keys in the order of the chosen columns, values exactly as in the CSV export.

use std::io::Write;
use std::path::Path;

use anyhow::{Context, Result};
use pml_parser::{Column, ColumnRenderer, Event};

use super::Written;
use crate::output::AtomicFile;
use crate::progress::Progress;
use crate::scan::Query;

/// Writes the events that pass `query` to `path`, one JSON object per line.
pub fn write_file(
    query: &Query<'_>,
    columns: &[Column],
    path: &Path,
    progress: &Progress,
) -> Result<Written> {
    let mut file = AtomicFile::create(path)?;
    let mut written = Written::default();
    query.run_ordered(
        1 << 14,
        progress,
        |part, range| {
            let mut bytes = Vec::new();
            let mut cell = String::new();
            let mut events = 0;
            let stats = query.for_each_match(part, range, |part, index, event| {
                events += 1;
                write_event(&mut bytes, index, event, columns, &part.renderer, &mut cell)
            })?;
            Ok((bytes, events, stats.unreadable))
        },
        |(bytes, events, unreadable)| {
            written.events += events;
            written.unreadable += unreadable;
            file.write_all(&bytes)
                .with_context(|| format!("cannot write {}", path.display()))?;
            Ok(true)
        },
    )?;
    file.commit()?;
    Ok(written)
}

/// Appends one event as a JSON object and a newline; `cell` is a scratch buffer.
pub fn write_event(
    out: &mut Vec<u8>,
    index: u64,
    event: &Event<'_>,
    columns: &[Column],
    renderer: &ColumnRenderer,
    cell: &mut String,
) -> Result<()> {
    write!(out, "{{\"index\":{index}")?;
    for &column in columns {
        cell.clear();
        renderer.write(event, column, cell);
        out.push(b',');
        serde_json::to_writer(&mut *out, column.name())?;
        out.push(b':');
        serde_json::to_writer(&mut *out, cell.as_str())?;
    }
    out.extend_from_slice(b"}\n");
    Ok(())
}

/// Appends a summary row as a JSON object keyed by the table's column names, in column order.
pub fn write_row(
    out: &mut Vec<u8>,
    columns: &[(String, pml_analyzer::summary::ValueType)],
    row: &[pml_analyzer::summary::Value],
) -> Result<()> {
    out.push(b'{');
    for (i, ((name, _), value)) in columns.iter().zip(row).enumerate() {
        if i > 0 {
            out.push(b',');
        }
        serde_json::to_writer(&mut *out, name)?;
        out.push(b':');
        serde_json::to_writer(&mut *out, &value.to_json())?;
    }
    out.extend_from_slice(b"}\n");
    Ok(())
}
