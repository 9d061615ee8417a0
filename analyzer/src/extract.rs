//! From events to records: the hot path reads only the fixed header (class, operation, result);
//! details are decoded only for CreateFile, CloseFile and Process Create/Start/Exit.
//!
//! [`for_each_record`] extracts batches of events in parallel and hands their records over in
//! event order while the next batches are being extracted, so memory stays bounded by a few
//! batches.

use std::ops::Range;

use rayon::prelude::*;
use serde::Serialize;

use pml_parser::details::fs::FsDetails;
use pml_parser::details::process::ProcessDetails;
use pml_parser::hint::prefetch;
use pml_parser::ops::{fs_op, process_op};
use pml_parser::{Capture, Event, EventClass, FileTime};

use crate::model::{
    FileOp, FileOpKind, OpenRequest, ProcessOp, ProcessOpKind, Record, STATUS_SHARING_VIOLATION,
};
use crate::paths;

/// Events per batch handed from the parallel extraction to the sequential pass.
const BATCH: u64 = 1 << 13;

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

/// How many events ahead of the one being read the next event header is fetched into the cache.
const PREFETCH_AHEAD: u64 = 16;

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
        let detail = event.detail_bytes();
        prefetch(detail);
        // The path starts 0x44 bytes in on 64-bit captures; a long one spans more lines.
        prefetch(detail.get(64..).unwrap_or_default());
    }
}

/// The records of a range of events, in order.
fn extract_range(capture: &Capture, range: Range<u64>) -> (Vec<Record>, EventCounts) {
    let mut x = Extractor::default();
    let mut records = Vec::new();
    let end = range.end;
    for (i, event) in (range.start..).zip(capture.events_in(range)) {
        if i + PREFETCH_AHEAD < end {
            capture.prefetch_event(i + PREFETCH_AHEAD);
        }
        prefetch_detail(capture, i + PREFETCH_DETAIL_AHEAD, end);
        x.counts.events += 1;
        match event {
            Ok(e) => {
                x.counts.last_time = x.counts.last_time.max(e.time());
                records.extend(x.record_of(&e));
            }
            Err(_) => x.counts.unreadable_events += 1,
        }
    }
    (records, x.counts)
}

/// The records of a batch, extracted on all threads, in order.
fn extract_batch(capture: &Capture, batch: Range<u64>) -> Vec<(Vec<Record>, EventCounts)> {
    let parts = (rayon::current_num_threads() as u64 * 4).max(1);
    let step = (batch.end - batch.start).div_ceil(parts).max(1);
    let ranges: Vec<Range<u64>> = (batch.start..batch.end)
        .step_by(step as usize)
        .map(|s| s..(s + step).min(batch.end))
        .collect();
    ranges
        .into_par_iter()
        .map(|r| extract_range(capture, r))
        .collect()
}

/// Events extracted between two releases of their pages (see `Capture::release`): releasing
/// batch by batch would unmap a few hundred kilobytes at a time, each time flushing the TLB of
/// every core.
const RELEASE_EVERY: u64 = 1 << 18;

/// The records of every batch of the capture, in order; the pages of the events read are
/// released every [`RELEASE_EVERY`] events.
fn extracted_batches(
    capture: &Capture,
) -> impl Iterator<Item = Vec<(Vec<Record>, EventCounts)>> + '_ {
    let n = capture.event_count();
    let mut released = 0;
    (0..n).step_by(BATCH as usize).map(move |start| {
        let batch = start..(start + BATCH).min(n);
        let parts = extract_batch(capture, batch.clone());
        if batch.end - released >= RELEASE_EVERY || batch.end == n {
            capture.release(released..batch.end);
            released = batch.end;
        }
        parts
    })
}

/// Batches extracted ahead of the sequential pass, at most.
const QUEUE: usize = 4;

/// Calls `f` with every record of the capture, in event order, and returns the event counts.
///
/// A producer thread extracts batch after batch (each on all of rayon's threads) into a short
/// queue; the calling thread feeds `f` from it, so neither waits for the other batch by batch.
pub fn for_each_record(capture: &Capture, mut f: impl FnMut(&Record)) -> EventCounts {
    let mut counts = EventCounts::default();
    let mut feed = |parts: Vec<(Vec<Record>, EventCounts)>| {
        for (records, c) in parts {
            counts.merge(&c);
            records.iter().for_each(&mut f);
        }
    };
    std::thread::scope(|scope| {
        let (tx, rx) = std::sync::mpsc::sync_channel(QUEUE);
        let producer = std::thread::Builder::new()
            .name("pml-extract".into())
            .spawn_scoped(scope, move || {
                for parts in extracted_batches(capture) {
                    if tx.send(parts).is_err() {
                        break;
                    }
                }
            });
        if producer.is_ok() {
            rx.into_iter().for_each(&mut feed);
        } else {
            // No thread to be had: extract and feed in turn.
            extracted_batches(capture).for_each(&mut feed);
        }
    });
    counts
}
