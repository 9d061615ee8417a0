//! `pml summary KIND FILE...`: ProcMon's summaries over the events that pass a filter.

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{bail, Context, Result};
use pml_analyzer::summary::{Kind, Summarizer, Table, ValueType};
use pml_parser::Column;

use crate::build_args::BuildArgs;
use crate::cmd::events::ignore_closed_pipe;
use pml_analyzer::Query;
use pml_export::TableFormat;

use crate::exit::warn_unreadable;
use crate::filter_args::FilterArgs;
use crate::progress::Progress;
use crate::text_table::{terminal_width, TextTable};

/// Output formats of `pml summary`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Aligned columns.
    Table,
    /// Comma-separated values with a header row.
    Csv,
    /// One JSON object per row.
    Jsonl,
    /// A Parquet file (needs --output).
    Parquet,
}

/// Arguments of `pml summary`.
#[derive(clap::Args)]
pub struct Args {
    /// processes, tree, files, registry, network, count, xref or stacks.
    #[arg(value_name = "KIND")]
    kind: String,
    /// Captures (.PML): files or glob patterns (split parts X-1.PML ... are read with X.PML).
    /// For `count`, the column comes first: `pml summary count 'Process Name' FILE...`.
    #[arg(required = true, value_name = "FILE")]
    files: Vec<PathBuf>,
    #[command(flatten)]
    filter: FilterArgs,
    #[command(flatten)]
    build: BuildArgs,
    /// Output format (default: table on a terminal, CSV otherwise).
    #[arg(long, value_enum)]
    format: Option<Format>,
    /// Write to this file instead of standard output (required for parquet).
    #[arg(short, long, value_name = "FILE")]
    output: Option<PathBuf>,
    /// Show at most N rows.
    #[arg(long, value_name = "N")]
    limit: Option<usize>,
    /// No progress bar.
    #[arg(short, long)]
    quiet: bool,
}

/// Runs `pml summary`.
pub fn run(args: Args) -> Result<ExitCode> {
    let mut files = args.files.clone();
    let column = if args.kind.eq_ignore_ascii_case("count") {
        let name = files.remove(0).to_string_lossy().into_owned();
        if files.is_empty() {
            bail!("pml summary count COLUMN FILE...: no capture given after the column");
        }
        Some(Column::from_name(&name).with_context(|| {
            let valid: Vec<&str> = Column::ALL.iter().map(|c| c.name()).collect();
            format!(
                "unknown column '{name}': the columns are {}",
                valid.join(", ")
            )
        })?)
    } else {
        None
    };
    let kind = Kind::from_name(&args.kind, column).with_context(|| {
        format!(
            "unknown summary '{}': the summaries are {}",
            args.kind,
            Kind::NAMES.join(", ")
        )
    })?;
    let selection = args.filter.selection()?;
    let capture = crate::inputs::open(&files)?.with_procmon_build(args.build.build());
    let query = Query::new(&capture, &selection.filter);
    let progress = Progress::new(capture.event_count(), "events", args.quiet);

    let (mut table, unreadable) = Summarizer::summarize(&query, kind, &progress);
    progress.finish();
    let partial = warn_unreadable(unreadable) || capture.partial();
    if let Some(limit) = args.limit {
        table.rows.truncate(limit);
    }
    let to_terminal = args.output.is_none() && std::io::stdout().is_terminal();
    let format = args.format.unwrap_or(if to_terminal {
        Format::Table
    } else {
        Format::Csv
    });
    write(&table, format, args.output.as_deref())?;
    Ok(crate::exit::success_unless_partial(partial))
}

/// Writes the table in `format` to `output` or standard output.
fn write(table: &Table, format: Format, output: Option<&std::path::Path>) -> Result<()> {
    let mut bytes = Vec::new();
    let library = match format {
        Format::Parquet if output.is_none() => {
            bail!("--format parquet needs --output FILE.parquet")
        }
        Format::Parquet => Some(TableFormat::Parquet),
        Format::Csv => Some(TableFormat::Csv),
        Format::Jsonl => Some(TableFormat::JsonLines),
        Format::Table => None,
    };
    match library {
        Some(format) => pml_export::write_table(table, format, &mut bytes)?,
        None => {
            let headers = table.columns.iter().map(|(n, _)| n.clone()).collect();
            let right = table
                .columns
                .iter()
                .map(|(_, t)| matches!(t, ValueType::Int | ValueType::Float))
                .collect();
            let width = if output.is_none() {
                terminal_width()
            } else {
                None
            };
            let mut text = TextTable::new(&mut bytes, headers, right, width);
            for row in &table.rows {
                text.push(row.iter().map(|v| v.to_text()).collect())?;
            }
            text.finish()?;
        }
    }
    match output {
        Some(path) => {
            let cannot = || format!("cannot write {}", path.display());
            let mut file = pml_parser::AtomicFile::create(path).with_context(cannot)?;
            file.write_all(&bytes).with_context(cannot)?;
            file.commit().with_context(cannot)
        }
        None => {
            let mut out = std::io::stdout().lock();
            ignore_closed_pipe(
                out.write_all(&bytes)
                    .and_then(|()| out.flush())
                    .map_err(anyhow::Error::from),
            )
        }
    }
}
