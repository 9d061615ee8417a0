//! Salvage: reading a capture whose tables were never written (ProcMon was killed) or whose end
//! was cut off, by walking the event records from the first one and validating each.

use crate::bytes::{u16_at, u32_at, u64_at};
use crate::event::EVENT_HEADER_SIZE;
use crate::header::{Header, HEADER_SIZE};
use crate::time::FileTime;

/// Deepest stack a plausible record has (ProcMon records at most a few hundred frames).
const MAX_STACK_DEPTH: usize = 1024;
/// Largest plausible detail blob.
const MAX_DETAIL: usize = 1 << 20;
/// FILETIME of 1990-01-01 and 2200-01-01: plausible event times lie between.
const TIME_RANGE: std::ops::Range<u64> = 124_611_840_000_000_000..189_832_320_000_000_000;

/// Why the event-offsets array cannot be used, or `None` when it can.
pub(crate) fn reason_to_walk(header: &Header, file_len: u64) -> Option<String> {
    if let Some(table) = header.missing_table() {
        return Some(format!(
            "the capture was not closed cleanly (the header's {table} offset is zero)"
        ));
    }
    let array_end = header
        .event_offsets_offset
        .checked_add(u64::from(header.event_count) * 5);
    match array_end {
        Some(end) if end <= file_len => None,
        _ => Some(format!(
            "the file was cut off: the event-offsets array for {} events at {:#x} ends past the end of the file ({file_len:#x} bytes)",
            header.event_count, header.event_offsets_offset
        )),
    }
}

/// The result of walking the records.
pub(crate) struct Walk {
    /// File offsets of the records found, ascending.
    pub offsets: Vec<u64>,
    /// Bytes of the event area that were not part of any record found.
    pub unreadable_bytes: u64,
}

/// Number of operations of each class, to reject records with impossible codes.
fn operation_count(class: u32) -> Option<u16> {
    Some(match class {
        1 => 10,
        2 => 18,
        3 => 48,
        4 => 3,
        5 => 10,
        _ => return None,
    })
}

/// The end of a plausible record at `pos` (header, stack, detail and extra), or `None`.
fn record_end(
    data: &[u8],
    pos: usize,
    limit: usize,
    ptr: usize,
    previous: Option<u64>,
) -> Option<usize> {
    let head = data.get(pos..pos.checked_add(EVENT_HEADER_SIZE)?)?;
    if pos + EVENT_HEADER_SIZE > limit {
        return None;
    }
    let ops = operation_count(u32_at(head, 8)?)?;
    if u16_at(head, 0xC)? >= ops {
        return None;
    }
    let time = u64_at(head, 0x1C)?;
    if !TIME_RANGE.contains(&time) {
        return None;
    }
    // Events are in time order; allow ties and a little disorder between CPUs.
    if previous.is_some_and(|p| time + 600 * FileTime::TICKS_PER_SECOND < p) {
        return None;
    }
    let depth = usize::from(u16_at(head, 0x28)?);
    let detail = u32_at(head, 0x2C)? as usize;
    if depth > MAX_STACK_DEPTH || detail > MAX_DETAIL {
        return None;
    }
    let body_end = pos + EVENT_HEADER_SIZE + depth * ptr + detail;
    let extra = u32_at(head, 0x30)? as usize;
    let end = if extra == 0 {
        body_end
    } else {
        let at = pos.checked_add(extra)?;
        if at < body_end {
            return None;
        }
        at + 2 + usize::from(u16_at(data, at)?)
    };
    (end <= limit).then_some(end)
}

/// Walks the records from the first event to the event-offsets array (or the end of the file).
pub(crate) fn walk_events(data: &[u8], header: &Header) -> Walk {
    // An offset past the end of the file is as good as none (and would overflow below).
    let start = usize::try_from(header.events_offset)
        .ok()
        .filter(|&s| s >= HEADER_SIZE && s <= data.len())
        .unwrap_or(HEADER_SIZE);
    let limit = usize::try_from(header.event_offsets_offset)
        .ok()
        .filter(|&l| l > start && l <= data.len())
        .unwrap_or(data.len());
    let ptr = header.ptr_size();
    let mut offsets = Vec::new();
    let mut unreadable = 0u64;
    let mut pos = start;
    let mut previous_time = None;
    while pos + EVENT_HEADER_SIZE <= limit {
        if let Some(end) = record_end(data, pos, limit, ptr, previous_time) {
            offsets.push(pos as u64);
            previous_time = u64_at(data, pos + 0x1C);
            pos = end;
            continue;
        }
        // Resynchronise: ProcMon leaves a byte of gap after a capped (0xFFFF) extra block, and a
        // corrupt record is skipped until the next plausible one.
        match (pos + 1..limit.saturating_sub(EVENT_HEADER_SIZE - 1))
            .find(|&p| record_end(data, p, limit, ptr, previous_time).is_some())
        {
            Some(next) => {
                let gap = (next - pos) as u64;
                if gap > 1 {
                    unreadable += gap;
                }
                pos = next;
            }
            None => {
                unreadable += (limit - pos) as u64;
                pos = limit;
            }
        }
    }
    unreadable += (limit - pos.min(limit)) as u64;
    Walk {
        offsets,
        unreadable_bytes: unreadable,
    }
}
