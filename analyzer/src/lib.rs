//! Analysis of Process Monitor captures: ProcMon-style filters, summaries, and the detectors
//! that explain handle races (unmatched opens, sharing violations, inherited handles).
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
pub mod diff;
pub mod explain;
mod extract;
pub mod filter;
pub mod findings;
pub mod group;
mod hash;
pub mod incidents;
mod lifetimes;
pub mod model;
pub mod overview;
pub mod paths;
pub mod pmc;
pub mod process_tree;
mod query;
pub mod summary;

pub use analysis::{analyze, analyze_records, Analysis, Options, Summary, DEFAULT_WINDOW_MS};
pub use extract::EventCounts;
pub use findings::{Classification, Findings, InheritedHandle, SharingViolation, UnmatchedOpen};
pub use incidents::{Incident, IncidentKind, Severity};
pub use lifetimes::PairingStats;
pub use process_tree::ProcessRef;
pub use query::Query;
