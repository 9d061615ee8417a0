//! `pml analyze --json`: every finding of every capture, tagged with its capture, and totals.

use std::io::{self, Write};

use pml_analyzer::{
    Analysis, HandleLeak, Incident, InheritedHandle, ProcessFailure, SharingViolation, Summary,
    UnmatchedOpen, Warning,
};
use serde::Serialize;

use super::AnalyzedCapture;

/// A finding and the capture it comes from.
#[derive(Serialize)]
struct Tagged<'a, T> {
    capture: &'a str,
    #[serde(flatten)]
    item: &'a T,
}

/// The analyzer's summary of one capture, with its name and warnings.
#[derive(Serialize)]
struct CaptureEntry<'a> {
    capture: &'a str,
    #[serde(flatten)]
    summary: &'a Summary,
    warnings: &'a [Warning],
}

/// Totals over all captures.
#[derive(Serialize)]
struct Totals<'a> {
    failures: usize,
    incidents: usize,
    handle_leaks: usize,
    unmatched_opens: usize,
    sharing_violations: usize,
    inherited_handle_candidates: usize,
    captures: Vec<CaptureEntry<'a>>,
}

/// The document.
#[derive(Serialize)]
struct Document<'a> {
    failures: Vec<Tagged<'a, ProcessFailure>>,
    incidents: Vec<Tagged<'a, Incident>>,
    handle_leaks: Vec<Tagged<'a, HandleLeak>>,
    unmatched_opens: Vec<Tagged<'a, UnmatchedOpen>>,
    sharing_violations: Vec<Tagged<'a, SharingViolation>>,
    inherited_handles: Vec<Tagged<'a, InheritedHandle>>,
    summary: Totals<'a>,
}

/// Writes the findings of `all` as one pretty-printed JSON document and a line feed.
pub fn write_json(out: &mut impl Write, all: &[AnalyzedCapture]) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, &document(all))?;
    out.write_all(b"\n")
}

fn tagged<'a, T>(
    all: &'a [AnalyzedCapture],
    items: impl Fn(&'a Analysis) -> &'a [T] + 'a,
) -> Vec<Tagged<'a, T>> {
    all.iter()
        .flat_map(|a| {
            items(&a.analysis).iter().map(|item| Tagged {
                capture: &a.name,
                item,
            })
        })
        .collect()
}

fn document(all: &[AnalyzedCapture]) -> Document<'_> {
    let sum = |f: &dyn Fn(&Analysis) -> usize| all.iter().map(|a| f(&a.analysis)).sum();
    Document {
        failures: tagged(all, |a| &a.failures),
        incidents: tagged(all, |a| &a.incidents),
        handle_leaks: tagged(all, |a| &a.handle_leaks),
        unmatched_opens: tagged(all, |a| &a.unmatched_opens),
        sharing_violations: tagged(all, |a| &a.sharing_violations),
        inherited_handles: tagged(all, |a| &a.inherited_handles),
        summary: Totals {
            failures: sum(&|a| a.failures.len()),
            incidents: sum(&|a| a.incidents.len()),
            handle_leaks: sum(&|a| a.handle_leaks.len()),
            unmatched_opens: sum(&|a| a.unmatched_opens.len()),
            sharing_violations: sum(&|a| a.sharing_violations.len()),
            inherited_handle_candidates: sum(&|a| a.inherited_handles.len()),
            captures: all
                .iter()
                .map(|a| CaptureEntry {
                    capture: &a.name,
                    summary: &a.analysis.summary,
                    warnings: &a.warnings,
                })
                .collect(),
        },
    }
}
