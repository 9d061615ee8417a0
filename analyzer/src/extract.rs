//! From events to records: the hot path reads only the fixed header (class, operation, result);
//! details are decoded only for CreateFile, CloseFile, deletes and renames, and Process
//! Create/Exit and Load Image (and, when asked, registry value events, for device paths that
//! tell which drive letter a volume has). ProcMon's own activity ([`crate::procmon_noise`]) is
//! left out here, unless the caller keeps it, and counted.
//!
//! [`for_each_record`] extracts chunks of events in parallel and hands their records over in
//! event order while the next chunks are being extracted, so memory stays bounded by a few
//! chunks. [`named_keys`] is the evidence pass: the distinct paths a capture names under a
//! drive letter or a volume, registry names included.

use std::sync::Arc;

use serde::Serialize;

use pml_parser::details::fs::FsDetails;
use pml_parser::details::process::ProcessDetails;
use pml_parser::details::registry::{self as reg, RegistryDetails, Request};
use pml_parser::ops::{fs_op, process_op};
use pml_parser::pass::prefetched;
use pml_parser::{Capture, Chunk, Event, EventClass, FileTime, SplitCapture};

use pml_parser::details::fs::info::class as info_class;
use pml_parser::details::fs::SetInformation;

use crate::hash::FxHashSet;
use crate::model::{
    is_weighed_status, FileOp, FileOpKind, NameSeen, OpenRequest, ProcessOp, ProcessOpKind, Record,
    Target, STATUS_SHARING_VIOLATION,
};
use crate::path_memo::{Keyed, PathMemo};
use crate::paths::{self, Keyer, PathKey, Root};
use crate::procmon_noise::{self, ToolProcesses};

/// The sequence numbers ProcMon's driver gave the events of a capture (offset 0x10 of the event
/// header), per numbering stream.
///
/// ProcMon numbers events in more than one stream: the events of its kernel driver (file system,
/// registry, process, profiling) count from 0 up, and network events, which come from ETW, count
/// in their own stream with the top bits set (`0x2000_0000 | n`). A gap is counted inside each
/// stream, never between them: otherwise a capture with a single network event would seem to miss
/// half a billion events.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct SequenceSpan {
    /// The span of each stream, indexed by the top four bits of the number.
    streams: [StreamSpan; SEQUENCE_STREAMS],
}

/// How many numbering streams the top four bits of a sequence number can name.
const SEQUENCE_STREAMS: usize = 16;

/// The numbers seen in one sequence stream.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
struct StreamSpan {
    /// Lowest number.
    first: u32,
    /// Highest number.
    last: u32,
    /// Events numbered in this stream.
    numbered: u64,
}

impl StreamSpan {
    #[inline]
    fn note(&mut self, seq: u32) {
        if self.numbered == 0 || seq < self.first {
            self.first = seq;
        }
        self.last = self.last.max(seq);
        self.numbered += 1;
    }

    fn merge(&mut self, o: &StreamSpan) {
        if o.numbered == 0 {
            return;
        }
        if self.numbered == 0 || o.first < self.first {
            self.first = o.first;
        }
        self.last = self.last.max(o.last);
        self.numbered += o.numbered;
    }

    fn missing(&self) -> u64 {
        if self.numbered == 0 {
            return 0;
        }
        (u64::from(self.last) - u64::from(self.first) + 1).saturating_sub(self.numbered)
    }
}

impl SequenceSpan {
    /// Notes the sequence number of one event (0, as in captures written by pml, is no number).
    #[inline]
    pub fn note(&mut self, seq: u32) {
        if seq == 0 {
            return;
        }
        self.streams[(seq >> 28) as usize].note(seq);
    }

    /// Adds the numbers seen by another part of the same capture.
    pub fn merge(&mut self, o: &SequenceSpan) {
        for (mine, theirs) in self.streams.iter_mut().zip(&o.streams) {
            mine.merge(theirs);
        }
    }

    /// Events that carry a sequence number.
    pub fn numbered(&self) -> u64 {
        self.streams.iter().map(|s| s.numbered).sum()
    }

