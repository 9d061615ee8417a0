//! A filtered pass over a capture that yields Arrow record batches: collected on the calling
//! thread, or streamed from a thread of its own through a bounded channel (the Arrow C stream
//! that pyarrow, polars and DuckDB read).

use std::sync::mpsc::{sync_channel, Receiver};
use std::sync::Arc;

use arrow_array::{RecordBatch, RecordBatchReader};
use arrow_schema::{ArrowError, SchemaRef};
use pml_analyzer::filter::Filter;
use pml_analyzer::Query;
use pml_parser::{Progress, SplitCapture};

use crate::batch::{schema, Batch};
use crate::columns::Spec;

/// Events per chunk (one record batch each at most): enough chunks to keep every core busy,
/// few enough that a batch is worth handing over.
const MIN_CHUNK: u64 = 1 << 14;
const MAX_CHUNK: u64 = 1 << 16;

/// Rows a batch makes room for at first when a filter chooses the events.
const FILTERED_ROWS: u64 = 1024;

/// Record batches waiting for a slow reader of a stream, beyond those the workers hold.
const STREAM_BACKLOG: usize = 2;

/// What to read: the capture, the filter, the columns, at most how many events.
pub struct Scan {
    /// The capture (shared with the `Capture` object, which may be closed meanwhile).
    pub capture: Arc<SplitCapture>,
    /// The events that pass.
    pub filter: Filter,
    /// The output columns.
    pub specs: Vec<Spec>,
    /// The zone of the timestamp columns.
    pub tz: String,
    /// At most this many events.
    pub limit: Option<u64>,
}

impl Scan {
    /// The schema of every batch.
    pub fn schema(&self) -> SchemaRef {
        schema(&self.specs, &self.tz)
    }

    /// Gives the record batches of the events that pass to `sink` in event order until it
    /// returns `false` or the limit is reached; the batches are built on all cores. Returns how
    /// many events could not be read (they are left out).
    pub fn run(
        &self,
        progress: &dyn Progress,
        mut sink: impl FnMut(RecordBatch) -> bool,
    ) -> Result<u64, ArrowError> {
        let mut remaining = self.limit.unwrap_or(u64::MAX);
        if remaining == 0 {
            return Ok(0);
        }
        let capture = &*self.capture;
        let query = Query::new(capture, &self.filter);
        let first = capture.first_time().unwrap_or_default();
        let schema = self.schema();
        let threads = rayon::current_num_threads() as u64;
        let chunk = (capture.event_count() / (threads * 4).max(1)).clamp(MIN_CHUNK, MAX_CHUNK);
        let mut unreadable = 0;
        // Room for every event of a chunk when all pass; a filter usually keeps few, and the
        // builders grow when it keeps more.
        let expected = |events: u64| {
            if self.filter.is_empty() {
                events
            } else {
                events.min(FILTERED_ROWS)
            }
        };
        let work = |chunk: &pml_parser::Chunk| -> Result<(RecordBatch, u64), ArrowError> {
            let mut batch =
                Batch::new(&self.specs, expected(chunk.len()) as usize, &self.tz, first);
            let bad = query.for_each_match(chunk, |part, index, event| {
                batch.push(index, event, part.renderer());
                Ok::<(), ArrowError>(())
            })?;
            Ok((batch.finish(schema.clone())?, bad))
        };
        query.run(chunk, progress, work, |(batch, bad)| {
            unreadable += bad;
            let rows = batch.num_rows() as u64;
            if rows == 0 {
                return Ok(true);
            }
            let take = rows.min(remaining);
            remaining -= take;
            let batch = if take < rows {
                batch.slice(0, take as usize)
            } else {
                batch
            };
            Ok(sink(batch) && remaining > 0)
        })?;
        Ok(unreadable)
    }

    /// The batches as a stream read on another thread: at most a few batches are held ahead
    /// of the reader, and dropping the stream stops the pass.
    pub fn stream(self: Arc<Self>) -> Stream {
        let (tx, rx) = sync_channel(STREAM_BACKLOG);
        let schema = self.schema();
        std::thread::spawn(move || {
            if let Err(e) = self.run(&(), |batch| tx.send(Ok(batch)).is_ok()) {
                let _ = tx.send(Err(e));
            }
        });
        Stream { schema, rx }
    }
}

/// Record batches arriving from a scan on another thread.
pub struct Stream {
    schema: SchemaRef,
    rx: Receiver<Result<RecordBatch, ArrowError>>,
}

impl Iterator for Stream {
    type Item = Result<RecordBatch, ArrowError>;

    fn next(&mut self) -> Option<Self::Item> {
        self.rx.recv().ok()
    }
}

impl RecordBatchReader for Stream {
    fn schema(&self) -> SchemaRef {
        self.schema.clone()
    }
}
