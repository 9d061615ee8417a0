//! Reader throughput: header fields of every event, and typed details of every event.
//!
//! `cargo bench -p pml-parser --bench scan -- FILE.pml [RUNS]` prints the median events/s of each stage
//! on one thread and on all cores (rayon), with the file's pages mapped once (the decoder's own
//! speed); and of reading just each event's process index, opening the capture each run like a
//! command or a peer's timing: the memory floor of any filter over the file.

use std::time::Instant;

use pml_parser::{Chunk, Details, Event, OpenOptions, SplitCapture};

/// Events per chunk of the passes.
const CHUNK: u64 = 1 << 14;

/// Sums `f` over every event on all threads of the pool, chunk by chunk.
fn sum_events(
    capture: &SplitCapture,
    f: impl Fn(pml_parser::Result<Event<'_>>) -> u64 + Sync,
) -> u64 {
    let mut total = 0u64;
    capture.pass().chunk_events(CHUNK).for_each(
        |chunk| chunk.events(capture).map(&f).fold(0, u64::wrapping_add),
        |_, sum| total = total.wrapping_add(sum),
    );
    total
}

/// Sums cheap header fields of every event so the work cannot be optimised away.
fn header_fields(capture: &SplitCapture) -> u64 {
    sum_events(capture, |e| {
        e.map_or(0, |e| {
            u64::from(e.tid()) ^ e.time().0 ^ u64::from(e.result())
        })
    })
}

/// Reads only the process index of every event, in parallel chunks: the least a filter on a
/// process column must read, so a bound on any filter's speed over this file.
fn process_indexes(capture: &SplitCapture) -> u64 {
    let mut total = 0u64;
    capture.pass().chunk_events(CHUNK).for_each(
        |chunk: &Chunk| {
            let part = chunk.part_of(capture).capture();
            pml_parser::pass::prefetched(part, chunk.range.clone())
                .map(|index| u64::from(part.process_index_at(index).unwrap_or(0)))
                .fold(0, u64::wrapping_add)
        },
        |_, sum| total = total.wrapping_add(sum),
    );
    total
}

/// Decodes every event's typed details and touches a field of each.
fn typed_details(e: pml_parser::Result<Event<'_>>) -> u64 {
    let Ok(e) = e else { return 0 };
    match e.details() {
        Ok(Details::FileSystem(d)) => {
            d.path.raw().len() as u64
                + d.create_file().map_or(0, |c| u64::from(c.desired_access))
                + d.read_write().map_or(0, |r| u64::from(r.length))
        }
        Ok(Details::Registry(_)) => 1,
        Ok(Details::Process(_)) => 2,
        Ok(Details::Network(_)) => 3,
        Ok(Details::Profiling(_)) => 4,
        Ok(Details::Unknown) | Err(_) => 0,
    }
}

/// Decodes the typed details of every event.
fn typed(capture: &SplitCapture) -> u64 {
    sum_events(capture, typed_details)
}

/// A stage: a pass over the capture returning a checksum.
type Stage = fn(&SplitCapture) -> u64;

/// Which capture a stage runs on.
#[derive(Clone, Copy)]
enum Mapping {
    /// The capture opened once with its pages kept mapped: the decoder's own speed.
    Kept,
    /// The capture opened anew each run, as a command (and a peer's timing) does: the time
    /// includes mapping the file's pages.
    Fresh,
}

/// The median events/s of `runs` runs of `stage` on `threads` threads.
fn median_rate(
    path: &str,
    kept: &SplitCapture,
    runs: usize,
    (threads, mapping, stage): (usize, Mapping, Stage),
) -> f64 {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .expect("a thread pool");
    let mut rates: Vec<f64> = (0..runs)
        .map(|_| {
            let start = Instant::now();
            let fresh;
            let capture = match mapping {
                Mapping::Kept => kept,
                Mapping::Fresh => {
                    fresh = open(path, OpenOptions::new());
                    &fresh
                }
            };
            std::hint::black_box(pool.install(|| stage(capture)));
            capture.event_count() as f64 / start.elapsed().as_secs_f64()
        })
        .collect();
    rates.sort_by(|a, b| a.total_cmp(b));
    rates[rates.len() / 2]
}

fn open(path: &str, options: OpenOptions) -> SplitCapture {
    SplitCapture::open_files(&[path.into()], options).unwrap_or_else(|e| {
        eprintln!("{e}");
        std::process::exit(2)
    })
}

fn main() {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| a != "--bench")
        .collect();
    let Some(path) = args.first() else {
        eprintln!("usage: scan FILE.pml [RUNS]");
        std::process::exit(2);
    };
    let runs = args.get(1).and_then(|r| r.parse().ok()).unwrap_or(5);
    let kept = open(path, OpenOptions::new().release_above(u64::MAX));
    // Warm the page cache and map the pages.
    header_fields(&kept);
    let all = rayon::current_num_threads();
    println!(
        "{path}: {} events, {all} threads, median of {runs} runs",
        kept.event_count()
    );
    let stages: [(&str, (usize, Mapping, Stage)); 5] = [
        ("header fields, 1 thread", (1, Mapping::Kept, header_fields)),
        (
            "header fields, parallel",
            (all, Mapping::Kept, header_fields),
        ),
        ("typed details, 1 thread", (1, Mapping::Kept, typed)),
        ("typed details, parallel", (all, Mapping::Kept, typed)),
        ("process index only", (all, Mapping::Fresh, process_indexes)),
    ];
    for (name, stage) in stages {
        println!(
            "{name:<26} {:>8.2} M events/s",
            median_rate(path, &kept, runs, stage) / 1e6
        );
    }
}
