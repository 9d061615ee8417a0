//! A filter applied to a whole capture: the events of every part that pass it, in order, on all
//! cores (the passes of `pml events`, the summaries, the filtered exports and `pml filter`).

use pml_parser::{Chunk, Event, Part, Progress, SplitCapture};

use crate::filter::{Filter, Matcher, Scratch};

/// A filter prepared for each part of a capture.
pub struct Query<'c> {
    capture: &'c SplitCapture,
    matchers: Vec<Matcher>,
    everything: bool,
}

impl<'c> Query<'c> {
    /// Prepares `filter` for every part of `capture`, with each part's renderer (its time zone).
    pub fn new(capture: &'c SplitCapture, filter: &Filter) -> Query<'c> {
        let matchers = capture
            .parts()
            .iter()
            .map(|p| Matcher::new(filter, p.capture(), p.renderer().clone()))
            .collect();
        Query {
            capture,
            matchers,
            everything: filter.is_empty(),
        }
    }

    /// True when the filter has no rule: every readable event passes.
    pub fn passes_everything(&self) -> bool {
        self.everything
    }

    /// The capture the query reads.
    pub fn capture(&self) -> &'c SplitCapture {
        self.capture
    }

    /// Calls `f(part, global index, event)` for each event of `chunk` that passes the filter,
    /// in order, and returns how many events of the chunk could not be read (they are skipped).
    pub fn for_each_match<E>(
        &self,
        chunk: &Chunk,
        mut f: impl FnMut(&'c Part, u64, &Event<'c>) -> Result<(), E>,
    ) -> Result<u64, E> {
        let part = chunk.part_of(self.capture);
        let mut scratch = Scratch::default();
        self.matchers[chunk.part].scan(
            part.capture(),
            chunk.range.clone(),
            &mut scratch,
            |index, event| f(part, part.global(index), event),
        )
    }

    /// Runs `work` over chunks of `chunk_events` events in parallel and gives the results to
    /// `sink` in event order while the workers go on (see [`SplitCapture::pass`]); stops early
    /// when `sink` returns `false`, or at the first error. A few chunks per thread are worked
    /// ahead: a chunk's result (rendered text, a Parquet row group) is held until `sink` takes
    /// it. `sink` may read a chunk's events again; their pages are released after it.
    pub fn run<T: Send, E: Send>(
        &self,
        chunk_events: u64,
        progress: &dyn Progress,
        work: impl Fn(&Chunk) -> Result<T, E> + Sync,
        mut sink: impl FnMut(T) -> Result<bool, E>,
    ) -> Result<(), E> {
        self.capture
            .pass()
            .chunk_events(chunk_events)
            .ahead_per_thread(CHUNKS_PER_THREAD)
            .progress(progress)
            .run(work, |_, done| sink(done?))
    }
}

impl<'c> Query<'c> {
    /// Calls `f(part, event)` on the calling thread for every event that passes, in event
    /// order: the filter runs on all cores, and the events that pass are read again in order.
    /// `f` returns whether to go on; its first error stops the pass. Returns how many events
    /// could not be read.
    pub fn for_each_in_order<E: Send>(
        &self,
        chunk_events: u64,
        progress: &dyn Progress,
        mut f: impl FnMut(&'c Part, &Event<'c>) -> Result<bool, E>,
    ) -> Result<u64, E> {
        let mut unreadable = 0;
        self.run(
            chunk_events,
            progress,
            |chunk| {
                let mut hits = Vec::new();
                let bad = self.for_each_match(chunk, |_, _, e| {
                    hits.push(e.index());
                    Ok::<(), E>(())
                })?;
                Ok((chunk.part, hits, bad))
            },
            |(part, hits, bad)| {
                unreadable += bad;
                let part = &self.capture.parts()[part];
                for index in hits {
                    match &part.capture().event(index) {
                        Ok(event) => {
                            if !f(part, event)? {
                                return Ok(false);
                            }
                        }
                        Err(_) => unreadable += 1,
                    }
                }
                Ok(true)
            },
        )?;
        Ok(unreadable)
    }
}

/// Chunks worked ahead of the sink, per thread.
const CHUNKS_PER_THREAD: usize = 2;
