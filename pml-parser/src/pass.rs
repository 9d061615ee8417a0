//! The streaming engine of every pass over a capture: the events cut into chunks, each chunk
//! mapped on one thread per core, the results delivered in event order on the calling thread
//! while the workers go on, the pages of what was read released, and event headers prefetched.
//!
//! ```no_run
//! # fn main() -> pml_parser::Result<()> {
//! use pml_parser::{OpenOptions, SplitCapture};
//!
//! let capture = SplitCapture::open("Log.PML", OpenOptions::new())?;
//! let mut errors = 0;
//! capture.pass().for_each(
//!     |chunk| {
//!         let events = chunk.events(&capture);
//!         events.filter(|e| e.as_ref().is_ok_and(|e| e.result() != 0)).count()
//!     },
//!     |_chunk, count| errors += count,
//! );
//! println!("{errors} events did not succeed");
//! # Ok(())
//! # }
//! ```
//!
//! A worker never runs further ahead of the calling thread than a window of chunks, so memory
//! stays bounded whatever the size of the capture, and no worker waits for the others to finish
//! a batch.

use std::collections::BTreeMap;
use std::ops::Range;
use std::sync::mpsc;
use std::sync::{Condvar, Mutex, MutexGuard};

use crate::capture::Capture;
use crate::error::Result;
use crate::event::Event;
use crate::split::{Part, SplitCapture};

/// Consecutive events of one part of a [`SplitCapture`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Chunk {
    /// The part's number (its position in time order).
    pub part: usize,
    /// The events, as indices within the part.
    pub range: Range<u64>,
    /// Global index of the chunk's first event.
    pub first_index: u64,
}

impl Chunk {
    /// Event `local` of the chunk's part, numbered globally.
    #[inline]
    pub fn global(&self, local: u64) -> u64 {
        self.first_index + (local - self.range.start)
    }

    /// Number of events in the chunk.
    #[inline]
    pub fn len(&self) -> u64 {
        self.range.end - self.range.start
    }

    /// True when the chunk holds no event.
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.range.is_empty()
    }

    /// The chunk's part of `capture`.
    #[inline]
    pub fn part_of<'c>(&self, capture: &'c SplitCapture) -> &'c Part {
        &capture.parts()[self.part]
    }

    /// The chunk's events, in order, their headers prefetched ahead of the reads; an unreadable
    /// event is an error and the iteration goes on.
    pub fn events<'c>(
        &self,
        capture: &'c SplitCapture,
    ) -> impl Iterator<Item = Result<Event<'c>>> + 'c {
        let part = self.part_of(capture).capture();
        prefetched(part, self.range.clone()).map(move |i| part.event(i))
    }
}

/// How far ahead of the event being read a pass asks the CPU to load event headers: the
/// records sit at their own offsets in a file larger than the caches.
pub const PREFETCH_AHEAD: u64 = 16;

/// The indices of `range`, each yielded after the header of the event [`PREFETCH_AHEAD`] further
/// on was asked into the cache (within `range`).
pub fn prefetched(capture: &Capture, range: Range<u64>) -> impl Iterator<Item = u64> + '_ {
    let end = range.end;
    range.inspect(move |&index| {
        if index + PREFETCH_AHEAD < end {
            capture.prefetch_event(index + PREFETCH_AHEAD);
        }
    })
}

/// Told how many events a pass has done; implemented by progress bars, and by `()` for none.
pub trait Progress: Sync {
    /// `events` more events were mapped.
    fn advance(&self, events: u64);
}

impl Progress for () {
    fn advance(&self, _events: u64) {}
}

/// Events a chunk holds by default: small enough to spread a few thousand events evenly over
/// the cores, large enough that handing a chunk over costs nothing next to mapping it.
pub const CHUNK_EVENTS: u64 = 4096;

/// Bytes of the capture a chunk spans at the most (one event always fits): with paths of 32,767
/// characters, 4,096 events render to 270 MB, and several chunks are in flight at once.
pub const CHUNK_BYTES: u64 = 8 << 20;

/// Chunks per thread mapped ahead of the calling thread by default.
pub const AHEAD_PER_THREAD: usize = 4;

/// Events whose pages are released at once, at the least (and at the end of each part):
/// releasing chunk by chunk would unmap a few hundred kilobytes at a time, each time flushing
/// the TLB of every core.
pub const RELEASE_SPAN: u64 = 1 << 18;

/// Bytes of the capture whose pages are released at once, at the least, when fewer than
/// [`RELEASE_SPAN`] events span them (huge events: long paths, deep stacks).
pub const RELEASE_BYTES: u64 = 32 << 20;

/// One pass over the events of a capture; see the [module](self) documentation.
#[must_use = "a pass does nothing until it is run"]
pub struct Pass<'c> {
    capture: &'c SplitCapture,
    chunk_events: u64,
    ahead_per_thread: usize,
    progress: &'c dyn Progress,
}

impl SplitCapture {
    /// A pass over all events, with the default chunk size and window.
    pub fn pass(&self) -> Pass<'_> {
        Pass {
            capture: self,
            chunk_events: CHUNK_EVENTS,
            ahead_per_thread: AHEAD_PER_THREAD,
            progress: &(),
        }
    }
}

