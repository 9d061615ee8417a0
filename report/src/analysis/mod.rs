//! The analysis of captures as `pml analyze` prints it: text for people ([`write_text`]) and
//! one JSON document ([`write_json`], described in `docs/analyze.md`).

mod json;
mod text;

use pml_analyzer::warnings::{code, Warning};
use pml_analyzer::{analyze, Analysis, Options};
use pml_parser::SplitCapture;

pub use json::write_json;
pub use text::write_text;

/// The analysis of one capture and what the output calls it.
#[derive(Debug, Clone)]
pub struct AnalyzedCapture {
    /// How the capture is named in the output, e.g. the path given on the command line.
    pub name: String,
    /// What the analyzer found.
    pub analysis: Analysis,
    /// The warnings of the capture's parts (salvaged bytes, odd headers, ...), in part order,
    /// then the analyzer's warnings about what the capture cannot show.
    pub warnings: Vec<Warning>,
}

impl AnalyzedCapture {
    /// Analyzes `capture` (all its parts, as one) and gathers its parts' warnings.
    pub fn new(name: impl Into<String>, capture: &SplitCapture, options: &Options) -> Self {
        AnalyzedCapture {
            name: name.into(),
            analysis: analyze(capture, options),
            warnings: Vec::new(),
        }
        .with_warnings(capture)
    }

    fn with_warnings(mut self, capture: &SplitCapture) -> Self {
        self.warnings = capture
            .captures()
            .flat_map(|c| c.warnings().iter())
            .map(|w| Warning::new(code::DAMAGED_CAPTURE, w.clone()))
            .chain(self.analysis.warnings.iter().cloned())
            .collect();
        self
    }

    /// Events of the capture that could not be read.
    pub fn unreadable_events(&self) -> u64 {
        self.analysis
            .summary
            .events
            .as_ref()
            .map_or(0, |e| e.unreadable_events)
    }
}
