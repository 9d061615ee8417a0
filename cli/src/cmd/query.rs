//! `pml query`: the events that pass the filters, grouped by columns, with metrics per group.

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result};
use pml_analyzer::group::{GroupBy, Grouped, Metric, Value};
use pml_analyzer::Query;

use crate::build_args::BuildArgs;
use crate::cmd::events::ignore_closed_pipe;
use crate::exit::warn_unreadable;
use crate::filter_args::FilterArgs;
use crate::progress::Progress;
use crate::text_table::{terminal_width, TextTable};
use crate::zone_args::ZoneArgs;

/// Output formats of `pml query`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Aligned columns.
    Table,
    /// Comma-separated values with a header row.
    Csv,
    /// `{"groups": [{"key": {...}, "metrics": {...}}], "total_matched": N}`.
    Json,
}

/// Arguments of `pml query`.
#[derive(clap::Args)]
pub struct Args {
    /// Captures (.PML): files or glob patterns (split parts X-1.PML ... are read with X.PML).
    #[arg(required = true, value_name = "FILE")]
    files: Vec<PathBuf>,
    #[command(flatten)]
    filter: FilterArgs,
    #[command(flatten)]
    zone: ZoneArgs,
    #[command(flatten)]
    build: BuildArgs,
    /// Columns to group by, separated by commas: 'Process Name,Operation'. Any ProcMon column,
    /// or Length, Offset, Bytes (from the details of file reads / writes and network events).
    #[arg(long = "group-by", value_name = "COL[,COL]", required = true)]
    group_by: String,
    /// A metric per group (repeatable): count (the default), sum(COL), avg(COL), min(COL),
    /// max(COL), distinct(COL). Groups are sorted by the first, largest first.
    #[arg(long = "metric", value_name = "M")]
    metrics: Vec<String>,
    /// Show the N first groups only.
    #[arg(long, value_name = "N")]
    top: Option<usize>,
    /// Output format (default: table on a terminal, CSV otherwise).
    #[arg(long, value_enum)]
    format: Option<Format>,
    /// No progress bar.
    #[arg(short, long)]
    quiet: bool,
}

/// Runs `pml query`.
pub fn run(args: Args) -> Result<ExitCode> {
    let selection = args.filter.selection()?;
    let keys = GroupBy::parse_keys(&args.group_by).context("--group-by")?;
    let metrics = args
        .metrics
        .iter()
        .map(|m| {
            m.parse::<Metric>()
                .with_context(|| format!("--metric '{m}'"))
        })
        .collect::<Result<Vec<Metric>>>()?;
    let group_by = GroupBy::new(keys, metrics);
    let capture = crate::inputs::open_in_zone(&args.files, args.zone.zone()?)?
        .with_procmon_build(args.build.build());
    let query = Query::new(&capture, &selection.filter);
    let progress = Progress::new(capture.event_count(), "events", args.quiet);
    let mut grouped = group_by.run(&query, &progress);
    progress.finish();
    if let Some(n) = args.top {
        grouped.top(n);
    }
    let to_terminal = std::io::stdout().is_terminal();
    let format = args.format.unwrap_or(if to_terminal {
        Format::Table
    } else {
        Format::Csv
    });
    let mut bytes = Vec::new();
    write(&grouped, format, &mut bytes, to_terminal)?;
    let mut out = std::io::stdout().lock();
    ignore_closed_pipe(
        out.write_all(&bytes)
            .and_then(|()| out.flush())
            .map_err(anyhow::Error::from),
    )?;
    let partial = warn_unreadable(grouped.unreadable) || capture.partial();
    Ok(crate::exit::success_unless_partial(partial))
}

/// Writes the groups in `format`.
fn write(grouped: &Grouped, format: Format, out: &mut Vec<u8>, terminal: bool) -> Result<()> {
    let mut headers: Vec<String> = grouped.keys.iter().map(|f| f.name().to_string()).collect();
    headers.extend(grouped.metrics.iter().map(Metric::name));
    match format {
        Format::Json => {
            serde_json::to_writer_pretty(&mut *out, &grouped.to_json())?;
            out.push(b'\n');
        }
        Format::Csv => {
            let line = |cells: &mut dyn Iterator<Item = String>, out: &mut Vec<u8>| {
                for (i, cell) in cells.enumerate() {
                    if i > 0 {
                        out.push(b',');
                    }
                    pml_export::csv_field(out, &cell);
                }
                out.push(b'\n');
            };
            line(&mut headers.into_iter(), out);
            for g in &grouped.groups {
                let mut cells = g
                    .key
                    .iter()
                    .cloned()
                    .chain(g.metrics.iter().map(Value::to_text));
                line(&mut cells, out);
            }
        }
        Format::Table => {
            let right = grouped
                .keys
                .iter()
                .map(|_| false)
                .chain(grouped.metrics.iter().map(|_| true))
                .collect();
            let width = if terminal { terminal_width() } else { None };
            let mut table = TextTable::new(&mut *out, headers, right, width);
            for g in &grouped.groups {
                let row = g
                    .key
                    .iter()
                    .cloned()
                    .chain(g.metrics.iter().map(Value::to_text))
                    .collect();
                table.push(row)?;
            }
            table.finish()?;
        }
    }
    Ok(())
}
