//! Throughput of a filtered query: `cargo run --release -p pml-analyzer --example query_bench --
//! CAPTURE.PML 'Process Name contains svchost' [ROUNDS]`.
//!
//! Each round filters every event in parallel and renders four columns (Process Name, PID,
//! Operation, Path) of the events that pass, as `pml events` does.

use std::time::Instant;

use pml_analyzer::filter::{Action, Filter, Matcher, Rule, Scratch};
use pml_parser::{Capture, Column, ColumnRenderer};
use rayon::prelude::*;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let path = args
        .next()
        .ok_or("usage: query_bench CAPTURE RULE [ROUNDS]")?;
    let rule = args
        .next()
        .ok_or("usage: query_bench CAPTURE RULE [ROUNDS]")?;
    let rounds: u32 = args.next().map(|r| r.parse()).transpose()?.unwrap_or(50);
    let capture = Capture::open(&path)?;
    let filter = Filter::new(vec![Rule::parse(&rule, Action::Include)?]);
    let columns = [
        Column::ProcessName,
        Column::Pid,
        Column::Operation,
        Column::Path,
    ];
    let chunks = capture.chunk_ranges(rayon::current_num_threads() * 8);
    let start = Instant::now();
    let mut matched = 0;
    let mut bytes = 0;
    for _ in 0..rounds {
        let matcher = Matcher::new(&filter, &capture, ColumnRenderer::new(&capture));
        let (m, b) = chunks
            .par_iter()
            .map(|range| {
                let mut scratch = Scratch::default();
                let mut out = String::new();
                let mut m = 0u64;
                for event in capture.events_in(range.clone()).flatten() {
                    if matcher.matches(&event, &mut scratch) {
                        m += 1;
                        for &c in &columns {
                            matcher.renderer().write(&event, c, &mut out);
                            out.push(',');
                        }
                        out.push('\n');
                    }
                }
                (m, out.len())
            })
            .reduce(|| (0, 0), |a, b| (a.0 + b.0, a.1 + b.1));
        matched = m;
        bytes = b;
    }
    let seconds = start.elapsed().as_secs_f64();
    let events = capture.event_count() as f64 * f64::from(rounds);
    println!(
        "{} events x {rounds} rounds, {matched} match '{rule}' ({bytes} bytes out per round): {:.1} M events/s on {} threads",
        capture.event_count(),
        events / seconds / 1e6,
        rayon::current_num_threads()
    );
    Ok(())
}
