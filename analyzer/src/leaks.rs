//! Handle leaks: the opens nobody closed, grouped per process instance and path, so that an
//! application that opens one file 245 times and closes it 31 times is one leak of 214 handles,
//! not 214 lines.

use std::collections::HashMap;

use serde::Serialize;

use crate::findings::{Time, UnmatchedOpen};
use crate::lifetimes::Lifetimes;
use crate::paths::{self, PathKey};

use crate::process_tree::ProcessRef;

/// The opens of one path by one process instance that were never closed.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct HandleLeak {
    /// The process.
    pub process: ProcessRef,
    /// The path (its first spelling).
    pub path: String,
    /// Successful opens of the path by the process since the path last had no open handle in
    /// the capture.
    pub opens: u64,
    /// Of them, closed.
    pub closes: u64,
    /// Of them, still open at the process's exit or at the end of the capture.
    pub unclosed: u64,
    /// Time of the first of those opens.
    pub first_time: Time,
    /// Time of the last of those opens.
    pub last_time: Time,
}

/// Groups the unmatched opens that nobody closed, largest group first (then by first open).
pub fn group(l: &Lifetimes, unmatched: &[UnmatchedOpen]) -> Vec<HandleLeak> {
    let mut groups: HashMap<(u32, PathKey), HandleLeak> = HashMap::new();
    for u in unmatched.iter().filter(|u| u.close.is_none()) {
        // The key with the capture's volume letters applied; the path's own for records that
        // no longer have their interval.
        let key = l
            .interval(u.interval)
            .map_or_else(|| paths::key(&u.path), |i| i.key);
        let leak = groups
            .entry((u.process.process_index, key))
            .or_insert_with(|| HandleLeak {
                process: u.process.clone(),
                path: u.path.clone(),
                opens: 0,
                closes: 0,
                unclosed: 0,
                first_time: u.open.time,
                last_time: u.open.time,
            });
        leak.unclosed += 1;
        leak.first_time = leak.first_time.min(u.open.time);
        leak.last_time = leak.last_time.max(u.open.time);
    }
    let mut leaks: Vec<HandleLeak> = groups
        .into_iter()
        .map(|((process_index, key), mut leak)| {
            let counts = l
                .open_counts
                .get(&key)
                .and_then(|list| list.iter().find(|c| c.process_index == process_index));
            match counts {
                Some(c) => {
                    leak.opens = c.opens.max(leak.unclosed);
                    leak.closes = c.closes.min(leak.opens - leak.unclosed);
                    leak.first_time = leak.first_time.min(Time(c.first_open));
                    leak.last_time = leak.last_time.max(Time(c.last_open));
                }
                None => leak.opens = leak.unclosed,
            }
            leak
        })
        .collect();
    leaks.sort_by(|a, b| {
        b.unclosed
            .cmp(&a.unclosed)
            .then(a.first_time.cmp(&b.first_time))
            .then(a.path.cmp(&b.path))
    });
    leaks
}
