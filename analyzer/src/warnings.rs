//! What a capture cannot show, found before it is judged: a capture saved with a filter that
//! dropped every CloseFile cannot tell a leak from a close, one without process events cannot
//! tell why a process failed. Each warning has a stable code (`no-close-events`, ...) for
//! programs and a message for people.

use std::fmt::Write as _;

use pml_parser::render::thousands;
use serde::Serialize;

use crate::explain::who;
use crate::extract::EventCounts;
use crate::lifetimes::PairingStats;
use crate::paths::{Root, VolumeMap};
use crate::process_tree::ProcessTree;

/// The stable warning codes.
pub mod code {
    /// CreateFile events but no CloseFile: no unmatched opens or leaks are reported.
    pub const NO_CLOSE_EVENTS: &str = "no-close-events";
    /// No Process Create, Start or Exit events: exit statuses and children are unknown.
    pub const NO_PROCESS_EVENTS: &str = "no-process-events";
    /// Kernel sequence numbers are missing between the first and the last event.
    pub const EVENTS_FILTERED_OR_DROPPED: &str = "events-filtered-or-dropped";
    /// Processes the process table says ended in the capture have no Process Exit event.
    pub const EXIT_MISSING: &str = "exit-missing";
    /// CloseFile events of files opened before the capture began.
    pub const STARTS_MID_ACTIVITY: &str = "starts-mid-activity";
    /// Part of the capture could not be read (salvaged, cut off, corrupt events).
    pub const DAMAGED_CAPTURE: &str = "damaged-capture";
    /// A `\Device\HarddiskVolumeN` was seen with two drive letters (or a letter with two
    /// volumes): its paths are not paired with their drive-letter spelling.
    pub const AMBIGUOUS_VOLUME: &str = "ambiguous-volume";
}

/// Something the capture cannot show, or shows only in part.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Warning {
    /// Stable code, one of [`code`].
    pub code: &'static str,
    /// What it means for the findings, in plain words.
    pub message: String,
}

impl Warning {
    /// A warning with this code and message.
    pub fn new(code: &'static str, message: impl Into<String>) -> Warning {
        Warning {
            code,
            message: message.into(),
        }
    }
}

/// True when the capture has opens but not one CloseFile: pairing them means nothing. Records
/// fed by hand (no `counts`) are taken as complete.
pub(crate) fn lacks_closes(counts: Option<&EventCounts>) -> bool {
    counts.is_some_and(|c| c.create_file_success > 0 && c.close_file == 0)
}

/// How many process names a message lists.
const NAMES_LISTED: usize = 3;

/// The warnings of a capture (or of records fed by hand, when `counts` is `None`).
pub(crate) fn detect(
    counts: Option<&EventCounts>,
    stats: &PairingStats,
    tree: &ProcessTree,
) -> Vec<Warning> {
    let mut out = Vec::new();
    if let Some(c) = counts.filter(|_| lacks_closes(counts)) {
        out.push(Warning::new(
            code::NO_CLOSE_EVENTS,
            format!(
                "The capture has {} successful CreateFile events but no CloseFile at all: it was \
                 saved with a filter that left CloseFile out (e.g. only CreateFile and Load \
                 Image), or ProcMon dropped them. Opens cannot be paired with closes, so no \
                 unmatched opens, leaks or inherited handles are reported; sharing violations \
                 still are. Capture again without such a filter to see handle lifetimes.",
                thousands(c.create_file_success)
            ),
        ));
    }
    if let Some(c) = counts {
        if c.events > 0 && c.process_events == 0 {
            out.push(Warning::new(
                code::NO_PROCESS_EVENTS,
                "The capture has no Process Create, Process Start or Process Exit events (saved \
                 with a filter, or Process activity was not captured): exit statuses, failed \
                 processes and the processes children inherit handles from cannot be found.",
            ));
        }
        let missing = c.sequence.missing();
        if missing > 0 {
            let span = missing + c.sequence.numbered();
            out.push(Warning::new(
                code::EVENTS_FILTERED_OR_DROPPED,
                format!(
                    "{} of the {} events ProcMon's driver numbered between the first \
                     and the last event of the capture are not in it ({:.1}%): ProcMon's filter \
                     left them out when the capture was taken or saved (its default filter hides \
                     IRP_MJ_*, FASTIO_* and its own activity), or it dropped them. Findings rest \
                     on the events that remain.",
                    thousands(missing),
                    thousands(span),
                    missing as f64 * 100.0 / span as f64
                ),
            ));
        }
        let ended = tree.ended_without_exit(c.first_time, c.last_time);
        if !ended.is_empty() {
            out.push(Warning::new(
                code::EXIT_MISSING,
                format!(
                    "{} process(es) ended during the capture (says the process table) but their \
                     Process Exit is not in it, so their exit status is unknown: {}. Their \
                     events were filtered out or dropped.",
                    ended.len(),
                    listed(tree, &ended)
                ),
            ));
        }
    }
    if stats.closes_without_open > 0 {
        out.push(Warning::new(
            code::STARTS_MID_ACTIVITY,
            format!(
                "{} CloseFile events close files whose open is not in the capture: it starts \
                 mid-activity (or opens were filtered out). Handles opened before it began are \
                 not seen as holders.",
                thousands(stats.closes_without_open)
            ),
        ));
    }
    out
}

/// A warning per volume whose drive letter the capture contradicts.
pub(crate) fn volumes(map: &VolumeMap) -> Vec<Warning> {
    map.ambiguous()
        .iter()
        .map(|a| {
            let letters = a
                .letters
                .iter()
                .map(|&(letter, n)| {
                    let plural = if n == 1 { "" } else { "s" };
                    format!("{} ({n} path{plural})", Root::Drive(letter).spelling())
                })
                .collect::<Vec<_>>()
                .join(" and ");
            Warning::new(
                code::AMBIGUOUS_VOLUME,
                format!(
                    "{} is spelled as {letters} in this capture (or shares a letter with another \
                     volume): the same path was seen under each. Files on it are not paired with \
                     their drive-letter spelling, so a handle held under one spelling does not \
                     explain a failure under the other.",
                    Root::Volume(a.volume).spelling()
                ),
            )
        })
        .collect()
}

fn listed(tree: &ProcessTree, indices: &[u32]) -> String {
    let mut text = indices
        .iter()
        .take(NAMES_LISTED)
        .map(|&i| who(&tree.process_ref(i)))
        .collect::<Vec<_>>()
        .join(", ");
    if indices.len() > NAMES_LISTED {
        let _ = write!(text, " and {} more", indices.len() - NAMES_LISTED);
    }
    text
}
