//! The shape of the line-by-line exports (JSON Lines, XML): chunks of matching events rendered
//! into bytes on all cores, written in event order.

use std::io::Write;

use pml_parser::{Event, Part};

use crate::{Export, Result, Written};

/// Events per parallel task.
const CHUNK_EVENTS: u64 = 1 << 14;

/// Runs the export's query: `render` appends each matching event (its part, its global index)
/// to its chunk's bytes, with `cell` as scratch; the chunks go to `out` in event order.
pub(crate) fn write_events(
    export: &Export<'_, '_>,
    out: &mut (impl Write + Send),
    render: impl Fn(&mut Vec<u8>, &Part, u64, &Event<'_>, &mut String) -> Result<()> + Sync,
) -> Result<Written> {
    let query = export.query;
    let mut written = Written::default();
    query.run(
        CHUNK_EVENTS,
        export.progress,
        |chunk| {
            let mut bytes = Vec::new();
            let mut cell = String::new();
            let mut events = 0;
            let unreadable = query.for_each_match(chunk, |part, index, event| {
                events += 1;
                render(&mut bytes, part, index, event, &mut cell)
            })?;
            Ok((bytes, events, unreadable))
        },
        |(bytes, events, unreadable)| {
            written.events += events;
            written.unreadable += unreadable;
            out.write_all(&bytes)?;
            Ok::<bool, crate::Error>(true)
        },
    )?;
    Ok(written)
}
