//! Writing PML captures that ProcMon and the other readers accept: version 9, or version 7 for
//! a copy of a ProcMon 2.x capture ([`SystemInfo::version`]).
//!
//! [`PmlWriter`] streams events to its output as they come, keeps the 5-byte event offsets in a
//! temporary file beside the output (or in memory for non-file writers), and at
//! [`PmlWriter::finish`] appends the event-offsets array, the process table, the strings table, an
//! icon table with one empty placeholder and the hosts and ports tables, in ProcMon's physical
//! order, then fills in the header. A file capture is written to a hidden temporary name and
//! renamed only when complete, so a failed or abandoned write never leaves a partial capture.
//!
//! ```no_run
//! use pml_parser::writer::{blobs, EventRecord, PmlWriter, SystemInfo};
//! use pml_parser::{EventClass, FileTime, Process};
//!
//! let mut w = PmlWriter::create("out.pml", SystemInfo::default())?;
//! w.add_process(Process { index: 1, pid: 4242, name: "python.exe".into(), ..Process::default() });
//! let blob = blobs::FsBlob::new(true).close_file("C:\\build\\gen\\a.cpp");
//! w.write_event(&EventRecord {
//!     process_index: 1, tid: 100, class: EventClass::FileSystem, operation: 38,
//!     duration: 10, time: FileTime(133_000_000_000_000_000), result: 0,
//!     stack: &[], detail: &blob.detail, extra: blob.extra.as_deref(),
//! })?;
//! w.finish()?;
//! # Ok::<(), pml_parser::writer::WriteError>(())
//! ```

pub mod blobs;
mod copy;
mod offsets;
mod tables;

pub use copy::{copy_capture, copy_event, process_record, system_info};

use std::fs::File;
use std::io::{self, BufWriter, Seek, SeekFrom, Write};
use std::path::Path;

use crate::atomic::{PendingPath, TempOptions};
use crate::event::EVENT_HEADER_SIZE;
use crate::header::{OsVersion, HEADER_SIZE};
use crate::ops::EventClass;
use crate::tables::Process;
use crate::time::FileTime;
use offsets::OffsetSink;

/// A process record to write: the reader's [`Process`] (its `Arc<str>` fields take `"..".into()`).
pub type ProcessRecord = Process;

/// The capture machine, as the header describes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SystemInfo {
    /// Computer name (at most 15 characters are stored).
    pub computer_name: String,
    /// Windows directory, e.g. `C:\Windows`.
    pub system_root: String,
    /// True for a 64-bit capture: stacks, modules and FS parameter blocks use 8-byte pointers.
    pub is_64bit: bool,
    /// Highest user-mode address; stack frames above it are kernel frames.
    pub max_user_address: u64,
    /// Windows version.
    pub os: OsVersion,
    /// Logical processors.
    pub cpu_count: u32,
    /// Physical memory in bytes.
    pub memory_bytes: u64,
    /// The format version written: 9, or 7 for a copy of a ProcMon 2.x capture, whose events
    /// are then still rendered as 2.x renders them (the records are laid out alike).
    pub version: u32,
}

impl Default for SystemInfo {
    /// A 64-bit Windows 10 22H2 workstation with 8 processors and 16 GiB.
    fn default() -> Self {
        SystemInfo {
            computer_name: "BUILD01".into(),
            system_root: "C:\\Windows".into(),
            is_64bit: true,
            max_user_address: 0x7fff_fffe_ffff,
            os: OsVersion {
                major: 10,
                minor: 0,
                build: 19045,
                platform_id: 2,
                service_pack: String::new(),
                service_pack_major: 0,
                service_pack_minor: 0,
                suite_mask: 0x100,
                product_type: 1,
            },
            cpu_count: 8,
            memory_bytes: 16 << 30,
            version: 9,
        }
    }
}

