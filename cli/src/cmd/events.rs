//! `pml events`: the events that pass a filter, as an aligned table on a terminal, or as CSV or
//! JSON Lines in pipes.

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Result;
use pml_parser::Column;

use pml_analyzer::Query;

use crate::build_args::BuildArgs;
use crate::exit::warn_unreadable;
use crate::filter_args::FilterArgs;
use crate::progress::Progress;
use crate::text_table::{terminal_width, TextTable};
use crate::zone_args::ZoneArgs;

/// Output formats of `pml events`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Aligned columns, cut to the terminal's width.
    Table,
    /// Comma-separated values with a header row.
    Csv,
    /// One JSON object per event.
    Jsonl,
}

/// Arguments of `pml events`.
#[derive(clap::Args)]
pub struct Args {
    /// Captures (.PML): files or glob patterns; the parts X-1.PML, X-2.PML, ... of a split
    /// capture are read with X.PML as one capture.
    #[arg(required = true, value_name = "FILE")]
    files: Vec<PathBuf>,
    #[command(flatten)]
    filter: FilterArgs,
    #[command(flatten)]
    zone: ZoneArgs,
    #[command(flatten)]
    build: BuildArgs,
    /// Columns to show: `default` (ProcMon's 7), `all` (the 27) or names separated by commas,
    /// e.g. 'Process Name,PID,Operation,Path' (default: the --config file's columns, else
    /// ProcMon's 7).
    #[arg(long, value_name = "LIST")]
    columns: Option<String>,
    /// Show at most N events.
    #[arg(long, value_name = "N")]
    limit: Option<u64>,
    /// Output format (default: table on a terminal, CSV otherwise).
    #[arg(long, value_enum)]
    format: Option<Format>,
    /// No progress bar.
    #[arg(short, long)]
    quiet: bool,
}

/// Events per parallel chunk.
const CHUNK: u64 = 1 << 15;

/// Writes `bytes`; `Ok(false)` when the reader went away (a closed pipe).
fn emit(out: &mut impl Write, bytes: &[u8]) -> Result<bool> {
    match out.write_all(bytes) {
        Ok(()) => Ok(true),
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(false),
        Err(e) => Err(e.into()),
    }
}

/// Treats a closed pipe (`pml events x.pml | head`) as the end of the output, not an error.
pub fn ignore_closed_pipe(result: Result<()>) -> Result<()> {
    match result {
        Err(e)
            if e.downcast_ref::<std::io::Error>()
                .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe) =>
        {
            Ok(())
        }
        other => other,
    }
}

/// The rendered matches of one chunk: text, where each row ends, and unreadable events.
struct Chunk {
    bytes: Vec<u8>,
    row_ends: Vec<usize>,
    rows: Vec<Vec<String>>,
    unreadable: u64,
}

/// Runs `pml events`.
pub fn run(args: Args) -> Result<ExitCode> {
    let selection = args.filter.selection()?;
    let columns: Vec<Column> = match &args.columns {
        Some(text) => pml_export::parse_columns(text)?,
        None => selection
            .columns
            .clone()
            .unwrap_or_else(|| Column::DEFAULT.to_vec()),
    };
    let capture = crate::inputs::open_in_zone(&args.files, args.zone.zone()?)?
        .with_procmon_build(args.build.build());
    let stdout_is_terminal = std::io::stdout().is_terminal();
    let format = args.format.unwrap_or(if stdout_is_terminal {
        Format::Table
    } else {
        Format::Csv
    });
    let query = Query::new(&capture, &selection.filter);
    let progress = Progress::new(
        capture.event_count(),
        "events",
        args.quiet || stdout_is_terminal,
    );
    let mut remaining = args.limit.unwrap_or(u64::MAX);
    let mut out = std::io::BufWriter::with_capacity(1 << 20, std::io::stdout().lock());
    let mut unreadable = 0;

    let work = |chunk_of_events: &pml_parser::Chunk| -> Result<Chunk> {
        let mut chunk = Chunk {
            bytes: Vec::new(),
            row_ends: Vec::new(),
            rows: Vec::new(),
            unreadable: 0,
        };
        let mut cell = String::new();
        let unreadable = query.for_each_match(chunk_of_events, |part, index, event| {
            let renderer = part.renderer();
            match format {
                Format::Jsonl => pml_export::write_json_line(
                    &mut chunk.bytes,
                    index,
                    event,
                    &columns,
                    renderer,
                    &mut cell,
                )?,
                Format::Csv => {
                    for (i, &c) in columns.iter().enumerate() {
                        if i > 0 {
                            chunk.bytes.push(b',');
                        }
                        cell.clear();
                        renderer.write(event, c, &mut cell);
                        pml_export::csv_field(&mut chunk.bytes, &cell);
                    }
                    chunk.bytes.push(b'\n');
                }
                Format::Table => {
                    let mut row = vec![index.to_string()];
                    for &c in &columns {
                        let mut s = String::new();
                        renderer.write(event, c, &mut s);
                        row.push(s);
                    }
                    chunk.rows.push(row);
                }
            }
            chunk.row_ends.push(chunk.bytes.len());
            Ok::<(), anyhow::Error>(())
        })?;
        chunk.unreadable = unreadable;
        Ok(chunk)
    };

    match format {
        Format::Table => {
            let mut headers = vec!["#".to_string()];
            headers.extend(columns.iter().map(|c| c.name().to_string()));
            let mut right = vec![true];
            right.extend(
                columns
                    .iter()
                    .map(|c| matches!(c, Column::Pid | Column::Tid | Column::ParentPid)),
            );
            let mut table = TextTable::new(&mut out, headers, right, terminal_width());
            let written = query.run(CHUNK, &progress, work, |chunk| {
                unreadable += chunk.unreadable;
                for row in chunk.rows {
                    if remaining == 0 {
                        return Ok(false);
                    }
                    remaining -= 1;
                    table.push(row)?;
                }
                Ok(remaining > 0)
            });
            ignore_closed_pipe(written.and_then(|()| table.finish()))?;
        }
        Format::Csv | Format::Jsonl => {
            let mut open = true;
            if format == Format::Csv {
                let mut header = Vec::new();
                for (i, c) in columns.iter().enumerate() {
                    if i > 0 {
                        header.push(b',');
                    }
                    pml_export::csv_field(&mut header, c.name());
                }
                header.push(b'\n');
                open = emit(&mut out, &header)?;
            }
            if open {
                query.run(CHUNK, &progress, work, |chunk| {
                    unreadable += chunk.unreadable;
                    let rows = chunk.row_ends.len() as u64;
                    let take = rows.min(remaining);
                    remaining -= take;
                    let end = match take {
                        0 => 0,
                        n => chunk.row_ends[n as usize - 1],
                    };
                    Ok(emit(&mut out, &chunk.bytes[..end])? && remaining > 0)
                })?;
            }
            match out.flush() {
                Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => return Err(e.into()),
                _ => {}
            }
        }
    }
    progress.finish();
    let partial = warn_unreadable(unreadable) || capture.partial();
    Ok(crate::exit::success_unless_partial(partial))
}
