//! `pml export`: the events of a capture as a file of ProcMon's columns (CSV), as typed
//! Parquet, or as JSON Lines; with filters, only the events that pass them.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result};
use pml_parser::TimeZoneSpec;

use crate::build_args::BuildArgs;
use crate::export::{self, Job, Part};
use crate::filter_args::FilterArgs;
use crate::inputs::Inputs;
use crate::output::AtomicFile;
use crate::progress::Progress;
use crate::scan::Query;
use crate::zone_args::ZoneArgs;

/// Arguments of `pml export`.
#[derive(clap::Args)]
pub struct Args {
    /// The capture (.PML); several files are the parts of one capture (`Log.PML Log-1.PML …`),
    /// exported one after the other.
    #[arg(required = true)]
    files: Vec<PathBuf>,
    /// The file to write; it appears only once complete.
    #[arg(short, long)]
    output: PathBuf,
    /// Output format (default: from the output's extension, `.parquet` or `.jsonl`, else CSV).
    #[arg(long, value_enum)]
    format: Option<Format>,
    /// Columns: `default` (ProcMon's 7), `all` (the 27), or a comma-separated list of column
    /// names such as "Time of Day,Process Name,PID,Operation,Path,Result".
    #[arg(long, default_value = "default")]
    columns: String,
    #[command(flatten)]
    zone: ZoneArgs,
    #[command(flatten)]
    build: BuildArgs,
    #[command(flatten)]
    filter: FilterArgs,
    /// No progress bar (Parquet, JSON Lines and filtered CSV show one on a terminal).
    #[arg(short, long)]
    quiet: bool,
}

/// Output formats.
#[derive(Clone, Copy, Debug, clap::ValueEnum)]
pub enum Format {
    /// CSV byte for byte as ProcMon exports it (UTF-8 BOM, quoted fields, CRLF).
    Csv,
    /// Typed columns for notebooks (pandas, polars, DuckDB); schema in docs/parquet.md.
    Parquet,
    /// One JSON object per event: `index` and the chosen columns as ProcMon renders them.
    Jsonl,
}

impl Format {
    /// The format an output file's extension names: `.parquet`, `.jsonl` / `.ndjson`, else CSV.
    fn of_path(path: &std::path::Path) -> Format {
        let ext = path
            .extension()
            .map(|e| e.to_string_lossy().to_ascii_lowercase());
        match ext.as_deref() {
            Some("parquet") => Format::Parquet,
            Some("jsonl" | "ndjson") => Format::Jsonl,
            _ => Format::Csv,
        }
    }
}

/// Runs `pml export`.
pub fn run(args: Args) -> Result<ExitCode> {
    let columns = export::parse_columns(&args.columns)?;
    let zone = args.zone.zone()?;
    let selection = args.filter.selection()?;
    let format = args.format.unwrap_or_else(|| Format::of_path(&args.output));
    if !matches!(format, Format::Csv) || !selection.filter.is_empty() {
        return run_filtered(&args, format, selection, zone);
    }
    let inputs = Inputs::open_in_zone(&args.files, zone)?.with_procmon_build(args.build.build());
    let partial = inputs.partial();
    let parts = inputs
        .into_parts()
        .into_iter()
        .map(|p| Part {
            capture: p.capture,
            renderer: p.renderer,
        })
        .collect();
    let job = Job { parts, columns };
    let mut file = AtomicFile::create_direct(&args.output)?;
    // Only CSV without a filter gets here.
    let written = export::csv::write(&job, &mut file)
        .with_context(|| format!("cannot write {}", args.output.display()))?;
    file.commit()?;
    Ok(outcome(&written, &args, partial))
}

/// Parquet and JSON Lines, and CSV with a filter: the events that pass the filter.
fn run_filtered(
    args: &Args,
    format: Format,
    selection: crate::filter_args::Selection,
    zone: TimeZoneSpec,
) -> Result<ExitCode> {
    let inputs = Inputs::open_in_zone(&args.files, zone)?.with_procmon_build(args.build.build());
    let query = Query::new(&inputs, &selection.filter);
    let progress = Progress::new(inputs.event_count(), "events", args.quiet);
    let columns = if args.columns.trim().eq_ignore_ascii_case("default") {
        selection
            .columns
            .clone()
            .unwrap_or_else(|| pml_parser::Column::DEFAULT.to_vec())
    } else {
        export::parse_columns(&args.columns)?
    };
    let written = match format {
        Format::Parquet => {
            if !args.columns.trim().eq_ignore_ascii_case("default") {
                anyhow::bail!("--columns does not apply to parquet: the file has every column");
            }
            export::parquet::write_events(&inputs, &query, &args.output, &progress)?
        }
        Format::Jsonl => export::jsonl::write_file(&query, &columns, &args.output, &progress)?,
        Format::Csv => export::csv_filtered::write(&query, &columns, &args.output, &progress)?,
    };
    progress.finish();
    Ok(outcome(&written, args, inputs.partial()))
}

/// Warns about events left out and says whether the output is partial.
fn outcome(written: &export::Written, args: &Args, salvaged: bool) -> ExitCode {
    if written.unreadable > 0 {
        eprintln!(
            "pml: warning: {} unreadable events left out of {} ({} written)",
            written.unreadable,
            args.output.display(),
            written.events
        );
    }
    crate::exit::success_unless_partial(written.unreadable > 0 || salvaged)
}
