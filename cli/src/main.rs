//! `pml`: read, query, export and analyze Process Monitor captures on any OS.

mod build_args;
mod cmd;
mod document;
mod exit;
mod filter_args;
mod inputs;
mod progress;
mod text_table;
mod wildcards;
mod zone_args;

use std::process::ExitCode;

/// mimalloc: the exports and summaries allocate and free large column buffers per chunk, which
/// glibc's allocator maps and unmaps from the kernel each time.
#[cfg(feature = "mimalloc")]
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use clap::{Parser, Subcommand};

/// Read, query, export and analyze Sysinternals Process Monitor captures (.PML).
#[derive(Parser)]
#[command(name = "pml", version, about, long_about = None, propagate_version = true)]
struct Cli {
    #[command(subcommand)]
    command: Command,
    /// Regional format of ProcMon CSV/XML exports read as input: a language tag (en-US, en-GB,
    /// de-DE) or dmy / mdy (add `,` for a decimal comma: dmy,). Worked out from the file when
    /// not given.
    #[arg(long, global = true, value_name = "TAG")]
    locale: Option<String>,
}

#[derive(Subcommand)]
enum Command {
    /// Show the capture's system details, event counts per class, processes and time span.
    Info(cmd::info::Args),
    /// Why did it fail: failed processes and their causes, handle races, held files, leaks.
    Analyze(cmd::analyze::Args),
    /// Write a self-contained HTML page that shows each incident on a timeline.
    Report(cmd::report::Args),
    /// What changed between a run that worked (GOOD) and one that failed (BAD), ranked.
    Diff(cmd::diff::Args),
    /// List the events that pass a filter: a table on a terminal, CSV or JSON Lines in pipes.
    Events(cmd::events::Args),
    /// Write the events as CSV exactly as Process Monitor exports it, or as Parquet or JSON Lines.
    Export(cmd::export::Args),
    /// Summaries: processes, tree, files, registry, network, count COLUMN, xref, stacks.
    Summary(cmd::summary::Args),
    /// Group the events that pass the filters by columns, with counts, sums, averages, ...
    Query(cmd::query::Args),
    /// Save the events that pass the filters as a new capture, with the processes they reference.
    Filter(cmd::filter::Args),
    /// Write a synthetic capture with a known failure story (and its expected findings).
    Synth(cmd::synth::Args),
    /// Serve the captures to AI assistants: a Model Context Protocol server on stdin/stdout.
    Mcp(cmd::mcp::Args),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    if let Some(tag) = &cli.locale {
        if let Err(e) = inputs::set_locale(tag) {
            eprintln!(
                "pml: error: {}",
                pml_parser::for_terminal(&format!("{e:#}"))
            );
            return exit::code(exit::ERROR);
        }
    }
    let result = match cli.command {
        Command::Info(args) => cmd::info::run(args),
        Command::Report(args) => cmd::report::run(args),
        Command::Diff(args) => cmd::diff::run(args),
        Command::Synth(args) => cmd::synth::run(args),
        Command::Analyze(args) => cmd::analyze::run(args),
        Command::Events(args) => cmd::events::run(args),
        Command::Summary(args) => cmd::summary::run(args),
        Command::Export(args) => cmd::export::run(args),
        Command::Filter(args) => cmd::filter::run(args),
        Command::Query(args) => cmd::query::run(args),
        Command::Mcp(args) => cmd::mcp::run(args),
    };
    let truncated = pml_parser::guard::any_capture_truncated();
    if inputs::import_partial() {
        eprintln!("pml: warning: an export was read only up to its damage or without some rows (the output is partial)");
    }
    let truncated_or_partial = truncated || inputs::import_partial();
    if truncated {
        eprintln!(
            "pml: warning: a capture was truncated by another program while pml read it; \
             the events past its new end are missing or unreadable (the output is partial)"
        );
    }
    match result {
        Ok(code) if truncated_or_partial && code == ExitCode::SUCCESS => exit::code(exit::PARTIAL),
        Ok(code) => code,
        Err(e) => {
            let message = format!("{e:#}");
            // One line, and nothing from a capture (names, paths) reaches the terminal raw.
            let message = message.replace('\n', " ");
            eprintln!("pml: error: {}", pml_parser::for_terminal(&message));
            if let Some(where_error) = e.downcast_ref::<pml_analyzer::filter::ExprError>() {
                eprintln!("{}", pml_parser::for_terminal_lines(&where_error.caret()));
            }
            exit::code(exit::ERROR)
        }
    }
}
