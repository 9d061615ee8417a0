//! Writers of the machine-readable formats: JSON Lines and Parquet.

pub mod jsonl;
pub mod parquet;
