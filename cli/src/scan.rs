//! Parallel passes over the events of the inputs with the filter applied, results in order.

use std::ops::Range;

use anyhow::Result;
use pml_analyzer::filter::{Filter, Matcher, Scratch};
use pml_parser::Event;

use crate::inputs::{Inputs, Part};
use crate::ordered::render_in_order;
use crate::progress::Progress;

/// Chunks rendered ahead of the writer, per thread: a rendered chunk (text, or a Parquet row
/// group whose pages polars compresses only when it writes them) is held until written, so few
/// are in flight.
const CHUNKS_PER_THREAD: usize = 2;

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
        let mut scratch = Scratch::default();
        let unreadable =
            self.matchers[part_no].scan(&part.capture, range, &mut scratch, |index, event| {
                f(part, part.global(index), event)
            })?;
        Ok(ChunkStats { unreadable })
    }

    /// Runs `work` over chunks of `chunk` events in parallel and gives the results to `sink` in
    /// event order while the workers go on (see [`render_in_order`]); stops early when `sink`
    /// returns `false`. A chunk's pages are released once `sink` is done with it: a sink may
    /// read its events again (summaries, `filter`).
    pub fn run_ordered<T: Send>(
        &self,
        chunk: u64,
        progress: &Progress,
        work: impl Fn(usize, Range<u64>) -> Result<T> + Sync,
        mut sink: impl FnMut(T) -> Result<bool>,
    ) -> Result<()> {
        let chunks = self.inputs.chunks(chunk);
        let window = rayon::current_num_threads().max(1) * CHUNKS_PER_THREAD;
        render_in_order(
            &chunks,
            window,
            |(part, range)| {
                let done = work(*part, range.clone());
                progress.add(range.end - range.start);
                (*part, range.clone(), done)
            },
            |(part, range, done)| {
                let go_on = sink(done?)?;
                self.inputs.parts()[part].capture.release(range);
                Ok(go_on)
            },
        )
    }
}

/// Reports unreadable events once, on stderr.
pub fn warn_unreadable(unreadable: u64) -> bool {
    if unreadable > 0 {
        eprintln!("pml: warning: {unreadable} events could not be read and were skipped");
    }
    unreadable > 0
}
