//! A capture: the mapped file, its header and tables, and access to its events.

use std::fs::File;
use std::ops::Range;
use std::path::{Path, PathBuf};

use rayon::prelude::*;

use crate::error::{Error, ErrorKind, Result};
use crate::event::Event;
use crate::header::Header;
use crate::tables::{NameTables, ProcessTable, StringTable};

/// The bytes of a capture: a read-only memory map or an owned buffer.
enum Source {
    Mapped(memmap2::Mmap),
    Owned(Vec<u8>),
}

impl Source {
    fn bytes(&self) -> &[u8] {
        match self {
            Source::Mapped(m) => m,
            Source::Owned(v) => v,
        }
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
    offsets_start: usize,
    event_count: u64,
    warnings: Vec<String>,
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
    /// Opens and memory-maps the file at `path`.
    ///
    /// The map is read-only; as with any memory map, the file must not be truncated by
    /// another program while the capture is open.
    pub fn open(path: impl AsRef<Path>) -> Result<Capture> {
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
            Source::Mapped(map)
        };
        Capture::from_source(source, Some(path.to_path_buf())).map_err(with_path)
    }

    /// Reads a capture held in memory.
    pub fn from_bytes(data: Vec<u8>) -> Result<Capture> {
        Capture::from_source(Source::Owned(data), None)
    }

    fn from_source(source: Source, path: Option<PathBuf>) -> Result<Capture> {
        let data = source.bytes();
        let header = Header::parse(data)?;
        let mut warnings = Vec::new();
        let file_len = data.len() as u64;

        let offsets_start = header.event_offsets_offset;
        let wanted = u64::from(header.event_count) * OFFSET_ENTRY as u64;
        let room = file_len.saturating_sub(offsets_start);
        let event_count = if wanted > room {
            let readable = room / OFFSET_ENTRY as u64;
            warnings.push(format!(
                "the header announces {} events but the event-offsets array at {offsets_start:#x} has room for {readable}; reading those",
                header.event_count
            ));
            readable
        } else {
            u64::from(header.event_count)
        };

        let mut table = |name: &str, offset: u64| -> Option<usize> {
            match usize::try_from(offset)
                .ok()
                .filter(|&o| (o as u64) < file_len)
            {
                Some(o) => Some(o),
                None => {
                    warnings.push(format!(
                        "the {name} offset {offset:#x} is past the end of the file ({file_len:#x} bytes); its data is missing"
                    ));
                    None
                }
            }
        };
        let strings_at = table("strings table", header.strings_table_offset);
        let processes_at = table("process table", header.process_table_offset);
        let names_at = table("hosts and ports table", header.hosts_ports_offset);

        let strings = strings_at
            .map(|at| StringTable::parse(data, at))
            .transpose()
            .unwrap_or_else(|e| {
                warnings.push(format!("{e}; process names and paths are missing"));
                None
            })
            .unwrap_or_default();
        let processes = processes_at
            .map(|at| ProcessTable::parse(data, at, header.is_64bit, &strings))
            .transpose()
            .unwrap_or_else(|e| {
                warnings.push(format!("{e}; events show no process details"));
                None
            })
            .unwrap_or_default();
        let names = names_at
            .map(|at| NameTables::parse(data, at))
            .transpose()
            .unwrap_or_else(|e| {
                warnings.push(format!("{e}; network addresses are shown as numbers"));
                None
            })
            .unwrap_or_default();

        Ok(Capture {
            offsets_start: offsets_start as usize,
            source,
            path,
            header,
            strings,
            processes,
            names,
            event_count,
            warnings,
        })
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
        let at = self.offsets_start + index as usize * OFFSET_ENTRY;
        let e = &self.data()[at..at + OFFSET_ENTRY];
        Ok(u64::from(u32::from_le_bytes([e[0], e[1], e[2], e[3]])) | (u64::from(e[4]) << 32))
    }

    /// Event `index`.
    #[inline]
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

    /// All events, in parallel; rayon splits the index range across its threads.
    pub fn par_events(&self) -> impl IndexedParallelIterator<Item = Result<Event<'_>>> + '_ {
        (0..self.event_count as usize)
            .into_par_iter()
            .map(move |i| self.event(i as u64))
    }

    /// Splits the events into about `chunks` contiguous index ranges, for parallel work that keeps
    /// per-chunk state (buffers, partial counts) and merges it in order afterwards.
    pub fn chunk_ranges(&self, chunks: usize) -> Vec<Range<u64>> {
        let n = self.event_count;
        let chunks = (chunks.max(1) as u64).min(n.max(1));
        let size = n.div_ceil(chunks);
        (0..chunks)
            .map(|c| (c * size).min(n)..((c + 1) * size).min(n))
            .filter(|r| !r.is_empty())
            .collect()
    }
}
