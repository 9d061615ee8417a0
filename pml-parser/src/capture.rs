//! A capture: the mapped file, its header and tables, and access to its events.

use std::fs::File;
use std::ops::Range;
use std::path::{Path, PathBuf};

use crate::details::process::ProcessDetails;
use crate::error::{Error, ErrorKind, Result};
use crate::event::Event;
use crate::guard::Registration;
use crate::header::Header;
use crate::ops::{process_op, EventClass};
use crate::salvage;
use crate::tables::{NameTables, Process, ProcessTable, StringTable};

/// The bytes of a capture: a read-only memory map or an owned buffer.
enum Source {
    Mapped(Guarded),
    Owned(Vec<u8>),
}

/// A read-only map registered with [`crate::guard`], so that a truncation of its file while it
/// is read gives zeros instead of `SIGBUS`. The registration is dropped (released) before the
/// map is unmapped: fields drop in declaration order.
struct Guarded {
    registration: Registration,
    map: memmap2::Mmap,
}

impl Guarded {
    fn new(map: memmap2::Mmap) -> Guarded {
        Guarded {
            registration: Registration::new(map.as_ptr(), map.len()),
            map,
        }
    }
}

impl Source {
    fn bytes(&self) -> &[u8] {
        match self {
            Source::Mapped(m) => &m.map,
            Source::Owned(v) => v,
        }
    }
}

/// Where the file offsets of the events come from.
enum EventIndex {
    /// The 5-byte entries of the event-offsets array at this file offset.
    InFile(usize),
    /// Offsets found by walking the events of a capture whose array is missing (salvage).
    Walked(Vec<u64>),
}

/// What salvage recovered from a capture whose tables are missing or cut off.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct SalvageReport {
    /// Why the capture needed salvage.
    pub reason: String,
    /// Events recovered by walking the records from the first event.
    pub events: u64,
    /// Bytes between the first event and the end of the event area that could not be read as events.
    pub unreadable_bytes: u64,
    /// True when the process and string tables were missing, so processes were rebuilt from
    /// Process Create/Start/Defined events.
    pub tables_missing: bool,
}

/// How to open a capture.
#[derive(Debug, Clone, Copy)]
pub struct OpenOptions {
    salvage: bool,
    release_above: u64,
}

impl Default for OpenOptions {
    fn default() -> OpenOptions {
        OpenOptions {
            salvage: false,
            release_above: OpenOptions::RELEASE_ABOVE,
        }
    }
}

impl OpenOptions {
    /// Captures up to this size keep their pages mapped: see [`OpenOptions::release_above`].
    pub const RELEASE_ABOVE: u64 = 256 << 20;

    /// Strict by default: a capture whose tables are missing is an error.
    pub fn new() -> OpenOptions {
        OpenOptions::default()
    }

    /// [`Capture::release`] drops pages only for files larger than `bytes` (default
    /// [`OpenOptions::RELEASE_ABOVE`], 256 MiB). A smaller capture is cheaper to keep mapped
    /// whole than to unmap chunk by chunk, which makes the OS flush the TLBs of every core.
    pub fn release_above(mut self, bytes: u64) -> OpenOptions {
        self.release_above = bytes;
        self
    }

    /// With `true`, a capture that was not closed cleanly or was cut off is opened anyway by walking
    /// its events from the first one; see [`Capture::salvage_report`].
    pub fn salvage(mut self, salvage: bool) -> OpenOptions {
        self.salvage = salvage;
        self
    }

    /// Opens and memory-maps the file at `path`.
    ///
    /// The map is read-only and covers the file as it is now: a file that grows while it is
    /// read is read up to the size seen here. On Linux a file truncated by another program while
    /// the capture is open does not kill the process with `SIGBUS`: the missing bytes read as
    /// zeros, their events fail validation, and [`Capture::truncated_while_reading`] turns true
    /// (see the `guard` module). Elsewhere on Unix the file must not be truncated while open.
    pub fn open(self, path: impl AsRef<Path>) -> Result<Capture> {
        let path = path.as_ref();
        let with_path = |e: Error| e.with_path(path);
        let file = File::open(path).map_err(|e| with_path(ErrorKind::Io(e).into()))?;
        let len = file
            .metadata()
            .map_err(|e| with_path(ErrorKind::Io(e).into()))?
            .len();
        let source = if len == 0 {
            Source::Owned(Vec::new())
        } else {
            // SAFETY: the map is read-only and every read is bounds-checked against its length.
            let map = unsafe { memmap2::Mmap::map(&file) }
                .map_err(|e| with_path(ErrorKind::Io(e).into()))?;
            Source::Mapped(Guarded::new(map))
        };
        Capture::from_source(source, Some(path.to_path_buf()), self).map_err(with_path)
    }