    /// Sequence numbers between the first and the last of each stream that no event of the
    /// capture carries (0 when the capture has no numbers, as captures written by pml).
    pub fn missing(&self) -> u64 {
        self.streams.iter().map(StreamSpan::missing).sum()
    }
}

/// What the extraction leaves out.
#[derive(Debug, Clone, Default)]
pub struct Exclusions {
    /// The processes whose events are left out.
    pub tools: ToolProcesses,
    /// True to leave out file events on ProcMon's and the file system's own files.
    pub noise_paths: bool,
}

/// How events become records: what to leave out, how paths are keyed, whether registry values
/// are read for device paths.
#[derive(Debug, Clone, Default)]
pub struct Extraction {
    /// What to leave out.
    pub exclusions: Exclusions,
    /// How paths are keyed (the capture's system root and computer name).
    pub keyer: Keyer,
    /// Read registry value events (RegQueryValue, RegSetValue, RegEnumValue, RegDeleteValue)
    /// for `\Device\HarddiskVolumeN\...` paths in their path, name or string data.
    pub registry_names: bool,
}

/// Counts of the events the extraction read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct EventCounts {
    /// Events in the capture.
    pub events: u64,
    /// Events that could not be read.
    pub unreadable_events: u64,
    /// CreateFile events (any result).
    pub create_file: u64,
    /// CreateFile events that succeeded.
    pub create_file_success: u64,
    /// CreateFile events that failed (any error, SHARING VIOLATION included).
    pub create_file_failed: u64,
    /// CloseFile (IRP_MJ_CLEANUP) events.
    pub close_file: u64,
    /// IRP_MJ_CLOSE events (last reference gone; not a handle close).
    pub irp_mj_close: u64,
    /// CreateFile/CloseFile events whose detail could not be decoded.
    pub undecodable: u64,
    /// Events left out as ProcMon's own activity (its processes and files).
    pub procmon_events: u64,
    /// Process Start, Process Exit and Process Create events.
    pub process_events: u64,
    /// Time of the earliest event (zero when there is none).
    #[serde(skip)]
    pub first_time: FileTime,
    /// Time of the latest event.
    #[serde(skip)]
    pub last_time: FileTime,
    /// The kernel sequence numbers seen.
    #[serde(skip)]
    pub sequence: SequenceSpan,
}

impl EventCounts {
    pub(crate) fn merge(&mut self, o: &EventCounts) {
        self.events += o.events;
        self.unreadable_events += o.unreadable_events;
        self.create_file += o.create_file;
        self.create_file_success += o.create_file_success;
        self.create_file_failed += o.create_file_failed;
        self.close_file += o.close_file;
        self.irp_mj_close += o.irp_mj_close;
        self.undecodable += o.undecodable;
        self.procmon_events += o.procmon_events;
        self.process_events += o.process_events;
        self.last_time = self.last_time.max(o.last_time);
        if self.first_time.is_zero() || (!o.first_time.is_zero() && o.first_time < self.first_time)
        {
            self.first_time = o.first_time;
        }
        self.sequence.merge(&o.sequence);
    }
}

/// Turns events into records and counts what it saw.
#[derive(Debug)]
pub struct Extractor<'x> {
    /// What it has seen so far.
    pub counts: EventCounts,
    /// What to leave out.
    exclusions: &'x Exclusions,
    /// How paths are keyed.
    keyer: &'x Keyer,
    /// True to read registry value events for device paths.
    registry_names: bool,
    /// Scratch space for path keys.
    buf: Vec<u16>,
    /// Scratch space for path texts.
    text: Vec<u8>,
    /// The empty path of the records that need none (CloseFiles), shared.
    no_path: Arc<str>,
    /// The paths this thread keyed last.
    memo: PathMemo,
}

impl Drop for Extractor<'_> {
    fn drop(&mut self) {
        std::mem::take(&mut self.memo).give_back();
    }
}

