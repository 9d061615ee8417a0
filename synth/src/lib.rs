//! Synthetic Process Monitor captures with known failure stories, written with
//! [`pml_parser::writer`], and the findings the analyzer must report for them.
//!
//! ```no_run
//! use std::path::Path;
//!
//! let out = Path::new("seed-race.pml");
//! let expected = pml_synth::scenario("seed-race", out, &pml_synth::Options::default())?;
//! assert_eq!(expected.incidents.len(), 1);
//! // The same findings as JSON, beside the capture:
//! assert!(pml_synth::expected_path(out).exists());
//! # Ok::<(), pml_synth::Error>(())
//! ```
//!
//! Each scenario of [`SCENARIOS`] plants one story (a real build failure or a near miss that must
//! stay silent) among background noise; [`bulk`] writes a large capture of realistic background
//! activity with incidents planted at random points. Both write `OUT.expected.json` (see
//! [`expected_path`]) beside `OUT.pml` and return its content as [`Expected`]. Each pair of
//! [`PAIRS`] is two runs of the same build, one that worked and one that failed, with the
//! differences `pml diff` must rank first ([`pair`] writes `OUT.good.pml`, `OUT.bad.pml` and
//! `OUT.diff.json`). The same options always give the same bytes, on every platform.

mod bulk;
mod catalog;
mod error;
mod expected;
mod noise;
mod rng;
mod scenarios;
mod timeline;

use std::path::{Path, PathBuf};

pub use bulk::{bulk, BulkOptions};
pub use error::{Error, Result};
pub use expected::{Classification, Expected, Incident, ProcRef, SharingViolation, UnmatchedOpen};
pub use scenarios::{
    pair, pair_paths, run, scenario, ExpectedDiff, ExpectedDifference, Run, PAIRS, SCENARIOS,
};

/// How to write a capture: what [`scenario`] takes, and [`bulk`] with its own options.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Options {
    /// Seed: the same seed always gives the same bytes. Default 1 (the captures in `testdata/`).
    pub seed: u64,
    /// A 64-bit capture (8-byte pointers in stacks, modules and parameter blocks); `false` for a
    /// 32-bit one. Default `true`.
    pub is_64bit: bool,
    /// End the capture as ProcMon leaves one it was killed during: the same events, but no
    /// tables and no table offsets in the header (readers refuse it; salvage can walk the
    /// events). Default `false`.
    pub cut_off: bool,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            seed: 1,
            is_64bit: true,
            cut_off: false,
        }
    }
}

/// `OUT.expected.json` beside `OUT.pml`: where [`scenario`] and [`bulk`] write the findings.
pub fn expected_path(out: &Path) -> PathBuf {
    out.with_extension("expected.json")
}

/// Writes `expected` as pretty JSON beside the capture `out`; the file appears only once
/// complete.
fn write_expected(out: &Path, expected: &Expected) -> Result<()> {
    let path = expected_path(out);
    // Plain structs with string keys: serde_json cannot fail on them.
    let mut text = serde_json::to_string_pretty(expected).expect("the findings serialize");
    text.push('\n');
    let write = || -> std::io::Result<()> {
        let mut file = pml_parser::AtomicFile::create(&path)?;
        std::io::Write::write_all(&mut file, text.as_bytes())?;
        file.commit()
    };
    write().map_err(|source| Error::io(&path, source))
}
