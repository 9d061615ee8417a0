//! `pml filter`: saves the events that pass the filters as a new capture, like ProcMon's
//! "Save… Events displayed using current filter", keeping the processes they reference.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Result;
use pml_analyzer::Query;

use crate::exit::warn_unreadable;
use crate::filter_args::FilterArgs;
use crate::progress::Progress;

/// Arguments of `pml filter`.
#[derive(clap::Args)]
pub struct Args {
    /// The capture (.PML); several files are the parts of one capture, saved as one.
    #[arg(required = true, value_name = "FILE")]
    files: Vec<PathBuf>,
    /// The capture to write; it appears only once complete.
    #[arg(short, long, value_name = "OUT.pml")]
    output: PathBuf,
    #[command(flatten)]
    filter: FilterArgs,
    /// No progress bar.
    #[arg(short, long)]
    quiet: bool,
}

/// Runs `pml filter`.
pub fn run(args: Args) -> Result<ExitCode> {
    let selection = args.filter.selection()?;
    let capture = crate::inputs::open(&args.files)?;
    let query = Query::new(&capture, &selection.filter);
    let progress = Progress::new(capture.event_count(), "events", args.quiet);
    let saved = pml_export::save_filtered(&query, &args.output, &progress)?;
    progress.finish();
    eprintln!(
        "pml: wrote {}: {} of {} events, {} processes",
        args.output.display(),
        saved.events,
        capture.event_count(),
        saved.processes
    );
    let partial = warn_unreadable(saved.unreadable) || capture.partial();
    Ok(crate::exit::success_unless_partial(partial))
}
