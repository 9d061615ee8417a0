//! One module per subcommand.

pub mod info;
pub mod events;
pub mod export;
pub mod summary;
