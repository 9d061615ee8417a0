//! `pml report`: one self-contained HTML page with each incident on a timeline.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result};
use pml_analyzer::diff::{diff_with, DiffOptions};
use pml_analyzer::Options;
use pml_parser::AtomicFile;
use pml_report::html::HtmlPage;

/// Arguments of `pml report`.
#[derive(clap::Args)]
pub struct Args {
    /// The capture (.PML); several files are read as consecutive parts of one capture.
    #[arg(required = true, value_name = "FILE")]
    files: Vec<PathBuf>,
    /// Where to write the page.
    #[arg(short, long, value_name = "REPORT.html")]
    output: PathBuf,
    /// A child created this many ms or less after an open counts as inheriting its handle
    /// (default: the analyzer's).
    #[arg(long, value_name = "N")]
    window_ms: Option<u64>,
    /// Keep ProcMon's own activity, which its default filter hides (see `pml analyze`).
    #[arg(long)]
    include_procmon: bool,
    /// A capture of a run that worked: the page adds what changed since it, ranked (as
    /// `pml diff GOOD BAD` prints it).
    #[arg(long, value_name = "GOOD.pml")]
    baseline: Option<PathBuf>,
}

/// Runs `pml report`.
pub fn run(args: Args) -> Result<ExitCode> {
    // Split parts are added and put in time order; damaged captures are salvaged.
    let capture = crate::inputs::open(&args.files)?;
    let mut options = Options {
        include_procmon: args.include_procmon,
        ..Options::default()
    };
    if let Some(window) = args.window_ms {
        options.window_ms = window;
    }
    let analysis = pml_analyzer::analyze(&capture, &options);
    let names: Vec<String> = args.files.iter().map(|f| f.display().to_string()).collect();
    let mut page = HtmlPage::build(&capture, &analysis, names.join(", "));
    if let Some(good) = &args.baseline {
        let good = crate::inputs::open(std::slice::from_ref(good))
            .with_context(|| format!("cannot read the baseline {}", good.display()))?;
        let options = DiffOptions::default();
        page.baseline = Some(diff_with(&good, &capture, &options, &(), Some(&analysis)));
    }
    let cannot = || format!("cannot write {}", args.output.display());
    let mut file = AtomicFile::create(&args.output).with_context(cannot)?;
    page.write(&mut file).with_context(cannot)?;
    file.commit().with_context(cannot)?;
    eprintln!(
        "pml: wrote {} ({} incidents)",
        args.output.display(),
        page.incidents.len()
    );
    let unreadable = analysis
        .summary
        .events
        .as_ref()
        .map_or(0, |e| e.unreadable_events);
    Ok(crate::exit::success_unless_partial(
        unreadable > 0 || capture.partial(),
    ))
}
