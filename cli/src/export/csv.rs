//! CSV exactly as Process Monitor exports it (see `pml_parser::render::csv`).

use std::io::Write;
use std::ops::Range;
use std::sync::Mutex;

use anyhow::{Context, Result};
use pml_parser::render::csv::{write_header, RecordWriter};

use super::{Job, Part, Written};

/// Bytes reserved for the records of a chunk when no written chunk's buffer is free: more than
/// a chunk of 27-column records takes, so that it never grows (and copies itself) while
/// rendering. Pages of it that are not written are not allocated.
const CHUNK_BYTES: usize = super::CHUNK_EVENTS as usize * 1024;

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
    // Buffers of written chunks, reused so that rendering does not fault in fresh memory.
    let spare: Mutex<Vec<String>> = Mutex::new(Vec::new());
    let mut written = Written::default();
    job.ordered_chunks(
        |part, range| {
            let text = spare
                .lock()
                .ok()
                .and_then(|mut s| s.pop())
                .unwrap_or_else(|| String::with_capacity(CHUNK_BYTES));
            render(job, part, range, text)
        },
        |mut chunk| {
            written.events += chunk.events;
            written.unreadable += chunk.unreadable;
            out.write_all(chunk.text.as_bytes())
                .context("cannot write")?;
            chunk.text.clear();
            if let Ok(mut spare) = spare.lock() {
                spare.push(chunk.text);
            }
            Ok(())
        },
    )?;
    Ok(written)
}

/// Renders the records of the events in `range` into `text` (empty, perhaps with capacity).
fn render(job: &Job, part: &Part, range: Range<u64>, text: String) -> Chunk {
    let mut records = RecordWriter::new(&part.renderer, &job.columns);
    let mut chunk = Chunk {
        text,
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
