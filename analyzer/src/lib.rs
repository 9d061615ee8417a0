//! Analysis of Process Monitor captures: ProcMon-style filters, summaries, and the detectors
//! that answer "why did this fail?": processes that exited with an error and the failed
//! operations that most likely caused it, handle races (sharing violations, inherited handles),
//! files held by running images or pending deletes, and handle leaks — after warning about what
//! the capture cannot show.
//!
//! ```no_run
//! let capture = pml_parser::SplitCapture::open("build.pml", Default::default())?;
//! let analysis = pml_analyzer::analyze(&capture, &pml_analyzer::Options::default());
//! for incident in &analysis.incidents {
//!     println!("{}: {}", incident.kind.as_str(), incident.explanation);
//! }
//! # Ok::<(), pml_parser::Error>(())
//! ```
//!
//! The detectors consume plain [`model::Record`]s, so they can be driven without a PML file
//! ([`analyze_records`]).

pub mod access;
mod analysis;
mod detectors;
pub mod diff;
pub mod explain;
mod extract;
pub mod failures;
pub mod filter;
pub mod findings;
pub mod group;
mod hash;
mod held_files;
mod images;
pub mod incidents;
pub mod info;
pub mod leaks;
mod lifetimes;
pub mod model;
pub mod overview;
mod path_memo;
pub mod paths;
pub mod pmc;
pub mod process_tree;
pub mod procmon_noise;
mod query;
pub mod summary;
pub mod warnings;

pub use analysis::{
    analyze, analyze_records, volume_letters, Analysis, Options, Summary, DEFAULT_WINDOW_MS,
};
pub use extract::EventCounts;
pub use failures::{Cause, FailedChild, ProcessFailure};
pub use findings::{Classification, Findings, InheritedHandle, SharingViolation, UnmatchedOpen};
pub use incidents::{Incident, IncidentKind, Severity};
pub use leaks::HandleLeak;
pub use lifetimes::PairingStats;
pub use process_tree::ProcessRef;
pub use query::Query;
pub use warnings::Warning;
