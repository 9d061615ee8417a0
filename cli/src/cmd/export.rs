//! `pml export`: the events that pass a filter as Parquet or JSON Lines (one function per
//! format; the CSV export lives beside them once merged).

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{bail, Context, Result};
use pml_parser::Column;

use crate::export::{jsonl, parquet};
use crate::filter_args::{parse_columns, FilterArgs};
use crate::inputs::Inputs;
use crate::output::AtomicFile;
use crate::progress::Progress;
use crate::scan::{warn_unreadable, Query};

/// Export formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Typed columns for notebooks (pandas, polars, DuckDB); schema in docs/parquet.md.
    Parquet,
    /// One JSON object per event with the rendered columns.
    Jsonl,
}

/// Arguments of `pml export`.
#[derive(clap::Args)]
pub struct Args {
    /// Captures (.PML): files or glob patterns (split parts X-1.PML ... are read with X.PML).
    #[arg(required = true, value_name = "FILE")]
    files: Vec<PathBuf>,
    #[command(flatten)]
    filter: FilterArgs,
    /// Output format.
    #[arg(long, value_enum)]
    format: Format,
    /// The file to write (required for parquet; JSON Lines go to standard output without it).
    #[arg(short, long, value_name = "FILE")]
    output: Option<PathBuf>,
    /// JSON Lines columns, comma-separated (default: all 27 columns). Parquet has a fixed schema.
    #[arg(long, value_name = "LIST")]
    columns: Option<String>,
    /// No progress bar.
    #[arg(short, long)]
    quiet: bool,
}

/// Runs `pml export`.
pub fn run(args: Args) -> Result<ExitCode> {
    let selection = args.filter.selection()?;
    let inputs = Inputs::open(&args.files)?;
    let query = Query::new(&inputs, &selection.filter);
    let progress = Progress::new(inputs.event_count(), "events", args.quiet);
    match args.format {
        Format::Parquet => {
            let Some(path) = &args.output else {
                bail!("--format parquet needs --output FILE.parquet");
            };
            if args.columns.is_some() {
                bail!("--columns applies to jsonl; Parquet files have every column");
            }
            export_parquet(&inputs, &query, path, &progress)
        }
        Format::Jsonl => {
            let columns = match &args.columns {
                Some(text) => parse_columns(text)?,
                None => Column::ALL.to_vec(),
            };
            export_jsonl(&query, &columns, args.output.as_ref(), &progress)
        }
    }?;
    Ok(ExitCode::SUCCESS)
}

/// Parquet to `path`.
pub fn export_parquet(
    inputs: &Inputs,
    query: &Query<'_>,
    path: &std::path::Path,
    progress: &Progress,
) -> Result<()> {
    parquet::write_events(inputs, query, path, progress)?;
    progress.finish();
    Ok(())
}

/// JSON Lines to `output` or standard output.
pub fn export_jsonl(
    query: &Query<'_>,
    columns: &[Column],
    output: Option<&PathBuf>,
    progress: &Progress,
) -> Result<()> {
    let mut file = output.map(|p| AtomicFile::create(p)).transpose()?;
    let mut stdout = std::io::stdout().lock();
    let mut unreadable = 0;
    let result = query.run_ordered(
        1 << 15,
        progress,
        |part, range| {
            let mut bytes = Vec::new();
            let mut cell = String::new();
            let stats = query.for_each_match(part, range, |part, index, event| {
                jsonl::write_event(&mut bytes, index, event, columns, &part.renderer, &mut cell)
            })?;
            Ok((bytes, stats.unreadable))
        },
        |(bytes, bad)| {
            unreadable += bad;
            match file.as_mut() {
                Some(f) => f.write_all(&bytes).context("cannot write the output")?,
                None => stdout.write_all(&bytes)?,
            }
            Ok(true)
        },
    );
    crate::cmd::events::ignore_closed_pipe(result.and_then(|()| Ok(stdout.flush()?)))?;
    if let Some(f) = file {
        f.commit()?;
    }
    progress.finish();
    warn_unreadable(unreadable);
    Ok(())
}
