//! One module per subcommand.

pub mod analyze;
pub mod export;
pub mod info;
pub mod report;
pub mod synth;
