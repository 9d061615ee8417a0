//! Throughput of the whole analysis: `cargo run --profile profiling -p pml-analyzer --example
//! analyze_bench -- CAPTURE.PML [ROUNDS]`.
//!
//! Each round opens the capture (all its split parts) and runs [`pml_analyzer::analyze`] with
//! the default options, as `pml analyze` does. Prints each round's events/s and the findings'
//! counts (so that a change that speeds it up can be seen not to change them). Build it with
//! `--profile profiling` (line tables, not stripped) to record it with `perf record -g`.

use std::time::Instant;

use pml_analyzer::{analyze, Options};
use pml_parser::{OpenOptions, SplitCapture};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let path = args
        .next()
        .ok_or("usage: analyze_bench CAPTURE.PML [ROUNDS]")?;
    let rounds: u32 = args.next().map_or(Ok(1), |r| r.parse())?;
    for round in 0..rounds {
        let start = Instant::now();
        let capture = SplitCapture::open_files(&[path.clone().into()], OpenOptions::new())?;
        let analysis = analyze(&capture, &Options::default());
        let secs = start.elapsed().as_secs_f64();
        let events = capture.event_count() as f64;
        let s = &analysis.summary;
        println!(
            "round {round}: {events} events in {secs:.3} s = {:.1} M events/s; \
             {} warnings, {} failures, {} incidents, {} leaks, {} unmatched, {} sharing, {} inherited",
            events / secs / 1e6,
            analysis.warnings.len(),
            analysis.failures.len(),
            s.incidents,
            s.handle_leaks,
            analysis.unmatched_opens.len(),
            analysis.sharing_violations.len(),
            analysis.inherited_handles.len(),
        );
    }
    Ok(())
}
