//! Parallel passes over the events of the inputs with the filter applied, results in order.

use std::ops::Range;

use anyhow::Result;
use pml_analyzer::filter::{Filter, Matcher, Scratch};
use pml_parser::Event;
use rayon::prelude::*;

use crate::inputs::{Inputs, Part};
use crate::progress::Progress;

/// The filter prepared for each file of the inputs.
pub struct Query<'a> {
    inputs: &'a Inputs,
    matchers: Vec<Matcher>,
}

/// What a pass over a chunk sees: unreadable events are counted, not fatal.
#[derive(Debug, Default, Clone, Copy)]
pub struct ChunkStats {
    /// Events that could not be read.
    pub unreadable: u64,
}

impl<'a> Query<'a> {
    /// Prepares `filter` for every file of `inputs`.
    pub fn new(inputs: &'a Inputs, filter: &Filter) -> Query<'a> {
        let matchers = inputs
            .parts()
            .iter()
            .map(|p| Matcher::new(filter, &p.capture, p.renderer.clone()))
            .collect();
        Query { inputs, matchers }
    }

    /// The inputs the query reads.
    pub fn inputs(&self) -> &'a Inputs {
        self.inputs
    }

    /// Calls `f(part, global index, event)` for each event of a chunk that passes the filter.
    pub fn for_each_match<'s>(
        &'s self,
        part_no: usize,
        range: Range<u64>,
        mut f: impl FnMut(&'s Part, u64, &Event<'s>) -> Result<()>,
    ) -> Result<ChunkStats> {
        let part = &self.inputs.parts()[part_no];
        let matcher = &self.matchers[part_no];
        let mut scratch = Scratch::default();
        let mut stats = ChunkStats::default();
        let capture = &part.capture;
        capture.prefetch(range.clone());
        for index in range {
            // A known verdict for the event's process spares decoding the event.
            if let Some(false) =
                process_index(capture, index).and_then(|p| matcher.process_verdict(p))
            {
                continue;
            }
            match capture.event(index) {
                Ok(e) => {
                    if matcher.matches(&e, &mut scratch) {
                        f(part, part.global(index), &e)?;
                    }
                }
                Err(_) => stats.unreadable += 1,
            }
        }
        Ok(stats)
    }

    /// Runs `work` over chunks of `chunk` events in parallel, a few chunks at a time, and gives
    /// the results to `sink` in event order; stops early when `sink` returns `false`.
    pub fn run_ordered<T: Send>(
        &self,
        chunk: u64,
        progress: &Progress,
        work: impl Fn(usize, Range<u64>) -> Result<T> + Sync,
        mut sink: impl FnMut(T) -> Result<bool>,
    ) -> Result<()> {
        let chunks = self.inputs.chunks(chunk);
        let batch = rayon::current_num_threads().max(1) * 2;
        for group in chunks.chunks(batch) {
            let results: Vec<Result<T>> = group
                .par_iter()
                .map(|(part, range)| {
                    let r = work(*part, range.clone());
                    progress.add(range.end - range.start);
                    r
                })
                .collect();
            for r in results {
                if !sink(r?)? {
                    return Ok(());
                }
            }
        }
        Ok(())
    }
}

/// The process index of event `index` (the first field of its record), read without decoding
/// the event; `None` when the record is out of the file.
fn process_index(capture: &pml_parser::Capture, index: u64) -> Option<u32> {
    let at = usize::try_from(capture.event_offset(index).ok()?).ok()?;
    let bytes = capture.data().get(at..at.checked_add(4)?)?;
    Some(u32::from_le_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]))
}

/// Reports unreadable events once, on stderr.
pub fn warn_unreadable(unreadable: u64) -> bool {
    if unreadable > 0 {
        eprintln!("pml: warning: {unreadable} events could not be read and were skipped");
    }
    unreadable > 0
}
