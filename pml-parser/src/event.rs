//! One event record: a view that borrows from the capture and decodes fields on demand.

use crate::bytes::{u16_at, u32_at, u64_at};
use crate::capture::Capture;
use crate::error::{Error, Result};
use crate::ops::{self, EventClass};
use crate::tables::{Module, Process};
use crate::time::FileTime;

/// Size of the fixed event header.
pub const EVENT_HEADER_SIZE: usize = 0x34;

/// NTSTATUS of an operation still pending when ProcMon logged it (its duration is garbage).
pub const STATUS_PENDING: u32 = 0x103;

/// An event of a capture. Cheap to copy; every accessor reads the mapped bytes.
#[derive(Clone, Copy)]
pub struct Event<'a> {
    capture: &'a Capture,
    index: u64,
    /// The 52-byte fixed header.
    head: &'a [u8; EVENT_HEADER_SIZE],
    /// Stack frames, `depth * ptr_size` bytes.
    stack: &'a [u8],
    /// The detail blob.
    detail: &'a [u8],
    offset: u64,
}

impl std::fmt::Debug for Event<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Event")
            .field("index", &self.index)
            .field("offset", &self.offset)
            .field("process_index", &self.process_index())
            .field("class", &self.class())
            .field("operation", &self.operation_name())
            .field("time", &self.time())
            .finish()
    }
}

impl<'a> Event<'a> {
    /// Reads the record at `offset` as event `index`, checking that its header, stack and
    /// detail blob lie inside the file. Inlined into the passes' loops: returned through
    /// memory, the event is stored in pieces and loaded whole, which stalls the CPU on every
    /// event; the errors are built out of line.
    #[inline(always)]
    pub(crate) fn parse(capture: &'a Capture, index: u64, offset: u64) -> Result<Event<'a>> {
        let data = capture.data();
        let start = usize::try_from(offset)
            .ok()
            .filter(|&s| s >= crate::header::HEADER_SIZE);
        let Some(start) = start else {
            return Err(bad_record(index, offset, data.len(), None));
        };
        let Some(head) = data
            .get(start..start.saturating_add(EVENT_HEADER_SIZE))
            .and_then(|s| <&[u8; EVENT_HEADER_SIZE]>::try_from(s).ok())
        else {
            return Err(bad_record(index, offset, data.len(), None));
        };
        let depth = usize::from(u16_at(head, 0x28).unwrap_or_default());
        let detail_len = u32_at(head, 0x2C).unwrap_or_default() as usize;
        let stack_start = start + EVENT_HEADER_SIZE;
        let stack_end = stack_start + depth * capture.header().ptr_size();
        let detail_end = stack_end.saturating_add(detail_len);
        if detail_end > data.len() {
            let blobs = Some((depth, detail_len, detail_end));
            return Err(bad_record(index, offset, data.len(), blobs));
        }
        Ok(Event {
            capture,
            index,
            head,
            stack: &data[stack_start..stack_end],
            detail: &data[stack_end..detail_end],
            offset,
        })
    }

    /// Position of the event in the capture (0-based, as `pml events` numbers it).
    #[inline]
    pub fn index(&self) -> u64 {
        self.index
    }

    /// Byte offset of the record in the file.
    #[inline]
    pub fn offset(&self) -> u64 {
        self.offset
    }

    /// The capture this event belongs to.
    #[inline]
    pub fn capture(&self) -> &'a Capture {
        self.capture
    }

    /// Process index: key into the process table.
    #[inline]
    pub fn process_index(&self) -> u32 {
        u32::from_le_bytes([self.head[0], self.head[1], self.head[2], self.head[3]])
    }

