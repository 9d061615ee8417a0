//! Exit statuses of `pml`, the same for every command.

use std::process::ExitCode;

/// The command found what `--fail-on-incident` asks about (an incident).
pub const INCIDENT: u8 = 1;
/// Error: nothing useful was produced; the message on stderr says what and where.
pub const ERROR: u8 = 2;
/// The output is partial: some events or bytes of the capture could not be read.
pub const PARTIAL: u8 = 3;

/// The exit code for one of the statuses above.
pub fn code(status: u8) -> ExitCode {
    ExitCode::from(status)
}

/// Success, or [`PARTIAL`] when some events or bytes could not be read.
pub fn success_unless_partial(partial: bool) -> ExitCode {
    if partial {
        code(PARTIAL)
    } else {
        ExitCode::SUCCESS
    }
}

/// Reports unreadable events once, on stderr; true when there were any.
pub fn warn_unreadable(unreadable: u64) -> bool {
    if unreadable > 0 {
        eprintln!("pml: warning: {unreadable} events could not be read and were skipped");
    }
    unreadable > 0
}
