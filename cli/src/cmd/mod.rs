//! One module per subcommand.

pub mod analyze;
pub mod diff;
pub mod events;
pub mod export;
pub mod filter;
pub mod info;
pub mod mcp;
pub mod query;
pub mod report;
pub mod summary;
pub mod synth;