    /// Reads a capture held in memory.
    pub fn from_bytes(self, data: Vec<u8>) -> Result<Capture> {
        Capture::from_source(Source::Owned(data), None, self)
    }
}

/// An open Process Monitor capture.
///
/// Opening reads the header and the small tables (processes, strings, hosts, ports);
/// events are read only when asked for, straight from the mapped file.
pub struct Capture {
    source: Source,
    path: Option<PathBuf>,
    header: Header,
    strings: StringTable,
    processes: ProcessTable,
    names: NameTables,
    index: EventIndex,
    event_count: u64,
    warnings: Vec<String>,
    salvage: Option<SalvageReport>,
    /// [`Capture::release`] works only when `input_bytes` is larger than this (read only where
    /// pages are released: Linux and Windows).
    #[cfg_attr(not(any(target_os = "linux", windows)), allow(dead_code))]
    release_above: u64,
    /// Bytes of the input this capture is read as part of: its own file, or all the parts of a
    /// split capture (see [`Capture::read_as_part_of`]).
    input_bytes: u64,
    /// The ProcMon build the capture came from, found on first use (`render::build`).
    pub(crate) build: std::sync::OnceLock<crate::render::build::BuildDetection>,
}

impl std::fmt::Debug for Capture {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Capture")
            .field("path", &self.path)
            .field("events", &self.event_count)
            .field("processes", &self.processes.len())
            .finish()
    }
}

/// Width of one entry of the event-offsets array.
const OFFSET_ENTRY: usize = 5;

impl Capture {
    /// Opens and memory-maps the file at `path` (strict: see [`OpenOptions::salvage`]).
    pub fn open(path: impl AsRef<Path>) -> Result<Capture> {
        OpenOptions::new().open(path)
    }

    /// Reads a capture held in memory (strict).
    pub fn from_bytes(data: Vec<u8>) -> Result<Capture> {
        OpenOptions::new().from_bytes(data)
    }

    fn from_source(source: Source, path: Option<PathBuf>, options: OpenOptions) -> Result<Capture> {
        let data = source.bytes();
        let header = if options.salvage {
            Header::parse_unchecked(data)?
        } else {
            Header::parse(data)?
        };
        let mut warnings = Vec::new();
        let file_len = data.len() as u64;
        let mut capture = Capture {
            source: Source::Owned(Vec::new()),
            path,
            strings: StringTable::default(),
            processes: ProcessTable::default(),
            names: NameTables::default(),
            index: EventIndex::InFile(0),
            event_count: 0,
            warnings: Vec::new(),
            salvage: None,
            release_above: options.release_above,
            input_bytes: file_len,
            build: std::sync::OnceLock::new(),
            header,
        };
        let header = &capture.header;

        let salvage_reason = salvage::reason_to_walk(header, file_len);
        match (&salvage_reason, options.salvage) {
            (Some(reason), false) => {
                return Err(match header.missing_table() {
                    Some(table) => ErrorKind::NotClosedCleanly { table }.into(),
                    None => Error::corrupt(
                        "event-offsets array",
                        header.event_offsets_offset,
                        reason.clone(),
                    ),
                })
            }
            (Some(_), true) => {}
            (None, _) => {
                capture.event_count = u64::from(header.event_count);
                capture.index = EventIndex::InFile(header.event_offsets_offset as usize);
            }
        }

        let mut table = |name: &str, offset: u64| -> Option<usize> {
            match usize::try_from(offset)
                .ok()
                .filter(|&o| o != 0 && (o as u64) < file_len)
            {
                Some(o) => Some(o),
                // A zero offset is an unclosed capture: the salvage report says so.
                None if offset == 0 => None,
                None => {
                    warnings.push(format!(
                        "the {name} offset {offset:#x} is not inside the file ({file_len:#x} bytes); its data is missing"
                    ));
                    None
                }
            }
        };
        let strings_at = table("strings table", header.strings_table_offset);
        let processes_at = table("process table", header.process_table_offset);
        let names_at = table("hosts and ports table", header.hosts_ports_offset);

        capture.strings = strings_at
            .map(|at| StringTable::parse(data, at))
            .transpose()
            .unwrap_or_else(|e| {
                warnings.push(format!("{e}; process names and paths are missing"));
                None
            })
            .unwrap_or_default();
        let processes = processes_at
            .map(|at| ProcessTable::parse(data, at, header.is_64bit, &capture.strings))
            .transpose()
            .unwrap_or_else(|e| {
                warnings.push(format!("{e}; events show no process details"));
                None
            });
        let tables_missing = processes.is_none();
        capture.processes = processes.unwrap_or_default();
        capture.names = names_at
            .map(|at| NameTables::parse(data, at))
            .transpose()
            .unwrap_or_else(|e| {
                warnings.push(format!("{e}; network addresses are shown as numbers"));
                None
            })
            .unwrap_or_default();

        if let Some(reason) = salvage_reason {
            let walk = salvage::walk_events(data, &capture.header);
            capture.event_count = walk.offsets.len() as u64;
            capture.index = EventIndex::Walked(walk.offsets);
            capture.salvage = Some(SalvageReport {
                reason,
                events: capture.event_count,
                unreadable_bytes: walk.unreadable_bytes,
                tables_missing,
            });
        }
        capture.warnings = warnings;
        capture.source = source;
        if tables_missing && capture.salvage.is_some() {
            capture.processes = rebuild_processes(&capture);
        }
        Ok(capture)
    }

