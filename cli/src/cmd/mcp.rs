//! `pml mcp`: the Model Context Protocol server on standard input and output, for AI assistants
//! (docs/mcp.md).

use std::io::IsTerminal;
use std::process::ExitCode;

use anyhow::{Context, Result};
use pml_mcp::{Server, ServerOptions};

/// Arguments of `pml mcp`.
#[derive(clap::Args)]
pub struct Args {
    /// Keep at most N captures open at once (the least recently used is closed first).
    #[arg(long, default_value_t = ServerOptions::default().max_open_captures, value_name = "N")]
    max_open_captures: usize,
}

/// Runs `pml mcp` until the client closes standard input.
pub fn run(args: Args) -> Result<ExitCode> {
    let mut server = Server::new(ServerOptions {
        max_open_captures: args.max_open_captures,
    });
    let stdin = std::io::stdin();
    if stdin.is_terminal() {
        eprintln!(
            "pml mcp: waiting for an MCP client on standard input (AI assistants start this \
             command themselves: see docs/mcp.md); Ctrl-D ends it"
        );
    }
    server
        .serve(stdin.lock(), std::io::stdout().lock())
        .context("the MCP connection on standard input and output failed")?;
    Ok(ExitCode::SUCCESS)
}
