//! From events to records: the hot path reads only the fixed header (class, operation, result);
//! details are decoded only for CreateFile, CloseFile and Process Create/Start/Exit.
//!
//! [`for_each_record`] extracts chunks of events in parallel and hands their records over in
//! event order while the next chunks are being extracted, so memory stays bounded by a few
//! chunks.

use serde::Serialize;

use pml_parser::details::fs::FsDetails;
use pml_parser::details::process::ProcessDetails;
use pml_parser::ops::{fs_op, process_op};
use pml_parser::pass::prefetched;
use pml_parser::{Capture, Chunk, Event, EventClass, FileTime, SplitCapture};

use crate::model::{
    FileOp, FileOpKind, OpenRequest, ProcessOp, ProcessOpKind, Record, STATUS_SHARING_VIOLATION,
};
use crate::paths;

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
    /// Time of the latest event.
    #[serde(skip)]
    pub last_time: FileTime,
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
        self.last_time = self.last_time.max(o.last_time);
    }
}

/// Turns events into records and counts what it saw.
#[derive(Debug, Default)]
pub struct Extractor {
    /// What it has seen so far.
    pub counts: EventCounts,
    /// Scratch space for path keys.
    buf: Vec<u16>,
}

impl Extractor {
    /// The record of one event, if the detectors care about it; counts what it saw.
    pub fn record_of(&mut self, event: &Event<'_>) -> Option<Record> {
        match event.class() {
            EventClass::FileSystem => self.file_record(event),
            EventClass::Process => process_record(event),
            _ => None,
        }
    }

    fn file_record(&mut self, event: &Event<'_>) -> Option<Record> {
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
                    if result != STATUS_SHARING_VIOLATION {
                        return None;
                    }
                }
            }
            fs_op::CLOSE_FILE => counts.close_file += 1,
            fs_op::IRP_MJ_CLOSE => {
                counts.irp_mj_close += 1;
                return None;
            }
            _ => return None,
        }
        let Ok(details) = FsDetails::decode(event) else {
            counts.undecodable += 1;
            return None;
        };
        let create = details.create_file();
        let (key, text) = paths::key_and_text(
            details.path.raw(),
            details.path.is_narrow(),
            create.is_some(),
            &mut self.buf,
        );
        let kind = match create {
            Some(c) => {
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
                } else {
                    FileOpKind::SharingViolation { request }
                }
            }
            None => FileOpKind::Close,
        };
        let path = text.unwrap_or_default();
        Some(Record::File(FileOp {
            event_index: event.index(),
            time: event.time(),
            process_index: event.process_index(),
            tid: event.tid(),
            path,
            key,
            kind,
        }))
    }
}

fn process_record(event: &Event<'_>) -> Option<Record> {
    let kind = match event.operation() {
        process_op::PROCESS_CREATE => match ProcessDetails::decode(event).ok()? {
            ProcessDetails::Create(c) => ProcessOpKind::Create {
                child_index: c.child_index,
                child_pid: c.child_pid,
            },
            _ => return None,
        },
        process_op::PROCESS_START => ProcessOpKind::Start,
        process_op::PROCESS_EXIT => ProcessOpKind::Exit,
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

/// The records of a chunk of events, in order, numbered globally.
fn extract_chunk(capture: &SplitCapture, chunk: &Chunk) -> (Vec<Record>, EventCounts) {
    let part = chunk.part_of(capture).capture();
    let mut x = Extractor::default();
    let mut records = Vec::new();
    let end = chunk.range.end;
    for i in prefetched(part, chunk.range.clone()) {
        prefetch_detail(part, i + PREFETCH_DETAIL_AHEAD, end);
        x.counts.events += 1;
        match part.event(i) {
            Ok(e) => {
                x.counts.last_time = x.counts.last_time.max(e.time());
                records.extend(x.record_of(&e));
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

/// Calls `f` with every record of the capture (all its parts), in event order, and returns the
/// event counts.
///
/// Chunks are extracted on all of rayon's threads while the calling thread feeds `f` with the
/// records of the chunks done, in order (see [`SplitCapture::pass`]).
pub fn for_each_record(capture: &SplitCapture, mut f: impl FnMut(&Record)) -> EventCounts {
    let mut counts = EventCounts::default();
    capture
        .pass()
        .chunk_events(CHUNK_EVENTS)
        .ahead_per_thread(AHEAD_PER_THREAD)
        .for_each(
            |chunk| extract_chunk(capture, chunk),
            |_, (records, c)| {
                counts.merge(&c);
                records.iter().for_each(&mut f);
            },
        );
    counts
}
