//! Analysis of Process Monitor captures: ProcMon-style filters, summaries, and the detectors
//! that explain handle races (unmatched opens, sharing violations, inherited handles).
