//! Throughput of a filtered query: `cargo run --release -p pml-analyzer --example query_bench --
//! CAPTURE.PML 'Process Name contains svchost' [ROUNDS]`.
//!
//! Each round does what the peers' own timings cover: opens the capture, filters every event in
//! parallel with [`Matcher::scan`] and renders four columns (Process Name, PID, Operation, Path)
//! of the events that pass, releasing each chunk's pages after, as `pml events` does. Prints the
//! median round.

use std::time::Instant;

use pml_analyzer::filter::{Action, Filter, Matcher, Rule, Scratch};
use pml_parser::{Capture, Column, ColumnRenderer};
use rayon::prelude::*;

const COLUMNS: [Column; 4] = [
    Column::ProcessName,
    Column::Pid,
    Column::Operation,
    Column::Path,
];

/// One round: (events in the capture, events that pass, bytes rendered).
fn round(path: &str, filter: &Filter) -> Result<(u64, u64, usize), Box<dyn std::error::Error>> {
    let capture = Capture::open(path)?;
    let matcher = Matcher::new(filter, &capture, ColumnRenderer::new(&capture));
    let chunks = capture.chunk_ranges(rayon::current_num_threads() * 64);
    let (matched, bytes) = chunks
        .into_par_iter()
        .map(|range| {
            let mut scratch = Scratch::default();
            let mut out = String::new();
            let mut matched = 0u64;
            let _ = matcher.scan(&capture, range.clone(), &mut scratch, |_, event| {
                matched += 1;
                for column in COLUMNS {
                    matcher.renderer().write(event, column, &mut out);
                    out.push(',');
                }
                out.push('\n');
                Ok::<(), ()>(())
            });
            capture.release(range);
            (matched, out.len())
        })
        .reduce(|| (0, 0), |a, b| (a.0 + b.0, a.1 + b.1));
    Ok((capture.event_count(), matched, bytes))
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    const USAGE: &str = "usage: query_bench CAPTURE RULE [ROUNDS]";
    let mut args = std::env::args().skip(1);
    let path = args.next().ok_or(USAGE)?;
    let rule = args.next().ok_or(USAGE)?;
    let rounds: usize = args.next().map(|r| r.parse()).transpose()?.unwrap_or(50);
    let filter = Filter::new(vec![Rule::parse(&rule, Action::Include)?]);
    let mut rates = Vec::with_capacity(rounds);
    let (mut events, mut matched, mut bytes) = (0, 0, 0);
    for _ in 0..rounds.max(1) {
        let start = Instant::now();
        (events, matched, bytes) = round(&path, &filter)?;
        rates.push(events as f64 / start.elapsed().as_secs_f64());
    }
    rates.sort_by(f64::total_cmp);
    println!(
        "{events} events, median of {} rounds, {matched} match '{rule}' ({bytes} bytes out per round): {:.1} M events/s on {} threads",
        rates.len(),
        rates[rates.len() / 2] / 1e6,
        rayon::current_num_threads()
    );
    Ok(())
}
