//! `pml export`: the events of a capture as a file of ProcMon's columns (CSV), as typed
//! Parquet, or as JSON Lines; with filters, only the events that pass them.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Result;
use pml_analyzer::Query;
use pml_export::Export;

use crate::build_args::BuildArgs;
use crate::filter_args::FilterArgs;
use crate::progress::Progress;
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
    /// Output format (default: from the output's extension, `.parquet`, `.jsonl` or `.xml`, else
    /// CSV).
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
    /// XML: each event's stack too, as ProcMon's "include stack traces" writes it.
    #[arg(long)]
    stacks: bool,
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
    /// ProcMon's XML export: process list and events (stacks with --stacks).
    Xml,
}

impl Format {
    /// The format an output file's extension names: `.parquet`, `.jsonl` / `.ndjson`, else CSV.
    fn of_path(path: &std::path::Path) -> Format {
        match pml_export::Format::of_path(path) {
            pml_export::Format::Parquet => Format::Parquet,
            pml_export::Format::JsonLines => Format::Jsonl,
            pml_export::Format::Xml => Format::Xml,
            _ => Format::Csv,
        }
    }

    fn library(self) -> pml_export::Format {
        match self {
            Format::Csv => pml_export::Format::Csv,
            Format::Parquet => pml_export::Format::Parquet,
            Format::Jsonl => pml_export::Format::JsonLines,
            Format::Xml => pml_export::Format::Xml,
        }
    }
}

/// Runs `pml export`.
pub fn run(args: Args) -> Result<ExitCode> {
    let zone = args.zone.zone()?;
    let selection = args.filter.selection()?;
    let format = args.format.unwrap_or_else(|| Format::of_path(&args.output));
    let default_columns = args.columns.trim().eq_ignore_ascii_case("default");
    let columns = match (&selection.columns, format) {
        // Without a filter, CSV keeps ProcMon's default columns over a --config file's.
        (Some(config), Format::Parquet | Format::Jsonl | Format::Xml) if default_columns => {
            config.clone()
        }
        (Some(config), Format::Csv) if default_columns && !selection.filter.is_empty() => {
            config.clone()
        }
        _ => pml_export::parse_columns(&args.columns)?,
    };
    if args.stacks && !matches!(format, Format::Xml) {
        anyhow::bail!("--stacks applies to XML only");
    }
    if matches!(format, Format::Parquet) && !default_columns {
        anyhow::bail!("--columns does not apply to parquet: the file has every column");
    }
    let capture =
        crate::inputs::open_in_zone(&args.files, zone)?.with_procmon_build(args.build.build());
    let query = Query::new(&capture, &selection.filter);
    // Only the filtered exports and the formats other than CSV show a bar, as before.
    let quiet = args.quiet || (matches!(format, Format::Csv) && selection.filter.is_empty());
    let progress = Progress::new(capture.event_count(), "events", quiet);
    let written = Export::new(&query)
        .columns(columns)
        .stacks(args.stacks)
        .progress(&progress)
        .write_file(format.library(), &args.output)?;
    progress.finish();
    Ok(outcome(&written, &args, capture.partial()))
}

/// Warns about events left out and says whether the output is partial.
fn outcome(written: &pml_export::Written, args: &Args, salvaged: bool) -> ExitCode {
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
