//! Analysis of Process Monitor captures: ProcMon-style filters, summaries, and the detectors
//! that explain handle races (unmatched opens, sharing violations, inherited handles).

pub mod filter;
pub mod pmc;
pub mod summary;
