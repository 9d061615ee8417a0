//! `pml diff GOOD BAD`: what changed between a run that worked and one that failed, ranked by
//! how likely it explains the failure.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result};
use pml_analyzer::diff::{diff_with, DiffOptions};

use crate::document::Reader;
use crate::filter_args::FilterArgs;
use crate::progress::Progress;

/// Arguments of `pml diff`.
#[derive(clap::Args)]
pub struct Args {
    /// The capture of the run that worked (its split parts `X-1.PML`, ... are read with it).
    good: PathBuf,
    /// The capture of the run that failed.
    bad: PathBuf,
    /// Print one JSON document instead of text.
    #[arg(long)]
    json: bool,
    /// Differences the text shows.
    #[arg(long, default_value_t = 20, value_name = "N")]
    top: usize,
    /// Most differences the JSON lists, highest scores first (0: all); the summary counts all.
    #[arg(long, default_value_t = 1000, value_name = "N")]
    limit: usize,
    /// Do not run the analysis on BAD to link differences to its incidents.
    #[arg(long)]
    no_incidents: bool,
    /// Filters, applied to both captures.
    #[command(flatten)]
    filter: FilterArgs,
    /// No progress bar.
    #[arg(short, long)]
    quiet: bool,
}

/// Runs `pml diff`.
pub fn run(args: Args) -> Result<ExitCode> {
    let selection = args.filter.selection()?;
    let open = |path: &PathBuf, role: &str| {
        crate::inputs::open(std::slice::from_ref(path))
            .with_context(|| format!("cannot read {role} capture {}", path.display()))
    };
    let good = open(&args.good, "the GOOD")?;
    let bad = open(&args.bad, "the BAD")?;
    let options = DiffOptions {
        filter: selection.filter,
        limit: args.limit,
        link_incidents: !args.no_incidents,
    };
    let progress = Progress::new(good.event_count() + bad.event_count(), "events", args.quiet);
    let result = diff_with(&good, &bad, &options, &progress, None);
    progress.finish();
    let mut out = Vec::new();
    let reader = if args.json {
        pml_report::diff::write_json(&mut out, &result)?;
        Reader::Program
    } else {
        let names = (
            args.good.display().to_string(),
            args.bad.display().to_string(),
        );
        pml_report::diff::write_text(&mut out, &result, &names, args.top)?;
        Reader::Person
    };
    crate::document::print(out, reader)?;
    let unreadable = result.summary.good.unreadable_events + result.summary.bad.unreadable_events;
    let partial = crate::exit::warn_unreadable(unreadable) || good.partial() || bad.partial();
    Ok(crate::exit::success_unless_partial(partial))
}
