//! Why an export could not be read.

/// Where an export is damaged and what is wrong there; the rows before it were read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Damage {
    /// Where: `line 1234` (CSV) or `byte 5678` (XML).
    pub at: String,
    /// What is wrong.
    pub reason: String,
}

/// Why nothing could be read.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Reading the file, or writing the capture it becomes, failed.
    #[error("{0}")]
    Io(#[from] std::io::Error),
    /// The file is not a ProcMon CSV or XML export.
    #[error("not a Process Monitor capture, CSV export or XML export: {reason}")]
    NotAnExport {
        /// What gave it away.
        reason: String,
    },
    /// The capture could not be written.
    #[error("{0}")]
    Write(#[from] pml_parser::writer::WriteError),
    /// The capture written could not be opened again.
    #[error("{0}")]
    Open(#[from] pml_parser::Error),
}

/// The result of an import.
pub type Result<T> = std::result::Result<T, Error>;
