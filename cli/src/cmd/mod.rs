//! One module per subcommand.

pub mod analyze;
pub mod info;
pub mod report;
pub mod synth;
