//! A Model Context Protocol (MCP) server over Process Monitor captures: AI assistants open
//! `.PML` files, query, group and inspect their events, get the analysis and the HTML report,
//! and compare a run that worked with one that failed, through tools (`pml mcp` runs it on
//! standard input and output).
//!
//! The server speaks JSON-RPC 2.0, one message per line ([the stdio transport]), and both eras of
//! the protocol: the `initialize` handshake (revisions 2024-11-05 to 2025-11-25) and the
//! per-request envelope of revision 2026-07-28 (`server/discover`, `_meta` on every request,
//! `resultType` on every result). It runs over any reader and writer:
//!
//! ```no_run
//! let mut server = pml_mcp::Server::new(pml_mcp::ServerOptions::default());
//! let stdin = std::io::stdin();
//! server.serve(stdin.lock(), std::io::stdout().lock())?;
//! # Ok::<(), std::io::Error>(())
//! ```
//!
//! or one message at a time ([`Server::handle`]), as the tests do.
//!
//! The tools are `info`, `query`, `event`, `process_tree`, `analyze`, `summary`, `diff` and
//! `report` ([`tools`] lists their descriptions and argument schemas). Captures are opened once and
//! kept by path (opened again when the file changes); answers are bounded (paging with totals
//! and a `truncated` flag); bad arguments and unreadable captures are tool errors
//! (`isError: true`) that say what is wrong, and the server goes on.
//!
//! [the stdio transport]: https://modelcontextprotocol.io/specification/2025-11-25/basic/transports

mod bound;
mod captures;
mod protocol;
pub mod tools;

pub use protocol::{Server, ServerOptions, HANDSHAKE_VERSIONS, MODERN_VERSIONS};
