//! Process-class detail blobs: Process Defined/Create/Start/Exit/Statistics, threads, image loads.
//!
//! Layouts (offsets from the blob start):
//! * Process Defined / Create: `u32 child index, u32 child PID, u32 parent index, u32 parent PID,
//!   u32 session, u32 ?, FILETIME create time, u64 logon LUID, u32 virtualized, u8 user-SID
//!   length, u8 integrity-SID length, u16 image info, u16 command-line info, u16 ?` (0x34 bytes),
//!   then the two SIDs, the image path and the command line.
//! * Process Start: `u32 parent PID, u16 command-line info, u16 directory info, u32 environment
//!   length in UTF-16 units`, then the command line, the directory and the environment block;
//!   in PML version 7 only the `u32 parent PID` (a 4-byte blob).
//! * Process Exit / Process Statistics: `u32 exit status, u64 kernel time, u64 user time, u64
//!   working set, u64 peak working set, u64 private bytes, u64 peak private bytes` — 64-bit
//!   fields in 32-bit captures too.
//! * Thread Create: `u32 thread id`. Thread Exit: `u32 ?, u64 kernel time, u64 user time`.
//! * Load Image: `ptr image base, u32 image size, u16 path info, u16 pad, path`.
//! * System Statistics: `u32 page size`, then SYSTEM_PERFORMANCE_INFORMATION (peak commitment
//!   in pages at 60, context switches at 300, system calls at 312; layout from viewer9's
//!   description, not seen in our samples).

use crate::bytes::{u16_at, u32_at, u64_at};
use crate::error::Result;
use crate::event::Event;
use crate::ops::process_op;
use crate::text::{PmlStr, StrInfo};
use crate::time::FileTime;

/// Decoded details of a process-class event.
#[derive(Debug, Clone)]
pub enum ProcessDetails<'a> {
    /// Process Defined (running when the capture began) or Process Create (logged in the creator).
    Create(ProcessCreate<'a>),
    /// Process Start: the first event of a new process.
    Start(ProcessStart<'a>),
    /// Process Exit.
    Exit(ProcessCounters),
    /// Process Statistics: the counters of a process, same layout as Process Exit.
    Statistics(ProcessCounters),
    /// Thread Create.
    ThreadCreate {
        /// Id of the new thread.
        thread_id: u32,
    },
    /// Thread Exit (the thread is the event's TID).
    ThreadExit(CpuTimes),
    /// Load Image.
    LoadImage(LoadImage<'a>),
    /// System Statistics: system-wide counters, logged at the end of some boot logs.
    SystemStatistics(SystemStatistics),
    /// Thread Profile, or a blob too short for its operation: the raw blob.
    Other(&'a [u8]),
}

/// Process Create / Process Defined.
#[derive(Debug, Clone, Copy)]
pub struct ProcessCreate<'a> {
    /// Process index of the new process.
    pub child_index: u32,
    /// PID of the new process.
    pub child_pid: u32,
    /// Process index of the creator.
    pub parent_index: u32,
    /// PID of the creator.
    pub parent_pid: u32,
    /// Session of the new process.
    pub session: u32,
    /// Creation time.
    pub create_time: FileTime,
    /// Logon session (LUID).
    pub authentication_id: u64,
    /// Image path of the new process.
    pub image_path: PmlStr<'a>,
    /// Command line of the new process.
    pub command_line: PmlStr<'a>,
}

/// Process Start.
#[derive(Debug, Clone, Copy)]
pub struct ProcessStart<'a> {
    /// PID of the parent.
    pub parent_pid: u32,
    /// Command line.
    pub command_line: PmlStr<'a>,
    /// Current directory.
    pub current_directory: PmlStr<'a>,
    /// The environment block.
    pub environment: Environment<'a>,
    /// True when the blob holds only the parent's PID (PML version 7): the strings are empty
    /// and ProcMon prints only `Parent PID`.
    pub parent_only: bool,
}

/// An environment block: UTF-16 `NAME=value` strings, each ended by a NUL, an empty one last.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Environment<'a>(pub &'a [u8]);

impl<'a> Environment<'a> {
    /// The variables, in order, up to the first empty string.
    pub fn vars(&self) -> impl Iterator<Item = PmlStr<'a>> + 'a {
        let mut rest = self.0;
        std::iter::from_fn(move || {
            let units = rest.len() / 2;
            let len = (0..units)
                .find(|&i| rest[2 * i] == 0 && rest[2 * i + 1] == 0)
                .unwrap_or(units);
            if len == 0 {
                return None;
            }
            let var = PmlStr::new(&rest[..2 * len], false);
            rest = rest.get(2 * len + 2..).unwrap_or(&[]);
            Some(var)
        })
    }
}

/// The counters of Process Exit and Process Statistics.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ProcessCounters {
    /// Exit status (an NTSTATUS or exit code; ProcMon prints it signed).
    pub exit_status: u32,
    /// CPU time.
    pub times: CpuTimes,
    /// Working set, bytes.
    pub working_set: u64,
    /// Peak working set, bytes.
    pub peak_working_set: u64,
    /// Private bytes.
    pub private_bytes: u64,
    /// Peak private bytes.
    pub peak_private_bytes: u64,
}