    /// What salvage recovered, when the capture was opened by walking its events.
    pub fn salvage_report(&self) -> Option<&SalvageReport> {
        self.salvage.as_ref()
    }

    /// True when the file was truncated by another program while this capture read it: the
    /// bytes past its new end were read as zeros, so the events there are missing or unreadable
    /// and any result is partial. Checked after a pass; always false for captures read from
    /// memory, and off Linux.
    pub fn truncated_while_reading(&self) -> bool {
        match &self.source {
            Source::Mapped(m) => m.registration.truncated(),
            Source::Owned(_) => false,
        }
    }

    /// The whole file.
    #[inline]
    pub fn data(&self) -> &[u8] {
        self.source.bytes()
    }

    /// The file path, when opened from a file.
    pub fn path(&self) -> Option<&Path> {
        self.path.as_deref()
    }

    /// The header.
    #[inline]
    pub fn header(&self) -> &Header {
        &self.header
    }

    /// The strings table.
    pub fn strings(&self) -> &StringTable {
        &self.strings
    }

    /// The process table.
    #[inline]
    pub fn processes(&self) -> &ProcessTable {
        &self.processes
    }

    /// Host and port names.
    pub fn names(&self) -> &NameTables {
        &self.names
    }

    /// Problems found while opening that did not stop the events from being read.
    pub fn warnings(&self) -> &[String] {
        &self.warnings
    }

    /// Number of events that can be addressed.
    #[inline]
    pub fn event_count(&self) -> u64 {
        self.event_count
    }

    /// File offset of event `index`: the 40-bit value of the offsets array.
    #[inline]
    pub fn event_offset(&self, index: u64) -> Result<u64> {
        if index >= self.event_count {
            return Err(ErrorKind::NoSuchEvent {
                index,
                count: self.event_count,
            }
            .into());
        }
        match &self.index {
            EventIndex::InFile(start) => {
                let at = start + index as usize * OFFSET_ENTRY;
                let e = &self.data()[at..at + OFFSET_ENTRY];
                Ok(u64::from(u32::from_le_bytes([e[0], e[1], e[2], e[3]]))
                    | (u64::from(e[4]) << 32))
            }
            EventIndex::Walked(offsets) => Ok(offsets[index as usize]),
        }
    }

