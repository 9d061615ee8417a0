//! Writers of `pml export`, one module per output format, and what they share: the captures
//! with their renderers, the chosen columns, and an ordered parallel walk over the events.
//!
//! A format is a module with a `write(job, file) -> Result<Written>` function, registered in
//! `cmd::export::Format` and dispatched in `cmd::export::run`. CSV is here; Parquet
//! (`parquet.rs`) and JSON Lines (`jsonl.rs`) write the events that pass a filter
//! (`crate::scan::Query`), as does CSV when a filter is given.

pub mod csv;
pub mod csv_filtered;
pub mod jsonl;
pub mod parquet;

use std::ops::Range;

use anyhow::{bail, Result};
use pml_parser::{Capture, Column, ColumnRenderer};

use crate::ordered::render_in_order;

/// Events rendered per parallel task.
const CHUNK_EVENTS: u64 = 4096;
/// Chunks per thread rendered ahead of the writer.
const CHUNKS_PER_THREAD: usize = 4;

/// One input file and the renderer of its events.
pub struct Part {
    /// The capture.
    pub capture: Capture,
    /// Renders its columns (time zone chosen, Relative Time from the first part's first event).
    pub renderer: ColumnRenderer,
}

/// What to export: the parts of one capture, in order, and the columns.
pub struct Job {
    /// The input files, in event order.
    pub parts: Vec<Part>,
    /// The columns, in output order.
    pub columns: Vec<Column>,
}

/// What a writer wrote.
#[derive(Debug, Default, Clone, Copy)]
pub struct Written {
    /// Events written.
    pub events: u64,
    /// Events that could not be read and were left out.
    pub unreadable: u64,
}

impl Job {
    /// Renders chunks of events in parallel with `render` and hands the results to `write` in
    /// event order (see [`render_in_order`]); each chunk's pages are released once rendered.
    pub fn ordered_chunks<T: Send>(
        &self,
        render: impl Fn(&Part, Range<u64>) -> T + Sync,
        mut write: impl FnMut(T) -> Result<()>,
    ) -> Result<()> {
        let chunks: Vec<(&Part, Range<u64>)> = self
            .parts
            .iter()
            .flat_map(|part| {
                let n = part.capture.event_count();
                (0..n.div_ceil(CHUNK_EVENTS))
                    .map(move |c| (part, c * CHUNK_EVENTS..((c + 1) * CHUNK_EVENTS).min(n)))
            })
            .collect();
        render_in_order(
            &chunks,
            rayon::current_num_threads() * CHUNKS_PER_THREAD,
            |(part, range)| {
                let rendered = render(part, range.clone());
                part.capture.release(range.clone());
                rendered
            },
            |rendered| write(rendered).map(|()| true),
        )
    }
}

/// `default` (ProcMon's 7 default columns), `all` (the 27, in ProcMon's full-export order) or a
/// comma-separated list of column names (case-insensitive).
pub fn parse_columns(text: &str) -> Result<Vec<Column>> {
    match text.trim().to_ascii_lowercase().as_str() {
        "default" => return Ok(Column::DEFAULT.to_vec()),
        "all" => return Ok(Column::ALL.to_vec()),
        _ => {}
    }
    let mut columns = Vec::new();
    for name in text.split(',') {
        match Column::from_name(name) {
            Some(column) => columns.push(column),
            None => {
                let known: Vec<&str> = Column::ALL.iter().map(|c| c.name()).collect();
                bail!(
                    "unknown column {:?} in --columns; use default, all, or names among: {}",
                    name.trim(),
                    known.join(", ")
                );
            }
        }
    }
    Ok(columns)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn column_lists() {
        assert_eq!(parse_columns("default").unwrap(), Column::DEFAULT);
        assert_eq!(parse_columns(" ALL ").unwrap(), Column::ALL);
        assert_eq!(
            parse_columns("time of day, PID,Date & Time").unwrap(),
            [Column::TimeOfDay, Column::Pid, Column::DateTime]
        );
        let err = parse_columns("PID,Colour").unwrap_err().to_string();
        assert!(err.contains("\"Colour\""), "{err}");
        assert!(parse_columns("PID,").is_err());
    }
}
