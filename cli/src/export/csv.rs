//! CSV exactly as Process Monitor exports it (see `pml_parser::render::csv`).

use std::io::Write;
use std::ops::Range;

use anyhow::{Context, Result};
use pml_parser::render::csv::{write_header, RecordWriter};

use super::{Job, Part, Written};

/// A rendered chunk of records.
struct Chunk {
    text: String,
    events: u64,
    unreadable: u64,
}

/// Writes the header and a record per readable event of `job` to `out`.
pub fn write(job: &Job, out: &mut (impl Write + Send)) -> Result<Written> {
    let mut header = String::new();
    write_header(&job.columns, &mut header);
    out.write_all(header.as_bytes()).context("cannot write")?;
    let mut written = Written::default();
    job.ordered_chunks(
        |part, range| render(job, part, range),
        |chunk| {
            written.events += chunk.events;
            written.unreadable += chunk.unreadable;
            out.write_all(chunk.text.as_bytes()).context("cannot write")
        },
    )?;
    Ok(written)
}

fn render(job: &Job, part: &Part, range: Range<u64>) -> Chunk {
    let mut records = RecordWriter::new(&part.renderer, &job.columns);
    let mut chunk = Chunk {
        // A guess of 24 bytes per cell; the string grows when cells are longer.
        text: String::with_capacity((range.end - range.start) as usize * 24 * job.columns.len()),
        events: 0,
        unreadable: 0,
    };
    for event in part.capture.events_in(range) {
        match event {
            Ok(event) => {
                records.write(&event, &mut chunk.text);
                chunk.events += 1;
            }
            Err(_) => chunk.unreadable += 1,
        }
    }
    chunk
}
