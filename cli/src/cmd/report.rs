//! `pml report`: one self-contained HTML page with each incident on a timeline.

use std::collections::{BTreeSet, HashSet};
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Result;
use pml_parser::{Capture, EventClass, FileTime};
use rayon::prelude::*;

use crate::inputs::Inputs;
use crate::output::AtomicFile;
use crate::report::model::{CaptureSummary, ClassSeries, Histogram, ProcessNode, ReportData};
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
/// FILETIME ticks per second.
const TICKS_PER_SECOND: u64 = 10_000_000;

/// Runs the analyzer over the parts of one capture (in time order, events numbered across them)
/// and turns its findings into what the page shows.
pub fn findings_to_views(captures: &[Capture], window_ms: Option<u64>) -> FindingViews {
    let mut options = pml_analyzer::Options::default();
    if let Some(window) = window_ms {
        options.window_ms = window;
    }
    let mut first_index = 0;
    let parts: Vec<(&Capture, u64)> = captures
        .iter()
        .map(|c| {
            let part = (c, first_index);
            first_index += c.event_count();
            part
        })
        .collect();
    let report = pml_analyzer::analyze_parts(&parts, &options);
    views::views(captures, &report)
}

/// Runs `pml report`.
pub fn run(args: Args) -> Result<ExitCode> {
    // Split parts are added and put in time order; damaged captures are salvaged.
    let inputs = Inputs::open(&args.files)?;
    let partial = inputs.partial();
    let captures: Vec<Capture> = inputs.into_parts().into_iter().map(|p| p.capture).collect();
    let names: Vec<String> = args.files.iter().map(|f| f.display().to_string()).collect();
    let (capture, histogram, unreadable) = summarize(&captures, names.join(", "));
    let findings = findings_to_views(&captures, args.window_ms);
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
    let mut file = AtomicFile::create(&args.output)?;
    crate::report::write_report(&data, &mut file)?;
    file.commit()?;
    eprintln!(
        "pml: wrote {} ({} incidents)",
        args.output.display(),
        data.incidents.len()
    );
    Ok(crate::exit::success_unless_partial(
        unreadable > 0 || partial,
    ))
}

/// Per-class counts, time span and unreadable events of some events.
#[derive(Default, Clone, Copy)]
struct Span {
    errors: u64,
    first: Option<FileTime>,
    last: Option<FileTime>,
}

impl Span {
    fn add(mut self, t: FileTime) -> Span {
        self.first = Some(self.first.map_or(t, |f| f.min(t)));
        self.last = Some(self.last.map_or(t, |l| l.max(t)));
        self
    }

    fn merge(self, other: Span) -> Span {
        let mut s = Span {
            errors: self.errors + other.errors,
            ..self
        };
        for t in [other.first, other.last].into_iter().flatten() {
            s = s.add(t);
        }
        s
    }
}

/// The capture summary, the histogram and the number of unreadable events, over all parts.
fn summarize(captures: &[Capture], file: String) -> (CaptureSummary, Histogram, u64) {
    let span = captures
        .iter()
        .map(|c| {
            c.par_events()
                .fold(Span::default, |s, e| match e {
                    Ok(e) => s.add(e.time()),
                    Err(_) => Span {
                        errors: s.errors + 1,
                        ..s
                    },
                })
                .reduce(Span::default, Span::merge)
        })
        .fold(Span::default(), Span::merge);
    let processes: HashSet<(u32, FileTime)> = captures
        .iter()
        .flat_map(|c| c.processes().iter().map(|p| (p.pid, p.start_time)))
        .collect();
    let header = captures.first().map(Capture::header);
    let summary = CaptureSummary {
        file,
        computer: header.map(|h| h.computer_name.clone()).unwrap_or_default(),
        os: header.map(|h| h.os.display_name()).unwrap_or_default(),
        first_event: span.first.map(FileTime::to_rfc3339),
        last_event: span.last.map(FileTime::to_rfc3339),
        events: captures.iter().map(Capture::event_count).sum(),
        processes: processes.len() as u64,
    };
    let histogram = match (span.first, span.last) {
        (Some(first), Some(last)) => histogram(captures, first, last),
        _ => Histogram::default(),
    };
    (summary, histogram, span.errors)
}

/// The smallest round bucket width (seconds) that covers `seconds` in at most [`MAX_BUCKETS`].
fn bucket_seconds(seconds: u64) -> u64 {
    const ROUND: [u64; 12] = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 1800, 3600];
    ROUND
        .into_iter()
        .find(|b| seconds.div_ceil(*b) <= MAX_BUCKETS)
        .unwrap_or_else(|| seconds.div_ceil(MAX_BUCKETS).max(1))
}

/// Events per bucket and class between `first` and `last`.
fn histogram(captures: &[Capture], first: FileTime, last: FileTime) -> Histogram {
    let seconds = last.ticks_since(first) / TICKS_PER_SECOND + 1;
    let width = bucket_seconds(seconds);
    let buckets = seconds.div_ceil(width).min(MAX_BUCKETS) as usize;
    let ticks_per_bucket = width * TICKS_PER_SECOND;
    let empty = || vec![[0u64; EventClass::ALL.len()]; buckets];
    let counts = captures
        .iter()
        .map(|c| {
            c.par_events()
                .fold(empty, |mut acc, e| {
                    if let Ok(e) = e {
                        let b = (e.time().ticks_since(first) / ticks_per_bucket) as usize;
                        if let Some(slot) = acc.get_mut(b.min(buckets - 1)) {
                            slot[e.class() as usize] += 1;
                        }
                    }
                    acc
                })
                .reduce(empty, add_counts)
        })
        .fold(empty(), add_counts);
    Histogram {
        bucket_seconds: width,
        classes: EventClass::ALL
            .iter()
            .filter(|c| counts.iter().any(|b| b[**c as usize] > 0))
            .map(|c| ClassSeries {
                class: c.name().to_string(),
                counts: counts.iter().map(|b| b[*c as usize]).collect(),
            })
            .collect(),
    }
}

fn add_counts(mut a: Vec<[u64; 6]>, b: Vec<[u64; 6]>) -> Vec<[u64; 6]> {
    for (x, y) in a.iter_mut().zip(b) {
        for (p, q) in x.iter_mut().zip(y) {
            *p += q;
        }
    }
    a
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
    fn buckets_stay_few_and_round() {
        assert_eq!(bucket_seconds(1), 1);
        assert_eq!(bucket_seconds(120), 1);
        assert_eq!(bucket_seconds(121), 2);
        assert_eq!(bucket_seconds(3 * 3600), 120);
        let month = 30 * 24 * 3600_u64;
        assert!(month.div_ceil(bucket_seconds(month)) <= MAX_BUCKETS);
    }

    #[test]
    fn histogram_counts_every_readable_event_once() {
        let Some(capture) = sample("process-64bit") else {
            return;
        };
        let captures = [capture];
        let (summary, histogram, unreadable) = summarize(&captures, "x".into());
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