/// One event to write.
#[derive(Debug, Clone, Copy)]
pub struct EventRecord<'a> {
    /// Process index (key of the process table).
    pub process_index: u32,
    /// Thread id.
    pub tid: u32,
    /// Event class.
    pub class: EventClass,
    /// Operation code within the class (see [`crate::ops`]).
    pub operation: u16,
    /// Duration in 100 ns ticks.
    pub duration: u64,
    /// Start time.
    pub time: FileTime,
    /// NTSTATUS result.
    pub result: u32,
    /// Return addresses, innermost first (at most 65,535 frames).
    pub stack: &'a [u64],
    /// The detail blob (see [`blobs`]).
    pub detail: &'a [u8],
    /// The extra-detail blob, at most 65,535 bytes.
    pub extra: Option<&'a [u8]>,
}

impl EventRecord<'_> {
    /// The 52-byte event header with this record's fields; the stack depth, detail size and
    /// extra offset are filled in by [`PmlWriter::write_raw_event`], ProcMon's unknown fields
    /// are zero.
    pub fn header_bytes(&self) -> [u8; EVENT_HEADER_SIZE] {
        let mut head = [0u8; EVENT_HEADER_SIZE];
        head[0..4].copy_from_slice(&self.process_index.to_le_bytes());
        head[4..8].copy_from_slice(&self.tid.to_le_bytes());
        head[8..12].copy_from_slice(&self.class.code().to_le_bytes());
        head[0xC..0xE].copy_from_slice(&self.operation.to_le_bytes());
        head[0x14..0x1C].copy_from_slice(&self.duration.to_le_bytes());
        head[0x1C..0x24].copy_from_slice(&self.time.0.to_le_bytes());
        head[0x24..0x28].copy_from_slice(&self.result.to_le_bytes());
        head
    }
}

/// Appends stack frames as the capture stores them: 8 bytes each in 64-bit captures, 4 in
/// 32-bit ones.
pub fn encode_stack(wide: bool, frames: &[u64], out: &mut Vec<u8>) {
    for &frame in frames {
        tables::put_ptr(out, wide, frame);
    }
}

/// Offset of the event time in the 52-byte event header.
pub const TIME_OFFSET: usize = 0x1C;

/// Offset of the thread id in the 52-byte event header.
pub const TID_OFFSET: usize = 0x4;

/// Event count and file offsets the header records (all zero for a cut-off capture).
#[derive(Debug, Default)]
struct Layout {
    events: u32,
    first_event: u64,
    offsets: u64,
    processes: u64,
    strings: u64,
    icons: u64,
    names: u64,
}

/// The temporary files of a capture written to a path: the capture itself, renamed into place
/// when finished, and the spilled event offsets; both removed when the writer is dropped.
struct FilePaths {
    partial: PendingPath,
    offsets: PendingPath,
    /// The capture's file (a second handle), which an unnamed temporary is linked from.
    file: File,
}

/// Streams a capture to `W`. See the [module documentation](self).
pub struct PmlWriter<W: Write + Seek = BufWriter<File>> {
    out: Option<W>,
    info: SystemInfo,
    pos: u64,
    events: u64,
    offsets: OffsetSink,
    processes: Vec<Process>,
    hosts: Vec<([u8; 16], String)>,
    ports: Vec<((u16, bool), String)>,
    files: Option<FilePaths>,
    scratch: Vec<u8>,
}

/// Buffer size of file captures: large writes keep bulk generation fast.
const FILE_BUFFER: usize = 4 << 20;

