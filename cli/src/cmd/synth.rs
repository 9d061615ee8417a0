//! `pml synth`: write captures with known failures (and the findings they must produce).

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use anyhow::Result;

/// Arguments of `pml synth`.
#[derive(clap::Args)]
#[command(after_help = after_help())]
pub struct Args {
    /// Scenario to generate, `bulk` for a large realistic capture, or a good/bad pair for
    /// `pml diff`.
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
    /// For a pair: write only its good or its bad run, to OUTPUT (two good runs of different
    /// seeds differ only as reruns do).
    #[arg(long, value_name = "good|bad")]
    pub run: Option<String>,
}

/// The scenarios, listed below the options.
fn after_help() -> String {
    format!(
        "Scenarios: {}, bulk.\n\
         Each run also writes OUT.expected.json with the findings the analyzer must report.\n\
         Pairs for pml diff: {}. A pair writes OUT.good.pml (this seed), OUT.bad.pml (the next\n\
         seed) and OUT.diff.json with the differences pml diff must rank first.",
        pml_synth::SCENARIOS.join(", "),
        pml_synth::PAIRS.join(", ")
    )
}

/// Runs `pml synth`.
pub fn run(args: Args) -> Result<ExitCode> {
    let started = Instant::now();
    let mut options = pml_synth::Options::default();
    options.seed = args.seed;
    options.is_64bit = !args.bits32;
    options.cut_off = args.cut_off;
    if pml_synth::PAIRS.contains(&args.scenario.as_str()) {
        return write_pair(&args, &options, started);
    }
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

/// Writes a good/bad pair, or one run of it (`--run`).
fn write_pair(args: &Args, options: &pml_synth::Options, started: Instant) -> Result<ExitCode> {
    let which = match args.run.as_deref() {
        None => None,
        Some("good") => Some(pml_synth::Run::Good),
        Some("bad") => Some(pml_synth::Run::Bad),
        Some(other) => anyhow::bail!("--run {other}: expected good or bad"),
    };
    if let Some(which) = which {
        let events = pml_synth::run(&args.scenario, which, &args.output, options)?;
        eprintln!(
            "wrote {}: {events} events ({} run of {}) in {:.2} s",
            args.output.display(),
            args.run.as_deref().unwrap_or_default(),
            args.scenario,
            started.elapsed().as_secs_f64()
        );
        return Ok(ExitCode::SUCCESS);
    }
    let expected = pml_synth::pair(&args.scenario, &args.output, options)?;
    let (good, bad, json) = pml_synth::pair_paths(&args.output);
    eprintln!(
        "wrote {} ({} events), {} ({} events) and {} in {:.2} s; expected top difference: {} {} in {}",
        good.display(),
        expected.good_events,
        bad.display(),
        expected.bad_events,
        json.display(),
        started.elapsed().as_secs_f64(),
        expected.top.operation.unwrap_or_default(),
        expected.top.path.unwrap_or_default(),
        expected.top.process,
    );
    Ok(ExitCode::SUCCESS)
}
