//! What can go wrong while synthesizing a capture.

use std::io;
use std::path::{Path, PathBuf};

use crate::SCENARIOS;

/// A result whose error is an [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Why a capture or its expected findings could not be written.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// [`scenario`](crate::scenario) was asked for a name that is not in
    /// [`SCENARIOS`] (the message also offers `bulk`, the name of [`bulk`](crate::bulk) in
    /// `pml synth`).
    #[error("unknown scenario {name:?}; choose one of: {}, bulk", SCENARIOS.join(", "))]
    UnknownScenario {
        /// The name asked for.
        name: String,
    },
    /// Creating or writing a file failed: the capture, or the expected findings (or their
    /// temporary file).
    #[error("cannot write {}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// What the system said.
        #[source]
        source: io::Error,
    },
    /// [`bulk`](crate::bulk) was asked for fewer events than its planted incidents need.
    #[error(
        "{events} events are too few for the {planted} planted incidents ({needed} events); ask for more"
    )]
    TooFewEvents {
        /// The number of events asked for.
        events: u64,
        /// The number of incidents planted.
        planted: u64,
        /// The number of events of those incidents.
        needed: u64,
    },
}

impl Error {
    /// An [`Error::Io`] on `path`.
    pub(crate) fn io(path: &Path, source: io::Error) -> Error {
        Error::Io {
            path: path.to_path_buf(),
            source,
        }
    }
}
