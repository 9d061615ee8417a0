//! One module per subcommand.

pub mod info;
pub mod report;
pub mod synth;
