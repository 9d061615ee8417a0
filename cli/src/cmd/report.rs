//! `pml report`: one self-contained HTML page with each incident on a timeline.

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result};
use pml_analyzer::overview::{Histogram, Overview};
use pml_parser::{AtomicFile, Capture, FileTime, SplitCapture};

use crate::report::model::{CaptureSummary, ProcessNode, ReportData};
use crate::report::views::{self, FindingViews};

/// Arguments of `pml report`.
#[derive(clap::Args)]
pub struct Args {
    /// The capture (.PML); several files are read as consecutive parts of one capture.
    #[arg(required = true, value_name = "FILE")]
    files: Vec<PathBuf>,
    /// Where to write the page.
    #[arg(short, long, value_name = "REPORT.html")]
    output: PathBuf,
    /// A child created this many ms or less after an open counts as inheriting its handle
    /// (default: the analyzer's).
    #[arg(long, value_name = "N")]
    window_ms: Option<u64>,
}

/// At most this many histogram buckets, whatever the capture's length.
const MAX_BUCKETS: u64 = 120;

/// Runs the analyzer over a capture (all its parts) and turns its findings into what the page
/// shows.
pub fn findings_to_views(capture: &SplitCapture, window_ms: Option<u64>) -> FindingViews {
    let mut options = pml_analyzer::Options::default();
    if let Some(window) = window_ms {
        options.window_ms = window;
    }
    let analysis = pml_analyzer::analyze(capture, &options);
    views::views(capture, &analysis)
}

/// Runs `pml report`.
pub fn run(args: Args) -> Result<ExitCode> {
    // Split parts are added and put in time order; damaged captures are salvaged.
    let split = crate::inputs::open(&args.files)?;
    let partial = split.partial();
    let captures: Vec<&Capture> = split.captures().collect();
    let names: Vec<String> = args.files.iter().map(|f| f.display().to_string()).collect();
    let (capture, histogram, unreadable) = summarize(&split, names.join(", "));
    let findings = findings_to_views(&split, args.window_ms);
    let involved: BTreeSet<u32> = findings
        .incidents
        .iter()
        .flat_map(|i| i.lanes.iter().map(|l| l.process_index))
        .collect();
    let data = ReportData {
        capture,
        counts_by_kind: findings.counts_by_kind,
        incidents: findings.incidents,
        unmatched_opens: findings.unmatched_opens,
        sharing_violations: findings.sharing_violations,
        process_tree: captures
            .first()
            .map(|c| process_nodes(c, &involved))
            .unwrap_or_default(),
        histogram,
    };
    let cannot = || format!("cannot write {}", args.output.display());
    let mut file = AtomicFile::create(&args.output).with_context(cannot)?;
    crate::report::write_report(&data, &mut file).with_context(cannot)?;
    file.commit().with_context(cannot)?;
    eprintln!(
        "pml: wrote {} ({} incidents)",
        args.output.display(),
        data.incidents.len()
    );
    Ok(crate::exit::success_unless_partial(
        unreadable > 0 || partial,
    ))
}

/// The capture summary, the histogram and the number of unreadable events, over all parts.
fn summarize(capture: &SplitCapture, file: String) -> (CaptureSummary, Histogram, u64) {
    let overview = Overview::compute(capture);
    let header = capture.captures().next().map(Capture::header);
    let summary = CaptureSummary {
        file,
        computer: header.map(|h| h.computer_name.clone()).unwrap_or_default(),
        os: header.map(|h| h.os.display_name()).unwrap_or_default(),
        first_event: overview.first_time.map(FileTime::to_rfc3339),
        last_event: overview.last_time.map(FileTime::to_rfc3339),
        events: overview.events,
        processes: Overview::distinct_processes(capture) as u64,
    };
    let histogram = Histogram::compute(capture, &overview, MAX_BUCKETS);
    (summary, histogram, overview.unreadable_events)
}

/// The processes `involved` (by process index) and their ancestors, as tree nodes.
fn process_nodes(capture: &Capture, involved: &BTreeSet<u32>) -> Vec<ProcessNode> {
    let table = capture.processes();
    let mut wanted = BTreeSet::new();
    for &index in involved {
        let mut at = table.get(index);
        // The parent chain is at most the table long, even when it loops.
        while let Some(p) = at {
            if !wanted.insert(p.index) {
                break;
            }
            at = table.get(p.parent_index);
        }
    }
    let time = |t: FileTime| (!t.is_zero()).then(|| t.to_rfc3339());
    wanted
        .into_iter()
        .filter_map(|i| table.get(i))
        .map(|p| ProcessNode {
            pid: p.pid,
            process_index: p.index,
            name: p.name.to_string(),
            command_line: p.command_line.to_string(),
            parent_index: table.get(p.parent_index).map(|q| q.index),
            start: time(p.start_time),
            end: time(p.end_time),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(name: &str) -> Option<Capture> {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../shared/pml-samples")
            .join(format!("{name}.pml.gz"));
        let Ok(file) = std::fs::File::open(&path) else {
            eprintln!("SKIPPED: no real captures at {}", path.display());
            return None;
        };
        let mut data = Vec::new();
        std::io::Read::read_to_end(&mut flate2::read::GzDecoder::new(file), &mut data).ok()?;
        Capture::from_bytes(data).ok()
    }

    #[test]
    fn histogram_counts_every_readable_event_once() {
        let Some(capture) = sample("process-64bit") else {
            return;
        };
        let (summary, histogram, unreadable) = summarize(&capture.into(), "x".into());
        assert_eq!(unreadable, 0);
        let total: u64 = histogram.classes.iter().flat_map(|c| &c.counts).sum();
        assert_eq!(total, summary.events);
        assert_eq!(summary.events, 3400, "the manifest's event count");
        let process = histogram
            .classes
            .iter()
            .find(|c| c.class == "Process")
            .expect("Process class");
        let len = process.counts.len() as u64;
        assert!((1..=MAX_BUCKETS).contains(&len));
        // Bucket widths times bucket count cover the capture's span.
        assert!(summary.first_event.is_some() && summary.last_event.is_some());
    }

    #[test]
    fn process_tree_brings_the_ancestors() {
        let Some(capture) = sample("process-64bit") else {
            return;
        };
        let table = capture.processes();
        // A process whose parent and grandparent are in the table.
        let Some(child) = table.iter().find(|p| {
            table
                .get(p.parent_index)
                .is_some_and(|q| q.index != p.index && table.get(q.parent_index).is_some())
        }) else {
            panic!("process-64bit has a process with a known grandparent");
        };
        let nodes = process_nodes(&capture, &BTreeSet::from([child.index]));
        let indices: BTreeSet<u32> = nodes.iter().map(|n| n.process_index).collect();
        assert!(indices.contains(&child.index));
        assert!(indices.contains(&child.parent_index));
        let me = nodes
            .iter()
            .find(|n| n.process_index == child.index)
            .unwrap();
        assert_eq!(me.parent_index, Some(child.parent_index));
        assert_eq!(me.command_line, child.command_line.as_ref());
    }
}