    /// The process, when the table has it.
    #[inline]
    pub fn process(&self) -> Option<&'a Process> {
        self.capture.processes().get(self.process_index())
    }

    /// Thread id.
    #[inline]
    pub fn tid(&self) -> u32 {
        u32::from_le_bytes([self.head[4], self.head[5], self.head[6], self.head[7]])
    }

    /// Raw class code.
    #[inline]
    pub fn class_code(&self) -> u32 {
        u32::from_le_bytes([self.head[8], self.head[9], self.head[10], self.head[11]])
    }

    /// Event class.
    #[inline]
    pub fn class(&self) -> EventClass {
        EventClass::from_code(self.class_code())
    }

    /// Raw operation code (meaning depends on the class).
    #[inline]
    pub fn operation(&self) -> u16 {
        u16::from_le_bytes([self.head[0xC], self.head[0xD]])
    }

    /// File-system sub-operation (the first detail byte), 0 when there is none.
    #[inline]
    pub fn sub_operation(&self) -> u8 {
        if self.class() == EventClass::FileSystem && ops::fs_op_has_sub_op(self.operation()) {
            self.detail.first().copied().unwrap_or(0)
        } else {
            0
        }
    }

    /// True for a network event over TCP (false for UDP and other classes).
    #[inline]
    pub fn is_tcp(&self) -> bool {
        self.class() == EventClass::Network && self.detail.first().is_some_and(|f| f & 4 != 0)
    }

    /// The Operation column: e.g. `CreateFile`, `QueryStandardInformationFile`, `TCP Send`, as
    /// the capture's ProcMon build names it ([`Capture::procmon_build`]).
    pub fn operation_name(&self) -> &'static str {
        self.operation_name_as(self.capture.procmon_build().build)
    }

    /// What the Operation column depends on besides the ProcMon build, in 32 bits: the class,
    /// operation, sub-operation and TCP or UDP. Events with equal keys are named alike by any
    /// build, so a pass that counts by operation can key by this and name each key once.
    #[inline]
    pub fn operation_key(&self) -> u32 {
        (self.class() as u32) << 28
            | u32::from(self.operation()) << 12
            | u32::from(self.sub_operation()) << 1
            | u32::from(self.is_tcp())
    }

    /// The Operation column as ProcMon `build` names it.
    pub fn operation_name_as(&self, build: crate::render::ProcmonBuild) -> &'static str {
        ops::operation_name_as(
            build,
            self.class(),
            self.operation(),
            self.sub_operation(),
            self.is_tcp(),
        )
    }

    /// Start time.
    #[inline]
    pub fn time(&self) -> FileTime {
        FileTime(u64_at(self.head, 0x1C).unwrap_or_default())
    }

    /// The stored duration in 100 ns ticks, even when it is garbage.
    #[inline]
    pub fn raw_duration(&self) -> u64 {
        u64_at(self.head, 0x14).unwrap_or_default()
    }

    /// Duration in 100 ns ticks; `None` for a pending operation (its stored value is garbage)
    /// or when time plus duration would overflow.
    #[inline]
    pub fn duration(&self) -> Option<u64> {
        let d = self.raw_duration();
        if self.result() == STATUS_PENDING || self.time().0.checked_add(d).is_none() {
            None
        } else {
            Some(d)
        }
    }

    /// Completion time: start plus duration, when the duration is known.
    #[inline]
    pub fn completion_time(&self) -> Option<FileTime> {
        self.duration().map(|d| FileTime(self.time().0 + d))
    }

    /// Result: an NTSTATUS code.
    #[inline]
    pub fn result(&self) -> u32 {
        u32::from_le_bytes([
            self.head[0x24],
            self.head[0x25],
            self.head[0x26],
            self.head[0x27],
        ])
    }

    /// Number of stack frames.
    #[inline]
    pub fn stack_depth(&self) -> usize {
        usize::from(u16::from_le_bytes([self.head[0x28], self.head[0x29]]))
    }

    /// Return addresses, innermost first.
    pub fn stack(&self) -> impl ExactSizeIterator<Item = u64> + 'a {
        let wide = self.capture.header().is_64bit;
        let size = if wide { 8 } else { 4 };
        self.stack.chunks_exact(size).map(move |c| {
            if wide {
                u64::from_le_bytes(c.try_into().unwrap_or_default())
            } else {
                u64::from(u32::from_le_bytes(c.try_into().unwrap_or_default()))
            }
        })
    }

    /// Stack frames resolved to modules: user frames against this process's modules,
    /// kernel frames against the System process's.
    pub fn resolved_stack(&self) -> impl Iterator<Item = Frame<'a>> + 'a {
        let capture = self.capture;
        let process = self.process();
        let max_user = capture.header().max_user_address;
        let system = capture.processes().system();
        self.stack().map(move |address| {
            let kernel = max_user != 0 && address > max_user;
            let owner = if kernel { system } else { process };
            let module = owner.and_then(|p| p.module_at(address));
            Frame {
                address,
                kernel,
                module,
            }
        })
    }

    /// Asks the CPU to start loading this event's detail blob, for a pass that will decode it
    /// a few events later: the blob sits after the stack trace, usually in other cache lines. A
    /// hint: it reads nothing the program sees, and does nothing off x86-64.
    #[inline]
    pub fn prefetch_detail(&self) {
        let detail = self.detail_bytes();
        crate::hint::prefetch(detail);
        // The path starts 0x44 bytes in on 64-bit captures; a long one spans more lines.
        crate::hint::prefetch(detail.get(64..).unwrap_or_default());
    }

    /// The detail blob (class- and operation-specific).
    #[inline]
    pub fn detail_bytes(&self) -> &'a [u8] {
        self.detail
    }

    /// The extra-detail (completion) blob, when the event has one.
    ///
    /// Returns an error when its offset or size points outside the file.
    pub fn extra_bytes(&self) -> Result<Option<&'a [u8]>> {
        let rel = u64::from(u32_at(self.head, 0x30).unwrap_or_default());
        if rel == 0 {
            return Ok(None);
        }
        let data = self.capture.data();
        let start = self.offset + rel;
        let bad = || {
            Error::bad_event(
                self.index,
                self.offset,
                format!(
                    "its extra detail at {start:#x} runs past the end of the file ({:#x} bytes)",
                    data.len()
                ),
            )
        };
        let start = usize::try_from(start).map_err(|_| bad())?;
        let size = usize::from(u16_at(data, start).ok_or_else(bad)?);
        data.get(start + 2..start + 2 + size)
            .map(Some)
            .ok_or_else(bad)
    }

    /// Offset of the extra-detail block relative to the event start (0 = none).
    pub fn extra_offset(&self) -> u32 {
        u32_at(self.head, 0x30).unwrap_or_default()
    }

    /// The raw 52-byte header.
    pub fn header_bytes(&self) -> &'a [u8; EVENT_HEADER_SIZE] {
        self.head
    }

    /// The raw stack bytes.
    pub fn stack_bytes(&self) -> &'a [u8] {
        self.stack
    }
}

