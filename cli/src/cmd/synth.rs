//! `pml synth`: write captures with known failures (and the findings they must produce).

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use anyhow::Result;

/// Arguments of `pml synth`.
#[derive(clap::Args)]
#[command(after_help = after_help())]
pub struct Args {
    /// Scenario to generate, or `bulk` for a large realistic capture.
    pub scenario: String,
    /// Output capture.
    #[arg(short, long)]
    pub output: PathBuf,
    /// Seed: the same seed always gives the same bytes.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Number of events (bulk only).
    #[arg(long, default_value_t = 1_000_000)]
    pub events: u64,
    /// Give bulk events stack traces (scenario events always have them).
    #[arg(long)]
    pub stacks: bool,
    /// Write a 32-bit capture (4-byte pointers) instead of a 64-bit one.
    #[arg(long)]
    pub bits32: bool,
    /// End the capture as ProcMon leaves one it was killed during: events but no tables and no
    /// table offsets in the header (readers refuse it; salvage can walk the events).
    #[arg(long)]
    pub cut_off: bool,
}

/// The scenarios, listed below the options.
fn after_help() -> String {
    format!(
        "Scenarios: {}, bulk.\n\
         Each run also writes OUT.expected.json with the findings the analyzer must report.",
        pml_synth::SCENARIOS.join(", ")
    )
}

/// Runs `pml synth`.
pub fn run(args: Args) -> Result<ExitCode> {
    let started = Instant::now();
    let mut options = pml_synth::Options::default();
    options.seed = args.seed;
    options.is_64bit = !args.bits32;
    options.cut_off = args.cut_off;
    let expected = if args.scenario == "bulk" {
        let mut bulk = pml_synth::BulkOptions::default();
        bulk.capture = options;
        bulk.events = args.events;
        bulk.stacks = args.stacks;
        pml_synth::bulk(&args.output, &bulk)?
    } else {
        pml_synth::scenario(&args.scenario, &args.output, &options)?
    };
    let secs = started.elapsed().as_secs_f64();
    let bytes = std::fs::metadata(&args.output)
        .map(|m| m.len())
        .unwrap_or(0);
    eprintln!(
        "wrote {}: {} events, {} bytes in {secs:.2} s ({:.0} events/s); {} incidents, {} unmatched opens, {} sharing violations in {}",
        args.output.display(),
        expected.events,
        bytes,
        expected.events as f64 / secs.max(1e-9),
        expected.incidents.len(),
        expected.unmatched_opens.len(),
        expected.sharing_violations.len(),
        pml_synth::expected_path(&args.output).display(),
    );
    Ok(ExitCode::SUCCESS)
}