/// Why the writer refused an event or could not write the capture.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum WriteError {
    /// Writing the file (or the spilled event offsets) failed.
    #[error("{0}")]
    Io(#[from] io::Error),
    /// An event has more stack frames than a record can count.
    #[error("{frames} stack frames (at most 65535)")]
    TooManyFrames {
        /// The frames given.
        frames: usize,
    },
    /// The stack bytes of a raw event are not whole frames, or too many.
    #[error("{bytes} stack bytes are not a whole number of {pointer}-byte frames (at most 65535)")]
    BadStack {
        /// The bytes given.
        bytes: usize,
        /// The capture's pointer size.
        pointer: usize,
    },
    /// A detail blob longer than a record can say.
    #[error("a {bytes}-byte detail blob")]
    DetailTooLarge {
        /// Its length.
        bytes: usize,
    },
    /// An extra (completion) blob longer than a record can say.
    #[error("a {bytes}-byte extra blob (at most 65535)")]
    ExtraTooLarge {
        /// Its length.
        bytes: usize,
    },
    /// The capture already holds as many events as its header can count.
    #[error("a capture holds at most 4,294,967,295 events")]
    TooManyEvents,
    /// A format version the writer does not write.
    #[error("PML version {0} cannot be written: only versions 9 and 7")]
    UnsupportedVersion(u32),
    /// The file is past what the 40-bit event offsets can address.
    #[error("event offset {offset:#x} does not fit in 40 bits")]
    OffsetTooLarge {
        /// The offset the next event would have.
        offset: u64,
    },
    /// An event to copy could not be read.
    #[error("{0}")]
    Unreadable(#[from] crate::Error),
}

/// Refuses a format version the reader would not read back.
fn check_version(info: &SystemInfo) -> Result<(), WriteError> {
    if crate::header::SUPPORTED_VERSIONS.contains(&info.version) {
        Ok(())
    } else {
        Err(WriteError::UnsupportedVersion(info.version))
    }
}

impl PmlWriter<BufWriter<File>> {
    /// Starts a capture at `path`. Events go to a hidden temporary file beside it, which
    /// [`finish`](Self::finish) renames to `path`; dropping the writer unfinished removes it.
    pub fn create(path: impl AsRef<Path>, info: SystemInfo) -> Result<Self, WriteError> {
        check_version(&info)?;
        let target = path.as_ref();
        let mut partial = PendingPath::beside(target, "pml-partial")?;
        let file = partial.create_file(TempOptions::default())?;
        let mut spilled = PendingPath::beside(target, "pml-offsets")?;
        let offsets = OffsetSink::spill(spilled.create_file(TempOptions {
            read: true,
            direct: false,
        })?);
        let handle = file.try_clone()?;
        let mut w =
            PmlWriter::with_sink(BufWriter::with_capacity(FILE_BUFFER, file), info, offsets);
        w.files = Some(FilePaths {
            partial,
            offsets: spilled,
            file: handle,
        });
        w.start()?;
        Ok(w)
    }
}

impl<W: Write + Seek> PmlWriter<W> {
    /// Starts a capture on any seekable writer (e.g. `Cursor<Vec<u8>>`), keeping the event
    /// offsets in memory (5 bytes per event).
    pub fn new(out: W, info: SystemInfo) -> Result<Self, WriteError> {
        check_version(&info)?;
        let mut w = PmlWriter::with_sink(out, info, OffsetSink::Memory(Vec::new()));
        w.start()?;
        Ok(w)
    }

    fn with_sink(out: W, info: SystemInfo, offsets: OffsetSink) -> Self {
        PmlWriter {
            out: Some(out),
            info,
            pos: 0,
            events: 0,
            offsets,
            processes: Vec::new(),
            hosts: Vec::new(),
            ports: Vec::new(),
            files: None,
            scratch: Vec::with_capacity(1024),
        }
    }

    fn start(&mut self) -> io::Result<()> {
        // A placeholder; the real header is written by `finish` once the offsets are known.
        self.out_mut().write_all(&[0u8; HEADER_SIZE])?;
        self.pos = HEADER_SIZE as u64;
        Ok(())
    }

    fn out_mut(&mut self) -> &mut W {
        self.out.as_mut().expect("writer used after finish")
    }

    /// The system details the header will carry.
    pub fn system_info(&self) -> &SystemInfo {
        &self.info
    }

    /// Replaces the system details, as long as no event was written (the bitness sets the
    /// layout of every event); after the first event they are kept as they are.
    pub fn with_system_info(mut self, info: SystemInfo) -> Self {
        if self.events == 0 {
            self.info = info;
        }
        self
    }

    /// True for a 64-bit capture.
    pub fn is_64bit(&self) -> bool {
        self.info.is_64bit
    }

    /// Number of events written so far.
    pub fn event_count(&self) -> u64 {
        self.events
    }

    /// Bytes written so far (header and events).
    pub fn position(&self) -> u64 {
        self.pos
    }

    /// Adds a process to the table (any order; the table is sorted by process index).
    pub fn add_process(&mut self, process: ProcessRecord) {
        self.processes.push(process);
    }

    /// Adds a host name for a 16-byte address (IPv4 in the first 4 bytes).
    pub fn add_host(&mut self, address: [u8; 16], name: &str) {
        self.hosts.push((address, name.to_string()));
    }

    /// Adds a port name.
    pub fn add_port(&mut self, port: u16, is_tcp: bool, name: &str) {
        self.ports.push(((port, is_tcp), name.to_string()));
    }

    /// Writes one event.
    pub fn write_event(&mut self, e: &EventRecord<'_>) -> Result<(), WriteError> {
        if e.stack.len() > usize::from(u16::MAX) {
            return Err(WriteError::TooManyFrames {
                frames: e.stack.len(),
            });
        }
        let head = e.header_bytes();
        let mut stack = std::mem::take(&mut self.scratch);
        stack.clear();
        encode_stack(self.info.is_64bit, e.stack, &mut stack);
        let r = self.write_raw_event(&head, &stack, e.detail, e.extra);
        self.scratch = stack;
        r
    }

    /// Writes one event from raw parts: the 52-byte header (its bytes are kept, including
    /// ProcMon's unknown fields, except the stack depth, detail size and extra offset, which
    /// are set from the parts), the stack bytes (`depth * pointer size`), the detail and extra
    /// blobs. This is the fast path of bulk generation and the copy path of round trips.
    pub fn write_raw_event(
        &mut self,
        head: &[u8; EVENT_HEADER_SIZE],
        stack: &[u8],
        detail: &[u8],
        extra: Option<&[u8]>,
    ) -> Result<(), WriteError> {
        let ptr = if self.info.is_64bit { 8 } else { 4 };
        if !stack.len().is_multiple_of(ptr) || stack.len() / ptr > usize::from(u16::MAX) {
            return Err(WriteError::BadStack {
                bytes: stack.len(),
                pointer: ptr,
            });
        }
        let detail_len = u32::try_from(detail.len()).map_err(|_| WriteError::DetailTooLarge {
            bytes: detail.len(),
        })?;
        let extra_len = match extra {
            Some(x) => Some(
                u16::try_from(x.len()).map_err(|_| WriteError::ExtraTooLarge { bytes: x.len() })?,
            ),
            None => None,
        };
        if self.events >= u64::from(u32::MAX) {
            return Err(WriteError::TooManyEvents);
        }
        if self.pos > offsets::MAX_OFFSET {
            return Err(WriteError::OffsetTooLarge { offset: self.pos });
        }
        let body = EVENT_HEADER_SIZE + stack.len() + detail.len();
        let mut h = *head;
        h[0x28..0x2A].copy_from_slice(&((stack.len() / ptr) as u16).to_le_bytes());
        h[0x2C..0x30].copy_from_slice(&detail_len.to_le_bytes());
        let extra_at = if extra.is_some() { body as u32 } else { 0 };
        h[0x30..0x34].copy_from_slice(&extra_at.to_le_bytes());

        self.offsets.push(self.pos)?;
        let out = self.out.as_mut().expect("writer used after finish");
        out.write_all(&h)?;
        out.write_all(stack)?;
        out.write_all(detail)?;
        let mut len = body as u64;
        if let (Some(x), Some(n)) = (extra, extra_len) {
            out.write_all(&n.to_le_bytes())?;
            out.write_all(x)?;
            len += 2 + x.len() as u64;
        }
        self.pos += len;
        self.events += 1;
        Ok(())
    }

    /// Writes the tables and the header. A file capture is renamed to its final path; the
    /// underlying writer is returned (for a file capture, already flushed and renamed).
    pub fn finish(mut self) -> Result<W, WriteError> {
        self.complete(false)
    }

    /// Ends the capture as ProcMon leaves one it was killed during (or that ran out of disk):
    /// the header carries the system details but no event count and no table offsets, the events
    /// follow from 0x3A8, and nothing comes after them. Readers refuse such a file as "not closed
    /// cleanly"; a salvage reader can still walk the events. (No such real capture is known, so
    /// the header contents are inferred: pml-format.md §13.4.)
    pub fn finish_cut_off(mut self) -> Result<W, WriteError> {
        self.complete(true)
    }

    fn complete(&mut self, cut_off: bool) -> Result<W, WriteError> {
        let mut out = self.out.take().expect("finish called twice");
        let layout = if cut_off {
            Layout::default()
        } else {
            self.write_tables(&mut out)?
        };
        let header = self.header_bytes(&layout);
        out.seek(SeekFrom::Start(0))?;
        out.write_all(&header)?;
        out.seek(SeekFrom::End(0))?;
        out.flush()?;
        if let Some(files) = self.files.take() {
            drop(files.offsets);
            files.partial.commit_file(&files.file)?;
        }
        Ok(out)
    }

    /// Appends the offsets array and the tables after the events; returns where they are.
    fn write_tables(&mut self, out: &mut W) -> io::Result<Layout> {
        let wide = self.info.is_64bit;
        // ProcMon starts the offsets array on a 4-byte boundary (every sample does).
        let pad = (4 - self.pos % 4) % 4;
        out.write_all(&[0u8; 3][..pad as usize])?;
        let offsets_at = self.pos + pad;
        self.offsets.copy_to(out)?;
        let process_at = offsets_at + self.events * offsets::ENTRY as u64;

        let mut strings = tables::StringInterner::default();
        let processes = tables::process_table(&mut self.processes, wide, &mut strings);
        out.write_all(&processes)?;
        let strings_at = process_at + processes.len() as u64;
        let strings = strings.to_bytes();
        out.write_all(&strings)?;
        let icons_at = strings_at + strings.len() as u64;
        let icons = tables::icon_table();
        out.write_all(&icons)?;
        let names_at = icons_at + icons.len() as u64;
        self.hosts.sort();
        self.ports.sort();
        tables::write_names(out, &self.hosts, &self.ports)?;
        Ok(Layout {
            events: self.events as u32,
            first_event: HEADER_SIZE as u64,
            offsets: offsets_at,
            processes: process_at,
            strings: strings_at,
            icons: icons_at,
            names: names_at,
        })
    }

    fn header_bytes(&self, l: &Layout) -> [u8; HEADER_SIZE] {
        let info = &self.info;
        let mut h = [0u8; HEADER_SIZE];
        let mut put = |at: usize, bytes: &[u8]| h[at..at + bytes.len()].copy_from_slice(bytes);
        put(0, b"PML_");
        put(4, &info.version.to_le_bytes());
        put(8, &u32::from(info.is_64bit).to_le_bytes());
        put(0xC, &utf16_field(&info.computer_name, 15));
        put(0x2C, &utf16_field(&info.system_root, 259));
        put(0x234, &l.events.to_le_bytes());
        put(0x240, &l.first_event.to_le_bytes());
        put(0x248, &l.offsets.to_le_bytes());
        put(0x250, &l.processes.to_le_bytes());
        put(0x258, &l.strings.to_le_bytes());
        put(0x260, &l.icons.to_le_bytes());
        put(0x268, &info.max_user_address.to_le_bytes());
        let os = &info.os;
        put(0x270, &284u32.to_le_bytes());
        put(0x274, &os.major.to_le_bytes());
        put(0x278, &os.minor.to_le_bytes());
        put(0x27C, &os.build.to_le_bytes());
        put(0x280, &os.platform_id.to_le_bytes());
        put(0x284, &utf16_field(&os.service_pack, 127));
        put(0x384, &os.service_pack_major.to_le_bytes());
        put(0x386, &os.service_pack_minor.to_le_bytes());
        put(0x388, &os.suite_mask.to_le_bytes());
        put(0x38A, &[os.product_type]);
        put(0x38C, &info.cpu_count.to_le_bytes());
        put(0x390, &info.memory_bytes.to_le_bytes());
        put(0x398, &(HEADER_SIZE as u64).to_le_bytes());
        put(0x3A0, &l.names.to_le_bytes());
        h
    }
}

/// `s` as UTF-16LE, cut to `max_chars` characters, NUL-padded to `max_chars + 1` characters.
fn utf16_field(s: &str, max_chars: usize) -> Vec<u8> {
    let mut out: Vec<u8> = s
        .encode_utf16()
        .take(max_chars)
        .flat_map(|u| u.to_le_bytes())
        .collect();
    out.resize((max_chars + 1) * 2, 0);
    out
}
