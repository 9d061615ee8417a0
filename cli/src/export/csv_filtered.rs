//! ProcMon-identical CSV of the events that pass a filter (`pml export --format csv --filter ...`):
//! the same header and records as [`super::csv`], through the filtered scan.

use std::io::Write;
use std::path::Path;

use anyhow::{Context, Result};
use pml_parser::render::csv::{write_header, RecordWriter};
use pml_parser::Column;

use super::Written;
use crate::output::AtomicFile;
use crate::progress::Progress;
use crate::scan::Query;

/// Writes the header and one record per event that passes `query` to `path`.
pub fn write(
    query: &Query<'_>,
    columns: &[Column],
    path: &Path,
    progress: &Progress,
) -> Result<Written> {
    let cannot = || format!("cannot write {}", path.display());
    let mut file = AtomicFile::create(path)?;
    let mut header = String::new();
    write_header(columns, &mut header);
    file.write_all(header.as_bytes()).with_context(cannot)?;
    let mut written = Written::default();
    query.run_ordered(
        1 << 14,
        progress,
        |part_no, range| {
            let mut text = String::new();
            let mut events = 0;
            let part = &query.inputs().parts()[part_no];
            let mut records = RecordWriter::new(&part.renderer, columns);
            let stats = query.for_each_match(part_no, range, |_, _, event| {
                records.write(event, &mut text);
                events += 1;
                Ok(())
            })?;
            Ok((text, events, stats.unreadable))
        },
        |(text, events, unreadable)| {
            written.events += events;
            written.unreadable += unreadable;
            file.write_all(text.as_bytes()).with_context(cannot)?;
            Ok(true)
        },
    )?;
    file.commit()?;
    Ok(written)
}
