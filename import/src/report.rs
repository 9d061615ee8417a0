//! What an import read, and what the export could not give.

use pml_parser::{Column, ProcmonBuild};

use crate::error::Damage;
use crate::locale::Locale;

/// Something the export could not give, or gave in a form pml had to guess at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Warning {
    /// A stable code: `columns-missing`, `date-missing`, `time-in-seconds`, `time-missing`,
    /// `duration-missing`, `time-zone`, `no-stacks`, `process-instances`,
    /// `detail-partly-kept`, `operation-unknown`, `result-unknown`, `time-unreadable`,
    /// `unknown-columns`, `damaged`.
    pub code: &'static str,
    /// What it means, for people.
    pub message: String,
}

/// What an import read.
#[derive(Debug, Clone, Default)]
pub struct Report {
    /// Rows read from the export.
    pub rows: u64,
    /// Events written (rows that became events).
    pub events: u64,
    /// Rows left out (unknown operation, unreadable time).
    pub skipped: u64,
    /// The first row left out (1-based).
    pub first_skipped_row: Option<u64>,
    /// The columns the export has.
    pub columns: Vec<Column>,
    /// The regional format the rows were read in.
    pub locale: Locale,
    /// Where the export is damaged; the rows before it were read.
    pub damage: Option<Damage>,
    /// What the export could not give.
    pub warnings: Vec<Warning>,
    /// The ProcMon release family whose Detail layout the export shows, when its QueryDirectory
    /// events tell (`3.0-3.4x`, `3.5x` or `3.6+`: each puts FileInformationClass elsewhere);
    /// [`open`](crate::open) makes the capture render as this build, so that they print as the
    /// export has them.
    pub procmon_build: Option<ProcmonBuild>,
}

impl Default for Locale {
    fn default() -> Locale {
        Locale::US
    }
}

impl Report {
    /// True when rows were left out or the file is damaged: not everything was read.
    pub fn partial(&self) -> bool {
        self.skipped > 0 || self.damage.is_some()
    }
}
