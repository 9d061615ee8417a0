//! Errors of the reader: each names the structure, the byte offset and, for events, the event index.

use std::fmt;
use std::path::{Path, PathBuf};

/// A result whose error is a [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// What went wrong while reading a capture.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The file could not be opened or mapped.
    #[error("cannot read the file: {0}")]
    Io(#[from] std::io::Error),
    /// The first four bytes are not `PML_`.
    #[error(
        "not a Process Monitor capture (the file starts with {found:02x?}, expected \"PML_\")"
    )]
    NotPml {
        /// The bytes found at offset 0.
        found: Vec<u8>,
    },
    /// A format version other than 9 and 7.
    #[error("unsupported PML format version {0} (versions 9 and 7 are read)")]
    UnsupportedVersion(u32),
    /// The header's table offsets are zero: ProcMon was killed before it wrote the tables.
    #[error(
        "the capture was not closed cleanly: the header's {table} offset is zero, so ProcMon never wrote its \
         tables (it was killed or ran out of disk while capturing)"
    )]
    NotClosedCleanly {
        /// The first table whose offset is zero.
        table: &'static str,
    },
    /// A structure runs past the end of the file.
    #[error("{structure} at byte offset {offset:#x} needs {needed} bytes but the file ends at {file_len:#x} (truncated?)")]
    Truncated {
        /// The structure being read.
        structure: &'static str,
        /// Where it starts.
        offset: u64,
        /// How many bytes it needs.
        needed: u64,
        /// The file length.
        file_len: u64,
    },
    /// A structure holds a value that cannot be right.
    #[error("{structure} at byte offset {offset:#x} is corrupt: {reason}")]
    Corrupt {
        /// The structure being read.
        structure: &'static str,
        /// Where it starts.
        offset: u64,
        /// What is wrong with it.
        reason: String,
    },
    /// An event index past the event count.
    #[error("event {index} does not exist (the capture has {count} events)")]
    NoSuchEvent {
        /// The index asked for.
        index: u64,
        /// The number of events.
        count: u64,
    },
    /// One event could not be read; the others still can.
    #[error("event {index} at byte offset {offset:#x}: {reason}")]
    BadEvent {
        /// Event index.
        index: u64,
        /// Byte offset of the event record.
        offset: u64,
        /// What is wrong with it.
        reason: String,
    },
}

/// An error of the reader, with the file it concerns when there is one.
#[derive(Debug)]
pub struct Error {
    path: Option<PathBuf>,
    kind: Box<ErrorKind>,
}

impl Error {
    /// Wraps a kind without a file name.
    pub fn new(kind: ErrorKind) -> Self {
        Error {
            path: None,
            kind: Box::new(kind),
        }
    }

    /// Attaches the file name shown in front of the message.
    pub fn with_path(mut self, path: &Path) -> Self {
        self.path = Some(path.to_path_buf());
        self
    }

    /// What went wrong.
    pub fn kind(&self) -> &ErrorKind {
        &self.kind
    }

    /// The file the error concerns, when known.
    pub fn path(&self) -> Option<&Path> {
        self.path.as_deref()
    }

    pub(crate) fn truncated(
        structure: &'static str,
        offset: u64,
        needed: u64,
        file_len: u64,
    ) -> Self {
        Error::new(ErrorKind::Truncated {
            structure,
            offset,
            needed,
            file_len,
        })
    }

    pub(crate) fn corrupt(structure: &'static str, offset: u64, reason: impl Into<String>) -> Self {
        Error::new(ErrorKind::Corrupt {
            structure,
            offset,
            reason: reason.into(),
        })
    }

    pub(crate) fn bad_event(index: u64, offset: u64, reason: impl Into<String>) -> Self {
        Error::new(ErrorKind::BadEvent {
            index,
            offset,
            reason: reason.into(),
        })
    }
}

impl From<ErrorKind> for Error {
    fn from(kind: ErrorKind) -> Self {
        Error::new(kind)
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.path {
            Some(path) => write!(f, "{}: {}", path.display(), self.kind),
            None => write!(f, "{}", self.kind),
        }
    }
}

/// The message already includes the I/O error's text, so no source is reported
/// (error chains would print it twice).
impl std::error::Error for Error {}