impl<'x> Extractor<'x> {
    /// An extractor set up by `setup`.
    pub fn new(setup: &'x Extraction) -> Self {
        Extractor {
            counts: EventCounts::default(),
            exclusions: &setup.exclusions,
            keyer: &setup.keyer,
            registry_names: setup.registry_names,
            buf: Vec::new(),
            text: Vec::new(),
            no_path: Arc::from(""),
            memo: PathMemo::take(&setup.keyer, setup.exclusions.noise_paths),
        }
    }

    /// The record of one event, if the detectors care about it; counts what it saw. The counts
    /// cover every event, ProcMon's own included. Inlined into the loops of the pass (called
    /// for every event).
    #[inline(always)]
    pub fn record_of(&mut self, event: &Event<'_>) -> Option<Record> {
        let tool = self.exclusions.tools.contains(event.process_index());
        if tool {
            self.counts.procmon_events += 1;
        }
        match event.class() {
            EventClass::FileSystem => self.file_record(event, tool),
            EventClass::Process if !tool => {
                let record = process_record(event, self.keyer, &mut self.buf);
                self.counts.process_events += u64::from(matches!(
                    record,
                    Some(Record::Process(ProcessOp {
                        kind: ProcessOpKind::Create { .. }
                            | ProcessOpKind::Start
                            | ProcessOpKind::Exit { .. },
                        ..
                    }))
                ));
                record
            }
            EventClass::Registry if self.registry_names && !tool => self.registry_name(event),
            _ => None,
        }
    }

    /// A device path named by a registry value event (its path, its name or its string data),
    /// as evidence of volume letters.
    #[cold]
    #[inline(never)]
    fn registry_name(&mut self, event: &Event<'_>) -> Option<Record> {
        if !matches!(
            event.operation(),
            reg::op::QUERY_VALUE | reg::op::SET_VALUE | reg::op::ENUM_VALUE | reg::op::DELETE_VALUE
        ) {
            return None;
        }
        let d = RegistryDetails::decode(event).ok()?;
        let string = |t: u32| {
            matches!(
                t,
                reg::value_type::SZ | reg::value_type::EXPAND_SZ | reg::value_type::MULTI_SZ
            )
        };
        let found =
            device_path_in(d.path.raw(), d.path.is_narrow()).or_else(|| match d.request {
                Request::SetValue {
                    value_type, data, ..
                } if string(value_type) => device_path_in(data.bytes, false),
                _ => {
                    let v = d.value_information()?;
                    v.name
                        .and_then(|n| device_path_in(n.raw(), n.is_narrow()))
                        .or_else(|| {
                            string(v.value_type)
                                .then(|| device_path_in(v.data.bytes, false))
                                .flatten()
                        })
                }
            })?;
        let key = self
            .keyer
            .key_and_text(found.0, found.1, false, &mut self.buf)
            .0;
        matches!(paths::root(key), Root::Volume(_)).then_some(Record::Name(NameSeen {
            event_index: event.index(),
            key,
        }))
    }

