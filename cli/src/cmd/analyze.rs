//! `pml analyze`: why did it fail — processes that exited with an error and their likely
//! causes, handle races (inherited handles, sharing violations), files held by running images
//! or pending deletes, leaks — after warning about what the capture cannot show.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result};
use pml_analyzer::{Options, DEFAULT_WINDOW_MS};
use pml_report::analysis::{self, AnalyzedCapture};

use crate::document::Reader;

/// Arguments of `pml analyze`.
#[derive(clap::Args)]
pub struct Args {
    /// The captures (.PML); each is analyzed on its own, together with its split parts
    /// (`X-1.PML`, `X-2.PML`, ... beside `X.PML`).
    #[arg(required = true)]
    files: Vec<PathBuf>,
    /// Print one JSON document instead of text.
    #[arg(long)]
    json: bool,
    /// A Process Create at most this many ms after its creator opened a file it still holds is
    /// an inherited-handle suspect.
    #[arg(long, default_value_t = DEFAULT_WINDOW_MS, value_name = "N")]
    window_ms: u64,
    /// Exit with status 1 when any incident is found.
    #[arg(long)]
    fail_on_incident: bool,
    /// Keep ProcMon's own activity (Procmon*.exe, Procexp*.exe, Autoruns*.exe, paging files,
    /// NTFS metadata, ProcMon's trace files), which its default filter hides and the analysis
    /// leaves out by default.
    #[arg(long)]
    include_procmon: bool,
}

/// Runs `pml analyze`.
pub fn run(args: Args) -> Result<ExitCode> {
    let options = Options {
        window_ms: args.window_ms,
        include_procmon: args.include_procmon,
    };
    let mut all = Vec::with_capacity(args.files.len());
    let mut partial = false;
    for path in &args.files {
        // A capture split over several files (X.PML, X-1.PML, ...) is analyzed as one.
        let capture = crate::inputs::open(std::slice::from_ref(path))
            .with_context(|| format!("cannot analyze {}", path.display()))?;
        let analyzed = AnalyzedCapture::new(path.display().to_string(), &capture, &options);
        partial |= capture.partial() || analyzed.unreadable_events() > 0;
        all.push(analyzed);
    }
    let mut out = Vec::new();
    let reader = if args.json {
        analysis::write_json(&mut out, &all)?;
        Reader::Program
    } else {
        analysis::write_text(&mut out, &all)?;
        Reader::Person
    };
    crate::document::print(out, reader)?;
    let incidents = all.iter().any(|a| !a.analysis.incidents.is_empty());
    Ok(if args.fail_on_incident && incidents {
        crate::exit::code(crate::exit::INCIDENT)
    } else {
        crate::exit::success_unless_partial(partial)
    })
}