    /// The process index of event `index` (the first field of its record), read without
    /// decoding the event: a scan that decides by process touches 4 bytes per event.
    /// `None` when the event or its record is out of the file.
    #[inline]
    pub fn process_index_at(&self, index: u64) -> Option<u32> {
        let bytes = self.record_start(index)?.get(..4)?;
        Some(u32::from_le_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]))
    }

    /// Asks the CPU to start loading the first cache line of event `index`'s record, so that a
    /// pass that reads events front to back does not wait for each header in turn: the records
    /// sit at their own offsets in a file larger than the caches. A hint: it does nothing for an
    /// index or offset out of range, or off x86-64.
    #[inline]
    pub fn prefetch_event(&self, index: u64) {
        if let Some(head) = self.record_start(index) {
            crate::hint::prefetch(head);
        }
    }

    /// The bytes from the start of event `index`'s record to the end of the file, without
    /// parsing the record; `None` when the event or its offset is out of range.
    #[inline]
    fn record_start(&self, index: u64) -> Option<&[u8]> {
        let at = usize::try_from(self.event_offset(index).ok()?).ok()?;
        self.data().get(at..)
    }

    /// Event `index`. Always inlined, like [`Event`]'s parsing: every pass calls it once per
    /// event, and an event returned through memory stalls the caller (see `Event::parse`).
    #[inline(always)]
    pub fn event(&self, index: u64) -> Result<Event<'_>> {
        Event::parse(self, index, self.event_offset(index)?)
    }

    /// All events in order; an unreadable event yields an error and iteration goes on.
    pub fn events(&self) -> impl ExactSizeIterator<Item = Result<Event<'_>>> + '_ {
        self.events_in(0..self.event_count)
    }

    /// The events of an index range, in order.
    pub fn events_in(
        &self,
        range: Range<u64>,
    ) -> impl ExactSizeIterator<Item = Result<Event<'_>>> + '_ {
        let end = range.end.min(self.event_count);
        let start = range.start.min(end);
        (start as usize..end as usize).map(move |i| self.event(i as u64))
    }

    /// Reads this capture as one part of an input of `input_bytes` bytes (a split capture):
    /// whether [`Capture::release`] drops pages then depends on the size of the whole input,
    /// so that twenty parts of 40 MB are not all kept resident.
    pub(crate) fn read_as_part_of(&mut self, input_bytes: u64) {
        self.input_bytes = input_bytes;
    }

    /// Tells the OS that the events of `range` (and their offsets) will not be read again soon,
    /// so that their pages leave this process's resident memory. Streaming passes call it after
    /// each chunk: without it, a pass over a 9 GB capture ends with 9 GB resident (file pages,
    /// which the OS may drop, but which count as the process's memory in every monitor). The
    /// pages stay in the OS file cache; reading the events again maps them again.
    ///
    /// On Linux the pages are unmapped (`MADV_DONTNEED`); on Windows they are taken out of the
    /// working set (`VirtualUnlock` on pages that are not locked, which the Windows API documents
    /// as removing them from the working set), and they stay on the standby list, so the next
    /// read is a soft fault. On other systems (macOS, the BSDs) it does nothing: their kernels
    /// reclaim clean file pages under pressure, but the process's resident size grows with the
    /// capture there. A no-op too for in-memory captures and for inputs (the file, or all parts of a split
    /// capture) no larger than [`OpenOptions::release_above`]. Only whole pages from the one holding the first event up
    /// to the one holding the event after `range` are released, so neighbouring chunks rarely
    /// share one.
    pub fn release(&self, range: Range<u64>) {
        #[cfg(any(target_os = "linux", windows))]
        if let Source::Mapped(Guarded { map, .. }) = &self.source {
            if self.input_bytes <= self.release_above {
                return;
            }
            let end = range.end.min(self.event_count);
            if range.start >= end {
                return;
            }
            // The event after the range, or for the last chunk the last event (whose page stays).
            let bound = if end < self.event_count { end } else { end - 1 };
            if let (Ok(first), Ok(after)) =
                (self.event_offset(range.start), self.event_offset(bound))
            {
                release_pages(map, first, after);
            }
            if let EventIndex::InFile(array) = self.index {
                let entry = |i: u64| (array as u64).saturating_add(i * OFFSET_ENTRY as u64);
                release_pages(map, entry(range.start), entry(end));
            }
        }
        #[cfg(not(any(target_os = "linux", windows)))]
        let _ = range;
    }
}