    /// The record of a file-system event; none for one of ProcMon's own processes (`tool`),
    /// which is counted all the same. Inlined: most file-system events are turned down by
    /// their operation alone, and a call per event is a measurable part of the pass.
    #[inline(always)]
    fn file_record(&mut self, event: &Event<'_>, tool: bool) -> Option<Record> {
        let counts = &mut self.counts;
        let op = event.operation();
        let result = event.result();
        match op {
            fs_op::CREATE_FILE => {
                counts.create_file += 1;
                if result == 0 {
                    counts.create_file_success += 1;
                } else {
                    counts.create_file_failed += 1;
                    if !is_weighed_status(result) {
                        return None;
                    }
                }
            }
            fs_op::CLOSE_FILE => counts.close_file += 1,
            fs_op::SET_INFORMATION_FILE
                if matches!(
                    event.sub_operation(),
                    info_class::DISPOSITION
                        | info_class::DISPOSITION_EX
                        | info_class::RENAME
                        | info_class::RENAME_EX
                ) => {}
            fs_op::IRP_MJ_CLOSE => {
                counts.irp_mj_close += 1;
                return None;
            }
            _ => return None,
        }
        if tool {
            return None;
        }
        // Borrowed where it lies, not moved out (a moved result stalls on its own stores).
        let decoded = FsDetails::decode(event);
        let Ok(details) = &decoded else {
            counts.undecodable += 1;
            return None;
        };
        let create = details.create_file();
        let set = details.set_information();
        let (keyer, buf, scratch) = (self.keyer, &mut self.buf, &mut self.text);
        let noise_paths = self.exclusions.noise_paths;
        let keyed = self
            .memo
            .get(details.path.raw(), details.path.is_narrow(), || {
                let (key, text) = keyer.key_and_shared_text(
                    details.path.raw(),
                    details.path.is_narrow(),
                    buf,
                    scratch,
                );
                Keyed {
                    key,
                    text,
                    noise: noise_paths && procmon_noise::is_noise_units(buf),
                }
            });
        if keyed.noise {
            counts.procmon_events += 1;
            return None;
        }
        let key = keyed.key;
        let text = (op != fs_op::CLOSE_FILE).then(|| keyed.text.clone());
        let mut target = None;
        let kind = match (create, set) {
            (_, Some(SetInformation::Disposition { delete: false, .. })) => return None,
            (_, Some(SetInformation::Disposition { .. })) => FileOpKind::DeleteOrRename {
                rename: false,
                status: result,
            },
            (
                _,
                Some(SetInformation::Rename {
                    replace_if_exists,
                    name,
                }),
            ) => {
                if replace_if_exists && !name.is_empty() {
                    target = Some(rename_target(self.keyer, name));
                }
                FileOpKind::DeleteOrRename {
                    rename: true,
                    status: result,
                }
            }
            (None, _) if op != fs_op::CLOSE_FILE => return None,
            (Some(c), _) => {
                let request = OpenRequest {
                    desired_access: c.desired_access,
                    share_mode: c.share_mode,
                    options: c.options,
                    disposition: c.disposition,
                };
                if result == 0 {
                    FileOpKind::Open {
                        request,
                        open_result: c.open_result,
                    }
                } else if result == STATUS_SHARING_VIOLATION {
                    FileOpKind::SharingViolation { request }
                } else {
                    FileOpKind::OpenFailed {
                        request,
                        status: result,
                    }
                }
            }
            (None, _) => FileOpKind::Close,
        };
        let path = text.unwrap_or_else(|| self.no_path.clone());
        Some(Record::File(FileOp {
            event_index: event.index(),
            time: event.time(),
            process_index: event.process_index(),
            tid: event.tid(),
            path,
            key,
            kind,
            target,
        }))
    }
}

/// The file a rename replaces, from the UTF-16 name its event carries (out of line: renames
/// are rare, and the event loop stays small).
#[cold]
#[inline(never)]
fn rename_target(keyer: &Keyer, name: &[u8]) -> Box<Target> {
    let mut buf = Vec::new();
    let (key, text) = keyer.key_and_text(name, false, true, &mut buf);
    Box::new(Target {
        path: text.unwrap_or_default(),
        key,
    })
}

