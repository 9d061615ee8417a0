//! Throughput of `pml diff`: `cargo run --profile profiling -p pml-analyzer --example diff_bench
//! -- GOOD.PML BAD.PML [--no-link]`.
//!
//! Opens both captures, runs [`pml_analyzer::diff::diff`] (profiling both sides and, unless
//! `--no-link`, the analysis of BAD to link incidents) and prints the wall time, the events per
//! second per side and the differences found.

use std::time::Instant;

use pml_analyzer::diff::{diff, DiffOptions};
use pml_parser::SplitCapture;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [good, bad] = [&args[0], &args[1]];
    let link = !args.iter().any(|a| a == "--no-link");
    let start = Instant::now();
    let good = SplitCapture::open(good, Default::default())?;
    let bad = SplitCapture::open(bad, Default::default())?;
    let options = DiffOptions {
        link_incidents: link,
        ..DiffOptions::default()
    };
    let result = diff(&good, &bad, &options);
    let secs = start.elapsed().as_secs_f64();
    let events = good.event_count().max(bad.event_count());
    println!(
        "{secs:.2} s, {:.2} M events/s per side ({} + {} events), {} differences, {} keys",
        events as f64 / secs / 1e6,
        good.event_count(),
        bad.event_count(),
        result.summary.differences,
        result.summary.bad.keys,
    );
    Ok(())
}
