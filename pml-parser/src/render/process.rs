//! Path, Detail and Category of process events.

pub(super) mod numbers;

use std::fmt::Write as _;

use numbers::{push_hex, push_seconds, push_thousands};

use crate::details::process::{CpuTimes, ProcessCounters, ProcessDetails};
use crate::event::Event;
use crate::text::PmlStr;

/// What the Path column is printed from (see [`super::path_sources`]): the image of Process
/// Create/Defined and Load Image, empty for the operations that print no path.
pub(super) fn path_sources<'a>(event: &Event<'a>) -> Option<[PmlStr<'a>; 2]> {
    let path = match ProcessDetails::decode(event).ok()? {
        ProcessDetails::Create(c) => c.image_path,
        ProcessDetails::LoadImage(l) => l.path,
        _ => PmlStr::default(),
    };
    Some([path, PmlStr::default()])
}

/// Appends the Detail column.
pub(super) fn write_detail(event: &Event<'_>, out: &mut String) {
    if let Ok(details) = ProcessDetails::decode(event) {
        write_details(details, event.tid(), out);
    }
}

/// Appends the Detail column of decoded details; `tid` is the event's thread (Thread Exit
/// prints it).
pub(super) fn write_details(details: ProcessDetails<'_>, tid: u32, out: &mut String) {
    match details {
        ProcessDetails::Create(c) => {
            let _ = write!(out, "PID: {}, Command line: ", c.child_pid);
            c.command_line.push_to(out);
        }
        ProcessDetails::Start(s) if s.parent_only => {
            let _ = write!(out, "Parent PID: {}", s.parent_pid);
        }
        ProcessDetails::Start(s) => {
            let _ = write!(out, "Parent PID: {}, Command line: ", s.parent_pid);
            s.command_line.push_to(out);
            out.push_str(", Current directory: ");
            s.current_directory.push_to(out);
            out.push_str(", Environment: ");
            // The CSV export puts each variable on its own line: bare CR, `;`, TAB.
            for var in s.environment.vars() {
                out.push_str("\r;\t");
                var.push_to(out);
            }
        }
        ProcessDetails::Exit(c) | ProcessDetails::Statistics(c) => write_counters(&c, out),
        ProcessDetails::ThreadCreate { thread_id } => {
            let _ = write!(out, "Thread ID: {thread_id}");
        }
        ProcessDetails::ThreadExit(CpuTimes { kernel, user }) => {
            let _ = write!(out, "Thread ID: {tid}, User Time: ");
            push_seconds(out, user);
            out.push_str(", Kernel Time: ");
            push_seconds(out, kernel);
        }
        ProcessDetails::LoadImage(l) => {
            out.push_str("Image Base: ");
            push_hex(out, l.image_base);
            out.push_str(", Image Size: ");
            push_hex(out, u64::from(l.image_size));
        }
        // Field names as viewer9 reports ProcMon's; not checked against a ProcMon export.
        ProcessDetails::SystemStatistics(s) => {
            out.push_str("Commit Peak: ");
            push_thousands(out, s.commit_peak());
            out.push_str(", System Calls: ");
            push_thousands(out, u64::from(s.system_calls));
            out.push_str(", Context Switches: ");
            push_thousands(out, u64::from(s.context_switches));
        }
        ProcessDetails::Other(_) => {}
    }
}

/// The Category column: always empty for process events.
pub(super) fn category(_event: &Event<'_>) -> &'static str {
    ""
}

/// `Exit Status: -1073740756, User Time: 0.0000000 seconds, ..., Peak Working Set: 114,688`.
fn write_counters(c: &ProcessCounters, out: &mut String) {
    let _ = write!(out, "Exit Status: {}, User Time: ", c.exit_status as i32);
    push_seconds(out, c.times.user);
    out.push_str(" seconds, Kernel Time: ");
    push_seconds(out, c.times.kernel);
    out.push_str(" seconds, Private Bytes: ");
    push_thousands(out, c.private_bytes);
    out.push_str(", Peak Private Bytes: ");
    push_thousands(out, c.peak_private_bytes);
    out.push_str(", Working Set: ");
    push_thousands(out, c.working_set);
    out.push_str(", Peak Working Set: ");
    push_thousands(out, c.peak_working_set);
}