/// The start of a `\Device\HarddiskVolume` path in the string `bytes` (UTF-16LE, or Latin-1
/// when `narrow`) up to the string's end, a NUL or a double quote; with `narrow`.
fn device_path_in(bytes: &[u8], narrow: bool) -> Option<(&[u8], bool)> {
    use std::sync::OnceLock;
    const NEEDLE: &str = "\\Device\\HarddiskVolume";
    static FINDERS: OnceLock<[memchr::memmem::Finder<'static>; 2]> = OnceLock::new();
    let [narrow_finder, wide_finder] = FINDERS.get_or_init(|| {
        let wide: Vec<u8> = NEEDLE.encode_utf16().flat_map(u16::to_le_bytes).collect();
        [
            memchr::memmem::Finder::new(NEEDLE.as_bytes()).into_owned(),
            memchr::memmem::Finder::new(&wide).into_owned(),
        ]
    });
    if narrow {
        let at = narrow_finder.find(bytes)?;
        let rest = &bytes[at..];
        let end = rest
            .iter()
            .position(|&b| b == 0 || b == b'"')
            .unwrap_or(rest.len());
        return Some((&rest[..end], true));
    }
    let mut from = 0;
    let at = loop {
        let at = from + wide_finder.find(&bytes[from..])?;
        if at % 2 == 0 {
            break at;
        }
        from = at + 1;
    };
    let rest = &bytes[at..];
    let end = rest
        .chunks_exact(2)
        .position(|c| c == [0, 0] || c == [b'"', 0])
        .map_or(rest.len() & !1, |p| 2 * p);
    Some((&rest[..end], false))
}

fn process_record(event: &Event<'_>, keyer: &Keyer, buf: &mut Vec<u16>) -> Option<Record> {
    let op = event.operation();
    if !matches!(
        op,
        process_op::PROCESS_CREATE
            | process_op::PROCESS_START
            | process_op::PROCESS_EXIT
            | process_op::LOAD_IMAGE
    ) {
        return None;
    }
    if op == process_op::PROCESS_START {
        return Some(Record::Process(ProcessOp {
            event_index: event.index(),
            time: event.time(),
            process_index: event.process_index(),
            kind: ProcessOpKind::Start,
        }));
    }
    let kind = match ProcessDetails::decode(event).ok()? {
        ProcessDetails::Create(c) if op == process_op::PROCESS_CREATE => ProcessOpKind::Create {
            child_index: c.child_index,
            child_pid: c.child_pid,
        },
        ProcessDetails::Exit(c) => ProcessOpKind::Exit {
            status: c.exit_status,
        },
        ProcessDetails::LoadImage(l) => ProcessOpKind::LoadImage {
            key: keyer
                .key_and_text(l.path.raw(), l.path.is_narrow(), false, buf)
                .0,
        },
        _ => return None,
    };
    Some(Record::Process(ProcessOp {
        event_index: event.index(),
        time: event.time(),
        process_index: event.process_index(),
        kind,
    }))
}

/// How many events ahead the detail blob of a CreateFile or CloseFile is fetched (its header is
/// in the cache by then; the blob sits after the stack trace, usually in other cache lines).
const PREFETCH_DETAIL_AHEAD: u64 = 4;

/// Starts loading the detail blob of event `index` (below `end`) when the detectors will read it.
#[inline]
fn prefetch_detail(capture: &Capture, index: u64, end: u64) {
    if index >= end {
        return;
    }
    let Ok(event) = capture.event(index) else {
        return;
    };
    if event.class() == EventClass::FileSystem
        && matches!(event.operation(), fs_op::CREATE_FILE | fs_op::CLOSE_FILE)
    {
        event.prefetch_detail();
    }
}

/// The records of a chunk of events, in order, numbered globally. Inlined into each of its two
/// callers: out of line, the reading of events it calls is no longer inlined into its loop,
/// which costs the pass 8% more instructions.
#[inline(always)]
fn extract_chunk(
    capture: &SplitCapture,
    chunk: &Chunk,
    setup: &Extraction,
) -> (Vec<Record>, EventCounts) {
    let part = chunk.part_of(capture).capture();
    let mut x = Extractor::new(setup);
    let end = chunk.range.end;
    // Room for the records of a chunk where a quarter of the events make one, so that the
    // vector is not grown (and moved) several times per chunk.
    let mut records = Vec::with_capacity(((end - chunk.range.start) / 4) as usize);
    for i in prefetched(part, chunk.range.clone()) {
        prefetch_detail(part, i + PREFETCH_DETAIL_AHEAD, end);
        x.counts.events += 1;
        // Borrowed where it lies, not moved out: see `Event::parse` on copies of events.
        match &part.event(i) {
            Ok(e) => {
                x.counts.last_time = x.counts.last_time.max(e.time());
                if x.counts.first_time.is_zero() || e.time() < x.counts.first_time {
                    x.counts.first_time = e.time();
                }
                let head = e.header_bytes();
                x.counts.sequence.note(u32::from_le_bytes([
                    head[0x10], head[0x11], head[0x12], head[0x13],
                ]));
                // Not `extend`: that moves the (large) Option through an iterator per event.
                if let Some(r) = x.record_of(e) {
                    records.push(r);
                }
            }
            Err(_) => x.counts.unreadable_events += 1,
        }
    }
    if chunk.first_index != chunk.range.start {
        let offset = chunk.first_index - chunk.range.start;
        for r in &mut records {
            r.move_index(offset);
        }
    }
    (records, x.counts)
}

/// Events per chunk of the extraction.
const CHUNK_EVENTS: u64 = 2048;
/// Chunks per thread extracted ahead of the sequential pass.
const AHEAD_PER_THREAD: usize = 8;

/// The distinct distinctive keys (see [`paths::is_distinctive`]) under a drive letter or a
/// `\Device\HarddiskVolumeN` root that the capture's records name, as `setup` extracts them
/// (with `registry_names`, the device paths of registry values too): the evidence of which
/// letter each volume has. Memory grows with the distinct paths.
pub fn named_keys(capture: &SplitCapture, setup: &Extraction) -> Vec<PathKey> {
    let keep = |k: PathKey| {
        paths::is_distinctive(k) && matches!(paths::root(k), Root::Drive(_) | Root::Volume(_))
    };
    let mut all: FxHashSet<PathKey> = FxHashSet::default();
    capture
        .pass()
        .chunk_events(CHUNK_EVENTS)
        .ahead_per_thread(AHEAD_PER_THREAD)
        .for_each(
            |chunk| {
                let mut keys: FxHashSet<PathKey> = FxHashSet::default();
                for r in extract_chunk(capture, chunk, setup).0 {
                    let key = match r {
                        Record::File(f) => f.key,
                        Record::Name(n) => n.key,
                        Record::Process(ProcessOp {
                            kind: ProcessOpKind::LoadImage { key },
                            ..
                        }) => key,
                        Record::Process(_) => continue,
                    };
                    if keep(key) {
                        keys.insert(key);
                    }
                }
                keys
            },
            |_, keys| all.extend(keys),
        );
    all.into_iter().collect()
}

/// Calls `f` with every record of the capture (all its parts) but those `setup` leaves out, in
/// event order, and returns the event counts.
///
/// Chunks are extracted on all of rayon's threads while the calling thread feeds `f` with the
/// records of the chunks done, in order (see [`SplitCapture::pass`]).
pub fn for_each_record(
    capture: &SplitCapture,
    setup: &Extraction,
    mut f: impl FnMut(&Record),
) -> EventCounts {
    let mut counts = EventCounts::default();
    capture
        .pass()
        .chunk_events(CHUNK_EVENTS)
        .ahead_per_thread(AHEAD_PER_THREAD)
        .for_each(
            |chunk| extract_chunk(capture, chunk, setup),
            |_, (records, c)| {
                counts.merge(&c);
                records.iter().for_each(&mut f);
            },
        );
    counts
}

#[cfg(test)]
mod tests {
    use super::SequenceSpan;

    #[test]
    fn gaps_are_counted_inside_each_numbering_stream() {
        let mut kernel = SequenceSpan::default();
        for seq in [100, 101, 105] {
            kernel.note(seq);
        }
        let mut network = SequenceSpan::default();
        for seq in [0x2000_0000, 0x2000_0001, 0x2000_0003] {
            network.note(seq);
        }
        kernel.merge(&network);
        // 102..=104 of the kernel's stream and 0x2000_0002 of the network's.
        assert_eq!(kernel.missing(), 4);
        assert_eq!(kernel.numbered(), 6);
    }

    #[test]
    fn zero_is_no_number() {
        let mut span = SequenceSpan::default();
        span.note(0);
        span.note(7);
        assert_eq!((span.numbered(), span.missing()), (1, 0));
    }
}
