//! Process-class detail blobs: Process Defined/Create/Start/Exit, threads, image loads, statistics.

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
    /// Any other process-class operation, not decoded yet: the raw blob.
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

impl<'a> ProcessDetails<'a> {
    /// Decodes a process-class blob.
    pub fn decode(event: &Event<'a>) -> Result<ProcessDetails<'a>> {
        let blob = event.detail_bytes();
        Ok(match event.operation() {
            process_op::PROCESS_DEFINED | process_op::PROCESS_CREATE if blob.len() >= 0x34 => {
                let u32f = |o| u32_at(blob, o).unwrap_or_default();
                let user_sid = usize::from(blob[0x34 - 8]);
                let integrity_sid = usize::from(blob[0x34 - 7]);
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
                    create_time: FileTime(u64_at(blob, 0x18).unwrap_or_default()),
                    authentication_id: u64_at(blob, 0x20).unwrap_or_default(),
                    image_path,
                    command_line,
                })
            }
            _ => ProcessDetails::Other(blob),
        })
    }
}
