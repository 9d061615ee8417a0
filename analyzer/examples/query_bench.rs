//! Throughput of a filtered query: `cargo run --release -p pml-analyzer --example query_bench --
//! CAPTURE.PML 'Process Name contains svchost' [ROUNDS]`.
//!
//! Each round does what the peers' own timings cover: opens the capture, filters every event in
//! parallel with [`Query::run`] and renders four columns (Process Name, PID, Operation, Path)
//! of the events that pass, releasing each chunk's pages after, as `pml events` does. Prints the
//! median round.

use std::time::Instant;

use pml_analyzer::filter::{Action, Filter, Rule};
use pml_analyzer::Query;
use pml_parser::{Column, OpenOptions, SplitCapture};

const COLUMNS: [Column; 4] = [
    Column::ProcessName,
    Column::Pid,
    Column::Operation,
    Column::Path,
];

/// Events per chunk, as `pml events` takes them.
const CHUNK: u64 = 1 << 15;

/// One round: (events in the capture, events that pass, bytes rendered).
fn round(path: &str, filter: &Filter) -> Result<(u64, u64, usize), Box<dyn std::error::Error>> {
    let capture = SplitCapture::open_files(&[path.into()], OpenOptions::new())?;
    let query = Query::new(&capture, filter);
    let (mut matched, mut bytes) = (0, 0);
    query
        .run(
            CHUNK,
            &(),
            |chunk| {
                let mut out = String::new();
                let mut matched = 0u64;
                query.for_each_match(chunk, |part, _, event| {
                    matched += 1;
                    for column in COLUMNS {
                        part.renderer().write(event, column, &mut out);
                        out.push(',');
                    }
                    out.push('\n');
                    Ok::<(), ()>(())
                })?;
                Ok((matched, out.len()))
            },
            |(m, b)| {
                matched += m;
                bytes += b;
                Ok(true)
            },
        )
        .map_err(|()| "unreadable")?;
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
