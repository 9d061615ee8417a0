//! Reader throughput: header fields of every event, and typed details of every event.
//!
//! `cargo bench -p pml-parser --bench scan -- FILE.pml [RUNS]` prints the median events/s of each stage,
//! sequential and parallel (rayon, all cores), and of reading just each event's process index
//! (parallel): the memory floor of any filter over the file.

use std::time::Instant;

use pml_parser::{Capture, Details};
use rayon::prelude::*;

/// Sums cheap header fields so the work cannot be optimised away.
fn header_fields(capture: &Capture) -> u64 {
    capture
        .events()
        .map(|e| {
            e.map_or(0, |e| {
                u64::from(e.tid()) ^ e.time().0 ^ u64::from(e.result())
            })
        })
        .fold(0, |a, b| a.wrapping_add(b))
}

fn header_fields_parallel(capture: &Capture) -> u64 {
    capture
        .par_events()
        .map(|e| {
            e.map_or(0, |e| {
                u64::from(e.tid()) ^ e.time().0 ^ u64::from(e.result())
            })
        })
        .reduce(|| 0, |a, b| a.wrapping_add(b))
}

/// Reads only the process index of every event, in parallel chunks: the least a filter on a
/// process column must read, so a bound on any filter's speed over this file.
fn process_indexes(capture: &Capture) -> u64 {
    capture
        .chunk_ranges(rayon::current_num_threads() * 64)
        .into_par_iter()
        .map(|range| {
            capture.prefetch(range.clone());
            let mut sum = 0u64;
            for index in range.clone() {
                if index + 16 < range.end {
                    capture.prefetch_event(index + 16);
                }
                sum += u64::from(capture.process_index_at(index).unwrap_or(0));
            }
            capture.release(range);
            sum
        })
        .reduce(|| 0, u64::wrapping_add)
}

/// Decodes every event's typed details and touches a field of each.
fn typed_details(e: pml_parser::Result<pml_parser::Event<'_>>) -> u64 {
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

fn typed_parallel(capture: &Capture) -> u64 {
    capture
        .par_events()
        .map(typed_details)
        .reduce(|| 0, u64::wrapping_add)
}

fn typed_sequential(capture: &Capture) -> u64 {
    capture
        .events()
        .map(typed_details)
        .fold(0, u64::wrapping_add)
}

fn median_rate(events: u64, runs: usize, f: &dyn Fn() -> u64) -> f64 {
    let mut rates: Vec<f64> = (0..runs)
        .map(|_| {
            let start = Instant::now();
            std::hint::black_box(f());
            events as f64 / start.elapsed().as_secs_f64()
        })
        .collect();
    rates.sort_by(|a, b| a.total_cmp(b));
    rates[rates.len() / 2]
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
    let capture = Capture::open(path).unwrap_or_else(|e| {
        eprintln!("{e}");
        std::process::exit(2)
    });
    let n = capture.event_count();
    // Warm the page cache.
    header_fields_parallel(&capture);
    println!(
        "{path}: {n} events, {} threads, median of {runs} runs",
        rayon::current_num_threads()
    );
    let stages: [(&str, &dyn Fn() -> u64); 5] = [
        ("process index only", &|| process_indexes(&capture)),
        ("header fields, 1 thread", &|| header_fields(&capture)),
        ("header fields, parallel", &|| {
            header_fields_parallel(&capture)
        }),
        ("typed details, 1 thread", &|| typed_sequential(&capture)),
        ("typed details, parallel", &|| typed_parallel(&capture)),
    ];
    for (name, f) in stages {
        println!(
            "{name:<26} {:>8.2} M events/s",
            median_rate(n, runs, f) / 1e6
        );
    }
}