/// A stack frame resolved against the loaded modules.
#[derive(Debug, Clone, Copy)]
pub struct Frame<'a> {
    /// Return address.
    pub address: u64,
    /// True above the capture machine's highest user-mode address.
    pub kernel: bool,
    /// The module containing the address, when known.
    pub module: Option<&'a Module>,
}

impl Frame<'_> {
    /// Offset of the address inside its module.
    pub fn module_offset(&self) -> Option<u64> {
        self.module.map(|m| self.address - m.base)
    }

    /// `module.dll + 0x1a2b`, or the bare address when no module contains it.
    pub fn location(&self) -> String {
        match self.module {
            Some(m) => format!("{} + {:#x}", m.name(), self.address - m.base),
            None => format!("{:#x}", self.address),
        }
    }
}

/// Why the record of event `index` at `offset` cannot be read from a file of `file_len` bytes:
/// its header is out of place, or (with `blobs`: frames, detail bytes, where they end) its stack
/// and detail run past the end.
#[cold]
#[inline(never)]
fn bad_record(
    index: u64,
    offset: u64,
    file_len: usize,
    blobs: Option<(usize, usize, usize)>,
) -> Error {
    let reason = match blobs {
        Some((depth, detail_len, detail_end)) => format!(
            "its stack ({depth} frames) and detail ({detail_len} bytes) end at {detail_end:#x}, past the end of the file ({file_len:#x})"
        ),
        None if offset < crate::header::HEADER_SIZE as u64 || usize::try_from(offset).is_err() => {
            format!("the offset points into the header or past the address space (file is {file_len:#x} bytes)")
        }
        None => format!(
            "the 52-byte event header runs past the end of the file ({file_len:#x} bytes)"
        ),
    };
    Error::bad_event(index, offset, reason)
}
