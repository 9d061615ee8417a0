//! Fills an [`HtmlPage`] from a capture and its analysis: the capture summary, the findings as
//! views, the processes involved with their ancestors, and the activity histogram.

use std::collections::BTreeSet;

use pml_analyzer::overview::{Histogram, Overview};
use pml_analyzer::process_tree::ancestors;
use pml_analyzer::Analysis;
use pml_parser::{Capture, FileTime, ProcessTable, SplitCapture};

use super::model::{CaptureSummary, HtmlPage, ProcessNode};
use super::views;

/// At most this many histogram buckets, whatever the capture's length.
const MAX_BUCKETS: u64 = 120;

impl HtmlPage {
    /// The page of `analysis` (of `capture`, all its parts as one), with the capture called
    /// `name` (e.g. the file names as given on the command line). Reads the capture's events
    /// twice more, for the summary and the histogram, and a third time for the processes'
    /// exits when there are incidents.
    pub fn build(capture: &SplitCapture, analysis: &Analysis, name: impl Into<String>) -> Self {
        let overview = Overview::compute(capture);
        let histogram = Histogram::compute(capture, &overview, MAX_BUCKETS);
        let findings = views::views(capture, analysis);
        let involved: BTreeSet<u32> = findings
            .incidents
            .iter()
            .flat_map(|i| i.lanes.iter().map(|l| l.process_index))
            .collect();
        HtmlPage {
            capture: CaptureSummary::of(capture, &overview, name.into()),
            counts_by_kind: findings.counts_by_kind,
            warnings: analysis
                .warnings
                .iter()
                .map(|w| (w.code.to_string(), w.message.clone()))
                .collect(),
            failures: findings.failures,
            incidents: findings.incidents,
            handle_leaks: findings.handle_leaks,
            unmatched_opens: findings.unmatched_opens,
            sharing_violations: findings.sharing_violations,
            process_tree: capture
                .captures()
                .next()
                .map(|c| process_nodes(c.processes(), &involved))
                .unwrap_or_default(),
            histogram,
            baseline: None,
        }
    }
}

impl CaptureSummary {
    /// The summary of `capture`, whose events `overview` counted, called `file`.
    pub fn of(capture: &SplitCapture, overview: &Overview, file: String) -> Self {
        let header = capture.captures().next().map(Capture::header);
        CaptureSummary {
            file,
            computer: header.map(|h| h.computer_name.clone()).unwrap_or_default(),
            os: header.map(|h| h.os.display_name()).unwrap_or_default(),
            first_event: overview.first_time.map(FileTime::to_rfc3339),
            last_event: overview.last_time.map(FileTime::to_rfc3339),
            events: overview.events,
            processes: Overview::distinct_processes(capture) as u64,
        }
    }
}

/// The processes `involved` (by process index) and their ancestors in `table`, as tree nodes.
fn process_nodes(table: &ProcessTable, involved: &BTreeSet<u32>) -> Vec<ProcessNode> {
    let parent = |i: u32| table.get(i).map(|p| p.parent_index);
    let mut wanted = BTreeSet::new();
    for &index in involved {
        let line = std::iter::once(index).chain(ancestors(index, table.len(), parent));
        for i in line {
            // The walk ends at a process outside the table or one already wanted.
            if !table.get(i).is_some_and(|p| wanted.insert(p.index)) {
                break;
            }
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
    use pml_parser::Process;

    /// A table of processes `(index, parent_index)`; process `i` has PID `100 + i`.
    fn table(links: &[(u32, u32)]) -> ProcessTable {
        let process = |&(index, parent_index): &(u32, u32)| Process {
            index,
            pid: 100 + index,
            parent_pid: 100 + parent_index,
            parent_index,
            authentication_id: 0,
            session: 1,
            start_time: FileTime(0),
            end_time: FileTime(0),
            virtualized: 0,
            is_64bit: true,
            integrity: "Medium".into(),
            user: "BUILD\\ci".into(),
            name: format!("p{index}.exe").into(),
            image_path: format!("C:\\p{index}.exe").into(),
            command_line: format!("p{index}.exe --run").into(),
            company: "".into(),
            version: "".into(),
            description: "".into(),
            modules: Vec::new(),
        };
        ProcessTable::from_processes(links.iter().map(process).collect())
    }

    fn indices(nodes: &[ProcessNode]) -> Vec<u32> {
        nodes.iter().map(|n| n.process_index).collect()
    }

    #[test]
    fn process_tree_brings_the_ancestors() {
        // 1 <- 2 <- 3, and 4 whose parent 9 is not in the table.
        let t = table(&[(1, 1), (2, 1), (3, 2), (4, 9), (5, 1)]);
        let nodes = process_nodes(&t, &BTreeSet::from([3, 4]));
        assert_eq!(indices(&nodes), [1, 2, 3, 4]);
        let child = &nodes[2];
        assert_eq!(child.parent_index, Some(2));
        assert_eq!(child.command_line, "p3.exe --run");
        assert_eq!(child.start, None, "a zero time is no time");
        assert_eq!(nodes[3].parent_index, None, "parent 9 is not in the table");
    }

    #[test]
    fn parent_cycles_and_unknown_processes_end_the_walk() {
        let t = table(&[(1, 2), (2, 3), (3, 1), (7, 1)]);
        let nodes = process_nodes(&t, &BTreeSet::from([7, 8]));
        assert_eq!(indices(&nodes), [1, 2, 3, 7]);
    }
}