/// Kernel and user CPU time, in 100 ns ticks.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CpuTimes {
    /// Time in kernel mode.
    pub kernel: u64,
    /// Time in user mode.
    pub user: u64,
}

/// Load Image.
#[derive(Debug, Clone, Copy)]
pub struct LoadImage<'a> {
    /// Load address.
    pub image_base: u64,
    /// Size of the mapped image.
    pub image_size: u32,
    /// Path of the image (Path column).
    pub path: PmlStr<'a>,
}

/// System Statistics.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SystemStatistics {
    /// Page size in bytes.
    pub page_size: u32,
    /// Peak commit charge, in pages.
    pub peak_commitment_pages: u32,
    /// Context switches.
    pub context_switches: u32,
    /// System calls.
    pub system_calls: u32,
}

impl SystemStatistics {
    /// Peak commit charge in bytes.
    pub fn commit_peak(&self) -> u64 {
        u64::from(self.page_size) * u64::from(self.peak_commitment_pages)
    }
}

impl<'a> ProcessDetails<'a> {
    /// Decodes a process-class blob. A blob shorter than its operation's fixed part decodes as
    /// [`ProcessDetails::Other`].
    pub fn decode(event: &Event<'a>) -> Result<ProcessDetails<'a>> {
        Ok(ProcessDetails::from_blob(
            event.operation(),
            event.capture().header().is_64bit,
            event.detail_bytes(),
        ))
    }

    /// Decodes the detail blob of a process-class `operation` of a 64-bit (`wide`) or 32-bit
    /// capture, e.g. a blob not yet written.
    pub fn from_blob(operation: u16, wide: bool, blob: &'a [u8]) -> ProcessDetails<'a> {
        let u32f = |o| u32_at(blob, o).unwrap_or_default();
        let u64f = |o| u64_at(blob, o).unwrap_or_default();
        match operation {
            process_op::PROCESS_DEFINED | process_op::PROCESS_CREATE if blob.len() >= 0x34 => {
                let user_sid = usize::from(blob[0x2C]);
                let integrity_sid = usize::from(blob[0x2D]);
                let image_info = StrInfo(u16_at(blob, 0x2E).unwrap_or_default());
                let cmd_info = StrInfo(u16_at(blob, 0x30).unwrap_or_default());
                let strings = blob.get(0x34 + user_sid + integrity_sid..).unwrap_or(&[]);
                let (image_path, rest) = PmlStr::take(image_info, strings);
                let (command_line, _) = PmlStr::take(cmd_info, rest);
                ProcessDetails::Create(ProcessCreate {
                    child_index: u32f(0),
                    child_pid: u32f(4),
                    parent_index: u32f(8),
                    parent_pid: u32f(0xC),
                    session: u32f(0x10),
                    create_time: FileTime(u64f(0x18)),
                    authentication_id: u64f(0x20),
                    image_path,
                    command_line,
                })
            }
            // PML version 7 (ProcMon 2.x) stores only the parent's PID.
            process_op::PROCESS_START if (4..12).contains(&blob.len()) => {
                ProcessDetails::Start(ProcessStart {
                    parent_pid: u32f(0),
                    command_line: PmlStr::default(),
                    current_directory: PmlStr::default(),
                    environment: Environment::default(),
                    parent_only: true,
                })
            }
            process_op::PROCESS_START if blob.len() >= 12 => {
                let cmd_info = StrInfo(u16_at(blob, 4).unwrap_or_default());
                let dir_info = StrInfo(u16_at(blob, 6).unwrap_or_default());
                let env_bytes = (u32f(8) as usize).saturating_mul(2);
                let (command_line, rest) = PmlStr::take(cmd_info, &blob[12..]);
                let (current_directory, rest) = PmlStr::take(dir_info, rest);
                ProcessDetails::Start(ProcessStart {
                    parent_pid: u32f(0),
                    command_line,
                    current_directory,
                    environment: Environment(&rest[..env_bytes.min(rest.len())]),
                    parent_only: false,
                })
            }
            op @ (process_op::PROCESS_EXIT | process_op::PROCESS_STATISTICS)
                if blob.len() >= 20 =>
            {
                let counters = ProcessCounters {
                    exit_status: u32f(0),
                    times: CpuTimes {
                        kernel: u64f(4),
                        user: u64f(12),
                    },
                    working_set: u64f(20),
                    peak_working_set: u64f(28),
                    private_bytes: u64f(36),
                    peak_private_bytes: u64f(44),
                };
                if op == process_op::PROCESS_EXIT {
                    ProcessDetails::Exit(counters)
                } else {
                    ProcessDetails::Statistics(counters)
                }
            }
            process_op::THREAD_CREATE if blob.len() >= 4 => {
                ProcessDetails::ThreadCreate { thread_id: u32f(0) }
            }
            process_op::THREAD_EXIT if blob.len() >= 20 => ProcessDetails::ThreadExit(CpuTimes {
                kernel: u64f(4),
                user: u64f(12),
            }),
            process_op::LOAD_IMAGE => {
                let (image_base, at) = if wide {
                    (u64f(0), 8)
                } else {
                    (u64::from(u32f(0)), 4)
                };
                let info = StrInfo(u16_at(blob, at + 4).unwrap_or_default());
                let chars = blob.get(at + 8..).unwrap_or(&[]);
                ProcessDetails::LoadImage(LoadImage {
                    image_base,
                    image_size: u32f(at),
                    path: PmlStr::take(info, chars).0,
                })
            }
            process_op::SYSTEM_STATISTICS if blob.len() >= 316 => {
                ProcessDetails::SystemStatistics(SystemStatistics {
                    page_size: u32f(0),
                    peak_commitment_pages: u32f(60),
                    context_switches: u32f(300),
                    system_calls: u32f(312),
                })
            }
            _ => ProcessDetails::Other(blob),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utf16(s: &str) -> Vec<u8> {
        s.encode_utf16().flat_map(u16::to_le_bytes).collect()
    }

    #[test]
    fn environment_stops_at_the_empty_string() {
        let block = utf16("=::=::\\\0A=1\0\0B=2\0");
        let vars: Vec<String> = Environment(&block)
            .vars()
            .map(|v| v.to_string_lossy())
            .collect();
        assert_eq!(vars, ["=::=::\\", "A=1"]);
        assert_eq!(Environment(&[0x41]).vars().count(), 0);
        let unterminated = utf16("X=1");
        assert_eq!(Environment(&unterminated).vars().count(), 1);
    }
}