impl<'c> Pass<'c> {
    /// Events per chunk (at least 1).
    pub fn chunk_events(mut self, events: u64) -> Pass<'c> {
        self.chunk_events = events.max(1);
        self
    }

    /// Chunks each thread may map ahead of the calling thread (at least 1): what is mapped is
    /// held until delivered, so large results want few.
    pub fn ahead_per_thread(mut self, chunks: usize) -> Pass<'c> {
        self.ahead_per_thread = chunks.max(1);
        self
    }

    /// Reports the events mapped to `progress`.
    pub fn progress(mut self, progress: &'c dyn Progress) -> Pass<'c> {
        self.progress = progress;
        self
    }

    /// Runs `map` over every chunk on one thread per core of rayon's pool and hands the results
    /// to `sink` in event order, on the calling thread, while the workers go on.
    ///
    /// `sink` returns whether to go on: `false` (enough output) stops the workers, as does its
    /// first error, which is returned. Once `sink` is done with a chunk, its events may be read
    /// again but their pages leave resident memory (see [`Capture::release`]), in spans of at
    /// least [`RELEASE_SPAN`] events or [`RELEASE_BYTES`] bytes.
    pub fn run<T: Send, E>(
        self,
        map: impl Fn(&Chunk) -> T + Sync,
        mut sink: impl FnMut(&Chunk, T) -> std::result::Result<bool, E>,
    ) -> std::result::Result<(), E> {
        let chunks = self.capture.chunks(self.chunk_events);
        let threads = rayon::current_num_threads().max(1);
        let mut release = Release::new(self.capture);
        // Spans whose pages are to be released: the workers release them between chunks, so
        // that the unmapping (and its TLB flushes) stays off the calling thread, which is the
        // bottleneck of a pass that writes its output there.
        let due: Mutex<Vec<(usize, Range<u64>)>> = Mutex::new(Vec::new());
        let release_due = || {
            let spans = std::mem::take(&mut *due.lock().unwrap_or_else(|e| e.into_inner()));
            for (part, span) in spans {
                self.capture.parts()[part].capture().release(span);
            }
        };
        let result = in_order(
            &chunks,
            threads * self.ahead_per_thread,
            |chunk| {
                release_due();
                let mapped = map(chunk);
                self.progress.advance(chunk.len());
                mapped
            },
            |task, mapped| {
                let chunk = &chunks[task];
                let go_on = sink(chunk, mapped)?;
                if let Some(span) = release.done(chunk) {
                    due.lock().unwrap_or_else(|e| e.into_inner()).push(span);
                }
                Ok(go_on)
            },
        );
        release_due();
        result
    }

    /// [`Pass::run`] with a sink that takes every result and cannot fail.
    pub fn for_each<T: Send>(
        self,
        map: impl Fn(&Chunk) -> T + Sync,
        mut sink: impl FnMut(&Chunk, T),
    ) {
        let done = self.run(map, |chunk, mapped| {
            sink(chunk, mapped);
            Ok::<bool, std::convert::Infallible>(true)
        });
        if let Err(never) = done {
            match never {}
        }
    }
}

/// Which pages of delivered chunks are due for release, part by part, in spans.
struct Release<'c> {
    capture: &'c SplitCapture,
    /// Per part: events up to here are released.
    released: Vec<u64>,
}

