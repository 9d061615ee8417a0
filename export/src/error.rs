//! Errors of the exports: what could not be written, and where.

use std::path::{Path, PathBuf};

/// A result whose error is an export [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Why an export failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Writing the output failed.
    #[error("{0}")]
    Io(#[from] std::io::Error),
    /// The error of an output file, with its path.
    #[error("cannot write {}: {source}", path.display())]
    InFile {
        /// The output file.
        path: PathBuf,
        /// What went wrong.
        source: Box<Error>,
    },
    /// A column list names a column ProcMon does not have.
    #[error("unknown column {name:?} in --columns; use default, all, or names among: {known}")]
    UnknownColumn {
        /// The name given.
        name: String,
        /// The column names, comma-separated.
        known: String,
    },
    /// The parts of a capture to save as one mix 32-bit and 64-bit captures.
    #[error("the parts mix 32-bit and 64-bit captures; save them separately")]
    MixedBitness,
    /// There is no capture to save.
    #[error("no capture given")]
    NoCapture,
    /// A Parquet file cannot be written: the `parquet` feature is off.
    #[error("this build of pml has no Parquet support (the `parquet` feature is off)")]
    NoParquet,
    /// polars could not build or write a Parquet file.
    #[cfg(feature = "parquet")]
    #[error("{0}")]
    Parquet(#[from] polars::error::PolarsError),
    /// A JSON value could not be written.
    #[error("{0}")]
    Json(#[from] serde_json::Error),
}

impl Error {
    /// The same error said of the output file at `path`, when it is about writing it.
    pub fn in_file(self, path: &Path) -> Error {
        match self {
            Error::Io(_) | Error::Json(_) => Error::InFile {
                path: path.to_path_buf(),
                source: Box::new(self),
            },
            #[cfg(feature = "parquet")]
            Error::Parquet(_) => Error::InFile {
                path: path.to_path_buf(),
                source: Box::new(self),
            },
            other => other,
        }
    }
}
