//! CSV exactly as Process Monitor exports it (see `pml_parser::render::csv`).

use std::io::Write;
use std::sync::Mutex;

use pml_parser::render::csv::{write_header, RecordWriter};
use pml_parser::Chunk;

use crate::error::Result;
use crate::{Export, Written};

/// Events rendered per parallel task when every event is written.
const CHUNK_EVENTS: u64 = 4096;
/// Chunks per thread rendered ahead of the writer when every event is written.
const CHUNKS_PER_THREAD: usize = 4;
/// Events per parallel task through a filter (most may not pass).
const FILTERED_CHUNK_EVENTS: u64 = 1 << 14;

/// Bytes reserved for the records of a chunk when no written chunk's buffer is free: more than
/// a chunk of 27-column records takes, so that it never grows (and copies itself) while
/// rendering. Pages of it that are not written are not allocated.
const CHUNK_BYTES: usize = CHUNK_EVENTS as usize * 1024;

/// A rendered chunk of records.
struct Rendered {
    text: String,
    events: u64,
    unreadable: u64,
}

/// Writes the header and a record per event that passes the export's query to `out`.
pub(crate) fn write(export: &Export<'_, '_>, out: &mut (impl Write + Send)) -> Result<Written> {
    let mut header = String::new();
    write_header(&export.columns, &mut header);
    out.write_all(header.as_bytes())?;
    if export.query.passes_everything() {
        write_all_events(export, out)
    } else {
        write_matches(export, out)
    }
}

/// Every event: rendered straight from the chunks, with buffers reused.
fn write_all_events(export: &Export<'_, '_>, out: &mut (impl Write + Send)) -> Result<Written> {
    let capture = export.query.capture();
    // Buffers of written chunks, reused so that rendering does not fault in fresh memory.
    let spare: Mutex<Vec<String>> = Mutex::new(Vec::new());
    let mut written = Written::default();
    capture
        .pass()
        .chunk_events(CHUNK_EVENTS)
        .ahead_per_thread(CHUNKS_PER_THREAD)
        .progress(export.progress)
        .run(
            |chunk: &Chunk| {
                let text = spare
                    .lock()
                    .ok()
                    .and_then(|mut s| s.pop())
                    .unwrap_or_else(|| String::with_capacity(CHUNK_BYTES));
                let part = chunk.part_of(capture);
                let mut records = RecordWriter::new(part.renderer(), &export.columns);
                let mut rendered = Rendered {
                    text,
                    events: 0,
                    unreadable: 0,
                };
                for event in chunk.events(capture) {
                    match &event {
                        Ok(event) => {
                            records.write(event, &mut rendered.text);
                            rendered.events += 1;
                        }
                        Err(_) => rendered.unreadable += 1,
                    }
                }
                rendered
            },
            |_, mut rendered| {
                written.events += rendered.events;
                written.unreadable += rendered.unreadable;
                out.write_all(rendered.text.as_bytes())?;
                rendered.text.clear();
                if let Ok(mut spare) = spare.lock() {
                    spare.push(rendered.text);
                }
                Ok::<bool, crate::Error>(true)
            },
        )?;
    Ok(written)
}

/// The events that pass a filter.
fn write_matches(export: &Export<'_, '_>, out: &mut (impl Write + Send)) -> Result<Written> {
    let query = export.query;
    let mut written = Written::default();
    query.run(
        FILTERED_CHUNK_EVENTS,
        export.progress,
        |chunk| {
            let mut text = String::new();
            let mut events = 0;
            let part = chunk.part_of(query.capture());
            let mut records = RecordWriter::new(part.renderer(), &export.columns);
            let unreadable = query.for_each_match(chunk, |_, _, event| {
                records.write(event, &mut text);
                events += 1;
                Ok::<(), crate::Error>(())
            })?;
            Ok(Rendered {
                text,
                events,
                unreadable,
            })
        },
        |rendered| {
            written.events += rendered.events;
            written.unreadable += rendered.unreadable;
            out.write_all(rendered.text.as_bytes())?;
            Ok::<bool, crate::Error>(true)
        },
    )?;
    Ok(written)
}
