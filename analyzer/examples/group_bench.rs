//! Throughput of a grouped query: `cargo run --release -p pml-analyzer --example group_bench --
//! CAPTURE.PML 'Process Name,Operation' [ROUNDS]`.
//!
//! Each round does what `pml query --group-by` does before it prints: opens the capture and
//! groups every event by the given columns, counting them, on all cores. Prints the median round.

use std::time::Instant;

use pml_analyzer::filter::Filter;
use pml_analyzer::group::GroupBy;
use pml_analyzer::Query;
use pml_parser::{OpenOptions, SplitCapture};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    const USAGE: &str = "usage: group_bench CAPTURE COLUMNS [ROUNDS]";
    let mut args = std::env::args().skip(1);
    let path = args.next().ok_or(USAGE)?;
    let keys = GroupBy::parse_keys(&args.next().ok_or(USAGE)?)?;
    let rounds: usize = args.next().map(|r| r.parse()).transpose()?.unwrap_or(5);
    let group_by = GroupBy::new(keys, Vec::new());
    let mut rates = Vec::with_capacity(rounds);
    let (mut events, mut groups) = (0, 0);
    for _ in 0..rounds.max(1) {
        let start = Instant::now();
        let capture = SplitCapture::open_files(&[path.clone().into()], OpenOptions::new())?;
        let grouped = group_by.run(&Query::new(&capture, &Filter::default()), &());
        rates.push(capture.event_count() as f64 / start.elapsed().as_secs_f64());
        (events, groups) = (capture.event_count(), grouped.total_groups);
    }
    rates.sort_by(f64::total_cmp);
    println!(
        "{events} events in {groups} groups, median of {} rounds: {:.1} M events/s on {} threads",
        rates.len(),
        rates[rates.len() / 2] / 1e6,
        rayon::current_num_threads()
    );
    Ok(())
}
