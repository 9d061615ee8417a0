//! Path, Detail and Category of profiling events.

use super::process::numbers::{push_seconds, push_thousands};
use crate::details::profiling::ProfilingDetails;
use crate::event::Event;

/// Appends the Path column: profiling events have none.
pub(super) fn write_path(_event: &Event<'_>, _out: &mut String) {}

/// Appends the Detail column.
pub(super) fn write_detail(event: &Event<'_>, out: &mut String) {
    if let Ok(details) = ProfilingDetails::decode(event) {
        write_details(details, out);
    }
}

/// Appends the Detail column of decoded details.
pub(super) fn write_details(details: ProfilingDetails<'_>, out: &mut String) {
    match details {
        ProfilingDetails::Thread {
            user_ticks,
            kernel_ticks,
            context_switches,
        } => {
            out.push_str("User Time: ");
            push_seconds(out, u64::from(user_ticks));
            out.push_str(", Kernel Time: ");
            push_seconds(out, u64::from(kernel_ticks));
            out.push_str(", Context Switches: ");
            push_thousands(out, u64::from(context_switches));
        }
        ProfilingDetails::Process {
            user_ticks,
            kernel_ticks,
            working_set,
            private_bytes,
        } => {
            out.push_str("User Time: ");
            push_seconds(out, user_ticks);
            out.push_str(" seconds, Kernel Time: ");
            push_seconds(out, kernel_ticks);
            out.push_str(" seconds, Private Bytes: ");
            push_thousands(out, private_bytes);
            out.push_str(", Working Set: ");
            push_thousands(out, working_set);
        }
        ProfilingDetails::DebugOutput(text) => text.push_to(out),
        ProfilingDetails::Other(_) => {}
    }
}

/// The Category column: always empty for profiling events.
pub(super) fn category(_event: &Event<'_>) -> &'static str {
    ""
}
