//! What a capture holds at a glance: events per class, time span, unreadable events, and
//! events over time per class (the histogram of `pml report`). What `pml info` prints.

use std::collections::{BTreeMap, HashSet};

use serde::Serialize;

use pml_parser::{Chunk, EventClass, FileTime, SplitCapture};

/// Counts and time span of a capture's events, all parts together.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Overview {
    /// Events in all parts.
    pub events: u64,
    /// Events that could not be read.
    pub unreadable_events: u64,
    /// Readable events per class (by [`EventClass::name`]), classes without events left out.
    pub event_classes: BTreeMap<&'static str, u64>,
    /// Time of the earliest event.
    #[serde(skip)]
    pub first_time: Option<FileTime>,
    /// Time of the latest event.
    #[serde(skip)]
    pub last_time: Option<FileTime>,
}

/// Per-class counts, span and unreadable events of some events; merged in event order.
#[derive(Debug, Default, Clone, Copy)]
struct Tally {
    per_class: [u64; EventClass::ALL.len()],
    unreadable: u64,
    first: Option<FileTime>,
    last: Option<FileTime>,
}

impl Tally {
    fn of(capture: &SplitCapture, chunk: &Chunk) -> Tally {
        let mut t = Tally::default();
        for event in chunk.events(capture) {
            match &event {
                Ok(e) => {
                    t.per_class[e.class() as usize] += 1;
                    t.add_time(e.time());
                }
                Err(_) => t.unreadable += 1,
            }
        }
        t
    }

    fn add_time(&mut self, time: FileTime) {
        self.first = Some(self.first.map_or(time, |f| f.min(time)));
        self.last = Some(self.last.map_or(time, |l| l.max(time)));
    }

    fn merge(&mut self, other: &Tally) {
        for (a, b) in self.per_class.iter_mut().zip(other.per_class) {
            *a += b;
        }
        self.unreadable += other.unreadable;
        for t in [other.first, other.last].into_iter().flatten() {
            self.add_time(t);
        }
    }
}

impl Overview {
    /// Reads every event of `capture` once, on all cores.
    pub fn compute(capture: &SplitCapture) -> Overview {
        let mut total = Tally::default();
        each_chunk(
            capture,
            |chunk| Tally::of(capture, chunk),
            |t| total.merge(&t),
        );
        Overview {
            events: capture.event_count(),
            unreadable_events: total.unreadable,
            event_classes: EventClass::ALL
                .iter()
                .filter(|c| total.per_class[**c as usize] > 0)
                .map(|c| (c.name(), total.per_class[*c as usize]))
                .collect(),
            first_time: total.first,
            last_time: total.last,
        }
    }

    /// Processes of all parts' tables, each counted once (by PID and start time).
    pub fn distinct_processes(capture: &SplitCapture) -> usize {
        capture
            .captures()
            .flat_map(|c| c.processes().iter().map(|p| (p.pid, p.start_time)))
            .collect::<HashSet<_>>()
            .len()
    }
}

/// Events per class over time, in equal buckets of a round number of seconds.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Histogram {
    /// Width of a bucket, in seconds.
    pub bucket_seconds: u64,
    /// Per class with events, its count in each bucket, oldest first.
    pub classes: Vec<ClassSeries>,
}

/// One class's events per bucket.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ClassSeries {
    /// The class name, e.g. `File System`.
    pub class: String,
    /// Events per bucket.
    pub counts: Vec<u64>,
}

impl Histogram {
    /// The events of `capture` between `overview`'s first and last time, in at most
    /// `max_buckets` buckets; empty when the capture has no readable event.
    pub fn compute(capture: &SplitCapture, overview: &Overview, max_buckets: u64) -> Histogram {
        let (Some(first), Some(last)) = (overview.first_time, overview.last_time) else {
            return Histogram::default();
        };
        let max_buckets = max_buckets.max(1);
        let seconds = last.ticks_since(first) / FileTime::TICKS_PER_SECOND + 1;
        let width = bucket_seconds(seconds, max_buckets);
        let buckets = seconds.div_ceil(width).min(max_buckets) as usize;
        let ticks_per_bucket = width * FileTime::TICKS_PER_SECOND;
        let empty = || vec![[0u64; EventClass::ALL.len()]; buckets];
        let mut counts = empty();
        each_chunk(
            capture,
            |chunk| {
                let mut part = empty();
                for e in chunk.events(capture).flatten() {
                    let b = (e.time().ticks_since(first) / ticks_per_bucket) as usize;
                    part[b.min(buckets - 1)][e.class() as usize] += 1;
                }
                part
            },
            |part| {
                for (x, y) in counts.iter_mut().zip(part) {
                    for (p, q) in x.iter_mut().zip(y) {
                        *p += q;
                    }
                }
            },
        );
        Histogram {
            bucket_seconds: width,
            classes: EventClass::ALL
                .iter()
                .filter(|c| counts.iter().any(|b| b[**c as usize] > 0))
                .map(|c| ClassSeries {
                    class: c.name().to_string(),
                    counts: counts.iter().map(|b| b[*c as usize]).collect(),
                })
                .collect(),
        }
    }
}

/// Events per chunk of the overview's passes: a chunk's result is small.
const CHUNK_EVENTS: u64 = 1 << 14;

/// Maps every chunk of `capture` with `map` on all cores and merges the results with `merge`.
fn each_chunk<T: Send>(
    capture: &SplitCapture,
    map: impl Fn(&Chunk) -> T + Sync,
    mut merge: impl FnMut(T),
) {
    capture
        .pass()
        .chunk_events(CHUNK_EVENTS)
        .for_each(map, |_, t| merge(t));
}

/// The smallest round bucket width (seconds) that covers `seconds` in at most `max_buckets`.
fn bucket_seconds(seconds: u64, max_buckets: u64) -> u64 {
    const ROUND: [u64; 12] = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 1800, 3600];
    ROUND
        .into_iter()
        .find(|b| seconds.div_ceil(*b) <= max_buckets)
        .unwrap_or_else(|| seconds.div_ceil(max_buckets).max(1))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_stay_few_and_round() {
        assert_eq!(bucket_seconds(1, 120), 1);
        assert_eq!(bucket_seconds(120, 120), 1);
        assert_eq!(bucket_seconds(121, 120), 2);
        assert_eq!(bucket_seconds(3 * 3600, 120), 120);
        let month = 30 * 24 * 3600_u64;
        assert!(month.div_ceil(bucket_seconds(month, 120)) <= 120);
    }
}