/// Rebuilds the process table from Process Defined/Create/Start/Exit events, for a capture whose
/// table is missing. Processes seen only as the owner of events get a placeholder name.
fn rebuild_processes(capture: &Capture) -> ProcessTable {
    use std::collections::BTreeMap;
    let mut by_index: BTreeMap<u32, Process> = BTreeMap::new();
    let placeholder = |index: u32| Process {
        index,
        virtualized: 2,
        is_64bit: capture.header().is_64bit,
        name: format!("<process {index}>").into(),
        ..Process::default()
    };
    for event in capture.events().flatten() {
        let owner = event.process_index();
        by_index.entry(owner).or_insert_with(|| placeholder(owner));
        if event.class() != EventClass::Process {
            continue;
        }
        match event.operation() {
            process_op::PROCESS_DEFINED | process_op::PROCESS_CREATE => {
                if let Ok(ProcessDetails::Create(c)) = ProcessDetails::decode(&event) {
                    let p = by_index
                        .entry(c.child_index)
                        .or_insert_with(|| placeholder(c.child_index));
                    let image = c.image_path.to_string_lossy();
                    p.pid = c.child_pid;
                    p.parent_pid = c.parent_pid;
                    p.parent_index = c.parent_index;
                    p.session = c.session;
                    p.start_time = c.create_time;
                    p.authentication_id = c.authentication_id;
                    p.name = image.rsplit('\\').next().unwrap_or(&image).into();
                    p.image_path = image.into();
                    p.command_line = c.command_line.to_string_lossy().into();
                }
            }
            process_op::PROCESS_EXIT => {
                if let Some(p) = by_index.get_mut(&owner) {
                    p.end_time = event.time();
                }
            }
            _ => {}
        }
    }
    ProcessTable::from_processes(by_index.into_values().collect())
}

/// The smallest page size of the platforms pml runs on; bounds are rounded to it.
#[cfg(any(target_os = "linux", windows))]
const PAGE: u64 = 4096;

/// The whole pages of `map` between byte `from` (rounded down) and byte `to` (rounded down), as
/// a start and a length: the pages of bytes before `to`, except the one holding `to`. `None`
/// when there is no whole page.
#[cfg(any(target_os = "linux", windows))]
fn whole_pages(map: &memmap2::Mmap, from: u64, to: u64) -> Option<(usize, usize)> {
    let start = from - from % PAGE;
    let stop = (to - to % PAGE).min(map.len() as u64);
    (start < stop).then(|| (start as usize, (stop - start) as usize))
}

/// Drops from the process's resident memory the whole pages of `map` between byte `from`
/// and byte `to` (see [`whole_pages`]).
#[cfg(target_os = "linux")]
fn release_pages(map: &memmap2::Mmap, from: u64, to: u64) {
    let Some((start, len)) = whole_pages(map, from, to) else {
        return;
    };
    // SAFETY: `MADV_DONTNEED` on a shared, read-only file mapping (what `Mmap::map` makes) only
    // unmaps the pages; the next read of them maps the same file bytes again, so every slice
    // borrowed from the map keeps its contents. (On a private, written mapping it would discard
    // changes, which is why memmap2 marks it unsafe; this map is never written.)
    let _ = unsafe { map.unchecked_advise_range(memmap2::UncheckedAdvice::DontNeed, start, len) };
}

/// Takes the whole pages of `map` between byte `from` and byte `to` (see [`whole_pages`]) out
/// of the process's working set.
#[cfg(windows)]
fn release_pages(map: &memmap2::Mmap, from: u64, to: u64) {
    let Some((start, len)) = whole_pages(map, from, to) else {
        return;
    };
    // SAFETY: the range lies inside the view `map` holds (`whole_pages` bounds it by the map's
    // length), which stays mapped for the call. "Calling VirtualUnlock on a range of memory that
    // is not locked releases the pages from the process's working set" (the documentation of
    // VirtualUnlock); the call then returns FALSE with ERROR_NOT_LOCKED, which is expected and
    // ignored. The view stays mapped and keeps its contents: a later read faults the pages back
    // in from the standby list or the file, so every slice borrowed from the map stays valid.
    unsafe {
        windows_sys::Win32::System::Memory::VirtualUnlock(map.as_ptr().add(start).cast(), len);
    }
}