impl<'c> Release<'c> {
    fn new(capture: &'c SplitCapture) -> Release<'c> {
        Release {
            capture,
            released: vec![0; capture.parts().len()],
        }
    }

    /// The span of `chunk`'s part to release now that `chunk` is delivered, if one is due.
    fn done(&mut self, chunk: &Chunk) -> Option<(usize, Range<u64>)> {
        let part = chunk.part_of(self.capture).capture();
        let from = self.released[chunk.part];
        let to = chunk.range.end;
        let bytes = || match (part.event_offset(from), part.event_offset(to - 1)) {
            (Ok(first), Ok(last)) => last.saturating_sub(first),
            _ => 0,
        };
        if to - from >= RELEASE_SPAN || to == part.event_count() || bytes() >= RELEASE_BYTES {
            self.released[chunk.part] = to;
            Some((chunk.part, from..to))
        } else {
            None
        }
    }
}

/// Runs `map` over `tasks` on one thread per core of rayon's pool size and hands the results to
/// `deliver` with their task number in task order, on the calling thread, while the workers go
/// on. At most `window` results (at least one per thread) are mapped and not yet delivered.
fn in_order<I: Sync, T: Send, E>(
    tasks: &[I],
    window: usize,
    map: impl Fn(&I) -> T + Sync,
    mut deliver: impl FnMut(usize, T) -> std::result::Result<bool, E>,
) -> std::result::Result<(), E> {
    let threads = rayon::current_num_threads().max(1);
    let window = Window::new(tasks.len(), window.max(threads));
    let (sender, receiver) = mpsc::channel::<(usize, T)>();
    std::thread::scope(|scope| {
        for _ in 0..threads {
            let (sender, window, map) = (sender.clone(), &window, &map);
            scope.spawn(move || {
                while let Some(task) = window.claim() {
                    if sender.send((task, map(&tasks[task]))).is_err() {
                        break;
                    }
                }
            });
        }
        drop(sender);
        let delivered = deliver_in_order(receiver, &window, &mut deliver);
        window.stop();
        delivered
    })
}

/// Delivers the results that arrive, in any order, in task order.
fn deliver_in_order<T, E>(
    receiver: mpsc::Receiver<(usize, T)>,
    window: &Window,
    deliver: &mut impl FnMut(usize, T) -> std::result::Result<bool, E>,
) -> std::result::Result<(), E> {
    let mut ready = BTreeMap::new();
    let mut next = 0;
    for (task, result) in receiver {
        ready.insert(task, result);
        while let Some(result) = ready.remove(&next) {
            if !deliver(next, result)? {
                return Ok(());
            }
            next += 1;
            window.advance();
        }
    }
    Ok(())
}

/// Which task is next to map and how far delivery has got.
struct Window {
    state: Mutex<Cursor>,
    /// Signalled when delivery advances or stops.
    moved: Condvar,
    tasks: usize,
    size: usize,
}

struct Cursor {
    /// The next task to hand to a worker.
    next: usize,
    /// Tasks delivered.
    delivered: usize,
    /// Set when delivery stops, on error or at the end.
    stopped: bool,
}

impl Window {
    fn new(tasks: usize, size: usize) -> Window {
        Window {
            state: Mutex::new(Cursor {
                next: 0,
                delivered: 0,
                stopped: false,
            }),
            moved: Condvar::new(),
            tasks,
            size,
        }
    }

    fn lock(&self) -> MutexGuard<'_, Cursor> {
        // The lock guards plain counters, which a panic cannot leave inconsistent.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The next task to map, once it is within the window of delivery; `None` when all tasks
    /// are handed out or delivery stopped.
    fn claim(&self) -> Option<usize> {
        let mut state = self.lock();
        let task = state.next;
        if task >= self.tasks || state.stopped {
            return None;
        }
        state.next += 1;
        while task >= state.delivered + self.size && !state.stopped {
            state = self.moved.wait(state).unwrap_or_else(|e| e.into_inner());
        }
        (!state.stopped).then_some(task)
    }

    /// One more task delivered.
    fn advance(&self) {
        self.lock().delivered += 1;
        self.moved.notify_all();
    }

    /// No more tasks: workers waiting for room give up.
    fn stop(&self) {
        self.lock().stopped = true;
        self.moved.notify_all();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    #[test]
    fn results_are_delivered_in_order_within_the_window() {
        let tasks: Vec<usize> = (0..500).collect();
        let mapped = AtomicUsize::new(0);
        let mut delivered = Vec::new();
        in_order(
            &tasks,
            4,
            |&t| {
                mapped.fetch_add(1, Ordering::SeqCst);
                t * 2
            },
            |task, r| {
                let ahead = mapped.load(Ordering::SeqCst) - delivered.len();
                assert!(ahead <= 4.max(rayon::current_num_threads()), "{ahead}");
                assert_eq!(r, task * 2);
                delivered.push(r);
                Ok::<bool, ()>(true)
            },
        )
        .unwrap();
        assert_eq!(delivered, tasks.iter().map(|t| t * 2).collect::<Vec<_>>());
    }

    /// Runs `in_order` over 10,000 tasks that map to their own number, with a window of 2;
    /// returns its result and how many tasks were mapped.
    fn map_numbers(
        deliver: impl FnMut(usize, usize) -> std::result::Result<bool, String>,
    ) -> (std::result::Result<(), String>, usize) {
        let tasks: Vec<usize> = (0..10_000).collect();
        let mapped = AtomicUsize::new(0);
        let result = in_order(
            &tasks,
            2,
            |&t| {
                mapped.fetch_add(1, Ordering::SeqCst);
                t
            },
            deliver,
        );
        (result, mapped.load(Ordering::SeqCst))
    }

    #[test]
    fn an_error_stops_the_work() {
        let (result, mapped) = map_numbers(|_, t| match t {
            3 => Err("disk full".to_string()),
            _ => Ok(true),
        });
        assert_eq!(result.unwrap_err(), "disk full");
        assert!(mapped < 100);
    }

    #[test]
    fn a_sink_that_has_enough_stops_the_work() {
        let mut delivered = Vec::new();
        let (result, mapped) = map_numbers(|_, t| {
            delivered.push(t);
            Ok(t < 3)
        });
        result.unwrap();
        assert_eq!(delivered, [0, 1, 2, 3]);
        assert!(mapped < 100);
    }

    #[test]
    fn chunk_indices_are_global() {
        let chunk = Chunk {
            part: 1,
            range: 100..200,
            first_index: 1100,
        };
        assert_eq!(chunk.global(100), 1100);
        assert_eq!(chunk.global(150), 1150);
        assert_eq!(chunk.len(), 100);
    }
}
