//! Process and profiling Details read back into blobs: Process Create / Defined, Process
//! Start, Process Exit / Statistics, Thread Create / Exit, Load Image; Thread, Process and
//! Debug Output Profiling.

use pml_parser::details::profiling::op as profiling_op;
use pml_parser::ops::process_op;
use pml_parser::writer::blobs::{self, Blob};
use pml_parser::EventClass;

use super::{created_process, utf16, DetailInput, Fields};
use crate::names::Operation;

/// True for the operations whose Detail pml rebuilds.
pub(super) fn rebuilds(op: Operation) -> bool {
    match op.class {
        EventClass::Process => !matches!(
            op.code,
            process_op::THREAD_PROFILE | process_op::SYSTEM_STATISTICS
        ),
        _ => op.code <= profiling_op::DEBUG_OUTPUT_PROFILING,
    }
}

fn fields<'t>(input: &DetailInput<'t>, keys: &[&'t str]) -> Fields<'t> {
    Fields::with_locale(input.detail, keys, input.locale)
}

/// The counters of Process Exit and Process Statistics.
const COUNTER_KEYS: [&str; 7] = [
    "Exit Status",
    "User Time",
    "Kernel Time",
    "Private Bytes",
    "Peak Private Bytes",
    "Working Set",
    "Peak Working Set",
];

/// The blob of a process-class event; `child` gives a Process Create the process index of the
/// created process and the creator's (index, PID).
pub(super) fn blob(input: &DetailInput<'_>, child: Option<(u32, u32, u32)>) -> Blob {
    let text = input.detail;
    match input.operation.code {
        process_op::PROCESS_CREATE | process_op::PROCESS_DEFINED => {
            let (pid, command_line) = created_process(text).unwrap_or((0, ""));
            let (child_index, parent_index, parent_pid) = child.unwrap_or((0, 0, 0));
            blobs::process::create(&blobs::process::CreateParams {
                child_index,
                child_pid: pid,
                parent_index,
                parent_pid,
                session: 0,
                flag: 0,
                create_time: input.time,
                authentication_id: 0,
                virtualized: 0,
                user_sid: &[],
                integrity_sid: &[],
                image_path: input.path,
                command_line,
            })
        }
        process_op::PROCESS_START => {
            let f = fields(
                input,
                &[
                    "Parent PID",
                    "Command line",
                    "Current directory",
                    "Environment",
                ],
            );
            let parent = f.int("Parent PID").unwrap_or(0) as u32;
            if !f.has("Command line") {
                // ProcMon 2.x (PML version 7) records the parent's PID only.
                return Blob {
                    detail: parent.to_le_bytes().to_vec(),
                    extra: None,
                };
            }
            // The CSV export puts each variable on a line of its own: CR, `;`, TAB.
            let environment: Vec<&str> = f
                .get("Environment")
                .unwrap_or("")
                .split(";\t")
                .map(|v| v.trim_end_matches('\r'))
                .filter(|v| !v.is_empty())
                .collect();
            blobs::process::start(
                parent,
                f.get("Command line").unwrap_or(""),
                f.get("Current directory").unwrap_or(""),
                &environment,
            )
        }
        process_op::PROCESS_EXIT | process_op::PROCESS_STATISTICS => {
            let f = fields(input, &COUNTER_KEYS);
            let number = |key| f.unsigned(key).unwrap_or(0);
            blobs::process::exit(&blobs::process::ExitParams {
                exit_status: f.int("Exit Status").unwrap_or(0) as i32 as u32,
                kernel_time: f.seconds("Kernel Time").unwrap_or(0),
                user_time: f.seconds("User Time").unwrap_or(0),
                working_set: number("Working Set"),
                peak_working_set: number("Peak Working Set"),
                private_bytes: number("Private Bytes"),
                peak_private_bytes: number("Peak Private Bytes"),
            })
        }
        process_op::THREAD_CREATE => {
            let f = fields(input, &["Thread ID"]);
            blobs::process::thread_create(f.unsigned("Thread ID").unwrap_or(0) as u32)
        }
        process_op::THREAD_EXIT => {
            // `u32 ?, u64 kernel time, u64 user time`; the thread is the event's TID.
            let f = fields(input, &["Thread ID", "User Time", "Kernel Time"]);
            let mut detail = vec![0u8; 4];
            detail.extend(f.seconds("Kernel Time").unwrap_or(0).to_le_bytes());
            detail.extend(f.seconds("User Time").unwrap_or(0).to_le_bytes());
            Blob {
                detail,
                extra: None,
            }
        }
        process_op::LOAD_IMAGE => {
            let f = fields(input, &["Image Base", "Image Size"]);
            let base = f.hex("Image Base").unwrap_or(0);
            let size = f.hex("Image Size").unwrap_or(0);
            blobs::process::load_image(input.wide, base, size as u32, input.path)
        }
        _ => Blob::default(),
    }
}

/// The blob of a profiling event.
pub(super) fn profiling(input: &DetailInput<'_>) -> Blob {
    let detail = match input.operation.code {
        profiling_op::THREAD_PROFILING => {
            let f = fields(input, &["User Time", "Kernel Time", "Context Switches"]);
            let mut d = Vec::with_capacity(12);
            d.extend((f.seconds("User Time").unwrap_or(0) as u32).to_le_bytes());
            d.extend((f.seconds("Kernel Time").unwrap_or(0) as u32).to_le_bytes());
            d.extend((f.unsigned("Context Switches").unwrap_or(0) as u32).to_le_bytes());
            d
        }
        profiling_op::PROCESS_PROFILING => {
            let f = fields(
                input,
                &["User Time", "Kernel Time", "Private Bytes", "Working Set"],
            );
            let mut d = Vec::with_capacity(32);
            d.extend(f.seconds("User Time").unwrap_or(0).to_le_bytes());
            d.extend(f.seconds("Kernel Time").unwrap_or(0).to_le_bytes());
            d.extend(f.unsigned("Working Set").unwrap_or(0).to_le_bytes());
            d.extend(f.unsigned("Private Bytes").unwrap_or(0).to_le_bytes());
            d
        }
        profiling_op::DEBUG_OUTPUT_PROFILING => utf16(input.detail),
        _ => Vec::new(),
    };
    Blob {
        detail,
        extra: None,
    }
}
