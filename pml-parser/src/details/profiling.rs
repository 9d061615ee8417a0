//! Profiling detail blobs.
//!
//! * Thread Profiling: `u32 user time, u32 kernel time, u32 context switches`, changes since the
//!   thread's previous profiling event (100 ns ticks for the times).
//! * Process Profiling: `u64 user time, u64 kernel time, u64 working set, u64 private bytes`,
//!   totals since the process started.
//! * Debug Output Profiling: the text a program sent to ProcMon, UTF-16.

use crate::bytes::{u32_at, u64_at};
use crate::error::Result;
use crate::event::Event;
use crate::text::PmlStr;

/// Profiling operation codes.
pub mod op {
    /// Thread Profiling.
    pub const THREAD_PROFILING: u16 = 0;
    /// Process Profiling.
    pub const PROCESS_PROFILING: u16 = 1;
    /// Debug Output Profiling.
    pub const DEBUG_OUTPUT_PROFILING: u16 = 2;
}

/// Decoded details of a profiling event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProfilingDetails<'a> {
    /// Thread Profiling: CPU use since the thread's previous profiling event.
    Thread {
        /// User-mode time, 100 ns ticks.
        user_ticks: u32,
        /// Kernel-mode time, 100 ns ticks.
        kernel_ticks: u32,
        /// Context switches.
        context_switches: u32,
    },
    /// Process Profiling: totals since the process started.
    Process {
        /// User-mode time, 100 ns ticks.
        user_ticks: u64,
        /// Kernel-mode time, 100 ns ticks.
        kernel_ticks: u64,
        /// Working set in bytes.
        working_set: u64,
        /// Private bytes.
        private_bytes: u64,
    },
    /// Debug Output Profiling: the text.
    DebugOutput(PmlStr<'a>),
    /// An unknown profiling operation: the raw blob.
    Other(&'a [u8]),
}

impl<'a> ProfilingDetails<'a> {
    /// Decodes a profiling blob; missing fields read as zero.
    pub fn decode(event: &Event<'a>) -> Result<ProfilingDetails<'a>> {
        Ok(ProfilingDetails::from_blob(
            event.operation(),
            event.detail_bytes(),
        ))
    }

    /// Decodes the detail blob of a profiling `operation`, e.g. one not yet written.
    pub fn from_blob(operation: u16, b: &'a [u8]) -> ProfilingDetails<'a> {
        let u32f = |o| u32_at(b, o).unwrap_or_default();
        let u64f = |o| u64_at(b, o).unwrap_or_default();
        match operation {
            op::THREAD_PROFILING => ProfilingDetails::Thread {
                user_ticks: u32f(0),
                kernel_ticks: u32f(4),
                context_switches: u32f(8),
            },
            op::PROCESS_PROFILING => ProfilingDetails::Process {
                user_ticks: u64f(0),
                kernel_ticks: u64f(8),
                working_set: u64f(16),
                private_bytes: u64f(24),
            },
            op::DEBUG_OUTPUT_PROFILING => ProfilingDetails::DebugOutput(PmlStr::new(b, false)),
            _ => ProfilingDetails::Other(b),
        }
    }
}
